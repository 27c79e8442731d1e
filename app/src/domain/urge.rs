//! Urging (催办) and what is pending in a contract's service: which items wait
//! on which party, when one is overdue, when the system urges automatically
//! (a time limit approaching, a time limit passed) and how often a party may
//! urge by hand. Pure: the server decides with it and the page shows the same.
use crate::domain::calendar::{shanghai_day, WorkCalendar};
use crate::domain::contract::{ContractStatus, Party};
use crate::domain::time::{DAY_MS, SHANGHAI_OFFSET_MS};
use serde::{Deserialize, Serialize};

/// What an urge is about. Stored in `urges.subject` as `as_code()`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Subject {
    /// 签订合同 (while drafted).
    Sign,
    /// 节点 `n` (1-based): the firm reports it done, the owner confirms it.
    Milestone(u32),
    /// 成果提交: the firm delivers the results (by the service end date).
    Delivery,
    /// 成果验收 of delivery round `n` (each round has its own time limit).
    Acceptance(u32),
    /// 付款 of installment `n` (the owner pays; for an offline payment the firm confirms receipt).
    Payment(u32),
    /// 回复消息: the other party has not answered the last message.
    Reply,
    /// 其他事项.
    Other,
}

impl Subject {
    /// `sign`, `milestone:2`, `delivery`, `acceptance` (round 1) / `acceptance:2`,
    /// `payment:1`, `reply`, `other`.
    pub fn as_code(self) -> String {
        match self {
            Subject::Sign => "sign".into(),
            Subject::Milestone(n) => format!("milestone:{n}"),
            Subject::Delivery => "delivery".into(),
            Subject::Acceptance(r) if r <= 1 => "acceptance".into(),
            Subject::Acceptance(r) => format!("acceptance:{r}"),
            Subject::Payment(n) => format!("payment:{n}"),
            Subject::Reply => "reply".into(),
            Subject::Other => "other".into(),
        }
    }

    pub fn parse_code(s: &str) -> Option<Self> {
        let number = |n: &str| n.parse::<u32>().ok().filter(|n| *n > 0 && *n <= 10_000);
        match s {
            "sign" => Some(Subject::Sign),
            "delivery" => Some(Subject::Delivery),
            "acceptance" => Some(Subject::Acceptance(1)),
            "reply" => Some(Subject::Reply),
            "other" => Some(Subject::Other),
            _ => {
                let (kind, n) = s.split_once(':')?;
                let n = number(n)?;
                match kind {
                    "milestone" => Some(Subject::Milestone(n)),
                    "acceptance" if n >= 2 => Some(Subject::Acceptance(n)),
                    "payment" => Some(Subject::Payment(n)),
                    _ => None,
                }
            }
        }
    }

    /// The i18n key of the label and the number to put in its `{n}`.
    pub fn label(self) -> (&'static str, Option<u32>) {
        match self {
            Subject::Sign => ("contract_work.subject_sign", None),
            Subject::Milestone(n) => ("contract_work.subject_milestone", Some(n)),
            Subject::Delivery => ("contract_work.subject_delivery", None),
            Subject::Acceptance(r) if r <= 1 => ("contract_work.subject_acceptance", None),
            Subject::Acceptance(r) => ("contract_work.subject_acceptance_round", Some(r)),
            Subject::Payment(n) => ("contract_work.subject_payment", Some(n)),
            Subject::Reply => ("contract_work.subject_reply", None),
            Subject::Other => ("contract_work.subject_other", None),
        }
    }
}

/// An automatic urge: as a time limit approaches, and once it passed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum AutoKind {
    Approaching,
    Overdue,
}

impl AutoKind {
    pub fn as_str(self) -> &'static str {
        match self {
            AutoKind::Approaching => "approaching",
            AutoKind::Overdue => "overdue",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "approaching" => Some(AutoKind::Approaching),
            "overdue" => Some(AutoKind::Overdue),
            _ => None,
        }
    }
}

/// Which automatic urge a time limit `due_at` calls for at `now`: `Overdue`
/// once it passed, `Approaching` when one working day or less remains (the
/// limit falls no later than the same time on the next working day), else none.
pub fn auto_kind(cal: &WorkCalendar, now: i64, due_at: i64) -> Option<AutoKind> {
    if now >= due_at {
        Some(AutoKind::Overdue)
    } else if due_at <= approaching_horizon(cal, now) {
        Some(AutoKind::Approaching)
    } else {
        None
    }
}

/// Time limits up to this instant are approaching at `now` (or passed).
pub fn approaching_horizon(cal: &WorkCalendar, now: i64) -> i64 {
    cal.add_working_days(now, 1)
}

/// A milestone's progress (`contract_milestones.status`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum MilestoneStatus {
    /// 进行中: the firm has not reported it done.
    Open,
    /// 待确认: reported done, the owner has not confirmed.
    Reported,
    /// 已完成.
    Done,
}

impl MilestoneStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            MilestoneStatus::Open => "open",
            MilestoneStatus::Reported => "reported",
            MilestoneStatus::Done => "done",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "open" => Some(MilestoneStatus::Open),
            "reported" => Some(MilestoneStatus::Reported),
            "done" => Some(MilestoneStatus::Done),
            _ => None,
        }
    }
    pub fn label_key(self) -> &'static str {
        match self {
            MilestoneStatus::Open => "contract_work.milestone_open",
            MilestoneStatus::Reported => "contract_work.milestone_reported",
            MilestoneStatus::Done => "contract_work.milestone_done",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MilestoneItem {
    pub seq: u32,
    pub status: MilestoneStatus,
    pub due_at: Option<i64>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InstallmentItem {
    pub seq: u32,
    /// `waiting`, `due` or `paid` (`contract_installments.status`).
    pub status: String,
    pub due_at: Option<i64>,
    /// An offline payment was recorded by the owner and waits for the firm to confirm receipt.
    pub awaiting_receipt: bool,
}

/// What decides which items are pending: a contract at one moment.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Snapshot {
    pub status: ContractStatus,
    /// The parties that signed the version in force (matters while drafted).
    pub signed: Vec<Party>,
    pub sign_due_at: Option<i64>,
    /// The service end date (`contracts.due_at`).
    pub service_due_at: Option<i64>,
    pub milestones: Vec<MilestoneItem>,
    /// The latest delivery round (0: nothing delivered yet).
    pub delivery_round: u32,
    pub accept_due_at: Option<i64>,
    pub installments: Vec<InstallmentItem>,
    /// Who wrote the thread's latest message.
    pub last_message_by: Option<Party>,
}

/// An item that waits on `target`, with its time limit if it has one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pending {
    pub subject: Subject,
    pub target: Party,
    pub due_at: Option<i64>,
}

impl Pending {
    pub fn overdue(&self, now: i64) -> bool {
        self.due_at.is_some_and(|d| now >= d)
    }
}

/// Whether urging applies at all: before signing and in service; a lapsed,
/// terminated or completed contract has nothing left to urge.
pub fn open_for_urging(status: ContractStatus) -> bool {
    status == ContractStatus::Drafted || status.in_service()
}

/// Every item pending in the contract, each for the party it waits on.
pub fn pending(s: &Snapshot) -> Vec<Pending> {
    let mut out = Vec::new();
    if !open_for_urging(s.status) {
        return out;
    }
    let mut push = |subject, target, due_at| out.push(Pending { subject, target, due_at });
    if s.status == ContractStatus::Drafted {
        for party in [Party::Owner, Party::Firm] {
            if !s.signed.contains(&party) {
                push(Subject::Sign, party, s.sign_due_at);
            }
        }
    } else {
        for m in &s.milestones {
            match m.status {
                MilestoneStatus::Open => push(Subject::Milestone(m.seq), Party::Firm, m.due_at),
                MilestoneStatus::Reported => push(Subject::Milestone(m.seq), Party::Owner, None),
                MilestoneStatus::Done => {}
            }
        }
        match s.status {
            ContractStatus::Signed => push(Subject::Delivery, Party::Firm, s.service_due_at),
            ContractStatus::Delivered => push(Subject::Acceptance(s.delivery_round.max(1)), Party::Owner, s.accept_due_at),
            _ => {}
        }
        for i in &s.installments {
            if i.awaiting_receipt {
                push(Subject::Payment(i.seq), Party::Firm, None);
            } else if i.status == "due" {
                push(Subject::Payment(i.seq), Party::Owner, i.due_at);
            }
        }
    }
    if let Some(by) = s.last_message_by {
        push(Subject::Reply, by.other(), None);
    }
    for party in [Party::Owner, Party::Firm] {
        push(Subject::Other, party, None);
    }
    out
}

/// The items `by` may urge the other party on.
pub fn urgeable_by(s: &Snapshot, by: Party) -> Vec<Pending> {
    pending(s).into_iter().filter(|p| p.target == by.other()).collect()
}

/// Why a manual urge is refused (each has a message for the user).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UrgeRefusal {
    /// The contract is closed (completed, lapsed, terminated).
    Closed,
    /// The subject is not pending for the other party (nothing to urge).
    NotPending,
    /// The reason is empty or too long.
    Reason,
    /// This party already urged on this subject this working day.
    TooSoon,
}

impl UrgeRefusal {
    pub fn field(self) -> &'static str {
        match self {
            UrgeRefusal::Closed => "code",
            UrgeRefusal::NotPending | UrgeRefusal::TooSoon => "subject",
            UrgeRefusal::Reason => "reason",
        }
    }
    pub fn message_key(self) -> &'static str {
        match self {
            UrgeRefusal::Closed => "contract_work.urge_closed",
            UrgeRefusal::NotPending => "contract_work.urge_not_pending",
            UrgeRefusal::Reason => "contract_work.urge_reason_invalid",
            UrgeRefusal::TooSoon => "contract_work.urge_too_soon",
        }
    }
}

pub const REASON_MIN_CHARS: usize = 2;
pub const REASON_MAX_CHARS: usize = 500;

/// The first instant `by` may urge again on a subject last urged at `last`:
/// the start (00:00 Beijing time) of the first working day after that day.
/// So a party urges at most once per working day per subject (an urge on a
/// Saturday waits for Monday, like one on Friday).
pub fn next_manual_urge_at(cal: &WorkCalendar, last: i64) -> i64 {
    let mut day = shanghai_day(last) + 1;
    while !cal.is_working_day_num(day) {
        day += 1;
    }
    day * DAY_MS - SHANGHAI_OFFSET_MS
}

/// Checks a manual urge by `by` on `subject` with `reason` at `now`;
/// `last` is this party's previous manual urge on the same subject.
/// Returns the item urged (its target is the other party).
pub fn check_manual(
    s: &Snapshot,
    by: Party,
    subject: Subject,
    reason: &str,
    last: Option<i64>,
    cal: &WorkCalendar,
    now: i64,
) -> Result<Pending, UrgeRefusal> {
    if !open_for_urging(s.status) {
        return Err(UrgeRefusal::Closed);
    }
    let item = urgeable_by(s, by).into_iter().find(|p| p.subject == subject).ok_or(UrgeRefusal::NotPending)?;
    let chars = reason.trim().chars().count();
    if !(REASON_MIN_CHARS..=REASON_MAX_CHARS).contains(&chars) || reason.chars().any(|c| c.is_control() && c != '\n' && c != '\r') {
        return Err(UrgeRefusal::Reason);
    }
    if last.is_some_and(|l| now < next_manual_urge_at(cal, l)) {
        return Err(UrgeRefusal::TooSoon);
    }
    Ok(item)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::time::shanghai_midnight_ms;
    use proptest::prelude::*;

    /// 2026-11-20 is a Friday.
    fn fri_10() -> i64 {
        shanghai_midnight_ms(2026, 11, 20) + 10 * 3_600_000
    }

    fn snapshot(status: ContractStatus) -> Snapshot {
        Snapshot {
            status,
            signed: vec![],
            sign_due_at: None,
            service_due_at: None,
            milestones: vec![],
            delivery_round: 0,
            accept_due_at: None,
            installments: vec![],
            last_message_by: None,
        }
    }

    fn subjects(s: &Snapshot, by: Party) -> Vec<String> {
        urgeable_by(s, by).into_iter().map(|p| p.subject.as_code()).collect()
    }

    #[test]
    fn codes_round_trip_and_unknown_ones_are_refused() {
        for s in [
            Subject::Sign,
            Subject::Milestone(3),
            Subject::Delivery,
            Subject::Acceptance(1),
            Subject::Acceptance(4),
            Subject::Payment(2),
            Subject::Reply,
            Subject::Other,
        ] {
            assert_eq!(Subject::parse_code(&s.as_code()), Some(s), "{s:?}");
        }
        assert_eq!(Subject::Acceptance(1).as_code(), "acceptance");
        for bad in ["", "milestone", "milestone:0", "milestone:x", "payment:-1", "acceptance:1", "acceptance:0", "sign:1", "SIGN", "other "] {
            assert_eq!(Subject::parse_code(bad), None, "{bad}");
        }
    }

    #[test]
    fn drafted_contracts_urge_the_party_that_has_not_signed() {
        let mut s = snapshot(ContractStatus::Drafted);
        s.sign_due_at = Some(fri_10());
        assert_eq!(subjects(&s, Party::Owner), ["sign", "other"]);
        assert_eq!(subjects(&s, Party::Firm), ["sign", "other"]);
        s.signed = vec![Party::Owner];
        assert_eq!(subjects(&s, Party::Owner), ["sign", "other"], "the owner signed: it urges the firm");
        assert_eq!(subjects(&s, Party::Firm), ["other"], "the firm cannot urge the owner to sign again");
    }

    #[test]
    fn in_service_each_item_waits_on_one_party() {
        let mut s = snapshot(ContractStatus::Signed);
        s.service_due_at = Some(fri_10());
        s.milestones = vec![
            MilestoneItem { seq: 1, status: MilestoneStatus::Done, due_at: Some(1) },
            MilestoneItem { seq: 2, status: MilestoneStatus::Reported, due_at: Some(2) },
            MilestoneItem { seq: 3, status: MilestoneStatus::Open, due_at: Some(3) },
        ];
        s.installments = vec![
            InstallmentItem { seq: 1, status: "paid".into(), due_at: Some(1), awaiting_receipt: false },
            InstallmentItem { seq: 2, status: "due".into(), due_at: Some(5), awaiting_receipt: false },
            InstallmentItem { seq: 3, status: "due".into(), due_at: Some(5), awaiting_receipt: true },
            InstallmentItem { seq: 4, status: "waiting".into(), due_at: None, awaiting_receipt: false },
        ];
        s.last_message_by = Some(Party::Firm);
        // the owner urges the firm: the open milestone, the delivery, confirming a receipt
        assert_eq!(subjects(&s, Party::Owner), ["milestone:3", "delivery", "payment:3", "other"]);
        // the firm urges the owner: confirming milestone 2, paying installment 2, answering its message
        assert_eq!(subjects(&s, Party::Firm), ["milestone:2", "payment:2", "reply", "other"]);
        // nothing delivered: the firm cannot urge acceptance
        let acceptance = check_manual(&s, Party::Firm, Subject::Acceptance(1), "请尽快验收", None, &WorkCalendar::weekends_only(), 0);
        assert_eq!(acceptance, Err(UrgeRefusal::NotPending));
        // delivered (round 2): acceptance waits on the owner, delivery no longer on the firm
        s.status = ContractStatus::Delivered;
        s.delivery_round = 2;
        s.accept_due_at = Some(9);
        assert_eq!(subjects(&s, Party::Firm), ["milestone:2", "acceptance:2", "payment:2", "reply", "other"]);
        assert!(!subjects(&s, Party::Owner).contains(&"delivery".to_string()));
        let p = urgeable_by(&s, Party::Firm).into_iter().find(|p| matches!(p.subject, Subject::Acceptance(_))).unwrap();
        assert!(!p.overdue(8) && p.overdue(9));
    }

    #[test]
    fn closed_contracts_have_nothing_to_urge() {
        for status in [ContractStatus::Completed, ContractStatus::Lapsed, ContractStatus::Terminated] {
            let mut s = snapshot(status);
            s.last_message_by = Some(Party::Owner);
            assert!(pending(&s).is_empty());
            assert_eq!(check_manual(&s, Party::Owner, Subject::Other, "请处理", None, &WorkCalendar::weekends_only(), 0), Err(UrgeRefusal::Closed));
        }
    }

    #[test]
    fn manual_urges_need_a_reason_and_wait_for_the_next_working_day() {
        let cal = WorkCalendar::weekends_only();
        let s = snapshot(ContractStatus::Signed);
        let ok = |reason: &str, last, now| check_manual(&s, Party::Owner, Subject::Delivery, reason, last, &cal, now);
        assert_eq!(ok("", None, fri_10()), Err(UrgeRefusal::Reason));
        assert_eq!(ok("  急 ", None, fri_10()), Err(UrgeRefusal::Reason));
        assert_eq!(ok(&"催".repeat(501), None, fri_10()), Err(UrgeRefusal::Reason));
        assert_eq!(ok("请尽快\u{7}提交", None, fri_10()), Err(UrgeRefusal::Reason));
        assert_eq!(ok("请尽快提交成果", None, fri_10()).map(|p| p.target), Ok(Party::Firm));
        // urged Friday 10:00: refused the rest of Friday and over the weekend, allowed from Monday 00:00
        let monday = shanghai_midnight_ms(2026, 11, 23);
        assert_eq!(next_manual_urge_at(&cal, fri_10()), monday);
        assert_eq!(ok("再次催办", Some(fri_10()), fri_10() + 13 * 3_600_000), Err(UrgeRefusal::TooSoon));
        assert_eq!(ok("再次催办", Some(fri_10()), monday - 1), Err(UrgeRefusal::TooSoon));
        assert!(ok("再次催办", Some(fri_10()), monday).is_ok());
        // urged Saturday: the next is Monday too
        assert_eq!(next_manual_urge_at(&cal, fri_10() + DAY_MS), monday);
        // urged Monday 23:59: Tuesday 00:00
        assert_eq!(next_manual_urge_at(&cal, monday + DAY_MS - 60_000), monday + DAY_MS);
    }

    #[test]
    fn automatic_urges_fire_within_one_working_day_and_once_passed() {
        let cal = WorkCalendar::weekends_only();
        let due = fri_10() + 3 * DAY_MS; // Monday 10:00
        assert_eq!(auto_kind(&cal, due - 4 * DAY_MS, due), None, "Thursday: two working days left");
        assert_eq!(auto_kind(&cal, fri_10() - 1, due), None);
        assert_eq!(auto_kind(&cal, fri_10(), due), Some(AutoKind::Approaching), "Friday 10:00: one working day left");
        assert_eq!(auto_kind(&cal, due - 1, due), Some(AutoKind::Approaching));
        assert_eq!(auto_kind(&cal, due, due), Some(AutoKind::Overdue));
        assert_eq!(auto_kind(&cal, due + 30 * DAY_MS, due), Some(AutoKind::Overdue));
    }

    proptest! {
        /// Approaching always comes before overdue, and never after the limit.
        #[test]
        fn approaching_precedes_overdue(now in 1_700_000_000_000i64..1_900_000_000_000, ahead in 0i64..20 * DAY_MS) {
            let cal = WorkCalendar::weekends_only();
            let due = now + ahead;
            match auto_kind(&cal, now, due) {
                Some(AutoKind::Overdue) => prop_assert!(now >= due),
                Some(AutoKind::Approaching) => prop_assert!(now < due && cal.working_days_between(now, due) <= 1),
                None => prop_assert!(cal.working_days_between(now, due) >= 1 && due > now),
            }
        }

        /// The next manual urge is always on a later working day, at midnight.
        #[test]
        fn next_urge_is_a_later_working_midnight(last in 1_700_000_000_000i64..1_900_000_000_000) {
            let cal = WorkCalendar::weekends_only();
            let next = next_manual_urge_at(&cal, last);
            prop_assert!(next > last);
            prop_assert!(shanghai_day(next) > shanghai_day(last));
            prop_assert!(cal.is_working_day_num(shanghai_day(next)));
            prop_assert_eq!((next + SHANGHAI_OFFSET_MS).rem_euclid(DAY_MS), 0);
            prop_assert!(next - last <= 4 * DAY_MS);
        }
    }
}
