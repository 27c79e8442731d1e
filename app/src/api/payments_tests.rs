//! Payment (网上支付) at the server-function level, on SQLite and PostgreSQL:
//! installments from the terms, the sandbox gateway end to end (cashier,
//! asynchronous signed notification, duplicate and forged callbacks, lost
//! notification reconciled by query, refund), offline payment for fiscal
//! funds, completion, and who may see and do what.
use super::payments::*;
use crate::api::files::testing::{form, PDF};
use crate::db::contracts::payments as db;
use crate::db::testing::{AccountScope, TestApp};
use crate::domain::accounts::Role;
use crate::domain::contract::{InstallmentTerm, MilestoneTerm, PayAfter};
use crate::error::AppError;
use crate::payment::{receive_callback, sandbox, CallbackReply};
use axum::http::{HeaderMap, HeaderValue};

/// The contract price of the fixture: ¥12,345.67 (30 % + 30 % + 40 % do not divide it evenly).
const PRICE: i64 = 1_234_567;

struct Fx {
    app: TestApp,
    code: String,
    id: i64,
    owner: i64,
    firm: i64,
    other_owner: i64,
    other_firm: i64,
    regulator: i64,
    regulator_elsewhere: i64,
    leader: i64,
    operator: i64,
}

fn now(app: &TestApp) -> i64 {
    app.state.now_ms()
}

/// A drafted contract (the demo contract of a selected procurement is terminated
/// to make room) whose terms pay 30 % after signing, 30 % after milestone 1 and
/// 40 % after acceptance, with accounts for both parties, the other side and supervisors.
async fn fixture(funding: &str) -> Fx {
    let app = TestApp::new().await;
    let pool = app.state.pool.clone();
    let (pid, owner_id, firm_id, region, industry): (i64, i64, i64, String, String) = sqlx::query_as(
        "SELECT p.id, p.owner_id, a.firm_id, p.region_code, p.industry_code FROM procurements p JOIN awards a ON a.procurement_id = p.id \
         WHERE p.status = 'selected' ORDER BY p.id LIMIT 1",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    sqlx::query("UPDATE contracts SET status = 'terminated' WHERE procurement_id = $1").bind(pid).execute(&pool).await.unwrap();
    sqlx::query("UPDATE procurements SET funding = $2, service_days = 30 WHERE id = $1").bind(pid).bind(funding).execute(&pool).await.unwrap();
    sqlx::query("UPDATE awards SET amount_fen = $2 WHERE procurement_id = $1").bind(pid).bind(PRICE).execute(&pool).await.unwrap();
    let t = now(&app);
    let mut tx = crate::db::trading::begin_write(&app.state).await.unwrap();
    let id = crate::db::contracts::generate(&mut tx, &app.state, pid, t).await.unwrap();
    let mut terms = crate::db::contracts::terms(&mut tx, id, 1).await.unwrap().unwrap();
    terms.negotiable.milestones = vec![MilestoneTerm { title: "现场踏勘完成".into(), days: 5 }];
    terms.negotiable.installments = vec![
        InstallmentTerm { label: "预付款".into(), share_bp: 3000, after: PayAfter::Signing },
        InstallmentTerm { label: "进度款".into(), share_bp: 3000, after: PayAfter::Milestone(1) },
        InstallmentTerm { label: "尾款".into(), share_bp: 4000, after: PayAfter::Acceptance },
    ];
    assert_eq!(terms.negotiable.problems(terms.price_fen), vec![], "valid terms");
    assert_eq!(terms.funding, funding);
    crate::db::contracts::add_version(&mut tx, id, 2, "amendment", &terms, "owner", None, "付款方式", t).await.unwrap();
    tx.commit().await.unwrap();
    let code: String = sqlx::query_scalar("SELECT code FROM contracts WHERE id = $1").bind(id).fetch_one(&pool).await.unwrap();
    let other_owner_id: i64 = sqlx::query_scalar("SELECT id FROM owners WHERE id <> $1 ORDER BY id LIMIT 1").bind(owner_id).fetch_one(&pool).await.unwrap();
    let other_firm_id: i64 = sqlx::query_scalar("SELECT id FROM firms WHERE id <> $1 ORDER BY id LIMIT 1").bind(firm_id).fetch_one(&pool).await.unwrap();
    let other_industry: String = sqlx::query_scalar("SELECT code FROM industries WHERE code <> $1 ORDER BY code LIMIT 1").bind(&industry).fetch_one(&pool).await.unwrap();
    let owner = app.account("pay.owner", Role::Owner, AccountScope { owner_id: Some(owner_id), ..Default::default() }).await;
    let firm = app.account("pay.firm", Role::Firm, AccountScope { firm_id: Some(firm_id), ..Default::default() }).await;
    let other_owner = app.account("pay.owner2", Role::Owner, AccountScope { owner_id: Some(other_owner_id), ..Default::default() }).await;
    let other_firm = app.account("pay.firm2", Role::Firm, AccountScope { firm_id: Some(other_firm_id), ..Default::default() }).await;
    let regulator = app.account("pay.reg", Role::Regulator, AccountScope { region_code: Some(&region), industry_code: Some(&industry), ..Default::default() }).await;
    let regulator_elsewhere =
        app.account("pay.reg2", Role::Regulator, AccountScope { region_code: Some(&region), industry_code: Some(&other_industry), ..Default::default() }).await;
    let leader = app.account("pay.leader", Role::Leader, AccountScope { region_code: Some(&region), ..Default::default() }).await;
    let operator = app.account("pay.ops", Role::Operator, AccountScope::default()).await;
    Fx { app, code, id, owner, firm, other_owner, other_firm, regulator, regulator_elsewhere, leader, operator }
}

impl Fx {
    async fn sign(&self) {
        let t = now(&self.app);
        sqlx::query("UPDATE contracts SET status = 'signed', signed_at = $2 WHERE id = $1").bind(self.id).bind(t).execute(&self.app.state.pool).await.unwrap();
        let mut tx = crate::db::trading::begin_write(&self.app.state).await.unwrap();
        crate::db::contracts::on_signed(&mut tx, self.id, t).await.unwrap();
        tx.commit().await.unwrap();
    }

    /// The owner confirms milestone 1 done.
    async fn milestone_done(&self) {
        let t = now(&self.app);
        let pool = &self.app.state.pool;
        sqlx::query("INSERT INTO contract_milestones (contract_id, seq, title, status) VALUES ($1, 1, '现场踏勘完成', 'open') ON CONFLICT (contract_id, seq) DO NOTHING")
            .bind(self.id)
            .execute(pool)
            .await
            .unwrap();
        sqlx::query("UPDATE contract_milestones SET status = 'done', done_at = $2 WHERE contract_id = $1 AND seq = 1").bind(self.id).bind(t).execute(pool).await.unwrap();
        let mut tx = crate::db::trading::begin_write(&self.app.state).await.unwrap();
        db::sync_installments(&mut tx, self.id, t).await.unwrap();
        tx.commit().await.unwrap();
    }

    /// The owner accepts the results.
    async fn accept(&self) {
        let t = now(&self.app);
        sqlx::query("UPDATE contracts SET status = 'accepted', delivered_at = $2, accepted_at = $2 WHERE id = $1")
            .bind(self.id)
            .bind(t)
            .execute(&self.app.state.pool)
            .await
            .unwrap();
        let mut tx = crate::db::trading::begin_write(&self.app.state).await.unwrap();
        db::sync_installments(&mut tx, self.id, t).await.unwrap();
        crate::db::contracts::maybe_complete(&mut tx, self.id, None, t).await.unwrap();
        tx.commit().await.unwrap();
    }

    async fn panel(&self, user: i64) -> Result<crate::model::payment::PaymentsPanelData, AppError> {
        self.app.sign_in_as(user).await;
        self.app.run(get_payments_panel(self.code.clone())).await
    }

    /// (seq, amount, status, due_at)
    async fn installments(&self) -> Vec<(i64, i64, String, Option<i64>)> {
        sqlx::query_as("SELECT seq, amount_fen, status, due_at FROM contract_installments WHERE contract_id = $1 ORDER BY seq")
            .bind(self.id)
            .fetch_all(&self.app.state.pool)
            .await
            .unwrap()
    }

    async fn scalar(&self, sql: &str) -> i64 {
        sqlx::query_scalar(sql).bind(self.id).fetch_one(&self.app.state.pool).await.unwrap()
    }

    async fn status(&self) -> String {
        sqlx::query_scalar("SELECT status FROM contracts WHERE id = $1").bind(self.id).fetch_one(&self.app.state.pool).await.unwrap()
    }

    /// Everything a callback could change, to compare before and after.
    async fn snapshot(&self) -> String {
        let payments: Vec<(String, String, Option<String>, Option<i64>, i64)> =
            sqlx::query_as("SELECT order_no, status, provider_txn, paid_at, updated_at FROM payments WHERE contract_id = $1 ORDER BY id")
                .bind(self.id)
                .fetch_all(&self.app.state.pool)
                .await
                .unwrap();
        let installments: Vec<(i64, String, Option<i64>)> = sqlx::query_as("SELECT seq, status, paid_at FROM contract_installments WHERE contract_id = $1 ORDER BY seq")
            .bind(self.id)
            .fetch_all(&self.app.state.pool)
            .await
            .unwrap();
        let contract: (String, Option<i64>) =
            sqlx::query_as("SELECT status, completed_at FROM contracts WHERE id = $1").bind(self.id).fetch_one(&self.app.state.pool).await.unwrap();
        let events = self.scalar("SELECT COUNT(*) FROM contract_events WHERE contract_id = $1").await;
        format!("{payments:?} {installments:?} {contract:?} events={events}")
    }

    /// The owner starts paying installment `seq` online; returns the order number.
    async fn start(&self, seq: i64) -> String {
        self.app.sign_in_as(self.owner).await;
        let url = self.app.run(pay_installment(self.code.clone(), seq)).await.expect("payment starts");
        let order_no = url.strip_prefix("/sandbox-gateway/pay/").expect("the sandbox cashier").to_string();
        assert!(order_no.starts_with("ZJP"), "{order_no}");
        order_no
    }

    /// Pays installment `seq` at the gateway and lets the notification arrive.
    async fn pay_through_gateway(&self, seq: i64) -> String {
        let order_no = self.start(seq).await;
        assert!(sandbox::pay(&self.app.state, &order_no, now(&self.app)).await.unwrap());
        crate::db::contracts::advance(&self.app.state, now(&self.app)).await.unwrap();
        assert_eq!(payment_status(&self.app, &order_no).await, "paid");
        order_no
    }

    async fn outcomes(&self, order_no: &str) -> Vec<(String, String)> {
        sqlx::query_as("SELECT outcome, detail FROM payment_callbacks WHERE order_no = $1 ORDER BY id")
            .bind(order_no)
            .fetch_all(&self.app.state.pool)
            .await
            .unwrap()
    }
}

async fn payment_status(app: &TestApp, order_no: &str) -> String {
    sqlx::query_scalar("SELECT status FROM payments WHERE order_no = $1").bind(order_no).fetch_one(&app.state.pool).await.unwrap()
}

/// The latest notification the gateway queued for an order: (body, signature).
async fn notification(app: &TestApp, order_no: &str) -> (String, String) {
    sqlx::query_as("SELECT body, signature FROM sandbox_gateway_notifications WHERE order_no = $1 ORDER BY id DESC LIMIT 1")
        .bind(order_no)
        .fetch_one(&app.state.pool)
        .await
        .unwrap()
}

fn signed(signature: &str) -> HeaderMap {
    let mut h = HeaderMap::new();
    h.insert(sandbox::SIGNATURE_HEADER, HeaderValue::from_str(signature).unwrap());
    h
}

fn key<T: std::fmt::Debug>(r: Result<T, AppError>) -> String {
    match r {
        Err(AppError::InvalidInput { key, .. }) => key,
        other => panic!("expected a field error, got {other:?}"),
    }
}

#[tokio::test]
async fn installments_follow_the_terms_and_their_conditions() {
    let f = fixture("social").await;
    // before signing: the plan of the terms, nothing payable
    let p = f.panel(f.owner).await.unwrap();
    assert!(p.planned);
    assert_eq!(p.installments.iter().map(|i| i.amount_fen).collect::<Vec<_>>(), vec![370_370, 370_370, 493_827]);
    assert_eq!(p.installments.iter().map(|i| i.amount_fen).sum::<i64>(), PRICE);
    assert!(p.installments.iter().all(|i| !i.may_pay));
    assert_eq!(p.installments[1].milestone_title.as_deref(), Some("现场踏勘完成"));
    f.app.sign_in_as(f.owner).await;
    assert_eq!(key(f.app.run(pay_installment(f.code.clone(), 1)).await), "payment.contract_not_in_service");

    f.sign().await;
    let signed_at = f.scalar("SELECT signed_at FROM contracts WHERE id = $1").await;
    let cal = crate::db::trading::calendar(&f.app.state.pool).await.unwrap();
    let rows = f.installments().await;
    assert_eq!(rows.iter().map(|r| r.1).sum::<i64>(), PRICE, "installments sum to the price");
    assert_eq!(
        rows.iter().map(|r| (r.0, r.2.as_str(), r.3)).collect::<Vec<_>>(),
        vec![(1, "due", Some(cal.add_working_days(signed_at, 10))), (2, "waiting", None), (3, "waiting", None)]
    );
    let p = f.panel(f.owner).await.unwrap();
    assert!(!p.planned);
    assert_eq!(p.installments.iter().map(|i| i.may_pay).collect::<Vec<_>>(), vec![true, false, false]);
    assert_eq!(p.installments[0].condition, "signing");

    // idempotent: again changes nothing
    let before = f.snapshot().await;
    let mut tx = crate::db::trading::begin_write(&f.app.state).await.unwrap();
    db::sync_installments(&mut tx, f.id, now(&f.app)).await.unwrap();
    tx.commit().await.unwrap();
    assert_eq!(f.snapshot().await, before);

    f.app.clock.advance(3 * 86_400_000);
    f.milestone_done().await;
    let done_at = f.scalar("SELECT done_at FROM contract_milestones WHERE contract_id = $1 AND seq = 1").await;
    assert_eq!(f.installments().await[1].2, "due");
    assert_eq!(f.installments().await[1].3, Some(cal.add_working_days(done_at, 10)));
    assert_eq!(f.installments().await[2].2, "waiting");
    f.accept().await;
    assert_eq!(f.installments().await.iter().map(|r| r.2.as_str()).collect::<Vec<_>>(), vec!["due", "due", "due"]);
    assert_eq!(f.status().await, "accepted", "not complete while unpaid");
}

#[tokio::test]
async fn nothing_is_paid_before_its_condition() {
    let f = fixture("social").await;
    f.sign().await;
    f.app.sign_in_as(f.owner).await;
    assert_eq!(key(f.app.run(pay_installment(f.code.clone(), 3)).await), "payment.not_due_acceptance");
    assert_eq!(key(f.app.run(pay_installment(f.code.clone(), 2)).await), "payment.not_due_milestone");
    assert_eq!(key(f.app.run(pay_installment(f.code.clone(), 9)).await), "payment.installment_unknown");
    assert_eq!(f.scalar("SELECT COUNT(*) FROM payments WHERE contract_id = $1").await, 0, "no payment was created");
    // social funds: no offline record
    let r = f
        .app
        .run(record_offline_payment(form(
            &[("code", &f.code), ("seq", "1"), ("paid_on", &crate::domain::time::date_shanghai(now(&f.app))), ("amount", "3703.70"), ("voucher_no", "PZ-1")],
            Some(("file", "v.pdf", "application/pdf", PDF)),
        )))
        .await;
    assert_eq!(key(r), "payment.offline_only_fiscal");
    assert_eq!(f.scalar("SELECT COUNT(*) FROM payments WHERE contract_id = $1").await, 0);
}

#[tokio::test]
async fn sandbox_payment_with_duplicate_and_forged_callbacks() {
    let f = fixture("social").await;
    f.sign().await;
    let order_no = f.start(1).await;
    assert_eq!(payment_status(&f.app, &order_no).await, "pending");
    // the same button again continues the same order: no second payment
    assert_eq!(f.start(1).await, order_no);
    assert_eq!(f.scalar("SELECT COUNT(*) FROM payments WHERE contract_id = $1").await, 1);
    let p = f.panel(f.owner).await.unwrap();
    assert_eq!(p.installments[0].open_order.as_deref(), Some(order_no.as_str()));
    assert!(p.payments[0].may_query);

    // the cashier: the gateway books it at once, the platform hears asynchronously
    let order = sandbox::load_order(&f.app.state.pool, &order_no).await.unwrap().unwrap();
    assert_eq!((order.amount_fen, order.status.as_str(), order.notify_url.as_str()), (370_370, "unpaid", crate::payment::IN_PROCESS));
    assert!(order.subject.contains(&f.code) && order.subject.contains("预付款"), "{}", order.subject);
    assert!(sandbox::pay(&f.app.state, &order_no, now(&f.app)).await.unwrap());
    assert!(!sandbox::pay(&f.app.state, &order_no, now(&f.app)).await.unwrap(), "paid once");
    assert_eq!(payment_status(&f.app, &order_no).await, "pending", "not before the notification arrives");
    assert!(crate::db::contracts::advance(&f.app.state, now(&f.app)).await.unwrap() >= 1);
    assert_eq!(payment_status(&f.app, &order_no).await, "paid");
    assert_eq!(f.installments().await[0].2, "paid");
    assert_eq!(f.outcomes(&order_no).await, vec![("applied".to_string(), "callback_paid".to_string())]);
    let delivered = f.scalar("SELECT COUNT(*) FROM sandbox_gateway_notifications n JOIN payments p ON p.order_no = n.order_no WHERE p.contract_id = $1 AND n.delivered_at IS NOT NULL").await;
    assert_eq!(delivered, 1, "acknowledged");

    // 重发通知: the same notification again → duplicate, nothing changes
    let before = f.snapshot().await;
    assert!(sandbox::resend(&f.app.state, &order_no, now(&f.app)).await.unwrap());
    f.app.clock.advance(1000);
    crate::db::contracts::advance(&f.app.state, now(&f.app)).await.unwrap();
    assert_eq!(f.snapshot().await, before);
    let outcomes = f.outcomes(&order_no).await;
    assert_eq!(outcomes.last().unwrap(), &("duplicate".to_string(), "already_applied".to_string()));
    let notes: Vec<String> = sqlx::query_scalar("SELECT DISTINCT notify_id FROM sandbox_gateway_notifications WHERE order_no = $1").bind(&order_no).fetch_all(&f.app.state.pool).await.unwrap();
    assert_eq!(notes.len(), 1, "the resend is the same notification");

    // forged: a tampered body, a wrong key, no signature → 400, logged, nothing changes
    let (body, signature) = notification(&f.app, &order_no).await;
    let tampered = body.replace("370370", "1");
    assert_ne!(tampered, body);
    assert_eq!(receive_callback(&f.app.state, "sandbox", &signed(&signature), tampered.as_bytes()).await, CallbackReply::FORGED);
    let wrong_key = sandbox::sign_with(b"not the shared secret", body.as_bytes());
    assert_eq!(receive_callback(&f.app.state, "sandbox", &signed(&wrong_key), body.as_bytes()).await.status, 400);
    assert_eq!(receive_callback(&f.app.state, "sandbox", &HeaderMap::new(), body.as_bytes()).await.status, 400);
    assert_eq!(receive_callback(&f.app.state, "sandbox", &signed("zz"), body.as_bytes()).await.status, 400);
    assert_eq!(receive_callback(&f.app.state, "other", &signed(&signature), body.as_bytes()).await.status, 404);
    assert_eq!(f.snapshot().await, before);
    let outcomes = f.outcomes(&order_no).await;
    assert_eq!(
        outcomes[outcomes.len() - 4..].iter().map(|o| (o.0.as_str(), o.1.as_str())).collect::<Vec<_>>(),
        vec![("forged", "bad_signature"), ("forged", "bad_signature"), ("forged", "missing_signature"), ("forged", "malformed_signature")]
    );

    // signed with the real secret but not matching the order → rejected, nothing changes
    let secret = sandbox::secret(&f.app.state.pool).await.unwrap();
    let mismatch = body.replace("370370", "370371").replace("SBN", "SBM");
    assert_eq!(receive_callback(&f.app.state, "sandbox", &signed(&sandbox::sign_with(&secret, mismatch.as_bytes())), mismatch.as_bytes()).await, CallbackReply::REJECTED);
    assert_eq!(f.outcomes(&order_no).await.last().unwrap(), &("rejected".to_string(), "amount_mismatch".to_string()));
    assert_eq!(f.snapshot().await, before);

    // both parties see the receipt and the log summary
    for user in [f.owner, f.firm] {
        let p = f.panel(user).await.unwrap();
        let r = p.payments.iter().find(|p| p.order_no == order_no).unwrap();
        assert_eq!((r.status.as_str(), r.amount_fen), ("paid", 370_370));
        assert!(r.provider_txn.as_deref().is_some_and(|t| t.starts_with("SBX")));
        assert_eq!((r.callback_counts.applied, r.callback_counts.duplicate, r.callback_counts.forged, r.callback_counts.rejected), (1, 1, 4, 1));
        assert_eq!(r.callbacks.len(), 7);
        assert!(!r.may_query && !r.may_refund);
        assert_eq!(p.paid_fen(), 370_370);
        assert!(!p.installments[0].may_pay, "paid");
    }
}

#[tokio::test]
async fn concurrent_duplicate_deliveries_apply_once() {
    let f = fixture("social").await;
    f.sign().await;
    let order_no = f.start(1).await;
    assert!(sandbox::pay(&f.app.state, &order_no, now(&f.app)).await.unwrap());
    let (body, signature) = notification(&f.app, &order_no).await;
    let headers = signed(&signature);
    let calls = (0..6).map(|_| receive_callback(&f.app.state, "sandbox", &headers, body.as_bytes()));
    let replies = futures::future::join_all(calls).await;
    assert!(replies.iter().all(|r| *r == CallbackReply::SUCCESS), "{replies:?}");
    let outcomes = f.outcomes(&order_no).await;
    assert_eq!(outcomes.iter().filter(|o| o.0 == "applied").count(), 1, "{outcomes:?}");
    assert_eq!(outcomes.iter().filter(|o| o.0 == "duplicate").count(), 5);
    assert_eq!(f.scalar("SELECT COUNT(*) FROM contract_events WHERE contract_id = $1 AND kind = 'payment_paid'").await, 1);
    assert_eq!(payment_status(&f.app, &order_no).await, "paid");
}

#[tokio::test]
async fn a_lost_notification_is_reconciled_by_query() {
    let f = fixture("social").await;
    f.sign().await;
    let order_no = f.start(1).await;
    // asked before paying: still pending
    f.app.sign_in_as(f.firm).await;
    assert_eq!(f.app.run(query_payment(f.code.clone(), order_no.clone())).await.unwrap(), "pending");
    assert!(sandbox::pay(&f.app.state, &order_no, now(&f.app)).await.unwrap());
    // the notification is lost on the way
    sqlx::query("DELETE FROM sandbox_gateway_notifications WHERE order_no = $1").bind(&order_no).execute(&f.app.state.pool).await.unwrap();
    crate::db::contracts::advance(&f.app.state, now(&f.app)).await.unwrap();
    assert_eq!(payment_status(&f.app, &order_no).await, "pending");
    f.app.sign_in_as(f.owner).await;
    assert_eq!(f.app.run(query_payment(f.code.clone(), order_no.clone())).await.unwrap(), "paid");
    assert_eq!(f.installments().await[0].2, "paid");
    assert_eq!(f.outcomes(&order_no).await, vec![("applied".to_string(), "query_paid".to_string())]);
    // asked again: nothing more happens
    let before = f.snapshot().await;
    assert_eq!(f.app.run(query_payment(f.code.clone(), order_no.clone())).await.unwrap(), "paid");
    assert_eq!(f.snapshot().await, before);
    // the gateway's notification arrives late after all: already paid, nothing changes
    sandbox::close(&f.app.state, &order_no, now(&f.app)).await.unwrap();
    let secret = sandbox::secret(&f.app.state.pool).await.unwrap();
    let late = serde_json::to_string(&sandbox::NoticeBody {
        notify_id: "SBNLATE0001".into(),
        order_no: order_no.clone(),
        status: "paid".into(),
        amount_fen: 370_370,
        txn_id: Some("SBXLATE".into()),
        paid_at: Some(now(&f.app)),
    })
    .unwrap();
    assert_eq!(receive_callback(&f.app.state, "sandbox", &signed(&sandbox::sign_with(&secret, late.as_bytes())), late.as_bytes()).await, CallbackReply::SUCCESS);
    assert_eq!(f.outcomes(&order_no).await.last().unwrap(), &("duplicate".to_string(), "already_paid".to_string()));
    assert_eq!(f.snapshot().await, before);
}

#[tokio::test]
async fn the_scheduler_reconciles_stale_payments_and_closes_abandoned_orders() {
    let f = fixture("social").await;
    f.sign().await;
    f.milestone_done().await;
    // paid at the gateway, notification lost: reconciled after ten minutes without news
    let paid = f.start(1).await;
    assert!(sandbox::pay(&f.app.state, &paid, now(&f.app)).await.unwrap());
    sqlx::query("DELETE FROM sandbox_gateway_notifications WHERE order_no = $1").bind(&paid).execute(&f.app.state.pool).await.unwrap();
    // abandoned at the cashier: closed by the gateway's time-out, then a new order is possible
    let abandoned = f.start(2).await;
    f.app.clock.advance(5 * 60_000);
    crate::db::contracts::advance(&f.app.state, now(&f.app)).await.unwrap();
    assert_eq!(payment_status(&f.app, &paid).await, "pending", "not yet");
    f.app.clock.advance(6 * 60_000);
    crate::db::contracts::advance(&f.app.state, now(&f.app)).await.unwrap();
    assert_eq!(payment_status(&f.app, &paid).await, "paid");
    assert_eq!(payment_status(&f.app, &abandoned).await, "pending");
    f.app.clock.advance(sandbox::ORDER_TIMEOUT_MS);
    crate::db::contracts::advance(&f.app.state, now(&f.app)).await.unwrap();
    crate::db::contracts::advance(&f.app.state, now(&f.app)).await.unwrap();
    assert_eq!(payment_status(&f.app, &abandoned).await, "closed");
    assert_eq!(f.outcomes(&abandoned).await.last().unwrap().0, "applied");
    let again = f.start(2).await;
    assert_ne!(again, abandoned, "a new order after the closed one");
    // 取消支付 at the cashier closes it too
    assert!(sandbox::close(&f.app.state, &again, now(&f.app)).await.unwrap());
    crate::db::contracts::advance(&f.app.state, now(&f.app)).await.unwrap();
    assert_eq!(payment_status(&f.app, &again).await, "closed");
    assert_eq!(f.installments().await[1].2, "due");
}

#[tokio::test]
async fn completion_when_the_last_installment_is_paid_after_acceptance() {
    let f = fixture("social").await;
    f.sign().await;
    f.pay_through_gateway(1).await;
    f.milestone_done().await;
    f.pay_through_gateway(2).await;
    assert_eq!(f.status().await, "signed");
    f.accept().await;
    assert_eq!(f.status().await, "accepted");
    let last = f.pay_through_gateway(3).await;
    assert_eq!(f.status().await, "completed");
    assert!(f.scalar("SELECT completed_at FROM contracts WHERE id = $1").await > 0);
    let p = f.panel(f.owner).await.unwrap();
    assert_eq!(p.paid_fen(), PRICE);
    assert_eq!(p.contract_status, "completed");
    // a completed contract is never refunded
    f.app.sign_in_as(f.operator).await;
    assert_eq!(key(f.app.run(refund_payment(f.code.clone(), last.clone(), "误操作需要退款".into())).await), "payment.refund_completed");
    assert!(!f.panel(f.operator).await.unwrap().payments.iter().any(|p| p.may_refund));
}

#[tokio::test]
async fn a_refund_makes_the_installment_due_again() {
    let f = fixture("social").await;
    f.sign().await;
    let order_no = f.pay_through_gateway(1).await;
    let p = f.panel(f.operator).await.unwrap();
    assert!(p.payments[0].may_refund);
    f.app.sign_in_as(f.operator).await;
    assert_eq!(key(f.app.run(refund_payment(f.code.clone(), order_no.clone(), "短".into())).await), "payment.refund_reason_invalid");
    f.app.run(refund_payment(f.code.clone(), order_no.clone(), "双方协商解除预付款".into())).await.unwrap();
    assert_eq!(payment_status(&f.app, &order_no).await, "refunded");
    assert_eq!(f.installments().await[0].2, "due");
    assert_eq!(sandbox::load_order(&f.app.state.pool, &order_no).await.unwrap().unwrap().status, "refunded");
    assert_eq!(key(f.app.run(refund_payment(f.code.clone(), order_no.clone(), "再次退款试试".into())).await), "payment.refund_not_paid");
    // the gateway's refund notification changes nothing more
    let before = f.snapshot().await;
    crate::db::contracts::advance(&f.app.state, now(&f.app)).await.unwrap();
    assert_eq!(f.snapshot().await, before);
    assert_eq!(f.outcomes(&order_no).await.last().unwrap(), &("duplicate".to_string(), "already_refunded".to_string()));
    // the owner may pay it again
    let again = f.pay_through_gateway(1).await;
    assert_ne!(again, order_no);
}

#[tokio::test]
async fn offline_payment_recorded_by_the_owner_and_confirmed_by_the_firm() {
    let f = fixture("fiscal").await;
    f.sign().await;
    let today = crate::domain::time::date_shanghai(now(&f.app));
    let tomorrow = crate::domain::time::date_shanghai(now(&f.app) + 86_400_000);
    let record = |paid_on: &str, amount: &str, voucher: &str, file: bool| {
        let fields = vec![("code", f.code.clone()), ("seq", "1".to_string()), ("paid_on", paid_on.to_string()), ("amount", amount.to_string()), ("voucher_no", voucher.to_string())];
        let fields: Vec<(&str, String)> = fields;
        let refs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
        record_offline_payment(form(&refs, file.then_some(("file", "付款凭证.pdf", "application/pdf", PDF))))
    };
    f.app.sign_in_as(f.owner).await;
    assert_eq!(key(f.app.run(pay_installment(f.code.clone(), 1)).await), "payment.online_only_social");
    assert_eq!(key(f.app.run(record(&today, "3703.71", "GK2026-001", true)).await), "payment.amount_mismatch");
    assert_eq!(key(f.app.run(record(&tomorrow, "3703.70", "GK2026-001", true)).await), "payment.paid_on_future");
    assert_eq!(key(f.app.run(record("2026-02-30", "3703.70", "GK2026-001", true)).await), "payment.paid_on_invalid");
    assert_eq!(key(f.app.run(record("2020-01-01", "3703.70", "GK2026-001", true)).await), "payment.paid_on_before_signing");
    assert_eq!(key(f.app.run(record(&today, "3,703.70", "", true)).await), "payment.voucher_no_invalid");
    assert_eq!(key(f.app.run(record(&today, "3703.70", "GK2026-001", false)).await), "payment.voucher_file_required");
    let stored: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM files WHERE uploaded_by = $1").bind(f.owner).fetch_one(&f.app.state.pool).await.unwrap();
    assert_eq!(stored, 0, "nothing stored while the record is refused");
    let first = f.app.run(record(&today, "3703.70", "GK2026-001", true)).await.unwrap();
    assert_eq!(key(f.app.run(record(&today, "3703.70", "GK2026-002", true)).await), "payment.pending_exists");
    // the firm does not find the money: refused with a reason, the owner records again
    f.app.sign_in_as(f.firm).await;
    let p = f.panel(f.firm).await.unwrap();
    assert!(p.payments[0].may_confirm);
    assert_eq!(key(f.app.run(confirm_offline_payment(f.code.clone(), first, "refuse".into(), Some("短".into()))).await), "payment.refuse_reason_invalid");
    f.app.run(confirm_offline_payment(f.code.clone(), first, "refuse".into(), Some("账户未见该笔款项".into()))).await.unwrap();
    assert_eq!(f.installments().await[0].2, "due");
    f.app.sign_in_as(f.owner).await;
    let second = f.app.run(record(&today, "3703.70", "GK2026-002", true)).await.unwrap();
    assert_eq!(f.installments().await[0].2, "due", "not paid before the firm confirms");
    // the other firm and the owner cannot confirm
    f.app.sign_in_as(f.other_firm).await;
    assert_eq!(f.app.run(confirm_offline_payment(f.code.clone(), second, "confirm".into(), None)).await, Err(AppError::NotFound));
    f.app.sign_in_as(f.firm).await;
    f.app.run(confirm_offline_payment(f.code.clone(), second, "confirm".into(), None)).await.unwrap();
    assert_eq!(f.installments().await[0].2, "paid");
    assert_eq!(key(f.app.run(confirm_offline_payment(f.code.clone(), second, "confirm".into(), None)).await), "payment.not_awaiting_confirmation");
    let p = f.panel(f.owner).await.unwrap();
    let r = p.payments.iter().find(|p| p.id == second).unwrap();
    assert_eq!((r.status.as_str(), r.voucher_no.as_deref(), r.paid_on.as_deref()), ("paid", Some("GK2026-002"), Some(today.as_str())));
    assert_eq!(r.voucher.as_ref().map(|v| v.original_name.as_str()), Some("付款凭证.pdf"));
    let refused = p.payments.iter().find(|p| p.id == first).unwrap();
    assert_eq!((refused.status.as_str(), refused.reason.as_deref()), ("failed", Some("账户未见该笔款项")));

    // the voucher: both parties and supervisors in scope; nobody else
    let id = second.to_string();
    for (user, ok) in [(f.owner, true), (f.firm, true), (f.regulator, true), (f.leader, true), (f.other_firm, false), (f.other_owner, false), (f.regulator_elsewhere, false)] {
        let session = f.app.sign_in_as(user).await;
        let res = serve_voucher(&f.app.state, Some(&session), &id).await;
        assert_eq!(res.status().as_u16(), if ok { 200 } else { 404 }, "user {user}");
        if ok {
            assert_eq!(res.headers()["content-type"], "application/pdf");
            assert_eq!(res.headers()["x-content-type-options"], "nosniff");
        }
    }
    assert_eq!(serve_voucher(&f.app.state, None, &id).await.status().as_u16(), 404);

    // finishing the contract the fiscal way
    f.milestone_done().await;
    f.accept().await;
    for seq in [2, 3] {
        let amount = crate::domain::money::Fen(f.installments().await[seq - 1].1).yuan_string();
        f.app.sign_in_as(f.owner).await;
        let fields = [("code", f.code.as_str()), ("seq", if seq == 2 { "2" } else { "3" }), ("paid_on", today.as_str()), ("amount", amount.as_str()), ("voucher_no", "GK2026-009")];
        let id = f.app.run(record_offline_payment(form(&fields, Some(("file", "v.png", "image/png", crate::api::files::testing::PNG))))).await.unwrap();
        f.app.sign_in_as(f.firm).await;
        f.app.run(confirm_offline_payment(f.code.clone(), id, "confirm".into(), None)).await.unwrap();
    }
    assert_eq!(f.status().await, "completed");
}

#[tokio::test]
async fn only_the_parties_act_and_supervisors_in_scope_read() {
    let f = fixture("social").await;
    f.sign().await;
    let order_no = f.start(1).await;
    // who sees the panel
    for (user, ok) in [
        (f.owner, true),
        (f.firm, true),
        (f.regulator, true),
        (f.leader, true),
        (f.operator, true),
        (f.other_owner, false),
        (f.other_firm, false),
        (f.regulator_elsewhere, false),
    ] {
        let got = f.panel(user).await;
        assert_eq!(got.is_ok(), ok, "user {user}: {got:?}");
        if !ok {
            assert_eq!(got, Err(AppError::NotFound));
        }
    }
    // supervisors read only: no action is offered
    for user in [f.regulator, f.leader] {
        let p = f.panel(user).await.unwrap();
        assert!(p.installments.iter().all(|i| !i.may_pay && !i.may_record));
        assert!(p.payments.iter().all(|p| !p.may_query && !p.may_confirm && !p.may_refund));
    }
    // the firm sees, may ask, cannot pay
    let p = f.panel(f.firm).await.unwrap();
    assert!(p.installments.iter().all(|i| !i.may_pay) && p.payments[0].may_query);
    // other owners and firms: as if the contract did not exist
    f.app.sign_in_as(f.other_owner).await;
    assert_eq!(f.app.run(pay_installment(f.code.clone(), 1)).await, Err(AppError::NotFound));
    assert_eq!(f.app.run(query_payment(f.code.clone(), order_no.clone())).await, Err(AppError::NotFound));
    f.app.sign_in_as(f.other_firm).await;
    assert_eq!(f.app.run(query_payment(f.code.clone(), order_no.clone())).await, Err(AppError::NotFound));
    // roles outside the audience are refused before anything is looked up
    f.app.sign_in_as(f.firm).await;
    assert_eq!(f.app.run(pay_installment(f.code.clone(), 1)).await, Err(AppError::Forbidden));
    f.app.sign_in_as(f.regulator).await;
    assert_eq!(f.app.run(query_payment(f.code.clone(), order_no.clone())).await, Err(AppError::Forbidden));
    assert_eq!(f.app.run(refund_payment(f.code.clone(), order_no.clone(), "监管要求退款".into())).await, Err(AppError::Forbidden));
    f.app.sign_in_as(f.owner).await;
    assert_eq!(f.app.run(refund_payment(f.code.clone(), order_no.clone(), "业主要求退款".into())).await, Err(AppError::Forbidden));
    // an order of another contract is not found through this one
    f.app.sign_in_as(f.operator).await;
    assert_eq!(f.app.run(query_payment(f.code.clone(), "ZJP000".into())).await, Err(AppError::NotFound));
    assert_eq!(f.app.run(query_payment(f.code.clone(), order_no.clone())).await.unwrap(), "pending");
    f.app.new_session();
    assert_eq!(f.app.run(get_payments_panel(f.code.clone())).await, Err(AppError::Unauthenticated));
}

#[tokio::test]
async fn the_shared_secret_is_made_once_and_kept() {
    let app = TestApp::with_demo(None).await;
    let (a, b) = futures::join!(sandbox::secret(&app.state.pool), sandbox::secret(&app.state.pool));
    let (a, b) = (a.unwrap(), b.unwrap());
    assert_eq!(a.len(), 32);
    assert_eq!(a, b, "concurrent first uses agree");
    assert_eq!(sandbox::secret(&app.state.pool).await.unwrap(), a);
    assert_eq!(crate::db::meta_get(&app.state.pool, sandbox::SECRET_KEY).await.unwrap().unwrap().len(), 64);
}

/// Without JavaScript the 「在线支付」 form posts to the server function, which
/// answers with a redirect to the cashier; the notify and return URLs are built
/// from the request's host, or from the configured public URL.
#[tokio::test]
async fn a_plain_form_post_is_sent_to_the_cashier() {
    use leptos::prelude::provide_context;
    let f = fixture("social").await;
    f.sign().await;
    f.milestone_done().await;
    f.app.sign_in_as(f.owner).await;
    let request = |seq: i64, public: Option<&str>| {
        let mut parts = axum::http::Request::post("/api/payments/pay")
            .header("accept", "text/html,application/xhtml+xml")
            .header("host", "zjcs.test:3000")
            .body(())
            .unwrap()
            .into_parts()
            .0;
        if let Some(p) = public {
            parts.extensions.insert(crate::payment::PublicBase::from_origins(&[p.to_string()]));
        }
        let res = leptos_axum::ResponseOptions::default();
        let code = f.code.clone();
        let res2 = res.clone();
        (
            async move {
                provide_context(parts);
                provide_context(res2);
                pay_installment(code, seq).await
            },
            res,
        )
    };
    let (call, res) = request(1, None);
    let url = f.app.run(call).await.unwrap();
    let parts = res.0.read().unwrap();
    assert_eq!(parts.status, Some(axum::http::StatusCode::FOUND));
    assert_eq!(parts.headers["location"], url.as_str());
    let order = sandbox::load_order(&f.app.state.pool, url.rsplit('/').next().unwrap()).await.unwrap().unwrap();
    assert_eq!(order.notify_url, "http://zjcs.test:3000/payments/notify/sandbox");
    assert_eq!(order.return_url, format!("http://zjcs.test:3000/contracts/{}", f.code));
    drop(parts);
    let (call, _) = request(2, Some("https://zjcs.sc.gov.cn/"));
    let url = f.app.run(call).await.unwrap();
    let order = sandbox::load_order(&f.app.state.pool, url.rsplit('/').next().unwrap()).await.unwrap().unwrap();
    assert_eq!(order.notify_url, "https://zjcs.sc.gov.cn/payments/notify/sandbox");
    assert_eq!(order.return_url, format!("https://zjcs.sc.gov.cn/contracts/{}", f.code));
}

/// The same path through the public functions of the signing and service
/// slices: both signatures open the first installment, the owner's confirmation
/// of the milestone the second, acceptance the last; its payment completes the contract.
#[tokio::test]
async fn payment_follows_signing_milestones_and_acceptance() {
    use crate::api::contract_work::{confirm_milestone, decide_delivery, deliver_results, report_milestone};
    use crate::api::contracts::sign_contract;
    let f = fixture("social").await;
    let sha: String = sqlx::query_scalar("SELECT v.sha256 FROM contract_versions v JOIN contracts c ON c.id = v.contract_id AND v.version = c.version WHERE c.id = $1")
        .bind(f.id)
        .fetch_one(&f.app.state.pool)
        .await
        .unwrap();
    f.app.sign_in_as(f.owner).await;
    assert!(!f.app.run(sign_contract(f.code.clone(), sha.clone(), Some("on".into()))).await.unwrap());
    assert!(f.installments().await.is_empty(), "nothing in force before both signatures");
    f.app.sign_in_as(f.firm).await;
    assert!(f.app.run(sign_contract(f.code.clone(), sha, Some("on".into()))).await.unwrap());
    assert_eq!(f.installments().await.iter().map(|r| r.2.as_str()).collect::<Vec<_>>(), vec!["due", "waiting", "waiting"]);
    f.pay_through_gateway(1).await;

    f.app.sign_in_as(f.firm).await;
    f.app.run(report_milestone(f.code.clone(), 1)).await.unwrap();
    assert_eq!(f.installments().await[1].2, "waiting", "reported is not confirmed");
    f.app.sign_in_as(f.owner).await;
    f.app.run(confirm_milestone(f.code.clone(), 1)).await.unwrap();
    assert_eq!(f.installments().await[1].2, "due");
    f.pay_through_gateway(2).await;

    f.app.sign_in_as(f.owner).await;
    assert_eq!(key(f.app.run(pay_installment(f.code.clone(), 3)).await), "payment.not_due_acceptance");
    f.app.sign_in_as(f.firm).await;
    let round = f.app.run(deliver_results(form(&[("code", &f.code), ("note", "成果报告")], Some(("files", "成果.pdf", "application/pdf", PDF))))).await.unwrap();
    f.app.sign_in_as(f.owner).await;
    f.app.run(decide_delivery(f.code.clone(), round as i64, "accept".into(), None)).await.unwrap();
    assert_eq!(f.status().await, "accepted");
    assert_eq!(f.installments().await[2].2, "due");
    f.pay_through_gateway(3).await;
    assert_eq!(f.status().await, "completed");
    assert_eq!(f.panel(f.firm).await.unwrap().paid_fen(), PRICE);
}
