//! `/manage/items`: the items the signed-in regulator or operator maintains, with
//! their state today, filters and pagination.
use super::MAINTAINERS;
use crate::api::catalogue_admin::list_managed_items;
use crate::api::reference::get_reference_lists;
use crate::domain::accounts::Role;
use crate::domain::catalogue::ItemState;
use crate::domain::paging::Page;
use crate::domain::time::format_shanghai;
use crate::i18n::t;
use crate::model::catalogue::ITEM_QUERY_MAX_CHARS;
use crate::model::catalogue_admin::{ManageQuery, ManagedItem};
use crate::model::Named;
use crate::ui::account::Signed;
use crate::ui::components::{Empty, ErrorPanel, FilterSelect, Loading, Pager};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::Form;
use leptos_router::hooks::use_query_map;

#[component]
pub fn ManageItemsPage() -> impl IntoView {
    view! {
        <Title text=t("catalogue_admin.title")/>
        <nav class="breadcrumb" aria-label=t("nav.breadcrumb")>
            <a href="/">{t("nav.home")}</a>" / "<a href="/items">{t("nav.catalogue")}</a>" / "{t("catalogue_admin.title")}
        </nav>
        <h1>{t("catalogue_admin.title")}</h1>
        <Signed roles=MAINTAINERS render=|| view! { <ManagedList/> }/>
    }
}

#[component]
fn ManagedList() -> impl IntoView {
    let query_map = use_query_map();
    let query = Memo::new(move |_| query_map.with(|m| ManageQuery::from_params(|k| m.get(k))));
    let items = Resource::new(move || query.get(), list_managed_items);
    // regulators maintain one industry: no industry filter for them
    let lists = Resource::new(|| (), |_| get_reference_lists());
    let auth = crate::ui::account::use_auth();
    let role = move || auth.user.get().and_then(|u| u.ok().flatten()).map(|u| u.role);
    let hint = move || if role() == Some(Role::Regulator) { t("catalogue_admin.scope_regulator") } else { t("catalogue_admin.scope_all") };
    view! {
        <div class="page-head">
            <p class="lead">{hint}</p>
            <a class="button" href="/manage/items/new">{t("catalogue_admin.new_item")}</a>
        </div>
        <Suspense fallback=|| view! { <Loading/> }>
            {move || Suspend::new(async move {
                let regulator = matches!(auth.user.await, Ok(Some(u)) if u.role == Role::Regulator);
                let industries = if regulator { None } else { lists.await.ok().map(|l| l.industries) };
                view! { <ManageFilters industries query=query.get_untracked()/> }
            })}
        </Suspense>
        <Transition fallback=|| view! { <Loading/> }>
            <div class="results" aria-live="polite">
                {move || Suspend::new(async move {
                    let q = query.get_untracked();
                    match items.await {
                        Ok(page) => view! { <ItemTable page q/> }.into_any(),
                        Err(error) => view! { <ErrorPanel error/> }.into_any(),
                    }
                })}
            </div>
        </Transition>
    }
}

#[component]
fn ManageFilters(industries: Option<Vec<Named>>, query: ManageQuery) -> impl IntoView {
    let states: Vec<Named> = ItemState::ALL.into_iter().map(|s| Named { code: s.as_str().into(), name: t(s.label_key()) }).collect();
    view! {
        <Form method="GET" action="/manage/items" attr:class="filters" attr:role="search" attr:aria-label=t("catalogue.filters")>
            {industries.map(|choices| view! {
                <FilterSelect id="m-industry" name="industry" label=t("catalogue.industry") choices current=query.industry.clone()/>
            })}
            <FilterSelect id="m-state" name="state" label=t("catalogue_admin.state") choices=states current=query.state.clone()/>
            <div class="field grow">
                <label for="m-q">{t("catalogue.keyword")}</label>
                <input id="m-q" type="search" name="q" maxlength=ITEM_QUERY_MAX_CHARS.to_string()
                    value=query.q.clone().unwrap_or_default() placeholder=t("catalogue_admin.keyword_placeholder")/>
            </div>
            <div class="field actions">
                <button type="submit">{t("common.filter")}</button>
                <a class="button secondary" href="/manage/items">{t("common.reset")}</a>
            </div>
        </Form>
    }
}

#[component]
fn ItemTable(page: Page<ManagedItem>, q: ManageQuery) -> impl IntoView {
    let total = page.total;
    let rows = page.items.clone();
    view! {
        <p class="count" data-testid="managed-count">{t("catalogue.found").replace("{n}", &total.to_string())}</p>
        {if rows.is_empty() {
            view! { <Empty message=t("catalogue_admin.list_empty")/> }.into_any()
        } else {
            view! {
                <div class="table-wrap">
                    <table class="data managed-items">
                        <thead><tr>
                            <th scope="col">{t("catalogue.code")}</th>
                            <th scope="col">{t("catalogue_admin.field_name")}</th>
                            <th scope="col">{t("catalogue.industry")}</th>
                            <th scope="col">{t("catalogue.region")}</th>
                            <th scope="col">{t("catalogue_admin.validity")}</th>
                            <th scope="col">{t("catalogue_admin.state")}</th>
                            <th scope="col">{t("catalogue_admin.version")}</th>
                            <th scope="col">{t("catalogue_admin.updated_at")}</th>
                        </tr></thead>
                        <tbody>{rows.into_iter().map(item_row).collect_view()}</tbody>
                    </table>
                </div>
            }.into_any()
        }}
        <Pager page href=move |n| q.href(n)/>
    }
}

fn item_row(it: ManagedItem) -> impl IntoView {
    let href = format!("/manage/items/{}/edit", it.code);
    let window = crate::ui::public::item_history::window_text(&it.effective_from, it.effective_to.as_deref(), it.retired_on.as_deref());
    view! {
        <tr>
            <td data-label=t("catalogue.code")>{it.code.clone()}</td>
            <td data-label=t("catalogue_admin.field_name")><a href=href>{it.name}</a></td>
            <td data-label=t("catalogue.industry")>{it.industry_name}</td>
            <td data-label=t("catalogue.region")>{it.region_name}</td>
            <td data-label=t("catalogue_admin.validity")>{window}</td>
            <td data-label=t("catalogue_admin.state")>
                <span class=format!("tag state-{}", it.state.as_str())>{t(it.state.label_key())}</span>
            </td>
            <td data-label=t("catalogue_admin.version")>{it.version}</td>
            <td data-label=t("catalogue_admin.updated_at")>{format_shanghai(it.updated_at)}</td>
        </tr>
    }
}
