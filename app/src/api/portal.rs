//! The public portal: headline figures, announcements.
use crate::error::AppError;
use crate::model::portal::{AnnouncementDetail, HomeSummary};
use leptos::prelude::*;

pub const HOME_LATEST: i64 = 8;

/// Headline statistics from the database and the latest announcements.
#[server(prefix = "/api", endpoint = "portal/home")]
pub async fn get_home_summary() -> Result<HomeSummary, AppError> {
    use super::ctx::{check, state};
    let st = state()?;
    check(crate::db::portal::home_summary(&st.pool, st.now_ms(), HOME_LATEST).await)
}

/// A public selection announcement (选取公告) by its code.
#[server(prefix = "/api", endpoint = "portal/announcement")]
pub async fn get_announcement(code: String) -> Result<AnnouncementDetail, AppError> {
    use super::ctx::{check, state};
    let st = state()?;
    let code = code.trim();
    if code.is_empty() || code.len() > 32 {
        return check(Err(AppError::invalid("code", "announcement.bad_code")));
    }
    check(crate::db::portal::announcement(&st.pool, code).await?.ok_or(AppError::NotFound))
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use super::*;
    use crate::db::testing::TestApp;

    #[tokio::test]
    async fn home_figures_come_from_the_database() {
        let app = TestApp::new().await;
        let h = app.run(get_home_summary()).await.unwrap();
        let report = app.demo.clone();
        assert!(h.item_count >= 40);
        assert!(h.firm_count > 0 && h.firm_count <= report.firms as i64);
        assert_eq!(h.procurement_count, report.projects as i64);
        assert!(h.open_count > 0, "some announcements are still open at the anchor time");
        assert!(h.contract_value_fen > 0);
        assert_eq!(h.latest.len(), HOME_LATEST as usize);
        assert!(h.latest.windows(2).all(|w| w[0].published_at >= w[1].published_at));

        // a new firm going active changes the figure
        sqlx::query("UPDATE firms SET status = 'active' WHERE status = 'submitted'").execute(&app.state.pool).await.unwrap();
        let h2 = app.run(get_home_summary()).await.unwrap();
        assert!(h2.firm_count > h.firm_count);

        // moving the clock past every deadline closes the open ones
        app.clock.advance(30 * crate::domain::time::DAY_MS);
        assert_eq!(app.run(get_home_summary()).await.unwrap().open_count, 0);
    }

    #[tokio::test]
    async fn announcements_are_public_except_drafts() {
        let app = TestApp::new().await;
        let h = app.run(get_home_summary()).await.unwrap();
        let code = h.latest[0].code.clone();
        let a = app.run(get_announcement(code.clone())).await.unwrap();
        assert_eq!(a.code, code);
        let selected: (String,) = sqlx::query_as("SELECT code FROM procurements WHERE status = 'selected' ORDER BY id LIMIT 1")
            .fetch_one(&app.state.pool)
            .await
            .unwrap();
        let s = app.run(get_announcement(selected.0)).await.unwrap();
        assert!(s.awarded_firm.is_some() && s.award_fen.unwrap() > 0);
        assert!(s.award_fen.unwrap() <= s.budget_fen);
        sqlx::query("UPDATE procurements SET status = 'draft' WHERE code = $1").bind(&code).execute(&app.state.pool).await.unwrap();
        assert_eq!(app.run(get_announcement(code)).await.unwrap_err(), AppError::NotFound);
        assert_eq!(app.run(get_announcement("".into())).await.unwrap_err(), AppError::invalid("code", "announcement.bad_code"));
    }
}
