//! Approval cases from other platforms (数据上传接口): platforms, API keys, the
//! stage events they report and the cases those events build. Validation and
//! the stage rules are in `domain::ingest`; the HTTP route in server/src/ingest.rs.
//!
//! Storage: one write transaction per event. The event row (unique per platform
//! and event id) is written in the same transaction as the case change, so an
//! event is applied exactly once: a retry of the whole batch (even while the
//! first attempt is still running) finds the stored event and answers
//! `duplicate` with the original warnings, changing nothing. Rejected events are
//! not stored, so a platform may correct one and resend it under the same id.
use super::trading::Tx;
use super::{Backend, Pool};
use crate::domain::ingest::{
    apply_order, check_transition, key_hash, parse_batch, payload_hash, BatchError, BatchReply, CaseStage, EventResult, EventStatus, FieldIssue,
    ParsedEvent, Stage, StageEvent, KEY_PREFIX, SHOWN_PREFIX_LEN,
};
use std::collections::{HashMap, HashSet};

/// A platform allowed to report cases.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct PlatformRow {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub region_code: Option<String>,
    pub created_at: i64,
    pub disabled_at: Option<i64>,
}

/// An API key as listed (never the secret).
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct KeyRow {
    pub id: i64,
    pub platform_id: i64,
    pub key_prefix: String,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
    pub revoked_at: Option<i64>,
}

const PLATFORM_COLUMNS: &str = "id, code, name, region_code, created_at, disabled_at";

/// Every platform, by code, with its keys (newest first).
pub async fn platforms(pool: &Pool) -> Result<Vec<(PlatformRow, Vec<KeyRow>)>, sqlx::Error> {
    let platforms: Vec<PlatformRow> =
        sqlx::query_as(&format!("SELECT {PLATFORM_COLUMNS} FROM approval_platforms ORDER BY code")).fetch_all(pool).await?;
    let keys: Vec<KeyRow> = sqlx::query_as(
        "SELECT id, platform_id, key_prefix, created_at, last_used_at, revoked_at FROM approval_api_keys ORDER BY created_at DESC, id DESC",
    )
    .fetch_all(pool)
    .await?;
    Ok(platforms
        .into_iter()
        .map(|p| {
            let mine = keys.iter().filter(|k| k.platform_id == p.id).cloned().collect();
            (p, mine)
        })
        .collect())
}

pub async fn platform_by_id(pool: &Pool, id: i64) -> Result<Option<PlatformRow>, sqlx::Error> {
    sqlx::query_as(&format!("SELECT {PLATFORM_COLUMNS} FROM approval_platforms WHERE id = $1")).bind(id).fetch_optional(pool).await
}

pub async fn platform_by_code(pool: &Pool, code: &str) -> Result<Option<PlatformRow>, sqlx::Error> {
    sqlx::query_as(&format!("SELECT {PLATFORM_COLUMNS} FROM approval_platforms WHERE code = $1")).bind(code).fetch_optional(pool).await
}

/// Whether a region code exists.
pub async fn region_exists(pool: &Pool, code: &str) -> Result<bool, sqlx::Error> {
    Ok(sqlx::query_scalar::<_, String>("SELECT code FROM regions WHERE code = $1").bind(code).fetch_optional(pool).await?.is_some())
}

/// Creates a platform; `None` when the code is taken.
pub async fn create_platform(
    pool: &Pool,
    backend: Backend,
    code: &str,
    name: &str,
    region_code: Option<&str>,
    now: i64,
) -> Result<Option<i64>, sqlx::Error> {
    let mut tx = begin(pool, backend).await?;
    if sqlx::query_scalar::<_, i64>("SELECT id FROM approval_platforms WHERE code = $1").bind(code).fetch_optional(&mut *tx).await?.is_some() {
        return Ok(None);
    }
    let id: i64 = sqlx::query_scalar("INSERT INTO approval_platforms (code, name, region_code, created_at) VALUES ($1, $2, $3, $4) RETURNING id")
        .bind(code)
        .bind(name)
        .bind(region_code)
        .bind(now)
        .fetch_one(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(Some(id))
}

/// A new key for a platform: (key id, the secret). The secret is returned here
/// only; the database keeps its SHA-256 and its first characters.
pub async fn issue_key(pool: &Pool, platform_id: i64, by: Option<i64>, now: i64) -> Result<(i64, String), sqlx::Error> {
    let secret = format!("{KEY_PREFIX}{}", &crate::sealing::random_hex32()[..40]);
    let prefix: String = secret.chars().take(SHOWN_PREFIX_LEN).collect();
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO approval_api_keys (platform_id, key_prefix, key_hash, created_by, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(platform_id)
    .bind(&prefix)
    .bind(key_hash(&secret))
    .bind(by)
    .bind(now)
    .fetch_one(pool)
    .await?;
    Ok((id, secret))
}

/// Revokes a key; `false` when unknown or already revoked.
pub async fn revoke_key(pool: &Pool, key_id: i64, now: i64) -> Result<bool, sqlx::Error> {
    let n = sqlx::query("UPDATE approval_api_keys SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL")
        .bind(key_id)
        .bind(now)
        .execute(pool)
        .await?
        .rows_affected();
    Ok(n == 1)
}

/// The platform of a bearer secret: a key that exists and is not revoked, of a
/// platform that is not disabled. Notes the key's last use.
pub async fn authenticate(pool: &Pool, secret: &str, now: i64) -> Result<Option<PlatformRow>, sqlx::Error> {
    if !secret.starts_with(KEY_PREFIX) || secret.len() > 200 {
        return Ok(None);
    }
    let found: Option<(i64, i64)> = sqlx::query_as(
        "SELECT k.id, k.platform_id FROM approval_api_keys k JOIN approval_platforms p ON p.id = k.platform_id \
         WHERE k.key_hash = $1 AND k.revoked_at IS NULL AND p.disabled_at IS NULL",
    )
    .bind(key_hash(secret))
    .fetch_optional(pool)
    .await?;
    let Some((key_id, platform_id)) = found else { return Ok(None) };
    sqlx::query("UPDATE approval_api_keys SET last_used_at = $2 WHERE id = $1").bind(key_id).bind(now).execute(pool).await?;
    platform_by_id(pool, platform_id).await
}

/// Codes the events are checked against, read once per batch.
struct Reference {
    regions: HashSet<String>,
    departments: HashSet<String>,
    items: HashSet<String>,
}

async fn reference(pool: &Pool) -> Result<Reference, sqlx::Error> {
    let set = |v: Vec<String>| v.into_iter().collect::<HashSet<_>>();
    Ok(Reference {
        regions: set(sqlx::query_scalar("SELECT code FROM regions").fetch_all(pool).await?),
        departments: set(sqlx::query_scalar("SELECT code FROM departments").fetch_all(pool).await?),
        items: set(sqlx::query_scalar("SELECT code FROM service_items").fetch_all(pool).await?),
    })
}

/// A write transaction (SQLite: the write lock at BEGIN, as `trading::begin_write`).
async fn begin(pool: &Pool, backend: Backend) -> Result<Tx<'static>, sqlx::Error> {
    match backend {
        Backend::Sqlite => pool.begin_with("BEGIN IMMEDIATE").await,
        Backend::Postgres => pool.begin().await,
    }
}

/// Reads a request body and applies its events for `platform` at server time
/// `now` (see the module documentation). A bad batch shape applies nothing.
pub async fn ingest_body(
    pool: &Pool,
    backend: Backend,
    platform: &PlatformRow,
    body: &[u8],
    now: i64,
) -> Result<Result<BatchReply, BatchError>, sqlx::Error> {
    match parse_batch(body) {
        Ok(events) => Ok(Ok(ingest(pool, backend, platform, events, now).await?)),
        Err(e) => Ok(Err(e)),
    }
}

/// Applies parsed events: valid ones in time order, each in its own transaction.
pub async fn ingest(pool: &Pool, backend: Backend, platform: &PlatformRow, events: Vec<ParsedEvent>, now: i64) -> Result<BatchReply, sqlx::Error> {
    let reference = reference(pool).await?;
    let mut results: Vec<Option<EventResult>> = vec![None; events.len()];
    for p in &events {
        if let Err(errors) = &p.event {
            results[p.index] = Some(EventResult::rejected(&p.event_id, errors.clone()));
        }
    }
    for index in apply_order(&events) {
        let p = &events[index];
        let Ok(ev) = &p.event else { continue };
        // a unique violation: the same event or a new case's first event arrived
        // concurrently (a retried batch) and committed first; once more sees it
        let r = match apply_event(pool, backend, platform, &reference, index, ev, &p.raw, now).await {
            Err(sqlx::Error::Database(e)) if e.is_unique_violation() => {
                apply_event(pool, backend, platform, &reference, index, ev, &p.raw, now).await?
            }
            other => other?,
        };
        results[index] = Some(r);
    }
    Ok(BatchReply::new(results.into_iter().map(|r| r.expect("every event answered")).collect()))
}

/// The stored answer for an event id already applied.
async fn stored(ex: &mut Tx<'_>, platform_id: i64, event_id: &str, hash: &str, index: usize) -> Result<Option<EventResult>, sqlx::Error> {
    let row: Option<(String, String)> = sqlx::query_as("SELECT warnings, payload_hash FROM approval_events WHERE platform_id = $1 AND event_id = $2")
        .bind(platform_id)
        .bind(event_id)
        .fetch_optional(&mut **ex)
        .await?;
    Ok(row.map(|(warnings, stored_hash)| {
        let mut warnings: Vec<FieldIssue> = serde_json::from_str(&warnings).unwrap_or_default();
        if stored_hash != hash {
            warnings.push(FieldIssue::new(
                format!("events[{index}].event_id"),
                format!("事件编号 {event_id} 已使用过且内容不同:保留原事件,本次内容未采用(更正请使用新的事件编号)"),
            ));
        }
        EventResult { event_id: event_id.to_string(), status: EventStatus::Duplicate, errors: Vec::new(), warnings }
    }))
}

#[derive(sqlx::FromRow)]
struct CaseNow {
    id: i64,
    stage: String,
    stage_started_at: i64,
}

#[allow(clippy::too_many_arguments)]
async fn apply_event(
    pool: &Pool,
    backend: Backend,
    platform: &PlatformRow,
    refs: &Reference,
    index: usize,
    ev: &StageEvent,
    raw: &serde_json::Value,
    now: i64,
) -> Result<EventResult, sqlx::Error> {
    let hash = payload_hash(raw);
    let path = |f: &str| format!("events[{index}].{f}");
    let mut tx = begin(pool, backend).await?;
    if let Some(dup) = stored(&mut tx, platform.id, &ev.event_id, &hash, index).await? {
        return Ok(dup);
    }
    let lock = if backend == Backend::Postgres { " FOR UPDATE" } else { "" };
    let case: Option<CaseNow> =
        sqlx::query_as(&format!("SELECT id, stage, stage_started_at FROM approval_cases WHERE platform_id = $1 AND case_no = $2{lock}"))
            .bind(platform.id)
            .bind(&ev.case_no)
            .fetch_optional(&mut *tx)
            .await?;
    let current = case.as_ref().map(|c| CaseStage { stage: Stage::parse(&c.stage).unwrap_or(Stage::Received), stage_started_at: c.stage_started_at });
    let mut errors = match check_transition(index, current, ev, now) {
        Ok(()) => Vec::new(),
        Err(e) => e,
    };
    if let Some(r) = &ev.region_code {
        if !refs.regions.contains(r) {
            errors.push(FieldIssue::new(path("region_code"), format!("未知的行政区划代码 {r}")));
        } else if let Some(scope) = &platform.region_code {
            if !crate::domain::region::contains(scope, r) {
                errors.push(FieldIssue::new(path("region_code"), format!("行政区划 {r} 不在本平台的上报范围 {scope} 内")));
            }
        }
    }
    if let Some(d) = &ev.department_code {
        if !refs.departments.contains(d) {
            errors.push(FieldIssue::new(path("department_code"), format!("未知的部门代码 {d}")));
        }
    }
    if let Some(i) = &ev.item_code {
        if !refs.items.contains(i) {
            errors.push(FieldIssue::new(path("item_code"), format!("未知的中介服务事项编码 {i}")));
        }
    }
    if !errors.is_empty() {
        return Ok(EventResult::rejected(&ev.event_id, errors));
    }
    let concluded_at = (ev.stage == Stage::Concluded).then_some(ev.at);
    let case_id = match &case {
        None => {
            sqlx::query_scalar(
                "INSERT INTO approval_cases (platform_id, case_no, title, applicant, region_code, department_code, item_code, stage, \
                 stage_started_at, received_at, concluded_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9, $10, $11) RETURNING id",
            )
            .bind(platform.id)
            .bind(&ev.case_no)
            .bind(ev.title.as_deref().unwrap_or_default())
            .bind(ev.applicant.as_deref().unwrap_or_default())
            .bind(ev.region_code.as_deref().unwrap_or_default())
            .bind(ev.department_code.as_deref().unwrap_or_default())
            .bind(ev.item_code.as_deref())
            .bind(ev.stage.as_str())
            .bind(ev.at)
            .bind(concluded_at)
            .bind(now)
            .fetch_one(&mut *tx)
            .await?
        }
        Some(c) => {
            // the stage moves on; particulars sent along correct the case
            sqlx::query(
                "UPDATE approval_cases SET stage = $2, stage_started_at = $3, concluded_at = COALESCE($4, concluded_at), updated_at = $5, \
                 title = COALESCE($6, title), applicant = COALESCE($7, applicant), region_code = COALESCE($8, region_code), \
                 department_code = COALESCE($9, department_code), item_code = COALESCE($10, item_code) WHERE id = $1",
            )
            .bind(c.id)
            .bind(ev.stage.as_str())
            .bind(ev.at)
            .bind(concluded_at)
            .bind(now)
            .bind(ev.title.as_deref())
            .bind(ev.applicant.as_deref())
            .bind(ev.region_code.as_deref())
            .bind(ev.department_code.as_deref())
            .bind(ev.item_code.as_deref())
            .execute(&mut *tx)
            .await?;
            c.id
        }
    };
    let mut warnings = Vec::new();
    for (k, code) in ev.procurement_codes.iter().enumerate() {
        let known = sqlx::query_scalar::<_, i64>("SELECT id FROM procurements WHERE code = $1").bind(code).fetch_optional(&mut *tx).await?.is_some();
        if known {
            sqlx::query("INSERT INTO approval_case_procurements (case_id, procurement_code) VALUES ($1, $2) ON CONFLICT DO NOTHING")
                .bind(case_id)
                .bind(code)
                .execute(&mut *tx)
                .await?;
        } else {
            warnings.push(FieldIssue::new(path(&format!("procurement_codes[{k}]")), format!("未找到选取项目 {code},未关联(事件已接收)")));
        }
    }
    sqlx::query(
        "INSERT INTO approval_events (platform_id, event_id, case_id, case_no, stage, event_at, received_at, payload, payload_hash, warnings) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(platform.id)
    .bind(&ev.event_id)
    .bind(case_id)
    .bind(&ev.case_no)
    .bind(ev.stage.as_str())
    .bind(ev.at)
    .bind(now)
    .bind(raw.to_string())
    .bind(&hash)
    .bind(serde_json::to_string(&warnings).unwrap_or_else(|_| "[]".into()))
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(EventResult { event_id: ev.event_id.clone(), status: EventStatus::Created, errors: Vec::new(), warnings })
}

/// The sample feed (data/sample/approval-feed.json): 30 cases of a fictitious
/// platform, for demos (`replay_feed`, the demo market).
pub const SAMPLE_FEED: &str = include_str!("../../../data/sample/approval-feed.json");
/// The platform the sample feed is ingested as.
pub const SAMPLE_PLATFORM: &str = "sample-feed";

/// Ingests the sample feed as platform `sample-feed` (created when missing,
/// without a key), its times moved by whole weeks to the week before `anchor`.
/// Deterministic for a given anchor and idempotent (event ids).
pub async fn load_sample_feed(pool: &Pool, backend: Backend, anchor: i64) -> Result<BatchReply, sqlx::Error> {
    let platform = match platform_by_code(pool, SAMPLE_PLATFORM).await? {
        Some(p) => p,
        None => {
            create_platform(pool, backend, SAMPLE_PLATFORM, "示例审批平台(演示数据)", None, anchor).await?;
            platform_by_code(pool, SAMPLE_PLATFORM).await?.ok_or(sqlx::Error::RowNotFound)?
        }
    };
    let feed: serde_json::Value = serde_json::from_str(SAMPLE_FEED).map_err(|e| sqlx::Error::Protocol(format!("sample feed: {e}")))?;
    let mut events = feed["events"].as_array().cloned().unwrap_or_default();
    crate::domain::ingest::rebase_weeks(&mut events, anchor);
    let mut results = Vec::new();
    for chunk in events.chunks(crate::domain::ingest::MAX_BATCH) {
        let body = serde_json::json!({ "events": chunk }).to_string();
        let reply = ingest_body(pool, backend, &platform, body.as_bytes(), anchor)
            .await?
            .map_err(|e| sqlx::Error::Protocol(format!("sample feed: {}", e.message())))?;
        results.extend(reply.results);
    }
    Ok(BatchReply::new(results))
}

/// Which cases a list shows.
#[derive(Clone, Debug, Default)]
pub struct CaseFilter {
    /// `''`: every stage.
    pub stage: String,
    /// 0: every platform.
    pub platform_id: i64,
    /// `''`: every department.
    pub department_code: String,
    /// A `LIKE` prefix of the region scope (`None`: everywhere).
    pub region: Option<String>,
    /// Regulators: cases of this industry's items, or without an item.
    pub industry: Option<String>,
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct CaseRow {
    pub id: i64,
    pub platform_code: String,
    pub platform_name: String,
    pub case_no: String,
    pub title: String,
    pub applicant: String,
    pub region_code: String,
    pub region_name: Option<String>,
    pub department_code: String,
    pub department_name: Option<String>,
    pub item_code: Option<String>,
    pub item_name: Option<String>,
    pub stage: String,
    pub stage_started_at: i64,
    pub received_at: i64,
    pub concluded_at: Option<i64>,
    pub updated_at: i64,
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct EventRow {
    pub case_id: i64,
    pub event_id: String,
    pub stage: String,
    pub event_at: i64,
    pub received_at: i64,
}

const FILTER: &str = "WHERE c.region_code LIKE $1 \
     AND ($2 = '' OR c.item_code IS NULL OR EXISTS (SELECT 1 FROM service_items si WHERE si.code = c.item_code AND si.industry_code = $2)) \
     AND ($3 = '' OR c.stage = $3) AND ($4 = 0 OR c.platform_id = $4) AND ($5 = '' OR c.department_code = $5)";

/// A page of cases (most recently changed first) with the total.
pub async fn list_cases(pool: &Pool, f: &CaseFilter, page: u32, per_page: u32) -> Result<(Vec<CaseRow>, u64), sqlx::Error> {
    let region = f.region.clone().unwrap_or_else(|| "%".into());
    let industry = f.industry.clone().unwrap_or_default();
    let total: i64 = sqlx::query_scalar(&format!("SELECT CAST(COUNT(*) AS BIGINT) FROM approval_cases c {FILTER}"))
        .bind(&region)
        .bind(&industry)
        .bind(&f.stage)
        .bind(f.platform_id)
        .bind(&f.department_code)
        .fetch_one(pool)
        .await?;
    let rows: Vec<CaseRow> = sqlx::query_as(&format!(
        "SELECT c.id, p.code AS platform_code, p.name AS platform_name, c.case_no, c.title, c.applicant, c.region_code, r.name AS region_name, \
         c.department_code, d.name AS department_name, c.item_code, s.name AS item_name, c.stage, c.stage_started_at, c.received_at, \
         c.concluded_at, c.updated_at FROM approval_cases c JOIN approval_platforms p ON p.id = c.platform_id \
         LEFT JOIN regions r ON r.code = c.region_code LEFT JOIN departments d ON d.code = c.department_code \
         LEFT JOIN service_items s ON s.code = c.item_code {FILTER} ORDER BY c.updated_at DESC, c.id DESC LIMIT $6 OFFSET $7"
    ))
    .bind(&region)
    .bind(&industry)
    .bind(&f.stage)
    .bind(f.platform_id)
    .bind(&f.department_code)
    .bind(per_page as i64)
    .bind(crate::domain::paging::offset(page, per_page))
    .fetch_all(pool)
    .await?;
    Ok((rows, total.max(0) as u64))
}

/// The stage events of these cases, in time order.
pub async fn events_of(pool: &Pool, case_ids: &[i64]) -> Result<HashMap<i64, Vec<EventRow>>, sqlx::Error> {
    let mut out: HashMap<i64, Vec<EventRow>> = HashMap::new();
    if case_ids.is_empty() {
        return Ok(out);
    }
    let list = case_ids.iter().map(i64::to_string).collect::<Vec<_>>().join(",");
    let rows: Vec<EventRow> = sqlx::query_as(&format!(
        "SELECT case_id, event_id, stage, event_at, received_at FROM approval_events WHERE case_id IN ({list}) ORDER BY event_at, id"
    ))
    .fetch_all(pool)
    .await?;
    for r in rows {
        out.entry(r.case_id).or_default().push(r);
    }
    Ok(out)
}

/// The procurements linked to these cases: (code, title), by code.
pub async fn links_of(pool: &Pool, case_ids: &[i64]) -> Result<HashMap<i64, Vec<(String, String)>>, sqlx::Error> {
    let mut out: HashMap<i64, Vec<(String, String)>> = HashMap::new();
    if case_ids.is_empty() {
        return Ok(out);
    }
    let list = case_ids.iter().map(i64::to_string).collect::<Vec<_>>().join(",");
    let rows: Vec<(i64, String, String)> = sqlx::query_as(&format!(
        "SELECT l.case_id, l.procurement_code, p.title FROM approval_case_procurements l JOIN procurements p ON p.code = l.procurement_code \
         WHERE l.case_id IN ({list}) ORDER BY l.procurement_code"
    ))
    .fetch_all(pool)
    .await?;
    for (id, code, title) in rows {
        out.entry(id).or_default().push((code, title));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::testing::TestApp;
    use crate::domain::ingest::parse_batch;
    use serde_json::json;

    async fn platform(app: &TestApp) -> PlatformRow {
        let id = create_platform(&app.state.pool, app.state.backend, "sc-tzxm", "四川省投资项目在线审批监管平台", None, app.state.now_ms())
            .await
            .unwrap()
            .unwrap();
        platform_by_id(&app.state.pool, id).await.unwrap().unwrap()
    }

    fn at(minutes: i64) -> String {
        crate::domain::ingest::format_rfc3339_shanghai(crate::db::testing::TEST_NOW_MS - 86_400_000 + minutes * 60_000)
    }

    fn first(event_id: &str, case_no: &str, minutes: i64) -> serde_json::Value {
        json!({"event_id": event_id, "case_no": case_no, "stage": "received", "at": at(minutes), "title": "建设项目环境影响评价审批",
               "applicant": "成都某建设公司", "region_code": "510104", "department_code": "HJBM"})
    }

    fn step(event_id: &str, case_no: &str, stage: &str, minutes: i64) -> serde_json::Value {
        json!({"event_id": event_id, "case_no": case_no, "stage": stage, "at": at(minutes)})
    }

    async fn send(app: &TestApp, p: &PlatformRow, events: serde_json::Value) -> BatchReply {
        let body = json!({ "events": events }).to_string();
        ingest(&app.state.pool, app.state.backend, p, parse_batch(body.as_bytes()).unwrap(), app.state.now_ms()).await.unwrap()
    }

    fn statuses(r: &BatchReply) -> Vec<EventStatus> {
        r.results.iter().map(|e| e.status).collect()
    }

    async fn case(app: &TestApp, case_no: &str) -> (String, i64, i64, Option<i64>) {
        sqlx::query_as("SELECT stage, stage_started_at, received_at, concluded_at FROM approval_cases WHERE case_no = $1")
            .bind(case_no)
            .fetch_one(&app.state.pool)
            .await
            .unwrap()
    }

    async fn count(app: &TestApp, sql: &str) -> i64 {
        sqlx::query_scalar(sql).fetch_one(&app.state.pool).await.unwrap()
    }

    #[tokio::test]
    async fn ingest_replaying_a_batch_changes_nothing() {
        let app = TestApp::with_demo(None).await;
        let p = platform(&app).await;
        let batch = json!([first("e1", "SP-1", 0), step("e2", "SP-1", "accepted", 30), step("e3", "SP-1", "concluded", 90)]);
        let r = send(&app, &p, batch.clone()).await;
        assert_eq!(statuses(&r), [EventStatus::Created; 3]);
        let before = case(&app, "SP-1").await;
        assert_eq!(before.0, "concluded");
        assert_eq!(before.3, Some(before.1));
        app.clock.advance(60_000);
        let again = send(&app, &p, batch).await;
        assert_eq!((again.created, again.duplicate, again.rejected), (0, 3, 0));
        assert_eq!(case(&app, "SP-1").await, before);
        assert_eq!(count(&app, "SELECT COUNT(*) FROM approval_events").await, 3);
        // the same id with other content: still a duplicate, with a warning
        let changed = send(&app, &p, json!([step("e2", "SP-1", "reviewing", 40)])).await;
        assert_eq!(changed.results[0].status, EventStatus::Duplicate);
        assert!(changed.results[0].warnings[0].message.contains("内容不同"));
    }

    #[tokio::test]
    async fn ingest_a_batch_applies_the_good_events_and_names_the_bad_fields() {
        let app = TestApp::with_demo(None).await;
        let p = platform(&app).await;
        let mut bad_region = first("e2", "SP-2", 0);
        bad_region["region_code"] = json!("519999");
        let mut bad_dept = first("e3", "SP-3", 0);
        bad_dept["department_code"] = json!("XXBM");
        let missing = step("e4", "SP-4", "accepted", 0);
        let r = send(&app, &p, json!([first("e1", "SP-1", 0), bad_region, bad_dept, missing, {"event_id": "e5"}])).await;
        assert_eq!(statuses(&r), [EventStatus::Created, EventStatus::Rejected, EventStatus::Rejected, EventStatus::Rejected, EventStatus::Rejected]);
        assert_eq!(r.results[1].errors[0].field, "events[1].region_code");
        assert!(r.results[1].errors[0].message.contains("未知的行政区划代码 519999"));
        assert_eq!(r.results[2].errors[0].field, "events[2].department_code");
        assert_eq!(r.results[3].errors[0].field, "events[3].title");
        assert_eq!(r.results[4].event_id, "e5");
        assert_eq!(count(&app, "SELECT COUNT(*) FROM approval_cases").await, 1);
        // a rejected event is not kept: corrected, it is accepted under the same id
        let fixed = send(&app, &p, json!([first("e2", "SP-2", 0)])).await;
        assert_eq!(fixed.results[0].status, EventStatus::Created);
    }

    #[tokio::test]
    async fn ingest_out_of_order_and_backward_stages_are_refused() {
        let app = TestApp::with_demo(None).await;
        let p = platform(&app).await;
        // listed out of order in one batch: applied by time
        let r = send(&app, &p, json!([step("e2", "SP-1", "reviewing", 60), first("e1", "SP-1", 0)])).await;
        assert_eq!(statuses(&r), [EventStatus::Created, EventStatus::Created]);
        assert_eq!(case(&app, "SP-1").await.0, "reviewing");
        // a later batch with an earlier stage, or an earlier time
        let r = send(&app, &p, json!([step("e3", "SP-1", "accepted", 90), step("e4", "SP-1", "concluded", 30)])).await;
        assert_eq!(statuses(&r), [EventStatus::Rejected, EventStatus::Rejected]);
        assert!(r.results[0].errors[0].message.contains("倒退"));
        assert_eq!(r.results[1].errors[0].field, "events[1].at");
        let r = send(&app, &p, json!([step("e5", "SP-1", "concluded", 120), step("e6", "SP-1", "accepted", 130)])).await;
        assert_eq!(statuses(&r), [EventStatus::Created, EventStatus::Rejected]);
        assert!(r.results[1].errors[0].message.contains("办结"));
        let (stage, started, received, concluded) = case(&app, "SP-1").await;
        assert_eq!(stage, "concluded");
        assert_eq!(concluded, Some(started));
        assert!(received < started);
    }

    #[tokio::test]
    async fn ingest_links_existing_procurements_and_warns_about_unknown_ones() {
        let app = TestApp::new().await;
        let code: String = sqlx::query_scalar("SELECT code FROM procurements ORDER BY id LIMIT 1").fetch_one(&app.state.pool).await.unwrap();
        let p = platform(&app).await;
        let mut e = first("e1", "SP-1", 0);
        e["procurement_codes"] = json!([code, "ZJ-NO-SUCH"]);
        let r = send(&app, &p, json!([e])).await;
        assert_eq!(r.results[0].status, EventStatus::Created);
        assert_eq!(r.results[0].warnings.len(), 1);
        assert_eq!(r.results[0].warnings[0].field, "events[0].procurement_codes[1]");
        let links: Vec<String> =
            sqlx::query_scalar("SELECT procurement_code FROM approval_case_procurements").fetch_all(&app.state.pool).await.unwrap();
        assert_eq!(links, [code]);
        // the replay answers with the original warning
        let again = send(&app, &p, json!([e])).await;
        assert_eq!(again.results[0].warnings, r.results[0].warnings);
    }

    #[tokio::test]
    async fn ingest_the_sample_feed_loads_into_the_demo_market_once() {
        let app = TestApp::new().await;
        let now = crate::db::testing::TEST_NOW_MS;
        let r = load_sample_feed(&app.state.pool, app.state.backend, now).await.unwrap();
        assert_eq!((r.rejected, r.duplicate), (0, 0), "{r:?}");
        assert_eq!(count(&app, "SELECT COUNT(*) FROM approval_cases").await, 30);
        for stage in ["received", "accepted", "reviewing", "concluded"] {
            let n: i64 =
                sqlx::query_scalar("SELECT COUNT(*) FROM approval_cases WHERE stage = $1").bind(stage).fetch_one(&app.state.pool).await.unwrap();
            assert!(n > 0, "{stage}");
        }
        assert!(count(&app, "SELECT COUNT(*) FROM approval_case_procurements").await > 0, "the sample links demo procurements");
        let latest = count(&app, "SELECT CAST(MAX(event_at) AS BIGINT) FROM approval_events").await;
        assert!(latest <= now && latest > now - crate::domain::ingest::WEEK_MS);
        let again = load_sample_feed(&app.state.pool, app.state.backend, now).await.unwrap();
        assert_eq!(again.duplicate, r.created);
    }

    #[tokio::test]
    async fn ingest_keys_authenticate_until_revoked_and_regions_stay_in_scope() {
        let app = TestApp::with_demo(None).await;
        let id = create_platform(&app.state.pool, app.state.backend, "cd-spj", "成都市审批平台", Some("510100"), 1).await.unwrap().unwrap();
        assert_eq!(create_platform(&app.state.pool, app.state.backend, "cd-spj", "重复", None, 1).await.unwrap(), None);
        let (key_id, secret) = issue_key(&app.state.pool, id, None, 1).await.unwrap();
        assert!(secret.starts_with("zjk_") && secret.len() == 44);
        let stored: (String, String) = sqlx::query_as("SELECT key_prefix, key_hash FROM approval_api_keys").fetch_one(&app.state.pool).await.unwrap();
        assert_eq!(stored.0, &secret[..8]);
        assert_ne!(stored.1, secret, "the secret is not stored");
        let p = authenticate(&app.state.pool, &secret, 5).await.unwrap().expect("valid key");
        assert_eq!(p.id, id);
        assert!(authenticate(&app.state.pool, "zjk_wrong", 5).await.unwrap().is_none());
        let mut outside = first("e1", "SP-1", 0);
        outside["region_code"] = json!("510700");
        let r = send(&app, &p, json!([outside, first("e2", "SP-2", 0)])).await;
        assert_eq!(r.results[0].errors[0].field, "events[0].region_code");
        assert!(r.results[0].errors[0].message.contains("上报范围"));
        assert_eq!(r.results[1].status, EventStatus::Created);
        assert!(revoke_key(&app.state.pool, key_id, 9).await.unwrap());
        assert!(!revoke_key(&app.state.pool, key_id, 9).await.unwrap());
        assert!(authenticate(&app.state.pool, &secret, 10).await.unwrap().is_none());
    }
}
