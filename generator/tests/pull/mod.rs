//! `vidkryto pull` against a local HTTP server: a plain CSV, a Windows-1251 `;` CSV with
//! decimal commas and a header to map, an XLSX with title rows, a CKAN `package_show`
//! resource, conditional requests (304), 500 then 200, and the "nothing lost" cases (a
//! timeout, HTML instead of CSV, a body over the size limit, a table that no longer
//! validates) — each asserting the cached bytes, the provenance record and the exit status;
//! then `build` from the cache and the rows API with the mapped names and typed values.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use serde_json::{json, Value};

use crate::common::http::{Reply, Server};

fn vidkryto(config: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_vidkryto"))
        .arg("--config")
        .arg(config)
        .args(args)
        .output()
        .expect("the vidkryto binary runs")
}

fn text(output: &Output) -> String {
    format!(
        "status {}\nstdout:\n{}\nstderr:\n{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("vidkryto-pull-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A portal with one dataset `city-budget` whose resources are the given ones.
fn portal(dir: &Path, resources: Value) -> PathBuf {
    let package = dir.join("datasets/city-budget");
    std::fs::create_dir_all(&package).unwrap();
    let json = json!({
        "name": "city-budget",
        "title": "Бюджет міста",
        "title_en": "City budget",
        "resources": resources,
    });
    std::fs::write(
        package.join("datapackage.json"),
        serde_json::to_vec_pretty(&json).unwrap(),
    )
    .unwrap();
    let config = dir.join("vidkryto.toml");
    std::fs::write(
        &config,
        format!(
            "[portal]\ntitle = \"Т\"\ntitle_en = \"T\"\nbase_url = \"http://127.0.0.1:8080\"\n\n{}\
             [[datasets]]\nname = \"city-budget\"\n",
            crate::common::shared_site_paths()
        ),
    )
    .unwrap();
    config
}

fn fields(spec: &[(&str, &str)]) -> Value {
    json!({"fields": spec.iter().map(|(n, t)| json!({"name": n, "type": t})).collect::<Vec<_>>()})
}

fn resource(name: &str, pull: Value, schema: Value) -> Value {
    json!({"name": name, "title": name, "pull": pull, "schema": schema})
}

const SMALL: &str = "id,value\n1,2.5\n2,7\n";

fn cp1251(text: &str) -> Vec<u8> {
    let (bytes, _, unmappable) = encoding_rs::WINDOWS_1251.encode(text);
    assert!(!unmappable);
    bytes.into_owned()
}

/// An XLSX with two title rows and a blank row above the table, and a column to drop.
fn workbook() -> Vec<u8> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name("Видатки").unwrap();
    sheet
        .write_string(0, 0, "Виконання бюджету міста за 2024 рік")
        .unwrap();
    sheet.write_string(1, 0, "(тис. грн)").unwrap();
    for (c, h) in ["КПКВК", "Програма", "Затверджено", "Виконано", "Примітка"]
        .iter()
        .enumerate()
    {
        sheet.write_string(3, c as u16, *h).unwrap();
    }
    let rows = [
        (
            "0210150",
            "Організаційне забезпечення",
            1500.5,
            1499.25,
            "—",
        ),
        (
            "0217520",
            "Цифрова трансформація",
            27395.4,
            12000.0,
            "е-місто",
        ),
    ];
    for (r, (code, name, planned, done, note)) in rows.iter().enumerate() {
        let r = r as u32 + 4;
        sheet.write_string(r, 0, *code).unwrap();
        sheet.write_string(r, 1, *name).unwrap();
        sheet.write_number(r, 2, *planned).unwrap();
        sheet.write_number(r, 3, *done).unwrap();
        sheet.write_string(r, 4, *note).unwrap();
    }
    book.save_to_buffer().unwrap()
}

fn small() -> Value {
    fields(&[("id", "integer"), ("value", "number")])
}

fn all_resources(server: &Server) -> Value {
    json!([
        resource(
            "plain",
            json!({"url": server.url("/plain.csv")}),
            fields(&[("id", "integer"), ("name", "string"), ("amount", "number")])
        ),
        resource(
            "programmes",
            json!({
                "url": server.url("/programmes-1251.csv"),
                "columns": {"Код програми": "code", "Назва": "title", "Сума, тис. грн": "amount", "Дата рішення": "decided"},
                "values": {"year": 2024}
            }),
            fields(&[
                ("code", "string"),
                ("title", "string"),
                ("amount", "number"),
                ("decided", "date"),
                ("year", "integer")
            ])
        ),
        resource(
            "execution",
            json!({
                "url": server.url("/budget.xlsx"),
                "sheet": "Видатки",
                "columns": {"КПКВК": "kpkvk", "Програма": "programme", "Затверджено": "approved", "Виконано": "executed"},
                "drop": ["Примітка"]
            }),
            fields(&[
                ("kpkvk", "string"),
                ("programme", "string"),
                ("approved", "number"),
                ("executed", "number")
            ])
        ),
        resource(
            "from-ckan",
            json!({"url": format!("ckan+{}#Видатки", server.url("/dataset/city-budget-2024"))}),
            fields(&[("code", "string"), ("amount", "number")])
        ),
        resource(
            "gzipped",
            json!({"url": server.url("/gzipped.csv")}),
            small()
        ),
        resource(
            "execution-range",
            json!({
                "url": server.url("/budget.xlsx"),
                "range": "A4:D6",
                "columns": {"КПКВК": "kpkvk", "Програма": "programme", "Затверджено": "approved", "Виконано": "executed"}
            }),
            fields(&[
                ("kpkvk", "string"),
                ("programme", "string"),
                ("approved", "number"),
                ("executed", "number")
            ])
        ),
        resource(
            "execution-skip",
            json!({
                "url": server.url("/budget.xlsx"),
                "format": "xlsx",
                "skip_rows": 3,
                "columns": {"КПКВК": "kpkvk", "Програма": "programme", "Затверджено": "approved", "Виконано": "executed"},
                "drop": ["Примітка"]
            }),
            fields(&[
                ("kpkvk", "string"),
                ("programme", "string"),
                ("approved", "number"),
                ("executed", "number")
            ])
        ),
        resource(
            "export",
            json!({
                "url": server.url("/export.json"),
                "records": "/data/rows",
                "columns": {"kpkvk": "code", "/amount/plan": "planned", "/amount/fact": "financed"},
                "drop": ["name"]
            }),
            fields(&[
                ("code", "string"),
                ("planned", "number"),
                ("financed", "number")
            ])
        ),
        resource(
            "conditional",
            json!({"url": server.url("/etag.csv")}),
            small()
        ),
        resource("flaky", json!({"url": server.url("/flaky.csv")}), small()),
        resource("slow", json!({"url": server.url("/slow.csv")}), small()),
        resource("html", json!({"url": server.url("/html.csv")}), small()),
        resource("large", json!({"url": server.url("/large.csv")}), small()),
        resource(
            "invalid",
            json!({"url": server.url("/invalid.csv")}),
            small()
        ),
    ])
}

/// Sources that answer well until `broken` is set.
fn routes(server: &Server, broken: Arc<AtomicBool>, xlsx: Vec<u8>) {
    server.route("/plain.csv", |_| {
        Reply::ok(
            "text/csv",
            "id,name,amount\n1,Школа № 5,12.5\n2,Ліцей «Престиж»,1200\n",
        )
    });
    server.route("/programmes-1251.csv", |_| {
        Reply::ok(
            "text/csv",
            cp1251(
                "Код програми;Назва;Сума, тис. грн;Дата рішення\r\n\
                 0611010;Надання дошкільної освіти;1 234,5;15.12.2023\r\n\
                 0611021;Надання загальної середньої освіти;98 765,43;15.12.2023\r\n",
            ),
        )
    });
    server.route("/budget.xlsx", move |_| {
        Reply::ok(
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            xlsx.clone(),
        )
    });
    let data_url = server.url("/ckan-data.csv");
    server.route("/api/3/action/package_show?id=city-budget-2024", move |_| {
        Reply::ok(
            "application/json",
            json!({"success": true, "result": {"name": "city-budget-2024", "resources": [
                {"id": "a1", "name": "Доходи", "url": "http://127.0.0.1:9/none.csv", "format": "CSV"},
                {"id": "b2", "name": "Видатки", "url": data_url, "format": "CSV"}
            ]}})
            .to_string(),
        )
    });
    server.route("/ckan-data.csv", |_| {
        Reply::ok("text/csv", "code,amount\n0100,10.5\n0200,3\n")
    });
    server.route("/gzipped.csv", |r| {
        use std::io::Write;
        let accepts = r
            .headers
            .get("accept-encoding")
            .is_some_and(|e| e.contains("gzip"));
        if !accepts {
            return Reply::status(406);
        }
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        gz.write_all(SMALL.as_bytes()).unwrap();
        Reply::ok("text/csv", gz.finish().unwrap()).header("Content-Encoding", "gzip")
    });
    server.route("/export.json", |_| {
        Reply::ok(
            "application/json",
            json!({"data": {"rows": [
                {"kpkvk": "0210150", "name": "Апарат", "amount": {"plan": 1500.5, "fact": 1499}},
                {"kpkvk": "0217520", "name": "е-місто", "amount": {"plan": 27395.4, "fact": null}}
            ]}})
            .to_string(),
        )
    });
    server.route("/etag.csv", |r| {
        if r.headers.get("if-none-match").map(String::as_str) == Some("\"v1\"") {
            Reply::status(304).header("ETag", "\"v1\"")
        } else {
            Reply::ok("text/csv", SMALL)
                .header("ETag", "\"v1\"")
                .header("Last-Modified", "Mon, 01 Dec 2025 10:00:00 GMT")
        }
    });
    server.route("/flaky.csv", |r| {
        if r.count % 2 == 0 {
            Reply::status(500)
        } else {
            Reply::ok("text/csv", SMALL)
        }
    });
    let b = broken.clone();
    server.route("/slow.csv", move |_| {
        if b.load(Ordering::SeqCst) {
            Reply::Hang(Duration::from_secs(6))
        } else {
            Reply::ok("text/csv", SMALL)
        }
    });
    let b = broken.clone();
    server.route("/html.csv", move |_| {
        if b.load(Ordering::SeqCst) {
            Reply::ok(
                "text/html; charset=utf-8",
                "<!DOCTYPE html><html><body>Увійдіть</body></html>",
            )
        } else {
            Reply::ok("text/csv", SMALL)
        }
    });
    let b = broken.clone();
    server.route("/large.csv", move |_| {
        if b.load(Ordering::SeqCst) {
            let mut body = String::from("id,value\n");
            for i in 0..20_000 {
                body.push_str(&format!("{i},{i}.5\n"));
            }
            Reply::ok("text/csv", body)
        } else {
            Reply::ok("text/csv", SMALL)
        }
    });
    let b = broken;
    server.route("/invalid.csv", move |_| {
        if b.load(Ordering::SeqCst) {
            Reply::ok("text/csv", "id,value\nодин,2.5\n")
        } else {
            Reply::ok("text/csv", SMALL)
        }
    });
}

fn summary(output: &Output) -> Value {
    serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", text(output)))
}

fn outcome<'a>(summary: &'a Value, resource: &str) -> &'a Value {
    summary["resources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["resource"] == resource)
        .unwrap_or_else(|| panic!("no outcome for {resource}: {summary}"))
}

fn provenance(raw: &Path, resource: &str) -> Value {
    let json: Value =
        serde_json::from_slice(&std::fs::read(raw.join("provenance.json")).unwrap()).unwrap();
    json["resources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["resource"] == resource)
        .cloned()
        .unwrap_or_else(|| panic!("no provenance for {resource}: {json}"))
}

fn sha256(bytes: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

const PULL: &[&str] = &[
    "pull",
    "--json",
    "--timeout",
    "1",
    "--retries",
    "1",
    "--max-bytes",
    "100000",
    "--jobs",
    "4",
];

#[test]
fn pull_maps_every_source_and_never_loses_the_last_good_copy() {
    let server = Server::start();
    let broken = Arc::new(AtomicBool::new(false));
    // rust_xlsxwriter stamps the creation time: one workbook, served every time.
    let xlsx = workbook();
    routes(&server, broken.clone(), xlsx.clone());
    let dir = scratch("sources");
    let config = portal(&dir, all_resources(&server));
    let raw = dir.join("build/raw/city-budget");

    // The build never fetches: before a pull it says what to run.
    let before = vidkryto(&config, &["build"]);
    assert!(!before.status.success());
    assert!(
        text(&before).contains("run `vidkryto pull city-budget` first"),
        "{}",
        text(&before)
    );

    let first = vidkryto(&config, PULL);
    assert_eq!(first.status.code(), Some(0), "{}", text(&first));
    let first = summary(&first);
    for r in first["resources"].as_array().unwrap() {
        assert_eq!(r["status"], "downloaded", "{r}");
    }

    // Plain CSV: original bytes and the mapped CSV.
    let plain = "id,name,amount\n1,Школа № 5,12.5\n2,Ліцей «Престиж»,1200\n";
    assert_eq!(
        std::fs::read(raw.join("plain.source.csv")).unwrap(),
        plain.as_bytes()
    );
    assert_eq!(
        std::fs::read_to_string(raw.join("plain.csv")).unwrap(),
        plain
    );
    let p = provenance(&raw, "plain");
    assert_eq!(p["url"], server.url("/plain.csv"));
    assert_eq!(p["http_status"], 200);
    assert_eq!(p["sha256"], sha256(plain.as_bytes()));
    assert_eq!(p["bytes"], plain.len());
    assert_eq!(p["encoding"], "UTF-8");
    assert_eq!(p["last_pull"]["status"], "downloaded");
    assert!(p["retrieved_at"].as_str().unwrap().ends_with('Z'));

    // Windows-1251 with `;` and decimal commas: normal form, mapped header, constant column.
    let original = std::fs::read(raw.join("programmes.source.csv")).unwrap();
    assert_eq!(original, cp1251("Код програми;Назва;Сума, тис. грн;Дата рішення\r\n0611010;Надання дошкільної освіти;1 234,5;15.12.2023\r\n0611021;Надання загальної середньої освіти;98 765,43;15.12.2023\r\n"));
    assert_eq!(
        std::fs::read_to_string(raw.join("programmes.csv")).unwrap(),
        "code,title,amount,decided,year\n\
         0611010,Надання дошкільної освіти,1234.5,2023-12-15,2024\n\
         0611021,Надання загальної середньої освіти,98765.43,2023-12-15,2024\n"
    );
    let p = provenance(&raw, "programmes");
    assert_eq!(p["encoding"], "windows-1251");
    assert_eq!(p["mapping"]["delimiter"], ";");
    assert_eq!(p["mapping"]["columns"]["Сума, тис. грн"], "amount");
    assert_eq!(p["mapping"]["values"]["year"], 2024);
    assert_eq!(p["sha256"], sha256(&original));

    // XLSX with title rows: the header is found on row 4, the note column dropped.
    assert_eq!(
        std::fs::read(raw.join("execution.source.xlsx")).unwrap(),
        xlsx
    );
    assert_eq!(
        std::fs::read_to_string(raw.join("execution.csv")).unwrap(),
        "kpkvk,programme,approved,executed\n\
         0210150,Організаційне забезпечення,1500.5,1499.25\n\
         0217520,Цифрова трансформація,27395.4,12000\n"
    );
    let p = provenance(&raw, "execution");
    assert_eq!(p["format"], "xlsx");
    assert_eq!(p["mapping"]["header_row"], 4);
    assert_eq!(p["mapping"]["dropped"], json!(["Примітка"]));

    // The same table by `range` and by `skip_rows`.
    for r in ["execution-range", "execution-skip"] {
        assert_eq!(
            std::fs::read(raw.join(format!("{r}.csv"))).unwrap(),
            std::fs::read(raw.join("execution.csv")).unwrap(),
            "{r}"
        );
    }

    // CKAN: resolved by name through package_show.
    assert_eq!(
        std::fs::read_to_string(raw.join("from-ckan.csv")).unwrap(),
        "code,amount\n0100,10.5\n0200,3\n"
    );
    let p = provenance(&raw, "from-ckan");
    assert_eq!(p["resolved_url"], server.url("/ckan-data.csv"));
    assert!(p["url"].as_str().unwrap().starts_with("ckan+http://"));

    // gzip: asked for, decoded; the cache holds the CSV itself.
    assert_eq!(
        std::fs::read_to_string(raw.join("gzipped.source.csv")).unwrap(),
        SMALL
    );
    assert_eq!(
        provenance(&raw, "gzipped")["sha256"],
        sha256(SMALL.as_bytes())
    );

    // A budget-system JSON export: records by a pointer, nested figures by field paths.
    assert_eq!(
        std::fs::read_to_string(raw.join("export.csv")).unwrap(),
        "code,planned,financed
0210150,1500.5,1499
0217520,27395.4,
"
    );
    assert_eq!(provenance(&raw, "export")["format"], "json");

    // 500 then 200: one retry.
    assert_eq!(server.hits("/flaky.csv"), 2);
    assert_eq!(provenance(&raw, "flaky")["http_status"], 200);
    let conditional = provenance(&raw, "conditional");
    assert_eq!(conditional["etag"], "\"v1\"");
    assert_eq!(
        conditional["last_modified"],
        "Mon, 01 Dec 2025 10:00:00 GMT"
    );

    // Second pull: the conditional source answers 304, the others misbehave.
    let kept: Vec<(String, Vec<u8>, Vec<u8>, Value)> =
        ["slow", "html", "large", "invalid", "conditional"]
            .iter()
            .map(|r| {
                (
                    r.to_string(),
                    std::fs::read(raw.join(format!("{r}.csv"))).unwrap(),
                    std::fs::read(raw.join(format!("{r}.source.csv"))).unwrap(),
                    provenance(&raw, r),
                )
            })
            .collect();
    broken.store(true, Ordering::SeqCst);
    let second = vidkryto(&config, PULL);
    assert_eq!(second.status.code(), Some(1), "{}", text(&second));
    let second = summary(&second);
    assert_eq!(outcome(&second, "conditional")["status"], "not-modified");
    // The same bytes without validators: nothing replaced.
    assert_eq!(outcome(&second, "plain")["status"], "not-modified");
    for (resource, needle) in [
        ("slow", "timed out"),
        ("html", "HTML page"),
        ("large", "larger than the limit of 100000 bytes"),
        ("invalid", "does not validate"),
    ] {
        let o = outcome(&second, resource);
        assert_eq!(o["status"], "failed", "{o}");
        assert!(
            o["error"].as_str().unwrap().contains(needle),
            "{resource}: {o}"
        );
        let p = provenance(&raw, resource);
        assert_eq!(p["last_pull"]["status"], "failed");
        assert!(p["last_pull"]["error"].as_str().unwrap().contains(needle));
    }
    for (resource, csv, original, before) in &kept {
        assert_eq!(
            &std::fs::read(raw.join(format!("{resource}.csv"))).unwrap(),
            csv,
            "{resource}"
        );
        assert_eq!(
            &std::fs::read(raw.join(format!("{resource}.source.csv"))).unwrap(),
            original,
            "{resource}"
        );
        let after = provenance(&raw, resource);
        for key in ["sha256", "bytes", "retrieved_at", "etag", "csv_sha256"] {
            assert_eq!(after[key], before[key], "{resource}: {key}");
        }
    }
    assert_eq!(provenance(&raw, "conditional")["http_status"], 304);
    // No temporary file is left behind.
    let leftovers: Vec<_> = std::fs::read_dir(&raw)
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with(".pull-"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");

    // The build reads the cache (no network: the sources may be down) and serves the rows.
    let built = vidkryto(&config, &["build"]);
    assert!(built.status.success(), "{}", text(&built));
    let public = dir.join("public");
    let package: Value = serde_json::from_slice(
        &std::fs::read(public.join("data/city-budget/datapackage.json")).unwrap(),
    )
    .unwrap();
    let sources = package["sources"].as_array().unwrap();
    let html_source = sources.iter().find(|s| s["resource"] == "html").unwrap();
    assert_eq!(html_source["provenance"]["last_pull"], "failed");
    assert_eq!(html_source["provenance"]["sha256"], kept[1].3["sha256"]);
    let plain_source = sources.iter().find(|s| s["resource"] == "plain").unwrap();
    assert_eq!(plain_source["provenance"]["last_pull"], "succeeded");
    assert!(package["resources"]
        .as_array()
        .unwrap()
        .iter()
        .all(|r| r.get("pull").is_none()));
    let page = std::fs::read_to_string(public.join("datasets/city-budget/index.html")).unwrap();
    assert!(
        page.contains(&sha256(plain.as_bytes())),
        "the dataset page shows the hash"
    );

    let addr = serve(&public);
    let rows = get_json(&format!(
        "http://{addr}/api/v1/datasets/city-budget/programmes.json"
    ));
    assert_eq!(
        rows["columns"],
        json!(["code", "title", "amount", "decided", "year"]),
        "{rows}"
    );
    let first_row = &rows["rows"][0];
    let amount = first_row
        .get("amount")
        .or_else(|| first_row.get(2))
        .unwrap();
    assert_eq!(amount, &json!(1234.5), "{rows}");
    let year = first_row.get("year").or_else(|| first_row.get(4)).unwrap();
    assert_eq!(year, &json!(2024), "{rows}");
    let filtered = get_json(&format!(
        "http://{addr}/api/v1/datasets/city-budget/execution.json?approved__gte=2000"
    ));
    assert_eq!(filtered["total"], 1, "{filtered}");
    std::fs::remove_dir_all(&dir).ok();
}

fn get_json(url: &str) -> Value {
    let text = ureq::get(url)
        .call()
        .unwrap()
        .body_mut()
        .read_to_string()
        .unwrap();
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{url}: {e}: {text}"))
}

fn serve(public: &Path) -> std::net::SocketAddr {
    let dir = public.to_path_buf();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        vidkryto_search::server::serve(&dir, "127.0.0.1:0".parse().unwrap(), |addr| {
            tx.send(addr).unwrap();
        })
        .unwrap();
    });
    rx.recv().unwrap()
}

#[test]
fn an_unknown_pull_key_is_named() {
    let dir = scratch("unknown-key");
    let config = portal(
        &dir,
        json!([resource(
            "r",
            json!({"url": "r.csv", "sheets": "1"}),
            small()
        )]),
    );
    let out = vidkryto(&config, &["pull"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(
        text(&out).contains("unknown field `sheets`"),
        "{}",
        text(&out)
    );
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn a_local_file_is_pulled_and_an_unchanged_one_is_not_modified() {
    let dir = scratch("local");
    let config = portal(
        &dir,
        json!([resource(
            "r",
            json!({"url": "source/r.csv", "dialect": {"delimiter": ";"}}),
            small()
        )]),
    );
    std::fs::create_dir_all(dir.join("datasets/city-budget/source")).unwrap();
    std::fs::write(
        dir.join("datasets/city-budget/source/r.csv"),
        "id;value\n1;2,5\n",
    )
    .unwrap();
    let out = vidkryto(&config, &["pull", "--json"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(outcome(&summary(&out), "r")["status"], "downloaded");
    let raw = dir.join("build/raw/city-budget");
    assert_eq!(
        std::fs::read_to_string(raw.join("r.csv")).unwrap(),
        "id,value\n1,2.5\n"
    );
    let p = provenance(&raw, "r");
    assert_eq!(p["http_status"], Value::Null);
    let validated = vidkryto(
        &config,
        &[
            "validate",
            dir.join("datasets/city-budget").to_str().unwrap(),
        ],
    );
    assert!(validated.status.success(), "{}", text(&validated));
    let again = vidkryto(&config, &["pull", "--json"]);
    assert_eq!(outcome(&summary(&again), "r")["status"], "not-modified");
    assert_eq!(provenance(&raw, "r")["retrieved_at"], p["retrieved_at"]);
    std::fs::remove_dir_all(&dir).ok();
}
