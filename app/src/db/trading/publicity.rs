//! After selection: the selected firm confirms or declines, result publicity
//! (公示) runs, objections (质疑) are filed, answered, escalated and decided, and
//! the award becomes final. A refusal or lapse moves the award to the next
//! candidate and stays on record (`candidates.status`) for credit (#6).
use super::{award_times, calendar, event, load_locked, ProcRow, Tx};
use crate::domain::objection::{self, ObjectionAction, ObjectionClock, ObjectionStatus, ANSWER_WORKING_DAYS, REPLY_WORKING_DAYS};
use crate::error::AppError;
use crate::state::AppState;

#[derive(sqlx::FromRow)]
struct AwardRow {
    firm_id: i64,
    status: String,
    rank: i64,
    publicity_ends_at: Option<i64>,
    confirm_due_at: Option<i64>,
    confirmed_at: Option<i64>,
}

async fn award_of(tx: &mut Tx<'_>, procurement_id: i64) -> Result<Option<AwardRow>, sqlx::Error> {
    sqlx::query_as("SELECT firm_id, status, rank, publicity_ends_at, confirm_due_at, confirmed_at FROM awards WHERE procurement_id = $1")
        .bind(procurement_id)
        .fetch_optional(&mut **tx)
        .await
}

/// The selected firm confirms it will serve.
pub async fn confirm(state: &AppState, id: i64, firm_id: i64, now: i64) -> Result<(), AppError> {
    let mut tx = super::begin_write(state).await?;
    let p = load_locked(&mut tx, state, id).await?.ok_or(AppError::NotFound)?;
    let a = award_of(&mut tx, p.id).await?.ok_or(AppError::invalid("award", "trading.not_selected"))?;
    if a.firm_id != firm_id || a.status != "publicity" || a.confirmed_at.is_some() {
        return Err(AppError::invalid("award", "trading.not_selected"));
    }
    if a.confirm_due_at.is_some_and(|d| now >= d) {
        return Err(AppError::invalid("award", "trading.confirm_lapsed"));
    }
    sqlx::query("UPDATE awards SET confirmed_at = $2 WHERE procurement_id = $1").bind(p.id).bind(now).execute(&mut *tx).await?;
    event(&mut tx, p.id, now, "confirmed", None, &a.rank.to_string()).await?;
    tx.commit().await?;
    Ok(())
}

/// The selected firm declines (with a reason); the next candidate is selected.
pub async fn decline(state: &AppState, id: i64, firm_id: i64, reason: &str, now: i64) -> Result<(), AppError> {
    let mut tx = super::begin_write(state).await?;
    let p = load_locked(&mut tx, state, id).await?.ok_or(AppError::NotFound)?;
    let a = award_of(&mut tx, p.id).await?.ok_or(AppError::invalid("award", "trading.not_selected"))?;
    if a.firm_id != firm_id || a.status != "publicity" || a.confirmed_at.is_some() {
        return Err(AppError::invalid("award", "trading.not_selected"));
    }
    move_to_next(&mut tx, state, &p, a.rank, "declined", reason, now).await?;
    tx.commit().await?;
    Ok(())
}

/// Marks the current candidate (`rank`) with `outcome` and selects the next
/// reserve; with none left the procurement fails.
pub(crate) async fn move_to_next(tx: &mut Tx<'_>, state: &AppState, p: &ProcRow, rank: i64, outcome: &str, reason: &str, now: i64) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE candidates SET status = $3, reason = $4, decided_at = $5 WHERE procurement_id = $1 AND rank = $2")
        .bind(p.id)
        .bind(rank)
        .bind(outcome)
        .bind(reason)
        .bind(now)
        .execute(&mut **tx)
        .await?;
    event(tx, p.id, now, outcome, None, &rank.to_string()).await?;
    let next: Option<(i64, i64, Option<i64>)> = sqlx::query_as(
        "SELECT rank, firm_id, amount_fen FROM candidates WHERE procurement_id = $1 AND status = 'reserve' ORDER BY rank LIMIT 1",
    )
    .bind(p.id)
    .fetch_optional(&mut **tx)
    .await?;
    match next {
        Some((next_rank, firm_id, amount)) => {
            sqlx::query("UPDATE candidates SET status = 'selected' WHERE procurement_id = $1 AND rank = $2").bind(p.id).bind(next_rank).execute(&mut **tx).await?;
            let (publicity_ends, confirm_due) = award_times(tx, state, now).await?;
            sqlx::query(
                "UPDATE awards SET firm_id = $2, amount_fen = $3, rank = $4, awarded_at = $5, status = 'publicity', \
                 publicity_ends_at = $6, confirm_due_at = $7, confirmed_at = NULL WHERE procurement_id = $1",
            )
            .bind(p.id)
            .bind(firm_id)
            .bind(amount.unwrap_or(p.budget_fen))
            .bind(next_rank)
            .bind(now)
            .bind(publicity_ends)
            .bind(confirm_due)
            .execute(&mut **tx)
            .await?;
            event(tx, p.id, now, "selected", None, &next_rank.to_string()).await
        }
        None => {
            sqlx::query("UPDATE awards SET status = 'void' WHERE procurement_id = $1").bind(p.id).execute(&mut **tx).await?;
            sqlx::query("UPDATE procurements SET status = 'failed', updated_at = $2 WHERE id = $1").bind(p.id).bind(now).execute(&mut **tx).await?;
            event(tx, p.id, now, "failed", None, "no_candidate_left").await
        }
    }
}

/// Time-driven steps: unconfirmed awards lapse; answered objections nobody
/// escalated resolve; awards whose publicity ended with nothing standing become final.
pub async fn advance_awards(state: &AppState, now: i64) -> Result<u32, sqlx::Error> {
    let mut moved = 0;
    // answered objections: silence accepts the answer
    moved += sqlx::query("UPDATE objections SET status = 'resolved', resolved_at = $1, updated_at = $1 WHERE status = 'answered' AND reply_due_at <= $1")
        .bind(now)
        .execute(&state.pool)
        .await?
        .rows_affected() as u32;
    let lapsed: Vec<(i64,)> = sqlx::query_as(
        "SELECT procurement_id FROM awards WHERE status = 'publicity' AND confirmed_at IS NULL AND confirm_due_at <= $1 LIMIT 50",
    )
    .bind(now)
    .fetch_all(&state.pool)
    .await?;
    for (id,) in lapsed {
        let mut tx = super::begin_write(state).await?;
        let Some(p) = load_locked(&mut tx, state, id).await? else { continue };
        match award_of(&mut tx, id).await? {
            Some(a) if a.status == "publicity" && a.confirmed_at.is_none() && a.confirm_due_at.is_some_and(|d| d <= now) => {
                move_to_next(&mut tx, state, &p, a.rank, "lapsed", "", now).await?;
                tx.commit().await?;
                super::notify(state, &p.code, "award").await;
                moved += 1;
            }
            _ => {}
        }
    }
    let ending: Vec<(i64,)> = sqlx::query_as(
        "SELECT a.procurement_id FROM awards a WHERE a.status = 'publicity' AND a.confirmed_at IS NOT NULL AND a.publicity_ends_at <= $1 \
         AND NOT EXISTS (SELECT 1 FROM objections o WHERE o.procurement_id = a.procurement_id AND o.status IN ('claim', 'answered', 'escalated')) LIMIT 50",
    )
    .bind(now)
    .fetch_all(&state.pool)
    .await?;
    for (id,) in ending {
        let mut tx = super::begin_write(state).await?;
        let Some(p) = load_locked(&mut tx, state, id).await? else { continue };
        let Some(a) = award_of(&mut tx, id).await? else { continue };
        let standing: Vec<(String,)> = sqlx::query_as("SELECT status FROM objections WHERE procurement_id = $1").bind(id).fetch_all(&mut *tx).await?;
        let statuses: Vec<ObjectionStatus> = standing.iter().filter_map(|(s,)| ObjectionStatus::parse(s)).collect();
        if a.status == "publicity" && a.confirmed_at.is_some() && objection::award_final(now, a.publicity_ends_at.unwrap_or(now), &statuses) {
            sqlx::query("UPDATE awards SET status = 'final', final_at = $2 WHERE procurement_id = $1 AND status = 'publicity'")
                .bind(id)
                .bind(now)
                .execute(&mut *tx)
                .await?;
            event(&mut tx, id, now, "final", None, "").await?;
            crate::db::contracts::generate(&mut tx, state, id, now).await?;
            tx.commit().await?;
            super::notify(state, &p.code, "award").await;
            moved += 1;
        }
    }
    Ok(moved)
}

#[derive(sqlx::FromRow)]
struct ObjectionRow {
    id: i64,
    procurement_id: i64,
    firm_id: i64,
    status: String,
    answer_due_at: Option<i64>,
}

async fn objection_row(tx: &mut Tx<'_>, id: i64) -> Result<ObjectionRow, AppError> {
    sqlx::query_as::<_, ObjectionRow>("SELECT id, procurement_id, firm_id, status, answer_due_at FROM objections WHERE id = $1")
        .bind(id)
        .fetch_optional(&mut **tx)
        .await?
        .ok_or(AppError::NotFound)
}

fn refused(r: objection::ObjectionRefusal) -> AppError {
    AppError::invalid("objection", r.message_key())
}

/// Why `firm_id` may not object to `p` now (not a participant, publicity
/// over), as the field error `file_objection` would give.
async fn objection_refusal(tx: &mut Tx<'_>, p: &ProcRow, firm_id: i64, now: i64) -> Result<ObjectionStatus, AppError> {
    let took_part: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM participations WHERE procurement_id = $1 AND firm_id = $2 AND status = 'registered'")
        .bind(p.id)
        .bind(firm_id)
        .fetch_one(&mut **tx)
        .await?;
    if took_part == 0 {
        return Err(AppError::invalid("objection", "objection.not_a_participant"));
    }
    let a = award_of(tx, p.id).await?.ok_or(AppError::invalid("objection", "objection.publicity_over"))?;
    if a.status != "publicity" {
        return Err(refused(objection::ObjectionRefusal::PublicityOver));
    }
    let clock = ObjectionClock { now, publicity_ends_at: a.publicity_ends_at.unwrap_or(now), answer_due_at: None };
    objection::transition(ObjectionStatus::Draft, ObjectionAction::File, clock).map_err(refused)
}

/// Checks, without writing anything, that `firm_id` may object to `p` now
/// (so an attachment is stored only for an objection that will be filed).
pub async fn may_file_objection(state: &AppState, p: &ProcRow, firm_id: i64, now: i64) -> Result<(), AppError> {
    let mut tx = crate::db::begin_write_on(&state.pool).await?;
    let r = objection_refusal(&mut tx, p, firm_id, now).await;
    tx.rollback().await?;
    r.map(|_| ())
}

/// A firm that took part files an objection while publicity runs.
pub async fn file_objection(state: &AppState, p: &ProcRow, firm_id: i64, reason: &str, file_id: Option<i64>, now: i64) -> Result<i64, AppError> {
    let mut tx = super::begin_write(state).await?;
    let to = objection_refusal(&mut tx, p, firm_id, now).await?;
    let cal = calendar(&mut *tx).await?;
    let due = cal.add_working_days(now, ANSWER_WORKING_DAYS);
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO objections (procurement_id, firm_id, status, reason, file_id, filed_at, answer_due_at, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $6, $6) RETURNING id",
    )
    .bind(p.id)
    .bind(firm_id)
    .bind(to.as_str())
    .bind(reason)
    .bind(file_id)
    .bind(now)
    .bind(due)
    .fetch_one(&mut *tx)
    .await?;
    event(&mut tx, p.id, now, "objection_filed", None, &id.to_string()).await?;
    tx.commit().await?;
    Ok(id)
}

/// Who acts on an objection.
pub enum ObjectionActor {
    /// The owner of the procurement (id of the owner organisation).
    Owner(i64),
    /// The firm that filed it.
    Firm(i64),
    Regulator,
}

/// Answer (owner), accept or escalate (firm), decide (regulator: `upheld`).
/// Returns the procurement id.
pub async fn act_on_objection(
    state: &AppState,
    objection_id: i64,
    action: ObjectionAction,
    actor: ObjectionActor,
    actor_user: i64,
    text: &str,
    upheld: bool,
    now: i64,
) -> Result<i64, AppError> {
    let mut tx = super::begin_write(state).await?;
    let o = objection_row(&mut tx, objection_id).await?;
    let p = load_locked(&mut tx, state, o.procurement_id).await?.ok_or(AppError::NotFound)?;
    let allowed = match (&actor, action) {
        (ObjectionActor::Owner(owner), ObjectionAction::Answer) => *owner == p.owner_id,
        (ObjectionActor::Firm(firm), ObjectionAction::Accept | ObjectionAction::Escalate) => *firm == o.firm_id,
        (ObjectionActor::Regulator, ObjectionAction::Decide) => true,
        _ => false,
    };
    if !allowed {
        return Err(AppError::Forbidden);
    }
    let from = ObjectionStatus::parse(&o.status).ok_or_else(|| AppError::Server("objection status".into()))?;
    let a = award_of(&mut tx, p.id).await?;
    let clock = ObjectionClock { now, publicity_ends_at: a.as_ref().and_then(|a| a.publicity_ends_at).unwrap_or(now), answer_due_at: o.answer_due_at };
    let to = objection::transition(from, action, clock).map_err(refused)?;
    let cal = calendar(&mut *tx).await?;
    match action {
        ObjectionAction::Answer => {
            sqlx::query("UPDATE objections SET status = $2, answer = $3, answered_at = $4, reply_due_at = $5, updated_at = $4 WHERE id = $1")
                .bind(o.id)
                .bind(to.as_str())
                .bind(text)
                .bind(now)
                .bind(cal.add_working_days(now, REPLY_WORKING_DAYS))
                .execute(&mut *tx)
                .await?;
        }
        ObjectionAction::Accept => {
            sqlx::query("UPDATE objections SET status = $2, resolved_at = $3, updated_at = $3 WHERE id = $1").bind(o.id).bind(to.as_str()).bind(now).execute(&mut *tx).await?;
        }
        ObjectionAction::Escalate => {
            sqlx::query("UPDATE objections SET status = $2, escalated_at = $3, updated_at = $3 WHERE id = $1").bind(o.id).bind(to.as_str()).bind(now).execute(&mut *tx).await?;
            crate::db::complaints::on_objection_escalated(&mut tx, o.id, actor_user, &cal, now).await?;
        }
        ObjectionAction::Decide => {
            sqlx::query(
                "UPDATE objections SET status = $2, decision = $3, decision_reason = $4, decided_by = $5, resolved_at = $6, updated_at = $6 WHERE id = $1",
            )
            .bind(o.id)
            .bind(to.as_str())
            .bind(if upheld { "upheld" } else { "dismissed" })
            .bind(text)
            .bind(actor_user)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            crate::db::complaints::on_objection_decided(&mut tx, o.id, upheld, text, actor_user, now).await?;
            if upheld {
                if let Some(a) = &a {
                    if a.status == "publicity" {
                        move_to_next(&mut tx, state, &p, a.rank, "disqualified", text, now).await?;
                    }
                }
            }
        }
        ObjectionAction::File => return Err(AppError::invalid("objection", "objection.wrong_state")),
    }
    let kind = match action {
        ObjectionAction::Answer => "objection_answered",
        ObjectionAction::Accept => "objection_resolved",
        ObjectionAction::Escalate => "objection_escalated",
        ObjectionAction::Decide if upheld => "objection_upheld",
        _ => "objection_dismissed",
    };
    event(&mut tx, p.id, now, kind, Some(actor_user), &o.id.to_string()).await?;
    tx.commit().await?;
    Ok(p.id)
}
