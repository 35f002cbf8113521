//! The CKAN Action API subset at `/api/3/action/`: `package_list`, `package_show`,
//! `package_search`, `organization_list`, `datastore_search`, answered as CKAN does —
//! `{help, success, result}` with CKAN's field names, and errors in CKAN's shape
//! (`success: false`, `error.__type`, `error.message`) — so CKAN clients and harvesters work
//! unchanged. Not for: Vidkryto's own API shape (`datasets`, `rows`).

use serde_json::{json, Map, Value};
use warp::http::StatusCode;
use warp::reply::Response;

use super::datasets::{shorten, DataState};
use super::respond::{self, Cache, Reply, Req};
use crate::catalogue::Package;
use crate::query::{self, SearchRequest};
use crate::SearchIndex;

/// A CKAN error: its `__type`, message, HTTP status and (for validation) the field at fault.
#[derive(Debug)]
pub struct CkanError {
    kind: &'static str,
    status: StatusCode,
    message: String,
    field: Option<String>,
}

impl CkanError {
    pub(super) fn not_found(message: impl Into<String>) -> CkanError {
        CkanError {
            kind: "Not Found Error",
            status: StatusCode::NOT_FOUND,
            message: message.into(),
            field: None,
        }
    }

    /// CKAN answers invalid parameters with 409 and a `Validation Error` naming the field.
    pub(super) fn validation(field: &str, message: impl Into<String>) -> CkanError {
        CkanError {
            kind: "Validation Error",
            status: StatusCode::CONFLICT,
            message: message.into(),
            field: Some(field.to_string()),
        }
    }

    fn bad_request(message: impl Into<String>) -> CkanError {
        CkanError {
            kind: "Bad request",
            status: StatusCode::BAD_REQUEST,
            message: message.into(),
            field: None,
        }
    }
}

fn help_url(req: &Req, action: &str) -> String {
    format!("{}/api/3/action/help_show?name={action}", req.origin())
}

fn error_response(req: &Req, action: &str, error: CkanError) -> Response {
    let mut body = json!({
        "help": help_url(req, action),
        "success": false,
        "error": {"__type": error.kind, "message": error.message},
    });
    if let Some(field) = &error.field {
        body["error"][field] = json!([error.message]);
    }
    let bytes = serde_json::to_vec(&body).unwrap_or_default();
    let mut response = Reply::new("application/json", Cache::Metadata)
        .status(error.status)
        .body(req, "", bytes);
    response.headers_mut().insert(
        "cache-control",
        warp::http::HeaderValue::from_static("no-store"),
    );
    response
}

fn ok_response(data: &DataState, req: &Req, action: &str, result: Value) -> Response {
    let body = json!({"help": help_url(req, action), "success": true, "result": result});
    let bytes = serde_json::to_vec(&body).unwrap_or_default();
    Reply::new("application/json", Cache::Metadata).body(req, &data.version, bytes)
}

/// Runs `action` and wraps its result or error the CKAN way.
pub fn action(data: &DataState, index: &SearchIndex, req: &Req, action: &str) -> Response {
    let params = match respond::params(req) {
        Ok(p) => p,
        Err(e) => {
            return error_response(
                req,
                action,
                CkanError::validation(e.parameter.as_deref().unwrap_or("query"), e.message),
            )
        }
    };
    let params = Params(params);
    let get = &params;
    let result = match action {
        "package_list" => Ok(json!(data.catalogue.names())),
        "package_show" => package_show(data, req, get.get("id")),
        "package_search" => package_search(data, index, req, get),
        "organization_list" => Ok(organization_list(data, get.get("all_fields") == Some("true"))),
        "datastore_search" => super::datastore::datastore_search(data, get),
        other => Err(CkanError::bad_request(format!(
            "Bad request - Action name not known: {}; this portal answers package_list, package_show, package_search, organization_list, datastore_search",
            shorten(other)
        ))),
    };
    match result {
        Ok(result) => ok_response(data, req, action, result),
        Err(error) => error_response(req, action, error),
    }
}

/// A POST body that is neither a JSON object nor a form.
pub fn bad_body(req: &Req, action: &str) -> Response {
    error_response(
        req,
        action,
        CkanError::bad_request("Bad request - JSON Error: the body must be a JSON object"),
    )
}

/// An unknown action under `/api/3/action/`.
pub fn unknown(req: &Req) -> Response {
    let name = req.path.trim_start_matches("/api/3/action/");
    error_response(
        req,
        name,
        CkanError::bad_request(format!(
            "Bad request - Action name not known: {}; this portal answers package_list, package_show, package_search, organization_list, datastore_search",
            shorten(name)
        )),
    )
}

/// The request's parameters; the first of a repeated name counts.
pub(super) struct Params(Vec<(String, String)>);

impl Params {
    pub(super) fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

fn package_show(data: &DataState, req: &Req, id: Option<&str>) -> Result<Value, CkanError> {
    let id =
        id.ok_or_else(|| CkanError::validation("id", "Missing value: give id=<dataset name>"))?;
    let package = data
        .catalogue
        .package(id)
        .ok_or_else(|| CkanError::not_found(format!("Not found: no dataset `{}`", shorten(id))))?;
    Ok(ckan_package(data, req, package))
}

/// A CKAN-style name for a publisher: lower-case ASCII, digits and dashes.
fn slug(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    out.trim_matches('-').to_string()
}

fn organization(package: &Package) -> Option<Value> {
    let publisher = package.publisher()?;
    let english = publisher.title_en.clone().unwrap_or_default();
    let mut name = slug(&english);
    if name.is_empty() {
        name = format!(
            "publisher-{}",
            &crate::catalogue::hex(publisher.title.as_bytes())[..12.min(publisher.title.len() * 2)]
        );
    }
    Some(json!({
        "id": name,
        "name": name,
        "title": publisher.title,
        "title_en": publisher.title_en,
        "type": "organization",
        "is_organization": true,
        "state": "active",
        "approval_status": "approved",
        "description": "",
        "image_url": "",
    }))
}

fn timestamp(date: Option<&str>) -> Value {
    match date {
        Some(d) if d.len() == 10 => json!(format!("{d}T00:00:00")),
        Some(d) => json!(d),
        None => Value::Null,
    }
}

/// A package as CKAN's `package_show` gives it.
fn ckan_package(data: &DataState, req: &Req, package: &Package) -> Value {
    let origin = req.origin();
    let licence = package.licenses.first();
    let organization = organization(package);
    let resources: Vec<Value> = package
        .resources
        .iter()
        .enumerate()
        .map(|(i, r)| {
            json!({
                "id": format!("{}:{}", package.name, r.name),
                "package_id": package.name,
                "name": if r.title.is_empty() { &r.name } else { &r.title },
                "description": r.description,
                "format": "CSV",
                "mimetype": "text/csv",
                "url": format!("{origin}{}", crate::Layout::resource_csv_url(&package.name, &r.name)),
                "url_type": Value::Null,
                "datastore_active": data.store(&package.name, &r.name).is_some(),
                "state": "active",
                "position": i,
                "created": timestamp(package.created.as_deref()),
                "last_modified": timestamp(package.modified.as_deref()),
                "metadata_modified": timestamp(package.modified.as_deref()),
                "size": Value::Null,
                "hash": "",
                "resource_type": Value::Null,
            })
        })
        .collect();
    let mut extras = vec![json!({"key": "title_en", "value": package.title_en})];
    if let Some(topic) = &package.topic {
        extras.push(json!({"key": "topic", "value": topic}));
    }
    extras.push(json!({"key": "datapackage", "value": format!("{origin}/data/{}/datapackage.json", package.name)}));
    json!({
        "id": package.name,
        "name": package.name,
        "title": package.title,
        "notes": package.description,
        "url": format!("{origin}/datasets/{}/", package.name),
        "version": package.version,
        "type": "dataset",
        "state": "active",
        "private": false,
        "isopen": true,
        "license_id": licence.map(|l| l.name.clone()),
        "license_title": licence.and_then(|l| l.title.clone()),
        "license_url": licence.and_then(|l| l.path.clone()),
        "author": package.publisher().map(|p| p.title.clone()),
        "author_email": Value::Null,
        "maintainer": Value::Null,
        "maintainer_email": Value::Null,
        "metadata_created": timestamp(package.created.as_deref()),
        "metadata_modified": timestamp(package.modified.as_deref().or(package.created.as_deref())),
        "owner_org": organization.as_ref().map(|o| o["id"].clone()),
        "organization": organization,
        "tags": package.keywords.iter().map(|k| json!({"id": k, "name": k, "display_name": k, "state": "active", "vocabulary_id": Value::Null})).collect::<Vec<_>>(),
        "num_tags": package.keywords.len(),
        "groups": [],
        "relationships_as_object": [],
        "relationships_as_subject": [],
        "extras": extras,
        "resources": resources,
        "num_resources": package.resources.len(),
    })
}

fn organization_list(data: &DataState, all_fields: bool) -> Value {
    let mut seen: Vec<Value> = Vec::new();
    for package in &data.catalogue.packages {
        if let Some(org) = organization(package) {
            if !seen.iter().any(|o| o["name"] == org["name"]) {
                seen.push(org);
            }
        }
    }
    for org in &mut seen {
        let name = org["name"].clone();
        let count = data
            .catalogue
            .packages
            .iter()
            .filter(|p| organization(p).is_some_and(|o| o["name"] == name))
            .count();
        org["package_count"] = json!(count);
    }
    if all_fields {
        Value::Array(seen)
    } else {
        Value::Array(seen.into_iter().map(|o| o["name"].clone()).collect())
    }
}

/// How `package_search` finds packages for `q`: the full-text index (Ukrainian analysis,
/// inflected forms, typos) over dataset metadata, in rank order; a plain match over titles,
/// descriptions and keywords only when the build has no index.
pub fn search_packages<'a>(data: &'a DataState, index: &SearchIndex, q: &str) -> Vec<&'a Package> {
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

const FACETS: [&str; 5] = ["organization", "tags", "res_format", "license_id", "topic"];

/// The values a package has for a facet or filter field.
fn field_values(package: &Package, field: &str) -> Vec<String> {
    match field {
        "organization" | "owner_org" => organization(package)
            .map(|o| vec![o["name"].as_str().unwrap_or_default().to_string()])
            .unwrap_or_default(),
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
    fn matches(&self, package: &Package) -> bool {
        let hit = match &self.query {
            FilterQuery::Field(field, value) if field == "dataset_type" => value == "dataset",
            FilterQuery::Field(field, value) => {
                field_values(package, field).iter().any(|v| v == value)
            }
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
    let cleaned = fq.replace(['(', ')'], " ");
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
        } else if FACETS.contains(&field)
            || matches!(
                field,
                "name" | "id" | "owner_org" | "dataset_type" | "groups"
            )
        {
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

pub(super) fn int_param(
    get: &Params,
    name: &str,
    default: usize,
    max: usize,
) -> Result<usize, CkanError> {
    match get.get(name) {
        None | Some("") => Ok(default),
        Some(v) => v
            .parse::<usize>()
            .ok()
            .filter(|n| *n <= max)
            .ok_or_else(|| {
                CkanError::validation(name, format!("Invalid integer: give 0 to {max}"))
            }),
    }
}

fn package_search(
    data: &DataState,
    index: &SearchIndex,
    req: &Req,
    get: &Params,
) -> Result<Value, CkanError> {
    let rows = int_param(get, "rows", 10, 1000)?;
    let start = int_param(get, "start", 0, 1_000_000)?;
    let filters = parse_fq(get.get("fq").unwrap_or(""))?;
    let facet_fields: Vec<String> = match get.get("facet.field") {
        None | Some("") => Vec::new(),
        Some(v) => serde_json::from_str(v).map_err(|_| {
            CkanError::validation(
                "facet.field",
                "give a JSON list, e.g. [\"tags\",\"organization\"]",
            )
        })?,
    };
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
    let mut found: Vec<&Package> = search_packages(data, index, get.get("q").unwrap_or(""))
        .into_iter()
        .filter(|p| {
            filters
                .iter()
                .all(|clause| clause.iter().any(|t| t.matches(p)))
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
            for v in field_values(p, field) {
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
        .map(|p| ckan_package(data, req, p))
        .collect();
    Ok(json!({
        "count": found.len(),
        "sort": get.get("sort").unwrap_or("score desc, metadata_modified desc"),
        "results": results,
        "facets": facets,
        "search_facets": search_facets,
    }))
}
