//! zjcs server: configuration, database, router, layers.
mod oidc;
mod audit;
mod files;
mod origin;
mod live;
mod dashboard_routes;
mod payment_routes;
mod verify_draw;
mod ingest;
mod ocds_routes;
mod export_routes;
mod public_api;
mod metrics;
mod security;

use app::db::{self, demo::DemoOptions, Backend};
use app::state::{AppState, Clock, SystemClock};
use app::{shell, App};
use axum::extract::{Path, Query};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use clap::{Parser, Subcommand};
use leptos::prelude::*;
use leptos_axum::{generate_route_list, LeptosRoutes};
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;

/// 四川省网上中介超市 (zjcs) — server.
///
/// Serves the portal on ADDR using the database at DATABASE_URL (SQLite file or
/// PostgreSQL server). Migrations and reference data are applied at start-up.
#[derive(Parser, Debug)]
#[command(name = "zjcs", version, about, long_about)]
struct Cli {
    /// Address to listen on.
    #[arg(long, env = "ZJCS_ADDR", default_value = "127.0.0.1:3000", global = true)]
    addr: SocketAddr,
    /// Database: `sqlite://data/zjcs.db` (created if absent) or `postgres://user@host:port/db`.
    #[arg(long, env = "DATABASE_URL", default_value = "sqlite://data/zjcs.db", global = true)]
    database_url: String,
    /// Maximum database connections.
    #[arg(long, env = "ZJCS_DB_CONNECTIONS", default_value_t = 8, global = true)]
    db_connections: u32,
    /// Load the demo market on first start (once; existing data is kept).
    #[arg(long, env = "ZJCS_DEMO", global = true)]
    demo: bool,
    /// Number of demo selection projects (firms and owners scale with it).
    #[arg(long, env = "ZJCS_DEMO_PROJECTS", default_value_t = 50_000, global = true)]
    demo_projects: usize,
    /// Number of demo firms (default: 2,000, or projects ÷ 25 when larger).
    #[arg(long, env = "ZJCS_DEMO_FIRMS", global = true)]
    demo_firms: Option<usize>,
    /// Sign-in and sign-up attempts allowed per client address per minute.
    #[arg(long, env = "ZJCS_SIGN_IN_PER_MINUTE", default_value_t = app::state::SIGN_IN_PER_MINUTE, global = true)]
    sign_in_per_minute: u32,
    /// Requests to the public read API (`/api/v1/`) allowed per client address per minute.
    #[arg(long, env = "ZJCS_API_PER_MINUTE", default_value_t = public_api::API_PER_MINUTE, global = true)]
    api_per_minute: u32,
    /// The site is served over TLS (at the reverse proxy): mark the session cookie
    /// `Secure` and send `Strict-Transport-Security`.
    #[arg(long, env = "ZJCS_SECURE_COOKIES", global = true)]
    secure_cookies: bool,
    /// Largest request body accepted, in MiB (uploads have their own 5 MiB limit).
    #[arg(long, env = "ZJCS_MAX_BODY_MB", default_value_t = 16, global = true)]
    max_body_mb: usize,
    /// Seconds a request may take to start its answer before it gets 503.
    #[arg(long, env = "ZJCS_REQUEST_TIMEOUT_SECS", default_value_t = 60, global = true)]
    request_timeout_secs: u64,
    /// Log format: `text` (for people) or `json` (one object per line, for a log collector).
    #[arg(long, env = "ZJCS_LOG_FORMAT", default_value = "text", value_parser = ["text", "json"], global = true)]
    log_format: String,
    /// Bearer token that `/metrics` requires; when unset, only loopback clients
    /// that did not come through a proxy may read it.
    #[arg(long, env = "ZJCS_METRICS_TOKEN", hide_env_values = true, global = true)]
    metrics_token: Option<String>,
    /// Public origins accepted on state-changing requests besides the request's
    /// own host (comma-separated, e.g. `https://zjcs.example.cn` behind a proxy).
    #[arg(long, env = "ZJCS_PUBLIC_ORIGINS", value_delimiter = ',', global = true)]
    public_origins: Vec<String>,
    /// Minutes of inactivity after which a session ends.
    #[arg(long, env = "ZJCS_SESSION_MINUTES", default_value_t = 480, global = true)]
    session_minutes: i64,
    /// The sealing key (64 hex digits) that keeps quotes and draw secrets
    /// encrypted until opening; when unset it is read from (or created in) the key file.
    #[arg(long, env = "ZJCS_SEALING_KEY", hide_env_values = true, global = true)]
    sealing_key: Option<String>,
    /// File holding the sealing key (created with mode 0600 when missing).
    #[arg(long, env = "ZJCS_SEALING_KEY_FILE", default_value = "data/sealing.key", global = true)]
    sealing_key_file: std::path::PathBuf,
    /// Browser tests only: let `POST /__test/clock?advance_ms=N` move the server's
    /// clock forward, so deadlines pass without waiting. Never in production.
    #[arg(long, env = "ZJCS_TEST_CLOCK", global = true)]
    test_clock: bool,
    /// SMTP relay for notification e-mails, `smtp://host:port` (plain SMTP, a
    /// local relay); when unset notifications are in-app only.
    #[arg(long, env = "ZJCS_SMTP_URL", global = true)]
    smtp_url: Option<String>,
    /// Sender address of notification e-mails.
    #[arg(long, env = "ZJCS_SMTP_FROM", default_value = "noreply@zjcs.localhost", global = true)]
    smtp_from: String,
    /// The OCID prefix registered with the Open Contracting Partnership, for
    /// the OCDS publication (`/api/v1/ocds/...`).
    #[arg(long, env = "ZJCS_OCDS_PREFIX", default_value = "ocds-zjcs00", global = true)]
    ocds_prefix: String,
    /// The publisher's name in OCDS packages.
    #[arg(long, env = "ZJCS_OCDS_PUBLISHER", default_value = "中介超市", global = true)]
    ocds_publisher: String,
    /// Recompute the statistics summary tables from the raw tables (after a
    /// restore or a bulk import), then exit.
    #[arg(long)]
    rebuild_stats: bool,
    #[command(flatten)]
    oidc: oidc::OidcArgs,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Serve the app (the default).
    Serve,
    /// Apply migrations and reference data, then exit.
    Migrate,
    /// Load the demo market now (refuses if it is already loaded), then exit.
    Demo,
    /// Check a published draw (JSON with procurement_code, commitment, secret,
    /// registrants, registrant_hash, seed, ranking): recomputes it with the same
    /// code as the server; exits with status 1 when anything does not match.
    /// Needs no database.
    VerifyDraw {
        file: std::path::PathBuf,
    },
    /// Recompute the tamper-evident audit trail's hash chain of the database and
    /// report the first broken entry; exits with status 1 when the chain is broken.
    AuditVerify,
    /// Import the qualification register from a CSV file (header:
    /// type_code,certificate_no,holder_credit_code,holder_name,grade,valid_from,valid_to,revoked).
    ImportRegister {
        file: std::path::PathBuf,
    },
    /// Online backup of the SQLite database to a new file, taken while the server
    /// runs (a consistent snapshot); checks it and prints what it holds. For
    /// PostgreSQL use pg_dump (README: Backups).
    Backup {
        /// The backup file to create (must not exist).
        #[arg(long)]
        to: std::path::PathBuf,
    },
    /// Replace the SQLite database by a backup, with the server stopped. The
    /// backup is checked first; the replaced database is kept beside it as
    /// `<file>.before-restore-<time>`.
    Restore {
        /// The backup file.
        #[arg(long)]
        from: std::path::PathBuf,
    },
    /// Create the first administrator (refused when one exists). The password comes
    /// from ZJCS_ADMIN_PASSWORD or, when unset, one line of standard input.
    CreateAdmin {
        #[arg(long)]
        username: String,
    },
}

#[tokio::main]
async fn main() {
    let cli = Cli::parse();
    let filter = tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info,sqlx=warn,tower_http=warn".into());
    let logs = tracing_subscriber::fmt().with_env_filter(filter);
    if cli.log_format == "json" {
        logs.json().with_current_span(false).init();
    } else {
        logs.init();
    }
    if let Err(e) = run(cli).await {
        eprintln!("zjcs: {e}");
        std::process::exit(1);
    }
}

async fn run(cli: Cli) -> Result<(), Box<dyn std::error::Error>> {
    if let Some(Command::VerifyDraw { file }) = &cli.command {
        return verify_draw::command(file);
    }
    if let Some(Command::AuditVerify) = &cli.command {
        return audit::verify_command(&cli.database_url).await;
    }
    // before the database is opened (a restore replaces its file)
    match &cli.command {
        Some(Command::Backup { to }) => {
            let snap = db::backup::backup(&cli.database_url, to).await?;
            print_snapshot("backup written", &snap);
            return Ok(());
        }
        Some(Command::Restore { from }) => {
            let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0);
            let (snap, kept) = db::backup::restore(from, &cli.database_url, now).await?;
            print_snapshot("database restored", &snap);
            if let Some(kept) = kept {
                println!("  the replaced database is kept as {}", kept.display());
            }
            println!("  start the server on it as before; `--rebuild-stats` is not needed (the summary tables are in the backup)");
            return Ok(());
        }
        _ => {}
    }
    let started = Instant::now();
    let test_clock = cli.test_clock.then(|| Arc::new(app::state::OffsetClock::new()));
    let clock: Arc<dyn Clock> = match &test_clock {
        Some(c) => c.clone(),
        None => Arc::new(SystemClock),
    };
    let (pool, backend) = db::connect(&cli.database_url, cli.db_connections)
        .await
        .map_err(|e| format!("cannot open database {}: {e}", cli.database_url))?;
    db::migrate(&pool, backend).await?;
    if db::reference::load(&pool, clock.now_ms()).await? {
        tracing::info!("reference data loaded");
    }
    if cli.rebuild_stats {
        let t = Instant::now();
        let counted = db::stats::rebuild(&pool, backend).await.map_err(|e| format!("cannot rebuild the statistics: {e}"))?;
        println!("statistics rebuilt: {counted} published procurements counted in {:.1}s", t.elapsed().as_secs_f64());
        return Ok(());
    }
    let demo_firms = cli.demo_firms;
    let load_demo = move |pool: db::Pool, backend: Backend, projects: usize, now: i64| async move {
        let mut opts = DemoOptions::with_projects(projects, now);
        if let Some(firms) = demo_firms {
            opts.firms = firms.max(1);
        }
        let t = Instant::now();
        println!("loading demo data ({} firms, {projects} projects; once, kept afterwards)…", opts.firms);
        let report = db::demo::load(&pool, backend, &opts, &|msg| println!("  {msg}")).await?;
        println!("demo data loaded in {:.1}s: {report:?}", t.elapsed().as_secs_f64());
        // approval cases of a sample platform (数据上传接口) for the case list and the supervision board
        let feed = db::ingest::load_sample_feed(&pool, backend, now).await?;
        println!("  demo: {} approval-case events from the sample feed", feed.created);
        Ok::<_, db::DbError>(())
    };
    match cli.command.unwrap_or(Command::Serve) {
        Command::Migrate => {
            println!("migrations and reference data are up to date ({backend:?})");
            return Ok(());
        }
        Command::Demo => {
            if db::demo::is_loaded(&pool).await? {
                return Err("demo data is already loaded in this database".into());
            }
            load_demo(pool.clone(), backend, cli.demo_projects, clock.now_ms()).await?;
            return Ok(());
        }
        Command::ImportRegister { file } => {
            let text = std::fs::read_to_string(&file).map_err(|e| format!("cannot read {}: {e}", file.display()))?;
            let report = db::register::import_csv(&pool, &text, clock.now_ms()).await?;
            for (line, message) in &report.rejected {
                eprintln!("  line {line}: {message}");
            }
            println!(
                "qualification register: {} inserted, {} updated, {} rejected",
                report.inserted,
                report.updated,
                report.rejected.len()
            );
            return if report.rejected.is_empty() { Ok(()) } else { Err("some rows were rejected".into()) };
        }
        Command::CreateAdmin { username } => {
            let password = match std::env::var("ZJCS_ADMIN_PASSWORD") {
                Ok(p) => p,
                Err(_) => {
                    eprintln!("password for {username} (one line on standard input):");
                    let mut line = String::new();
                    std::io::stdin().read_line(&mut line)?;
                    line.trim_end_matches(['\r', '\n']).to_string()
                }
            };
            let id = db::accounts::create_first_admin(&pool, &username, &password, clock.now_ms())
                .await
                .map_err(|e| format!("cannot create the administrator: {e}"))?;
            println!("administrator {username} created (id {id})");
            return Ok(());
        }
        Command::VerifyDraw { .. } | Command::AuditVerify | Command::Backup { .. } | Command::Restore { .. } => return Ok(()), // done above, before migrations
        Command::Serve => {}
    }

    let oidc = oidc::start(&cli.oidc)?;
    // Bind first: a busy address fails at once, not after loading demo data.
    let listener = tokio::net::TcpListener::bind(cli.addr)
        .await
        .map_err(|e| format!("cannot listen on {}: {e}", cli.addr))?;
    if cli.demo && !db::demo::is_loaded(&pool).await? {
        load_demo(pool.clone(), backend, cli.demo_projects, clock.now_ms()).await?;
    }

    let mut conf = get_configuration(None)?;
    conf.leptos_options.site_addr = cli.addr;
    let leptos_options = conf.leptos_options;
    let attempts = Arc::new(app::state::AttemptLimiter::new(cli.sign_in_per_minute, clock.clone()));
    let sessions = app::db::sessions::DbSessionStore::new(pool.clone(), clock.clone());
    let sealer = Arc::new(match &cli.sealing_key {
        Some(key) => app::sealing::Sealer::from_hex(key),
        None => app::sealing::Sealer::load_or_create(&cli.sealing_key_file),
    }
    .map_err(|e| format!("sealing key: {e}"))?);
    // live updates: LISTEN on PostgreSQL so every instance hears every change
    let live = app::live::LiveHub::new(pool.clone(), backend);
    live.start(&cli.database_url);
    let smtp = match &cli.smtp_url {
        Some(url) => Some(
            db::notifications::SmtpConfig::parse(url, &cli.smtp_from)?.with_site(cli.public_origins.first().map(String::as_str)),
        ),
        None => None,
    };
    let state = AppState { leptos_options: leptos_options.clone(), pool, backend, clock, attempts, sealer, live: live.clone(), smtp };
    // notification e-mails: hand the queued ones to the SMTP relay every few seconds
    if state.smtp.is_some() {
        tokio::spawn({
            let state = state.clone();
            async move {
                let mut every = tokio::time::interval(std::time::Duration::from_secs(5));
                every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
                loop {
                    every.tick().await;
                    if let Err(e) = app::db::notifications::send_due(&state, state.now_ms()).await {
                        tracing::warn!(error = %e, "notification e-mails");
                    }
                }
            }
        });
    }
    // open procurements loaded directly (demo data) get their commitment and sealed quotes
    let sealed = db::trading::seal_unsealed_open(&state, state.now_ms()).await?;
    if sealed > 0 {
        println!("  sealed {sealed} open procurements");
    }
    tokio::spawn(trading_scheduler(state.clone()));
    // statistics: apply the queued changes to the summary tables every second
    tokio::spawn({
        let state = state.clone();
        async move {
            let mut every = tokio::time::interval(std::time::Duration::from_secs(1));
            every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                every.tick().await;
                if let Err(e) = app::db::stats::drain_all(&state, state.now_ms()).await {
                    tracing::warn!(error = %e, "statistics summary tables");
                }
            }
        }
    });
    // star levels and credit: at start-up, then once a day
    tokio::spawn({
        let state = state.clone();
        async move {
            let mut every = tokio::time::interval(std::time::Duration::from_secs(30));
            loop {
                every.tick().await;
                // the lights first: the nightly performance scores read the stage clocks
                if let Err(e) = app::db::timelimits::refresh(&state, state.now_ms()).await {
                    tracing::warn!(error = %e, "stage time limits and lights");
                }
                if let Err(e) = app::db::nightly(&state, state.now_ms()).await {
                    tracing::warn!(error = %e, "daily star level and credit recomputation");
                }
            }
        }
    });
    tokio::spawn({
        let sessions = sessions.clone();
        async move {
            let mut every = tokio::time::interval(std::time::Duration::from_secs(3600));
            loop {
                every.tick().await;
                if let Err(e) = sessions.delete_expired().await {
                    tracing::warn!(error = %e, "cannot delete expired sessions");
                }
            }
        }
    });
    let session_layer = tower_sessions::SessionManagerLayer::new(sessions)
        .with_name("zjcs_session")
        .with_http_only(true)
        .with_same_site(tower_sessions::cookie::SameSite::Lax)
        .with_secure(cli.secure_cookies)
        .with_expiry(tower_sessions::Expiry::OnInactivity(tower_sessions::cookie::time::Duration::minutes(cli.session_minutes.max(1))));
    let public_origins = Arc::new(cli.public_origins.clone());
    let hardening = Arc::new(security::Hardening {
        hsts: cli.secure_cookies,
        max_body_bytes: cli.max_body_mb.max(1) * 1024 * 1024,
        request_timeout: std::time::Duration::from_secs(cli.request_timeout_secs.max(1)),
    });
    let metrics = metrics::Metrics::new(cli.metrics_token.clone());
    let routes = generate_route_list(App);

    let ctx_state = state.clone();
    let fn_state = state.clone();
    // the OCDS publisher: its routes, and the open data page (an extension on every request)
    let publisher = app::domain::ocds::Publisher {
        name: cli.ocds_publisher.clone(),
        prefix: cli.ocds_prefix.clone(),
        base_url: cli.public_origins.first().cloned().unwrap_or_else(|| format!("http://{}", cli.addr)).trim_end_matches('/').to_string(),
    };
    let app = Router::new()
        .route("/lang/{tag}", get(switch_language))
        .route("/healthz", get(|| async { "ok" }))
        .merge(metrics::routes(metrics.clone()))
        .merge(files::routes())
        .merge(live::routes())
        .merge(payment_routes::routes())
        .merge(dashboard_routes::routes())
        .merge(export_routes::routes())
        .merge(ingest::routes())
        .merge(ocds_routes::routes(publisher.clone()))
        .merge(public_api::routes())
        .merge(test_clock_routes(test_clock.clone()))
        .route(
            "/api/{*fn_name}",
            axum::routing::post({
                let s = fn_state.clone();
                move |req| leptos_axum::handle_server_fns_with_context(move || provide_context(s.clone()), req)
            })
            .get({
                let s = fn_state;
                move |req| leptos_axum::handle_server_fns_with_context(move || provide_context(s.clone()), req)
            }),
        )
        .leptos_routes_with_context(
            &state,
            routes,
            move || provide_context(ctx_state.clone()),
            {
                let options = leptos_options.clone();
                move || shell(options.clone())
            },
        )
        .fallback(leptos_axum::file_and_error_handler::<AppState, _>(shell))
        .merge(app::api::oidc::routes(oidc.clone()))
        .layer(axum::Extension(app::api::oidc::OidcHandle(oidc)))
        .layer(axum::Extension(publisher))
        .layer(axum::middleware::from_fn(files::guard_uploads))
        .layer(axum::middleware::from_fn_with_state(app::payment::PublicBase::from_origins(&cli.public_origins), payment_routes::guard))
        // the audit trail: inside the session layer (it needs the session), around everything else
        .layer(axum::middleware::from_fn_with_state(state.clone(), audit::record))
        .layer(session_layer)
        .layer(axum::middleware::from_fn_with_state(public_api::Limit::new(cli.api_per_minute, state.clock.clone()), public_api::limit))
        .layer(axum::middleware::from_fn(move |req, next| origin::check(public_origins.clone(), req, next)))
        .layer(tower_http::compression::CompressionLayer::new())
        .layer(axum::middleware::from_fn_with_state(hardening.clone(), security::body_limit))
        .layer(axum::middleware::from_fn_with_state(hardening.clone(), security::timeout))
        .layer(axum::middleware::from_fn_with_state(hardening, security::headers))
        .layer(axum::middleware::from_fn_with_state(metrics, metrics::track))
        .with_state(state);

    println!(
        "zjcs listening on http://{} ({backend:?}, ready in {} ms)",
        cli.addr,
        started.elapsed().as_millis()
    );
    axum::serve(listener, app.into_make_service_with_connect_info::<SocketAddr>())
        .with_graceful_shutdown(async move {
            shutdown_signal().await;
            // end open event streams, or they would hold up the shutdown
            live.shut_down();
        })
        .await?;
    Ok(())
}

fn print_snapshot(what: &str, snap: &db::backup::Snapshot) {
    println!("{what}: {} ({:.1} MB, integrity ok)", snap.path.display(), snap.bytes as f64 / 1e6);
    for (table, rows) in &snap.counts {
        println!("  {table:<14} {rows:>10}");
    }
}

/// `/lang/en?to=/items` — remembers the language in a cookie and goes back.
async fn switch_language(Path(tag): Path<String>, Query(q): Query<HashMap<String, String>>) -> Response {
    let Some(locale) = app::i18n::Locale::parse(&tag) else {
        return (StatusCode::BAD_REQUEST, "unknown language").into_response();
    };
    // only same-site paths: no open redirect
    let to = app::model::local_path(q.get("to").map(String::as_str)).unwrap_or("/").to_string();
    let cookie = format!("{}={}; Path=/; Max-Age=31536000; SameSite=Lax", app::i18n::COOKIE, locale.tag());
    let mut res = (StatusCode::SEE_OTHER, [(header::LOCATION, to)]).into_response();
    if let Ok(v) = HeaderValue::from_str(&cookie) {
        res.headers_mut().insert(header::SET_COOKIE, v);
    }
    res
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
}

/// Moves procurements along as time passes, without anyone touching them:
/// closes them at the deadline (draw, opening), ends publicity, lapses
/// unconfirmed awards. Every step is a conditional update, so with several
/// instances each step still happens exactly once.
async fn trading_scheduler(state: AppState) {
    let mut every = tokio::time::interval(std::time::Duration::from_secs(1));
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        every.tick().await;
        if let Err(e) = app::db::trading::advance(&state, state.now_ms()).await {
            tracing::warn!(error = %e, "trading scheduler");
        }
    }
}

/// `POST /__test/clock?advance_ms=N` when `--test-clock` is on; nothing otherwise.
fn test_clock_routes(clock: Option<Arc<app::state::OffsetClock>>) -> Router<AppState> {
    let Some(clock) = clock else { return Router::new() };
    tracing::warn!("test clock enabled: POST /__test/clock moves time");
    Router::new().route(
        "/__test/clock",
        axum::routing::post(move |axum::extract::State(state): axum::extract::State<AppState>, Query(q): Query<HashMap<String, String>>| {
            let clock = clock.clone();
            async move {
                let Some(ms) = q.get("advance_ms").and_then(|v| v.parse::<i64>().ok()) else {
                    return (StatusCode::BAD_REQUEST, "advance_ms=<milliseconds>".to_string()).into_response();
                };
                clock.advance(ms);
                let now = state.now_ms();
                // run the time-driven steps at once so the test need not wait for the scheduler tick
                let _ = app::db::trading::advance(&state, now).await;
                let _ = app::db::timelimits::refresh(&state, now).await;
                let _ = app::db::nightly(&state, now).await;
                now.to_string().into_response()
            }
        }),
    )
}
