//! The public-information register (`/register/`): one page per published register document
//! (all its fields, labelled by the schema, with its source) and the paginated list with
//! filters by kind, issuer and year. The register is the published package whose resource has
//! a `document_id` field; nothing here knows a particular city's documents.

use std::collections::BTreeSet;
use std::path::Path;

use anyhow::Context;
use rayon::prelude::*;
use serde::Serialize;

use super::content::{file_name, pick, url, write_page, Front, Link, Table, LANGS};
use super::kinds::{DatasetAdditions, PageKind, Site};
use super::labels::{cell, columns, Labels};
use super::zola::ContentFile;
use super::SiteSummary;
use crate::catalog::{Package, Resource, ResourceKind};

/// Documents per list page; filters work within a page, search across all of them.
pub const PER_PAGE: usize = 500;

/// `section.extra` of `/register/` (`templates/register.html`).
#[derive(Debug, Serialize)]
pub struct RegisterExtra {
    /// Distinct document kinds, for the filter.
    pub kinds: Vec<String>,
    /// Distinct issuers, for the filter.
    pub issuers: Vec<String>,
    /// Distinct years, for the filter.
    pub years: Vec<String>,
    /// The register's dataset page.
    pub dataset_url: String,
    /// Number of documents.
    pub total: usize,
    /// The newest dated documents (title, page, date), for the home page.
    pub newest: Vec<NewDocument>,
}

/// A document in the home page's "newest documents".
#[derive(Debug, Serialize)]
pub struct NewDocument {
    pub title: String,
    pub url: String,
    pub date: String,
}

/// Documents the home page lists as newest.
const NEWEST: usize = 5;

/// `page.extra` of `/register/<document_id>/` (`templates/document.html`).
#[derive(Debug, Serialize)]
pub struct DocumentExtra {
    /// The document's id in the register.
    pub document_id: String,
    /// Its number as issued (`824/7060`).
    pub number: String,
    /// Issue date (ISO).
    pub issued: String,
    /// Year of issue (filter value).
    pub year: String,
    /// Kind: decision, order, letter, programme…
    pub kind: String,
    /// Who issued it.
    pub issuer: String,
    /// Status (in force, draft, …).
    pub status: String,
    /// Link to the source (document or where it is cited), if any.
    pub source_url: String,
    /// Every field of the record, labelled with the schema's titles.
    pub fields: Vec<Link>,
    /// The register's dataset page.
    pub dataset_url: String,
}

/// The register package and resource, if one is published: the first public resource of
/// the register's kind (`document_id`, `title`).
pub fn find<'a>(packages: &[&'a Package]) -> Option<(&'a Package, &'a Resource)> {
    packages
        .iter()
        .find_map(|p| p.resource_of_kind(ResourceKind::Register).map(|r| (*p, r)))
}

/// The register as a page kind: `/register/` and a page per document. Its table is read
/// once, at load: dataset pages link to its documents before its own pages are written.
pub struct Register<'a> {
    found: Option<(&'a Package, &'a Resource, Table)>,
    ids: BTreeSet<String>,
}

impl<'a> Register<'a> {
    pub fn load(site: &Site<'a>) -> anyhow::Result<Register<'a>> {
        let Some((package, resource)) = find(site.packages) else {
            return Ok(Register {
                found: None,
                ids: BTreeSet::new(),
            });
        };
        let table = Table::read(&site.layout.resource_csv(&package.name, &resource.name))
            .with_context(|| format!("cannot read the register from `{}`", package.name))?;
        // The ids of the documents the register publishes (each has a page).
        let ids = table
            .rows
            .iter()
            .map(|row| table.get(row, "document_id").to_string())
            .filter(|id| !id.is_empty())
            .collect();
        Ok(Register {
            found: Some((package, resource, table)),
            ids,
        })
    }
}

impl PageKind for Register<'_> {
    fn dataset_additions(
        &self,
        package: &Package,
        lang: &str,
        labels: &Labels,
    ) -> DatasetAdditions {
        let shown = self
            .found
            .as_ref()
            .is_some_and(|(p, _, _)| p.name == package.name);
        DatasetAdditions::related_if(shown, || Link {
            label: labels.ui(lang, "public_information_register"),
            url: url(lang, "register"),
        })
    }

    fn shows_document(&self, id: &str) -> bool {
        self.ids.contains(id)
    }

    fn write(&self, site: &Site) -> anyhow::Result<Vec<ContentFile>> {
        let Some((package, resource, table)) = &self.found else {
            write_empty(site.dir, site.labels)?;
            return Ok(Vec::new());
        };
        write_pages(package, resource, table, site.dir, site.labels)
            .with_context(|| format!("cannot write the register from `{}`", package.name))
    }

    fn summarise(&self, summary: &mut SiteSummary) {
        summary.documents = self.found.as_ref().map_or(0, |(_, _, t)| t.rows.len());
    }
}

/// `/register/` saying there is no register, for a portal that publishes none.
fn write_empty(site_dir: &Path, labels: &Labels) -> anyhow::Result<()> {
    for lang in LANGS {
        let extra = RegisterExtra {
            kinds: Vec::new(),
            issuers: Vec::new(),
            years: Vec::new(),
            dataset_url: String::new(),
            total: 0,
            newest: Vec::new(),
        };
        write_list(site_dir, labels, lang, &extra, false)?;
    }
    Ok(())
}

fn first<'a>(table: &'a Table, row: &'a [String], names: &[&str]) -> &'a str {
    names
        .iter()
        .map(|n| table.get(row, n))
        .find(|v| !v.is_empty())
        .unwrap_or("")
}

/// `first` in the page's language: pages in other languages than the default read each
/// column's English sibling (`title_en`, `issuer_en`) first.
fn first_in<'a>(
    labels: &Labels,
    lang: &str,
    table: &'a Table,
    row: &'a [String],
    names: &[&str],
) -> &'a str {
    if !labels.is_default(lang) {
        let english = names
            .iter()
            .map(|n| table.get(row, &format!("{n}_en")))
            .find(|v| !v.is_empty());
        if let Some(text) = english {
            return text;
        }
    }
    first(table, row, names)
}

/// The columns that name a document's issuer, best first.
const ISSUER: [&str; 3] = ["issuer_label", "issuer", "author"];

/// Writes the register list and returns the number of documents and one page per document,
/// in memory (see `zola::ContentFile`: a large register is most of a portal's pages).
fn write_pages(
    package: &Package,
    resource: &Resource,
    table: &Table,
    site_dir: &Path,
    labels: &Labels,
) -> anyhow::Result<Vec<ContentFile>> {
    let fields = resource
        .schema
        .as_ref()
        .map(|s| s.fields.clone())
        .unwrap_or_default();
    let url_column = table
        .headers
        .iter()
        .find(|h| h.contains("url") || h.contains("link"))
        .cloned()
        .unwrap_or_default();
    let shown = columns(&table.headers);
    let title_of = |h: &String, lang: &str| {
        fields
            .iter()
            .find(|f| &f.name == h)
            .map(|f| pick(lang, &f.title, &f.title_en).to_string())
            .filter(|t| !t.is_empty())
            .unwrap_or_else(|| h.clone())
    };
    // The list reads newest first (undated documents last, in the data's order): each
    // document's weight is its place in that order.
    let mut order: Vec<usize> = (0..table.rows.len()).collect();
    order.sort_by_key(|&i| {
        let date = first(table, &table.rows[i], &["date", "issued", "document_date"]);
        (date.is_empty(), std::cmp::Reverse(date.to_string()), i)
    });
    let mut place = vec![0; table.rows.len()];
    for (rank, &i) in order.iter().enumerate() {
        place[i] = rank;
    }
    let documents: Vec<Vec<ContentFile>> = table
        .rows
        .par_iter()
        .enumerate()
        .map(|(i, row)| {
            let id = table.get(row, "document_id");
            let mut files = Vec::with_capacity(LANGS.len());
            if id.is_empty() {
                return Ok(files);
            }
            let slug = vidkryto_search::urls::slug(id);
            let issued = first(table, row, &["date", "issued", "document_date"]).to_string();
            for lang in LANGS {
                // Every field a reader needs, coded ones through their labels; the id is
                // the page's address, not a fact about the document.
                let labelled = shown
                    .iter()
                    .filter(|c| table.headers[c.code] != "document_id")
                    .filter_map(|c| {
                        let value = cell(labels, package, &table.headers, c, row, lang);
                        (!value.is_empty()).then(|| Link {
                            label: title_of(&table.headers[c.header], lang),
                            url: value,
                        })
                    })
                    .collect();
                let coded = |name: &str| {
                    shown
                        .iter()
                        .find(|c| table.headers[c.code] == name)
                        .map(|c| cell(labels, package, &table.headers, c, row, lang))
                        .unwrap_or_default()
                };
                let title = first_in(
                    labels,
                    lang,
                    table,
                    row,
                    &["title", "name", "number", "document_id"],
                );
                let extra = DocumentExtra {
                    document_id: id.to_string(),
                    number: table.get(row, "number").to_string(),
                    year: issued.get(..4).unwrap_or_default().to_string(),
                    issued: issued.clone(),
                    kind: coded("kind"),
                    issuer: first_in(labels, lang, table, row, &ISSUER).to_string(),
                    status: coded("status"),
                    source_url: table.get(row, &url_column).to_string(),
                    fields: labelled,
                    dataset_url: url(lang, &format!("datasets/{}", package.name)),
                };
                let front = Front {
                    title,
                    description: "",
                    date: None,
                    weight: Some(place[i] as i64),
                    template: "document.html",
                    sort_by: None,
                    paginate_by: None,
                    extra: &extra,
                };
                let path = format!("register/{}", file_name(&slug, lang));
                let front = serde_json::to_value(&front)
                    .with_context(|| format!("cannot write the front matter of `{path}`"))?;
                files.push(ContentFile {
                    path,
                    front,
                    body: String::new(),
                });
            }
            Ok::<_, anyhow::Error>(files)
        })
        .collect::<anyhow::Result<_>>()?;

    let distinct = |names: &[&str], lang: &str| -> Vec<String> {
        let set: BTreeSet<String> = table
            .rows
            .iter()
            .map(|r| first_in(labels, lang, table, r, names).to_string())
            .filter(|v| !v.is_empty())
            .collect();
        set.into_iter().collect()
    };
    let years: Vec<String> = {
        let set: BTreeSet<String> = table
            .rows
            .iter()
            .filter_map(|r| {
                first(table, r, &["date", "issued", "document_date"])
                    .get(..4)
                    .map(str::to_string)
            })
            .collect();
        set.into_iter().rev().collect()
    };
    let kind_column = shown.iter().find(|c| table.headers[c.code] == "kind");
    for lang in LANGS {
        // In the page's language, as the list rows show them (the filter matches on text).
        let kinds: Vec<String> = match kind_column {
            Some(c) => table
                .rows
                .iter()
                .map(|r| cell(labels, package, &table.headers, c, r, lang))
                .filter(|v| !v.is_empty())
                .collect::<BTreeSet<_>>()
                .into_iter()
                .collect(),
            None => distinct(&["type"], lang),
        };
        let newest = order
            .iter()
            .take(NEWEST)
            .filter_map(|&i| {
                let row = &table.rows[i];
                let date = first(table, row, &["date", "issued", "document_date"]);
                let id = table.get(row, "document_id");
                (!date.is_empty() && !id.is_empty()).then(|| NewDocument {
                    title: first_in(labels, lang, table, row, &["title", "name", "number"])
                        .to_string(),
                    url: vidkryto_search::urls::register_document(lang, id),
                    date: super::content::date_text(date, lang),
                })
            })
            .collect();
        let extra = RegisterExtra {
            newest,
            kinds,
            issuers: distinct(&ISSUER, lang),
            years: years.clone(),
            dataset_url: url(lang, &format!("datasets/{}", package.name)),
            total: table.rows.len(),
        };
        write_list(site_dir, labels, lang, &extra, true)?;
    }
    Ok(documents.into_iter().flatten().collect())
}

/// `/register/` in `lang`; `paged`, the documents' pages are its pages, in weight order.
fn write_list(
    site_dir: &Path,
    labels: &Labels,
    lang: &str,
    extra: &RegisterExtra,
    paged: bool,
) -> anyhow::Result<()> {
    let front = Front {
        title: &labels.ui(lang, "public_information_register"),
        description: "",
        date: None,
        weight: Some(4),
        template: "register.html",
        sort_by: paged.then_some("weight"),
        paginate_by: paged.then_some(PER_PAGE),
        extra,
    };
    write_page(
        &site_dir.join("content"),
        &format!("register/{}", file_name("_index", lang)),
        &front,
        "",
    )
}
