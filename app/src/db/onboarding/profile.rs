//! A firm's profile as an application sees it: the live profile as a draft, the
//! form choices, and the automatic checks of a draft.
use super::super::register::{DbRegister, QualificationRegister};
use super::super::Pool;
use crate::domain::onboarding::{self as rules, Completeness, Gap, StaffRole};
use crate::domain::qualification::{self, Claim, Finding, Requirement};
use crate::model::onboarding::*;

/// The live profile as a draft: where a change application starts.
pub async fn snapshot_from_live(pool: &Pool, firm_id: i64) -> Result<FirmDraft, sqlx::Error> {
    let (name, credit_code, address, region_code, region_name, contact_name, contact_phone): (String, String, String, String, String, String, String) =
        sqlx::query_as(
            "SELECT f.name, f.credit_code, f.address, f.region_code, r.name, f.contact_name, f.contact_phone \
             FROM firms f JOIN regions r ON r.code = f.region_code WHERE f.id = $1",
        )
        .bind(firm_id)
        .fetch_one(pool)
        .await?;
    let staff: Vec<(String, String, String, Option<String>, String, String)> =
        sqlx::query_as("SELECT role, name, title, certificate, id_number, phone FROM firm_staff WHERE firm_id = $1 ORDER BY id")
            .bind(firm_id)
            .fetch_all(pool)
            .await?;
    let items: Vec<(String, String, String, Option<String>, String, i64)> = sqlx::query_as(
        "SELECT s.code, s.name, s.industry_code, s.qualification_type_code, fi.fee_standard, fi.promised_days \
         FROM firm_items fi JOIN service_items s ON s.id = fi.item_id WHERE fi.firm_id = $1 ORDER BY s.code",
    )
    .bind(firm_id)
    .fetch_all(pool)
    .await?;
    let quals: Vec<(String, String, String, String, String, String, String, Option<i64>)> = sqlx::query_as(
        "SELECT q.type_code, t.name, q.grade, q.certificate_no, q.issuer, q.valid_from, q.valid_to, q.file_id \
         FROM firm_qualifications q JOIN qualification_types t ON t.code = q.type_code WHERE q.firm_id = $1 ORDER BY q.id",
    )
    .bind(firm_id)
    .fetch_all(pool)
    .await?;
    Ok(FirmDraft {
        name,
        credit_code,
        address,
        region_code,
        region_name,
        contact_name,
        contact_phone,
        staff: staff
            .into_iter()
            .filter_map(|(role, name, title, certificate, id_number, phone)| {
                Some(StaffEntry { role: StaffRole::parse(&role)?, name, title, id_number, phone, certificate })
            })
            .collect(),
        items: items
            .into_iter()
            .map(|(item_code, item_name, industry_code, qualification_type, fee_standard, promised_days)| ScopeEntry {
                item_code,
                item_name,
                industry_code,
                qualification_type,
                fee_standard,
                promised_days,
            })
            .collect(),
        qualifications: quals
            .into_iter()
            .map(|(type_code, type_name, grade, certificate_no, issuer, valid_from, valid_to, file_id)| QualificationEntry {
                type_code,
                type_name,
                grade,
                certificate_no,
                issuer,
                valid_from,
                valid_to,
                file_id,
                file_name: None,
            })
            .collect(),
        commitment: None,
    })
}

/// Choices for the forms: regions, items in force, qualification types.
pub async fn options(pool: &Pool, today: &str) -> Result<OnboardingOptions, sqlx::Error> {
    let regions = super::super::reference::lists(pool).await?.regions;
    let items: Vec<(String, String, String, Option<String>, Option<String>, i64)> = sqlx::query_as(&format!(
        "SELECT s.code, s.name, i.name, s.qualification_type_code, s.min_grade, s.time_limit_days \
         FROM service_items s JOIN industries i ON i.code = s.industry_code WHERE {} ORDER BY s.code",
        super::super::catalogue::in_force_sql("s", "$1")
    ))
    .bind(today)
    .fetch_all(pool)
    .await?;
    let types: Vec<(String, String, String, String)> =
        sqlx::query_as("SELECT code, name, grades, issuer FROM qualification_types ORDER BY code").fetch_all(pool).await?;
    Ok(OnboardingOptions {
        regions,
        items: items
            .into_iter()
            .map(|(code, name, industry_name, qualification_type, min_grade, time_limit_days)| ItemOption {
                code,
                name,
                industry_name,
                qualification_type,
                min_grade,
                time_limit_days,
            })
            .collect(),
        qualification_types: types
            .into_iter()
            .map(|(code, name, grades, issuer)| QualificationTypeOption { code, name, grades: grades.split('|').map(String::from).collect(), issuer })
            .collect(),
    })
}

/// A region's display name, if the code exists.
pub async fn region_name(pool: &Pool, code: &str) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar("SELECT name FROM regions WHERE code = $1").bind(code).fetch_optional(pool).await
}

/// A service item in force on `today` as a scope entry (without fee and days) and its time limit.
pub async fn scope_item(pool: &Pool, code: &str, today: &str) -> Result<Option<(ScopeEntry, i64)>, sqlx::Error> {
    let row: Option<(String, String, String, Option<String>, i64)> = sqlx::query_as(&format!(
        "SELECT s.code, s.name, s.industry_code, s.qualification_type_code, s.time_limit_days FROM service_items s \
         WHERE s.code = $1 AND {}",
        super::super::catalogue::in_force_sql("s", "$2")
    ))
    .bind(code.trim())
    .bind(today)
    .fetch_optional(pool)
    .await?;
    Ok(row.map(|(item_code, item_name, industry_code, qualification_type, limit)| {
        (ScopeEntry { item_code, item_name, industry_code, qualification_type, fee_standard: String::new(), promised_days: 0 }, limit)
    }))
}

pub async fn qualification_type(pool: &Pool, code: &str) -> Result<Option<QualificationTypeOption>, sqlx::Error> {
    let row: Option<(String, String, String, String)> =
        sqlx::query_as("SELECT code, name, grades, issuer FROM qualification_types WHERE code = $1").bind(code.trim()).fetch_optional(pool).await?;
    Ok(row.map(|(code, name, grades, issuer)| QualificationTypeOption { code, name, grades: grades.split('|').map(String::from).collect(), issuer }))
}

/// The automatic checks of a draft on `today`: register findings per
/// qualification and what is still missing.
pub async fn check(pool: &Pool, d: &FirmDraft, today: &str) -> Result<(Vec<Vec<Finding>>, Vec<Gap>), sqlx::Error> {
    let register = DbRegister(pool);
    let mut findings = Vec::with_capacity(d.qualifications.len());
    for q in &d.qualifications {
        // the strictest minimum grade among the scope items needing this type
        let needing: Vec<&ScopeEntry> = d.items.iter().filter(|i| i.qualification_type.as_deref() == Some(&q.type_code)).collect();
        let requirement = if needing.is_empty() {
            None
        } else {
            let t = qualification_type(pool, &q.type_code).await?;
            let grades = t.map(|t| t.grades).unwrap_or_default();
            let mut min: Option<String> = None;
            for i in &needing {
                let m: Option<String> =
                    sqlx::query_scalar("SELECT min_grade FROM service_items WHERE code = $1").bind(&i.item_code).fetch_optional(pool).await?.flatten();
                if let Some(m) = m {
                    let stricter = match &min {
                        None => true,
                        Some(cur) => grades.iter().position(|g| *g == m) < grades.iter().position(|g| g == cur),
                    };
                    if stricter {
                        min = Some(m);
                    }
                }
            }
            Some(Requirement { type_code: q.type_code.clone(), grades, min_grade: min })
        };
        let entry = register.lookup(&q.type_code, &q.certificate_no).await?;
        let claim = Claim {
            type_code: q.type_code.clone(),
            grade: q.grade.clone(),
            certificate_no: q.certificate_no.clone(),
            holder_credit_code: d.credit_code.clone(),
        };
        findings.push(qualification::check(&claim, entry.as_ref(), requirement.as_ref(), today));
    }
    let c = Completeness {
        basic_ok: d.basic_ok(),
        legal_reps: d.staff.iter().filter(|s| s.role == StaffRole::LegalRep).count(),
        technical_staff: d.staff.iter().filter(|s| s.role == StaffRole::Technical).count(),
        items: d.items.iter().map(|i| (i.item_code.as_str(), i.qualification_type.as_deref())).collect(),
        qualifications: d
            .qualifications
            .iter()
            .zip(&findings)
            .map(|(q, f)| (q.type_code.as_str(), q.certificate_no.as_str(), !f.is_empty()))
            .collect(),
        commitment_accepted: d.commitment.as_ref().is_some_and(|c| c.version == rules::COMMITMENT_VERSION),
    };
    Ok((findings, rules::gaps(&c)))
}
