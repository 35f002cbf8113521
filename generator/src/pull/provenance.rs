//! `build/raw/<dataset>/provenance.json`: where each cached file came from, when, its hash,
//! the mapping applied and whether the last pull succeeded — and the build's side of the
//! cache: pointing pulled resources at their cached CSV and putting their provenance in the
//! package's `sources`. Fetching is `fetch`'s job.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

use super::map::Applied;
use super::spec::PullSpec;
use crate::catalog::{Package, Source};

/// The provenance of one dataset's cache.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct DatasetProvenance {
    pub dataset: String,
    /// Source documents copied from `sources` of `vidkryto.toml`.
    #[serde(default)]
    pub documents: Vec<DocumentRecord>,
    /// Resources pulled by their `pull` object.
    #[serde(default)]
    pub resources: Vec<ResourceRecord>,
}

/// Where one cached source document came from.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DocumentRecord {
    pub dataset: String,
    /// The source as configured.
    pub source: String,
    /// The cached copy.
    pub cached: PathBuf,
    pub sha256: String,
    pub bytes: u64,
    /// When it was pulled (RFC 3339).
    pub pulled_at: String,
}

/// The outcome of the last pull of a resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    Downloaded,
    NotModified,
    Failed,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Downloaded => "downloaded",
            Status::NotModified => "not-modified",
            Status::Failed => "failed",
        }
    }
}

/// The last attempt, successful or not.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LastPull {
    pub status: Status,
    /// When it ran (RFC 3339).
    pub at: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// One pulled resource: the cached copy's origin (unchanged by a failed pull, which only
/// updates `last_pull`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ResourceRecord {
    pub resource: String,
    /// `pull.url` as written.
    pub url: String,
    /// The download URL a CKAN portal's `package_show` gave.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resolved_url: Option<String>,
    /// When the cached bytes were retrieved (RFC 3339); `None` until one pull succeeds.
    #[serde(default)]
    pub retrieved_at: Option<String>,
    /// HTTP status of the last answer (`None` for local files).
    #[serde(default)]
    pub http_status: Option<u16>,
    #[serde(default)]
    pub etag: Option<String>,
    #[serde(default)]
    pub last_modified: Option<String>,
    /// SHA-256 of the original bytes as retrieved.
    #[serde(default)]
    pub sha256: Option<String>,
    #[serde(default)]
    pub bytes: Option<u64>,
    /// The source's CSV encoding (declared or detected).
    #[serde(default)]
    pub encoding: Option<String>,
    /// `csv`, `xlsx`, `ods` or `json`.
    #[serde(default)]
    pub format: Option<String>,
    /// The `pull` object the cached CSV was mapped with.
    #[serde(default)]
    pub pull: Option<PullSpec>,
    /// What the mapping did.
    #[serde(default)]
    pub mapping: Option<Applied>,
    /// The cached original, in this folder.
    #[serde(default)]
    pub original: Option<String>,
    /// The mapped CSV, in this folder.
    #[serde(default)]
    pub csv: Option<String>,
    #[serde(default)]
    pub csv_sha256: Option<String>,
    pub last_pull: LastPull,
}

pub const FILE: &str = "provenance.json";

/// The cached CSV of a pulled resource.
pub fn cached_csv(dir: &Path, resource: &str) -> PathBuf {
    dir.join(format!("{resource}.csv"))
}

impl DatasetProvenance {
    /// Reads `dir/provenance.json`; a missing or older-format file is an empty record.
    pub fn load(dir: &Path) -> DatasetProvenance {
        std::fs::read(dir.join(FILE))
            .ok()
            .and_then(|bytes| serde_json::from_slice(&bytes).ok())
            .unwrap_or_default()
    }

    pub fn resource(&self, name: &str) -> Option<&ResourceRecord> {
        self.resources.iter().find(|r| r.resource == name)
    }
}

/// Points every resource of `package` that has a `pull` at its cached CSV in `raw_dir`
/// (`build/raw/<dataset>/`; `Resource::cached`, which `Package::resource_path` and
/// `publish` read), and adds each one's provenance to the package's `sources`,
/// as do the cached source documents whose file the package's sources name. The build
/// never fetches: a pulled resource with no cached copy is an error saying to pull.
pub fn use_cache(raw_dir: &Path, package: &mut Package) -> anyhow::Result<()> {
    let provenance = DatasetProvenance::load(raw_dir);
    let mut added = Vec::new();
    for resource in &mut package.resources {
        let Some(spec) = PullSpec::of(resource).map_err(anyhow::Error::msg)? else {
            continue;
        };
        let cached = cached_csv(raw_dir, &resource.name);
        if !cached.is_file() {
            anyhow::bail!(
                "resource `{}` is pulled from `{}` and has no cached copy (`{}`); run `vidkryto pull {}` first (the build never fetches)",
                resource.name,
                spec.url,
                cached.display(),
                package.name
            );
        }
        resource.cached = Some(cached);
        if let Some(record) = provenance.resource(&resource.name) {
            let title = if resource.title.is_empty() {
                resource.name.clone()
            } else {
                resource.title.clone()
            };
            added.push(Source {
                title,
                path: Some(
                    record
                        .resolved_url
                        .clone()
                        .unwrap_or_else(|| record.url.clone()),
                ),
                section: None,
                extra: source_extra(record),
            });
        }
    }
    for source in &mut package.sources {
        let Some(name) = source
            .path
            .as_deref()
            .and_then(|p| Path::new(p).file_name())
        else {
            continue;
        };
        if let Some(doc) = provenance
            .documents
            .iter()
            .find(|d| d.cached.file_name() == Some(name))
        {
            source.extra.insert(
                "provenance".into(),
                json!({
                    "url": doc.source,
                    "retrieved_at": doc.pulled_at,
                    "sha256": doc.sha256,
                    "bytes": doc.bytes,
                    "last_pull": "succeeded",
                }),
            );
        }
    }
    package.sources.extend(added);
    Ok(())
}

/// The `provenance` of a published source, as dataset pages show it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SourceProvenance {
    /// Where it came from (`pull.url`, or the document's configured source).
    pub url: String,
    /// The download URL a CKAN portal gave.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resolved_url: Option<String>,
    /// When the cached copy was retrieved (RFC 3339).
    #[serde(default)]
    pub retrieved_at: Option<String>,
    /// SHA-256 of the bytes retrieved.
    #[serde(default)]
    pub sha256: Option<String>,
    /// `succeeded` or `failed` (then the page shows the last good copy and the error).
    pub last_pull: String,
    /// Why the last pull failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl SourceProvenance {
    /// The provenance [`use_cache`] put in a package source, if any.
    pub fn of(source: &Source) -> Option<SourceProvenance> {
        serde_json::from_value(source.extra.get("provenance")?.clone()).ok()
    }
}

/// A pulled resource's entry in the published `sources`: the resource it feeds and its
/// provenance, in the shape dataset pages read (`site::content`).
fn source_extra(record: &ResourceRecord) -> Map<String, Value> {
    let mut provenance = json!({
        "url": record.url,
        "retrieved_at": record.retrieved_at,
        "sha256": record.sha256,
        "bytes": record.bytes,
        "http_status": record.http_status,
        "last_pull": if record.last_pull.status == Status::Failed { "failed" } else { "succeeded" },
        "last_pull_at": record.last_pull.at,
    });
    if let Some(resolved) = &record.resolved_url {
        provenance["resolved_url"] = json!(resolved);
    }
    if let Some(error) = &record.last_pull.error {
        provenance["error"] = json!(error);
    }
    let mut extra = Map::new();
    extra.insert("resource".into(), json!(record.resource));
    extra.insert("provenance".into(), provenance);
    extra
}
