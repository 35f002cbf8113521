//! A 200,000-row file with 13 kinds of injected faults: each is reported once, by its root
//! cause (a row short by two cells gives two `missing-cell` errors), with no cascades.

use std::collections::BTreeMap;

use super::*;

/// The 13 injected kinds of fault, and the (type, field) each must be reported as.
const FAULTS: [(&str, &str, &str); 13] = [
    ("wrong integer", "type-error", "quantity"),
    ("bad date", "type-error", "date"),
    ("decimal comma", "type-error", "amount"),
    ("enum", "constraint-error", "district"),
    ("out of range", "constraint-error", "year"),
    ("too long", "constraint-error", "title"),
    ("missing required", "constraint-error", "status"),
    ("missing cell", "missing-cell", ""),
    ("extra cell", "extra-cell", ""),
    ("blank row", "blank-row", ""),
    ("duplicate row", "duplicate-row", ""),
    ("duplicate key", "primary-key", "id"),
    ("duplicate code", "unique-error", "code"),
];

const DISTRICTS: [&str; 4] = ["Печерський", "Подільський", "Оболонський", "Дарницький"];

fn clean_row(i: u64) -> Vec<String> {
    format!(
        "{i},C{i:07},{},2024-{:02}-{:02},{},{}.{},Звернення {},{},{}",
        DISTRICTS[(i % 4) as usize],
        i % 12 + 1,
        i % 28 + 1,
        2012 + i % 12,
        i % 1000,
        i % 10,
        i % 97,
        i % 50,
        ["new", "done"][(i % 2) as usize]
    )
    .split(',')
    .map(str::to_string)
    .collect()
}

#[test]
fn two_hundred_thousand_rows_with_13_kinds_of_injected_faults_report_each_once() {
    let schema = r#"{"fields": [
        {"name": "id", "type": "integer"},
        {"name": "code", "constraints": {"unique": true}},
        {"name": "district", "constraints": {"enum": ["Печерський", "Подільський", "Оболонський", "Дарницький"]}},
        {"name": "date", "type": "date"},
        {"name": "year", "type": "integer", "constraints": {"minimum": 2012, "maximum": 2026}},
        {"name": "amount", "type": "number"},
        {"name": "title", "constraints": {"maxLength": 20}},
        {"name": "quantity", "type": "integer"},
        {"name": "status", "constraints": {"required": true}}
      ], "primaryKey": "id"}"#;
    let rows: u64 = 200_000;
    let mut csv = String::from("id,code,district,date,year,amount,title,quantity,status\n");
    let mut injected: BTreeMap<(&str, &str), usize> = BTreeMap::new();
    for i in 1..=rows {
        let mut cells = clean_row(i);
        if i % 1000 == 7 {
            let k = ((i / 1000) % 13) as usize;
            let (_, kind, field) = FAULTS[k];
            *injected.entry((kind, field)).or_default() += if k == 7 { 2 } else { 1 };
            // A blank row of a keyed table has an empty key too (frictionless reports both).
            if k == 9 {
                *injected.entry(("primary-key", "id")).or_default() += 1;
            }
            match k {
                0 => cells[7] = "12a".into(),
                1 => cells[3] = "2024-02-30".into(),
                2 => cells[5] = "\"12,5\"".into(),
                3 => cells[2] = "Київський".into(),
                4 => cells[4] = "2031".into(),
                5 => cells[6] = "Звернення дуже-дуже довге".into(),
                6 => cells[8] = String::new(),
                7 => cells.truncate(7),
                8 => cells.push("зайве".into()),
                9 => cells = vec![String::new(); 9],
                10 => cells = clean_row(i - 1),
                11 => cells[0] = (i - 1).to_string(),
                _ => cells[1] = format!("C{:07}", i - 1),
            }
        }
        csv.push_str(&cells.join(","));
        csv.push('\n');
    }
    let report = check_with(schema, csv.as_bytes(), &Options::default());
    let t = task(&report);
    assert_eq!(t.stats.rows, rows);
    assert!(!t.partial);
    let mut found: BTreeMap<(&str, &str), usize> = BTreeMap::new();
    for e in &t.errors {
        let field = match e.kind.code() {
            "missing-cell" | "extra-cell" | "blank-row" | "duplicate-row" => "",
            _ => e.field_name.as_deref().unwrap_or(""),
        };
        let key = FAULTS
            .iter()
            .find(|f| f.1 == e.kind.code() && f.2 == field)
            .map(|f| (f.1, f.2));
        *found
            .entry(key.unwrap_or(("unexpected", "error")))
            .or_default() += 1;
    }
    assert_eq!(found, injected, "no cascades, nothing missed");
    assert_eq!(injected.values().sum::<usize>(), t.errors.len());
    assert_eq!(
        injected[&("missing-cell", "")],
        2 * 15,
        "two missing cells per short row"
    );
}
