//! Hardening (issue 12) and static-file serving (issue 19), against the real server over raw
//! sockets, so no client normalises a path or a request line before the server sees it:
//! private trees under every spelling, cursor keys outside `public/` and shared by
//! replicas, every method answered, precompressed files with strong ETags and ranges,
//! keep-alive latency, and the service's limits.

mod limits;
mod statics;

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::Duration;

use crate::common::{fixture_portal, serve_dir};

/// The fixture portal copied with a site beside its data (pages, a large file, dot-files,
/// the build's manifest of hashes and precompressed copies) and its cursor key file.
pub fn site_portal() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let base = std::env::temp_dir().join(format!("vidkryto-harden-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&base);
        let dir = base.join("public");
        copy_tree(fixture_portal(), &dir);
        let page = format!(
            "<!doctype html><title>Набори даних</title>{}",
            "<p>Відкриті дані міста: бюджет, звернення, реєстр.</p>".repeat(200)
        );
        write(&dir.join("datasets/index.html"), page.as_bytes());
        write(
            &dir.join("index.html"),
            b"<h1>\xd0\x92\xd1\x96\xd0\xb4\xd0\xba\xd1\x80\xd0\xb8\xd1\x82\xd0\xbe</h1>",
        );
        write(
            &dir.join("404.html"),
            "<h1>Сторінку не знайдено</h1>".as_bytes(),
        );
        write(&dir.join(".render-id"), b"render-42");
        write(&dir.join("_index/CURRENT"), b"not/a-version");
        let big: Vec<u8> = (0..8u32 << 20)
            .map(|i| (i.wrapping_mul(2654435761) >> 24) as u8)
            .collect();
        write(&dir.join("data/big.bin"), &big);
        let layout = vidkryto_search::Layout::new(&dir);
        vidkryto_search::keys::ensure_file(&layout).unwrap();
        vidkryto_search::sitefiles::write(&layout, &[]).unwrap();
        dir
    })
}

fn write(path: &Path, bytes: &[u8]) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, bytes).unwrap();
}

pub fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&entry.path(), &target);
        } else if entry.path().extension().is_some_and(|e| e == "bin") {
            // Large test downloads are not needed by the copies.
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// The server for [`site_portal`].
pub fn server() -> SocketAddr {
    static ADDR: OnceLock<SocketAddr> = OnceLock::new();
    *ADDR.get_or_init(|| serve_dir(site_portal()))
}

/// What came back on a raw socket: the status line's code, the head, the body bytes.
#[derive(Debug)]
pub struct Raw {
    pub status: u16,
    pub head: String,
    pub body: Vec<u8>,
}

impl Raw {
    pub fn header(&self, name: &str) -> Option<String> {
        self.head.lines().skip(1).find_map(|line| {
            let (k, v) = line.split_once(':')?;
            k.trim()
                .eq_ignore_ascii_case(name)
                .then(|| v.trim().to_string())
        })
    }
}

/// Sends `request` as written (no normalisation) and reads until the server closes.
pub fn raw(addr: SocketAddr, request: &str) -> Raw {
    let mut stream = TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    stream.write_all(request.as_bytes()).unwrap();
    let mut bytes = Vec::new();
    let _ = stream.read_to_end(&mut bytes);
    parse(&bytes).unwrap_or_else(|| panic!("no HTTP answer to {request:?}: {bytes:?}"))
}

fn parse(bytes: &[u8]) -> Option<Raw> {
    let split = bytes.windows(4).position(|w| w == b"\r\n\r\n")?;
    let head = String::from_utf8_lossy(&bytes[..split]).into_owned();
    let status = head.split_whitespace().nth(1)?.parse().ok()?;
    Some(Raw {
        status,
        head,
        body: bytes[split + 4..].to_vec(),
    })
}

/// `GET target` with `Connection: close`.
pub fn get(target: &str, headers: &str) -> Raw {
    raw(
        server(),
        &format!("GET {target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n{headers}\r\n"),
    )
}

fn store_meta_path() -> String {
    let store = site_portal().join("_store");
    let dataset = std::fs::read_dir(&store).unwrap().next().unwrap().unwrap();
    let resource = std::fs::read_dir(dataset.path())
        .unwrap()
        .filter_map(Result::ok)
        .find(|e| e.path().is_dir())
        .unwrap();
    format!(
        "{}/{}/meta.json",
        dataset.file_name().to_string_lossy(),
        resource.file_name().to_string_lossy()
    )
}

#[test]
fn the_issues_spellings_of_private_files_are_404s() {
    let meta = store_meta_path();
    let spellings = [
        format!("/%5fstore/{meta}"),
        format!("/%5Fstore/{meta}"),
        format!("//_store/{meta}"),
        format!("/_store%2f{}", meta.replace('/', "%2f")),
        format!("/./_store/{meta}"),
        format!("/datasets/../_store/{meta}"),
        format!("/_STORE/{meta}"),
        "/./_index/CURRENT".into(),
        "/_index/CURRENT".into(),
        "/%5findex/CURRENT".into(),
        "/.render-id".into(),
        "/%2erender-id".into(),
        "/./.render-id".into(),
        "/_files/manifest.json".into(),
        "/%5Ffiles/manifest.json".into(),
    ];
    for target in spellings {
        let answer = get(&target, "");
        assert_eq!(answer.status, 404, "{target}: {}", answer.head);
        let body = String::from_utf8_lossy(&answer.body);
        assert!(
            !body.contains("\"build\"") && !body.contains("render-42") && !body.contains("not/a"),
            "{target} leaked: {body}"
        );
    }
    // The same spellings of a public file are served: the decision is on the decoded path.
    assert_eq!(get("/%64atasets/./index.html", "").status, 200);
    assert_eq!(get("//datasets//", "").status, 200);
}

#[test]
fn no_cursor_secret_is_published_and_the_key_file_is_outside_public() {
    let meta = site_portal().join("_store").join(store_meta_path());
    let text = std::fs::read_to_string(meta).unwrap();
    assert!(!text.contains("secret"), "{text}");
    let layout = vidkryto_search::Layout::new(site_portal());
    let key = layout.cursor_key_file();
    assert!(key.is_file() && !key.starts_with(site_portal()));
    let mut names = Vec::new();
    let mut stack = vec![site_portal().to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(dir).unwrap().flatten() {
            if entry.path().is_dir() {
                stack.push(entry.path());
            }
            names.push(entry.file_name().to_string_lossy().into_owned());
        }
    }
    // No copy of the key file (`.public.cursor-key`) or any other key under public/; data
    // files may have "key" in their names (`key-figures.csv`).
    let key_name = key.file_name().unwrap().to_string_lossy().into_owned();
    assert!(
        !names
            .iter()
            .any(|n| *n == key_name || n.contains("cursor-key") || n.ends_with(".key")),
        "{names:?}"
    );
}

/// The first page's `next` from one server, asked of a replica with a copy of the tree and
/// of the key file.
#[test]
fn a_cursor_from_one_replica_is_valid_on_another() {
    let dataset = "digital-kyiv-2024-2025";
    let first = crate::common::fetch(
        server(),
        &format!("/api/v1/datasets/{dataset}/measures.json?_size=2"),
        &[],
    );
    assert_eq!(first.status, 200, "{}", first.text());
    let next = first.json()["next"]
        .as_str()
        .expect("a next cursor")
        .to_string();
    let base = std::env::temp_dir().join(format!("vidkryto-replica-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&base);
    let copy = base.join("public");
    copy_tree(site_portal(), &copy);
    let layout = vidkryto_search::Layout::new(site_portal());
    std::fs::copy(
        layout.cursor_key_file(),
        vidkryto_search::Layout::new(&copy).cursor_key_file(),
    )
    .unwrap();
    let replica = serve_dir(&copy);
    let page = |addr| {
        crate::common::fetch(
            addr,
            &format!("/api/v1/datasets/{dataset}/measures.json?_size=2&_next={next}"),
            &[],
        )
    };
    let here = page(server());
    let there = page(replica);
    assert_eq!(there.status, 200, "{}", there.text());
    assert_eq!(here.json()["rows"], there.json()["rows"]);
    // A replica with another key refuses it.
    let other = base.join("other");
    copy_tree(site_portal(), &other);
    std::fs::write(
        vidkryto_search::Layout::new(&other).cursor_key_file(),
        "a-different-key-of-at-least-32-characters",
    )
    .unwrap();
    assert_eq!(page(serve_dir(&other)).status, 400);
}

#[test]
fn connect_and_odd_request_lines_get_a_4xx_not_a_panic() {
    for request in [
        "CONNECT a:1 HTTP/1.1\r\nHost: a:1\r\n\r\n",
        "CONNECT 127.0.0.1:22 HTTP/1.1\r\nHost: x\r\n\r\n",
        "GET a:1 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        "GET * HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        "GARBAGE\r\n\r\n",
        "GET /\x01 HTTP/1.1\r\nHost: x\r\n\r\n",
    ] {
        let answer = raw(server(), request);
        assert!(
            (400..500).contains(&answer.status),
            "{request:?}: {}",
            answer.head
        );
    }
    let star = raw(
        server(),
        "OPTIONS * HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    );
    assert_eq!(star.status, 200);
    assert!(star.header("allow").unwrap().contains("GET"));
    // And the server still answers.
    assert_eq!(get("/healthz", "").status, 200);
}

#[test]
fn head_is_get_without_a_body_everywhere() {
    for target in [
        "/",
        "/datasets/",
        "/index.html",
        "/healthz",
        "/api/v1/search?q=x",
        "/api/v1/datasets",
        "/api/3/action/package_list",
        "/catalog.jsonld",
    ] {
        let got = get(target, "");
        let head = raw(
            server(),
            &format!("HEAD {target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"),
        );
        assert_eq!(head.status, got.status, "{target}: {}", head.head);
        assert_ne!(head.status, 405, "{target}");
        assert!(head.body.is_empty(), "{target} sent a body to HEAD");
        assert_eq!(
            head.header("content-type"),
            got.header("content-type"),
            "{target}"
        );
    }
}

#[test]
fn other_methods_are_405_with_allow() {
    for (method, target, allowed) in [
        ("POST", "/", "GET, HEAD"),
        ("DELETE", "/datasets/", "GET, HEAD"),
        ("PUT", "/index.html", "GET, HEAD"),
        ("POST", "/api/v1/search?q=x", "GET, HEAD, OPTIONS"),
        ("DELETE", "/api/v1/search", "GET, HEAD, OPTIONS"),
        ("PATCH", "/api/v1/datasets", "GET, HEAD"),
        ("TRACE", "/healthz", "GET, HEAD"),
    ] {
        let answer = raw(
            server(),
            &format!("{method} {target} HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"),
        );
        assert_eq!(answer.status, 405, "{method} {target}: {}", answer.head);
        let allow = answer.header("allow").unwrap_or_default();
        assert!(
            allow.starts_with(allowed),
            "{method} {target}: Allow {allow:?}"
        );
        assert!(String::from_utf8_lossy(&answer.body).contains("method-not-allowed"));
    }
}

#[test]
fn plain_options_on_api_routes_is_204_with_allow() {
    for target in ["/api/v1/search", "/api/v1/datasets"] {
        let answer = raw(
            server(),
            &format!("OPTIONS {target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"),
        );
        assert_eq!(answer.status, 204, "OPTIONS {target}: {}", answer.head);
        let allow = answer.header("allow").unwrap_or_default();
        assert!(allow.contains("GET"), "OPTIONS {target}: Allow {allow:?}");
        assert!(
            allow.contains("OPTIONS"),
            "OPTIONS {target}: Allow {allow:?}"
        );
    }
}
