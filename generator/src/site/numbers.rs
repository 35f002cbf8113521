//! Exact figures for the site: amounts parsed from the published CSV text as fixed-point
//! (thousandths), summed without floating-point drift, and formatted the way each language
//! writes numbers (`3 301 953,5` in Ukrainian, `3,301,953.5` in English). Reading CSVs and
//! deciding what to sum is the callers' job.

use serde::Serialize;

/// A decimal amount in thousandths, so sums of document figures stay exact.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Amount(pub i64);

impl Amount {
    /// Parses `1234.5`, `-3`, `80000.00`; `None` for empty or non-numeric text.
    pub fn parse(text: &str) -> Option<Amount> {
        let text = text.trim();
        if text.is_empty() {
            return None;
        }
        let (negative, digits) = match text.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, text),
        };
        let (whole, fraction) = digits.split_once('.').unwrap_or((digits, ""));
        if whole.is_empty() && fraction.is_empty()
            || !whole.bytes().all(|b| b.is_ascii_digit())
            || !fraction.bytes().all(|b| b.is_ascii_digit())
            || fraction.len() > 3
        {
            return None;
        }
        let whole: i64 = if whole.is_empty() {
            0
        } else {
            whole.parse().ok()?
        };
        let mut thousandths: i64 = 0;
        for (i, b) in fraction.bytes().enumerate() {
            thousandths += i64::from(b - b'0') * 10_i64.pow(2 - i as u32);
        }
        let value = whole.checked_mul(1000)?.checked_add(thousandths)?;
        Some(Amount(if negative { -value } else { value }))
    }

    /// The nearest amount to `value` (a figure `validate` summed, or a document states).
    pub fn of(value: f64) -> Amount {
        Amount((value * 1000.0).round() as i64)
    }

    pub fn from_int(value: i64) -> Amount {
        Amount(value.saturating_mul(1000))
    }

    pub fn as_f64(self) -> f64 {
        self.0 as f64 / 1000.0
    }

    pub fn is_zero(self) -> bool {
        self.0 == 0
    }

    /// `self / other` as a ratio, `None` when `other` is zero.
    pub fn ratio(self, other: Amount) -> Option<f64> {
        (other.0 != 0).then(|| self.0 as f64 / other.0 as f64)
    }

    /// Formats with exactly `decimals` (0–3) decimals, grouped for `lang`.
    pub fn format(self, decimals: usize, lang: &str) -> String {
        let decimals = decimals.min(3);
        let scale = 10_i64.pow(3 - decimals as u32);
        let rounded = (self.0.abs() + scale / 2) / scale;
        let divisor = 10_i64.pow(decimals as u32);
        let whole = rounded / divisor;
        let fraction = rounded % divisor;
        let (group, point) = separators(lang);
        let mut text = group_digits(whole, group);
        if decimals > 0 {
            text.push_str(point);
            text.push_str(&format!("{fraction:0width$}", width = decimals));
        }
        if self.0 < 0 && rounded != 0 {
            text.insert(0, '−');
        }
        text
    }

    /// Formats with as many decimals as the value needs (at most 3).
    pub fn format_auto(self, lang: &str) -> String {
        let decimals = if self.0 % 1000 == 0 {
            0
        } else if self.0 % 100 == 0 {
            1
        } else if self.0 % 10 == 0 {
            2
        } else {
            3
        };
        self.format(decimals, lang)
    }
}

impl std::ops::Add for Amount {
    type Output = Amount;
    fn add(self, other: Amount) -> Amount {
        Amount(self.0.saturating_add(other.0))
    }
}

impl std::ops::AddAssign for Amount {
    fn add_assign(&mut self, other: Amount) {
        self.0 = self.0.saturating_add(other.0);
    }
}

impl std::iter::Sum for Amount {
    fn sum<I: Iterator<Item = Amount>>(iter: I) -> Amount {
        iter.fold(Amount(0), |a, b| a + b)
    }
}

fn separators(lang: &str) -> (&'static str, &'static str) {
    if lang == "en" {
        (",", ".")
    } else {
        // A no-break space keeps a figure on one line, as Ukrainian typography wants.
        ("\u{a0}", ",")
    }
}

fn group_digits(value: i64, group: &str) -> String {
    let digits = value.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 * group.len());
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push_str(group);
        }
        out.push(c);
    }
    out
}

/// A float (a share, a cost per unit) formatted for `lang` with `decimals` decimals.
pub fn format_float(value: f64, decimals: usize, lang: &str) -> String {
    let scaled = (value * 1000.0).round();
    if !scaled.is_finite() || scaled.abs() > 9.0e15 {
        return String::from("—");
    }
    Amount(scaled as i64).format(decimals, lang)
}

/// A percentage (`0.2241` → `22,4 %` / `22.4%`).
pub fn format_percent(ratio: f64, lang: &str) -> String {
    let number = format_float(ratio * 100.0, 1, lang);
    if lang == "en" {
        format!("{number}%")
    } else {
        format!("{number}\u{a0}%")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sums_are_exact_and_formatted_per_language() {
        let total: Amount = ["80000.0", "350000.0", "528592.0", "2343361.5"]
            .iter()
            .filter_map(|t| Amount::parse(t))
            .sum();
        assert_eq!(total.format(1, "uk"), "3\u{a0}301\u{a0}953,5");
        assert_eq!(total.format(1, "en"), "3,301,953.5");
        assert_eq!(
            Amount::parse("2333.8").unwrap().format_auto("uk"),
            "2\u{a0}333,8"
        );
    }

    #[test]
    fn bad_numbers_are_none() {
        for text in ["", "abc", "1.2.3", "1,5", "1.2345"] {
            assert_eq!(Amount::parse(text), None, "{text}");
        }
        assert_eq!(Amount::parse("-0.5"), Some(Amount(-500)));
    }

    #[test]
    fn percents() {
        assert_eq!(format_percent(23696.0 / 84667.2, "en"), "28.0%");
        assert_eq!(format_percent(0.5, "uk"), "50,0\u{a0}%");
    }
}
