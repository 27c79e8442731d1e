//! Bulk exports of the public lists (issue #9): the same filters as the list
//! pages (`db::trading::list`, `db::firms::list`), read in batches by keyset so
//! a download never holds the whole result. Only what the public pages show.
use super::sql::{id_list, Sql};
use super::Pool;
use crate::error::AppError;
use crate::model::credit::{CreditRecordQuery, PublicCreditRow};
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
    /// The credit list's date and key (`db::credit::PublicKey`).
    Credit(crate::db::credit::PublicKey),
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
    sql.push(&id_list(&ids.iter().map(|(id,)| *id).collect::<Vec<_>>()));
    sql.push(") ORDER BY p.published_at DESC, p.id DESC");
    sql.query_as::<AnnouncementExportRow>().fetch_all(pool).await
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
    sql.push(&id_list(&keys.iter().map(|(id, _)| *id).collect::<Vec<_>>()));
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

/// How many credit records and list entries match (a validated query: the page's count).
pub async fn credit_records_count(pool: &Pool, q: &CreditRecordQuery) -> Result<i64, sqlx::Error> {
    crate::db::credit::public_count(pool, q).await
}

/// The next batch of the public credit list (a validated query), in the page's
/// order. Two steps as `announcements`: keys by keyset on (date, key) over both
/// tables, then those rows decorated (`db::credit::public_batch`).
pub async fn credit_records(pool: &Pool, q: &CreditRecordQuery, now: i64, after: &After, limit: u32) -> Result<Vec<PublicCreditRow>, sqlx::Error> {
    let after = match after {
        After::Credit(k) => Some(k),
        _ => None,
    };
    crate::db::credit::public_batch(pool, q, now, after, limit).await
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

    /// Every row of the public credit list, page by page (what `/credit-records` shows).
    async fn listed_credit_records(app: &TestApp, q: &CreditRecordQuery) -> (Vec<PublicCreditRow>, u64) {
        let (mut rows, mut total) = (Vec::new(), 0);
        for page in 1.. {
            let p = crate::db::credit::public_list(&app.state.pool, &CreditRecordQuery { page: Some(page), ..q.clone() }, 20, TEST_NOW_MS).await.unwrap();
            total = p.total;
            rows.extend(p.items);
            if (page as u64) * 20 >= p.total {
                break;
            }
        }
        (rows, total)
    }

    async fn exported_credit_records(app: &TestApp, q: &CreditRecordQuery, batch: u32) -> Vec<PublicCreditRow> {
        let (mut out, mut after) = (Vec::new(), After::Start);
        loop {
            let rows = credit_records(&app.state.pool, q, TEST_NOW_MS, &after, batch).await.unwrap();
            let Some(last) = rows.last() else { break };
            after = After::Credit(crate::db::credit::PublicKey::of(last));
            let n = rows.len();
            out.extend(rows);
            if n < batch as usize {
                break;
            }
        }
        out
    }

    /// The list under `q` is exactly the rows of the whole list that satisfy `ok`, and fewer.
    async fn narrows(app: &TestApp, all: &[PublicCreditRow], q: CreditRecordQuery, ok: impl Fn(&PublicCreditRow) -> bool) {
        let want: Vec<PublicCreditRow> = all.iter().filter(|r| ok(r)).cloned().collect();
        let q = q.validate().unwrap();
        let (got, total) = listed_credit_records(app, &q).await;
        assert!(!got.is_empty() && got.len() < all.len(), "{q:?} narrows: {}", got.len());
        assert_eq!(total as usize, got.len());
        assert_eq!(got, want, "{q:?}");
    }

    #[tokio::test]
    async fn credit_record_filters_each_narrow_the_list() {
        let app = TestApp::new().await;
        let pool = &app.state.pool;
        let today = crate::domain::time::date_shanghai(TEST_NOW_MS);
        // a record and a list entry on the same day (ties are ordered by key), and rows of a firm that is not public
        let (firm, name, code, region): (i64, String, String, String) =
            sqlx::query_as("SELECT id, name, credit_code, region_code FROM firms WHERE status = 'active' ORDER BY id DESC LIMIT 1").fetch_one(pool).await.unwrap();
        let hidden: i64 = sqlx::query_scalar("SELECT id FROM firms WHERE status = 'submitted' ORDER BY id LIMIT 1").fetch_one(pool).await.unwrap();
        for f in [firm, hidden] {
            sqlx::query("INSERT INTO credit_records (firm_id, kind, title, points, decided_on, valid_to, source, document_no, created_at) VALUES ($1, 'penalty', '测试惩戒事项', -3, $2, NULL, 'regulator', '测试〔2026〕1号', 0)")
                .bind(f).bind(&today).execute(pool).await.unwrap();
            sqlx::query("INSERT INTO credit_list_entries (firm_id, list, reason, valid_from, valid_to, entered_at) VALUES ($1, 'red', '测试红名单事由', $2, NULL, 0)")
                .bind(f).bind(&today).execute(pool).await.unwrap();
        }
        let all = CreditRecordQuery::default().validate().unwrap();
        let (rows, total) = listed_credit_records(&app, &all).await;
        let records: i64 = sqlx::query_scalar(
            "SELECT (SELECT COUNT(*) FROM credit_records r JOIN firms f ON f.id = r.firm_id WHERE f.status IN ('active', 'suspended', 'expelled'))              + (SELECT COUNT(*) FROM credit_list_entries e JOIN firms f ON f.id = e.firm_id WHERE f.status IN ('active', 'suspended', 'expelled'))",
        )
        .fetch_one(pool)
        .await
        .unwrap();
        assert_eq!(total as i64, records, "every public record and entry, no hidden firm's");
        assert_eq!(rows.len() as u64, total);
        assert!(rows.len() > 8, "the demo market has credit records: {}", rows.len());
        assert!(rows.windows(2).all(|w| w[0].date >= w[1].date), "newest first");
        for kind in ["reward", "penalty", "red", "black"] {
            assert!(rows.iter().any(|r| r.kind == kind), "the demo has {kind}");
        }
        assert!(rows.iter().any(|r| r.state == "expired") && rows.iter().any(|r| r.state == "in_force") && rows.iter().any(|r| r.state == "revoked"));
        assert!(rows.iter().filter(|r| r.kind == "black").all(|r| r.state != "in_force"), "no demo firm is blacklisted today");
        assert!(rows.iter().all(|r| r.credit_code != "" && r.region_name != ""));
        assert!(rows.iter().all(|r| r.is_list_entry() == r.points.is_none() && r.is_list_entry() == r.document_no.is_none()));
        let mine: Vec<&PublicCreditRow> = rows.iter().filter(|r| r.credit_code == code).collect();
        assert!(mine.len() >= 2 && mine[0].date == today && mine[0].state == "in_force");

        for kind in ["reward", "penalty", "red", "black"] {
            narrows(&app, &rows, CreditRecordQuery { kind: Some(kind.into()), ..Default::default() }, |r| r.kind == kind).await;
        }
        narrows(&app, &rows, CreditRecordQuery { q: Some(code.to_lowercase()), ..Default::default() }, |r| r.credit_code == code).await;
        let fragment: String = name.chars().skip(2).take(3).collect();
        narrows(&app, &rows, CreditRecordQuery { q: Some(fragment.clone()), ..Default::default() }, |r| r.firm_name.contains(&fragment)).await;
        let mid = rows[rows.len() / 2].date.clone();
        narrows(&app, &rows, CreditRecordQuery { from: Some(mid.clone()), ..Default::default() }, |r| r.date >= mid).await;
        narrows(&app, &rows, CreditRecordQuery { to: Some(mid.clone()), ..Default::default() }, |r| r.date <= mid).await;
        narrows(&app, &rows, CreditRecordQuery { from: Some(mid.clone()), to: Some(mid.clone()), ..Default::default() }, |r| r.date == mid).await;
        // region: the firm's city (a prefix), against the region codes of the firms
        let city = format!("{}00", &region[..4]);
        let in_city: Vec<String> = sqlx::query_scalar("SELECT credit_code FROM firms WHERE region_code LIKE $1").bind(format!("{}%", &region[..4])).fetch_all(pool).await.unwrap();
        narrows(&app, &rows, CreditRecordQuery { region: Some(city), ..Default::default() }, |r| in_city.contains(&r.credit_code)).await;
        // nothing matches: an empty list
        let (none, total) = listed_credit_records(&app, &CreditRecordQuery { q: Some("没有这家机构".into()), ..Default::default() }.validate().unwrap()).await;
        assert!(none.is_empty() && total == 0);
    }

    #[tokio::test]
    async fn exported_credit_records_are_exactly_the_listed_ones_in_order() {
        let app = TestApp::new().await;
        let pool = &app.state.pool;
        // ties on one date, across both tables
        let firm: i64 = sqlx::query_scalar("SELECT id FROM firms WHERE status = 'active' ORDER BY id DESC LIMIT 1").fetch_one(pool).await.unwrap();
        for _ in 0..3 {
            sqlx::query("INSERT INTO credit_records (firm_id, kind, title, points, decided_on, source, document_no, created_at) VALUES ($1, 'reward', '同日奖励事项', 2, '2026-03-02', 'regulator', '测试〔2026〕2号', 0)")
                .bind(firm).execute(pool).await.unwrap();
            sqlx::query("INSERT INTO credit_list_entries (firm_id, list, reason, valid_from, entered_at) VALUES ($1, 'red', '同日红名单事由', '2026-03-02', 0)")
                .bind(firm).execute(pool).await.unwrap();
        }
        let queries = [
            CreditRecordQuery::default(),
            CreditRecordQuery { kind: Some("penalty".into()), ..Default::default() },
            CreditRecordQuery { kind: Some("red".into()), ..Default::default() },
            CreditRecordQuery { kind: Some("black".into()), ..Default::default() },
            CreditRecordQuery { region: Some("510100".into()), ..Default::default() },
            CreditRecordQuery { from: Some("2026-01-01".into()), to: Some("2026-06-30".into()), ..Default::default() },
            CreditRecordQuery { q: Some("有限".into()), ..Default::default() },
        ];
        for raw in &queries {
            let q = raw.validate().unwrap();
            let (want, total) = listed_credit_records(&app, &q).await;
            assert_eq!(want.len() as u64, total);
            assert!(!want.is_empty(), "{q:?}");
            for batch in [1, 3, 7, BATCH] {
                assert_eq!(exported_credit_records(&app, &q, batch).await, want, "{q:?} in batches of {batch}");
            }
            assert_eq!(credit_records_count(pool, &q).await.unwrap() as u64, total);
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
