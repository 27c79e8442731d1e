//! `/open-data` (开放数据), for everyone without signing in: the publication
//! policy the OCDS packages point to. What is published and what never is,
//! the licence, how often it changes, the ocid, the addresses of the packages
//! and links to the last twelve months' bulk packages (from the server's
//! clock, so the page is complete without JavaScript).
use crate::api::open_data::get_open_data;
use crate::i18n::t;
use crate::model::open_data::{month_package_path, OpenData, API_DOCS_PATH, LICENCE_NAME, LICENCE_URL, MONTHS_PATH, RECORDS_PATH, RELEASES_PATH};
use crate::ui::components::{ErrorPanel, Loading};
use leptos::prelude::*;
use leptos_meta::Title;

/// An announcement code shown in the examples.
const EXAMPLE_CODE: &str = "ZJ20261100001";

#[component]
pub fn OpenDataPage() -> impl IntoView {
    let data = Resource::new(|| (), |_| get_open_data());
    view! {
        <Title text=t("open_data.title")/>
        <h1>{t("open_data.title")}</h1>
        <p class="lead">{t("open_data.lead")}</p>
        <section class="panel open-data" aria-labelledby="od-what">
            <h2 id="od-what">{t("open_data.what_h")}</h2>
            <ul data-testid="open-data-published">
                <li>{t("open_data.what_releases")}</li>
                <li>{t("open_data.what_records")}</li>
                <li>{t("open_data.what_months")}</li>
                <li data-testid="open-data-reviews">{t("open_data.what_reviews")}</li>
            </ul>
        </section>
        <section class="panel open-data" aria-labelledby="od-never">
            <h2 id="od-never">{t("open_data.never_h")}</h2>
            <p data-testid="open-data-principle">{t("open_data.never_principle")}</p>
            <ul>
                <li>{t("open_data.never_sealed")}</li>
                <li>{t("open_data.never_personal")}</li>
                <li>{t("open_data.never_secrets")}</li>
            </ul>
        </section>
        <Transition fallback=|| view! { <Loading/> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(d) => view! { <Publication d/> }.into_any(),
                    Err(error) => view! { <ErrorPanel error/> }.into_any(),
                }
            })}
        </Transition>
    }
}

/// The parts that name the publisher, the prefix and the months.
#[component]
fn Publication(d: OpenData) -> impl IntoView {
    let licence = t("open_data.licence_text").replace("{licence}", LICENCE_NAME).replace("{publisher}", &d.publisher);
    let example = format!("{}-{EXAMPLE_CODE}", d.ocid_prefix);
    let ocid = t("open_data.ocid_text").replace("{prefix}", &d.ocid_prefix).replace("{example}", &example);
    let code = t("open_data.code_placeholder");
    let patterns = [
        (format!("{RECORDS_PATH}{{{code}}}"), format!("{RECORDS_PATH}{EXAMPLE_CODE}"), t("open_data.url_record")),
        (format!("{RELEASES_PATH}{{{code}}}"), format!("{RELEASES_PATH}{EXAMPLE_CODE}"), t("open_data.url_release")),
        (format!("{MONTHS_PATH}{{YYYY-MM}}"), d.months.first().map(|m| month_package_path(m)).unwrap_or_default(), t("open_data.url_month")),
    ];
    view! {
        <section class="panel open-data" aria-labelledby="od-licence">
            <h2 id="od-licence">{t("open_data.licence_h")}</h2>
            <p data-testid="open-data-licence">{licence}</p>
            <p><a href=LICENCE_URL rel="license external">{t("open_data.licence_link")}</a></p>
        </section>
        <section class="panel open-data" aria-labelledby="od-frequency">
            <h2 id="od-frequency">{t("open_data.frequency_h")}</h2>
            <p>{t("open_data.frequency_text")}</p>
        </section>
        <section class="panel open-data" aria-labelledby="od-ocid">
            <h2 id="od-ocid">{t("open_data.ocid_h")}</h2>
            <p data-testid="open-data-ocid">{ocid}</p>
        </section>
        <section class="panel open-data" aria-labelledby="od-urls">
            <h2 id="od-urls">{t("open_data.urls_h")}</h2>
            <dl class="url-patterns" data-testid="open-data-urls">
                {patterns.into_iter().map(|(pattern, example, what)| view! {
                    <div>
                        <dt><code>{pattern}</code></dt>
                        <dd>{what} " " <span class="hint">{t("open_data.example")} <code>{example}</code></span></dd>
                    </div>
                }).collect_view()}
            </dl>
            <p class="hint">{t("open_data.url_hint")}</p>
            <p><a href=API_DOCS_PATH rel="external" data-testid="open-data-docs">{t("open_data.docs")}</a></p>
        </section>
        <section class="panel open-data" aria-labelledby="od-months">
            <h2 id="od-months">{t("open_data.months_h")}</h2>
            <ul class="month-links" data-testid="open-data-months">
                {d.months.into_iter().map(|m| {
                    let label = t("open_data.month_label").replace("{month}", &m);
                    view! { <li><a href=month_package_path(&m) rel="external" aria-label=label data-month=m.clone()>{m.clone()}</a></li> }
                }).collect_view()}
            </ul>
            <p class="hint">{t("open_data.months_hint")}</p>
        </section>
    }
}
