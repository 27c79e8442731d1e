//! Time-limit performance by competent department (时限履行情况, #8), open to
//! everyone without signing in (`/stats/timeliness`).
use crate::error::AppError;
use crate::model::timeliness::{ComplaintStatsFilter, TimelinessStats};
use leptos::prelude::*;

/// Stages closed within a period (default: the last twelve months) and region
/// (default: the province), on time and late, per competent department and
/// stage, with the open stages overdue right now and the stacked bar chart's
/// ECharts option. Counts only.
#[server(prefix = "/api", endpoint = "public/timeliness")]
pub async fn get_timeliness(filter: ComplaintStatsFilter) -> Result<TimelinessStats, AppError> {
    use super::ctx::{authorize, fail, state};
    authorize("public/timeliness").await?;
    let st = state()?;
    let mut s = crate::db::timeliness::timeliness(&st.pool, &filter, st.now_ms()).await.map_err(fail)?;
    s.chart = chart(&s);
    Ok(s)
}

/// Horizontal stacked bars: one bar per department (worst first), on time and
/// late, from the same figures as the page's table.
#[cfg(feature = "ssr")]
fn chart(s: &TimelinessStats) -> String {
    use crate::i18n::t;
    use charming::component::{Axis, Grid, Legend};
    use charming::element::{AxisType, ItemStyle, Tooltip, Trigger};
    use charming::series::Bar;
    use charming::Chart;
    let shown: Vec<_> = s.departments.iter().filter(|d| d.total.closed() > 0).collect();
    if shown.is_empty() {
        return String::new();
    }
    let names: Vec<String> = shown.iter().map(|d| if d.code.is_empty() { t("timeliness.unassigned") } else { d.name.clone() }).collect();
    let chart = Chart::new()
        .tooltip(Tooltip::new().trigger(Trigger::Axis))
        .legend(Legend::new().top(0))
        .grid(Grid::new().left("3%").right("6%").top(40).bottom("3%").contain_label(true))
        .x_axis(Axis::new().type_(AxisType::Value).min_interval(1))
        .y_axis(Axis::new().type_(AxisType::Category).inverse(true).data(names))
        .series(Bar::new().name(t("timeliness.on_time")).stack("total").item_style(ItemStyle::new().color("#16a34a")).data(shown.iter().map(|d| d.total.on_time).collect()))
        .series(Bar::new().name(t("timeliness.late")).stack("total").item_style(ItemStyle::new().color("#dc2626")).data(shown.iter().map(|d| d.total.late).collect()));
    serde_json::to_string(&chart).unwrap_or_default()
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use super::*;
    use crate::db::testing::{AccountScope, TestApp};
    use crate::domain::accounts::Role;
    use crate::domain::time::date_shanghai;
    use crate::state::Clock;

    const DAY: i64 = 86_400_000;

    /// A stage clock of `dept` in `region`, due at `due`, closed at `closed` (open when `None`).
    async fn clock(app: &TestApp, key: &str, stage: &str, dept: Option<&str>, region: &str, due: i64, closed: Option<i64>) {
        let kind = if stage.starts_with("approval_") { "approval_case" } else { "procurement" };
        let responsible = if stage.starts_with("approval_") { "department" } else { "owner" };
        sqlx::query(
            "INSERT INTO stage_clocks (subject_kind, subject_key, subject_label, stage, responsible, owner_id, firm_id, department_code, \
             region_code, industry_code, item_code, started_at, due_at, calendar_version, light, light_since, closed_at) \
             VALUES ($1, $2, '', $3, $4, NULL, NULL, $5, $6, NULL, NULL, $7, $8, 1, 'green', $7, $9)",
        )
        .bind(kind)
        .bind(key)
        .bind(stage)
        .bind(responsible)
        .bind(dept)
        .bind(region)
        .bind(due - 5 * DAY)
        .bind(due)
        .bind(closed)
        .execute(&app.state.pool)
        .await
        .unwrap();
    }

    fn filter(from: &str, to: &str, region: &str) -> ComplaintStatsFilter {
        ComplaintStatsFilter { from: from.into(), to: to.into(), region: region.into() }
    }

    #[tokio::test]
    async fn timeliness_counts_on_time_late_and_overdue_per_department_stage_period_and_region() {
        let app = TestApp::new().await;
        let pool = &app.state.pool;
        sqlx::query("DELETE FROM stage_light_changes").execute(pool).await.unwrap();
        sqlx::query("DELETE FROM stage_clocks").execute(pool).await.unwrap();
        let now = app.clock.now_ms();
        // HJBM in Chengdu (510104): service 2 on time (one exactly at its deadline) + 1 late, publication 1 on time
        clock(&app, "P1", "service", Some("HJBM"), "510104", now - 10 * DAY, Some(now - 11 * DAY)).await;
        clock(&app, "P2", "service", Some("HJBM"), "510104", now - 10 * DAY, Some(now - 10 * DAY)).await;
        clock(&app, "P3", "service", Some("HJBM"), "510100", now - 10 * DAY, Some(now - 8 * DAY)).await;
        clock(&app, "P4", "publication", Some("HJBM"), "510104", now - 10 * DAY, Some(now - 12 * DAY)).await;
        // ZRBM approval cases in Mianyang (510703): received on time, reviewing late; accepted open and overdue
        clock(&app, "A1", "approval_received", Some("ZRBM"), "510703", now - 3 * DAY, Some(now - 4 * DAY)).await;
        clock(&app, "A1", "approval_reviewing", Some("ZRBM"), "510703", now - 3 * DAY, Some(now - 2 * DAY)).await;
        clock(&app, "A2", "approval_accepted", Some("ZRBM"), "510703", now - DAY, None).await;
        // open and not yet due: nothing
        clock(&app, "A3", "approval_accepted", Some("ZRBM"), "510703", now + DAY, None).await;
        // ZJBM: closed two years ago, outside the default period
        clock(&app, "P5", "signing", Some("ZJBM"), "510104", now - 732 * DAY, Some(now - 731 * DAY)).await;

        app.new_session();
        let s = app.run(get_timeliness(Default::default())).await.unwrap();
        let codes: Vec<&str> = s.departments.iter().map(|d| d.code.as_str()).collect();
        assert_eq!(codes, vec!["ZRBM", "HJBM"], "worst rate first (50% before 75%); ZJBM has nothing in the period");
        let zr = &s.departments[0];
        assert_eq!(zr.name, "自然资源部门");
        assert_eq!((zr.total.closed(), zr.total.on_time, zr.total.late, zr.total.overdue_now), (2, 1, 1, 1));
        assert_eq!(zr.total.rate_text(), "50%");
        let stages: Vec<(&str, i64, i64, i64)> = zr.stages.iter().map(|x| (x.stage.as_str(), x.on_time, x.late, x.overdue_now)).collect();
        assert_eq!(stages, vec![("approval_received", 1, 0, 0), ("approval_accepted", 0, 0, 1), ("approval_reviewing", 0, 1, 0)], "approval-case stages count");
        let hj = &s.departments[1];
        assert_eq!((hj.total.on_time, hj.total.late, hj.total.rate_text()), (3, 1, "75%".to_string()));
        let stages: Vec<(&str, i64, i64)> = hj.stages.iter().map(|x| (x.stage.as_str(), x.on_time, x.late)).collect();
        assert_eq!(stages, vec![("publication", 1, 0), ("service", 2, 1)]);
        assert_eq!((s.total.on_time, s.total.late, s.total.overdue_now), (4, 2, 1));
        assert!(s.chart.contains("\"stack\":\"total\"") && s.chart.contains("自然资源部门") && s.chart.contains("按时办结"), "a stacked bar per department");
        assert_eq!(s.path.iter().map(|p| p.code.as_str()).collect::<Vec<_>>(), vec!["510000"]);
        assert!(s.children.iter().any(|c| c.code == "510100"));

        // a city: Chengdu only
        let c = app.run(get_timeliness(filter("", "", "510100"))).await.unwrap();
        assert_eq!(c.departments.iter().map(|d| d.code.as_str()).collect::<Vec<_>>(), vec!["HJBM"]);
        assert_eq!(c.path.iter().map(|p| p.code.as_str()).collect::<Vec<_>>(), vec!["510000", "510100"]);
        // a county: Mianyang's 510703 only
        let c = app.run(get_timeliness(filter("", "", "510703"))).await.unwrap();
        assert_eq!((c.departments.len(), c.departments[0].code.as_str(), c.total.overdue_now), (1, "ZRBM", 1));
        // two years back: the old signing only (the overdue approval stage is counted now, whatever the period)
        let old = date_shanghai(now - 731 * DAY)[..7].to_string();
        let c = app.run(get_timeliness(filter(&old, &old, ""))).await.unwrap();
        let zj = c.departments.iter().find(|d| d.code == "ZJBM").unwrap();
        assert_eq!((zj.total.on_time, zj.total.late, zj.total.rate_text()), (0, 1, "0%".to_string()));
        assert_eq!(c.filter.from, old);
        // a period with nothing at all, in a county with nothing: empty, no chart
        let c = app.run(get_timeliness(filter(&old, &old, "510703"))).await.unwrap();
        assert!(c.departments.len() == 1 && c.departments[0].total.closed() == 0 && c.chart.is_empty(), "only the overdue approval stage, no bar");
        let e = app.run(get_timeliness(filter("2030-01", "2030-01", "510104"))).await.unwrap();
        assert!(e.departments.is_empty() && e.chart.is_empty());

        // bad input is named
        assert_eq!(app.run(get_timeliness(filter("2026-13", "", ""))).await.unwrap_err(), AppError::invalid("from", "publicinfo.complaints.error_month"));
        assert_eq!(app.run(get_timeliness(filter("", "2026/01", ""))).await.unwrap_err(), AppError::invalid("to", "publicinfo.complaints.error_month"));
        assert_eq!(app.run(get_timeliness(filter("2026-06", "2026-01", ""))).await.unwrap_err(), AppError::invalid("from", "publicinfo.complaints.error_range"));
        for bad in ["999999", "110000", "5101"] {
            assert_eq!(app.run(get_timeliness(filter("", "", bad))).await.unwrap_err(), AppError::invalid("region", "publicinfo.complaints.error_region"), "{bad}");
        }

        // signed in or not, the same answer
        let op = app.account("tl.op", Role::Operator, AccountScope::default()).await;
        app.sign_in_as(op).await;
        assert_eq!(app.run(get_timeliness(Default::default())).await.unwrap(), s);
    }

    #[tokio::test]
    async fn timeliness_follows_the_stage_clocks_kept_by_the_refresh() {
        let app = TestApp::new().await;
        let pool = &app.state.pool;
        let start = app.clock.now_ms();
        crate::db::timelimits::refresh(&app.state, start).await.unwrap();
        // the clocks the demo market starts, all still open
        let open: Vec<(Option<String>, String)> = sqlx::query_as("SELECT department_code, stage FROM stage_clocks WHERE closed_at IS NULL").fetch_all(pool).await.unwrap();
        assert!(!open.is_empty(), "the demo market has open stages");
        app.new_session();
        let before = app.run(get_timeliness(Default::default())).await.unwrap();
        // a year later every open stage is overdue: counted as overdue now, per department
        app.clock.advance(365 * DAY);
        let later = app.clock.now_ms();
        crate::db::timelimits::refresh(&app.state, later).await.unwrap();
        let open_now: i64 = sqlx::query_scalar("SELECT CAST(COUNT(*) AS BIGINT) FROM stage_clocks WHERE closed_at IS NULL AND due_at <= $1")
            .bind(later)
            .fetch_one(pool)
            .await
            .unwrap();
        let s = app.run(get_timeliness(Default::default())).await.unwrap();
        assert!(open_now > 0);
        assert_eq!(s.total.overdue_now, open_now);
        assert!(s.total.overdue_now > before.total.overdue_now, "stages gone past their deadline show as overdue now");
        // closing an overdue stage (as the refresh does when the source moves on) makes it late in this month
        let (id, dept): (i64, Option<String>) =
            sqlx::query_as("SELECT id, department_code FROM stage_clocks WHERE closed_at IS NULL AND due_at <= $1 ORDER BY id LIMIT 1").bind(later).fetch_one(pool).await.unwrap();
        sqlx::query("UPDATE stage_clocks SET closed_at = $1 WHERE id = $2").bind(later).bind(id).execute(pool).await.unwrap();
        let after = app.run(get_timeliness(Default::default())).await.unwrap();
        let row = |s: &TimelinessStats| s.departments.iter().find(|d| Some(&d.code) == dept.as_ref() || (dept.is_none() && d.code.is_empty())).map(|d| d.total.clone()).unwrap_or_default();
        assert_eq!(row(&after).late, row(&s).late + 1);
        assert_eq!(row(&after).overdue_now, row(&s).overdue_now - 1);
        assert_eq!(after.total.overdue_now, open_now - 1);
    }
}
