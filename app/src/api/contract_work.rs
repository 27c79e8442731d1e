//! Service execution (履约): the contract page's work panel — milestones,
//! deliveries and acceptance, urges, the message thread. Thin: authorise
//! (MATRIX, then the row rule `db::contracts::access`: the two parties act,
//! supervisors in scope read only, anyone else gets 404), check the input,
//! call `db::contracts::work`, tell open contract pages (live event).
use crate::domain::paging::Page;
use crate::error::AppError;
use crate::model::contract_work::*;
use leptos::prelude::*;
use leptos::server_fn::codec::{MultipartData, MultipartFormData};

#[cfg(feature = "ssr")]
pub(crate) mod server {
    use super::super::ctx::{check, fail, state};
    use crate::db::contracts::{Access, ContractRow};
    use crate::domain::contract::Party;
    use crate::domain::files::MAX_FILE_BYTES;
    use crate::error::AppError;
    use crate::model::accounts::SessionUser;
    use crate::model::contract_work::MAX_DELIVERY_FILES;
    use crate::state::AppState;
    use leptos::server_fn::codec::MultipartData;

    /// The contract `code` as the caller reaches it, or 404 (also when it exists
    /// but the caller is neither a party nor a supervisor in scope).
    pub async fn contract(user: &SessionUser, code: &str) -> Result<(AppState, ContractRow, Access), AppError> {
        let st = state()?;
        let c = check(crate::db::contracts::load(&st.pool, code.trim()).await)?.ok_or_else(|| fail(AppError::NotFound))?;
        let a = crate::db::contracts::access(user, &c).ok_or_else(|| fail(AppError::NotFound))?;
        Ok((st, c, a))
    }

    /// The caller's party: only the parties act (supervisors read only).
    pub fn party(a: Access) -> Result<Party, AppError> {
        a.party().ok_or_else(|| fail(AppError::Forbidden))
    }

    /// Only `want` may do this.
    pub fn as_party(a: Access, want: Party) -> Result<(), AppError> {
        if party(a)? == want {
            Ok(())
        } else {
            Err(fail(AppError::Forbidden))
        }
    }

    /// Text of `min..=max` characters (trimmed, line ends normalised, no control
    /// characters but line breaks), or a field error.
    pub fn text(field: &str, key: &str, s: &str, min: usize, max: usize) -> Result<String, AppError> {
        let t = s.trim().replace("\r\n", "\n");
        let n = t.chars().count();
        if !(min..=max).contains(&n) || t.chars().any(|c| c.is_control() && c != '\n') {
            return Err(fail(AppError::invalid(field, key)));
        }
        Ok(t)
    }

    /// A delivery form: text fields and 1–5 files in the field `files`.
    #[derive(Default)]
    pub struct FilesForm {
        pub files: Vec<super::super::files::server::Upload>,
        pub fields: Vec<(String, String)>,
    }

    impl FilesForm {
        pub fn field(&self, name: &str) -> Option<&str> {
            self.fields.iter().find(|(k, _)| k == name).map(|(_, v)| v.trim())
        }
    }

    const MAX_FIELDS: usize = 8;
    const MAX_FIELD_BYTES: usize = 8 * 1024;
    const FORM_OVERHEAD: u64 = 64 * 1024;

    fn bad_form(e: impl std::fmt::Display) -> AppError {
        tracing::debug!(error = %e, "bad multipart form");
        AppError::invalid("files", "files.bad_form")
    }

    /// Reads a multipart form with up to `MAX_DELIVERY_FILES` files (each at most
    /// 5 MiB, read as a stream and never kept beyond that) and a few short fields.
    pub async fn read_files_form(data: MultipartData) -> Result<FilesForm, AppError> {
        let declared = leptos::prelude::use_context::<axum::http::request::Parts>()
            .and_then(|p| p.headers.get(axum::http::header::CONTENT_LENGTH)?.to_str().ok()?.parse::<u64>().ok());
        if declared.is_some_and(|n| n > (MAX_DELIVERY_FILES * MAX_FILE_BYTES) as u64 + FORM_OVERHEAD) {
            return Err(AppError::invalid("files", "contract_work.files_too_large"));
        }
        let mut multipart = data.into_inner().ok_or_else(|| bad_form("no multipart body"))?;
        let mut form = FilesForm::default();
        while let Some(mut field) = multipart.next_field().await.map_err(bad_form)? {
            let name = field.name().unwrap_or_default().to_string();
            match field.file_name().map(str::to_string) {
                Some(file_name) => {
                    let content_type = field.content_type().map(|m| m.to_string());
                    let mut bytes = Vec::new();
                    while let Some(chunk) = field.chunk().await.map_err(bad_form)? {
                        if bytes.len() + chunk.len() > MAX_FILE_BYTES {
                            return Err(AppError::invalid("files", "files.too_large"));
                        }
                        bytes.extend_from_slice(&chunk);
                    }
                    // a file input left empty sends a part without name or content
                    if file_name.is_empty() && bytes.is_empty() {
                        continue;
                    }
                    if name != "files" {
                        return Err(bad_form("unexpected file field"));
                    }
                    if form.files.len() >= MAX_DELIVERY_FILES {
                        return Err(AppError::invalid("files", "contract_work.files_count"));
                    }
                    form.files.push(super::super::files::server::Upload { name: file_name, content_type, bytes });
                }
                None => {
                    let mut value = Vec::new();
                    while let Some(chunk) = field.chunk().await.map_err(bad_form)? {
                        value.extend_from_slice(&chunk);
                        if value.len() > MAX_FIELD_BYTES {
                            return Err(bad_form("field too long"));
                        }
                    }
                    if form.fields.len() >= MAX_FIELDS {
                        return Err(bad_form("too many fields"));
                    }
                    form.fields.push((name, String::from_utf8(value).map_err(bad_form)?));
                }
            }
        }
        Ok(form)
    }
}

/// The work panel of a contract: milestones, deliveries, urges, pending items
/// and what the caller may do (supervisors: read only).
#[server(prefix = "/api", endpoint = "contract_work/panel")]
pub async fn get_work_panel(code: String) -> Result<WorkPanelView, AppError> {
    use super::ctx::{authorize_user, check};
    let user = authorize_user("contract_work/panel").await?;
    let (st, c, a) = server::contract(&user, &code).await?;
    check(crate::db::contracts::work::panel(&st.pool, &c, a.party(), st.now_ms()).await)
}

/// One page of the message thread, newest first (page 1: the latest messages).
#[server(prefix = "/api", endpoint = "contract_work/messages")]
pub async fn list_contract_messages(code: String, page: Option<u32>) -> Result<Page<MessageView>, AppError> {
    use super::ctx::{authorize_user, check, fail};
    let user = authorize_user("contract_work/messages").await?;
    let (st, c, _) = server::contract(&user, &code).await?;
    let page = crate::model::check_page(page).map_err(fail)?;
    check(crate::db::contracts::work::messages(&st.pool, c.id, page, MESSAGES_PER_PAGE).await)
}

/// A party posts a message: form fields `code`, `body` (1–2000 characters) and
/// optionally one attachment `file` (PDF, JPEG or PNG, at most 5 MiB). A plain
/// multipart form: it works with JavaScript off too. Returns the message id.
#[server(prefix = "/api", endpoint = "contract_work/post_message", input = MultipartFormData)]
pub async fn post_contract_message(data: MultipartData) -> Result<i64, AppError> {
    use super::ctx::{authorize_user, check, fail};
    let user = authorize_user("contract_work/post_message").await?;
    let form = check(super::files::server::read_form(data).await)?;
    let (st, c, a) = server::contract(&user, form.field("code").unwrap_or_default()).await?;
    let party = server::party(a)?;
    let body = server::text("body", "contract_work.message_invalid", form.field("body").unwrap_or_default(), 1, MESSAGE_MAX_CHARS)?;
    if !crate::db::contracts::work::may_post(c.status()) {
        return Err(fail(AppError::invalid("body", "contract_work.thread_closed")));
    }
    let file_id = match form.file {
        Some(file) => Some(super::files::server::store(&st, &user, file).await.map_err(fail)?.id),
        None => None,
    };
    let id = crate::db::contracts::work::post_message(&st, c.id, party, user.id, &body, file_id, st.now_ms()).await.map_err(fail)?;
    crate::db::contracts::notify(&st, &c.code, "message").await;
    Ok(id)
}

/// A party urges the other on a pending item (`subject`: `sign`,
/// `milestone:N`, `delivery`, `acceptance`, `payment:N`, `reply`, `other`) with
/// a reason; once per subject per working day.
#[server(prefix = "/api", endpoint = "contract_work/urge")]
pub async fn urge_party(code: String, subject: String, reason: String) -> Result<(), AppError> {
    use super::ctx::{authorize_user, fail};
    let user = authorize_user("contract_work/urge").await?;
    let (st, c, a) = server::contract(&user, &code).await?;
    let party = server::party(a)?;
    crate::db::contracts::work::urge(&st, c.id, party, user.id, &subject, &reason, st.now_ms()).await.map_err(fail)?;
    crate::db::contracts::notify(&st, &c.code, "urge").await;
    Ok(())
}

/// The firm reports milestone `seq` done.
#[server(prefix = "/api", endpoint = "contract_work/report_milestone")]
pub async fn report_milestone(code: String, seq: i64) -> Result<(), AppError> {
    use super::ctx::{authorize_user, fail};
    use crate::domain::contract::Party;
    let user = authorize_user("contract_work/report_milestone").await?;
    let (st, c, a) = server::contract(&user, &code).await?;
    server::as_party(a, Party::Firm)?;
    crate::db::contracts::work::report_milestone(&st, c.id, seq, user.id, st.now_ms()).await.map_err(fail)?;
    crate::db::contracts::notify(&st, &c.code, "milestone").await;
    Ok(())
}

/// The owner confirms a reported milestone done.
#[server(prefix = "/api", endpoint = "contract_work/confirm_milestone")]
pub async fn confirm_milestone(code: String, seq: i64) -> Result<(), AppError> {
    use super::ctx::{authorize_user, fail};
    use crate::domain::contract::Party;
    let user = authorize_user("contract_work/confirm_milestone").await?;
    let (st, c, a) = server::contract(&user, &code).await?;
    server::as_party(a, Party::Owner)?;
    crate::db::contracts::work::confirm_milestone(&st, c.id, seq, user.id, st.now_ms()).await.map_err(fail)?;
    crate::db::contracts::notify(&st, &c.code, "milestone").await;
    Ok(())
}

/// The firm delivers its results (成果提交): form fields `code`, `note` (at
/// most 1000 characters) and 1–5 files in `files` (PDF, JPEG or PNG, each at
/// most 5 MiB). Only while the contract is in service with nothing awaiting
/// acceptance. Nothing is stored unless the whole delivery is valid. Returns
/// the round.
#[server(prefix = "/api", endpoint = "contract_work/deliver", input = MultipartFormData)]
pub async fn deliver_results(data: MultipartData) -> Result<u32, AppError> {
    use super::ctx::{authorize_user, fail};
    use crate::domain::contract::Party;
    let user = authorize_user("contract_work/deliver").await?;
    let form = server::read_files_form(data).await.map_err(fail)?;
    let (st, c, a) = server::contract(&user, form.field("code").unwrap_or_default()).await?;
    server::as_party(a, Party::Firm)?;
    let note = server::text("note", "contract_work.note_invalid", form.field("note").unwrap_or_default(), 0, DELIVERY_NOTE_MAX_CHARS)?;
    crate::db::contracts::work::check_deliverable(&c).map_err(fail)?;
    if form.files.is_empty() {
        return Err(fail(AppError::invalid("files", "contract_work.files_count")));
    }
    // every file is checked before any is stored
    for f in &form.files {
        crate::domain::files::check(&f.name, f.content_type.as_deref(), &f.bytes).map_err(|e| fail(AppError::invalid("files", e.message_key())))?;
    }
    let mut ids = Vec::new();
    for f in form.files {
        ids.push(super::files::server::store(&st, &user, f).await.map_err(fail)?.id);
    }
    let round = crate::db::contracts::work::deliver(&st, c.id, user.id, &note, &ids, st.now_ms()).await.map_err(fail)?;
    crate::db::contracts::notify(&st, &c.code, "delivered").await;
    Ok(round)
}

/// The owner decides on the pending delivery round `round`: `decision =
/// "accept"` (验收合格) or `"reject"` with a reason (5–500 characters).
#[server(prefix = "/api", endpoint = "contract_work/decide_delivery")]
pub async fn decide_delivery(code: String, round: i64, decision: String, reason: Option<String>) -> Result<(), AppError> {
    use super::ctx::{authorize_user, fail};
    use crate::domain::contract::Party;
    let user = authorize_user("contract_work/decide_delivery").await?;
    let (st, c, a) = server::contract(&user, &code).await?;
    server::as_party(a, Party::Owner)?;
    let (accept, reason) = match decision.as_str() {
        "accept" => (true, String::new()),
        "reject" => (
            false,
            server::text(
                "reason",
                "contract_work.reject_reason_invalid",
                reason.as_deref().unwrap_or_default(),
                REJECT_REASON_MIN_CHARS,
                REJECT_REASON_MAX_CHARS,
            )?,
        ),
        _ => return Err(fail(AppError::invalid("decision", "contract_work.decision_invalid"))),
    };
    crate::db::contracts::work::decide_delivery(&st, c.id, round, accept, &reason, user.id, st.now_ms()).await.map_err(fail)?;
    crate::db::contracts::notify(&st, &c.code, if accept { "accepted" } else { "rejected" }).await;
    Ok(())
}
