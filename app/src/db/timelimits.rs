//! Stage clocks and supervision lights (时限监察, #8): [`refresh`] reads every
//! open stage from the trading, contract, complaint and approval tables, keeps
//! one `stage_clocks` row per subject and stage, recomputes the lights, records
//! each change of light in `stage_light_changes` and notifies the responsible
//! party when a light turns yellow or red. The server's scheduler calls it
//! every 30 seconds (and the test-clock route after moving time).
//!
//! # Sources (one source of truth per stage)
//! | stage | open while | started at | deadline |
//! |---|---|---|---|
//! | publication | `procurements.status = 'draft'` | `created_at` | limit |
//! | selection | `procurements.status = 'closed'` (past the deadline, no result) | `closed_at` (else `deadline_at`) | limit |
//! | publicity | `awards.status = 'publicity'` | `awarded_at` | limit (not `awards.publicity_ends_at`) |
//! | signing | `contracts.status = 'drafted'` | `created_at` | limit (not `contracts.sign_due_at`) |
//! | service | `contracts.status = 'signed'` | `signed_at` | **`contracts.due_at`** (the agreed service end date, moved by extensions); the limit only when it is missing |
//! | acceptance | `contracts.status = 'delivered'` | `delivered_at` | limit (not `contracts.accept_due_at`) |
//! | payment | `contracts.status = 'accepted'` | `accepted_at` | limit |
//! | complaint_acceptance | `complaints.status = 'submitted'` | `created_at` | limit (not `complaints.accept_due_at`) |
//! | complaint_decision | `complaints.status = 'accepted'` | `accepted_at` | limit (not `complaints.decide_due_at`) |
//! | approval_* | `approval_cases.stage` received / accepted / reviewing | `stage_started_at` | limit |
//!
//! "Limit" is the operator's `stage_limits` row for the stage and the subject's
//! service item, else the stage's default row, else
//! `domain::timelimits::Stage::default_working_days`. The deadline is fixed
//! when the clock starts, under the calendar version then in force (stored in
//! `calendar_version`): a later limit or calendar applies to stages starting
//! after it. The warning (yellow) threshold is read at every refresh.
//!
//! A clock whose stage is no longer open (or restarted with another start) is
//! closed; its light stays as it was when closed.
//!
//! # Work per refresh
//! One query for all open stages, one for the open clocks, then set-based
//! writes: multi-row inserts, `UPDATE … WHERE id IN (…)` per new light.
//! Notifications go after the commit with the dedupe key
//! `light:{clock id}:{light}`, so a retried refresh never notifies twice.
mod backfill;
pub use backfill::backfill;

use super::notifications::{notify, NewNotification};
use super::sql::id_list;
use super::Pool;
use crate::domain::calendar::WorkCalendar;
use crate::domain::timelimits::{self, Light, Party, Stage};
use crate::state::AppState;
use std::collections::{HashMap, HashSet};

/// One open stage as the source tables show it.
#[derive(Clone, Debug, sqlx::FromRow)]
struct SourceRow {
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
    source_due_at: Option<i64>,
}

/// A stage clock row.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct ClockRow {
    pub id: i64,
    pub subject_kind: String,
    pub subject_key: String,
    pub subject_label: String,
    pub stage: String,
    pub responsible: String,
    pub owner_id: Option<i64>,
    pub firm_id: Option<i64>,
    pub department_code: Option<String>,
    pub region_code: String,
    pub industry_code: Option<String>,
    pub item_code: Option<String>,
    pub started_at: i64,
    pub due_at: i64,
    pub calendar_version: i64,
    pub light: String,
    pub light_since: i64,
    pub closed_at: Option<i64>,
}

const CLOCK_COLUMNS: &str = "id, subject_kind, subject_key, subject_label, stage, responsible, owner_id, firm_id, department_code, \
     region_code, industry_code, item_code, started_at, due_at, calendar_version, light, light_since, closed_at";

/// Every open stage of every source (see the module comment).
const SOURCES: &str = "\
SELECT 'procurement' AS subject_kind, p.code AS subject_key, p.title AS subject_label, \
  CASE p.status WHEN 'draft' THEN 'publication' ELSE 'selection' END AS stage, \
  p.owner_id AS owner_id, CAST(NULL AS BIGINT) AS firm_id, si.department_code AS department_code, p.region_code AS region_code, \
  p.industry_code AS industry_code, si.code AS item_code, \
  CASE p.status WHEN 'draft' THEN p.created_at ELSE COALESCE(p.closed_at, p.deadline_at, p.updated_at) END AS started_at, \
  CAST(NULL AS BIGINT) AS source_due_at \
FROM procurements p JOIN service_items si ON si.id = p.item_id WHERE p.status IN ('draft', 'closed') \
UNION ALL \
SELECT 'procurement', p.code, p.title, 'publicity', p.owner_id, a.firm_id, si.department_code, p.region_code, p.industry_code, si.code, \
  a.awarded_at, CAST(NULL AS BIGINT) \
FROM awards a JOIN procurements p ON p.id = a.procurement_id JOIN service_items si ON si.id = p.item_id WHERE a.status = 'publicity' \
UNION ALL \
SELECT 'contract', COALESCE(c.code, CAST(c.id AS TEXT)), p.title, \
  CASE c.status WHEN 'drafted' THEN 'signing' WHEN 'signed' THEN 'service' WHEN 'delivered' THEN 'acceptance' ELSE 'payment' END, \
  c.owner_id, c.firm_id, si.department_code, p.region_code, p.industry_code, si.code, \
  CASE c.status WHEN 'drafted' THEN c.created_at WHEN 'signed' THEN COALESCE(c.signed_at, c.created_at) \
    WHEN 'delivered' THEN COALESCE(c.delivered_at, c.updated_at) ELSE COALESCE(c.accepted_at, c.updated_at) END, \
  CASE c.status WHEN 'signed' THEN c.due_at ELSE CAST(NULL AS BIGINT) END \
FROM contracts c JOIN procurements p ON p.id = c.procurement_id JOIN service_items si ON si.id = p.item_id \
WHERE c.status IN ('drafted', 'signed', 'delivered', 'accepted') \
UNION ALL \
SELECT 'complaint', CAST(cm.id AS TEXT), cm.subject, \
  CASE cm.status WHEN 'submitted' THEN 'complaint_acceptance' ELSE 'complaint_decision' END, \
  cm.owner_id, cm.firm_id, (SELECT MIN(si.department_code) FROM service_items si WHERE si.industry_code = cm.industry_code), \
  cm.region_code, cm.industry_code, \
  (SELECT si.code FROM procurements p JOIN service_items si ON si.id = p.item_id WHERE p.id = cm.procurement_id), \
  CASE cm.status WHEN 'submitted' THEN cm.created_at ELSE COALESCE(cm.accepted_at, cm.updated_at) END, CAST(NULL AS BIGINT) \
FROM complaints cm WHERE cm.status IN ('submitted', 'accepted') \
UNION ALL \
SELECT 'approval_case', CAST(ac.id AS TEXT), ac.case_no || ' ' || ac.title, 'approval_' || ac.stage, \
  CAST(NULL AS BIGINT), CAST(NULL AS BIGINT), ac.department_code, ac.region_code, \
  (SELECT si.industry_code FROM service_items si WHERE si.code = ac.item_code), ac.item_code, ac.stage_started_at, CAST(NULL AS BIGINT) \
FROM approval_cases ac WHERE ac.stage IN ('received', 'accepted', 'reviewing')";

/// A limit row: `item_code` `''` is the stage's default.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct LimitRow {
    pub stage: String,
    pub item_code: String,
    pub working_days: i64,
    pub warn_working_days: i64,
    pub updated_by_name: Option<String>,
    pub updated_at: i64,
    pub item_name: Option<String>,
}

/// The operator's limits, defaults first, then overrides by item code.
pub async fn limits(pool: &Pool) -> Result<Vec<LimitRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT l.stage, l.item_code, l.working_days, l.warn_working_days, u.display_name AS updated_by_name, l.updated_at, si.name AS item_name \
         FROM stage_limits l LEFT JOIN users u ON u.id = l.updated_by LEFT JOIN service_items si ON si.code = l.item_code AND l.item_code <> '' \
         ORDER BY l.item_code, l.stage",
    )
    .fetch_all(pool)
    .await
}

/// Sets a limit (a default when `item_code` is `''`).
pub async fn save_limit(pool: &Pool, stage: Stage, item_code: &str, working_days: u32, warn: u32, by: i64, now: i64) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO stage_limits (stage, item_code, working_days, warn_working_days, updated_by, updated_at) VALUES ($1, $2, $3, $4, $5, $6) \
         ON CONFLICT (stage, item_code) DO UPDATE SET working_days = excluded.working_days, warn_working_days = excluded.warn_working_days, \
         updated_by = excluded.updated_by, updated_at = excluded.updated_at",
    )
    .bind(stage.as_str())
    .bind(item_code)
    .bind(i64::from(working_days))
    .bind(i64::from(warn))
    .bind(by)
    .bind(now)
    .execute(pool)
    .await?;
    Ok(())
}

/// Removes a limit row (an override, or a default back to the built-in one).
pub async fn remove_limit(pool: &Pool, stage: Stage, item_code: &str) -> Result<bool, sqlx::Error> {
    let n = sqlx::query("DELETE FROM stage_limits WHERE stage = $1 AND item_code = $2").bind(stage.as_str()).bind(item_code).execute(pool).await?.rows_affected();
    Ok(n > 0)
}

/// Whether a service item with this code exists.
pub async fn item_exists(pool: &Pool, code: &str) -> Result<bool, sqlx::Error> {
    let row: Option<(i64,)> = sqlx::query_as("SELECT id FROM service_items WHERE code = $1").bind(code).fetch_optional(pool).await?;
    Ok(row.is_some())
}

/// The limits in force, by (stage, item code).
struct Limits(HashMap<(String, String), (u32, u32)>);

impl Limits {
    async fn load<'e, E: sqlx::Executor<'e, Database = sqlx::Any>>(ex: E) -> Result<Limits, sqlx::Error> {
        let rows: Vec<(String, String, i64, i64)> = sqlx::query_as("SELECT stage, item_code, working_days, warn_working_days FROM stage_limits").fetch_all(ex).await?;
        Ok(Limits(
            rows.into_iter()
                .map(|(s, i, wd, w)| ((s, i), (u32::try_from(wd).unwrap_or(1).max(1), u32::try_from(w).unwrap_or(0))))
                .collect(),
        ))
    }

    /// (working days, warning) for a stage and item.
    fn get(&self, stage: Stage, item: Option<&str>) -> (u32, u32) {
        let key = |i: &str| (stage.as_str().to_string(), i.to_string());
        item.filter(|i| !i.is_empty())
            .and_then(|i| self.0.get(&key(i)))
            .or_else(|| self.0.get(&key("")))
            .copied()
            .unwrap_or((stage.default_working_days(), timelimits::DEFAULT_WARN_WORKING_DAYS))
    }
}

/// The calendar of a version (weekends only for version 0 or an unknown one).
async fn calendar_version<'e, E: sqlx::Executor<'e, Database = sqlx::Any>>(ex: E, version: i64) -> Result<WorkCalendar, sqlx::Error> {
    let rows: Vec<(String, String)> = sqlx::query_as("SELECT date, kind FROM calendar_days WHERE version_id = $1").bind(version).fetch_all(ex).await?;
    let mut cal = WorkCalendar::weekends_only();
    for (date, kind) in rows {
        if kind == "workday" {
            cal.workdays.insert(date);
        } else {
            cal.holidays.insert(date);
        }
    }
    Ok(cal)
}

/// Calendars by version, loaded once each.
#[derive(Default)]
pub struct Calendars(HashMap<i64, WorkCalendar>);

impl Calendars {
    pub async fn get(&mut self, pool: &Pool, version: i64) -> Result<&WorkCalendar, sqlx::Error> {
        if !self.0.contains_key(&version) {
            let cal = calendar_version(pool, version).await?;
            self.0.insert(version, cal);
        }
        Ok(&self.0[&version])
    }
}

/// The version of the calendar in force (0 when there is none).
pub async fn current_calendar_version<'e, E: sqlx::Executor<'e, Database = sqlx::Any>>(ex: E) -> Result<i64, sqlx::Error> {
    let (v,): (i64,) = sqlx::query_as("SELECT CAST(COALESCE(MAX(id), 0) AS BIGINT) FROM calendar_versions").fetch_one(ex).await?;
    Ok(v)
}

/// What one refresh did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RefreshReport {
    pub opened: usize,
    pub closed: usize,
    /// Changes of light on clocks already open.
    pub changed: usize,
    /// Notifications sent (one per clock and light; each to all its recipients).
    pub notified: usize,
}

/// A light to tell the responsible party about.
struct Turn {
    clock: ClockRow,
    light: Light,
}

/// Inserts clocks (50 rows per statement) and sets each row's `id`.
async fn insert_clocks(tx: &mut sqlx::Transaction<'static, sqlx::Any>, rows: &mut [ClockRow]) -> Result<(), sqlx::Error> {
    for chunk in rows.chunks_mut(50) {
        const COLS: usize = 17;
        let values: Vec<String> = (0..chunk.len())
            .map(|r| format!("({})", (1..=COLS).map(|c| format!("${}", r * COLS + c)).collect::<Vec<_>>().join(", ")))
            .collect();
        let sql = format!(
            "INSERT INTO stage_clocks (subject_kind, subject_key, subject_label, stage, responsible, owner_id, firm_id, department_code, \
             region_code, industry_code, item_code, started_at, due_at, calendar_version, light, light_since, closed_at) VALUES {} \
             RETURNING id, subject_kind, subject_key, stage, started_at",
            values.join(", ")
        );
        let mut q = sqlx::query_as::<_, (i64, String, String, String, i64)>(&sql);
        for c in chunk.iter() {
            q = q
                .bind(c.subject_kind.clone())
                .bind(c.subject_key.clone())
                .bind(c.subject_label.clone())
                .bind(c.stage.clone())
                .bind(c.responsible.clone())
                .bind(c.owner_id)
                .bind(c.firm_id)
                .bind(c.department_code.clone())
                .bind(c.region_code.clone())
                .bind(c.industry_code.clone())
                .bind(c.item_code.clone())
                .bind(c.started_at)
                .bind(c.due_at)
                .bind(c.calendar_version)
                .bind(c.light.clone())
                .bind(c.light_since)
                .bind(c.closed_at);
        }
        let ids: HashMap<(String, String, String, i64), i64> =
            q.fetch_all(&mut **tx).await?.into_iter().map(|(id, k, s, st, at)| ((k, s, st, at), id)).collect();
        for c in chunk.iter_mut() {
            if let Some(id) = ids.get(&(c.subject_kind.clone(), c.subject_key.clone(), c.stage.clone(), c.started_at)) {
                c.id = *id;
            }
        }
    }
    Ok(())
}

/// Appends to the light history: (clock id, at, from light, to light).
async fn insert_history(tx: &mut sqlx::Transaction<'static, sqlx::Any>, rows: &[(i64, i64, Option<String>, String)]) -> Result<(), sqlx::Error> {
    for chunk in rows.chunks(100) {
        let values: Vec<String> = (0..chunk.len()).map(|r| format!("(${}, ${}, ${}, ${})", r * 4 + 1, r * 4 + 2, r * 4 + 3, r * 4 + 4)).collect();
        let sql = format!("INSERT INTO stage_light_changes (clock_id, at, from_light, to_light) VALUES {}", values.join(", "));
        let mut q = sqlx::query(&sql);
        for (id, at, from, to) in chunk {
            q = q.bind(*id).bind(*at).bind(from.clone()).bind(to.clone());
        }
        q.execute(&mut **tx).await?;
    }
    Ok(())
}

/// Brings the clocks up to date at `now` (see the module comment).
pub async fn refresh(state: &AppState, now: i64) -> Result<RefreshReport, sqlx::Error> {
    let pool = &state.pool;
    let mut report = RefreshReport::default();
    let mut turns: Vec<Turn> = Vec::new();
    let mut cals = Calendars::default();
    let mut tx = super::trading::begin_write(state).await?;
    let version = current_calendar_version(&mut *tx).await?;
    let limits = Limits::load(&mut *tx).await?;
    let sources: Vec<SourceRow> = sqlx::query_as(SOURCES).fetch_all(&mut *tx).await?;
    let open: Vec<ClockRow> = sqlx::query_as(&format!("SELECT {CLOCK_COLUMNS} FROM stage_clocks WHERE closed_at IS NULL")).fetch_all(&mut *tx).await?;
    // calendars: read outside the transaction's connection is fine (versions never change)
    let mut needed: HashSet<i64> = open.iter().map(|c| c.calendar_version).collect();
    needed.insert(version);
    for v in needed {
        cals.get(pool, v).await?;
    }

    let mut by_key: HashMap<(String, String, String), ClockRow> =
        open.into_iter().map(|c| ((c.subject_kind.clone(), c.subject_key.clone(), c.stage.clone()), c)).collect();
    let mut to_close: Vec<i64> = Vec::new();
    let mut new_rows: Vec<ClockRow> = Vec::new();
    let mut changes: Vec<(ClockRow, Light)> = Vec::new();
    let mut seen: HashSet<(String, String, String)> = HashSet::new();
    for s in sources {
        let Some(stage) = Stage::parse(&s.stage) else { continue };
        let key = (s.subject_kind.clone(), s.subject_key.clone(), s.stage.clone());
        if !seen.insert(key.clone()) {
            continue;
        }
        let (days, warn) = limits.get(stage, s.item_code.as_deref());
        match by_key.remove(&key) {
            Some(c) if c.started_at == s.started_at => {
                let cal = cals.get(pool, c.calendar_version).await?;
                let l = timelimits::light(now, c.due_at, warn, cal);
                if Light::parse(&c.light) != Some(l) {
                    changes.push((c, l));
                }
                continue;
            }
            Some(c) => to_close.push(c.id),
            None => {}
        }
        let cal = cals.get(pool, version).await?;
        let due = match (stage, s.source_due_at) {
            (Stage::Service, Some(d)) => d,
            _ => timelimits::due_at(s.started_at, days, cal),
        };
        let l = timelimits::light(now, due, warn, cal);
        new_rows.push(ClockRow {
            id: 0,
            subject_kind: s.subject_kind,
            subject_key: s.subject_key,
            subject_label: s.subject_label,
            stage: s.stage,
            responsible: stage.responsible().as_str().to_string(),
            owner_id: s.owner_id,
            firm_id: s.firm_id,
            department_code: s.department_code,
            region_code: s.region_code,
            industry_code: s.industry_code,
            item_code: s.item_code,
            started_at: s.started_at,
            due_at: due,
            calendar_version: version,
            light: l.as_str().to_string(),
            light_since: now,
            closed_at: None,
        });
    }
    // open clocks whose stage is over
    to_close.extend(by_key.into_values().map(|c| c.id));

    for chunk in to_close.chunks(500) {
        sqlx::query(&format!("UPDATE stage_clocks SET closed_at = $1 WHERE closed_at IS NULL AND id IN ({})", id_list(chunk)))
            .bind(now)
            .execute(&mut *tx)
            .await?;
    }
    report.closed = to_close.len();

    // new clocks
    let mut first_lights: Vec<(i64, i64, Option<String>, String)> = Vec::new();
    insert_clocks(&mut tx, &mut new_rows).await?;
    for c in &new_rows {
        first_lights.push((c.id, now, None, c.light.clone()));
        if let Some(l @ (Light::Yellow | Light::Red)) = Light::parse(&c.light) {
            turns.push(Turn { clock: c.clone(), light: l });
        }
    }
    report.opened = new_rows.len();

    // lights that changed, one UPDATE per new light
    for l in Light::ALL {
        let ids: Vec<i64> = changes.iter().filter(|(_, to)| *to == l).map(|(c, _)| c.id).collect();
        for chunk in ids.chunks(500) {
            sqlx::query(&format!("UPDATE stage_clocks SET light = $1, light_since = $2 WHERE id IN ({})", id_list(chunk)))
                .bind(l.as_str())
                .bind(now)
                .execute(&mut *tx)
                .await?;
        }
    }
    report.changed = changes.len();

    // the history: first lights and changes
    let history: Vec<(i64, i64, Option<String>, String)> = first_lights
        .into_iter()
        .chain(changes.iter().map(|(c, to)| (c.id, now, Some(c.light.clone()), to.as_str().to_string())))
        .collect();
    insert_history(&mut tx, &history).await?;
    tx.commit().await?;

    for (c, l) in changes {
        if matches!(l, Light::Yellow | Light::Red) {
            turns.push(Turn { clock: c, light: l });
        }
    }
    if !turns.is_empty() {
        report.notified = notify_turns(state, &turns).await?;
    }
    Ok(report)
}

/// An account that may receive a light's notification.
#[derive(Debug, sqlx::FromRow)]
struct Recipient {
    id: i64,
    role: String,
    owner_id: Option<i64>,
    firm_id: Option<i64>,
    region_code: Option<String>,
    industry_code: Option<String>,
}

/// The accounts answering for a clock: the owner's or firm's accounts, the
/// regulators whose scope reaches the clock's region and industry (for a clock
/// without an industry: an industry of the clock's department), or the operators.
fn recipients(c: &ClockRow, users: &[Recipient], dept_industries: &HashMap<String, HashSet<String>>) -> Vec<i64> {
    let party = Party::parse(&c.responsible);
    users
        .iter()
        .filter(|u| match party {
            Some(Party::Owner) => u.role == "owner" && u.owner_id.is_some() && u.owner_id == c.owner_id,
            Some(Party::Firm) => u.role == "firm" && u.firm_id.is_some() && u.firm_id == c.firm_id,
            Some(Party::Operator) => u.role == "operator",
            Some(Party::Department) => {
                u.role == "regulator"
                    && u.region_code.as_deref().is_some_and(|r| crate::domain::region::contains(r, &c.region_code))
                    && match (&c.industry_code, &u.industry_code) {
                        (Some(theirs), Some(mine)) => theirs == mine,
                        (None, Some(mine)) => c
                            .department_code
                            .as_ref()
                            .and_then(|d| dept_industries.get(d))
                            .is_some_and(|set| set.contains(mine)),
                        _ => false,
                    }
            }
            None => false,
        })
        .map(|u| u.id)
        .collect()
}

/// The site path of a clock's subject.
pub fn subject_link(kind: &str, key: &str, stage: &str) -> Option<String> {
    match kind {
        "procurement" if stage == "publication" => Some(format!("/owner/announcements/{key}/edit")),
        "procurement" => Some(format!("/announcements/{key}")),
        "contract" => Some(format!("/contracts/{key}")),
        "complaint" => Some(format!("/complaints/{key}")),
        _ => None,
    }
}

async fn notify_turns(state: &AppState, turns: &[Turn]) -> Result<usize, sqlx::Error> {
    use crate::i18n::{t_in, Locale};
    let users: Vec<Recipient> = sqlx::query_as(
        "SELECT id, role, owner_id, firm_id, region_code, industry_code FROM users \
         WHERE status = 'active' AND role IN ('owner', 'firm', 'regulator', 'operator')",
    )
    .fetch_all(&state.pool)
    .await?;
    let pairs: Vec<(String, String)> = sqlx::query_as("SELECT DISTINCT department_code, industry_code FROM service_items").fetch_all(&state.pool).await?;
    let mut dept_industries: HashMap<String, HashSet<String>> = HashMap::new();
    for (d, i) in pairs {
        dept_industries.entry(d).or_default().insert(i);
    }
    let zh = |k: &str| t_in(Locale::Zh, k);
    let mut sent = 0;
    for turn in turns {
        let c = &turn.clock;
        let to = recipients(c, &users, &dept_industries);
        if to.is_empty() {
            continue;
        }
        let stage = Stage::parse(&c.stage).map(|s| zh(&s.label_key())).unwrap_or_else(|| c.stage.clone());
        let title = zh(&format!("timelimits.notify_title_{}", turn.light.as_str())).replace("{stage}", &stage);
        let body = zh("timelimits.notify_body")
            .replace("{subject}", &format!("{} {}", c.subject_key, c.subject_label))
            .replace("{stage}", &stage)
            .replace("{due}", &crate::domain::time::format_shanghai(c.due_at));
        let n = NewNotification {
            kind: format!("light_{}", turn.light.as_str()),
            title,
            body,
            link: subject_link(&c.subject_kind, &c.subject_key, &c.stage),
            dedupe_key: Some(format!("light:{}:{}", c.id, turn.light.as_str())),
        };
        notify(state, &to, &n).await?;
        sent += 1;
    }
    Ok(sent)
}

// ----- the supervision board -----

/// What the board shows: open clocks in the caller's scope, narrowed by filters.
#[derive(Clone, Debug, Default)]
pub struct BoardFilter {
    /// `LIKE` prefix of the caller's region (None: all).
    pub scope_region: Option<String>,
    /// A regulator's industry: clocks of it or of no industry.
    pub scope_industry: Option<String>,
    /// `LIKE` prefix of the chosen region.
    pub region: Option<String>,
    pub stage: Option<String>,
    pub responsible: Option<String>,
}

impl BoardFilter {
    /// The `WHERE` clause (after `closed_at IS NULL`) and its text parameters, from `$1`.
    fn clause(&self) -> (String, Vec<String>) {
        let mut sql = String::from("c.closed_at IS NULL");
        let mut params = Vec::new();
        let mut add = |cond: &str, v: &str, params: &mut Vec<String>| {
            params.push(v.to_string());
            sql.push_str(&cond.replace("$?", &format!("${}", params.len())));
        };
        if let Some(r) = &self.scope_region {
            add(" AND c.region_code LIKE $?", r, &mut params);
        }
        if let Some(i) = &self.scope_industry {
            add(" AND (c.industry_code = $? OR c.industry_code IS NULL)", i, &mut params);
        }
        if let Some(r) = &self.region {
            add(" AND c.region_code LIKE $?", r, &mut params);
        }
        if let Some(s) = &self.stage {
            add(" AND c.stage = $?", s, &mut params);
        }
        if let Some(p) = &self.responsible {
            add(" AND c.responsible = $?", p, &mut params);
        }
        (sql, params)
    }
}

/// One row of a count table: a dimension's code and name, yellow and red counts.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct CountRow {
    pub code: String,
    pub name: Option<String>,
    pub yellow: i64,
    pub red: i64,
}

/// Yellow and red counts of open clocks by `dimension` (`region`, `department`,
/// `owner`, `stage`), most red first; at most `limit` rows.
pub async fn counts(pool: &Pool, f: &BoardFilter, dimension: &str, limit: i64) -> Result<Vec<CountRow>, sqlx::Error> {
    let (code, name, join) = match dimension {
        "region" => ("c.region_code", "r.name", "LEFT JOIN regions r ON r.code = c.region_code"),
        "department" => ("COALESCE(c.department_code, '')", "d.name", "LEFT JOIN departments d ON d.code = c.department_code"),
        "owner" => ("CAST(c.owner_id AS TEXT)", "o.name", "JOIN owners o ON o.id = c.owner_id"),
        _ => ("c.stage", "CAST(NULL AS TEXT)", ""),
    };
    let (clause, params) = f.clause();
    let sql = format!(
        "SELECT {code} AS code, MIN({name}) AS name, \
         CAST(SUM(CASE WHEN c.light = 'yellow' THEN 1 ELSE 0 END) AS BIGINT) AS yellow, \
         CAST(SUM(CASE WHEN c.light = 'red' THEN 1 ELSE 0 END) AS BIGINT) AS red \
         FROM stage_clocks c {join} WHERE {clause} AND c.light IN ('yellow', 'red') \
         GROUP BY {code} ORDER BY red DESC, yellow DESC, code LIMIT {limit}"
    );
    let mut q = sqlx::query_as::<_, CountRow>(&sql);
    for p in params {
        q = q.bind(p);
    }
    q.fetch_all(pool).await
}

/// Open clocks by light (green, yellow, red) in the filter.
pub async fn totals(pool: &Pool, f: &BoardFilter) -> Result<(i64, i64, i64), sqlx::Error> {
    let (clause, params) = f.clause();
    let sql = format!(
        "SELECT CAST(COALESCE(SUM(CASE WHEN c.light = 'green' THEN 1 ELSE 0 END), 0) AS BIGINT), \
         CAST(COALESCE(SUM(CASE WHEN c.light = 'yellow' THEN 1 ELSE 0 END), 0) AS BIGINT), \
         CAST(COALESCE(SUM(CASE WHEN c.light = 'red' THEN 1 ELSE 0 END), 0) AS BIGINT) FROM stage_clocks c WHERE {clause}"
    );
    let mut q = sqlx::query_as::<_, (i64, i64, i64)>(&sql);
    for p in params {
        q = q.bind(p);
    }
    q.fetch_one(pool).await
}

/// A red clock with the names the list shows.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct RedRow {
    pub id: i64,
    pub subject_kind: String,
    pub subject_key: String,
    pub subject_label: String,
    pub stage: String,
    pub responsible: String,
    pub owner_name: Option<String>,
    pub firm_name: Option<String>,
    pub department_name: Option<String>,
    pub region_name: Option<String>,
    pub region_code: String,
    pub started_at: i64,
    pub due_at: i64,
    pub calendar_version: i64,
}

/// Red clocks in the filter, longest overdue first, one page; and the total.
pub async fn red_list(pool: &Pool, f: &BoardFilter, page: u32, per_page: u32) -> Result<(Vec<RedRow>, u64), sqlx::Error> {
    let (clause, params) = f.clause();
    let count_sql = format!("SELECT CAST(COUNT(*) AS BIGINT) FROM stage_clocks c WHERE {clause} AND c.light = 'red'");
    let mut q = sqlx::query_as::<_, (i64,)>(&count_sql);
    for p in &params {
        q = q.bind(p.clone());
    }
    let (total,) = q.fetch_one(pool).await?;
    let sql = format!(
        "SELECT c.id, c.subject_kind, c.subject_key, c.subject_label, c.stage, c.responsible, o.name AS owner_name, f.name AS firm_name, \
         d.name AS department_name, r.name AS region_name, c.region_code, c.started_at, c.due_at, c.calendar_version \
         FROM stage_clocks c LEFT JOIN owners o ON o.id = c.owner_id LEFT JOIN firms f ON f.id = c.firm_id \
         LEFT JOIN departments d ON d.code = c.department_code LEFT JOIN regions r ON r.code = c.region_code \
         WHERE {clause} AND c.light = 'red' ORDER BY c.due_at, c.id LIMIT {per_page} OFFSET {}",
        crate::domain::paging::offset(page, per_page)
    );
    let mut q = sqlx::query_as::<_, RedRow>(&sql);
    for p in params {
        q = q.bind(p);
    }
    Ok((q.fetch_all(pool).await?, u64::try_from(total).unwrap_or(0)))
}

/// The clocks of one subject, newest first, with their light changes (oldest first).
pub async fn history(pool: &Pool, kind: &str, key: &str) -> Result<Vec<(ClockRow, Vec<(i64, Option<String>, String)>)>, sqlx::Error> {
    let clocks: Vec<ClockRow> = sqlx::query_as(&format!(
        "SELECT {CLOCK_COLUMNS} FROM stage_clocks WHERE subject_kind = $1 AND subject_key = $2 ORDER BY started_at DESC, id DESC"
    ))
    .bind(kind)
    .bind(key)
    .fetch_all(pool)
    .await?;
    if clocks.is_empty() {
        return Ok(vec![]);
    }
    let ids: Vec<i64> = clocks.iter().map(|c| c.id).collect();
    let rows: Vec<(i64, i64, Option<String>, String)> = sqlx::query_as(&format!(
        "SELECT clock_id, at, from_light, to_light FROM stage_light_changes WHERE clock_id IN ({}) ORDER BY at, id",
        id_list(&ids)
    ))
    .fetch_all(pool)
    .await?;
    let mut by: HashMap<i64, Vec<(i64, Option<String>, String)>> = HashMap::new();
    for (id, at, from, to) in rows {
        by.entry(id).or_default().push((at, from, to));
    }
    Ok(clocks.into_iter().map(|c| {
        let ch = by.remove(&c.id).unwrap_or_default();
        (c, ch)
    }).collect())
}

#[cfg(test)]
#[path = "timelimits_tests.rs"]
pub(crate) mod tests;
