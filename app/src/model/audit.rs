//! The audit trail's shared types: an entry as the inspector lists it, the
//! list's filter, and the verifier's report.
use serde::{Deserialize, Serialize};

/// One audit entry as shown.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AuditEntryView {
    pub seq: i64,
    pub at: i64,
    pub actor_username: Option<String>,
    pub role: Option<String>,
    pub action: String,
    pub subject_kind: Option<String>,
    pub subject: Option<String>,
    /// Canonical JSON, secrets redacted.
    pub args: String,
    pub before: Option<String>,
    pub after: Option<String>,
    pub http_status: i64,
    /// The error's message key when the action failed.
    pub error: Option<String>,
    pub hash: String,
}

/// The inspector's filter: actor username, action and subject (each an exact
/// match; blank: any), a date range
/// (`YYYY-MM-DD`, Asia/Shanghai, both ends included) and the page.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct AuditQuery {
    #[serde(default)]
    pub actor: Option<String>,
    #[serde(default)]
    pub action: Option<String>,
    #[serde(default)]
    pub subject: Option<String>,
    #[serde(default)]
    pub from: Option<String>,
    #[serde(default)]
    pub to: Option<String>,
    #[serde(default)]
    pub page: Option<u32>,
}

/// What the verifier found.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct VerifyReport {
    /// Entries that matched, in order, before the first broken one (all of them when intact).
    pub entries_checked: u64,
    /// The first broken entry's sequence number and why: `hash`, `link` or `missing`.
    pub first_broken: Option<(i64, String)>,
}

impl VerifyReport {
    pub fn intact(&self) -> bool {
        self.first_broken.is_none()
    }
}
