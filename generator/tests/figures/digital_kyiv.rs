//! Check figures for `digital-kyiv-2024-2025` (seed 001): the «Цифровий Київ» programme's
//! totals by year and source, its 13 measures, the measures' performance indicators, and the
//! city-budget figure the programme text gets wrong (5 044 699,1 against 5 804 699,1).

use std::collections::BTreeSet;

use crate::common::*;

const DATASET: &str = "digital-kyiv-2024-2025";

const MEASURE_IDS: [&str; 13] = [
    "1.1", "2.1", "3.1", "4.1", "5.1", "6.1", "6.2", "6.3", "6.4", "6.5", "6.6", "7.1", "7.2",
];

/// The `column-total` checks of `resource`.`column`, whatever their `where`.
fn column_totals<'a>(
    package: &'a serde_json::Value,
    resource: &str,
    column: &str,
) -> Vec<&'a serde_json::Value> {
    package["checks"]
        .as_array()
        .expect("`checks` is an array")
        .iter()
        .filter(|c| {
            c["rule"] == "column-total" && c["resource"] == resource && c["column"] == column
        })
        .collect()
}

/// The single `column-total` check of `resource`.`column` with exactly this `where`
/// (`null` for none) and severity (`None` for the default, error).
fn column_total<'a>(
    package: &'a serde_json::Value,
    resource: &str,
    column: &str,
    filter: serde_json::Value,
    severity: Option<&str>,
) -> &'a serde_json::Value {
    let found: Vec<_> = column_totals(package, resource, column)
        .into_iter()
        .filter(|c| c["where"] == filter && c["severity"].as_str() == severity)
        .collect();
    assert_eq!(
        found.len(),
        1,
        "expected one column-total check on {resource}.{column} where {filter} ({severity:?})"
    );
    found[0]
}

#[test]
fn measures_add_up_to_the_programme_totals() {
    let measures = table(DATASET, "measures.csv");
    assert_figure(measures.sum("amount_2024"), 3301953.5);
    assert_figure(measures.sum("amount_2025"), 3402977.6);
    assert_figure(measures.sum("amount_total"), 6704931.1);
}

#[test]
fn city_budget_and_other_sources() {
    let measures = table(DATASET, "measures.csv");
    let city = measures.filter("funding_source", "city-budget");
    assert_figure(city.sum("amount_2024"), 2773361.5);
    assert_figure(city.sum("amount_2025"), 3031337.6);
    assert_figure(city.sum("amount_total"), 5804699.1);

    let other = measures.filter("funding_source", "other-sources");
    assert_figure(other.sum("amount_2024"), 528592.0);
    assert_figure(other.sum("amount_2025"), 371640.0);
    assert_figure(other.sum("amount_total"), 900232.0);
}

#[test]
fn other_sources_are_measure_2_1_public_private_partnership() {
    let other = table(DATASET, "measures.csv").filter("funding_source", "other-sources");
    assert_eq!(other.column("measure_id"), ["2.1"]);
    let row = other.row("measure_id", "2.1");
    assert_figure(row.number("amount_total"), 900232.0);
    assert_figure(row.number("amount_2024"), 528592.0);
    assert_figure(row.number("amount_2025"), 371640.0);

    // The annex: «Всього: 1 650 232,00», of which city budget 750 000,00.
    let measure = table(DATASET, "measures.csv").filter("measure_id", "2.1");
    assert_figure(measure.sum("amount_total"), 1650232.0);
    assert_figure(measure.sum("amount_2024"), 878592.0);
    assert_figure(measure.sum("amount_2025"), 771640.0);
    assert_figure(
        measure
            .row("funding_source", "city-budget")
            .number("amount_total"),
        750000.0,
    );
}

#[test]
fn every_measure_row_totals_its_two_years() {
    let measures = table(DATASET, "measures.csv");
    let totals = measures.numbers("amount_total");
    let by_year = measures
        .numbers("amount_2024")
        .into_iter()
        .zip(measures.numbers("amount_2025"));
    assert_eq!(
        totals.len(),
        14,
        "13 measures, measure 2.1 with two sources"
    );
    for (total, (y2024, y2025)) in totals.into_iter().zip(by_year) {
        assert_figure(y2024 + y2025, round2(total));
    }
}

#[test]
fn thirteen_distinct_measures_1_1_to_7_2() {
    let measures = table(DATASET, "measures.csv");
    let ids: BTreeSet<&str> = measures.column("measure_id").into_iter().collect();
    assert_eq!(ids, MEASURE_IDS.into_iter().collect::<BTreeSet<_>>());

    let list = table(DATASET, "measure-list.csv");
    assert_eq!(list.column("measure_id"), MEASURE_IDS);
}

#[test]
fn kpi_rows_and_their_measures() {
    let kpis = table(DATASET, "kpis.csv");
    assert_eq!(
        kpis.rows.len(),
        61,
        "every row of the annex's indicators column"
    );
    assert_eq!(kpis.filter("indicator_type", "cost").rows.len(), 13);
    assert_eq!(kpis.filter("indicator_type", "product").rows.len(), 21);
    assert_eq!(kpis.filter("indicator_type", "efficiency").rows.len(), 14);
    assert_eq!(kpis.filter("indicator_type", "quality").rows.len(), 13);

    let measures = table(DATASET, "measures.csv");
    let known: BTreeSet<&str> = measures.column("measure_id").into_iter().collect();
    for id in kpis.column("measure_id") {
        assert!(known.contains(id), "KPI for unknown measure {id:?}");
    }
    // Every measure has its indicators.
    let with_kpis: BTreeSet<&str> = kpis.column("measure_id").into_iter().collect();
    assert_eq!(with_kpis, known);

    let ids: Vec<String> = (1..=61).map(|i| i.to_string()).collect();
    assert_eq!(kpis.column("kpi_id"), ids);
}

#[test]
fn cost_indicators_add_up_to_the_yearly_totals() {
    let cost = table(DATASET, "kpis.csv").filter("indicator_type", "cost");
    assert_figure(cost.sum("value_2024"), 3301953.5);
    assert_figure(cost.sum("value_2025"), 3402977.6);
}

#[test]
fn kpis_declare_a_foreign_key_to_a_unique_measure_column() {
    let package = package(DATASET);
    let resources = package["resources"].as_array().expect("resources");
    let resource = |name: &str| {
        resources
            .iter()
            .find(|r| r["name"] == name)
            .unwrap_or_else(|| panic!("no resource {name}"))
    };
    let fk = &resource("kpis")["schema"]["foreignKeys"][0];
    assert_eq!(fk["fields"], serde_json::json!(["measure_id"]));
    let target = fk["reference"]["resource"]
        .as_str()
        .expect("reference resource");
    assert_eq!(fk["reference"]["fields"], serde_json::json!(["measure_id"]));
    // The referenced column must be the target's whole primary key, i.e. unique.
    assert_eq!(
        resource(target)["schema"]["primaryKey"],
        serde_json::json!(["measure_id"])
    );
}

#[test]
fn programme_passport_figures() {
    let programme = table(DATASET, "programme.csv");
    assert_eq!(programme.rows.len(), 4);
    assert_figure(programme.sum("amount"), 6704931.1);
    assert_figure(programme.filter("year", "2024").sum("amount"), 3301953.5);
    assert_figure(programme.filter("year", "2025").sum("amount"), 3402977.6);
    assert_figure(
        programme
            .filter("funding_source", "city-budget")
            .sum("amount"),
        5804699.1,
    );
    assert_figure(
        programme
            .filter("funding_source", "other-sources")
            .sum("amount"),
        900232.0,
    );
}

#[test]
fn checks_declare_the_totals() {
    let package = package(DATASET);
    let expect = |resource: &str, column: &str, filter: serde_json::Value, expected: f64| {
        let check = column_total(&package, resource, column, filter, None);
        assert_figure(check["expected"].as_f64().expect("expected"), expected);
    };
    let none = serde_json::Value::Null;
    let city = serde_json::json!({"funding_source": "city-budget"});
    let other = serde_json::json!({"funding_source": "other-sources"});
    expect("measures", "amount_2024", none.clone(), 3301953.5);
    expect("measures", "amount_2025", none.clone(), 3402977.6);
    expect("measures", "amount_total", none.clone(), 6704931.1);
    expect("measures", "amount_total", city.clone(), 5804699.1);
    expect("measures", "amount_total", other.clone(), 900232.0);
    expect("programme", "amount", none, 6704931.1);
    expect("programme", "amount", city, 5804699.1);
    expect("programme", "amount", other, 900232.0);
}

#[test]
fn checks_flag_the_text_city_budget_figure_as_a_warning() {
    let package = package(DATASET);
    let check = column_total(
        &package,
        "measures",
        "amount_total",
        serde_json::json!({"funding_source": "city-budget"}),
        Some("warning"),
    );
    assert_figure(check["expected"].as_f64().expect("expected"), 5044699.1);
    let note = check["note"].as_str().expect("the warning has a note");
    assert!(note.contains("5 044 699,1") && note.contains("5 804 699,1"));
    assert!(note.contains("Ресурсне забезпечення Програми"));

    // The data itself follows the tables, not the text.
    let city = table(DATASET, "measures.csv").filter("funding_source", "city-budget");
    assert_figure(city.sum("amount_total"), 5804699.1);

    for key in ["description", "description_en"] {
        let text = package[key].as_str().expect(key);
        assert!(text.contains("5 044 699"), "{key} names the text's figure");
        assert!(text.contains("5 804 699"), "{key} names the tables' figure");
    }
}

/// The key facts of section II, as the document states them: 8 934 cameras (412 of other
/// bodies'), more than 320 thousand active e-democracy users in 2023, 927 street-lighting
/// cabinets, 1 326 connected surface vehicles.
#[test]
fn key_figures_of_section_ii() {
    let figures = table(DATASET, "key-figures.csv");
    for (indicator, value, qualifier) in [
        ("video-cameras", 8934.0, "exact"),
        ("video-cameras-other-bodies", 412.0, "exact"),
        ("e-democracy-users", 320_000.0, "more-than"),
        ("street-lighting-cabinets", 927.0, "exact"),
        ("connected-surface-vehicles", 1326.0, "exact"),
    ] {
        let row = figures.row("indicator", indicator);
        assert_figure(row.number("value"), value);
        assert_eq!(row.get("qualifier"), qualifier, "{indicator}");
        assert!(row.get("section").starts_with("II."), "{indicator}");
    }
    assert_eq!(
        figures.row("indicator", "e-democracy-users").get("as_of"),
        "2023",
        "the document gives the user count as of 2023"
    );
}
