//! Data packages: foreign keys across resources, declared checks, and the bundled datasets
//! (all pass; the raw Zhytomyr OCR table fails as an expected failure; the documents'
//! disagreements are warnings naming both figures).

use vidkryto::catalog::Package;

use super::*;
use crate::common;

#[test]
fn foreign_keys_within_the_package_and_to_a_missing_resource() {
    let dir = scratch("fk");
    std::fs::write(
        dir.join("districts.csv"),
        "id,name\n1,Печерський\n2,Подільський\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("appeals.csv"),
        "id,district\n10,1\n11,3\n12,\n13,2\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("datapackage.json"),
        r#"{"name": "fk", "resources": [
          {"name": "districts", "path": "districts.csv", "schema": {"fields": [
            {"name": "id", "type": "integer"}, {"name": "name"}], "primaryKey": "id"}},
          {"name": "appeals", "path": "appeals.csv", "schema": {"fields": [
            {"name": "id", "type": "integer"}, {"name": "district", "type": "integer"}],
            "primaryKey": "id",
            "foreignKeys": [{"fields": "district", "reference": {"resource": "districts", "fields": "id"}}]}}
        ]}"#,
    )
    .unwrap();
    let package = Package::load(&dir).unwrap();
    let report = validate::validate_package(&package, &Options::default());
    assert!(!report.valid);
    let appeals = &report.tasks[1];
    assert_eq!(appeals.errors.len(), 1, "{report}");
    let e = &appeals.errors[0];
    assert_eq!(
        (e.kind.code(), e.row_number, e.field_name.as_deref()),
        ("foreign-key", Some(3), Some("district"))
    );
    assert_eq!(
        e.message,
        "row 3: (district) = (3) is not a key of resource `districts` (id)"
    );

    let text = std::fs::read_to_string(dir.join("datapackage.json")).unwrap();
    std::fs::write(
        dir.join("datapackage.json"),
        text.replace(r#""resource": "districts""#, r#""resource": "raions""#),
    )
    .unwrap();
    let package = Package::load(&dir).unwrap();
    let report = validate::validate_package(&package, &Options::default());
    let e = &report.tasks[1].errors[0];
    assert_eq!(e.kind.code(), "schema-error");
    assert_eq!(
        e.message,
        "foreign key (district) refers to resource `raions`, which the package does not have"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn row_and_column_totals_fail_when_figures_do_not_add_up() {
    let dir = scratch("checks");
    std::fs::write(
        dir.join("r.csv"),
        "year,total,city,other\n2015,10,7,3\n2016,10,7,2\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("datapackage.json"),
        r#"{"name": "c", "resources": [{"name": "r", "path": "r.csv", "schema": {"fields": [
            {"name": "year", "type": "integer"}, {"name": "total", "type": "number"},
            {"name": "city", "type": "number"}, {"name": "other", "type": "number"}]}}],
          "checks": [
            {"rule": "row-total", "resource": "r", "total": "total", "parts": ["city", "other"], "precision": 0.05},
            {"rule": "column-total", "resource": "r", "column": "total", "where": {"year": 2016}, "expected": 10, "precision": 0.05},
            {"rule": "column-total", "resource": "r", "column": "total", "expected": 19, "precision": 0.05, "source": "doc p. 3"}
          ]}"#,
    )
    .unwrap();
    let report = validate::validate_package(&Package::load(&dir).unwrap(), &Options::default());
    let messages: Vec<&str> = report.tasks[0]
        .errors
        .iter()
        .map(|e| e.message.as_str())
        .collect();
    assert_eq!(
        messages,
        [
            "checks[2]: the sum of `total` is 20.00 over 2 rows, but the document states 19.00; they differ by 1.00 (precision 0.05). (source: doc p. 3)",
            "row 3, field `total` (column 2): the total 10.00 differs from `city` + `other` = 9.00 by 1.00 (precision 0.05)",
        ]
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

fn bundled_packages() -> Vec<Package> {
    let mut dirs: Vec<_> = std::fs::read_dir(common::repo_root().join("datasets"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("datapackage.json").exists())
        .collect();
    dirs.sort();
    dirs.iter()
        .map(|d| vidkryto::anonymise::inputs_only(Package::load(d).unwrap()).unwrap())
        .collect()
}

#[test]
fn every_bundled_dataset_validates() {
    let packages = bundled_packages();
    assert!(packages.len() >= 5);
    for package in &packages {
        let report = validate::validate_package(package, &Options::default());
        assert!(report.valid, "{}: {report}", package.name);
    }
}

#[test]
fn raw_zhytomyr_population_fails_with_the_ocr_cells_named_and_the_cleaned_one_passes() {
    let package = Package::load(&common::dataset_dir("zhytomyr-e-city-2021-2026")).unwrap();
    let report = validate::validate_package(&package, &Options::default());
    assert!(
        report.valid,
        "the raw table is an expected failure: {report}"
    );
    let raw = report
        .tasks
        .iter()
        .find(|t| t.name == "population-raw")
        .unwrap();
    assert!(raw.expected_failure && !raw.valid);
    let cells: Vec<&str> = raw
        .errors
        .iter()
        .filter_map(|e| e.cell.as_deref())
        .collect();
    assert_eq!(
        cells,
        [
            "254l57", "25з066", "20l9", "25065,7", "249]l55", "202l", "24,7405", "202з", "242l8l",
            "2404з9", "2з8698"
        ]
    );
    let clean = report
        .tasks
        .iter()
        .find(|t| t.name == "population")
        .unwrap();
    assert!(clean.valid && clean.errors.is_empty());

    let alone =
        validate::validate_resource(&package, "population-raw", &Options::default()).unwrap();
    assert!(!alone.valid, "validated alone, the raw table fails");
    assert_eq!(alone.stats.errors, 11);
    assert!(!validate::publishable(&package)
        .resources
        .iter()
        .any(|r| r.name == "population-raw"));
}

fn warnings(report: &Report) -> Vec<&str> {
    report
        .tasks
        .iter()
        .flat_map(|t| t.warnings.iter().map(String::as_str))
        .collect()
}

#[test]
fn digital_kyiv_text_versus_table_is_a_warning_naming_both_figures() {
    let package = Package::load(&common::dataset_dir("digital-kyiv-2024-2025")).unwrap();
    let report = validate::validate_package(&package, &Options::default());
    assert!(report.valid);
    let warnings = warnings(&report);
    let w = warnings
        .iter()
        .find(|w| w.contains("5044699.10"))
        .expect("the discrepancy is reported");
    assert!(
        w.contains("5804699.10")
            && w.contains("funding_source = city-budget")
            && w.contains("source: seeds/001"),
        "{w}"
    );
}

#[test]
fn kyiv_1551_sources_disagree_as_warnings_naming_both_sources() {
    let dir = common::dataset_dir("kyiv-1551-appeals-by-channel");
    if !dir.exists() {
        return; // the dataset arrives with its own branch
    }
    let report = validate::validate_package(&Package::load(&dir).unwrap(), &Options::default());
    assert!(report.valid);
    let warnings = warnings(&report);
    assert!(
        warnings.iter().any(|w| w.contains(
            "362438 (source = seed-000, row 2) versus 534730 (source = seed-002, row 17)"
        )),
        "{warnings:?}"
    );
}

/// The errors of a report, package-level and per task: (type, message).
fn all_errors(report: &vidkryto::validate::Report) -> Vec<(&'static str, String)> {
    report
        .errors
        .iter()
        .chain(report.tasks.iter().flat_map(|t| &t.errors))
        .map(|e| (e.kind.code(), e.message.clone()))
        .collect()
}

#[test]
fn package_descriptor_rules_are_report_errors_naming_the_key() {
    let dir = scratch("descriptor");
    std::fs::write(dir.join("a.csv"), "id\n1\n").unwrap();
    let check = |descriptor: &str| {
        std::fs::write(dir.join("datapackage.json"), descriptor).unwrap();
        let loaded = validate::descriptor::load(&dir).unwrap();
        validate::validate_descriptor(loaded, None, &Options::default()).unwrap()
    };
    // No `name`: recommended, not required (Data Package v1).
    let report = check(r#"{"resources": [{"name": "a", "path": "a.csv"}]}"#);
    assert!(report.valid, "{report}");
    let report = check(r#"{"resources": []}"#);
    assert_eq!(
        all_errors(&report),
        vec![(
            "package-error",
            "`resources` is empty: a data package describes at least one resource".to_string()
        )]
    );
    let report = check(
        r#"{"name": "p", "created": "2026-11-22", "resources": [
        {"name": "a", "path": "a.csv"}, {"name": "a", "path": "a.csv"}]}"#,
    );
    let errors = all_errors(&report);
    assert!(errors.contains(&("package-error", "`p`: `created` is \"2026-11-22\"; Data Package wants an RFC 3339 date-time (2026-11-22T10:00:00Z)".to_string())), "{errors:?}");
    assert!(
        errors.contains(&(
            "package-error",
            "resources 1 and 2 are both named `a`: resource names must be unique".to_string()
        )),
        "{errors:?}"
    );
    // A schema that is not an object, or has no fields: a schema error, not a refusal.
    for schema in [r#""schema": ["id"]"#, r#""schema": {"primaryKey": "id"}"#] {
        let report = check(&format!(
            r#"{{"resources": [{{"name": "a", "path": "a.csv", {schema}}}]}}"#
        ));
        assert_eq!(all_errors(&report)[0].0, "schema-error", "{report}");
    }
    // Declared size and hash are checked on the file.
    let report = check(
        r#"{"resources": [{"name": "a", "path": "a.csv", "bytes": 3, "hash": "sha256:00",
        "schema": {"fields": [{"name": "id", "type": "integer"}]}}]}"#,
    );
    let kinds: Vec<&str> = all_errors(&report).iter().map(|e| e.0).collect();
    assert_eq!(kinds, ["byte-count", "hash-count"], "{report}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn non_csv_resources_are_read_or_refused_never_read_as_csv() {
    use std::io::Write;
    let dir = scratch("formats");
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(b"id,name\n1,a\nx,b\n").unwrap();
    std::fs::write(dir.join("t.csv.gz"), gz.finish().unwrap()).unwrap();
    std::fs::write(
        dir.join("t.jsonl"),
        "{\"id\": 1, \"name\": \"a\"}\n{\"id\": \"x\"}\n",
    )
    .unwrap();
    std::fs::write(dir.join("t.parquet"), b"PAR1").unwrap();
    let schema = r#"{"fields": [{"name": "id", "type": "integer"}, {"name": "name"}]}"#;
    std::fs::write(
        dir.join("datapackage.json"),
        format!(
            r#"{{"resources": [
            {{"name": "gz", "path": "t.csv.gz", "schema": {schema}}},
            {{"name": "jsonl", "path": "t.jsonl", "schema": {schema}}},
            {{"name": "inline", "data": [["id", "name"], ["2", "b"], ["y", "c"]], "schema": {schema}}},
            {{"name": "parquet", "path": "t.parquet", "schema": {schema}}}]}}"#
        ),
    )
    .unwrap();
    let loaded = validate::descriptor::load(&dir).unwrap();
    let report = validate::validate_descriptor(loaded, None, &Options::default()).unwrap();
    let found: Vec<(&str, Option<u64>)> = report
        .tasks
        .iter()
        .flat_map(|t| t.errors.iter().map(|e| (e.kind.code(), e.row_number)))
        .collect();
    assert_eq!(
        found,
        [
            ("type-error", Some(3)),
            ("type-error", Some(3)),
            ("type-error", Some(3)),
            ("format-error", None)
        ],
        "{report}"
    );
    assert!(report.tasks[3].errors[0]
        .message
        .contains("format \"parquet\" is not supported"));
    std::fs::remove_dir_all(&dir).unwrap();
}
