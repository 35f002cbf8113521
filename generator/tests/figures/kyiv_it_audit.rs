//! Check figures: the audit of Kyiv's IT spending in 2010–2011 (seed 000):
//! 215 923,2 = 57 959,3 + 84 687,4 + 73 276,5 thousand UAH, and 1153 audited legal entities.

use crate::common::*;

const AUDIT: &str = "kyiv-it-audit-2010-2011";

fn column_total_check(resource: &str, column: &str) -> f64 {
    let pkg = package(AUDIT);
    pkg["checks"]
        .as_array()
        .expect("checks is an array")
        .iter()
        .find(|c| c["rule"] == "column-total" && c["resource"] == resource && c["column"] == column)
        .unwrap_or_else(|| panic!("no column-total check on {resource}.{column}"))["expected"]
        .as_f64()
        .expect("expected is a number")
}

#[test]
fn it_audit_spending_by_category() {
    let t = table(AUDIT, "spending-by-category.csv");
    assert_eq!(t.rows.len(), 3);
    assert_figure(t.row("category", "purchase").number("amount"), 57959.3);
    assert_figure(
        t.row("category", "maintenance-support").number("amount"),
        84687.4,
    );
    assert_figure(t.row("category", "it-staff").number("amount"), 73276.5);
    assert_figure(t.sum("amount"), 215923.2);
    assert_figure(
        column_total_check("spending-by-category", "amount"),
        215923.2,
    );
}

#[test]
fn it_audit_entities_and_key_figures() {
    let t = table(AUDIT, "audited-entities.csv");
    assert_eq!(t.rows.len(), 9);
    assert_figure(t.sum("legal_entities"), 1153.0);
    assert_figure(t.row("group", "education").number("legal_entities"), 473.0);
    assert_figure(
        column_total_check("audited-entities", "legal_entities"),
        1153.0,
    );

    let k = table(AUDIT, "key-figures.csv");
    assert_figure(
        k.row("indicator", "personal-computers").number("value"),
        30078.0,
    );
    assert_figure(k.row("indicator", "servers").number("value"), 438.0);
    assert_figure(
        k.row("indicator", "current-need-units").number("value"),
        52404.0,
    );
    assert_figure(
        k.row("indicator", "current-need-cost").number("value"),
        115209.5,
    );
}
