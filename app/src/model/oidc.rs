//! Unified identity (统一身份认证) as pages see it: whether sign-in through the
//! external OpenID Connect provider is offered, and why an attempt failed.
use serde::{Deserialize, Serialize};

/// Whether the sign-in page offers "使用统一身份认证登录".
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OidcStatus {
    pub enabled: bool,
    /// The provider's name as configured (e.g. 四川省统一身份认证平台), if any.
    pub provider_name: Option<String>,
}

/// Why a sign-in through the provider did not succeed: the `oidc_error` value
/// of `/sign-in?oidc_error=…`, each with its own message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OidcFailure {
    /// The person cancelled or refused at the provider (`error=access_denied`).
    Denied,
    /// The provider answered with another error, or the code exchange failed.
    Provider,
    /// No sign-in was started from this browser, it took too long, or `state` differs.
    State,
    /// The ID token failed verification (signature, issuer, audience, nonce, expiry).
    Token,
    /// No verified unified social credit code in the assertion: sign up normally.
    Unverified,
    /// The asserted credit code is not a valid unified social credit code.
    CreditCode,
    /// A new firm needs its name, and the provider sent none.
    NoOrganisation,
    /// The linked account is disabled.
    Disabled,
    /// The provider or the database cannot be reached right now.
    Unavailable,
}

impl OidcFailure {
    pub const ALL: [OidcFailure; 9] = [
        Self::Denied,
        Self::Provider,
        Self::State,
        Self::Token,
        Self::Unverified,
        Self::CreditCode,
        Self::NoOrganisation,
        Self::Disabled,
        Self::Unavailable,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Denied => "denied",
            Self::Provider => "provider",
            Self::State => "state",
            Self::Token => "token",
            Self::Unverified => "unverified",
            Self::CreditCode => "credit_code",
            Self::NoOrganisation => "no_organisation",
            Self::Disabled => "disabled",
            Self::Unavailable => "unavailable",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|f| f.as_str() == s)
    }

    /// The i18n key of the message (an unknown value shows the provider failure).
    pub fn message_key(self) -> &'static str {
        match self {
            Self::Denied => "oidc.error_denied",
            Self::Provider => "oidc.error_provider",
            Self::State => "oidc.error_state",
            Self::Token => "oidc.error_token",
            Self::Unverified => "oidc.error_unverified",
            Self::CreditCode => "oidc.error_credit_code",
            Self::NoOrganisation => "oidc.error_no_organisation",
            Self::Disabled => "oidc.error_disabled",
            Self::Unavailable => "oidc.error_unavailable",
        }
    }

    /// Where the browser goes after this failure.
    pub fn sign_in_href(self) -> String {
        format!("/sign-in?oidc_error={}", self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failures_round_trip_and_are_translated() {
        for f in OidcFailure::ALL {
            assert_eq!(OidcFailure::parse(f.as_str()), Some(f));
            for l in [crate::i18n::Locale::Zh, crate::i18n::Locale::En] {
                let k = f.message_key();
                assert_ne!(crate::i18n::t_in(l, k), k, "{k} untranslated in {}", l.tag());
            }
        }
        assert_eq!(OidcFailure::parse("nonsense"), None);
        assert_eq!(OidcFailure::State.sign_in_href(), "/sign-in?oidc_error=state");
    }
}
