//! Check figures: documents registered in ITS «Single Information Space» by kind, with those
//! signed digitally: 2013 (seed 002, 662 088 / 103 469) and 01.01.2013–01.01.2015 (seed 000,
//! 1 752 464 / 256 178).

use crate::common::*;

const DOCS: &str = "kyiv-document-registration";
const TOTALS: [(&str, &str, f64); 4] = [
    ("seed-002", "registered", 662088.0),
    ("seed-002", "signed_digitally", 103469.0),
    ("seed-000", "registered", 1752464.0),
    ("seed-000", "signed_digitally", 256178.0),
];

#[test]
fn registration_totals() {
    let t = table(DOCS, "documents-by-kind.csv");
    assert_eq!(t.rows.len(), 12);
    for (source, column, total) in TOTALS {
        let rows = t.filter("source", source);
        assert_eq!(rows.rows.len(), 6);
        assert_figure(rows.sum(column), total);
    }
}

#[test]
fn registration_by_kind() {
    let t = table(DOCS, "documents-by-kind.csv");
    let s2 = t.filter("source", "seed-002");
    assert_figure(s2.row("kind", "incoming").number("registered"), 313002.0);
    assert_figure(
        s2.row("kind", "citizens-appeals")
            .number("signed_digitally"),
        5413.0,
    );
    // «-» in the document: no figure.
    assert_eq!(s2.row("kind", "regulatory").get("signed_digitally"), "");
    let s0 = t.filter("source", "seed-000");
    assert_figure(s0.row("kind", "outgoing").number("registered"), 724860.0);
    assert_figure(
        s0.row("kind", "citizens-appeals").number("registered"),
        140577.0,
    );
    assert_eq!(s0.row("kind", "incoming").get("period_end"), "2015-01-01");

    let p = table(DOCS, "citizens-appeals-processed.csv");
    assert_figure(
        p.row("source", "seed-002")
            .number("processed_by_department"),
        21598.0,
    );
    assert_figure(
        p.row("source", "seed-000")
            .number("processed_by_department"),
        41123.0,
    );
}

#[test]
fn registration_checks_declared() {
    let pkg = package(DOCS);
    let checks = pkg["checks"].as_array().expect("checks is an array");
    for (source, column, total) in TOTALS {
        let check = checks
            .iter()
            .find(|c| {
                c["rule"] == "column-total"
                    && c["column"] == column
                    && c["where"]["source"] == source
                    && c["where"].get("kind").is_none()
            })
            .unwrap_or_else(|| panic!("no column-total check for {source} {column}"));
        assert_figure(check["expected"].as_f64().expect("a number"), total);
    }
}
