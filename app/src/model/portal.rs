//! Public portal: home page figures and announcements.
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct HomeSummary {
    pub item_count: i64,
    pub firm_count: i64,
    pub procurement_count: i64,
    pub open_count: i64,
    pub contract_value_fen: i64,
    pub latest: Vec<AnnouncementSummary>,
    /// The latest published notices and policies, pinned first.
    pub notices: Vec<super::notices::NoticeSummary>,
}

/// One announcement in a list.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct AnnouncementSummary {
    pub code: String,
    pub title: String,
    pub item_name: String,
    pub region_name: String,
    pub method: String,
    pub status: String,
    pub budget_fen: i64,
    pub published_at: i64,
    /// None for a direct selection, which has no registration deadline.
    pub deadline_at: Option<i64>,
}
