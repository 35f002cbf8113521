//! What the published table keeps of each quasi-identifier: rows per generalisation form
//! (`day`/`week`/`month`/`year`, `street`, `h3-r8`/`h3-r7`, `kept`), rows without it, rows
//! suppressed, and a normalised information loss per column and overall — ARX's
//! generalisation-intensity "loss": a row's height in its column's hierarchy over the
//! hierarchy's height (0 = the finest form, 1 = removed or suppressed), averaged over the
//! rows that had a value. Counts only; deciding levels is `kanon`'s job.

use std::collections::BTreeMap;

use serde::Serialize;

use super::policy::{Level, LocationLevel, Policy, Source};

/// One quasi-identifier's fate.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct QiUtility {
    /// Published rows per form, finest first in `forms`.
    pub rows: BTreeMap<String, u64>,
    /// The forms of this column's hierarchy, finest first (the removed form is implied).
    pub forms: Vec<String>,
    /// Published rows where the column is empty although the raw row had a value.
    pub removed: u64,
    /// Rows without a value in the raw data (not counted as a loss).
    pub missing: u64,
    /// Raw rows withheld entirely.
    pub suppressed: u64,
    /// Normalised information loss, 0–1.
    pub loss: f64,
}

/// What kind of column a quasi-identifier is.
#[derive(Debug, Clone, Copy)]
enum Kind {
    Date,
    Street,
    Cell,
    Kept,
}

/// Counts forms as rows are decided.
pub struct Counter {
    columns: Vec<(String, Kind, Vec<String>)>,
    policy_resolution: u8,
    /// Per column: rows per form index; then removed, missing.
    counts: Vec<(Vec<u64>, u64, u64)>,
    suppressed: u64,
}

fn form(kind: Kind, level: &Level, resolution: u8) -> Option<String> {
    match kind {
        Kind::Date => Some(level.time.key().to_string()),
        Kind::Street => (level.location == LocationLevel::Street).then(|| "street".to_string()),
        Kind::Cell => level.resolution(resolution).map(|r| format!("h3-r{r}")),
        Kind::Kept => Some("kept".to_string()),
    }
}

impl Counter {
    pub fn new(policy: &Policy) -> Counter {
        let sources = policy.output_columns();
        let columns: Vec<(String, Kind, Vec<String>)> = policy
            .quasi_identifiers
            .iter()
            .map(|qi| {
                let kind = match sources.iter().find(|(n, _)| n == qi).map(|(_, s)| s) {
                    Some(Source::Date(_)) => Kind::Date,
                    Some(Source::Street(_)) => Kind::Street,
                    Some(Source::Cell(..) | Source::CellLat(..) | Source::CellLon(..)) => {
                        Kind::Cell
                    }
                    _ => Kind::Kept,
                };
                let mut forms: Vec<String> = Vec::new();
                for level in &policy.hierarchy {
                    if let Some(f) = form(kind, level, policy.h3_resolution) {
                        if !forms.contains(&f) {
                            forms.push(f);
                        }
                    }
                }
                (qi.clone(), kind, forms)
            })
            .collect();
        let counts = columns
            .iter()
            .map(|(_, _, forms)| (vec![0; forms.len()], 0, 0))
            .collect();
        Counter {
            columns,
            policy_resolution: policy.h3_resolution,
            counts,
            suppressed: 0,
        }
    }

    /// One raw row: its level (`None` = suppressed) and which place values it had.
    pub fn add(&mut self, level: Option<&Level>, has_street: bool, has_cell: bool) {
        let Some(level) = level else {
            self.suppressed += 1;
            return;
        };
        for ((_, kind, forms), (rows, removed, missing)) in
            self.columns.iter().zip(self.counts.iter_mut())
        {
            let had = match kind {
                Kind::Street => has_street,
                Kind::Cell => has_cell,
                Kind::Date | Kind::Kept => true,
            };
            if !had {
                *missing += 1;
                continue;
            }
            match form(*kind, level, self.policy_resolution)
                .and_then(|f| forms.iter().position(|x| *x == f))
            {
                Some(i) => rows[i] += 1,
                None => *removed += 1,
            }
        }
    }

    /// Per column, and the overall loss (the mean of the columns').
    pub fn finish(self) -> (BTreeMap<String, QiUtility>, f64) {
        let mut out = BTreeMap::new();
        let mut total = 0.0;
        for ((name, _, forms), (rows, removed, missing)) in
            self.columns.into_iter().zip(self.counts)
        {
            let height = forms.len().max(1) as f64;
            let had = rows.iter().sum::<u64>() + removed + self.suppressed;
            let lost: f64 = rows
                .iter()
                .enumerate()
                .map(|(i, n)| i as f64 / height * *n as f64)
                .sum::<f64>()
                + (removed + self.suppressed) as f64;
            let loss = if had == 0 { 0.0 } else { lost / had as f64 };
            total += loss;
            out.insert(
                name,
                QiUtility {
                    rows: forms.iter().cloned().zip(rows).collect(),
                    forms,
                    removed,
                    missing,
                    suppressed: self.suppressed,
                    loss: (loss * 1e4).round() / 1e4,
                },
            );
        }
        let overall = if out.is_empty() {
            0.0
        } else {
            total / out.len() as f64
        };
        (out, (overall * 1e4).round() / 1e4)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::anonymise::policy::TimeLevel;

    fn policy() -> Policy {
        serde_json::from_str(
            r#"{"input": "raw", "output": "appeals", "columns": {
                "registered": {"action": "generalise", "hierarchy": "time"},
                "address": {"action": "generalise", "hierarchy": "address"},
                "lat": {"action": "generalise", "hierarchy": "latitude"},
                "lon": {"action": "generalise", "hierarchy": "longitude"},
                "district": {"action": "keep"}, "category": {"action": "keep"}},
              "quasi_identifiers": ["date", "street", "h3_cell", "district"],
              "sensitive": "category",
              "hierarchy": [{"time": "day", "location": "street"},
                            {"time": "month", "location": "cell", "h3_resolution": 7},
                            {"time": "year", "location": "district"}]}"#,
        )
        .unwrap()
    }

    #[test]
    fn loss_is_height_over_hierarchy_height() {
        let p = policy();
        let mut c = Counter::new(&p);
        c.add(Some(&p.hierarchy[0]), true, true);
        c.add(Some(&p.hierarchy[1]), true, true);
        c.add(Some(&p.hierarchy[2]), false, true);
        c.add(None, true, true);
        let (qi, overall) = c.finish();
        assert_eq!(p.hierarchy[1].time, TimeLevel::Month);
        let date = &qi["date"];
        assert_eq!(date.forms, ["day", "month", "year"]);
        assert_eq!(date.rows["day"], 1);
        // day 0, month 1/3, year 2/3, suppressed 1: (0 + 1/3 + 2/3 + 1) / 4.
        assert!((date.loss - 0.5).abs() < 1e-3, "{}", date.loss);
        let street = &qi["street"];
        assert_eq!(
            (street.rows["street"], street.removed, street.missing),
            (1, 1, 1)
        );
        assert_eq!(qi["h3_cell"].forms, ["h3-r8", "h3-r7"]);
        assert_eq!(qi["h3_cell"].rows["h3-r7"], 1);
        assert_eq!(qi["district"].loss, 0.25);
        assert!(overall > 0.0 && overall < 1.0);
    }
}
