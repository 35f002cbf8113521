//! The HTTP service (warp): the static site from `public/`, the search API and the dataset
//! APIs, behind one error type and one set of HTTP behaviours. Routes live in the
//! submodules; this module only assembles them and runs the server.

mod api;
pub mod ckan;
pub mod datasets;
mod datastore;
pub mod dcat;
mod encode;
mod error;
pub mod openapi;
pub mod respond;
pub mod rows;
mod search;
mod static_files;
mod turtle;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

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
    pub search_slots: tokio::sync::Semaphore,
}

impl AppState {
    pub fn open(dir: &Path) -> Result<AppState, ServeError> {
        if !dir.join("data").is_dir() {
            return Err(ServeError::NotABuild(dir.to_path_buf()));
        }
        let layout = Layout::new(dir);
        let data = datasets::LiveData::open(&layout).map_err(ServeError::Data)?;
        let index = SearchIndex::open(&layout).map_err(ServeError::Index)?;
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        Ok(AppState {
            layout,
            data,
            index,
            search_slots: tokio::sync::Semaphore::new(cores),
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
    // Row stores and search indexes are internal files: never served as static files.
    let private = warp::path("_store")
        .or(warp::path("_index"))
        .unify()
        .map(|| ApiError::not_found("nothing here; the site starts at /").into_response());
    // The search API is public and read-only: any origin may GET it. The dataset endpoints
    // set their own CORS, ETag and gzip headers (`respond`).
    let cors = warp::cors()
        .allow_any_origin()
        .allow_methods(["GET", "HEAD", "OPTIONS"])
        .allow_headers(["accept", "content-type"]);
    let search = search::routes(state.clone()).with(cors);
    let compressible = search.or(static_files::routes(state.clone()));
    healthz
        .or(api::routes(state))
        .or(private)
        .or(accepts_gzip()
            .and(compressible.clone())
            .with(warp::filters::compression::gzip()))
        .or(compressible)
        .or(api_unknown)
        .or(not_found_page(&state_root))
        .recover(error::recover)
        .with(security_headers())
}

/// Any other GET gets the site's own `404.html` with status 404. It must answer rather than
/// reject: warp would otherwise report the other branches' method rejections as a 405.
fn not_found_page(
    root: &Path,
) -> impl Filter<Extract = (warp::reply::Response,), Error = warp::Rejection> + Clone {
    let page = root.join("404.html");
    warp::get().map(move || match std::fs::read(&page) {
        Ok(html) => {
            let mut response = warp::reply::Response::new(html.into());
            *response.status_mut() = warp::http::StatusCode::NOT_FOUND;
            response.headers_mut().insert(
                warp::http::header::CONTENT_TYPE,
                warp::http::HeaderValue::from_static("text/html; charset=utf-8"),
            );
            response
        }
        Err(_) => ApiError::not_found("nothing here; the site starts at /").into_response(),
    })
}

/// Passes when the request's `Accept-Encoding` lists gzip.
fn accepts_gzip() -> impl Filter<Extract = (), Error = warp::Rejection> + Clone {
    warp::header::optional::<String>("accept-encoding")
        .and_then(|encodings: Option<String>| async move {
            let gzip = encodings.is_some_and(|e| {
                e.split(',')
                    .any(|part| part.trim().split(';').next() == Some("gzip"))
            });
            if gzip {
                Ok(())
            } else {
                Err(warp::reject())
            }
        })
        .untuple_one()
}

fn security_headers() -> warp::filters::reply::WithHeaders {
    let mut headers = warp::http::HeaderMap::new();
    let pairs = [
        ("x-content-type-options", "nosniff"),
        ("referrer-policy", "strict-origin-when-cross-origin"),
        (
            "content-security-policy",
            "default-src 'self'; img-src 'self' data: https://*.tile.openstreetmap.org; \
             style-src 'self' 'unsafe-inline'; script-src 'self'; connect-src 'self'",
        ),
    ];
    for (name, value) in pairs {
        headers.insert(name, warp::http::HeaderValue::from_static(value));
    }
    warp::reply::with::headers(headers)
}

/// Serves `dir` on `addr` until SIGINT or SIGTERM; `ready` is called with the bound address.
pub fn serve(
    dir: &Path,
    addr: SocketAddr,
    ready: impl FnOnce(SocketAddr),
) -> Result<(), ServeError> {
    let state = Arc::new(AppState::open(dir)?);
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
        warp::serve(routes(state))
            .incoming(listener)
            .graceful(shutdown_signal())
            .run()
            .await;
        Ok(())
    })
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

    #[test]
    fn a_folder_without_data_is_not_a_build() {
        let err = AppState::open(Path::new("/nonexistent")).unwrap_err();
        assert!(
            err.to_string().contains("run `vidkryto build` first"),
            "{err}"
        );
    }
}
