//! The staff workspace under `/staff`: sign-in ([`login`]), the venue's
//! overview with recent changes and a search that also finds restricted and
//! withdrawn items ([`home`]), the edit form, history, undo, withdraw and
//! restore of one item ([`items`]).
//!
//! Who may do what is decided by two pieces, not by each handler: the
//! [`StaffUser`] extractor (a live session from the `wenyuan_staff` cookie,
//! or a redirect to the sign-in page for pages and 401 for anything else),
//! and the [`check_csrf`] layer, which refuses every POST whose
//! `csrf_token` field is not the session's (403, nothing changes). Every
//! staff response is `Cache-Control: no-store` and `X-Robots-Tag: noindex`.

pub mod home;
pub mod items;
pub mod login;
pub mod sheet;

use askama::Template;
use axum::body::{Body, to_bytes};
use axum::extract::{FromRequest, FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Redirect, Response};
use wenyuan_index::catalog::{StaffSession, unix_now};

pub use crate::cookies::cookie;
use crate::urls::encode;
use crate::{AppError, AppState};

/// The session cookie.
pub const SESSION_COOKIE: &str = "wenyuan_staff";
/// The sign-in form's own token cookie (there is no session yet).
pub const LOGIN_COOKIE: &str = "wenyuan_login";
/// Largest staff form accepted.
const FORM_LIMIT_BYTES: usize = 64 * 1024;

/// A `Set-Cookie` value: HttpOnly, SameSite=Strict, under `/staff`,
/// Secure when the site is served over https.
pub fn set_cookie(state: &AppState, name: &str, value: &str, max_age_s: i64) -> HeaderValue {
    let secure = if state.config().public_url.starts_with("https://") {
        "; Secure"
    } else {
        ""
    };
    HeaderValue::from_str(&format!(
        "{name}={value}; Path=/staff; HttpOnly; SameSite=Strict; Max-Age={max_age_s}{secure}"
    ))
    .expect("cookie values are hex")
}

/// Two tokens compared in time independent of where they differ.
fn same_token(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |diff, (x, y)| diff | (x ^ y))
            == 0
}

/// The signed-in staff member of a request.
#[derive(Debug, Clone)]
pub struct StaffUser(pub StaffSession);

/// Why a request under `/staff` has no staff member.
pub enum NotSignedIn {
    /// A page: go and sign in, then come back.
    Page(String),
    /// Anything else: 401.
    Other,
    /// The catalogue could not be read.
    Failed(AppError),
}

impl IntoResponse for NotSignedIn {
    fn into_response(self) -> Response {
        match self {
            NotSignedIn::Page(back) => {
                Redirect::to(&format!("/staff/login?next={}", encode(&back))).into_response()
            }
            NotSignedIn::Other => {
                staff_message(StatusCode::UNAUTHORIZED, "请先登录。Please sign in first.")
            }
            NotSignedIn::Failed(error) => staff_error(error),
        }
    }
}

/// The live session of a request, if it has one.
async fn session_of(
    state: &AppState,
    headers: &HeaderMap,
) -> Result<Option<StaffSession>, AppError> {
    let Some(token) = cookie(headers, SESSION_COOKIE).map(str::to_string) else {
        return Ok(None);
    };
    if token.is_empty() || token.len() > 128 {
        return Ok(None);
    }
    state
        .catalog(move |catalog| catalog.staff_session(&token, unix_now()))
        .await
}

impl FromRequestParts<AppState> for StaffUser {
    type Rejection = NotSignedIn;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, NotSignedIn> {
        if let Some(session) = parts.extensions.get::<StaffSession>() {
            return Ok(StaffUser(session.clone()));
        }
        match session_of(state, &parts.headers).await {
            Ok(Some(session)) => Ok(StaffUser(session)),
            Ok(None) if parts.method == Method::GET || parts.method == Method::HEAD => {
                let back = parts
                    .uri
                    .path_and_query()
                    .map(|path| path.as_str().to_string())
                    .unwrap_or_else(|| "/staff".into());
                Err(NotSignedIn::Page(back))
            }
            Ok(None) => Err(NotSignedIn::Other),
            Err(error) => Err(NotSignedIn::Failed(error)),
        }
    }
}

/// Refuses every POST under `/staff` whose form's `csrf_token` is not the
/// one of its session (the sign-in form: of its own cookie). The session
/// found is handed on to [`StaffUser`].
pub async fn check_csrf(State(state): State<AppState>, request: Request, next: Next) -> Response {
    if request.method() != Method::POST {
        return next.run(request).await;
    }
    let (mut parts, body) = request.into_parts();
    let multipart = parts
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.starts_with("multipart/form-data"));
    let limit = if multipart {
        sheet::SHEET_UPLOAD_LIMIT_BYTES
    } else {
        FORM_LIMIT_BYTES
    };
    let Ok(bytes) = to_bytes(body, limit).await else {
        return staff_message(
            StatusCode::PAYLOAD_TOO_LARGE,
            "表单过大。The form is too large.",
        );
    };
    let again = || Request::from_parts(parts.clone(), Body::from(bytes.clone()));
    let sent = if multipart {
        multipart_token(again()).await
    } else {
        axum::Form::<Vec<(String, String)>>::from_request(again(), &())
            .await
            .ok()
            .and_then(|axum::Form(pairs)| {
                pairs
                    .into_iter()
                    .find(|(name, _)| name == "csrf_token")
                    .map(|(_, value)| value)
            })
    }
    .unwrap_or_default();
    let sent = sent.as_str();
    let expected = if parts.uri.path() == "/staff/login" {
        cookie(&parts.headers, LOGIN_COOKIE).map(str::to_string)
    } else {
        match session_of(&state, &parts.headers).await {
            Ok(Some(session)) => {
                let token = session.csrf_token.clone();
                parts.extensions.insert(session);
                Some(token)
            }
            Ok(None) => return NotSignedIn::Other.into_response(),
            Err(error) => return staff_error(error),
        }
    };
    match expected {
        Some(expected) if !sent.is_empty() && same_token(sent, &expected) => {
            next.run(Request::from_parts(parts, Body::from(bytes)))
                .await
        }
        _ => staff_message(
            StatusCode::FORBIDDEN,
            "表单已过期或来源不明，未作任何更改。请返回重新提交。\
             The form was stale or not ours; nothing was changed. Go back and send it again.",
        ),
    }
}

/// The `csrf_token` field of a multipart form (a file upload).
async fn multipart_token(request: Request) -> Option<String> {
    let mut multipart = axum::extract::Multipart::from_request(request, &())
        .await
        .ok()?;
    while let Ok(Some(field)) = multipart.next_field().await {
        if field.name() == Some("csrf_token") {
            return field.text().await.ok();
        }
    }
    None
}

/// `Cache-Control: no-store` and `X-Robots-Tag: noindex` on every staff response.
pub async fn private_headers(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(
        "x-robots-tag",
        HeaderValue::from_static("noindex, nofollow"),
    );
    response
}

#[derive(Template)]
#[template(path = "staff/message.html")]
struct MessagePage<'a> {
    title: &'a str,
    message: &'a str,
    signed_in: Option<&'a StaffSession>,
}

/// A short staff page with a status and a message.
pub fn staff_message(status: StatusCode, message: &str) -> Response {
    let title = status.canonical_reason().unwrap_or("wenyuan");
    let page = MessagePage {
        title,
        message,
        signed_in: None,
    };
    match page.render() {
        Ok(body) => (status, Html(body)).into_response(),
        Err(_) => (status, message.to_string()).into_response(),
    }
}

/// The staff page of an error: its status, a message that shows nothing
/// internal.
pub fn staff_error(error: AppError) -> Response {
    error.log();
    staff_message(error.status(), &error.public_message())
}

/// Renders a staff page.
pub fn render(template: &impl Template) -> Response {
    match template.render() {
        Ok(body) => Html(body).into_response(),
        Err(error) => staff_error(AppError::Internal(format!(
            "rendering a staff page: {error}"
        ))),
    }
}

/// The time of a history entry as staff read it (UTC+8, the venues' zone).
pub fn local_time(unix: i64) -> String {
    let format = time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]");
    time::OffsetDateTime::from_unix_timestamp(unix + 8 * 3600)
        .ok()
        .and_then(|moment| moment.format(&format).ok())
        .unwrap_or_default()
}
