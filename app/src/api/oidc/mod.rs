//! Unified identity (统一身份认证): optional sign-in through an external OpenID
//! Connect provider, configured by environment (`ZJCS_OIDC_*`, see the README).
//! An account asserted with a verified unified social credit code needs no
//! manual identity review. The browser flow is two axum routes (`flow`); the
//! page asks `get_oidc_status` whether to offer the button.
use crate::error::AppError;
use crate::model::oidc::OidcStatus;
use leptos::prelude::*;

#[cfg(feature = "ssr")]
mod flow;
#[cfg(feature = "ssr")]
mod provider;
#[cfg(all(test, feature = "ssr"))]
mod tests;

#[cfg(feature = "ssr")]
pub use flow::routes;
#[cfg(feature = "ssr")]
pub use provider::{CreditCodeClaim, Identity, OidcConfig, OidcService};

/// The configured provider, if any: an axum extension on every request (the
/// server adds it), or provided directly in tests.
#[cfg(feature = "ssr")]
#[derive(Clone, Debug, Default)]
pub struct OidcHandle(pub Option<std::sync::Arc<OidcService>>);

#[cfg(feature = "ssr")]
pub(crate) fn service() -> Option<std::sync::Arc<OidcService>> {
    use_context::<OidcHandle>()
        .or_else(|| use_context::<axum::http::request::Parts>().and_then(|p| p.extensions.get::<OidcHandle>().cloned()))
        .and_then(|h| h.0)
}

/// Whether sign-in through the unified identity platform is offered, and its name.
#[server(prefix = "/api", endpoint = "accounts/oidc_status")]
pub async fn get_oidc_status() -> Result<OidcStatus, AppError> {
    super::ctx::authorize("accounts/oidc_status").await?;
    Ok(match service() {
        Some(s) => OidcStatus { enabled: true, provider_name: s.config().provider_name.clone() },
        None => OidcStatus::default(),
    })
}
