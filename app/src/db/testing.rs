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

static COUNTER: AtomicU32 = AtomicU32::new(0);

pub struct TestApp {
    pub state: AppState,
    pub clock: Arc<ManualClock>,
    pub demo: DemoReport,
    owner: Owner,
    _dir: Option<TempDir>,
}

pub struct TempDir(pub std::path::PathBuf);
impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The database URL for a new test database.
async fn fresh_url() -> (String, Option<TempDir>) {
    let n = COUNTER.fetch_add(1, Ordering::SeqCst);
    let tag = format!("{}_{}", std::process::id(), n);
    match std::env::var("ZJCS_TEST_DATABASE").ok().filter(|u| u.starts_with("postgres")) {
        Some(server) => {
            let (admin, _) = connect(&server, 1).await.expect("connect to the test PostgreSQL server");
            let name = format!("zjcs_test_{tag}");
            sqlx::query(&format!("CREATE DATABASE {name}")).execute(&admin).await.expect("create test database");
            admin.close().await;
            let base = server.rsplit_once('/').map(|(b, _)| b.to_string()).unwrap_or(server);
            (format!("{base}/{name}"), None)
        }
        None => {
            let dir = std::env::temp_dir().join(format!("zjcs-test-{tag}"));
            std::fs::create_dir_all(&dir).unwrap();
            (format!("sqlite://{}/test.db", dir.display()), Some(TempDir(dir)))
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
        let state = AppState {
            leptos_options: leptos::config::LeptosOptions::builder().output_name("zjcs").build(),
            pool,
            backend,
            clock: clock.clone(),
        };
        let owner = Owner::new();
        owner.with(|| provide_context(state.clone()));
        TestApp { state, clock, demo: report, owner, _dir: dir }
    }

    pub fn backend(&self) -> Backend {
        self.state.backend
    }

    /// Runs a server function (or any future) with the app state in context.
    pub async fn run<F: std::future::Future>(&self, f: F) -> F::Output {
        self.owner.set();
        f.await
    }
}
