//! Trading end to end at the server-function level, with the injected clock:
//! each selection method from publication to a final award, deadlines to the
//! millisecond, sealed quotes, verifiable draws, objections, concurrency.
use super::trading::*;
use crate::db::testing::{AccountScope, TestApp};
use crate::domain::accounts::Role;
use crate::domain::announcement::parse_local_datetime;
use crate::domain::money::Fen;
use crate::error::AppError;
use crate::model::trading::AnnouncementForm;

const DEADLINE: &str = "2026-11-27T17:00";

struct Market {
    app: TestApp,
    owner_user: i64,
    item_code: String,
    region_code: String,
    /// (firm id, credit code, user id)
    firms: Vec<(i64, String, i64)>,
}

async fn market(firm_count: usize) -> Market {
    let app = TestApp::new().await;
    let pool = &app.state.pool;
    let (item_id, item_code): (i64, String) = sqlx::query_as(&format!(
        "SELECT s.id, s.code FROM service_items s WHERE {} ORDER BY s.id LIMIT 1",
        crate::db::catalogue::in_force_sql("s", "$1")
    ))
    .bind(crate::domain::time::date_shanghai(app.clock_now()))
    .fetch_one(pool)
    .await
    .unwrap();
    let firms: Vec<(i64, String)> = sqlx::query_as("SELECT id, credit_code FROM firms WHERE status = 'active' ORDER BY id LIMIT $1")
        .bind(firm_count as i64)
        .fetch_all(pool)
        .await
        .unwrap();
    assert_eq!(firms.len(), firm_count, "the demo market has enough active firms");
    let mut out = Vec::new();
    for (i, (id, code)) in firms.into_iter().enumerate() {
        sqlx::query("INSERT INTO firm_items (firm_id, item_id, fee_standard, promised_days) VALUES ($1, $2, '按国家标准', 10) ON CONFLICT DO NOTHING")
            .bind(id)
            .bind(item_id)
            .execute(pool)
            .await
            .unwrap();
        let user = app.account(&format!("trading.firm{i}"), Role::Firm, AccountScope { firm_id: Some(id), ..Default::default() }).await;
        out.push((id, code, user));
    }
    let (owner_id, region_code): (i64, String) = sqlx::query_as("SELECT id, region_code FROM owners ORDER BY id LIMIT 1").fetch_one(pool).await.unwrap();
    let owner_user = app.account("trading.owner", Role::Owner, AccountScope { owner_id: Some(owner_id), ..Default::default() }).await;
    Market { app, owner_user, item_code, region_code, firms: out }
}

impl TestApp {
    fn clock_now(&self) -> i64 {
        crate::state::Clock::now_ms(&*self.clock)
    }
}

fn form(m: &Market, method: &str) -> AnnouncementForm {
    AnnouncementForm {
        title: "某某项目环境影响评价服务".into(),
        project_code: "2611-510100-04-01-000001".into(),
        item_code: m.item_code.clone(),
        region_code: m.region_code.clone(),
        funding: "fiscal".into(),
        budget: "100000".into(),
        scope: "编制环境影响报告书".into(),
        match_mode: "any".into(),
        service_days: "30".into(),
        deadline: DEADLINE.into(),
        method: method.into(),
        contact_name: "李工".into(),
        contact_phone: "028-85551234".into(),
        price_weight: "40".into(),
        criteria: "技术方案:40\n服务团队:20".into(),
        ..Default::default()
    }
}

impl Market {
    async fn as_owner(&self) {
        self.app.sign_in_as(self.owner_user).await;
    }
    async fn as_firm(&self, i: usize) {
        self.app.sign_in_as(self.firms[i].2).await;
    }
    async fn publish(&self, method: &str) -> String {
        self.as_owner().await;
        self.app.run(save_announcement(None, form(self, method), Some("1".into()))).await.unwrap()
    }
    async fn page(&self, code: &str) -> crate::model::trading::Announcement {
        self.app.run(get_trading_announcement(code.into())).await.unwrap()
    }
    async fn advance_to(&self, ms: i64) {
        self.app.clock.set(ms);
        crate::db::trading::advance(&self.app.state, ms).await.unwrap();
    }
}

/// The objection form: `code`, `reason` and optionally a file (name, bytes).
fn objection(code: &str, reason: &str, file: Option<(&str, &[u8])>) -> leptos::server_fn::codec::MultipartData {
    let ct = |name: &str| match name.rsplit('.').next() {
        Some("png") => "image/png",
        Some("jpg" | "jpeg") => "image/jpeg",
        _ => "application/pdf",
    };
    super::files::testing::form(&[("code", code), ("reason", reason)], file.map(|(name, bytes)| ("file", name, ct(name), bytes)))
}

fn deadline() -> i64 {
    parse_local_datetime(DEADLINE).unwrap()
}

#[tokio::test]
async fn random_draw_from_publication_to_a_final_award_with_a_decline_and_an_objection() {
    let m = market(5).await;
    let code = m.publish("random_draw").await;
    let a = m.page(&code).await;
    assert_eq!(a.status, "published");
    let commitment = a.draw_commitment.clone().expect("the draw commitment is public from publication");
    for i in 0..4 {
        m.as_firm(i).await;
        m.app.run(register_interest(code.clone())).await.unwrap();
    }
    // a firm may withdraw and come back before the deadline
    m.as_firm(3).await;
    m.app.run(withdraw_participation(code.clone())).await.unwrap();
    assert_eq!(m.page(&code).await.participant_count, 3);
    m.app.run(register_interest(code.clone())).await.unwrap();
    assert_eq!(m.page(&code).await.participant_count, 4);
    // nothing moves before the deadline
    m.advance_to(deadline() - 1).await;
    assert_eq!(m.page(&code).await.status, "published");
    m.advance_to(deadline()).await;
    let a = m.page(&code).await;
    assert_eq!(a.status, "selected");
    assert_eq!(a.draws.len(), 1);
    let d = &a.draws[0].draw;
    assert_eq!(d.commitment, commitment, "the secret revealed is the one committed to");
    assert_eq!(crate::domain::draw::verify(d), Ok(()));
    assert_eq!(d.registrants.len(), 4);
    assert_eq!(a.candidates.len(), 4);
    assert_eq!(a.candidates[0].credit_code, d.ranking[0]);
    let award = a.award.clone().unwrap();
    assert_eq!((award.status.as_str(), award.credit_code.clone()), ("publicity", d.ranking[0].clone()));

    // the first declines: the next in the ranking is selected, the refusal stays on record
    let idx = |credit: &str| m.firms.iter().position(|f| f.1 == credit).unwrap();
    let first = idx(&d.ranking[0]);
    m.as_firm(first).await;
    assert_eq!(
        m.app.run(respond_award(code.clone(), "decline".into(), Some("短".into()))).await,
        Err(AppError::invalid("reason", "trading.decline_reason_invalid"))
    );
    m.app.run(respond_award(code.clone(), "decline".into(), Some("人员已满负荷，无法按期完成".into()))).await.unwrap();
    let a = m.page(&code).await;
    assert_eq!(a.candidates[0].status, "declined");
    assert_eq!(a.award.as_ref().unwrap().credit_code, d.ranking[1]);
    let second = idx(&d.ranking[1]);
    m.as_firm(second).await;
    m.app.run(respond_award(code.clone(), "confirm".into(), None)).await.unwrap();

    // a losing participant objects; the owner answers; the firm escalates; the regulator dismisses
    let loser = idx(&d.ranking[2]);
    m.as_firm(loser).await;
    let id = m.app.run(file_objection(objection(&code, "中选单位的业绩材料与事实不符，请核查", None))).await.unwrap();
    m.as_owner().await;
    m.app.run(act_on_objection(id, "answer".into(), Some("经核查，业绩材料真实有效".into()))).await.unwrap();
    m.as_firm(loser).await;
    m.app.run(act_on_objection(id, "escalate".into(), None)).await.unwrap();
    // publicity ends, but the escalated objection keeps the award open
    let ends = m.page(&code).await.award.unwrap().publicity_ends_at.unwrap();
    m.advance_to(ends + 1).await;
    assert_eq!(m.page(&code).await.award.unwrap().status, "publicity");
    let region = m.region_code.clone();
    let industry: String = sqlx::query_scalar("SELECT industry_code FROM procurements WHERE code = $1").bind(&code).fetch_one(&m.app.state.pool).await.unwrap();
    let reg = m.app.account("trading.reg", Role::Regulator, AccountScope { region_code: Some(&region), industry_code: Some(&industry), ..Default::default() }).await;
    m.app.sign_in_as(reg).await;
    assert_eq!(m.app.run(escalated_objections()).await.unwrap().len(), 1);
    m.app.run(act_on_objection(id, "dismiss".into(), Some("质疑理由不成立".into()))).await.unwrap();
    m.advance_to(ends + 2).await;
    let a = m.page(&code).await;
    assert_eq!(a.award.as_ref().unwrap().status, "final");
    assert_eq!(a.objections[0].decision.as_deref(), Some("dismissed"));
    assert!(a.events.iter().any(|e| e.kind == "final"));

    // OCDS: the objection is a document of the tender with its outcome, and the regulator
    // it went to a review body (neither the reason nor the firm that objected)
    let facts = crate::db::ocds::process(&m.app.state.pool, &code).await.unwrap().unwrap();
    assert_eq!(facts.reviews.len(), 1);
    let r = &facts.reviews[0];
    assert!(!r.complaint && r.answered_at.is_some() && r.escalated_at.is_some() && r.ended_at.is_some(), "{r:?}");
    assert_eq!(r.decision.as_deref(), Some("dismissed"));
    let publisher = crate::domain::ocds::Publisher { name: "t".into(), prefix: "ocds-t".into(), base_url: "http://t".into() };
    let compiled = crate::domain::ocds::compiled(&publisher, &facts, m.app.clock_now());
    assert_eq!(compiled.tender.documents.len(), 1);
    assert_eq!(compiled.tender.documents[0].document_type, crate::domain::ocds::DOC_OBJECTION);
    assert_eq!(compiled.tender.documents[0].description, "监管部门认定不成立 (dismissed by the regulator)");
    let body = compiled.parties.iter().find(|o| o.roles == ["reviewBody"]).expect("the regulator is the review body");
    let regulator: String = sqlx::query_scalar("SELECT regulator FROM industries WHERE code = $1").bind(&industry).fetch_one(&m.app.state.pool).await.unwrap();
    assert_eq!(body.name, regulator);
    assert!(!serde_json::to_string(&compiled).unwrap().contains("业绩材料"), "the objection's text is not published");
}

#[tokio::test]
async fn too_few_registrants_fail_the_draw() {
    let m = market(2).await;
    let code = m.publish("random_draw").await;
    for i in 0..2 {
        m.as_firm(i).await;
        m.app.run(register_interest(code.clone())).await.unwrap();
    }
    m.advance_to(deadline()).await;
    let a = m.page(&code).await;
    assert_eq!(a.status, "failed");
    assert!(a.draws.is_empty() && a.award.is_none());
    // the owner starts again from a copy, here as a price competition
    m.as_owner().await;
    let copy = m.app.run(copy_announcement(code.clone())).await.unwrap();
    assert_ne!(copy, code);
    let mut f = m.app.run(get_draft(copy.clone())).await.unwrap();
    assert_eq!(f.title, "某某项目环境影响评价服务");
    f.method = "price_competition".into();
    m.app.run(save_announcement(Some(copy.clone()), f, Some("1".into()))).await.unwrap();
    assert_eq!(m.page(&copy).await.method, "price_competition");
}

#[tokio::test]
async fn a_quote_one_millisecond_before_the_deadline_counts_and_one_after_is_refused() {
    let m = market(2).await;
    let code = m.publish("price_competition").await;
    m.as_firm(0).await;
    m.app.clock.set(deadline() - 1);
    m.app.run(submit_quote(code.clone(), "90000".into())).await.unwrap();
    m.as_firm(1).await;
    m.app.clock.set(deadline() + 1);
    assert_eq!(
        m.app.run(submit_quote(code.clone(), "80000".into())).await,
        Err(AppError::invalid("deadline", "trading.deadline_passed"))
    );
    // withdrawal is refused too
    m.as_firm(0).await;
    assert_eq!(m.app.run(withdraw_participation(code.clone())).await, Err(AppError::invalid("deadline", "trading.deadline_passed")));
}

#[tokio::test]
async fn sealed_quotes_stay_unreadable_until_opening_then_match_their_receipts() {
    let m = market(4).await;
    let code = m.publish("price_competition").await;
    let amounts = ["87654.32", "91234.56", "95555.55", "61111.11"];
    let mut receipts = Vec::new();
    for (i, amount) in amounts.iter().enumerate() {
        m.as_firm(i).await;
        receipts.push(m.app.run(submit_quote(code.clone(), amount.to_string())).await.unwrap());
    }
    // above the ceiling is refused
    assert_eq!(m.app.run(submit_quote(code.clone(), "100000.01".into())).await, Err(AppError::invalid("amount", "trading.amount_above_ceiling")));
    // no role sees an amount before opening: not the page, not the owner's view, not the database
    for fen in ["8765432", "9123456", "9555555", "6111111"] {
        m.as_owner().await;
        let page = serde_json::to_string(&m.page(&code).await).unwrap();
        assert!(!page.contains(fen), "the public page leaks {fen}");
        let part = serde_json::to_string(&m.app.run(get_my_part(code.clone())).await.unwrap()).unwrap();
        assert!(!part.contains(fen));
        let raw: Vec<(String,)> = sqlx::query_as("SELECT sealed FROM sealed_quotes").fetch_all(&m.app.state.pool).await.unwrap();
        assert!(raw.iter().all(|(s,)| !s.contains(fen)));
        let opened: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM quotes q JOIN procurements p ON p.id = q.procurement_id WHERE p.code = $1")
            .bind(&code)
            .fetch_one(&m.app.state.pool)
            .await
            .unwrap();
        assert_eq!(opened, 0);
    }
    assert_eq!(m.page(&code).await.participant_count, 4);
    m.advance_to(deadline()).await;
    let a = m.page(&code).await;
    assert_eq!(a.quotes.len(), 4);
    for q in &a.quotes {
        let r = crate::db::trading::quote_receipt(&code, &q.credit_code, Fen(q.amount_fen), q.salt.as_deref().unwrap());
        assert_eq!(Some(r.clone()), q.receipt, "the opened amount matches the receipt given at submission");
        assert!(receipts.contains(&r));
    }
    // 61111.11 is below 80% of the others' average: the owner must decide first
    assert_eq!(a.status, "closed");
    let low = a.quotes.iter().find(|q| q.abnormal != 0).unwrap().credit_code.clone();
    assert_eq!(low, m.firms[3].1);
    m.as_firm(3).await;
    assert!(m.app.run(get_my_part(code.clone())).await.unwrap().must_justify);
    m.app.run(justify_quote(code.clone(), "本单位在该区域有在建项目，可共享人员和设备".into())).await.unwrap();
    m.as_owner().await;
    m.app.run(decide_quote(code.clone(), low.clone(), "reject".into())).await.unwrap();
    let a = m.page(&code).await;
    assert_eq!(a.status, "selected");
    let award = a.award.unwrap();
    assert_eq!((award.credit_code.as_str(), award.amount_fen), (m.firms[0].1.as_str(), 8_765_432), "the lowest valid quote wins");
    assert!(a.candidates.iter().all(|c| c.credit_code != low), "a rejected quote is not ranked");
}

#[tokio::test]
async fn equal_lowest_quotes_are_ranked_by_a_verifiable_tie_draw() {
    let m = market(3).await;
    let code = m.publish("price_competition").await;
    for (i, amount) in ["90000", "90000", "95000"].iter().enumerate() {
        m.as_firm(i).await;
        m.app.run(submit_quote(code.clone(), amount.to_string())).await.unwrap();
    }
    m.advance_to(deadline()).await;
    let a = m.page(&code).await;
    assert_eq!(a.status, "selected");
    assert_eq!(a.draws.len(), 1);
    assert_eq!(a.draws[0].purpose, "tie-1");
    assert_eq!(crate::domain::draw::verify(&a.draws[0].draw), Ok(()));
    assert_eq!(a.award.unwrap().credit_code, a.draws[0].draw.ranking[0]);
    assert_eq!(a.candidates[2].credit_code, m.firms[2].1);
}

#[tokio::test]
async fn merit_selection_scores_by_the_published_formula() {
    let m = market(3).await;
    let code = m.publish("merit").await;
    for (i, amount) in ["80000", "100000", "90000"].iter().enumerate() {
        m.as_firm(i).await;
        m.app.run(submit_quote(code.clone(), amount.to_string())).await.unwrap();
    }
    m.advance_to(deadline()).await;
    assert_eq!(m.page(&code).await.status, "closed");
    m.as_owner().await;
    let c = |i: usize| m.firms[i].1.clone();
    // firm 1 is dearer but far better on quality
    let sheet = format!("{}:20,10\n{}:40,20\n{}:30,15", c(0), c(1), c(2));
    m.app.run(save_merit_scores(code.clone(), "专家甲".into(), sheet.clone())).await.unwrap();
    assert_eq!(
        m.app.run(save_merit_scores(code.clone(), "专家乙".into(), format!("{}:41,0", c(0)))).await,
        Err(AppError::invalid("scores", "merit.score_out_of_range"))
    );
    m.app.run(save_merit_scores(code.clone(), "专家乙".into(), sheet)).await.unwrap();
    m.app.run(finish_merit(code.clone())).await.unwrap();
    let a = m.page(&code).await;
    assert_eq!(a.status, "selected");
    // firm 1: price 40 × 80000/100000 = 32 + 40 + 20 = 92; firm 0: 40 + 20 + 10 = 70
    let top = a.merit.iter().find(|r| r.credit_code == c(1)).unwrap();
    assert_eq!(top.total_centi, 9200);
    assert_eq!(a.award.unwrap().credit_code, c(1));
}

#[tokio::test]
async fn direct_selection_publishes_the_choice_and_refuses_an_ineligible_firm() {
    let m = market(1).await;
    m.as_owner().await;
    let outsider: String = sqlx::query_scalar("SELECT credit_code FROM firms WHERE status = 'active' ORDER BY id DESC LIMIT 1").fetch_one(&m.app.state.pool).await.unwrap();
    let mut f = form(&m, "direct");
    f.direct_firm = outsider;
    f.direct_reason = "该单位曾承担本项目前期咨询，熟悉情况".into();
    let r = m.app.run(save_announcement(None, f.clone(), Some("1".into()))).await;
    assert_eq!(r, Err(AppError::invalid("direct_firm", "eligibility.item_not_in_scope")));
    f.direct_firm = m.firms[0].1.clone();
    // the refused attempt left a draft; publishing a new one works
    let code = m.app.run(save_announcement(None, f, Some("1".into()))).await.unwrap();
    let a = m.page(&code).await;
    assert_eq!(a.status, "selected");
    assert_eq!(a.params.direct_reason.as_deref(), Some("该单位曾承担本项目前期咨询，熟悉情况"));
    assert_eq!(a.award.unwrap().credit_code, m.firms[0].1);
}

#[tokio::test]
async fn the_form_names_every_bad_field_and_publication_needs_the_minimum_period() {
    let m = market(1).await;
    m.as_owner().await;
    let mut f = form(&m, "random_draw");
    f.deadline = "2026-11-23T10:00".into(); // Monday: only one working day after Friday
    assert_eq!(m.app.run(save_announcement(None, f.clone(), Some("1".into()))).await, Err(AppError::invalid("deadline", "announcement.deadline_too_soon")));
    // a draft may keep it for now
    let code = m.app.run(save_announcement(None, f.clone(), None)).await.unwrap();
    assert_eq!(m.app.run(get_draft(code.clone())).await.unwrap().deadline, "2026-11-23T10:00");
    f.budget = "十万".into();
    assert_eq!(m.app.run(save_announcement(Some(code.clone()), f.clone(), None)).await, Err(AppError::invalid("budget", "announcement.budget_invalid")));
    f.budget = "100000".into();
    f.region_code = "110000".into();
    assert_eq!(m.app.run(save_announcement(Some(code.clone()), f.clone(), None)).await, Err(AppError::invalid("region_code", "announcement.region_outside")));
    // another owner cannot see the draft
    let other: i64 = sqlx::query_scalar("SELECT id FROM owners ORDER BY id DESC LIMIT 1").fetch_one(&m.app.state.pool).await.unwrap();
    let u = m.app.account("trading.owner2", Role::Owner, AccountScope { owner_id: Some(other), ..Default::default() }).await;
    m.app.sign_in_as(u).await;
    assert_eq!(m.app.run(get_draft(code.clone())).await, Err(AppError::NotFound));
    // and the public does not see drafts
    m.app.new_session();
    assert_eq!(m.app.run(get_trading_announcement(code)).await, Err(AppError::NotFound));
}

#[tokio::test]
async fn an_ineligible_firm_is_told_why() {
    let m = market(1).await;
    let code = m.publish("random_draw").await;
    let (outsider, _): (i64, String) = sqlx::query_as("SELECT id, credit_code FROM firms WHERE status = 'active' ORDER BY id DESC LIMIT 1").fetch_one(&m.app.state.pool).await.unwrap();
    let u = m.app.account("trading.outsider", Role::Firm, AccountScope { firm_id: Some(outsider), ..Default::default() }).await;
    m.app.sign_in_as(u).await;
    let part = m.app.run(get_my_part(code.clone())).await.unwrap();
    assert_eq!(part.ineligible, vec![crate::domain::eligibility::Ineligibility::ItemNotInScope]);
    assert_eq!(m.app.run(register_interest(code)).await, Err(AppError::invalid("eligibility", "eligibility.item_not_in_scope")));
}

#[tokio::test]
async fn hundreds_of_concurrent_quotes_and_withdrawals_lose_nothing_and_duplicate_nothing() {
    let m = market(20).await;
    let code = m.publish("price_competition").await;
    let pid: i64 = sqlx::query_scalar("SELECT id FROM procurements WHERE code = $1").bind(&code).fetch_one(&m.app.state.pool).await.unwrap();
    let now = m.app.clock_now();
    // 20 firms × 10 operations: quote, quote again, withdraw, …; the last one of each firm decides
    let mut tasks = Vec::new();
    for (i, (firm, _, _)) in m.firms.iter().enumerate() {
        let st = m.app.state.clone();
        let firm = *firm;
        tasks.push(tokio::spawn(async move {
            let mut ok = 0;
            for k in 0..10 {
                let r = if k == 9 && i % 4 == 0 {
                    crate::db::trading::withdraw(&st, pid, firm, now).await
                } else {
                    crate::db::trading::submit_quote(&st, pid, firm, Fen(5_000_000 + (k * 100 + i) as i64), now).await.map(drop)
                };
                if r.is_ok() {
                    ok += 1;
                }
            }
            ok
        }));
    }
    let mut total = 0;
    for t in tasks {
        total += t.await.unwrap();
    }
    assert_eq!(total, 200, "every operation was accepted");
    let rows: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM sealed_quotes WHERE procurement_id = $1").bind(pid).fetch_one(&m.app.state.pool).await.unwrap();
    assert_eq!(rows, 20, "one row per firm, never duplicated");
    let submitted: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM sealed_quotes WHERE procurement_id = $1 AND status = 'submitted'").bind(pid).fetch_one(&m.app.state.pool).await.unwrap();
    let revisions: i64 = sqlx::query_scalar("SELECT CAST(SUM(revision) AS BIGINT) FROM sealed_quotes WHERE procurement_id = $1").bind(pid).fetch_one(&m.app.state.pool).await.unwrap();
    assert_eq!(submitted, 15);
    assert_eq!(revisions, 20 * 9 + 15, "every accepted quote was counted once");
    assert_eq!(m.page(&code).await.participant_count, 15);
    m.advance_to(deadline()).await;
    let a = m.page(&code).await;
    assert_eq!(a.quotes.len(), 15);
    // each opened amount is the firm's last quote
    for q in &a.quotes {
        let i = m.firms.iter().position(|f| f.1 == q.credit_code).unwrap();
        assert_eq!(q.amount_fen, 5_000_000 + (900 + i) as i64);
    }
}

#[tokio::test]
async fn demo_announcements_are_public_except_drafts() {
    let app = TestApp::new().await;
    let h = app.run(super::portal::get_home_summary()).await.unwrap();
    let code = h.latest[0].code.clone();
    assert_eq!(app.run(get_trading_announcement(code.clone())).await.unwrap().code, code);
    let selected: String = sqlx::query_scalar("SELECT code FROM procurements WHERE status = 'selected' ORDER BY id LIMIT 1").fetch_one(&app.state.pool).await.unwrap();
    let s = app.run(get_trading_announcement(selected)).await.unwrap();
    let award = s.award.expect("a selected demo announcement shows its award");
    assert!(award.amount_fen > 0 && award.amount_fen <= s.budget_fen);
    sqlx::query("UPDATE procurements SET status = 'draft' WHERE code = $1").bind(&code).execute(&app.state.pool).await.unwrap();
    assert_eq!(app.run(get_trading_announcement(code)).await, Err(AppError::NotFound));
    assert_eq!(app.run(get_trading_announcement("".into())).await, Err(AppError::NotFound));
}

#[tokio::test]
async fn open_demo_procurements_keep_their_quotes_sealed_and_close_verifiably() {
    let m = market(1).await;
    let pool = &m.app.state.pool;
    let (code, deadline_at): (String, i64) = sqlx::query_as(
        "SELECT p.code, p.deadline_at FROM procurements p WHERE p.status = 'published' AND p.method = 'price_competition' \
         AND EXISTS (SELECT 1 FROM sealed_quotes s WHERE s.procurement_id = p.id) ORDER BY p.deadline_at LIMIT 1",
    )
    .fetch_one(pool)
    .await
    .expect("the demo market has an open price competition with quotes");
    let a = m.page(&code).await;
    assert!(a.quotes.is_empty() && a.draw_commitment.is_some());
    let plain: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM quotes q JOIN procurements p ON p.id = q.procurement_id WHERE p.status = 'published'")
        .fetch_one(pool)
        .await
        .unwrap();
    assert_eq!(plain, 0, "no open procurement has a readable amount in the database");
    m.advance_to(deadline_at).await;
    let a = m.page(&code).await;
    assert_ne!(a.status, "published");
    assert!(!a.quotes.is_empty() || a.status == "failed");
}

#[tokio::test]
async fn an_objection_carries_an_attachment_only_the_parties_may_read() {
    use axum::http::{HeaderMap, StatusCode};
    let m = market(5).await;
    let pool = &m.app.state.pool;
    let code = m.publish("random_draw").await;
    for i in 0..4 {
        m.as_firm(i).await;
        m.app.run(register_interest(code.clone())).await.unwrap();
    }
    m.advance_to(deadline()).await;
    let a = m.page(&code).await;
    assert_eq!(a.award.as_ref().unwrap().status, "publicity");
    let winner = a.award.unwrap().credit_code;
    let loser = (0..4).find(|&i| m.firms[i].1 != winner).unwrap();
    let pdf = super::files::testing::PDF;
    let files = || async { sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM files").fetch_one(pool).await.unwrap() };
    let before = files().await;

    // refused objections store nothing, not even their attachment
    m.as_firm(4).await;
    assert_eq!(
        m.app.run(file_objection(objection(&code, "中选单位的业绩材料与事实不符，请核查", Some(("证据.pdf", pdf))))).await,
        Err(AppError::invalid("objection", "objection.not_a_participant"))
    );
    m.as_firm(loser).await;
    assert_eq!(
        m.app.run(file_objection(objection(&code, "太短", Some(("证据.pdf", pdf))))).await,
        Err(AppError::invalid("reason", "objection.reason_invalid"))
    );
    assert_eq!(
        m.app.run(file_objection(objection("NO-SUCH", "中选单位的业绩材料与事实不符，请核查", Some(("证据.pdf", pdf))))).await,
        Err(AppError::NotFound)
    );
    assert_eq!(
        m.app.run(file_objection(objection(&code, "中选单位的业绩材料与事实不符，请核查", Some(("证据.pdf", b"<html><script>x</script></html>"))))).await,
        Err(AppError::invalid("file", "files.bad_type"))
    );
    assert_eq!(files().await, before);
    assert!(m.page(&code).await.objections.is_empty());

    // a long reason in Chinese fits the form; the attachment is kept with the objection
    let reason = "中选单位的业绩材料与事实不符".repeat(140);
    assert!(reason.chars().count() <= 2000 && reason.len() > 4000);
    let id = m.app.run(file_objection(objection(&code, &reason, Some(("业绩证明.pdf", pdf))))).await.unwrap();
    let a = m.page(&code).await;
    assert_eq!(a.objections.len(), 1);
    assert_eq!(a.objections[0].id, id);
    assert_eq!(a.objections[0].reason, reason);
    let file_id = a.objections[0].file_id.expect("the attachment is on the public page data");
    assert_eq!(files().await, before + 1);

    // who may download it
    let state = &m.app.state;
    let get = |session: Option<tower_sessions::Session>| async move {
        crate::api::files::download::serve(state, session.as_ref(), &file_id.to_string(), &HeaderMap::new()).await.status()
    };
    assert_eq!(get(None).await, StatusCode::NOT_FOUND, "the public");
    assert_eq!(get(Some(m.app.sign_in_as(m.owner_user).await)).await, StatusCode::OK, "the owner objected to");
    assert_eq!(get(Some(m.app.sign_in_as(m.firms[loser].2).await)).await, StatusCode::OK, "the objecting firm");
    assert_eq!(get(Some(m.app.sign_in_as(m.firms[4].2).await)).await, StatusCode::NOT_FOUND, "another firm");
    let other_owner: i64 = sqlx::query_scalar("SELECT id FROM owners WHERE id <> (SELECT owner_id FROM procurements WHERE code = $1) ORDER BY id LIMIT 1")
        .bind(&code)
        .fetch_one(pool)
        .await
        .unwrap();
    let stranger = m.app.account("trading.owner2", Role::Owner, AccountScope { owner_id: Some(other_owner), ..Default::default() }).await;
    assert_eq!(get(Some(m.app.sign_in_as(stranger).await)).await, StatusCode::NOT_FOUND, "another owner");
    let ops = m.app.account("trading.ops", Role::Operator, AccountScope::default()).await;
    assert_eq!(get(Some(m.app.sign_in_as(ops).await)).await, StatusCode::OK, "operators");

    // an objection without attachment has none
    let other = (0..4).find(|&i| i != loser && m.firms[i].1 != winner).unwrap();
    m.as_firm(other).await;
    m.app.run(file_objection(objection(&code, "评审过程中存在程序问题，请核查", None))).await.unwrap();
    assert_eq!(m.page(&code).await.objections.iter().filter(|o| o.file_id.is_none()).count(), 1);
}

#[tokio::test]
async fn each_public_change_is_an_ocds_release_and_amounts_stay_sealed_until_opening() {
    use crate::domain::ocds::{self, Publisher};
    let m = market(3).await;
    let publisher = Publisher { name: "中介超市".into(), prefix: "ocds-zjcs00".into(), base_url: "http://127.0.0.1".into() };
    let pool = &m.app.state.pool;
    let code = m.publish("price_competition").await;
    let amounts = ["90317", "85241", "95173"];
    for (i, amount) in amounts.iter().enumerate() {
        m.as_firm(i).await;
        m.app.run(submit_quote(code.clone(), amount.to_string())).await.unwrap();
    }
    let p = crate::db::ocds::process(pool, &code).await.unwrap().expect("a published process is published as OCDS");
    let json = serde_json::to_string(&ocds::record_package(&publisher, "u".into(), &[p], m.app.clock_now())).unwrap();
    for secret in amounts.iter().map(|a| a.to_string()).chain(m.firms.iter().map(|f| f.1.clone())) {
        assert!(!json.contains(&secret), "{secret} is public before the deadline");
    }

    // at the deadline the lowest is selected; it declines and the next ranked follows, confirms, and becomes final
    m.advance_to(deadline()).await;
    m.advance_to(deadline() + 3_600_000).await;
    m.as_firm(1).await;
    m.app.run(respond_award(code.clone(), "decline".into(), Some("人员已满负荷，无法按期完成".into()))).await.unwrap();
    m.as_firm(0).await;
    m.app.run(respond_award(code.clone(), "confirm".into(), None)).await.unwrap();
    let ends = m.page(&code).await.award.unwrap().publicity_ends_at.unwrap();
    m.advance_to(ends + 1).await;

    let p = crate::db::ocds::process(pool, &code).await.unwrap().unwrap();
    let now = m.app.clock_now();
    let releases = ocds::releases(&publisher, &p, now);
    let tags: Vec<Vec<&str>> = releases.iter().map(|r| r.tag.iter().map(String::as_str).collect()).collect();
    assert_eq!(tags[..3], [vec!["tender"], vec!["tenderUpdate", "award"], vec!["awardCancellation", "award"]]);
    assert!(tags[3].contains(&"awardUpdate"), "the award becoming final is a release: {tags:?}");
    assert_eq!(releases[1].date, ocds::iso_shanghai(deadline()));
    let c = ocds::compiled(&publisher, &p, now);
    assert_eq!(c.ocid, format!("ocds-zjcs00-{code}"));
    assert_eq!(c.tender.status, "complete");
    assert_eq!(c.tender.number_of_tenderers, Some(3));
    assert_eq!(c.tender.value.amount, 100_000.0);
    let awards: Vec<(&str, f64, &str)> = c.awards.iter().map(|a| (a.status.as_str(), a.value.amount, a.suppliers[0].id.as_str())).collect();
    let supplier = |i: usize| format!("{}-{}", ocds::ORG_SCHEME, m.firms[i].1);
    assert_eq!(awards, vec![("cancelled", 85_241.0, supplier(1).as_str()), ("active", 90_317.0, supplier(0).as_str())]);
    // the bids (OCDS bid extension), as Cardinal's indicators read them: every quote valid, its amount opened
    let mut bids: Vec<(String, &str, Option<f64>)> =
        c.bids.as_ref().expect("bids after the deadline").details.iter().map(|b| (b.tenderers[0].id.clone(), b.status.as_str(), b.value.as_ref().map(|v| v.amount))).collect();
    bids.sort_by(|a, b| a.0.cmp(&b.0));
    let mut want: Vec<(String, &str, Option<f64>)> = (0..3).map(|i| (supplier(i), "valid", Some(amounts[i].parse::<f64>().unwrap()))).collect();
    want.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(bids, want);

    // drafts and unknown codes are not published
    m.as_owner().await;
    let draft = m.app.run(save_announcement(None, form(&m, "price_competition"), None)).await.unwrap();
    assert_eq!(crate::db::ocds::process(pool, &draft).await.unwrap(), None);
    assert_eq!(crate::db::ocds::process(pool, "NO-SUCH-CODE").await.unwrap(), None);
    // the month's bulk selection finds it
    let (from, to) = ocds::month_range(&ocds::iso_shanghai(deadline())[..7]).unwrap();
    let id: i64 = sqlx::query_scalar("SELECT id FROM procurements WHERE code = $1").bind(&code).fetch_one(pool).await.unwrap();
    assert!(crate::db::ocds::changed_between(pool, from, to).await.unwrap().contains(&id));
}

/// Reads a change feed from `from` to its end; returns the rows and where it ends.
async fn drain_announcements(pool: &crate::db::Pool, from: crate::domain::feed::Cursor, limit: u32) -> (Vec<crate::db::public_api::AnnouncementEntry>, crate::domain::feed::Cursor) {
    let mut at = from;
    let mut out = Vec::new();
    loop {
        let rows = crate::db::public_api::announcements(pool, at, limit).await.unwrap();
        let cursors: Vec<_> = rows.iter().map(|(c, _)| *c).collect();
        let next = crate::domain::feed::next_cursor(at, &cursors);
        assert!(cursors.windows(2).all(|w| w[0] < w[1]) && cursors.first().is_none_or(|c| *c > at), "the feed goes forward");
        let n = rows.len();
        out.extend(rows.into_iter().map(|(_, e)| e));
        at = next;
        if n < limit as usize {
            return (out, at);
        }
    }
}

#[tokio::test]
async fn the_public_announcement_feed_brings_each_public_change_once_and_nothing_sealed() {
    use crate::domain::feed::Cursor;
    let m = market(3).await;
    let pool = &m.app.state.pool;
    // the whole feed, read in pages of 7: every published announcement once, no draft
    let (all, end) = drain_announcements(pool, Cursor::START, 7).await;
    let published: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM procurements WHERE status <> 'draft' AND published_at IS NOT NULL").fetch_one(pool).await.unwrap();
    assert_eq!(all.len() as i64, published);
    let mut codes: Vec<&str> = all.iter().map(|e| e.code.as_str()).collect();
    codes.sort();
    codes.dedup();
    assert_eq!(codes.len(), all.len(), "each announcement once");
    // nothing new: an empty page and the same offset to poll with
    assert!(crate::db::public_api::announcements(pool, end, 100).await.unwrap().is_empty());

    let code = m.publish("price_competition").await;
    m.as_owner().await;
    let draft = m.app.run(save_announcement(None, form(&m, "price_competition"), None)).await.unwrap();
    let (new, end) = drain_announcements(pool, end, 100).await;
    assert_eq!(new.iter().map(|e| e.code.as_str()).collect::<Vec<_>>(), [code.as_str()], "the publication, not the draft");
    assert_eq!((new[0].status.as_str(), new[0].budget_fen), ("published", 10_000_000));
    assert_eq!(crate::db::public_api::announcement(pool, &draft, m.app.clock_now()).await.unwrap(), None);

    // quotes arriving change nothing public: no feed entry, no amount or name in the detail
    let amounts = ["90317", "85241", "95173"];
    for (i, amount) in amounts.iter().enumerate() {
        m.as_firm(i).await;
        m.app.run(submit_quote(code.clone(), amount.to_string())).await.unwrap();
    }
    let (none, end) = drain_announcements(pool, end, 100).await;
    assert!(none.is_empty(), "a sealed quote is no public change: {none:?}");
    let before = crate::db::public_api::announcement(pool, &code, m.app.clock_now()).await.unwrap().unwrap();
    let json = serde_json::to_string(&before).unwrap();
    for secret in amounts.iter().map(|a| format!("{a}00")).chain(m.firms.iter().map(|f| f.1.clone())) {
        assert!(!json.contains(&secret), "{secret} is public before the deadline: {json}");
    }
    assert_eq!((before.participant_count, before.quotes.len()), (None, 0));

    // the deadline: opened, ranked, the lowest selected: the announcement comes again, once, newer
    // (with the demo market's others whose deadline passed on the way)
    m.advance_to(deadline()).await;
    let (opened, end) = drain_announcements(pool, end, 100).await;
    let ours: Vec<_> = opened.iter().filter(|e| e.code == code).collect();
    assert_eq!(ours.len(), 1, "{opened:?}");
    assert_eq!(ours[0].date_modified, crate::domain::ocds::iso_shanghai(deadline()));
    assert!(opened.iter().all(|e| e.status != "published"), "only what the deadline changed: {opened:?}");
    let after = crate::db::public_api::announcement(pool, &code, m.app.clock_now()).await.unwrap().unwrap();
    let mut quoted: Vec<i64> = after.quotes.iter().map(|q| q.amount_fen).collect();
    quoted.sort();
    assert_eq!(quoted, [8_524_100, 9_031_700, 9_517_300]);
    assert_eq!(after.participant_count, Some(3));
    let award = after.award.expect("the lowest is selected");
    assert_eq!((award.firm.credit_code.as_str(), award.amount_fen, award.status.as_str()), (m.firms[1].1.as_str(), 8_524_100, "publicity"));

    // the selected firm declines: the award moves on, and so does the feed
    m.advance_to(deadline() + 3_600_000).await;
    m.as_firm(1).await;
    m.app.run(respond_award(code.clone(), "decline".into(), Some("人员已满负荷，无法按期完成".into()))).await.unwrap();
    let (declined, _) = drain_announcements(pool, end, 100).await;
    assert_eq!(declined.iter().map(|e| e.code.as_str()).collect::<Vec<_>>(), [code.as_str()]);
    let now = crate::db::public_api::announcement(pool, &code, m.app.clock_now()).await.unwrap().unwrap();
    assert_eq!(now.award.map(|a| a.firm.credit_code), Some(m.firms[0].1.clone()));
    assert_eq!(now.entry.date_modified, crate::domain::ocds::iso_shanghai(deadline() + 3_600_000));
}

#[tokio::test]
async fn a_draft_cancelled_before_publication_never_reaches_the_public_list() {
    let m = market(1).await;
    m.as_owner().await;
    let mut f = form(&m, "random_draw");
    f.title = "从未发布即撤销的草稿".into();
    let draft = m.app.run(save_announcement(None, f, None)).await.unwrap();
    m.app.run(cancel_announcement(draft.clone(), "项目取消,不再采购".into())).await.unwrap();
    let published = m.publish("random_draw").await;
    let listed = |q: &str, status: &str| {
        let q = crate::model::trading::AnnouncementQuery { q: q.into(), status: status.into(), ..Default::default() };
        async { m.app.run(list_announcements(q)).await.unwrap().items.into_iter().map(|r| r.code).collect::<Vec<_>>() }
    };
    assert_eq!(listed("从未发布即撤销", "").await, Vec::<String>::new(), "a cancelled draft was never public");
    assert_eq!(listed(&draft, "cancelled").await, Vec::<String>::new());
    assert_eq!(listed(&published, "").await, vec![published.clone()]);
}
