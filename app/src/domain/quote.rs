//! Sealed price competition (竞价选取): what happens at opening.
//!
//! Rules (published on every price-competition announcement):
//! - a quote above the ceiling (the budget) is refused when submitted;
//! - at opening, a quote below `abnormal_share_pct`% of the average of the
//!   *other* quotes (only when there are at least 2 quotes) is abnormally low:
//!   the firm must give a written justification which the owner accepts or
//!   rejects; a rejected quote is invalid;
//! - the lowest valid quote wins; equal lowest quotes are ranked by a
//!   verifiable draw (`domain::draw`) among them;
//! - the others follow by ascending amount (ties in the same group, also drawn).
use crate::domain::money::Fen;
use serde::{Deserialize, Serialize};

/// Default share of the others' average below which a quote is abnormally low.
pub const ABNORMAL_SHARE_PCT: u32 = 80;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpenedQuote {
    /// The firm's credit code.
    pub firm: String,
    pub amount: Fen,
    pub submitted_at: i64,
}

/// Credit codes of the abnormally low quotes, in input order.
///
/// A quote is abnormally low when it is strictly below `abnormal_share_pct`%
/// of the average of the other quotes: `amount < pct/100 × (sum − amount)/(n − 1)`,
/// compared exactly in integers (no rounding of the average). Every opened
/// quote counts towards the others' average. Fewer than 2 quotes: none.
pub fn abnormally_low(quotes: &[OpenedQuote], abnormal_share_pct: u32) -> Vec<String> {
    if quotes.len() < 2 {
        return Vec::new();
    }
    let others = quotes.len() as i128 - 1;
    let sum: i128 = quotes.iter().map(|q| q.amount.0 as i128).sum();
    quotes
        .iter()
        .filter(|q| {
            let amount = q.amount.0 as i128;
            amount * 100 * others < abnormal_share_pct as i128 * (sum - amount)
        })
        .map(|q| q.firm.clone())
        .collect()
}

/// The valid quotes (all but `invalid`) grouped by amount, lowest first; each
/// group's firms in ascending credit-code order (a group of more than one is a tie).
pub fn rank_groups(quotes: &[OpenedQuote], invalid: &[String]) -> Vec<Vec<String>> {
    let mut valid: Vec<(Fen, &str)> =
        quotes.iter().filter(|q| !invalid.contains(&q.firm)).map(|q| (q.amount, q.firm.as_str())).collect();
    valid.sort();
    let mut groups: Vec<Vec<String>> = Vec::new();
    let mut last: Option<Fen> = None;
    for (amount, firm) in valid {
        match groups.last_mut() {
            Some(group) if last == Some(amount) => group.push(firm.to_string()),
            _ => groups.push(vec![firm.to_string()]),
        }
        last = Some(amount);
    }
    groups
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(firm: &str, yuan: i64) -> OpenedQuote {
        OpenedQuote { firm: firm.into(), amount: Fen::from_yuan(yuan), submitted_at: 0 }
    }

    fn codes(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn a_quote_below_80_percent_of_the_others_average_is_abnormally_low() {
        // 70: the others average (100 + 100) / 2 = 100, 80% of that is 80, 70 < 80.
        // 100: the others average (100 + 70) / 2 = 85, 80% is 68, 100 is not below.
        let quotes = [q("A", 100), q("B", 100), q("C", 70)];
        assert_eq!(abnormally_low(&quotes, ABNORMAL_SHARE_PCT), codes(&["C"]));
        // exactly 80% is not below it
        assert_eq!(abnormally_low(&[q("A", 100), q("B", 100), q("C", 80)], 80), codes(&[]));
        // one fen under is
        let quotes = [q("A", 100), q("B", 100), OpenedQuote { firm: "C".into(), amount: Fen(7_999), submitted_at: 0 }];
        assert_eq!(abnormally_low(&quotes, 80), codes(&["C"]));
        // the average is not rounded: others 100 and 101 average 100.5, 80% = 80.4, so 80.39 is low
        let quotes = [q("A", 100), q("B", 101), OpenedQuote { firm: "C".into(), amount: Fen(8_039), submitted_at: 0 }];
        assert_eq!(abnormally_low(&quotes, 80), codes(&["C"]));
        let quotes = [q("A", 100), q("B", 101), OpenedQuote { firm: "C".into(), amount: Fen(8_040), submitted_at: 0 }];
        assert_eq!(abnormally_low(&quotes, 80), codes(&[]));
    }

    #[test]
    fn two_quotes_compare_with_each_other_and_results_keep_input_order() {
        assert_eq!(abnormally_low(&[q("A", 100), q("B", 79)], 80), codes(&["B"]));
        assert_eq!(abnormally_low(&[q("A", 100), q("B", 80)], 80), codes(&[]));
        // two low ones among high ones, reported in input order
        let quotes = [q("Z", 30), q("A", 1000), q("B", 1000), q("C", 1000), q("Y", 40)];
        assert_eq!(abnormally_low(&quotes, 80), codes(&["Z", "Y"]));
        // another share
        assert_eq!(abnormally_low(&[q("A", 100), q("B", 100), q("C", 70)], 60), codes(&[]));
    }

    #[test]
    fn fewer_than_two_quotes_are_never_abnormally_low() {
        assert_eq!(abnormally_low(&[], 80), codes(&[]));
        assert_eq!(abnormally_low(&[q("A", 1)], 80), codes(&[]));
    }

    #[test]
    fn ranking_groups_ties_and_leaves_out_invalid_quotes() {
        let quotes = [q("D", 90), q("C", 80), q("B", 100), q("A", 80), q("E", 70), q("F", 100)];
        assert_eq!(
            rank_groups(&quotes, &codes(&["E"])),
            vec![codes(&["A", "C"]), codes(&["D"]), codes(&["B", "F"])],
            "the rejected 70 does not win; the two 80s tie for first"
        );
        assert_eq!(
            rank_groups(&quotes, &[]),
            vec![codes(&["E"]), codes(&["A", "C"]), codes(&["D"]), codes(&["B", "F"])]
        );
        assert_eq!(rank_groups(&quotes, &codes(&["A", "B", "C", "D", "E", "F"])), Vec::<Vec<String>>::new());
        assert_eq!(rank_groups(&[], &[]), Vec::<Vec<String>>::new());
    }
}
