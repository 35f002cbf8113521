//! The CKAN Action API v3 at `/api/3/action/` and `/api/action/` (GET, or POST with a JSON or
//! form body): the read actions CKAN clients and harvesters call (`ckanapi dump`,
//! ckanext-harvest, ckanext-dcat), answered as CKAN does — `{help, success, result}` with
//! CKAN's field names and parameter semantics, errors in CKAN's shape (`success: false`,
//! `error.__type` `Not Found Error` / `Validation Error` with a message list per field) — so
//! they work unchanged. Organisations, groups, tags and licences are derived from the packages
//! (`objects`). Not for: Vidkryto's own API shape (`datasets`, `rows`).

mod objects;
mod search;

use serde_json::{json, Value};
use warp::http::StatusCode;
use warp::reply::Response;

use super::datasets::{shorten, DataState};
use super::openapi::{self, Endpoint};
use super::respond::{self, Cache, Reply, Req};
use crate::SearchIndex;

pub(crate) use objects::licence_url;

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

    /// The same error blamed on another parameter (a fielded `q` term parsed as an `fq`).
    fn renamed(mut self, field: &str) -> CkanError {
        if self.field.is_some() {
            self.field = Some(field.to_string());
        }
        self
    }
}

/// The name of the first organisation, for examples.
pub fn first_organization(data: &DataState) -> Option<String> {
    objects::organizations(data)
        .first()
        .and_then(|o| o["name"].as_str().map(str::to_string))
}

/// Every action this portal answers, in the route table's order.
pub fn action_names() -> Vec<&'static str> {
    openapi::ROUTES
        .iter()
        .filter_map(|r| match r.endpoint {
            Endpoint::Ckan(name) => Some(name),
            _ => None,
        })
        .collect()
}

fn help_url(data: &DataState, action: &str) -> String {
    format!("{}/api/3/action/help_show?name={action}", data.origin())
}

fn error_response(data: &DataState, req: &Req, action: &str, error: CkanError) -> Response {
    let mut body = json!({
        "help": help_url(data, action),
        "success": false,
        "error": {"__type": error.kind, "message": error.message},
    });
    if let Some(field) = &error.field {
        body["error"][field] = json!([error.message]);
    }
    let bytes = serde_json::to_vec(&body).unwrap_or_default();
    Reply::new("application/json", Cache::Never)
        .status(error.status)
        .body(req, "", bytes)
}

fn ok_response(data: &DataState, req: &Req, action: &str, result: Value) -> Response {
    let body = json!({"help": help_url(data, action), "success": true, "result": result});
    let bytes = serde_json::to_vec(&body).unwrap_or_default();
    Reply::new("application/json", Cache::Metadata).body(req, &data.version, bytes)
}

/// Runs `action` and wraps its result or error the CKAN way.
pub fn action(data: &DataState, index: &SearchIndex, req: &Req, action: &str) -> Response {
    let params = match respond::params(req) {
        Ok(p) => Params(p),
        Err(e) => {
            let field = e.parameter.as_deref().unwrap_or("query").to_string();
            return error_response(data, req, action, CkanError::validation(&field, e.message));
        }
    };
    match run(data, index, &params, action) {
        Ok(result) => ok_response(data, req, action, result),
        Err(error) => error_response(data, req, action, error),
    }
}

fn run(
    data: &DataState,
    index: &SearchIndex,
    get: &Params,
    action: &str,
) -> Result<Value, CkanError> {
    match action {
        "package_list" => package_list(data, get),
        "current_package_list_with_resources" => current_packages(data, get),
        "package_show" => {
            let package = package_named(data, get)?;
            Ok(objects::package(data, package))
        }
        "package_search" => search::package_search(data, index, get),
        "resource_show" => resource_show(data, get),
        "organization_list" => organization_list(data, get),
        "organization_show" => organization_show(data, get),
        "group_list" => group_list(data, get),
        "group_show" => group_show(data, get),
        "tag_list" => tag_list(data, get),
        "license_list" => Ok(license_list(data)),
        "status_show" => Ok(status_show(data)),
        "help_show" => help_show(get),
        "datastore_search" => super::datastore::datastore_search(data, get),
        other => Err(unknown_action(other)),
    }
}

fn unknown_action(name: &str) -> CkanError {
    CkanError::bad_request(format!(
        "Bad request - Action name not known: {}; this portal answers {}",
        shorten(name),
        action_names().join(", ")
    ))
}

/// A POST body that is neither a JSON object nor a form.
pub fn bad_body(data: &DataState, req: &Req, action: &str) -> Response {
    error_response(
        data,
        req,
        action,
        CkanError::bad_request("Bad request - JSON Error: the body must be a JSON object"),
    )
}

/// An unknown action under `/api/3/action/`.
pub fn unknown(data: &DataState, req: &Req) -> Response {
    let name = req.path.rsplit('/').next().unwrap_or("");
    error_response(data, req, name, unknown_action(name))
}

/// The request's parameters (a POSTed JSON object arrives flattened: strings as they are,
/// other values as JSON text); the first of a repeated name counts.
pub(super) struct Params(Vec<(String, String)>);

impl Params {
    pub(super) fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// A non-negative integer in `0..=max`, `default` when absent.
    pub(super) fn int(&self, name: &str, default: usize, max: usize) -> Result<usize, CkanError> {
        match self.get(name).map(str::trim) {
            None | Some("") | Some("null") => Ok(default),
            Some(v) => v
                .parse::<usize>()
                .ok()
                .filter(|n| *n <= max)
                .ok_or_else(|| {
                    let range = if max == usize::MAX {
                        "a whole number, 0 or more".to_string()
                    } else {
                        format!("0 to {max}")
                    };
                    CkanError::validation(name, format!("Invalid integer: give {range}"))
                }),
        }
    }

    /// CKAN's boolean reading (`true`/`false`, `1`/`0`, `yes`/`no`, `on`/`off`).
    pub(super) fn bool(&self, name: &str, default: bool) -> Result<bool, CkanError> {
        match self
            .get(name)
            .map(|v| v.trim().to_ascii_lowercase())
            .as_deref()
        {
            None | Some("") | Some("null") => Ok(default),
            Some("true" | "1" | "yes" | "on" | "t" | "y") => Ok(true),
            Some("false" | "0" | "no" | "off" | "f" | "n") => Ok(false),
            Some(_) => Err(CkanError::validation(
                name,
                "Value must be one of: true, false",
            )),
        }
    }

    /// A list parameter: a JSON list (as ckanapi posts it), the values of a repeated name
    /// (a GET with a list), or one comma-separated value.
    pub(super) fn list(&self, name: &str) -> Vec<String> {
        let values: Vec<&str> = self
            .0
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .collect();
        let mut out = Vec::new();
        for value in values {
            let trimmed = value.trim();
            if trimmed.starts_with('[') {
                if let Ok(items) = serde_json::from_str::<Vec<Value>>(trimmed) {
                    out.extend(items.into_iter().map(|v| match v {
                        Value::String(s) => s,
                        other => other.to_string(),
                    }));
                    continue;
                }
            }
            out.extend(
                trimmed
                    .split(',')
                    .map(|s| s.trim().to_string())
                    .filter(|s| !s.is_empty()),
            );
        }
        out
    }

    fn required(&self, name: &str, hint: &str) -> Result<&str, CkanError> {
        self.get(name)
            .filter(|v| !v.trim().is_empty())
            .ok_or_else(|| CkanError::validation(name, format!("Missing value: give {hint}")))
    }
}

fn package_named<'a>(
    data: &'a DataState,
    get: &Params,
) -> Result<&'a crate::catalogue::Package, CkanError> {
    let id = get.required("id", "id=<dataset name>")?;
    data.catalogue
        .package(id)
        .ok_or_else(|| CkanError::not_found(format!("Not found: no dataset `{}`", shorten(id))))
}

/// `limit`/`offset` over `items`, as CKAN's list actions page.
fn page<T: Clone>(items: &[T], get: &Params) -> Result<Vec<T>, CkanError> {
    let offset = get.int("offset", 0, usize::MAX)?;
    let limit = get.int("limit", usize::MAX, usize::MAX)?;
    Ok(items.iter().skip(offset).take(limit).cloned().collect())
}

fn package_list(data: &DataState, get: &Params) -> Result<Value, CkanError> {
    let mut names = data.catalogue.names();
    names.sort();
    Ok(json!(page(&names, get)?))
}

/// Packages with their resources, most recently modified first (CKAN's order).
fn current_packages(data: &DataState, get: &Params) -> Result<Value, CkanError> {
    let mut packages: Vec<&crate::catalogue::Package> = data.catalogue.packages.iter().collect();
    packages.sort_by(|a, b| {
        let key = |p: &crate::catalogue::Package| p.modified.clone().or(p.created.clone());
        key(b).cmp(&key(a)).then_with(|| a.name.cmp(&b.name))
    });
    let offset = match get.int("page", 0, usize::MAX)? {
        0 => get.int("offset", 0, usize::MAX)?,
        page => (page - 1).saturating_mul(get.int("limit", 0, usize::MAX)?),
    };
    let limit = get.int("limit", usize::MAX, usize::MAX)?;
    Ok(Value::Array(
        packages
            .into_iter()
            .skip(offset)
            .take(limit)
            .map(|p| objects::package(data, p))
            .collect(),
    ))
}

fn resource_show(data: &DataState, get: &Params) -> Result<Value, CkanError> {
    let id = get.required("id", "id=<dataset>:<resource>, as package_show lists it")?;
    let not_found = || CkanError::not_found(format!("Not found: no resource `{}`", shorten(id)));
    let (dataset, resource) = id.split_once(':').ok_or_else(not_found)?;
    let package = data.catalogue.package(dataset).ok_or_else(not_found)?;
    let position = package
        .resources
        .iter()
        .position(|r| r.name == resource)
        .ok_or_else(not_found)?;
    Ok(objects::resource(data, package, position))
}

fn sorted_by(items: &mut [Value], get: &Params, default: &str) -> Result<(), CkanError> {
    let sort = get.get("sort").unwrap_or(default).trim().to_string();
    let (field, dir) = sort.split_once(' ').unwrap_or((sort.as_str(), "asc"));
    let desc = match dir.trim() {
        "asc" => false,
        "desc" => true,
        _ => {
            return Err(CkanError::validation(
                "sort",
                "give `name asc|desc`, `title asc|desc` or `package_count asc|desc`",
            ))
        }
    };
    match field {
        "name" | "title" => items.sort_by(|a, b| {
            a[field]
                .as_str()
                .unwrap_or("")
                .cmp(b[field].as_str().unwrap_or(""))
        }),
        "package_count" => items.sort_by_key(|v| v["package_count"].as_u64().unwrap_or(0)),
        _ => {
            return Err(CkanError::validation(
                "sort",
                "give `name asc|desc`, `title asc|desc` or `package_count asc|desc`",
            ))
        }
    }
    if desc {
        items.reverse();
    }
    Ok(())
}

/// Names, or (`all_fields=true`) objects, of `items` after CKAN's list parameters.
fn listing(mut items: Vec<Value>, get: &Params, filter_key: &str) -> Result<Value, CkanError> {
    let wanted = get.list(filter_key);
    if !wanted.is_empty() {
        items.retain(|o| wanted.iter().any(|w| o["name"] == *w));
    }
    sorted_by(&mut items, get, "name asc")?;
    let all_fields = get.bool("all_fields", false)?;
    let items = page(&items, get)?;
    Ok(if all_fields {
        Value::Array(items)
    } else {
        Value::Array(items.into_iter().map(|o| o["name"].clone()).collect())
    })
}

fn organization_list(data: &DataState, get: &Params) -> Result<Value, CkanError> {
    listing(objects::organizations(data), get, "organizations")
}

fn group_list(data: &DataState, get: &Params) -> Result<Value, CkanError> {
    let groups = objects::group_names(data)
        .iter()
        .map(|g| objects::group(data, g))
        .collect();
    listing(groups, get, "groups")
}

/// `include_datasets` adds the group's packages, as CKAN does.
fn with_packages(
    data: &DataState,
    mut object: Value,
    get: &Params,
    belongs: impl Fn(&crate::catalogue::Package) -> bool,
) -> Result<Value, CkanError> {
    if get.bool("include_datasets", false)? {
        let packages: Vec<Value> = data
            .catalogue
            .packages
            .iter()
            .filter(|p| belongs(p))
            .map(|p| objects::package(data, p))
            .collect();
        object["packages"] = Value::Array(packages);
    }
    object["users"] = json!([]);
    object["extras"] = json!([]);
    object["groups"] = json!([]);
    object["tags"] = json!([]);
    Ok(object)
}

fn organization_show(data: &DataState, get: &Params) -> Result<Value, CkanError> {
    let id = get.required("id", "id=<organization name>")?;
    let org = objects::organizations(data)
        .into_iter()
        .find(|o| o["name"] == id || o["id"] == id)
        .ok_or_else(|| {
            CkanError::not_found(format!("Not found: no organization `{}`", shorten(id)))
        })?;
    let name = org["name"].clone();
    with_packages(data, org, get, |p| {
        objects::organization(data, p).is_some_and(|o| o["name"] == name)
    })
}

fn group_show(data: &DataState, get: &Params) -> Result<Value, CkanError> {
    let id = get.required("id", "id=<group name>")?;
    if !objects::group_names(data).iter().any(|g| g == id) {
        return Err(CkanError::not_found(format!(
            "Not found: no group `{}`",
            shorten(id)
        )));
    }
    let group = objects::group(data, id);
    with_packages(data, group, get, |p| p.topic.as_deref() == Some(id))
}

fn tag_list(data: &DataState, get: &Params) -> Result<Value, CkanError> {
    let query = get.get("query").unwrap_or("").to_lowercase();
    if get.get("vocabulary_id").is_some_and(|v| !v.is_empty()) {
        // No package has vocabulary tags.
        return Ok(json!([]));
    }
    let mut tags: Vec<String> = Vec::new();
    for keyword in data.catalogue.packages.iter().flat_map(|p| &p.keywords) {
        if keyword.to_lowercase().contains(&query) && !tags.contains(keyword) {
            tags.push(keyword.clone());
        }
    }
    tags.sort();
    Ok(if get.bool("all_fields", false)? {
        Value::Array(tags.iter().map(|t| objects::tag(t)).collect())
    } else {
        json!(tags)
    })
}

fn license_list(data: &DataState) -> Value {
    let mut out: Vec<Value> = Vec::new();
    let portal = &data.catalogue.portal;
    let mut add = |id: &str, title: Option<&str>, url: Option<&str>| {
        if !id.is_empty() && !out.iter().any(|l| l["id"] == id) {
            out.push(objects::licence(id, title, url));
        }
    };
    for licence in data.catalogue.packages.iter().flat_map(|p| &p.licenses) {
        add(
            &licence.name,
            licence.title.as_deref(),
            licence.path.as_deref(),
        );
    }
    add(&portal.licence, None, None);
    Value::Array(out)
}

fn status_show(data: &DataState) -> Value {
    let portal = &data.catalogue.portal;
    json!({
        "site_title": portal.title,
        "site_description": portal.description,
        "site_url": data.origin(),
        // The Action API level these answers follow; harvesters branch on it.
        "ckan_version": "2.10.0",
        "vidkryto_version": env!("CARGO_PKG_VERSION"),
        "error_emails_to": Value::Null,
        "locale_default": "uk",
        "extensions": ["datastore", "dcat"],
    })
}

fn help_show(get: &Params) -> Result<Value, CkanError> {
    let name = get.required("name", "name=<action>")?;
    openapi::ROUTES
        .iter()
        .find(|r| matches!(r.endpoint, Endpoint::Ckan(n) if n == name))
        .map(|r| {
            let params: Vec<String> = r
                .params
                .iter()
                .map(|p| format!(":param {}: {}", p.name, p.description))
                .collect();
            json!(format!("{}\n\n{}", r.summary, params.join("\n"))
                .trim()
                .to_string())
        })
        .ok_or_else(|| {
            CkanError::not_found(format!(
                "Not found: Action function not found: {}",
                shorten(name)
            ))
        })
}
