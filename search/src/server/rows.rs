//! `GET /api/v1/datasets/{name}/{resource}.{json,csv,ndjson,geojson}`: Datasette-style
//! parameters parsed and checked against the Table Schema, answered from the row store, and
//! written in each format (paged, or streamed whole with `_stream=on`). Not for: the query
//! engine itself (`rowstore`).

use std::sync::Arc;

use serde_json::{json, Value};
use warp::reply::Response;

pub use super::encode::{export, geometry, Geometry};

use super::datasets::{shorten, DataState};
use super::encode::{
    code_json, json_keys, write_csv_header, write_csv_row, write_feature, write_list, write_object,
};
use super::respond::{self, Cache, Reply, Req};
use super::ApiError;
use crate::rowstore::{CodeSet, Cursor, CursorError, Filter, Op, Order, Store};

/// Rows per page unless `_size` says otherwise.
pub const DEFAULT_SIZE: usize = 100;
/// The largest `_size`.
pub const MAX_SIZE: usize = 1000;
/// Values listed per facet.
const FACET_SIZE: usize = 30;

const SPECIAL: [&str; 12] = [
    "_sort",
    "_sort_desc",
    "_col",
    "_nocol",
    "_size",
    "_next",
    "_facet",
    "_stream",
    "_shape",
    "_nocount",
    "_labels",
    "_json",
];

/// Parameters that take one value: a second one is a 400, not silently the last.
const SINGLE: [&str; 8] = [
    "_sort",
    "_sort_desc",
    "_size",
    "_next",
    "_stream",
    "_shape",
    "_nocount",
    "_labels",
];

/// Datasette's `_shape` for `.json`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Shape {
    /// The envelope with rows as objects (the default).
    #[default]
    Objects,
    /// The envelope with rows as lists, in `columns` order.
    Arrays,
    /// Only the list of row objects.
    Array,
    /// Only an object of row objects keyed by row number (the rows have no declared key).
    Object,
}

/// A Datasette-style boolean: `1`/`0`, `true`/`false`, `on`/`off` (empty is true, as a bare
/// `?_nocount` means on).
fn flag(key: &str, value: &str) -> Result<bool, ApiError> {
    match value {
        "" | "1" | "true" | "on" => Ok(true),
        "0" | "false" | "off" => Ok(false),
        other => Err(ApiError::bad_parameter(
            shorten(key),
            format!(
                "`{}` is not a boolean: give 1 or 0 (true/false, on/off)",
                shorten(other)
            ),
        )
        .with_allowed(["1", "0", "true", "false", "on", "off"])),
    }
}

/// The output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Json,
    Csv,
    Ndjson,
    GeoJson,
}

impl Format {
    const ALL: [(&'static str, Format); 4] = [
        ("json", Format::Json),
        ("csv", Format::Csv),
        ("ndjson", Format::Ndjson),
        ("geojson", Format::GeoJson),
    ];

    fn parse(name: &str) -> Result<Format, ApiError> {
        Format::ALL
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, f)| *f)
            .ok_or_else(|| {
                ApiError::not_found(format!("no format `{}`", shorten(name)))
                    .with_parameter("format")
                    .with_allowed(Format::ALL.iter().map(|(n, _)| *n))
            })
    }

    fn content_type(self) -> &'static str {
        match self {
            Format::Json => "application/json",
            Format::Csv => "text/csv; charset=utf-8",
            Format::Ndjson => "application/x-ndjson",
            Format::GeoJson => "application/geo+json",
        }
    }
}

/// A checked rows request.
#[derive(Debug)]
pub struct RowsQuery {
    pub sets: Vec<(usize, CodeSet)>,
    pub order: Order,
    pub columns: Vec<usize>,
    pub size: usize,
    pub after: Option<Cursor>,
    pub facets: Vec<usize>,
    pub stream: bool,
    pub shape: Shape,
    /// `_nocount`: answer `total: null`.
    pub nocount: bool,
}

fn unknown_column(store: &Store, parameter: &str, column: &str) -> ApiError {
    ApiError::bad_parameter(
        shorten(parameter),
        format!("no column `{}` in `{}`", shorten(column), store.id),
    )
    .with_allowed(store.column_names())
}

fn column_named(store: &Store, parameter: &str, name: &str) -> Result<usize, ApiError> {
    store
        .column_index(name)
        .ok_or_else(|| unknown_column(store, parameter, name))
}

/// Checks every parameter against the store's columns and types.
pub fn parse_query(
    store: &Store,
    params: &[(String, String)],
    format: Format,
) -> Result<RowsQuery, ApiError> {
    let mut filters = Vec::new();
    let mut query = RowsQuery {
        sets: Vec::new(),
        order: Order::default(),
        columns: Vec::new(),
        size: DEFAULT_SIZE,
        after: None,
        facets: Vec::new(),
        stream: false,
        shape: Shape::default(),
        nocount: false,
    };
    let mut sort: Option<(String, bool)> = None;
    let mut next = None;
    let mut excluded: Vec<usize> = Vec::new();
    for (i, (key, value)) in params.iter().enumerate() {
        if SINGLE.contains(&key.as_str()) && params[..i].iter().any(|(k, _)| k == key) {
            return Err(ApiError::bad_parameter(
                key,
                format!("`{key}` takes one value; give it once"),
            ));
        }
        match key.as_str() {
            "_sort" | "_sort_desc" => {
                if sort.is_some() {
                    return Err(ApiError::bad_parameter(
                        key,
                        "give one of _sort and _sort_desc, once",
                    ));
                }
                let c = column_named(store, key, value)?;
                query.order = Order {
                    column: Some(c),
                    desc: key == "_sort_desc",
                };
                sort = Some((value.clone(), key == "_sort_desc"));
            }
            "_col" => {
                for name in value.split(',').filter(|n| !n.is_empty()) {
                    let c = column_named(store, key, name)?;
                    if !query.columns.contains(&c) {
                        query.columns.push(c);
                    }
                }
            }
            "_nocol" => {
                for name in value.split(',').filter(|n| !n.is_empty()) {
                    excluded.push(column_named(store, key, name)?);
                }
            }
            "_nocount" => query.nocount = flag(key, value)?,
            "_labels" | "_json" => {
                // Datasette expands foreign keys and JSON columns; these rows have neither.
                flag(key, value)?;
            }
            "_size" => {
                query.size = match value.as_str() {
                    "max" => MAX_SIZE,
                    v => v
                        .parse::<usize>()
                        .ok()
                        .filter(|n| (1..=MAX_SIZE).contains(n))
                        .ok_or_else(|| {
                            ApiError::bad_parameter(
                                "_size",
                                format!(
                                    "`{}` is not a page size: give 1 to {MAX_SIZE}, or `max`",
                                    shorten(v)
                                ),
                            )
                            .with_allowed([format!("1..{MAX_SIZE}"), "max".into()])
                        })?,
                };
            }
            "_next" => next = Some(value.clone()),
            "_facet" => {
                let c = column_named(store, key, value)?;
                if !query.facets.contains(&c) {
                    query.facets.push(c);
                }
            }
            "_stream" => {
                query.stream = match value.as_str() {
                    "on" | "1" | "true" => true,
                    "off" | "0" | "false" | "" => false,
                    _ => {
                        return Err(ApiError::bad_parameter("_stream", "give `on` or `off`")
                            .with_allowed(["on", "off"]))
                    }
                };
                if query.stream && !matches!(format, Format::Csv | Format::Ndjson) {
                    return Err(ApiError::bad_parameter(
                        "_stream",
                        "streaming is for .csv and .ndjson; page through .json and .geojson with _next",
                    )
                    .with_allowed(["csv", "ndjson"]));
                }
            }
            "_shape" => {
                query.shape = match value.as_str() {
                    "objects" => Shape::Objects,
                    "arrays" => Shape::Arrays,
                    "array" => Shape::Array,
                    "object" => Shape::Object,
                    other => {
                        return Err(ApiError::bad_parameter(
                            "_shape",
                            format!("`{}` is not a shape", shorten(other)),
                        )
                        .with_allowed(["objects", "arrays", "array", "object"]))
                    }
                };
                if format != Format::Json && query.shape != Shape::Objects {
                    return Err(ApiError::bad_parameter(
                        "_shape",
                        "shapes are for .json; .csv, .ndjson and .geojson have one shape each",
                    )
                    .with_allowed(["json"]));
                }
            }
            k if k.starts_with('_') => {
                return Err(ApiError::bad_parameter(
                    shorten(k),
                    "unknown parameter; parameters starting with `_` are reserved",
                )
                .with_allowed(SPECIAL))
            }
            _ => match parse_filter(store, key, value)? {
                Wanted::Filter(filter) => filters.push(filter),
                Wanted::Set(column, set) => query.sets.push((column, set)),
            },
        }
    }
    for filter in &filters {
        let set = store.code_set(filter).map_err(|e| {
            let column = &store.columns[filter.column];
            ApiError::bad_parameter(
                format!("{}__{}", column.name, filter.op.name()),
                format!(
                    "`{}` is not {}: column `{}` is of type {}",
                    shorten(&e.value),
                    e.expected,
                    column.name,
                    column.schema_type
                ),
            )
        })?;
        query.sets.push((filter.column, set));
    }
    if let Some(token) = next {
        let cursor = Cursor::decode(&token, &store.key, &store.id).map_err(|e| match e {
            CursorError::Malformed | CursorError::Forged => {
                ApiError::bad_parameter("_next", e.to_string())
            }
        })?;
        let same_sort = match &sort {
            None => cursor.sort.is_none(),
            Some((name, desc)) => cursor.sort.as_deref() == Some(name) && cursor.desc == *desc,
        };
        if !same_sort || cursor.row >= store.rows.max(1) {
            return Err(ApiError::bad_parameter(
                "_next",
                "this cursor belongs to another sort order; repeat the _sort/_sort_desc it was issued with",
            ));
        }
        query.after = Some(cursor);
    }
    if query.columns.is_empty() {
        query.columns = (0..store.columns.len()).collect();
    }
    query.columns.retain(|c| !excluded.contains(c));
    Ok(query)
}

/// A filter the row store evaluates, or a code set worked out here (Datasette's operators the
/// store lacks: `like`, `notin`, `date`).
enum Wanted {
    Filter(Filter),
    Set(usize, CodeSet),
}

/// Operators beyond the store's, as Datasette names them.
const EXTRA_OPS: [&str; 3] = ["like", "notin", "date"];

/// `{column}__{op}={value}`, or `{column}={value}` for `exact`.
fn parse_filter(store: &Store, key: &str, value: &str) -> Result<Wanted, ApiError> {
    let (column, op_name) = match key.rsplit_once("__") {
        Some((name, op)) if store.column_index(key).is_none() => {
            (column_named(store, key, name)?, op)
        }
        _ => (column_named(store, key, key)?, "exact"),
    };
    if EXTRA_OPS.contains(&op_name) {
        return extra_filter(store, key, column, op_name, value)
            .map(|set| Wanted::Set(column, set));
    }
    let op = Op::parse(op_name).ok_or_else(|| {
        let mut allowed = Op::names();
        allowed.extend(EXTRA_OPS.iter().map(|s| s.to_string()));
        ApiError::bad_parameter(
            shorten(key),
            format!("unknown filter operator `{}`", shorten(op_name)),
        )
        .with_allowed(allowed)
    })?;
    let op = match op {
        // `?x__isnull=0` asks for the opposite, as Datasette reads it; anything but a boolean
        // is a 400 (it used to match nothing silently).
        Op::IsNull | Op::NotNull => {
            let wanted = flag(key, value)?;
            match (op, wanted) {
                (Op::IsNull, false) => Op::NotNull,
                (Op::NotNull, false) => Op::IsNull,
                (op, _) => op,
            }
        }
        op => op,
    };
    let values = match op {
        Op::IsNull | Op::NotNull => Vec::new(),
        Op::In => list_values(key, value)?,
        _ => vec![value.to_string()],
    };
    Ok(Wanted::Filter(Filter { column, op, values }))
}

/// `in`/`notin` values: comma-separated, or a JSON list.
fn list_values(key: &str, value: &str) -> Result<Vec<String>, ApiError> {
    if value.trim_start().starts_with('[') {
        let list: Vec<Value> = serde_json::from_str(value).map_err(|_| {
            ApiError::bad_parameter(shorten(key), "give comma-separated values or a JSON list")
        })?;
        Ok(list
            .into_iter()
            .map(|v| match v {
                Value::String(s) => s,
                other => other.to_string(),
            })
            .collect())
    } else {
        Ok(value.split(',').map(str::to_string).collect())
    }
}

/// The codes of `like` (SQL LIKE: `%` any run, `_` one character; ignoring case), `notin`
/// (not one of the values; nulls excluded, as SQL's NOT IN) and `date` (the value's date part).
fn extra_filter(
    store: &Store,
    key: &str,
    column: usize,
    op: &str,
    value: &str,
) -> Result<CodeSet, ApiError> {
    let col = &store.columns[column];
    let len = col.dict_len();
    let mut bits = vec![0u64; len as usize / 64 + 1];
    let keep: Box<dyn Fn(u32) -> bool> = match op {
        "notin" => {
            let filter = Filter {
                column,
                op: Op::In,
                values: list_values(key, value)?,
            };
            let set = store.code_set(&filter).map_err(|e| {
                ApiError::bad_parameter(
                    shorten(key),
                    format!(
                        "`{}` is not {}: column `{}` is of type {}",
                        shorten(&e.value),
                        e.expected,
                        col.name,
                        col.schema_type
                    ),
                )
            })?;
            Box::new(move |code| !set.contains(code))
        }
        "date" => {
            if chrono::NaiveDate::parse_from_str(value, "%Y-%m-%d").is_err() {
                return Err(ApiError::bad_parameter(
                    shorten(key),
                    format!("`{}` is not a date: give YYYY-MM-DD", shorten(value)),
                ));
            }
            let day = value.to_string();
            Box::new(move |code| col.text(code).get(..10) == Some(day.as_str()))
        }
        _ => {
            let pattern: Vec<char> = value.to_lowercase().chars().collect();
            Box::new(move |code| {
                let text: Vec<char> = col.text(code).to_lowercase().chars().collect();
                like(&pattern, &text)
            })
        }
    };
    for code in 1..len {
        if keep(code) {
            bits[code as usize / 64] |= 1 << (code % 64);
        }
    }
    Ok(CodeSet::Bits(bits))
}

/// SQL LIKE over characters: `%` matches any run, `_` any one character.
fn like(pattern: &[char], text: &[char]) -> bool {
    // Iterative with one backtrack point per `%`: linear-ish, no recursion blow-up.
    let (mut p, mut t) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while t < text.len() {
        if p < pattern.len() && (pattern[p] == '_' || pattern[p] == text[t]) {
            p += 1;
            t += 1;
        } else if p < pattern.len() && pattern[p] == '%' {
            star = Some((p, t));
            p += 1;
        } else if let Some((sp, st)) = star {
            p = sp + 1;
            t = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    pattern[p..].iter().all(|c| *c == '%')
}

/// `GET /api/v1/datasets/{name}/{resource}.{format}`.
pub fn rows(
    data: &DataState,
    req: &Req,
    dataset: &str,
    resource: &str,
    format: &str,
) -> Result<Response, ApiError> {
    let format = Format::parse(format)?;
    let store = data.resource_store(dataset, resource)?.clone();
    let geometry = match format {
        Format::GeoJson => Some(geometry(&store).ok_or_else(|| {
            ApiError::not_found(format!(
                "`{}` has no geometry (no h3_cell, geopoint or lat/lon columns)",
                store.id
            ))
            .with_parameter("format")
            .with_allowed(["json", "csv", "ndjson"])
        })?),
        _ => None,
    };
    let params = respond::params(req)?;
    let query = parse_query(&store, &params, format)?;
    if query.stream {
        return stream(data, req, store, query, format);
    }
    let page = store.page(
        &query.sets,
        query.order,
        query.after.as_ref(),
        query.size,
        // Without filters, facets come straight from the posting-list lengths.
        !query.facets.is_empty() && !query.sets.is_empty(),
    );
    let next = match (page.more, page.rows.last()) {
        (true, Some(&row)) => Some(cursor_after(&store, &query, row)),
        _ => None,
    };
    let next_url = next
        .as_ref()
        .map(|token| req.with_param(data.origin(), "_next", token));
    let mut body = Vec::with_capacity(256 * page.rows.len() + 1024);
    match format {
        Format::Json if matches!(query.shape, Shape::Array | Shape::Object) => {
            let keys = json_keys(&store, &query.columns);
            let object = query.shape == Shape::Object;
            body.push(if object { b'{' } else { b'[' });
            for (i, &row) in page.rows.iter().enumerate() {
                if i > 0 {
                    body.push(b',');
                }
                if object {
                    body.extend_from_slice(format!("\"{}\":", u64::from(row) + 1).as_bytes());
                }
                write_object(&mut body, &store, &keys, row);
            }
            body.push(if object { b'}' } else { b']' });
        }
        Format::Json | Format::GeoJson => {
            let facets = (!query.facets.is_empty())
                .then(|| facets_json(&store, &query.facets, page.matches.as_deref()));
            let head = json!({
                "dataset": dataset,
                "resource": resource,
                "total": (!query.nocount).then_some(page.total),
                "total_estimated": false,
                "next": next,
                "next_url": next_url,
                "fields": query.columns.iter().map(|&c| {
                    let column = &store.columns[c];
                    json!({"name": column.name, "type": column.schema_type})
                }).collect::<Vec<_>>(),
                "columns": query.columns.iter().map(|&c| store.columns[c].name.clone()).collect::<Vec<_>>(),
                "facets": facets,
            });
            let mut text = serde_json::to_vec(&head).unwrap_or_else(|_| b"{}".to_vec());
            text.pop(); // reopen the object to append the rows
            body.extend_from_slice(&text);
            let keys = json_keys(&store, &query.columns);
            if let Some(geometry) = geometry {
                body.extend_from_slice(b",\"type\":\"FeatureCollection\",\"features\":[");
                for (i, &row) in page.rows.iter().enumerate() {
                    if i > 0 {
                        body.push(b',');
                    }
                    write_feature(&mut body, &store, &keys, geometry, row);
                }
            } else {
                body.extend_from_slice(b",\"rows\":[");
                for (i, &row) in page.rows.iter().enumerate() {
                    if i > 0 {
                        body.push(b',');
                    }
                    if query.shape == Shape::Arrays {
                        write_list(&mut body, &store, &query.columns, row);
                    } else {
                        write_object(&mut body, &store, &keys, row);
                    }
                }
            }
            body.extend_from_slice(b"]}");
        }
        Format::Csv => {
            write_csv_header(&mut body, &store, &query.columns);
            for &row in &page.rows {
                write_csv_row(&mut body, &store, &query.columns, row);
            }
        }
        Format::Ndjson => {
            let keys = json_keys(&store, &query.columns);
            for &row in &page.rows {
                write_object(&mut body, &store, &keys, row);
                body.push(b'\n');
            }
        }
    }
    let mut reply = Reply::new(format.content_type(), Cache::Rows).next(next_url);
    if !query.nocount {
        reply = reply.header("x-total-count", page.total.to_string());
    }
    Ok(reply.body(req, &data.version, body))
}

fn cursor_after(store: &Store, query: &RowsQuery, row: u32) -> String {
    let (sort, value) = match query.order.column {
        Some(c) => {
            let column = &store.columns[c];
            (
                Some(column.name.clone()),
                column.value(row).map(str::to_string),
            )
        }
        None => (None, None),
    };
    Cursor {
        sort,
        desc: query.order.desc,
        value,
        row,
    }
    .encode(&store.key, &store.id)
}

fn facets_json(store: &Store, facets: &[usize], matches: Option<&[u32]>) -> Value {
    let mut out = serde_json::Map::new();
    for &c in facets {
        let column = &store.columns[c];
        let values: Vec<Value> = store
            .facet(c, matches, FACET_SIZE + 1)
            .into_iter()
            .map(|(code, count)| json!({"value": code_json(column, code), "count": count}))
            .collect();
        let truncated = values.len() > FACET_SIZE;
        out.insert(
            column.name.clone(),
            json!({"values": &values[..values.len().min(FACET_SIZE)], "truncated": truncated}),
        );
    }
    Value::Object(out)
}

/// `_stream=on`: every matching row, in order, written on a blocking thread in chunks.
/// Should anything fail mid-way, the body ends with an explicit error line (a CSV comment
/// line `#ERROR: …`, or an NDJSON `{"error": …}` line) — never a silently short file.
fn stream(
    data: &DataState,
    req: &Req,
    store: Arc<Store>,
    query: RowsQuery,
    format: Format,
) -> Result<Response, ApiError> {
    let reply = Reply::new(format.content_type(), Cache::Rows);
    reply.stream(req, &data.version, Some(&data.exports), move |sink| {
        let rows = store.scan(&query.sets, query.order).map(Ok);
        export(sink, &store, &query.columns, format, rows)
    })
}
