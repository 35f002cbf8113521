"""Open311 GeoReport v2 read endpoints: a shape check of every endpoint and filter against
the GeoReport v2 field list, over the anonymised appeals only."""

import json
import urllib.error
import urllib.request

import pytest

REQUEST_KEYS = {"service_request_id", "status", "service_code", "service_name", "description",
                "requested_datetime", "address", "lat", "long"}


def get(server, path):
    with urllib.request.urlopen(server + path, timeout=30) as response:
        assert response.headers["content-type"].startswith("application/json")
        return json.load(response)


def error(server, path):
    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(server + path, timeout=30)
    body = json.load(caught.value)
    assert isinstance(body, list) and {"code", "description"} <= set(body[0]), body
    return caught.value.code, body[0]["description"]


def check_request(request, codes):
    assert set(request) <= REQUEST_KEYS, request
    assert request["service_request_id"]
    assert request["service_code"] in codes and request["service_name"]
    assert request.get("status", "open") in ("open", "closed")
    assert request["requested_datetime"].endswith("T00:00:00Z")


def test_services(demo_server):
    services = get(demo_server, "/open311/v2/services.json?jurisdiction_id=kyiv")
    assert services
    for service in services:
        assert {"service_code", "service_name", "metadata", "type"} <= set(service)
        assert service["service_code"] and service["service_name"]
        assert service["type"] in ("realtime", "batch", "blackbox")
        assert isinstance(service["metadata"], bool)


def test_requests_and_every_filter(demo_server):
    codes = {s["service_code"] for s in get(demo_server, "/open311/v2/services.json")}
    everything = get(demo_server, "/open311/v2/requests.json?page_size=1000")
    assert everything
    for request in everything:
        check_request(request, codes)
    dates = [r["requested_datetime"] for r in everything]
    assert dates == sorted(dates, reverse=True), "newest first"
    # The published file and the endpoint say the same.
    one = everything[0]
    assert get(demo_server, f"/open311/v2/requests/{one['service_request_id']}.json") == [one]
    ids = ",".join(r["service_request_id"] for r in everything[:2])
    assert len(get(demo_server, f"/open311/v2/requests.json?service_request_id={ids}")) == 2
    for code in codes:
        found = get(demo_server, f"/open311/v2/requests.json?service_code={code}&page_size=1000")
        assert found and {r["service_code"] for r in found} == {code}
    for status in ("open", "closed"):
        found = get(demo_server, f"/open311/v2/requests.json?status={status}&page_size=1000")
        assert all(r["status"] == status for r in found)
        assert len(found) == sum(1 for r in everything if r.get("status") == status)
    day = one["requested_datetime"]
    on_or_after = get(demo_server, f"/open311/v2/requests.json?start_date={day}&page_size=1000")
    assert all(r["requested_datetime"] >= day for r in on_or_after)
    assert len(on_or_after) == sum(1 for r in everything if r["requested_datetime"] >= day)
    before = get(demo_server, f"/open311/v2/requests.json?end_date={day}&page_size=1000")
    assert all(r["requested_datetime"] <= day for r in before)
    first = get(demo_server, "/open311/v2/requests.json?page_size=2&page=1")
    second = get(demo_server, "/open311/v2/requests.json?page_size=2&page=2")
    assert first == everything[:2] and second == everything[2:4]


def test_unknown_status_is_not_invented(demo_portal, demo_server):
    _, public = demo_portal
    rows = (public / "data" / "kyiv-appeals" / "appeals.csv").read_text(encoding="utf-8")
    header, *lines = rows.splitlines()
    blank = sum(1 for line in lines if line.split(",")[header.split(",").index("status")] == "")
    everything = get(demo_server, "/open311/v2/requests.json?page_size=1000")
    assert sum(1 for r in everything if "status" not in r) == blank
    exported = json.loads((public / "data" / "kyiv-appeals" / "requests.json").read_text("utf-8"))
    assert sum(1 for r in exported if "status" not in r) == blank
    assert all(r["service_code"] and r["service_name"] for r in exported)


def test_errors_are_georeport_errors(demo_server):
    assert error(demo_server, "/open311/v2/requests/nope.json")[0] == 404
    for query, parameter in [("status=maybe", "status"), ("start_date=yesterday", "start_date"),
                             ("page_size=0", "page_size"), ("colour=red", "colour"),
                             ("status=open&status=closed", "status")]:
        code, description = error(demo_server, f"/open311/v2/requests.json?{query}")
        assert code == 400 and parameter in description, query


def test_the_dataset_links_its_open311_endpoints(demo_server):
    dataset = get(demo_server, "/api/v1/datasets/kyiv-appeals")
    assert dataset["open311"]["requests"].endswith("/open311/v2/requests.json")
