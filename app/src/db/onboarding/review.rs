//! What reviewers see: the queue of submitted applications and the expiring
//! qualifications, each within the caller's scope.
use super::super::sql::Sql;
use super::super::Pool;
use crate::domain::authz::Scope;
use crate::domain::paging::{offset, Page};
use crate::domain::qualification;
use crate::model::onboarding::*;

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
        let pattern = format!("%{}%", super::super::catalogue::escape_like(q));
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
