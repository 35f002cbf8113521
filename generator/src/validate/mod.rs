//! The validate stage: checks data packages (or one CSV) against their Frictionless Table
//! Schemas and declared totals, and returns a report of every error and warning — it never
//! stops at the first and never truncates silently. Publishing is `publish`'s job; `build`
//! refuses to publish what this stage finds invalid.

mod checks;
mod constraints;
mod fast;
mod keys;
mod numbers;
mod reader;
mod records;
pub mod report;
mod schema;
mod table;
mod temporal;
mod types;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::Instant;

use serde_json::Value as Json;

pub use report::{Issue, Kind, Report, Task};

use crate::catalog::{Package, Resource, Schema};
use checks::Check;
use keys::KeySet;
use schema::CompiledSchema;
use table::{Data, Job, Source};

/// Why validation could not run at all (as opposed to finding the data invalid).
#[derive(Debug, thiserror::Error)]
pub enum ValidateError {
    #[error("cannot read the schema `{path}`")]
    ReadSchema {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("the schema `{path}` is not a Table Schema: {error}")]
    ParseSchema {
        path: PathBuf,
        error: serde_json::Error,
    },
    #[error("cannot read `{path}`")]
    ReadData {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// How to validate.
#[derive(Debug, Clone)]
pub struct Options {
    /// Stop a resource after this many errors (the report says it stopped early).
    pub max_errors: Option<usize>,
    /// The longest physical line accepted.
    pub max_line_bytes: u64,
    /// Worker threads for multi-resource packages (0: one per core).
    pub threads: usize,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            max_errors: None,
            max_line_bytes: reader::MAX_LINE_BYTES,
            threads: 0,
        }
    }
}

/// A resource declared as known-bad raw input (`"x_raw_ocr": true`): validated and
/// reported, expected to fail, never published.
pub fn is_raw_input(resource: &Resource) -> bool {
    resource.extra.get("x_raw_ocr").and_then(Json::as_bool) == Some(true)
}

/// The package as it may be published: without its known-bad raw resources.
pub fn publishable(package: &Package) -> Package {
    let mut package = package.clone();
    package.resources.retain(|r| !is_raw_input(r));
    package
}

/// `created`/`modified` are ISO dates or date-times.
fn check_package(package: &Package) -> Vec<Issue> {
    let mut issues = Vec::new();
    for (key, value) in [
        ("created", &package.created),
        ("modified", &package.modified),
    ] {
        let Some(value) = value else { continue };
        let ok = chrono::NaiveDate::parse_from_str(value, "%Y-%m-%d").is_ok()
            || chrono::DateTime::parse_from_rfc3339(value).is_ok()
            || chrono::NaiveDateTime::parse_from_str(value, "%Y-%m-%dT%H:%M:%S").is_ok();
        if !ok {
            issues.push(Issue::table(
                Kind::PackageError,
                format!(
                    "`{}`: `{key}` is \"{value}\"; write an ISO date (2026-11-22) or date-time (2026-11-22T10:00:00Z)",
                    package.name
                ),
            ));
        }
    }
    issues
}

struct Prepared<'a> {
    resource: &'a Resource,
    path: PathBuf,
    schema: Result<CompiledSchema, Vec<String>>,
}

/// Validates every resource of `package`; resources run in parallel.
pub fn validate_package(package: &Package, options: &Options) -> Report {
    validate_resources(package, None, options)
}

/// Validates one resource of `package` (foreign keys still read their targets). A
/// known-bad raw resource validated alone is not excused: its errors make the report invalid.
pub fn validate_resource(package: &Package, resource: &str, options: &Options) -> Option<Report> {
    package.resource(resource)?;
    Some(validate_resources(package, Some(resource), options))
}

fn validate_resources(package: &Package, only: Option<&str>, options: &Options) -> Report {
    let started = Instant::now();
    let mut package_errors = check_package(package);
    let prepared: Vec<Prepared<'_>> = package
        .resources
        .iter()
        .map(|resource| Prepared {
            resource,
            path: package.resource_path(resource),
            schema: schema::compile(resource.schema.as_ref().unwrap_or(&Schema::default())),
        })
        .collect();
    let by_name: HashMap<&str, usize> = prepared
        .iter()
        .enumerate()
        .map(|(i, p)| (p.resource.name.as_str(), i))
        .collect();

    // Foreign-key targets, each read once: (resource index, its field positions).
    let mut targets: HashMap<(usize, Vec<usize>), Result<KeySet, String>> = HashMap::new();
    let mut fk_problems: HashMap<(usize, usize), String> = HashMap::new();
    for (i, p) in prepared.iter().enumerate() {
        let Ok(schema) = &p.schema else { continue };
        for (n, fk) in schema.foreign_keys.iter().enumerate() {
            let target = match &fk.resource {
                None => Some(i),
                Some(name) => by_name.get(name.as_str()).copied(),
            };
            let Some(t) = target else {
                fk_problems.insert(
                    (i, n),
                    format!(
                        "foreign key ({}) refers to resource `{}`, which the package does not have",
                        fk.field_names.join(", "),
                        fk.resource.as_deref().unwrap_or_default()
                    ),
                );
                continue;
            };
            let Ok(target_schema) = &prepared[t].schema else {
                fk_problems.insert(
                    (i, n),
                    format!(
                        "foreign key ({}) refers to resource `{}`, whose schema is invalid",
                        fk.field_names.join(", "),
                        prepared[t].resource.name
                    ),
                );
                continue;
            };
            let positions: Option<Vec<usize>> = fk
                .reference_fields
                .iter()
                .map(|f| target_schema.position(f))
                .collect();
            let Some(positions) = positions else {
                fk_problems.insert(
                    (i, n),
                    format!(
                        "foreign key ({}) refers to fields ({}) of resource `{}`, which it does not have",
                        fk.field_names.join(", "),
                        fk.reference_fields.join(", "),
                        prepared[t].resource.name
                    ),
                );
                continue;
            };
            if let std::collections::hash_map::Entry::Vacant(slot) = targets.entry((t, positions)) {
                let key = slot.key().clone();
                let target = &prepared[key.0];
                let source = Source {
                    data: Data::File(&target.path),
                    encoding: target.resource.encoding.as_deref(),
                    dialect: target.resource.dialect.as_ref(),
                    max_line: options.max_line_bytes,
                };
                slot.insert(table::collect_keys(source, target_schema, &key.1));
            }
        }
    }

    // Checks, grouped by the resource they watch.
    let mut checks_of: HashMap<usize, Vec<Check>> = HashMap::new();
    for (index, spec) in package.checks.iter().enumerate() {
        let name = Check::resource_of(spec).unwrap_or_default();
        let Some(&i) = by_name.get(name) else {
            package_errors.push(Issue::table(
                Kind::PackageError,
                format!("checks[{index}] names resource `{name}`, which the package does not have"),
            ));
            continue;
        };
        let Ok(schema) = &prepared[i].schema else {
            continue;
        };
        match Check::compile(index, spec, schema) {
            Ok(check) => checks_of.entry(i).or_default().push(check),
            Err(message) => package_errors.push(Issue::table(Kind::PackageError, message)),
        }
    }
    if only.is_some() {
        package_errors.clear();
    }

    let mut jobs: Vec<(usize, Option<Job<'_>>, Task)> = Vec::new();
    for (i, p) in prepared.iter().enumerate() {
        if only.is_some_and(|name| name != p.resource.name) {
            continue;
        }
        let mut task = Task::new(
            &p.resource.name,
            Some(&package.name),
            &p.path.display().to_string(),
        );
        let job = match &p.schema {
            Err(errors) => {
                for e in errors {
                    task.errors.push(Issue::table(Kind::SchemaError, e.clone()));
                }
                None
            }
            Ok(schema) => {
                let mut foreign = Vec::new();
                for (n, fk) in schema.foreign_keys.iter().enumerate() {
                    if let Some(problem) = fk_problems.get(&(i, n)) {
                        task.errors
                            .push(Issue::table(Kind::SchemaError, problem.clone()));
                        foreign.push(None);
                        continue;
                    }
                    let t = match &fk.resource {
                        None => i,
                        Some(name) => by_name[name.as_str()],
                    };
                    let positions: Vec<usize> = prepared[t]
                        .schema
                        .as_ref()
                        .map(|s| {
                            fk.reference_fields
                                .iter()
                                .filter_map(|f| s.position(f))
                                .collect()
                        })
                        .unwrap_or_default();
                    match targets.get(&(t, positions)) {
                        Some(Ok(set)) => foreign.push(Some(set)),
                        Some(Err(message)) => {
                            task.errors.push(Issue::table(
                                Kind::SourceError,
                                format!(
                                    "cannot read resource `{}` for foreign key ({}): {message}",
                                    prepared[t].resource.name,
                                    fk.field_names.join(", ")
                                ),
                            ));
                            foreign.push(None);
                        }
                        None => foreign.push(None),
                    }
                }
                Some(Job {
                    source: Source {
                        data: Data::File(&p.path),
                        encoding: p.resource.encoding.as_deref(),
                        dialect: p.resource.dialect.as_ref(),
                        max_line: options.max_line_bytes,
                    },
                    schema,
                    foreign,
                    checks: checks_of.remove(&i).unwrap_or_default(),
                    max_errors: options.max_errors,
                })
            }
        };
        jobs.push((i, job, task));
    }

    let tasks = run_parallel(jobs, options);
    let mut tasks: Vec<Task> = tasks
        .into_iter()
        .map(|(i, mut task)| {
            task.finish(options.max_errors);
            if only.is_none() && is_raw_input(prepared[i].resource) {
                task.expected_failure = !task.valid;
            }
            task
        })
        .collect();
    tasks.sort_by_key(|t| by_name.get(t.name.as_str()).copied());
    Report::new(tasks, package_errors, started.elapsed().as_secs_f64())
}

/// One queued table: its resource index, the job (`None` when the schema is unusable)
/// and the task collecting its findings.
type Queued<'a> = (usize, Option<Job<'a>>, Task);
type Slot<'a> = Mutex<Option<Queued<'a>>>;

/// Runs table jobs on a few scoped threads (one per core, at most one per job). Plain
/// `std::thread::scope` with a shared counter: resources are few and coarse, so a
/// work-stealing pool (rayon) would add a dependency for nothing.
fn run_parallel(
    jobs: Vec<(usize, Option<Job<'_>>, Task)>,
    options: &Options,
) -> Vec<(usize, Task)> {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let threads = if options.threads == 0 {
        cores
    } else {
        options.threads
    }
    .clamp(1, jobs.len().max(1));
    let queue: Vec<Slot<'_>> = jobs.into_iter().map(|j| Mutex::new(Some(j))).collect();
    let next = AtomicUsize::new(0);
    let done = Mutex::new(Vec::new());
    std::thread::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(|| loop {
                let n = next.fetch_add(1, Ordering::Relaxed);
                let Some(slot) = queue.get(n) else { break };
                let Some((i, job, mut task)) = slot.lock().ok().and_then(|mut s| s.take()) else {
                    continue;
                };
                if let Some(job) = job {
                    table::validate(job, &mut task);
                }
                if let Ok(mut done) = done.lock() {
                    done.push((i, task));
                }
            });
        }
    });
    done.into_inner().unwrap_or_default()
}

/// Validates one CSV (or in-memory table) against a Table Schema given as JSON text.
pub fn validate_table(
    schema_json: &str,
    schema_name: &Path,
    data: TableData<'_>,
    options: &Options,
) -> Result<Report, ValidateError> {
    let started = Instant::now();
    let schema: Schema =
        serde_json::from_str(schema_json).map_err(|error| ValidateError::ParseSchema {
            path: schema_name.to_path_buf(),
            error,
        })?;
    let (name, place, data) = match data {
        TableData::File(path) => {
            std::fs::metadata(path).map_err(|source| ValidateError::ReadData {
                path: path.to_path_buf(),
                source,
            })?;
            let name = path
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default();
            (name, path.display().to_string(), Data::File(path))
        }
        TableData::Bytes(bytes) => (
            "table".to_string(),
            "<memory>".to_string(),
            Data::Bytes(bytes),
        ),
    };
    let mut task = Task::new(&name, None, &place);
    match schema::compile(&schema) {
        Err(errors) => {
            for e in errors {
                task.errors.push(Issue::table(Kind::SchemaError, e));
            }
        }
        Ok(compiled) => {
            let source = Source {
                data,
                encoding: schema.extra.get("encoding").and_then(Json::as_str),
                dialect: schema.extra.get("dialect"),
                max_line: options.max_line_bytes,
            };
            // Self-references (`"resource": ""`) are the only foreign keys one file can have.
            let mut sets = Vec::new();
            for fk in &compiled.foreign_keys {
                if fk.resource.is_some() {
                    task.errors.push(Issue::table(Kind::SchemaError, format!("foreign key ({}) refers to resource `{}`; validate the whole data package to check it", fk.field_names.join(", "), fk.resource.as_deref().unwrap_or_default())));
                    sets.push(None);
                    continue;
                }
                let positions: Option<Vec<usize>> = fk
                    .reference_fields
                    .iter()
                    .map(|f| compiled.position(f))
                    .collect();
                sets.push(positions.and_then(|p| table::collect_keys(source, &compiled, &p).ok()));
            }
            let job = Job {
                source,
                schema: &compiled,
                foreign: sets.iter().map(Option::as_ref).collect(),
                checks: Vec::new(),
                max_errors: options.max_errors,
            };
            table::validate(job, &mut task);
        }
    }
    task.finish(options.max_errors);
    Ok(Report::new(
        vec![task],
        Vec::new(),
        started.elapsed().as_secs_f64(),
    ))
}

/// The table `validate_table` reads.
#[derive(Debug, Clone, Copy)]
pub enum TableData<'a> {
    File(&'a Path),
    Bytes(&'a [u8]),
}

/// A whole CSV as cell text, opened exactly as validation opens it (encoding and dialect
/// declared or detected by `reader`), for `pull`, which maps a city's CSV onto a schema.
/// Also returns the encoding's name and the delimiter used.
pub fn read_cells(
    data: &[u8],
    encoding: Option<&str>,
    dialect: Option<&Json>,
) -> Result<(Vec<Vec<String>>, &'static str, u8), String> {
    let (mut records, format) = reader::open_bytes(data, encoding, dialect, reader::MAX_LINE_BYTES)
        .map_err(|e| e.to_string())?;
    let mut rows = Vec::new();
    let mut record = records::Record::default();
    while records.read(&mut record).map_err(|e| e.to_string())? {
        rows.push(
            record
                .iter()
                .map(|cell| String::from_utf8_lossy(cell).into_owned())
                .collect(),
        );
    }
    if records.in_quoted_cell() {
        return Err("the file ends inside a quoted cell: it was cut off".into());
    }
    Ok((rows, format.encoding.name(), format.delimiter))
}
