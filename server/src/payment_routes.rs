//! Payment over HTTP (网上支付):
//!
//! - `GET /sandbox-gateway/pay/{order_no}`: the sandbox payment gateway's cashier
//!   (plain HTML, no script, works on a phone), with `POST …/confirm` (确认支付),
//!   `…/cancel` (取消支付) and `…/resend` (重发通知: the same notification, same
//!   `notify_id`, again). It stands for an external gateway: it knows nothing of
//!   sessions and only touches its own books (`app::payment::sandbox`).
//! - `POST /payments/notify/{provider}`: the gateway's asynchronous notification
//!   (`app::payment::receive_callback`): `X-Sandbox-Signature: hex(HMAC-SHA256(secret,
//!   body))`, JSON body `{notify_id, order_no, status, amount_fen, txn_id, paid_at}`;
//!   answers `200 success` (applied, or a duplicate that changed nothing),
//!   `400 fail` (forged: bad or missing signature; or not matching the order),
//!   `404` (unknown provider).
//! - `GET /payments/voucher/{payment_id}`: an offline payment's voucher scan, to
//!   those who see the contract.
//! - [`guard`]: puts the configured public URL (first `--public-origins` entry)
//!   on every request, for the notify and return URLs of new payments, and
//!   refuses a non-multipart POST to the offline-payment upload function.
use app::payment::sandbox::{self, GatewayOrder};
use app::payment::PublicBase;
use app::state::AppState;
use axum::body::Bytes;
use axum::extract::{Path, Query, Request, State};
use axum::http::{header, HeaderMap, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use leptos::server_fn::ServerFn;
use std::collections::HashMap;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/sandbox-gateway/pay/{order_no}", get(cashier))
        .route("/sandbox-gateway/pay/{order_no}/{action}", post(act))
        .route("/payments/notify/{provider}", post(notify))
        .route("/payments/voucher/{id}", get(voucher))
}

/// Middleware: the public base URL for payment URLs, and the upload guard of
/// `payments/record_offline` (a multipart body with a boundary, or 415).
pub async fn guard(State(base): State<PublicBase>, mut req: Request, next: Next) -> Response {
    req.extensions_mut().insert(base);
    if req.method() == Method::POST && req.uri().path() == app::api::payments::RecordOfflinePayment::PATH {
        let multipart = req.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).is_some_and(app::api::files::is_multipart);
        if !multipart {
            let error = app::error::AppError::invalid("file", "files.bad_form");
            return (StatusCode::UNSUPPORTED_MEDIA_TYPE, axum::Json(error)).into_response();
        }
    }
    next.run(req).await
}

async fn notify(State(state): State<AppState>, Path(provider): Path<String>, headers: HeaderMap, body: Bytes) -> Response {
    let reply = app::payment::receive_callback(&state, &provider, &headers, &body).await;
    let status = StatusCode::from_u16(reply.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    (status, [(header::CONTENT_TYPE, "text/plain; charset=utf-8")], reply.body).into_response()
}

async fn voucher(State(state): State<AppState>, Path(id): Path<String>, req: Request) -> Response {
    let session = req.extensions().get::<tower_sessions::Session>().cloned();
    app::api::payments::serve_voucher(&state, session.as_ref(), &id).await
}

async fn act(State(state): State<AppState>, Path((order_no, action)): Path<(String, String)>) -> Response {
    let now = state.now_ms();
    let done = match action.as_str() {
        "confirm" => sandbox::pay(&state, &order_no, now).await.map(|ok| if ok { "paid" } else { "noop" }),
        "cancel" => sandbox::close(&state, &order_no, now).await.map(|ok| if ok { "cancelled" } else { "noop" }),
        "resend" => sandbox::resend(&state, &order_no, now).await.map(|ok| if ok { "resent" } else { "noop" }),
        _ => return (StatusCode::NOT_FOUND, "not found").into_response(),
    };
    match done {
        Ok(done) => {
            // deliver at once rather than on the next scheduler tick
            if done != "noop" {
                if let Err(e) = sandbox::deliver_due(&state, state.now_ms()).await {
                    tracing::warn!(error = %e, "sandbox gateway delivery");
                }
            }
            let to = format!("{}?done={done}", sandbox::cashier_path(&url_safe(&order_no)));
            (StatusCode::SEE_OTHER, [(header::LOCATION, to)]).into_response()
        }
        Err(e) => {
            tracing::error!(error = %e, "sandbox gateway");
            (StatusCode::SERVICE_UNAVAILABLE, Html(page("服务暂时不可用", "<p class=\"msg bad\">沙箱支付网关暂时不可用,请稍后再试。</p>"))).into_response()
        }
    }
}

async fn cashier(State(state): State<AppState>, Path(order_no): Path<String>, Query(q): Query<HashMap<String, String>>) -> Response {
    let order = match sandbox::load_order(&state.pool, &order_no).await {
        Ok(Some(o)) => o,
        Ok(None) => {
            return (StatusCode::NOT_FOUND, Html(page("订单不存在", "<p class=\"msg bad\">订单不存在或已失效。</p>"))).into_response();
        }
        Err(e) => {
            tracing::error!(error = %e, "sandbox gateway");
            return (StatusCode::SERVICE_UNAVAILABLE, Html(page("服务暂时不可用", "<p class=\"msg bad\">沙箱支付网关暂时不可用,请稍后再试。</p>"))).into_response();
        }
    };
    let notes = sandbox::notifications(&state.pool, &order_no).await.unwrap_or_default();
    let mut res = Html(page("收银台", &cashier_body(&order, &notes, q.get("done").map(String::as_str)))).into_response();
    res.headers_mut().insert(header::CACHE_CONTROL, header::HeaderValue::from_static("no-store"));
    res
}

/// Only letters, digits and `-_` of an order number (for a Location header).
fn url_safe(s: &str) -> String {
    s.chars().filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_')).collect()
}

fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

fn status_label(status: &str) -> &'static str {
    match status {
        "unpaid" => "待支付",
        "paid" => "支付成功",
        "closed" => "已关闭(未支付)",
        "refunded" => "已退款",
        _ => "未知",
    }
}

/// A return URL the page may link to: absolute http(s) or a same-site path.
fn return_link(url: &str) -> Option<&str> {
    let ok = url.starts_with("https://") || url.starts_with("http://") || (url.starts_with('/') && !url.starts_with("//"));
    (ok && !url.contains(['"', '<', '>', '\\', '\r', '\n'])).then_some(url)
}

fn cashier_body(o: &GatewayOrder, notes: &[sandbox::Notification], done: Option<&str>) -> String {
    let no = esc(&o.order_no);
    let action = |a: &str| format!("/sandbox-gateway/pay/{no}/{a}");
    let message = match done {
        Some("paid") => "<p class=\"msg ok\" role=\"status\">支付成功。支付结果将以异步通知的方式发送给商户。</p>",
        Some("cancelled") => "<p class=\"msg\" role=\"status\">已取消支付,订单已关闭。</p>",
        Some("resent") => "<p class=\"msg\" role=\"status\">已重新发送支付通知(与原通知相同,通知编号不变)。</p>",
        Some("noop") => "<p class=\"msg bad\" role=\"status\">订单状态已变化,本次操作未执行。</p>",
        _ => "",
    };
    let mut rows = format!(
        "<div><dt>收款商户</dt><dd>四川省网上中介超市</dd></div>\
         <div><dt>商品说明</dt><dd>{}</dd></div>\
         <div><dt>商户订单号</dt><dd class=\"mono\">{no}</dd></div>\
         <div><dt>支付金额</dt><dd class=\"amount\" data-testid=\"amount\">¥{}</dd></div>\
         <div><dt>订单状态</dt><dd data-testid=\"status\">{}</dd></div>",
        esc(&o.subject),
        app::domain::money::Fen(o.amount_fen).yuan_string(),
        status_label(&o.status),
    );
    if let Some(txn) = &o.txn_id {
        rows.push_str(&format!("<div><dt>交易号</dt><dd class=\"mono\">{}</dd></div>", esc(txn)));
    }
    if let Some(at) = o.paid_at {
        rows.push_str(&format!("<div><dt>支付时间</dt><dd>{}</dd></div>", app::domain::time::format_shanghai(at)));
    }
    let back = return_link(&o.return_url).map(|u| format!("<a class=\"button secondary\" href=\"{}\">返回商户</a>", esc(u))).unwrap_or_default();
    let buttons = if o.status == "unpaid" {
        format!(
            "<form method=\"post\" action=\"{}\"><button type=\"submit\" class=\"button primary\">确认支付</button></form>\
             <form method=\"post\" action=\"{}\"><button type=\"submit\" class=\"button secondary\">取消支付</button></form>",
            action("confirm"),
            action("cancel"),
        )
    } else {
        let resend = if notes.is_empty() {
            String::new()
        } else {
            format!("<form method=\"post\" action=\"{}\"><button type=\"submit\" class=\"button secondary\">重发通知</button></form>", action("resend"))
        };
        format!("{resend}{back}")
    };
    let log = if notes.is_empty() {
        String::new()
    } else {
        let items: String = notes
            .iter()
            .map(|n| {
                let state = match (n.delivered_at, n.given_up(), &n.last_error) {
                    (Some(at), _, _) => format!("商户已确认接收({})", app::domain::time::format_shanghai(at)),
                    (None, true, _) => "多次发送未获确认,已停止重试".to_string(),
                    (None, false, Some(e)) => format!("第 {} 次发送未获确认:{},稍后重试", n.attempts, esc(e)),
                    (None, false, None) if n.attempts > 0 => "发送中".to_string(),
                    _ => "等待发送".to_string(),
                };
                format!("<li><span class=\"mono\">{}</span> · {} · {}</li>", esc(&n.notify_id), esc(&n.status), state)
            })
            .collect();
        format!("<section class=\"log\"><h2>异步通知记录</h2><ul>{items}</ul></section>")
    };
    format!(
        "<section class=\"order\" aria-labelledby=\"order-h\"><h1 id=\"order-h\">订单支付</h1>{message}<dl>{rows}</dl>\
         <div class=\"actions\">{buttons}</div></section>{log}"
    )
}

fn page(title: &str, body: &str) -> String {
    format!(
        "<!doctype html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{title} - 沙箱支付网关(测试环境)</title><link rel=\"icon\" href=\"data:,\"><style>{CSS}</style></head>\
         <body><header class=\"banner\"><strong>沙箱支付网关(测试环境)</strong>\
         <span>模拟第三方支付机构,仅供测试,不产生真实资金往来</span></header><main>{body}</main></body></html>"
    )
}

const CSS: &str = "\
*{box-sizing:border-box}\
body{margin:0;font-family:\"PingFang SC\",\"Microsoft YaHei\",\"Noto Sans CJK SC\",system-ui,sans-serif;background:#eef2f7;color:#1f2328;line-height:1.6}\
.banner{background:#0b57d0;color:#fff;padding:.75rem 1rem;display:flex;flex-direction:column;gap:.15rem}\
.banner span{font-size:.85rem;opacity:.9}\
main{max-width:560px;margin:0 auto;padding:1rem}\
.order,.log{background:#fff;border:1px solid #d8dee4;border-radius:8px;padding:1rem;margin-bottom:1rem}\
h1{font-size:1.25rem;margin:0 0 .75rem}h2{font-size:1rem;margin:0 0 .5rem}\
dl{margin:0 0 1rem}dl div{display:flex;gap:.75rem;padding:.35rem 0;border-bottom:1px dashed #e5e7eb}\
dt{flex:0 0 5.5em;color:#57606a}dd{margin:0;min-width:0;overflow-wrap:anywhere}\
.amount{font-size:1.5rem;font-weight:700;color:#b3261e}.mono{font-family:ui-monospace,monospace;font-size:.9rem}\
.actions{display:flex;flex-direction:column;gap:.6rem}.actions form{margin:0}\
.button{display:flex;align-items:center;justify-content:center;width:100%;min-height:48px;font:inherit;font-size:1.05rem;border-radius:6px;border:1px solid #0b57d0;cursor:pointer;text-decoration:none}\
.primary{background:#0b57d0;color:#fff}.secondary{background:#fff;color:#0b57d0}\
.msg{padding:.5rem .75rem;border-radius:6px;background:#ddf4ff;border:1px solid #54aeff}\
.msg.ok{background:#dafbe1;border-color:#4ac26b}.msg.bad{background:#ffebe9;border-color:#ff8182}\
.log ul{margin:0;padding-left:1.1rem;font-size:.9rem}\
@media(min-width:560px){.actions{flex-direction:row;flex-wrap:wrap}.actions form,.actions .button{flex:1 1 12rem}}";

#[cfg(test)]
mod tests {
    use super::*;
    use app::db::demo::DemoOptions;
    use app::payment::{NewOrder, PaymentProvider};
    use app::state::{AttemptLimiter, Clock, SystemClock};
    use axum::body::Body;
    use std::sync::Arc;
    use tower::ServiceExt;

    /// A fresh SQLite database with migrations, reference data and (optionally) the small demo market.
    async fn state(tag: &str, demo: bool) -> (AppState, std::path::PathBuf) {
        let dir = std::env::temp_dir().join(format!("zjcs-payment-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let (pool, backend) = app::db::connect(&format!("sqlite://{}/z.db", dir.display()), 4).await.unwrap();
        app::db::migrate(&pool, backend).await.unwrap();
        let clock: Arc<dyn Clock> = Arc::new(SystemClock);
        app::db::reference::load(&pool, clock.now_ms()).await.unwrap();
        if demo {
            app::db::demo::load(&pool, backend, &DemoOptions::small(clock.now_ms()), &|_| {}).await.unwrap();
        }
        let live = app::live::LiveHub::new(pool.clone(), backend);
        let state = AppState {
            leptos_options: leptos::config::LeptosOptions::builder().output_name("zjcs").build(),
            pool,
            backend,
            clock: clock.clone(),
            attempts: Arc::new(AttemptLimiter::new(10, clock)),
            sealer: Arc::new(app::sealing::Sealer::random()),
            live,
            smtp: None,
        };
        (state, dir)
    }

    async fn call(state: &AppState, req: axum::http::Request<Body>) -> (StatusCode, HeaderMap, String) {
        let res = routes().with_state(state.clone()).oneshot(req).await.unwrap();
        let (status, headers) = (res.status(), res.headers().clone());
        let body = axum::body::to_bytes(res.into_body(), usize::MAX).await.unwrap();
        (status, headers, String::from_utf8_lossy(&body).into_owned())
    }

    fn get(uri: &str) -> axum::http::Request<Body> {
        axum::http::Request::get(uri).body(Body::empty()).unwrap()
    }

    fn post(uri: &str, signature: Option<&str>, body: &str) -> axum::http::Request<Body> {
        let mut b = axum::http::Request::post(uri).header(header::CONTENT_TYPE, "application/json");
        if let Some(s) = signature {
            b = b.header("X-Sandbox-Signature", s);
        }
        b.body(Body::from(body.to_string())).unwrap()
    }

    async fn new_order(state: &AppState, order_no: &str, notify_url: &str) {
        let gateway = sandbox::SandboxGateway::open(state).await.unwrap();
        let url = gateway
            .create_order(&NewOrder {
                order_no,
                amount_fen: 370_370,
                subject: "某项目环境影响评价 合同ZJ-HT1 第1期 预付款 <b>",
                notify_url,
                return_url: "http://127.0.0.1:3000/contracts/ZJ-HT1",
            })
            .await
            .unwrap();
        assert_eq!(url, format!("/sandbox-gateway/pay/{order_no}"));
    }

    #[tokio::test]
    async fn the_cashier_pays_resends_and_cancels() {
        let (state, dir) = state("cashier", false).await;
        new_order(&state, "ZJP20261120000001", "http://127.0.0.1:9/payments/notify/sandbox").await;
        let (status, headers, html) = call(&state, get("/sandbox-gateway/pay/ZJP20261120000001")).await;
        assert_eq!(status, StatusCode::OK);
        assert!(headers[header::CONTENT_TYPE].to_str().unwrap().starts_with("text/html"));
        for text in ["沙箱支付网关(测试环境)", "四川省网上中介超市", "¥3,703.70", "待支付", ">确认支付</button>", ">取消支付</button>", "width=device-width"] {
            assert!(html.contains(text), "{text} in {html}");
        }
        assert!(html.contains("预付款 &lt;b&gt;"), "the subject is escaped");
        assert!(!html.contains("重发通知") && !html.contains("<script"));

        let (status, headers, _) = call(&state, post("/sandbox-gateway/pay/ZJP20261120000001/confirm", None, "")).await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        assert_eq!(headers[header::LOCATION], "/sandbox-gateway/pay/ZJP20261120000001?done=paid");
        let (_, _, html) = call(&state, get("/sandbox-gateway/pay/ZJP20261120000001?done=paid")).await;
        for text in ["支付成功", ">重发通知</button>", ">返回商户</a>", "href=\"http://127.0.0.1:3000/contracts/ZJ-HT1\"", "交易号", "异步通知记录"] {
            assert!(html.contains(text), "{text} in {html}");
        }
        assert!(!html.contains(">确认支付</button>"));
        // paying twice does nothing
        let (_, headers, _) = call(&state, post("/sandbox-gateway/pay/ZJP20261120000001/confirm", None, "")).await;
        assert_eq!(headers[header::LOCATION], "/sandbox-gateway/pay/ZJP20261120000001?done=noop");
        // 重发通知: the same notification again
        let (_, headers, _) = call(&state, post("/sandbox-gateway/pay/ZJP20261120000001/resend", None, "")).await;
        assert_eq!(headers[header::LOCATION], "/sandbox-gateway/pay/ZJP20261120000001?done=resent");
        let ids: Vec<(String, String)> = sqlx::query_as("SELECT notify_id, signature FROM sandbox_gateway_notifications WHERE order_no = 'ZJP20261120000001'")
            .fetch_all(&state.pool)
            .await
            .unwrap();
        assert_eq!(ids.len(), 2);
        assert_eq!(ids[0], ids[1], "same notify_id and signature");

        // 取消支付 closes an unpaid order
        new_order(&state, "ZJP20261120000002", "http://127.0.0.1:9/payments/notify/sandbox").await;
        let (_, headers, _) = call(&state, post("/sandbox-gateway/pay/ZJP20261120000002/cancel", None, "")).await;
        assert_eq!(headers[header::LOCATION], "/sandbox-gateway/pay/ZJP20261120000002?done=cancelled");
        let (_, _, html) = call(&state, get("/sandbox-gateway/pay/ZJP20261120000002")).await;
        assert!(html.contains("已关闭") && html.contains(">返回商户</a>") && !html.contains(">确认支付</button>"));

        assert_eq!(call(&state, get("/sandbox-gateway/pay/NO-SUCH")).await.0, StatusCode::NOT_FOUND);
        assert_eq!(call(&state, post("/sandbox-gateway/pay/ZJP20261120000002/steal", None, "")).await.0, StatusCode::NOT_FOUND);
        let _ = std::fs::remove_dir_all(dir);
    }

    #[tokio::test]
    async fn the_callback_refuses_forged_signatures_with_400() {
        let (state, dir) = state("forged", false).await;
        let body = r#"{"notify_id":"SBNFORGED1","order_no":"ZJP1","status":"paid","amount_fen":1,"txn_id":"X","paid_at":1}"#;
        let (status, _, text) = call(&state, post("/payments/notify/sandbox", Some("00ff"), body)).await;
        assert_eq!((status, text.as_str()), (StatusCode::BAD_REQUEST, "fail"));
        let (status, _, _) = call(&state, post("/payments/notify/sandbox", None, body)).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        let wrong = sandbox::sign_with(b"guessed secret", body.as_bytes());
        assert_eq!(call(&state, post("/payments/notify/sandbox", Some(&wrong), body)).await.0, StatusCode::BAD_REQUEST);
        let logged: Vec<(String, String, String)> =
            sqlx::query_as("SELECT outcome, detail, order_no FROM payment_callbacks ORDER BY id").fetch_all(&state.pool).await.unwrap();
        assert_eq!(logged.len(), 3);
        assert!(logged.iter().all(|(o, _, n)| o == "forged" && n == "ZJP1"), "{logged:?}");
        // correctly signed but for no order of ours: refused, not applied
        let secret = sandbox::secret(&state.pool).await.unwrap();
        let good = sandbox::sign_with(&secret, body.as_bytes());
        let (status, _, _) = call(&state, post("/payments/notify/sandbox", Some(&good), body)).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        let last: String = sqlx::query_scalar("SELECT outcome FROM payment_callbacks ORDER BY id DESC LIMIT 1").fetch_one(&state.pool).await.unwrap();
        assert_eq!(last, "rejected");
        assert_eq!(call(&state, post("/payments/notify/paypal", Some(&good), body)).await.0, StatusCode::NOT_FOUND);
        let _ = std::fs::remove_dir_all(dir);
    }

    /// The gateway posts its signed notification over real HTTP to the platform's
    /// callback route, which applies it once; the resend is acknowledged as a duplicate.
    #[tokio::test]
    async fn notifications_travel_over_http_and_apply_once() {
        let (state, dir) = state("http", true).await;
        let now = state.now_ms();
        let contract_id: i64 = sqlx::query_scalar("SELECT id FROM contracts WHERE status IN ('signed', 'delivered') ORDER BY id LIMIT 1").fetch_one(&state.pool).await.unwrap();
        sqlx::query("DELETE FROM contract_installments WHERE contract_id = $1").bind(contract_id).execute(&state.pool).await.unwrap();
        sqlx::query("INSERT INTO contract_installments (contract_id, seq, label, amount_fen, condition, due_at, status) VALUES ($1, 1, '预付款', 370370, 'signing', $2, 'due')")
            .bind(contract_id)
            .bind(now)
            .execute(&state.pool)
            .await
            .unwrap();
        sqlx::query(
            "INSERT INTO payments (contract_id, seq, channel, provider, order_no, amount_fen, status, created_at, updated_at) \
             VALUES ($1, 1, 'online', 'sandbox', 'ZJPHTTP0001', 370370, 'pending', $2, $2)",
        )
        .bind(contract_id)
        .bind(now)
        .execute(&state.pool)
        .await
        .unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let router = routes().with_state(state.clone());
        let server = tokio::spawn(async move { axum::serve(listener, router).await });
        new_order(&state, "ZJPHTTP0001", &format!("http://{addr}/payments/notify/sandbox")).await;
        assert!(sandbox::pay(&state, "ZJPHTTP0001", state.now_ms()).await.unwrap());
        assert_eq!(sandbox::deliver_due(&state, state.now_ms()).await.unwrap(), 1);
        let until = |sql: &'static str, want: &'static str| {
            let state = state.clone();
            async move {
                for _ in 0..200 {
                    let got: Option<String> = sqlx::query_scalar(sql).fetch_optional(&state.pool).await.unwrap();
                    if got.as_deref() == Some(want) {
                        return;
                    }
                    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                }
                panic!("{sql} never became {want}");
            }
        };
        until("SELECT status FROM payments WHERE order_no = 'ZJPHTTP0001'", "paid").await;
        until("SELECT CASE WHEN delivered_at IS NULL THEN 'no' ELSE 'yes' END FROM sandbox_gateway_notifications WHERE order_no = 'ZJPHTTP0001'", "yes").await;
        let inst: String = sqlx::query_scalar("SELECT status FROM contract_installments WHERE contract_id = $1 AND seq = 1").bind(contract_id).fetch_one(&state.pool).await.unwrap();
        assert_eq!(inst, "paid");
        // 重发通知 → delivered again, acknowledged, logged as a duplicate
        assert!(sandbox::resend(&state, "ZJPHTTP0001", state.now_ms()).await.unwrap());
        sandbox::deliver_due(&state, state.now_ms()).await.unwrap();
        until("SELECT outcome FROM payment_callbacks WHERE order_no = 'ZJPHTTP0001' ORDER BY id DESC LIMIT 1", "duplicate").await;
        until("SELECT CAST(COUNT(*) AS TEXT) FROM sandbox_gateway_notifications WHERE order_no = 'ZJPHTTP0001' AND delivered_at IS NOT NULL", "2").await;
        let applied: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM payment_callbacks WHERE order_no = 'ZJPHTTP0001' AND outcome = 'applied'").fetch_one(&state.pool).await.unwrap();
        assert_eq!(applied, 1);
        server.abort();
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn only_safe_return_links() {
        assert_eq!(return_link("/contracts/X"), Some("/contracts/X"));
        assert_eq!(return_link("https://zjcs.example/contracts/X"), Some("https://zjcs.example/contracts/X"));
        assert_eq!(return_link("//evil.example"), None);
        assert_eq!(return_link("javascript:alert(1)"), None);
        assert_eq!(return_link("/x\"onclick=1"), None);
    }
}
