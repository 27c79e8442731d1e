use crate::api::portal::get_home_summary;
use crate::domain::money::Fen;
use crate::domain::time::format_shanghai;
use crate::i18n::t;
use crate::model::portal::{AnnouncementSummary, HomeSummary};
use crate::ui::components::{Empty, ErrorPanel, Loading, MethodTag, StatusTag};
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn HomePage() -> impl IntoView {
    let summary = Resource::new(|| (), |_| get_home_summary());
    view! {
        <Title text=""/>
        <section class="hero">
            <h1>{t("home.title")}</h1>
            <p class="lead">{t("home.lead")}</p>
            <form class="search" method="get" action="/items" role="search">
                <label for="home-q" class="sr-only">{t("home.search_label")}</label>
                <input id="home-q" type="search" name="q" maxlength="50" placeholder=t("home.search_placeholder")/>
                <button type="submit">{t("common.search")}</button>
            </form>
        </section>
        <Suspense fallback=|| view! { <Loading/> }>
            {move || Suspend::new(async move {
                match summary.await {
                    Ok(s) => view! { <HomeBody s/> }.into_any(),
                    Err(error) => view! { <ErrorPanel error/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn HomeBody(s: HomeSummary) -> impl IntoView {
    let figures = [
        (t("home.stat_items"), s.item_count.to_string(), t("unit.items"), "stat-items"),
        (t("home.stat_firms"), s.firm_count.to_string(), t("unit.firms"), "stat-firms"),
        (t("home.stat_projects"), s.procurement_count.to_string(), t("unit.projects"), "stat-projects"),
        (t("home.stat_open"), s.open_count.to_string(), t("unit.projects"), "stat-open"),
        (t("home.stat_value"), Fen(s.contract_value_fen).compact_cn(), t("unit.yuan"), "stat-value"),
    ];
    let latest = s.latest;
    let notices = s.notices;
    view! {
        <section aria-labelledby="stats-h">
            <h2 id="stats-h" class="sr-only">{t("home.stats_heading")}</h2>
            <ul class="stats">
                {figures.into_iter().map(|(label, value, unit, id)| view! {
                    <li class="stat" data-testid=id>
                        <span class="stat-label">{label}</span>
                        <span class="stat-value">{value}<small>{unit}</small></span>
                    </li>
                }).collect_view()}
            </ul>
        </section>
        <section class="home-notices" aria-labelledby="notices-h">
            <h2 id="notices-h">{t("notices.title")}</h2>
            {if notices.is_empty() {
                view! { <Empty message=t("notices.empty")/> }.into_any()
            } else {
                view! {
                    <ul class="notice-list">
                        {notices.into_iter().map(|n| view! { <crate::ui::notices::NoticeItem n/> }).collect_view()}
                    </ul>
                    <p class="more"><a href="/notices">{t("notices.more")}</a></p>
                }.into_any()
            }}
        </section>
        <section class="latest" aria-labelledby="latest-h">
            <h2 id="latest-h">{t("home.latest")}</h2>
            {if latest.is_empty() {
                view! { <Empty message=t("home.no_announcements")/> }.into_any()
            } else {
                view! {
                    <ul class="cards">
                        {latest.into_iter().map(|a| view! { <AnnouncementCard a/> }).collect_view()}
                    </ul>
                }.into_any()
            }}
        </section>
    }
}

#[component]
pub fn AnnouncementCard(a: AnnouncementSummary) -> impl IntoView {
    let href = format!("/announcements/{}", a.code);
    view! {
        <li class="card announcement">
            <h3><a href=href>{a.title}</a></h3>
            <p class="tags"><MethodTag method=a.method/><StatusTag status=a.status/></p>
            <dl class="facts">
                <div><dt>{t("announcement.item")}</dt><dd>{a.item_name}</dd></div>
                <div><dt>{t("announcement.region")}</dt><dd>{a.region_name}</dd></div>
                <div><dt>{t("announcement.budget")}</dt><dd>{Fen(a.budget_fen).to_string()}</dd></div>
                <div><dt>{t("announcement.published_at")}</dt><dd>{format_shanghai(a.published_at)}</dd></div>
                {a.deadline_at.map(|d| view! { <div><dt>{t("announcement.deadline_at")}</dt><dd>{format_shanghai(d)}</dd></div> })}
            </dl>
        </li>
    }
}
