//! Complaints at the server-function level with the injected clock: filing by
//! each kind of filer (field errors), routing to the responsible regulator,
//! accept / decline / decide and their due dates, and escalated objections.
use super::complaints::*;
use crate::db::testing::{AccountScope, TestApp};
use crate::domain::accounts::Role;
use crate::domain::calendar::WorkCalendar;
use crate::domain::complaint::{ACCEPT_WORKING_DAYS, DECIDE_WORKING_DAYS};
use crate::error::AppError;

struct World {
    app: TestApp,
    firm: (i64, String, String, i64),
    other_firm_user: i64,
    owner: (i64, String, i64),
    industry: String,
    other_industry: String,
    regulator: i64,
    wrong_industry_regulator: i64,
    wrong_region_regulator: i64,
}

fn now(app: &TestApp) -> i64 {
    crate::state::Clock::now_ms(&*app.clock)
}

async fn world() -> World {
    let app = TestApp::new().await;
    let pool = &app.state.pool;
    let firms: Vec<(i64, String, String)> =
        sqlx::query_as("SELECT id, credit_code, region_code FROM firms WHERE status = 'active' ORDER BY id LIMIT 2").fetch_all(pool).await.unwrap();
    let firm_user = app.account("complaints.firm", Role::Firm, AccountScope { firm_id: Some(firms[0].0), ..Default::default() }).await;
    let other_firm_user = app.account("complaints.firm2", Role::Firm, AccountScope { firm_id: Some(firms[1].0), ..Default::default() }).await;
    let (owner_id, owner_code): (i64, String) = sqlx::query_as("SELECT id, credit_code FROM owners ORDER BY id LIMIT 1").fetch_one(pool).await.unwrap();
    let owner_user = app.account("complaints.owner", Role::Owner, AccountScope { owner_id: Some(owner_id), ..Default::default() }).await;
    let industries: Vec<(String,)> = sqlx::query_as("SELECT code FROM industries ORDER BY code LIMIT 2").fetch_all(pool).await.unwrap();
    let (industry, other_industry) = (industries[0].0.clone(), industries[1].0.clone());
    let region = firms[0].2.clone();
    let province = crate::domain::region::PROVINCE;
    let regulator = app.account("complaints.reg", Role::Regulator, AccountScope { region_code: Some(province), industry_code: Some(&industry), ..Default::default() }).await;
    let wrong_industry_regulator =
        app.account("complaints.reg2", Role::Regulator, AccountScope { region_code: Some(province), industry_code: Some(&other_industry), ..Default::default() }).await;
    // a county regulator of the right industry in another county
    let elsewhere: String = sqlx::query_scalar("SELECT code FROM regions WHERE level = 3 AND code <> $1 AND code NOT LIKE $2 ORDER BY code LIMIT 1")
        .bind(&region)
        .bind(format!("{}%", &region[..4]))
        .fetch_one(pool)
        .await
        .unwrap();
    let wrong_region_regulator =
        app.account("complaints.reg3", Role::Regulator, AccountScope { region_code: Some(&elsewhere), industry_code: Some(&industry), ..Default::default() }).await;
    let (fid, fcode, fregion) = firms[0].clone();
    World {
        app,
        firm: (fid, fcode, fregion, firm_user),
        other_firm_user,
        owner: (owner_id, owner_code, owner_user),
        industry,
        other_industry,
        regulator,
        wrong_industry_regulator,
        wrong_region_regulator,
    }
}

fn form(fields: &[(&str, &str)], pdf: bool) -> leptos::server_fn::codec::MultipartData {
    super::files::testing::form(fields, pdf.then_some(("file", "证据.pdf", "application/pdf", super::files::testing::PDF)))
}

const SUBJECT: &str = "收费超出公示标准";
const BODY: &str = "该机构在服务中收取的费用明显超出其公示的收费标准，请核查。";

#[tokio::test]
async fn a_member_of_the_public_files_with_name_and_phone_and_each_bad_field_is_named() {
    let w = world().await;
    let app = &w.app;
    app.new_session();
    let base = |over: &[(&'static str, &'static str)]| -> Vec<(&'static str, String)> {
        let mut v: Vec<(&'static str, String)> = vec![
            ("name", "张三".into()),
            ("phone", "138-0000-1234".into()),
            ("against", "firm".into()),
            ("target", w.firm.1.clone()),
            ("industry", w.industry.clone()),
            ("subject", SUBJECT.into()),
            ("body", BODY.into()),
        ];
        for (k, val) in over {
            v.retain(|(kk, _)| kk != k);
            v.push((k, val.to_string()));
        }
        v
    };
    let call = |fields: Vec<(&'static str, String)>| {
        let f: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
        file_complaint(form(&f, false))
    };
    for (over, field, key) in [
        (vec![("name", "")], "name", "complaints.name_invalid"),
        (vec![("phone", "12ab")], "phone", "complaints.phone_invalid"),
        (vec![("against", "mayor")], "against", "complaints.against_invalid"),
        (vec![("industry", "NOPE")], "industry", "complaints.industry_invalid"),
        (vec![("subject", "短")], "subject", "complaints.subject_invalid"),
        (vec![("body", "太短")], "body", "complaints.body_invalid"),
        (vec![("target", "")], "target", "complaints.target_missing"),
        (vec![("target", "不存在的某某公司XYZ")], "target", "complaints.target_not_found"),
        (vec![("against", "department"), ("target", "no-such-dept")], "target", "complaints.target_not_found"),
        (vec![("region", "999999")], "region", "complaints.region_invalid"),
    ] {
        assert_eq!(app.run(call(base(&over))).await, Err(AppError::invalid(field, key)), "{over:?}");
    }
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM complaints").fetch_one(&app.state.pool).await.unwrap();
    assert_eq!(n, 0, "nothing stored for a refused form");

    // with an attachment; routed to the firm's region and the chosen industry
    let fields = base(&[]);
    let f: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let id = app.run(file_complaint(form(&f, true))).await.unwrap();
    let (status, region, industry, phone, due, file): (String, String, String, Option<String>, i64, Option<i64>) =
        sqlx::query_as("SELECT status, region_code, industry_code, filer_phone, accept_due_at, file_id FROM complaints WHERE id = $1")
            .bind(id)
            .fetch_one(&app.state.pool)
            .await
            .unwrap();
    assert_eq!((status.as_str(), region.as_str(), industry.as_str(), phone.as_deref()), ("submitted", w.firm.2.as_str(), w.industry.as_str(), Some("13800001234")));
    assert_eq!(due, WorkCalendar::weekends_only().add_working_days(now(app), ACCEPT_WORKING_DAYS));
    assert!(file.is_some());
    // the responsible regulator sees it with the filer's contact; others get 404
    app.sign_in_as(w.regulator).await;
    let q = app.run(get_complaint_queue(None, None)).await.unwrap();
    assert_eq!(q.rows.iter().map(|r| r.id).collect::<Vec<_>>(), vec![id]);
    let d = app.run(get_complaint(id)).await.unwrap();
    assert!(d.can_act);
    assert_eq!((d.filer_name.as_deref(), d.filer_phone.as_deref()), (Some("张三"), Some("13800001234")));
    assert_eq!(d.file_name.as_deref(), Some("证据.pdf"));
    for other in [w.wrong_industry_regulator, w.wrong_region_regulator, w.other_firm_user, w.firm.3] {
        app.sign_in_as(other).await;
        assert_eq!(app.run(get_complaint(id)).await, Err(AppError::NotFound));
        let expected = if other == w.other_firm_user || other == w.firm.3 { AppError::Forbidden } else { AppError::NotFound };
        assert_eq!(app.run(act_on_complaint(id, "accept".into(), None)).await, Err(expected));
    }
    app.sign_in_as(w.wrong_industry_regulator).await;
    assert!(app.run(get_complaint_queue(None, None)).await.unwrap().rows.is_empty());
    app.sign_in_as(w.wrong_region_regulator).await;
    assert!(app.run(get_complaint_queue(None, None)).await.unwrap().rows.is_empty());
    let _ = w.other_industry;
}

#[tokio::test]
async fn owners_and_firms_file_under_their_account_and_see_their_own_list() {
    let w = world().await;
    let app = &w.app;
    // an owner against a firm (by name search)
    let firm_name: String = sqlx::query_scalar("SELECT name FROM firms WHERE id = $1").bind(w.firm.0).fetch_one(&app.state.pool).await.unwrap();
    app.sign_in_as(w.owner.2).await;
    let id = app
        .run(file_complaint(form(&[("against", "firm"), ("target", &firm_name), ("industry", &w.industry), ("subject", SUBJECT), ("body", BODY)], false)))
        .await
        .unwrap();
    let mine = app.run(my_complaints(None)).await.unwrap();
    assert_eq!((mine.total, mine.rows[0].id, mine.rows[0].against_name.as_str()), (1, id, firm_name.as_str()));
    assert_eq!(app.run(get_complaint(id)).await.unwrap().can_act, false, "the filer reads, does not act");
    // a firm against an owner, and against a department (region required then)
    app.sign_in_as(w.firm.3).await;
    let on_owner = app
        .run(file_complaint(form(&[("against", "owner"), ("target", &w.owner.1), ("industry", &w.industry), ("subject", SUBJECT), ("body", BODY)], false)))
        .await
        .unwrap();
    let dept: String = sqlx::query_scalar("SELECT code FROM departments ORDER BY code LIMIT 1").fetch_one(&app.state.pool).await.unwrap();
    let no_region = app
        .run(file_complaint(form(&[("against", "department"), ("target", &dept), ("industry", &w.industry), ("subject", SUBJECT), ("body", BODY)], false)))
        .await;
    assert_eq!(no_region, Err(AppError::invalid("region", "complaints.region_invalid")));
    app.run(file_complaint(form(
        &[("against", "department"), ("target", &dept), ("region", &w.firm.2), ("industry", &w.industry), ("subject", SUBJECT), ("body", BODY)],
        false,
    )))
    .await
    .unwrap();
    // a firm cannot complain about itself
    assert_eq!(
        app.run(file_complaint(form(&[("against", "firm"), ("target", &w.firm.1), ("industry", &w.industry), ("subject", SUBJECT), ("body", BODY)], false)))
            .await,
        Err(AppError::invalid("target", "complaints.target_self"))
    );
    let mine = app.run(my_complaints(None)).await.unwrap();
    assert_eq!(mine.total, 2);
    assert!(mine.rows.iter().any(|r| r.id == on_owner && r.against_kind == "owner"));
    assert_eq!(app.run(get_complaint(id)).await, Err(AppError::NotFound), "another filer's complaint is invisible");
    // staff do not file
    app.sign_in_as(w.regulator).await;
    assert_eq!(
        app.run(file_complaint(form(&[("against", "firm"), ("target", &w.firm.1), ("industry", &w.industry), ("subject", SUBJECT), ("body", BODY)], false)))
            .await,
        Err(AppError::invalid("form", "complaints.staff_cannot_file"))
    );
}

#[tokio::test]
async fn the_regulator_accepts_or_declines_then_decides_and_the_timers_follow() {
    let w = world().await;
    let app = &w.app;
    let cal = WorkCalendar::weekends_only();
    app.sign_in_as(w.owner.2).await;
    let file = |subject: &'static str| {
        file_complaint(form(&[("against", "firm"), ("target", &w.firm.1), ("industry", &w.industry), ("subject", subject), ("body", BODY)], false))
    };
    let a = app.run(file("第一件投诉事项")).await.unwrap();
    let b = app.run(file("第二件投诉事项")).await.unwrap();
    let filed = now(app);
    app.sign_in_as(w.regulator).await;
    // deciding before accepting, bad actions and missing reasons are refused
    assert_eq!(app.run(act_on_complaint(a, "uphold".into(), Some("理由充分成立".into()))).await, Err(AppError::invalid("action", "complaints.wrong_state")));
    assert_eq!(app.run(act_on_complaint(a, "approve".into(), None)).await, Err(AppError::invalid("action", "complaints.action_invalid")));
    assert_eq!(app.run(act_on_complaint(b, "decline".into(), None)).await, Err(AppError::invalid("reason", "complaints.reason_invalid")));
    // not yet overdue one millisecond before the due time, overdue at it
    let due = cal.add_working_days(filed, ACCEPT_WORKING_DAYS);
    app.clock.set(due - 1);
    let t = |d: &crate::model::complaints::ComplaintDetail| crate::domain::complaint::timer(
        crate::domain::complaint::ComplaintStatus::parse(&d.row.status).unwrap(),
        d.row.accept_due_at,
        d.row.decide_due_at,
        d.now,
    );
    assert_eq!(t(&app.run(get_complaint(a)).await.unwrap()).map(|t| t.overdue), Some(false));
    app.clock.set(due);
    assert_eq!(t(&app.run(get_complaint(a)).await.unwrap()).map(|t| (t.due_at, t.overdue)), Some((due, true)));
    // accept a (late, still allowed): the decision is due 30 working days later
    app.run(act_on_complaint(a, "accept".into(), None)).await.unwrap();
    let d = app.run(get_complaint(a)).await.unwrap();
    assert_eq!((d.row.status.as_str(), d.accepted_at, d.row.decide_due_at), ("accepted", Some(due), Some(cal.add_working_days(due, DECIDE_WORKING_DAYS))));
    // decline b with a reason: closed, no decision due
    app.run(act_on_complaint(b, "decline".into(), Some("不属于本部门受理范围".into()))).await.unwrap();
    let d = app.run(get_complaint(b)).await.unwrap();
    assert_eq!((d.row.status.as_str(), d.declined_reason.as_deref(), t(&d)), ("declined", Some("不属于本部门受理范围"), None));
    assert_eq!(app.run(act_on_complaint(b, "accept".into(), None)).await, Err(AppError::invalid("action", "complaints.wrong_state")));
    // uphold a: decided, feeds the credit archive (against a firm, upheld)
    app.run(act_on_complaint(a, "uphold".into(), Some("经查证，超标准收费属实".into()))).await.unwrap();
    let (status, decision, firm, decided_at): (String, Option<String>, Option<i64>, Option<i64>) =
        sqlx::query_as("SELECT status, decision, firm_id, decided_at FROM complaints WHERE id = $1").bind(a).fetch_one(&app.state.pool).await.unwrap();
    assert_eq!((status.as_str(), decision.as_deref(), firm, decided_at), ("decided", Some("upheld"), Some(w.firm.0), Some(due)));
    assert_eq!(app.run(act_on_complaint(a, "dismiss".into(), Some("重复处理测试".into()))).await, Err(AppError::invalid("action", "complaints.wrong_state")));
    // the cached credit score counts the upheld complaint at once
    let mut conn = app.state.pool.acquire().await.unwrap();
    let inputs = crate::db::credit::inputs(&mut conn, w.firm.0, now(&app)).await.unwrap();
    assert_eq!(inputs.upheld_complaints, 1);
    let cached: Option<i64> = sqlx::query_scalar("SELECT credit_score FROM firms WHERE id = $1").bind(w.firm.0).fetch_one(&app.state.pool).await.unwrap();
    assert_eq!(cached, Some(crate::domain::credit::compute(&inputs).total));
    drop(conn);
    // the queue shows open ones only by default; the filer sees the outcome
    assert!(app.run(get_complaint_queue(None, None)).await.unwrap().rows.is_empty());
    assert_eq!(app.run(get_complaint_queue(None, Some(true))).await.unwrap().total, 2);
    app.sign_in_as(w.owner.2).await;
    let d = app.run(get_complaint(a)).await.unwrap();
    assert_eq!((d.row.decision.as_deref(), d.decision_reason.as_deref()), (Some("upheld"), Some("经查证，超标准收费属实")));
    assert_eq!(d.events.iter().map(|e| e.kind.as_str()).collect::<Vec<_>>(), vec!["submitted", "accepted", "upheld"]);
}

#[tokio::test]
async fn anonymous_filing_is_limited_per_phone() {
    let w = world().await;
    let app = &w.app;
    app.new_session();
    let f = |phone: &'static str| {
        file_complaint(form(
            &[("name", "李四"), ("phone", phone), ("against", "firm"), ("target", &w.firm.1), ("industry", &w.industry), ("subject", SUBJECT), ("body", BODY)],
            false,
        ))
    };
    for _ in 0..crate::domain::complaint::PHONE_PER_DAY {
        app.clock.advance(60_000);
        app.run(f("13900001111")).await.unwrap();
    }
    app.clock.advance(60_000);
    assert_eq!(app.run(f("13900001111")).await, Err(AppError::invalid("phone", "complaints.too_many")));
    app.run(f("13900002222")).await.unwrap();
    app.clock.advance(24 * 3600 * 1000);
    app.run(f("13900001111")).await.unwrap();
}

/// A published random-draw announcement with `n` registered firms, drawn; the
/// first-ranked firm confirms. Returns (code, industry, region, owner user,
/// firm users by id).
async fn awarded(app: &TestApp, n: usize) -> (String, String, String, i64, Vec<(i64, i64)>) {
    use super::trading::*;
    let pool = &app.state.pool;
    let (item_id, item_code): (i64, String) = sqlx::query_as(&format!(
        "SELECT s.id, s.code FROM service_items s WHERE {} ORDER BY s.id LIMIT 1",
        crate::db::catalogue::in_force_sql("s", "$1")
    ))
    .bind(crate::domain::time::date_shanghai(now(app)))
    .fetch_one(pool)
    .await
    .unwrap();
    let firms: Vec<(i64,)> = sqlx::query_as("SELECT id FROM firms WHERE status = 'active' ORDER BY id LIMIT $1").bind(n as i64).fetch_all(pool).await.unwrap();
    let mut users = Vec::new();
    for (i, (id,)) in firms.into_iter().enumerate() {
        sqlx::query("INSERT INTO firm_items (firm_id, item_id, fee_standard, promised_days) VALUES ($1, $2, '按国家标准', 10) ON CONFLICT DO NOTHING")
            .bind(id)
            .bind(item_id)
            .execute(pool)
            .await
            .unwrap();
        users.push((id, app.account(&format!("cx.firm{i}"), Role::Firm, AccountScope { firm_id: Some(id), ..Default::default() }).await));
    }
    let (owner_id, region): (i64, String) = sqlx::query_as("SELECT id, region_code FROM owners ORDER BY id LIMIT 1").fetch_one(pool).await.unwrap();
    let owner_user = app.account("cx.owner", Role::Owner, AccountScope { owner_id: Some(owner_id), ..Default::default() }).await;
    app.sign_in_as(owner_user).await;
    let f = crate::model::trading::AnnouncementForm {
        title: "某某项目环境影响评价服务".into(),
        project_code: "2611-510100-04-01-000001".into(),
        item_code,
        region_code: region.clone(),
        funding: "fiscal".into(),
        budget: "100000".into(),
        scope: "编制环境影响报告书".into(),
        match_mode: "any".into(),
        service_days: "30".into(),
        deadline: "2026-11-27T17:00".into(),
        method: "random_draw".into(),
        contact_name: "李工".into(),
        contact_phone: "028-85551234".into(),
        ..Default::default()
    };
    let code = app.run(save_announcement(None, f, Some("1".into()))).await.unwrap();
    for (_, u) in &users {
        app.sign_in_as(*u).await;
        app.run(register_interest(code.clone())).await.unwrap();
    }
    let deadline = crate::domain::announcement::parse_local_datetime("2026-11-27T17:00").unwrap();
    app.clock.set(deadline);
    crate::db::trading::advance(&app.state, deadline).await.unwrap();
    let a = app.run(get_trading_announcement(code.clone())).await.unwrap();
    let first = a.award.unwrap().credit_code;
    let first_id: i64 = sqlx::query_scalar("SELECT id FROM firms WHERE credit_code = $1").bind(&first).fetch_one(pool).await.unwrap();
    let first_user = users.iter().find(|(id, _)| *id == first_id).unwrap().1;
    app.sign_in_as(first_user).await;
    app.run(respond_award(code.clone(), "confirm".into(), None)).await.unwrap();
    let industry: String = sqlx::query_scalar("SELECT industry_code FROM procurements WHERE code = $1").bind(&code).fetch_one(pool).await.unwrap();
    // the selected firm first in the list
    users.sort_by_key(|(id, _)| if *id == first_id { 0 } else { 1 });
    (code, industry, region, owner_user, users)
}

/// A loser objects, the owner answers, the loser escalates: returns the objection id.
async fn escalate(app: &TestApp, code: &str, owner_user: i64, loser: i64) -> i64 {
    use super::trading::*;
    app.sign_in_as(loser).await;
    let id = app
        .run(file_objection(super::files::testing::form(&[("code", code), ("reason", "中选单位的业绩材料与事实不符，请核查")], None)))
        .await
        .unwrap();
    app.sign_in_as(owner_user).await;
    app.run(act_on_objection(id, "answer".into(), Some("经核查，业绩材料真实有效".into()))).await.unwrap();
    app.sign_in_as(loser).await;
    app.run(act_on_objection(id, "escalate".into(), None)).await.unwrap();
    id
}

#[tokio::test]
async fn an_escalated_objection_becomes_an_accepted_complaint_whose_decision_moves_the_award() {
    let app = TestApp::new().await;
    let (code, industry, region, owner_user, firms) = awarded(&app, 3).await;
    let loser = firms[1].1;
    let objection = escalate(&app, &code, owner_user, loser).await;
    let complaint: (i64, String, String, Option<i64>, String, String, Option<i64>) = sqlx::query_as(
        "SELECT id, against_kind, status, accepted_at, region_code, industry_code, decide_due_at FROM complaints WHERE objection_id = $1",
    )
    .bind(objection)
    .fetch_one(&app.state.pool)
    .await
    .unwrap();
    let (cid, kind, status, accepted_at, c_region, c_industry, decide_due) = complaint;
    assert_eq!((kind.as_str(), status.as_str(), accepted_at), ("owner", "accepted", Some(now(&app))), "accepted at once");
    assert_eq!((c_region.as_str(), c_industry.as_str()), (region.as_str(), industry.as_str()));
    assert_eq!(decide_due, Some(WorkCalendar::weekends_only().add_working_days(now(&app), DECIDE_WORKING_DAYS)));
    // the objecting firm finds it in its own list
    let mine = app.run(my_complaints(None)).await.unwrap();
    assert_eq!((mine.total, mine.rows[0].objection_id), (1, Some(objection)));
    // the regulator upholds it on the complaint: the objection is upheld and the award moves on
    let reg = app.account("cx.reg", Role::Regulator, AccountScope { region_code: Some(&region), industry_code: Some(&industry), ..Default::default() }).await;
    app.sign_in_as(reg).await;
    let d = app.run(get_complaint(cid)).await.unwrap();
    assert_eq!(d.procurement_code.as_deref(), Some(code.as_str()));
    assert_eq!(app.run(act_on_complaint(cid, "accept".into(), None)).await, Err(AppError::invalid("action", "complaints.wrong_state")));
    app.run(act_on_complaint(cid, "uphold".into(), Some("中选单位业绩材料不实，质疑成立".into()))).await.unwrap();
    let a = app.run(super::trading::get_trading_announcement(code.clone())).await.unwrap();
    assert_eq!(a.objections[0].decision.as_deref(), Some("upheld"));
    assert_eq!(a.candidates[0].status, "disqualified");
    assert_ne!(a.award.unwrap().credit_code, a.candidates[0].credit_code, "the next candidate is selected");
    let (status, decision): (String, Option<String>) =
        sqlx::query_as("SELECT status, decision FROM complaints WHERE id = $1").bind(cid).fetch_one(&app.state.pool).await.unwrap();
    assert_eq!((status.as_str(), decision.as_deref()), ("decided", Some("upheld")));
}

#[tokio::test]
async fn deciding_the_objection_on_its_own_page_closes_the_complaint_too() {
    let app = TestApp::new().await;
    let (code, industry, region, owner_user, firms) = awarded(&app, 3).await;
    let objection = escalate(&app, &code, owner_user, firms[2].1).await;
    let reg = app.account("cx.reg", Role::Regulator, AccountScope { region_code: Some(&region), industry_code: Some(&industry), ..Default::default() }).await;
    app.sign_in_as(reg).await;
    app.run(super::trading::act_on_objection(objection, "dismiss".into(), Some("质疑理由不成立".into()))).await.unwrap();
    let (cid, status, decision, reason): (i64, String, Option<String>, Option<String>) =
        sqlx::query_as("SELECT id, status, decision, decision_reason FROM complaints WHERE objection_id = $1").bind(objection).fetch_one(&app.state.pool).await.unwrap();
    assert_eq!((status.as_str(), decision.as_deref(), reason.as_deref()), ("decided", Some("dismissed"), Some("质疑理由不成立")));
    assert_eq!(app.run(act_on_complaint(cid, "uphold".into(), Some("再次处理测试".into()))).await, Err(AppError::invalid("action", "complaints.wrong_state")));
    let a = app.run(super::trading::get_trading_announcement(code)).await.unwrap();
    assert_eq!(a.candidates[0].status, "selected", "a dismissed objection leaves the award alone");
}
