//! Notices (通知公告) and policies (政策法规): the public list and pages, and
//! their management by operators (and administrators). Bodies are Markdown,
//! rendered on the server without raw HTML (`domain::markdown`).
#[cfg(all(test, feature = "ssr"))]
mod tests;

use crate::domain::paging::Page;
use crate::error::AppError;
use crate::model::notices::{NoticeDetail, NoticeEdit, NoticeQuery, NoticeSummary};
use leptos::prelude::*;
use leptos::server_fn::codec::{MultipartData, MultipartFormData};

pub const NOTICES_PER_PAGE: u32 = 20;

/// One page of published notices and policies: optionally one kind and a title
/// search; pinned first, then newest.
#[server(prefix = "/api", endpoint = "notices/list")]
pub async fn list_notices(query: NoticeQuery) -> Result<Page<NoticeSummary>, AppError> {
    use super::ctx::{authorize, check, state};
    authorize("notices/list").await?;
    let st = state()?;
    let query = check(query.validate())?;
    check(crate::db::notices::list_public(&st.pool, &query, NOTICES_PER_PAGE).await)
}

/// A published notice or policy with its attachments (drafts are not found).
#[server(prefix = "/api", endpoint = "notices/detail")]
pub async fn get_notice(id: i64) -> Result<NoticeDetail, AppError> {
    use super::ctx::{authorize, check, state};
    authorize("notices/detail").await?;
    let st = state()?;
    let row = check(crate::db::notices::get(&st.pool, id).await?.ok_or(AppError::NotFound))?;
    let Some(published_at) = row.published_at else { return check(Err(AppError::NotFound)) };
    let attachments = check(crate::db::notices::attachments(&st.pool, id).await)?;
    Ok(NoticeDetail {
        id: row.id,
        body_html: crate::domain::markdown::render(&row.body),
        kind: row.kind,
        title: row.title,
        pinned: row.pinned,
        published_at,
        updated_at: row.updated_at,
        attachments,
    })
}

/// Every notice, drafts too, most recently changed first (operators).
#[server(prefix = "/api", endpoint = "notices/manage_list")]
pub async fn manage_notices(q: Option<String>, page: Option<u32>) -> Result<Page<NoticeSummary>, AppError> {
    use super::ctx::{authorize_user, check, state};
    authorize_user("notices/manage_list").await?;
    let st = state()?;
    let query = check(NoticeQuery { kind: None, q, page }.validate())?;
    check(crate::db::notices::list_all(&st.pool, query.q.as_deref(), query.page.unwrap_or(1), NOTICES_PER_PAGE).await)
}

/// A notice for the editor: its Markdown source, a rendered preview and its
/// attachments, published or not (operators).
#[server(prefix = "/api", endpoint = "notices/edit")]
pub async fn get_notice_for_edit(id: i64) -> Result<NoticeEdit, AppError> {
    use super::ctx::{authorize_user, check, state};
    authorize_user("notices/edit").await?;
    let st = state()?;
    let row = check(crate::db::notices::get(&st.pool, id).await?.ok_or(AppError::NotFound))?;
    let attachments = check(crate::db::notices::attachments(&st.pool, id).await)?;
    Ok(NoticeEdit {
        id: row.id,
        body_html: crate::domain::markdown::render(&row.body),
        kind: row.kind,
        title: row.title,
        body: row.body,
        pinned: row.pinned,
        published_at: row.published_at,
        updated_at: row.updated_at,
        attachments,
    })
}

/// Creates a draft (no `id`) or changes a notice. Each bad field gets its own
/// error. A new draft opens in the editor, where files can be attached.
#[server(prefix = "/api", endpoint = "notices/save")]
pub async fn save_notice(
    id: Option<i64>,
    kind: String,
    title: String,
    body: String,
    pinned: Option<String>,
) -> Result<i64, AppError> {
    use super::ctx::{authorize_user, check, fail, state};
    use crate::model::notices::{NoticeKind, BODY_MAX_CHARS, TITLE_MAX_CHARS};
    let user = authorize_user("notices/save").await?;
    let st = state()?;
    let kind = NoticeKind::parse(kind.trim()).ok_or_else(|| fail(AppError::invalid("kind", "notices.kind_required")))?;
    let title = title.trim();
    if title.is_empty() {
        return Err(fail(AppError::invalid("title", "notices.title_required")));
    }
    if title.chars().count() > TITLE_MAX_CHARS || title.contains(['\r', '\n']) {
        return Err(fail(AppError::invalid("title", "notices.title_too_long")));
    }
    // normalise line ends: the limit counts what the operator sees
    let body = body.replace("\r\n", "\n");
    let body = body.trim_end();
    if body.trim().is_empty() {
        return Err(fail(AppError::invalid("body", "notices.body_required")));
    }
    if body.chars().count() > BODY_MAX_CHARS {
        return Err(fail(AppError::invalid("body", "notices.body_too_long")));
    }
    let pinned = pinned.is_some_and(|p| matches!(p.as_str(), "on" | "true" | "1"));
    let input = crate::db::notices::NoticeInput { kind, title, body, pinned };
    let id = match id {
        Some(id) => {
            check(check(crate::db::notices::update(&st.pool, id, &input, st.now_ms()).await)?.then_some(id).ok_or(AppError::NotFound))?
        }
        None => check(crate::db::notices::create(&st.pool, &input, Some(user.id), st.now_ms()).await)?,
    };
    leptos_axum::redirect(&format!("/operator/notices/{id}/edit?saved=1"));
    Ok(id)
}

/// Publishes a notice (now; a notice published before keeps its date).
#[server(prefix = "/api", endpoint = "notices/publish")]
pub async fn publish_notice(id: i64) -> Result<(), AppError> {
    let st = server::operator("notices/publish").await?;
    server::found(crate::db::notices::set_published(&st.pool, id, true, st.now_ms()).await)
}

/// Withdraws a published notice; it becomes a draft again.
#[server(prefix = "/api", endpoint = "notices/unpublish")]
pub async fn unpublish_notice(id: i64) -> Result<(), AppError> {
    let st = server::operator("notices/unpublish").await?;
    server::found(crate::db::notices::set_published(&st.pool, id, false, st.now_ms()).await)
}

/// Pins a notice to the top of the lists, or unpins it.
#[server(prefix = "/api", endpoint = "notices/pin")]
pub async fn pin_notice(id: i64, pinned: bool) -> Result<(), AppError> {
    let st = server::operator("notices/pin").await?;
    server::found(crate::db::notices::set_pinned(&st.pool, id, pinned, st.now_ms()).await)
}

/// Uploads a file (form field `file`) and attaches it to the notice in the
/// form field `notice_id`. Works as a plain form post without JavaScript.
#[server(prefix = "/api", endpoint = "notices/attach", input = MultipartFormData)]
pub async fn attach_file(data: MultipartData) -> Result<crate::model::files::FileRef, AppError> {
    use super::ctx::{authorize_user, check, state};
    use crate::db::notices::AttachError;
    let user = authorize_user("notices/attach").await?;
    let st = state()?;
    let form = check(super::files::server::read_form(data).await)?;
    let notice_id: i64 = check(form.field("notice_id").and_then(|v| v.parse().ok()).ok_or(AppError::NotFound))?;
    if check(crate::db::notices::get(&st.pool, notice_id).await)?.is_none() {
        return check(Err(AppError::NotFound));
    }
    let count = check(crate::db::notices::attachments(&st.pool, notice_id).await)?.len();
    if count >= crate::model::notices::MAX_ATTACHMENTS {
        return check(Err(AppError::invalid("file", "notices.too_many_attachments")));
    }
    let file = check(form.file.ok_or_else(|| AppError::invalid("file", "files.missing")))?;
    let stored = check(super::files::server::store(&st, &user, file).await)?;
    match crate::db::notices::attach(&st.pool, notice_id, stored.id, st.now_ms()).await {
        Ok(()) => Ok(stored),
        Err(AttachError::NoNotice) => check(Err(AppError::NotFound)),
        Err(AttachError::TooMany) => check(Err(AppError::invalid("file", "notices.too_many_attachments"))),
        Err(AttachError::Db(_)) => check(Err(AppError::Server("database".into()))),
    }
}

/// Removes an attachment from a notice.
#[server(prefix = "/api", endpoint = "notices/detach")]
pub async fn detach_file(notice_id: i64, file_id: i64) -> Result<(), AppError> {
    let st = server::operator("notices/detach").await?;
    server::found(crate::db::notices::detach(&st.pool, notice_id, file_id, st.now_ms()).await)
}

#[cfg(feature = "ssr")]
mod server {
    use crate::api::ctx::{authorize_user, check, state};
    use crate::error::AppError;
    use crate::state::AppState;

    /// Authorises an operator's change (per the matrix) and returns the state.
    pub async fn operator(endpoint: &str) -> Result<AppState, AppError> {
        authorize_user(endpoint).await?;
        state()
    }

    /// A change that touched its row, or 404 when the notice (or attachment)
    /// does not exist.
    pub fn found(changed: Result<bool, sqlx::Error>) -> Result<(), AppError> {
        check(check(changed)?.then_some(()).ok_or(AppError::NotFound))
    }
}
