//! Fault tests (issue #10, production readiness): starts real server processes
//! and breaks things under them, then checks the data.
//!
//! Run by `scripts/fault-check.sh` (`make fault-check`), which builds the debug
//! server and this binary; by hand:
//!
//!   fault_check --server-bin target/debug/server --pg-script scripts/pg.sh --work-dir /tmp/x \
//!       [--kills 20] [--seed 42] [--parts crash-sqlite,crash-pg,two-instances,db-down]
//!
//! 1. **crash** (SQLite, then PostgreSQL): a fresh database with a small demo
//!    market; the demo owner publishes direct-choice procurements, the chosen
//!    firms confirm, the (test) clock passes publicity, so each final award
//!    generates a contract awaiting signature; then price competitions. Several
//!    concurrent clients post sealed quotes (`POST /api/trading/quote`, a unique
//!    amount per request, one request at a time per firm and announcement) and
//!    contract signatures (`POST /api/contracts/sign`, owner and firm) while
//!    the server is `kill -9`ed at random moments (seeded, printed) and
//!    restarted on the same database. Afterwards every acknowledged write must be
//!    in the database exactly once: a quote's revision counter lies between the
//!    acknowledged quotes and the acknowledged + unanswered ones, the stored
//!    receipt is the last acknowledged one (or a later unanswered one), the
//!    successful audit entries lie between the two, and none holds the sealed
//!    amount in the clear (it is recorded as （密封）); a signature is
//!    stored once, and a contract is `signed` exactly when both parties signed
//!    (never half-done). SQLite: `PRAGMA integrity_check`; both: the audit
//!    trail's hash chain (`server audit-verify`) and a clean last restart.
//! 2. **two instances** on one PostgreSQL: a session made on A works on B; a
//!    live update caused on A (and on B) reaches SSE subscribers on both; random
//!    draws and price-competition openings whose deadline both schedulers pass at
//!    the same moment happen exactly once.
//! 3. **database down**: the PostgreSQL cluster stops under a running server;
//!    pages and a server function answer promptly with the "unavailable"
//!    message and the process stays up; after the cluster comes back on the same
//!    data and port, the same requests succeed without restarting the server.
//!
//! Every wait polls with a deadline; every loop is bounded by a count and a time.
use app::state::{Clock, SystemClock};
use clap::Parser;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::fs::OpenOptions;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

#[derive(Parser, Debug, Clone)]
#[command(name = "fault_check", about = "Kills, doubles and disconnects real zjcs servers; checks the data")]
struct Args {
    /// The server binary (debug build is fine).
    #[arg(long)]
    server_bin: PathBuf,
    /// scripts/pg.sh (start / pause / resume / stop a throwaway PostgreSQL 15 cluster).
    #[arg(long)]
    pg_script: PathBuf,
    /// Scratch directory (databases, logs, clusters); created, left for the caller to delete.
    #[arg(long)]
    work_dir: PathBuf,
    /// kill -9 per database in the crash test.
    #[arg(long, default_value_t = 20)]
    kills: usize,
    /// Seed of the kill delays (default: from the clock; printed either way).
    #[arg(long)]
    seed: Option<u64>,
    /// Shortest and longest time the server runs under load before a kill, ms.
    #[arg(long, default_value_t = 150)]
    min_kill_ms: u64,
    #[arg(long, default_value_t = 1200)]
    max_kill_ms: u64,
    /// Contracts awaiting signature created for the crash test (spread over the four demo firms).
    #[arg(long, default_value_t = 40)]
    contracts: usize,
    /// Price competitions the firms quote on in the crash test (one client per firm and competition).
    #[arg(long, default_value_t = 2)]
    competitions: usize,
    /// Demo projects of the fresh databases.
    #[arg(long, default_value_t = 200)]
    demo_projects: usize,
    /// Which parts to run (comma-separated).
    #[arg(long, value_delimiter = ',', default_value = "crash-sqlite,crash-pg,two-instances,db-down")]
    parts: Vec<String>,
    /// Overall time limit, seconds.
    #[arg(long, default_value_t = 900)]
    max_seconds: u64,
    #[arg(long, env = "ZJCS_BENCH_PASSWORD", default_value = "Zjcs-Demo-2026")]
    password: String,
}

type Error = Box<dyn std::error::Error + Send + Sync>;
type R<T> = Result<T, Error>;

const FIRMS: [&str; 4] = ["firm", "firm.b", "firm.c", "firm.d"];
const OWNER: &str = "owner";
/// The message of `error.unavailable` (app/locales/zh-CN.yml), the start of it.
const UNAVAILABLE_ZH: &str = "暂时不可用";

#[tokio::main]
async fn main() {
    let args = Args::parse();
    let started = Instant::now();
    let mut report = Report::default();
    let result = run(&args, &mut report).await;
    if let Err(e) = &result {
        report.check("run", false, format!("stopped: {e}"));
    }
    let secs = started.elapsed().as_secs();
    println!("\nsummary");
    for (ok, part, line) in &report.lines {
        println!("    {} {part:<14} {line}", if *ok { "ok  " } else { "FAIL" });
    }
    let failed = report.lines.iter().filter(|l| !l.0).count();
    if failed == 0 && result.is_ok() {
        println!("FAULT CHECK: ALL PASSED ({} checks) in {}m{:02}s", report.lines.len(), secs / 60, secs % 60);
    } else {
        println!("FAULT CHECK: FAILED ({failed} of {} checks) in {}m{:02}s", report.lines.len(), secs / 60, secs % 60);
        std::process::exit(1);
    }
}

#[derive(Default)]
struct Report {
    lines: Vec<(bool, String, String)>,
}

impl Report {
    fn check(&mut self, part: &str, ok: bool, line: String) -> bool {
        println!("    {} {line}", if ok { "ok  " } else { "FAIL" });
        self.lines.push((ok, part.to_string(), line));
        ok
    }
}

struct Ctx {
    args: Args,
    deadline: Instant,
    client: reqwest::Client,
    rng: std::sync::Mutex<Rng>,
}

impl Ctx {
    /// `limit`, or what is left of the overall time limit when that is less.
    fn bound(&self, limit: Duration) -> Duration {
        limit.min(self.deadline.saturating_duration_since(Instant::now()))
    }
}

async fn run(args: &Args, report: &mut Report) -> R<()> {
    std::fs::create_dir_all(&args.work_dir)?;
    let seed = args.seed.unwrap_or_else(|| SystemClock.now_ms() as u64);
    println!("fault check: seed {seed}, {} kills per database, parts {}", args.kills, args.parts.join(","));
    let ctx = Ctx {
        args: args.clone(),
        deadline: Instant::now() + Duration::from_secs(args.max_seconds),
        client: reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(20))
            .connect_timeout(Duration::from_secs(2))
            .build()?,
        rng: std::sync::Mutex::new(Rng::new(seed)),
    };
    let want = |p: &str| args.parts.iter().any(|x| x == p);
    if want("crash-sqlite") {
        println!("\n==> crash: kill -9 under load, SQLite");
        let url = format!("sqlite://{}/crash.db", args.work_dir.display());
        if let Err(e) = crash(&ctx, report, "crash sqlite", &url).await {
            report.check("crash sqlite", false, format!("aborted: {e}"));
        }
    }
    let pg_parts = ["crash-pg", "two-instances", "db-down"];
    if pg_parts.iter().any(|p| want(p)) {
        let cluster = Cluster::start(&ctx).await?;
        println!("\n    PostgreSQL 15 throwaway cluster on port {}", cluster.port);
        if want("crash-pg") {
            println!("\n==> crash: kill -9 under load, PostgreSQL");
            if let Err(e) = crash(&ctx, report, "crash pg", &cluster.url).await {
                report.check("crash pg", false, format!("aborted: {e}"));
            }
        }
        if want("two-instances") {
            println!("\n==> two instances on one PostgreSQL");
            if let Err(e) = two_instances(&ctx, report, &cluster.url).await {
                report.check("two instances", false, format!("aborted: {e}"));
            }
        }
        if want("db-down") {
            println!("\n==> database unavailable under a running server (PostgreSQL stopped, then started again)");
            if let Err(e) = db_down(&ctx, report, &cluster).await {
                report.check("db down", false, format!("aborted: {e}"));
            }
        }
        cluster.stop(&ctx);
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// processes

/// A server process on a fixed loopback port and database; restartable.
struct Server {
    name: String,
    port: u16,
    db_url: String,
    extra: Vec<String>,
    log: PathBuf,
    bin: PathBuf,
    sealing_key: PathBuf,
    child: Option<Child>,
}

impl Server {
    fn new(ctx: &Ctx, name: &str, db_url: &str, extra: &[&str]) -> R<Server> {
        Ok(Server {
            name: name.to_string(),
            port: free_port()?,
            db_url: db_url.to_string(),
            extra: extra.iter().map(|s| s.to_string()).collect(),
            log: ctx.args.work_dir.join(format!("{}.log", name.replace(' ', "-"))),
            bin: ctx.args.server_bin.clone(),
            sealing_key: ctx.args.work_dir.join("sealing.key"),
            child: None,
        })
    }

    fn base(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    fn start(&mut self) -> R<()> {
        let log = OpenOptions::new().create(true).append(true).open(&self.log)?;
        let child = Command::new(&self.bin)
            .arg("--addr")
            .arg(format!("127.0.0.1:{}", self.port))
            .arg("--database-url")
            .arg(&self.db_url)
            .arg("--sealing-key-file")
            .arg(&self.sealing_key)
            .args(["--sign-in-per-minute", "100000", "--session-minutes", "5256000"])
            .args(&self.extra)
            .stdin(Stdio::null())
            .stdout(log.try_clone()?)
            .stderr(log)
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", self.bin.display()))?;
        self.child = Some(child);
        Ok(())
    }

    fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(Child::id)
    }

    fn alive(&mut self) -> bool {
        self.child.as_mut().is_some_and(|c| matches!(c.try_wait(), Ok(None)))
    }

    /// Polls `/healthz` until it answers 200 (or the process ends, or `limit` passes).
    async fn ready(&mut self, ctx: &Ctx, limit: Duration) -> R<Duration> {
        let t = Instant::now();
        let limit = ctx.bound(limit);
        let url = format!("{}/healthz", self.base());
        loop {
            if let Some(c) = self.child.as_mut() {
                if let Some(status) = c.try_wait()? {
                    return Err(format!("{} exited ({status}) while starting:\n{}", self.name, tail(&self.log, 15)).into());
                }
            }
            if let Ok(r) = ctx.client.get(&url).timeout(Duration::from_secs(2)).send().await {
                if r.status().is_success() {
                    return Ok(t.elapsed());
                }
            }
            if t.elapsed() >= limit {
                return Err(format!("{} not ready within {:?}:\n{}", self.name, limit, tail(&self.log, 15)).into());
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// SIGKILL, and reap the process.
    fn kill9(&mut self) -> R<()> {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            c.wait()?;
        }
        Ok(())
    }

    /// SIGTERM and wait (bounded) for a graceful exit; `Ok(true)` when it exited by itself with success.
    async fn terminate(&mut self, limit: Duration) -> R<bool> {
        let Some(mut c) = self.child.take() else { return Ok(false) };
        let _ = Command::new("kill").args(["-TERM", &c.id().to_string()]).status();
        let t = Instant::now();
        loop {
            if let Some(status) = c.try_wait()? {
                return Ok(status.success());
            }
            if t.elapsed() >= limit {
                let _ = c.kill();
                c.wait()?;
                return Ok(false);
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.kill9();
    }
}

/// A throwaway PostgreSQL cluster (scripts/pg.sh), stopped and deleted on `stop`.
struct Cluster {
    dir: PathBuf,
    port: u16,
    url: String,
}

impl Cluster {
    async fn start(ctx: &Ctx) -> R<Cluster> {
        let dir = ctx.args.work_dir.join("pg");
        let port = free_port()?;
        let out = run_bounded(ctx, Command::new(&ctx.args.pg_script).arg("start").arg(&dir).arg(port.to_string()), Duration::from_secs(120)).await?;
        let url = out.lines().last().unwrap_or("").trim().to_string();
        if !url.starts_with("postgres://") {
            return Err(format!("pg.sh start printed no URL: {out}").into());
        }
        Ok(Cluster { dir, port, url })
    }
    async fn pause(&self, ctx: &Ctx) -> R<()> {
        run_bounded(ctx, Command::new(&ctx.args.pg_script).arg("pause").arg(&self.dir), Duration::from_secs(60)).await.map(|_| ())
    }
    async fn resume(&self, ctx: &Ctx) -> R<()> {
        run_bounded(ctx, Command::new(&ctx.args.pg_script).arg("resume").arg(&self.dir).arg(self.port.to_string()), Duration::from_secs(60))
            .await
            .map(|_| ())
    }
    fn stop(&self, ctx: &Ctx) {
        let _ = Command::new(&ctx.args.pg_script).arg("stop").arg(&self.dir).stdout(Stdio::null()).stderr(Stdio::null()).status();
    }
}

/// Runs a command to its end (at most `limit`); its standard output, or an error with both outputs.
async fn run_bounded(ctx: &Ctx, cmd: &mut Command, limit: Duration) -> R<String> {
    static RUNS: AtomicU64 = AtomicU64::new(0);
    let n = RUNS.fetch_add(1, Ordering::Relaxed);
    let out_path = ctx.args.work_dir.join(format!("cmd-{n}.out"));
    let err_path = ctx.args.work_dir.join(format!("cmd-{n}.err"));
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(&out_path)?)
        .stderr(std::fs::File::create(&err_path)?)
        .spawn()?;
    let t = Instant::now();
    let limit = ctx.bound(limit);
    let status = loop {
        if let Some(s) = child.try_wait()? {
            break s;
        }
        if t.elapsed() >= limit {
            let _ = child.kill();
            let _ = child.wait();
            return Err(format!("{cmd:?} did not finish within {limit:?}").into());
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let out = std::fs::read_to_string(&out_path).unwrap_or_default();
    let err = std::fs::read_to_string(&err_path).unwrap_or_default();
    let _ = std::fs::remove_file(&out_path);
    let _ = std::fs::remove_file(&err_path);
    if !status.success() {
        return Err(format!("{cmd:?} failed ({status}): {out}{err}").into());
    }
    Ok(out)
}

fn free_port() -> R<u16> {
    let l = std::net::TcpListener::bind("127.0.0.1:0")?;
    Ok(l.local_addr()?.port())
}

/// The last `n` lines of a log file.
fn tail(path: &Path, n: usize) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(n)..].join("\n")
}

/// xorshift64*: the kill delays, reproducible from the printed seed.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.next() % (hi.saturating_sub(lo) + 1)
    }
}

// ---------------------------------------------------------------------------
// HTTP

/// A server function call (form-encoded POST): status and body; `Err` when no answer came.
async fn call(client: &reqwest::Client, base: &str, path: &str, cookie: Option<&str>, form: &[(&str, &str)]) -> Result<(u16, String), reqwest::Error> {
    let mut req = client.post(format!("{base}{path}")).form(form);
    if let Some(c) = cookie {
        req = req.header(reqwest::header::COOKIE, c);
    }
    let res = req.send().await?;
    let status = res.status().as_u16();
    Ok((status, res.text().await?))
}

/// GET a page: status and body.
async fn get(client: &reqwest::Client, url: &str, cookie: Option<&str>) -> Result<(u16, String), reqwest::Error> {
    let mut req = client.get(url);
    if let Some(c) = cookie {
        req = req.header(reqwest::header::COOKIE, c);
    }
    let res = req.send().await?;
    let status = res.status().as_u16();
    Ok((status, res.text().await?))
}

/// A call that must succeed: its body.
async fn must(client: &reqwest::Client, base: &str, path: &str, cookie: Option<&str>, form: &[(&str, &str)]) -> R<String> {
    let (status, body) = call(client, base, path, cookie, form).await?;
    if !(200..300).contains(&status) {
        return Err(format!("{path}: HTTP {status}: {}", body.chars().take(300).collect::<String>()).into());
    }
    Ok(body)
}

/// Signs in; returns the session cookie (`zjcs_session=…`).
async fn sign_in(client: &reqwest::Client, base: &str, username: &str, password: &str) -> R<String> {
    let res = client
        .post(format!("{base}/api/accounts/sign_in"))
        .form(&[("username", username), ("password", password)])
        .send()
        .await?;
    let status = res.status();
    let cookie = res
        .headers()
        .get_all(reqwest::header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .filter_map(|c| c.split(';').next())
        .map(str::trim)
        .find(|kv| kv.starts_with("zjcs_session=") && kv.len() > "zjcs_session=".len())
        .map(str::to_string);
    match cookie {
        Some(c) if status.is_success() || status.is_redirection() => Ok(c),
        _ => Err(format!("sign-in of {username} refused: HTTP {status}: {}", res.text().await.unwrap_or_default()).into()),
    }
}

/// Moves the server's test clock forward by `ms` (0: just read it); the server's now.
async fn advance_clock(ctx: &Ctx, base: &str, ms: i64) -> R<i64> {
    let res = ctx.client.post(format!("{base}/__test/clock?advance_ms={ms}")).timeout(Duration::from_secs(120)).send().await?;
    let status = res.status();
    let body = res.text().await?;
    if !status.is_success() {
        return Err(format!("test clock: HTTP {status}: {body}").into());
    }
    Ok(body.trim().parse()?)
}

/// An announcement through `POST /api/trading/save` with publish; returns its code.
struct NewAnnouncement<'a> {
    title: &'a str,
    project: String,
    item: &'a str,
    region: &'a str,
    budget: &'a str,
    method: &'a str,
    deadline: String,
    direct_firm: &'a str,
}

async fn publish(ctx: &Ctx, base: &str, cookie: &str, a: &NewAnnouncement<'_>) -> R<String> {
    let direct_reason = if a.direct_firm.is_empty() { "" } else { "故障测试:应急项目直接选取" };
    let form = [
        ("form[title]", a.title),
        ("form[project_code]", a.project.as_str()),
        ("form[item_code]", a.item),
        ("form[region_code]", a.region),
        ("form[funding]", "fiscal"),
        ("form[budget]", a.budget),
        ("form[scope]", "故障测试:进程崩溃、多实例与数据库中断"),
        ("form[match_mode]", "any"),
        ("form[req_type_1]", ""),
        ("form[req_grade_1]", ""),
        ("form[req_type_2]", ""),
        ("form[req_grade_2]", ""),
        ("form[req_type_3]", ""),
        ("form[req_grade_3]", ""),
        ("form[service_days]", "30"),
        ("form[deadline]", a.deadline.as_str()),
        ("form[method]", a.method),
        ("form[contact_name]", "故障测试"),
        ("form[contact_phone]", "028-85551234"),
        ("form[price_weight]", ""),
        ("form[criteria]", ""),
        ("form[direct_firm]", a.direct_firm),
        ("form[direct_reason]", direct_reason),
        ("publish", "1"),
    ];
    let body = must(&ctx.client, base, "/api/trading/save", Some(cookie), &form).await?;
    Ok(serde_json::from_str::<String>(&body)?)
}

/// A deadline for the announcement form: `days` ahead of `now` at 17:00 Shanghai time.
fn deadline(now: i64, days: i64) -> String {
    format!("{}T17:00", app::domain::time::date_shanghai(now + days * 86_400_000))
}

/// Yuan text of an amount in fen.
fn yuan(fen: i64) -> String {
    format!("{}.{:02}", fen / 100, fen % 100)
}

// ---------------------------------------------------------------------------
// the demo market's accounts

struct Firm {
    username: &'static str,
    id: i64,
    credit_code: String,
    cookie: String,
}

struct Market {
    owner_cookie: String,
    owner_region: String,
    item: String,
    firms: Vec<Firm>,
}

async fn market(ctx: &Ctx, pool: &app::db::Pool, base: &str) -> R<Market> {
    let (owner_region,): (String,) = sqlx::query_as("SELECT o.region_code FROM users u JOIN owners o ON o.id = u.owner_id WHERE u.username = $1")
        .bind(OWNER)
        .fetch_optional(pool)
        .await?
        .ok_or("the demo owner account is missing (demo market not loaded)")?;
    let mut firms = Vec::new();
    for username in FIRMS {
        let (id, credit_code): (i64, String) =
            sqlx::query_as("SELECT CAST(f.id AS BIGINT), f.credit_code FROM users u JOIN firms f ON f.id = u.firm_id WHERE u.username = $1")
                .bind(username)
                .fetch_optional(pool)
                .await?
                .ok_or_else(|| format!("demo firm account {username} missing"))?;
        let cookie = sign_in(&ctx.client, base, username, &ctx.args.password).await?;
        firms.push(Firm { username, id, credit_code, cookie });
    }
    // an item in force that every demo firm offers
    let today = app::domain::time::date_shanghai(SystemClock.now_ms());
    let mut common: Option<Vec<String>> = None;
    for f in &firms {
        let items: Vec<String> = sqlx::query_scalar(&format!(
            "SELECT s.code FROM firm_items fi JOIN service_items s ON s.id = fi.item_id WHERE fi.firm_id = $1 AND {} ORDER BY s.code",
            app::db::catalogue::in_force_sql("s", "$2")
        ))
        .bind(f.id)
        .bind(&today)
        .fetch_all(pool)
        .await?;
        common = Some(match common {
            None => items,
            Some(c) => c.into_iter().filter(|i| items.contains(i)).collect(),
        });
    }
    let item = common.and_then(|c| c.into_iter().next()).ok_or("the demo firms offer no item in common")?;
    let owner_cookie = sign_in(&ctx.client, base, OWNER, &ctx.args.password).await?;
    Ok(Market { owner_cookie, owner_region, item, firms })
}

// ---------------------------------------------------------------------------
// 1. crash

/// What the client learnt of one request.
#[derive(Clone, Debug)]
enum Outcome {
    /// HTTP 2xx: the write is acknowledged (the body: a quote's receipt).
    Acked(String),
    /// HTTP 4xx: refused (status, body).
    Refused(u16, String),
    /// HTTP 5xx (status, body): the server failed to answer properly.
    Failed(u16, String),
    /// No answer: `connect` when the connection was refused (the server was down:
    /// certainly not done), else cut by a kill (may or may not be done).
    NoAnswer { connect: bool },
}

struct QuoteLog {
    code: String,
    firm: usize,
    /// (amount, outcome) in the order sent.
    attempts: Vec<(String, Outcome)>,
}

struct SignLog {
    party: &'static str,
    /// (contract code, outcome) in the order sent.
    attempts: Vec<(String, Outcome)>,
}

/// Workers run while the gate is open; the kill loop closes it from the kill until the restart.
struct Shared {
    gate: tokio::sync::watch::Sender<bool>,
    stop: AtomicBool,
    next_amount: AtomicU64,
    hard_deadline: Instant,
}

impl Shared {
    /// Waits (bounded) until the server is up; `false` when the workers should stop.
    async fn open(&self) -> bool {
        let mut rx = self.gate.subscribe();
        let left = self.hard_deadline.saturating_duration_since(Instant::now());
        !self.stop.load(Ordering::Relaxed) && matches!(tokio::time::timeout(left, rx.wait_for(|open| *open)).await, Ok(Ok(_)))
    }
}

/// Whether the request may have been done although no success came back.
fn uncertain(o: &Outcome) -> bool {
    matches!(o, Outcome::NoAnswer { connect: false, .. } | Outcome::Failed(..))
}

/// Stops the workers when the crash test ends, also early on an error.
struct StopOnDrop(Arc<Shared>);

impl Drop for StopOnDrop {
    fn drop(&mut self) {
        self.0.stop.store(true, Ordering::Relaxed);
        self.0.gate.send_replace(true);
    }
}

fn outcome(r: Result<(u16, String), reqwest::Error>) -> Outcome {
    match r {
        Ok((s, body)) if (200..300).contains(&s) => Outcome::Acked(body),
        Ok((s, body)) if s < 500 => Outcome::Refused(s, body),
        Ok((s, body)) => Outcome::Failed(s, body),
        Err(e) => Outcome::NoAnswer { connect: e.is_connect() },
    }
}

async fn quote_worker(client: reqwest::Client, base: String, shared: Arc<Shared>, mut log: QuoteLog, cookie: String) -> QuoteLog {
    loop {
        if !shared.open().await {
            return log;
        }
        let fen = 50_000_000 + shared.next_amount.fetch_add(1, Ordering::Relaxed) as i64;
        let amount = yuan(fen);
        let r = call(&client, &base, "/api/trading/quote", Some(&cookie), &[("code", log.code.as_str()), ("amount", amount.as_str())]).await;
        let o = outcome(r);
        let retry = matches!(o, Outcome::NoAnswer { .. } | Outcome::Failed(..));
        log.attempts.push((amount, o));
        if retry {
            // the server is down or restarting: back off a little, the gate closes meanwhile
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

async fn sign_worker(client: reqwest::Client, base: String, shared: Arc<Shared>, party: &'static str, cookie: String, contracts: Vec<(String, String)>, pace: Duration) -> SignLog {
    let mut log = SignLog { party, attempts: Vec::new() };
    'contracts: for (code, sha) in contracts {
        // spread the signatures over the kills (the pace of a person, not a wait for a condition)
        tokio::time::sleep(pace).await;
        for _ in 0..200 {
            if !shared.open().await {
                break 'contracts;
            }
            let r = call(&client, &base, "/api/contracts/sign", Some(&cookie), &[("code", code.as_str()), ("sha256", sha.as_str()), ("confirm", "1")]).await;
            let o = outcome(r);
            let again = matches!(o, Outcome::NoAnswer { .. } | Outcome::Failed(..));
            log.attempts.push((code.clone(), o));
            if !again {
                continue 'contracts;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
    log
}

async fn crash(ctx: &Ctx, report: &mut Report, part: &str, db_url: &str) -> R<()> {
    let t0 = Instant::now();
    let projects = ctx.args.demo_projects.to_string();
    let mut server = Server::new(ctx, part, db_url, &["--demo", "--demo-projects", &projects, "--test-clock"])?;
    server.start()?;
    let up = server.ready(ctx, Duration::from_secs(300)).await?;
    println!("    server on {} ({}), demo market of {} projects loaded, ready in {:.1}s", server.base(), db_url.split("://").next().unwrap_or(""), projects, up.as_secs_f64());
    let base = server.base();
    let (pool, backend) = app::db::connect(db_url, 4).await?;
    let m = market(ctx, &pool, &base).await?;
    let run_tag = format!("FAULT-{}", SystemClock.now_ms() % 1_000_000_000);

    // contracts awaiting signature: direct choices, confirmed, publicity passed by the test clock
    let now = advance_clock(ctx, &base, 0).await?;
    let mut direct = Vec::new();
    for i in 0..ctx.args.contracts {
        let f = i % m.firms.len();
        let a = NewAnnouncement {
            title: "故障测试项目(直接选取)",
            project: format!("{run_tag}-D{i}"),
            item: &m.item,
            region: &m.owner_region,
            budget: "100000",
            method: "direct",
            deadline: String::new(),
            direct_firm: &m.firms[f].credit_code,
        };
        direct.push((publish(ctx, &base, &m.owner_cookie, &a).await?, f));
    }
    for (code, f) in &direct {
        must(&ctx.client, &base, "/api/trading/respond_award", Some(&m.firms[*f].cookie), &[("code", code.as_str()), ("decision", "confirm")]).await?;
    }
    let (ends,): (Option<i64>,) = sqlx::query_as(
        "SELECT CAST(MAX(a.publicity_ends_at) AS BIGINT) FROM awards a JOIN procurements p ON p.id = a.procurement_id WHERE p.project_code LIKE $1",
    )
    .bind(format!("{run_tag}-D%"))
    .fetch_one(&pool)
    .await?;
    let offset = ends.ok_or("the direct choices made no award")? - now + 60_000;
    let now = advance_clock(ctx, &base, offset).await?;
    let want = ctx.args.contracts;
    let contracts = poll(ctx, Duration::from_secs(30), || {
        let (pool, like) = (pool.clone(), format!("{run_tag}-D%"));
        async move {
            let rows: Vec<(String, i64, String)> = sqlx::query_as(
                "SELECT c.code, CAST(c.firm_id AS BIGINT), v.sha256 FROM contracts c JOIN procurements p ON p.id = c.procurement_id \
                 JOIN contract_versions v ON v.contract_id = c.id AND v.version = c.version \
                 WHERE p.project_code LIKE $1 AND c.status = 'drafted' ORDER BY c.id",
            )
            .bind(like)
            .fetch_all(&pool)
            .await?;
            Ok((rows.len() == want).then_some(rows))
        }
    })
    .await?
    .ok_or("the final awards did not generate every contract")?;
    // price competitions the firms quote on
    let mut competitions = Vec::new();
    for i in 0..ctx.args.competitions {
        let a = NewAnnouncement {
            title: "故障测试项目(竞价选取)",
            project: format!("{run_tag}-P{i}"),
            item: &m.item,
            region: &m.owner_region,
            budget: "1000000",
            method: "price_competition",
            deadline: deadline(now, 20),
            direct_firm: "",
        };
        competitions.push(publish(ctx, &base, &m.owner_cookie, &a).await?);
    }
    println!(
        "    {} contracts awaiting signature (direct choice → confirmed → publicity passed, clock +{:.1} days), {} price competitions; setup {:.1}s",
        contracts.len(),
        offset as f64 / 86_400_000.0,
        competitions.len(),
        t0.elapsed().as_secs_f64()
    );

    // the load
    let (gate, _) = tokio::sync::watch::channel(true);
    let shared = Arc::new(Shared {
        gate,
        stop: AtomicBool::new(false),
        next_amount: AtomicU64::new(1),
        hard_deadline: ctx.deadline.min(Instant::now() + Duration::from_secs(60 + ctx.args.kills as u64 * 20)),
    });
    let _stop = StopOnDrop(shared.clone());
    let mut quote_tasks = Vec::new();
    for code in &competitions {
        for (f, firm) in m.firms.iter().enumerate() {
            let log = QuoteLog { code: code.clone(), firm: f, attempts: Vec::new() };
            quote_tasks.push(tokio::spawn(quote_worker(ctx.client.clone(), base.clone(), shared.clone(), log, firm.cookie.clone())));
        }
    }
    let mut sign_tasks = Vec::new();
    let all: Vec<(String, String)> = contracts.iter().map(|c| (c.0.clone(), c.2.clone())).collect();
    let spread = Duration::from_millis((ctx.args.kills as u64 * 700 / 2).max(1000));
    let owner_pace = spread / all.len().max(1) as u32;
    sign_tasks.push(tokio::spawn(sign_worker(ctx.client.clone(), base.clone(), shared.clone(), "owner", m.owner_cookie.clone(), all, owner_pace)));
    for firm in &m.firms {
        let mine: Vec<(String, String)> = contracts.iter().filter(|c| c.1 == firm.id).map(|c| (c.0.clone(), c.2.clone())).collect();
        let pace = spread / mine.len().max(1) as u32;
        sign_tasks.push(tokio::spawn(sign_worker(ctx.client.clone(), base.clone(), shared.clone(), "firm", firm.cookie.clone(), mine, pace)));
    }

    // kill -9 at random moments, restart on the same database
    let t_kills = Instant::now();
    let mut delays = Vec::new();
    let mut restarts = Vec::new();
    let mut restart_error = None;
    let mut clock_moves = Vec::new();
    for _ in 0..ctx.args.kills {
        if Instant::now() >= ctx.deadline {
            break;
        }
        let delay = ctx.rng.lock().unwrap().range(ctx.args.min_kill_ms, ctx.args.max_kill_ms);
        tokio::time::sleep(Duration::from_millis(delay)).await;
        server.kill9()?;
        shared.gate.send_replace(false);
        delays.push(delay);
        server.start()?;
        match server.ready(ctx, Duration::from_secs(60)).await {
            Ok(t) => restarts.push(t),
            Err(e) => {
                restart_error = Some(e.to_string());
                break;
            }
        }
        // the restarted server's clock starts at the true time: move it as far as before
        let t = Instant::now();
        advance_clock(ctx, &base, offset).await?;
        clock_moves.push(t.elapsed());
        shared.gate.send_replace(true);
    }
    shared.stop.store(true, Ordering::Relaxed);
    shared.gate.send_replace(true);
    let load_secs = t_kills.elapsed().as_secs_f64();
    let mut quotes = Vec::new();
    for t in quote_tasks {
        quotes.push(tokio::time::timeout(ctx.bound(Duration::from_secs(60)), t).await.map_err(|_| "a quote client did not stop")??);
    }
    let mut signs = Vec::new();
    for t in sign_tasks {
        signs.push(tokio::time::timeout(ctx.bound(Duration::from_secs(60)), t).await.map_err(|_| "a signing client did not stop")??);
    }
    let max_restart = restarts.iter().max().copied().unwrap_or_default();
    println!(
        "    kill -9 delays (ms, seed-determined): {}",
        delays.iter().map(u64::to_string).collect::<Vec<_>>().join(" ")
    );
    let ok = report.check(
        part,
        restart_error.is_none() && delays.len() == ctx.args.kills,
        match &restart_error {
            None => format!(
                "{} kill -9 under load in {load_secs:.1}s; every restart on the same database came up (slowest {:.2}s; \
                 moving its test clock forward again took at most {:.2}s)",
                delays.len(),
                max_restart.as_secs_f64(),
                clock_moves.iter().max().copied().unwrap_or_default().as_secs_f64()
            ),
            Some(e) => format!("after {} kills the server did not come back: {e}", delays.len()),
        },
    );
    // one more kill while idle and a last restart: it must come up cleanly and serve
    server.kill9()?;
    server.start()?;
    let last = server.ready(ctx, Duration::from_secs(60)).await;
    let page = match &last {
        Ok(_) => get(&ctx.client, &format!("{base}/announcements/{}", competitions[0]), None).await.map(|r| r.0).unwrap_or(0),
        Err(_) => 0,
    };
    let clean_exit = server.terminate(Duration::from_secs(20)).await.unwrap_or(false);
    report.check(
        part,
        ok && last.is_ok() && page == 200 && clean_exit,
        format!(
            "last restart: {}, announcement page HTTP {page}, graceful stop (SIGTERM) {}",
            match &last {
                Ok(t) => format!("up in {:.2}s", t.as_secs_f64()),
                Err(e) => format!("FAILED {e}"),
            },
            if clean_exit { "exit 0" } else { "FAILED" }
        ),
    );

    check_quotes(report, part, &pool, &m, &quotes).await?;
    check_signatures(report, part, &pool, &contracts, &signs).await?;

    // integrity
    if backend == app::db::Backend::Sqlite {
        let rows: Vec<String> = sqlx::query_scalar("PRAGMA integrity_check").fetch_all(&pool).await?;
        report.check(part, rows == ["ok"], format!("PRAGMA integrity_check: {}", rows.join("; ").chars().take(300).collect::<String>()));
        let fk: Vec<(String,)> = sqlx::query_as("SELECT \"table\" FROM pragma_foreign_key_check").fetch_all(&pool).await.unwrap_or_default();
        report.check(part, fk.is_empty(), format!("PRAGMA foreign_key_check: {} violations", fk.len()));
    }
    pool.close().await;
    let verify = run_bounded(ctx, Command::new(&ctx.args.server_bin).arg("audit-verify").arg("--database-url").arg(db_url), Duration::from_secs(120)).await;
    report.check(
        part,
        verify.is_ok(),
        match verify {
            Ok(out) => format!("audit trail hash chain intact after the kills (server audit-verify: {})", out.lines().last().unwrap_or("").trim()),
            Err(e) => format!("server audit-verify: {e}"),
        },
    );
    println!("    {part}: {:.1}s", t0.elapsed().as_secs_f64());
    Ok(())
}

/// Every acknowledged quote is stored once; nothing half-done.
async fn check_quotes(report: &mut Report, part: &str, pool: &app::db::Pool, m: &Market, logs: &[QuoteLog]) -> R<()> {
    // successful audit entries of quotes, by (announcement, firm account)
    let audit: Vec<(Option<String>, Option<String>, String, i64)> = sqlx::query_as(
        "SELECT subject, actor_username, args, CAST(http_status AS BIGINT) FROM audit_log WHERE action = 'trading/quote'",
    )
    .fetch_all(pool)
    .await?;
    let mut audited: HashMap<(String, String), i64> = HashMap::new();
    // a quote stays sealed until the opening: its amount is never in the audit trail
    let mut in_clear = 0usize;
    for (subject, actor, args, status) in &audit {
        if !(200..300).contains(status) {
            continue;
        }
        *audited.entry((subject.clone().unwrap_or_default(), actor.clone().unwrap_or_default())).or_default() += 1;
        let amount = serde_json::from_str::<serde_json::Value>(args).ok().and_then(|v| v.get("amount").cloned());
        if amount.is_some_and(|a| a.as_str() != Some(app::domain::audit::SEALED_VALUE)) {
            in_clear += 1;
        }
    }
    let (mut acked, mut cut, mut cut_stored, mut refused, mut failed) = (0usize, 0usize, 0i64, Vec::new(), Vec::new());
    // quotes committed whose audit entry was never written (killed between the two transactions)
    let mut unaudited = 0i64;
    let mut problems = Vec::new();
    for log in logs {
        let firm = &m.firms[log.firm];
        let row: Option<(i64, String)> = sqlx::query_as(
            "SELECT CAST(q.revision AS BIGINT), q.receipt FROM sealed_quotes q JOIN procurements p ON p.id = q.procurement_id \
             WHERE p.code = $1 AND q.firm_id = $2 AND q.status = 'submitted'",
        )
        .bind(&log.code)
        .bind(firm.id)
        .fetch_optional(pool)
        .await?;
        let (revision, receipt) = row.unwrap_or((0, String::new()));
        let a = log.attempts.iter().filter(|x| matches!(x.1, Outcome::Acked(_))).count() as i64;
        // requests that may have been done without an answer: cut by a kill, or a 5xx
        let u = log.attempts.iter().filter(|x| uncertain(&x.1)).count() as i64;
        let in_audit = audited.get(&(log.code.clone(), firm.username.to_string())).copied().unwrap_or(0);
        acked += a as usize;
        cut += u as usize;
        cut_stored += revision - a;
        unaudited += revision - in_audit;
        for (amount, o) in &log.attempts {
            match o {
                Outcome::Refused(s, b) => refused.push(format!("{amount}: HTTP {s} {}", b.chars().take(120).collect::<String>())),
                Outcome::Failed(s, b) => failed.push(format!("{amount}: HTTP {s} {}", b.chars().take(120).collect::<String>())),
                _ => {}
            }
        }
        let who = format!("{} on {}", firm.username, log.code);
        // every acknowledged quote is a revision; no revision without a request
        if revision < a || revision > a + u {
            problems.push(format!("{who}: revision {revision}, but {a} acknowledged and {u} unanswered"));
        }
        // the audit entry is written before the answer and after the commit
        if in_audit < a || in_audit > revision {
            problems.push(format!("{who}: {in_audit} successful audit entries, {a} acknowledged, revision {revision}"));
        }
        // the stored quote is the last acknowledged one, or one sent after it that got no answer
        let last_acked = log.attempts.iter().rposition(|x| matches!(x.1, Outcome::Acked(_)));
        if let Some(i) = last_acked {
            let Outcome::Acked(body) = &log.attempts[i].1 else { unreachable!() };
            let want: String = serde_json::from_str(body).unwrap_or_default();
            let later_unanswered = log.attempts[i + 1..].iter().any(|x| uncertain(&x.1));
            let earlier: HashSet<String> = log.attempts[..i]
                .iter()
                .filter_map(|x| match &x.1 {
                    Outcome::Acked(b) => serde_json::from_str::<String>(b).ok(),
                    _ => None,
                })
                .collect();
            if receipt != want && (!later_unanswered || earlier.contains(&receipt)) {
                problems.push(format!("{who}: stored receipt {receipt:.16}… is not the last acknowledged {want:.16}…"));
            }
        }
    }
    if in_clear > 0 {
        problems.push(format!("{in_clear} audit entries of quotes hold the sealed amount in the clear"));
    }
    problems.dedup();
    report.check(
        part,
        acked > 0 && problems.is_empty(),
        format!(
            "sealed quotes: {acked} acknowledged over {} firm×announcement clients, all stored exactly once \
             (revision counters, last receipts, audit entry counts, no amount in the audit trail); {cut} cut by a kill, of which {cut_stored} had committed \
             ({unaudited} of those without their audit entry: the audit trail is appended after the action commits){}",
            logs.len(),
            problems.iter().take(5).map(|p| format!("\n         {p}")).collect::<String>()
        ),
    );
    report.check(
        part,
        refused.is_empty() && failed.is_empty(),
        format!(
            "quotes refused (4xx) {} / server errors (5xx) {}{}",
            refused.len(),
            failed.len(),
            refused.iter().chain(failed.iter()).take(3).map(|p| format!("\n         {p}")).collect::<String>()
        ),
    );
    Ok(())
}

/// Every acknowledged signature is stored once; a contract is signed exactly when both parties signed.
async fn check_signatures(report: &mut Report, part: &str, pool: &app::db::Pool, contracts: &[(String, i64, String)], logs: &[SignLog]) -> R<()> {
    let codes: HashSet<&str> = contracts.iter().map(|c| c.0.as_str()).collect();
    let rows: Vec<(String, String, i64, Option<i64>)> = sqlx::query_as(
        "SELECT c.code, s.party, CAST(s.version AS BIGINT), CAST(s.void_at AS BIGINT) FROM contract_signatures s JOIN contracts c ON c.id = s.contract_id",
    )
    .fetch_all(pool)
    .await?;
    let mut stored: HashMap<(String, String), i64> = HashMap::new();
    let mut dup = Vec::new();
    for (code, party, version, void_at) in &rows {
        if !codes.contains(code.as_str()) {
            continue;
        }
        if void_at.is_some() || *version != 1 {
            dup.push(format!("{code} {party}: version {version}, void {void_at:?} (nothing voids a signature here)"));
        }
        let n = stored.entry((code.clone(), party.clone())).or_default();
        *n += 1;
        if *n > 1 {
            dup.push(format!("{code} {party}: stored {n} times"));
        }
    }
    let (mut acked, mut already, mut unanswered_only, mut other) = (0, 0, 0, Vec::new());
    let mut missing = Vec::new();
    for log in logs {
        let mut by_contract: BTreeMap<&str, Vec<&Outcome>> = BTreeMap::new();
        for (code, o) in &log.attempts {
            by_contract.entry(code.as_str()).or_default().push(o);
        }
        for (code, outcomes) in by_contract {
            let present = stored.contains_key(&(code.to_string(), log.party.to_string()));
            let last = outcomes.last().copied();
            // a retry after a cut request that had committed is refused: "already signed", or
            // "not drafted" when that signature was the second one and the contract is signed
            let retried = outcomes[..outcomes.len() - 1].iter().any(|o| uncertain(o));
            match last {
                Some(Outcome::Acked(_)) => {
                    acked += 1;
                    if !present {
                        missing.push(format!("{code} {}: acknowledged, not stored", log.party));
                    }
                }
                Some(Outcome::Refused(_, b)) if retried && (b.contains("contract.already_signed") || b.contains("contract.not_drafted")) => {
                    already += 1;
                    if !present {
                        missing.push(format!("{code} {}: refused as already signed, not stored", log.party));
                    }
                }
                Some(Outcome::Refused(s, b)) => other.push(format!("{code} {}: HTTP {s} {}", log.party, b.chars().take(120).collect::<String>())),
                Some(Outcome::Failed(s, b)) => other.push(format!("{code} {}: HTTP {s} {}", log.party, b.chars().take(120).collect::<String>())),
                _ => unanswered_only += 1,
            }
        }
    }
    // never half-done: status, events and signatures agree
    let state: Vec<(String, String, i64, i64, i64)> = sqlx::query_as(
        "SELECT c.code, c.status, \
         (SELECT COUNT(*) FROM contract_signatures s WHERE s.contract_id = c.id AND s.void_at IS NULL), \
         (SELECT COUNT(*) FROM contract_events e WHERE e.contract_id = c.id AND e.kind = 'signature'), \
         (SELECT COUNT(*) FROM contract_events e WHERE e.contract_id = c.id AND e.kind = 'signed') \
         FROM contracts c",
    )
    .fetch_all(pool)
    .await?;
    let mut half = Vec::new();
    let mut signed = 0;
    for (code, status, sigs, sig_events, signed_events) in state.iter().filter(|s| codes.contains(s.0.as_str())) {
        let complete = *sigs == 2;
        signed += complete as usize;
        if complete != (status == "signed") || *signed_events != complete as i64 || sig_events != sigs {
            half.push(format!("{code}: status {status}, {sigs} signatures, {sig_events} signature events, {signed_events} signed events"));
        }
    }
    report.check(
        part,
        acked > 0 && missing.is_empty() && dup.is_empty(),
        format!(
            "contract signatures: {acked} acknowledged + {already} retried after a cut request and refused as already done, \
             all stored exactly once ({} rows, none duplicated); {unanswered_only} never answered{}",
            stored.len(),
            missing.iter().chain(dup.iter()).take(5).map(|p| format!("\n         {p}")).collect::<String>()
        ),
    );
    report.check(
        part,
        half.is_empty() && other.is_empty(),
        format!(
            "contracts never half-signed: {signed} of {} fully signed ⇔ status 'signed' with one 'signed' event; one event per signature{}",
            contracts.len(),
            half.iter().chain(other.iter()).take(5).map(|p| format!("\n         {p}")).collect::<String>()
        ),
    );
    Ok(())
}

/// Polls `f` every 100 ms until it yields `Some` (or `limit` passes: `None`).
async fn poll<T, F, Fut>(ctx: &Ctx, limit: Duration, mut f: F) -> R<Option<T>>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = R<Option<T>>>,
{
    let t = Instant::now();
    let limit = ctx.bound(limit);
    loop {
        if let Some(v) = f().await? {
            return Ok(Some(v));
        }
        if t.elapsed() >= limit {
            return Ok(None);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

// ---------------------------------------------------------------------------
// 2. two instances

/// An open `/live` stream, read until a wanted text appears.
struct Stream {
    res: reqwest::Response,
    text: String,
}

impl Stream {
    async fn open(url: &str) -> R<Stream> {
        // no overall timeout: the stream stays open; every read below is bounded
        let client = reqwest::Client::builder().connect_timeout(Duration::from_secs(2)).build()?;
        let res = tokio::time::timeout(Duration::from_secs(10), client.get(url).send()).await.map_err(|_| "no answer from /live")??;
        if !res.status().is_success() {
            return Err(format!("/live: HTTP {}", res.status()).into());
        }
        Ok(Stream { res, text: String::new() })
    }

    /// Reads until `want` is in the stream (at most `limit`).
    async fn until(&mut self, want: &str, limit: Duration) -> bool {
        let end = tokio::time::Instant::now() + limit;
        while !self.text.contains(want) {
            match tokio::time::timeout_at(end, self.res.chunk()).await {
                Ok(Ok(Some(chunk))) => self.text.push_str(&String::from_utf8_lossy(&chunk)),
                _ => return false,
            }
        }
        true
    }
}

async fn two_instances(ctx: &Ctx, report: &mut Report, db_url: &str) -> R<()> {
    let part = "two instances";
    let t0 = Instant::now();
    let projects = ctx.args.demo_projects.to_string();
    let mut a = Server::new(ctx, "instance A", db_url, &["--demo", "--demo-projects", &projects, "--test-clock"])?;
    a.start()?;
    a.ready(ctx, Duration::from_secs(300)).await?;
    let mut b = Server::new(ctx, "instance B", db_url, &["--test-clock"])?;
    b.start()?;
    b.ready(ctx, Duration::from_secs(120)).await?;
    let (ba, bb) = (a.base(), b.base());
    println!("    A on {ba}, B on {bb}, one database");
    let (pool, _) = app::db::connect(db_url, 4).await?;

    // a session made on A works on B
    let cookie = sign_in(&ctx.client, &ba, "firm", &ctx.args.password).await?;
    let on_b = call(&ctx.client, &bb, "/api/trading/participations", Some(&cookie), &[]).await?;
    let anonymous = call(&ctx.client, &bb, "/api/trading/participations", None, &[]).await?;
    let page = get(&ctx.client, &format!("{bb}/firm/trading"), Some(&cookie)).await?;
    let page_anon = get(&ctx.client, &format!("{bb}/firm/trading"), None).await?;
    report.check(
        part,
        on_b.0 == 200 && anonymous.0 == 401 && page.0 == 200 && page.1 != page_anon.1,
        format!(
            "session signed in on A used on B: server function HTTP {} (without the cookie {}), firm page HTTP {} (differs from the anonymous one: {})",
            on_b.0,
            anonymous.0,
            page.0,
            page.1 != page_anon.1
        ),
    );

    // announcements: two random draws and two price competitions, published by the owner signed in on B, through A
    let m = market(ctx, &pool, &bb).await?;
    let now = advance_clock(ctx, &ba, 0).await?;
    let tag = format!("PAIR-{}", SystemClock.now_ms() % 1_000_000_000);
    let mut draws = Vec::new();
    let mut prices = Vec::new();
    for i in 0..2 {
        let mut n = NewAnnouncement {
            title: "双实例测试项目(随机抽取)",
            project: format!("{tag}-R{i}"),
            item: &m.item,
            region: &m.owner_region,
            budget: "200000",
            method: "random_draw",
            deadline: deadline(now, 10),
            direct_firm: "",
        };
        draws.push(publish(ctx, &ba, &m.owner_cookie, &n).await?);
        n.title = "双实例测试项目(竞价选取)";
        n.project = format!("{tag}-P{i}");
        n.method = "price_competition";
        prices.push(publish(ctx, &ba, &m.owner_cookie, &n).await?);
    }

    // live updates: a change made on A, and one made on B, reach subscribers on both
    let topic = format!("procurement:{}", draws[0]);
    let mut sa = Stream::open(&format!("{ba}/live?topics={topic}")).await?;
    let mut sb = Stream::open(&format!("{bb}/live?topics={topic}")).await?;
    let ready = sa.until("event: ready", Duration::from_secs(10)).await && sb.until("event: ready", Duration::from_secs(10)).await;
    let mut live_ok = ready;
    let mut seen = Vec::new();
    for (i, (via, base)) in [("A", &ba), ("B", &bb)].into_iter().enumerate() {
        let t = Instant::now();
        must(&ctx.client, base, "/api/trading/register", Some(&m.firms[i].cookie), &[("code", draws[0].as_str())]).await?;
        let want = format!("\"participants\":{}", i + 1);
        let got_a = sa.until(&want, Duration::from_secs(10)).await;
        let got_b = sb.until(&want, Duration::from_secs(10)).await;
        live_ok &= got_a && got_b;
        seen.push(format!("registration on {via} → subscriber on A {}, on B {} ({} ms)", yes(got_a), yes(got_b), t.elapsed().as_millis()));
    }
    report.check(part, live_ok, format!("live updates (SSE, LISTEN/NOTIFY): {}", seen.join("; ")));

    // everyone takes part: three registrations per draw, three quotes per competition (spread: none abnormally low)
    for code in &draws {
        for (i, f) in m.firms.iter().enumerate().take(3) {
            if code == &draws[0] && i < 2 {
                continue; // registered above
            }
            must(&ctx.client, if i % 2 == 0 { &ba } else { &bb }, "/api/trading/register", Some(&f.cookie), &[("code", code.as_str())]).await?;
        }
    }
    for code in &prices {
        for (i, f) in m.firms.iter().enumerate().take(3) {
            let amount = yuan(18_000_000 + i as i64 * 500_000);
            must(&ctx.client, if i % 2 == 0 { &bb } else { &ba }, "/api/trading/quote", Some(&f.cookie), &[("code", code.as_str()), ("amount", amount.as_str())]).await?;
        }
    }

    // both clocks pass the deadline at the same moment: both instances close at once (and both schedulers tick)
    let all: Vec<String> = draws.iter().chain(prices.iter()).cloned().collect();
    let (due,): (Option<i64>,) = sqlx::query_as(&format!(
        "SELECT CAST(MAX(deadline_at) AS BIGINT) FROM procurements WHERE code IN ({})",
        all.iter().map(|c| format!("'{c}'")).collect::<Vec<_>>().join(",")
    ))
    .fetch_one(&pool)
    .await?;
    let delta = due.ok_or("no deadline")? - now + 60_000;
    let (ra, rb) = tokio::join!(advance_clock(ctx, &ba, delta), advance_clock(ctx, &bb, delta));
    ra?;
    rb?;
    let closed = poll(ctx, Duration::from_secs(20), || {
        let (pool, all) = (pool.clone(), all.clone());
        async move {
            let mut open = 0;
            for c in &all {
                let s: String = sqlx::query_scalar("SELECT status FROM procurements WHERE code = $1").bind(c).fetch_one(&pool).await?;
                open += (s == "published") as usize;
            }
            Ok((open == 0).then_some(()))
        }
    })
    .await?;
    if closed.is_none() {
        report.check(part, false, "the procurements did not close within 20 s of the deadline".into());
    }

    let count = |sql: &'static str, code: String| {
        let pool = pool.clone();
        async move { sqlx::query_scalar::<_, i64>(sql).bind(code).fetch_one(&pool).await }
    };
    let ev = |kind: &'static str, code: String| {
        let pool = pool.clone();
        async move {
            sqlx::query_scalar::<_, i64>(
                "SELECT COUNT(*) FROM procurement_events e JOIN procurements p ON p.id = e.procurement_id WHERE p.code = $1 AND e.kind = $2",
            )
            .bind(code)
            .bind(kind)
            .fetch_one(&pool)
            .await
        }
    };
    let mut lines = Vec::new();
    let mut once = true;
    for code in &draws {
        let d = count("SELECT COUNT(*) FROM draws d JOIN procurements p ON p.id = d.procurement_id WHERE p.code = $1", code.clone()).await?;
        let aw = count("SELECT COUNT(*) FROM awards a JOIN procurements p ON p.id = a.procurement_id WHERE p.code = $1", code.clone()).await?;
        let ca = count("SELECT COUNT(*) FROM candidates c JOIN procurements p ON p.id = c.procurement_id WHERE p.code = $1", code.clone()).await?;
        let (cl, dr, se) = (ev("closed", code.clone()).await?, ev("drawn", code.clone()).await?, ev("selected", code.clone()).await?);
        once &= d == 1 && aw == 1 && ca == 3 && cl == 1 && dr == 1 && se == 1;
        lines.push(format!("draw {code}: {d} draw, {cl} closed / {dr} drawn / {se} selected events, {aw} award, {ca} candidates"));
    }
    for code in &prices {
        let q = count("SELECT COUNT(*) FROM quotes q JOIN procurements p ON p.id = q.procurement_id WHERE p.code = $1", code.clone()).await?;
        let aw = count("SELECT COUNT(*) FROM awards a JOIN procurements p ON p.id = a.procurement_id WHERE p.code = $1", code.clone()).await?;
        let ca = count("SELECT COUNT(*) FROM candidates c JOIN procurements p ON p.id = c.procurement_id WHERE p.code = $1", code.clone()).await?;
        let (cl, se) = (ev("closed", code.clone()).await?, ev("selected", code.clone()).await?);
        once &= q == 3 && aw == 1 && ca == 3 && cl == 1 && se == 1;
        lines.push(format!("opening {code}: {q} opened quotes, {cl} closed / {se} selected events, {aw} award, {ca} candidates"));
    }
    let twice: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM (SELECT procurement_id FROM procurement_events WHERE kind = 'closed' GROUP BY procurement_id HAVING COUNT(*) > 1) x",
    )
    .fetch_one(&pool)
    .await?;
    once &= twice == 0;
    report.check(
        part,
        once,
        format!(
            "deadline passed on both instances at once (clocks +{:.1} days, both schedulers running): each draw and opening happened exactly once; \
             no procurement closed twice in the whole database ({twice}){}",
            delta as f64 / 86_400_000.0,
            lines.iter().map(|l| format!("\n         {l}")).collect::<String>()
        ),
    );
    pool.close().await;
    let (ea, eb) = (a.terminate(Duration::from_secs(20)).await?, b.terminate(Duration::from_secs(20)).await?);
    report.check(part, ea && eb, format!("both instances stop gracefully with open event streams (SIGTERM): A {}, B {}", yes(ea), yes(eb)));
    drop((sa, sb));
    println!("    {part}: {:.1}s", t0.elapsed().as_secs_f64());
    Ok(())
}

fn yes(b: bool) -> &'static str {
    if b {
        "yes"
    } else {
        "NO"
    }
}

// ---------------------------------------------------------------------------
// 3. database down

async fn db_down(ctx: &Ctx, report: &mut Report, cluster: &Cluster) -> R<()> {
    let part = "db down";
    let t0 = Instant::now();
    let projects = ctx.args.demo_projects.to_string();
    let mut s = Server::new(ctx, "db-down server", &cluster.url, &["--demo", "--demo-projects", &projects])?;
    s.start()?;
    s.ready(ctx, Duration::from_secs(300)).await?;
    let base = s.base();
    let pid = s.pid();
    let cookie = sign_in(&ctx.client, &base, "firm", &ctx.args.password).await?;
    // (label, GET page or POST server function, path, with the firm's session)
    let targets: Vec<(&str, bool, &str, bool)> = vec![
        ("page /announcements", true, "/announcements", false),
        ("page /firms", true, "/firms", false),
        ("page /items", true, "/items", false),
        ("page /firm/trading (signed in)", true, "/firm/trading", true),
        ("server fn trading/participations (signed in)", false, "/api/trading/participations", true),
    ];
    let fetch = |page: bool, path: &str, signed: bool| {
        let client = ctx.client.clone();
        let url = format!("{base}{path}");
        let cookie = signed.then(|| cookie.clone());
        async move {
            if page {
                get(&client, &url, cookie.as_deref()).await
            } else {
                let mut req = client.post(&url).header(reqwest::header::CONTENT_TYPE, "application/x-www-form-urlencoded").body("");
                if let Some(c) = &cookie {
                    req = req.header(reqwest::header::COOKIE, c);
                }
                let res = req.send().await?;
                let st = res.status().as_u16();
                Ok((st, res.text().await?))
            }
        }
    };
    let mut baseline = Vec::new();
    for (label, page, path, signed) in &targets {
        let (st, _) = fetch(*page, path, *signed).await?;
        if st != 200 {
            baseline.push(format!("{label}: HTTP {st}"));
        }
    }
    report.check(part, baseline.is_empty(), format!("before: every page and the server function answer 200 {}", baseline.join(", ")));

    cluster.pause(ctx).await?;
    let mut lines = Vec::new();
    let mut ok = true;
    for (label, page, path, signed) in &targets {
        let t = Instant::now();
        let r = fetch(*page, path, *signed).await;
        let ms = t.elapsed().as_millis();
        match r {
            Ok((st, body)) => {
                let clear = body.contains(UNAVAILABLE_ZH) || (!page && body.contains("Unavailable"));
                ok &= st == 503 && clear;
                let shown = if *page { extract_alert(&body) } else { body.chars().take(80).collect() };
                lines.push(format!("{label}: HTTP {st} in {ms} ms, {}: {shown}", if clear { "says unavailable" } else { "UNCLEAR" }));
            }
            Err(e) => {
                ok = false;
                lines.push(format!("{label}: no answer after {ms} ms ({e})"));
            }
        }
    }
    let health = get(&ctx.client, &format!("{base}/healthz"), None).await.map(|r| r.0);
    let alive = s.alive();
    ok &= alive && health.is_ok();
    report.check(
        part,
        ok,
        format!(
            "cluster stopped: server process alive {}, /healthz answers {:?}; every request answered (503, the unavailable message) within the 20 s client timeout{}",
            yes(alive),
            health.as_ref().map_err(|e| e.to_string()),
            lines.iter().map(|l| format!("\n         {l}")).collect::<String>()
        ),
    );

    cluster.resume(ctx).await?;
    let t = Instant::now();
    let mut back = Vec::new();
    for (label, page, path, signed) in &targets {
        let r = poll(ctx, Duration::from_secs(30), || {
            let f = fetch(*page, path, *signed);
            async move {
                let (st, _) = f.await?;
                Ok((st == 200).then_some(()))
            }
        })
        .await;
        back.push((label, matches!(r, Ok(Some(())))));
    }
    let all_back = back.iter().all(|b| b.1);
    let same = s.alive() && s.pid() == pid;
    report.check(
        part,
        all_back && same,
        format!(
            "cluster started again (same data, same port): every page and the server function answer 200 again after {:.1}s, same server process (pid {}, never restarted): {}{}",
            t.elapsed().as_secs_f64(),
            pid.unwrap_or(0),
            yes(same),
            back.iter().filter(|b| !b.1).map(|b| format!("\n         still failing: {}", b.0)).collect::<String>()
        ),
    );
    let panics = std::fs::read_to_string(&s.log).unwrap_or_default().matches("panicked").count();
    let exit = s.terminate(Duration::from_secs(20)).await?;
    report.check(part, panics == 0 && exit, format!("no panic in the server log ({panics}); graceful stop {}", yes(exit)));
    println!("    {part}: {:.1}s", t0.elapsed().as_secs_f64());
    Ok(())
}

/// The text of the page's alert panel (`role="alert"`), tags stripped, for the report.
fn extract_alert(html: &str) -> String {
    let Some(i) = html.find("role=\"alert\"") else { return "(no alert panel)".into() };
    let rest = &html[i..];
    let end = rest.find("</div>").unwrap_or(rest.len().min(600));
    let mut out = String::new();
    let mut in_tag = true; // starts inside the opening tag
    for ch in rest[..end].chars() {
        match ch {
            '<' => in_tag = true,
            '>' => {
                in_tag = false;
                out.push(' ');
            }
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    let text = out.split_whitespace().collect::<Vec<_>>().join(" ");
    text.chars().take(80).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_rng_is_reproducible_and_stays_in_range() {
        let (mut a, mut b) = (Rng::new(42), Rng::new(42));
        for _ in 0..1000 {
            let x = a.range(150, 1200);
            assert_eq!(x, b.range(150, 1200));
            assert!((150..=1200).contains(&x));
        }
        assert_ne!(Rng::new(1).next(), Rng::new(2).next());
    }

    #[test]
    fn amounts_are_yuan_text() {
        assert_eq!(yuan(50_000_001), "500000.01");
        assert_eq!(yuan(18_000_000), "180000.00");
        assert_eq!(app::domain::announcement::parse_yuan(&yuan(50_000_123)).unwrap().0, 50_000_123);
    }

    #[test]
    fn the_alert_text_is_extracted() {
        let html = r#"<main><div class="panel error" role="alert"><h2>出错了</h2><p>服务暂时不可用,请稍后重试。</p></div></main>"#;
        assert_eq!(extract_alert(html), "出错了 服务暂时不可用,请稍后重试。");
        assert_eq!(extract_alert("<p>x</p>"), "(no alert panel)");
    }
}
