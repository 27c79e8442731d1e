//! Red-flag review cases (风险预警): the list and closing a case with a finding;
//! and the indicators evaluated now over the whole data set (read-only).
//! Thin: authorise, validate, call `db::redflags` (indicators in `domain::redflags`).
//!
//! Scope: operators and administrators reach every case; a regulator reaches
//! cases whose region lies within its region (a `LIKE` prefix, as
//! `domain::region::contains`) and whose industry is its own or `''` (firm,
//! owner and owner–firm cases carry the firm's or owner's region and no
//! industry: every regulator of that region sees them). Out of scope is 404.
use crate::domain::paging::Page;
use crate::error::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// Every indicator code, in the order of the filter's select.
pub const CODES: &[&str] = &["R003", "R018", "R024", "R025", "R028", "R030", "R035", "R036", "R038", "R044", "R058", "ZJ01", "ZJ02"];

/// Cases per page.
pub const PER_PAGE: u32 = 20;

/// A finding is this many characters (trimmed).
pub const FINDING_LEN: (usize, usize) = (5, 500);

/// The i18n key of an indicator's Chinese name (`redflags.name_r003`, …).
pub fn name_key(code: &str) -> String {
    format!("redflags.name_{}", code.to_lowercase())
}

/// One review case as listed.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RedflagCase {
    pub id: i64,
    pub code: String,
    /// `procurement`, `firm`, `owner`, `owner_firm`
    pub subject_kind: String,
    pub procurement_code: Option<String>,
    pub firm_name: Option<String>,
    pub firm_credit_code: Option<String>,
    pub owner_name: Option<String>,
    pub region_name: String,
    pub detail: String,
    pub first_raised_at: i64,
    pub last_raised_at: i64,
    /// `open` or `closed`
    pub status: String,
    pub finding: Option<String>,
    pub closed_by_name: Option<String>,
    pub closed_at: Option<i64>,
}

#[cfg(feature = "ssr")]
impl From<crate::db::redflags::CaseRow> for RedflagCase {
    fn from(r: crate::db::redflags::CaseRow) -> Self {
        RedflagCase {
            id: r.id,
            code: r.code,
            subject_kind: r.subject_kind,
            procurement_code: r.procurement_code,
            firm_name: r.firm_name,
            firm_credit_code: r.firm_credit_code,
            owner_name: r.owner_name,
            region_name: r.region_name.unwrap_or(r.region_code),
            detail: r.detail,
            first_raised_at: r.first_raised_at,
            last_raised_at: r.last_raised_at,
            status: r.status,
            finding: r.finding,
            closed_by_name: r.closed_by_name,
            closed_at: r.closed_at,
        }
    }
}

/// Lists review cases in the caller's scope. `status`: `open`, `closed` or `''`
/// (both); `code`: an indicator code or `''` (all); `page` 1-based.
#[server(prefix = "/api", endpoint = "redflags/list")]
pub async fn list_redflag_cases(status: String, code: String, page: i64) -> Result<Page<RedflagCase>, AppError> {
    use super::ctx::{authorize_user, check, fail, state};
    use crate::domain::accounts::Role;
    let user = authorize_user("redflags/list").await?;
    let st = state()?;
    let status = match status.trim() {
        s @ ("" | "open" | "closed") => s.to_string(),
        _ => return Err(fail(AppError::invalid("status", "redflags.error_status"))),
    };
    let code = match code.trim() {
        "" => String::new(),
        c if CODES.contains(&c) => c.to_string(),
        _ => return Err(fail(AppError::invalid("code", "redflags.error_code"))),
    };
    if !(1..=i64::from(u32::MAX)).contains(&page) {
        return Err(fail(AppError::invalid("page", "redflags.error_page")));
    }
    let mut filter = crate::db::redflags::CaseFilter { status, code, ..Default::default() };
    if user.role == Role::Regulator {
        // the matrix admits regulators, operators and administrators only
        let region = user.region_code.as_deref().and_then(crate::domain::region::like_prefix);
        let industry = user.industry_code.clone();
        let (Some(region), Some(industry)) = (region, industry) else { return Err(fail(AppError::Forbidden)) };
        filter.region = Some(region);
        filter.industry = Some(industry);
    }
    let (rows, total) = check(crate::db::redflags::list(&st.pool, &filter, page as u32, PER_PAGE).await)?;
    Ok(Page { items: rows.into_iter().map(RedflagCase::from).collect(), page: page as u32, per_page: PER_PAGE, total })
}

/// One flag of [`evaluate_redflags`], its subject named by public identifiers.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EvaluatedFlag {
    pub code: String,
    /// `procurement`, `firm`, `owner`, `owner_firm`
    pub subject_kind: String,
    /// The announcement code (procurement subjects).
    pub procurement_code: Option<String>,
    /// Unified social credit codes (firm, owner and owner–firm subjects).
    pub firm_credit_code: Option<String>,
    pub owner_credit_code: Option<String>,
    pub detail: String,
}

/// What the nightly run would raise now, over the whole data set (no case is
/// opened): the settings and thresholds in force, the data set's announcement
/// codes, and every flag. For the operator, and for checking the indicators
/// against the Open Contracting Partnership's Cardinal on the same data
/// (`scripts/cardinal-check.sh` runs `ocdscardinal` on the OCDS compiled releases).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RedflagEvaluation {
    /// The evaluation's time (epoch ms).
    pub as_of: i64,
    /// Procurements published within this many days before `as_of` (past their
    /// deadline or with an award; not cancelled) are the data set.
    pub window_days: i64,
    pub settings: crate::domain::redflags::RedFlagSettings,
    pub thresholds: crate::domain::redflags::Thresholds,
    /// The data set's announcement codes.
    pub procurements: Vec<String>,
    pub flags: Vec<EvaluatedFlag>,
}

/// Evaluates every indicator now over the whole data set, read-only (the nightly
/// run's window, settings and rules). Operators and administrators: the whole
/// province's data, so not regulators (their scope is a region).
#[server(prefix = "/api", endpoint = "redflags/evaluate")]
pub async fn evaluate_redflags() -> Result<RedflagEvaluation, AppError> {
    use super::ctx::{authorize_user, check, state};
    use crate::domain::redflags::Subject;
    authorize_user("redflags/evaluate").await?;
    let st = state()?;
    let now = st.now_ms();
    let e = check(crate::db::redflags::evaluate_now(&st.pool, st.backend, now).await)?;
    let codes: std::collections::HashMap<i64, &str> = e.facts.procurements.iter().map(|p| (p.id, p.code.as_str())).collect();
    let firm = |id: i64| e.firm_codes.get(&id).cloned();
    let owner = |id: i64| e.owner_codes.get(&id).cloned();
    let flags = e
        .flags
        .iter()
        .map(|f| {
            let (kind, procurement_code, firm_credit_code, owner_credit_code) = match f.subject {
                Subject::Procurement(id) => ("procurement", codes.get(&id).map(|c| c.to_string()), None, None),
                Subject::Firm(id) => ("firm", None, firm(id), None),
                Subject::Owner(id) => ("owner", None, None, owner(id)),
                Subject::OwnerFirm { owner_id, firm_id } => ("owner_firm", None, firm(firm_id), owner(owner_id)),
            };
            EvaluatedFlag { code: f.code.to_string(), subject_kind: kind.into(), procurement_code, firm_credit_code, owner_credit_code, detail: f.detail.clone() }
        })
        .collect();
    Ok(RedflagEvaluation {
        as_of: now,
        window_days: e.window_days,
        settings: e.settings.clone(),
        thresholds: e.thresholds.clone(),
        procurements: e.facts.procurements.iter().map(|p| p.code.clone()).collect(),
        flags,
    })
}

/// Closes an open case in the caller's scope with a finding (5–500 characters).
/// Unknown or out of scope: 404; already closed: a field error.
#[server(prefix = "/api", endpoint = "redflags/close")]
pub async fn close_redflag_case(id: i64, finding: String) -> Result<(), AppError> {
    use super::ctx::{authorize_user, check, fail, state};
    let user = authorize_user("redflags/close").await?;
    let st = state()?;
    let (region, industry, status) = check(crate::db::redflags::routing(&st.pool, id).await)?.ok_or_else(|| fail(AppError::NotFound))?;
    let industry = (!industry.is_empty()).then_some(industry.as_str());
    if !user.scope().reaches(&region, industry) {
        return Err(fail(AppError::NotFound));
    }
    if status != "open" {
        return Err(fail(AppError::invalid("finding", "redflags.error_closed")));
    }
    let finding = finding.trim();
    if !(FINDING_LEN.0..=FINDING_LEN.1).contains(&finding.chars().count()) {
        return Err(fail(AppError::invalid("finding", "redflags.error_finding")));
    }
    if !check(crate::db::redflags::close(&st, id, finding, user.id, st.now_ms()).await)? {
        return Err(fail(AppError::invalid("finding", "redflags.error_closed")));
    }
    Ok(())
}
