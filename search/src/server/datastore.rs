//! CKAN's `datastore_search` over the row stores: `filters`, `q`, `fields`, `sort`, `limit`,
//! `offset`, with CKAN's field types and record shape. Part of the CKAN subset (`server::ckan`).

use serde_json::{json, Map, Value};

use super::ckan::{int_param, CkanError, Params};
use super::datasets::{shorten, DataState};
use crate::rowstore::{CodeSet, Filter, Kind, Op, Order, Store};

/// The DataStore column type CKAN would report.
fn ckan_type(kind: Kind) -> &'static str {
    match kind {
        Kind::Integer | Kind::Year => "int",
        Kind::Number => "numeric",
        Kind::Date => "date",
        Kind::DateTime => "timestamp",
        Kind::Time => "time",
        Kind::Boolean => "bool",
        Kind::YearMonth | Kind::Text => "text",
    }
}

pub(super) fn datastore_search(data: &DataState, get: &Params) -> Result<Value, CkanError> {
    let id = get
        .get("resource_id")
        .or_else(|| get.get("id"))
        .ok_or_else(|| {
            CkanError::validation(
                "resource_id",
                "Missing value: give resource_id=<dataset>:<resource>",
            )
        })?;
    let (dataset, resource) = id.split_once(':').ok_or_else(|| {
        CkanError::not_found(format!(
            "Not found: resource `{}` (ids look like <dataset>:<resource>)",
            shorten(id)
        ))
    })?;
    let store = data
        .store(dataset, resource)
        .ok_or_else(|| CkanError::not_found(format!("Not found: resource `{}`", shorten(id))))?;
    let limit = int_param(get, "limit", 100, 32000)?;
    let offset = int_param(get, "offset", 0, 10_000_000)?;
    let column = |field: &str, name: &str| {
        store.column_index(name).ok_or_else(|| {
            CkanError::validation(
                field,
                format!(
                    "field `{}` not in the table; fields: {}",
                    shorten(name),
                    store.column_names().join(", ")
                ),
            )
        })
    };
    let columns: Vec<usize> = match get.get("fields") {
        None | Some("") => (0..store.columns.len()).collect(),
        Some(list) => list
            .split(',')
            .map(|f| column("fields", f.trim()))
            .collect::<Result<_, _>>()?,
    };
    let mut sets: Vec<(usize, CodeSet)> = Vec::new();
    if let Some(filters) = get.get("filters").filter(|f| !f.is_empty()) {
        let object: Map<String, Value> = serde_json::from_str(filters).map_err(|_| {
            CkanError::validation(
                "filters",
                "give a JSON object, e.g. {\"district\": \"Оболонський\"}",
            )
        })?;
        for (name, value) in object {
            let c = column("filters", &name)?;
            let values: Vec<String> = match value {
                Value::Array(items) => items.into_iter().map(plain).collect(),
                other => vec![plain(other)],
            };
            let set = store
                .code_set(&Filter {
                    column: c,
                    op: Op::In,
                    values,
                })
                .map_err(|e| CkanError::validation("filters", format!("`{}`: {}", name, e)))?;
            sets.push((c, set));
        }
    }
    let order = match get.get("sort").map(str::trim).filter(|s| !s.is_empty()) {
        None => Order::default(),
        Some(sort) => {
            let mut parts = sort.split_whitespace();
            let name = parts.next().unwrap_or("").trim_matches('"');
            let desc = match parts.next().map(str::to_lowercase).as_deref() {
                None | Some("asc") => false,
                Some("desc") => true,
                Some(_) => {
                    return Err(CkanError::validation(
                        "sort",
                        "give `column asc` or `column desc`",
                    ))
                }
            };
            if sort.contains(',') {
                return Err(CkanError::validation("sort", "sort by one column"));
            }
            Order {
                column: Some(column("sort", name)?),
                desc,
            }
        }
    };
    let q = get.get("q").unwrap_or("").trim();
    let page = if q.is_empty() {
        store.page(&sets, order, None, offset + limit, false)
    } else {
        text_search_page(store, &sets, order, q, offset + limit)
    };
    let mut records = Vec::new();
    let keys: Vec<(usize, String)> = columns
        .iter()
        .map(|&c| (c, store.columns[c].name.clone()))
        .collect();
    for &row in page.rows.iter().skip(offset) {
        let mut record = Map::new();
        record.insert("_id".into(), json!(u64::from(row) + 1));
        for (c, name) in &keys {
            let column = &store.columns[*c];
            record.insert(name.clone(), column_json(column, row));
        }
        records.push(Value::Object(record));
    }
    let mut fields = vec![json!({"id": "_id", "type": "int"})];
    fields.extend(
        columns.iter().map(
            |&c| json!({"id": store.columns[c].name, "type": ckan_type(store.columns[c].kind)}),
        ),
    );
    let base = format!("/api/3/action/datastore_search?resource_id={id}");
    Ok(json!({
        "resource_id": id,
        "fields": fields,
        "records": records,
        "total": page.total,
        "total_was_estimated": false,
        "limit": limit,
        "offset": offset,
        "_links": {
            "start": base,
            "next": format!("{base}&offset={}&limit={limit}", offset + limit),
        },
    }))
}

fn plain(value: Value) -> String {
    match value {
        Value::String(s) => s,
        other => other.to_string(),
    }
}

fn column_json(column: &crate::rowstore::Column, row: u32) -> Value {
    match column.value(row) {
        None => Value::Null,
        Some(text) => match column.kind {
            Kind::Integer | Kind::Year => text
                .parse::<i64>()
                .map(Value::from)
                .unwrap_or_else(|_| json!(text)),
            Kind::Number => text
                .parse::<f64>()
                .ok()
                .and_then(serde_json::Number::from_f64)
                .map(Value::Number)
                .unwrap_or_else(|| json!(text)),
            Kind::Boolean => Kind::Boolean
                .parse(text)
                .map(|v| json!(v > 0.5))
                .unwrap_or_else(|| json!(text)),
            _ => json!(text),
        },
    }
}

/// `q`: rows where any column contains the text (ignoring case), as a page of `size`.
fn text_search_page(
    store: &Store,
    sets: &[(usize, CodeSet)],
    order: Order,
    q: &str,
    size: usize,
) -> crate::rowstore::Page {
    let any: Vec<(usize, CodeSet)> = (0..store.columns.len())
        .filter_map(|c| {
            store
                .code_set(&Filter {
                    column: c,
                    op: Op::Contains,
                    values: vec![q.to_string()],
                })
                .ok()
                .map(|s| (c, s))
        })
        .collect();
    let mut rows = Vec::new();
    let mut total = 0;
    for row in store.scan(sets, order) {
        if any
            .iter()
            .any(|(c, s)| s.contains(store.columns[*c].code(row)))
        {
            total += 1;
            if rows.len() <= size {
                rows.push(row);
            }
        }
    }
    let more = rows.len() > size;
    rows.truncate(size);
    crate::rowstore::Page {
        rows,
        total,
        more,
        matches: None,
    }
}
