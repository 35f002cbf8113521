//! `GET /api/v1/datasets/{name}/{resource}.{json,csv,ndjson,geojson}`: Datasette-style
//! parameters parsed and checked against the Table Schema, answered from the row store, and
//! written in each format (paged, or streamed whole with `_stream=on`). Not for: the query
//! engine itself (`rowstore`).

use std::sync::Arc;

use serde_json::{json, Value};
use warp::reply::Response;

use super::datasets::{shorten, DataState};
use super::respond::{self, Cache, Reply, Req, Sink, Stop};
use super::ApiError;
use crate::rowstore::{CodeSet, Column, Cursor, CursorError, Filter, Kind, Op, Order, Store};

/// Rows per page unless `_size` says otherwise.
pub const DEFAULT_SIZE: usize = 100;
/// The largest `_size`.
pub const MAX_SIZE: usize = 1000;
/// Values listed per facet.
const FACET_SIZE: usize = 30;

const SPECIAL: [&str; 8] = [
    "_sort",
    "_sort_desc",
    "_col",
    "_size",
    "_next",
    "_facet",
    "_stream",
    "_shape",
];

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
    };
    let mut sort: Option<(String, bool)> = None;
    let mut next = None;
    for (key, value) in params {
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
                if value != "objects" {
                    return Err(
                        ApiError::bad_parameter("_shape", "rows are always objects here")
                            .with_allowed(["objects"]),
                    );
                }
            }
            k if k.starts_with('_') => {
                return Err(ApiError::bad_parameter(
                    shorten(k),
                    "unknown parameter; parameters starting with `_` are reserved",
                )
                .with_allowed(SPECIAL))
            }
            _ => filters.push(parse_filter(store, key, value)?),
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
    Ok(query)
}

/// `{column}__{op}={value}`, or `{column}={value}` for `exact`.
fn parse_filter(store: &Store, key: &str, value: &str) -> Result<Filter, ApiError> {
    let (column, op) = match key.rsplit_once("__") {
        Some((name, op)) if store.column_index(key).is_none() => {
            let column = column_named(store, key, name)?;
            let op = Op::parse(op).ok_or_else(|| {
                ApiError::bad_parameter(
                    shorten(key),
                    format!("unknown filter operator `{}`", shorten(op)),
                )
                .with_allowed(Op::names())
            })?;
            (column, op)
        }
        _ => (column_named(store, key, key)?, Op::Exact),
    };
    let values = match op {
        Op::IsNull | Op::NotNull => Vec::new(),
        Op::In => {
            if value.trim_start().starts_with('[') {
                let list: Vec<Value> = serde_json::from_str(value).map_err(|_| {
                    ApiError::bad_parameter(
                        shorten(key),
                        "`in` takes comma-separated values or a JSON list",
                    )
                })?;
                list.into_iter()
                    .map(|v| match v {
                        Value::String(s) => s,
                        other => other.to_string(),
                    })
                    .collect()
            } else {
                value.split(',').map(str::to_string).collect()
            }
        }
        _ => vec![value.to_string()],
    };
    Ok(Filter { column, op, values })
}

/// How a resource's rows become GeoJSON geometry.
#[derive(Debug, Clone, Copy)]
pub enum Geometry {
    /// An H3 cell id column: the hexagon; falls back to the lat/lon point when it is empty.
    H3 {
        cell: usize,
        point: Option<(usize, usize)>,
    },
    /// A Table Schema `geopoint` (`"lon, lat"`, `[lon, lat]` or `{"lon":…, "lat":…}`).
    GeoPoint(usize),
    /// `lat` and `lon` (or `latitude`/`longitude`) columns.
    Point { lat: usize, lon: usize },
}

/// The geometry of `store`'s rows, if it has any.
pub fn geometry(store: &Store) -> Option<Geometry> {
    let find = |names: &[&str]| names.iter().find_map(|n| store.column_index(n));
    let point = match (
        find(&["lat", "latitude"]),
        find(&["lon", "lng", "longitude"]),
    ) {
        (Some(lat), Some(lon)) => Some((lat, lon)),
        _ => None,
    };
    if let Some(cell) = find(&["h3_cell", "h3"]) {
        return Some(Geometry::H3 { cell, point });
    }
    if let Some(c) = store
        .columns
        .iter()
        .position(|c| c.schema_type == "geopoint")
    {
        return Some(Geometry::GeoPoint(c));
    }
    point.map(|(lat, lon)| Geometry::Point { lat, lon })
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
        return Ok(stream(data, req, store, query, format));
    }
    let page = store.page(
        &query.sets,
        query.order,
        query.after.as_ref(),
        query.size,
        !query.facets.is_empty(),
    );
    let next = match (page.more, page.rows.last()) {
        (true, Some(&row)) => Some(cursor_after(&store, &query, row)),
        _ => None,
    };
    let next_url = next.as_ref().map(|token| req.with_param("_next", token));
    let mut body = Vec::with_capacity(256 * page.rows.len() + 1024);
    match format {
        Format::Json | Format::GeoJson => {
            let facets = (!query.facets.is_empty())
                .then(|| facets_json(&store, &query.facets, page.matches.as_deref()));
            let head = json!({
                "dataset": dataset,
                "resource": resource,
                "total": page.total,
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
                    write_object(&mut body, &store, &keys, row);
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
    Ok(Reply::new(format.content_type(), Cache::Rows)
        .next(next_url)
        .header("x-total-count", page.total.to_string())
        .body(req, &data.version, body))
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

/// A dictionary value as typed JSON.
fn code_json(column: &Column, code: u32) -> Value {
    if code == 0 {
        return Value::Null;
    }
    let mut buf = Vec::new();
    write_value(&mut buf, column, column.text(code));
    serde_json::from_slice(&buf).unwrap_or(Value::Null)
}

/// `"name":` for each selected column, escaped once per request.
fn json_keys(store: &Store, columns: &[usize]) -> Vec<(usize, Vec<u8>)> {
    columns
        .iter()
        .map(|&c| {
            let mut key = serde_json::to_vec(&store.columns[c].name).unwrap_or_default();
            key.push(b':');
            (c, key)
        })
        .collect()
}

fn write_object(out: &mut Vec<u8>, store: &Store, keys: &[(usize, Vec<u8>)], row: u32) {
    out.push(b'{');
    for (i, (c, key)) in keys.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        out.extend_from_slice(key);
        let column = &store.columns[*c];
        match column.value(row) {
            None => out.extend_from_slice(b"null"),
            Some(text) => write_value(out, column, text),
        }
    }
    out.push(b'}');
}

/// A cell as JSON: numbers and booleans typed, everything else a string.
fn write_value(out: &mut Vec<u8>, column: &Column, text: &str) {
    if column.kind.json_number() && is_json_number(text) {
        out.extend_from_slice(text.as_bytes());
    } else if column.kind == Kind::Boolean {
        match Kind::Boolean.parse(text) {
            Some(v) if v > 0.5 => out.extend_from_slice(b"true"),
            Some(_) => out.extend_from_slice(b"false"),
            None => write_string(out, text),
        }
    } else {
        write_string(out, text);
    }
}

fn write_string(out: &mut Vec<u8>, text: &str) {
    let _ = serde_json::to_writer(&mut *out, text);
}

/// Whether `text` is a number in JSON's grammar (so it can be copied as is).
fn is_json_number(text: &str) -> bool {
    let b = text.as_bytes();
    let mut i = 0;
    if b.get(i) == Some(&b'-') {
        i += 1;
    }
    let digits = |i: &mut usize| {
        let start = *i;
        while b.get(*i).is_some_and(u8::is_ascii_digit) {
            *i += 1;
        }
        *i - start
    };
    let int_start = i;
    let n = digits(&mut i);
    if n == 0 || (n > 1 && b[int_start] == b'0') {
        return false;
    }
    if b.get(i) == Some(&b'.') {
        i += 1;
        if digits(&mut i) == 0 {
            return false;
        }
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        if digits(&mut i) == 0 {
            return false;
        }
    }
    i == b.len()
}

fn write_csv_field(out: &mut Vec<u8>, text: &[u8]) {
    if text
        .iter()
        .any(|b| matches!(b, b',' | b'"' | b'\n' | b'\r'))
    {
        out.push(b'"');
        for &b in text {
            if b == b'"' {
                out.push(b'"');
            }
            out.push(b);
        }
        out.push(b'"');
    } else {
        out.extend_from_slice(text);
    }
}

fn write_csv_header(out: &mut Vec<u8>, store: &Store, columns: &[usize]) {
    for (i, &c) in columns.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        write_csv_field(out, store.columns[c].name.as_bytes());
    }
    out.extend_from_slice(b"\r\n");
}

fn write_csv_row(out: &mut Vec<u8>, store: &Store, columns: &[usize], row: u32) {
    for (i, &c) in columns.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        let column = &store.columns[c];
        write_csv_field(out, column.bytes(column.code(row)));
    }
    out.extend_from_slice(b"\r\n");
}

fn write_feature(
    out: &mut Vec<u8>,
    store: &Store,
    keys: &[(usize, Vec<u8>)],
    geometry: Geometry,
    row: u32,
) {
    out.extend_from_slice(b"{\"type\":\"Feature\",\"id\":");
    out.extend_from_slice(row.to_string().as_bytes());
    out.extend_from_slice(b",\"geometry\":");
    write_geometry(out, store, geometry, row);
    out.extend_from_slice(b",\"properties\":");
    write_object(out, store, keys, row);
    out.push(b'}');
}

fn number(store: &Store, column: usize, row: u32) -> Option<f64> {
    store.columns[column]
        .value(row)?
        .trim()
        .parse::<f64>()
        .ok()
        .filter(|v| v.is_finite())
}

fn write_point(out: &mut Vec<u8>, lon: f64, lat: f64) {
    out.extend_from_slice(
        format!("{{\"type\":\"Point\",\"coordinates\":[{lon:.6},{lat:.6}]}}").as_bytes(),
    );
}

fn write_geometry(out: &mut Vec<u8>, store: &Store, geometry: Geometry, row: u32) {
    let point = |out: &mut Vec<u8>, lat: usize, lon: usize| match (
        number(store, lat, row),
        number(store, lon, row),
    ) {
        (Some(lat), Some(lon))
            if (-90.0..=90.0).contains(&lat) && (-180.0..=180.0).contains(&lon) =>
        {
            write_point(out, lon, lat);
            true
        }
        _ => false,
    };
    let written = match geometry {
        Geometry::H3 {
            cell,
            point: fallback,
        } => {
            let hexagon = store.columns[cell]
                .value(row)
                .and_then(|id| id.trim().parse::<h3o::CellIndex>().ok());
            match hexagon {
                Some(cell) => {
                    let boundary = cell.boundary();
                    let mut ring: Vec<String> = boundary
                        .iter()
                        .map(|p| format!("[{:.6},{:.6}]", p.lng(), p.lat()))
                        .collect();
                    if let Some(first) = ring.first().cloned() {
                        ring.push(first);
                    }
                    out.extend_from_slice(
                        format!(
                            "{{\"type\":\"Polygon\",\"coordinates\":[[{}]]}}",
                            ring.join(",")
                        )
                        .as_bytes(),
                    );
                    true
                }
                None => fallback.is_some_and(|(lat, lon)| point(out, lat, lon)),
            }
        }
        Geometry::Point { lat, lon } => point(out, lat, lon),
        Geometry::GeoPoint(c) => match store.columns[c].value(row).and_then(parse_geopoint) {
            Some((lon, lat)) => {
                write_point(out, lon, lat);
                true
            }
            None => false,
        },
    };
    if !written {
        out.extend_from_slice(b"null");
    }
}

/// A Table Schema geopoint in any of its three formats, as (lon, lat).
fn parse_geopoint(text: &str) -> Option<(f64, f64)> {
    let text = text.trim();
    let pair = |a: f64, b: f64| {
        ((-180.0..=180.0).contains(&a) && (-90.0..=90.0).contains(&b)).then_some((a, b))
    };
    if text.starts_with('{') {
        let v: Value = serde_json::from_str(text).ok()?;
        return pair(v.get("lon")?.as_f64()?, v.get("lat")?.as_f64()?);
    }
    let inner = text.trim_start_matches('[').trim_end_matches(']');
    let (a, b) = inner.split_once(',')?;
    pair(a.trim().parse().ok()?, b.trim().parse().ok()?)
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
) -> Response {
    let reply = Reply::new(format.content_type(), Cache::Rows);
    reply.stream(req, &data.version, true, move |sink| {
        let rows = store.scan(&query.sets, query.order).map(Ok);
        export(sink, &store, &query.columns, format, rows)
    })
}

/// Writes `rows` to `sink`; an `Err` row or a panic ends the body with an error line.
pub fn export(
    sink: &mut Sink,
    store: &Store,
    columns: &[usize],
    format: Format,
    rows: impl Iterator<Item = Result<u32, String>>,
) -> Result<(), Stop> {
    let keys = json_keys(store, columns);
    if format == Format::Csv {
        write_csv_header(sink.buffer(), store, columns);
    }
    let mut written = 0u64;
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        for row in rows {
            let row = row?;
            match format {
                Format::Csv => write_csv_row(sink.buffer(), store, columns, row),
                _ => {
                    write_object(sink.buffer(), store, &keys, row);
                    sink.buffer().push(b'\n');
                }
            }
            written += 1;
            sink.flush_if_full()
                .map_err(|_| String::from("client gone"))?;
        }
        Ok::<(), String>(())
    }));
    let message = match outcome {
        Ok(Ok(())) => return Ok(()),
        Ok(Err(message)) => message,
        Err(_) => "internal error".to_string(),
    };
    let message = format!(
        "the export stopped after {written} rows ({message}); this file is incomplete, download it again"
    );
    let line = match format {
        Format::Csv => format!("#ERROR: {message}\r\n"),
        _ => format!(
            "{}\n",
            json!({"error": {"code": "export-failed", "message": message}})
        ),
    };
    sink.buffer().extend_from_slice(line.as_bytes());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_numbers_are_recognised() {
        for ok in ["0", "-1", "3301953.5", "1e5", "2.5E-3"] {
            assert!(is_json_number(ok), "{ok}");
        }
        for bad in ["", "01", "1.", ".5", "1,5", "NaN", "+1", "1e"] {
            assert!(!is_json_number(bad), "{bad}");
        }
    }

    #[test]
    fn geopoints_in_every_format() {
        assert_eq!(parse_geopoint("30.5, 50.4"), Some((30.5, 50.4)));
        assert_eq!(parse_geopoint("[30.5,50.4]"), Some((30.5, 50.4)));
        assert_eq!(
            parse_geopoint(r#"{"lon": 30.5, "lat": 50.4}"#),
            Some((30.5, 50.4))
        );
        assert_eq!(parse_geopoint("500, 50"), None);
    }

    #[test]
    fn csv_fields_are_quoted_when_needed() {
        let mut out = Vec::new();
        write_csv_field(&mut out, "вул. \"Хрещатик\", 1".as_bytes());
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "\"вул. \"\"Хрещатик\"\", 1\""
        );
    }
}
