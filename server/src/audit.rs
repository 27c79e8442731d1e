//! The audit trail's recorder (#8): a middleware around the whole router,
//! inside the session layer, that writes one `audit_log` entry for every
//! state-changing request — every non-GET call of a server function under
//! `/api/` except the reads listed in `app::domain::audit::READ_ONLY`, the
//! payment provider's callback, the sandbox cashier's buttons and the
//! unified-identity sign-in (`app::domain::audit::action_of`).
//!
//! It only gathers facts: the actor (the session's user before the request, or
//! after it for a sign-in), the arguments (`args_from_body`: secrets redacted,
//! file bodies reduced to their size), the subject and its status before and
//! after (`app::db::audit::{subject, status}`), and the outcome (HTTP status and
//! the error's message key, also when a plain form post carries the error back
//! in a redirect); `app::db::audit::append` chains the entry.
//!
//! The request body is passed on untouched: the first [`ARGS_LIMIT`] bytes are
//! read for the arguments and replayed, the rest streams through (uploads keep
//! their own size limit in the server functions).
use app::db::audit::{self as log, NewEntry};
use app::domain::audit as rules;
use app::error::AppError;
use app::state::AppState;
use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{header, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use futures_util::StreamExt;

/// Bytes of a request body read for its arguments (a larger body's remaining
/// fields are not recorded; a file's size then counts what was read).
pub const ARGS_LIMIT: usize = 1 << 20;

/// Largest answer kept to learn the outcome (answers to actions are small).
const ANSWER_LIMIT: usize = 16 << 20;

pub async fn record(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let Some(action) = rules::action_of(req.method().as_str(), req.uri().path()) else {
        return next.run(req).await;
    };
    let session = req.extensions().get::<tower_sessions::Session>().cloned();
    let content_type = req.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
    let path = req.uri().path().to_string();
    let (parts, body) = req.into_parts();
    let (prefix, body) = read_prefix(body).await;
    let mut args = if action == "accounts/oidc_callback" {
        // the query holds the one-time authorisation code: nothing to keep
        serde_json::json!({})
    } else {
        rules::seal_args(&action, rules::args_from_body(&content_type, &prefix))
    };
    if action == "ingest/v1/events" {
        args = rules::summarize_batch(args);
    }
    // path parameters of the plain routes
    if let Some(obj) = args.as_object_mut() {
        let segments: Vec<&str> = path.split('/').collect();
        if action.starts_with("sandbox-gateway/") {
            if let Some(order_no) = segments.get(3) {
                obj.insert("order_no".into(), serde_json::Value::from(*order_no));
            }
        } else if action == "payments/notify" {
            if let Some(provider) = segments.get(3) {
                obj.insert("provider".into(), serde_json::Value::from(*provider));
            }
        }
    }
    let before_user = log::actor(&state, session.as_ref()).await;
    let mut subject = log::subject(&state.pool, &action, &args, before_user.as_ref()).await.unwrap_or_else(|e| {
        tracing::warn!(error = %e, "audit: subject");
        None
    });
    let before = match &subject {
        Some((kind, code)) => log::status(&state.pool, kind, code).await.ok().flatten(),
        None => None,
    };

    let res = next.run(Request::from_parts(parts, body)).await;

    let (parts, body) = res.into_parts();
    let answer = match axum::body::to_bytes(body, ANSWER_LIMIT).await {
        Ok(b) => b,
        Err(e) => {
            tracing::error!(error = %e, "audit: cannot read the answer");
            return (StatusCode::INTERNAL_SERVER_ERROR, "").into_response();
        }
    };
    let (http_status, error) = outcome(parts.status, parts.headers.get(header::LOCATION).and_then(|v| v.to_str().ok()), &answer);
    // a new announcement: the answer names it
    if subject.is_none() && http_status < 300 && matches!(action.as_str(), "trading/save" | "trading/copy") {
        if let Ok(code) = serde_json::from_slice::<String>(&answer) {
            subject = Some(("procurement".into(), code));
        }
    }
    let after = match &subject {
        Some((kind, code)) => log::status(&state.pool, kind, code).await.ok().flatten(),
        None => None,
    };
    let actor = match before_user {
        Some(u) => Some(u),
        None => log::actor(&state, session.as_ref()).await,
    };
    let entry = NewEntry {
        at: state.now_ms(),
        action: action.clone(),
        subject_kind: subject.as_ref().map(|s| s.0.clone()),
        subject: subject.map(|s| s.1),
        args: rules::canonical_json(&args),
        before,
        after,
        http_status: i64::from(http_status),
        error,
        ..Default::default()
    }
    .with_actor(actor.as_ref());
    if let Err(e) = log::append(&state, &entry).await {
        // the action is done; losing its record is an incident for the operator
        tracing::error!(error = %e, action, "audit: cannot append to the audit trail");
    }
    Response::from_parts(parts, Body::from(answer))
}

/// Reads up to [`ARGS_LIMIT`] bytes; returns them and a body that replays them
/// followed by the rest.
async fn read_prefix(body: Body) -> (Vec<u8>, Body) {
    let mut stream = body.into_data_stream();
    let mut chunks: Vec<Result<Bytes, axum::Error>> = Vec::new();
    let mut prefix = Vec::new();
    let mut ended = false;
    while prefix.len() <= ARGS_LIMIT {
        match stream.next().await {
            Some(Ok(chunk)) => {
                prefix.extend_from_slice(&chunk);
                chunks.push(Ok(chunk));
            }
            Some(Err(e)) => {
                chunks.push(Err(e));
                ended = true;
                break;
            }
            None => {
                ended = true;
                break;
            }
        }
    }
    prefix.truncate(ARGS_LIMIT);
    let replay = futures_util::stream::iter(chunks);
    let body = if ended { Body::from_stream(replay) } else { Body::from_stream(replay.chain(stream)) };
    (prefix, body)
}

/// The HTTP status an action ended with and its error's message key. A plain
/// form post is answered with a redirect that carries the error (`__err=`, a
/// base64url JSON `AppError`): then the error's own status is recorded.
fn outcome(status: StatusCode, location: Option<&str>, answer: &[u8]) -> (u16, Option<String>) {
    if status.is_client_error() || status.is_server_error() {
        let key = serde_json::from_slice::<AppError>(answer).map(|e| e.message_key().to_string()).unwrap_or_else(|_| {
            let text = String::from_utf8_lossy(answer);
            let text = text.trim();
            if text.is_empty() {
                format!("http.{}", status.as_u16())
            } else {
                text.chars().take(200).collect()
            }
        });
        return (status.as_u16(), Some(key));
    }
    if let Some(err) = location.and_then(|l| l.split(['?', '&']).find_map(|p| p.strip_prefix("__err="))) {
        let decoded = base64url(&percent_decoded(err)).and_then(|b| serde_json::from_slice::<AppError>(&b).ok());
        return match decoded {
            Some(e) => (e.status_code(), Some(e.message_key().to_string())),
            None => (status.as_u16(), Some("error.server".into())),
        };
    }
    (status.as_u16(), None)
}

fn percent_decoded(s: &str) -> String {
    s.replace("%3D", "=").replace("%3d", "=")
}

/// Decodes base64 (URL-safe or standard alphabet, padding optional).
fn base64url(s: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(s.len() * 3 / 4);
    let (mut acc, mut bits) = (0u32, 0u32);
    for c in s.bytes().filter(|&c| c != b'=') {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'-' | b'+' => 62,
            b'_' | b'/' => 63,
            _ => return None,
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use app::db::accounts::{NewUser, SessionUserStamp};
    use app::domain::accounts::Role;
    use app::model::audit::VerifyReport;
    use app::state::{AttemptLimiter, Clock, ManualClock};
    use axum::routing::{get, post};
    use axum::Router;
    use std::sync::Arc;
    use tower::ServiceExt;

    const NOW: i64 = 1_795_140_000_000;

    async fn state(tag: &str) -> (AppState, std::path::PathBuf) {
        let dir = std::env::temp_dir().join(format!("zjcs-audit-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let (pool, backend) = app::db::connect(&format!("sqlite://{}/z.db", dir.display()), 4).await.unwrap();
        app::db::migrate(&pool, backend).await.unwrap();
        let clock: Arc<dyn Clock> = Arc::new(ManualClock::new(NOW));
        app::db::reference::load(&pool, NOW).await.unwrap();
        app::db::demo::load(&pool, backend, &app::db::demo::DemoOptions::small(NOW), &|_| {}).await.unwrap();
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

    /// Stand-ins for server functions: one that changes a procurement's status,
    /// one read, a sign-in that fails, and a plain form post refused with a redirect.
    fn router(state: &AppState) -> Router {
        let cancel = |State(st): State<AppState>, body: String| async move {
            let code = body.split('&').find_map(|p| p.strip_prefix("code=")).unwrap_or("").to_string();
            sqlx::query("UPDATE procurements SET status = 'cancelled' WHERE code = $1").bind(code).execute(&st.pool).await.unwrap();
            axum::Json(()).into_response()
        };
        let sign_in = || async { (StatusCode::BAD_REQUEST, axum::Json(AppError::invalid("password", "accounts.error_credentials"))).into_response() };
        let refused = || async {
            let err = "eyJJbnZhbGlkSW5wdXQiOnsiZmllbGQiOiJyZWFzb24iLCJrZXkiOiJ0cmFkaW5nLmVycm9yX3JlYXNvbiJ9fQ==";
            (StatusCode::FOUND, [(header::LOCATION, format!("http://x/owner?__path=%2Fapi%2Ftrading%2Fcancel&__err={}", err.replace('=', "%3D")))]).into_response()
        };
        Router::new()
            .route("/api/trading/cancel", post(cancel))
            .route("/api/trading/list", post(|| async { axum::Json(Vec::<String>::new()) }))
            .route("/api/accounts/sign_in", post(sign_in))
            .route("/api/trading/withdraw", post(refused))
            .route("/api/ingest/v1/events", post(|| async { axum::Json(serde_json::json!({"created": 2})) }))
            .route("/healthz", get(|| async { "ok" }))
            .layer(axum::middleware::from_fn_with_state(state.clone(), record))
            .with_state(state.clone())
    }

    async fn signed_in(state: &AppState, username: &str, role: Role) -> tower_sessions::Session {
        let u = NewUser { username, password: "Zhongjie-2026!", role, display_name: username, firm_id: None, owner_id: None, region_code: None, industry_code: None };
        let id = app::db::accounts::create_user(&state.pool, &u, NOW).await.unwrap();
        let store = Arc::new(app::db::sessions::DbSessionStore::new(state.pool.clone(), state.clock.clone()));
        let session = tower_sessions::Session::new(None, store, None);
        let (stamp,): (i64,) = sqlx::query_as("SELECT password_changed_at FROM users WHERE id = $1").bind(id).fetch_one(&state.pool).await.unwrap();
        session.insert(app::db::audit::SESSION_USER_KEY, SessionUserStamp { user_id: id, stamp }).await.unwrap();
        session
    }

    fn form(uri: &str, body: &str, session: Option<&tower_sessions::Session>) -> axum::http::Request<Body> {
        let mut req = axum::http::Request::post(uri)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(body.to_string()))
            .unwrap();
        if let Some(s) = session {
            req.extensions_mut().insert(s.clone());
        }
        req
    }

    type Row = (i64, Option<String>, Option<String>, String, Option<String>, String, Option<String>, Option<String>, i64, Option<String>);

    async fn rows(state: &AppState) -> Vec<Row> {
        sqlx::query_as("SELECT seq, actor_username, role, action, subject, args, before_status, after_status, http_status, error FROM audit_log ORDER BY seq")
            .fetch_all(&state.pool)
            .await
            .unwrap()
    }

    #[tokio::test]
    async fn audit_an_action_over_http_is_recorded_with_actor_and_before_after() {
        let (state, dir) = state("action").await;
        let (code,): (String,) = sqlx::query_as("SELECT code FROM procurements WHERE status = 'published' ORDER BY id LIMIT 1").fetch_one(&state.pool).await.unwrap();
        let owner = signed_in(&state, "audit.owner", Role::Owner).await;
        let app = router(&state);
        let res = app.clone().oneshot(form("/api/trading/cancel", &format!("code={code}&reason=%E9%A1%B9%E7%9B%AE%E5%8F%96%E6%B6%88"), Some(&owner))).await.unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        // reads and other routes leave no entry
        let res = app.clone().oneshot(form("/api/trading/list", "q%5Bpage%5D=1", Some(&owner))).await.unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        app.clone().oneshot(axum::http::Request::get("/healthz").body(Body::empty()).unwrap()).await.unwrap();
        let log = rows(&state).await;
        assert_eq!(log.len(), 1, "one entry: the read was not recorded");
        let (seq, who, role, action, subject, args, before, after, status, error) = log[0].clone();
        assert_eq!((seq, who.as_deref(), role.as_deref(), action.as_str()), (1, Some("audit.owner"), Some("owner"), "trading/cancel"));
        assert_eq!(subject.as_deref(), Some(code.as_str()));
        assert_eq!((before.as_deref(), after.as_deref()), (Some("published"), Some("cancelled")));
        assert_eq!((status, error), (200, None));
        assert_eq!(args, format!(r#"{{"code":"{code}","reason":"项目取消"}}"#));
        assert!(app::db::audit::verify(&state.pool).await.unwrap().intact());
        drop(state);
        let _ = std::fs::remove_dir_all(dir);
    }

    #[tokio::test]
    async fn audit_an_ingestion_batch_is_recorded_as_its_size_and_event_ids_not_its_events() {
        let (state, dir) = state("batch").await;
        let title = "企业投资项目核准".repeat(40);
        let body = serde_json::json!({"events": [
            {"event_id": "e1", "case_no": "SP-1", "stage": "received", "title": title},
            {"event_id": "e2", "case_no": "SP-1", "stage": "accepted", "title": title},
        ]})
        .to_string();
        let req = axum::http::Request::post("/api/ingest/v1/events").header(header::CONTENT_TYPE, "application/json").body(Body::from(body)).unwrap();
        let res = router(&state).oneshot(req).await.unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        let log = rows(&state).await;
        assert_eq!((log.len(), log[0].3.as_str()), (1, "ingest/v1/events"));
        assert_eq!(log[0].5, r#"{"event_ids":["e1","e2"],"events":2}"#);
        drop(state);
        let _ = std::fs::remove_dir_all(dir);
    }

    #[tokio::test]
    async fn audit_passwords_are_redacted_and_failures_recorded() {
        let (state, dir) = state("redact").await;
        let app = router(&state);
        let res = app.clone().oneshot(form("/api/accounts/sign_in", "username=li.si&password=Very-Secret-1", None)).await.unwrap();
        assert_eq!(res.status(), StatusCode::BAD_REQUEST);
        let body = axum::body::to_bytes(res.into_body(), usize::MAX).await.unwrap();
        assert!(String::from_utf8_lossy(&body).contains("accounts.error_credentials"), "the answer passes through unchanged");
        // a plain form post refused: the redirect carries the error
        let op = signed_in(&state, "audit.op", Role::Operator).await;
        let res = app.clone().oneshot(form("/api/trading/withdraw", "code=ZJ-NONE", Some(&op))).await.unwrap();
        assert_eq!(res.status(), StatusCode::FOUND);
        // a sealed quote's amount is not kept (the operator may not quote: refused, still recorded)
        let _ = app.clone().oneshot(form("/api/trading/quote", "code=ZJ-NONE&amount=98765.43", Some(&op))).await.unwrap();
        let log = rows(&state).await;
        assert_eq!(log.len(), 3);
        assert_eq!(log[2].3, "trading/quote");
        assert_eq!(log[2].5, r#"{"amount":"（密封）","code":"ZJ-NONE"}"#);
        let (_, who, _, action, _, args, _, _, status, error) = log[0].clone();
        assert_eq!((who, action.as_str()), (None, "accounts/sign_in"), "anonymous");
        assert_eq!(args, r#"{"password":"***","username":"li.si"}"#);
        assert!(!args.contains("Very-Secret"));
        assert_eq!((status, error.as_deref()), (400, Some("accounts.error_credentials")));
        let (_, who, _, action, subject, _, before, after, status, error) = log[1].clone();
        assert_eq!((who.as_deref(), action.as_str(), subject.as_deref()), (Some("audit.op"), "trading/withdraw", Some("ZJ-NONE")));
        assert_eq!((before, after), (None, None), "no such procurement: no status");
        assert_eq!((status, error.as_deref()), (400, Some("trading.error_reason")));
        assert_eq!(app::db::audit::verify(&state.pool).await.unwrap(), VerifyReport { entries_checked: 3, first_broken: None });
        drop(state);
        let _ = std::fs::remove_dir_all(dir);
    }

    #[tokio::test]
    async fn audit_large_bodies_stream_through_unchanged() {
        let (state, dir) = state("large").await;
        let echo = |body: Bytes| async move { body.len().to_string() };
        let app = Router::new()
            .route("/api/files/upload", post(echo))
            .layer(axum::middleware::from_fn_with_state(state.clone(), record))
            .with_state(state.clone());
        let boundary = "B0undary";
        let mut body = format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"big.pdf\"\r\n\r\n").into_bytes();
        body.extend(vec![b'x'; ARGS_LIMIT + 4096]);
        body.extend(format!("\r\n--{boundary}--\r\n").into_bytes());
        let len = body.len();
        let req = axum::http::Request::post("/api/files/upload")
            .header(header::CONTENT_TYPE, format!("multipart/form-data; boundary={boundary}"))
            .body(Body::from(body))
            .unwrap();
        let res = app.oneshot(req).await.unwrap();
        let got = axum::body::to_bytes(res.into_body(), usize::MAX).await.unwrap();
        assert_eq!(String::from_utf8_lossy(&got), len.to_string(), "the handler received every byte");
        let log = rows(&state).await;
        assert_eq!(log.len(), 1);
        assert!(log[0].5.starts_with(r#"{"file":{"file":"big.pdf","size":"#), "{}", log[0].5);
        assert!(!log[0].5.contains("xxxx"), "no file body in the log");
        drop(state);
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn audit_outcomes_of_answers() {
        assert_eq!(outcome(StatusCode::OK, None, b"null"), (200, None));
        assert_eq!(outcome(StatusCode::FORBIDDEN, None, br#""Forbidden""#), (403, Some("error.forbidden".into())));
        assert_eq!(outcome(StatusCode::BAD_REQUEST, None, b"bad signature"), (400, Some("bad signature".into())));
        assert_eq!(outcome(StatusCode::FOUND, Some("/owner?x=1"), b""), (302, None));
        assert_eq!(base64url("aGk").unwrap(), b"hi");
    }
}

/// `zjcs audit-verify`: recomputes the audit chain of the database (without
/// migrating or loading anything) and prints the result; an error (exit status
/// 1) names the first broken entry.
pub async fn verify_command(database_url: &str) -> Result<(), Box<dyn std::error::Error>> {
    let (pool, _) = app::db::connect(database_url, 2).await.map_err(|e| format!("cannot open database {database_url}: {e}"))?;
    let report = log::verify(&pool).await.map_err(|e| format!("cannot read the audit trail: {e}"))?;
    pool.close().await;
    match report.first_broken {
        None => {
            println!("audit chain intact: {} entries", report.entries_checked);
            Ok(())
        }
        Some((seq, why)) => {
            let reason = match why.as_str() {
                "missing" => "the entry is missing (deleted)",
                "link" => "its prev_hash is not the previous entry's hash (replaced or forged)",
                _ => "its fields do not give its stored hash (edited)",
            };
            println!("audit chain BROKEN at entry {seq}: {reason}; {} entries before it verified", report.entries_checked);
            Err(format!("audit chain broken at entry {seq} ({why})").into())
        }
    }
}
