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
    pub deadline_at: i64,
}

/// One month of the public statistics.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MonthStat {
    /// `YYYY-MM` (Asia/Shanghai).
    pub month: String,
    pub published: i64,
    pub selected: i64,
    pub failed: i64,
}

/// Projects per selection method.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct MethodStat {
    pub method: String,
    pub projects: i64,
    pub selected: i64,
}

/// The public statistics page: figures, and ECharts options built on the server
/// from the same figures (each chart also has its data table).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PublicStats {
    pub months: Vec<MonthStat>,
    pub methods: Vec<MethodStat>,
    pub monthly_chart: String,
    pub method_chart: String,
}
