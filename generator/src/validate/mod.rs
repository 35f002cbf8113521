//! The validate stage: checks data packages (or one CSV) against their Frictionless Table
//! Schemas and declared totals, and returns a report of every error and warning — it never
//! stops at the first and never truncates silently. Publishing is `publish`'s job; `build`
//! refuses to publish what this stage finds invalid.

mod checks;
mod constraints;
pub mod descriptor;
mod fast;
mod keys;
pub mod normal;
mod numbers;
mod reader;
mod records;
pub mod report;
mod schema;
mod sources;
mod structure;
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
use descriptor::{Loaded, Plan};
use keys::KeySet;
use schema::CompiledSchema;
use sources::{Body, Opened};
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
    /// Warnings listed per kind and resource (`None`: all); the report counts every one.
    pub max_warnings: Option<usize>,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            max_errors: None,
            max_line_bytes: reader::MAX_LINE_BYTES,
            threads: 0,
            max_warnings: Some(report::DEFAULT_WARNING_CAP),
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

/// `created` is an RFC 3339 date-time (Data Package v1); `modified` (a Vidkryto
/// extension) an ISO date or date-time.
fn check_package(package: &Package) -> Vec<Issue> {
    let mut issues = Vec::new();
    let whose = if package.name.is_empty() {
        "the package".to_string()
    } else {
        format!("`{}`", package.name)
    };
    if let Some(value) = &package.created {
        if chrono::DateTime::parse_from_rfc3339(value).is_err() {
            issues.push(Issue::table(
                Kind::PackageError,
                format!(
                    "{whose}: `created` is \"{value}\"; Data Package wants an RFC 3339 date-time (2026-11-22T10:00:00Z)"
                ),
            ));
        }
    }
    if let Some(value) = &package.modified {
        let ok = chrono::NaiveDate::parse_from_str(value, "%Y-%m-%d").is_ok()
            || chrono::DateTime::parse_from_rfc3339(value).is_ok()
            || chrono::NaiveDateTime::parse_from_str(value, "%Y-%m-%dT%H:%M:%S").is_ok();
        if !ok {
            issues.push(Issue::table(
                Kind::PackageError,
                format!(
                    "{whose}: `modified` is \"{value}\"; write an ISO date (2026-11-22) or date-time (2026-11-22T10:00:00Z)"
                ),
            ));
        }
    }
    issues
}

struct Prepared<'a> {
    resource: &'a Resource,
    /// The table's bytes, or the errors that stop it being read.
    opened: Result<Opened, Vec<Issue>>,
    schema: Result<CompiledSchema, Vec<String>>,
    /// The resource has no schema: one of `any` fields named by the header stands in.
    inferred: bool,
    /// Declared `bytes`/`hash` that do not match.
    integrity: Vec<Issue>,
    path: PathBuf,
}

impl Prepared<'_> {
    /// The resource's descriptor or schema has errors.
    fn descriptor_invalid(&self) -> bool {
        let descriptor = |e: &Issue| {
            matches!(
                e.kind,
                Kind::ResourceError | Kind::SchemaError | Kind::FieldError | Kind::DialectError
            )
        };
        matches!(&self.opened, Err(errors) if errors.iter().any(descriptor))
            || matches!(&self.schema, Err(errors) if !errors.is_empty())
    }

    fn source(&self, max_line: u64) -> Option<Source<'_>> {
        let opened = self.opened.as_ref().ok()?;
        let data = match &opened.body {
            Body::File(path) => Data::File(path),
            Body::Bytes(bytes) => Data::Bytes(bytes),
        };
        Some(Source {
            data,
            encoding: opened.encoding.or(self.resource.encoding.as_deref()),
            dialect: opened.dialect.as_ref().or(self.resource.dialect.as_ref()),
            max_line,
        })
    }
}

/// Validates every resource of `package`; resources run in parallel.
pub fn validate_package(package: &Package, options: &Options) -> Report {
    validate_loaded(descriptor::from_package(package), None, options)
}

/// Validates one resource of `package` (foreign keys still read their targets). A
/// known-bad raw resource validated alone is not excused: its errors make the report invalid.
pub fn validate_resource(package: &Package, resource: &str, options: &Options) -> Option<Report> {
    package.resource(resource)?;
    Some(validate_loaded(
        descriptor::from_package(package),
        Some(resource),
        options,
    ))
}

/// Validates a package read by [`descriptor::load`] (a folder, a package or resource
/// descriptor, or a bare table), or only its resource `only`.
pub fn validate_descriptor(
    loaded: Loaded,
    only: Option<&str>,
    options: &Options,
) -> Result<Report, String> {
    if let Some(name) = only {
        if loaded.package.resource(name).is_none() {
            return Err(format!(
                "`{}` has no resource `{name}`",
                loaded.package.dir.display()
            ));
        }
    }
    Ok(validate_loaded(loaded, only, options))
}

/// Validates one table against a Table Schema file (JSON or YAML); a schema that is not
/// one is a `schema-error` in the report.
pub fn validate_with_schema(
    data: &Path,
    schema: &Path,
    options: &Options,
) -> Result<Report, String> {
    if !data.exists() {
        return Err(format!(
            "cannot read `{}`: it does not exist",
            data.display()
        ));
    }
    Ok(validate_loaded(
        descriptor::for_table(data, Some(schema)),
        None,
        options,
    ))
}

fn prepare<'a>(
    package: &Package,
    resource: &'a Resource,
    plan: Plan,
    max_line: u64,
) -> Prepared<'a> {
    let path = package.resource_path(resource);
    let table = match plan {
        Plan::Invalid(errors) => {
            return Prepared {
                resource,
                opened: Err(errors),
                schema: Err(Vec::new()),
                inferred: false,
                integrity: Vec::new(),
                path,
            }
        }
        Plan::Table(table) => table,
    };
    let mut prepared = Prepared {
        resource,
        opened: sources::open(&table, resource.dialect.as_ref()).map_err(|i| vec![i]),
        schema: Err(Vec::new()),
        inferred: resource.schema.is_none(),
        integrity: sources::integrity(&table),
        path,
    };
    prepared.schema = match &resource.schema {
        Some(schema) => schema::compile(schema),
        None => match prepared.source(max_line) {
            Some(source) => schema::compile(&table::header_schema(source)),
            None => Err(Vec::new()),
        },
    };
    prepared
}

fn validate_loaded(loaded: Loaded, only: Option<&str>, options: &Options) -> Report {
    let started = Instant::now();
    let Loaded {
        package,
        errors: mut package_errors,
        plans,
        standalone,
    } = loaded;
    package_errors.extend(check_package(&package));
    package_errors.extend(descriptor::package_rules(&package));
    let package = &package;
    let mut prepared: Vec<Prepared<'_>> = package
        .resources
        .iter()
        .zip(plans)
        .map(|(resource, plan)| prepare(package, resource, plan, options.max_line_bytes))
        .collect();
    if standalone {
        for p in &mut prepared {
            let Ok(schema) = &p.schema else { continue };
            if let Some(fk) = schema.foreign_keys.iter().find(|fk| fk.resource.is_some()) {
                p.opened = Err(vec![Issue::table(
                    Kind::ResourceError,
                    format!(
                        "foreign key ({}) refers to resource `{}`; validate the whole data package to check it",
                        fk.field_names.join(", "),
                        fk.resource.as_deref().unwrap_or_default()
                    ),
                )]);
            }
        }
    }
    // As frictionless does, a descriptor with errors is reported alone: its tables are
    // not read until it describes them correctly.
    let stop = !package_errors.is_empty() || prepared.iter().any(Prepared::descriptor_invalid);
    // The first resource of a name wins (a repeated name is a package error).
    let by_name: HashMap<&str, usize> = prepared
        .iter()
        .enumerate()
        .rev()
        .map(|(i, p)| (p.resource.name.as_str(), i))
        .collect();

    // Foreign-key targets, each read once: (resource index, its field positions).
    let mut targets: HashMap<(usize, Vec<usize>), Result<KeySet, String>> = HashMap::new();
    let mut fk_problems: HashMap<(usize, usize), String> = HashMap::new();
    for (i, p) in prepared.iter().enumerate() {
        let Ok(schema) = &p.schema else { continue };
        if stop {
            continue;
        }
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
                let keys = match prepared[key.0].source(options.max_line_bytes) {
                    Some(source) => table::collect_keys(source, target_schema, &key.1),
                    None => Err("its table cannot be read".to_string()),
                };
                slot.insert(keys);
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
            (!package.name.is_empty()).then_some(package.name.as_str()),
            &p.path.display().to_string(),
        );
        task.warning_cap = options.max_warnings;
        if !stop {
            task.errors.extend(p.integrity.iter().cloned());
        }
        if p.inferred && p.opened.is_ok() {
            task.warning_details.push(Issue::table(
                Kind::SchemaError,
                "the resource has no schema: only its structure (header, blank rows, missing and extra cells) is checked; vidkryto does not infer types — add a Table Schema",
            ));
        }
        let source = p.source(options.max_line_bytes);
        let job = match (&p.opened, &p.schema, source) {
            (Err(errors), _, _) => {
                task.errors.extend(errors.iter().cloned());
                None
            }
            (_, Err(errors), _) => {
                for e in errors {
                    task.errors.push(Issue::table(Kind::SchemaError, e.clone()));
                }
                None
            }
            (_, _, None) => None,
            _ if stop => None,
            (Ok(_), Ok(schema), Some(source)) => {
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
                    source,
                    schema,
                    foreign,
                    checks: checks_of.remove(&i).unwrap_or_default(),
                    max_errors: options.max_errors,
                    // A repeated row is a double entry in the portal's tables (a
                    // documented check of ours; frictionless only runs it when asked); a
                    // schema-less structure check leaves it out, as frictionless does.
                    duplicate_rows: !p.inferred,
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
    task.warning_cap = options.max_warnings;
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
                duplicate_rows: true,
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
