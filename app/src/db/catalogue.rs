//! SQL of the service-item catalogue: public reads (items in force), and the
//! history every item keeps. Maintenance writes are in `catalogue_admin`.
use super::sql::Sql;
use super::Pool;
use crate::domain::catalogue::{self as rules, ItemSnapshot};
use crate::domain::paging::{offset, Page};
use crate::model::catalogue::{CatalogueFacets, ItemDetail, ItemQuery, ItemSummary};
use crate::model::catalogue_admin::ItemVersion;
use crate::model::Named;

/// The SQL form of `domain::catalogue::in_force`: item `alias` is in force on the
/// date bound at placeholder `today` (e.g. `"$1"`). Dates are `YYYY-MM-DD` text,
/// so text comparison is date comparison.
pub fn in_force_sql(alias: &str, today: &str) -> String {
    format!(
        "({alias}.effective_from <= {today} AND ({alias}.effective_to IS NULL OR {alias}.effective_to >= {today}) \
         AND ({alias}.retired_on IS NULL OR {alias}.retired_on > {today}))"
    )
}

/// Appends ` AND <in force on today>` to a dynamic query (one bound parameter).
pub fn push_in_force(sql: &mut Sql, alias: &str, today: &str) {
    sql.args.push(super::sql::Arg::Text(today.to_string()));
    let placeholder = format!("${}", sql.args.len());
    sql.push(" AND ").push(&in_force_sql(alias, &placeholder));
}

/// Industries and departments that have items in force on `today`.
pub async fn facets(pool: &Pool, today: &str) -> Result<CatalogueFacets, sqlx::Error> {
    let industries = sqlx::query_as::<_, Named>(&format!(
        "SELECT i.code, i.name FROM industries i \
         WHERE EXISTS (SELECT 1 FROM service_items s WHERE s.industry_code = i.code AND {}) \
         ORDER BY i.code",
        in_force_sql("s", "$1")
    ))
    .bind(today)
    .fetch_all(pool)
    .await?;
    let departments = sqlx::query_as::<_, Named>(&format!(
        "SELECT d.code, d.name FROM departments d \
         WHERE EXISTS (SELECT 1 FROM service_items s WHERE s.department_code = d.code AND {}) \
         ORDER BY d.code",
        in_force_sql("s", "$1")
    ))
    .bind(today)
    .fetch_all(pool)
    .await?;
    Ok(CatalogueFacets { industries, departments })
}

fn filtered(select: &str, q: &ItemQuery, today: &str) -> Sql {
    let mut sql = Sql::new(select);
    sql.push(
        " FROM service_items s \
          JOIN industries i ON i.code = s.industry_code \
          JOIN departments d ON d.code = s.department_code \
          LEFT JOIN qualification_types qt ON qt.code = s.qualification_type_code \
          WHERE 1 = 1",
    );
    push_in_force(&mut sql, "s", today);
    if let Some(ind) = &q.industry {
        sql.push(" AND s.industry_code = ").bind(ind.as_str());
    }
    if let Some(dep) = &q.department {
        sql.push(" AND s.department_code = ").bind(dep.as_str());
    }
    if let Some(text) = &q.q {
        let pattern = format!("%{}%", escape_like(text));
        sql.push(" AND (s.name LIKE ").bind(pattern.as_str()).push(" ESCAPE '\\'");
        sql.push(" OR s.approval_item LIKE ").bind(pattern.as_str()).push(" ESCAPE '\\'");
        sql.push(" OR s.code LIKE ").bind(pattern).push(" ESCAPE '\\')");
    }
    sql
}

/// Escapes `%`, `_` and `\` for a `LIKE … ESCAPE '\'` pattern.
pub fn escape_like(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// One page of items in force on `today` matching a validated query.
pub async fn list(pool: &Pool, q: &ItemQuery, per_page: u32, today: &str) -> Result<Page<ItemSummary>, sqlx::Error> {
    let page = q.page.unwrap_or(1);
    let count = filtered("SELECT COUNT(*)", q, today);
    let total: i64 = count.query_as::<(i64,)>().fetch_one(pool).await?.0;
    let mut sql = filtered(
        "SELECT s.code, s.name, i.name AS industry_name, d.name AS department_name, \
         qt.name AS qualification_name, s.min_grade, s.time_limit_days, \
         (SELECT COUNT(*) FROM firm_items fi JOIN firms f ON f.id = fi.firm_id \
            WHERE fi.item_id = s.id AND f.status = 'active') AS firm_count",
        q,
        today,
    );
    sql.push(" ORDER BY s.code LIMIT ").bind(per_page as i64).push(" OFFSET ").bind(offset(page, per_page));
    let items = sql.query_as::<ItemSummary>().fetch_all(pool).await?;
    Ok(Page { items, page, per_page, total: total as u64 })
}

/// An item's public page by its code: items in force, and items that were in force
/// and are now retired or expired (shown as such, with their history). `None` for
/// unknown items and items that never came into force.
pub async fn detail(pool: &Pool, code: &str, today: &str) -> Result<Option<ItemDetail>, sqlx::Error> {
    let found = sqlx::query_as::<_, ItemDetail>(
        "SELECT s.code, s.name, s.industry_code, i.name AS industry_name, i.regulator, \
         d.name AS department_name, s.approval_item, s.legal_basis, qt.name AS qualification_name, \
         qt.grades AS qualification_grades, s.min_grade, s.time_limit_days, s.fee_basis, \
         r.name AS region_name, s.effective_from, s.effective_to, s.retired_on, \
         (SELECT COUNT(*) FROM firm_items fi JOIN firms f ON f.id = fi.firm_id \
            WHERE fi.item_id = s.id AND f.status = 'active') AS firm_count, \
         (SELECT COUNT(*) FROM procurements p WHERE p.item_id = s.id AND p.status <> 'draft') AS procurement_count \
         FROM service_items s \
         JOIN industries i ON i.code = s.industry_code \
         JOIN departments d ON d.code = s.department_code \
         JOIN regions r ON r.code = s.region_code \
         LEFT JOIN qualification_types qt ON qt.code = s.qualification_type_code \
         WHERE s.code = $1",
    )
    .bind(code)
    .fetch_optional(pool)
    .await?;
    let Some(mut d) = found else { return Ok(None) };
    let dates = rules::ItemDates { effective_from: &d.effective_from, effective_to: d.effective_to.as_deref(), retired_on: d.retired_on.as_deref() };
    if !rules::publicly_visible(dates, today) {
        return Ok(None);
    }
    d.state = rules::state(dates, today);
    d.history = history(pool, code, false).await?;
    Ok(Some(d))
}

#[derive(sqlx::FromRow)]
struct VersionRow {
    version: i64,
    action: String,
    changed_at: i64,
    reason: String,
    changed_by: Option<String>,
    code: String,
    name: String,
    industry_code: String,
    department_code: String,
    region_code: String,
    approval_item: String,
    legal_basis: String,
    qualification_type_code: Option<String>,
    min_grade: Option<String>,
    time_limit_days: i64,
    fee_basis: String,
    effective_from: String,
    effective_to: Option<String>,
    retired_on: Option<String>,
}

impl VersionRow {
    fn snapshot(&self) -> ItemSnapshot {
        ItemSnapshot {
            code: self.code.clone(),
            name: self.name.clone(),
            industry_code: self.industry_code.clone(),
            department_code: self.department_code.clone(),
            region_code: self.region_code.clone(),
            approval_item: self.approval_item.clone(),
            legal_basis: self.legal_basis.clone(),
            qualification_type_code: self.qualification_type_code.clone(),
            min_grade: self.min_grade.clone(),
            time_limit_days: self.time_limit_days,
            fee_basis: self.fee_basis.clone(),
            effective_from: self.effective_from.clone(),
            effective_to: self.effective_to.clone(),
            retired_on: self.retired_on.clone(),
        }
    }
}

/// An item's versions, newest first, each with the fields it changed. `with_names`:
/// include who saved each version (maintenance pages only; public pages never name staff).
pub async fn history(pool: &Pool, code: &str, with_names: bool) -> Result<Vec<ItemVersion>, sqlx::Error> {
    let rows = sqlx::query_as::<_, VersionRow>(
        "SELECT v.version, v.action, v.changed_at, v.reason, u.display_name AS changed_by, v.code, v.name, \
         v.industry_code, v.department_code, v.region_code, v.approval_item, v.legal_basis, \
         v.qualification_type_code, v.min_grade, v.time_limit_days, v.fee_basis, v.effective_from, \
         v.effective_to, v.retired_on \
         FROM service_item_versions v LEFT JOIN users u ON u.id = v.changed_by \
         WHERE v.item_id = (SELECT id FROM service_items WHERE code = $1) ORDER BY v.version",
    )
    .bind(code)
    .fetch_all(pool)
    .await?;
    let mut out = Vec::with_capacity(rows.len());
    let mut prev: Option<ItemSnapshot> = None;
    for r in rows {
        let snap = r.snapshot();
        let changed = match &prev {
            Some(p) => rules::changed_fields(p, &snap).into_iter().map(String::from).collect(),
            None => Vec::new(),
        };
        out.push(ItemVersion {
            version: r.version,
            action: r.action,
            changed_at: r.changed_at,
            reason: r.reason,
            legal_basis: snap.legal_basis.clone(),
            effective_from: snap.effective_from.clone(),
            effective_to: snap.effective_to.clone(),
            retired_on: snap.retired_on.clone(),
            changed,
            changed_by: if with_names { r.changed_by } else { None },
        });
        prev = Some(snap);
    }
    out.reverse();
    Ok(out)
}

#[cfg(test)]
mod tests {
    #[test]
    fn like_patterns_are_escaped() {
        assert_eq!(super::escape_like("50%_a\\b"), "50\\%\\_a\\\\b");
        assert_eq!(super::escape_like("环评"), "环评");
    }
}
