use crate::api::catalogue::{get_catalogue_facets, get_service_item, list_service_items};
use crate::i18n::t;
use crate::model::catalogue::{CatalogueFacets, ItemDetail, ItemQuery, ItemSummary, ITEM_QUERY_MAX_CHARS};
use crate::domain::catalogue::ItemState;
use crate::ui::components::{Empty, ErrorPanel, FilterSelect, Loading, Pager};
use super::item_history::ItemHistory;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::Form;
use leptos_router::hooks::{use_params_map, use_query_map};

#[component]
pub fn CataloguePage() -> impl IntoView {
    let query_map = use_query_map();
    let query = Memo::new(move |_| query_map.with(|m| ItemQuery::from_params(|k| m.get(k))));
    let facets = Resource::new(|| (), |_| get_catalogue_facets());
    let items = Resource::new(move || query.get(), list_service_items);
    view! {
        <Title text=t("catalogue.title")/>
        <h1>{t("catalogue.title")}</h1>
        <p class="lead">{t("catalogue.lead")}</p>
        <MaintainLink href="/manage/items".to_string()/>
        <Suspense fallback=|| view! { <Loading/> }>
            {move || Suspend::new(async move {
                match facets.await {
                    Ok(f) => view! { <FilterForm facets=f query=query.get_untracked()/> }.into_any(),
                    Err(error) => view! { <ErrorPanel error/> }.into_any(),
                }
            })}
        </Suspense>
        <Transition fallback=|| view! { <Loading/> }>
            <div class="results" aria-live="polite">
                {move || Suspend::new(async move {
                    let q = query.get_untracked();
                    match items.await {
                        Ok(page) => view! { <ItemList page q/> }.into_any(),
                        Err(error) => view! { <ErrorPanel error/> }.into_any(),
                    }
                })}
            </div>
        </Transition>
    }
}

#[component]
fn FilterForm(facets: CatalogueFacets, query: ItemQuery) -> impl IntoView {
    view! {
        <Form method="GET" action="/items" attr:class="filters" attr:role="search" attr:aria-label=t("catalogue.filters")>
            <FilterSelect id="f-industry" name="industry" label=t("catalogue.industry")
                choices=facets.industries current=query.industry.clone()/>
            <FilterSelect id="f-department" name="department" label=t("catalogue.department")
                choices=facets.departments current=query.department.clone()/>
            <div class="field grow">
                <label for="f-q">{t("catalogue.keyword")}</label>
                <input id="f-q" type="search" name="q" maxlength=ITEM_QUERY_MAX_CHARS.to_string()
                    value=query.q.clone().unwrap_or_default() placeholder=t("catalogue.keyword_placeholder")/>
            </div>
            <div class="field actions">
                <button type="submit">{t("common.filter")}</button>
                <a class="button secondary" href="/items">{t("common.reset")}</a>
            </div>
        </Form>
    }
}

#[component]
fn ItemList(page: crate::domain::paging::Page<ItemSummary>, q: ItemQuery) -> impl IntoView {
    let total = page.total;
    let items = page.items.clone();
    let pager_q = q.clone();
    view! {
        <p class="count" data-testid="item-count">{t("catalogue.found").replace("{n}", &total.to_string())}</p>
        {if items.is_empty() {
            view! { <Empty message=t("catalogue.empty")/> }.into_any()
        } else {
            view! {
                <ul class="cards items">
                    {items.into_iter().map(|it| view! { <ItemCard it/> }).collect_view()}
                </ul>
            }.into_any()
        }}
        <Pager page href=move |n| pager_q.href(n)/>
    }
}

#[component]
fn ItemCard(it: ItemSummary) -> impl IntoView {
    let href = format!("/items/{}", it.code);
    let qualification = match (&it.qualification_name, &it.min_grade) {
        (Some(q), Some(g)) => format!("{q}({g}{})", t("catalogue.or_above")),
        (Some(q), None) => q.clone(),
        _ => t("catalogue.no_qualification"),
    };
    view! {
        <li class="card item">
            <h3><a href=href>{it.name}</a></h3>
            <p class="code">{it.code}</p>
            <dl class="facts">
                <div><dt>{t("catalogue.industry")}</dt><dd>{it.industry_name}</dd></div>
                <div><dt>{t("catalogue.department")}</dt><dd>{it.department_name}</dd></div>
                <div><dt>{t("catalogue.qualification")}</dt><dd>{qualification}</dd></div>
                <div><dt>{t("catalogue.time_limit")}</dt><dd>{it.time_limit_days}" "{t("unit.working_days")}</dd></div>
                <div><dt>{t("catalogue.firms")}</dt><dd>{it.firm_count}</dd></div>
            </dl>
        </li>
    }
}

#[component]
pub fn ItemPage() -> impl IntoView {
    let params = use_params_map();
    let code = move || params.with(|p| p.get("code").unwrap_or_default());
    let detail = Resource::new(code, get_service_item);
    view! {
        <Suspense fallback=|| view! { <Loading/> }>
            {move || Suspend::new(async move {
                match detail.await {
                    Ok(d) => view! { <ItemView d/> }.into_any(),
                    Err(error) => view! { <Title text=t("error.title")/><ErrorPanel error/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn ItemView(d: ItemDetail) -> impl IntoView {
    let qualification = match &d.qualification_name {
        Some(q) => {
            let grades = d.qualification_grades.clone().unwrap_or_default().replace('|', "、");
            let min = d.min_grade.clone().map(|g| format!(";{}{g}", t("catalogue.min_grade"))).unwrap_or_default();
            format!("{q}({}{grades}{min})", t("catalogue.grades"))
        }
        None => t("catalogue.no_qualification"),
    };
    let industry_href = format!("/items?industry={}", d.industry_code);
    let in_force = d.state == ItemState::InForce;
    // an old link to a retired or expired item: say so first, keep the facts and history
    let banner = match d.state {
        ItemState::Retired => Some(t("catalogue_admin.public_retired").replace("{date}", d.retired_on.as_deref().unwrap_or(""))),
        ItemState::Expired => Some(t("catalogue_admin.public_expired").replace("{date}", d.effective_to.as_deref().unwrap_or(""))),
        _ => None,
    }
    .map(|text| {
        let reason = d.history.iter().find(|v| v.action == "retire").filter(|_| d.state == ItemState::Retired).map(|v| v.reason.clone());
        view! {
            <div class="notice item-state" role="status" data-testid="item-state">
                <strong>{t(d.state.label_key())}</strong>" "{text}
                {reason.map(|r| view! { <p>{t("catalogue_admin.reason")}": "{r}</p> })}
            </div>
        }
    });
    let scheduled = (in_force && d.retired_on.is_some())
        .then(|| view! { <p class="notice">{t("catalogue_admin.public_scheduled").replace("{date}", d.retired_on.as_deref().unwrap_or(""))}</p> });
    let window = super::item_history::window_text(&d.effective_from, d.effective_to.as_deref(), None);
    let history = d.history.clone();
    let edit_href = format!("/manage/items/{}/edit", d.code);
    view! {
        <Title text=d.name.clone()/>
        <nav class="breadcrumb" aria-label=t("nav.breadcrumb")>
            <a href="/">{t("nav.home")}</a>" / "<a href="/items">{t("nav.catalogue")}</a>" / "{d.code.clone()}
        </nav>
        <article class="panel">
            <h1>{d.name.clone()}</h1>
            {banner}
            {scheduled}
            <dl class="facts wide">
                <div><dt>{t("catalogue.code")}</dt><dd>{d.code.clone()}</dd></div>
                <div><dt>{t("catalogue.approval_item")}</dt><dd>{d.approval_item.clone()}</dd></div>
                <div><dt>{t("catalogue.department")}</dt><dd>{d.department_name.clone()}</dd></div>
                <div><dt>{t("catalogue.industry")}</dt><dd><a href=industry_href>{d.industry_name.clone()}</a>" · "{d.regulator.clone()}</dd></div>
                <div><dt>{t("catalogue.legal_basis")}</dt><dd>{d.legal_basis.clone()}</dd></div>
                <div><dt>{t("catalogue.qualification")}</dt><dd>{qualification}</dd></div>
                <div><dt>{t("catalogue.time_limit")}</dt><dd>{d.time_limit_days}" "{t("unit.working_days")}</dd></div>
                <div><dt>{t("catalogue.fee_basis")}</dt><dd>{d.fee_basis.clone()}</dd></div>
                <div><dt>{t("catalogue.region")}</dt><dd>{d.region_name.clone()}</dd></div>
                <div><dt>{t("catalogue_admin.validity")}</dt><dd>{window}</dd></div>
                {in_force.then(|| view! { <div><dt>{t("catalogue.firms")}</dt><dd>{d.firm_count}</dd></div> })}
                <div><dt>{t("catalogue.procurements")}</dt><dd>{d.procurement_count}</dd></div>
            </dl>
            <MaintainLink href=edit_href/>
        </article>
        <section class="panel">
            <h2>{t("catalogue_admin.history")}</h2>
            <ItemHistory versions=history/>
        </section>
    }
}

/// A link to the maintenance pages for regulators, operators and administrators
/// (the server functions check the scope again).
#[component]
fn MaintainLink(href: String) -> impl IntoView {
    use crate::domain::accounts::Role;
    let auth = crate::ui::account::use_auth();
    view! {
        <Transition fallback=|| ()>
            {move || {
                let href = href.clone();
                Suspend::new(async move {
                    let maintainer = matches!(auth.user.await, Ok(Some(u)) if matches!(u.role, Role::Regulator | Role::Operator | Role::Admin));
                    maintainer.then(|| view! { <p class="maintain"><a class="button secondary" href=href>{t("catalogue_admin.maintain")}</a></p> })
                })
            }}
        </Transition>
    }
}
