//! The files a Zola build writes and the template context of each, as Zola 0.22 builds them:
//! one per page, one per section or per pager of a paginated section (with the page-1
//! redirect Zola writes at `<section>/<paginate_path>/1/`), and the site files — `404.html`
//! (context `config`, `lang` only: no `current_path`), `sitemap.xml` (`entries` only),
//! `robots.txt` (`config` only) and each language's feeds. Not for: the render loop and the
//! render cache (`mod.rs`, `cache`).

use std::path::{Path, PathBuf};

use serde_json::{json, Value};
use tera::Tera;

use super::cache::Digest;
use super::config::ExcludePaginated;
use super::index::SiteIndex;
use super::{cache, write, Reuse, ZolaError};

/// Zola splits a sitemap of this many entries or more.
const SITEMAP_LIMIT: usize = 30_000;

/// One HTML file to render.
pub(super) enum Output {
    Page(usize),
    /// A section, or one pager of a paginated section.
    Section {
        doc: usize,
        pager: Option<Pager>,
    },
}

/// One pager of a paginated section.
#[derive(Debug, Clone, Copy)]
pub(super) struct Pager {
    /// 1-based.
    pub number: usize,
    pub per: usize,
    pub total: usize,
}

/// The pages a section's paginator splits (reversed with `paginate_reversed`).
fn paginated_pages(index: &SiteIndex, doc: usize) -> Vec<usize> {
    let mut ids = index.section_pages.get(&doc).cloned().unwrap_or_default();
    if index.docs[doc]
        .section()
        .is_some_and(|s| s.paginate_reversed)
    {
        ids.reverse();
    }
    ids
}

fn paginate_by(index: &SiteIndex, doc: usize) -> Option<usize> {
    index.docs[doc]
        .section()
        .and_then(|s| s.paginate_by)
        .filter(|&per| per > 0)
}

fn paginate_path(index: &SiteIndex, doc: usize) -> &str {
    index.docs[doc]
        .section()
        .map_or("page", |s| s.paginate_path.as_str())
}

/// Where pager `n` (> 1) of section `doc` lives under the section: `page/2/`.
fn pager_suffix(index: &SiteIndex, doc: usize, n: usize) -> String {
    match paginate_path(index, doc) {
        "" => format!("{n}/"),
        p => format!("{p}/{n}/"),
    }
}

/// Every page and section output, in document order.
pub(super) fn outputs(index: &SiteIndex) -> Vec<Output> {
    let mut outputs = Vec::with_capacity(index.docs.len());
    for (i, doc) in index.docs.iter().enumerate() {
        if !doc.is_section() {
            if !index.unlisted.contains(&i) {
                outputs.push(Output::Page(i));
            }
            continue;
        }
        match paginate_by(index, i) {
            Some(per) => {
                let count = index.section_pages.get(&i).map_or(0, Vec::len);
                let total = count.div_ceil(per).max(1);
                for number in 1..=total {
                    outputs.push(Output::Section {
                        doc: i,
                        pager: Some(Pager { number, per, total }),
                    });
                }
            }
            None => outputs.push(Output::Section {
                doc: i,
                pager: None,
            }),
        }
    }
    outputs
}

/// The folder (relative, `/`-separated, ending in `/` unless empty) Zola writes section
/// `doc`'s `index.html` into: the language, then the content folders.
fn section_dir(index: &SiteIndex, doc: usize) -> String {
    let d = &index.docs[doc];
    let mut dir = String::new();
    if d.lang != index.config.default_language {
        dir.push_str(&d.lang);
        dir.push('/');
    }
    for c in d.dir.split('/').filter(|c| !c.is_empty()) {
        dir.push_str(c);
        dir.push('/');
    }
    dir
}

impl Output {
    fn doc(&self) -> usize {
        match self {
            Output::Page(i) | Output::Section { doc: i, .. } => *i,
        }
    }

    /// `current_path` and `current_url` of this output, as Zola gives them.
    fn current(&self, index: &SiteIndex) -> (String, String) {
        let d = &index.docs[self.doc()];
        match self {
            Output::Section {
                doc,
                pager: Some(p),
            } if p.number > 1 => {
                let suffix = pager_suffix(index, *doc, p.number);
                let path = if d.is_root_section() {
                    // Zola's pager path of an index section drops the language.
                    format!("/{suffix}")
                } else if d.path.ends_with('/') {
                    format!("{}{suffix}", d.path)
                } else {
                    format!("{}/{suffix}", d.path)
                };
                (path, format!("{}{suffix}", d.permalink))
            }
            _ => (d.path.clone(), d.permalink.clone()),
        }
    }

    /// The file this output is written to, relative to the output folder.
    pub(super) fn output_file(&self, index: &SiteIndex) -> PathBuf {
        let rel = match self {
            Output::Page(i) => index.docs[*i].path.trim_start_matches('/').to_string(),
            Output::Section { doc, pager } => {
                let mut dir = section_dir(index, *doc);
                if let Some(p) = pager.filter(|p| p.number > 1) {
                    dir.push_str(&pager_suffix(index, *doc, p.number));
                }
                dir
            }
        };
        PathBuf::from(format!("{rel}index.html"))
    }

    /// Digest of everything this output's template context holds.
    pub(super) fn key(&self, index: &SiteIndex) -> u64 {
        let doc = self.doc();
        let mut digest = Digest::default();
        digest
            .bytes(index.template_of(doc).as_bytes())
            .bytes(self.current(index).0.as_bytes())
            .bytes(index.docs[doc].lang.as_bytes());
        match self {
            Output::Page(i) => {
                digest.bytes(&index.page_ref_digest(*i).to_le_bytes());
            }
            Output::Section { pager: None, .. } => {
                digest.value(&index.section_value(doc, true));
            }
            Output::Section { pager: Some(p), .. } => {
                digest.value(&index.section_value(doc, false));
                digest.bytes(format!("{}/{}/{}", p.number, p.per, p.total).as_bytes());
                for &page in paginated_pages(index, doc)
                    .iter()
                    .skip((p.number - 1) * p.per)
                    .take(p.per)
                {
                    digest.bytes(&index.page_digests[page].to_le_bytes());
                }
            }
        }
        digest.finish()
    }

    pub(super) fn render(&self, tera: &Tera, index: &SiteIndex) -> Result<String, ZolaError> {
        let doc = self.doc();
        let d = &index.docs[doc];
        let (current_path, current_url) = self.current(index);
        let mut context = tera::Context::new();
        context.insert("config", &index.config_value(&d.lang));
        context.insert("current_url", &current_url);
        context.insert("current_path", &current_path);
        context.insert("lang", &d.lang);
        match self {
            Output::Page(i) => {
                context.insert("zola_version", super::ZOLA_VERSION);
                context.insert("page", &index.page_ref(*i));
            }
            Output::Section { pager: None, .. } => {
                context.insert("section", &index.section_value(doc, true))
            }
            Output::Section { pager: Some(p), .. } => {
                // As in Zola: a paginated section's pages live in `paginator.pages`.
                context.insert("section", &index.section_value(doc, false));
                context.insert("paginator", &paginator(index, doc, *p));
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

/// Zola's `paginator` for pager `p` of section `doc`.
fn paginator(index: &SiteIndex, doc: usize, p: Pager) -> Value {
    let d = &index.docs[doc];
    let ids = paginated_pages(index, doc);
    let pages: Vec<&Value> = ids
        .iter()
        .skip((p.number - 1) * p.per)
        .take(p.per)
        .map(|&i| &index.page_values[i])
        .collect();
    let url = |n: usize| {
        if n == 1 {
            d.permalink.clone()
        } else {
            format!("{}{}", d.permalink, pager_suffix(index, doc, n))
        }
    };
    let base_url = match paginate_path(index, doc) {
        "" => d.permalink.clone(),
        path => format!("{}{path}/", d.permalink),
    };
    json!({
        "paginate_by": p.per,
        "first": d.permalink,
        "last": url(p.total),
        "previous": (p.number > 1).then(|| url(p.number - 1)),
        "next": (p.number < p.total).then(|| url(p.number + 1)),
        "number_pagers": p.total,
        "base_url": base_url,
        "pages": pages,
        "current_index": p.number,
        "total_pages": ids.len(),
    })
}

/// The page Zola writes where a redirect is due (`<section>/page/1/`): a refresh to `url`,
/// with a link for browsers that do not follow it.
fn redirect_page(url: &str) -> String {
    let url = url.replace('"', "%22");
    format!(
        "<!doctype html>\n<meta charset=\"utf-8\">\n<title>Redirect</title>\n\
         <meta http-equiv=\"refresh\" content=\"0; url={url}\">\n\
         <p><a href=\"{url}\">{url}</a></p>\n"
    )
}

fn require<'t>(tera: &'t Tera, name: &str) -> Result<&'t str, ZolaError> {
    tera.get_template_names()
        .find(|t| *t == name)
        .ok_or_else(|| ZolaError::MissingTemplate {
            name: name.to_string(),
        })
}

/// The site files besides pages and sections; returns the files written (relative).
pub(super) fn write_site_files(
    index: &SiteIndex,
    tera: &Tera,
    out_dir: &Path,
    reuse: &Reuse<'_>,
) -> Result<SiteFiles, ZolaError> {
    let mut written = Vec::new();
    let mut keyed = Vec::new();
    let render = |template: &str, context: &tera::Context| {
        tera.render(template, context)
            .map_err(|source| ZolaError::Render {
                what: template.to_string(),
                template: template.to_string(),
                source,
            })
    };
    let mut emit = |rel: String, text: String| -> Result<(), ZolaError> {
        write(&out_dir.join(&rel), text.as_bytes())?;
        written.push(rel);
        Ok(())
    };
    let config = &index.config;
    let default = config.default_language.clone();
    // Pagination redirects: pager 1 lives at the section's own URL.
    for (i, _) in index.docs.iter().enumerate() {
        if paginate_by(index, i).is_some() {
            let rel = format!(
                "{}{}index.html",
                section_dir(index, i),
                pager_suffix(index, i, 1)
            );
            emit(rel, redirect_page(&index.docs[i].permalink))?;
        }
    }
    let mut context = tera::Context::new();
    context.insert("config", &index.config_value(&default));
    context.insert("lang", &default);
    emit(
        "404.html".into(),
        render(require(tera, "404.html")?, &context)?,
    )?;
    if config.generate_robots_txt {
        let mut context = tera::Context::new();
        context.insert("config", &index.config_value(&default));
        emit(
            "robots.txt".into(),
            render(require(tera, "robots.txt")?, &context)?,
        )?;
    }
    if config.generate_sitemap {
        let entries = sitemap_entries(index);
        let template = require(tera, "sitemap.xml")?;
        // A 200 000-page sitemap is a few seconds of rendering: each file is kept when its
        // entries are unchanged (the templates' digest guards the rest).
        let mut sitemap = |rel: String, chunk: &[SitemapEntry]| -> Result<(), ZolaError> {
            let key = sitemap_key(index, chunk);
            if let Some(entry) = reuse.entry(&rel, key) {
                keyed.push((rel, entry, true));
                return Ok(());
            }
            let values: Vec<Value> = chunk.iter().map(|e| e.value(index)).collect();
            let mut context = tera::Context::new();
            context.insert("entries", &values);
            write(&out_dir.join(&rel), render(template, &context)?.as_bytes())?;
            let entry = cache::Entry {
                key,
                deps: Vec::new(),
            };
            keyed.push((rel, entry, false));
            Ok(())
        };
        if entries.len() < SITEMAP_LIMIT {
            sitemap("sitemap.xml".into(), &entries)?;
        } else {
            // As Zola: sitemap1.xml, sitemap2.xml, … and an index of them.
            let mut sitemaps = Vec::new();
            for (n, chunk) in entries.chunks(SITEMAP_LIMIT).enumerate() {
                let name = format!("sitemap{}.xml", n + 1);
                sitemap(name.clone(), chunk)?;
                let mut url = config.permalink(&name);
                url.pop();
                sitemaps.push(url);
            }
            let mut context = tera::Context::new();
            context.insert("sitemaps", &sitemaps);
            let index_template = require(tera, "split_sitemap_index.xml")?;
            emit("sitemap.xml".into(), render(index_template, &context)?)?;
        }
    }
    for lang in config.all_languages() {
        let options = config.language(&lang);
        if !options.generate_feeds {
            continue;
        }
        let pages = feed_pages(index, &lang);
        let mut context = tera::Context::new();
        let last_updated = pages
            .iter()
            .filter_map(|&i| index.docs[i].updated())
            .chain(pages.first().and_then(|&i| index.docs[i].date()))
            .max();
        if let Some(last) = &last_updated {
            context.insert("last_updated", last);
        }
        let limit = config.feed_limit.unwrap_or(pages.len());
        let values: Vec<&Value> = pages
            .iter()
            .take(limit)
            .map(|&i| &index.page_values[i])
            .collect();
        context.insert("pages", &values);
        context.insert("config", &index.config_value(&lang));
        context.insert("lang", &lang);
        for filename in &options.feed_filenames {
            let rel = if lang == default {
                filename.clone()
            } else {
                format!("{lang}/{filename}")
            };
            let mut context = context.clone();
            context.insert("feed_url", &config.permalink(&rel));
            emit(rel, render(require(tera, filename)?, &context)?)?;
        }
    }
    Ok(SiteFiles {
        keyed,
        others: written,
    })
}

/// What [`write_site_files`] wrote.
pub(super) struct SiteFiles {
    /// Files kept by key (the sitemaps): path, cache entry, whether it was reused.
    pub keyed: Vec<(String, cache::Entry, bool)>,
    /// Files written every time.
    pub others: Vec<String>,
}

/// The pages of `lang`'s feed: dated ones, newest first, ties by permalink.
fn feed_pages(index: &SiteIndex, lang: &str) -> Vec<usize> {
    let multilingual = index.config.is_multilingual();
    let mut pages: Vec<usize> = (0..index.docs.len())
        .filter(|&i| {
            let d = &index.docs[i];
            !d.is_section() && (!multilingual || d.lang == lang) && d.date().is_some()
        })
        .collect();
    pages.sort_by(|&a, &b| {
        let (x, y) = (&index.docs[a], &index.docs[b]);
        y.datetime
            .cmp(&x.datetime)
            .then_with(|| x.permalink.cmp(&y.permalink))
    });
    pages
}

/// Zola's sitemap entries: every page (`updated`, else `date`) and section (no date), every
/// pager of a paginated section, sorted by permalink.
fn sitemap_entries(index: &SiteIndex) -> Vec<SitemapEntry> {
    let mut entries: Vec<SitemapEntry> = Vec::new();
    for (i, d) in index.docs.iter().enumerate() {
        entries.push(SitemapEntry {
            permalink: d.permalink.clone(),
            doc: Some(i),
        });
        let exclude = index.config.exclude_paginated_pages_in_sitemap == ExcludePaginated::All;
        if let (Some(per), false) = (paginate_by(index, i), exclude) {
            let count = index.section_pages.get(&i).map_or(0, Vec::len);
            for n in 1..=count.div_ceil(per) {
                entries.push(SitemapEntry {
                    permalink: format!("{}{}/{n}/", d.permalink, paginate_path(index, i)),
                    doc: None,
                });
            }
        }
    }
    entries.sort_by(|a, b| a.permalink.cmp(&b.permalink));
    entries.dedup_by(|a, b| a.permalink == b.permalink);
    entries
}

/// One URL of the sitemap: a page or section (`doc`), or a pager of a section.
struct SitemapEntry {
    permalink: String,
    doc: Option<usize>,
}

impl SitemapEntry {
    /// Zola's sitemap entry: `permalink`, `updated` (pages only) and `extra`.
    fn value(&self, index: &SiteIndex) -> Value {
        let Some(i) = self.doc else {
            return json!({"permalink": self.permalink, "updated": null, "extra": null});
        };
        let d = &index.docs[i];
        let extra = match d.is_section() {
            true => d.extra(),
            // A page's `extra` lives in its value (`SiteIndex::page_values`).
            false => match index.page_values[i].get("extra") {
                Some(Value::Object(extra)) => extra,
                _ => d.extra(),
            },
        };
        json!({
            "permalink": self.permalink,
            "updated": if d.is_section() { None } else { d.updated().or_else(|| d.date()) },
            "extra": extra,
        })
    }
}

/// Digest of what a sitemap file is rendered from: each entry's permalink and its page's
/// digest (which holds its dates and `extra`), or a section's `extra`.
fn sitemap_key(index: &SiteIndex, entries: &[SitemapEntry]) -> u64 {
    let mut digest = Digest::default();
    for entry in entries {
        digest.bytes(entry.permalink.as_bytes());
        match entry.doc {
            Some(i) if index.docs[i].is_section() => {
                digest.serialized(index.docs[i].extra());
            }
            Some(i) => {
                digest.bytes(&index.page_digests[i].to_le_bytes());
            }
            None => {}
        }
    }
    digest.finish()
}
