//! Helpers shared by the integration tests: locating the bundled datasets and reading their
//! CSVs as plain tables, independently of the generator's own readers.

#![allow(dead_code)]

pub mod http;

use std::path::PathBuf;

/// The repository root (the workspace holding `datasets/`).
pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("generator/ has a parent")
        .to_path_buf()
}

/// A `vidkryto.toml` `[paths]` section for a scratch portal: its own datasets, build and
/// public folders, with the repository's Zola site and editorial content.
pub fn shared_site_paths() -> String {
    let root = repo_root();
    format!(
        "[paths]\nsite = {:?}\ncontent = {:?}\n\n",
        root.join("site").display().to_string(),
        root.join("content").display().to_string()
    )
}

/// A whole `vidkryto.toml` for a scratch portal: a test portal identity, the repository's
/// Zola site and editorial content, `build` and `public` folders of its own, then
/// `datasets` (`[[datasets]]` entries).
pub fn portal_config(build: &std::path::Path, public: &std::path::Path, datasets: &str) -> String {
    let repo = repo_root();
    format!(
        r#"[portal]
title = "Відкрито — тест"
title_en = "Vidkryto — test"
base_url = "http://127.0.0.1:8080"
publisher = "Тест"
publisher_en = "Test"
[paths]
content = "{repo}/content"
site = "{repo}/site"
build = "{build}"
public = "{public}"
{datasets}"#,
        repo = repo.display(),
        build = build.display(),
        public = public.display(),
    )
}

/// `datasets/<name>` in the repository.
pub fn dataset_dir(name: &str) -> PathBuf {
    repo_root().join("datasets").join(name)
}

/// The dataset's `datapackage.json` as JSON.
pub fn package(name: &str) -> serde_json::Value {
    let path = dataset_dir(name).join("datapackage.json");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{} is not JSON: {e}", path.display()))
}

/// A CSV read as strings: the header row and the records.
#[derive(Debug, Clone)]
pub struct Table {
    pub headers: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

/// Reads `datasets/<dataset>/<file>`.
pub fn table(dataset: &str, file: &str) -> Table {
    let path = dataset_dir(dataset).join(file);
    let mut reader = csv::Reader::from_path(&path)
        .unwrap_or_else(|e| panic!("cannot open {}: {e}", path.display()));
    let headers = reader
        .headers()
        .unwrap_or_else(|e| panic!("{}: bad header: {e}", path.display()))
        .iter()
        .map(str::to_string)
        .collect();
    let rows = reader
        .records()
        .map(|r| {
            r.unwrap_or_else(|e| panic!("{}: bad row: {e}", path.display()))
                .iter()
                .map(str::to_string)
                .collect()
        })
        .collect();
    Table { headers, rows }
}

impl Table {
    fn index(&self, column: &str) -> usize {
        self.headers
            .iter()
            .position(|h| h == column)
            .unwrap_or_else(|| panic!("no column `{column}` in {:?}", self.headers))
    }

    /// The cells of one column.
    pub fn column(&self, column: &str) -> Vec<&str> {
        let i = self.index(column);
        self.rows.iter().map(|r| r[i].as_str()).collect()
    }

    /// The non-empty cells of one column as numbers.
    pub fn numbers(&self, column: &str) -> Vec<f64> {
        self.column(column)
            .into_iter()
            .filter(|c| !c.is_empty())
            .map(|c| {
                c.parse()
                    .unwrap_or_else(|e| panic!("`{column}`: {c:?} is not a number: {e}"))
            })
            .collect()
    }

    /// The sum of a numeric column, rounded to the 0.01 the documents never go below.
    pub fn sum(&self, column: &str) -> f64 {
        round2(self.numbers(column).iter().sum())
    }

    /// The rows whose `column` equals `value`.
    pub fn filter(&self, column: &str, value: &str) -> Table {
        let i = self.index(column);
        Table {
            headers: self.headers.clone(),
            rows: self
                .rows
                .iter()
                .filter(|r| r[i] == value)
                .cloned()
                .collect(),
        }
    }

    /// The single row whose `column` equals `value`, as (header, cell) lookups.
    pub fn row(&self, column: &str, value: &str) -> Row<'_> {
        let matching = self.filter(column, value);
        assert_eq!(
            matching.rows.len(),
            1,
            "expected one row with `{column}` = {value:?}"
        );
        let i = self.index(column);
        let cells = self
            .rows
            .iter()
            .find(|r| r[i] == value)
            .expect("found above");
        Row { table: self, cells }
    }
}

/// One row of a [`Table`].
pub struct Row<'a> {
    table: &'a Table,
    cells: &'a [String],
}

impl Row<'_> {
    pub fn get(&self, column: &str) -> &str {
        &self.cells[self.table.index(column)]
    }

    pub fn number(&self, column: &str) -> f64 {
        let cell = self.get(column);
        cell.parse()
            .unwrap_or_else(|e| panic!("`{column}`: {cell:?} is not a number: {e}"))
    }
}

pub fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

/// Asserts two document figures are equal to the cent.
#[track_caller]
pub fn assert_figure(actual: f64, expected: f64) {
    assert!(
        (round2(actual) - expected).abs() < 0.001,
        "figure {actual} differs from the document's {expected}"
    );
}
