//! Database access (server only). One binary speaks SQLite or PostgreSQL through
//! sqlx's `Any` driver: integers, text and floats only; money in fen, times in
//! epoch milliseconds. Repositories hold SQL; business rules live in `domain`.
pub mod accounts;
pub mod audit;
pub mod backup;
pub mod calendar;
pub mod catalogue;
pub mod catalogue_admin;
pub mod complaints;
pub mod contracts;
pub mod credit;
pub mod demo;
pub mod firms;
pub mod exports;
pub mod ingest;
pub mod oidc;
pub mod performance;
pub mod notifications;
pub mod ocds;
pub mod files;
pub mod notices;
pub mod onboarding;
pub mod portal;
pub mod public_api;
pub mod public_info;
pub mod timeliness;
pub mod ratings;
pub mod redflags;
pub mod reference;
pub mod sessions;
pub mod register;
pub mod sql;
pub mod stats;
#[cfg(test)]
pub mod testing;
pub mod timelimits;
pub mod trading;

use sqlx::any::AnyPoolOptions;
use std::time::Duration;

pub type Pool = sqlx::AnyPool;
pub use sqlx::Error as DbError;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn from_url(url: &str) -> Option<Backend> {
        if url.starts_with("sqlite:") {
            Some(Backend::Sqlite)
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Some(Backend::Postgres)
        } else {
            None
        }
    }
}

/// Normalises a SQLite URL so the file is created when missing (and its folder too).
pub fn prepare_url(url: &str) -> String {
    if Backend::from_url(url) != Some(Backend::Sqlite) {
        return url.to_string();
    }
    let path = url.trim_start_matches("sqlite://").trim_start_matches("sqlite:");
    let file = path.split('?').next().unwrap_or("");
    if !file.is_empty() && file != ":memory:" {
        if let Some(dir) = std::path::Path::new(file).parent() {
            if !dir.as_os_str().is_empty() {
                let _ = std::fs::create_dir_all(dir);
            }
        }
    }
    if url.contains("mode=") {
        url.to_string()
    } else if url.contains('?') {
        format!("{url}&mode=rwc")
    } else {
        format!("{url}?mode=rwc")
    }
}

/// Opens a pool; SQLite gets WAL, foreign keys and a busy timeout.
pub async fn connect(url: &str, max_connections: u32) -> Result<(Pool, Backend), sqlx::Error> {
    sqlx::any::install_default_drivers();
    let backend = Backend::from_url(url)
        .ok_or_else(|| sqlx::Error::Configuration(format!("unsupported DATABASE_URL: {url}").into()))?;
    let url = prepare_url(url);
    let mut options = AnyPoolOptions::new()
        .max_connections(max_connections)
        .acquire_timeout(Duration::from_secs(5));
    if backend == Backend::Sqlite {
        options = options.after_connect(|conn, _meta| {
            Box::pin(async move {
                use sqlx::Executor;
                conn.execute("PRAGMA foreign_keys = ON").await?;
                conn.execute("PRAGMA busy_timeout = 5000").await?;
                conn.execute("PRAGMA synchronous = NORMAL").await?;
                Ok(())
            })
        });
    }
    let pool = options.connect(&url).await?;
    if backend == Backend::Sqlite {
        sqlx::query("PRAGMA journal_mode = WAL").execute(&pool).await?;
    }
    Ok((pool, backend))
}

/// Applies the migrations of the backend.
pub async fn migrate(pool: &Pool, backend: Backend) -> Result<(), sqlx::migrate::MigrateError> {
    match backend {
        Backend::Sqlite => sqlx::migrate!("../migrations/sqlite").run(pool).await,
        Backend::Postgres => sqlx::migrate!("../migrations/postgres").run(pool).await,
    }
}

/// A value from `app_meta`.
pub async fn meta_get(pool: &Pool, key: &str) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar::<_, String>("SELECT value FROM app_meta WHERE key = $1")
        .bind(key)
        .fetch_optional(pool)
        .await
}

pub async fn meta_set<'e, E>(executor: E, key: &str, value: &str) -> Result<(), sqlx::Error>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    sqlx::query(
        "INSERT INTO app_meta (key, value) VALUES ($1, $2) \
         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
    )
    .bind(key)
    .bind(value)
    .execute(executor)
    .await?;
    Ok(())
}

/// The daily recomputation (run at start-up and then once per Shanghai date,
/// by whichever instance claims the date first): star levels and the
/// poor-rating rule (ratings age out of their windows, downgrade caps and
/// suspensions end), then credit scores and grades (records and list entries

/// Begins a write transaction on `pool`. On SQLite it is `BEGIN IMMEDIATE`:
/// the write lock is taken at once, so a transaction that reads before it
/// writes waits on the busy timeout for another writer (the scheduler, the
/// nightly run) instead of failing with "database is locked" when that writer
/// committed in between. PostgreSQL begins as usual.
pub async fn begin_write_on(pool: &Pool) -> Result<sqlx::Transaction<'static, sqlx::Any>, sqlx::Error> {
    if pool.connect_options().database_url.scheme().starts_with("sqlite") {
        pool.begin_with("BEGIN IMMEDIATE").await
    } else {
        pool.begin().await
    }
}

/// end by date). `true` when this call did the work.
pub async fn nightly(state: &crate::state::AppState, now: i64) -> Result<bool, sqlx::Error> {
    const KEY: &str = "nightly_recompute";
    let today = crate::domain::time::date_shanghai(now);
    if meta_get(&state.pool, KEY).await?.as_deref() == Some(today.as_str()) {
        return Ok(false);
    }
    sqlx::query("INSERT INTO app_meta (key, value) VALUES ($1, '') ON CONFLICT (key) DO NOTHING").bind(KEY).execute(&state.pool).await?;
    let claimed = sqlx::query("UPDATE app_meta SET value = $2 WHERE key = $1 AND value <> $2").bind(KEY).bind(&today).execute(&state.pool).await?.rows_affected() == 1;
    if claimed {
        ratings::recompute_all(state, now).await?;
        credit::recompute_all(state, now).await?;
        redflags::run(state, now).await?;
        // finished stages without a clock first: the scores count them
        timelimits::backfill(state).await?;
        performance::run(state, now).await?;
    }
    Ok(claimed)
}
