//! One item in the staff workspace: the edit form (`/staff/items/{id}`,
//! a field per Dublin Core element named as the element, one value a line,
//! the extra fields, `access`), its history with an undo per entry
//! (`/staff/items/{id}/history`), withdraw and restore. Every change goes
//! through the catalogue's history and reaches the search index before the
//! answer (unless an ingest is writing: then with it).

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use wenyuan_index::catalog::{HistoryEntry, ItemEdit, StaffSession};
use wenyuan_index::model::{AccessLevel, DcElement, ItemRecord, Metadata};

use super::{StaffUser, local_time, render, staff_error, staff_message};
use crate::{AppError, AppState};

/// Most values of one field.
const MAX_VALUES: usize = 200;
/// Longest value (characters).
const MAX_VALUE_CHARS: usize = 20_000;

/// A history entry as a line of a table.
#[derive(Debug, Clone)]
pub struct ChangeLine {
    /// Entry number (for undo).
    pub id: i64,
    /// The item.
    pub item_id: String,
    /// When, local time.
    pub when: String,
    /// Who.
    pub actor: String,
    /// edit, sheet, withdraw, restore, undo.
    pub action: String,
    /// Field.
    pub field: String,
    /// Before, for people.
    pub old: String,
    /// After, for people.
    pub new: String,
    /// Why.
    pub reason: String,
}

impl ChangeLine {
    /// The line of an entry.
    pub fn of(entry: &HistoryEntry) -> ChangeLine {
        ChangeLine {
            id: entry.id,
            item_id: entry.item_id.clone(),
            when: local_time(entry.at),
            actor: entry.actor.clone(),
            action: entry.action.clone(),
            field: entry.field.clone(),
            old: HistoryEntry::display(entry.old.as_deref()),
            new: HistoryEntry::display(entry.new.as_deref()),
            reason: entry.reason.clone().unwrap_or_default(),
        }
    }
}

/// One field of the form.
#[derive(Debug, Clone)]
pub struct FieldView {
    /// Form field name: the element's name, or `extra:NAME`.
    pub name: String,
    /// Label.
    pub label: String,
    /// Values, one a line.
    pub text: String,
    /// What is wrong with it, after a refused save.
    pub error: Option<String>,
}

#[derive(Template)]
#[template(path = "staff/item.html")]
struct ItemPage<'a> {
    signed_in: Option<&'a StaffSession>,
    csrf_token: &'a str,
    id: &'a str,
    title: String,
    fields: Vec<FieldView>,
    access: &'a str,
    access_options: Vec<(&'static str, &'static str)>,
    withdrawn: Option<String>,
    notice: Option<String>,
    form_error: Option<String>,
}

/// The item and whether this member may edit it.
async fn item_for(
    state: &AppState,
    session: &StaffSession,
    id: &str,
) -> Result<(ItemRecord, Option<String>), Response> {
    let lookup = id.to_string();
    let found = state
        .catalog(move |catalog| {
            let record = catalog.item(&lookup)?;
            let withdrawal = catalog.withdrawal(&lookup)?.map(|(_, reason)| reason);
            Ok(record.map(|record| (record, withdrawal)))
        })
        .await;
    match found {
        Ok(Some((record, withdrawal))) => {
            if !session
                .member
                .may_edit(record.item.institution_id.as_deref())
            {
                return Err(staff_message(
                    StatusCode::FORBIDDEN,
                    "此账号不能更改该场馆的藏品，未作任何更改。This account may not change this venue's items; nothing was changed.",
                ));
            }
            Ok((record, withdrawal))
        }
        Ok(None) => Err(staff_message(
            StatusCode::NOT_FOUND,
            "没有这个藏品。There is no such item.",
        )),
        Err(error) => Err(staff_error(error)),
    }
}

fn access_options() -> Vec<(&'static str, &'static str)> {
    vec![
        ("public", "公开 · public"),
        ("metadata_only", "仅公开著录信息 · metadata only"),
        ("restricted", "不公开 · restricted"),
    ]
}

/// The form's fields for a record.
fn fields_of(metadata: &Metadata) -> Vec<FieldView> {
    let mut fields: Vec<FieldView> = DcElement::ALL
        .iter()
        .map(|element| FieldView {
            name: element.as_str().to_string(),
            label: format!("{} · {}", element.label_zh(), element.as_str()),
            text: metadata.values(*element).join("\n"),
            error: None,
        })
        .collect();
    for (name, values) in &metadata.extra {
        fields.push(FieldView {
            name: format!("extra:{name}"),
            label: name.clone(),
            text: values.join("\n"),
            error: None,
        });
    }
    fields
}

/// The query of the edit page.
#[derive(Debug, Deserialize)]
pub struct NoticeQuery {
    saved: Option<usize>,
    done: Option<String>,
}

/// `GET /staff/items/{id}`.
pub async fn edit_page(
    State(state): State<AppState>,
    StaffUser(session): StaffUser,
    Path(id): Path<String>,
    Query(notice): Query<NoticeQuery>,
) -> Response {
    let (record, withdrawn) = match item_for(&state, &session, &id).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    let notice = match (notice.saved, notice.done.as_deref()) {
        (Some(0), _) => Some("没有更改。Nothing had changed.".to_string()),
        (Some(count), _) => Some(format!(
            "已保存 {count} 处更改，检索已更新。Saved {count} changes; search shows them."
        )),
        (_, Some("withdrawn")) => Some("已撤下。Withdrawn.".into()),
        (_, Some("restored")) => Some("已恢复公开。Restored.".into()),
        (_, Some("undone")) => Some("已撤销该更改。The change was undone.".into()),
        _ => None,
    };
    render(&ItemPage {
        signed_in: Some(&session),
        csrf_token: &session.csrf_token,
        id: &id,
        title: record.item.display_title().to_string(),
        fields: fields_of(&record.item.metadata),
        access: record.item.access.as_str(),
        access_options: access_options(),
        withdrawn,
        notice,
        form_error: None,
    })
}

/// A form that was not saved: its fields with their errors, and what is
/// wrong with the form as a whole.
type Refused = (Vec<FieldView>, Option<String>);

/// Reads the form into a record state and the reason given, or says why not.
fn read_form(
    pairs: &[(String, String)],
    before: &Metadata,
) -> Result<(ItemEdit, Option<String>), Refused> {
    let mut metadata = Metadata::default();
    let mut fields = Vec::new();
    let mut access = None;
    let mut reason = None;
    let mut new_extra: (String, String) = Default::default();
    let mut form_error = None;
    for (name, value) in pairs {
        match name.as_str() {
            "csrf_token" => {}
            "access" => match value.parse::<AccessLevel>() {
                Ok(level) => access = Some(level),
                Err(_) => form_error = Some(format!("unknown access level '{value}'")),
            },
            "reason" => reason = Some(value.trim().to_string()).filter(|text| !text.is_empty()),
            "new_extra_name" => new_extra.0 = value.trim().to_string(),
            "new_extra_value" => new_extra.1 = value.clone(),
            field => {
                let values: Vec<String> = value
                    .lines()
                    .map(str::trim)
                    .filter(|line| !line.is_empty())
                    .map(str::to_string)
                    .collect();
                let mut error = None;
                if values.len() > MAX_VALUES {
                    error = Some(format!("at most {MAX_VALUES} values (one a line)"));
                } else if values
                    .iter()
                    .any(|value| value.chars().count() > MAX_VALUE_CHARS)
                {
                    error = Some(format!(
                        "a value may have {MAX_VALUE_CHARS} characters at most"
                    ));
                }
                let label;
                if let Some(extra) = field.strip_prefix("extra:") {
                    if extra.trim().is_empty() {
                        continue;
                    }
                    label = extra.to_string();
                    metadata.push_extra(extra, values);
                } else if let Some(element) = DcElement::ALL
                    .into_iter()
                    .find(|element| element.as_str() == field)
                {
                    if element == DcElement::Title && values.is_empty() {
                        error = Some("题名不能为空。A record needs a title.".into());
                    }
                    label = format!("{} · {}", element.label_zh(), element.as_str());
                    metadata.push(element, values);
                } else {
                    form_error = Some(format!("unknown field '{field}'"));
                    continue;
                }
                fields.push(FieldView {
                    name: field.to_string(),
                    label,
                    text: value.clone(),
                    error,
                });
            }
        }
    }
    if !new_extra.0.is_empty() {
        let values: Vec<String> = new_extra.1.lines().map(str::to_string).collect();
        metadata.push_extra(&new_extra.0, values);
    }
    // Elements the form left out keep their values (a form always sends them all).
    for element in DcElement::ALL {
        if !pairs.iter().any(|(name, _)| name == element.as_str()) {
            metadata.push(element, before.values(element).to_vec());
        }
    }
    let access = match access {
        Some(access) => access,
        None => {
            form_error.get_or_insert_with(|| "the form has no access level".into());
            AccessLevel::Public
        }
    };
    if form_error.is_some() || fields.iter().any(|field| field.error.is_some()) {
        return Err((fields, form_error));
    }
    Ok((ItemEdit { metadata, access }, reason))
}

/// `POST /staff/items/{id}`: saves the form.
pub async fn save(
    State(state): State<AppState>,
    StaffUser(session): StaffUser,
    Path(id): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let (record, withdrawn) = match item_for(&state, &session, &id).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    let (edit, reason) = match read_form(&pairs, &record.item.metadata) {
        Ok(read) => read,
        Err((fields, form_error)) => {
            let access = pairs
                .iter()
                .find(|(name, _)| name == "access")
                .and_then(|(_, value)| value.parse::<AccessLevel>().ok())
                .unwrap_or(AccessLevel::Public)
                .as_str();
            let mut response = render(&ItemPage {
                signed_in: Some(&session),
                csrf_token: &session.csrf_token,
                id: &id,
                title: record.item.display_title().to_string(),
                fields,
                access,
                access_options: access_options(),
                withdrawn,
                notice: None,
                form_error: Some(form_error.unwrap_or_else(|| {
                    "未保存：请改正标出的字段。Not saved: correct the fields marked.".into()
                })),
            });
            *response.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            return response;
        }
    };
    let actor = session.member.username.clone();
    let edit_id = id.clone();
    let saved = state
        .write_catalog(move |catalog| {
            catalog.edit_item(&edit_id, &edit, &actor, "edit", reason.as_deref())
        })
        .await;
    match saved {
        Ok(entries) => {
            after_change(
                &state,
                &format!("/staff/items/{id}?saved={}", entries.len()),
            )
            .await
        }
        Err(error) => staff_error(error),
    }
}

/// Brings the index along, then shows `target`.
async fn after_change(state: &AppState, target: &str) -> Response {
    match state.index_follow().await {
        Ok(_) => Redirect::to(target).into_response(),
        Err(error) => staff_error(error),
    }
}

/// The withdraw form.
#[derive(Debug, Deserialize)]
pub struct WithdrawForm {
    reason: String,
}

/// `POST /staff/items/{id}/withdraw`.
pub async fn withdraw(
    State(state): State<AppState>,
    StaffUser(session): StaffUser,
    Path(id): Path<String>,
    Form(form): Form<WithdrawForm>,
) -> Response {
    if let Err(response) = item_for(&state, &session, &id).await {
        return response;
    }
    if form.reason.trim().is_empty() {
        return staff_message(
            StatusCode::UNPROCESSABLE_ENTITY,
            "撤下需要写明原因（将向公众显示）。A withdrawal needs a reason (the public sees it).",
        );
    }
    let actor = session.member.username.clone();
    let item_id = id.clone();
    let done = state
        .write_catalog(move |catalog| catalog.withdraw_item(&item_id, &form.reason, &actor))
        .await;
    match done {
        Ok(_) => after_change(&state, &format!("/staff/items/{id}?done=withdrawn")).await,
        Err(error) => staff_error(error),
    }
}

/// `POST /staff/items/{id}/restore`.
pub async fn restore(
    State(state): State<AppState>,
    StaffUser(session): StaffUser,
    Path(id): Path<String>,
) -> Response {
    if let Err(response) = item_for(&state, &session, &id).await {
        return response;
    }
    let actor = session.member.username.clone();
    let item_id = id.clone();
    let done = state
        .write_catalog(move |catalog| catalog.restore_item(&item_id, &actor))
        .await;
    match done {
        Ok(_) => after_change(&state, &format!("/staff/items/{id}?done=restored")).await,
        Err(error) => staff_error(error),
    }
}

#[derive(Template)]
#[template(path = "staff/history.html")]
struct HistoryPage<'a> {
    signed_in: Option<&'a StaffSession>,
    csrf_token: &'a str,
    id: &'a str,
    title: String,
    changes: Vec<ChangeLine>,
}

/// `GET /staff/items/{id}/history`.
pub async fn history(
    State(state): State<AppState>,
    StaffUser(session): StaffUser,
    Path(id): Path<String>,
) -> Response {
    let (record, _) = match item_for(&state, &session, &id).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    let item_id = id.clone();
    let entries = match state
        .catalog(move |catalog| catalog.history_of(&item_id))
        .await
    {
        Ok(entries) => entries,
        Err(error) => return staff_error(error),
    };
    render(&HistoryPage {
        signed_in: Some(&session),
        csrf_token: &session.csrf_token,
        id: &id,
        title: record.item.display_title().to_string(),
        changes: entries.iter().map(ChangeLine::of).collect(),
    })
}

/// `POST /staff/history/{entry}/undo`.
pub async fn undo(
    State(state): State<AppState>,
    StaffUser(session): StaffUser,
    Path(entry_id): Path<i64>,
) -> Response {
    let entry = match state
        .catalog(move |catalog| catalog.history_entry(entry_id))
        .await
    {
        Ok(Some(entry)) => entry,
        Ok(None) => {
            return staff_error(AppError::NotFound(format!(
                "there is no change number {entry_id}"
            )));
        }
        Err(error) => return staff_error(error),
    };
    if let Err(response) = item_for(&state, &session, &entry.item_id).await {
        return response;
    }
    let actor = session.member.username.clone();
    let done = state
        .write_catalog(move |catalog| catalog.undo(entry_id, &actor))
        .await;
    match done {
        Ok(_) => {
            after_change(
                &state,
                &format!("/staff/items/{}?done=undone", entry.item_id),
            )
            .await
        }
        Err(error) => staff_error(error),
    }
}
