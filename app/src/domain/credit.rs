//! Credit score and grade (信用分 与 信用等级) of a firm: the published formula. Pure.
//!
//! **Score (0–100) = regulator part (0–70) + public credit data part (0–10) +
//! social evaluation part (0–20).**
//!
//! - Regulator part (监管评价, 70): `60 + min(regulator rewards, 10) −
//!   regulator penalties − 3 × refusals in the last 12 months + 5 if on a valid
//!   red list`, kept within 0–70. Rewards and penalties are the points of the
//!   regulator's valid records (source `regulator`); a refusal is a selected firm
//!   declining or failing to confirm, or failing to sign its contract in time.
//! - Public credit data part (政府企业信用数据, 10): `10 + the points of valid
//!   imported records` (source `import`, from the government enterprise-credit
//!   platform), kept within 0–10.
//! - Social evaluation part (社会评价, 20): with owner ratings in the last 12
//!   months, `round(5 × (average of all dimension scores − 1))` (average 5 → 20,
//!   average 1 → 0; halves round up); with no ratings 15 (neutral). Minus 4 for
//!   each upheld complaint against the firm decided in the last 24 months, kept
//!   within 0–20.
//! - A record is valid from its decision date to its `valid_to` date inclusive
//!   (no `valid_to`: indefinitely). Points: rewards +1…+20, penalties −1…−20.
//!
//! **Grade:** A ≥ 90, B 75–89, C 60–74, D < 60. A firm on a valid blacklist
//! entry, or expelled (清退), is D whatever its score.
//!
//! Worked examples (tests below):
//! 1. A new firm with no records and no ratings: 60 + 10 + 15 = 85 → B.
//! 2. A regulator reward of +8 and two ratings averaging 4.5: 68 + 10 + 18 = 96 → A.
//! 3. A regulator penalty of −10, one refusal, an imported penalty of −4,
//!    ratings averaging 3.0 and one upheld complaint: 47 + 6 + 6 = 59 → D.
//! 4. Example 2 while blacklisted: 96 points, grade D.
use serde::{Deserialize, Serialize};

pub const REGULATOR_MAX: i64 = 70;
pub const REGULATOR_BASE: i64 = 60;
pub const REWARD_CAP: i64 = 10;
pub const REFUSAL_PENALTY: i64 = 3;
pub const RED_LIST_BONUS: i64 = 5;
pub const PUBLIC_DATA_MAX: i64 = 10;
pub const SOCIAL_MAX: i64 = 20;
pub const SOCIAL_NO_RATINGS: i64 = 15;
pub const COMPLAINT_PENALTY: i64 = 4;
/// Refusals and ratings count over this many days; complaints over twice as long.
pub const WINDOW_DAYS: i64 = 365;
pub const COMPLAINT_WINDOW_DAYS: i64 = 730;
/// The range of one record's points (magnitude).
pub const POINTS_MAX: i64 = 20;

/// What the formula reads about one firm on one day.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreditInputs {
    /// Sum of the valid regulator rewards (positive).
    pub regulator_rewards: i64,
    /// Sum of the valid regulator penalties as a positive number.
    pub regulator_penalties: i64,
    /// Sum of the valid imported records' signed points.
    pub imported_points: i64,
    pub refusals: i64,
    pub upheld_complaints: i64,
    /// Ratings in the window and the sum of their four dimension scores.
    pub rating_count: i64,
    pub rating_dimension_sum: i64,
    pub red_listed: bool,
    pub blacklisted: bool,
    pub expelled: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreditBreakdown {
    pub inputs: CreditInputs,
    pub regulator: i64,
    pub public_data: i64,
    /// The ratings' share before complaints are deducted.
    pub ratings: i64,
    pub social: i64,
    pub total: i64,
    pub grade: Grade,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Grade {
    A,
    B,
    C,
    D,
}

impl Grade {
    pub fn as_str(self) -> &'static str {
        match self {
            Grade::A => "A",
            Grade::B => "B",
            Grade::C => "C",
            Grade::D => "D",
        }
    }
    pub fn parse(s: &str) -> Option<Grade> {
        match s.trim() {
            "A" | "a" => Some(Grade::A),
            "B" | "b" => Some(Grade::B),
            "C" | "c" => Some(Grade::C),
            "D" | "d" => Some(Grade::D),
            _ => None,
        }
    }
    /// The grade of a score (before the blacklist rule).
    pub fn of_score(score: i64) -> Grade {
        match score {
            s if s >= 90 => Grade::A,
            s if s >= 75 => Grade::B,
            s if s >= 60 => Grade::C,
            _ => Grade::D,
        }
    }
}

/// The social part from ratings alone: round(5 × (average − 1)), halves up.
pub fn ratings_part(count: i64, dimension_sum: i64) -> i64 {
    if count <= 0 {
        return SOCIAL_NO_RATINGS;
    }
    let cells = count * 4;
    // 5 × (sum/cells − 1) rounded half up = floor((10 × (sum − cells) + cells) / (2 × cells))
    let x = (10 * (dimension_sum - cells) + cells).div_euclid(2 * cells);
    x.clamp(0, SOCIAL_MAX)
}

/// The published formula.
pub fn compute(inputs: &CreditInputs) -> CreditBreakdown {
    let i = inputs;
    let regulator = (REGULATOR_BASE + i.regulator_rewards.clamp(0, REWARD_CAP) - i.regulator_penalties.max(0) - REFUSAL_PENALTY * i.refusals
        + if i.red_listed { RED_LIST_BONUS } else { 0 })
    .clamp(0, REGULATOR_MAX);
    let public_data = (PUBLIC_DATA_MAX + i.imported_points).clamp(0, PUBLIC_DATA_MAX);
    let ratings = ratings_part(i.rating_count, i.rating_dimension_sum);
    let social = (ratings - COMPLAINT_PENALTY * i.upheld_complaints).clamp(0, SOCIAL_MAX);
    let total = regulator + public_data + social;
    let grade = if i.blacklisted || i.expelled { Grade::D } else { Grade::of_score(total) };
    CreditBreakdown { inputs: inputs.clone(), regulator, public_data, ratings, social, total, grade }
}

/// Whether a record or list entry dated `from`..=`to` (`YYYY-MM-DD`) is valid on `today`.
pub fn valid_on(from: &str, to: Option<&str>, today: &str) -> bool {
    from <= today && to.is_none_or(|t| t.is_empty() || today <= t)
}

/// The signed points of a record of `kind` ('reward' | 'penalty') with magnitude `points`.
pub fn signed_points(kind: &str, points: i64) -> Option<i64> {
    if !(1..=POINTS_MAX).contains(&points) {
        return None;
    }
    match kind {
        "reward" => Some(points),
        "penalty" => Some(-points),
        _ => None,
    }
}

/// A record kind from its CSV or form spelling.
pub fn parse_kind(s: &str) -> Option<&'static str> {
    match s.trim() {
        "reward" | "奖励" | "表彰" => Some("reward"),
        "penalty" | "惩戒" | "处罚" => Some("penalty"),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn example_1_new_firm_is_85_b() {
        let b = compute(&CreditInputs::default());
        assert_eq!((b.regulator, b.public_data, b.social, b.total, b.grade), (60, 10, 15, 85, Grade::B));
    }

    #[test]
    fn example_2_reward_and_good_ratings_is_96_a() {
        // two ratings: (5,5,4,4) and (5,4,5,4) → 36 / 8 = 4.5 → 5 × 3.5 = 17.5 → 18
        let i = CreditInputs { regulator_rewards: 8, rating_count: 2, rating_dimension_sum: 36, ..Default::default() };
        let b = compute(&i);
        assert_eq!((b.regulator, b.public_data, b.social, b.total, b.grade), (68, 10, 18, 96, Grade::A));
    }

    #[test]
    fn example_3_penalties_refusal_complaint_is_59_d() {
        let i = CreditInputs {
            regulator_penalties: 10,
            refusals: 1,
            imported_points: -4,
            rating_count: 1,
            rating_dimension_sum: 12,
            upheld_complaints: 1,
            ..Default::default()
        };
        let b = compute(&i);
        assert_eq!((b.regulator, b.public_data, b.ratings, b.social, b.total, b.grade), (47, 6, 10, 6, 59, Grade::D));
    }

    #[test]
    fn example_4_blacklist_forces_d() {
        let i = CreditInputs { regulator_rewards: 8, rating_count: 2, rating_dimension_sum: 36, blacklisted: true, ..Default::default() };
        let b = compute(&i);
        assert_eq!((b.total, b.grade), (96, Grade::D));
        let expelled = compute(&CreditInputs { expelled: true, ..Default::default() });
        assert_eq!(expelled.grade, Grade::D);
    }

    #[test]
    fn parts_stay_within_their_ranges() {
        let huge = CreditInputs { regulator_rewards: 100, imported_points: 50, red_listed: true, rating_count: 3, rating_dimension_sum: 60, ..Default::default() };
        let b = compute(&huge);
        assert_eq!((b.regulator, b.public_data, b.social, b.total), (70, 10, 20, 100));
        let awful = CreditInputs { regulator_penalties: 200, refusals: 9, imported_points: -50, rating_count: 1, rating_dimension_sum: 4, upheld_complaints: 3, ..Default::default() };
        let b = compute(&awful);
        assert_eq!((b.regulator, b.public_data, b.social, b.total, b.grade), (0, 0, 0, 0, Grade::D));
    }

    #[test]
    fn grade_thresholds() {
        assert_eq!(Grade::of_score(90), Grade::A);
        assert_eq!(Grade::of_score(89), Grade::B);
        assert_eq!(Grade::of_score(75), Grade::B);
        assert_eq!(Grade::of_score(74), Grade::C);
        assert_eq!(Grade::of_score(60), Grade::C);
        assert_eq!(Grade::of_score(59), Grade::D);
    }

    #[test]
    fn validity_and_points() {
        assert!(valid_on("2026-01-01", None, "2026-11-20"));
        assert!(valid_on("2026-01-01", Some("2026-11-20"), "2026-11-20"));
        assert!(!valid_on("2026-01-01", Some("2026-11-19"), "2026-11-20"));
        assert!(!valid_on("2026-11-21", None, "2026-11-20"));
        assert_eq!(signed_points("penalty", 5), Some(-5));
        assert_eq!(signed_points("reward", 21), None);
        assert_eq!(signed_points("reward", 0), None);
        assert_eq!(parse_kind("惩戒"), Some("penalty"));
    }
}
