//! Stage time limits and the supervision board (时限监察, #8). Thin: authorise,
//! validate, call `db::timelimits` (rules in `domain::timelimits`).
//!
//! - Limits: operators and administrators read and set the limit of every
//!   stage in working days and its warning threshold, as a default or for one
//!   service item. A limit applies to stages starting after it; the warning
//!   at once.
//! - Board: regulators (their industry, and clocks of no industry, within
//!   their region), leaders (their region), operators and administrators (all):
//!   yellow and red counts by region, department, owner and stage, and the red
//!   list, longest overdue first. Lights are refreshed by the scheduler.
//! - History: the clocks of one subject with every change of light; a subject
//!   out of the caller's scope is 404.
use crate::domain::paging::Page;
use crate::error::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// Red cases per page.
pub const PER_PAGE: u32 = 20;

/// Rows per count table (owners: the most red first).
pub const COUNT_ROWS: i64 = 30;

/// One stage's default limit as the operator sees it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StageLimit {
    /// `domain::timelimits::Stage::as_str`
    pub stage: String,
    /// `domain::timelimits::Party::as_str`
    pub responsible: String,
    pub working_days: u32,
    pub warn_working_days: u32,
    /// The built-in default (shown when the operator has set none).
    pub builtin_days: u32,
    /// Whether the operator set it (else built-in).
    pub custom: bool,
    /// Whether the limit sets the deadline (the service stage follows the contract).
    pub editable: bool,
    pub updated_by: Option<String>,
    pub updated_at: Option<i64>,
}

/// A limit for one service item.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ItemLimit {
    pub stage: String,
    pub item_code: String,
    pub item_name: String,
    pub working_days: u32,
    pub warn_working_days: u32,
    pub updated_by: Option<String>,
    pub updated_at: i64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TimeLimits {
    pub defaults: Vec<StageLimit>,
    pub items: Vec<ItemLimit>,
}

/// The operator's limits: every stage's default and the item overrides.
#[server(prefix = "/api", endpoint = "timelimits/limits")]
pub async fn get_time_limits() -> Result<TimeLimits, AppError> {
    use super::ctx::{authorize_user, check, state};
    use crate::domain::timelimits::{Stage, DEFAULT_WARN_WORKING_DAYS};
    authorize_user("timelimits/limits").await?;
    let st = state()?;
    let rows = check(crate::db::timelimits::limits(&st.pool).await)?;
    let as_u32 = |v: i64| u32::try_from(v).unwrap_or(0);
    let defaults = Stage::ALL
        .into_iter()
        .map(|s| {
            let row = rows.iter().find(|r| r.stage == s.as_str() && r.item_code.is_empty());
            StageLimit {
                stage: s.as_str().into(),
                responsible: s.responsible().as_str().into(),
                working_days: row.map(|r| as_u32(r.working_days)).unwrap_or(s.default_working_days()),
                warn_working_days: row.map(|r| as_u32(r.warn_working_days)).unwrap_or(DEFAULT_WARN_WORKING_DAYS),
                builtin_days: s.default_working_days(),
                custom: row.is_some(),
                editable: s.limit_editable(),
                updated_by: row.and_then(|r| r.updated_by_name.clone()),
                updated_at: row.map(|r| r.updated_at),
            }
        })
        .collect();
    let items = rows
        .iter()
        .filter(|r| !r.item_code.is_empty())
        .map(|r| ItemLimit {
            stage: r.stage.clone(),
            item_code: r.item_code.clone(),
            item_name: r.item_name.clone().unwrap_or_default(),
            working_days: as_u32(r.working_days),
            warn_working_days: as_u32(r.warn_working_days),
            updated_by: r.updated_by_name.clone(),
            updated_at: r.updated_at,
        })
        .collect();
    Ok(TimeLimits { defaults, items })
}

/// Sets a stage's limit: the default when `item_code` is empty, else for that
/// service item. Numbers come as typed in the form; each bad input is named.
#[server(prefix = "/api", endpoint = "timelimits/save_limit")]
pub async fn save_time_limit(stage: String, item_code: String, working_days: String, warn_working_days: String) -> Result<(), AppError> {
    use super::ctx::{authorize_user, check, fail, state};
    use crate::domain::timelimits::{check_limit, Stage};
    let user = authorize_user("timelimits/save_limit").await?;
    let st = state()?;
    let stage = Stage::parse(stage.trim()).filter(|s| s.limit_editable()).ok_or_else(|| fail(AppError::invalid("stage", "timelimits.error_stage")))?;
    let item_code = item_code.trim().to_uppercase();
    if !item_code.is_empty() && !check(crate::db::timelimits::item_exists(&st.pool, &item_code).await)? {
        return Err(fail(AppError::invalid("item_code", "timelimits.error_item")));
    }
    let wd: i64 = working_days.trim().parse().map_err(|_| fail(AppError::invalid("working_days", "timelimits.error_working_days")))?;
    let warn: i64 = warn_working_days.trim().parse().map_err(|_| fail(AppError::invalid("warn_working_days", "timelimits.error_warn")))?;
    let (wd, warn) = check_limit(wd, warn).map_err(|(field, key)| fail(AppError::invalid(field, key)))?;
    check(crate::db::timelimits::save_limit(&st.pool, stage, &item_code, wd, warn, user.id, st.now_ms()).await)?;
    Ok(())
}

/// Removes an item override (or a default, which falls back to the built-in one).
#[server(prefix = "/api", endpoint = "timelimits/remove_limit")]
pub async fn remove_time_limit(stage: String, item_code: String) -> Result<(), AppError> {
    use super::ctx::{authorize_user, check, fail, state};
    use crate::domain::timelimits::Stage;
    authorize_user("timelimits/remove_limit").await?;
    let st = state()?;
    let stage = Stage::parse(stage.trim()).ok_or_else(|| fail(AppError::invalid("stage", "timelimits.error_stage")))?;
    if !check(crate::db::timelimits::remove_limit(&st.pool, stage, item_code.trim()).await)? {
        return Err(fail(AppError::NotFound));
    }
    Ok(())
}

/// The board's filters (all optional; empty = any).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct BoardQuery {
    /// A region code within the caller's region.
    pub region: String,
    pub stage: String,
    /// `owner`, `firm`, `department`, `operator`
    pub responsible: String,
}

/// One row of a count table.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LightCount {
    pub code: String,
    pub name: String,
    pub yellow: i64,
    pub red: i64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Board {
    pub green: i64,
    pub yellow: i64,
    pub red: i64,
    pub by_region: Vec<LightCount>,
    pub by_department: Vec<LightCount>,
    pub by_owner: Vec<LightCount>,
    pub by_stage: Vec<LightCount>,
}

/// A red stage as listed.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RedCase {
    pub subject_kind: String,
    pub subject_key: String,
    pub subject_label: String,
    pub link: Option<String>,
    pub stage: String,
    pub responsible: String,
    /// The responsible party's name (owner, firm, department; the operator has none).
    pub responsible_name: Option<String>,
    pub region_name: String,
    pub started_at: i64,
    pub due_at: i64,
    pub overdue_working_days: u32,
}

#[cfg(feature = "ssr")]
fn board_filter(user: &crate::model::accounts::SessionUser, q: &BoardQuery) -> Result<crate::db::timelimits::BoardFilter, AppError> {
    use super::ctx::fail;
    use crate::domain::accounts::Role;
    use crate::domain::region::like_prefix;
    use crate::domain::timelimits::{Party, Stage};
    let mut f = crate::db::timelimits::BoardFilter::default();
    match user.role {
        Role::Regulator => {
            let (Some(region), Some(industry)) = (user.region_code.as_deref().and_then(like_prefix), user.industry_code.clone()) else {
                return Err(fail(AppError::Forbidden));
            };
            f.scope_region = Some(region);
            f.scope_industry = Some(industry);
        }
        Role::Leader => {
            f.scope_region = Some(user.region_code.as_deref().and_then(like_prefix).ok_or_else(|| fail(AppError::Forbidden))?);
        }
        _ => {}
    }
    let region = q.region.trim();
    if !region.is_empty() {
        let prefix = like_prefix(region).filter(|_| user.scope().reaches(region, None));
        f.region = Some(prefix.ok_or_else(|| fail(AppError::invalid("region", "timelimits.error_region")))?);
    }
    let stage = q.stage.trim();
    if !stage.is_empty() {
        f.stage = Some(Stage::parse(stage).ok_or_else(|| fail(AppError::invalid("stage", "timelimits.error_stage")))?.as_str().into());
    }
    let party = q.responsible.trim();
    if !party.is_empty() {
        f.responsible = Some(Party::parse(party).ok_or_else(|| fail(AppError::invalid("responsible", "timelimits.error_responsible")))?.as_str().into());
    }
    Ok(f)
}

/// Yellow and red counts in the caller's scope.
#[server(prefix = "/api", endpoint = "timelimits/board")]
pub async fn get_supervision_board(q: BoardQuery) -> Result<Board, AppError> {
    use super::ctx::{authorize_user, check, state};
    use crate::db::timelimits::{counts, totals, CountRow};
    let user = authorize_user("timelimits/board").await?;
    let st = state()?;
    let f = board_filter(&user, &q)?;
    let (green, yellow, red) = check(totals(&st.pool, &f).await)?;
    let map = |rows: Vec<CountRow>| rows.into_iter().map(|r| LightCount { name: r.name.unwrap_or_else(|| r.code.clone()), code: r.code, yellow: r.yellow, red: r.red }).collect();
    Ok(Board {
        green,
        yellow,
        red,
        by_region: map(check(counts(&st.pool, &f, "region", COUNT_ROWS).await)?),
        by_department: map(check(counts(&st.pool, &f, "department", COUNT_ROWS).await)?),
        by_owner: map(check(counts(&st.pool, &f, "owner", COUNT_ROWS).await)?),
        by_stage: map(check(counts(&st.pool, &f, "stage", COUNT_ROWS).await)?),
    })
}

/// The red stages in the caller's scope, longest overdue first; `page` 1-based.
#[server(prefix = "/api", endpoint = "timelimits/red_list")]
pub async fn list_red_cases(q: BoardQuery, page: i64) -> Result<Page<RedCase>, AppError> {
    use super::ctx::{authorize_user, check, fail, state};
    use crate::domain::timelimits::overdue_working_days;
    let user = authorize_user("timelimits/red_list").await?;
    let st = state()?;
    let f = board_filter(&user, &q)?;
    if !(1..=i64::from(u32::MAX)).contains(&page) {
        return Err(fail(AppError::invalid("page", "timelimits.error_page")));
    }
    let (rows, total) = check(crate::db::timelimits::red_list(&st.pool, &f, page as u32, PER_PAGE).await)?;
    let now = st.now_ms();
    let mut cals = crate::db::timelimits::Calendars::default();
    let mut items = Vec::with_capacity(rows.len());
    for r in rows {
        let cal = check(cals.get(&st.pool, r.calendar_version).await)?;
        let responsible_name = match r.responsible.as_str() {
            "owner" => r.owner_name.clone(),
            "firm" => r.firm_name.clone(),
            "department" => r.department_name.clone(),
            _ => None,
        };
        items.push(RedCase {
            link: crate::db::timelimits::subject_link(&r.subject_kind, &r.subject_key, &r.stage),
            overdue_working_days: overdue_working_days(now, r.due_at, cal),
            subject_kind: r.subject_kind,
            subject_key: r.subject_key,
            subject_label: r.subject_label,
            stage: r.stage,
            responsible: r.responsible,
            responsible_name,
            region_name: r.region_name.unwrap_or(r.region_code),
            started_at: r.started_at,
            due_at: r.due_at,
        });
    }
    Ok(Page { items, page: page as u32, per_page: PER_PAGE, total })
}

/// One change of light.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LightChange {
    pub at: i64,
    pub from_light: Option<String>,
    pub to_light: String,
}

/// One stage clock of a subject with its history.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StageClock {
    pub stage: String,
    pub responsible: String,
    pub started_at: i64,
    pub due_at: i64,
    pub light: String,
    pub closed_at: Option<i64>,
    pub changes: Vec<LightChange>,
}

/// The stage clocks of one subject (`procurement`, `contract`, `complaint`,
/// `approval_case` and its key), newest first, with every change of light;
/// empty when there are none or the caller may see none of them.
#[server(prefix = "/api", endpoint = "timelimits/history")]
pub async fn get_light_history(kind: String, key: String) -> Result<Vec<StageClock>, AppError> {
    use super::ctx::{authorize_user, check, state};
    let user = authorize_user("timelimits/history").await?;
    let st = state()?;
    let rows = check(crate::db::timelimits::history(&st.pool, kind.trim(), key.trim()).await)?;
    // supervisors in scope, and the owner and the firm of the subject itself
    let scope = user.scope();
    let is_owner = |o: Option<i64>| scope.role == crate::domain::accounts::Role::Owner && o.is_some() && scope.owner_id == o;
    let in_scope = rows.iter().any(|(c, _)| {
        scope.reaches(&c.region_code, c.industry_code.as_deref()) || is_owner(c.owner_id) || c.firm_id.is_some_and(|f| scope.is_firm(f))
    });
    if !in_scope {
        // as for a subject without clocks: the case pages show nothing
        return Ok(Vec::new());
    }
    Ok(rows
        .into_iter()
        .map(|(c, ch)| StageClock {
            stage: c.stage,
            responsible: c.responsible,
            started_at: c.started_at,
            due_at: c.due_at,
            light: c.light,
            closed_at: c.closed_at,
            changes: ch.into_iter().map(|(at, from_light, to_light)| LightChange { at, from_light, to_light }).collect(),
        })
        .collect())
}

#[cfg(all(test, feature = "ssr"))]
#[path = "timelimits_tests.rs"]
mod tests;
