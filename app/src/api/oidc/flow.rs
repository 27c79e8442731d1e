//! The browser's round trip through the provider, as two plain axum routes:
//! `GET /auth/oidc/start?next=/local/path` remembers state, nonce and PKCE
//! verifier in the session and redirects to the provider; `GET /auth/oidc/callback`
//! checks them, has the provider's answer verified, signs the account in (or
//! links one) and goes on to `next` or the user's home. Every failure lands on
//! `/sign-in?oidc_error=<key>`. Both are GETs (top-level navigations), so the
//! Origin check, which guards only other methods, lets them through; the
//! `SameSite=Lax` session cookie comes along on the provider's redirect back.
use super::provider::{CreditCodeClaim, OidcService, Pending};
use crate::api::ctx::USER_KEY;
use crate::db::accounts::SessionUserStamp;
use crate::db::oidc::{Assertion, Linked};
use crate::model::oidc::OidcFailure;
use crate::state::AppState;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::{Extension, Router};
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use tower_sessions::Session;

/// Session key of a sign-in in progress.
const PENDING_KEY: &str = "oidc_pending";
/// How long the person may spend at the provider.
pub const PENDING_MS: i64 = 10 * 60_000;

/// A sign-in in progress: the provider secrets, where to go after, and when it began.
#[derive(Serialize, Deserialize)]
struct InProgress {
    #[serde(flatten)]
    pending: Pending,
    next: Option<String>,
    started_at: i64,
}

/// The two routes, or none when no provider is configured (they answer 404).
pub fn routes(service: Option<Arc<OidcService>>) -> Router<AppState> {
    let Some(service) = service else { return Router::new() };
    Router::new().route("/auth/oidc/start", get(start)).route("/auth/oidc/callback", get(callback)).layer(Extension(service))
}

#[derive(Deserialize)]
struct StartQuery {
    next: Option<String>,
}

async fn start(
    State(st): State<AppState>,
    Extension(service): Extension<Arc<OidcService>>,
    session: Session,
    Query(q): Query<StartQuery>,
) -> Response {
    let (url, pending) = match service.begin().await {
        Ok(v) => v,
        Err(failure) => return to_sign_in(failure),
    };
    let next = crate::model::local_path(q.next.as_deref()).map(String::from);
    let saved = InProgress { pending, next, started_at: st.now_ms() };
    if let Err(e) = session.insert(PENDING_KEY, saved).await {
        tracing::error!(error = %e, "session store");
        return to_sign_in(OidcFailure::Unavailable);
    }
    Redirect::to(&url).into_response()
}

#[derive(Deserialize)]
struct CallbackQuery {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
}

async fn callback(
    State(st): State<AppState>,
    Extension(service): Extension<Arc<OidcService>>,
    session: Session,
    Query(q): Query<CallbackQuery>,
) -> Response {
    match finish(&st, &service, &session, q).await {
        Ok(to) => Redirect::to(&to).into_response(),
        Err(failure) => {
            tracing::info!(reason = failure.as_str(), "unified identity sign-in refused");
            to_sign_in(failure)
        }
    }
}

async fn finish(st: &AppState, service: &OidcService, session: &Session, q: CallbackQuery) -> Result<String, OidcFailure> {
    let unavailable = |e: tower_sessions::session::Error| {
        tracing::error!(error = %e, "session store");
        OidcFailure::Unavailable
    };
    // one attempt per start: whatever happens next, these secrets are spent
    let saved: Option<InProgress> = session.remove(PENDING_KEY).await.map_err(unavailable)?;
    if let Some(error) = q.error {
        return Err(if error == "access_denied" { OidcFailure::Denied } else { OidcFailure::Provider });
    }
    let saved = saved.filter(|s| st.now_ms() - s.started_at <= PENDING_MS).ok_or(OidcFailure::State)?;
    let (Some(code), Some(state)) = (q.code, q.state) else { return Err(OidcFailure::State) };
    if !same(&state, &saved.pending.state) {
        return Err(OidcFailure::State);
    }
    let identity = service.finish(&code, &saved.pending).await?;
    let verified_credit_code = match &identity.credit_code {
        CreditCodeClaim::Verified(code) => Some(code.as_str()),
        _ => None,
    };
    let assertion = Assertion {
        issuer: service.issuer(),
        subject: &identity.subject,
        verified_credit_code,
        organisation: identity.organisation.as_deref(),
    };
    let linked = crate::db::oidc::sign_in(&st.pool, &assertion, st.now_ms()).await.map_err(|e| {
        tracing::error!(error = %e, "linking a unified identity");
        OidcFailure::Unavailable
    })?;
    let stamp = match linked {
        Linked::SignedIn { session, created } => {
            if created {
                tracing::info!(user_id = session.user_id, "account created through unified identity");
            }
            session
        }
        Linked::Disabled => return Err(OidcFailure::Disabled),
        Linked::NoOrganisation => return Err(OidcFailure::NoOrganisation),
        Linked::Unverified if identity.credit_code == CreditCodeClaim::Invalid => return Err(OidcFailure::CreditCode),
        Linked::Unverified => return Err(OidcFailure::Unverified),
    };
    // a fresh session id for the signed-in user: no fixation
    session.cycle_id().await.map_err(unavailable)?;
    session.insert(USER_KEY, SessionUserStamp { user_id: stamp.user_id, stamp: stamp.stamp }).await.map_err(unavailable)?;
    session.save().await.map_err(unavailable)?;
    let user = crate::db::accounts::session_user(&st.pool, stamp.user_id, stamp.stamp)
        .await
        .map_err(|e| {
            tracing::error!(error = %e, "session user");
            OidcFailure::Unavailable
        })?
        .ok_or(OidcFailure::Disabled)?;
    Ok(crate::model::local_path(saved.next.as_deref()).unwrap_or(user.home()).to_string())
}

/// Compares secrets in time independent of where they first differ.
fn same(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn to_sign_in(failure: OidcFailure) -> Response {
    Redirect::to(&failure.sign_in_href()).into_response()
}

#[cfg(test)]
mod tests {
    #[test]
    fn secrets_compare_whole() {
        assert!(super::same("abc", "abc"));
        assert!(!super::same("abc", "abd"));
        assert!(!super::same("abc", "abcd"));
        assert!(!super::same("", "a"));
    }
}
