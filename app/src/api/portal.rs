//! The public portal: headline figures, announcements.
use crate::error::AppError;
use crate::model::portal::{HomeSummary, PublicStats};
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

pub const STATS_MONTHS: usize = 24;

/// The public statistics: projects per month over two years and per selection method.
#[server(prefix = "/api", endpoint = "portal/stats")]
pub async fn get_public_stats() -> Result<PublicStats, AppError> {
    super::ctx::authorize("portal/stats").await?;
    use super::ctx::{check, state};
    use crate::domain::time::{DAY_MS, SHANGHAI_OFFSET_MS};
    use crate::model::portal::MonthStat;
    let st = state()?;
    let now = st.now_ms();
    let today = (now + SHANGHAI_OFFSET_MS).div_euclid(DAY_MS);
    let from = (today - 31 * STATS_MONTHS as i64) * DAY_MS - SHANGHAI_OFFSET_MS;
    let days = check(crate::db::portal::daily_counts(&st.pool, from).await)?;
    let months: Vec<MonthStat> = crate::domain::stats::fold_months(&days, today, STATS_MONTHS)
        .into_iter()
        .map(|(month, published, selected, failed)| MonthStat { month, published, selected, failed })
        .collect();
    let methods = check(crate::db::portal::method_counts(&st.pool).await)?;
    let (monthly_chart, method_chart) = charts::build(&months, &methods, crate::i18n::request_locale());
    Ok(PublicStats { months, methods, monthly_chart, method_chart })
}

#[cfg(feature = "ssr")]
mod charts {
    //! ECharts options built with charming from the same figures the tables show.
    use crate::domain::procurement::SelectionMethod;
    use crate::i18n::{t_in, Locale};
    use crate::model::portal::{MethodStat, MonthStat};
    use charming::component::{Axis, Grid, Legend};
    use charming::element::{AxisType, Tooltip, Trigger};
    use charming::series::{Bar, Line, Pie};
    use charming::Chart;

    pub fn build(months: &[MonthStat], methods: &[MethodStat], locale: Locale) -> (String, String) {
        let labels: Vec<String> = months.iter().map(|m| m.month.clone()).collect();
        let monthly = Chart::new()
            .tooltip(Tooltip::new().trigger(Trigger::Axis))
            .legend(Legend::new())
            .grid(Grid::new().left("3%").right("3%").bottom("3%").contain_label(true))
            .x_axis(Axis::new().type_(AxisType::Category).data(labels))
            .y_axis(Axis::new().type_(AxisType::Value))
            .series(Bar::new().name(t_in(locale, "stats.published")).data(months.iter().map(|m| m.published).collect::<Vec<_>>()))
            .series(Line::new().name(t_in(locale, "stats.selected")).data(months.iter().map(|m| m.selected).collect::<Vec<_>>()))
            .series(Line::new().name(t_in(locale, "stats.failed")).data(months.iter().map(|m| m.failed).collect::<Vec<_>>()));
        let method = Chart::new()
            .tooltip(Tooltip::new().trigger(Trigger::Item))
            .legend(Legend::new().bottom(0))
            .series(
                Pie::new().radius(vec!["35%", "65%"]).data(
                    methods
                        .iter()
                        .map(|m| {
                            let name = SelectionMethod::parse(&m.method).map(|x| t_in(locale, x.label_key())).unwrap_or(m.method.clone());
                            (m.projects as f64, name)
                        })
                        .collect::<Vec<_>>(),
                ),
            );
        (serde_json::to_string(&monthly).unwrap_or_default(), serde_json::to_string(&method).unwrap_or_default())
    }
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
    async fn public_stats_add_up_and_carry_chart_options() {
        let app = TestApp::new().await;
        let s = app.run(get_public_stats()).await.unwrap();
        assert_eq!(s.months.len(), STATS_MONTHS);
        assert!(s.months.windows(2).all(|w| w[0].month < w[1].month));
        let per_method: i64 = s.methods.iter().map(|m| m.projects).sum();
        assert_eq!(per_method, app.demo.projects as i64, "every public project has a method");
        let in_window: i64 = s.months.iter().map(|m| m.published).sum();
        assert!(in_window > 0 && in_window <= per_method);
        let selected: i64 = s.methods.iter().map(|m| m.selected).sum();
        assert_eq!(selected as usize, app.demo.awards);
        let option: serde_json::Value = serde_json::from_str(&s.monthly_chart).unwrap();
        assert_eq!(option["xAxis"]["data"].as_array().map(|a| a.len()), Some(STATS_MONTHS), "{option}");
        assert_eq!(option["series"][0]["data"][STATS_MONTHS - 1], serde_json::json!(s.months[STATS_MONTHS - 1].published));
        let pie: serde_json::Value = serde_json::from_str(&s.method_chart).unwrap();
        assert_eq!(pie["series"][0]["data"].as_array().map(|a| a.len()), Some(s.methods.len()));
    }
}
