//! Open Contracting Data Standard publication (`app::domain::ocds`), public:
//! - `GET /api/v1/ocds/records/{code}`: the process's record package (every
//!   release and the compiled release);
//! - `GET /api/v1/ocds/releases/{code}`: its release package;
//! - `GET /api/v1/ocds/months/{YYYY-MM}`: the bulk release package of every
//!   release dated in that month (Asia/Shanghai), streamed.
use app::domain::ocds::{self, Publisher};
use app::state::AppState;
use axum::body::{Body, Bytes};
use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use std::sync::Arc;

pub fn routes(publisher: Publisher) -> Router<AppState> {
    let publisher = Arc::new(publisher);
    let (a, b, c) = (publisher.clone(), publisher.clone(), publisher);
    Router::new()
        .route("/api/v1/ocds/records/{code}", get(move |s: State<AppState>, p: Path<String>| record(s, a.clone(), p)))
        .route("/api/v1/ocds/releases/{code}", get(move |s: State<AppState>, p: Path<String>| releases(s, b.clone(), p)))
        .route("/api/v1/ocds/months/{month}", get(move |s: State<AppState>, p: Path<String>| month(s, c.clone(), p)))
}

fn json(status: StatusCode, body: String) -> Response {
    (status, [(header::CONTENT_TYPE, "application/json; charset=utf-8")], body).into_response()
}

fn error(status: StatusCode, message: String) -> Response {
    json(status, serde_json::json!({ "error": message }).to_string())
}

fn server_error(e: sqlx::Error) -> Response {
    tracing::error!(error = %e, "OCDS publication");
    error(StatusCode::INTERNAL_SERVER_ERROR, "数据暂时无法读取，请稍后重试。".into())
}

async fn load(state: &AppState, code: &str) -> Result<ocds::ProcessFacts, Response> {
    match app::db::ocds::process(&state.pool, code).await {
        Ok(Some(p)) => Ok(p),
        Ok(None) => Err(error(StatusCode::NOT_FOUND, format!("没有已发布的公告编号为 {code} 的项目。"))),
        Err(e) => Err(server_error(e)),
    }
}

async fn record(State(state): State<AppState>, publisher: Arc<Publisher>, Path(code): Path<String>) -> Response {
    let p = match load(&state, &code).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let uri = format!("{}/api/v1/ocds/records/{code}", publisher.base_url);
    let package = ocds::record_package(&publisher, uri, &[p], state.now_ms());
    json(StatusCode::OK, serde_json::to_string(&package).unwrap_or_default())
}

async fn releases(State(state): State<AppState>, publisher: Arc<Publisher>, Path(code): Path<String>) -> Response {
    let p = match load(&state, &code).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let now = state.now_ms();
    let uri = format!("{}/api/v1/ocds/releases/{code}", publisher.base_url);
    let package = ocds::release_package(&publisher, uri, ocds::releases(&publisher, &p, now), now);
    json(StatusCode::OK, serde_json::to_string(&package).unwrap_or_default())
}

async fn month(State(state): State<AppState>, publisher: Arc<Publisher>, Path(month): Path<String>) -> Response {
    let month = month.strip_suffix(".json").unwrap_or(&month).to_string();
    let Some((from, to)) = ocds::month_range(&month) else {
        return error(StatusCode::BAD_REQUEST, format!("月份应为 YYYY-MM（如 2026-03），收到的是 {month}。"));
    };
    let now = state.now_ms();
    if from > now {
        return error(StatusCode::NOT_FOUND, format!("{month} 尚未开始，没有数据。"));
    }
    let ids = match app::db::ocds::changed_between(&state.pool, from, to).await {
        Ok(ids) => ids,
        Err(e) => return server_error(e),
    };
    // the package without releases, then the releases streamed batch by batch
    let uri = format!("{}/api/v1/ocds/months/{month}", publisher.base_url);
    let empty = serde_json::to_string(&ocds::release_package(&publisher, uri, Vec::new(), now)).unwrap_or_default();
    let head = empty.strip_suffix("[]}").unwrap_or(&empty).to_string() + "[";
    let batches: Vec<Vec<i64>> = ids.chunks(app::db::ocds::BATCH).map(<[i64]>::to_vec).collect();
    struct Cursor {
        state: AppState,
        publisher: Arc<Publisher>,
        batches: std::vec::IntoIter<Vec<i64>>,
        first: bool,
        done: bool,
    }
    let cursor = Cursor { state, publisher, batches: batches.into_iter(), first: true, done: false };
    let body = futures_util::stream::unfold(cursor, move |mut c| async move {
        if c.done {
            return None;
        }
        let Some(batch) = c.batches.next() else {
            c.done = true;
            return Some((Ok::<Bytes, std::io::Error>(Bytes::from_static(b"]}")), c));
        };
        let facts = match app::db::ocds::processes(&c.state.pool, &batch).await {
            Ok(f) => f,
            Err(e) => {
                tracing::error!(error = %e, "OCDS bulk package");
                c.done = true;
                return Some((Err(std::io::Error::other(e.to_string())), c));
            }
        };
        let mut out = String::new();
        for p in &facts {
            for r in ocds::releases_between(&c.publisher, p, from, to, now) {
                if !c.first {
                    out.push(',');
                }
                c.first = false;
                out.push_str(&serde_json::to_string(&r).unwrap_or_default());
            }
        }
        Some((Ok(Bytes::from(out)), c))
    });
    let stream = futures_util::StreamExt::chain(futures_util::stream::once(async move { Ok::<Bytes, std::io::Error>(Bytes::from(head)) }), body);
    Response::builder()
        .header(header::CONTENT_TYPE, "application/json; charset=utf-8")
        .header(header::CONTENT_DISPOSITION, format!("inline; filename=\"ocds-{month}.json\""))
        .body(Body::from_stream(stream))
        .unwrap_or_else(|_| error(StatusCode::INTERNAL_SERVER_ERROR, String::new()))
}
