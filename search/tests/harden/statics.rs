//! Static files: the build's precompressed copies chosen by `Accept-Encoding`, strong ETags
//! per representation, `Cache-Control` by kind, `Range`, and the keep-alive latency check
//! (Nagle's algorithm against delayed ACKs costs ~40 ms a request without `TCP_NODELAY`).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use super::{get, server, site_portal};

fn manifest_entry(rel: &str) -> vidkryto_search::sitefiles::Entry {
    let layout = vidkryto_search::Layout::new(site_portal());
    vidkryto_search::sitefiles::Manifest::read(&layout).files[rel].clone()
}

#[test]
fn precompressed_copies_follow_accept_encoding_with_strong_etags() {
    let entry = manifest_entry("datasets/index.html");
    let page = std::fs::read(site_portal().join("datasets/index.html")).unwrap();
    let br = get("/datasets/", "Accept-Encoding: gzip, deflate, br\r\n");
    assert_eq!(br.status, 200);
    assert_eq!(br.header("content-encoding").as_deref(), Some("br"));
    assert_eq!(br.header("vary").as_deref(), Some("accept-encoding"));
    assert_eq!(br.header("etag"), Some(format!("\"{}-br\"", entry.hash)));
    assert_eq!(br.header("content-length"), Some(br.body.len().to_string()));
    let mut unpacked = Vec::new();
    brotli::Decompressor::new(&br.body[..], 4096)
        .read_to_end(&mut unpacked)
        .unwrap();
    assert_eq!(unpacked, page);

    let gz = get("/datasets/", "Accept-Encoding: gzip\r\n");
    assert_eq!(gz.header("content-encoding").as_deref(), Some("gzip"));
    assert_eq!(gz.header("etag"), Some(format!("\"{}-gz\"", entry.hash)));
    let mut unpacked = Vec::new();
    flate2::read::GzDecoder::new(&gz.body[..])
        .read_to_end(&mut unpacked)
        .unwrap();
    assert_eq!(unpacked, page);

    let plain = get("/datasets/", "");
    assert_eq!(plain.header("content-encoding"), None);
    assert_eq!(plain.header("etag"), Some(format!("\"{}\"", entry.hash)));
    assert_eq!(plain.body, page);
    assert_eq!(
        plain.header("content-type").as_deref(),
        Some("text/html; charset=utf-8")
    );
    assert_eq!(
        plain.header("cache-control").as_deref(),
        Some("public, no-cache")
    );
    assert!(plain.header("content-security-policy").is_some());

    let etag = br.header("etag").unwrap();
    let again = get(
        "/datasets/",
        &format!("Accept-Encoding: br\r\nIf-None-Match: {etag}\r\n"),
    );
    assert_eq!(again.status, 304);
    assert!(again.body.is_empty());
}

#[test]
fn ranges_of_a_file() {
    let big = std::fs::read(site_portal().join("data/big.bin")).unwrap();
    let part = get("/data/big.bin", "Range: bytes=100-199\r\n");
    assert_eq!(part.status, 206);
    assert_eq!(
        part.header("content-range"),
        Some(format!("bytes 100-199/{}", big.len()))
    );
    assert_eq!(part.body, &big[100..200]);
    let tail = get("/data/big.bin", "Range: bytes=-10\r\n");
    assert_eq!(tail.body, &big[big.len() - 10..]);
    let past = get("/data/big.bin", &format!("Range: bytes={}-\r\n", big.len()));
    assert_eq!(past.status, 416);
    assert_eq!(
        past.header("content-range"),
        Some(format!("bytes */{}", big.len()))
    );
    // A range of a compressible page is a range of its bytes, never of a compressed copy.
    let page = std::fs::read(site_portal().join("datasets/index.html")).unwrap();
    let head = get("/datasets/", "Range: bytes=0-9\r\nAccept-Encoding: br\r\n");
    assert_eq!(head.status, 206);
    assert_eq!(head.header("content-encoding"), None);
    assert_eq!(head.body, &page[..10]);
    // The whole large file, streamed.
    let whole = get("/data/big.bin", "");
    assert_eq!(whole.status, 200);
    assert_eq!(whole.body.len(), big.len());
    assert!(whole.body == big);
}

/// Reads one response (with a Content-Length, or chunked) from a keep-alive connection.
fn read_response(reader: &mut BufReader<TcpStream>) -> (u16, Vec<u8>) {
    let mut status = 0;
    let mut length = 0usize;
    let mut chunked = false;
    let mut line = String::new();
    loop {
        line.clear();
        reader.read_line(&mut line).unwrap();
        if status == 0 {
            status = line.split_whitespace().nth(1).unwrap().parse().unwrap();
        } else if line == "\r\n" {
            break;
        } else if let Some((k, v)) = line.split_once(':') {
            if k.eq_ignore_ascii_case("content-length") {
                length = v.trim().parse().unwrap();
            }
            chunked |= k.eq_ignore_ascii_case("transfer-encoding") && v.contains("chunked");
        }
    }
    if !chunked {
        let mut body = vec![0; length];
        reader.read_exact(&mut body).unwrap();
        return (status, body);
    }
    let mut body = Vec::new();
    loop {
        line.clear();
        reader.read_line(&mut line).unwrap();
        let size = usize::from_str_radix(line.trim(), 16).unwrap();
        let mut chunk = vec![0; size + 2];
        reader.read_exact(&mut chunk).unwrap();
        if size == 0 {
            return (status, body);
        }
        body.extend_from_slice(&chunk[..size]);
    }
}

/// 20 sequential requests for a static page, and for a streamed export (whose head and
/// body leave in separate writes), on one keep-alive connection each: without `TCP_NODELAY`
/// a response written in two parts waits for the client's delayed ACK (~40 ms); with it,
/// well under.
#[test]
fn keep_alive_requests_do_not_wait_for_delayed_acks() {
    median_keep_alive("/datasets/");
    median_keep_alive("/api/v1/datasets/digital-kyiv-2024-2025/measures.csv?_stream=on");
}

fn median_keep_alive(target: &str) {
    let stream = TcpStream::connect(server()).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let mut writer = stream.try_clone().unwrap();
    let mut reader = BufReader::new(stream);
    let mut times = Vec::new();
    for _ in 0..21 {
        let started = Instant::now();
        writer
            .write_all(
                format!("GET {target} HTTP/1.1\r\nHost: x\r\nAccept-Encoding: br\r\n\r\n")
                    .as_bytes(),
            )
            .unwrap();
        let (status, body) = read_response(&mut reader);
        assert_eq!(status, 200);
        assert!(!body.is_empty());
        times.push(started.elapsed());
    }
    // The first request may pay for opening files; the 20 after it are the measure.
    let mut times = times.split_off(1);
    times.sort();
    let median = times[times.len() / 2];
    assert!(
        median < Duration::from_millis(15),
        "{target}: median keep-alive request took {median:?}: {times:?}"
    );
}
