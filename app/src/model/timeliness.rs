//! Time-limit performance by competent department (时限履行情况, #8), the
//! public page `/stats/timeliness`: for the stages of the stage clocks
//! (`stage_clocks`) closed within a period and region, how many each
//! competent department's stages closed on time (`closed_at <= due_at`) and
//! late, the on-time rate, and how many of its open stages are overdue right
//! now; with a breakdown per stage (approval-case stages from the approval
//! platforms included).
//!
//! The filter is the one of the complaint statistics
//! ([`ComplaintStatsFilter`], validated by
//! [`crate::model::public_info::validate_filter`]). The roll-up, rate and
//! ranking rules are pure and unit-tested here.
pub use crate::model::public_info::{ComplaintStatsFilter, RegionLink};
use serde::{Deserialize, Serialize};
use std::cmp::Ordering;
use std::collections::BTreeMap;

/// The stage names in the order the page lists them (`domain::timelimits::Stage::ALL`).
pub const STAGES: [&str; 12] = [
    "publication",
    "selection",
    "publicity",
    "signing",
    "service",
    "acceptance",
    "payment",
    "complaint_acceptance",
    "complaint_decision",
    "approval_received",
    "approval_accepted",
    "approval_reviewing",
];

fn stage_rank(stage: &str) -> usize {
    STAGES.iter().position(|s| *s == stage).unwrap_or(STAGES.len())
}

/// The counts of one stage (or of a whole department when summed).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StageCounts {
    /// Stage name (`domain::timelimits::Stage::as_str`); empty on a sum.
    pub stage: String,
    /// Closed within the period on or before their deadline.
    pub on_time: i64,
    /// Closed within the period after their deadline.
    pub late: i64,
    /// Still open and past their deadline now (red right now), whenever they started.
    pub overdue_now: i64,
}

impl StageCounts {
    /// Stages closed within the period.
    pub fn closed(&self) -> i64 {
        self.on_time + self.late
    }

    /// On-time rate in per mille (rounded half up), `None` when nothing closed.
    pub fn rate_permille(&self) -> Option<i64> {
        let closed = self.closed();
        (closed > 0).then(|| (self.on_time * 2000 + closed) / (2 * closed))
    }

    /// The on-time rate as shown: `87.5%`, `100%`; `—` when nothing closed.
    pub fn rate_text(&self) -> String {
        match self.rate_permille() {
            None => "—".into(),
            Some(p) if p % 10 == 0 => format!("{}%", p / 10),
            Some(p) => format!("{}.{}%", p / 10, p % 10),
        }
    }

    fn add(&mut self, o: &StageCounts) {
        self.on_time += o.on_time;
        self.late += o.late;
        self.overdue_now += o.overdue_now;
    }

    fn is_empty(&self) -> bool {
        self.closed() == 0 && self.overdue_now == 0
    }
}

/// One competent department's time-limit performance.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DepartmentTimeliness {
    /// Department code; empty for stages no department is recorded for.
    pub code: String,
    pub name: String,
    /// The department's totals (`stage` empty).
    pub total: StageCounts,
    /// Per stage, in the order of [`STAGES`]; stages with nothing are left out.
    pub stages: Vec<StageCounts>,
}

/// One group as read from the database: department, stage and counts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TimelinessGroup {
    pub department: Option<String>,
    pub counts: StageCounts,
}

/// Compares on-time rates exactly (no floating point): the lower rate first;
/// a department with nothing closed (only overdue stages) after every rate.
fn cmp_rate(a: &StageCounts, b: &StageCounts) -> Ordering {
    match (a.closed(), b.closed()) {
        (0, 0) => Ordering::Equal,
        (0, _) => Ordering::Greater,
        (_, 0) => Ordering::Less,
        (ca, cb) => (a.on_time as i128 * cb as i128).cmp(&(b.on_time as i128 * ca as i128)),
    }
}

/// Rolls the groups up per department (`names`: code → name). Departments
/// with nothing closed in the period and nothing overdue now are left out.
/// Order: on-time rate ascending (worst first), then name, then code;
/// departments with nothing closed (rate `—`) last.
pub fn roll_up(groups: &[TimelinessGroup], names: &BTreeMap<String, String>) -> Vec<DepartmentTimeliness> {
    let mut out: BTreeMap<String, BTreeMap<usize, StageCounts>> = BTreeMap::new();
    for g in groups {
        if g.counts.is_empty() {
            continue;
        }
        let code = g.department.clone().unwrap_or_default();
        let stage = out.entry(code).or_default().entry(stage_rank(&g.counts.stage)).or_insert_with(|| StageCounts { stage: g.counts.stage.clone(), ..Default::default() });
        stage.add(&g.counts);
    }
    let mut v: Vec<DepartmentTimeliness> = out
        .into_iter()
        .map(|(code, stages)| {
            let mut total = StageCounts::default();
            stages.values().for_each(|s| total.add(s));
            DepartmentTimeliness { name: names.get(&code).cloned().unwrap_or_default(), code, total, stages: stages.into_values().collect() }
        })
        .collect();
    v.sort_by(|a, b| {
        cmp_rate(&a.total, &b.total)
            .then_with(|| a.code.is_empty().cmp(&b.code.is_empty()))
            .then_with(|| a.name.cmp(&b.name))
            .then_with(|| a.code.cmp(&b.code))
    });
    v
}

/// The sum over departments.
pub fn sum(departments: &[DepartmentTimeliness]) -> StageCounts {
    let mut total = StageCounts::default();
    departments.iter().for_each(|d| total.add(&d.total));
    total
}

/// The time-limit performance for a filter.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimelinessStats {
    /// The filter as applied (months filled in).
    pub filter: ComplaintStatsFilter,
    /// Province → … → the selected region.
    pub path: Vec<RegionLink>,
    /// The regions directly below the selected one, to narrow the view.
    pub children: Vec<RegionLink>,
    pub departments: Vec<DepartmentTimeliness>,
    pub total: StageCounts,
    /// When "overdue now" was counted, Shanghai time `YYYY-MM-DD HH:MM`.
    pub counted_at: String,
    /// ECharts option (JSON) of the stacked bar chart; empty when nothing closed.
    pub chart: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn g(dept: Option<&str>, stage: &str, on_time: i64, late: i64, overdue_now: i64) -> TimelinessGroup {
        TimelinessGroup { department: dept.map(Into::into), counts: StageCounts { stage: stage.into(), on_time, late, overdue_now } }
    }

    fn names() -> BTreeMap<String, String> {
        [("HJBM", "环境部门"), ("ZRBM", "自然资源部门"), ("ZJBM", "住建部门"), ("JTBM", "交通部门")].into_iter().map(|(a, b)| (a.into(), b.into())).collect()
    }

    #[test]
    fn rates_round_half_up_and_nothing_closed_has_no_rate() {
        let c = |on_time, late| StageCounts { on_time, late, ..Default::default() };
        assert_eq!((c(7, 1).rate_permille(), c(7, 1).rate_text()), (Some(875), "87.5%".to_string()));
        assert_eq!(c(2, 0).rate_text(), "100%");
        assert_eq!(c(0, 3).rate_text(), "0%");
        assert_eq!(c(2, 1).rate_text(), "66.7%", "666.67‰ rounds up");
        assert_eq!(c(1, 2).rate_text(), "33.3%");
        assert_eq!(c(0, 0).rate_permille(), None);
        assert_eq!(c(0, 0).rate_text(), "—");
    }

    #[test]
    fn departments_are_rolled_up_ranked_worst_first_and_empty_ones_left_out() {
        let groups = vec![
            g(Some("HJBM"), "service", 3, 1, 0),
            g(Some("HJBM"), "publication", 1, 0, 2),
            g(Some("ZRBM"), "approval_reviewing", 1, 1, 0),
            g(Some("ZRBM"), "approval_received", 0, 0, 1),
            g(Some("ZJBM"), "signing", 0, 0, 0),
            g(Some("JTBM"), "payment", 0, 0, 4),
            g(None, "complaint_decision", 1, 1, 0),
            g(Some("XXBM"), "payment", 2, 0, 0),
        ];
        let v = roll_up(&groups, &names());
        let order: Vec<&str> = v.iter().map(|d| d.code.as_str()).collect();
        // ZRBM and the unassigned both 50%: named departments before the unassigned;
        // HJBM 80%; XXBM 100%; JTBM nothing closed: last; ZJBM nothing at all: left out
        assert_eq!(order, vec!["ZRBM", "", "HJBM", "XXBM", "JTBM"]);
        let hj = &v[2];
        assert_eq!(hj.name, "环境部门");
        assert_eq!((hj.total.on_time, hj.total.late, hj.total.closed(), hj.total.overdue_now), (4, 1, 5, 2));
        assert_eq!(hj.total.rate_text(), "80%");
        assert_eq!(hj.stages.iter().map(|s| s.stage.as_str()).collect::<Vec<_>>(), vec!["publication", "service"], "in stage order");
        let zr = &v[0];
        assert_eq!(zr.stages.iter().map(|s| (s.stage.as_str(), s.closed(), s.overdue_now)).collect::<Vec<_>>(), vec![("approval_received", 0, 1), ("approval_reviewing", 2, 0)]);
        assert_eq!(v[3].name, "", "an unknown code keeps an empty name");
        let total = sum(&v);
        assert_eq!((total.on_time, total.late, total.overdue_now), (8, 3, 7));
    }

    #[test]
    fn equal_rates_are_ordered_by_name() {
        let groups = vec![g(Some("ZRBM"), "service", 1, 1, 0), g(Some("HJBM"), "service", 2, 2, 0), g(Some("ZJBM"), "service", 1, 0, 0)];
        let v = roll_up(&groups, &names());
        // 环境部门 and 自然资源部门 both 50%, by name (code points): 环 (U+73AF) < 自 (U+81EA)
        assert_eq!(v.iter().map(|d| d.code.as_str()).collect::<Vec<_>>(), vec!["HJBM", "ZRBM", "ZJBM"]);
    }

    #[test]
    fn the_same_stage_twice_is_added_up() {
        let v = roll_up(&[g(Some("HJBM"), "service", 1, 0, 0), g(Some("HJBM"), "service", 0, 1, 1)], &names());
        assert_eq!(v[0].stages, vec![StageCounts { stage: "service".into(), on_time: 1, late: 1, overdue_now: 1 }]);
    }

    #[test]
    fn the_stage_list_matches_the_domain() {
        let domain: Vec<&str> = crate::domain::timelimits::Stage::ALL.iter().map(|s| s.as_str()).collect();
        assert_eq!(domain, STAGES.to_vec());
    }
}
