//! Monthly performance scoring (绩效评估, #8): departments (as owners and as
//! regulators), owners and firms scored from documented indicators, ranked and
//! published with each score's breakdown. Pure: the facts come from
//! `db::performance`.
//!
//! The published formula (100 points):
//! - **Timeliness, 70 points** × the on-time rate: for every stage the subject
//!   was responsible for, the stages closed in the month by their deadline,
//!   divided by the stages closed in the month plus those still open and past
//!   their deadline at the month's end; the rate is the mean over the stages
//!   that had any (so a rare stage weighs as much as a frequent one).
//! - **Urges, 10 points**, minus 2 per urge received in the month (at least 0).
//! - **Complaints, 10 points**, minus 5 per complaint against the subject
//!   upheld in the month (at least 0).
//! - **Objections, 10 points**, minus 5 per objection to the subject's
//!   procurements upheld in the month (at least 0; owners and departments as
//!   owners only — for firms and regulators the full 10).
//!
//! A subject with no stage in the month is not scored (nothing to measure).
//! Ranking: higher score first, then higher on-time rate, then more stages,
//! then the subject's key.
use serde::{Deserialize, Serialize};

/// Who is scored.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SubjectKind {
    /// A department (public body) as the owner of procurements.
    PublicBody,
    /// A department as the regulator (complaint handling, approval cases).
    Department,
    /// An owner that is a company.
    Owner,
    Firm,
}

impl SubjectKind {
    pub const ALL: [SubjectKind; 4] = [SubjectKind::PublicBody, SubjectKind::Department, SubjectKind::Owner, SubjectKind::Firm];

    pub fn as_str(self) -> &'static str {
        match self {
            SubjectKind::PublicBody => "public_body",
            SubjectKind::Department => "department",
            SubjectKind::Owner => "owner",
            SubjectKind::Firm => "firm",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        SubjectKind::ALL.into_iter().find(|k| k.as_str() == s)
    }

    pub fn label_key(self) -> &'static str {
        match self {
            SubjectKind::PublicBody => "performance.kind_public_body",
            SubjectKind::Department => "performance.kind_department",
            SubjectKind::Owner => "performance.kind_owner",
            SubjectKind::Firm => "performance.kind_firm",
        }
    }

    /// Whether upheld objections count against this kind.
    pub fn answers_objections(self) -> bool {
        matches!(self, SubjectKind::PublicBody | SubjectKind::Owner)
    }
}

/// One stage's tally for a subject in a month.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StageTally {
    pub stage: String,
    /// Closed in the month by the deadline.
    pub on_time: i64,
    /// Closed in the month after the deadline.
    pub late: i64,
    /// Still open at the month's end and past the deadline.
    pub overdue_open: i64,
}

impl StageTally {
    pub fn counted(&self) -> i64 {
        self.on_time + self.late + self.overdue_open
    }
}

/// The facts of one subject in one month.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Indicators {
    pub stages: Vec<StageTally>,
    pub urges: i64,
    pub complaints_upheld: i64,
    pub objections_upheld: i64,
}

/// A score and how it is made up (points, one decimal where it matters).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Score {
    pub total: f64,
    /// Mean on-time rate over the stages (0–1).
    pub on_time_rate: f64,
    pub timeliness: f64,
    pub urges: f64,
    pub complaints: f64,
    pub objections: f64,
    /// Stages counted (closed plus overdue open).
    pub stages_counted: i64,
}

pub const TIMELINESS_POINTS: f64 = 70.0;
pub const URGE_POINTS: f64 = 10.0;
pub const URGE_PENALTY: f64 = 2.0;
pub const COMPLAINT_POINTS: f64 = 10.0;
pub const COMPLAINT_PENALTY: f64 = 5.0;
pub const OBJECTION_POINTS: f64 = 10.0;
pub const OBJECTION_PENALTY: f64 = 5.0;

fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

/// The score of one subject, `None` when it had no stage in the month.
pub fn score(kind: SubjectKind, i: &Indicators) -> Option<Score> {
    let rates: Vec<f64> = i.stages.iter().filter(|s| s.counted() > 0).map(|s| s.on_time as f64 / s.counted() as f64).collect();
    if rates.is_empty() {
        return None;
    }
    let rate = rates.iter().sum::<f64>() / rates.len() as f64;
    let timeliness = round1(TIMELINESS_POINTS * rate);
    let urges = (URGE_POINTS - URGE_PENALTY * i.urges as f64).max(0.0);
    let complaints = (COMPLAINT_POINTS - COMPLAINT_PENALTY * i.complaints_upheld as f64).max(0.0);
    let objections =
        if kind.answers_objections() { (OBJECTION_POINTS - OBJECTION_PENALTY * i.objections_upheld as f64).max(0.0) } else { OBJECTION_POINTS };
    Some(Score {
        total: round1(timeliness + urges + complaints + objections),
        on_time_rate: rate,
        timeliness,
        urges,
        complaints,
        objections,
        stages_counted: i.stages.iter().map(StageTally::counted).sum(),
    })
}

/// Ranks scored subjects (`key`, score): 1-based ranks, ties broken as the
/// module documents (equal entries share no rank: the order is total).
pub fn rank<K: Ord + Clone>(mut scored: Vec<(K, Score)>) -> Vec<(u32, K, Score)> {
    scored.sort_by(|(ka, a), (kb, b)| {
        b.total
            .total_cmp(&a.total)
            .then(b.on_time_rate.total_cmp(&a.on_time_rate))
            .then(b.stages_counted.cmp(&a.stages_counted))
            .then(ka.cmp(kb))
    });
    scored.into_iter().enumerate().map(|(i, (k, s))| (i as u32 + 1, k, s)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tally(stage: &str, on_time: i64, late: i64, overdue_open: i64) -> StageTally {
        StageTally { stage: stage.into(), on_time, late, overdue_open }
    }

    #[test]
    fn a_subject_without_stages_is_not_scored() {
        assert_eq!(score(SubjectKind::Firm, &Indicators::default()), None);
        let empty = Indicators { stages: vec![tally("contract_signing", 0, 0, 0)], urges: 3, ..Default::default() };
        assert_eq!(score(SubjectKind::Firm, &empty), None);
    }

    #[test]
    fn worked_example_of_the_published_formula() {
        // signing: 3 of 4 on time; service: 1 on time, 1 still overdue → rates 0.75 and 0.5, mean 0.625
        let i = Indicators {
            stages: vec![tally("contract_signing", 3, 1, 0), tally("service", 1, 0, 1)],
            urges: 2,
            complaints_upheld: 1,
            objections_upheld: 1,
        };
        let owner = score(SubjectKind::Owner, &i).unwrap();
        assert_eq!(owner.on_time_rate, 0.625);
        assert_eq!(owner.timeliness, 43.8); // 70 × 0.625 = 43.75
        assert_eq!((owner.urges, owner.complaints, owner.objections), (6.0, 5.0, 5.0));
        assert_eq!(owner.total, 59.8);
        assert_eq!(owner.stages_counted, 6);
        // a firm does not answer for objections
        let firm = score(SubjectKind::Firm, &i).unwrap();
        assert_eq!(firm.objections, 10.0);
        assert_eq!(firm.total, 64.8);
    }

    #[test]
    fn penalties_stop_at_zero_and_a_perfect_month_scores_100() {
        let bad = Indicators { stages: vec![tally("acceptance", 0, 2, 1)], urges: 9, complaints_upheld: 4, objections_upheld: 3 };
        let s = score(SubjectKind::PublicBody, &bad).unwrap();
        assert_eq!((s.timeliness, s.urges, s.complaints, s.objections, s.total), (0.0, 0.0, 0.0, 0.0, 0.0));
        let good = Indicators { stages: vec![tally("acceptance", 5, 0, 0)], ..Default::default() };
        assert_eq!(score(SubjectKind::Department, &good).unwrap().total, 100.0);
    }

    #[test]
    fn ranks_by_score_then_rate_then_volume_then_key() {
        let s = |total: f64, rate: f64, n: i64| Score {
            total,
            on_time_rate: rate,
            timeliness: 0.0,
            urges: 0.0,
            complaints: 0.0,
            objections: 0.0,
            stages_counted: n,
        };
        let ranked = rank(vec![("c", s(90.0, 0.9, 5)), ("a", s(95.0, 0.8, 1)), ("b", s(90.0, 0.9, 8)), ("d", s(90.0, 0.9, 8))]);
        let order: Vec<(u32, &str)> = ranked.iter().map(|(r, k, _)| (*r, *k)).collect();
        assert_eq!(order, vec![(1, "a"), (2, "b"), (3, "d"), (4, "c")]);
    }

    #[test]
    fn kinds_round_trip() {
        for k in SubjectKind::ALL {
            assert_eq!(SubjectKind::parse(k.as_str()), Some(k));
        }
        assert_eq!(SubjectKind::parse("nobody"), None);
    }
}
