//! Check figures: Kyiv e-government programme 2012–2014 and the draft sub-programme 2015–2018
//! (seed 000): the per-year resources and the totals the presentation states.

use crate::common::*;

const EGOV_2012: &str = "kyiv-egov-2012-2014";
const EGOV_2015: &str = "kyiv-egov-2015-2018";

/// The `expected` figure of the column-total check on `resource`.`column` (without `where`).
fn column_total_check(dataset: &str, resource: &str, column: &str) -> f64 {
    let pkg = package(dataset);
    let checks = pkg["checks"].as_array().expect("checks is an array");
    checks
        .iter()
        .find(|c| {
            c["rule"] == "column-total"
                && c["resource"] == resource
                && c["column"] == column
                && c.get("where").is_none()
        })
        .unwrap_or_else(|| panic!("{dataset}: no column-total check on {resource}.{column}"))
        ["expected"]
        .as_f64()
        .expect("expected is a number")
}

#[test]
fn egov_2012_2014_resources_by_year() {
    let t = table(EGOV_2012, "resources-by-year.csv");
    assert_eq!(t.rows.len(), 3);
    let expected = [
        ("2012", 84667.2, 19000.0, 19000.0),
        ("2013", 49077.0, 16942.0, 3942.0),
        ("2014", 23696.0, 5892.0, 2333.8),
    ];
    for (year, planned, budgeted, financed) in expected {
        let row = t.row("year", year);
        assert_figure(row.number("planned"), planned);
        assert_figure(row.number("budgeted"), budgeted);
        assert_figure(row.number("financed"), financed);
    }
}

#[test]
fn egov_2012_2014_totals() {
    let t = table(EGOV_2012, "resources-by-year.csv");
    assert_figure(t.sum("planned"), 157440.2);
    assert_figure(t.sum("budgeted"), 41834.0);
    assert_figure(t.sum("financed"), 25275.8);
    assert_figure(
        column_total_check(EGOV_2012, "resources-by-year", "planned"),
        157440.2,
    );
    assert_figure(
        column_total_check(EGOV_2012, "resources-by-year", "budgeted"),
        41834.0,
    );
    assert_figure(
        column_total_check(EGOV_2012, "resources-by-year", "financed"),
        25275.8,
    );
}

#[test]
fn egov_2012_2014_annual_savings() {
    let t = table(EGOV_2012, "annual-savings.csv");
    assert_eq!(t.rows.len(), 3);
    assert_figure(
        t.row("item", "apparatus-upkeep").number("amount_per_year"),
        3000.0,
    );
    assert_figure(
        t.row("item", "document-management-support")
            .number("amount_per_year"),
        4000.0,
    );
    assert_figure(
        t.row("item", "portals-support").number("amount_per_year"),
        1800.0,
    );
}

#[test]
fn egov_2015_2018_resources_by_year() {
    let t = table(EGOV_2015, "resources-by-year.csv");
    assert_eq!(t.rows.len(), 4);
    for (year, amount) in [
        ("2015", 75010.0),
        ("2016", 60648.0),
        ("2017", 46947.0),
        ("2018", 19946.0),
    ] {
        let row = t.row("year", year);
        assert_figure(row.number("total"), amount);
        assert_figure(row.number("city_budget"), amount);
        assert_eq!(row.get("other_sources"), "");
    }
    assert_figure(t.sum("total"), 202551.0);
    assert_figure(t.sum("city_budget"), 202551.0);
    assert_figure(
        column_total_check(EGOV_2015, "resources-by-year", "total"),
        202551.0,
    );
    assert_figure(
        column_total_check(EGOV_2015, "resources-by-year", "city_budget"),
        202551.0,
    );
}

#[test]
fn egov_2015_2018_measures() {
    let t = table(EGOV_2015, "measures.csv");
    assert_eq!(t.rows.len(), 10);
    assert_figure(t.row("position", "1").number("cost"), 23120.0);
    assert_figure(t.row("position", "4").number("cost"), 2297.0);
    assert_figure(t.row("position", "8").number("cost"), 30000.0);
    assert_figure(t.row("position", "10").number("cost"), 27000.0);
    // Four ITS sit under one heading in the document.
    assert_eq!(
        t.filter("group", "забезпечення розвитку та супроводження таких ІТС")
            .rows
            .len(),
        4
    );
    // The list ends with «та інші»: the listed measures fall short of the 202 551,0 total.
    assert_figure(t.sum("cost"), 144067.0);
}

#[test]
fn egov_2015_2018_expected_effects() {
    let t = table(EGOV_2015, "expected-effects.csv");
    assert_eq!(t.rows.len(), 6);
    assert_figure(
        t.filter("effect", "savings").sum("amount_per_year"),
        23000.0,
    );
    assert_figure(
        t.filter("effect", "revenue").sum("amount_per_year"),
        150000.0,
    );
}
