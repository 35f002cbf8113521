"""Issue 12/19 against the built demo portal with Python's own HTTP client (http.client sends
the path exactly as given): what a link checker (HEAD on every sitemap URL) and a harvester
see, private files under the issue's spellings, 405s with Allow, precompressed pages."""

import gzip
import http.client
import re
import urllib.parse


def request(base, method, path, headers=None):
    url = urllib.parse.urlsplit(base)
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=10)
    conn.request(method, path, headers=headers or {})
    response = conn.getresponse()
    body = response.read()
    conn.close()
    return response, body


def test_head_answers_every_sitemap_url_like_get(demo_server):
    _, sitemap = request(demo_server, "GET", "/sitemap.xml")
    paths = [urllib.parse.urlsplit(u).path for u in re.findall(r"<loc>([^<]+)</loc>", sitemap.decode())]
    assert len(paths) > 10
    for path in paths[:200]:
        response, body = request(demo_server, "HEAD", path)
        assert response.status == 200, path
        assert body == b"", path
        assert int(response.getheader("content-length")) > 0, path


def test_private_files_are_404_however_spelled(demo_server, demo_portal):
    _, public = demo_portal
    store = next((public / "_store").iterdir())
    resource = next(p for p in store.iterdir() if p.is_dir())
    meta = f"{store.name}/{resource.name}/meta.json"
    for path in [
        f"/%5fstore/{meta}",
        f"//_store/{meta}",
        "/_store%2f" + meta.replace("/", "%2f"),
        "/./_index/CURRENT",
        "/.render-id",
        "/_files/manifest.json",
    ]:
        response, body = request(demo_server, "GET", path)
        assert response.status == 404, path
        assert b'"build"' not in body, path
    assert b"secret" not in (public / "_store" / meta).read_bytes()


def test_other_methods_get_405_with_allow(demo_server):
    for method, path in [("POST", "/"), ("DELETE", "/datasets/"), ("PUT", "/api/v1/search?q=x")]:
        response, _ = request(demo_server, method, path)
        assert response.status == 405, (method, path)
        assert "GET" in response.getheader("allow"), (method, path)


def test_pages_come_precompressed_with_strong_etags(demo_server):
    plain, page = request(demo_server, "GET", "/datasets/")
    packed, body = request(demo_server, "GET", "/datasets/", {"Accept-Encoding": "gzip"})
    assert packed.getheader("content-encoding") == "gzip"
    assert gzip.decompress(body) == page
    assert not plain.getheader("etag").startswith("W/")
    assert plain.getheader("etag") != packed.getheader("etag")
    again, _ = request(demo_server, "GET", "/datasets/", {"If-None-Match": plain.getheader("etag")})
    assert again.status == 304
