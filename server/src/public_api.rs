//! The public read API, version 1 (公开数据接口): JSON for anyone, no sign-in.
//! - `GET /api/v1/{announcements,contracts,firms,items}`: change feeds sorted by
//!   modification time, paged with the opaque cursor `offset` (`domain::feed`);
//! - `GET /api/v1/{announcements,contracts,firms,items}/{code}`: one object;
//! - `GET /api/v1/statistics`: the public statistics for a period and region;
//! - `GET /api/v1/openapi.json`: this API's OpenAPI 3.1 document, generated from
//!   the code below; `GET /api/v1/docs/`: its interactive page (Swagger UI, served
//!   from the binary: nothing is fetched from elsewhere).
//!
//! Every answer carries an `ETag` (a hash of the body) and is answered `304`
//! when the client sends it back in `If-None-Match`. Each client address may
//! make `--api-per-minute` requests a minute under `/api/v1/` (the OCDS
//! publication included); beyond that it gets `429` with `Retry-After`.
use app::db::public_api::{self as data, AnnouncementDetail, AnnouncementEntry, ContractEntry, FirmDetail, FirmEntry, ItemEntry, Statistics};
use app::domain::feed::{self, Cursor};
use app::model::dashboard::DashboardFilter;
use app::state::{AppState, AttemptLimiter};
use axum::extract::rejection::QueryRejection;
use axum::extract::{ConnectInfo, Path, Query, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;
use utoipa::{OpenApi, ToSchema};

/// Requests per client address per minute by default (`ZJCS_API_PER_MINUTE`).
pub const API_PER_MINUTE: u32 = 600;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "中介超市公开数据接口 (zjcs public API)",
        version = "1",
        description = "除涉及国家秘密、商业秘密和个人隐私外，中介超市的交易信息充分公开。\n\n\
Everything the public pages show, as JSON: announcements, contracts, firms and service items as \
change feeds sorted by modification time (keep `next_page.offset` and ask again later for what \
changed since), each object on its own, and the public statistics. Times are ISO 8601 in \
Asia/Shanghai, money in fen (1 yuan = 100 fen). Sealed quotes stay sealed until their opening. \
Answers carry an ETag; send it back in If-None-Match to get 304 when nothing changed. \
Each client address may make a limited number of requests a minute (429 with Retry-After beyond). \
The OCDS 1.1 publication of every selection process is at /api/v1/ocds/…, described on /open-data.",
        license(name = "CC BY 4.0", url = "https://creativecommons.org/licenses/by/4.0/")
    ),
    paths(announcements, announcement, contracts, contract, firms, firm, items, item, statistics),
    components(schemas(Grain)),
    tags(
        (name = "announcements", description = "采购公告与中选结果 Announcements and their results"),
        (name = "contracts", description = "合同公开信息 Contracts (public fields)"),
        (name = "firms", description = "入驻中介机构 Firms"),
        (name = "items", description = "中介服务事项清单 Service items"),
        (name = "statistics", description = "公开统计 Public statistics"),
    )
)]
pub struct ApiDoc;

/// The routes (rate-limited by [`limit`], a layer over the whole app).
pub fn routes() -> Router<AppState> {
    let doc = ApiDoc::openapi();
    let json_doc = doc.to_json().unwrap_or_default();
    let api = Router::new()
        .route("/api/v1/announcements", get(announcements))
        .route("/api/v1/announcements/{code}", get(announcement))
        .route("/api/v1/contracts", get(contracts))
        .route("/api/v1/contracts/{code}", get(contract))
        .route("/api/v1/firms", get(firms))
        .route("/api/v1/firms/{credit_code}", get(firm))
        .route("/api/v1/items", get(items))
        .route("/api/v1/items/{code}", get(item))
        .route("/api/v1/statistics", get(statistics))
        .route("/api/v1/openapi.json", get(move |h: HeaderMap| async move { cached(&h, json_doc.clone()) }));
    api.merge(utoipa_swagger_ui::SwaggerUi::new("/api/v1/docs").config(utoipa_swagger_ui::Config::from("/api/v1/openapi.json")))
}

/// The state of [`limit`]: `per_minute` requests per client address per minute.
#[derive(Clone)]
pub struct Limit(Arc<AttemptLimiter>, u32);

impl Limit {
    pub fn new(per_minute: u32, clock: Arc<dyn app::state::Clock>) -> Limit {
        Limit(Arc::new(AttemptLimiter::new(per_minute, clock)), per_minute)
    }
}

/// An error answer: `{"error": "…"}` with a message in Chinese.
#[derive(Serialize, ToSchema)]
pub struct ApiError {
    pub error: String,
}

/// A page of a change feed.
#[derive(Serialize, ToSchema)]
pub struct Feed<T: ToSchema> {
    /// Oldest change first.
    pub data: Vec<T>,
    pub next_page: NextPage,
}

/// Where the feed goes on. With nothing new, the same offset: poll it later.
#[derive(Serialize, ToSchema)]
pub struct NextPage {
    pub offset: String,
    /// The path and query of the next page.
    pub path: String,
}

fn error(status: StatusCode, message: impl Into<String>) -> Response {
    let body = serde_json::json!({ "error": message.into() }).to_string();
    (status, [(header::CONTENT_TYPE, "application/json; charset=utf-8")], body).into_response()
}

fn server_error(e: impl std::fmt::Display) -> Response {
    tracing::error!(error = %e, "public API");
    error(StatusCode::INTERNAL_SERVER_ERROR, "数据暂时无法读取，请稍后重试。")
}

/// `body` with its ETag, or `304 Not Modified` when the client has it already.
fn cached(headers: &HeaderMap, body: String) -> Response {
    let hash = Sha256::digest(body.as_bytes());
    let tag = format!("\"{}\"", hash.iter().take(12).map(|b| format!("{b:02x}")).collect::<String>());
    let matches = headers
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|t| {
            let t = t.trim();
            t == "*" || t.trim_start_matches("W/") == tag
        });
    let etag = HeaderValue::from_str(&tag).unwrap_or(HeaderValue::from_static("\"\""));
    // revalidate each time: the feeds and objects change at any moment
    let cache = HeaderValue::from_static("public, no-cache");
    if matches {
        return (StatusCode::NOT_MODIFIED, [(header::ETAG, etag), (header::CACHE_CONTROL, cache)]).into_response();
    }
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, HeaderValue::from_static("application/json; charset=utf-8")), (header::ETAG, etag), (header::CACHE_CONTROL, cache)],
        body,
    )
        .into_response()
}

fn json<T: Serialize>(headers: &HeaderMap, value: &T) -> Response {
    match serde_json::to_string(value) {
        Ok(body) => cached(headers, body),
        Err(e) => server_error(e),
    }
}

/// At most `per_minute` requests per client address per minute.
pub async fn limit(State(Limit(limiter, per_minute)): State<Limit>, req: Request, next: Next) -> Response {
    let path = req.uri().path();
    if !path.starts_with("/api/v1/") {
        return next.run(req).await;
    }
    let ip = req.extensions().get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip().to_string()).unwrap_or_default();
    if limiter.allow(&format!("api:{ip}")) {
        return next.run(req).await;
    }
    let wait = 60u32.div_ceil(per_minute.max(1)).max(1);
    let mut r = error(StatusCode::TOO_MANY_REQUESTS, format!("请求过于频繁：每个地址每分钟最多 {per_minute} 次，请 {wait} 秒后再试。"));
    r.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(wait));
    r
}

/// Parameters of every change feed.
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
struct FeedParams {
    /// Where to go on: the `next_page.offset` of the page before; absent or empty: from the start.
    #[param(pattern = r"^([0-9]{1,19}\.[0-9]{1,19})?$")]
    offset: Option<String>,
    /// Rows per page, 1–100 (default 100).
    #[param(minimum = 1, maximum = 100)]
    limit: Option<i64>,
}

type Params = Result<Query<HashMap<String, String>>, QueryRejection>;

/// The cursor and page size asked for, or the 400 answer.
fn feed_params(params: Params) -> Result<(Cursor, u32), Response> {
    let Ok(Query(q)) = params else {
        return Err(error(StatusCode::BAD_REQUEST, "查询参数无法解析。"));
    };
    let offset = q.get("offset").map(String::as_str).unwrap_or("");
    let Some(cursor) = Cursor::parse(offset) else {
        return Err(error(StatusCode::BAD_REQUEST, format!("offset 应为上一页 next_page.offset 的值，收到的是 {offset}。")));
    };
    let requested = match q.get("limit").map(|s| s.trim()) {
        None | Some("") => None,
        Some(s) => match s.parse::<i64>() {
            Ok(n) => Some(n),
            Err(_) => return Err(error(StatusCode::BAD_REQUEST, format!("limit 应为 1 到 {} 之间的整数，收到的是 {s}。", feed::MAX_LIMIT))),
        },
    };
    let limit = feed::limit(requested).map_err(|m| error(StatusCode::BAD_REQUEST, m))?;
    Ok((cursor, limit))
}

fn page<T: Serialize + ToSchema>(headers: &HeaderMap, base: &str, from: Cursor, limit: u32, rows: Vec<(Cursor, T)>) -> Response {
    let cursors: Vec<Cursor> = rows.iter().map(|(c, _)| *c).collect();
    let next = feed::next_cursor(from, &cursors).encode();
    let path = format!("{base}?offset={next}&limit={limit}");
    json(headers, &Feed { data: rows.into_iter().map(|(_, t)| t).collect(), next_page: NextPage { offset: next, path } })
}

macro_rules! feed_handler {
    ($name:ident, $path:literal, $tag:literal, $entry:ty, $load:path, $summary:literal) => {
        #[doc = $summary]
        #[utoipa::path(get, path = $path, tag = $tag, params(FeedParams),
            responses(
                (status = 200, description = "One page of the feed", body = Feed<$entry>),
                (status = 304, description = "Not modified since the ETag sent"),
                (status = 400, description = "A bad offset or limit", body = ApiError),
                (status = 429, description = "Too many requests from this address", body = ApiError),
            ))]
        async fn $name(State(state): State<AppState>, headers: HeaderMap, params: Params) -> Response {
            let (from, limit) = match feed_params(params) {
                Ok(p) => p,
                Err(r) => return r,
            };
            match $load(&state.pool, from, limit).await {
                Ok(rows) => page(&headers, $path, from, limit, rows),
                Err(e) => server_error(e),
            }
        }
    };
}

feed_handler!(announcements, "/api/v1/announcements", "announcements", AnnouncementEntry, data::announcements, "Published announcements, oldest change first.");
feed_handler!(contracts, "/api/v1/contracts", "contracts", ContractEntry, data::contracts, "Contracts, oldest change first.");
feed_handler!(firms, "/api/v1/firms", "firms", FirmEntry, data::firms, "Firms with a public profile, oldest change first.");
feed_handler!(items, "/api/v1/items", "items", ItemEntry, data::items, "Service items of the catalogue, oldest change first.");

fn found<T: Serialize>(headers: &HeaderMap, what: Result<Option<T>, sqlx::Error>, missing: String) -> Response {
    match what {
        Ok(Some(v)) => json(headers, &v),
        Ok(None) => error(StatusCode::NOT_FOUND, missing),
        Err(e) => server_error(e),
    }
}

/// One published announcement with its opened quotes, candidates, award and contract codes.
#[utoipa::path(get, path = "/api/v1/announcements/{code}", tag = "announcements",
    params(("code" = String, Path, description = "Announcement code (公告编号)")),
    responses(
        (status = 200, body = AnnouncementDetail),
        (status = 304, description = "Not modified since the ETag sent"),
        (status = 404, description = "No published announcement with this code", body = ApiError),
        (status = 429, description = "Too many requests from this address", body = ApiError),
    ))]
async fn announcement(State(state): State<AppState>, headers: HeaderMap, Path(code): Path<String>) -> Response {
    let now = state.now_ms();
    found(&headers, data::announcement(&state.pool, &code, now).await, format!("没有已发布的公告编号为 {code} 的项目。"))
}

/// One contract's public fields.
#[utoipa::path(get, path = "/api/v1/contracts/{code}", tag = "contracts",
    params(("code" = String, Path, description = "Contract code (合同编号)")),
    responses(
        (status = 200, body = ContractEntry),
        (status = 304, description = "Not modified since the ETag sent"),
        (status = 404, description = "No contract with this code", body = ApiError),
        (status = 429, description = "Too many requests from this address", body = ApiError),
    ))]
async fn contract(State(state): State<AppState>, headers: HeaderMap, Path(code): Path<String>) -> Response {
    found(&headers, data::contract(&state.pool, &code).await, format!("没有合同编号为 {code} 的合同。"))
}

/// One firm's public profile: scope of service and qualifications.
#[utoipa::path(get, path = "/api/v1/firms/{credit_code}", tag = "firms",
    params(("credit_code" = String, Path, description = "Unified social credit code (统一社会信用代码)")),
    responses(
        (status = 200, body = FirmDetail),
        (status = 304, description = "Not modified since the ETag sent"),
        (status = 404, description = "No firm with a public profile and this credit code", body = ApiError),
        (status = 429, description = "Too many requests from this address", body = ApiError),
    ))]
async fn firm(State(state): State<AppState>, headers: HeaderMap, Path(credit_code): Path<String>) -> Response {
    let today = app::domain::time::date_shanghai(state.now_ms());
    found(&headers, data::firm(&state.pool, &credit_code, &today).await, format!("没有统一社会信用代码为 {credit_code} 的入驻机构。"))
}

/// One service item of the catalogue.
#[utoipa::path(get, path = "/api/v1/items/{code}", tag = "items",
    params(("code" = String, Path, description = "Service item code")),
    responses(
        (status = 200, body = ItemEntry),
        (status = 304, description = "Not modified since the ETag sent"),
        (status = 404, description = "No service item with this code", body = ApiError),
        (status = 429, description = "Too many requests from this address", body = ApiError),
    ))]
async fn item(State(state): State<AppState>, headers: HeaderMap, Path(code): Path<String>) -> Response {
    found(&headers, data::item(&state.pool, &code).await, format!("没有编码为 {code} 的中介服务事项。"))
}

/// Filters of the public statistics (as on `/stats`).
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
struct StatisticsParams {
    /// First month `YYYY-MM` (default: twelve months before `to`).
    #[param(pattern = r"^([0-9]{4}-(0[1-9]|1[0-2]))?$")]
    from: Option<String>,
    /// Last month `YYYY-MM` (default: the current month).
    #[param(pattern = r"^([0-9]{4}-(0[1-9]|1[0-2]))?$")]
    to: Option<String>,
    /// Region code (6 digits): the province, a city or a county (default: the province).
    #[param(pattern = r"^([0-9]{6})?$")]
    region: Option<String>,
    /// Industry code (e.g. `ZJ`).
    #[param(pattern = r"^[A-Z]{0,4}$")]
    industry: Option<String>,
    /// Trend grain (default `month`).
    grain: Option<Grain>,
}

/// Trend grain of the statistics.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
#[allow(dead_code)]
enum Grain {
    Month,
    Quarter,
    Year,
}

/// The market's figures for a period and region, by period, region, industry and method.
#[utoipa::path(get, path = "/api/v1/statistics", tag = "statistics", params(StatisticsParams),
    responses(
        (status = 200, body = Statistics),
        (status = 304, description = "Not modified since the ETag sent"),
        (status = 400, description = "A bad month, region, industry or grain", body = ApiError),
        (status = 429, description = "Too many requests from this address", body = ApiError),
    ))]
async fn statistics(State(state): State<AppState>, headers: HeaderMap, params: Params) -> Response {
    let Ok(Query(q)) = params else {
        return error(StatusCode::BAD_REQUEST, "查询参数无法解析。");
    };
    let filter = DashboardFilter::from_query(|k| q.get(k).cloned().unwrap_or_default());
    match data::statistics(&state, &filter, state.now_ms()).await {
        Ok(s) => json(&headers, &s),
        Err(e @ app::error::AppError::InvalidInput { .. }) => error(StatusCode::BAD_REQUEST, app::i18n::t(e.message_key())),
        Err(e) => server_error(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::Body;
    use tower::ServiceExt;

    async fn body(r: Response) -> String {
        String::from_utf8(axum::body::to_bytes(r.into_body(), 1 << 20).await.unwrap().to_vec()).unwrap()
    }

    #[tokio::test]
    async fn an_etag_sent_back_is_answered_304_and_a_changed_body_is_not() {
        let none = HeaderMap::new();
        let r = cached(&none, "{\"a\":1}".into());
        assert_eq!(r.status(), StatusCode::OK);
        let tag = r.headers()[header::ETAG].to_str().unwrap().to_string();
        assert_eq!(r.headers()[header::CACHE_CONTROL], "public, no-cache");
        assert_eq!(body(r).await, "{\"a\":1}");
        let mut sent = HeaderMap::new();
        sent.insert(header::IF_NONE_MATCH, HeaderValue::from_str(&format!("\"other\", W/{tag}")).unwrap());
        let r = cached(&sent, "{\"a\":1}".into());
        assert_eq!(r.status(), StatusCode::NOT_MODIFIED);
        assert_eq!(r.headers()[header::ETAG].to_str().unwrap(), tag);
        assert_eq!(body(r).await, "");
        let r = cached(&sent, "{\"a\":2}".into());
        assert_eq!(r.status(), StatusCode::OK);
        assert_ne!(r.headers()[header::ETAG].to_str().unwrap(), tag);
    }

    #[test]
    fn feed_parameters_are_checked_with_messages_in_chinese() {
        let q = |pairs: &[(&str, &str)]| -> Params { Ok(Query(pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect())) };
        assert_eq!(feed_params(q(&[])).ok(), Some((Cursor::START, 100)));
        assert_eq!(feed_params(q(&[("offset", "1764300000000.42"), ("limit", "5")])).ok(), Some((Cursor { modified_ms: 1_764_300_000_000, id: 42 }, 5)));
        for bad in [&[("limit", "0")][..], &[("limit", "abc")], &[("limit", "101")], &[("offset", "yesterday")]] {
            let r = feed_params(q(bad)).unwrap_err();
            assert_eq!(r.status(), StatusCode::BAD_REQUEST, "{bad:?}");
        }
    }

    /// A router with the limit in front of one `/api/v1/` route and one page.
    fn limited(per_minute: u32, clock: Arc<app::state::ManualClock>) -> Router {
        Router::new()
            .route("/api/v1/items", get(|| async { "ok" }))
            .route("/firms", get(|| async { "page" }))
            .layer(axum::middleware::from_fn_with_state(Limit::new(per_minute, clock), limit))
    }

    async fn call(app: &Router, path: &str, ip: [u8; 4]) -> Response {
        let mut req = axum::http::Request::get(path).body(Body::empty()).unwrap();
        req.extensions_mut().insert(ConnectInfo(SocketAddr::from((ip, 40000))));
        app.clone().oneshot(req).await.unwrap()
    }

    #[tokio::test]
    async fn each_address_gets_its_requests_a_minute_then_429_with_retry_after_until_time_passes() {
        let clock = Arc::new(app::state::ManualClock::new(1_764_300_000_000));
        let app = limited(3, clock.clone());
        for _ in 0..3 {
            assert_eq!(call(&app, "/api/v1/items", [10, 0, 0, 1]).await.status(), StatusCode::OK);
        }
        let r = call(&app, "/api/v1/items", [10, 0, 0, 1]).await;
        assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(r.headers()[header::RETRY_AFTER], "20");
        assert!(body(r).await.contains("每分钟最多 3 次"));
        // another address, and the pages, are not held back
        assert_eq!(call(&app, "/api/v1/items", [10, 0, 0, 2]).await.status(), StatusCode::OK);
        assert_eq!(call(&app, "/firms", [10, 0, 0, 1]).await.status(), StatusCode::OK);
        // a third of a minute later one more request is allowed
        clock.set(1_764_300_000_000 + 20_000);
        assert_eq!(call(&app, "/api/v1/items", [10, 0, 0, 1]).await.status(), StatusCode::OK);
        assert_eq!(call(&app, "/api/v1/items", [10, 0, 0, 1]).await.status(), StatusCode::TOO_MANY_REQUESTS);
    }

    #[test]
    fn the_openapi_document_lists_every_route_with_its_answers() {
        let doc: serde_json::Value = serde_json::from_str(&ApiDoc::openapi().to_json().unwrap()).unwrap();
        let paths = doc["paths"].as_object().unwrap();
        for p in ["/api/v1/announcements", "/api/v1/announcements/{code}", "/api/v1/contracts", "/api/v1/contracts/{code}", "/api/v1/firms", "/api/v1/firms/{credit_code}", "/api/v1/items", "/api/v1/items/{code}", "/api/v1/statistics"] {
            let get = &paths[p]["get"];
            for status in ["200", "304", "429"] {
                assert!(get["responses"][status].is_object(), "{p} documents {status}");
            }
        }
        assert!(doc["components"]["schemas"]["AnnouncementDetail"].is_object());
    }
}
