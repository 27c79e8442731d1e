//! Open Contracting Data Standard publication (`app::domain::ocds`), public:
//! - `GET /api/v1/ocds/records/{code}`: the process's record package (every
//!   release and the compiled release);
//! - `GET /api/v1/ocds/releases/{code}`: its release package;
//! - `GET /api/v1/ocds/months/{YYYY-MM}`: the bulk release package of every
//!   release dated in that month (Asia/Shanghai), streamed;
//! - `GET /api/v1/ocds/compiled/{YYYY-MM}`: the compiled release (what is public
//!   now) of every process announced in that month, one per line (JSON Lines, the
//!   bulk form Cardinal and other OCDS tools read), streamed.
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
    let (a, b, c, d) = (publisher.clone(), publisher.clone(), publisher.clone(), publisher);
    Router::new()
        .route("/api/v1/ocds/records/{code}", get(move |s: State<AppState>, p: Path<String>| record(s, a.clone(), p)))
        .route("/api/v1/ocds/releases/{code}", get(move |s: State<AppState>, p: Path<String>| releases(s, b.clone(), p)))
        .route("/api/v1/ocds/months/{month}", get(move |s: State<AppState>, p: Path<String>| month(s, c.clone(), p)))
        .route("/api/v1/ocds/compiled/{month}", get(move |s: State<AppState>, p: Path<String>| compiled(s, d.clone(), p)))
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

/// One process's package at `/api/v1/ocds/{kind}/{code}`: loads the process
/// (404 when unknown), then `build(publisher, uri, facts, now)` makes the package's JSON.
async fn package(
    state: &AppState,
    publisher: &Publisher,
    kind: &str,
    code: &str,
    build: impl FnOnce(&Publisher, String, ocds::ProcessFacts, i64) -> serde_json::Result<String>,
) -> Response {
    let p = match load(state, code).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let uri = format!("{}/api/v1/ocds/{kind}/{code}", publisher.base_url);
    json(StatusCode::OK, build(publisher, uri, p, state.now_ms()).unwrap_or_default())
}

async fn record(State(state): State<AppState>, publisher: Arc<Publisher>, Path(code): Path<String>) -> Response {
    package(&state, &publisher, "records", &code, |publisher, uri, p, now| serde_json::to_string(&ocds::record_package(publisher, uri, &[p], now))).await
}

async fn releases(State(state): State<AppState>, publisher: Arc<Publisher>, Path(code): Path<String>) -> Response {
    package(&state, &publisher, "releases", &code, |publisher, uri, p, now| {
        serde_json::to_string(&ocds::release_package(publisher, uri, ocds::releases(publisher, &p, now), now))
    })
    .await
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
    // fused: the compression layer polls the body once more after its end, and
    // an unfused `unfold` panics then (the download is cut short)
    let stream = futures_util::StreamExt::fuse(futures_util::StreamExt::chain(
        futures_util::stream::once(async move { Ok::<Bytes, std::io::Error>(Bytes::from(head)) }),
        body,
    ));
    Response::builder()
        .header(header::CONTENT_TYPE, "application/json; charset=utf-8")
        .header(header::CONTENT_DISPOSITION, format!("inline; filename=\"ocds-{month}.json\""))
        .body(Body::from_stream(stream))
        .unwrap_or_else(|_| error(StatusCode::INTERNAL_SERVER_ERROR, String::new()))
}

async fn compiled(State(state): State<AppState>, publisher: Arc<Publisher>, Path(month): Path<String>) -> Response {
    let month = month.strip_suffix(".jsonl").unwrap_or(&month).to_string();
    let Some((from, to)) = ocds::month_range(&month) else {
        return error(StatusCode::BAD_REQUEST, format!("月份应为 YYYY-MM（如 2026-03），收到的是 {month}。"));
    };
    let now = state.now_ms();
    if from > now {
        return error(StatusCode::NOT_FOUND, format!("{month} 尚未开始，没有数据。"));
    }
    let ids = match app::db::ocds::published_between(&state.pool, from, to).await {
        Ok(ids) => ids,
        Err(e) => return server_error(e),
    };
    let batches: Vec<Vec<i64>> = ids.chunks(app::db::ocds::BATCH).map(<[i64]>::to_vec).collect();
    let body = futures_util::stream::unfold((state, publisher, batches.into_iter()), move |(state, publisher, mut batches)| async move {
        let batch = batches.next()?;
        match app::db::ocds::processes(&state.pool, &batch).await {
            Ok(facts) => {
                let mut out = String::new();
                for p in &facts {
                    out.push_str(&serde_json::to_string(&ocds::compiled(&publisher, p, now)).unwrap_or_default());
                    out.push('\n');
                }
                Some((Ok::<Bytes, std::io::Error>(Bytes::from(out)), (state, publisher, batches)))
            }
            Err(e) => {
                tracing::error!(error = %e, "OCDS compiled releases");
                Some((Err(std::io::Error::other(e.to_string())), (state, publisher, Vec::new().into_iter())))
            }
        }
    });
    Response::builder()
        .header(header::CONTENT_TYPE, "application/x-ndjson; charset=utf-8")
        .header(header::CONTENT_DISPOSITION, format!("inline; filename=\"ocds-compiled-{month}.jsonl\""))
        // fused, as `month`: the compression layer polls once more after the end
        .body(Body::from_stream(futures_util::StreamExt::fuse(body)))
        .unwrap_or_else(|_| error(StatusCode::INTERNAL_SERVER_ERROR, String::new()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use app::domain::time::{month_key, month_of};
    use app::state::{AttemptLimiter, Clock, ManualClock};
    use tower::ServiceExt;

    /// 2026-11-20 in Shanghai.
    const NOW: i64 = 1_795_140_000_000;

    /// A fresh SQLite database with migrations and reference data (and the small demo market when `demo`), its clock at [`NOW`].
    async fn state(tag: &str, demo: bool) -> (AppState, std::path::PathBuf) {
        let dir = std::env::temp_dir().join(format!("zjcs-ocds-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let (pool, backend) = app::db::connect(&format!("sqlite://{}/z.db", dir.display()), 4).await.unwrap();
        app::db::migrate(&pool, backend).await.unwrap();
        app::db::reference::load(&pool, NOW).await.unwrap();
        if demo {
            app::db::demo::load(&pool, backend, &app::db::demo::DemoOptions::small(NOW), &|_| {}).await.unwrap();
        }
        let clock: Arc<dyn Clock> = Arc::new(ManualClock::new(NOW));
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

    fn publisher() -> Publisher {
        Publisher { name: "中介超市".into(), prefix: "ocds-zjcs00".into(), base_url: "https://zjcs.example.cn".into() }
    }

    /// GET `uri`: the status, the content type and the body as JSON.
    async fn get(state: &AppState, uri: &str) -> (StatusCode, String, serde_json::Value) {
        let req = axum::http::Request::get(uri).body(Body::empty()).unwrap();
        let res = routes(publisher()).with_state(state.clone()).oneshot(req).await.unwrap();
        let status = res.status();
        let content_type = res.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or_default().to_string();
        let body = axum::body::to_bytes(res.into_body(), usize::MAX).await.unwrap();
        let json = serde_json::from_slice(&body).unwrap_or_else(|e| panic!("{uri}: not JSON ({e}): {}", String::from_utf8_lossy(&body)));
        (status, content_type, json)
    }

    #[tokio::test]
    async fn ocds_months_a_bad_month_is_400_a_month_not_begun_404_and_this_month_a_package() {
        let (state, dir) = state("months", false).await;
        for bad in ["2026-13", "abc", "2026-3", "1969-12"] {
            let (status, content_type, v) = get(&state, &format!("/api/v1/ocds/months/{bad}")).await;
            assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}");
            assert!(content_type.starts_with("application/json"), "{bad}: {content_type}");
            let error = v["error"].as_str().unwrap_or_default();
            assert!(error.contains("月份应为 YYYY-MM") && error.contains(bad), "{bad}: {error}");
        }
        let next = month_key(month_of(NOW) + 1);
        let (status, _, v) = get(&state, &format!("/api/v1/ocds/months/{next}")).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        assert_eq!(v["error"].as_str(), Some(format!("{next} 尚未开始，没有数据。").as_str()));
        // the month under way (with or without `.json`) is a release package, empty on a fresh database
        let this = month_key(month_of(NOW));
        for path in [this.clone(), format!("{this}.json")] {
            let (status, _, v) = get(&state, &format!("/api/v1/ocds/months/{path}")).await;
            assert_eq!(status, StatusCode::OK, "{path}");
            assert_eq!(v["uri"].as_str(), Some(format!("https://zjcs.example.cn/api/v1/ocds/months/{this}").as_str()));
            assert_eq!(v["releases"].as_array().map(Vec::len), Some(0));
            assert_eq!(v["license"].as_str(), Some(app::domain::ocds::LICENCE_URL), "the streamed head carries the licence");
        }
        let _ = std::fs::remove_dir_all(dir);
    }

    #[tokio::test]
    async fn ocds_an_unknown_code_is_404_on_records_and_releases_a_published_one_its_package() {
        let (state, dir) = state("codes", true).await;
        for kind in ["records", "releases"] {
            let (status, content_type, v) = get(&state, &format!("/api/v1/ocds/{kind}/ZJ20990100001")).await;
            assert_eq!(status, StatusCode::NOT_FOUND, "{kind}");
            assert!(content_type.starts_with("application/json"), "{kind}: {content_type}");
            assert_eq!(v["error"].as_str(), Some("没有已发布的公告编号为 ZJ20990100001 的项目。"), "{kind}");
        }
        let code: String = sqlx::query_scalar("SELECT code FROM procurements WHERE published_at IS NOT NULL AND status <> 'draft' ORDER BY id LIMIT 1")
            .fetch_one(&state.pool)
            .await
            .unwrap();
        let ocid = format!("ocds-zjcs00-{code}");
        let (status, _, record) = get(&state, &format!("/api/v1/ocds/records/{code}")).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(record["uri"].as_str(), Some(format!("https://zjcs.example.cn/api/v1/ocds/records/{code}").as_str()));
        assert_eq!(record["publicationPolicy"].as_str(), Some("https://zjcs.example.cn/open-data"));
        assert_eq!(record["license"].as_str(), Some("https://creativecommons.org/licenses/by/4.0/"));
        assert_eq!(record["records"][0]["ocid"].as_str(), Some(ocid.as_str()));
        let (status, _, releases) = get(&state, &format!("/api/v1/ocds/releases/{code}")).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(releases["uri"].as_str(), Some(format!("https://zjcs.example.cn/api/v1/ocds/releases/{code}").as_str()));
        let list = releases["releases"].as_array().unwrap();
        assert!(!list.is_empty() && list.iter().all(|r| r["ocid"].as_str() == Some(ocid.as_str())));
        assert_eq!(list, record["records"][0]["releases"].as_array().unwrap(), "the record holds the same releases");
        let _ = std::fs::remove_dir_all(dir);
    }

    #[tokio::test]
    async fn ocds_a_months_package_streams_to_its_end_through_compression() {
        let (state, dir) = state("compressed", true).await;
        let month = month_key(month_of(NOW) - 1);
        let (status, _, v) = get(&state, &format!("/api/v1/ocds/months/{month}")).await;
        assert_eq!(status, StatusCode::OK);
        let n = v["releases"].as_array().map(Vec::len).unwrap_or_default();
        assert!(n > 0, "the demo market changed last month");
        // as a browser asks for it (the server compresses every response)
        let app = routes(publisher()).with_state(state.clone()).layer(tower_http::compression::CompressionLayer::new());
        for encoding in ["br", "gzip"] {
            let req = axum::http::Request::get(format!("/api/v1/ocds/months/{month}")).header(header::ACCEPT_ENCODING, encoding).body(Body::empty()).unwrap();
            let res = app.clone().oneshot(req).await.unwrap();
            assert_eq!(res.status(), StatusCode::OK);
            assert_eq!(res.headers().get(header::CONTENT_ENCODING).and_then(|v| v.to_str().ok()), Some(encoding));
            let body = axum::body::to_bytes(res.into_body(), usize::MAX).await.expect("the whole package");
            assert!(!body.is_empty());
        }
        let _ = std::fs::remove_dir_all(dir);
    }

    #[tokio::test]
    async fn ocds_compiled_a_months_processes_one_compiled_release_per_line() {
        let (state, dir) = state("compiled", true).await;
        let latest: i64 = sqlx::query_scalar("SELECT MAX(published_at) FROM procurements WHERE status <> 'draft'").fetch_one(&state.pool).await.unwrap();
        let month = ocds::iso_shanghai(latest)[..7].to_string();
        let (from, to) = ocds::month_range(&month).unwrap();
        let want: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM procurements WHERE published_at >= $1 AND published_at < $2 AND status <> 'draft'")
            .bind(from)
            .bind(to)
            .fetch_one(&state.pool)
            .await
            .unwrap();
        for path in [month.clone(), format!("{month}.jsonl")] {
            let req = axum::http::Request::get(format!("/api/v1/ocds/compiled/{path}")).body(Body::empty()).unwrap();
            let res = routes(publisher()).with_state(state.clone()).oneshot(req).await.unwrap();
            assert_eq!(res.status(), StatusCode::OK, "{path}");
            assert!(res.headers()[header::CONTENT_TYPE].to_str().unwrap().starts_with("application/x-ndjson"));
            let body = axum::body::to_bytes(res.into_body(), usize::MAX).await.unwrap();
            let lines: Vec<serde_json::Value> = String::from_utf8(body.to_vec()).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
            assert!(want > 0 && lines.len() as i64 == want, "{path}: {} lines, {want} processes", lines.len());
            for r in &lines {
                assert_eq!(r["tag"], serde_json::json!(["compiled"]));
                assert!(r["ocid"].as_str().unwrap().starts_with("ocds-zjcs00-ZJ"));
                assert!(r["tender"]["tenderPeriod"]["startDate"].as_str().unwrap().starts_with(&month));
                // bids only once the deadline has passed
                assert_eq!(r.get("bids").is_some(), r["tender"].get("numberOfTenderers").is_some(), "{}", r["ocid"]);
            }
        }
        let req = axum::http::Request::get("/api/v1/ocds/compiled/2026-13").body(Body::empty()).unwrap();
        assert_eq!(routes(publisher()).with_state(state.clone()).oneshot(req).await.unwrap().status(), StatusCode::BAD_REQUEST);
        let _ = std::fs::remove_dir_all(dir);
    }
}
