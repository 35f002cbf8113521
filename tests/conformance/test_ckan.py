"""CKAN Action API v3 held to the stock `ckanapi` CLI (PyPI, unmodified) against the served
demo portal: every action the portal answers, by POST (ckanapi's default) and GET (-g), under
/api/action/ (ckanapi's prefix) and /api/3/action/, `dump datasets --all` and
`dump organizations --all`, and CKAN's error shapes as ckanapi decodes them."""

import json
import os
import pathlib
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request

import pytest

from conftest import tool

VENV_BIN = str(pathlib.Path(sys.executable).parent)


def ckanapi(server, *args, get=False, check=True):
    # `dump` starts worker processes by the name `ckanapi`: the venv's bin goes first on PATH.
    env = {**os.environ, "PATH": VENV_BIN + os.pathsep + os.environ.get("PATH", "")}
    command = [tool("ckanapi"), *args, "-r", server]
    if get:
        command.append("-g")
    result = subprocess.run(command, capture_output=True, text=True, env=env, timeout=120)
    if check and result.returncode != 0:
        raise AssertionError(f"{' '.join(command)} exited {result.returncode}\n{result.stderr}")
    return result


def action(server, name, *args, get=False):
    return json.loads(ckanapi(server, "action", name, *args, get=get).stdout)


@pytest.mark.parametrize("get", [False, True], ids=["post", "get"])
def test_every_action_through_ckanapi(demo_server, get):
    names = action(demo_server, "package_list", get=get)
    assert "kyiv-appeals" in names and names == sorted(names)
    assert action(demo_server, "package_list", "limit:2", "offset:1", get=get) == names[1:3]

    current = action(demo_server, "current_package_list_with_resources", "limit:3", get=get)
    assert len(current) == 3 and all(p["resources"] for p in current)

    package = action(demo_server, "package_show", "id=kyiv-appeals", get=get)
    assert package["name"] == "kyiv-appeals"
    assert package["metadata_modified"].endswith("Z")
    assert package["metadata_created"].endswith("Z")
    assert package["organization"]["name"] == package["owner_org"]
    assert [g["name"] for g in package["groups"]] == ["appeals"]
    resource = package["resources"][0]
    assert resource["size"] > 0 and resource["hash"].startswith("sha256:")

    shown = action(demo_server, "resource_show", f"id={resource['id']}", get=get)
    assert shown["url"] == resource["url"] and shown["hash"] == resource["hash"]

    orgs = action(demo_server, "organization_list", get=get)
    assert package["owner_org"] in orgs
    full = action(demo_server, "organization_list", "all_fields:true", get=get)
    assert sum(o["package_count"] for o in full) == len(names)
    org = action(demo_server, "organization_show", f"id={package['owner_org']}",
                 "include_datasets:true", get=get)
    assert "kyiv-appeals" in [p["name"] for p in org["packages"]]

    groups = action(demo_server, "group_list", get=get)
    assert "budget" in groups and "appeals" in groups
    group = action(demo_server, "group_show", "id=budget", "include_datasets:true", get=get)
    assert group["package_count"] == len(group["packages"]) > 0

    tags = action(demo_server, "tag_list", get=get)
    assert "1551" in tags
    assert action(demo_server, "tag_list", "query=155", get=get) == ["1551"]

    licences = action(demo_server, "license_list", get=get)
    assert "CC-BY-4.0" in [l["id"] for l in licences]

    status = action(demo_server, "status_show", get=get)
    assert status["site_title"].startswith("Відкрито")

    help_text = action(demo_server, "help_show", "name=package_search", get=get)
    assert "fq" in help_text

    search = action(demo_server, "package_search", "q=tags:1551", "rows:1001", get=get)
    assert search["count"] >= 1
    assert all("1551" in [t["name"] for t in p["tags"]] for p in search["results"])
    orgs_fq = f"organization:({orgs[0]} OR {orgs[1]})"
    either = action(demo_server, "package_search", f"fq={orgs_fq}", get=get)
    assert either["count"] == sum(o["package_count"] for o in full if o["name"] in orgs[:2])
    named = action(demo_server, "package_search", "q=name:kyiv-appeals", get=get)
    assert [p["name"] for p in named["results"]] == ["kyiv-appeals"]

    rows = action(demo_server, "datastore_search", f"resource_id={resource['id']}",
                  'fields:["id","date"]', 'sort:["date desc"]', "limit:3", get=get)
    assert [f["id"] for f in rows["fields"]] == ["id", "date"]
    assert len(rows["records"]) == 3 and set(rows["records"][0]) == {"id", "date"}
    dates = [r["date"] for r in rows["records"]]
    assert dates == sorted(dates, reverse=True)
    lists = action(demo_server, "datastore_search", f"resource_id={resource['id']}",
                   "records_format=lists", "limit:2", 'q:{"channel": "звернення"}', get=get)
    assert all(isinstance(r, list) for r in lists["records"])
    csv = action(demo_server, "datastore_search", f"resource_id={resource['id']}",
                 "records_format=csv", "limit:2", get=get)
    assert isinstance(csv["records"], str) and csv["records"].count("\n") == 2


def test_errors_are_ckans_as_ckanapi_reads_them(demo_server):
    missing = ckanapi(demo_server, "action", "package_show", "id=nope", check=False)
    assert missing.returncode != 0 and "NotFound" in missing.stderr
    invalid = ckanapi(demo_server, "action", "package_show", check=False)
    assert "ValidationError" in invalid.stderr and "'id'" in invalid.stderr
    bad_rows = ckanapi(demo_server, "action", "package_search", "rows:-1", check=False)
    assert "ValidationError" in bad_rows.stderr and "rows" in bad_rows.stderr
    for path, status, kind in [
        ("/api/3/action/resource_show?id=kyiv-appeals:nope", 404, "Not Found Error"),
        ("/api/action/group_show?id=nope", 404, "Not Found Error"),
        ("/api/action/organization_list?all_fields=maybe", 409, "Validation Error"),
        ("/api/action/resource_create", 400, "Bad request"),
    ]:
        with pytest.raises(urllib.error.HTTPError) as caught:
            urllib.request.urlopen(demo_server + path, timeout=10)
        assert caught.value.code == status, path
        body = json.load(caught.value)
        assert body["success"] is False and body["error"]["__type"] == kind, path
        assert body["help"].endswith("help_show?name=" + path.split("/")[-1].split("?")[0])


def test_both_prefixes_and_a_form_body(demo_server):
    a = json.load(urllib.request.urlopen(demo_server + "/api/action/package_list", timeout=10))
    b = json.load(urllib.request.urlopen(demo_server + "/api/3/action/package_list", timeout=10))
    assert a["result"] == b["result"]
    form = urllib.parse.urlencode({"id": "kyiv-appeals"}).encode()
    request = urllib.request.Request(demo_server + "/api/action/package_show", data=form,
                                     headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert json.load(urllib.request.urlopen(request, timeout=10))["result"]["name"] == "kyiv-appeals"


def test_dump_datasets_and_organizations(demo_server, tmp_path):
    names = action(demo_server, "package_list")
    out = tmp_path / "datasets.jsonl"
    ckanapi(demo_server, "dump", "datasets", "--all", "-q", "-O", str(out))
    dumped = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert sorted(d["name"] for d in dumped) == sorted(names)
    assert all(d["resources"] and d["metadata_modified"].endswith("Z") for d in dumped)
    out = tmp_path / "orgs.jsonl"
    ckanapi(demo_server, "dump", "organizations", "--all", "-q", "-O", str(out))
    orgs = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert sorted(o["name"] for o in orgs) == sorted(action(demo_server, "organization_list"))
    # -d: every resource's DataStore fields, through datastore_search (ckanapi's own reader).
    out = tmp_path / "with-fields.jsonl"
    ckanapi(demo_server, "dump", "datasets", "kyiv-appeals", "-d", "-q", "-O", str(out))
    dumped = json.loads(out.read_text(encoding="utf-8"))
    assert "id" in [f["id"] for f in dumped["resources"][0]["datastore_fields"]]
