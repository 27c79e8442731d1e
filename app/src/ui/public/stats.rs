use crate::api::portal::get_public_stats;
use crate::domain::procurement::SelectionMethod;
use crate::i18n::t;
use crate::model::portal::PublicStats;
use crate::ui::components::{ErrorPanel, Loading};
use leptos::prelude::*;
use leptos_meta::Title;

/// Public statistics: the one page (so far) that draws charts, and so the only
/// page that loads ECharts (self-hosted from npm, `/vendor/echarts.min.js`).
#[component]
pub fn StatsPage() -> impl IntoView {
    let stats = Resource::new(|| (), |_| get_public_stats());
    view! {
        <Title text=t("stats.title")/>
        <h1>{t("stats.title")}</h1>
        <p class="lead">{t("stats.lead")}</p>
        <Suspense fallback=|| view! { <Loading/> }>
            {move || Suspend::new(async move {
                match stats.await {
                    Ok(s) => view! { <StatsBody s/> }.into_any(),
                    Err(error) => view! { <ErrorPanel error/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn StatsBody(s: PublicStats) -> impl IntoView {
    crate::ui::charts::draw_when_mounted();
    let months = s.months.clone();
    let methods = s.methods.clone();
    view! {
        <section class="panel" aria-labelledby="monthly-h">
            <h2 id="monthly-h">{t("stats.monthly")}</h2>
            <div class="chart" role="img" aria-label=t("stats.monthly") data-option=s.monthly_chart></div>
            <details>
                <summary>{t("stats.data_table")}</summary>
                <div class="table-scroll" tabindex="0">
                    <table>
                        <thead><tr><th scope="col">{t("stats.month")}</th><th scope="col">{t("stats.published")}</th><th scope="col">{t("stats.selected")}</th><th scope="col">{t("stats.failed")}</th></tr></thead>
                        <tbody>
                            {months.into_iter().map(|m| view! {
                                <tr><th scope="row">{m.month}</th><td>{m.published}</td><td>{m.selected}</td><td>{m.failed}</td></tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                </div>
            </details>
        </section>
        <section class="panel" aria-labelledby="method-h">
            <h2 id="method-h">{t("stats.methods")}</h2>
            <div class="chart" role="img" aria-label=t("stats.methods") data-option=s.method_chart></div>
            <div class="table-scroll" tabindex="0">
                <table data-testid="method-table">
                    <thead><tr><th scope="col">{t("stats.method")}</th><th scope="col">{t("stats.projects")}</th><th scope="col">{t("stats.selected")}</th></tr></thead>
                    <tbody>
                        {methods.into_iter().map(|m| {
                            let name = SelectionMethod::parse(&m.method).map(|x| t(x.label_key())).unwrap_or(m.method.clone());
                            view! { <tr><th scope="row">{name}</th><td>{m.projects}</td><td>{m.selected}</td></tr> }
                        }).collect_view()}
                    </tbody>
                </table>
            </div>
        </section>
    }
}
