//! The service's one error type, its one JSON shape, and the one place that maps errors and
//! rejections to HTTP statuses: `{"error": {"status", "code", "message", "parameter"?}}`.

use serde::Serialize;
use warp::http::StatusCode;
use warp::reject::Reject;
use warp::Reply;

/// An error a handler returns to the client.
#[derive(Debug, Clone, Serialize)]
pub struct ApiError {
    #[serde(skip)]
    pub status: StatusCode,
    /// A stable machine-readable code: `not-found`, `bad-parameter`, …
    pub code: &'static str,
    /// What is wrong and what to do, for a person.
    pub message: String,
    /// The request parameter at fault, if one is.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parameter: Option<String>,
    /// The values the parameter accepts, where they are a short list.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub allowed: Option<Vec<String>>,
}

impl Reject for ApiError {}

impl ApiError {
    pub fn not_found(message: impl Into<String>) -> ApiError {
        ApiError {
            status: StatusCode::NOT_FOUND,
            code: "not-found",
            message: message.into(),
            parameter: None,
            allowed: None,
        }
    }

    pub fn bad_parameter(parameter: impl Into<String>, message: impl Into<String>) -> ApiError {
        ApiError {
            status: StatusCode::BAD_REQUEST,
            code: "bad-parameter",
            message: message.into(),
            parameter: Some(parameter.into()),
            allowed: None,
        }
    }

    /// The service is at a limit (e.g. concurrent downloads): retry shortly.
    pub fn busy(message: impl Into<String>) -> ApiError {
        ApiError {
            status: StatusCode::SERVICE_UNAVAILABLE,
            code: "busy",
            message: message.into(),
            parameter: None,
            allowed: None,
        }
    }

    pub fn internal(message: impl Into<String>) -> ApiError {
        ApiError {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            code: "internal",
            message: message.into(),
            parameter: None,
            allowed: None,
        }
    }

    /// Names the parameter at fault (for errors that are not `bad_parameter`, e.g. a 404).
    pub fn with_parameter(mut self, parameter: impl Into<String>) -> ApiError {
        self.parameter = Some(parameter.into());
        self
    }

    pub fn method_not_allowed() -> ApiError {
        ApiError {
            status: StatusCode::METHOD_NOT_ALLOWED,
            code: "method-not-allowed",
            message: "this service is read-only: use GET or HEAD".into(),
            parameter: None,
            allowed: Some(vec!["GET".into(), "HEAD".into()]),
        }
    }

    /// Names the values the faulty parameter accepts.
    pub fn with_allowed<I, S>(mut self, allowed: I) -> ApiError
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.allowed = Some(allowed.into_iter().map(Into::into).collect());
        self
    }

    pub fn into_response(self) -> warp::reply::Response {
        let status = self.status;
        let body =
            serde_json::json!({ "error": ErrorBody { status: status.as_u16(), error: &self } });
        let mut response =
            warp::reply::with_status(warp::reply::json(&body), status).into_response();
        if status == StatusCode::SERVICE_UNAVAILABLE {
            // Every 503 here passes (an index being built, a limit reached): say when to retry.
            response
                .headers_mut()
                .insert("retry-after", warp::http::HeaderValue::from_static("5"));
        }
        response
    }
}

#[derive(Serialize)]
struct ErrorBody<'a> {
    status: u16,
    #[serde(flatten)]
    error: &'a ApiError,
}

/// Turns every rejection into the JSON error shape.
pub async fn recover(
    rejection: warp::Rejection,
) -> Result<warp::reply::Response, std::convert::Infallible> {
    let error = if let Some(e) = rejection.find::<ApiError>() {
        e.clone()
    } else if rejection.is_not_found() {
        ApiError::not_found("nothing here; the site starts at /")
    } else if let Some(e) = rejection.find::<warp::reject::InvalidQuery>() {
        ApiError::bad_parameter("query", format!("the query string is not valid: {e}"))
    } else if let Some(e) = rejection.find::<warp::cors::CorsForbidden>() {
        ApiError {
            status: StatusCode::FORBIDDEN,
            code: "cors-forbidden",
            message: format!("{e}; the API allows GET, HEAD and OPTIONS from any origin"),
            parameter: None,
            allowed: None,
        }
    } else if rejection.find::<warp::reject::MethodNotAllowed>().is_some() {
        ApiError::method_not_allowed()
    } else {
        ApiError::internal(format!("unhandled rejection: {rejection:?}"))
    };
    Ok(error.into_response())
}
