//! Page load generator (issue #10): requests per second and p50 / p99 latency of
//! public server-rendered pages at a fixed number of concurrent keep-alive
//! connections, beside a bare axum handler measured the same way in the same run,
//! and each page's ratio to it. With `--server-pid` it also prints the server's
//! resident memory (VmRSS) and peak (VmHWM) before and after the load (the peak is
//! reset before the load where /proc allows, so that it is the load's own peak).
//! Figures, not assertions.
//!
//! Run by `scripts/bench-pages.sh` (which builds, starts a release server with the
//! demo market and stops it); by hand:
//!
//!   load_pages --base-url http://127.0.0.1:3000 [--paths /,/announcements,/firms] \
//!       [--connections 100] [--requests 50000] [--seconds 20] [--warmup 500] [--server-pid PID]
//!
//! The bare handler runs inside this process on another loopback port, on its own
//! two-thread tokio runtime (as many workers as the server has on this 2-core
//! machine), behind the same `CompressionLayer` as the server; it answers one small
//! fixed HTML page. Both are asked with the same `Accept-Encoding` (a browser's by
//! default), so both pay for compression. The load generator shares the cores with
//! the server, so every figure is "this machine, client included".
//!
//! Every connection is its own `reqwest::Client` (one pooled keep-alive
//! connection each), so `--connections` is the number of TCP connections. Each
//! target gets a warm-up (bounded by `--warmup` requests and 10 s) and then a timed
//! run bounded by `--requests` and `--seconds`.
use clap::Parser;
use shared::percentile;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

mod shared;

#[derive(Parser, Debug)]
#[command(name = "load_pages", about = "Loads public pages of a running zjcs server; compares with a bare axum handler")]
struct Args {
    /// The running server.
    #[arg(long, default_value = "http://127.0.0.1:3000")]
    base_url: String,
    /// Pages to load, in order (comma-separated paths).
    #[arg(long, value_delimiter = ',', default_value = "/,/announcements,/firms")]
    paths: Vec<String>,
    /// Concurrent keep-alive connections.
    #[arg(long, default_value_t = 100)]
    connections: usize,
    /// Timed requests per target (at most).
    #[arg(long, default_value_t = 50_000)]
    requests: usize,
    /// Time limit of each target's timed run, seconds.
    #[arg(long, default_value_t = 20)]
    seconds: u64,
    /// Warm-up requests per target (not timed; at most 10 s).
    #[arg(long, default_value_t = 500)]
    warmup: usize,
    /// `Accept-Encoding` sent with every request ("" for none).
    #[arg(long, default_value = "gzip, deflate, br")]
    accept_encoding: String,
    /// The server's process id: its VmRSS / VmHWM are printed before and after.
    #[arg(long)]
    server_pid: Option<u32>,
}

type Error = Box<dyn std::error::Error + Send + Sync>;

/// The bare handler's page: small, fixed, about the size of a tiny real page.
const BARE_PAGE: &str = concat!(
    "<!DOCTYPE html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\">",
    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">",
    "<title>中介超市</title></head><body><main><h1>中介服务网上交易平台</h1>",
    "<p>基准页面:固定的小页面,不查询数据库,不渲染组件。</p></main></body></html>"
);

#[tokio::main]
async fn main() {
    let args = Args::parse();
    if let Err(e) = run(args).await {
        eprintln!("load_pages: {e}");
        std::process::exit(1);
    }
}

async fn run(args: Args) -> Result<(), Error> {
    if args.connections == 0 || args.requests == 0 || args.paths.is_empty() {
        return Err("--connections, --requests and --paths must not be empty".into());
    }
    let limit = Duration::from_secs(args.seconds.max(1));
    let base = args.base_url.trim_end_matches('/').to_string();
    let bare = start_bare_handler()?;
    let clients = (0..args.connections).map(|_| client()).collect::<Result<Vec<_>, _>>()?;
    let encoding = Arc::new(args.accept_encoding.clone());

    if let Some(pid) = args.server_pid {
        let m = memory(pid)?;
        println!("    server memory before the load: RSS {}   peak since start (VmHWM) {}", mib(m.rss_kb), mib(m.hwm_kb));
        // the start-up peak (loading the demo market) would hide the load's own peak
        match reset_peak(pid) {
            Ok(()) => println!("    (peak reset through /proc/{pid}/clear_refs: the peak after the load is the load's own)"),
            Err(e) => println!("    (peak not reset, {e}: the peak after the load includes the start-up)"),
        }
    }
    println!(
        "    {} connections (keep-alive), per target: {} warm-up, then at most {} requests or {} s; Accept-Encoding: {}",
        args.connections,
        args.warmup,
        args.requests,
        limit.as_secs(),
        if args.accept_encoding.is_empty() { "(none)" } else { &args.accept_encoding }
    );
    println!(
        "    {:<22} {:>9} {:>9} {:>9} {:>9} {:>10} {:>9} {:>8}",
        "target", "req/s", "p50 ms", "p99 ms", "max ms", "bytes/resp", "errors", "÷ bare"
    );

    // the bare handler first: its rate is the ceiling every page is compared with
    let mut targets = vec![("bare axum handler".to_string(), format!("http://{bare}/"))];
    targets.extend(args.paths.iter().map(|p| (p.clone(), format!("{base}{p}"))));
    let mut bare_rate = 0.0;
    for (i, (label, url)) in targets.iter().enumerate() {
        let url = Arc::new(url.clone());
        load(&clients, &url, &encoding, args.warmup, Duration::from_secs(10)).await;
        let mut r = load(&clients, &url, &encoding, args.requests, limit).await;
        r.latencies.sort_by(f64::total_cmp);
        let rate = r.per_second();
        if i == 0 {
            bare_rate = rate;
        }
        let mem = match args.server_pid.map(memory) {
            Some(Ok(m)) if i > 0 => format!("   server RSS {}", mib(m.rss_kb)),
            _ => String::new(),
        };
        println!(
            "    {:<22} {:>9.1} {:>9.1} {:>9.1} {:>9.1} {:>10} {:>9} {:>8}{mem}",
            label,
            rate,
            percentile(&r.latencies, 0.50),
            percentile(&r.latencies, 0.99),
            r.latencies.last().copied().unwrap_or(0.0),
            if r.ok > 0 { r.bytes / r.ok } else { 0 },
            r.errors,
            if i == 0 || bare_rate == 0.0 { "1".to_string() } else { format!("{:.3}", rate / bare_rate) },
        );
        for s in r.samples.iter().take(3) {
            println!("    {:<22} error: {}", "", s.chars().take(160).collect::<String>());
        }
    }

    if let Some(pid) = args.server_pid {
        let after = memory(pid)?;
        println!("    server memory after the load:  RSS {}   peak (VmHWM) {}", mib(after.rss_kb), mib(after.hwm_kb));
    }
    println!("    (req/s ÷ bare: each page's rate as a fraction of the bare handler's; machine: {} cores, client included)", cores());
    Ok(())
}

/// One keep-alive connection's client: no redirects, no cookies, at most one idle connection.
fn client() -> Result<reqwest::Client, Error> {
    Ok(reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .pool_max_idle_per_host(1)
        .pool_idle_timeout(Duration::from_secs(300))
        .tcp_nodelay(true)
        .timeout(Duration::from_secs(30))
        .build()?)
}

/// Starts the bare axum handler on a free loopback port, on its own runtime (two
/// worker threads, in a thread of its own); returns its address.
fn start_bare_handler() -> Result<std::net::SocketAddr, Error> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    listener.set_nonblocking(true)?;
    let addr = listener.local_addr()?;
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build()?;
    std::thread::spawn(move || {
        runtime.block_on(async move {
            let app = axum::Router::new()
                .route("/", axum::routing::get(|| async { axum::response::Html(BARE_PAGE) }))
                .layer(tower_http::compression::CompressionLayer::new());
            match tokio::net::TcpListener::from_std(listener) {
                Ok(l) => {
                    if let Err(e) = axum::serve(l, app).await {
                        eprintln!("load_pages: bare handler stopped: {e}");
                    }
                }
                Err(e) => eprintln!("load_pages: bare handler: {e}"),
            }
        })
    });
    Ok(addr)
}

/// Outcome of one target's run.
#[derive(Default)]
struct Run {
    ok: usize,
    errors: usize,
    /// Body bytes received (as sent on the wire: compressed when the server compressed).
    bytes: usize,
    elapsed: Duration,
    /// Latency of each successful request, ms.
    latencies: Vec<f64>,
    /// A few errors: status and body, or the client error.
    samples: Vec<String>,
}

impl Run {
    fn per_second(&self) -> f64 {
        if self.elapsed.is_zero() {
            0.0
        } else {
            self.ok as f64 / self.elapsed.as_secs_f64()
        }
    }

    fn merge(&mut self, other: Run) {
        self.ok += other.ok;
        self.errors += other.errors;
        self.bytes += other.bytes;
        self.latencies.extend(other.latencies);
        for s in other.samples {
            if self.samples.len() < 5 {
                self.samples.push(s);
            }
        }
    }
}

/// At most `total` GET requests of `url`, one task per connection, until `limit`.
async fn load(clients: &[reqwest::Client], url: &Arc<String>, encoding: &Arc<String>, total: usize, limit: Duration) -> Run {
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let mut tasks = Vec::new();
    for client in clients {
        let (client, next, url, encoding) = (client.clone(), next.clone(), url.clone(), encoding.clone());
        tasks.push(tokio::spawn(async move {
            let mut run = Run::default();
            loop {
                if next.fetch_add(1, Ordering::Relaxed) >= total || started.elapsed() >= limit {
                    break;
                }
                let t = Instant::now();
                let mut req = client.get(url.as_str());
                if !encoding.is_empty() {
                    req = req.header(reqwest::header::ACCEPT_ENCODING, encoding.as_str());
                }
                match req.send().await {
                    Ok(res) => {
                        let status = res.status();
                        match res.bytes().await {
                            Ok(body) if status.is_success() => {
                                run.ok += 1;
                                run.bytes += body.len();
                                run.latencies.push(t.elapsed().as_secs_f64() * 1000.0);
                            }
                            Ok(body) => {
                                run.errors += 1;
                                if run.samples.len() < 3 {
                                    run.samples.push(format!("HTTP {status}: {}", String::from_utf8_lossy(&body)));
                                }
                            }
                            Err(e) => {
                                run.errors += 1;
                                if run.samples.len() < 3 {
                                    run.samples.push(e.to_string());
                                }
                            }
                        }
                    }
                    Err(e) => {
                        run.errors += 1;
                        if run.samples.len() < 3 {
                            run.samples.push(e.to_string());
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


/// Resident memory of a process, from `/proc/<pid>/status` (kB).
struct Memory {
    rss_kb: u64,
    hwm_kb: u64,
}

fn memory(pid: u32) -> Result<Memory, Error> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).map_err(|e| format!("/proc/{pid}/status: {e}"))?;
    parse_memory(&status).ok_or_else(|| format!("/proc/{pid}/status has no VmRSS / VmHWM").into())
}

/// Resets the process's peak RSS (VmHWM) to its current RSS (Linux ≥ 4.0; the
/// owner or root may).
fn reset_peak(pid: u32) -> Result<(), Error> {
    std::fs::write(format!("/proc/{pid}/clear_refs"), "5").map_err(|e| format!("/proc/{pid}/clear_refs: {e}").into())
}

fn parse_memory(status: &str) -> Option<Memory> {
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
    };
    Some(Memory { rss_kb: field("VmRSS:")?, hwm_kb: field("VmHWM:")? })
}

fn mib(kb: u64) -> String {
    format!("{:.1} MiB", kb as f64 / 1024.0)
}

fn cores() -> usize {
    std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn memory_is_read_from_proc_status() {
        let status = "Name:\tserver\nVmPeak:\t  999 kB\nVmHWM:\t   204800 kB\nVmRSS:\t   102400 kB\n";
        let m = parse_memory(status).unwrap();
        assert_eq!((m.rss_kb, m.hwm_kb), (102_400, 204_800));
        assert_eq!(mib(m.rss_kb), "100.0 MiB");
        assert!(parse_memory("Name:\tx\n").is_none());
    }
}
