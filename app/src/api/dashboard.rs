//! The statistics dashboard for leaders and supervisors (统计分析): figures,
//! trends and comparisons for a filter, computed from the summary tables
//! (`db::stats`), with their ECharts options built on the server. The scope
//! follows the account: a leader sees its region, a regulator its industry
//! within its region, operators and admins the province.
use crate::error::AppError;
use crate::model::dashboard::{Dashboard, DashboardFilter, PublicStats};
use leptos::prelude::*;

/// The dashboard for `filter` within the caller's scope.
#[server(prefix = "/api", endpoint = "dashboard/view")]
pub async fn get_dashboard(filter: DashboardFilter) -> Result<Dashboard, AppError> {
    use super::ctx::{authorize_user, fail, state};
    let user = authorize_user("dashboard/view").await?;
    let st = state()?;
    let mut d = crate::db::stats::dashboard(&st, &user.scope(), &filter, st.now_ms()).await.map_err(fail)?;
    d.charts = crate::dashboard_charts::charts(&d);
    Ok(d)
}

/// The public statistics (`/stats`): the documented subset of the dashboard
/// (`PublicStats`) for everyone, over the province, from the same summary
/// tables; a filter's service item, method and funding are ignored.
#[server(prefix = "/api", endpoint = "stats/public")]
pub async fn get_public_stats(filter: DashboardFilter) -> Result<PublicStats, AppError> {
    use super::ctx::{authorize, fail, state};
    use crate::domain::{accounts::Role, authz::Scope};
    authorize("stats/public").await?;
    let st = state()?;
    let province = Scope { role: Role::Operator, firm_id: None, owner_id: None, region_code: None, industry_code: None };
    let mut d = crate::db::stats::dashboard(&st, &province, &filter.public(), st.now_ms()).await.map_err(fail)?;
    d.charts = crate::dashboard_charts::charts(&d);
    Ok(PublicStats::from(d))
}

/// `GET /dashboard/export.{csv|xlsx}?<filter>`: the figures of the view as a
/// file, for the same callers and scope as `dashboard/view` (others get 404).
#[cfg(feature = "ssr")]
pub async fn serve_export(
    state: &crate::state::AppState,
    session: Option<&tower_sessions::Session>,
    format: &str,
    query: &std::collections::HashMap<String, String>,
) -> axum::response::Response {
    use crate::domain::accounts::Role;
    use axum::http::{header, StatusCode};
    use axum::response::IntoResponse;
    let not_found = || (StatusCode::NOT_FOUND, "not found").into_response();
    let user = super::ctx::user_of(state, session).await.ok().flatten();
    let Some(user) = user.filter(|u| matches!(u.role, Role::Leader | Role::Regulator | Role::Operator | Role::Admin)) else {
        return not_found();
    };
    if format != "csv" && format != "xlsx" {
        return not_found();
    }
    let filter = DashboardFilter::from_query(|k| query.get(k).cloned().unwrap_or_default());
    let d = match crate::db::stats::dashboard(state, &user.scope(), &filter, state.now_ms()).await {
        Ok(d) => d,
        Err(e) => return (StatusCode::BAD_REQUEST, [(header::CONTENT_TYPE, "text/plain; charset=utf-8")], crate::i18n::t(e.message_key())).into_response(),
    };
    let region = d.path.last().map(|c| c.code.clone()).unwrap_or_default();
    let name = format!("zjcs-stats-{region}-{}-{}", d.filter.from, d.filter.to);
    let (body, content_type) = if format == "csv" {
        (crate::dashboard_export::csv(&d).into_bytes(), "text/csv; charset=utf-8")
    } else {
        (crate::dashboard_export::xlsx(&d), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    };
    (
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, content_type.to_string()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{name}.{format}\"")),
            (header::CACHE_CONTROL, "private, no-store".to_string()),
        ],
        body,
    )
        .into_response()
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use super::*;
    use crate::db::testing::{AccountScope, TestApp};
    use crate::domain::accounts::Role;

    fn region(code: &str) -> DashboardFilter {
        DashboardFilter { region: code.into(), ..Default::default() }
    }

    #[tokio::test]
    async fn scope_follows_the_account_and_regions_drill_down() {
        let app = TestApp::new().await;
        let leader = app.account("dash.leader", Role::Leader, AccountScope { region_code: Some("510000"), ..Default::default() }).await;
        let city_leader = app.account("dash.cd", Role::Leader, AccountScope { region_code: Some("510100"), ..Default::default() }).await;
        let regulator = app.account("dash.reg", Role::Regulator, AccountScope { region_code: Some("510000"), industry_code: Some("ZJ"), ..Default::default() }).await;

        // the province leader starts at the province; its regions are cities
        app.sign_in_as(leader).await;
        let d = app.run(get_dashboard(Default::default())).await.unwrap();
        assert_eq!(d.path.iter().map(|c| c.code.as_str()).collect::<Vec<_>>(), vec!["510000"]);
        assert!(d.can_drill && !d.regions.is_empty());
        assert!(d.regions.iter().all(|r| r.key.len() == 6 && r.key.ends_with("00") && r.key != "510000"), "cities: {:?}", d.regions);
        assert!(d.regions.windows(2).all(|w| w[0].figures.published >= w[1].figures.published), "ranked");
        let sum: i64 = d.regions.iter().map(|r| r.figures.published).sum();
        assert_eq!(sum, d.totals.published, "the cities add up to the province");
        assert!(!d.charts.trend.is_empty() && !d.charts.map.is_empty(), "charts are built, the map for the province");
        // drilling into a city: its counties (and 市本级), the path grows
        let city = d.regions[0].key.clone();
        let c = app.run(get_dashboard(region(&city))).await.unwrap();
        assert_eq!(c.path.len(), 2);
        assert_eq!(c.path[1].code, city);
        assert_eq!(c.totals.published, d.regions[0].figures.published);
        assert!(c.regions.iter().all(|r| r.key[..4] == city[..4]));
        assert!(c.charts.map.is_empty(), "no county map in the npm package");
        // a bad month is named
        let e = app.run(get_dashboard(DashboardFilter { from: "2026-13".into(), ..Default::default() })).await.unwrap_err();
        assert_eq!(e, AppError::invalid("from", "dashboard.error_month"));

        // a city leader sees its city only
        app.sign_in_as(city_leader).await;
        let d = app.run(get_dashboard(Default::default())).await.unwrap();
        assert_eq!(d.path.iter().map(|c| c.code.as_str()).collect::<Vec<_>>(), vec!["510100"]);
        let e = app.run(get_dashboard(region("510300"))).await.unwrap_err();
        assert_eq!(e, AppError::invalid("region", "dashboard.error_region"));
        let e = app.run(get_dashboard(region("510000"))).await.unwrap_err();
        assert_eq!(e, AppError::invalid("region", "dashboard.error_region"));

        // a regulator sees its industry only
        app.sign_in_as(regulator).await;
        let d = app.run(get_dashboard(Default::default())).await.unwrap();
        assert_eq!(d.filter.industry, "ZJ");
        assert_eq!(d.industries.iter().map(|i| i.key.as_str()).collect::<Vec<_>>(), vec!["ZJ"]);
        assert_eq!(d.industry_options.iter().map(|(c, _)| c.as_str()).collect::<Vec<_>>(), vec!["ZJ"]);
    }

    #[tokio::test]
    async fn the_public_sees_the_documented_subset_of_the_province() {
        let app = TestApp::new().await;
        let operator = app.account("dash.op", Role::Operator, AccountScope::default()).await;
        // anyone, signed in or not
        app.new_session();
        let p = app.run(get_public_stats(Default::default())).await.unwrap();
        assert_eq!(p.path.iter().map(|c| c.code.as_str()).collect::<Vec<_>>(), vec!["510000"]);
        assert!(p.totals.published > 0 && p.can_drill && !p.regions.is_empty());
        assert!(!p.charts.trend.is_empty() && !p.charts.map.is_empty() && !p.charts.methods.is_empty());
        assert!(p.charts.stars.is_empty() && p.charts.grades.is_empty() && p.charts.heat.is_empty());
        // the same figures as the operator's dashboard for the same view
        app.sign_in_as(operator).await;
        let d = app.run(get_dashboard(Default::default())).await.unwrap();
        assert!(d.complaints > 0 || !d.stars.is_empty(), "the dashboard holds what the public page leaves out");
        assert_eq!((p.totals.clone(), p.trend.clone(), p.regions.clone(), p.methods.clone()), (d.totals.clone(), d.trend.clone(), d.regions.clone(), d.methods.clone()));
        assert_eq!(p.active_firms, d.active_firms);
        // the JSON a visitor receives has no field for what is left out
        let json = serde_json::to_value(&p).unwrap();
        for hidden in ["complaints", "new_firms", "stars", "grades", "heat", "item_options"] {
            assert!(json.get(hidden).is_none(), "{hidden} is not public");
        }
        // drilling into a city, as on the dashboard; an item cut is not offered to the public
        let city = d.regions[0].key.clone();
        let item = d.item_options[0].0.clone();
        app.new_session();
        let c = app.run(get_public_stats(DashboardFilter { region: city.clone(), item, ..Default::default() })).await.unwrap();
        assert_eq!(c.path.last().map(|x| x.code.clone()), Some(city));
        assert_eq!(c.totals, d.regions[0].figures, "the item filter is ignored");
        assert!(c.filter.item.is_empty());
        // bad input is named
        let e = app.run(get_public_stats(DashboardFilter { to: "2026-00".into(), ..Default::default() })).await.unwrap_err();
        assert_eq!(e, AppError::invalid("to", "dashboard.error_month"));
        let e = app.run(get_public_stats(region("999999"))).await.unwrap_err();
        assert_eq!(e, AppError::invalid("region", "dashboard.error_region"));
    }
}
