//! The leak test's second half: what the running service answers. The index's document store
//! is compressed, so scanning its files cannot see a value it holds; asking the server can.
//! Searches for planted values and broad words, the rows API's full export in every format,
//! the CKAN datastore and the dataset metadata are all scanned for planted values.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;

use aho_corasick::AhoCorasick;
use serde_json::Value;

use super::leaks;

/// `GET target` over a fresh connection, uncompressed; the status and body.
fn get(addr: SocketAddr, target: &str) -> (u16, Vec<u8>) {
    let mut stream = TcpStream::connect(addr).unwrap();
    write!(
        stream,
        "GET {target} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).unwrap();
    let split = raw.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
    let head = String::from_utf8_lossy(&raw[..split]).to_string();
    let status = head.split_whitespace().nth(1).unwrap().parse().unwrap();
    let mut body = raw[split + 4..].to_vec();
    if head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked")
    {
        body = dechunk(&body);
    }
    (status, body)
}

fn dechunk(mut raw: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(end) = raw.windows(2).position(|w| w == b"\r\n") {
        let size =
            usize::from_str_radix(std::str::from_utf8(&raw[..end]).unwrap().trim(), 16).unwrap();
        if size == 0 {
            break;
        }
        out.extend_from_slice(&raw[end + 2..end + 2 + size]);
        raw = &raw[end + 2 + size + 2..];
    }
    out
}

/// Percent-encodes every byte but ASCII letters and digits.
fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// Starts the real server on `public` and scans its answers; returns what leaked.
pub fn scan_live_answers(
    public: &Path,
    needles: &AhoCorasick,
    planted: &[(String, String)],
) -> Vec<String> {
    let dir = public.to_path_buf();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        vidkryto_search::server::serve(&dir, "127.0.0.1:0".parse().unwrap(), |addr| {
            tx.send(addr).unwrap();
        })
        .unwrap();
    });
    let addr = rx.recv().unwrap();

    let mut targets = vec![
        "/api/v1/datasets/kyiv-appeals/appeals.csv?_stream=on".to_string(),
        "/api/v1/datasets/kyiv-appeals/appeals.ndjson?_stream=on".to_string(),
        "/api/v1/datasets/kyiv-appeals/appeals.geojson?_size=1000".to_string(),
        "/api/v1/datasets/kyiv-appeals".to_string(),
        "/api/3/action/package_show?id=kyiv-appeals".to_string(),
        "/api/3/action/datastore_search?resource_id=kyiv-appeals/appeals&limit=1000".to_string(),
        "/catalog.jsonld".to_string(),
    ];
    // Broad words every appeal text uses, and planted values themselves (a search that finds
    // a redacted row must not show the value in its snippet or title).
    for word in [
        "звернення",
        "прошу",
        "будинку",
        "вулиця",
        "телефон",
        "квартира",
    ] {
        targets.push(format!("/api/v1/search?q={}&limit=100", encode(word)));
    }
    targets.extend(
        planted
            .iter()
            .step_by(97)
            .take(400)
            .map(|(_, value)| format!("/api/v1/search?q={}&limit=100", encode(value))),
    );

    let mut found = Vec::new();
    let mut searched_hits = 0;
    for target in &targets {
        let (status, body) = get(addr, target);
        // A planted value that is not a valid query (e.g. only punctuation) may be refused;
        // the refusal must not repeat it either, so every body is scanned.
        assert!(status < 500, "{target}: {status}");
        if target.starts_with("/api/v1/search") && status == 200 {
            let json: Value = serde_json::from_slice(&body).unwrap();
            searched_hits += json["hits"].as_array().map_or(0, Vec::len);
        }
        for leak in leaks(needles, planted, &body) {
            found.push(format!("{target}: {leak}"));
        }
    }
    assert!(
        searched_hits > 500,
        "the searches found only {searched_hits} hits"
    );
    found
}
