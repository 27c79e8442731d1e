//! Pure domain rules: no IO, no Leptos. Compiled for the server and the browser.
pub mod accounts;
pub mod authz;
pub mod catalogue;
pub mod credit_code;
pub mod files;
#[cfg(feature = "ssr")]
pub mod markdown;
pub mod money;
pub mod onboarding;
pub mod paging;
pub mod privacy;
pub mod procurement;
pub mod qualification;
pub mod region;
pub mod stats;
pub mod time;
