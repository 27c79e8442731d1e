//! The working-day calendar (#8) as the operator sees it.
use serde::{Deserialize, Serialize};

/// One version of the calendar, for the operator's list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct CalendarVersion {
    pub id: i64,
    pub note: String,
    pub created_at: i64,
    pub created_by: Option<String>,
    pub holidays: i64,
    pub workdays: i64,
    pub first_date: Option<String>,
    pub last_date: Option<String>,
}

