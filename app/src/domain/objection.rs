//! Objections (质疑) during result publicity (公示), ProZorro-style states:
//! `Draft → Claim → Answered → Resolved | Escalated`, and `Escalated → Resolved`
//! by the regulator.
//! - A participating firm may file (Draft → Claim) only while publicity runs.
//! - The owner answers within `ANSWER_WORKING_DAYS` working days (Claim → Answered).
//! - The firm accepts the answer (Answered → Resolved) or escalates it to the
//!   regulator (Answered → Escalated); an unanswered claim past its due time
//!   may be escalated by the firm (Claim → Escalated).
//! - The regulator decides an escalated objection: upheld or dismissed (→ Resolved).
//! - The award becomes final when publicity has ended and no objection is
//!   standing (Claim, Answered or Escalated). An upheld objection cancels the
//!   award (the caller moves to the next in the ranking).
use serde::{Deserialize, Serialize};

pub const ANSWER_WORKING_DAYS: u32 = 3;
/// Working days the firm has to accept or escalate an answer; silence accepts.
pub const REPLY_WORKING_DAYS: u32 = 2;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ObjectionStatus {
    Draft,
    Claim,
    Answered,
    Resolved,
    Escalated,
}

impl ObjectionStatus {
    pub const ALL: [ObjectionStatus; 5] =
        [ObjectionStatus::Draft, ObjectionStatus::Claim, ObjectionStatus::Answered, ObjectionStatus::Resolved, ObjectionStatus::Escalated];
    pub fn as_str(self) -> &'static str {
        match self {
            ObjectionStatus::Draft => "draft",
            ObjectionStatus::Claim => "claim",
            ObjectionStatus::Answered => "answered",
            ObjectionStatus::Resolved => "resolved",
            ObjectionStatus::Escalated => "escalated",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|x| x.as_str() == s)
    }
    pub fn label_key(self) -> &'static str {
        match self {
            ObjectionStatus::Draft => "objection.status_draft",
            ObjectionStatus::Claim => "objection.status_claim",
            ObjectionStatus::Answered => "objection.status_answered",
            ObjectionStatus::Resolved => "objection.status_resolved",
            ObjectionStatus::Escalated => "objection.status_escalated",
        }
    }
    /// Still blocks the award from becoming final.
    pub fn is_standing(self) -> bool {
        matches!(self, ObjectionStatus::Claim | ObjectionStatus::Answered | ObjectionStatus::Escalated)
    }
}

/// Something a party does to an objection.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ObjectionAction {
    /// Firm files its draft.
    File,
    /// Owner answers.
    Answer,
    /// Firm accepts the answer.
    Accept,
    /// Firm escalates to the regulator.
    Escalate,
    /// Regulator decides (upheld or not).
    Decide,
}

/// Why an action is refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ObjectionRefusal {
    /// Not allowed from the current state.
    WrongState,
    /// Filing outside the publicity period.
    PublicityOver,
    /// Escalating an unanswered claim before its answer is due.
    AnswerNotYetDue,
}

impl ObjectionRefusal {
    pub fn message_key(self) -> &'static str {
        match self {
            ObjectionRefusal::WrongState => "objection.wrong_state",
            ObjectionRefusal::PublicityOver => "objection.publicity_over",
            ObjectionRefusal::AnswerNotYetDue => "objection.answer_not_yet_due",
        }
    }
}

/// Facts the transition depends on (epoch ms).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ObjectionClock {
    pub now: i64,
    pub publicity_ends_at: i64,
    /// When the owner's answer is due (set on filing); `None` before filing.
    pub answer_due_at: Option<i64>,
}

/// The state after `action`, or why it is refused.
///
/// Times: publicity runs while `now < publicity_ends_at` (filing at the end
/// instant is too late); an answer is overdue from `answer_due_at` on
/// (`now >= answer_due_at`), so a claim can be escalated at that instant. A
/// claim without a due time cannot be escalated before it is answered. The
/// state is checked first: any action not listed in the module documentation
/// is `WrongState`, whatever the time. The owner may still answer a claim
/// after the due time as long as the firm has not escalated it.
pub fn transition(from: ObjectionStatus, action: ObjectionAction, clock: ObjectionClock) -> Result<ObjectionStatus, ObjectionRefusal> {
    use ObjectionAction as A;
    use ObjectionStatus as S;
    match (from, action) {
        (S::Draft, A::File) if clock.now < clock.publicity_ends_at => Ok(S::Claim),
        (S::Draft, A::File) => Err(ObjectionRefusal::PublicityOver),
        (S::Claim, A::Answer) => Ok(S::Answered),
        (S::Claim, A::Escalate) => match clock.answer_due_at {
            Some(due) if clock.now >= due => Ok(S::Escalated),
            _ => Err(ObjectionRefusal::AnswerNotYetDue),
        },
        (S::Answered, A::Accept) => Ok(S::Resolved),
        (S::Answered, A::Escalate) => Ok(S::Escalated),
        (S::Escalated, A::Decide) => Ok(S::Resolved),
        _ => Err(ObjectionRefusal::WrongState),
    }
}

/// Whether the award is final at `now`: publicity has ended
/// (`now >= publicity_ends_at`, the instant filing stops) and no objection is
/// standing. Drafts never filed and resolved objections do not block it.
pub fn award_final(now: i64, publicity_ends_at: i64, objections: &[ObjectionStatus]) -> bool {
    now >= publicity_ends_at && !objections.iter().any(|o| o.is_standing())
}

#[cfg(test)]
mod tests {
    use super::*;
    use ObjectionAction as A;
    use ObjectionStatus as S;

    const ENDS: i64 = 1_000_000;
    const DUE: i64 = 600_000;

    fn at(now: i64) -> ObjectionClock {
        ObjectionClock { now, publicity_ends_at: ENDS, answer_due_at: Some(DUE) }
    }

    const ACTIONS: [ObjectionAction; 5] = [A::File, A::Answer, A::Accept, A::Escalate, A::Decide];

    #[test]
    fn every_allowed_transition() {
        let before = ObjectionClock { now: 10, publicity_ends_at: ENDS, answer_due_at: None };
        assert_eq!(transition(S::Draft, A::File, before), Ok(S::Claim));
        assert_eq!(transition(S::Claim, A::Answer, at(DUE - 1)), Ok(S::Answered));
        assert_eq!(transition(S::Claim, A::Answer, at(DUE + 1)), Ok(S::Answered), "a late answer is still an answer");
        assert_eq!(transition(S::Claim, A::Escalate, at(DUE)), Ok(S::Escalated));
        assert_eq!(transition(S::Claim, A::Escalate, at(DUE + 1)), Ok(S::Escalated));
        assert_eq!(transition(S::Answered, A::Accept, at(DUE)), Ok(S::Resolved));
        assert_eq!(transition(S::Answered, A::Escalate, at(DUE - 1)), Ok(S::Escalated), "an answer can be escalated at once");
        assert_eq!(transition(S::Escalated, A::Decide, at(ENDS + 5)), Ok(S::Resolved));
        // after publicity the objection runs its course
        assert_eq!(transition(S::Claim, A::Answer, at(ENDS + 1)), Ok(S::Answered));
        assert_eq!(transition(S::Answered, A::Escalate, at(ENDS + 1)), Ok(S::Escalated));
    }

    #[test]
    fn filing_only_while_publicity_runs() {
        assert_eq!(transition(S::Draft, A::File, at(ENDS - 1)), Ok(S::Claim));
        assert_eq!(transition(S::Draft, A::File, at(ENDS)), Err(ObjectionRefusal::PublicityOver));
        assert_eq!(transition(S::Draft, A::File, at(ENDS + 1)), Err(ObjectionRefusal::PublicityOver));
        assert_eq!(ObjectionRefusal::PublicityOver.message_key(), "objection.publicity_over");
    }

    #[test]
    fn an_unanswered_claim_escalates_only_once_the_answer_is_due() {
        assert_eq!(transition(S::Claim, A::Escalate, at(DUE - 1)), Err(ObjectionRefusal::AnswerNotYetDue));
        assert_eq!(transition(S::Claim, A::Escalate, at(DUE)), Ok(S::Escalated));
        let no_due = ObjectionClock { now: ENDS * 10, publicity_ends_at: ENDS, answer_due_at: None };
        assert_eq!(transition(S::Claim, A::Escalate, no_due), Err(ObjectionRefusal::AnswerNotYetDue));
    }

    #[test]
    fn every_other_action_is_refused_for_its_state() {
        let allowed = [
            (S::Draft, A::File),
            (S::Claim, A::Answer),
            (S::Claim, A::Escalate),
            (S::Answered, A::Accept),
            (S::Answered, A::Escalate),
            (S::Escalated, A::Decide),
        ];
        let mut refused = 0;
        for from in S::ALL {
            for action in ACTIONS {
                if allowed.contains(&(from, action)) {
                    continue;
                }
                // whatever the time: state comes first
                for now in [0, DUE, ENDS, ENDS + 1] {
                    assert_eq!(transition(from, action, at(now)), Err(ObjectionRefusal::WrongState), "{from:?} {action:?} at {now}");
                }
                refused += 1;
            }
        }
        assert_eq!(refused, 5 * 5 - allowed.len());
        // the examples named in the rules
        assert_eq!(transition(S::Claim, A::Accept, at(0)), Err(ObjectionRefusal::WrongState));
        assert_eq!(transition(S::Resolved, A::Escalate, at(0)), Err(ObjectionRefusal::WrongState));
        assert_eq!(transition(S::Claim, A::File, at(0)), Err(ObjectionRefusal::WrongState), "filing twice");
        assert_eq!(transition(S::Answered, A::Decide, at(0)), Err(ObjectionRefusal::WrongState), "regulator only decides escalations");
        assert_eq!(transition(S::Claim, A::File, at(ENDS + 1)), Err(ObjectionRefusal::WrongState), "state before time");
    }

    #[test]
    fn standing_states_are_claim_answered_and_escalated() {
        let standing: Vec<_> = S::ALL.into_iter().filter(|s| s.is_standing()).collect();
        assert_eq!(standing, vec![S::Claim, S::Answered, S::Escalated]);
        for s in S::ALL {
            assert_eq!(ObjectionStatus::parse(s.as_str()), Some(s));
        }
        assert_eq!(ObjectionStatus::parse("open"), None);
    }

    #[test]
    fn the_award_is_final_after_publicity_without_a_standing_objection() {
        assert!(!award_final(ENDS - 1, ENDS, &[]), "publicity still runs");
        assert!(award_final(ENDS, ENDS, &[]), "ends at the instant filing stops");
        assert!(award_final(ENDS + 1, ENDS, &[S::Resolved, S::Draft]), "resolved and unfiled drafts do not block");
        for standing in [S::Claim, S::Answered, S::Escalated] {
            assert!(!award_final(ENDS + 1, ENDS, &[S::Resolved, standing]), "{standing:?} blocks");
            assert!(!award_final(ENDS - 1, ENDS, &[standing]));
        }
        assert!(!award_final(ENDS - 1, ENDS, &[S::Resolved]), "before the end even with everything resolved");
    }
}
