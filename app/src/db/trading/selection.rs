//! Selection: closing at the deadline (freeze, reveal, draw, open quotes),
//! ranking, tie draws, merit scoring, direct choice, and the award.
use super::{calendar, event, load_locked, settings, ProcRow, Tx};
use crate::domain::draw::{self, PublishedDraw};
use crate::domain::merit::{self, MeritInput};
use crate::domain::money::Fen;
use crate::domain::procurement::SelectionMethod;
use crate::domain::quote::{self, OpenedQuote};
use crate::error::AppError;
use crate::state::AppState;
use std::collections::HashMap;

/// Creates the draw secret at publication: the commitment is public, the
/// secret stays sealed until the deadline.
pub fn new_draw_secret(state: &AppState, procurement_code: &str) -> (String, String) {
    let secret = crate::sealing::random_hex32();
    let sealed = state.sealer.seal(&secret_label(procurement_code), secret.as_bytes());
    (draw::commitment(&secret), sealed)
}

fn secret_label(code: &str) -> String {
    format!("draw-secret:{code}")
}

fn reveal(state: &AppState, p: &ProcRow) -> Result<String, AppError> {
    if let Some(s) = &p.draw_secret {
        return Ok(s.clone());
    }
    let sealed = p.draw_secret_sealed.as_deref().ok_or_else(|| AppError::Server("draw secret missing".into()))?;
    let bytes = state.sealer.open(&secret_label(&p.code), sealed).map_err(|e| AppError::Server(format!("draw secret: {e}")))?;
    String::from_utf8(bytes).map_err(|_| AppError::Server("draw secret not text".into()))
}

async fn set_status(tx: &mut Tx<'_>, id: i64, status: &str, now: i64) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE procurements SET status = $2, updated_at = $3 WHERE id = $1").bind(id).bind(status).bind(now).execute(&mut **tx).await?;
    Ok(())
}

async fn fail(tx: &mut Tx<'_>, p: &ProcRow, now: i64, why: &str) -> Result<(), sqlx::Error> {
    set_status(tx, p.id, "failed", now).await?;
    event(tx, p.id, now, "failed", None, why).await
}

/// Closes a procurement whose deadline has passed. `false` when another
/// request or instance already did (or it is not due).
pub async fn close(state: &AppState, id: i64, now: i64) -> Result<bool, sqlx::Error> {
    let mut tx = super::begin_write(state).await?;
    let Some(p) = load_locked(&mut tx, state, id).await? else { return Ok(false) };
    if p.status != "published" || p.deadline_at.is_none_or(|d| d > now) {
        return Ok(false);
    }
    // conditional: only the first closer proceeds
    let won = sqlx::query("UPDATE procurements SET status = 'closed', closed_at = $2, updated_at = $2 WHERE id = $1 AND status = 'published'")
        .bind(id)
        .bind(now)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    if won == 0 {
        return Ok(false);
    }
    let secret = match reveal(state, &p) {
        Ok(s) => s,
        Err(e) => {
            tracing::error!(code = %p.code, error = %e, "cannot reveal the draw secret");
            return Ok(false);
        }
    };
    sqlx::query("UPDATE procurements SET draw_secret = $2 WHERE id = $1").bind(id).bind(&secret).execute(&mut *tx).await?;
    let mut p = p;
    p.draw_secret = Some(secret.clone());
    event(&mut tx, p.id, now, "closed", None, "").await?;
    let min = p.min_participants.max(1) as usize;
    match p.method() {
        SelectionMethod::RandomDraw => {
            let registrants = eligible_registrants(&mut tx, &p, now).await?;
            if registrants.len() < min {
                fail(&mut tx, &p, now, &format!("too_few:{}<{min}", registrants.len())).await?;
            } else {
                let codes: Vec<String> = registrants.keys().cloned().collect();
                let d = draw::run(&p.code, &secret, &codes);
                store_draw(&mut tx, p.id, "selection", &d, now).await?;
                event(&mut tx, p.id, now, "drawn", None, &d.ranking.len().to_string()).await?;
                let ranked: Vec<(i64, Option<i64>, Option<i64>)> =
                    d.ranking.iter().map(|c| (registrants[c], Some(p.budget_fen), None)).collect();
                award_ranking(&mut tx, state, &p, &ranked, "random_draw", now).await?;
            }
        }
        SelectionMethod::PriceCompetition | SelectionMethod::Merit => {
            let opened = open_quotes(&mut tx, state, &p, now).await?;
            if opened < min {
                fail(&mut tx, &p, now, &format!("too_few:{opened}<{min}")).await?;
            } else if p.method() == SelectionMethod::PriceCompetition {
                let share = p.params().abnormal_share_pct.unwrap_or(quote::ABNORMAL_SHARE_PCT);
                let quotes = opened_quotes(&mut tx, p.id).await?;
                let abnormal = quote::abnormally_low(&quotes.iter().map(|q| q.0.clone()).collect::<Vec<_>>(), share);
                for code in &abnormal {
                    sqlx::query("UPDATE quotes SET abnormal = 1 WHERE procurement_id = $1 AND firm_id = (SELECT id FROM firms WHERE credit_code = $2)")
                        .bind(p.id)
                        .bind(code)
                        .execute(&mut *tx)
                        .await?;
                }
                if abnormal.is_empty() {
                    rank_prices(&mut tx, state, &p, now).await?;
                } else {
                    event(&mut tx, p.id, now, "abnormal", None, &abnormal.join(",")).await?;
                }
            }
            // Merit: the owner's panel scores next.
        }
        SelectionMethod::Direct => {}
    }
    tx.commit().await?;
    Ok(true)
}

/// Registered firms still eligible at the deadline, by credit code.
async fn eligible_registrants(tx: &mut Tx<'_>, p: &ProcRow, now: i64) -> Result<std::collections::BTreeMap<String, i64>, sqlx::Error> {
    let rows: Vec<(i64, String)> = sqlx::query_as(
        "SELECT f.id, f.credit_code FROM participations pa JOIN firms f ON f.id = pa.firm_id \
         WHERE pa.procurement_id = $1 AND pa.status = 'registered' ORDER BY f.credit_code",
    )
    .bind(p.id)
    .fetch_all(&mut **tx)
    .await?;
    let mut out = std::collections::BTreeMap::new();
    for (id, code) in rows {
        let s = super::standing(&mut **tx, id, p.item_id, &crate::domain::time::date_shanghai(now)).await?;
        let reasons = crate::domain::eligibility::check(&p.requirements(), &s, &crate::domain::time::date_shanghai(now));
        if reasons.is_empty() {
            out.insert(code, id);
        } else {
            event(tx, p.id, now, "excluded", None, &code).await?;
        }
    }
    Ok(out)
}

async fn store_draw(tx: &mut Tx<'_>, procurement_id: i64, purpose: &str, d: &PublishedDraw, now: i64) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO draws (procurement_id, purpose, draw_code, registrants, registrant_hash, seed, ranking, drawn_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(procurement_id)
    .bind(purpose)
    .bind(&d.procurement_code)
    .bind(serde_json::to_string(&d.registrants).unwrap_or_default())
    .bind(&d.registrant_hash)
    .bind(&d.seed)
    .bind(serde_json::to_string(&d.ranking).unwrap_or_default())
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Decrypts every submitted sealed quote into `quotes` (eligible firms only).
/// Returns how many were opened.
async fn open_quotes(tx: &mut Tx<'_>, state: &AppState, p: &ProcRow, now: i64) -> Result<usize, sqlx::Error> {
    let sealed: Vec<(i64, String, String, String, i64)> = sqlx::query_as(
        "SELECT q.firm_id, f.credit_code, q.sealed, q.receipt, q.submitted_at FROM sealed_quotes q JOIN firms f ON f.id = q.firm_id \
         WHERE q.procurement_id = $1 AND q.status = 'submitted' ORDER BY f.credit_code",
    )
    .bind(p.id)
    .fetch_all(&mut **tx)
    .await?;
    let eligible = eligible_registrants(tx, p, now).await?;
    let mut opened = 0;
    for (firm_id, code, sealed, receipt, submitted_at) in sealed {
        if !eligible.contains_key(&code) {
            continue;
        }
        let plain = match state.sealer.open(&super::quote_label(p.id, firm_id), &sealed) {
            Ok(b) => b,
            Err(e) => {
                tracing::error!(code = %p.code, firm = %code, error = %e, "sealed quote does not open");
                continue;
            }
        };
        let v: serde_json::Value = serde_json::from_slice(&plain).unwrap_or_default();
        let (Some(amount), Some(salt)) = (v["amount_fen"].as_i64(), v["salt"].as_str()) else { continue };
        sqlx::query(
            "INSERT INTO quotes (procurement_id, firm_id, amount_fen, submitted_at, salt, receipt) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(p.id)
        .bind(firm_id)
        .bind(amount)
        .bind(submitted_at)
        .bind(salt)
        .bind(&receipt)
        .execute(&mut **tx)
        .await?;
        opened += 1;
    }
    // The sealed copies are no longer needed.
    sqlx::query("UPDATE sealed_quotes SET sealed = '' WHERE procurement_id = $1").bind(p.id).execute(&mut **tx).await?;
    sqlx::query("UPDATE procurements SET opened_at = $2 WHERE id = $1").bind(p.id).bind(now).execute(&mut **tx).await?;
    event(tx, p.id, now, "opened", None, &opened.to_string()).await?;
    Ok(opened)
}

/// Opened quotes with firm ids, and whether each is currently invalid (rejected justification).
async fn opened_quotes(tx: &mut Tx<'_>, procurement_id: i64) -> Result<Vec<(OpenedQuote, i64, bool, bool)>, sqlx::Error> {
    let rows: Vec<(String, i64, i64, i64, i64, Option<String>)> = sqlx::query_as(
        "SELECT f.credit_code, q.firm_id, q.amount_fen, q.submitted_at, q.abnormal, q.justification_decision \
         FROM quotes q JOIN firms f ON f.id = q.firm_id WHERE q.procurement_id = $1 ORDER BY f.credit_code",
    )
    .bind(procurement_id)
    .fetch_all(&mut **tx)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(firm, firm_id, amount, submitted_at, abnormal, decision)| {
            (
                OpenedQuote { firm, amount: Fen(amount), submitted_at },
                firm_id,
                abnormal != 0 && decision.is_none(),
                decision.as_deref() == Some("rejected"),
            )
        })
        .collect())
}

/// Ranks a price competition once no abnormally-low quote awaits a decision.
async fn rank_prices(tx: &mut Tx<'_>, state: &AppState, p: &ProcRow, now: i64) -> Result<(), sqlx::Error> {
    let quotes = opened_quotes(tx, p.id).await?;
    if quotes.iter().any(|q| q.2) {
        return Ok(());
    }
    let invalid: Vec<String> = quotes.iter().filter(|q| q.3).map(|q| q.0.firm.clone()).collect();
    let all: Vec<OpenedQuote> = quotes.iter().map(|q| q.0.clone()).collect();
    let groups = quote::rank_groups(&all, &invalid);
    let by_code: HashMap<String, (i64, i64)> = quotes.iter().map(|q| (q.0.firm.clone(), (q.1, q.0.amount.0))).collect();
    let valid = groups.iter().map(Vec::len).sum::<usize>();
    if valid < p.min_participants.max(1) as usize {
        return fail(tx, p, now, &format!("too_few_valid:{valid}")).await;
    }
    let order = break_ties(tx, p, &groups, now).await?;
    let ranked: Vec<(i64, Option<i64>, Option<i64>)> = order.iter().map(|c| (by_code[c].0, Some(by_code[c].1), None)).collect();
    award_ranking(tx, state, p, &ranked, "lowest_price", now).await
}

/// Flattens ranked groups, drawing the order within each tie verifiably.
async fn break_ties(tx: &mut Tx<'_>, p: &ProcRow, groups: &[Vec<String>], now: i64) -> Result<Vec<String>, sqlx::Error> {
    let secret = p.draw_secret.clone().unwrap_or_default();
    let mut order = Vec::new();
    let mut tie = 0;
    for g in groups {
        if g.len() > 1 {
            tie += 1;
            let d = draw::run(&format!("{}#tie{tie}", p.code), &secret, g);
            store_draw(tx, p.id, &format!("tie-{tie}"), &d, now).await?;
            order.extend(d.ranking);
        } else {
            order.extend(g.iter().cloned());
        }
    }
    Ok(order)
}

/// Stores the ranking (firm id, amount, score) and awards the first.
async fn award_ranking(tx: &mut Tx<'_>, state: &AppState, p: &ProcRow, ranked: &[(i64, Option<i64>, Option<i64>)], reason: &str, now: i64) -> Result<(), sqlx::Error> {
    for (i, (firm_id, amount, score)) in ranked.iter().enumerate() {
        sqlx::query("INSERT INTO candidates (procurement_id, rank, firm_id, amount_fen, score_centi, status) VALUES ($1, $2, $3, $4, $5, $6)")
            .bind(p.id)
            .bind(i as i64 + 1)
            .bind(firm_id)
            .bind(amount)
            .bind(score)
            .bind(if i == 0 { "selected" } else { "reserve" })
            .execute(&mut **tx)
            .await?;
    }
    let (firm_id, amount, _) = ranked[0];
    let (publicity_ends, confirm_due) = award_times(tx, state, now).await?;
    sqlx::query(
        "INSERT INTO awards (procurement_id, firm_id, amount_fen, reason, awarded_at, status, rank, publicity_ends_at, confirm_due_at) \
         VALUES ($1, $2, $3, $4, $5, 'publicity', 1, $6, $7)",
    )
    .bind(p.id)
    .bind(firm_id)
    .bind(amount.unwrap_or(p.budget_fen))
    .bind(reason)
    .bind(now)
    .bind(publicity_ends)
    .bind(confirm_due)
    .execute(&mut **tx)
    .await?;
    set_status(tx, p.id, "selected", now).await?;
    event(tx, p.id, now, "selected", None, "1").await
}

/// When publicity ends and by when the selected firm must confirm.
pub async fn award_times(tx: &mut Tx<'_>, state: &AppState, now: i64) -> Result<(i64, i64), sqlx::Error> {
    let s = settings(&state.pool).await?;
    let cal = calendar(&mut **tx).await?;
    Ok((cal.add_working_days(now, s.publicity_days), cal.add_working_days(now, s.confirm_days)))
}

/// Direct selection: publishes the owner's choice of an eligible firm at once.
pub async fn select_directly(state: &AppState, p: &ProcRow, firm_id: i64, actor: i64, now: i64) -> Result<(), AppError> {
    let reasons = super::ineligibility(&state.pool, p, firm_id, now).await?;
    if let Some(r) = reasons.first() {
        return Err(AppError::invalid("direct_firm", r.message_key()));
    }
    let mut tx = super::begin_write(state).await?;
    let cur = load_locked(&mut tx, state, p.id).await?.ok_or(AppError::NotFound)?;
    if cur.status != "draft" {
        return Err(AppError::invalid("status", "trading.not_draft"));
    }
    sqlx::query("UPDATE procurements SET status = 'closed', published_at = $2, closed_at = $2, updated_at = $2 WHERE id = $1")
        .bind(p.id)
        .bind(now)
        .execute(&mut *tx)
        .await?;
    sqlx::query("INSERT INTO participations (procurement_id, firm_id, status, registered_at, updated_at) VALUES ($1, $2, 'registered', $3, $3)")
        .bind(p.id)
        .bind(firm_id)
        .bind(now)
        .execute(&mut *tx)
        .await?;
    event(&mut tx, p.id, now, "published", Some(actor), "").await?;
    award_ranking(&mut tx, state, &cur, &[(firm_id, Some(p.budget_fen), None)], "direct", now).await?;
    tx.commit().await?;
    Ok(())
}

/// The firm explains an abnormally-low quote (while the procurement is closed).
pub async fn justify(state: &AppState, p: &ProcRow, firm_id: i64, text: &str, now: i64) -> Result<(), AppError> {
    let n = sqlx::query(
        "UPDATE quotes SET justification = $3, justification_at = $4 WHERE procurement_id = $1 AND firm_id = $2 \
         AND abnormal = 1 AND justification_decision IS NULL",
    )
    .bind(p.id)
    .bind(firm_id)
    .bind(text)
    .bind(now)
    .execute(&state.pool)
    .await?
    .rows_affected();
    if n == 0 || p.status != "closed" {
        return Err(AppError::invalid("justification", "trading.no_justification_due"));
    }
    Ok(())
}

/// The owner accepts or rejects an abnormally-low quote; when none is left
/// undecided, the ranking and award follow.
pub async fn decide_abnormal(state: &AppState, id: i64, firm_code: &str, accept: bool, actor: i64, now: i64) -> Result<(), AppError> {
    let mut tx = super::begin_write(state).await?;
    let p = load_locked(&mut tx, state, id).await?.ok_or(AppError::NotFound)?;
    if p.status != "closed" {
        return Err(AppError::invalid("status", "trading.not_closed"));
    }
    let n = sqlx::query(
        "UPDATE quotes SET justification_decision = $3 WHERE procurement_id = $1 AND abnormal = 1 AND justification_decision IS NULL \
         AND firm_id = (SELECT id FROM firms WHERE credit_code = $2)",
    )
    .bind(p.id)
    .bind(firm_code)
    .bind(if accept { "accepted" } else { "rejected" })
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if n == 0 {
        return Err(AppError::invalid("firm", "trading.no_decision_due"));
    }
    event(&mut tx, p.id, now, if accept { "justification_accepted" } else { "justification_rejected" }, Some(actor), firm_code).await?;
    rank_prices(&mut tx, state, &p, now).await?;
    tx.commit().await?;
    Ok(())
}

/// Records one panel member's scores (one row per participant, criteria order).
pub async fn save_merit_scores(state: &AppState, p: &ProcRow, panelist: &str, rows: &[(String, Vec<u32>)], actor: i64, now: i64) -> Result<(), AppError> {
    if p.status != "closed" || p.method() != SelectionMethod::Merit {
        return Err(AppError::invalid("status", "trading.not_closed"));
    }
    let criteria = p.params().merit.ok_or_else(|| AppError::Server("merit criteria missing".into()))?;
    let participants = merit_participants(&state.pool, p.id).await?;
    let mut tx = super::begin_write(state).await?;
    for (code, scores) in rows {
        let Some((firm_id, _)) = participants.get(code) else { return Err(AppError::invalid("firm", "trading.not_a_participant")) };
        if scores.len() != criteria.quality.len() || scores.iter().zip(&criteria.quality).any(|(s, c)| *s > c.max_points) {
            return Err(AppError::invalid("scores", "merit.score_out_of_range"));
        }
        sqlx::query(
            "INSERT INTO merit_scores (procurement_id, firm_id, panelist, scores, scored_by, scored_at) VALUES ($1, $2, $3, $4, $5, $6) \
             ON CONFLICT (procurement_id, firm_id, panelist) DO UPDATE SET scores = excluded.scores, scored_by = excluded.scored_by, scored_at = excluded.scored_at",
        )
        .bind(p.id)
        .bind(firm_id)
        .bind(panelist)
        .bind(serde_json::to_string(scores).unwrap_or_default())
        .bind(actor)
        .bind(now)
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Opened quotes of a merit procurement: credit code → (firm id, amount).
async fn merit_participants(pool: &crate::db::Pool, procurement_id: i64) -> Result<HashMap<String, (i64, i64)>, sqlx::Error> {
    let rows: Vec<(String, i64, i64)> =
        sqlx::query_as("SELECT f.credit_code, q.firm_id, q.amount_fen FROM quotes q JOIN firms f ON f.id = q.firm_id WHERE q.procurement_id = $1")
            .bind(procurement_id)
            .fetch_all(pool)
            .await?;
    Ok(rows.into_iter().map(|(c, id, a)| (c, (id, a))).collect())
}

/// The merit inputs as stored: per participant, its price and every panel row.
pub async fn merit_inputs(pool: &crate::db::Pool, procurement_id: i64) -> Result<Vec<MeritInput>, sqlx::Error> {
    let participants = merit_participants(pool, procurement_id).await?;
    let rows: Vec<(String, String)> = sqlx::query_as(
        "SELECT f.credit_code, m.scores FROM merit_scores m JOIN firms f ON f.id = m.firm_id WHERE m.procurement_id = $1 ORDER BY m.panelist",
    )
    .bind(procurement_id)
    .fetch_all(pool)
    .await?;
    let mut inputs: Vec<MeritInput> = participants
        .iter()
        .map(|(code, (_, amount))| MeritInput { firm: code.clone(), price: Fen(*amount), panel_scores: vec![] })
        .collect();
    inputs.sort_by(|a, b| a.firm.cmp(&b.firm));
    for (code, scores) in rows {
        if let Some(i) = inputs.iter_mut().find(|i| i.firm == code) {
            i.panel_scores.push(serde_json::from_str(&scores).unwrap_or_default());
        }
    }
    Ok(inputs)
}

/// Finishes merit scoring: every participant scored by the same panel; ranks by
/// total (ties drawn) and awards the first.
pub async fn finish_merit(state: &AppState, id: i64, actor: i64, now: i64) -> Result<(), AppError> {
    let mut tx = super::begin_write(state).await?;
    let p = load_locked(&mut tx, state, id).await?.ok_or(AppError::NotFound)?;
    if p.status != "closed" || p.method() != SelectionMethod::Merit {
        return Err(AppError::invalid("status", "trading.not_closed"));
    }
    let criteria = p.params().merit.ok_or_else(|| AppError::Server("merit criteria missing".into()))?;
    let inputs = merit_inputs(&state.pool, p.id).await?;
    let panel = inputs.first().map(|i| i.panel_scores.len()).unwrap_or(0);
    if panel == 0 || inputs.iter().any(|i| i.panel_scores.len() != panel) {
        return Err(AppError::invalid("scores", "merit.unscored"));
    }
    let results = merit::score(&criteria, &inputs).map_err(|_| AppError::invalid("scores", "merit.unscored"))?;
    let groups = merit::rank_groups(&results);
    let order = break_ties(&mut tx, &p, &groups, now).await?;
    let participants = merit_participants(&state.pool, p.id).await?;
    let ranked: Vec<(i64, Option<i64>, Option<i64>)> = order
        .iter()
        .map(|c| {
            let total = results.iter().find(|r| &r.firm == c).map(|r| r.total_centi);
            (participants[c].0, Some(participants[c].1), total)
        })
        .collect();
    event(&mut tx, p.id, now, "scored", Some(actor), &panel.to_string()).await?;
    award_ranking(&mut tx, state, &p, &ranked, "merit", now).await?;
    tx.commit().await?;
    Ok(())
}

/// Brings open procurements that were written directly into the database (the
/// demo loader, imports) under the sealing rules: a committed draw secret, and
/// quotes moved from the public `quotes` table into sealed form with receipts.
/// Idempotent; runs at start-up. Returns how many procurements it touched.
pub async fn seal_unsealed_open(state: &AppState, now: i64) -> Result<u32, sqlx::Error> {
    let open: Vec<(i64, String)> = sqlx::query_as(
        "SELECT id, code FROM procurements WHERE status = 'published' AND (draw_commitment IS NULL \
         OR EXISTS (SELECT 1 FROM quotes q WHERE q.procurement_id = procurements.id))",
    )
    .fetch_all(&state.pool)
    .await?;
    let mut touched = 0;
    for (id, code) in open {
        let mut tx = super::begin_write(state).await?;
        let (commitment, sealed) = new_draw_secret(state, &code);
        sqlx::query("UPDATE procurements SET draw_commitment = $2, draw_secret_sealed = $3 WHERE id = $1 AND draw_commitment IS NULL")
            .bind(id)
            .bind(&commitment)
            .bind(&sealed)
            .execute(&mut *tx)
            .await?;
        let quotes: Vec<(i64, String, i64, i64)> = sqlx::query_as(
            "SELECT q.firm_id, f.credit_code, q.amount_fen, q.submitted_at FROM quotes q JOIN firms f ON f.id = q.firm_id WHERE q.procurement_id = $1",
        )
        .bind(id)
        .fetch_all(&mut *tx)
        .await?;
        for (firm_id, credit_code, amount, at) in quotes {
            let salt = crate::sealing::random_hex32();
            let receipt = super::quote_receipt(&code, &credit_code, Fen(amount), &salt);
            let plain = serde_json::json!({ "amount_fen": amount, "salt": salt }).to_string();
            let sealed = state.sealer.seal(&super::quote_label(id, firm_id), plain.as_bytes());
            sqlx::query(
                "INSERT INTO sealed_quotes (procurement_id, firm_id, sealed, receipt, status, submitted_at, updated_at, revision) \
                 VALUES ($1, $2, $3, $4, 'submitted', $5, $6, 1) ON CONFLICT (procurement_id, firm_id) DO NOTHING",
            )
            .bind(id)
            .bind(firm_id)
            .bind(&sealed)
            .bind(&receipt)
            .bind(at)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        }
        sqlx::query("DELETE FROM quotes WHERE procurement_id = $1").bind(id).execute(&mut *tx).await?;
        tx.commit().await?;
        touched += 1;
    }
    Ok(touched)
}
