//! Firm onboarding (入驻) and profile changes as pages see them: the application
//! a firm fills in step by step, what the operator reviews, the history.
use super::Named;
use crate::domain::onboarding::{Gap, StaffRole};
use crate::domain::qualification::Finding;
use serde::{Deserialize, Serialize};

/// The proposed profile of a firm (full, not a diff). Staff ID numbers and phones
/// are unmasked here: only the firm itself, operators and regulators in scope see it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FirmDraft {
    pub name: String,
    pub credit_code: String,
    pub address: String,
    pub region_code: String,
    pub region_name: String,
    pub contact_name: String,
    pub contact_phone: String,
    pub staff: Vec<StaffEntry>,
    pub items: Vec<ScopeEntry>,
    pub qualifications: Vec<QualificationEntry>,
    pub commitment: Option<CommitmentAcceptance>,
}

impl FirmDraft {
    pub fn legal_rep(&self) -> Option<&StaffEntry> {
        self.staff.iter().find(|s| s.role == StaffRole::LegalRep)
    }
    /// Whether step 1 has been filled in and passes its checks.
    pub fn basic_ok(&self) -> bool {
        !self.region_code.is_empty()
            && crate::domain::onboarding::check_basic(&self.name, &self.address, &self.contact_name, &self.contact_phone).is_empty()
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StaffEntry {
    pub role: StaffRole,
    pub name: String,
    pub title: String,
    pub id_number: String,
    pub phone: String,
    pub certificate: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScopeEntry {
    pub item_code: String,
    pub item_name: String,
    pub industry_code: String,
    /// The qualification type the item requires, if any.
    pub qualification_type: Option<String>,
    pub fee_standard: String,
    pub promised_days: i64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct QualificationEntry {
    pub type_code: String,
    pub type_name: String,
    pub grade: String,
    pub certificate_no: String,
    pub issuer: String,
    pub valid_from: String,
    pub valid_to: String,
    /// The scanned certificate (an uploaded PDF/JPEG/PNG), when attached.
    pub file_id: Option<i64>,
    pub file_name: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommitmentAcceptance {
    pub version: String,
    /// The exact text accepted.
    pub text: String,
    pub accepted_at: i64,
    pub accepted_by: i64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ApplicationKind {
    /// The first registration (入驻).
    Onboarding,
    /// A change to an active profile touching scope, qualifications or staff.
    Change,
}

impl ApplicationKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ApplicationKind::Onboarding => "onboarding",
            ApplicationKind::Change => "change",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        [Self::Onboarding, Self::Change].into_iter().find(|k| k.as_str() == s)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ApplicationStatus {
    Draft,
    Submitted,
    Approved,
    Returned,
}

impl ApplicationStatus {
    pub const ALL: [ApplicationStatus; 4] = [Self::Draft, Self::Submitted, Self::Approved, Self::Returned];
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Draft => "draft",
            Self::Submitted => "submitted",
            Self::Approved => "approved",
            Self::Returned => "returned",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
    /// The firm may still edit it.
    pub fn editable(self) -> bool {
        matches!(self, Self::Draft | Self::Returned)
    }
}

/// An application with its automatic checks.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApplicationView {
    pub id: i64,
    pub firm_id: i64,
    pub kind: ApplicationKind,
    pub status: ApplicationStatus,
    pub firm_status: String,
    pub draft: FirmDraft,
    /// Register-check findings, one list per qualification (same order).
    pub findings: Vec<Vec<Finding>>,
    /// What is still missing before submission.
    pub gaps: Vec<Gap>,
    pub submitted_at: Option<i64>,
    pub due_at: Option<i64>,
    pub decided_at: Option<i64>,
    pub decision_reason: Option<String>,
    /// The firm's identity was asserted by the unified identity platform.
    pub identity_verified: bool,
}

/// Choices for the registration forms.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OnboardingOptions {
    pub regions: Vec<Named>,
    pub items: Vec<ItemOption>,
    pub qualification_types: Vec<QualificationTypeOption>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ItemOption {
    pub code: String,
    pub name: String,
    pub industry_name: String,
    pub qualification_type: Option<String>,
    pub min_grade: Option<String>,
    pub time_limit_days: i64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct QualificationTypeOption {
    pub code: String,
    pub name: String,
    /// Highest first.
    pub grades: Vec<String>,
    pub issuer: String,
}

/// The firm's own workbench.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FirmWorkbench {
    pub firm_id: i64,
    pub name: String,
    pub credit_code: String,
    /// draft, submitted, returned, active, suspended, expelled
    pub status: String,
    /// The open application (draft, submitted or returned), if any.
    pub open: Option<ApplicationSummary>,
    /// Qualifications of the live profile that have expired or expire soon.
    pub expiring: Vec<ExpiringQualification>,
    pub history: Vec<HistoryEntry>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApplicationSummary {
    pub id: i64,
    pub kind: ApplicationKind,
    pub status: ApplicationStatus,
    pub submitted_at: Option<i64>,
    pub due_at: Option<i64>,
    pub decision_reason: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExpiringQualification {
    pub firm_name: String,
    pub credit_code: String,
    pub type_name: String,
    pub certificate_no: String,
    pub valid_to: String,
    /// Negative when already expired.
    pub days_left: i64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryEntry {
    pub application_id: i64,
    pub kind: ApplicationKind,
    /// created, submitted, approved, auto_approved, returned
    pub action: String,
    pub actor: Option<String>,
    pub reason: Option<String>,
    pub at: i64,
}

/// One row of the operator's review queue.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueueRow {
    pub application_id: i64,
    pub kind: ApplicationKind,
    pub firm_name: String,
    pub credit_code: String,
    pub region_name: String,
    pub submitted_at: i64,
    pub due_at: i64,
    /// Past the review time limit (on the server's clock).
    pub overdue: bool,
}
