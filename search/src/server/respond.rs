//! The HTTP behaviours every dataset endpoint shares: the request facts handlers need
//! ([`Req`]), weak ETags with `If-None-Match` → 304, brotli or gzip when the client accepts it,
//! CORS `*`,
//! `Cache-Control` by endpoint, `Link: rel="next"`, and streamed bodies with backpressure.
//! Not for: what a body says (the endpoint modules).

use std::io::Write;

use flate2::write::GzEncoder;
use sha2::{Digest, Sha256};
use warp::http::header::{self, HeaderMap, HeaderValue};
use warp::http::{Method, StatusCode};
use warp::reply::Response;
use warp::Filter;

use super::ApiError;

/// What a handler needs to know about the request.
#[derive(Debug, Clone)]
pub struct Req {
    pub method: Method,
    /// The decoded-free raw path, e.g. `/api/v1/datasets/x/y.json`.
    pub path: String,
    /// The raw query string, without `?`.
    pub query: String,
    headers: HeaderMap,
}

/// Extracts a [`Req`] from any request.
pub fn req() -> impl Filter<Extract = (Req,), Error = std::convert::Infallible> + Clone {
    warp::method()
        .and(warp::path::full())
        .and(warp::query::raw().or(warp::any().map(String::new)).unify())
        .and(warp::header::headers_cloned())
        .map(|method, path: warp::path::FullPath, query, headers| Req {
            method,
            path: path.as_str().to_string(),
            query,
            headers,
        })
}

impl Req {
    /// A request for tests and internal calls.
    pub fn get(path: &str, query: &str) -> Req {
        Req {
            method: Method::GET,
            path: path.into(),
            query: query.into(),
            headers: HeaderMap::new(),
        }
    }

    /// The same request as a GET with `extra` parameters appended (CKAN clients POST their
    /// parameters; the actions are read-only either way).
    pub fn as_get_with(mut self, extra: &str) -> Req {
        self.method = Method::GET;
        if !extra.is_empty() {
            if !self.query.is_empty() {
                self.query.push('&');
            }
            self.query.push_str(extra);
        }
        self
    }

    /// A request header by name, if it is text.
    pub fn header_str(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The compression to answer a generated body with (see [`Encoding::negotiate`]).
    fn encoding(&self) -> Option<Encoding> {
        Encoding::negotiate(&self.headers, true, true)
    }

    /// The URL of this request under `origin` (the portal's `base_url`, never the `Host`
    /// header) with `param` set to `value` (other parameters kept in order).
    pub fn with_param(&self, origin: &str, param: &str, value: &str) -> String {
        let mut out = form_urlencoded::Serializer::new(String::new());
        for (k, v) in form_urlencoded::parse(self.query.as_bytes()) {
            if k != param {
                out.append_pair(&k, &v);
            }
        }
        out.append_pair(param, value);
        format!("{origin}{}?{}", self.path, out.finish())
    }
}

/// How long clients and proxies may keep a response: the one table of caching policies,
/// for the generated answers and the published files alike.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cache {
    /// Catalogue-level metadata: changes only with a build.
    Metadata,
    /// Rows, exports and search answers.
    Rows,
    /// Whole-dataset downloads.
    Download,
    /// A published file whose name carries its content hash: never changes under that name.
    Immutable,
    /// Published pages and data files: revalidated every time (a 304 against the strong
    /// ETag is cheap), so a build shows at once.
    Revalidate,
    /// Other published assets (images, fonts, unhashed scripts).
    Asset,
    /// Errors: never kept.
    Never,
}

impl Cache {
    pub(super) fn header(self) -> &'static str {
        match self {
            Cache::Metadata => "public, max-age=300",
            Cache::Rows => "public, max-age=60, stale-while-revalidate=300",
            Cache::Download | Cache::Asset => "public, max-age=3600",
            Cache::Immutable => "public, max-age=31536000, immutable",
            Cache::Revalidate => "public, no-cache",
            Cache::Never => "no-store",
        }
    }

    /// The policy of the published file at `rel` (a path under `public/`).
    pub(super) fn for_file(rel: &str) -> Cache {
        let name = rel.rsplit('/').next().unwrap_or(rel);
        let hashed = name.split('.').any(|part| {
            part.len() >= 8 && part.len() <= 64 && part.bytes().all(|b| b.is_ascii_hexdigit())
        });
        let ext = name.rsplit_once('.').map_or("", |(_, e)| e);
        if hashed {
            Cache::Immutable
        } else if matches!(
            ext,
            "html" | "xml" | "json" | "jsonld" | "csv" | "geojson" | "ttl" | "zip"
        ) {
            Cache::Revalidate
        } else {
            Cache::Asset
        }
    }
}

/// `If-None-Match` of `headers` names `etag`, by the weak comparison (RFC 9110 §13.1.2).
pub(super) fn etag_matches(headers: &HeaderMap, etag: &str) -> bool {
    let bare = |t: &str| t.trim().trim_start_matches("W/").to_string();
    header_text(headers, header::IF_NONE_MATCH).is_some_and(|given| {
        given
            .split(',')
            .any(|tag| tag.trim() == "*" || bare(tag) == bare(etag))
    })
}

/// A request header's value, if it is text.
pub(super) fn header_text(headers: &HeaderMap, name: header::HeaderName) -> Option<&str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// Sets a header whose value is known to be text (a value that is not is left out).
pub(super) fn put(headers: &mut HeaderMap, name: impl header::IntoHeaderName, value: &str) {
    if let Ok(value) = HeaderValue::from_str(value) {
        headers.insert(name, value);
    }
}

/// The headers on every answer of the service, whatever answered it: the site, the
/// dataset and search APIs, errors and the 404 page. Everything published is public and
/// read-only and no answer depends on a cookie, so any origin may read it (CORS `*`).
pub const EVERY_ANSWER: [(&str, &str); 5] = [
    ("x-content-type-options", "nosniff"),
    ("referrer-policy", "strict-origin-when-cross-origin"),
    (
        "content-security-policy",
        "default-src 'self'; img-src 'self' data: https://*.tile.openstreetmap.org; \
         style-src 'self' 'unsafe-inline'; script-src 'self'; connect-src 'self'",
    ),
    ("access-control-allow-origin", "*"),
    ("access-control-expose-headers", "ETag, Link, Content-Range"),
];

/// Adds [`EVERY_ANSWER`]'s headers to `response`.
pub fn with_every_answer(mut response: Response) -> Response {
    for (name, value) in EVERY_ANSWER {
        response
            .headers_mut()
            .insert(name, HeaderValue::from_static(value));
    }
    response
}

/// A response being prepared.
pub struct Reply {
    pub content_type: &'static str,
    pub cache: Cache,
    pub link_next: Option<String>,
    pub extra_headers: Vec<(&'static str, String)>,
    pub status: StatusCode,
}

impl Reply {
    pub fn new(content_type: &'static str, cache: Cache) -> Reply {
        Reply {
            content_type,
            cache,
            link_next: None,
            extra_headers: Vec::new(),
            status: StatusCode::OK,
        }
    }

    pub fn next(mut self, url: Option<String>) -> Reply {
        self.link_next = url;
        self
    }

    pub fn header(mut self, name: &'static str, value: String) -> Reply {
        self.extra_headers.push((name, value));
        self
    }

    pub fn status(mut self, status: StatusCode) -> Reply {
        self.status = status;
        self
    }

    /// The weak ETag of `req` against data `version`: a build changes the version, and the
    /// same URL of the same build always gives the same body.
    fn etag(req: &Req, version: &str) -> String {
        let mut digest = Sha256::new();
        for part in [version, &req.path, &req.query] {
            digest.update(part.as_bytes());
            digest.update([0]);
        }
        format!("W/\"{}\"", crate::catalogue::hex(&digest.finalize()[..12]))
    }

    fn headers(&self, response: &mut Response, etag: Option<&str>) {
        let h = response.headers_mut();
        put(h, header::CONTENT_TYPE, self.content_type);
        put(h, header::CACHE_CONTROL, self.cache.header());
        put(h, header::VARY, "Accept-Encoding");
        if let Some(etag) = etag {
            put(h, header::ETAG, etag);
        }
        if let Some(next) = &self.link_next {
            put(h, header::LINK, &format!("<{next}>; rel=\"next\""));
        }
        for (name, value) in &self.extra_headers {
            put(h, *name, value);
        }
    }

    /// A whole body: 304 when the client has it, gzip when it accepts it.
    pub fn body(self, req: &Req, version: &str, body: Vec<u8>) -> Response {
        let etag = Reply::etag(req, version);
        if self.status == StatusCode::OK && etag_matches(&req.headers, &etag) {
            let mut response = Response::new(warp::hyper::body::Bytes::new().into());
            *response.status_mut() = StatusCode::NOT_MODIFIED;
            self.headers(&mut response, Some(&etag));
            response.headers_mut().remove("content-type");
            return response;
        }
        let encoding = req.encoding().filter(|_| body.len() > 1024);
        let body = match encoding {
            Some(encoding) => encoding.compress_all(&body).unwrap_or(body),
            None => body,
        };
        let mut response = Response::new(warp::hyper::body::Bytes::from(body).into());
        *response.status_mut() = self.status;
        self.headers(&mut response, Some(&etag));
        if let Some(encoding) = encoding {
            encoding.mark(&mut response);
        }
        response
    }

    /// A streamed body: `produce` writes chunks to a [`Sink`] on a blocking thread; a full
    /// channel blocks it, so memory stays flat whatever the size. A client that disconnects
    /// stops it at the next chunk.
    ///
    /// `exports` is given for generated bodies (rows exports), which are compressed and take
    /// one of its slots; files read from disk (already compressed) pass `None`.
    pub fn stream<F>(
        self,
        req: &Req,
        version: &str,
        exports: Option<&Exports>,
        produce: F,
    ) -> Result<Response, ApiError>
    where
        F: FnOnce(&mut Sink) -> Result<(), Stop> + Send + 'static,
    {
        let etag = Reply::etag(req, version);
        if etag_matches(&req.headers, &etag) {
            return Ok(self.body(req, version, Vec::new()));
        }
        let encoding = req.encoding().filter(|_| exports.is_some());
        // One chunk in flight: with the one being written and the encoder's, what a client
        // that stops reading holds is bounded (and the write timeout then frees it).
        let (tx, rx) = tokio::sync::mpsc::channel::<Vec<u8>>(1);
        if req.method != Method::HEAD {
            let permit = exports.map(Exports::start).transpose()?;
            tokio::task::spawn_blocking(move || {
                let _permit = permit;
                let mut sink = Sink {
                    tx,
                    buffer: Vec::with_capacity(STREAM_CHUNK),
                    encoder: encoding.map(|e| e.encoder(None)),
                };
                if produce(&mut sink).is_ok() {
                    let _ = sink.finish();
                }
            });
        }
        let stream = futures_util::stream::unfold(rx, |mut rx| async move {
            rx.recv()
                .await
                .map(|chunk| (Ok::<_, std::io::Error>(chunk), rx))
        });
        let mut response = warp::reply::Reply::into_response(warp::reply::stream(stream));
        self.headers(&mut response, Some(&etag));
        if let Some(encoding) = encoding {
            encoding.mark(&mut response);
        }
        Ok(response)
    }
}

/// Rows exports produced at once by one server: one per core of the 2-core machine a city
/// runs this on (an export is CPU-bound while it produces; more would only share the
/// cores). Each holds ~3 MB while it runs (~8 MB with brotli, measured with
/// `scripts/soak`), which a client that stops reading keeps until the write timeout.
pub const MAX_EXPORTS: usize = 2;

/// The export slots of a server. An export costs a core while it produces and its encoder's
/// memory until the client has read it or the write timeout drops it, so one past
/// [`MAX_EXPORTS`] is a 503 with `Retry-After`: stalled exports cannot grow the server or
/// starve its queries.
#[derive(Debug, Clone)]
pub struct Exports(std::sync::Arc<tokio::sync::Semaphore>);

impl Default for Exports {
    fn default() -> Exports {
        Exports(std::sync::Arc::new(tokio::sync::Semaphore::new(
            MAX_EXPORTS,
        )))
    }
}

impl Exports {
    fn start(&self) -> Result<tokio::sync::OwnedSemaphorePermit, ApiError> {
        self.0.clone().try_acquire_owned().map_err(|_| {
            ApiError::busy(format!(
                "{MAX_EXPORTS} exports are running already; retry in a few seconds, or read \
                 the rows in pages (leave out _stream)"
            ))
        })
    }
}

/// A whole answer compressed at once is buffered in chunks of this size.
const CHUNK: usize = 256 * 1024;
/// A stream's chunk: small, because a stalled client holds about three of them.
const STREAM_CHUNK: usize = 64 * 1024;

/// A `Content-Encoding` the service answers with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Encoding {
    Gzip,
    Brotli,
}

/// Brotli quality 5 and gzip's fast level: a response is compressed on every request, so
/// speed matters more than the last few percent of size (brotli's default, 11, is ~50×
/// slower).
const BROTLI_QUALITY: u32 = 5;
const STREAM_QUALITY: u32 = 3;
const BROTLI_WINDOW: u32 = 22;
/// The smallest window a whole-body answer gets: at 16 bits or less brotli switches (from
/// quality 5 up) to a hasher whose tables cost ~2 ms to clear, 15× the whole encode of a
/// 4 KB answer at 17 bits.
const BROTLI_MIN_WINDOW: u32 = 17;
/// A stream's window: its encoder lives as long as the client takes to read, so its memory
/// is bounded small (a 4 MB window held by each of many slow readers is how 20 stalled
/// exports grew the server by 235 MB); 256 KB costs a few percent of size on CSV.
const STREAM_WINDOW: u32 = 18;

impl Encoding {
    /// The coding to answer with, by the request's `Accept-Encoding`: brotli (smaller) when
    /// accepted and on offer, else gzip, else none; `q=0` refuses a coding, `*` accepts any.
    /// The one negotiation of the service: generated answers offer both, a published file
    /// the precompressed copies its build made.
    pub(super) fn negotiate(headers: &HeaderMap, brotli: bool, gzip: bool) -> Option<Encoding> {
        let accept = header_text(headers, header::ACCEPT_ENCODING)?;
        let accepts = |coding: &str| {
            accept.split(',').any(|part| {
                let mut bits = part.split(';');
                let name = bits.next().unwrap_or("").trim();
                let refused = bits.any(|p| {
                    p.trim()
                        .strip_prefix("q=")
                        .and_then(|q| q.trim().parse::<f32>().ok())
                        .is_some_and(|q| q <= 0.0)
                });
                (name.eq_ignore_ascii_case(coding) || name == "*") && !refused
            })
        };
        if brotli && accepts("br") {
            Some(Encoding::Brotli)
        } else if gzip && accepts("gzip") {
            Some(Encoding::Gzip)
        } else {
            None
        }
    }

    pub(super) fn name(self) -> &'static str {
        match self {
            Encoding::Gzip => "gzip",
            Encoding::Brotli => "br",
        }
    }

    pub(super) fn mark(self, response: &mut Response) {
        response
            .headers_mut()
            .insert("content-encoding", HeaderValue::from_static(self.name()));
    }

    /// An encoder for a body of about `size` bytes (a stream: `None`). Brotli's window and
    /// buffers follow the size, so a small JSON answer does not allocate a stream's tables.
    fn encoder(self, size: Option<usize>) -> Encoder {
        let window = size.map_or(STREAM_WINDOW, |n| {
            (usize::BITS - n.max(1).leading_zeros()).clamp(BROTLI_MIN_WINDOW, BROTLI_WINDOW)
        });
        let buffer = size.map_or(STREAM_CHUNK, |n| n.clamp(4096, CHUNK));
        // A stream's encoder is held while its client reads: quality 3's hash table is
        // 256 KB (quality 4's is 4 MB, 5's more), for a few percent of size.
        let quality = size.map_or(STREAM_QUALITY, |_| BROTLI_QUALITY);
        match self {
            Encoding::Gzip => Encoder::Gzip(Box::new(GzEncoder::new(
                Vec::new(),
                flate2::Compression::fast(),
            ))),
            Encoding::Brotli => Encoder::Brotli(Box::new(brotli::CompressorWriter::new(
                Vec::new(),
                buffer,
                quality,
                window,
            ))),
        }
    }

    fn compress_all(self, body: &[u8]) -> Option<Vec<u8>> {
        let mut encoder = self.encoder(Some(body.len()));
        encoder.write_all(body).ok()?;
        encoder.finish().ok()
    }
}

/// A compressor writing into memory, drained chunk by chunk.
enum Encoder {
    Gzip(Box<GzEncoder<Vec<u8>>>),
    Brotli(Box<brotli::CompressorWriter<Vec<u8>>>),
}

impl Encoder {
    fn write_all(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        match self {
            Encoder::Gzip(e) => e.write_all(bytes),
            Encoder::Brotli(e) => e.write_all(bytes),
        }
    }

    /// Flushes what was written so far and takes the compressed bytes.
    fn drain(&mut self) -> std::io::Result<Vec<u8>> {
        match self {
            Encoder::Gzip(e) => {
                e.flush()?;
                Ok(std::mem::take(e.get_mut()))
            }
            Encoder::Brotli(e) => {
                e.flush()?;
                Ok(std::mem::take(e.get_mut()))
            }
        }
    }

    /// Ends the stream and returns the remaining compressed bytes.
    fn finish(self) -> std::io::Result<Vec<u8>> {
        match self {
            Encoder::Gzip(e) => e.finish(),
            Encoder::Brotli(mut e) => {
                e.flush()?;
                Ok(e.into_inner())
            }
        }
    }
}

/// Where a streaming producer writes; see [`Reply::stream`].
pub struct Sink {
    tx: tokio::sync::mpsc::Sender<Vec<u8>>,
    buffer: Vec<u8>,
    encoder: Option<Encoder>,
}

/// The client went away: stop producing.
#[derive(Debug)]
pub struct Stop;

impl Sink {
    /// The buffer to append to; call [`Sink::flush_if_full`] after each record.
    pub fn buffer(&mut self) -> &mut Vec<u8> {
        &mut self.buffer
    }

    pub fn flush_if_full(&mut self) -> Result<(), Stop> {
        if self.buffer.len() >= STREAM_CHUNK {
            self.send()
        } else {
            Ok(())
        }
    }

    fn send(&mut self) -> Result<(), Stop> {
        if self.buffer.is_empty() {
            return Ok(());
        }
        let chunk = match &mut self.encoder {
            None => std::mem::replace(&mut self.buffer, Vec::with_capacity(STREAM_CHUNK)),
            Some(encoder) => {
                encoder.write_all(&self.buffer).map_err(|_| Stop)?;
                self.buffer.clear();
                encoder.drain().map_err(|_| Stop)?
            }
        };
        if chunk.is_empty() {
            return Ok(());
        }
        self.tx.blocking_send(chunk).map_err(|_| Stop)
    }

    fn finish(mut self) -> Result<(), Stop> {
        self.send()?;
        if let Some(encoder) = self.encoder.take() {
            let tail = encoder.finish().map_err(|_| Stop)?;
            if !tail.is_empty() {
                self.tx.blocking_send(tail).map_err(|_| Stop)?;
            }
        }
        Ok(())
    }
}

/// Runs a streaming producer to completion and returns what it wrote, uncompressed (for
/// tests and tools that want a stream's bytes without a server).
pub fn collect<F>(produce: F) -> Vec<u8>
where
    F: FnOnce(&mut Sink) -> Result<(), Stop> + Send,
{
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Vec<u8>>(4);
    std::thread::scope(|scope| {
        scope.spawn(move || {
            let mut sink = Sink {
                tx,
                buffer: Vec::new(),
                encoder: None,
            };
            if produce(&mut sink).is_ok() {
                let _ = sink.finish();
            }
        });
        let mut out = Vec::new();
        while let Some(chunk) = rx.blocking_recv() {
            out.extend_from_slice(&chunk);
        }
        out
    })
}

/// An error response: never cached.
pub fn error(error: ApiError) -> Response {
    let mut response = error.into_response();
    put(
        response.headers_mut(),
        header::CACHE_CONTROL,
        Cache::Never.header(),
    );
    response
}

/// The answer to an OPTIONS on an API route taking the methods `allow`: a CORS preflight,
/// or a plain OPTIONS asking which methods the route takes (`Allow`).
pub fn preflight(allow: &'static str) -> Response {
    let mut response = Response::new(warp::hyper::body::Bytes::new().into());
    *response.status_mut() = StatusCode::NO_CONTENT;
    let h = response.headers_mut();
    h.insert(header::ALLOW, HeaderValue::from_static(allow));
    h.insert(
        header::ACCESS_CONTROL_ALLOW_METHODS,
        HeaderValue::from_static(allow),
    );
    // Content-Type: CKAN clients POST their parameters as JSON.
    h.insert(
        header::ACCESS_CONTROL_ALLOW_HEADERS,
        HeaderValue::from_static("If-None-Match, Accept, Accept-Encoding, Content-Type, Range"),
    );
    h.insert(
        header::ACCESS_CONTROL_MAX_AGE,
        HeaderValue::from_static("86400"),
    );
    response
}

/// The longest parameter name or value accepted, in bytes.
pub const MAX_PARAM: usize = 2048;
/// The most parameters one request may carry.
pub const MAX_PARAMS: usize = 64;

/// The decoded query parameters of `req`, in order (see [`decode_query`]).
pub fn params(req: &Req) -> Result<Vec<(String, String)>, ApiError> {
    decode_query(&req.query)
}

/// The one query-string decoder of the service: `application/x-www-form-urlencoded` pairs
/// (`+` is a space), decoded strictly — a name or value that is not UTF-8 once
/// percent-decoded, longer than [`MAX_PARAM`] bytes, or more than [`MAX_PARAMS`] pairs is a
/// 400 naming the parameter, never a lossy guess.
pub fn decode_query(raw: &str) -> Result<Vec<(String, String)>, ApiError> {
    let decode = |text: &str| -> Result<String, Vec<u8>> {
        let plus = text.replace('+', " ");
        let bytes: Vec<u8> = percent_encoding::percent_decode(plus.as_bytes()).collect();
        String::from_utf8(bytes).map_err(|e| e.into_bytes())
    };
    let mut out = Vec::new();
    for part in raw.split('&').filter(|p| !p.is_empty()) {
        let (key, value) = part.split_once('=').unwrap_or((part, ""));
        let key = decode(key).map_err(|bytes| {
            ApiError::bad_parameter(
                String::from_utf8_lossy(&bytes)
                    .chars()
                    .take(40)
                    .collect::<String>(),
                "the parameter name is not valid UTF-8 once percent-decoded",
            )
        })?;
        let value = decode(value).map_err(|_| {
            ApiError::bad_parameter(
                key.clone(),
                format!(
                    "`{key}` is not valid UTF-8 once percent-decoded; encode the text as UTF-8"
                ),
            )
        })?;
        if key.len() > MAX_PARAM || value.len() > MAX_PARAM {
            let name: String = key.chars().take(40).collect();
            return Err(ApiError::bad_parameter(
                name,
                format!(
                    "this parameter is {} bytes long; names and values are limited to {MAX_PARAM} bytes",
                    key.len().max(value.len())
                ),
            ));
        }
        out.push((key, value));
        if out.len() > MAX_PARAMS {
            return Err(ApiError::bad_parameter(
                "query",
                format!("too many parameters; at most {MAX_PARAMS} are accepted"),
            ));
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_query_is_decoded_strictly() {
        let pairs = decode_query("q=%D0%BC%D1%96%D1%81%D1%82%D0%BE+%C2%AB&year=2024").unwrap();
        assert_eq!(pairs[0], ("q".into(), "місто «".into()));
        assert_eq!(pairs[1], ("year".into(), "2024".into()));
        let err = decode_query("q=%FF%FE").unwrap_err();
        assert_eq!(err.parameter.as_deref(), Some("q"));
        let err = decode_query("%FF=1").unwrap_err();
        assert!(err.message.contains("not valid UTF-8"), "{}", err.message);
        assert_eq!(decode_query("a&b=").unwrap().len(), 2);
    }

    #[test]
    fn published_files_are_cached_by_kind() {
        assert_eq!(Cache::for_file("css/site.3f2a9c1d.css"), Cache::Immutable);
        assert_eq!(Cache::for_file("datasets/index.html"), Cache::Revalidate);
        assert_eq!(Cache::Revalidate.header(), "public, no-cache");
        assert_eq!(
            Cache::for_file("js/site.js").header(),
            "public, max-age=3600"
        );
    }

    #[test]
    fn codings_follow_accept_encoding() {
        let asking = |accept: Option<&str>, brotli: bool| {
            let mut headers = HeaderMap::new();
            if let Some(accept) = accept {
                headers.insert(
                    header::ACCEPT_ENCODING,
                    HeaderValue::from_str(accept).unwrap(),
                );
            }
            Encoding::negotiate(&headers, brotli, true)
        };
        assert_eq!(
            asking(Some("gzip, deflate, br"), true),
            Some(Encoding::Brotli)
        );
        assert_eq!(
            asking(Some("gzip, deflate, br"), false),
            Some(Encoding::Gzip)
        );
        assert_eq!(asking(Some("gzip, br;q=0"), true), Some(Encoding::Gzip));
        assert_eq!(asking(Some("GZIP;q=0.5"), true), Some(Encoding::Gzip));
        assert_eq!(asking(Some("*"), true), Some(Encoding::Brotli));
        assert_eq!(asking(Some("br;q=0.0, gzip;q=0"), true), None);
        assert_eq!(asking(Some("identity"), true), None);
        assert_eq!(asking(None, true), None);
    }

    #[test]
    fn if_none_match_compares_weakly() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::IF_NONE_MATCH,
            HeaderValue::from_static("\"a\", W/\"b\""),
        );
        assert!(etag_matches(&headers, "W/\"a\""));
        assert!(etag_matches(&headers, "\"b\""));
        assert!(!etag_matches(&headers, "\"c\""));
        assert!(!etag_matches(&HeaderMap::new(), "\"a\""));
    }

    #[test]
    fn exports_past_the_limit_are_a_503_until_one_ends() {
        let exports = Exports::default();
        let running: Vec<_> = (0..MAX_EXPORTS)
            .map(|_| exports.start().expect("a free slot"))
            .collect();
        let refused = exports.start().expect_err("every slot is taken");
        assert_eq!(refused.status, StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(refused.code, "busy");
        let response = refused.into_response();
        assert_eq!(response.headers()["retry-after"], "5");
        drop(running);
        assert!(exports.start().is_ok(), "an ended export frees its slot");
    }
}
