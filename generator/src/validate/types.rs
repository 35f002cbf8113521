//! Cell parsing per Table Schema type: turns one cell's text into a typed value without
//! allocating, or says precisely why it cannot. Constraints on the value are `constraints`'.

use chrono::NaiveDate;

use super::numbers::{parse_integer, parse_number};
use super::temporal::{
    parse_date, parse_datetime, parse_duration, parse_time, parse_year, parse_yearmonth,
};
use serde_json::Value as Json;

use crate::catalog::Field;

/// A typed cell (or constraint) value; only values of the same field type are compared.
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd)]
pub enum Typed<'a> {
    Str(&'a str),
    Int(i64),
    Num(f64),
    Bool(bool),
    /// Days since 0001-01-01 (dates, years as `Int`, year-months as months).
    Date(i32),
    /// Seconds (time of day, date-times as seconds since the epoch, durations).
    Secs(i64),
    /// Structured values (geo, JSON) compare by their text.
    Text(&'a str),
}

/// An owned [`Typed`], for constraint and check values compiled from the schema.
#[derive(Debug, Clone, PartialEq)]
pub enum Scalar {
    Str(Box<str>),
    Int(i64),
    Num(f64),
    Bool(bool),
    Date(i32),
    Secs(i64),
    Text(Box<str>),
}

impl Scalar {
    pub fn from_typed(value: Typed<'_>) -> Scalar {
        match value {
            Typed::Str(s) => Scalar::Str(s.into()),
            Typed::Int(i) => Scalar::Int(i),
            Typed::Num(n) => Scalar::Num(n),
            Typed::Bool(b) => Scalar::Bool(b),
            Typed::Date(d) => Scalar::Date(d),
            Typed::Secs(s) => Scalar::Secs(s),
            Typed::Text(s) => Scalar::Text(s.into()),
        }
    }

    pub fn as_typed(&self) -> Typed<'_> {
        match self {
            Scalar::Str(s) => Typed::Str(s),
            Scalar::Int(i) => Typed::Int(*i),
            Scalar::Num(n) => Typed::Num(*n),
            Scalar::Bool(b) => Typed::Bool(*b),
            Scalar::Date(d) => Typed::Date(*d),
            Scalar::Secs(s) => Typed::Secs(*s),
            Scalar::Text(s) => Typed::Text(s),
        }
    }
}

impl Typed<'_> {
    /// The value as a number, for totals.
    pub fn as_f64(&self) -> Option<f64> {
        match *self {
            Typed::Int(i) => Some(i as f64),
            Typed::Num(n) => Some(n),
            _ => None,
        }
    }

    /// Writes the value's key encoding (the bytes [`Typed::hash_into`] feeds) into `buf`;
    /// `None` when it does not fit.
    pub fn encode_into(&self, buf: &mut [u8]) -> Option<usize> {
        let mut put = |tag: u8, bytes: &[u8]| -> Option<usize> {
            let n = bytes.len() + 2;
            let out = buf.get_mut(..n)?;
            out[0] = tag;
            out[1..n - 1].copy_from_slice(bytes);
            out[n - 1] = 0xff;
            Some(n)
        };
        match *self {
            Typed::Str(s) | Typed::Text(s) => put(1, s.as_bytes()),
            Typed::Int(i) => put(2, &i.to_le_bytes()),
            Typed::Num(n) => put(
                3,
                &(if n == 0.0 { 0.0f64 } else { n }).to_bits().to_le_bytes(),
            ),
            Typed::Bool(b) => put(4, &[b as u8]),
            Typed::Date(d) => put(5, &d.to_le_bytes()),
            Typed::Secs(s) => put(6, &s.to_le_bytes()),
        }
    }

    /// Feeds the value into a key hash so that equal typed values hash equally
    /// (`1.0` and `1.00` in a number field are one key, as in frictionless).
    pub fn hash_into(&self, hasher: &mut xxhash_rust::xxh3::Xxh3) {
        match *self {
            Typed::Str(s) | Typed::Text(s) => {
                // The length first, so that cells of a several-column key cannot trade
                // bytes (`a\u{1}b`,`c` and `a`,`b\u{1}c`).
                hasher.update(&[1]);
                hasher.update(&(s.len() as u64).to_le_bytes());
                hasher.update(s.as_bytes());
            }
            Typed::Int(i) => {
                hasher.update(&[2]);
                hasher.update(&i.to_le_bytes());
            }
            Typed::Num(n) => {
                hasher.update(&[3]);
                let n = if n == 0.0 { 0.0 } else { n };
                hasher.update(&n.to_bits().to_le_bytes());
            }
            Typed::Bool(b) => {
                hasher.update(&[4]);
                hasher.update(&[b as u8]);
            }
            Typed::Date(d) => {
                hasher.update(&[5]);
                hasher.update(&d.to_le_bytes());
            }
            Typed::Secs(s) => {
                hasher.update(&[6]);
                hasher.update(&s.to_le_bytes());
            }
        }
        hasher.update(&[0xff]);
    }
}

/// Why a field's type description cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TypeError {
    #[error("field `{field}` has unknown type `{kind}`; use one of string, number, integer, boolean, date, time, datetime, year, yearmonth, duration, geopoint, geojson, object, array, any")]
    UnknownType { field: String, kind: String },
    #[error("field `{field}`: format `{format}` is not known for type `{kind}`")]
    UnknownFormat {
        field: String,
        kind: String,
        format: String,
    },
    #[error("field `{field}`: `{key}` must be {expected}")]
    BadOption {
        field: String,
        key: &'static str,
        expected: &'static str,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StrFormat {
    Default,
    Email,
    Uri,
    Uuid,
    Binary,
}

#[derive(Debug, Clone)]
pub enum TimeFormat {
    Default,
    Any,
    Pattern(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GeoFormat {
    Default,
    Array,
    Object,
}

/// A field's type with its options, ready to parse cells.
#[derive(Debug, Clone)]
pub enum Kind {
    String(StrFormat),
    Number {
        decimal: char,
        group: Option<char>,
        bare: bool,
    },
    Integer {
        group: Option<char>,
        bare: bool,
    },
    Boolean {
        trues: Vec<String>,
        falses: Vec<String>,
    },
    Date(TimeFormat),
    Time(TimeFormat),
    DateTime(TimeFormat),
    Year,
    YearMonth,
    Duration,
    GeoPoint(GeoFormat),
    GeoJson,
    Object,
    Array,
    Any,
}

fn option_str<'a>(field: &'a Field, key: &'static str) -> Result<Option<&'a str>, TypeError> {
    match field.extra.get(key) {
        None => Ok(None),
        Some(Json::String(s)) => Ok(Some(s)),
        Some(_) => Err(TypeError::BadOption {
            field: field.name.clone(),
            key,
            expected: "a string",
        }),
    }
}

fn option_char(field: &Field, key: &'static str) -> Result<Option<char>, TypeError> {
    match option_str(field, key)? {
        None | Some("") => Ok(None),
        Some(s) => {
            let mut chars = s.chars();
            match (chars.next(), chars.next()) {
                (Some(c), None) => Ok(Some(c)),
                _ => Err(TypeError::BadOption {
                    field: field.name.clone(),
                    key,
                    expected: "a single character",
                }),
            }
        }
    }
}

fn option_strings(
    field: &Field,
    key: &'static str,
    default: &[&str],
) -> Result<Vec<String>, TypeError> {
    match field.extra.get(key) {
        None => Ok(default.iter().map(|s| s.to_string()).collect()),
        Some(Json::Array(items)) => items
            .iter()
            .map(|v| v.as_str().map(str::to_string))
            .collect::<Option<Vec<_>>>()
            .ok_or(TypeError::BadOption {
                field: field.name.clone(),
                key,
                expected: "an array of strings",
            }),
        Some(_) => Err(TypeError::BadOption {
            field: field.name.clone(),
            key,
            expected: "an array of strings",
        }),
    }
}

impl Kind {
    /// Compiles a field's `type`, `format` and type options.
    pub fn compile(field: &Field) -> Result<Kind, TypeError> {
        let format = field
            .format
            .as_deref()
            .map(|f| f.strip_prefix("fmt:").unwrap_or(f))
            .unwrap_or("default");
        let unknown_format = || TypeError::UnknownFormat {
            field: field.name.clone(),
            kind: field.kind.clone(),
            format: format.to_string(),
        };
        let bare = match field.extra.get("bareNumber") {
            None => true,
            Some(Json::Bool(b)) => *b,
            Some(_) => {
                return Err(TypeError::BadOption {
                    field: field.name.clone(),
                    key: "bareNumber",
                    expected: "true or false",
                })
            }
        };
        let time_format = |kind: &str| -> Result<TimeFormat, TypeError> {
            Ok(match format {
                "default" => TimeFormat::Default,
                "any" => TimeFormat::Any,
                f if f.contains('%') => TimeFormat::Pattern(f.to_string()),
                _ => {
                    return Err(TypeError::UnknownFormat {
                        field: field.name.clone(),
                        kind: kind.to_string(),
                        format: format.to_string(),
                    })
                }
            })
        };
        Ok(match field.kind.as_str() {
            "string" => Kind::String(match format {
                "default" => StrFormat::Default,
                "email" => StrFormat::Email,
                "uri" => StrFormat::Uri,
                "uuid" => StrFormat::Uuid,
                "binary" => StrFormat::Binary,
                _ => return Err(unknown_format()),
            }),
            "number" => Kind::Number {
                decimal: option_char(field, "decimalChar")?.unwrap_or('.'),
                group: option_char(field, "groupChar")?,
                bare,
            },
            "integer" => Kind::Integer {
                group: option_char(field, "groupChar")?,
                bare,
            },
            "boolean" => Kind::Boolean {
                trues: option_strings(field, "trueValues", &["true", "True", "TRUE", "1"])?,
                falses: option_strings(field, "falseValues", &["false", "False", "FALSE", "0"])?,
            },
            "date" => Kind::Date(time_format("date")?),
            "time" => Kind::Time(time_format("time")?),
            "datetime" => Kind::DateTime(time_format("datetime")?),
            "year" => Kind::Year,
            "yearmonth" => Kind::YearMonth,
            "duration" => Kind::Duration,
            "geopoint" => Kind::GeoPoint(match format {
                "default" => GeoFormat::Default,
                "array" => GeoFormat::Array,
                "object" => GeoFormat::Object,
                _ => return Err(unknown_format()),
            }),
            "geojson" => Kind::GeoJson,
            "object" => Kind::Object,
            "array" => Kind::Array,
            "any" => Kind::Any,
            other => {
                return Err(TypeError::UnknownType {
                    field: field.name.clone(),
                    kind: other.to_string(),
                })
            }
        })
    }

    /// `type/format` as frictionless names it in messages.
    pub fn is_string(&self) -> bool {
        matches!(self, Kind::String(_))
    }

    /// Parses one cell. The error is the reason, phrased to follow "is not a …: ".
    pub fn parse<'a>(&self, cell: &'a str) -> Result<Typed<'a>, String> {
        match self {
            Kind::String(format) => parse_string(cell, *format).map(Typed::Str),
            Kind::Number {
                decimal,
                group,
                bare,
            } => parse_number(cell, *decimal, *group, *bare).map(Typed::Num),
            Kind::Integer { group, bare } => parse_integer(cell, *group, *bare).map(Typed::Int),
            Kind::Boolean { trues, falses } => {
                if trues.iter().any(|t| t == cell) {
                    Ok(Typed::Bool(true))
                } else if falses.iter().any(|f| f == cell) {
                    Ok(Typed::Bool(false))
                } else {
                    Err(format!(
                        "expected one of {} (true) or {} (false)",
                        trues.join(", "),
                        falses.join(", ")
                    ))
                }
            }
            Kind::Date(format) => parse_date(cell, format).map(Typed::Date),
            Kind::Time(format) => parse_time(cell, format).map(Typed::Secs),
            Kind::DateTime(format) => parse_datetime(cell, format).map(Typed::Secs),
            Kind::Year => parse_year(cell).map(Typed::Int),
            Kind::YearMonth => parse_yearmonth(cell).map(Typed::Int),
            Kind::Duration => parse_duration(cell).map(Typed::Secs),
            Kind::GeoPoint(format) => parse_geopoint(cell, *format).map(Typed::Text),
            Kind::GeoJson => parse_json(cell, JsonShape::GeoJson).map(Typed::Text),
            Kind::Object => parse_json(cell, JsonShape::Object).map(Typed::Text),
            Kind::Array => parse_json(cell, JsonShape::Array).map(Typed::Text),
            Kind::Any => Ok(Typed::Str(cell)),
        }
    }

    /// A type name for messages ("integer", "date in the format %d.%m.%Y").
    pub fn describe(&self) -> String {
        match self {
            Kind::String(f) => match f {
                StrFormat::Default => "string".into(),
                StrFormat::Email => "e-mail address".into(),
                StrFormat::Uri => "URI".into(),
                StrFormat::Uuid => "UUID".into(),
                StrFormat::Binary => "base64 string".into(),
            },
            Kind::Number { .. } => "number".into(),
            Kind::Integer { .. } => "integer".into(),
            Kind::Boolean { .. } => "boolean".into(),
            Kind::Date(f) => with_format("date", f, "YYYY-MM-DD"),
            Kind::Time(f) => with_format("time", f, "HH:MM:SS"),
            Kind::DateTime(f) => with_format("datetime", f, "YYYY-MM-DDTHH:MM:SS[Z]"),
            Kind::Year => "year".into(),
            Kind::YearMonth => "year-month (YYYY-MM)".into(),
            Kind::Duration => "ISO 8601 duration".into(),
            Kind::GeoPoint(_) => "geopoint".into(),
            Kind::GeoJson => "GeoJSON object".into(),
            Kind::Object => "JSON object".into(),
            Kind::Array => "JSON array".into(),
            Kind::Any => "value".into(),
        }
    }

    /// Compiles a JSON constraint or check value into this type.
    pub fn scalar(&self, value: &Json) -> Option<Scalar> {
        match (self, value) {
            (Kind::Number { .. }, Json::Number(n)) => n.as_f64().map(Scalar::Num),
            (Kind::Integer { .. } | Kind::Year | Kind::YearMonth, Json::Number(n)) => {
                n.as_i64().map(Scalar::Int)
            }
            (Kind::Boolean { .. }, Json::Bool(b)) => Some(Scalar::Bool(*b)),
            (Kind::String(_) | Kind::Any, Json::Number(n)) => {
                Some(Scalar::Str(n.to_string().into()))
            }
            (Kind::String(_) | Kind::Any, Json::Bool(b)) => Some(Scalar::Str(b.to_string().into())),
            (_, Json::String(s)) => self
                .parse(s)
                .ok()
                .or_else(|| self.parse_iso(s))
                .map(Scalar::from_typed),
            (Kind::Number { .. }, _) | (Kind::Integer { .. }, _) => None,
            (_, other) => Some(Scalar::Text(other.to_string().into())),
        }
    }

    /// Constraint values of dates and times are ISO even when the cells use a pattern.
    fn parse_iso<'a>(&self, s: &'a str) -> Option<Typed<'a>> {
        let iso = TimeFormat::Default;
        match self {
            Kind::Date(_) => parse_date(s, &iso).ok().map(Typed::Date),
            Kind::Time(_) => parse_time(s, &iso).ok().map(Typed::Secs),
            Kind::DateTime(_) => parse_datetime(s, &iso).ok().map(Typed::Secs),
            _ => None,
        }
    }
}

/// "an integer", "a date": the type name after "is not".
pub fn with_article(name: &str) -> String {
    let vowel = name.starts_with(['a', 'e', 'i', 'o', 'u', 'I', 'U'])
        && !name.starts_with("URI")
        && !name.starts_with("UUID");
    format!("{} {name}", if vowel { "an" } else { "a" })
}

fn with_format(kind: &str, format: &TimeFormat, iso: &str) -> String {
    match format {
        TimeFormat::Default => format!("{kind} ({iso})"),
        TimeFormat::Any => kind.to_string(),
        TimeFormat::Pattern(p) => format!("{kind} in the format {p}"),
    }
}

fn parse_string(cell: &str, format: StrFormat) -> Result<&str, String> {
    let ok = match format {
        StrFormat::Default => true,
        StrFormat::Email => is_email(cell),
        StrFormat::Uri => is_uri(cell),
        StrFormat::Uuid => is_uuid(cell),
        StrFormat::Binary => is_base64(cell),
    };
    if ok {
        Ok(cell)
    } else {
        Err(match format {
            StrFormat::Email => "expected name@domain.tld".into(),
            StrFormat::Uri => "expected scheme:rest, e.g. https://example.org/".into(),
            StrFormat::Uuid => "expected 8-4-4-4-12 hexadecimal digits".into(),
            _ => "expected base64 text".into(),
        })
    }
}

fn is_email(s: &str) -> bool {
    let Some((local, domain)) = s.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && !domain.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !domain.contains('@')
        && !s.chars().any(char::is_whitespace)
}

fn is_uri(s: &str) -> bool {
    let Some((scheme, rest)) = s.split_once(':') else {
        return false;
    };
    let mut chars = scheme.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
        && !rest.is_empty()
        && !s.chars().any(char::is_whitespace)
}

fn is_uuid(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 36
        && b.iter().enumerate().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => *c == b'-',
            _ => c.is_ascii_hexdigit(),
        })
}

fn is_base64(s: &str) -> bool {
    let body = s.trim_end_matches('=');
    s.len().is_multiple_of(4)
        && s.len() - body.len() <= 2
        && body
            .bytes()
            .all(|c| c.is_ascii_alphanumeric() || c == b'+' || c == b'/')
}

fn lon_lat_ok(lon: f64, lat: f64) -> bool {
    (-180.0..=180.0).contains(&lon) && (-90.0..=90.0).contains(&lat)
}

fn parse_geopoint(cell: &str, format: GeoFormat) -> Result<&str, String> {
    let ok = match format {
        GeoFormat::Default => cell.split_once(',').is_some_and(|(lon, lat)| {
            match (lon.trim().parse::<f64>(), lat.trim().parse::<f64>()) {
                (Ok(lon), Ok(lat)) => lon_lat_ok(lon, lat),
                _ => false,
            }
        }),
        GeoFormat::Array => match serde_json::from_str::<Json>(cell) {
            Ok(Json::Array(a)) if a.len() == 2 => match (a[0].as_f64(), a[1].as_f64()) {
                (Some(lon), Some(lat)) => lon_lat_ok(lon, lat),
                _ => false,
            },
            _ => false,
        },
        GeoFormat::Object => match serde_json::from_str::<Json>(cell) {
            Ok(Json::Object(o)) => match (
                o.get("lon").and_then(Json::as_f64),
                o.get("lat").and_then(Json::as_f64),
            ) {
                (Some(lon), Some(lat)) => lon_lat_ok(lon, lat),
                _ => false,
            },
            _ => false,
        },
    };
    if ok {
        Ok(cell)
    } else {
        Err(match format {
            GeoFormat::Default => "expected \"lon, lat\" with lon in -180..180 and lat in -90..90",
            GeoFormat::Array => "expected [lon, lat] with lon in -180..180 and lat in -90..90",
            GeoFormat::Object => {
                "expected {\"lon\": …, \"lat\": …} with lon in -180..180 and lat in -90..90"
            }
        }
        .into())
    }
}

#[derive(Clone, Copy)]
enum JsonShape {
    Object,
    Array,
    GeoJson,
}

const GEOJSON_TYPES: [&str; 9] = [
    "Point",
    "MultiPoint",
    "LineString",
    "MultiLineString",
    "Polygon",
    "MultiPolygon",
    "GeometryCollection",
    "Feature",
    "FeatureCollection",
];

fn parse_json(cell: &str, shape: JsonShape) -> Result<&str, String> {
    let value: Json = serde_json::from_str(cell).map_err(|e| format!("not valid JSON ({e})"))?;
    let ok = match shape {
        JsonShape::Object => value.is_object(),
        JsonShape::Array => value.is_array(),
        JsonShape::GeoJson => value
            .get("type")
            .and_then(Json::as_str)
            .is_some_and(|t| GEOJSON_TYPES.contains(&t)),
    };
    if ok {
        Ok(cell)
    } else {
        Err(match shape {
            JsonShape::Object => "expected a JSON object".into(),
            JsonShape::Array => "expected a JSON array".into(),
            JsonShape::GeoJson => {
                "expected a GeoJSON object with a `type` such as Point or Feature".into()
            }
        })
    }
}

/// The length of a value for `minLength`/`maxLength`: characters of a string, items of a
/// JSON array or object.
pub fn length(kind: &Kind, cell: &str) -> Option<usize> {
    match kind {
        Kind::Array | Kind::Object | Kind::GeoJson => match serde_json::from_str::<Json>(cell) {
            Ok(Json::Array(a)) => Some(a.len()),
            Ok(Json::Object(o)) => Some(o.len()),
            _ => None,
        },
        Kind::String(_) | Kind::Any => Some(cell.chars().count()),
        _ => None,
    }
}

/// Renders a typed value for messages (dates back to ISO).
pub fn display(value: Typed<'_>, kind: &Kind) -> String {
    match value {
        Typed::Str(s) | Typed::Text(s) => s.to_string(),
        Typed::Int(i) => match kind {
            Kind::YearMonth => format!("{}-{:02}", i.div_euclid(12), i.rem_euclid(12) + 1),
            _ => i.to_string(),
        },
        Typed::Num(n) => n.to_string(),
        Typed::Bool(b) => b.to_string(),
        Typed::Date(d) => NaiveDate::from_num_days_from_ce_opt(d)
            .map(|d| d.to_string())
            .unwrap_or_else(|| d.to_string()),
        Typed::Secs(s) => match kind {
            Kind::Time(_) => format!("{:02}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60),
            Kind::DateTime(_) => chrono::DateTime::from_timestamp(s, 0)
                .map(|d| d.naive_utc().to_string())
                .unwrap_or_else(|| s.to_string()),
            _ => format!("{s} s"),
        },
    }
}

/// Letters of both scripts inside one word ("MiсTo" with a Cyrillic `с`): typical OCR
/// damage. Returns the first such word. Works on bytes, because Unicode letter tables are
/// too slow for every text cell: ASCII letters are Latin, lead bytes 0xD0–0xD3 start
/// Cyrillic (U+0400–U+04FF), digits, apostrophes and `’` join words, anything else splits.
/// Only the words around Latin letters are looked at, since a mixed word holds one and
/// Cyrillic text holds few.
pub fn mixed_script_word(cell: &str) -> Option<&str> {
    let b = cell.as_bytes();
    // Most text is one script: no ASCII letter, or pure ASCII, settles it at once (both
    // tests vectorise; one fold computing both flags does not).
    let has_latin = b
        .iter()
        .fold(false, |any, c| any | ((c | 0x20).wrapping_sub(b'a') < 26));
    if b.is_ascii() || !has_latin {
        return None;
    }
    let mut from = 0;
    while let Some(found) = b[from..].iter().position(u8::is_ascii_alphabetic) {
        let (start, end) = word_around(b, from + found);
        if b[start..end].iter().any(|c| (0xD0..=0xD3).contains(c)) {
            return cell.get(start..end);
        }
        from = end;
    }
    None
}

/// The byte length of the character at `i` of UTF-8 text when it belongs to a word
/// (ASCII letter or digit, apostrophe, Cyrillic letter, `’`), or `None` when it splits.
fn word_char(b: &[u8], i: usize) -> Option<usize> {
    match b[i] {
        c if c.is_ascii_alphanumeric() || c == b'\'' => Some(1),
        0xD0..=0xD3 => Some(2),
        0xE2 if b.get(i + 1..i + 3) == Some(&[0x80, 0x99]) => Some(3),
        _ => None,
    }
}

/// The word holding the ASCII letter at `at`: its byte range.
fn word_around(b: &[u8], at: usize) -> (usize, usize) {
    let mut start = at;
    while start > 0 {
        // Back to the first byte of the character before.
        let mut lead = start - 1;
        while lead > 0 && start - lead < 3 && (0x80..0xC0).contains(&b[lead]) {
            lead -= 1;
        }
        match word_char(b, lead) {
            Some(len) if lead + len == start => start = lead,
            _ => break,
        }
    }
    let mut end = at;
    while end < b.len() {
        match word_char(b, end) {
            Some(len) => end += len,
            None => break,
        }
    }
    (start, end.min(b.len()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field(json: &str) -> Field {
        serde_json::from_str(json).unwrap()
    }

    fn kind(json: &str) -> Kind {
        Kind::compile(&field(json)).unwrap()
    }

    #[test]
    fn numbers_with_decimal_comma_and_space_groups() {
        let k = kind(r#"{"name":"a","type":"number","decimalChar":",","groupChar":" "}"#);
        assert_eq!(k.parse("84 667,2"), Ok(Typed::Num(84667.2)));
        assert_eq!(k.parse("84\u{a0}667,2"), Ok(Typed::Num(84667.2)));
        assert!(k.parse("84.667,2").is_err());
        let plain = kind(r#"{"name":"a","type":"number"}"#);
        assert_eq!(plain.parse("-1.5e3"), Ok(Typed::Num(-1500.0)));
        let err = plain.parse("25065,7").unwrap_err();
        assert!(err.contains("decimalChar"), "{err}");
        let money = kind(r#"{"name":"a","type":"number","bareNumber":false}"#);
        assert_eq!(money.parse("12.5 %"), Ok(Typed::Num(12.5)));
    }

    #[test]
    fn integers_name_ocr_damage() {
        let k = kind(r#"{"name":"a","type":"integer"}"#);
        assert_eq!(k.parse("-42"), Ok(Typed::Int(-42)));
        let err = k.parse("254l57").unwrap_err();
        assert_eq!(
            err,
            "Latin letter `l` at character 4 looks like an OCR misreading of the digit 1"
        );
        let err = k.parse("2404з9").unwrap_err();
        assert!(err.contains("Cyrillic letter `з`"), "{err}");
        assert!(k.parse("99999999999999999999").is_err());
    }

    #[test]
    fn dates_times_and_patterns() {
        let k = kind(r#"{"name":"a","type":"date","format":"%d.%m.%Y"}"#);
        let iso = kind(r#"{"name":"a","type":"date"}"#);
        assert_eq!(k.parse("15.12.2011"), iso.parse("2011-12-15"));
        assert!(iso.parse("2011-02-30").is_err());
        let dt = kind(r#"{"name":"a","type":"datetime"}"#);
        assert!(dt.parse("2024-01-02T03:04:05Z").is_ok());
        assert!(dt.parse("2024-01-02T03:04:05+02:00").is_ok());
        let t = kind(r#"{"name":"a","type":"time"}"#);
        assert_eq!(t.parse("01:00:00"), Ok(Typed::Secs(3600)));
        assert!(kind(r#"{"name":"a","type":"yearmonth"}"#)
            .parse("2024-13")
            .is_err());
        assert_eq!(
            kind(r#"{"name":"a","type":"duration"}"#).parse("PT1H30M"),
            Ok(Typed::Secs(5400))
        );
    }

    #[test]
    fn string_formats_and_structured_types() {
        let email = kind(r#"{"name":"a","format":"email"}"#);
        assert!(email.parse("a@b.ua").is_ok());
        assert!(email.parse("a@b").is_err());
        assert!(kind(r#"{"name":"a","format":"uri"}"#)
            .parse("https://x.ua/")
            .is_ok());
        let uuid = kind(r#"{"name":"a","format":"uuid"}"#);
        assert!(uuid.parse("123e4567-e89b-12d3-a456-426614174000").is_ok());
        assert!(kind(r#"{"name":"a","type":"geopoint"}"#)
            .parse("30.5, 50.4")
            .is_ok());
        assert!(kind(r#"{"name":"a","type":"geopoint"}"#)
            .parse("300, 50")
            .is_err());
        assert!(kind(r#"{"name":"a","type":"geojson"}"#)
            .parse(r#"{"type":"Point","coordinates":[30,50]}"#)
            .is_ok());
        assert!(kind(r#"{"name":"a","type":"array"}"#).parse("{}").is_err());
        let b = kind(r#"{"name":"a","type":"boolean","trueValues":["так"],"falseValues":["ні"]}"#);
        assert_eq!(b.parse("так"), Ok(Typed::Bool(true)));
        assert!(b.parse("true").is_err());
    }

    #[test]
    fn unknown_type_is_named() {
        let err = Kind::compile(&field(r#"{"name":"a","type":"money"}"#)).unwrap_err();
        assert!(err
            .to_string()
            .starts_with("field `a` has unknown type `money`"));
    }

    /// The first reading of this check, character by character over the whole cell: the
    /// words-around-Latin-letters reading must give the same word for any text.
    fn mixed_script_word_by_walking(cell: &str) -> Option<&str> {
        let b = cell.as_bytes();
        let (mut start, mut latin, mut cyrillic) = (0, false, false);
        let mut i = 0;
        while i < b.len() {
            let c = b[i];
            let len = match c {
                0xF0.. => 4,
                0xE0.. => 3,
                0xC0.. => 2,
                _ => 1,
            };
            let apostrophe =
                c == b'\'' || (c == 0xE2 && b.get(i + 1..i + 3) == Some(&[0x80, 0x99]));
            if c.is_ascii_alphabetic() {
                latin = true;
            } else if (0xD0..=0xD3).contains(&c) {
                cyrillic = true;
            } else if !(c.is_ascii_digit() || apostrophe) {
                if latin && cyrillic {
                    return cell.get(start..i);
                }
                (latin, cyrillic) = (false, false);
                start = (i + len).min(b.len());
            }
            i += len;
        }
        if latin && cyrillic {
            cell.get(start..)
        } else {
            None
        }
    }

    #[test]
    fn looking_around_latin_letters_finds_what_walking_finds() {
        let pieces = [
            "a", "Z", "і", "с", "М", "ї", "'", "’", "‘", "1", " ", "-", ".", "«", "é", "€", "😀",
            "ʼ", "\u{301}", "ґ",
        ];
        let mut rng = fastrand::Rng::with_seed(17);
        for _ in 0..200_000 {
            let cell: String = (0..rng.usize(0..12))
                .map(|_| pieces[rng.usize(..pieces.len())])
                .collect();
            assert_eq!(
                mixed_script_word(&cell),
                mixed_script_word_by_walking(&cell),
                "{cell:?}"
            );
        }
    }

    #[test]
    fn mixed_scripts_inside_a_word() {
        assert_eq!(mixed_script_word("місто MiсTo"), Some("MiсTo"));
        assert_eq!(mixed_script_word("MicTo"), None);
        assert_eq!(mixed_script_word("WEB-сайт 1551.gov.ua"), None);
        assert_eq!(mixed_script_word("Тел.15-51"), None);
    }
}
