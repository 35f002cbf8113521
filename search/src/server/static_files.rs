//! The rendered site and the published data files, straight from `public/`, with the
//! site's own `404.html` for pages that do not exist, and a weak ETag (size + modification
//! time, like nginx) so browsers revalidate with `If-None-Match` and get 304s.

use std::sync::Arc;
use std::time::UNIX_EPOCH;

use warp::http::{header, HeaderValue, StatusCode};
use warp::Filter;
use warp::Reply;

use super::AppState;

pub fn routes(
    state: Arc<AppState>,
) -> impl Filter<Extract = (warp::reply::Response,), Error = warp::Rejection> + Clone {
    let root = state.layout.root().to_path_buf();
    warp::get()
        .and(warp::header::optional::<String>("if-none-match"))
        .and(warp::fs::dir(root))
        .map(|if_none_match: Option<String>, file: warp::fs::File| {
            let Some(etag) = etag_of(file.path()) else {
                return file.into_response();
            };
            let matches = if_none_match.is_some_and(|given| {
                given
                    .split(',')
                    .any(|tag| tag.trim() == etag || tag.trim() == "*")
            });
            let mut response = if matches {
                let mut not_modified = warp::reply::Response::default();
                *not_modified.status_mut() = StatusCode::NOT_MODIFIED;
                not_modified
            } else {
                file.into_response()
            };
            if let Ok(value) = HeaderValue::from_str(&etag) {
                response.headers_mut().insert(header::ETAG, value);
            }
            response
        })
}

/// `W/"<size>-<mtime ns>"` in hex; weak because gzip may re-encode the bytes.
fn etag_of(path: &std::path::Path) -> Option<String> {
    let meta = std::fs::metadata(path).ok()?;
    let modified = meta.modified().ok()?.duration_since(UNIX_EPOCH).ok()?;
    Some(format!("W/\"{:x}-{:x}\"", meta.len(), modified.as_nanos()))
}
