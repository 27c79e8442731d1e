//! Onboarding end to end at the server-function level: a firm registers step by
//! step, the register check rejects a qualification, the firm corrects it, the
//! operator returns and approves; changes to an active profile; expiry warnings;
//! who sees which application.
use super::accounts::sign_up;
use super::onboarding::*;
use super::review::*;
use crate::db::testing::{AccountScope, TestApp, TEST_PASSWORD};
use crate::domain::accounts::Role;
use crate::domain::qualification::Finding;
use crate::error::AppError;
use crate::model::onboarding::ApplicationStatus;

const CODE: &str = "91510100MA61R6XK1H";
const CERT: &str = "GCZX-51-2024-0088";

async fn register_entry(app: &TestApp, cert: &str, holder: &str, valid_to: &str) {
    sqlx::query(
        "INSERT INTO qualification_register (type_code, certificate_no, holder_credit_code, holder_name, grade, valid_from, valid_to, revoked, imported_at) \
         VALUES ('GCZX', $1, $2, '成都示例工程咨询有限公司', '不分级', '2024-01-01', $3, 0, 0)",
    )
    .bind(cert)
    .bind(holder)
    .bind(valid_to)
    .execute(&app.state.pool)
    .await
    .unwrap();
}

fn qualification(cert: &str, replace: Option<&str>) -> SaveQualification {
    SaveQualification {
        type_code: "GCZX".into(),
        grade: "不分级".into(),
        certificate_no: cert.into(),
        issuer: "四川省发展和改革委员会".into(),
        valid_from: "2024-01-01".into(),
        valid_to: "2029-12-31".into(),
        file_id: None,
        replace: replace.map(Into::into),
    }
}

async fn save_q(app: &TestApp, q: SaveQualification) -> Result<(), AppError> {
    app.run(save_qualification(q.type_code, q.grade, q.certificate_no, q.issuer, q.valid_from, q.valid_to, q.file_id, q.replace)).await
}

/// Signs up a new firm and fills every step; the qualification is `cert`.
async fn fill_application(app: &TestApp, cert: &str) -> tower_sessions::Session {
    let session = app.new_session();
    app.run(sign_up("firm".into(), "成都示例工程咨询有限公司".into(), CODE.into(), "cd.demo".into(), TEST_PASSWORD.into(), TEST_PASSWORD.into()))
        .await
        .unwrap();
    let a = app.run(get_application()).await.unwrap().expect("a new firm's registration opens at once");
    assert_eq!((a.status, a.draft.credit_code.as_str()), (ApplicationStatus::Draft, CODE));
    let basic = |phone: &str| save_basic("成都示例工程咨询有限公司".into(), "成都市锦江区红星路一段 1 号".into(), "510104".into(), "王五".into(), phone.into());
    assert_eq!(app.run(basic("12345")).await, Err(AppError::invalid("contact_phone", "onboarding.phone_invalid")));
    app.run(basic("028-85551234")).await.unwrap();
    let staff = |role: &str, name: &str, id: &str| add_staff(role.into(), name.into(), "总工程师".into(), id.into(), "13812345678".into(), None);
    assert_eq!(app.run(staff("legal_rep", "张三", "110105194912310021")).await, Err(AppError::invalid("id_number", "onboarding.id_number_invalid")));
    app.run(staff("legal_rep", "张三", "11010519491231002X")).await.unwrap();
    assert_eq!(app.run(staff("legal_rep", "李四", "11010519491231002X")).await, Err(AppError::invalid("role", "onboarding.legal_rep_exists")));
    app.run(staff("technical", "李四", "11010519491231002X")).await.unwrap();
    assert_eq!(app.run(add_item("ZJFW-001".into(), "市场调节价".into(), "31".into())).await, Err(AppError::invalid("promised_days", "onboarding.promised_days_over_limit")));
    app.run(add_item("ZJFW-001".into(), "市场调节价,按合同约定".into(), "20".into())).await.unwrap();
    save_q(app, qualification(cert, None)).await.unwrap();
    assert_eq!(app.run(accept_commitment(None)).await, Err(AppError::invalid("accept", "onboarding.commitment_required")));
    app.run(accept_commitment(Some("on".into()))).await.unwrap();
    session
}

#[tokio::test]
async fn a_new_firm_registers_corrects_a_rejected_qualification_and_is_approved() {
    let app = TestApp::with_demo(None).await;
    register_entry(&app, CERT, CODE, "2029-12-31").await;
    let firm = fill_application(&app, "GCZX-51-2024-9999").await;

    // the register does not know that certificate: a specific finding, and no submission
    let a = app.run(get_application()).await.unwrap().unwrap();
    assert_eq!(a.findings, vec![vec![Finding::UnknownCertificate]]);
    assert!(matches!(app.run(submit_application()).await, Err(AppError::InvalidInput { ref key, .. }) if key == "onboarding.gap_findings"));
    // corrected in place
    save_q(&app, qualification(CERT, Some("0"))).await.unwrap();
    let a = app.run(get_application()).await.unwrap().unwrap();
    assert_eq!(a.findings, vec![vec![]]);
    assert_eq!(a.gaps, vec![]);
    assert_eq!(a.draft.commitment.as_ref().unwrap().text, crate::domain::onboarding::COMMITMENT_TEXT, "the accepted text is stored");
    app.run(submit_application()).await.unwrap();
    let a = app.run(get_application()).await.unwrap().unwrap();
    assert_eq!((a.status, a.firm_status.as_str()), (ApplicationStatus::Submitted, "submitted"));
    assert_eq!(a.due_at, Some(crate::db::testing::TEST_NOW_MS + 5 * 86_400_000), "reviewed within the time limit");
    assert_eq!(app.run(add_item("ZJFW-002".into(), "市场调节价".into(), "10".into())).await, Err(AppError::invalid("status", "onboarding.not_editable")));

    // who sees it: operators all; a regulator only its industry (FG) within its region
    let operator = app.account("ops", Role::Operator, AccountScope::default()).await;
    let fg = app.account("reg.fg", Role::Regulator, AccountScope { region_code: Some("510100"), industry_code: Some("FG"), ..Default::default() }).await;
    let zj = app.account("reg.zj", Role::Regulator, AccountScope { region_code: Some("510000"), industry_code: Some("ZJ"), ..Default::default() }).await;
    let far = app.account("reg.fg.far", Role::Regulator, AccountScope { region_code: Some("511700"), industry_code: Some("FG"), ..Default::default() }).await;
    app.sign_in_as(fg).await;
    assert_eq!(app.run(review_queue(1, None)).await.unwrap().total, 1);
    let seen = app.run(get_review(a.id)).await.unwrap();
    assert!(!seen.can_decide, "regulators look on; operators decide");
    assert_eq!(app.run(decide(a.id, "approve".into(), None)).await, Err(AppError::Forbidden));
    for other in [zj, far] {
        app.sign_in_as(other).await;
        assert_eq!(app.run(review_queue(1, None)).await.unwrap().total, 0);
        assert_eq!(app.run(get_review(a.id)).await, Err(AppError::Forbidden));
    }

    // returned with a reason the firm sees
    app.sign_in_as(operator).await;
    let queue = app.run(review_queue(1, Some("示例工程".into()))).await.unwrap();
    assert_eq!(queue.items[0].firm_name, "成都示例工程咨询有限公司");
    assert_eq!(app.run(review_queue(1, Some(CODE.to_lowercase()))).await.unwrap().total, 1, "found by credit code");
    assert_eq!(app.run(review_queue(1, Some("不存在的机构".into()))).await.unwrap().total, 0);
    assert!(!queue.items[0].overdue);
    assert_eq!(app.run(decide(a.id, "return".into(), Some("短".into()))).await, Err(AppError::invalid("reason", "onboarding.reason_length")));
    app.run(decide(a.id, "return".into(), Some("联系电话无法接通,请核实".into()))).await.unwrap();
    app.use_session(&firm);
    let bench = app.run(get_workbench()).await.unwrap();
    assert_eq!(bench.status, "returned");
    assert_eq!(bench.open.as_ref().unwrap().decision_reason.as_deref(), Some("联系电话无法接通,请核实"));
    app.run(save_basic("成都示例工程咨询有限公司".into(), "成都市锦江区红星路一段 1 号".into(), "510104".into(), "王五".into(), "13912345678".into())).await.unwrap();
    app.run(submit_application()).await.unwrap();

    // overdue after the time limit, then approved: the firm is listed with its data
    app.clock.advance(6 * 86_400_000);
    app.sign_in_as(operator).await;
    assert!(app.run(review_queue(1, None)).await.unwrap().items[0].overdue);
    app.run(decide(a.id, "approve".into(), None)).await.unwrap();
    assert_eq!(app.run(decide(a.id, "approve".into(), None)).await, Err(AppError::invalid("decision", "review.not_submitted")));
    let profile = app.run(super::firms::get_firm_profile(CODE.into())).await.unwrap();
    assert_eq!(profile.name, "成都示例工程咨询有限公司");
    assert_eq!(profile.contact_phone, "13912345678", "the firm's contact phone is public (staff phones are masked)");
    assert!(format!("{profile:?}").contains("ZJFW-001"));
    app.use_session(&firm);
    let bench = app.run(get_workbench()).await.unwrap();
    assert_eq!((bench.status.as_str(), bench.open.is_none()), ("active", true));
    let actions: Vec<&str> = bench.history.iter().map(|h| h.action.as_str()).collect();
    assert_eq!(actions, ["approved", "submitted", "returned", "submitted", "created"]);
}

#[tokio::test]
async fn a_change_stays_off_the_public_profile_until_approved() {
    let app = TestApp::new().await;
    let (firm_id, code): (i64, String) =
        sqlx::query_as(
        "SELECT id, credit_code FROM firms f WHERE status = 'active' AND (SELECT COUNT(*) FROM firm_items i WHERE i.firm_id = f.id) >= 2 ORDER BY id LIMIT 1",
    ).fetch_one(&app.state.pool).await.unwrap();
    let user = app.account("firm.live", Role::Firm, AccountScope { firm_id: Some(firm_id), ..Default::default() }).await;
    app.sign_in_as(user).await;
    assert_eq!(app.run(get_application()).await.unwrap(), None, "an active firm has nothing open");
    let change = app.run(start_change()).await.unwrap();
    let before = app.run(super::firms::get_firm_profile(code.clone())).await.unwrap();
    let first = change.draft.items[0].item_code.clone();
    let remaining = change.draft.items.len() - 1;
    app.run(remove_item(first.clone())).await.unwrap();
    app.run(accept_commitment(Some("on".into()))).await.unwrap();
    app.run(submit_application()).await.unwrap();
    let during = app.run(super::firms::get_firm_profile(code.clone())).await.unwrap();
    assert_eq!(during, before, "the live profile is unchanged while the change is reviewed");
    let operator = app.account("ops", Role::Operator, AccountScope::default()).await;
    app.sign_in_as(operator).await;
    let review = app.run(get_review(change.id)).await.unwrap();
    assert!(review.live.as_ref().unwrap().items.iter().any(|i| i.item_code == first), "the reviewer sees the profile before the change");
    app.run(decide(change.id, "approve".into(), None)).await.unwrap();
    let after = app.run(super::firms::get_firm_profile(code)).await.unwrap();
    assert!(!format!("{:?}", after.scope).contains(&first));
    assert_eq!(after.scope.len(), remaining);
}

#[tokio::test]
async fn firms_and_operators_are_warned_before_qualifications_expire() {
    let app = TestApp::with_demo(None).await;
    register_entry(&app, CERT, CODE, "2027-01-10").await;
    let firm = fill_application(&app, CERT).await;
    // the certificate expires 2027-01-10: set the application's validity to match
    save_q(&app, SaveQualification { valid_to: "2027-01-10".into(), ..qualification(CERT, Some("0")) }).await.unwrap();
    app.run(submit_application()).await.unwrap();
    let operator = app.account("ops", Role::Operator, AccountScope::default()).await;
    let app_id = app.run(get_workbench()).await.unwrap().open.unwrap().id;
    app.sign_in_as(operator).await;
    app.run(decide(app_id, "approve".into(), None)).await.unwrap();
    assert_eq!(app.run(expiring_qualifications(1)).await.unwrap().total, 0, "51 days left: no warning yet");

    app.clock.advance(25 * 86_400_000); // 2026-12-15: 26 days left
    let list = app.run(expiring_qualifications(1)).await.unwrap();
    assert_eq!((list.total, list.items[0].days_left), (1, 26));
    app.use_session(&firm);
    assert_eq!(app.run(get_workbench()).await.unwrap().expiring.len(), 1);
    let regulator = app.account("reg.zj", Role::Regulator, AccountScope { region_code: Some("510000"), industry_code: Some("ZJ"), ..Default::default() }).await;
    app.sign_in_as(regulator).await;
    assert_eq!(app.run(expiring_qualifications(1)).await.unwrap().total, 0, "another industry's regulator is not told");
}

#[tokio::test]
async fn the_demo_register_lists_licensed_firms_that_have_not_joined_yet() {
    use crate::db::demo::accounts::{unjoined_credit_code, UNJOINED};
    let app = TestApp::new().await;
    for n in 1..=UNJOINED {
        let taken: Option<(i64,)> = sqlx::query_as("SELECT id FROM firms WHERE credit_code = $1").bind(unjoined_credit_code(n)).fetch_optional(&app.state.pool).await.unwrap();
        assert!(taken.is_none(), "unjoined firm {n} is not in the marketplace");
    }
    app.new_session();
    let code = unjoined_credit_code(3);
    app.run(sign_up("firm".into(), "四川示范第3工程咨询有限公司".into(), code, "demo.new3".into(), TEST_PASSWORD.into(), TEST_PASSWORD.into())).await.unwrap();
    app.run(get_application()).await.unwrap();
    app.run(add_item("ZJFW-001".into(), "市场调节价".into(), "20".into())).await.unwrap();
    save_q(&app, qualification("GCZX-DEMO-NEW-03", None)).await.unwrap();
    let a = app.run(get_application()).await.unwrap().unwrap();
    assert_eq!(a.findings, vec![vec![]], "its certificate passes the check");
}

#[tokio::test]
async fn a_firm_verified_by_unified_identity_is_admitted_without_manual_review() {
    let app = TestApp::with_demo(None).await;
    register_entry(&app, CERT, CODE, "2029-12-31").await;
    let _firm = fill_application(&app, CERT).await;
    // as the unified identity sign-in records it
    sqlx::query("UPDATE firms SET identity_verified_at = $1, identity_provider = 'https://ids.example.gov.cn' WHERE credit_code = $2")
        .bind(crate::db::testing::TEST_NOW_MS)
        .bind(CODE)
        .execute(&app.state.pool)
        .await
        .unwrap();
    assert!(app.run(get_application()).await.unwrap().unwrap().identity_verified);
    app.run(submit_application()).await.unwrap();
    let bench = app.run(get_workbench()).await.unwrap();
    assert_eq!((bench.status.as_str(), bench.open.is_none()), ("active", true), "可直接入库");
    assert_eq!(bench.history[0].action, "auto_approved");
    assert!(app.run(super::firms::get_firm_profile(CODE.into())).await.is_ok());
}

#[tokio::test]
async fn a_scanned_certificate_is_attached_to_its_qualification() {
    use super::files::testing::{form, PDF};
    let app = TestApp::with_demo(None).await;
    register_entry(&app, CERT, CODE, "2029-12-31").await;
    let _firm = fill_application(&app, CERT).await;
    let upload = |index: &str, name: &str, bytes: &'static [u8]| attach_document(form(&[("index", index)], Some(("file", name, "application/pdf", bytes))));
    assert_eq!(app.run(upload("0", "证书.pdf", b"MZ\x90\0 not a pdf")).await.unwrap_err().message_key(), "files.bad_type");
    assert_eq!(app.run(upload("5", "证书.pdf", PDF)).await, Err(AppError::NotFound), "no such qualification");
    app.run(upload("0", "证书.pdf", PDF)).await.unwrap();
    let a = app.run(get_application()).await.unwrap().unwrap();
    let q = &a.draft.qualifications[0];
    assert_eq!(q.file_name.as_deref(), Some("证书.pdf"));
    let (firm_id,): (Option<i64>,) = sqlx::query_as("SELECT firm_id FROM files WHERE id = $1").bind(q.file_id.unwrap()).fetch_one(&app.state.pool).await.unwrap();
    assert_eq!(firm_id, Some(a.firm_id), "the document belongs to the firm");
    // approval carries it to the live qualification
    app.run(submit_application()).await.unwrap();
    let operator = app.account("ops", Role::Operator, AccountScope::default()).await;
    app.sign_in_as(operator).await;
    app.run(decide(a.id, "approve".into(), None)).await.unwrap();
    let (live,): (Option<i64>,) = sqlx::query_as("SELECT file_id FROM firm_qualifications WHERE firm_id = $1").bind(a.firm_id).fetch_one(&app.state.pool).await.unwrap();
    assert_eq!(live, q.file_id);
}
