//! The site index of the Zola subset: every document with its serialized `page` / `section`
//! value, section membership and sorting, translations, the list of output files, and the
//! special outputs (404, sitemap, feeds). Templates reach it through `functions`.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use rayon::prelude::*;
use serde_json::{json, Map, Value};
use tera::Tera;

use super::cache::Digest;
use super::{write, Doc, SiteConfig, ZolaError};

/// Everything templates can reach: the documents, their serialized forms and caches.
pub(super) struct SiteIndex {
    pub(super) config: SiteConfig,
    pub(super) site_dir: PathBuf,
    pub(super) docs: Vec<Doc>,
    pub(super) by_path: HashMap<String, usize>,
    /// Page values (Zola's `page` object), by doc index; sections hold `Value::Null`.
    pub(super) page_values: Vec<Value>,
    /// For each section doc: its pages (doc indexes, sorted) and subsections.
    pub(super) section_pages: HashMap<usize, Vec<usize>>,
    pub(super) section_subsections: HashMap<usize, Vec<usize>>,
    pub(super) translations: HashMap<(String, String), Vec<usize>>,
    pub(super) data_cache: Mutex<HashMap<String, Value>>,
    /// The reduced `config` per language, serialized once rather than per page.
    config_values: HashMap<String, Value>,
    /// Current digests of what templates read, for the render cache.
    digests: Mutex<HashMap<String, Option<u64>>>,
}

impl SiteIndex {
    pub(super) fn new(config: SiteConfig, docs: Vec<Doc>, site_dir: PathBuf) -> SiteIndex {
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
            digests: Mutex::new(HashMap::new()),
            config_values: HashMap::new(),
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
        let mut langs = vec![index.config.default_language.clone()];
        langs.extend(index.config.languages.keys().cloned());
        index.config_values = langs
            .into_iter()
            .map(|lang| {
                let value = index.config.serialize_for(&lang);
                (lang, value)
            })
            .collect();
        index
    }

    pub(super) fn common_value(&self, i: usize) -> Map<String, Value> {
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

    pub(super) fn page_value(&self, i: usize) -> Value {
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

    pub(super) fn section_value(&self, i: usize, with_pages: bool) -> Value {
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
    pub(super) fn template_of(&self, i: usize) -> String {
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

    pub(super) fn outputs(&self) -> Vec<Output> {
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

    pub(super) fn base_context(&self, lang: &str, path: &str) -> tera::Context {
        let mut context = tera::Context::new();
        match self.config_values.get(lang) {
            Some(config) => context.insert("config", config),
            None => context.insert("config", &self.config.serialize_for(lang)),
        }
        context.insert("lang", lang);
        context.insert("current_path", path);
        context.insert("current_url", &self.config.permalink(path));
        context
    }

    /// 404.html, sitemap.xml and the feeds; returns the files written (relative).
    pub(super) fn write_special(
        &self,
        tera: &Tera,
        out_dir: &Path,
    ) -> Result<Vec<String>, ZolaError> {
        let mut written = Vec::new();
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
            written.push("404.html".to_string());
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
            written.push("sitemap.xml".to_string());
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
                let rel = path.trim_start_matches('/').to_string();
                write(&out_dir.join(&rel), xml.as_bytes())?;
                written.push(rel);
            }
        }
        Ok(written)
    }

    pub(super) fn date_key(&self, i: usize) -> String {
        let front = &self.docs[i].front;
        front
            .updated
            .as_ref()
            .or(front.date.as_ref())
            .map(toml_scalar)
            .unwrap_or_default()
    }

    pub(super) fn doc_for_path(&self, path: &str, kind: &str) -> tera::Result<usize> {
        self.by_path
            .get(path.trim_start_matches("@/"))
            .copied()
            .ok_or_else(|| tera::Error::msg(format!("{kind} `{path}` not found under content/")))
    }

    /// The current digest of a dependency recorded by the template functions.
    pub(super) fn dependency_digest(&self, what: &str) -> Option<u64> {
        if let Some(known) = self.digests.lock().ok().and_then(|d| d.get(what).copied()) {
            return known;
        }
        let digest = if let Some(path) = what.strip_prefix("data:") {
            std::fs::read(self.site_dir.join(path))
                .ok()
                .map(|bytes| Digest::default().bytes(&bytes).finish())
        } else if let Some(rest) = what.strip_prefix("section:") {
            rest.rsplit_once(':').and_then(|(path, metadata_only)| {
                let doc = self.doc_for_path(path, "section").ok()?;
                let value = self.section_value(doc, metadata_only != "true");
                Some(Digest::default().value(&value).finish())
            })
        } else if let Some(path) = what.strip_prefix("page:") {
            let doc = self.doc_for_path(path, "page").ok()?;
            Some(Digest::default().value(&self.page_values[doc]).finish())
        } else {
            None
        };
        if let Ok(mut digests) = self.digests.lock() {
            digests.insert(what.to_string(), digest);
        }
        digest
    }

    pub(super) fn load_data(&self, path: &str, format: Option<&str>) -> tera::Result<Value> {
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
pub(super) fn csv_value(text: &str) -> Result<Value, csv::Error> {
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
pub(super) enum Output {
    Page(usize),
    /// A section, or one page of a paginated section: (number, per page, total).
    Section {
        doc: usize,
        pager: Option<(usize, usize, usize)>,
    },
}

impl Output {
    pub(super) fn url_path(&self, index: &SiteIndex) -> String {
        match self {
            Output::Page(i) => index.docs[*i].path.clone(),
            Output::Section { doc, pager } => match pager {
                Some((n, _, _)) if *n > 1 => format!("{}page/{n}/", index.docs[*doc].path),
                _ => index.docs[*doc].path.clone(),
            },
        }
    }

    /// Digest of everything this output's template context holds.
    pub(super) fn key(&self, index: &SiteIndex) -> u64 {
        let (doc, pager) = match self {
            Output::Page(i) => (*i, None),
            Output::Section { doc, pager } => (*doc, *pager),
        };
        let mut digest = Digest::default();
        digest
            .bytes(index.template_of(doc).as_bytes())
            .bytes(self.url_path(index).as_bytes())
            .bytes(index.docs[doc].lang.as_bytes());
        match (self, pager) {
            (Output::Page(i), _) => {
                digest.value(&index.page_values[*i]);
            }
            (_, None) => {
                digest.value(&index.section_value(doc, true));
            }
            (_, Some((number, per, total))) => {
                digest.value(&index.section_value(doc, false));
                digest.bytes(format!("{number}/{per}/{total}").as_bytes());
                let ids = index.section_pages.get(&doc).cloned().unwrap_or_default();
                for &p in ids.iter().skip((number - 1) * per).take(per) {
                    digest.value(&index.page_values[p]);
                }
            }
        }
        digest.finish()
    }

    pub(super) fn render(&self, tera: &Tera, index: &SiteIndex) -> Result<String, ZolaError> {
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
    pub(super) fn output_file(&self, index: &SiteIndex) -> PathBuf {
        PathBuf::from(format!(
            "{}index.html",
            self.url_path(index).trim_start_matches('/')
        ))
    }
}
