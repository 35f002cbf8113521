//! Generalisation hierarchies: a date-time to its day, week start or month start; a full
//! address to its street; coordinates to an H3 cell and its centre. Pure functions over
//! one value; which level a row gets is `kanon`'s decision.

use chrono::{Datelike, NaiveDate};
use h3o::{CellIndex, LatLng, Resolution};

use super::policy::{Bounds, TimeLevel};

/// Parses the date part of a raw date-time: `DD.MM.YYYY[ HH:MM[:SS]]` (how Ukrainian
/// systems export) or ISO 8601 `YYYY-MM-DD[THH:MM[:SS]]`.
pub fn parse_date(value: &str) -> Option<NaiveDate> {
    let value = value.trim();
    let date = value.split([' ', 'T']).next()?;
    NaiveDate::parse_from_str(date, "%d.%m.%Y")
        .or_else(|_| NaiveDate::parse_from_str(date, "%Y-%m-%d"))
        .ok()
}

/// The date a row is published with at `level`: the day; the Monday of its week, or the
/// first of the month when the week began in the month before (so a week lies inside one
/// month and the levels nest); the first of its month; the first of its year.
pub fn generalise_date(date: NaiveDate, level: TimeLevel) -> NaiveDate {
    match level {
        TimeLevel::Day => date,
        TimeLevel::Week => {
            let monday = date - chrono::Days::new(u64::from(date.weekday().num_days_from_monday()));
            monday.max(date.with_day(1).unwrap_or(date))
        }
        TimeLevel::Month => date.with_day(1).unwrap_or(date),
        TimeLevel::Year => date.with_ordinal(1).unwrap_or(date),
    }
}

/// The street of a full address: the part before the first comma, without trailing house
/// numbers (`вулиця Дубровицька, 8, кв. 12` → `вулиця Дубровицька`;
/// `проспект Героїв Сталінграда 51` → `проспект Героїв Сталінграда`).
pub fn street_of(address: &str) -> String {
    let head = address.split(',').next().unwrap_or("").trim();
    let mut words: Vec<&str> = head.split_whitespace().collect();
    while let Some(last) = words.last() {
        let lower = last.to_lowercase();
        // An ordinal (`3-й`, `2-га`) belongs to the street's name; a house number with a
        // letter (`8-а`, `12б`) does not.
        let is_ordinal = last.split_once('-').is_some_and(|(n, suffix)| {
            !n.is_empty()
                && n.chars().all(|c| c.is_ascii_digit())
                && matches!(
                    suffix,
                    "й" | "я" | "га" | "та" | "ма" | "ша" | "ге" | "те" | "ий" | "ій"
                )
        });
        let is_number = !is_ordinal && last.chars().next().is_some_and(|c| c.is_ascii_digit());
        let is_house_word = matches!(
            lower.trim_end_matches('.'),
            "буд" | "будинок" | "б" | "кв" | "квартира" | "№"
        );
        if is_number || is_house_word {
            words.pop();
        } else {
            break;
        }
    }
    words.join(" ")
}

/// A point snapped to an H3 cell.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Cell {
    pub index: CellIndex,
}

impl Cell {
    pub fn id(&self) -> String {
        self.index.to_string()
    }

    /// The cell containing this one at a coarser `resolution` (itself at its own or finer).
    pub fn at(&self, resolution: u8) -> Cell {
        match Resolution::try_from(resolution) {
            Ok(r) if r < self.index.resolution() => Cell {
                index: self.index.parent(r).unwrap_or(self.index),
            },
            _ => *self,
        }
    }

    /// The cell centre, (lat, lon) in degrees.
    pub fn centre(&self) -> (f64, f64) {
        let c = LatLng::from(self.index);
        (c.lat(), c.lng())
    }
}

/// Why coordinates could not be placed.
#[derive(Debug, Clone, PartialEq)]
pub enum CoordError {
    /// Not numbers, or only one of the pair.
    Unparseable,
    /// Numbers, but outside the policy's bounds (or the globe).
    Outside { lat: f64, lon: f64 },
}

/// Parses raw coordinates and snaps them to a cell; empty coordinates give `None`.
pub fn cell_of(
    lat: &str,
    lon: &str,
    resolution: Resolution,
    bounds: Option<&Bounds>,
) -> Result<Option<Cell>, CoordError> {
    let (lat, lon) = (lat.trim(), lon.trim());
    if lat.is_empty() && lon.is_empty() {
        return Ok(None);
    }
    let parse = |s: &str| s.replace(',', ".").parse::<f64>().ok();
    let (Some(la), Some(lo)) = (parse(lat), parse(lon)) else {
        return Err(CoordError::Unparseable);
    };
    if bounds.is_some_and(|b| !b.contains(la, lo)) {
        return Err(CoordError::Outside { lat: la, lon: lo });
    }
    let point = LatLng::new(la, lo).map_err(|_| CoordError::Outside { lat: la, lon: lo })?;
    Ok(Some(Cell {
        index: point.to_cell(resolution),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_in_both_formats() {
        let d = NaiveDate::from_ymd_opt(2013, 11, 6).unwrap();
        assert_eq!(parse_date("06.11.2013 17:28:13"), Some(d));
        assert_eq!(parse_date("2013-11-06T17:28"), Some(d));
        assert_eq!(parse_date("2013-11-06"), Some(d));
        assert_eq!(parse_date("вчора"), None);
        assert_eq!(parse_date("31.02.2013"), None);
    }

    #[test]
    fn week_starts_monday_month_on_the_first() {
        let d = NaiveDate::from_ymd_opt(2013, 11, 6).unwrap(); // a Wednesday
        assert_eq!(
            generalise_date(d, TimeLevel::Week).to_string(),
            "2013-11-04"
        );
        assert_eq!(
            generalise_date(d, TimeLevel::Month).to_string(),
            "2013-11-01"
        );
        // Friday 1 November 2013: its week began in October, so it is cut at the month.
        let first = NaiveDate::from_ymd_opt(2013, 11, 1).unwrap();
        assert_eq!(
            generalise_date(first, TimeLevel::Week).to_string(),
            "2013-11-01"
        );
        assert_eq!(
            generalise_date(d, TimeLevel::Year).to_string(),
            "2013-01-01"
        );
    }

    #[test]
    fn street_keeps_no_house_or_apartment() {
        assert_eq!(
            street_of("вулиця Дубровицька, 8, кв. 12"),
            "вулиця Дубровицька"
        );
        assert_eq!(
            street_of("проспект Героїв Сталінграда 51"),
            "проспект Героїв Сталінграда"
        );
        assert_eq!(
            street_of("бульв. Дружби Народів, 15"),
            "бульв. Дружби Народів"
        );
        assert_eq!(street_of("вул. Івана Франка буд. 5"), "вул. Івана Франка");
        assert_eq!(street_of(""), "");
        assert_eq!(
            street_of("вулиця Деревообробний 3-й, 98"),
            "вулиця Деревообробний 3-й"
        );
        assert_eq!(street_of("вулиця Станційна 8-а"), "вулиця Станційна");
    }

    #[test]
    fn kyiv_point_snaps_to_a_cell_whose_centre_is_near() {
        let bounds = Bounds {
            min_lat: 50.2,
            max_lat: 50.6,
            min_lon: 30.2,
            max_lon: 30.9,
        };
        let cell = cell_of("50.4501", "30.5234", Resolution::Eight, Some(&bounds))
            .unwrap()
            .unwrap();
        let (lat, lon) = cell.centre();
        assert!((lat - 50.4501).abs() < 0.01 && (lon - 30.5234).abs() < 0.01);
        assert_eq!(cell.id().len(), 15);
        assert_eq!(
            cell_of("48.45", "35.04", Resolution::Eight, Some(&bounds)),
            Err(CoordError::Outside {
                lat: 48.45,
                lon: 35.04
            })
        );
        assert_eq!(
            cell_of("north", "30.5", Resolution::Eight, None),
            Err(CoordError::Unparseable)
        );
        assert_eq!(cell_of("", "", Resolution::Eight, None), Ok(None));
    }
}
