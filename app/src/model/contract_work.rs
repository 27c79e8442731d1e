//! Service execution (履约) as the contract page's work panel sees it:
//! milestones, deliveries and acceptance, urges, the message thread.
use crate::domain::contract::Party;
use crate::domain::urge::{MilestoneStatus, Subject};
use crate::model::files::FileRef;
use serde::{Deserialize, Serialize};

/// Messages per page of the thread (newest first).
pub const MESSAGES_PER_PAGE: u32 = 20;
/// Urges listed on the panel (newest first); the counts cover all of them.
pub const URGES_LISTED: u32 = 50;
/// Files in one delivery round.
pub const MAX_DELIVERY_FILES: usize = 5;
pub const MESSAGE_MAX_CHARS: usize = 2000;
pub const DELIVERY_NOTE_MAX_CHARS: usize = 1000;
pub const REJECT_REASON_MIN_CHARS: usize = 5;
pub const REJECT_REASON_MAX_CHARS: usize = 500;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MilestoneView {
    pub seq: u32,
    pub title: String,
    pub due_at: Option<i64>,
    pub status: MilestoneStatus,
    pub reported_at: Option<i64>,
    pub done_at: Option<i64>,
}

/// One delivery round (成果提交) and the owner's decision on it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeliveryView {
    pub round: u32,
    pub note: String,
    pub submitted_by: String,
    pub submitted_at: i64,
    /// `submitted` (待验收), `accepted` (验收合格), `rejected` (退回).
    pub status: String,
    pub decided_by: Option<String>,
    pub decided_at: Option<i64>,
    pub reason: Option<String>,
    /// Each with its SHA-256 and a download link.
    pub files: Vec<FileRef>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UrgeView {
    pub id: i64,
    /// The party urged.
    pub target: Party,
    /// Stored code (`domain::urge::Subject::as_code`).
    pub subject: String,
    pub reason: String,
    /// The urging user's name; `None` for an automatic urge.
    pub by_name: Option<String>,
    /// `approaching` or `overdue` for an automatic urge.
    pub auto_kind: Option<String>,
    pub created_at: i64,
}

impl UrgeView {
    pub fn subject(&self) -> Option<Subject> {
        Subject::parse_code(&self.subject)
    }
}

/// How often each party was urged (supervisors see these; #8 aggregates them).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct UrgeCounts {
    /// Urges addressed to the owner (甲方).
    pub owner: i64,
    /// Urges addressed to the firm (乙方).
    pub firm: i64,
    /// Of all urges, those the system sent as a time limit approached or passed.
    pub automatic: i64,
    /// Of the automatic ones, those sent after a time limit passed.
    pub overdue: i64,
}

impl UrgeCounts {
    pub fn total(&self) -> i64 {
        self.owner + self.firm
    }
}

/// An item the viewer may urge the other party on.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UrgeChoice {
    pub subject: String,
    pub due_at: Option<i64>,
    pub overdue: bool,
}

/// An item pending in the contract (for whom, by when) — the panel's to-do list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingView {
    pub subject: String,
    pub target: Party,
    pub due_at: Option<i64>,
    pub overdue: bool,
}

/// Everything the work panel shows except the message thread.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkPanelView {
    pub code: String,
    /// `domain::contract::ContractStatus::as_str`.
    pub status: String,
    /// The caller's party; `None` for a supervisor (read-only).
    pub viewer: Option<Party>,
    pub now_ms: i64,
    pub signed_at: Option<i64>,
    /// Service end date (服务期限届满).
    pub service_due_at: Option<i64>,
    pub delivered_at: Option<i64>,
    /// The owner's time limit to accept or reject the pending delivery.
    pub accept_due_at: Option<i64>,
    pub accepted_at: Option<i64>,
    /// Working days the owner has to decide on a delivery (from the terms).
    pub acceptance_days: Option<u32>,
    pub milestones: Vec<MilestoneView>,
    /// Newest round first.
    pub deliveries: Vec<DeliveryView>,
    /// Items pending for either party (items without a time limit included).
    pub pending: Vec<PendingView>,
    pub urge_counts: UrgeCounts,
    /// The latest urges (at most `URGES_LISTED`), newest first.
    pub urges: Vec<UrgeView>,
    /// What the viewer may urge the other party on (empty for supervisors).
    pub urge_choices: Vec<UrgeChoice>,
    /// The viewer (the firm) may deliver now.
    pub may_deliver: bool,
    /// The viewer (the owner) may accept or reject the pending delivery now.
    pub may_decide: bool,
    /// The viewer may post messages.
    pub may_post: bool,
}

/// One message of the thread between the parties.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessageView {
    pub id: i64,
    pub party: Party,
    pub author: String,
    pub body: String,
    pub file: Option<FileRef>,
    pub created_at: i64,
}

/// The label of a stored urge subject (`milestone:2` → 「第 2 个节点」) in `locale`.
pub fn subject_label(locale: crate::i18n::Locale, code: &str) -> String {
    match Subject::parse_code(code) {
        Some(s) => {
            let (key, n) = s.label();
            let text = crate::i18n::t_in(locale, key);
            match n {
                Some(n) => text.replace("{n}", &n.to_string()),
                None => text,
            }
        }
        None => code.to_string(),
    }
}
