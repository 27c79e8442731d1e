//! Installments (分期) and payments (支付) of a contract.
//!
//! - Installments are built from the terms in force (`sync_installments`):
//!   amounts from `domain::contract::installment_amounts` (they always sum to
//!   the price), each `waiting` until its condition is met (signing, the owner's
//!   confirmation of milestone N, acceptance), then `due` with a due date
//!   (`payment_days` working days later), finally `paid`. Nothing can be paid
//!   while it is `waiting`.
//! - Online payment (social funds): a `payments` row (`created` → `pending`
//!   once the provider has the order) and the provider's order; the provider's
//!   notification (`apply_notice`) or a query (`reconcile`) makes it `paid`
//!   and the installment with it, in one write transaction, conditional on the
//!   states it expects: a repeated notification changes nothing.
//! - Offline payment (fiscal funds): the owner records it (`pending`), the firm
//!   confirms receipt (`paid`) or refuses (`failed`, the owner may record again).
//! - Refund (operators): the provider refunds; the payment becomes `refunded`
//!   and its installment `due` again. A completed contract is never refunded.
//!
//! Never call a provider inside a write transaction: the sandbox gateway keeps
//! its books in the same database (SQLite has one writer).
use super::super::trading::{begin_write, Tx};
use super::{event, ContractRow};
use crate::db::Pool;
use crate::domain::contract::{installment_amounts, ContractStatus, PayAfter, Terms, DEFAULT_PAYMENT_DAYS};
use crate::domain::money::Fen;
use crate::error::AppError;
use crate::model::files::FileRef;
use crate::model::payment::{CallbackCounts, CallbackView, InstallmentView, PaymentView};
use crate::payment::{GatewayState, NewOrder, NoticeStatus, VerifiedNotice};
use crate::state::AppState;

/// Pending online payments are reconciled by a query after this long without news.
pub const RECONCILE_AFTER_MS: i64 = 10 * 60_000;

/// The installment plan of `terms`: (label, amount, condition).
pub fn plan_of(terms: &Terms) -> Vec<(String, i64, PayAfter)> {
    let amounts = installment_amounts(terms.price_fen, &terms.negotiable.shares());
    terms.negotiable.installments.iter().zip(amounts).map(|(i, a)| (i.label.clone(), a, i.after)).collect()
}

/// The plan of a contract without text (a record from before electronic signing): everything after acceptance.
fn plan_without_terms(price_fen: i64) -> Vec<(String, i64, PayAfter)> {
    vec![("验收合格后付清".into(), price_fen, PayAfter::Acceptance)]
}

#[derive(sqlx::FromRow)]
struct InstallmentRow {
    seq: i64,
    label: String,
    amount_fen: i64,
    condition: String,
    due_at: Option<i64>,
    status: String,
}

/// (Re)builds the installments of the terms in force and marks those whose
/// condition is met `due` (with their due date), the others `waiting`; paid
/// installments are kept as they are. Idempotent and cheap (a handful of rows):
/// call it whenever a condition may have changed — signing (`on_signed`), a
/// confirmed milestone, acceptance, an accepted amendment.
pub async fn sync_installments(tx: &mut Tx<'_>, contract_id: i64, _now: i64) -> Result<(), sqlx::Error> {
    let row: Option<(String, i64, i64, Option<i64>, Option<i64>)> =
        sqlx::query_as("SELECT status, version, price_fen, signed_at, accepted_at FROM contracts WHERE id = $1").bind(contract_id).fetch_optional(&mut **tx).await?;
    let Some((status, version, price_fen, signed_at, accepted_at)) = row else { return Ok(()) };
    match ContractStatus::parse(&status) {
        Some(ContractStatus::Signed | ContractStatus::Delivered | ContractStatus::Accepted | ContractStatus::Completed) => {}
        // before signing nothing is in force; a lapsed or terminated contract keeps what it had
        _ => return Ok(()),
    }
    let (plan, payment_days) = match super::terms(tx, contract_id, version).await? {
        Some(t) => (plan_of(&t), t.negotiable.payment_days),
        None => (plan_without_terms(price_fen), DEFAULT_PAYMENT_DAYS),
    };
    let done: Vec<(i64, i64)> =
        sqlx::query_as("SELECT seq, done_at FROM contract_milestones WHERE contract_id = $1 AND status = 'done' AND done_at IS NOT NULL")
            .bind(contract_id)
            .fetch_all(&mut **tx)
            .await?;
    let existing: Vec<InstallmentRow> =
        sqlx::query_as("SELECT seq, label, amount_fen, condition, due_at, status FROM contract_installments WHERE contract_id = $1 ORDER BY seq")
            .bind(contract_id)
            .fetch_all(&mut **tx)
            .await?;
    let calendar = super::super::trading::calendar(&mut **tx).await?;
    for (i, (label, amount, after)) in plan.iter().enumerate() {
        let seq = i as i64 + 1;
        let met = match after {
            PayAfter::Signing => signed_at,
            PayAfter::Milestone(n) => done.iter().find(|(s, _)| *s == *n as i64).map(|(_, at)| *at),
            PayAfter::Acceptance => accepted_at,
        };
        let due_at = met.map(|m| calendar.add_working_days(m, payment_days));
        let status = if met.is_some() { "due" } else { "waiting" };
        let condition = after.as_code();
        match existing.iter().find(|r| r.seq == seq) {
            Some(r) if r.status == "paid" => {}
            Some(r) if r.label == *label && r.amount_fen == *amount && r.condition == condition && r.due_at == due_at && r.status == status => {}
            Some(_) => {
                sqlx::query("UPDATE contract_installments SET label = $3, amount_fen = $4, condition = $5, due_at = $6, status = $7, paid_at = NULL WHERE contract_id = $1 AND seq = $2 AND status <> 'paid'")
                    .bind(contract_id)
                    .bind(seq)
                    .bind(label)
                    .bind(amount)
                    .bind(&condition)
                    .bind(due_at)
                    .bind(status)
                    .execute(&mut **tx)
                    .await?;
            }
            None => {
                sqlx::query("INSERT INTO contract_installments (contract_id, seq, label, amount_fen, condition, due_at, status) VALUES ($1, $2, $3, $4, $5, $6, $7)")
                    .bind(contract_id)
                    .bind(seq)
                    .bind(label)
                    .bind(amount)
                    .bind(&condition)
                    .bind(due_at)
                    .bind(status)
                    .execute(&mut **tx)
                    .await?;
            }
        }
    }
    if existing.iter().any(|r| r.seq > plan.len() as i64 && r.status != "paid") {
        sqlx::query("DELETE FROM contract_installments WHERE contract_id = $1 AND seq > $2 AND status <> 'paid'")
            .bind(contract_id)
            .bind(plan.len() as i64)
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

/// Time-driven payment work: the sandbox gateway's time-outs and notification
/// deliveries, and the reconciliation of online payments without news for
/// `RECONCILE_AFTER_MS` (asks the provider; applies what it says).
pub async fn advance(state: &AppState, now: i64) -> Result<u32, sqlx::Error> {
    let mut moved = crate::payment::sandbox::advance(state, now).await?;
    let stale: Vec<PaymentRow> = sqlx::query_as(&format!(
        "SELECT {PAYMENT_COLUMNS} FROM payments WHERE status IN ('created', 'pending') AND updated_at <= $1 AND channel = 'online' ORDER BY updated_at LIMIT 20"
    ))
    .bind(now - RECONCILE_AFTER_MS)
    .fetch_all(&state.pool)
    .await?;
    for p in stale {
        // claim it (another instance may be at it), then ask
        let claimed = sqlx::query("UPDATE payments SET updated_at = $2 WHERE id = $1 AND updated_at = $3 AND status = $4")
            .bind(p.id)
            .bind(now)
            .bind(p.updated_at)
            .bind(&p.status)
            .execute(&state.pool)
            .await?
            .rows_affected()
            == 1;
        if claimed {
            match reconcile(state, &p, now).await {
                Ok(status) if status != p.status => moved += 1,
                Ok(_) => {}
                Err(e) => tracing::warn!(order_no = %p.order_no, error = %e, "payment reconciliation"),
            }
        }
    }
    Ok(moved)
}

/// A payment row.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct PaymentRow {
    pub id: i64,
    pub contract_id: i64,
    pub seq: i64,
    pub channel: String,
    pub provider: Option<String>,
    pub order_no: String,
    pub amount_fen: i64,
    pub status: String,
    pub provider_txn: Option<String>,
    pub voucher_no: Option<String>,
    pub paid_on: Option<String>,
    pub file_id: Option<i64>,
    pub recorded_by: Option<i64>,
    pub confirmed_by: Option<i64>,
    pub confirmed_at: Option<i64>,
    pub paid_at: Option<i64>,
    pub refund_reason: Option<String>,
    pub refunded_at: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
}

pub const PAYMENT_COLUMNS: &str = "id, contract_id, seq, channel, provider, order_no, amount_fen, status, provider_txn, voucher_no, paid_on, \
     file_id, recorded_by, confirmed_by, confirmed_at, paid_at, refund_reason, refunded_at, created_at, updated_at";

pub async fn payment_by_order(pool: &Pool, order_no: &str) -> Result<Option<PaymentRow>, sqlx::Error> {
    sqlx::query_as::<_, PaymentRow>(&format!("SELECT {PAYMENT_COLUMNS} FROM payments WHERE order_no = $1")).bind(order_no).fetch_optional(pool).await
}

pub async fn payment_by_id(pool: &Pool, id: i64) -> Result<Option<PaymentRow>, sqlx::Error> {
    sqlx::query_as::<_, PaymentRow>(&format!("SELECT {PAYMENT_COLUMNS} FROM payments WHERE id = $1")).bind(id).fetch_optional(pool).await
}

async fn payment_locked(tx: &mut Tx<'_>, state: &AppState, id: i64) -> Result<Option<PaymentRow>, sqlx::Error> {
    let lock = if state.backend == crate::db::Backend::Postgres { " FOR UPDATE" } else { "" };
    sqlx::query_as::<_, PaymentRow>(&format!("SELECT {PAYMENT_COLUMNS} FROM payments WHERE id = $1{lock}")).bind(id).fetch_optional(&mut **tx).await
}

/// The contract code of a payment order (for live updates), if the order is ours.
pub async fn contract_code_of_order(pool: &Pool, order_no: &str) -> Result<Option<String>, sqlx::Error> {
    if order_no.is_empty() {
        return Ok(None);
    }
    sqlx::query_scalar("SELECT c.code FROM payments p JOIN contracts c ON c.id = p.contract_id WHERE p.order_no = $1").bind(order_no).fetch_optional(pool).await
}

/// Appends to the callback log (outside any transaction: forged callbacks).
#[allow(clippy::too_many_arguments)]
pub async fn log_callback(pool: &Pool, provider: &str, notify_id: &str, order_no: &str, body: &str, outcome: &str, detail: &str, now: i64) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO payment_callbacks (provider, notify_id, order_no, body, outcome, detail, received_at) VALUES ($1, $2, $3, $4, $5, $6, $7)")
        .bind(provider)
        .bind(notify_id)
        .bind(order_no)
        .bind(body.chars().take(4000).collect::<String>())
        .bind(outcome)
        .bind(detail)
        .bind(now)
        .execute(pool)
        .await?;
    Ok(())
}

#[allow(clippy::too_many_arguments)]
async fn log_in(tx: &mut Tx<'_>, provider: &str, notify_id: &str, order_no: &str, body: &str, outcome: &str, detail: &str, now: i64) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO payment_callbacks (provider, notify_id, order_no, body, outcome, detail, received_at) VALUES ($1, $2, $3, $4, $5, $6, $7)")
        .bind(provider)
        .bind(notify_id)
        .bind(order_no)
        .bind(body.chars().take(4000).collect::<String>())
        .bind(outcome)
        .bind(detail)
        .bind(now)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// What a verified notification did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Changed the payment (and its installment).
    Applied,
    /// Already applied, or the payment is already in that state: nothing changed.
    Duplicate,
    /// Does not match the order (unknown, other provider, other amount, impossible
    /// transition): nothing changed.
    Rejected,
}

/// Applies a verified notification (from a callback, or built from a query,
/// `via` = `callback` / `query`) in one write transaction: marks the payment
/// and its installment paid and completes the contract when that was the last
/// installment after acceptance (or closes / refunds the payment). Logs the
/// outcome in `payment_callbacks`.
pub async fn apply_notice(state: &AppState, provider: &str, n: &VerifiedNotice, raw: &str, via: &str, now: i64) -> Result<Outcome, sqlx::Error> {
    let via = if via.is_empty() { "callback" } else { via };
    let contract_id: Option<i64> = sqlx::query_scalar("SELECT contract_id FROM payments WHERE order_no = $1").bind(&n.order_no).fetch_optional(&state.pool).await?;
    let mut tx = begin_write(state).await?;
    let applied: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM payment_callbacks WHERE provider = $1 AND notify_id = $2 AND outcome = 'applied'")
        .bind(provider)
        .bind(&n.notify_id)
        .fetch_one(&mut *tx)
        .await?;
    let (outcome, detail, code) = 'decide: {
        if applied > 0 {
            break 'decide (Outcome::Duplicate, "already_applied".to_string(), None);
        }
        let Some(cid) = contract_id else { break 'decide (Outcome::Rejected, "unknown_order".into(), None) };
        let Some(c) = super::load_locked(&mut tx, state, cid).await? else { break 'decide (Outcome::Rejected, "unknown_order".into(), None) };
        let pid: i64 = sqlx::query_scalar("SELECT id FROM payments WHERE order_no = $1").bind(&n.order_no).fetch_one(&mut *tx).await?;
        let Some(p) = payment_locked(&mut tx, state, pid).await? else { break 'decide (Outcome::Rejected, "unknown_order".into(), None) };
        let code = Some(c.code.clone());
        if p.channel != "online" || p.provider.as_deref() != Some(provider) {
            break 'decide (Outcome::Rejected, "provider_mismatch".into(), code);
        }
        if p.amount_fen != n.amount_fen {
            break 'decide (Outcome::Rejected, "amount_mismatch".into(), code);
        }
        let applied_detail = format!("{via}_{}", n.status.as_str());
        match n.status {
            NoticeStatus::Paid => {
                if matches!(p.status.as_str(), "paid" | "refunded") {
                    break 'decide (Outcome::Duplicate, format!("already_{}", p.status), code);
                }
                let paid_at = n.paid_at.filter(|t| *t > 0).unwrap_or(now);
                let changed = sqlx::query(
                    "UPDATE payments SET status = 'paid', provider_txn = $2, paid_at = $3, updated_at = $4 WHERE id = $1 AND status = $5",
                )
                .bind(p.id)
                .bind(&n.txn_id)
                .bind(paid_at)
                .bind(now)
                .bind(&p.status)
                .execute(&mut *tx)
                .await?
                .rows_affected();
                if changed != 1 {
                    break 'decide (Outcome::Duplicate, "already_paid".into(), code);
                }
                mark_installment_paid(&mut tx, &c, &p, paid_at, None, now, &format!(
                    "第{}期 在线支付 ¥{}(订单号 {},交易号 {})",
                    p.seq,
                    Fen(p.amount_fen).yuan_string(),
                    p.order_no,
                    n.txn_id.as_deref().unwrap_or("—")
                ))
                .await?;
                (Outcome::Applied, applied_detail, code)
            }
            NoticeStatus::Closed => match p.status.as_str() {
                "created" | "pending" => {
                    sqlx::query("UPDATE payments SET status = 'closed', updated_at = $2 WHERE id = $1 AND status = $3")
                        .bind(p.id)
                        .bind(now)
                        .bind(&p.status)
                        .execute(&mut *tx)
                        .await?;
                    event(&mut tx, c.id, now, "payment_closed", None, &format!("第{}期 支付订单 {} 已关闭(未支付)", p.seq, p.order_no)).await?;
                    (Outcome::Applied, applied_detail, code)
                }
                "closed" | "failed" => (Outcome::Duplicate, "already_closed".into(), code),
                _ => (Outcome::Rejected, "closed_after_paid".into(), code),
            },
            NoticeStatus::Refunded => match p.status.as_str() {
                "paid" => {
                    mark_refunded(&mut tx, &c, &p, "支付机构已退款", None, now).await?;
                    (Outcome::Applied, applied_detail, code)
                }
                "refunded" => (Outcome::Duplicate, "already_refunded".into(), code),
                _ => (Outcome::Rejected, "not_paid".into(), code),
            },
        }
    };
    let outcome_str = match outcome {
        Outcome::Applied => "applied",
        Outcome::Duplicate => "duplicate",
        Outcome::Rejected => "rejected",
    };
    log_in(&mut tx, provider, &n.notify_id, &n.order_no, raw, outcome_str, &detail, now).await?;
    tx.commit().await?;
    if outcome == Outcome::Rejected {
        tracing::warn!(order_no = %n.order_no, detail, "payment notification rejected");
    }
    let code = match code {
        Some(c) => Some(c),
        None => contract_code_of_order(&state.pool, &n.order_no).await.ok().flatten(),
    };
    if let Some(code) = code {
        super::notify(state, &code, "payment").await;
    }
    Ok(outcome)
}

/// The installment of a payment becomes paid; the contract completes if that
/// was the last one after acceptance.
async fn mark_installment_paid(tx: &mut Tx<'_>, c: &ContractRow, p: &PaymentRow, paid_at: i64, actor: Option<i64>, now: i64, detail: &str) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE contract_installments SET status = 'paid', paid_at = $3 WHERE contract_id = $1 AND seq = $2 AND status <> 'paid'")
        .bind(c.id)
        .bind(p.seq)
        .bind(paid_at)
        .execute(&mut **tx)
        .await?;
    event(tx, c.id, now, "payment_paid", actor, detail).await?;
    super::maybe_complete(tx, c.id, actor, now).await?;
    Ok(())
}

async fn mark_refunded(tx: &mut Tx<'_>, c: &ContractRow, p: &PaymentRow, reason: &str, actor: Option<i64>, now: i64) -> Result<bool, sqlx::Error> {
    let changed = sqlx::query("UPDATE payments SET status = 'refunded', refund_reason = $2, refunded_at = $3, updated_at = $3 WHERE id = $1 AND status = 'paid'")
        .bind(p.id)
        .bind(reason)
        .bind(now)
        .execute(&mut **tx)
        .await?
        .rows_affected()
        == 1;
    if changed {
        sqlx::query("UPDATE contract_installments SET status = 'due', paid_at = NULL WHERE contract_id = $1 AND seq = $2 AND status = 'paid'")
            .bind(c.id)
            .bind(p.seq)
            .execute(&mut **tx)
            .await?;
        event(tx, c.id, now, "payment_refunded", actor, &format!("第{}期 ¥{} 已退款(订单号 {}):{reason}", p.seq, Fen(p.amount_fen).yuan_string(), p.order_no)).await?;
    }
    Ok(changed)
}

/// Asks the provider about a payment that is still open and applies the answer
/// (a notification that was late or lost) through the same path as a callback.
/// Returns the payment's status afterwards.
pub async fn reconcile(state: &AppState, p: &PaymentRow, now: i64) -> Result<String, AppError> {
    if p.channel != "online" || !matches!(p.status.as_str(), "created" | "pending") {
        return Ok(p.status.clone());
    }
    let name = p.provider.clone().unwrap_or_default();
    let provider = crate::payment::provider(state, &name).await?.ok_or_else(|| AppError::Server(format!("no payment provider {name}")))?;
    let answer = provider.query(&p.order_no).await.map_err(|e| {
        tracing::warn!(error = %e, "payment query");
        AppError::invalid("order_no", "payment.provider_unavailable")
    })?;
    match answer {
        None => {
            // the provider never got the order: it cannot be paid
            sqlx::query("UPDATE payments SET status = 'failed', updated_at = $2 WHERE id = $1 AND status IN ('created', 'pending')")
                .bind(p.id)
                .bind(now)
                .execute(&state.pool)
                .await?;
        }
        Some(o) if o.state == GatewayState::Unpaid => {
            sqlx::query("UPDATE payments SET status = 'pending', updated_at = $2 WHERE id = $1 AND status IN ('created', 'pending')")
                .bind(p.id)
                .bind(now)
                .execute(&state.pool)
                .await?;
        }
        Some(o) => {
            // refunded at the gateway: it was paid first
            let steps: &[NoticeStatus] = match o.state {
                GatewayState::Paid => &[NoticeStatus::Paid],
                GatewayState::Refunded => &[NoticeStatus::Paid, NoticeStatus::Refunded],
                _ => &[NoticeStatus::Closed],
            };
            let raw = serde_json::json!({ "query": p.order_no, "state": o.state.as_str(), "amount_fen": o.amount_fen, "txn_id": o.txn_id, "paid_at": o.paid_at }).to_string();
            for status in steps {
                let notice = VerifiedNotice {
                    notify_id: format!("query:{}:{}", status.as_str(), p.order_no),
                    order_no: p.order_no.clone(),
                    status: *status,
                    amount_fen: o.amount_fen,
                    txn_id: o.txn_id.clone(),
                    paid_at: o.paid_at,
                };
                apply_notice(state, &name, &notice, &raw, "query", now).await?;
            }
        }
    }
    Ok(payment_by_id(&state.pool, p.id).await?.map(|p| p.status).unwrap_or_default())
}

/// The installment row of a contract.
async fn installment(pool_or_tx: &mut Tx<'_>, contract_id: i64, seq: i64) -> Result<Option<(String, i64, String)>, sqlx::Error> {
    sqlx::query_as("SELECT status, amount_fen, condition FROM contract_installments WHERE contract_id = $1 AND seq = $2")
        .bind(contract_id)
        .bind(seq)
        .fetch_optional(&mut **pool_or_tx)
        .await
}

/// Whether installment `seq` may be paid now through `channel`: the contract in
/// service, the installment `due` ("nothing is paid before the condition the
/// terms require"), the channel of the funding, no payment already under way.
/// Returns the amount and the open payment of that channel, if any.
async fn payable(tx: &mut Tx<'_>, c: &ContractRow, seq: i64, channel: &str) -> Result<(i64, Option<PaymentRow>), AppError> {
    if !c.status().in_service() {
        return Err(AppError::invalid("seq", "payment.contract_not_in_service"));
    }
    match (channel, c.funding.as_str()) {
        ("online", "social") | ("offline", "fiscal") => {}
        ("online", _) => return Err(AppError::invalid("seq", "payment.online_only_social")),
        _ => return Err(AppError::invalid("seq", "payment.offline_only_fiscal")),
    }
    let (status, amount, condition) = installment(tx, c.id, seq).await?.ok_or_else(|| AppError::invalid("seq", "payment.installment_unknown"))?;
    match status.as_str() {
        "due" => {}
        "paid" => return Err(AppError::invalid("seq", "payment.installment_paid")),
        _ => {
            return Err(AppError::invalid(
                "seq",
                match PayAfter::parse_code(&condition) {
                    Some(PayAfter::Signing) => "payment.not_due_signing",
                    Some(PayAfter::Milestone(_)) => "payment.not_due_milestone",
                    _ => "payment.not_due_acceptance",
                },
            ))
        }
    }
    let open: Option<PaymentRow> = sqlx::query_as(&format!(
        "SELECT {PAYMENT_COLUMNS} FROM payments WHERE contract_id = $1 AND seq = $2 AND status IN ('created', 'pending') ORDER BY id DESC LIMIT 1"
    ))
    .bind(c.id)
    .bind(seq)
    .fetch_optional(&mut **tx)
    .await?;
    Ok((amount, open))
}

/// A new order number: `ZJ` + channel letter + time (Asia/Shanghai) + 6 random digits.
fn new_order_no(channel: &str, now: i64) -> String {
    let stamp = crate::domain::time::format_shanghai(now).replace(['-', ' ', ':'], "");
    let r = u32::from_str_radix(&crate::sealing::random_hex32()[..8], 16).unwrap_or(0) % 1_000_000;
    format!("ZJ{}{stamp}{r:06}", if channel == "online" { "P" } else { "X" })
}

/// What the payer is asked to pay at the cashier.
fn subject(c: &ContractRow, seq: i64, label: &str) -> String {
    format!("{} 合同{} 第{}期 {}", c.title.chars().take(40).collect::<String>(), c.code, seq, label)
}

/// Starts (or continues) the online payment of installment `seq` and returns the
/// cashier URL to send the owner to. A payment already under way is asked
/// about first: paid meanwhile → applied and refused here; still unpaid → the
/// same order again (no second payment); closed → a new order.
pub async fn start_online(state: &AppState, c: &ContractRow, seq: i64, user_id: i64, base: Option<&str>, now: i64) -> Result<String, AppError> {
    // what is under way (a read)
    let mut tx = crate::db::begin_write_on(&state.pool).await?;
    let (_, open) = payable(&mut tx, c, seq, "online").await?;
    tx.commit().await?;
    if let Some(open) = open {
        match reconcile(state, &open, now).await?.as_str() {
            "paid" => return Err(AppError::invalid("seq", "payment.installment_paid")),
            "created" | "pending" => {
                let url = create_order(state, c, &open, base).await?;
                return Ok(url);
            }
            _ => {}
        }
    }
    // a new payment
    let mut tx = begin_write(state).await?;
    let c = super::load_locked(&mut tx, state, c.id).await?.ok_or(AppError::NotFound)?;
    let (amount, open) = payable(&mut tx, &c, seq, "online").await?;
    if open.is_some() {
        return Err(AppError::invalid("seq", "payment.pending_exists"));
    }
    let order_no = new_order_no("online", now);
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO payments (contract_id, seq, channel, provider, order_no, amount_fen, status, recorded_by, created_at, updated_at) \
         VALUES ($1, $2, 'online', $3, $4, $5, 'created', $6, $7, $7) RETURNING id",
    )
    .bind(c.id)
    .bind(seq)
    .bind(crate::payment::sandbox::NAME)
    .bind(&order_no)
    .bind(amount)
    .bind(user_id)
    .bind(now)
    .fetch_one(&mut *tx)
    .await?;
    event(&mut tx, c.id, now, "payment_started", Some(user_id), &format!("第{seq}期 在线支付 ¥{}(订单号 {order_no})", Fen(amount).yuan_string())).await?;
    tx.commit().await?;
    let p = payment_by_id(&state.pool, id).await?.ok_or(AppError::NotFound)?;
    let url = create_order(state, &c, &p, base).await?;
    super::notify(state, &c.code, "payment").await;
    Ok(url)
}

/// Gives the order to the provider (again: the same order number and amount
/// return the same cashier); `created` → `pending`, or `failed` when refused.
async fn create_order(state: &AppState, c: &ContractRow, p: &PaymentRow, base: Option<&str>) -> Result<String, AppError> {
    let name = p.provider.clone().unwrap_or_default();
    let provider = crate::payment::provider(state, &name).await?.ok_or_else(|| AppError::Server(format!("no payment provider {name}")))?;
    let label: String = sqlx::query_scalar("SELECT label FROM contract_installments WHERE contract_id = $1 AND seq = $2")
        .bind(c.id)
        .bind(p.seq)
        .fetch_optional(&state.pool)
        .await?
        .unwrap_or_default();
    let (notify_url, return_url) = match base {
        Some(b) => (format!("{b}{}", crate::payment::sandbox::NOTIFY_PATH), format!("{b}/contracts/{}", c.code)),
        None => (crate::payment::IN_PROCESS.to_string(), format!("/contracts/{}", c.code)),
    };
    let subject = subject(c, p.seq, &label);
    let order = NewOrder { order_no: &p.order_no, amount_fen: p.amount_fen, subject: &subject, notify_url: &notify_url, return_url: &return_url };
    match provider.create_order(&order).await {
        Ok(url) => {
            sqlx::query("UPDATE payments SET status = 'pending', updated_at = $2 WHERE id = $1 AND status = 'created'")
                .bind(p.id)
                .bind(state.now_ms())
                .execute(&state.pool)
                .await?;
            Ok(url)
        }
        Err(e) => {
            tracing::warn!(order_no = %p.order_no, error = %e, "payment order refused");
            if matches!(e, crate::payment::ProviderError::Refused(_)) {
                sqlx::query("UPDATE payments SET status = 'failed', updated_at = $2 WHERE id = $1 AND status IN ('created', 'pending')")
                    .bind(p.id)
                    .bind(state.now_ms())
                    .execute(&state.pool)
                    .await?;
            }
            Err(AppError::invalid("seq", "payment.provider_unavailable"))
        }
    }
}

/// Refuses an offline record before its attachment is stored.
pub async fn may_record_offline(state: &AppState, c: &ContractRow, seq: i64) -> Result<i64, AppError> {
    let mut tx = crate::db::begin_write_on(&state.pool).await?;
    let (amount, open) = payable(&mut tx, c, seq, "offline").await?;
    if open.is_some() {
        return Err(AppError::invalid("seq", "payment.pending_exists"));
    }
    Ok(amount)
}

/// What the owner records about an offline payment.
pub struct OfflineRecord<'a> {
    pub seq: i64,
    pub paid_on: &'a str,
    pub amount_fen: i64,
    pub voucher_no: &'a str,
    pub file_id: i64,
}

/// The owner records an offline payment (`pending` until the firm confirms).
pub async fn record_offline(state: &AppState, c: &ContractRow, r: &OfflineRecord<'_>, user_id: i64, now: i64) -> Result<i64, AppError> {
    let mut tx = begin_write(state).await?;
    let c = super::load_locked(&mut tx, state, c.id).await?.ok_or(AppError::NotFound)?;
    let (amount, open) = payable(&mut tx, &c, r.seq, "offline").await?;
    if open.is_some() {
        return Err(AppError::invalid("seq", "payment.pending_exists"));
    }
    if amount != r.amount_fen {
        return Err(AppError::invalid("amount", "payment.amount_mismatch"));
    }
    let order_no = new_order_no("offline", now);
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO payments (contract_id, seq, channel, order_no, amount_fen, status, voucher_no, paid_on, file_id, recorded_by, created_at, updated_at) \
         VALUES ($1, $2, 'offline', $3, $4, 'pending', $5, $6, $7, $8, $9, $9) RETURNING id",
    )
    .bind(c.id)
    .bind(r.seq)
    .bind(&order_no)
    .bind(amount)
    .bind(r.voucher_no)
    .bind(r.paid_on)
    .bind(r.file_id)
    .bind(user_id)
    .bind(now)
    .fetch_one(&mut *tx)
    .await?;
    event(&mut tx, c.id, now, "payment_recorded", Some(user_id), &format!("第{}期 线下支付 ¥{}(凭证号 {},付款日期 {})", r.seq, Fen(amount).yuan_string(), r.voucher_no, r.paid_on)).await?;
    tx.commit().await?;
    super::notify(state, &c.code, "payment").await;
    Ok(id)
}

/// The firm confirms receipt of an offline payment (`paid`, and its
/// installment), or refuses it with a reason (`failed`: the owner may record again).
pub async fn decide_offline(state: &AppState, c: &ContractRow, payment_id: i64, confirm: bool, reason: &str, user_id: i64, now: i64) -> Result<(), AppError> {
    let mut tx = begin_write(state).await?;
    let c = super::load_locked(&mut tx, state, c.id).await?.ok_or(AppError::NotFound)?;
    let p = payment_locked(&mut tx, state, payment_id).await?.filter(|p| p.contract_id == c.id).ok_or(AppError::NotFound)?;
    if p.channel != "offline" || p.status != "pending" {
        return Err(AppError::invalid("id", "payment.not_awaiting_confirmation"));
    }
    if confirm {
        let changed = sqlx::query("UPDATE payments SET status = 'paid', confirmed_by = $2, confirmed_at = $3, paid_at = $3, updated_at = $3 WHERE id = $1 AND status = 'pending'")
            .bind(p.id)
            .bind(user_id)
            .bind(now)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if changed != 1 {
            return Err(AppError::invalid("id", "payment.not_awaiting_confirmation"));
        }
        let detail = format!("第{}期 线下支付 ¥{} 乙方已确认收款(凭证号 {})", p.seq, Fen(p.amount_fen).yuan_string(), p.voucher_no.as_deref().unwrap_or("—"));
        mark_installment_paid(&mut tx, &c, &p, now, Some(user_id), now, &detail).await?;
    } else {
        sqlx::query("UPDATE payments SET status = 'failed', refund_reason = $2, confirmed_by = $3, confirmed_at = $4, updated_at = $4 WHERE id = $1 AND status = 'pending'")
            .bind(p.id)
            .bind(reason)
            .bind(user_id)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        event(&mut tx, c.id, now, "payment_disputed", Some(user_id), &format!("第{}期 线下支付 ¥{} 乙方未确认收款:{reason}", p.seq, Fen(p.amount_fen).yuan_string())).await?;
    }
    tx.commit().await?;
    super::notify(state, &c.code, "payment").await;
    Ok(())
}

/// Refunds a paid online payment through its provider (operators, with a reason):
/// the payment becomes `refunded` and its installment `due` again. A completed
/// contract is never refunded.
pub async fn refund(state: &AppState, c: &ContractRow, p: &PaymentRow, reason: &str, user_id: i64, now: i64) -> Result<(), AppError> {
    if c.status() == ContractStatus::Completed {
        return Err(AppError::invalid("reason", "payment.refund_completed"));
    }
    if p.channel != "online" {
        return Err(AppError::invalid("reason", "payment.refund_offline"));
    }
    if p.status != "paid" {
        return Err(AppError::invalid("reason", "payment.refund_not_paid"));
    }
    let name = p.provider.clone().unwrap_or_default();
    let provider = crate::payment::provider(state, &name).await?.ok_or_else(|| AppError::Server(format!("no payment provider {name}")))?;
    let receipt = provider.refund(&p.order_no, p.amount_fen, reason).await.map_err(|e| {
        tracing::warn!(order_no = %p.order_no, error = %e, "refund refused");
        AppError::invalid("reason", "payment.refund_refused")
    })?;
    let mut tx = begin_write(state).await?;
    let c = super::load_locked(&mut tx, state, c.id).await?.ok_or(AppError::NotFound)?;
    let p = payment_locked(&mut tx, state, p.id).await?.ok_or(AppError::NotFound)?;
    mark_refunded(&mut tx, &c, &p, &format!("{reason}(退款单号 {})", receipt.refund_id), Some(user_id), now).await?;
    tx.commit().await?;
    super::notify(state, &c.code, "payment").await;
    Ok(())
}

/// The panel's rows: installments (or, before signing, the plan of the terms),
/// payments with their vouchers and callback logs. Permissions are left false
/// for the caller to fill in.
pub async fn panel_rows(pool: &Pool, c: &ContractRow) -> Result<(Vec<InstallmentView>, Vec<PaymentView>, bool, u32), sqlx::Error> {
    let terms: Option<Terms> = sqlx::query_scalar::<_, String>("SELECT terms FROM contract_versions WHERE contract_id = $1 AND version = $2")
        .bind(c.id)
        .bind(c.version)
        .fetch_optional(pool)
        .await?
        .and_then(|j| serde_json::from_str(&j).ok());
    let titles: Vec<String> = terms.as_ref().map(|t| t.negotiable.milestones.iter().map(|m| m.title.clone()).collect()).unwrap_or_default();
    let title_of = |condition: &str| match PayAfter::parse_code(condition) {
        Some(PayAfter::Milestone(n)) => titles.get(n as usize - 1).cloned(),
        _ => None,
    };
    let payment_days = terms.as_ref().map(|t| t.negotiable.payment_days).unwrap_or(DEFAULT_PAYMENT_DAYS);
    let rows: Vec<(i64, String, i64, String, Option<i64>, String, Option<i64>)> =
        sqlx::query_as("SELECT seq, label, amount_fen, condition, due_at, status, paid_at FROM contract_installments WHERE contract_id = $1 ORDER BY seq")
            .bind(c.id)
            .fetch_all(pool)
            .await?;
    let planned = rows.is_empty();
    let installments: Vec<InstallmentView> = if planned {
        let plan = match &terms {
            Some(t) => plan_of(t),
            None => plan_without_terms(c.price_fen),
        };
        plan.into_iter()
            .enumerate()
            .map(|(i, (label, amount_fen, after))| {
                let condition = after.as_code();
                InstallmentView { seq: i as i64 + 1, label, amount_fen, milestone_title: title_of(&condition), condition, status: "waiting".into(), ..Default::default() }
            })
            .collect()
    } else {
        rows.into_iter()
            .map(|(seq, label, amount_fen, condition, due_at, status, paid_at)| InstallmentView {
                seq,
                label,
                amount_fen,
                milestone_title: title_of(&condition),
                condition,
                due_at,
                status,
                paid_at,
                ..Default::default()
            })
            .collect()
    };
    let raw: Vec<PaymentRow> = sqlx::query_as(&format!("SELECT {PAYMENT_COLUMNS} FROM payments WHERE contract_id = $1 ORDER BY id DESC")).bind(c.id).fetch_all(pool).await?;
    let files: Vec<(i64, i64, String, String, i64, String)> = sqlx::query_as(
        "SELECT p.id, f.id, f.sha256, f.content_type, f.size_bytes, f.original_name FROM payments p JOIN files f ON f.id = p.file_id WHERE p.contract_id = $1",
    )
    .bind(c.id)
    .fetch_all(pool)
    .await?;
    let callbacks: Vec<(String, String, String, String, i64)> = sqlx::query_as(
        "SELECT order_no, notify_id, outcome, detail, received_at FROM payment_callbacks \
         WHERE order_no IN (SELECT order_no FROM payments WHERE contract_id = $1) ORDER BY received_at DESC, id DESC LIMIT 500",
    )
    .bind(c.id)
    .fetch_all(pool)
    .await?;
    let counts: Vec<(String, String, i64)> = sqlx::query_as(
        "SELECT order_no, outcome, CAST(COUNT(*) AS BIGINT) FROM payment_callbacks \
         WHERE order_no IN (SELECT order_no FROM payments WHERE contract_id = $1) GROUP BY order_no, outcome",
    )
    .bind(c.id)
    .fetch_all(pool)
    .await?;
    let payments = raw
        .into_iter()
        .map(|p| {
            let voucher = files.iter().find(|f| f.0 == p.id).map(|f| FileRef {
                id: f.1,
                sha256: f.2.clone(),
                content_type: f.3.clone(),
                size_bytes: f.4,
                original_name: f.5.clone(),
            });
            let mut n = CallbackCounts::default();
            for (_, outcome, count) in counts.iter().filter(|x| x.0 == p.order_no) {
                match outcome.as_str() {
                    "applied" => n.applied = *count,
                    "duplicate" => n.duplicate = *count,
                    "forged" => n.forged = *count,
                    _ => n.rejected += *count,
                }
            }
            PaymentView {
                id: p.id,
                seq: p.seq,
                channel: p.channel,
                provider: p.provider,
                amount_fen: p.amount_fen,
                status: p.status,
                provider_txn: p.provider_txn,
                voucher_no: p.voucher_no,
                paid_on: p.paid_on,
                voucher,
                created_at: p.created_at,
                paid_at: p.paid_at,
                confirmed_at: p.confirmed_at,
                refunded_at: p.refunded_at,
                reason: p.refund_reason,
                callbacks: callbacks
                    .iter()
                    .filter(|x| x.0 == p.order_no)
                    .take(20)
                    .map(|x| CallbackView { notify_id: x.1.clone(), outcome: x.2.clone(), detail: x.3.clone(), received_at: x.4 })
                    .collect(),
                callback_counts: n,
                order_no: p.order_no,
                ..Default::default()
            }
        })
        .collect();
    Ok((installments, payments, planned, payment_days))
}

/// The file of an offline payment's voucher and the contract it belongs to.
pub async fn voucher_of(pool: &Pool, payment_id: i64) -> Result<Option<(i64, String)>, sqlx::Error> {
    sqlx::query_as("SELECT p.file_id, c.code FROM payments p JOIN contracts c ON c.id = p.contract_id WHERE p.id = $1 AND p.file_id IS NOT NULL")
        .bind(payment_id)
        .fetch_optional(pool)
        .await
}
