//! The one application error type. A domain "no" (bad input, not found) is a
//! value the page shows; infrastructure failures become `Unavailable`/`Server`.
use leptos::server_fn::codec::JsonEncoding;
use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum AppError {
    #[error("not found")]
    NotFound,
    /// Bad input: `field` names the input, `key` is the i18n key of the message.
    #[error("invalid input in {field}: {key}")]
    InvalidInput { field: String, key: String },
    /// Not signed in (or the session ended): sign in and try again.
    #[error("not signed in")]
    Unauthenticated,
    /// Signed in, but this role or scope may not do this.
    #[error("forbidden")]
    Forbidden,
    /// Too many attempts in a short time; try again later.
    #[error("too many requests")]
    TooManyRequests,
    /// The database (or another dependency) cannot be reached right now.
    #[error("service unavailable")]
    Unavailable,
    #[error("server error: {0}")]
    Server(String),
}

impl AppError {
    pub fn invalid(field: &str, key: &str) -> Self {
        AppError::InvalidInput { field: field.into(), key: key.into() }
    }

    pub fn status_code(&self) -> u16 {
        match self {
            AppError::NotFound => 404,
            AppError::InvalidInput { .. } => 400,
            AppError::Unauthenticated => 401,
            AppError::Forbidden => 403,
            AppError::TooManyRequests => 429,
            AppError::Unavailable => 503,
            AppError::Server(_) => 500,
        }
    }

    /// i18n key of the message shown to the user.
    pub fn message_key(&self) -> &str {
        match self {
            AppError::NotFound => "error.not_found",
            AppError::InvalidInput { key, .. } => key,
            AppError::Unauthenticated => "error.unauthenticated",
            AppError::Forbidden => "error.forbidden",
            AppError::TooManyRequests => "error.too_many_requests",
            AppError::Unavailable => "error.unavailable",
            AppError::Server(_) => "error.server",
        }
    }
}

/// Sets the HTTP status of the current response (server side; a no-op in the browser).
/// Used by server functions for their errors and by pages such as the 404 page.
pub fn set_response_status(_code: u16) {
    #[cfg(feature = "ssr")]
    if plain_form_post() {
        // a form posted without JavaScript: the server-function layer answers with a
        // redirect back to the form (carrying the error); a 4xx would stop the browser there
        return;
    }
    #[cfg(feature = "ssr")]
    if let Some(res) = leptos::prelude::use_context::<leptos_axum::ResponseOptions>() {
        if let Ok(code) = axum::http::StatusCode::from_u16(_code) {
            res.set_status(code);
        }
    }
}

/// Whether the current request is a server function called by a plain HTML form
/// (no JavaScript): it accepts HTML and is not a page.
#[cfg(feature = "ssr")]
fn plain_form_post() -> bool {
    leptos::prelude::use_context::<axum::http::request::Parts>().is_some_and(|p| {
        p.method == axum::http::Method::POST
            && p.uri.path().starts_with("/api/")
            && p.headers.get(axum::http::header::ACCEPT).and_then(|v| v.to_str().ok()).is_some_and(|a| a.contains("text/html"))
    })
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        match value {
            ServerFnErrorErr::Request(_) | ServerFnErrorErr::Response(_) => AppError::Unavailable,
            other => AppError::Server(other.to_string()),
        }
    }
}

#[cfg(feature = "ssr")]
impl From<sqlx::Error> for AppError {
    fn from(e: sqlx::Error) -> Self {
        match e {
            sqlx::Error::RowNotFound => AppError::NotFound,
            sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_) => {
                tracing::error!(error = %e, "database unavailable");
                AppError::Unavailable
            }
            other => {
                tracing::error!(error = %other, "database error");
                AppError::Server("database".into())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_and_keys() {
        assert_eq!(AppError::NotFound.status_code(), 404);
        assert_eq!(AppError::invalid("q", "catalogue.q_too_long").status_code(), 400);
        assert_eq!(AppError::invalid("q", "catalogue.q_too_long").message_key(), "catalogue.q_too_long");
        assert_eq!(AppError::Unavailable.message_key(), "error.unavailable");
        assert_eq!(AppError::Server("x".into()).status_code(), 500);
    }
}
