//! Catalogue maintenance (服务事项清单维护) as pages see it: the editor form, the
//! regulators' and operators' item list, and an item's version history.
use super::Named;
use crate::domain::catalogue::{self as rules, ItemSnapshot, ItemState};
use crate::error::AppError;
use serde::{Deserialize, Serialize};

/// What the item editor sends (every value as typed; `validate` checks it).
/// Form fields are named `item[code]`, `item[name]` …
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ItemForm {
    /// The code of the item being adjusted; empty when creating one.
    pub original_code: Option<String>,
    /// The version the editor showed (adjustments only): a newer one means someone else saved first.
    pub version: Option<String>,
    pub code: String,
    pub name: String,
    pub industry_code: String,
    pub department_code: String,
    pub region_code: String,
    pub approval_item: String,
    pub legal_basis: String,
    pub qualification_type_code: Option<String>,
    pub min_grade: Option<String>,
    pub time_limit_days: String,
    pub fee_basis: String,
    pub effective_from: String,
    pub effective_to: Option<String>,
    /// Why the item is created or changed (变更理由), kept in the history.
    pub reason: String,
}

/// A checked editor submission.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ValidItem {
    pub item: ItemSnapshot,
    pub reason: String,
    /// `Some((code, version))` when adjusting an existing item.
    pub adjusting: Option<(String, i64)>,
}

fn text(s: &str) -> String {
    s.trim().to_string()
}

fn bad(field: &str, key: &str) -> AppError {
    AppError::invalid(field, &format!("catalogue_admin.{key}"))
}

impl ItemForm {
    /// Checks every field in form order; the first problem is reported next to its field.
    /// (Whether codes exist in the reference tables is checked by the server.)
    pub fn validate(&self) -> Result<ValidItem, AppError> {
        let original = super::clean_param(&self.original_code).map(|c| c.to_ascii_uppercase());
        let adjusting = match &original {
            None => None,
            Some(code) => {
                let version = super::clean_param(&self.version).and_then(|v| v.parse::<i64>().ok()).filter(|v| *v > 0);
                Some((code.clone(), version.ok_or_else(|| bad("form", "stale"))?))
            }
        };
        // an adjustment keeps the item's code (the editor shows it read-only)
        let code = original.clone().unwrap_or_else(|| text(&self.code).to_ascii_uppercase());
        if code.is_empty() {
            return Err(bad("code", "code_required"));
        }
        if !rules::valid_item_code(&code) {
            return Err(bad("code", "code_format"));
        }
        let name = text(&self.name);
        if !rules::length_ok(&name, rules::NAME_CHARS) {
            return Err(bad("name", "name_length"));
        }
        let industry_code = text(&self.industry_code);
        if !super::catalogue::valid_code(&industry_code) {
            return Err(bad("industry_code", "industry_required"));
        }
        let department_code = text(&self.department_code);
        if !super::catalogue::valid_code(&department_code) {
            return Err(bad("department_code", "department_required"));
        }
        let region_code = text(&self.region_code);
        if crate::domain::region::level(&region_code).is_none() {
            return Err(bad("region_code", "region_required"));
        }
        let approval_item = text(&self.approval_item);
        if !rules::length_ok(&approval_item, rules::APPROVAL_ITEM_CHARS) {
            return Err(bad("approval_item", "approval_item_length"));
        }
        let legal_basis = text(&self.legal_basis);
        if legal_basis.is_empty() {
            return Err(bad("legal_basis", "legal_basis_required"));
        }
        if !rules::length_ok(&legal_basis, rules::LEGAL_BASIS_CHARS) {
            return Err(bad("legal_basis", "legal_basis_length"));
        }
        let qualification_type_code = super::clean_param(&self.qualification_type_code);
        if qualification_type_code.as_deref().is_some_and(|c| !super::catalogue::valid_code(c)) {
            return Err(bad("qualification_type_code", "qualification_unknown"));
        }
        let min_grade = super::clean_param(&self.min_grade);
        if min_grade.is_some() && qualification_type_code.is_none() {
            return Err(bad("min_grade", "grade_without_qualification"));
        }
        let time_limit_days = text(&self.time_limit_days)
            .parse::<i64>()
            .ok()
            .filter(|d| (rules::TIME_LIMIT_DAYS.0..=rules::TIME_LIMIT_DAYS.1).contains(d))
            .ok_or_else(|| bad("time_limit_days", "time_limit_range"))?;
        let fee_basis = text(&self.fee_basis);
        if !rules::length_ok(&fee_basis, rules::FEE_BASIS_CHARS) {
            return Err(bad("fee_basis", "fee_basis_length"));
        }
        let effective_from = text(&self.effective_from);
        if !rules::date_ok(&effective_from) {
            return Err(bad("effective_from", "date_invalid"));
        }
        let effective_to = super::clean_param(&self.effective_to);
        if let Some(to) = &effective_to {
            if !rules::date_ok(to) {
                return Err(bad("effective_to", "date_invalid"));
            }
            if to < &effective_from {
                return Err(bad("effective_to", "effective_to_before_from"));
            }
        }
        let reason = text(&self.reason);
        if !rules::length_ok(&reason, rules::REASON_CHARS) {
            return Err(bad("reason", "reason_length"));
        }
        let item = ItemSnapshot {
            code,
            name,
            industry_code,
            department_code,
            region_code,
            approval_item,
            legal_basis,
            qualification_type_code,
            min_grade,
            time_limit_days,
            fee_basis,
            effective_from,
            effective_to,
            retired_on: None,
        };
        Ok(ValidItem { item, reason, adjusting })
    }
}

/// The result of a save: the item's code and its new version number.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SavedItem {
    pub code: String,
    pub version: i64,
}

/// The maintenance list's filters (all from the URL).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ManageQuery {
    pub q: Option<String>,
    pub industry: Option<String>,
    /// An `ItemState` name.
    pub state: Option<String>,
    pub page: Option<u32>,
}

impl ManageQuery {
    pub fn validate(&self) -> Result<ManageQuery, AppError> {
        let q = super::clean_param(&self.q);
        if q.as_deref().is_some_and(|q| q.chars().count() > super::catalogue::ITEM_QUERY_MAX_CHARS) {
            return Err(AppError::invalid("q", "catalogue.q_too_long"));
        }
        let industry = super::clean_param(&self.industry);
        if industry.as_deref().is_some_and(|c| !super::catalogue::valid_code(c)) {
            return Err(AppError::invalid("industry", "catalogue.bad_industry"));
        }
        let state = super::clean_param(&self.state);
        if state.as_deref().is_some_and(|s| ItemState::parse(s).is_none()) {
            return Err(bad("state", "bad_state"));
        }
        let page = super::check_page(self.page)?;
        Ok(ManageQuery { q, industry, state, page: Some(page) })
    }

    pub fn from_params(get: impl Fn(&str) -> Option<String>) -> ManageQuery {
        ManageQuery { q: get("q"), industry: get("industry"), state: get("state"), page: super::parse_page(get("page")) }
    }

    pub fn href(&self, page: u32) -> String {
        super::list_href("/manage/items", &[("q", &self.q), ("industry", &self.industry), ("state", &self.state)], page)
    }
}

/// One row of the maintenance list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct ManagedItem {
    pub code: String,
    pub name: String,
    pub industry_name: String,
    pub department_name: String,
    pub region_name: String,
    pub effective_from: String,
    pub effective_to: Option<String>,
    pub retired_on: Option<String>,
    pub version: i64,
    pub updated_at: i64,
    #[cfg_attr(feature = "ssr", sqlx(skip))]
    pub state: ItemState,
}

/// A qualification type with its grades (highest first), for the editor.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct QualificationOption {
    pub code: String,
    pub name: String,
    pub grades: Vec<String>,
}

/// The choices of the editor's selects, limited to the caller's scope.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EditorOptions {
    pub industries: Vec<Named>,
    pub departments: Vec<Named>,
    pub regions: Vec<Named>,
    pub qualifications: Vec<QualificationOption>,
}

/// An existing item as the editor shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EditableItem {
    pub item: ItemSnapshot,
    pub version: i64,
    pub state: ItemState,
}

/// Everything the new-item and edit pages need.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ItemEditor {
    /// `None` on the new-item page.
    pub existing: Option<EditableItem>,
    pub history: Vec<ItemVersion>,
    pub options: EditorOptions,
    /// Suggested code for a new item.
    pub next_code: String,
    /// Today in Asia/Shanghai (default effective date; earliest retirement date).
    pub today: String,
}

/// One entry of an item's history (公开的变更记录).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ItemVersion {
    pub version: i64,
    /// `create`, `adjust` or `retire`.
    pub action: String,
    pub changed_at: i64,
    pub reason: String,
    pub legal_basis: String,
    pub effective_from: String,
    pub effective_to: Option<String>,
    pub retired_on: Option<String>,
    /// Names of the fields this version changed (`ItemSnapshot` field names).
    pub changed: Vec<String>,
    /// Who saved it (display name): only in the maintenance pages, never public.
    pub changed_by: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form() -> ItemForm {
        ItemForm {
            code: " zjfw-901 ".into(),
            name: "城市更新项目策划咨询".into(),
            industry_code: "ZJ".into(),
            department_code: "ZJBM".into(),
            region_code: "510100".into(),
            approval_item: "城市更新项目实施方案审批".into(),
            legal_basis: "《四川省城市更新条例》".into(),
            qualification_type_code: Some("".into()),
            min_grade: Some("".into()),
            time_limit_days: " 20 ".into(),
            fee_basis: "市场调节价".into(),
            effective_from: "2026-12-01".into(),
            effective_to: Some("".into()),
            reason: "新增市级事项".into(),
            ..Default::default()
        }
    }

    #[test]
    fn a_good_form_is_trimmed_and_normalised() {
        let v = form().validate().unwrap();
        assert_eq!(v.item.code, "ZJFW-901");
        assert_eq!((v.item.time_limit_days, v.item.qualification_type_code, v.item.effective_to), (20, None, None));
        assert_eq!(v.adjusting, None);
        let adjust = ItemForm { original_code: Some("ZJFW-007".into()), version: Some("3".into()), code: "ignored".into(), ..form() };
        let v = adjust.validate().unwrap();
        assert_eq!((v.item.code.as_str(), v.adjusting), ("ZJFW-007", Some(("ZJFW-007".into(), 3))));
    }

    #[test]
    fn every_field_has_its_own_message() {
        let err = |f: ItemForm| match f.validate() {
            Err(AppError::InvalidInput { field, key }) => (field, key.trim_start_matches("catalogue_admin.").to_string()),
            other => panic!("{other:?}"),
        };
        let e = |field: &str, key: &str| (field.to_string(), key.to_string());
        assert_eq!(err(ItemForm { code: "".into(), ..form() }), e("code", "code_required"));
        assert_eq!(err(ItemForm { code: "事项1".into(), ..form() }), e("code", "code_format"));
        assert_eq!(err(ItemForm { name: "城".into(), ..form() }), e("name", "name_length"));
        assert_eq!(err(ItemForm { industry_code: "".into(), ..form() }), e("industry_code", "industry_required"));
        assert_eq!(err(ItemForm { department_code: "".into(), ..form() }), e("department_code", "department_required"));
        assert_eq!(err(ItemForm { region_code: "5101".into(), ..form() }), e("region_code", "region_required"));
        assert_eq!(err(ItemForm { approval_item: " ".into(), ..form() }), e("approval_item", "approval_item_length"));
        assert_eq!(err(ItemForm { legal_basis: "  ".into(), ..form() }), e("legal_basis", "legal_basis_required"));
        assert_eq!(err(ItemForm { legal_basis: "条例".into(), ..form() }), e("legal_basis", "legal_basis_length"));
        assert_eq!(err(ItemForm { min_grade: Some("甲级".into()), ..form() }), e("min_grade", "grade_without_qualification"));
        for days in ["0", "366", "二十", "", "2.5"] {
            assert_eq!(err(ItemForm { time_limit_days: days.into(), ..form() }), e("time_limit_days", "time_limit_range"), "{days}");
        }
        assert_eq!(err(ItemForm { fee_basis: "".into(), ..form() }), e("fee_basis", "fee_basis_length"));
        assert_eq!(err(ItemForm { effective_from: "2026-02-30".into(), ..form() }), e("effective_from", "date_invalid"));
        assert_eq!(err(ItemForm { effective_to: Some("2026/12/31".into()), ..form() }), e("effective_to", "date_invalid"));
        assert_eq!(err(ItemForm { effective_to: Some("2026-11-30".into()), ..form() }), e("effective_to", "effective_to_before_from"));
        assert_eq!(err(ItemForm { reason: "".into(), ..form() }), e("reason", "reason_length"));
        assert_eq!(err(ItemForm { original_code: Some("ZJFW-001".into()), version: None, ..form() }), e("form", "stale"));
    }

    #[test]
    fn manage_query_checks_and_links() {
        let q = ManageQuery { q: Some(" 勘察 ".into()), state: Some("retired".into()), ..Default::default() }.validate().unwrap();
        assert_eq!(q.href(2), "/manage/items?q=%E5%8B%98%E5%AF%9F&state=retired&page=2");
        let bad = ManageQuery { state: Some("gone".into()), ..Default::default() }.validate();
        assert_eq!(bad, Err(AppError::invalid("state", "catalogue_admin.bad_state")));
    }
}
