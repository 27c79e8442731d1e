//! Quote load generator (issue #4): fires sealed quotes at a running zjcs server
//! and prints accepted quotes per second with p50 / p99 latency, then measures the
//! same database's raw insert rate (single-row INSERT transactions, same pool
//! settings as the server: SQLite WAL + synchronous=NORMAL + busy timeout, or
//! PostgreSQL) and prints the ratio. Figures, not assertions.
//!
//! Run by `scripts/bench-quotes.sh` (which builds, starts a server with a fresh
//! demo market and stops it); by hand:
//!
//!   load_quotes --base-url http://127.0.0.1:3000 --database-url sqlite://data/zjcs.db \
//!       [--quotes 2000] [--concurrency 16] [--seconds 120]
//!
//! The owner account publishes one price-competition announcement through the
//! server functions; the demo firm accounts sign in several times each (one
//! session per connection) and quote on it over and over: a firm may replace its
//! own sealed quote, so repeated quotes are realistic quote changes. Every quote
//! is a full `POST /api/trading/quote` (session, authorisation, eligibility,
//! sealing, upsert, live notification). Every loop is bounded by a count and a time.
use app::state::{Clock, SystemClock};
use shared::percentile;
use clap::Parser;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

mod shared;

#[derive(Parser, Debug)]
#[command(name = "load_quotes", about = "Fires quotes at a running zjcs server; compares with the raw insert rate")]
struct Args {
    /// The running server.
    #[arg(long, default_value = "http://127.0.0.1:3000")]
    base_url: String,
    /// The server's database (for the raw insert rate and to pick an item the firms offer).
    #[arg(long, env = "DATABASE_URL", default_value = "sqlite://data/zjcs.db")]
    database_url: String,
    /// Database connections of the raw insert run (the server's default is 8).
    #[arg(long, default_value_t = 8)]
    db_connections: u32,
    /// Quotes to send (and raw inserts to make).
    #[arg(long, default_value_t = 2000)]
    quotes: usize,
    /// Concurrent connections (and concurrent inserting tasks).
    #[arg(long, default_value_t = 16)]
    concurrency: usize,
    /// Time limit of each phase, seconds.
    #[arg(long, default_value_t = 120)]
    seconds: u64,
    /// Owner account that publishes the announcement.
    #[arg(long, default_value = "owner")]
    owner: String,
    /// Firm accounts that quote (comma-separated).
    #[arg(long, value_delimiter = ',', default_value = "firm,firm.b,firm.c,firm.d")]
    firms: Vec<String>,
    /// Password of these accounts.
    #[arg(long, env = "ZJCS_BENCH_PASSWORD", default_value = "Zjcs-Demo-2026")]
    password: String,
}

type Error = Box<dyn std::error::Error + Send + Sync>;

#[tokio::main]
async fn main() {
    let args = Args::parse();
    if let Err(e) = run(args).await {
        eprintln!("load_quotes: {e}");
        std::process::exit(1);
    }
}

async fn run(args: Args) -> Result<(), Error> {
    if args.quotes == 0 || args.concurrency == 0 || args.firms.is_empty() {
        return Err("--quotes, --concurrency and --firms must not be empty".into());
    }
    let limit = Duration::from_secs(args.seconds.max(1));
    let (pool, backend) = app::db::connect(&args.database_url, args.db_connections).await?;
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .pool_max_idle_per_host(args.concurrency)
        .timeout(Duration::from_secs(30))
        .build()?;
    let base = args.base_url.trim_end_matches('/').to_string();

    // the announcement: an item every quoting firm offers, in the owner's own region
    let firm_ids = firm_ids(&pool, &args.firms).await?;
    let (owner_region,): (String,) = sqlx::query_as("SELECT o.region_code FROM users u JOIN owners o ON o.id = u.owner_id WHERE u.username = $1")
        .bind(&args.owner)
        .fetch_optional(&pool)
        .await?
        .ok_or_else(|| format!("owner account {} not found (load the demo market)", args.owner))?;
    let item = common_item(&pool, &firm_ids).await?;
    let owner = sign_in(&client, &base, &args.owner, &args.password).await?;
    let now = SystemClock.now_ms();
    let code = publish(&client, &base, &owner, &item, &owner_region, now).await?;
    let per_firm = args.concurrency.div_ceil(args.firms.len());
    let mut sessions = Vec::new();
    for _ in 0..per_firm {
        for f in &args.firms {
            sessions.push(sign_in(&client, &base, f, &args.password).await?);
        }
    }
    println!(
        "    announcement {code} (price competition, item {item}); {} firms × {per_firm} sessions, {} connections",
        args.firms.len(),
        args.concurrency
    );

    // quotes
    let mut q = fire_quotes(&client, &base, &code, &sessions, args.quotes, args.concurrency, limit).await;
    q.print("quotes", "accepted");
    for (status, body) in q.samples.iter().take(3) {
        println!("    refused       HTTP {status}: {}", body.chars().take(160).collect::<String>());
    }
    let (rows, revisions): (i64, i64) = sqlx::query_as(
        "SELECT COUNT(*), CAST(COALESCE(SUM(q.revision), 0) AS BIGINT) FROM sealed_quotes q JOIN procurements p ON p.id = q.procurement_id WHERE p.code = $1",
    )
    .bind(&code)
    .fetch_one(&pool)
    .await?;
    let same = revisions as usize == q.ok;
    println!(
        "    check         {rows} sealed quotes (one per firm), {revisions} revisions {} {} accepted",
        if same { "=" } else { "≠" },
        q.ok
    );

    // raw inserts into a scratch table of the same database, same concurrency
    let mut raw = raw_inserts(&pool, backend, args.quotes, args.concurrency, limit).await?;
    raw.print("raw inserts", "committed");
    println!(
        "    setup         {:?}, {} tasks over {} connections; single-row INSERT transactions{}",
        backend,
        args.concurrency,
        args.db_connections,
        if backend == app::db::Backend::Sqlite { " (BEGIN IMMEDIATE, WAL, synchronous=NORMAL)" } else { "" }
    );
    if raw.per_second() > 0.0 {
        println!("    ratio         quotes/s ÷ raw inserts/s = {:.3}", q.per_second() / raw.per_second());
    }
    if !same || q.failed > 0 {
        return Err("some quotes were lost, counted twice or failed".into());
    }
    Ok(())
}

/// Outcome of one phase.
#[derive(Default)]
struct Run {
    ok: usize,
    refused: usize,
    failed: usize,
    elapsed: Duration,
    /// Latency of each successful request, ms.
    latencies: Vec<f64>,
    /// A few refusals: status and body.
    samples: Vec<(u16, String)>,
}

impl Run {
    fn per_second(&self) -> f64 {
        if self.elapsed.is_zero() {
            0.0
        } else {
            self.ok as f64 / self.elapsed.as_secs_f64()
        }
    }

    fn print(&mut self, what: &str, ok_word: &str) {
        self.latencies.sort_by(f64::total_cmp);
        let l = &self.latencies;
        println!(
            "    {what:<13} {} sent, {} {ok_word}, {} refused, {} failed, in {:.2} s",
            self.ok + self.refused + self.failed,
            self.ok,
            self.refused,
            self.failed,
            self.elapsed.as_secs_f64()
        );
        println!(
            "    {:<13} {:.1} {ok_word}/s   p50 {:.1} ms   p99 {:.1} ms   max {:.1} ms",
            "",
            self.per_second(),
            percentile(l, 0.50),
            percentile(l, 0.99),
            l.last().copied().unwrap_or(0.0)
        );
    }

    fn merge(&mut self, other: Run) {
        self.ok += other.ok;
        self.refused += other.refused;
        self.failed += other.failed;
        self.latencies.extend(other.latencies);
        for s in other.samples {
            if self.samples.len() < 5 {
                self.samples.push(s);
            }
        }
    }
}


/// The `i`-th quote's amount in yuan: spread over 500,000.00 – 989,999.99 (under the 1,000,000 ceiling).
fn amount(i: usize) -> String {
    let fen = 50_000_000 + ((i % 49_000_000) as i64 * 7_919 + 13) % 49_000_000;
    format!("{}.{:02}", fen / 100, fen % 100)
}

/// The deadline for the form: 10 days ahead at 17:00 Shanghai time (well past the
/// minimum publication period of working days).
fn deadline(now: i64) -> String {
    format!("{}T17:00", app::domain::time::date_shanghai(now + 10 * 86_400_000))
}

/// The session cookie (`name=value`) among the `Set-Cookie` headers.
fn session_cookie<'a>(set_cookies: impl Iterator<Item = &'a str>) -> Option<String> {
    set_cookies
        .filter_map(|c| c.split(';').next())
        .map(str::trim)
        .find(|kv| kv.starts_with("zjcs_session=") && kv.len() > "zjcs_session=".len())
        .map(str::to_string)
}

async fn firm_ids(pool: &app::db::Pool, usernames: &[String]) -> Result<Vec<i64>, Error> {
    let mut ids = Vec::new();
    for u in usernames {
        let id: Option<Option<i64>> = sqlx::query_scalar("SELECT firm_id FROM users WHERE username = $1").bind(u).fetch_optional(pool).await?;
        ids.push(id.flatten().ok_or_else(|| format!("firm account {u} not found (load the demo market)"))?);
    }
    Ok(ids)
}

/// An item in force that every firm offers.
async fn common_item(pool: &app::db::Pool, firm_ids: &[i64]) -> Result<String, Error> {
    let today = app::domain::time::date_shanghai(SystemClock.now_ms());
    let mut common: Option<Vec<String>> = None;
    for id in firm_ids {
        let items: Vec<String> = sqlx::query_scalar(&format!(
            "SELECT s.code FROM firm_items fi JOIN service_items s ON s.id = fi.item_id WHERE fi.firm_id = $1 AND {} ORDER BY s.code",
            app::db::catalogue::in_force_sql("s", "$2")
        ))
        .bind(id)
        .bind(&today)
        .fetch_all(pool)
        .await?;
        common = Some(match common {
            None => items,
            Some(c) => c.into_iter().filter(|i| items.contains(i)).collect(),
        });
    }
    common.and_then(|c| c.into_iter().next()).ok_or_else(|| "the firms offer no item in common".into())
}

/// Signs in; returns the session cookie.
async fn sign_in(client: &reqwest::Client, base: &str, username: &str, password: &str) -> Result<String, Error> {
    let res = client
        .post(format!("{base}/api/accounts/sign_in"))
        .form(&[("username", username), ("password", password)])
        .send()
        .await?;
    let status = res.status();
    let cookie = session_cookie(res.headers().get_all(reqwest::header::SET_COOKIE).iter().filter_map(|v| v.to_str().ok()));
    match cookie {
        Some(c) if status.is_success() || status.is_redirection() => Ok(c),
        _ => Err(format!("sign-in of {username} refused: HTTP {status}: {}", res.text().await.unwrap_or_default()).into()),
    }
}

/// The owner publishes a price competition; returns its code.
async fn publish(client: &reqwest::Client, base: &str, cookie: &str, item: &str, region: &str, now: i64) -> Result<String, Error> {
    let project = format!("BENCH-{now}");
    let deadline = deadline(now);
    let form = [
        ("form[title]", "报价负载测试项目(竞价选取)"),
        ("form[project_code]", project.as_str()),
        ("form[item_code]", item),
        ("form[region_code]", region),
        ("form[funding]", "fiscal"),
        ("form[budget]", "1000000"),
        ("form[scope]", "负载测试:大量单位反复报价"),
        ("form[match_mode]", "any"),
        ("form[req_type_1]", ""),
        ("form[req_grade_1]", ""),
        ("form[req_type_2]", ""),
        ("form[req_grade_2]", ""),
        ("form[req_type_3]", ""),
        ("form[req_grade_3]", ""),
        ("form[service_days]", "30"),
        ("form[deadline]", deadline.as_str()),
        ("form[method]", "price_competition"),
        ("form[contact_name]", "压测联系人"),
        ("form[contact_phone]", "028-85551234"),
        ("form[price_weight]", ""),
        ("form[criteria]", ""),
        ("form[direct_firm]", ""),
        ("form[direct_reason]", ""),
        ("publish", "1"),
    ];
    let res = client.post(format!("{base}/api/trading/save")).header(reqwest::header::COOKIE, cookie).form(&form).send().await?;
    let status = res.status();
    let body = res.text().await?;
    if !status.is_success() {
        return Err(format!("publishing refused: HTTP {status}: {body}").into());
    }
    Ok(serde_json::from_str::<String>(&body)?)
}

/// `total` quotes over `concurrency` connections, each connection with its own session.
async fn fire_quotes(client: &reqwest::Client, base: &str, code: &str, sessions: &[String], total: usize, concurrency: usize, limit: Duration) -> Run {
    let next = Arc::new(AtomicUsize::new(0));
    let url = Arc::new(format!("{base}/api/trading/quote"));
    let code = Arc::new(code.to_string());
    let started = Instant::now();
    let mut tasks = Vec::new();
    for w in 0..concurrency {
        let (client, next, url, code) = (client.clone(), next.clone(), url.clone(), code.clone());
        let cookie = sessions[w % sessions.len()].clone();
        tasks.push(tokio::spawn(async move {
            let mut run = Run::default();
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= total || started.elapsed() >= limit {
                    break;
                }
                let t = Instant::now();
                let sent = client
                    .post(url.as_str())
                    .header(reqwest::header::COOKIE, &cookie)
                    .form(&[("code", code.as_str()), ("amount", amount(i).as_str())])
                    .send()
                    .await;
                match sent {
                    Ok(res) => {
                        let status = res.status();
                        let body = res.text().await.unwrap_or_default();
                        if status.is_success() {
                            run.ok += 1;
                            run.latencies.push(t.elapsed().as_secs_f64() * 1000.0);
                        } else {
                            run.refused += 1;
                            if run.samples.len() < 3 {
                                run.samples.push((status.as_u16(), body));
                            }
                        }
                    }
                    Err(e) => {
                        run.failed += 1;
                        if run.samples.len() < 3 {
                            run.samples.push((0, e.to_string()));
                        }
                    }
                }
            }
            run
        }));
    }
    let mut all = Run::default();
    for t in tasks {
        if let Ok(r) = t.await {
            all.merge(r);
        }
    }
    all.elapsed = started.elapsed();
    all
}

/// `total` single-row INSERT transactions into a scratch table (created and dropped here).
async fn raw_inserts(pool: &app::db::Pool, backend: app::db::Backend, total: usize, concurrency: usize, limit: Duration) -> Result<Run, Error> {
    sqlx::query("DROP TABLE IF EXISTS bench_raw_inserts").execute(pool).await?;
    sqlx::query("CREATE TABLE bench_raw_inserts (k BIGINT NOT NULL, at BIGINT NOT NULL, v TEXT NOT NULL)").execute(pool).await?;
    // about the size of a sealed quote row's payload
    let payload: Arc<String> = Arc::new("0123456789abcdef".repeat(12));
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..concurrency {
        let (pool, next, payload) = (pool.clone(), next.clone(), payload.clone());
        tasks.push(tokio::spawn(async move {
            let mut run = Run::default();
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= total || started.elapsed() >= limit {
                    break;
                }
                let t = Instant::now();
                let r: Result<(), sqlx::Error> = async {
                    // as the server's writes: the SQLite write lock at BEGIN
                    let mut tx = match backend {
                        app::db::Backend::Sqlite => pool.begin_with("BEGIN IMMEDIATE").await?,
                        app::db::Backend::Postgres => pool.begin().await?,
                    };
                    sqlx::query("INSERT INTO bench_raw_inserts (k, at, v) VALUES ($1, $2, $3)")
                        .bind(i as i64)
                        .bind(SystemClock.now_ms())
                        .bind(payload.as_str())
                        .execute(&mut *tx)
                        .await?;
                    tx.commit().await
                }
                .await;
                match r {
                    Ok(()) => {
                        run.ok += 1;
                        run.latencies.push(t.elapsed().as_secs_f64() * 1000.0);
                    }
                    Err(e) => {
                        run.failed += 1;
                        if run.samples.len() < 3 {
                            run.samples.push((0, e.to_string()));
                        }
                    }
                }
            }
            run
        }));
    }
    let mut all = Run::default();
    for t in tasks {
        if let Ok(r) = t.await {
            all.merge(r);
        }
    }
    all.elapsed = started.elapsed();
    let stored: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM bench_raw_inserts").fetch_one(pool).await?;
    sqlx::query("DROP TABLE bench_raw_inserts").execute(pool).await?;
    if stored as usize != all.ok {
        return Err(format!("raw inserts: {stored} rows stored, {} committed", all.ok).into());
    }
    for (_, e) in all.samples.iter().take(3) {
        println!("    insert error  {e}");
    }
    Ok(all)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_stay_under_the_ceiling_and_parse_as_yuan() {
        for i in [0, 1, 999, 123_456, usize::MAX / 8_000] {
            let fen = app::domain::announcement::parse_yuan(&amount(i)).unwrap().0;
            assert!((50_000_000..100_000_000).contains(&fen), "{i}: {fen}");
        }
    }

    #[test]
    fn the_session_cookie_is_found_among_others() {
        let headers = ["zjcs_lang=en; Path=/", "zjcs_session=abc123; HttpOnly; SameSite=Lax; Path=/"];
        assert_eq!(session_cookie(headers.into_iter()), Some("zjcs_session=abc123".into()));
        assert_eq!(session_cookie(["zjcs_session=; Max-Age=0"].into_iter()), None);
    }

    #[test]
    fn the_deadline_is_a_local_datetime_ten_days_ahead() {
        let now = 1_795_140_000_000; // 2026-11-20 10:00 Shanghai
        assert_eq!(deadline(now), "2026-11-30T17:00");
        assert!(app::domain::announcement::parse_local_datetime(&deadline(now)).is_some());
    }
}
