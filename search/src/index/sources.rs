//! What gets indexed: reads the PUBLISHED files of a layout (never raw data, so nothing the
//! anonymiser removed can reach the index) and editorial pages, and turns them into
//! [`SearchDoc`]s. Resources are recognised by their columns, not by dataset names, so a
//! city's own register or budget programme is indexed the same way.

use std::collections::HashMap;
use std::fs;
use std::path::{Path, PathBuf};

use super::IndexError;
use crate::datapackage::{Package, ResourceKind};
use crate::{urls, Layout};

/// The kinds of things one can find.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DocType {
    /// A document of the public-information register.
    Document,
    /// An anonymised citizen appeal.
    Appeal,
    /// A dataset: its metadata and column descriptions.
    Dataset,
    /// A budget programme measure.
    Measure,
    /// A budget programme indicator (KPI).
    Kpi,
    /// An editorial page.
    Page,
}

impl DocType {
    pub const ALL: [DocType; 6] = [
        DocType::Document,
        DocType::Appeal,
        DocType::Dataset,
        DocType::Measure,
        DocType::Kpi,
        DocType::Page,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            DocType::Document => "document",
            DocType::Appeal => "appeal",
            DocType::Dataset => "dataset",
            DocType::Measure => "measure",
            DocType::Kpi => "kpi",
            DocType::Page => "page",
        }
    }
}

/// One searchable thing.
#[derive(Debug, Clone, PartialEq, Hash)]
pub struct SearchDoc {
    pub doc_type: DocType,
    /// Unique within its type.
    pub id: String,
    pub title: String,
    pub body: String,
    /// The site page that shows it.
    pub url: String,
    /// `uk` or `en`.
    pub language: String,
    pub years: Vec<i64>,
    pub district: Option<String>,
    pub category: Option<String>,
    pub status: Option<String>,
    pub dataset: Option<String>,
}

impl SearchDoc {
    fn new(doc_type: DocType, id: String, title: String, url: String) -> SearchDoc {
        SearchDoc {
            doc_type,
            id,
            title,
            body: String::new(),
            url,
            language: "uk".into(),
            years: Vec::new(),
            district: None,
            category: None,
            status: None,
            dataset: None,
        }
    }
}

/// Reads every searchable thing of `layout` and `content_dir`, calling `emit` for each (the
/// 1M-appeal file is streamed, never held in memory).
pub fn read_documents(
    layout: &Layout,
    content_dir: Option<&Path>,
    emit: &mut dyn FnMut(SearchDoc) -> Result<(), IndexError>,
) -> Result<(), IndexError> {
    // The site renders pages for the portal's first appeals resource only (`site::appeals`);
    // the appeals of any other link to their rows.
    let mut appeal_pages = true;
    for name in catalog_names(layout)? {
        let path = layout.package_file(&name);
        let package: Package = read_json(&path)?;
        for doc in dataset_docs(&name, &package) {
            emit(doc)?;
        }
        let topic = package.topic.as_deref().unwrap_or("");
        for resource in &package.resources {
            let csv = layout.resource_csv(&name, &resource.name);
            if csv.is_file() && !resource.private && !package.private {
                let pages = appeal_pages;
                appeal_pages &= package.kind_of(resource) != Some(ResourceKind::Appeals);
                read_resource(&name, topic, &resource.name, &csv, pages, emit)?;
            }
        }
    }
    if let Some(dir) = content_dir {
        for doc in page_docs(dir)? {
            emit(doc)?;
        }
    }
    Ok(())
}

fn read_json<T: serde::de::DeserializeOwned>(path: &Path) -> Result<T, IndexError> {
    let bytes = fs::read(path).map_err(|source| IndexError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    serde_json::from_slice(&bytes).map_err(|source| IndexError::Json {
        path: path.to_path_buf(),
        source,
    })
}

/// One entry of `data/catalog.json`.
#[derive(serde::Deserialize)]
struct CatalogEntry {
    name: String,
}

fn catalog_names(layout: &Layout) -> Result<Vec<String>, IndexError> {
    let catalog: Vec<CatalogEntry> = read_json(&layout.catalog_file())?;
    Ok(catalog.into_iter().map(|entry| entry.name).collect())
}

/// The text in `language`: the English one (`…_en`) for `en`, else the Ukrainian one.
fn in_language<'a>(language: &str, uk: &'a str, en: &'a str) -> &'a str {
    if language == "en" {
        en
    } else {
        uk
    }
}

/// The dataset itself, in Ukrainian and (when it has an English title) in English: title,
/// description, keywords, and every column with its description.
fn dataset_docs(name: &str, package: &Package) -> Vec<SearchDoc> {
    let mut docs = Vec::new();
    for language in ["uk", "en"] {
        let text = |uk: &'_ str, en: &'_ str| in_language(language, uk, en).to_string();
        let title = text(&package.title, &package.title_en);
        if title.is_empty() {
            continue;
        }
        let mut body = vec![text(&package.description, &package.description_en)];
        body.extend(
            if language == "uk" {
                &package.keywords
            } else {
                &package.keywords_en
            }
            .iter()
            .cloned(),
        );
        for resource in &package.resources {
            body.push(text(&resource.title, &resource.title_en));
            body.push(text(&resource.description, &resource.description_en));
            for field in resource.fields() {
                let description = text(&field.description, &field.description_en);
                body.push(format!("{}: {description}", field.name));
            }
        }
        let mut doc = SearchDoc::new(
            DocType::Dataset,
            if language == "uk" {
                name.to_string()
            } else {
                format!("{name}@en")
            },
            title,
            urls::dataset(language, name),
        );
        doc.body = body
            .into_iter()
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join("\n");
        doc.language = language.into();
        doc.dataset = Some(name.to_string());
        if let Some(topic) = package.topic.as_deref().filter(|t| !t.is_empty()) {
            doc.category = Some(topic.to_string());
        }
        docs.push(doc);
    }
    docs
}

/// One CSV row with its header, for reading columns by name, in one language: in English a
/// column with an English sibling (`title` + `title_en`) reads the sibling.
struct Row<'a> {
    columns: &'a HashMap<String, usize>,
    record: &'a csv::StringRecord,
    language: &'static str,
}

impl Row<'_> {
    fn get(&self, column: &str) -> &str {
        let english = (self.language == "en")
            .then(|| self.columns.get(&format!("{column}_en")))
            .flatten();
        english
            .or_else(|| self.columns.get(column))
            .and_then(|&i| self.record.get(i))
            .map(str::trim)
            .unwrap_or("")
    }

    /// Whether `column` has text in this row's language (the default language always does;
    /// English only where the data gives the `_en` column a value).
    fn has_text_in_language(&self, column: &str) -> bool {
        self.language == "uk"
            || self
                .columns
                .get(&format!("{column}_en"))
                .and_then(|&i| self.record.get(i))
                .is_some_and(|v| !v.trim().is_empty())
    }

    /// A record id unique across languages (`<id>` in the default language, `<id>@en`).
    fn id_in_language(&self, id: String) -> String {
        if self.language == "uk" {
            id
        } else {
            format!("{id}@{}", self.language)
        }
    }

    fn opt(&self, column: &str) -> Option<String> {
        Some(self.get(column))
            .filter(|s| !s.is_empty())
            .map(str::to_string)
    }

    /// The non-empty values of `columns`, joined into one text.
    fn join(&self, columns: &[&str]) -> String {
        columns
            .iter()
            .map(|c| self.get(c))
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// Years named by non-empty, non-zero columns `<prefix>YYYY` (`amount_2024`).
    fn years_of(&self, prefix: &str) -> Vec<i64> {
        let mut years: Vec<i64> = self
            .columns
            .iter()
            .filter_map(|(name, &i)| {
                let year = name.strip_prefix(prefix)?.parse::<i64>().ok()?;
                let value = self.record.get(i)?.trim();
                (!value.is_empty() && value != "0").then_some(year)
            })
            .filter(|y| (1900..=2100).contains(y))
            .collect();
        years.sort_unstable();
        years
    }
}

fn read_resource(
    dataset: &str,
    topic: &str,
    resource: &str,
    path: &Path,
    appeal_pages: bool,
    emit: &mut dyn FnMut(SearchDoc) -> Result<(), IndexError>,
) -> Result<(), IndexError> {
    let csv_error = |row: u64, source: csv::Error| IndexError::Csv {
        path: path.to_path_buf(),
        row,
        source,
    };
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .from_path(path)
        .map_err(|e| csv_error(0, e))?;
    let columns: HashMap<String, usize> = reader
        .headers()
        .map_err(|e| csv_error(1, e))?
        .iter()
        .enumerate()
        .map(|(i, name)| (name.trim().to_string(), i))
        .collect();
    let Some(kind) = ResourceKind::of(Some(topic), |c| columns.contains_key(c)) else {
        return Ok(());
    };
    // Whether appeals have pages of their own depends on how many are published.
    let published = if kind == ResourceKind::Appeals && !appeal_pages {
        usize::MAX
    } else if kind == ResourceKind::Appeals {
        let mut counter = csv::ReaderBuilder::new()
            .flexible(true)
            .from_path(path)
            .map_err(|e| csv_error(0, e))?;
        let mut record = csv::ByteRecord::new();
        let mut n = 0;
        while counter
            .read_byte_record(&mut record)
            .map_err(|e| csv_error(n as u64 + 2, e))?
        {
            n += 1;
        }
        n
    } else {
        0
    };
    let mut record = csv::StringRecord::new();
    let mut row_number = 1;
    loop {
        row_number += 1;
        match reader.read_record(&mut record) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => return Err(csv_error(row_number, e)),
        }
        for language in ["uk", "en"] {
            let row = Row {
                columns: &columns,
                record: &record,
                language,
            };
            // Appeals are written by citizens in their language; the rest has an English
            // record where the data translates its title.
            let title = match kind {
                ResourceKind::Register => "title",
                ResourceKind::Appeals if language != "uk" => continue,
                ResourceKind::Appeals => "text",
                ResourceKind::Measures => "measure",
                ResourceKind::Kpis if columns.contains_key("indicator_label") => "indicator_label",
                ResourceKind::Kpis => "indicator",
            };
            if !row.has_text_in_language(title) {
                continue;
            }
            let doc = match kind {
                ResourceKind::Register => register_doc(dataset, &row),
                ResourceKind::Appeals => appeal_doc(dataset, resource, &row, published),
                ResourceKind::Measures => measure_doc(dataset, resource, &row, row_number),
                ResourceKind::Kpis => kpi_doc(dataset, resource, &row, row_number),
            };
            if let Some(mut doc) = doc {
                doc.language = language.into();
                emit(doc)?;
            }
        }
    }
    Ok(())
}

fn year_prefix(date: &str) -> Option<i64> {
    date.get(..4)?.parse().ok()
}

fn register_doc(dataset: &str, row: &Row) -> Option<SearchDoc> {
    let id = row.opt("document_id")?;
    let url = urls::register_document(row.language, &id);
    let mut doc = SearchDoc::new(
        DocType::Document,
        row.id_in_language(id),
        row.get("title").to_string(),
        url,
    );
    let number = row.get("number");
    let number = if number.is_empty() {
        String::new()
    } else {
        format!("№ {number}")
    };
    doc.body = [
        row.get("kind_label"),
        number.as_str(),
        row.get("date"),
        row.get("issuer"),
        row.get("status_label"),
        row.get("note"),
    ]
    .iter()
    .filter(|s| !s.is_empty())
    .copied()
    .collect::<Vec<_>>()
    .join(" · ");
    doc.years = year_prefix(row.get("date")).into_iter().collect();
    doc.category = row.opt("kind_label").or_else(|| row.opt("kind"));
    doc.status = row.opt("status_label").or_else(|| row.opt("status"));
    doc.dataset = Some(dataset.to_string());
    Some(doc)
}

fn appeal_doc(dataset: &str, resource: &str, row: &Row, published: usize) -> Option<SearchDoc> {
    let id = row.opt("id")?;
    let category = row.get("category");
    let place = [row.get("street"), row.get("district")]
        .iter()
        .filter(|s| !s.is_empty())
        .copied()
        .collect::<Vec<_>>()
        .join(", ");
    // A published appeal may have its category suppressed (k-anonymity): the title then
    // names what is left, never nothing.
    let what = if category.is_empty() {
        ["Звернення", row.get("channel"), row.get("year")]
            .iter()
            .filter(|s| !s.is_empty())
            .copied()
            .collect::<Vec<_>>()
            .join(" · ")
    } else {
        category.to_string()
    };
    let title = if place.is_empty() {
        what
    } else {
        format!("{what}: {place}")
    };
    let url = urls::appeal_record("uk", dataset, resource, &id, published);
    let mut doc = SearchDoc::new(DocType::Appeal, id, title, url);
    doc.body = row.join(&["text", "resolution"]);
    doc.years = row
        .get("year")
        .parse()
        .ok()
        .or_else(|| year_prefix(row.get("date")))
        .into_iter()
        .collect();
    doc.district = row.opt("district");
    doc.category = row.opt("category");
    doc.status = row.opt("status");
    doc.dataset = Some(dataset.to_string());
    Some(doc)
}

fn measure_doc(dataset: &str, resource: &str, row: &Row, row_number: u64) -> Option<SearchDoc> {
    let title = row.opt("measure")?;
    let id = row
        .opt("measure_id")
        .or_else(|| row.opt("position"))
        .unwrap_or_else(|| row_number.to_string());
    let url = urls::measure(row.language, dataset, &id);
    let mut doc = SearchDoc::new(
        DocType::Measure,
        row.id_in_language(format!("{dataset}/{resource}/{id}")),
        title,
        url,
    );
    doc.body = row.join(&[
        "goal",
        "task",
        "group",
        "executor",
        "funding_source_label",
        "term",
    ]);
    doc.years = row.years_of("amount_");
    doc.category = row.opt("funding_source_label");
    doc.dataset = Some(dataset.to_string());
    Some(doc)
}

fn kpi_doc(dataset: &str, resource: &str, row: &Row, row_number: u64) -> Option<SearchDoc> {
    // A key figure's `indicator` is a code; its words are in `indicator_label`.
    let title = row
        .opt("indicator_label")
        .or_else(|| row.opt("indicator"))?;
    let id = row
        .opt("kpi_id")
        .or_else(|| row.opt("indicator_id"))
        .unwrap_or_else(|| row_number.to_string());
    let url = match row.opt("measure_id") {
        Some(measure) => urls::measure(row.language, dataset, &measure),
        None => urls::programme(row.language, dataset),
    };
    let mut doc = SearchDoc::new(
        DocType::Kpi,
        row.id_in_language(format!("{dataset}/{resource}/{id}")),
        title,
        url,
    );
    doc.body = row.join(&["indicator_type_label", "unit", "note", "section"]);
    let mut years = row.years_of("value_");
    years.dedup();
    doc.years = years;
    doc.category = row.opt("indicator_type_label");
    doc.dataset = Some(dataset.to_string());
    Some(doc)
}

/// Editorial pages: `content/**/*.md` with TOML front matter; `about.en.md` is the English
/// page at `/en/about/`, `_index.md` the section itself.
fn page_docs(dir: &Path) -> Result<Vec<SearchDoc>, IndexError> {
    let mut files = Vec::new();
    collect_markdown(dir, &mut files)?;
    files.sort();
    let mut docs = Vec::new();
    for file in files {
        let text = fs::read_to_string(&file).map_err(|source| IndexError::Read {
            path: file.clone(),
            source,
        })?;
        let (front, body) = split_front_matter(&text);
        // Zola's own keys: drafts are not published, `in_search_index = false` pages (the
        // 404 pages) are not found by search.
        if front_value(front, "draft") == Some("true")
            || front_value(front, "in_search_index") == Some("false")
        {
            continue;
        }
        let relative = file.strip_prefix(dir).unwrap_or(&file);
        let (path, language) = page_path(relative);
        let title = front_value(front, "title").unwrap_or(&path).to_string();
        let url = if language == "en" {
            format!("/en{path}")
        } else {
            path.clone()
        };
        let mut doc = SearchDoc::new(DocType::Page, url.clone(), title, url);
        doc.body = markdown_text(body);
        doc.language = language.into();
        docs.push(doc);
    }
    Ok(docs)
}

fn collect_markdown(dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), IndexError> {
    let entries = fs::read_dir(dir).map_err(|source| IndexError::Read {
        path: dir.to_path_buf(),
        source,
    })?;
    for entry in entries {
        let path = entry
            .map_err(|source| IndexError::Read {
                path: dir.to_path_buf(),
                source,
            })?
            .path();
        if path.is_dir() {
            collect_markdown(&path, out)?;
        } else if path.extension().is_some_and(|e| e == "md") {
            out.push(path);
        }
    }
    Ok(())
}

/// `guides/x.en.md` → (`/guides/x/`, `en`); `_index.md` → (`/`, `uk`).
fn page_path(relative: &Path) -> (String, &'static str) {
    let mut parts: Vec<String> = relative
        .iter()
        .map(|p| p.to_string_lossy().into_owned())
        .collect();
    let file = parts.pop().unwrap_or_default();
    let stem = file.strip_suffix(".md").unwrap_or(&file);
    let (stem, language) = match stem.strip_suffix(".en") {
        Some(s) => (s, "en"),
        None => (stem, "uk"),
    };
    if stem != "_index" {
        parts.push(stem.to_string());
    }
    let mut path = String::from("/");
    for part in parts {
        path.push_str(&part);
        path.push('/');
    }
    (path, language)
}

fn split_front_matter(text: &str) -> (&str, &str) {
    for fence in ["+++", "---"] {
        if let Some(rest) = text.strip_prefix(fence) {
            if let Some(end) = rest.find(&format!("\n{fence}")) {
                let body = &rest[end + 1 + fence.len()..];
                return (&rest[..end], body);
            }
        }
    }
    ("", text)
}

/// A top-level `key = "value"` (TOML) or `key: value` (YAML) of the front matter.
fn front_value<'a>(front: &'a str, key: &str) -> Option<&'a str> {
    front.lines().find_map(|line| {
        let rest = line.trim().strip_prefix(key)?.trim_start();
        let value = rest.strip_prefix('=').or_else(|| rest.strip_prefix(':'))?;
        Some(value.trim().trim_matches('"'))
    })
}

/// Markdown reduced to its words: link targets, emphasis and heading marks dropped.
fn markdown_text(markdown: &str) -> String {
    let mut out = String::with_capacity(markdown.len());
    let mut chars = markdown.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            ']' if chars.peek() == Some(&'(') => {
                for c in chars.by_ref() {
                    if c == ')' {
                        break;
                    }
                }
            }
            '[' | ']' | '*' | '_' | '#' | '>' | '`' => {}
            _ => out.push(c),
        }
    }
    out.trim().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_paths() {
        assert_eq!(page_path(Path::new("about.md")), ("/about/".into(), "uk"));
        assert_eq!(
            page_path(Path::new("about.en.md")),
            ("/about/".into(), "en")
        );
        assert_eq!(page_path(Path::new("_index.md")), ("/".into(), "uk"));
        assert_eq!(
            page_path(Path::new("guides/_index.en.md")),
            ("/guides/".into(), "en")
        );
    }

    #[test]
    fn markdown_to_text() {
        assert_eq!(
            markdown_text("## Про **портал** і [API](https://x/y)"),
            " Про портал і API".trim()
        );
        let (front, body) = split_front_matter("+++\ntitle = \"Про\"\n+++\n\nТекст");
        assert_eq!(front_value(front, "title"), Some("Про"));
        assert_eq!(body.trim(), "Текст");
    }
}
