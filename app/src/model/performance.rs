//! Monthly performance scores (绩效评估, #8) as the public statistics show them.
use serde::{Deserialize, Serialize};

/// One scored subject: its rank, score and the score's breakdown.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PerformanceRow {
    pub rank: i64,
    pub subject_key: String,
    pub subject_name: String,
    pub region_name: String,
    pub total: f64,
    /// Mean on-time rate over the stages, 0–1.
    pub on_time_rate: f64,
    pub timeliness: f64,
    pub urges_points: f64,
    pub complaints_points: f64,
    pub objections_points: f64,
    pub stages_counted: i64,
    /// The facts: per stage on time / late / overdue open, urges, complaints and
    /// objections upheld (`domain::performance::Indicators`, as JSON).
    pub stages: Vec<StageFacts>,
    pub urges: i64,
    pub complaints_upheld: i64,
    pub objections_upheld: i64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StageFacts {
    pub stage: String,
    pub on_time: i64,
    pub late: i64,
    pub overdue_open: i64,
}

/// A page of one month's ranking of one kind of subject.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PerformancePage {
    /// `YYYY-MM` shown ('' when nothing is computed yet).
    pub month: String,
    /// Months with scores, newest first.
    pub months: Vec<String>,
    /// `public_body`, `department`, `owner` or `firm`.
    pub kind: String,
    pub ranking: crate::domain::paging::Page<PerformanceRow>,
    /// When the month was last computed (epoch ms), 0 if never.
    pub computed_at: i64,
}
