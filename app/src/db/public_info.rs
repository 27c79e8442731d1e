//! Reads for the public information service (信息公开, #8): complaints per
//! competent department and a procurement's public progress. Only counts and
//! public dates are read; no filer, no quote.
use super::Pool;
use crate::domain::region::{self, RegionLevel};
use crate::domain::time::{date_shanghai, format_shanghai, month_key, month_start_ms, parse_month};
use crate::error::AppError;
use crate::model::public_info::{
    case_steps, industry_departments, normalize_code, tally, validate_filter, CaseFacts, CaseStatus, ComplaintGroup, ComplaintStats,
    ComplaintStatsFilter, DepartmentComplaints, RegionLink,
};
use std::collections::BTreeMap;

/// The selected region (empty: the province): its code, the path from the
/// province down to it and the regions directly below it. An unknown region,
/// or one outside the province, is a field error on `region`.
pub async fn region_view(pool: &Pool, selected: &str) -> Result<(String, String, Vec<RegionLink>, Vec<RegionLink>), AppError> {
    let bad = || AppError::invalid("region", "publicinfo.complaints.error_region");
    let root: String = sqlx::query_scalar("SELECT code FROM regions WHERE level = 1 ORDER BY code LIMIT 1")
        .fetch_optional(pool)
        .await?
        .unwrap_or_else(|| region::PROVINCE.to_string());
    let code = match selected.trim() {
        "" => root.clone(),
        r => r.to_string(),
    };
    let level = region::level(&code).filter(|_| region::contains(&root, &code)).ok_or_else(bad)?;
    let mut chain = vec![code.clone()];
    while let Some(p) = chain.last().filter(|c| **c != root).and_then(|c| region::parent(c)) {
        chain.push(p);
    }
    chain.reverse();
    let mut path = Vec::new();
    for c in chain {
        let name: String = sqlx::query_scalar("SELECT name FROM regions WHERE code = $1").bind(&c).fetch_optional(pool).await?.ok_or_else(bad)?;
        path.push(RegionLink { code: c, name });
    }
    let children = if level == RegionLevel::County {
        Vec::new()
    } else {
        sqlx::query_as::<_, (String, String)>("SELECT code, name FROM regions WHERE parent_code = $1 ORDER BY code")
            .bind(&code)
            .fetch_all(pool)
            .await?
            .into_iter()
            .map(|(code, name)| RegionLink { code, name })
            .collect()
    };
    Ok((root, code, path, children))
}

/// Complaints filed (Shanghai month of `created_at`) within the filter's
/// period and region (the complaint's `region_code` within the selected one),
/// counted per competent department by [`tally`] (its doc comment holds the
/// department rule). Bad input is a field error on `from`, `to` or `region`.
pub async fn complaint_stats(pool: &Pool, filter: &ComplaintStatsFilter, now: i64) -> Result<ComplaintStats, AppError> {
    let current = parse_month(&date_shanghai(now)[..7]).ok_or_else(|| AppError::Server("clock".into()))?;
    let range = validate_filter(filter, current)?;
    let (root, code, path, children) = region_view(pool, &filter.region).await?;

    let rows: Vec<(Option<String>, String, String, Option<String>, i64)> = sqlx::query_as(
        "SELECT COALESCE(c.department_code, si.department_code) AS dept, c.industry_code, c.status, c.decision, CAST(COUNT(*) AS BIGINT) AS n \
         FROM complaints c \
         LEFT JOIN contracts k ON k.id = c.contract_id \
         LEFT JOIN procurements p ON p.id = COALESCE(c.procurement_id, k.procurement_id) \
         LEFT JOIN service_items si ON si.id = p.item_id \
         WHERE c.created_at >= $1 AND c.created_at < $2 AND c.region_code LIKE $3 \
         GROUP BY COALESCE(c.department_code, si.department_code), c.industry_code, c.status, c.decision",
    )
    .bind(month_start_ms(range.from))
    .bind(month_start_ms(range.to + 1))
    .bind(region::like_prefix(&code).unwrap_or_default())
    .fetch_all(pool)
    .await?;
    let groups: Vec<ComplaintGroup> =
        rows.into_iter().map(|(department, industry, status, decision, count)| ComplaintGroup { department, industry, status, decision, count }).collect();
    let items: Vec<(String, String, i64)> =
        sqlx::query_as("SELECT industry_code, department_code, CAST(COUNT(*) AS BIGINT) FROM service_items GROUP BY industry_code, department_code")
            .fetch_all(pool)
            .await?;
    let names: BTreeMap<String, String> = sqlx::query_as::<_, (String, String)>("SELECT code, name FROM departments").fetch_all(pool).await?.into_iter().collect();
    let departments = tally(&groups, &industry_departments(&items), &names);
    let mut total = DepartmentComplaints::default();
    for d in &departments {
        total.submitted += d.submitted;
        total.accepted += d.accepted;
        total.declined += d.declined;
        total.upheld += d.upheld;
        total.dismissed += d.dismissed;
    }
    Ok(ComplaintStats {
        filter: ComplaintStatsFilter { from: month_key(range.from), to: month_key(range.to), region: if code == root { String::new() } else { code } },
        path,
        children,
        departments,
        total,
        chart: String::new(),
    })
}

/// The public progress of the published procurement `code`. A malformed code
/// is a field error; a code that does not exist or is still a draft (never
/// published) is `lookup.error_not_found` on `code`.
pub async fn case_status(pool: &Pool, code: &str, now: i64) -> Result<CaseStatus, AppError> {
    let code = normalize_code(code)?;
    type Row = (i64, String, String, String, String, String, Option<i64>, Option<i64>);
    let row: Option<Row> = sqlx::query_as(
        "SELECT p.id, p.title, COALESCE(r.name, p.region_code), COALESCE(si.name, ''), p.method, p.status, p.published_at, p.deadline_at \
         FROM procurements p LEFT JOIN regions r ON r.code = p.region_code LEFT JOIN service_items si ON si.id = p.item_id \
         WHERE p.code = $1 AND p.status <> 'draft' AND p.published_at IS NOT NULL",
    )
    .bind(&code)
    .fetch_optional(pool)
    .await?;
    let Some((id, title, region, item, method, status, published_at, deadline_at)) = row else {
        return Err(AppError::invalid("code", "publicinfo.lookup.error_not_found"));
    };
    let award: Option<(i64, String, Option<i64>, Option<i64>)> = sqlx::query_as(
        "SELECT awarded_at, status, publicity_ends_at, final_at FROM awards WHERE procurement_id = $1 AND status <> 'void' ORDER BY id DESC LIMIT 1",
    )
    .bind(id)
    .fetch_optional(pool)
    .await?;
    let contract: Option<(Option<i64>, Option<i64>, Option<i64>, Option<i64>)> = sqlx::query_as(
        "SELECT signed_at, delivered_at, accepted_at, paid_at FROM contracts \
         WHERE procurement_id = $1 AND status NOT IN ('lapsed', 'terminated') ORDER BY id DESC LIMIT 1",
    )
    .bind(id)
    .fetch_optional(pool)
    .await?;
    let (signed_at, delivered_at, accepted_at, paid_at) = contract.unwrap_or_default();
    let facts = CaseFacts {
        status: status.clone(),
        method: method.clone(),
        published_at,
        deadline_at,
        awarded_at: award.as_ref().map(|a| a.0),
        award_status: award.as_ref().map(|a| a.1.clone()),
        publicity_ends_at: award.as_ref().and_then(|a| a.2),
        final_at: award.as_ref().and_then(|a| a.3),
        signed_at,
        delivered_at,
        accepted_at,
        paid_at,
    };
    Ok(CaseStatus { steps: case_steps(&facts, now, format_shanghai), code, title, region, item, method, status })
}
