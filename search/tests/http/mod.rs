//! The real server on a free port: the search endpoint, facets, cursors, the JSON error shape
//! for bad input, CORS, gzip, ETag and health.

use std::net::SocketAddr;
use std::sync::mpsc;
use std::sync::OnceLock;

use crate::common::{enc, fetch, indexed_corpus};

/// One server for the whole binary, on a port the OS picks.
fn server() -> SocketAddr {
    static ADDR: OnceLock<SocketAddr> = OnceLock::new();
    *ADDR.get_or_init(|| {
        let public = indexed_corpus();
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            vidkryto_search::server::serve(&public, "127.0.0.1:0".parse().unwrap(), |addr| {
                tx.send(addr).unwrap();
            })
            .unwrap();
        });
        rx.recv().unwrap()
    })
}

fn search(query: &str) -> crate::common::Response {
    fetch(server(), &format!("/api/v1/search?{query}"), &[])
}

fn assert_error(query: &str, parameter: &str) -> serde_json::Value {
    let response = search(query);
    assert_eq!(
        response.status,
        400,
        "{query}: {:?}",
        String::from_utf8_lossy(&response.body)
    );
    let body = response.json();
    assert_eq!(body["error"]["status"], 400);
    assert_eq!(body["error"]["code"], "bad-parameter");
    assert_eq!(body["error"]["parameter"], parameter, "{query}: {body}");
    assert!(!body["error"]["message"].as_str().unwrap().is_empty());
    body
}

#[test]
fn search_returns_hits_facets_and_a_cursor() {
    let response = search(&format!("q={}&limit=2", enc("звернення")));
    assert_eq!(response.status, 200);
    assert!(response
        .header("content-type")
        .unwrap()
        .contains("application/json"));
    let body = response.json();
    let total = body["total"].as_u64().unwrap();
    assert!(total > 2, "{body}");
    let hits = body["hits"].as_array().unwrap();
    assert_eq!(hits.len(), 2);
    for key in ["type", "id", "title", "snippet", "url", "score"] {
        assert!(hits[0].get(key).is_some(), "hit lacks {key}: {}", hits[0]);
    }
    let types = body["facets"]["type"].as_array().unwrap();
    let counted: u64 = types.iter().map(|t| t["count"].as_u64().unwrap()).sum();
    assert_eq!(counted, total);

    // Walk every page with the cursor: each hit once, all of them.
    let mut seen: Vec<String> = hits
        .iter()
        .map(|h| h["id"].as_str().unwrap().to_string())
        .collect();
    let mut next = body["next"].as_str().map(str::to_string);
    while let Some(cursor) = next {
        let page = search(&format!("q={}&limit=2&cursor={cursor}", enc("звернення"))).json();
        seen.extend(
            page["hits"]
                .as_array()
                .unwrap()
                .iter()
                .map(|h| h["id"].as_str().unwrap().to_string()),
        );
        next = page["next"].as_str().map(str::to_string);
    }
    let unique: std::collections::BTreeSet<_> = seen.iter().collect();
    assert_eq!(unique.len(), seen.len(), "{seen:?}");
    assert_eq!(seen.len() as u64, total);
}

#[test]
fn filters_narrow_the_result() {
    let body = search(&format!(
        "q={}&district={}",
        enc("освітлення"),
        enc("Печерський")
    ))
    .json();
    assert_eq!(body["total"], 1);
    assert_eq!(body["hits"][0]["id"], "ap-004");
    let body = search(&format!("q={}&type=appeal&type=document", enc("звернення"))).json();
    for hit in body["hits"].as_array().unwrap() {
        assert!(
            hit["type"] == "appeal" || hit["type"] == "document",
            "{hit}"
        );
    }
}

#[test]
fn cursors_from_elsewhere_are_refused() {
    let body = search(&format!("q={}&limit=1", enc("звернення"))).json();
    let cursor = body["next"].as_str().unwrap().to_string();
    assert_error(&format!("q={}&cursor={cursor}", enc("ремонт")), "cursor");
    let mut tampered = cursor.into_bytes();
    tampered[2] = if tampered[2] == b'A' { b'B' } else { b'A' };
    let tampered = String::from_utf8(tampered).unwrap();
    assert_error(
        &format!("q={}&cursor={tampered}", enc("звернення")),
        "cursor",
    );
}

#[test]
fn bad_input_gets_a_json_error_naming_the_parameter() {
    assert_error("q=", "q");
    assert_error("limit=5", "q");
    assert_error(&format!("q={}", "a".repeat(10 * 1024)), "q");
    let body = assert_error(&format!("q={}", enc("ремонт \"даху")), "q");
    assert!(
        body["error"]["message"].as_str().unwrap().contains("quote"),
        "{body}"
    );
    let body = assert_error("q=x&colour=red", "colour");
    assert!(body["error"]["allowed"]
        .as_array()
        .unwrap()
        .iter()
        .any(|v| v == "district"));
    assert_error("q=%FF%FE", "q");
    assert_error("q=x&limit=-1", "limit");
    assert_error("q=x&limit=0", "limit");
    assert_error("q=x&limit=ten", "limit");
    assert_error("q=x&year=last", "year");
    assert_error("q=x&district=", "district");
    assert_error("q=x&q=y", "q");
}

#[test]
fn huge_limits_are_clamped() {
    let body = search(&format!("q={}&limit=1000000", enc("звернення"))).json();
    assert_eq!(body["limit"], 100);
    let body = search(&format!(
        "q={}&limit=99999999999999999999999",
        enc("звернення")
    ))
    .json();
    assert_eq!(body["limit"], 100);
}

#[test]
fn api_allows_cors_and_gzip() {
    let response = fetch(
        server(),
        &format!("/api/v1/search?q={}", enc("звернення")),
        &[
            ("Origin", "https://example.org"),
            ("Accept-Encoding", "gzip"),
        ],
    );
    assert_eq!(response.status, 200);
    assert_eq!(response.header("access-control-allow-origin"), Some("*"));
    assert_eq!(response.header("content-encoding"), Some("gzip"));
    let plain = fetch(
        server(),
        &format!("/api/v1/search?q={}", enc("звернення")),
        &[],
    );
    assert_eq!(plain.header("content-encoding"), None);
    plain.json();
}

/// Search, the site and the CKAN API answer through one reply path: the same CORS,
/// compression, ETag and caching behaviour whichever part answers.
#[test]
fn search_site_and_api_share_one_http_behaviour() {
    let target = format!("/api/v1/search?q={}", enc("звернення"));
    let first = fetch(server(), &target, &[("Accept-Encoding", "gzip, br")]);
    assert_eq!(first.status, 200);
    assert!(
        first.brotli,
        "search answers are brotli-compressed when accepted"
    );
    assert!(first.header("cache-control").unwrap().contains("max-age"));
    assert_eq!(first.header("vary"), Some("Accept-Encoding"));
    let etag = first
        .header("etag")
        .expect("a search answer has an ETag")
        .to_string();
    let again = fetch(server(), &target, &[("If-None-Match", &etag)]);
    assert_eq!(again.status, 304);
    assert!(again.body.is_empty());
    let refused = fetch(
        server(),
        &target,
        &[("Accept-Encoding", "br;q=0, gzip;q=0")],
    );
    assert!(!refused.brotli && !refused.gzipped, "q=0 refuses a coding");
    for target in ["/index.html", "/healthz", "/api/v1/nowhere", &target] {
        let response = fetch(server(), target, &[("Origin", "https://example.org")]);
        assert_eq!(
            response.header("access-control-allow-origin"),
            Some("*"),
            "{target}"
        );
        assert_eq!(
            response.header("x-content-type-options"),
            Some("nosniff"),
            "{target}"
        );
    }
    let preflight = crate::common::send_to(
        server(),
        "OPTIONS",
        "/api/3/action/package_search",
        &[
            ("Origin", "https://example.org"),
            ("Access-Control-Request-Method", "POST"),
            ("Access-Control-Request-Headers", "content-type"),
        ],
        b"",
    );
    assert_eq!(preflight.status, 204);
    assert!(preflight
        .header("access-control-allow-methods")
        .unwrap()
        .contains("POST"));
    assert!(preflight
        .header("access-control-allow-headers")
        .unwrap()
        .to_ascii_lowercase()
        .contains("content-type"));
    let search_preflight = crate::common::send_to(server(), "OPTIONS", &target, &[], b"");
    assert_eq!(search_preflight.status, 204);
    assert!(!search_preflight.header("allow").unwrap().contains("POST"));
}

#[test]
fn static_files_have_etags_and_security_headers() {
    let page = fetch(server(), "/index.html", &[]);
    assert_eq!(page.status, 200);
    let etag = page.header("etag").expect("an ETag").to_string();
    assert!(page.header("content-security-policy").is_some());
    assert_eq!(page.header("x-content-type-options"), Some("nosniff"));
    assert!(page.header("referrer-policy").is_some());
    let again = fetch(server(), "/index.html", &[("If-None-Match", &etag)]);
    assert_eq!(again.status, 304);
    assert!(again.body.is_empty());
    let health = fetch(server(), "/healthz", &[]);
    assert_eq!(health.status, 200);
}

#[test]
fn ckan_package_search_goes_through_the_ukrainian_index() {
    // "програмою" (instrumental case) is in no title: only the stemmed index finds «Програма».
    let response = fetch(
        server(),
        &format!("/api/3/action/package_search?q={}", enc("програмою")),
        &[],
    );
    let body = response.json();
    assert_eq!(body["success"], true, "{body}");
    let names: Vec<&str> = body["result"]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["digital-kyiv-2024-2025"]);
    assert_eq!(body["result"]["count"], 1);
}

#[test]
fn fuzzy_is_opt_in_typos_get_suggestions_and_over_budget_is_a_400() {
    let typo = search(&format!("q={}", enc("майданчмка"))).json();
    assert_eq!(typo["fuzzy"], false, "{typo}");
    assert_eq!(typo["total"], 0, "{typo}");
    let suggestion = &typo["suggestions"][0];
    assert!(suggestion["q"].is_string(), "{typo}");
    assert!(suggestion["total"].as_u64().unwrap() > 0, "{typo}");
    let exact = search(&format!("q={}", enc("звернення"))).json();
    assert_eq!(exact["suggestions"], serde_json::json!([]), "{exact}");
    let opted = search(&format!("q={}&fuzzy=true", enc("майданчмка"))).json();
    assert_eq!(opted["fuzzy"], true, "{opted}");
    assert!(opted["total"].as_u64().unwrap() > 0, "{opted}");
    assert_error("q=a&fuzzy=maybe", "fuzzy");
    assert_error("q=a&fuzzy=true&fuzzy=false", "fuzzy");
    let words: Vec<String> = (0..40).map(|i| format!("слово{i}")).collect();
    assert_error(&format!("q={}", enc(&words.join(" "))), "q");
}

/// A search past the time limit is a 503 naming `q` with a `Retry-After`, never a hung
/// connection; the server keeps answering. The limit here is zero, so every search is
/// past it: what is tested is the answer, not a timing.
#[test]
fn a_search_past_the_time_limit_is_a_503_naming_q() {
    let public = indexed_corpus();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let limits = vidkryto_search::server::conn::Limits {
            search_time: std::time::Duration::ZERO,
            ..Default::default()
        };
        vidkryto_search::server::serve_with(
            &public,
            "127.0.0.1:0".parse().unwrap(),
            limits,
            |addr| {
                tx.send(addr).unwrap();
            },
        )
        .unwrap();
    });
    let addr = rx.recv().unwrap();
    let query = format!("/api/v1/search?q={}", enc("вул* звернення"));
    let response = fetch(addr, &query, &[]);
    let body = String::from_utf8_lossy(&response.body).into_owned();
    assert_eq!(response.status, 503, "{body}");
    let body = response.json();
    assert_eq!(body["error"]["code"], "search-timeout", "{body}");
    assert_eq!(body["error"]["parameter"], "q", "{body}");
    assert!(response.header("retry-after").is_some());
    assert_eq!(fetch(addr, "/healthz", &[]).status, 200);
}
