//! Complaints (投诉): states, actions and timers. Pure.
//!
//! `Submitted → Accepted | Declined` by the regulator of the complaint's
//! industry within its region, within `ACCEPT_WORKING_DAYS` working days of
//! filing; `Accepted → Decided` (upheld or dismissed, with a reason) within
//! `DECIDE_WORKING_DAYS` working days of acceptance. Late action is still
//! allowed (the regulator must not be locked out of its duty) but the page
//! tags it overdue. An escalated objection enters as `Accepted` at once.
use serde::{Deserialize, Serialize};

/// Working days the regulator has to accept or decline a filed complaint.
pub const ACCEPT_WORKING_DAYS: u32 = 5;
/// Working days the regulator has to decide an accepted complaint.
pub const DECIDE_WORKING_DAYS: u32 = 30;
/// Subject length in characters.
pub const SUBJECT_LEN: (usize, usize) = (4, 100);
/// Body length in characters.
pub const BODY_LEN: (usize, usize) = (10, 2000);
/// Reason (decline, decision) length in characters.
pub const REASON_LEN: (usize, usize) = (5, 2000);
/// Complaints one phone number may file in a day (anonymous filers).
pub const PHONE_PER_DAY: i64 = 5;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ComplaintStatus {
    Submitted,
    Accepted,
    Declined,
    Decided,
}

impl ComplaintStatus {
    pub const ALL: [ComplaintStatus; 4] = [ComplaintStatus::Submitted, ComplaintStatus::Accepted, ComplaintStatus::Declined, ComplaintStatus::Decided];
    pub fn as_str(self) -> &'static str {
        match self {
            ComplaintStatus::Submitted => "submitted",
            ComplaintStatus::Accepted => "accepted",
            ComplaintStatus::Declined => "declined",
            ComplaintStatus::Decided => "decided",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|x| x.as_str() == s)
    }
    pub fn label_key(self) -> &'static str {
        match self {
            ComplaintStatus::Submitted => "complaints.status_submitted",
            ComplaintStatus::Accepted => "complaints.status_accepted",
            ComplaintStatus::Declined => "complaints.status_declined",
            ComplaintStatus::Decided => "complaints.status_decided",
        }
    }
    /// Waiting for the regulator.
    pub fn is_open(self) -> bool {
        matches!(self, ComplaintStatus::Submitted | ComplaintStatus::Accepted)
    }
}

/// Who a complaint is against.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum AgainstKind {
    Firm,
    Owner,
    Department,
}

impl AgainstKind {
    pub fn as_str(self) -> &'static str {
        match self {
            AgainstKind::Firm => "firm",
            AgainstKind::Owner => "owner",
            AgainstKind::Department => "department",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        [AgainstKind::Firm, AgainstKind::Owner, AgainstKind::Department].into_iter().find(|x| x.as_str() == s.trim())
    }
    pub fn label_key(self) -> &'static str {
        match self {
            AgainstKind::Firm => "complaints.against_firm",
            AgainstKind::Owner => "complaints.against_owner",
            AgainstKind::Department => "complaints.against_department",
        }
    }
}

/// What the regulator does.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ComplaintAction {
    Accept,
    Decline,
    Uphold,
    Dismiss,
}

impl ComplaintAction {
    pub fn parse(s: &str) -> Option<Self> {
        match s.trim() {
            "accept" => Some(ComplaintAction::Accept),
            "decline" => Some(ComplaintAction::Decline),
            "uphold" => Some(ComplaintAction::Uphold),
            "dismiss" => Some(ComplaintAction::Dismiss),
            _ => None,
        }
    }
    /// Needs a reason.
    pub fn needs_reason(self) -> bool {
        !matches!(self, ComplaintAction::Accept)
    }
}

/// The next state, or `None` when the action is not allowed from `from`.
pub fn transition(from: ComplaintStatus, action: ComplaintAction) -> Option<ComplaintStatus> {
    use ComplaintAction::*;
    use ComplaintStatus::*;
    match (from, action) {
        (Submitted, Accept) => Some(Accepted),
        (Submitted, Decline) => Some(Declined),
        (Accepted, Uphold | Dismiss) => Some(Decided),
        _ => None,
    }
}

/// The due time the current state runs against and whether it has passed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Timer {
    pub due_at: i64,
    pub overdue: bool,
}

/// The running timer of a complaint in `status` at `now`: acceptance while
/// submitted, decision while accepted; none once closed.
pub fn timer(status: ComplaintStatus, accept_due_at: i64, decide_due_at: Option<i64>, now: i64) -> Option<Timer> {
    let due = match status {
        ComplaintStatus::Submitted => Some(accept_due_at),
        ComplaintStatus::Accepted => decide_due_at,
        _ => None,
    }?;
    Some(Timer { due_at: due, overdue: now >= due })
}

/// Whether a closed step was done late (`done_at` at or after its due time).
pub fn was_late(due_at: Option<i64>, done_at: Option<i64>) -> bool {
    matches!((due_at, done_at), (Some(d), Some(t)) if t >= d)
}

/// A mainland mobile or landline number: digits, optional leading `+86`,
/// hyphens and spaces ignored; 7 to 12 digits after that.
pub fn clean_phone(s: &str) -> Option<String> {
    let t: String = s.trim().trim_start_matches("+86").chars().filter(|c| !matches!(c, '-' | ' ')).collect();
    (t.len() >= 7 && t.len() <= 12 && t.chars().all(|c| c.is_ascii_digit())).then_some(t)
}

/// A phone number with the middle masked (for the regulator's list: the full
/// number only on the complaint page).
pub fn mask_phone(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    if chars.len() < 7 {
        return "*".repeat(chars.len());
    }
    let keep_end = 4;
    let keep_start = 3;
    chars[..keep_start].iter().collect::<String>() + &"*".repeat(chars.len() - keep_start - keep_end) + &chars[chars.len() - keep_end..].iter().collect::<String>()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::calendar::WorkCalendar;
    use ComplaintAction::*;
    use ComplaintStatus::*;

    #[test]
    fn only_the_documented_transitions_are_allowed() {
        assert_eq!(transition(Submitted, Accept), Some(Accepted));
        assert_eq!(transition(Submitted, Decline), Some(Declined));
        assert_eq!(transition(Accepted, Uphold), Some(Decided));
        assert_eq!(transition(Accepted, Dismiss), Some(Decided));
        for s in ComplaintStatus::ALL {
            for a in [Accept, Decline, Uphold, Dismiss] {
                let allowed = matches!((s, a), (Submitted, Accept | Decline) | (Accepted, Uphold | Dismiss));
                assert_eq!(transition(s, a).is_some(), allowed, "{s:?} {a:?}");
            }
        }
        assert!(Submitted.is_open() && Accepted.is_open() && !Declined.is_open() && !Decided.is_open());
    }

    #[test]
    fn timers_run_against_the_current_step_and_turn_overdue_at_the_due_time() {
        // filed on Friday 2026-11-27 10:00 Shanghai: 5 working days end Friday 2026-12-04
        let cal = WorkCalendar::weekends_only();
        let filed = crate::domain::announcement::parse_local_datetime("2026-11-27T10:00").unwrap();
        let due = cal.add_working_days(filed, ACCEPT_WORKING_DAYS);
        assert_eq!(crate::domain::time::date_shanghai(due), "2026-12-04");
        assert_eq!(timer(Submitted, due, None, due - 1), Some(Timer { due_at: due, overdue: false }));
        assert_eq!(timer(Submitted, due, None, due), Some(Timer { due_at: due, overdue: true }));
        assert_eq!(timer(Accepted, due, Some(due + 10), due + 5), Some(Timer { due_at: due + 10, overdue: false }));
        assert_eq!(timer(Decided, due, Some(due + 10), due + 50), None);
        assert_eq!(timer(Declined, due, None, due + 50), None);
        assert!(was_late(Some(10), Some(10)) && !was_late(Some(10), Some(9)) && !was_late(None, Some(9)));
    }

    #[test]
    fn phones_are_checked_and_masked() {
        assert_eq!(clean_phone("138-0000-1234").as_deref(), Some("13800001234"));
        assert_eq!(clean_phone("+86 13800001234").as_deref(), Some("13800001234"));
        assert_eq!(clean_phone("028-85551234").as_deref(), Some("02885551234"));
        assert_eq!(clean_phone("12345"), None);
        assert_eq!(clean_phone("1380000abcd"), None);
        assert_eq!(mask_phone("13800001234"), "138****1234");
        assert_eq!(AgainstKind::parse(" owner "), Some(AgainstKind::Owner));
        assert_eq!(AgainstKind::parse("nobody"), None);
    }
}
