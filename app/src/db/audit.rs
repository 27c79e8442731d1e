//! The tamper-evident audit trail (审计记录, #8): appending entries to the hash
//! chain in `audit_log`, resolving an action's subject and its status, the
//! verifier and the inspector's list. Hashing and the chain rules are in
//! `domain::audit`; the server's middleware (server/src/audit.rs) gathers the
//! facts of each request and calls [`append`].
//!
//! Appending keeps the chain linear under concurrency: one write transaction
//! per entry (`BEGIN IMMEDIATE` on SQLite; on PostgreSQL a transaction-scoped
//! advisory lock), reading the last `(seq, hash)` and inserting the next.
use super::Pool;
use crate::domain::audit::{self, Checker, Entry, SubjectFrom};
use crate::model::accounts::SessionUser;
use crate::model::audit::{AuditEntryView, AuditQuery, VerifyReport};
use crate::state::AppState;
use serde_json::Value;

/// The advisory lock key that serialises appends on PostgreSQL ("zjcsaudi").
pub const LOCK_KEY: i64 = 0x7a6a_6373_6175_6469;

/// The session key of the signed-in user (`api::ctx::USER_KEY`), for the server's tests.
pub const SESSION_USER_KEY: &str = crate::api::ctx::USER_KEY;

/// Entries read per page by the verifier.
pub const VERIFY_PAGE: i64 = 1000;

/// What the caller knows of an action; `seq`, `prev_hash` and `hash` are added by [`append`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct NewEntry {
    pub at: i64,
    pub actor_id: Option<i64>,
    pub actor_username: Option<String>,
    pub role: Option<String>,
    pub action: String,
    pub subject_kind: Option<String>,
    pub subject: Option<String>,
    /// Canonical JSON (`domain::audit::canonical_json` of `args_from_body`).
    pub args: String,
    pub before: Option<String>,
    pub after: Option<String>,
    pub http_status: i64,
    pub error: Option<String>,
}

impl NewEntry {
    /// The actor's columns from a signed-in user (`None`: anonymous).
    pub fn with_actor(mut self, user: Option<&SessionUser>) -> Self {
        self.actor_id = user.map(|u| u.id);
        self.actor_username = user.map(|u| u.username.clone());
        self.role = user.map(|u| u.role.as_str().to_string());
        self
    }
}

/// Appends one entry to the chain; returns its sequence number.
pub async fn append(state: &AppState, n: &NewEntry) -> Result<i64, sqlx::Error> {
    let mut tx = super::trading::begin_write(state).await?;
    if state.backend == super::Backend::Postgres {
        sqlx::query("SELECT pg_advisory_xact_lock($1)").bind(LOCK_KEY).execute(&mut *tx).await?;
    }
    let last: Option<(i64, String)> = sqlx::query_as("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1").fetch_optional(&mut *tx).await?;
    let (seq, prev_hash) = match last {
        Some((seq, hash)) => (seq + 1, hash),
        None => (1, audit::GENESIS.to_string()),
    };
    let e = Entry {
        seq,
        at: n.at,
        actor_id: n.actor_id,
        actor_username: n.actor_username.clone(),
        role: n.role.clone(),
        action: n.action.clone(),
        subject_kind: n.subject_kind.clone(),
        subject: n.subject.clone(),
        args: n.args.clone(),
        before: n.before.clone(),
        after: n.after.clone(),
        http_status: n.http_status,
        error: n.error.clone(),
        prev_hash,
    };
    let hash = e.hash();
    sqlx::query(
        "INSERT INTO audit_log (seq, at, actor_id, actor_username, role, action, subject_kind, subject, args, \
         before_status, after_status, http_status, error, prev_hash, hash) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)",
    )
    .bind(e.seq)
    .bind(e.at)
    .bind(e.actor_id)
    .bind(&e.actor_username)
    .bind(&e.role)
    .bind(&e.action)
    .bind(&e.subject_kind)
    .bind(&e.subject)
    .bind(&e.args)
    .bind(&e.before)
    .bind(&e.after)
    .bind(e.http_status)
    .bind(&e.error)
    .bind(&e.prev_hash)
    .bind(&hash)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(seq)
}

/// The signed-in user of a request's session (`None`: anonymous or unknown).
pub async fn actor(state: &AppState, session: Option<&tower_sessions::Session>) -> Option<SessionUser> {
    crate::api::ctx::user_of(state, session).await.ok().flatten()
}

/// The subject of `action` with these arguments: `(kind, code)`. Onboarding
/// actions are about the signed-in firm (its credit code).
pub async fn subject(pool: &Pool, action: &str, args: &Value, actor: Option<&SessionUser>) -> Result<Option<(String, String)>, sqlx::Error> {
    let Some((kind, from)) = audit::subject_rule(action) else { return Ok(None) };
    let key = match from {
        SubjectFrom::Arg(name) => audit::arg(args, name),
        SubjectFrom::ActorFirm => match actor.and_then(|u| u.firm_id) {
            Some(id) => sqlx::query_scalar::<_, String>("SELECT credit_code FROM firms WHERE id = $1").bind(id).fetch_optional(pool).await?,
            None => None,
        },
    };
    Ok(key.map(|k| (kind.to_string(), k)))
}

/// The subject's status now (`None`: unknown subject or kind).
pub async fn status(pool: &Pool, kind: &str, key: &str) -> Result<Option<String>, sqlx::Error> {
    let by_code = match kind {
        "procurement" => Some("SELECT status FROM procurements WHERE code = $1"),
        "contract" => Some("SELECT status FROM contracts WHERE code = $1"),
        "firm" => Some("SELECT status FROM firms WHERE credit_code = $1"),
        "payment" => Some("SELECT status FROM payments WHERE order_no = $1"),
        _ => None,
    };
    if let Some(sql) = by_code {
        return sqlx::query_scalar::<_, String>(sql).bind(key).fetch_optional(pool).await;
    }
    let by_id = match kind {
        "complaint" => "SELECT status FROM complaints WHERE id = $1",
        "objection" => "SELECT status FROM objections WHERE id = $1",
        "redflag" => "SELECT status FROM redflag_cases WHERE id = $1",
        "application" => "SELECT status FROM firm_applications WHERE id = $1",
        "proposal" => "SELECT status FROM firm_sanction_proposals WHERE id = $1",
        "sanction" => "SELECT COALESCE(appeal_status, 'none') FROM firm_sanctions WHERE id = $1",
        "notice" => "SELECT CASE WHEN published_at IS NULL THEN 'draft' ELSE 'published' END FROM notices WHERE id = $1",
        _ => return Ok(None),
    };
    let Ok(id) = key.parse::<i64>() else { return Ok(None) };
    sqlx::query_scalar::<_, String>(by_id).bind(id).fetch_optional(pool).await
}

type EntryRow = (i64, i64, Option<i64>, Option<String>, Option<String>, String, Option<String>, Option<String>, String, Option<String>, Option<String>, i64, Option<String>, String, String);

const COLUMNS: &str = "seq, at, actor_id, actor_username, role, action, subject_kind, subject, args, before_status, after_status, http_status, error, prev_hash, hash";

fn split(r: EntryRow) -> (Entry, String) {
    let e = Entry {
        seq: r.0,
        at: r.1,
        actor_id: r.2,
        actor_username: r.3,
        role: r.4,
        action: r.5,
        subject_kind: r.6,
        subject: r.7,
        args: r.8,
        before: r.9,
        after: r.10,
        http_status: r.11,
        error: r.12,
        prev_hash: r.13,
    };
    (e, r.14)
}

/// Recomputes the whole chain, [`VERIFY_PAGE`] entries at a time, and stops at
/// the first broken entry.
pub async fn verify(pool: &Pool) -> Result<VerifyReport, sqlx::Error> {
    verify_paged(pool, VERIFY_PAGE).await
}

/// [`verify`] reading `page_size` entries at a time.
pub async fn verify_paged(pool: &Pool, page_size: i64) -> Result<VerifyReport, sqlx::Error> {
    let page_size = page_size.max(1);
    let mut checker = Checker::default();
    let mut after = 0i64;
    loop {
        let rows: Vec<EntryRow> = sqlx::query_as(&format!("SELECT {COLUMNS} FROM audit_log WHERE seq > $1 ORDER BY seq LIMIT $2"))
            .bind(after)
            .bind(page_size)
            .fetch_all(pool)
            .await?;
        let Some(last) = rows.last() else { break };
        after = last.0;
        let full = rows.len() as i64 == page_size;
        for row in rows {
            let (e, hash) = split(row);
            if let Err((seq, why)) = checker.check(&e, &hash) {
                return Ok(VerifyReport { entries_checked: checker.checked, first_broken: Some((seq, why.as_str().to_string())) });
            }
        }
        if !full {
            break;
        }
    }
    Ok(VerifyReport { entries_checked: checker.checked, first_broken: None })
}

/// The WHERE clause and its text arguments for a filter.
fn filter_sql(q: &AuditQuery) -> (String, Vec<Value>) {
    let mut cond = Vec::new();
    let mut binds: Vec<Value> = Vec::new();
    let clean = |v: &Option<String>| v.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(String::from);
    for (col, v) in [("actor_username", clean(&q.actor)), ("action", clean(&q.action)), ("subject", clean(&q.subject))] {
        if let Some(v) = v {
            binds.push(Value::from(v));
            cond.push(format!("{col} = ${}", binds.len()));
        }
    }
    let day = |s: &Option<String>| clean(s).and_then(|d| crate::domain::time::parse_date(&d));
    if let Some(d) = day(&q.from) {
        binds.push(Value::from(d * crate::domain::time::DAY_MS - SHANGHAI_OFFSET_MS));
        cond.push(format!("at >= ${}", binds.len()));
    }
    if let Some(d) = day(&q.to) {
        binds.push(Value::from((d + 1) * crate::domain::time::DAY_MS - SHANGHAI_OFFSET_MS));
        cond.push(format!("at < ${}", binds.len()));
    }
    let sql = if cond.is_empty() { String::new() } else { format!(" WHERE {}", cond.join(" AND ")) };
    (sql, binds)
}

const SHANGHAI_OFFSET_MS: i64 = 8 * 3_600_000;

fn bind_all<'q>(mut q: sqlx::query::QueryAs<'q, sqlx::Any, EntryRow, sqlx::any::AnyArguments<'q>>, binds: &[Value]) -> sqlx::query::QueryAs<'q, sqlx::Any, EntryRow, sqlx::any::AnyArguments<'q>> {
    for b in binds {
        q = match b {
            Value::Number(n) => q.bind(n.as_i64().unwrap_or_default()),
            other => q.bind(other.as_str().unwrap_or_default().to_string()),
        };
    }
    q
}

/// One page of entries matching the filter, newest first, and the number of matches.
pub async fn list(pool: &Pool, q: &AuditQuery, page: u32, per_page: u32) -> Result<(Vec<AuditEntryView>, u64), sqlx::Error> {
    let (cond, binds) = filter_sql(q);
    let count_sql = format!("SELECT CAST(COUNT(*) AS BIGINT) FROM audit_log{cond}");
    let mut count = sqlx::query_scalar::<_, i64>(&count_sql);
    for b in &binds {
        count = match b {
            Value::Number(n) => count.bind(n.as_i64().unwrap_or_default()),
            other => count.bind(other.as_str().unwrap_or_default().to_string()),
        };
    }
    let total = count.fetch_one(pool).await?;
    let n = binds.len();
    let sql = format!("SELECT {COLUMNS} FROM audit_log{cond} ORDER BY seq DESC LIMIT ${} OFFSET ${}", n + 1, n + 2);
    let rows: Vec<EntryRow> = bind_all(sqlx::query_as(&sql), &binds)
        .bind(per_page as i64)
        .bind(crate::domain::paging::offset(page, per_page))
        .fetch_all(pool)
        .await?;
    let items = rows
        .into_iter()
        .map(|r| {
            let (e, hash) = split(r);
            AuditEntryView {
                seq: e.seq,
                at: e.at,
                actor_username: e.actor_username,
                role: e.role,
                action: e.action,
                subject_kind: e.subject_kind,
                subject: e.subject,
                args: e.args,
                before: e.before,
                after: e.after,
                http_status: e.http_status,
                error: e.error,
                hash,
            }
        })
        .collect();
    Ok((items, total.max(0) as u64))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::testing::{AccountScope, TestApp};
    use crate::db::Backend;
    use crate::domain::accounts::Role;

    fn entry(action: &str, subject: Option<&str>) -> NewEntry {
        NewEntry {
            at: crate::db::testing::TEST_NOW_MS,
            actor_id: Some(1),
            actor_username: Some("operator.audit".into()),
            role: Some("operator".into()),
            action: action.into(),
            subject_kind: subject.map(|_| "procurement".into()),
            subject: subject.map(String::from),
            args: "{}".into(),
            before: Some("published".into()),
            after: Some("cancelled".into()),
            http_status: 200,
            error: None,
        }
    }

    async fn fill(app: &TestApp, n: usize) {
        for i in 0..n {
            let seq = append(&app.state, &entry("trading/cancel", Some(&format!("ZJ-{i}")))).await.unwrap();
            assert_eq!(seq, i as i64 + 1, "gapless from 1");
        }
    }

    /// What a DBA with full rights would do first: remove the append-only guard.
    async fn drop_guard(app: &TestApp, name: &str) {
        let sql = match app.backend() {
            Backend::Sqlite => format!("DROP TRIGGER {name}"),
            Backend::Postgres => format!("DROP TRIGGER {name} ON audit_log"),
        };
        sqlx::query(&sql).execute(&app.state.pool).await.unwrap();
    }

    #[tokio::test]
    async fn audit_an_intact_chain_verifies_in_pages() {
        let app = TestApp::with_demo(None).await;
        assert_eq!(verify(&app.state.pool).await.unwrap(), VerifyReport { entries_checked: 0, first_broken: None }, "an empty log is intact");
        fill(&app, 7).await;
        for page in [1, 2, 3, 7, 1000] {
            let r = verify_paged(&app.state.pool, page).await.unwrap();
            assert_eq!(r, VerifyReport { entries_checked: 7, first_broken: None }, "page size {page}");
        }
        // the chain links: entry 1 starts from the genesis hash, each next one from its predecessor
        let rows: Vec<(i64, String, String)> = sqlx::query_as("SELECT seq, prev_hash, hash FROM audit_log ORDER BY seq").fetch_all(&app.state.pool).await.unwrap();
        assert_eq!(rows[0].1, audit::GENESIS);
        for w in rows.windows(2) {
            assert_eq!(w[1].1, w[0].2);
        }
    }

    #[tokio::test]
    async fn audit_the_database_refuses_updates_and_deletes() {
        let app = TestApp::with_demo(None).await;
        fill(&app, 2).await;
        let upd = sqlx::query("UPDATE audit_log SET action = 'x' WHERE seq = 1").execute(&app.state.pool).await;
        assert!(upd.unwrap_err().to_string().contains("append-only"));
        let del = sqlx::query("DELETE FROM audit_log WHERE seq = 2").execute(&app.state.pool).await;
        assert!(del.unwrap_err().to_string().contains("append-only"));
        assert_eq!(verify(&app.state.pool).await.unwrap().entries_checked, 2);
    }

    #[tokio::test]
    async fn audit_a_row_edited_in_the_database_is_found() {
        let app = TestApp::with_demo(None).await;
        fill(&app, 6).await;
        drop_guard(&app, "audit_log_no_update").await;
        // someone rewrites who did it in entry 4
        sqlx::query("UPDATE audit_log SET actor_username = 'someone.else' WHERE seq = 4").execute(&app.state.pool).await.unwrap();
        let r = verify_paged(&app.state.pool, 2).await.unwrap();
        assert_eq!(r, VerifyReport { entries_checked: 3, first_broken: Some((4, "hash".into())) });
        // and if they recompute entry 4's hash too, entry 5 no longer links to it
        let rows: Vec<EntryRow> = sqlx::query_as(&format!("SELECT {COLUMNS} FROM audit_log WHERE seq = 4")).fetch_all(&app.state.pool).await.unwrap();
        let (e, _) = split(rows.into_iter().next().unwrap());
        sqlx::query("UPDATE audit_log SET hash = $1 WHERE seq = 4").bind(e.hash()).execute(&app.state.pool).await.unwrap();
        assert_eq!(verify(&app.state.pool).await.unwrap().first_broken, Some((5, "link".into())));
    }

    #[tokio::test]
    async fn audit_a_deleted_row_leaves_a_gap_that_is_found() {
        let app = TestApp::with_demo(None).await;
        fill(&app, 5).await;
        drop_guard(&app, "audit_log_no_delete").await;
        sqlx::query("DELETE FROM audit_log WHERE seq = 2").execute(&app.state.pool).await.unwrap();
        assert_eq!(verify(&app.state.pool).await.unwrap(), VerifyReport { entries_checked: 1, first_broken: Some((2, "missing".into())) });
    }

    #[tokio::test]
    async fn audit_a_forged_row_appended_with_a_wrong_prev_hash_is_found() {
        let app = TestApp::with_demo(None).await;
        fill(&app, 3).await;
        let forged = Entry { seq: 4, at: 1, action: "contracts/sign".into(), args: "{}".into(), http_status: 200, prev_hash: "f".repeat(64), ..Default::default() };
        sqlx::query("INSERT INTO audit_log (seq, at, action, args, http_status, prev_hash, hash) VALUES (4, 1, 'contracts/sign', '{}', 200, $1, $2)")
            .bind(&forged.prev_hash)
            .bind(forged.hash())
            .execute(&app.state.pool)
            .await
            .unwrap();
        assert_eq!(verify(&app.state.pool).await.unwrap(), VerifyReport { entries_checked: 3, first_broken: Some((4, "link".into())) });
        // the next genuine entry chains on from the forged one; the report still names the forgery
        append(&app.state, &entry("trading/save", None)).await.unwrap();
        assert_eq!(verify(&app.state.pool).await.unwrap().first_broken, Some((4, "link".into())));
    }

    #[tokio::test]
    async fn audit_concurrent_appends_give_one_linear_chain() {
        let app = TestApp::with_demo(None).await;
        let mut tasks = Vec::new();
        for i in 0..12 {
            let state = app.state.clone();
            tasks.push(tokio::spawn(async move { append(&state, &entry("trading/register", Some(&format!("ZJ-{i}")))).await.unwrap() }));
        }
        let mut seqs = Vec::new();
        for t in tasks {
            seqs.push(t.await.unwrap());
        }
        seqs.sort();
        assert_eq!(seqs, (1..=12).collect::<Vec<i64>>());
        assert_eq!(verify(&app.state.pool).await.unwrap(), VerifyReport { entries_checked: 12, first_broken: None });
    }

    #[tokio::test]
    async fn audit_subjects_and_their_status_resolve() {
        let app = TestApp::new().await;
        let pool = &app.state.pool;
        let (code, st): (String, String) = sqlx::query_as("SELECT code, status FROM procurements ORDER BY id LIMIT 1").fetch_one(pool).await.unwrap();
        let args = audit::args_from_body("application/x-www-form-urlencoded", format!("code={code}&reason=x").as_bytes());
        let found = subject(pool, "trading/cancel", &args, None).await.unwrap();
        assert_eq!(found, Some(("procurement".into(), code.clone())));
        assert_eq!(status(pool, "procurement", &code).await.unwrap(), Some(st));
        assert_eq!(status(pool, "procurement", "NO-SUCH").await.unwrap(), None);
        assert_eq!(status(pool, "complaint", "not-a-number").await.unwrap(), None);
        // a contract by its code
        if let Some((ccode, cst)) = sqlx::query_as::<_, (String, String)>("SELECT code, status FROM contracts WHERE code IS NOT NULL LIMIT 1").fetch_optional(pool).await.unwrap() {
            assert_eq!(status(pool, "contract", &ccode).await.unwrap(), Some(cst));
        }
        // onboarding actions are about the signed-in firm
        let (firm_id, credit_code, fst): (i64, String, String) = sqlx::query_as("SELECT id, credit_code, status FROM firms ORDER BY id LIMIT 1").fetch_one(pool).await.unwrap();
        let uid = app.account("audit.firm", Role::Firm, AccountScope { firm_id: Some(firm_id), ..Default::default() }).await;
        let (stamp,): (i64,) = sqlx::query_as("SELECT password_changed_at FROM users WHERE id = $1").bind(uid).fetch_one(pool).await.unwrap();
        let user = crate::db::accounts::session_user(pool, uid, stamp).await.unwrap().unwrap();
        let s = subject(pool, "onboarding/submit", &serde_json::json!({}), Some(&user)).await.unwrap();
        assert_eq!(s, Some(("firm".into(), credit_code.clone())));
        assert_eq!(status(pool, "firm", &credit_code).await.unwrap(), Some(fst));
        assert_eq!(subject(pool, "accounts/sign_in", &args, None).await.unwrap(), None);
    }

    #[tokio::test]
    async fn audit_list_filters_and_pages_newest_first() {
        let app = TestApp::with_demo(None).await;
        let day = crate::domain::time::DAY_MS;
        for i in 0..5i64 {
            let mut e = entry(if i % 2 == 0 { "trading/cancel" } else { "contracts/sign" }, Some(&format!("ZJ-{i}")));
            e.at = crate::db::testing::TEST_NOW_MS + i * day;
            e.actor_username = Some(if i < 3 { "op.a".into() } else { "op.b".into() });
            append(&app.state, &e).await.unwrap();
        }
        let (all, total) = list(&app.state.pool, &AuditQuery::default(), 1, 2).await.unwrap();
        assert_eq!(total, 5);
        assert_eq!(all.iter().map(|e| e.seq).collect::<Vec<_>>(), vec![5, 4]);
        let (p3, _) = list(&app.state.pool, &AuditQuery::default(), 3, 2).await.unwrap();
        assert_eq!(p3.iter().map(|e| e.seq).collect::<Vec<_>>(), vec![1]);
        let q = AuditQuery { action: Some("trading/cancel".into()), actor: Some("op.a".into()), ..Default::default() };
        let (rows, total) = list(&app.state.pool, &q, 1, 20).await.unwrap();
        assert_eq!((total, rows.iter().map(|e| e.seq).collect::<Vec<_>>()), (2, vec![3, 1]));
        let q = AuditQuery { subject: Some("ZJ-4".into()), ..Default::default() };
        assert_eq!(list(&app.state.pool, &q, 1, 20).await.unwrap().1, 1);
        // dates are Shanghai calendar days, both ends included
        let d1 = crate::domain::time::date_shanghai(crate::db::testing::TEST_NOW_MS + day);
        let d2 = crate::domain::time::date_shanghai(crate::db::testing::TEST_NOW_MS + 2 * day);
        let q = AuditQuery { from: Some(d1), to: Some(d2), ..Default::default() };
        let (rows, total) = list(&app.state.pool, &q, 1, 20).await.unwrap();
        assert_eq!((total, rows.iter().map(|e| e.seq).collect::<Vec<_>>()), (2, vec![3, 2]));
    }
}
