//! SQL of the public portal: headline figures and announcements.
use super::Pool;
use crate::model::portal::{AnnouncementSummary, HomeSummary};

const ANNOUNCEMENT_COLUMNS: &str = "p.code, p.title, s.name AS item_name, r.name AS region_name, p.method, \
     p.status, p.budget_fen, p.published_at, p.deadline_at";

/// Headline figures computed from the database, and the latest announcements.
pub async fn home_summary(pool: &Pool, now_ms: i64, latest: i64) -> Result<HomeSummary, sqlx::Error> {
    let (item_count, firm_count, procurement_count, open_count, contract_value_fen): (i64, i64, i64, i64, i64) =
        sqlx::query_as(&format!(
            "SELECT \
             (SELECT COUNT(*) FROM service_items s WHERE {}), \
             (SELECT COUNT(*) FROM firms WHERE status = 'active'), \
             (SELECT COUNT(*) FROM procurements WHERE status <> 'draft'), \
             (SELECT COUNT(*) FROM procurements WHERE status = 'published' AND deadline_at > $1), \
             (SELECT CAST(COALESCE(SUM(price_fen), 0) AS BIGINT) FROM contracts WHERE status <> 'terminated')",
            super::catalogue::in_force_sql("s", "$2")
        ))
        .bind(now_ms)
        .bind(crate::domain::time::date_shanghai(now_ms))
        .fetch_one(pool)
        .await?;
    let latest = sqlx::query_as::<_, AnnouncementSummary>(&format!(
        "SELECT {ANNOUNCEMENT_COLUMNS} FROM procurements p \
         JOIN service_items s ON s.id = p.item_id JOIN regions r ON r.code = p.region_code \
         WHERE p.status <> 'draft' AND p.published_at <= $1 \
         ORDER BY p.published_at DESC, p.id DESC LIMIT $2"
    ))
    .bind(now_ms)
    .bind(latest)
    .fetch_all(pool)
    .await?;
    let notices = super::notices::latest(pool, crate::model::notices::HOME_NOTICES).await?;
    Ok(HomeSummary { item_count, firm_count, procurement_count, open_count, contract_value_fen, latest, notices })
}
