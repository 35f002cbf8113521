//! Mapping a source grid onto a resource's Table Schema: finds the header row, maps source
//! headers to fields (`columns`, `drop`, `values`), and writes the normal form the schema
//! describes — UTF-8, comma-separated, `.` decimals (or the field's `decimalChar`), ISO dates.
//! Every source column must go somewhere and every field must come from somewhere, so a
//! renamed column upstream is an error, not a silently empty field.

use serde::Serialize;
use serde_json::{Map, Value};

use super::table::Grid;
use crate::catalog::{Field, Schema};

use super::spec::PullSpec;

/// How many rows are searched for the header when neither `skip_rows` nor `range` says.
const HEADER_SEARCH_ROWS: usize = 50;

/// The mapping applied, as `provenance.json` records it.
#[derive(Debug, Clone, Serialize, serde::Deserialize, PartialEq)]
pub struct Applied {
    /// The header's row in the source, counting from 1.
    pub header_row: usize,
    /// Source header → schema field, for every field taken from the source.
    pub columns: Map<String, Value>,
    /// Source columns left out.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub dropped: Vec<String>,
    /// Fields set to a constant.
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    pub values: Map<String, Value>,
    /// Data rows written.
    pub rows: usize,
    /// The CSV delimiter read (declared or sniffed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delimiter: Option<String>,
}

/// The mapped CSV and what was done.
pub struct Mapped {
    pub csv: Vec<u8>,
    pub applied: Applied,
}

fn normal(header: &str) -> String {
    header.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Where a field's cells come from.
enum From {
    Column(usize),
    Constant(String),
}

/// Maps `grid` onto `schema` as `spec` says.
pub fn map(grid: &Grid, spec: &PullSpec, schema: &Schema) -> Result<Mapped, String> {
    let header_at = header_row(grid, spec, schema)?;
    let header: Vec<String> = grid.rows[header_at].iter().map(|h| normal(h)).collect();
    let fields: Vec<&str> = schema.fields.iter().map(|f| f.name.as_str()).collect();
    let field_list = fields.join(", ");
    let columns: Map<String, Value> = spec
        .columns
        .iter()
        .map(|(k, v)| (normal(k), v.clone()))
        .collect();
    for key in columns.keys() {
        if !header.contains(key) {
            return Err(format!(
                "`pull.columns` names the source column `{key}`, which the source does not have; its headers (row {}): {}",
                header_at + 1,
                header.join(" | ")
            ));
        }
    }
    let dropped: Vec<String> = spec.drop.iter().map(|d| normal(d)).collect();
    for key in &dropped {
        if !header.contains(key) {
            return Err(format!(
                "`pull.drop` names the source column `{key}`, which the source does not have; its headers (row {}): {}",
                header_at + 1,
                header.join(" | ")
            ));
        }
    }
    let mut sources: Vec<Option<From>> = fields.iter().map(|_| None).collect();
    let mut applied_columns = Map::new();
    for (i, name) in header.iter().enumerate() {
        if dropped.contains(name) {
            continue;
        }
        if name.is_empty()
            && grid
                .rows
                .iter()
                .skip(header_at + 1)
                .all(|r| cell(r, i).is_empty())
        {
            continue; // padding beside the table
        }
        let field = match columns.get(name) {
            Some(f) => f.as_str().unwrap_or_default().to_string(),
            None if fields.contains(&name.as_str()) => name.clone(),
            None => {
                return Err(format!(
                    "source column `{name}` (column {}) maps to no schema field: add it to `pull.columns` (as \"{name}\": \"FIELD\") or to `pull.drop`; fields: {field_list}",
                    i + 1
                ))
            }
        };
        let Some(position) = fields.iter().position(|f| *f == field) else {
            return Err(format!(
                "`pull.columns.{name}` maps to `{field}`, which is not a field of the schema; fields: {field_list}"
            ));
        };
        if sources[position].is_some() {
            return Err(format!(
                "schema field `{field}` gets two source columns; map one of them elsewhere or `pull.drop` it"
            ));
        }
        sources[position] = Some(From::Column(i));
        applied_columns.insert(name.clone(), Value::String(field));
    }
    for (field, value) in &spec.values {
        let Some(position) = fields.iter().position(|f| f == field) else {
            return Err(format!(
                "`pull.values.{field}` is not a field of the schema; fields: {field_list}"
            ));
        };
        if sources[position].is_some() {
            return Err(format!(
                "`pull.values.{field}`: the field also comes from a source column; keep one"
            ));
        }
        let text = match value {
            Value::String(s) => s.clone(),
            Value::Null => String::new(),
            other => other.to_string(),
        };
        sources[position] = Some(From::Constant(text));
    }
    let missing: Vec<&str> = fields
        .iter()
        .zip(&sources)
        .filter(|(_, s)| s.is_none())
        .map(|(f, _)| *f)
        .collect();
    if !missing.is_empty() {
        return Err(format!(
            "schema field(s) {} get no column: map a source header to each in `pull.columns` or give a constant in `pull.values`; the source's headers (row {}): {}",
            missing.iter().map(|f| format!("`{f}`")).collect::<Vec<_>>().join(", "),
            header_at + 1,
            header.join(" | ")
        ));
    }
    let sources: Vec<From> = sources.into_iter().flatten().collect();
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer.write_record(&fields).map_err(|e| e.to_string())?;
    let mut rows = 0;
    for row in grid.rows.iter().skip(header_at + 1) {
        let taken = sources
            .iter()
            .any(|s| matches!(s, From::Column(i) if !cell(row, *i).trim().is_empty()));
        if !taken {
            continue; // blank line or the empty tail of a sheet
        }
        let record: Vec<String> = schema
            .fields
            .iter()
            .zip(&sources)
            .map(|(field, from)| match from {
                From::Column(i) => normalise(field, cell(row, *i)),
                From::Constant(text) => text.clone(),
            })
            .collect();
        writer.write_record(&record).map_err(|e| e.to_string())?;
        rows += 1;
    }
    let csv = writer.into_inner().map_err(|e| e.to_string())?;
    Ok(Mapped {
        csv,
        applied: Applied {
            header_row: header_at + 1,
            columns: applied_columns,
            dropped,
            values: spec.values.clone(),
            rows,
            delimiter: grid.delimiter.map(String::from),
        },
    })
}

fn cell(row: &[String], i: usize) -> &str {
    row.get(i).map(String::as_str).unwrap_or("")
}

/// The header's row: given (`skip_rows`, `range`, JSON records), or the first of the first
/// rows that names the most schema fields or `columns` headers (title rows above a table
/// name none).
fn header_row(grid: &Grid, spec: &PullSpec, schema: &Schema) -> Result<usize, String> {
    if grid.rows.is_empty() {
        return Err("the source has no rows".into());
    }
    if grid.from_records || spec.range.is_some() {
        return Ok(0);
    }
    if let Some(skip) = spec.skip_rows {
        if skip >= grid.rows.len() {
            return Err(format!(
                "`pull.skip_rows` is {skip} but the source has only {} rows",
                grid.rows.len()
            ));
        }
        return Ok(skip);
    }
    let known: Vec<String> = spec
        .columns
        .keys()
        .map(|k| normal(k))
        .chain(schema.fields.iter().map(|f| f.name.clone()))
        .collect();
    let mut best = (0, 0);
    for (i, row) in grid.rows.iter().take(HEADER_SEARCH_ROWS).enumerate() {
        let hits = row.iter().filter(|c| known.contains(&normal(c))).count();
        if hits > best.1 {
            best = (i, hits);
        }
    }
    if best.1 == 0 {
        return Err(format!(
            "no row among the first {HEADER_SEARCH_ROWS} names a schema field or a `pull.columns` header; map the headers in `pull.columns` or say where the table starts with `pull.skip_rows`"
        ));
    }
    Ok(best.0)
}

/// A cell in the normal form of its field's type. A value that does not read as the type is
/// left as it was, so validation reports it with its row and column.
fn normalise(field: &Field, text: &str) -> String {
    let text = text.trim();
    match field.kind.as_str() {
        "number" | "integer" => number(field, text).unwrap_or_else(|| text.to_string()),
        "date" if default_format(field) => date(text).unwrap_or_else(|| text.to_string()),
        "datetime" if default_format(field) => datetime(text).unwrap_or_else(|| text.to_string()),
        _ => text.to_string(),
    }
}

fn default_format(field: &Field) -> bool {
    matches!(
        field.format.as_deref(),
        None | Some("default") | Some("any")
    )
}

/// `1 234,5`, `1.234,5`, `1,234.5`, `-12,0` → `1234.5`, …; integers lose a zero fraction.
fn number(field: &Field, text: &str) -> Option<String> {
    if text.is_empty() {
        return Some(String::new());
    }
    let group = field.extra.get("groupChar").and_then(Value::as_str);
    let cleaned: String = text
        .chars()
        .filter(|c| {
            !(c.is_whitespace() || *c == '\u{a0}' || *c == '\u{202f}' || *c == '\'' || *c == '’')
                && Some(c.to_string().as_str()) != group
        })
        .collect();
    let last_comma = cleaned.rfind(',');
    let last_dot = cleaned.rfind('.');
    let decimal = match (last_comma, last_dot) {
        (Some(c), Some(d)) => Some(if c > d { ',' } else { '.' }),
        (Some(_), None) if cleaned.matches(',').count() == 1 => Some(','),
        (None, Some(_)) if cleaned.matches('.').count() == 1 => Some('.'),
        _ => None,
    };
    let mut plain = String::with_capacity(cleaned.len());
    for c in cleaned.chars() {
        match c {
            ',' | '.' if Some(c) == decimal => plain.push('.'),
            ',' | '.' => {} // grouping
            _ => plain.push(c),
        }
    }
    plain.parse::<f64>().ok().filter(|f| f.is_finite())?;
    if field.kind == "integer" {
        if let Some((whole, fraction)) = plain.split_once('.') {
            if fraction.bytes().all(|b| b == b'0') {
                plain = whole.to_string();
            }
        }
    }
    let decimal_char = field.extra.get("decimalChar").and_then(Value::as_str);
    Some(match decimal_char {
        Some(d) if d != "." => plain.replace('.', d),
        _ => plain,
    })
}

/// `31.12.2024`, `31/12/2024` → `2024-12-31`; ISO input stays.
fn date(text: &str) -> Option<String> {
    for pattern in ["%Y-%m-%d", "%d.%m.%Y", "%d/%m/%Y", "%d.%m.%y"] {
        if let Ok(d) = chrono::NaiveDate::parse_from_str(text, pattern) {
            return Some(d.format("%Y-%m-%d").to_string());
        }
    }
    // A workbook date-time cell with a zero time, for a date field.
    text.split_once('T').and_then(|(d, _)| date(d))
}

fn datetime(text: &str) -> Option<String> {
    for pattern in [
        "%Y-%m-%dT%H:%M:%S",
        "%d.%m.%Y %H:%M:%S",
        "%d.%m.%Y %H:%M",
        "%Y-%m-%d %H:%M:%S",
    ] {
        if let Ok(d) = chrono::NaiveDateTime::parse_from_str(text, pattern) {
            return Some(d.format("%Y-%m-%dT%H:%M:%S").to_string());
        }
    }
    if chrono::DateTime::parse_from_rfc3339(text).is_ok() {
        return Some(text.to_string());
    }
    date(text).map(|d| format!("{d}T00:00:00"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field(kind: &str) -> Field {
        serde_json::from_value(serde_json::json!({"name": "x", "type": kind})).unwrap()
    }

    #[test]
    fn numbers_in_the_forms_cities_write() {
        let n = field("number");
        assert_eq!(number(&n, "1 234,5").as_deref(), Some("1234.5"));
        assert_eq!(number(&n, "1\u{a0}234,50").as_deref(), Some("1234.50"));
        assert_eq!(number(&n, "1.234,5").as_deref(), Some("1234.5"));
        assert_eq!(number(&n, "1,234.5").as_deref(), Some("1234.5"));
        assert_eq!(number(&n, "-12,0").as_deref(), Some("-12.0"));
        assert_eq!(number(&n, "abc"), None);
        assert_eq!(
            number(&field("integer"), "1 200,00").as_deref(),
            Some("1200")
        );
    }

    #[test]
    fn dates_become_iso() {
        assert_eq!(date("31.12.2024").as_deref(), Some("2024-12-31"));
        assert_eq!(date("2024-12-31T00:00:00").as_deref(), Some("2024-12-31"));
        assert_eq!(
            datetime("15.12.2011 10:30").as_deref(),
            Some("2011-12-15T10:30:00")
        );
    }

    #[test]
    fn title_rows_are_skipped_and_every_column_is_accounted_for() {
        let schema: Schema = serde_json::from_value(serde_json::json!({"fields": [
            {"name": "code", "type": "string"}, {"name": "amount", "type": "number"},
            {"name": "year", "type": "integer"}]}))
        .unwrap();
        let grid = Grid {
            rows: vec![
                vec!["Звіт про виконання бюджету".into()],
                vec![],
                vec!["Код".into(), "Сума, тис. грн".into(), "Примітка".into()],
                vec!["0100".into(), "12,5".into(), "—".into()],
            ],
            encoding: None,
            delimiter: None,
            from_records: false,
        };
        let spec: PullSpec = serde_json::from_value(serde_json::json!({
            "url": "x.xlsx", "columns": {"Код": "code", "Сума,  тис. грн": "amount"},
            "values": {"year": 2024}}))
        .unwrap();
        let err = map(&grid, &spec, &schema).err().unwrap();
        assert!(
            err.contains("source column `Примітка` (column 3) maps to no schema field"),
            "{err}"
        );
        let spec = PullSpec {
            drop: vec!["Примітка".into()],
            ..spec
        };
        let mapped = map(&grid, &spec, &schema).unwrap();
        assert_eq!(
            String::from_utf8(mapped.csv).unwrap(),
            "code,amount,year\n0100,12.5,2024\n"
        );
        assert_eq!(mapped.applied.header_row, 3);
    }
}
