//! Credit archive (中介信用库) types shared by server and browser.
use crate::domain::credit::CreditBreakdown;
use crate::error::AppError;
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

/// The filters of the public list of credit records (`/credit-records`, 信用记录公示)
/// and of its export, as URL parameters.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct CreditRecordQuery {
    /// Firm name fragment or credit code.
    pub q: Option<String>,
    /// reward | penalty | red | black.
    pub kind: Option<String>,
    /// Region of the firm (province, city or county code: a prefix).
    pub region: Option<String>,
    /// Date (decided on / valid from) on or after, YYYY-MM-DD.
    pub from: Option<String>,
    /// Date on or before, YYYY-MM-DD.
    pub to: Option<String>,
    pub page: Option<u32>,
}

/// Longest keyword the credit-record list accepts.
pub const CREDIT_RECORD_QUERY_MAX_CHARS: usize = 50;

/// The kinds of the public credit list: records (奖励, 惩戒), then list entries (红名单, 黑名单).
pub const CREDIT_RECORD_KINDS: [&str; 4] = ["reward", "penalty", "red", "black"];

impl CreditRecordQuery {
    pub fn from_params(get: impl Fn(&str) -> Option<String>) -> CreditRecordQuery {
        CreditRecordQuery { q: get("q"), kind: get("kind"), region: get("region"), from: get("from"), to: get("to"), page: super::parse_page(get("page")) }
    }

    /// Trims and checks every field (empty fields become `None`); errors name the field
    /// and carry a `credit.records_*` message key.
    pub fn validate(&self) -> Result<CreditRecordQuery, AppError> {
        let clean = super::clean_param;
        let q = clean(&self.q);
        if q.as_deref().is_some_and(|q| q.chars().count() > CREDIT_RECORD_QUERY_MAX_CHARS) {
            return Err(AppError::invalid("q", "credit.records_q_too_long"));
        }
        let kind = clean(&self.kind);
        if kind.as_deref().is_some_and(|k| !CREDIT_RECORD_KINDS.contains(&k)) {
            return Err(AppError::invalid("kind", "credit.records_kind_invalid"));
        }
        let region = clean(&self.region);
        if region.as_deref().is_some_and(|r| crate::domain::region::level(r).is_none()) {
            return Err(AppError::invalid("region", "credit.records_region_invalid"));
        }
        let date = |field: &str, v: &Option<String>| -> Result<Option<String>, AppError> {
            let v = clean(v);
            if v.as_deref().is_some_and(|d| crate::domain::time::parse_date(d).is_none()) {
                return Err(AppError::invalid(field, "credit.records_date_invalid"));
            }
            Ok(v)
        };
        let from = date("from", &self.from)?;
        let to = date("to", &self.to)?;
        if let (Some(f), Some(t)) = (&from, &to) {
            if f > t {
                return Err(AppError::invalid("to", "credit.records_range_invalid"));
            }
        }
        let page = super::check_page(self.page)?;
        Ok(CreditRecordQuery { q, kind, region, from, to, page: Some(page) })
    }

    /// URL of this query on the list page, at another page number.
    pub fn href(&self, page: u32) -> String {
        super::list_href(
            "/credit-records",
            &[("q", &self.q), ("kind", &self.kind), ("region", &self.region), ("from", &self.from), ("to", &self.to)],
            page,
        )
    }

    /// The query string of the export links ("" or "?…"): the filters without the page.
    pub fn export_query(&self) -> String {
        self.href(1).strip_prefix("/credit-records").unwrap_or_default().to_string()
    }
}

/// One row of the public credit list: a reward or penalty (信用记录) or a red or
/// black list entry (红黑名单), of a firm whose archive is public.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PublicCreditRow {
    /// The record's or the list entry's id (see `kind`).
    pub id: i64,
    /// reward | penalty | red | black.
    pub kind: String,
    /// Decided on (records) or valid from (list entries), YYYY-MM-DD: the list's order.
    pub date: String,
    pub firm_name: String,
    pub credit_code: String,
    pub region_name: String,
    /// The record's title or the entry's reason.
    pub title: String,
    /// Signed points (records only).
    pub points: Option<i64>,
    /// Decision document number (records only).
    pub document_no: Option<String>,
    pub valid_to: Option<String>,
    /// in_force | expired | pending (not yet in force) | revoked, on today's date in Shanghai.
    pub state: String,
    /// Date of revocation (list entries), YYYY-MM-DD in Shanghai.
    pub revoked_on: Option<String>,
}

impl PublicCreditRow {
    /// Whether this is a red or black list entry (not a record).
    pub fn is_list_entry(&self) -> bool {
        matches!(self.kind.as_str(), "red" | "black")
    }

    /// The state of a record or entry valid from `from` to `to` (inclusive), revoked or not, on `today`.
    pub fn state_on(from: &str, to: Option<&str>, revoked: bool, today: &str) -> &'static str {
        if revoked {
            "revoked"
        } else if crate::domain::credit::valid_on(from, to, today) {
            "in_force"
        } else if from > today {
            "pending"
        } else {
            "expired"
        }
    }
}
