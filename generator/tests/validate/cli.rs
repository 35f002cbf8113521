//! The `vidkryto validate` exit codes (0 valid, 1 invalid, 2 unusable input), and `build`
//! refusing to publish a dataset that does not validate.

use std::process::Command;

use super::*;
use crate::common;

fn vidkryto(args: &[&str], dir: &Path) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_vidkryto"))
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn cli_exit_codes_are_0_valid_1_invalid_2_unusable() {
    let fx = fixtures();
    let (code, out, _) = vidkryto(
        &[
            "validate",
            "--schema",
            "valid/bom-crlf-multiline/schema.json",
            "valid/bom-crlf-multiline/data.csv",
        ],
        &fx,
    );
    assert_eq!(code, 0, "{out}");
    let (code, out, _) = vidkryto(
        &[
            "validate",
            "--json",
            "--schema",
            "invalid/ocr-population/schema.json",
            "invalid/ocr-population/data.csv",
        ],
        &fx,
    );
    assert_eq!(code, 1);
    let json: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(json["tasks"][0]["errors"][0]["cell"], "254l57");
    // A schema that is not one is a schema error in the report, not a refusal.
    let (code, out, _) = vidkryto(
        &[
            "validate",
            "--schema",
            "invalid/schema-not-json/schema.json",
            "invalid/schema-not-json/data.csv",
        ],
        &fx,
    );
    assert_eq!(code, 1);
    assert!(out.contains("is not a Table Schema"), "{out}");
    let (code, _, err) = vidkryto(
        &[
            "validate",
            "--schema",
            "invalid/constraints/schema.json",
            "no-such.csv",
        ],
        &fx,
    );
    assert_eq!(code, 2);
    assert!(err.contains("cannot read `no-such.csv`"), "{err}");
    // A truncated file (its last quoted cell never closes) is invalid: exit 1, naming
    // the row and field.
    let dir = scratch("truncated");
    std::fs::write(dir.join("data.csv"), "a,b\n1,\"cut off here").unwrap();
    std::fs::write(
        dir.join("schema.json"),
        r#"{"fields": [{"name": "a", "type": "integer"}, {"name": "b"}]}"#,
    )
    .unwrap();
    let (code, out, _) = vidkryto(
        &["validate", "--json", "--schema", "schema.json", "data.csv"],
        &dir,
    );
    assert_eq!(code, 1, "{out}");
    let json: serde_json::Value = serde_json::from_str(&out).unwrap();
    let error = &json["tasks"][0]["errors"][0];
    assert_eq!(error["type"], "source-error");
    assert_eq!(error["rowNumber"], 2);
    assert_eq!(error["fieldName"], "b");
    std::fs::remove_dir_all(&dir).unwrap();
    let zhytomyr = common::dataset_dir("zhytomyr-e-city-2021-2026");
    let zhytomyr = zhytomyr.to_str().unwrap();
    let (code, out, _) = vidkryto(&["validate", zhytomyr], &fx);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("expected errors in known-bad raw input"),
        "{out}"
    );
    let (code, out, _) = vidkryto(&["validate", zhytomyr, "--resource", "population-raw"], &fx);
    assert_eq!(code, 1, "{out}");
}

#[test]
fn build_refuses_an_invalid_dataset_and_publishes_reports_of_valid_ones() {
    let dir = scratch("build");
    let write_portal = |population: &str| {
        let ds = dir.join("datasets/towns");
        std::fs::create_dir_all(&ds).unwrap();
        std::fs::write(
            ds.join("towns.csv"),
            format!("town,population\nЖитомир,{population}\n"),
        )
        .unwrap();
        std::fs::write(
            ds.join("datapackage.json"),
            r#"{"name": "towns", "title": "Міста", "resources": [{"name": "towns", "path": "towns.csv",
              "schema": {"fields": [{"name": "town"}, {"name": "population", "type": "integer"}]}}]}"#,
        )
        .unwrap();
        std::fs::write(
            dir.join("vidkryto.toml"),
            format!(
                "[portal]\ntitle = \"Т\"\ntitle_en = \"T\"\nbase_url = \"http://127.0.0.1\"\n\n{}[[datasets]]\nname = \"towns\"\n",
                common::shared_site_paths()
            ),
        )
        .unwrap();
    };
    write_portal("2404з9");
    let config = vidkryto::config::Config::load(&dir.join("vidkryto.toml")).unwrap();
    let err = format!("{:#}", vidkryto::build::build(&config).unwrap_err());
    assert!(err.contains("dataset `towns` does not validate"), "{err}");
    assert!(err.contains("\"2404з9\" is not an integer"), "{err}");
    assert!(!dir.join("public").exists(), "nothing was published");

    write_portal("240439");
    vidkryto::build::build(&config).unwrap();
    let layout = vidkryto_search::Layout::new(dir.join("public"));
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(layout.validation_file("towns")).unwrap()).unwrap();
    assert_eq!(report["valid"], true);
    assert_eq!(report["tasks"][0]["stats"]["rows"], 1);
    std::fs::remove_dir_all(&dir).unwrap();
}
