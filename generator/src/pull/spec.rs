//! The `pull` object of a resource in `datapackage.json`: where the resource's data comes
//! from and how the source's table maps onto the resource's Table Schema. Only the model and
//! its checks live here; fetching is `fetch`'s job and mapping is `map`'s.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// How one resource is pulled. Unknown keys are errors (serde names the key), so a typo
/// never silently does nothing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PullSpec {
    /// `http(s)://…`, `file://…`, a path relative to the package folder, or
    /// `ckan+http(s)://HOST/dataset/ID#RESOURCE` (resolved through `package_show`).
    pub url: String,
    /// `csv` (default), `xlsx`, `ods` or `json`; for CKAN the resource's format when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub format: Option<SourceFormat>,
    /// CSV only: a WHATWG label; sniffed (UTF-8 or Windows-1251) when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub encoding: Option<String>,
    /// CSV only: a Frictionless dialect (`delimiter`, `quoteChar`, …); sniffed when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dialect: Option<Value>,
    /// Workbooks: the sheet by name (default: the first sheet).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sheet: Option<String>,
    /// Workbooks: the cells holding the table, header row included (`A3:F20`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub range: Option<String>,
    /// Rows above the header row (title rows); found by the header's names when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub skip_rows: Option<usize>,
    /// JSON only: a JSON Pointer (RFC 6901) to the array of records (default: the root).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub records: Option<String>,
    /// Source header (for JSON: a key, or a JSON Pointer into the record such as
    /// `/amount/planned`) → schema field name.
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    pub columns: Map<String, Value>,
    /// Source columns left out on purpose (every other source column must map to a field).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub drop: Vec<String>,
    /// Schema field → a constant value for every row (a column the source does not have).
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    pub values: Map<String, Value>,
}

/// What kind of file the source is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SourceFormat {
    Csv,
    Xlsx,
    Ods,
    Json,
}

impl SourceFormat {
    /// The extension of the cached original.
    pub fn extension(self) -> &'static str {
        match self {
            SourceFormat::Csv => "csv",
            SourceFormat::Xlsx => "xlsx",
            SourceFormat::Ods => "ods",
            SourceFormat::Json => "json",
        }
    }

    /// A CKAN resource's `format` (`CSV`, `XLSX`, `xls`, `ODS`, `JSON`), if it is one of ours.
    pub fn from_label(label: &str) -> Option<SourceFormat> {
        match label
            .trim()
            .trim_start_matches('.')
            .to_ascii_lowercase()
            .as_str()
        {
            "csv" | "text/csv" => Some(SourceFormat::Csv),
            "xlsx" | "xls" => Some(SourceFormat::Xlsx),
            "ods" => Some(SourceFormat::Ods),
            "json" | "application/json" => Some(SourceFormat::Json),
            _ => None,
        }
    }
}

/// Where a `url` points.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    Http(String),
    /// A local file: `file://` or a path relative to the package folder.
    File(std::path::PathBuf),
    /// A CKAN portal's dataset and one of its resources (by name or id).
    Ckan {
        /// `http(s)://HOST` with any path prefix before `/dataset/`.
        base: String,
        dataset: String,
        resource: String,
    },
}

impl PullSpec {
    /// The `pull` object of `resource`, if it has one. Unknown keys are errors naming the
    /// key (the model keeps `pull` as JSON; this is where it gets its type).
    pub fn of(resource: &crate::catalog::Resource) -> Result<Option<PullSpec>, String> {
        resource
            .pull
            .as_ref()
            .map(|value| {
                serde_json::from_value(value.clone())
                    .map_err(|e| format!("resource `{}`, key `pull`: {e}", resource.name))
            })
            .transpose()
    }

    /// Checks what serde cannot: the combinations of keys and their values. Every message
    /// names the key.
    pub fn check(&self) -> Result<(), String> {
        if let Some(format) = self.format {
            self.check_format(format)?;
        }
        if self.range.is_some() && self.skip_rows.is_some() {
            return Err(
                "`pull.range` and `pull.skip_rows` both say where the table starts; give one"
                    .into(),
            );
        }
        if let Some(range) = &self.range {
            parse_range(range).map_err(|e| format!("`pull.range`: {e}"))?;
        }
        if let Some(pointer) = &self.records {
            if !pointer.is_empty() && !pointer.starts_with('/') {
                return Err(format!(
                    "`pull.records` is a JSON Pointer such as `/result/records`, not `{pointer}`"
                ));
            }
        }
        for (source, field) in &self.columns {
            if !field.is_string() {
                return Err(format!(
                    "`pull.columns.{source}` must be the schema field name (a string), not {field}"
                ));
            }
        }
        self.location(std::path::Path::new("."))?;
        Ok(())
    }

    /// Refuses keys that do not apply to `format` (the declared one, or the one inferred
    /// from CKAN or the URL).
    pub fn check_format(&self, format: SourceFormat) -> Result<(), String> {
        use SourceFormat::*;
        let only = |key: &str, set: bool, formats: &[SourceFormat]| {
            if set && !formats.contains(&format) {
                Err(format!(
                    "`pull.{key}` applies to {} sources, not `{}`",
                    formats
                        .iter()
                        .map(|f| f.extension())
                        .collect::<Vec<_>>()
                        .join(" / "),
                    format.extension()
                ))
            } else {
                Ok(())
            }
        };
        only("encoding", self.encoding.is_some(), &[Csv])?;
        only("dialect", self.dialect.is_some(), &[Csv])?;
        only("sheet", self.sheet.is_some(), &[Xlsx, Ods])?;
        only("range", self.range.is_some(), &[Xlsx, Ods])?;
        only("records", self.records.is_some(), &[Json])
    }

    /// The schema field a source header maps to.
    pub fn field_for(&self, header: &str) -> Option<&str> {
        self.columns.get(header).and_then(Value::as_str)
    }

    /// Where `url` points; relative paths resolve against `package_dir`.
    pub fn location(&self, package_dir: &std::path::Path) -> Result<Location, String> {
        parse_location(&self.url, package_dir)
    }
}

/// Parses a `pull.url`.
pub fn parse_location(url: &str, package_dir: &std::path::Path) -> Result<Location, String> {
    if let Some(rest) = url.strip_prefix("ckan+") {
        let (address, resource) = rest.split_once('#').ok_or_else(|| {
            format!("`pull.url` `{url}` names no resource: end it with `#RESOURCE` (name or id)")
        })?;
        let (base, dataset) = address.rsplit_once("/dataset/").ok_or_else(|| {
            format!("`pull.url` `{url}` must look like ckan+https://HOST/dataset/ID#RESOURCE")
        })?;
        if !(base.starts_with("http://") || base.starts_with("https://"))
            || dataset.is_empty()
            || resource.is_empty()
        {
            return Err(format!(
                "`pull.url` `{url}` must look like ckan+https://HOST/dataset/ID#RESOURCE"
            ));
        }
        return Ok(Location::Ckan {
            base: base.to_string(),
            dataset: dataset.trim_end_matches('/').to_string(),
            resource: resource.to_string(),
        });
    }
    if url.starts_with("http://") || url.starts_with("https://") {
        return Ok(Location::Http(url.to_string()));
    }
    if let Some(path) = url.strip_prefix("file://") {
        return Ok(Location::File(path.into()));
    }
    if url.is_empty() || url.contains("://") {
        return Err(format!(
            "`pull.url` `{url}` is not http(s)://, file://, ckan+http(s):// or a relative path"
        ));
    }
    Ok(Location::File(package_dir.join(url)))
}

/// A zero-based (row, column) cell position.
pub type Cell = (u32, u32);

/// A cell range such as `A3:F20` as its zero-based corners, inclusive.
pub fn parse_range(range: &str) -> Result<(Cell, Cell), String> {
    let (a, b) = range
        .split_once(':')
        .ok_or_else(|| format!("`{range}` is not a cell range such as A3:F20"))?;
    let start = parse_cell(a).ok_or_else(|| format!("`{a}` is not a cell such as A3"))?;
    let end = parse_cell(b).ok_or_else(|| format!("`{b}` is not a cell such as F20"))?;
    if end.0 < start.0 || end.1 < start.1 {
        return Err(format!("`{range}` ends before it starts"));
    }
    Ok((start, end))
}

/// `F20` → (19, 5).
fn parse_cell(cell: &str) -> Option<Cell> {
    let cell = cell.trim().to_ascii_uppercase();
    let split = cell.find(|c: char| c.is_ascii_digit())?;
    let (letters, digits) = cell.split_at(split);
    if letters.is_empty() || !letters.bytes().all(|b| b.is_ascii_uppercase()) {
        return None;
    }
    let mut column: u32 = 0;
    for b in letters.bytes() {
        column = column
            .checked_mul(26)?
            .checked_add(u32::from(b - b'A') + 1)?;
    }
    let row: u32 = digits.parse().ok()?;
    (row >= 1).then(|| (row - 1, column - 1))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(json: &str) -> Result<PullSpec, String> {
        let spec: PullSpec = serde_json::from_str(json).map_err(|e| e.to_string())?;
        spec.check()?;
        Ok(spec)
    }

    #[test]
    fn an_unknown_key_is_named() {
        let err = spec(r#"{"url": "a.csv", "sheets": "1"}"#).unwrap_err();
        assert!(err.contains("unknown field `sheets`"), "{err}");
    }

    #[test]
    fn keys_of_another_format_are_refused() {
        let err = spec(r#"{"url": "a.csv", "format": "csv", "sheet": "Лист1"}"#).unwrap_err();
        assert!(err.contains("`pull.sheet` applies to xlsx / ods"), "{err}");
        let err = spec(r#"{"url": "a.xlsx", "format": "xlsx", "range": "A3:F2"}"#).unwrap_err();
        assert!(err.contains("ends before it starts"), "{err}");
    }

    #[test]
    fn locations() {
        let dir = std::path::Path::new("/p");
        assert_eq!(
            parse_location("ckan+https://data.gov.ua/dataset/abc#budget-2024", dir).unwrap(),
            Location::Ckan {
                base: "https://data.gov.ua".into(),
                dataset: "abc".into(),
                resource: "budget-2024".into()
            }
        );
        assert_eq!(
            parse_location("raw/a.csv", dir).unwrap(),
            Location::File("/p/raw/a.csv".into())
        );
        assert!(parse_location("ftp://x/a.csv", dir).is_err());
        assert!(parse_location("ckan+https://h/dataset/abc", dir).is_err());
    }

    #[test]
    fn ranges() {
        assert_eq!(parse_range("A3:F20").unwrap(), ((2, 0), (19, 5)));
        assert_eq!(parse_range("aa1:ab2").unwrap(), ((0, 26), (1, 27)));
        assert!(parse_range("A0:B2").is_err());
    }
}
