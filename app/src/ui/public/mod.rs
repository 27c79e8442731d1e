//! Public pages (no login): home, service-item catalogue, announcements, 404.
mod catalogue;
mod firms;
mod home;
pub mod item_history;

pub use catalogue::{CataloguePage, ItemPage};
pub use firms::{FirmPage, FirmsPage};
pub use home::HomePage;

use crate::i18n::t;
use crate::error::set_response_status;
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn NotFound() -> impl IntoView {
    set_response_status(404);
    view! {
        <Title text=t("error.not_found_title")/>
        <div class="panel not-found">
            <h1>"404"</h1>
            <p>{t("error.not_found")}</p>
            <p><a href="/">{t("error.back_home")}</a>" · "<a href="/items">{t("nav.catalogue")}</a></p>
        </div>
    }
}
