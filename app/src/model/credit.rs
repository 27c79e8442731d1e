//! Credit archive (中介信用库) types shared by server and browser.
use crate::domain::credit::CreditBreakdown;
use serde::{Deserialize, Serialize};

/// One firm in the credit lookup.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CreditHit {
    pub name: String,
    pub credit_code: String,
    pub region_name: String,
    pub score: Option<i64>,
    pub grade: Option<String>,
    pub blacklisted: bool,
    pub red_listed: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CommitmentView {
    pub version: String,
    pub text: String,
    pub accepted_at: i64,
}

/// Averages ×100 (e.g. 450 = 4.50) over all the firm's ratings.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct RatingSummary {
    pub count: i64,
    pub timeliness: i64,
    pub quality: i64,
    pub attitude: i64,
    pub fee_compliance: i64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ServiceDone {
    pub procurement_code: String,
    pub title: String,
    pub owner_name: String,
    pub price_fen: i64,
    pub completed_at: Option<i64>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ComplaintOutcome {
    pub subject: String,
    pub status: String,
    pub decision: Option<String>,
    pub created_at: i64,
    pub decided_at: Option<i64>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Refusal {
    pub procurement_code: String,
    pub title: String,
    pub status: String,
    pub reason: Option<String>,
    pub decided_at: Option<i64>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CreditRecord {
    pub id: i64,
    pub firm_name: String,
    pub credit_code: String,
    pub kind: String,
    pub title: String,
    pub points: i64,
    pub decided_on: String,
    pub valid_to: Option<String>,
    pub source: String,
    pub document_no: String,
    pub valid: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ListEntry {
    pub id: i64,
    pub firm_name: String,
    pub credit_code: String,
    pub list: String,
    pub reason: String,
    pub valid_from: String,
    pub valid_to: Option<String>,
    pub revoked_at: Option<i64>,
    pub revoke_reason: Option<String>,
    pub valid: bool,
}

/// The public credit archive of one firm.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CreditArchive {
    pub name: String,
    pub credit_code: String,
    pub region_name: String,
    pub status: String,
    pub star_level: Option<i64>,
    pub breakdown: CreditBreakdown,
    pub computed_on: String,
    pub commitment: Option<CommitmentView>,
    pub ratings: RatingSummary,
    pub completed: Vec<ServiceDone>,
    pub complaints: Vec<ComplaintOutcome>,
    pub refusals: Vec<Refusal>,
    pub records: Vec<CreditRecord>,
    pub lists: Vec<ListEntry>,
}

/// An open contract of a blacklisted or expelled firm.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FlaggedContract {
    pub contract_id: i64,
    pub code: String,
    pub procurement_code: String,
    pub title: String,
    pub firm_name: String,
    pub credit_code: String,
    pub owner_name: String,
    pub status: String,
}

/// What the regulator's credit page shows.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RegulatorCredit {
    pub records: Vec<CreditRecord>,
    pub lists: Vec<ListEntry>,
    pub flagged: Vec<FlaggedContract>,
}

/// The outcome of a CSV import: rows added, or every error (row, column, message key).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ImportReport {
    pub added: usize,
    pub errors: Vec<ImportError>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ImportError {
    /// 1-based line of the file (the header is line 1).
    pub row: usize,
    pub column: String,
    pub key: String,
}
