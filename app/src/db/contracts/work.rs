//! Milestones, messages, urges, deliveries and acceptance (owned by the service-execution slice).
use super::super::trading::Tx;
use crate::state::AppState;

pub async fn sync_milestones(_tx: &mut Tx<'_>, _state: &AppState, _contract_id: i64, _now: i64) -> Result<(), sqlx::Error> {
    Ok(())
}

pub async fn advance(_state: &AppState, _now: i64) -> Result<u32, sqlx::Error> {
    Ok(0)
}
