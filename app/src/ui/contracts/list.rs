//! `/contracts`: the caller's contracts (owner, firm) or those in its scope
//! (supervisors), filtered by status (a GET form: works without JavaScript),
//! paginated; a table on wide screens, one card per contract on phones.
use crate::api::contracts::list_contracts;
use crate::domain::accounts::Role;
use crate::domain::contract::{ContractStatus, Party};
use crate::domain::money::Fen;
use crate::domain::paging::Page;
use crate::domain::time::format_shanghai;
use crate::i18n::t;
use crate::model::contract::{ContractQuery, ContractSummary};
use crate::model::Named;
use crate::ui::account::Signed;
use crate::ui::components::{Empty, ErrorPanel, FilterSelect, Loading, Pager};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::Form;
use leptos_router::hooks::use_query_map;

/// Who sees contract pages: the parties and the supervisors (read only).
pub const CONTRACT_ROLES: &[Role] = &[Role::Owner, Role::Firm, Role::Regulator, Role::Leader, Role::Operator, Role::Admin];

/// `contract.status_*` as a tag.
#[component]
pub fn ContractStatusTag(status: ContractStatus) -> impl IntoView {
    view! { <span class=format!("tag contract-status-{}", status.as_str())>{t(status.label_key())}</span> }
}

/// 甲方 / 乙方.
pub(crate) fn party_short(p: Party) -> String {
    t(match p {
        Party::Owner => "contract.owner_short",
        Party::Firm => "contract.firm_short",
    })
}

pub(crate) fn time_or_dash(ms: Option<i64>) -> String {
    ms.map(format_shanghai).unwrap_or_else(|| "—".into())
}

#[component]
pub fn ContractsPage() -> impl IntoView {
    view! {
        <Title text=t("contract.list_title")/>
        <h1>{t("contract.list_title")}</h1>
        <p class="lead">{t("contract.list_lead")}</p>
        <Signed roles=CONTRACT_ROLES render=|| view! { <ContractList/> }/>
    }
}

#[component]
fn ContractList() -> impl IntoView {
    let query_map = use_query_map();
    let query = Memo::new(move |_| query_map.with(|m| ContractQuery::from_params(|k| m.get(k))));
    let rows = Resource::new(move || query.get(), list_contracts);
    let statuses: Vec<Named> = ContractStatus::ALL.into_iter().map(|s| Named { code: s.as_str().to_string(), name: t(s.label_key()) }).collect();
    let current = move || {
        let s = query.get_untracked().status;
        (!s.is_empty()).then_some(s)
    };
    view! {
        <Form method="GET" action="/contracts" attr:class="filters contract-filters" attr:role="search" attr:aria-label=t("contract.filters")>
            <FilterSelect id="cf-status" name="status" label=t("contract.status") choices=statuses current=current()/>
            <div class="field actions">
                <button type="submit">{t("common.filter")}</button>
                <a class="button secondary" href="/contracts">{t("common.reset")}</a>
            </div>
        </Form>
        <Transition fallback=|| view! { <Loading/> }>
            <div class="results" aria-live="polite">
                {move || Suspend::new(async move {
                    let q = query.get_untracked();
                    match rows.await {
                        Ok(page) => view! { <Results page q/> }.into_any(),
                        Err(error) => view! { <ErrorPanel error/> }.into_any(),
                    }
                })}
            </div>
        </Transition>
    }
}

#[component]
fn Results(page: Page<ContractSummary>, q: ContractQuery) -> impl IntoView {
    let rows = page.items.clone();
    let found = t("contract.found").replace("{n}", &page.total.to_string());
    let filtered = !q.status.is_empty();
    view! {
        <p class="count" data-testid="contract-count">{found}</p>
        {if rows.is_empty() {
            view! { <Empty message=t(if filtered { "contract.empty_filtered" } else { "contract.empty" })/> }.into_any()
        } else {
            view! {
                <div class="table-wrap">
                    <table class="data contracts-table">
                        <caption class="sr-only">{t("contract.list_title")}</caption>
                        <thead>
                            <tr>
                                <th scope="col">{t("contract.col_contract")}</th>
                                <th scope="col">{t("contract.status")}</th>
                                <th scope="col">{t("contract.party_owner")}</th>
                                <th scope="col">{t("contract.party_firm")}</th>
                                <th scope="col">{t("contract.price")}</th>
                                <th scope="col">{t("contract.col_time_limit")}</th>
                            </tr>
                        </thead>
                        <tbody>
                            {rows.into_iter().map(|r| view! { <Row r/> }).collect_view()}
                        </tbody>
                    </table>
                </div>
            }.into_any()
        }}
        <Pager page href=move |n| q.href(n)/>
    }
}

#[component]
fn Row(r: ContractSummary) -> impl IntoView {
    let href = format!("/contracts/{}", r.code);
    let awaits = r.awaits_me();
    let limit = match r.status {
        ContractStatus::Drafted => r.sign_due_at.map(|d| t("contract.sign_due_short").replace("{time}", &format_shanghai(d))),
        ContractStatus::Lapsed => r.lapsed_at.map(|d| t("contract.lapsed_short").replace("{time}", &format_shanghai(d))),
        s if s.in_service() => r.due_at.map(|d| t("contract.service_due_short").replace("{time}", &format_shanghai(d))),
        _ => r.signed_at.map(|d| t("contract.signed_short").replace("{time}", &format_shanghai(d))),
    }
    .unwrap_or_else(|| "—".into());
    let signed = (r.status == ContractStatus::Drafted && r.version > 0).then(|| {
        let mark = |p: Party, done: bool| format!("{}{}", party_short(p), t(if done { "contract.signed_mark" } else { "contract.unsigned_mark" }));
        view! { <span class="code">{format!("{} · {}", mark(Party::Owner, r.owner_signed), mark(Party::Firm, r.firm_signed))}</span> }
    });
    view! {
        <tr class=if awaits { "contract-row awaits" } else { "contract-row" }>
            <td data-label=t("contract.col_contract") class="title-cell">
                <a href=href>{r.title.clone()}</a>
                <span class="code">{r.code.clone()}</span>
            </td>
            <td data-label=t("contract.status")>
                <ContractStatusTag status=r.status/>
                {awaits.then(|| view! { " "<span class="tag warn">{t("contract.awaits_you")}</span> })}
                {signed}
            </td>
            <td data-label=t("contract.party_owner")>{r.owner_name.clone()}</td>
            <td data-label=t("contract.party_firm")>{r.firm_name.clone()}</td>
            <td data-label=t("contract.price") class="num">{Fen(r.price_fen).to_string()}</td>
            <td data-label=t("contract.col_time_limit")>{limit}</td>
        </tr>
    }
}
