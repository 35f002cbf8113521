//! The dispatcher of the dataset endpoints: matches a request against the one route table
//! (`openapi::ROUTES`) and calls the endpoint, with every error in the shared JSON shape (CKAN's
//! shape under `/api/3/action/` and `/api/action/`, GeoReport's under `/open311/`) and CORS on
//! every answer. A panic in a handler becomes a 500
//! in that shape, never a dropped connection.

use std::sync::Arc;

use warp::http::Method;
use warp::reply::Response;
use warp::Filter;

use super::openapi::{self, Endpoint};
use super::respond::{self, Cache, Req};
use super::{ckan, datasets, dcat, open311, rows, search, ApiError, AppState};

/// The largest POST body a CKAN action accepts.
const MAX_POST: u64 = 64 * 1024;

/// The dataset endpoints; requests matching no route fall through to the next filter.
pub fn routes(
    state: Arc<AppState>,
) -> impl Filter<Extract = (Response,), Error = warp::Rejection> + Clone {
    let post_state = state.clone();
    // CKAN clients (ckanapi by default) POST their parameters as JSON or a form.
    let action = warp::path!("api" / "3" / "action" / String)
        .or(warp::path!("api" / "action" / String))
        .unify();
    let ckan_post = warp::post()
        .and(action)
        .and(respond::req())
        .and(warp::body::content_length_limit(MAX_POST))
        .and(warp::body::bytes())
        .and_then(move |action: String, req: Req, body: bytes::Bytes| {
            let state = post_state.clone();
            async move { Ok::<_, warp::Rejection>(ckan_post(&state, &action, req, &body).await) }
        });
    let get = respond::req().and_then(move |req: Req| {
        let state = state.clone();
        async move { dispatch(&state, req).await }
    });
    ckan_post.or(get).unify()
}

/// A POSTed CKAN action: the body's parameters join the query's, then it runs as a GET.
async fn ckan_post(state: &Arc<AppState>, action: &str, req: Req, body: &[u8]) -> Response {
    let trimmed = body.iter().position(|b| !b.is_ascii_whitespace());
    let extra = match trimmed.map(|i| body[i]) {
        None => String::new(),
        Some(b'{') => {
            match serde_json::from_slice::<serde_json::Map<String, serde_json::Value>>(body) {
                Ok(object) => {
                    let mut out = form_urlencoded::Serializer::new(String::new());
                    for (k, v) in object {
                        match v {
                            // A JSON null is CKAN's "not given".
                            serde_json::Value::Null => {}
                            serde_json::Value::String(s) => {
                                out.append_pair(&k, &s);
                            }
                            other => {
                                out.append_pair(&k, &other.to_string());
                            }
                        }
                    }
                    out.finish()
                }
                Err(_) => return ckan::bad_body(&state.data.current(), &req, action),
            }
        }
        Some(_) => String::from_utf8_lossy(body).into_owned(),
    };
    let req = req.as_get_with(&extra);
    match dispatch(state, req).await {
        Ok(response) => response,
        Err(_) => respond::error(ApiError::not_found(
            "no such API endpoint; see /api/openapi.json",
        )),
    }
}

async fn dispatch(state: &Arc<AppState>, req: Req) -> Result<Response, warp::Rejection> {
    let ckan_path =
        req.path.starts_with(openapi::CKAN_PREFIX) || req.path.starts_with(openapi::CKAN_ALIAS);
    if req.method == Method::POST && ckan_path {
        // `ckan_post` refused it: the body is over the limit or has no length.
        return Ok(respond::error(ApiError {
            status: warp::http::StatusCode::PAYLOAD_TOO_LARGE,
            code: "payload-too-large",
            message: format!("send at most {MAX_POST} bytes, with a Content-Length, or use GET"),
            parameter: None,
            allowed: None,
        }));
    }
    let Some((route, captures)) = openapi::route(&req.path) else {
        if ckan_path {
            return Ok(ckan::unknown(&state.data.current(), &req));
        }
        return Err(warp::reject::not_found());
    };
    if route.endpoint == Endpoint::Elsewhere {
        return Err(warp::reject::not_found());
    }
    let allow = allowed_methods(&req.path);
    match req.method {
        Method::GET | Method::HEAD => {}
        Method::OPTIONS => return Ok(respond::preflight(allow)),
        _ => {
            let mut response = respond::error(ApiError::method_not_allowed());
            response
                .headers_mut()
                .insert("allow", warp::http::HeaderValue::from_static(allow));
            return Ok(response);
        }
    }
    if route.endpoint == Endpoint::Search {
        return Ok(search::answer(state.clone(), req).await);
    }
    let handled = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        handle(state, &req, route.endpoint, &captures)
    }));
    Ok(match handled {
        Ok(Ok(response)) => response,
        Ok(Err(error)) => respond::error(error),
        Err(_) => respond::error(ApiError::internal(
            "the server failed on this request; please report the URL",
        )),
    })
}

/// The methods the service takes at `path` (its `Allow`): the API routes GET, HEAD and
/// OPTIONS (CORS preflight), CKAN's actions also POST, the site GET and HEAD.
pub fn allowed_methods(path: &str) -> &'static str {
    match openapi::route(path) {
        Some((route, _)) if route.tag == "ckan" => "GET, HEAD, POST, OPTIONS",
        _ if path.starts_with(openapi::CKAN_PREFIX) || path.starts_with(openapi::CKAN_ALIAS) => {
            "GET, HEAD, POST, OPTIONS"
        }
        _ if path == "/api" || path.starts_with("/api/") => "GET, HEAD, OPTIONS",
        _ => "GET, HEAD",
    }
}

fn capture(captures: &[String], i: usize) -> &str {
    captures.get(i).map(String::as_str).unwrap_or("")
}

fn handle(
    state: &AppState,
    req: &Req,
    endpoint: Endpoint,
    captures: &[String],
) -> Result<Response, ApiError> {
    let data = &*state.data.current();
    match endpoint {
        Endpoint::Datasets => datasets::list(data, req),
        Endpoint::Dataset => datasets::show(data, req, capture(captures, 0)),
        Endpoint::Rows => rows::rows(
            data,
            req,
            capture(captures, 0),
            capture(captures, 1),
            capture(captures, 2),
        ),
        Endpoint::Zip => datasets::zip(data, &state.layout, req, capture(captures, 0)),
        Endpoint::Ckan(action) => Ok(ckan::action(data, &state.index, req, action)),
        Endpoint::Open311Services => Ok(open311::services(data, req)),
        Endpoint::Open311Requests => Ok(open311::requests(data, req)),
        Endpoint::Open311Request => Ok(open311::request_by_id(data, req, capture(captures, 0))),
        Endpoint::DcatNegotiated => dcat::negotiated(data, req),
        Endpoint::Dcat => Ok(dcat::catalogue(data, req)),
        Endpoint::DcatTurtle => dcat::catalogue_turtle(data, req),
        Endpoint::OpenApi => Ok(datasets::json_reply(
            req,
            &data.version,
            &openapi::document_with(&examples(data)),
            Cache::Metadata,
        )),
        Endpoint::Search | Endpoint::Elsewhere => Err(ApiError::not_found("not served here")),
    }
}

/// This build's first dataset, resource, organisation, group and appeal, for the document's
/// examples.
fn examples(data: &datasets::DataState) -> openapi::Examples {
    let package = data.catalogue.packages.iter().find(|p| {
        p.resources
            .iter()
            .any(|r| data.store(&p.name, &r.name).is_some())
    });
    openapi::Examples {
        dataset: package.map(|p| p.name.clone()),
        resource: package.and_then(|p| {
            p.resources
                .iter()
                .find(|r| data.store(&p.name, &r.name).is_some())
                .map(|r| r.name.clone())
        }),
        organization: ckan::first_organization(data),
        group: data.catalogue.packages.iter().find_map(|p| p.topic.clone()),
        request: open311::first_request(data),
    }
}
