//! The one error type of the web layer, and the only place statuses are
//! chosen. A 500 logs its cause and shows the user nothing internal. The
//! machine faces (JSON API, IIIF) answer every failure with one JSON body,
//! [`JsonError`]; the pages render theirs as HTML.

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;

/// What can go wrong while answering a request.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// The thing asked for does not exist (or may not be seen).
    #[error("{0}")]
    NotFound(String),
    /// The item was withdrawn by the archive; the message is the reason,
    /// shown to the public.
    #[error("{0}")]
    Gone(String),
    /// Signed in, but this account may not do this.
    #[error("{0}")]
    Forbidden(String),
    /// The request is malformed; the message says how.
    #[error("{0}")]
    BadRequest(String),
    /// Too many requests from this client.
    #[error("too many requests; retry after {retry_after_s} s")]
    TooManyRequests {
        /// Seconds until the client may retry.
        retry_after_s: u64,
    },
    /// A key is needed and was missing or wrong.
    #[error("{0}")]
    Unauthorized(String),
    /// Our fault: logged, never shown.
    #[error("internal error")]
    Internal(String),
}

impl AppError {
    /// The HTTP status for this error.
    pub fn status(&self) -> StatusCode {
        match self {
            AppError::NotFound(_) => StatusCode::NOT_FOUND,
            AppError::Gone(_) => StatusCode::GONE,
            AppError::Forbidden(_) => StatusCode::FORBIDDEN,
            AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AppError::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            AppError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// A stable machine-readable code for JSON error bodies.
    pub fn code(&self) -> &'static str {
        match self {
            AppError::NotFound(_) => "not_found",
            AppError::Gone(_) => "gone",
            AppError::Forbidden(_) => "forbidden",
            AppError::BadRequest(_) => "bad_request",
            AppError::TooManyRequests { .. } => "rate_limited",
            AppError::Unauthorized(_) => "unauthorized",
            AppError::Internal(_) => "internal",
        }
    }

    /// The message the client may see: never an internal detail.
    pub fn public_message(&self) -> String {
        match self {
            AppError::Internal(_) => {
                "the server could not answer this request; please try again later".into()
            }
            other => other.to_string(),
        }
    }

    /// Logs a server-side error's cause (call once, where it is turned into a response).
    pub fn log(&self) {
        if let AppError::Internal(cause) = self {
            tracing::error!(%cause, "internal error");
        }
    }
}

impl From<wenyuan_index::Error> for AppError {
    fn from(error: wenyuan_index::Error) -> Self {
        match error {
            wenyuan_index::Error::NotFound { .. } => AppError::NotFound(error.to_string()),
            error if error.is_user_error() => AppError::BadRequest(error.to_string()),
            error => AppError::Internal(error.to_string()),
        }
    }
}

impl From<tokio::task::JoinError> for AppError {
    fn from(error: tokio::task::JoinError) -> Self {
        AppError::Internal(format!("blocking task failed: {error}"))
    }
}

/// An [`AppError`] on its way to becoming a JSON error response (the JSON
/// API and IIIF answer failures with it).
#[derive(Debug)]
pub struct JsonError(pub AppError);

/// The body of every error response.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    /// What went wrong.
    pub error: ErrorDetail,
}

/// The code and message of an error.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorDetail {
    /// Stable machine-readable code: `not_found`, `bad_request`,
    /// `rate_limited`, `unauthorized`, `method_not_allowed` or `internal`.
    pub code: String,
    /// A sentence for people.
    pub message: String,
}

/// Builds an error response from its parts.
pub fn error_response(status: StatusCode, code: &str, message: String) -> Response {
    let body = ErrorBody {
        error: ErrorDetail {
            code: code.to_string(),
            message,
        },
    };
    (status, Json(body)).into_response()
}

impl IntoResponse for JsonError {
    fn into_response(self) -> Response {
        let error = self.0;
        error.log();
        let mut response = error_response(error.status(), error.code(), error.public_message());
        if let AppError::TooManyRequests { retry_after_s } = error {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(retry_after_s.max(1)));
        }
        response
    }
}

impl From<AppError> for JsonError {
    fn from(error: AppError) -> Self {
        JsonError(error)
    }
}

impl From<wenyuan_index::Error> for JsonError {
    fn from(error: wenyuan_index::Error) -> Self {
        JsonError(error.into())
    }
}
