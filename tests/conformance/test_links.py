"""Every link of the demo portal opens: the site crawled from / and /en/ (every href and src of
every page reached), every URL of sitemap.xml, and the `url` of every search hit for broad
queries — each answers 200 (and HEAD like GET), and a link with a #fragment lands on an
element with that id.
This holds the invariant "search never links to a missing page" and the one URL scheme
(search/src/urls.rs) that the site and the index share."""

import html.parser
import json
import re
import urllib.error
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ET

# Broad queries: between them they reach every kind of search document.
QUERIES = [
    "бюджет", "програма", "захід", "показник", "звернення", "рішення", "Київ", "місто",
    "електронний", "дані", "budget", "programme", "appeals", "register", "data",
]
# The portal's configured base_url (sitemap and canonical links are absolute with it).
CONFIGURED_BASE = "http://127.0.0.1:8080"


class Links(html.parser.HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.links = []
        self.ids = set()

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if attrs.get("id"):
            self.ids.add(attrs["id"])
        if tag == "a" and attrs.get("name"):
            self.ids.add(attrs["name"])
        for key in ("href", "src"):
            value = attrs.get(key)
            if value is not None:
                self.links.append(value)


def fetch(url):
    request = urllib.request.Request(url, headers={"Accept": "text/html,application/json,*/*"})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.headers.get("Content-Type", ""), response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers.get("Content-Type", ""), error.read()


def head(url):
    request = urllib.request.Request(url, method="HEAD")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.headers.get("Content-Type", ""), response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers.get("Content-Type", ""), error.read()


def internal(base, page_url, link):
    """The absolute URL of `link` on `page_url` when it points into the portal, else None."""
    if link.startswith(("mailto:", "tel:", "javascript:", "data:")):
        return None
    absolute = urllib.parse.urljoin(page_url, link)
    if absolute.startswith(CONFIGURED_BASE + "/") or absolute == CONFIGURED_BASE:
        absolute = base + absolute[len(CONFIGURED_BASE):]
    return absolute if absolute.startswith(base + "/") else None


class Crawl:
    def __init__(self, base):
        self.base = base
        self.status = {}  # URL without fragment → (status, content type)
        self.ids = {}  # HTML page → its element ids
        self.referrers = {}  # URL → the first page linking to it
        self.fragments = []  # (URL with fragment, referrer)

    def visit(self, url, referrer):
        page, _, fragment = url.partition("#")
        if fragment:
            self.fragments.append((url, referrer))
        if page in self.status:
            return []
        self.referrers[page] = referrer
        status, kind, body = fetch(page)
        self.status[page] = (status, kind)
        if status != 200 or "text/html" not in kind:
            return []
        parser = Links()
        parser.feed(body.decode("utf-8", errors="replace"))
        self.ids[page] = parser.ids
        return [u for u in (internal(self.base, page, link) for link in parser.links) if u]

    def run(self, starts):
        """Visits `starts` ((URL, referrer) pairs) and every portal page they lead to."""
        queue = list(starts)
        while queue:
            url, referrer = queue.pop()
            for link in self.visit(url, referrer):
                queue.append((link, url.partition("#")[0]))

    def broken(self):
        bad = [
            f"{url} → {status} (linked from {self.referrers[url]})"
            for url, (status, _) in sorted(self.status.items())
            if status != 200
        ]
        # HEAD answers like GET: same status and type, no body.
        for url, (status, kind) in sorted(self.status.items()):
            head_status, head_kind, body = head(url)
            if (head_status, head_kind) != (status, kind) or body:
                bad.append(
                    f"HEAD {url} → {head_status} {head_kind} ({len(body)} bytes); GET → {status} {kind}"
                )
        for url, referrer in self.fragments:
            page, _, fragment = url.partition("#")
            ids = self.ids.get(page)
            if ids is not None and urllib.parse.unquote(fragment) not in ids:
                bad.append(f"{url}: no element with id `{fragment}` (linked from {referrer})")
        return bad


def sitemap_urls(base):
    status, _, body = fetch(base + "/sitemap.xml")
    assert status == 200, "/sitemap.xml does not answer 200"
    root = ET.fromstring(body)
    locs = [el.text.strip() for el in root.iter() if el.tag.endswith("loc") and el.text]
    assert locs, "sitemap.xml lists no URL"
    return [internal(base, base + "/", loc) or loc for loc in locs]


def search_hit_urls(base):
    urls = {}
    for query in QUERIES:
        cursor = None
        for _ in range(20):  # at most 20 pages of 100 per query
            params = [("q", query), ("limit", "100")] + ([("cursor", cursor)] if cursor else [])
            status, _, body = fetch(base + "/api/v1/search?" + urllib.parse.urlencode(params))
            assert status == 200, f"search for {query!r} answered {status}: {body[:300]!r}"
            answer = json.loads(body)
            for hit in answer["hits"]:
                assert hit["title"].strip(), f"search hit without a title: {hit}"
                urls.setdefault(base + hit["url"], f"search {query!r}: {hit['type']} {hit['id']}")
            cursor = answer.get("next")
            if not cursor:
                break
    return urls


def test_every_link_opens(demo_server):
    base = demo_server
    crawl = Crawl(base)
    crawl.run([(base + "/", "(start)"), (base + "/en/", "(start)")])
    pages = len(crawl.ids)
    assert pages > 50, f"the crawl reached only {pages} pages"
    sitemap = sitemap_urls(base)
    crawl.run([(url, "sitemap.xml") for url in sitemap])
    hits = search_hit_urls(base)
    assert len(hits) > 20, f"the broad queries found only {len(hits)} distinct pages"
    kinds = {where.split(": ")[1].split(" ")[0] for where in hits.values()}
    for kind in ("dataset", "measure", "kpi", "document", "appeal", "page"):
        assert kind in kinds, f"no search hit of type `{kind}` among the broad queries"
    crawl.run(list(hits.items()))
    bad = crawl.broken()
    assert not bad, f"{len(bad)} broken link(s) of {len(crawl.status)}:\n" + "\n".join(bad[:60])


def test_dataset_pages_link_rows_as_json(demo_server):
    """The "JSON (API)" link of every resource is the rows API's `.json` route, which answers."""
    status, _, body = fetch(demo_server + "/datasets/")
    assert status == 200
    catalogue = Links()
    catalogue.feed(body.decode())
    names = sorted({m[1] for m in map(re.compile(r"^/datasets/([a-z0-9-]+)/$").match, catalogue.links) if m})
    assert names, "the catalogue links no dataset page"
    for name in names:
        _, _, page = fetch(f"{demo_server}/datasets/{name}/")
        parser = Links()
        parser.feed(page.decode())
        links = {link for link in parser.links if link.startswith("/api/v1/datasets/")}
        rows = [link for link in links if link.count("/") == 5]
        assert rows, f"/datasets/{name}/ links no rows endpoint"
        for link in rows:
            assert link.endswith(".json"), f"/datasets/{name}/ links {link} without `.json`"
            status, kind, _ = fetch(demo_server + link)
            assert status == 200 and "json" in kind, f"{link} → {status} {kind}"
