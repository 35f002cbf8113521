//! `vidkryto validate`: every type, constraint and error kind with its exact error (type,
//! row, field); the fixtures under `fixtures/validate/` with their exact messages; the
//! bundled datasets; a 200,000-row file with injected faults; the CLI's exit codes; and
//! `build` refusing to publish what does not validate.

use std::path::{Path, PathBuf};

use vidkryto::validate::{self, Options, Report, TableData, Task};

mod cells;
mod cli;
mod fixtures;
mod injected;
mod packages;

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/validate")
}

fn check(schema: &str, csv: &str) -> Report {
    check_with(schema, csv.as_bytes(), &Options::default())
}

fn check_with(schema: &str, csv: &[u8], options: &Options) -> Report {
    validate::validate_table(
        schema,
        Path::new("schema.json"),
        TableData::Bytes(csv),
        options,
    )
    .expect("the schema is JSON")
}

fn check_file(schema: &str, data: &Path) -> Result<Report, validate::ValidateError> {
    validate::validate_table(
        schema,
        Path::new("schema.json"),
        TableData::File(data),
        &Options::default(),
    )
}

fn task(report: &Report) -> &Task {
    &report.tasks[0]
}

/// (type, row, field) of an error.
type Found = (&'static str, Option<u64>, Option<String>);

/// (type, row, field) of every error.
fn errors(report: &Report) -> Vec<Found> {
    task(report)
        .errors
        .iter()
        .map(|e| (e.kind.code(), e.row_number, e.field_name.clone()))
        .collect()
}

fn one(kind: &'static str, row: u64, field: &str) -> Vec<Found> {
    vec![(kind, Some(row), Some(field.to_string()))]
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("vidkryto-validate-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}
