//! Summary tables of the statistics dashboard (统计分析, #7).
//!
//! Counting rule: a published project and everything that follows from it
//! (award, contract, delivery, rating) count in the Asia/Shanghai day it was
//! published, in its region, industry, item, method and funding. Drafts and
//! projects cancelled before publication (`published_at` NULL) do not count.
//!
//! `stats_contrib` holds what each procurement currently contributes;
//! `stats_daily` (with the item) and `stats_cube` (without the item and the
//! day: per region at three levels, method or all, funding or all, month and
//! year; what every view without an item reads) hold the sums.
//! Triggers queue every procurement whose figures may have changed in
//! `stats_dirty`; [`drain`] (the server calls it every second) recomputes the
//! queued procurements and applies the difference old → new; [`rebuild`]
//! recomputes everything set-based (after a bulk load, or `--rebuild-stats`).
//! Both compute a contribution with the same SQL ([`contrib_sql`]), so the
//! incremental tables always equal a rebuild.
mod query;
#[cfg(test)]
mod tests;

pub use query::{dashboard, period_key};

use super::sql::{Arg, Sql};
use super::{Backend, Pool};
use crate::model::dashboard::Figures;
use crate::state::AppState;
use sqlx::Row;
use std::collections::{BTreeMap, BTreeSet};

/// Queue entries taken per [`drain`] call.
pub const DRAIN_BATCH: usize = 1000;

/// PostgreSQL advisory lock held by whoever writes the summary tables, so
/// several server instances never apply a difference twice.
const LOCK_KEY: i64 = 70070;

/// The measure columns, in `Figures` order.
pub const MEASURES: [&str; 12] = [
    "published",
    "selected",
    "failed",
    "budget_fen",
    "award_fen",
    "contract_fen",
    "participants",
    "completed",
    "on_time",
    "service_days",
    "rating_sum",
    "rating_count",
];

/// What one procurement contributes: where it counts and what.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Contribution {
    pub procurement_id: i64,
    /// Shanghai date of publication, `YYYY-MM-DD`.
    pub day: String,
    pub region_code: String,
    pub industry_code: String,
    pub item_id: i64,
    pub method: String,
    pub funding: String,
    pub figures: Figures,
}

impl Contribution {
    pub fn month(&self) -> String {
        self.day[..7].to_string()
    }
    pub fn city_code(&self) -> String {
        city_of(&self.region_code)
    }
    fn from_row(row: &sqlx::any::AnyRow) -> Result<Contribution, sqlx::Error> {
        Ok(Contribution {
            procurement_id: row.try_get("procurement_id")?,
            day: row.try_get("day")?,
            region_code: row.try_get("region_code")?,
            industry_code: row.try_get("industry_code")?,
            item_id: row.try_get("item_id")?,
            method: row.try_get("method")?,
            funding: row.try_get("funding")?,
            figures: figures_from_row(row)?,
        })
    }
}

/// The city (prefecture) code of a region: first four digits + `00`.
pub fn city_of(region_code: &str) -> String {
    format!("{}00", &region_code[..region_code.len().min(4)])
}

/// Reads the twelve measure columns (by name) of a row.
pub fn figures_from_row(row: &sqlx::any::AnyRow) -> Result<Figures, sqlx::Error> {
    let v = |c: &str| row.try_get::<i64, _>(c);
    Ok(Figures {
        published: v("published")?,
        selected: v("selected")?,
        failed: v("failed")?,
        budget_fen: v("budget_fen")?,
        award_fen: v("award_fen")?,
        contract_fen: v("contract_fen")?,
        participants: v("participants")?,
        completed: v("completed")?,
        on_time: v("on_time")?,
        service_days: v("service_days")?,
        rating_sum: v("rating_sum")?,
        rating_count: v("rating_count")?,
    })
}

fn measures(f: &Figures) -> [i64; 12] {
    [
        f.published,
        f.selected,
        f.failed,
        f.budget_fen,
        f.award_fen,
        f.contract_fen,
        f.participants,
        f.completed,
        f.on_time,
        f.service_days,
        f.rating_sum,
        f.rating_count,
    ]
}

/// The Shanghai date (`YYYY-MM-DD`) of an epoch-ms column, in SQL.
fn day_sql(backend: Backend, column: &str) -> String {
    match backend {
        Backend::Sqlite => format!("strftime('%Y-%m-%d', ({column} + 28800000) / 1000, 'unixepoch')"),
        Backend::Postgres => format!("to_char(DATE '1970-01-01' + CAST(({column} + 28800000) / 86400000 AS INTEGER), 'YYYY-MM-DD')"),
    }
}

/// The contribution of published procurements, one row each (columns named as
/// in `stats_contrib`, without month and city). `ids`: only these procurements
/// (bound as parameters); `None`: all of them (the rebuild).
///
/// Measures: published 1; selected: status `selected` with a (not void) award;
/// failed: status `failed`; budget and award amount when selected; the price of
/// the signed contracts not lapsed or terminated; registered participations;
/// completed contracts, those delivered by their due date, and their whole days
/// from signing to delivery; ratings' four-dimension sums and their count.
pub fn contrib_sql(backend: Backend, ids: Option<&[i64]>) -> Sql {
    let mut s = Sql::new("");
    let filter = |s: &mut Sql, column: &str| {
        if let Some(ids) = ids {
            s.push(" AND ").push(column).push(" IN (");
            for (i, id) in ids.iter().enumerate() {
                if i > 0 {
                    s.push(", ");
                }
                s.bind(*id);
            }
            s.push(")");
        }
    };
    let selected = "p.status = 'selected' AND a.amount_fen IS NOT NULL";
    s.push(&format!(
        "SELECT p.id AS procurement_id, {day} AS day, p.region_code, p.industry_code, p.item_id, p.method, p.funding, \
         CAST(1 AS BIGINT) AS published, \
         CAST(CASE WHEN {selected} THEN 1 ELSE 0 END AS BIGINT) AS selected, \
         CAST(CASE WHEN p.status = 'failed' THEN 1 ELSE 0 END AS BIGINT) AS failed, \
         CAST(CASE WHEN {selected} THEN p.budget_fen ELSE 0 END AS BIGINT) AS budget_fen, \
         CAST(CASE WHEN {selected} THEN a.amount_fen ELSE 0 END AS BIGINT) AS award_fen, \
         CAST(COALESCE(c.contract_fen, 0) AS BIGINT) AS contract_fen, \
         CAST(COALESCE(pa.participants, 0) AS BIGINT) AS participants, \
         CAST(COALESCE(c.completed, 0) AS BIGINT) AS completed, \
         CAST(COALESCE(c.on_time, 0) AS BIGINT) AS on_time, \
         CAST(COALESCE(c.service_days, 0) AS BIGINT) AS service_days, \
         CAST(COALESCE(r.rating_sum, 0) AS BIGINT) AS rating_sum, \
         CAST(COALESCE(r.rating_count, 0) AS BIGINT) AS rating_count \
         FROM procurements p \
         LEFT JOIN awards a ON a.procurement_id = p.id AND a.status <> 'void' \
         LEFT JOIN (SELECT procurement_id, \
           SUM(CASE WHEN signed_at IS NOT NULL AND status NOT IN ('lapsed', 'terminated') THEN price_fen ELSE 0 END) AS contract_fen, \
           SUM(CASE WHEN status = 'completed' THEN 1 ELSE 0 END) AS completed, \
           SUM(CASE WHEN status = 'completed' AND delivered_at <= due_at THEN 1 ELSE 0 END) AS on_time, \
           SUM(CASE WHEN status = 'completed' AND delivered_at IS NOT NULL AND signed_at IS NOT NULL \
               THEN (delivered_at - signed_at) / 86400000 ELSE 0 END) AS service_days \
           FROM contracts WHERE 1 = 1",
        day = day_sql(backend, "p.published_at"),
    ));
    filter(&mut s, "procurement_id");
    s.push(
        " GROUP BY procurement_id) c ON c.procurement_id = p.id \
         LEFT JOIN (SELECT procurement_id, COUNT(*) AS participants FROM participations WHERE status = 'registered'",
    );
    filter(&mut s, "procurement_id");
    s.push(
        " GROUP BY procurement_id) pa ON pa.procurement_id = p.id \
         LEFT JOIN (SELECT rc.procurement_id, SUM(rr.timeliness + rr.quality + rr.attitude + rr.fee_compliance) AS rating_sum, \
           COUNT(*) AS rating_count FROM ratings rr JOIN contracts rc ON rc.id = rr.contract_id WHERE 1 = 1",
    );
    filter(&mut s, "rc.procurement_id");
    s.push(" GROUP BY rc.procurement_id) r ON r.procurement_id = p.id WHERE p.published_at IS NOT NULL");
    filter(&mut s, "p.id");
    s
}

/// What one procurement contributes now (computed from the raw tables);
/// `None` when it does not count (not published, or unknown).
pub async fn contribution<'e, E>(executor: E, backend: Backend, procurement_id: i64) -> Result<Option<Contribution>, sqlx::Error>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let sql = contrib_sql(backend, Some(&[procurement_id]));
    let row = sql.query().fetch_optional(executor).await?;
    row.as_ref().map(Contribution::from_row).transpose()
}

async fn contributions(tx: &mut super::trading::Tx<'_>, backend: Backend, ids: &[i64]) -> Result<BTreeMap<i64, Contribution>, sqlx::Error> {
    let mut out = BTreeMap::new();
    // four IN lists per statement: stay well under the bind limits
    for chunk in ids.chunks(200) {
        let sql = contrib_sql(backend, Some(chunk));
        for row in sql.query().fetch_all(&mut **tx).await? {
            let c = Contribution::from_row(&row)?;
            out.insert(c.procurement_id, c);
        }
    }
    Ok(out)
}

async fn stored(tx: &mut super::trading::Tx<'_>, ids: &[i64]) -> Result<BTreeMap<i64, Contribution>, sqlx::Error> {
    let mut out = BTreeMap::new();
    for chunk in ids.chunks(500) {
        let mut sql = Sql::new(&format!(
            "SELECT procurement_id, day, region_code, industry_code, item_id, method, funding, {} FROM stats_contrib WHERE procurement_id IN (",
            MEASURES.join(", ")
        ));
        for (i, id) in chunk.iter().enumerate() {
            if i > 0 {
                sql.push(", ");
            }
            sql.bind(*id);
        }
        sql.push(")");
        for row in sql.query().fetch_all(&mut **tx).await? {
            let c = Contribution::from_row(&row)?;
            out.insert(c.procurement_id, c);
        }
    }
    Ok(out)
}

/// Key of a `stats_daily` row: day, region, industry, item, method, funding.
type DailyKey = (String, String, String, i64, String, String);

/// Key of a `stats_cube` row: level, region, parent, method, funding, period,
/// industry.
type CubeKey = (i64, String, String, String, String, String, String);

/// The province code of a region: first two digits + `0000`.
pub fn province_of(region_code: &str) -> String {
    format!("{}0000", &region_code[..region_code.len().min(2)])
}

/// The `stats_cube` rows a contribution counts in (see
/// migrations/sqlite/0025_stats_cube.sql): three levels × its method and '*' ×
/// its funding and '*' × its month and its year.
fn cube_keys(c: &Contribution) -> Vec<CubeKey> {
    let (city, province) = (c.city_code(), province_of(&c.region_code));
    let levels = [(3, c.region_code.clone(), city.clone()), (2, city, province.clone()), (1, province, String::new())];
    let mut keys = Vec::with_capacity(24);
    for (level, region, parent) in &levels {
        for method in [c.method.as_str(), ALL] {
            for funding in [c.funding.as_str(), ALL] {
                for period in [c.month(), c.day[..4].to_string()] {
                    keys.push((*level, region.clone(), parent.clone(), method.to_string(), funding.to_string(), period, c.industry_code.clone()));
                }
            }
        }
    }
    keys
}

/// The method or funding of `stats_cube` rows that count every one.
pub const ALL: &str = "*";

/// The differences to apply, per summary table and row.
#[derive(Default)]
struct Deltas {
    daily: BTreeMap<DailyKey, [i64; 12]>,
    cube: BTreeMap<CubeKey, [i64; 12]>,
}

impl Deltas {
    fn add(&mut self, c: &Contribution, sign: i64) {
        let m = measures(&c.figures);
        let bump = |d: &mut [i64; 12]| {
            for (x, v) in d.iter_mut().zip(m) {
                *x += sign * v;
            }
        };
        bump(
            self.daily
                .entry((c.day.clone(), c.region_code.clone(), c.industry_code.clone(), c.item_id, c.method.clone(), c.funding.clone()))
                .or_insert([0; 12]),
        );
        for key in cube_keys(c) {
            bump(self.cube.entry(key).or_insert([0; 12]));
        }
    }
}

/// Adds each delta to the row of `table` whose columns `dims` hold its values
/// (`key`: the table's primary key, a subset of `dims`), removing rows no
/// project counts in any more.
async fn apply(
    tx: &mut super::trading::Tx<'_>,
    table: &str,
    dims: &[&str],
    key: &[&str],
    deltas: impl Iterator<Item = (Vec<Arg>, [i64; 12])>,
) -> Result<(), sqlx::Error> {
    let upsert = upsert_sql(table, dims, key);
    let conditions: Vec<String> = dims.iter().enumerate().map(|(i, d)| format!("{d} = ${}", i + 1)).collect();
    let delete = format!("DELETE FROM {table} WHERE {} AND published = 0", conditions.join(" AND "));
    for (values, delta) in deltas {
        if delta.iter().all(|v| *v == 0) {
            continue;
        }
        let mut q = Sql { text: upsert.clone(), args: values.clone() };
        q.args.extend(delta.iter().map(|v| Arg::Int(*v)));
        q.query().execute(&mut **tx).await?;
        if delta[0] < 0 {
            Sql { text: delete.clone(), args: values }.query().execute(&mut **tx).await?;
        }
    }
    Ok(())
}

fn upsert_sql(table: &str, dims: &[&str], key: &[&str]) -> String {
    let cols: Vec<&str> = dims.iter().chain(MEASURES.iter()).copied().collect();
    let placeholders: Vec<String> = (1..=cols.len()).map(|i| format!("${i}")).collect();
    let sets: Vec<String> = MEASURES.iter().map(|m| format!("{m} = {table}.{m} + excluded.{m}")).collect();
    format!(
        "INSERT INTO {table} ({}) VALUES ({}) ON CONFLICT ({}) DO UPDATE SET {}",
        cols.join(", "),
        placeholders.join(", "),
        key.join(", "),
        sets.join(", ")
    )
}

/// The statements that fill `stats_cube` from `stats_contrib` (an empty cube),
/// level by level, then every method, every funding and the years; the same as
/// migrations/*/0025_stats_cube.sql.
fn cube_fill_sql() -> Vec<String> {
    let m = MEASURES.join(", ");
    let sums: Vec<String> = MEASURES.iter().map(|c| format!("SUM({c})")).collect();
    let sums = sums.join(", ");
    let insert = format!("INSERT INTO stats_cube (level, region_code, parent_code, method, funding, period, industry_code, {m}) SELECT");
    vec![
        format!("{insert} 3, region_code, city_code, method, funding, month, industry_code, {sums} FROM stats_contrib GROUP BY region_code, city_code, method, funding, month, industry_code"),
        format!("{insert} 2, parent_code, substr(parent_code, 1, 2) || '0000', method, funding, period, industry_code, {sums} FROM stats_cube WHERE level = 3 GROUP BY parent_code, method, funding, period, industry_code"),
        format!("{insert} 1, parent_code, '', method, funding, period, industry_code, {sums} FROM stats_cube WHERE level = 2 GROUP BY parent_code, method, funding, period, industry_code"),
        format!("{insert} level, region_code, parent_code, '*', funding, period, industry_code, {sums} FROM stats_cube GROUP BY level, region_code, parent_code, funding, period, industry_code"),
        format!("{insert} level, region_code, parent_code, method, '*', period, industry_code, {sums} FROM stats_cube GROUP BY level, region_code, parent_code, method, period, industry_code"),
        format!("{insert} level, region_code, parent_code, method, funding, substr(period, 1, 4), industry_code, {sums} FROM stats_cube GROUP BY level, region_code, parent_code, method, funding, substr(period, 1, 4), industry_code"),
    ]
}

/// Applies the queued changes: takes up to [`DRAIN_BATCH`] queue entries in one
/// write transaction, recomputes each queued procurement's contribution,
/// applies (new − old) to `stats_daily` and `stats_cube` (rows no project
/// counts in any more are removed), stores the new contributions and removes
/// the entries taken. Returns the number of queue entries taken (0: nothing to
/// do, or another instance is draining on PostgreSQL).
pub async fn drain(state: &AppState, _now: i64) -> Result<usize, sqlx::Error> {
    let backend = state.backend;
    // the usual case, an empty queue, without taking the write lock
    let any: Option<i64> = sqlx::query_scalar("SELECT id FROM stats_dirty LIMIT 1").fetch_optional(&state.pool).await?;
    if any.is_none() {
        return Ok(0);
    }
    let mut tx = super::trading::begin_write(state).await?;
    if backend == Backend::Postgres {
        let got: bool = sqlx::query_scalar("SELECT pg_try_advisory_xact_lock($1)").bind(LOCK_KEY).fetch_one(&mut *tx).await?;
        if !got {
            return Ok(0);
        }
    }
    let queued: Vec<(i64, i64)> = sqlx::query_as("SELECT id, procurement_id FROM stats_dirty ORDER BY id LIMIT $1")
        .bind(DRAIN_BATCH as i64)
        .fetch_all(&mut *tx)
        .await?;
    if queued.is_empty() {
        return Ok(0);
    }
    let ids: Vec<i64> = queued.iter().map(|q| q.1).collect::<BTreeSet<_>>().into_iter().collect();
    let new = contributions(&mut tx, backend, &ids).await?;
    let old = stored(&mut tx, &ids).await?;

    let mut deltas = Deltas::default();
    for id in &ids {
        let (o, n) = (old.get(id), new.get(id));
        if o == n {
            continue;
        }
        if let Some(o) = o {
            deltas.add(o, -1);
        }
        if let Some(n) = n {
            deltas.add(n, 1);
        }
        match n {
            Some(n) => {
                let mut cols = vec!["procurement_id", "day", "month", "region_code", "city_code", "industry_code", "item_id", "method", "funding"];
                cols.extend(MEASURES);
                let placeholders: Vec<String> = (1..=cols.len()).map(|i| format!("${i}")).collect();
                let sets: Vec<String> = cols[1..].iter().map(|c| format!("{c} = excluded.{c}")).collect();
                let sql = format!(
                    "INSERT INTO stats_contrib ({}) VALUES ({}) ON CONFLICT (procurement_id) DO UPDATE SET {}",
                    cols.join(", "),
                    placeholders.join(", "),
                    sets.join(", ")
                );
                let mut q = sqlx::query(&sql)
                    .bind(n.procurement_id)
                    .bind(&n.day)
                    .bind(n.month())
                    .bind(&n.region_code)
                    .bind(n.city_code())
                    .bind(&n.industry_code)
                    .bind(n.item_id)
                    .bind(&n.method)
                    .bind(&n.funding);
                for v in measures(&n.figures) {
                    q = q.bind(v);
                }
                q.execute(&mut *tx).await?;
            }
            None => {
                sqlx::query("DELETE FROM stats_contrib WHERE procurement_id = $1").bind(id).execute(&mut *tx).await?;
            }
        }
    }

    apply(
        &mut tx,
        "stats_daily",
        &["day", "month", "region_code", "city_code", "industry_code", "item_id", "method", "funding"],
        &["day", "region_code", "industry_code", "item_id", "method", "funding"],
        deltas.daily.into_iter().map(|((day, region, industry, item, method, funding), delta)| {
            let (month, city) = (day[..7].to_string(), city_of(&region));
            (vec![day.into(), month.into(), region.into(), city.into(), industry.into(), item.into(), method.into(), funding.into()], delta)
        }),
    )
    .await?;
    apply(
        &mut tx,
        "stats_cube",
        &["level", "region_code", "parent_code", "method", "funding", "period", "industry_code"],
        &["level", "parent_code", "method", "funding", "period", "region_code", "industry_code"],
        deltas.cube.into_iter().map(|((level, region, parent, method, funding, period, industry), delta)| {
            (vec![level.into(), region.into(), parent.into(), method.into(), funding.into(), period.into(), industry.into()], delta)
        }),
    )
    .await?;

    // exactly the entries read: one queued meanwhile by a concurrent writer
    // (PostgreSQL) stays for the next call
    for chunk in queued.chunks(500) {
        let mut sql = Sql::new("DELETE FROM stats_dirty WHERE id IN (");
        for (i, (id, _)) in chunk.iter().enumerate() {
            if i > 0 {
                sql.push(", ");
            }
            sql.bind(*id);
        }
        sql.push(")");
        sql.query().execute(&mut *tx).await?;
    }
    tx.commit().await?;
    Ok(queued.len())
}

/// Drains until the queue is empty (tests, and the server after a burst).
pub async fn drain_all(state: &AppState, now: i64) -> Result<usize, sqlx::Error> {
    let mut total = 0;
    loop {
        let n = drain(state, now).await?;
        total += n;
        if n < DRAIN_BATCH {
            return Ok(total);
        }
    }
}

/// Recomputes the three summary tables from the raw tables, set-based (no loop
/// over procurements), and empties the queue. Returns the number of
/// procurements counted. On PostgreSQL it waits for a running [`drain`] and
/// holds writers of the queued tables back until it commits, so no change
/// slips between the recomputation and the emptying of the queue.
pub async fn rebuild(pool: &Pool, backend: Backend) -> Result<usize, sqlx::Error> {
    let mut tx = match backend {
        Backend::Sqlite => pool.begin_with("BEGIN IMMEDIATE").await?,
        Backend::Postgres => pool.begin().await?,
    };
    match backend {
        Backend::Postgres => {
            // waits for a running drain (the count only gives the void result a readable type)
            sqlx::query("SELECT COUNT(*) FROM (SELECT pg_advisory_xact_lock($1)) l").bind(LOCK_KEY).execute(&mut *tx).await?;
            sqlx::query("LOCK TABLE stats_dirty IN EXCLUSIVE MODE").execute(&mut *tx).await?;
            sqlx::query("TRUNCATE stats_daily, stats_cube, stats_contrib").execute(&mut *tx).await?;
        }
        Backend::Sqlite => {
            for table in ["stats_daily", "stats_cube", "stats_contrib"] {
                sqlx::query(&format!("DELETE FROM {table}")).execute(&mut *tx).await?;
            }
        }
    }
    let m = MEASURES.join(", ");
    let sums: Vec<String> = MEASURES.iter().map(|c| format!("CAST(SUM({c}) AS BIGINT)")).collect();
    let sums = sums.join(", ");
    let contrib = contrib_sql(backend, None);
    let counted = sqlx::query(&format!(
        "INSERT INTO stats_contrib (procurement_id, day, month, region_code, city_code, industry_code, item_id, method, funding, {m}) \
         SELECT procurement_id, day, substr(day, 1, 7), region_code, substr(region_code, 1, 4) || '00', industry_code, item_id, method, funding, {m} \
         FROM ({}) x",
        contrib.text
    ))
    .execute(&mut *tx)
    .await?
    .rows_affected();
    sqlx::query(&format!(
        "INSERT INTO stats_daily (day, month, region_code, city_code, industry_code, item_id, method, funding, {m}) \
         SELECT day, month, region_code, city_code, industry_code, item_id, method, funding, {sums} FROM stats_contrib \
         GROUP BY day, month, region_code, city_code, industry_code, item_id, method, funding"
    ))
    .execute(&mut *tx)
    .await?;
    for sql in cube_fill_sql() {
        sqlx::query(&sql).execute(&mut *tx).await?;
    }
    sqlx::query("DELETE FROM stats_dirty").execute(&mut *tx).await?;
    tx.commit().await?;
    Ok(counted as usize)
}
