//! The rendered site and the published data files, straight from `public/`. Decides what may
//! be served from the percent-decoded, normalised path (never from raw segments), so the
//! private trees and dot-files stay unreachable however the path is spelled. Serves the
//! build's precompressed copies by `Accept-Encoding`, strong ETags from the content hashes
//! the build recorded (`crate::sitefiles`; weak size + mtime ones for a tree without a
//! manifest), `Cache-Control` by kind, `Range` and 304s. Not for: the 404 page (`mod.rs`).

use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};
use std::time::{SystemTime, UNIX_EPOCH};

use percent_encoding::percent_decode_str;
use warp::http::{header, HeaderMap, StatusCode};
use warp::reply::Response;
use warp::Filter;

use super::respond::{etag_matches, header_text, put, Cache, Encoding};
use super::AppState;
use crate::layout::is_private;
use crate::reload::ReloadCheck;
use crate::sitefiles::{self, Entry, Manifest};
use crate::Layout;

/// Files up to this size are read whole and answered in one body (one write with the
/// head); larger ones are streamed in chunks of the same size.
const WHOLE: u64 = 1024 * 1024;

pub fn routes(
    state: Arc<AppState>,
) -> impl Filter<Extract = (Response,), Error = warp::Rejection> + Clone {
    warp::get()
        .and(warp::path::full())
        .and(warp::header::headers_cloned())
        .and_then(move |path: warp::path::FullPath, headers: HeaderMap| {
            let state = state.clone();
            async move {
                serve(&state.files, path.as_str(), &headers).ok_or_else(warp::reject::not_found)
            }
        })
}

/// The segments of a URL path after percent-decoding (every byte, `%2f` and `%5f`
/// included) and normalising (empty and `.` segments dropped, `..` taking one back);
/// `None` for a path that climbs above the root, is not UTF-8 or holds a NUL or backslash.
pub fn normalise(raw: &str) -> Option<Vec<String>> {
    let decoded = percent_decode_str(raw).decode_utf8().ok()?;
    if decoded.contains(['\0', '\\']) {
        return None;
    }
    let mut segments: Vec<String> = Vec::new();
    for segment in decoded.split('/') {
        match segment {
            "" | "." => {}
            ".." => {
                segments.pop()?;
            }
            s => segments.push(s.to_string()),
        }
    }
    Some(segments)
}

/// The file a URL path names, if it may be served: the decision is taken on the normalised
/// segments, and a folder means its `index.html`.
pub fn public_file(root: &Path, raw: &str) -> Option<(String, PathBuf, std::fs::Metadata)> {
    let segments = normalise(raw)?;
    if is_private(&segments) {
        return None;
    }
    let mut rel = segments.join("/");
    let mut path = root.join(&rel);
    let mut meta = std::fs::metadata(&path).ok()?;
    if meta.is_dir() {
        rel = if rel.is_empty() {
            "index.html".into()
        } else {
            format!("{rel}/index.html")
        };
        path = root.join(&rel);
        meta = std::fs::metadata(&path).ok()?;
    }
    meta.is_file().then_some((rel, path, meta))
}

/// The manifest of the published tree, re-read when a build replaces it.
#[derive(Debug)]
pub struct SiteFiles {
    layout: Layout,
    current: RwLock<Arc<Loaded>>,
    check: ReloadCheck,
}

#[derive(Debug, Default)]
struct Loaded {
    manifest: Manifest,
    stamp: Option<(u64, SystemTime)>,
}

fn stamp(layout: &Layout) -> Option<(u64, SystemTime)> {
    let meta = std::fs::metadata(layout.files_manifest()).ok()?;
    Some((meta.len(), meta.modified().ok()?))
}

impl SiteFiles {
    pub fn open(layout: &Layout) -> SiteFiles {
        SiteFiles {
            layout: layout.clone(),
            current: RwLock::new(Arc::new(Loaded {
                manifest: Manifest::read(layout),
                stamp: stamp(layout),
            })),
            check: ReloadCheck::new(),
        }
    }

    fn current(&self) -> Arc<Loaded> {
        let loaded = self.current.read().map(|l| l.clone()).unwrap_or_default();
        if self.check.due() && stamp(&self.layout) != loaded.stamp {
            let fresh = Arc::new(Loaded {
                stamp: stamp(&self.layout),
                manifest: Manifest::read(&self.layout),
            });
            if let Ok(mut slot) = self.current.write() {
                *slot = fresh.clone();
            }
            return fresh;
        }
        loaded
    }
}

/// Answers a GET (or HEAD: hyper drops the body) for `raw_path`; `None` when there is no
/// such public file.
pub fn serve(files: &SiteFiles, raw_path: &str, headers: &HeaderMap) -> Option<Response> {
    let root = files.layout.root();
    let (rel, path, meta) = public_file(root, raw_path)?;
    let loaded = files.current();
    // A manifest entry is trusted only for the file it describes (a rebuild may have
    // swapped the tree since the manifest was read).
    let entry = loaded
        .manifest
        .files
        .get(&rel)
        .filter(|e| e.len == meta.len());
    let range = header_text(headers, header::RANGE);
    let coding = match (entry, range) {
        (Some(e), None) => Encoding::negotiate(headers, e.br.is_some(), e.gz.is_some()),
        _ => None,
    };
    let etag = etag(entry, &meta, coding);
    let mut response = Response::default();
    let h = response.headers_mut();
    put(h, header::CONTENT_TYPE, &content_type(&rel));
    put(h, header::CACHE_CONTROL, Cache::for_file(&rel).header());
    put(h, header::ETAG, &etag);
    put(h, header::ACCEPT_RANGES, "bytes");
    if entry.is_some_and(|e| e.br.is_some() || e.gz.is_some()) {
        put(h, header::VARY, "accept-encoding");
    }
    if etag_matches(headers, &etag) {
        *response.status_mut() = StatusCode::NOT_MODIFIED;
        return Some(response);
    }
    let (file, len) = match (coding, entry) {
        (Some(Encoding::Brotli), Some(e)) => (
            sitefiles::copy_path(&files.layout, &e.hash, "br"),
            e.br.unwrap_or(0),
        ),
        (Some(Encoding::Gzip), Some(e)) => (
            sitefiles::copy_path(&files.layout, &e.hash, "gz"),
            e.gz.unwrap_or(0),
        ),
        _ => (path, meta.len()),
    };
    if let Some(coding) = coding {
        coding.mark(&mut response);
    }
    let if_range_ok = header_text(headers, header::IF_RANGE).is_none_or(|tag| tag.trim() == etag);
    let span = match range.filter(|_| if_range_ok).map(|r| parse_range(r, len)) {
        None | Some(RangeAsked::Ignored) => 0..len,
        Some(RangeAsked::Unsatisfiable) => {
            *response.status_mut() = StatusCode::RANGE_NOT_SATISFIABLE;
            put(
                response.headers_mut(),
                header::CONTENT_RANGE,
                &format!("bytes */{len}"),
            );
            return Some(response);
        }
        Some(RangeAsked::Span(start, end)) => {
            *response.status_mut() = StatusCode::PARTIAL_CONTENT;
            put(
                response.headers_mut(),
                header::CONTENT_RANGE,
                &format!("bytes {start}-{}/{len}", end - 1),
            );
            start..end
        }
    };
    put(
        response.headers_mut(),
        header::CONTENT_LENGTH,
        &(span.end - span.start).to_string(),
    );
    *response.body_mut() = body(file, span)?.into_body();
    Some(response)
}

/// Strong, from the build's content hash, one per representation; without a manifest
/// entry a weak one from size and modification time (as nginx does).
fn etag(entry: Option<&Entry>, meta: &std::fs::Metadata, coding: Option<Encoding>) -> String {
    match (entry, coding) {
        (Some(e), None) => format!("\"{}\"", e.hash),
        (Some(e), Some(Encoding::Brotli)) => format!("\"{}-br\"", e.hash),
        (Some(e), Some(Encoding::Gzip)) => format!("\"{}-gz\"", e.hash),
        (None, _) => {
            let modified = meta
                .modified()
                .ok()
                .and_then(|m| m.duration_since(UNIX_EPOCH).ok())
                .map_or(0, |d| d.as_nanos());
            format!("W/\"{:x}-{modified:x}\"", meta.len())
        }
    }
}

fn content_type(rel: &str) -> String {
    let mime = mime_guess::from_path(rel).first_or_octet_stream();
    let text = mime.type_() == "text" || mime.subtype() == "javascript";
    if text {
        format!("{mime}; charset=utf-8")
    } else {
        mime.to_string()
    }
}

enum RangeAsked {
    /// Not one we serve partially (several ranges, another unit): the whole file, 200.
    Ignored,
    Unsatisfiable,
    /// `start..end`, end exclusive.
    Span(u64, u64),
}

/// One `bytes=` range (RFC 9110 §14.1.2); several ranges are answered with the whole file,
/// which the RFC allows.
fn parse_range(value: &str, len: u64) -> RangeAsked {
    let Some(spec) = value.trim().strip_prefix("bytes=") else {
        return RangeAsked::Ignored;
    };
    if spec.contains(',') {
        return RangeAsked::Ignored;
    }
    let Some((first, last)) = spec.trim().split_once('-') else {
        return RangeAsked::Ignored;
    };
    let number = |s: &str| s.trim().parse::<u64>().ok();
    match (first.trim().is_empty(), last.trim().is_empty()) {
        (true, true) => RangeAsked::Ignored,
        (true, false) => match number(last) {
            Some(0) => RangeAsked::Unsatisfiable,
            Some(n) if len > 0 => RangeAsked::Span(len.saturating_sub(n), len),
            Some(_) => RangeAsked::Unsatisfiable,
            None => RangeAsked::Ignored,
        },
        (false, open_end) => {
            let Some(start) = number(first) else {
                return RangeAsked::Ignored;
            };
            let end = if open_end {
                Some(len)
            } else {
                number(last).map(|l| l.saturating_add(1).min(len))
            };
            match end {
                None => RangeAsked::Ignored,
                Some(end) if start >= len => {
                    let _ = end;
                    RangeAsked::Unsatisfiable
                }
                Some(end) if end <= start => RangeAsked::Ignored,
                Some(end) => RangeAsked::Span(start, end),
            }
        }
    }
}

/// The bytes `span` of `file`: read at once when small, else streamed from a blocking thread
/// through a small channel (memory stays two chunks whatever the size or the client's pace).
fn body(file: PathBuf, span: std::ops::Range<u64>) -> Option<Response> {
    let mut handle = std::fs::File::open(&file).ok()?;
    let size = span.end - span.start;
    if size <= WHOLE {
        let mut bytes = vec![0; size as usize];
        handle.seek(SeekFrom::Start(span.start)).ok()?;
        handle.read_exact(&mut bytes).ok()?;
        return Some(Response::new(bytes.into()));
    }
    let (tx, rx) = tokio::sync::mpsc::channel::<std::io::Result<Vec<u8>>>(2);
    tokio::task::spawn_blocking(move || {
        if let Err(err) = handle.seek(SeekFrom::Start(span.start)) {
            let _ = tx.blocking_send(Err(err));
            return;
        }
        let mut left = size;
        while left > 0 {
            let mut chunk = vec![0; left.min(WHOLE) as usize];
            if let Err(err) = handle.read_exact(&mut chunk) {
                let _ = tx.blocking_send(Err(err));
                return;
            }
            left -= chunk.len() as u64;
            if tx.blocking_send(Ok(chunk)).is_err() {
                return;
            }
        }
    });
    let stream = futures_util::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|chunk| (chunk, rx))
    });
    Some(warp::reply::Reply::into_response(warp::reply::stream(
        stream,
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises_every_spelling() {
        let same = [
            "/_store/a",
            "/%5fstore/a",
            "/%5Fstore/a",
            "//_store//a",
            "/./_store/./a",
        ];
        for raw in same {
            assert_eq!(normalise(raw).unwrap(), ["_store", "a"], "{raw}");
        }
        assert_eq!(normalise("/_store%2fa").unwrap(), ["_store", "a"]);
        assert_eq!(normalise("/x/../_store/a").unwrap(), ["_store", "a"]);
        assert_eq!(normalise("/../etc/passwd"), None);
        assert_eq!(normalise("/a%00b"), None);
        assert_eq!(normalise("/a%5cb"), None);
        assert_eq!(normalise("/%ff"), None);
    }

    /// One spelling of `segments` as a client could send it: every byte may be
    /// percent-encoded (upper- or lower-case hex), separators may be `//` or `%2f`, and `.`,
    /// empty and `<x>/..` segments may be inserted anywhere.
    fn spelling(segments: &[&str], next: &mut impl FnMut() -> u32) -> String {
        let mut out = String::new();
        for segment in segments {
            match next() % 6 {
                0 => out.push_str("/."),
                1 => out.push('/'),
                2 => out.push_str("/zz/.."),
                3 => out.push_str("/%2e"),
                _ => {}
            }
            out.push_str(if next().is_multiple_of(4) { "%2f" } else { "/" });
            for byte in segment.bytes() {
                match next() % 3 {
                    0 => out.push_str(&format!("%{byte:02X}")),
                    1 => out.push_str(&format!("%{byte:02x}")),
                    _ => out.push(byte as char),
                }
            }
        }
        if next().is_multiple_of(3) {
            out.push_str("/.");
        }
        out
    }

    #[test]
    fn no_spelling_of_a_private_file_is_served() {
        let root = std::env::temp_dir().join(format!("vidkryto-private-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        let private = [
            "_store/ds/res/meta.json",
            "_index/CURRENT",
            "_files/manifest.json",
            ".render-id",
            "data/ds/.hidden",
        ];
        for file in private.iter().chain(["index.html", "data/ds/r.csv"].iter()) {
            let path = root.join(file);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, "x").unwrap();
        }
        let files = SiteFiles::open(&Layout::new(&root));
        let mut state = 0x9e37_79b9_u32;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            state
        };
        let headers = HeaderMap::new();
        for file in private {
            let segments: Vec<&str> = file.split('/').collect();
            for _ in 0..2000 {
                let raw = spelling(&segments, &mut next);
                assert!(public_file(&root, &raw).is_none(), "{raw} was served");
                assert!(serve(&files, &raw, &headers).is_none(), "{raw} was served");
            }
        }
        // The same generator reaches public files, so it does spell real paths.
        for _ in 0..200 {
            let raw = spelling(&["data", "ds", "r.csv"], &mut next);
            assert!(public_file(&root, &raw).is_some(), "{raw} was not served");
        }
        std::fs::remove_dir_all(&root).unwrap();
    }

    #[test]
    fn ranges() {
        let span = |v: &str, len| match parse_range(v, len) {
            RangeAsked::Span(a, b) => Some((a, b)),
            _ => None,
        };
        assert_eq!(span("bytes=0-9", 100), Some((0, 10)));
        assert_eq!(span("bytes=90-", 100), Some((90, 100)));
        assert_eq!(span("bytes=-5", 100), Some((95, 100)));
        assert_eq!(span("bytes=0-999", 100), Some((0, 100)));
        assert!(matches!(
            parse_range("bytes=100-", 100),
            RangeAsked::Unsatisfiable
        ));
        assert!(matches!(
            parse_range("bytes=0-1,5-6", 100),
            RangeAsked::Ignored
        ));
        assert!(matches!(parse_range("items=0-1", 100), RangeAsked::Ignored));
    }
}
