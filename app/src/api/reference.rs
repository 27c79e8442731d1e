//! Reference data for forms: regions (with their level) and industries.
use crate::error::AppError;
use crate::model::Named;
use serde::{Deserialize, Serialize};
use leptos::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReferenceLists {
    /// Every region, in code order; names of cities and counties carry their parents
    /// ("成都市 · 锦江区") so one list reads well.
    pub regions: Vec<Named>,
    pub industries: Vec<Named>,
}

#[server(prefix = "/api", endpoint = "reference/lists")]
pub async fn get_reference_lists() -> Result<ReferenceLists, AppError> {
    use super::ctx::{authorize, check, state};
    authorize("reference/lists").await?;
    let st = state()?;
    check(crate::db::reference::lists(&st.pool).await)
}
