//! Test databases: SQLite by default; PostgreSQL when `ZJCS_TEST_DATABASE` holds a
//! server URL (the test command starts a throwaway cluster and sets it). Every
//! test gets its own fresh database with reference data and a small demo market.
use super::demo::{DemoOptions, DemoReport};
use super::{connect, migrate, Backend};
use crate::state::{AppState, ManualClock};
use leptos::prelude::{provide_context, Owner};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;

/// 2026-11-20 10:00 Asia/Shanghai, the anchor of test markets.
pub const TEST_NOW_MS: i64 = 1_763_604_000_000 + 365 * 86_400_000;

/// The password of accounts made by `TestApp::account`.
pub const TEST_PASSWORD: &str = "Zhongjie-2026!";

/// What a test account is tied to.
#[derive(Clone, Copy, Default)]
pub struct AccountScope<'a> {
    pub firm_id: Option<i64>,
    pub owner_id: Option<i64>,
    pub region_code: Option<&'a str>,
    pub industry_code: Option<&'a str>,
}

static COUNTER: AtomicU32 = AtomicU32::new(0);

pub struct TestApp {
    pub state: AppState,
    pub clock: Arc<ManualClock>,
    pub demo: DemoReport,
    /// Free for tests to fill (e.g. a demo firm's credit code).
    pub demo_firm_code: String,
    /// The test database's URL (a SQLite file or a PostgreSQL database).
    pub database_url: String,
    owner: Owner,
    // Last field: dropped after the state's pool.
    _db: TestDb,
}

pub struct TempDir(pub std::path::PathBuf);
impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Where a test database lives; dropping it removes the database, so a full run
/// on PostgreSQL does not leave hundreds of databases (gigabytes) in the cluster.
pub enum TestDb {
    Sqlite(TempDir),
    /// (server URL, database name)
    Postgres(String, String),
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let TestDb::Postgres(server, name) = self {
            let (server, name) = (server.clone(), name.clone());
            // Drop runs inside the test's runtime: do the async work on a thread of its own.
            let _ = std::thread::spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().ok()?;
                rt.block_on(async {
                    let (admin, _) = connect(&server, 1).await.ok()?;
                    let dropped = sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).execute(&admin).await;
                    admin.close().await;
                    dropped.ok()
                })
            })
            .join();
        }
    }
}

/// The database URL for a new test database.
async fn fresh_url() -> (String, TestDb) {
    let n = COUNTER.fetch_add(1, Ordering::SeqCst);
    let tag = format!("{}_{}", std::process::id(), n);
    match std::env::var("ZJCS_TEST_DATABASE").ok().filter(|u| u.starts_with("postgres")) {
        Some(server) => {
            let (admin, _) = connect(&server, 1).await.expect("connect to the test PostgreSQL server");
            let name = format!("zjcs_test_{tag}");
            sqlx::query(&format!("CREATE DATABASE {name}")).execute(&admin).await.expect("create test database");
            admin.close().await;
            let base = server.rsplit_once('/').map(|(b, _)| b.to_string()).unwrap_or(server.clone());
            (format!("{base}/{name}"), TestDb::Postgres(server, name))
        }
        None => {
            let dir = std::env::temp_dir().join(format!("zjcs-test-{tag}"));
            std::fs::create_dir_all(&dir).unwrap();
            (format!("sqlite://{}/test.db", dir.display()), TestDb::Sqlite(TempDir(dir)))
        }
    }
}

impl TestApp {
    /// Fresh database with reference data and the small demo market.
    pub async fn new() -> TestApp {
        Self::with_demo(Some(DemoOptions::small(TEST_NOW_MS))).await
    }

    pub async fn with_demo(demo: Option<DemoOptions>) -> TestApp {
        let (url, dir) = fresh_url().await;
        let (pool, backend) = connect(&url, 4).await.expect("connect");
        migrate(&pool, backend).await.expect("migrate");
        super::reference::load(&pool, TEST_NOW_MS).await.expect("reference data");
        let report = match demo {
            Some(opts) => super::demo::load(&pool, backend, &opts, &|_| {}).await.expect("demo data"),
            None => DemoReport::default(),
        };
        let clock = Arc::new(ManualClock::new(TEST_NOW_MS));
        let live = crate::live::LiveHub::new(pool.clone(), backend);
        live.start(&url);
        let state = AppState {
            leptos_options: leptos::config::LeptosOptions::builder().output_name("zjcs").build(),
            pool,
            backend,
            clock: clock.clone(),
            attempts: Arc::new(crate::state::AttemptLimiter::new(crate::state::SIGN_IN_PER_MINUTE, clock.clone())),
            sealer: Arc::new(crate::sealing::Sealer::random()),
            live,
            smtp: None,
        };
        super::trading::seal_unsealed_open(&state, TEST_NOW_MS).await.expect("seal open demo procurements");
        let owner = Owner::new();
        owner.with(|| provide_context(state.clone()));
        TestApp { state, clock, demo: report, demo_firm_code: String::new(), database_url: url, owner, _db: dir }
    }

    pub fn backend(&self) -> Backend {
        self.state.backend
    }

    /// Runs a server function (or any future) with the app state in context.
    pub async fn run<F: std::future::Future>(&self, f: F) -> F::Output {
        self.owner.set();
        f.await
    }

    /// Starts a fresh browser session (no one signed in) for the calls that follow.
    pub fn new_session(&self) -> tower_sessions::Session {
        let store = Arc::new(super::sessions::DbSessionStore::new(self.state.pool.clone(), self.state.clock.clone()));
        let session = tower_sessions::Session::new(None, store, None);
        self.owner.with(|| provide_context(session.clone()));
        session
    }

    /// A fresh session signed in as `user_id` (as if it had signed in just now).
    pub async fn sign_in_as(&self, user_id: i64) -> tower_sessions::Session {
        let session = self.new_session();
        let (stamp,): (i64,) =
            sqlx::query_as("SELECT password_changed_at FROM users WHERE id = $1").bind(user_id).fetch_one(&self.state.pool).await.unwrap();
        let key = super::accounts::SessionUserStamp { user_id, stamp };
        session.insert(crate::api::ctx::USER_KEY, key).await.unwrap();
        session
    }

    /// Switches the calls that follow to an existing session (another browser).
    pub fn use_session(&self, session: &tower_sessions::Session) {
        self.owner.with(|| provide_context(session.clone()));
    }

    /// Creates an account with a fixed test password; returns its id.
    pub async fn account(&self, username: &str, role: crate::domain::accounts::Role, scope: AccountScope<'_>) -> i64 {
        let u = super::accounts::NewUser {
            username,
            password: TEST_PASSWORD,
            role,
            display_name: username,
            firm_id: scope.firm_id,
            owner_id: scope.owner_id,
            region_code: scope.region_code,
            industry_code: scope.industry_code,
        };
        super::accounts::create_user(&self.state.pool, &u, TEST_NOW_MS).await.expect("create test account")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The suite runs against the database the test command asked for, never silently another.
    #[tokio::test]
    async fn runs_on_the_requested_backend() {
        let app = TestApp::with_demo(None).await;
        let want = match std::env::var("ZJCS_TEST_DATABASE") {
            Ok(u) if u.starts_with("postgres") => Backend::Postgres,
            _ => Backend::Sqlite,
        };
        assert_eq!(app.backend(), want);
        let version: (String,) = sqlx::query_as(match want {
            Backend::Postgres => "SELECT version()",
            Backend::Sqlite => "SELECT 'SQLite ' || sqlite_version()",
        })
        .fetch_one(&app.state.pool)
        .await
        .unwrap();
        println!("test database: {}", version.0);
        if want == Backend::Sqlite {
            let (fk,): (i64,) = sqlx::query_as("PRAGMA foreign_keys").fetch_one(&app.state.pool).await.unwrap();
            assert_eq!(fk, 1, "foreign keys on");
            let (mode,): (String,) = sqlx::query_as("PRAGMA journal_mode").fetch_one(&app.state.pool).await.unwrap();
            assert_eq!(mode, "wal");
        }
    }

    /// Both migration sets define the same tables with the same columns.
    #[test]
    fn sqlite_and_postgres_schemas_match() {
        fn shape(sql: &str) -> Vec<(String, Vec<String>)> {
            let mut out = Vec::new();
            for part in sql.split("CREATE TABLE ").skip(1) {
                let name = part.split_whitespace().next().unwrap().to_string();
                // SQLite rebuilds a table it cannot alter (copy out, recreate with the
                // same columns, copy back); PostgreSQL alters it in place.
                if name.ends_with("_rebuild") || out.iter().any(|(n, _): &(String, Vec<String>)| *n == name) {
                    continue;
                }
                // the body ends at `);` or at a line opening with `)` (`) WITHOUT ROWID;`)
                let end = [part.find(");"), part.find("\n)")].into_iter().flatten().min().unwrap();
                let body = &part[part.find('(').unwrap() + 1..end];
                let cols = body
                    .lines()
                    .map(str::trim)
                    .filter(|l| !l.is_empty() && !l.starts_with("PRIMARY") && !l.starts_with("UNIQUE") && !l.starts_with("--"))
                    .map(|l| l.split_whitespace().next().unwrap().to_string())
                    .collect();
                out.push((name, cols));
            }
            for stmt in sql.split(';') {
                let words: Vec<&str> = stmt.split_whitespace().collect();
                if let ["ALTER", "TABLE", table, "ADD", "COLUMN", column, ..] = words[..] {
                    out.push((format!("{table}+"), vec![column.to_string()]));
                }
            }
            out
        }
        let dirs = ["sqlite", "postgres"].map(|d| {
            let mut files: Vec<_> = std::fs::read_dir(format!("{}/../migrations/{d}", env!("CARGO_MANIFEST_DIR")))
                .unwrap()
                .map(|e| e.unwrap().path())
                .collect();
            files.sort();
            let names: Vec<String> = files.iter().map(|p| p.file_name().unwrap().to_string_lossy().into_owned()).collect();
            let sql: String = files.iter().map(|p| std::fs::read_to_string(p).unwrap()).collect();
            (names, shape(&sql))
        });
        assert_eq!(dirs[0].0, dirs[1].0, "same migration files");
        assert_eq!(dirs[0].1, dirs[1].1, "same tables and columns");
        assert!(dirs[0].1.len() >= 15);
    }
}
