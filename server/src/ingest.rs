//! The ingestion API for approval cases from other platforms (数据上传接口, v1).
//! Plain HTTP for machines (no session, no server function):
//!
//! - `POST /api/ingest/v1/events` with `Authorization: Bearer <key>` (a key an
//!   operator issued at /operator/platforms) and a JSON body `{"events": [...]}`
//!   as in `GET /api/ingest/v1/schema` (docs/ingest-v1.schema.json).
//!   - 200: the batch was processed; the body gives counts and, per event in
//!     request order, `{event_id, status: created|duplicate|rejected, errors, warnings}`
//!     (some events may be rejected while others are applied);
//!   - 400: the body is not a batch (not JSON, no `events` array, empty …):
//!     `{"error": {"field", "message"}}`, nothing applied;
//!   - 401: no key, an unknown or revoked key, or a disabled platform;
//!   - 413: more than 500 events or more than 2 MB: nothing applied;
//!   - 503: the database is unavailable (safe to retry: event ids are idempotent).
//!
//! Rules (validation, stage order, idempotency) are in `app::domain::ingest` and
//! `app::db::ingest`.
use app::domain::ingest::{bearer, BatchError, MAX_BODY_BYTES};
use app::state::AppState;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::json;

/// The published JSON schema of a batch.
pub const SCHEMA: &str = include_str!("../../docs/ingest-v1.schema.json");

pub fn routes() -> Router<AppState> {
    Router::new()
        // the body limit is ours (413 with a JSON message), a little above the batch limit
        .route("/api/ingest/v1/events", post(events).layer(DefaultBodyLimit::max(MAX_BODY_BYTES + 1024)))
        .route("/api/ingest/v1/schema", get(schema))
}

fn error(status: StatusCode, field: &str, message: &str) -> Response {
    let mut res = (status, Json(json!({ "error": { "field": field, "message": message } }))).into_response();
    if status == StatusCode::UNAUTHORIZED {
        res.headers_mut().insert(header::WWW_AUTHENTICATE, header::HeaderValue::from_static("Bearer realm=\"zjcs-ingest\""));
    }
    res
}

async fn schema() -> Response {
    ([(header::CONTENT_TYPE, "application/schema+json; charset=utf-8"), (header::CACHE_CONTROL, "public, max-age=3600")], SCHEMA).into_response()
}

async fn events(State(state): State<AppState>, headers: HeaderMap, body: Result<Bytes, axum::extract::rejection::BytesRejection>) -> Response {
    let auth = headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok());
    let Some(secret) = auth.and_then(bearer) else {
        return error(StatusCode::UNAUTHORIZED, "Authorization", "缺少 API 密钥:请在请求头中提供 Authorization: Bearer <密钥>");
    };
    let platform = match app::db::ingest::authenticate(&state.pool, secret, state.now_ms()).await {
        Ok(Some(p)) => p,
        Ok(None) => return error(StatusCode::UNAUTHORIZED, "Authorization", "API 密钥无效、已吊销,或所属平台已停用"),
        Err(e) => return unavailable(e),
    };
    let body = match body {
        Ok(b) => b,
        Err(_) => return error(StatusCode::PAYLOAD_TOO_LARGE, "body", &BatchError::TooLarge.message()),
    };
    match app::db::ingest::ingest_body(&state.pool, state.backend, &platform, &body, state.now_ms()).await {
        Ok(Ok(reply)) => {
            tracing::info!(platform = %platform.code, created = reply.created, duplicate = reply.duplicate, rejected = reply.rejected, "approval events ingested");
            (StatusCode::OK, Json(reply)).into_response()
        }
        Ok(Err(bad)) => {
            let status = StatusCode::from_u16(bad.status()).unwrap_or(StatusCode::BAD_REQUEST);
            error(status, &bad.field(), &bad.message())
        }
        Err(e) => unavailable(e),
    }
}

fn unavailable(e: sqlx::Error) -> Response {
    tracing::error!(error = %e, "ingest: database");
    error(StatusCode::SERVICE_UNAVAILABLE, "body", "服务暂时不可用,请稍后重试(事件编号幂等,可原样重发)")
}

#[cfg(test)]
mod tests {
    use super::*;
    use app::state::{AttemptLimiter, Clock, SystemClock};
    use axum::body::Body;
    use std::sync::Arc;
    use tower::ServiceExt;

    async fn state(tag: &str) -> (AppState, std::path::PathBuf) {
        let dir = std::env::temp_dir().join(format!("zjcs-ingest-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let (pool, backend) = app::db::connect(&format!("sqlite://{}/z.db", dir.display()), 4).await.unwrap();
        app::db::migrate(&pool, backend).await.unwrap();
        let clock: Arc<dyn Clock> = Arc::new(SystemClock);
        app::db::reference::load(&pool, clock.now_ms()).await.unwrap();
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

    async fn key(state: &AppState) -> (i64, String) {
        let id = app::db::ingest::create_platform(&state.pool, state.backend, "sc-tzxm", "投资项目在线审批监管平台", None, 1).await.unwrap().unwrap();
        app::db::ingest::issue_key(&state.pool, id, None, 1).await.unwrap()
    }

    async fn post(state: &AppState, key: Option<&str>, body: impl Into<String>) -> (StatusCode, serde_json::Value) {
        let mut b = axum::http::Request::post("/api/ingest/v1/events").header(header::CONTENT_TYPE, "application/json");
        if let Some(k) = key {
            b = b.header(header::AUTHORIZATION, format!("Bearer {k}"));
        }
        let res = routes().with_state(state.clone()).oneshot(b.body(Body::from(body.into())).unwrap()).await.unwrap();
        let status = res.status();
        let bytes = axum::body::to_bytes(res.into_body(), usize::MAX).await.unwrap();
        (status, serde_json::from_slice(&bytes).unwrap_or(serde_json::Value::Null))
    }

    fn event(id: &str, case_no: &str, stage: &str, minutes_ago: i64) -> serde_json::Value {
        let at = app::domain::ingest::format_rfc3339_shanghai(SystemClock.now_ms() - minutes_ago * 60_000);
        json!({"event_id": id, "case_no": case_no, "stage": stage, "at": at, "title": "企业投资项目核准", "applicant": "成都某能源公司",
               "region_code": "510104", "department_code": "FGBM", "item_code": "ZJFW-002"})
    }

    #[tokio::test]
    async fn ingest_http_refuses_missing_invalid_and_revoked_keys() {
        let (state, dir) = state("auth").await;
        let (key_id, secret) = key(&state).await;
        let body = json!({"events": [event("e1", "SP-1", "received", 60)]}).to_string();
        let (status, err) = post(&state, None, body.clone()).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        assert_eq!(err["error"]["field"], "Authorization");
        assert_eq!(post(&state, Some("zjk_0000000000"), body.clone()).await.0, StatusCode::UNAUTHORIZED);
        assert_eq!(post(&state, Some(&secret), body.clone()).await.0, StatusCode::OK);
        app::db::ingest::revoke_key(&state.pool, key_id, 2).await.unwrap();
        let (status, err) = post(&state, Some(&secret), body).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        assert!(err["error"]["message"].as_str().unwrap().contains("吊销"));
        let _ = std::fs::remove_dir_all(dir);
    }

    #[tokio::test]
    async fn ingest_http_malformed_and_oversized_batches_name_the_problem() {
        let (state, dir) = state("shape").await;
        let (_, secret) = key(&state).await;
        let (status, err) = post(&state, Some(&secret), "{\"events\": [").await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(err["error"]["field"], "body");
        assert!(err["error"]["message"].as_str().unwrap().contains("JSON"));
        let (status, err) = post(&state, Some(&secret), "{\"event\": []}").await;
        assert_eq!((status, err["error"]["field"].as_str()), (StatusCode::BAD_REQUEST, Some("events")));
        let many: Vec<_> = (0..501).map(|i| event(&format!("e{i}"), &format!("SP-{i}"), "received", 60)).collect();
        let (status, err) = post(&state, Some(&secret), json!({ "events": many }).to_string()).await;
        assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
        assert!(err["error"]["message"].as_str().unwrap().contains("500"));
        let (status, _) = post(&state, Some(&secret), " ".repeat(MAX_BODY_BYTES + 4096)).await;
        assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM approval_cases").fetch_one(&state.pool).await.unwrap();
        assert_eq!(n, 0, "nothing applied");
        let _ = std::fs::remove_dir_all(dir);
    }

    #[tokio::test]
    async fn ingest_http_answers_per_event_and_a_resent_batch_is_duplicate() {
        let (state, dir) = state("batch").await;
        let (_, secret) = key(&state).await;
        let mut bad = event("e3", "SP-2", "received", 60);
        bad["region_code"] = json!("519999");
        let body = json!({"events": [event("e1", "SP-1", "received", 60), event("e2", "SP-1", "accepted", 30), bad]}).to_string();
        let (status, reply) = post(&state, Some(&secret), body.clone()).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!((reply["created"].as_u64(), reply["rejected"].as_u64()), (Some(2), Some(1)));
        let results = reply["results"].as_array().unwrap();
        assert_eq!(results.iter().map(|r| r["status"].as_str().unwrap()).collect::<Vec<_>>(), ["created", "created", "rejected"]);
        assert_eq!(results[2]["event_id"], "e3");
        assert_eq!(results[2]["errors"][0]["field"], "events[2].region_code");
        assert!(results[2]["errors"][0]["message"].as_str().unwrap().contains("未知的行政区划代码 519999"));
        let (status, again) = post(&state, Some(&secret), body).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!((again["created"].as_u64(), again["duplicate"].as_u64(), again["rejected"].as_u64()), (Some(0), Some(2), Some(1)));
        let stage: String = sqlx::query_scalar("SELECT stage FROM approval_cases WHERE case_no = 'SP-1'").fetch_one(&state.pool).await.unwrap();
        assert_eq!(stage, "accepted");
        let _ = std::fs::remove_dir_all(dir);
    }

    #[tokio::test]
    async fn ingest_http_serves_the_schema() {
        let (state, dir) = state("schema").await;
        let res = routes().with_state(state).oneshot(axum::http::Request::get("/api/ingest/v1/schema").body(Body::empty()).unwrap()).await.unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        let bytes = axum::body::to_bytes(res.into_body(), usize::MAX).await.unwrap();
        let schema: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
        assert_eq!(schema["properties"]["events"]["maxItems"], 500);
        // the schema lists exactly the fields the validation accepts
        let mut fields: Vec<&str> = schema["$defs"]["event"]["properties"].as_object().unwrap().keys().map(String::as_str).collect();
        fields.sort();
        let mut known = app::domain::ingest::EVENT_FIELDS.to_vec();
        known.sort();
        assert_eq!(fields, known);
        let _ = std::fs::remove_dir_all(dir);
    }
}
