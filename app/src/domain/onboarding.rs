//! Firm onboarding (入驻) rules: field checks for every step of the registration,
//! what a complete application needs, the public commitment letter, the review
//! time limit. Pure; the same checks run in the browser and on the server.
use super::privacy::id_number_check;
use super::time::parse_date;
use serde::{Deserialize, Serialize};

/// The operator reviews a submitted application within this many days (calendar
/// days until the working-day calendar arrives with #4).
pub const REVIEW_DAYS: i64 = 5;
pub const DAY_MS: i64 = 86_400_000;

/// Version of the commitment letter below; stored with each acceptance.
pub const COMMITMENT_VERSION: &str = "2026-01";

/// 中介服务机构入驻承诺书 (the public commitment letter). Its exact text is stored
/// with every acceptance.
pub const COMMITMENT_TEXT: &str = "中介服务机构入驻承诺书\n\
一、本机构提交的营业执照、资质证书、从业人员及其他入驻材料真实、准确、完整,如有变更将及时更新。\n\
二、本机构严格按照公布的服务范围、收费标准和承诺时限提供服务,不超范围执业,不擅自提高收费标准。\n\
三、本机构公平参与网上中介超市的选取活动,不串通报价、不以不正当手段谋取中选,不转包、违法分包中介服务。\n\
四、本机构中选后按时签订合同、按约履行,不无故拒签合同或放弃中选资格。\n\
五、本机构自觉接受项目业主评价、行业主管部门监管和社会监督,对违法违规和失信行为依法依规承担责任,同意相关信用信息在全省公开和共享(一地失信,全省受限)。";

/// Roles of firm staff on the profile.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum StaffRole {
    /// 法定代表人
    LegalRep,
    /// 高级管理人员
    Manager,
    /// 主要技术人员
    Technical,
}

impl StaffRole {
    pub const ALL: [StaffRole; 3] = [StaffRole::LegalRep, StaffRole::Manager, StaffRole::Technical];
    pub fn as_str(self) -> &'static str {
        match self {
            StaffRole::LegalRep => "legal_rep",
            StaffRole::Manager => "manager",
            StaffRole::Technical => "technical",
        }
    }
    pub fn parse(s: &str) -> Option<StaffRole> {
        Self::ALL.into_iter().find(|r| r.as_str() == s)
    }
    pub fn label_key(self) -> &'static str {
        match self {
            StaffRole::LegalRep => "onboarding.staff_legal_rep",
            StaffRole::Manager => "onboarding.staff_manager",
            StaffRole::Technical => "onboarding.staff_technical",
        }
    }
}

/// A rejected field: which input, and the i18n key of the message.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldProblem {
    pub field: &'static str,
    pub key: &'static str,
}

fn problem(field: &'static str, key: &'static str) -> FieldProblem {
    FieldProblem { field, key }
}

fn chars_between(s: &str, min: usize, max: usize) -> bool {
    (min..=max).contains(&s.trim().chars().count())
}

/// A mainland mobile number (11 digits, 1[3-9]…) or a landline with area code
/// (0xx-xxxxxxx / 0xxx-xxxxxxxx, the hyphen optional).
pub fn valid_phone(s: &str) -> bool {
    let s = s.trim();
    let digits: String = s.chars().filter(|c| *c != '-').collect();
    if !digits.bytes().all(|b| b.is_ascii_digit()) || s.matches('-').count() > 1 {
        return false;
    }
    let mobile = digits.len() == 11 && digits.starts_with('1') && matches!(digits.as_bytes()[1], b'3'..=b'9') && !s.contains('-');
    let landline = digits.starts_with('0') && (10..=12).contains(&digits.len());
    mobile || landline
}

/// An 18-character resident identity number with a correct check character (GB 11643).
pub fn valid_id_number(s: &str) -> bool {
    let s = s.trim().to_ascii_uppercase();
    s.len() == 18 && id_number_check(&s[..17]).is_some_and(|c| s.ends_with(c))
}

/// Step 1, basic information.
pub fn check_basic(name: &str, address: &str, contact_name: &str, contact_phone: &str) -> Vec<FieldProblem> {
    let mut out = Vec::new();
    if !chars_between(name, 2, 100) {
        out.push(problem("name", "onboarding.name_length"));
    }
    if !chars_between(address, 5, 200) {
        out.push(problem("address", "onboarding.address_length"));
    }
    if !chars_between(contact_name, 2, 30) {
        out.push(problem("contact_name", "onboarding.person_name_length"));
    }
    if !valid_phone(contact_phone) {
        out.push(problem("contact_phone", "onboarding.phone_invalid"));
    }
    out
}

/// Step 2, one staff member.
pub fn check_staff(name: &str, title: &str, id_number: &str, phone: &str, certificate: &str) -> Vec<FieldProblem> {
    let mut out = Vec::new();
    if !chars_between(name, 2, 30) {
        out.push(problem("name", "onboarding.person_name_length"));
    }
    if !chars_between(title, 1, 30) {
        out.push(problem("title", "onboarding.title_length"));
    }
    if !valid_id_number(id_number) {
        out.push(problem("id_number", "onboarding.id_number_invalid"));
    }
    if !valid_phone(phone) {
        out.push(problem("phone", "onboarding.phone_invalid"));
    }
    if certificate.trim().chars().count() > 50 {
        out.push(problem("certificate", "onboarding.certificate_length"));
    }
    out
}

pub const MAX_PROMISED_DAYS: i64 = 365;

/// Step 3, one service item of the scope.
pub fn check_scope_item(fee_standard: &str, promised_days: &str, item_time_limit_days: i64) -> Result<i64, Vec<FieldProblem>> {
    let mut out = Vec::new();
    if !chars_between(fee_standard, 2, 200) {
        out.push(problem("fee_standard", "onboarding.fee_standard_length"));
    }
    let days = promised_days.trim().parse::<i64>().ok().filter(|d| (1..=MAX_PROMISED_DAYS).contains(d));
    match days {
        None => out.push(problem("promised_days", "onboarding.promised_days_invalid")),
        // a firm may promise faster than the catalogue's limit, never slower
        Some(d) if d > item_time_limit_days => out.push(problem("promised_days", "onboarding.promised_days_over_limit")),
        Some(_) => {}
    }
    match (days, out.is_empty()) {
        (Some(d), true) => Ok(d),
        _ => Err(out),
    }
}

/// Step 4, one qualification (the register check comes on top).
pub fn check_qualification(
    grade: &str,
    type_grades: &[String],
    certificate_no: &str,
    issuer: &str,
    valid_from: &str,
    valid_to: &str,
) -> Vec<FieldProblem> {
    let mut out = Vec::new();
    if !type_grades.iter().any(|g| g == grade.trim()) {
        out.push(problem("grade", "onboarding.grade_invalid"));
    }
    let no = certificate_no.trim();
    if !chars_between(no, 3, 50) || no.chars().any(char::is_whitespace) {
        out.push(problem("certificate_no", "onboarding.certificate_no_invalid"));
    }
    if !chars_between(issuer, 2, 100) {
        out.push(problem("issuer", "onboarding.issuer_length"));
    }
    let from = parse_date(valid_from.trim());
    let to = parse_date(valid_to.trim());
    if from.is_none() {
        out.push(problem("valid_from", "onboarding.date_invalid"));
    }
    if to.is_none() {
        out.push(problem("valid_to", "onboarding.date_invalid"));
    }
    if let (Some(f), Some(t)) = (from, to) {
        if f > t {
            out.push(problem("valid_to", "onboarding.date_order"));
        }
    }
    out
}

/// What a complete application has; each gap names the step that fills it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Gap {
    Basic,
    LegalRep,
    TechnicalStaff,
    Scope,
    /// A scope item needs a qualification of this type (code) that the application lacks.
    QualificationFor { item_code: String, type_code: String },
    /// A qualification has register-check findings.
    Findings { certificate_no: String },
    Commitment,
}

impl Gap {
    pub fn message_key(&self) -> &'static str {
        match self {
            Gap::Basic => "onboarding.gap_basic",
            Gap::LegalRep => "onboarding.gap_legal_rep",
            Gap::TechnicalStaff => "onboarding.gap_technical",
            Gap::Scope => "onboarding.gap_scope",
            Gap::QualificationFor { .. } => "onboarding.gap_qualification_for",
            Gap::Findings { .. } => "onboarding.gap_findings",
            Gap::Commitment => "onboarding.gap_commitment",
        }
    }
    /// The wizard step (1–5) that closes the gap.
    pub fn step(&self) -> u8 {
        match self {
            Gap::Basic => 1,
            Gap::LegalRep | Gap::TechnicalStaff => 2,
            Gap::Scope => 3,
            Gap::QualificationFor { .. } | Gap::Findings { .. } => 4,
            Gap::Commitment => 5,
        }
    }
}

/// The facts completeness depends on.
pub struct Completeness<'a> {
    pub basic_ok: bool,
    pub legal_reps: usize,
    pub technical_staff: usize,
    /// Scope items: code and the qualification type each requires.
    pub items: Vec<(&'a str, Option<&'a str>)>,
    /// Qualifications: type code, certificate number, and whether the register check found problems.
    pub qualifications: Vec<(&'a str, &'a str, bool)>,
    pub commitment_accepted: bool,
}

/// Everything still missing before the application may be submitted (empty: ready).
pub fn gaps(c: &Completeness) -> Vec<Gap> {
    let mut out = Vec::new();
    if !c.basic_ok {
        out.push(Gap::Basic);
    }
    if c.legal_reps != 1 {
        out.push(Gap::LegalRep);
    }
    if c.technical_staff == 0 {
        out.push(Gap::TechnicalStaff);
    }
    if c.items.is_empty() {
        out.push(Gap::Scope);
    }
    for (item, needs) in &c.items {
        if let Some(t) = needs {
            if !c.qualifications.iter().any(|(ty, _, _)| ty == t) {
                out.push(Gap::QualificationFor { item_code: item.to_string(), type_code: t.to_string() });
            }
        }
    }
    for (_, no, has_findings) in &c.qualifications {
        if *has_findings {
            out.push(Gap::Findings { certificate_no: no.to_string() });
        }
    }
    if !c.commitment_accepted {
        out.push(Gap::Commitment);
    }
    out
}

/// When a submission must be reviewed by.
pub fn review_due(submitted_at_ms: i64) -> i64 {
    submitted_at_ms + REVIEW_DAYS * DAY_MS
}

/// Return reasons: 5–500 characters, so the firm learns what to fix.
pub fn check_reason(reason: &str) -> Result<(), FieldProblem> {
    if chars_between(reason, 5, 500) {
        Ok(())
    } else {
        Err(problem("reason", "onboarding.reason_length"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phones() {
        for ok in ["13812345678", "028-85551234", "02885551234", "0816-2223333", " 19912345678 "] {
            assert!(valid_phone(ok), "{ok}");
        }
        for bad in ["", "12812345678", "1381234567", "138-1234-5678", "abc", "028--8555123", "28-85551234"] {
            assert!(!valid_phone(bad), "{bad}");
        }
    }

    #[test]
    fn id_numbers() {
        assert!(valid_id_number("11010519491231002X"));
        assert!(valid_id_number("11010519491231002x"));
        assert!(!valid_id_number("110105194912310021"));
        assert!(!valid_id_number("1101051949123100"));
    }

    #[test]
    fn field_checks_name_the_field() {
        let p = check_basic("某", "成都", "张", "123");
        let fields: Vec<_> = p.iter().map(|p| p.field).collect();
        assert_eq!(fields, ["name", "address", "contact_name", "contact_phone"]);
        assert!(check_basic("成都示例咨询有限公司", "成都市锦江区红星路一段 1 号", "张三", "13812345678").is_empty());
        assert_eq!(check_staff("李四", "总工程师", "11010519491231002X", "13812345678", "").len(), 0);
        assert_eq!(check_staff("李四", "", "110105194912310021", "1", &"证".repeat(51)).len(), 4);
        assert_eq!(check_scope_item("按国家指导价下浮 10%", "20", 30), Ok(20));
        assert_eq!(check_scope_item("x", "0", 30).unwrap_err().len(), 2);
        assert_eq!(check_scope_item("按实计取", "31", 30), Err(vec![problem("promised_days", "onboarding.promised_days_over_limit")]));
        let grades = vec!["甲级".to_string(), "乙级".to_string()];
        assert!(check_qualification("甲级", &grades, "A151000001", "四川省住房和城乡建设厅", "2024-01-01", "2029-01-01").is_empty());
        let p = check_qualification("丙级", &grades, "A 1", "", "2024-13-01", "2023-01-01");
        let fields: Vec<_> = p.iter().map(|p| p.field).collect();
        assert_eq!(fields, ["grade", "certificate_no", "issuer", "valid_from"]);
        assert_eq!(check_qualification("甲级", &grades, "A151", "住建厅", "2025-01-01", "2024-01-01")[0].key, "onboarding.date_order");
    }

    #[test]
    fn gaps_list_what_is_missing_in_step_order() {
        let mut c = Completeness {
            basic_ok: false,
            legal_reps: 0,
            technical_staff: 0,
            items: vec![("ZJFW-010", Some("GCKC")), ("ZJFW-020", None)],
            qualifications: vec![("GCSJ", "B1", true)],
            commitment_accepted: false,
        };
        let g = gaps(&c);
        let steps: Vec<u8> = g.iter().map(Gap::step).collect();
        assert_eq!(steps, [1, 2, 2, 4, 4, 5]);
        assert!(g.contains(&Gap::QualificationFor { item_code: "ZJFW-010".into(), type_code: "GCKC".into() }));
        c.basic_ok = true;
        c.legal_reps = 1;
        c.technical_staff = 2;
        c.qualifications = vec![("GCKC", "A1", false)];
        c.commitment_accepted = true;
        assert_eq!(gaps(&c), vec![]);
        c.legal_reps = 2;
        assert_eq!(gaps(&c), vec![Gap::LegalRep], "exactly one legal representative");
        c.legal_reps = 1;
        c.items.clear();
        assert_eq!(gaps(&c), vec![Gap::Scope]);
    }

    #[test]
    fn review_deadline_and_reasons() {
        assert_eq!(review_due(0), 5 * DAY_MS);
        assert!(check_reason("资质证书扫描件不清晰,请重新上传").is_ok());
        assert!(check_reason("不行").is_err());
        assert!(COMMITMENT_TEXT.contains("一地失信,全省受限"));
    }
}
