//! CKAN's `datastore_search` over the row stores: `filters`, `q` (text, or a JSON object of
//! column → text), `fields` and `sort` (comma-separated or JSON lists, as ckanapi sends them),
//! `limit`, `offset`, `records_format` (`objects`, `lists`, `csv`, `tsv`), `include_total`,
//! with CKAN's field types and record shape. Part of the CKAN API (`server::ckan`).

use serde_json::{json, Map, Value};

use super::ckan::{CkanError, Params};
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
    let limit = get.int("limit", 100, 32000)?;
    let offset = get.int("offset", 0, 10_000_000)?;
    let records_format = match get.get("records_format").unwrap_or("objects") {
        f @ ("objects" | "lists" | "csv" | "tsv") => f.to_string(),
        _ => {
            return Err(CkanError::validation(
                "records_format",
                "Value must be one of: objects, lists, csv, tsv",
            ))
        }
    };
    let include_total = get.bool("include_total", true)?;
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
    let wanted = get.list("fields");
    let columns: Vec<usize> = if wanted.is_empty() {
        (0..store.columns.len()).collect()
    } else {
        wanted
            .iter()
            .filter(|f| f.as_str() != "_id")
            .map(|f| column("fields", f))
            .collect::<Result<_, _>>()?
    };
    let with_id = wanted.is_empty() || wanted.iter().any(|f| f == "_id");
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
    let sorts = get.list("sort");
    if sorts.len() > 1 {
        return Err(CkanError::validation("sort", "sort by one column"));
    }
    let order = match sorts.first().map(|s| s.trim()).filter(|s| !s.is_empty()) {
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
    let page = if q.starts_with('{') {
        // `q` as an object: each column must contain its text (CKAN's per-field search).
        let object: Map<String, Value> = serde_json::from_str(q).map_err(|_| {
            CkanError::validation("q", "give text, or a JSON object of column → text")
        })?;
        for (name, value) in object {
            let c = column("q", &name)?;
            let set = store
                .code_set(&Filter {
                    column: c,
                    op: Op::Contains,
                    values: vec![plain(value)],
                })
                .map_err(|e| CkanError::validation("q", format!("`{}`: {}", name, e)))?;
            sets.push((c, set));
        }
        store.page(&sets, order, None, offset + limit, false)
    } else if q.is_empty() {
        store.page(&sets, order, None, offset + limit, false)
    } else {
        text_search_page(store, &sets, order, q, offset + limit)
    };
    let rows: Vec<u32> = page.rows.iter().skip(offset).copied().collect();
    let records = records(store, &columns, with_id, &rows, &records_format);
    let mut fields = Vec::new();
    if with_id {
        fields.push(json!({"id": "_id", "type": "int"}));
    }
    fields.extend(
        columns.iter().map(
            |&c| json!({"id": store.columns[c].name, "type": ckan_type(store.columns[c].kind)}),
        ),
    );
    let base = format!("/api/3/action/datastore_search?resource_id={id}");
    let mut result = json!({
        "resource_id": id,
        "fields": fields,
        "records": records,
        "records_format": records_format,
        "total_was_estimated": false,
        "limit": limit,
        "offset": offset,
        "_links": {
            "start": base,
            "next": format!("{base}&offset={}&limit={limit}", offset + limit),
        },
    });
    if include_total {
        result["total"] = json!(page.total);
    }
    Ok(result)
}

/// The `records` of a page in the asked `records_format`.
fn records(store: &Store, columns: &[usize], with_id: bool, rows: &[u32], format: &str) -> Value {
    let values = |row: u32| -> Vec<Value> {
        let mut out = Vec::with_capacity(columns.len() + 1);
        if with_id {
            out.push(json!(u64::from(row) + 1));
        }
        out.extend(columns.iter().map(|&c| column_json(&store.columns[c], row)));
        out
    };
    match format {
        "lists" => Value::Array(rows.iter().map(|&r| Value::Array(values(r))).collect()),
        "csv" | "tsv" => {
            let delimiter = if format == "csv" { b',' } else { b'\t' };
            let mut writer = csv::WriterBuilder::new()
                .delimiter(delimiter)
                .from_writer(Vec::new());
            for &row in rows {
                let cells: Vec<String> = values(row)
                    .into_iter()
                    .map(|v| match v {
                        Value::Null => String::new(),
                        Value::String(s) => s,
                        other => other.to_string(),
                    })
                    .collect();
                let _ = writer.write_record(&cells);
            }
            let bytes = writer.into_inner().unwrap_or_default();
            Value::String(String::from_utf8_lossy(&bytes).into_owned())
        }
        _ => {
            let mut names: Vec<String> = Vec::new();
            if with_id {
                names.push("_id".into());
            }
            names.extend(columns.iter().map(|&c| store.columns[c].name.clone()));
            Value::Array(
                rows.iter()
                    .map(|&r| Value::Object(names.iter().cloned().zip(values(r)).collect()))
                    .collect(),
            )
        }
    }
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
