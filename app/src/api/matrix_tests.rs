//! The authorisation matrix, cell by cell: every server function called by an
//! anonymous visitor and by a user of every role; each is admitted or refused
//! exactly as `domain::authz::MATRIX` says. Row rules (own firm, region,
//! industry) are tested next to each function.
use crate::db::testing::{AccountScope, TestApp, TEST_PASSWORD};
use crate::domain::accounts::Role;
use crate::domain::authz::{self, Denied, MATRIX};
use crate::error::AppError;

/// Calls the server function behind `endpoint` with plausible arguments.
/// A new server function fails this test until it has a case here.
async fn call(app: &TestApp, endpoint: &str) -> Result<(), AppError> {
    use super::*;
    let firm_code = app.demo_firm_code.clone();
    match endpoint {
        "portal/home" => portal::get_home_summary().await.map(drop),
        "stats/public" => dashboard::get_public_stats(Default::default()).await.map(drop),
        "catalogue/facets" => catalogue::get_catalogue_facets().await.map(drop),
        "catalogue/items" => catalogue::list_service_items(Default::default()).await.map(drop),
        "catalogue/item" => catalogue::get_service_item("ZJFW-001".into()).await.map(drop),
        "firms/facets" => firms::get_firm_facets().await.map(drop),
        "firms/list" => firms::list_firms(Default::default()).await.map(drop),
        "firms/profile" => firms::get_firm_profile(firm_code).await.map(drop),
        "reference/lists" => reference::get_reference_lists().await.map(drop),
        "accounts/me" => accounts::me().await.map(drop),
        "accounts/sign_in" => accounts::sign_in("nobody".into(), "wrong-password-1".into(), None).await.map(drop),
        "accounts/sign_up" => accounts::sign_up("owner_company".into(), "矩阵测试公司".into(), "91510100MA61R6XK1H".into(), "matrix.owner".into(), TEST_PASSWORD.into(), TEST_PASSWORD.into()).await.map(drop),
        "accounts/sign_out" => accounts::sign_out().await,
        "accounts/change_password" => accounts::change_password("wrong-password-1".into(), "x".into(), "x".into()).await,
        "accounts/list" => accounts::list_accounts(1).await.map(drop),
        "accounts/create_staff" => accounts::create_staff("operator".into(), "matrix.ops".into(), "运维".into(), None, None, "short".into()).await.map(drop),
        "files/upload" => files::upload_file(files::testing::form(&[], Some(("file", "m.pdf", "application/pdf", files::testing::PDF)))).await.map(drop),
        "notices/list" => notices::list_notices(Default::default()).await.map(drop),
        "notices/detail" => notices::get_notice(i64::MAX).await.map(drop),
        "notices/manage_list" => notices::manage_notices(None, None).await.map(drop),
        "notices/edit" => notices::get_notice_for_edit(i64::MAX).await.map(drop),
        "notices/save" => notices::save_notice(None, "notice".into(), "矩阵测试通知".into(), "正文".into(), None).await.map(drop),
        "notices/publish" => notices::publish_notice(i64::MAX).await.map(drop),
        "notices/unpublish" => notices::unpublish_notice(i64::MAX).await.map(drop),
        "notices/pin" => notices::pin_notice(i64::MAX, true).await.map(drop),
        "notices/attach" => notices::attach_file(files::testing::form(&[("notice_id", "0")], None)).await.map(drop),
        "notices/detach" => notices::detach_file(i64::MAX, i64::MAX).await.map(drop),
        // @cases:files-notices
        "catalogue/manage_list" => catalogue_admin::list_managed_items(Default::default()).await.map(drop),
        "catalogue/editor" => catalogue_admin::get_item_editor(None).await.map(drop),
        // an empty form: admitted callers get a field error, nothing is written
        "catalogue/save" => catalogue_admin::save_service_item(Default::default()).await.map(drop),
        "catalogue/retire" => catalogue_admin::retire_service_item("ZJFW-999".into(), "1".into(), "2099-01-01".into(), "矩阵测试".into()).await.map(drop),
        // @cases:catalogue-maintenance
        "accounts/oidc_status" => oidc::get_oidc_status().await.map(drop),
        // @cases:oidc
        "onboarding/workbench" => onboarding::get_workbench().await.map(drop),
        "onboarding/application" => onboarding::get_application().await.map(drop),
        "onboarding/start_change" => onboarding::start_change().await.map(drop),
        "onboarding/options" => onboarding::get_onboarding_options().await.map(drop),
        "onboarding/save_basic" => onboarding::save_basic("x".into(), "x".into(), "x".into(), "x".into(), "x".into()).await,
        "onboarding/add_staff" => onboarding::add_staff("x".into(), "x".into(), "x".into(), "x".into(), "x".into(), None).await,
        "onboarding/remove_staff" => onboarding::remove_staff(99).await,
        "onboarding/add_item" => onboarding::add_item("x".into(), "x".into(), "x".into()).await,
        "onboarding/remove_item" => onboarding::remove_item("x".into()).await,
        "onboarding/save_qualification" => onboarding::save_qualification("x".into(), "x".into(), "x".into(), "x".into(), "x".into(), "x".into(), None, None).await,
        "onboarding/attach_document" => onboarding::attach_document(files::testing::form(&[("index", "99")], Some(("file", "a.pdf", "application/pdf", files::testing::PDF)))).await,
        "onboarding/remove_qualification" => onboarding::remove_qualification(99).await,
        "onboarding/accept_commitment" => onboarding::accept_commitment(None).await,
        "onboarding/submit" => onboarding::submit_application().await,
        "review/queue" => review::review_queue(1, None).await.map(drop),
        "review/application" => review::get_review(0).await.map(drop),
        "review/decide" => review::decide(0, "approve".into(), None).await,
        "review/expiring" => review::expiring_qualifications(1).await.map(drop),
        "register/status" => register::get_register_status().await.map(drop),
        "register/import" => register::import_register(files::testing::form(&[], Some(("file", "r.csv", "text/csv", b"x")))).await,
        // @cases:onboarding
        "trading/list" => trading::list_announcements(Default::default()).await.map(drop),
        "trading/announcement" => trading::get_trading_announcement("NO-SUCH".into()).await.map(drop),
        "trading/my_part" => trading::get_my_part("NO-SUCH".into()).await.map(drop),
        "trading/options" => trading::get_announcement_options().await.map(drop),
        "trading/owner_desk" => trading::get_owner_desk().await.map(drop),
        "trading/draft" => trading::get_draft("NO-SUCH".into()).await.map(drop),
        "trading/save" => trading::save_announcement(None, Default::default(), None).await.map(drop),
        "trading/copy" => trading::copy_announcement("NO-SUCH".into()).await.map(drop),
        "trading/cancel" => trading::cancel_announcement("NO-SUCH".into(), "矩阵测试原因".into()).await,
        "trading/register" => trading::register_interest("NO-SUCH".into()).await,
        "trading/quote" => trading::submit_quote("NO-SUCH".into(), "100".into()).await.map(drop),
        "trading/withdraw" => trading::withdraw_participation("NO-SUCH".into()).await,
        "trading/justify" => trading::justify_quote("NO-SUCH".into(), "矩阵测试说明文字足够长".into()).await,
        "trading/decide_quote" => trading::decide_quote("NO-SUCH".into(), "X".into(), "accept".into()).await,
        "trading/merit_scores" => trading::save_merit_scores("NO-SUCH".into(), "专家甲".into(), "X:1".into()).await,
        "trading/finish_merit" => trading::finish_merit("NO-SUCH".into()).await,
        "trading/respond_award" => trading::respond_award("NO-SUCH".into(), "confirm".into(), None).await,
        "trading/object" => trading::file_objection(files::testing::form(&[("code", "NO-SUCH"), ("reason", "矩阵测试质疑理由足够长")], Some(("file", "a.pdf", "application/pdf", files::testing::PDF))))
            .await
            .map(drop),
        "trading/objection_act" => trading::act_on_objection(i64::MAX, "answer".into(), Some("矩阵测试答复".into())).await,
        "trading/participations" => trading::my_participations().await.map(drop),
        "trading/escalated" => trading::escalated_objections().await.map(drop),
        "trading/settings" => trading_settings::get_trading_settings().await.map(drop),
        // out-of-range values: admitted callers get a field error, nothing is written
        "trading/save_settings" => trading_settings::save_trading_settings("0".into(), "0".into(), "0".into(), "0".into(), "0".into(), "0".into()).await,
        // @cases:trading-settings
        "contracts/list" => contracts::list_contracts(Default::default()).await.map(drop),
        "contracts/page" => contracts::get_contract("NO-SUCH".into()).await.map(drop),
        "contracts/verify" => contracts::verify_contract("NO-SUCH".into()).await.map(drop),
        "contracts/propose" => contracts::propose_terms("NO-SUCH".into(), Default::default(), None).await.map(drop),
        "contracts/sign" => contracts::sign_contract("NO-SUCH".into(), "0".repeat(64), Some("on".into())).await.map(drop),
        "contracts/amend" => contracts::request_amendment("NO-SUCH".into(), "extension".into(), Default::default(), "矩阵测试延期理由".into()).await.map(drop),
        "contracts/decide_amendment" => contracts::decide_amendment("NO-SUCH".into(), i64::MAX, "refuse".into(), Some("矩阵测试拒绝理由".into())).await,
        "contracts/withdraw_amendment" => contracts::withdraw_amendment("NO-SUCH".into(), i64::MAX).await,
        "contracts/next_ranked" => contracts::move_to_next_ranked("NO-SUCH".into()).await,
        // @cases:contracts
        "payments/panel" => payments::get_payments_panel("NO-SUCH".into()).await.map(drop),
        "payments/pay" => payments::pay_installment("NO-SUCH".into(), 1).await.map(drop),
        "payments/query" => payments::query_payment("NO-SUCH".into(), "NO-SUCH".into()).await.map(drop),
        "payments/record_offline" => payments::record_offline_payment(files::testing::form(
            &[("code", "NO-SUCH"), ("seq", "1"), ("paid_on", "2026-01-05"), ("amount", "100"), ("voucher_no", "PZ-001")],
            Some(("file", "voucher.pdf", "application/pdf", files::testing::PDF)),
        ))
        .await
        .map(drop),
        "payments/confirm_offline" => payments::confirm_offline_payment("NO-SUCH".into(), i64::MAX, "confirm".into(), None).await,
        "payments/refund" => payments::refund_payment("NO-SUCH".into(), "NO-SUCH".into(), "矩阵测试退款原因".into()).await,
        // @cases:payments
        "contract_work/panel" => contract_work::get_work_panel("NO-SUCH".into()).await.map(drop),
        "contract_work/messages" => contract_work::list_contract_messages("NO-SUCH".into(), None).await.map(drop),
        "contract_work/post_message" => contract_work::post_contract_message(files::testing::form(&[("code", "NO-SUCH"), ("body", "矩阵测试消息")], None)).await.map(drop),
        "contract_work/urge" => contract_work::urge_party("NO-SUCH".into(), "other".into(), "矩阵测试催办".into()).await,
        "contract_work/report_milestone" => contract_work::report_milestone("NO-SUCH".into(), 1).await,
        "contract_work/confirm_milestone" => contract_work::confirm_milestone("NO-SUCH".into(), 1).await,
        "contract_work/deliver" => contract_work::deliver_results(files::testing::form(&[("code", "NO-SUCH"), ("note", "矩阵测试")], None)).await.map(drop),
        "contract_work/decide_delivery" => contract_work::decide_delivery("NO-SUCH".into(), 1, "accept".into(), None).await,
        // @cases:contract-work
        "ratings/panel" => ratings::get_rating_panel("NO-SUCH".into()).await.map(drop),
        "ratings/rate" => ratings::rate_contract(crate::model::ratings::RatingInput { code: "NO-SUCH".into(), ..Default::default() }).await.map(drop),
        "ratings/reply" => ratings::reply_to_rating("NO-SUCH".into(), "谢谢评价".into()).await.map(drop),
        "ratings/firm" => ratings::get_firm_ratings(firm_code.clone(), 1).await.map(drop),
        "ratings/appeal" => ratings::appeal_sanction(-1, "申诉理由申诉理由申诉理由".into()).await.map(drop),
        "ratings/desk" => ratings::get_sanctions_desk().await.map(drop),
        "ratings/act" => ratings::act_on_proposal(-1, "dismiss".into(), "不予处理理由".into(), String::new(), String::new()).await.map(drop),
        "ratings/sanction" => ratings::sanction_firm("NO-SUCH".into(), "expel".into(), "清退理由清退理由".into(), String::new(), String::new()).await.map(drop),
        "ratings/decide_appeal" => ratings::decide_appeal(-1, false, "维持原处理决定".into()).await.map(drop),
        // @cases:ratings
        "credit/lookup" => credit::credit_lookup("矩阵".into()).await.map(drop),
        "credit/archive" => credit::get_credit_archive(firm_code).await.map(drop),
        "credit/records" => credit::list_credit_records(Default::default()).await.map(drop),
        "credit/regulator" => credit::get_regulator_credit().await.map(drop),
        "credit/add_record" => credit::add_credit_record("NO-SUCH".into(), "reward".into(), "矩阵测试".into(), "1".into(), "2026-11-20".into(), "".into(), "矩阵-1".into()).await.map(drop),
        "credit/add_list_entry" => credit::add_list_entry("NO-SUCH".into(), "red".into(), "矩阵测试理由".into(), "2026-11-20".into(), "".into()).await,
        "credit/revoke_list_entry" => credit::revoke_list_entry(i64::MAX, "矩阵测试理由".into()).await,
        "credit/import" => credit::import_credit_csv("".into()).await.map(drop),
        "credit/contract_flag" => credit::contract_flag("NO-SUCH".into()).await.map(drop),
        // @cases:credit
        "calendar/versions" => calendar::get_calendar_versions().await.map(drop),
        "calendar/import" => calendar::import_calendar("2027 年安排".into(), "date,kind,name\n".into()).await.map(drop),
        "dashboard/view" => dashboard::get_dashboard(Default::default()).await.map(drop),
        "redflags/list" => redflags::list_redflag_cases("open".into(), "".into(), 1).await.map(drop),
        "redflags/close" => redflags::close_redflag_case(i64::MAX, "矩阵测试结论".into()).await,
        "redflags/evaluate" => redflags::evaluate_redflags().await.map(drop),
        // @cases:redflags
        "complaints/options" => complaints::get_complaint_options().await.map(drop),
        // an empty form: admitted callers get a field error, nothing is written
        "complaints/file" => complaints::file_complaint(files::testing::form(&[], None)).await.map(drop),
        "complaints/mine" => complaints::my_complaints(None).await.map(drop),
        "complaints/detail" => complaints::get_complaint(i64::MAX).await.map(drop),
        "complaints/queue" => complaints::get_complaint_queue(None, None).await.map(drop),
        "complaints/act" => complaints::act_on_complaint(i64::MAX, "accept".into(), None).await,
        // @cases:complaints
        "audit/list" => audit::list_audit(Default::default()).await.map(drop),
        "audit/verify" => audit::verify_audit().await.map(drop),
        // @cases:audit
        "timelimits/limits" => timelimits::get_time_limits().await.map(drop),
        // a bad number: admitted callers get a field error, nothing is written
        "timelimits/save_limit" => timelimits::save_time_limit("signing".into(), "".into(), "x".into(), "1".into()).await,
        "timelimits/remove_limit" => timelimits::remove_time_limit("signing".into(), "NO-SUCH".into()).await,
        "timelimits/board" => timelimits::get_supervision_board(Default::default()).await.map(drop),
        "timelimits/red_list" => timelimits::list_red_cases(Default::default(), 1).await.map(drop),
        "timelimits/history" => timelimits::get_light_history("contract".into(), "NO-SUCH".into()).await.map(drop),
        // @cases:timelimits
        "notifications/mine" => notifications::list_my_notifications(1).await.map(drop),
        "notifications/unread_count" => notifications::get_unread_count().await.map(drop),
        "notifications/read" => notifications::mark_notifications_read(None).await.map(drop),
        "notifications/email" => notifications::get_notification_email().await.map(drop),
        // an invalid address: admitted callers get a field error, nothing is written
        "notifications/set_email" => notifications::set_notification_email("x".into()).await.map(drop),
        // @cases:notify
        "ingest/platforms" => ingest::list_platforms().await.map(drop),
        // an invalid code: admitted callers get a field error, nothing is written
        "ingest/create_platform" => ingest::create_platform("X".into(), "矩阵测试平台".into(), None).await.map(drop),
        "ingest/issue_key" => ingest::issue_api_key(i64::MAX).await.map(drop),
        "ingest/revoke_key" => ingest::revoke_api_key(i64::MAX).await,
        "ingest/cases" => ingest::list_approval_cases("".into(), "".into(), "".into(), 1).await.map(drop),
        // @cases:ingest
        "public/complaint-stats" => public_info::get_complaint_stats(Default::default()).await.map(drop),
        "public/lookup" => public_info::lookup_case("ZJ20990100001".into()).await.map(drop),
        "redflags/settings" => redflag_settings::get_redflag_settings().await.map(drop),
        // an empty form: admitted callers get a field error, nothing is written
        "redflags/save-settings" => redflag_settings::save_redflag_settings(Default::default()).await,
        "performance/public" => performance::get_performance("".into(), "".into(), 1).await.map(drop),
        "public/timeliness" => timeliness::get_timeliness(Default::default()).await.map(drop),
        // @cases:publicinfo
        "public/open-data" => open_data::get_open_data().await.map(drop),
        // @cases:opendata
        other => panic!("no matrix case for server function {other}: add one"),
    }
}

#[tokio::test]
async fn every_server_function_admits_exactly_the_roles_in_the_matrix() {
    let mut app = TestApp::new().await;
    app.demo_firm_code = sqlx::query_scalar("SELECT credit_code FROM firms WHERE status = 'active' ORDER BY id LIMIT 1")
        .fetch_one(&app.state.pool)
        .await
        .unwrap();
    let mut callers: Vec<(Option<Role>, Option<i64>)> = vec![(None, None)];
    let firm_id: i64 = sqlx::query_scalar("SELECT id FROM firms ORDER BY id LIMIT 1").fetch_one(&app.state.pool).await.unwrap();
    let owner_id: i64 = sqlx::query_scalar("SELECT id FROM owners ORDER BY id LIMIT 1").fetch_one(&app.state.pool).await.unwrap();
    for role in Role::ALL {
        let scope = match role {
            Role::Firm => AccountScope { firm_id: Some(firm_id), ..Default::default() },
            Role::Owner => AccountScope { owner_id: Some(owner_id), ..Default::default() },
            Role::Regulator => AccountScope { region_code: Some("510100"), industry_code: Some("ZJ"), ..Default::default() },
            Role::Leader => AccountScope { region_code: Some("510000"), ..Default::default() },
            _ => AccountScope::default(),
        };
        let id = app.account(&format!("matrix.{}", role.as_str()), role, scope).await;
        callers.push((Some(role), Some(id)));
    }
    let mut cells = 0;
    for rule in MATRIX {
        for (role, id) in &callers {
            match id {
                Some(id) => drop(app.sign_in_as(*id).await),
                None => drop(app.new_session()),
            }
            app.clock.advance(60_000); // keep the per-address attempt limit out of the way
            let got = app.run(call(&app, rule.endpoint)).await;
            let refused = match &got {
                Err(AppError::Unauthenticated) => Some(Denied::SignIn),
                Err(AppError::Forbidden) => Some(Denied::Forbidden),
                _ => None,
            };
            assert_eq!(refused, authz::admits(rule.audience, *role).err(), "{} called by {role:?}: {got:?}", rule.endpoint);
            cells += 1;
        }
    }
    assert_eq!(cells, MATRIX.len() * 7);
}

/// Every registered server function has a rule, and every rule a function.
#[test]
fn the_matrix_lists_every_server_function() {
    let mut registered: Vec<String> = leptos::server_fn::axum::server_fn_paths()
        .map(|(path, _)| path.trim_start_matches("/api/").to_string())
        .collect();
    registered.sort();
    let mut listed: Vec<String> = MATRIX.iter().map(|r| r.endpoint.to_string()).collect();
    listed.sort();
    assert_eq!(registered, listed);
}
