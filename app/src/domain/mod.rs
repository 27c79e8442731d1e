//! Pure domain rules: no IO, no Leptos. Compiled for the server and the browser.
pub mod accounts;
pub mod authz;
pub mod credit_code;
pub mod money;
pub mod paging;
pub mod privacy;
pub mod procurement;
pub mod qualification;
pub mod region;
pub mod stats;
pub mod time;
