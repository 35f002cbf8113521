//! The HTTP service (warp): the static site from `public/`, the search API and the dataset
//! APIs, behind one error type and one set of HTTP behaviours. Routes live in the
//! submodules; this module assembles them, answers what no route may see (methods the
//! service does not take, request lines that are not a path) and runs the server through
//! `conn` (the serving loop and its limits).

mod api;
pub mod ckan;
pub mod conn;
pub mod datasets;
mod datastore;
pub mod dcat;
mod encode;
mod error;
pub mod open311;
pub mod openapi;
pub mod respond;
pub mod rows;
mod search;
mod static_files;
mod turtle;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use warp::http::header::ALLOW;
use warp::http::{HeaderValue, Method, StatusCode};
use warp::Filter;

pub use error::ApiError;

use crate::index::{IndexError, SearchIndex};
use crate::Layout;

/// What every handler can reach: the published directory it serves and its search index.
#[derive(Debug)]
pub struct AppState {
    pub layout: Layout,
    /// The published catalogue and row stores (dataset endpoints), following rebuilds.
    pub data: datasets::LiveData,
    /// The live search index (switches to a new build's index without a restart).
    pub index: SearchIndex,
    /// Searches running at once: one per core. A search is CPU-bound, so more at once only
    /// time-slice each other; queueing the rest in arrival order keeps the slow tail short.
    pub search_slots: Arc<tokio::sync::Semaphore>,
    /// The longest a search may run before it is answered with a 503 (`Limits::search_time`).
    pub search_time: std::time::Duration,
    /// The site's content hashes and precompressed copies (following rebuilds).
    pub files: static_files::SiteFiles,
}

impl AppState {
    pub fn open(dir: &Path) -> Result<AppState, ServeError> {
        if !dir.join("data").is_dir() {
            return Err(ServeError::NotABuild(dir.to_path_buf()));
        }
        let layout = Layout::new(dir);
        crate::keys::ServerKey::for_layout(&layout).map_err(ServeError::Key)?;
        let data = datasets::LiveData::open(&layout).map_err(ServeError::Data)?;
        let index = SearchIndex::open(&layout).map_err(ServeError::Index)?;
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        Ok(AppState {
            data,
            index,
            search_slots: Arc::new(tokio::sync::Semaphore::new(cores)),
            search_time: conn::Limits::default().search_time,
            files: static_files::SiteFiles::open(&layout),
            layout,
        })
    }
}

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error("`{0}` is not a Vidkryto build (no `data/` inside); run `vidkryto build` first or pass --dir")]
    NotABuild(PathBuf),
    #[error("cannot listen on {addr}")]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error("cannot open the published data")]
    Data(#[source] datasets::DataError),
    #[error("cannot start the async runtime")]
    Runtime(#[source] std::io::Error),
    #[error("cannot open the search index")]
    Index(#[source] IndexError),
    #[error("no usable cursor-signing key")]
    Key(#[source] crate::keys::KeyError),
}

/// Every route of the service.
pub fn routes(
    state: Arc<AppState>,
) -> impl Filter<Extract = (impl warp::Reply,), Error = std::convert::Infallible> + Clone {
    let healthz = warp::path!("healthz")
        .and(warp::get())
        .map(|| warp::reply::json(&serde_json::json!({"status": "ok"})));
    let api_unknown = warp::path("api")
        .map(|| ApiError::not_found("no such API endpoint; see /api/openapi.json").into_response());
    let state_root = state.layout.root().to_path_buf();
    // The search API is one of the dataset endpoints (`api`), with their one reply path;
    // the private trees are refused inside `static_files`, on the decoded path.
    healthz
        .or(api::routes(state.clone()))
        .or(static_files::routes(state))
        .or(api_unknown)
        .or(not_found_page(&state_root))
        .recover(error::recover)
        .map(|reply| respond::with_every_answer(warp::Reply::into_response(reply)))
}

/// Any other GET gets the site's own `404.html` with status 404 — under a language's prefix
/// (`/en/…`) that language's `/en/404/` page, since Zola renders `404.html` in the default
/// language only. It must answer rather than reject: warp would otherwise report the other
/// branches' method rejections as a 405.
fn not_found_page(
    root: &Path,
) -> impl Filter<Extract = (warp::reply::Response,), Error = warp::Rejection> + Clone {
    let root = root.to_path_buf();
    warp::get()
        .and(warp::path::full())
        .map(move |path: warp::path::FullPath| {
            let localised = language_prefix(path.as_str())
                .map(|lang| root.join(lang).join("404").join("index.html"));
            let html = localised
                .and_then(|page| std::fs::read(page).ok())
                .or_else(|| std::fs::read(root.join("404.html")).ok());
            match html {
                Some(html) => {
                    let mut response = warp::reply::Response::new(html.into());
                    *response.status_mut() = warp::http::StatusCode::NOT_FOUND;
                    response.headers_mut().insert(
                        warp::http::header::CONTENT_TYPE,
                        warp::http::HeaderValue::from_static("text/html; charset=utf-8"),
                    );
                    response
                }
                None => ApiError::not_found("nothing here; the site starts at /").into_response(),
            }
        })
}

/// `en` of `/en/…`: a first segment that looks like a language code (two or three ASCII
/// lowercase letters), so no request path can name another file.
fn language_prefix(path: &str) -> Option<&str> {
    let first = path.strip_prefix('/')?.split('/').next()?;
    (matches!(first.len(), 2 | 3) && first.bytes().all(|b| b.is_ascii_lowercase())).then_some(first)
}

/// Serves `dir` on `addr` until SIGINT or SIGTERM; `ready` is called with the bound address.
pub fn serve(
    dir: &Path,
    addr: SocketAddr,
    ready: impl FnOnce(SocketAddr),
) -> Result<(), ServeError> {
    serve_with(dir, addr, conn::Limits::default(), ready)
}

/// [`serve`] with other limits (tests use short timeouts).
pub fn serve_with(
    dir: &Path,
    addr: SocketAddr,
    limits: conn::Limits,
    ready: impl FnOnce(SocketAddr),
) -> Result<(), ServeError> {
    crate::memory::without_huge_pages();
    let mut state = AppState::open(dir)?;
    state.search_time = limits.search_time;
    let state = Arc::new(state);
    if let Ok(key) = crate::keys::ServerKey::for_layout(&state.layout) {
        if key.source == crate::keys::KeySource::Ephemeral {
            eprintln!("warning: paging cursors are signed with {}", key.source);
        }
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(ServeError::Runtime)?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .map_err(|source| ServeError::Bind { addr, source })?;
        let bound = listener
            .local_addr()
            .map_err(|source| ServeError::Bind { addr, source })?;
        ready(bound);
        let filter = warp::service(routes(state));
        let service = hyper::service::service_fn(move |request| handle(filter.clone(), request));
        conn::run(listener, service, limits, shutdown_signal()).await;
        Ok(())
    })
}

/// What the service does with a request before any route sees it.
enum Admission {
    /// Let the routes answer (a HEAD turned into a GET first: hyper still sends no body,
    /// since it answers the method it parsed).
    Route { head_as_get: bool },
    /// Answered here.
    Answer(warp::reply::Response),
}

/// The methods each part of the service takes: the site and `/healthz` GET and HEAD; the
/// `/api/` routes decide themselves (`api::allowed_methods`: OPTIONS for CORS, CKAN POST). A request line that is not a path (`CONNECT host:port`, `*` but for
/// `OPTIONS *`) never reaches warp, whose path filters assume one.
fn admit(method: &Method, uri: &warp::http::Uri) -> Admission {
    if method == Method::CONNECT {
        return Admission::Answer(method_not_allowed("GET, HEAD"));
    }
    let path = match uri.path_and_query() {
        Some(pq) if pq.path().starts_with('/') => pq.path(),
        _ if method == Method::OPTIONS && uri.path() == "*" => {
            let mut response = warp::reply::Response::default();
            response
                .headers_mut()
                .insert(ALLOW, HeaderValue::from_static("GET, HEAD, OPTIONS"));
            return Admission::Answer(response);
        }
        _ => {
            return Admission::Answer(
                ApiError {
                    status: StatusCode::BAD_REQUEST,
                    code: "bad-request",
                    message: "the request target must be a path starting with `/`".into(),
                    parameter: None,
                    allowed: None,
                }
                .into_response(),
            )
        }
    };
    let head = method == Method::HEAD;
    if path == "/api" || path.starts_with("/api/") {
        return Admission::Route { head_as_get: false };
    }
    match *method {
        Method::GET | Method::HEAD => Admission::Route { head_as_get: head },
        _ => Admission::Answer(method_not_allowed("GET, HEAD")),
    }
}

fn method_not_allowed(allow: &'static str) -> warp::reply::Response {
    let mut response = ApiError::method_not_allowed().into_response();
    response
        .headers_mut()
        .insert(ALLOW, HeaderValue::from_static(allow));
    response
}

async fn handle<S>(
    mut routes: S,
    mut request: warp::http::Request<hyper::body::Incoming>,
) -> Result<warp::reply::Response, std::convert::Infallible>
where
    S: tower_service::Service<
        warp::http::Request<hyper::body::Incoming>,
        Response = warp::reply::Response,
        Error = std::convert::Infallible,
    >,
{
    use futures_util::FutureExt;
    let head_as_get = match admit(request.method(), request.uri()) {
        Admission::Answer(response) => return Ok(respond::with_every_answer(response)),
        Admission::Route { head_as_get } => head_as_get,
    };
    if head_as_get {
        *request.method_mut() = Method::GET;
    }
    let path = request.uri().path().to_string();
    let answered = std::panic::AssertUnwindSafe(tower_service::Service::call(&mut routes, request))
        .catch_unwind()
        .await;
    let mut response = match answered {
        Ok(Ok(response)) => response,
        Ok(Err(never)) => match never {},
        Err(_) => respond::with_every_answer(
            ApiError::internal("the server failed on this request; please report the URL")
                .into_response(),
        ),
    };
    if response.status() == StatusCode::METHOD_NOT_ALLOWED
        && !response.headers().contains_key(ALLOW)
    {
        response
            .headers_mut()
            .insert(ALLOW, HeaderValue::from_static(api::allowed_methods(&path)));
    }
    Ok(response)
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch_build() -> PathBuf {
        let dir = std::env::temp_dir().join(format!("vidkryto-server-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("data")).unwrap();
        std::fs::write(dir.join("index.html"), "<h1>Відкрито</h1>").unwrap();
        dir
    }

    #[tokio::test]
    async fn errors_share_one_json_shape() {
        let state = Arc::new(AppState::open(&scratch_build()).unwrap());
        let response = warp::test::request()
            .path("/api/v1/nowhere")
            .reply(&routes(state))
            .await;
        assert_eq!(response.status(), 404);
        let body: serde_json::Value = serde_json::from_slice(response.body()).unwrap();
        assert_eq!(body["error"]["status"], 404);
        assert_eq!(body["error"]["code"], "not-found");
        assert!(body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("openapi"));
        assert_eq!(response.headers()["x-content-type-options"], "nosniff");
    }

    #[tokio::test]
    async fn serves_the_site_and_health() {
        let state = Arc::new(AppState::open(&scratch_build()).unwrap());
        let page = warp::test::request()
            .path("/index.html")
            .reply(&routes(state.clone()))
            .await;
        assert_eq!(page.status(), 200);
        assert!(String::from_utf8_lossy(page.body()).contains("Відкрито"));
        let health = warp::test::request()
            .path("/healthz")
            .reply(&routes(state))
            .await;
        assert_eq!(health.status(), 200);
    }

    #[tokio::test]
    async fn a_missing_page_gets_the_sites_404_page() {
        let dir = scratch_build();
        std::fs::write(dir.join("404.html"), "<h1>Сторінку не знайдено</h1>").unwrap();
        let state = Arc::new(AppState::open(&dir).unwrap());
        let page = warp::test::request()
            .path("/datasets/nothing-here/")
            .reply(&routes(state))
            .await;
        assert_eq!(page.status(), 404);
        assert!(String::from_utf8_lossy(page.body()).contains("не знайдено"));
    }

    #[tokio::test]
    async fn a_missing_page_under_a_language_prefix_gets_that_languages_404_page() {
        let dir = scratch_build();
        std::fs::write(dir.join("404.html"), "<h1>Сторінку не знайдено</h1>").unwrap();
        std::fs::create_dir_all(dir.join("en/404")).unwrap();
        std::fs::write(dir.join("en/404/index.html"), "<h1>Page not found</h1>").unwrap();
        let state = Arc::new(AppState::open(&dir).unwrap());
        for (path, words) in [
            ("/en/datasets/nothing-here/", "Page not found"),
            ("/de/nothing/", "не знайдено"),
            ("/_store/x/", "не знайдено"),
        ] {
            let page = warp::test::request()
                .path(path)
                .reply(&routes(state.clone()))
                .await;
            assert_eq!(page.status(), 404, "{path}");
            assert!(
                String::from_utf8_lossy(page.body()).contains(words),
                "{path}"
            );
        }
    }

    #[test]
    fn a_folder_without_data_is_not_a_build() {
        let err = AppState::open(Path::new("/nonexistent")).unwrap_err();
        assert!(
            err.to_string().contains("run `vidkryto build` first"),
            "{err}"
        );
    }
}
