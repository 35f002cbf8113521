//! The published normal form of a table: UTF-8 without a BOM, comma-separated, one header
//! row of the schema's field names, numbers with a `.` decimal point and no group
//! separators, ISO dates and times, `true`/`false`, missing values as empty cells.
//!
//! It is read with the validator's own reader and parsers, so what `validate` accepted is
//! exactly what is published, whatever the source's encoding (Windows-1251), dialect (`;`),
//! container (xlsx, JSON, gz) or field formats (decimal comma, `%d.%m.%Y`). Everything after
//! `publish` — site, row store, index, APIs — reads only this form, with csv defaults.

use std::borrow::Cow;

use serde_json::{json, Map, Value as Json};

use super::descriptor::{self, Plan};
use super::reader::{self, Format};
use super::records::Record;
use super::schema::{self, CompiledSchema};
use super::sources::{self, Body};
use super::table::{self, Data, Source};
use super::types::{display, Kind, TimeFormat, Typed};
use crate::catalog::{Field, Package, Resource};

/// A resource in the normal form.
pub struct NormalTable {
    /// The CSV to publish.
    pub csv: Vec<u8>,
    /// The resource as published: its descriptor describes `csv` (encoding, dialect, field
    /// options of the normal form); how the source was written is kept in its `sources`.
    pub resource: Resource,
}

/// Field options that only say how a source spells values; the normal form has none.
const SPELLING_OPTIONS: [&str; 5] = [
    "decimalChar",
    "groupChar",
    "bareNumber",
    "trueValues",
    "falseValues",
];

/// `resource` of `package` in the normal form. The source is copied byte for byte when it
/// already is in that form; an error names the resource, row and field.
pub fn normal_form(package: &Package, resource: &Resource) -> Result<NormalTable, String> {
    let whose = format!("resource `{}`", resource.name);
    let plan = descriptor::plan_of(package, resource);
    let table = match &plan {
        Plan::Table(table) => table,
        Plan::Invalid(errors) => {
            let first = errors.first().map_or("", |e| e.message.as_str());
            return Err(format!("{whose}: {first}"));
        }
    };
    let opened = sources::open(table, resource.dialect.as_ref())
        .map_err(|issue| format!("{whose}: {}", issue.message))?;
    let source = Source {
        data: match &opened.body {
            Body::File(path) => Data::File(path),
            Body::Bytes(bytes) => Data::Bytes(bytes),
        },
        encoding: opened.encoding.or(resource.encoding.as_deref()),
        dialect: opened.dialect.as_ref().or(resource.dialect.as_ref()),
        max_line: reader::MAX_LINE_BYTES,
    };
    let declared = resource.schema.clone().unwrap_or_default();
    let compiled = schema::compile(&declared)
        .map_err(|errors| format!("{whose}: the schema cannot be used: {}", errors.join("; ")))?;
    let (mut records, format) = source.open().map_err(|e| format!("{whose}: {e}"))?;
    let read_error = |e: std::io::Error| format!("{whose}: cannot read the table: {e}");
    let (labels, header_end) = if format.header {
        table::read_header(&mut records, &format)
            .map_err(read_error)?
            .unwrap_or_default()
    } else {
        (Vec::new(), 0)
    };
    let names: Vec<&str> = compiled.fields.iter().map(|f| f.name.as_str()).collect();
    let respelled: Vec<bool> = compiled.fields.iter().map(|f| respells(&f.kind)).collect();
    let verbatim = matches!(opened.body, Body::File(_))
        && is_normal_layout(&format)
        && labels == names
        && !respelled.contains(&true)
        && compiled.missing_values == [""];
    let mut published = resource.clone();
    if verbatim {
        let Body::File(path) = &opened.body else {
            unreachable!("checked above")
        };
        let csv = std::fs::read(path)
            .map_err(|e| format!("{whose}: cannot read `{}`: {e}", path.display()))?;
        if !csv.starts_with(b"\xEF\xBB\xBF") {
            return Ok(NormalTable {
                csv,
                resource: published,
            });
        }
    }

    let mut out = csv::Writer::from_writer(Vec::new());
    out.write_record(&names)
        .map_err(|e| format!("{whose}: {e}"))?;
    let mut record = Record::default();
    let mut row = header_end;
    let mut cells: Vec<Cow<'_, str>> = Vec::with_capacity(names.len());
    while records.read(&mut record).map_err(read_error)? {
        row += 1;
        if format.layout.skip_initial_space {
            record.trim_initial_spaces(format.delimiter);
        }
        if format.layout.is_comment(row, record.get(0)) {
            continue;
        }
        cells.clear();
        for (i, field) in compiled.fields.iter().enumerate() {
            let raw = record.get(i).unwrap_or_default();
            let cell = reader::cell_str(raw)
                .map_err(|_| format!("{whose}, row {row}, field `{}`: not text", field.name))?;
            cells.push(if compiled.is_missing(cell) {
                Cow::Borrowed("")
            } else if respelled[i] {
                Cow::Owned(normal_cell(&field.kind, cell).map_err(|reason| {
                    format!(
                        "{whose}, row {row}, field `{}`: \"{cell}\" {reason}",
                        field.name
                    )
                })?)
            } else {
                Cow::Owned(cell.to_string())
            });
        }
        out.write_record(cells.iter().map(|c| c.as_bytes()))
            .map_err(|e| format!("{whose}: {e}"))?;
    }
    let csv = out.into_inner().map_err(|e| format!("{whose}: {e}"))?;
    describe_normal_form(&mut published, &format, &compiled);
    Ok(NormalTable {
        csv,
        resource: published,
    })
}

/// A comma-separated UTF-8 table with one header row and nothing to skip.
fn is_normal_layout(format: &Format) -> bool {
    format.encoding == encoding_rs::UTF_8
        && format.delimiter == b','
        && format.quote == b'"'
        && format.double_quote
        && format.escape.is_none()
        && format.header
        && format.layout.header_rows.iter().all(|&r| r == 1)
        && format.layout.comment_rows.is_empty()
        && format.layout.comment_char.is_none()
        && !format.layout.skip_initial_space
}

/// Whether the type's cells may be spelled otherwise than in the normal form.
fn respells(kind: &Kind) -> bool {
    match kind {
        Kind::Number {
            decimal,
            group,
            bare,
        } => *decimal != '.' || group.is_some() || !bare,
        Kind::Integer { group, bare } => group.is_some() || !bare,
        Kind::Boolean { trues, falses } => {
            trues.as_slice() != ["true", "True", "TRUE", "1"]
                || falses.as_slice() != ["false", "False", "FALSE", "0"]
        }
        Kind::Date(f) | Kind::Time(f) | Kind::DateTime(f) => !matches!(f, TimeFormat::Default),
        _ => false,
    }
}

/// One cell in the normal form; the error is the parser's reason.
fn normal_cell(kind: &Kind, cell: &str) -> Result<String, String> {
    let value = kind.parse(cell)?;
    Ok(match (kind, value) {
        (_, Typed::Num(n)) if n.is_nan() => "NaN".into(),
        (_, Typed::Num(n)) if n.is_infinite() => if n > 0.0 { "INF" } else { "-INF" }.into(),
        (Kind::DateTime(_), Typed::Secs(s)) => chrono::DateTime::from_timestamp(s, 0)
            .map(|d| d.format("%Y-%m-%dT%H:%M:%SZ").to_string())
            .ok_or_else(|| "is out of range".to_string())?,
        (_, value) => display(value, kind),
    })
}

/// Rewrites `resource`'s descriptor to describe the normal form, keeping how the source
/// was written in a `sources` entry (what a reader of the published file needs to trace a
/// figure back to the file the city sent).
fn describe_normal_form(resource: &mut Resource, format: &Format, compiled: &CompiledSchema) {
    // No `path`: the file as received is not published, and a path would read as a link.
    let mut received = Map::new();
    for key in ["format", "mediatype", "compression"] {
        if let Some(value) = resource.extra.remove(key) {
            received.insert(key.into(), value);
        }
    }
    received.insert(
        "encoding".into(),
        format.encoding.name().to_lowercase().into(),
    );
    if let Some(dialect) = resource.dialect.take() {
        received.insert("dialect".into(), dialect);
    }
    if compiled.missing_values != [""] {
        received.insert("missingValues".into(), json!(compiled.missing_values));
    }
    let mut fields = Map::new();
    if let Some(schema) = resource.schema.as_mut() {
        schema.missing_values = None;
        for (field, compiled) in schema.fields.iter_mut().zip(&compiled.fields) {
            if let Some(options) = respell_field(field, &compiled.kind) {
                fields.insert(field.name.clone(), Json::Object(options));
            }
        }
    }
    if !fields.is_empty() {
        received.insert("fields".into(), Json::Object(fields));
    }
    resource.encoding = Some("utf-8".into());
    resource.extra.insert("format".into(), "csv".into());
    resource.extra.insert("mediatype".into(), "text/csv".into());
    let title = format!(
        "{} as received",
        resource.path.as_deref().unwrap_or(&resource.name)
    );
    let mut entry = Map::new();
    entry.insert("title".into(), title.into());
    entry.extend(received);
    let sources = resource
        .extra
        .entry("sources")
        .or_insert_with(|| Json::Array(Vec::new()));
    if let Json::Array(list) = sources {
        list.push(Json::Object(entry));
    }
}

/// Removes the spelling options of `field` (and a date pattern), returning them.
fn respell_field(field: &mut Field, kind: &Kind) -> Option<Map<String, Json>> {
    if !respells(kind) {
        return None;
    }
    let mut options = Map::new();
    for key in SPELLING_OPTIONS {
        if let Some(value) = field.extra.remove(key) {
            options.insert(key.into(), value);
        }
    }
    if matches!(kind, Kind::Date(_) | Kind::Time(_) | Kind::DateTime(_)) {
        if let Some(format) = field.format.take() {
            options.insert("format".into(), format.into());
        }
    }
    Some(options)
}
