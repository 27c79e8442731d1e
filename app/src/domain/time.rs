//! Time display: storage is epoch milliseconds UTC, the screen shows
//! Asia/Shanghai (UTC+8 all year; China has no daylight saving).

pub const SHANGHAI_OFFSET_MS: i64 = 8 * 3_600_000;
pub const DAY_MS: i64 = 86_400_000;

/// Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
pub fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// Days since 1970-01-01 of a civil date.
pub fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let mp = (m as i64 + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// `YYYY-MM-DD HH:MM` in Asia/Shanghai.
pub fn format_shanghai(epoch_ms: i64) -> String {
    let local = epoch_ms + SHANGHAI_OFFSET_MS;
    let days = local.div_euclid(DAY_MS);
    let ms_of_day = local.rem_euclid(DAY_MS);
    let (y, m, d) = civil_from_days(days);
    format!("{y:04}-{m:02}-{d:02} {:02}:{:02}", ms_of_day / 3_600_000, (ms_of_day / 60_000) % 60)
}

/// `YYYY-MM-DD` in Asia/Shanghai.
pub fn date_shanghai(epoch_ms: i64) -> String {
    format_shanghai(epoch_ms)[..10].to_string()
}

/// Epoch ms of local midnight (Asia/Shanghai) of a civil date.
pub fn shanghai_midnight_ms(y: i64, m: u32, d: u32) -> i64 {
    days_from_civil(y, m, d) * DAY_MS - SHANGHAI_OFFSET_MS
}

/// Days since 1970-01-01 of a `YYYY-MM-DD` date; `None` when malformed.
pub fn parse_date(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let y: i64 = s[..4].parse().ok()?;
    let m: u32 = s[5..7].parse().ok()?;
    let d: u32 = s[8..10].parse().ok()?;
    if !(1..=12).contains(&m) || d == 0 {
        return None;
    }
    let days = days_from_civil(y, m, d);
    // reject 2026-02-30 and the like: the date must round-trip
    (civil_from_days(days) == (y, m, d)).then_some(days)
}

/// A `YYYY-MM` month (1970 or later) as months counted from year 0
/// (`year × 12 + month − 1`, the month index the statistics use); `None` when malformed.
pub fn parse_month(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    if b.len() != 7 || b[4] != b'-' || !b[..4].iter().chain(&b[5..]).all(u8::is_ascii_digit) {
        return None;
    }
    // ASCII digits only: the slices fall on character boundaries
    let y: i64 = s[..4].parse().ok()?;
    let m: i64 = s[5..].parse().ok()?;
    ((1..=12).contains(&m) && y >= 1970).then_some(y * 12 + m - 1)
}

/// `YYYY-MM` of a month index ([`parse_month`]'s inverse).
pub fn month_key(m: i64) -> String {
    format!("{:04}-{:02}", m.div_euclid(12), m.rem_euclid(12) + 1)
}

/// Epoch ms of the Asia/Shanghai midnight that starts month index `m`.
pub fn month_start_ms(m: i64) -> i64 {
    shanghai_midnight_ms(m.div_euclid(12), (m.rem_euclid(12) + 1) as u32, 1)
}

/// The month index (Asia/Shanghai) an instant falls in.
pub fn month_of(epoch_ms: i64) -> i64 {
    let (y, m, _) = civil_from_days((epoch_ms + SHANGHAI_OFFSET_MS).div_euclid(DAY_MS));
    y * 12 + m as i64 - 1
}

/// `[from, to)` in epoch ms of a `YYYY-MM` month in Asia/Shanghai; `None` when malformed.
pub fn month_range(month: &str) -> Option<(i64, i64)> {
    parse_month(month).map(|m| (month_start_ms(m), month_start_ms(m + 1)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_dates_strictly() {
        assert_eq!(parse_date("1970-01-02"), Some(1));
        assert_eq!(parse_date("2024-02-29").map(civil_from_days), Some((2024, 2, 29)));
        assert_eq!(parse_date("2026-02-29"), None);
        assert_eq!(parse_date("2026-13-01"), None);
        assert_eq!(parse_date("2026-1-01"), None);
        assert_eq!(parse_date("abcd-ef-gh"), None);
    }

    #[test]
    fn formats_in_shanghai_time() {
        assert_eq!(format_shanghai(0), "1970-01-01 08:00");
        // 2026-11-26T19:16:00Z is 2026-11-27 03:16 in Shanghai
        let t = days_from_civil(2026, 11, 26) * DAY_MS + (19 * 60 + 16) * 60_000;
        assert_eq!(format_shanghai(t), "2026-11-27 03:16");
        assert_eq!(date_shanghai(t), "2026-11-27");
        assert_eq!(format_shanghai(shanghai_midnight_ms(2024, 2, 29)), "2024-02-29 00:00");
    }

    #[test]
    fn months_parse_strictly_and_round_trip() {
        assert_eq!(parse_month("2026-03"), Some(2026 * 12 + 2));
        assert_eq!(parse_month("2026-03").map(month_key).as_deref(), Some("2026-03"));
        assert_eq!(parse_month("1970-01"), Some(1970 * 12));
        for bad in ["2026-13", "2026-00", "2026-3", "26-03", "2026/03", "2026-0a", "+026-03", "２０２６-03", "1969-12", "abc", ""] {
            assert_eq!(parse_month(bad), None, "{bad}");
        }
        let m = parse_month("2026-03").unwrap();
        assert_eq!(month_key(m - 3), "2025-12");
        assert_eq!(month_key(m + 10), "2027-01");
        for m in (1970 * 12..2100 * 12).step_by(7) {
            assert_eq!(parse_month(&month_key(m)), Some(m));
        }
    }

    #[test]
    fn months_start_at_shanghai_midnight() {
        let m = parse_month("2026-03").unwrap();
        // 2026-03-01 00:00 Shanghai is 2026-02-28 16:00 UTC
        assert_eq!(month_start_ms(m), 1_772_294_400_000);
        assert_eq!(format_shanghai(month_start_ms(m)), "2026-03-01 00:00");
        assert_eq!(month_of(month_start_ms(m)), m);
        assert_eq!(month_of(month_start_ms(m) - 1), m - 1, "the last millisecond of February");
        assert_eq!(month_of(0), 1970 * 12, "1970-01-01 08:00 in Shanghai");
        // month_of agrees with the displayed date
        for t in (0..4_000_000_000_000i64).step_by(86_399_999 * 13) {
            assert_eq!(Some(month_of(t)), parse_month(&date_shanghai(t)[..7]), "{t}");
        }
    }

    #[test]
    fn a_month_range_is_the_shanghai_month() {
        let (from, to) = month_range("2026-03").unwrap();
        assert_eq!((format_shanghai(from), format_shanghai(to)), ("2026-03-01 00:00".to_string(), "2026-04-01 00:00".to_string()));
        assert_eq!(month_range("2026-12").map(|(_, to)| format_shanghai(to)).as_deref(), Some("2027-01-01 00:00"));
        assert_eq!(month_range("2024-02").map(|(f, t)| (t - f) / DAY_MS), Some(29));
        assert_eq!(month_range("2026-13"), None);
        assert_eq!(month_range("abc"), None);
    }

    #[test]
    fn civil_round_trip_over_centuries() {
        for days in (-800_000..800_000).step_by(997) {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
        }
        assert_eq!(civil_from_days(days_from_civil(2000, 3, 1)), (2000, 3, 1));
    }
}
