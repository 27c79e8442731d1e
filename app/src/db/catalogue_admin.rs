//! SQL of catalogue maintenance: the scoped item list, the editor's choices, and
//! the writes. Every write bumps the item's version and copies the row just written
//! into `service_item_versions` in the same transaction, so the history is complete.
use super::sql::Sql;
use super::Pool;
use crate::domain::authz::Scope;
use crate::domain::catalogue::{self as rules, ItemSnapshot, ItemState};
use crate::domain::paging::{offset, Page};
use crate::domain::{accounts::Role, region};
use crate::model::catalogue_admin::{EditorOptions, ManageQuery, ManagedItem, QualificationOption};
use crate::model::Named;

#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    #[error("the item code is taken")]
    CodeTaken,
    /// Someone else saved the item since the editor loaded it.
    #[error("the item changed meanwhile")]
    Stale,
    #[error(transparent)]
    Db(#[from] sqlx::Error),
}

/// Restricts a query on `service_items s` to the rows `scope` reaches (the SQL form
/// of `Scope::reaches(region, Some(industry))`).
fn push_scope(sql: &mut Sql, scope: &Scope<'_>) {
    let prefix = scope.region_code.and_then(region::like_prefix);
    match (scope.role, prefix, scope.industry_code) {
        (Role::Admin | Role::Operator, _, _) => {}
        (Role::Leader, Some(prefix), _) => {
            sql.push(" AND s.region_code LIKE ").bind(prefix);
        }
        (Role::Regulator, Some(prefix), Some(industry)) => {
            sql.push(" AND s.region_code LIKE ").bind(prefix).push(" AND s.industry_code = ").bind(industry);
        }
        _ => {
            sql.push(" AND 1 = 0");
        }
    }
}

/// The SQL form of `domain::catalogue::state(…) == state` on `today`.
fn push_state(sql: &mut Sql, state: ItemState, today: &str) {
    sql.args.push(super::sql::Arg::Text(today.to_string()));
    let t = format!("${}", sql.args.len());
    let not_retired = format!("(s.retired_on IS NULL OR s.retired_on > {t})");
    sql.push(&match state {
        ItemState::InForce => format!(" AND {}", super::catalogue::in_force_sql("s", &t)),
        ItemState::Retired => format!(" AND s.retired_on <= {t}"),
        ItemState::Pending => format!(" AND s.effective_from > {t} AND {not_retired}"),
        ItemState::Expired => format!(" AND s.effective_from <= {t} AND s.effective_to < {t} AND {not_retired}"),
    });
}

fn filtered(select: &str, scope: &Scope<'_>, q: &ManageQuery, today: &str) -> Sql {
    let mut sql = Sql::new(select);
    sql.push(
        " FROM service_items s JOIN industries i ON i.code = s.industry_code \
          JOIN departments d ON d.code = s.department_code JOIN regions r ON r.code = s.region_code WHERE 1 = 1",
    );
    push_scope(&mut sql, scope);
    if let Some(ind) = &q.industry {
        sql.push(" AND s.industry_code = ").bind(ind.as_str());
    }
    if let Some(state) = q.state.as_deref().and_then(ItemState::parse) {
        push_state(&mut sql, state, today);
    }
    if let Some(text) = &q.q {
        let pattern = format!("%{}%", super::catalogue::escape_like(text));
        sql.push(" AND (s.name LIKE ").bind(pattern.as_str()).push(" ESCAPE '\\'");
        sql.push(" OR s.code LIKE ").bind(pattern).push(" ESCAPE '\\')");
    }
    sql
}

/// One page of the items `scope` may maintain, with their state on `today`.
pub async fn list(pool: &Pool, scope: &Scope<'_>, q: &ManageQuery, per_page: u32, today: &str) -> Result<Page<ManagedItem>, sqlx::Error> {
    let page = q.page.unwrap_or(1);
    let total: i64 = filtered("SELECT COUNT(*)", scope, q, today).query_as::<(i64,)>().fetch_one(pool).await?.0;
    let mut sql = filtered(
        "SELECT s.code, s.name, i.name AS industry_name, d.name AS department_name, r.name AS region_name, \
         s.effective_from, s.effective_to, s.retired_on, s.version, s.updated_at",
        scope,
        q,
        today,
    );
    sql.push(" ORDER BY s.code LIMIT ").bind(per_page as i64).push(" OFFSET ").bind(offset(page, per_page));
    let mut items = sql.query_as::<ManagedItem>().fetch_all(pool).await?;
    for it in &mut items {
        let dates = rules::ItemDates { effective_from: &it.effective_from, effective_to: it.effective_to.as_deref(), retired_on: it.retired_on.as_deref() };
        it.state = rules::state(dates, today);
    }
    Ok(Page { items, page, per_page, total: total as u64 })
}

/// The editor's choices: industries and regions inside `scope`, every department and
/// qualification type (with grades, highest first).
pub async fn options(pool: &Pool, scope: &Scope<'_>) -> Result<EditorOptions, sqlx::Error> {
    let lists = super::reference::lists(pool).await?;
    let industries = lists.industries.into_iter().filter(|i| scope.role != Role::Regulator || scope.industry_code == Some(i.code.as_str())).collect();
    let regions = lists.regions.into_iter().filter(|r| scope.reaches(&r.code, None)).collect();
    let departments = sqlx::query_as::<_, Named>("SELECT code, name FROM departments ORDER BY code").fetch_all(pool).await?;
    let rows: Vec<(String, String, String)> = sqlx::query_as("SELECT code, name, grades FROM qualification_types ORDER BY code").fetch_all(pool).await?;
    let qualifications = rows
        .into_iter()
        .map(|(code, name, grades)| QualificationOption { code, name, grades: grades.split('|').map(String::from).collect() })
        .collect();
    Ok(EditorOptions { industries, departments, regions, qualifications })
}

/// The first reference problem of an item (`(field, message key)`): unknown
/// industry, department, region, qualification type, or a grade the type lacks.
pub async fn reference_problem(pool: &Pool, item: &ItemSnapshot) -> Result<Option<(&'static str, &'static str)>, sqlx::Error> {
    let exists = |table: &'static str, code: String| async move {
        let q = format!("SELECT 1 FROM {table} WHERE code = $1");
        sqlx::query_as::<_, (i64,)>(&q).bind(code).fetch_optional(pool).await.map(|r| r.is_some())
    };
    if !exists("industries", item.industry_code.clone()).await? {
        return Ok(Some(("industry_code", "catalogue_admin.industry_required")));
    }
    if !exists("departments", item.department_code.clone()).await? {
        return Ok(Some(("department_code", "catalogue_admin.department_required")));
    }
    if !exists("regions", item.region_code.clone()).await? {
        return Ok(Some(("region_code", "catalogue_admin.region_required")));
    }
    if let Some(qt) = &item.qualification_type_code {
        let grades: Option<(String,)> = sqlx::query_as("SELECT grades FROM qualification_types WHERE code = $1").bind(qt).fetch_optional(pool).await?;
        let Some((grades,)) = grades else { return Ok(Some(("qualification_type_code", "catalogue_admin.qualification_unknown"))) };
        if item.min_grade.as_deref().is_some_and(|g| !grades.split('|').any(|x| x == g)) {
            return Ok(Some(("min_grade", "catalogue_admin.grade_unknown")));
        }
    }
    Ok(None)
}

/// The suggested code of a new item.
pub async fn next_code(pool: &Pool) -> Result<String, sqlx::Error> {
    let codes: Vec<(String,)> = sqlx::query_as("SELECT code FROM service_items").fetch_all(pool).await?;
    Ok(rules::next_code(codes.iter().map(|c| c.0.as_str())))
}

/// An item as stored: id, every editable field, version.
pub struct Stored {
    pub id: i64,
    pub item: ItemSnapshot,
    pub version: i64,
}

pub async fn load(pool: &Pool, code: &str) -> Result<Option<Stored>, sqlx::Error> {
    type Row = (i64, String, String, String, String, String, String, String, Option<String>, Option<String>, i64, String, String, Option<String>, Option<String>, i64);
    let row: Option<Row> = sqlx::query_as(
        "SELECT id, code, name, industry_code, department_code, region_code, approval_item, legal_basis, \
         qualification_type_code, min_grade, time_limit_days, fee_basis, effective_from, effective_to, retired_on, version \
         FROM service_items WHERE code = $1",
    )
    .bind(code)
    .fetch_optional(pool)
    .await?;
    Ok(row.map(|r| Stored {
        id: r.0,
        item: ItemSnapshot {
            code: r.1,
            name: r.2,
            industry_code: r.3,
            department_code: r.4,
            region_code: r.5,
            approval_item: r.6,
            legal_basis: r.7,
            qualification_type_code: r.8,
            min_grade: r.9,
            time_limit_days: r.10,
            fee_basis: r.11,
            effective_from: r.12,
            effective_to: r.13,
            retired_on: r.14,
        },
        version: r.15,
    }))
}

/// Copies the item's current row into its history.
async fn snapshot(conn: &mut sqlx::AnyConnection, id: i64, action: &str, reason: &str, user_id: i64, now_ms: i64) -> Result<i64, sqlx::Error> {
    sqlx::query(
        "INSERT INTO service_item_versions (item_id, version, action, code, name, industry_code, department_code, \
         region_code, approval_item, legal_basis, qualification_type_code, min_grade, time_limit_days, fee_basis, \
         effective_from, effective_to, retired_on, reason, changed_by, changed_at) \
         SELECT id, version, $2, code, name, industry_code, department_code, region_code, approval_item, legal_basis, \
         qualification_type_code, min_grade, time_limit_days, fee_basis, effective_from, effective_to, retired_on, \
         $3, $4, $5 FROM service_items WHERE id = $1",
    )
    .bind(id)
    .bind(action)
    .bind(reason)
    .bind(user_id)
    .bind(now_ms)
    .execute(&mut *conn)
    .await?;
    let (version,): (i64,) = sqlx::query_as("SELECT version FROM service_items WHERE id = $1").bind(id).fetch_one(&mut *conn).await?;
    Ok(version)
}

/// Creates an item (version 1) and its first history row.
pub async fn create(pool: &Pool, item: &ItemSnapshot, reason: &str, user_id: i64, now_ms: i64) -> Result<i64, WriteError> {
    let mut tx = crate::db::begin_write_on(&pool).await?;
    let taken: Option<(i64,)> = sqlx::query_as("SELECT id FROM service_items WHERE code = $1").bind(&item.code).fetch_optional(&mut *tx).await?;
    if taken.is_some() {
        return Err(WriteError::CodeTaken);
    }
    let (id,): (i64,) = sqlx::query_as(
        "INSERT INTO service_items (code, name, industry_code, department_code, region_code, approval_item, legal_basis, \
         qualification_type_code, min_grade, time_limit_days, fee_basis, effective_from, effective_to, status, version, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, 'in_force', 1, $14) RETURNING id",
    )
    .bind(&item.code)
    .bind(&item.name)
    .bind(&item.industry_code)
    .bind(&item.department_code)
    .bind(&item.region_code)
    .bind(&item.approval_item)
    .bind(&item.legal_basis)
    .bind(&item.qualification_type_code)
    .bind(&item.min_grade)
    .bind(item.time_limit_days)
    .bind(&item.fee_basis)
    .bind(&item.effective_from)
    .bind(&item.effective_to)
    .bind(now_ms)
    .fetch_one(&mut *tx)
    .await
    .map_err(|e| match &e {
        sqlx::Error::Database(d) if d.is_unique_violation() => WriteError::CodeTaken,
        _ => WriteError::Db(e),
    })?;
    let version = snapshot(&mut tx, id, "create", reason, user_id, now_ms).await?;
    tx.commit().await?;
    Ok(version)
}

/// Adjusts an item's fields (not its code or retirement) if it is still at `expected_version`.
pub async fn adjust(pool: &Pool, id: i64, expected_version: i64, item: &ItemSnapshot, reason: &str, user_id: i64, now_ms: i64) -> Result<i64, WriteError> {
    let mut tx = crate::db::begin_write_on(&pool).await?;
    let done = sqlx::query(
        "UPDATE service_items SET name = $1, industry_code = $2, department_code = $3, region_code = $4, \
         approval_item = $5, legal_basis = $6, qualification_type_code = $7, min_grade = $8, time_limit_days = $9, \
         fee_basis = $10, effective_from = $11, effective_to = $12, version = version + 1, updated_at = $13 \
         WHERE id = $14 AND version = $15",
    )
    .bind(&item.name)
    .bind(&item.industry_code)
    .bind(&item.department_code)
    .bind(&item.region_code)
    .bind(&item.approval_item)
    .bind(&item.legal_basis)
    .bind(&item.qualification_type_code)
    .bind(&item.min_grade)
    .bind(item.time_limit_days)
    .bind(&item.fee_basis)
    .bind(&item.effective_from)
    .bind(&item.effective_to)
    .bind(now_ms)
    .bind(id)
    .bind(expected_version)
    .execute(&mut *tx)
    .await?;
    if done.rows_affected() != 1 {
        return Err(WriteError::Stale);
    }
    let version = snapshot(&mut tx, id, "adjust", reason, user_id, now_ms).await?;
    tx.commit().await?;
    Ok(version)
}

/// Retires an item from `retired_on` (the first day it is out of force).
pub async fn retire(pool: &Pool, id: i64, expected_version: i64, retired_on: &str, reason: &str, user_id: i64, now_ms: i64) -> Result<i64, WriteError> {
    let mut tx = crate::db::begin_write_on(&pool).await?;
    let done = sqlx::query(
        "UPDATE service_items SET retired_on = $1, status = 'retired', version = version + 1, updated_at = $2 \
         WHERE id = $3 AND version = $4",
    )
    .bind(retired_on)
    .bind(now_ms)
    .bind(id)
    .bind(expected_version)
    .execute(&mut *tx)
    .await?;
    if done.rows_affected() != 1 {
        return Err(WriteError::Stale);
    }
    let version = snapshot(&mut tx, id, "retire", reason, user_id, now_ms).await?;
    tx.commit().await?;
    Ok(version)
}
