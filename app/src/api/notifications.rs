//! In-app notifications (站内通知): the caller's own list, unread count, marking
//! read, and the e-mail address notifications are also sent to. Thin: authorise,
//! validate, call `db::notifications` (where `notify` and the e-mail outbox live).
//!
//! Rows: every function works on the caller's own notifications only; another
//! user's notification is 404, the same as one that does not exist.
use crate::domain::paging::Page;
use crate::error::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// Notifications per page.
pub const PER_PAGE: u32 = 20;

/// One notification as listed.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Notification {
    pub id: i64,
    pub at: i64,
    /// e.g. `light_yellow`, `light_red`, `urge`, `complaint`
    pub kind: String,
    pub title: String,
    pub body: String,
    /// A site path to the subject.
    pub link: Option<String>,
    pub read: bool,
}

#[cfg(feature = "ssr")]
impl From<crate::db::notifications::NotificationRow> for Notification {
    fn from(r: crate::db::notifications::NotificationRow) -> Self {
        Notification { id: r.id, at: r.at, kind: r.kind, title: r.title, body: r.body, link: r.link, read: r.read_at.is_some() }
    }
}

/// The caller's notifications, newest first; `page` 1-based.
#[server(prefix = "/api", endpoint = "notifications/mine")]
pub async fn list_my_notifications(page: i64) -> Result<Page<Notification>, AppError> {
    use super::ctx::{authorize_user, check, fail, state};
    let user = authorize_user("notifications/mine").await?;
    let st = state()?;
    if !(1..=i64::from(u32::MAX)).contains(&page) {
        return Err(fail(AppError::invalid("page", "notifications.error_page")));
    }
    let (rows, total) = check(crate::db::notifications::list(&st.pool, user.id, page as u32, PER_PAGE).await)?;
    Ok(Page { items: rows.into_iter().map(Notification::from).collect(), page: page as u32, per_page: PER_PAGE, total })
}

/// How many of the caller's notifications are unread (the header's bell).
#[server(prefix = "/api", endpoint = "notifications/unread_count")]
pub async fn get_unread_count() -> Result<i64, AppError> {
    use super::ctx::{authorize_user, check, state};
    let user = authorize_user("notifications/unread_count").await?;
    let st = state()?;
    check(crate::db::notifications::unread_count(&st.pool, user.id).await)
}

/// Marks one of the caller's notifications read (`id`), or all of them (no
/// `id`). Returns how many changed. Another user's notification: 404.
#[server(prefix = "/api", endpoint = "notifications/read")]
pub async fn mark_notifications_read(id: Option<i64>) -> Result<u64, AppError> {
    use super::ctx::{authorize_user, check, fail, state};
    let user = authorize_user("notifications/read").await?;
    let st = state()?;
    check(crate::db::notifications::mark_read(&st.pool, user.id, id, st.now_ms()).await)?.ok_or_else(|| fail(AppError::NotFound))
}

/// The caller's e-mail address for notifications, and whether the platform
/// sends e-mail at all (SMTP configured).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct EmailSetting {
    pub email: Option<String>,
    pub smtp_configured: bool,
}

#[server(prefix = "/api", endpoint = "notifications/email")]
pub async fn get_notification_email() -> Result<EmailSetting, AppError> {
    use super::ctx::{authorize_user, check, state};
    let user = authorize_user("notifications/email").await?;
    let st = state()?;
    let email = check(crate::db::notifications::email(&st.pool, user.id).await)?;
    Ok(EmailSetting { email, smtp_configured: st.smtp.is_some() })
}

/// Sets the caller's e-mail address for notifications (trimmed; empty clears it).
#[server(prefix = "/api", endpoint = "notifications/set_email")]
pub async fn set_notification_email(email: String) -> Result<(), AppError> {
    use super::ctx::{authorize_user, check, fail, state};
    let user = authorize_user("notifications/set_email").await?;
    let st = state()?;
    let email = email.trim();
    if !email.is_empty() {
        crate::domain::notifications::check_email(email).map_err(|e| fail(AppError::invalid("email", e.message_key())))?;
    }
    check(crate::db::notifications::set_email(&st.pool, user.id, (!email.is_empty()).then_some(email)).await)
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use super::*;
    use crate::db::notifications::{notify, sink::SmtpSink, NewNotification};
    use crate::db::testing::{AccountScope, TestApp};
    use crate::domain::accounts::Role;

    fn note(title: &str) -> NewNotification {
        NewNotification { kind: "light_yellow".into(), title: title.into(), body: "阶段即将超时".into(), link: Some("/contracts/HT-1".into()), dedupe_key: None }
    }

    #[tokio::test]
    async fn notifications_api_lists_own_rows_and_marks_them_read() {
        let app = TestApp::with_demo(None).await;
        let me = app.account("notify.me", Role::Operator, AccountScope::default()).await;
        let other = app.account("notify.other", Role::Operator, AccountScope::default()).await;
        for i in 0..25 {
            app.clock.advance(1_000);
            notify(&app.state, &[me], &note(&format!("通知{i}"))).await.unwrap();
        }
        notify(&app.state, &[other], &note("别人的通知")).await.unwrap();
        app.sign_in_as(me).await;
        assert_eq!(app.run(get_unread_count()).await, Ok(25));
        let first = app.run(list_my_notifications(1)).await.unwrap();
        assert_eq!((first.total, first.items.len(), first.page_count()), (25, 20, 2));
        assert_eq!(first.items[0].title, "通知24", "newest first");
        assert!(first.items.iter().all(|n| n.title != "别人的通知"));
        let second = app.run(list_my_notifications(2)).await.unwrap();
        assert_eq!(second.items.len(), 5);
        assert_eq!(app.run(list_my_notifications(0)).await, Err(AppError::invalid("page", "notifications.error_page")));
        // one read
        assert_eq!(app.run(mark_notifications_read(Some(first.items[0].id))).await, Ok(1));
        assert_eq!(app.run(get_unread_count()).await, Ok(24));
        assert!(app.run(list_my_notifications(1)).await.unwrap().items[0].read);
        // another user's notification: 404, and it stays unread
        app.sign_in_as(other).await;
        let theirs = app.run(list_my_notifications(1)).await.unwrap().items[0].id;
        app.sign_in_as(me).await;
        assert_eq!(app.run(mark_notifications_read(Some(theirs))).await, Err(AppError::NotFound));
        assert_eq!(app.run(mark_notifications_read(Some(i64::MAX))).await, Err(AppError::NotFound));
        // all
        assert_eq!(app.run(mark_notifications_read(None)).await, Ok(24));
        assert_eq!(app.run(get_unread_count()).await, Ok(0));
        app.sign_in_as(other).await;
        assert_eq!(app.run(get_unread_count()).await, Ok(1), "marking all touched only the caller's");
        // signed out
        app.new_session();
        assert_eq!(app.run(get_unread_count()).await, Err(AppError::Unauthenticated));
    }

    #[tokio::test]
    async fn notifications_api_email_is_validated_and_used() {
        let mut app = TestApp::with_demo(None).await;
        let me = app.account("notify.mail", Role::Operator, AccountScope::default()).await;
        app.sign_in_as(me).await;
        assert_eq!(app.run(get_notification_email()).await, Ok(EmailSetting { email: None, smtp_configured: false }));
        assert_eq!(app.run(set_notification_email("不是邮箱".into())).await, Err(AppError::invalid("email", "notifications.email_format")));
        assert_eq!(
            app.run(set_notification_email(format!("{}@example.com", "a".repeat(250)))).await,
            Err(AppError::invalid("email", "notifications.email_too_long"))
        );
        app.run(set_notification_email("  li.ming@example.com ".into())).await.unwrap();
        assert_eq!(app.run(get_notification_email()).await.unwrap().email.as_deref(), Some("li.ming@example.com"));
        // notifications now go out by e-mail too
        let sink = SmtpSink::start().await;
        app.state.smtp = Some(sink.config());
        notify(&app.state, &[me], &note("黄灯提醒")).await.unwrap();
        crate::db::notifications::send_due(&app.state, app.state.now_ms()).await.unwrap();
        assert_eq!(sink.received().iter().map(|m| (m.to[0].clone(), m.subject.clone())).collect::<Vec<_>>(), vec![("li.ming@example.com".to_string(), "黄灯提醒".to_string())]);
        // cleared: in-app only
        app.run(set_notification_email(" ".into())).await.unwrap();
        assert_eq!(app.run(get_notification_email()).await.unwrap().email, None);
        notify(&app.state, &[me], &note("红灯提醒")).await.unwrap();
        crate::db::notifications::send_due(&app.state, app.state.now_ms()).await.unwrap();
        assert_eq!(sink.received().len(), 1);
    }
}
