//! The service-item catalogue (中介服务事项库).
use super::Named;
use crate::error::AppError;
use serde::{Deserialize, Serialize};

/// Filter choices for the catalogue page.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CatalogueFacets {
    pub industries: Vec<Named>,
    pub departments: Vec<Named>,
}

/// What the catalogue page asks for; every field optional, all from the URL.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ItemQuery {
    pub industry: Option<String>,
    pub department: Option<String>,
    pub q: Option<String>,
    pub page: Option<u32>,
}

pub const ITEM_QUERY_MAX_CHARS: usize = 50;
pub const MAX_PAGE: u32 = 10_000;

/// An industry or department code: 1–8 ASCII letters or digits.
pub(crate) fn valid_code(s: &str) -> bool {
    !s.is_empty() && s.len() <= 8 && s.bytes().all(|b| b.is_ascii_alphanumeric())
}

impl ItemQuery {
    /// Trims and checks the query; empty fields become `None`.
    pub fn validate(&self) -> Result<ItemQuery, AppError> {
        let clean = super::clean_param;
        let q = clean(&self.q);
        if q.as_deref().is_some_and(|q| q.chars().count() > ITEM_QUERY_MAX_CHARS) {
            return Err(AppError::invalid("q", "catalogue.q_too_long"));
        }
        let industry = clean(&self.industry);
        if industry.as_deref().is_some_and(|c| !valid_code(c)) {
            return Err(AppError::invalid("industry", "catalogue.bad_industry"));
        }
        let department = clean(&self.department);
        if department.as_deref().is_some_and(|c| !valid_code(c)) {
            return Err(AppError::invalid("department", "catalogue.bad_department"));
        }
        let page = super::check_page(self.page)?;
        Ok(ItemQuery { industry, department, q, page: Some(page) })
    }

    /// Reads the query from URL parameters (unknown or unparsable page → page 1 is
    /// *not* assumed: it is reported as a bad page).
    pub fn from_params(get: impl Fn(&str) -> Option<String>) -> ItemQuery {
        ItemQuery {
            industry: get("industry"),
            department: get("department"),
            q: get("q"),
            page: super::parse_page(get("page")),
        }
    }

    /// URL of this query on the catalogue page, with another page number.
    pub fn href(&self, page: u32) -> String {
        super::list_href("/items", &[("industry", &self.industry), ("department", &self.department), ("q", &self.q)], page)
    }
}

/// Percent-encodes a URL query component (UTF-8, RFC 3986 unreserved kept).
pub fn encode_component(s: &str) -> String {
    let mut out = String::with_capacity(s.len() * 3);
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// One row of the catalogue list.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct ItemSummary {
    pub code: String,
    pub name: String,
    pub industry_name: String,
    pub department_name: String,
    pub qualification_name: Option<String>,
    pub min_grade: Option<String>,
    pub time_limit_days: i64,
    pub firm_count: i64,
}

/// The item's detail page: every catalogue field plus market figures.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct ItemDetail {
    pub code: String,
    pub name: String,
    pub industry_code: String,
    pub industry_name: String,
    pub regulator: String,
    pub department_name: String,
    pub approval_item: String,
    pub legal_basis: String,
    pub qualification_name: Option<String>,
    pub qualification_grades: Option<String>,
    pub min_grade: Option<String>,
    pub time_limit_days: i64,
    pub fee_basis: String,
    pub region_name: String,
    pub effective_from: String,
    pub effective_to: Option<String>,
    /// First day the item is no longer in force (废止日期), when retired.
    pub retired_on: Option<String>,
    pub firm_count: i64,
    pub procurement_count: i64,
    /// In force, or retired / expired (an old link still shows the item, marked as such).
    #[cfg_attr(feature = "ssr", sqlx(skip))]
    pub state: crate::domain::catalogue::ItemState,
    /// Versions, newest first.
    #[cfg_attr(feature = "ssr", sqlx(skip))]
    pub history: Vec<super::catalogue_admin::ItemVersion>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validation_trims_and_rejects() {
        let q = ItemQuery { q: Some("  环评 ".into()), industry: Some("".into()), ..Default::default() };
        let v = q.validate().unwrap();
        assert_eq!(v.q.as_deref(), Some("环评"));
        assert_eq!(v.industry, None);
        assert_eq!(v.page, Some(1));

        let long = ItemQuery { q: Some("评".repeat(51)), ..Default::default() };
        assert_eq!(long.validate(), Err(AppError::invalid("q", "catalogue.q_too_long")));
        let ok50 = ItemQuery { q: Some("评".repeat(50)), ..Default::default() };
        assert!(ok50.validate().is_ok());

        let bad = ItemQuery { industry: Some("HJ'; DROP".into()), ..Default::default() };
        assert_eq!(bad.validate(), Err(AppError::invalid("industry", "catalogue.bad_industry")));
        let page0 = ItemQuery::from_params(|k| (k == "page").then(|| "abc".to_string()));
        assert_eq!(page0.validate(), Err(AppError::invalid("page", "catalogue.bad_page")));
    }

    #[test]
    fn hrefs_keep_the_filters() {
        let q = ItemQuery { industry: Some("HJ".into()), q: Some("环评 报告".into()), ..Default::default() };
        assert_eq!(q.href(1), "/items?industry=HJ&q=%E7%8E%AF%E8%AF%84%20%E6%8A%A5%E5%91%8A");
        assert_eq!(q.href(3), "/items?industry=HJ&q=%E7%8E%AF%E8%AF%84%20%E6%8A%A5%E5%91%8A&page=3");
        assert_eq!(ItemQuery::default().href(1), "/items");
    }
}
