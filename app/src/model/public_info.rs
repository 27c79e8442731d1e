//! The public information service (信息公开, #8): complaints per competent
//! department (`/stats/complaints`) and the case status lookup by announcement
//! code (`/lookup`). Types shared by the server and the browser, and the pure
//! counting and validation rules, unit-tested here on their own.
//!
//! Only public facts travel: counts per department, and for a procurement its
//! public steps with their dates. Nothing names a complaint's filer, nor any
//! price other than what the announcement itself publishes.
use crate::domain::time::parse_month;
use crate::error::AppError;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The longest period the complaint statistics cover, in months.
pub const MAX_MONTHS: i64 = 60;

/// Complaint statuses in the order the page shows them.
pub const STATUSES: [&str; 5] = ["submitted", "accepted", "declined", "upheld", "dismissed"];

/// What the visitor chose (`/stats/complaints?from=2026-01&to=2026-12&region=510100`);
/// empty strings mean the defaults: the twelve months up to the current one, the province.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ComplaintStatsFilter {
    /// First month `YYYY-MM` (inclusive); empty: eleven months before `to`.
    pub from: String,
    /// Last month `YYYY-MM` (inclusive); empty: the current month.
    pub to: String,
    /// Province, city or county code; empty: the province.
    pub region: String,
}

impl ComplaintStatsFilter {
    pub fn from_query(get: impl Fn(&str) -> String) -> Self {
        ComplaintStatsFilter { from: get("from"), to: get("to"), region: get("region") }
    }
}

/// A validated period: months counted from year 0 (`year × 12 + month − 1`,
/// see `domain::time::parse_month`), inclusive.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MonthRange {
    pub from: i64,
    pub to: i64,
}

/// Validates the period of `filter` (`current`: the current Shanghai month):
/// a bad month names its field (`complaint_stats.error_month`), a reversed or
/// longer-than-five-years period names `from` (`complaint_stats.error_range`).
/// The region's format is checked here (`complaint_stats.error_region`); that
/// it exists is checked against the regions table.
pub fn validate_filter(filter: &ComplaintStatsFilter, current: i64) -> Result<MonthRange, AppError> {
    let to = match filter.to.trim() {
        "" => current,
        s => parse_month(s).ok_or_else(|| AppError::invalid("to", "publicinfo.complaints.error_month"))?,
    };
    let from = match filter.from.trim() {
        "" => to - 11,
        s => parse_month(s).ok_or_else(|| AppError::invalid("from", "publicinfo.complaints.error_month"))?,
    };
    if from > to || to - from + 1 > MAX_MONTHS {
        return Err(AppError::invalid("from", "publicinfo.complaints.error_range"));
    }
    let r = filter.region.trim();
    if !r.is_empty() && (r.len() != 6 || !r.bytes().all(|c| c.is_ascii_digit())) {
        return Err(AppError::invalid("region", "publicinfo.complaints.error_region"));
    }
    Ok(MonthRange { from, to })
}

/// Complaints of one competent department, by status. `decided` complaints
/// are split into upheld and dismissed.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DepartmentComplaints {
    /// Department code; empty for complaints no department can be found for.
    pub code: String,
    pub name: String,
    pub submitted: i64,
    pub accepted: i64,
    pub declined: i64,
    pub upheld: i64,
    pub dismissed: i64,
}

impl DepartmentComplaints {
    pub fn decided(&self) -> i64 {
        self.upheld + self.dismissed
    }
    pub fn total(&self) -> i64 {
        self.submitted + self.accepted + self.declined + self.decided()
    }
    /// The count of a status of [`STATUSES`].
    pub fn count(&self, status: &str) -> i64 {
        match status {
            "submitted" => self.submitted,
            "accepted" => self.accepted,
            "declined" => self.declined,
            "upheld" => self.upheld,
            "dismissed" => self.dismissed,
            _ => 0,
        }
    }
}

/// One group of complaints as read from the database: the department the
/// complaint itself names or reaches through its procurement or contract
/// (`None` when neither), its industry, status, decision and how many.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ComplaintGroup {
    pub department: Option<String>,
    pub industry: String,
    pub status: String,
    pub decision: Option<String>,
    pub count: i64,
}

/// The competent department of each industry, from the catalogue: the
/// department most of the industry's service items belong to (ties: the
/// smallest code). `items`: (industry, department, number of items).
pub fn industry_departments(items: &[(String, String, i64)]) -> BTreeMap<String, String> {
    let mut best: BTreeMap<String, (String, i64)> = BTreeMap::new();
    for (industry, dept, n) in items {
        match best.get(industry) {
            Some((d, m)) if *m > *n || (*m == *n && d <= dept) => {}
            _ => {
                best.insert(industry.clone(), (dept.clone(), *n));
            }
        }
    }
    best.into_iter().map(|(i, (d, _))| (i, d)).collect()
}

/// Counts complaints per competent department. The department of a complaint:
/// 1. the department it is against (`complaints.department_code`);
/// 2. else, when it names a procurement or a contract, the department of that
///    procurement's service item (`procurements.item_id → service_items.department_code`);
/// 3. else (a complaint against a firm or an owner naming no procurement) the
///    competent department of the complaint's industry: the department most of
///    that industry's catalogue items belong to ([`industry_departments`]).
///
/// Complaints for which none of these gives a department count under the
/// empty code (shown as 「未归属部门」). `names`: department code → name.
/// Departments are ranked by total, largest first, then by code.
pub fn tally(groups: &[ComplaintGroup], by_industry: &BTreeMap<String, String>, names: &BTreeMap<String, String>) -> Vec<DepartmentComplaints> {
    let mut out: BTreeMap<String, DepartmentComplaints> = BTreeMap::new();
    for g in groups {
        let code = g.department.clone().filter(|d| !d.is_empty()).or_else(|| by_industry.get(&g.industry).cloned()).unwrap_or_default();
        let row = out.entry(code.clone()).or_insert_with(|| DepartmentComplaints { name: names.get(&code).cloned().unwrap_or_default(), code, ..Default::default() });
        match (g.status.as_str(), g.decision.as_deref()) {
            ("submitted", _) => row.submitted += g.count,
            ("accepted", _) => row.accepted += g.count,
            ("declined", _) => row.declined += g.count,
            ("decided", Some("upheld")) => row.upheld += g.count,
            ("decided", _) => row.dismissed += g.count,
            _ => {}
        }
    }
    let mut v: Vec<DepartmentComplaints> = out.into_values().filter(|d| d.total() > 0).collect();
    v.sort_by(|a, b| b.total().cmp(&a.total()).then_with(|| a.code.is_empty().cmp(&b.code.is_empty())).then_with(|| a.code.cmp(&b.code)));
    v
}

/// One step of the drill-down path, or a region one level down.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegionLink {
    pub code: String,
    pub name: String,
}

/// The complaint statistics for a filter.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ComplaintStats {
    /// The filter as applied (months filled in).
    pub filter: ComplaintStatsFilter,
    /// Province → … → the selected region.
    pub path: Vec<RegionLink>,
    /// The regions directly below the selected one, to narrow the view.
    pub children: Vec<RegionLink>,
    pub departments: Vec<DepartmentComplaints>,
    pub total: DepartmentComplaints,
    /// ECharts option (JSON) of the stacked bar chart; empty without complaints.
    pub chart: String,
}

/// A well-formed announcement code: `ZJ` + `YYYYMM` + five digits (case and
/// surrounding blanks forgiven). Empty → `lookup.error_code_missing`, other
/// shapes → `lookup.error_code_format`, both on the field `code`.
pub fn normalize_code(code: &str) -> Result<String, AppError> {
    let c = code.trim().to_ascii_uppercase();
    if c.is_empty() {
        return Err(AppError::invalid("code", "publicinfo.lookup.error_code_missing"));
    }
    let ok = c.len() == 13 && c.starts_with("ZJ") && c[2..].bytes().all(|b| b.is_ascii_digit()) && (1..=12).contains(&c[6..8].parse::<u32>().unwrap_or(0));
    if !ok {
        return Err(AppError::invalid("code", "publicinfo.lookup.error_code_format"));
    }
    Ok(c)
}

/// Where a step of a case stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum StepState {
    /// Done, at `at`.
    Done,
    /// Under way (e.g. the publicity period is running).
    Running,
    /// Not started yet.
    Pending,
    /// Will not happen (the selection failed or the procurement was cancelled).
    Skipped,
}

/// One public step of a case.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseStep {
    /// `published`, `deadline`, `selection`, `publicity`, `signed`, `delivered`, `accepted`, `paid`.
    pub key: String,
    pub state: StepState,
    /// When it happened (or, for the deadline and a running publicity, when it
    /// ends), Shanghai time `YYYY-MM-DD HH:MM`.
    pub at: Option<String>,
    /// A short public note (e.g. the selection method, 「流标」).
    pub note: String,
}

/// The public progress of a published procurement.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseStatus {
    pub code: String,
    pub title: String,
    pub region: String,
    pub item: String,
    /// Selection method key (`direct`, `random_draw`, …).
    pub method: String,
    /// Procurement status (`published`, `closed`, `selected`, `failed`, `cancelled`).
    pub status: String,
    pub steps: Vec<CaseStep>,
}

/// The public facts of a procurement the steps are built from (epoch ms).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CaseFacts {
    pub status: String,
    pub method: String,
    pub published_at: Option<i64>,
    pub deadline_at: Option<i64>,
    /// The award in force (not void): when it was made, its status
    /// (`publicity`, `final`), the end of its publicity, when it became final.
    pub awarded_at: Option<i64>,
    pub award_status: Option<String>,
    pub publicity_ends_at: Option<i64>,
    pub final_at: Option<i64>,
    /// The live contract (not lapsed or terminated).
    pub signed_at: Option<i64>,
    pub delivered_at: Option<i64>,
    pub accepted_at: Option<i64>,
    pub paid_at: Option<i64>,
}

/// The eight public steps of a case at time `now`; `fmt` writes a time.
pub fn case_steps(f: &CaseFacts, now: i64, fmt: impl Fn(i64) -> String) -> Vec<CaseStep> {
    use StepState::*;
    let ended = matches!(f.status.as_str(), "failed" | "cancelled");
    let step = |key: &str, state: StepState, at: Option<i64>, note: String| CaseStep { key: key.into(), state, at: at.map(&fmt), note };
    // a step with a date is done; the first without one is running when `running`, else pending
    let simple = |key: &str, at: Option<i64>, running: bool| match at {
        Some(t) => step(key, Done, Some(t), String::new()),
        None if ended => step(key, Skipped, None, String::new()),
        None => step(key, if running { Running } else { Pending }, None, String::new()),
    };
    let deadline = match f.deadline_at {
        Some(d) if d <= now => step("deadline", Done, Some(d), String::new()),
        Some(d) if f.status == "cancelled" => step("deadline", Skipped, Some(d), String::new()),
        Some(d) => step("deadline", Running, Some(d), String::new()),
        None => step("deadline", Pending, None, String::new()),
    };
    let deadline_passed = f.deadline_at.is_some_and(|d| d <= now);
    let selection = match (f.awarded_at, f.status.as_str()) {
        (Some(t), _) => step("selection", Done, Some(t), f.method.clone()),
        (None, "failed") => step("selection", Skipped, None, "failed".into()),
        (None, "cancelled") => step("selection", Skipped, None, "cancelled".into()),
        (None, _) => step("selection", if deadline_passed { Running } else { Pending }, None, f.method.clone()),
    };
    let publicity = match (f.award_status.as_deref(), f.final_at, f.publicity_ends_at) {
        (Some("final"), Some(t), _) => step("publicity", Done, Some(t), String::new()),
        (Some("final"), None, end) => step("publicity", Done, end, String::new()),
        (Some(_), _, end) => step("publicity", Running, end, String::new()),
        _ if ended => step("publicity", Skipped, None, String::new()),
        _ => step("publicity", Pending, None, String::new()),
    };
    let is_final = f.award_status.as_deref() == Some("final");
    vec![
        simple("published", f.published_at, false),
        deadline,
        selection,
        publicity,
        simple("signed", f.signed_at, is_final),
        simple("delivered", f.delivered_at, f.signed_at.is_some()),
        simple("accepted", f.accepted_at, f.delivered_at.is_some()),
        simple("paid", f.paid_at, f.accepted_at.is_some()),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::time::month_key;

    fn g(dept: Option<&str>, industry: &str, status: &str, decision: Option<&str>, count: i64) -> ComplaintGroup {
        ComplaintGroup { department: dept.map(Into::into), industry: industry.into(), status: status.into(), decision: decision.map(Into::into), count }
    }

    #[test]
    fn months_and_regions_are_validated_and_named() {
        let now = parse_month("2026-11").unwrap();
        let r = validate_filter(&Default::default(), now).unwrap();
        assert_eq!((month_key(r.from), month_key(r.to)), ("2025-12".into(), "2026-11".into()), "twelve months up to now");
        let f = |from: &str, to: &str, region: &str| ComplaintStatsFilter { from: from.into(), to: to.into(), region: region.into() };
        assert_eq!(validate_filter(&f("2026-01", "2026-03", "510100"), now).unwrap(), MonthRange { from: now - 10, to: now - 8 });
        assert_eq!(validate_filter(&f("2026-13", "", ""), now), Err(AppError::invalid("from", "publicinfo.complaints.error_month")));
        assert_eq!(validate_filter(&f("", "26-01", ""), now), Err(AppError::invalid("to", "publicinfo.complaints.error_month")));
        assert_eq!(validate_filter(&f("2026-05", "2026-04", ""), now), Err(AppError::invalid("from", "publicinfo.complaints.error_range")));
        assert_eq!(validate_filter(&f("2020-01", "2026-01", ""), now), Err(AppError::invalid("from", "publicinfo.complaints.error_range")));
        assert_eq!(validate_filter(&f("", "", "51A100"), now), Err(AppError::invalid("region", "publicinfo.complaints.error_region")));
    }

    #[test]
    fn the_department_comes_from_the_complaint_then_the_procurement_then_the_industry() {
        let by_industry = industry_departments(&[
            ("ZJ".into(), "ZJBM".into(), 5),
            ("ZJ".into(), "FGBM".into(), 1),
            ("ZR".into(), "ZRBM".into(), 2),
            ("ZR".into(), "ZJBM".into(), 2),
        ]);
        assert_eq!(by_industry.get("ZJ").map(String::as_str), Some("ZJBM"), "the most items");
        assert_eq!(by_industry.get("ZR").map(String::as_str), Some("ZJBM"), "a tie: the smallest code");
        let names: BTreeMap<String, String> = [("ZJBM", "住房城乡建设部门"), ("HJBM", "生态环境部门")].into_iter().map(|(a, b)| (a.into(), b.into())).collect();
        let groups = vec![
            g(Some("HJBM"), "ZJ", "submitted", None, 2),
            g(Some("HJBM"), "HJ", "decided", Some("upheld"), 1),
            g(Some("HJBM"), "HJ", "decided", Some("dismissed"), 3),
            g(None, "ZJ", "accepted", None, 4),
            g(None, "ZJ", "declined", None, 1),
            g(None, "XX", "submitted", None, 1),
        ];
        let t = tally(&groups, &by_industry, &names);
        assert_eq!(t.len(), 3);
        assert_eq!((t[0].code.as_str(), t[0].name.as_str()), ("HJBM", "生态环境部门"));
        assert_eq!((t[0].submitted, t[0].upheld, t[0].dismissed, t[0].decided(), t[0].total()), (2, 1, 3, 4, 6));
        assert_eq!((t[1].code.as_str(), t[1].accepted, t[1].declined, t[1].total()), ("ZJBM", 4, 1, 5));
        assert_eq!((t[2].code.as_str(), t[2].total()), ("", 1), "no department found: counted, listed last");
    }

    #[test]
    fn codes_are_checked() {
        assert_eq!(normalize_code(" zj20261100001 ").unwrap(), "ZJ20261100001");
        assert_eq!(normalize_code(""), Err(AppError::invalid("code", "publicinfo.lookup.error_code_missing")));
        for bad in ["ZJ2026110000", "XX20261100001", "ZJ20261300001", "ZJ2026-1100001", "<script>"] {
            assert_eq!(normalize_code(bad), Err(AppError::invalid("code", "publicinfo.lookup.error_code_format")), "{bad}");
        }
    }

    #[test]
    fn steps_follow_the_case() {
        let fmt = |t: i64| t.to_string();
        let mut f = CaseFacts { status: "published".into(), method: "random_draw".into(), published_at: Some(10), deadline_at: Some(100), ..Default::default() };
        let states = |s: &[CaseStep]| s.iter().map(|x| x.state).collect::<Vec<_>>();
        use StepState::*;
        let s = case_steps(&f, 50, fmt);
        assert_eq!(states(&s), vec![Done, Running, Pending, Pending, Pending, Pending, Pending, Pending]);
        assert_eq!(s[1].at.as_deref(), Some("100"), "the deadline shows when it ends");
        f.awarded_at = Some(120);
        f.award_status = Some("publicity".into());
        f.publicity_ends_at = Some(200);
        f.status = "selected".into();
        let s = case_steps(&f, 150, fmt);
        assert_eq!(states(&s), vec![Done, Done, Done, Running, Pending, Pending, Pending, Pending]);
        assert_eq!(s[2].note, "random_draw");
        f.award_status = Some("final".into());
        f.final_at = Some(210);
        f.signed_at = Some(300);
        let s = case_steps(&f, 400, fmt);
        assert_eq!(states(&s), vec![Done, Done, Done, Done, Done, Running, Pending, Pending]);
        f.delivered_at = Some(500);
        f.accepted_at = Some(600);
        f.paid_at = Some(700);
        assert!(case_steps(&f, 800, fmt).iter().all(|x| x.state == Done));
        let failed = CaseFacts { status: "failed".into(), method: "merit".into(), published_at: Some(10), deadline_at: Some(100), ..Default::default() };
        let s = case_steps(&failed, 150, fmt);
        assert_eq!(states(&s), vec![Done, Done, Skipped, Skipped, Skipped, Skipped, Skipped, Skipped]);
        assert_eq!(s[2].note, "failed");
    }
}
