//! Dashboard benchmark (issue #7): times `app::db::stats::dashboard` (the summary
//! tables) for a set of typical views and, beside it, a naive GROUP BY over the
//! raw tables (procurements, awards, participations, contracts, ratings) giving
//! the same totals, trend, region, method and industry breakdowns; checks that
//! both give the same numbers and prints p50 / p95 and the ratio. Figures, not
//! assertions (the exit status is 1 only when a view fails or an answer differs).
//!
//! Run by `scripts/bench-dashboard.sh` (which builds, generates the demo market
//! and keeps it); by hand, on a database holding the demo market:
//!
//!   bench_dashboard --database-url sqlite://$HOME/.cache/zjcs/bench-dashboard-100000.db \
//!       [--runs 50] [--warmups 3] [--naive-runs 5] [--naive-seconds 60] [--now-ms MS]
//!
//! "Now" is the demo market's anchor time (stored in `app_meta`), so the default
//! period (the twelve months up to the current month) covers the generated data.
//!
//! What is timed. Summary: one whole `dashboard(state, scope, filter, now)` call,
//! i.e. every query it issues (totals, previous period, by method, month,
//! region, industry, the heat map, firms by star level and credit grade, new
//! firms, complaints, filter choices). Naive: one statement per view over the
//! raw tables — published procurements in the period and region (and industry,
//! item, method when filtered) joined to their award, with correlated
//! subqueries for contracts, participations and ratings — grouped by month,
//! child region, method and industry, rolled up in Rust into totals, trend (by
//! the view's grain), regions, methods and industries. The naive side does less
//! work than the summary side (no previous period, heat map, firms, complaints),
//! so the ratio is, if anything, in the naive query's favour.
use app::db::sql::Sql;
use app::db::{Backend, Pool};
use app::domain::accounts::Role;
use app::domain::authz::Scope;
use app::domain::region::{self, RegionLevel};
use app::db::stats::{figures_from_row, period_key};
use app::domain::time::{date_shanghai, month_key, month_start_ms, parse_month};
use app::model::dashboard::{Dashboard, DashboardFilter, Figures, Slice};
use app::state::{AppState, AttemptLimiter, Clock, ManualClock, SIGN_IN_PER_MINUTE};
use clap::Parser;
use sqlx::Row;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::{Duration, Instant};

#[derive(Parser, Debug)]
#[command(name = "bench_dashboard", about = "Times the statistics dashboard against a naive GROUP BY over the raw tables")]
struct Args {
    /// A database holding the demo market (its summary tables up to date).
    #[arg(long, env = "DATABASE_URL", default_value = "sqlite://data/zjcs.db")]
    database_url: String,
    /// Timed dashboard calls per view (after the warm-ups).
    #[arg(long, default_value_t = 50)]
    runs: usize,
    /// Untimed dashboard calls per view first.
    #[arg(long, default_value_t = 3)]
    warmups: usize,
    /// Timed naive runs per view (after one untimed run that gives the answer).
    #[arg(long, default_value_t = 5)]
    naive_runs: usize,
    /// Time budget of the naive runs of one view, seconds (at least one run).
    #[arg(long, default_value_t = 60)]
    naive_seconds: u64,
    /// "Now" (epoch ms); default: the demo market's anchor, else the clock.
    #[arg(long)]
    now_ms: Option<i64>,
    /// Only the views whose name contains this.
    #[arg(long)]
    only: Option<String>,
}

type Error = Box<dyn std::error::Error + Send + Sync>;

#[tokio::main]
async fn main() {
    let args = Args::parse();
    match run(args).await {
        Ok(true) => {}
        Ok(false) => std::process::exit(1),
        Err(e) => {
            eprintln!("bench_dashboard: {e}");
            std::process::exit(2);
        }
    }
}

/// One dashboard view: who looks, and with which filter.
struct View {
    name: &'static str,
    role: Role,
    scope_region: Option<&'static str>,
    filter: DashboardFilter,
}

/// Months counted from year 0 (`YYYY-MM` → y × 12 + m − 1); the filters here are valid.
fn month_index(s: &str) -> i64 {
    parse_month(s).unwrap_or(1970 * 12)
}

fn views(now: i64) -> Vec<View> {
    let to = month_index(&date_shanghai(now)[..7]);
    let f = |from: i64, grain: &str| DashboardFilter {
        from: month_key(from),
        to: month_key(to),
        grain: grain.to_string(),
        ..Default::default()
    };
    let year = to - 11;
    let op = |name, filter| View { name, role: Role::Operator, scope_region: None, filter };
    vec![
        op("province (operator)", f(year, "month")),
        View { name: "city 510100 (leader)", role: Role::Leader, scope_region: Some("510100"), filter: f(year, "month") },
        View {
            name: "county 510104 (leader 510100)",
            role: Role::Leader,
            scope_region: Some("510100"),
            filter: DashboardFilter { region: "510104".into(), ..f(year, "month") },
        },
        op("industry ZJ", DashboardFilter { industry: "ZJ".into(), ..f(year, "month") }),
        op("service item ZJFW-011 (daily)", DashboardFilter { item: "ZJFW-011".into(), ..f(year, "month") }),
        op("method price_competition", DashboardFilter { method: "price_competition".into(), ..f(year, "month") }),
        op("quarter grain, 24 months", f(to - 23, "quarter")),
        op("year grain, 36 months", f(to - 35, "year")),
        op("60-month range", f(to - 59, "month")),
    ]
}

fn percentile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let k = ((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    sorted[k - 1]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

async fn run(args: Args) -> Result<bool, Error> {
    let (pool, backend) = app::db::connect(&args.database_url, 4).await?;
    app::db::migrate(&pool, backend).await?;
    let anchor = app::db::meta_get(&pool, "demo_loaded")
        .await?
        .and_then(|v| v.split_whitespace().find_map(|kv| kv.strip_prefix("anchor=").and_then(|a| a.parse::<i64>().ok())));
    let now = args.now_ms.or(anchor).unwrap_or_else(|| app::state::SystemClock.now_ms());
    let clock: Arc<dyn Clock> = Arc::new(ManualClock::new(now));
    let state = AppState {
        leptos_options: leptos::config::LeptosOptions::builder().output_name("zjcs").build(),
        pool: pool.clone(),
        backend,
        clock: clock.clone(),
        attempts: Arc::new(AttemptLimiter::new(SIGN_IN_PER_MINUTE, clock.clone())),
        sealer: Arc::new(app::sealing::Sealer::random()),
        live: app::live::LiveHub::new(pool.clone(), backend),
        smtp: None,
    };
    // the summary must be up to date, or the answers cannot agree
    let queued: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM stats_dirty").fetch_one(&pool).await?;
    if queued > 0 {
        let n = app::db::stats::drain_all(&state, now).await?;
        println!("    applied {n} queued statistics changes first");
    }
    let count = |sql: &'static str| {
        let pool = pool.clone();
        async move { sqlx::query_scalar::<_, i64>(sql).fetch_one(&pool).await }
    };
    println!(
        "    {backend:?}: {} procurements ({} published), {} participations, {} contracts, {} ratings; \
         summary rows: {} cube, {} daily; now = {} (demo anchor{})",
        count("SELECT COUNT(*) FROM procurements").await?,
        count("SELECT COUNT(*) FROM procurements WHERE published_at IS NOT NULL").await?,
        count("SELECT COUNT(*) FROM participations").await?,
        count("SELECT COUNT(*) FROM contracts").await?,
        count("SELECT COUNT(*) FROM ratings").await?,
        count("SELECT COUNT(*) FROM stats_cube").await?,
        count("SELECT COUNT(*) FROM stats_daily").await?,
        app::domain::time::format_shanghai(now),
        if anchor.is_some() && args.now_ms.is_none() { "" } else { ": none, clock or --now-ms" },
    );
    println!(
        "    {} timed dashboard calls per view after {} warm-ups; naive: 1 untimed + at most {} timed runs or {} s per view",
        args.runs, args.warmups, args.naive_runs, args.naive_seconds
    );

    struct Line {
        view: &'static str,
        s50: f64,
        s95: f64,
        n50: f64,
        n95: f64,
        naive_n: usize,
        same: bool,
    }
    let mut lines: Vec<Line> = Vec::new();
    let mut all_same = true;
    for view in views(now) {
        if args.only.as_ref().is_some_and(|o| !view.name.contains(o.as_str())) {
            continue;
        }
        let scope = Scope { role: view.role, firm_id: None, owner_id: None, region_code: view.scope_region, industry_code: None };
        let call = || app::db::stats::dashboard(&state, &scope, &view.filter, now);
        let mut dash = None;
        for _ in 0..args.warmups.max(1) {
            dash = Some(call().await.map_err(|e| format!("{}: dashboard: {e:?}", view.name))?);
        }
        let mut times = Vec::with_capacity(args.runs);
        for _ in 0..args.runs {
            let t = Instant::now();
            let d = call().await.map_err(|e| format!("{}: dashboard: {e:?}", view.name))?;
            times.push(ms(t.elapsed()));
            std::hint::black_box(d);
        }
        times.sort_by(f64::total_cmp);
        let dash = dash.expect("at least one call");

        // the naive answer: one untimed run (its answer is compared), then timed runs
        let budget = Duration::from_secs(args.naive_seconds.max(1));
        let started = Instant::now();
        let t = Instant::now();
        let naive = naive(&pool, backend, &dash.filter).await.map_err(|e| format!("{}: naive query: {e}", view.name))?;
        let first = ms(t.elapsed());
        let mut ntimes = Vec::new();
        while ntimes.len() < args.naive_runs && started.elapsed() < budget {
            let t = Instant::now();
            std::hint::black_box(naive_rows(&pool, backend, &dash.filter).await?);
            ntimes.push(ms(t.elapsed()));
        }
        if ntimes.is_empty() {
            ntimes.push(first);
        }
        ntimes.sort_by(f64::total_cmp);
        let differences = compare(&dash, &naive);
        for d in differences.iter().take(8) {
            println!("    MISMATCH {}: {d}", view.name);
        }
        if differences.len() > 8 {
            println!("    MISMATCH {}: … {} more", view.name, differences.len() - 8);
        }
        let same = differences.is_empty();
        all_same &= same;
        let line = Line {
            view: view.name,
            s50: percentile(&times, 0.5),
            s95: percentile(&times, 0.95),
            n50: percentile(&ntimes, 0.5),
            n95: percentile(&ntimes, 0.95),
            naive_n: ntimes.len(),
            same,
        };
        println!(
            "    {:32} summary p95 {:8.2} ms   naive p95 {:9.1} ms ({} runs)   published {}   same answer: {}",
            line.view,
            line.s95,
            line.n95,
            line.naive_n,
            dash.totals.published,
            if same { "yes" } else { "NO" }
        );
        lines.push(line);
    }

    println!();
    println!(
        "    {:32} | {:>11} | {:>11} | {:>11} | {:>11} | {:>8} | {}",
        "view", "summary p50", "summary p95", "naive p50", "naive p95", "ratio", "same answer"
    );
    println!("    {}", "-".repeat(32 + 14 * 4 + 11 + 16));
    for l in &lines {
        println!(
            "    {:32} | {:>8.2} ms | {:>8.2} ms | {:>8.1} ms | {:>8.1} ms | {:>7.0}× | {}",
            l.view,
            l.s50,
            l.s95,
            l.n50,
            l.n95,
            l.n95 / l.s95,
            if l.same { "yes" } else { "NO" }
        );
    }
    let worst = lines.iter().max_by(|a, b| a.s95.total_cmp(&b.s95));
    if let Some(w) = worst {
        let ok = lines.iter().all(|l| l.s95 < 50.0);
        println!(
            "\n    every summary p95 < 50 ms ({backend:?}): {} (slowest: {}, p95 {:.2} ms)",
            if ok { "yes" } else { "NO" },
            w.view,
            w.s95
        );
    }
    if !all_same {
        println!("    some naive answers differ from the summary tables (MISMATCH lines above): a bug");
    }
    Ok(all_same)
}

/// The naive statement for the view the dashboard applied (`f`: its filter with
/// the defaults filled in and the region narrowed to the scope).
fn naive_sql(backend: Backend, f: &DashboardFilter, item_id: Option<i64>) -> (Sql, bool) {
    let (from, to) = (month_index(&f.from), month_index(&f.to));
    let month = match backend {
        Backend::Sqlite => "strftime('%Y-%m', (p.published_at + 28800000) / 1000, 'unixepoch')",
        Backend::Postgres => "to_char(DATE '1970-01-01' + CAST((p.published_at + 28800000) / 86400000 AS INTEGER), 'YYYY-MM')",
    };
    let level = region::level(&f.region).unwrap_or(RegionLevel::Province);
    // the regions directly below the selected one: cities of the province, the
    // counties (and the city itself) of a city
    let region_key = match level {
        RegionLevel::Province => Some("substr(p.region_code, 1, 4) || '00'"),
        RegionLevel::City => Some("p.region_code"),
        RegionLevel::County => None,
    };
    let selected = "p.status = 'selected' AND a.amount_fen IS NOT NULL";
    let mut s = Sql::new(&format!(
        "SELECT {month} AS m, {rk} AS rk, p.method AS method, p.industry_code AS industry, \
         CAST(COUNT(*) AS BIGINT) AS published, \
         CAST(SUM(CASE WHEN {selected} THEN 1 ELSE 0 END) AS BIGINT) AS selected, \
         CAST(SUM(CASE WHEN p.status = 'failed' THEN 1 ELSE 0 END) AS BIGINT) AS failed, \
         CAST(SUM(CASE WHEN {selected} THEN p.budget_fen ELSE 0 END) AS BIGINT) AS budget_fen, \
         CAST(SUM(CASE WHEN {selected} THEN a.amount_fen ELSE 0 END) AS BIGINT) AS award_fen, \
         CAST(COALESCE(SUM((SELECT SUM(c.price_fen) FROM contracts c WHERE c.procurement_id = p.id \
           AND c.signed_at IS NOT NULL AND c.status NOT IN ('lapsed', 'terminated'))), 0) AS BIGINT) AS contract_fen, \
         CAST(SUM((SELECT COUNT(*) FROM participations pa WHERE pa.procurement_id = p.id AND pa.status = 'registered')) AS BIGINT) AS participants, \
         CAST(SUM((SELECT COUNT(*) FROM contracts c WHERE c.procurement_id = p.id AND c.status = 'completed')) AS BIGINT) AS completed, \
         CAST(SUM((SELECT COUNT(*) FROM contracts c WHERE c.procurement_id = p.id AND c.status = 'completed' \
           AND c.delivered_at <= c.due_at)) AS BIGINT) AS on_time, \
         CAST(COALESCE(SUM((SELECT SUM((c.delivered_at - c.signed_at) / 86400000) FROM contracts c WHERE c.procurement_id = p.id \
           AND c.status = 'completed' AND c.delivered_at IS NOT NULL AND c.signed_at IS NOT NULL)), 0) AS BIGINT) AS service_days, \
         CAST(COALESCE(SUM((SELECT SUM(r.timeliness + r.quality + r.attitude + r.fee_compliance) FROM ratings r \
           JOIN contracts c ON c.id = r.contract_id WHERE c.procurement_id = p.id)), 0) AS BIGINT) AS rating_sum, \
         CAST(SUM((SELECT COUNT(*) FROM ratings r JOIN contracts c ON c.id = r.contract_id WHERE c.procurement_id = p.id)) AS BIGINT) AS rating_count \
         FROM procurements p LEFT JOIN awards a ON a.procurement_id = p.id AND a.status <> 'void' \
         WHERE p.published_at IS NOT NULL AND p.published_at >= ",
        rk = region_key.unwrap_or("p.region_code"),
    ));
    s.bind(month_start_ms(from)).push(" AND p.published_at < ").bind(month_start_ms(to + 1));
    match level {
        RegionLevel::County => s.push(" AND p.region_code = ").bind(f.region.as_str()),
        _ => s.push(" AND p.region_code LIKE ").bind(region::like_prefix(&f.region).unwrap_or_default()),
    };
    if !f.industry.is_empty() {
        s.push(" AND p.industry_code = ").bind(f.industry.as_str());
    }
    if let Some(id) = item_id {
        s.push(" AND p.item_id = ").bind(id);
    }
    if !f.method.is_empty() {
        s.push(" AND p.method = ").bind(f.method.as_str());
    }
    if !f.funding.is_empty() {
        s.push(" AND p.funding = ").bind(f.funding.as_str());
    }
    s.push(&format!(" GROUP BY {month}, {}, p.method, p.industry_code", region_key.unwrap_or("p.region_code")));
    (s, region_key.is_some())
}

async fn naive_rows(pool: &Pool, backend: Backend, f: &DashboardFilter) -> Result<Vec<sqlx::any::AnyRow>, sqlx::Error> {
    let item_id = match f.item.as_str() {
        "" => None,
        code => Some(sqlx::query_scalar::<_, i64>("SELECT id FROM service_items WHERE code = $1").bind(code).fetch_one(pool).await?),
    };
    let (sql, _) = naive_sql(backend, f, item_id);
    sql.query().fetch_all(pool).await
}

/// The naive answer, rolled up like the dashboard shows it.
#[derive(Default)]
struct Naive {
    totals: Figures,
    trend: BTreeMap<String, Figures>,
    regions: BTreeMap<String, Figures>,
    methods: BTreeMap<String, Figures>,
    industries: BTreeMap<String, Figures>,
}

async fn naive(pool: &Pool, backend: Backend, f: &DashboardFilter) -> Result<Naive, sqlx::Error> {
    let rows = naive_rows(pool, backend, f).await?;
    let by_region = naive_sql(backend, f, None).1;
    let grain = if f.grain.is_empty() { "month" } else { f.grain.as_str() };
    let mut n = Naive::default();
    for r in &rows {
        let fig = figures_from_row(r)?;
        let m: String = r.try_get("m")?;
        n.totals.add(&fig);
        n.trend.entry(period_key(grain, month_index(&m))).or_default().add(&fig);
        if by_region {
            n.regions.entry(r.try_get("rk")?).or_default().add(&fig);
        }
        n.methods.entry(r.try_get("method")?).or_default().add(&fig);
        n.industries.entry(r.try_get("industry")?).or_default().add(&fig);
    }
    Ok(n)
}

/// What differs between the dashboard and the naive answer (empty: the same).
fn compare(d: &Dashboard, n: &Naive) -> Vec<String> {
    let mut out = Vec::new();
    if d.totals != n.totals {
        out.push(format!("totals: summary {:?} naive {:?}", d.totals, n.totals));
    }
    let mut series = |what: &str, slices: &[Slice], naive: &BTreeMap<String, Figures>| {
        let shown: BTreeMap<&str, &Figures> = slices.iter().map(|s| (s.key.as_str(), &s.figures)).collect();
        let keys: BTreeSet<&str> = shown.keys().copied().chain(naive.keys().map(String::as_str)).collect();
        let zero = Figures::default();
        for k in keys {
            let (a, b) = (shown.get(k).copied(), naive.get(k));
            match (a, b) {
                (None, Some(b)) if *b != zero => out.push(format!("{what} {k}: not shown, naive {b:?}")),
                (Some(a), b) if a != b.unwrap_or(&zero) => out.push(format!("{what} {k}: summary {a:?} naive {:?}", b.unwrap_or(&zero))),
                _ => {}
            }
        }
    };
    series("trend", &d.trend, &n.trend);
    series("region", &d.regions, &n.regions);
    series("method", &d.methods, &n.methods);
    series("industry", &d.industries, &n.industries);
    out
}
