//! The audit trail's inspector (审计记录, #8): the list of entries with filters
//! and the chain verification. Entries are written by the server's middleware
//! (server/src/audit.rs → `db::audit::append`), never by a server function.
//!
//! Scope: the log is one chain for the whole platform, and a chain can only be
//! verified whole, so regulators, operators and administrators all see every
//! entry (read-only; arguments carry no secrets: they are redacted when recorded).
use crate::domain::paging::Page;
use crate::error::AppError;
use crate::model::audit::{AuditEntryView, AuditQuery, VerifyReport};
use leptos::prelude::*;

/// Entries per page.
pub const PER_PAGE: u32 = 20;

/// The longest accepted filter text (username, action, subject).
pub const FILTER_LEN: usize = 100;

/// One page of entries matching the filter, newest first.
#[server(prefix = "/api", endpoint = "audit/list")]
pub async fn list_audit(#[server(default)] q: AuditQuery) -> Result<Page<AuditEntryView>, AppError> {
    use super::ctx::{authorize_user, check, fail, state};
    authorize_user("audit/list").await?;
    let st = state()?;
    for (field, v) in [("actor", &q.actor), ("action", &q.action), ("subject", &q.subject)] {
        if v.as_deref().is_some_and(|s| s.trim().chars().count() > FILTER_LEN) {
            return Err(fail(AppError::invalid(field, "audit.error_filter")));
        }
    }
    let date = |field: &str, v: &Option<String>| -> Result<Option<i64>, AppError> {
        match v.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            None => Ok(None),
            Some(s) => crate::domain::time::parse_date(s).map(Some).ok_or_else(|| fail(AppError::invalid(field, "audit.error_date"))),
        }
    };
    if let (Some(from), Some(to)) = (date("from", &q.from)?, date("to", &q.to)?) {
        if from > to {
            return Err(fail(AppError::invalid("to", "audit.error_range")));
        }
    }
    let page = q.page.unwrap_or(1).max(1);
    let (items, total) = check(crate::db::audit::list(&st.pool, &q, page, PER_PAGE).await)?;
    Ok(Page { items, page, per_page: PER_PAGE, total })
}

/// Recomputes the whole chain and reports the first broken entry, if any.
#[server(prefix = "/api", endpoint = "audit/verify")]
pub async fn verify_audit() -> Result<VerifyReport, AppError> {
    use super::ctx::{authorize_user, check, state};
    let user = authorize_user("audit/verify").await?;
    let st = state()?;
    let report = check(crate::db::audit::verify(&st.pool).await)?;
    if let Some((seq, why)) = &report.first_broken {
        tracing::warn!(user = user.id, seq, why = why.as_str(), "audit chain broken");
    }
    Ok(report)
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use super::*;
    use crate::db::audit::{append, NewEntry};
    use crate::db::testing::{AccountScope, TestApp, TEST_NOW_MS};
    use crate::db::Backend;
    use crate::domain::accounts::Role;

    async fn record(app: &TestApp, who: &str, action: &str, subject: &str, before: &str, after: &str) -> i64 {
        let n = NewEntry {
            at: app.state.now_ms(),
            actor_id: Some(1),
            actor_username: Some(who.into()),
            role: Some("owner".into()),
            action: action.into(),
            subject_kind: Some("procurement".into()),
            subject: Some(subject.into()),
            args: format!(r#"{{"code":"{subject}","password":"***"}}"#),
            before: Some(before.into()),
            after: Some(after.into()),
            http_status: 200,
            error: None,
        };
        append(&app.state, &n).await.unwrap()
    }

    #[tokio::test]
    async fn audit_inspector_lists_filters_and_verifies() {
        let app = TestApp::with_demo(None).await;
        record(&app, "owner.a", "trading/cancel", "ZJ-1", "published", "cancelled").await;
        app.clock.advance(crate::domain::time::DAY_MS);
        record(&app, "owner.b", "trading/save", "ZJ-2", "draft", "published").await;
        let op = app.account("audit.op", Role::Operator, AccountScope::default()).await;
        app.sign_in_as(op).await;

        let page = app.run(list_audit(AuditQuery::default())).await.unwrap();
        assert_eq!(page.total, 2);
        let newest = &page.items[0];
        assert_eq!((newest.seq, newest.actor_username.as_deref(), newest.action.as_str()), (2, Some("owner.b"), "trading/save"));
        assert_eq!((newest.before.as_deref(), newest.after.as_deref()), (Some("draft"), Some("published")));
        let q = AuditQuery { actor: Some(" owner.a ".into()), ..Default::default() };
        let only = app.run(list_audit(q)).await.unwrap();
        assert_eq!(only.items.iter().map(|e| e.seq).collect::<Vec<_>>(), vec![1]);
        let today = crate::domain::time::date_shanghai(TEST_NOW_MS);
        let q = AuditQuery { from: Some(today.clone()), to: Some(today), ..Default::default() };
        assert_eq!(app.run(list_audit(q)).await.unwrap().total, 1);

        // bad filters are named
        let bad = AuditQuery { from: Some("2026-02-30".into()), ..Default::default() };
        assert_eq!(app.run(list_audit(bad)).await.unwrap_err(), AppError::invalid("from", "audit.error_date"));
        let bad = AuditQuery { from: Some("2026-03-02".into()), to: Some("2026-03-01".into()), ..Default::default() };
        assert_eq!(app.run(list_audit(bad)).await.unwrap_err(), AppError::invalid("to", "audit.error_range"));

        assert_eq!(app.run(verify_audit()).await.unwrap(), VerifyReport { entries_checked: 2, first_broken: None });
        // a DBA edits entry 1 directly: the verifier names it
        let drop = match app.backend() {
            Backend::Sqlite => "DROP TRIGGER audit_log_no_update",
            Backend::Postgres => "DROP TRIGGER audit_log_no_update ON audit_log",
        };
        sqlx::query(drop).execute(&app.state.pool).await.unwrap();
        sqlx::query("UPDATE audit_log SET after_status = 'published' WHERE seq = 1").execute(&app.state.pool).await.unwrap();
        assert_eq!(app.run(verify_audit()).await.unwrap(), VerifyReport { entries_checked: 0, first_broken: Some((1, "hash".into())) });
    }

    #[tokio::test]
    async fn audit_inspector_is_for_supervisors_only() {
        let app = TestApp::with_demo(None).await;
        let owner = app.account("audit.owner", Role::Owner, AccountScope::default()).await;
        app.sign_in_as(owner).await;
        assert_eq!(app.run(list_audit(AuditQuery::default())).await.unwrap_err(), AppError::Forbidden);
        assert_eq!(app.run(verify_audit()).await.unwrap_err(), AppError::Forbidden);
        let reg = app.account("audit.reg", Role::Regulator, AccountScope { region_code: Some("510100"), industry_code: Some("ZJ"), ..Default::default() }).await;
        app.sign_in_as(reg).await;
        assert!(app.run(verify_audit()).await.unwrap().intact());
    }
}
