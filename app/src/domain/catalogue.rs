//! The service-item catalogue's rules (中介服务事项清单): when an item is in force,
//! what a valid item looks like, and what changed between two versions. Pure.
//!
//! An item is in force on a day (Asia/Shanghai, `YYYY-MM-DD`) inside its effective
//! window `[effective_from, effective_to]` (no `effective_to`: open-ended) and before
//! its retirement date (`retired_on`: the first day it is no longer in force).
//! `db::catalogue::in_force_sql` states the same condition in SQL; a test compares them.
use serde::{Deserialize, Serialize};

/// The dates that decide whether an item is in force.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ItemDates<'a> {
    pub effective_from: &'a str,
    pub effective_to: Option<&'a str>,
    pub retired_on: Option<&'a str>,
}

/// Where an item stands on a day.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum ItemState {
    /// Not yet effective (尚未施行).
    Pending,
    /// In force (现行有效): shown on public pages.
    #[default]
    InForce,
    /// Its effective window ended (已失效).
    Expired,
    /// Retired (已废止) from `retired_on`.
    Retired,
}

impl ItemState {
    pub const ALL: [ItemState; 4] = [ItemState::InForce, ItemState::Pending, ItemState::Expired, ItemState::Retired];

    pub fn as_str(self) -> &'static str {
        match self {
            ItemState::Pending => "pending",
            ItemState::InForce => "in_force",
            ItemState::Expired => "expired",
            ItemState::Retired => "retired",
        }
    }

    pub fn parse(s: &str) -> Option<ItemState> {
        Self::ALL.into_iter().find(|x| x.as_str() == s)
    }

    pub fn label_key(self) -> &'static str {
        match self {
            ItemState::Pending => "catalogue_admin.state_pending",
            ItemState::InForce => "catalogue_admin.state_in_force",
            ItemState::Expired => "catalogue_admin.state_expired",
            ItemState::Retired => "catalogue_admin.state_retired",
        }
    }
}

/// The item's state on `today`. A retirement wins over everything else.
pub fn state(d: ItemDates<'_>, today: &str) -> ItemState {
    if d.retired_on.is_some_and(|r| r <= today) {
        ItemState::Retired
    } else if today < d.effective_from {
        ItemState::Pending
    } else if d.effective_to.is_some_and(|to| to < today) {
        ItemState::Expired
    } else {
        ItemState::InForce
    }
}

/// Whether the item is in force on `today`: public lists, filters and firm scopes show only these.
pub fn in_force(d: ItemDates<'_>, today: &str) -> bool {
    state(d, today) == ItemState::InForce
}

/// Whether the public detail page answers: the item is or was in force (an old link to
/// a retired or expired item shows it marked 已废止 / 已失效 with its history);
/// an item that never came into force is not public (404).
pub fn publicly_visible(d: ItemDates<'_>, today: &str) -> bool {
    d.effective_from <= today
        && d.retired_on.is_none_or(|r| r > d.effective_from)
        && d.effective_to.is_none_or(|to| to >= d.effective_from)
}

/// Item code: 2–8 capital letters, a hyphen, 3–6 digits (`ZJFW-001`).
pub fn valid_item_code(code: &str) -> bool {
    let Some((letters, digits)) = code.split_once('-') else { return false };
    (2..=8).contains(&letters.len())
        && letters.bytes().all(|b| b.is_ascii_uppercase())
        && (3..=6).contains(&digits.len())
        && digits.bytes().all(|b| b.is_ascii_digit())
}

/// Prefix of the province's item codes.
pub const CODE_PREFIX: &str = "ZJFW";

/// The next free `ZJFW-NNN` code after the highest one in use.
pub fn next_code<'a>(existing: impl IntoIterator<Item = &'a str>) -> String {
    let max = existing
        .into_iter()
        .filter_map(|c| c.strip_prefix(CODE_PREFIX)?.strip_prefix('-')?.parse::<u32>().ok())
        .max()
        .unwrap_or(0);
    format!("{CODE_PREFIX}-{:03}", max + 1)
}

/// Length limits of the editable text fields (characters).
pub const NAME_CHARS: (usize, usize) = (2, 60);
pub const APPROVAL_ITEM_CHARS: (usize, usize) = (2, 100);
pub const LEGAL_BASIS_CHARS: (usize, usize) = (4, 1000);
pub const FEE_BASIS_CHARS: (usize, usize) = (2, 500);
pub const REASON_CHARS: (usize, usize) = (2, 200);
/// Service time limit in working days.
pub const TIME_LIMIT_DAYS: (i64, i64) = (1, 365);
/// Dates accepted for effective windows and retirements.
pub const EARLIEST_DATE: &str = "2000-01-01";
pub const LATEST_DATE: &str = "2099-12-31";

/// Whether `s` has between `min` and `max` characters.
pub fn length_ok(s: &str, (min, max): (usize, usize)) -> bool {
    (min..=max).contains(&s.chars().count())
}

/// A well-formed date inside the accepted range.
pub fn date_ok(s: &str) -> bool {
    super::time::parse_date(s).is_some() && (EARLIEST_DATE..=LATEST_DATE).contains(&s)
}

/// Every editable field of an item: what a history row stores.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ItemSnapshot {
    pub code: String,
    pub name: String,
    pub industry_code: String,
    pub department_code: String,
    pub region_code: String,
    pub approval_item: String,
    pub legal_basis: String,
    pub qualification_type_code: Option<String>,
    pub min_grade: Option<String>,
    pub time_limit_days: i64,
    pub fee_basis: String,
    pub effective_from: String,
    pub effective_to: Option<String>,
    pub retired_on: Option<String>,
}

impl ItemSnapshot {
    pub fn dates(&self) -> ItemDates<'_> {
        ItemDates {
            effective_from: &self.effective_from,
            effective_to: self.effective_to.as_deref(),
            retired_on: self.retired_on.as_deref(),
        }
    }
}

/// The fields that differ between two versions, in form order (names as in `ItemSnapshot`).
pub fn changed_fields(prev: &ItemSnapshot, next: &ItemSnapshot) -> Vec<&'static str> {
    let pairs: [(&'static str, bool); 14] = [
        ("code", prev.code != next.code),
        ("name", prev.name != next.name),
        ("industry_code", prev.industry_code != next.industry_code),
        ("department_code", prev.department_code != next.department_code),
        ("region_code", prev.region_code != next.region_code),
        ("approval_item", prev.approval_item != next.approval_item),
        ("legal_basis", prev.legal_basis != next.legal_basis),
        ("qualification_type_code", prev.qualification_type_code != next.qualification_type_code),
        ("min_grade", prev.min_grade != next.min_grade),
        ("time_limit_days", prev.time_limit_days != next.time_limit_days),
        ("fee_basis", prev.fee_basis != next.fee_basis),
        ("effective_from", prev.effective_from != next.effective_from),
        ("effective_to", prev.effective_to != next.effective_to),
        ("retired_on", prev.retired_on != next.retired_on),
    ];
    pairs.into_iter().filter(|(_, changed)| *changed).map(|(f, _)| f).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dates<'a>(from: &'a str, to: Option<&'a str>, retired: Option<&'a str>) -> ItemDates<'a> {
        ItemDates { effective_from: from, effective_to: to, retired_on: retired }
    }

    #[test]
    fn in_force_inside_the_window_and_before_retirement() {
        let open = dates("2024-01-01", None, None);
        assert!(!in_force(open, "2023-12-31"));
        assert!(in_force(open, "2024-01-01"), "first day counts");
        assert!(in_force(open, "2099-12-31"), "no end date: open-ended");
        assert_eq!(state(open, "2023-12-31"), ItemState::Pending);

        let closed = dates("2024-01-01", Some("2026-06-30"), None);
        assert!(in_force(closed, "2026-06-30"), "last day counts");
        assert!(!in_force(closed, "2026-07-01"));
        assert_eq!(state(closed, "2026-07-01"), ItemState::Expired);

        let retired = dates("2024-01-01", None, Some("2026-12-01"));
        assert!(in_force(retired, "2026-11-30"), "a future retirement leaves it in force until then");
        assert!(!in_force(retired, "2026-12-01"), "the retirement date is the first day out of force");
        assert_eq!(state(retired, "2026-12-01"), ItemState::Retired);
        // a retirement wins over a not-yet-effective or ended window
        assert_eq!(state(dates("2027-01-01", None, Some("2026-12-01")), "2026-12-05"), ItemState::Retired);
        assert_eq!(state(dates("2024-01-01", Some("2025-01-01"), Some("2026-01-01")), "2026-02-01"), ItemState::Retired);
    }

    #[test]
    fn only_items_that_were_in_force_have_a_public_page() {
        assert!(publicly_visible(dates("2024-01-01", None, None), "2026-01-01"));
        assert!(publicly_visible(dates("2024-01-01", None, Some("2025-01-01")), "2026-01-01"), "retired: old links still answer");
        assert!(publicly_visible(dates("2024-01-01", Some("2024-06-30"), None), "2026-01-01"), "expired");
        assert!(!publicly_visible(dates("2027-01-01", None, None), "2026-01-01"), "not yet effective");
        assert!(!publicly_visible(dates("2024-01-01", None, Some("2024-01-01")), "2026-01-01"), "retired before its first day");
    }

    #[test]
    fn item_codes_and_the_next_free_one() {
        assert!(valid_item_code("ZJFW-001") && valid_item_code("CDZJ-123456"));
        for bad in ["", "zjfw-001", "ZJFW001", "ZJFW-01", "Z-001", "ZJFW-0001234", "ZJFW-00a", "ZJ FW-001", "ZJFW--001"] {
            assert!(!valid_item_code(bad), "{bad}");
        }
        assert_eq!(next_code(["ZJFW-001", "ZJFW-056", "CDZJ-900", "ZJFW-x"]), "ZJFW-057");
        assert_eq!(next_code([]), "ZJFW-001");
    }

    #[test]
    fn dates_and_lengths() {
        assert!(date_ok("2026-02-28") && !date_ok("2026-02-29") && !date_ok("1999-12-31") && !date_ok("2100-01-01"));
        assert!(length_ok("环评", NAME_CHARS) && !length_ok("环", NAME_CHARS) && !length_ok(&"字".repeat(61), NAME_CHARS));
    }

    #[test]
    fn changed_fields_name_what_differs() {
        let a = ItemSnapshot { code: "ZJFW-001".into(), name: "甲".into(), time_limit_days: 30, effective_from: "2024-01-01".into(), ..Default::default() };
        assert!(changed_fields(&a, &a).is_empty());
        let b = ItemSnapshot { time_limit_days: 20, legal_basis: "《条例》".into(), retired_on: Some("2027-01-01".into()), ..a.clone() };
        assert_eq!(changed_fields(&a, &b), vec!["legal_basis", "time_limit_days", "retired_on"]);
    }
}
