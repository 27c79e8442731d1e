//! The operator's review of registrations and profile changes (入驻审核), with
//! regulators looking on within their industry and region; expiring qualifications.
use crate::domain::paging::Page;
use crate::error::AppError;
use crate::model::onboarding::{ApplicationView, ExpiringQualification, HistoryEntry, QueueRow};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

pub const QUEUE_PER_PAGE: u32 = 20;

/// Submitted applications in the caller's scope, oldest first, with their deadlines;
/// `q` narrows them to a firm name fragment or a credit code.
#[server(prefix = "/api", endpoint = "review/queue")]
pub async fn review_queue(page: u32, q: Option<String>) -> Result<Page<QueueRow>, AppError> {
    use super::ctx::{authorize_user, check, fail, state};
    let user = authorize_user("review/queue").await?;
    let st = state()?;
    let q = crate::model::clean_param(&q);
    if q.as_deref().is_some_and(|q| q.chars().count() > 50) {
        return Err(fail(AppError::invalid("q", "review.q_too_long")));
    }
    check(crate::db::onboarding::queue(&st.pool, &user.scope(), q.as_deref(), st.now_ms(), page, QUEUE_PER_PAGE).await)
}

/// What the reviewer sees: the application, its checks re-run today, the live
/// profile it would replace (for changes) and the firm's history.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReviewView {
    pub application: ApplicationView,
    pub live: Option<crate::model::onboarding::FirmDraft>,
    pub history: Vec<HistoryEntry>,
    /// The caller may approve or return it.
    pub can_decide: bool,
}

#[server(prefix = "/api", endpoint = "review/application")]
pub async fn get_review(id: i64) -> Result<ReviewView, AppError> {
    use super::ctx::{authorize_user, check, fail, state};
    use crate::domain::accounts::Role;
    use crate::model::onboarding::ApplicationKind;
    let user = authorize_user("review/application").await?;
    let st = state()?;
    let row = check(crate::db::onboarding::application(&st.pool, id).await)?.ok_or_else(|| fail(AppError::NotFound))?;
    if !server::in_scope(&user, &row) {
        return Err(fail(AppError::Forbidden));
    }
    let live = if row.kind == ApplicationKind::Change {
        Some(check(crate::db::onboarding::snapshot_from_live(&st.pool, row.firm_id).await)?)
    } else {
        None
    };
    let history = check(crate::db::onboarding::history(&st.pool, row.firm_id).await)?;
    let application = super::onboarding::server::view(&st, row).await?;
    let can_decide = matches!(user.role, Role::Operator | Role::Admin) && application.status == crate::model::onboarding::ApplicationStatus::Submitted;
    Ok(ReviewView { application, live, history, can_decide })
}

/// Approves (`decision = "approve"`: the profile goes live) or returns
/// (`decision = "return"`, with a reason the firm sees) a submitted application.
#[server(prefix = "/api", endpoint = "review/decide")]
pub async fn decide(id: i64, decision: String, reason: Option<String>) -> Result<(), AppError> {
    use super::ctx::{authorize_user, check, fail, state};
    let user = authorize_user("review/decide").await?;
    let st = state()?;
    let approve = match decision.as_str() {
        "approve" => true,
        "return" => false,
        _ => return Err(fail(AppError::invalid("decision", "review.decision_required"))),
    };
    let reason = crate::model::clean_param(&reason);
    if !approve {
        let r = reason.as_deref().unwrap_or("");
        crate::domain::onboarding::check_reason(r).map_err(|p| fail(AppError::invalid(p.field, p.key)))?;
    }
    let row = check(crate::db::onboarding::application(&st.pool, id).await)?.ok_or_else(|| fail(AppError::NotFound))?;
    if row.status != crate::model::onboarding::ApplicationStatus::Submitted {
        return Err(fail(AppError::invalid("decision", "review.not_submitted")));
    }
    if approve {
        // the register may have changed since submission: approve only what still passes
        let today = crate::domain::time::date_shanghai(st.now_ms());
        let (_, gaps) = check(crate::db::onboarding::check(&st.pool, &row.draft, &today).await)?;
        if !gaps.is_empty() {
            return Err(fail(AppError::invalid("decision", "review.findings_now")));
        }
    }
    if !check(crate::db::onboarding::decide(&st.pool, &row, approve, reason.as_deref(), user.id, st.now_ms()).await)? {
        return Err(fail(AppError::invalid("decision", "review.not_submitted")));
    }
    leptos_axum::redirect("/operator/reviews");
    Ok(())
}

pub const EXPIRING_PER_PAGE: u32 = 30;

/// Live qualifications that expired or expire within 30 days, in the caller's scope.
#[server(prefix = "/api", endpoint = "review/expiring")]
pub async fn expiring_qualifications(page: u32) -> Result<Page<ExpiringQualification>, AppError> {
    use super::ctx::{authorize_user, check, state};
    let user = authorize_user("review/expiring").await?;
    let st = state()?;
    let today = crate::domain::time::date_shanghai(st.now_ms());
    check(crate::db::onboarding::expiring(&st.pool, None, Some(&user.scope()), &today, page, EXPIRING_PER_PAGE).await)
}

#[cfg(feature = "ssr")]
mod server {
    use crate::db::onboarding::ApplicationRow;
    use crate::model::accounts::SessionUser;

    /// Operators reach every application; a regulator those of its region that
    /// include an item of its industry; others none.
    pub fn in_scope(user: &SessionUser, row: &ApplicationRow) -> bool {
        use crate::domain::accounts::Role;
        let scope = user.scope();
        match user.role {
            Role::Operator | Role::Admin => true,
            Role::Regulator => {
                let industry = scope.industry_code.unwrap_or("");
                row.industries.contains(&format!(",{industry},")) && scope.reaches(&row.region_code, Some(industry))
            }
            _ => false,
        }
    }
}
