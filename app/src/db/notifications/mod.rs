//! In-app notifications (站内通知) and their e-mail (#8). `notify` writes one row
//! per user and, when SMTP is configured, queues an e-mail for each of them
//! with an address; `send_due` (the server's sender loop) hands queued e-mails
//! to the SMTP server and keeps failures queued with a growing back-off, so
//! nothing is lost while the server is down. Callers decide when to notify
//! (lights turning yellow or red, urges, complaints…).
mod smtp;
#[cfg(test)]
pub mod sink;
#[cfg(test)]
mod tests;

pub use smtp::{encode_subject, send_mail, Mail, SendError};

use super::Pool;
use crate::state::AppState;

/// The SMTP relay notification e-mails go to (`--smtp-url smtp://host:port`,
/// `--smtp-from`). Plain SMTP without TLS or authentication: a local relay.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SmtpConfig {
    pub host: String,
    pub port: u16,
    /// The envelope and header sender, e.g. `noreply@zjcs.example`.
    pub from: String,
    /// The public origin (`https://zjcs.example.cn`) put before links in
    /// e-mails; `None`: the link is given as a site path.
    pub site: Option<String>,
}

impl SmtpConfig {
    /// Parses `smtp://host[:port]` (port 25 when missing).
    pub fn parse(url: &str, from: &str) -> Result<SmtpConfig, String> {
        let rest = url.strip_prefix("smtp://").ok_or_else(|| format!("SMTP URL must start with smtp://: {url}"))?;
        let rest = rest.trim_end_matches('/');
        let (host, port) = match rest.rsplit_once(':') {
            Some((h, p)) => (h, p.parse::<u16>().map_err(|_| format!("bad SMTP port in {url}"))?),
            None => (rest, 25),
        };
        if host.is_empty() || host.contains(['/', '@', ' ']) {
            return Err(format!("bad SMTP host in {url}"));
        }
        if !valid_email(from) {
            return Err(format!("bad SMTP sender address: {from}"));
        }
        Ok(SmtpConfig { host: host.to_string(), port, from: from.to_string(), site: None })
    }

    /// Sets the public origin put before links in e-mails.
    pub fn with_site(mut self, site: Option<&str>) -> SmtpConfig {
        self.site = site.map(|s| s.trim_end_matches('/').to_string()).filter(|s| s.starts_with("http://") || s.starts_with("https://"));
        self
    }
}

/// What to tell the users (one notification, many recipients).
#[derive(Clone, Debug, Default)]
pub struct NewNotification {
    /// e.g. `light_yellow`, `light_red`, `urge`, `complaint`
    pub kind: String,
    pub title: String,
    pub body: String,
    /// A site path to the subject (`/contracts/12`).
    pub link: Option<String>,
    /// When `Some`, a second notify with the same (user, key) is ignored.
    pub dedupe_key: Option<String>,
}

/// In-app notification to each user (one row per user), plus an e-mail queued
/// for users with an e-mail address when SMTP is configured.
pub async fn notify(state: &AppState, user_ids: &[i64], n: &NewNotification) -> Result<(), sqlx::Error> {
    let now = state.now_ms();
    let mut ids: Vec<i64> = user_ids.to_vec();
    ids.sort_unstable();
    ids.dedup();
    let link = n.link.as_deref().filter(|l| l.starts_with('/') && !l.starts_with("//"));
    let mut tx = crate::db::begin_write_on(&state.pool).await?;
    for user_id in ids {
        let inserted: Option<(i64,)> = sqlx::query_as(
            "INSERT INTO notifications (user_id, at, kind, title, body, link, dedupe_key) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING RETURNING id",
        )
        .bind(user_id)
        .bind(now)
        .bind(&n.kind)
        .bind(&n.title)
        .bind(&n.body)
        .bind(link)
        .bind(n.dedupe_key.as_deref())
        .fetch_optional(&mut *tx)
        .await?;
        let (Some((id,)), Some(_)) = (inserted, state.smtp.as_ref()) else { continue };
        let email: Option<(Option<String>,)> =
            sqlx::query_as("SELECT email FROM users WHERE id = $1 AND status = 'active'").bind(user_id).fetch_optional(&mut *tx).await?;
        let Some(to) = email.and_then(|(e,)| e).filter(|e| valid_email(e)) else { continue };
        sqlx::query(
            "INSERT INTO email_outbox (notification_id, to_address, subject, body, created_at, attempts, next_attempt_at) \
             VALUES ($1, $2, $3, $4, $5, 0, $5)",
        )
        .bind(id)
        .bind(&to)
        .bind(&n.title)
        .bind(email_body(n, link, state.smtp.as_ref().and_then(|c| c.site.as_deref())))
        .bind(now)
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await
}

/// The e-mail text: the notification's body and the path to its subject.
fn email_body(n: &NewNotification, link: Option<&str>, site: Option<&str>) -> String {
    match link {
        Some(l) => format!("{}\r\n\r\n{}{}{}", n.body, crate::i18n::t_in(crate::i18n::Locale::Zh, "notifications.email_link"), site.unwrap_or(""), l),
        None => n.body.clone(),
    }
}

/// A plausible address: one `@`, something before it, a dotted domain after,
/// no spaces or header-breaking characters, at most 254 characters.
pub fn valid_email(s: &str) -> bool {
    crate::domain::notifications::valid_email(s)
}

/// Deliveries tried per `send_due` call.
pub const BATCH: i64 = 50;
/// Attempts before an e-mail is given up (it stays in the outbox with its error).
pub const MAX_ATTEMPTS: i64 = 12;
/// How long a claimed e-mail is reserved for the instance sending it.
const LEASE_MS: i64 = 5 * 60_000;
/// `next_attempt_at` of e-mails given up.
pub const NEVER: i64 = i64::MAX;

/// Wait before the next attempt after `attempts` failed ones: 1, 2, 4 … minutes, at most an hour.
pub fn backoff_ms(attempts: i64) -> i64 {
    60_000 * (1i64 << attempts.clamp(1, 7).saturating_sub(1)).min(60)
}

/// What one `send_due` run did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SendReport {
    pub sent: u32,
    pub failed: u32,
}

#[derive(sqlx::FromRow)]
struct DueRow {
    id: i64,
    to_address: String,
    subject: String,
    body: String,
    attempts: i64,
    next_attempt_at: i64,
}

/// Hands the e-mails that are due to the SMTP relay (nothing when SMTP is not
/// configured). Each e-mail is claimed with a conditional update first, so
/// several server instances never send one twice; a failure keeps it queued
/// with its error and the back-off, a refusal for good (5xx) or the last
/// attempt stops retrying.
pub async fn send_due(state: &AppState, now: i64) -> Result<SendReport, sqlx::Error> {
    let mut report = SendReport::default();
    let Some(cfg) = state.smtp.as_ref() else { return Ok(report) };
    let due: Vec<DueRow> = sqlx::query_as(
        "SELECT id, to_address, subject, body, attempts, next_attempt_at FROM email_outbox \
         WHERE sent_at IS NULL AND next_attempt_at <= $1 ORDER BY next_attempt_at, id LIMIT $2",
    )
    .bind(now)
    .bind(BATCH)
    .fetch_all(&state.pool)
    .await?;
    for row in due {
        let claimed = sqlx::query(
            "UPDATE email_outbox SET attempts = attempts + 1, next_attempt_at = $3 \
             WHERE id = $1 AND sent_at IS NULL AND next_attempt_at = $2",
        )
        .bind(row.id)
        .bind(row.next_attempt_at)
        .bind(now + LEASE_MS)
        .execute(&state.pool)
        .await?
        .rows_affected()
            == 1;
        if !claimed {
            continue;
        }
        let attempts = row.attempts + 1;
        let mail = Mail { to: &row.to_address, subject: &row.subject, body: &row.body, date_ms: now, message_id: format!("n{}.{}", row.id, now) };
        match send_mail(cfg, &mail).await {
            Ok(()) => {
                sqlx::query("UPDATE email_outbox SET sent_at = $2, last_error = NULL WHERE id = $1").bind(row.id).bind(now).execute(&state.pool).await?;
                report.sent += 1;
            }
            Err(e) => {
                let give_up = matches!(e, SendError::Permanent(_)) || attempts >= MAX_ATTEMPTS;
                let next = if give_up { NEVER } else { now + backoff_ms(attempts) };
                let message: String = e.to_string().chars().take(500).collect();
                sqlx::query("UPDATE email_outbox SET next_attempt_at = $2, last_error = $3 WHERE id = $1")
                    .bind(row.id)
                    .bind(next)
                    .bind(&message)
                    .execute(&state.pool)
                    .await?;
                #[cfg(not(test))]
                tracing::warn!(outbox_id = row.id, attempts, give_up, error = %message, "notification e-mail not delivered");
                report.failed += 1;
            }
        }
    }
    Ok(report)
}

/// One notification as stored.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct NotificationRow {
    pub id: i64,
    pub at: i64,
    pub kind: String,
    pub title: String,
    pub body: String,
    pub link: Option<String>,
    pub read_at: Option<i64>,
}

/// A user's notifications, newest first, and how many there are.
pub async fn list(pool: &Pool, user_id: i64, page: u32, per_page: u32) -> Result<(Vec<NotificationRow>, u64), sqlx::Error> {
    let rows = sqlx::query_as(
        "SELECT id, at, kind, title, body, link, read_at FROM notifications WHERE user_id = $1 \
         ORDER BY at DESC, id DESC LIMIT $2 OFFSET $3",
    )
    .bind(user_id)
    .bind(i64::from(per_page))
    .bind(crate::domain::paging::offset(page, per_page))
    .fetch_all(pool)
    .await?;
    let (total,): (i64,) =
        sqlx::query_as("SELECT CAST(COUNT(*) AS BIGINT) FROM notifications WHERE user_id = $1").bind(user_id).fetch_one(pool).await?;
    Ok((rows, total.max(0) as u64))
}

/// How many of a user's notifications are unread.
pub async fn unread_count(pool: &Pool, user_id: i64) -> Result<i64, sqlx::Error> {
    let (n,): (i64,) = sqlx::query_as("SELECT CAST(COUNT(*) AS BIGINT) FROM notifications WHERE user_id = $1 AND read_at IS NULL")
        .bind(user_id)
        .fetch_one(pool)
        .await?;
    Ok(n)
}

/// Marks one of the user's notifications (`Some(id)`) or all of them (`None`)
/// read. Returns `None` when `id` is not one of the user's notifications,
/// otherwise how many changed (0 when it was already read).
pub async fn mark_read(pool: &Pool, user_id: i64, id: Option<i64>, now: i64) -> Result<Option<u64>, sqlx::Error> {
    match id {
        Some(id) => {
            let owner: Option<(i64,)> =
                sqlx::query_as("SELECT user_id FROM notifications WHERE id = $1 AND user_id = $2").bind(id).bind(user_id).fetch_optional(pool).await?;
            if owner.is_none() {
                return Ok(None);
            }
            let n = sqlx::query("UPDATE notifications SET read_at = $3 WHERE id = $1 AND user_id = $2 AND read_at IS NULL")
                .bind(id)
                .bind(user_id)
                .bind(now)
                .execute(pool)
                .await?
                .rows_affected();
            Ok(Some(n))
        }
        None => {
            let n = sqlx::query("UPDATE notifications SET read_at = $2 WHERE user_id = $1 AND read_at IS NULL")
                .bind(user_id)
                .bind(now)
                .execute(pool)
                .await?
                .rows_affected();
            Ok(Some(n))
        }
    }
}

/// The user's e-mail address for notifications.
pub async fn email(pool: &Pool, user_id: i64) -> Result<Option<String>, sqlx::Error> {
    let row: Option<(Option<String>,)> = sqlx::query_as("SELECT email FROM users WHERE id = $1").bind(user_id).fetch_optional(pool).await?;
    Ok(row.and_then(|(e,)| e))
}

/// Sets (or with `None` clears) the user's e-mail address; the caller validated it.
pub async fn set_email(pool: &Pool, user_id: i64, email: Option<&str>) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE users SET email = $2 WHERE id = $1").bind(user_id).bind(email).execute(pool).await?;
    Ok(())
}
