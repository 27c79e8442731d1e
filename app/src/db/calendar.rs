//! The working-day calendar as data (#8): versions imported by the operator
//! from the calendar CSV (`domain::calendar::WorkCalendar::from_csv`), the
//! latest in force. The official 2025–2026 schedules
//! (`data/reference/calendar-cn.csv`, generated from the npm package
//! `chinese-days`) are the first version of every database.
use super::Pool;
use crate::domain::calendar::{CalendarCsvError, WorkCalendar};
pub use crate::model::calendar::CalendarVersion;

/// The official schedules shipped with the app.
pub const OFFICIAL_CSV: &str = include_str!("../../../data/reference/calendar-cn.csv");
pub const OFFICIAL_NOTE: &str = "国务院办公厅部分节假日安排(2025—2026 年,导入自 npm chinese-days)";

/// The calendar in force: the latest version (weekends only when there is none).
pub async fn in_force<'e, E: sqlx::Executor<'e, Database = sqlx::Any>>(ex: E) -> Result<WorkCalendar, sqlx::Error> {
    let rows: Vec<(String, String)> = sqlx::query_as(
        "SELECT date, kind FROM calendar_days WHERE version_id = (SELECT MAX(id) FROM calendar_versions)",
    )
    .fetch_all(ex)
    .await?;
    let mut cal = WorkCalendar::weekends_only();
    for (date, kind) in rows {
        if kind == "workday" {
            cal.workdays.insert(date);
        } else {
            cal.holidays.insert(date);
        }
    }
    Ok(cal)
}

/// Stores `csv` as a new version in force from now on; a refused line leaves
/// everything as it was.
pub async fn import(pool: &Pool, csv: &str, note: &str, by: Option<i64>, now: i64) -> Result<Result<i64, CalendarCsvError>, sqlx::Error> {
    let cal = match WorkCalendar::from_csv(csv) {
        Ok(c) => c,
        Err(e) => return Ok(Err(e)),
    };
    let names: std::collections::HashMap<&str, &str> = csv
        .lines()
        .skip(1)
        .filter_map(|l| {
            let mut c = l.splitn(3, ',');
            Some((c.next()?.trim(), c.nth(1).unwrap_or("").trim()))
        })
        .collect();
    let mut tx = crate::db::begin_write_on(&pool).await?;
    let (id,): (i64,) = sqlx::query_as("INSERT INTO calendar_versions (note, created_by, created_at) VALUES ($1, $2, $3) RETURNING id")
        .bind(note)
        .bind(by)
        .bind(now)
        .fetch_one(&mut *tx)
        .await?;
    for (kind, dates) in [("holiday", &cal.holidays), ("workday", &cal.workdays)] {
        for date in dates {
            sqlx::query("INSERT INTO calendar_days (version_id, date, kind, name) VALUES ($1, $2, $3, $4)")
                .bind(id)
                .bind(date)
                .bind(kind)
                .bind(names.get(date.as_str()).copied().unwrap_or(""))
                .execute(&mut *tx)
                .await?;
        }
    }
    tx.commit().await?;
    Ok(Ok(id))
}

/// A new database starts with the official schedules (once).
pub async fn seed_official(pool: &Pool, now: i64) -> Result<(), sqlx::Error> {
    let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM calendar_versions").fetch_one(pool).await?;
    if n == 0 {
        import(pool, OFFICIAL_CSV, OFFICIAL_NOTE, None, now).await?.expect("the shipped calendar parses");
    }
    Ok(())
}

/// Every version, newest first.
pub async fn versions(pool: &Pool) -> Result<Vec<CalendarVersion>, sqlx::Error> {
    sqlx::query_as(
        "SELECT v.id, v.note, v.created_at, u.username AS created_by, \
         CAST(COALESCE(SUM(CASE WHEN d.kind = 'holiday' THEN 1 ELSE 0 END), 0) AS BIGINT) AS holidays, \
         CAST(COALESCE(SUM(CASE WHEN d.kind = 'workday' THEN 1 ELSE 0 END), 0) AS BIGINT) AS workdays, \
         MIN(d.date) AS first_date, MAX(d.date) AS last_date \
         FROM calendar_versions v LEFT JOIN users u ON u.id = v.created_by \
         LEFT JOIN calendar_days d ON d.version_id = v.id \
         GROUP BY v.id, v.note, v.created_at, u.username ORDER BY v.id DESC",
    )
    .fetch_all(pool)
    .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::testing::TestApp;

    #[tokio::test]
    async fn the_official_schedules_are_in_force_and_a_new_version_replaces_them_whole() {
        let app = TestApp::with_demo(None).await;
        let pool = &app.state.pool;
        let cal = in_force(pool).await.unwrap();
        assert!(cal.is_working_day("2026-02-14") && !cal.is_working_day("2026-02-16"), "the 2026 Spring Festival");
        assert_eq!(crate::db::trading::calendar(pool).await.unwrap(), cal, "deadlines use it");
        seed_official(pool, 1).await.unwrap();
        assert_eq!(versions(pool).await.unwrap().len(), 1, "seeded once");

        // a refused import names the line and changes nothing
        let bad = import(pool, "date,kind,name\n2027-02-06,holiday,春节\n2027-02-08,workday,春节\n", "2027", None, 2).await.unwrap();
        assert_eq!(bad.unwrap_err().line, 3);
        assert_eq!(versions(pool).await.unwrap().len(), 1);
        // a good one is in force from now on, the old one kept in the list
        let id = import(pool, "date,kind,name\n2027-02-06,holiday,春节\n2027-02-07,workday,春节\n", "2027 年安排", None, 3).await.unwrap().unwrap();
        let v = versions(pool).await.unwrap();
        assert_eq!((v.len(), v[0].id, v[0].holidays, v[0].workdays), (2, id, 1, 1));
        assert_eq!(v[0].first_date.as_deref(), Some("2027-02-06"));
        let cal = in_force(pool).await.unwrap();
        assert!(cal.is_working_day("2027-02-07") && !cal.is_working_day("2027-02-06"));
        assert!(cal.is_working_day("2026-02-16"), "a version is a whole calendar");
    }
}
