//! Evaluation and star levels at the server-function level (SQLite, and
//! PostgreSQL with `ZJCS_TEST_DATABASE`): the owner rates a completed contract
//! once (four dimensions and each key staff member), the firm replies once, the
//! rating and the star calculation are public; persistently poor ratings create
//! a downgrade proposal for the regulator in scope, who downgrades the firm (the
//! public star level changes); the firm appeals once and the regulator decides.
use super::ratings::*;
use crate::db::testing::{AccountScope, TestApp};
use crate::domain::accounts::Role;
use crate::error::AppError;
use crate::model::ratings::{RatingInput, StaffScoreInput};

struct Fx {
    app: TestApp,
    /// Completed contracts of the firm, none rated.
    codes: Vec<String>,
    firm_code: String,
    staff_id: i64,
    owner: i64,
    firm: i64,
    regulator: i64,
    regulator_elsewhere: i64,
}

/// Three completed contracts (demo contracts moved to one firm and one owner),
/// the firm's ratings removed, one technical staff member.
async fn fixture() -> Fx {
    let app = TestApp::new().await;
    let pool = app.state.pool.clone();
    let rows: Vec<(i64, i64, i64)> = sqlx::query_as("SELECT id, firm_id, owner_id FROM contracts WHERE status = 'completed' ORDER BY id LIMIT 3")
        .fetch_all(&pool)
        .await
        .unwrap();
    assert_eq!(rows.len(), 3, "the demo market has completed contracts");
    let (_, firm_id, owner_id) = rows[0];
    for (id, _, _) in &rows {
        sqlx::query("UPDATE contracts SET firm_id = $2, owner_id = $3 WHERE id = $1").bind(id).bind(firm_id).bind(owner_id).execute(&pool).await.unwrap();
    }
    sqlx::query("DELETE FROM ratings WHERE firm_id = $1 OR contract_id IN (SELECT id FROM contracts WHERE firm_id = $1)").bind(firm_id).execute(&pool).await.unwrap();
    sqlx::query("DELETE FROM firm_staff WHERE firm_id = $1 AND role IN ('manager', 'technical')").bind(firm_id).execute(&pool).await.ok();
    let staff_id: i64 = sqlx::query_scalar(
        "INSERT INTO firm_staff (firm_id, role, name, title, certificate, id_number, phone, created_at) \
         VALUES ($1, 'technical', '张工', '高级工程师', NULL, '330102198001011234', '13800000000', 0) RETURNING id",
    )
    .bind(firm_id)
    .fetch_one(&pool)
    .await
    .unwrap();
    let ids: Vec<i64> = rows.iter().map(|r| r.0).collect();
    let mut codes = Vec::new();
    for id in &ids {
        codes.push(sqlx::query_scalar::<_, String>("SELECT code FROM contracts WHERE id = $1").bind(id).fetch_one(&pool).await.unwrap());
    }
    let (firm_code, region): (String, String) = sqlx::query_as("SELECT credit_code, region_code FROM firms WHERE id = $1").bind(firm_id).fetch_one(&pool).await.unwrap();
    let industry: String = sqlx::query_scalar("SELECT p.industry_code FROM contracts c JOIN procurements p ON p.id = c.procurement_id WHERE c.id = $1")
        .bind(ids[2])
        .fetch_one(&pool)
        .await
        .unwrap();
    let other_industry: String = sqlx::query_scalar("SELECT code FROM industries WHERE code <> $1 ORDER BY code LIMIT 1").bind(&industry).fetch_one(&pool).await.unwrap();
    let owner = app.account("rate.owner", Role::Owner, AccountScope { owner_id: Some(owner_id), ..Default::default() }).await;
    let firm = app.account("rate.firm", Role::Firm, AccountScope { firm_id: Some(firm_id), ..Default::default() }).await;
    let regulator = app.account("rate.reg", Role::Regulator, AccountScope { region_code: Some(&region), industry_code: Some(&industry), ..Default::default() }).await;
    let regulator_elsewhere =
        app.account("rate.reg2", Role::Regulator, AccountScope { region_code: Some(&region), industry_code: Some(&other_industry), ..Default::default() }).await;
    Fx { app, codes, firm_code, staff_id, owner, firm, regulator, regulator_elsewhere }
}

fn input(code: &str, scores: [&str; 4], staff: Option<(i64, &str)>) -> RatingInput {
    RatingInput {
        code: code.into(),
        timeliness: scores[0].into(),
        quality: scores[1].into(),
        attitude: scores[2].into(),
        fee_compliance: scores[3].into(),
        comment: "按期完成,成果规范".into(),
        staff: staff.map(|(id, s)| vec![StaffScoreInput { staff_id: id, score: s.into(), comment: "认真负责".into() }]).unwrap_or_default(),
    }
}

fn field(e: AppError) -> (String, String) {
    match e {
        AppError::InvalidInput { field, key } => (field, key),
        other => panic!("expected a field error, got {other:?}"),
    }
}

#[tokio::test]
async fn owner_rates_once_firm_replies_once_and_it_is_public() {
    let fx = fixture().await;
    let app = &fx.app;
    let code = fx.codes[0].clone();
    app.sign_in_as(fx.owner).await;
    let panel = app.run(get_rating_panel(code.clone())).await.unwrap();
    assert!(panel.may_rate && !panel.may_reply && panel.rating.is_none());
    assert_eq!(panel.staff.iter().map(|s| s.id).collect::<Vec<_>>(), vec![fx.staff_id], "the key staff member is listed");
    // bad input: a score out of range, a missing staff score
    let e = app.run(rate_contract(input(&code, ["6", "5", "5", "5"], Some((fx.staff_id, "5"))))).await.unwrap_err();
    assert_eq!(field(e), ("timeliness".into(), "ratings.error_score".into()));
    let e = app.run(rate_contract(input(&code, ["5", "5", "5", "5"], None))).await.unwrap_err();
    assert_eq!(field(e), (format!("staff_{}", fx.staff_id), "ratings.error_score".into()));
    app.run(rate_contract(input(&code, ["5", "4", "5", "5"], Some((fx.staff_id, "4"))))).await.unwrap();
    let e = app.run(rate_contract(input(&code, ["1", "1", "1", "1"], Some((fx.staff_id, "1"))))).await.unwrap_err();
    assert_eq!(field(e).1, "ratings.error_already_rated", "one rating per contract");
    // the firm cannot rate, the owner cannot reply
    assert!(app.run(reply_to_rating(code.clone(), "感谢认可".into())).await.is_err());
    app.sign_in_as(fx.firm).await;
    assert!(app.run(rate_contract(input(&code, ["5", "5", "5", "5"], Some((fx.staff_id, "5"))))).await.is_err());
    let panel = app.run(get_rating_panel(code.clone())).await.unwrap();
    assert!(panel.may_reply && !panel.may_rate);
    let e = app.run(reply_to_rating(code.clone(), " ".into())).await.unwrap_err();
    assert_eq!(field(e).1, "ratings.error_reply");
    app.run(reply_to_rating(code.clone(), "感谢业主认可,我们将继续努力。".into())).await.unwrap();
    let e = app.run(reply_to_rating(code.clone(), "再次回复".into())).await.unwrap_err();
    assert_eq!(field(e).1, "ratings.error_already_replied");
    // public: anyone sees the rating, the staff score, the reply and the calculation
    app.new_session();
    let public = app.run(get_firm_ratings(fx.firm_code.clone(), 1)).await.unwrap();
    assert_eq!(public.ratings.total, 1);
    let r = &public.ratings.items[0];
    assert_eq!((r.sum(), r.staff.len(), r.staff[0].score), (19, 1, 4));
    assert_eq!(r.reply.as_deref(), Some("感谢业主认可,我们将继续努力。"));
    assert_eq!((public.calc.level, public.calc.new_badge), (3, true), "one rating: the starting level with the badge");
    assert_eq!(public.calc.lines.len(), 1);
    assert!(!public.formula.is_empty());
    let cached: Option<i64> = sqlx::query_scalar("SELECT star_level FROM firms WHERE credit_code = $1").bind(&fx.firm_code).fetch_one(&app.state.pool).await.unwrap();
    assert_eq!(cached, Some(3), "cached on the firm");
    // an unknown firm
    assert_eq!(app.run(get_firm_ratings("NO-SUCH".into(), 1)).await.unwrap_err(), AppError::NotFound);
}

#[tokio::test]
async fn poor_ratings_lead_to_a_public_downgrade_and_an_appeal() {
    let fx = fixture().await;
    let app = &fx.app;
    app.sign_in_as(fx.owner).await;
    // sums 8, 9, 10: average 2.250 < 2.500 within 6 months
    for (code, s) in fx.codes.iter().zip([["2", "2", "2", "2"], ["3", "2", "2", "2"], ["3", "3", "2", "2"]]) {
        app.run(rate_contract(input(code, s, Some((fx.staff_id, "2"))))).await.unwrap();
        app.clock.advance(86_400_000);
    }
    app.new_session();
    let before = app.run(get_firm_ratings(fx.firm_code.clone(), 1)).await.unwrap();
    assert_eq!((before.calc.level, before.calc.new_badge), (2, false), "three poor ratings: 2 stars");
    // the regulator of another industry does not see the proposal
    app.sign_in_as(fx.regulator_elsewhere).await;
    assert!(app.run(get_sanctions_desk()).await.unwrap().proposals.is_empty());
    app.sign_in_as(fx.regulator).await;
    let desk = app.run(get_sanctions_desk()).await.unwrap();
    assert_eq!(desk.proposals.len(), 1, "one automatic proposal");
    let p = desk.proposals[0].clone();
    assert_eq!((p.status.as_str(), p.rating_count, p.average_milli), ("open", 3, 2_250));
    app.sign_in_as(fx.regulator_elsewhere).await;
    assert_eq!(app.run(act_on_proposal(p.id, "downgrade".into(), "连续差评,降级处理".into(), "1".into(), "2099-01-01".into())).await.unwrap_err(), AppError::NotFound);
    app.sign_in_as(fx.regulator).await;
    // bad input
    let e = app.run(act_on_proposal(p.id, "downgrade".into(), "连续差评,降级处理".into(), "9".into(), desk.today.clone())).await.unwrap_err();
    assert_eq!(field(e), ("star_cap".into(), "ratings.error_cap".into()));
    let e = app.run(act_on_proposal(p.id, "downgrade".into(), "连续差评,降级处理".into(), "1".into(), desk.today.clone())).await.unwrap_err();
    assert_eq!(field(e), ("until".into(), "ratings.error_until".into()), "the last day must be after today");
    let e = app.run(act_on_proposal(p.id, "downgrade".into(), "短".into(), "1".into(), "2099-01-01".into())).await.unwrap_err();
    assert_eq!(field(e).0, "reason");
    let y: i32 = desk.today[..4].parse().unwrap();
    let until = format!("{}{}", y + 1, &desk.today[4..]);
    app.run(act_on_proposal(p.id, "downgrade".into(), "连续差评,降级处理".into(), "1".into(), until.clone())).await.unwrap();
    let e = app.run(act_on_proposal(p.id, "expel".into(), "连续差评,清退处理".into(), String::new(), String::new())).await.unwrap_err();
    assert_eq!(field(e).1, "ratings.error_decided", "a proposal is decided once");
    // public: the level changed and the action is listed with its date
    app.new_session();
    let after = app.run(get_firm_ratings(fx.firm_code.clone(), 1)).await.unwrap();
    assert_eq!((after.calc.level, after.calc.computed, after.calc.cap), (1, 2, Some(1)));
    assert_eq!(after.sanctions.len(), 1);
    let s = after.sanctions[0].clone();
    assert_eq!((s.kind.as_str(), s.star_cap, s.until.as_deref()), ("downgrade", Some(1), Some(until.as_str())));
    assert!(!after.own_firm);
    // the firm appeals once
    app.sign_in_as(fx.firm).await;
    assert!(app.run(get_firm_ratings(fx.firm_code.clone(), 1)).await.unwrap().own_firm);
    let e = app.run(appeal_sanction(s.id, "太短".into())).await.unwrap_err();
    assert_eq!(field(e).1, "ratings.error_appeal");
    app.run(appeal_sanction(s.id, "差评涉及的项目延误系业主资料提供不及时所致,请求撤销降级。".into())).await.unwrap();
    let e = app.run(appeal_sanction(s.id, "再次申诉再次申诉再次申诉再次申诉".into())).await.unwrap_err();
    assert_eq!(field(e).1, "ratings.error_already_appealed");
    // the regulator upholds it: the cap is lifted
    app.sign_in_as(fx.regulator).await;
    let desk = app.run(get_sanctions_desk()).await.unwrap();
    assert_eq!(desk.sanctions[0].appeal_status.as_deref(), Some("pending"));
    app.run(decide_appeal(s.id, true, "经核查申诉理由成立,撤销降级".into())).await.unwrap();
    assert!(app.run(decide_appeal(s.id, false, "重复处理重复处理".into())).await.is_err());
    app.new_session();
    let last = app.run(get_firm_ratings(fx.firm_code.clone(), 1)).await.unwrap();
    assert_eq!((last.calc.level, last.calc.cap), (2, None));
    assert_eq!(last.sanctions[0].appeal_status.as_deref(), Some("upheld"));
    assert!(last.sanctions[0].revoked_at.is_some());
}

#[tokio::test]
async fn suspension_and_expulsion_change_the_firm_status() {
    let fx = fixture().await;
    let app = &fx.app;
    let pool = app.state.pool.clone();
    app.sign_in_as(fx.owner).await;
    for code in &fx.codes {
        app.run(rate_contract(input(code, ["1", "1", "2", "1"], Some((fx.staff_id, "1"))))).await.unwrap();
    }
    app.sign_in_as(fx.regulator).await;
    let desk = app.run(get_sanctions_desk()).await.unwrap();
    let p = desk.proposals[0].id;
    let y: i32 = desk.today[..4].parse().unwrap();
    let until = format!("{}{}", y + 1, &desk.today[4..]);
    app.run(act_on_proposal(p, "suspend".into(), "连续差评,暂停执业".into(), String::new(), until)).await.unwrap();
    let status: String = sqlx::query_scalar("SELECT status FROM firms WHERE credit_code = $1").bind(&fx.firm_code).fetch_one(&pool).await.unwrap();
    assert_eq!(status, "suspended");
    // a new poor rating (of the same industry) opens a new proposal; expulsion
    let gone = "(SELECT r.id FROM ratings r JOIN contracts c ON c.id = r.contract_id WHERE c.code = $1)";
    sqlx::query(&format!("DELETE FROM rating_staff WHERE rating_id IN {gone}")).bind(&fx.codes[2]).execute(&pool).await.unwrap();
    sqlx::query(&format!("DELETE FROM ratings WHERE id IN {gone}")).bind(&fx.codes[2]).execute(&pool).await.unwrap();
    app.sign_in_as(fx.owner).await;
    app.run(rate_contract(input(&fx.codes[2], ["1", "1", "1", "1"], Some((fx.staff_id, "1"))))).await.unwrap();
    app.sign_in_as(fx.regulator).await;
    let open: Vec<i64> = app.run(get_sanctions_desk()).await.unwrap().proposals.iter().filter(|p| p.status == "open").map(|p| p.id).collect();
    assert_eq!(open.len(), 1);
    app.run(act_on_proposal(open[0], "expel".into(), "屡次差评,予以清退".into(), String::new(), String::new())).await.unwrap();
    let status: String = sqlx::query_scalar("SELECT status FROM firms WHERE credit_code = $1").bind(&fx.firm_code).fetch_one(&pool).await.unwrap();
    assert_eq!(status, "expelled");
    app.new_session();
    let public = app.run(get_firm_ratings(fx.firm_code.clone(), 1)).await.unwrap();
    assert_eq!(public.sanctions.iter().map(|s| s.kind.as_str()).collect::<Vec<_>>(), vec!["expel", "suspend"]);
}

#[tokio::test]
async fn the_regulator_sanctions_a_firm_in_scope_directly() {
    let fx = fixture().await;
    let app = &fx.app;
    let pool = app.state.pool.clone();
    // the firm offers an item of the regulator's industry and none of the other's
    let firm_id: i64 = sqlx::query_scalar("SELECT id FROM firms WHERE credit_code = $1").bind(&fx.firm_code).fetch_one(&pool).await.unwrap();
    let industry: String = sqlx::query_scalar("SELECT p.industry_code FROM contracts c JOIN procurements p ON p.id = c.procurement_id WHERE c.code = $1")
        .bind(&fx.codes[2])
        .fetch_one(&pool)
        .await
        .unwrap();
    let other: String = sqlx::query_scalar("SELECT code FROM industries WHERE code <> $1 ORDER BY code LIMIT 1").bind(&industry).fetch_one(&pool).await.unwrap();
    sqlx::query("DELETE FROM firm_items WHERE firm_id = $1 AND item_id IN (SELECT id FROM service_items WHERE industry_code = $2)")
        .bind(firm_id)
        .bind(&other)
        .execute(&pool)
        .await
        .unwrap();
    sqlx::query(
        "INSERT INTO firm_items (firm_id, item_id, fee_standard, promised_days) SELECT $1, id, '按服务收费标准', 10 FROM service_items \
         WHERE industry_code = $2 AND id NOT IN (SELECT item_id FROM firm_items WHERE firm_id = $1) LIMIT 1",
    )
    .bind(firm_id)
    .bind(&industry)
    .execute(&pool)
    .await
    .unwrap();
    app.sign_in_as(fx.regulator_elsewhere).await;
    // the firm has no service item of this regulator's industry: same answer as an unknown code
    let e = app.run(sanction_firm(fx.firm_code.clone(), "expel".into(), "严重违规,予以清退".into(), String::new(), String::new())).await.unwrap_err();
    assert_eq!(field(e), ("credit_code".into(), "ratings.error_firm".into()));
    app.sign_in_as(fx.regulator).await;
    let e = app.run(sanction_firm("91000000000000000X".into(), "expel".into(), "严重违规,予以清退".into(), String::new(), String::new())).await.unwrap_err();
    assert_eq!(field(e), ("credit_code".into(), "ratings.error_firm".into()));
    let e = app.run(sanction_firm(fx.firm_code.clone(), "dismiss".into(), "不予处理".into(), String::new(), String::new())).await.unwrap_err();
    assert_eq!(field(e), ("kind".into(), "ratings.error_kind".into()));
    let e = app.run(sanction_firm(fx.firm_code.clone(), "downgrade".into(), "出具虚假报告".into(), "2".into(), String::new())).await.unwrap_err();
    assert_eq!(field(e), ("until".into(), "ratings.error_until".into()));
    let today = app.run(get_sanctions_desk()).await.unwrap().today;
    let until = format!("{}{}", today[..4].parse::<i32>().unwrap() + 1, &today[4..]);
    app.run(sanction_firm(fx.firm_code.to_lowercase(), "downgrade".into(), "出具虚假报告".into(), "2".into(), until.clone())).await.unwrap();
    let desk = app.run(get_sanctions_desk()).await.unwrap();
    assert!(desk.can_act);
    assert_eq!(desk.sanctions.iter().map(|s| (s.kind.as_str(), s.star_cap)).collect::<Vec<_>>(), vec![("downgrade", Some(2))]);
    // public, dated, and the cap holds the level down even with top ratings
    app.sign_in_as(fx.owner).await;
    for code in &fx.codes {
        app.run(rate_contract(input(code, ["5", "5", "5", "5"], Some((fx.staff_id, "5"))))).await.unwrap();
    }
    app.new_session();
    let public = app.run(get_firm_ratings(fx.firm_code.clone(), 1)).await.unwrap();
    assert_eq!((public.calc.computed, public.calc.level), (5, 2));
    assert_eq!(public.sanctions.len(), 1);
    let (cap, cap_until): (Option<i64>, Option<String>) =
        sqlx::query_as("SELECT star_cap, star_cap_until FROM firms WHERE credit_code = $1").bind(&fx.firm_code).fetch_one(&pool).await.unwrap();
    assert_eq!((cap, cap_until), (Some(2), Some(until)));
}

#[tokio::test]
async fn the_daily_sweep_proposes_once_and_not_again_after_a_dismissal() {
    let fx = fixture().await;
    let app = &fx.app;
    let pool = app.state.pool.clone();
    // poor ratings written straight into the database (as the demo market does);
    // the latest is of the regulator's industry, where the sweep routes its proposal
    let firm_id: i64 = sqlx::query_scalar("SELECT id FROM firms WHERE credit_code = $1").bind(&fx.firm_code).fetch_one(&pool).await.unwrap();
    let now = app.state.now_ms();
    for (n, code) in fx.codes.iter().enumerate() {
        sqlx::query(
            "INSERT INTO ratings (contract_id, firm_id, timeliness, quality, attitude, fee_compliance, rated_at) \
             SELECT id, firm_id, 1, 2, 2, 1, $2 FROM contracts WHERE code = $1",
        )
        .bind(code)
        .bind(now - (3 - n as i64) * 86_400_000)
        .execute(&pool)
        .await
        .unwrap();
    }
    sqlx::query("DELETE FROM firm_sanction_proposals").execute(&pool).await.unwrap();
    assert!(crate::db::nightly(&app.state, now).await.unwrap(), "the first call of the day runs");
    assert!(!crate::db::nightly(&app.state, now + 60_000).await.unwrap(), "once per day");
    let open: Vec<(i64, String)> = sqlx::query_as("SELECT id, industry_code FROM firm_sanction_proposals WHERE firm_id = $1 AND status = 'open'")
        .bind(firm_id)
        .fetch_all(&pool)
        .await
        .unwrap();
    assert_eq!(open.len(), 1, "the sweep opened a proposal");
    let level: Option<i64> = sqlx::query_scalar("SELECT star_level FROM firms WHERE id = $1").bind(firm_id).fetch_one(&pool).await.unwrap();
    assert_eq!(level, Some(1), "and cached the star level (average 1.500)");
    app.sign_in_as(fx.regulator).await;
    app.run(act_on_proposal(open[0].0, "dismiss".into(), "情况已整改,不予处理".into(), String::new(), String::new())).await.unwrap();
    // the next day's sweep does not re-open it; a new poor rating would
    assert!(crate::db::nightly(&app.state, now + 86_400_000).await.unwrap());
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM firm_sanction_proposals WHERE firm_id = $1").bind(firm_id).fetch_one(&pool).await.unwrap();
    assert_eq!(n, 1);
}
