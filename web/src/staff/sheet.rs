//! `/staff/sheet`: batch editing by sheet from the browser, the same round
//! trip as `wenyuan export --sheet` and `wenyuan apply-sheet`: download the
//! venue's records as a workbook, edit it in Excel, upload it, check the
//! preview (records, fields, old → new, refused rows), apply.
//!
//! An upload is kept in memory under a random token for the preview
//! ([`SheetUploads`]); applying works the sheet out again against the
//! catalogue as it is then and refuses if that differs from what the
//! preview showed.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use askama::Template;
use axum::Form;
use axum::extract::{Multipart, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use wenyuan_index::catalog::{Role, StaffMember, StaffSession, random_token};
use wenyuan_ingest::sheet_edit::{
    CsvEncoding, ExportFilter, SheetFormat, SheetPlan, apply_plan, export_items, plan_sheet,
    write_sheet,
};

use super::{StaffUser, render, staff_error, staff_message};
use crate::{AppError, AppState};

/// Largest sheet accepted for upload.
pub const SHEET_UPLOAD_LIMIT_BYTES: usize = 16 * 1024 * 1024;
/// Uploads kept at once (the oldest goes first).
const MOST_UPLOADS: usize = 16;
/// How long an upload waits for its apply.
const UPLOAD_LIFETIME: Duration = Duration::from_secs(3600);

/// Sheets uploaded for a preview, by token.
#[derive(Default)]
pub struct SheetUploads {
    uploads: Mutex<HashMap<String, Upload>>,
}

struct Upload {
    username: String,
    name: String,
    bytes: Vec<u8>,
    at: Instant,
}

impl SheetUploads {
    /// Keeps an upload; returns its token.
    fn keep(&self, username: &str, name: &str, bytes: Vec<u8>) -> Result<String, AppError> {
        let token = random_token()?;
        let mut uploads = self.lock();
        while uploads.len() >= MOST_UPLOADS {
            let oldest = uploads
                .iter()
                .min_by_key(|(_, upload)| upload.at)
                .map(|(token, _)| token.clone());
            match oldest {
                Some(token) => uploads.remove(&token),
                None => break,
            };
        }
        uploads.insert(
            token.clone(),
            Upload {
                username: username.to_string(),
                name: name.to_string(),
                bytes,
                at: Instant::now(),
            },
        );
        Ok(token)
    }

    /// The name and bytes of `username`'s upload `token`, while it lasts.
    fn get(&self, token: &str, username: &str) -> Option<(String, Vec<u8>)> {
        self.lock()
            .get(token)
            .filter(|upload| upload.username == username)
            .map(|upload| (upload.name.clone(), upload.bytes.clone()))
    }

    fn forget(&self, token: &str) {
        self.lock().remove(token);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Upload>> {
        let mut uploads = self
            .uploads
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        uploads.retain(|_, upload| upload.at.elapsed() < UPLOAD_LIFETIME);
        uploads
    }
}

/// The venue a member's sheet covers: an editor's own; an admin's choice
/// (none: every venue). A moderator edits no records.
fn venue_of(member: &StaffMember, asked: Option<String>) -> Result<Option<String>, AppError> {
    match member.role {
        Role::Admin => Ok(asked.filter(|id| !id.is_empty())),
        Role::Editor => Ok(member.institution_id.clone()),
        Role::Moderator => Err(AppError::Forbidden(
            "审核员不编辑著录。A moderator does not edit records.".into(),
        )),
    }
}

fn sheet_error(error: wenyuan_ingest::Error) -> AppError {
    match error {
        wenyuan_ingest::Error::Usage(message) => AppError::BadRequest(message),
        wenyuan_ingest::Error::Index(error) => AppError::from(error),
        other => AppError::Internal(other.to_string()),
    }
}

#[derive(Template)]
#[template(path = "staff/sheet.html")]
struct SheetPage<'a> {
    signed_in: Option<&'a StaffSession>,
    csrf_token: &'a str,
    venues: Vec<(String, String)>,
    fixed_venue: Option<String>,
    applied: Option<usize>,
}

/// The query of the sheet page.
#[derive(Debug, Deserialize)]
pub struct SheetQuery {
    applied: Option<usize>,
}

/// `GET /staff/sheet`: download and upload.
pub async fn page(
    State(state): State<AppState>,
    StaffUser(session): StaffUser,
    Query(query): Query<SheetQuery>,
) -> Response {
    let fixed_venue = match venue_of(&session.member, None) {
        Ok(venue) => venue,
        Err(error) => return staff_error(error),
    };
    let venues = match state.venues().await {
        Ok(venues) => venues
            .institutions()
            .iter()
            .map(|venue| (venue.id.clone(), venue.name_zh.clone()))
            .collect(),
        Err(error) => return staff_error(error),
    };
    render(&SheetPage {
        signed_in: Some(&session),
        csrf_token: &session.csrf_token,
        venues,
        fixed_venue,
        applied: query.applied,
    })
}

/// The query of a download.
#[derive(Debug, Deserialize)]
pub struct ExportQuery {
    institution: Option<String>,
    collection: Option<String>,
    q: Option<String>,
    /// `xlsx` (default), `csv` (UTF-8) or `csv-gbk`.
    format: Option<String>,
}

/// `GET /staff/sheet/export`: the records as a workbook (or CSV) to edit.
pub async fn export(
    State(state): State<AppState>,
    StaffUser(session): StaffUser,
    Query(query): Query<ExportQuery>,
) -> Response {
    let institution = match venue_of(&session.member, query.institution) {
        Ok(venue) => venue,
        Err(error) => return staff_error(error),
    };
    let (format, extension, media_type) = match query.format.as_deref().unwrap_or("xlsx") {
        "xlsx" => (
            SheetFormat::Xlsx,
            "xlsx",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ),
        "csv" => (
            SheetFormat::Csv(CsvEncoding::Utf8),
            "csv",
            "text/csv; charset=utf-8",
        ),
        "csv-gbk" => (
            SheetFormat::Csv(CsvEncoding::Gbk),
            "csv",
            "text/csv; charset=gb18030",
        ),
        other => {
            return staff_error(AppError::BadRequest(format!(
                "unknown format '{other}' (xlsx, csv or csv-gbk)"
            )));
        }
    };
    let filter = ExportFilter {
        institution: institution.clone(),
        collection: query.collection.filter(|id| !id.is_empty()),
        query: query.q.filter(|q| !q.trim().is_empty()),
    };
    let index_state = state.clone();
    let made = state
        .catalog(move |catalog| {
            let items = export_items(catalog, Some(index_state.search_index()), &filter);
            Ok(items.and_then(|items| write_sheet(&items, format, false)))
        })
        .await;
    let bytes = match made {
        Ok(Ok(bytes)) => bytes,
        Ok(Err(error)) => return staff_error(sheet_error(error)),
        Err(error) => return staff_error(error),
    };
    let name = format!(
        "wenyuan-{}.{extension}",
        institution.as_deref().unwrap_or("all")
    );
    let disposition = HeaderValue::from_str(&format!("attachment; filename=\"{name}\""))
        .unwrap_or_else(|_| HeaderValue::from_static("attachment"));
    (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(media_type)),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        bytes,
    )
        .into_response()
}

#[derive(Template)]
#[template(path = "staff/sheet_preview.html")]
struct PreviewPage<'a> {
    signed_in: Option<&'a StaffSession>,
    csrf_token: &'a str,
    name: &'a str,
    plan: &'a SheetPlan,
    upload: &'a str,
    digest: String,
    notice: Option<&'a str>,
}

/// Works the upload out for `member` and shows the preview.
async fn preview_of(
    state: &AppState,
    session: &StaffSession,
    upload: &str,
    name: String,
    bytes: Vec<u8>,
    notice: Option<&str>,
) -> Response {
    let member = session.member.clone();
    let sheet_name = name.clone();
    let planned = state
        .catalog(move |catalog| {
            Ok(plan_sheet(
                catalog,
                std::path::Path::new(&sheet_name),
                bytes,
                Some(&member),
            ))
        })
        .await;
    let plan = match planned {
        Ok(Ok(plan)) => plan,
        Ok(Err(error)) => return staff_error(sheet_error(error)),
        Err(error) => return staff_error(error),
    };
    render(&PreviewPage {
        signed_in: Some(session),
        csrf_token: &session.csrf_token,
        name: &name,
        digest: plan.digest(),
        plan: &plan,
        upload,
        notice,
    })
}

/// `POST /staff/sheet` (multipart: `csrf_token`, `sheet`): the preview.
pub async fn upload(
    State(state): State<AppState>,
    StaffUser(session): StaffUser,
    mut multipart: Multipart,
) -> Response {
    if let Err(error) = venue_of(&session.member, None) {
        return staff_error(error);
    }
    let mut sheet = None;
    loop {
        match multipart.next_field().await {
            Ok(Some(field)) => {
                if field.name() != Some("sheet") {
                    continue;
                }
                let name = field
                    .file_name()
                    .map(|name| name.chars().filter(|c| !c.is_control()).take(200).collect())
                    .unwrap_or_else(|| "sheet".to_string());
                match field.bytes().await {
                    Ok(bytes) => sheet = Some((name, bytes.to_vec())),
                    Err(_) => return unreadable_upload(),
                }
            }
            Ok(None) => break,
            Err(_) => return unreadable_upload(),
        }
    }
    let Some((name, bytes)) = sheet.filter(|(_, bytes)| !bytes.is_empty()) else {
        return staff_message(
            StatusCode::UNPROCESSABLE_ENTITY,
            "请选择一个表格文件（.xlsx、.xls 或 .csv）。Choose a sheet file (.xlsx, .xls or .csv).",
        );
    };
    let token = match state
        .sheet_uploads()
        .keep(&session.member.username, &name, bytes.clone())
    {
        Ok(token) => token,
        Err(error) => return staff_error(error),
    };
    preview_of(&state, &session, &token, name, bytes, None).await
}

fn unreadable_upload() -> Response {
    staff_message(
        StatusCode::BAD_REQUEST,
        "上传未能读取，请重新选择文件。The upload could not be read; choose the file again.",
    )
}

/// The apply form.
#[derive(Debug, Deserialize)]
pub struct ApplyForm {
    upload: String,
    digest: String,
    #[serde(default)]
    reason: String,
}

/// `POST /staff/sheet/apply`: applies what the preview showed.
pub async fn apply(
    State(state): State<AppState>,
    StaffUser(session): StaffUser,
    Form(form): Form<ApplyForm>,
) -> Response {
    let Some((name, bytes)) = state
        .sheet_uploads()
        .get(&form.upload, &session.member.username)
    else {
        return staff_message(
            StatusCode::GONE,
            "这次上传已过期，请重新上传表格。This upload has expired; upload the sheet again.",
        );
    };
    let member = session.member.clone();
    let actor = session.member.username.clone();
    let reason = Some(form.reason.trim().to_string()).filter(|reason| !reason.is_empty());
    let expected = form.digest.clone();
    let sheet_name = name.clone();
    let sheet_bytes = bytes.clone();
    let applied = state
        .write_catalog(move |catalog| {
            let plan = match plan_sheet(
                catalog,
                std::path::Path::new(&sheet_name),
                sheet_bytes,
                Some(&member),
            ) {
                Ok(plan) => plan,
                Err(error) => return Ok(Err(error)),
            };
            if plan.digest() != expected {
                return Ok(Ok(None));
            }
            Ok(apply_plan(catalog, &plan, &actor, reason.as_deref()).map(|done| Some(done.len())))
        })
        .await;
    match applied {
        Ok(Ok(Some(count))) => {
            state.sheet_uploads().forget(&form.upload);
            match state.index_follow().await {
                Ok(_) => Redirect::to(&format!("/staff/sheet?applied={count}")).into_response(),
                Err(error) => staff_error(error),
            }
        }
        Ok(Ok(None)) => {
            preview_of(
                &state,
                &session,
                &form.upload,
                name,
                bytes,
                Some("这些著录在预览之后有了改动，请再核对一次。The records changed after the preview; check again."),
            )
            .await
        }
        Ok(Err(error)) => staff_error(sheet_error(error)),
        Err(error) => staff_error(error),
    }
}
