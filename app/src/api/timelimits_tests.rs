//! The time-limit server functions: limits edited by field, the board and the
//! red list in the caller's scope, the light history of one subject.
use super::*;
use crate::db::testing::{AccountScope, TestApp};
use crate::db::timelimits::{refresh, tests::market};
use crate::domain::accounts::Role;
use crate::domain::time::DAY_MS;

fn field(e: AppError) -> String {
    match e {
        AppError::InvalidInput { field, .. } => field,
        other => panic!("expected a field error, got {other:?}"),
    }
}

#[tokio::test]
async fn timelimits_operator_sets_a_default_and_an_item_limit_and_bad_input_is_named() {
    let app = TestApp::with_demo(None).await;
    let ops = app.account("tl.ops", Role::Operator, AccountScope::default()).await;
    app.sign_in_as(ops).await;
    let before = app.run(get_time_limits()).await.unwrap();
    let signing = before.defaults.iter().find(|d| d.stage == "signing").unwrap();
    assert_eq!((signing.working_days, signing.custom, signing.responsible.as_str()), (5, false, "owner"));
    assert!(!before.defaults.iter().find(|d| d.stage == "service").unwrap().editable);

    for (args, want) in [
        (("nope", "", "5", "1"), "stage"),
        (("service", "", "5", "1"), "stage"),
        (("signing", "", "五", "1"), "working_days"),
        (("signing", "", "0", "0"), "working_days"),
        (("signing", "", "5", "x"), "warn_working_days"),
        (("signing", "", "5", "5"), "warn_working_days"),
        (("signing", "NO-SUCH", "5", "1"), "item_code"),
    ] {
        let e = app.run(save_time_limit(args.0.into(), args.1.into(), args.2.into(), args.3.into())).await.unwrap_err();
        assert_eq!(field(e), want, "{args:?}");
    }
    app.run(save_time_limit("signing".into(), "".into(), " 7 ".into(), "2".into())).await.unwrap();
    app.run(save_time_limit("acceptance".into(), "zjfw-001".into(), "12".into(), "1".into())).await.unwrap();
    let after = app.run(get_time_limits()).await.unwrap();
    let signing = after.defaults.iter().find(|d| d.stage == "signing").unwrap();
    assert_eq!((signing.working_days, signing.warn_working_days, signing.custom), (7, 2, true));
    assert_eq!(signing.updated_by.as_deref(), Some("tl.ops"));
    assert_eq!(after.items.len(), 1);
    assert_eq!((after.items[0].item_code.as_str(), after.items[0].working_days), ("ZJFW-001", 12));
    assert!(!after.items[0].item_name.is_empty());
    app.run(remove_time_limit("acceptance".into(), "ZJFW-001".into())).await.unwrap();
    assert!(app.run(get_time_limits()).await.unwrap().items.is_empty());
    assert!(matches!(app.run(remove_time_limit("acceptance".into(), "ZJFW-001".into())).await, Err(AppError::NotFound)));
}

#[tokio::test]
async fn timelimits_the_board_counts_and_lists_red_cases_in_the_callers_scope_only() {
    let app = TestApp::with_demo(None).await;
    // Chengdu (FG) and Mianyang (FG): both contracts await signature
    let cd = market(&app, "CD", "510104").await;
    market(&app, "MY", "510703").await;
    app.clock.advance(10 * DAY_MS);
    refresh(&app.state, app.state.now_ms()).await.unwrap();

    let ops = app.account("tl.ops", Role::Operator, AccountScope::default()).await;
    let chengdu_fg = app.account("tl.cd.fg", Role::Regulator, AccountScope { region_code: Some("510100"), industry_code: Some("FG"), ..Default::default() }).await;
    let chengdu_zj = app.account("tl.cd.zj", Role::Regulator, AccountScope { region_code: Some("510100"), industry_code: Some("ZJ"), ..Default::default() }).await;
    let leader = app.account("tl.lead", Role::Leader, AccountScope { region_code: Some("510700"), ..Default::default() }).await;

    app.sign_in_as(ops).await;
    let b = app.run(get_supervision_board(BoardQuery::default())).await.unwrap();
    assert_eq!((b.red, b.yellow), (2, 0));
    assert_eq!(b.by_stage, vec![LightCount { code: "signing".into(), name: "signing".into(), yellow: 0, red: 2 }]);
    assert_eq!(b.by_region.len(), 2);
    assert_eq!(b.by_department[0].code, "FGBM");
    assert_eq!(b.by_owner.len(), 2);
    let reds = app.run(list_red_cases(BoardQuery::default(), 1)).await.unwrap();
    assert_eq!(reds.total, 2);
    let first = &reds.items[0];
    assert_eq!((first.stage.as_str(), first.responsible.as_str()), ("signing", "owner"));
    assert!(first.responsible_name.as_deref().unwrap().starts_with("时限测试业主"));
    // due Friday 11-27 10:00, now Monday 11-30 10:00: one working day overdue
    assert_eq!(first.overdue_working_days, 1);
    // a filter narrows it
    let q = BoardQuery { region: "510700".into(), ..Default::default() };
    assert_eq!(app.run(get_supervision_board(q)).await.unwrap().red, 1);
    let bad = BoardQuery { responsible: "mayor".into(), ..Default::default() };
    assert_eq!(field(app.run(get_supervision_board(bad)).await.unwrap_err()), "responsible");

    // a Chengdu FG regulator sees Chengdu only; a ZJ one nothing; the Mianyang leader Mianyang only
    app.sign_in_as(chengdu_fg).await;
    let b = app.run(get_supervision_board(BoardQuery::default())).await.unwrap();
    assert_eq!((b.red, b.by_region.len(), b.by_region[0].code.as_str()), (1, 1, "510104"));
    let reds = app.run(list_red_cases(BoardQuery::default(), 1)).await.unwrap();
    assert_eq!((reds.total, reds.items[0].subject_key.as_str()), (1, "TL-P-CD-HT1"));
    let outside = BoardQuery { region: "510700".into(), ..Default::default() };
    assert_eq!(field(app.run(get_supervision_board(outside)).await.unwrap_err()), "region");
    let h = app.run(get_light_history("contract".into(), "TL-P-CD-HT1".into())).await.unwrap();
    assert_eq!(h[0].changes.iter().map(|c| c.to_light.as_str()).collect::<Vec<_>>(), vec!["red"], "first seen overdue");
    assert!(app.run(get_light_history("contract".into(), "TL-P-MY-HT1".into())).await.unwrap().is_empty(), "out of scope: nothing");
    // the parties see their own contract's lights, not another's
    let owner = app.account("tl.cd.owner", Role::Owner, AccountScope { owner_id: Some(cd.owner_id), ..Default::default() }).await;
    let firm = app.account("tl.cd.firm", Role::Firm, AccountScope { firm_id: Some(cd.firm_id), ..Default::default() }).await;
    for party in [owner, firm] {
        app.sign_in_as(party).await;
        let h = app.run(get_light_history("contract".into(), "TL-P-CD-HT1".into())).await.unwrap();
        assert_eq!((h[0].stage.as_str(), h[0].light.as_str()), ("signing", "red"));
        assert!(app.run(get_light_history("contract".into(), "TL-P-MY-HT1".into())).await.unwrap().is_empty());
    }

    app.sign_in_as(chengdu_zj).await;
    assert_eq!(app.run(get_supervision_board(BoardQuery::default())).await.unwrap().red, 0);
    assert_eq!(app.run(list_red_cases(BoardQuery::default(), 1)).await.unwrap().total, 0);

    app.sign_in_as(leader).await;
    let reds = app.run(list_red_cases(BoardQuery::default(), 1)).await.unwrap();
    assert_eq!((reds.total, reds.items[0].subject_key.as_str()), (1, "TL-P-MY-HT1"));
    assert_eq!(field(app.run(list_red_cases(BoardQuery::default(), 0)).await.unwrap_err()), "page");
}
