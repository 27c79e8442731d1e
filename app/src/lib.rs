//! zjcs — 网上中介超市. The application, compiled for the server (`ssr`) and the
//! browser (`hydrate`).
#![recursion_limit = "256"]

rust_i18n::i18n!("locales", fallback = "zh-CN");

pub mod api;
pub mod domain;
pub mod error;
pub mod i18n;
pub mod model;
pub mod security_headers;
pub mod ui;

#[cfg(feature = "ssr")]
pub mod dashboard_charts;
#[cfg(feature = "ssr")]
pub mod dashboard_export;
#[cfg(feature = "ssr")]
pub mod db;
#[cfg(feature = "ssr")]
pub mod payment;
#[cfg(feature = "ssr")]
pub mod sealing;
#[cfg(feature = "ssr")]
pub mod live;
#[cfg(feature = "ssr")]
pub mod state;

pub use ui::{shell, App};
