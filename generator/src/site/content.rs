//! The generated Zola content: one Markdown page with TOML front matter per dataset,
//! programme, measure and register document, plus the catalogue, register, appeals, search
//! and developers sections, in both languages, under `<build>/site/content/`. Each page kind
//! has a typed `extra` struct (what its template reads as `page.extra` / `section.extra`).
//! Reading the published files is done here; the budget figures are `budget`'s, the appeals
//! figures `appeals`'; rendering is `zola`'s.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use anyhow::Context;
use rayon::prelude::*;
use serde::Serialize;
use serde_json::{json, Value};
use vidkryto_search::{urls, Layout};

use super::charts::BarChart;
use super::kinds::{self, PageKind};
use super::labels::{cell, columns, Labels};
use super::numbers::Amount;
use crate::catalog::{Field, Package, Resource};
use crate::config::Config;
use crate::validate::report::PublishedReport;

/// The languages every generated page is written in: the default first.
pub const LANGS: [&str; 2] = ["uk", "en"];

/// Picks the Ukrainian or English text (English falls back to Ukrainian when missing).
pub fn pick<'a>(lang: &str, uk: &'a str, en: &'a str) -> &'a str {
    if lang == "en" && !en.is_empty() {
        en
    } else {
        uk
    }
}

/// The content file name for `stem` in `lang` (`x.md`, `x.en.md`).
pub fn file_name(stem: &str, lang: &str) -> String {
    if lang == LANGS[0] {
        format!("{stem}.md")
    } else {
        format!("{stem}.{lang}.md")
    }
}

/// URL path of a site page in `lang` (`/datasets/x/`, `/en/datasets/x/`); see
/// `vidkryto_search::urls`, which builds every public path.
pub fn url(lang: &str, path: &str) -> String {
    urls::page(lang, path)
}

/// Writes `bytes` to `path` unless it already holds them, in which case only its
/// modification time is refreshed (so `prune_stale` keeps it). Rewriting 100 000 unchanged
/// pages would cost an inode each; comparing costs a read.
pub fn write_file(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    if let Ok(existing) = std::fs::read(path) {
        if existing == bytes {
            let touched = std::fs::File::options()
                .write(true)
                .open(path)
                .and_then(|f| f.set_modified(std::time::SystemTime::now()));
            if touched.is_ok() {
                return Ok(());
            }
        }
    }
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("cannot create `{}`", parent.display()))?;
    }
    std::fs::write(path, bytes).with_context(|| format!("cannot write `{}`", path.display()))
}

/// Removes files under `dir` not written (or refreshed) since `since`: pages of deleted
/// datasets or documents must not outlive them.
pub fn prune_stale(dir: &Path, since: std::time::SystemTime) -> anyhow::Result<()> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Ok(());
    };
    for entry in entries {
        let entry = entry.with_context(|| format!("cannot read `{}`", dir.display()))?;
        let path = entry.path();
        if path.is_dir() {
            prune_stale(&path, since)?;
        } else {
            let modified = entry.metadata().and_then(|m| m.modified()).ok();
            if modified.is_some_and(|m| m < since) {
                std::fs::remove_file(&path)
                    .with_context(|| format!("cannot remove stale `{}`", path.display()))?;
            }
        }
    }
    Ok(())
}

/// The front matter of a generated file.
#[derive(Serialize)]
pub struct Front<'a, T: Serialize> {
    pub title: &'a str,
    #[serde(skip_serializing_if = "str::is_empty")]
    pub description: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub date: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub weight: Option<i64>,
    pub template: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sort_by: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub paginate_by: Option<usize>,
    pub extra: &'a T,
}

/// Writes `content/<rel>` with `front` and `body`.
pub fn write_page<T: Serialize>(
    content_dir: &Path,
    rel: &str,
    front: &Front<'_, T>,
    body: &str,
) -> anyhow::Result<()> {
    let toml = toml::to_string(front)
        .with_context(|| format!("cannot write the front matter of `{rel}`"))?;
    let path = content_dir.join(rel);
    let text = format!("+++\n{toml}+++\n{body}");
    write_file(&path, text.as_bytes())
}

/// A CSV read as strings.
#[derive(Debug, Clone, Default)]
pub struct Table {
    pub headers: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

impl Table {
    /// Reads a published CSV.
    pub fn read(path: &Path) -> anyhow::Result<Table> {
        let mut reader = csv::Reader::from_path(path)
            .with_context(|| format!("cannot read `{}`", path.display()))?;
        let headers = reader
            .headers()
            .with_context(|| format!("`{}`: bad header row", path.display()))?
            .iter()
            .map(str::to_string)
            .collect();
        let mut rows = Vec::new();
        for (i, record) in reader.records().enumerate() {
            let record = record
                .with_context(|| format!("`{}`: bad CSV at row {}", path.display(), i + 2))?;
            rows.push(record.iter().map(str::to_string).collect());
        }
        Ok(Table { headers, rows })
    }

    pub fn column(&self, name: &str) -> Option<usize> {
        self.headers.iter().position(|h| h == name)
    }

    /// The cell of `row` in column `name`, or `""`.
    pub fn get<'a>(&'a self, row: &'a [String], name: &str) -> &'a str {
        self.column(name)
            .and_then(|i| row.get(i))
            .map_or("", String::as_str)
    }

    /// Column `name` of `row` with its English sibling `<name>_en`, when the table has one.
    pub fn words(&self, row: &[String], name: &str) -> Words {
        Words {
            text: self.get(row, name).to_string(),
            en: self.get(row, &format!("{name}_en")).to_string(),
        }
    }
}

/// A text of the data in the default language, and in English where the data gives it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Words {
    pub text: String,
    pub en: String,
}

impl Words {
    /// The same text in every language (a code, a name without translation).
    pub fn same(text: impl Into<String>) -> Words {
        Words {
            text: text.into(),
            en: String::new(),
        }
    }

    /// The text for `lang` (English falls back to the default language's).
    pub fn get(&self, lang: &str) -> &str {
        pick(lang, &self.text, &self.en)
    }

    pub fn is_empty(&self) -> bool {
        self.text.is_empty()
    }

    /// Both texts with `prefix` before them (`2.1 Назва`, `2.1 Title`).
    pub fn prefixed(&self, prefix: &str) -> Words {
        let join = |t: &str| {
            if t.is_empty() {
                String::new()
            } else {
                format!("{prefix} {t}")
            }
        };
        Words {
            text: join(&self.text),
            en: join(&self.en),
        }
    }
}

/// A chart as pages reference it: where its SVG and CSV are, for `load_data` and links.
#[derive(Debug, Clone, Serialize)]
pub struct ChartRef {
    /// Element id, unique on the page.
    pub id: String,
    /// Caption.
    pub title: String,
    /// SVG file, relative to the site folder (for `load_data(format="plain")`).
    pub svg: String,
    /// CSV file, relative to the site folder (for `load_data`).
    pub csv: String,
    /// URL of the SVG download.
    pub svg_url: String,
    /// URL of the CSV download.
    pub csv_url: String,
    /// The chart's data table for readers: the CSV's header and rows with numbers formatted
    /// in the page's language (`3 301 953,5`); the CSV download keeps plain numbers.
    pub table_headers: Vec<String>,
    pub table_rows: Vec<Vec<String>>,
}

/// The chart CSV as a formatted table (header, rows).
fn display_table(csv_text: &str, lang: &str) -> (Vec<String>, Vec<Vec<String>>) {
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(csv_text.as_bytes());
    let headers = reader
        .headers()
        .map(|h| h.iter().map(str::to_string).collect())
        .unwrap_or_default();
    let rows = reader
        .records()
        .filter_map(Result::ok)
        .map(|record| {
            record
                .iter()
                .enumerate()
                .map(|(i, cell)| {
                    if i == 0 {
                        return cell.to_string();
                    }
                    match Amount::parse(cell) {
                        Some(v) => {
                            let decimals = cell.split_once('.').map_or(0, |(_, d)| d.len());
                            v.format(decimals, lang)
                        }
                        None => cell.to_string(),
                    }
                })
                .collect()
        })
        .collect();
    (headers, rows)
}

/// What a downloaded chart says of itself below the picture: where its figures come from
/// and under which licence, so a copied SVG or PNG still credits its source.
#[derive(Debug, Clone, Default)]
pub struct ChartCredit {
    pub lines: Vec<String>,
}

impl ChartCredit {
    /// The package's source documents (with their dates) and licence, in `lang`.
    pub fn of(package: &Package, labels: &Labels, lang: &str) -> ChartCredit {
        let mut documents: Vec<String> = Vec::new();
        for source in &package.sources {
            let info = source_info(source, lang);
            let text = if info.date.is_empty() {
                info.title
            } else {
                format!("{}, {}", info.title, info.date_text)
            };
            if !documents.contains(&text) {
                documents.push(text);
            }
        }
        let licence = package
            .licenses
            .first()
            .map(|l| l.title.clone().unwrap_or_else(|| l.name.clone()))
            .unwrap_or_default();
        let mut lines: Vec<String> = documents
            .into_iter()
            .map(|d| format!("{}: {d}", labels.ui(lang, "chart_source")))
            .collect();
        if !licence.is_empty() {
            lines.push(format!("{}: {licence}", labels.ui(lang, "licence")));
        }
        ChartCredit { lines }
    }
}

/// Writes `chart` as `static/charts/<id>.<lang>.svg|csv` and returns its reference.
pub fn write_chart(
    site_dir: &Path,
    chart: &BarChart,
    credit: &ChartCredit,
    lang: &str,
) -> anyhow::Result<ChartRef> {
    let svg = chart.svg(lang)?;
    save_chart(
        site_dir,
        &chart.id,
        &chart.title,
        &svg,
        &chart.csv(),
        credit,
        lang,
    )
}

/// Saves an already drawn chart and its CSV: the page shows the picture as drawn (its
/// figure has a caption and the source nearby); the download adds the title above it and
/// the credit below, for readers who take the file away.
pub fn save_chart(
    site_dir: &Path,
    id: &str,
    title: &str,
    svg: &str,
    csv: &str,
    credit: &ChartCredit,
    lang: &str,
) -> anyhow::Result<ChartRef> {
    let base = format!("static/charts/{id}.{lang}");
    let inline = format!("charts/{id}.{lang}.svg");
    write_file(&site_dir.join(&inline), svg.as_bytes())?;
    write_file(
        &site_dir.join(format!("{base}.svg")),
        super::charts::with_caption(svg, title, &credit.lines).as_bytes(),
    )?;
    write_file(&site_dir.join(format!("{base}.csv")), csv.as_bytes())?;
    let (table_headers, table_rows) = display_table(csv, lang);
    Ok(ChartRef {
        table_headers,
        table_rows,
        id: id.to_string(),
        title: title.to_string(),
        svg: inline,
        csv: format!("{base}.csv"),
        svg_url: format!("/charts/{id}.{lang}.svg"),
        csv_url: format!("/charts/{id}.{lang}.csv"),
    })
}

// ---------------------------------------------------------------------------------------
// Dataset pages and the catalogue
// ---------------------------------------------------------------------------------------

/// `page.extra` of a dataset page (`templates/dataset.html`).
#[derive(Debug, Serialize)]
pub struct DatasetExtra {
    /// The dataset's name: its URL slug and API id.
    pub name: String,
    /// Catalogue topic code (`budget`, `appeals`, …).
    pub topic: String,
    /// Who publishes the data.
    pub publisher: String,
    /// Licence name (SPDX-like, e.g. `CC-BY-4.0`).
    pub licence: String,
    /// Licence title, if the package gives one.
    pub licence_title: String,
    /// Licence URL, if the package gives one.
    pub licence_url: String,
    /// Last change of the data (ISO date).
    pub modified: String,
    /// Package version.
    pub version: String,
    /// Keywords.
    pub keywords: Vec<String>,
    /// Source documents with the section the figures come from.
    pub sources: Vec<SourceInfo>,
    /// Every published resource with its schema and preview.
    pub resources: Vec<ResourceInfo>,
    /// `datapackage.json` URL.
    pub package_url: String,
    /// GeoJSON download for spatial datasets.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub geojson_url: Option<String>,
    /// API endpoints for this dataset.
    pub api: Vec<Link>,
    /// The validation summary, when the validation report exists.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub validation: Option<ValidationSummary>,
    /// The privacy report in sentences, for datasets published through anonymisation.
    pub privacy: Vec<String>,
    /// Related site pages (budget explorer, appeals dashboard, register).
    pub related: Vec<Link>,
    /// schema.org `Dataset` JSON-LD (already serialized, `</` escaped).
    pub jsonld: String,
    /// "How to cite" text.
    pub cite: String,
}

/// A source document, once, with every section the dataset's figures come from.
#[derive(Debug, Clone, Serialize)]
pub struct SourceInfo {
    /// Document title.
    pub title: String,
    /// The headings or tables the figures come from.
    pub sections: Vec<String>,
    /// The official text (`url`, or a `path` that is a web address); empty when unknown.
    pub url: String,
    /// The document's own date (ISO), and as the page's language writes it.
    pub date: String,
    pub date_text: String,
    /// The document's record in the public-information register (`register`: its id).
    pub register_url: String,
    /// Where `vidkryto pull` got it, when, its hash and whether the last pull succeeded.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub provenance: Option<crate::pull::provenance::SourceProvenance>,
}

/// The package's sources as documents: one entry per document (title, address and date),
/// listing each section the figures come from, in the order the package names them.
fn source_documents(
    package: &Package,
    lang: &str,
    shown: &dyn Fn(&str) -> bool,
) -> Vec<SourceInfo> {
    let mut documents: Vec<SourceInfo> = Vec::new();
    for source in &package.sources {
        let mut info = source_info(source, lang);
        // Only a record the portal publishes: a link must open.
        let listed = source
            .extra
            .get("register")
            .and_then(Value::as_str)
            .is_some_and(shown);
        if !listed {
            info.register_url.clear();
        }
        let same = documents
            .iter_mut()
            .find(|d| d.title == info.title && d.url == info.url && d.date == info.date);
        match same {
            Some(document) => {
                for section in info.sections {
                    if !document.sections.contains(&section) {
                        document.sections.push(section);
                    }
                }
            }
            None => documents.push(info),
        }
    }
    documents
}

fn source_info(source: &crate::catalog::Source, lang: &str) -> SourceInfo {
    let extra = |key: &str| source.extra.get(key).and_then(Value::as_str).unwrap_or("");
    let web = |url: &str| url.starts_with("https://") || url.starts_with("http://");
    let url = [extra("url"), source.path.as_deref().unwrap_or("")]
        .into_iter()
        .find(|u| web(u))
        .unwrap_or("")
        .to_string();
    let date = extra("date").to_string();
    SourceInfo {
        title: pick(lang, &source.title, extra("title_en")).to_string(),
        sections: Some(pick(
            lang,
            source.section.as_deref().unwrap_or(""),
            extra("section_en"),
        ))
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .into_iter()
        .collect(),
        url,
        date_text: date_text(&date, lang),
        date,
        register_url: match extra("register") {
            "" => String::new(),
            id => urls::register_document(lang, id),
        },
        provenance: crate::pull::provenance::SourceProvenance::of(source),
    }
}

/// `2023-11-13` as `13.11.2023` (Ukrainian) or `13 November 2023` (English); other text as it is.
pub fn date_text(iso: &str, lang: &str) -> String {
    let Ok(date) = chrono::NaiveDate::parse_from_str(iso, "%Y-%m-%d") else {
        return iso.to_string();
    };
    if lang == "en" {
        date.format("%-d %B %Y").to_string()
    } else {
        date.format("%d.%m.%Y").to_string()
    }
}

/// A label and a URL.
#[derive(Debug, Clone, Serialize)]
pub struct Link {
    pub label: String,
    pub url: String,
}

/// One resource of a dataset page.
#[derive(Debug, Serialize)]
pub struct ResourceInfo {
    /// Resource name (file stem).
    pub name: String,
    /// Title in the page's language.
    pub title: String,
    /// Description in the page's language.
    pub description: String,
    /// Number of data rows.
    pub rows: usize,
    /// The Table Schema as rows: field, type, unit, constraints, description.
    pub fields: Vec<FieldInfo>,
    /// Column headers of the preview (field titles).
    pub preview_headers: Vec<String>,
    /// The first rows.
    pub preview: Vec<Vec<String>>,
    /// CSV download URL.
    pub csv_url: String,
    /// JSON rows through the API.
    pub json_url: String,
    /// What the browsable table needs to read the rows API as the preview shows them
    /// (`ExplorerColumn`s as JSON, `</` escaped for a script element).
    pub explorer: String,
}

/// One shown column of the browsable table: which API columns hold its text in this
/// language, and the words for its codes, so the table never shows a raw code.
#[derive(Debug, Serialize)]
struct ExplorerColumn {
    /// Heading, as in the preview.
    title: String,
    /// The coded (or only) column.
    name: String,
    /// The label column, shown instead of the code when filled.
    #[serde(skip_serializing_if = "Option::is_none")]
    label: Option<String>,
    /// The English column, shown first on pages in other languages than the default.
    #[serde(skip_serializing_if = "Option::is_none")]
    en: Option<String>,
    /// Integer or number: compared with `gte`/`lte`, sorted as numbers.
    numeric: bool,
    /// A `number`: grouped and with the decimal mark of the language.
    grouped: bool,
    /// Code → the words the preview shows for it, where they differ from label or code.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    values: BTreeMap<String, String>,
}

/// Distinct codes of one column worth naming in the page; a column with more is free text.
const EXPLORER_VALUES: usize = 200;

/// One schema field.
#[derive(Debug, Serialize)]
pub struct FieldInfo {
    pub name: String,
    pub title: String,
    /// Table Schema type (and format).
    pub kind: String,
    pub unit: String,
    /// Constraints as readable text (`required; minimum: 0`).
    pub constraints: String,
    pub description: String,
}

/// The validation report's summary.
#[derive(Debug, Clone, Serialize)]
pub struct ValidationSummary {
    /// Whether the data passed.
    pub valid: bool,
    /// Number of errors.
    pub errors: u64,
    /// Number of warnings (document discrepancies and the like).
    pub warnings: u64,
    /// Messages of the first errors and warnings.
    pub messages: Vec<String>,
    /// The report file.
    pub url: String,
}

/// `section.extra` of the catalogue (`templates/datasets.html`).
#[derive(Debug, Serialize)]
pub struct CatalogueExtra {
    /// Every published dataset.
    pub datasets: Vec<CatalogueEntry>,
    /// Topic codes and labels for the filter.
    pub topics: Vec<Link>,
    /// Publishers for the filter.
    pub publishers: Vec<String>,
}

/// One catalogue row.
#[derive(Debug, Serialize)]
pub struct CatalogueEntry {
    pub name: String,
    pub title: String,
    pub description: String,
    pub topic: String,
    pub topic_label: String,
    pub publisher: String,
    pub modified: String,
    pub url: String,
    /// Resource formats (CSV, JSON, …), once each, for the badges.
    pub formats: Vec<String>,
    /// Lower-case title, description and publisher, matched by the text filter.
    pub search_text: String,
}

/// A resource's format as a reader names it: its declared `format`, else the path's
/// extension, upper-cased (GEOJSON reads as GeoJSON).
fn resource_format(r: &crate::catalog::Resource) -> Option<String> {
    let declared = r
        .extra
        .get("format")
        .and_then(|v| v.as_str())
        .map(str::to_string);
    let from_path = || {
        r.path
            .as_deref()
            .and_then(|p| p.rsplit_once('.'))
            .map(|(_, ext)| ext.to_string())
    };
    let f = declared.or_else(from_path)?.to_uppercase();
    Some(if f == "GEOJSON" {
        "GeoJSON".to_string()
    } else {
        f
    })
}

/// Catalogue topic label in `lang` (the topic table is `vidkryto_search::catalogue::TOPICS`).
pub fn topic_label(topic: &str, lang: &str) -> String {
    match vidkryto_search::catalogue::topic(topic) {
        Some(t) => pick(lang, t.title, t.title_en).to_string(),
        None => topic.to_string(),
    }
}

fn publisher(package: &Package, config: &Config, lang: &str) -> String {
    match package.publisher() {
        Some(c) => pick(lang, &c.title, c.title_en.as_deref().unwrap_or("")).to_string(),
        None => pick(lang, &config.portal.publisher, &config.portal.publisher_en).to_string(),
    }
}

fn field_info(field: &Field, lang: &str) -> FieldInfo {
    let constraints = field
        .constraints
        .iter()
        .map(|(k, v)| match v {
            Value::Bool(true) => k.clone(),
            Value::String(s) => format!("{k}: {s}"),
            Value::Array(items) => format!(
                "{k}: {}",
                items
                    .iter()
                    .map(|i| i.as_str().map_or_else(|| i.to_string(), str::to_string))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            other => format!("{k}: {other}"),
        })
        .collect::<Vec<_>>()
        .join("; ");
    FieldInfo {
        name: field.name.clone(),
        title: pick(lang, &field.title, &field.title_en).to_string(),
        kind: match &field.format {
            Some(f) if f != "default" => format!("{} ({f})", field.kind),
            _ => field.kind.clone(),
        },
        unit: pick(
            lang,
            field.unit.as_deref().unwrap_or(""),
            field.unit_en.as_deref().unwrap_or(""),
        )
        .to_string(),
        constraints,
        description: pick(lang, &field.description, &field.description_en).to_string(),
    }
}

/// What the dataset page shows of `data/<name>/validation.json`, if the build wrote one.
pub fn validation_summary(layout: &Layout, name: &str) -> Option<ValidationSummary> {
    let report = PublishedReport::read(&layout.validation_file(name)).ok()??;
    Some(ValidationSummary {
        valid: report.valid,
        errors: report.error_count(),
        warnings: report.warning_count(),
        messages: report.error_messages(10),
        url: urls::validation_json(name),
    })
}

const PREVIEW_ROWS: usize = 10;

fn resource_info(
    package: &Package,
    resource: &Resource,
    layout: &Layout,
    labels: &Labels,
    lang: &str,
) -> anyhow::Result<ResourceInfo> {
    let csv = layout.resource_csv(&package.name, &resource.name);
    let table = Table::read(&csv)?;
    let fields = resource
        .schema
        .as_ref()
        .map(|s| s.fields.as_slice())
        .unwrap_or(&[]);
    let title_of = |h: &String| {
        fields
            .iter()
            .find(|f| &f.name == h)
            .map(|f| pick(lang, &f.title, &f.title_en).to_string())
            .filter(|t| !t.is_empty())
            .unwrap_or_else(|| h.clone())
    };
    // Coded columns are shown through their labels (`kind` + `kind_label` once, as the
    // label); the CSV and the API keep the codes.
    let shown = columns(&table.headers);
    let preview_headers: Vec<String> = shown
        .iter()
        .map(|c| title_of(&table.headers[c.header]))
        .collect();
    let kind_of = |i: usize| {
        fields
            .iter()
            .find(|f| f.name == table.headers[i])
            .map_or("string", |f| f.kind.as_str())
    };
    let numeric = |i: usize| matches!(kind_of(i), "integer" | "number");
    // Amounts are grouped for the language; integers are ids and years, shown as written.
    let grouped = |i: usize| kind_of(i) == "number";
    let preview = table
        .rows
        .iter()
        .take(PREVIEW_ROWS)
        .map(|row| {
            shown
                .iter()
                .map(|c| {
                    let text = cell(labels, package, &table.headers, c, row, lang);
                    match Amount::parse(&text) {
                        Some(amount) if grouped(c.code) => amount.format_auto(lang),
                        _ => text,
                    }
                })
                .collect()
        })
        .collect();
    let explorer: Vec<ExplorerColumn> = shown
        .iter()
        .zip(&preview_headers)
        .map(|(c, title)| {
            let name = |i: usize| table.headers[i].clone();
            let en = c.en.filter(|_| !labels.is_default(lang));
            let mut values = BTreeMap::new();
            if en.is_none() {
                for row in &table.rows {
                    let code = row.get(c.code).map_or("", String::as_str);
                    if code.is_empty() || values.contains_key(code) {
                        continue;
                    }
                    if values.len() == EXPLORER_VALUES {
                        values.clear();
                        break;
                    }
                    let label = c.label.and_then(|l| row.get(l)).map_or("", String::as_str);
                    let words = cell(labels, package, &table.headers, c, row, lang);
                    let plain = if label.is_empty() { code } else { label };
                    if words != plain {
                        values.insert(code.to_string(), words);
                    }
                }
            }
            ExplorerColumn {
                title: title.clone(),
                name: name(c.code),
                label: c.label.map(name),
                en: en.map(name),
                numeric: numeric(c.code),
                grouped: grouped(c.code),
                values,
            }
        })
        .collect();
    Ok(ResourceInfo {
        name: resource.name.clone(),
        title: pick(lang, &resource.title, &resource.title_en).to_string(),
        description: pick(lang, &resource.description, &resource.description_en).to_string(),
        rows: table.rows.len(),
        fields: fields.iter().map(|f| field_info(f, lang)).collect(),
        preview_headers,
        preview,
        csv_url: urls::resource_csv(&package.name, &resource.name),
        json_url: urls::rows(&package.name, &resource.name, "json"),
        explorer: escape_script(&serde_json::to_string(&explorer)?),
    })
}

fn escape_script(json: &str) -> String {
    json.replace("</", "<\\/")
}

/// Writes the dataset pages and the catalogue section.
pub fn write_datasets(
    config: &Config,
    packages: &[&Package],
    layout: &Layout,
    site_dir: &Path,
    labels: &Labels,
    kinds: &[Box<dyn PageKind + '_>],
) -> anyhow::Result<()> {
    let content = site_dir.join("content");
    let base = config.portal.base_url.trim_end_matches('/');
    packages.par_iter().try_for_each(|package| {
        for lang in LANGS {
            let title = pick(lang, &package.title, &package.title_en);
            let description = pick(lang, &package.description, &package.description_en);
            let resources = package
                .public_resources()
                .map(|r| resource_info(package, r, layout, labels, lang))
                .collect::<anyhow::Result<Vec<_>>>()
                .with_context(|| format!("dataset `{}`", package.name))?;
            let licence = package.licenses.first();
            let modified = package.modified.clone().unwrap_or_default();
            let publisher = publisher(package, config, lang);
            let page_url = format!("{base}{}", urls::dataset(lang, &package.name));
            let licence_url = licence.and_then(|l| l.path.clone()).unwrap_or_default();
            let jsonld = json!({
                "@context": "https://schema.org/",
                "@type": "Dataset",
                "name": title,
                "description": description,
                "url": page_url,
                "identifier": package.name,
                "inLanguage": lang,
                "keywords": package.keywords,
                "license": if licence_url.is_empty() { licence.map(|l| l.name.clone()).unwrap_or_default() } else { licence_url.clone() },
                "dateModified": modified,
                "version": package.version,
                "isAccessibleForFree": true,
                "creator": {"@type": "Organization", "name": publisher},
                "publisher": {"@type": "Organization", "name": publisher},
                "isBasedOn": package.sources.iter().map(|s| s.title.clone()).collect::<Vec<_>>(),
                "distribution": resources.iter().map(|r| json!({
                    "@type": "DataDownload",
                    "name": r.title,
                    "encodingFormat": "text/csv",
                    "contentUrl": format!("{base}{}", r.csv_url),
                })).collect::<Vec<_>>(),
            });
            let cite = format!(
                "{publisher}. «{title}»{}. {}, {}. {page_url}",
                package
                    .version
                    .as_deref()
                    .map(|v| format!(", v{v}"))
                    .unwrap_or_default(),
                pick(lang, &config.portal.title, &config.portal.title_en),
                if modified.is_empty() { "—" } else { &modified },
            );
            let added = kinds::dataset_additions(kinds, package, lang, labels);
            let geojson_url = added.geojson_url;
            let extra = DatasetExtra {
                name: package.name.clone(),
                topic: package.topic.clone().unwrap_or_default(),
                publisher,
                licence: licence.map(|l| l.name.clone()).unwrap_or_else(|| config.portal.licence.clone()),
                licence_title: licence.and_then(|l| l.title.clone()).unwrap_or_default(),
                licence_url,
                modified: modified.clone(),
                version: package.version.clone().unwrap_or_default(),
                keywords: if lang == "en" && !package.keywords_en.is_empty() {
                    package.keywords_en.clone()
                } else {
                    package.keywords.clone()
                },
                sources: source_documents(package, lang, &|id| {
                    kinds.iter().any(|k| k.shows_document(id))
                }),
                resources,
                package_url: urls::package_json(&package.name),
                geojson_url,
                api: vec![
                    Link {
                        label: "Vidkryto API".into(),
                        url: urls::dataset_api(&package.name),
                    },
                    Link {
                        label: "CKAN package_show".into(),
                        url: urls::package_show(&package.name),
                    },
                    Link {
                        label: "ZIP".into(),
                        url: urls::dataset_zip(&package.name),
                    },
                    Link {
                        label: "DCAT-AP (JSON-LD)".into(),
                        url: urls::CATALOG_JSONLD.into(),
                    },
                ]
                .into_iter()
                .chain(added.downloads)
                .collect(),
                validation: validation_summary(layout, &package.name),
                privacy: std::fs::read_to_string(layout.privacy_file(&package.name))
                    .ok()
                    .and_then(|t| serde_json::from_str(&t).ok())
                    .map(|r| super::appeals::privacy_sentences(&r, labels, lang))
                    .unwrap_or_default(),
                related: added.related,
                jsonld: escape_script(&jsonld.to_string()),
                cite,
            };
            let front = Front {
                title,
                description: "",
                date: (!modified.is_empty()).then_some(modified.as_str()),
                weight: None,
                template: "dataset.html",
                sort_by: None,
                paginate_by: None,
                extra: &extra,
            };
            write_page(
                &content,
                &format!("datasets/{}", file_name(&package.name, lang)),
                &front,
                &markdown_paragraphs(description),
            )?;
        }
        Ok::<(), anyhow::Error>(())
    })?;

    for lang in LANGS {
        let datasets: Vec<CatalogueEntry> = packages
            .iter()
            .map(|p| {
                let topic = p.topic.clone().unwrap_or_default();
                let formats: BTreeSet<String> = p
                    .resources
                    .iter()
                    .filter(|r| !r.private)
                    .filter_map(resource_format)
                    .collect();
                let title = pick(lang, &p.title, &p.title_en).to_string();
                let description = first_sentence(pick(lang, &p.description, &p.description_en));
                let publisher = publisher(p, config, lang);
                CatalogueEntry {
                    name: p.name.clone(),
                    search_text: format!("{title} {description} {publisher}").to_lowercase(),
                    title,
                    description,
                    topic_label: topic_label(&topic, lang),
                    topic,
                    publisher,
                    modified: p.modified.clone().unwrap_or_default(),
                    url: url(lang, &format!("datasets/{}", p.name)),
                    formats: formats.into_iter().collect(),
                }
            })
            .collect();
        let topics: BTreeSet<&str> = datasets.iter().map(|d| d.topic.as_str()).collect();
        let publishers: BTreeSet<&str> = datasets.iter().map(|d| d.publisher.as_str()).collect();
        let extra = CatalogueExtra {
            topics: topics
                .iter()
                .filter(|t| !t.is_empty())
                .map(|t| Link {
                    label: topic_label(t, lang),
                    url: (*t).to_string(),
                })
                .collect(),
            publishers: publishers.iter().map(|p| (*p).to_string()).collect(),
            datasets,
        };
        let front = Front {
            title: &labels.ui(lang, "datasets_title"),
            description: "",
            date: None,
            weight: Some(1),
            template: "datasets.html",
            sort_by: Some("title"),
            paginate_by: None,
            extra: &extra,
        };
        write_page(
            &content,
            &format!("datasets/{}", file_name("_index", lang)),
            &front,
            "",
        )?;
    }
    Ok(())
}

/// Blank-line-separated paragraphs, with Markdown's special characters kept literal.
pub fn markdown_paragraphs(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        if matches!(
            c,
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '#' | '|'
        ) {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('\n');
    out
}

/// Abbreviations a sentence does not end at (`27 395,4 тис. грн`, `м. Києва`).
const ABBREVIATIONS: [&str; 16] = [
    "тис", "грн", "млн", "млрд", "м", "р", "рр", "п", "пп", "розд", "ст", "обл", "див", "ін", "т",
    "вул",
];

fn first_sentence(text: &str) -> String {
    let ends_sentence = |i: usize| {
        let before = text[..i].rsplit([' ', '(', '«']).next().unwrap_or("");
        let after = text[i + 1..].trim_start();
        text[i + 1..].starts_with(' ')
            && after.chars().next().is_some_and(char::is_uppercase)
            && !ABBREVIATIONS.contains(&before.to_lowercase().as_str())
    };
    let cut = text
        .char_indices()
        .find(|&(i, c)| c == '.' && i > 40 && ends_sentence(i))
        .map_or(text.len(), |(i, _)| i + 1);
    let sentence = &text[..cut];
    if sentence.chars().count() > 300 {
        let short: String = sentence.chars().take(299).collect();
        format!("{short}…")
    } else {
        sentence.to_string()
    }
}

/// Writes the sections with no generated data: search and developers.
pub fn write_static_sections(site_dir: &Path, labels: &Labels) -> anyhow::Result<()> {
    let content = site_dir.join("content");
    let empty = json!({});
    for lang in LANGS {
        for (dir, title, template, weight) in [
            ("search", "search_title", "search.html", 5),
            ("developers", "developers_title", "developers.html", 6),
        ] {
            let front = Front {
                title: &labels.ui(lang, title),
                description: "",
                date: None,
                weight: Some(weight),
                template,
                sort_by: None,
                paginate_by: None,
                extra: &empty,
            };
            write_page(
                &content,
                &format!("{dir}/{}", file_name("_index", lang)),
                &front,
                "",
            )?;
        }
    }
    Ok(())
}

/// Copies a folder tree (the site skeleton, editorial content).
pub fn copy_tree(from: &Path, to: &Path) -> anyhow::Result<()> {
    let entries =
        std::fs::read_dir(from).with_context(|| format!("cannot read `{}`", from.display()))?;
    std::fs::create_dir_all(to).with_context(|| format!("cannot create `{}`", to.display()))?;
    for entry in entries {
        let entry = entry.with_context(|| format!("cannot read `{}`", from.display()))?;
        let path: PathBuf = entry.path();
        let target = to.join(entry.file_name());
        if path.is_dir() {
            copy_tree(&path, &target)?;
        } else {
            let bytes = std::fs::read(&path)
                .with_context(|| format!("cannot read `{}`", path.display()))?;
            write_file(&target, &bytes)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, SystemTime};

    #[test]
    fn unchanged_files_are_kept_and_stale_ones_pruned() {
        let dir = std::env::temp_dir().join(format!("vidkryto-prune-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let kept = dir.join("content/kept.md");
        let stale = dir.join("content/deleted-dataset.md");
        write_file(&kept, b"same").unwrap();
        write_file(&stale, b"old").unwrap();
        let old = SystemTime::now() - Duration::from_secs(3600);
        for file in [&kept, &stale] {
            let f = std::fs::File::options().write(true).open(file).unwrap();
            f.set_modified(old).unwrap();
        }
        let started = SystemTime::now() - Duration::from_secs(1);
        write_file(&kept, b"same").unwrap();
        prune_stale(&dir, started).unwrap();
        assert!(kept.is_file());
        assert!(!stale.exists());
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn urls_and_file_names_per_language() {
        assert_eq!(url("uk", "datasets/x"), "/datasets/x/");
        assert_eq!(url("en", ""), "/en/");
        assert_eq!(file_name("1-1", "en"), "1-1.en.md");
        assert_eq!(markdown_paragraphs("a*b [c]"), "a\\*b \\[c\\]\n");
        assert_eq!(
            first_sentence(
                "Планові показники за роками (усього 202 551,0 тис. грн) і заходи. Далі інше."
            ),
            "Планові показники за роками (усього 202 551,0 тис. грн) і заходи."
        );
    }
}
