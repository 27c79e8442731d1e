//! Stage time limits and supervision lights (时限监察, 监察灯; #8). Pure rules:
//! the stages of a case, who answers for each, the default limits in working
//! days, the deadline of a stage from the calendar in force when it started,
//! and the light of an open stage at a given instant.
//!
//! A stage's deadline is `started_at` moved forward by its limit in working
//! days (same Shanghai time of day, [`WorkCalendar::add_working_days`]). Its
//! light is [`Light::Red`] from the deadline on, [`Light::Yellow`] while at most
//! `warn_working_days` working days are left before it (the deadline's own
//! date counts; on the deadline's date itself 0 are left), and [`Light::Green`]
//! before that.
use crate::domain::calendar::WorkCalendar;
use serde::{Deserialize, Serialize};

/// Who answers for a stage (责任主体).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Party {
    /// 项目业主
    Owner,
    /// 中介服务机构
    Firm,
    /// 部门 (the approving or regulating department)
    Department,
    /// 平台运营方
    Operator,
}

impl Party {
    pub const ALL: [Party; 4] = [Party::Owner, Party::Firm, Party::Department, Party::Operator];

    pub fn as_str(self) -> &'static str {
        match self {
            Party::Owner => "owner",
            Party::Firm => "firm",
            Party::Department => "department",
            Party::Operator => "operator",
        }
    }

    pub fn parse(s: &str) -> Option<Party> {
        Party::ALL.into_iter().find(|p| p.as_str() == s)
    }

    /// `timelimits.party_owner`, …
    pub fn label_key(self) -> String {
        format!("timelimits.party_{}", self.as_str())
    }
}

/// A case stage with a time limit. The string names are stored in the
/// database (`stage_limits.stage`, `stage_clocks.stage`): never rename them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Stage {
    /// 公告发布: from the owner's draft to its publication.
    Publication,
    /// 截止后选取: from the registration deadline to the selection result.
    Selection,
    /// 结果公示: the award's publicity until it is final.
    Publicity,
    /// 合同签订: from the generated contract to both signatures.
    Signing,
    /// 服务时限: from signing to delivery; the deadline is the contract's own
    /// service end date (`contracts.due_at`, moved by accepted extensions).
    Service,
    /// 验收: from delivery to acceptance.
    Acceptance,
    /// 验收后付款: from acceptance to the last payment.
    Payment,
    /// 投诉受理
    ComplaintAcceptance,
    /// 投诉处理 (decision)
    ComplaintDecision,
    /// 审批 接件 (approval case received, awaiting acceptance)
    ApprovalReceived,
    /// 审批 受理 (accepted, awaiting review)
    ApprovalAccepted,
    /// 审批 审核
    ApprovalReviewing,
}

impl Stage {
    pub const ALL: [Stage; 12] = [
        Stage::Publication,
        Stage::Selection,
        Stage::Publicity,
        Stage::Signing,
        Stage::Service,
        Stage::Acceptance,
        Stage::Payment,
        Stage::ComplaintAcceptance,
        Stage::ComplaintDecision,
        Stage::ApprovalReceived,
        Stage::ApprovalAccepted,
        Stage::ApprovalReviewing,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Stage::Publication => "publication",
            Stage::Selection => "selection",
            Stage::Publicity => "publicity",
            Stage::Signing => "signing",
            Stage::Service => "service",
            Stage::Acceptance => "acceptance",
            Stage::Payment => "payment",
            Stage::ComplaintAcceptance => "complaint_acceptance",
            Stage::ComplaintDecision => "complaint_decision",
            Stage::ApprovalReceived => "approval_received",
            Stage::ApprovalAccepted => "approval_accepted",
            Stage::ApprovalReviewing => "approval_reviewing",
        }
    }

    pub fn parse(s: &str) -> Option<Stage> {
        Stage::ALL.into_iter().find(|st| st.as_str() == s)
    }

    /// `timelimits.stage_publication`, …
    pub fn label_key(self) -> String {
        format!("timelimits.stage_{}", self.as_str())
    }

    /// Who answers for the stage.
    pub fn responsible(self) -> Party {
        match self {
            Stage::Publication | Stage::Selection | Stage::Signing | Stage::Acceptance | Stage::Payment => Party::Owner,
            Stage::Service => Party::Firm,
            Stage::Publicity => Party::Operator,
            Stage::ComplaintAcceptance
            | Stage::ComplaintDecision
            | Stage::ApprovalReceived
            | Stage::ApprovalAccepted
            | Stage::ApprovalReviewing => Party::Department,
        }
    }

    /// The default limit in working days (used until the operator sets one).
    pub fn default_working_days(self) -> u32 {
        match self {
            Stage::Publication => 5,
            Stage::Selection => 3,
            Stage::Publicity => 5,
            Stage::Signing => 5,
            // only when a contract has no service end date
            Stage::Service => 30,
            Stage::Acceptance => 10,
            Stage::Payment => 15,
            Stage::ComplaintAcceptance => 5,
            Stage::ComplaintDecision => 30,
            Stage::ApprovalReceived => 2,
            Stage::ApprovalAccepted => 5,
            Stage::ApprovalReviewing => 20,
        }
    }

    /// Whether the operator's limit sets the deadline. The service stage's
    /// deadline is the contract's agreed service end date instead.
    pub fn limit_editable(self) -> bool {
        self != Stage::Service
    }
}

/// The default warning: yellow when this many working days or fewer are left.
pub const DEFAULT_WARN_WORKING_DAYS: u32 = 1;

/// Bounds of the limits an operator may set.
pub const WORKING_DAYS_RANGE: (u32, u32) = (1, 365);
pub const WARN_RANGE: (u32, u32) = (0, 30);

/// 监察灯
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Light {
    Green,
    Yellow,
    Red,
}

impl Light {
    pub const ALL: [Light; 3] = [Light::Green, Light::Yellow, Light::Red];

    pub fn as_str(self) -> &'static str {
        match self {
            Light::Green => "green",
            Light::Yellow => "yellow",
            Light::Red => "red",
        }
    }

    pub fn parse(s: &str) -> Option<Light> {
        Light::ALL.into_iter().find(|l| l.as_str() == s)
    }

    /// `timelimits.light_green`, …
    pub fn label_key(self) -> String {
        format!("timelimits.light_{}", self.as_str())
    }
}

/// The deadline of a stage that started at `start_ms` with a limit of
/// `working_days`, under the calendar in force when it started.
pub fn due_at(start_ms: i64, working_days: u32, cal: &WorkCalendar) -> i64 {
    cal.add_working_days(start_ms, working_days)
}

/// Working days left before `due_ms` at `now_ms` (0 on the deadline's date or later).
pub fn working_days_left(now_ms: i64, due_ms: i64, cal: &WorkCalendar) -> u32 {
    cal.working_days_between(now_ms, due_ms)
}

/// The light of an open stage at `now_ms`.
pub fn light(now_ms: i64, due_ms: i64, warn_working_days: u32, cal: &WorkCalendar) -> Light {
    if now_ms >= due_ms {
        Light::Red
    } else if working_days_left(now_ms, due_ms, cal) <= warn_working_days {
        Light::Yellow
    } else {
        Light::Green
    }
}

/// How many working days a stage is overdue at `now_ms`: the working days after
/// the deadline's date up to today (0 on the deadline's own date and before it).
pub fn overdue_working_days(now_ms: i64, due_ms: i64, cal: &WorkCalendar) -> u32 {
    if now_ms <= due_ms {
        0
    } else {
        cal.working_days_between(due_ms, now_ms)
    }
}

/// Checks a limit the operator enters: the field and the message key of the
/// first problem.
pub fn check_limit(working_days: i64, warn_working_days: i64) -> Result<(u32, u32), (&'static str, &'static str)> {
    let wd = u32::try_from(working_days)
        .ok()
        .filter(|d| (WORKING_DAYS_RANGE.0..=WORKING_DAYS_RANGE.1).contains(d))
        .ok_or(("working_days", "timelimits.error_working_days"))?;
    let warn = u32::try_from(warn_working_days)
        .ok()
        .filter(|d| (WARN_RANGE.0..=WARN_RANGE.1).contains(d))
        .ok_or(("warn_working_days", "timelimits.error_warn"))?;
    if warn >= wd {
        return Err(("warn_working_days", "timelimits.error_warn_not_below"));
    }
    Ok((wd, warn))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::time::{parse_date, DAY_MS, SHANGHAI_OFFSET_MS};

    /// `date` at `hour`:00 Asia/Shanghai.
    fn at(date: &str, hour: i64) -> i64 {
        parse_date(date).unwrap() * DAY_MS - SHANGHAI_OFFSET_MS + hour * 3_600_000
    }

    #[test]
    fn names_round_trip_and_every_stage_has_a_party_and_a_limit() {
        for s in Stage::ALL {
            assert_eq!(Stage::parse(s.as_str()), Some(s));
            assert!(s.default_working_days() >= 1);
            assert!(s.label_key().starts_with("timelimits.stage_"));
        }
        for p in Party::ALL {
            assert_eq!(Party::parse(p.as_str()), Some(p));
        }
        for l in Light::ALL {
            assert_eq!(Light::parse(l.as_str()), Some(l));
        }
        assert_eq!(Stage::parse("nope"), None);
        assert_eq!(Stage::Signing.responsible(), Party::Owner);
        assert_eq!(Stage::Service.responsible(), Party::Firm);
        assert_eq!(Stage::ApprovalReviewing.responsible(), Party::Department);
        assert!(!Stage::Service.limit_editable() && Stage::Signing.limit_editable());
    }

    #[test]
    fn deadlines_skip_weekends_and_lights_go_green_yellow_red() {
        let cal = WorkCalendar::weekends_only();
        // Monday 2026-11-23 10:00 + 3 working days = Thursday 10:00
        let start = at("2026-11-23", 10);
        let due = due_at(start, 3, &cal);
        assert_eq!(due, at("2026-11-26", 10));
        // Friday + 3 = Wednesday
        assert_eq!(due_at(at("2026-11-27", 10), 3, &cal), at("2026-12-02", 10));
        assert_eq!(light(start, due, 1, &cal), Light::Green);
        assert_eq!(light(at("2026-11-24", 18), due, 1, &cal), Light::Green, "two working days left");
        assert_eq!(light(at("2026-11-25", 9), due, 1, &cal), Light::Yellow, "one working day left");
        assert_eq!(light(at("2026-11-26", 9), due, 1, &cal), Light::Yellow, "the deadline's day");
        assert_eq!(light(due, due, 1, &cal), Light::Red);
        assert_eq!(light(at("2026-11-24", 18), due, 2, &cal), Light::Yellow, "the warning is configurable");
        assert_eq!(light(at("2026-11-25", 9), due, 0, &cal), Light::Green, "warning off");
    }

    #[test]
    fn a_holiday_moves_the_deadline_and_is_not_counted_overdue() {
        let mut cal = WorkCalendar::weekends_only();
        cal.holidays.insert("2026-11-25".into());
        // Monday + 3 working days skips Wednesday's holiday: Friday
        let due = due_at(at("2026-11-23", 10), 3, &cal);
        assert_eq!(due, at("2026-11-27", 10));
        // Tuesday evening: Thursday and Friday left (Wednesday rests) → green with warn 1
        assert_eq!(light(at("2026-11-24", 18), due, 1, &cal), Light::Green);
        assert_eq!(light(at("2026-11-25", 12), due, 1, &cal), Light::Green, "on the holiday Thursday and Friday are left");
        assert_eq!(light(at("2026-11-26", 12), due, 1, &cal), Light::Yellow, "Thursday: one working day left");
        // overdue: the next Monday is one working day after Friday, Tuesday two
        assert_eq!(overdue_working_days(at("2026-11-27", 11), due, &cal), 0);
        assert_eq!(overdue_working_days(at("2026-11-28", 11), due, &cal), 0, "Saturday");
        assert_eq!(overdue_working_days(at("2026-11-30", 11), due, &cal), 1);
        assert_eq!(overdue_working_days(at("2026-12-01", 11), due, &cal), 2);
        // a make-up working day (调休) on Saturday counts
        cal.workdays.insert("2026-11-28".into());
        assert_eq!(overdue_working_days(at("2026-11-28", 11), due, &cal), 1);
        assert_eq!(due_at(at("2026-11-26", 10), 2, &cal), at("2026-11-28", 10));
    }

    #[test]
    fn limits_are_checked_by_field() {
        assert_eq!(check_limit(5, 1), Ok((5, 1)));
        assert_eq!(check_limit(0, 0), Err(("working_days", "timelimits.error_working_days")));
        assert_eq!(check_limit(366, 1), Err(("working_days", "timelimits.error_working_days")));
        assert_eq!(check_limit(5, -1), Err(("warn_working_days", "timelimits.error_warn")));
        assert_eq!(check_limit(5, 5), Err(("warn_working_days", "timelimits.error_warn_not_below")));
        assert_eq!(check_limit(1, 0), Ok((1, 0)));
    }
}
