//! The declarative privacy policy of a dataset (the `privacy` key of its `datapackage.json`):
//! what happens to each raw column, the generalisation hierarchy, the quasi-identifiers, the
//! sensitive attribute, `k` and `l`. It parses and checks the policy against the package;
//! applying it is `engine`'s job.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::catalog::Package;

use super::AnonymiseError;

/// A dataset's privacy policy.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Policy {
    /// The private resource of the package holding the raw input (its `path` is the file).
    pub input: String,
    /// The published resource the anonymised rows become; its schema's fields are the
    /// output columns, in order.
    pub output: String,
    /// What happens to each raw column. Every raw column must have a rule.
    pub columns: BTreeMap<String, ColumnRule>,
    /// Output columns an attacker may know from elsewhere (date, place, channel, …).
    pub quasi_identifiers: Vec<String>,
    /// The output column that must stay diverse inside each equivalence class.
    pub sensitive: String,
    /// Values of the sensitive column (e.g. domestic conflicts) whose rows are never
    /// published finer than `sensitive_level`.
    #[serde(default)]
    pub sensitive_values: Vec<String>,
    /// The finest level (index into `hierarchy`) rows with a sensitive value may keep; the
    /// coarsest level when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sensitive_level: Option<usize>,
    /// The share of rows (0–1) that may be suppressed to keep the others finer: a rare
    /// combination left over when its neighbours are published at a finer level is withheld
    /// rather than pulling those neighbours up, while the budget lasts. Rows whose class
    /// fails even at the coarsest level are suppressed whatever the limit.
    #[serde(default = "default_suppression_limit")]
    pub suppression_limit: f64,
    /// Minimum equivalence class size.
    #[serde(default = "default_k")]
    pub k: usize,
    /// Minimum number of distinct sensitive values per equivalence class.
    #[serde(default = "default_l")]
    pub l: usize,
    /// Generalisation levels, finest first, each no finer than the one before in time and
    /// place (so every class of a level lies inside one class of the next). Each equivalence
    /// class is published at the finest level at which it, and what its parent class keeps
    /// back, stay k-anonymous and l-diverse (local recoding, top-down); a class failing at
    /// the last level is suppressed.
    #[serde(default = "default_hierarchy")]
    pub hierarchy: Vec<Level>,
    /// H3 resolution of published cells (0–15; 8 ≈ 0.7 km²).
    #[serde(default = "default_resolution")]
    pub h3_resolution: u8,
    /// Coordinates outside this box are errors (a mistyped coordinate is not a place).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bounds: Option<Bounds>,
}

/// What happens to one raw column.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "kebab-case", deny_unknown_fields)]
pub enum ColumnRule {
    /// Never published (direct identifiers, internal fields).
    Drop,
    /// Published as is, under its own name or `to`.
    Keep {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        to: Option<String>,
    },
    /// Replaced by an opaque identifier in the output column `id`.
    Opaque,
    /// Generalised along a hierarchy.
    Generalise { hierarchy: Hierarchy },
    /// Free text with personal data replaced by typed placeholders.
    RedactText,
}

/// The generalisation hierarchies a column can follow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Hierarchy {
    /// A date or date-time → `date` (day / week start / month start) and `year`.
    Time,
    /// A full address → `street` (house and apartment dropped), or nothing.
    Address,
    /// Latitude; with `longitude` → `h3_cell`, `lat`, `lon` (the cell centre), or nothing.
    Latitude,
    Longitude,
}

/// One generalisation level.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Level {
    pub time: TimeLevel,
    pub location: LocationLevel,
    /// The H3 resolution of the cell at this level (`street` and `cell` levels); the
    /// policy's `h3_resolution` when absent. At most the policy's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub h3_resolution: Option<u8>,
}

impl Level {
    /// The cell resolution of this level under `policy` (`None`: no cell is published).
    pub fn resolution(&self, policy_resolution: u8) -> Option<u8> {
        (self.location != LocationLevel::District)
            .then(|| self.h3_resolution.unwrap_or(policy_resolution))
    }
}

/// Time levels, finest first. A week is cut at month ends (it starts on its Monday or on
/// the first of the month), so every week lies inside one month.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum TimeLevel {
    Day,
    Week,
    Month,
    Year,
}

impl TimeLevel {
    pub fn key(self) -> &'static str {
        match self {
            TimeLevel::Day => "day",
            TimeLevel::Week => "week",
            TimeLevel::Month => "month",
            TimeLevel::Year => "year",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum LocationLevel {
    /// Street name and H3 cell.
    Street,
    /// H3 cell only.
    Cell,
    /// Neither: only the district column (if kept) says where.
    District,
}

/// A latitude/longitude box.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Bounds {
    pub min_lat: f64,
    pub max_lat: f64,
    pub min_lon: f64,
    pub max_lon: f64,
}

impl Bounds {
    pub fn contains(&self, lat: f64, lon: f64) -> bool {
        (self.min_lat..=self.max_lat).contains(&lat) && (self.min_lon..=self.max_lon).contains(&lon)
    }
}

fn default_k() -> usize {
    5
}

fn default_l() -> usize {
    2
}

fn default_resolution() -> u8 {
    8
}

fn default_suppression_limit() -> f64 {
    0.01
}

fn default_hierarchy() -> Vec<Level> {
    vec![
        Level {
            time: TimeLevel::Day,
            location: LocationLevel::Street,
            h3_resolution: None,
        },
        Level {
            time: TimeLevel::Month,
            location: LocationLevel::District,
            h3_resolution: None,
        },
    ]
}

impl Policy {
    /// The policy of `package`, if it has one (the `privacy` key).
    pub fn of(package: &Package) -> Result<Option<Policy>, AnonymiseError> {
        let Some(value) = package.extra.get("privacy") else {
            return Ok(None);
        };
        let file = package.dir.join("datapackage.json");
        let policy: Policy =
            serde_json::from_value(value.clone()).map_err(|e| AnonymiseError::Policy {
                file: file.clone(),
                message: e.to_string(),
            })?;
        policy
            .check()
            .map_err(|message| AnonymiseError::Policy { file, message })?;
        Ok(Some(policy))
    }

    /// Checks what serde cannot: values in range and columns that exist.
    fn check(&self) -> Result<(), String> {
        if self.k == 0 || self.l == 0 {
            return Err("`k` and `l` must be at least 1".into());
        }
        if self.hierarchy.is_empty() {
            return Err("`hierarchy` needs at least one level".into());
        }
        if self.hierarchy.len() > 8 {
            return Err("`hierarchy` has more than 8 levels".into());
        }
        if h3o::Resolution::try_from(self.h3_resolution).is_err() {
            return Err(format!(
                "`h3_resolution` {} is not an H3 resolution; use 0–15 (8 ≈ 0.7 km²)",
                self.h3_resolution
            ));
        }
        if !(0.0..=1.0).contains(&self.suppression_limit) {
            return Err(format!(
                "`suppression_limit` {} is not a share; use 0–1 (0.01 = 1 % of rows)",
                self.suppression_limit
            ));
        }
        if let Some(level) = self.sensitive_level {
            if level >= self.hierarchy.len() {
                return Err(format!(
                    "`sensitive_level` {level} is not a level of `hierarchy` (0–{})",
                    self.hierarchy.len() - 1
                ));
            }
        }
        for (i, pair) in self.hierarchy.windows(2).enumerate() {
            let (a, b) = (pair[0], pair[1]);
            let res = |l: &Level| l.resolution(self.h3_resolution).map_or(-1, i32::from);
            if b.time < a.time || b.location < a.location || res(&b) > res(&a) {
                return Err(format!(
                    "`hierarchy` level {} is finer than level {i} in time or place; each level must be at least as coarse as the one before",
                    i + 1
                ));
            }
        }
        if let Some(r) = self
            .hierarchy
            .iter()
            .filter_map(|l| l.h3_resolution)
            .find(|r| *r > self.h3_resolution)
        {
            return Err(format!(
                "a `hierarchy` level asks for H3 resolution {r}, finer than the policy's `h3_resolution` {}",
                self.h3_resolution
            ));
        }
        let hierarchies: Vec<Hierarchy> = self
            .columns
            .values()
            .filter_map(|r| match r {
                ColumnRule::Generalise { hierarchy } => Some(*hierarchy),
                _ => None,
            })
            .collect();
        for h in [
            Hierarchy::Time,
            Hierarchy::Address,
            Hierarchy::Latitude,
            Hierarchy::Longitude,
        ] {
            if hierarchies.iter().filter(|x| **x == h).count() > 1 {
                return Err(format!(
                    "two columns follow the `{h:?}` hierarchy; keep one"
                ));
            }
        }
        let has_lat = hierarchies.contains(&Hierarchy::Latitude);
        if has_lat != hierarchies.contains(&Hierarchy::Longitude) {
            return Err("`latitude` and `longitude` hierarchies come as a pair".into());
        }
        if self
            .columns
            .values()
            .filter(|r| **r == ColumnRule::Opaque)
            .count()
            > 1
        {
            return Err("only one column can be `opaque` (it becomes `id`)".into());
        }
        let outputs = self.output_columns();
        for qi in &self.quasi_identifiers {
            match outputs.iter().find(|(name, _)| name == qi) {
                None => {
                    return Err(format!(
                        "quasi-identifier `{qi}` is not an output column of the policy"
                    ))
                }
                Some((_, Source::Redacted(_))) | Some((_, Source::Id(_))) => {
                    return Err(format!(
                        "quasi-identifier `{qi}` is free text or an id; name generalised or kept columns"
                    ))
                }
                Some(_) => {}
            }
        }
        if !outputs.iter().any(|(name, _)| *name == self.sensitive) {
            return Err(format!(
                "sensitive attribute `{}` is not an output column of the policy",
                self.sensitive
            ));
        }
        Ok(())
    }

    /// Every output column the policy can produce, with the raw column(s) it comes from.
    pub fn output_columns(&self) -> Vec<(String, Source)> {
        let mut out = Vec::new();
        let lat = self.hierarchy_column(Hierarchy::Latitude);
        let lon = self.hierarchy_column(Hierarchy::Longitude);
        for (raw, rule) in &self.columns {
            match rule {
                ColumnRule::Drop => {}
                ColumnRule::Keep { to } => out.push((
                    to.clone().unwrap_or_else(|| raw.clone()),
                    Source::Kept(raw.clone()),
                )),
                ColumnRule::Opaque => out.push(("id".into(), Source::Id(raw.clone()))),
                ColumnRule::RedactText => out.push((raw.clone(), Source::Redacted(raw.clone()))),
                ColumnRule::Generalise { hierarchy } => match hierarchy {
                    Hierarchy::Time => {
                        out.push(("date".into(), Source::Date(raw.clone())));
                        out.push(("year".into(), Source::Year(raw.clone())));
                    }
                    Hierarchy::Address => out.push(("street".into(), Source::Street(raw.clone()))),
                    Hierarchy::Latitude => {
                        if let (Some(lat), Some(lon)) = (&lat, &lon) {
                            out.push(("h3_cell".into(), Source::Cell(lat.clone(), lon.clone())));
                            out.push(("lat".into(), Source::CellLat(lat.clone(), lon.clone())));
                            out.push(("lon".into(), Source::CellLon(lat.clone(), lon.clone())));
                        }
                    }
                    Hierarchy::Longitude => {}
                },
            }
        }
        out
    }

    /// The raw column following `hierarchy`, if any.
    pub fn hierarchy_column(&self, hierarchy: Hierarchy) -> Option<String> {
        self.columns.iter().find_map(|(raw, rule)| match rule {
            ColumnRule::Generalise { hierarchy: h } if *h == hierarchy => Some(raw.clone()),
            _ => None,
        })
    }
}

/// Where an output column's value comes from (raw column names).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    Id(String),
    Kept(String),
    Redacted(String),
    Date(String),
    Year(String),
    Street(String),
    Cell(String, String),
    CellLat(String, String),
    CellLon(String, String),
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(extra: &str) -> Result<Policy, String> {
        policy_with("date", extra)
    }

    fn policy_with(first_qi: &str, extra: &str) -> Result<Policy, String> {
        let json = format!(
            r#"{{"input": "raw", "output": "appeals", "columns": {{
                "number": {{"action": "opaque"}},
                "registered": {{"action": "generalise", "hierarchy": "time"}},
                "district": {{"action": "keep"}},
                "category": {{"action": "keep"}},
                "text": {{"action": "redact-text"}},
                "phone": {{"action": "drop"}}
            }}, "quasi_identifiers": ["{first_qi}", "district"], "sensitive": "category"{extra}}}"#
        );
        let p: Policy = serde_json::from_str(&json).map_err(|e| e.to_string())?;
        p.check()?;
        Ok(p)
    }

    #[test]
    fn defaults_are_k5_l2_day_then_month() {
        let p = policy("").unwrap();
        assert_eq!((p.k, p.l, p.h3_resolution), (5, 2, 8));
        assert_eq!(p.hierarchy[0].time, TimeLevel::Day);
        assert_eq!(p.hierarchy[1].location, LocationLevel::District);
    }

    #[test]
    fn unknown_hierarchy_level_is_named() {
        let err =
            policy(r#", "hierarchy": [{"time": "fortnight", "location": "street"}]"#).unwrap_err();
        assert!(err.contains("fortnight"), "{err}");
    }

    #[test]
    fn free_text_cannot_be_a_quasi_identifier() {
        let err = policy_with("text", "").unwrap_err();
        assert!(err.contains("`text` is free text"), "{err}");
    }

    #[test]
    fn a_level_finer_than_the_one_before_is_named() {
        let err = policy(
            r#", "hierarchy": [{"time": "month", "location": "cell"}, {"time": "week", "location": "district"}]"#,
        )
        .unwrap_err();
        assert!(err.contains("level 1 is finer than level 0"), "{err}");
        let err = policy(
            r#", "hierarchy": [{"time": "week", "location": "cell", "h3_resolution": 7}, {"time": "month", "location": "cell"}]"#,
        )
        .unwrap_err();
        assert!(err.contains("level 1 is finer"), "{err}");
        assert!(policy(
            r#", "hierarchy": [{"time": "week", "location": "cell"}, {"time": "month", "location": "cell", "h3_resolution": 7}, {"time": "year", "location": "district"}]"#,
        )
        .is_ok());
        let err = policy(r#", "suppression_limit": 2"#).unwrap_err();
        assert!(err.contains("`suppression_limit` 2"), "{err}");
    }

    #[test]
    fn bad_resolution_is_rejected() {
        let err = policy(r#", "h3_resolution": 16"#).unwrap_err();
        assert!(err.contains("H3 resolution"), "{err}");
    }
}
