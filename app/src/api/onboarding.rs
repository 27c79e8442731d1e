//! A firm's own registration (入驻) and profile changes, step by step. Every
//! function works on the caller's own firm, taken from the session (never from
//! the input), and only while its application is a draft or was returned.
use crate::error::AppError;
use crate::model::onboarding::{ApplicationView, FirmWorkbench, OnboardingOptions};
use leptos::prelude::*;

/// The firm's workbench: status, open application, expiring qualifications, history.
#[server(prefix = "/api", endpoint = "onboarding/workbench")]
pub async fn get_workbench() -> Result<FirmWorkbench, AppError> {
    use super::ctx::{authorize_user, check, state};
    use crate::model::onboarding::ApplicationSummary;
    let user = authorize_user("onboarding/workbench").await?;
    let firm_id = server::own_firm(&user)?;
    let st = state()?;
    let pool = &st.pool;
    let (status, name, credit_code) = check(crate::db::onboarding::firm_basics(pool, firm_id).await)?;
    let open = check(crate::db::onboarding::open_application(pool, firm_id).await)?.map(|a| ApplicationSummary {
        id: a.id,
        kind: a.kind,
        status: a.status,
        submitted_at: a.submitted_at,
        due_at: a.due_at,
        decision_reason: a.decision_reason,
    });
    let today = crate::domain::time::date_shanghai(st.now_ms());
    let expiring = check(crate::db::onboarding::expiring(pool, Some(firm_id), None, &today, 1, 100).await)?.items;
    let history = check(crate::db::onboarding::history(pool, firm_id).await)?;
    Ok(FirmWorkbench { firm_id, name, credit_code, status, open, expiring, history })
}

/// The open application with its checks; a new firm's registration is opened on
/// first visit. An active firm without an open change gets `None`.
#[server(prefix = "/api", endpoint = "onboarding/application")]
pub async fn get_application() -> Result<Option<ApplicationView>, AppError> {
    use super::ctx::{authorize_user, check, state};
    let user = authorize_user("onboarding/application").await?;
    let firm_id = server::own_firm(&user)?;
    let st = state()?;
    let row = match check(crate::db::onboarding::open_application(&st.pool, firm_id).await)? {
        Some(row) => row,
        None => {
            let (status, name, credit_code) = check(crate::db::onboarding::firm_basics(&st.pool, firm_id).await)?;
            if status != "draft" && status != "returned" {
                return Ok(None);
            }
            let draft = crate::model::onboarding::FirmDraft { name, credit_code, ..Default::default() };
            let kind = crate::model::onboarding::ApplicationKind::Onboarding;
            check(crate::db::onboarding::create(&st.pool, firm_id, kind, &draft, Some(user.id), st.now_ms()).await)?;
            check(crate::db::onboarding::open_application(&st.pool, firm_id).await)?.ok_or(AppError::NotFound)?
        }
    };
    server::view(&st, row).await.map(Some)
}

/// An active firm starts changing its profile: a copy of the live profile to edit.
/// The public profile stays as it is until the operator approves the change.
#[server(prefix = "/api", endpoint = "onboarding/start_change")]
pub async fn start_change() -> Result<ApplicationView, AppError> {
    use super::ctx::{authorize_user, check, fail, state};
    let user = authorize_user("onboarding/start_change").await?;
    let firm_id = server::own_firm(&user)?;
    let st = state()?;
    if let Some(open) = check(crate::db::onboarding::open_application(&st.pool, firm_id).await)? {
        return server::view(&st, open).await;
    }
    let (status, _, _) = check(crate::db::onboarding::firm_basics(&st.pool, firm_id).await)?;
    if status != "active" {
        return Err(fail(AppError::invalid("status", "onboarding.not_active")));
    }
    let draft = check(crate::db::onboarding::snapshot_from_live(&st.pool, firm_id).await)?;
    let kind = crate::model::onboarding::ApplicationKind::Change;
    check(crate::db::onboarding::create(&st.pool, firm_id, kind, &draft, Some(user.id), st.now_ms()).await)?;
    let row = check(crate::db::onboarding::open_application(&st.pool, firm_id).await)?.ok_or(AppError::NotFound)?;
    leptos_axum::redirect("/firm/profile?step=1");
    server::view(&st, row).await
}

/// Choices for the forms.
#[server(prefix = "/api", endpoint = "onboarding/options")]
pub async fn get_onboarding_options() -> Result<OnboardingOptions, AppError> {
    use super::ctx::{authorize_user, check, state};
    authorize_user("onboarding/options").await?;
    let st = state()?;
    let today = crate::domain::time::date_shanghai(st.now_ms());
    check(crate::db::onboarding::options(&st.pool, &today).await)
}

/// Step 1: basic information.
#[server(prefix = "/api", endpoint = "onboarding/save_basic")]
pub async fn save_basic(
    name: String,
    address: String,
    region_code: String,
    contact_name: String,
    contact_phone: String,
) -> Result<(), AppError> {
    let user = super::ctx::authorize_user("onboarding/save_basic").await?;
    use super::ctx::{check, fail, state};
    let st = state()?;
    let problems = crate::domain::onboarding::check_basic(&name, &address, &contact_name, &contact_phone);
    if let Some(p) = problems.first() {
        return Err(fail(AppError::invalid(p.field, p.key)));
    }
    let region_name = check(crate::db::onboarding::region_name(&st.pool, region_code.trim()).await)?
        .ok_or_else(|| fail(AppError::invalid("region_code", "onboarding.region_required")))?;
    server::edit(&user, 2, |d| {
        d.name = name.trim().to_string();
        d.address = address.trim().to_string();
        d.region_code = region_code.trim().to_string();
        d.region_name = region_name;
        d.contact_name = contact_name.trim().to_string();
        d.contact_phone = contact_phone.trim().to_string();
        Ok(())
    })
    .await
}

/// Step 2: adds a staff member (the legal representative once).
#[server(prefix = "/api", endpoint = "onboarding/add_staff")]
pub async fn add_staff(
    role: String,
    name: String,
    title: String,
    id_number: String,
    phone: String,
    certificate: Option<String>,
) -> Result<(), AppError> {
    let user = super::ctx::authorize_user("onboarding/add_staff").await?;
    use crate::domain::onboarding::StaffRole;
    use crate::model::onboarding::StaffEntry;
    let role = StaffRole::parse(&role).ok_or_else(|| super::ctx::fail(AppError::invalid("role", "onboarding.staff_role_required")))?;
    let certificate = certificate.unwrap_or_default();
    let problems = crate::domain::onboarding::check_staff(&name, &title, &id_number, &phone, &certificate);
    if let Some(p) = problems.first() {
        return Err(super::ctx::fail(AppError::invalid(p.field, p.key)));
    }
    server::edit(&user, 2, |d| {
        if role == StaffRole::LegalRep && d.legal_rep().is_some() {
            return Err(AppError::invalid("role", "onboarding.legal_rep_exists"));
        }
        let id_number = id_number.trim().to_ascii_uppercase();
        if d.staff.iter().any(|s| s.id_number == id_number && s.role == role) {
            return Err(AppError::invalid("id_number", "onboarding.staff_duplicate"));
        }
        d.staff.push(StaffEntry {
            role,
            name: name.trim().to_string(),
            title: title.trim().to_string(),
            id_number,
            phone: phone.trim().to_string(),
            certificate: Some(certificate.trim().to_string()).filter(|c| !c.is_empty()),
        });
        Ok(())
    })
    .await
}

/// Step 2: removes the staff member at `index`.
#[server(prefix = "/api", endpoint = "onboarding/remove_staff")]
pub async fn remove_staff(index: usize) -> Result<(), AppError> {
    let user = super::ctx::authorize_user("onboarding/remove_staff").await?;
    server::edit(&user, 2, |d| {
        if index >= d.staff.len() {
            return Err(AppError::NotFound);
        }
        d.staff.remove(index);
        Ok(())
    })
    .await
}

/// Step 3: adds a service item to the scope, with the fee standard and the promised time limit.
#[server(prefix = "/api", endpoint = "onboarding/add_item")]
pub async fn add_item(item_code: String, fee_standard: String, promised_days: String) -> Result<(), AppError> {
    let user = super::ctx::authorize_user("onboarding/add_item").await?;
    use super::ctx::{check, fail, state};
    let st = state()?;
    let today = crate::domain::time::date_shanghai(st.now_ms());
    let (mut entry, limit) = check(crate::db::onboarding::scope_item(&st.pool, &item_code, &today).await)?
        .ok_or_else(|| fail(AppError::invalid("item_code", "onboarding.item_required")))?;
    let days = crate::domain::onboarding::check_scope_item(&fee_standard, &promised_days, limit)
        .map_err(|p| fail(AppError::invalid(p[0].field, p[0].key)))?;
    entry.fee_standard = fee_standard.trim().to_string();
    entry.promised_days = days;
    server::edit(&user, 3, |d| {
        if d.items.iter().any(|i| i.item_code == entry.item_code) {
            return Err(AppError::invalid("item_code", "onboarding.item_duplicate"));
        }
        d.items.push(entry);
        d.items.sort_by(|a, b| a.item_code.cmp(&b.item_code));
        Ok(())
    })
    .await
}

/// Step 3: removes an item from the scope.
#[server(prefix = "/api", endpoint = "onboarding/remove_item")]
pub async fn remove_item(item_code: String) -> Result<(), AppError> {
    let user = super::ctx::authorize_user("onboarding/remove_item").await?;
    server::edit(&user, 3, |d| {
        let before = d.items.len();
        d.items.retain(|i| i.item_code != item_code);
        if d.items.len() == before {
            return Err(AppError::NotFound);
        }
        Ok(())
    })
    .await
}

/// Step 4: adds a qualification, or replaces the one at `replace` (a correction).
#[allow(clippy::too_many_arguments)]
#[server(prefix = "/api", endpoint = "onboarding/save_qualification")]
pub async fn save_qualification(
    type_code: String,
    grade: String,
    certificate_no: String,
    issuer: String,
    valid_from: String,
    valid_to: String,
    file_id: Option<String>,
    replace: Option<String>,
) -> Result<(), AppError> {
    let user = super::ctx::authorize_user("onboarding/save_qualification").await?;
    use super::ctx::{check, fail, state};
    use crate::model::onboarding::QualificationEntry;
    let st = state()?;
    let t = check(crate::db::onboarding::qualification_type(&st.pool, &type_code).await)?
        .ok_or_else(|| fail(AppError::invalid("type_code", "onboarding.type_required")))?;
    let problems = crate::domain::onboarding::check_qualification(&grade, &t.grades, &certificate_no, &issuer, &valid_from, &valid_to);
    if let Some(p) = problems.first() {
        return Err(fail(AppError::invalid(p.field, p.key)));
    }
    let replace = crate::model::clean_param(&replace).map(|r| r.parse::<usize>()).transpose().map_err(|_| fail(AppError::NotFound))?;
    let file = server::attached_file(&st, &user, crate::model::clean_param(&file_id)).await?;
    let entry = QualificationEntry {
        type_code: t.code,
        type_name: t.name,
        grade: grade.trim().to_string(),
        certificate_no: certificate_no.trim().to_string(),
        issuer: issuer.trim().to_string(),
        valid_from: valid_from.trim().to_string(),
        valid_to: valid_to.trim().to_string(),
        file_id: file.as_ref().map(|f| f.0),
        file_name: file.map(|f| f.1),
    };
    server::edit(&user, 4, |d| {
        let same = |q: &QualificationEntry| q.type_code == entry.type_code && q.certificate_no == entry.certificate_no;
        match replace {
            Some(i) if i < d.qualifications.len() => {
                if d.qualifications.iter().enumerate().any(|(j, q)| j != i && same(q)) {
                    return Err(AppError::invalid("certificate_no", "onboarding.qualification_duplicate"));
                }
                d.qualifications[i] = entry;
            }
            Some(_) => return Err(AppError::NotFound),
            None => {
                if d.qualifications.iter().any(same) {
                    return Err(AppError::invalid("certificate_no", "onboarding.qualification_duplicate"));
                }
                d.qualifications.push(entry);
            }
        }
        Ok(())
    })
    .await
}

/// Step 4: attaches the scanned certificate (PDF, JPEG or PNG, at most 5 MiB) to
/// the qualification at form field `index`. A plain multipart form: it works
/// with JavaScript off too.
#[server(prefix = "/api", endpoint = "onboarding/attach_document", input = leptos::server_fn::codec::MultipartFormData)]
pub async fn attach_document(data: leptos::server_fn::codec::MultipartData) -> Result<(), AppError> {
    use super::ctx::{check, fail, state};
    let user = super::ctx::authorize_user("onboarding/attach_document").await?;
    server::own_firm(&user)?;
    let st = state()?;
    let form = check(super::files::server::read_form(data).await)?;
    let index: usize = form.field("index").and_then(|v| v.trim().parse().ok()).ok_or_else(|| fail(AppError::NotFound))?;
    let file = form.file.ok_or_else(|| fail(AppError::invalid("file", "files.missing")))?;
    // the qualification must exist and be editable before anything is stored
    let open = check(crate::db::onboarding::open_application(&st.pool, user.firm_id.unwrap_or_default()).await)?;
    match open {
        Some(a) if a.status.editable() && index < a.draft.qualifications.len() => {}
        Some(a) if !a.status.editable() => return Err(fail(AppError::invalid("status", "onboarding.not_editable"))),
        _ => return Err(fail(AppError::NotFound)),
    }
    let stored = super::files::server::store(&st, &user, file).await.map_err(fail)?;
    server::edit(&user, 4, |d| {
        let q = d.qualifications.get_mut(index).ok_or(AppError::NotFound)?;
        q.file_id = Some(stored.id);
        q.file_name = Some(stored.original_name.clone());
        Ok(())
    })
    .await
}

/// Step 4: removes the qualification at `index`.
#[server(prefix = "/api", endpoint = "onboarding/remove_qualification")]
pub async fn remove_qualification(index: usize) -> Result<(), AppError> {
    let user = super::ctx::authorize_user("onboarding/remove_qualification").await?;
    server::edit(&user, 4, |d| {
        if index >= d.qualifications.len() {
            return Err(AppError::NotFound);
        }
        d.qualifications.remove(index);
        Ok(())
    })
    .await
}

/// Step 5: accepts the commitment letter; its exact text is stored with the acceptance.
#[server(prefix = "/api", endpoint = "onboarding/accept_commitment")]
pub async fn accept_commitment(accept: Option<String>) -> Result<(), AppError> {
    let user = super::ctx::authorize_user("onboarding/accept_commitment").await?;
    use crate::domain::onboarding::{COMMITMENT_TEXT, COMMITMENT_VERSION};
    if accept.as_deref() != Some("on") {
        return Err(super::ctx::fail(AppError::invalid("accept", "onboarding.commitment_required")));
    }
    let now = super::ctx::state()?.now_ms();
    let user_id = user.id;
    server::edit(&user, 6, move |d| {
        d.commitment = Some(crate::model::onboarding::CommitmentAcceptance {
            version: COMMITMENT_VERSION.into(),
            text: COMMITMENT_TEXT.into(),
            accepted_at: now,
            accepted_by: user_id,
        });
        Ok(())
    })
    .await
}

/// Submits the application for review once nothing is missing and every
/// qualification passes the register check. A firm whose identity the unified
/// identity platform asserted is admitted at once (可直接入库).
#[server(prefix = "/api", endpoint = "onboarding/submit")]
pub async fn submit_application() -> Result<(), AppError> {
    use super::ctx::{authorize_user, check, fail, state};
    let user = authorize_user("onboarding/submit").await?;
    let firm_id = server::own_firm(&user)?;
    let st = state()?;
    let row = check(crate::db::onboarding::open_application(&st.pool, firm_id).await)?.ok_or_else(|| fail(AppError::NotFound))?;
    if !row.status.editable() {
        return Err(fail(AppError::invalid("status", "onboarding.not_editable")));
    }
    let today = crate::domain::time::date_shanghai(st.now_ms());
    let (_, gaps) = check(crate::db::onboarding::check(&st.pool, &row.draft, &today).await)?;
    if let Some(gap) = gaps.first() {
        return Err(fail(AppError::invalid("submit", gap.message_key())));
    }
    let verified = check(crate::db::onboarding::identity_verified(&st.pool, firm_id).await)?;
    if !check(crate::db::onboarding::submit(&st.pool, &row, user.id, verified, st.now_ms()).await)? {
        return Err(fail(AppError::invalid("status", "onboarding.not_editable")));
    }
    leptos_axum::redirect("/firm");
    Ok(())
}

#[cfg(feature = "ssr")]
pub(crate) mod server {
    use crate::api::ctx::{check, fail, state};
    use crate::error::AppError;
    use crate::model::accounts::SessionUser;
    use crate::model::onboarding::{ApplicationView, FirmDraft};
    use crate::state::AppState;

    /// The caller's own firm (firm accounts always have one).
    pub fn own_firm(user: &SessionUser) -> Result<i64, AppError> {
        user.firm_id.ok_or_else(|| fail(AppError::Forbidden))
    }

    /// Loads the caller's editable application, applies `change`, stores it, and
    /// sends a plain form back to wizard step `next_step`.
    pub async fn edit(
        user: &SessionUser,
        next_step: u8,
        change: impl FnOnce(&mut FirmDraft) -> Result<(), AppError>,
    ) -> Result<(), AppError> {
        let firm_id = own_firm(user)?;
        let st = state()?;
        let mut row = check(crate::db::onboarding::open_application(&st.pool, firm_id).await)?.ok_or_else(|| fail(AppError::NotFound))?;
        if !row.status.editable() {
            return Err(fail(AppError::invalid("status", "onboarding.not_editable")));
        }
        change(&mut row.draft).map_err(fail)?;
        if !check(crate::db::onboarding::save_draft(&st.pool, row.id, &row.draft, st.now_ms()).await)? {
            return Err(fail(AppError::invalid("status", "onboarding.not_editable")));
        }
        leptos_axum::redirect(&format!("/firm/profile?step={next_step}"));
        Ok(())
    }

    /// An uploaded file the caller may attach (one its firm uploaded): `(id, original name)`.
    pub async fn attached_file(st: &AppState, user: &SessionUser, file_id: Option<String>) -> Result<Option<(i64, String)>, AppError> {
        let Some(raw) = file_id else { return Ok(None) };
        let id: i64 = raw.parse().map_err(|_| fail(AppError::invalid("file_id", "onboarding.file_invalid")))?;
        let name: Option<String> = check(
            sqlx::query_scalar("SELECT original_name FROM files WHERE id = $1 AND (uploaded_by = $2 OR firm_id = $3)")
                .bind(id)
                .bind(user.id)
                .bind(user.firm_id)
                .fetch_optional(&st.pool)
                .await,
        )?;
        name.map(|n| Some((id, n))).ok_or_else(|| fail(AppError::invalid("file_id", "onboarding.file_invalid")))
    }

    /// An application with its automatic checks on today's date.
    pub async fn view(st: &AppState, row: crate::db::onboarding::ApplicationRow) -> Result<ApplicationView, AppError> {
        let today = crate::domain::time::date_shanghai(st.now_ms());
        let (findings, gaps) = check(crate::db::onboarding::check(&st.pool, &row.draft, &today).await)?;
        let (firm_status, _, _) = check(crate::db::onboarding::firm_basics(&st.pool, row.firm_id).await)?;
        let identity_verified = check(crate::db::onboarding::identity_verified(&st.pool, row.firm_id).await)?;
        Ok(ApplicationView {
            id: row.id,
            firm_id: row.firm_id,
            kind: row.kind,
            status: row.status,
            firm_status,
            draft: row.draft,
            findings,
            gaps,
            submitted_at: row.submitted_at,
            due_at: row.due_at,
            decided_at: row.decided_at,
            decision_reason: row.decision_reason,
            identity_verified,
        })
    }
}
