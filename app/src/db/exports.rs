//! Bulk exports of the public lists (issue #9): the same filters as the list
//! pages (`db::trading::list`, `db::firms::list`), read in batches by keyset so
//! a download never holds the whole result. Only what the public pages show.
use super::sql::Sql;
use super::Pool;
use crate::error::AppError;
use crate::model::firms::{FirmQuery, FirmSort, FirmSummary};
use crate::model::trading::AnnouncementQuery;

/// Rows per batch.
pub const BATCH: u32 = 500;

/// One announcement as exported: the list's columns, plus its result (中选结果)
/// when there is one.
#[derive(Clone, Debug, PartialEq, sqlx::FromRow)]
pub struct AnnouncementExportRow {
    pub id: i64,
    pub code: String,
    pub title: String,
    pub item_name: String,
    pub region_name: String,
    pub method: String,
    pub status: String,
    pub budget_fen: i64,
    /// The keyset with `id` (public announcements always have one).
    pub published_at: i64,
    pub deadline_at: Option<i64>,
    pub participant_count: i64,
    pub award_firm_name: Option<String>,
    pub award_credit_code: Option<String>,
    pub award_amount_fen: Option<i64>,
    pub award_status: Option<String>,
}

/// Where the next batch starts (the last row of the previous one).
#[derive(Clone, Debug, Default, PartialEq)]
pub enum After {
    #[default]
    Start,
    Announcement { published_at: i64, id: i64 },
    Firm { key: FirmKey, id: i64 },
}

#[derive(Clone, Debug, PartialEq)]
pub enum FirmKey {
    Int(i64),
    Text(String),
}

/// Checks the announcement filters as `api::trading::list_announcements` does
/// (same message keys). `mine` is ignored: exports are public.
pub fn check_announcements(q: &AnnouncementQuery) -> Result<AnnouncementQuery, AppError> {
    if q.q.chars().count() > 50 {
        return Err(AppError::invalid("q", "trading.q_too_long"));
    }
    if !q.method.is_empty() && crate::domain::procurement::SelectionMethod::parse(&q.method).is_none() {
        return Err(AppError::invalid("method", "trading.method_unknown"));
    }
    if !matches!(q.status.as_str(), "" | "open" | "published" | "closed" | "selected" | "failed" | "cancelled") {
        return Err(AppError::invalid("status", "trading.status_unknown"));
    }
    Ok(AnnouncementQuery { mine: false, page: 1, ..q.clone() })
}

/// How many announcements match (what the page's count shows).
pub async fn announcements_count(pool: &Pool, q: &AnnouncementQuery, now: i64) -> Result<i64, sqlx::Error> {
    let mut count = Sql::new("SELECT COUNT(*) FROM procurements p");
    crate::db::trading::push_filters(&mut count, q, None, now);
    Ok(count.query_as::<(i64,)>().fetch_one(pool).await?.0)
}

/// The next batch of matching announcements, in the list's order (newest first).
///
/// Two steps, so a batch costs the same at the end of a large export as at its
/// start: the batch's ids by keyset on `(published_at, id)` (an index range, no
/// joins), then those rows with their columns, participant count and result.
pub async fn announcements(pool: &Pool, q: &AnnouncementQuery, now: i64, after: &After, limit: u32) -> Result<Vec<AnnouncementExportRow>, sqlx::Error> {
    let mut keys = Sql::new("SELECT p.id FROM procurements p");
    crate::db::trading::push_filters(&mut keys, q, None, now);
    if let After::Announcement { published_at, id } = after {
        // the range first, so the published_at index bounds the scan
        keys.push(" AND p.published_at <= ").bind(*published_at);
        keys.push(" AND (p.published_at < ").bind(*published_at).push(" OR p.id < ").bind(*id).push(")");
    }
    keys.push(" ORDER BY p.published_at DESC, p.id DESC LIMIT ").bind(limit as i64);
    let ids: Vec<(i64,)> = keys.query_as().fetch_all(pool).await?;
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut sql = Sql::new(
        "SELECT p.id, p.code, p.title, s.name AS item_name, r.name AS region_name, p.method, p.status, \
         p.budget_fen, p.published_at, p.deadline_at, \
         (SELECT COUNT(*) FROM participations pa WHERE pa.procurement_id = p.id AND pa.status = 'registered') AS participant_count, \
         f.name AS award_firm_name, f.credit_code AS award_credit_code, a.amount_fen AS award_amount_fen, a.status AS award_status \
         FROM procurements p JOIN service_items s ON s.id = p.item_id JOIN regions r ON r.code = p.region_code \
         LEFT JOIN awards a ON a.procurement_id = p.id LEFT JOIN firms f ON f.id = a.firm_id WHERE p.id IN (",
    );
    push_ids(&mut sql, ids.iter().map(|(id,)| *id));
    sql.push(") ORDER BY p.published_at DESC, p.id DESC");
    sql.query_as::<AnnouncementExportRow>().fetch_all(pool).await
}

fn push_ids(sql: &mut Sql, ids: impl Iterator<Item = i64>) {
    for (k, id) in ids.enumerate() {
        if k > 0 {
            sql.push(", ");
        }
        sql.bind(id);
    }
}

/// How many firms match (the directory's count).
pub async fn firms_count(pool: &Pool, q: &FirmQuery, today: &str) -> Result<i64, sqlx::Error> {
    Ok(crate::db::firms::filtered("SELECT COUNT(*)", q, today).query_as::<(i64,)>().fetch_one(pool).await?.0)
}

/// The next batch of matching firms (a validated query), in the directory's order.
/// Returns each row with the keyset of the next batch.
pub async fn firms(pool: &Pool, q: &FirmQuery, today: &str, after: &After, limit: u32) -> Result<Vec<(FirmSummary, After)>, sqlx::Error> {
    let sort = q.sort_order();
    let key = match sort {
        FirmSort::Completed => "f.completed_count",
        FirmSort::Name => "f.name",
        FirmSort::Newest => "f.registered_at",
    };
    let mut ids = crate::db::firms::filtered(&format!("SELECT f.id, {key}"), q, today);
    if let After::Firm { key: k, id } = after {
        // descending keys (count, date) continue below, the name above
        let (cmp, arg): (&str, super::sql::Arg) = match (sort, k) {
            (FirmSort::Name, FirmKey::Text(t)) => (">", t.clone().into()),
            (_, FirmKey::Int(n)) => ("<", (*n).into()),
            (_, FirmKey::Text(t)) => (">", t.clone().into()),
        };
        sql_keyset(&mut ids, key, cmp, arg, *id);
    }
    ids.push(match sort {
        FirmSort::Completed => " ORDER BY f.completed_count DESC, f.id",
        FirmSort::Name => " ORDER BY f.name, f.id",
        FirmSort::Newest => " ORDER BY f.registered_at DESC, f.id",
    });
    ids.push(" LIMIT ").bind(limit as i64);
    let keys: Vec<(i64, FirmKey)> = if sort == FirmSort::Name {
        ids.query_as::<(i64, String)>().fetch_all(pool).await?.into_iter().map(|(id, k)| (id, FirmKey::Text(k))).collect()
    } else {
        ids.query_as::<(i64, i64)>().fetch_all(pool).await?.into_iter().map(|(id, k)| (id, FirmKey::Int(k))).collect()
    };
    if keys.is_empty() {
        return Ok(Vec::new());
    }
    // decorated as the directory's list does
    let mut sql = Sql::new("SELECT f.id, f.name, f.credit_code, r.name AS region_name, ");
    sql.push("(SELECT COUNT(*) FROM firm_items fi JOIN service_items s ON s.id = fi.item_id WHERE fi.firm_id = f.id");
    super::catalogue::push_in_force(&mut sql, "s", today);
    sql.push(
        ") AS item_count, f.completed_count, f.registered_at, f.star_level, f.credit_grade \
         FROM firms f JOIN regions r ON r.code = f.region_code WHERE f.id IN (",
    );
    push_ids(&mut sql, keys.iter().map(|(id, _)| *id));
    sql.push(")");
    let rows: Vec<(i64, String, String, String, i64, i64, i64, Option<i64>, Option<String>)> = sql.query_as().fetch_all(pool).await?;
    let mut by_id: std::collections::HashMap<i64, FirmSummary> = rows
        .into_iter()
        .map(|(id, name, credit_code, region_name, item_count, completed_count, registered_at, star_level, credit_grade)| {
            (id, FirmSummary { name, credit_code, region_name, item_count, completed_count, registered_at, star_level, credit_grade })
        })
        .collect();
    Ok(keys.into_iter().filter_map(|(id, key)| by_id.remove(&id).map(|f| (f, After::Firm { key, id }))).collect())
}

fn sql_keyset(sql: &mut Sql, key: &str, cmp: &str, arg: super::sql::Arg, id: i64) {
    sql.push(&format!(" AND ({key} {cmp} ")).bind(arg.clone());
    sql.push(&format!(" OR ({key} = ")).bind(arg).push(" AND f.id > ").bind(id).push("))");
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::testing::{TestApp, TEST_NOW_MS};

    async fn all_announcements(app: &TestApp, q: &AnnouncementQuery, batch: u32) -> Vec<AnnouncementExportRow> {
        let (mut out, mut after) = (Vec::new(), After::Start);
        loop {
            let rows = announcements(&app.state.pool, q, TEST_NOW_MS, &after, batch).await.unwrap();
            let Some(last) = rows.last() else { break };
            after = After::Announcement { published_at: last.published_at, id: last.id };
            let n = rows.len();
            out.extend(rows);
            if n < batch as usize {
                break;
            }
        }
        out
    }

    async fn listed_announcements(app: &TestApp, q: &AnnouncementQuery) -> Vec<String> {
        let mut codes = Vec::new();
        for page in 1.. {
            let p = crate::db::trading::list(&app.state.pool, &AnnouncementQuery { page, ..q.clone() }, 20, None, TEST_NOW_MS).await.unwrap();
            codes.extend(p.items.iter().map(|r| r.code.clone()));
            if (page as u64) * 20 >= p.total {
                break;
            }
        }
        codes
    }

    #[tokio::test]
    async fn exported_announcements_are_exactly_the_listed_ones_in_order() {
        let app = TestApp::new().await;
        let region: String = sqlx::query_scalar("SELECT region_code FROM procurements WHERE status <> 'draft' ORDER BY id LIMIT 1")
            .fetch_one(&app.state.pool)
            .await
            .unwrap();
        let queries = [
            AnnouncementQuery::default(),
            AnnouncementQuery { status: "selected".into(), ..Default::default() },
            AnnouncementQuery { status: "open".into(), ..Default::default() },
            AnnouncementQuery { method: "random_draw".into(), ..Default::default() },
            AnnouncementQuery { region: region[..4].to_string() + "00", ..Default::default() },
            AnnouncementQuery { q: "ZJ".into(), ..Default::default() },
        ];
        let mut some_awarded = false;
        for q in &queries {
            let want = listed_announcements(&app, q).await;
            for batch in [7, BATCH] {
                let got = all_announcements(&app, q, batch).await;
                assert_eq!(got.iter().map(|r| r.code.clone()).collect::<Vec<_>>(), want, "{q:?} in batches of {batch}");
            }
            assert_eq!(announcements_count(&app.state.pool, q, TEST_NOW_MS).await.unwrap() as usize, want.len());
            let got = all_announcements(&app, q, BATCH).await;
            for r in &got {
                if r.status == "selected" {
                    assert!(r.award_firm_name.is_some() && r.award_credit_code.is_some() && r.award_amount_fen.is_some(), "{r:?}");
                    some_awarded = true;
                }
            }
        }
        assert!(some_awarded, "the demo market has results");
        assert!(!listed_announcements(&app, &AnnouncementQuery::default()).await.is_empty());
    }

    #[tokio::test]
    async fn exported_firms_are_exactly_the_listed_ones_in_every_order() {
        let app = TestApp::new().await;
        let today = crate::domain::time::date_shanghai(TEST_NOW_MS);
        let mut queries = Vec::new();
        for sort in [None, Some("name"), Some("newest"), Some("completed")] {
            queries.push(FirmQuery { sort: sort.map(String::from), ..Default::default() });
        }
        queries.push(FirmQuery { credit: Some("A".into()), ..Default::default() });
        queries.push(FirmQuery { q: Some("有限".into()), sort: Some("name".into()), ..Default::default() });
        for raw in &queries {
            let q = raw.validate().unwrap();
            let mut want = Vec::new();
            for page in 1.. {
                let p = crate::db::firms::list(&app.state.pool, &FirmQuery { page: Some(page), ..q.clone() }, 20, &today).await.unwrap();
                want.extend(p.items);
                if (page as u64) * 20 >= p.total {
                    break;
                }
            }
            for batch in [3, BATCH] {
                let (mut got, mut after) = (Vec::new(), After::Start);
                loop {
                    let rows = firms(&app.state.pool, &q, &today, &after, batch).await.unwrap();
                    let n = rows.len();
                    for (f, a) in rows {
                        got.push(f);
                        after = a;
                    }
                    if n < batch as usize {
                        break;
                    }
                }
                assert_eq!(got, want, "{q:?} in batches of {batch}");
            }
            assert_eq!(firms_count(&app.state.pool, &q, &today).await.unwrap() as usize, want.len());
        }
    }

    #[test]
    fn announcement_filters_are_checked_like_the_page() {
        let bad = |q: AnnouncementQuery| check_announcements(&q).unwrap_err().message_key().to_string();
        assert_eq!(bad(AnnouncementQuery { q: "字".repeat(51), ..Default::default() }), "trading.q_too_long");
        assert_eq!(bad(AnnouncementQuery { method: "lottery".into(), ..Default::default() }), "trading.method_unknown");
        assert_eq!(bad(AnnouncementQuery { status: "draft".into(), ..Default::default() }), "trading.status_unknown");
        let ok = check_announcements(&AnnouncementQuery { mine: true, page: 4, ..Default::default() }).unwrap();
        assert!(!ok.mine && ok.page == 1);
    }
}
