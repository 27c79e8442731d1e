//! Credit archive (中介信用库): rewards and penalties, red/black list entries,
//! the cached credit score and grade (recomputed on every change), the public
//! archive and the CSV import. The formula lives in `domain::credit`.
//!
//! A firm is in a regulator's scope when the firm's region lies within the
//! regulator's region and the regulator's industry is the industry of at least
//! one of the firm's service items (firm_items → service_items.industry_code);
//! operators and admins reach every firm.
use super::{Backend, Pool};
use crate::domain::authz::Scope;
use crate::domain::credit::{self, CreditBreakdown, CreditInputs};
use crate::domain::time::date_shanghai;
use crate::error::AppError;
use crate::model::credit::*;
use crate::state::AppState;
use sqlx::AnyConnection;

const DAY_MS: i64 = 86_400_000;

/// Whether `firm_id` has a valid, unrevoked blacklist entry on `today`.
pub async fn blacklisted(ex: &mut AnyConnection, firm_id: i64, today: &str) -> Result<bool, sqlx::Error> {
    list_valid(ex, firm_id, "black", today).await
}

async fn list_valid(ex: &mut AnyConnection, firm_id: i64, list: &str, today: &str) -> Result<bool, sqlx::Error> {
    let n: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM credit_list_entries WHERE firm_id = $1 AND list = $2 AND revoked_at IS NULL \
         AND valid_from <= $3 AND (valid_to IS NULL OR valid_to >= $3)",
    )
    .bind(firm_id)
    .bind(list)
    .bind(today)
    .fetch_one(&mut *ex)
    .await?;
    Ok(n > 0)
}

/// The refusals counted against a firm: declined or lapsed candidacies, except
/// when the owner (not the firm) failed to sign.
const REFUSAL_WHERE: &str = "c.firm_id = $1 AND c.status IN ('declined', 'lapsed') AND (c.reason IS NULL OR c.reason <> $2)";

/// What the formula reads about a firm at `now`.
pub async fn inputs(ex: &mut AnyConnection, firm_id: i64, now: i64) -> Result<CreditInputs, sqlx::Error> {
    let today = date_shanghai(now);
    let records: Vec<(i64, String, String, Option<String>)> =
        sqlx::query_as("SELECT points, source, decided_on, valid_to FROM credit_records WHERE firm_id = $1")
            .bind(firm_id)
            .fetch_all(&mut *ex)
            .await?;
    let mut i = CreditInputs::default();
    for (points, source, from, to) in records {
        if !credit::valid_on(&from, to.as_deref(), &today) {
            continue;
        }
        match (source.as_str(), points > 0) {
            ("import", _) => i.imported_points += points,
            (_, true) => i.regulator_rewards += points,
            (_, false) => i.regulator_penalties -= points,
        }
    }
    let since = now - credit::WINDOW_DAYS * DAY_MS;
    i.refusals = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM candidates c WHERE {REFUSAL_WHERE} AND c.decided_at >= $3"))
        .bind(firm_id)
        .bind(crate::db::contracts::signing::OWNER_DID_NOT_SIGN)
        .bind(since)
        .fetch_one(&mut *ex)
        .await?;
    let (count, sum): (i64, Option<i64>) = sqlx::query_as(
        "SELECT COUNT(*), CAST(SUM(timeliness + quality + attitude + fee_compliance) AS BIGINT) FROM ratings WHERE firm_id = $1 AND rated_at >= $2",
    )
    .bind(firm_id)
    .bind(since)
    .fetch_one(&mut *ex)
    .await?;
    i.rating_count = count;
    i.rating_dimension_sum = sum.unwrap_or(0);
    i.upheld_complaints = sqlx::query_scalar(
        "SELECT COUNT(*) FROM complaints WHERE firm_id = $1 AND against_kind = 'firm' AND decision = 'upheld' AND decided_at >= $2",
    )
    .bind(firm_id)
    .bind(now - credit::COMPLAINT_WINDOW_DAYS * DAY_MS)
    .fetch_one(&mut *ex)
    .await?;
    i.red_listed = list_valid(ex, firm_id, "red", &today).await?;
    i.blacklisted = list_valid(ex, firm_id, "black", &today).await?;
    let status: String = sqlx::query_scalar("SELECT status FROM firms WHERE id = $1").bind(firm_id).fetch_one(&mut *ex).await?;
    i.expelled = status == "expelled";
    Ok(i)
}

/// Recomputes a firm's score and grade and caches them on `firms`.
pub async fn recompute(ex: &mut AnyConnection, firm_id: i64, now: i64) -> Result<CreditBreakdown, sqlx::Error> {
    let b = credit::compute(&inputs(ex, firm_id, now).await?);
    sqlx::query("UPDATE firms SET credit_score = $1, credit_grade = $2, credit_computed_at = $3 WHERE id = $4")
        .bind(b.total)
        .bind(b.grade.as_str())
        .bind(now)
        .bind(firm_id)
        .execute(&mut *ex)
        .await?;
    Ok(b)
}

/// Recomputes every firm (start-up and nightly: validity periods end by date).
pub async fn recompute_all(state: &AppState, now: i64) -> Result<usize, sqlx::Error> {
    let ids: Vec<i64> = sqlx::query_scalar("SELECT id FROM firms ORDER BY id").fetch_all(&state.pool).await?;
    let mut conn = state.pool.acquire().await?;
    for id in &ids {
        recompute(&mut conn, *id, now).await?;
    }
    Ok(ids.len())
}

/// Whether `scope` reaches firm `firm_id` (see the module doc).
pub async fn firm_in_scope(ex: &mut AnyConnection, scope: &Scope<'_>, firm_id: i64) -> Result<bool, sqlx::Error> {
    let region: String = sqlx::query_scalar("SELECT region_code FROM firms WHERE id = $1").bind(firm_id).fetch_one(&mut *ex).await?;
    let industries: Vec<String> = sqlx::query_scalar(
        "SELECT DISTINCT s.industry_code FROM firm_items fi JOIN service_items s ON s.id = fi.item_id WHERE fi.firm_id = $1",
    )
    .bind(firm_id)
    .fetch_all(&mut *ex)
    .await?;
    if scope.reaches(&region, None) && scope.industry_code.is_none() {
        return Ok(true);
    }
    Ok(industries.iter().any(|ind| scope.reaches(&region, Some(ind))))
}

/// The firm id of a credit code.
pub async fn firm_by_code(ex: &mut AnyConnection, credit_code: &str) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar("SELECT id FROM firms WHERE credit_code = $1").bind(credit_code.trim()).fetch_optional(&mut *ex).await
}

/// A validated reward or penalty.
#[derive(Clone, Debug)]
pub struct NewRecord {
    pub firm_id: i64,
    pub kind: &'static str,
    pub title: String,
    /// Signed.
    pub points: i64,
    pub decided_on: String,
    pub valid_to: Option<String>,
    pub document_no: String,
}

/// Validates the fields of a record (form or CSV row); errors name the field.
pub fn validate_record(kind: &str, title: &str, points: &str, decided_on: &str, valid_to: &str, document_no: &str) -> Result<(&'static str, String, i64, String, Option<String>, String), AppError> {
    let kind = credit::parse_kind(kind).ok_or(AppError::invalid("kind", "credit.kind_invalid"))?;
    let title = title.trim();
    if !(2..=200).contains(&title.chars().count()) {
        return Err(AppError::invalid("title", "credit.title_invalid"));
    }
    let magnitude: i64 = points.trim().trim_start_matches(['+', '-']).parse().map_err(|_| AppError::invalid("points", "credit.points_invalid"))?;
    let points = credit::signed_points(kind, magnitude).ok_or(AppError::invalid("points", "credit.points_invalid"))?;
    let decided_on = decided_on.trim();
    crate::domain::time::parse_date(decided_on).ok_or(AppError::invalid("decided_on", "credit.date_invalid"))?;
    let valid_to = valid_to.trim();
    let valid_to = if valid_to.is_empty() {
        None
    } else {
        crate::domain::time::parse_date(valid_to).ok_or(AppError::invalid("valid_to", "credit.date_invalid"))?;
        if valid_to < decided_on {
            return Err(AppError::invalid("valid_to", "credit.valid_to_before"));
        }
        Some(valid_to.to_string())
    };
    let document_no = document_no.trim();
    if !(1..=100).contains(&document_no.chars().count()) {
        return Err(AppError::invalid("document_no", "credit.document_no_invalid"));
    }
    Ok((kind, title.to_string(), points, decided_on.to_string(), valid_to, document_no.to_string()))
}

async fn insert_record(ex: &mut AnyConnection, r: &NewRecord, source: &str, by: i64, now: i64) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO credit_records (firm_id, kind, title, points, decided_on, valid_to, source, decided_by, document_no, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(r.firm_id)
    .bind(r.kind)
    .bind(&r.title)
    .bind(r.points)
    .bind(&r.decided_on)
    .bind(&r.valid_to)
    .bind(source)
    .bind(by)
    .bind(&r.document_no)
    .bind(now)
    .execute(&mut *ex)
    .await?;
    Ok(())
}

/// Adds a regulator's reward or penalty and recomputes the firm.
pub async fn add_record(state: &AppState, r: &NewRecord, by: i64, now: i64) -> Result<CreditBreakdown, sqlx::Error> {
    let mut tx = crate::db::trading::begin_write(state).await?;
    insert_record(&mut tx, r, "regulator", by, now).await?;
    let b = recompute(&mut tx, r.firm_id, now).await?;
    tx.commit().await?;
    Ok(b)
}

/// Adds a red or black list entry and recomputes the firm.
pub async fn add_list_entry(state: &AppState, firm_id: i64, list: &str, reason: &str, valid_from: &str, valid_to: Option<&str>, by: i64, now: i64) -> Result<CreditBreakdown, sqlx::Error> {
    let mut tx = crate::db::trading::begin_write(state).await?;
    sqlx::query(
        "INSERT INTO credit_list_entries (firm_id, list, reason, valid_from, valid_to, entered_by, entered_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(firm_id)
    .bind(list)
    .bind(reason)
    .bind(valid_from)
    .bind(valid_to)
    .bind(by)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    let b = recompute(&mut tx, firm_id, now).await?;
    tx.commit().await?;
    Ok(b)
}

/// The firm of a list entry that is not yet revoked.
pub async fn open_entry_firm(pool: &Pool, id: i64) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar("SELECT firm_id FROM credit_list_entries WHERE id = $1 AND revoked_at IS NULL").bind(id).fetch_optional(pool).await
}

/// Revokes a list entry (conditional: only once) and recomputes the firm.
pub async fn revoke_list_entry(state: &AppState, id: i64, reason: &str, now: i64) -> Result<bool, sqlx::Error> {
    let mut tx = crate::db::trading::begin_write(state).await?;
    let firm: Option<i64> = sqlx::query_scalar("SELECT firm_id FROM credit_list_entries WHERE id = $1 AND revoked_at IS NULL")
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?;
    let Some(firm) = firm else { return Ok(false) };
    sqlx::query("UPDATE credit_list_entries SET revoked_at = $1, revoke_reason = $2 WHERE id = $3 AND revoked_at IS NULL")
        .bind(now)
        .bind(reason)
        .bind(id)
        .execute(&mut *tx)
        .await?;
    recompute(&mut tx, firm, now).await?;
    tx.commit().await?;
    Ok(true)
}

/// The CSV columns of an import, in order (the header row must match).
pub const CSV_COLUMNS: [&str; 7] = ["credit_code", "kind", "title", "points", "decided_on", "valid_to", "document_no"];

/// Imports rewards and penalties from CSV (source 'import'): all rows or none.
/// Every error names its line (the header is line 1) and column.
pub async fn import_csv(state: &AppState, scope: &Scope<'_>, text: &str, by: i64, now: i64) -> Result<ImportReport, AppError> {
    let err = |row: usize, column: &str, key: &str| ImportError { row, column: column.to_string(), key: key.to_string() };
    let text = text.trim_start_matches('\u{feff}');
    let mut reader = csv::ReaderBuilder::new().has_headers(true).flexible(true).trim(csv::Trim::All).from_reader(text.as_bytes());
    let mut errors = Vec::new();
    match reader.headers() {
        Ok(h) if h.iter().collect::<Vec<_>>() == CSV_COLUMNS => {}
        _ => {
            errors.push(err(1, "", "credit.csv_header"));
            return Ok(ImportReport { added: 0, errors });
        }
    }
    let mut tx = crate::db::trading::begin_write(state).await?;
    let mut rows = Vec::new();
    for (n, rec) in reader.records().enumerate() {
        let line = n + 2;
        let rec = match rec {
            Ok(r) => r,
            Err(_) => {
                errors.push(err(line, "", "credit.csv_unreadable"));
                continue;
            }
        };
        if rec.len() != CSV_COLUMNS.len() {
            errors.push(err(line, "", "credit.csv_column_count"));
            continue;
        }
        let firm = firm_by_code(&mut tx, &rec[0]).await?;
        let Some(firm_id) = firm else {
            errors.push(err(line, "credit_code", "credit.firm_unknown"));
            continue;
        };
        if !firm_in_scope(&mut tx, scope, firm_id).await? {
            errors.push(err(line, "credit_code", "credit.firm_out_of_scope"));
            continue;
        }
        match validate_record(&rec[1], &rec[2], &rec[3], &rec[4], &rec[5], &rec[6]) {
            Ok((kind, title, points, decided_on, valid_to, document_no)) => {
                rows.push(NewRecord { firm_id, kind, title, points, decided_on, valid_to, document_no })
            }
            Err(AppError::InvalidInput { field, key }) => errors.push(err(line, &field, &key)),
            Err(e) => return Err(e),
        }
    }
    if rows.is_empty() && errors.is_empty() {
        errors.push(err(1, "", "credit.csv_empty"));
    }
    if !errors.is_empty() {
        return Ok(ImportReport { added: 0, errors });
    }
    let mut firms = std::collections::BTreeSet::new();
    for r in &rows {
        insert_record(&mut tx, r, "import", by, now).await?;
        firms.insert(r.firm_id);
    }
    for f in firms {
        recompute(&mut tx, f, now).await?;
    }
    tx.commit().await?;
    Ok(ImportReport { added: rows.len(), errors })
}

type RecordTuple = (i64, String, String, String, String, i64, String, Option<String>, String, String);
const RECORD_COLUMNS: &str = "r.id, f.name, f.credit_code, r.kind, r.title, r.points, r.decided_on, r.valid_to, r.source, r.document_no";

fn record(t: RecordTuple, today: &str) -> CreditRecord {
    let valid = credit::valid_on(&t.6, t.7.as_deref(), today);
    CreditRecord { id: t.0, firm_name: t.1, credit_code: t.2, kind: t.3, title: t.4, points: t.5, decided_on: t.6, valid_to: t.7, source: t.8, document_no: t.9, valid }
}

type EntryTuple = (i64, String, String, String, String, String, Option<String>, Option<i64>, Option<String>);
const ENTRY_COLUMNS: &str = "e.id, f.name, f.credit_code, e.list, e.reason, e.valid_from, e.valid_to, e.revoked_at, e.revoke_reason";

fn entry(t: EntryTuple, today: &str) -> ListEntry {
    let valid = t.7.is_none() && credit::valid_on(&t.5, t.6.as_deref(), today);
    ListEntry { id: t.0, firm_name: t.1, credit_code: t.2, list: t.3, reason: t.4, valid_from: t.5, valid_to: t.6, revoked_at: t.7, revoke_reason: t.8, valid }
}

/// The credit lookup: by exact credit code or part of the name (at most `limit`).
pub async fn lookup(pool: &Pool, q: &str, now: i64, limit: i64) -> Result<Vec<CreditHit>, sqlx::Error> {
    let today = date_shanghai(now);
    let q = q.trim();
    let like = format!("%{}%", q.replace(['%', '_'], ""));
    let rows: Vec<(i64, String, String, String, Option<i64>, Option<String>)> = sqlx::query_as(
        "SELECT f.id, f.name, f.credit_code, r.name, f.credit_score, f.credit_grade FROM firms f JOIN regions r ON r.code = f.region_code \
         WHERE f.status IN ('active', 'suspended', 'expelled') AND (f.credit_code = $1 OR f.name LIKE $2) ORDER BY f.name LIMIT $3",
    )
    .bind(q)
    .bind(&like)
    .bind(limit)
    .fetch_all(pool)
    .await?;
    let mut conn = pool.acquire().await?;
    let mut out = Vec::new();
    for (id, name, credit_code, region_name, score, grade) in rows {
        out.push(CreditHit {
            name,
            credit_code,
            region_name,
            score,
            grade,
            blacklisted: list_valid(&mut conn, id, "black", &today).await?,
            red_listed: list_valid(&mut conn, id, "red", &today).await?,
        });
    }
    Ok(out)
}

/// The public archive of a firm (None: unknown, or never admitted).
pub async fn archive(state: &AppState, credit_code: &str, now: i64) -> Result<Option<CreditArchive>, sqlx::Error> {
    let pool = &state.pool;
    let today = date_shanghai(now);
    let firm: Option<(i64, String, String, String, String)> = sqlx::query_as(
        "SELECT f.id, f.name, f.credit_code, r.name, f.status FROM firms f JOIN regions r ON r.code = f.region_code \
         WHERE f.credit_code = $1 AND f.status IN ('active', 'suspended', 'expelled')",
    )
    .bind(credit_code.trim())
    .fetch_optional(pool)
    .await?;
    let Some((id, name, credit_code, region_name, status)) = firm else { return Ok(None) };
    let mut conn = pool.acquire().await?;
    let breakdown = credit::compute(&inputs(&mut conn, id, now).await?);
    let star_level = star_level(&mut conn, state.backend, id).await?;
    let data: Option<String> = sqlx::query_scalar(
        "SELECT data FROM firm_applications WHERE firm_id = $1 AND status = 'approved' ORDER BY decided_at DESC, id DESC LIMIT 1",
    )
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?;
    let commitment = data.and_then(|d| serde_json::from_str::<serde_json::Value>(&d).ok()).and_then(|v| {
        let c = v.get("commitment")?;
        Some(CommitmentView {
            version: c.get("version")?.as_str()?.to_string(),
            text: c.get("text")?.as_str()?.to_string(),
            accepted_at: c.get("accepted_at")?.as_i64()?,
        })
    });
    let (count, t, q, a, f): (i64, Option<i64>, Option<i64>, Option<i64>, Option<i64>) = sqlx::query_as(
        "SELECT COUNT(*), CAST(SUM(timeliness) AS BIGINT), CAST(SUM(quality) AS BIGINT), CAST(SUM(attitude) AS BIGINT), CAST(SUM(fee_compliance) AS BIGINT) \
         FROM ratings WHERE firm_id = $1",
    )
    .bind(id)
    .fetch_one(&mut *conn)
    .await?;
    let avg = |s: Option<i64>| if count > 0 { (s.unwrap_or(0) * 100 + count / 2) / count } else { 0 };
    let ratings = RatingSummary { count, timeliness: avg(t), quality: avg(q), attitude: avg(a), fee_compliance: avg(f) };
    let completed: Vec<(String, String, String, i64, Option<i64>)> = sqlx::query_as(
        "SELECT p.code, p.title, o.name, c.price_fen, c.paid_at FROM contracts c JOIN procurements p ON p.id = c.procurement_id \
         JOIN owners o ON o.id = c.owner_id WHERE c.firm_id = $1 AND c.status = 'completed' ORDER BY c.paid_at DESC, c.id DESC LIMIT 100",
    )
    .bind(id)
    .fetch_all(&mut *conn)
    .await?;
    let completed = completed
        .into_iter()
        .map(|(procurement_code, title, owner_name, price_fen, completed_at)| ServiceDone { procurement_code, title, owner_name, price_fen, completed_at })
        .collect();
    let complaints: Vec<(String, String, Option<String>, i64, Option<i64>)> = sqlx::query_as(
        "SELECT subject, status, decision, created_at, decided_at FROM complaints WHERE firm_id = $1 AND against_kind = 'firm' \
         AND status IN ('accepted', 'decided') ORDER BY created_at DESC LIMIT 100",
    )
    .bind(id)
    .fetch_all(&mut *conn)
    .await?;
    let complaints = complaints
        .into_iter()
        .map(|(subject, status, decision, created_at, decided_at)| ComplaintOutcome { subject, status, decision, created_at, decided_at })
        .collect();
    let refusals: Vec<(String, String, String, Option<String>, Option<i64>)> = sqlx::query_as(&format!(
        "SELECT p.code, p.title, c.status, c.reason, c.decided_at FROM candidates c JOIN procurements p ON p.id = c.procurement_id \
         WHERE {REFUSAL_WHERE} ORDER BY c.decided_at DESC LIMIT 100"
    ))
    .bind(id)
    .bind(crate::db::contracts::signing::OWNER_DID_NOT_SIGN)
    .fetch_all(&mut *conn)
    .await?;
    let refusals =
        refusals.into_iter().map(|(procurement_code, title, status, reason, decided_at)| Refusal { procurement_code, title, status, reason, decided_at }).collect();
    let records: Vec<RecordTuple> = sqlx::query_as(&format!(
        "SELECT {RECORD_COLUMNS} FROM credit_records r JOIN firms f ON f.id = r.firm_id WHERE r.firm_id = $1 ORDER BY r.decided_on DESC, r.id DESC"
    ))
    .bind(id)
    .fetch_all(&mut *conn)
    .await?;
    let lists: Vec<EntryTuple> = sqlx::query_as(&format!(
        "SELECT {ENTRY_COLUMNS} FROM credit_list_entries e JOIN firms f ON f.id = e.firm_id WHERE e.firm_id = $1 ORDER BY e.valid_from DESC, e.id DESC"
    ))
    .bind(id)
    .fetch_all(&mut *conn)
    .await?;
    Ok(Some(CreditArchive {
        name,
        credit_code,
        region_name,
        status,
        star_level,
        breakdown,
        computed_on: today.clone(),
        commitment,
        ratings,
        completed,
        complaints,
        refusals,
        records: records.into_iter().map(|t| record(t, &today)).collect(),
        lists: lists.into_iter().map(|t| entry(t, &today)).collect(),
    }))
}

/// firms.star_level when the ratings slice's column exists.
async fn star_level(ex: &mut AnyConnection, backend: Backend, firm_id: i64) -> Result<Option<i64>, sqlx::Error> {
    let sql = match backend {
        Backend::Sqlite => "SELECT COUNT(*) FROM pragma_table_info('firms') WHERE name = 'star_level'",
        Backend::Postgres => "SELECT CAST(COUNT(*) AS BIGINT) FROM information_schema.columns WHERE table_name = 'firms' AND column_name = 'star_level'",
    };
    let n: i64 = sqlx::query_scalar(sql).fetch_one(&mut *ex).await?;
    if n == 0 {
        return Ok(None);
    }
    sqlx::query_scalar("SELECT star_level FROM firms WHERE id = $1").bind(firm_id).fetch_one(&mut *ex).await
}

/// Open contracts (not completed, lapsed or terminated) of firms blacklisted or expelled today.
const FLAGGED_SQL: &str = "SELECT c.id, c.code, p.code, p.title, f.name, f.credit_code, o.name, c.status, p.region_code, p.industry_code \
     FROM contracts c JOIN firms f ON f.id = c.firm_id JOIN procurements p ON p.id = c.procurement_id JOIN owners o ON o.id = c.owner_id \
     WHERE c.status NOT IN ('completed', 'lapsed', 'terminated') AND (f.status = 'expelled' OR EXISTS (SELECT 1 FROM credit_list_entries e \
     WHERE e.firm_id = f.id AND e.list = 'black' AND e.revoked_at IS NULL AND e.valid_from <= $1 AND (e.valid_to IS NULL OR e.valid_to >= $1)))";

type FlagTuple = (i64, String, String, String, String, String, String, String, String, String);

fn flagged(t: FlagTuple) -> FlaggedContract {
    FlaggedContract { contract_id: t.0, code: t.1, procurement_code: t.2, title: t.3, firm_name: t.4, credit_code: t.5, owner_name: t.6, status: t.7 }
}

/// The flag on one contract (None: the firm is in good standing).
pub async fn contract_flag(pool: &Pool, contract_id: i64, now: i64) -> Result<Option<FlaggedContract>, sqlx::Error> {
    let row: Option<FlagTuple> = sqlx::query_as(&format!("{FLAGGED_SQL} AND c.id = $2"))
        .bind(date_shanghai(now))
        .bind(contract_id)
        .fetch_optional(pool)
        .await?;
    Ok(row.map(flagged))
}

/// The regulator's credit page: records and entries of firms in scope, and flagged contracts.
pub async fn regulator_view(pool: &Pool, scope: &Scope<'_>, now: i64) -> Result<RegulatorCredit, sqlx::Error> {
    let today = date_shanghai(now);
    let mut conn = pool.acquire().await?;
    let records: Vec<(i64, RecordTuple)> = sqlx::query_as::<_, (i64, i64, String, String, String, String, i64, String, Option<String>, String, String)>(&format!(
        "SELECT r.firm_id, {RECORD_COLUMNS} FROM credit_records r JOIN firms f ON f.id = r.firm_id ORDER BY r.created_at DESC, r.id DESC LIMIT 500"
    ))
    .fetch_all(&mut *conn)
    .await?
    .into_iter()
    .map(|t| (t.0, (t.1, t.2, t.3, t.4, t.5, t.6, t.7, t.8, t.9, t.10)))
    .collect();
    let mut scope_cache = std::collections::HashMap::new();
    let mut out = RegulatorCredit { records: Vec::new(), lists: Vec::new(), flagged: Vec::new() };
    for (firm, t) in records {
        if !in_scope_cached(&mut conn, scope, firm, &mut scope_cache).await? {
            continue;
        }
        out.records.push(record(t, &today));
    }
    let entries: Vec<(i64, i64, String, String, String, String, String, Option<String>, Option<i64>, Option<String>)> = sqlx::query_as(&format!(
        "SELECT e.firm_id, {ENTRY_COLUMNS} FROM credit_list_entries e JOIN firms f ON f.id = e.firm_id ORDER BY e.entered_at DESC, e.id DESC LIMIT 500"
    ))
    .fetch_all(&mut *conn)
    .await?;
    for t in entries {
        if !in_scope_cached(&mut conn, scope, t.0, &mut scope_cache).await? {
            continue;
        }
        out.lists.push(entry((t.1, t.2, t.3, t.4, t.5, t.6, t.7, t.8, t.9), &today));
    }
    let flags: Vec<FlagTuple> = sqlx::query_as(&format!("{FLAGGED_SQL} ORDER BY c.id")).bind(&today).fetch_all(&mut *conn).await?;
    out.flagged = flags.into_iter().filter(|t| scope.reaches(&t.8, Some(&t.9))).map(flagged).collect();
    Ok(out)
}

async fn in_scope_cached(conn: &mut AnyConnection, scope: &Scope<'_>, firm: i64, cache: &mut std::collections::HashMap<i64, bool>) -> Result<bool, sqlx::Error> {
    if let Some(v) = cache.get(&firm) {
        return Ok(*v);
    }
    let v = firm_in_scope(conn, scope, firm).await?;
    cache.insert(firm, v);
    Ok(v)
}

// ---- the public list of credit records (信用记录公示, `/credit-records`) -----
//
// Rewards/penalties and red/black list entries of firms whose archive is public
// (as `archive`), one list, newest first: by date (decided on / valid from),
// then by a key unique across both tables (record id × 2, entry id × 2 + 1).
// The page and the export both read keys first (a union of two narrow
// selects), then decorate those rows: same filters, same order.

/// Both tables as one: firm, kind (reward | penalty | red | black), date and key.
const PUBLIC_UNION: &str = "(SELECT r.firm_id, r.kind, r.decided_on AS d, CAST(r.id * 2 AS BIGINT) AS k FROM credit_records r \
     UNION ALL SELECT e.firm_id, e.list, e.valid_from, CAST(e.id * 2 + 1 AS BIGINT) FROM credit_list_entries e) u \
     JOIN firms f ON f.id = u.firm_id";

/// Where the next batch of a public-list export starts (the last row's date and key).
#[derive(Clone, Debug, PartialEq)]
pub struct PublicKey {
    pub date: String,
    pub key: i64,
}

impl PublicKey {
    /// The key of a listed row.
    pub fn of(row: &PublicCreditRow) -> PublicKey {
        PublicKey { date: row.date.clone(), key: row.id * 2 + i64::from(row.is_list_entry()) }
    }
}

/// The list's filters on a validated query.
fn push_public_filters(sql: &mut super::sql::Sql, q: &CreditRecordQuery) {
    sql.push(" WHERE f.status IN ('active', 'suspended', 'expelled')");
    if let Some(text) = &q.q {
        sql.push(" AND (f.name LIKE ").bind(format!("%{}%", super::catalogue::escape_like(text))).push(" ESCAPE '\\'");
        sql.push(" OR f.credit_code = ").bind(text.to_ascii_uppercase()).push(")");
    }
    if let Some(kind) = &q.kind {
        sql.push(" AND u.kind = ").bind(kind.as_str());
    }
    if let Some(prefix) = q.region.as_deref().and_then(crate::domain::region::like_prefix) {
        sql.push(" AND f.region_code LIKE ").bind(prefix);
    }
    if let Some(from) = &q.from {
        sql.push(" AND u.d >= ").bind(from.as_str());
    }
    if let Some(to) = &q.to {
        sql.push(" AND u.d <= ").bind(to.as_str());
    }
}

/// How many rows match a validated query.
pub async fn public_count(pool: &Pool, q: &CreditRecordQuery) -> Result<i64, sqlx::Error> {
    let mut sql = super::sql::Sql::new(&format!("SELECT COUNT(*) FROM {PUBLIC_UNION}"));
    push_public_filters(&mut sql, q);
    Ok(sql.query_as::<(i64,)>().fetch_one(pool).await?.0)
}

/// The keys of the matching rows in the list's order: after `after` (keyset) or
/// skipping `offset` rows, at most `limit`.
async fn public_keys(pool: &Pool, q: &CreditRecordQuery, after: Option<&PublicKey>, offset: i64, limit: i64) -> Result<Vec<i64>, sqlx::Error> {
    let mut sql = super::sql::Sql::new(&format!("SELECT u.k FROM {PUBLIC_UNION}"));
    push_public_filters(&mut sql, q);
    if let Some(a) = after {
        sql.push(" AND u.d <= ").bind(a.date.as_str());
        sql.push(" AND (u.d < ").bind(a.date.as_str()).push(" OR u.k < ").bind(a.key).push(")");
    }
    sql.push(" ORDER BY u.d DESC, u.k DESC LIMIT ").bind(limit);
    if offset > 0 {
        sql.push(" OFFSET ").bind(offset);
    }
    Ok(sql.query_as::<(i64,)>().fetch_all(pool).await?.into_iter().map(|(k,)| k).collect())
}

/// The rows of `keys`, in that order, with their state on `today`.
async fn public_rows(pool: &Pool, keys: &[i64], today: &str) -> Result<Vec<PublicCreditRow>, sqlx::Error> {
    use super::sql::Sql;
    let (records, entries): (Vec<i64>, Vec<i64>) = keys.iter().partition(|k| *k % 2 == 0);
    let mut by_key = std::collections::HashMap::new();
    // the table's ids from the list's keys (module comment above `PUBLIC_UNION`)
    let ids = |keys: &[i64]| super::sql::id_list(&keys.iter().map(|k| k / 2).collect::<Vec<_>>()) + ")";
    if !records.is_empty() {
        let mut sql = Sql::new(
            "SELECT r.id, r.kind, r.decided_on, f.name, f.credit_code, g.name, r.title, r.points, r.document_no, r.valid_to \
             FROM credit_records r JOIN firms f ON f.id = r.firm_id JOIN regions g ON g.code = f.region_code WHERE r.id IN (",
        );
        sql.push(&ids(&records));
        type Row = (i64, String, String, String, String, String, String, i64, String, Option<String>);
        for (id, kind, date, firm_name, credit_code, region_name, title, points, document_no, valid_to) in sql.query_as::<Row>().fetch_all(pool).await? {
            let state = PublicCreditRow::state_on(&date, valid_to.as_deref(), false, today).to_string();
            by_key.insert(
                id * 2,
                PublicCreditRow { id, kind, date, firm_name, credit_code, region_name, title, points: Some(points), document_no: Some(document_no), valid_to, state, revoked_on: None },
            );
        }
    }
    if !entries.is_empty() {
        let mut sql = Sql::new(
            "SELECT e.id, e.list, e.valid_from, f.name, f.credit_code, g.name, e.reason, e.valid_to, e.revoked_at \
             FROM credit_list_entries e JOIN firms f ON f.id = e.firm_id JOIN regions g ON g.code = f.region_code WHERE e.id IN (",
        );
        sql.push(&ids(&entries));
        type Row = (i64, String, String, String, String, String, String, Option<String>, Option<i64>);
        for (id, kind, date, firm_name, credit_code, region_name, title, valid_to, revoked_at) in sql.query_as::<Row>().fetch_all(pool).await? {
            let state = PublicCreditRow::state_on(&date, valid_to.as_deref(), revoked_at.is_some(), today).to_string();
            by_key.insert(
                id * 2 + 1,
                PublicCreditRow {
                    id,
                    kind,
                    date,
                    firm_name,
                    credit_code,
                    region_name,
                    title,
                    points: None,
                    document_no: None,
                    valid_to,
                    state,
                    revoked_on: revoked_at.map(date_shanghai),
                },
            );
        }
    }
    Ok(keys.iter().filter_map(|k| by_key.remove(k)).collect())
}

/// One page of the public list (a validated query), newest first.
pub async fn public_list(pool: &Pool, q: &CreditRecordQuery, per_page: u32, now: i64) -> Result<crate::domain::paging::Page<PublicCreditRow>, sqlx::Error> {
    let page = q.page.unwrap_or(1).max(1);
    let total = public_count(pool, q).await?;
    let keys = public_keys(pool, q, None, crate::domain::paging::offset(page, per_page), per_page as i64).await?;
    let items = public_rows(pool, &keys, &date_shanghai(now)).await?;
    Ok(crate::domain::paging::Page { items, page, per_page, total: total as u64 })
}

/// The next batch of the public list after `after` (None: from the start), in the list's order.
pub async fn public_batch(pool: &Pool, q: &CreditRecordQuery, now: i64, after: Option<&PublicKey>, limit: u32) -> Result<Vec<PublicCreditRow>, sqlx::Error> {
    let keys = public_keys(pool, q, after, 0, limit as i64).await?;
    public_rows(pool, &keys, &date_shanghai(now)).await
}
