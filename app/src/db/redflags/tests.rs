//! The nightly red-flag run over the database (SQLite, and PostgreSQL with
//! `ZJCS_TEST_DATABASE`): a hand-made pair of procurements on top of the small
//! demo market raises R018 and R028 once each however often the run repeats;
//! inspectors close cases within their scope, and a closed case stays closed.
use super::*;
use crate::api::redflags::{close_redflag_case, list_redflag_cases};
use crate::db::testing::{AccountScope, TestApp};
use crate::domain::accounts::Role;
use crate::error::AppError;

const YUAN: i64 = 100;

struct Fixture {
    app: TestApp,
    /// random draw with a single participant (R018)
    single: i64,
    /// price competition where two firms quote 95,000.00 (R028)
    same_price: i64,
}

async fn id(app: &TestApp, sql: &str, binds: Vec<crate::db::sql::Arg>) -> i64 {
    let mut s = crate::db::sql::Sql::new("");
    let parts: Vec<&str> = sql.split('?').collect();
    for (i, p) in parts.iter().enumerate() {
        s.push(p);
        if i + 1 < parts.len() {
            s.bind(binds[i].clone());
        }
    }
    s.push(" RETURNING id");
    let (id,): (i64,) = s.query_as().fetch_one(&app.state.pool).await.unwrap();
    id
}

async fn fixture() -> Fixture {
    use crate::db::sql::Arg::{Int as I, Text as T};
    let app = TestApp::new().await;
    let now = app.state.now_ms();
    let pool = &app.state.pool;
    let item: i64 = sqlx::query_scalar("SELECT id FROM service_items WHERE industry_code = 'ZJ' ORDER BY code LIMIT 1").fetch_one(pool).await.unwrap();
    let owner = id(&app, "INSERT INTO owners (name, credit_code, kind, region_code, created_at) VALUES ('锦江区红旗测试局', '11510104RF0000001X', 'public_body', '510104', ?)", vec![I(now)]).await;
    let mut firms = Vec::new();
    for (k, name) in ["红旗甲咨询公司", "红旗乙咨询公司", "红旗丙咨询公司"].iter().enumerate() {
        firms.push(
            id(
                &app,
                "INSERT INTO firms (name, credit_code, region_code, address, legal_rep, contact_name, contact_phone, status, registered_at, updated_at) \
                 VALUES (?, ?, '510104', ?, '张三', '李四', ?, 'active', ?, ?)",
                vec![T(name.to_string()), T(format!("91510104RF000000{k}A")), T(format!("锦江区红旗路{}号", k + 1)), T(format!("028-8666000{k}")), I(now), I(now)],
            )
            .await,
        );
    }
    let published = now - 30 * DAY_MS;
    let deadline = published + 10 * DAY_MS;
    let proc = |code: &'static str, method: &'static str, status: &'static str| {
        let app = &app;
        async move {
            id(
                app,
                "INSERT INTO procurements (code, title, owner_id, item_id, region_code, industry_code, funding, budget_fen, method, status, \
                 service_days, published_at, deadline_at, closed_at, created_at, updated_at) VALUES (?, '红旗测试项目', ?, ?, '510104', 'ZJ', 'fiscal', ?, ?, ?, 30, ?, ?, ?, ?, ?)",
                vec![T(code.into()), I(owner), I(item), I(100_000 * YUAN), T(method.into()), T(status.into()), I(published), I(deadline), I(deadline), I(published), I(deadline)],
            )
            .await
        }
    };
    let single = proc("RF2026-001", "random_draw", "failed").await;
    let same_price = proc("RF2026-002", "price_competition", "selected").await;
    id(&app, "INSERT INTO participations (procurement_id, firm_id, status, registered_at) VALUES (?, ?, 'registered', ?)", vec![I(single), I(firms[0]), I(published + DAY_MS)]).await;
    for (k, amount) in [95_000, 95_000, 99_000].iter().enumerate() {
        let at = published + (k as i64 + 1) * DAY_MS;
        id(&app, "INSERT INTO participations (procurement_id, firm_id, status, registered_at) VALUES (?, ?, 'registered', ?)", vec![I(same_price), I(firms[k]), I(at)]).await;
        id(&app, "INSERT INTO quotes (procurement_id, firm_id, amount_fen, submitted_at) VALUES (?, ?, ?, ?)", vec![I(same_price), I(firms[k]), I(amount * YUAN), I(at)]).await;
    }
    id(
        &app,
        "INSERT INTO awards (procurement_id, firm_id, amount_fen, reason, awarded_at, status) VALUES (?, ?, ?, '有效报价最低者中选', ?, 'final')",
        vec![I(same_price), I(firms[0]), I(95_000 * YUAN), I(deadline + DAY_MS)],
    )
    .await;
    Fixture { app, single, same_price }
}

/// (id, status, detail) of the cases of `code` on procurement `pid`.
async fn cases(app: &TestApp, code: &str, pid: i64) -> Vec<(i64, String, String)> {
    sqlx::query_as("SELECT id, status, detail FROM redflag_cases WHERE code = $1 AND subject_key = $2 ORDER BY id")
        .bind(code)
        .bind(format!("p:{pid}"))
        .fetch_all(&app.state.pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn the_nightly_run_opens_one_case_per_flag_and_never_reopens_a_closed_one() {
    let Fixture { app, single, same_price } = fixture().await;
    let now = app.state.now_ms();

    let first = run(&app.state, now).await.unwrap();
    assert!(first >= 2, "R018 and R028 at least: {first}");
    app.clock.advance(60_000);
    let second = run(&app.state, now + 60_000).await.unwrap();
    assert_eq!(second, 0, "the same flags again open nothing new");

    let r018 = cases(&app, "R018", single).await;
    assert_eq!(r018.len(), 1, "{r018:?}");
    assert_eq!(r018[0].1, "open");
    assert!(r018[0].2.contains("RF2026-001") && r018[0].2.contains("仅 1 家") && r018[0].2.contains("红旗甲咨询公司"), "{}", r018[0].2);
    let r028 = cases(&app, "R028", same_price).await;
    assert_eq!(r028.len(), 1, "{r028:?}");
    assert!(r028[0].2.contains("红旗甲咨询公司、红旗乙咨询公司") && r028[0].2.contains("95,000.00 元") && !r028[0].2.contains("红旗丙"), "{}", r028[0].2);
    let (first_at, last_at, region, industry): (i64, i64, String, String) =
        sqlx::query_as("SELECT first_raised_at, last_raised_at, region_code, industry_code FROM redflag_cases WHERE id = $1")
            .bind(r018[0].0)
            .fetch_one(&app.state.pool)
            .await
            .unwrap();
    assert_eq!((first_at, last_at), (now, now + 60_000), "the second run refreshed the open case");
    assert_eq!((region.as_str(), industry.as_str()), ("510104", "ZJ"));

    // a regulator of another region does not find the case; one of 成都市 closes it
    let elsewhere = app.account("rf.zigong", Role::Regulator, AccountScope { region_code: Some("510300"), industry_code: Some("ZJ"), ..Default::default() }).await;
    let chengdu = app.account("rf.chengdu", Role::Regulator, AccountScope { region_code: Some("510100"), industry_code: Some("ZJ"), ..Default::default() }).await;
    let other_industry = app.account("rf.hj", Role::Regulator, AccountScope { region_code: Some("510100"), industry_code: Some("HJ"), ..Default::default() }).await;
    let case = r018[0].0;
    app.sign_in_as(elsewhere).await;
    assert!(matches!(app.run(close_redflag_case(case, "已核实,系正常情况".into())).await, Err(AppError::NotFound)));
    let listed = app.run(list_redflag_cases("".into(), "".into(), 1)).await.unwrap();
    assert!(listed.items.iter().all(|c| c.id != case), "not in the other region's list");
    app.sign_in_as(other_industry).await;
    assert!(matches!(app.run(close_redflag_case(case, "已核实,系正常情况".into())).await, Err(AppError::NotFound)));

    app.sign_in_as(chengdu).await;
    let err = app.run(close_redflag_case(case, " 好 ".into())).await.unwrap_err();
    assert_eq!(err, AppError::invalid("finding", "redflags.error_finding"), "a finding of fewer than 5 characters");
    let open = app.run(list_redflag_cases("open".into(), "R018".into(), 1)).await.unwrap();
    assert!(open.items.iter().any(|c| c.id == case && c.procurement_code.as_deref() == Some("RF2026-001")));
    assert!(open.items.iter().all(|c| c.code == "R018" && c.status == "open"));
    app.run(close_redflag_case(case, "经核查,该项目仅一家机构报名系因专业性强,已责令业主扩大公告范围".into())).await.unwrap();
    let err = app.run(close_redflag_case(case, "再次关闭的结论".into())).await.unwrap_err();
    assert_eq!(err, AppError::invalid("finding", "redflags.error_closed"));

    let closed = app.run(list_redflag_cases("closed".into(), "".into(), 1)).await.unwrap();
    let c = closed.items.iter().find(|c| c.id == case).expect("in the closed list");
    assert_eq!((c.status.as_str(), c.closed_by_name.as_deref()), ("closed", Some("rf.chengdu")));
    assert!(c.finding.as_deref().is_some_and(|f| f.contains("扩大公告范围")));
    let open = app.run(list_redflag_cases("open".into(), "".into(), 1)).await.unwrap();
    assert!(open.items.iter().all(|c| c.id != case && c.status == "open"));
    assert!(open.items.iter().any(|c| c.code == "R028" && c.procurement_code.as_deref() == Some("RF2026-002")));
    let err = app.run(list_redflag_cases("stale".into(), "".into(), 1)).await.unwrap_err();
    assert_eq!(err, AppError::invalid("status", "redflags.error_status"));
    let err = app.run(list_redflag_cases("".into(), "R999".into(), 1)).await.unwrap_err();
    assert_eq!(err, AppError::invalid("code", "redflags.error_code"));

    // the third run: the flag is raised again, the closed case stays closed and no new one opens
    app.clock.advance(DAY_MS);
    run(&app.state, now + 2 * DAY_MS).await.unwrap();
    let r018 = cases(&app, "R018", single).await;
    assert_eq!(r018.len(), 1, "{r018:?}");
    assert_eq!(r018[0].1, "closed");
    assert_eq!(cases(&app, "R028", same_price).await.len(), 1);
}

#[tokio::test]
async fn operators_see_every_case_and_pages_hold_twenty() {
    let Fixture { app, .. } = fixture().await;
    let now = app.state.now_ms();
    run(&app.state, now).await.unwrap();
    let total: i64 = sqlx::query_scalar("SELECT CAST(COUNT(*) AS BIGINT) FROM redflag_cases").fetch_one(&app.state.pool).await.unwrap();
    let operator = app.account("rf.operator", Role::Operator, AccountScope::default()).await;
    app.sign_in_as(operator).await;
    let page = app.run(list_redflag_cases("".into(), "".into(), 1)).await.unwrap();
    assert_eq!(page.total, total as u64);
    assert_eq!(page.items.len(), (total as usize).min(20));
    assert!(matches!(app.run(close_redflag_case(i64::MAX, "不存在的案件".into())).await, Err(AppError::NotFound)));
    let leader = app.account("rf.leader", Role::Leader, AccountScope { region_code: Some("510000"), ..Default::default() }).await;
    app.sign_in_as(leader).await;
    assert!(matches!(app.run(list_redflag_cases("".into(), "".into(), 1)).await, Err(AppError::Forbidden)));
}

/// The small demo market raises cases at start-up (db::nightly runs at start).
#[tokio::test]
async fn the_demo_market_raises_cases() {
    let app = TestApp::new().await;
    let now = app.state.now_ms();
    let opened = run(&app.state, now).await.unwrap();
    let by_code: Vec<(String, i64)> = sqlx::query_as("SELECT code, CAST(COUNT(*) AS BIGINT) FROM redflag_cases GROUP BY code ORDER BY code")
        .fetch_all(&app.state.pool)
        .await
        .unwrap();
    println!("demo market red flags: {by_code:?}");
    assert!(opened >= 1, "{by_code:?}");
    assert_eq!(by_code.iter().map(|c| c.1).sum::<i64>(), opened as i64);
    // every case has a region, and procurement cases their industry
    let (missing,): (i64,) = sqlx::query_as(
        "SELECT CAST(COUNT(*) AS BIGINT) FROM redflag_cases WHERE region_code = '' OR (subject_kind = 'procurement' AND industry_code = '')",
    )
    .fetch_one(&app.state.pool)
    .await
    .unwrap();
    assert_eq!(missing, 0);
}
