//! The bytes of a resource's table as the CSV reader takes them: a plain CSV file streamed
//! as it is, or — for the other forms data packages use — a CSV made in memory: gzip and
//! zip decompressed, multipart files joined, spreadsheets (xlsx, xls, ods, through
//! calamine) and JSON tables (json, jsonl/ndjson, inline `data`) written out as CSV. A
//! format it cannot read is refused with a message, never read as CSV. Declared `bytes` and
//! `hash` are checked here, on the stored bytes. Parsing the CSV is `reader`'s job.

// A refusal (an `Issue` by value) happens once per resource at most: boxing it would buy
// nothing but noise.
#![allow(clippy::result_large_err)]

use std::io::{Cursor, Read};
use std::path::{Path, PathBuf};

use serde_json::Value as Json;
use sha2::Digest;

use super::descriptor::Table;
use super::report::{Issue, Kind};

/// What the CSV reader reads.
pub enum Body {
    /// A CSV file on disk, streamed.
    File(PathBuf),
    /// CSV bytes made in memory: UTF-8, comma-separated, unless `delimiter` says otherwise.
    Bytes(Vec<u8>),
}

/// A table ready for the CSV reader, and the dialect its bytes force (a CSV this module
/// wrote is comma-separated UTF-8 with a header, whatever the resource declared).
pub struct Opened {
    pub body: Body,
    pub dialect: Option<Json>,
    pub encoding: Option<&'static str>,
}

const SPREADSHEETS: [&str; 4] = ["xlsx", "xls", "xlsm", "ods"];
const JSON_TABLES: [&str; 5] = ["json", "jsonl", "ndjson", "inline", "jsonlines"];

/// Opens `table` for the CSV reader, or says why it cannot be read.
pub fn open(table: &Table, dialect: Option<&Json>) -> Result<Opened, Issue> {
    let format = table.format.as_str();
    let known = matches!(format, "csv" | "tsv" | "txt")
        || SPREADSHEETS.contains(&format)
        || JSON_TABLES.contains(&format);
    if !known {
        return Err(Issue::table(
            Kind::FormatError,
            format!("format \"{format}\" is not supported: vidkryto validates csv, tsv, xlsx, xls, ods, json and jsonl tables"),
        ));
    }
    if let Some(remote) = &table.remote {
        return Err(Issue::table(
            Kind::SchemeError,
            format!("the path \"{remote}\" is remote: pull it with `vidkryto pull` and validate the local copy"),
        ));
    }
    if let Some(c) = table.compression.as_deref() {
        if c != "gz" && c != "zip" {
            return Err(Issue::table(
                Kind::CompressionError,
                format!("compression \"{c}\" is not supported: use gz or zip"),
            ));
        }
    }
    let tsv = (format == "tsv").then(|| serde_json::json!({"delimiter": "\t"}));
    let plain = matches!(format, "csv" | "tsv" | "txt");
    if plain && table.parts.len() == 1 && table.compression.is_none() && table.inline.is_none() {
        compressed_without_saying(&table.parts[0])?;
        return Ok(Opened {
            body: Body::File(table.parts[0].clone()),
            dialect: tsv,
            encoding: None,
        });
    }
    let written = |bytes: Vec<u8>| Opened {
        body: Body::Bytes(bytes),
        dialect: Some(written_dialect(dialect)),
        encoding: Some("utf-8"),
    };
    if let Some(data) = &table.inline {
        return json_rows(data, &table.fields).map(written);
    }
    let raw = stored_bytes(table, plain && header(dialect))?;
    if plain {
        return Ok(Opened {
            body: Body::Bytes(raw),
            dialect: tsv,
            encoding: None,
        });
    }
    if SPREADSHEETS.contains(&format) {
        return spreadsheet(raw, &table.parts[0]).map(written);
    }
    if format == "json" {
        let value: Json = serde_json::from_slice(&raw).map_err(|e| {
            Issue::table(
                Kind::SourceError,
                format!("the JSON table cannot be read: {e}"),
            )
        })?;
        return json_rows(&value, &table.fields).map(written);
    }
    let mut rows = Vec::new();
    for (n, line) in raw.split(|b| *b == b'\n').enumerate() {
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        let value: Json = serde_json::from_slice(line).map_err(|e| {
            Issue::table(
                Kind::SourceError,
                format!("line {}: not a JSON row: {e}", n + 1),
            )
        })?;
        rows.push(value);
    }
    json_rows(&Json::Array(rows), &table.fields).map(written)
}

/// The dialect of a CSV this module wrote; `header` is kept from the resource's (a
/// spreadsheet or JSON array without a header row stays without one).
fn written_dialect(declared: Option<&Json>) -> Json {
    let header = declared
        .and_then(|d| d.get("header"))
        .and_then(Json::as_bool)
        .unwrap_or(true);
    serde_json::json!({"delimiter": ",", "quoteChar": "\"", "doubleQuote": true, "header": header})
}

fn header(dialect: Option<&Json>) -> bool {
    dialect
        .and_then(|d| d.get("header"))
        .and_then(Json::as_bool)
        .unwrap_or(true)
}

/// A file named as plain CSV whose bytes are gzip or zip: an encoding error, not a table
/// of garbage.
fn compressed_without_saying(path: &Path) -> Result<(), Issue> {
    let mut start = [0u8; 4];
    let n = std::fs::File::open(path)
        .and_then(|mut f| f.read(&mut start))
        .unwrap_or(0);
    let what = match &start[..n] {
        [0x1f, 0x8b, ..] => "gz",
        [b'P', b'K', 3, 4] => "zip",
        _ => return Ok(()),
    };
    Err(Issue::table(
        Kind::EncodingError,
        format!("`{}` is {what}-compressed, not text: declare `\"compression\": \"{what}\"` on the resource or name the file .csv.{what}", path.display()),
    ))
}

fn read_part(path: &Path) -> Result<Vec<u8>, Issue> {
    std::fs::read(path).map_err(|e| {
        Issue::table(
            Kind::SchemeError,
            format!("cannot read `{}`: {e}", path.display()),
        )
    })
}

/// The table's bytes as stored, decompressed, its parts joined (a line break between
/// parts that lack one).
fn stored_bytes(table: &Table, header: bool) -> Result<Vec<u8>, Issue> {
    let mut all = Vec::new();
    let mut first_line: Option<Vec<u8>> = None;
    for path in &table.parts {
        let raw = read_part(path)?;
        let mut part = match table.compression.as_deref() {
            Some("gz") => {
                let mut out = Vec::new();
                flate2::read::MultiGzDecoder::new(&raw[..])
                    .read_to_end(&mut out)
                    .map_err(|e| {
                        Issue::table(
                            Kind::CompressionError,
                            format!("`{}` is not gzip data: {e}", path.display()),
                        )
                    })?;
                out
            }
            Some("zip") => first_zip_entry(&raw, path)?,
            _ => raw,
        };
        // A later part that repeats the first part's header continues the table; its
        // header is not a row.
        let line_end = memchr::memchr(b'\n', &part).map_or(part.len(), |i| i + 1);
        match &first_line {
            None => first_line = Some(part[..line_end].to_vec()),
            Some(first) if header && trim_eol(first) == trim_eol(&part[..line_end]) => {
                part.drain(..line_end);
            }
            Some(_) => {}
        }
        if !all.is_empty() && !all.ends_with(b"\n") {
            all.push(b'\n');
        }
        all.append(&mut part);
    }
    Ok(all)
}

fn trim_eol(line: &[u8]) -> &[u8] {
    let line = line.strip_suffix(b"\n").unwrap_or(line);
    line.strip_suffix(b"\r").unwrap_or(line)
}

fn first_zip_entry(raw: &[u8], path: &Path) -> Result<Vec<u8>, Issue> {
    let bad = |e: &dyn std::fmt::Display| {
        Issue::table(
            Kind::CompressionError,
            format!("`{}` is not a readable zip archive: {e}", path.display()),
        )
    };
    let mut archive = zip::ZipArchive::new(Cursor::new(raw)).map_err(|e| bad(&e))?;
    for i in 0..archive.len() {
        let mut file = archive.by_index(i).map_err(|e| bad(&e))?;
        if file.is_dir() {
            continue;
        }
        let mut out = Vec::new();
        file.read_to_end(&mut out).map_err(|e| bad(&e))?;
        return Ok(out);
    }
    Err(bad(&"it holds no file"))
}

/// The first sheet as CSV, one record per sheet row from the first row on.
fn spreadsheet(raw: Vec<u8>, path: &Path) -> Result<Vec<u8>, Issue> {
    use calamine::Reader as _;
    let bad = |e: &dyn std::fmt::Display| {
        Issue::table(
            Kind::FormatError,
            format!("`{}` cannot be read as a spreadsheet: {e}", path.display()),
        )
    };
    let mut book = calamine::open_workbook_auto_from_rs(Cursor::new(raw)).map_err(|e| bad(&e))?;
    let range = match book.worksheet_range_at(0) {
        Some(range) => range.map_err(|e| bad(&e))?,
        None => return Err(bad(&"it has no sheet")),
    };
    let mut out = csv::WriterBuilder::new()
        .flexible(true)
        .from_writer(Vec::new());
    let (row0, col0) = range.start().unwrap_or((0, 0));
    for _ in 0..row0 {
        out.write_record([""]).map_err(|e| bad(&e))?;
    }
    for row in range.rows() {
        let mut cells: Vec<String> = vec![String::new(); col0 as usize];
        cells.extend(row.iter().map(sheet_cell));
        // A row of empty cells is an empty line, as the blank row it is.
        if cells.iter().all(String::is_empty) {
            cells = vec![String::new()];
        }
        out.write_record(&cells).map_err(|e| bad(&e))?;
    }
    out.into_inner().map_err(|e| bad(&e))
}

fn sheet_cell(cell: &calamine::Data) -> String {
    use calamine::Data;
    match cell {
        Data::Empty | Data::Error(_) => String::new(),
        Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
        Data::Int(n) => n.to_string(),
        // Integral floats are how spreadsheets store integers.
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        Data::Float(f) => f.to_string(),
        Data::Bool(b) => b.to_string(),
        Data::DateTime(d) => match d.as_datetime() {
            Some(dt) if dt.time() == chrono::NaiveTime::MIN => dt.date().to_string(),
            Some(dt) => dt.format("%Y-%m-%dT%H:%M:%S").to_string(),
            None => d.to_string(),
        },
    }
}

/// A JSON table — an array of rows, each an array of cells or an object keyed by field
/// name — as CSV (objects: a header of the schema's fields, then any other keys in
/// first-seen order).
fn json_rows(value: &Json, fields: &[String]) -> Result<Vec<u8>, Issue> {
    let bad = |why: String| Issue::table(Kind::SourceError, why);
    let Json::Array(rows) = value else {
        return Err(bad(
            "the JSON table must be an array of rows (arrays or objects)".into(),
        ));
    };
    let mut out = csv::WriterBuilder::new()
        .flexible(true)
        .from_writer(Vec::new());
    let keyed = rows.iter().any(Json::is_object);
    let mut keys: Vec<String> = fields.to_vec();
    if keyed {
        for row in rows {
            for key in row.as_object().into_iter().flat_map(|o| o.keys()) {
                if !keys.contains(key) {
                    keys.push(key.clone());
                }
            }
        }
        out.write_record(&keys).map_err(|e| bad(e.to_string()))?;
    }
    for (n, row) in rows.iter().enumerate() {
        let cells: Vec<String> = match row {
            Json::Array(cells) => cells.iter().map(json_cell).collect(),
            Json::Object(map) => keys
                .iter()
                .map(|k| map.get(k).map(json_cell).unwrap_or_default())
                .collect(),
            other => {
                return Err(bad(format!(
                    "row {} of the JSON table is {other}, not an array or object",
                    n + 1
                )))
            }
        };
        let cells = if cells.is_empty() {
            vec![String::new()]
        } else {
            cells
        };
        out.write_record(&cells).map_err(|e| bad(e.to_string()))?;
    }
    out.into_inner().map_err(|e| bad(e.to_string()))
}

fn json_cell(value: &Json) -> String {
    match value {
        Json::Null => String::new(),
        Json::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Declared `bytes` and `hash` against the stored bytes (all parts, as stored).
pub fn integrity(table: &Table) -> Vec<Issue> {
    if table.bytes.is_none() && table.hash.is_none() || table.remote.is_some() {
        return Vec::new();
    }
    let mut bytes = 0u64;
    let mut md5 = md5::Md5::new();
    let mut sha256 = sha2::Sha256::new();
    for path in &table.parts {
        match std::fs::read(path) {
            Ok(raw) => {
                bytes += raw.len() as u64;
                md5.update(&raw);
                sha256.update(&raw);
            }
            Err(_) => return Vec::new(),
        }
    }
    let mut issues = Vec::new();
    if let Some(expected) = table.bytes {
        if expected != bytes {
            issues.push(Issue::table(
                Kind::ByteCount,
                format!("`bytes` is {expected}, the file has {bytes}: update `bytes` or restore the file"),
            ));
        }
    }
    if let Some(declared) = &table.hash {
        let (algorithm, expected) = declared.split_once(':').unwrap_or(("md5", declared));
        let actual = match algorithm.to_ascii_lowercase().as_str() {
            "md5" => Some(hex(&md5.finalize())),
            "sha256" => Some(hex(&sha256.finalize())),
            _ => None,
        };
        match actual {
            Some(actual) if !actual.eq_ignore_ascii_case(expected) => issues.push(Issue::table(
                Kind::HashCount,
                format!("`hash` is \"{declared}\", the file's {algorithm} is \"{actual}\": update `hash` or restore the file"),
            )),
            Some(_) => {}
            None => issues.push(Issue::table(
                Kind::HashCount,
                format!("`hash` \"{declared}\": the algorithm `{algorithm}` is not supported; use md5 or sha256"),
            )),
        }
    }
    issues
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
