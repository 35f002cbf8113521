//! How a Table Schema type orders and compares: every cell maps to a [`Key`] (null, a number,
//! or text), so a date compares as a date and a number as a number. Not for: storage.

use std::cmp::Ordering;

use chrono::{Datelike, NaiveDate, NaiveDateTime, NaiveTime, Timelike};

/// How a column's values are ordered, from its Table Schema `type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Integer,
    Number,
    Year,
    Date,
    DateTime,
    Time,
    YearMonth,
    Boolean,
    /// `string` and every type without an order of its own (geopoint, object, …).
    Text,
}

impl Kind {
    pub fn from_schema(kind: &str) -> Kind {
        match kind {
            "integer" => Kind::Integer,
            "number" => Kind::Number,
            "year" => Kind::Year,
            "date" => Kind::Date,
            "datetime" => Kind::DateTime,
            "time" => Kind::Time,
            "yearmonth" => Kind::YearMonth,
            "boolean" => Kind::Boolean,
            _ => Kind::Text,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Integer => "integer",
            Kind::Number => "number",
            Kind::Year => "year",
            Kind::Date => "date",
            Kind::DateTime => "datetime",
            Kind::Time => "time",
            Kind::YearMonth => "yearmonth",
            Kind::Boolean => "boolean",
            Kind::Text => "string",
        }
    }

    /// What a filter value must look like, for error messages.
    pub fn expected(self) -> &'static str {
        match self {
            Kind::Integer | Kind::Year => "an integer, e.g. 2024",
            Kind::Number => "a number with `.` as decimal mark, e.g. 1234.5",
            Kind::Date => "an ISO date, e.g. 2024-03-01",
            Kind::DateTime => "an ISO date-time, e.g. 2024-03-01T12:00:00Z",
            Kind::Time => "a time, e.g. 12:30:00",
            Kind::YearMonth => "a year and month, e.g. 2024-03",
            Kind::Boolean => "true or false",
            Kind::Text => "any text",
        }
    }

    /// The sort key of a cell, or `None` when it does not parse as this type.
    pub fn parse(self, cell: &str) -> Option<f64> {
        let cell = cell.trim();
        match self {
            Kind::Integer | Kind::Year => cell.parse::<i64>().ok().map(|v| v as f64),
            Kind::Number => cell.parse::<f64>().ok().filter(|v| v.is_finite()),
            Kind::Date => NaiveDate::parse_from_str(cell, "%Y-%m-%d")
                .ok()
                .map(|d| d.num_days_from_ce() as f64),
            Kind::DateTime => parse_datetime(cell),
            Kind::Time => NaiveTime::parse_from_str(cell, "%H:%M:%S")
                .ok()
                .map(|t| t.num_seconds_from_midnight() as f64),
            Kind::YearMonth => {
                let (y, m) = cell.split_once('-')?;
                let (y, m) = (y.parse::<i64>().ok()?, m.parse::<i64>().ok()?);
                (1..=12).contains(&m).then_some((y * 12 + m) as f64)
            }
            Kind::Boolean => match cell {
                "true" | "True" | "TRUE" | "1" => Some(1.0),
                "false" | "False" | "FALSE" | "0" => Some(0.0),
                _ => None,
            },
            Kind::Text => None,
        }
    }

    /// The key a cell sorts by: a number for typed cells that parse, text otherwise.
    pub fn key(self, cell: &str) -> Key<'_> {
        match self.parse(cell) {
            Some(n) => Key::Num(n),
            None => Key::Text(cell),
        }
    }

    /// Whether JSON should carry this column's values as numbers (or booleans).
    pub fn json_number(self) -> bool {
        matches!(self, Kind::Integer | Kind::Number | Kind::Year)
    }
}

fn parse_datetime(cell: &str) -> Option<f64> {
    if let Ok(t) = chrono::DateTime::parse_from_rfc3339(cell) {
        return Some(t.timestamp() as f64);
    }
    NaiveDateTime::parse_from_str(cell, "%Y-%m-%dT%H:%M:%S")
        .ok()
        .map(|t| t.and_utc().timestamp() as f64)
}

/// A cell's position in its column's order. Nulls first, then numbers, then text — the order
/// SQLite (and so Datasette) uses, so results agree.
#[derive(Debug, Clone, Copy)]
pub enum Key<'a> {
    Null,
    Num(f64),
    Text(&'a str),
}

impl Key<'_> {
    fn rank(&self) -> u8 {
        match self {
            Key::Null => 0,
            Key::Num(_) => 1,
            Key::Text(_) => 2,
        }
    }
}

impl Ord for Key<'_> {
    fn cmp(&self, other: &Self) -> Ordering {
        match (self, other) {
            (Key::Num(a), Key::Num(b)) => a.total_cmp(b),
            (Key::Text(a), Key::Text(b)) => a.cmp(b),
            _ => self.rank().cmp(&other.rank()),
        }
    }
}

impl PartialOrd for Key<'_> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for Key<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Key<'_> {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_and_numbers_compare_by_value() {
        assert!(Kind::Date.key("2024-02-01") > Kind::Date.key("2023-12-31"));
        assert!(Kind::Number.key("10") > Kind::Number.key("9.5"));
        assert_eq!(Kind::Number.key("10"), Kind::Number.key("10.0"));
        assert!(Kind::Text.key("10") < Kind::Text.key("9"));
    }

    #[test]
    fn unparseable_cells_sort_after_numbers() {
        assert!(Kind::Integer.key("n/a") > Kind::Integer.key("99999"));
        assert!(Key::Null < Kind::Integer.key("-5"));
    }

    #[test]
    fn yearmonth_and_boolean() {
        assert!(Kind::YearMonth.parse("2024-13").is_none());
        assert!(Kind::YearMonth.key("2024-02") > Kind::YearMonth.key("2023-12"));
        assert_eq!(Kind::Boolean.parse("True"), Some(1.0));
    }
}
