//! Onboarding applications: drafts, submission, review, and applying an approved
//! profile to the live tables. SQL only; the rules are in `domain::onboarding`.
mod profile;
mod review;

pub use profile::{check, options, qualification_type, region_name, scope_item, snapshot_from_live};
pub use review::{expiring, queue};

use super::Pool;
use crate::domain::onboarding as rules;
use crate::model::onboarding::*;

/// An application row with its draft decoded.
#[derive(Clone, Debug)]
pub struct ApplicationRow {
    pub id: i64,
    pub firm_id: i64,
    pub kind: ApplicationKind,
    pub status: ApplicationStatus,
    pub draft: FirmDraft,
    pub region_code: String,
    pub industries: String,
    pub submitted_at: Option<i64>,
    pub due_at: Option<i64>,
    pub decided_at: Option<i64>,
    pub decision_reason: Option<String>,
}

type RawRow = (i64, i64, String, String, String, String, String, Option<i64>, Option<i64>, Option<i64>, Option<String>);
const COLUMNS: &str =
    "id, firm_id, kind, status, data, region_code, industries, submitted_at, due_at, decided_at, decision_reason";

fn decode(r: RawRow) -> Result<ApplicationRow, sqlx::Error> {
    let bad = |what: &str| sqlx::Error::Decode(format!("firm_applications.{what}").into());
    Ok(ApplicationRow {
        id: r.0,
        firm_id: r.1,
        kind: ApplicationKind::parse(&r.2).ok_or_else(|| bad("kind"))?,
        status: ApplicationStatus::parse(&r.3).ok_or_else(|| bad("status"))?,
        draft: serde_json::from_str(&r.4).map_err(|_| bad("data"))?,
        region_code: r.5,
        industries: r.6,
        submitted_at: r.7,
        due_at: r.8,
        decided_at: r.9,
        decision_reason: r.10,
    })
}

/// `,ZJ,HJ,`: the industries of the scope items, for scoped queue filters.
fn industries_of(draft: &FirmDraft) -> String {
    let mut codes: Vec<&str> = draft.items.iter().map(|i| i.industry_code.as_str()).collect();
    codes.sort();
    codes.dedup();
    format!(",{},", codes.join(","))
}

fn to_json(draft: &FirmDraft) -> Result<String, sqlx::Error> {
    serde_json::to_string(draft).map_err(|e| sqlx::Error::Encode(Box::new(e)))
}

/// The firm's open application (draft, submitted or returned), if any.
pub async fn open_application(pool: &Pool, firm_id: i64) -> Result<Option<ApplicationRow>, sqlx::Error> {
    let row: Option<RawRow> = sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM firm_applications WHERE firm_id = $1 AND status IN ('draft', 'submitted', 'returned') \
         ORDER BY id DESC LIMIT 1"
    ))
    .bind(firm_id)
    .fetch_optional(pool)
    .await?;
    row.map(decode).transpose()
}

pub async fn application(pool: &Pool, id: i64) -> Result<Option<ApplicationRow>, sqlx::Error> {
    let row: Option<RawRow> = sqlx::query_as(&format!("SELECT {COLUMNS} FROM firm_applications WHERE id = $1"))
        .bind(id)
        .fetch_optional(pool)
        .await?;
    row.map(decode).transpose()
}

async fn event(
    conn: &mut sqlx::AnyConnection,
    application_id: i64,
    firm_id: i64,
    action: &str,
    actor: Option<i64>,
    reason: Option<&str>,
    data: Option<&str>,
    now_ms: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO firm_application_events (application_id, firm_id, action, actor_id, reason, data, at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(application_id)
    .bind(firm_id)
    .bind(action)
    .bind(actor)
    .bind(reason)
    .bind(data)
    .bind(now_ms)
    .execute(conn)
    .await?;
    Ok(())
}

/// Opens a new application holding `draft`.
pub async fn create(pool: &Pool, firm_id: i64, kind: ApplicationKind, draft: &FirmDraft, actor: Option<i64>, now_ms: i64) -> Result<i64, sqlx::Error> {
    let mut tx = crate::db::begin_write_on(&pool).await?;
    let (id,): (i64,) = sqlx::query_as(
        "INSERT INTO firm_applications (firm_id, kind, status, data, region_code, industries, created_at, updated_at) \
         VALUES ($1, $2, 'draft', $3, $4, $5, $6, $6) RETURNING id",
    )
    .bind(firm_id)
    .bind(kind.as_str())
    .bind(to_json(draft)?)
    .bind(&draft.region_code)
    .bind(industries_of(draft))
    .bind(now_ms)
    .fetch_one(&mut *tx)
    .await?;
    event(&mut tx, id, firm_id, "created", actor, None, None, now_ms).await?;
    tx.commit().await?;
    Ok(id)
}

/// Stores an edited draft (only while the firm may edit it).
pub async fn save_draft(pool: &Pool, id: i64, draft: &FirmDraft, now_ms: i64) -> Result<bool, sqlx::Error> {
    let r = sqlx::query(
        "UPDATE firm_applications SET data = $1, region_code = $2, industries = $3, updated_at = $4 \
         WHERE id = $5 AND status IN ('draft', 'returned')",
    )
    .bind(to_json(draft)?)
    .bind(&draft.region_code)
    .bind(industries_of(draft))
    .bind(now_ms)
    .bind(id)
    .execute(pool)
    .await?;
    Ok(r.rows_affected() == 1)
}

/// Submits an application for review, or applies it at once when `auto_approve`
/// (identity asserted by the unified identity platform and no findings).
pub async fn submit(pool: &Pool, app: &ApplicationRow, actor: i64, auto_approve: bool, now_ms: i64) -> Result<bool, sqlx::Error> {
    let mut tx = crate::db::begin_write_on(&pool).await?;
    let data = to_json(&app.draft)?;
    let r = sqlx::query(
        "UPDATE firm_applications SET status = 'submitted', data = $1, submitted_at = $2, due_at = $3, decided_at = NULL, \
         decided_by = NULL, decision_reason = NULL, updated_at = $2 WHERE id = $4 AND status IN ('draft', 'returned')",
    )
    .bind(&data)
    .bind(now_ms)
    .bind(rules::review_due(now_ms))
    .bind(app.id)
    .execute(&mut *tx)
    .await?;
    if r.rows_affected() != 1 {
        return Ok(false);
    }
    event(&mut tx, app.id, app.firm_id, "submitted", Some(actor), None, Some(&data), now_ms).await?;
    if app.kind == ApplicationKind::Onboarding {
        sqlx::query("UPDATE firms SET status = 'submitted', updated_at = $1 WHERE id = $2 AND status IN ('draft', 'returned')")
            .bind(now_ms)
            .bind(app.firm_id)
            .execute(&mut *tx)
            .await?;
    }
    if auto_approve {
        decide_in(&mut tx, app, true, Some("统一身份认证机构,资质核验通过,直接入库"), None, now_ms).await?;
    }
    tx.commit().await?;
    Ok(true)
}

/// Marks a demo application submitted at `at` without an acting user (demo loader).
pub async fn submit_as_demo(pool: &Pool, app: &ApplicationRow, at: i64) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE firm_applications SET status = 'submitted', submitted_at = $1, due_at = $2 WHERE id = $3")
        .bind(at)
        .bind(rules::review_due(at))
        .bind(app.id)
        .execute(pool)
        .await?;
    let mut conn = pool.acquire().await?;
    event(&mut conn, app.id, app.firm_id, "submitted", None, None, None, at).await
}

/// Approves (applying the profile) or returns a submitted application.
pub async fn decide(pool: &Pool, app: &ApplicationRow, approve: bool, reason: Option<&str>, actor: i64, now_ms: i64) -> Result<bool, sqlx::Error> {
    let mut tx = crate::db::begin_write_on(&pool).await?;
    let done = decide_in(&mut tx, app, approve, reason, Some(actor), now_ms).await?;
    tx.commit().await?;
    Ok(done)
}

async fn decide_in(
    tx: &mut sqlx::AnyConnection,
    app: &ApplicationRow,
    approve: bool,
    reason: Option<&str>,
    actor: Option<i64>,
    now_ms: i64,
) -> Result<bool, sqlx::Error> {
    let status = if approve { "approved" } else { "returned" };
    let r = sqlx::query(
        "UPDATE firm_applications SET status = $1, decided_at = $2, decided_by = $3, decision_reason = $4, updated_at = $2 \
         WHERE id = $5 AND status = 'submitted'",
    )
    .bind(status)
    .bind(now_ms)
    .bind(actor)
    .bind(reason)
    .bind(app.id)
    .execute(&mut *tx)
    .await?;
    if r.rows_affected() != 1 {
        return Ok(false);
    }
    let action = match (approve, actor) {
        (true, None) => "auto_approved",
        (true, Some(_)) => "approved",
        (false, _) => "returned",
    };
    event(tx, app.id, app.firm_id, action, actor, reason, None, now_ms).await?;
    if approve {
        apply(tx, app.firm_id, &app.draft, now_ms).await?;
    } else if app.kind == ApplicationKind::Onboarding {
        sqlx::query("UPDATE firms SET status = 'returned', updated_at = $1 WHERE id = $2 AND status = 'submitted'")
            .bind(now_ms)
            .bind(app.firm_id)
            .execute(&mut *tx)
            .await?;
    }
    Ok(true)
}

/// Copies an approved profile into the live tables; the firm becomes active
/// (a suspended or expelled firm keeps its status).
async fn apply(tx: &mut sqlx::AnyConnection, firm_id: i64, d: &FirmDraft, now_ms: i64) -> Result<(), sqlx::Error> {
    let legal_rep = d.legal_rep().map(|s| s.name.as_str()).unwrap_or("");
    sqlx::query(
        "UPDATE firms SET name = $1, address = $2, region_code = $3, legal_rep = $4, contact_name = $5, contact_phone = $6, \
         status = CASE WHEN status IN ('suspended', 'expelled') THEN status ELSE 'active' END, updated_at = $7 WHERE id = $8",
    )
    .bind(&d.name)
    .bind(&d.address)
    .bind(&d.region_code)
    .bind(legal_rep)
    .bind(&d.contact_name)
    .bind(&d.contact_phone)
    .bind(now_ms)
    .bind(firm_id)
    .execute(&mut *tx)
    .await?;
    for table in ["firm_items", "firm_qualifications", "firm_staff"] {
        sqlx::query(&format!("DELETE FROM {table} WHERE firm_id = $1")).bind(firm_id).execute(&mut *tx).await?;
    }
    for i in &d.items {
        sqlx::query(
            "INSERT INTO firm_items (firm_id, item_id, fee_standard, promised_days) \
             SELECT $1, id, $2, $3 FROM service_items WHERE code = $4",
        )
        .bind(firm_id)
        .bind(&i.fee_standard)
        .bind(i.promised_days)
        .bind(&i.item_code)
        .execute(&mut *tx)
        .await?;
    }
    for q in &d.qualifications {
        sqlx::query(
            "INSERT INTO firm_qualifications (firm_id, type_code, grade, certificate_no, issuer, valid_from, valid_to, file_id) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(firm_id)
        .bind(&q.type_code)
        .bind(&q.grade)
        .bind(&q.certificate_no)
        .bind(&q.issuer)
        .bind(&q.valid_from)
        .bind(&q.valid_to)
        .bind(q.file_id)
        .execute(&mut *tx)
        .await?;
    }
    for s in &d.staff {
        sqlx::query(
            "INSERT INTO firm_staff (firm_id, role, name, title, certificate, id_number, phone, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(firm_id)
        .bind(s.role.as_str())
        .bind(&s.name)
        .bind(&s.title)
        .bind(s.certificate.as_deref())
        .bind(&s.id_number)
        .bind(&s.phone)
        .bind(now_ms)
        .execute(&mut *tx)
        .await?;
    }
    Ok(())
}

/// A firm's status, name and credit code.
pub async fn firm_basics(pool: &Pool, firm_id: i64) -> Result<(String, String, String), sqlx::Error> {
    sqlx::query_as("SELECT status, name, credit_code FROM firms WHERE id = $1").bind(firm_id).fetch_one(pool).await
}

/// Every step of every application of the firm, newest first.
pub async fn history(pool: &Pool, firm_id: i64) -> Result<Vec<HistoryEntry>, sqlx::Error> {
    let rows: Vec<(i64, String, String, Option<String>, Option<String>, i64)> = sqlx::query_as(
        "SELECT e.application_id, a.kind, e.action, u.display_name, e.reason, e.at FROM firm_application_events e \
         JOIN firm_applications a ON a.id = e.application_id LEFT JOIN users u ON u.id = e.actor_id \
         WHERE e.firm_id = $1 ORDER BY e.at DESC, e.id DESC LIMIT 200",
    )
    .bind(firm_id)
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(application_id, kind, action, actor, reason, at)| HistoryEntry {
            application_id,
            kind: ApplicationKind::parse(&kind).unwrap_or(ApplicationKind::Change),
            action,
            actor,
            reason,
            at,
        })
        .collect())
}

/// Whether the firm's identity was asserted by the unified identity platform (OIDC).
pub async fn identity_verified(pool: &Pool, firm_id: i64) -> Result<bool, sqlx::Error> {
    super::oidc::firm_identity_verified(pool, firm_id).await
}
