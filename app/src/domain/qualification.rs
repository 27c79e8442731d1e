//! Automatic qualification check (资质自动核验): a firm's claimed qualification
//! against the authoritative register entry and the service item's requirement.
//! Every problem is a specific finding shown to the firm and the operator.
use serde::{Deserialize, Serialize};

/// What a firm states about one qualification.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claim {
    pub type_code: String,
    pub grade: String,
    pub certificate_no: String,
    /// The claiming firm's credit code.
    pub holder_credit_code: String,
}

/// One entry of the authoritative register (imported by the operator).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegisterEntry {
    pub type_code: String,
    pub certificate_no: String,
    pub holder_credit_code: String,
    pub holder_name: String,
    pub grade: String,
    /// `YYYY-MM-DD`.
    pub valid_from: String,
    pub valid_to: String,
    pub revoked: bool,
}

/// What a service item requires: the type's grades (highest first) and the minimum.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Requirement {
    pub type_code: String,
    pub grades: Vec<String>,
    pub min_grade: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Finding {
    /// No such certificate of this type in the register.
    UnknownCertificate,
    /// The register names another holder.
    HolderMismatch { register_holder: String },
    Revoked,
    NotYetValid { valid_from: String },
    Expired { valid_to: String },
    /// The claimed grade differs from the register's.
    GradeMismatch { register_grade: String },
    /// The registered grade is below what the item requires.
    GradeTooLow { required: String },
    /// The certificate is of another type than the item requires.
    WrongType { required: String },
}

impl Finding {
    pub fn message_key(&self) -> &'static str {
        match self {
            Finding::UnknownCertificate => "qualification.unknown_certificate",
            Finding::HolderMismatch { .. } => "qualification.holder_mismatch",
            Finding::Revoked => "qualification.revoked",
            Finding::NotYetValid { .. } => "qualification.not_yet_valid",
            Finding::Expired { .. } => "qualification.expired",
            Finding::GradeMismatch { .. } => "qualification.grade_mismatch",
            Finding::GradeTooLow { .. } => "qualification.grade_too_low",
            Finding::WrongType { .. } => "qualification.wrong_type",
        }
    }
}

/// Days before expiry when firms and operators are warned.
pub const EXPIRY_WARNING_DAYS: i64 = 30;

/// A held qualification's validity on a day.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Validity {
    Valid,
    /// Valid, but expires within the warning period (`days_left` ≥ 0; 0 = last day).
    ExpiringSoon { days_left: i64 },
    /// Past `valid_to`: the items needing it leave the firm's active scope.
    Expired,
}

/// Validity of a qualification valid through `valid_to` (inclusive) on `today`
/// (both `YYYY-MM-DD`); a malformed date counts as expired.
pub fn validity(valid_to: &str, today: &str, warning_days: i64) -> Validity {
    let (Some(to), Some(now)) = (crate::domain::time::parse_date(valid_to), crate::domain::time::parse_date(today)) else {
        return Validity::Expired;
    };
    let days_left = to - now;
    if days_left < 0 {
        Validity::Expired
    } else if days_left < warning_days {
        Validity::ExpiringSoon { days_left }
    } else {
        Validity::Valid
    }
}

/// Whether a scope item is active: it needs no qualification, or the firm holds one
/// of the required type that has not expired (`held`: type code and valid-to date).
pub fn scope_item_active(required_type: Option<&str>, held: &[(&str, &str)], today: &str) -> bool {
    match required_type {
        None => true,
        Some(t) => held.iter().any(|(ty, to)| *ty == t && validity(to, today, 0) != Validity::Expired),
    }
}

/// Position of a grade in a highest-first list (`None` when unknown).
fn rank(grades: &[String], grade: &str) -> Option<usize> {
    grades.iter().position(|g| g == grade)
}

/// Checks a claim on `today` (`YYYY-MM-DD`). An empty result means it passes.
pub fn check(claim: &Claim, entry: Option<&RegisterEntry>, requirement: Option<&Requirement>, today: &str) -> Vec<Finding> {
    let mut findings = Vec::new();
    if let Some(req) = requirement {
        if req.type_code != claim.type_code {
            findings.push(Finding::WrongType { required: req.type_code.clone() });
        }
    }
    let Some(entry) = entry.filter(|e| e.type_code == claim.type_code && e.certificate_no.trim() == claim.certificate_no.trim()) else {
        findings.push(Finding::UnknownCertificate);
        return findings;
    };
    if !entry.holder_credit_code.eq_ignore_ascii_case(claim.holder_credit_code.trim()) {
        findings.push(Finding::HolderMismatch { register_holder: entry.holder_name.clone() });
    }
    if entry.revoked {
        findings.push(Finding::Revoked);
    }
    if today < entry.valid_from.as_str() {
        findings.push(Finding::NotYetValid { valid_from: entry.valid_from.clone() });
    }
    if today > entry.valid_to.as_str() {
        findings.push(Finding::Expired { valid_to: entry.valid_to.clone() });
    }
    if entry.grade != claim.grade {
        findings.push(Finding::GradeMismatch { register_grade: entry.grade.clone() });
    }
    if let Some(req) = requirement.filter(|r| r.type_code == claim.type_code) {
        if let Some(min) = &req.min_grade {
            // the register's grade counts, not the claimed one
            match (rank(&req.grades, &entry.grade), rank(&req.grades, min)) {
                (Some(have), Some(need)) if have <= need => {}
                _ => findings.push(Finding::GradeTooLow { required: min.clone() }),
            }
        }
    }
    findings
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry() -> RegisterEntry {
        RegisterEntry {
            type_code: "CH".into(),
            certificate_no: "CH2024000123".into(),
            holder_credit_code: "91510100MA61234567".into(),
            holder_name: "四川某测绘有限公司".into(),
            grade: "乙级".into(),
            valid_from: "2024-01-01".into(),
            valid_to: "2028-12-31".into(),
            revoked: false,
        }
    }
    fn claim() -> Claim {
        Claim { type_code: "CH".into(), grade: "乙级".into(), certificate_no: "CH2024000123".into(), holder_credit_code: "91510100MA61234567".into() }
    }
    fn req(min: &str) -> Requirement {
        Requirement { type_code: "CH".into(), grades: vec!["甲级".into(), "乙级".into()], min_grade: Some(min.into()) }
    }

    #[test]
    fn validity_warns_then_expires() {
        assert_eq!(validity("2026-12-31", "2026-11-26", 30), Validity::Valid);
        assert_eq!(validity("2026-12-25", "2026-11-26", 30), Validity::ExpiringSoon { days_left: 29 });
        assert_eq!(validity("2026-11-26", "2026-11-26", 30), Validity::ExpiringSoon { days_left: 0 });
        assert_eq!(validity("2026-11-25", "2026-11-26", 30), Validity::Expired);
        assert_eq!(validity("garbage", "2026-11-26", 30), Validity::Expired);
    }

    #[test]
    fn expired_qualifications_take_items_out_of_scope() {
        let held = [("CHZZ", "2026-11-30"), ("AQPJ", "2025-01-01")];
        assert!(scope_item_active(None, &held, "2026-11-26"));
        assert!(scope_item_active(Some("CHZZ"), &held, "2026-11-30"));
        assert!(!scope_item_active(Some("CHZZ"), &held, "2026-12-01"));
        assert!(!scope_item_active(Some("AQPJ"), &held, "2026-11-26"));
        assert!(!scope_item_active(Some("FLJC"), &held, "2026-11-26"));
    }

    #[test]
    fn a_matching_claim_passes() {
        assert_eq!(check(&claim(), Some(&entry()), Some(&req("乙级")), "2026-11-26"), vec![]);
        assert_eq!(check(&claim(), Some(&entry()), None, "2028-12-31"), vec![], "valid through its last day");
    }

    #[test]
    fn each_problem_is_a_specific_finding() {
        assert_eq!(check(&claim(), None, None, "2026-11-26"), vec![Finding::UnknownCertificate]);
        let mut other_cert = claim();
        other_cert.certificate_no = "CH2024000999".into();
        assert_eq!(check(&other_cert, Some(&entry()), None, "2026-11-26"), vec![Finding::UnknownCertificate]);

        let mut other_holder = claim();
        other_holder.holder_credit_code = "91510100MA6XXXXXXX".into();
        assert_eq!(
            check(&other_holder, Some(&entry()), None, "2026-11-26"),
            vec![Finding::HolderMismatch { register_holder: "四川某测绘有限公司".into() }]
        );
        assert_eq!(check(&claim(), Some(&entry()), None, "2029-01-01"), vec![Finding::Expired { valid_to: "2028-12-31".into() }]);
        assert_eq!(check(&claim(), Some(&entry()), None, "2023-12-31"), vec![Finding::NotYetValid { valid_from: "2024-01-01".into() }]);
        let revoked = RegisterEntry { revoked: true, ..entry() };
        assert_eq!(check(&claim(), Some(&revoked), None, "2026-11-26"), vec![Finding::Revoked]);

        // claiming a higher grade than registered: mismatch, and too low for a 甲级 item
        let mut boast = claim();
        boast.grade = "甲级".into();
        assert_eq!(
            check(&boast, Some(&entry()), Some(&req("甲级")), "2026-11-26"),
            vec![Finding::GradeMismatch { register_grade: "乙级".into() }, Finding::GradeTooLow { required: "甲级".into() }]
        );
        let wrong_type = Requirement { type_code: "AQPJ".into(), grades: vec![], min_grade: None };
        assert_eq!(
            check(&claim(), Some(&entry()), Some(&wrong_type), "2026-11-26"),
            vec![Finding::WrongType { required: "AQPJ".into() }]
        );
    }
}
