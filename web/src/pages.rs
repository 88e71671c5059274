//! The public HTML pages. (Filled in by the public web issue.)

use axum::Router;
use axum::http::StatusCode;
use axum::response::IntoResponse;

use crate::AppState;

/// Routes of the public pages.
pub fn routes() -> Router<AppState> {
    Router::new()
}

/// The answer for any unknown path.
pub async fn not_found() -> impl IntoResponse {
    (StatusCode::NOT_FOUND, "not found")
}
