//! Complaints (投诉): filing, the regulator's queue, accept / decline / decide,
//! and the link with escalated objections (质疑升级).
//!
//! A complaint routed to (region_code, industry_code) is handled by the
//! regulator of that industry whose region contains region_code. A complaint
//! created from an escalated objection (objection_id set) is decided through
//! `db::trading::act_on_objection`, which also closes the complaint
//! (`on_objection_decided`), so the two records never disagree.
use super::trading::{calendar, Tx};
use super::Pool;
use crate::domain::complaint::{self, AgainstKind, ComplaintAction, ComplaintStatus, ACCEPT_WORKING_DAYS, DECIDE_WORKING_DAYS};
use crate::domain::region::{self, RegionLevel};
use crate::error::AppError;
use crate::model::complaints::{ComplaintDetail, ComplaintEvent, ComplaintRow};
use crate::state::AppState;

/// A validated complaint to store.
pub struct NewComplaint {
    pub filer_user_id: Option<i64>,
    pub filer_name: Option<String>,
    pub filer_phone: Option<String>,
    pub against: AgainstKind,
    pub firm_id: Option<i64>,
    pub owner_id: Option<i64>,
    pub department_code: Option<String>,
    pub region_code: String,
    pub industry_code: String,
    pub subject: String,
    pub body: String,
    pub file_id: Option<i64>,
}

/// Who or what a complaint names, found from the form's `target`.
pub struct Target {
    pub firm_id: Option<i64>,
    pub owner_id: Option<i64>,
    pub department_code: Option<String>,
    /// The target's own region (firms and owners), the default routing region.
    pub region_code: Option<String>,
}

/// Finds the target: a firm or owner by credit code or (unique) name, a
/// department by code or name. Field errors name `target`.
pub async fn find_target(pool: &Pool, kind: AgainstKind, target: &str) -> Result<Target, AppError> {
    let t = target.trim();
    if t.is_empty() {
        return Err(AppError::invalid("target", "complaints.target_missing"));
    }
    let table = match kind {
        AgainstKind::Firm => "firms",
        AgainstKind::Owner => "owners",
        AgainstKind::Department => {
            let rows: Vec<(String,)> = sqlx::query_as("SELECT code FROM departments WHERE code = $1 OR name = $1 LIMIT 2").bind(t).fetch_all(pool).await?;
            return match rows.as_slice() {
                [(code,)] => Ok(Target { firm_id: None, owner_id: None, department_code: Some(code.clone()), region_code: None }),
                _ => Err(AppError::invalid("target", "complaints.target_not_found")),
            };
        }
    };
    let status = if kind == AgainstKind::Firm { " AND status IN ('active', 'suspended', 'expelled')" } else { "" };
    let exact: Vec<(i64, String)> =
        sqlx::query_as(&format!("SELECT id, region_code FROM {table} WHERE (credit_code = $1 OR name = $2){status} ORDER BY id LIMIT 2"))
            .bind(t.to_uppercase())
            .bind(t)
            .fetch_all(pool)
            .await?;
    let rows = if exact.is_empty() {
        let like = format!("%{}%", t.replace(['%', '_'], ""));
        sqlx::query_as(&format!("SELECT id, region_code FROM {table} WHERE name LIKE $1{status} ORDER BY id LIMIT 2")).bind(like).fetch_all(pool).await?
    } else {
        exact
    };
    match rows.as_slice() {
        [(id, region)] => Ok(Target {
            firm_id: (kind == AgainstKind::Firm).then_some(*id),
            owner_id: (kind == AgainstKind::Owner).then_some(*id),
            department_code: None,
            region_code: Some(region.clone()),
        }),
        [] => Err(AppError::invalid("target", "complaints.target_not_found")),
        _ => Err(AppError::invalid("target", "complaints.target_ambiguous")),
    }
}

/// Complaints filed from `phone` since `since` (anonymous filing limit).
pub async fn count_by_phone(pool: &Pool, phone: &str, since: i64) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT COUNT(*) FROM complaints WHERE filer_phone = $1 AND created_at >= $2").bind(phone).bind(since).fetch_one(pool).await
}

async fn event(tx: &mut Tx<'_>, id: i64, at: i64, kind: &str, actor: Option<i64>, detail: &str) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO complaint_events (complaint_id, at, kind, actor_id, detail) VALUES ($1, $2, $3, $4, $5)")
        .bind(id)
        .bind(at)
        .bind(kind)
        .bind(actor)
        .bind(detail)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Stores a filed complaint (status `submitted`, acceptance due in 5 working days).
pub async fn file(state: &AppState, c: &NewComplaint, now: i64) -> Result<i64, AppError> {
    let cal = calendar(&state.pool).await?;
    let accept_due = cal.add_working_days(now, ACCEPT_WORKING_DAYS);
    let mut tx = super::trading::begin_write(state).await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO complaints (filer_user_id, filer_name, filer_phone, against_kind, firm_id, owner_id, department_code, region_code, industry_code, \
         subject, body, file_id, status, accept_due_at, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, 'submitted', $13, $14, $14) RETURNING id",
    )
    .bind(c.filer_user_id)
    .bind(&c.filer_name)
    .bind(&c.filer_phone)
    .bind(c.against.as_str())
    .bind(c.firm_id)
    .bind(c.owner_id)
    .bind(&c.department_code)
    .bind(&c.region_code)
    .bind(&c.industry_code)
    .bind(&c.subject)
    .bind(&c.body)
    .bind(c.file_id)
    .bind(accept_due)
    .bind(now)
    .fetch_one(&mut *tx)
    .await?;
    event(&mut tx, id, now, "submitted", c.filer_user_id, "").await?;
    tx.commit().await?;
    Ok(id)
}

/// Called inside `act_on_objection` when a firm escalates objection
/// `objection_id` by user `actor`: a complaint against the procurement's owner,
/// routed to the procurement's region and industry, accepted at once.
pub async fn on_objection_escalated(tx: &mut Tx<'_>, objection_id: i64, actor: i64, cal: &crate::domain::calendar::WorkCalendar, now: i64) -> Result<i64, sqlx::Error> {
    let (procurement_id, owner_id, region, industry, title, reason, file_id): (i64, i64, String, String, String, String, Option<i64>) = sqlx::query_as(
        "SELECT p.id, p.owner_id, p.region_code, p.industry_code, p.title, o.reason, o.file_id \
         FROM objections o JOIN procurements p ON p.id = o.procurement_id WHERE o.id = $1",
    )
    .bind(objection_id)
    .fetch_one(&mut **tx)
    .await?;
    let subject: String = format!("质疑升级:{title}").chars().take(complaint::SUBJECT_LEN.1).collect();
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO complaints (filer_user_id, against_kind, owner_id, procurement_id, objection_id, region_code, industry_code, subject, body, file_id, \
         status, accept_due_at, decide_due_at, accepted_at, created_at, updated_at) \
         VALUES ($1, 'owner', $2, $3, $4, $5, $6, $7, $8, $9, 'accepted', $10, $11, $10, $10, $10) RETURNING id",
    )
    .bind(actor)
    .bind(owner_id)
    .bind(procurement_id)
    .bind(objection_id)
    .bind(&region)
    .bind(&industry)
    .bind(&subject)
    .bind(&reason)
    .bind(file_id)
    .bind(now)
    .bind(cal.add_working_days(now, DECIDE_WORKING_DAYS))
    .fetch_one(&mut **tx)
    .await?;
    event(tx, id, now, "escalated", Some(actor), &objection_id.to_string()).await?;
    event(tx, id, now, "accepted", None, "").await?;
    Ok(id)
}

/// Called inside `act_on_objection` when the regulator decides the objection:
/// the linked complaint (if any, still accepted) is decided the same way.
pub async fn on_objection_decided(tx: &mut Tx<'_>, objection_id: i64, upheld: bool, reason: &str, actor: i64, now: i64) -> Result<(), sqlx::Error> {
    let ids: Vec<(i64,)> = sqlx::query_as("SELECT id FROM complaints WHERE objection_id = $1 AND status = 'accepted'").bind(objection_id).fetch_all(&mut **tx).await?;
    let decision = if upheld { "upheld" } else { "dismissed" };
    for (id,) in ids {
        sqlx::query(
            "UPDATE complaints SET status = 'decided', decision = $2, decision_reason = $3, decided_by = $4, decided_at = $5, updated_at = $5 \
             WHERE id = $1 AND status = 'accepted'",
        )
        .bind(id)
        .bind(decision)
        .bind(reason)
        .bind(actor)
        .bind(now)
        .execute(&mut **tx)
        .await?;
        event(tx, id, now, decision, Some(actor), reason).await?;
    }
    Ok(())
}

/// Where a complaint is routed and how it stands (for authorisation and acting).
#[derive(sqlx::FromRow)]
pub struct Routing {
    pub id: i64,
    pub filer_user_id: Option<i64>,
    pub region_code: String,
    pub industry_code: String,
    pub status: String,
    pub objection_id: Option<i64>,
}

pub async fn routing(pool: &Pool, id: i64) -> Result<Option<Routing>, sqlx::Error> {
    sqlx::query_as("SELECT id, filer_user_id, region_code, industry_code, status, objection_id FROM complaints WHERE id = $1").bind(id).fetch_optional(pool).await
}

/// Accept or decline a submitted complaint (not one from an objection:
/// those are decided through the objection). Conditional on the status read.
pub async fn accept_or_decline(state: &AppState, id: i64, action: ComplaintAction, reason: &str, actor: i64, now: i64) -> Result<(), AppError> {
    let cal = calendar(&state.pool).await?;
    let mut tx = super::trading::begin_write(state).await?;
    let status: Option<String> = sqlx::query_scalar("SELECT status FROM complaints WHERE id = $1").bind(id).fetch_optional(&mut *tx).await?;
    let from = status.as_deref().and_then(ComplaintStatus::parse).ok_or(AppError::NotFound)?;
    let to = complaint::transition(from, action).ok_or(AppError::invalid("action", "complaints.wrong_state"))?;
    let done = match action {
        ComplaintAction::Accept => sqlx::query(
            "UPDATE complaints SET status = $2, accepted_at = $3, decide_due_at = $4, updated_at = $3 WHERE id = $1 AND status = 'submitted'",
        )
        .bind(id)
        .bind(to.as_str())
        .bind(now)
        .bind(cal.add_working_days(now, DECIDE_WORKING_DAYS))
        .execute(&mut *tx)
        .await?,
        ComplaintAction::Decline => sqlx::query("UPDATE complaints SET status = $2, declined_reason = $3, decided_by = $4, updated_at = $5 WHERE id = $1 AND status = 'submitted'")
            .bind(id)
            .bind(to.as_str())
            .bind(reason)
            .bind(actor)
            .bind(now)
            .execute(&mut *tx)
            .await?,
        _ => return Err(AppError::invalid("action", "complaints.wrong_state")),
    };
    if done.rows_affected() != 1 {
        return Err(AppError::invalid("action", "complaints.wrong_state"));
    }
    event(&mut tx, id, now, to_kind(action), Some(actor), reason).await?;
    tx.commit().await?;
    Ok(())
}

fn to_kind(a: ComplaintAction) -> &'static str {
    match a {
        ComplaintAction::Accept => "accepted",
        ComplaintAction::Decline => "declined",
        ComplaintAction::Uphold => "upheld",
        ComplaintAction::Dismiss => "dismissed",
    }
}

/// Decide an accepted complaint (one not linked to an objection).
pub async fn decide(state: &AppState, id: i64, upheld: bool, reason: &str, actor: i64, now: i64) -> Result<(), AppError> {
    let mut tx = super::trading::begin_write(state).await?;
    let status: Option<String> = sqlx::query_scalar("SELECT status FROM complaints WHERE id = $1").bind(id).fetch_optional(&mut *tx).await?;
    let from = status.as_deref().and_then(ComplaintStatus::parse).ok_or(AppError::NotFound)?;
    let action = if upheld { ComplaintAction::Uphold } else { ComplaintAction::Dismiss };
    complaint::transition(from, action).ok_or(AppError::invalid("action", "complaints.wrong_state"))?;
    let done = sqlx::query(
        "UPDATE complaints SET status = 'decided', decision = $2, decision_reason = $3, decided_by = $4, decided_at = $5, updated_at = $5 \
         WHERE id = $1 AND status = 'accepted'",
    )
    .bind(id)
    .bind(if upheld { "upheld" } else { "dismissed" })
    .bind(reason)
    .bind(actor)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    if done.rows_affected() != 1 {
        return Err(AppError::invalid("action", "complaints.wrong_state"));
    }
    event(&mut tx, id, now, to_kind(action), Some(actor), reason).await?;
    // the outcome feeds the firm's credit score
    let firm: Option<i64> = sqlx::query_scalar("SELECT firm_id FROM complaints WHERE id = $1 AND against_kind = 'firm'").bind(id).fetch_one(&mut *tx).await?;
    if let Some(firm_id) = firm {
        super::credit::recompute(&mut tx, firm_id, now).await?;
    }
    tx.commit().await?;
    Ok(())
}

const ROW_SELECT: &str = "SELECT c.id, c.subject, c.against_kind, \
     COALESCE(f.name, o.name, d.name, '') AS against_name, COALESCE(r.name, c.region_code) AS region_name, COALESCE(i.name, c.industry_code) AS industry_name, \
     c.status, c.accept_due_at, c.decide_due_at, c.decision, c.objection_id, c.created_at \
     FROM complaints c LEFT JOIN firms f ON f.id = c.firm_id LEFT JOIN owners o ON o.id = c.owner_id \
     LEFT JOIN departments d ON d.code = c.department_code LEFT JOIN regions r ON r.code = c.region_code \
     LEFT JOIN industries i ON i.code = c.industry_code";

/// The filer's own complaints, newest first.
pub async fn list_for_filer(pool: &Pool, user_id: i64, page: u32, per_page: u32) -> Result<(Vec<ComplaintRow>, u64), sqlx::Error> {
    let total: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM complaints WHERE filer_user_id = $1").bind(user_id).fetch_one(pool).await?;
    let rows = sqlx::query_as::<_, ComplaintRow>(&format!("{ROW_SELECT} WHERE c.filer_user_id = $1 ORDER BY c.created_at DESC, c.id DESC LIMIT $2 OFFSET $3"))
        .bind(user_id)
        .bind(per_page as i64)
        .bind((page.saturating_sub(1) * per_page) as i64)
        .fetch_all(pool)
        .await?;
    Ok((rows, total.max(0) as u64))
}

/// The `LIKE` pattern for complaints inside region `scope` ("51%" for the province).
pub fn region_pattern(scope: &str) -> String {
    match region::level(scope) {
        Some(RegionLevel::Province) => format!("{}%", &scope[..2]),
        Some(RegionLevel::City) => format!("{}%", &scope[..4]),
        _ => scope.to_string(),
    }
}

/// A regulator's queue: complaints of `industry` (None: any) within region
/// pattern `region` (None: all); `open_only`: submitted or accepted. Open ones
/// first, by the nearest due time.
pub async fn queue(pool: &Pool, region: Option<&str>, industry: Option<&str>, open_only: bool, page: u32, per_page: u32) -> Result<(Vec<ComplaintRow>, u64), sqlx::Error> {
    let open = if open_only { " AND c.status IN ('submitted', 'accepted')" } else { "" };
    let filter = format!("WHERE c.region_code LIKE $1 AND ($2 = '' OR c.industry_code = $2){open}");
    let region = region.unwrap_or("%").to_string();
    let industry = industry.unwrap_or("").to_string();
    let total: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM complaints c {filter}")).bind(&region).bind(&industry).fetch_one(pool).await?;
    let rows = sqlx::query_as::<_, ComplaintRow>(&format!(
        "{ROW_SELECT} {filter} ORDER BY CASE WHEN c.status IN ('submitted', 'accepted') THEN 0 ELSE 1 END, \
         CASE WHEN c.status = 'accepted' THEN c.decide_due_at ELSE c.accept_due_at END, c.id LIMIT $3 OFFSET $4"
    ))
    .bind(&region)
    .bind(&industry)
    .bind(per_page as i64)
    .bind((page.saturating_sub(1) * per_page) as i64)
    .fetch_all(pool)
    .await?;
    Ok((rows, total.max(0) as u64))
}

/// One complaint with its history (the caller checked access).
pub async fn detail(pool: &Pool, id: i64, can_act: bool, now: i64) -> Result<Option<ComplaintDetail>, sqlx::Error> {
    let Some(row) = sqlx::query_as::<_, ComplaintRow>(&format!("{ROW_SELECT} WHERE c.id = $1")).bind(id).fetch_optional(pool).await? else {
        return Ok(None);
    };
    type Extra = (String, Option<String>, Option<String>, Option<String>, Option<i64>, Option<String>, Option<i64>, Option<String>, Option<String>, Option<i64>);
    let (body, filer_name, filer_phone, procurement_code, file_id, file_name, accepted_at, declined_reason, decision_reason, decided_at): Extra = sqlx::query_as(
        "SELECT c.body, c.filer_name, c.filer_phone, p.code, c.file_id, fl.original_name, c.accepted_at, c.declined_reason, c.decision_reason, c.decided_at \
         FROM complaints c LEFT JOIN procurements p ON p.id = c.procurement_id LEFT JOIN files fl ON fl.id = c.file_id WHERE c.id = $1",
    )
    .bind(id)
    .fetch_one(pool)
    .await?;
    let events = sqlx::query_as::<_, ComplaintEvent>("SELECT at, kind, detail FROM complaint_events WHERE complaint_id = $1 ORDER BY at, id")
        .bind(id)
        .fetch_all(pool)
        .await?;
    Ok(Some(ComplaintDetail {
        row,
        body,
        filer_name,
        filer_phone,
        procurement_code,
        file_id,
        file_name,
        accepted_at,
        declined_reason,
        decision_reason,
        decided_at,
        events,
        can_act,
        now,
    }))
}

/// Whether `reader` may download `file_id` as the attachment of a complaint:
/// the regulator the complaint is routed to (operators and administrators
/// already read every file; the filer is its uploader). For the `/files/{id}`
/// route, next to `contracts::work::may_read_attachment`.
pub async fn may_read_attachment(pool: &Pool, file_id: i64, reader: Option<crate::domain::files::Reader>) -> Result<bool, sqlx::Error> {
    let Some(r) = reader else { return Ok(false) };
    let routes: Vec<(String, String)> =
        sqlx::query_as("SELECT region_code, industry_code FROM complaints WHERE file_id = $1").bind(file_id).fetch_all(pool).await?;
    if routes.is_empty() {
        return Ok(false);
    }
    let scope: Option<(Option<String>, Option<String>)> =
        sqlx::query_as("SELECT region_code, industry_code FROM users WHERE id = $1").bind(r.user_id).fetch_optional(pool).await?;
    let Some((region_code, industry_code)) = scope else { return Ok(false) };
    let s = crate::domain::authz::Scope { role: r.role, firm_id: r.firm_id, owner_id: r.owner_id, region_code: region_code.as_deref(), industry_code: industry_code.as_deref() };
    Ok(routes.iter().any(|(region, industry)| s.role == crate::domain::accounts::Role::Regulator && s.reaches(region, Some(industry))))
}
