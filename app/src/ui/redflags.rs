//! 风险预警 (red flags): the review cases the nightly run opened, for regulators
//! (their scope), operators and administrators; a case is closed with a finding.
//!
//! Filters are a GET form (`status`: open by default, closed, or empty for both;
//! `code`; `page`). Closing: each open case has a 结案 link (`?close=<id>`) that
//! shows that case's close form, so exactly one form is on the page and its error
//! shows next to its field also before hydration (the server function's error
//! comes back to the same address).
use crate::api::redflags::{list_redflag_cases, name_key, CloseRedflagCase, RedflagCase, CODES};
use crate::domain::accounts::Role;
use crate::domain::paging::Page;
use crate::domain::time::format_shanghai;
use crate::i18n::t;
use crate::model::Named;
use crate::ui::account::{FieldError, FormError, Signed};
use crate::ui::components::{successes, Empty, ErrorPanel, FilterSelect, Loading, Pager};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::Form;
use leptos_router::hooks::use_query_map;

/// The list's query: status (`open` when absent), code, page, and the case whose
/// close form is shown.
#[derive(Clone, Debug, PartialEq)]
struct Query {
    status: String,
    code: String,
    page: i64,
    close: Option<i64>,
}

impl Query {
    fn href(&self, page: u32, close: Option<i64>) -> String {
        let mut s = format!("/supervision/flags?status={}&code={}&page={page}", self.status, self.code);
        if let Some(id) = close {
            s.push_str(&format!("&close={id}#case-{id}"));
        }
        s
    }
}

#[component]
pub fn RedFlagsPage() -> impl IntoView {
    view! {
        <Title text=t("redflags.title")/>
        <Signed roles=&[Role::Regulator, Role::Operator, Role::Admin] render=|| view! { <FlagsBody/> }/>
    }
}

#[component]
fn FlagsBody() -> impl IntoView {
    let query_map = use_query_map();
    let query = Memo::new(move |_| {
        query_map.with(|m| Query {
            status: m.get("status").unwrap_or_else(|| "open".into()),
            code: m.get("code").unwrap_or_default(),
            page: m.get("page").and_then(|p| p.parse().ok()).unwrap_or(1),
            close: m.get("close").and_then(|p| p.parse().ok()),
        })
    });
    let close = ServerAction::<CloseRedflagCase>::new();
    let closed = successes(close);
    // the case whose close form is shown (follows the address without refetching)
    let selected = Signal::derive(move || query.get().close);
    let cases = Resource::new(
        move || {
            let q = query.get();
            (q.status, q.code, q.page, closed.get())
        },
        |(status, code, page, _)| list_redflag_cases(status, code, page),
    );
    view! {
        <h1>{t("redflags.title")}</h1>
        <p class="lead">{t("redflags.lead")}</p>
        {let auth = crate::ui::account::use_auth(); move || matches!(auth.user.get(), Some(Ok(Some(u))) if matches!(u.role, Role::Operator | Role::Admin)).then(|| view! { <p class="hint"><a href="/operator/redflag-settings" data-testid="redflag-settings-link">{t("publicinfo.thresholds.link")}</a></p> })}
        {move || view! { <Filters q=query.get()/> }}
        <Transition fallback=|| view! { <Loading/> }>
            <div class="results" aria-live="polite">
                {move || Suspend::new(async move {
                    let q = query.get_untracked();
                    match cases.await {
                        Ok(page) => view! { <CaseList page q close selected/> }.into_any(),
                        Err(error) => view! { <ErrorPanel error/> }.into_any(),
                    }
                })}
            </div>
        </Transition>
    }
}

#[component]
fn Filters(q: Query) -> impl IntoView {
    let statuses = vec![
        Named { code: "open".into(), name: t("redflags.status_open") },
        Named { code: "closed".into(), name: t("redflags.status_closed") },
    ];
    let codes: Vec<Named> = CODES.iter().map(|c| Named { code: c.to_string(), name: format!("{c} {}", t(&name_key(c))) }).collect();
    view! {
        <Form method="GET" action="/supervision/flags" attr:class="filters" attr:role="search" attr:aria-label=t("redflags.filters")>
            <FilterSelect id="rf-status" name="status" label=t("redflags.status") choices=statuses current=Some(q.status.clone())/>
            <FilterSelect id="rf-code" name="code" label=t("redflags.code") choices=codes current=Some(q.code.clone())/>
            <div class="field actions">
                <button type="submit">{t("common.search")}</button>
                <a class="button secondary" href="/supervision/flags">{t("common.reset")}</a>
            </div>
        </Form>
    }
}

#[component]
fn CaseList(page: Page<RedflagCase>, q: Query, close: ServerAction<CloseRedflagCase>, selected: Signal<Option<i64>>) -> impl IntoView {
    let items = page.items.clone();
    let pager_q = q.clone();
    view! {
        <p class="count" data-testid="redflag-count">{t("redflags.found").replace("{n}", &page.total.to_string())}</p>
        {if items.is_empty() {
            view! { <Empty message=t("redflags.empty")/> }.into_any()
        } else {
            view! {
                <ul class="cards redflag-cases">
                    {items.into_iter().map(|c| {
                        let close_href = q.href(page.page, Some(c.id));
                        view! { <CaseItem c selected close_href close/> }
                    }).collect_view()}
                </ul>
            }.into_any()
        }}
        <Pager page href=move |n| pager_q.href(n, None)/>
    }
}

#[component]
fn CaseItem(c: RedflagCase, selected: Signal<Option<i64>>, close_href: String, close: ServerAction<CloseRedflagCase>) -> impl IntoView {
    let id = c.id;
    let open = c.status == "open";
    let firm_link = |name: Option<String>, code: Option<String>| match (name, code) {
        (Some(n), Some(code)) => view! { <a href=format!("/firms/{code}")>{n}</a> }.into_any(),
        (Some(n), None) => view! { <span>{n}</span> }.into_any(),
        _ => ().into_any(),
    };
    let subject = match c.subject_kind.as_str() {
        "procurement" => {
            let code = c.procurement_code.clone().unwrap_or_default();
            view! { {t("redflags.subject_procurement")}" "<a href=format!("/announcements/{code}")>{code.clone()}</a> }.into_any()
        }
        "firm" => view! { {t("redflags.subject_firm")}" "{firm_link(c.firm_name.clone(), c.firm_credit_code.clone())} }.into_any(),
        "owner" => view! { {t("redflags.subject_owner")}" "<span>{c.owner_name.clone().unwrap_or_default()}</span> }.into_any(),
        _ => view! {
            {t("redflags.subject_owner")}" "<span>{c.owner_name.clone().unwrap_or_default()}</span>" · "
            {t("redflags.subject_firm")}" "{firm_link(c.firm_name.clone(), c.firm_credit_code.clone())}
        }
        .into_any(),
    };
    let value = close.value();
    view! {
        <li class=format!("card redflag-case redflag-{}", c.status) id=format!("case-{id}") data-testid="redflag-case">
            <p>
                <span class="tag">{c.code.clone()}</span>" "
                <strong>{t(&name_key(&c.code))}</strong>" "
                <span class="tag" data-testid="redflag-status">{t(&format!("redflags.status_{}", c.status))}</span>
            </p>
            <p>{subject}" · "{t("redflags.region")}" "{c.region_name.clone()}</p>
            <p class="detail">{c.detail.clone()}</p>
            <p class="hint">
                {t("redflags.first_raised")}" "<time>{format_shanghai(c.first_raised_at)}</time>" · "
                {t("redflags.last_raised")}" "<time>{format_shanghai(c.last_raised_at)}</time>
            </p>
            {c.finding.clone().map(|f| view! {
                <p class="finding">
                    <strong>{t("redflags.finding")}":"</strong>" "{f}
                </p>
                <p class="hint">
                    {t("redflags.closed_by")}" "{c.closed_by_name.clone().unwrap_or_default()}" · "
                    <time>{c.closed_at.map(format_shanghai).unwrap_or_default()}</time>
                </p>
            })}
            {move || (open && selected.get() != Some(id)).then(|| view! {
                <p><a class="button secondary" href=close_href.clone()>{t("redflags.close")}</a></p>
            })}
            {move || (open && selected.get() == Some(id)).then(|| view! {
                <ActionForm action=close attr:class="form close-form" attr:novalidate=true>
                    <input type="hidden" name="id" value=id.to_string()/>
                    <label for=format!("finding-{id}")>{t("redflags.finding")}</label>
                    <textarea id=format!("finding-{id}") name="finding" rows="3" maxlength="500"
                        placeholder=t("redflags.finding_placeholder")></textarea>
                    <FieldError field="finding" value/>
                    <FormError value fields=&["finding"]/>
                    <button type="submit" class="button primary" disabled=close.pending()>{t("redflags.close_submit")}</button>
                </ActionForm>
            })}
        </li>
    }
}
