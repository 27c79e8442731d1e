//! Stage clocks against a real database with an injected clock: lights move
//! green → yellow → red as time passes, each change is recorded once and the
//! responsible party is notified once, even when refresh runs twice.
use super::*;
use crate::db::testing::{AccountScope, TestApp, TEST_NOW_MS};
use crate::domain::accounts::Role;
use crate::domain::time::DAY_MS;

/// A small market: one owner (锦江区), one firm, one selected procurement of
/// ZJFW-001 (industry FG, department FGBM) and its contract awaiting signature,
/// drafted now (Friday 2026-11-20 10:00).
pub(crate) struct Market {
    pub owner_id: i64,
    pub firm_id: i64,
    pub procurement_id: i64,
    pub contract_id: i64,
}

pub(crate) async fn market(app: &TestApp, tag: &str, region: &str) -> Market {
    let pool = &app.state.pool;
    let now = app.state.now_ms();
    let (owner_id,): (i64,) = sqlx::query_as(
        "INSERT INTO owners (name, credit_code, kind, region_code, created_at) VALUES ($1, $2, 'public_body', $3, $4) RETURNING id",
    )
    .bind(format!("时限测试业主{tag}"))
    .bind(format!("TL-OWNER-{tag}"))
    .bind(region)
    .bind(now)
    .fetch_one(pool)
    .await
    .unwrap();
    let (firm_id,): (i64,) = sqlx::query_as(
        "INSERT INTO firms (name, credit_code, region_code, address, legal_rep, contact_name, contact_phone, status, registered_at, updated_at) \
         VALUES ($1, $2, $3, '成都', '张三', '李四', '13800000000', 'active', $4, $4) RETURNING id",
    )
    .bind(format!("时限测试机构{tag}"))
    .bind(format!("TL-FIRM-{tag}"))
    .bind(region)
    .bind(now)
    .fetch_one(pool)
    .await
    .unwrap();
    let (procurement_id,): (i64,) = sqlx::query_as(
        "INSERT INTO procurements (code, title, owner_id, item_id, region_code, industry_code, funding, budget_fen, method, status, service_days, created_at, updated_at) \
         SELECT $1, '时限测试项目', $2, id, $3, industry_code, 'fiscal', 100000, 'direct', 'selected', 30, $4, $4 FROM service_items WHERE code = 'ZJFW-001' RETURNING id",
    )
    .bind(format!("TL-P-{tag}"))
    .bind(owner_id)
    .bind(region)
    .bind(now)
    .fetch_one(pool)
    .await
    .unwrap();
    let (contract_id,): (i64,) = sqlx::query_as(
        "INSERT INTO contracts (procurement_id, firm_id, owner_id, price_fen, status, created_at, code, updated_at) \
         VALUES ($1, $2, $3, 90000, 'drafted', $4, $5, $4) RETURNING id",
    )
    .bind(procurement_id)
    .bind(firm_id)
    .bind(owner_id)
    .bind(now)
    .bind(format!("TL-P-{tag}-HT1"))
    .fetch_one(pool)
    .await
    .unwrap();
    Market { owner_id, firm_id, procurement_id, contract_id }
}

async fn clock_of(app: &TestApp, kind: &str, key: &str, stage: &str) -> Option<ClockRow> {
    sqlx::query_as(&format!("SELECT {CLOCK_COLUMNS} FROM stage_clocks WHERE subject_kind = $1 AND subject_key = $2 AND stage = $3 ORDER BY id DESC"))
        .bind(kind)
        .bind(key)
        .bind(stage)
        .fetch_optional(&app.state.pool)
        .await
        .unwrap()
}

async fn changes(app: &TestApp, clock_id: i64) -> Vec<(Option<String>, String)> {
    sqlx::query_as("SELECT from_light, to_light FROM stage_light_changes WHERE clock_id = $1 ORDER BY id")
        .bind(clock_id)
        .fetch_all(&app.state.pool)
        .await
        .unwrap()
}

/// (user id, kind) of the light notifications, in order.
async fn light_notifications(app: &TestApp) -> Vec<(i64, String)> {
    sqlx::query_as("SELECT user_id, kind FROM notifications WHERE dedupe_key LIKE 'light:%' ORDER BY id")
        .fetch_all(&app.state.pool)
        .await
        .unwrap()
}

fn at(date: &str, hour: i64) -> i64 {
    crate::domain::time::parse_date(date).unwrap() * DAY_MS - crate::domain::time::SHANGHAI_OFFSET_MS + hour * 3_600_000
}

#[tokio::test]
async fn timelimits_a_contract_awaiting_signature_goes_green_yellow_red_and_the_owner_is_told_once() {
    let app = TestApp::with_demo(None).await;
    assert_eq!(TEST_NOW_MS, at("2026-11-20", 10), "Friday 10:00");
    let m = market(&app, "1", "510104").await;
    let other = market(&app, "2", "510104").await;
    let owner_user = app.account("tl.owner", Role::Owner, AccountScope { owner_id: Some(m.owner_id), ..Default::default() }).await;
    let other_owner = app.account("tl.owner2", Role::Owner, AccountScope { owner_id: Some(other.owner_id), ..Default::default() }).await;
    let firm_user = app.account("tl.firm", Role::Firm, AccountScope { firm_id: Some(m.firm_id), ..Default::default() }).await;
    let regulator = app
        .account("tl.reg", Role::Regulator, AccountScope { region_code: Some("510000"), industry_code: Some("FG"), ..Default::default() })
        .await;
    // the other market's contract is signed at once: only ours awaits signature
    sqlx::query("UPDATE contracts SET status = 'signed', signed_at = $1, due_at = $2 WHERE id = $3")
        .bind(TEST_NOW_MS)
        .bind(TEST_NOW_MS + 60 * DAY_MS)
        .bind(other.contract_id)
        .execute(&app.state.pool)
        .await
        .unwrap();

    let r = refresh(&app.state, app.state.now_ms()).await.unwrap();
    assert_eq!(r.opened, 2, "one signing clock and one service clock: {r:?}");
    let c = clock_of(&app, "contract", "TL-P-1-HT1", "signing").await.expect("a signing clock");
    assert_eq!((c.light.as_str(), c.responsible.as_str(), c.owner_id, c.firm_id), ("green", "owner", Some(m.owner_id), Some(m.firm_id)));
    assert_eq!(c.due_at, at("2026-11-27", 10), "5 working days from Friday");
    assert!(c.calendar_version > 0, "the official calendar's version is kept");
    assert_eq!(c.department_code.as_deref(), Some("FGBM"));
    let service = clock_of(&app, "contract", "TL-P-2-HT1", "service").await.unwrap();
    assert_eq!(service.due_at, TEST_NOW_MS + 60 * DAY_MS, "the service deadline is the contract's own");
    assert!(light_notifications(&app).await.is_empty(), "nothing to tell while green");

    // Wednesday: two working days left, still green
    app.clock.advance(5 * DAY_MS);
    assert_eq!(refresh(&app.state, app.state.now_ms()).await.unwrap().changed, 0);
    // Thursday: one working day left, yellow, told once even if refresh runs twice
    app.clock.advance(DAY_MS);
    let r = refresh(&app.state, app.state.now_ms()).await.unwrap();
    assert_eq!((r.changed, r.notified), (1, 1));
    let r = refresh(&app.state, app.state.now_ms()).await.unwrap();
    assert_eq!((r.changed, r.notified), (0, 0));
    assert_eq!(clock_of(&app, "contract", "TL-P-1-HT1", "signing").await.unwrap().light, "yellow");
    assert_eq!(light_notifications(&app).await, vec![(owner_user, "light_yellow".to_string())]);
    // Friday 10:00: the deadline, red
    app.clock.advance(DAY_MS);
    refresh(&app.state, app.state.now_ms()).await.unwrap();
    refresh(&app.state, app.state.now_ms()).await.unwrap();
    let c = clock_of(&app, "contract", "TL-P-1-HT1", "signing").await.unwrap();
    assert_eq!((c.light.as_str(), c.light_since), ("red", app.state.now_ms()));
    assert_eq!(
        changes(&app, c.id).await,
        vec![(None, "green".into()), (Some("green".into()), "yellow".into()), (Some("yellow".into()), "red".into())],
        "each change recorded once"
    );
    let sent = light_notifications(&app).await;
    assert_eq!(sent, vec![(owner_user, "light_yellow".to_string()), (owner_user, "light_red".to_string())]);
    for u in [other_owner, firm_user, regulator] {
        assert!(!sent.iter().any(|(id, _)| *id == u), "only the responsible owner's accounts");
    }
    let (title, link): (String, Option<String>) =
        sqlx::query_as("SELECT title, link FROM notifications WHERE kind = 'light_red'").fetch_one(&app.state.pool).await.unwrap();
    assert!(title.contains("合同签订"), "{title}");
    assert_eq!(link.as_deref(), Some("/contracts/TL-P-1-HT1"));

    // signing ends the stage: the clock closes red, the service clock opens green
    let now = app.state.now_ms();
    sqlx::query("UPDATE contracts SET status = 'signed', signed_at = $1, due_at = $2 WHERE id = $3")
        .bind(now)
        .bind(now + 30 * DAY_MS)
        .bind(m.contract_id)
        .execute(&app.state.pool)
        .await
        .unwrap();
    let r = refresh(&app.state, now).await.unwrap();
    assert_eq!((r.closed, r.opened), (1, 1));
    let c = clock_of(&app, "contract", "TL-P-1-HT1", "signing").await.unwrap();
    assert_eq!((c.closed_at, c.light.as_str()), (Some(now), "red"));
    let s = clock_of(&app, "contract", "TL-P-1-HT1", "service").await.unwrap();
    assert_eq!((s.light.as_str(), s.responsible.as_str(), s.closed_at), ("green", "firm", None));
    let _ = m.procurement_id;
}

#[tokio::test]
async fn timelimits_deadlines_keep_the_calendar_they_started_under_and_item_limits_win() {
    let app = TestApp::with_demo(None).await;
    market(&app, "1", "510104").await;
    refresh(&app.state, app.state.now_ms()).await.unwrap();
    let first = clock_of(&app, "contract", "TL-P-1-HT1", "signing").await.unwrap();
    assert_eq!(first.due_at, at("2026-11-27", 10));
    // a new calendar with a holiday on Tuesday 11-24 and a longer limit for the item
    crate::db::calendar::import(&app.state.pool, "date,kind,name\n2026-11-24,holiday,测试假日\n", "测试", None, app.state.now_ms()).await.unwrap().unwrap();
    let operator = app.account("tl.ops", Role::Operator, AccountScope::default()).await;
    save_limit(&app.state.pool, Stage::Signing, "ZJFW-001", 10, 2, operator, app.state.now_ms()).await.unwrap();
    market(&app, "2", "510104").await;
    refresh(&app.state, app.state.now_ms()).await.unwrap();
    let again = clock_of(&app, "contract", "TL-P-1-HT1", "signing").await.unwrap();
    assert_eq!((again.id, again.due_at, again.calendar_version), (first.id, first.due_at, first.calendar_version), "started under the old calendar");
    let second = clock_of(&app, "contract", "TL-P-2-HT1", "signing").await.unwrap();
    assert!(second.calendar_version > first.calendar_version);
    // 10 working days from Friday 11-20, skipping Tuesday's holiday: Monday 12-07
    assert_eq!(second.due_at, at("2026-12-07", 10));
    // the item's warning (2 days) applies: on Thursday 12-03 two working days are left
    app.clock.advance(at("2026-12-03", 10) - TEST_NOW_MS);
    refresh(&app.state, app.state.now_ms()).await.unwrap();
    assert_eq!(clock_of(&app, "contract", "TL-P-2-HT1", "signing").await.unwrap().light, "yellow");
}

#[tokio::test]
async fn timelimits_a_complaint_not_accepted_in_time_turns_red_for_the_regulators_of_its_industry_and_region() {
    let app = TestApp::with_demo(None).await;
    let m = market(&app, "1", "510104").await;
    let now = app.state.now_ms();
    sqlx::query(
        "INSERT INTO complaints (against_kind, owner_id, procurement_id, region_code, industry_code, subject, body, status, accept_due_at, created_at, updated_at) \
         VALUES ('owner', $1, $2, '510104', 'FG', '未按时签约', '业主迟迟不签合同', 'submitted', $3, $3, $3)",
    )
    .bind(m.owner_id)
    .bind(m.procurement_id)
    .bind(now)
    .execute(&app.state.pool)
    .await
    .unwrap();
    let province_fg = app.account("tl.fg", Role::Regulator, AccountScope { region_code: Some("510000"), industry_code: Some("FG"), ..Default::default() }).await;
    let city_fg = app.account("tl.fg.cd", Role::Regulator, AccountScope { region_code: Some("510100"), industry_code: Some("FG"), ..Default::default() }).await;
    let other_city = app.account("tl.fg.my", Role::Regulator, AccountScope { region_code: Some("510700"), industry_code: Some("FG"), ..Default::default() }).await;
    let other_industry = app.account("tl.zj", Role::Regulator, AccountScope { region_code: Some("510000"), industry_code: Some("ZJ"), ..Default::default() }).await;
    refresh(&app.state, now).await.unwrap();
    let c = sqlx::query_as::<_, ClockRow>(&format!("SELECT {CLOCK_COLUMNS} FROM stage_clocks WHERE subject_kind = 'complaint'")).fetch_one(&app.state.pool).await.unwrap();
    assert_eq!((c.stage.as_str(), c.responsible.as_str(), c.department_code.as_deref()), ("complaint_acceptance", "department", Some("FGBM")));
    app.clock.advance(10 * DAY_MS);
    refresh(&app.state, app.state.now_ms()).await.unwrap();
    let told: Vec<i64> = sqlx::query_scalar("SELECT user_id FROM notifications WHERE dedupe_key = $1 ORDER BY user_id")
        .bind(format!("light:{}:red", c.id))
        .fetch_all(&app.state.pool)
        .await
        .unwrap();
    assert_eq!(told, vec![province_fg, city_fg]);
    assert!(!told.contains(&other_city) && !told.contains(&other_industry));
}

#[tokio::test]
async fn timelimits_an_approval_case_gets_a_clock_per_stage_for_its_department() {
    let app = TestApp::with_demo(None).await;
    let pool = &app.state.pool;
    let now = app.state.now_ms();
    let (platform,): (i64,) = sqlx::query_as("INSERT INTO approval_platforms (code, name, created_at) VALUES ('TL', '测试审批平台', $1) RETURNING id")
        .bind(now)
        .fetch_one(pool)
        .await
        .unwrap();
    let (case_id,): (i64,) = sqlx::query_as(
        "INSERT INTO approval_cases (platform_id, case_no, title, applicant, region_code, department_code, item_code, stage, stage_started_at, received_at, updated_at) \
         VALUES ($1, 'SP-001', '某项目可研审批', '某公司', '510104', 'FGBM', NULL, 'received', $2, $2, $2) RETURNING id",
    )
    .bind(platform)
    .bind(now)
    .fetch_one(pool)
    .await
    .unwrap();
    let fg = app.account("tl.fg", Role::Regulator, AccountScope { region_code: Some("510100"), industry_code: Some("FG"), ..Default::default() }).await;
    // FGBM approves items of FG and ZJ; SL is another department's
    let sl = app.account("tl.sl", Role::Regulator, AccountScope { region_code: Some("510100"), industry_code: Some("SL"), ..Default::default() }).await;
    let zj = app.account("tl.zj", Role::Regulator, AccountScope { region_code: Some("510100"), industry_code: Some("ZJ"), ..Default::default() }).await;
    refresh(&app.state, now).await.unwrap();
    let key = case_id.to_string();
    let c = clock_of(&app, "approval_case", &key, "approval_received").await.unwrap();
    assert_eq!((c.responsible.as_str(), c.department_code.as_deref(), c.subject_label.as_str()), ("department", Some("FGBM"), "SP-001 某项目可研审批"));
    assert_eq!(c.due_at, at("2026-11-24", 10), "2 working days from Friday");
    // accepted on Monday: the received clock closes, the accepted one starts
    let monday = at("2026-11-23", 10);
    app.clock.advance(monday - now);
    sqlx::query("UPDATE approval_cases SET stage = 'accepted', stage_started_at = $1, updated_at = $1 WHERE id = $2").bind(monday).bind(case_id).execute(pool).await.unwrap();
    let r = refresh(&app.state, monday).await.unwrap();
    assert_eq!((r.closed, r.opened), (1, 1));
    assert!(clock_of(&app, "approval_case", &key, "approval_received").await.unwrap().closed_at.is_some());
    // overdue: the department's regulators (the industries of its items) are told, once
    app.clock.advance(10 * DAY_MS);
    refresh(&app.state, app.state.now_ms()).await.unwrap();
    refresh(&app.state, app.state.now_ms()).await.unwrap();
    let told: Vec<(i64, String)> = light_notifications(&app).await;
    assert_eq!(told, vec![(fg, "light_red".to_string()), (zj, "light_red".to_string())]);
    assert!(!told.iter().any(|(u, _)| *u == sl));
}

#[tokio::test]
async fn timelimits_the_demo_market_has_open_stages_and_a_second_refresh_changes_nothing() {
    let app = TestApp::new().await;
    let started = std::time::Instant::now();
    let first = refresh(&app.state, app.state.now_ms()).await.unwrap();
    assert!(first.opened > 0, "{first:?}");
    let (open, red): (i64, i64) = sqlx::query_as(
        "SELECT CAST(COUNT(*) AS BIGINT), CAST(COALESCE(SUM(CASE WHEN light = 'red' THEN 1 ELSE 0 END), 0) AS BIGINT) FROM stage_clocks WHERE closed_at IS NULL",
    )
    .fetch_one(&app.state.pool)
    .await
    .unwrap();
    assert_eq!(open as usize, first.opened);
    eprintln!("demo market: {open} open stages, {red} red");
    let again = refresh(&app.state, app.state.now_ms()).await.unwrap();
    assert_eq!(again, RefreshReport::default(), "nothing new, nothing changed, nobody told twice");
    eprintln!("demo refresh: {first:?} in {:?}", started.elapsed());
}

#[tokio::test]
async fn timelimits_backfill_gives_finished_stages_a_closed_clock_with_the_light_they_finished_with_once() {
    let app = TestApp::with_demo(None).await;
    let pool = &app.state.pool;
    let now = app.state.now_ms();
    // a contract that ran its course before the clocks existed
    let done = market(&app, "BF1", "510104").await;
    sqlx::query(
        "UPDATE contracts SET status = 'completed', created_at = $2, signed_at = $3, due_at = $4, delivered_at = $5, accepted_at = $6, completed_at = $7 WHERE id = $1",
    )
    .bind(done.contract_id)
    .bind(at("2026-10-12", 10)) // Monday
    .bind(at("2026-10-13", 10)) // signed the next day: on time (5 working days)
    .bind(at("2026-10-30", 18)) // agreed service end
    .bind(at("2026-10-29", 10)) // delivered before it
    .bind(at("2026-11-19", 10)) // accepted 15 working days later: limit 10, late
    .bind(at("2026-11-20", 9)) // paid in full the next day
    .execute(pool)
    .await
    .unwrap();
    // a contract the lights already watch: its signing clock is open
    let open = market(&app, "BF2", "510104").await;
    refresh(&app.state, now).await.unwrap();
    let watched = clock_of(&app, "contract", "TL-P-BF2-HT1", "signing").await.expect("the refresh opened it");
    // a concluded approval case reported by events
    let (platform,): (i64,) = sqlx::query_as("INSERT INTO approval_platforms (code, name, created_at) VALUES ('BF', '测试审批平台', $1) RETURNING id")
        .bind(now)
        .fetch_one(pool)
        .await
        .unwrap();
    let (case_id,): (i64,) = sqlx::query_as(
        "INSERT INTO approval_cases (platform_id, case_no, title, applicant, region_code, department_code, item_code, stage, stage_started_at, received_at, concluded_at, updated_at) \
         VALUES ($1, 'SP-BF', '某项目环评审批', '某公司', '510104', 'FGBM', NULL, 'concluded', $2, $3, $2, $2) RETURNING id",
    )
    .bind(platform)
    .bind(at("2026-11-13", 10))
    .bind(at("2026-11-02", 10))
    .fetch_one(pool)
    .await
    .unwrap();
    for (i, (stage, day)) in [("received", "2026-11-02"), ("accepted", "2026-11-03"), ("reviewing", "2026-11-04"), ("concluded", "2026-11-13")].into_iter().enumerate() {
        sqlx::query(
            "INSERT INTO approval_events (platform_id, event_id, case_id, case_no, stage, event_at, received_at, payload, payload_hash) \
             VALUES ($1, $2, $3, 'SP-BF', $4, $5, $5, '{}', 'x')",
        )
        .bind(platform)
        .bind(format!("bf-{i}"))
        .bind(case_id)
        .bind(stage)
        .bind(at(day, 10))
        .execute(pool)
        .await
        .unwrap();
    }

    let added = backfill(&app.state).await.unwrap();
    assert_eq!(added, 4 + 3, "four contract stages and three approval stages; the watched contract has nothing finished");
    let key = "TL-P-BF1-HT1";
    let signing = clock_of(&app, "contract", key, "signing").await.unwrap();
    assert_eq!((signing.light.as_str(), signing.closed_at, signing.responsible.as_str()), ("green", Some(at("2026-10-13", 10)), "owner"));
    assert_eq!(signing.due_at, at("2026-10-19", 10), "5 working days from Monday");
    let service = clock_of(&app, "contract", key, "service").await.unwrap();
    assert_eq!(service.due_at, at("2026-10-30", 18), "the agreed service end is the deadline");
    assert_eq!(service.light, "yellow", "delivered in its last working day: on time, but yellow");
    assert!(service.closed_at.unwrap() <= service.due_at);
    let acceptance = clock_of(&app, "contract", key, "acceptance").await.unwrap();
    assert_eq!((acceptance.light.as_str(), acceptance.responsible.as_str()), ("red", "owner"));
    assert!(acceptance.closed_at.unwrap() > acceptance.due_at);
    assert_eq!(changes(&app, acceptance.id).await, vec![(None, "red".to_string())], "one entry: the light it finished with");
    assert_eq!(clock_of(&app, "contract", key, "payment").await.unwrap().light, "green");
    let reviewing = clock_of(&app, "approval_case", &case_id.to_string(), "approval_reviewing").await.unwrap();
    assert_eq!((reviewing.started_at, reviewing.closed_at, reviewing.department_code.as_deref()), (at("2026-11-04", 10), Some(at("2026-11-13", 10)), Some("FGBM")));
    assert_eq!(reviewing.light, "green", "7 working days of 20");
    // the open clock is untouched and nobody is told about the past
    let still = clock_of(&app, "contract", "TL-P-BF2-HT1", "signing").await.unwrap();
    assert_eq!((still.id, still.closed_at), (watched.id, None));
    assert!(light_notifications(&app).await.iter().all(|(u, _)| *u != done.owner_id && *u != open.owner_id));
    let (notified,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM notifications").fetch_one(pool).await.unwrap();
    assert_eq!(notified, 0);

    // a second run adds nothing; a refresh leaves the closed clocks closed
    assert_eq!(backfill(&app.state).await.unwrap(), 0);
    refresh(&app.state, now).await.unwrap();
    assert_eq!(clock_of(&app, "contract", key, "acceptance").await.unwrap().id, acceptance.id);
    let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM stage_clocks WHERE subject_key = $1").bind(key).fetch_one(pool).await.unwrap();
    assert_eq!(n, 4);
}

#[test]
fn timelimits_a_stage_older_than_every_calendar_uses_the_first_one() {
    let versions = [(2, 2_000), (5, 5_000)];
    assert_eq!(backfill::version_at(&versions, 1_000), 2);
    assert_eq!(backfill::version_at(&versions, 2_000), 2);
    assert_eq!(backfill::version_at(&versions, 9_000), 5);
    assert_eq!(backfill::version_at(&[], 9_000), 0);
}
