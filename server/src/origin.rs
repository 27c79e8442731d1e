//! CSRF defence: a state-changing request (anything but GET, HEAD, OPTIONS) from a
//! browser must come from this site. Browsers send `Origin` on every such request
//! (form posts included) and `Sec-Fetch-Site` where supported; session cookies are
//! also `SameSite=Lax`. Clients that send neither (curl, scripts) are not browsers
//! and carry no ambient cookies to abuse.
use axum::extract::Request;
use axum::http::{header, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// Whether a request with these headers may change state.
pub fn same_site(method: &Method, origin: Option<&str>, host: Option<&str>, fetch_site: Option<&str>, extra: &[String]) -> bool {
    if matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS) {
        return true;
    }
    if let Some(origin) = origin {
        if extra.iter().any(|o| o == origin) {
            return true;
        }
        // "null" (sandboxed or privacy-stripped) is never ours
        let authority = origin.strip_prefix("http://").or_else(|| origin.strip_prefix("https://"));
        return matches!((authority, host), (Some(a), Some(h)) if a.eq_ignore_ascii_case(h));
    }
    !matches!(fetch_site, Some("cross-site" | "same-site"))
}

/// Middleware: refuses cross-site state-changing requests with 403.
pub async fn check(allowed: std::sync::Arc<Vec<String>>, req: Request, next: Next) -> Response {
    let h = req.headers();
    let get = |name: header::HeaderName| h.get(name).and_then(|v| v.to_str().ok());
    if same_site(req.method(), get(header::ORIGIN), get(header::HOST), get(header::HeaderName::from_static("sec-fetch-site")), &allowed) {
        next.run(req).await
    } else {
        tracing::warn!(method = %req.method(), uri = %req.uri(), origin = ?get(header::ORIGIN), "cross-site request refused");
        (StatusCode::FORBIDDEN, "跨站请求已被拒绝 (cross-site request refused)").into_response()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cross_site_writes_are_refused() {
        let post = Method::POST;
        let host = Some("zjcs.example:3000");
        assert!(same_site(&Method::GET, Some("https://evil.example"), host, Some("cross-site"), &[]), "reads pass");
        assert!(same_site(&post, Some("http://zjcs.example:3000"), host, Some("same-origin"), &[]));
        assert!(same_site(&post, Some("https://ZJCS.example:3000"), host, None, &[]));
        assert!(!same_site(&post, Some("https://evil.example"), host, None, &[]));
        assert!(!same_site(&post, Some("http://zjcs.example:3001"), host, None, &[]), "another port is another origin");
        assert!(!same_site(&post, Some("null"), host, None, &[]));
        assert!(!same_site(&post, None, host, Some("cross-site"), &[]));
        assert!(!same_site(&post, None, host, Some("same-site"), &[]), "a sibling subdomain is not us");
        assert!(same_site(&post, None, host, None, &[]), "non-browser clients have no ambient cookies");
        // behind a proxy that rewrites Host, the public origin is configured
        let public = vec!["https://zjcs.sc.gov.cn".to_string()];
        assert!(same_site(&post, Some("https://zjcs.sc.gov.cn"), Some("127.0.0.1:3000"), None, &public));
    }
}
