//! The public information service (信息公开, #8), open to everyone without
//! signing in: complaints per competent department (`/stats/complaints`) and
//! the case status lookup by announcement code (`/lookup`).
use crate::error::AppError;
use crate::model::public_info::{CaseStatus, ComplaintStats, ComplaintStatsFilter};
use leptos::prelude::*;

/// Complaints filed within a period (default: the last twelve months) and
/// region (default: the province), per competent department and status, with
/// the stacked bar chart's ECharts option. Counts only: nothing about filers.
#[server(prefix = "/api", endpoint = "public/complaint-stats")]
pub async fn get_complaint_stats(filter: ComplaintStatsFilter) -> Result<ComplaintStats, AppError> {
    use super::ctx::{authorize, fail, state};
    authorize("public/complaint-stats").await?;
    let st = state()?;
    let mut s = crate::db::public_info::complaint_stats(&st.pool, &filter, st.now_ms()).await.map_err(fail)?;
    s.chart = chart(&s);
    Ok(s)
}

/// The public progress of a published procurement by its announcement code.
/// A malformed code, or one that is unknown or still a draft, is a field
/// error on `code`.
#[server(prefix = "/api", endpoint = "public/lookup")]
pub async fn lookup_case(code: String) -> Result<CaseStatus, AppError> {
    use super::ctx::{authorize, fail, state};
    authorize("public/lookup").await?;
    let st = state()?;
    crate::db::public_info::case_status(&st.pool, &code, st.now_ms()).await.map_err(fail)
}

/// Horizontal stacked bars: one bar per department, one colour per status,
/// built from the same figures as the page's table.
#[cfg(feature = "ssr")]
fn chart(s: &ComplaintStats) -> String {
    use crate::i18n::t;
    use crate::model::public_info::STATUSES;
    use charming::component::{Axis, Grid, Legend};
    use charming::element::{AxisType, ItemStyle, Tooltip, Trigger};
    use charming::series::Bar;
    use charming::Chart;
    if s.departments.is_empty() {
        return String::new();
    }
    let names: Vec<String> = s.departments.iter().map(|d| if d.code.is_empty() { t("publicinfo.complaints.unassigned") } else { d.name.clone() }).collect();
    let colours = ["#64748b", "#d97706", "#94a3b8", "#dc2626", "#16a34a"];
    let mut chart = Chart::new()
        .tooltip(Tooltip::new().trigger(Trigger::Axis))
        .legend(Legend::new().top(0))
        .grid(Grid::new().left("3%").right("6%").top(40).bottom("3%").contain_label(true))
        .x_axis(Axis::new().type_(AxisType::Value).min_interval(1))
        .y_axis(Axis::new().type_(AxisType::Category).inverse(true).data(names));
    for (status, colour) in STATUSES.iter().zip(colours) {
        chart = chart.series(
            Bar::new()
                .name(t(&format!("publicinfo.complaints.status_{status}")))
                .stack("total")
                .item_style(ItemStyle::new().color(colour))
                .data(s.departments.iter().map(|d| d.count(status)).collect()),
        );
    }
    serde_json::to_string(&chart).unwrap_or_default()
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use super::*;
    use crate::db::testing::{AccountScope, TestApp};
    use crate::domain::accounts::Role;
    use crate::model::public_info::StepState;
    use crate::state::Clock;

    /// Inserts a complaint filed at `at` (epoch ms).
    #[allow(clippy::too_many_arguments)]
    async fn complaint(app: &TestApp, against: &str, dept: Option<&str>, procurement: Option<i64>, region: &str, industry: &str, status: &str, decision: Option<&str>, at: i64) {
        let firm: Option<i64> = if against == "firm" { sqlx::query_scalar("SELECT id FROM firms ORDER BY id LIMIT 1").fetch_optional(&app.state.pool).await.unwrap() } else { None };
        let owner: Option<i64> = if against == "owner" { sqlx::query_scalar("SELECT id FROM owners ORDER BY id LIMIT 1").fetch_optional(&app.state.pool).await.unwrap() } else { None };
        sqlx::query(
            "INSERT INTO complaints (filer_name, filer_phone, against_kind, firm_id, owner_id, department_code, procurement_id, region_code, industry_code, \
             subject, body, status, accept_due_at, decision, created_at, updated_at) \
             VALUES ('张三', '13800000000', $1, $2, $3, $4, $5, $6, $7, '测试投诉', '正文', $8, $9, $10, $9, $9)",
        )
        .bind(against)
        .bind(firm)
        .bind(owner)
        .bind(dept)
        .bind(procurement)
        .bind(region)
        .bind(industry)
        .bind(status)
        .bind(at)
        .bind(decision)
        .execute(&app.state.pool)
        .await
        .unwrap();
    }

    fn filter(from: &str, to: &str, region: &str) -> ComplaintStatsFilter {
        ComplaintStatsFilter { from: from.into(), to: to.into(), region: region.into() }
    }

    #[tokio::test]
    async fn complaints_are_counted_per_department_status_period_and_region() {
        let app = TestApp::new().await;
        let pool = &app.state.pool;
        sqlx::query("DELETE FROM complaint_events").execute(pool).await.unwrap();
        sqlx::query("DELETE FROM complaints").execute(pool).await.unwrap();
        let now = app.clock.now_ms();
        let day = 86_400_000;
        // a procurement of an HJ item (department HJBM), published in a Chengdu county
        let (pid, p_dept): (i64, String) = sqlx::query_as(
            "SELECT p.id, si.department_code FROM procurements p JOIN service_items si ON si.id = p.item_id WHERE si.department_code = 'HJBM' ORDER BY p.id LIMIT 1",
        )
        .fetch_one(pool)
        .await
        .unwrap();
        assert_eq!(p_dept, "HJBM");
        // against a department (ZRBM), in Chengdu: submitted, accepted, decided upheld
        complaint(&app, "department", Some("ZRBM"), None, "510104", "ZR", "submitted", None, now - day).await;
        complaint(&app, "department", Some("ZRBM"), None, "510104", "ZR", "accepted", None, now - 2 * day).await;
        complaint(&app, "department", Some("ZRBM"), None, "510100", "ZR", "decided", Some("upheld"), now - 3 * day).await;
        // against the owner of the HJ procurement (department from its item), in Mianyang: declined, decided dismissed ×2
        complaint(&app, "owner", None, Some(pid), "510700", "ZJ", "declined", None, now - day).await;
        complaint(&app, "owner", None, Some(pid), "510703", "ZJ", "decided", Some("dismissed"), now - day).await;
        complaint(&app, "owner", None, Some(pid), "510703", "ZJ", "decided", Some("dismissed"), now - day).await;
        // against a firm, naming nothing: the industry's department (ZJ → ZJBM)
        complaint(&app, "firm", None, None, "510104", "ZJ", "submitted", None, now - day).await;
        // two years ago: outside the default period
        complaint(&app, "department", Some("ZRBM"), None, "510104", "ZR", "submitted", None, now - 730 * day).await;

        app.new_session();
        let s = app.run(get_complaint_stats(Default::default())).await.unwrap();
        let by = |code: &str| s.departments.iter().find(|d| d.code == code).cloned().unwrap_or_default();
        let zr = by("ZRBM");
        assert_eq!((zr.submitted, zr.accepted, zr.declined, zr.upheld, zr.dismissed), (1, 1, 0, 1, 0));
        assert_eq!(zr.name, "自然资源部门");
        let hj = by("HJBM");
        assert_eq!((hj.submitted, hj.accepted, hj.declined, hj.upheld, hj.dismissed, hj.decided()), (0, 0, 1, 0, 2, 2));
        assert_eq!(by("ZJBM").submitted, 1, "a complaint naming no procurement: the industry's department");
        assert_eq!(s.total.total(), 7, "the old complaint is outside the last twelve months");
        assert_eq!(s.departments.len(), 3);
        assert_eq!(s.path.iter().map(|p| p.code.as_str()).collect::<Vec<_>>(), vec!["510000"]);
        assert!(s.children.iter().any(|c| c.code == "510100"), "the cities to narrow the view");
        assert!(s.chart.contains("\"stack\":\"total\"") && s.chart.contains("自然资源部门"), "a stacked bar per department");
        // nothing about the filers travels
        let json = serde_json::to_string(&s).unwrap();
        assert!(!json.contains("张三") && !json.contains("13800000000"));

        // a city: Chengdu only (its counties and the city itself)
        let c = app.run(get_complaint_stats(filter("", "", "510100"))).await.unwrap();
        assert_eq!(c.total.total(), 4);
        assert_eq!(c.departments.iter().map(|d| (d.code.as_str(), d.total())).collect::<Vec<_>>(), vec![("ZRBM", 3), ("ZJBM", 1)]);
        assert_eq!(c.path.iter().map(|p| p.code.as_str()).collect::<Vec<_>>(), vec!["510000", "510100"]);
        // a county
        let c = app.run(get_complaint_stats(filter("", "", "510703"))).await.unwrap();
        assert_eq!((c.total.total(), c.departments[0].code.as_str()), (2, "HJBM"));
        assert!(c.children.is_empty());
        // a period two years back: only the old complaint
        let old = crate::domain::time::date_shanghai(now - 730 * day)[..7].to_string();
        let c = app.run(get_complaint_stats(filter(&old, &old, ""))).await.unwrap();
        assert_eq!((c.total.total(), c.total.submitted), (1, 1));
        assert_eq!(c.filter.from, old);

        // bad input is named
        let e = app.run(get_complaint_stats(filter("2026-13", "", ""))).await.unwrap_err();
        assert_eq!(e, AppError::invalid("from", "publicinfo.complaints.error_month"));
        let e = app.run(get_complaint_stats(filter("", "2026/01", ""))).await.unwrap_err();
        assert_eq!(e, AppError::invalid("to", "publicinfo.complaints.error_month"));
        let e = app.run(get_complaint_stats(filter("2026-06", "2026-01", ""))).await.unwrap_err();
        assert_eq!(e, AppError::invalid("from", "publicinfo.complaints.error_range"));
        for bad in ["999999", "110000", "5101"] {
            let e = app.run(get_complaint_stats(filter("", "", bad))).await.unwrap_err();
            assert_eq!(e, AppError::invalid("region", "publicinfo.complaints.error_region"), "{bad}");
        }
    }

    #[tokio::test]
    async fn a_published_case_shows_its_public_steps_and_a_draft_is_not_found() {
        let app = TestApp::new().await;
        let pool = &app.state.pool;
        // a demo procurement that went all the way to a contract
        let code: String = sqlx::query_scalar(
            "SELECT p.code FROM procurements p JOIN contracts c ON c.procurement_id = p.id \
             WHERE c.signed_at IS NOT NULL AND c.status NOT IN ('lapsed', 'terminated') ORDER BY p.id LIMIT 1",
        )
        .fetch_one(pool)
        .await
        .unwrap();
        app.new_session();
        let s = app.run(lookup_case(code.to_lowercase())).await.unwrap();
        assert_eq!(s.code, code);
        let keys: Vec<&str> = s.steps.iter().map(|x| x.key.as_str()).collect();
        assert_eq!(keys, vec!["published", "deadline", "selection", "publicity", "signed", "delivered", "accepted", "paid"]);
        for done in ["published", "deadline", "selection", "signed"] {
            let step = s.steps.iter().find(|x| x.key == done).unwrap();
            assert_eq!(step.state, StepState::Done, "{done}");
            let at = step.at.as_deref().unwrap();
            assert!(at.len() == 16 && at.as_bytes()[10] == b' ', "Shanghai time {at}");
        }
        let published_at: i64 = sqlx::query_scalar("SELECT published_at FROM procurements WHERE code = $1").bind(&code).fetch_one(pool).await.unwrap();
        assert_eq!(s.steps[0].at, Some(crate::domain::time::format_shanghai(published_at)));
        assert!(!serde_json::to_string(&s).unwrap().contains("amount"), "no prices");

        // a draft is not found, as is an unknown code; a malformed code is named
        let draft = "ZJ20261199999";
        sqlx::query(
            "INSERT INTO procurements (code, title, owner_id, item_id, region_code, industry_code, funding, budget_fen, method, status, service_days, created_at, updated_at) \
             SELECT $1, '草稿项目', owner_id, item_id, region_code, industry_code, funding, budget_fen, method, 'draft', service_days, created_at, updated_at FROM procurements WHERE code = $2",
        )
        .bind(draft)
        .bind(&code)
        .execute(pool)
        .await
        .unwrap();
        for missing in [draft, "ZJ20990100001"] {
            let e = app.run(lookup_case(missing.into())).await.unwrap_err();
            assert_eq!(e, AppError::invalid("code", "publicinfo.lookup.error_not_found"), "{missing}");
        }
        assert_eq!(app.run(lookup_case("ZJ-1".into())).await.unwrap_err(), AppError::invalid("code", "publicinfo.lookup.error_code_format"));
        assert_eq!(app.run(lookup_case("  ".into())).await.unwrap_err(), AppError::invalid("code", "publicinfo.lookup.error_code_missing"));

        // signed in or not, the same answer
        let op = app.account("pi.op", Role::Operator, AccountScope::default()).await;
        app.sign_in_as(op).await;
        assert_eq!(app.run(lookup_case(code.clone())).await.unwrap(), s);
    }
}
