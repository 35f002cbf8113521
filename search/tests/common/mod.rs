//! Helpers shared by the search crate's integration tests: a published fixture portal (a real
//! bundled dataset plus a synthetic appeals-like resource), the real server started on a free
//! port, and a minimal HTTP/1.1 client (chunked bodies, gzip) so the tests see the wire.

#![allow(dead_code)]

mod corpus;
pub use corpus::*;

use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use serde_json::{json, Value};
use vidkryto_search::rowstore::write_store;
use vidkryto_search::Layout;

/// The repository root.
pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("search/ has a parent")
        .to_path_buf()
}

pub const DISTRICTS: [&str; 10] = [
    "Голосіївський",
    "Дарницький",
    "Деснянський",
    "Дніпровський",
    "Оболонський",
    "Печерський",
    "Подільський",
    "Святошинський",
    "Солом'янський",
    "Шевченківський",
];
const CHANNELS: [&str; 4] = [
    "телефон 1551",
    "веб-портал",
    "мобільний застосунок",
    "письмово",
];
const CATEGORIES: [&str; 5] = [
    "Благоустрій",
    "Житлово-комунальне господарство",
    "Транспорт",
    "Дороги",
    "Освіта",
];
const STATUSES: [&str; 3] = ["виконано", "в роботі", "роз'яснено"];
pub const APPEALS_ROWS: usize = 1200;

/// One synthetic appeal, with the published appeals' columns.
pub type Appeal = HashMap<&'static str, String>;

pub const APPEAL_COLUMNS: [&str; 13] = [
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

/// Deterministic appeals-like rows: every tenth suppressed to its district (no cell, no
/// coordinates), text with commas, quotes and newlines to exercise CSV quoting.
pub fn appeals() -> Vec<Appeal> {
    let mut state: u64 = 0x9e3779b97f4a7c15;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let start = chrono::NaiveDate::from_ymd_opt(2023, 1, 1).unwrap();
    (0..APPEALS_ROWS)
        .map(|i| {
            let r = next();
            let date = start + chrono::Days::new(r % 700);
            let mut row = Appeal::new();
            row.insert("id", format!("ap-{:08x}", (r >> 8) as u32 ^ i as u32));
            row.insert("date", date.format("%Y-%m-%d").to_string());
            row.insert("year", date.format("%Y").to_string());
            row.insert("channel", CHANNELS[(r >> 3) as usize % 4].into());
            row.insert("category", CATEGORIES[(r >> 5) as usize % 5].into());
            row.insert("district", DISTRICTS[(r >> 9) as usize % 10].into());
            row.insert(
                "street",
                if i % 7 == 0 {
                    String::new()
                } else {
                    format!(
                        "вулиця {}",
                        ["Хрещатик", "Січових Стрільців", "Велика Васильківська"][i % 3]
                    )
                },
            );
            if i % 10 == 0 {
                row.insert("h3_cell", String::new());
                row.insert("lat", String::new());
                row.insert("lon", String::new());
            } else {
                let lat = 50.35 + (r % 2000) as f64 / 10_000.0;
                let lon = 30.35 + ((r >> 20) % 4000) as f64 / 10_000.0;
                let cell = h3o::LatLng::new(lat, lon)
                    .unwrap()
                    .to_cell(h3o::Resolution::Eight);
                let centre = h3o::LatLng::from(cell);
                row.insert("h3_cell", cell.to_string());
                row.insert("lat", format!("{:.6}", centre.lat()));
                row.insert("lon", format!("{:.6}", centre.lng()));
            }
            row.insert("status", STATUSES[(r >> 13) as usize % 3].into());
            row.insert(
                "text",
                match i % 4 {
                    0 => "Не працює ліхтар, прошу полагодити".into(),
                    1 => "Яма на дорозі \"біля зупинки\"".into(),
                    2 => "Сміття не вивезено\nдругий тиждень".into(),
                    _ => "Прохання перевірити".into(),
                },
            );
            row.insert(
                "resolution",
                if i % 3 == 0 {
                    String::new()
                } else {
                    "Надано відповідь".into()
                },
            );
            row
        })
        .collect()
}

fn write_csv(path: &Path, columns: &[&str], rows: &[Appeal]) {
    let mut writer = csv::Writer::from_path(path).unwrap();
    writer.write_record(columns).unwrap();
    for row in rows {
        writer
            .write_record(columns.iter().map(|c| row[c].as_str()))
            .unwrap();
    }
    writer.flush().unwrap();
}

/// Publishes a bundled dataset folder as `publish` would (resource paths `<name>.csv`).
pub fn publish_bundled(layout: &Layout, name: &str) -> Value {
    let source = repo_root().join("datasets").join(name);
    let mut package: Value =
        serde_json::from_str(&std::fs::read_to_string(source.join("datapackage.json")).unwrap())
            .unwrap();
    std::fs::create_dir_all(layout.dataset_dir(name)).unwrap();
    for resource in package["resources"].as_array_mut().unwrap() {
        let resource_name = resource["name"].as_str().unwrap().to_string();
        let from = source.join(resource["path"].as_str().unwrap());
        std::fs::copy(&from, layout.resource_csv(name, &resource_name)).unwrap();
        resource["path"] = json!(format!("{resource_name}.csv"));
    }
    std::fs::write(
        layout.package_file(name),
        serde_json::to_vec_pretty(&package).unwrap(),
    )
    .unwrap();
    json!({"name": name, "title": package["title"], "resources": []})
}

fn publish_appeals(layout: &Layout) -> Value {
    let name = "fixture-appeals";
    std::fs::create_dir_all(layout.dataset_dir(name)).unwrap();
    write_csv(
        &layout.resource_csv(name, "appeals"),
        &APPEAL_COLUMNS,
        &appeals(),
    );
    let types = [
        "string", "date", "integer", "string", "string", "string", "string", "string", "number",
        "number", "string", "string", "string",
    ];
    let fields: Vec<Value> = APPEAL_COLUMNS
        .iter()
        .zip(types)
        .map(|(n, t)| json!({"name": n, "type": t}))
        .collect();
    let package = json!({
        "name": name,
        "title": "Звернення (тестові)",
        "title_en": "Appeals (fixture)",
        "description": "Синтетичні знеособлені звернення для тестів",
        "modified": "2026-11-20",
        "keywords": ["звернення"],
        "licenses": [{"name": "CC-BY-4.0"}],
        "contributors": [{"title": "Тестова рада", "title_en": "Fixture Council", "role": "publisher"}],
        "resources": [{"name": "appeals", "path": "appeals.csv", "schema": {"fields": fields, "missingValues": [""]}}],
    });
    std::fs::write(
        layout.package_file(name),
        serde_json::to_vec_pretty(&package).unwrap(),
    )
    .unwrap();
    std::fs::write(
        layout.dataset_dir(name).join("privacy.json"),
        br#"{"k_anonymity": 5, "suppressed_to_district": 120, "examples": [1, 2]}"#,
    )
    .unwrap();
    json!({"name": name, "title": package["title"], "resources": ["appeals"]})
}

/// A published fixture portal: `digital-kyiv-2024-2025` (real) and `fixture-appeals`.
pub fn fixture_portal() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("vidkryto-endpoints-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let layout = Layout::new(&dir);
        std::fs::create_dir_all(layout.data_dir()).unwrap();
        let catalog = vec![
            publish_bundled(&layout, "digital-kyiv-2024-2025"),
            publish_appeals(&layout),
        ];
        std::fs::write(layout.catalog_file(), serde_json::to_vec(&catalog).unwrap()).unwrap();
        for entry in &catalog {
            write_store(&layout, entry["name"].as_str().unwrap()).unwrap();
        }
        dir
    })
}

/// The real server on a free port, serving the fixture portal (started once).
pub fn server() -> SocketAddr {
    static ADDR: OnceLock<SocketAddr> = OnceLock::new();
    *ADDR.get_or_init(|| serve_dir(fixture_portal()))
}

/// Starts the real server on a free port for `dir` (it runs until the test process ends).
pub fn serve_dir(dir: &Path) -> SocketAddr {
    let dir = dir.to_path_buf();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        vidkryto_search::server::serve(&dir, "127.0.0.1:0".parse().unwrap(), |addr| {
            tx.send(addr).unwrap();
        })
        .unwrap();
    });
    rx.recv().unwrap()
}

/// An HTTP response as the client saw it (body de-chunked and, if compressed, decompressed).
#[derive(Debug)]
pub struct Response {
    pub status: u16,
    pub headers: HashMap<String, String>,
    pub body: Vec<u8>,
    /// The body was gzip-encoded on the wire.
    pub gzipped: bool,
    /// The body was brotli-encoded on the wire.
    pub brotli: bool,
}

impl Response {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&self.body)))
    }

    pub fn text(&self) -> String {
        String::from_utf8(self.body.clone()).unwrap()
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .get(&name.to_ascii_lowercase())
            .map(String::as_str)
    }
}

/// `GET path` with extra headers, over a fresh connection.
pub fn get_with(path: &str, headers: &[(&str, &str)]) -> Response {
    request("GET", path, headers)
}

pub fn get(path: &str) -> Response {
    get_with(path, &[])
}

pub fn request(method: &str, path: &str, headers: &[(&str, &str)]) -> Response {
    send(method, path, headers, b"")
}

/// `GET target` on the server at `addr`.
pub fn fetch(addr: SocketAddr, target: &str, headers: &[(&str, &str)]) -> Response {
    send_to(addr, "GET", target, headers, b"")
}

/// A request with a body (sent with its Content-Length).
pub fn send(method: &str, path: &str, headers: &[(&str, &str)], body: &[u8]) -> Response {
    send_to(server(), method, path, headers, body)
}

pub fn send_to(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> Response {
    let mut stream = TcpStream::connect(addr).unwrap();
    let mut head = format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    if !body.is_empty() {
        head.push_str(&format!("Content-Length: {}\r\n", body.len()));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).unwrap();
    stream.write_all(body).unwrap();
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).unwrap();
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("a header block");
    let head = String::from_utf8_lossy(&raw[..split]).to_string();
    let mut body = raw[split + 4..].to_vec();
    let mut lines = head.lines();
    let status: u16 = lines
        .next()
        .unwrap()
        .split_whitespace()
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    let headers: HashMap<String, String> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    if headers.get("transfer-encoding").map(String::as_str) == Some("chunked") {
        body = dechunk(&body);
    }
    let gzipped = headers.get("content-encoding").map(String::as_str) == Some("gzip");
    if gzipped {
        let mut out = Vec::new();
        flate2::read::GzDecoder::new(&body[..])
            .read_to_end(&mut out)
            .unwrap();
        body = out;
    }
    let brotli = headers.get("content-encoding").map(String::as_str) == Some("br");
    if brotli {
        let mut out = Vec::new();
        brotli::Decompressor::new(&body[..], 4096)
            .read_to_end(&mut out)
            .unwrap();
        body = out;
    }
    Response {
        status,
        headers,
        body,
        gzipped,
        brotli,
    }
}

fn dechunk(mut raw: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let line_end = raw.windows(2).position(|w| w == b"\r\n").unwrap();
        let size_text = std::str::from_utf8(&raw[..line_end]).unwrap();
        let size = usize::from_str_radix(size_text.split(';').next().unwrap().trim(), 16).unwrap();
        raw = &raw[line_end + 2..];
        if size == 0 {
            return out;
        }
        out.extend_from_slice(&raw[..size]);
        raw = &raw[size + 2..];
    }
}

/// Percent-encodes a query value.
pub fn enc(value: &str) -> String {
    form_urlencoded::byte_serialize(value.as_bytes()).collect()
}

/// The path and query of an absolute URL the server gave.
pub fn path_of(url: &str) -> String {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    rest.find('/').map_or("/".into(), |i| rest[i..].to_string())
}
