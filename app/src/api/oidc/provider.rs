//! The external OpenID Connect provider (the provincial identity platform):
//! configuration, discovery (cached), the authorization URL with PKCE, state and
//! nonce, and the code exchange with ID token verification — all through the
//! `openidconnect` crate. What the verified claims mean is decided here too.
use crate::model::oidc::OidcFailure;
use openidconnect::core::{
    CoreAuthDisplay, CoreAuthPrompt, CoreClientAuthMethod, CoreErrorResponseType, CoreGenderClaim, CoreJsonWebKey,
    CoreJweContentEncryptionAlgorithm, CoreJwsSigningAlgorithm, CoreProviderMetadata, CoreResponseType,
    CoreRevocableToken, CoreRevocationErrorResponse, CoreTokenIntrospectionResponse, CoreTokenType,
};
use openidconnect::{
    reqwest, AdditionalClaims, AuthType, AuthenticationFlow, AuthorizationCode, Client, ClaimsVerificationError, ClientId,
    ClientSecret, CsrfToken, EmptyExtraTokenFields, EndpointMaybeSet, EndpointNotSet, EndpointSet, IdTokenFields, IssuerUrl,
    Nonce, PkceCodeChallenge, PkceCodeVerifier, RedirectUrl, Scope, StandardErrorResponse, StandardTokenResponse,
    TokenResponse,
};
use serde::{Deserialize, Serialize};
use std::time::{Duration, Instant};

/// How long discovered metadata (endpoints and signing keys) is reused.
const METADATA_TTL: Duration = Duration::from_secs(3600);

/// Provider settings (`ZJCS_OIDC_*`). Without an issuer the feature is off.
#[derive(Clone, Debug)]
pub struct OidcConfig {
    pub issuer: String,
    pub client_id: String,
    pub client_secret: Option<String>,
    /// This site's callback, e.g. `https://zjcs.example.cn/auth/oidc/callback`.
    pub redirect_url: String,
    /// Claim holding the unified social credit code (default `credit_code`).
    pub credit_code_claim: String,
    /// Claim saying the provider verified that code (default `credit_code_verified`).
    pub verified_claim: String,
    /// Claim holding the organisation's name (default `org_name`).
    pub name_claim: String,
    /// Scopes asked for besides `openid`.
    pub scopes: Vec<String>,
    /// Shown under the button, e.g. 四川省统一身份认证平台.
    pub provider_name: Option<String>,
}

impl OidcConfig {
    pub const DEFAULT_CREDIT_CODE_CLAIM: &'static str = "credit_code";
    pub const DEFAULT_VERIFIED_CLAIM: &'static str = "credit_code_verified";
    pub const DEFAULT_NAME_CLAIM: &'static str = "org_name";

    /// A configuration with the default claim names.
    pub fn new(issuer: &str, client_id: &str, client_secret: Option<&str>, redirect_url: &str) -> Self {
        OidcConfig {
            issuer: issuer.trim().to_string(),
            client_id: client_id.trim().to_string(),
            client_secret: client_secret.map(str::to_string).filter(|s| !s.is_empty()),
            redirect_url: redirect_url.trim().to_string(),
            credit_code_claim: Self::DEFAULT_CREDIT_CODE_CLAIM.into(),
            verified_claim: Self::DEFAULT_VERIFIED_CLAIM.into(),
            name_claim: Self::DEFAULT_NAME_CLAIM.into(),
            scopes: vec!["profile".into()],
            provider_name: None,
        }
    }
}

/// Every claim of the ID token beyond the standard ones (names are configurable).
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct ExtraClaims {
    #[serde(flatten)]
    pub claims: serde_json::Map<String, serde_json::Value>,
}
impl AdditionalClaims for ExtraClaims {}

type IdFields = IdTokenFields<ExtraClaims, EmptyExtraTokenFields, CoreGenderClaim, CoreJweContentEncryptionAlgorithm, CoreJwsSigningAlgorithm>;
type OidcClient = Client<
    ExtraClaims,
    CoreAuthDisplay,
    CoreGenderClaim,
    CoreJweContentEncryptionAlgorithm,
    CoreJsonWebKey,
    CoreAuthPrompt,
    StandardErrorResponse<CoreErrorResponseType>,
    StandardTokenResponse<IdFields, CoreTokenType>,
    CoreTokenIntrospectionResponse,
    CoreRevocableToken,
    CoreRevocationErrorResponse,
    EndpointSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointMaybeSet,
    EndpointMaybeSet,
>;

/// The secrets of one sign-in attempt, kept in the browser's session until the callback.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pending {
    pub state: String,
    pub nonce: String,
    pub pkce_verifier: String,
}

/// Who the provider says signed in (after the ID token was verified).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Identity {
    pub subject: String,
    pub credit_code: CreditCodeClaim,
    pub organisation: Option<String>,
}

/// What the assertion says about the organisation's credit code.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CreditCodeClaim {
    /// Present, valid and verified by the provider (normalised).
    Verified(String),
    /// Present and verified, but not a valid unified social credit code.
    Invalid,
    /// Missing, or not verified.
    Unverified,
}

impl Identity {
    /// Reads the configured claims. The verified flag counts only when it is
    /// `true` (or the strings "true" / "1", as some platforms send).
    pub fn from_claims(subject: &str, claims: &serde_json::Map<String, serde_json::Value>, config: &OidcConfig) -> Identity {
        use serde_json::Value;
        let text = |name: &str| match claims.get(name) {
            Some(Value::String(s)) if !s.trim().is_empty() => Some(s.trim().to_string()),
            _ => None,
        };
        let verified = match claims.get(&config.verified_claim) {
            Some(Value::Bool(b)) => *b,
            Some(Value::String(s)) => matches!(s.trim(), "true" | "1"),
            Some(Value::Number(n)) => n.as_i64() == Some(1),
            _ => false,
        };
        let credit_code = match (text(&config.credit_code_claim), verified) {
            (Some(code), true) => match crate::domain::credit_code::validate(&code) {
                Ok(code) => CreditCodeClaim::Verified(code),
                Err(_) => CreditCodeClaim::Invalid,
            },
            _ => CreditCodeClaim::Unverified,
        };
        Identity { subject: subject.to_string(), credit_code, organisation: text(&config.name_claim) }
    }
}

/// The provider as this server uses it: configuration, an HTTP client that never
/// follows redirects (no SSRF through the provider), and cached metadata.
pub struct OidcService {
    config: OidcConfig,
    issuer: IssuerUrl,
    redirect: RedirectUrl,
    http: reqwest::Client,
    metadata: tokio::sync::Mutex<Option<(CoreProviderMetadata, Instant)>>,
}

impl std::fmt::Debug for OidcService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "OidcService({})", self.config.issuer)
    }
}

impl OidcService {
    /// Checks the URLs; contacts nobody yet.
    pub fn new(config: OidcConfig) -> Result<OidcService, String> {
        if config.client_id.is_empty() {
            return Err("ZJCS_OIDC_CLIENT_ID is required with ZJCS_OIDC_ISSUER".into());
        }
        let issuer = IssuerUrl::new(config.issuer.clone()).map_err(|e| format!("bad issuer URL {}: {e}", config.issuer))?;
        let redirect = RedirectUrl::new(config.redirect_url.clone()).map_err(|e| format!("bad redirect URL {:?}: {e}", config.redirect_url))?;
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(Duration::from_secs(5))
            .timeout(Duration::from_secs(15))
            .build()
            .map_err(|e| format!("HTTP client: {e}"))?;
        Ok(OidcService { config, issuer, redirect, http, metadata: tokio::sync::Mutex::new(None) })
    }

    pub fn config(&self) -> &OidcConfig {
        &self.config
    }

    /// The issuer as configured (stored with linked accounts).
    pub fn issuer(&self) -> &str {
        self.issuer.as_str()
    }

    /// The provider's metadata and keys, fetched at most once per hour (or now, when `refresh`).
    pub async fn discover(&self, refresh: bool) -> Result<CoreProviderMetadata, String> {
        let mut cached = self.metadata.lock().await;
        if let Some((meta, at)) = cached.as_ref() {
            if !refresh && at.elapsed() < METADATA_TTL {
                return Ok(meta.clone());
            }
        }
        let meta = CoreProviderMetadata::discover_async(self.issuer.clone(), &self.http).await.map_err(|e| error_chain(&e))?;
        *cached = Some((meta.clone(), Instant::now()));
        Ok(meta)
    }

    async fn client(&self, refresh: bool) -> Result<OidcClient, OidcFailure> {
        let meta = self.discover(refresh).await.map_err(|e| {
            tracing::warn!(issuer = %self.config.issuer, error = %e, "OIDC discovery failed");
            OidcFailure::Unavailable
        })?;
        // Prefer HTTP Basic (the default); use the request body when that is all the provider takes.
        let post_only = meta.token_endpoint_auth_methods_supported().is_some_and(|m| {
            m.contains(&CoreClientAuthMethod::ClientSecretPost) && !m.contains(&CoreClientAuthMethod::ClientSecretBasic)
        });
        let client = OidcClient::from_provider_metadata(
            meta,
            ClientId::new(self.config.client_id.clone()),
            self.config.client_secret.clone().map(ClientSecret::new),
        )
        .set_redirect_uri(self.redirect.clone());
        Ok(if post_only { client.set_auth_type(AuthType::RequestBody) } else { client })
    }

    /// Where to send the browser, and what to remember until it comes back.
    pub async fn begin(&self) -> Result<(String, Pending), OidcFailure> {
        let client = self.client(false).await?;
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let (url, state, nonce) = client
            .authorize_url(AuthenticationFlow::<CoreResponseType>::AuthorizationCode, CsrfToken::new_random, Nonce::new_random)
            .add_scopes(self.config.scopes.iter().cloned().map(Scope::new))
            .set_pkce_challenge(challenge)
            .url();
        let pending =
            Pending { state: state.secret().clone(), nonce: nonce.secret().clone(), pkce_verifier: verifier.secret().clone() };
        Ok((url.to_string(), pending))
    }

    /// Exchanges the code (with the PKCE verifier) and verifies the ID token:
    /// signature, issuer, audience, expiry and nonce.
    pub async fn finish(&self, code: &str, pending: &Pending) -> Result<Identity, OidcFailure> {
        let client = self.client(false).await?;
        let response = client
            .exchange_code(AuthorizationCode::new(code.to_string()))
            .map_err(|e| {
                tracing::warn!(error = %e, "OIDC provider has no token endpoint");
                OidcFailure::Provider
            })?
            .set_pkce_verifier(PkceCodeVerifier::new(pending.pkce_verifier.clone()))
            .request_async(&self.http)
            .await
            .map_err(|e| {
                tracing::warn!(error = %error_chain(&e), "OIDC code exchange failed");
                OidcFailure::Provider
            })?;
        let Some(id_token) = response.id_token() else {
            tracing::warn!("OIDC token response without an ID token");
            return Err(OidcFailure::Token);
        };
        let nonce = Nonce::new(pending.nonce.clone());
        let claims = match id_token.claims(&client.id_token_verifier(), &nonce) {
            Ok(claims) => claims.clone(),
            // the provider may have rotated its keys since discovery: fetch them again, once
            Err(ClaimsVerificationError::SignatureVerification(_)) => {
                let fresh = self.client(true).await?;
                let verifier = fresh.id_token_verifier();
                let claims = id_token.claims(&verifier, &nonce).map_err(rejected_token)?.clone();
                claims
            }
            Err(e) => return Err(rejected_token(e)),
        };
        Ok(Identity::from_claims(claims.subject().as_str(), &claims.additional_claims().claims, &self.config))
    }
}

fn rejected_token(e: ClaimsVerificationError) -> OidcFailure {
    tracing::warn!(error = %e, "OIDC ID token rejected");
    OidcFailure::Token
}

/// An error with its causes, for the log.
fn error_chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut cause = e.source();
    while let Some(c) = cause {
        s.push_str(": ");
        s.push_str(&c.to_string());
        cause = c.source();
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn claims(v: serde_json::Value) -> serde_json::Map<String, serde_json::Value> {
        v.as_object().unwrap().clone()
    }

    #[test]
    fn only_a_verified_valid_credit_code_counts() {
        let config = OidcConfig::new("http://127.0.0.1:1", "zjcs", None, "http://127.0.0.1:2/auth/oidc/callback");
        let id = |v| Identity::from_claims("s1", &claims(v), &config);
        let good = id(json!({"credit_code": "91510100ma61r6xk1h", "credit_code_verified": true, "org_name": " 成都测试咨询有限公司 "}));
        assert_eq!(good.credit_code, CreditCodeClaim::Verified("91510100MA61R6XK1H".into()));
        assert_eq!(good.organisation.as_deref(), Some("成都测试咨询有限公司"));
        assert_eq!(id(json!({"credit_code": "91510100MA61R6XK1H", "credit_code_verified": "true"})).credit_code,
            CreditCodeClaim::Verified("91510100MA61R6XK1H".into()));
        assert_eq!(id(json!({"credit_code": "91510100MA61R6XK1H", "credit_code_verified": false})).credit_code, CreditCodeClaim::Unverified);
        assert_eq!(id(json!({"credit_code": "91510100MA61R6XK1H"})).credit_code, CreditCodeClaim::Unverified);
        assert_eq!(id(json!({"credit_code_verified": true})).credit_code, CreditCodeClaim::Unverified);
        assert_eq!(id(json!({"credit_code": "91510100MA61R6XK1X", "credit_code_verified": 1})).credit_code, CreditCodeClaim::Invalid);
        assert_eq!(id(json!({"org_name": ""})).organisation, None);
    }

    #[test]
    fn claim_names_are_configurable() {
        let mut config = OidcConfig::new("http://127.0.0.1:1", "zjcs", None, "http://127.0.0.1:2/cb");
        config.credit_code_claim = "uscc".into();
        config.verified_claim = "uscc_checked".into();
        config.name_claim = "corp".into();
        let id = Identity::from_claims("s", &claims(json!({"uscc": "91510100MA61R6XK1H", "uscc_checked": "1", "corp": "某公司"})), &config);
        assert_eq!(id.credit_code, CreditCodeClaim::Verified("91510100MA61R6XK1H".into()));
        assert_eq!(id.organisation.as_deref(), Some("某公司"));
    }

    #[test]
    fn bad_configuration_is_refused() {
        assert!(OidcService::new(OidcConfig::new("not a url", "zjcs", None, "http://127.0.0.1/cb")).is_err());
        assert!(OidcService::new(OidcConfig::new("http://127.0.0.1:1", "", None, "http://127.0.0.1/cb")).is_err());
        assert!(OidcService::new(OidcConfig::new("http://127.0.0.1:1", "zjcs", None, "/relative")).is_err());
        assert!(OidcService::new(OidcConfig::new("http://127.0.0.1:1", "zjcs", Some(""), "http://127.0.0.1/cb")).is_ok());
    }
}
