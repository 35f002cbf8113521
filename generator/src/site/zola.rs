//! The emulated Zola subset: reads a Zola site folder (`config.toml`, `content/`,
//! `templates/`, `static/`) and renders it to a published directory with the crates Zola is
//! built on (tera, pulldown-cmark, slug). It implements only what Vidkryto's templates use —
//! sections and pages, `+++` TOML front matter, `*.en.md` translations, `@/` links,
//! pagination, `get_section` / `get_page` / `get_url` / `load_data` / `trans`, the reduced
//! `config`, `404.html`, `sitemap.xml` and the Atom feed — and nothing that knows about
//! datasets: generating the content is `content`'s job. See ARCHITECTURE.md for the subset.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use pulldown_cmark::{Event, Options, Parser, Tag};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};
use tera::Tera;

/// Why a site could not be rendered.
#[derive(Debug, thiserror::Error)]
pub enum ZolaError {
    #[error("cannot read `{path}`")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot write `{path}`")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("`{path}`: {message}")]
    Config { path: PathBuf, message: String },
    #[error("`{path}`: the front matter must open the file between `+++` lines")]
    NoFrontMatter { path: PathBuf },
    #[error("`{path}`: invalid front matter: {message}")]
    FrontMatter { path: PathBuf, message: String },
    #[error("`{path}`: link `{link}` points to no content file; give a path under content/ such as `@/about.md`")]
    BrokenLink { path: PathBuf, link: String },
    #[error("cannot load the templates in `{dir}`")]
    Templates { dir: PathBuf, source: tera::Error },
    #[error("cannot render `{what}` with template `{template}`")]
    Render {
        what: String,
        template: String,
        source: tera::Error,
    },
}

/// `config.toml` of a Zola site, as far as the subset reads it.
#[derive(Debug, Clone, Deserialize)]
pub struct SiteConfig {
    pub base_url: String,
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub description: String,
    #[serde(default = "default_language")]
    pub default_language: String,
    #[serde(default)]
    pub languages: BTreeMap<String, LanguageOptions>,
    /// Translations of the default language (Zola 0.17+: top-level `[translations]`).
    #[serde(default)]
    pub translations: HashMap<String, String>,
    #[serde(default)]
    pub generate_feeds: bool,
    #[serde(default = "default_feed_filenames")]
    pub feed_filenames: Vec<String>,
    #[serde(default)]
    pub feed_limit: Option<usize>,
    #[serde(default)]
    pub extra: Map<String, Value>,
}

/// `[languages.<code>]`.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct LanguageOptions {
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub generate_feeds: bool,
    #[serde(default)]
    pub translations: HashMap<String, String>,
}

fn default_language() -> String {
    "uk".into()
}

fn default_feed_filenames() -> Vec<String> {
    vec!["atom.xml".into()]
}

impl SiteConfig {
    pub fn load(site_dir: &Path) -> Result<SiteConfig, ZolaError> {
        let path = site_dir.join("config.toml");
        let text = read(&path)?;
        let mut config: SiteConfig = toml::from_str(&text).map_err(|e| ZolaError::Config {
            path: path.clone(),
            message: e.to_string(),
        })?;
        config.base_url = config.base_url.trim_end_matches('/').to_string();
        Ok(config)
    }

    /// Overrides the site's `base_url` (the portal's `vidkryto.toml` owns it).
    pub fn with_base_url(mut self, base_url: &str) -> SiteConfig {
        self.base_url = base_url.trim_end_matches('/').to_string();
        self
    }

    fn is_language(&self, lang: &str) -> bool {
        lang == self.default_language || self.languages.contains_key(lang)
    }

    /// The URL path prefix of a language: `""` for the default, `"/en"` otherwise.
    fn lang_prefix(&self, lang: &str) -> String {
        if lang == self.default_language {
            String::new()
        } else {
            format!("/{lang}")
        }
    }

    fn permalink(&self, path: &str) -> String {
        format!("{}{}", self.base_url, path)
    }

    /// The reduced `config` templates see, with title and description in `lang`.
    fn serialize_for(&self, lang: &str) -> Value {
        let (title, description) = match self.languages.get(lang) {
            Some(options) if lang != self.default_language => {
                (options.title.clone(), options.description.clone())
            }
            _ => (self.title.clone(), self.description.clone()),
        };
        json!({
            "base_url": self.base_url,
            "mode": "build",
            "title": title,
            "description": description,
            "default_language": self.default_language,
            "languages": self.languages,
            "generate_feeds": self.generate_feeds,
            "feed_filenames": self.feed_filenames,
            "build_search_index": false,
            "extra": self.extra,
        })
    }

    fn translate(&self, key: &str, lang: &str) -> Option<&String> {
        if lang == self.default_language {
            self.translations.get(key)
        } else {
            self.languages.get(lang)?.translations.get(key)
        }
    }
}

/// The front matter keys the subset understands (pages and sections share one struct).
#[derive(Debug, Clone, Default, Deserialize)]
struct FrontMatter {
    #[serde(default)]
    title: Option<String>,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    date: Option<toml::Value>,
    #[serde(default)]
    updated: Option<toml::Value>,
    #[serde(default)]
    weight: Option<i64>,
    #[serde(default)]
    slug: Option<String>,
    #[serde(default)]
    path: Option<String>,
    #[serde(default)]
    template: Option<String>,
    #[serde(default)]
    page_template: Option<String>,
    #[serde(default)]
    sort_by: Option<String>,
    #[serde(default)]
    paginate_by: Option<usize>,
    #[serde(default)]
    draft: bool,
    #[serde(default)]
    extra: Map<String, Value>,
}

/// One content file after reading.
#[derive(Debug)]
struct Doc {
    /// Path under `content/` with `/` separators, e.g. `datasets/_index.en.md`.
    relative_path: String,
    /// Folder under `content/` (`""` for the root).
    dir: String,
    /// File stem without the language suffix (`_index`, `about`).
    stem: String,
    lang: String,
    front: FrontMatter,
    body: String,
    is_section: bool,
    /// URL path, `/…/` with the language prefix.
    path: String,
    slug: String,
    content: String,
}

/// What a render produced.
#[derive(Debug, Default, Serialize)]
pub struct RenderStats {
    pub pages: usize,
    pub sections: usize,
    /// HTML and XML files written, including pagination pages, 404, sitemap and feeds.
    pub files: usize,
}

/// Renders the Zola site in `site_dir` into `out_dir` (which may already hold other files).
pub fn render(
    site_dir: &Path,
    config: &SiteConfig,
    out_dir: &Path,
) -> Result<RenderStats, ZolaError> {
    let docs = load_docs(site_dir, config)?;
    let index = Arc::new(SiteIndex::new(config.clone(), docs, site_dir.to_path_buf()));
    let tera = load_templates(site_dir, &index)?;
    copy_static(&site_dir.join("static"), out_dir)?;

    let outputs: Vec<Output> = index.outputs();
    let written: Result<Vec<usize>, ZolaError> = outputs
        .par_iter()
        .map(|output| {
            let html = output.render(&tera, &index)?;
            let file = out_dir.join(output.output_file(&index));
            write(&file, html.as_bytes())?;
            Ok(1)
        })
        .collect();
    let mut files = written?.len();
    files += index.write_special(&tera, out_dir)?;
    Ok(RenderStats {
        pages: index.docs.iter().filter(|d| !d.is_section).count(),
        sections: index.docs.iter().filter(|d| d.is_section).count(),
        files,
    })
}

fn read(path: &Path) -> Result<String, ZolaError> {
    std::fs::read_to_string(path).map_err(|source| ZolaError::Read {
        path: path.to_path_buf(),
        source,
    })
}

fn write(path: &Path, bytes: &[u8]) -> Result<(), ZolaError> {
    let fail = |source| ZolaError::Write {
        path: path.to_path_buf(),
        source,
    };
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(fail)?;
    }
    std::fs::write(path, bytes).map_err(fail)
}

/// Every `.md` file under `dir`, as paths relative to it, sorted.
fn markdown_files(dir: &Path) -> Result<Vec<String>, ZolaError> {
    let mut found = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(current) = stack.pop() {
        let entries = std::fs::read_dir(&current).map_err(|source| ZolaError::Read {
            path: current.clone(),
            source,
        })?;
        for entry in entries {
            let entry = entry.map_err(|source| ZolaError::Read {
                path: current.clone(),
                source,
            })?;
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "md") {
                if let Ok(rel) = path.strip_prefix(dir) {
                    let parts: Vec<String> = rel
                        .components()
                        .map(|c| c.as_os_str().to_string_lossy().into_owned())
                        .collect();
                    found.push(parts.join("/"));
                }
            }
        }
    }
    found.sort();
    Ok(found)
}

/// Splits `+++\n…\n+++\nbody`.
fn split_front_matter(text: &str) -> Option<(&str, &str)> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let rest = text
        .strip_prefix("+++\n")
        .or_else(|| text.strip_prefix("+++\r\n"))?;
    let end = rest.find("\n+++")?;
    let front = &rest[..end];
    let after = &rest[end + 4..];
    let body = after.strip_prefix("\r\n").unwrap_or(after);
    Some((front, body.strip_prefix('\n').unwrap_or(body)))
}

fn load_docs(site_dir: &Path, config: &SiteConfig) -> Result<Vec<Doc>, ZolaError> {
    let content_dir = site_dir.join("content");
    let files = markdown_files(&content_dir)?;
    let docs: Result<Vec<Doc>, ZolaError> = files
        .par_iter()
        .map(|rel| parse_doc(&content_dir, rel, config))
        .collect();
    let mut docs: Vec<Doc> = docs?.into_iter().filter(|d| !d.front.draft).collect();
    let links: HashMap<String, String> = docs
        .iter()
        .map(|d| (d.relative_path.clone(), config.permalink(&d.path)))
        .collect();
    docs.par_iter_mut().try_for_each(|doc| {
        doc.content = render_markdown(&doc.body, &links).map_err(|link| ZolaError::BrokenLink {
            path: content_dir.join(&doc.relative_path),
            link,
        })?;
        Ok::<(), ZolaError>(())
    })?;
    Ok(docs)
}

fn parse_doc(content_dir: &Path, rel: &str, config: &SiteConfig) -> Result<Doc, ZolaError> {
    let path = content_dir.join(rel);
    let text = read(&path)?;
    let (front, body) =
        split_front_matter(&text).ok_or_else(|| ZolaError::NoFrontMatter { path: path.clone() })?;
    let front: FrontMatter = toml::from_str(front).map_err(|e| ZolaError::FrontMatter {
        path: path.clone(),
        message: e.to_string(),
    })?;
    let (dir, file) = match rel.rsplit_once('/') {
        Some((dir, file)) => (dir.to_string(), file),
        None => (String::new(), rel),
    };
    let name = file.trim_end_matches(".md");
    let (stem, lang) = match name.rsplit_once('.') {
        Some((stem, lang)) if config.is_language(lang) => (stem.to_string(), lang.to_string()),
        _ => (name.to_string(), config.default_language.clone()),
    };
    let is_section = stem == "_index";
    let dir_path: String = dir
        .split('/')
        .filter(|c| !c.is_empty())
        .map(|c| format!("{}/", slug::slugify(c)))
        .collect();
    let prefix = config.lang_prefix(&lang);
    let (slug, url_path) = if is_section {
        let slug = dir.rsplit('/').next().unwrap_or_default().to_string();
        (slug, format!("{prefix}/{dir_path}"))
    } else if let Some(custom) = &front.path {
        let custom = custom.trim_matches('/');
        (
            custom.rsplit('/').next().unwrap_or_default().to_string(),
            format!("{prefix}/{custom}/"),
        )
    } else {
        let slug = slug::slugify(front.slug.as_deref().unwrap_or(&stem));
        let url = format!("{prefix}/{dir_path}{slug}/");
        (slug, url)
    };
    Ok(Doc {
        relative_path: rel.to_string(),
        dir,
        stem,
        lang,
        front,
        body: body.to_string(),
        is_section,
        path: url_path,
        slug,
        content: String::new(),
    })
}

/// Markdown to HTML; `@/path.md` links resolve to permalinks. Returns the broken link.
fn render_markdown(body: &str, links: &HashMap<String, String>) -> Result<String, String> {
    let options = Options::ENABLE_TABLES
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS;
    let mut broken = None;
    let events = Parser::new_ext(body, options).map(|event| match event {
        Event::Start(Tag::Link {
            link_type,
            dest_url,
            title,
            id,
        }) if dest_url.starts_with("@/") => {
            let (target, anchor) = match dest_url[2..].split_once('#') {
                Some((t, a)) => (t.to_string(), format!("#{a}")),
                None => (dest_url[2..].to_string(), String::new()),
            };
            let url = match links.get(&target) {
                Some(url) => format!("{url}{anchor}"),
                None => {
                    broken = Some(dest_url.to_string());
                    String::new()
                }
            };
            Event::Start(Tag::Link {
                link_type,
                dest_url: url.into(),
                title,
                id,
            })
        }
        other => other,
    });
    let mut html = String::with_capacity(body.len() * 3 / 2);
    pulldown_cmark::html::push_html(&mut html, events);
    match broken {
        Some(link) => Err(link),
        None => Ok(html),
    }
}

/// Everything templates can reach: the documents, their serialized forms and caches.
struct SiteIndex {
    config: SiteConfig,
    site_dir: PathBuf,
    docs: Vec<Doc>,
    by_path: HashMap<String, usize>,
    /// Page values (Zola's `page` object), by doc index; sections hold `Value::Null`.
    page_values: Vec<Value>,
    /// For each section doc: its pages (doc indexes, sorted) and subsections.
    section_pages: HashMap<usize, Vec<usize>>,
    section_subsections: HashMap<usize, Vec<usize>>,
    translations: HashMap<(String, String), Vec<usize>>,
    data_cache: Mutex<HashMap<String, Value>>,
}

impl SiteIndex {
    fn new(config: SiteConfig, docs: Vec<Doc>, site_dir: PathBuf) -> SiteIndex {
        let by_path = docs
            .iter()
            .enumerate()
            .map(|(i, d)| (d.relative_path.clone(), i))
            .collect();
        let mut translations: HashMap<(String, String), Vec<usize>> = HashMap::new();
        for (i, doc) in docs.iter().enumerate() {
            translations
                .entry((doc.dir.clone(), doc.stem.clone()))
                .or_default()
                .push(i);
        }
        let mut section_of_dir: HashMap<(String, String), usize> = HashMap::new();
        for (i, doc) in docs.iter().enumerate() {
            if doc.is_section {
                section_of_dir.insert((doc.dir.clone(), doc.lang.clone()), i);
            }
        }
        let mut section_pages: HashMap<usize, Vec<usize>> = HashMap::new();
        let mut section_subsections: HashMap<usize, Vec<usize>> = HashMap::new();
        for (i, doc) in docs.iter().enumerate() {
            if doc.is_section {
                if doc.dir.is_empty() {
                    continue;
                }
                let parent = doc.dir.rsplit_once('/').map(|p| p.0).unwrap_or("");
                if let Some(&s) = section_of_dir.get(&(parent.to_string(), doc.lang.clone())) {
                    section_subsections.entry(s).or_default().push(i);
                }
            } else if let Some(&s) = section_of_dir.get(&(doc.dir.clone(), doc.lang.clone())) {
                section_pages.entry(s).or_default().push(i);
            }
        }
        for (section, pages) in section_pages.iter_mut() {
            sort_pages(pages, &docs, docs[*section].front.sort_by.as_deref());
        }
        let mut index = SiteIndex {
            config,
            site_dir,
            docs,
            by_path,
            page_values: Vec::new(),
            section_pages,
            section_subsections,
            translations,
            data_cache: Mutex::new(HashMap::new()),
        };
        let values: Vec<Value> = (0..index.docs.len())
            .into_par_iter()
            .map(|i| {
                if index.docs[i].is_section {
                    Value::Null
                } else {
                    index.page_value(i)
                }
            })
            .collect();
        index.page_values = values;
        index
    }

    fn common_value(&self, i: usize) -> Map<String, Value> {
        let doc = &self.docs[i];
        let translations: Vec<Value> = self
            .translations
            .get(&(doc.dir.clone(), doc.stem.clone()))
            .map(|ids| {
                ids.iter()
                    .map(|&t| {
                        let other = &self.docs[t];
                        json!({
                            "lang": other.lang,
                            "permalink": self.config.permalink(&other.path),
                            "path": other.path,
                            "title": other.front.title,
                        })
                    })
                    .collect()
            })
            .unwrap_or_default();
        let components: Vec<&str> = doc.path.split('/').filter(|c| !c.is_empty()).collect();
        let word_count = doc.body.split_whitespace().count();
        let mut map = Map::new();
        map.insert("relative_path".into(), json!(doc.relative_path));
        map.insert("title".into(), json!(doc.front.title));
        map.insert("description".into(), json!(doc.front.description));
        map.insert("content".into(), json!(doc.content));
        map.insert("permalink".into(), json!(self.config.permalink(&doc.path)));
        map.insert("path".into(), json!(doc.path));
        map.insert("components".into(), json!(components));
        map.insert("lang".into(), json!(doc.lang));
        map.insert("translations".into(), Value::Array(translations));
        map.insert("extra".into(), Value::Object(doc.front.extra.clone()));
        map.insert("word_count".into(), json!(word_count));
        map.insert("reading_time".into(), json!(word_count.div_ceil(200)));
        map.insert("toc".into(), json!([]));
        map.insert("assets".into(), json!([]));
        map
    }

    fn page_value(&self, i: usize) -> Value {
        let doc = &self.docs[i];
        let mut map = self.common_value(i);
        map.insert("slug".into(), json!(doc.slug));
        map.insert(
            "date".into(),
            json!(doc.front.date.as_ref().map(toml_scalar)),
        );
        map.insert(
            "updated".into(),
            json!(doc.front.updated.as_ref().map(toml_scalar)),
        );
        map.insert("weight".into(), json!(doc.front.weight));
        map.insert("draft".into(), json!(false));
        map.insert("taxonomies".into(), json!({}));
        map.insert("summary".into(), Value::Null);
        Value::Object(map)
    }

    fn section_value(&self, i: usize, with_pages: bool) -> Value {
        let doc = &self.docs[i];
        let mut map = self.common_value(i);
        let pages: Vec<Value> = if with_pages {
            self.section_pages
                .get(&i)
                .map(|ids| ids.iter().map(|&p| self.page_values[p].clone()).collect())
                .unwrap_or_default()
        } else {
            Vec::new()
        };
        let subsections: Vec<&str> = self
            .section_subsections
            .get(&i)
            .map(|ids| {
                ids.iter()
                    .map(|&s| self.docs[s].relative_path.as_str())
                    .collect()
            })
            .unwrap_or_default();
        map.insert("pages".into(), Value::Array(pages));
        map.insert("subsections".into(), json!(subsections));
        map.insert("weight".into(), json!(doc.front.weight));
        Value::Object(map)
    }

    /// The template for a doc: its own, else its section's `page_template`, else the default.
    fn template_of(&self, i: usize) -> String {
        let doc = &self.docs[i];
        if let Some(t) = &doc.front.template {
            return t.clone();
        }
        if doc.is_section {
            return if doc.dir.is_empty() {
                "index.html".into()
            } else {
                "section.html".into()
            };
        }
        let mut dir = doc.dir.as_str();
        loop {
            let section_file = if doc.lang == self.config.default_language {
                format!("{dir}{}_index.md", if dir.is_empty() { "" } else { "/" })
            } else {
                format!(
                    "{dir}{}_index.{}.md",
                    if dir.is_empty() { "" } else { "/" },
                    doc.lang
                )
            };
            if let Some(t) = self
                .by_path
                .get(&section_file)
                .and_then(|&s| self.docs[s].front.page_template.clone())
            {
                return t;
            }
            match dir.rsplit_once('/') {
                Some((parent, _)) => dir = parent,
                None if !dir.is_empty() => dir = "",
                None => return "page.html".into(),
            }
        }
    }

    fn outputs(&self) -> Vec<Output> {
        let mut outputs = Vec::with_capacity(self.docs.len());
        for (i, doc) in self.docs.iter().enumerate() {
            if !doc.is_section {
                outputs.push(Output::Page(i));
                continue;
            }
            match doc.front.paginate_by {
                Some(per) if per > 0 => {
                    let count = self.section_pages.get(&i).map_or(0, Vec::len);
                    let total = count.div_ceil(per).max(1);
                    for number in 1..=total {
                        outputs.push(Output::Section {
                            doc: i,
                            pager: Some((number, per, total)),
                        });
                    }
                }
                _ => outputs.push(Output::Section {
                    doc: i,
                    pager: None,
                }),
            }
        }
        outputs
    }

    fn base_context(&self, lang: &str, path: &str) -> tera::Context {
        let mut context = tera::Context::new();
        context.insert("config", &self.config.serialize_for(lang));
        context.insert("lang", lang);
        context.insert("current_path", path);
        context.insert("current_url", &self.config.permalink(path));
        context
    }

    /// 404.html, sitemap.xml and the feeds; returns how many files were written.
    fn write_special(&self, tera: &Tera, out_dir: &Path) -> Result<usize, ZolaError> {
        let mut written = 0;
        let render = |template: &str, context: &tera::Context| {
            tera.render(template, context)
                .map_err(|source| ZolaError::Render {
                    what: template.to_string(),
                    template: template.to_string(),
                    source,
                })
        };
        let default = self.config.default_language.clone();
        if tera.get_template_names().any(|t| t == "404.html") {
            let html = render("404.html", &self.base_context(&default, "/404.html"))?;
            write(&out_dir.join("404.html"), html.as_bytes())?;
            written += 1;
        }
        if tera.get_template_names().any(|t| t == "sitemap.xml") {
            let entries: Vec<Value> = self
                .docs
                .iter()
                .enumerate()
                .map(|(i, d)| {
                    let updated = d.front.updated.as_ref().or(d.front.date.as_ref());
                    json!({
                        "permalink": self.config.permalink(&d.path),
                        "updated": updated.map(toml_scalar),
                        "extra": if d.is_section { Value::Null } else { self.page_values[i]["extra"].clone() },
                    })
                })
                .collect();
            let mut context = self.base_context(&default, "/sitemap.xml");
            context.insert("entries", &entries);
            let xml = render("sitemap.xml", &context)?;
            write(&out_dir.join("sitemap.xml"), xml.as_bytes())?;
            written += 1;
        }
        let mut langs = vec![(default.clone(), self.config.generate_feeds)];
        for (code, options) in &self.config.languages {
            if *code != default {
                langs.push((code.clone(), options.generate_feeds));
            }
        }
        for (lang, enabled) in langs {
            if !enabled {
                continue;
            }
            for filename in &self.config.feed_filenames {
                if !tera.get_template_names().any(|t| t == filename) {
                    continue;
                }
                let mut dated: Vec<usize> = (0..self.docs.len())
                    .filter(|&i| {
                        let d = &self.docs[i];
                        !d.is_section && d.lang == lang && d.front.date.is_some()
                    })
                    .collect();
                dated.sort_by_key(|&i| std::cmp::Reverse(self.date_key(i)));
                if let Some(limit) = self.config.feed_limit {
                    dated.truncate(limit);
                }
                let pages: Vec<&Value> = dated.iter().map(|&i| &self.page_values[i]).collect();
                let last_updated = dated.first().map(|&i| self.date_key(i));
                let path = format!("{}/{filename}", self.config.lang_prefix(&lang));
                let mut context = self.base_context(&lang, &path);
                context.insert("pages", &pages);
                context.insert("feed_url", &self.config.permalink(&path));
                context.insert("last_updated", &last_updated);
                let xml = render(filename, &context)?;
                write(&out_dir.join(path.trim_start_matches('/')), xml.as_bytes())?;
                written += 1;
            }
        }
        Ok(written)
    }

    fn date_key(&self, i: usize) -> String {
        let front = &self.docs[i].front;
        front
            .updated
            .as_ref()
            .or(front.date.as_ref())
            .map(toml_scalar)
            .unwrap_or_default()
    }

    fn doc_for_path(&self, path: &str, kind: &str) -> tera::Result<usize> {
        self.by_path
            .get(path.trim_start_matches("@/"))
            .copied()
            .ok_or_else(|| tera::Error::msg(format!("{kind} `{path}` not found under content/")))
    }

    fn load_data(&self, path: &str, format: Option<&str>) -> tera::Result<Value> {
        let key = format!("{}|{path}", format.unwrap_or(""));
        if let Ok(cache) = self.data_cache.lock() {
            if let Some(value) = cache.get(&key) {
                return Ok(value.clone());
            }
        }
        if path.contains("..") {
            return Err(tera::Error::msg(format!(
                "load_data: `{path}` leaves the site folder"
            )));
        }
        let file = self.site_dir.join(path);
        let text = std::fs::read_to_string(&file).map_err(|e| {
            tera::Error::msg(format!("load_data: cannot read `{}`: {e}", file.display()))
        })?;
        let format = format.map(str::to_string).unwrap_or_else(|| {
            match file.extension().and_then(|e| e.to_str()) {
                Some("csv") => "csv".into(),
                Some("json") | Some("geojson") => "json".into(),
                Some("toml") => "toml".into(),
                _ => "plain".into(),
            }
        });
        let value = match format.as_str() {
            "csv" => csv_value(&text).map_err(|e| {
                tera::Error::msg(format!("load_data: `{}` is not CSV: {e}", file.display()))
            })?,
            "json" => serde_json::from_str(&text).map_err(|e| {
                tera::Error::msg(format!("load_data: `{}` is not JSON: {e}", file.display()))
            })?,
            "toml" => {
                let value: toml::Value = toml::from_str(&text).map_err(|e| {
                    tera::Error::msg(format!("load_data: `{}` is not TOML: {e}", file.display()))
                })?;
                serde_json::to_value(value).map_err(tera::Error::json)?
            }
            "plain" => Value::String(text),
            other => {
                return Err(tera::Error::msg(format!(
                    "load_data: unknown format `{other}`; use csv, json, toml or plain"
                )))
            }
        };
        if let Ok(mut cache) = self.data_cache.lock() {
            cache.insert(key, value.clone());
        }
        Ok(value)
    }
}

/// `load_data` on a CSV: `{headers: [...], records: [[...]]}`, every value a string.
fn csv_value(text: &str) -> Result<Value, csv::Error> {
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(text.as_bytes());
    let headers: Vec<String> = reader.headers()?.iter().map(str::to_string).collect();
    let mut records = Vec::new();
    for record in reader.records() {
        let record = record?;
        records.push(Value::Array(
            record.iter().map(|v| Value::String(v.into())).collect(),
        ));
    }
    Ok(json!({ "headers": headers, "records": records }))
}

fn toml_scalar(value: &toml::Value) -> String {
    match value {
        toml::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn sort_pages(pages: &mut [usize], docs: &[Doc], sort_by: Option<&str>) {
    match sort_by {
        Some("weight") => pages.sort_by_key(|&i| docs[i].front.weight.unwrap_or(i64::MAX)),
        Some("title") => pages.sort_by(|&a, &b| docs[a].front.title.cmp(&docs[b].front.title)),
        Some("date") => pages.sort_by(|&a, &b| {
            let key = |i: usize| docs[i].front.date.as_ref().map(toml_scalar);
            key(b).cmp(&key(a))
        }),
        _ => {}
    }
}

/// One HTML file to render.
enum Output {
    Page(usize),
    /// A section, or one page of a paginated section: (number, per page, total).
    Section {
        doc: usize,
        pager: Option<(usize, usize, usize)>,
    },
}

impl Output {
    fn url_path(&self, index: &SiteIndex) -> String {
        match self {
            Output::Page(i) => index.docs[*i].path.clone(),
            Output::Section { doc, pager } => match pager {
                Some((n, _, _)) if *n > 1 => format!("{}page/{n}/", index.docs[*doc].path),
                _ => index.docs[*doc].path.clone(),
            },
        }
    }

    fn render(&self, tera: &Tera, index: &SiteIndex) -> Result<String, ZolaError> {
        let (doc, path) = match self {
            Output::Page(i) => (*i, self.url_path(index)),
            Output::Section { doc, .. } => (*doc, self.url_path(index)),
        };
        let d = &index.docs[doc];
        let mut context = index.base_context(&d.lang, &path);
        match self {
            Output::Page(i) => context.insert("page", &index.page_values[*i]),
            Output::Section { doc, pager: None } => {
                context.insert("section", &index.section_value(*doc, true))
            }
            Output::Section {
                doc,
                pager: Some((number, per, total)),
            } => {
                // As in Zola: a paginated section's pages live in `paginator.pages`.
                context.insert("section", &index.section_value(*doc, false));
                let ids = index.section_pages.get(doc).cloned().unwrap_or_default();
                let start = (number - 1) * per;
                let pages: Vec<&Value> = ids
                    .iter()
                    .skip(start)
                    .take(*per)
                    .map(|&p| &index.page_values[p])
                    .collect();
                let base = index.config.permalink(&d.path);
                let pager_url = |n: usize| {
                    if n == 1 {
                        base.clone()
                    } else {
                        format!("{base}page/{n}/")
                    }
                };
                context.insert(
                    "paginator",
                    &json!({
                        "paginate_by": per,
                        "number_pagers": total,
                        "current_index": number,
                        "total_pages": ids.len(),
                        "pages": pages,
                        "first": pager_url(1),
                        "last": pager_url(*total),
                        "previous": if *number > 1 { Some(pager_url(number - 1)) } else { None },
                        "next": if number < total { Some(pager_url(number + 1)) } else { None },
                    }),
                );
            }
        }
        let template = index.template_of(doc);
        tera.render(&template, &context)
            .map_err(|source| ZolaError::Render {
                what: d.relative_path.clone(),
                template,
                source,
            })
    }
}

impl Output {
    fn output_file(&self, index: &SiteIndex) -> PathBuf {
        PathBuf::from(format!(
            "{}index.html",
            self.url_path(index).trim_start_matches('/')
        ))
    }
}

fn load_templates(site_dir: &Path, index: &Arc<SiteIndex>) -> Result<Tera, ZolaError> {
    let dir = site_dir.join("templates");
    let glob = format!("{}/**/*", dir.display());
    let mut tera = Tera::new(&glob).map_err(|source| ZolaError::Templates {
        dir: dir.clone(),
        source,
    })?;
    tera.autoescape_on(vec![".html"]);
    let i = Arc::clone(index);
    tera.register_function(
        "get_section",
        move |args: &HashMap<String, Value>| -> tera::Result<Value> {
            let path = string_arg(args, "path", "get_section")?;
            let metadata_only = args
                .get("metadata_only")
                .and_then(Value::as_bool)
                .unwrap_or(false);
            let doc = i.doc_for_path(&path, "section")?;
            Ok(i.section_value(doc, !metadata_only))
        },
    );
    let i = Arc::clone(index);
    tera.register_function(
        "get_page",
        move |args: &HashMap<String, Value>| -> tera::Result<Value> {
            let path = string_arg(args, "path", "get_page")?;
            let doc = i.doc_for_path(&path, "page")?;
            Ok(i.page_values[doc].clone())
        },
    );
    let i = Arc::clone(index);
    tera.register_function(
        "get_url",
        move |args: &HashMap<String, Value>| -> tera::Result<Value> {
            let path = string_arg(args, "path", "get_url")?;
            let lang = args.get("lang").and_then(Value::as_str);
            let trailing = args.get("trailing_slash").and_then(Value::as_bool);
            if let Some(content) = path.strip_prefix("@/") {
                let target = match lang {
                    Some(lang) if lang != i.config.default_language => {
                        let stem = content.trim_end_matches(".md");
                        format!("{stem}.{lang}.md")
                    }
                    _ => content.to_string(),
                };
                let doc = i.doc_for_path(&target, "content file")?;
                return Ok(json!(i.config.permalink(&i.docs[doc].path)));
            }
            let prefix = lang.map(|l| i.config.lang_prefix(l)).unwrap_or_default();
            let mut url = format!(
                "{}{prefix}/{}",
                i.config.base_url,
                path.trim_start_matches('/')
            );
            if trailing == Some(true) && !url.ends_with('/') {
                url.push('/');
            }
            Ok(json!(url))
        },
    );
    let i = Arc::clone(index);
    tera.register_function(
        "load_data",
        move |args: &HashMap<String, Value>| -> tera::Result<Value> {
            let path = string_arg(args, "path", "load_data")?;
            let required = args
                .get("required")
                .and_then(Value::as_bool)
                .unwrap_or(true);
            match i.load_data(&path, args.get("format").and_then(Value::as_str)) {
                Ok(v) => Ok(v),
                Err(_) if !required => Ok(Value::Null),
                Err(e) => Err(e),
            }
        },
    );
    let i = Arc::clone(index);
    tera.register_function(
        "trans",
        move |args: &HashMap<String, Value>| -> tera::Result<Value> {
            let key = string_arg(args, "key", "trans")?;
            let lang = args
                .get("lang")
                .and_then(Value::as_str)
                .unwrap_or(&i.config.default_language)
                .to_string();
            i.config
                .translate(&key, &lang)
                .map(|s| json!(s))
                .ok_or_else(|| {
                    tera::Error::msg(format!(
                        "trans: no translation of `{key}` for language `{lang}` in config.toml"
                    ))
                })
        },
    );
    Ok(tera)
}

fn string_arg(args: &HashMap<String, Value>, name: &str, function: &str) -> tera::Result<String> {
    args.get(name)
        .and_then(Value::as_str)
        .map(str::to_string)
        .ok_or_else(|| {
            tera::Error::msg(format!(
                "{function}: argument `{name}` (a string) is required"
            ))
        })
}

/// Copies `static/` into the output, keeping the folder structure.
fn copy_static(from: &Path, to: &Path) -> Result<(), ZolaError> {
    if !from.is_dir() {
        return Ok(());
    }
    let entries = std::fs::read_dir(from).map_err(|source| ZolaError::Read {
        path: from.to_path_buf(),
        source,
    })?;
    for entry in entries {
        let entry = entry.map_err(|source| ZolaError::Read {
            path: from.to_path_buf(),
            source,
        })?;
        let path = entry.path();
        let target = to.join(entry.file_name());
        if path.is_dir() {
            copy_static(&path, &target)?;
        } else {
            let bytes = std::fs::read(&path).map_err(|source| ZolaError::Read {
                path: path.clone(),
                source,
            })?;
            write(&target, &bytes)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn front_matter_splits() {
        let (front, body) = split_front_matter("+++\ntitle = \"a\"\n+++\n\nbody").unwrap();
        assert_eq!(front, "title = \"a\"");
        assert_eq!(body, "\nbody");
        assert!(split_front_matter("no front matter").is_none());
    }

    #[test]
    fn internal_links_resolve_and_broken_ones_are_named() {
        let links = HashMap::from([("about.md".to_string(), "http://x/about/".to_string())]);
        let html = render_markdown("[a](@/about.md#team)", &links).unwrap();
        assert!(html.contains("href=\"http://x/about/#team\""), "{html}");
        assert_eq!(
            render_markdown("[b](@/nope.md)", &links).unwrap_err(),
            "@/nope.md"
        );
    }

    #[test]
    fn csv_loads_as_strings() {
        let value = csv_value("year,amount\n2024,3301953.5\n").unwrap();
        assert_eq!(value["headers"], json!(["year", "amount"]));
        assert_eq!(value["records"], json!([["2024", "3301953.5"]]));
    }

    #[test]
    fn slugs_transliterate_cyrillic() {
        assert_eq!(slug::slugify("Про портал"), "pro-portal");
        assert_eq!(slug::slugify("1.1"), "1-1");
    }
}
