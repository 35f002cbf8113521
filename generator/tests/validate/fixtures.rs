//! `fixtures/validate/`: invalid cases with their exact messages, valid real-world shapes
//! (Windows-1251 with semicolons and decimal commas, BOM, CRLF, quoted newlines), and
//! mutated inputs that must never panic.

use super::*;

/// Each `fixtures/validate/invalid/<case>/` holds schema.json, data.csv and the exact
/// messages expected (expected.txt; warnings.txt when there are warnings).
#[test]
fn invalid_fixtures_give_their_exact_messages() {
    let dir = fixtures().join("invalid");
    let mut cases: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    cases.sort();
    assert!(cases.len() >= 6);
    for case in cases {
        let schema = std::fs::read_to_string(case.join("schema.json")).unwrap();
        let expected = std::fs::read_to_string(case.join("expected.txt")).unwrap();
        let expected: Vec<&str> = expected.lines().collect();
        let data = case.join("data.csv");
        let actual: Vec<String> = match check_file(&schema, &data) {
            Err(err) => vec![err.to_string()],
            Ok(report) => {
                assert!(!report.valid, "{}", case.display());
                task(&report)
                    .errors
                    .iter()
                    .map(|e| e.message.clone())
                    .collect()
            }
        };
        assert_eq!(actual, expected, "{}", case.display());
        if let Ok(warnings) = std::fs::read_to_string(case.join("warnings.txt")) {
            let report = check_file(&schema, &data).unwrap();
            assert_eq!(
                task(&report).warnings,
                warnings.lines().collect::<Vec<_>>(),
                "{}",
                case.display()
            );
        }
    }
}

#[test]
fn valid_fixtures_pass_in_cp1251_with_bom_crlf_and_quoted_newlines() {
    for (case, encoding) in [
        ("cp1251-semicolons", "windows-1251"),
        ("bom-crlf-multiline", "utf-8"),
    ] {
        let dir = fixtures().join("valid").join(case);
        let schema = std::fs::read_to_string(dir.join("schema.json")).unwrap();
        let report = check_file(&schema, &dir.join("data.csv")).unwrap();
        assert!(report.valid, "{case}: {report}");
        assert_eq!(task(&report).stats.encoding, encoding);
    }
}

/// A cheap, deterministic stand-in for the cargo-fuzz target (fuzz/): mutated CSVs and
/// schemas never panic and always give a report or a clear error.
#[test]
fn mutated_inputs_never_panic() {
    let schema =
        std::fs::read_to_string(fixtures().join("invalid/constraints/schema.json")).unwrap();
    let csv = std::fs::read(fixtures().join("invalid/constraints/data.csv")).unwrap();
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let alphabet = b",;\"\n\r\t \xff\xd0-.0123456789eE{}[]:";
    for _ in 0..400 {
        let mut data = csv.clone();
        let mut text = schema.clone().into_bytes();
        for _ in 0..(next() % 8 + 1) {
            let target = if next() % 4 == 0 {
                &mut text
            } else {
                &mut data
            };
            if target.is_empty() {
                break;
            }
            let at = (next() as usize) % target.len();
            match next() % 3 {
                0 => target[at] = alphabet[(next() as usize) % alphabet.len()],
                1 => {
                    target.remove(at);
                }
                _ => target.insert(at, alphabet[(next() as usize) % alphabet.len()]),
            }
        }
        let text = String::from_utf8_lossy(&text);
        let _ = validate::validate_table(
            &text,
            Path::new("schema.json"),
            TableData::Bytes(&data),
            &Options::default(),
        );
    }
}
