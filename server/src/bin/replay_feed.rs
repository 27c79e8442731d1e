//! Replays a feed of approval-case stage events (数据上传接口) for demos and tests.
//!
//! The feed is a JSON file in the upload format (`{"events": [...]}`, see
//! docs/ingest-v1.schema.json); the sample is data/sample/approval-feed.json
//! (30 cases around 2026-11-20). By default its times are moved by whole weeks
//! so the latest event lies in the last week before now (weekdays and office
//! hours stay as they are); `--keep-times` sends them unchanged.
//!
//!   replay_feed --url http://127.0.0.1:3000 --key zjk_…      # through the HTTP API
//!   replay_feed --database sqlite://data/zjcs.db             # straight into a database
//!
//! With `--database` the platform (`--platform`, default `sample-feed`) is created
//! when missing, with a key printed once, and the events go through
//! `app::db::ingest` directly. Event ids make a replay idempotent: run twice, the
//! second run reports every event as a duplicate and changes nothing.
use clap::Parser;
use serde_json::Value;
use std::time::Duration;

#[derive(Parser, Debug)]
#[command(name = "replay_feed", about = "Replays approval-case stage events (a sample feed) into zjcs")]
struct Args {
    /// The feed: `{"events": [...]}` as the upload API takes it.
    #[arg(long, default_value = "data/sample/approval-feed.json")]
    file: std::path::PathBuf,
    /// A running server to POST to (with `--key`).
    #[arg(long, conflicts_with = "database")]
    url: Option<String>,
    /// The platform's API key (for `--url`).
    #[arg(long, env = "ZJCS_INGEST_KEY", hide_env_values = true)]
    key: Option<String>,
    /// Ingest straight into this database instead (migrated; reference data loaded).
    #[arg(long)]
    database: Option<String>,
    /// The platform to ingest as (with `--database`); created when missing.
    #[arg(long, default_value = "sample-feed")]
    platform: String,
    /// Events per batch (at most 500).
    #[arg(long, default_value_t = 100)]
    batch: usize,
    /// Send the feed's times unchanged (default: moved by whole weeks towards now).
    #[arg(long)]
    keep_times: bool,
}

type Error = Box<dyn std::error::Error + Send + Sync>;

#[tokio::main]
async fn main() {
    let args = Args::parse();
    if let Err(e) = run(args).await {
        eprintln!("replay_feed: {e}");
        std::process::exit(1);
    }
}

use app::domain::ingest::{rebase_weeks as rebase, WEEK_MS};

fn now_ms() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0)
}

#[derive(Default, Debug, PartialEq)]
struct Totals {
    created: usize,
    duplicate: usize,
    rejected: usize,
    warnings: usize,
}

impl Totals {
    fn add(&mut self, reply: &app::domain::ingest::BatchReply, offset: usize) {
        self.created += reply.created;
        self.duplicate += reply.duplicate;
        self.rejected += reply.rejected;
        for r in &reply.results {
            self.warnings += r.warnings.len();
            for e in &r.errors {
                println!("  rejected {} ({}): {}", r.event_id, shift_index(&e.field, offset), e.message);
            }
        }
    }
}

/// `events[3].at` of a batch starting at `offset` → `events[offset + 3].at` of the feed.
fn shift_index(field: &str, offset: usize) -> String {
    let Some(rest) = field.strip_prefix("events[") else { return field.to_string() };
    let Some((n, tail)) = rest.split_once(']') else { return field.to_string() };
    match n.parse::<usize>() {
        Ok(n) => format!("events[{}]{tail}", n + offset),
        Err(_) => field.to_string(),
    }
}

async fn run(args: Args) -> Result<(), Error> {
    if args.batch == 0 || args.batch > app::domain::ingest::MAX_BATCH {
        return Err(format!("--batch must be 1–{}", app::domain::ingest::MAX_BATCH).into());
    }
    let text = std::fs::read_to_string(&args.file).map_err(|e| format!("cannot read {}: {e}", args.file.display()))?;
    let feed: Value = serde_json::from_str(&text).map_err(|e| format!("{} is not JSON: {e}", args.file.display()))?;
    let mut events = feed.get("events").and_then(Value::as_array).cloned().ok_or("the feed has no \"events\" array")?;
    if !args.keep_times {
        let shift = rebase(&mut events, now_ms());
        println!("times moved by {} weeks", shift / WEEK_MS);
    }
    let mut totals = Totals::default();
    match (&args.url, &args.database) {
        (Some(url), None) => {
            let key = args.key.as_deref().ok_or("--url needs --key (or ZJCS_INGEST_KEY)")?;
            let client = reqwest::Client::builder().timeout(Duration::from_secs(60)).build()?;
            let endpoint = format!("{}/api/ingest/v1/events", url.trim_end_matches('/'));
            for (k, chunk) in events.chunks(args.batch).enumerate() {
                let body = serde_json::json!({ "events": chunk }).to_string();
                let res = client
                    .post(&endpoint)
                    .header(reqwest::header::AUTHORIZATION, format!("Bearer {key}"))
                    .header(reqwest::header::CONTENT_TYPE, "application/json")
                    .body(body)
                    .send()
                    .await?;
                let status = res.status();
                let text = res.text().await?;
                if !status.is_success() {
                    return Err(format!("batch {}: HTTP {status}: {text}", k + 1).into());
                }
                totals.add(&serde_json::from_str(&text)?, k * args.batch);
            }
        }
        (None, Some(database)) => {
            let (pool, backend) = app::db::connect(database, 2).await?;
            app::db::migrate(&pool, backend).await?;
            app::db::reference::load(&pool, now_ms()).await?;
            let platform = match app::db::ingest::platform_by_code(&pool, &args.platform).await? {
                Some(p) => p,
                None => {
                    if !app::domain::ingest::valid_platform_code(&args.platform) {
                        return Err("--platform: 2–32 lowercase letters, digits or -, starting with a letter".into());
                    }
                    let id = app::db::ingest::create_platform(&pool, backend, &args.platform, "示例审批平台(回放)", None, now_ms())
                        .await?
                        .ok_or("the platform was created concurrently; run again")?;
                    let (_, secret) = app::db::ingest::issue_key(&pool, id, None, now_ms()).await?;
                    println!("platform {} created; its API key (shown once): {secret}", args.platform);
                    app::db::ingest::platform_by_id(&pool, id).await?.ok_or("platform vanished")?
                }
            };
            for (k, chunk) in events.chunks(args.batch).enumerate() {
                let body = serde_json::json!({ "events": chunk }).to_string();
                let reply = app::db::ingest::ingest_body(&pool, backend, &platform, body.as_bytes(), now_ms())
                    .await?
                    .map_err(|e| format!("batch {}: {}: {}", k + 1, e.field(), e.message()))?;
                totals.add(&reply, k * args.batch);
            }
            pool.close().await;
        }
        _ => return Err("give either --url (with --key) or --database".into()),
    }
    println!(
        "{} events: {} created, {} duplicate, {} rejected ({} warnings, e.g. unknown procurement codes)",
        events.len(),
        totals.created,
        totals.duplicate,
        totals.rejected,
        totals.warnings
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ingest_batch_fields_point_into_the_feed() {
        assert_eq!(shift_index("events[3].at", 100), "events[103].at");
        assert_eq!(shift_index("Authorization", 100), "Authorization");
    }

    #[tokio::test]
    async fn ingest_the_sample_feed_replays_idempotently() {
        let dir = std::env::temp_dir().join(format!("zjcs-replay-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let db = format!("sqlite://{}/z.db", dir.display());
        let file = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../data/sample/approval-feed.json");
        let args = || Args {
            file: file.clone(),
            url: None,
            key: None,
            database: Some(db.clone()),
            platform: "sample-feed".into(),
            batch: 25,
            keep_times: false,
        };
        run(args()).await.unwrap();
        let (pool, _) = app::db::connect(&db, 1).await.unwrap();
        let count = |sql: &'static str| {
            let pool = pool.clone();
            async move { sqlx::query_scalar::<_, i64>(sql).fetch_one(&pool).await.unwrap() }
        };
        let events = count("SELECT COUNT(*) FROM approval_events").await;
        assert_eq!(count("SELECT COUNT(*) FROM approval_cases").await, 30);
        let feed: Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
        assert_eq!(events as usize, feed["events"].as_array().unwrap().len(), "every sample event is valid");
        run(args()).await.unwrap();
        assert_eq!(count("SELECT COUNT(*) FROM approval_events").await, events, "a second run changes nothing");
        assert_eq!(count("SELECT COUNT(*) FROM approval_api_keys").await, 1);
        pool.close().await;
        let _ = std::fs::remove_dir_all(dir);
    }
}
