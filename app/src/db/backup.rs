//! Backups of the embedded SQLite database: an online snapshot taken while the
//! server runs (`VACUUM INTO`: one consistent read transaction, written as a new
//! compact file), and a restore that checks the snapshot before it replaces the
//! database and keeps the replaced one beside it. PostgreSQL is backed up with
//! its own tools (`pg_dump` / `pg_restore`, see the README).
use super::{connect, Backend, DbError};
use std::path::{Path, PathBuf};

/// Tables whose row counts a backup and a restore report (the user's data; a
/// restore can be compared with the backup's report).
pub const COUNTED: [&str; 6] = ["users", "firms", "procurements", "contracts", "payments", "audit_log"];

/// What a snapshot holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Snapshot {
    pub path: PathBuf,
    pub bytes: u64,
    /// `(table, rows)` for [`COUNTED`].
    pub counts: Vec<(String, i64)>,
}

/// The SQLite file of a `sqlite://` URL (query string dropped).
pub fn sqlite_path(database_url: &str) -> Result<PathBuf, String> {
    if Backend::from_url(database_url) != Some(Backend::Sqlite) {
        return Err("backup and restore work on a SQLite database; for PostgreSQL use pg_dump / pg_restore (README: Backups)".into());
    }
    let rest = database_url.trim_start_matches("sqlite:").trim_start_matches("//");
    let file = rest.split('?').next().unwrap_or_default();
    if file.is_empty() || file == ":memory:" {
        return Err(format!("not a database file: {database_url}"));
    }
    Ok(PathBuf::from(file))
}

/// Writes a consistent copy of the running database to `to` (which must not
/// exist yet), checks it and reports what it holds.
pub async fn backup(database_url: &str, to: &Path) -> Result<Snapshot, String> {
    sqlite_path(database_url)?;
    if to.exists() {
        return Err(format!("{} exists already; choose a new file name", to.display()));
    }
    let target = to.to_str().ok_or_else(|| format!("not a UTF-8 path: {}", to.display()))?;
    let (pool, _) = connect(database_url, 1).await.map_err(|e| format!("cannot open {database_url}: {e}"))?;
    let done = sqlx::query("VACUUM INTO $1").bind(target).execute(&pool).await;
    pool.close().await;
    done.map_err(|e| format!("backup to {} failed: {e}", to.display()))?;
    inspect(to).await
}

/// Checks a snapshot (`PRAGMA integrity_check`, migrations present) and counts its rows.
pub async fn inspect(file: &Path) -> Result<Snapshot, String> {
    if !file.is_file() {
        return Err(format!("{} is not a file", file.display()));
    }
    use sqlx::Connection;
    let options = sqlx::sqlite::SqliteConnectOptions::new().filename(file).read_only(true);
    let mut conn = sqlx::SqliteConnection::connect_with(&options).await.map_err(|e| format!("cannot open {}: {e}", file.display()))?;
    let result = async {
        let check: String = sqlx::query_scalar("PRAGMA integrity_check")
            .fetch_one(&mut conn)
            .await
            .map_err(|_| format!("{} is not a SQLite database", file.display()))?;
        if check != "ok" {
            return Err(format!("{} is damaged: {check}", file.display()));
        }
        let migrations: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM _sqlx_migrations")
            .fetch_one(&mut conn)
            .await
            .map_err(|_| format!("{} is not a zjcs database", file.display()))?;
        if migrations == 0 {
            return Err(format!("{} is not a zjcs database", file.display()));
        }
        let mut counts = Vec::new();
        for table in COUNTED {
            let n: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table}")).fetch_one(&mut conn).await.map_err(|e: DbError| e.to_string())?;
            counts.push((table.to_string(), n));
        }
        Ok(counts)
    }
    .await;
    let _ = conn.close().await;
    let counts = result?;
    let bytes = std::fs::metadata(file).map(|m| m.len()).unwrap_or(0);
    Ok(Snapshot { path: file.to_path_buf(), bytes, counts })
}

/// Replaces the database of `database_url` by the snapshot `from`, with the
/// server stopped. The snapshot is checked first; the replaced database (with its
/// WAL) is kept as `<file>.before-restore-<unix seconds>`. Returns the restored
/// snapshot's report and where the old database went.
pub async fn restore(from: &Path, database_url: &str, now_secs: i64) -> Result<(Snapshot, Option<PathBuf>), String> {
    let target = sqlite_path(database_url)?;
    let snapshot = inspect(from).await?;
    let staged = with_suffix(&target, ".restoring");
    std::fs::copy(from, &staged).map_err(|e| format!("cannot copy {} to {}: {e}", from.display(), staged.display()))?;
    std::fs::File::open(&staged).and_then(|f| f.sync_all()).map_err(|e| e.to_string())?;
    let kept = if target.exists() {
        let aside = with_suffix(&target, &format!(".before-restore-{now_secs}"));
        std::fs::rename(&target, &aside).map_err(|e| format!("cannot move the old database aside: {e}"))?;
        // the old write-ahead log belongs to the old file: it goes with it
        for ext in ["-wal", "-shm"] {
            let side = with_suffix(&target, ext);
            if side.exists() {
                std::fs::rename(&side, with_suffix(&aside, ext)).map_err(|e| format!("cannot move {}: {e}", side.display()))?;
            }
        }
        Some(aside)
    } else {
        None
    };
    std::fs::rename(&staged, &target).map_err(|e| format!("cannot put the restored database in place: {e}"))?;
    Ok((Snapshot { path: target, ..snapshot }, kept))
}

fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut s = path.as_os_str().to_os_string();
    s.push(suffix);
    PathBuf::from(s)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::testing::TestApp;

    fn count(s: &Snapshot, table: &str) -> i64 {
        s.counts.iter().find(|(t, _)| t == table).map(|(_, n)| *n).unwrap()
    }

    #[test]
    fn only_sqlite_files_are_backed_up_here() {
        assert_eq!(sqlite_path("sqlite://data/zjcs.db").unwrap(), PathBuf::from("data/zjcs.db"));
        assert_eq!(sqlite_path("sqlite:///tmp/a.db?mode=rwc").unwrap(), PathBuf::from("/tmp/a.db"));
        assert!(sqlite_path("postgres://u@h/db").unwrap_err().contains("pg_dump"));
        assert!(sqlite_path("sqlite::memory:").is_err());
    }

    #[tokio::test]
    async fn an_online_backup_restores_the_data_of_its_moment() {
        let app = TestApp::new().await;
        if app.backend() != Backend::Sqlite {
            return; // PostgreSQL: pg_dump / pg_restore, checked by scripts/backup-check.sh
        }
        let url = app.database_url.clone();
        let dir = std::env::temp_dir().join(format!("zjcs-backup-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("snapshot.db");
        // taken while the app's pool is open and in use
        let snap = backup(&url, &file).await.unwrap();
        assert!(count(&snap, "procurements") > 0 && count(&snap, "firms") > 0, "{snap:?}");
        assert!(backup(&url, &file).await.unwrap_err().contains("exists already"), "never overwrites a backup");

        // after the backup, data changes: every firm is renamed
        sqlx::query("UPDATE firms SET name = '改名后的单位'").execute(&app.state.pool).await.unwrap();
        app.state.pool.close().await;
        let renamed = |file: PathBuf| async move {
            use sqlx::Connection;
            let mut c = sqlx::SqliteConnection::connect_with(&sqlx::sqlite::SqliteConnectOptions::new().filename(&file)).await.unwrap();
            let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM firms WHERE name = '改名后的单位'").fetch_one(&mut c).await.unwrap();
            n
        };

        let (restored, kept) = restore(&file, &url, 1_700_000_000).await.unwrap();
        assert_eq!(restored.counts, snap.counts, "the restored database holds exactly the backup");
        assert_eq!(renamed(sqlite_path(&url).unwrap()).await, 0, "the change after the backup is gone");
        let kept = kept.expect("the replaced database is kept");
        assert!(kept.to_string_lossy().ends_with(".before-restore-1700000000"));
        assert_eq!(renamed(kept).await, count(&snap, "firms"), "the kept file is the replaced database, with its last writes");
        std::fs::remove_dir_all(&dir).ok();
    }

    #[tokio::test]
    async fn a_damaged_or_foreign_file_is_not_restored() {
        let dir = std::env::temp_dir().join(format!("zjcs-restore-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let junk = dir.join("junk.db");
        std::fs::write(&junk, b"not a database at all, just text").unwrap();
        let target = dir.join("live.db");
        std::fs::write(&target, b"the live database").unwrap();
        let url = format!("sqlite://{}", target.display());
        assert!(restore(&junk, &url, 1).await.is_err());
        assert_eq!(std::fs::read(&target).unwrap(), b"the live database", "nothing replaced");
        assert!(restore(&dir.join("missing.db"), &url, 1).await.unwrap_err().contains("not a file"));
        std::fs::remove_dir_all(&dir).ok();
    }
}
