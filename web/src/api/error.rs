//! How the JSON API answers failures: every error, whatever its cause, is
//! the JSON error body of [`crate::error`] (`{"error": {"code", "message"}}`,
//! which IIIF shares). Here: the API's extractors that reject with it, and
//! its answers for unknown routes and methods.

use axum::extract::{FromRequestParts, Path, Query};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;

use crate::AppError;
pub use crate::error::{ErrorBody, ErrorDetail, JsonError as ApiError, error_response};

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
