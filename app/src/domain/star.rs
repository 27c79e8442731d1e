//! Star level (星级, 1–5) of an intermediary firm from its owners' ratings, and
//! the rule that turns persistently poor ratings into a downgrade proposal.
//! Pure: the same text is published on every firm profile and in the README.
//!
//! 星级计算公式(公开):
//! 1. 每条评价的得分 = 四项评分(服务时效、服务质量、服务态度、收费规范,各 1–5 分)之和 ÷ 4。
//! 2. 只计近 12 个月(365 天)内的评价,按评价距今的天数加权:
//!    90 天以内权重 3,91–180 天权重 2,181–365 天权重 1,超过 365 天不计。
//! 3. 加权平均分 A = Σ(权重 × 四项之和) ÷ (4 × Σ权重),保留三位小数(截尾)。
//! 4. 近 12 个月评价少于 3 条:按起始星级 3 星计,并显示「新入驻」标识。
//! 5. 星级:A ≥ 4.500 为 5 星;A ≥ 3.800 为 4 星;A ≥ 3.000 为 3 星;A ≥ 2.200 为 2 星;其余 1 星。
//! 6. 监管部门作出降级处理的,在处理期限内星级不高于处理所定的上限。
//!
//! 算例:某机构有 4 条评价——10 天前(5,5,4,5,和 19)、100 天前(4,4,4,4,和 16)、
//! 200 天前(3,4,4,3,和 14)、400 天前(1,1,1,1,不计)。
//! A = (3×19 + 2×16 + 1×14) ÷ (4 × (3+2+1)) = 103 ÷ 24 = 4.291,评为 4 星。
//! 若该机构被降级处理、上限为 2 星,则处理期内显示 2 星。
//!
//! 持续差评规则:近 6 个月(180 天)内至少 3 条评价且其简单平均分低于 2.500,
//! 或近 12 个月评价不少于 3 条且按公式计算的星级(未计降级上限)不高于 2 星,
//! 系统自动生成一条降级建议,推送给该机构所在地区、相应行业的监管部门
//! (每个机构同时最多一条待处理建议)。
//! 算例:近 6 个月 3 条评价,四项之和分别为 8、9、10,平均分 = 27 ÷ 12 = 2.250 < 2.500,生成降级建议。

/// Days in the rating window (近 12 个月).
pub const WINDOW_DAYS: i64 = 365;
/// Fewer ratings than this in the window: the starting level and the 「新入驻」 badge.
pub const MIN_RATINGS: usize = 3;
/// The level of a firm without enough ratings.
pub const START_LEVEL: i64 = 3;
/// The window of the poor-rating rule (近 6 个月).
pub const POOR_WINDOW_DAYS: i64 = 180;
/// The poor-rating rule: a simple average below this (in thousandths).
pub const POOR_AVERAGE_MILLI: i64 = 2_500;
/// Lowest level thresholds (thousandths of the weighted average) for 5, 4, 3 and 2 stars.
pub const THRESHOLDS_MILLI: [(i64, i64); 4] = [(4_500, 5), (3_800, 4), (3_000, 3), (2_200, 2)];

const DAY_MS: i64 = 86_400_000;

/// The published formula as shown on profiles (kept identical to the module comment).
pub const FORMULA_ZH: &[&str] = &[
    "每条评价的得分 = 四项评分(服务时效、服务质量、服务态度、收费规范,各 1–5 分)之和 ÷ 4。",
    "只计近 12 个月(365 天)内的评价,按评价距今的天数加权:90 天以内权重 3,91–180 天权重 2,181–365 天权重 1,超过 365 天不计。",
    "加权平均分 A = Σ(权重 × 四项之和) ÷ (4 × Σ权重),保留三位小数(截尾)。",
    "近 12 个月评价少于 3 条:按起始星级 3 星计,并显示「新入驻」标识。",
    "星级:A ≥ 4.500 为 5 星;A ≥ 3.800 为 4 星;A ≥ 3.000 为 3 星;A ≥ 2.200 为 2 星;其余 1 星。",
    "监管部门作出降级处理的,在处理期限内星级不高于处理所定的上限。",
    "持续差评:近 6 个月内至少 3 条评价且平均分低于 2.500,或近 12 个月评价不少于 3 条且计算星级不高于 2 星,系统自动生成降级建议,由监管部门处理。",
];

/// One rating as the formula sees it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Scored {
    pub rated_at: i64,
    /// Sum of the four dimensions (4..=20).
    pub sum: i64,
}

/// One counted line of a firm's own calculation.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct StarLine {
    pub rated_at: i64,
    pub age_days: i64,
    pub sum: i64,
    pub weight: i64,
}

/// A firm's calculation, shown on its profile.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct StarCalc {
    /// The level shown (after any downgrade cap).
    pub level: i64,
    /// The level by the formula alone.
    pub computed: i64,
    /// Fewer than `MIN_RATINGS` in the window (「新入驻」).
    pub new_badge: bool,
    /// The ratings counted (in the window), newest first.
    pub lines: Vec<StarLine>,
    pub weighted_sum: i64,
    pub weight_total: i64,
    /// A in thousandths; `None` without counted ratings.
    pub average_milli: Option<i64>,
    /// The downgrade cap in force.
    pub cap: Option<i64>,
}

/// Weight of a rating `age_days` old: 3 / 2 / 1, 0 outside the window.
pub fn weight(age_days: i64) -> i64 {
    match age_days {
        d if d < 0 => 3,
        0..=90 => 3,
        91..=180 => 2,
        181..=WINDOW_DAYS => 1,
        _ => 0,
    }
}

/// The level for a weighted average in thousandths.
pub fn level_for(average_milli: i64) -> i64 {
    THRESHOLDS_MILLI.iter().find(|(min, _)| average_milli >= *min).map(|(_, l)| *l).unwrap_or(1)
}

fn age_days(now: i64, at: i64) -> i64 {
    (now - at).max(0) / DAY_MS
}

/// The star level at `now` from the firm's ratings and the downgrade cap in force.
pub fn compute(ratings: &[Scored], now: i64, cap: Option<i64>) -> StarCalc {
    let mut lines: Vec<StarLine> = ratings
        .iter()
        .map(|r| {
            let age = age_days(now, r.rated_at);
            StarLine { rated_at: r.rated_at, age_days: age, sum: r.sum, weight: weight(age) }
        })
        .filter(|l| l.weight > 0)
        .collect();
    lines.sort_by(|a, b| b.rated_at.cmp(&a.rated_at));
    let weighted_sum: i64 = lines.iter().map(|l| l.weight * l.sum).sum();
    let weight_total: i64 = lines.iter().map(|l| l.weight).sum();
    let average_milli = (weight_total > 0).then(|| weighted_sum * 1000 / (4 * weight_total));
    let new_badge = lines.len() < MIN_RATINGS;
    let computed = if new_badge { START_LEVEL } else { level_for(average_milli.unwrap_or(0)) };
    let cap = cap.map(|c| c.clamp(1, 5));
    let level = cap.map_or(computed, |c| computed.min(c));
    StarCalc { level, computed, new_badge, lines, weighted_sum, weight_total, average_milli, cap }
}

/// What the poor-rating rule found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Poor {
    /// Ratings in the rule's window (6 months, or 12 when the level triggered).
    pub count: i64,
    pub average_milli: i64,
    pub computed: i64,
    pub reason: String,
}

/// The poor-rating rule: `Some` when a downgrade proposal is due.
pub fn poor(ratings: &[Scored], now: i64) -> Option<Poor> {
    let calc = compute(ratings, now, None);
    let recent: Vec<&Scored> = ratings.iter().filter(|r| age_days(now, r.rated_at) <= POOR_WINDOW_DAYS).collect();
    let count = recent.len() as i64;
    let simple = (count > 0).then(|| recent.iter().map(|r| r.sum).sum::<i64>() * 1000 / (4 * count));
    if count >= MIN_RATINGS as i64 && simple.is_some_and(|a| a < POOR_AVERAGE_MILLI) {
        let a = simple.unwrap_or(0);
        return Some(Poor {
            count,
            average_milli: a,
            computed: calc.computed,
            reason: format!("近 6 个月 {count} 条评价平均分 {} 低于 2.500", milli(a)),
        });
    }
    if !calc.new_badge && calc.computed <= 2 {
        let a = calc.average_milli.unwrap_or(0);
        return Some(Poor {
            count: calc.lines.len() as i64,
            average_milli: a,
            computed: calc.computed,
            reason: format!("近 12 个月 {} 条评价加权平均分 {},计算星级 {} 星", calc.lines.len(), milli(a), calc.computed),
        });
    }
    None
}

/// Thousandths as a decimal with three places: 4291 → "4.291".
pub fn milli(v: i64) -> String {
    format!("{}.{:03}", v / 1000, v.rem_euclid(1000))
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_800_000_000_000;

    fn ago(days: i64, sum: i64) -> Scored {
        Scored { rated_at: NOW - days * DAY_MS - 1000, sum }
    }

    #[test]
    fn worked_example_from_the_documentation() {
        // 10 days (5,5,4,5), 100 days (4,4,4,4), 200 days (3,4,4,3), 400 days (1,1,1,1)
        let r = [ago(10, 19), ago(100, 16), ago(200, 14), ago(400, 4)];
        let c = compute(&r, NOW, None);
        assert_eq!(c.lines.iter().map(|l| l.weight).collect::<Vec<_>>(), vec![3, 2, 1], "the 400-day rating is not counted");
        assert_eq!((c.weighted_sum, c.weight_total), (103, 6));
        assert_eq!(c.average_milli, Some(4_291));
        assert_eq!(milli(4_291), "4.291");
        assert_eq!((c.level, c.computed, c.new_badge), (4, 4, false));
        // downgraded with a cap of 2 stars
        let capped = compute(&r, NOW, Some(2));
        assert_eq!((capped.level, capped.computed), (2, 4));
        // a cap above the computed level changes nothing
        assert_eq!(compute(&r, NOW, Some(5)).level, 4);
    }

    #[test]
    fn new_firms_start_at_three_stars_with_the_badge() {
        let c = compute(&[], NOW, None);
        assert_eq!((c.level, c.new_badge, c.average_milli), (START_LEVEL, true, None));
        let c = compute(&[ago(1, 4), ago(2, 4)], NOW, None);
        assert_eq!((c.level, c.new_badge), (3, true), "two poor ratings are not enough to judge");
        // old ratings do not count toward the minimum
        let c = compute(&[ago(1, 20), ago(2, 20), ago(500, 20)], NOW, None);
        assert!(c.new_badge);
    }

    #[test]
    fn thresholds() {
        assert_eq!(level_for(5_000), 5);
        assert_eq!(level_for(4_500), 5);
        assert_eq!(level_for(4_499), 4);
        assert_eq!(level_for(3_800), 4);
        assert_eq!(level_for(3_799), 3);
        assert_eq!(level_for(3_000), 3);
        assert_eq!(level_for(2_999), 2);
        assert_eq!(level_for(2_200), 2);
        assert_eq!(level_for(2_199), 1);
        assert_eq!(level_for(1_000), 1);
        assert_eq!((weight(0), weight(90), weight(91), weight(180), weight(181), weight(365), weight(366)), (3, 3, 2, 2, 1, 1, 0));
    }

    #[test]
    fn poor_rule_worked_example() {
        // sums 8, 9, 10 within 6 months: 27 / 12 = 2.250 < 2.500
        let r = [ago(5, 8), ago(40, 9), ago(150, 10)];
        let p = poor(&r, NOW).expect("a proposal is due");
        assert_eq!((p.count, p.average_milli), (3, 2_250));
        assert!(p.reason.contains("2.250"), "{}", p.reason);
        // by the formula: (3·8 + 3·9 + 2·10) / (4·8) = 71/32 = 2.218 → 2 stars
        assert_eq!(compute(&r, NOW, None).average_milli, Some(2_218));
        assert_eq!(compute(&r, NOW, None).level, 2);
        // good ratings: nothing
        assert_eq!(poor(&[ago(5, 18), ago(40, 17), ago(150, 20)], NOW), None);
        // two poor ratings: not yet persistent
        assert_eq!(poor(&[ago(5, 4), ago(40, 4)], NOW), None);
    }

    #[test]
    fn poor_rule_by_level_over_twelve_months() {
        // only one rating in 6 months, but a year of 2-star work: sums 10, 9, 9 at 10, 200, 300 days
        let r = [ago(10, 10), ago(200, 9), ago(300, 9)];
        let c = compute(&r, NOW, None);
        assert_eq!(c.average_milli, Some((30 + 9 + 9) * 1000 / (4 * 5)));
        assert_eq!(c.computed, 2);
        let p = poor(&r, NOW).expect("level ≤ 2 over 12 months");
        assert_eq!(p.count, 3);
    }
}
