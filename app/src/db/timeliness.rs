//! Reads for the public time-limit performance by department (时限履行情况,
//! #8, `/stats/timeliness`): one grouped query over the stage clocks
//! (`stage_clocks`, kept by `db::timelimits::refresh`), rolled up by
//! [`crate::model::timeliness::roll_up`].
//!
//! - A stage counts in the period when its clock closed (`closed_at`) within
//!   the period's Shanghai months; on time when `closed_at <= due_at`.
//! - "Overdue now": clocks still open whose deadline has passed at `now`
//!   (the light is red from the deadline on), whenever they started.
//! - The department is the clock's `department_code`: the competent department
//!   of the service item; for approval cases the approval department.
//! - The region is the clock's `region_code`, within the selected region.
use super::Pool;
use crate::domain::region;
use crate::domain::time::{date_shanghai, format_shanghai, month_key, month_start_ms, parse_month};
use crate::error::AppError;
use crate::model::public_info::validate_filter;
use crate::model::timeliness::{roll_up, sum, ComplaintStatsFilter, StageCounts, TimelinessGroup, TimelinessStats};
use std::collections::BTreeMap;

/// The time-limit performance per competent department for the filter's
/// period and region (see the module comment); the chart is left empty for
/// the caller. Bad input is a field error on `from`, `to` or `region`.
pub async fn timeliness(pool: &Pool, filter: &ComplaintStatsFilter, now: i64) -> Result<TimelinessStats, AppError> {
    let current = parse_month(&date_shanghai(now)[..7]).ok_or_else(|| AppError::Server("clock".into()))?;
    let range = validate_filter(filter, current)?;
    let (root, code, path, children) = crate::db::public_info::region_view(pool, &filter.region).await?;
    type Row = (Option<String>, String, i64, i64, i64);
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT department_code, stage, \
         CAST(SUM(CASE WHEN closed_at >= $1 AND closed_at < $2 AND closed_at <= due_at THEN 1 ELSE 0 END) AS BIGINT), \
         CAST(SUM(CASE WHEN closed_at >= $1 AND closed_at < $2 AND closed_at > due_at THEN 1 ELSE 0 END) AS BIGINT), \
         CAST(SUM(CASE WHEN closed_at IS NULL AND due_at <= $3 THEN 1 ELSE 0 END) AS BIGINT) \
         FROM stage_clocks \
         WHERE region_code LIKE $4 AND ((closed_at >= $1 AND closed_at < $2) OR (closed_at IS NULL AND due_at <= $3)) \
         GROUP BY department_code, stage",
    )
    .bind(month_start_ms(range.from))
    .bind(month_start_ms(range.to + 1))
    .bind(now)
    .bind(region::like_prefix(&code).unwrap_or_default())
    .fetch_all(pool)
    .await?;
    let groups: Vec<TimelinessGroup> = rows
        .into_iter()
        .map(|(department, stage, on_time, late, overdue_now)| TimelinessGroup { department, counts: StageCounts { stage, on_time, late, overdue_now } })
        .collect();
    let names: BTreeMap<String, String> = sqlx::query_as::<_, (String, String)>("SELECT code, name FROM departments").fetch_all(pool).await?.into_iter().collect();
    let departments = roll_up(&groups, &names);
    Ok(TimelinessStats {
        filter: ComplaintStatsFilter { from: month_key(range.from), to: month_key(range.to), region: if code == root { String::new() } else { code } },
        path,
        children,
        total: sum(&departments),
        departments,
        counted_at: format_shanghai(now),
        chart: String::new(),
    })
}
