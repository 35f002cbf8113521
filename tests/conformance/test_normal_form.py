"""The normal form `publish` writes, held to frictionless-py: a package as Ukrainian budget
systems export it (Windows-1251, `;`-separated, decimal comma, no-break-space digit groups,
DD.MM.YYYY dates, так/ні, `-` for missing) is valid to frictionless as sent; what the portal
publishes of it is valid too, and frictionless reads the same typed rows from both."""

import json
import subprocess
from decimal import Decimal

from conftest import ROOT, WORK, tool, vidkryto

FIXTURE = ROOT / "generator" / "tests" / "fixtures" / "normalform" / "cp1251-budget"


def build_fixture_portal():
    folder = WORK / "normal-form"
    folder.mkdir(parents=True, exist_ok=True)
    config = folder / "vidkryto.toml"
    repo = ROOT.as_posix()
    config.write_text(
        "[portal]\n"
        'title = "Відкрито — нормальна форма"\n'
        'title_en = "Vidkryto — normal form"\n'
        'base_url = "http://127.0.0.1:8080"\n'
        'publisher = "Тест"\n'
        'publisher_en = "Test"\n'
        "[paths]\n"
        f'content = "{repo}/content"\n'
        f'site = "{repo}/site"\n'
        'build = "build"\n'
        'public = "public"\n'
        "[[datasets]]\n"
        'name = "cp1251-budget"\n'
        f'path = "{FIXTURE.as_posix()}"\n',
        encoding="utf-8",
    )
    vidkryto("--config", config, "build")
    return folder / "public" / "data" / "cp1251-budget" / "datapackage.json"


def frictionless(*args):
    result = subprocess.run([tool("frictionless"), *map(str, args)],
                            capture_output=True, text=True, timeout=300)
    return result


def rows(descriptor):
    """The typed rows frictionless reads of the package's one resource (Decimal, date, bool:
    `extract --json` would write them back in each descriptor's own spelling)."""
    from frictionless import Package

    package = Package(str(descriptor))
    return [row.to_dict() for row in package.resources[0].read_rows()]


def test_source_and_published_form_are_valid_and_hold_the_same_rows():
    published = build_fixture_portal()
    source = FIXTURE / "datapackage.json"
    for descriptor in (source, published):
        result = frictionless("validate", "--json", descriptor)
        report = json.loads(result.stdout)
        notes = [e.get("message") for t in report.get("tasks", []) for e in t["errors"]]
        assert report["valid"], f"{descriptor}: {notes[:3] or report.get('errors')}"

    as_sent, as_published = rows(source), rows(published)
    assert as_published == as_sent
    amounts = [row["amount_2024"] for row in as_published]
    assert Decimal("84667.2") in amounts, amounts

    resource = json.loads(published.read_text(encoding="utf-8"))["resources"][0]
    data = (published.parent / resource["path"]).read_bytes()
    data.decode("utf-8")
    assert not data.startswith(b"\xef\xbb\xbf")
    assert resource["encoding"] == "utf-8"
    assert resource["sources"][0]["encoding"] == "windows-1251"
