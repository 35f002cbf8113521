//! The site stage: renders a portal of real bundled datasets plus the fixtures in
//! `fixtures/site/` (anonymised appeals, register excerpt) and checks every page kind, the
//! exact budget figures, charts, the map, the feed, the sitemap and the Zola subset.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use vidkryto::config::Config;
use vidkryto::site::zola;

use crate::common::{dataset_dir, repo_root};

const NBSP: char = '\u{a0}';

fn fixture_dir(name: &str) -> PathBuf {
    repo_root().join("generator/tests/fixtures/site").join(name)
}

/// A rendered test portal, built once for all tests.
struct Portal {
    public: PathBuf,
    site: PathBuf,
    has_channels: bool,
}

fn portal() -> &'static Portal {
    static PORTAL: OnceLock<Portal> = OnceLock::new();
    PORTAL.get_or_init(|| {
        let root = std::env::temp_dir().join(format!("vidkryto-site-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        std::fs::create_dir_all(&root).unwrap();
        let repo = repo_root();
        let has_channels = dataset_dir("kyiv-1551-appeals-by-channel").is_dir();
        let mut datasets = String::new();
        for name in [
            "digital-kyiv-2024-2025",
            "kyiv-egov-2012-2014",
            "kyiv-egov-2015-2018",
        ] {
            datasets.push_str(&format!("[[datasets]]\nname = \"{name}\"\n"));
        }
        if has_channels {
            datasets.push_str("[[datasets]]\nname = \"kyiv-1551-appeals-by-channel\"\n");
        }
        for name in ["kyiv-appeals", "public-information-register"] {
            datasets.push_str(&format!(
                "[[datasets]]\nname = \"{name}\"\npath = \"{}\"\n",
                fixture_dir(name).display()
            ));
        }
        let config = portal_config(&root, &repo.join("datasets"), &datasets);
        let summary = vidkryto::build::build(&config).unwrap();
        assert!(summary.site.pages > 20, "{summary}");
        Portal {
            public: config.public_dir(),
            site: config.build_dir().join("site"),
            has_channels,
        }
    })
}

/// `root/vidkryto.toml` for a test portal of `datasets` (`[[datasets]]` tables) found in
/// `datasets_dir`, with the repository's site skeleton and editorial content.
fn portal_config(root: &Path, datasets_dir: &Path, datasets: &str) -> Config {
    let repo = repo_root();
    let text = format!(
        r#"[portal]
title = "Відкрито — тест"
title_en = "Vidkryto — test"
base_url = "http://127.0.0.1:8080"
publisher = "Тест"
publisher_en = "Test"
[paths]
datasets = "{datasets_dir}"
content = "{repo}/content"
site = "{repo}/site"
build = "{root}/build"
public = "{root}/public"
{datasets}"#,
        datasets_dir = datasets_dir.display(),
        repo = repo.display(),
        root = root.display(),
    );
    let path = root.join("vidkryto.toml");
    std::fs::write(&path, text).unwrap();
    Config::load(&path).unwrap()
}

/// A rendered file. Tera's autoescape (like Zola's) writes `/` as `&#x2F;`; undone here so
/// assertions read naturally.
fn page(path: &str) -> String {
    let file = portal().public.join(path);
    std::fs::read_to_string(&file)
        .unwrap_or_else(|e| panic!("{}: {e}", file.display()))
        .replace("&#x2F;", "/")
}

/// Ukrainian number formatting uses no-break spaces between digit groups.
fn uk(figure: &str) -> String {
    figure.replace(' ', &NBSP.to_string())
}

#[test]
fn every_page_kind_renders_in_both_languages() {
    for path in [
        "index.html",
        "datasets/index.html",
        "datasets/digital-kyiv-2024-2025/index.html",
        "budget/index.html",
        "budget/digital-kyiv-2024-2025/index.html",
        "budget/digital-kyiv-2024-2025/1-1/index.html",
        "budget/kyiv-egov-2012-2014/index.html",
        "register/index.html",
        "register/kmr-2011-824-7060/index.html",
        "appeals/index.html",
        "search/index.html",
        "developers/index.html",
        "about/index.html",
        "methodology/index.html",
    ] {
        let html = page(path);
        assert!(html.starts_with("<!DOCTYPE html>"), "{path}");
        assert!(html.contains("<html lang=\"uk\">"), "{path}");
        assert!(
            html.contains("<main id=\"main\""),
            "{path}: no main landmark"
        );
        let en = page(&format!("en/{path}"));
        assert!(en.contains("<html lang=\"en\">"), "en/{path}");
        // The language switch leads to the same page in the other language.
        let uk_path = format!("/{}", path.trim_end_matches("index.html"));
        assert!(
            en.contains(&format!("href=\"{uk_path}\" hreflang=\"uk\"")),
            "en/{path}: no switch to {uk_path}"
        );
    }
    assert!(page("404.html").contains("Сторінку не знайдено"));
}

#[test]
fn digital_kyiv_explorer_shows_the_documents_figures() {
    let html = page("budget/digital-kyiv-2024-2025/index.html");
    for figure in [
        "3 301 953,5",
        "3 402 977,6",
        "6 704 931,1",
        "5 804 699,1",
        "900 232,0",
    ] {
        assert!(html.contains(&uk(figure)), "missing {figure}");
    }
    // The document's own discrepancy is shown as such, not hidden.
    assert!(html.contains(&uk("5 044 699,1")));
    assert!(html.contains("розбіжність у документі"));
    // Every measure is listed and linked.
    for slug in ["1-1", "2-1", "7-2"] {
        assert!(
            html.contains(&format!("/budget/digital-kyiv-2024-2025/{slug}/")),
            "{slug}"
        );
    }
    let en = page("en/budget/digital-kyiv-2024-2025/index.html");
    assert!(en.contains("3,301,953.5") && en.contains("6,704,931.1"));
    // Measure 2.1: both sources and the document's own efficiency indicators, never a
    // computed unit cost that would contradict them.
    let measure = page("budget/digital-kyiv-2024-2025/2-1/index.html");
    assert!(measure.contains(&uk("878 592,0")), "2.1 in 2024");
    assert!(measure.contains(&uk("1 650 232,0")), "2.1 in all");
    assert!(measure.contains(&uk("205,76")) && measure.contains(&uk("2 710,7")));
    assert!(!measure.contains("Вартість одиниці продукту"));
}

#[test]
fn egov_explorer_shows_planned_budgeted_financed_and_shares() {
    let html = page("budget/kyiv-egov-2012-2014/index.html");
    for figure in [
        "84 667,2", "49 077,0", "23 696,0", "19 000,0", "16 942,0", "5 892,0", "3 942,0", "2 333,8",
    ] {
        assert!(html.contains(&uk(figure)), "missing {figure}");
    }
    // 19 000,0 of 84 667,2 provided in 2012 = 22,4 %; 3 942,0 of 49 077,0 financed = 8,0 %.
    assert!(html.contains(&uk("22,4 %")));
    assert!(html.contains(&uk("8,0 %")));
}

#[test]
fn charts_are_svg_with_title_desc_bars_table_and_csv() {
    let html = page("budget/kyiv-egov-2012-2014/index.html");
    let svg_start = html.find("<svg").expect("an inline SVG chart");
    let svg = &html[svg_start..html[svg_start..].find("</svg>").unwrap() + svg_start];
    assert!(svg.contains("role=\"img\""));
    assert!(svg.contains("<title id=\"kyiv-egov-2012-2014-execution-title\">"));
    assert!(svg.contains("<desc id="));
    assert_eq!(
        svg.matches("class=\"bar\"").count(),
        9 + 3,
        "9 bars and 3 legend keys"
    );
    let csv_url = "/charts/kyiv-egov-2012-2014-execution.uk.csv";
    assert!(html.contains(&format!("href=\"{csv_url}\"")));
    let csv =
        std::fs::read_to_string(portal().public.join(csv_url.trim_start_matches('/'))).unwrap();
    assert!(csv.starts_with("Рік,Заплановано (тис. грн)"), "{csv}");
    assert!(csv.contains("2014,23696,5892,2333.8"), "{csv}");
    // The treemap of the measures.
    assert!(page("budget/digital-kyiv-2024-2025/index.html")
        .contains("digital-kyiv-2024-2025-treemap-title"));
}

#[test]
fn dataset_page_has_schema_preview_downloads_jsonld_and_citation() {
    let html = page("datasets/digital-kyiv-2024-2025/index.html");
    assert!(html.contains("<code>measure_id</code>"));
    assert!(html.contains("class=\"preview\" data-resource=\"measures\""));
    assert!(html.contains("href=\"/data/digital-kyiv-2024-2025/measures.csv\""));
    assert!(html.contains("href=\"/data/digital-kyiv-2024-2025/datapackage.json\""));
    assert!(html.contains("/api/v1/datasets/digital-kyiv-2024-2025"));
    assert!(html.contains("Як цитувати"));
    let start = html.find("<script type=\"application/ld+json\">").unwrap() + 35;
    let end = start + html[start..].find("</script>").unwrap();
    let jsonld: serde_json::Value = serde_json::from_str(&html[start..end]).unwrap();
    assert_eq!(jsonld["@type"], "Dataset");
    assert_eq!(
        jsonld["license"],
        "https://creativecommons.org/licenses/by/4.0/"
    );
    let catalogue = page("datasets/index.html");
    assert!(catalogue.contains("<select name=\"topic\">"));
    assert!(catalogue.contains("data-topic=\"budget\""));
    // The text filter and format badges, labelled in each language.
    assert!(catalogue.contains("Пошук у каталозі"));
    assert!(catalogue.contains("<input type=\"search\" name=\"q\" data-text-filter"));
    assert!(catalogue.contains("<span class=\"badge\">CSV</span>"));
    let english = page("en/datasets/index.html");
    assert!(english.contains("Find in the catalogue"));
    assert!(english.contains("<span class=\"badge\">CSV</span>"));
}

#[test]
fn appeals_dashboard_has_the_hexagon_map_and_no_appeal_text() {
    let html = page("appeals/index.html");
    let marker = "id=\"appeals-hexagons\">";
    let start = html.find(marker).unwrap() + marker.len();
    let end = start + html[start..].find("</script>").unwrap();
    let geojson: serde_json::Value = serde_json::from_str(&html[start..end]).unwrap();
    let features = geojson["features"].as_array().unwrap();
    assert!(features.len() >= 5, "{} cells", features.len());
    let counted: u64 = features
        .iter()
        .map(|f| f["properties"]["count"].as_u64().unwrap())
        .sum();
    let appeals = read_rows(&fixture_dir("kyiv-appeals").join("appeals.csv"));
    let with_cell = appeals.iter().filter(|r| !r[7].is_empty()).count() as u64;
    assert_eq!(counted, with_cell);
    assert!(html.contains("class=\"legend\""));
    assert!(
        !html.contains("Жодне звернення не має місця на карті"),
        "the empty-map note shows although cells are mapped"
    );
    assert!(html.contains("/vendor/leaflet/leaflet.js"));
    assert!(!html.contains("unpkg") && !html.contains("cdn"), "no CDN");
    // Only counts reach the page: no redacted text, no streets.
    for row in &appeals {
        assert!(
            !html.contains(&row[11]),
            "appeal text `{}` on the page",
            row[11]
        );
    }
    if portal().has_channels {
        for figure in ["374 575", "601 460", "585 596", "552 988", "659 806"] {
            assert!(html.contains(&uk(figure)), "missing {figure}");
        }
    }
}

#[test]
fn register_lists_and_describes_documents() {
    let list = page("register/index.html");
    assert!(list.contains("<select name=\"kind\">"));
    assert!(list.contains("data-year=\"2011\""));
    let doc = page("register/kmr-2011-824-7060/index.html");
    assert!(doc.contains("824/7060") && doc.contains("2011-12-15"));
    assert!(doc.contains("Київська міська рада"));
}

#[test]
fn sitemap_and_feeds_list_the_pages() {
    let sitemap = page("sitemap.xml");
    assert!(
        sitemap.contains("<loc>http://127.0.0.1:8080/en/datasets/digital-kyiv-2024-2025/</loc>")
    );
    assert!(sitemap.contains("<loc>http://127.0.0.1:8080/register/kmr-2011-824-7060/</loc>"));
    let feed = page("atom.xml");
    assert!(feed.contains("<feed xmlns=\"http://www.w3.org/2005/Atom\" xml:lang=\"uk\">"));
    assert!(feed.contains("/datasets/digital-kyiv-2024-2025/</id>"));
    assert!(
        !feed.contains("/register/"),
        "only dataset updates in the feed"
    );
    assert!(page("en/atom.xml").contains("xml:lang=\"en\""));
}

#[test]
fn generated_site_is_a_zola_site() {
    let site = &portal().site;
    let config = std::fs::read_to_string(site.join("config.toml")).unwrap();
    assert!(config.contains("default_language = \"uk\""));
    assert!(config.contains("build_search_index = false"));
    let front = std::fs::read_to_string(site.join("content/datasets/digital-kyiv-2024-2025.en.md"))
        .unwrap();
    assert!(front.starts_with("+++\n"));
    assert!(front.contains("template = \"dataset.html\""));
    assert!(site
        .join("content/budget/digital-kyiv-2024-2025/_index.md")
        .is_file());
    assert!(site
        .join("content/budget/digital-kyiv-2024-2025/1-1.en.md")
        .is_file());
}

/// Renders a tiny hand-written site with the Zola subset.
fn render_tiny(files: &[(&str, &str)]) -> Result<(PathBuf, zola::RenderStats), zola::ZolaError> {
    static COUNTER: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = COUNTER.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    let dir = std::env::temp_dir().join(format!("vidkryto-zola-{}-{n}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    for (path, text) in files {
        let file = dir.join(path);
        std::fs::create_dir_all(file.parent().unwrap()).unwrap();
        std::fs::write(file, text).unwrap();
    }
    write_site_templates(&dir);
    let config = zola::SiteConfig::load(&dir)?;
    let out = dir.join("public");
    let stats = zola::render(&dir, &config, &out)?;
    Ok((out, stats))
}

/// The site templates a Zola build always renders (it has defaults; the subset has none),
/// unless the test wrote its own.
fn write_site_templates(dir: &Path) {
    for (name, text) in [
        ("404.html", "not found"),
        ("robots.txt", "User-agent: *"),
        ("sitemap.xml", "{{ entries | length }}"),
    ] {
        let file = dir.join("templates").join(name);
        if !file.exists() {
            std::fs::write(file, text).unwrap();
        }
    }
}

const TINY_CONFIG: &str = r#"base_url = "https://example.org"
title = "Тест"
default_language = "uk"
[languages.en]
title = "Test"
[translations]
hello = "Привіт"
[languages.en.translations]
hello = "Hello"
"#;

#[test]
fn zola_subset_sections_pages_functions_and_translations() {
    let (out, stats) = render_tiny(&[
        ("config.toml", TINY_CONFIG),
        ("content/_index.md", "+++\ntitle = \"Головна\"\n+++\n"),
        ("content/_index.en.md", "+++\ntitle = \"Home\"\n+++\n"),
        ("content/docs/_index.md", "+++\ntitle = \"Документи\"\nsort_by = \"weight\"\n+++\n"),
        (
            "content/docs/Про нас.md",
            "+++\ntitle = \"Про нас\"\nweight = 2\n+++\nДив. [інше](@/docs/other.md).\n",
        ),
        ("content/docs/other.md", "+++\ntitle = \"Інше\"\nweight = 1\n+++\n**жирний**\n"),
        ("content/docs/other.en.md", "+++\ntitle = \"Other\"\n+++\nbold\n"),
        ("data/t.csv", "a,b\n1,x\n"),
        (
            "templates/index.html",
            "{% set d = load_data(path=\"data/t.csv\") %}{{ d.headers | join(sep=\"|\") }};{{ d.records[0][0] == \"1\" }};{{ trans(key=\"hello\", lang=lang) }};{{ get_url(path=\"@/docs/other.md\", lang=\"en\") }};{% set s = get_section(path=\"docs/_index.md\") %}{{ s.pages | map(attribute=\"title\") | join(sep=\",\") }};{{ config.title }}",
        ),
        ("templates/section.html", "{{ section.title }}"),
        ("templates/page.html", "{{ page.title }}|{{ page.content | safe }}|{% for t in page.translations %}{{ t.lang }}{% endfor %}|<{{ lang }}>"),
    ])
    .unwrap();
    assert_eq!(stats.pages, 3);
    let index = std::fs::read_to_string(out.join("index.html"))
        .unwrap()
        .replace("&#x2F;", "/");
    assert_eq!(
        index,
        "a|b;true;Привіт;https://example.org/en/docs/other/;Інше,Про нас;Тест"
    );
    let en = std::fs::read_to_string(out.join("en/index.html")).unwrap();
    assert!(en.contains("Hello") && en.ends_with(";Test"), "{en}");
    // Cyrillic file names are transliterated into the slug; @/ links resolve.
    let about = std::fs::read_to_string(out.join("docs/pro-nas/index.html")).unwrap();
    // Markdown links are not template output, so they are not escaped.
    assert!(
        about.contains("href=\"https://example.org/docs/other/\""),
        "{about}"
    );
    let other_en = std::fs::read_to_string(out.join("en/docs/other/index.html")).unwrap();
    assert!(
        other_en.contains("|enuk|") || other_en.contains("|uken|"),
        "{other_en}"
    );
    assert!(other_en.ends_with("<en>"));
}

#[test]
fn zola_subset_names_the_file_of_a_broken_link_or_front_matter() {
    let err = render_tiny(&[
        ("config.toml", TINY_CONFIG),
        (
            "content/_index.md",
            "+++\ntitle = \"x\"\n+++\n[a](@/missing.md)\n",
        ),
        ("templates/index.html", ""),
    ])
    .unwrap_err()
    .to_string();
    assert!(
        err.contains("content/_index.md") && err.contains("@/missing.md"),
        "{err}"
    );
    let err = render_tiny(&[
        ("config.toml", TINY_CONFIG),
        ("content/_index.md", "title = \"no fences\"\n"),
        ("templates/index.html", ""),
    ])
    .unwrap_err()
    .to_string();
    assert!(err.contains("between `+++` lines"), "{err}");
}

#[test]
fn zola_subset_refuses_what_zola_refuses_or_it_does_not_emulate() {
    let error = |files: &[(&str, &str)]| render_tiny(files).unwrap_err().to_string();
    let index = ("templates/index.html", "");
    // Zola 0.22 renamed `highlight_code`: an unknown key is an error, as in Zola.
    let old_key = format!("{TINY_CONFIG}[markdown]\nhighlight_code = false\n");
    let err = error(&[("config.toml", &old_key), index]);
    assert!(err.contains("highlight_code"), "{err}");
    let theme = format!("theme = \"x\"\n{TINY_CONFIG}");
    let err = error(&[("config.toml", &theme), index]);
    assert!(
        err.contains("`theme`") && err.contains("--engine zola"),
        "{err}"
    );
    // Sections refuse unknown keys; Zola reads the text after a name's first `.` as a language.
    let err = error(&[
        ("config.toml", TINY_CONFIG),
        ("content/_index.md", "+++\ndate = 2024-01-01\n+++\n"),
        index,
    ]);
    assert!(
        err.contains("content/_index.md") && err.contains("date"),
        "{err}"
    );
    let err = error(&[
        ("config.toml", TINY_CONFIG),
        ("content/1.1.md", "+++\ntitle = \"x\"\n+++\n"),
        index,
    ]);
    assert!(
        err.contains("content/1.1.md") && err.contains("language code `1`"),
        "{err}"
    );
    let err = error(&[
        ("config.toml", TINY_CONFIG),
        ("content/a.md", "+++\naliases = [\"/old/\"]\n+++\n"),
        index,
    ]);
    assert!(err.contains("`aliases`"), "{err}");
}

#[test]
fn html_and_xml_are_autoescaped_but_text_is_not() {
    let (out, _) = render_tiny(&[
        ("config.toml", TINY_CONFIG),
        ("content/_index.md", "+++\ntitle = \"<b>\"\n+++\n"),
        ("templates/index.html", "{{ section.title }}"),
        (
            "templates/sitemap.xml",
            "{{ entries | length }}{{ \"<x>\" }}",
        ),
        ("templates/robots.txt", "{{ \"<y>\" }}"),
    ])
    .unwrap();
    assert_eq!(
        std::fs::read_to_string(out.join("index.html")).unwrap(),
        "&lt;b&gt;"
    );
    // Tera's default, which Zola keeps: `.xml` templates are escaped too. Two entries: Zola
    // adds the English root section the site lacks.
    assert_eq!(
        std::fs::read_to_string(out.join("sitemap.xml")).unwrap(),
        "2&lt;x&gt;"
    );
    assert_eq!(
        std::fs::read_to_string(out.join("robots.txt")).unwrap(),
        "<y>"
    );
}

/// Reads a CSV's records as strings.
fn read_rows(path: &Path) -> Vec<Vec<String>> {
    let mut reader = csv::Reader::from_path(path).unwrap();
    reader
        .records()
        .map(|r| r.unwrap().iter().map(str::to_string).collect())
        .collect()
}

#[test]
fn rebuild_renders_only_what_changed() {
    let dir = std::env::temp_dir().join(format!("vidkryto-incremental-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let files = [
        ("config.toml", TINY_CONFIG),
        ("content/_index.md", "+++\ntitle = \"Головна\"\n+++\n"),
        ("content/a.md", "+++\ntitle = \"A\"\n+++\nперша версія\n"),
        (
            "content/b.md",
            "+++\ntitle = \"B\"\ntemplate = \"chart.html\"\n+++\n",
        ),
        ("content/c.md", "+++\ntitle = \"C\"\n+++\n"),
        ("data/x.csv", "year,amount\n2024,1\n"),
        (
            "templates/index.html",
            "{% for p in section.pages %}{{ p.title }}{% endfor %}",
        ),
        ("templates/page.html", "{{ page.content | safe }}"),
        (
            "templates/chart.html",
            "{% set t = load_data(path=\"data/x.csv\") %}{{ t.records[0][1] }}",
        ),
    ];
    for (path, text) in files {
        let file = dir.join(path);
        std::fs::create_dir_all(file.parent().unwrap()).unwrap();
        std::fs::write(file, text).unwrap();
    }
    write_site_templates(&dir);
    // Two site files (404, robots.txt) are rendered every time, the sitemap only when its
    // entries changed; Zola adds the English root section the site lacks.
    let cache = dir.join("render-cache.json");
    let render = |out: &str, previous: &str| {
        let config = zola::SiteConfig::load(&dir).unwrap();
        let previous = dir.join(previous);
        zola::render_incremental(
            &dir,
            &config,
            &dir.join(out),
            Some(zola::Previous {
                dir: &previous,
                cache_file: &cache,
            }),
        )
        .unwrap()
    };
    let first = render("out1", "none");
    assert_eq!((first.rendered, first.reused), (8, 0));
    let same = render("out2", "out1");
    assert_eq!((same.rendered, same.reused), (2, 6));
    // One page changes: it, the section listing it and the sitemap (the page's dates and
    // `extra` are in it) re-render, nothing else.
    std::fs::write(
        dir.join("content/a.md"),
        "+++\ntitle = \"A\"\n+++\nдруга версія\n",
    )
    .unwrap();
    let edited = render("out3", "out2");
    assert_eq!((edited.rendered, edited.reused), (5, 3));
    let a = std::fs::read_to_string(dir.join("out3/a/index.html")).unwrap();
    assert!(a.contains("друга версія"));
    // A data file a template loads changes: only the page that loaded it re-renders.
    std::fs::write(dir.join("data/x.csv"), "year,amount\n2024,2\n").unwrap();
    let data = render("out4", "out3");
    assert_eq!((data.rendered, data.reused), (3, 5));
    assert_eq!(
        std::fs::read_to_string(dir.join("out4/b/index.html")).unwrap(),
        "2"
    );
    // Rendering into a tree an earlier render wrote (the build's spare) keeps what is still
    // right there, links what changed since from the previous tree, and removes what is gone.
    std::fs::remove_file(dir.join("content/c.md")).unwrap();
    let spare = render("out3", "out4");
    assert_eq!((spare.rendered, spare.reused), (4, 3));
    assert_eq!(
        std::fs::read_to_string(dir.join("out3/b/index.html")).unwrap(),
        "2"
    );
    assert!(
        !dir.join("out3/c").exists(),
        "a removed page leaves no folder"
    );
    assert_eq!(
        std::fs::read_to_string(dir.join("out3/index.html")).unwrap(),
        "AB"
    );
    // A cache whose render was never published is not trusted.
    let stale = render("out5", "out1");
    assert_eq!(stale.reused, 0);
}

/// What a reviewer reads of a page: the text of its `<main>` (tags dropped, one line per
/// block) and, after it, every link target in order.
fn page_outline(html: &str) -> String {
    let main = html
        .split_once("<main")
        .and_then(|(_, rest)| rest.split_once("</main>"))
        .map_or(html, |(main, _)| main);
    let mut text = String::new();
    let mut links = Vec::new();
    let mut rest = main.split_once('>').map_or("", |(_, body)| body);
    while let Some((before, after)) = rest.split_once('<') {
        text.push_str(before);
        let (tag, next) = after.split_once('>').unwrap_or((after, ""));
        if let Some(href) = tag
            .split_once("href=\"")
            .and_then(|(_, value)| value.split_once('"'))
            .map(|(value, _)| value)
        {
            links.push(href.to_string());
        }
        if !tag.starts_with(['a', 'b', 'c', 'i', 'e', 's', '/']) || tag.starts_with("/p") {
            text.push('\n');
        }
        rest = next;
    }
    let lines: Vec<String> = text
        .lines()
        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|l| !l.is_empty())
        .collect();
    format!("{}\n\nlinks:\n{}", lines.join("\n"), links.join("\n"))
}

/// Snapshots (insta) of every bundled dataset's published `datapackage.json` and of one page
/// per kind, so that a change to the model or a page shows its effect in review: after an
/// intended change, `cargo insta review` (or `INSTA_UPDATE=always cargo test`) and commit the
/// `.snap` files.
#[test]
fn published_packages_and_one_page_per_kind_match_their_snapshots() {
    let public = &portal().public;
    for name in [
        "digital-kyiv-2024-2025",
        "kyiv-egov-2012-2014",
        "kyiv-egov-2015-2018",
    ] {
        let file = public.join("data").join(name).join("datapackage.json");
        let json = std::fs::read_to_string(&file).unwrap();
        insta::assert_snapshot!(format!("package-{name}"), json);
    }
    for (kind, path) in [
        ("home", "index.html"),
        ("catalogue", "datasets/index.html"),
        ("dataset", "datasets/digital-kyiv-2024-2025/index.html"),
        ("budget", "budget/digital-kyiv-2024-2025/index.html"),
        ("measure", "budget/digital-kyiv-2024-2025/1-1/index.html"),
        ("register-document", "register/kmr-2011-824-7060/index.html"),
        ("search", "search/index.html"),
        ("en-budget", "en/budget/kyiv-egov-2012-2014/index.html"),
    ] {
        insta::assert_snapshot!(format!("page-{kind}"), page_outline(&page(path)));
    }
}

/// The page kinds recognise their data by its columns, not by a package's name: another
/// city's appeals and register, under names of its own, get the dashboard, a page per
/// appeal and per document, the Open311 links — and every appeal the search index holds
/// links to a page the build rendered.
#[test]
fn another_citys_packages_get_every_page_kind_whatever_their_names() {
    let root = std::env::temp_dir().join(format!("vidkryto-site-names-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    let mut datasets = String::new();
    for (fixture, name) in [
        ("kyiv-appeals", "lviv-zvernennia"),
        ("public-information-register", "lviv-reiestr"),
    ] {
        let dir = root.join("datasets").join(name);
        std::fs::create_dir_all(&dir).unwrap();
        for entry in std::fs::read_dir(fixture_dir(fixture)).unwrap() {
            let entry = entry.unwrap();
            std::fs::copy(entry.path(), dir.join(entry.file_name())).unwrap();
        }
        let descriptor = dir.join("datapackage.json");
        let mut package: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&descriptor).unwrap()).unwrap();
        package["name"] = name.into();
        std::fs::write(&descriptor, package.to_string()).unwrap();
        datasets.push_str(&format!("[[datasets]]\nname = \"{name}\"\n"));
    }
    let config = portal_config(&root, &root.join("datasets"), &datasets);
    let summary = vidkryto::build::build(&config).unwrap();
    let public = config.public_dir();
    let read = |path: &str| {
        std::fs::read_to_string(public.join(path))
            .unwrap_or_else(|e| panic!("{path}: {e}"))
            .replace("&#x2F;", "/")
    };
    let dashboard = read("appeals/index.html");
    assert!(dashboard.contains("id=\"appeals-hexagons\""), "no map");
    assert!(dashboard.contains("/datasets/lviv-zvernennia/"));
    let dataset = read("datasets/lviv-zvernennia/index.html");
    assert!(dataset.contains(vidkryto_search::urls::OPEN311_SERVICES));
    assert!(
        dataset.contains("href=\"/appeals/\""),
        "no link to the dashboard"
    );
    assert!(read("datasets/lviv-reiestr/index.html").contains("href=\"/register/\""));
    assert!(summary.site.documents > 0, "{summary}");
    let layout = vidkryto_search::Layout::new(&public);
    let mut appeals = 0;
    vidkryto_search::index::read_documents(&layout, None, &mut |doc| {
        if doc.doc_type == vidkryto_search::index::DocType::Appeal {
            appeals += 1;
            let file = public
                .join(doc.url.trim_start_matches('/'))
                .join("index.html");
            assert!(file.is_file(), "{} links to a missing page", doc.id);
        }
        Ok(())
    })
    .unwrap();
    assert!(appeals > 0, "the index holds no appeal");
    let _ = std::fs::remove_dir_all(&root);
}
