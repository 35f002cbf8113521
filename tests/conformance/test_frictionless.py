"""Every published datapackage.json held to `frictionless validate` (frictionless-py 5.x):
valid, including the package-level metadata and the `bytes` and `hash` publish writes."""

import json
import subprocess

import pytest

from conftest import tool


def packages(public):
    found = sorted((public / "data").glob("*/datapackage.json"))
    assert found, f"no datapackage.json under {public / 'data'}"
    return found


def test_every_published_package_is_valid(demo_portal):
    _, public = demo_portal
    failures = []
    for path in packages(public):
        result = subprocess.run([tool("frictionless"), "validate", "--json", str(path)],
                                capture_output=True, text=True, timeout=300)
        report = json.loads(result.stdout)
        if not report["valid"]:
            notes = [e.get("message") for e in report.get("errors", [])]
            notes += [e.get("message") for t in report["tasks"] for e in t["errors"]]
            failures.append(f"{path}: {notes[:3]}")
    assert not failures, "\n".join(failures)


def test_publish_writes_what_frictionless_checks(demo_portal):
    _, public = demo_portal
    for path in packages(public):
        package = json.loads(path.read_text(encoding="utf-8"))
        if "created" in package:
            assert "T" in package["created"], f"{path}: created is not a datetime"
        for resource in package["resources"]:
            data = (path.parent / resource["path"]).read_bytes()
            assert resource["bytes"] == len(data), f"{path}: {resource['name']}"
            assert resource["hash"].startswith("sha256:"), f"{path}: {resource['name']}"
