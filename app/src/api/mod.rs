//! Server functions, one module per capability. Thin: take pool and clock from
//! context, call `db` + `domain`, return typed results.
pub mod catalogue;
pub mod firms;
pub mod portal;

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
}
