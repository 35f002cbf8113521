//! Check figures: the register of public-information documents the seeds cite carries the
//! documents the demo must show, each once, with number, date and issuer.

use crate::common::*;
use std::collections::HashSet;

const REGISTER: &str = "public-information-register";

#[test]
fn register_has_required_documents() {
    let t = table(REGISTER, "documents.csv");
    let required = [
        ("824/7060", "2011-12-15", "decision", "Київська міська рада"),
        ("602/6838", "2011-11-10", "decision", "Київська міська рада"),
        (
            "225",
            "2012-02-10",
            "order",
            "Виконавчий орган Київської міської ради (Київська міська державна адміністрація)",
        ),
        (
            "050/17-4113",
            "2023-10-23",
            "letter",
            "Департамент економіки та інвестицій виконавчого органу Київської міської ради (Київської міської державної адміністрації)",
        ),
        (
            "054-2-2-10/1963",
            "2023-10-22",
            "letter",
            "Департамент фінансів виконавчого органу Київської міської ради (Київської міської державної адміністрації)",
        ),
        (
            "1/06-2-13374",
            "2023-11-10",
            "letter",
            "Міністерство цифрової трансформації України",
        ),
    ];
    for (number, date, kind, issuer) in required {
        let row = t.row("number", number);
        assert_eq!(row.get("date"), date, "date of {number}");
        assert_eq!(row.get("kind"), kind, "kind of {number}");
        assert_eq!(row.get("issuer"), issuer, "issuer of {number}");
    }
}

#[test]
fn register_ids_unique_and_citations_resolve() {
    let t = table(REGISTER, "documents.csv");
    assert!(
        (30..=80).contains(&t.rows.len()),
        "{} documents",
        t.rows.len()
    );
    let ids: Vec<&str> = t.column("document_id");
    let unique: HashSet<&str> = ids.iter().copied().collect();
    assert_eq!(unique.len(), ids.len(), "duplicate document_id");
    // A number with a date identifies one document.
    let numbered: Vec<(&str, &str)> = t
        .column("number")
        .into_iter()
        .zip(t.column("date"))
        .filter(|(n, _)| !n.is_empty())
        .collect();
    let distinct: HashSet<&(&str, &str)> = numbered.iter().collect();
    assert_eq!(distinct.len(), numbered.len(), "duplicate number and date");

    let c = table(REGISTER, "citations.csv");
    for id in c.column("document_id") {
        assert!(unique.contains(id), "citation of unknown document {id}");
    }
    for id in &ids {
        assert!(
            !c.filter("document_id", id).rows.is_empty(),
            "{id} has no citation"
        );
    }
    // The strategy decision is cited by three of the seeds.
    let strategy = c.filter("document_id", "kmr-2011-12-15-824-7060");
    let seeds: HashSet<&str> = strategy.column("source_document").into_iter().collect();
    assert_eq!(seeds.len(), 3);
}
