//! SQL of the service-item catalogue.
use super::sql::Sql;
use super::Pool;
use crate::domain::paging::{offset, Page};
use crate::model::catalogue::{CatalogueFacets, ItemDetail, ItemQuery, ItemSummary};
use crate::model::Named;

/// Industries and departments that have items in force.
pub async fn facets(pool: &Pool) -> Result<CatalogueFacets, sqlx::Error> {
    let industries = sqlx::query_as::<_, Named>(
        "SELECT i.code, i.name FROM industries i \
         WHERE EXISTS (SELECT 1 FROM service_items s WHERE s.industry_code = i.code AND s.status = 'in_force') \
         ORDER BY i.code",
    )
    .fetch_all(pool)
    .await?;
    let departments = sqlx::query_as::<_, Named>(
        "SELECT d.code, d.name FROM departments d \
         WHERE EXISTS (SELECT 1 FROM service_items s WHERE s.department_code = d.code AND s.status = 'in_force') \
         ORDER BY d.code",
    )
    .fetch_all(pool)
    .await?;
    Ok(CatalogueFacets { industries, departments })
}

fn filtered(select: &str, q: &ItemQuery) -> Sql {
    let mut sql = Sql::new(select);
    sql.push(
        " FROM service_items s \
          JOIN industries i ON i.code = s.industry_code \
          JOIN departments d ON d.code = s.department_code \
          LEFT JOIN qualification_types qt ON qt.code = s.qualification_type_code \
          WHERE s.status = 'in_force'",
    );
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

/// One page of items in force matching a validated query.
pub async fn list(pool: &Pool, q: &ItemQuery, per_page: u32) -> Result<Page<ItemSummary>, sqlx::Error> {
    let page = q.page.unwrap_or(1);
    let count = filtered("SELECT COUNT(*)", q);
    let total: i64 = count.query_as::<(i64,)>().fetch_one(pool).await?.0;
    let mut sql = filtered(
        "SELECT s.code, s.name, i.name AS industry_name, d.name AS department_name, \
         qt.name AS qualification_name, s.min_grade, s.time_limit_days, \
         (SELECT COUNT(*) FROM firm_items fi JOIN firms f ON f.id = fi.firm_id \
            WHERE fi.item_id = s.id AND f.status = 'active') AS firm_count",
        q,
    );
    sql.push(" ORDER BY s.code LIMIT ").bind(per_page as i64).push(" OFFSET ").bind(offset(page, per_page));
    let items = sql.query_as::<ItemSummary>().fetch_all(pool).await?;
    Ok(Page { items, page, per_page, total: total as u64 })
}

/// An item in force by its code.
pub async fn detail(pool: &Pool, code: &str) -> Result<Option<ItemDetail>, sqlx::Error> {
    sqlx::query_as::<_, ItemDetail>(
        "SELECT s.code, s.name, s.industry_code, i.name AS industry_name, i.regulator, \
         d.name AS department_name, s.approval_item, s.legal_basis, qt.name AS qualification_name, \
         qt.grades AS qualification_grades, s.min_grade, s.time_limit_days, s.fee_basis, \
         r.name AS region_name, s.effective_from, \
         (SELECT COUNT(*) FROM firm_items fi JOIN firms f ON f.id = fi.firm_id \
            WHERE fi.item_id = s.id AND f.status = 'active') AS firm_count, \
         (SELECT COUNT(*) FROM procurements p WHERE p.item_id = s.id AND p.status <> 'draft') AS procurement_count \
         FROM service_items s \
         JOIN industries i ON i.code = s.industry_code \
         JOIN departments d ON d.code = s.department_code \
         JOIN regions r ON r.code = s.region_code \
         LEFT JOIN qualification_types qt ON qt.code = s.qualification_type_code \
         WHERE s.code = $1 AND s.status = 'in_force'",
    )
    .bind(code)
    .fetch_optional(pool)
    .await
}

#[cfg(test)]
mod tests {
    #[test]
    fn like_patterns_are_escaped() {
        assert_eq!(super::escape_like("50%_a\\b"), "50\\%\\_a\\\\b");
        assert_eq!(super::escape_like("环评"), "环评");
    }
}
