//! Server state shared by every request: pool, backend, clock, Leptos options.
use crate::db::{Backend, Pool};
use axum::extract::FromRef;
use leptos::config::LeptosOptions;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

/// The source of "now" (epoch milliseconds, UTC). Injected so tests move time
/// instead of sleeping.
pub trait Clock: Send + Sync + 'static {
    fn now_ms(&self) -> i64;
}

pub struct SystemClock;

impl Clock for SystemClock {
    fn now_ms(&self) -> i64 {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_millis() as i64)
            .unwrap_or(0)
    }
}

/// A clock that only moves when told to.
pub struct ManualClock(AtomicI64);

impl ManualClock {
    pub fn new(now_ms: i64) -> Self {
        ManualClock(AtomicI64::new(now_ms))
    }
    pub fn set(&self, now_ms: i64) {
        self.0.store(now_ms, Ordering::SeqCst)
    }
    pub fn advance(&self, ms: i64) {
        self.0.fetch_add(ms, Ordering::SeqCst);
    }
}

impl Clock for ManualClock {
    fn now_ms(&self) -> i64 {
        self.0.load(Ordering::SeqCst)
    }
}

#[derive(Clone)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub pool: Pool,
    pub backend: Backend,
    pub clock: Arc<dyn Clock>,
    /// Sign-in and sign-up attempts per client address (per server instance;
    /// the per-account lockout is in the database and shared).
    pub attempts: Arc<AttemptLimiter>,
    /// Seals quote amounts and draw secrets until their opening.
    pub sealer: Arc<crate::sealing::Sealer>,
    /// Live updates to open pages (see `crate::live`).
    pub live: Arc<crate::live::LiveHub>,
    /// Where notification e-mails go (`--smtp-url`, `--smtp-from`); `None`: in-app only.
    pub smtp: Option<crate::db::notifications::SmtpConfig>,
}

/// `governor`'s clock, driven by our injectable one.
#[derive(Clone)]
pub struct LimiterClock(pub Arc<dyn Clock>);

impl governor::clock::Clock for LimiterClock {
    type Instant = governor::nanos::Nanos;
    fn now(&self) -> Self::Instant {
        governor::nanos::Nanos::from(self.0.now_ms().max(0) as u64 * 1_000_000)
    }
}

/// A keyed GCRA limiter (burst of `per_minute`, refilling evenly over a minute).
pub struct AttemptLimiter(
    governor::RateLimiter<
        String,
        governor::state::keyed::DefaultKeyedStateStore<String>,
        LimiterClock,
        governor::middleware::NoOpMiddleware<governor::nanos::Nanos>,
    >,
);

impl AttemptLimiter {
    pub fn new(per_minute: u32, clock: Arc<dyn Clock>) -> Self {
        let n = std::num::NonZeroU32::new(per_minute.max(1)).unwrap_or(std::num::NonZeroU32::MIN);
        AttemptLimiter(governor::RateLimiter::dashmap_with_clock(governor::Quota::per_minute(n), LimiterClock(clock)))
    }

    /// Counts an attempt for `key`; `false` when over the limit.
    pub fn allow(&self, key: &str) -> bool {
        self.0.check_key(&key.to_string()).is_ok()
    }
}

/// Default attempts per client address per minute (`ZJCS_SIGN_IN_PER_MINUTE`).
pub const SIGN_IN_PER_MINUTE: u32 = 10;

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos_options.clone()
    }
}

impl AppState {
    pub fn now_ms(&self) -> i64 {
        self.clock.now_ms()
    }
}

/// The system clock moved by an offset that only the test-clock endpoint
/// changes (`server --test-clock`, for browser tests of deadlines: they move
/// time forward instead of waiting). Never enabled in production.
pub struct OffsetClock(AtomicI64);

impl OffsetClock {
    pub fn new() -> Self {
        OffsetClock(AtomicI64::new(0))
    }
    /// Moves the clock forward (or back) by `ms`.
    pub fn advance(&self, ms: i64) {
        self.0.fetch_add(ms, Ordering::SeqCst);
    }
}

impl Default for OffsetClock {
    fn default() -> Self {
        Self::new()
    }
}

impl Clock for OffsetClock {
    fn now_ms(&self) -> i64 {
        SystemClock.now_ms() + self.0.load(Ordering::SeqCst)
    }
}
