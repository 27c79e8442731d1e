//! Merit selection (择优选取): published criteria and weights, panel scores.
//!
//! Points are kept in hundredths (`centi`) so totals are exact integers.
//! - The criteria's maxima sum to 100 points: a price criterion worth
//!   `price_weight` points plus named quality criteria, each worth `max_points`.
//! - Price score (lowest-price benchmark): `price_weight × lowest ÷ price`,
//!   rounded half up to hundredths; the lowest quote gets the full weight.
//! - Each quality criterion's score is the average of the panel members'
//!   scores for it (0..=max_points, whole points), rounded half up to hundredths.
//! - Total = price score + quality scores; highest total first; equal totals
//!   are ranked by a verifiable draw.
use crate::domain::money::Fen;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Criterion {
    pub name: String,
    pub max_points: u32,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MeritCriteria {
    pub price_weight: u32,
    pub quality: Vec<Criterion>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum CriteriaProblem {
    /// Price weight plus every criterion's maximum must be 100.
    WeightsNot100 { sum: u32 },
    NoQualityCriterion,
    /// A criterion with an empty name or a duplicate name.
    BadName { name: String },
    ZeroPoints { name: String },
}

impl CriteriaProblem {
    pub fn message_key(&self) -> &'static str {
        match self {
            CriteriaProblem::WeightsNot100 { .. } => "merit.weights_not_100",
            CriteriaProblem::NoQualityCriterion => "merit.no_quality_criterion",
            CriteriaProblem::BadName { .. } => "merit.bad_name",
            CriteriaProblem::ZeroPoints { .. } => "merit.zero_points",
        }
    }
}

/// Every problem with the criteria, in this order: weights, no quality
/// criterion, then per criterion (empty or duplicate name, zero points).
/// A price weight of 0 is allowed (quality only). Names are compared trimmed;
/// a duplicate name is reported once.
pub fn validate(c: &MeritCriteria) -> Vec<CriteriaProblem> {
    let mut problems = Vec::new();
    let sum = c.quality.iter().fold(c.price_weight as u64, |s, q| s + q.max_points as u64);
    if sum != 100 {
        problems.push(CriteriaProblem::WeightsNot100 { sum: u32::try_from(sum).unwrap_or(u32::MAX) });
    }
    if c.quality.is_empty() {
        problems.push(CriteriaProblem::NoQualityCriterion);
    }
    let mut seen: Vec<&str> = Vec::new();
    let mut reported: Vec<&str> = Vec::new();
    for q in &c.quality {
        let name = q.name.trim();
        if name.is_empty() || seen.contains(&name) {
            if !reported.contains(&name) {
                problems.push(CriteriaProblem::BadName { name: q.name.clone() });
                reported.push(name);
            }
        } else {
            seen.push(name);
        }
        if q.max_points == 0 {
            problems.push(CriteriaProblem::ZeroPoints { name: q.name.clone() });
        }
    }
    problems
}

/// `num / den` rounded half up (`den > 0`, `num >= 0`).
fn div_half_up(num: i128, den: i128) -> i128 {
    (2 * num + den) / (2 * den)
}

/// The price score in hundredths of a point:
/// `price_weight × 100 × lowest ÷ price`, rounded half up.
///
/// Kept within `0..=price_weight × 100`: a price at or below the lowest
/// (including a price of 0) gets the full weight, a negative lowest gets 0.
pub fn price_score_centi(price_weight: u32, lowest: Fen, price: Fen) -> i64 {
    let full = price_weight as i64 * 100;
    if price.0 <= 0 || price.0 <= lowest.0 {
        return full;
    }
    if lowest.0 <= 0 {
        return 0;
    }
    div_half_up(full as i128 * lowest.0 as i128, price.0 as i128) as i64
}

/// One participant's inputs: the quoted price and each panel member's scores,
/// one row per member, one column per quality criterion (in criteria order).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MeritInput {
    pub firm: String,
    pub price: Fen,
    pub panel_scores: Vec<Vec<u32>>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MeritResult {
    pub firm: String,
    pub price_centi: i64,
    /// Per quality criterion, in criteria order.
    pub quality_centi: Vec<i64>,
    pub total_centi: i64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ScoreProblem {
    /// A participant has no panel score.
    Unscored { firm: String },
    /// A row has the wrong number of columns.
    WrongColumns { firm: String },
    /// A score above the criterion's maximum.
    AboveMaximum { firm: String, criterion: String },
}

/// Results per participant in input order (ranking is done by the caller with
/// `rank_groups`).
///
/// The lowest price is the lowest among `inputs` (so pass only the valid
/// participants). The first problem found, in input order, is returned.
pub fn score(c: &MeritCriteria, inputs: &[MeritInput]) -> Result<Vec<MeritResult>, ScoreProblem> {
    for input in inputs {
        if input.panel_scores.is_empty() {
            return Err(ScoreProblem::Unscored { firm: input.firm.clone() });
        }
        for row in &input.panel_scores {
            if row.len() != c.quality.len() {
                return Err(ScoreProblem::WrongColumns { firm: input.firm.clone() });
            }
            if let Some((criterion, _)) = c.quality.iter().zip(row).find(|(cr, v)| **v > cr.max_points) {
                return Err(ScoreProblem::AboveMaximum { firm: input.firm.clone(), criterion: criterion.name.clone() });
            }
        }
    }
    let Some(lowest) = inputs.iter().map(|i| i.price).min() else {
        return Ok(Vec::new());
    };
    Ok(inputs
        .iter()
        .map(|input| {
            let members = input.panel_scores.len() as i128;
            let quality_centi: Vec<i64> = (0..c.quality.len())
                .map(|j| {
                    let sum: i128 = input.panel_scores.iter().map(|row| row[j] as i128).sum();
                    div_half_up(sum * 100, members) as i64
                })
                .collect();
            let price_centi = price_score_centi(c.price_weight, lowest, input.price);
            MeritResult {
                firm: input.firm.clone(),
                price_centi,
                total_centi: price_centi + quality_centi.iter().sum::<i64>(),
                quality_centi,
            }
        })
        .collect())
}

/// Firms grouped by total, highest first; each group in ascending firm order
/// (a group of more than one is a tie to be drawn).
pub fn rank_groups(results: &[MeritResult]) -> Vec<Vec<String>> {
    let mut sorted: Vec<(i64, &str)> = results.iter().map(|r| (r.total_centi, r.firm.as_str())).collect();
    sorted.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(b.1)));
    let mut groups: Vec<Vec<String>> = Vec::new();
    let mut last = None;
    for (total, firm) in sorted {
        match groups.last_mut() {
            Some(group) if last == Some(total) => group.push(firm.to_string()),
            _ => groups.push(vec![firm.to_string()]),
        }
        last = Some(total);
    }
    groups
}

/// A total in hundredths as points with two decimals: `8_350` → `"83.50"`.
pub fn format_centi(centi: i64) -> String {
    let sign = if centi < 0 { "-" } else { "" };
    let abs = centi.unsigned_abs();
    format!("{sign}{}.{:02}", abs / 100, abs % 100)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn criteria() -> MeritCriteria {
        MeritCriteria {
            price_weight: 30,
            quality: vec![
                Criterion { name: "技术方案".into(), max_points: 40 },
                Criterion { name: "业绩".into(), max_points: 20 },
                Criterion { name: "人员".into(), max_points: 10 },
            ],
        }
    }

    fn input(firm: &str, yuan: i64, rows: &[&[u32]]) -> MeritInput {
        MeritInput { firm: firm.into(), price: Fen::from_yuan(yuan), panel_scores: rows.iter().map(|r| r.to_vec()).collect() }
    }

    #[test]
    fn valid_criteria_have_no_problem() {
        assert_eq!(validate(&criteria()), vec![]);
        let quality_only = MeritCriteria { price_weight: 0, quality: vec![Criterion { name: "方案".into(), max_points: 100 }] };
        assert_eq!(validate(&quality_only), vec![]);
    }

    #[test]
    fn criteria_problems_are_each_reported() {
        let mut c = criteria();
        c.price_weight = 40;
        assert_eq!(validate(&c), vec![CriteriaProblem::WeightsNot100 { sum: 110 }]);
        let c = MeritCriteria { price_weight: 100, quality: vec![] };
        assert_eq!(validate(&c), vec![CriteriaProblem::NoQualityCriterion]);
        let c = MeritCriteria { price_weight: 50, quality: vec![] };
        assert_eq!(validate(&c), vec![CriteriaProblem::WeightsNot100 { sum: 50 }, CriteriaProblem::NoQualityCriterion]);
        let c = MeritCriteria {
            price_weight: 30,
            quality: vec![
                Criterion { name: "业绩".into(), max_points: 30 },
                Criterion { name: " 业绩 ".into(), max_points: 20 },
                Criterion { name: "业绩".into(), max_points: 20 },
                Criterion { name: "  ".into(), max_points: 0 },
            ],
        };
        assert_eq!(
            validate(&c),
            vec![
                CriteriaProblem::BadName { name: " 业绩 ".into() },
                CriteriaProblem::BadName { name: "  ".into() },
                CriteriaProblem::ZeroPoints { name: "  ".into() },
            ]
        );
        assert_eq!(CriteriaProblem::NoQualityCriterion.message_key(), "merit.no_quality_criterion");
        let huge = MeritCriteria { price_weight: u32::MAX, quality: vec![Criterion { name: "a".into(), max_points: u32::MAX }] };
        assert_eq!(validate(&huge), vec![CriteriaProblem::WeightsNot100 { sum: u32::MAX }]);
    }

    #[test]
    fn price_score_follows_the_lowest_price_benchmark() {
        // 30 × 80,000 ÷ 100,000 = 24 points
        assert_eq!(price_score_centi(30, Fen::from_yuan(80_000), Fen::from_yuan(100_000)), 2400);
        assert_eq!(price_score_centi(30, Fen::from_yuan(80_000), Fen::from_yuan(80_000)), 3000, "the lowest gets full weight");
        // 30 × 80,000 ÷ 90,000 = 26.666… → 26.67
        assert_eq!(price_score_centi(30, Fen::from_yuan(80_000), Fen::from_yuan(90_000)), 2667);
        // 30 × 80,000 ÷ 120,000 = 20
        assert_eq!(price_score_centi(30, Fen::from_yuan(80_000), Fen::from_yuan(120_000)), 2000);
        assert_eq!(price_score_centi(0, Fen::from_yuan(80_000), Fen::from_yuan(120_000)), 0);
        // edges: a price below the "lowest" or zero keeps the full weight; no negative scores
        assert_eq!(price_score_centi(30, Fen::from_yuan(80_000), Fen::from_yuan(70_000)), 3000);
        assert_eq!(price_score_centi(30, Fen(0), Fen(0)), 3000);
        assert_eq!(price_score_centi(30, Fen(0), Fen(100)), 0);
        // no overflow with large amounts
        assert_eq!(price_score_centi(100, Fen(i64::MAX / 2), Fen(i64::MAX)), 5000);
    }

    #[test]
    fn price_score_rounds_half_up() {
        // 10 × 1 ÷ 8 = 1.25 points exactly → 125
        assert_eq!(price_score_centi(10, Fen(1), Fen(8)), 125);
        // 1 × 1 ÷ 8 = 0.125 points = 12.5 centi → 13
        assert_eq!(price_score_centi(1, Fen(1), Fen(8)), 13);
        // 1 × 3 ÷ 8 = 0.375 → 37.5 centi → 38
        assert_eq!(price_score_centi(1, Fen(3), Fen(8)), 38);
        // 1 × 1 ÷ 3 = 33.33… centi → 33; 2 ÷ 3 = 66.66… → 67
        assert_eq!(price_score_centi(1, Fen(1), Fen(3)), 33);
        assert_eq!(price_score_centi(1, Fen(2), Fen(3)), 67);
    }

    #[test]
    fn a_two_member_panel_is_averaged_to_hundredths() {
        let c = criteria();
        let results = score(
            &c,
            &[
                input("91510100MA0000001A", 100_000, &[&[33, 15, 7], &[34, 16, 8]]),
                input("91510100MA0000002B", 80_000, &[&[30, 20, 10], &[30, 20, 10]]),
            ],
        )
        .unwrap();
        // (33 + 34) / 2 = 33.5 → 3350; (15 + 16) / 2 = 15.5; (7 + 8) / 2 = 7.5
        assert_eq!(
            results[0],
            MeritResult {
                firm: "91510100MA0000001A".into(),
                price_centi: 2400,
                quality_centi: vec![3350, 1550, 750],
                total_centi: 2400 + 3350 + 1550 + 750,
            }
        );
        assert_eq!(format_centi(results[0].total_centi), "80.50");
        assert_eq!(results[1].price_centi, 3000);
        assert_eq!(results[1].total_centi, 9000);
    }

    #[test]
    fn quality_averages_round_half_up() {
        let c = MeritCriteria { price_weight: 0, quality: vec![Criterion { name: "方案".into(), max_points: 100 }] };
        // three members: 1, 0, 0 → 0.333… → 0.33; 2, 0, 0 → 0.666… → 0.67
        let r = score(&c, &[input("A", 1, &[&[1], &[0], &[0]]), input("B", 1, &[&[2], &[0], &[0]])]).unwrap();
        assert_eq!(r[0].quality_centi, vec![33]);
        assert_eq!(r[1].quality_centi, vec![67]);
        // eight members averaging 0.125 points = 12.5 centi → 13
        let rows: Vec<&[u32]> = vec![&[1], &[0], &[0], &[0], &[0], &[0], &[0], &[0]];
        assert_eq!(score(&c, &[input("C", 1, &rows)]).unwrap()[0].quality_centi, vec![13]);
    }

    #[test]
    fn scoring_problems_name_the_firm() {
        let c = criteria();
        assert_eq!(
            score(&c, &[input("A", 1, &[&[1, 1, 1]]), input("B", 1, &[])]),
            Err(ScoreProblem::Unscored { firm: "B".into() })
        );
        assert_eq!(score(&c, &[input("A", 1, &[&[1, 1]])]), Err(ScoreProblem::WrongColumns { firm: "A".into() }));
        assert_eq!(
            score(&c, &[input("A", 1, &[&[1, 1, 1], &[1, 1, 1, 1]])]),
            Err(ScoreProblem::WrongColumns { firm: "A".into() })
        );
        assert_eq!(
            score(&c, &[input("A", 1, &[&[40, 20, 10], &[40, 21, 10]])]),
            Err(ScoreProblem::AboveMaximum { firm: "A".into(), criterion: "业绩".into() })
        );
        assert_eq!(score(&c, &[]), Ok(vec![]));
    }

    #[test]
    fn ranking_is_highest_total_first_with_ties_grouped() {
        let c = criteria();
        let results = score(
            &c,
            &[
                input("C", 100_000, &[&[30, 15, 5]]), // 24 + 50 = 74
                input("B", 80_000, &[&[30, 10, 4]]),  // 30 + 44 = 74
                input("A", 80_000, &[&[40, 20, 10]]), // 100
                input("D", 160_000, &[&[20, 10, 5]]), // 15 + 35 = 50
            ],
        )
        .unwrap();
        assert_eq!(results.iter().map(|r| r.total_centi).collect::<Vec<_>>(), vec![7400, 7400, 10_000, 5000]);
        assert_eq!(
            rank_groups(&results),
            vec![vec!["A".to_string()], vec!["B".to_string(), "C".to_string()], vec!["D".to_string()]]
        );
        assert_eq!(rank_groups(&[]), Vec::<Vec<String>>::new());
    }
}
