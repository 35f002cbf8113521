//! `GET /api/v1/search`: reads the query string itself (so invalid UTF-8 and unknown
//! parameters are 400s naming the parameter), runs the search off the async threads, and
//! answers hits, facet counts over the whole result and an opaque `next` cursor.
//!
//! Parameters: `q` (required, ≤ 1000 characters), `type`, `year`, `district`, `category`,
//! `status`, `dataset`, `language` (repeat one to allow several values), `limit` (1–100,
//! default 20; larger values are clamped to 100), `cursor` (the `next` of the previous page),
//! `fuzzy` (`true` or `false`, default `false`: match every word typo-tolerantly). Without
//! `fuzzy`, a query with fewer than 3 hits answers its exact result plus `suggestions`:
//! `[{"q": "…", "total": N}]`. A query over the work budget (more than 32 different words,
//! or a prefix matching more than 1000 indexed words) is a 400 naming `q`.

use std::sync::Arc;

use serde::Serialize;
use warp::http::StatusCode;
use warp::reply::Response;

use super::respond::{self, Cache, Reply, Req};
use super::{ApiError, AppState};
use crate::index::FACETS;
use crate::query::{QueryError, SearchRequest, SearchResponse, DEFAULT_LIMIT, MAX_LIMIT};

const SINGLE: [&str; 4] = ["q", "limit", "cursor", "fuzzy"];

/// Answers a GET (or HEAD) of `/api/v1/search` through the service's one reply path
/// (`respond`): ETag against the index version, brotli or gzip, `Cache-Control`.
pub async fn answer(state: Arc<AppState>, req: Req) -> Response {
    // A version just opened decodes its facet table first (seconds, for a million
    // documents); that wait is not the query's cost, so the time limit does not count it
    // and the first searches after a start are answered.
    if let Some(loaded) = state.index.current().filter(|l| !l.is_warm()) {
        let _ = tokio::task::spawn_blocking(move || loaded.facet_table().is_ok()).await;
    }
    // The semaphore is never closed, so `acquire` only fails if it were.
    let slot = state.search_slots.clone().acquire_owned().await.ok();
    let task_state = state.clone();
    let raw = req.query.clone();
    // The slot moves into the task: a search cut off by the time limit keeps its core
    // until it ends — within microseconds, since the search obeys the same limit
    // (`query::deadline`) — so timed-out searches cannot pile up.
    let task = tokio::task::spawn_blocking(move || {
        let reply = search(&task_state, &raw);
        drop(slot);
        reply
    });
    let started = std::time::Instant::now();
    let reply = match tokio::time::timeout(state.search_time, task).await {
        // The timer ticks in milliseconds: a search that ended just after the limit,
        // before the timer fired, is over the limit all the same.
        Ok(_) if started.elapsed() > state.search_time => Err(too_slow(state.search_time)),
        Ok(joined) => joined
            .unwrap_or_else(|e| Err(ApiError::internal(format!("the search task failed: {e}")))),
        Err(_) => Err(too_slow(state.search_time)),
    };
    let answered = reply.and_then(|(body, version)| {
        serde_json::to_vec(&body)
            .map(|bytes| (bytes, version))
            .map_err(|e| ApiError::internal(format!("the answer could not be written: {e}")))
    });
    match answered {
        Ok((bytes, version)) => {
            Reply::new("application/json", Cache::Rows).body(&req, &version, bytes)
        }
        Err(error) => respond::error(error),
    }
}

/// The answer to a search that ran past the time limit: a 503 naming `q`, since the
/// query's words are what made it slow, with a `Retry-After` for a retry when less loaded.
fn too_slow(limit: std::time::Duration) -> ApiError {
    ApiError {
        status: StatusCode::SERVICE_UNAVAILABLE,
        code: "search-timeout",
        message: format!(
            "the search took longer than {} ms; use fewer or longer words in `q` \
             (short prefixes such as `ву*` match many words), or retry later",
            limit.as_millis()
        ),
        parameter: Some("q".into()),
        allowed: None,
    }
}

/// The JSON answer.
#[derive(Serialize)]
struct SearchBody {
    #[serde(flatten)]
    response: SearchResponse,
    /// Pass as `cursor` for the next page; absent on the last page.
    next: Option<String>,
}

fn all_parameters() -> Vec<String> {
    SINGLE
        .iter()
        .chain(FACETS.iter())
        .map(|s| s.to_string())
        .collect()
}

/// `limit`: a positive integer; values above the maximum are clamped to it.
fn parse_limit(value: &str) -> Result<usize, ApiError> {
    let value = value.trim();
    let bad = || {
        ApiError::bad_parameter(
            "limit",
            format!("`limit` must be a whole number from 1 to {MAX_LIMIT} (larger values are clamped to {MAX_LIMIT}), not `{value}`"),
        )
    };
    if value.is_empty() || !value.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    let limit = value.parse::<u64>().unwrap_or(u64::MAX);
    if limit == 0 {
        return Err(bad());
    }
    Ok(limit.min(MAX_LIMIT as u64) as usize)
}

/// `fuzzy`: `true` or `false` exactly.
fn parse_fuzzy(value: &str) -> Result<bool, ApiError> {
    match value.trim() {
        "true" => Ok(true),
        "false" => Ok(false),
        other => Err(ApiError::bad_parameter(
            "fuzzy",
            format!("`fuzzy` must be `true` or `false`, not `{other}`"),
        )),
    }
}

fn to_api_error(error: QueryError) -> ApiError {
    match &error {
        QueryError::NoIndex => ApiError {
            status: StatusCode::SERVICE_UNAVAILABLE,
            code: "no-index",
            message: error.to_string(),
            parameter: None,
            allowed: None,
        },
        QueryError::FacetTable(message) => ApiError::internal(message.clone()),
        QueryError::Index(_) => {
            let mut message = error.to_string();
            let mut source = std::error::Error::source(&error);
            while let Some(cause) = source {
                message.push_str(&format!(": {cause}"));
                source = cause.source();
            }
            ApiError::internal(message)
        }
        QueryError::UnknownFacet(name) => {
            ApiError::bad_parameter(name.clone(), error.to_string()).with_allowed(FACETS)
        }
        _ => ApiError::bad_parameter(
            error.parameter().unwrap_or("q").to_string(),
            error.to_string(),
        ),
    }
}

/// The answer to the query string `raw`, and the index version it was read from.
fn search(state: &AppState, raw: &str) -> Result<(SearchBody, String), ApiError> {
    let pairs = super::respond::decode_query(raw)?;
    let mut request = SearchRequest::new("");
    request.limit = DEFAULT_LIMIT;
    let mut q: Option<String> = None;
    let mut cursor: Option<String> = None;
    let mut seen: Vec<&str> = Vec::new();
    for (key, value) in &pairs {
        let key = key.as_str();
        if SINGLE.contains(&key) {
            if seen.contains(&key) {
                return Err(ApiError::bad_parameter(
                    key,
                    format!("`{key}` is given more than once; give it once"),
                ));
            }
            seen.push(key);
        }
        match key {
            "q" => q = Some(value.clone()),
            "limit" => request.limit = parse_limit(value)?,
            "cursor" => cursor = Some(value.clone()),
            "fuzzy" => request.fuzzy = parse_fuzzy(value)?,
            facet if FACETS.contains(&facet) => {
                if value.trim().is_empty() {
                    return Err(ApiError::bad_parameter(
                        facet,
                        format!("`{facet}` is empty; give a value or leave the parameter out"),
                    ));
                }
                request.filters.push((facet.to_string(), value.clone()));
            }
            other => {
                return Err(
                    ApiError::bad_parameter(other, format!("unknown parameter `{other}`"))
                        .with_allowed(all_parameters()),
                )
            }
        }
    }
    let q = q.unwrap_or_default();
    if q.trim().is_empty() {
        return Err(ApiError::bad_parameter(
            "q",
            "`q` is required: the words to search for, e.g. ?q=звернення",
        ));
    }
    request.q = q;
    let loaded = state
        .index
        .current()
        .ok_or_else(|| to_api_error(QueryError::NoIndex))?;
    let fingerprint = request.fingerprint(&loaded.version);
    let key = state.index.cursor_key();
    if let Some(cursor) = &cursor {
        let offset = key
            .decode(fingerprint, cursor)
            .map_err(|e| ApiError::bad_parameter("cursor", e.to_string()))?;
        request.offset = usize::try_from(offset).unwrap_or(usize::MAX);
    }
    // The search stops itself at the limit (its core is then free), not only the wait.
    request.deadline = Some(std::time::Instant::now() + state.search_time);
    let response = loaded.search(&request).map_err(|e| match e {
        QueryError::TimedOut => too_slow(state.search_time),
        e => to_api_error(e),
    })?;
    let next = response
        .next_offset()
        .map(|offset| key.encode(fingerprint, offset as u64));
    Ok((SearchBody { response, next }, loaded.version.clone()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits() {
        assert_eq!(parse_limit("5").unwrap(), 5);
        assert_eq!(parse_limit("100000").unwrap(), MAX_LIMIT);
        assert_eq!(
            parse_limit("99999999999999999999999999").unwrap(),
            MAX_LIMIT
        );
        for bad in ["-1", "0", "", "ten", "1.5"] {
            assert_eq!(
                parse_limit(bad).unwrap_err().parameter.as_deref(),
                Some("limit")
            );
        }
    }

    #[test]
    fn fuzzy_is_a_strict_boolean() {
        assert!(parse_fuzzy("true").unwrap());
        assert!(!parse_fuzzy("false").unwrap());
        for bad in ["1", "yes", "", "TRUE"] {
            assert_eq!(
                parse_fuzzy(bad).unwrap_err().parameter.as_deref(),
                Some("fuzzy")
            );
        }
    }
}
