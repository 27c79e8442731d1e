//! Announcements: drafts, publication, cancellation, lists and the public page.
use super::{event, load_locked, new_draw_secret, ProcRow};
use crate::db::sql::Sql;
use crate::db::Pool;
use crate::domain::announcement::Checked;
use crate::domain::draw::PublishedDraw;
use crate::domain::eligibility::Requirements;
use crate::domain::paging::Page;
use crate::error::AppError;
use crate::model::trading::*;
use crate::state::AppState;

/// Where a draft goes: item id and industry, region, stored requirements.
pub struct DraftTarget {
    pub item_id: i64,
    pub industry_code: String,
    pub region_code: String,
    pub requirements: Requirements,
}

/// Creates a draft; returns its code (`ZJ` + `YYYYMM` + a 5-digit sequence).
pub async fn create_draft(pool: &Pool, owner_id: i64, user_id: i64, c: &Checked, t: &DraftTarget, now: i64) -> Result<String, sqlx::Error> {
    let date = crate::domain::time::date_shanghai(now);
    let month = format!("{}{}", &date[..4], &date[5..7]);
    for attempt in 0..8 {
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM procurements WHERE code LIKE $1").bind(format!("ZJ{month}%")).fetch_one(pool).await?;
        let code = format!("ZJ{month}{:05}", n + 1 + attempt);
        let r = sqlx::query(
            "INSERT INTO procurements (code, title, owner_id, item_id, region_code, industry_code, funding, budget_fen, method, status, \
             service_days, deadline_at, created_at, updated_at, project_code, scope, requirements, method_params, contact_name, contact_phone, \
             min_participants, created_by) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'draft', $10, $11, $12, $12, $13, $14, $15, $16, $17, $18, $19, $20)",
        )
        .bind(&code)
        .bind(&c.title)
        .bind(owner_id)
        .bind(t.item_id)
        .bind(&t.region_code)
        .bind(&t.industry_code)
        .bind(c.funding.as_str())
        .bind(c.budget.0)
        .bind(c.method.as_str())
        .bind(c.service_days)
        .bind(c.deadline_ms)
        .bind(now)
        .bind(&c.project_code)
        .bind(&c.scope)
        .bind(serde_json::to_string(&t.requirements).unwrap_or_default())
        .bind(serde_json::to_string(&c.params).unwrap_or_default())
        .bind(&c.contact_name)
        .bind(&c.contact_phone)
        .bind(3_i64)
        .bind(user_id)
        .execute(pool)
        .await;
        match r {
            Ok(_) => return Ok(code),
            Err(sqlx::Error::Database(e)) if e.is_unique_violation() => continue,
            Err(e) => return Err(e),
        }
    }
    Err(sqlx::Error::Protocol("no free announcement code".into()))
}

/// Rewrites a draft's fields.
pub async fn update_draft(pool: &Pool, id: i64, c: &Checked, t: &DraftTarget, now: i64) -> Result<bool, sqlx::Error> {
    Ok(sqlx::query(
        "UPDATE procurements SET title = $2, item_id = $3, region_code = $4, industry_code = $5, funding = $6, budget_fen = $7, method = $8, \
         service_days = $9, deadline_at = $10, updated_at = $11, project_code = $12, scope = $13, requirements = $14, method_params = $15, \
         contact_name = $16, contact_phone = $17 WHERE id = $1 AND status = 'draft'",
    )
    .bind(id)
    .bind(&c.title)
    .bind(t.item_id)
    .bind(&t.region_code)
    .bind(&t.industry_code)
    .bind(c.funding.as_str())
    .bind(c.budget.0)
    .bind(c.method.as_str())
    .bind(c.service_days)
    .bind(c.deadline_ms)
    .bind(now)
    .bind(&c.project_code)
    .bind(&c.scope)
    .bind(serde_json::to_string(&t.requirements).unwrap_or_default())
    .bind(serde_json::to_string(&c.params).unwrap_or_default())
    .bind(&c.contact_name)
    .bind(&c.contact_phone)
    .execute(pool)
    .await?
    .rows_affected()
        > 0)
}

/// Publishes a draft (not direct selection): the draw commitment is fixed now.
pub async fn publish(state: &AppState, id: i64, min_participants: u32, actor: i64, now: i64) -> Result<(), AppError> {
    let mut tx = super::begin_write(state).await?;
    let p = load_locked(&mut tx, state, id).await?.ok_or(AppError::NotFound)?;
    if p.status != "draft" {
        return Err(AppError::invalid("status", "trading.not_draft"));
    }
    let (commitment, sealed) = new_draw_secret(state, &p.code);
    sqlx::query(
        "UPDATE procurements SET status = 'published', published_at = $2, updated_at = $2, draw_commitment = $3, draw_secret_sealed = $4, \
         min_participants = $5 WHERE id = $1 AND status = 'draft'",
    )
    .bind(id)
    .bind(now)
    .bind(&commitment)
    .bind(&sealed)
    .bind(min_participants as i64)
    .execute(&mut *tx)
    .await?;
    event(&mut tx, id, now, "published", Some(actor), &commitment).await?;
    tx.commit().await?;
    Ok(())
}

/// Cancels before an award, with a public reason.
pub async fn cancel(state: &AppState, id: i64, reason: &str, actor: i64, now: i64) -> Result<(), AppError> {
    let mut tx = super::begin_write(state).await?;
    let p = load_locked(&mut tx, state, id).await?.ok_or(AppError::NotFound)?;
    if !matches!(p.status.as_str(), "draft" | "published" | "closed") {
        return Err(AppError::invalid("status", "trading.cannot_cancel"));
    }
    sqlx::query("UPDATE procurements SET status = 'cancelled', cancel_reason = $2, updated_at = $3 WHERE id = $1")
        .bind(id)
        .bind(reason)
        .bind(now)
        .execute(&mut *tx)
        .await?;
    event(&mut tx, id, now, "cancelled", Some(actor), reason).await?;
    tx.commit().await?;
    Ok(())
}

const ROW_COLUMNS: &str = "p.code, p.title, s.name AS item_name, r.name AS region_name, p.method, p.status, p.funding, p.budget_fen, \
     p.published_at, p.deadline_at, \
     (SELECT COUNT(*) FROM participations pa WHERE pa.procurement_id = p.id AND pa.status = 'registered') AS participant_count";

pub(crate) fn push_filters(sql: &mut Sql, q: &AnnouncementQuery, firm_id: Option<i64>, now: i64) {
    // public: published once (a draft cancelled before publication never was)
    sql.push(" WHERE p.published_at IS NOT NULL AND p.status <> 'draft'");
    let text = q.q.trim();
    if !text.is_empty() {
        let like = format!("%{}%", crate::db::catalogue::escape_like(text));
        sql.push(" AND (p.title LIKE ").bind(like.clone()).push(" ESCAPE '\\' OR p.code LIKE ").bind(like).push(" ESCAPE '\\')");
    }
    if !q.region.is_empty() {
        sql.push(" AND p.region_code LIKE ").bind(format!("{}%", q.region.trim_end_matches('0')));
    }
    if !q.industry.is_empty() {
        sql.push(" AND p.industry_code = ").bind(q.industry.clone());
    }
    if !q.method.is_empty() {
        sql.push(" AND p.method = ").bind(q.method.clone());
    }
    match q.status.as_str() {
        "" => {}
        "open" => {
            sql.push(" AND p.status = 'published' AND p.deadline_at > ").bind(now);
        }
        s => {
            sql.push(" AND p.status = ").bind(s.to_string());
        }
    }
    if let Some(firm) = firm_id {
        sql.push(" AND p.item_id IN (SELECT item_id FROM firm_items WHERE firm_id = ").bind(firm).push(")");
    }
}

/// Public announcements, newest first; `firm_id`: only items in that firm's scope.
pub async fn list(pool: &Pool, q: &AnnouncementQuery, per_page: u32, firm_id: Option<i64>, now: i64) -> Result<Page<AnnouncementRow>, sqlx::Error> {
    let page = q.page.max(1);
    let mut count = Sql::new("SELECT COUNT(*) FROM procurements p");
    push_filters(&mut count, q, firm_id, now);
    let total: (i64,) = count.query_as().fetch_one(pool).await?;
    let mut sql = Sql::new(&format!(
        "SELECT {ROW_COLUMNS} FROM procurements p JOIN service_items s ON s.id = p.item_id JOIN regions r ON r.code = p.region_code"
    ));
    push_filters(&mut sql, q, firm_id, now);
    sql.push(" ORDER BY p.published_at DESC, p.id DESC LIMIT ").bind(per_page as i64).push(" OFFSET ").bind(((page - 1) * per_page) as i64);
    let items = sql.query_as::<AnnouncementRow>().fetch_all(pool).await?;
    Ok(Page { items, page, per_page, total: total.0 as u64 })
}

/// An owner's announcements, drafts included, newest first.
pub async fn owner_list(pool: &Pool, owner_id: i64) -> Result<Vec<AnnouncementRow>, sqlx::Error> {
    sqlx::query_as::<_, AnnouncementRow>(&format!(
        "SELECT {ROW_COLUMNS} FROM procurements p JOIN service_items s ON s.id = p.item_id JOIN regions r ON r.code = p.region_code \
         WHERE p.owner_id = $1 ORDER BY p.created_at DESC, p.id DESC LIMIT 200"
    ))
    .bind(owner_id)
    .fetch_all(pool)
    .await
}

/// A firm's participations, newest first.
pub async fn firm_participations(pool: &Pool, firm_id: i64) -> Result<Vec<ParticipationRow>, sqlx::Error> {
    sqlx::query_as::<_, ParticipationRow>(
        "SELECT p.code, p.title, p.method, p.status, pa.status AS participation, p.deadline_at, \
         (SELECT c.status FROM candidates c WHERE c.procurement_id = p.id AND c.firm_id = pa.firm_id) AS candidate_status \
         FROM participations pa JOIN procurements p ON p.id = pa.procurement_id WHERE pa.firm_id = $1 \
         ORDER BY pa.registered_at DESC LIMIT 200",
    )
    .bind(firm_id)
    .fetch_all(pool)
    .await
}

/// Escalated objections in a regulator's reach (`region_prefix`, `industry`; `None`: all).
pub async fn escalated_objections(pool: &Pool, region_prefix: Option<&str>, industry: Option<&str>) -> Result<Vec<(EscalatedObjection, String, String)>, sqlx::Error> {
    let rows: Vec<(i64, String, String, String, String, Option<String>, Option<i64>, String, String)> = sqlx::query_as(
        "SELECT o.id, p.code, p.title, f.name, o.reason, o.answer, o.escalated_at, p.region_code, p.industry_code \
         FROM objections o JOIN procurements p ON p.id = o.procurement_id JOIN firms f ON f.id = o.firm_id \
         WHERE o.status = 'escalated' ORDER BY o.escalated_at",
    )
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .filter(|r| region_prefix.is_none_or(|pre| r.7.starts_with(pre)) && industry.is_none_or(|i| r.8 == i))
        .map(|(id, code, title, firm_name, reason, answer, escalated_at, region, industry)| {
            (EscalatedObjection { id, code, title, firm_name, reason, answer, escalated_at }, region, industry)
        })
        .collect())
}

/// The public page of an announcement: no sealed value, no registrant before the deadline.
pub async fn detail(pool: &Pool, p: &ProcRow, now: i64) -> Result<Announcement, sqlx::Error> {
    let (owner_name, item_code, item_name, region_name, industry_name, cancel_reason, contact_name, contact_phone, project_code, scope): (
        String,
        String,
        String,
        String,
        String,
        Option<String>,
        String,
        String,
        String,
        String,
    ) = sqlx::query_as(
        "SELECT o.name, s.code, s.name, r.name, i.name, p.cancel_reason, p.contact_name, p.contact_phone, p.project_code, p.scope \
         FROM procurements p JOIN owners o ON o.id = p.owner_id JOIN service_items s ON s.id = p.item_id \
         JOIN regions r ON r.code = p.region_code JOIN industries i ON i.code = p.industry_code WHERE p.id = $1",
    )
    .bind(p.id)
    .fetch_one(pool)
    .await?;
    let requirements = p.requirements();
    let mut type_names = Vec::new();
    for q in &requirements.qualifications {
        let name: Option<String> = sqlx::query_scalar("SELECT name FROM qualification_types WHERE code = $1").bind(&q.type_code).fetch_optional(pool).await?;
        type_names.push((q.type_code.clone(), name.unwrap_or_default()));
    }
    let participant_count = super::participant_count(pool, p.id).await?;
    let draw_rows: Vec<(String, String, String, String, String, String, i64)> = sqlx::query_as(
        "SELECT purpose, draw_code, registrants, registrant_hash, seed, ranking, drawn_at FROM draws WHERE procurement_id = $1 ORDER BY id",
    )
    .bind(p.id)
    .fetch_all(pool)
    .await?;
    let draws = draw_rows
        .into_iter()
        .map(|(purpose, draw_code, registrants, registrant_hash, seed, ranking, drawn_at)| DrawView {
            purpose,
            drawn_at,
            draw: PublishedDraw {
                procurement_code: draw_code,
                commitment: p.draw_commitment.clone().unwrap_or_default(),
                secret: p.draw_secret.clone().unwrap_or_default(),
                registrants: serde_json::from_str(&registrants).unwrap_or_default(),
                registrant_hash,
                seed,
                ranking: serde_json::from_str(&ranking).unwrap_or_default(),
            },
        })
        .collect();
    // Opened quotes are shown only once the deadline has passed (never while
    // published); sealed_quotes is never read here.
    let after_deadline = p.opened_at.is_some() || matches!(p.status.as_str(), "closed" | "selected" | "failed");
    let quotes = if !after_deadline { vec![] } else { sqlx::query_as::<_, OpenedQuoteView>(
        "SELECT f.name AS firm_name, f.credit_code, q.amount_fen, q.submitted_at, q.salt, q.receipt, \
         q.abnormal, q.justification, q.justification_decision \
         FROM quotes q JOIN firms f ON f.id = q.firm_id WHERE q.procurement_id = $1 ORDER BY q.amount_fen, f.credit_code",
    )
    .bind(p.id)
    .fetch_all(pool)
    .await? };
    let merit = match (&p.params().merit, p.method()) {
        (Some(c), crate::domain::procurement::SelectionMethod::Merit) if p.status != "published" && p.status != "draft" => {
            let inputs = super::merit_inputs(pool, p.id).await?;
            let panel = inputs.first().map(|i| i.panel_scores.len()).unwrap_or(0);
            let done: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM candidates WHERE procurement_id = $1").bind(p.id).fetch_one(pool).await?;
            if done > 0 && panel > 0 {
                let names: std::collections::HashMap<String, (String, i64)> = quotes.iter().map(|q| (q.credit_code.clone(), (q.firm_name.clone(), q.amount_fen))).collect();
                crate::domain::merit::score(c, &inputs)
                    .map(|rs| {
                        rs.into_iter()
                            .map(|r| MeritRow {
                                firm_name: names.get(&r.firm).map(|n| n.0.clone()).unwrap_or_default(),
                                amount_fen: names.get(&r.firm).map(|n| n.1).unwrap_or_default(),
                                credit_code: r.firm,
                                price_centi: r.price_centi,
                                quality_centi: r.quality_centi,
                                total_centi: r.total_centi,
                            })
                            .collect()
                    })
                    .unwrap_or_default()
            } else {
                vec![]
            }
        }
        _ => vec![],
    };
    let candidates = sqlx::query_as::<_, CandidateView>(
        "SELECT c.rank, f.name AS firm_name, f.credit_code, c.amount_fen, c.score_centi, c.status, c.reason \
         FROM candidates c JOIN firms f ON f.id = c.firm_id WHERE c.procurement_id = $1 ORDER BY c.rank",
    )
    .bind(p.id)
    .fetch_all(pool)
    .await?;
    let award = sqlx::query_as::<_, AwardView>(
        "SELECT f.name AS firm_name, f.credit_code, a.amount_fen, a.reason, a.status, a.rank, a.awarded_at, a.publicity_ends_at, \
         a.confirm_due_at, a.confirmed_at, a.final_at FROM awards a JOIN firms f ON f.id = a.firm_id WHERE a.procurement_id = $1",
    )
    .bind(p.id)
    .fetch_optional(pool)
    .await?;
    let objections = sqlx::query_as::<_, ObjectionView>(
        "SELECT o.id, f.name AS firm_name, o.status, o.reason, o.file_id, o.answer, o.decision, o.decision_reason, o.filed_at, \
         o.answer_due_at, o.answered_at, o.reply_due_at, o.resolved_at FROM objections o JOIN firms f ON f.id = o.firm_id \
         WHERE o.procurement_id = $1 AND o.status <> 'draft' ORDER BY o.id",
    )
    .bind(p.id)
    .fetch_all(pool)
    .await?;
    let events = sqlx::query_as::<_, EventView>("SELECT at, kind, detail FROM procurement_events WHERE procurement_id = $1 ORDER BY at, id")
        .bind(p.id)
        .fetch_all(pool)
        .await?;
    Ok(Announcement {
        code: p.code.clone(),
        title: p.title.clone(),
        project_code,
        owner_name,
        item_code,
        item_name,
        region_code: p.region_code.clone(),
        region_name,
        industry_name,
        funding: p.funding.clone(),
        method: p.method.clone(),
        status: p.status.clone(),
        budget_fen: p.budget_fen,
        service_days: p.service_days,
        scope,
        requirements,
        type_names,
        params: p.params(),
        contact_name,
        contact_phone,
        min_participants: p.min_participants,
        published_at: p.published_at,
        deadline_at: p.deadline_at,
        closed_at: p.closed_at,
        opened_at: p.opened_at,
        cancel_reason,
        participant_count,
        draw_commitment: p.draw_commitment.clone(),
        draws,
        quotes,
        merit,
        candidates,
        award,
        objections,
        events,
        now_ms: now,
    })
}

/// The form of a draft, for editing.
pub async fn form_of(pool: &Pool, p: &ProcRow) -> Result<AnnouncementForm, sqlx::Error> {
    let a = detail(pool, p, 0).await?;
    let params = p.params();
    let reqs = &a.requirements.qualifications;
    let req = |i: usize| reqs.get(i).map(|r| (r.type_code.clone(), r.min_grade.clone().unwrap_or_default())).unwrap_or_default();
    let (req_type_1, req_grade_1) = req(0);
    let (req_type_2, req_grade_2) = req(1);
    let (req_type_3, req_grade_3) = req(2);
    Ok(AnnouncementForm {
        title: a.title,
        project_code: a.project_code,
        item_code: a.item_code,
        region_code: a.region_code,
        funding: a.funding,
        budget: crate::domain::money::Fen(a.budget_fen).yuan_string().replace(',', ""),
        scope: a.scope,
        match_mode: a.requirements.mode.as_str().to_string(),
        req_type_1,
        req_grade_1,
        req_type_2,
        req_grade_2,
        req_type_3,
        req_grade_3,
        service_days: a.service_days.to_string(),
        deadline: p.deadline_at.map(local_input).unwrap_or_default(),
        method: a.method,
        contact_name: a.contact_name,
        contact_phone: a.contact_phone,
        price_weight: params.merit.as_ref().map(|m| m.price_weight.to_string()).unwrap_or_default(),
        criteria: params.merit.as_ref().map(|m| m.quality.iter().map(|c| format!("{}:{}", c.name, c.max_points)).collect::<Vec<_>>().join("\n")).unwrap_or_default(),
        direct_firm: params.direct_firm.unwrap_or_default(),
        direct_reason: params.direct_reason.unwrap_or_default(),
    })
}

/// Epoch ms as `YYYY-MM-DDTHH:MM` in Asia/Shanghai (for `datetime-local` inputs).
pub fn local_input(ms: i64) -> String {
    crate::domain::time::format_shanghai(ms).replace(' ', "T")
}
