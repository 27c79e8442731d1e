//! The public firm directory (中介服务机构库) and firm profiles.
use super::Named;
use crate::error::AppError;
use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum FirmSort {
    /// Most completed services first (the default).
    #[default]
    Completed,
    Name,
    Newest,
}

impl FirmSort {
    pub const ALL: [FirmSort; 3] = [FirmSort::Completed, FirmSort::Name, FirmSort::Newest];
    pub fn as_str(self) -> &'static str {
        match self {
            FirmSort::Completed => "completed",
            FirmSort::Name => "name",
            FirmSort::Newest => "newest",
        }
    }
    pub fn parse(s: &str) -> Option<FirmSort> {
        FirmSort::ALL.into_iter().find(|x| x.as_str() == s)
    }
    pub fn label_key(self) -> &'static str {
        match self {
            FirmSort::Completed => "firms.sort_completed",
            FirmSort::Name => "firms.sort_name",
            FirmSort::Newest => "firms.sort_newest",
        }
    }
}

/// What the directory page asks for (all from the URL).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FirmQuery {
    /// Name fragment or credit code.
    pub q: Option<String>,
    /// Service item code.
    pub item: Option<String>,
    /// Region of main business (province, city or county code).
    pub region: Option<String>,
    /// Approving department code of an item in the firm's scope.
    pub department: Option<String>,
    /// Qualification grade held (e.g. 甲级).
    pub grade: Option<String>,
    /// Minimum star level (星级, "1"–"5").
    pub star: Option<String>,
    /// Credit grade (信用等级 A/B/C/D).
    pub credit: Option<String>,
    pub sort: Option<String>,
    pub page: Option<u32>,
}

pub const FIRM_QUERY_MAX_CHARS: usize = 50;

impl FirmQuery {
    pub fn from_params(get: impl Fn(&str) -> Option<String>) -> FirmQuery {
        FirmQuery {
            q: get("q"),
            item: get("item"),
            region: get("region"),
            department: get("department"),
            grade: get("grade"),
            star: get("star"),
            credit: get("credit"),
            sort: get("sort"),
            page: super::parse_page(get("page")),
        }
    }

    /// Trims and checks every field; empty fields become `None`.
    pub fn validate(&self) -> Result<FirmQuery, AppError> {
        let clean = super::clean_param;
        let q = clean(&self.q);
        if q.as_deref().is_some_and(|q| q.chars().count() > FIRM_QUERY_MAX_CHARS) {
            return Err(AppError::invalid("q", "firms.q_too_long"));
        }
        let item = clean(&self.item);
        if item.as_deref().is_some_and(|c| c.len() > 20 || !c.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')) {
            return Err(AppError::invalid("item", "firms.bad_item"));
        }
        let region = clean(&self.region);
        if region.as_deref().is_some_and(|r| crate::domain::region::level(r).is_none()) {
            return Err(AppError::invalid("region", "firms.bad_region"));
        }
        let department = clean(&self.department);
        if department.as_deref().is_some_and(|c| !super::catalogue::valid_code(c)) {
            return Err(AppError::invalid("department", "catalogue.bad_department"));
        }
        let grade = clean(&self.grade);
        if grade.as_deref().is_some_and(|g| g.chars().count() > 10) {
            return Err(AppError::invalid("grade", "firms.bad_grade"));
        }
        let star = clean(&self.star);
        if star.as_deref().is_some_and(|s| !matches!(s, "1" | "2" | "3" | "4" | "5")) {
            return Err(AppError::invalid("star", "credit.star_invalid"));
        }
        let credit = match clean(&self.credit) {
            None => None,
            Some(c) => Some(crate::domain::credit::Grade::parse(&c).ok_or_else(|| AppError::invalid("credit", "credit.grade_invalid"))?.as_str().to_string()),
        };
        let sort = match clean(&self.sort) {
            None => None,
            Some(s) => Some(FirmSort::parse(&s).ok_or_else(|| AppError::invalid("sort", "firms.bad_sort"))?.as_str().to_string()),
        };
        let page = super::check_page(self.page)?;
        Ok(FirmQuery { q, item, region, department, grade, star, credit, sort, page: Some(page) })
    }

    pub fn sort_order(&self) -> FirmSort {
        self.sort.as_deref().and_then(FirmSort::parse).unwrap_or_default()
    }

    /// URL of this query on the directory page, at another page number.
    pub fn href(&self, page: u32) -> String {
        super::list_href(
            "/firms",
            &[
                ("q", &self.q),
                ("item", &self.item),
                ("region", &self.region),
                ("department", &self.department),
                ("grade", &self.grade),
                ("star", &self.star),
                ("credit", &self.credit),
                ("sort", &self.sort),
            ],
            page,
        )
    }
}

/// Filter choices of the directory.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FirmFacets {
    pub items: Vec<Named>,
    pub regions: Vec<Named>,
    pub departments: Vec<Named>,
    pub grades: Vec<String>,
}

/// One firm in the directory.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct FirmSummary {
    pub name: String,
    pub credit_code: String,
    pub region_name: String,
    pub item_count: i64,
    pub completed_count: i64,
    pub registered_at: i64,
    /// Star level and credit grade arrive with issue #6; `None` shows "—".
    pub star_level: Option<i64>,
    pub credit_grade: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct FirmScopeItem {
    pub item_code: String,
    pub item_name: String,
    pub fee_standard: String,
    pub promised_days: i64,
    pub time_limit_days: i64,
    pub qualification_type_code: Option<String>,
    /// False when the qualification the item needs has expired (the item is then
    /// out of the firm's active scope until a valid one is registered).
    #[cfg_attr(feature = "ssr", sqlx(default))]
    pub active: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FirmQualification {
    pub type_code: String,
    pub type_name: String,
    pub grade: String,
    pub certificate_no: String,
    pub issuer: String,
    pub valid_from: String,
    pub valid_to: String,
    pub validity: crate::domain::qualification::Validity,
}

/// A staff member as the public sees them: ID number and phone masked on the server.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PublicStaff {
    pub role: String,
    pub name: String,
    pub title: String,
    pub certificate: Option<String>,
    pub id_number_masked: String,
    pub phone_masked: String,
}

/// The firm's public profile.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FirmProfile {
    pub name: String,
    pub credit_code: String,
    pub status: String,
    pub region_name: String,
    pub address: String,
    pub legal_rep: String,
    pub contact_name: String,
    pub contact_phone: String,
    pub registered_at: i64,
    pub completed_count: i64,
    pub scope: Vec<FirmScopeItem>,
    pub qualifications: Vec<FirmQualification>,
    pub staff: Vec<PublicStaff>,
    pub star_level: Option<i64>,
    pub credit_grade: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validation() {
        let ok = FirmQuery { q: Some(" 华信 ".into()), region: Some("510100".into()), sort: Some("name".into()), ..Default::default() };
        let v = ok.validate().unwrap();
        assert_eq!(v.q.as_deref(), Some("华信"));
        assert_eq!(v.sort_order(), FirmSort::Name);
        assert_eq!(FirmQuery { region: Some("51".into()), ..Default::default() }.validate(), Err(AppError::invalid("region", "firms.bad_region")));
        assert_eq!(FirmQuery { sort: Some("price".into()), ..Default::default() }.validate(), Err(AppError::invalid("sort", "firms.bad_sort")));
        assert_eq!(FirmQuery { item: Some("x'--".into()), ..Default::default() }.validate(), Err(AppError::invalid("item", "firms.bad_item")));
        assert_eq!(FirmQuery { q: Some("名".repeat(51)), ..Default::default() }.validate(), Err(AppError::invalid("q", "firms.q_too_long")));
        assert_eq!(FirmQuery::default().validate().unwrap().sort_order(), FirmSort::Completed);
    }

    #[test]
    fn hrefs() {
        let q = FirmQuery { item: Some("ZJFW-001".into()), grade: Some("甲级".into()), ..Default::default() };
        assert_eq!(q.href(2), "/firms?item=ZJFW-001&grade=%E7%94%B2%E7%BA%A7&page=2");
        assert_eq!(FirmQuery::default().href(1), "/firms");
    }
}
