//! Serde types shared by server and browser: what a page shows, what a form sends.
pub mod accounts;
pub mod audit;
pub mod calendar;
pub mod catalogue;
pub mod catalogue_admin;
pub mod complaints;
pub mod contract;
pub mod contract_work;
pub mod credit;
pub mod firms;
pub mod oidc;
pub mod files;
pub mod notices;
pub mod onboarding;
pub mod open_data;
pub mod payment;
pub mod performance;
pub mod dashboard;
pub mod portal;
pub mod public_info;
pub mod timeliness;
pub mod ratings;
pub mod trading;

use serde::{Deserialize, Serialize};

/// A code with its display name (industry, department, region …).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct Named {
    pub code: String,
    pub name: String,
}

/// A same-site path to go to after a form (`/firm?x=1`), refusing anything that
/// could leave the site (`//evil`, `https://…`, backslashes): no open redirects.
pub fn local_path(p: Option<&str>) -> Option<&str> {
    p.map(str::trim).filter(|p| p.starts_with('/') && !p.starts_with("//") && !p.contains('\\') && !p.contains(['\r', '\n']))
}

/// A URL parameter trimmed, `None` when absent or blank.
pub(crate) fn clean_param(v: &Option<String>) -> Option<String> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(String::from)
}

/// A `page` URL parameter: an unparsable value becomes 0, which validation rejects.
pub(crate) fn parse_page(v: Option<String>) -> Option<u32> {
    v.map(|p| p.trim().parse::<u32>().unwrap_or(0))
}

/// The page number to fetch (default 1), or the error a bad one gets.
pub(crate) fn check_page(page: Option<u32>) -> Result<u32, crate::error::AppError> {
    let page = page.unwrap_or(1);
    if page == 0 || page > catalogue::MAX_PAGE {
        return Err(crate::error::AppError::invalid("page", "catalogue.bad_page"));
    }
    Ok(page)
}

/// `path?k=v&…&page=n` with the non-empty parameters, percent-encoded; page 1 is implied.
pub(crate) fn list_href(path: &str, params: &[(&str, &Option<String>)], page: u32) -> String {
    let mut parts: Vec<String> = params
        .iter()
        .filter_map(|(k, v)| v.as_deref().filter(|v| !v.is_empty()).map(|v| format!("{k}={}", catalogue::encode_component(v))))
        .collect();
    if page > 1 {
        parts.push(format!("page={page}"));
    }
    if parts.is_empty() {
        path.to_string()
    } else {
        format!("{path}?{}", parts.join("&"))
    }
}
