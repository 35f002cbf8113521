//! A search over the wall-clock limit is cut off with a 503 naming `q`, on a server whose
//! limit is so small that every search exceeds it (so the test neither waits nor flakes).

use std::net::SocketAddr;
use std::time::Duration;

use vidkryto_search::server::conn::Limits;

use super::raw;
use crate::common::fixture_portal;

fn impatient() -> SocketAddr {
    let dir = fixture_portal().to_path_buf();
    let (tx, rx) = std::sync::mpsc::channel();
    let limits = Limits {
        search_time: Duration::from_nanos(1),
        ..Limits::default()
    };
    std::thread::spawn(move || {
        vidkryto_search::server::serve_with(&dir, "127.0.0.1:0".parse().unwrap(), limits, |a| {
            tx.send(a).unwrap();
        })
        .unwrap();
    });
    rx.recv().unwrap()
}

#[test]
fn a_search_past_the_time_limit_is_a_503_naming_q() {
    let addr = impatient();
    // The amplification query: `вул* ` repeated to about 1000 characters.
    let q = "вул*%20".repeat(100);
    let answer = raw(
        addr,
        &format!("GET /api/v1/search?q={q} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"),
    );
    assert_eq!(answer.status, 503, "{}", answer.head);
    assert_eq!(answer.header("retry-after").as_deref(), Some("5"));
    let body: serde_json::Value = serde_json::from_slice(&answer.body).unwrap();
    let body = &body["error"];
    assert_eq!(body["parameter"], "q", "{body}");
    assert_eq!(body["code"], "search-timeout");
    assert!(body["message"]
        .as_str()
        .unwrap_or_default()
        .contains("retry"));
}
