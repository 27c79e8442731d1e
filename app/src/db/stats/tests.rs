//! The summary tables (SQLite, and PostgreSQL with `ZJCS_TEST_DATABASE`): a small
//! market built by hand with every figure worked out in the comments; and the
//! demo market, where the tables kept up to date change by change always equal
//! a recomputation from scratch, also after real trading, completion and rating.
use super::*;
use crate::db::testing::{AccountScope, TestApp, TEST_NOW_MS};
use crate::domain::accounts::Role;
use crate::domain::authz::Scope;
use crate::domain::time::shanghai_midnight_ms;
use crate::error::AppError;
use crate::model::dashboard::{Dashboard, DashboardFilter, Figures};

const HOUR: i64 = 3_600_000;

/// Shanghai local time `y-m-d h:00` (plus `min` minutes) in epoch ms.
fn at(y: i64, m: u32, d: u32, h: i64, min: i64) -> i64 {
    shanghai_midnight_ms(y, m, d) + h * HOUR + min * 60_000
}

fn admin() -> Scope<'static> {
    Scope { role: Role::Admin, firm_id: None, owner_id: None, region_code: None, industry_code: None }
}

fn filter(from: &str, to: &str) -> DashboardFilter {
    DashboardFilter { from: from.into(), to: to.into(), ..Default::default() }
}

#[allow(clippy::too_many_arguments)]
fn fig(
    published: i64,
    selected: i64,
    failed: i64,
    budget_fen: i64,
    award_fen: i64,
    contract_fen: i64,
    participants: i64,
    completed: i64,
    on_time: i64,
    service_days: i64,
    rating_sum: i64,
    rating_count: i64,
) -> Figures {
    Figures { published, selected, failed, budget_fen, award_fen, contract_fen, participants, completed, on_time, service_days, rating_sum, rating_count }
}

async fn exec(app: &TestApp, sql: &str, args: Vec<crate::db::sql::Arg>) -> i64 {
    let mut s = crate::db::sql::Sql::new("");
    let parts: Vec<&str> = sql.split('?').collect();
    for (i, p) in parts.iter().enumerate() {
        s.push(p);
        if i + 1 < parts.len() {
            s.bind(args[i].clone());
        }
    }
    s.push(" RETURNING id");
    let (id,): (i64,) = s.query_as().fetch_one(&app.state.pool).await.unwrap();
    id
}

struct Hand {
    app: TestApp,
    zj_item: (i64, String),
    hj_item: (i64, String),
}

/// The hand-built market (empty demo; reference data only):
///
/// | | region | industry | method | funding | budget | published (Shanghai) | outcome |
/// |-|-|-|-|-|-|-|-|
/// | P1 | 510104 锦江区 | ZJ | random_draw | fiscal | 100,000.00 | 2026-10-05 10:00 | selected, award 80,000.00; 3 registered + 1 withdrawn; contract 80,000.00 completed: signed 10-20 10:00, due 11-20 10:00, delivered 11-10 16:00 (21 whole days, on time); rated 5+4+5+4 = 18 |
/// | P2 | 510105 青羊区 | ZJ | price_competition | social | 50,000.00 | 2026-11-02 09:00 | selected, award 45,000.00; 2 registered; contract 45,000.00 signed 11-12, in service |
/// | P3 | 510302 自流井区 | HJ | direct | fiscal | 20,000.00 | 2026-11-03 09:00 | failed; 1 registered |
/// | P4 | 510100 成都市(市本级) | HJ | merit | fiscal | 30,000.00 | 2026-10-15 09:00 | selected, award 28,000.00; 4 registered; first contract lapsed unsigned, second 27,000.00 completed: signed 10-25 10:00, due 11-01 10:00, delivered 11-05 10:00 (11 days, late); rated 3+3+2+4 = 12 |
/// | P5 | 510302 | ZJ | random_draw | fiscal | 10,000.00 | never (draft) | not counted |
/// | P6 | 510104 | ZJ | random_draw | social | 60,000.00 | 2026-10-01 00:30 (UTC: 09-30) | open; 2 registered |
/// | P7 | 510105 | HJ | random_draw | fiscal | 40,000.00 | 2026-07-10 09:00 | failed |
async fn hand_market() -> Hand {
    use crate::db::sql::Arg::{Int as I, NullInt as N, Text as T};
    let app = TestApp::with_demo(None).await;
    let pool = &app.state.pool;
    let item = |ind: &'static str| async move {
        sqlx::query_as::<_, (i64, String)>("SELECT id, code FROM service_items WHERE industry_code = $1 ORDER BY code LIMIT 1")
            .bind(ind)
            .fetch_one(pool)
            .await
            .unwrap()
    };
    let zj_item = item("ZJ").await;
    let hj_item = item("HJ").await;
    let t0 = at(2026, 1, 1, 0, 0);
    let owner = exec(&app, "INSERT INTO owners (name, credit_code, kind, region_code, created_at) VALUES (?, ?, 'public_body', '510104', ?)", vec![T("某局".into()), T("11510100MB0000001X".into()), I(t0)]).await;
    let firm = |name: &'static str, code: &'static str, region: &'static str, status: &'static str, registered: i64, star: Option<i64>, grade: Option<&'static str>| {
        let app = &app;
        async move {
            let id = exec(
                app,
                "INSERT INTO firms (name, credit_code, region_code, address, legal_rep, contact_name, contact_phone, status, registered_at, updated_at) \
                 VALUES (?, ?, ?, '某路1号', '张三', '李四', '028-85550000', ?, ?, ?)",
                vec![T(name.into()), T(code.into()), T(region.into()), T(status.into()), I(registered), I(registered)],
            )
            .await;
            sqlx::query("UPDATE firms SET star_level = $2, credit_grade = $3 WHERE id = $1").bind(id).bind(star).bind(grade).execute(&app.state.pool).await.unwrap();
            id
        }
    };
    // firms: F1 active in 锦江区 (4 stars, A, admitted 2026-10-10), F2 active in
    // 自流井区 (3 stars, B, admitted 2025-01-01), F3 submitted, not yet admitted
    let f1 = firm("甲咨询公司", "91510104MA0000001A", "510104", "active", at(2026, 10, 10, 9, 0), Some(4), Some("A")).await;
    let f2 = firm("乙咨询公司", "91510302MA0000002B", "510302", "active", at(2025, 1, 1, 9, 0), Some(3), Some("B")).await;
    let f3 = firm("丙咨询公司", "91510105MA0000003C", "510105", "submitted", at(2026, 11, 1, 9, 0), None, None).await;
    let _ = f3;
    let proc = |n: i64, region: &'static str, ind: &'static str, item: i64, method: &'static str, funding: &'static str, budget: i64, status: &'static str, published: Option<i64>| {
        let app = &app;
        async move {
            exec(
                app,
                "INSERT INTO procurements (code, title, owner_id, item_id, region_code, industry_code, funding, budget_fen, method, status, \
                 service_days, published_at, deadline_at, created_at, updated_at) VALUES (?, '测试项目', ?, ?, ?, ?, ?, ?, ?, ?, 30, ?, ?, ?, ?)",
                vec![
                    T(format!("ZJCS-T{n}")),
                    I(owner),
                    I(item),
                    T(region.into()),
                    T(ind.into()),
                    T(funding.into()),
                    I(budget),
                    T(method.into()),
                    T(status.into()),
                    published.map_or(N, I),
                    published.map_or(N, |p| I(p + 10 * 24 * HOUR)),
                    I(t0),
                    I(t0),
                ],
            )
            .await
        }
    };
    let (zj, hj) = (zj_item.0, hj_item.0);
    let p1 = proc(1, "510104", "ZJ", zj, "random_draw", "fiscal", 10_000_000, "selected", Some(at(2026, 10, 5, 10, 0))).await;
    let p2 = proc(2, "510105", "ZJ", zj, "price_competition", "social", 5_000_000, "selected", Some(at(2026, 11, 2, 9, 0))).await;
    let p3 = proc(3, "510302", "HJ", hj, "direct", "fiscal", 2_000_000, "failed", Some(at(2026, 11, 3, 9, 0))).await;
    let p4 = proc(4, "510100", "HJ", hj, "merit", "fiscal", 3_000_000, "selected", Some(at(2026, 10, 15, 9, 0))).await;
    let _p5 = proc(5, "510302", "ZJ", zj, "random_draw", "fiscal", 1_000_000, "draft", None).await;
    let p6 = proc(6, "510104", "ZJ", zj, "random_draw", "social", 6_000_000, "published", Some(at(2026, 10, 1, 0, 30))).await;
    let _p7 = proc(7, "510105", "HJ", hj, "random_draw", "fiscal", 4_000_000, "failed", Some(at(2026, 7, 10, 9, 0))).await;

    // registrations: each needs its own firm (one per procurement and firm)
    let mut extra = Vec::new();
    for k in 0..4 {
        extra.push(firm("丁咨询公司", ["91510104MA00000D1D", "91510104MA00000D2D", "91510104MA00000D3D", "91510104MA00000D4D"][k], "510104", "expelled", t0, None, None).await);
    }
    let firms = [f1, f2, extra[0], extra[1], extra[2], extra[3]];
    let register = |p: i64, n: usize, withdrawn: usize| {
        let app = &app;
        async move {
            for (k, f) in firms.iter().take(n + withdrawn).enumerate() {
                let status = if k < n { "registered" } else { "withdrawn" };
                exec(app, "INSERT INTO participations (procurement_id, firm_id, status, registered_at) VALUES (?, ?, ?, ?)", vec![I(p), I(*f), T(status.into()), I(t0)]).await;
            }
        }
    };
    register(p1, 3, 1).await;
    register(p2, 2, 0).await;
    register(p3, 1, 0).await;
    register(p4, 4, 0).await;
    register(p6, 2, 0).await;
    let award = |p: i64, amount: i64| {
        let app = &app;
        async move {
            exec(app, "INSERT INTO awards (procurement_id, firm_id, amount_fen, reason, awarded_at, status) VALUES (?, ?, ?, '随机抽取', ?, 'final')", vec![I(p), I(f1), I(amount), I(t0)]).await;
        }
    };
    award(p1, 8_000_000).await;
    award(p2, 4_500_000).await;
    award(p4, 2_800_000).await;
    let contract = |p: i64, price: i64, status: &'static str, signed: Option<i64>, due: Option<i64>, delivered: Option<i64>| {
        let app = &app;
        async move {
            exec(
                app,
                "INSERT INTO contracts (procurement_id, firm_id, owner_id, price_fen, status, created_at, signed_at, due_at, delivered_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                vec![I(p), I(f1), I(owner), I(price), T(status.into()), I(t0), signed.map_or(N, I), due.map_or(N, I), delivered.map_or(N, I)],
            )
            .await
        }
    };
    let c1 = contract(p1, 8_000_000, "completed", Some(at(2026, 10, 20, 10, 0)), Some(at(2026, 11, 20, 10, 0)), Some(at(2026, 11, 10, 16, 0))).await;
    contract(p2, 4_500_000, "signed", Some(at(2026, 11, 12, 10, 0)), Some(at(2026, 12, 12, 10, 0)), None).await;
    contract(p4, 2_800_000, "lapsed", None, None, None).await;
    let c4 = contract(p4, 2_700_000, "completed", Some(at(2026, 10, 25, 10, 0)), Some(at(2026, 11, 1, 10, 0)), Some(at(2026, 11, 5, 10, 0))).await;
    let rate = |c: i64, s: [i64; 4]| {
        let app = &app;
        async move {
            exec(
                app,
                "INSERT INTO ratings (contract_id, firm_id, timeliness, quality, attitude, fee_compliance, rated_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                vec![I(c), I(f1), I(s[0]), I(s[1]), I(s[2]), I(s[3]), I(t0)],
            )
            .await;
        }
    };
    rate(c1, [5, 4, 5, 4]).await;
    rate(c4, [3, 3, 2, 4]).await;
    // a complaint in 锦江区 about ZJ, filed 2026-10-12
    exec(
        &app,
        "INSERT INTO complaints (against_kind, firm_id, region_code, industry_code, subject, body, status, accept_due_at, created_at, updated_at) \
         VALUES ('firm', ?, '510104', 'ZJ', '未按期提交成果', '合同约定期限已过', 'submitted', ?, ?, ?)",
        vec![I(f1), I(at(2026, 10, 19, 9, 0)), I(at(2026, 10, 12, 9, 0)), I(at(2026, 10, 12, 9, 0))],
    )
    .await;
    Hand { app, zj_item, hj_item }
}

async fn view(app: &TestApp, scope: &Scope<'_>, f: &DashboardFilter) -> Dashboard {
    dashboard(&app.state, scope, f, TEST_NOW_MS).await.unwrap()
}

fn slice<'a>(v: &'a [crate::model::dashboard::Slice], key: &str) -> &'a Figures {
    &v.iter().find(|s| s.key == key).unwrap_or_else(|| panic!("no slice {key}")).figures
}

/// Every row of both summary tables, in key order, as text.
async fn snapshot(app: &TestApp) -> (Vec<String>, Vec<String>) {
    let m = MEASURES.join(", ");
    let rows = |sql: String| {
        let pool = app.state.pool.clone();
        async move {
            sqlx::query(&sql)
                .fetch_all(&pool)
                .await
                .unwrap()
                .iter()
                .map(|r| {
                    let dims: Vec<String> = (0..r.columns().len() - MEASURES.len())
                        .map(|i| r.try_get::<String, _>(i).unwrap_or_else(|_| r.try_get::<i64, _>(i).unwrap().to_string()))
                        .collect();
                    format!("{} {:?}", dims.join("/"), figures_from_row(r).unwrap())
                })
                .collect::<Vec<_>>()
        }
    };
    (
        rows(format!("SELECT day, month, region_code, city_code, industry_code, item_id, method, funding, {m} FROM stats_daily ORDER BY day, region_code, industry_code, item_id, method, funding")).await,
        rows(format!("SELECT level, region_code, parent_code, method, funding, period, industry_code, {m} FROM stats_cube ORDER BY level, region_code, method, funding, period, industry_code")).await,
    )
}

async fn queued(app: &TestApp) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM stats_dirty").fetch_one(&app.state.pool).await.unwrap()
}

#[tokio::test]
async fn hand_checked_figures_by_month_region_industry_method_and_item() {
    let h = hand_market().await;
    let app = &h.app;
    assert!(queued(app).await > 0, "the triggers queued the changed procurements");
    drain_all(&app.state, TEST_NOW_MS).await.unwrap();
    assert_eq!(queued(app).await, 0);
    let d = view(app, &admin(), &filter("2026-09", "2026-11")).await;
    assert_eq!((d.filter.from.as_str(), d.filter.to.as_str(), d.filter.region.as_str(), d.filter.grain.as_str()), ("2026-09", "2026-11", "510000", "month"));
    assert_eq!(d.path.iter().map(|c| c.name.as_str()).collect::<Vec<_>>(), vec!["四川省"]);
    // P1 P2 P3 P4 P6 (P5 a draft, P7 in July):
    // selected P1 P2 P4; failed P3; budget 100,000 + 50,000 + 30,000; award 80,000 + 45,000 + 28,000;
    // contracts 80,000 + 45,000 + 27,000 (P4's lapsed one not); registered 3 + 2 + 1 + 4 + 2;
    // completed P1 (on time, 21 days) and P4 (late, 11 days); ratings 18 + 12 over 2
    assert_eq!(d.totals, fig(5, 3, 1, 18_000_000, 15_300_000, 15_200_000, 12, 2, 1, 32, 30, 2));
    assert_eq!(d.totals.savings_milli(), Some(150)); // 1 − 153,000 ÷ 180,000
    assert_eq!(d.totals.satisfaction_milli(), Some(3750)); // 30 ÷ (4 dimensions × 2 ratings)
    // previous three months (June–August): P7 only
    assert_eq!(d.previous, fig(1, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0));
    // by month: September empty (P6 was published 00:30 on 1 October in Shanghai, still 30 September in UTC)
    assert_eq!(d.trend.iter().map(|s| (s.key.as_str(), s.figures.published)).collect::<Vec<_>>(), vec![("2026-09", 0), ("2026-10", 3), ("2026-11", 2)]);
    // October: P1 P4 P6
    assert_eq!(slice(&d.trend, "2026-10"), &fig(3, 2, 0, 13_000_000, 10_800_000, 10_700_000, 9, 2, 1, 32, 30, 2));
    // November: P2 P3
    assert_eq!(slice(&d.trend, "2026-11"), &fig(2, 1, 1, 5_000_000, 4_500_000, 4_500_000, 3, 0, 0, 0, 0, 0));
    // methods: random_draw P1 P6, price_competition P2, direct P3, merit P4
    assert_eq!(
        d.methods.iter().map(|s| (s.key.as_str(), s.figures.published)).collect::<Vec<_>>(),
        vec![("direct", 1), ("random_draw", 2), ("price_competition", 1), ("merit", 1)]
    );
    // cities: all 21, 成都 (P1 P2 P4 P6) then 自贡 (P3), the rest empty
    assert_eq!(d.regions.len(), 21);
    assert_eq!((d.regions[0].key.as_str(), d.regions[0].name.as_str(), d.regions[0].figures.published), ("510100", "成都市", 4));
    assert_eq!((d.regions[1].key.as_str(), d.regions[1].figures.published), ("510300", 1));
    assert!(d.regions[2..].iter().all(|r| r.figures.published == 0));
    assert!(d.can_drill);
    // industries: all 14, ZJ (P1 P2 P6) then HJ (P3 P4)
    assert_eq!(d.industries.len(), 14);
    assert_eq!((d.industries[0].key.as_str(), d.industries[0].figures.published), ("ZJ", 3));
    assert_eq!(slice(&d.industries, "ZJ"), &fig(3, 2, 0, 15_000_000, 12_500_000, 12_500_000, 7, 1, 1, 21, 18, 1));
    assert_eq!(slice(&d.industries, "HJ"), &fig(2, 1, 1, 3_000_000, 2_800_000, 2_700_000, 5, 1, 0, 11, 12, 1));
    // heat: every city × industry; 成都×ZJ 3, 成都×HJ 1, 自贡×HJ 1, 自贡×ZJ 0
    assert_eq!(d.heat.len(), 21 * 14);
    let cell = |r: &str, i: &str| d.heat.iter().find(|c| c.region == r && c.industry == i).unwrap().published;
    assert_eq!((cell("510100", "ZJ"), cell("510100", "HJ"), cell("510300", "HJ"), cell("510300", "ZJ")), (3, 1, 1, 0));
    assert_eq!(d.heat.iter().map(|c| c.published).sum::<i64>(), 5);
    // firms: F1 and F2 active (F3 not admitted); F1 admitted in the period
    assert_eq!(d.active_firms, 2);
    assert_eq!(d.new_firms, 1);
    assert_eq!(d.stars, vec![("1".into(), 0), ("2".into(), 0), ("3".into(), 1), ("4".into(), 1), ("5".into(), 0)]);
    assert_eq!(d.grades, vec![("A".into(), 1), ("B".into(), 1), ("C".into(), 0), ("D".into(), 0)]);
    assert_eq!(d.complaints, 1);
    assert_eq!(d.industry_options.len(), 14);
    assert!(d.item_options.iter().any(|(c, _)| *c == h.zj_item.1));

    // by quarter: Q3 (September) empty, Q4 all five
    let mut f = filter("2026-09", "2026-11");
    f.grain = "quarter".into();
    let q = view(app, &admin(), &f).await;
    assert_eq!(q.trend.iter().map(|s| (s.key.as_str(), s.figures.published)).collect::<Vec<_>>(), vec![("2026-Q3", 0), ("2026-Q4", 5)]);

    // a whole calendar year: regions, industries and the previous period are read from the
    // year rows, the trend from the month rows; both give the same figures
    let y = view(app, &admin(), &filter("2026-01", "2026-12")).await;
    assert_eq!(y.totals.published, 6, "P7 in July too");
    let sum = |slices: &[crate::model::dashboard::Slice]| {
        let mut f = Figures::default();
        slices.iter().for_each(|s| f.add(&s.figures));
        f
    };
    assert_eq!(sum(&y.regions), y.totals);
    assert_eq!(sum(&y.industries), y.totals);
    assert_eq!(view(app, &admin(), &filter("2027-01", "2027-12")).await.previous, y.totals);
    // and so for a city, with a method and a funding
    let mut f = filter("2026-01", "2026-12");
    (f.region, f.method, f.funding) = ("510100".into(), "random_draw".into(), "social".into());
    let c = view(app, &admin(), &f).await;
    assert_eq!(c.totals.published, 1, "P6");
    assert_eq!(sum(&c.regions), c.totals);
    f.from = "2027-01".into();
    f.to = "2027-12".into();
    assert_eq!(view(app, &admin(), &f).await.previous, c.totals);

    // drill into 成都: its counties plus 市本级 (P4); 锦江区 P1 P6, 青羊区 P2
    let mut f = filter("2026-09", "2026-11");
    f.region = "510100".into();
    let c = view(app, &admin(), &f).await;
    assert_eq!(c.path.iter().map(|c| c.code.as_str()).collect::<Vec<_>>(), vec!["510000", "510100"]);
    assert_eq!(c.totals.published, 4);
    assert_eq!((c.regions[0].key.as_str(), c.regions[0].name.as_str(), c.regions[0].figures.published), ("510104", "锦江区", 2));
    let own = c.regions.iter().find(|r| r.key == "510100").unwrap();
    assert_eq!((own.name.as_str(), own.figures.published), ("成都市(市本级)", 1));
    assert_eq!(slice(&c.regions, "510105").published, 1);
    assert_eq!(c.regions.iter().map(|r| r.figures.published).sum::<i64>(), 4);
    assert_eq!((c.active_firms, c.new_firms, c.complaints), (1, 1, 1));
    // a county: nothing below it
    f.region = "510302".into();
    let k = view(app, &admin(), &f).await;
    assert_eq!(k.path.iter().map(|c| c.name.as_str()).collect::<Vec<_>>(), vec!["四川省", "自贡市", "自流井区"]);
    assert_eq!(k.totals, fig(1, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0));
    assert!(!k.can_drill && k.regions.is_empty() && k.heat.is_empty());

    // an item (read from the daily table): HJ's item is P3 and P4
    let mut f = filter("2026-09", "2026-11");
    f.item = h.hj_item.1.clone();
    let i = view(app, &admin(), &f).await;
    assert_eq!(i.totals, fig(2, 1, 1, 3_000_000, 2_800_000, 2_700_000, 5, 1, 0, 11, 12, 1));
    assert_eq!(i.filter.item, h.hj_item.1);
    // method and funding: social is P2 and P6
    let mut f = filter("2026-09", "2026-11");
    f.funding = "social".into();
    assert_eq!(view(app, &admin(), &f).await.totals.published, 2);
    f.method = "random_draw".into();
    assert_eq!(view(app, &admin(), &f).await.totals.published, 1);

    // a regulator of ZJ in 成都 sees ZJ only, whatever it asks for
    let reg = Scope { role: Role::Regulator, firm_id: None, owner_id: None, region_code: Some("510100"), industry_code: Some("ZJ") };
    let mut f = filter("2026-09", "2026-11");
    f.industry = "HJ".into();
    let r = view(app, &reg, &f).await;
    assert_eq!(r.filter.industry, "ZJ");
    assert_eq!(r.filter.region, "510100");
    assert_eq!(r.path.iter().map(|c| c.code.as_str()).collect::<Vec<_>>(), vec!["510100"]);
    assert_eq!(r.totals.published, 3);
    assert_eq!(r.industry_options, vec![("ZJ".to_string(), "住房城乡建设".to_string())]);
    assert_eq!(r.complaints, 1);
}

#[tokio::test]
async fn defaults_and_bad_filters_are_named() {
    let h = hand_market().await;
    let app = &h.app;
    drain_all(&app.state, TEST_NOW_MS).await.unwrap();
    // defaults: the twelve months to the current one (TEST_NOW is 2026-11-20)
    let d = view(app, &admin(), &DashboardFilter::default()).await;
    assert_eq!((d.filter.from.as_str(), d.filter.to.as_str()), ("2025-12", "2026-11"));
    assert_eq!(d.trend.len(), 12);
    assert_eq!(d.totals.published, 6, "P7 in July counts too");
    let err = |f: DashboardFilter, scope: Scope<'static>| {
        let app = &h.app;
        async move { dashboard(&app.state, &scope, &f, TEST_NOW_MS).await.unwrap_err() }
    };
    let inv = |field: &str, key: &str| AppError::invalid(field, key);
    assert_eq!(err(filter("2026-13", "2026-11"), admin()).await, inv("from", "dashboard.error_month"));
    assert_eq!(err(filter("2026-01", "2026/11"), admin()).await, inv("to", "dashboard.error_month"));
    assert_eq!(err(filter("2026-11", "2026-01"), admin()).await, inv("from", "dashboard.error_range"));
    assert_eq!(err(filter("2021-01", "2026-01"), admin()).await, inv("from", "dashboard.error_range"), "61 months");
    assert!(dashboard(&app.state, &admin(), &filter("2021-02", "2026-01"), TEST_NOW_MS).await.is_ok(), "60 months");
    let with = |k: &str, v: &str| {
        let mut f = DashboardFilter::default();
        match k {
            "region" => f.region = v.into(),
            "industry" => f.industry = v.into(),
            "item" => f.item = v.into(),
            "method" => f.method = v.into(),
            "funding" => f.funding = v.into(),
            _ => f.grain = v.into(),
        }
        f
    };
    assert_eq!(err(with("region", "999999"), admin()).await, inv("region", "dashboard.error_region"));
    assert_eq!(err(with("industry", "XX"), admin()).await, inv("industry", "dashboard.error_industry"));
    assert_eq!(err(with("item", "NO-SUCH"), admin()).await, inv("item", "dashboard.error_item"));
    assert_eq!(err(with("method", "auction"), admin()).await, inv("method", "dashboard.error_method"));
    assert_eq!(err(with("funding", "loan"), admin()).await, inv("funding", "dashboard.error_funding"));
    assert_eq!(err(with("grain", "week"), admin()).await, inv("grain", "dashboard.error_grain"));
    // an item of another industry than the one chosen
    let mut f = with("industry", "ZJ");
    f.item = h.hj_item.1.clone();
    assert_eq!(err(f, admin()).await, inv("item", "dashboard.error_item"));
    // a leader of 成都 cannot look at 自贡; a firm sees nothing
    let leader = || Scope { role: Role::Leader, firm_id: None, owner_id: None, region_code: Some("510100"), industry_code: None };
    assert_eq!(err(with("region", "510300"), leader()).await, inv("region", "dashboard.error_region"));
    assert_eq!(err(with("region", "510000"), leader()).await, inv("region", "dashboard.error_region"));
    assert_eq!(view(app, &leader(), &with("region", "510104")).await.path.len(), 2);
    let firm = Scope { role: Role::Firm, firm_id: Some(1), owner_id: None, region_code: None, industry_code: None };
    assert_eq!(err(DashboardFilter::default(), firm).await, AppError::Forbidden);
}

#[tokio::test]
async fn changes_move_the_figures_and_equal_a_rebuild() {
    let h = hand_market().await;
    let app = &h.app;
    drain_all(&app.state, TEST_NOW_MS).await.unwrap();
    let before = snapshot(app).await;
    assert_eq!(rebuild(&app.state.pool, app.backend()).await.unwrap(), 6, "six published procurements");
    assert_eq!(snapshot(app).await, before);
    let p6: i64 = sqlx::query_scalar("SELECT id FROM procurements WHERE code = 'ZJCS-T6'").fetch_one(&app.state.pool).await.unwrap();
    // P6 is awarded (45,000.00 of 60,000.00) and P2's contract is terminated
    let firm: i64 = sqlx::query_scalar("SELECT MIN(id) FROM firms").fetch_one(&app.state.pool).await.unwrap();
    sqlx::query("INSERT INTO awards (procurement_id, firm_id, amount_fen, reason, awarded_at, status) VALUES ($1, $2, 4500000, '随机抽取', 0, 'publicity')")
        .bind(p6)
        .bind(firm)
        .execute(&app.state.pool)
        .await
        .unwrap();
    sqlx::query("UPDATE procurements SET status = 'selected' WHERE id = $1").bind(p6).execute(&app.state.pool).await.unwrap();
    sqlx::query("UPDATE contracts SET status = 'terminated' WHERE procurement_id = (SELECT id FROM procurements WHERE code = 'ZJCS-T2')")
        .execute(&app.state.pool)
        .await
        .unwrap();
    // a draft moved and published: P5 now counts in 自流井区 in November
    sqlx::query("UPDATE procurements SET status = 'published', published_at = $1 WHERE code = 'ZJCS-T5'").bind(at(2026, 11, 6, 9, 0)).execute(&app.state.pool).await.unwrap();
    assert!(drain_all(&app.state, TEST_NOW_MS).await.unwrap() >= 4);
    let d = view(app, &admin(), &filter("2026-09", "2026-11")).await;
    // published 5 + P5; selected + P6; budget + 60,000; award + 45,000; contracts − 45,000
    assert_eq!(d.totals, fig(6, 4, 1, 24_000_000, 19_800_000, 10_700_000, 12, 2, 1, 32, 30, 2));
    let after = snapshot(app).await;
    rebuild(&app.state.pool, app.backend()).await.unwrap();
    assert_eq!(snapshot(app).await, after);
    // back to a draft (cancelled before publication would be the same): no longer counted, and
    // the 自流井区·ZJ rows it alone made are gone
    sqlx::query("UPDATE procurements SET status = 'draft', published_at = NULL WHERE code = 'ZJCS-T5'").execute(&app.state.pool).await.unwrap();
    drain_all(&app.state, TEST_NOW_MS).await.unwrap();
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM stats_cube WHERE region_code = '510302' AND industry_code = 'ZJ'").fetch_one(&app.state.pool).await.unwrap();
    assert_eq!(n, 0);
    let after = snapshot(app).await;
    rebuild(&app.state.pool, app.backend()).await.unwrap();
    assert_eq!(snapshot(app).await, after);
}

/// The demo market: the tables built change by change equal a rebuild, before
/// and after a project is published and drawn, a contract completes and is rated
/// (through the same functions the pages use).
#[tokio::test]
async fn incremental_tables_equal_a_rebuild_on_the_demo_market() {
    use crate::api::trading::{register_interest, save_announcement};
    use crate::model::trading::AnnouncementForm;
    let app = TestApp::new().await;
    let pool = app.state.pool.clone();
    assert_eq!(queued(&app).await, 0, "the demo load ends with a rebuild that empties the queue");
    let rebuilt = snapshot(&app).await;
    assert!(rebuilt.1.len() > 50, "the demo market has figures: {}", rebuilt.1.len());
    let (in_cube, published): (i64, i64) = sqlx::query_as(
        "SELECT (SELECT CAST(SUM(published) AS BIGINT) FROM stats_cube WHERE level = 1 AND method = '*' AND funding = '*' AND length(period) = 4), \
         (SELECT COUNT(*) FROM procurements WHERE published_at IS NOT NULL)",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(in_cube, published, "the province's year rows over every method and funding count every published project once");
    // build the tables again change by change: every procurement queued
    for table in ["stats_daily", "stats_cube", "stats_contrib"] {
        sqlx::query(&format!("DELETE FROM {table}")).execute(&pool).await.unwrap();
    }
    // every procurement queued twice (a change queues it once per row touched)
    for _ in 0..2 {
        sqlx::query("INSERT INTO stats_dirty (procurement_id) SELECT id FROM procurements").execute(&pool).await.unwrap();
    }
    // two instances draining at once apply each difference once
    let (a, b) = tokio::join!(drain_all(&app.state, TEST_NOW_MS), drain_all(&app.state, TEST_NOW_MS));
    let taken = a.unwrap() + b.unwrap() + drain_all(&app.state, TEST_NOW_MS).await.unwrap();
    assert!(taken > DRAIN_BATCH, "several batches: {taken}");
    assert_eq!(queued(&app).await, 0);
    assert_eq!(snapshot(&app).await, rebuilt);

    // publish a random draw; four firms register; the draw at the deadline selects one
    let (item_id, item_code): (i64, String) =
        sqlx::query_as("SELECT id, code FROM service_items WHERE status = 'in_force' ORDER BY id LIMIT 1").fetch_one(&pool).await.unwrap();
    let firms: Vec<i64> = sqlx::query_scalar("SELECT id FROM firms WHERE status = 'active' ORDER BY id LIMIT 4").fetch_all(&pool).await.unwrap();
    let mut users = Vec::new();
    for (i, id) in firms.iter().enumerate() {
        sqlx::query("INSERT INTO firm_items (firm_id, item_id, fee_standard, promised_days) VALUES ($1, $2, '按国家标准', 10) ON CONFLICT DO NOTHING")
            .bind(id)
            .bind(item_id)
            .execute(&pool)
            .await
            .unwrap();
        users.push(app.account(&format!("stats.firm{i}"), Role::Firm, AccountScope { firm_id: Some(*id), ..Default::default() }).await);
    }
    let (owner_id, region_code): (i64, String) = sqlx::query_as("SELECT id, region_code FROM owners ORDER BY id LIMIT 1").fetch_one(&pool).await.unwrap();
    let owner_user = app.account("stats.owner", Role::Owner, AccountScope { owner_id: Some(owner_id), ..Default::default() }).await;
    let form = AnnouncementForm {
        title: "某某项目环境影响评价服务".into(),
        project_code: "2611-510100-04-01-000001".into(),
        item_code,
        region_code,
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
    app.sign_in_as(owner_user).await;
    let code = app.run(save_announcement(None, form, Some("1".into()))).await.unwrap();
    for u in &users {
        app.sign_in_as(*u).await;
        app.run(register_interest(code.clone())).await.unwrap();
    }
    drain_all(&app.state, TEST_NOW_MS).await.unwrap();
    let id: i64 = sqlx::query_scalar("SELECT id FROM procurements WHERE code = $1").bind(&code).fetch_one(&pool).await.unwrap();
    let c = contribution(&pool, app.backend(), id).await.unwrap().unwrap();
    assert_eq!((c.day.as_str(), c.figures.published, c.figures.participants, c.figures.selected), ("2026-11-20", 1, 4, 0));
    let deadline = crate::domain::announcement::parse_local_datetime("2026-11-27T17:00").unwrap();
    app.clock.set(deadline);
    crate::db::trading::advance(&app.state, deadline).await.unwrap();
    let status: String = sqlx::query_scalar("SELECT status FROM procurements WHERE id = $1").bind(id).fetch_one(&pool).await.unwrap();
    assert_eq!(status, "selected");

    // a contract accepted by its owner completes
    let accepted: i64 =
        sqlx::query_scalar("SELECT MIN(c.id) FROM contracts c WHERE c.status = 'accepted' \
         AND NOT EXISTS (SELECT 1 FROM contract_installments i WHERE i.contract_id = c.id) \
         AND NOT EXISTS (SELECT 1 FROM ratings r WHERE r.contract_id = c.id)")
            .fetch_one(&pool)
            .await
            .unwrap();
    let mut tx = crate::db::trading::begin_write(&app.state).await.unwrap();
    assert!(crate::db::contracts::maybe_complete(&mut tx, accepted, None, deadline).await.unwrap());
    tx.commit().await.unwrap();
    // and its owner rates it
    let (ccode, cowner): (String, i64) = sqlx::query_as("SELECT code, owner_id FROM contracts WHERE id = $1").bind(accepted).fetch_one(&pool).await.unwrap();
    let rater = app.account("stats.rater", Role::Owner, AccountScope { owner_id: Some(cowner), ..Default::default() }).await;
    app.sign_in_as(rater).await;
    let panel = app.run(crate::api::ratings::get_rating_panel(ccode.clone())).await.unwrap();
    assert!(panel.may_rate);
    let input = crate::model::ratings::RatingInput {
        code: ccode,
        timeliness: "4".into(),
        quality: "5".into(),
        attitude: "5".into(),
        fee_compliance: "4".into(),
        comment: String::new(),
        staff: panel.staff.iter().map(|s| crate::model::ratings::StaffScoreInput { staff_id: s.id, score: "4".into(), comment: String::new() }).collect(),
    };
    app.run(crate::api::ratings::rate_contract(input)).await.unwrap();
    let pid: i64 = sqlx::query_scalar("SELECT procurement_id FROM contracts WHERE id = $1").bind(accepted).fetch_one(&pool).await.unwrap();
    let old = sqlx::query_as::<_, (i64, i64)>("SELECT completed, rating_count FROM stats_contrib WHERE procurement_id = $1").bind(pid).fetch_one(&pool).await.unwrap();

    assert!(queued(&app).await > 0);
    drain_all(&app.state, deadline).await.unwrap();
    assert_eq!(queued(&app).await, 0);
    let c = contribution(&pool, app.backend(), id).await.unwrap().unwrap();
    assert_eq!((c.figures.selected, c.figures.budget_fen), (1, 10_000_000));
    let new = sqlx::query_as::<_, (i64, i64)>("SELECT completed, rating_count FROM stats_contrib WHERE procurement_id = $1").bind(pid).fetch_one(&pool).await.unwrap();
    assert_eq!(new, (old.0 + 1, old.1 + 1), "the completion and the rating count for the contract's project");
    let incremental = snapshot(&app).await;
    rebuild(&pool, app.backend()).await.unwrap();
    assert_eq!(snapshot(&app).await, incremental);
}
