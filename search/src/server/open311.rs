//! Open311 GeoReport v2 read endpoints over the anonymised appeals: `services.json` (one
//! service per published category), `requests.json` (filters `service_request_id`,
//! `service_code`, `start_date`, `end_date`, `status`; `page`/`page_size`; newest first) and
//! `requests/{id}.json`, answered from the row store of the published appeals — so only what
//! the privacy policy published can be served. Also the mapping from a published row to a
//! GeoReport request (`status`, `service_code`), which the generator's file export
//! (`anonymise::open311`) uses too. Not for: anonymising (the generator's `anonymise`).

use std::sync::Arc;

use serde_json::{json, Map, Value};
use sha2::{Digest, Sha256};
use warp::http::StatusCode;
use warp::reply::Response;

use super::datasets::{shorten, DataState};
use super::respond::{self, Cache, Reply, Req};
use crate::datapackage::ResourceKind;
use crate::rowstore::{CodeSet, Filter, Op, Order, Store};

/// Maps a city's status wording to GeoReport's two states; `None` when the row has no status
/// (suppressed or never recorded): GeoReport's `status` is then left out, never guessed.
pub fn status(raw: &str) -> Option<&'static str> {
    let s = raw.trim().to_lowercase();
    if s.is_empty() {
        return None;
    }
    let closed = [
        "викон",
        "закрит",
        "до відома",
        "розглянут",
        "closed",
        "знято",
    ]
    .iter()
    .any(|w| s.contains(w))
        && !s.contains("не викон")
        && !s.contains("на виконанні");
    Some(if closed { "closed" } else { "open" })
}

/// The service of rows whose category was not published (suppressed by the privacy policy).
pub const WITHHELD_CODE: &str = "withheld";
const WITHHELD_NAME: &str = "Категорію не опубліковано (знеособлення)";

/// A category's stable GeoReport `service_code`: a short digest of its name, the same in
/// every build and in the file export.
pub fn service_code(category: &str) -> String {
    if category.trim().is_empty() {
        return WITHHELD_CODE.to_string();
    }
    let digest = Sha256::digest(category.trim().as_bytes());
    format!("c{}", crate::catalogue::hex(&digest[..5]))
}

/// A category's GeoReport `service_name` (the withheld service is named, never empty).
pub fn service_name(category: &str) -> &str {
    if category.trim().is_empty() {
        WITHHELD_NAME
    } else {
        category.trim()
    }
}

/// The id of the newest request, for examples.
pub fn first_request(data: &DataState) -> Option<String> {
    let store = appeals(data).ok()?;
    let order = Order {
        column: store.column_index("date"),
        desc: true,
    };
    let row = *store.page(&[], order, None, 1, false).rows.first()?;
    Some(text(&store, "id", row).to_string()).filter(|id| !id.is_empty())
}

/// The Open311 endpoints, when `package` holds the appeals they serve.
pub fn links(data: &DataState, package: &crate::catalogue::Package) -> Option<Value> {
    let store = appeals(data).ok()?;
    if !store.id.starts_with(&format!("{}/", package.name)) {
        return None;
    }
    let origin = data.origin();
    Some(json!({
        "services": format!("{origin}/open311/v2/services.json"),
        "requests": format!("{origin}/open311/v2/requests.json"),
        "request": format!("{origin}/open311/v2/requests/{{service_request_id}}.json"),
        "export": format!("{origin}/data/{}/requests.json", package.name),
    }))
}

/// The published resource Open311 serves: the one row store with the appeals' columns.
fn appeals(data: &DataState) -> Result<Arc<Store>, Problem> {
    for package in &data.catalogue.packages {
        for resource in &package.resources {
            if package.kind_of(resource) != Some(ResourceKind::Appeals) {
                continue;
            }
            if let Some(store) = data.store(&package.name, &resource.name) {
                return Ok(store.clone());
            }
        }
    }
    Err(error(
        StatusCode::NOT_FOUND,
        "this portal publishes no appeals (no resource with id, date, category, district and status columns)",
    ))
}

/// A GeoReport v2 error: its status and description.
#[derive(Debug)]
struct Problem(StatusCode, String);

fn error(status: StatusCode, description: impl Into<String>) -> Problem {
    Problem(status, description.into())
}

/// A problem as GeoReport v2's error list.
fn render(Problem(status, description): Problem) -> Response {
    let body = json!([{"code": status.as_u16(), "description": description}]);
    let mut response = warp::reply::Reply::into_response(warp::reply::json(&body));
    *response.status_mut() = status;
    respond::put(
        response.headers_mut(),
        warp::http::header::CACHE_CONTROL,
        Cache::Never.header(),
    );
    response
}

fn bad(parameter: &str, message: &str) -> Problem {
    error(StatusCode::BAD_REQUEST, format!("`{parameter}`: {message}"))
}

fn text<'a>(store: &'a Store, column: &str, row: u32) -> &'a str {
    store
        .column_index(column)
        .and_then(|c| store.columns[c].value(row))
        .unwrap_or("")
}

/// One published row as a GeoReport v2 request.
fn request(store: &Store, row: u32) -> Value {
    let category = text(store, "category", row);
    let mut out = Map::new();
    out.insert("service_request_id".into(), json!(text(store, "id", row)));
    if let Some(s) = status(text(store, "status", row)) {
        out.insert("status".into(), json!(s));
    }
    out.insert("service_code".into(), json!(service_code(category)));
    out.insert("service_name".into(), json!(service_name(category)));
    out.insert("description".into(), json!(text(store, "text", row)));
    let date = text(store, "date", row);
    if !date.is_empty() {
        out.insert(
            "requested_datetime".into(),
            json!(format!("{date}T00:00:00Z")),
        );
    } else {
        out.insert("requested_datetime".into(), json!(""));
    }
    out.insert("address".into(), json!(text(store, "street", row)));
    for (key, column) in [("lat", "lat"), ("long", "lon")] {
        if let Ok(n) = text(store, column, row).parse::<f64>() {
            out.insert(key.into(), json!(n));
        }
    }
    Value::Object(out)
}

/// `GET /open311/v2/services.json`.
pub fn services(data: &DataState, req: &Req) -> Response {
    let store = match appeals(data) {
        Ok(s) => s,
        Err(problem) => return render(problem),
    };
    if let Err(problem) = known_params(req, &["jurisdiction_id"]) {
        return render(problem);
    }
    let Some(c) = store.column_index("category") else {
        return Reply::new("application/json", Cache::Metadata).body(
            req,
            &data.version,
            b"[]".to_vec(),
        );
    };
    let column = &store.columns[c];
    let mut services: Vec<Value> = Vec::new();
    for code in 0..column.dict_len() {
        if column.count(code) == 0 {
            continue;
        }
        let category = if code == 0 { "" } else { column.text(code) };
        services.push(json!({
            "service_code": service_code(category),
            "service_name": service_name(category),
            "description": "",
            "metadata": false,
            "type": "batch",
            "keywords": "",
            "group": "",
        }));
    }
    let bytes = serde_json::to_vec(&services).unwrap_or_default();
    Reply::new("application/json", Cache::Metadata).body(req, &data.version, bytes)
}

/// The parameters, refusing unknown ones and repeats by name.
fn known_params(req: &Req, known: &[&str]) -> Result<Vec<(String, String)>, Problem> {
    let params = respond::params(req)
        .map_err(|e| bad(e.parameter.as_deref().unwrap_or("query"), &e.message))?;
    for (i, (k, _)) in params.iter().enumerate() {
        if !known.contains(&k.as_str()) {
            return Err(bad(
                &shorten(k),
                &format!("unknown parameter; use {}", known.join(", ")),
            ));
        }
        if params[..i].iter().any(|(seen, _)| seen == k) {
            return Err(bad(k, "give it once (comma-separate several values)"));
        }
    }
    Ok(params)
}

/// Requests per page unless `page_size` says otherwise, and the most it may say.
const PAGE_SIZE: usize = 100;
const MAX_PAGE_SIZE: usize = 1000;
/// The deepest row a page may reach; deeper reading goes through the rows API's cursors.
const MAX_DEPTH: usize = 100_000;

fn codes_where(
    store: &Store,
    column: &str,
    keep: impl Fn(&str) -> bool,
) -> Option<(usize, CodeSet)> {
    let c = store.column_index(column)?;
    let col = &store.columns[c];
    let len = col.dict_len();
    let mut bits = vec![0u64; len as usize / 64 + 1];
    for code in 0..len {
        let value = if code == 0 { "" } else { col.text(code) };
        if keep(value) {
            bits[code as usize / 64] |= 1 << (code % 64);
        }
    }
    Some((c, CodeSet::Bits(bits)))
}

fn date_param(parameter: &str, value: &str) -> Result<String, Problem> {
    let day = value.get(..10).unwrap_or(value);
    let ok = chrono::NaiveDate::parse_from_str(day, "%Y-%m-%d").is_ok()
        && (value.len() == 10 || chrono::DateTime::parse_from_rfc3339(value).is_ok());
    if ok {
        Ok(day.to_string())
    } else {
        Err(bad(
            parameter,
            &format!(
                "`{}` is not an ISO 8601 date-time such as 2013-11-06T00:00:00Z",
                shorten(value)
            ),
        ))
    }
}

/// `GET /open311/v2/requests.json`.
pub fn requests(data: &DataState, req: &Req) -> Response {
    let store = match appeals(data) {
        Ok(s) => s,
        Err(problem) => return render(problem),
    };
    let known = [
        "jurisdiction_id",
        "service_request_id",
        "service_code",
        "start_date",
        "end_date",
        "status",
        "page",
        "page_size",
    ];
    let params = match known_params(req, &known) {
        Ok(p) => p,
        Err(problem) => return render(problem),
    };
    match filtered(&store, &params) {
        Ok((sets, offset, size)) => {
            let order = Order {
                column: store.column_index("date"),
                desc: true,
            };
            let page = store.page(&sets, order, None, offset + size, false);
            let list: Vec<Value> = page
                .rows
                .iter()
                .skip(offset)
                .map(|&row| request(&store, row))
                .collect();
            let bytes = serde_json::to_vec(&list).unwrap_or_default();
            Reply::new("application/json", Cache::Rows)
                .header("x-total-count", page.total.to_string())
                .body(req, &data.version, bytes)
        }
        Err(problem) => render(problem),
    }
}

type Query = (Vec<(usize, CodeSet)>, usize, usize);

fn filtered(store: &Store, params: &[(String, String)]) -> Result<Query, Problem> {
    let mut sets = Vec::new();
    let mut page = 1;
    let mut size = PAGE_SIZE;
    for (key, value) in params {
        let list: Vec<&str> = value
            .split(',')
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .collect();
        match key.as_str() {
            "service_request_id" => {
                let c = store
                    .column_index("id")
                    .ok_or_else(|| bad(key, "no ids here"))?;
                let filter = Filter {
                    column: c,
                    op: Op::In,
                    values: list.iter().map(|s| s.to_string()).collect(),
                };
                let set = store
                    .code_set(&filter)
                    .map_err(|e| bad(key, &e.to_string()))?;
                sets.push((c, set));
            }
            "service_code" => {
                sets.extend(codes_where(store, "category", |v| {
                    list.contains(&service_code(v).as_str())
                }));
            }
            "status" => {
                if let Some(wrong) = list.iter().find(|s| !matches!(**s, "open" | "closed")) {
                    return Err(bad(
                        key,
                        &format!(
                            "`{}` is not a status: give open, closed or open,closed",
                            shorten(wrong)
                        ),
                    ));
                }
                sets.extend(codes_where(store, "status", |v| {
                    status(v).is_some_and(|s| list.contains(&s))
                }));
            }
            "start_date" | "end_date" => {
                let day = date_param(key, value)?;
                let start = key == "start_date";
                sets.extend(codes_where(store, "date", |v| {
                    !v.is_empty()
                        && if start {
                            v >= day.as_str()
                        } else {
                            v <= day.as_str()
                        }
                }));
            }
            "page" | "page_size" => {
                let max = if key == "page" {
                    MAX_DEPTH
                } else {
                    MAX_PAGE_SIZE
                };
                let n = value
                    .parse::<usize>()
                    .ok()
                    .filter(|n| (1..=max).contains(n))
                    .ok_or_else(|| bad(key, &format!("give a whole number from 1 to {max}")))?;
                if key == "page" {
                    page = n;
                } else {
                    size = n;
                }
            }
            _ => {}
        }
    }
    let offset = (page - 1) * size;
    if offset + size > MAX_DEPTH {
        return Err(bad(
            "page",
            &format!("pages end at request {MAX_DEPTH}; narrow the dates, or read every row with the rows API (_stream=on)"),
        ));
    }
    Ok((sets, offset, size))
}

/// `GET /open311/v2/requests/{id}.json`: a one-element list, as GeoReport v2 answers.
pub fn request_by_id(data: &DataState, req: &Req, id: &str) -> Response {
    let store = match appeals(data) {
        Ok(s) => s,
        Err(problem) => return render(problem),
    };
    if let Err(problem) = known_params(req, &["jurisdiction_id"]) {
        return render(problem);
    }
    let found = store.column_index("id").and_then(|c| {
        let filter = Filter {
            column: c,
            op: Op::Exact,
            values: vec![id.to_string()],
        };
        let set = store.code_set(&filter).ok()?;
        store
            .page(&[(c, set)], Order::default(), None, 1, false)
            .rows
            .first()
            .copied()
    });
    match found {
        Some(row) => {
            let bytes = serde_json::to_vec(&json!([request(&store, row)])).unwrap_or_default();
            Reply::new("application/json", Cache::Rows).body(req, &data.version, bytes)
        }
        None => render(error(
            StatusCode::NOT_FOUND,
            format!("no service request `{}`", shorten(id)),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_are_never_invented() {
        assert_eq!(status("Виконано"), Some("closed"));
        assert_eq!(status("До відома"), Some("closed"));
        assert_eq!(status("На виконанні"), Some("open"));
        assert_eq!(status("Не виконано"), Some("open"));
        assert_eq!(status("В роботі"), Some("open"));
        assert_eq!(status(""), None);
        assert_eq!(status("  "), None);
    }

    #[test]
    fn service_codes_are_stable_and_withheld_is_named() {
        assert_eq!(
            service_code("Відсутність ГВП"),
            service_code(" Відсутність ГВП ")
        );
        assert_ne!(
            service_code("Відсутність ГВП"),
            service_code("Ремонт доріг")
        );
        assert_eq!(service_code(""), WITHHELD_CODE);
        assert!(!service_name("").is_empty());
    }
}
