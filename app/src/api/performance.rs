//! Monthly performance scores (绩效评估, #8), public: the ranking of one kind
//! of subject in one month with each score's breakdown. Computed nightly by
//! `db::performance` with the formula of `domain::performance`.
use crate::error::AppError;
use crate::model::performance::PerformancePage;
use leptos::prelude::*;

/// One page of a month's ranking. `month`: `YYYY-MM` or `''` (the newest month
/// with scores); `kind`: `public_body`, `department`, `owner`, `firm` (`''`:
/// `public_body`); `page` 1-based. Bad input is a field error.
#[server(prefix = "/api", endpoint = "performance/public")]
pub async fn get_performance(month: String, kind: String, page: i64) -> Result<PerformancePage, AppError> {
    use crate::domain::performance::SubjectKind;
    super::ctx::authorize("performance/public").await?;
    let state = super::ctx::state()?;
    let month = month.trim().to_string();
    if !month.is_empty() && crate::domain::time::parse_month(&month).is_none() {
        return Err(AppError::invalid("month", "dashboard.error_month"));
    }
    let kind = match kind.trim() {
        "" => SubjectKind::PublicBody,
        k => SubjectKind::parse(k).ok_or_else(|| AppError::invalid("kind", "performance.error_kind"))?,
    };
    if page < 1 {
        return Err(AppError::invalid("page", "performance.error_page"));
    }
    Ok(crate::db::performance::page(&state.pool, &month, kind, page).await?)
}
