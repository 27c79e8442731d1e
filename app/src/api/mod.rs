//! Server functions, one module per capability. Thin: take pool and clock from
//! context, call `db` + `domain`, return typed results.
pub mod accounts;
pub mod audit;
pub mod catalogue;
pub mod catalogue_admin;
pub mod complaints;
pub mod contract_work;
pub mod contracts;
pub mod dashboard;
pub mod credit;
pub mod firms;
pub mod ingest;
pub mod oidc;
pub mod files;
pub mod notices;
pub mod notifications;
pub mod onboarding;
pub mod open_data;
pub mod payments;
pub mod performance;
pub mod portal;
pub mod public_info;
pub mod timeliness;
pub mod redflag_settings;
pub mod ratings;
pub mod redflags;
pub mod reference;
pub mod register;
pub mod review;
pub mod timelimits;
pub mod trading;
pub mod trading_settings;
pub mod calendar;

#[cfg(all(test, feature = "ssr"))]
mod credit_tests;
#[cfg(all(test, feature = "ssr"))]
mod matrix_tests;
#[cfg(all(test, feature = "ssr"))]
mod onboarding_tests;
#[cfg(all(test, feature = "ssr"))]
mod contracts_tests;
#[cfg(all(test, feature = "ssr"))]
mod contract_work_tests;
#[cfg(all(test, feature = "ssr"))]
mod payments_tests;
#[cfg(all(test, feature = "ssr"))]
mod ratings_tests;
#[cfg(all(test, feature = "ssr"))]
mod trading_tests;
#[cfg(all(test, feature = "ssr"))]
mod complaints_tests;

#[cfg(feature = "ssr")]
pub(crate) mod ctx {
    use crate::error::AppError;
    use crate::state::AppState;

    /// The server state from the request context.
    pub fn state() -> Result<AppState, AppError> {
        leptos::prelude::use_context::<AppState>().ok_or_else(|| AppError::Server("no app state".into()))
    }

    /// Records the error's HTTP status on the response and passes it on.
    pub fn fail(e: AppError) -> AppError {
        crate::error::set_response_status(e.status_code());
        e
    }

    /// Maps any error into `AppError` and sets the status.
    pub fn check<T, E: Into<AppError>>(r: Result<T, E>) -> Result<T, AppError> {
        r.map_err(|e| fail(e.into()))
    }

    /// The request's session: from the session layer (server) or set directly (tests).
    pub fn session() -> Option<Session> {
        use_context::<Session>()
            .or_else(|| use_context::<axum::http::request::Parts>().and_then(|p| p.extensions.get::<Session>().cloned()))
    }

    /// Session key holding the signed-in user's id and password stamp.
    pub const USER_KEY: &str = "user";

    /// The signed-in user, if any: the session's account, still active, with an
    /// unchanged password.
    pub async fn user() -> Result<Option<SessionUser>, AppError> {
        let Some(session) = session() else { return Ok(None) };
        user_of(&state()?, Some(&session)).await
    }

    /// The signed-in user of `session` (for plain axum routes: downloads, exports).
    pub async fn user_of(state: &crate::state::AppState, session: Option<&Session>) -> Result<Option<SessionUser>, AppError> {
        let Some(session) = session else { return Ok(None) };
        let stamp: Option<SessionUserStamp> = session.get(USER_KEY).await.map_err(|e| {
            tracing::error!(error = %e, "session store");
            AppError::Unavailable
        })?;
        let Some(s) = stamp else { return Ok(None) };
        Ok(crate::db::accounts::session_user(&state.pool, s.user_id, s.stamp).await?)
    }

    /// Checks the caller against the authorisation matrix for `endpoint` and
    /// returns the signed-in user (`None` for public functions called anonymously).
    pub async fn authorize(endpoint: &str) -> Result<Option<SessionUser>, AppError> {
        let rule = authz::rule(endpoint).ok_or_else(|| fail(AppError::Server(format!("no authorisation rule for {endpoint}"))))?;
        let user = check(user().await)?;
        match authz::admits(rule.audience, user.as_ref().map(|u| u.role)) {
            Ok(()) => Ok(user),
            Err(authz::Denied::SignIn) => Err(fail(AppError::Unauthenticated)),
            Err(authz::Denied::Forbidden) => Err(fail(AppError::Forbidden)),
        }
    }

    /// Like `authorize`, for functions that need a signed-in user.
    pub async fn authorize_user(endpoint: &str) -> Result<SessionUser, AppError> {
        authorize(endpoint).await?.ok_or_else(|| fail(AppError::Unauthenticated))
    }

    use crate::db::accounts::SessionUserStamp;
    use crate::domain::authz;
    use crate::model::accounts::SessionUser;
    use leptos::prelude::use_context;
    use tower_sessions::Session;
}
