//! Dates, times, date-times (ISO or a `format` pattern such as `%d.%m.%Y`), years,
//! year-months and ISO 8601 durations, as comparable integers.

use chrono::{Datelike, NaiveDate, NaiveDateTime, NaiveTime, Timelike};

use super::types::TimeFormat;

fn days(date: NaiveDate) -> i32 {
    date.num_days_from_ce()
}

/// `YYYY-MM-DD`, parsed by hand because it is the common case.
fn iso_date(s: &str) -> Option<NaiveDate> {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<u32> {
        b[r].iter().try_fold(0u32, |n, d| {
            d.is_ascii_digit().then(|| n * 10 + u32::from(d - b'0'))
        })
    };
    NaiveDate::from_ymd_opt(num(0..4)? as i32, num(5..7)?, num(8..10)?)
}

pub fn parse_date(cell: &str, format: &TimeFormat) -> Result<i32, String> {
    let date = match format {
        TimeFormat::Default => iso_date(cell),
        TimeFormat::Any => iso_date(cell).or_else(|| {
            ["%d.%m.%Y", "%d/%m/%Y", "%Y/%m/%d", "%d-%m-%Y", "%Y%m%d"]
                .iter()
                .find_map(|f| NaiveDate::parse_from_str(cell, f).ok())
        }),
        TimeFormat::Pattern(p) => date_with_pattern(cell, p),
    };
    date.map(days).ok_or_else(|| match format {
        TimeFormat::Pattern(p) => format!("expected a date in the format {p}"),
        _ => "expected a date as YYYY-MM-DD".into(),
    })
}

fn secs_of_day(t: NaiveTime) -> i64 {
    i64::from(t.num_seconds_from_midnight())
}

pub fn parse_time(cell: &str, format: &TimeFormat) -> Result<i64, String> {
    let time = match format {
        TimeFormat::Default => NaiveTime::parse_from_str(cell, "%H:%M:%S").ok(),
        TimeFormat::Any => ["%H:%M:%S", "%H:%M", "%H:%M:%S%.f"]
            .iter()
            .find_map(|f| NaiveTime::parse_from_str(cell, f).ok()),
        TimeFormat::Pattern(p) => NaiveTime::parse_from_str(cell, p).ok(),
    };
    time.map(secs_of_day).ok_or_else(|| match format {
        TimeFormat::Pattern(p) => format!("expected a time in the format {p}"),
        _ => "expected a time as HH:MM:SS".into(),
    })
}

pub fn parse_datetime(cell: &str, format: &TimeFormat) -> Result<i64, String> {
    let iso = || {
        chrono::DateTime::parse_from_rfc3339(cell)
            .map(|d| d.timestamp())
            .ok()
            .or_else(|| {
                let naive = cell.strip_suffix('Z').unwrap_or(cell);
                ["%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M:%S%.f"]
                    .iter()
                    .find_map(|f| NaiveDateTime::parse_from_str(naive, f).ok())
                    .map(|d| d.and_utc().timestamp())
            })
    };
    let value = match format {
        TimeFormat::Default => iso(),
        TimeFormat::Any => iso().or_else(|| {
            ["%Y-%m-%d %H:%M:%S", "%d.%m.%Y %H:%M:%S", "%d.%m.%Y %H:%M"]
                .iter()
                .find_map(|f| NaiveDateTime::parse_from_str(cell, f).ok())
                .map(|d| d.and_utc().timestamp())
        }),
        TimeFormat::Pattern(p) => NaiveDateTime::parse_from_str(cell, p)
            .map(|d| d.and_utc().timestamp())
            .ok()
            .or_else(|| {
                chrono::DateTime::parse_from_str(cell, p)
                    .ok()
                    .map(|d| d.timestamp())
            }),
    };
    value.ok_or_else(|| match format {
        TimeFormat::Pattern(p) => format!("expected a date and time in the format {p}"),
        _ => "expected a date and time as YYYY-MM-DDTHH:MM:SS with an optional Z or offset".into(),
    })
}

pub fn parse_year(cell: &str) -> Result<i64, String> {
    let digits = cell.strip_prefix('-').unwrap_or(cell);
    if digits.len() >= 4 && digits.bytes().all(|b| b.is_ascii_digit()) {
        cell.parse()
            .map_err(|_| "expected a year such as 2024".into())
    } else {
        Err(match cell.chars().find(|c| !c.is_ascii_digit()) {
            Some(c) if super::numbers::ocr_digit(c).is_some() => format!(
                "expected a year such as 2024; {} looks like an OCR misreading of the digit {}",
                super::numbers::char_name(c),
                super::numbers::ocr_digit(c).unwrap_or('?')
            ),
            _ => "expected a year such as 2024".into(),
        })
    }
}

pub fn parse_yearmonth(cell: &str) -> Result<i64, String> {
    let err = || "expected a year and month as YYYY-MM".to_string();
    let (y, m) = cell.split_once('-').ok_or_else(err)?;
    let year: i64 = parse_year(y).map_err(|_| err())?;
    let month: i64 = m.parse().map_err(|_| err())?;
    if m.len() == 2 && (1..=12).contains(&month) {
        Ok(year * 12 + month - 1)
    } else {
        Err(err())
    }
}

/// ISO 8601 durations (`P1Y2M10DT2H30M`), as seconds with 365-day years and 30-day
/// months: exact enough to compare against `minimum`/`maximum`.
pub fn parse_duration(cell: &str) -> Result<i64, String> {
    let err = || "expected an ISO 8601 duration such as P1Y2M10DT2H30M".to_string();
    let body = cell.strip_prefix('P').ok_or_else(err)?;
    if body.is_empty() {
        return Err(err());
    }
    let mut total = 0f64;
    let mut in_time = false;
    let mut number = String::new();
    let mut any = false;
    for c in body.chars() {
        match c {
            'T' if !in_time && number.is_empty() => in_time = true,
            '0'..='9' | '.' | ',' => number.push(if c == ',' { '.' } else { c }),
            unit => {
                let n: f64 = number.parse().map_err(|_| err())?;
                let scale = match (unit, in_time) {
                    ('Y', false) => 365.0 * 86400.0,
                    ('M', false) => 30.0 * 86400.0,
                    ('W', false) => 7.0 * 86400.0,
                    ('D', false) => 86400.0,
                    ('H', true) => 3600.0,
                    ('M', true) => 60.0,
                    ('S', true) => 1.0,
                    _ => return Err(err()),
                };
                total += n * scale;
                number.clear();
                any = true;
            }
        }
    }
    if !number.is_empty() || !any {
        return Err(err());
    }
    Ok(total as i64)
}

/// A date in a strftime pattern; a pattern without the month or day (`%Y`, `%m/%Y`) means
/// the first one, as Python's `strptime` (which frictionless-py uses) reads it.
fn date_with_pattern(cell: &str, pattern: &str) -> Option<NaiveDate> {
    if let Ok(date) = NaiveDate::parse_from_str(cell, pattern) {
        return Some(date);
    }
    let mut parsed = chrono::format::Parsed::new();
    chrono::format::parse(
        &mut parsed,
        cell,
        chrono::format::StrftimeItems::new(pattern),
    )
    .ok()?;
    if parsed.month().is_none() && parsed.ordinal().is_none() && parsed.isoweek().is_none() {
        parsed.set_month(1).ok()?;
    }
    if parsed.day().is_none() && parsed.ordinal().is_none() {
        parsed.set_day(1).ok()?;
    }
    parsed.to_naive_date().ok()
}
