//! How the JSON API answers failures: every error, whatever its cause, is
//! `{"error": {"code", "message"}}` with the status [`AppError::status`]
//! chooses. This is the only place the API turns errors into responses, and
//! the home of the extractors that reject with it.

use axum::Json;
use axum::extract::{FromRequestParts, Path, Query};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde::de::DeserializeOwned;
use utoipa::ToSchema;

use crate::AppError;

/// An [`AppError`] on its way to becoming a JSON error response.
#[derive(Debug)]
pub struct ApiError(pub AppError);

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

impl IntoResponse for ApiError {
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

impl From<AppError> for ApiError {
    fn from(error: AppError) -> Self {
        ApiError(error)
    }
}

impl From<wenyuan_index::Error> for ApiError {
    fn from(error: wenyuan_index::Error) -> Self {
        ApiError(error.into())
    }
}

/// The answer for unknown paths under `/api`.
pub async fn unknown_route() -> Response {
    ApiError(AppError::NotFound(
        "no such API route; see /api/v1/openapi.json".into(),
    ))
    .into_response()
}

/// The answer for a known API path asked with a method other than GET.
pub async fn method_not_allowed() -> Response {
    let mut response = error_response(
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        "the API only answers GET (and HEAD, OPTIONS)".into(),
    );
    response
        .headers_mut()
        .insert(header::ALLOW, HeaderValue::from_static("GET, HEAD"));
    response
}

/// `Query<T>` that rejects malformed query strings with a JSON error.
#[derive(Debug)]
pub struct ApiQuery<T>(pub T);

impl<T: DeserializeOwned + Send, S: Send + Sync> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        Query::<T>::from_request_parts(parts, state)
            .await
            .map(|Query(value)| ApiQuery(value))
            .map_err(|rejection| ApiError(AppError::BadRequest(rejection.body_text())))
    }
}

/// `Path<T>` that rejects malformed path segments with a JSON error.
#[derive(Debug)]
pub struct ApiPath<T>(pub T);

impl<T: DeserializeOwned + Send, S: Send + Sync> FromRequestParts<S> for ApiPath<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        Path::<T>::from_request_parts(parts, state)
            .await
            .map(|Path(value)| ApiPath(value))
            .map_err(|rejection| ApiError(AppError::BadRequest(rejection.body_text())))
    }
}
