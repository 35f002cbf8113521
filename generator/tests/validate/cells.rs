//! Cells and rows: every type, constraint and row-level error kind, each with its exact
//! error (type, row, field); invalid UTF-8, endless lines, truncation, the error cap and
//! the JSON report's shape.

use super::*;

#[test]
fn every_type_accepts_its_values_and_names_the_bad_cell() {
    // (type and options, a good cell, a bad cell)
    let cases = [
        (
            r#""type": "string", "format": "email""#,
            "office@kyivcity.gov.ua",
            "office(at)kyivcity",
        ),
        (
            r#""type": "string", "format": "uri""#,
            "https://kyivcity.gov.ua/",
            "kyivcity gov ua",
        ),
        (
            r#""type": "string", "format": "uuid""#,
            "123e4567-e89b-12d3-a456-426614174000",
            "123e4567",
        ),
        (r#""type": "number""#, "-1.5e3", "\"1,5\""),
        (
            r#""type": "number", "decimalChar": ",", "groupChar": " ""#,
            "\"84 667,2\"",
            "84.667",
        ),
        (r#""type": "number", "bareNumber": false"#, "12.5%", "%"),
        (r#""type": "integer""#, "2024", "20l9"),
        (
            r#""type": "boolean", "trueValues": ["так"], "falseValues": ["ні"]"#,
            "так",
            "true",
        ),
        (r#""type": "date""#, "2011-12-15", "15.12.2011"),
        (
            r#""type": "date", "format": "%d.%m.%Y""#,
            "15.12.2011",
            "2011-12-15",
        ),
        (r#""type": "time""#, "08:30:00", "8.30"),
        (
            r#""type": "datetime""#,
            "2024-01-02T03:04:05Z",
            "2024-01-02",
        ),
        (r#""type": "year""#, "2024", "202з"),
        (r#""type": "yearmonth""#, "2024-05", "2024-13"),
        (r#""type": "duration""#, "P1Y2M10DT2H30M", "1 day"),
        (r#""type": "geopoint""#, "\"30.52, 50.45\"", "\"250, 50\""),
        (
            r#""type": "geopoint", "format": "array""#,
            "\"[30.52, 50.45]\"",
            "\"30.52, 50.45\"",
        ),
        (
            r#""type": "geojson""#,
            r#""{""type"": ""Point"", ""coordinates"": [30, 50]}""#,
            r#""{""type"": ""Circle""}""#,
        ),
        (r#""type": "object""#, r#""{""a"": 1}""#, "[1]"),
        (r#""type": "array""#, "\"[1, 2]\"", "{}"),
    ];
    for (options, good, bad) in cases {
        let schema = format!(
            r#"{{"fields": [{{"name": "id", "type": "integer"}}, {{"name": "v", {options}}}]}}"#
        );
        let report = check(&schema, &format!("id,v\n1,{good}\n2,{bad}\n"));
        assert_eq!(
            errors(&report),
            one("type-error", 3, "v"),
            "{options}: {report}"
        );
    }
    // `any` takes anything.
    let report = check(
        r#"{"fields": [{"name": "v", "type": "any"}]}"#,
        "v\nщо завгодно\n",
    );
    assert!(report.valid);
}

#[test]
fn every_constraint_is_checked_with_typed_values() {
    let cases = [
        (
            r#""type": "integer", "constraints": {"required": true}"#,
            "5",
            "",
        ),
        (
            r#""type": "integer", "constraints": {"minimum": 2012}"#,
            "2012",
            "2011",
        ),
        (
            r#""type": "integer", "constraints": {"maximum": 2026}"#,
            "2026",
            "2027",
        ),
        (
            r#""type": "number", "constraints": {"exclusiveMinimum": 0}"#,
            "0.1",
            "0",
        ),
        (
            r#""type": "date", "constraints": {"minimum": "2011-01-01"}"#,
            "2011-01-01",
            "2010-12-31",
        ),
        (
            r#""type": "string", "constraints": {"minLength": 2}"#,
            "ab",
            "a",
        ),
        (
            r#""type": "string", "constraints": {"maxLength": 3}"#,
            "abc",
            "abcd",
        ),
        (
            r#""type": "array", "constraints": {"maxLength": 1}"#,
            "[1]",
            "\"[1,2]\"",
        ),
        (
            r#""type": "string", "constraints": {"pattern": "\\d{3}/\\d{4}"}"#,
            "824/7060",
            "824-7060",
        ),
        (
            r#""type": "string", "constraints": {"enum": ["city-budget", "other-sources"]}"#,
            "city-budget",
            "state",
        ),
        (
            r#""type": "integer", "constraints": {"enum": [2024, 2025]}"#,
            "2025",
            "2026",
        ),
        (
            r#""type": "number", "constraints": {"enum": [1.5]}"#,
            "1.50",
            "1.4",
        ),
    ];
    for (options, good, bad) in cases {
        let schema = format!(
            r#"{{"fields": [{{"name": "id", "type": "integer"}}, {{"name": "v", {options}}}]}}"#
        );
        let report = check(&schema, &format!("id,v\n1,{good}\n2,{bad}\n"));
        assert_eq!(
            errors(&report),
            one("constraint-error", 3, "v"),
            "{options}: {report}"
        );
    }
    let unique = r#"{"fields": [{"name": "id", "type": "integer"},
        {"name": "v", "constraints": {"unique": true}}]}"#;
    let report = check(unique, "id,v\n1,a\n2,b\n3,a\n4,\n5,\n");
    assert_eq!(
        errors(&report),
        one("unique-error", 4, "v"),
        "missing values are not duplicates"
    );
}

#[test]
fn missing_values_are_null_not_type_errors() {
    let schema = r#"{"fields": [{"name": "id", "type": "integer"}, {"name": "n", "type": "integer"}],
        "missingValues": ["", "-", "н/д"]}"#;
    assert!(check(schema, "id,n\n1,-\n2,н/д\n3,\n4,5\n").valid);
    let report = check(schema, "id,n\n-,-\n");
    assert_eq!(
        task(&report).errors[0].kind.code(),
        "blank-row",
        "every cell missing"
    );
}

#[test]
fn header_errors_are_one_per_label() {
    let schema = r#"{"fields": [{"name": "a"}, {"name": "b"}, {"name": "c"}]}"#;
    let report = check(schema, "a,x\n1,2\n");
    let kinds: Vec<_> = task(&report).errors.iter().map(|e| e.kind.code()).collect();
    assert_eq!(
        kinds,
        ["incorrect-label", "missing-label"],
        "the missing column is one error, not one per row"
    );
    assert_eq!(task(&report).errors[1].field_name.as_deref(), Some("c"));
}

#[test]
fn invalid_utf8_is_named_where_it_is() {
    let schema = r#"{"fields": [{"name": "a"}], "encoding": "utf-8"}"#;
    let report = check_with(schema, b"a\nok\n\xff\xfe\n", &Options::default());
    assert_eq!(errors(&report), one("encoding-error", 3, "a"));
    assert_eq!(
        task(&report).errors[0].message,
        "row 3, field `a` (column 1): invalid UTF-8 at byte 1 of the cell; the file may be in another encoding (declare `\"encoding\": \"windows-1251\"`)"
    );
}

#[test]
fn an_endless_line_is_a_clear_error() {
    let options = Options {
        max_line_bytes: 1 << 16,
        ..Options::default()
    };
    let mut csv = b"a\n".to_vec();
    csv.extend(std::iter::repeat_n(b'x', 1 << 20));
    let report = check_with(r#"{"fields": [{"name": "a"}]}"#, &csv, &options);
    assert_eq!(task(&report).errors.len(), 1);
    let e = &task(&report).errors[0];
    assert_eq!((e.kind.code(), e.row_number), ("source-error", None));
    assert_eq!(
        e.message,
        "line 2 is longer than 65536 bytes with no line break: this is not a CSV table (a wrong delimiter, a binary file, or a missing closing quote)"
    );
}

#[test]
fn truncated_files_and_empty_files_do_not_panic() {
    let schema = r#"{"fields": [{"name": "a", "type": "integer"}, {"name": "b"}]}"#;
    // A quote cut off by the end of the file: the file was truncated, never a valid cell.
    let report = check(schema, "a,b\n1,x\n2,\"unterminated\nsecond line");
    assert!(!report.valid, "{report}");
    assert_eq!(errors(&report), one("source-error", 3, "b"));
    assert_eq!(
        task(&report).errors[0].message,
        "row 3, field `b` (column 2): the file ends inside this quoted cell: its closing quote is missing, so the file is probably truncated; export or download it again"
    );
    assert_eq!(task(&report).stats.rows, 2);
    // Closed quotes, doubled quotes, quoted line breaks and a literal quote inside an
    // unquoted cell are not truncation.
    let report = check(
        schema,
        "a,b\n1,\"x \"\"y\"\" z\"\n2,\"a\nb\"\n3,5\" screen\n4,\"\"",
    );
    assert!(report.valid, "{report}");
    // A quote that never closes in a long file stops at the line limit, naming the line.
    let options = Options {
        max_line_bytes: 1 << 10,
        ..Options::default()
    };
    let mut csv = "a,b\n1,\"never closed\n".to_string();
    for n in 0..1000 {
        csv.push_str(&format!("{n},text\n"));
    }
    let report = check_with(schema, csv.as_bytes(), &options);
    let e = &task(&report).errors[0];
    assert_eq!((e.kind.code(), e.row_number), ("source-error", None));
    assert_eq!(
        e.message,
        "a quoted cell opened on line 2 is still open after 1024 bytes: its closing quote is probably missing (or the file is not a CSV table)"
    );
}

#[test]
fn max_errors_stops_early_and_says_so() {
    let schema = r#"{"fields": [{"name": "n", "type": "integer"}]}"#;
    let csv: String = std::iter::once("n\n".to_string())
        .chain((0..100).map(|i| format!("x{i}\n")))
        .collect();
    let options = Options {
        max_errors: Some(10),
        ..Options::default()
    };
    let report = check_with(schema, csv.as_bytes(), &options);
    let t = task(&report);
    assert!(t.partial);
    assert_eq!((t.errors.len(), t.stats.rows), (10, 10));
    assert!(
        report
            .to_string()
            .contains("STOPPED EARLY: 10 of 10 errors listed"),
        "{report}"
    );
    let json = serde_json::to_value(&report).unwrap();
    assert_eq!(json["tasks"][0]["partial"], true);
    assert_eq!(json["tasks"][0]["stats"]["rows"], 10);
}

#[test]
fn json_report_has_frictionless_shape() {
    let schema = r#"{"fields": [{"name": "year", "type": "integer"}]}"#;
    let report = check(schema, "year\n20l9\n");
    let json = serde_json::to_value(&report).unwrap();
    assert_eq!(json["valid"], false);
    assert_eq!(json["stats"]["errors"], 1);
    let e = &json["tasks"][0]["errors"][0];
    assert_eq!(e["type"], "type-error");
    assert_eq!(e["rowNumber"], 2);
    assert_eq!(e["fieldName"], "year");
    assert_eq!(e["fieldNumber"], 1);
    assert_eq!(e["cell"], "20l9");
    assert!(e["message"]
        .as_str()
        .unwrap()
        .starts_with("row 2, field `year` (column 1)"));
}

#[test]
fn mixed_script_words_warn_or_fail_as_the_schema_asks() {
    let csv = "name\nМісто Київ\nMiсто\n";
    let report = check(r#"{"fields": [{"name": "name"}]}"#, csv);
    assert!(report.valid);
    assert_eq!(task(&report).warning_details[0].row_number, Some(3));
    let strict = r#"{"fields": [{"name": "name", "x_mixed_script": "error"}]}"#;
    assert_eq!(errors(&check(strict, csv)), one("mixed-script", 3, "name"));
}

#[test]
fn duplicate_rows_without_a_primary_key_are_found() {
    let schema = r#"{"fields": [{"name": "a"}, {"name": "b", "type": "integer"}]}"#;
    let report = check(schema, "a,b\nx,1\ny,2\nx,1\n");
    assert_eq!(
        errors(&report),
        vec![("duplicate-row", Some(4), None)],
        "{report}"
    );
}

#[test]
fn a_repeated_primary_key_is_a_duplicate_row_only_when_the_whole_row_repeats() {
    // Row numbers count records, not lines: row 3 spans two lines, an empty line is a
    // (blank) record of its own, and quoting does not make a repeated row different.
    let schema = r#"{"fields": [{"name": "id", "type": "integer"}, {"name": "text"}],
        "primaryKey": ["id"]}"#;
    let csv = "id,text\n1,a\n2,\"two\nlines\"\n\n3,c\n\"1\",\"a\"\n2,other\n3,c\r\n";
    let report = check(schema, csv);
    assert_eq!(
        errors(&report),
        vec![
            ("blank-row", Some(4), None),
            ("primary-key", Some(4), Some("id".to_string())),
            ("duplicate-row", Some(6), None),
            ("primary-key", Some(7), Some("id".to_string())),
            ("duplicate-row", Some(8), None),
        ],
        "{report}"
    );
    assert!(report.to_string().contains("the row repeats row 2 exactly"));
    assert!(report
        .to_string()
        .contains("the primary key (id) repeats the key of row 3"));
}

#[test]
fn row_numbers_after_empty_lines_are_physical_record_numbers() {
    // An empty line is a record (RFC 4180), reported as a blank row; every later row keeps
    // its physical number, across LF, CRLF and a quoted cell spanning two lines. Before,
    // empty lines were skipped and every error after one pointed at the line above.
    let schema = r#"{"fields": [{"name": "id", "type": "integer"}, {"name": "name"}]}"#;
    for newline in ["\n", "\r\n"] {
        let csv = [
            "id,name", "1,a", "", "2,\"b", "b\"", "", "", "x,c", "4,d", "",
        ]
        .join(newline);
        let report = check(schema, &csv);
        assert_eq!(
            errors(&report),
            vec![
                ("blank-row", Some(3), None),
                ("blank-row", Some(5), None),
                ("blank-row", Some(6), None),
                ("type-error", Some(7), Some("id".to_string())),
            ],
            "{newline:?}: {report}"
        );
        assert!(report.to_string().contains("row 7, field `id` (column 1)"));
        assert_eq!(task(&report).stats.rows, 7);
    }
}

#[test]
fn a_short_row_has_its_present_cells_checked_and_nan_fails_a_minimum() {
    let schema = r#"{"fields": [{"name": "n", "type": "number", "constraints": {"minimum": 0}},
        {"name": "id", "type": "integer"}, {"name": "x"}]}"#;
    let report = check(schema, "n,id,x\nNaN,1,a\n1,zz\n");
    assert_eq!(
        errors(&report),
        vec![
            ("constraint-error", Some(2), Some("n".to_string())),
            ("type-error", Some(3), Some("id".to_string())),
            ("missing-cell", Some(3), Some("x".to_string())),
        ],
        "{report}"
    );
}
