//! Folding daily figures into calendar months.
use crate::domain::time::civil_from_days;

/// `(day, published, selected, failed)` rows → `(YYYY-MM, published, selected, failed)`
/// for the `n` months ending with the month of `today_day`, oldest first; months
/// without projects are present with zeros.
pub fn fold_months(days: &[(i64, i64, i64, i64)], today_day: i64, n: usize) -> Vec<(String, i64, i64, i64)> {
    let (ty, tm, _) = civil_from_days(today_day);
    let mut keys: Vec<(i64, u32)> = Vec::with_capacity(n);
    let (mut y, mut m) = (ty, tm);
    for _ in 0..n {
        keys.push((y, m));
        if m == 1 {
            y -= 1;
            m = 12;
        } else {
            m -= 1;
        }
    }
    keys.reverse();
    let mut out: Vec<(String, i64, i64, i64)> =
        keys.iter().map(|(y, m)| (format!("{y:04}-{m:02}"), 0, 0, 0)).collect();
    for &(day, p, s, f) in days {
        let (y, m, _) = civil_from_days(day);
        if let Some(k) = keys.iter().position(|&k| k == (y, m)) {
            out[k].1 += p;
            out[k].2 += s;
            out[k].3 += f;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::time::days_from_civil;

    #[test]
    fn folds_days_into_months_with_empty_months() {
        let d = |y, m, dd| days_from_civil(y, m, dd);
        let rows = [(d(2026, 9, 30), 2, 1, 0), (d(2026, 11, 1), 3, 2, 1), (d(2026, 11, 26), 1, 0, 0), (d(2025, 1, 1), 9, 9, 9)];
        let out = fold_months(&rows, d(2026, 11, 26), 3);
        assert_eq!(
            out,
            vec![("2026-09".into(), 2, 1, 0), ("2026-10".into(), 0, 0, 0), ("2026-11".into(), 4, 2, 1)]
        );
        let across_year = fold_months(&[], d(2026, 1, 5), 2);
        assert_eq!(across_year[0].0, "2025-12");
        assert_eq!(across_year[1].0, "2026-01");
    }
}
