//! The pull stage: fills the raw cache `build/raw/<dataset>/`. It copies each dataset's
//! source documents (`sources` of `vidkryto.toml`) and pulls every resource that has a
//! `pull` object (HTTP, CKAN, local files; CSV, XLSX, ODS, JSON), maps it onto the resource's
//! Table Schema, checks the result with the validation stage and only then replaces the
//! cached copy; `provenance.json` records where everything came from. It never touches
//! `public/`; the build reads the cache through [`use_cache`].

pub mod fetch;
mod map;
pub mod provenance;
pub mod spec;
mod summary;
mod table;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use anyhow::{bail, Context};
use sha2::{Digest, Sha256};
use vidkryto_search::output::write_atomic;

use crate::catalog::{Package, Resource};
use crate::config::Config;
pub use fetch::FetchOptions;
use fetch::{Fetched, Fetcher, Validators};
pub use provenance::{use_cache, DatasetProvenance, DocumentRecord, ResourceRecord, Status};
pub use spec::{Location, PullSpec, SourceFormat};
pub use summary::{Outcome, PullSummary};

/// How to pull.
#[derive(Debug, Clone)]
pub struct PullOptions {
    pub fetch: FetchOptions,
    /// Sources fetched at once (at least 1).
    pub jobs: usize,
    /// Draw progress bars on stderr (indicatif hides them when stderr is not a terminal).
    pub progress: bool,
}

impl Default for PullOptions {
    fn default() -> PullOptions {
        PullOptions {
            fetch: FetchOptions::default(),
            jobs: 4,
            progress: false,
        }
    }
}

/// One resource to pull.
struct Job<'a> {
    dataset: &'a str,
    package: &'a Package,
    resource: &'a Resource,
    spec: PullSpec,
    dir: PathBuf,
    previous: Option<ResourceRecord>,
}

/// Pulls the named datasets (all when `names` is empty). Failures of single resources are
/// in the summary (`PullSummary::failed`); errors are for what stops the whole pull (an
/// unknown dataset, a package that does not load, an unreadable source document).
pub fn pull(
    config: &Config,
    names: &[String],
    options: &PullOptions,
) -> anyhow::Result<PullSummary> {
    for name in names {
        if config.dataset(name).is_none() {
            bail!(
                "dataset `{name}` is not in the configuration; configured: {}",
                config
                    .datasets
                    .iter()
                    .map(|d| d.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            );
        }
    }
    let raw_root = config.build_dir().join("raw");
    let entries: Vec<_> = config
        .datasets
        .iter()
        .filter(|e| names.is_empty() || names.contains(&e.name))
        .collect();
    let mut packages = Vec::new();
    let mut documents = Vec::new();
    for entry in &entries {
        let dir = raw_root.join(&entry.name);
        let mut records = Vec::new();
        for source in &entry.sources {
            let record = pull_document(config, &entry.name, source, &dir)
                .with_context(|| format!("dataset `{}`: source `{source}`", entry.name))?;
            records.push(record);
        }
        documents.push(records);
        let package_dir = config.dataset_dir(entry);
        // A dataset folder without a package yet (only documents to pull) is not an error here.
        let package = if package_dir.join("datapackage.json").is_file() {
            Some(Package::load(&package_dir).with_context(|| format!("dataset `{}`", entry.name))?)
        } else {
            None
        };
        packages.push(package);
    }
    let previous: Vec<DatasetProvenance> = entries
        .iter()
        .map(|e| DatasetProvenance::load(&raw_root.join(&e.name)))
        .collect();
    let mut jobs = Vec::new();
    for ((entry, package), previous) in entries.iter().zip(&packages).zip(&previous) {
        let Some(package) = package else { continue };
        for resource in &package.resources {
            let spec = PullSpec::of(resource)
                .map_err(anyhow::Error::msg)
                .with_context(|| format!("dataset `{}`", entry.name))?;
            let Some(spec) = spec else { continue };
            jobs.push(Job {
                dataset: &entry.name,
                package,
                resource,
                spec,
                dir: raw_root.join(&entry.name),
                previous: previous.resource(&resource.name).cloned(),
            });
        }
    }
    let records = run_jobs(&jobs, options);
    let mut outcomes = Vec::new();
    for (i, entry) in entries.iter().enumerate() {
        let mut provenance = DatasetProvenance {
            dataset: entry.name.clone(),
            documents: documents[i].clone(),
            resources: Vec::new(),
        };
        for (job, record) in jobs.iter().zip(&records) {
            if job.dataset == entry.name {
                outcomes.push(Outcome::of(job.dataset, record));
                provenance.resources.push(record.clone());
            }
        }
        // Records of resources not pulled this time (another NAME list) are kept.
        for old in &previous[i].resources {
            if provenance.resource(&old.resource).is_none()
                && packages[i]
                    .as_ref()
                    .and_then(|p| p.resource(&old.resource))
                    .is_some_and(|r| r.pull.is_some())
            {
                provenance.resources.push(old.clone());
            }
        }
        if provenance.documents.is_empty() && provenance.resources.is_empty() {
            continue;
        }
        let dir = raw_root.join(&entry.name);
        let file = dir.join(provenance::FILE);
        write_atomic(&file, &serde_json::to_vec_pretty(&provenance)?)
            .with_context(|| format!("cannot write `{}`", file.display()))?;
    }
    Ok(PullSummary {
        documents: documents.into_iter().flatten().collect(),
        resources: outcomes,
    })
}

/// Runs the jobs on up to `options.jobs` threads; results in job order.
fn run_jobs(jobs: &[Job<'_>], options: &PullOptions) -> Vec<ResourceRecord> {
    let fetcher = Fetcher::new(options.fetch.clone());
    let bars = indicatif::MultiProgress::new();
    if !options.progress {
        bars.set_draw_target(indicatif::ProgressDrawTarget::hidden());
    }
    let next = AtomicUsize::new(0);
    let done: Mutex<Vec<(usize, ResourceRecord)>> = Mutex::new(Vec::new());
    let threads = options.jobs.clamp(1, jobs.len().max(1));
    std::thread::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(job) = jobs.get(i) else { break };
                let bar = bars.add(progress_bar(job));
                let record = pull_resource(&fetcher, job, &bar);
                bar.finish_and_clear();
                if let Ok(mut done) = done.lock() {
                    done.push((i, record));
                }
            });
        }
    });
    let mut done = done.into_inner().unwrap_or_default();
    done.sort_by_key(|(i, _)| *i);
    done.into_iter().map(|(_, r)| r).collect()
}

fn progress_bar(job: &Job<'_>) -> indicatif::ProgressBar {
    let bar = indicatif::ProgressBar::new(0);
    let style = indicatif::ProgressStyle::with_template(&format!(
        "{{spinner}} {}/{}: {{msg}} {{bytes}}/{{total_bytes}} ({{bytes_per_sec}})",
        job.dataset, job.resource.name
    ))
    .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar());
    bar.set_style(style);
    bar.set_message("fetching");
    bar
}

fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// Pulls one resource; a failure keeps the previous record's cached-copy fields and says
/// why in `last_pull`.
fn pull_resource(fetcher: &Fetcher, job: &Job<'_>, bar: &indicatif::ProgressBar) -> ResourceRecord {
    match try_pull(fetcher, job, bar) {
        Ok(record) => record,
        Err(error) => {
            let mut record = job.previous.clone().unwrap_or_else(|| empty_record(job));
            record.url = job.spec.url.clone();
            record.last_pull = provenance::LastPull {
                status: Status::Failed,
                at: now(),
                error: Some(format!("{error:#}")),
            };
            record
        }
    }
}

fn empty_record(job: &Job<'_>) -> ResourceRecord {
    ResourceRecord {
        resource: job.resource.name.clone(),
        url: job.spec.url.clone(),
        resolved_url: None,
        retrieved_at: None,
        http_status: None,
        etag: None,
        last_modified: None,
        sha256: None,
        bytes: None,
        encoding: None,
        format: None,
        pull: None,
        mapping: None,
        original: None,
        csv: None,
        csv_sha256: None,
        last_pull: provenance::LastPull {
            status: Status::Failed,
            at: now(),
            error: None,
        },
    }
}

fn try_pull(
    fetcher: &Fetcher,
    job: &Job<'_>,
    bar: &indicatif::ProgressBar,
) -> anyhow::Result<ResourceRecord> {
    let name = &job.resource.name;
    if name.is_empty() || name.contains(['/', '\\']) || name.starts_with('.') {
        bail!("resource name `{name}` cannot name a cache file; use letters, digits, `-` and `_`");
    }
    job.spec.check().map_err(anyhow::Error::msg)?;
    let schema = job
        .resource
        .schema
        .as_ref()
        .context("the resource has no `schema` to map onto")?;
    let mut location = job
        .spec
        .location(&job.package.dir)
        .map_err(anyhow::Error::msg)?;
    let mut resolved_url = None;
    let mut format = job.spec.format;
    if let Location::Ckan {
        base,
        dataset,
        resource,
    } = &location
    {
        bar.set_message("asking CKAN");
        let resolved = fetcher.resolve_ckan(base, dataset, resource)?;
        format = format.or(resolved.format);
        resolved_url = Some(resolved.url.clone());
        location = Location::Http(resolved.url);
    }
    let format = format
        .or_else(|| {
            let target = match &location {
                Location::Http(url) => url.split(['?', '#']).next().unwrap_or_default().to_string(),
                Location::File(path) => path.display().to_string(),
                Location::Ckan { .. } => String::new(),
            };
            target
                .rsplit_once('.')
                .and_then(|(_, ext)| SourceFormat::from_label(ext))
        })
        .unwrap_or(SourceFormat::Csv);
    job.spec.check_format(format).map_err(anyhow::Error::msg)?;
    let original = job
        .dir
        .join(format!("{name}.source.{}", format.extension()));
    let csv = provenance::cached_csv(&job.dir, name);
    // Conditional only when the cache still holds what the record describes.
    let previous = job
        .previous
        .as_ref()
        .filter(|p| p.sha256.is_some() && original.is_file() && csv.is_file());
    let validators = previous
        .map(|p| Validators {
            etag: p.etag.clone(),
            last_modified: p.last_modified.clone(),
            sha256: p.sha256.clone(),
        })
        .unwrap_or_default();
    bar.set_message("fetching");
    let progress = |done: u64, total: Option<u64>| {
        if let Some(total) = total {
            bar.set_length(total);
        }
        bar.set_position(done);
    };
    let fetched = fetcher.fetch(&location, &validators, &job.dir, Some(&progress))?;
    let url = job.spec.url.clone();
    match (fetched, previous) {
        (Fetched::NotModified { http_status }, Some(previous)) => {
            let mut record = previous.clone();
            if record.pull.as_ref() != Some(&job.spec) {
                // The mapping changed: map the cached original again.
                let bytes = std::fs::read(&original)
                    .with_context(|| format!("cannot read `{}`", original.display()))?;
                let (mapped, applied, encoding) = map_checked(&bytes, format, job, schema)?;
                write_atomic(&csv, &mapped)
                    .with_context(|| format!("cannot write `{}`", csv.display()))?;
                record.mapping = Some(applied);
                record.encoding = encoding;
                record.csv_sha256 = Some(hex(&Sha256::digest(&mapped)));
                record.pull = Some(job.spec.clone());
            }
            record.url = url;
            record.resolved_url = resolved_url;
            record.http_status = http_status.or(record.http_status);
            record.last_pull = provenance::LastPull {
                status: Status::NotModified,
                at: now(),
                error: None,
            };
            Ok(record)
        }
        (Fetched::NotModified { .. }, None) => {
            bail!("the server answered 304 Not Modified to a request that had no cached copy")
        }
        // The same bytes again (a server without ETag or Last-Modified): nothing to replace.
        (Fetched::Body(body), Some(previous))
            if previous.sha256.as_deref() == Some(body.sha256.as_str())
                && previous.pull.as_ref() == Some(&job.spec) =>
        {
            let mut record = previous.clone();
            record.url = url;
            record.resolved_url = resolved_url;
            record.http_status = body.http_status;
            record.etag = body.etag;
            record.last_modified = body.last_modified;
            record.last_pull = provenance::LastPull {
                status: Status::NotModified,
                at: now(),
                error: None,
            };
            Ok(record)
        }
        (Fetched::Body(body), _) => {
            bar.set_message("mapping");
            let bytes = std::fs::read(body.file.path())
                .with_context(|| format!("cannot read `{}`", body.file.path().display()))?;
            refuse_html(&bytes, body.content_type.as_deref(), format)?;
            let (mapped, applied, encoding) = map_checked(&bytes, format, job, schema)?;
            let mut mapped_file = fetch::cache_file_builder(".csv.part")
                .tempfile_in(&job.dir)
                .with_context(|| {
                    format!("cannot create a temporary file in `{}`", job.dir.display())
                })?;
            std::io::Write::write_all(&mut mapped_file, &mapped)
                .with_context(|| format!("cannot write `{}`", mapped_file.path().display()))?;
            // Checked: now the new copy may replace the last good one.
            body.file
                .persist(&original)
                .with_context(|| format!("cannot write `{}`", original.display()))?;
            mapped_file
                .persist(&csv)
                .with_context(|| format!("cannot write `{}`", csv.display()))?;
            let at = now();
            Ok(ResourceRecord {
                resource: name.clone(),
                url,
                resolved_url,
                retrieved_at: Some(at.clone()),
                http_status: body.http_status,
                etag: body.etag,
                last_modified: body.last_modified,
                sha256: Some(body.sha256),
                bytes: Some(body.bytes),
                encoding,
                format: Some(format.extension().to_string()),
                pull: Some(job.spec.clone()),
                mapping: Some(applied),
                original: original
                    .file_name()
                    .map(|f| f.to_string_lossy().into_owned()),
                csv: csv.file_name().map(|f| f.to_string_lossy().into_owned()),
                csv_sha256: Some(hex(&Sha256::digest(&mapped))),
                last_pull: provenance::LastPull {
                    status: Status::Downloaded,
                    at,
                    error: None,
                },
            })
        }
    }
}

/// Reads, maps and validates; the mapped CSV only when the validation stage finds it valid.
fn map_checked(
    bytes: &[u8],
    format: SourceFormat,
    job: &Job<'_>,
    schema: &crate::catalog::Schema,
) -> anyhow::Result<(Vec<u8>, map::Applied, Option<String>)> {
    let grid = table::read(bytes, format, &job.spec)
        .map_err(|e| anyhow::anyhow!("the {} source cannot be read: {e}", format.extension()))?;
    let mapped = map::map(&grid, &job.spec, schema).map_err(anyhow::Error::msg)?;
    // Foreign keys into other resources are checked when the package is validated.
    let mut own = schema.clone();
    own.foreign_keys.retain(|fk| {
        fk.pointer("/reference/resource")
            .and_then(serde_json::Value::as_str)
            .is_none_or(str::is_empty)
    });
    let schema_json = serde_json::to_string(&own)?;
    let report = crate::validate::validate_table(
        &schema_json,
        Path::new(&job.resource.name),
        crate::validate::TableData::Bytes(&mapped.csv),
        &crate::validate::Options::default(),
    )?;
    if !report.valid {
        bail!(
            "the mapped table does not validate against the schema ({} errors), so the cached copy was kept; the first:\n  {}",
            report.stats.errors,
            report.first_errors(5).join("\n  ")
        );
    }
    Ok((mapped.csv, mapped.applied, grid.encoding))
}

/// A web page where a table was expected: a login wall, an error page, a moved file.
fn refuse_html(
    bytes: &[u8],
    content_type: Option<&str>,
    format: SourceFormat,
) -> anyhow::Result<()> {
    let declared = content_type.is_some_and(|t| {
        let t = t.to_ascii_lowercase();
        t.starts_with("text/html") || t.starts_with("application/xhtml")
    });
    let head: Vec<u8> = bytes
        .iter()
        .skip_while(|b| b.is_ascii_whitespace() || **b == 0xEF || **b == 0xBB || **b == 0xBF)
        .take(64)
        .map(u8::to_ascii_lowercase)
        .collect();
    let looks = head.starts_with(b"<!doctype html")
        || head.starts_with(b"<html")
        || head.starts_with(b"<head");
    if declared || looks {
        bail!(
            "the server sent an HTML page, not {} (Content-Type: {}); the URL may need a login or have moved — open it in a browser",
            format.extension().to_ascii_uppercase(),
            content_type.unwrap_or("none")
        );
    }
    Ok(())
}

/// Copies one source document of `vidkryto.toml` into the cache.
fn pull_document(
    config: &Config,
    dataset: &str,
    source: &str,
    dir: &Path,
) -> anyhow::Result<DocumentRecord> {
    let local = local_path(config, source)?;
    let bytes = std::fs::read(&local).with_context(|| {
        format!(
            "cannot read `{}`; fix the path in `sources` of vidkryto.toml",
            local.display()
        )
    })?;
    let file_name = local
        .file_name()
        .context("the source names no file")?
        .to_owned();
    let cached = dir.join(file_name);
    write_atomic(&cached, &bytes)
        .with_context(|| format!("cannot write the cache `{}`", cached.display()))?;
    Ok(DocumentRecord {
        dataset: dataset.to_string(),
        source: source.to_string(),
        cached,
        sha256: hex(&Sha256::digest(&bytes)),
        bytes: bytes.len() as u64,
        pulled_at: now(),
    })
}

/// A configured source document as a local file: a path relative to the configuration, or file://.
fn local_path(config: &Config, source: &str) -> anyhow::Result<PathBuf> {
    if let Some(path) = source.strip_prefix("file://") {
        return Ok(PathBuf::from(path));
    }
    if source.starts_with("http://") || source.starts_with("https://") {
        bail!("source documents are copied from local files: download the document and list its path in `sources` (tables are fetched by a resource's `pull`)");
    }
    Ok(config.resolve(Path::new(source)))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn portal(dir: &Path) -> Config {
        std::fs::write(dir.join("source.txt"), "рішення № 824/7060").unwrap();
        let text = r#"
            [portal]
            title = "Т"
            title_en = "T"
            base_url = "http://127.0.0.1:8080"
            [[datasets]]
            name = "register"
            sources = ["source.txt"]
        "#;
        let path = dir.join("vidkryto.toml");
        std::fs::write(&path, text).unwrap();
        Config::load(&path).unwrap()
    }

    #[test]
    fn pull_caches_the_source_with_its_hash() {
        let dir = std::env::temp_dir().join(format!("vidkryto-pull-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let config = portal(&dir);
        let summary = pull(&config, &[], &PullOptions::default()).unwrap();
        let records = summary.documents;
        assert_eq!(records.len(), 1);
        assert_eq!(
            records[0].sha256,
            hex(&Sha256::digest("рішення № 824/7060".as_bytes()))
        );
        let cached = dir.join("build/raw/register/source.txt");
        assert_eq!(
            std::fs::read_to_string(cached).unwrap(),
            "рішення № 824/7060"
        );
        let provenance =
            std::fs::read_to_string(dir.join("build/raw/register/provenance.json")).unwrap();
        assert!(provenance.contains(&records[0].sha256));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn unknown_dataset_lists_the_configured_ones() {
        let dir =
            std::env::temp_dir().join(format!("vidkryto-pull-unknown-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let config = portal(&dir);
        let err = pull(&config, &["budget".into()], &PullOptions::default())
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("`budget` is not in the configuration; configured: register"),
            "{err}"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn html_is_refused() {
        assert!(refuse_html(b"  <!DOCTYPE html><html>", None, SourceFormat::Csv).is_err());
        assert!(refuse_html(
            b"a,b\n1,2\n",
            Some("text/html; charset=utf-8"),
            SourceFormat::Csv
        )
        .is_err());
        assert!(refuse_html(b"a,b\n1,2\n", Some("text/csv"), SourceFormat::Csv).is_ok());
    }
}
