//! Serde types shared by server and browser: what a page shows, what a form sends.
pub mod catalogue;
pub mod firms;
pub mod portal;

use serde::{Deserialize, Serialize};

/// A code with its display name (industry, department, region …).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct Named {
    pub code: String,
    pub name: String,
}
