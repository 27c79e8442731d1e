//! Working-day calendar (工作日历): weekends are rest days unless listed as
//! make-up working days (调休); listed public holidays are rest days. Dates are
//! `YYYY-MM-DD` in Asia/Shanghai. The operator maintains the lists as data (#8);
//! with empty lists only weekends rest.
//!
//! A date listed in both lists is a rest day (the holiday wins); a malformed
//! date is never a working day.
use crate::domain::time::{civil_from_days, parse_date, DAY_MS, SHANGHAI_OFFSET_MS};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// Day of the week of a day number (days since 1970-01-01, a Thursday):
/// 0 = Monday … 5 = Saturday, 6 = Sunday.
pub fn weekday(days: i64) -> u32 {
    (days + 3).rem_euclid(7) as u32
}

/// Whether a day number falls on a Saturday or a Sunday.
pub fn is_weekend(days: i64) -> bool {
    weekday(days) >= 5
}

/// The Asia/Shanghai day number (days since 1970-01-01) of an epoch-ms instant.
pub fn shanghai_day(epoch_ms: i64) -> i64 {
    (epoch_ms + SHANGHAI_OFFSET_MS).div_euclid(DAY_MS)
}

/// `YYYY-MM-DD` of a day number.
pub fn date_of_day(days: i64) -> String {
    let (y, m, d) = civil_from_days(days);
    format!("{y:04}-{m:02}-{d:02}")
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkCalendar {
    /// Public holidays falling on weekdays (rest days).
    pub holidays: BTreeSet<String>,
    /// Weekend days that are working days (调休).
    pub workdays: BTreeSet<String>,
}

impl WorkCalendar {
    /// Only Saturdays and Sundays rest.
    pub fn weekends_only() -> Self {
        WorkCalendar::default()
    }

    /// Whether `date` (`YYYY-MM-DD`) is a working day.
    /// A malformed date is not a working day.
    pub fn is_working_day(&self, date: &str) -> bool {
        match parse_date(date) {
            Some(days) => self.working(days, date),
            None => false,
        }
    }

    /// Whether a day number is a working day.
    pub fn is_working_day_num(&self, days: i64) -> bool {
        self.working(days, &date_of_day(days))
    }

    fn working(&self, days: i64, date: &str) -> bool {
        if self.holidays.contains(date) {
            false
        } else if self.workdays.contains(date) {
            true
        } else {
            !is_weekend(days)
        }
    }

    /// `from_ms` moved forward by `n` working days at the same Shanghai time of
    /// day: the result's date is the `n`-th working day after `from_ms`'s date.
    /// (Mon 10:00 + 3 = Thu 10:00; Fri 10:00 + 3 = Wed 10:00.) `n = 0` returns `from_ms`.
    pub fn add_working_days(&self, from_ms: i64, n: u32) -> i64 {
        let start = shanghai_day(from_ms);
        let mut day = start;
        let mut left = n;
        while left > 0 {
            day += 1;
            if self.is_working_day_num(day) {
                left -= 1;
            }
        }
        // whole days keep the Shanghai time of day (no daylight saving in China)
        from_ms + (day - start) * DAY_MS
    }

    /// Working days from `from_ms`'s date (exclusive) to `to_ms`'s date
    /// (inclusive); 0 when `to_ms` is not after `from_ms`'s date.
    pub fn working_days_between(&self, from_ms: i64, to_ms: i64) -> u32 {
        let (first, last) = (shanghai_day(from_ms) + 1, shanghai_day(to_ms));
        if last < first {
            return 0;
        }
        let in_range = |d: &i64| (first..=last).contains(d);
        // weekdays in the range, then the listed exceptions inside it
        let mut count = weekdays_through(last) - weekdays_through(first - 1);
        for date in &self.holidays {
            if let Some(d) = parse_date(date).filter(in_range) {
                if !is_weekend(d) {
                    count -= 1;
                }
            }
        }
        for date in &self.workdays {
            if let Some(d) = parse_date(date).filter(in_range) {
                if is_weekend(d) && !self.holidays.contains(date) {
                    count += 1;
                }
            }
        }
        u32::try_from(count.max(0)).unwrap_or(u32::MAX)
    }
}

/// A refused line of a calendar CSV: its number (the header is line 1), the
/// column and the message key (`calendar.error_*`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CalendarCsvError {
    pub line: usize,
    pub column: &'static str,
    pub key: &'static str,
}

/// The header of the calendar CSV format.
pub const CSV_HEADER: &str = "date,kind,name";

impl WorkCalendar {
    /// Parses the calendar CSV that operators import (UTF-8, optional BOM):
    /// the header `date,kind,name`, then one line per day: `YYYY-MM-DD`, `holiday`
    /// (a rest day, 休) or `workday` (a make-up working day on a weekend, 调休 班),
    /// and a name (e.g. 春节; may be empty). A date listed twice, a make-up
    /// working day that is not a Saturday or Sunday, or anything malformed is
    /// refused with its line and column; nothing is partly read.
    /// `data/reference/calendar-cn.csv` (the official schedules, generated from
    /// the npm package `chinese-days` by `scripts/gen-calendar.mjs`) is one.
    pub fn from_csv(text: &str) -> Result<WorkCalendar, CalendarCsvError> {
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let mut lines = text.lines().enumerate();
        let header_ok = lines.next().is_some_and(|(_, h)| h.trim().replace(' ', "") == CSV_HEADER);
        if !header_ok {
            return Err(CalendarCsvError { line: 1, column: "date", key: "calendar.error_header" });
        }
        let mut cal = WorkCalendar::default();
        for (i, raw) in lines {
            let line = i + 1;
            if raw.trim().is_empty() {
                continue;
            }
            let mut cols = raw.splitn(3, ',').map(str::trim);
            let (date, kind) = (cols.next().unwrap_or(""), cols.next().unwrap_or(""));
            let err = |column, key| Err(CalendarCsvError { line, column, key });
            let Some(day) = parse_date(date) else { return err("date", "calendar.error_date") };
            if cal.holidays.contains(date) || cal.workdays.contains(date) {
                return err("date", "calendar.error_duplicate");
            }
            match kind {
                "holiday" => cal.holidays.insert(date.to_string()),
                "workday" if is_weekend(day) => cal.workdays.insert(date.to_string()),
                "workday" => return err("kind", "calendar.error_workday_weekday"),
                _ => return err("kind", "calendar.error_kind"),
            };
        }
        Ok(cal)
    }
}

/// A running count of Monday-to-Friday days up to and including `day` (from an
/// arbitrary origin), so `weekdays_through(b) - weekdays_through(a)` counts the
/// weekdays in `a+1..=b`.
fn weekdays_through(day: i64) -> i64 {
    // shift so that index 0 is a Monday: day -3 (1969-12-29) was a Monday
    let from_monday = day + 3;
    let weeks = from_monday.div_euclid(7);
    let rest = from_monday.rem_euclid(7); // 0 = Monday … 6 = Sunday
    weeks * 5 + (rest + 1).min(5)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::time::{format_shanghai, shanghai_midnight_ms};
    use proptest::prelude::*;

    /// Test data only: a National Day week with its two make-up days.
    fn national_day_2026() -> WorkCalendar {
        WorkCalendar {
            holidays: (1..=7).map(|d| format!("2026-10-{d:02}")).collect(),
            workdays: ["2026-09-27", "2026-10-10"].into_iter().map(String::from).collect(),
        }
    }

    /// Epoch ms of a Shanghai wall-clock time.
    fn at(y: i64, m: u32, d: u32, hh: i64, mm: i64) -> i64 {
        shanghai_midnight_ms(y, m, d) + (hh * 60 + mm) * 60_000
    }

    #[test]
    fn weekdays_come_from_the_epoch_thursday() {
        assert_eq!(weekday(0), 3, "1970-01-01 was a Thursday");
        assert_eq!(weekday(parse_date("2026-09-27").unwrap()), 6, "a Sunday");
        assert_eq!(weekday(parse_date("2026-10-10").unwrap()), 5, "a Saturday");
        assert_eq!(weekday(-1), 2, "1969-12-31 was a Wednesday");
    }

    #[test]
    fn weekends_rest_and_weekdays_work() {
        let c = WorkCalendar::weekends_only();
        assert!(c.is_working_day("2026-09-25"), "Friday");
        assert!(!c.is_working_day("2026-09-26"), "Saturday");
        assert!(!c.is_working_day("2026-09-27"), "Sunday");
        assert!(c.is_working_day("2026-09-28"), "Monday");
        assert!(!c.is_working_day("2026-9-28"), "malformed");
        assert!(!c.is_working_day("2026-02-30"), "no such date");
    }

    #[test]
    fn holidays_rest_and_make_up_weekend_days_work() {
        let c = national_day_2026();
        assert!(!c.is_working_day("2026-10-01"), "Thursday, a holiday");
        assert!(!c.is_working_day("2026-10-05"), "Monday, a holiday");
        assert!(c.is_working_day("2026-09-27"), "Sunday, a make-up day");
        assert!(c.is_working_day("2026-10-10"), "Saturday, a make-up day");
        assert!(!c.is_working_day("2026-10-11"), "an ordinary Sunday");
        assert!(c.is_working_day("2026-10-08"), "Thursday after the holiday");
    }

    #[test]
    fn a_date_in_both_lists_rests() {
        let mut c = WorkCalendar::weekends_only();
        c.holidays.insert("2026-10-10".into());
        c.workdays.insert("2026-10-10".into());
        assert!(!c.is_working_day("2026-10-10"));
        assert_eq!(c.working_days_between(at(2026, 10, 9, 9, 0), at(2026, 10, 12, 9, 0)), 1);
    }

    #[test]
    fn adding_working_days_skips_the_weekend_at_the_same_time_of_day() {
        let c = WorkCalendar::weekends_only();
        // Mon 2026-09-21 10:00 + 3 = Thu 10:00
        assert_eq!(format_shanghai(c.add_working_days(at(2026, 9, 21, 10, 0), 3)), "2026-09-24 10:00");
        // Fri 2026-09-25 10:00 + 3 = Wed 10:00
        assert_eq!(format_shanghai(c.add_working_days(at(2026, 9, 25, 10, 0), 3)), "2026-09-30 10:00");
        // from a Saturday the next working day is Monday
        assert_eq!(format_shanghai(c.add_working_days(at(2026, 9, 26, 23, 59), 1)), "2026-09-28 23:59");
        let t = at(2026, 9, 26, 15, 30);
        assert_eq!(c.add_working_days(t, 0), t, "zero days returns the input, even on a weekend");
        assert_eq!(c.add_working_days(t + 123, 0), t + 123);
    }

    #[test]
    fn adding_working_days_across_a_holiday_week() {
        let c = national_day_2026();
        // Fri 2026-09-25 14:00: Sun 27 (make-up) is 1, Mon 28 2, Tue 29 3, Wed 30 4,
        // then 1–7 October rest, Thu 8 is 5, Fri 9 6, Sat 10 (make-up) 7, Mon 12 8.
        let fri = at(2026, 9, 25, 14, 0);
        assert_eq!(format_shanghai(c.add_working_days(fri, 1)), "2026-09-27 14:00");
        assert_eq!(format_shanghai(c.add_working_days(fri, 4)), "2026-09-30 14:00");
        assert_eq!(format_shanghai(c.add_working_days(fri, 5)), "2026-10-08 14:00");
        assert_eq!(format_shanghai(c.add_working_days(fri, 7)), "2026-10-10 14:00");
        assert_eq!(format_shanghai(c.add_working_days(fri, 8)), "2026-10-12 14:00");
        // three working days for an answer filed on the last day before the holiday
        assert_eq!(format_shanghai(c.add_working_days(at(2026, 9, 30, 17, 45), 3)), "2026-10-10 17:45");
    }

    #[test]
    fn counting_working_days_between_two_times() {
        let c = WorkCalendar::weekends_only();
        let mon = at(2026, 9, 21, 10, 0);
        assert_eq!(c.working_days_between(mon, mon), 0);
        assert_eq!(c.working_days_between(mon, at(2026, 9, 21, 23, 59)), 0, "same day");
        assert_eq!(c.working_days_between(mon, at(2026, 9, 22, 0, 0)), 1, "next morning counts its day");
        assert_eq!(c.working_days_between(mon, at(2026, 9, 28, 9, 0)), 5, "Tue..Fri + Mon");
        assert_eq!(c.working_days_between(at(2026, 9, 28, 9, 0), mon), 0, "backwards is 0");
        let h = national_day_2026();
        // Wed 30 Sep → Mon 12 Oct: 8 and 9 Oct, make-up Sat 10, Mon 12
        assert_eq!(h.working_days_between(at(2026, 9, 30, 9, 0), at(2026, 10, 12, 9, 0)), 4);
        // the whole of September 2026 after the 1st: 21 weekdays after Tue 1st, plus Sun 27
        assert_eq!(h.working_days_between(at(2026, 9, 1, 9, 0), at(2026, 9, 30, 9, 0)), 21 + 1);
    }

    #[test]
    fn a_late_utc_time_is_already_the_next_day_in_shanghai() {
        let c = WorkCalendar::weekends_only();
        // 2026-09-25T17:30Z (a Friday in UTC) is Saturday 01:30 in Shanghai
        let t = days_from_utc(2026, 9, 25) + (17 * 60 + 30) * 60_000;
        assert_eq!(format_shanghai(t), "2026-09-26 01:30");
        assert_eq!(shanghai_day(t), parse_date("2026-09-26").unwrap());
        // so +1 working day is Monday (not Saturday), still at 01:30 Shanghai time
        assert_eq!(format_shanghai(c.add_working_days(t, 1)), "2026-09-28 01:30");
        // and Saturday → Monday counts one working day
        assert_eq!(c.working_days_between(t, at(2026, 9, 28, 8, 0)), 1);
        // 2026-09-24T16:00Z (Thursday UTC) is Friday 00:00 in Shanghai: +1 = Monday 00:00
        let t = days_from_utc(2026, 9, 24) + 16 * 3_600_000;
        assert_eq!(format_shanghai(c.add_working_days(t, 1)), "2026-09-28 00:00");
    }

    fn days_from_utc(y: i64, m: u32, d: u32) -> i64 {
        crate::domain::time::days_from_civil(y, m, d) * DAY_MS
    }

    fn naive_between(c: &WorkCalendar, from_ms: i64, to_ms: i64) -> u32 {
        ((shanghai_day(from_ms) + 1)..=shanghai_day(to_ms)).filter(|d| c.is_working_day_num(*d)).count() as u32
    }

    fn any_calendar() -> impl Strategy<Value = WorkCalendar> {
        // holidays and make-up days around 2026
        let day = 20_400i64..20_700;
        (proptest::collection::vec(day.clone(), 0..20), proptest::collection::vec(day, 0..10)).prop_map(|(h, w)| WorkCalendar {
            holidays: h.into_iter().map(date_of_day).collect(),
            workdays: w.into_iter().map(date_of_day).collect(),
        })
    }

    proptest! {
        #[test]
        fn counting_matches_walking_day_by_day(c in any_calendar(), from in 20_350i64 * DAY_MS..20_750 * DAY_MS, span in -5 * DAY_MS..200 * DAY_MS) {
            prop_assert_eq!(c.working_days_between(from, from + span), naive_between(&c, from, from + span));
        }

        #[test]
        fn adding_then_counting_gives_back_n(c in any_calendar(), from in 20_350i64 * DAY_MS..20_750 * DAY_MS, n in 0u32..60) {
            let to = c.add_working_days(from, n);
            prop_assert_eq!(c.working_days_between(from, to), n);
            prop_assert_eq!((to - from).rem_euclid(DAY_MS), 0, "same time of day");
            if n > 0 {
                prop_assert!(c.is_working_day_num(shanghai_day(to)), "lands on a working day");
            }
        }
    }

    /// The State Council's 2025 and 2026 schedules, imported from the npm package
    /// `chinese-days` (scripts/gen-calendar.mjs), not typed here.
    fn official() -> WorkCalendar {
        WorkCalendar::from_csv(include_str!("../../../data/reference/calendar-cn.csv")).expect("the official calendar parses")
    }

    fn at10(date: &str) -> i64 {
        parse_date(date).expect("a valid date") * DAY_MS - SHANGHAI_OFFSET_MS + 10 * 3_600_000
    }

    fn date_after(cal: &WorkCalendar, from: &str, n: u32) -> String {
        format_shanghai(cal.add_working_days(at10(from), n))[..10].to_string()
    }

    #[test]
    fn deadlines_cross_the_2026_spring_festival_with_its_make_up_days() {
        let cal = official();
        // Friday 13 February; Saturday 14th is a make-up working day; 15th–23rd rest
        assert!(cal.is_working_day("2026-02-14") && !cal.is_working_day("2026-02-16") && !cal.is_working_day("2026-02-23"));
        assert_eq!(date_after(&cal, "2026-02-13", 1), "2026-02-14");
        assert_eq!(date_after(&cal, "2026-02-13", 2), "2026-02-24");
        assert_eq!(date_after(&cal, "2026-02-13", 5), "2026-02-27");
        // Saturday 28th is the second make-up day
        assert_eq!(date_after(&cal, "2026-02-13", 6), "2026-02-28");
        assert_eq!(date_after(&cal, "2026-02-13", 7), "2026-03-02");
        assert_eq!(cal.working_days_between(at10("2026-02-13"), at10("2026-03-02")), 7);
        // with weekends only the same limit would end a week earlier
        assert_eq!(date_after(&WorkCalendar::weekends_only(), "2026-02-13", 2), "2026-02-17");
    }

    #[test]
    fn deadlines_cross_the_2025_national_day_with_its_make_up_days() {
        let cal = official();
        // Friday 26 September; Sunday 28th works; 1–8 October rest; Saturday 11th works
        assert_eq!(date_after(&cal, "2025-09-26", 1), "2025-09-28");
        assert_eq!(date_after(&cal, "2025-09-26", 3), "2025-09-30");
        assert_eq!(date_after(&cal, "2025-09-26", 4), "2025-10-09");
        assert_eq!(date_after(&cal, "2025-09-26", 6), "2025-10-11");
        assert_eq!(date_after(&cal, "2025-09-26", 7), "2025-10-13");
        assert_eq!(cal.working_days_between(at10("2025-09-26"), at10("2025-10-13")), 7);
        // and the 2025 Spring Festival: 28 January – 4 February rest, Sunday 26 January and Saturday 8 February work
        assert_eq!(date_after(&cal, "2025-01-24", 1), "2025-01-26");
        assert_eq!(date_after(&cal, "2025-01-24", 2), "2025-01-27");
        assert_eq!(date_after(&cal, "2025-01-24", 3), "2025-02-05");
    }

    #[test]
    fn calendar_csv_errors_name_the_line_and_column() {
        let e = |text: &str| WorkCalendar::from_csv(text).unwrap_err();
        assert_eq!(e("day,kind\n"), CalendarCsvError { line: 1, column: "date", key: "calendar.error_header" });
        assert_eq!(e("date,kind,name\n2026-02-30,holiday,x\n"), CalendarCsvError { line: 2, column: "date", key: "calendar.error_date" });
        assert_eq!(e("date,kind,name\n2026-02-16,rest,春节\n"), CalendarCsvError { line: 2, column: "kind", key: "calendar.error_kind" });
        assert_eq!(e("date,kind,name\n\n2026-02-16,workday,春节\n"), CalendarCsvError { line: 3, column: "kind", key: "calendar.error_workday_weekday" });
        assert_eq!(e("date,kind,name\n2026-02-16,holiday,\n2026-02-16,holiday,\n"), CalendarCsvError { line: 3, column: "date", key: "calendar.error_duplicate" });
        let ok = WorkCalendar::from_csv("\u{feff}date,kind,name\r\n2026-02-14,workday,春节\r\n2026-02-16,holiday,春节\r\n").unwrap();
        assert!(ok.is_working_day("2026-02-14") && !ok.is_working_day("2026-02-16"));
        assert_eq!(official().workdays.len(), 11);
    }
}
