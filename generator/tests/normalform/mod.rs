//! Issue 13: a package as Ukrainian budget systems export it (Windows-1251, `;`-separated,
//! decimal comma, a no-break space between digit groups, `DD.MM.YYYY` dates, `так`/`ні`,
//! `-` for a missing value) validates, builds, and is published in the normal form that
//! every later stage reads: its rows API answers the numbers as numbers, its budget page
//! shows the figure, and the published descriptor describes the published file.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

use crate::common::{portal_config, repo_root};

fn fixture() -> PathBuf {
    repo_root().join("generator/tests/fixtures/normalform/cp1251-budget")
}

fn vidkryto(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_vidkryto"))
        .args(args)
        .output()
        .expect("vidkryto runs")
}

/// Builds a portal of the fixture alone into a fresh folder; returns `public/`.
fn build_fixture() -> PathBuf {
    let root = std::env::temp_dir().join(format!("vidkryto-normalform-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    std::fs::create_dir_all(&root).unwrap();
    let public = root.join("public");
    let config = root.join("vidkryto.toml");
    let datasets = format!(
        "[[datasets]]\nname = \"cp1251-budget\"\npath = \"{}\"\n",
        fixture().display()
    );
    std::fs::write(
        &config,
        portal_config(&root.join("build"), &public, &datasets),
    )
    .unwrap();
    let out = vidkryto(&["--config", config.to_str().unwrap(), "build"]);
    assert!(
        out.status.success(),
        "the cp1251 package must build:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    public
}

/// GETs `path` from a server on `public` and parses the JSON body.
fn get_json(public: &Path, path: &str) -> Value {
    let (tx, rx) = std::sync::mpsc::channel();
    let dir = public.to_path_buf();
    std::thread::spawn(move || {
        let addr = "127.0.0.1:0".parse().unwrap();
        let _ = vidkryto_search::server::serve(&dir, addr, |bound| {
            let _ = tx.send(bound);
        });
    });
    let bound = rx
        .recv_timeout(std::time::Duration::from_secs(30))
        .expect("the server starts");
    let body = ureq::get(&format!("http://{bound}{path}"))
        .call()
        .unwrap_or_else(|e| panic!("GET {path}: {e}"))
        .body_mut()
        .read_to_string()
        .unwrap();
    serde_json::from_str(&body).unwrap_or_else(|e| panic!("GET {path}: not JSON ({e}): {body}"))
}

#[test]
fn a_windows_1251_semicolon_decimal_comma_package_is_published_in_the_normal_form() {
    let check = vidkryto(&["validate", fixture().to_str().unwrap()]);
    assert!(
        check.status.success(),
        "validate accepts the package as sent:\n{}",
        String::from_utf8_lossy(&check.stdout)
    );
    let public = build_fixture();
    let data = public.join("data/cp1251-budget");

    // The published CSV: UTF-8, comma-separated, plain numbers, ISO dates, true/false.
    let csv = std::fs::read_to_string(data.join("measures.csv")).expect("UTF-8 CSV");
    assert!(!csv.starts_with('\u{feff}'), "no BOM");
    let mut lines = csv.lines();
    assert_eq!(
        lines.next(),
        Some("measure_id,measure,executor,amount_2024,amount_2025,approved_on,co_funded")
    );
    assert_eq!(
        lines.next(),
        Some("1,Ремонт покрівлі школи № 3,Департамент освіти і науки,84667.2,12000.5,2024-01-15,true")
    );
    assert!(
        csv.contains("\n2,Освітлення парку «Перемога»; друга черга,Департамент житлово"),
        "a quoted cell with `;` stays one cell: {csv}"
    );
    assert!(
        csv.contains(",1250000,,2024-03-03,false"),
        "`-` is a missing value, written empty: {csv}"
    );

    // The published descriptor describes that file and keeps how the source was written.
    let package: Value =
        serde_json::from_slice(&std::fs::read(data.join("datapackage.json")).unwrap()).unwrap();
    let resource = &package["resources"][0];
    assert_eq!(resource["encoding"], "utf-8");
    assert!(resource.get("dialect").is_none(), "{resource}");
    let amount = &resource["schema"]["fields"][3];
    assert_eq!(amount["name"], "amount_2024");
    assert!(amount.get("decimalChar").is_none() && amount.get("groupChar").is_none());
    assert!(resource["schema"]["fields"][5].get("format").is_none());
    assert!(resource["schema"].get("missingValues").is_none());
    let received = &resource["sources"][0];
    assert_eq!(received["encoding"], "windows-1251");
    assert_eq!(received["dialect"]["delimiter"], ";");
    assert_eq!(received["fields"]["amount_2024"]["decimalChar"], ",");
    assert_eq!(received["missingValues"][1], "-");
    assert_eq!(
        resource["bytes"].as_u64(),
        Some(csv.len() as u64),
        "bytes of the published file"
    );

    // The rows API reads the normal form: numbers are numbers.
    let rows = get_json(
        &public,
        "/api/v1/datasets/cp1251-budget/measures.json?_shape=objects",
    );
    let first = rows["rows"]
        .as_array()
        .and_then(|r| r.first())
        .unwrap_or_else(|| panic!("rows: {rows}"));
    assert_eq!(first["amount_2024"].as_f64(), Some(84667.2), "{first}");
    assert_eq!(first["amount_2025"].as_f64(), Some(12000.5), "{first}");

    // The budget explorer page shows the figure in the reader's spelling.
    let page = std::fs::read_to_string(public.join("budget/cp1251-budget/index.html"))
        .expect("the package has a budget page");
    assert!(
        page.contains("84\u{a0}667,2") || page.contains("84 667,2"),
        "the measure's 2024 amount on the budget page"
    );
}
