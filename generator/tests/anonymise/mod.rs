//! `vidkryto anonymise` and `vidkryto synth appeals`, end to end through the binary: the leak
//! test over everything `build` publishes, an independent k-anonymity / l-diversity checker
//! (written apart from `kanon.rs`), what must survive redaction, and bad input.

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use aho_corasick::AhoCorasick;
use serde_json::Value;

use crate::common::{dataset_dir, repo_root};

mod live;

/// The published columns of `kyiv-appeals`, as the team contract states them.
const CONTRACT: [&str; 13] = [
    "id",
    "date",
    "year",
    "channel",
    "category",
    "district",
    "street",
    "h3_cell",
    "lat",
    "lon",
    "status",
    "text",
    "resolution",
];

fn vidkryto(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_vidkryto"))
        .args(args)
        .output()
        .expect("the vidkryto binary runs")
}

#[track_caller]
fn ok(output: Output) -> Output {
    assert!(
        output.status.success(),
        "vidkryto failed: {}\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("vidkryto-anon-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A temporary portal holding only a copy of the `kyiv-appeals` package whose raw input is
/// `raw` (the package points at its raw input through its private `appeals-raw` resource).
fn portal(dir: &Path, raw: &Path) -> PathBuf {
    let package = dir.join("datasets/kyiv-appeals");
    std::fs::create_dir_all(package.join("raw")).unwrap();
    std::fs::copy(
        dataset_dir("kyiv-appeals").join("datapackage.json"),
        package.join("datapackage.json"),
    )
    .unwrap();
    std::fs::copy(raw, package.join("raw/appeals.csv")).unwrap();
    let config = dir.join("vidkryto.toml");
    std::fs::write(
        &config,
        format!(
            "[portal]\ntitle = \"Т\"\ntitle_en = \"T\"\nbase_url = \"http://127.0.0.1:8080\"\n\n{}\
             [[datasets]]\nname = \"kyiv-appeals\"\n",
            crate::common::shared_site_paths()
        ),
    )
    .unwrap();
    config
}

fn synth(rows: u64, seed: u64, out: &Path) -> Vec<(String, String)> {
    ok(vidkryto(&[
        "synth",
        "appeals",
        "--rows",
        &rows.to_string(),
        "--seed",
        &seed.to_string(),
        "--out",
        out.to_str().unwrap(),
    ]));
    let manifest: Value =
        serde_json::from_slice(&std::fs::read(format!("{}.planted.json", out.display())).unwrap())
            .unwrap();
    manifest["planted"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["kind"].as_str().unwrap().to_string(),
                p["value"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// Every file under `dir`, recursively.
fn files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                out.push(path);
            }
        }
    }
    out
}

/// Planted values found in `bytes` (byte-exact, so binary index files count too).
fn leaks(needles: &AhoCorasick, values: &[(String, String)], bytes: &[u8]) -> Vec<String> {
    needles
        .find_overlapping_iter(bytes)
        .take(10)
        .map(|m| {
            let (kind, value) = &values[m.pattern().as_usize()];
            format!("{kind} {value:?}")
        })
        .collect()
}

struct Csv {
    headers: Vec<String>,
    rows: Vec<Vec<String>>,
}

fn read_csv(path: &Path) -> Csv {
    let mut reader = csv::Reader::from_path(path).unwrap();
    let headers = reader.headers().unwrap().iter().map(String::from).collect();
    let rows = reader
        .records()
        .map(|r| r.unwrap().iter().map(String::from).collect())
        .collect();
    Csv { headers, rows }
}

/// The independent checker: groups published rows by their published quasi-identifier
/// values and checks every group's size and diversity. It shares no code with `kanon.rs`.
fn check_k_l(csv: &Csv, policy: &Value) -> (usize, usize) {
    let k = policy["k"].as_u64().unwrap_or(5) as usize;
    let l = policy["l"].as_u64().unwrap_or(2) as usize;
    let column = |name: &str| csv.headers.iter().position(|h| h == name).unwrap();
    let qi: Vec<usize> = policy["quasi_identifiers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|q| column(q.as_str().unwrap()))
        .collect();
    let sensitive = column(policy["sensitive"].as_str().unwrap());
    let mut groups: HashMap<Vec<&str>, (usize, BTreeSet<&str>)> = HashMap::new();
    for row in &csv.rows {
        let key = qi.iter().map(|&i| row[i].as_str()).collect();
        let group = groups.entry(key).or_default();
        group.0 += 1;
        group.1.insert(row[sensitive].as_str());
    }
    let mut min_k = usize::MAX;
    let mut min_l = usize::MAX;
    for (key, (count, values)) in &groups {
        assert!(*count >= k, "class {key:?} has {count} rows < k = {k}");
        let all_empty = values.iter().all(|v| v.is_empty());
        assert!(
            all_empty || values.len() >= l,
            "class {key:?} has {} sensitive values {values:?} < l = {l}",
            values.len()
        );
        min_k = min_k.min(*count);
        if !all_empty {
            min_l = min_l.min(values.len());
        }
    }
    (min_k, min_l)
}

fn policy() -> Value {
    let package: Value = serde_json::from_slice(
        &std::fs::read(dataset_dir("kyiv-appeals").join("datapackage.json")).unwrap(),
    )
    .unwrap();
    package["privacy"].clone()
}

#[test]
fn leak_test_and_independent_k_l_check_on_50k_synthetic_appeals() {
    let dir = scratch("leak");
    let raw = dir.join("raw.csv");
    let planted = synth(50_000, 2026, &raw);
    assert!(planted.len() > 400_000, "{} planted values", planted.len());
    let kinds: BTreeSet<&str> = planted.iter().map(|(k, _)| k.as_str()).collect();
    for kind in [
        "name",
        "phone",
        "email",
        "tax_number",
        "passport",
        "bank_card",
        "car_plate",
        "url",
        "address",
        "id_card",
        "account_id",
    ] {
        assert!(kinds.contains(kind), "no planted {kind}");
    }
    assert!(
        planted.iter().any(|(_, v)| v.contains('’')),
        "no ’ apostrophe planted"
    );
    assert!(
        planted.iter().any(|(_, v)| v.contains('\'')),
        "no ' apostrophe planted"
    );
    let raw_before = std::fs::read(&raw).unwrap();

    // The full build of a portal whose kyiv-appeals raw input is the synthetic file.
    let config = portal(&dir, &raw);
    ok(vidkryto(&["--config", config.to_str().unwrap(), "build"]));
    let public = dir.join("public");
    let published = files(&public);
    let data = public.join("data/kyiv-appeals");
    for file in [
        "appeals.csv",
        "datapackage.json",
        "privacy.json",
        "requests.json",
    ] {
        assert!(data.join(file).exists(), "{file} not published");
    }
    assert!(
        !published
            .iter()
            .any(|p| p.to_string_lossy().contains("raw")),
        "the raw resource was published: {published:?}"
    );

    let needles = AhoCorasick::new(planted.iter().map(|(_, v)| v.as_str())).unwrap();
    let mut found = Vec::new();
    for file in &published {
        let bytes = std::fs::read(file).unwrap();
        for leak in leaks(&needles, &planted, &bytes) {
            found.push(format!("{}: {leak}", file.display()));
        }
    }
    assert!(
        found.is_empty(),
        "planted values published:\n{}",
        found.join("\n")
    );
    let answered = live::scan_live_answers(&public, &needles, &planted);
    assert!(
        answered.is_empty(),
        "planted values in the service's answers:\n{}",
        answered.join("\n")
    );

    // The same through `anonymise --in/--out`.
    let out = dir.join("out.csv");
    let report = dir.join("report.json");
    ok(vidkryto(&[
        "--config",
        config.to_str().unwrap(),
        "anonymise",
        "kyiv-appeals",
        "--in",
        raw.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--report",
        report.to_str().unwrap(),
    ]));
    let bytes = std::fs::read(&out).unwrap();
    assert_eq!(leaks(&needles, &planted, &bytes), Vec::<String>::new());
    assert_eq!(
        std::fs::read(&raw).unwrap(),
        raw_before,
        "the raw input changed"
    );

    // The published table: the contract's columns, k-anonymous and l-diverse by a checker
    // that is not the code that produced it, and still useful.
    let table = read_csv(&data.join("appeals.csv"));
    assert_eq!(table.headers, CONTRACT);
    let (k, l) = check_k_l(&table, &policy());
    assert!(k >= 5 && l >= 2, "k = {k}, l = {l}");
    assert!(
        table.rows.len() > 40_000,
        "only {} of 50 000 rows published",
        table.rows.len()
    );
    let privacy: Value =
        serde_json::from_slice(&std::fs::read(data.join("privacy.json")).unwrap()).unwrap();
    assert_eq!(privacy["rows_in"], 50_000);
    assert_eq!(privacy["rows_out"], table.rows.len());
    assert_eq!(privacy["suppressed"], 50_000 - table.rows.len());
    assert!(privacy["k"]["achieved"].as_u64().unwrap() >= 5);
    // Utility: the report's counts add up, and most rows keep an H3 cell (resolution 8 or 7)
    // while every published row keeps its district and category.
    let levels: u64 = privacy["levels"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["rows"].as_u64().unwrap())
        .sum();
    assert_eq!(levels, table.rows.len() as u64);
    let cell = &privacy["quasi_identifiers"]["h3_cell"];
    let with_cell: u64 = cell["rows"]
        .as_object()
        .unwrap()
        .values()
        .map(|v| v.as_u64().unwrap())
        .sum();
    assert!(
        with_cell as f64 >= 0.85 * 50_000.0,
        "only {with_cell} of 50 000 rows keep an H3 cell: {cell}"
    );
    let published_cells = table
        .rows
        .iter()
        .filter(|r| !r[table.headers.iter().position(|h| h == "h3_cell").unwrap()].is_empty())
        .count();
    assert_eq!(published_cells as u64, with_cell);
    assert!(privacy["suppressed_share"].as_f64().unwrap() <= 0.02);
    let loss = privacy["information_loss"].as_f64().unwrap();
    assert!((0.0..1.0).contains(&loss), "{loss}");
    for column in ["district", "category"] {
        let i = table.headers.iter().position(|h| h == column).unwrap();
        assert!(
            table.rows.iter().all(|r| !r[i].is_empty()),
            "a row lost its {column}"
        );
    }
    assert!(privacy["redactions"]["phone"].as_u64().unwrap() > 50_000);
    let requests: Value =
        serde_json::from_slice(&std::fs::read(data.join("requests.json")).unwrap()).unwrap();
    let requests = requests.as_array().unwrap();
    assert_eq!(requests.len(), table.rows.len());
    for field in [
        "service_request_id",
        "status",
        "service_name",
        "requested_datetime",
        "address",
        "description",
    ] {
        assert!(
            requests[0].get(field).is_some(),
            "requests.json lacks `{field}`"
        );
    }

    // What must stay: districts, street names, officials' titles, departments, decisions, sums.
    let col = |name: &str| table.headers.iter().position(|h| h == name).unwrap();
    let districts: BTreeSet<&str> = table
        .rows
        .iter()
        .map(|r| r[col("district")].as_str())
        .collect();
    assert_eq!(districts.len(), 10, "{districts:?}");
    let street_rows: Vec<_> = table
        .rows
        .iter()
        .filter(|r| !r[col("street")].is_empty())
        .collect();
    assert!(!street_rows.is_empty(), "no row kept its street");
    for row in &street_rows {
        assert!(
            row[col("text")].contains(&row[col("street")]),
            "street scrubbed from {:?}",
            row[col("text")]
        );
        assert!(!row[col("h3_cell")].is_empty() && !row[col("lat")].is_empty());
    }
    assert!(street_rows
        .iter()
        .any(|r| r[col("text")].contains("вул. Івана Франка")));
    let resolutions = table.rows.iter().map(|r| r[col("resolution")].as_str());
    let mut kept = 0;
    for resolution in resolutions {
        assert!(
            resolution.contains("рішення Київради № 824/7060 від 15.12.2011"),
            "{resolution}"
        );
        assert!(resolution.contains("12 500,00 грн"), "{resolution}");
        kept += usize::from(resolution.contains("Департамент житлово-комунальної інфраструктури"));
    }
    assert!(kept > 0);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn synth_is_deterministic_and_writes_the_raw_columns() {
    let dir = scratch("synth");
    let (a, b, c) = (dir.join("a.csv"), dir.join("b.csv"), dir.join("c.csv"));
    synth(300, 7, &a);
    synth(300, 7, &b);
    synth(300, 8, &c);
    assert_eq!(std::fs::read(&a).unwrap(), std::fs::read(&b).unwrap());
    assert_ne!(std::fs::read(&a).unwrap(), std::fs::read(&c).unwrap());
    let package: Value = serde_json::from_slice(
        &std::fs::read(dataset_dir("kyiv-appeals").join("datapackage.json")).unwrap(),
    )
    .unwrap();
    let raw_fields: Vec<&str> = package["resources"][0]["schema"]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["name"].as_str().unwrap())
        .collect();
    assert_eq!(read_csv(&a).headers, raw_fields);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn bundled_samples_publish_without_a_name() {
    let dir = scratch("bundled");
    let out = dir.join("out.csv");
    let config = repo_root().join("vidkryto.toml");
    let raw = dataset_dir("kyiv-appeals").join("raw/appeals.csv");
    ok(vidkryto(&[
        "--config",
        config.to_str().unwrap(),
        "anonymise",
        "kyiv-appeals",
        "--in",
        raw.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]));
    let table = read_csv(&out);
    assert_eq!(table.headers, CONTRACT);
    assert!(table.rows.len() >= 5);
    check_k_l(&table, &policy());
    let published = std::fs::read_to_string(&out).unwrap();
    let raw_table = read_csv(&raw);
    let name = raw_table
        .headers
        .iter()
        .position(|h| h == "applicant_name")
        .unwrap();
    for row in &raw_table.rows {
        for part in row[name]
            .split_whitespace()
            .filter(|p| p.chars().count() > 3)
        {
            assert!(
                !published.contains(part),
                "applicant name part {part:?} published"
            );
        }
    }
    for official in ["Іваненко", "Ковалчук", "ЛЯПІНА", "ПУЗАНОВ", "Володимире"]
    {
        assert!(!published.contains(official), "{official} published");
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Runs `anonymise --in` on a modified copy of the bundled raw file; returns stderr.
fn bad_input(name: &str, edit: impl Fn(&str) -> String) -> String {
    let dir = scratch(name);
    let raw = dir.join("raw.csv");
    let original =
        std::fs::read_to_string(dataset_dir("kyiv-appeals").join("raw/appeals.csv")).unwrap();
    let text = edit(&original);
    std::fs::write(&raw, &text).unwrap();
    let out = dir.join("out.csv");
    let config = repo_root().join("vidkryto.toml");
    let output = vidkryto(&[
        "--config",
        config.to_str().unwrap(),
        "anonymise",
        "kyiv-appeals",
        "--in",
        raw.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(output.status.code(), Some(2));
    assert!(!out.exists(), "output written despite the error");
    assert_eq!(
        std::fs::read_to_string(&raw).unwrap(),
        text,
        "raw input modified"
    );
    std::fs::remove_dir_all(&dir).unwrap();
    String::from_utf8(output.stderr).unwrap()
}

#[test]
fn bad_input_is_named_by_line_and_column() {
    let err = bad_input("missing", |t| t.replacen("applicant_email", "email", 1));
    assert!(
        err.contains("column `applicant_email` named in the privacy policy is missing"),
        "{err}"
    );

    let err = bad_input("date", |t| t.replacen("02.04.2013", "02/04/2013", 1));
    assert!(
        err.contains("line 27, column `registered_at`: `02/04/2013` is not a date"),
        "{err}"
    );
    // The same line with LF line ends (the bundled file has CRLF).
    let err = bad_input("date-lf", |t| {
        t.replace("\r\n", "\n")
            .replacen("02.04.2013", "02/04/2013", 1)
    });
    assert!(
        err.contains("line 27, column `registered_at`: `02/04/2013` is not a date"),
        "{err}"
    );

    let err = bad_input("coords", |t| {
        t.replacen("P-8815,04.10.2013,WEB-сайт 1551.gov.ua,Відсутність опалення у квартирі,,,\"бульвар Праці, 1\",,",
            "P-8815,04.10.2013,WEB-сайт 1551.gov.ua,Відсутність опалення у квартирі,,,\"бульвар Праці, 1\",48.46,35.04", 1)
    });
    assert!(
        err.contains("line 28, column `lat`/`lon`: (48.46, 35.04) is outside the city"),
        "{err}"
    );
}

#[test]
fn unknown_hierarchy_level_is_a_policy_error() {
    let dir = scratch("policy");
    let config = portal(&dir, &dataset_dir("kyiv-appeals").join("raw/appeals.csv"));
    let package = dir.join("datasets/kyiv-appeals/datapackage.json");
    let text = std::fs::read_to_string(&package).unwrap();
    std::fs::write(&package, text.replacen("\"month\"", "\"fortnight\"", 1)).unwrap();
    let output = vidkryto(&["--config", config.to_str().unwrap(), "anonymise"]);
    assert_eq!(output.status.code(), Some(2));
    let err = String::from_utf8(output.stderr).unwrap();
    assert!(
        err.contains("the `privacy` policy is invalid") && err.contains("fortnight"),
        "{err}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}
