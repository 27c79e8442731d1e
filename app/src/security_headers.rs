//! The Content-Security-Policy of the site: what a page may load and run.
//!
//! Scripts come only from the site itself (the WASM bundle's JS, its snippets and
//! the self-hosted ECharts) or carry the response's nonce (Leptos's hydration and
//! resource scripts, added by the server render). No inline script without the
//! nonce runs, no `eval`; the WASM module itself needs `'wasm-unsafe-eval'`.
//! Inline styles stay allowed: server-rendered `style=` attributes (bars, charts'
//! containers) and ECharts set them. The site is never framed.

/// The policy for a response. `nonce` is the response's script nonce (server-rendered
/// pages); responses without one (files, JSON, Swagger UI) allow no inline script.
pub fn content_security_policy(nonce: Option<&str>) -> String {
    let scripts = match nonce {
        Some(n) => format!("script-src 'self' 'nonce-{n}' 'wasm-unsafe-eval'"),
        None => "script-src 'self' 'wasm-unsafe-eval'".to_string(),
    };
    [
        "default-src 'self'",
        &scripts,
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data: blob:",
        "font-src 'self' data:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "frame-ancestors 'none'",
    ]
    .join("; ")
}

/// A nonce as Leptos makes it: URL-safe base64 without padding. Anything else is
/// not put into the policy (it could end the directive early).
pub fn valid_nonce(nonce: &str) -> bool {
    !nonce.is_empty() && nonce.len() <= 64 && nonce.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn directive<'a>(policy: &'a str, name: &str) -> &'a str {
        policy.split("; ").find(|d| d.starts_with(name)).unwrap_or_else(|| panic!("{name} missing in {policy}"))
    }

    #[test]
    fn a_page_runs_only_its_own_and_nonced_scripts() {
        let p = content_security_policy(Some("abc_-9"));
        let scripts = directive(&p, "script-src");
        assert_eq!(scripts, "script-src 'self' 'nonce-abc_-9' 'wasm-unsafe-eval'");
        assert!(!scripts.contains("unsafe-inline"), "{p}");
        assert!(!p.contains("'unsafe-eval'"), "{p}");
        assert_eq!(directive(&p, "frame-ancestors"), "frame-ancestors 'none'");
        assert_eq!(directive(&p, "object-src"), "object-src 'none'");
    }

    #[test]
    fn responses_without_a_nonce_allow_no_inline_script() {
        let p = content_security_policy(None);
        assert_eq!(directive(&p, "script-src"), "script-src 'self' 'wasm-unsafe-eval'");
        assert!(!p.contains("nonce-"));
    }

    #[test]
    fn only_base64url_nonces_are_accepted() {
        assert!(valid_nonce("Zm9vYmFyLWJheg_1"));
        for bad in ["", "a b", "x'; script-src *", "a;b", "é", &"a".repeat(65)] {
            assert!(!valid_nonce(bad), "{bad}");
        }
    }
}
