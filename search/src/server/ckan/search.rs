//! CKAN's `package_search`: `q` (full text through the search index, with fielded terms such
//! as `tags:x` or `name:x` taken as filters), `fq` as harvesters send it (`field:value`,
//! quoted values, `field:(a OR b)`, ranges on `metadata_modified`, `+`/`-`), `rows` clamped
//! to 1000 as CKAN does, `start`, `sort` and `facet.field`. Not for: the other actions.

use serde_json::{json, Map, Value};

use super::objects;
use super::{CkanError, Params};
use crate::catalogue::Package;
use crate::query::{self, SearchRequest};
use crate::server::datasets::{shorten, DataState};
use crate::SearchIndex;

/// CKAN's `ckan.search.rows_max`: larger `rows` are clamped to it, not refused.
pub(super) const ROWS_MAX: usize = 1000;

/// How `package_search` finds packages for `q`: the full-text index (Ukrainian analysis,
/// inflected forms, typos) over dataset metadata, in rank order; a plain match over titles,
/// descriptions and keywords only when the build has no index.
fn search_packages<'a>(data: &'a DataState, index: &SearchIndex, q: &str) -> Vec<&'a Package> {
    let q = q.trim();
    if q.is_empty() || q == "*:*" {
        return data.catalogue.packages.iter().collect();
    }
    match ranked_names(index, q) {
        Some(names) => names
            .iter()
            .filter_map(|name| data.catalogue.packages.iter().find(|p| &p.name == name))
            .collect(),
        None => match_packages(data, q),
    }
}

/// Dataset names whose metadata matches `q`, best first (each language's document counts
/// once); `None` when there is no index to ask.
fn ranked_names(index: &SearchIndex, q: &str) -> Option<Vec<String>> {
    let mut request = SearchRequest::new(q).filter("type", "dataset");
    request.limit = query::MAX_LIMIT;
    let mut names: Vec<String> = Vec::new();
    loop {
        let response = index.search(&request).ok()?;
        for hit in &response.hits {
            let name = hit.id.trim_end_matches("@en");
            if !names.iter().any(|n| n == name) {
                names.push(name.to_string());
            }
        }
        match response.next_offset() {
            Some(offset) => request.offset = offset,
            None => return Some(names),
        }
    }
}

fn match_packages<'a>(data: &'a DataState, q: &str) -> Vec<&'a Package> {
    let terms: Vec<String> = q
        .split_whitespace()
        .filter(|t| *t != "*:*")
        .map(str::to_lowercase)
        .collect();
    data.catalogue
        .packages
        .iter()
        .filter(|p| {
            let haystack = format!(
                "{} {} {} {} {} {}",
                p.name,
                p.title,
                p.title_en,
                p.description,
                p.description_en,
                p.keywords.join(" ")
            )
            .to_lowercase();
            terms.iter().all(|t| haystack.contains(t.as_str()))
        })
        .collect()
}

const FACETS: [&str; 6] = [
    "organization",
    "tags",
    "groups",
    "res_format",
    "license_id",
    "topic",
];

/// Fields `fq` and fielded `q` terms may filter on besides the facets.
const FILTERS: [&str; 6] = [
    "name",
    "id",
    "owner_org",
    "dataset_type",
    "capacity",
    "state",
];

/// The values a package has for a facet or filter field.
fn field_values(data: &DataState, package: &Package, field: &str) -> Vec<String> {
    match field {
        "organization" | "owner_org" => objects::organization(data, package)
            .map(|o| vec![o["name"].as_str().unwrap_or_default().to_string()])
            .unwrap_or_default(),
        "groups" => package.topic.iter().cloned().collect(),
        "capacity" => vec!["public".into()],
        "state" => vec!["active".into()],
        "tags" => package.keywords.clone(),
        "res_format" => vec!["CSV".into()],
        "license_id" => package.licenses.iter().map(|l| l.name.clone()).collect(),
        "topic" => package.topic.iter().cloned().collect(),
        "name" | "id" => vec![package.name.clone()],
        _ => Vec::new(),
    }
}

/// One `fq` term.
enum FilterQuery {
    Field(String, String),
    Modified(Option<String>, Option<String>),
}

/// One `fq` term, possibly negated (`-organization:x`).
struct Term {
    negated: bool,
    query: FilterQuery,
}

/// Terms joined by `OR`; an `fq` is the AND of its clauses.
type Clause = Vec<Term>;

impl Term {
    fn matches(&self, data: &DataState, package: &Package) -> bool {
        let hit = match &self.query {
            FilterQuery::Field(field, value) if field == "dataset_type" => value == "dataset",
            FilterQuery::Field(field, value) => field_values(data, package, field)
                .iter()
                .any(|v| v == value),
            FilterQuery::Modified(from, to) => {
                let modified = package
                    .modified
                    .as_deref()
                    .or(package.created.as_deref())
                    .unwrap_or("");
                from.as_deref().is_none_or(|f| modified >= f)
                    && to.as_deref().is_none_or(|t| modified <= t)
            }
        };
        hit != self.negated
    }
}

/// Parses the `fq` harvesters send: `field:value`, `"quoted"` values, `[FROM TO TO]` ranges,
/// `+`/`-` prefixes, `OR` between terms (as ckanext-harvest's organisation filters), brackets.
fn parse_fq(fq: &str) -> Result<Vec<Clause>, CkanError> {
    let mut out: Vec<Clause> = Vec::new();
    let mut or_next = false;
    let cleaned = expand_groups(fq).replace(['(', ')'], " ");
    let mut rest = cleaned.trim();
    while !rest.is_empty() {
        let term_end = if let Some(open) = rest.find(":[") {
            if rest[..open].contains(char::is_whitespace) {
                rest.find(char::is_whitespace).unwrap_or(rest.len())
            } else {
                rest.find(']').map_or(rest.len(), |i| i + 1)
            }
        } else if let Some(q) = rest.find(":\"") {
            if rest[..q].contains(char::is_whitespace) {
                rest.find(char::is_whitespace).unwrap_or(rest.len())
            } else {
                rest[q + 2..].find('"').map_or(rest.len(), |i| q + 3 + i)
            }
        } else {
            rest.find(char::is_whitespace).unwrap_or(rest.len())
        };
        let token = &rest[..term_end];
        rest = rest[term_end..].trim_start();
        match token {
            "OR" | "||" => {
                or_next = true;
                continue;
            }
            "AND" | "&&" | "" | "*:*" => continue,
            _ => {}
        }
        let negated = token.starts_with('-');
        let term = token.trim_start_matches(['+', '-']);
        let (field, value) = term.split_once(':').ok_or_else(|| {
            CkanError::validation("fq", format!("`{}` is not field:value", shorten(term)))
        })?;
        let value = value.trim_matches('"');
        let query = if field == "metadata_modified" {
            let inner = value.trim_start_matches('[').trim_end_matches(']');
            let (from, to) = inner.split_once(" TO ").ok_or_else(|| {
                CkanError::validation("fq", "metadata_modified takes a range: [FROM TO TO]")
            })?;
            let bound = |b: &str| {
                (b != "*" && !b.is_empty()).then(|| b.chars().take(10).collect::<String>())
            };
            FilterQuery::Modified(bound(from.trim()), bound(to.trim()))
        } else if FACETS.contains(&field) || FILTERS.contains(&field) {
            FilterQuery::Field(field.to_string(), value.to_string())
        } else {
            return Err(CkanError::validation(
                "fq",
                format!(
                    "cannot filter on `{}`; use organization, tags, res_format, license_id, topic, name or metadata_modified",
                    shorten(field)
                ),
            ));
        };
        let term = Term { negated, query };
        match out.last_mut() {
            Some(clause) if or_next => clause.push(term),
            _ => out.push(vec![term]),
        }
        or_next = false;
    }
    Ok(out)
}

pub(super) fn package_search(
    data: &DataState,
    index: &SearchIndex,
    get: &Params,
) -> Result<Value, CkanError> {
    let rows = get.int("rows", 10, usize::MAX)?.min(ROWS_MAX);
    let start = get.int("start", 0, 1_000_000)?;
    let (text, fielded) = split_q(get.get("q").unwrap_or(""));
    let mut filters = parse_fq(get.get("fq").unwrap_or(""))?;
    filters.extend(parse_fq(&fielded).map_err(|e| e.renamed("q"))?);
    let facet_fields = get.list("facet.field");
    if let Some(bad) = facet_fields.iter().find(|f| !FACETS.contains(&f.as_str())) {
        return Err(CkanError::validation(
            "facet.field",
            format!(
                "cannot facet on `{}`; use {}",
                shorten(bad),
                FACETS.join(", ")
            ),
        ));
    }
    let mut found: Vec<&Package> = search_packages(data, index, &text)
        .into_iter()
        .filter(|p| {
            filters
                .iter()
                .all(|clause| clause.iter().any(|t| t.matches(data, p)))
        })
        .collect();
    match get.get("sort").map(str::trim) {
        None
        | Some("")
        | Some("score desc, metadata_modified desc")
        | Some("score desc")
        | Some("relevance asc") => {}
        // ckanext-harvest pages with `sort=id asc`; a package's id is its name.
        Some("name asc") | Some("id asc") => found.sort_by(|a, b| a.name.cmp(&b.name)),
        Some("name desc") | Some("id desc") => found.sort_by(|a, b| b.name.cmp(&a.name)),
        Some("title_string asc") => found.sort_by(|a, b| a.title.cmp(&b.title)),
        Some("title_string desc") => found.sort_by(|a, b| b.title.cmp(&a.title)),
        Some("metadata_modified asc") => found.sort_by(|a, b| a.modified.cmp(&b.modified)),
        Some("metadata_modified desc") => found.sort_by(|a, b| b.modified.cmp(&a.modified)),
        Some(other) => {
            return Err(CkanError::validation(
                "sort",
                format!(
                "cannot sort by `{}`; use name, title_string or metadata_modified with asc or desc",
                shorten(other)
            ),
            ))
        }
    }
    let mut facets = Map::new();
    let mut search_facets = Map::new();
    for field in &facet_fields {
        let mut counts: Vec<(String, usize)> = Vec::new();
        for p in &found {
            for v in field_values(data, p, field) {
                match counts.iter_mut().find(|(name, _)| *name == v) {
                    Some((_, n)) => *n += 1,
                    None => counts.push((v, 1)),
                }
            }
        }
        counts.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        facets.insert(
            field.clone(),
            Value::Object(counts.iter().map(|(k, n)| (k.clone(), json!(n))).collect()),
        );
        search_facets.insert(
            field.clone(),
            json!({"title": field, "items": counts.iter().map(|(k, n)| json!({"name": k, "display_name": k, "count": n})).collect::<Vec<_>>()}),
        );
    }
    let results: Vec<Value> = found
        .iter()
        .skip(start)
        .take(rows)
        .map(|p| objects::package(data, p))
        .collect();
    Ok(json!({
        "count": found.len(),
        "sort": get.get("sort").unwrap_or("score desc, metadata_modified desc"),
        "results": results,
        "facets": facets,
        "search_facets": search_facets,
    }))
}

/// `field:(a OR b)` → `field:a OR field:b`, as Solr reads it.
fn expand_groups(fq: &str) -> String {
    let mut out = String::new();
    let mut rest = fq;
    while let Some(at) = rest.find(":(") {
        let before = &rest[..at];
        let field_start = before
            .rfind(|c: char| c.is_whitespace() || c == '(')
            .map_or(0, |i| i + 1);
        let field = before[field_start..].trim_start_matches(['+', '-']);
        let negated = before[field_start..].starts_with('-');
        let Some(close) = rest[at..].find(')') else {
            break;
        };
        out.push_str(&before[..field_start]);
        let inner = &rest[at + 2..at + close];
        let terms: Vec<String> = quoted_tokens(inner)
            .into_iter()
            .filter(|t| t != "OR" && t != "||")
            .map(|t| format!("{}{field}:{t}", if negated { "-" } else { "" }))
            .collect();
        out.push_str(&format!(" ({}) ", terms.join(" OR ")));
        rest = &rest[at + close + 1..];
    }
    out.push_str(rest);
    out
}

/// Whitespace-separated tokens, a `"quoted value"` kept whole (with its quotes).
fn quoted_tokens(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    let mut quoted = false;
    for c in text.chars() {
        match c {
            '"' => {
                quoted = !quoted;
                current.push(c);
            }
            c if c.is_whitespace() && !quoted => {
                if !current.is_empty() {
                    out.push(std::mem::take(&mut current));
                }
            }
            c => current.push(c),
        }
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

/// Splits `q` into its free text and its `field:value` terms on fields CKAN indexes as
/// filters (`tags:x`, `name:x`, `organization:x`, …); `title:`/`notes:`/`text:` terms are text.
fn split_q(q: &str) -> (String, String) {
    let mut text = Vec::new();
    let mut fielded = Vec::new();
    for token in quoted_tokens(&expand_groups(q)) {
        let bare = token.trim_start_matches(['+', '-', '(']);
        match bare.split_once(':') {
            Some((field, value))
                if FACETS.contains(&field)
                    || FILTERS.contains(&field)
                    || field == "metadata_modified" =>
            {
                let _ = value;
                fielded.push(token);
            }
            Some(("title" | "notes" | "text", value)) => {
                text.push(value.trim_matches('"').to_string())
            }
            _ if token == "OR" && !fielded.is_empty() && text.is_empty() => fielded.push(token),
            _ => text.push(token),
        }
    }
    (text.join(" "), fielded.join(" "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grouped_or_expands_per_value() {
        assert_eq!(
            expand_groups("organization:(a OR b)").trim(),
            "(organization:a OR organization:b)"
        );
        let clauses = parse_fq("organization:(a OR \"b c\") +dataset_type:dataset").unwrap();
        assert_eq!(clauses.len(), 2);
        assert_eq!(clauses[0].len(), 2);
    }

    #[test]
    fn fielded_q_becomes_filters() {
        let (text, fielded) = split_q("бюджет tags:1551 name:kyiv-appeals");
        assert_eq!(text, "бюджет");
        assert_eq!(fielded, "tags:1551 name:kyiv-appeals");
        assert_eq!(split_q("title:звернення").0, "звернення");
    }
}
