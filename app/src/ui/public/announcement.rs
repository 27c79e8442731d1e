use crate::api::portal::get_announcement;
use crate::domain::money::Fen;
use crate::domain::procurement::Funding;
use crate::domain::time::format_shanghai;
use crate::i18n::t;
use crate::model::portal::AnnouncementDetail;
use crate::ui::components::{ErrorPanel, Loading, MethodTag, StatusTag};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

#[component]
pub fn AnnouncementPage() -> impl IntoView {
    let params = use_params_map();
    let code = move || params.with(|p| p.get("code").unwrap_or_default());
    let detail = Resource::new(code, get_announcement);
    view! {
        <Suspense fallback=|| view! { <Loading/> }>
            {move || Suspend::new(async move {
                match detail.await {
                    Ok(a) => view! { <AnnouncementView a/> }.into_any(),
                    Err(error) => view! { <Title text=t("error.title")/><ErrorPanel error/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn AnnouncementView(a: AnnouncementDetail) -> impl IntoView {
    let funding = Funding::parse(&a.funding).map(|f| t(f.label_key())).unwrap_or(a.funding.clone());
    let item_href = format!("/items/{}", a.item_code);
    let award = a.awarded_firm.clone().map(|firm| {
        view! {
            <section class="panel award" aria-labelledby="award-h">
                <h2 id="award-h">{t("announcement.award")}</h2>
                <dl class="facts">
                    <div><dt>{t("announcement.awarded_firm")}</dt><dd>{firm}</dd></div>
                    <div><dt>{t("announcement.award_amount")}</dt><dd>{a.award_fen.map(|f| Fen(f).to_string())}</dd></div>
                    <div><dt>{t("announcement.awarded_at")}</dt><dd>{a.awarded_at.map(format_shanghai)}</dd></div>
                </dl>
            </section>
        }
    });
    view! {
        <Title text=a.title.clone()/>
        <nav class="breadcrumb" aria-label=t("nav.breadcrumb")><a href="/">{t("nav.home")}</a>" / "{t("announcement.heading")}</nav>
        <article class="panel">
            <h1>{a.title.clone()}</h1>
            <p class="tags"><MethodTag method=a.method.clone()/><StatusTag status=a.status.clone()/></p>
            <dl class="facts wide">
                <div><dt>{t("announcement.code")}</dt><dd>{a.code.clone()}</dd></div>
                <div><dt>{t("announcement.owner")}</dt><dd>{a.owner_name.clone()}</dd></div>
                <div><dt>{t("announcement.item")}</dt><dd><a href=item_href>{a.item_name.clone()}</a></dd></div>
                <div><dt>{t("announcement.region")}</dt><dd>{a.region_name.clone()}</dd></div>
                <div><dt>{t("announcement.industry")}</dt><dd>{a.industry_name.clone()}</dd></div>
                <div><dt>{t("announcement.funding")}</dt><dd>{funding}</dd></div>
                <div><dt>{t("announcement.budget")}</dt><dd>{Fen(a.budget_fen).to_string()}</dd></div>
                <div><dt>{t("announcement.service_days")}</dt><dd>{a.service_days}" "{t("unit.working_days")}</dd></div>
                <div><dt>{t("announcement.published_at")}</dt><dd>{format_shanghai(a.published_at)}</dd></div>
                <div><dt>{t("announcement.deadline_at")}</dt><dd>{format_shanghai(a.deadline_at)}</dd></div>
                <div><dt>{t("announcement.participants")}</dt><dd>{a.participant_count}</dd></div>
            </dl>
            {a.cancel_reason.clone().map(|r| view! { <p class="notice">{t("announcement.cancel_reason")}": "{r}</p> })}
        </article>
        {award}
    }
}
