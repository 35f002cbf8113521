//! The emulated Zola subset: reads a Zola site folder (`config.toml`, `content/`,
//! `templates/`, `static/`) and renders it to a published directory with the crates Zola is
//! built on (tera, pulldown-cmark, slug). It implements only what Vidkryto's templates use —
//! sections and pages, `+++` TOML front matter, `*.en.md` translations, `@/` links,
//! pagination, `get_section` / `get_page` / `get_url` / `load_data` / `trans`, the reduced
//! `config`, `404.html`, `sitemap.xml` and the Atom feed — and nothing that knows about
//! datasets: generating the content is `content`'s job. See ARCHITECTURE.md for the subset.

mod cache;
mod functions;
mod index;

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use pulldown_cmark::{Event, Options, Parser, Tag};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

use cache::RenderCache;
use index::{Output, SiteIndex};

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
    /// Files rendered by this run.
    pub rendered: usize,
    /// Files linked unchanged from the previous render.
    pub reused: usize,
}

/// Renders the Zola site in `site_dir` into `out_dir` (which may already hold other files).
pub fn render(
    site_dir: &Path,
    config: &SiteConfig,
    out_dir: &Path,
) -> Result<RenderStats, ZolaError> {
    render_incremental(site_dir, config, out_dir, None)
}

/// A content file given in memory rather than on disk: its path under `content/` (with `/`
/// separators), its front matter as a value (what the TOML between `+++` lines would
/// deserialize to) and its Markdown body. Generated pages that are numerous (one per register
/// document) come this way: writing 100 000 Markdown files, and even printing and parsing
/// their TOML, cost more than rendering them. A file in memory replaces one at the same path
/// on disk.
#[derive(Debug, Clone)]
pub struct ContentFile {
    pub path: String,
    pub front: Value,
    pub body: String,
}

impl ContentFile {
    /// The file as Zola reads it from disk: TOML front matter between `+++` lines, then body.
    pub fn text(&self) -> Result<String, toml::ser::Error> {
        Ok(format!(
            "+++\n{}+++\n{}",
            toml::to_string(&self.front)?,
            self.body
        ))
    }
}

/// Where an incremental render finds the last render: the previously published directory
/// and the render cache file.
#[derive(Debug, Clone)]
pub struct Previous<'a> {
    pub dir: &'a Path,
    pub cache_file: &'a Path,
}

/// [`render`], linking unchanged files from the previous render instead of rendering them.
pub fn render_incremental(
    site_dir: &Path,
    config: &SiteConfig,
    out_dir: &Path,
    previous: Option<Previous<'_>>,
) -> Result<RenderStats, ZolaError> {
    render_with(site_dir, config, &[], out_dir, previous)
}

/// [`render_incremental`] of the site in `site_dir` plus the content files in `memory`.
pub fn render_with(
    site_dir: &Path,
    config: &SiteConfig,
    memory: &[ContentFile],
    out_dir: &Path,
    previous: Option<Previous<'_>>,
) -> Result<RenderStats, ZolaError> {
    let docs = load_docs(site_dir, config, memory)?;
    let index = Arc::new(SiteIndex::new(config.clone(), docs, site_dir.to_path_buf()));
    let tera = functions::load_templates(site_dir, &index)?;
    let global = global_digest(site_dir)?;
    let (old, here) = match &previous {
        Some(p) => (
            RenderCache::load(p.cache_file, p.dir, global),
            RenderCache::load(p.cache_file, out_dir, global),
        ),
        None => (None, None),
    };
    // From here on `out_dir` no longer holds the render its id names.
    remove_if_present(&out_dir.join(cache::ID_FILE))?;
    let mut others = copy_static(&site_dir.join("static"), out_dir, "")?;
    let current = |what: &str| index.dependency_digest(what);

    let outputs: Vec<Output> = index.outputs();
    let done: Result<Vec<(String, cache::Entry, bool)>, ZolaError> = outputs
        .par_iter()
        .map(|output| {
            let rel = output.output_file(&index);
            let rel_text = rel.to_string_lossy().into_owned();
            let key = output.key(&index);
            // Already in place: `out_dir` is a reused tree holding this very file.
            if let Some(entry) = here
                .as_ref()
                .and_then(|h| h.fresh(&rel_text, key, &current))
            {
                return Ok((rel_text, entry.clone(), true));
            }
            let file = out_dir.join(&rel);
            if let (Some(p), Some(old)) = (&previous, &old) {
                if let Some(entry) = old.fresh(&rel_text, key, &current) {
                    if link_previous(&p.dir.join(&rel), &file) {
                        return Ok((rel_text, entry.clone(), true));
                    }
                }
            }
            cache::start_recording();
            let html = output.render(&tera, &index);
            let read = cache::finish_recording();
            write(&file, html?.as_bytes())?;
            let deps = read
                .into_iter()
                .filter_map(|what| current(&what).map(|digest| (what, digest)))
                .collect();
            Ok((rel_text, cache::Entry { key, deps }, false))
        })
        .collect();
    let done = done?;
    let reused = done.iter().filter(|(_, _, reused)| *reused).count();
    let special = index.write_special(&tera, out_dir)?;
    let files = done.len() + special.len();
    others.extend(special);
    if let Some(p) = &previous {
        let entries: HashMap<String, cache::Entry> = done
            .into_iter()
            .map(|(file, entry, _)| (file, entry))
            .collect();
        if let Some(here) = &here {
            remove_stale(out_dir, here, &entries, &others)?;
        }
        let keep = cache::render_id(p.dir);
        RenderCache::with_entries(global, entries, others)
            .save(p.cache_file, keep.as_deref(), out_dir)
            .map_err(|source| ZolaError::Write {
                path: p.cache_file.to_path_buf(),
                source,
            })?;
    }
    Ok(RenderStats {
        pages: index.docs.iter().filter(|d| !d.is_section).count(),
        sections: index.docs.iter().filter(|d| d.is_section).count(),
        files,
        rendered: files - reused,
        reused,
    })
}

/// Whether `out_dir` holds a render one of the cache files of `cache_file` describes, so a
/// render into it may keep what is still right and remove what is stale.
pub fn render_known(out_dir: &Path, cache_file: &Path) -> bool {
    RenderCache::known(cache_file, out_dir)
}

/// Removes the files the render in `out_dir` wrote that this render did not, and the folders
/// they leave empty (a deleted document's `register/<id>/`).
fn remove_stale(
    out_dir: &Path,
    here: &RenderCache,
    entries: &HashMap<String, cache::Entry>,
    others: &[String],
) -> Result<(), ZolaError> {
    let others: std::collections::HashSet<&str> = others.iter().map(String::as_str).collect();
    for rel in here.files() {
        if entries.contains_key(rel) || others.contains(rel) || rel == cache::ID_FILE {
            continue;
        }
        let file = out_dir.join(rel);
        remove_if_present(&file)?;
        let mut dir = file.parent();
        while let Some(d) = dir.filter(|d| d.starts_with(out_dir) && *d != out_dir) {
            if std::fs::remove_dir(d).is_err() {
                break;
            }
            dir = d.parent();
        }
    }
    Ok(())
}

fn remove_if_present(path: &Path) -> Result<(), ZolaError> {
    match std::fs::remove_file(path) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(ZolaError::Write {
            path: path.to_path_buf(),
            source: e,
        }),
        _ => Ok(()),
    }
}

/// Hard-links (or copies) an unchanged file from the previous render, replacing what `to`
/// held (a new directory entry: the old inode may be shared with the published tree).
fn link_previous(from: &Path, to: &Path) -> bool {
    if let Some(parent) = to.parent() {
        if std::fs::create_dir_all(parent).is_err() {
            return false;
        }
    }
    if remove_if_present(to).is_err() {
        return false;
    }
    std::fs::hard_link(from, to).is_ok() || std::fs::copy(from, to).is_ok()
}

/// Digest of `config.toml` and every template: when either changes, everything re-renders.
fn global_digest(site_dir: &Path) -> Result<u64, ZolaError> {
    let mut digest = cache::Digest::default();
    digest.bytes(read(&site_dir.join("config.toml"))?.as_bytes());
    let templates = site_dir.join("templates");
    let mut stack = vec![templates.clone()];
    let mut files = Vec::new();
    while let Some(dir) = stack.pop() {
        let entries = std::fs::read_dir(&dir).map_err(|source| ZolaError::Read {
            path: dir.clone(),
            source,
        })?;
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else {
                files.push(path);
            }
        }
    }
    files.sort();
    for file in files {
        digest.bytes(file.to_string_lossy().as_bytes());
        digest.bytes(read(&file)?.as_bytes());
    }
    Ok(digest.finish())
}

fn read(path: &Path) -> Result<String, ZolaError> {
    std::fs::read_to_string(path).map_err(|source| ZolaError::Read {
        path: path.to_path_buf(),
        source,
    })
}

/// Writes `bytes` to `path` as a new file: an existing file is unlinked first, never
/// overwritten, because in a reused staging tree it may be a hard link to a published file.
fn write(path: &Path, bytes: &[u8]) -> Result<(), ZolaError> {
    use std::io::Write;
    let fail = |source| ZolaError::Write {
        path: path.to_path_buf(),
        source,
    };
    let create = || {
        std::fs::File::options()
            .write(true)
            .create_new(true)
            .open(path)
    };
    let mut file = match create() {
        Ok(file) => file,
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            std::fs::remove_file(path).map_err(fail)?;
            create().map_err(fail)?
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent).map_err(fail)?;
            }
            create().map_err(fail)?
        }
        Err(e) => return Err(fail(e)),
    };
    file.write_all(bytes).map_err(fail)
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

fn load_docs(
    site_dir: &Path,
    config: &SiteConfig,
    memory: &[ContentFile],
) -> Result<Vec<Doc>, ZolaError> {
    let content_dir = site_dir.join("content");
    let in_memory: std::collections::HashSet<&str> =
        memory.iter().map(|f| f.path.as_str()).collect();
    // Disk and memory files in one path order, as if all were on disk (the order decides
    // ties in sorting and the sitemap's order).
    let mut files: Vec<(String, Option<&ContentFile>)> = markdown_files(&content_dir)?
        .into_iter()
        .filter(|rel| !in_memory.contains(rel.as_str()))
        .map(|rel| (rel, None))
        .collect();
    files.extend(memory.iter().map(|f| (f.path.clone(), Some(f))));
    files.par_sort_unstable_by(|a, b| a.0.cmp(&b.0));
    let docs: Result<Vec<Doc>, ZolaError> = files
        .par_iter()
        .map(|(rel, memory)| match memory {
            Some(file) => {
                let front =
                    FrontMatter::deserialize(&file.front).map_err(|e| ZolaError::FrontMatter {
                        path: content_dir.join(rel),
                        message: e.to_string(),
                    })?;
                Ok(make_doc(rel, front, &file.body, config))
            }
            None => parse_doc(&content_dir, rel, &read(&content_dir.join(rel))?, config),
        })
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

fn parse_doc(
    content_dir: &Path,
    rel: &str,
    text: &str,
    config: &SiteConfig,
) -> Result<Doc, ZolaError> {
    let path = content_dir.join(rel);
    let (front, body) =
        split_front_matter(text).ok_or_else(|| ZolaError::NoFrontMatter { path: path.clone() })?;
    let front: FrontMatter = toml::from_str(front).map_err(|e| ZolaError::FrontMatter {
        path: path.clone(),
        message: e.to_string(),
    })?;
    Ok(make_doc(rel, front, body, config))
}

/// A document from its path under `content/`, front matter and body.
fn make_doc(rel: &str, front: FrontMatter, body: &str, config: &SiteConfig) -> Doc {
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
    Doc {
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
    }
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

/// Copies `static/` into the output, keeping the folder structure; returns the files
/// written, relative to `to`'s root (`rel` is `to`'s own path under it).
fn copy_static(from: &Path, to: &Path, rel: &str) -> Result<Vec<String>, ZolaError> {
    let mut written = Vec::new();
    if !from.is_dir() {
        return Ok(written);
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
        let name = entry.file_name().to_string_lossy().into_owned();
        let target = to.join(&name);
        let target_rel = if rel.is_empty() {
            name
        } else {
            format!("{rel}/{name}")
        };
        if path.is_dir() {
            written.extend(copy_static(&path, &target, &target_rel)?);
        } else {
            let bytes = std::fs::read(&path).map_err(|source| ZolaError::Read {
                path: path.clone(),
                source,
            })?;
            write(&target, &bytes)?;
            written.push(target_rel);
        }
    }
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::index::csv_value;
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
    fn a_file_in_memory_is_written_as_zola_reads_it() {
        // Tables after plain values: TOML needs `[[extra.fields]]` after `extra.dataset_url`.
        let file = ContentFile {
            path: "register/doc-1.md".into(),
            front: json!({
                "title": "Рішення № 1",
                "weight": 3,
                "template": "document.html",
                "extra": {"fields": [{"label": "Номер", "url": "1/2"}], "dataset_url": "/datasets/r/"},
            }),
            body: String::new(),
        };
        let text = file.text().unwrap();
        let (front, body) = split_front_matter(&text).unwrap();
        let parsed: FrontMatter = toml::from_str(front).unwrap();
        let direct = FrontMatter::deserialize(&file.front).unwrap();
        assert_eq!(parsed.title, direct.title);
        assert_eq!(parsed.weight, Some(3));
        assert_eq!(parsed.extra["fields"], direct.extra["fields"]);
        assert_eq!(parsed.extra["dataset_url"], direct.extra["dataset_url"]);
        assert_eq!(body, "");
    }

    #[test]
    fn slugs_transliterate_cyrillic() {
        assert_eq!(slug::slugify("Про портал"), "pro-portal");
        assert_eq!(slug::slugify("1.1"), "1-1");
    }
}
