//! Hardening layers: security headers on every response, a request body limit,
//! and a time limit for producing a response.
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, HeaderName, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::sync::Arc;
use std::time::Duration;

/// What the layers enforce (from the command line).
#[derive(Clone, Debug)]
pub struct Hardening {
    /// Send `Strict-Transport-Security` (the site is served over TLS).
    pub hsts: bool,
    /// The largest request body accepted, in bytes.
    pub max_body_bytes: usize,
    /// How long a handler may take to start its response.
    pub request_timeout: Duration,
}

/// Security headers on every response. A server-rendered page already carries
/// its Content-Security-Policy with the response's script nonce (`ui::shell`), a
/// file download its own sandboxing one; everything else gets the policy without
/// a nonce (no inline script at all).
pub async fn headers(State(cfg): State<Arc<Hardening>>, req: Request, next: Next) -> Response {
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    if !h.contains_key(header::CONTENT_SECURITY_POLICY) {
        if let Ok(v) = HeaderValue::from_str(&app::security_headers::content_security_policy(None)) {
            h.insert(header::CONTENT_SECURITY_POLICY, v);
        }
    }
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("strict-origin-when-cross-origin"));
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(HeaderName::from_static("cross-origin-opener-policy"), HeaderValue::from_static("same-origin"));
    h.insert(
        HeaderName::from_static("permissions-policy"),
        HeaderValue::from_static("camera=(), microphone=(), geolocation=(), payment=()"),
    );
    if cfg.hsts {
        h.insert(header::STRICT_TRANSPORT_SECURITY, HeaderValue::from_static("max-age=31536000; includeSubDomains"));
    }
    res
}

/// Refuses a body announced larger than the limit at once, and cuts one that
/// grows past it while streaming (server functions read whole bodies; uploads
/// have their own, smaller limit inside).
pub async fn body_limit(State(cfg): State<Arc<Hardening>>, req: Request, next: Next) -> Response {
    let max = cfg.max_body_bytes;
    let announced = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if announced.is_some_and(|n| n > max as u64) {
        return too_large(max);
    }
    let (parts, body) = req.into_parts();
    let limited = Body::new(http_body_util::Limited::new(body, max));
    next.run(Request::from_parts(parts, limited)).await
}

fn too_large(max: usize) -> Response {
    let msg = format!("请求内容过大（上限 {} MB）。", max / (1024 * 1024));
    (StatusCode::PAYLOAD_TOO_LARGE, [(header::CONTENT_TYPE, "text/plain; charset=utf-8")], msg).into_response()
}

/// A handler that has not started its response in time answers 503 instead of
/// holding the connection (streamed responses — exports, live updates — start at
/// once and are not cut).
pub async fn timeout(State(cfg): State<Arc<Hardening>>, req: Request, next: Next) -> Response {
    match tokio::time::timeout(cfg.request_timeout, next.run(req)).await {
        Ok(res) => res,
        Err(_) => {
            tracing::warn!(limit_s = cfg.request_timeout.as_secs_f64(), "request timed out");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                [(header::CONTENT_TYPE, "text/plain; charset=utf-8"), (header::RETRY_AFTER, "5")],
                "服务器繁忙，请求超时，请稍后再试。",
            )
                .into_response()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::routing::{get, post};
    use axum::Router;
    use tower::ServiceExt;

    fn router(cfg: Hardening) -> Router {
        let cfg = Arc::new(cfg);
        Router::new()
            .route("/", get(|| async { "ok" }))
            .route("/hangs", get(|| std::future::pending::<&'static str>()))
            .route("/echo", post(|body: axum::body::Bytes| async move { body.len().to_string() }))
            .route(
                "/sandboxed",
                get(|| async { ([(header::CONTENT_SECURITY_POLICY, "sandbox")], "file") }),
            )
            .layer(axum::middleware::from_fn_with_state(cfg.clone(), body_limit))
            .layer(axum::middleware::from_fn_with_state(cfg.clone(), timeout))
            .layer(axum::middleware::from_fn_with_state(cfg, headers))
    }

    fn cfg() -> Hardening {
        Hardening { hsts: false, max_body_bytes: 1024, request_timeout: Duration::from_secs(30) }
    }

    async fn text(res: Response) -> String {
        String::from_utf8(axum::body::to_bytes(res.into_body(), usize::MAX).await.unwrap().to_vec()).unwrap()
    }

    #[tokio::test]
    async fn every_response_carries_the_security_headers() {
        let res = router(cfg()).oneshot(Request::get("/").body(Body::empty()).unwrap()).await.unwrap();
        let h = res.headers();
        assert_eq!(h["x-content-type-options"], "nosniff");
        assert_eq!(h["x-frame-options"], "DENY");
        assert_eq!(h["referrer-policy"], "strict-origin-when-cross-origin");
        let csp = h["content-security-policy"].to_str().unwrap();
        assert!(csp.contains("script-src 'self' 'wasm-unsafe-eval'") && csp.contains("frame-ancestors 'none'"), "{csp}");
        assert!(!h.contains_key("strict-transport-security"), "no HSTS without TLS");
        let res = router(Hardening { hsts: true, ..cfg() }).oneshot(Request::get("/").body(Body::empty()).unwrap()).await.unwrap();
        assert_eq!(res.headers()["strict-transport-security"], "max-age=31536000; includeSubDomains");
    }

    #[tokio::test]
    async fn a_response_with_its_own_policy_keeps_it() {
        let res = router(cfg()).oneshot(Request::get("/sandboxed").body(Body::empty()).unwrap()).await.unwrap();
        assert_eq!(res.headers()["content-security-policy"], "sandbox");
        assert_eq!(res.headers()["x-content-type-options"], "nosniff");
    }

    #[tokio::test]
    async fn bodies_over_the_limit_are_refused_in_chinese() {
        let app = router(cfg());
        let ok = app.clone().oneshot(Request::post("/echo").body(Body::from(vec![b'a'; 1024])).unwrap()).await.unwrap();
        assert_eq!(ok.status(), StatusCode::OK);
        assert_eq!(text(ok).await, "1024");
        // announced too large: refused before the handler reads anything
        let big = Request::post("/echo").header(header::CONTENT_LENGTH, "1025").body(Body::from(vec![b'a'; 1025])).unwrap();
        let big = app.clone().oneshot(big).await.unwrap();
        assert_eq!(big.status(), StatusCode::PAYLOAD_TOO_LARGE);
        assert!(text(big).await.contains("请求内容过大"));
        // not announced (streamed): cut when it passes the limit
        let chunks = futures_util::stream::iter(vec![Ok::<_, std::io::Error>(vec![b'a'; 1000]), Ok(vec![b'a'; 1000])]);
        let streamed = app.oneshot(Request::post("/echo").body(Body::from_stream(chunks)).unwrap()).await.unwrap();
        assert_eq!(streamed.status(), StatusCode::PAYLOAD_TOO_LARGE);
    }

    #[tokio::test]
    async fn a_handler_that_hangs_answers_503_after_the_time_limit() {
        let cfg = Hardening { request_timeout: Duration::from_millis(20), ..cfg() };
        let res = router(cfg).oneshot(Request::get("/hangs").body(Body::empty()).unwrap()).await.unwrap();
        assert_eq!(res.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(res.headers()["retry-after"], "5");
        assert!(text(res).await.contains("请求超时"));
    }
}
