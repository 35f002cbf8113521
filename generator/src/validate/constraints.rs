//! Field constraints (required, minimum, maximum, exclusive bounds, minLength, maxLength,
//! pattern, enum) compiled once per field and checked per typed cell. `unique` is only
//! recorded here; finding duplicates is `keys`'.

use serde_json::Value as Json;

use super::fast::Fast;
use super::types::{self, Kind, Scalar, StrFormat, TimeFormat, Typed};
use crate::catalog::Field;

/// Why a field's constraints cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConstraintError {
    #[error("field `{field}`: constraint `{name}` must be {expected}")]
    Bad {
        field: String,
        name: String,
        expected: String,
    },
    #[error("field `{field}`: `pattern` is not a valid regular expression: {message}")]
    Pattern { field: String, message: String },
    #[error("field `{field}`: unknown constraint `{name}`; known: required, unique, minimum, maximum, exclusiveMinimum, exclusiveMaximum, minLength, maxLength, pattern, enum")]
    Unknown { field: String, name: String },
}

/// One field's constraints, ready to check.
#[derive(Debug, Clone, Default)]
pub struct Constraints {
    pub required: bool,
    pub unique: bool,
    minimum: Option<(Scalar, bool)>,
    maximum: Option<(Scalar, bool)>,
    min_length: Option<usize>,
    max_length: Option<usize>,
    pattern: Option<(regex::Regex, String)>,
    enumeration: Option<Vec<Scalar>>,
    /// The enum of a string field as plain strings: compared without the typed wrapper.
    string_enum: Option<Vec<Box<str>>>,
    /// Any value constraint at all (most fields have none: skip them at once).
    any: bool,
}

impl Constraints {
    pub fn compile(field: &Field, kind: &Kind) -> Result<Constraints, ConstraintError> {
        let bad = |name: &str, expected: &str| ConstraintError::Bad {
            field: field.name.clone(),
            name: name.to_string(),
            expected: expected.to_string(),
        };
        let mut c = Constraints::default();
        for (name, value) in &field.constraints {
            match name.as_str() {
                "required" => {
                    c.required = value.as_bool().ok_or_else(|| bad(name, "true or false"))?
                }
                "unique" => c.unique = value.as_bool().ok_or_else(|| bad(name, "true or false"))?,
                "minimum" | "maximum" | "exclusiveMinimum" | "exclusiveMaximum" => {
                    let bound = kind
                        .scalar(value)
                        .ok_or_else(|| bad(name, &types::with_article(&kind.describe())))?;
                    let exclusive = name.starts_with("exclusive");
                    if name.ends_with("inimum") {
                        c.minimum = Some((bound, exclusive));
                    } else {
                        c.maximum = Some((bound, exclusive));
                    }
                }
                "minLength" | "maxLength" => {
                    let n = value
                        .as_u64()
                        .ok_or_else(|| bad(name, "a non-negative integer"))?
                        as usize;
                    if name == "minLength" {
                        c.min_length = Some(n);
                    } else {
                        c.max_length = Some(n);
                    }
                }
                "pattern" => {
                    let text = value.as_str().ok_or_else(|| bad(name, "a string"))?;
                    let regex = regex::Regex::new(&format!("^(?:{text})$")).map_err(|e| {
                        ConstraintError::Pattern {
                            field: field.name.clone(),
                            message: e.to_string(),
                        }
                    })?;
                    c.pattern = Some((regex, text.to_string()));
                }
                "enum" => {
                    let items = value.as_array().ok_or_else(|| bad(name, "an array"))?;
                    let values = items
                        .iter()
                        .map(|v| kind.scalar(v))
                        .collect::<Option<Vec<_>>>()
                        .ok_or_else(|| {
                            bad(name, &format!("an array of {} values", kind.describe()))
                        })?;
                    c.enumeration = Some(values);
                }
                _ => {
                    return Err(ConstraintError::Unknown {
                        field: field.name.clone(),
                        name: name.clone(),
                    })
                }
            }
        }
        c.string_enum = c.enumeration.as_ref().and_then(|values| {
            values
                .iter()
                .map(|v| match v {
                    Scalar::Str(s) => Some(s.clone()),
                    _ => None,
                })
                .collect()
        });
        c.any = c.minimum.is_some()
            || c.maximum.is_some()
            || c.min_length.is_some()
            || c.max_length.is_some()
            || c.pattern.is_some()
            || c.enumeration.is_some();
        Ok(c)
    }

    /// The fast path for cells of this field (see `fast`): only for the constraint
    /// combinations it can decide exactly.
    pub fn fast(&self, kind: &Kind) -> Fast {
        let no_other =
            self.pattern.is_none() && self.min_length.is_none() && self.max_length.is_none();
        let bounds = |scalar: fn(&Scalar) -> Option<f64>| -> Option<(f64, f64)> {
            let lower = match &self.minimum {
                None => f64::NEG_INFINITY,
                Some((s, false)) => scalar(s)?,
                Some((s, true)) => scalar(s)?.next_up(),
            };
            let upper = match &self.maximum {
                None => f64::INFINITY,
                Some((s, false)) => scalar(s)?,
                Some((s, true)) => scalar(s)?.next_down(),
            };
            Some((lower, upper))
        };
        let int_bound = |bound: &Option<(Scalar, bool)>, step: i64, open: i64| match bound {
            None => Some(open),
            Some((Scalar::Int(i), false)) => Some(*i),
            Some((Scalar::Int(i), true)) => i.checked_add(step),
            Some(_) => None,
        };
        let date_bound = |bound: &Option<(Scalar, bool)>, step: i32, open: i32| match bound {
            None => Some(open),
            Some((Scalar::Date(d), false)) => Some(*d),
            Some((Scalar::Date(d), true)) => d.checked_add(step),
            Some(_) => None,
        };
        match kind {
            Kind::Integer {
                group: None,
                bare: true,
            } if no_other && self.enumeration.is_none() => {
                match (
                    int_bound(&self.minimum, 1, i64::MIN),
                    int_bound(&self.maximum, -1, i64::MAX),
                ) {
                    (Some(min), Some(max)) => Fast::Int { min, max },
                    _ => Fast::None,
                }
            }
            Kind::Number {
                decimal: '.',
                group: None,
                bare: true,
            } if no_other && self.enumeration.is_none() => {
                match bounds(|s| match s {
                    Scalar::Num(n) => Some(*n),
                    _ => None,
                }) {
                    Some((min, max)) if !min.is_nan() && !max.is_nan() => Fast::Num { min, max },
                    _ => Fast::None,
                }
            }
            Kind::Date(TimeFormat::Default) if no_other && self.enumeration.is_none() => {
                match (
                    date_bound(&self.minimum, 1, i32::MIN),
                    date_bound(&self.maximum, -1, i32::MAX),
                ) {
                    (Some(min), Some(max)) => Fast::IsoDate { min, max },
                    _ => Fast::None,
                }
            }
            Kind::String(StrFormat::Default)
                if no_other && self.minimum.is_none() && self.maximum.is_none() =>
            {
                match &self.string_enum {
                    Some(values) => Fast::enumeration(values.iter().map(|v| &**v)),
                    None if self.enumeration.is_none() => Fast::Str {
                        min_chars: 0,
                        max_chars: usize::MAX,
                    },
                    None => Fast::None,
                }
            }
            Kind::String(StrFormat::Default)
                if self.pattern.is_none()
                    && self.enumeration.is_none()
                    && self.minimum.is_none()
                    && self.maximum.is_none() =>
            {
                Fast::Str {
                    min_chars: self.min_length.unwrap_or(0),
                    max_chars: self.max_length.unwrap_or(usize::MAX),
                }
            }
            _ => Fast::None,
        }
    }

    /// The first constraint the value breaks, as a message; one root cause per cell.
    pub fn check(&self, kind: &Kind, cell: &str, value: Typed<'_>) -> Option<String> {
        if !self.any {
            return None;
        }
        if let Some(values) = &self.enumeration {
            let allowed = match (value, &self.string_enum) {
                (Typed::Str(s), Some(strings)) => strings.iter().any(|e| **e == *s),
                _ => values.iter().any(|v| v.as_typed() == value),
            };
            if !allowed {
                let shown: Vec<String> = values
                    .iter()
                    .take(12)
                    .map(|v| format!("\"{}\"", types::display(v.as_typed(), kind)))
                    .collect();
                let more = if values.len() > 12 { ", …" } else { "" };
                return Some(format!(
                    "\"{cell}\" is not one of the allowed values (enum): {}{more}",
                    shown.join(", ")
                ));
            }
        }
        if let Some((min, exclusive)) = &self.minimum {
            let min = min.as_typed();
            // NaN is not ordered against any minimum: it does not meet one.
            let below = match value.partial_cmp(&min) {
                Some(std::cmp::Ordering::Less) | None => true,
                Some(std::cmp::Ordering::Equal) => *exclusive,
                Some(std::cmp::Ordering::Greater) => false,
            };
            if below {
                return Some(format!(
                    "{} is below the {}minimum {}",
                    types::display(value, kind),
                    if *exclusive { "exclusive " } else { "" },
                    types::display(min, kind)
                ));
            }
        }
        if let Some((max, exclusive)) = &self.maximum {
            let max = max.as_typed();
            let above = match value.partial_cmp(&max) {
                Some(std::cmp::Ordering::Greater) | None => true,
                Some(std::cmp::Ordering::Equal) => *exclusive,
                Some(std::cmp::Ordering::Less) => false,
            };
            if above {
                return Some(format!(
                    "{} is above the {}maximum {}",
                    types::display(value, kind),
                    if *exclusive { "exclusive " } else { "" },
                    types::display(max, kind)
                ));
            }
        }
        // A string has at most as many characters as bytes and at least a quarter as many.
        let bytes = cell.len();
        let surely_fits = kind.is_string()
            && self.min_length.is_none_or(|min| bytes / 4 >= min)
            && self.max_length.is_none_or(|max| bytes <= max);
        if !surely_fits && (self.min_length.is_some() || self.max_length.is_some()) {
            if let Some(len) = types::length(kind, cell) {
                if let Some(min) = self.min_length.filter(|min| len < *min) {
                    return Some(format!(
                        "length {len} is below the minimum length {min} (minLength)"
                    ));
                }
                if let Some(max) = self.max_length.filter(|max| len > *max) {
                    return Some(format!(
                        "length {len} is above the maximum length {max} (maxLength)"
                    ));
                }
            }
        }
        if let Some((regex, text)) = &self.pattern {
            if !regex.is_match(cell) {
                return Some(format!("\"{cell}\" does not match the pattern `{text}`"));
            }
        }
        None
    }
}

/// Reads `missingValues` (default: the empty string).
pub fn missing_values(values: Option<&Vec<String>>) -> Vec<String> {
    values.cloned().unwrap_or_else(|| vec![String::new()])
}

/// A check's or constraint's JSON value shown in messages.
pub fn show(value: &Json) -> String {
    match value {
        Json::String(s) => s.clone(),
        other => other.to_string(),
    }
}
