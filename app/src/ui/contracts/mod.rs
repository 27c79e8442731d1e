//! Contract pages (合同): the list of one's contracts, the contract page (text,
//! signatures, versions, amendments — `page`), its payment panel (`payments`)
//! and service-execution panel (`work`: milestones, deliveries, urges, messages),
//! the verify view (`verify`).
pub mod list;
pub mod page;
pub mod payments;
pub mod verify;
pub mod work;

use leptos::prelude::*;

/// Shared by the contract page and its panels: each bumps it after an action
/// that may change what the others show (a signature opens payment, an
/// acceptance or a payment completes the contract), and each refetches on it.
#[derive(Clone, Copy)]
pub struct ContractRefresh(pub RwSignal<u32>);

impl ContractRefresh {
    /// The page's signal, or a private one when used outside the page.
    pub fn get() -> Self {
        use_context::<ContractRefresh>().unwrap_or_else(|| ContractRefresh(RwSignal::new(0)))
    }
    pub fn bump(self) {
        self.0.update(|n| *n += 1);
    }
    pub fn track(self) -> u32 {
        self.0.get()
    }
}
