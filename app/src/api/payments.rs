//! Payment (网上支付) server functions: the payment panel of a contract, online
//! payment through the payment provider (social funds), offline payment recorded
//! by the owner and confirmed by the firm (fiscal funds), query and refund.
//! Only the two parties see a contract's payments (supervisors in scope read
//! them); the gateway's callback is not a server function (see `crate::payment`).
use crate::error::AppError;
use crate::model::payment::PaymentsPanelData;
use leptos::prelude::*;

#[cfg(feature = "ssr")]
pub(crate) mod server {
    use super::super::ctx::{check, fail};
    use crate::db::contracts::{access, Access, ContractRow};
    use crate::domain::contract::Party;
    use crate::error::AppError;
    use crate::model::accounts::SessionUser;
    use crate::state::AppState;

    /// The contract by code and how the caller reaches it; 404 for anyone else.
    pub async fn contract(st: &AppState, user: &SessionUser, code: &str) -> Result<(ContractRow, Access), AppError> {
        let c = check(crate::db::contracts::load(&st.pool, code.trim()).await)?.ok_or_else(|| fail(AppError::NotFound))?;
        let a = access(user, &c).ok_or_else(|| fail(AppError::NotFound))?;
        Ok((c, a))
    }

    /// The contract, for one of its parties acting as `party` (404 otherwise).
    pub async fn as_party(st: &AppState, user: &SessionUser, code: &str, party: Party) -> Result<ContractRow, AppError> {
        let (c, a) = contract(st, user, code).await?;
        if a != Access::Party(party) {
            return Err(fail(AppError::NotFound));
        }
        Ok(c)
    }

    /// Operators and administrators handle refunds and may query any payment.
    pub fn is_operator(user: &SessionUser) -> bool {
        use crate::domain::accounts::Role;
        matches!(user.role, Role::Operator | Role::Admin)
    }

    /// Whether this request is a plain HTML form post (no JavaScript): it is
    /// answered with a redirect rather than data.
    pub fn plain_form_post() -> bool {
        leptos::prelude::use_context::<axum::http::request::Parts>().is_some_and(|p| {
            p.headers.get(axum::http::header::ACCEPT).and_then(|v| v.to_str().ok()).is_some_and(|a| a.contains("text/html"))
        })
    }

    /// Text between `min` and `max` characters without control characters, or a field error.
    pub fn text(field: &str, key: &str, s: &str, min: usize, max: usize) -> Result<String, AppError> {
        let t = s.trim();
        if (min..=max).contains(&t.chars().count()) && !t.chars().any(|c| c.is_control() && c != '\n') {
            Ok(t.to_string())
        } else {
            Err(fail(AppError::invalid(field, key)))
        }
    }
}

/// The payment panel of a contract: installments, payments with receipts and
/// callback logs, and what the caller may do.
#[server(prefix = "/api", endpoint = "payments/panel")]
pub async fn get_payments_panel(code: String) -> Result<PaymentsPanelData, AppError> {
    use super::ctx::{authorize_user, check, state};
    use crate::domain::contract::{ContractStatus, Party};
    let user = authorize_user("payments/panel").await?;
    let st = state()?;
    let (c, access) = server::contract(&st, &user, &code).await?;
    let (mut installments, mut payments, planned, payment_days) = check(crate::db::contracts::payments::panel_rows(&st.pool, &c).await)?;
    let party = access.party();
    let status = c.status();
    let operator = server::is_operator(&user);
    let open = |seq: i64, channel: &str| payments.iter().find(|p| p.seq == seq && p.channel == channel && matches!(p.status.as_str(), "created" | "pending")).map(|p| p.order_no.clone());
    for i in &mut installments {
        let owner_may = !planned && party == Some(Party::Owner) && status.in_service() && i.status == "due";
        i.open_order = open(i.seq, "online");
        i.may_pay = owner_may && c.funding == "social";
        i.may_record = owner_may && c.funding == "fiscal" && open(i.seq, "offline").is_none();
    }
    for p in &mut payments {
        let open = matches!(p.status.as_str(), "created" | "pending");
        p.may_confirm = party == Some(Party::Firm) && p.channel == "offline" && p.status == "pending";
        p.may_query = (party.is_some() || operator) && p.channel == "online" && open;
        p.may_refund = operator && p.channel == "online" && p.status == "paid" && status != ContractStatus::Completed;
    }
    let now = st.now_ms();
    Ok(PaymentsPanelData {
        code: c.code.clone(),
        funding: c.funding.clone(),
        contract_status: c.status.clone(),
        price_fen: c.price_fen,
        payment_days,
        planned,
        installments,
        payments,
        today: crate::domain::time::date_shanghai(now),
        earliest_paid_on: c.signed_at.map(crate::domain::time::date_shanghai),
        now_ms: now,
    })
}

/// The owner starts (or continues) the online payment of installment `seq`
/// (social funds; the installment must be due) and is sent to the payment
/// provider's cashier: returns its URL, and a plain form post is redirected there.
#[server(prefix = "/api", endpoint = "payments/pay")]
pub async fn pay_installment(code: String, seq: i64) -> Result<String, AppError> {
    use super::ctx::{authorize_user, fail, state};
    use crate::domain::contract::Party;
    let user = authorize_user("payments/pay").await?;
    let st = state()?;
    let c = server::as_party(&st, &user, &code, Party::Owner).await?;
    let base = crate::payment::request_base();
    let url = crate::db::contracts::payments::start_online(&st, &c, seq, user.id, base.as_deref(), st.now_ms()).await.map_err(fail)?;
    if server::plain_form_post() {
        leptos_axum::redirect(&url);
    }
    Ok(url)
}

/// Asks the payment provider about a pending online payment and applies what
/// it says (a lost or late notification); returns the payment's status.
#[server(prefix = "/api", endpoint = "payments/query")]
pub async fn query_payment(code: String, order_no: String) -> Result<String, AppError> {
    use super::ctx::{authorize_user, check, fail, state};
    let user = authorize_user("payments/query").await?;
    let st = state()?;
    let (c, access) = server::contract(&st, &user, &code).await?;
    if access.party().is_none() && !server::is_operator(&user) {
        return Err(fail(AppError::NotFound));
    }
    let p = check(crate::db::contracts::payments::payment_by_order(&st.pool, order_no.trim()).await)?
        .filter(|p| p.contract_id == c.id)
        .ok_or_else(|| fail(AppError::NotFound))?;
    crate::db::contracts::payments::reconcile(&st, &p, st.now_ms()).await.map_err(fail)
}

/// The owner records an offline payment (fiscal funds) with form fields `code`,
/// `seq`, `paid_on` (YYYY-MM-DD, not in the future), `amount` (yuan, exactly
/// the installment's amount), `voucher_no` and the voucher's scan `file` (PDF,
/// JPEG or PNG, at most 5 MiB). A plain multipart form: it works without
/// JavaScript too. Nothing is stored unless the whole record is valid.
#[server(prefix = "/api", endpoint = "payments/record_offline", input = leptos::server_fn::codec::MultipartFormData)]
pub async fn record_offline_payment(data: leptos::server_fn::codec::MultipartData) -> Result<i64, AppError> {
    use super::ctx::{authorize_user, check, fail, state};
    use crate::db::contracts::payments::{may_record_offline, record_offline, OfflineRecord};
    use crate::domain::contract::Party;
    let user = authorize_user("payments/record_offline").await?;
    let st = state()?;
    let form = check(super::files::server::read_form(data).await)?;
    let c = server::as_party(&st, &user, form.field("code").unwrap_or_default(), Party::Owner).await?;
    let seq: i64 = form.field("seq").and_then(|s| s.parse().ok()).ok_or_else(|| fail(AppError::invalid("seq", "payment.installment_unknown")))?;
    let now = st.now_ms();
    let paid_on = form.field("paid_on").unwrap_or_default().to_string();
    if crate::domain::time::parse_date(&paid_on).is_none() {
        return Err(fail(AppError::invalid("paid_on", "payment.paid_on_invalid")));
    }
    if paid_on > crate::domain::time::date_shanghai(now) {
        return Err(fail(AppError::invalid("paid_on", "payment.paid_on_future")));
    }
    if c.signed_at.is_some_and(|s| paid_on < crate::domain::time::date_shanghai(s)) {
        return Err(fail(AppError::invalid("paid_on", "payment.paid_on_before_signing")));
    }
    let amount = crate::domain::announcement::parse_yuan(form.field("amount").unwrap_or_default())
        .filter(|f| f.0 > 0)
        .ok_or_else(|| fail(AppError::invalid("amount", "payment.amount_invalid")))?;
    let voucher_no = server::text("voucher_no", "payment.voucher_no_invalid", form.field("voucher_no").unwrap_or_default(), 2, 50)?;
    if voucher_no.contains('\n') {
        return Err(fail(AppError::invalid("voucher_no", "payment.voucher_no_invalid")));
    }
    // refuse before the attachment is stored (not due, wrong funding, amount …)
    let due = may_record_offline(&st, &c, seq).await.map_err(fail)?;
    if due != amount.0 {
        return Err(fail(AppError::invalid("amount", "payment.amount_mismatch")));
    }
    let file = form.file.ok_or_else(|| fail(AppError::invalid("file", "payment.voucher_file_required")))?;
    let file = super::files::server::store(&st, &user, file).await.map_err(fail)?;
    let record = OfflineRecord { seq, paid_on: &paid_on, amount_fen: amount.0, voucher_no: &voucher_no, file_id: file.id };
    record_offline(&st, &c, &record, user.id, now).await.map_err(fail)
}

/// The firm confirms receipt of an offline payment (`decision = "confirm"`), or
/// refuses it (`"refuse"`) with a reason; a refused record may be recorded again.
#[server(prefix = "/api", endpoint = "payments/confirm_offline")]
pub async fn confirm_offline_payment(code: String, id: i64, decision: String, reason: Option<String>) -> Result<(), AppError> {
    use super::ctx::{authorize_user, fail, state};
    use crate::domain::contract::Party;
    let user = authorize_user("payments/confirm_offline").await?;
    let st = state()?;
    let c = server::as_party(&st, &user, &code, Party::Firm).await?;
    let (confirm, reason) = match decision.as_str() {
        "confirm" => (true, String::new()),
        "refuse" => (false, server::text("reason", "payment.refuse_reason_invalid", reason.as_deref().unwrap_or_default(), 5, 500)?),
        _ => return Err(fail(AppError::invalid("decision", "payment.decision_invalid"))),
    };
    crate::db::contracts::payments::decide_offline(&st, &c, id, confirm, &reason, user.id, st.now_ms()).await.map_err(fail)
}

/// An operator refunds a paid online payment with a reason: the provider
/// refunds, the payment becomes refunded and its installment due again. A
/// completed contract cannot be refunded.
#[server(prefix = "/api", endpoint = "payments/refund")]
pub async fn refund_payment(code: String, order_no: String, reason: String) -> Result<(), AppError> {
    use super::ctx::{authorize_user, check, fail, state};
    let user = authorize_user("payments/refund").await?;
    let st = state()?;
    let (c, _) = server::contract(&st, &user, &code).await?;
    let p = check(crate::db::contracts::payments::payment_by_order(&st.pool, order_no.trim()).await)?
        .filter(|p| p.contract_id == c.id)
        .ok_or_else(|| fail(AppError::NotFound))?;
    let reason = server::text("reason", "payment.refund_reason_invalid", &reason, 5, 500)?;
    crate::db::contracts::payments::refund(&st, &c, &p, &reason, user.id, st.now_ms()).await.map_err(fail)
}

/// `GET /payments/voucher/{payment_id}`: an offline payment's voucher scan, to
/// those who see the contract (both parties, supervisors in scope); 404 for
/// everyone else. Served like `/files/{id}` (whitelisted type, `nosniff`,
/// sandboxing policy, private cache).
#[cfg(feature = "ssr")]
pub async fn serve_voucher(state: &crate::state::AppState, session: Option<&tower_sessions::Session>, id: &str) -> axum::response::Response {
    use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
    use axum::response::IntoResponse;
    let not_found = || (StatusCode::NOT_FOUND, "文件不存在 (file not found)").into_response();
    let found = async {
        let id: i64 = id.parse().ok()?;
        let user = super::ctx::user_of(state, session).await.ok()??;
        let (file_id, code) = crate::db::contracts::payments::voucher_of(&state.pool, id).await.ok()??;
        let c = crate::db::contracts::load(&state.pool, &code).await.ok()??;
        crate::db::contracts::access(&user, &c)?;
        crate::db::files::load(&state.pool, file_id).await.ok()?
    }
    .await;
    let Some(file) = found else { return not_found() };
    let Some(kind) = crate::domain::files::FileKind::from_content_type(&file.meta.content_type) else { return not_found() };
    let mut headers = HeaderMap::new();
    let mut set = |name: header::HeaderName, value: &str| {
        if let Ok(v) = HeaderValue::from_str(value) {
            headers.insert(name, v);
        }
    };
    set(header::CONTENT_TYPE, kind.content_type());
    set(header::CONTENT_DISPOSITION, &super::files::download::content_disposition(kind, &file.meta.original_name));
    set(header::CACHE_CONTROL, super::files::download::CACHE_PRIVATE);
    set(header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    set(header::CONTENT_SECURITY_POLICY, super::files::download::CONTENT_SECURITY_POLICY);
    set(header::HeaderName::from_static("cross-origin-resource-policy"), "same-origin");
    (StatusCode::OK, headers, file.bytes).into_response()
}

/// The voucher link of an offline payment.
pub fn voucher_href(payment_id: i64) -> String {
    format!("/payments/voucher/{payment_id}")
}
