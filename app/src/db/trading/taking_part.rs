//! Firms taking part: registration (报名), sealed quotes (报价), withdrawal.
//! Every deadline check happens inside the write's transaction with the
//! procurement row locked, against the injected clock.
use super::{load_locked, ProcRow, Tx};
use crate::db::Pool;
use crate::domain::draw::sha256_hex;
use crate::domain::eligibility::{self, FirmStanding, HeldQualification, Ineligibility};
use crate::domain::money::Fen;
use crate::domain::procurement::SelectionMethod;
use crate::domain::time::date_shanghai;
use crate::error::AppError;
use crate::state::AppState;

/// What is known about a firm for one procurement's item.
pub async fn standing(ex: &mut sqlx::AnyConnection, firm_id: i64, item_id: i64, today: &str) -> Result<FirmStanding, sqlx::Error> {
    let status: String = sqlx::query_scalar("SELECT status FROM firms WHERE id = $1").bind(firm_id).fetch_one(&mut *ex).await?;
    let in_scope: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM firm_items WHERE firm_id = $1 AND item_id = $2")
        .bind(firm_id)
        .bind(item_id)
        .fetch_one(&mut *ex)
        .await?;
    let qualifications: Vec<(String, String, String, String)> =
        sqlx::query_as("SELECT type_code, grade, valid_from, valid_to FROM firm_qualifications WHERE firm_id = $1")
            .bind(firm_id)
            .fetch_all(&mut *ex)
            .await?;
    Ok(FirmStanding {
        status: status.clone(),
        item_in_scope: in_scope > 0,
        qualifications: qualifications
            .into_iter()
            .map(|(type_code, grade, valid_from, valid_to)| HeldQualification { type_code, grade, valid_from, valid_to })
            .collect(),
        // A valid blacklist entry (中介信用库, #6) or an expulsion.
        blacklisted: status == "expelled" || crate::db::credit::blacklisted(&mut *ex, firm_id, today).await?,
    })
}

/// Why `firm_id` may not take part in `p` today (empty: it may).
pub async fn ineligibility(pool: &Pool, p: &ProcRow, firm_id: i64, now: i64) -> Result<Vec<Ineligibility>, sqlx::Error> {
    let mut conn = pool.acquire().await?;
    let s = standing(&mut conn, firm_id, p.item_id, &date_shanghai(now)).await?;
    Ok(eligibility::check(&p.requirements(), &s, &date_shanghai(now)))
}

async fn ineligibility_tx(tx: &mut Tx<'_>, p: &ProcRow, firm_id: i64, now: i64) -> Result<Vec<Ineligibility>, sqlx::Error> {
    let s = standing(&mut **tx, firm_id, p.item_id, &date_shanghai(now)).await?;
    Ok(eligibility::check(&p.requirements(), &s, &date_shanghai(now)))
}

/// The open procurement (published, before its deadline) locked for a change,
/// and the time of the change: the server clock read once the lock is held (a
/// request that waited for the lock past the deadline is refused).
async fn open_for_change(tx: &mut Tx<'_>, state: &AppState, id: i64, now: i64) -> Result<(ProcRow, i64), AppError> {
    let p = load_locked(tx, state, id).await?.ok_or(AppError::NotFound)?;
    let now = now.max(state.now_ms());
    if p.status != "published" {
        return Err(AppError::invalid("deadline", "trading.not_open"));
    }
    match p.deadline_at {
        Some(d) if now < d => Ok((p, now)),
        _ => Err(AppError::invalid("deadline", "trading.deadline_passed")),
    }
}

async fn upsert_participation(tx: &mut Tx<'_>, procurement_id: i64, firm_id: i64, now: i64) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO participations (procurement_id, firm_id, status, registered_at, updated_at) VALUES ($1, $2, 'registered', $3, $3) \
         ON CONFLICT (procurement_id, firm_id) DO UPDATE SET status = 'registered', updated_at = excluded.updated_at",
    )
    .bind(procurement_id)
    .bind(firm_id)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

fn first_reason(reasons: &[Ineligibility]) -> AppError {
    AppError::invalid("eligibility", reasons.first().map(|r| r.message_key()).unwrap_or("eligibility.not_active"))
}

/// Registers interest (random draw). Refused after the deadline, for other
/// methods, and for ineligible firms (with the first reason).
pub async fn register(state: &AppState, procurement_id: i64, firm_id: i64, now: i64) -> Result<(), AppError> {
    let mut tx = super::begin_write(state).await?;
    let (p, now) = open_for_change(&mut tx, state, procurement_id, now).await?;
    if p.method() != SelectionMethod::RandomDraw {
        return Err(AppError::invalid("method", "trading.quote_instead"));
    }
    let reasons = ineligibility_tx(&mut tx, &p, firm_id, now).await?;
    if !reasons.is_empty() {
        return Err(first_reason(&reasons));
    }
    upsert_participation(&mut tx, p.id, firm_id, now).await?;
    tx.commit().await?;
    Ok(())
}

/// The receipt a firm gets for its sealed quote: it binds the amount without revealing it.
pub fn quote_receipt(code: &str, credit_code: &str, amount: Fen, salt: &str) -> String {
    sha256_hex(format!("{code}\n{credit_code}\n{}\n{salt}", amount.0).as_bytes())
}

/// The associated data a quote is sealed under.
pub fn quote_label(procurement_id: i64, firm_id: i64) -> String {
    format!("quote:{procurement_id}:{firm_id}")
}

/// Submits or replaces a sealed quote (price competition, merit). Returns the receipt.
pub async fn submit_quote(state: &AppState, procurement_id: i64, firm_id: i64, amount: Fen, now: i64) -> Result<String, AppError> {
    let mut tx = super::begin_write(state).await?;
    let (p, now) = open_for_change(&mut tx, state, procurement_id, now).await?;
    if !matches!(p.method(), SelectionMethod::PriceCompetition | SelectionMethod::Merit) {
        return Err(AppError::invalid("method", "trading.register_instead"));
    }
    if amount.0 <= 0 {
        return Err(AppError::invalid("amount", "trading.amount_invalid"));
    }
    if amount.0 > p.budget_fen {
        return Err(AppError::invalid("amount", "trading.amount_above_ceiling"));
    }
    let reasons = ineligibility_tx(&mut tx, &p, firm_id, now).await?;
    if !reasons.is_empty() {
        return Err(first_reason(&reasons));
    }
    let credit_code: String = sqlx::query_scalar("SELECT credit_code FROM firms WHERE id = $1").bind(firm_id).fetch_one(&mut *tx).await?;
    let salt = crate::sealing::random_hex32();
    let receipt = quote_receipt(&p.code, &credit_code, amount, &salt);
    let plain = serde_json::json!({ "amount_fen": amount.0, "salt": salt }).to_string();
    let sealed = state.sealer.seal(&quote_label(p.id, firm_id), plain.as_bytes());
    sqlx::query(
        "INSERT INTO sealed_quotes (procurement_id, firm_id, sealed, receipt, status, submitted_at, updated_at, revision) \
         VALUES ($1, $2, $3, $4, 'submitted', $5, $5, 1) \
         ON CONFLICT (procurement_id, firm_id) DO UPDATE SET sealed = excluded.sealed, receipt = excluded.receipt, \
         status = 'submitted', submitted_at = excluded.submitted_at, updated_at = excluded.updated_at, \
         revision = sealed_quotes.revision + 1",
    )
    .bind(p.id)
    .bind(firm_id)
    .bind(&sealed)
    .bind(&receipt)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    upsert_participation(&mut tx, p.id, firm_id, now).await?;
    tx.commit().await?;
    Ok(receipt)
}

/// Withdraws a registration or quote before the deadline (the sealed value is erased).
pub async fn withdraw(state: &AppState, procurement_id: i64, firm_id: i64, now: i64) -> Result<(), AppError> {
    let mut tx = super::begin_write(state).await?;
    let (p, now) = open_for_change(&mut tx, state, procurement_id, now).await?;
    let n = sqlx::query("UPDATE participations SET status = 'withdrawn', updated_at = $3 WHERE procurement_id = $1 AND firm_id = $2 AND status = 'registered'")
        .bind(p.id)
        .bind(firm_id)
        .bind(now)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    if n == 0 {
        return Err(AppError::invalid("participation", "trading.not_registered"));
    }
    sqlx::query("UPDATE sealed_quotes SET status = 'withdrawn', sealed = '', updated_at = $3 WHERE procurement_id = $1 AND firm_id = $2")
        .bind(p.id)
        .bind(firm_id)
        .bind(now)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(())
}

/// Registered participants now.
pub async fn participant_count(pool: &Pool, procurement_id: i64) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT COUNT(*) FROM participations WHERE procurement_id = $1 AND status = 'registered'")
        .bind(procurement_id)
        .fetch_one(pool)
        .await
}

/// The firm's own part: participation status, quote receipt and time.
pub async fn my_part(pool: &Pool, procurement_id: i64, firm_id: i64) -> Result<(Option<String>, Option<String>, Option<i64>), sqlx::Error> {
    let participation: Option<String> = sqlx::query_scalar("SELECT status FROM participations WHERE procurement_id = $1 AND firm_id = $2")
        .bind(procurement_id)
        .bind(firm_id)
        .fetch_optional(pool)
        .await?;
    let quote: Option<(String, i64)> =
        sqlx::query_as("SELECT receipt, submitted_at FROM sealed_quotes WHERE procurement_id = $1 AND firm_id = $2 AND status = 'submitted'")
            .bind(procurement_id)
            .bind(firm_id)
            .fetch_optional(pool)
            .await?;
    Ok((participation, quote.as_ref().map(|q| q.0.clone()), quote.map(|q| q.1)))
}
