//! The sandbox payment gateway (沙箱支付网关): a stand-in for a real gateway
//! that behaves like one, for test and demonstration environments.
//!
//! - **Its own books.** Orders (`sandbox_gateway_orders`) and an outbox of
//!   notifications (`sandbox_gateway_notifications`); the platform sees them only
//!   through [`PaymentProvider`].
//! - **Cashier.** `GET /sandbox-gateway/pay/{order_no}` (server crate,
//!   `payment_routes.rs`) shows the order with 「确认支付」 and 「取消支付」; after
//!   payment 「重发通知」 (re-sends the same notification, same `notify_id`, as a
//!   real gateway's merchant console can) and 「返回商户」.
//! - **Asynchronous signed notifications.** Paying (or closing, refunding) queues
//!   a notification: a JSON body `{notify_id, order_no, status, amount_fen,
//!   txn_id, paid_at}` and `X-Sandbox-Signature: hex(HMAC-SHA256(secret, body))`
//!   over the exact body bytes. [`advance`] (every second, from the scheduler)
//!   POSTs due ones to the order's notify URL and retries with backoff
//!   ([`RETRY_DELAYS_MS`], at most [`MAX_ATTEMPTS`] times) until the platform
//!   answers `200 success`. The notify URL [`super::IN_PROCESS`] is delivered by a
//!   direct call (tests, no HTTP server).
//! - **Shared secret.** 32 random bytes made on first use and kept in `app_meta`
//!   (`payment.sandbox.secret`), so every server instance signs and verifies alike.
//! - **Time-outs.** An order left unpaid for [`ORDER_TIMEOUT_MS`] is closed (and
//!   notified) like a real gateway's 支付超时, so an abandoned cashier never
//!   blocks a new payment for long.
//!
//! Delivery only ever POSTs to the callback path [`NOTIFY_PATH`] (whatever host
//! the notify URL names), follows no redirects and gives up after 10 seconds.
use super::{GatewayState, NewOrder, NoticeStatus, OrderStatus, PaymentProvider, ProviderError, RefundReceipt, VerifiedNotice};
use super::Forged;
use crate::db::Pool;
use crate::state::AppState;
use async_trait::async_trait;
use axum::http::HeaderMap;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

pub const NAME: &str = "sandbox";
/// The header carrying the signature (lower-case hex HMAC-SHA256 of the body).
pub const SIGNATURE_HEADER: &str = "x-sandbox-signature";
/// `app_meta` key of the shared secret (hex).
pub const SECRET_KEY: &str = "payment.sandbox.secret";
/// The platform's callback path for this gateway.
pub const NOTIFY_PATH: &str = "/payments/notify/sandbox";
/// The cashier page of an order.
pub fn cashier_path(order_no: &str) -> String {
    format!("/sandbox-gateway/pay/{order_no}")
}
/// Unpaid orders are closed after 30 minutes.
pub const ORDER_TIMEOUT_MS: i64 = 30 * 60_000;
/// Waits before each retry of an unacknowledged notification (the first try is at once).
pub const RETRY_DELAYS_MS: [i64; 9] = [15_000, 30_000, 180_000, 600_000, 1_200_000, 1_800_000, 3_600_000, 10_800_000, 21_600_000];
/// Tries per notification before the gateway gives up (the platform's query still reconciles).
pub const MAX_ATTEMPTS: i64 = RETRY_DELAYS_MS.len() as i64 + 1;
/// `next_at` of a notification the gateway gave up on.
const NEVER: i64 = i64::MAX / 4;
/// An HTTP delivery in flight is retried no sooner than this (it may still answer).
const IN_FLIGHT_MS: i64 = 30_000;

type HmacSha256 = Hmac<Sha256>;

/// The gateway as a provider: its books and its signing secret.
pub struct SandboxGateway {
    state: AppState,
    secret: Vec<u8>,
}

/// The shared secret: read from `app_meta`, created (32 random bytes) on first use.
/// `ON CONFLICT DO NOTHING`: when two instances create it at once, both keep the first.
pub async fn secret(pool: &Pool) -> Result<Vec<u8>, sqlx::Error> {
    let read = |v: Option<String>| v.and_then(|h| crate::sealing::unhex(&h)).filter(|b| b.len() == 32);
    if let Some(s) = read(crate::db::meta_get(pool, SECRET_KEY).await?) {
        return Ok(s);
    }
    sqlx::query("INSERT INTO app_meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING")
        .bind(SECRET_KEY)
        .bind(crate::sealing::random_hex32())
        .execute(pool)
        .await?;
    read(crate::db::meta_get(pool, SECRET_KEY).await?).ok_or_else(|| sqlx::Error::Protocol("the sandbox gateway secret in app_meta is not 32 bytes of hex".into()))
}

/// Lower-case hex HMAC-SHA256 of `body` under `secret`.
pub fn sign_with(secret: &[u8], body: &[u8]) -> String {
    let mut mac = HmacSha256::new_from_slice(secret).expect("HMAC takes keys of any length");
    mac.update(body);
    crate::sealing::hex(&mac.finalize().into_bytes())
}

/// The body of a notification, exactly as signed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NoticeBody {
    pub notify_id: String,
    pub order_no: String,
    pub status: String,
    pub amount_fen: i64,
    pub txn_id: Option<String>,
    pub paid_at: Option<i64>,
}

impl SandboxGateway {
    pub async fn open(state: &AppState) -> Result<Self, sqlx::Error> {
        Ok(SandboxGateway { state: state.clone(), secret: secret(&state.pool).await? })
    }

    pub fn sign(&self, body: &[u8]) -> String {
        sign_with(&self.secret, body)
    }
}

/// A random upper-case hex token of `n` characters (n ≤ 64).
fn token(n: usize) -> String {
    crate::sealing::random_hex32()[..n].to_ascii_uppercase()
}

fn forged(reason: &'static str, body: &[u8]) -> Forged {
    let v: serde_json::Value = serde_json::from_slice(body).unwrap_or_default();
    let field = |k: &str| v.get(k).and_then(|x| x.as_str()).map(|s| s.chars().take(64).collect()).unwrap_or_default();
    Forged { reason, notify_id: field("notify_id"), order_no: field("order_no") }
}

fn short(s: &str) -> bool {
    !s.is_empty() && s.len() <= 64 && s.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | ':'))
}

#[async_trait]
impl PaymentProvider for SandboxGateway {
    fn name(&self) -> &'static str {
        NAME
    }

    async fn create_order(&self, order: &NewOrder<'_>) -> Result<String, ProviderError> {
        if order.amount_fen <= 0 || !short(order.order_no) {
            return Err(ProviderError::Refused("invalid order".into()));
        }
        let now = self.state.now_ms();
        sqlx::query(
            "INSERT INTO sandbox_gateway_orders (order_no, subject, amount_fen, notify_url, return_url, status, created_at) \
             VALUES ($1, $2, $3, $4, $5, 'unpaid', $6) ON CONFLICT (order_no) DO NOTHING",
        )
        .bind(order.order_no)
        .bind(order.subject)
        .bind(order.amount_fen)
        .bind(order.notify_url)
        .bind(order.return_url)
        .bind(now)
        .execute(&self.state.pool)
        .await?;
        let o = load_order(&self.state.pool, order.order_no).await?.ok_or_else(|| ProviderError::Unavailable("order vanished".into()))?;
        if o.amount_fen != order.amount_fen {
            return Err(ProviderError::Refused("order number already used for another amount".into()));
        }
        if o.status == "closed" {
            return Err(ProviderError::Refused("order closed".into()));
        }
        Ok(cashier_path(order.order_no))
    }

    fn verify_callback(&self, headers: &HeaderMap, body: &[u8]) -> Result<VerifiedNotice, Forged> {
        let Some(signature) = headers.get(SIGNATURE_HEADER).and_then(|v| v.to_str().ok()) else {
            return Err(forged("missing_signature", body));
        };
        let Some(signature) = crate::sealing::unhex(signature.trim()) else {
            return Err(forged("malformed_signature", body));
        };
        let mut mac = HmacSha256::new_from_slice(&self.secret).expect("HMAC takes keys of any length");
        mac.update(body);
        if mac.verify_slice(&signature).is_err() {
            return Err(forged("bad_signature", body));
        }
        let n: NoticeBody = serde_json::from_slice(body).map_err(|_| forged("malformed_body", body))?;
        let status = NoticeStatus::parse(&n.status).ok_or_else(|| forged("unknown_status", body))?;
        if !short(&n.notify_id) || !short(&n.order_no) || n.amount_fen <= 0 {
            return Err(forged("malformed_body", body));
        }
        Ok(VerifiedNotice { notify_id: n.notify_id, order_no: n.order_no, status, amount_fen: n.amount_fen, txn_id: n.txn_id, paid_at: n.paid_at })
    }

    async fn query(&self, order_no: &str) -> Result<Option<OrderStatus>, ProviderError> {
        Ok(load_order(&self.state.pool, order_no).await?.map(|o| OrderStatus {
            state: GatewayState::parse(&o.status).unwrap_or(GatewayState::Closed),
            amount_fen: o.amount_fen,
            txn_id: o.txn_id,
            paid_at: o.paid_at,
        }))
    }

    async fn refund(&self, order_no: &str, amount_fen: i64, _reason: &str) -> Result<RefundReceipt, ProviderError> {
        let now = self.state.now_ms();
        let mut tx = crate::db::trading::begin_write(&self.state).await?;
        let done = sqlx::query(
            "UPDATE sandbox_gateway_orders SET status = 'refunded', refunded_fen = refunded_fen + $2 \
             WHERE order_no = $1 AND status = 'paid' AND amount_fen = $2",
        )
        .bind(order_no)
        .bind(amount_fen)
        .execute(&mut *tx)
        .await?
        .rows_affected()
            == 1;
        if !done {
            drop(tx);
            return Err(ProviderError::Refused(match load_order(&self.state.pool, order_no).await? {
                None => "unknown order".into(),
                Some(o) if o.status == "refunded" => "already refunded".into(),
                Some(o) if o.status != "paid" => "order not paid".into(),
                Some(_) => "refunds are for the full amount".into(),
            }));
        }
        let o = load_order_in(&mut tx, order_no).await?.ok_or_else(|| ProviderError::Unavailable("order vanished".into()))?;
        queue(&mut tx, &self.secret, &o, NoticeStatus::Refunded, now).await?;
        tx.commit().await?;
        Ok(RefundReceipt { refund_id: format!("SBR{}", token(16)), amount_fen })
    }
}

/// An order in the gateway's books.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct GatewayOrder {
    pub order_no: String,
    pub subject: String,
    pub amount_fen: i64,
    pub notify_url: String,
    pub return_url: String,
    /// `unpaid`, `paid`, `closed`, `refunded`.
    pub status: String,
    pub txn_id: Option<String>,
    pub refunded_fen: i64,
    pub created_at: i64,
    pub paid_at: Option<i64>,
}

const ORDER_COLUMNS: &str = "order_no, subject, amount_fen, notify_url, return_url, status, txn_id, refunded_fen, created_at, paid_at";

pub async fn load_order(pool: &Pool, order_no: &str) -> Result<Option<GatewayOrder>, sqlx::Error> {
    sqlx::query_as::<_, GatewayOrder>(&format!("SELECT {ORDER_COLUMNS} FROM sandbox_gateway_orders WHERE order_no = $1"))
        .bind(order_no)
        .fetch_optional(pool)
        .await
}

async fn load_order_in(tx: &mut crate::db::trading::Tx<'_>, order_no: &str) -> Result<Option<GatewayOrder>, sqlx::Error> {
    sqlx::query_as::<_, GatewayOrder>(&format!("SELECT {ORDER_COLUMNS} FROM sandbox_gateway_orders WHERE order_no = $1"))
        .bind(order_no)
        .fetch_optional(&mut **tx)
        .await
}

/// One entry of the outbox, for the cashier page.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct Notification {
    pub id: i64,
    pub notify_id: String,
    pub status: String,
    pub attempts: i64,
    pub next_at: i64,
    pub delivered_at: Option<i64>,
    pub last_error: Option<String>,
}

impl Notification {
    /// The gateway stopped retrying.
    pub fn given_up(&self) -> bool {
        self.delivered_at.is_none() && self.next_at >= NEVER
    }
}

/// The order's notifications, newest first.
pub async fn notifications(pool: &Pool, order_no: &str) -> Result<Vec<Notification>, sqlx::Error> {
    let rows: Vec<(i64, String, String, i64, i64, Option<i64>, Option<String>)> = sqlx::query_as(
        "SELECT id, notify_id, body, attempts, next_at, delivered_at, last_error FROM sandbox_gateway_notifications \
         WHERE order_no = $1 ORDER BY id DESC LIMIT 20",
    )
    .bind(order_no)
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(id, notify_id, body, attempts, next_at, delivered_at, last_error)| Notification {
            id,
            notify_id,
            status: serde_json::from_str::<NoticeBody>(&body).map(|b| b.status).unwrap_or_default(),
            attempts,
            next_at,
            delivered_at,
            last_error,
        })
        .collect())
}

/// Queues a new signed notification about `o` (now `status`).
async fn queue(tx: &mut crate::db::trading::Tx<'_>, secret: &[u8], o: &GatewayOrder, status: NoticeStatus, now: i64) -> Result<String, sqlx::Error> {
    let body = NoticeBody {
        notify_id: format!("SBN{}", token(24)),
        order_no: o.order_no.clone(),
        status: status.as_str().into(),
        amount_fen: o.amount_fen,
        txn_id: o.txn_id.clone(),
        paid_at: o.paid_at,
    };
    let json = serde_json::to_string(&body).map_err(|e| sqlx::Error::Protocol(e.to_string()))?;
    sqlx::query("INSERT INTO sandbox_gateway_notifications (order_no, notify_id, body, signature, attempts, next_at) VALUES ($1, $2, $3, $4, 0, $5)")
        .bind(&o.order_no)
        .bind(&body.notify_id)
        .bind(&json)
        .bind(sign_with(secret, json.as_bytes()))
        .bind(now)
        .execute(&mut **tx)
        .await?;
    Ok(body.notify_id)
}

/// 「确认支付」: the payer pays an unpaid order; the gateway queues the `paid`
/// notification. `false` when the order is not (or no longer) unpaid.
pub async fn pay(state: &AppState, order_no: &str, now: i64) -> Result<bool, sqlx::Error> {
    let secret = secret(&state.pool).await?;
    let mut tx = crate::db::trading::begin_write(state).await?;
    let txn = format!("SBX{}{}", crate::domain::time::format_shanghai(now).replace(['-', ' ', ':'], ""), token(8));
    let done = sqlx::query("UPDATE sandbox_gateway_orders SET status = 'paid', txn_id = $2, paid_at = $3 WHERE order_no = $1 AND status = 'unpaid'")
        .bind(order_no)
        .bind(&txn)
        .bind(now)
        .execute(&mut *tx)
        .await?
        .rows_affected()
        == 1;
    if done {
        let o = load_order_in(&mut tx, order_no).await?.ok_or(sqlx::Error::RowNotFound)?;
        queue(&mut tx, &secret, &o, NoticeStatus::Paid, now).await?;
    }
    tx.commit().await?;
    Ok(done)
}

/// 「取消支付」 (and the time-out): closes an unpaid order and queues the `closed`
/// notification. `false` when the order is not unpaid.
pub async fn close(state: &AppState, order_no: &str, now: i64) -> Result<bool, sqlx::Error> {
    let secret = secret(&state.pool).await?;
    let mut tx = crate::db::trading::begin_write(state).await?;
    let done = sqlx::query("UPDATE sandbox_gateway_orders SET status = 'closed' WHERE order_no = $1 AND status = 'unpaid'")
        .bind(order_no)
        .execute(&mut *tx)
        .await?
        .rows_affected()
        == 1;
    if done {
        let o = load_order_in(&mut tx, order_no).await?.ok_or(sqlx::Error::RowNotFound)?;
        queue(&mut tx, &secret, &o, NoticeStatus::Closed, now).await?;
    }
    tx.commit().await?;
    Ok(done)
}

/// 「重发通知」: sends the order's latest notification again — the same body,
/// signature and `notify_id` — as a new delivery due now. `false` when the order
/// has no notification yet.
pub async fn resend(state: &AppState, order_no: &str, now: i64) -> Result<bool, sqlx::Error> {
    let n = sqlx::query(
        "INSERT INTO sandbox_gateway_notifications (order_no, notify_id, body, signature, attempts, next_at) \
         SELECT order_no, notify_id, body, signature, 0, $2 FROM sandbox_gateway_notifications \
         WHERE id = (SELECT MAX(id) FROM sandbox_gateway_notifications WHERE order_no = $1)",
    )
    .bind(order_no)
    .bind(now)
    .execute(&state.pool)
    .await?
    .rows_affected();
    Ok(n == 1)
}

fn retry_delay(attempt: i64) -> i64 {
    // after try `attempt` (1-based) failed
    usize::try_from(attempt - 1).ok().and_then(|i| RETRY_DELAYS_MS.get(i).copied()).unwrap_or(NEVER)
}

/// The gateway's time-driven work: closes unpaid orders past their time-out
/// and delivers due notifications. Returns how many notifications it handled.
pub async fn advance(state: &AppState, now: i64) -> Result<u32, sqlx::Error> {
    let stale: Vec<String> = sqlx::query_scalar("SELECT order_no FROM sandbox_gateway_orders WHERE status = 'unpaid' AND created_at <= $1 ORDER BY created_at LIMIT 50")
        .bind(now - ORDER_TIMEOUT_MS)
        .fetch_all(&state.pool)
        .await?;
    for order_no in stale {
        close(state, &order_no, now).await?;
    }
    deliver_due(state, now).await
}

#[derive(sqlx::FromRow)]
struct Due {
    id: i64,
    body: String,
    signature: String,
    attempts: i64,
    notify_url: String,
}

/// Delivers (or starts delivering) every notification due at `now`. Each is
/// claimed first (a conditional update of its try count), so several instances
/// never deliver the same try twice; a failed try is retried after its delay.
pub async fn deliver_due(state: &AppState, now: i64) -> Result<u32, sqlx::Error> {
    let due: Vec<Due> = sqlx::query_as(
        "SELECT n.id, n.body, n.signature, n.attempts, o.notify_url FROM sandbox_gateway_notifications n \
         JOIN sandbox_gateway_orders o ON o.order_no = n.order_no \
         WHERE n.delivered_at IS NULL AND n.next_at <= $1 ORDER BY n.next_at, n.id LIMIT 20",
    )
    .bind(now)
    .fetch_all(&state.pool)
    .await?;
    let mut handled = 0;
    for d in due {
        let attempt = d.attempts + 1;
        let in_process = d.notify_url == super::IN_PROCESS;
        // an HTTP try may take a while: the next try waits for it (and at least its delay)
        let next = if in_process { now.saturating_add(retry_delay(attempt)) } else { now.saturating_add(retry_delay(attempt).max(IN_FLIGHT_MS)) };
        let next = if attempt >= MAX_ATTEMPTS { NEVER } else { next };
        let claimed = sqlx::query(
            "UPDATE sandbox_gateway_notifications SET attempts = $2, next_at = $3 WHERE id = $1 AND attempts = $4 AND delivered_at IS NULL",
        )
        .bind(d.id)
        .bind(attempt)
        .bind(next)
        .bind(d.attempts)
        .execute(&state.pool)
        .await?
        .rows_affected()
            == 1;
        if !claimed {
            continue;
        }
        handled += 1;
        if in_process {
            let mut headers = HeaderMap::new();
            if let Ok(v) = axum::http::HeaderValue::from_str(&d.signature) {
                headers.insert(SIGNATURE_HEADER, v);
            }
            let reply = super::receive_callback(state, NAME, &headers, d.body.as_bytes()).await;
            let result = if reply == super::CallbackReply::SUCCESS { Ok(()) } else { Err(format!("HTTP {}: {}", reply.status, reply.body)) };
            record(state, d.id, result, state.now_ms()).await?;
        } else {
            let state = state.clone();
            tokio::spawn(async move {
                let result = post(&d.notify_url, &d.body, &d.signature).await;
                if let Err(e) = &result {
                    tracing::info!(notification = d.id, attempt, error = %e, "sandbox gateway: notification not acknowledged");
                }
                if let Err(e) = record(&state, d.id, result, state.now_ms()).await {
                    tracing::warn!(error = %e, "sandbox gateway: recording a delivery");
                }
            });
        }
    }
    Ok(handled)
}

async fn record(state: &AppState, id: i64, result: Result<(), String>, now: i64) -> Result<(), sqlx::Error> {
    match result {
        Ok(()) => sqlx::query("UPDATE sandbox_gateway_notifications SET delivered_at = $2, last_error = NULL WHERE id = $1 AND delivered_at IS NULL")
            .bind(id)
            .bind(now)
            .execute(&state.pool)
            .await
            .map(drop),
        Err(e) => sqlx::query("UPDATE sandbox_gateway_notifications SET last_error = $2 WHERE id = $1")
            .bind(id)
            .bind(e.chars().take(200).collect::<String>())
            .execute(&state.pool)
            .await
            .map(drop),
    }
}

/// Whether the gateway may POST to `url`: http(s), the callback path, nothing else.
pub fn deliverable(url: &str) -> bool {
    let Some(rest) = url.strip_prefix("http://").or_else(|| url.strip_prefix("https://")) else { return false };
    match rest.split_once('/') {
        Some((host, path)) => !host.is_empty() && !host.contains('@') && format!("/{path}") == NOTIFY_PATH,
        None => false,
    }
}

fn client() -> &'static reqwest::Client {
    static CLIENT: std::sync::OnceLock<reqwest::Client> = std::sync::OnceLock::new();
    CLIENT.get_or_init(|| {
        reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(std::time::Duration::from_secs(10))
            .user_agent("zjcs-sandbox-gateway/1")
            .build()
            .unwrap_or_default()
    })
}

/// One HTTP try: acknowledged only by `200` with the body `success`.
async fn post(url: &str, body: &str, signature: &str) -> Result<(), String> {
    if !deliverable(url) {
        return Err(format!("refusing to deliver to {url}"));
    }
    let res = client()
        .post(url)
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .header(SIGNATURE_HEADER, signature)
        .body(body.to_string())
        .send()
        .await
        .map_err(|e| e.to_string())?;
    let status = res.status().as_u16();
    let text = res.text().await.unwrap_or_default();
    if status == 200 && text.trim() == "success" {
        Ok(())
    } else {
        Err(format!("HTTP {status}: {}", text.chars().take(100).collect::<String>()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_are_hmac_sha256_hex() {
        // RFC 4231 test case 2
        assert_eq!(sign_with(b"Jefe", b"what do ya want for nothing?"), "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
    }

    #[test]
    fn retries_back_off_then_stop() {
        assert_eq!(retry_delay(1), 15_000);
        assert_eq!(retry_delay(9), 21_600_000);
        assert_eq!(retry_delay(10), NEVER);
        assert_eq!(MAX_ATTEMPTS, 10);
    }

    #[test]
    fn only_the_callback_path_is_deliverable() {
        assert!(deliverable("http://127.0.0.1:3000/payments/notify/sandbox"));
        assert!(deliverable("https://zjcs.sc.gov.cn/payments/notify/sandbox"));
        for bad in [
            "http://127.0.0.1:3000/api/payments/pay",
            "ftp://x/payments/notify/sandbox",
            "http://user@evil/payments/notify/sandbox",
            "http:///payments/notify/sandbox",
            "inproc:/payments/notify/sandbox",
            "http://x/payments/notify/sandbox?x=1",
        ] {
            assert!(!deliverable(bad), "{bad}");
        }
    }
}
