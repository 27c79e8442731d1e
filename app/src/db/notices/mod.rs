//! SQL of notices (通知公告) and policies (政策法规) and their attachments.
//! Published means `published_at IS NOT NULL`; drafts have none.
mod seed;

pub use seed::seed_demo_notices;

use super::catalogue::escape_like;
use super::sql::Sql;
use super::Pool;
use crate::domain::paging::{offset, Page};
use crate::model::files::FileRef;
use crate::model::notices::{NoticeKind, NoticeQuery, NoticeSummary, MAX_ATTACHMENTS};

const SUMMARY_COLUMNS: &str = "n.id, n.kind, n.title, n.pinned, n.published_at, n.updated_at, \
     (SELECT COUNT(*) FROM notice_attachments a WHERE a.notice_id = n.id) AS attachment_count";

type SummaryRow = (i64, String, String, i64, Option<i64>, i64, i64);

fn summary((id, kind, title, pinned, published_at, updated_at, attachment_count): SummaryRow) -> NoticeSummary {
    NoticeSummary { id, kind, title, pinned: pinned != 0, published_at, updated_at, attachment_count }
}

/// A notice as stored (any status).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NoticeRow {
    pub id: i64,
    pub kind: String,
    pub title: String,
    pub body: String,
    pub pinned: bool,
    pub published_at: Option<i64>,
    pub updated_at: i64,
}

/// A notice's editable fields, already validated.
pub struct NoticeInput<'a> {
    pub kind: NoticeKind,
    pub title: &'a str,
    pub body: &'a str,
    pub pinned: bool,
}

/// One page of published notices: optionally of one kind and with a title
/// fragment; pinned first, then newest.
pub async fn list_public(pool: &Pool, q: &NoticeQuery, per_page: u32) -> Result<Page<NoticeSummary>, sqlx::Error> {
    let mut filter = Sql::new(" FROM notices n WHERE n.published_at IS NOT NULL");
    if let Some(kind) = q.kind.as_deref() {
        filter.push(" AND n.kind = ").bind(kind);
    }
    if let Some(text) = q.q.as_deref() {
        filter.push(" AND n.title LIKE ").bind(format!("%{}%", escape_like(text))).push(" ESCAPE '\\'");
    }
    page_of(pool, filter, " ORDER BY n.pinned DESC, n.published_at DESC, n.id DESC", q.page.unwrap_or(1), per_page).await
}

/// Every notice, drafts too, most recently changed first (operators), with an
/// optional title fragment.
pub async fn list_all(pool: &Pool, q: Option<&str>, page: u32, per_page: u32) -> Result<Page<NoticeSummary>, sqlx::Error> {
    let mut filter = Sql::new(" FROM notices n WHERE 1 = 1");
    if let Some(text) = q {
        filter.push(" AND n.title LIKE ").bind(format!("%{}%", escape_like(text))).push(" ESCAPE '\\'");
    }
    page_of(pool, filter, " ORDER BY n.updated_at DESC, n.id DESC", page, per_page).await
}

async fn page_of(pool: &Pool, filter: Sql, order: &str, page: u32, per_page: u32) -> Result<Page<NoticeSummary>, sqlx::Error> {
    let mut count = Sql::new("SELECT COUNT(*)");
    count.push(&filter.text);
    count.args = filter.args.clone();
    let (total,): (i64,) = count.query_as().fetch_one(pool).await?;
    let mut rows = Sql::new(&format!("SELECT {SUMMARY_COLUMNS}"));
    rows.push(&filter.text).push(order);
    rows.args = filter.args;
    rows.push(" LIMIT ").bind(per_page as i64).push(" OFFSET ").bind(offset(page, per_page));
    let items: Vec<SummaryRow> = rows.query_as().fetch_all(pool).await?;
    Ok(Page { items: items.into_iter().map(summary).collect(), page, per_page, total: total.max(0) as u64 })
}

/// The latest published notices and policies (pinned first), for the home page.
pub async fn latest(pool: &Pool, limit: i64) -> Result<Vec<NoticeSummary>, sqlx::Error> {
    let rows: Vec<SummaryRow> = sqlx::query_as(&format!(
        "SELECT {SUMMARY_COLUMNS} FROM notices n WHERE n.published_at IS NOT NULL \
         ORDER BY n.pinned DESC, n.published_at DESC, n.id DESC LIMIT $1"
    ))
    .bind(limit)
    .fetch_all(pool)
    .await?;
    Ok(rows.into_iter().map(summary).collect())
}

/// A notice by id, published or not.
pub async fn get(pool: &Pool, id: i64) -> Result<Option<NoticeRow>, sqlx::Error> {
    type Row = (i64, String, String, String, i64, Option<i64>, i64);
    let row: Option<Row> =
        sqlx::query_as("SELECT id, kind, title, body, pinned, published_at, updated_at FROM notices WHERE id = $1")
            .bind(id)
            .fetch_optional(pool)
            .await?;
    Ok(row.map(|(id, kind, title, body, pinned, published_at, updated_at)| NoticeRow {
        id,
        kind,
        title,
        body,
        pinned: pinned != 0,
        published_at,
        updated_at,
    }))
}

/// The files attached to a notice, in their order.
pub async fn attachments(pool: &Pool, notice_id: i64) -> Result<Vec<FileRef>, sqlx::Error> {
    sqlx::query_as::<_, FileRef>(
        "SELECT f.id, f.sha256, f.content_type, f.size_bytes, f.original_name \
         FROM notice_attachments a JOIN files f ON f.id = a.file_id \
         WHERE a.notice_id = $1 ORDER BY a.position, f.id",
    )
    .bind(notice_id)
    .fetch_all(pool)
    .await
}

/// Creates a draft; returns its id.
pub async fn create(pool: &Pool, input: &NoticeInput<'_>, created_by: Option<i64>, now_ms: i64) -> Result<i64, sqlx::Error> {
    let (id,): (i64,) = sqlx::query_as(
        "INSERT INTO notices (kind, title, body, pinned, published_at, created_by, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, NULL, $5, $6, $6) RETURNING id",
    )
    .bind(input.kind.as_str())
    .bind(input.title)
    .bind(input.body)
    .bind(input.pinned as i64)
    .bind(created_by)
    .bind(now_ms)
    .fetch_one(pool)
    .await?;
    Ok(id)
}

/// Changes a notice's fields; `false` when there is no such notice.
pub async fn update(pool: &Pool, id: i64, input: &NoticeInput<'_>, now_ms: i64) -> Result<bool, sqlx::Error> {
    let done = sqlx::query("UPDATE notices SET kind = $1, title = $2, body = $3, pinned = $4, updated_at = $5 WHERE id = $6")
        .bind(input.kind.as_str())
        .bind(input.title)
        .bind(input.body)
        .bind(input.pinned as i64)
        .bind(now_ms)
        .bind(id)
        .execute(pool)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// Publishes (at `now_ms`; an already published notice keeps its date) or
/// withdraws a notice; `false` when there is no such notice.
pub async fn set_published(pool: &Pool, id: i64, published: bool, now_ms: i64) -> Result<bool, sqlx::Error> {
    let sql = if published {
        "UPDATE notices SET published_at = COALESCE(published_at, $1), updated_at = $1 WHERE id = $2"
    } else {
        "UPDATE notices SET published_at = NULL, updated_at = $1 WHERE id = $2"
    };
    let done = sqlx::query(sql).bind(now_ms).bind(id).execute(pool).await?;
    Ok(done.rows_affected() == 1)
}

/// Pins or unpins a notice; `false` when there is no such notice.
pub async fn set_pinned(pool: &Pool, id: i64, pinned: bool, now_ms: i64) -> Result<bool, sqlx::Error> {
    let done = sqlx::query("UPDATE notices SET pinned = $1, updated_at = $2 WHERE id = $3")
        .bind(pinned as i64)
        .bind(now_ms)
        .bind(id)
        .execute(pool)
        .await?;
    Ok(done.rows_affected() == 1)
}

#[derive(Debug, PartialEq, Eq)]
pub enum AttachError {
    NoNotice,
    TooMany,
    Db(String),
}

impl From<sqlx::Error> for AttachError {
    fn from(e: sqlx::Error) -> Self {
        tracing::error!(error = %e, "attach file");
        AttachError::Db(e.to_string())
    }
}

/// Attaches a stored file at the end of a notice's list (once; attaching it
/// again changes nothing). At most `MAX_ATTACHMENTS` per notice.
pub async fn attach(pool: &Pool, notice_id: i64, file_id: i64, now_ms: i64) -> Result<(), AttachError> {
    let mut tx = crate::db::begin_write_on(&pool).await?;
    let exists: Option<(i64,)> = sqlx::query_as("SELECT id FROM notices WHERE id = $1").bind(notice_id).fetch_optional(&mut *tx).await?;
    if exists.is_none() {
        return Err(AttachError::NoNotice);
    }
    let (count, last): (i64, i64) = sqlx::query_as(
        "SELECT COUNT(*), CAST(COALESCE(MAX(position), 0) AS BIGINT) FROM notice_attachments WHERE notice_id = $1",
    )
    .bind(notice_id)
    .fetch_one(&mut *tx)
    .await?;
    let already: Option<(i64,)> = sqlx::query_as("SELECT file_id FROM notice_attachments WHERE notice_id = $1 AND file_id = $2")
        .bind(notice_id)
        .bind(file_id)
        .fetch_optional(&mut *tx)
        .await?;
    if already.is_some() {
        return Ok(());
    }
    if count as usize >= MAX_ATTACHMENTS {
        return Err(AttachError::TooMany);
    }
    sqlx::query("INSERT INTO notice_attachments (notice_id, file_id, position) VALUES ($1, $2, $3)")
        .bind(notice_id)
        .bind(file_id)
        .bind(last + 1)
        .execute(&mut *tx)
        .await?;
    sqlx::query("UPDATE notices SET updated_at = $1 WHERE id = $2").bind(now_ms).bind(notice_id).execute(&mut *tx).await?;
    tx.commit().await?;
    Ok(())
}

/// Removes a file from a notice (the file itself stays stored); `false` when it
/// was not attached.
pub async fn detach(pool: &Pool, notice_id: i64, file_id: i64, now_ms: i64) -> Result<bool, sqlx::Error> {
    let done = sqlx::query("DELETE FROM notice_attachments WHERE notice_id = $1 AND file_id = $2")
        .bind(notice_id)
        .bind(file_id)
        .execute(pool)
        .await?;
    if done.rows_affected() == 0 {
        return Ok(false);
    }
    sqlx::query("UPDATE notices SET updated_at = $1 WHERE id = $2").bind(now_ms).bind(notice_id).execute(pool).await?;
    Ok(true)
}
