//! The site index of the Zola subset — Zola's library: every document with its serialized
//! `page` / `section` value (the fields and meanings of Zola 0.22's `SerializingPage` and
//! `SerializingSection`), section membership, sorting and siblings, ancestors, translations
//! and backlinks, and what `load_data` reads. Templates reach it through `functions`; the
//! files it becomes are `outputs`.

use std::cmp::Ordering;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use rayon::prelude::*;
use serde_json::{json, Map, Value};

use super::cache::Digest;
use super::docs::{Doc, SortBy};
use super::SiteConfig;

/// Everything templates can reach: the documents, their serialized forms and caches.
pub(super) struct SiteIndex {
    pub(super) config: SiteConfig,
    pub(super) site_dir: PathBuf,
    pub(super) docs: Vec<Doc>,
    pub(super) by_path: HashMap<String, usize>,
    /// Page values (Zola's `page` without `lower` / `higher`), by doc index; sections hold
    /// `Value::Null`.
    pub(super) page_values: Vec<Value>,
    /// Digest of each page's value (0 for sections), made once: every render-cache key that
    /// holds a page holds its digest instead of serializing the page again.
    pub(super) page_digests: Vec<u64>,
    /// For each section doc: its pages (doc indexes, sorted; pages the sort cannot place are
    /// left out, as in Zola) and subsections.
    pub(super) section_pages: HashMap<usize, Vec<usize>>,
    section_subsections: HashMap<usize, Vec<usize>>,
    /// The page before and after each page in its section's order (`lower`, `higher`).
    siblings: HashMap<usize, (Option<usize>, Option<usize>)>,
    /// Pages their section's sort left out (no date, weight…): Zola renders them nowhere.
    pub(super) unlisted: std::collections::HashSet<usize>,
    /// Each document's parent sections, root first (relative paths).
    ancestors: Vec<Vec<String>>,
    translations: HashMap<(String, String), Vec<usize>>,
    backlinks: HashMap<String, Vec<usize>>,
    pub(super) data_cache: Mutex<HashMap<String, Value>>,
    /// The `config` per language, serialized once rather than per page.
    config_values: HashMap<String, Value>,
    /// Current digests of what templates read, for the render cache.
    digests: Mutex<HashMap<String, Option<u64>>>,
}

impl SiteIndex {
    pub(super) fn new(config: SiteConfig, docs: Vec<Doc>, site_dir: PathBuf) -> SiteIndex {
        let by_path: HashMap<String, usize> = docs
            .iter()
            .enumerate()
            .map(|(i, d)| (d.relative_path.clone(), i))
            .collect();
        let mut translations: HashMap<(String, String), Vec<usize>> = HashMap::new();
        if config.is_multilingual() {
            for (i, doc) in docs.iter().enumerate() {
                translations
                    .entry((doc.dir.clone(), doc.name.clone()))
                    .or_default()
                    .push(i);
            }
        }
        let section_of = |dir: &str, lang: &str| -> Option<usize> {
            let file = section_file(dir, lang, &config.default_language);
            by_path.get(&file).copied()
        };
        let mut ancestors: Vec<Vec<String>> = vec![Vec::new(); docs.len()];
        let mut section_subsections: HashMap<usize, Vec<usize>> = HashMap::new();
        for (i, doc) in docs.iter().enumerate().filter(|(_, d)| d.is_section()) {
            if doc.dir.is_empty() {
                continue;
            }
            let mut list = vec![section_file("", &doc.lang, &config.default_language)];
            let parts: Vec<&str> = doc.dir.split('/').collect();
            for end in 1..parts.len() {
                if let Some(s) = section_of(&parts[..end].join("/"), &doc.lang) {
                    list.push(docs[s].relative_path.clone());
                }
            }
            ancestors[i] = list;
            let parent = doc.dir.rsplit_once('/').map_or("", |p| p.0);
            if let Some(s) = section_of(parent, &doc.lang) {
                section_subsections.entry(s).or_default().push(i);
            }
        }
        for children in section_subsections.values_mut() {
            children.sort_by_key(|&c| docs[c].section().map_or(0, |s| s.weight));
        }
        let mut section_pages: HashMap<usize, Vec<usize>> = HashMap::new();
        for (i, doc) in docs.iter().enumerate().filter(|(_, d)| !d.is_section()) {
            if let Some(s) = section_of(&doc.dir, &doc.lang) {
                section_pages.entry(s).or_default().push(i);
                let mut list = ancestors[s].clone();
                list.push(docs[s].relative_path.clone());
                ancestors[i] = list;
            }
        }
        let mut siblings = HashMap::new();
        let mut unlisted = std::collections::HashSet::new();
        for (section, pages) in section_pages.iter_mut() {
            let sort_by = docs[*section].section().map_or(SortBy::None, |s| s.sort_by);
            if sort_by == SortBy::None {
                continue;
            }
            let before = pages.len();
            let all = (before > 0).then(|| pages.clone());
            sort_pages(pages, &docs, sort_by);
            if let (true, Some(all)) = (pages.len() < before, all) {
                let kept: std::collections::HashSet<usize> = pages.iter().copied().collect();
                unlisted.extend(all.into_iter().filter(|p| !kept.contains(p)));
            }
            for (n, &p) in pages.iter().enumerate() {
                let lower = n.checked_sub(1).map(|m| pages[m]);
                siblings.insert(p, (lower, pages.get(n + 1).copied()));
            }
        }
        let mut backlinks: HashMap<String, Vec<usize>> = HashMap::new();
        for (i, doc) in docs.iter().enumerate() {
            for target in &doc.links {
                let sources = backlinks.entry(target.clone()).or_default();
                if !sources.contains(&i) {
                    sources.push(i);
                }
            }
        }
        for sources in backlinks.values_mut() {
            sources.sort_by(|&a, &b| docs[a].permalink.cmp(&docs[b].permalink));
        }
        let mut index = SiteIndex {
            config,
            site_dir,
            docs,
            by_path,
            page_values: Vec::new(),
            page_digests: Vec::new(),
            section_pages,
            section_subsections,
            siblings,
            unlisted,
            ancestors,
            translations,
            backlinks,
            data_cache: Mutex::new(HashMap::new()),
            digests: Mutex::new(HashMap::new()),
            config_values: HashMap::new(),
        };
        let extras: Vec<Map<String, Value>> =
            index.docs.iter_mut().map(Doc::take_page_extra).collect();
        let values: Vec<Value> = extras
            .into_par_iter()
            .enumerate()
            .map(|(i, extra)| {
                if index.docs[i].is_section() {
                    Value::Null
                } else {
                    index.page_value(i, extra)
                }
            })
            .collect();
        index.page_digests = values
            .par_iter()
            .map(|v| match v {
                Value::Null => 0,
                page => Digest::default().value(page).finish(),
            })
            .collect();
        index.page_values = values;
        index.config_values = index
            .config
            .all_languages()
            .into_iter()
            .map(|lang| {
                let value = index.config.serialize_for(&lang);
                (lang, value)
            })
            .collect();
        index
    }

    /// The serialized `config` for `lang`.
    pub(super) fn config_value(&self, lang: &str) -> Value {
        match self.config_values.get(lang) {
            Some(value) => value.clone(),
            None => self.config.serialize_for(lang),
        }
    }

    /// The fields pages and sections share.
    fn common_value(&self, i: usize, extra: Map<String, Value>) -> Map<String, Value> {
        let doc = &self.docs[i];
        let translations: Vec<Value> = self
            .translations
            .get(&(doc.dir.clone(), doc.name.clone()))
            .map(|ids| {
                ids.iter()
                    .map(|&t| {
                        let other = &self.docs[t];
                        json!({
                            "lang": other.lang,
                            "permalink": other.permalink,
                            "title": other.title(),
                            "path": other.file_path,
                        })
                    })
                    .collect()
            })
            .unwrap_or_default();
        let backlinks: Vec<Value> = self
            .backlinks
            .get(&doc.relative_path)
            .map(|ids| {
                ids.iter()
                    .map(|&b| json!({"permalink": self.docs[b].permalink, "title": self.docs[b].title()}))
                    .collect()
            })
            .unwrap_or_default();
        let components: Vec<&str> = doc.path.split('/').filter(|c| !c.is_empty()).collect();
        let mut map = Map::new();
        map.insert("relative_path".into(), json!(doc.relative_path));
        map.insert("colocated_path".into(), Value::Null);
        map.insert("content".into(), json!(doc.content));
        map.insert("permalink".into(), json!(doc.permalink));
        map.insert("ancestors".into(), json!(self.ancestors[i]));
        map.insert("title".into(), json!(doc.title()));
        map.insert("description".into(), json!(doc.description()));
        map.insert("extra".into(), Value::Object(extra));
        map.insert("path".into(), json!(doc.path));
        map.insert("components".into(), json!(components));
        map.insert("toc".into(), json!([]));
        map.insert("word_count".into(), json!(doc.word_count));
        map.insert("reading_time".into(), json!(doc.word_count.div_ceil(200)));
        map.insert("assets".into(), json!([]));
        map.insert("draft".into(), json!(false));
        map.insert("lang".into(), json!(doc.lang));
        map.insert("translations".into(), Value::Array(translations));
        map.insert("backlinks".into(), Value::Array(backlinks));
        map
    }

    /// Zola's `page` without siblings (`lower` / `higher` null): what feeds, paginators
    /// and siblings themselves hold; `extra` is the page's, taken from its document.
    fn page_value(&self, i: usize, extra: Map<String, Value>) -> Value {
        let doc = &self.docs[i];
        let mut map = self.common_value(i, extra);
        let front = doc.page();
        let date = doc.date();
        let ymd = date
            .as_deref()
            .and_then(|d| d.get(..10))
            .and_then(|d| chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
            .filter(|_| doc.datetime.is_some());
        use chrono::Datelike;
        map.insert("slug".into(), json!(doc.slug));
        map.insert("updated".into(), json!(doc.updated()));
        map.insert("date".into(), json!(date));
        map.insert("year".into(), json!(ymd.map(|d| d.year())));
        map.insert("month".into(), json!(ymd.map(|d| d.month())));
        map.insert("day".into(), json!(ymd.map(|d| d.day())));
        map.insert("taxonomies".into(), json!({}));
        map.insert("authors".into(), json!(front.map(|f| &f.authors)));
        map.insert("summary".into(), Value::Null);
        map.insert("lower".into(), Value::Null);
        map.insert("higher".into(), Value::Null);
        Value::Object(map)
    }

    /// Zola's `page` as a page's own template, `get_page` and a full section see it: with
    /// the neighbours in its section's order.
    pub(super) fn page_with_siblings(&self, i: usize) -> Value {
        serde_json::to_value(self.page_ref(i)).unwrap_or(Value::Null)
    }

    /// [`Self::page_with_siblings`] without copying the values: what a render context and
    /// a digest serialize.
    /// Digest of what [`SiteIndex::page_ref`] serializes: the page and its siblings.
    pub(super) fn page_ref_digest(&self, i: usize) -> u64 {
        let (lower, higher) = self.siblings.get(&i).copied().unwrap_or_default();
        let digest = |s: Option<usize>| s.map_or(0, |s| self.page_digests[s]);
        let mut d = Digest::default();
        for part in [self.page_digests[i], digest(lower), digest(higher)] {
            d.bytes(&part.to_le_bytes());
        }
        d.finish()
    }

    pub(super) fn page_ref(&self, i: usize) -> PageRef<'_> {
        let sibling = |s: Option<usize>| s.map(|s| &self.page_values[s]);
        let (lower, higher) = self.siblings.get(&i).copied().unwrap_or_default();
        PageRef {
            page: &self.page_values[i],
            lower: sibling(lower),
            higher: sibling(higher),
        }
    }

    /// Zola's `section`: with its pages (`with_pages`), or metadata only (a paginated
    /// section's own template, `get_section(metadata_only = true)`).
    pub(super) fn section_value(&self, i: usize, with_pages: bool) -> Value {
        let mut map = self.common_value(i, self.docs[i].extra().clone());
        let front = self.docs[i].section();
        let pages: Vec<Value> = if with_pages {
            self.section_pages
                .get(&i)
                .map(|ids| ids.iter().map(|&p| self.page_with_siblings(p)).collect())
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
        map.insert("generate_feeds".into(), json!(false));
        map.insert("transparent".into(), json!(false));
        map.insert(
            "paginate_by".into(),
            json!(front.and_then(|f| f.paginate_by)),
        );
        map.insert(
            "paginate_reversed".into(),
            json!(front.is_some_and(|f| f.paginate_reversed)),
        );
        Value::Object(map)
    }

    /// The template for a doc: its own, else the nearest ancestor's `page_template`, else
    /// the default.
    pub(super) fn template_of(&self, i: usize) -> String {
        let doc = &self.docs[i];
        if let Some(t) = doc.template() {
            return t.clone();
        }
        if doc.is_section() {
            return if doc.dir.is_empty() {
                "index.html".into()
            } else {
                "section.html".into()
            };
        }
        self.ancestors[i]
            .iter()
            .rev()
            .filter_map(|a| self.by_path.get(a))
            .find_map(|&s| self.docs[s].section().and_then(|f| f.page_template.clone()))
            .unwrap_or_else(|| "page.html".into())
    }

    pub(super) fn doc_for_path(&self, path: &str, kind: &str) -> tera::Result<usize> {
        self.by_path
            .get(path.trim_start_matches("@/"))
            .copied()
            .filter(|&i| (kind == "section") == self.docs[i].is_section())
            .ok_or_else(|| {
                tera::Error::msg(format!(
                    "{kind} `{path}` not found under content/ (drafts are not built)"
                ))
            })
    }

    /// The current digest of a dependency recorded by the template functions.
    pub(super) fn dependency_digest(&self, what: &str) -> Option<u64> {
        if let Some(known) = self.digests.lock().ok().and_then(|d| d.get(what).copied()) {
            return known;
        }
        let digest = if let Some(path) = what.strip_prefix("data:") {
            self.find_data_file(path)
                .and_then(|file| std::fs::read(file).ok())
                .map(|bytes| Digest::default().bytes(&bytes).finish())
        } else if let Some(rest) = what.strip_prefix("section:") {
            rest.rsplit_once(':').and_then(|(path, metadata_only)| {
                let doc = self.doc_for_path(path, "section").ok()?;
                let value = self.section_value(doc, metadata_only != "true");
                Some(Digest::default().value(&value).finish())
            })
        } else if let Some(path) = what.strip_prefix("page:") {
            let doc = self.doc_for_path(path, "page").ok()?;
            Some(self.page_ref_digest(doc))
        } else {
            None
        };
        if let Ok(mut digests) = self.digests.lock() {
            digests.insert(what.to_string(), digest);
        }
        digest
    }

    /// Where Zola's `load_data` finds `path`: the site folder, then `static/`, `content/` and
    /// Zola's output folder (not searched here: nothing the built-in renderer writes is data;
    /// `@/` means `content/`, a leading `/` is dropped). Nothing outside the site folder.
    pub(super) fn find_data_file(&self, path: &str) -> Option<PathBuf> {
        let actual = match path.strip_prefix("@/") {
            Some(rest) => format!("content/{rest}"),
            None => path.trim_start_matches('/').to_string(),
        };
        if Path::new(&actual)
            .components()
            .any(|c| matches!(c, std::path::Component::ParentDir))
        {
            return None;
        }
        ["", "static", "content"]
            .iter()
            .map(|dir| self.site_dir.join(dir).join(&actual))
            .find(|p| p.is_file())
    }
}

/// A page value with its `lower` / `higher` siblings put in as it serializes.
pub(super) struct PageRef<'a> {
    page: &'a Value,
    lower: Option<&'a Value>,
    higher: Option<&'a Value>,
}

impl serde::Serialize for PageRef<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let Value::Object(fields) = self.page else {
            return self.page.serialize(serializer);
        };
        let mut map = serializer.serialize_map(Some(fields.len()))?;
        for (key, value) in fields {
            match key.as_str() {
                "lower" => map.serialize_entry(key, &self.lower)?,
                "higher" => map.serialize_entry(key, &self.higher)?,
                _ => map.serialize_entry(key, value)?,
            }
        }
        map.end()
    }
}

/// `_index.md` (default language) or `_index.<lang>.md` under `dir`.
pub(super) fn section_file(dir: &str, lang: &str, default_language: &str) -> String {
    let name = if lang == default_language {
        "_index.md".to_string()
    } else {
        format!("_index.{lang}.md")
    };
    if dir.is_empty() {
        name
    } else {
        format!("{dir}/{name}")
    }
}

/// Zola's page order: pages without the sort key are left out; ties go by permalink.
fn sort_pages(pages: &mut Vec<usize>, docs: &[Doc], sort_by: SortBy) {
    let title = |i: usize| docs[i].title().as_deref();
    pages.retain(|&i| match sort_by {
        SortBy::Date => docs[i].datetime.is_some(),
        SortBy::UpdateDate => docs[i].datetime.is_some() || docs[i].updated_datetime.is_some(),
        SortBy::Title | SortBy::TitleBytes => title(i).is_some(),
        SortBy::Weight => docs[i].page().is_some_and(|f| f.weight.is_some()),
        SortBy::Slug | SortBy::Permalink | SortBy::None => true,
    });
    pages.sort_by(|&a, &b| {
        let (x, y) = (&docs[a], &docs[b]);
        let order = match sort_by {
            SortBy::Date => y.datetime.cmp(&x.datetime),
            SortBy::UpdateDate => y
                .datetime
                .max(y.updated_datetime)
                .cmp(&x.datetime.max(x.updated_datetime)),
            SortBy::Title => lexical_sort::natural_lexical_cmp(
                title(a).unwrap_or_default(),
                title(b).unwrap_or_default(),
            ),
            SortBy::TitleBytes => title(a).cmp(&title(b)),
            SortBy::Weight => x
                .page()
                .and_then(|f| f.weight)
                .cmp(&y.page().and_then(|f| f.weight)),
            SortBy::Slug => lexical_sort::natural_lexical_cmp(&x.slug, &y.slug),
            SortBy::Permalink => x.permalink.cmp(&y.permalink),
            SortBy::None => Ordering::Equal,
        };
        order.then_with(|| x.permalink.cmp(&y.permalink))
    });
}

/// `load_data` on a CSV: `{headers: [...], records: [[...]]}`, every value a string; rows
/// of another length are errors, as with Zola's reader.
pub(super) fn csv_value(text: &str) -> Result<Value, csv::Error> {
    let mut reader = csv::Reader::from_reader(text.as_bytes());
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_loads_as_strings() {
        let value = csv_value("year,amount\n2024,3301953.5\n").unwrap();
        assert_eq!(value["headers"], json!(["year", "amount"]));
        assert_eq!(value["records"], json!([["2024", "3301953.5"]]));
        assert!(csv_value("a,b\n1\n").is_err());
    }

    #[test]
    fn section_files_by_language() {
        assert_eq!(section_file("", "uk", "uk"), "_index.md");
        assert_eq!(section_file("a/b", "en", "uk"), "a/b/_index.en.md");
    }
}
