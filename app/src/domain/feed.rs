//! Change feeds of the public read API (`/api/v1/...`): a list sorted by
//! modification time, read page by page with an opaque cursor (ProZorro's
//! `/tenders` feed is the model). A client keeps the `next_page.offset` it was
//! given and asks again later: it then receives exactly what changed since,
//! each changed object once, at its newest modification.

/// Rows per page when the client does not say.
pub const DEFAULT_LIMIT: u32 = 100;
/// Most rows per page.
pub const MAX_LIMIT: u32 = 100;

/// A position in a feed: after the row with this modification time and id.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct Cursor {
    pub modified_ms: i64,
    pub id: i64,
}

impl Cursor {
    /// The feed's start: before every row.
    pub const START: Cursor = Cursor { modified_ms: i64::MIN, id: i64::MIN };

    /// `{modified_ms}.{id}`: opaque to clients, readable in logs.
    pub fn encode(&self) -> String {
        if *self == Cursor::START {
            return String::new();
        }
        format!("{}.{}", self.modified_ms, self.id)
    }

    /// The cursor a client sent back; `""` is the start. `None`: not one of ours.
    pub fn parse(s: &str) -> Option<Cursor> {
        let s = s.trim();
        if s.is_empty() {
            return Some(Cursor::START);
        }
        let (m, id) = s.split_once('.')?;
        let digits = |t: &str| !t.is_empty() && t.len() <= 19 && t.bytes().all(|b| b.is_ascii_digit());
        if !digits(m) || !digits(id) {
            return None;
        }
        Some(Cursor { modified_ms: m.parse().ok()?, id: id.parse().ok()? })
    }
}

/// Rows per page: absent means the default; 1 to [`MAX_LIMIT`] otherwise.
pub fn limit(requested: Option<i64>) -> Result<u32, String> {
    match requested {
        None => Ok(DEFAULT_LIMIT),
        Some(n) if (1..=MAX_LIMIT as i64).contains(&n) => Ok(n as u32),
        Some(n) => Err(format!("limit 应为 1 到 {MAX_LIMIT} 之间的整数，收到的是 {n}。")),
    }
}

/// Where the next page starts: after the last row returned, or where this page
/// started when nothing (more) has changed, so a client polls with the same offset.
pub fn next_cursor(from: Cursor, rows: &[Cursor]) -> Cursor {
    rows.last().copied().unwrap_or(from)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_reject_anything_else() {
        let c = Cursor { modified_ms: 1_764_300_000_123, id: 42 };
        assert_eq!(c.encode(), "1764300000123.42");
        assert_eq!(Cursor::parse(&c.encode()), Some(c));
        assert_eq!(Cursor::parse(""), Some(Cursor::START));
        assert_eq!(Cursor::START.encode(), "");
        for bad in ["abc", "1.", ".1", "1.2.3", "-1.2", "1e3.2", "99999999999999999999.1", "1 .2", "１.2"] {
            assert_eq!(Cursor::parse(bad), None, "{bad}");
        }
        // the order of the feed
        assert!(Cursor { modified_ms: 5, id: 9 } < Cursor { modified_ms: 6, id: 1 });
        assert!(Cursor { modified_ms: 6, id: 1 } < Cursor { modified_ms: 6, id: 2 });
        assert!(Cursor::START < Cursor { modified_ms: 0, id: 0 });
    }

    #[test]
    fn limits_are_bounded_with_a_message() {
        assert_eq!(limit(None), Ok(100));
        assert_eq!(limit(Some(1)), Ok(1));
        assert_eq!(limit(Some(100)), Ok(100));
        assert!(limit(Some(0)).unwrap_err().contains("1 到 100"));
        assert!(limit(Some(101)).is_err());
        assert!(limit(Some(-5)).is_err());
    }

    #[test]
    fn an_empty_page_keeps_the_offset() {
        let from = Cursor { modified_ms: 10, id: 3 };
        assert_eq!(next_cursor(from, &[]), from);
        let rows = [Cursor { modified_ms: 11, id: 1 }, Cursor { modified_ms: 12, id: 7 }];
        assert_eq!(next_cursor(from, &rows), rows[1]);
    }
}
