//! Credit archive end to end at the server-function level: rewards and
//! penalties move the cached score, scope rules, CSV import errors naming row and
//! column, the blacklist refusing registration and quotes, contract flags.
use super::credit::*;
use crate::db::testing::{AccountScope, TestApp};
use crate::domain::accounts::Role;
use crate::error::AppError;

struct Setup {
    app: TestApp,
    firm_id: i64,
    credit_code: String,
    firm_user: i64,
    regulator: i64,
    other_regulator: i64,
    /// An open procurement the firm is in scope for.
    proc_code: String,
    item_industry: String,
}

async fn setup() -> Setup {
    let app = TestApp::new().await;
    let pool = &app.state.pool;
    let now = crate::state::Clock::now_ms(&*app.clock);
    let (proc_id, proc_code, item_id, industry): (i64, String, i64, String) =
        sqlx::query_as("SELECT p.id, p.code, p.item_id, s.industry_code FROM procurements p JOIN service_items s ON s.id = p.item_id ORDER BY p.id LIMIT 1")
            .fetch_one(pool)
            .await
            .unwrap();
    // an open announcement (test setup): published, deadline tomorrow
    sqlx::query("UPDATE procurements SET status = 'published', deadline_at = $1, published_at = $2 WHERE id = $3")
        .bind(now + 86_400_000)
        .bind(now - 86_400_000)
        .bind(proc_id)
        .execute(pool)
        .await
        .unwrap();
    let (firm_id, credit_code, region): (i64, String, String) =
        sqlx::query_as("SELECT id, credit_code, region_code FROM firms WHERE status = 'active' ORDER BY id LIMIT 1").fetch_one(pool).await.unwrap();
    sqlx::query("INSERT INTO firm_items (firm_id, item_id, fee_standard, promised_days) VALUES ($1, $2, '按国家标准', 10) ON CONFLICT DO NOTHING")
        .bind(firm_id)
        .bind(item_id)
        .execute(pool)
        .await
        .unwrap();
    let other_industry: String = sqlx::query_scalar("SELECT code FROM industries WHERE code <> $1 ORDER BY code LIMIT 1")
        .bind(&industry)
        .fetch_one(pool)
        .await
        .unwrap();
    // the other industry must not be among the firm's items for the scope test
    sqlx::query("DELETE FROM firm_items WHERE firm_id = $1 AND item_id IN (SELECT id FROM service_items WHERE industry_code = $2)")
        .bind(firm_id)
        .bind(&other_industry)
        .execute(pool)
        .await
        .unwrap();
    let firm_user = app.account("credit.firm", Role::Firm, AccountScope { firm_id: Some(firm_id), ..Default::default() }).await;
    let regulator = app
        .account("credit.reg", Role::Regulator, AccountScope { region_code: Some(&region), industry_code: Some(&industry), ..Default::default() })
        .await;
    let other_regulator = app
        .account("credit.other", Role::Regulator, AccountScope { region_code: Some(&region), industry_code: Some(&other_industry), ..Default::default() })
        .await;
    Setup { app, firm_id, credit_code, firm_user, regulator, other_regulator, proc_code, item_industry: industry }
}

async fn cached(s: &Setup) -> (Option<i64>, Option<String>) {
    sqlx::query_as("SELECT credit_score, credit_grade FROM firms WHERE id = $1").bind(s.firm_id).fetch_one(&s.app.state.pool).await.unwrap()
}

fn field_of(e: AppError) -> (String, String) {
    match e {
        AppError::InvalidInput { field, key } => (field, key),
        other => panic!("expected a field error, got {other:?}"),
    }
}

#[tokio::test]
async fn credit_rewards_and_penalties_move_the_cached_score_and_show_in_the_archive() {
    let s = setup().await;
    s.app.sign_in_as(s.regulator).await;
    let before = s.app.run(get_credit_archive(s.credit_code.clone())).await.unwrap();
    let b = &before.breakdown;
    assert_eq!(b.total, b.regulator + b.public_data + b.social, "the breakdown adds up");
    let after_reward = s
        .app
        .run(add_credit_record(s.credit_code.clone(), "reward".into(), "年度优秀中介机构".into(), "5".into(), "2026-11-01".into(), "".into(), "监管〔2026〕1号".into()))
        .await
        .unwrap();
    let expected = (b.regulator + 5).min(70) + b.public_data + b.social;
    assert_eq!(after_reward, expected);
    assert_eq!(cached(&s).await.0, Some(expected), "the score is cached on the firm");
    let after_penalty = s
        .app
        .run(add_credit_record(s.credit_code.clone(), "penalty".into(), "超期未出具报告".into(), "12".into(), "2026-11-02".into(), "2027-11-01".into(), "监管〔2026〕2号".into()))
        .await
        .unwrap();
    assert_eq!(after_penalty, expected - 12);
    let (score, grade) = cached(&s).await;
    assert_eq!(score, Some(after_penalty));
    assert_eq!(grade.as_deref(), Some(crate::domain::credit::Grade::of_score(after_penalty).as_str()));
    // anyone (signed out) sees both records with their validity on the public archive
    s.app.new_session();
    let a = s.app.run(get_credit_archive(s.credit_code.clone())).await.unwrap();
    assert_eq!(a.breakdown.total, after_penalty);
    assert_eq!(a.records.len(), 2);
    assert!(a.records.iter().any(|r| r.points == -12 && r.valid_to.as_deref() == Some("2027-11-01") && r.valid));
    let hits = s.app.run(credit_lookup(s.credit_code.clone())).await.unwrap();
    assert_eq!(hits.len(), 1);
    assert_eq!(hits[0].score, Some(after_penalty));
    // a record that expired no longer counts
    s.app.sign_in_as(s.regulator).await;
    let expired = s
        .app
        .run(add_credit_record(s.credit_code.clone(), "penalty".into(), "过期的惩戒".into(), "3".into(), "2024-01-01".into(), "2024-12-31".into(), "监管〔2024〕9号".into()))
        .await
        .unwrap();
    assert_eq!(expired, after_penalty);
}

#[tokio::test]
async fn credit_entries_are_refused_outside_the_regulators_scope_and_bad_fields_are_named() {
    let s = setup().await;
    s.app.sign_in_as(s.other_regulator).await;
    let e = s
        .app
        .run(add_credit_record(s.credit_code.clone(), "reward".into(), "越权表彰".into(), "5".into(), "2026-11-01".into(), "".into(), "X-1".into()))
        .await
        .unwrap_err();
    assert_eq!(e, AppError::Forbidden, "another industry's regulator cannot touch this firm");
    let e = s.app.run(add_list_entry(s.credit_code.clone(), "black".into(), "越权列入黑名单".into(), "2026-11-20".into(), "".into())).await.unwrap_err();
    assert_eq!(e, AppError::Forbidden);
    s.app.sign_in_as(s.regulator).await;
    let e = s.app.run(add_credit_record("91000000000000000X".into(), "reward".into(), "表彰".into(), "5".into(), "2026-11-01".into(), "".into(), "X-1".into())).await.unwrap_err();
    assert_eq!(field_of(e), ("credit_code".into(), "credit.firm_unknown".into()));
    let bad = |kind: &str, points: &str, from: &str, to: &str| {
        add_credit_record(s.credit_code.clone(), kind.into(), "一条记录".into(), points.into(), from.into(), to.into(), "X-1".into())
    };
    assert_eq!(field_of(s.app.run(bad("gift", "5", "2026-11-01", "")).await.unwrap_err()).0, "kind");
    assert_eq!(field_of(s.app.run(bad("reward", "25", "2026-11-01", "")).await.unwrap_err()).0, "points");
    assert_eq!(field_of(s.app.run(bad("reward", "5", "2026-02-30", "")).await.unwrap_err()).0, "decided_on");
    assert_eq!(field_of(s.app.run(bad("reward", "5", "2026-11-01", "2026-10-01")).await.unwrap_err()), ("valid_to".into(), "credit.valid_to_before".into()));
    let e = s.app.run(add_list_entry(s.credit_code.clone(), "grey".into(), "理由五个字".into(), "2026-11-20".into(), "".into())).await.unwrap_err();
    assert_eq!(field_of(e).0, "list");
    // nothing was written
    assert!(s.app.run(get_credit_archive(s.credit_code.clone())).await.unwrap().records.is_empty());
    // the firm itself may not write its own record
    s.app.sign_in_as(s.firm_user).await;
    let e = s.app.run(add_credit_record(s.credit_code.clone(), "reward".into(), "自我表彰".into(), "5".into(), "2026-11-01".into(), "".into(), "X-1".into())).await.unwrap_err();
    assert_eq!(e, AppError::Forbidden);
}

#[tokio::test]
async fn credit_csv_import_names_row_and_column_and_is_all_or_nothing() {
    let s = setup().await;
    s.app.sign_in_as(s.regulator).await;
    let header = "credit_code,kind,title,points,decided_on,valid_to,document_no";
    let bad = format!(
        "{header}\n{c},reward,省级表彰,5,2026-10-01,,省信用〔2026〕1号\n{c},penalty,行政处罚,30,2026-10-02,,省信用〔2026〕2号\n91000000000000000X,reward,表彰,5,2026-10-01,,X\n{c},惩戒,行政处罚,3,2026-13-01,,省信用〔2026〕3号\n",
        c = s.credit_code
    );
    let r = s.app.run(import_credit_csv(bad)).await.unwrap();
    assert_eq!(r.added, 0, "nothing is imported while any row is wrong");
    let errs: Vec<(usize, &str, &str)> = r.errors.iter().map(|e| (e.row, e.column.as_str(), e.key.as_str())).collect();
    assert_eq!(errs, vec![(3, "points", "credit.points_invalid"), (4, "credit_code", "credit.firm_unknown"), (5, "decided_on", "credit.date_invalid")]);
    assert!(s.app.run(get_credit_archive(s.credit_code.clone())).await.unwrap().records.is_empty());
    let r = s.app.run(import_credit_csv("code,kind\nx,y\n".into())).await.unwrap();
    assert_eq!((r.errors[0].row, r.errors[0].key.as_str()), (1, "credit.csv_header"));
    let before = s.app.run(get_credit_archive(s.credit_code.clone())).await.unwrap().breakdown;
    let good = format!("\u{feff}{header}\n{c},惩戒,信用中国行政处罚,4,2026-10-02,,省信用〔2026〕2号\n{c},reward,\"守信激励, 省级\",2,2026-10-03,2027-10-02,省信用〔2026〕4号\n", c = s.credit_code);
    let r = s.app.run(import_credit_csv(good)).await.unwrap();
    assert_eq!((r.added, r.errors.len()), (2, 0));
    let a = s.app.run(get_credit_archive(s.credit_code.clone())).await.unwrap();
    assert!(a.records.iter().all(|r| r.source == "import"));
    assert!(a.records.iter().any(|r| r.title == "守信激励, 省级"));
    // imported points count in the public data part: 10 − 4 + 2 = 8
    assert_eq!(a.breakdown.public_data, (before.public_data - 4 + 2).clamp(0, 10));
    assert_eq!(cached(&s).await.0, Some(a.breakdown.total));
    // another industry's regulator: every row is out of its scope
    s.app.sign_in_as(s.other_regulator).await;
    let r = s.app.run(import_credit_csv(format!("{header}\n{c},reward,表彰,1,2026-10-01,,X-1\n", c = s.credit_code))).await.unwrap();
    assert_eq!((r.errors[0].row, r.errors[0].column.as_str(), r.errors[0].key.as_str()), (2, "credit_code", "credit.firm_out_of_scope"));
}

#[tokio::test]
async fn credit_blacklisted_firm_is_refused_registration_and_quotes_with_a_clear_reason() {
    let s = setup().await;
    let pool = &s.app.state.pool;
    s.app.sign_in_as(s.regulator).await;
    s.app.run(add_list_entry(s.credit_code.clone(), "black".into(), "提供虚假报告，列入严重失信名单".into(), "2026-11-20".into(), "2027-11-19".into())).await.unwrap();
    assert_eq!(cached(&s).await.1.as_deref(), Some("D"), "a blacklisted firm is graded D");
    s.app.sign_in_as(s.firm_user).await;
    for method in ["random_draw", "price_competition"] {
        sqlx::query("UPDATE procurements SET method = $1 WHERE code = $2").bind(method).bind(&s.proc_code).execute(pool).await.unwrap();
        let e = match method {
            "random_draw" => s.app.run(super::trading::register_interest(s.proc_code.clone())).await.unwrap_err(),
            _ => s.app.run(super::trading::submit_quote(s.proc_code.clone(), "1".into())).await.unwrap_err(),
        };
        assert_eq!(field_of(e), ("eligibility".into(), "eligibility.blacklisted".into()), "{method}");
    }
    assert!(crate::i18n::t("eligibility.blacklisted").contains("黑名单"));
    // the public sees the entry with its validity
    s.app.new_session();
    let a = s.app.run(get_credit_archive(s.credit_code.clone())).await.unwrap();
    assert_eq!(a.lists.len(), 1);
    assert!(a.lists[0].valid && a.lists[0].valid_to.as_deref() == Some("2027-11-19"));
    assert_eq!(a.breakdown.grade, crate::domain::credit::Grade::D);
    assert!(s.app.run(credit_lookup(s.credit_code.clone())).await.unwrap()[0].blacklisted);
    // revoked: the blacklist no longer refuses
    s.app.sign_in_as(s.regulator).await;
    let id = a.lists[0].id;
    let e = s.app.run(revoke_list_entry(id, "短".into())).await.unwrap_err();
    assert_eq!(field_of(e).0, "revoke_reason");
    s.app.run(revoke_list_entry(id, "行政复议撤销原处罚决定".into())).await.unwrap();
    assert_ne!(cached(&s).await.1.as_deref(), Some("D").filter(|_| false));
    s.app.sign_in_as(s.firm_user).await;
    let r = s.app.run(super::trading::submit_quote(s.proc_code.clone(), "1".into())).await;
    if let Err(AppError::InvalidInput { key, .. }) = &r {
        assert_ne!(key, "eligibility.blacklisted");
    }
    // an entry from the future does not yet refuse
    s.app.sign_in_as(s.regulator).await;
    s.app.run(add_list_entry(s.credit_code.clone(), "black".into(), "明年生效的黑名单".into(), "2027-06-01".into(), "".into())).await.unwrap();
    s.app.sign_in_as(s.firm_user).await;
    let r = s.app.run(super::trading::submit_quote(s.proc_code.clone(), "1".into())).await;
    if let Err(AppError::InvalidInput { key, .. }) = &r {
        assert_ne!(key, "eligibility.blacklisted");
    }
    let _ = &s.item_industry;
}

#[tokio::test]
async fn credit_open_contracts_of_a_blacklisted_firm_are_flagged_to_parties_and_regulator() {
    let s = setup().await;
    let pool = &s.app.state.pool;
    let row: Option<(String, i64, i64, String, String)> = sqlx::query_as(
        "SELECT c.code, c.firm_id, c.owner_id, p.region_code, p.industry_code FROM contracts c JOIN procurements p ON p.id = c.procurement_id \
         WHERE c.status NOT IN ('completed', 'lapsed', 'terminated') ORDER BY c.id LIMIT 1",
    )
    .fetch_optional(pool)
    .await
    .unwrap();
    let Some((code, firm_id, owner_id, region, industry)) = row else {
        eprintln!("the demo market has no open contract; flag test skipped");
        return;
    };
    let credit_code: String = sqlx::query_scalar("SELECT credit_code FROM firms WHERE id = $1").bind(firm_id).fetch_one(pool).await.unwrap();
    let owner = s.app.account("credit.owner", Role::Owner, AccountScope { owner_id: Some(owner_id), ..Default::default() }).await;
    let reg = s.app.account("credit.reg2", Role::Regulator, AccountScope { region_code: Some(&region), industry_code: Some(&industry), ..Default::default() }).await;
    s.app.sign_in_as(owner).await;
    assert_eq!(s.app.run(contract_flag(code.clone())).await.unwrap(), None, "no flag while the firm is in good standing");
    sqlx::query("INSERT INTO credit_list_entries (firm_id, list, reason, valid_from, entered_at) VALUES ($1, 'black', '测试黑名单', '2026-01-01', 0)")
        .bind(firm_id)
        .execute(pool)
        .await
        .unwrap();
    let flag = s.app.run(contract_flag(code.clone())).await.unwrap().expect("flagged to the owner");
    assert_eq!((flag.code.as_str(), flag.credit_code.as_str()), (code.as_str(), credit_code.as_str()));
    s.app.sign_in_as(reg).await;
    assert!(s.app.run(contract_flag(code.clone())).await.unwrap().is_some());
    let view = s.app.run(get_regulator_credit()).await.unwrap();
    assert!(view.flagged.iter().any(|f| f.code == code), "listed on the regulator's credit page");
    // someone unrelated gets 404, not the flag
    s.app.sign_in_as(s.firm_user).await;
    if s.firm_id != firm_id {
        assert_eq!(s.app.run(contract_flag(code)).await.unwrap_err(), AppError::NotFound);
    }
}

#[tokio::test]
async fn credit_directory_filters_by_star_level_and_credit_grade() {
    use crate::model::firms::FirmQuery;
    let s = setup().await;
    let pool = &s.app.state.pool;
    let now = crate::state::Clock::now_ms(&*s.app.clock);
    crate::db::credit::recompute_all(&s.app.state, now).await.unwrap();
    s.app.sign_in_as(s.regulator).await;
    s.app.run(add_list_entry(s.credit_code.clone(), "black".into(), "严重失信列入黑名单".into(), "2026-11-01".into(), "".into())).await.unwrap();
    sqlx::query("UPDATE firms SET star_level = 5 WHERE id = $1").bind(s.firm_id).execute(pool).await.unwrap();
    sqlx::query("UPDATE firms SET star_level = 2 WHERE id <> $1").bind(s.firm_id).execute(pool).await.unwrap();
    s.app.new_session();
    let d = s.app.run(super::firms::list_firms(FirmQuery { credit: Some("d".into()), ..Default::default() })).await.unwrap();
    assert!(d.items.iter().any(|f| f.credit_code == s.credit_code), "the blacklisted firm is listed under grade D");
    assert!(d.items.iter().all(|f| f.credit_grade.as_deref() == Some("D")));
    let b = s.app.run(super::firms::list_firms(FirmQuery { credit: Some("B".into()), ..Default::default() })).await.unwrap();
    assert!(b.items.iter().all(|f| f.credit_grade.as_deref() == Some("B") && f.credit_code != s.credit_code));
    let five = s.app.run(super::firms::list_firms(FirmQuery { star: Some("4".into()), ..Default::default() })).await.unwrap();
    assert_eq!(five.total, 1);
    assert_eq!((five.items[0].credit_code.as_str(), five.items[0].star_level), (s.credit_code.as_str(), Some(5)));
    let e = s.app.run(super::firms::list_firms(FirmQuery { star: Some("6".into()), ..Default::default() })).await.unwrap_err();
    assert_eq!(field_of(e), ("star".into(), "credit.star_invalid".into()));
    let e = s.app.run(super::firms::list_firms(FirmQuery { credit: Some("E".into()), ..Default::default() })).await.unwrap_err();
    assert_eq!(field_of(e), ("credit".into(), "credit.grade_invalid".into()));
    let href = FirmQuery { star: Some("4".into()), credit: Some("A".into()), ..Default::default() }.href(1);
    assert!(href.contains("star=4") && href.contains("credit=A"), "{href}");
    let profile = s.app.run(super::firms::get_firm_profile(s.credit_code.clone())).await.unwrap();
    assert_eq!((profile.star_level, profile.credit_grade.as_deref()), (Some(5), Some("D")));
}

#[tokio::test]
async fn public_credit_list_shows_new_records_and_refuses_bad_filters_in_chinese() {
    use crate::model::credit::CreditRecordQuery;
    let s = setup().await;
    s.app.sign_in_as(s.regulator).await;
    s.app.run(add_credit_record(s.credit_code.clone(), "penalty".into(), "公示列表测试惩戒".into(), "4".into(), "2026-11-19".into(), "".into(), "公示〔2026〕9号".into())).await.unwrap();
    // public: anyone, signed in or not
    s.app.new_session();
    let mine = s.app.run(list_credit_records(CreditRecordQuery { q: Some(s.credit_code.clone()), kind: Some("penalty".into()), ..Default::default() })).await.unwrap();
    let row = mine.items.iter().find(|r| r.title == "公示列表测试惩戒").expect("listed");
    assert_eq!((row.points, row.state.as_str(), row.document_no.as_deref()), (Some(-4), "in_force", Some("公示〔2026〕9号")));
    for (q, field, key) in [
        (CreditRecordQuery { kind: Some("gold".into()), ..Default::default() }, "kind", "credit.records_kind_invalid"),
        (CreditRecordQuery { q: Some("长".repeat(51)), ..Default::default() }, "q", "credit.records_q_too_long"),
        (CreditRecordQuery { region: Some("5101".into()), ..Default::default() }, "region", "credit.records_region_invalid"),
        (CreditRecordQuery { from: Some("2026-13-01".into()), ..Default::default() }, "from", "credit.records_date_invalid"),
        (CreditRecordQuery { from: Some("2026-05-01".into()), to: Some("2026-04-01".into()), ..Default::default() }, "to", "credit.records_range_invalid"),
    ] {
        let e = s.app.run(list_credit_records(q)).await.unwrap_err();
        assert_eq!(field_of(e), (field.to_string(), key.to_string()));
        assert!(crate::i18n::t_in(crate::i18n::Locale::Zh, key).chars().any(|c| !c.is_ascii()), "{key} has a Chinese message");
    }
}
