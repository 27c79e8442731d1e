//! Evaluation (综合评价), star levels (星级) and regulator actions as pages show
//! them and forms send them. The formula: `domain::star`.
use crate::domain::star::StarCalc;
use serde::{Deserialize, Serialize};

/// A key staff member the owner may score (firm_staff role `manager` or `technical`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct StaffOption {
    pub id: i64,
    pub role: String,
    pub name: String,
    pub title: String,
}

/// One staff member's score on a rating.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct StaffScore {
    pub staff_id: i64,
    pub name: String,
    pub role: String,
    pub score: i64,
    pub comment: Option<String>,
}

/// One rating as shown on the contract and the firm profile (public).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RatingView {
    pub id: i64,
    pub project_title: String,
    pub timeliness: i64,
    pub quality: i64,
    pub attitude: i64,
    pub fee_compliance: i64,
    pub comment: Option<String>,
    pub rated_at: i64,
    pub staff: Vec<StaffScore>,
    pub reply: Option<String>,
    pub replied_at: Option<i64>,
}

impl RatingView {
    /// Sum of the four dimensions (4..=20).
    pub fn sum(&self) -> i64 {
        self.timeliness + self.quality + self.attitude + self.fee_compliance
    }
}

/// The rating panel of a completed contract.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RatingPanelData {
    pub code: String,
    pub firm_credit_code: String,
    /// The owner may rate (completed, not yet rated).
    pub may_rate: bool,
    /// The firm may reply (rated, no reply yet).
    pub may_reply: bool,
    pub staff: Vec<StaffOption>,
    pub rating: Option<RatingView>,
}

/// One staff score as the rating form sends it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StaffScoreInput {
    pub staff_id: i64,
    /// 1–5; empty: not scored (every listed staff member must be scored).
    #[serde(default)]
    pub score: String,
    #[serde(default)]
    pub comment: String,
}

/// The rating form. Scores come as text so a missing one is a field error, not a decoding failure.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RatingInput {
    pub code: String,
    #[serde(default)]
    pub timeliness: String,
    #[serde(default)]
    pub quality: String,
    #[serde(default)]
    pub attitude: String,
    #[serde(default)]
    pub fee_compliance: String,
    #[serde(default)]
    pub comment: String,
    #[serde(default)]
    pub staff: Vec<StaffScoreInput>,
}

/// A regulator action (public, dated).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct SanctionView {
    pub id: i64,
    pub firm_name: String,
    pub credit_code: String,
    /// `downgrade`, `suspend` or `expel`.
    pub kind: String,
    pub reason: String,
    pub star_cap: Option<i64>,
    /// Last day (YYYY-MM-DD) of a downgrade or suspension.
    pub until: Option<String>,
    pub decided_at: i64,
    pub appeal: Option<String>,
    pub appealed_at: Option<i64>,
    /// `pending`, `upheld` or `rejected`.
    pub appeal_status: Option<String>,
    pub appeal_decision: Option<String>,
    pub appeal_decided_at: Option<i64>,
    pub revoked_at: Option<i64>,
}

/// The public evaluation section of a firm profile.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FirmRatingsData {
    pub credit_code: String,
    pub calc: StarCalc,
    /// The published formula, one rule a line.
    pub formula: Vec<String>,
    pub now_ms: i64,
    /// Newest first, one page.
    pub ratings: crate::domain::paging::Page<RatingView>,
    /// Newest first.
    pub sanctions: Vec<SanctionView>,
    /// The caller is this firm: it may appeal an action not yet appealed.
    pub own_firm: bool,
}

/// An automatic downgrade proposal.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct ProposalView {
    pub id: i64,
    pub firm_name: String,
    pub credit_code: String,
    pub firm_status: String,
    pub star_level: Option<i64>,
    pub reason: String,
    pub rating_count: i64,
    pub average_milli: i64,
    pub status: String,
    pub created_at: i64,
    pub decided_at: Option<i64>,
    pub decision_note: Option<String>,
}

/// The regulator's page: open proposals, pending appeals and recent actions in scope.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SanctionsDesk {
    pub proposals: Vec<ProposalView>,
    pub sanctions: Vec<SanctionView>,
    pub today: String,
    /// Regulators act; leaders, operators and admins read.
    pub can_act: bool,
}
