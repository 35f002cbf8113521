//! The privacy report of one anonymisation run: rows in and out, suppression, the k and l
//! achieved, redactions by type and the policy used. Published as `privacy.json` and shown
//! on the dataset page; it holds counts only, never a value from the data.

use std::collections::BTreeMap;

use serde::Serialize;

use super::policy::{Level, Policy};
use super::utility::QiUtility;

/// What an anonymisation run did.
#[derive(Debug, Clone, Serialize)]
pub struct PrivacyReport {
    /// The dataset whose policy was applied.
    pub dataset: String,
    /// Raw rows read.
    pub rows_in: u64,
    /// Rows published.
    pub rows_out: u64,
    /// Rows withheld because their equivalence class stayed smaller than `k` or less diverse
    /// than `l` at the coarsest level.
    pub suppressed: u64,
    /// `suppressed` over `rows_in` (0–1).
    pub suppressed_share: f64,
    /// Published rows per generalisation level, finest first.
    pub levels: Vec<LevelCount>,
    /// Per quasi-identifier: rows per form it is published in, rows without it, and its
    /// normalised information loss (see `utility`).
    pub quasi_identifiers: BTreeMap<String, QiUtility>,
    /// The mean of the quasi-identifiers' losses: 0 = everything at its finest form,
    /// 1 = nothing published.
    pub information_loss: f64,
    pub k: Achieved,
    pub l: Achieved,
    /// Published equivalence classes (per level they were formed at).
    pub classes: u64,
    /// Values replaced in free text, by type.
    pub redactions: BTreeMap<&'static str, u64>,
    /// Raw columns never published.
    pub dropped_columns: Vec<String>,
    pub policy: Policy,
}

/// Rows published at one generalisation level.
#[derive(Debug, Clone, Serialize)]
pub struct LevelCount {
    #[serde(flatten)]
    pub level: Level,
    pub rows: u64,
}

/// A required minimum and what the published data achieves (`null`: nothing to measure).
#[derive(Debug, Clone, Serialize)]
pub struct Achieved {
    pub required: u64,
    pub achieved: Option<u64>,
}

impl std::fmt::Display for PrivacyReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let show = |a: &Achieved| a.achieved.map_or("—".to_string(), |v| v.to_string());
        writeln!(
            f,
            "{}: {} rows in, {} published, {} suppressed; k = {} (required {}), l = {} (required {}); {} redactions",
            self.dataset,
            self.rows_in,
            self.rows_out,
            self.suppressed,
            show(&self.k),
            self.k.required,
            show(&self.l),
            self.l.required,
            self.redactions.values().sum::<u64>()
        )
    }
}
