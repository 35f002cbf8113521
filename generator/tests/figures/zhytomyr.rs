//! Check figures for `zhytomyr-e-city-2021-2026` (seed 004): the programme total from its
//! passport, its stages, and the population table 2017–2026 with its OCR corrections.

use crate::common::*;

const DATASET: &str = "zhytomyr-e-city-2021-2026";

/// The population table as the document's OCR text gives it (year, population).
const RAW: [(&str, &str); 10] = [
    ("2017", "254l57"),
    ("2018", "25з066"),
    ("20l9", "25065,7"),
    ("2020", "249]l55"),
    ("202l", "24,7405"),
    ("2022", "245664"),
    ("202з", "243922"),
    ("2024", "242l8l"),
    ("2025", "2404з9"),
    ("2026", "2з8698"),
];

/// The cleaned population table.
const CLEAN: [(i64, i64); 10] = [
    (2017, 254157),
    (2018, 253066),
    (2019, 250657),
    (2020, 249155),
    (2021, 247405),
    (2022, 245664),
    (2023, 243922),
    (2024, 242181),
    (2025, 240439),
    (2026, 238698),
];

fn check<'a>(
    package: &'a serde_json::Value,
    resource: &str,
    column: &str,
    source: Option<&str>,
) -> &'a serde_json::Value {
    package["checks"]
        .as_array()
        .expect("`checks` is an array")
        .iter()
        .find(|c| {
            c["rule"] == "column-total"
                && c["resource"] == resource
                && c["column"] == column
                && c["where"]["source"].as_str() == source
        })
        .unwrap_or_else(|| panic!("no column-total check on {resource}.{column} ({source:?})"))
}

#[test]
fn programme_total_is_27_395_4_from_the_city_budget() {
    let funding = table(DATASET, "funding.csv");
    assert_figure(funding.sum("amount"), 27395.4);
    assert_figure(
        funding.row("source", "city-budget").number("amount"),
        27395.4,
    );
    // The passport names state and extra-budgetary funds without an amount.
    assert_eq!(funding.row("source", "state-budget").get("amount"), "");
    assert_eq!(funding.row("source", "extra-budgetary").get("amount"), "");
}

#[test]
fn checks_declare_the_programme_total() {
    let package = package(DATASET);
    let all = check(&package, "funding", "amount", None);
    assert_figure(all["expected"].as_f64().unwrap(), 27395.4);
    let city = check(&package, "funding", "amount", Some("city-budget"));
    assert_figure(city["expected"].as_f64().unwrap(), 27395.4);
}

#[test]
fn three_stages_cover_2021_to_2026() {
    let stages = table(DATASET, "stages.csv");
    assert_eq!(stages.rows.len(), 3);
    for (stage, from, to) in [
        ("1", 2021.0, 2022.0),
        ("2", 2023.0, 2024.0),
        ("3", 2025.0, 2026.0),
    ] {
        let row = stages.row("stage", stage);
        assert_figure(row.number("year_from"), from);
        assert_figure(row.number("year_to"), to);
    }
    assert_eq!(table(DATASET, "directions.csv").rows.len(), 7);
}

#[test]
fn cleaned_population_is_numeric_for_every_year_2017_to_2026() {
    let population = table(DATASET, "population.csv");
    assert_eq!(population.rows.len(), CLEAN.len());
    for (year, people) in CLEAN {
        let row = population.row("year", &year.to_string());
        let cell = row.get("population");
        assert_eq!(
            cell.parse::<i64>().ok(),
            Some(people),
            "population {year}: {cell:?} is not the integer {people}"
        );
    }
}

#[test]
fn raw_population_keeps_the_ocr_text() {
    let raw = table(DATASET, "population-raw.csv");
    let cells: Vec<(&str, &str)> = raw
        .column("year")
        .into_iter()
        .zip(raw.column("population"))
        .collect();
    assert_eq!(cells, RAW.to_vec());
    for ocr in ["25065,7", "249]l55", "2404з9"] {
        assert!(
            raw.column("population").contains(&ocr),
            "raw file lacks {ocr:?}"
        );
    }
    // Same schema as the cleaned file, so the raw cells fail their integer type.
    let package = package(DATASET);
    let resources = package["resources"].as_array().unwrap();
    let schema = |name: &str| {
        let r = resources.iter().find(|r| r["name"] == name).unwrap();
        r["schema"]["fields"].clone()
    };
    assert_eq!(schema("population"), schema("population-raw"));
    let raw_resource = resources
        .iter()
        .find(|r| r["name"] == "population-raw")
        .unwrap();
    assert_eq!(raw_resource["x_raw_ocr"], true);
}

#[test]
fn every_differing_raw_cell_has_a_correction() {
    let raw = table(DATASET, "population-raw.csv");
    let clean = table(DATASET, "population.csv");
    let corrections = table(DATASET, "population-corrections.csv");
    let mut expected = Vec::new();
    for (raw_row, clean_row) in raw.rows.iter().zip(&clean.rows) {
        for (i, column) in clean.headers.iter().enumerate() {
            if raw_row[i] != clean_row[i] {
                expected.push((
                    clean_row[0].clone(),
                    column.clone(),
                    raw_row[i].clone(),
                    clean_row[i].clone(),
                ));
            }
        }
    }
    assert_eq!(expected.len(), 11);
    let recorded: Vec<(String, String, String, String)> = corrections
        .rows
        .iter()
        .map(|r| (r[0].clone(), r[1].clone(), r[2].clone(), r[3].clone()))
        .collect();
    assert_eq!(recorded, expected);
    assert!(corrections.column("reason").iter().all(|r| !r.is_empty()));
}
