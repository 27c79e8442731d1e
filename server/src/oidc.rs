//! Unified identity (统一身份认证) settings: an external OpenID Connect provider,
//! off unless `ZJCS_OIDC_ISSUER` is set. Discovery runs at start-up; when the
//! provider cannot be reached the server logs it and keeps serving (password
//! sign-in works; the provider is asked again when someone clicks the button).
use app::api::oidc::{OidcConfig, OidcService};
use std::sync::Arc;

#[derive(clap::Args, Debug)]
pub struct OidcArgs {
    /// OpenID Connect issuer of the unified identity platform (e.g.
    /// `https://ids.sczwfw.gov.cn`); unset: no unified identity sign-in.
    #[arg(long = "oidc-issuer", env = "ZJCS_OIDC_ISSUER", global = true)]
    issuer: Option<String>,
    /// Client id registered at the provider.
    #[arg(long = "oidc-client-id", env = "ZJCS_OIDC_CLIENT_ID", global = true)]
    client_id: Option<String>,
    /// Client secret (omit for a public client; PKCE is always used).
    #[arg(long = "oidc-client-secret", env = "ZJCS_OIDC_CLIENT_SECRET", hide_env_values = true, global = true)]
    client_secret: Option<String>,
    /// This site's callback as registered at the provider, e.g.
    /// `https://zjcs.example.cn/auth/oidc/callback`.
    #[arg(long = "oidc-redirect-url", env = "ZJCS_OIDC_REDIRECT_URL", global = true)]
    redirect_url: Option<String>,
    /// ID token claim holding the unified social credit code.
    #[arg(long = "oidc-credit-code-claim", env = "ZJCS_OIDC_CREDIT_CODE_CLAIM", default_value = OidcConfig::DEFAULT_CREDIT_CODE_CLAIM, global = true)]
    credit_code_claim: String,
    /// ID token claim that is `true` when the provider verified the credit code.
    #[arg(long = "oidc-verified-claim", env = "ZJCS_OIDC_VERIFIED_CLAIM", default_value = OidcConfig::DEFAULT_VERIFIED_CLAIM, global = true)]
    verified_claim: String,
    /// ID token claim holding the organisation's name.
    #[arg(long = "oidc-name-claim", env = "ZJCS_OIDC_NAME_CLAIM", default_value = OidcConfig::DEFAULT_NAME_CLAIM, global = true)]
    name_claim: String,
    /// Scopes to ask for besides `openid` (space- or comma-separated).
    #[arg(long = "oidc-scopes", env = "ZJCS_OIDC_SCOPES", default_value = "profile", global = true)]
    scopes: String,
    /// The provider's name under the button (default: 统一身份认证平台).
    #[arg(long = "oidc-provider-name", env = "ZJCS_OIDC_PROVIDER_NAME", global = true)]
    provider_name: Option<String>,
}

/// The configured provider (`None`: feature off). Bad settings stop the server.
pub fn start(args: &OidcArgs) -> Result<Option<Arc<OidcService>>, String> {
    let Some(issuer) = args.issuer.as_deref().map(str::trim).filter(|s| !s.is_empty()) else {
        return Ok(None);
    };
    let client_id = args.client_id.as_deref().ok_or("ZJCS_OIDC_CLIENT_ID is required with ZJCS_OIDC_ISSUER")?;
    let redirect_url = args.redirect_url.as_deref().ok_or("ZJCS_OIDC_REDIRECT_URL is required with ZJCS_OIDC_ISSUER")?;
    let mut config = OidcConfig::new(issuer, client_id, args.client_secret.as_deref(), redirect_url);
    config.credit_code_claim = args.credit_code_claim.clone();
    config.verified_claim = args.verified_claim.clone();
    config.name_claim = args.name_claim.clone();
    config.scopes = args.scopes.split([' ', ',']).filter(|s| !s.is_empty() && *s != "openid").map(String::from).collect();
    config.provider_name = args.provider_name.clone().filter(|s| !s.trim().is_empty());
    let service = Arc::new(OidcService::new(config).map_err(|e| format!("unified identity: {e}"))?);
    // discover in the background: a slow provider does not hold up start-up
    tokio::spawn({
        let service = service.clone();
        async move {
            match service.discover(false).await {
                Ok(_) => tracing::info!(issuer = service.issuer(), "unified identity sign-in enabled"),
                Err(e) => tracing::warn!(issuer = service.issuer(), error = %e,
                    "unified identity provider unreachable; password sign-in continues, the provider is asked again on use"),
            }
        }
    });
    Ok(Some(service))
}
