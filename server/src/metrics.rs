//! Observability: Prometheus-format metrics at `/metrics`, the readiness check
//! `/readyz` (the database answers) beside the liveness check `/healthz`, and a
//! log line per failed or slow request.
//!
//! Metrics: requests by method, route and status class with a latency histogram
//! per route, requests in flight, the database pool (open, idle, maximum), and
//! queue lengths (statistics changes not yet applied, notification e-mails not
//! yet sent, live-update subscribers). They are for the operator's Prometheus,
//! not the public: served to loopback clients that did not come through a proxy,
//! or to anyone presenting `--metrics-token`.
use app::state::AppState;
use axum::extract::{ConnectInfo, MatchedPath, Request, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Upper bounds of the latency buckets, in seconds.
const BUCKETS: [f64; 12] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0];
/// A request slower than this is logged.
const SLOW: Duration = Duration::from_secs(2);

#[derive(Default)]
struct Series {
    /// counts by (method, status class)
    counts: BTreeMap<(String, &'static str), u64>,
    /// cumulative histogram counts per bucket, then +Inf
    buckets: [u64; BUCKETS.len() + 1],
    sum_seconds: f64,
}

/// The request counters, shared by every request.
#[derive(Default)]
pub struct Metrics {
    by_route: Mutex<BTreeMap<String, Series>>,
    in_flight: AtomicI64,
    token: Option<String>,
}

impl Metrics {
    pub fn new(token: Option<String>) -> Arc<Metrics> {
        Arc::new(Metrics { token: token.filter(|t| !t.is_empty()), ..Default::default() })
    }

    fn observe(&self, method: &str, route: &str, status: StatusCode, elapsed: Duration) {
        let class = match status.as_u16() {
            100..=199 => "1xx",
            200..=299 => "2xx",
            300..=399 => "3xx",
            400..=499 => "4xx",
            _ => "5xx",
        };
        let secs = elapsed.as_secs_f64();
        let mut map = self.by_route.lock().unwrap_or_else(|e| e.into_inner());
        let s = map.entry(route.to_string()).or_default();
        *s.counts.entry((method.to_string(), class)).or_default() += 1;
        let i = BUCKETS.iter().position(|b| secs <= *b).unwrap_or(BUCKETS.len());
        s.buckets[i] += 1;
        s.sum_seconds += secs;
    }

    /// The request metrics in Prometheus' text format.
    fn render_requests(&self, out: &mut String) {
        let map = self.by_route.lock().unwrap_or_else(|e| e.into_inner());
        out.push_str("# HELP zjcs_http_requests_total HTTP requests answered, by method, route and status class.\n");
        out.push_str("# TYPE zjcs_http_requests_total counter\n");
        for (route, s) in map.iter() {
            for ((method, class), n) in &s.counts {
                let _ = writeln!(out, "zjcs_http_requests_total{{method=\"{method}\",route=\"{}\",status=\"{class}\"}} {n}", label(route));
            }
        }
        out.push_str("# HELP zjcs_http_request_duration_seconds Time to answer a request (to the start of the response), by route.\n");
        out.push_str("# TYPE zjcs_http_request_duration_seconds histogram\n");
        for (route, s) in map.iter() {
            let route = label(route);
            let mut cumulative = 0;
            for (i, bound) in BUCKETS.iter().enumerate() {
                cumulative += s.buckets[i];
                let _ = writeln!(out, "zjcs_http_request_duration_seconds_bucket{{route=\"{route}\",le=\"{bound}\"}} {cumulative}");
            }
            cumulative += s.buckets[BUCKETS.len()];
            let _ = writeln!(out, "zjcs_http_request_duration_seconds_bucket{{route=\"{route}\",le=\"+Inf\"}} {cumulative}");
            let _ = writeln!(out, "zjcs_http_request_duration_seconds_sum{{route=\"{route}\"}} {}", s.sum_seconds);
            let _ = writeln!(out, "zjcs_http_request_duration_seconds_count{{route=\"{route}\"}} {cumulative}");
        }
        out.push_str("# HELP zjcs_http_requests_in_flight Requests being answered now.\n# TYPE zjcs_http_requests_in_flight gauge\n");
        let _ = writeln!(out, "zjcs_http_requests_in_flight {}", self.in_flight.load(Ordering::Relaxed));
    }

    /// Whether this request may read the metrics.
    fn allowed(&self, peer: Option<SocketAddr>, headers: &HeaderMap) -> bool {
        if let Some(token) = &self.token {
            let given = headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()).and_then(|v| v.strip_prefix("Bearer "));
            return given.is_some_and(|g| constant_time_eq(g.as_bytes(), token.as_bytes()));
        }
        let proxied = headers.contains_key("x-forwarded-for") || headers.contains_key(header::FORWARDED) || headers.contains_key("x-real-ip");
        peer.is_some_and(|p| p.ip().is_loopback()) && !proxied
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// A label value with Prometheus' escapes.
fn label(v: &str) -> String {
    v.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n")
}

/// Counts and times every request under its route pattern (`/announcements/{code}`,
/// not the path: bounded label values); unmatched paths — static files, 404s —
/// count under `other`.
pub async fn track(State(metrics): State<Arc<Metrics>>, req: Request, next: Next) -> Response {
    let method = req.method().as_str().to_string();
    let route = req.extensions().get::<MatchedPath>().map(|p| p.as_str().to_string());
    let path = req.uri().path().to_string();
    let route = route.unwrap_or_else(|| if path.starts_with("/pkg/") || path.starts_with("/vendor/") { "static".into() } else { "other".into() });
    metrics.in_flight.fetch_add(1, Ordering::Relaxed);
    let started = Instant::now();
    let res = next.run(req).await;
    let elapsed = started.elapsed();
    metrics.in_flight.fetch_sub(1, Ordering::Relaxed);
    metrics.observe(&method, &route, res.status(), elapsed);
    let ms = elapsed.as_secs_f64() * 1000.0;
    if res.status().is_server_error() {
        tracing::warn!(target: "zjcs::access", %method, %path, status = res.status().as_u16(), ms, "request failed");
    } else if elapsed > SLOW {
        tracing::info!(target: "zjcs::access", %method, %path, status = res.status().as_u16(), ms, "slow request");
    } else {
        tracing::debug!(target: "zjcs::access", %method, %path, status = res.status().as_u16(), ms, "request");
    }
    res
}

/// `/metrics`, `/readyz`.
pub fn routes(metrics: Arc<Metrics>) -> Router<AppState> {
    Router::new()
        .route(
            "/metrics",
            get(move |State(state): State<AppState>, ConnectInfo(peer): ConnectInfo<SocketAddr>, headers: HeaderMap| {
                let metrics = metrics.clone();
                async move { render(&state, &metrics, Some(peer), &headers).await }
            }),
        )
        .route("/readyz", get(ready))
}

async fn render(state: &AppState, metrics: &Metrics, peer: Option<SocketAddr>, headers: &HeaderMap) -> Response {
    if !metrics.allowed(peer, headers) {
        return (StatusCode::FORBIDDEN, "forbidden").into_response();
    }
    let mut out = String::with_capacity(16 * 1024);
    metrics.render_requests(&mut out);
    let pool = &state.pool;
    let open = pool.size();
    let idle = pool.num_idle() as u32;
    let max = pool.options().get_max_connections();
    out.push_str("# HELP zjcs_db_pool_connections Database connections of this instance by state.\n# TYPE zjcs_db_pool_connections gauge\n");
    let _ = writeln!(out, "zjcs_db_pool_connections{{state=\"open\"}} {open}");
    let _ = writeln!(out, "zjcs_db_pool_connections{{state=\"idle\"}} {idle}");
    let _ = writeln!(out, "zjcs_db_pool_connections{{state=\"in_use\"}} {}", open.saturating_sub(idle));
    let _ = writeln!(out, "zjcs_db_pool_connections{{state=\"max\"}} {max}");
    out.push_str("# HELP zjcs_queue_length Work waiting in a queue (-1: the database did not answer).\n# TYPE zjcs_queue_length gauge\n");
    for (queue, sql) in [
        ("statistics_changes", "SELECT COUNT(*) FROM stats_dirty"),
        ("notification_emails", "SELECT COUNT(*) FROM email_outbox WHERE sent_at IS NULL"),
    ] {
        let n = tokio::time::timeout(Duration::from_secs(2), sqlx::query_scalar::<_, i64>(sql).fetch_one(pool))
            .await
            .ok()
            .and_then(Result::ok)
            .unwrap_or(-1);
        let _ = writeln!(out, "zjcs_queue_length{{queue=\"{queue}\"}} {n}");
    }
    let _ = writeln!(out, "zjcs_queue_length{{queue=\"live_subscribers\"}} {}", state.live.subscribers());
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")], out).into_response()
}

/// Ready when the database answers within two seconds (a load balancer's check;
/// `/healthz` only says the process is up).
async fn ready(State(state): State<AppState>) -> Response {
    let ping = tokio::time::timeout(Duration::from_secs(2), sqlx::query_scalar::<_, i32>("SELECT 1").fetch_one(&state.pool)).await;
    match ping {
        Ok(Ok(_)) => (StatusCode::OK, "ready").into_response(),
        _ => (
            StatusCode::SERVICE_UNAVAILABLE,
            [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
            "数据库暂时不可用",
        )
            .into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_and_histogram_are_in_prometheus_text_format() {
        let m = Metrics::new(None);
        m.observe("GET", "/announcements", StatusCode::OK, Duration::from_millis(3));
        m.observe("GET", "/announcements", StatusCode::OK, Duration::from_millis(40));
        m.observe("GET", "/announcements", StatusCode::NOT_FOUND, Duration::from_secs(60));
        let mut out = String::new();
        m.render_requests(&mut out);
        assert!(out.contains("zjcs_http_requests_total{method=\"GET\",route=\"/announcements\",status=\"2xx\"} 2\n"), "{out}");
        assert!(out.contains("zjcs_http_requests_total{method=\"GET\",route=\"/announcements\",status=\"4xx\"} 1\n"), "{out}");
        // cumulative buckets: 1 within 5 ms, 2 within 50 ms, 3 only at +Inf
        assert!(out.contains("_bucket{route=\"/announcements\",le=\"0.005\"} 1\n"), "{out}");
        assert!(out.contains("_bucket{route=\"/announcements\",le=\"0.05\"} 2\n"), "{out}");
        assert!(out.contains("_bucket{route=\"/announcements\",le=\"30\"} 2\n"), "{out}");
        assert!(out.contains("_bucket{route=\"/announcements\",le=\"+Inf\"} 3\n"), "{out}");
        assert!(out.contains("zjcs_http_request_duration_seconds_count{route=\"/announcements\"} 3\n"), "{out}");
    }

    #[test]
    fn only_local_unproxied_clients_or_the_token_holder_may_read() {
        let local: SocketAddr = "127.0.0.1:5000".parse().unwrap();
        let remote: SocketAddr = "10.1.2.3:5000".parse().unwrap();
        let open = Metrics::new(None);
        let mut proxied = HeaderMap::new();
        proxied.insert("x-forwarded-for", "203.0.113.9".parse().unwrap());
        assert!(open.allowed(Some(local), &HeaderMap::new()));
        assert!(!open.allowed(Some(remote), &HeaderMap::new()));
        assert!(!open.allowed(Some(local), &proxied), "through the reverse proxy");
        let guarded = Metrics::new(Some("s3cret".into()));
        let mut bearer = HeaderMap::new();
        bearer.insert(header::AUTHORIZATION, "Bearer s3cret".parse().unwrap());
        assert!(guarded.allowed(Some(remote), &bearer));
        bearer.insert(header::AUTHORIZATION, "Bearer wrong".parse().unwrap());
        assert!(!guarded.allowed(Some(local), &bearer));
        assert!(!guarded.allowed(Some(local), &HeaderMap::new()), "a token, once set, is always required");
    }

    #[test]
    fn label_values_are_escaped() {
        assert_eq!(label("a\"b\\c\n"), "a\\\"b\\\\c\\n");
    }
}
