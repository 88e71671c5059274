//! `GET`/`POST /staff/login` and `POST /staff/logout`.

use std::net::SocketAddr;

use askama::Template;
use axum::extract::{ConnectInfo, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Extension, Form};
use serde::Deserialize;
use wenyuan_index::catalog::{SESSION_SECONDS, SignInRefusal, random_token, unix_now};

use super::{LOGIN_COOKIE, SESSION_COOKIE, StaffUser, cookie, render, set_cookie, staff_error};
use crate::AppState;

#[derive(Template)]
#[template(path = "staff/login.html")]
struct LoginPage<'a> {
    signed_in: Option<&'a wenyuan_index::catalog::StaffSession>,
    csrf_token: &'a str,
    next: &'a str,
    username: &'a str,
    error: Option<String>,
}

/// Where to go after signing in: a staff page of this site, nothing else.
fn safe_next(next: Option<&str>) -> &str {
    match next {
        Some(path)
            if path.starts_with("/staff")
                && !path.starts_with("/staff/login")
                && !path.contains("//")
                && !path.contains('\\') =>
        {
            path
        }
        _ => "/staff",
    }
}

/// The query of the sign-in page.
#[derive(Debug, Deserialize)]
pub struct NextQuery {
    next: Option<String>,
}

fn login_form(
    state: &AppState,
    headers: &HeaderMap,
    next: &str,
    username: &str,
    error: Option<String>,
    status: StatusCode,
) -> Response {
    let (token, fresh) = match cookie(headers, LOGIN_COOKIE) {
        Some(token) if token.len() == 64 => (token.to_string(), false),
        _ => match random_token() {
            Ok(token) => (token, true),
            Err(error) => return staff_error(error.into()),
        },
    };
    let page = LoginPage {
        signed_in: None,
        csrf_token: &token,
        next,
        username,
        error,
    };
    let mut response = render(&page);
    *response.status_mut() = status;
    if fresh {
        response.headers_mut().append(
            header::SET_COOKIE,
            set_cookie(state, LOGIN_COOKIE, &token, 3600),
        );
    }
    response
}

/// `GET /staff/login`.
pub async fn login_page(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(query): Query<NextQuery>,
) -> Response {
    let next = safe_next(query.next.as_deref()).to_string();
    login_form(&state, &headers, &next, "", None, StatusCode::OK)
}

/// The sign-in form.
#[derive(Debug, Deserialize)]
pub struct LoginForm {
    username: String,
    password: String,
    next: Option<String>,
}

/// `POST /staff/login` (its token is checked by [`super::check_csrf`]).
pub async fn sign_in(
    State(state): State<AppState>,
    connect: Option<Extension<ConnectInfo<SocketAddr>>>,
    headers: HeaderMap,
    Form(form): Form<LoginForm>,
) -> Response {
    let next = safe_next(form.next.as_deref()).to_string();
    let address = connect
        .map(|Extension(ConnectInfo(address))| address.ip())
        .unwrap_or(std::net::IpAddr::from([127, 0, 0, 1]));
    let wrong = "用户名或密码不正确。The user name or password is not right.".to_string();
    if state.sign_ins_refused(address) {
        return login_form(
            &state,
            &headers,
            &next,
            &form.username,
            Some("此地址登录失败次数过多，请十五分钟后再试。Too many failed sign-ins from this address; try again in a quarter of an hour.".into()),
            StatusCode::TOO_MANY_REQUESTS,
        );
    }
    let (username, password) = (form.username.clone(), form.password.clone());
    let outcome = state
        .write_catalog(move |catalog| catalog.sign_in(&username, &password, unix_now()))
        .await;
    match outcome {
        Ok(Ok((token, _))) => {
            let mut response = Redirect::to(&next).into_response();
            let headers = response.headers_mut();
            headers.append(
                header::SET_COOKIE,
                set_cookie(&state, SESSION_COOKIE, &token, SESSION_SECONDS),
            );
            headers.append(header::SET_COOKIE, set_cookie(&state, LOGIN_COOKIE, "", 0));
            response
        }
        Ok(Err(refusal)) => {
            state.count_failed_sign_in(address);
            let message = match refusal {
                SignInRefusal::Wrong => wrong,
                SignInRefusal::Locked(until) => {
                    let minutes = (until - unix_now()).max(60) / 60;
                    format!(
                        "该账号因多次登录失败已锁定，请 {minutes} 分钟后再试。This account is locked after repeated failures; try again in {minutes} minutes."
                    )
                }
            };
            login_form(
                &state,
                &headers,
                &next,
                &form.username,
                Some(message),
                StatusCode::UNAUTHORIZED,
            )
        }
        Err(error) => staff_error(error),
    }
}

/// `POST /staff/logout`.
pub async fn sign_out(
    State(state): State<AppState>,
    StaffUser(_): StaffUser,
    headers: HeaderMap,
) -> Response {
    if let Some(token) = cookie(&headers, SESSION_COOKIE).map(str::to_string) {
        let ended = state
            .write_catalog(move |catalog| catalog.end_staff_session(&token))
            .await;
        if let Err(error) = ended {
            return staff_error(error);
        }
    }
    let mut response = Redirect::to("/staff/login").into_response();
    response.headers_mut().append(
        header::SET_COOKIE,
        set_cookie(&state, SESSION_COOKIE, "", 0),
    );
    response
}
