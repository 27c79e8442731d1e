use crate::api::firms::{get_firm_facets, get_firm_profile, list_firms};
use crate::domain::qualification::Validity;
use crate::domain::time::date_shanghai;
use crate::i18n::t;
use crate::model::firms::{FirmFacets, FirmProfile, FirmQuery, FirmSort, FirmSummary, FIRM_QUERY_MAX_CHARS};
use crate::model::Named;
use crate::ui::components::{stars, Empty, ErrorPanel, FilterSelect, Loading, Pager};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::Form;
use leptos_router::hooks::{use_params_map, use_query_map};

#[component]
pub fn FirmsPage() -> impl IntoView {
    let query_map = use_query_map();
    let query = Memo::new(move |_| query_map.with(|m| FirmQuery::from_params(|k| m.get(k))));
    let facets = Resource::new(|| (), |_| get_firm_facets());
    let firms = Resource::new(move || query.get(), list_firms);
    view! {
        <Title text=t("firms.title")/>
        <h1>{t("firms.title")}</h1>
        <p class="lead">{t("firms.lead")}</p>
        <Suspense fallback=|| view! { <Loading/> }>
            {move || Suspend::new(async move {
                match facets.await {
                    Ok(f) => view! { <FirmFilters facets=f query=query.get_untracked()/> }.into_any(),
                    Err(error) => view! { <ErrorPanel error/> }.into_any(),
                }
            })}
        </Suspense>
        <Transition fallback=|| view! { <Loading/> }>
            <div class="results" aria-live="polite">
                {move || Suspend::new(async move {
                    let q = query.get_untracked();
                    match firms.await {
                        Ok(page) => view! { <FirmList page q/> }.into_any(),
                        Err(error) => view! { <ErrorPanel error/> }.into_any(),
                    }
                })}
            </div>
        </Transition>
    }
}

#[component]
fn FirmFilters(facets: FirmFacets, query: FirmQuery) -> impl IntoView {
    let sort = query.sort_order();
    let grades: Vec<Named> = facets.grades.into_iter().map(|g| Named { code: g.clone(), name: g }).collect();
    let items: Vec<Named> = facets.items.into_iter().map(|n| Named { name: format!("{} {}", n.code, n.name), code: n.code }).collect();
    let star_choices: Vec<Named> = (1..=5).rev().map(|n| Named { code: n.to_string(), name: t("credit.star_at_least").replace("{n}", &n.to_string()) }).collect();
    let credit_choices: Vec<Named> = ["A", "B", "C", "D"].into_iter().map(|g| Named { code: g.into(), name: g.into() }).collect();
    view! {
        <Form method="GET" action="/firms" attr:class="filters firm-filters" attr:role="search" attr:aria-label=t("firms.filters")>
            <div class="field grow">
                <label for="ff-q">{t("firms.keyword")}</label>
                <input id="ff-q" type="search" name="q" maxlength=FIRM_QUERY_MAX_CHARS.to_string()
                    value=query.q.clone().unwrap_or_default() placeholder=t("firms.keyword_placeholder")/>
            </div>
            <FilterSelect id="ff-item" name="item" label=t("firms.item") choices=items current=query.item.clone()/>
            <FilterSelect id="ff-region" name="region" label=t("firms.region")
                choices=facets.regions current=query.region.clone()/>
            <FilterSelect id="ff-department" name="department" label=t("firms.department")
                choices=facets.departments current=query.department.clone()/>
            <FilterSelect id="ff-grade" name="grade" label=t("firms.grade") choices=grades current=query.grade.clone()/>
            <FilterSelect id="ff-star" name="star" label=t("credit.filter_star")
                choices=star_choices current=query.star.clone()/>
            <FilterSelect id="ff-credit" name="credit" label=t("credit.filter_grade")
                choices=credit_choices current=query.credit.clone()/>
            <div class="field">
                <label for="ff-sort">{t("firms.sort")}</label>
                <select id="ff-sort" name="sort">
                    {FirmSort::ALL.into_iter().map(|s| view! {
                        <option value=s.as_str() selected=s == sort>{t(s.label_key())}</option>
                    }).collect_view()}
                </select>
            </div>
            <div class="field actions">
                <button type="submit">{t("common.search")}</button>
                <a class="button secondary" href="/firms">{t("common.reset")}</a>
            </div>
        </Form>
    }
}

#[component]
fn FirmList(page: crate::domain::paging::Page<FirmSummary>, q: FirmQuery) -> impl IntoView {
    let total = page.total;
    let firms = page.items.clone();
    view! {
        <p class="count" data-testid="firm-count">{t("firms.found").replace("{n}", &total.to_string())}</p>
        <crate::ui::trading::list::ExportLinks name="firms"
            query=q.href(1).strip_prefix("/firms").unwrap_or_default().to_string()/>
        {if firms.is_empty() {
            view! { <Empty message=t("firms.empty")/> }.into_any()
        } else {
            view! {
                <ul class="cards items">
                    {firms.into_iter().map(|f| view! { <FirmCard f/> }).collect_view()}
                </ul>
            }.into_any()
        }}
        <Pager page href=move |n| q.href(n)/>
    }
}

#[component]
fn FirmCard(f: FirmSummary) -> impl IntoView {
    let href = format!("/firms/{}", f.credit_code);
    view! {
        <li class="card firm">
            <h3><a href=href>{f.name}</a></h3>
            <p class="code">{f.credit_code}</p>
            <dl class="facts">
                <div><dt>{t("firms.region")}</dt><dd>{f.region_name}</dd></div>
                <div><dt>{t("firms.items")}</dt><dd>{f.item_count}</dd></div>
                <div><dt>{t("firms.completed")}</dt><dd>{f.completed_count}</dd></div>
                <div><dt>{t("firms.registered_at")}</dt><dd>{date_shanghai(f.registered_at)}</dd></div>
                <div><dt>{t("firms.star")}</dt><dd>{stars(f.star_level)}</dd></div>
                <div><dt>{t("firms.credit_grade")}</dt><dd>{f.credit_grade.unwrap_or_else(|| "—".into())}</dd></div>
            </dl>
        </li>
    }
}

#[component]
pub fn FirmPage() -> impl IntoView {
    let params = use_params_map();
    let code = move || params.with(|p| p.get("code").unwrap_or_default());
    let profile = Resource::new(code, get_firm_profile);
    view! {
        <Suspense fallback=|| view! { <Loading/> }>
            {move || Suspend::new(async move {
                match profile.await {
                    Ok(p) => view! { <FirmView p/> }.into_any(),
                    Err(error) => view! { <Title text=t("error.title")/><ErrorPanel error/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn FirmView(p: FirmProfile) -> impl IntoView {
    let status = t(&format!("firm_status.{}", p.status));
    let scope = p.scope.clone();
    let quals = p.qualifications.clone();
    let staff = p.staff.clone();
    view! {
        <Title text=p.name.clone()/>
        <nav class="breadcrumb" aria-label=t("nav.breadcrumb")>
            <a href="/">{t("nav.home")}</a>" / "<a href="/firms">{t("nav.firms")}</a>" / "{p.name.clone()}
        </nav>
        <article class="panel">
            <h1>{p.name.clone()}</h1>
            <p class="tags"><span class=format!("tag firm-{}", p.status)>{status}</span></p>
            <dl class="facts wide">
                <div><dt>{t("firms.credit_code")}</dt><dd>{p.credit_code.clone()}</dd></div>
                <div><dt>{t("firms.region")}</dt><dd>{p.region_name.clone()}</dd></div>
                <div><dt>{t("firms.address")}</dt><dd>{p.address.clone()}</dd></div>
                <div><dt>{t("firms.legal_rep")}</dt><dd>{p.legal_rep.clone()}</dd></div>
                <div><dt>{t("firms.contact")}</dt><dd>{p.contact_name.clone()}" "{p.contact_phone.clone()}</dd></div>
                <div><dt>{t("firms.registered_at")}</dt><dd>{date_shanghai(p.registered_at)}</dd></div>
                <div><dt>{t("firms.completed")}</dt><dd>{p.completed_count}</dd></div>
                <div><dt>{t("firms.star")}</dt><dd>{stars(p.star_level)}</dd></div>
                <div><dt>{t("firms.credit_grade")}</dt><dd>{p.credit_grade.clone().unwrap_or_else(|| "—".into())}</dd></div>
            </dl>
        </article>
        <crate::ui::ratings::FirmRatings credit_code=p.credit_code.clone()/>
        <section class="panel" aria-labelledby="scope-h">
            <h2 id="scope-h">{t("firms.scope")}</h2>
            <div class="table-scroll" tabindex="0">
                <table>
                    <thead><tr>
                        <th scope="col">{t("firms.item")}</th><th scope="col">{t("firms.fee_standard")}</th>
                        <th scope="col">{t("firms.promised_days")}</th><th scope="col">{t("catalogue.time_limit")}</th>
                    </tr></thead>
                    <tbody>
                        {scope.into_iter().map(|s| view! {
                            <tr>
                                <th scope="row">
                                    <a href=format!("/items/{}", s.item_code)>{s.item_name}</a>
                                    {(!s.active).then(|| view! { " " <span class="tag warn">{t("firms.scope_suspended")}</span> })}
                                </th>
                                <td>{s.fee_standard}</td><td>{s.promised_days}</td><td>{s.time_limit_days}</td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
            </div>
        </section>
        <section class="panel" aria-labelledby="quals-h">
            <h2 id="quals-h">{t("firms.qualifications")}</h2>
            {if quals.is_empty() {
                view! { <p>{t("firms.no_qualifications")}</p> }.into_any()
            } else {
                view! {
                    <div class="table-scroll" tabindex="0">
                        <table>
                            <thead><tr>
                                <th scope="col">{t("firms.qualification_type")}</th><th scope="col">{t("firms.grade")}</th>
                                <th scope="col">{t("firms.certificate_no")}</th><th scope="col">{t("firms.issuer")}</th>
                                <th scope="col">{t("firms.valid")}</th>
                            </tr></thead>
                            <tbody>
                                {quals.into_iter().map(|q| view! {
                                    <tr>
                                        <th scope="row">{q.type_name}</th><td>{q.grade}</td><td>{q.certificate_no}</td>
                                        <td>{q.issuer}</td>
                                        <td>
                                            {format!("{} — {}", q.valid_from, q.valid_to)}
                                            {match q.validity {
                                                Validity::Valid => None,
                                                Validity::ExpiringSoon { days_left } => Some(view! {
                                                    " " <span class="tag warn">{t("firms.expiring").replace("{n}", &days_left.to_string())}</span>
                                                }.into_any()),
                                                Validity::Expired => Some(view! { " " <span class="tag bad">{t("firms.expired")}</span> }.into_any()),
                                            }}
                                        </td>
                                    </tr>
                                }).collect_view()}
                            </tbody>
                        </table>
                    </div>
                }.into_any()
            }}
        </section>
        <section class="panel" aria-labelledby="staff-h">
            <h2 id="staff-h">{t("firms.staff")}</h2>
            <div class="table-scroll" tabindex="0">
                <table data-testid="staff-table">
                    <thead><tr>
                        <th scope="col">{t("firms.staff_name")}</th><th scope="col">{t("firms.staff_role")}</th>
                        <th scope="col">{t("firms.staff_title")}</th><th scope="col">{t("firms.staff_certificate")}</th>
                        <th scope="col">{t("firms.staff_id")}</th><th scope="col">{t("firms.staff_phone")}</th>
                    </tr></thead>
                    <tbody>
                        {staff.into_iter().map(|s| view! {
                            <tr>
                                <th scope="row">{s.name}</th><td>{t(&format!("staff_role.{}", s.role))}</td><td>{s.title}</td>
                                <td>{s.certificate.unwrap_or_else(|| "—".into())}</td>
                                <td>{s.id_number_masked}</td><td>{s.phone_masked}</td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
            </div>
        </section>
    }
}
