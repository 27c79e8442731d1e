//! Tests of the demo market: its constraints, determinism and register.
use super::*;
use crate::db::testing::{TestApp, TEST_NOW_MS};

async fn scalar(app: &TestApp, sql: &str) -> i64 {
    sqlx::query_as::<_, (i64,)>(sql).fetch_one(&app.state.pool).await.unwrap().0
}

/// The generated market obeys the rules later issues enforce.
#[tokio::test]
async fn demo_market_is_consistent() {
    let app = TestApp::new().await;
    let r = &app.demo;
    assert_eq!(r.projects, 600);
    assert!(r.participations > r.projects && r.quotes > 0 && r.awards > 0 && r.ratings > 0);
    for sql in [
        // every award goes to a firm that registered for that procurement
        "SELECT COUNT(*) FROM awards a WHERE NOT EXISTS (SELECT 1 FROM participations p WHERE p.procurement_id = a.procurement_id AND p.firm_id = a.firm_id)",
        // awards never exceed the budget; only selected procurements have one
        "SELECT COUNT(*) FROM awards a JOIN procurements p ON p.id = a.procurement_id WHERE a.amount_fen > p.budget_fen OR p.status <> 'selected'",
        "SELECT COUNT(*) FROM procurements p WHERE p.status = 'selected' AND NOT EXISTS (SELECT 1 FROM awards a WHERE a.procurement_id = p.id)",
        // participants offer the item
        "SELECT COUNT(*) FROM participations pa JOIN procurements p ON p.id = pa.procurement_id WHERE NOT EXISTS (SELECT 1 FROM firm_items fi WHERE fi.firm_id = pa.firm_id AND fi.item_id = p.item_id)",
        // registrations fall between publication and deadline
        "SELECT COUNT(*) FROM participations pa JOIN procurements p ON p.id = pa.procurement_id WHERE pa.registered_at < p.published_at OR pa.registered_at > p.deadline_at",
        // price competition: the award is the lowest quote
        "SELECT COUNT(*) FROM awards a JOIN procurements p ON p.id = a.procurement_id WHERE p.method = 'price_competition' AND a.amount_fen <> (SELECT MIN(q.amount_fen) FROM quotes q WHERE q.procurement_id = p.id)",
        // contract stages in time order, contract price = award
        "SELECT COUNT(*) FROM contracts c WHERE c.signed_at < c.created_at OR c.delivered_at < c.signed_at OR c.accepted_at < c.delivered_at OR c.paid_at < c.accepted_at",
        "SELECT COUNT(*) FROM contracts c JOIN awards a ON a.procurement_id = c.procurement_id WHERE c.price_fen <> a.amount_fen OR c.firm_id <> a.firm_id",
        // ratings only for accepted work
        "SELECT COUNT(*) FROM ratings r JOIN contracts c ON c.id = r.contract_id WHERE c.accepted_at IS NULL OR r.rated_at < c.accepted_at",
        // the stored completed-services count matches the contracts
        "SELECT COUNT(*) FROM firms f WHERE f.completed_count <> (SELECT COUNT(*) FROM contracts c WHERE c.firm_id = f.id AND c.status = 'completed')",
        // every firm has exactly one legal representative and some technical staff
        "SELECT COUNT(*) FROM firms f WHERE (SELECT COUNT(*) FROM firm_staff s WHERE s.firm_id = f.id AND s.role = 'legal_rep') <> 1",
        "SELECT COUNT(*) FROM firms f WHERE NOT EXISTS (SELECT 1 FROM firm_staff s WHERE s.firm_id = f.id AND s.role = 'technical')",
        // failed procurements (other than direct) had fewer than 3 participants
        "SELECT COUNT(*) FROM procurements p WHERE p.status = 'failed' AND p.method <> 'direct' AND (SELECT COUNT(*) FROM participations pa WHERE pa.procurement_id = p.id) >= 3",
    ] {
        assert_eq!(scalar(&app, sql).await, 0, "{sql}");
    }
    // nothing happens after "now"
    let latest = scalar(&app, "SELECT CAST(MAX(x) AS BIGINT) FROM (SELECT MAX(published_at) AS x FROM procurements UNION ALL SELECT MAX(awarded_at) FROM awards UNION ALL SELECT MAX(paid_at) FROM contracts UNION ALL SELECT MAX(rated_at) FROM ratings) t").await;
    assert!(latest <= TEST_NOW_MS);
    // every method and every outcome is present
    for m in ["direct", "random_draw", "price_competition", "merit"] {
        let n = sqlx::query_as::<_, (i64,)>("SELECT COUNT(*) FROM procurements WHERE method = $1").bind(m).fetch_one(&app.state.pool).await.unwrap().0;
        assert!(n > 0, "{m}");
    }
    for st in ["published", "selected", "failed", "cancelled"] {
        let n = sqlx::query_as::<_, (i64,)>("SELECT COUNT(*) FROM procurements WHERE status = $1").bind(st).fetch_one(&app.state.pool).await.unwrap().0;
        assert!(n > 0, "{st}");
    }
    // credit codes are valid GB 32100 codes
    let codes: Vec<(String,)> = sqlx::query_as("SELECT credit_code FROM firms UNION ALL SELECT credit_code FROM owners").fetch_all(&app.state.pool).await.unwrap();
    assert!(codes.iter().all(|(c,)| credit_code::validate(c).is_ok()));
}

/// Active firms' qualifications pass the register check; pending registrations
/// carry the problems the check must find.
#[tokio::test]
async fn register_passes_active_firms_and_fails_some_pending_ones() {
    use crate::db::register::{DbRegister, QualificationRegister};
    use crate::domain::qualification::{check, Claim};
    let app = TestApp::new().await;
    let rows: Vec<(String, String, String, String, String)> = sqlx::query_as(
        "SELECT f.status, f.credit_code, q.type_code, q.grade, q.certificate_no FROM firm_qualifications q \
         JOIN firms f ON f.id = q.firm_id WHERE f.status IN ('active', 'submitted') ORDER BY q.id",
    )
    .fetch_all(&app.state.pool)
    .await
    .unwrap();
    let today = crate::domain::time::date_shanghai(TEST_NOW_MS);
    let (mut pending_failed, mut pending_total) = (0, 0);
    for (status, holder, type_code, grade, certificate_no) in rows {
        let entry = DbRegister(&app.state.pool).lookup(&type_code, &certificate_no).await.unwrap();
        let claim = Claim { type_code, grade, certificate_no, holder_credit_code: holder };
        let findings = check(&claim, entry.as_ref(), None, &today);
        if status == "active" {
            assert_eq!(findings, vec![], "{claim:?}");
        } else {
            pending_total += 1;
            pending_failed += usize::from(!findings.is_empty());
        }
    }
    assert!(pending_total > 0 && pending_failed > 0, "{pending_failed}/{pending_total}");
}

/// Same seed and anchor → the same market.
#[tokio::test]
async fn demo_market_is_deterministic() {
    let digest = |app: TestApp| async move {
        // the whole app (not only its pool) lives until the query is done: dropping it drops the database
        let app = app;
        let rows: Vec<(String, String, i64, i64)> = sqlx::query_as(
            "SELECT p.code, p.title, p.budget_fen, COALESCE(a.firm_id, 0) FROM procurements p LEFT JOIN awards a ON a.procurement_id = p.id ORDER BY p.id",
        )
        .fetch_all(&app.state.pool)
        .await
        .unwrap();
        rows
    };
    let a = digest(TestApp::new().await).await;
    let b = digest(TestApp::new().await).await;
    assert_eq!(a.len(), 600);
    assert_eq!(a, b);
    let mut other = DemoOptions::small(TEST_NOW_MS);
    other.seed = 8;
    let c = digest(TestApp::with_demo(Some(other)).await).await;
    assert_ne!(a, c);
}

#[test]
fn weekends_move_to_weekdays() {
    // 2026-11-28 is a Saturday, 2026-11-29 a Sunday (Shanghai)
    let sat = crate::domain::time::shanghai_midnight_ms(2026, 11, 28) + 10 * 3_600_000;
    assert_eq!(local_date(on_weekday(sat)), "2026-11-27");
    assert_eq!(local_date(on_weekday(sat + DAY_MS)), "2026-11-30");
    let wed = crate::domain::time::shanghai_midnight_ms(2026, 11, 25) + 10 * 3_600_000;
    assert_eq!(on_weekday(wed), wed);
}

#[test]
fn region_short_names() {
    assert_eq!(short_region("成都市"), "成都");
    assert_eq!(short_region("阿坝藏族羌族自治州"), "阿坝");
    assert_eq!(short_region("锦江区"), "锦江");
}
