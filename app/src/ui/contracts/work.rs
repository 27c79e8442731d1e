//! (service-execution slice: in progress)
use crate::domain::contract::{ContractStatus, Party};
use leptos::prelude::*;

/// The contract page's service-execution panel: milestones, deliveries and
/// acceptance, urges, the message thread.
/// `viewer`: the caller's party, `None` for a supervisor (read-only).
#[component]
pub fn WorkPanel(code: String, viewer: Option<Party>, status: ContractStatus) -> impl IntoView {
    let _ = (code, viewer, status);
}
