//! Complaints (投诉): what the pages show.
use serde::{Deserialize, Serialize};

/// A complaint in a list (the filer's own, or a regulator's queue).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct ComplaintRow {
    pub id: i64,
    pub subject: String,
    pub against_kind: String,
    /// Name of the firm, owner or department complained about.
    pub against_name: String,
    pub region_name: String,
    pub industry_name: String,
    pub status: String,
    pub accept_due_at: i64,
    pub decide_due_at: Option<i64>,
    pub decision: Option<String>,
    pub objection_id: Option<i64>,
    pub created_at: i64,
}

/// A complaint's history entry.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct ComplaintEvent {
    pub at: i64,
    pub kind: String,
    pub detail: String,
}

/// One complaint, for its filer and for the responsible regulator.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ComplaintDetail {
    pub row: ComplaintRow,
    pub body: String,
    /// Public filers' name and phone (regulator and filer only).
    pub filer_name: Option<String>,
    pub filer_phone: Option<String>,
    /// The procurement the complaint concerns (escalated objections).
    pub procurement_code: Option<String>,
    pub file_id: Option<i64>,
    pub file_name: Option<String>,
    pub accepted_at: Option<i64>,
    pub declined_reason: Option<String>,
    pub decision_reason: Option<String>,
    pub decided_at: Option<i64>,
    pub events: Vec<ComplaintEvent>,
    /// The caller may accept / decline / decide (the responsible regulator).
    pub can_act: bool,
    /// Server time the page was built (for overdue tags).
    pub now: i64,
}

/// The regulator's queue.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ComplaintQueue {
    pub rows: Vec<ComplaintRow>,
    pub total: u64,
    pub page: u32,
    pub per_page: u32,
    pub now: i64,
}

/// What the filing form offers.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ComplaintOptions {
    pub industries: Vec<super::Named>,
    pub regions: Vec<super::Named>,
    pub departments: Vec<super::Named>,
    /// Signed in as an owner or a firm (no name/phone needed).
    pub signed_in: bool,
}
