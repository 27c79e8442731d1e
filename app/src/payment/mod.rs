//! Payment providers (网上支付, server only).
//!
//! The platform talks to a payment gateway only through [`PaymentProvider`]:
//! it creates a payment order and sends the payer to the gateway's cashier
//! (`create_order` → redirect URL), receives the gateway's asynchronous signed
//! notification (`verify_callback`), asks for an order's state when a
//! notification is late or lost (`query`), and refunds (`refund`). A real
//! gateway is added by implementing the trait and naming it in [`provider`].
//!
//! The one built-in provider is the sandbox gateway ([`sandbox::SandboxGateway`]):
//! it keeps its own books (tables `sandbox_gateway_orders`,
//! `sandbox_gateway_notifications`), serves a cashier page
//! (`GET /sandbox-gateway/pay/{order_no}`, in the server crate) and delivers its
//! notifications asynchronously, signed with HMAC-SHA256, retried with backoff
//! until the platform answers `200 success` — like a real one.
//!
//! Callbacks arrive at `POST /payments/notify/{provider}` and go through
//! [`receive_callback`]: a forged one (bad signature) is logged and answered
//! 400, nothing changes; a repeated one (same notification id, already
//! applied) is logged as a duplicate and answered 200, nothing changes; a valid
//! one is applied in one write transaction (`db::contracts::payments::apply_notice`).
//!
//! Notification and return URLs are absolute: their base is the configured
//! public URL ([`PublicBase`], the first `--public-origins` entry of the server)
//! or else the request's `Host` (and `X-Forwarded-Proto`) when the payment
//! starts. A payment started outside an HTTP request (unit tests) gets the
//! notify URL [`IN_PROCESS`]: the sandbox then delivers by calling
//! [`receive_callback`] directly instead of over HTTP.
pub mod sandbox;

use crate::state::AppState;
use async_trait::async_trait;
use axum::http::HeaderMap;

/// The notify URL meaning "deliver by a direct call in this process" (no HTTP server: tests).
pub const IN_PROCESS: &str = "inproc:/payments/notify/sandbox";

/// The platform's public base URL (`https://zjcs.example.cn`), set by the server
/// as a request extension when configured; notification and return URLs start with it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PublicBase(pub Option<String>);

impl PublicBase {
    /// The first configured public origin, without a trailing slash.
    pub fn from_origins(origins: &[String]) -> Self {
        PublicBase(origins.iter().map(|o| o.trim().trim_end_matches('/').to_string()).find(|o| o.starts_with("http://") || o.starts_with("https://")))
    }
}

/// The base URL for the current request: the configured public URL, else
/// `http(s)://{Host}`; `None` outside a request (or without a usable Host).
pub fn request_base() -> Option<String> {
    let parts = leptos::prelude::use_context::<axum::http::request::Parts>()?;
    if let Some(PublicBase(Some(base))) = parts.extensions.get::<PublicBase>() {
        return Some(base.clone());
    }
    let host = parts.headers.get(axum::http::header::HOST)?.to_str().ok()?.trim();
    // a host name with an optional port, nothing that could change the URL's meaning
    if host.is_empty() || host.len() > 255 || !host.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']')) {
        return None;
    }
    let https = parts.headers.get("x-forwarded-proto").and_then(|v| v.to_str().ok()).is_some_and(|p| p.trim().eq_ignore_ascii_case("https"));
    Some(format!("{}://{host}", if https { "https" } else { "http" }))
}

/// What the platform asks a gateway to collect.
#[derive(Clone, Debug)]
pub struct NewOrder<'a> {
    /// The platform's order number (unique; the gateway's merchant order number).
    pub order_no: &'a str,
    pub amount_fen: i64,
    /// What the payer sees at the cashier.
    pub subject: &'a str,
    /// Where the gateway posts its asynchronous notifications.
    pub notify_url: &'a str,
    /// Where the cashier's 「返回商户」 leads.
    pub return_url: &'a str,
}

/// What a notification reports about an order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NoticeStatus {
    Paid,
    Closed,
    Refunded,
}

impl NoticeStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            NoticeStatus::Paid => "paid",
            NoticeStatus::Closed => "closed",
            NoticeStatus::Refunded => "refunded",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "paid" => Some(NoticeStatus::Paid),
            "closed" => Some(NoticeStatus::Closed),
            "refunded" => Some(NoticeStatus::Refunded),
            _ => None,
        }
    }
}

/// A notification whose signature checked out.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifiedNotice {
    /// The gateway's id of this notification: the same on every resend.
    pub notify_id: String,
    pub order_no: String,
    pub status: NoticeStatus,
    pub amount_fen: i64,
    /// The gateway's transaction number (paid orders).
    pub txn_id: Option<String>,
    pub paid_at: Option<i64>,
}

/// A callback that did not come from the gateway (or not in this form). The ids
/// are read from the unverified body, best effort, for the callback log only.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Forged {
    /// A short code for the log (`missing_signature`, `bad_signature`, `malformed_body` …).
    pub reason: &'static str,
    pub notify_id: String,
    pub order_no: String,
}

/// An order's state at the gateway.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GatewayState {
    Unpaid,
    Paid,
    Closed,
    Refunded,
}

impl GatewayState {
    pub fn as_str(self) -> &'static str {
        match self {
            GatewayState::Unpaid => "unpaid",
            GatewayState::Paid => "paid",
            GatewayState::Closed => "closed",
            GatewayState::Refunded => "refunded",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "unpaid" => Some(GatewayState::Unpaid),
            "paid" => Some(GatewayState::Paid),
            "closed" => Some(GatewayState::Closed),
            "refunded" => Some(GatewayState::Refunded),
            _ => None,
        }
    }
}

/// The answer to `query`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OrderStatus {
    pub state: GatewayState,
    pub amount_fen: i64,
    pub txn_id: Option<String>,
    pub paid_at: Option<i64>,
}

/// A completed refund.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RefundReceipt {
    pub refund_id: String,
    pub amount_fen: i64,
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ProviderError {
    /// The gateway cannot be reached or failed; try again later.
    #[error("payment provider unavailable: {0}")]
    Unavailable(String),
    /// The gateway refused the request (unknown order, wrong state or amount).
    #[error("payment provider refused: {0}")]
    Refused(String),
}

impl From<sqlx::Error> for ProviderError {
    fn from(e: sqlx::Error) -> Self {
        ProviderError::Unavailable(e.to_string())
    }
}

/// A payment gateway as the platform uses it.
#[async_trait]
pub trait PaymentProvider: Send + Sync {
    /// The name stored in `payments.provider` and used in the callback path.
    fn name(&self) -> &'static str;
    /// Creates (or, for the same order number and amount, returns again) a
    /// payment order; returns the cashier URL to send the payer to.
    async fn create_order(&self, order: &NewOrder<'_>) -> Result<String, ProviderError>;
    /// Checks a callback's signature over the exact body bytes and reads it.
    fn verify_callback(&self, headers: &HeaderMap, body: &[u8]) -> Result<VerifiedNotice, Forged>;
    /// The order's state at the gateway; `None` when the gateway does not know it.
    async fn query(&self, order_no: &str) -> Result<Option<OrderStatus>, ProviderError>;
    /// Refunds a paid order (in full: `amount_fen` must be what was paid).
    async fn refund(&self, order_no: &str, amount_fen: i64, reason: &str) -> Result<RefundReceipt, ProviderError>;
}

/// The provider called `name`, or `None` when there is no such provider.
pub async fn provider(state: &AppState, name: &str) -> Result<Option<Box<dyn PaymentProvider>>, sqlx::Error> {
    match name {
        sandbox::NAME => Ok(Some(Box::new(sandbox::SandboxGateway::open(state).await?))),
        _ => Ok(None),
    }
}

/// The HTTP answer to a callback (what the gateway expects: `success` or `fail`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CallbackReply {
    pub status: u16,
    pub body: &'static str,
}

impl CallbackReply {
    pub const SUCCESS: CallbackReply = CallbackReply { status: 200, body: "success" };
    pub const FORGED: CallbackReply = CallbackReply { status: 400, body: "fail" };
    pub const REJECTED: CallbackReply = CallbackReply { status: 400, body: "fail" };
    pub const UNKNOWN_PROVIDER: CallbackReply = CallbackReply { status: 404, body: "fail" };
    pub const UNAVAILABLE: CallbackReply = CallbackReply { status: 503, body: "fail" };
}

/// Handles one callback from provider `provider_name` (the HTTP route
/// `POST /payments/notify/{provider}` and the sandbox's in-process delivery
/// both call this): verifies, logs and applies it.
pub async fn receive_callback(state: &AppState, provider_name: &str, headers: &HeaderMap, body: &[u8]) -> CallbackReply {
    use crate::db::contracts::payments::{self, Outcome};
    let now = state.now_ms();
    let provider = match provider(state, provider_name).await {
        Ok(Some(p)) => p,
        Ok(None) => return CallbackReply::UNKNOWN_PROVIDER,
        Err(e) => {
            tracing::error!(error = %e, "payment provider");
            return CallbackReply::UNAVAILABLE;
        }
    };
    let text = String::from_utf8_lossy(body);
    match provider.verify_callback(headers, body) {
        Err(forged) => {
            tracing::warn!(provider = provider_name, order_no = %forged.order_no, reason = forged.reason, "forged payment callback refused");
            let logged = payments::log_callback(&state.pool, provider_name, &forged.notify_id, &forged.order_no, &text, "forged", forged.reason, now).await;
            if let Err(e) = logged {
                tracing::error!(error = %e, "payment callback log");
            }
            if let Ok(Some(code)) = payments::contract_code_of_order(&state.pool, &forged.order_no).await {
                crate::db::contracts::notify(state, &code, "payment").await;
            }
            CallbackReply::FORGED
        }
        Ok(notice) => match payments::apply_notice(state, provider_name, &notice, &text, "", now).await {
            Ok(Outcome::Applied | Outcome::Duplicate) => CallbackReply::SUCCESS,
            Ok(Outcome::Rejected) => CallbackReply::REJECTED,
            Err(e) => {
                tracing::error!(error = %e, "applying a payment callback");
                CallbackReply::UNAVAILABLE
            }
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn public_base_takes_the_first_http_origin() {
        assert_eq!(PublicBase::from_origins(&[]), PublicBase(None));
        assert_eq!(
            PublicBase::from_origins(&["zjcs.example".into(), "https://zjcs.sc.gov.cn/".into(), "http://b".into()]),
            PublicBase(Some("https://zjcs.sc.gov.cn".into()))
        );
    }

    #[test]
    fn states_round_trip() {
        for s in [NoticeStatus::Paid, NoticeStatus::Closed, NoticeStatus::Refunded] {
            assert_eq!(NoticeStatus::parse(s.as_str()), Some(s));
        }
        for s in [GatewayState::Unpaid, GatewayState::Paid, GatewayState::Closed, GatewayState::Refunded] {
            assert_eq!(GatewayState::parse(s.as_str()), Some(s));
        }
        assert_eq!(NoticeStatus::parse("PAID"), None);
    }
}
