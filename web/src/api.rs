//! Partner interface `api`. (Filled in by the partner interfaces issue.)

use axum::Router;

use crate::AppState;

/// Routes of this interface.
pub fn routes() -> Router<AppState> {
    Router::new()
}
