//! Administrative division codes (行政区划代码, GB/T 2260): 6 digits,
//! `PPCCDD` — province, prefecture-level, county-level.

/// Sichuan province, the platform's whole territory.
pub const PROVINCE: &str = "510000";

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum RegionLevel {
    Province = 1,
    City = 2,
    County = 3,
}

/// Level of a well-formed 6-digit code, `None` if malformed.
pub fn level(code: &str) -> Option<RegionLevel> {
    if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some(if &code[2..] == "0000" {
        RegionLevel::Province
    } else if &code[4..] == "00" {
        RegionLevel::City
    } else {
        RegionLevel::County
    })
}

/// Parent code (county → city, city → province); `None` for a province.
pub fn parent(code: &str) -> Option<String> {
    match level(code)? {
        RegionLevel::Province => None,
        RegionLevel::City => Some(format!("{}0000", &code[..2])),
        RegionLevel::County => Some(format!("{}00", &code[..4])),
    }
}

/// Whether `code` is `scope` itself or lies inside it (a province contains its
/// cities and counties, a city its counties).
pub fn contains(scope: &str, code: &str) -> bool {
    match (level(scope), level(code)) {
        (Some(RegionLevel::Province), Some(_)) => scope[..2] == code[..2],
        (Some(RegionLevel::City), Some(_)) => scope[..4] == code[..4],
        (Some(RegionLevel::County), Some(_)) => scope == code,
        _ => false,
    }
}

/// SQL `LIKE` prefix that selects a region and everything inside it.
pub fn like_prefix(scope: &str) -> Option<String> {
    Some(match level(scope)? {
        RegionLevel::Province => format!("{}%", &scope[..2]),
        RegionLevel::City => format!("{}%", &scope[..4]),
        RegionLevel::County => scope.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_and_parents() {
        assert_eq!(level("510000"), Some(RegionLevel::Province));
        assert_eq!(level("510100"), Some(RegionLevel::City));
        assert_eq!(level("510104"), Some(RegionLevel::County));
        assert_eq!(level("5101"), None);
        assert_eq!(level("51010a"), None);
        assert_eq!(parent("510104").as_deref(), Some("510100"));
        assert_eq!(parent("510100").as_deref(), Some("510000"));
        assert_eq!(parent("510000"), None);
    }

    #[test]
    fn containment_follows_the_tree() {
        assert!(contains("510000", "510104"));
        assert!(contains("510100", "510104"));
        assert!(!contains("510100", "510302"));
        assert!(contains("510104", "510104"));
        assert!(!contains("510104", "510105"));
        assert!(!contains("520000", "510104"));
        assert_eq!(like_prefix("510100").as_deref(), Some("5101%"));
        assert_eq!(like_prefix("bad"), None);
    }
}
