//! The public portal: headline figures, announcements (the public statistics
//! are `api::dashboard::get_public_stats`).
use crate::error::AppError;
use crate::model::portal::HomeSummary;
use leptos::prelude::*;

pub const HOME_LATEST: i64 = 8;

/// Headline statistics from the database and the latest announcements.
#[server(prefix = "/api", endpoint = "portal/home")]
pub async fn get_home_summary() -> Result<HomeSummary, AppError> {
    super::ctx::authorize("portal/home").await?;
    use super::ctx::{check, state};
    let st = state()?;
    check(crate::db::portal::home_summary(&st.pool, st.now_ms(), HOME_LATEST).await)
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

        // the latest announcement a direct selection (no registration deadline): the page still loads
        let code = h.latest[0].code.clone();
        sqlx::query("UPDATE procurements SET method = 'direct', deadline_at = NULL WHERE code = $1").bind(&code).execute(&app.state.pool).await.unwrap();
        let h3 = app.run(get_home_summary()).await.unwrap();
        let direct = h3.latest.iter().find(|a| a.code == code).expect("still among the latest");
        assert_eq!(direct.deadline_at, None);
    }
}
