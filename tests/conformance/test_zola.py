"""The site is a genuine Zola site: the real zola 0.22.1 (../shared/tools/zola) builds what
`vidkryto build` writes, page for page the same as the built-in renderer.

Two portals are built twice each, with `--engine builtin` and with `--engine zola` (the zola
binary copied into a temporary folder put first on PATH): the bundled demo portal, and a small
synthetic portal (fixtures/zola-portal/) whose own templates and content exercise every feature
the built-in renderer emulates — pagination and its page-1 redirect, `@/` links, drafts, every
`sort_by`, both languages and their translations, custom `path` and `slug`, `get_url`,
`get_section`, `get_page`, `load_data` (csv, json, toml, plain, required = false), `trans`,
404, sitemap, feeds and robots.txt.

Both trees must hold the same files (outside the published data, row stores and index, which
the renderer does not write); every HTML file the same `href` and `src` lists in document order,
the same visible text (whitespace-normalised) and then the same bytes; Zola's redirect pages the
same target (their markup is Zola's own template, not carried); the XML and text files the same
text. Without ../shared/tools/zola the test says so and skips.
"""

import html.parser
import os
import pathlib
import re
import shutil
import stat

import pytest

from conftest import ROOT, WORK, portal_config, shared, vidkryto

FIXTURE = pathlib.Path(__file__).parent / "fixtures" / "zola-portal"
# What `build` publishes besides the rendered site (data, row stores, index, precompressed
# copies of the pages): not the renderer's output.
NOT_RENDERED = ("data/", "_store/", "_index/", "_files/", ".render-id")
REDIRECT = re.compile(r'<meta http-equiv="refresh" content="0; url=([^"]+)">')


@pytest.fixture(scope="module")
def zola_path(tmp_path_factory):
    """A PATH whose first folder holds a copy of ../shared/tools/zola (skips without it)."""
    source = shared("tools/zola")
    folder = tmp_path_factory.mktemp("zola-bin")
    target = folder / "zola"
    shutil.copy(source, target)
    target.chmod(target.stat().st_mode | stat.S_IXUSR)
    return f"{folder}{os.pathsep}{os.environ.get('PATH', '')}"


def build(config, engine, path_env):
    result = vidkryto(
        "--config", config, "build", "--engine", engine,
        env={**os.environ, "PATH": path_env},
    )
    return result


class Page(html.parser.HTMLParser):
    """The links and visible text of an HTML document."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.links = []
        self.text = []
        self.hidden = 0

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name in ("href", "src"):
                self.links.append(f"{tag}.{name}={value}")
        if tag in ("script", "style"):
            self.hidden += 1

    def handle_endtag(self, tag):
        if tag in ("script", "style") and self.hidden:
            self.hidden -= 1

    def handle_data(self, data):
        if not self.hidden:
            self.text.append(data)


def read_page(path):
    parser = Page()
    parser.feed(path.read_text(encoding="utf-8"))
    parser.close()
    return parser.links, " ".join(" ".join(parser.text).split())


def rendered_files(public):
    found = set()
    for path in public.rglob("*"):
        rel = path.relative_to(public).as_posix()
        if path.is_file() and not rel.startswith(NOT_RENDERED):
            found.add(rel)
    return found


def compare_trees(builtin, zola):
    """Every difference between the two rendered trees, as readable lines."""
    ours, theirs = rendered_files(builtin), rendered_files(zola)
    problems = [f"only the built-in renderer wrote {f}" for f in sorted(ours - theirs)]
    problems += [f"only zola wrote {f}" for f in sorted(theirs - ours)]
    for rel in sorted(ours & theirs):
        a, b = builtin / rel, zola / rel
        if rel.endswith(".html"):
            a_text, b_text = a.read_text(encoding="utf-8"), b.read_text(encoding="utf-8")
            a_redirect, b_redirect = REDIRECT.search(a_text), REDIRECT.search(b_text)
            if a_redirect or b_redirect:
                a_to = a_redirect and a_redirect.group(1)
                b_to = b_redirect and b_redirect.group(1)
                if a_to != b_to:
                    problems.append(f"{rel}: redirect to {a_to} (built-in) vs {b_to} (zola)")
                continue
            (a_links, a_words), (b_links, b_words) = read_page(a), read_page(b)
            if a_links != b_links:
                diff = first_difference(a_links, b_links)
                problems.append(f"{rel}: links differ at #{diff}: built-in "
                                f"{a_links[diff:diff + 3]} vs zola {b_links[diff:diff + 3]}")
            if a_words != b_words:
                diff = first_difference(a_words, b_words)
                problems.append(f"{rel}: text differs at {diff}: built-in "
                                f"{a_words[diff - 40:diff + 80]!r} vs zola "
                                f"{b_words[diff - 40:diff + 80]!r}")
            elif a_links == b_links and a_text != b_text:
                # Beyond links and text, the markup itself (escaping, heading ids, rel).
                diff = first_difference(a_text, b_text)
                problems.append(f"{rel}: markup differs at {diff}: built-in "
                                f"{a_text[diff - 60:diff + 60]!r} vs zola "
                                f"{b_text[diff - 60:diff + 60]!r}")
        elif rel.endswith((".xml", ".txt")):
            a_words = " ".join(a.read_text(encoding="utf-8").split())
            b_words = " ".join(b.read_text(encoding="utf-8").split())
            if a_words != b_words:
                diff = first_difference(a_words, b_words)
                problems.append(f"{rel}: differs at {diff}: built-in "
                                f"{a_words[diff - 40:diff + 80]!r} vs zola "
                                f"{b_words[diff - 40:diff + 80]!r}")
        elif a.read_bytes() != b.read_bytes():
            problems.append(f"{rel}: the bytes differ")
    return problems


def first_difference(a, b):
    for i, (x, y) in enumerate(zip(a, b)):
        if x != y:
            return i
    return min(len(a), len(b))


def build_both(name, make_config, zola_path):
    trees = {}
    for engine in ("builtin", "zola"):
        config = make_config(f"zola-{name}-{engine}")
        public = config.parent / "public"
        if public.exists():
            shutil.rmtree(public)
        build(config, engine, zola_path)
        trees[engine] = public
    return trees["builtin"], trees["zola"]


def fixture_config(folder_name):
    """vidkryto.toml of the synthetic portal: its own site/ and content/, one small dataset."""
    folder = WORK / folder_name
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    text = (FIXTURE / "vidkryto.toml").read_text(encoding="utf-8")
    text = text.replace("@FIXTURE@", FIXTURE.as_posix())
    config = folder / "vidkryto.toml"
    config.write_text(text, encoding="utf-8")
    return config


def test_demo_portal_is_the_same_with_real_zola(zola_path):
    builtin, zola = build_both("demo", portal_config, zola_path)
    pages = [f for f in rendered_files(zola) if f.endswith(".html")]
    assert len(pages) > 150, f"zola rendered only {len(pages)} pages"
    problems = compare_trees(builtin, zola)
    assert not problems, "\n".join(problems[:40])


def test_synthetic_portal_is_the_same_with_real_zola(zola_path):
    builtin, zola = build_both("synthetic", fixture_config, zola_path)
    problems = compare_trees(builtin, zola)
    assert not problems, "\n".join(problems[:40])
    files = rendered_files(zola)
    # The features are really exercised (a fixture that stopped rendering them would pass).
    for expected in (
        "posts/index.html", "posts/page/2/index.html", "posts/page/3/index.html",
        "posts/page/1/index.html", "en/posts/index.html", "custom/place/index.html",
        "en/atom.xml", "atom.xml", "sitemap.xml", "robots.txt", "404.html",
    ):
        assert expected in files, f"zola did not write {expected}"
    assert not any("draft" in f for f in files), "a draft was rendered"
    home = (zola / "index.html").read_text(encoding="utf-8")
    for marker in ("load-csv:2024", "load-json:Київ", "load-toml:42", "load-plain:plain text",
                   "missing:null", "get-page:Перший допис", "by-title:Альфа,Бета,Гамма"):
        assert marker in home, f"the home page lacks {marker!r}"
