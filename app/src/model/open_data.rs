//! The open data page (`/open-data`, 开放数据), the OCDS packages'
//! `publicationPolicy`: what the OCDS publication (`domain::ocds`, served at
//! `/api/v1/ocds/...`) holds, what it never holds, under which licence, and
//! where each package is.
use crate::domain::time::month_key;
use serde::{Deserialize, Serialize};

/// The licence the published data is under.
pub const LICENCE_NAME: &str = "CC BY 4.0";
/// The licence's legal text.
pub const LICENCE_URL: &str = "https://creativecommons.org/licenses/by/4.0/";
/// How many months' bulk packages the page links, the current month first.
pub const RECENT_MONTHS: i64 = 12;
/// A process's record package: this + the announcement code.
pub const RECORDS_PATH: &str = "/api/v1/ocds/records/";
/// A process's release package: this + the announcement code.
pub const RELEASES_PATH: &str = "/api/v1/ocds/releases/";
/// A month's bulk release package: this + `YYYY-MM`.
pub const MONTHS_PATH: &str = "/api/v1/ocds/months/";
/// The API documentation.
pub const API_DOCS_PATH: &str = "/api/v1/docs";

/// What the page shows from the server's configuration and clock.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpenData {
    /// The publisher's name in the packages (attribution under the licence).
    pub publisher: String,
    /// The OCID prefix: an ocid is the prefix, `-` and the announcement code.
    pub ocid_prefix: String,
    /// The months with a bulk package to link, `YYYY-MM`, the current month first.
    pub months: Vec<String>,
}

/// The `n` months up to and including month index `current`
/// (`domain::time::month_of`), newest first; none before 1970 (no package exists).
pub fn recent_months(current: i64, n: i64) -> Vec<String> {
    (0..n).map(|i| current - i).take_while(|m| *m >= 1970 * 12).map(month_key).collect()
}

/// A month's bulk package address, e.g. `/api/v1/ocds/months/2026-03`.
pub fn month_package_path(month: &str) -> String {
    format!("{MONTHS_PATH}{month}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::time::parse_month;

    #[test]
    fn the_last_twelve_months_newest_first_across_a_new_year() {
        let months = recent_months(parse_month("2026-03").unwrap(), RECENT_MONTHS);
        assert_eq!(months.len(), 12);
        assert_eq!(months.first().map(String::as_str), Some("2026-03"));
        assert_eq!(months[2..4], ["2026-01".to_string(), "2025-12".to_string()]);
        assert_eq!(months.last().map(String::as_str), Some("2025-04"));
        assert!(months.iter().all(|m| parse_month(m).is_some()), "every link is a valid month");
        assert_eq!(recent_months(parse_month("1970-02").unwrap(), RECENT_MONTHS), ["1970-02", "1970-01"]);
        assert_eq!(month_package_path("2026-03"), "/api/v1/ocds/months/2026-03");
    }
}
