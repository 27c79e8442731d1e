//! Onboarding applications: drafts, submission, review, and applying an approved
//! profile to the live tables. SQL only; the rules are in `domain::onboarding`.
use super::register::{DbRegister, QualificationRegister};
use super::sql::Sql;
use super::Pool;
use crate::domain::authz::Scope;
use crate::domain::onboarding::{self as rules, Completeness, Gap, StaffRole};
use crate::domain::paging::{offset, Page};
use crate::domain::qualification::{self, Claim, Finding, Requirement};
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
    let mut tx = pool.begin().await?;
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
    let mut tx = pool.begin().await?;
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
    let mut tx = pool.begin().await?;
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

/// The live profile as a draft: where a change application starts.
pub async fn snapshot_from_live(pool: &Pool, firm_id: i64) -> Result<FirmDraft, sqlx::Error> {
    let (name, credit_code, address, region_code, region_name, contact_name, contact_phone): (String, String, String, String, String, String, String) =
        sqlx::query_as(
            "SELECT f.name, f.credit_code, f.address, f.region_code, r.name, f.contact_name, f.contact_phone \
             FROM firms f JOIN regions r ON r.code = f.region_code WHERE f.id = $1",
        )
        .bind(firm_id)
        .fetch_one(pool)
        .await?;
    let staff: Vec<(String, String, String, Option<String>, String, String)> =
        sqlx::query_as("SELECT role, name, title, certificate, id_number, phone FROM firm_staff WHERE firm_id = $1 ORDER BY id")
            .bind(firm_id)
            .fetch_all(pool)
            .await?;
    let items: Vec<(String, String, String, Option<String>, String, i64)> = sqlx::query_as(
        "SELECT s.code, s.name, s.industry_code, s.qualification_type_code, fi.fee_standard, fi.promised_days \
         FROM firm_items fi JOIN service_items s ON s.id = fi.item_id WHERE fi.firm_id = $1 ORDER BY s.code",
    )
    .bind(firm_id)
    .fetch_all(pool)
    .await?;
    let quals: Vec<(String, String, String, String, String, String, String, Option<i64>)> = sqlx::query_as(
        "SELECT q.type_code, t.name, q.grade, q.certificate_no, q.issuer, q.valid_from, q.valid_to, q.file_id \
         FROM firm_qualifications q JOIN qualification_types t ON t.code = q.type_code WHERE q.firm_id = $1 ORDER BY q.id",
    )
    .bind(firm_id)
    .fetch_all(pool)
    .await?;
    Ok(FirmDraft {
        name,
        credit_code,
        address,
        region_code,
        region_name,
        contact_name,
        contact_phone,
        staff: staff
            .into_iter()
            .filter_map(|(role, name, title, certificate, id_number, phone)| {
                Some(StaffEntry { role: StaffRole::parse(&role)?, name, title, id_number, phone, certificate })
            })
            .collect(),
        items: items
            .into_iter()
            .map(|(item_code, item_name, industry_code, qualification_type, fee_standard, promised_days)| ScopeEntry {
                item_code,
                item_name,
                industry_code,
                qualification_type,
                fee_standard,
                promised_days,
            })
            .collect(),
        qualifications: quals
            .into_iter()
            .map(|(type_code, type_name, grade, certificate_no, issuer, valid_from, valid_to, file_id)| QualificationEntry {
                type_code,
                type_name,
                grade,
                certificate_no,
                issuer,
                valid_from,
                valid_to,
                file_id,
                file_name: None,
            })
            .collect(),
        commitment: None,
    })
}

/// Choices for the forms: regions, items in force, qualification types.
pub async fn options(pool: &Pool, today: &str) -> Result<OnboardingOptions, sqlx::Error> {
    let regions = super::reference::lists(pool).await?.regions;
    let items: Vec<(String, String, String, Option<String>, Option<String>, i64)> = sqlx::query_as(&format!(
        "SELECT s.code, s.name, i.name, s.qualification_type_code, s.min_grade, s.time_limit_days \
         FROM service_items s JOIN industries i ON i.code = s.industry_code WHERE {} ORDER BY s.code",
        super::catalogue::in_force_sql("s", "$1")
    ))
    .bind(today)
    .fetch_all(pool)
    .await?;
    let types: Vec<(String, String, String, String)> =
        sqlx::query_as("SELECT code, name, grades, issuer FROM qualification_types ORDER BY code").fetch_all(pool).await?;
    Ok(OnboardingOptions {
        regions,
        items: items
            .into_iter()
            .map(|(code, name, industry_name, qualification_type, min_grade, time_limit_days)| ItemOption {
                code,
                name,
                industry_name,
                qualification_type,
                min_grade,
                time_limit_days,
            })
            .collect(),
        qualification_types: types
            .into_iter()
            .map(|(code, name, grades, issuer)| QualificationTypeOption { code, name, grades: grades.split('|').map(String::from).collect(), issuer })
            .collect(),
    })
}

/// A region's display name, if the code exists.
pub async fn region_name(pool: &Pool, code: &str) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar("SELECT name FROM regions WHERE code = $1").bind(code).fetch_optional(pool).await
}

/// A service item in force on `today` as a scope entry (without fee and days) and its time limit.
pub async fn scope_item(pool: &Pool, code: &str, today: &str) -> Result<Option<(ScopeEntry, i64)>, sqlx::Error> {
    let row: Option<(String, String, String, Option<String>, i64)> = sqlx::query_as(&format!(
        "SELECT s.code, s.name, s.industry_code, s.qualification_type_code, s.time_limit_days FROM service_items s \
         WHERE s.code = $1 AND {}",
        super::catalogue::in_force_sql("s", "$2")
    ))
    .bind(code.trim())
    .bind(today)
    .fetch_optional(pool)
    .await?;
    Ok(row.map(|(item_code, item_name, industry_code, qualification_type, limit)| {
        (ScopeEntry { item_code, item_name, industry_code, qualification_type, fee_standard: String::new(), promised_days: 0 }, limit)
    }))
}

pub async fn qualification_type(pool: &Pool, code: &str) -> Result<Option<QualificationTypeOption>, sqlx::Error> {
    let row: Option<(String, String, String, String)> =
        sqlx::query_as("SELECT code, name, grades, issuer FROM qualification_types WHERE code = $1").bind(code.trim()).fetch_optional(pool).await?;
    Ok(row.map(|(code, name, grades, issuer)| QualificationTypeOption { code, name, grades: grades.split('|').map(String::from).collect(), issuer }))
}

/// The automatic checks of a draft on `today`: register findings per
/// qualification and what is still missing.
pub async fn check(pool: &Pool, d: &FirmDraft, today: &str) -> Result<(Vec<Vec<Finding>>, Vec<Gap>), sqlx::Error> {
    let register = DbRegister(pool);
    let mut findings = Vec::with_capacity(d.qualifications.len());
    for q in &d.qualifications {
        // the strictest minimum grade among the scope items needing this type
        let needing: Vec<&ScopeEntry> = d.items.iter().filter(|i| i.qualification_type.as_deref() == Some(&q.type_code)).collect();
        let requirement = if needing.is_empty() {
            None
        } else {
            let t = qualification_type(pool, &q.type_code).await?;
            let grades = t.map(|t| t.grades).unwrap_or_default();
            let mut min: Option<String> = None;
            for i in &needing {
                let m: Option<String> =
                    sqlx::query_scalar("SELECT min_grade FROM service_items WHERE code = $1").bind(&i.item_code).fetch_optional(pool).await?.flatten();
                if let Some(m) = m {
                    let stricter = match &min {
                        None => true,
                        Some(cur) => grades.iter().position(|g| *g == m) < grades.iter().position(|g| g == cur),
                    };
                    if stricter {
                        min = Some(m);
                    }
                }
            }
            Some(Requirement { type_code: q.type_code.clone(), grades, min_grade: min })
        };
        let entry = register.lookup(&q.type_code, &q.certificate_no).await?;
        let claim = Claim {
            type_code: q.type_code.clone(),
            grade: q.grade.clone(),
            certificate_no: q.certificate_no.clone(),
            holder_credit_code: d.credit_code.clone(),
        };
        findings.push(qualification::check(&claim, entry.as_ref(), requirement.as_ref(), today));
    }
    let c = Completeness {
        basic_ok: d.basic_ok(),
        legal_reps: d.staff.iter().filter(|s| s.role == StaffRole::LegalRep).count(),
        technical_staff: d.staff.iter().filter(|s| s.role == StaffRole::Technical).count(),
        items: d.items.iter().map(|i| (i.item_code.as_str(), i.qualification_type.as_deref())).collect(),
        qualifications: d
            .qualifications
            .iter()
            .zip(&findings)
            .map(|(q, f)| (q.type_code.as_str(), q.certificate_no.as_str(), !f.is_empty()))
            .collect(),
        commitment_accepted: d.commitment.as_ref().is_some_and(|c| c.version == rules::COMMITMENT_VERSION),
    };
    Ok((findings, rules::gaps(&c)))
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

/// Appends the row filter of a staff scope on a region column and (for
/// regulators) an industries column holding `,A,B,`.
fn push_scope(sql: &mut Sql, scope: &Scope, region_col: &str, industries_col: Option<&str>) {
    use crate::domain::accounts::Role;
    match scope.role {
        Role::Admin | Role::Operator => {}
        Role::Leader | Role::Regulator => {
            match scope.region_code.and_then(crate::domain::region::like_prefix) {
                Some(prefix) => sql.push(&format!(" AND {region_col} LIKE ")).bind(prefix),
                None => sql.push(" AND 1 = 0"),
            };
            if scope.role == Role::Regulator {
                match (scope.industry_code, industries_col) {
                    (Some(code), Some(col)) => sql.push(&format!(" AND {col} LIKE ")).bind(format!("%,{code},%")),
                    _ => sql.push(" AND 1 = 0"),
                };
            }
        }
        Role::Firm | Role::Owner => {
            sql.push(" AND 1 = 0");
        }
    }
}

/// Name fragment or exact credit code.
fn push_search(sql: &mut Sql, q: Option<&str>) {
    if let Some(q) = q.map(str::trim).filter(|q| !q.is_empty()) {
        let pattern = format!("%{}%", super::catalogue::escape_like(q));
        sql.push(" AND (f.name LIKE ").bind(pattern).push(" ESCAPE '\\' OR f.credit_code = ").bind(q.to_ascii_uppercase()).push(")");
    }
}

/// Submitted applications in the caller's scope, oldest first (the review order).
pub async fn queue(pool: &Pool, scope: &Scope<'_>, q: Option<&str>, now_ms: i64, page: u32, per_page: u32) -> Result<Page<QueueRow>, sqlx::Error> {
    let mut count = Sql::new("SELECT COUNT(*) FROM firm_applications a JOIN firms f ON f.id = a.firm_id WHERE a.status = 'submitted'");
    push_scope(&mut count, scope, "a.region_code", Some("a.industries"));
    push_search(&mut count, q);
    let (total,): (i64,) = count.query_as().fetch_one(pool).await?;
    let mut sql = Sql::new(
        "SELECT a.id, a.kind, f.name, f.credit_code, r.name, a.submitted_at, a.due_at FROM firm_applications a \
         JOIN firms f ON f.id = a.firm_id JOIN regions r ON r.code = a.region_code WHERE a.status = 'submitted'",
    );
    push_scope(&mut sql, scope, "a.region_code", Some("a.industries"));
    push_search(&mut sql, q);
    sql.push(" ORDER BY a.submitted_at, a.id LIMIT ").bind(per_page as i64).push(" OFFSET ").bind(offset(page, per_page));
    let rows: Vec<(i64, String, String, String, String, Option<i64>, Option<i64>)> = sql.query_as().fetch_all(pool).await?;
    let items = rows
        .into_iter()
        .map(|(application_id, kind, firm_name, credit_code, region_name, submitted_at, due_at)| QueueRow {
            application_id,
            kind: ApplicationKind::parse(&kind).unwrap_or(ApplicationKind::Change),
            firm_name,
            credit_code,
            region_name,
            submitted_at: submitted_at.unwrap_or(0),
            due_at: due_at.unwrap_or(0),
            overdue: due_at.is_some_and(|d| d < now_ms),
        })
        .collect();
    Ok(Page { items, page: page.max(1), per_page, total: total as u64 })
}

/// Live qualifications of active firms that expired or expire within the warning
/// period on `today`: one firm's, or all in the caller's scope; soonest first.
pub async fn expiring(pool: &Pool, firm_id: Option<i64>, scope: Option<&Scope<'_>>, today: &str, page: u32, per_page: u32) -> Result<Page<ExpiringQualification>, sqlx::Error> {
    let today_days = crate::domain::time::parse_date(today).unwrap_or(0);
    let (y, m, d) = crate::domain::time::civil_from_days(today_days + qualification::EXPIRY_WARNING_DAYS);
    let horizon = format!("{y:04}-{m:02}-{d:02}");
    let mut filter = Sql::new(
        " FROM firm_qualifications q JOIN firms f ON f.id = q.firm_id JOIN qualification_types t ON t.code = q.type_code \
         WHERE f.status = 'active' AND q.valid_to < ",
    );
    filter.bind(horizon);
    if let Some(id) = firm_id {
        filter.push(" AND f.id = ").bind(id);
    }
    if let Some(scope) = scope {
        // regulators: firms of their region offering an item of their industry
        push_scope(&mut filter, scope, "f.region_code", None);
        if let (crate::domain::accounts::Role::Regulator, Some(code)) = (scope.role, scope.industry_code) {
            filter
                .push(" AND EXISTS (SELECT 1 FROM firm_items fi JOIN service_items s ON s.id = fi.item_id WHERE fi.firm_id = f.id AND s.industry_code = ")
                .bind(code)
                .push(")");
        }
    }
    let mut count = Sql::new("SELECT COUNT(*)");
    count.text.push_str(&filter.text);
    count.args = filter.args.clone();
    let (total,): (i64,) = count.query_as().fetch_one(pool).await?;
    let mut sql = Sql::new("SELECT f.name, f.credit_code, t.name, q.certificate_no, q.valid_to");
    sql.text.push_str(&filter.text);
    sql.args = filter.args;
    sql.push(" ORDER BY q.valid_to, f.id LIMIT ").bind(per_page as i64).push(" OFFSET ").bind(offset(page, per_page));
    let rows: Vec<(String, String, String, String, String)> = sql.query_as().fetch_all(pool).await?;
    let items = rows
        .into_iter()
        .map(|(firm_name, credit_code, type_name, certificate_no, valid_to)| {
            let days_left = crate::domain::time::parse_date(&valid_to).map_or(-1, |t| t - today_days);
            ExpiringQualification { firm_name, credit_code, type_name, certificate_no, valid_to, days_left }
        })
        .collect();
    Ok(Page { items, page: page.max(1), per_page, total: total as u64 })
}

/// Whether the firm's identity was asserted by the unified identity platform (OIDC).
pub async fn identity_verified(pool: &Pool, firm_id: i64) -> Result<bool, sqlx::Error> {
    super::oidc::firm_identity_verified(pool, firm_id).await
}
