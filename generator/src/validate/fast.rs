//! Fast paths per field, compiled once from its type and constraints: the common valid
//! cells (plain ASCII integers and decimals within their bounds, ISO dates, enum strings,
//! strings that surely fit their length) are accepted here in a few instructions. Anything
//! else — every error included — goes through `types` and `constraints`, which decide and
//! word the message; this module never rejects a cell nor says why.

use super::numbers::exact_decimal;
use super::types::{mixed_script_word, Typed};

/// A field's fast path.
#[derive(Debug, Clone, Default)]
pub enum Fast {
    /// No fast path: every cell takes the full parser.
    #[default]
    None,
    /// A plain integer (`-?digits`) within inclusive bounds.
    Int { min: i64, max: i64 },
    /// A plain decimal (`-?digits[.digits]`, ≤ 15 digits) within inclusive bounds.
    Num { min: f64, max: f64 },
    /// `YYYY-MM-DD` (days as `Typed::Date`) within inclusive bounds.
    IsoDate { min: i32, max: i32 },
    /// A string field whose only constraint is `enum`: the allowed values whose text has
    /// no mixed-script word (those take the full path, to be warned about). Values of up
    /// to 32 bytes (a district's name in Cyrillic) are their length and [`words`], compared
    /// without a `memcmp` call; longer ones are compared as text.
    Enum {
        short: ShortValues,
        long: Vec<Box<str>>,
    },
    /// A string field with at most `minLength`/`maxLength`: cells whose byte length proves
    /// the character count is within bounds.
    Str { min_chars: usize, max_chars: usize },
}

impl Fast {
    /// The cell's value when it is surely valid; `None`: decide with the full parser.
    #[inline]
    pub fn accept<'a>(&self, cell: &'a str) -> Option<Typed<'a>> {
        match self {
            Fast::None => None,
            Fast::Int { min, max } => {
                let n = plain_integer(cell.as_bytes())?;
                (*min <= n && n <= *max).then_some(Typed::Int(n))
            }
            Fast::Num { min, max } => {
                let n = exact_decimal(cell.as_bytes())?;
                (*min <= n && n <= *max).then_some(Typed::Num(n))
            }
            Fast::IsoDate { min, max } => {
                let d = iso_days(cell.as_bytes())?;
                (*min <= d && d <= *max).then_some(Typed::Date(d))
            }
            Fast::Enum { short, long } => {
                let b = cell.as_bytes();
                let known = match words(b) {
                    Some(w) => short.contains(b.len(), &w),
                    None => long.iter().any(|v| v.as_bytes() == b),
                };
                known.then_some(Typed::Str(cell))
            }
            Fast::Str {
                min_chars,
                max_chars,
            } => {
                // A string has at most as many characters as bytes and at least a quarter.
                let bytes = cell.len();
                (bytes <= *max_chars && bytes / 4 >= *min_chars).then_some(Typed::Str(cell))
            }
        }
    }

    /// Whether a value accepted here still needs the mixed-script check.
    pub fn needs_script_check(&self) -> bool {
        !matches!(self, Fast::Enum { .. })
    }

    /// The enum fast path: only values a mixed-script check would pass.
    pub fn enumeration<'a>(values: impl IntoIterator<Item = &'a str>) -> Fast {
        let (mut short, mut long) = (Vec::new(), Vec::new());
        for value in values
            .into_iter()
            .filter(|v| mixed_script_word(v).is_none())
        {
            match words(value.as_bytes()) {
                Some(w) => short.push((value.len(), w)),
                None => long.push(Box::from(value)),
            }
        }
        short.sort_unstable();
        short.dedup();
        Fast::Enum {
            short: ShortValues::new(short),
            long,
        }
    }
}

/// An enum's values of up to 32 bytes, as length and [`words`]. Usually a table in which
/// each value has a slot of its own, found from its length and first word: a cell is
/// compared with one value. (Compared one by one, the loop's exit was mispredicted on
/// most rows, since which value a row holds changes from row to row.) Where no
/// multiplier places every value apart, the values are compared one by one.
#[derive(Debug, Clone, PartialEq)]
pub struct ShortValues {
    /// `(usize::MAX, _)` for an empty slot: no text is that long.
    slots: Vec<(usize, [u64; 4])>,
    multiplier: u64,
    shift: u32,
}

impl ShortValues {
    fn new(values: Vec<(usize, [u64; 4])>) -> ShortValues {
        let empty = (usize::MAX, [0; 4]);
        let least = (values.len() * 2)
            .next_power_of_two()
            .max(2)
            .trailing_zeros();
        let mut multiplier = 0x9e37_79b9_7f4a_7c15u64;
        for bits in least..least + 4 {
            for _ in 0..32 {
                let mut table = ShortValues {
                    slots: vec![empty; 1 << bits],
                    multiplier,
                    shift: 64 - bits,
                };
                let placed = values.iter().all(|&(len, w)| {
                    let slot = table.slot(len, &w);
                    let free = table.slots[slot].0 == usize::MAX;
                    table.slots[slot] = (len, w);
                    free
                });
                if placed {
                    return table;
                }
                multiplier = multiplier.wrapping_mul(0xbf58_476d_1ce4_e5b9) | 1;
            }
        }
        // Every value in one "slot" list, compared in turn.
        ShortValues {
            slots: values,
            multiplier: 0,
            shift: 0,
        }
    }

    #[inline]
    fn slot(&self, len: usize, w: &[u64; 4]) -> usize {
        ((w[0] ^ len as u64).wrapping_mul(self.multiplier) >> (self.shift & 63)) as usize
    }

    #[inline]
    fn contains(&self, len: usize, w: &[u64; 4]) -> bool {
        let same = |(l, v): &(usize, [u64; 4])| {
            ((l ^ len) as u64 | (v[0] ^ w[0]) | (v[1] ^ w[1]) | (v[2] ^ w[2]) | (v[3] ^ w[3])) == 0
        };
        if self.shift == 0 {
            return self.slots.iter().any(same);
        }
        self.slots.get(self.slot(len, w)).is_some_and(same)
    }
}

/// A text of at most 32 bytes as four 8-byte words that together cover it (overlapping
/// where it is shorter), so that two texts of one length are equal when their words are;
/// `None` for longer ones. Fixed-size loads: no `memcmp` or `memcpy` call.
#[inline]
fn words(b: &[u8]) -> Option<[u64; 4]> {
    let word = |at: usize| {
        b.get(at..at + 8)
            .and_then(|w| w.try_into().ok())
            .map_or(0, u64::from_le_bytes)
    };
    let len = b.len();
    match len {
        0..8 => Some([
            b.iter().rev().fold(0, |w, &x| w << 8 | u64::from(x)),
            0,
            0,
            0,
        ]),
        8..16 => Some([word(0), word(len - 8), 0, 0]),
        16..=32 => Some([word(0), word(8), word(len - 16), word(len - 8)]),
        _ => None,
    }
}

/// `-?digits`, at most 18 digits (no overflow).
#[inline]
fn plain_integer(b: &[u8]) -> Option<i64> {
    let (negative, digits) = match b.first()? {
        b'-' => (true, &b[1..]),
        _ => (false, b),
    };
    if digits.is_empty() || digits.len() > 18 {
        return None;
    }
    let mut n = 0i64;
    for &d in digits {
        let v = d.wrapping_sub(b'0');
        if v > 9 {
            return None;
        }
        n = n * 10 + i64::from(v);
    }
    Some(if negative { -n } else { n })
}

/// `YYYY-MM-DD` (years 0001–9999) as days from the common era, day 1 = 0001-01-01, the
/// numbering `chrono::Datelike::num_days_from_ce` uses.
#[inline]
fn iso_days(b: &[u8]) -> Option<i32> {
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let digit = |i: usize| -> Option<i32> {
        let v = b[i].wrapping_sub(b'0');
        (v <= 9).then_some(i32::from(v))
    };
    let year = digit(0)? * 1000 + digit(1)? * 100 + digit(2)? * 10 + digit(3)?;
    let month = digit(5)? * 10 + digit(6)?;
    let day = digit(8)? * 10 + digit(9)?;
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    let month_days = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return None,
    };
    if year == 0 || day == 0 || day > month_days {
        return None;
    }
    // Days from civil (H. Hinnant): March-based years make leap days fall at the end.
    let y = if month <= 2 { year - 1 } else { year };
    let era = y / 400;
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    // 0000-03-01 is day -305 from the common era's day 1.
    Some(era * 146_097 + doe - 305)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Datelike, NaiveDate};

    #[test]
    fn iso_days_agree_with_chrono() {
        let check = |from: NaiveDate, to: NaiveDate| {
            let mut date = from;
            while date <= to {
                let text = date.format("%Y-%m-%d").to_string();
                assert_eq!(
                    iso_days(text.as_bytes()),
                    Some(date.num_days_from_ce()),
                    "{text}"
                );
                date = date.succ_opt().unwrap();
            }
        };
        let ymd = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
        check(ymd(1, 1, 1), ymd(1, 12, 31));
        check(ymd(1599, 12, 1), ymd(1601, 3, 1));
        check(ymd(1899, 1, 1), ymd(2101, 12, 31));
        check(ymd(9999, 1, 1), ymd(9999, 12, 31));
        for bad in [
            "2023-02-29",
            "2024-13-01",
            "2024-00-10",
            "2024-04-31",
            "0000-01-01",
            "2024-1-01",
        ] {
            assert_eq!(iso_days(bad.as_bytes()), None, "{bad}");
        }
    }

    /// An enum's fast path accepts its values and nothing else, however long and however
    /// close (one byte changed, one byte longer or shorter).
    #[test]
    fn enum_fast_path_accepts_exactly_the_values() {
        let mut rng = fastrand::Rng::with_seed(21);
        for round in 0..300 {
            // Mostly a few values; some enums of hundreds.
            let count = if round % 30 == 0 { 600 } else { 6 };
            let values: Vec<String> = (0..rng.usize(1..count))
                // Cyrillic, digits and dashes: no mixed-script value, which takes the full path.
                .map(|_| {
                    (0..rng.usize(0..24))
                        .map(|_| ['б', 'ї', '-', '1'][rng.usize(..4)])
                        .collect()
                })
                .collect();
            let fast = Fast::enumeration(values.iter().map(String::as_str));
            // And the same values compared one by one, as where no table places them apart.
            let one_by_one = match &fast {
                Fast::Enum { short, long } => Fast::Enum {
                    short: ShortValues {
                        slots: short
                            .slots
                            .iter()
                            .copied()
                            .filter(|s| s.0 != usize::MAX)
                            .collect(),
                        multiplier: 0,
                        shift: 0,
                    },
                    long: long.clone(),
                },
                _ => unreachable!(),
            };
            for value in &values {
                assert!(fast.accept(value).is_some(), "{value:?}");
                assert!(one_by_one.accept(value).is_some(), "{value:?}");
                let mut near = value.clone().into_bytes();
                match rng.usize(..3) {
                    0 if !near.is_empty() => {
                        let at = rng.usize(..near.len());
                        near[at] ^= 1;
                    }
                    1 => near.push(b'a'),
                    _ => {
                        near.pop();
                    }
                }
                if let Ok(near) = std::str::from_utf8(&near) {
                    let known = values.iter().any(|v| v == near);
                    assert_eq!(fast.accept(near).is_some(), known, "{near:?} of {values:?}");
                    assert_eq!(one_by_one.accept(near).is_some(), known, "{near:?}");
                }
            }
        }
    }

    #[test]
    fn fast_paths_accept_only_what_the_full_path_accepts() {
        let int = Fast::Int { min: 1, max: 10 };
        assert_eq!(int.accept("10"), Some(Typed::Int(10)));
        assert_eq!(int.accept("11"), None);
        assert_eq!(int.accept("+5"), None);
        assert_eq!(int.accept("-"), None);
        let num = Fast::Num { min: 0.0, max: 1.0 };
        assert_eq!(num.accept("0.5"), Some(Typed::Num(0.5)));
        assert_eq!(num.accept("1.5"), None);
        let channels = Fast::enumeration(["web-1551-gov-ua", "email"]);
        assert!(channels.accept("web-1551-gov-ua").is_some());
        assert_eq!(channels.accept("web-1552-gov-ua"), None);
        assert_eq!(channels.accept("emaIl"), None);
        let e = Fast::enumeration(["так", "MiсTo"]);
        assert_eq!(e.accept("так"), Some(Typed::Str("так")));
        assert_eq!(
            e.accept("MiсTo"),
            None,
            "mixed-script values take the full path"
        );
        let s = Fast::Str {
            min_chars: 0,
            max_chars: 4,
        };
        assert_eq!(s.accept("abcd"), Some(Typed::Str("abcd")));
        assert_eq!(
            s.accept("абв"),
            None,
            "6 bytes: the full path counts characters"
        );
    }
}
