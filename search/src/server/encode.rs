//! Writing rows: typed JSON objects, CSV fields (quoted only when needed), GeoJSON features
//! (H3 hexagons via h3o, geopoints, lat/lon) and whole-result exports that end with an explicit
//! error line if they fail. Not for: which rows (`server::rows`, `rowstore`).

use serde_json::{json, Value};

use super::respond::{Sink, Stop};
use super::rows::Format;
use crate::rowstore::{Column, Kind, Store};

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

/// A dictionary value as typed JSON.
pub(super) fn code_json(column: &Column, code: u32) -> Value {
    if code == 0 {
        return Value::Null;
    }
    let mut buf = Vec::new();
    write_value(&mut buf, column, column.text(code));
    serde_json::from_slice(&buf).unwrap_or(Value::Null)
}

/// `"name":` for each selected column, escaped once per request.
pub(super) fn json_keys(store: &Store, columns: &[usize]) -> Vec<(usize, Vec<u8>)> {
    columns
        .iter()
        .map(|&c| {
            let mut key = serde_json::to_vec(&store.columns[c].name).unwrap_or_default();
            key.push(b':');
            (c, key)
        })
        .collect()
}

pub(super) fn write_object(out: &mut Vec<u8>, store: &Store, keys: &[(usize, Vec<u8>)], row: u32) {
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

/// A row as a JSON list of its `columns`' values (Datasette's `_shape=arrays`).
pub(super) fn write_list(out: &mut Vec<u8>, store: &Store, columns: &[usize], row: u32) {
    out.push(b'[');
    for (i, &c) in columns.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        let column = &store.columns[c];
        match column.value(row) {
            None => out.extend_from_slice(b"null"),
            Some(text) => write_value(out, column, text),
        }
    }
    out.push(b']');
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

pub(super) fn write_csv_header(out: &mut Vec<u8>, store: &Store, columns: &[usize]) {
    for (i, &c) in columns.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        write_csv_field(out, store.columns[c].name.as_bytes());
    }
    out.extend_from_slice(b"\r\n");
}

pub(super) fn write_csv_row(out: &mut Vec<u8>, store: &Store, columns: &[usize], row: u32) {
    for (i, &c) in columns.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        let column = &store.columns[c];
        write_csv_field(out, column.bytes(column.code(row)));
    }
    out.extend_from_slice(b"\r\n");
}

pub(super) fn write_feature(
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
