//! `notify`, the outbox and delivery through the test SMTP sink.
use super::sink::{config_for, SmtpSink};
use super::*;
use crate::db::testing::{AccountScope, TestApp};
use crate::domain::accounts::Role;
use crate::state::Clock;

fn light(dedupe: Option<&str>) -> NewNotification {
    NewNotification {
        kind: "light_red".into(),
        title: "监察灯变为红灯：合同履约超时".into(),
        body: "合同 HT-2026-0001 的履约阶段已超过时限，请尽快处理。".into(),
        link: Some("/contracts/1".into()),
        dedupe_key: dedupe.map(String::from),
    }
}

async fn users(app: &TestApp, names: &[&str]) -> Vec<i64> {
    let mut out = Vec::new();
    for n in names {
        out.push(app.account(n, Role::Operator, AccountScope::default()).await);
    }
    out
}

async fn outbox(app: &TestApp) -> Vec<(String, i64, i64, Option<i64>, Option<String>)> {
    sqlx::query_as("SELECT to_address, attempts, next_attempt_at, sent_at, last_error FROM email_outbox ORDER BY id")
        .fetch_all(&app.state.pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn notifications_one_row_per_user_newest_first() {
    let app = TestApp::with_demo(None).await;
    let ids = users(&app, &["notify_a", "notify_b"]).await;
    notify(&app.state, &[ids[0], ids[1], ids[0]], &light(None)).await.unwrap();
    app.clock.advance(60_000);
    let second = NewNotification { title: "催办".into(), link: None, ..light(None) };
    notify(&app.state, &[ids[0]], &second).await.unwrap();
    let (rows, total) = list(&app.state.pool, ids[0], 1, 20).await.unwrap();
    assert_eq!(total, 2, "a repeated id gets one row");
    assert_eq!(rows[0].title, "催办", "newest first");
    assert_eq!(rows[1].link.as_deref(), Some("/contracts/1"));
    assert_eq!(unread_count(&app.state.pool, ids[0]).await.unwrap(), 2);
    assert_eq!(unread_count(&app.state.pool, ids[1]).await.unwrap(), 1);
    // no SMTP configured: nothing queued
    assert!(outbox(&app).await.is_empty());
}

#[tokio::test]
async fn notifications_dedupe_key_ignores_a_second_call() {
    let app = TestApp::with_demo(None).await;
    let ids = users(&app, &["notify_c", "notify_d"]).await;
    notify(&app.state, &[ids[0]], &light(Some("light:contract:1:red"))).await.unwrap();
    notify(&app.state, &ids, &light(Some("light:contract:1:red"))).await.unwrap();
    assert_eq!(unread_count(&app.state.pool, ids[0]).await.unwrap(), 1, "the retry is ignored");
    assert_eq!(unread_count(&app.state.pool, ids[1]).await.unwrap(), 1, "the key is per user");
    // another key, or none, is a new notification
    notify(&app.state, &[ids[0]], &light(Some("light:contract:1:yellow"))).await.unwrap();
    notify(&app.state, &[ids[0]], &light(None)).await.unwrap();
    notify(&app.state, &[ids[0]], &light(None)).await.unwrap();
    assert_eq!(unread_count(&app.state.pool, ids[0]).await.unwrap(), 4);
}

#[tokio::test]
async fn notifications_links_outside_the_site_are_dropped() {
    let app = TestApp::with_demo(None).await;
    let ids = users(&app, &["notify_e"]).await;
    for link in ["https://evil.example/x", "//evil.example/x", "javascript:alert(1)"] {
        notify(&app.state, &ids, &NewNotification { link: Some(link.into()), ..light(None) }).await.unwrap();
    }
    let (rows, _) = list(&app.state.pool, ids[0], 1, 20).await.unwrap();
    assert!(rows.iter().all(|r| r.link.is_none()));
}

#[tokio::test]
async fn notifications_email_only_for_users_with_an_address_and_smtp() {
    let mut app = TestApp::with_demo(None).await;
    let ids = users(&app, &["notify_f", "notify_g"]).await;
    set_email(&app.state.pool, ids[0], Some("f@example.com")).await.unwrap();
    // an address but no SMTP: in-app only
    notify(&app.state, &ids, &light(Some("k1"))).await.unwrap();
    assert!(outbox(&app).await.is_empty());
    let sink = SmtpSink::start().await;
    app.state.smtp = Some(sink.config().with_site(Some("https://zjcs.example.cn/")));
    notify(&app.state, &ids, &light(Some("k2"))).await.unwrap();
    // the retried call neither notifies nor e-mails again
    notify(&app.state, &ids, &light(Some("k2"))).await.unwrap();
    let queued = outbox(&app).await;
    assert_eq!(queued.len(), 1, "only the user with an address: {queued:?}");
    assert_eq!(queued[0].0, "f@example.com");
    assert_eq!(queued[0].3, None, "queued, not sent yet");
    let report = send_due(&app.state, app.clock.now_ms()).await.unwrap();
    assert_eq!(report, SendReport { sent: 1, failed: 0 });
    let got = sink.received();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].to, vec!["f@example.com".to_string()]);
    assert_eq!(got[0].from, "noreply@zjcs.test");
    assert_eq!(got[0].subject, "监察灯变为红灯：合同履约超时");
    assert!(got[0].body.starts_with("合同 HT-2026-0001 的履约阶段已超过时限"), "{}", got[0].body);
    assert!(got[0].body.contains("https://zjcs.example.cn/contracts/1"), "{}", got[0].body);
    assert!(got[0].raw.contains("Content-Type: text/plain; charset=UTF-8"));
    let queued = outbox(&app).await;
    assert_eq!(queued[0].3, Some(app.clock.now_ms()), "marked sent");
    // sent once
    assert_eq!(send_due(&app.state, app.clock.now_ms() + 3_600_000).await.unwrap(), SendReport::default());
    assert_eq!(sink.received().len(), 1);
}

#[tokio::test]
async fn notifications_email_retried_after_the_relay_was_down() {
    let mut app = TestApp::with_demo(None).await;
    let ids = users(&app, &["notify_h"]).await;
    set_email(&app.state.pool, ids[0], Some("h@example.com")).await.unwrap();
    let port = SmtpSink::free_port().await;
    app.state.smtp = Some(config_for(port));
    notify(&app.state, &ids, &light(None)).await.unwrap();
    let t0 = app.clock.now_ms();
    // the relay is down: the e-mail stays queued with the error and a back-off
    assert_eq!(send_due(&app.state, t0).await.unwrap(), SendReport { sent: 0, failed: 1 });
    let q = outbox(&app).await;
    assert_eq!((q[0].1, q[0].2, q[0].3), (1, t0 + backoff_ms(1), None));
    assert!(q[0].4.as_deref().is_some_and(|e| e.contains("cannot connect")), "{:?}", q[0].4);
    // the relay comes up; before the back-off nothing is tried
    let sink = SmtpSink::start_on(port).await;
    assert_eq!(send_due(&app.state, t0 + backoff_ms(1) - 1).await.unwrap(), SendReport::default());
    assert!(sink.received().is_empty());
    app.clock.advance(backoff_ms(1));
    assert_eq!(send_due(&app.state, app.clock.now_ms()).await.unwrap(), SendReport { sent: 1, failed: 0 });
    assert_eq!(sink.received()[0].to, vec!["h@example.com".to_string()]);
    let q = outbox(&app).await;
    assert_eq!((q[0].1, q[0].3, q[0].4.clone()), (2, Some(app.clock.now_ms()), None));
}

#[tokio::test]
async fn notifications_email_refused_for_good_is_not_retried() {
    let mut app = TestApp::with_demo(None).await;
    let ids = users(&app, &["notify_i"]).await;
    set_email(&app.state.pool, ids[0], Some("nobody@example.com")).await.unwrap();
    let sink = SmtpSink::start().await;
    sink.reject_recipients.store(true, std::sync::atomic::Ordering::SeqCst);
    app.state.smtp = Some(sink.config());
    notify(&app.state, &ids, &light(None)).await.unwrap();
    assert_eq!(send_due(&app.state, app.clock.now_ms()).await.unwrap(), SendReport { sent: 0, failed: 1 });
    let q = outbox(&app).await;
    assert_eq!(q[0].2, NEVER);
    assert!(q[0].4.as_deref().is_some_and(|e| e.contains("550")), "{:?}", q[0].4);
    sink.reject_recipients.store(false, std::sync::atomic::Ordering::SeqCst);
    assert_eq!(send_due(&app.state, app.clock.now_ms() + 86_400_000).await.unwrap(), SendReport::default());
}

#[test]
fn notifications_backoff_grows_to_an_hour() {
    assert_eq!(backoff_ms(1), 60_000);
    assert_eq!(backoff_ms(2), 120_000);
    assert_eq!(backoff_ms(4), 480_000);
    assert_eq!(backoff_ms(7), 3_600_000);
    assert_eq!(backoff_ms(30), 3_600_000);
}

#[test]
fn notifications_smtp_url() {
    let c = SmtpConfig::parse("smtp://mail.local:2525", "noreply@zjcs.cn").unwrap();
    assert_eq!((c.host.as_str(), c.port), ("mail.local", 2525));
    assert_eq!(SmtpConfig::parse("smtp://mail.local", "noreply@zjcs.cn").unwrap().port, 25);
    assert!(SmtpConfig::parse("http://mail.local", "noreply@zjcs.cn").is_err());
    assert!(SmtpConfig::parse("smtp://mail.local:x", "noreply@zjcs.cn").is_err());
    assert!(SmtpConfig::parse("smtp://mail.local", "not an address").is_err());
}

#[tokio::test]
async fn notifications_mark_read_own_rows_only() {
    let app = TestApp::with_demo(None).await;
    let ids = users(&app, &["notify_j", "notify_k"]).await;
    notify(&app.state, &ids, &light(None)).await.unwrap();
    notify(&app.state, &ids, &light(None)).await.unwrap();
    let (mine, _) = list(&app.state.pool, ids[0], 1, 20).await.unwrap();
    let (theirs, _) = list(&app.state.pool, ids[1], 1, 20).await.unwrap();
    let now = app.clock.now_ms();
    assert_eq!(mark_read(&app.state.pool, ids[0], Some(theirs[0].id), now).await.unwrap(), None);
    assert_eq!(unread_count(&app.state.pool, ids[1]).await.unwrap(), 2);
    assert_eq!(mark_read(&app.state.pool, ids[0], Some(mine[0].id), now).await.unwrap(), Some(1));
    assert_eq!(mark_read(&app.state.pool, ids[0], Some(mine[0].id), now).await.unwrap(), Some(0));
    assert_eq!(unread_count(&app.state.pool, ids[0]).await.unwrap(), 1);
    assert_eq!(mark_read(&app.state.pool, ids[0], None, now).await.unwrap(), Some(1));
    assert_eq!(unread_count(&app.state.pool, ids[0]).await.unwrap(), 0);
    assert_eq!(unread_count(&app.state.pool, ids[1]).await.unwrap(), 2, "mark all touches only one's own");
}
