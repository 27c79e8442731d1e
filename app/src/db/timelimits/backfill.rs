//! Clocks for stages that finished without one (时限监察 history, #8).
//!
//! [`super::refresh`] starts a clock when it sees an open stage. A stage that
//! finished before the clocks existed (the history of a market, the demo's
//! past), or that opened and finished between two refreshes, has none, so the
//! public time-limit figures and the performance scores would only count what
//! was still open. [`backfill`] adds a closed clock for every finished stage
//! that has no clock of that subject and stage yet, from the timestamps the
//! source tables keep:
//!
//! | stage | started | finished |
//! |---|---|---|
//! | publication | `procurements.created_at` | `published_at` |
//! | selection | `closed_at` (else `deadline_at`) | the first `awards.awarded_at` |
//! | publicity | `awards.awarded_at` | `awards.final_at` |
//! | signing | `contracts.created_at` | `signed_at` |
//! | service | `signed_at` (deadline: `contracts.due_at` when set) | `delivered_at` |
//! | acceptance | `delivered_at` | `accepted_at` |
//! | payment | `accepted_at` | `completed_at` |
//! | complaint_acceptance | `complaints.created_at` | `accepted_at` (declined: `updated_at`) |
//! | complaint_decision | `accepted_at` | `decided_at` |
//! | approval_* | an `approval_events` row | the case's next event |
//!
//! The deadline is computed as the refresh does, with today's limits and the
//! calendar version in force when the stage started (a stage older than the
//! first imported calendar uses the first one: the holidays are facts, not
//! decisions). The light is the one the stage had when it finished (red when
//! it finished after its deadline), recorded once in the light history at the
//! finishing time. Nobody is notified: these are past events.
//!
//! The nightly run calls it before the performance scores. It reads up to
//! [`BATCH`] finished stages at a time without holding the write lock (the
//! read scans every source table: seconds on a large market), then writes
//! them in short transactions of [`WRITE_CHUNK`] clocks, each dropping the
//! stages that got a clock meanwhile, so the lights, sign-ins and trading go
//! on while it runs. A subject and stage that already has a clock (open or
//! closed) is never touched, so a second run adds nothing.
use super::{insert_clocks, insert_history, Calendars, ClockRow, Limits};
use crate::domain::timelimits::{self, Light, Stage};
use crate::state::AppState;

/// Finished stages read per batch.
pub const BATCH: i64 = 50_000;

/// Clocks written per write transaction.
pub const WRITE_CHUNK: usize = 1_000;

/// Every finished stage, one row per subject and stage (see the module comment).
const FINISHED: &str = "\
SELECT 'procurement' AS subject_kind, p.code AS subject_key, p.title AS subject_label, 'publication' AS stage, \
  p.owner_id AS owner_id, CAST(NULL AS BIGINT) AS firm_id, si.department_code AS department_code, p.region_code AS region_code, \
  p.industry_code AS industry_code, si.code AS item_code, p.created_at AS started_at, p.published_at AS finished_at, \
  CAST(NULL AS BIGINT) AS source_due_at \
FROM procurements p JOIN service_items si ON si.id = p.item_id WHERE p.published_at IS NOT NULL \
UNION ALL \
SELECT 'procurement', p.code, p.title, 'selection', p.owner_id, CAST(NULL AS BIGINT), si.department_code, p.region_code, p.industry_code, si.code, \
  COALESCE(p.closed_at, p.deadline_at), (SELECT MIN(a.awarded_at) FROM awards a WHERE a.procurement_id = p.id), CAST(NULL AS BIGINT) \
FROM procurements p JOIN service_items si ON si.id = p.item_id WHERE COALESCE(p.closed_at, p.deadline_at) IS NOT NULL \
UNION ALL \
SELECT 'procurement', p.code, p.title, 'publicity', p.owner_id, a.firm_id, si.department_code, p.region_code, p.industry_code, si.code, \
  a.awarded_at, a.final_at, CAST(NULL AS BIGINT) \
FROM awards a JOIN procurements p ON p.id = a.procurement_id JOIN service_items si ON si.id = p.item_id \
WHERE a.final_at IS NOT NULL AND NOT EXISTS (SELECT 1 FROM awards a2 WHERE a2.procurement_id = a.procurement_id AND a2.final_at IS NOT NULL AND a2.id < a.id) \
UNION ALL \
SELECT 'contract', COALESCE(c.code, CAST(c.id AS TEXT)), p.title, s.stage, c.owner_id, c.firm_id, si.department_code, p.region_code, p.industry_code, si.code, \
  CASE s.stage WHEN 'signing' THEN c.created_at WHEN 'service' THEN c.signed_at WHEN 'acceptance' THEN c.delivered_at ELSE c.accepted_at END, \
  CASE s.stage WHEN 'signing' THEN c.signed_at WHEN 'service' THEN c.delivered_at WHEN 'acceptance' THEN c.accepted_at ELSE c.completed_at END, \
  CASE s.stage WHEN 'service' THEN c.due_at ELSE CAST(NULL AS BIGINT) END \
FROM contracts c JOIN procurements p ON p.id = c.procurement_id JOIN service_items si ON si.id = p.item_id \
CROSS JOIN (SELECT 'signing' AS stage UNION ALL SELECT 'service' UNION ALL SELECT 'acceptance' UNION ALL SELECT 'payment') s \
UNION ALL \
SELECT 'complaint', CAST(cm.id AS TEXT), cm.subject, s.stage, cm.owner_id, cm.firm_id, \
  (SELECT MIN(si.department_code) FROM service_items si WHERE si.industry_code = cm.industry_code), cm.region_code, cm.industry_code, \
  (SELECT si.code FROM procurements p JOIN service_items si ON si.id = p.item_id WHERE p.id = cm.procurement_id), \
  CASE s.stage WHEN 'complaint_acceptance' THEN cm.created_at ELSE cm.accepted_at END, \
  CASE s.stage WHEN 'complaint_acceptance' THEN COALESCE(cm.accepted_at, CASE WHEN cm.status = 'declined' THEN cm.updated_at END) \
    ELSE cm.decided_at END, \
  CAST(NULL AS BIGINT) \
FROM complaints cm CROSS JOIN (SELECT 'complaint_acceptance' AS stage UNION ALL SELECT 'complaint_decision') s \
UNION ALL \
SELECT 'approval_case', CAST(ac.id AS TEXT), ac.case_no || ' ' || ac.title, 'approval_' || e.stage, \
  CAST(NULL AS BIGINT), CAST(NULL AS BIGINT), ac.department_code, ac.region_code, \
  (SELECT si.industry_code FROM service_items si WHERE si.code = ac.item_code), ac.item_code, e.event_at, e.next_at, CAST(NULL AS BIGINT) \
FROM (SELECT case_id, stage, event_at, LEAD(event_at) OVER (PARTITION BY case_id ORDER BY event_at, id) AS next_at, \
        ROW_NUMBER() OVER (PARTITION BY case_id, stage ORDER BY event_at, id) AS nth FROM approval_events) e \
JOIN approval_cases ac ON ac.id = e.case_id \
WHERE e.stage IN ('received', 'accepted', 'reviewing') AND e.nth = 1";

/// One finished stage.
#[derive(Debug, sqlx::FromRow)]
struct Finished {
    subject_kind: String,
    subject_key: String,
    subject_label: String,
    stage: String,
    owner_id: Option<i64>,
    firm_id: Option<i64>,
    department_code: Option<String>,
    region_code: String,
    industry_code: Option<String>,
    item_code: Option<String>,
    started_at: i64,
    finished_at: i64,
    source_due_at: Option<i64>,
}

/// The calendar version in force at `at`: the newest created at or before
/// it, else the first one (0 when there is none).
pub(super) fn version_at(versions: &[(i64, i64)], at: i64) -> i64 {
    versions.iter().filter(|(_, created)| *created <= at).map(|(id, _)| *id).max().or_else(|| versions.iter().map(|(id, _)| *id).min()).unwrap_or(0)
}

/// The light a stage had when it finished: red after its deadline.
pub(super) fn light_at_finish(finished_at: i64, due_at: i64, warn: u32, cal: &crate::domain::calendar::WorkCalendar) -> Light {
    if finished_at > due_at {
        Light::Red
    } else {
        // finishing at the deadline itself is on time
        timelimits::light(finished_at.min(due_at - 1), due_at, warn, cal)
    }
}

/// Adds a closed clock for each finished stage without one; returns how many.
pub async fn backfill(state: &AppState) -> Result<usize, sqlx::Error> {
    let pool = &state.pool;
    let versions: Vec<(i64, i64)> = sqlx::query_as("SELECT id, created_at FROM calendar_versions").fetch_all(pool).await?;
    let limits = Limits::load(pool).await?;
    let mut cals = Calendars::default();
    let sql = format!(
        "SELECT h.* FROM ({FINISHED}) h \
         WHERE h.started_at IS NOT NULL AND h.finished_at IS NOT NULL AND h.finished_at >= h.started_at \
           AND NOT EXISTS (SELECT 1 FROM stage_clocks sc WHERE sc.subject_kind = h.subject_kind AND sc.subject_key = h.subject_key AND sc.stage = h.stage) \
         ORDER BY h.started_at LIMIT {BATCH}"
    );
    let mut added = 0;
    loop {
        let rows: Vec<Finished> = sqlx::query_as(&sql).fetch_all(pool).await?;
        let full = rows.len() as i64 == BATCH;
        let mut clocks: Vec<ClockRow> = Vec::with_capacity(rows.len());
        let mut seen = std::collections::HashSet::new();
        for r in rows {
            let Some(stage) = Stage::parse(&r.stage) else { continue };
            if !seen.insert((r.subject_kind.clone(), r.subject_key.clone(), r.stage.clone())) {
                continue;
            }
            let version = version_at(&versions, r.started_at);
            let cal = cals.get(pool, version).await?;
            let (days, warn) = limits.get(stage, r.item_code.as_deref());
            let due = match (stage, r.source_due_at) {
                (Stage::Service, Some(d)) => d,
                _ => timelimits::due_at(r.started_at, days, cal),
            };
            let light = light_at_finish(r.finished_at, due, warn, cal);
            clocks.push(ClockRow {
                id: 0,
                subject_kind: r.subject_kind,
                subject_key: r.subject_key,
                subject_label: r.subject_label,
                stage: r.stage,
                responsible: stage.responsible().as_str().to_string(),
                owner_id: r.owner_id,
                firm_id: r.firm_id,
                department_code: r.department_code,
                region_code: r.region_code,
                industry_code: r.industry_code,
                item_code: r.item_code,
                started_at: r.started_at,
                due_at: due,
                calendar_version: version,
                light: light.as_str().to_string(),
                light_since: r.finished_at,
                closed_at: Some(r.finished_at),
            });
        }
        let mut written = 0;
        for chunk in clocks.chunks(WRITE_CHUNK) {
            let mut tx = crate::db::trading::begin_write(state).await?;
            // a clock may have appeared since the read (a refresh, another run)
            let placeholders: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
            let sql = format!(
                "SELECT subject_kind, subject_key, stage FROM stage_clocks \
                 WHERE subject_kind IN ('procurement', 'contract', 'complaint', 'approval_case') AND subject_key IN ({})",
                placeholders.join(", ")
            );
            let mut q = sqlx::query_as::<_, (String, String, String)>(&sql);
            for c in chunk {
                q = q.bind(c.subject_key.clone());
            }
            let existing: std::collections::HashSet<(String, String, String)> = q.fetch_all(&mut *tx).await?.into_iter().collect();
            let mut fresh: Vec<ClockRow> =
                chunk.iter().filter(|c| !existing.contains(&(c.subject_kind.clone(), c.subject_key.clone(), c.stage.clone()))).cloned().collect();
            insert_clocks(&mut tx, &mut fresh).await?;
            let history: Vec<(i64, i64, Option<String>, String)> =
                fresh.iter().filter(|c| c.id > 0).map(|c| (c.id, c.light_since, None, c.light.clone())).collect();
            insert_history(&mut tx, &history).await?;
            tx.commit().await?;
            written += fresh.len();
        }
        added += written;
        if !full || written == 0 {
            return Ok(added);
        }
    }
}
