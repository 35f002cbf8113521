"""Absolute URLs come from the configured base_url, never from the Host header (a hostile Host
must not reach a body or a Link header: cache poisoning); the rows API's parameters are
strict; and Datasette's row parameters work as a Datasette user types them."""

import csv
import http.client
import io
import json
import urllib.error
import urllib.parse
import urllib.request

import pytest

ROWS = "/api/v1/datasets/kyiv-appeals/appeals"


def raw_get(server, path, host):
    parsed = urllib.parse.urlparse(server)
    connection = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=30)
    connection.putrequest("GET", path, skip_host=True)
    connection.putheader("Host", host)
    connection.endheaders()
    response = connection.getresponse()
    body = response.read().decode("utf-8", "replace")
    headers = "\n".join(f"{k}: {v}" for k, v in response.getheaders())
    connection.close()
    return response.status, headers, body


@pytest.mark.parametrize("path", [
    "/catalog.jsonld", "/catalog.ttl", "/catalog", "/api/v1/datasets",
    "/api/v1/datasets/kyiv-appeals", f"{ROWS}.json?_size=2", f"{ROWS}.csv?_size=2",
    "/api/3/action/package_show?id=kyiv-appeals", "/api/action/status_show",
    "/api/3/action/package_search?rows=2", "/open311/v2/requests.json?page_size=2",
])
def test_a_hostile_host_never_reaches_a_response(demo_portal, demo_server, path):
    config, _ = demo_portal
    base = "http://127.0.0.1:8080"  # the demo configuration's base_url
    status, headers, body = raw_get(demo_server, path, "evil.example")
    assert status == 200, body
    assert "evil.example" not in body and "evil.example" not in headers
    same_status, same_headers, same_body = raw_get(demo_server, path, "127.0.0.1")
    assert same_body == body, "the body must not depend on Host"
    etag = [h for h in headers.splitlines() if h.lower().startswith("etag")]
    assert etag == [h for h in same_headers.splitlines() if h.lower().startswith("etag")]
    if "next_url" in body or "link:" in headers.lower():
        assert base in body + headers


def get(server, path):
    with urllib.request.urlopen(server + path, timeout=30) as response:
        return response.headers, response.read().decode("utf-8")


def bad(server, path):
    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(server + path, timeout=30)
    assert caught.value.code == 400, path
    return json.load(caught.value)["error"]


def test_a_bad_boolean_is_a_400_naming_it(demo_server):
    error = bad(demo_server, f"{ROWS}.json?lat__isnull=maybe")
    assert error["parameter"] == "lat__isnull" and "boolean" in error["message"]
    for flag in ("_nocount", "_labels"):
        assert bad(demo_server, f"{ROWS}.json?{flag}=perhaps")["parameter"] == flag


@pytest.mark.parametrize("param", ["_size=2&_size=3", "_next=a&_next=b", "_shape=array&_shape=objects",
                                   "_sort=date&_sort=id", "_stream=on&_stream=off"])
def test_a_repeated_single_valued_parameter_is_a_400(demo_server, param):
    name = param.split("=")[0]
    fmt = "csv" if name == "_stream" else "json"
    assert bad(demo_server, f"{ROWS}.{fmt}?{param}")["parameter"] == name


def test_isnull_reads_as_datasette_does(demo_server):
    _, everything = get(demo_server, f"{ROWS}.json?_size=max")
    total = json.loads(everything)["total"]
    _, null = get(demo_server, f"{ROWS}.json?lat__isnull=1")
    _, not_null = get(demo_server, f"{ROWS}.json?lat__isnull=0")
    assert json.loads(null)["total"] + json.loads(not_null)["total"] == total


def test_datasette_shapes_and_parameters(demo_server):
    _, objects = get(demo_server, f"{ROWS}.json?_size=3")
    objects = json.loads(objects)
    rows = objects["rows"]
    _, array = get(demo_server, f"{ROWS}.json?_size=3&_shape=array")
    assert json.loads(array) == rows
    _, arrays = get(demo_server, f"{ROWS}.json?_size=3&_shape=arrays")
    arrays = json.loads(arrays)
    assert arrays["rows"] == [[r[c] for c in arrays["columns"]] for r in rows]
    _, keyed = get(demo_server, f"{ROWS}.json?_size=3&_shape=object")
    assert list(json.loads(keyed).values()) == rows
    _, nocount = get(demo_server, f"{ROWS}.json?_size=1&_nocount=1")
    assert json.loads(nocount)["total"] is None
    _, nocol = get(demo_server, f"{ROWS}.json?_size=1&_nocol=text,resolution")
    assert "text" not in json.loads(nocol)["columns"] and "id" in json.loads(nocol)["columns"]
    _, labels = get(demo_server, f"{ROWS}.json?_size=1&_labels=on")
    assert json.loads(labels)["rows"] == rows[:1]
    _, table = get(demo_server, f"{ROWS}.csv?_facet=channel&_size=2")
    assert len(list(csv.reader(io.StringIO(table)))) == 3
    assert bad(demo_server, f"{ROWS}.csv?_shape=array")["parameter"] == "_shape"


def test_datasette_operators(demo_server):
    _, everything = get(demo_server, f"{ROWS}.json?_size=max")
    rows = json.loads(everything)["rows"]
    channel = rows[0]["channel"]
    _, like = get(demo_server, f"{ROWS}.json?_size=max&channel__like=" + urllib.parse.quote(channel[:3].lower() + "%"))
    assert {r["id"] for r in json.loads(like)["rows"]} == {
        r["id"] for r in rows if (r["channel"] or "").lower().startswith(channel[:3].lower())}
    _, notin = get(demo_server, f"{ROWS}.json?_size=max&channel__notin=" + urllib.parse.quote(channel))
    assert {r["id"] for r in json.loads(notin)["rows"]} == {
        r["id"] for r in rows if r["channel"] is not None and r["channel"] != channel}
    day = rows[0]["date"]
    _, on_day = get(demo_server, f"{ROWS}.json?_size=max&date__date={day}")
    assert {r["id"] for r in json.loads(on_day)["rows"]} == {r["id"] for r in rows if r["date"] == day}
    assert bad(demo_server, f"{ROWS}.json?date__date=yesterday")["parameter"] == "date__date"
