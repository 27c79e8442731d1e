//! Who may take part in a procurement (报名 / 报价): computed from the firm's
//! standing on the day, never trusted from the firm.
use crate::domain::time::parse_date;
use serde::{Deserialize, Serialize};

/// Whether a firm needs any one of the listed qualifications or all of them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum MatchMode {
    Any,
    All,
}

impl MatchMode {
    pub fn as_str(self) -> &'static str {
        match self {
            MatchMode::Any => "any",
            MatchMode::All => "all",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "any" => Some(MatchMode::Any),
            "all" => Some(MatchMode::All),
            _ => None,
        }
    }
}

/// One required qualification: a type and optionally a minimum grade.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct QualificationRequirement {
    pub type_code: String,
    /// The type's grades, highest first (from `qualification_types.grades`).
    pub grades: Vec<String>,
    pub min_grade: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Requirements {
    pub mode: MatchMode,
    /// Empty: no qualification needed.
    pub qualifications: Vec<QualificationRequirement>,
}

/// A qualification the firm holds.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HeldQualification {
    pub type_code: String,
    pub grade: String,
    /// `YYYY-MM-DD`, inclusive.
    pub valid_from: String,
    pub valid_to: String,
}

/// What is known about a firm when it asks to take part.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FirmStanding {
    /// `firms.status`: only `active` may take part.
    pub status: String,
    /// The procurement's service item is in the firm's declared scope.
    pub item_in_scope: bool,
    pub qualifications: Vec<HeldQualification>,
    /// A valid blacklist entry (#6) or an expulsion.
    pub blacklisted: bool,
}

/// Why a firm may not take part; each has a message shown to the firm.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Ineligibility {
    NotActive { status: String },
    ItemNotInScope,
    Blacklisted,
    /// Mode `Any`: none of the listed qualifications is held valid at the required grade.
    NoQualifyingQualification,
    /// Mode `All` (or a single requirement): this type is not held valid.
    MissingQualification { type_code: String },
    /// Held and valid, but below the minimum grade.
    GradeTooLow { type_code: String, held: String, required: String },
}

impl Ineligibility {
    pub fn message_key(&self) -> &'static str {
        match self {
            Ineligibility::NotActive { .. } => "eligibility.not_active",
            Ineligibility::ItemNotInScope => "eligibility.item_not_in_scope",
            Ineligibility::Blacklisted => "eligibility.blacklisted",
            Ineligibility::NoQualifyingQualification => "eligibility.no_qualifying_qualification",
            Ineligibility::MissingQualification { .. } => "eligibility.missing_qualification",
            Ineligibility::GradeTooLow { .. } => "eligibility.grade_too_low",
        }
    }
}

/// Every reason the firm may not take part on `today` (`YYYY-MM-DD`); empty
/// means eligible. A qualification counts when `valid_from <= today <= valid_to`
/// and its grade is at or above the minimum (grades listed highest first; an
/// unknown grade never satisfies a minimum).
///
/// Details of the reading:
/// - reasons come in this order: status, scope, blacklist, then qualifications
///   in requirement order;
/// - dates are compared as dates; a qualification with a malformed date is not valid;
/// - without a minimum grade any valid holding of the type counts, whatever its grade;
/// - a minimum grade that is not in the type's list is satisfied only by a
///   holding of exactly that grade;
/// - `GradeTooLow` names the best grade the firm holds valid for the type;
///   a type held only with an expired or future validity is `MissingQualification`;
/// - mode `Any` with one requirement behaves like `All` (the specific reason is
///   reported); with several, one `NoQualifyingQualification` is reported when
///   none is met.
pub fn check(req: &Requirements, firm: &FirmStanding, today: &str) -> Vec<Ineligibility> {
    let mut reasons = Vec::new();
    if firm.status != "active" {
        reasons.push(Ineligibility::NotActive { status: firm.status.clone() });
    }
    if !firm.item_in_scope {
        reasons.push(Ineligibility::ItemNotInScope);
    }
    if firm.blacklisted {
        reasons.push(Ineligibility::Blacklisted);
    }
    if req.qualifications.is_empty() {
        return reasons;
    }
    let today = parse_date(today);
    let outcomes: Vec<Option<Ineligibility>> = req.qualifications.iter().map(|r| requirement(r, &firm.qualifications, today)).collect();
    let unmet = || outcomes.iter().flatten().cloned();
    match req.mode {
        MatchMode::All => reasons.extend(unmet()),
        MatchMode::Any if req.qualifications.len() == 1 => reasons.extend(unmet()),
        MatchMode::Any => {
            if outcomes.iter().all(Option::is_some) {
                reasons.push(Ineligibility::NoQualifyingQualification);
            }
        }
    }
    reasons
}

/// Whether `held` is valid on `today` (day number; `None`: never).
pub fn held_valid(held: &HeldQualification, today: Option<i64>) -> bool {
    match (today, parse_date(&held.valid_from), parse_date(&held.valid_to)) {
        (Some(t), Some(from), Some(to)) => from <= t && t <= to,
        _ => false,
    }
}

/// Position of `grade` in the type's list, highest first (`None`: unknown grade).
fn rank(grades: &[String], grade: &str) -> Option<usize> {
    grades.iter().position(|g| g == grade)
}

/// Whether a held grade meets the requirement's minimum.
pub fn grade_meets(req: &QualificationRequirement, held: &str) -> bool {
    let Some(min) = &req.min_grade else {
        return true;
    };
    match (rank(&req.grades, held), rank(&req.grades, min)) {
        (Some(h), Some(m)) => h <= m,
        // a minimum outside the list: only that very grade meets it
        (_, None) => held == min,
        (None, Some(_)) => false,
    }
}

/// `None` when the requirement is met, else why not.
fn requirement(req: &QualificationRequirement, held: &[HeldQualification], today: Option<i64>) -> Option<Ineligibility> {
    let valid: Vec<&HeldQualification> = held.iter().filter(|h| h.type_code == req.type_code && held_valid(h, today)).collect();
    if valid.is_empty() {
        return Some(Ineligibility::MissingQualification { type_code: req.type_code.clone() });
    }
    if valid.iter().any(|h| grade_meets(req, &h.grade)) {
        return None;
    }
    // the best grade held: the highest known one, else the first held
    let best = valid
        .iter()
        .filter_map(|h| rank(&req.grades, &h.grade).map(|r| (r, h)))
        .min_by_key(|(r, _)| *r)
        .map(|(_, h)| *h)
        .unwrap_or(valid[0]);
    Some(Ineligibility::GradeTooLow {
        type_code: req.type_code.clone(),
        held: best.grade.clone(),
        required: req.min_grade.clone().unwrap_or_default(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const TODAY: &str = "2026-06-15";

    fn grades() -> Vec<String> {
        ["甲级", "乙级", "丙级"].into_iter().map(String::from).collect()
    }

    fn need(type_code: &str, min: Option<&str>) -> QualificationRequirement {
        QualificationRequirement { type_code: type_code.into(), grades: grades(), min_grade: min.map(String::from) }
    }

    fn held(type_code: &str, grade: &str, from: &str, to: &str) -> HeldQualification {
        HeldQualification { type_code: type_code.into(), grade: grade.into(), valid_from: from.into(), valid_to: to.into() }
    }

    fn good_firm(qualifications: Vec<HeldQualification>) -> FirmStanding {
        FirmStanding { status: "active".into(), item_in_scope: true, qualifications, blacklisted: false }
    }

    fn req(mode: MatchMode, qualifications: Vec<QualificationRequirement>) -> Requirements {
        Requirements { mode, qualifications }
    }

    #[test]
    fn an_active_firm_in_scope_without_requirements_is_eligible() {
        assert_eq!(check(&req(MatchMode::All, vec![]), &good_firm(vec![]), TODAY), vec![]);
        assert_eq!(check(&req(MatchMode::Any, vec![]), &good_firm(vec![]), TODAY), vec![]);
    }

    #[test]
    fn status_scope_and_blacklist_each_have_a_reason() {
        let r = req(MatchMode::All, vec![]);
        let mut f = good_firm(vec![]);
        f.status = "suspended".into();
        assert_eq!(check(&r, &f, TODAY), vec![Ineligibility::NotActive { status: "suspended".into() }]);
        let mut f = good_firm(vec![]);
        f.item_in_scope = false;
        assert_eq!(check(&r, &f, TODAY), vec![Ineligibility::ItemNotInScope]);
        let mut f = good_firm(vec![]);
        f.blacklisted = true;
        assert_eq!(check(&r, &f, TODAY), vec![Ineligibility::Blacklisted]);
        assert_eq!(Ineligibility::Blacklisted.message_key(), "eligibility.blacklisted");
    }

    #[test]
    fn several_reasons_are_all_reported() {
        let r = req(MatchMode::All, vec![need("CHZZ", Some("乙级")), need("GCZX", None)]);
        let f = FirmStanding {
            status: "draft".into(),
            item_in_scope: false,
            qualifications: vec![held("CHZZ", "丙级", "2024-01-01", "2028-12-31")],
            blacklisted: true,
        };
        assert_eq!(
            check(&r, &f, TODAY),
            vec![
                Ineligibility::NotActive { status: "draft".into() },
                Ineligibility::ItemNotInScope,
                Ineligibility::Blacklisted,
                Ineligibility::GradeTooLow { type_code: "CHZZ".into(), held: "丙级".into(), required: "乙级".into() },
                Ineligibility::MissingQualification { type_code: "GCZX".into() },
            ]
        );
    }

    #[test]
    fn grades_are_ordered_highest_first() {
        let r = req(MatchMode::All, vec![need("CHZZ", Some("乙级"))]);
        let with = |g: &str| good_firm(vec![held("CHZZ", g, "2024-01-01", "2028-12-31")]);
        assert_eq!(check(&r, &with("甲级"), TODAY), vec![], "higher than required");
        assert_eq!(check(&r, &with("乙级"), TODAY), vec![], "exactly the minimum");
        assert_eq!(
            check(&r, &with("丙级"), TODAY),
            vec![Ineligibility::GradeTooLow { type_code: "CHZZ".into(), held: "丙级".into(), required: "乙级".into() }]
        );
        assert_eq!(
            check(&r, &with("特级"), TODAY),
            vec![Ineligibility::GradeTooLow { type_code: "CHZZ".into(), held: "特级".into(), required: "乙级".into() }],
            "an unknown grade never satisfies a minimum"
        );
        // without a minimum any grade counts, even an unknown one
        let r = req(MatchMode::All, vec![need("CHZZ", None)]);
        assert_eq!(check(&r, &with("特级"), TODAY), vec![]);
        assert_eq!(check(&r, &with("丙级"), TODAY), vec![]);
    }

    #[test]
    fn the_best_valid_holding_counts() {
        let r = req(MatchMode::All, vec![need("CHZZ", Some("甲级"))]);
        let f = good_firm(vec![
            held("CHZZ", "丙级", "2024-01-01", "2028-12-31"),
            held("CHZZ", "乙级", "2024-01-01", "2028-12-31"),
            // a 甲级 certificate that expired does not count
            held("CHZZ", "甲级", "2020-01-01", "2026-06-14"),
        ]);
        assert_eq!(
            check(&r, &f, TODAY),
            vec![Ineligibility::GradeTooLow { type_code: "CHZZ".into(), held: "乙级".into(), required: "甲级".into() }]
        );
    }

    #[test]
    fn validity_dates_are_inclusive() {
        let r = req(MatchMode::All, vec![need("CHZZ", None)]);
        let with = |from: &str, to: &str| good_firm(vec![held("CHZZ", "甲级", from, to)]);
        let missing = vec![Ineligibility::MissingQualification { type_code: "CHZZ".into() }];
        assert_eq!(check(&r, &with("2024-01-01", "2026-06-15"), TODAY), vec![], "valid_to today is still valid");
        assert_eq!(check(&r, &with("2026-06-15", "2028-12-31"), TODAY), vec![], "valid_from today is valid");
        assert_eq!(check(&r, &with("2026-06-16", "2028-12-31"), TODAY), missing, "valid_from tomorrow is not");
        assert_eq!(check(&r, &with("2024-01-01", "2026-06-14"), TODAY), missing, "expired yesterday");
        assert_eq!(check(&r, &with("2024-1-1", "2028-12-31"), TODAY), missing, "malformed date");
        assert_eq!(check(&r, &with("2024-01-01", "2028-12-31"), "not a date"), missing, "malformed today");
        // another type does not count
        let f = good_firm(vec![held("GCZX", "甲级", "2024-01-01", "2028-12-31")]);
        assert_eq!(check(&r, &f, TODAY), missing);
    }

    #[test]
    fn any_needs_one_and_all_needs_every_one() {
        let reqs = vec![need("CHZZ", Some("乙级")), need("GCZX", None)];
        let only_gczx = good_firm(vec![held("GCZX", "丙级", "2024-01-01", "2028-12-31")]);
        assert_eq!(check(&req(MatchMode::Any, reqs.clone()), &only_gczx, TODAY), vec![]);
        assert_eq!(
            check(&req(MatchMode::All, reqs.clone()), &only_gczx, TODAY),
            vec![Ineligibility::MissingQualification { type_code: "CHZZ".into() }]
        );
        let low_chzz = good_firm(vec![held("CHZZ", "丙级", "2024-01-01", "2028-12-31")]);
        assert_eq!(
            check(&req(MatchMode::Any, reqs.clone()), &low_chzz, TODAY),
            vec![Ineligibility::NoQualifyingQualification]
        );
        assert_eq!(check(&req(MatchMode::Any, reqs.clone()), &good_firm(vec![]), TODAY), vec![Ineligibility::NoQualifyingQualification]);
        let both = good_firm(vec![
            held("CHZZ", "甲级", "2024-01-01", "2028-12-31"),
            held("GCZX", "丙级", "2024-01-01", "2028-12-31"),
        ]);
        assert_eq!(check(&req(MatchMode::All, reqs.clone()), &both, TODAY), vec![]);
        assert_eq!(check(&req(MatchMode::Any, reqs), &both, TODAY), vec![]);
        // Any with a single requirement names it, like All
        assert_eq!(
            check(&req(MatchMode::Any, vec![need("CHZZ", Some("乙级"))]), &low_chzz, TODAY),
            vec![Ineligibility::GradeTooLow { type_code: "CHZZ".into(), held: "丙级".into(), required: "乙级".into() }]
        );
    }

    #[test]
    fn a_minimum_outside_the_grade_list_needs_that_grade() {
        let r = req(MatchMode::All, vec![need("CHZZ", Some("专项"))]);
        let with = |g: &str| good_firm(vec![held("CHZZ", g, "2024-01-01", "2028-12-31")]);
        assert_eq!(check(&r, &with("专项"), TODAY), vec![]);
        assert_eq!(check(&r, &with("甲级"), TODAY).len(), 1);
    }

    #[test]
    fn match_mode_round_trips() {
        for m in [MatchMode::Any, MatchMode::All] {
            assert_eq!(MatchMode::parse(m.as_str()), Some(m));
        }
        assert_eq!(MatchMode::parse("some"), None);
    }
}
