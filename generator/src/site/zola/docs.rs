//! The content of a Zola site as Zola reads it: every `.md` file under `content/` (and the
//! files given in memory) with its front matter (Zola 0.22's page and section keys; a section
//! refuses unknown keys, as in Zola), language, slug, URL path and permalink, drafts dropped
//! (a draft section drops its whole folder), default root sections added, and the Markdown
//! rendered with `@/` links resolved. Not for: what templates see (that is `index`).

use std::collections::{HashMap, HashSet};
use std::path::Path;

use rayon::prelude::*;
use serde::Deserialize;
use serde_json::{Map, Value};
use unicode_segmentation::UnicodeSegmentation;

use super::{markdown, read, ContentFile, SiteConfig, ZolaError};

/// A page's front matter (unknown keys are ignored, as in Zola).
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub(super) struct PageFront {
    pub title: Option<String>,
    pub description: Option<String>,
    pub updated: Option<toml::Value>,
    pub date: Option<toml::Value>,
    pub draft: bool,
    pub render: bool,
    pub slug: Option<String>,
    pub path: Option<String>,
    pub taxonomies: HashMap<String, Vec<String>>,
    pub weight: Option<usize>,
    pub authors: Vec<String>,
    pub aliases: Vec<String>,
    pub template: Option<String>,
    pub in_search_index: bool,
    pub extra: Map<String, Value>,
}

impl Default for PageFront {
    fn default() -> PageFront {
        PageFront {
            title: None,
            description: None,
            updated: None,
            date: None,
            draft: false,
            render: true,
            slug: None,
            path: None,
            taxonomies: HashMap::new(),
            weight: None,
            authors: Vec::new(),
            aliases: Vec::new(),
            template: None,
            in_search_index: true,
            extra: Map::new(),
        }
    }
}

/// A section's front matter (`_index.md`); unknown keys are errors, as in Zola.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub(super) struct SectionFront {
    pub title: Option<String>,
    pub description: Option<String>,
    pub sort_by: SortBy,
    pub weight: usize,
    pub draft: bool,
    pub template: Option<String>,
    pub paginate_by: Option<usize>,
    pub paginate_reversed: bool,
    pub paginate_path: String,
    pub insert_anchor_links: Option<String>,
    pub render: bool,
    pub redirect_to: Option<String>,
    pub in_search_index: bool,
    pub transparent: bool,
    pub page_template: Option<String>,
    pub aliases: Vec<String>,
    pub generate_feeds: bool,
    pub extra: Map<String, Value>,
}

impl Default for SectionFront {
    fn default() -> SectionFront {
        SectionFront {
            title: None,
            description: None,
            sort_by: SortBy::None,
            weight: 0,
            draft: false,
            template: None,
            paginate_by: None,
            paginate_reversed: false,
            paginate_path: "page".into(),
            insert_anchor_links: None,
            render: true,
            redirect_to: None,
            in_search_index: true,
            transparent: false,
            page_template: None,
            aliases: Vec::new(),
            generate_feeds: false,
            extra: Map::new(),
        }
    }
}

/// `sort_by` of a section.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(super) enum SortBy {
    Date,
    UpdateDate,
    Title,
    TitleBytes,
    Weight,
    Slug,
    Permalink,
    #[default]
    None,
}

/// A page's or a section's own keys.
#[derive(Debug)]
pub(super) enum Kind {
    Page(PageFront),
    Section(SectionFront),
}

/// One content file after reading.
#[derive(Debug)]
pub(super) struct Doc {
    /// Path under `content/` with `/` separators, e.g. `datasets/_index.en.md`.
    pub relative_path: String,
    /// The file's path as Zola names it (`<site>/content/<relative_path>`): what
    /// `translations[].path` holds.
    pub file_path: String,
    /// Folder under `content/` (`""` for the root).
    pub dir: String,
    /// File name without `.md` and the language (`_index`, `about`): with `dir`, what
    /// translations share.
    pub name: String,
    pub lang: String,
    pub kind: Kind,
    pub body: String,
    /// URL path, `/…/` with the language prefix.
    pub path: String,
    pub permalink: String,
    pub slug: String,
    /// The rendered Markdown.
    pub content: String,
    /// Content files this one links to with `@/` (relative paths).
    pub links: Vec<String>,
    /// Parsed `date` / `updated` (seconds since the epoch) for sorting and feeds.
    pub datetime: Option<i64>,
    pub updated_datetime: Option<i64>,
    pub word_count: usize,
}

impl Doc {
    pub fn is_section(&self) -> bool {
        matches!(self.kind, Kind::Section(_))
    }

    pub fn title(&self) -> &Option<String> {
        match &self.kind {
            Kind::Page(f) => &f.title,
            Kind::Section(f) => &f.title,
        }
    }

    pub fn description(&self) -> &Option<String> {
        match &self.kind {
            Kind::Page(f) => &f.description,
            Kind::Section(f) => &f.description,
        }
    }

    pub fn extra(&self) -> &Map<String, Value> {
        match &self.kind {
            Kind::Page(f) => &f.extra,
            Kind::Section(f) => &f.extra,
        }
    }

    /// Takes a page's `extra` out (a section keeps its own): the page's value holds it from
    /// then on (`SiteIndex::page_values`), one copy rather than two.
    pub(super) fn take_page_extra(&mut self) -> Map<String, Value> {
        match &mut self.kind {
            Kind::Page(f) => std::mem::take(&mut f.extra),
            Kind::Section(_) => Map::new(),
        }
    }

    pub fn template(&self) -> &Option<String> {
        match &self.kind {
            Kind::Page(f) => &f.template,
            Kind::Section(f) => &f.template,
        }
    }

    pub fn section(&self) -> Option<&SectionFront> {
        match &self.kind {
            Kind::Section(f) => Some(f),
            Kind::Page(_) => None,
        }
    }

    pub fn page(&self) -> Option<&PageFront> {
        match &self.kind {
            Kind::Page(f) => Some(f),
            Kind::Section(_) => None,
        }
    }

    /// `date` as Zola gives it to templates (a string).
    pub fn date(&self) -> Option<String> {
        self.page().and_then(|f| f.date.as_ref()).map(toml_scalar)
    }

    pub fn updated(&self) -> Option<String> {
        self.page()
            .and_then(|f| f.updated.as_ref())
            .map(toml_scalar)
    }

    pub fn is_root_section(&self) -> bool {
        self.is_section() && self.dir.is_empty()
    }
}

/// Reads every content file (disk and memory, one path order) into documents, drafts
/// removed, Markdown rendered.
pub(super) fn load_docs(
    site_dir: &Path,
    config: &SiteConfig,
    memory: Vec<ContentFile>,
) -> Result<Vec<Doc>, ZolaError> {
    let content_dir = site_dir.join("content");
    let in_memory: HashSet<String> = memory.iter().map(|f| f.path.clone()).collect();
    let mut files: Vec<(String, Option<ContentFile>)> = markdown_files(&content_dir)?
        .into_iter()
        .filter(|rel| !in_memory.contains(rel.as_str()))
        .map(|rel| (rel, None))
        .collect();
    drop(in_memory);
    // Moved, not copied: at 200 000 pages each copy of the front matter is gigabytes.
    files.extend(memory.into_iter().map(|f| (f.path.clone(), Some(f))));
    files.par_sort_unstable_by(|a, b| a.0.cmp(&b.0));
    let docs: Result<Vec<Option<Doc>>, ZolaError> = files
        .into_par_iter()
        .map(|(rel, memory)| {
            let path = content_dir.join(&rel);
            match memory {
                Some(file) => make_doc(&rel, &path, file.front, file.body, config),
                None => {
                    let text = read(&path)?;
                    let (front, body) = split_front_matter(&text)
                        .ok_or_else(|| ZolaError::NoFrontMatter { path: path.clone() })?;
                    let mut front: Value = toml::from_str::<toml::Value>(front)
                        .map_err(|e| e.to_string())
                        .and_then(|v| serde_json::to_value(v).map_err(|e| e.to_string()))
                        .map_err(|message| ZolaError::FrontMatter {
                            path: path.clone(),
                            message,
                        })?;
                    fix_toml_dates(&mut front);
                    make_doc(&rel, &path, front, body.to_string(), config)
                }
            }
        })
        .collect();
    let mut docs: Vec<Doc> = docs?.into_iter().flatten().collect();
    drop_drafts(&mut docs);
    add_default_roots(&mut docs, &content_dir, config);
    let links: HashMap<String, String> = docs
        .iter()
        .map(|d| (d.relative_path.clone(), d.permalink.clone()))
        .collect();
    let settings = markdown::Settings::of(config);
    docs.par_iter_mut().try_for_each(|doc| {
        let (html, targets) = markdown::render(&doc.body, &links, &settings).map_err(|link| {
            ZolaError::BrokenLink {
                path: content_dir.join(&doc.relative_path),
                link,
            }
        })?;
        doc.content = html;
        doc.links = targets;
        Ok::<(), ZolaError>(())
    })?;
    Ok(docs)
}

/// Drafts are not built; a draft section takes its whole folder with it.
fn drop_drafts(docs: &mut Vec<Doc>) {
    let drafted: Vec<String> = docs
        .iter()
        .filter(|d| d.section().is_some_and(|s| s.draft))
        .map(|d| format!("{}/", d.dir))
        .collect();
    docs.retain(|d| {
        let draft = match &d.kind {
            Kind::Page(f) => f.draft,
            Kind::Section(f) => f.draft,
        };
        let inside = |prefix: &String| {
            let own = format!("{}/", d.dir);
            if d.is_section() {
                own != *prefix && own.starts_with(prefix.as_str())
            } else {
                own.starts_with(prefix.as_str())
            }
        };
        !draft && !drafted.iter().any(inside)
    });
}

/// Zola renders a root section for every language even without its `_index.md`.
fn add_default_roots(docs: &mut Vec<Doc>, content_dir: &Path, config: &SiteConfig) {
    for lang in config.all_languages() {
        if docs.iter().any(|d| d.is_root_section() && d.lang == lang) {
            continue;
        }
        let (rel, path) = if lang == config.default_language {
            ("_index.md".to_string(), "/".to_string())
        } else {
            // Zola's own default gives this section a path without the leading slash.
            (format!("_index.{lang}.md"), format!("{lang}/"))
        };
        let permalink = if lang == config.default_language {
            config.permalink("")
        } else {
            config.permalink(&lang)
        };
        docs.push(Doc {
            file_path: content_dir.join(&rel).to_string_lossy().into_owned(),
            relative_path: rel,
            dir: String::new(),
            name: "_index".into(),
            lang,
            kind: Kind::Section(SectionFront::default()),
            body: String::new(),
            path,
            permalink,
            slug: String::new(),
            content: String::new(),
            links: Vec::new(),
            datetime: None,
            updated_datetime: None,
            word_count: 0,
        });
    }
    docs.sort_by(|a, b| a.relative_path.cmp(&b.relative_path));
}

/// A document from its path under `content/`, front matter (as a value) and body; `None` for
/// a section index in a language the site does not have (Zola skips those).
fn make_doc(
    rel: &str,
    path: &Path,
    front: Value,
    body: String,
    config: &SiteConfig,
) -> Result<Option<Doc>, ZolaError> {
    let front_error = |message: String| ZolaError::FrontMatter {
        path: path.to_path_buf(),
        message,
    };
    let (dir, file) = match rel.rsplit_once('/') {
        Some((dir, file)) => (dir.to_string(), file),
        None => (String::new(), rel),
    };
    let stem = file.trim_end_matches(".md");
    let is_section = stem == "_index" || stem.starts_with("_index.");
    // As Zola: the text after the first `.` of the file stem is its language.
    // A name in the default language keeps its code (Zola's quirk: `about.uk.md` is `about-uk`).
    let (name, lang) = match stem.split_once('.') {
        _ if !config.is_multilingual() && !is_section => {
            (stem.to_string(), config.default_language.clone())
        }
        None => (stem.to_string(), config.default_language.clone()),
        Some((_, lang)) if lang == config.default_language => (stem.to_string(), lang.to_string()),
        Some((name, lang)) if config.is_language(lang) => (name.to_string(), lang.to_string()),
        Some(_) if is_section => return Ok(None),
        Some((_, lang)) => {
            return Err(front_error(format!(
                "the file name has the language code `{lang}`, which is not in config.toml's \
                 `languages` (Zola reads the text after the first `.` of a file name as its \
                 language: use `-` instead of `.` in file names)"
            )))
        }
    };
    if body.contains("<!-- more -->") {
        return Err(front_error(
            "a summary (`<!-- more -->`) is not emulated by the built-in renderer; remove it \
             or build with `--engine zola`"
                .into(),
        ));
    }
    let components: Vec<&str> = dir.split('/').filter(|c| !c.is_empty()).collect();
    let prefix = if lang == config.default_language {
        String::new()
    } else {
        format!("/{lang}")
    };
    let kind = if is_section {
        let f = SectionFront::deserialize(front).map_err(|e| front_error(e.to_string()))?;
        let unsupported = [
            (!f.render, "render = false"),
            (f.redirect_to.is_some(), "redirect_to"),
            (f.transparent, "transparent"),
            (!f.aliases.is_empty(), "aliases"),
            (f.generate_feeds, "generate_feeds"),
            (f.insert_anchor_links.is_some(), "insert_anchor_links"),
        ];
        check_supported(&unsupported, &front_error)?;
        Kind::Section(f)
    } else {
        let f = PageFront::deserialize(front).map_err(|e| front_error(e.to_string()))?;
        if f.slug.as_deref() == Some("") || f.path.as_deref() == Some("") {
            return Err(front_error(
                "`slug` and `path` can't be empty if present".into(),
            ));
        }
        let unsupported = [
            (!f.render, "render = false"),
            (!f.aliases.is_empty(), "aliases"),
            (!f.taxonomies.is_empty(), "taxonomies"),
        ];
        check_supported(&unsupported, &front_error)?;
        Kind::Page(f)
    };
    let (slug, url_path) = match &kind {
        Kind::Section(_) => {
            let joined = components.join("/");
            let url = if joined.is_empty() {
                format!("{prefix}/")
            } else {
                format!("{prefix}/{joined}/")
            };
            (String::new(), url)
        }
        Kind::Page(f) => {
            let slug = config
                .slugify
                .paths
                .apply(f.slug.as_deref().unwrap_or(&name));
            let mut url = match &f.path {
                Some(custom) => {
                    let custom = custom.trim();
                    if custom.starts_with('/') {
                        custom.to_string()
                    } else {
                        format!("/{custom}")
                    }
                }
                None => {
                    let mut inner = if components.is_empty() {
                        slug.clone()
                    } else {
                        format!("{}/{slug}", components.join("/"))
                    };
                    if lang != config.default_language {
                        inner = format!("{lang}/{inner}");
                    }
                    format!("/{inner}")
                }
            };
            if !url.ends_with('/') {
                url.push('/');
            }
            (slug, url)
        }
    };
    let (datetime, updated_datetime) = match &kind {
        Kind::Page(f) => (
            f.date
                .as_ref()
                .map(toml_scalar)
                .and_then(|d| parse_datetime(&d)),
            f.updated
                .as_ref()
                .map(toml_scalar)
                .and_then(|d| parse_datetime(&d)),
        ),
        Kind::Section(_) => (None, None),
    };
    Ok(Some(Doc {
        relative_path: rel.to_string(),
        file_path: path.to_string_lossy().into_owned(),
        dir,
        name,
        lang,
        kind,
        word_count: word_count(&body),
        body,
        permalink: config.permalink(&url_path),
        path: url_path,
        slug,
        content: String::new(),
        links: Vec::new(),
        datetime,
        updated_datetime,
    }))
}

fn check_supported(
    settings: &[(bool, &str)],
    error: &dyn Fn(String) -> ZolaError,
) -> Result<(), ZolaError> {
    match settings.iter().find(|(set, _)| *set) {
        Some((_, name)) => Err(error(format!(
            "`{name}` is not emulated by the built-in renderer; remove it or build with \
             `--engine zola`"
        ))),
        None => Ok(()),
    }
}

/// Zola's word count: Unicode words outside code fences.
fn word_count(body: &str) -> usize {
    body.split("```")
        .step_by(2)
        .map(|part| part.unicode_words().count())
        .sum()
}

/// A front-matter date as Zola parses it (RFC 3339, without an offset read as UTC, or a bare
/// date at midnight UTC), in seconds since the epoch.
pub(super) fn parse_datetime(text: &str) -> Option<i64> {
    use chrono::{DateTime, NaiveDate};
    DateTime::parse_from_rfc3339(text)
        .or_else(|_| DateTime::parse_from_rfc3339(&format!("{text}Z")))
        .map(|d| d.timestamp())
        .ok()
        .or_else(|| {
            NaiveDate::parse_from_str(text, "%Y-%m-%d")
                .ok()
                .and_then(|d| d.and_hms_opt(0, 0, 0))
                .map(|d| d.and_utc().timestamp())
        })
}

/// TOML dates in front matter are strings to templates (`toml` gives them to serde as a
/// one-key table).
fn fix_toml_dates(value: &mut Value) {
    const KEY: &str = "$__toml_private_datetime";
    match value {
        Value::Object(map) => {
            if map.len() == 1 {
                if let Some(Value::String(s)) = map.get(KEY) {
                    *value = Value::String(s.clone());
                    return;
                }
            }
            map.values_mut().for_each(fix_toml_dates);
        }
        Value::Array(items) => items.iter_mut().for_each(fix_toml_dates),
        _ => {}
    }
}

pub(super) fn toml_scalar(value: &toml::Value) -> String {
    match value {
        toml::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Every `.md` file under `dir` but hidden ones, as paths relative to it, sorted.
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
            let hidden = entry.file_name().to_string_lossy().starts_with('.');
            if path.is_dir() {
                stack.push(path);
            } else if !hidden && path.extension().is_some_and(|e| e == "md") {
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
pub(super) fn split_front_matter(text: &str) -> Option<(&str, &str)> {
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
    fn dates_parse_as_zola_parses_them() {
        assert_eq!(parse_datetime("1970-01-02"), Some(86_400));
        assert_eq!(parse_datetime("1970-01-01T00:01:00"), Some(60));
        assert_eq!(parse_datetime("1970-01-01T01:00:00+01:00"), Some(0));
        assert_eq!(parse_datetime("not a date"), None);
    }

    #[test]
    fn toml_dates_become_strings() {
        let mut value = serde_json::to_value(
            toml::from_str::<toml::Value>("[extra]\nwhen = 2024-01-05\n").unwrap(),
        )
        .unwrap();
        fix_toml_dates(&mut value);
        assert_eq!(value["extra"]["when"], "2024-01-05");
    }

    #[test]
    fn words_are_counted_outside_code() {
        assert_eq!(word_count("Про портал ```code here``` і ще"), 4);
    }
}
