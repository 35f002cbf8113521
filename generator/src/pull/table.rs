//! Reading a source file as a grid of cell texts: CSV through the validation stage's reader
//! (the same encoding and dialect detection), XLSX/ODS through calamine, JSON records by a
//! JSON Pointer. Which row is the header and what the cells mean is `map`'s job.

use std::io::Cursor;

use calamine::{Data, Reader};
use serde_json::Value;

use super::spec::{PullSpec, SourceFormat};

/// A source's cells, row by row, with what was found out while reading it.
#[derive(Debug, Clone)]
pub struct Grid {
    pub rows: Vec<Vec<String>>,
    /// The CSV encoding used (declared or detected); `None` for workbooks and JSON.
    pub encoding: Option<String>,
    /// The CSV delimiter used.
    pub delimiter: Option<char>,
    /// The rows came from JSON records: the first row is the header built from their keys.
    pub from_records: bool,
}

/// Reads `bytes` as `format`.
pub fn read(bytes: &[u8], format: SourceFormat, spec: &PullSpec) -> Result<Grid, String> {
    match format {
        SourceFormat::Csv => {
            let (rows, encoding, delimiter) = crate::validate::read_cells(
                bytes,
                spec.encoding.as_deref(),
                spec.dialect.as_ref(),
            )?;
            Ok(Grid {
                rows,
                encoding: Some(encoding.to_string()),
                delimiter: Some(delimiter as char),
                from_records: false,
            })
        }
        SourceFormat::Xlsx | SourceFormat::Ods => workbook(bytes, spec),
        SourceFormat::Json => records(bytes, spec),
    }
}

fn workbook(bytes: &[u8], spec: &PullSpec) -> Result<Grid, String> {
    let mut book = calamine::open_workbook_auto_from_rs(Cursor::new(bytes))
        .map_err(|e| format!("not a readable workbook: {e}"))?;
    let names = book.sheet_names();
    let sheet = match &spec.sheet {
        Some(name) => names.iter().find(|n| *n == name).cloned().ok_or_else(|| {
            format!(
                "`pull.sheet`: the workbook has no sheet `{name}`; it has: {}",
                names.join(", ")
            )
        })?,
        None => names
            .first()
            .cloned()
            .ok_or_else(|| "the workbook has no sheets".to_string())?,
    };
    let mut range = book
        .worksheet_range(&sheet)
        .map_err(|e| format!("cannot read sheet `{sheet}`: {e}"))?;
    if let Some(text) = &spec.range {
        let (start, end) =
            super::spec::parse_range(text).map_err(|e| format!("`pull.range`: {e}"))?;
        range = range.range(start, end);
    }
    // Row and column numbers as the sheet shows them, so `skip_rows` counts from row 1.
    let (top, left) = range.start().unwrap_or((0, 0));
    let (top, left) = if spec.range.is_some() {
        (0, 0)
    } else {
        (top as usize, left as usize)
    };
    let mut rows: Vec<Vec<String>> = vec![Vec::new(); top];
    for row in range.rows() {
        let mut cells = vec![String::new(); left];
        cells.extend(row.iter().map(cell_text));
        rows.push(cells);
    }
    Ok(Grid {
        rows,
        encoding: None,
        delimiter: None,
        from_records: false,
    })
}

/// A workbook cell as text: numbers without a spurious `.0`, dates as ISO 8601.
fn cell_text(cell: &Data) -> String {
    match cell {
        Data::Int(i) => i.to_string(),
        Data::Float(f) => number_text(*f),
        Data::String(s) => s.clone(),
        Data::Bool(b) => b.to_string(),
        Data::DateTime(d) => {
            let (y, m, day, h, min, s, _) = d.to_ymd_hms_milli();
            if d.is_datetime() && (h, min, s) != (0, 0, 0) {
                format!("{y:04}-{m:02}-{day:02}T{h:02}:{min:02}:{s:02}")
            } else if d.is_datetime() {
                format!("{y:04}-{m:02}-{day:02}")
            } else {
                number_text(d.as_f64())
            }
        }
        Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
        Data::Error(e) => format!("#{e:?}"),
        Data::Empty => String::new(),
    }
}

fn number_text(f: f64) -> String {
    if f.fract() == 0.0 && f.abs() < 1e15 {
        format!("{}", f as i64)
    } else {
        // Shortest text that reads back as the same f64 (Rust's Display), never exponents
        // for the magnitudes budgets have.
        format!("{f}")
    }
}

fn records(bytes: &[u8], spec: &PullSpec) -> Result<Grid, String> {
    let json: Value = serde_json::from_slice(bytes).map_err(|e| format!("not valid JSON: {e}"))?;
    let pointer = spec.records.as_deref().unwrap_or("");
    let list = json
        .pointer(pointer)
        .ok_or_else(|| format!("`pull.records`: nothing at `{pointer}` in the JSON"))?
        .as_array()
        .ok_or_else(|| {
            format!("`pull.records`: `{pointer}` is not an array of records; point at the array")
        })?;
    // Header: top-level keys in first-seen order, then the JSON Pointers `columns` names.
    let mut header: Vec<String> = Vec::new();
    for record in list {
        let object = record
            .as_object()
            .ok_or_else(|| format!("`pull.records`: an element of `{pointer}` is not an object"))?;
        for key in object.keys() {
            if !header.contains(key) && !object[key].is_object() && !object[key].is_array() {
                header.push(key.clone());
            }
        }
    }
    for path in spec.columns.keys() {
        if path.starts_with('/') && !header.contains(path) {
            header.push(path.clone());
        }
    }
    let mut rows = vec![header.clone()];
    for record in list {
        rows.push(
            header
                .iter()
                .map(|key| {
                    let value = if key.starts_with('/') {
                        record.pointer(key)
                    } else {
                        record.get(key)
                    };
                    match value {
                        None | Some(Value::Null) => String::new(),
                        Some(Value::String(s)) => s.clone(),
                        Some(other) => other.to_string(),
                    }
                })
                .collect(),
        );
    }
    Ok(Grid {
        rows,
        encoding: None,
        delimiter: None,
        from_records: true,
    })
}
