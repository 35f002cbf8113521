//! What a pull did, for people (a table) and machines (`--json`): per resource downloaded,
//! not-modified or failed with the error, and the source documents copied.

use std::fmt;

use serde::Serialize;

use super::provenance::{DocumentRecord, ResourceRecord, Status};

/// The outcome of one resource.
#[derive(Debug, Clone, Serialize)]
pub struct Outcome {
    pub dataset: String,
    pub resource: String,
    pub url: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resolved_url: Option<String>,
    pub status: Status,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    pub http_status: Option<u16>,
    /// Size and hash of the cached original (the last good copy when this pull failed).
    pub bytes: Option<u64>,
    pub sha256: Option<String>,
    /// Rows of the cached CSV.
    pub rows: Option<usize>,
}

impl Outcome {
    pub fn of(dataset: &str, record: &ResourceRecord) -> Outcome {
        Outcome {
            dataset: dataset.to_string(),
            resource: record.resource.clone(),
            url: record.url.clone(),
            resolved_url: record.resolved_url.clone(),
            status: record.last_pull.status,
            error: record.last_pull.error.clone(),
            http_status: record.http_status,
            bytes: record.bytes,
            sha256: record.sha256.clone(),
            rows: record.mapping.as_ref().map(|m| m.rows),
        }
    }
}

/// Everything one `vidkryto pull` did.
#[derive(Debug, Clone, Serialize)]
pub struct PullSummary {
    pub resources: Vec<Outcome>,
    pub documents: Vec<DocumentRecord>,
}

impl PullSummary {
    /// The resources whose pull failed.
    pub fn failed(&self) -> impl Iterator<Item = &Outcome> {
        self.resources.iter().filter(|o| o.status == Status::Failed)
    }
}

impl fmt::Display for PullSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for d in &self.documents {
            writeln!(f, "{}  {}  {}", d.sha256, d.dataset, d.source)?;
        }
        if self.resources.is_empty() {
            return Ok(());
        }
        let name = |o: &Outcome| format!("{}/{}", o.dataset, o.resource);
        let width = self
            .resources
            .iter()
            .map(|o| name(o).chars().count())
            .max()
            .unwrap_or(0)
            .max(8);
        writeln!(
            f,
            "{:<width$}  {:<12}  {:>10}  {:>7}  {:<12}  url",
            "resource", "status", "bytes", "rows", "sha256"
        )?;
        for o in &self.resources {
            writeln!(
                f,
                "{:<width$}  {:<12}  {:>10}  {:>7}  {:<12}  {}",
                name(o),
                o.status.as_str(),
                o.bytes.map(|b| b.to_string()).unwrap_or_else(|| "—".into()),
                o.rows.map(|b| b.to_string()).unwrap_or_else(|| "—".into()),
                o.sha256
                    .as_deref()
                    .map(|s| &s[..s.len().min(12)])
                    .unwrap_or("—"),
                o.url
            )?;
        }
        let failed: Vec<&Outcome> = self.failed().collect();
        if !failed.is_empty() {
            writeln!(
                f,
                "\n{} of {} resources failed; whatever was cached for them is kept as it was:",
                failed.len(),
                self.resources.len()
            )?;
            for o in failed {
                writeln!(
                    f,
                    "  {}: {}",
                    name(o),
                    o.error.as_deref().unwrap_or("unknown error")
                )?;
            }
        }
        Ok(())
    }
}
