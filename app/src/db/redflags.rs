//! Red flags (风险预警): the nightly run reads [`Facts`] from the database,
//! evaluates the indicators of `domain::redflags` and keeps one review case per
//! flag and subject in `redflag_cases`.
//!
//! # Data set
//! Procurements published within the last [`WINDOW_DAYS`] days (or the longer
//! ZJ01/ZJ02 window of the settings) that are past their deadline (`closed`,
//! `selected`, `failed`) or have an award row; drafts, open and cancelled ones
//! are left out. Every table is read once for the whole window and grouped in
//! Rust (no query per procurement).
//!
//! # Bids (the mapping of `domain::redflags`' module comment)
//! - random draw and direct selection: `participations` with status `registered`
//!   (received at `COALESCE(updated_at, registered_at)`), no amount;
//! - price competition and merit: `sealed_quotes` with status `submitted`
//!   (received at `submitted_at`), the amount from the opened `quotes` row when
//!   there is one. An opened `quotes` row without a sealed quote (the demo market
//!   and imported records carry only opened quotes) is a bid too, received at
//!   `quotes.submitted_at`;
//! - disqualified: a timeline event `excluded` naming the firm's credit code,
//!   `quotes.justification_decision = 'rejected'`, or `candidates.status =
//!   'disqualified'`; everything else is valid.
//!
//! # Cases
//! A case is keyed by `(code, subject_key)`, `subject_key` being `p:<id>`,
//! `f:<id>`, `o:<id>` or `of:<owner>:<firm>`. A flag raised again while its case
//! is open refreshes the case's `detail` and `last_raised_at`; a new flag opens a
//! case; a case an inspector closed stays closed and the same flag on the same
//! subject never opens another one (the finding stands; a partial unique index
//! keeps at most one open case per key). A flag no longer raised leaves its open
//! case open: only an inspector closes cases.
//!
//! Region and industry of a case (for the regulator's scope): a procurement's own
//! region and industry; for firm subjects the firm's registered region, for owner
//! and owner–firm subjects the owner's region, both with industry `''` (any:
//! every regulator of the region sees them).
use super::sql::id_list;
use super::{Backend, Pool};
use crate::domain::money::Fen;
use crate::domain::procurement::{ProcurementStatus, SelectionMethod};
use crate::domain::redflags::{self, AwardFact, AwardStatus, Bid, BidStatus, Facts, FirmProfile, ProcurementFacts, RedFlagSettings, StaffIdentity, Subject};
use crate::domain::time::DAY_MS;
use crate::state::AppState;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

/// The data set's window: procurements published within this many days.
pub const WINDOW_DAYS: i64 = 365;

/// `app_meta` key of the thresholds (JSON of [`RedFlagSettings`]).
pub const SETTINGS_KEY: &str = "redflags.settings";

/// The thresholds in force (defaults when unset or unreadable; missing fields take defaults).
pub async fn settings(pool: &Pool) -> Result<RedFlagSettings, sqlx::Error> {
    Ok(super::meta_get(pool, SETTINGS_KEY).await?.and_then(|s| serde_json::from_str(&s).ok()).unwrap_or_default())
}

pub async fn save_settings(pool: &Pool, s: &RedFlagSettings) -> Result<(), sqlx::Error> {
    super::meta_set(pool, SETTINGS_KEY, &serde_json::to_string(s).unwrap_or_default()).await
}

/// `subject_kind`, `subject_key` and the ids of a subject.
pub fn subject_columns(s: &Subject) -> (&'static str, String, Option<i64>, Option<i64>, Option<i64>) {
    match *s {
        Subject::Procurement(id) => ("procurement", format!("p:{id}"), Some(id), None, None),
        Subject::Firm(id) => ("firm", format!("f:{id}"), None, Some(id), None),
        Subject::Owner(id) => ("owner", format!("o:{id}"), None, None, Some(id)),
        Subject::OwnerFirm { owner_id, firm_id } => ("owner_firm", format!("of:{owner_id}:{firm_id}"), None, Some(firm_id), Some(owner_id)),
    }
}

/// The procurements of the window: `$1` is the window's start, `$2` now.
const WINDOW: &str = "p.published_at IS NOT NULL AND p.published_at > $1 AND p.published_at <= $2 AND p.status <> 'cancelled' \
     AND (p.status IN ('closed', 'selected', 'failed') OR EXISTS (SELECT 1 FROM awards aw WHERE aw.procurement_id = p.id))";

type ProcRow = (i64, String, i64, String, String, String, i64, Option<i64>, Option<i64>);

/// Reads the data set (see the module comment) as of `now`.
pub async fn load_facts(pool: &Pool, _backend: Backend, now: i64, window_days: i64) -> Result<Facts, sqlx::Error> {
    let since = now - window_days.max(1) * DAY_MS;
    let rows: Vec<ProcRow> = sqlx::query_as(&format!(
        "SELECT p.id, p.code, p.owner_id, o.name, p.method, p.status, p.budget_fen, p.published_at, p.deadline_at \
         FROM procurements p JOIN owners o ON o.id = p.owner_id WHERE {WINDOW} ORDER BY p.id"
    ))
    .bind(since)
    .bind(now)
    .fetch_all(pool)
    .await?;

    // registrations (random draw, direct selection)
    let registrations: Vec<(i64, i64, i64)> = sqlx::query_as(&format!(
        "SELECT pa.procurement_id, pa.firm_id, COALESCE(pa.updated_at, pa.registered_at) FROM participations pa \
         JOIN procurements p ON p.id = pa.procurement_id WHERE {WINDOW} AND pa.status = 'registered' AND p.method IN ('random_draw', 'direct')"
    ))
    .bind(since)
    .bind(now)
    .fetch_all(pool)
    .await?;
    // sealed quotes (price competition, merit)
    let sealed: Vec<(i64, i64, i64)> = sqlx::query_as(&format!(
        "SELECT s.procurement_id, s.firm_id, s.submitted_at FROM sealed_quotes s \
         JOIN procurements p ON p.id = s.procurement_id WHERE {WINDOW} AND s.status = 'submitted' AND p.method IN ('price_competition', 'merit')"
    ))
    .bind(since)
    .bind(now)
    .fetch_all(pool)
    .await?;
    // opened quotes
    let opened: Vec<(i64, i64, i64, i64, Option<String>)> = sqlx::query_as(&format!(
        "SELECT q.procurement_id, q.firm_id, q.amount_fen, q.submitted_at, q.justification_decision FROM quotes q \
         JOIN procurements p ON p.id = q.procurement_id WHERE {WINDOW} AND p.method IN ('price_competition', 'merit')"
    ))
    .bind(since)
    .bind(now)
    .fetch_all(pool)
    .await?;
    // firms excluded at the deadline (the event names the credit code)
    let excluded: Vec<(i64, i64)> = sqlx::query_as(&format!(
        "SELECT e.procurement_id, f.id FROM procurement_events e JOIN procurements p ON p.id = e.procurement_id \
         JOIN firms f ON f.credit_code = e.detail WHERE {WINDOW} AND e.kind = 'excluded'"
    ))
    .bind(since)
    .bind(now)
    .fetch_all(pool)
    .await?;
    let disqualified: Vec<(i64, i64)> = sqlx::query_as(&format!(
        "SELECT c.procurement_id, c.firm_id FROM candidates c JOIN procurements p ON p.id = c.procurement_id \
         WHERE {WINDOW} AND c.status = 'disqualified'"
    ))
    .bind(since)
    .bind(now)
    .fetch_all(pool)
    .await?;
    let awards: Vec<(i64, i64, i64, String)> = sqlx::query_as(&format!(
        "SELECT a.procurement_id, a.firm_id, a.amount_fen, a.status FROM awards a JOIN procurements p ON p.id = a.procurement_id WHERE {WINDOW}"
    ))
    .bind(since)
    .bind(now)
    .fetch_all(pool)
    .await?;

    let out_of_play: HashSet<(i64, i64)> = excluded.into_iter().chain(disqualified).collect();
    let status = |pid: i64, firm: i64, rejected: bool| {
        if rejected || out_of_play.contains(&(pid, firm)) {
            BidStatus::Disqualified
        } else {
            BidStatus::Valid
        }
    };
    // quote bids by (procurement, firm): the sealed quote, with the opened amount
    let mut quote_bids: BTreeMap<(i64, i64), Bid> = BTreeMap::new();
    for (pid, firm, at) in sealed {
        quote_bids.insert((pid, firm), Bid { firm_id: firm, amount: None, received_at: at, status: status(pid, firm, false) });
    }
    for (pid, firm, amount, at, decision) in opened {
        let rejected = decision.as_deref() == Some("rejected");
        let b = quote_bids.entry((pid, firm)).or_insert(Bid { firm_id: firm, amount: None, received_at: at, status: BidStatus::Valid });
        b.amount = Some(Fen(amount));
        b.status = status(pid, firm, rejected);
    }
    let mut bids: HashMap<i64, Vec<Bid>> = HashMap::new();
    for ((pid, _), b) in quote_bids {
        bids.entry(pid).or_default().push(b);
    }
    for (pid, firm, at) in registrations {
        bids.entry(pid).or_default().push(Bid { firm_id: firm, amount: None, received_at: at, status: status(pid, firm, false) });
    }
    let mut award_by: HashMap<i64, AwardFact> = HashMap::new();
    for (pid, firm, amount, st) in awards {
        if let Some(status) = AwardStatus::parse(&st) {
            award_by.insert(pid, AwardFact { firm_id: firm, amount: Fen(amount), status });
        }
    }

    let mut firm_ids: BTreeSet<i64> = BTreeSet::new();
    let mut procurements = Vec::with_capacity(rows.len());
    for (id, code, owner_id, owner_name, method, st, budget, published_at, deadline_at) in rows {
        let (Some(method), Some(status)) = (SelectionMethod::parse(&method), ProcurementStatus::parse(&st)) else { continue };
        let bids = bids.remove(&id).unwrap_or_default();
        let award = award_by.remove(&id);
        firm_ids.extend(bids.iter().map(|b| b.firm_id));
        firm_ids.extend(award.iter().map(|a| a.firm_id));
        procurements.push(ProcurementFacts { id, code, owner_id, owner_name, method, status, budget: Fen(budget), published_at, deadline_at, bids, award });
    }

    // firm profiles, in chunks of ids
    let ids: Vec<i64> = firm_ids.into_iter().collect();
    let mut firms: Vec<FirmProfile> = Vec::with_capacity(ids.len());
    let mut staff: HashMap<i64, Vec<StaffIdentity>> = HashMap::new();
    for chunk in ids.chunks(500) {
        let list = id_list(chunk);
        let rows: Vec<(i64, String, String, String)> =
            sqlx::query_as(&format!("SELECT id, name, address, contact_phone FROM firms WHERE id IN ({list}) ORDER BY id")).fetch_all(pool).await?;
        firms.extend(rows.into_iter().map(|(id, name, address, contact_phone)| FirmProfile { id, name, address, contact_phone, staff: vec![] }));
        let rows: Vec<(i64, String, String, String)> =
            sqlx::query_as(&format!("SELECT firm_id, name, id_number, phone FROM firm_staff WHERE firm_id IN ({list}) ORDER BY id")).fetch_all(pool).await?;
        for (firm, name, id_number, phone) in rows {
            staff.entry(firm).or_default().push(StaffIdentity { name, id_number, phone });
        }
    }
    for f in &mut firms {
        f.staff = staff.remove(&f.id).unwrap_or_default();
    }
    Ok(Facts { as_of: now, procurements, firms })
}

/// What the nightly run would raise at `now`, without opening any case: the data set,
/// the settings and thresholds in force, the flags, and the unified social credit codes
/// of the firms and owners the flags name (their public identifiers, e.g. in OCDS).
pub struct Evaluation {
    pub window_days: i64,
    pub settings: RedFlagSettings,
    pub thresholds: redflags::Thresholds,
    pub facts: Facts,
    pub flags: Vec<redflags::Flag>,
    pub firm_codes: HashMap<i64, String>,
    pub owner_codes: HashMap<i64, String>,
}

/// The nightly run's data set and indicators at `now` (the same window, settings and
/// evaluation as [`run`]), read-only.
pub async fn evaluate_now(pool: &Pool, backend: Backend, now: i64) -> Result<Evaluation, sqlx::Error> {
    let s = settings(pool).await?;
    let window = WINDOW_DAYS.max(s.zj01_window_days).max(s.zj02_window_days);
    let facts = load_facts(pool, backend, now, window).await?;
    let flags = redflags::evaluate(&facts, &s);
    let thresholds = redflags::thresholds(&facts, &s);
    let mut firm_ids: BTreeSet<i64> = BTreeSet::new();
    let mut owner_ids: BTreeSet<i64> = BTreeSet::new();
    for f in &flags {
        match f.subject {
            Subject::Procurement(_) => {}
            Subject::Firm(id) => {
                firm_ids.insert(id);
            }
            Subject::Owner(id) => {
                owner_ids.insert(id);
            }
            Subject::OwnerFirm { owner_id, firm_id } => {
                owner_ids.insert(owner_id);
                firm_ids.insert(firm_id);
            }
        }
    }
    let mut firm_codes = HashMap::new();
    let mut owner_codes = HashMap::new();
    for (table, ids, out) in [("firms", &firm_ids, &mut firm_codes), ("owners", &owner_ids, &mut owner_codes)] {
        let ids: Vec<i64> = ids.iter().copied().collect();
        for chunk in ids.chunks(500) {
            let rows: Vec<(i64, String)> =
                sqlx::query_as(&format!("SELECT id, credit_code FROM {table} WHERE id IN ({}) ORDER BY id", id_list(chunk))).fetch_all(pool).await?;
            out.extend(rows);
        }
    }
    Ok(Evaluation { window_days: window, settings: s, thresholds, facts, flags, firm_codes, owner_codes })
}

/// The nightly run: reads the data set, evaluates, and opens or refreshes cases
/// (module comment). Returns the number of cases newly opened.
pub async fn run(state: &AppState, now: i64) -> Result<usize, sqlx::Error> {
    let s = settings(&state.pool).await?;
    let window = WINDOW_DAYS.max(s.zj01_window_days).max(s.zj02_window_days);
    let facts = load_facts(&state.pool, state.backend, now, window).await?;
    let flags = redflags::evaluate(&facts, &s);
    let mut tx = super::trading::begin_write(state).await?;
    let existing: Vec<(i64, String, String, String)> =
        sqlx::query_as("SELECT id, code, subject_key, status FROM redflag_cases ORDER BY id").fetch_all(&mut *tx).await?;
    let mut open: HashMap<(String, String), i64> = HashMap::new();
    let mut closed: HashSet<(String, String)> = HashSet::new();
    for (id, code, key, status) in existing {
        if status == "open" {
            open.insert((code, key), id);
        } else {
            closed.insert((code, key));
        }
    }
    let mut opened = 0;
    let mut seen: HashSet<(String, String)> = HashSet::new();
    for f in flags {
        let (kind, key, procurement_id, firm_id, owner_id) = subject_columns(&f.subject);
        let k = (f.code.to_string(), key.clone());
        if !seen.insert(k.clone()) || closed.contains(&k) {
            continue;
        }
        if let Some(id) = open.get(&k) {
            sqlx::query("UPDATE redflag_cases SET detail = $2, last_raised_at = $3 WHERE id = $1 AND status = 'open'")
                .bind(*id)
                .bind(&f.detail)
                .bind(now)
                .execute(&mut *tx)
                .await?;
            continue;
        }
        // region and industry from the subject (module comment)
        let (region, industry) = match f.subject {
            Subject::Procurement(_) => ("(SELECT region_code FROM procurements WHERE id = $4)", "(SELECT industry_code FROM procurements WHERE id = $4)"),
            Subject::Firm(_) => ("(SELECT region_code FROM firms WHERE id = $5)", "''"),
            Subject::Owner(_) | Subject::OwnerFirm { .. } => ("(SELECT region_code FROM owners WHERE id = $6)", "''"),
        };
        sqlx::query(&format!(
            "INSERT INTO redflag_cases (code, subject_kind, subject_key, procurement_id, firm_id, owner_id, region_code, industry_code, \
             detail, first_raised_at, last_raised_at, status) VALUES ($1, $2, $3, $4, $5, $6, COALESCE({region}, ''), COALESCE({industry}, ''), $7, $8, $8, 'open')"
        ))
        .bind(f.code)
        .bind(kind)
        .bind(&key)
        .bind(procurement_id)
        .bind(firm_id)
        .bind(owner_id)
        .bind(&f.detail)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        opened += 1;
    }
    tx.commit().await?;
    if opened > 0 {
        tracing::info!(opened, "red flags: review cases opened");
    }
    Ok(opened)
}

/// One review case for the list (names resolved).
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct CaseRow {
    pub id: i64,
    pub code: String,
    pub subject_kind: String,
    pub procurement_code: Option<String>,
    pub firm_name: Option<String>,
    pub firm_credit_code: Option<String>,
    pub owner_name: Option<String>,
    pub region_code: String,
    pub region_name: Option<String>,
    pub industry_code: String,
    pub detail: String,
    pub first_raised_at: i64,
    pub last_raised_at: i64,
    pub status: String,
    pub finding: Option<String>,
    pub closed_by_name: Option<String>,
    pub closed_at: Option<i64>,
}

const CASE_SELECT: &str = "SELECT c.id, c.code, c.subject_kind, p.code AS procurement_code, f.name AS firm_name, f.credit_code AS firm_credit_code, \
     o.name AS owner_name, c.region_code, r.name AS region_name, c.industry_code, c.detail, c.first_raised_at, c.last_raised_at, c.status, \
     c.finding, u.display_name AS closed_by_name, c.closed_at FROM redflag_cases c LEFT JOIN procurements p ON p.id = c.procurement_id \
     LEFT JOIN firms f ON f.id = c.firm_id LEFT JOIN owners o ON o.id = c.owner_id LEFT JOIN regions r ON r.code = c.region_code \
     LEFT JOIN users u ON u.id = c.closed_by";

/// Which cases a caller lists: `region` a `LIKE` pattern (None: all) and
/// `industry` the regulator's industry (cases of that industry or of `''`).
#[derive(Clone, Debug, Default)]
pub struct CaseFilter {
    pub region: Option<String>,
    pub industry: Option<String>,
    /// `open`, `closed`, or `''` for both.
    pub status: String,
    /// An indicator code, or `''` for all.
    pub code: String,
}

/// A page of cases: open ones first, the most recently raised first.
pub async fn list(pool: &Pool, f: &CaseFilter, page: u32, per_page: u32) -> Result<(Vec<CaseRow>, u64), sqlx::Error> {
    let filter = "WHERE c.region_code LIKE $1 AND ($2 = '' OR c.industry_code = $2 OR c.industry_code = '') AND ($3 = '' OR c.status = $3) AND ($4 = '' OR c.code = $4)";
    let region = f.region.clone().unwrap_or_else(|| "%".into());
    let industry = f.industry.clone().unwrap_or_default();
    let total: i64 = sqlx::query_scalar(&format!("SELECT CAST(COUNT(*) AS BIGINT) FROM redflag_cases c {filter}"))
        .bind(&region)
        .bind(&industry)
        .bind(&f.status)
        .bind(&f.code)
        .fetch_one(pool)
        .await?;
    let rows = sqlx::query_as::<_, CaseRow>(&format!(
        "{CASE_SELECT} {filter} ORDER BY CASE WHEN c.status = 'open' THEN 0 ELSE 1 END, c.last_raised_at DESC, c.id DESC LIMIT $5 OFFSET $6"
    ))
    .bind(&region)
    .bind(&industry)
    .bind(&f.status)
    .bind(&f.code)
    .bind(per_page as i64)
    .bind(crate::domain::paging::offset(page, per_page))
    .fetch_all(pool)
    .await?;
    Ok((rows, total.max(0) as u64))
}

/// A case's region, industry and status (for the scope check before closing).
pub async fn routing(pool: &Pool, id: i64) -> Result<Option<(String, String, String)>, sqlx::Error> {
    sqlx::query_as("SELECT region_code, industry_code, status FROM redflag_cases WHERE id = $1").bind(id).fetch_optional(pool).await
}

/// Closes an open case with a finding; `false` when it is no longer open.
pub async fn close(state: &AppState, id: i64, finding: &str, by: i64, now: i64) -> Result<bool, sqlx::Error> {
    let n = sqlx::query("UPDATE redflag_cases SET status = 'closed', finding = $2, closed_by = $3, closed_at = $4 WHERE id = $1 AND status = 'open'")
        .bind(id)
        .bind(finding)
        .bind(by)
        .bind(now)
        .execute(&state.pool)
        .await?
        .rows_affected();
    Ok(n == 1)
}

#[cfg(test)]
mod tests;
