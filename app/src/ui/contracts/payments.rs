//! (payment slice: in progress)
use crate::domain::contract::{ContractStatus, Party};
use leptos::prelude::*;

/// The contract page's payment panel: installments, payments, receipts.
/// `viewer`: the caller's party, `None` for a supervisor (read-only).
#[component]
pub fn PaymentsPanel(code: String, viewer: Option<Party>, status: ContractStatus) -> impl IntoView {
    let _ = (code, viewer, status);
}
