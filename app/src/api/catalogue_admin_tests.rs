//! Catalogue maintenance: scopes, history, validation, and what the public sees as time passes.
use super::*;
use crate::api::catalogue::{get_catalogue_facets, get_service_item, list_service_items};
use crate::api::firms::{get_firm_facets, get_firm_profile, list_firms};
use crate::db::testing::{AccountScope, TestApp};
use crate::domain::accounts::Role;
use crate::domain::catalogue::ItemState;
use crate::domain::time::DAY_MS;
use crate::model::catalogue::ItemQuery;
use crate::model::firms::FirmQuery;

fn form(code: &str, industry: &str, region: &str) -> ItemForm {
    ItemForm {
        code: code.into(),
        name: "城市更新项目策划咨询".into(),
        industry_code: industry.into(),
        department_code: "ZJBM".into(),
        region_code: region.into(),
        approval_item: "城市更新项目实施方案审批".into(),
        legal_basis: "《四川省城市更新条例》第十二条".into(),
        time_limit_days: "20".into(),
        fee_basis: "市场调节价".into(),
        effective_from: "2026-01-01".into(),
        reason: "新增事项".into(),
        ..Default::default()
    }
}

/// The editor form of an existing item, as the edit page fills it.
async fn edit_form(app: &TestApp, code: &str) -> ItemForm {
    let e = app.run(get_item_editor(Some(code.into()))).await.unwrap();
    let ex = e.existing.unwrap();
    let it = ex.item;
    ItemForm {
        original_code: Some(it.code.clone()),
        version: Some(ex.version.to_string()),
        code: it.code,
        name: it.name,
        industry_code: it.industry_code,
        department_code: it.department_code,
        region_code: it.region_code,
        approval_item: it.approval_item,
        legal_basis: it.legal_basis,
        qualification_type_code: it.qualification_type_code,
        min_grade: it.min_grade,
        time_limit_days: it.time_limit_days.to_string(),
        fee_basis: it.fee_basis,
        effective_from: it.effective_from,
        effective_to: it.effective_to,
        reason: String::new(),
    }
}

async fn staff(app: &TestApp) -> (i64, i64) {
    let ops = app.account("ops.catalogue", Role::Operator, AccountScope::default()).await;
    let reg = app
        .account("reg.chengdu.zj", Role::Regulator, AccountScope { region_code: Some("510100"), industry_code: Some("ZJ"), ..Default::default() })
        .await;
    (ops, reg)
}

fn day(n: i64) -> String {
    crate::domain::time::date_shanghai(crate::db::testing::TEST_NOW_MS + n * DAY_MS)
}

#[tokio::test]
async fn a_regulator_maintains_only_its_industry_inside_its_region() {
    let app = TestApp::with_demo(None).await;
    let (ops, reg) = staff(&app).await;
    app.sign_in_as(ops).await;
    app.run(save_service_item(form("DZZJ-001", "ZJ", "511700"))).await.unwrap(); // 达州: another region
    app.run(save_service_item(form("CDHJ-001", "HJ", "510104"))).await.unwrap(); // 成都 but 生态环境
    app.sign_in_as(reg).await;
    // its own industry in a county of its city: allowed
    let mine = app.run(save_service_item(form("CDZJ-001", "ZJ", "510104"))).await.unwrap();
    assert_eq!((mine.code.as_str(), mine.version), ("CDZJ-001", 1));
    for other in ["DZZJ-001", "CDHJ-001", "ZJFW-008"] {
        // another region, another industry, the province's own item
        assert_eq!(app.run(get_item_editor(Some(other.into()))).await, Err(AppError::Forbidden), "{other}");
        let mut f = form(other, "ZJ", "510104");
        f.original_code = Some(other.into());
        f.version = Some("1".into());
        assert_eq!(app.run(save_service_item(f)).await, Err(AppError::Forbidden), "{other}");
        assert_eq!(app.run(retire_service_item(other.into(), "1".into(), day(1), "不再需要".into())).await, Err(AppError::Forbidden), "{other}");
    }
    // nor may it create items outside its scope, or move its own item out of it
    assert_eq!(
        app.run(save_service_item(form("CDZJ-002", "ZJ", "511702"))).await,
        Err(AppError::invalid("region_code", "catalogue_admin.region_out_of_scope"))
    );
    assert_eq!(
        app.run(save_service_item(form("CDZJ-002", "HJ", "510104"))).await,
        Err(AppError::invalid("industry_code", "catalogue_admin.industry_out_of_scope"))
    );
    let mut moved = edit_form(&app, "CDZJ-001").await;
    moved.region_code = "511700".into();
    moved.reason = "调整适用区域".into();
    assert_eq!(app.run(save_service_item(moved)).await, Err(AppError::invalid("region_code", "catalogue_admin.region_out_of_scope")));
    // nothing of the refused attempts was written
    let (rows,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM service_item_versions").fetch_one(&app.state.pool).await.unwrap();
    assert_eq!(rows, 56 + 3);

    // its list holds exactly the items it may edit; its editor offers only its scope
    let list = app.run(list_managed_items(ManageQuery::default())).await.unwrap();
    assert_eq!(list.items.iter().map(|i| i.code.as_str()).collect::<Vec<_>>(), vec!["CDZJ-001"]);
    let editor = app.run(get_item_editor(None)).await.unwrap();
    assert_eq!(editor.options.industries.iter().map(|i| i.code.as_str()).collect::<Vec<_>>(), vec!["ZJ"]);
    assert!(editor.options.regions.iter().all(|r| r.code.starts_with("5101")) && editor.options.regions.len() > 10);
    assert_eq!(editor.next_code, "ZJFW-057");

    // an operator sees and edits everything
    app.sign_in_as(ops).await;
    let all = app.run(list_managed_items(ManageQuery::default())).await.unwrap();
    assert_eq!(all.total, 56 + 3);
    let zj = app.run(list_managed_items(ManageQuery { industry: Some("ZJ".into()), q: Some("CDZJ".into()), ..Default::default() })).await.unwrap();
    assert_eq!(zj.total, 1);
    let mut f = edit_form(&app, "DZZJ-001").await;
    f.time_limit_days = "15".into();
    f.reason = "压缩服务时限".into();
    assert_eq!(app.run(save_service_item(f)).await.unwrap().version, 2);
    // a province-wide ZJ regulator reaches the province's ZJ items, not other industries
    let prov = app.account("reg.sc.zj", Role::Regulator, AccountScope { region_code: Some("510000"), industry_code: Some("ZJ"), ..Default::default() }).await;
    app.sign_in_as(prov).await;
    let list = app.run(list_managed_items(ManageQuery { page: Some(1), ..Default::default() })).await.unwrap();
    assert!(list.items.iter().any(|i| i.code == "ZJFW-008") && list.items.iter().any(|i| i.code == "DZZJ-001"));
    assert!(list.items.iter().all(|i| i.industry_name == "住房城乡建设"));
    assert!(app.run(get_item_editor(Some("ZJFW-008".into()))).await.is_ok());
    assert_eq!(app.run(get_item_editor(Some("ZJFW-001".into()))).await, Err(AppError::Forbidden));
}

#[tokio::test]
async fn every_change_is_kept_in_the_history() {
    let app = TestApp::with_demo(None).await;
    let (ops, _) = staff(&app).await;
    app.sign_in_as(ops).await;
    let created = app.run(save_service_item(ItemForm { code: "zjfw-057".into(), ..form("", "ZJ", "510000") })).await.unwrap();
    assert_eq!((created.code.as_str(), created.version), ("ZJFW-057", 1), "codes are upper-cased");

    let mut f = edit_form(&app, "ZJFW-057").await;
    f.legal_basis = "《四川省城市更新条例》第十二条;《四川省优化营商环境条例》".into();
    f.time_limit_days = "15".into();
    f.qualification_type_code = Some("GCSJ".into());
    f.min_grade = Some("乙级".into());
    f.reason = "依据新条例调整".into();
    assert_eq!(app.run(save_service_item(f.clone())).await.unwrap().version, 2);
    // the same form again: stale (version 1 was shown); a fresh one without changes: nothing to save
    assert_eq!(app.run(save_service_item(f)).await, Err(AppError::invalid("form", "catalogue_admin.stale")));
    let mut same = edit_form(&app, "ZJFW-057").await;
    same.reason = "再次保存".into();
    assert_eq!(app.run(save_service_item(same)).await, Err(AppError::invalid("form", "catalogue_admin.no_change")));

    app.clock.advance(DAY_MS);
    let retired = app.run(retire_service_item("ZJFW-057".into(), "2".into(), day(30), "职能调整,不再作为中介服务事项".into())).await.unwrap();
    assert_eq!(retired.version, 3);

    let editor = app.run(get_item_editor(Some("ZJFW-057".into()))).await.unwrap();
    let h = &editor.history;
    assert_eq!(h.iter().map(|v| (v.version, v.action.as_str())).collect::<Vec<_>>(), vec![(3, "retire"), (2, "adjust"), (1, "create")]);
    assert_eq!(h[2].changed, Vec::<String>::new());
    assert_eq!(h[1].changed, vec!["legal_basis", "qualification_type_code", "min_grade", "time_limit_days"]);
    assert_eq!(h[0].changed, vec!["retired_on"]);
    assert_eq!((h[0].retired_on.as_deref(), h[0].reason.as_str()), (Some(day(30).as_str()), "职能调整,不再作为中介服务事项"));
    assert!(h[1].legal_basis.contains("优化营商环境条例"));
    assert!(h.iter().all(|v| v.changed_by.as_deref() == Some("ops.catalogue")), "the editor names who saved");
    assert_eq!(h[0].changed_at - h[1].changed_at, DAY_MS);
    // still in force until the retirement date; the public history names no one
    assert_eq!(editor.existing.unwrap().state, ItemState::InForce);
    app.new_session();
    let public = app.run(get_service_item("ZJFW-057".into())).await.unwrap();
    assert_eq!(public.history.len(), 3);
    assert!(public.history.iter().all(|v| v.changed_by.is_none()));
    assert_eq!(public.time_limit_days, 15);
}

#[tokio::test]
async fn bad_input_gets_a_message_next_to_its_field() {
    let app = TestApp::with_demo(None).await;
    let (ops, _) = staff(&app).await;
    app.sign_in_as(ops).await;
    let a = &app;
    let err = |f: ItemForm| async move { a.run(save_service_item(f)).await.unwrap_err() };
    let inv = |field: &str, key: &str| AppError::invalid(field, &format!("catalogue_admin.{key}"));
    assert_eq!(err(form("ZJFW-001", "ZJ", "510000")).await, inv("code", "code_taken"));
    assert_eq!(err(form("ZJFW-1", "ZJ", "510000")).await, inv("code", "code_format"));
    assert_eq!(err(ItemForm { department_code: "NOPE".into(), ..form("ZJFW-900", "ZJ", "510000") }).await, inv("department_code", "department_required"));
    assert_eq!(err(form("ZJFW-900", "XX", "510000")).await, inv("industry_code", "industry_required"));
    assert_eq!(err(form("ZJFW-900", "ZJ", "519999")).await, inv("region_code", "region_required"));
    let q = |t: &str, g: Option<&str>| ItemForm { qualification_type_code: Some(t.into()), min_grade: g.map(Into::into), ..form("ZJFW-900", "ZJ", "510000") };
    assert_eq!(err(q("NOPE", None)).await, inv("qualification_type_code", "qualification_unknown"));
    assert_eq!(err(q("GCSJ", Some("丙级"))).await, inv("min_grade", "grade_unknown"));
    assert_eq!(err(ItemForm { effective_to: Some("2025-12-31".into()), ..form("ZJFW-900", "ZJ", "510000") }).await, inv("effective_to", "effective_to_before_from"));
    assert_eq!(app.run(get_item_editor(Some("ZJFW-999".into()))).await, Err(AppError::NotFound));

    // retirement: a date from today on, a reason, the version the page showed
    let retire = |date: String, reason: &str, version: &str| retire_service_item("ZJFW-001".into(), version.into(), date, reason.into());
    assert_eq!(app.run(retire(day(-1), "过时", "1")).await, Err(inv("retired_on", "retire_in_past")));
    assert_eq!(app.run(retire("2026-13-01".into(), "过时", "1")).await, Err(inv("retired_on", "date_invalid")));
    assert_eq!(app.run(retire(day(0), " ", "1")).await, Err(inv("retire_reason", "reason_length")));
    assert_eq!(app.run(retire(day(0), "过时", "7")).await, Err(inv("form", "stale")));
    assert_eq!(app.run(retire(day(0), "政策调整", "1")).await.unwrap().version, 2);
    // retired from today: it can be neither adjusted nor retired again
    assert_eq!(app.run(retire(day(5), "政策调整", "2")).await, Err(inv("form", "already_retired")));
    let mut f = edit_form(&app, "ZJFW-001").await;
    f.reason = "恢复".into();
    f.time_limit_days = "10".into();
    assert_eq!(app.run(save_service_item(f)).await, Err(inv("form", "retired_locked")));
    assert_eq!(app.run(list_managed_items(ManageQuery { state: Some("gone".into()), ..Default::default() })).await, Err(inv("state", "bad_state")));
}

#[tokio::test]
async fn public_pages_show_only_items_in_force_as_the_clock_moves() {
    let app = TestApp::new().await;
    let (ops, _) = staff(&app).await;
    app.sign_in_as(ops).await;
    // an item taking effect in ten days
    app.run(save_service_item(ItemForm { effective_from: day(10), ..form("ZJFW-057", "ZJ", "510000") })).await.unwrap();
    let public_codes = || async {
        let q = ItemQuery { q: Some("ZJFW-0".into()), page: Some(1), ..Default::default() };
        let mut codes = Vec::new();
        for page in 1..=6 {
            let p = app.run(list_service_items(ItemQuery { page: Some(page), ..q.clone() })).await.unwrap();
            codes.extend(p.items.into_iter().map(|i| i.code));
        }
        codes
    };
    app.new_session();
    assert!(!public_codes().await.contains(&"ZJFW-057".to_string()), "not yet effective: not listed");
    assert_eq!(app.run(get_service_item("ZJFW-057".into())).await, Err(AppError::NotFound));
    app.clock.advance(10 * DAY_MS);
    assert!(public_codes().await.contains(&"ZJFW-057".to_string()), "listed from its first day");
    assert_eq!(app.run(get_service_item("ZJFW-057".into())).await.unwrap().state, ItemState::InForce);

    // a retired item that firms offer leaves the list, the filters and the firm profiles
    let (item, firm): (String, String) = sqlx::query_as(
        "SELECT s.code, f.credit_code FROM firm_items fi JOIN service_items s ON s.id = fi.item_id JOIN firms f ON f.id = fi.firm_id \
         WHERE f.status = 'active' AND s.qualification_type_code IS NULL ORDER BY s.code, f.id LIMIT 1",
    )
    .fetch_one(&app.state.pool)
    .await
    .unwrap();
    let version = app.run(get_service_item(item.clone())).await.unwrap().history.len();
    let home_before = app.run(crate::api::portal::get_home_summary()).await.unwrap().item_count;
    let by_item = || list_firms(FirmQuery { item: Some(item.clone()), ..Default::default() });
    assert!(app.run(by_item()).await.unwrap().total > 0);
    app.sign_in_as(ops).await;
    app.run(retire_service_item(item.clone(), version.to_string(), day(12), "国务院决定取消该中介服务事项".into())).await.unwrap();
    app.new_session();
    assert!(public_codes().await.contains(&item), "in force until the retirement date");
    app.clock.advance(2 * DAY_MS);
    assert!(!public_codes().await.contains(&item));
    let facets = app.run(get_catalogue_facets()).await.unwrap();
    assert!(!facets.industries.is_empty());
    assert!(!app.run(get_firm_facets()).await.unwrap().items.iter().any(|i| i.code == item));
    assert_eq!(app.run(by_item()).await.unwrap().total, 0);
    let profile = app.run(get_firm_profile(firm)).await.unwrap();
    assert!(!profile.scope.iter().any(|s| s.item_code == item));
    assert_eq!(app.run(crate::api::portal::get_home_summary()).await.unwrap().item_count, home_before - 1);
    // an old link still answers: marked retired, with the retirement in its history
    let d = app.run(get_service_item(item.clone())).await.unwrap();
    assert_eq!(d.state, ItemState::Retired);
    assert_eq!(d.retired_on.as_deref(), Some(day(12).as_str()));
    assert_eq!(d.history[0].reason, "国务院决定取消该中介服务事项");
}

/// The SQL condition and the domain rule agree on every state, on every day.
#[tokio::test]
async fn sql_and_domain_agree_on_in_force() {
    let app = TestApp::with_demo(None).await;
    let (ops, _) = staff(&app).await;
    let windows: [(&str, Option<&str>, Option<&str>); 7] = [
        ("2026-11-10", None, None),
        ("2026-11-10", Some("2026-11-20"), None),
        ("2026-11-21", None, None),
        ("2026-11-10", None, Some("2026-11-21")),
        ("2026-11-10", Some("2026-11-19"), Some("2026-11-25")),
        ("2026-11-22", Some("2026-11-30"), Some("2026-11-21")),
        ("2026-11-20", Some("2026-11-20"), None),
    ];
    for (k, (from, to, retired)) in windows.iter().enumerate() {
        sqlx::query("UPDATE service_items SET effective_from = $1, effective_to = $2, retired_on = $3 WHERE code = $4")
            .bind(*from)
            .bind(*to)
            .bind(*retired)
            .bind(format!("ZJFW-{:03}", k + 1))
            .execute(&app.state.pool)
            .await
            .unwrap();
    }
    app.sign_in_as(ops).await;
    for offset in -2..=3 {
        app.clock.set(crate::db::testing::TEST_NOW_MS + offset * DAY_MS);
        let today = day(offset);
        for state in ItemState::ALL {
            let q = ManageQuery { state: Some(state.as_str().into()), q: Some("ZJFW-00".into()), ..Default::default() };
            let got: Vec<String> = app.run(list_managed_items(q)).await.unwrap().items.into_iter().map(|i| i.code).collect();
            let want: Vec<String> = windows
                .iter()
                .enumerate()
                .filter(|(_, (from, to, retired))| {
                    let d = crate::domain::catalogue::ItemDates { effective_from: from, effective_to: *to, retired_on: *retired };
                    crate::domain::catalogue::state(d, &today) == state
                })
                .map(|(k, _)| format!("ZJFW-{:03}", k + 1))
                .collect();
            let want_more = if state == ItemState::InForce { vec!["ZJFW-008".to_string(), "ZJFW-009".to_string()] } else { vec![] };
            assert_eq!(got, [want, want_more].concat(), "{state:?} on {today}");
        }
    }
}
