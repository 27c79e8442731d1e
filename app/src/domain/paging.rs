//! Pagination arithmetic shared by every long list.
use serde::{Deserialize, Serialize};

pub const DEFAULT_PER_PAGE: u32 = 20;
pub const MAX_PER_PAGE: u32 = 100;

/// One page of a long list.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// 1-based page number actually returned.
    pub page: u32,
    pub per_page: u32,
    pub total: u64,
}

impl<T> Page<T> {
    pub fn page_count(&self) -> u32 {
        page_count(self.total, self.per_page)
    }
}

pub fn page_count(total: u64, per_page: u32) -> u32 {
    if per_page == 0 {
        return 0;
    }
    total.div_ceil(per_page as u64).min(u32::MAX as u64) as u32
}

/// SQL `OFFSET` for a 1-based page (page 0 is treated as page 1).
pub fn offset(page: u32, per_page: u32) -> i64 {
    (page.max(1) as i64 - 1) * per_page as i64
}

/// Page numbers to show in a pager: first, last, and a window around the
/// current page; `None` marks a gap ("…").
pub fn pager_window(current: u32, count: u32) -> Vec<Option<u32>> {
    let mut out = Vec::new();
    if count == 0 {
        return out;
    }
    let current = current.clamp(1, count);
    let lo = current.saturating_sub(2).max(1);
    let hi = (current + 2).min(count);
    if lo > 1 {
        out.push(Some(1));
        if lo > 2 {
            out.push(None);
        }
    }
    out.extend((lo..=hi).map(Some));
    if hi < count {
        if hi < count - 1 {
            out.push(None);
        }
        out.push(Some(count));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_pages() {
        assert_eq!(page_count(0, 20), 0);
        assert_eq!(page_count(1, 20), 1);
        assert_eq!(page_count(20, 20), 1);
        assert_eq!(page_count(21, 20), 2);
        assert_eq!(page_count(5, 0), 0);
    }

    #[test]
    fn offsets_are_one_based() {
        assert_eq!(offset(0, 20), 0);
        assert_eq!(offset(1, 20), 0);
        assert_eq!(offset(3, 20), 40);
    }

    #[test]
    fn pager_shows_gaps() {
        assert_eq!(pager_window(1, 1), vec![Some(1)]);
        assert_eq!(pager_window(1, 3), vec![Some(1), Some(2), Some(3)]);
        assert_eq!(
            pager_window(10, 20),
            vec![Some(1), None, Some(8), Some(9), Some(10), Some(11), Some(12), None, Some(20)]
        );
        assert_eq!(pager_window(99, 4), vec![Some(1), Some(2), Some(3), Some(4)]);
        assert!(pager_window(1, 0).is_empty());
    }
}
