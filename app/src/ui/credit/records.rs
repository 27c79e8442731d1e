//! `/credit-records`: the public list of credit records (信用记录公示): every
//! admitted firm's rewards, penalties and red/black list entries, newest first;
//! filters kept in the URL (a GET form: works without JavaScript), exports with
//! the same filters.
use crate::api::credit::list_credit_records;
use crate::api::reference::get_reference_lists;
use crate::domain::paging::Page;
use crate::i18n::t;
use crate::model::credit::{CreditRecordQuery, PublicCreditRow, CREDIT_RECORD_KINDS, CREDIT_RECORD_QUERY_MAX_CHARS};
use crate::model::Named;
use crate::ui::components::{Empty, ErrorPanel, FilterSelect, Loading, Pager};
use crate::ui::trading::list::ExportLinks;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::Form;
use leptos_router::hooks::use_query_map;

/// The label of a kind (reward | penalty | red | black).
pub fn kind_label(kind: &str) -> String {
    match kind {
        "red" | "black" => t(&format!("credit.list_{kind}")),
        other => t(&format!("credit.kind_{other}")),
    }
}

/// The label of a state (in_force | expired | pending | revoked).
pub fn state_label(state: &str) -> String {
    t(&format!("credit.state_{state}"))
}

#[component]
pub fn CreditRecordsPage() -> impl IntoView {
    let query_map = use_query_map();
    let query = Memo::new(move |_| query_map.with(|m| CreditRecordQuery::from_params(|k| m.get(k))));
    let lists = Resource::new(|| (), |_| get_reference_lists());
    let rows = Resource::new(move || query.get(), list_credit_records);
    view! {
        <Title text=t("credit.records_title")/>
        <nav class="breadcrumb" aria-label=t("nav.breadcrumb")>
            <a href="/">{t("nav.home")}</a>" / "<a href="/credit">{t("credit.title")}</a>" / "{t("credit.records_title")}
        </nav>
        <h1>{t("credit.records_title")}</h1>
        <p class="lead">{t("credit.records_lead")}</p>
        <Suspense fallback=|| view! { <Loading/> }>
            {move || Suspend::new(async move {
                match lists.await {
                    Ok(l) => view! { <Filters regions=l.regions query=query.get_untracked()/> }.into_any(),
                    Err(error) => view! { <ErrorPanel error/> }.into_any(),
                }
            })}
        </Suspense>
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
fn Filters(regions: Vec<Named>, query: CreditRecordQuery) -> impl IntoView {
    let kinds: Vec<Named> = CREDIT_RECORD_KINDS.into_iter().map(|k| Named { code: k.to_string(), name: kind_label(k) }).collect();
    view! {
        <Form method="GET" action="/credit-records" attr:class="filters credit-record-filters" attr:role="search"
            attr:aria-label=t("credit.records_filters")>
            <div class="field grow">
                <label for="crf-q">{t("credit.records_keyword")}</label>
                <input id="crf-q" type="search" name="q" maxlength=CREDIT_RECORD_QUERY_MAX_CHARS.to_string()
                    value=query.q.clone().unwrap_or_default() placeholder=t("credit.records_keyword_placeholder")/>
            </div>
            <FilterSelect id="crf-kind" name="kind" label=t("credit.records_kind") choices=kinds current=query.kind.clone()/>
            <FilterSelect id="crf-region" name="region" label=t("credit.records_region") choices=regions current=query.region.clone()/>
            <div class="field">
                <label for="crf-from">{t("credit.records_from")}</label>
                <input id="crf-from" type="date" name="from" value=query.from.clone().unwrap_or_default()/>
            </div>
            <div class="field">
                <label for="crf-to">{t("credit.records_to")}</label>
                <input id="crf-to" type="date" name="to" value=query.to.clone().unwrap_or_default()/>
            </div>
            <div class="field actions">
                <button type="submit">{t("common.search")}</button>
                <a class="button secondary" href="/credit-records">{t("common.reset")}</a>
            </div>
        </Form>
    }
}

#[component]
fn Results(page: Page<PublicCreditRow>, q: CreditRecordQuery) -> impl IntoView {
    let rows = page.items.clone();
    let found = t("credit.records_found").replace("{n}", &page.total.to_string());
    let export = q.export_query();
    view! {
        <p class="count" data-testid="credit-record-count">{found}</p>
        <ExportLinks name="credit-records" query=export/>
        {if rows.is_empty() {
            view! { <Empty message=t("credit.records_empty")/> }.into_any()
        } else {
            view! {
                <div class="table-wrap">
                    <table class="data credit-records-table">
                        <caption class="sr-only">{t("credit.records_title")}</caption>
                        <thead>
                            <tr>
                                <th scope="col">{t("credit.records_date")}</th>
                                <th scope="col">{t("credit.firm")}</th>
                                <th scope="col">{t("credit.region")}</th>
                                <th scope="col">{t("credit.records_kind")}</th>
                                <th scope="col">{t("credit.records_item")}</th>
                                <th scope="col">{t("credit.points")}</th>
                                <th scope="col">{t("credit.document_no")}</th>
                                <th scope="col">{t("credit.records_valid_to")}</th>
                                <th scope="col">{t("credit.state")}</th>
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
fn Row(r: PublicCreditRow) -> impl IntoView {
    let href = format!("/credit/{}", r.credit_code);
    let good = matches!(r.kind.as_str(), "reward" | "red");
    let kind_class = if good { "tag good" } else { "tag bad" };
    let state = match (&r.state[..], &r.revoked_on) {
        ("revoked", Some(d)) => t("credit.revoked").replace("{d}", d),
        (s, _) => state_label(s),
    };
    let state_class = format!("credit-state state-{}", r.state);
    let points = r.points.map(|p| if p > 0 { format!("+{p}") } else { p.to_string() }).unwrap_or_else(|| "—".into());
    view! {
        <tr class="credit-record-row" class:expired=r.state != "in_force" data-kind=r.kind.clone()>
            <td data-label=t("credit.records_date")>{r.date.clone()}</td>
            <td data-label=t("credit.firm") class="title-cell">
                <a href=href>{r.firm_name.clone()}</a>
                <span class="code">{r.credit_code.clone()}</span>
            </td>
            <td data-label=t("credit.region")>{r.region_name.clone()}</td>
            <td data-label=t("credit.records_kind")><span class=kind_class data-testid="credit-record-kind">{kind_label(&r.kind)}</span></td>
            <td data-label=t("credit.records_item")>{r.title.clone()}</td>
            <td data-label=t("credit.points") class="num">{points}</td>
            <td data-label=t("credit.document_no")>{r.document_no.clone().unwrap_or_else(|| "—".into())}</td>
            <td data-label=t("credit.records_valid_to")>{r.valid_to.clone().unwrap_or_else(|| t("credit.open_ended"))}</td>
            <td data-label=t("credit.state")><span class=state_class>{state}</span></td>
        </tr>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_round_trip_through_the_url() {
        let q = CreditRecordQuery {
            q: Some("华信".into()),
            kind: Some("penalty".into()),
            region: Some("510100".into()),
            from: Some("2025-01-01".into()),
            to: Some("2026-06-30".into()),
            page: Some(3),
        };
        let href = q.href(3);
        assert_eq!(href, "/credit-records?q=%E5%8D%8E%E4%BF%A1&kind=penalty&region=510100&from=2025-01-01&to=2026-06-30&page=3");
        assert_eq!(q.export_query(), "?q=%E5%8D%8E%E4%BF%A1&kind=penalty&region=510100&from=2025-01-01&to=2026-06-30");
        let back = CreditRecordQuery::from_params(|k| match k {
            "q" => Some("华信".into()),
            "kind" => Some("penalty".into()),
            "region" => Some("510100".into()),
            "from" => Some("2025-01-01".into()),
            "to" => Some("2026-06-30".into()),
            "page" => Some("3".into()),
            _ => None,
        });
        assert_eq!(back.validate().unwrap(), q);
        assert_eq!(CreditRecordQuery::default().href(1), "/credit-records");
        assert_eq!(CreditRecordQuery::default().export_query(), "");
    }

    #[test]
    fn bad_filters_get_the_chinese_message_keys() {
        let bad = |q: CreditRecordQuery| q.validate().unwrap_err().message_key().to_string();
        assert_eq!(bad(CreditRecordQuery { q: Some("字".repeat(51)), ..Default::default() }), "credit.records_q_too_long");
        assert_eq!(bad(CreditRecordQuery { kind: Some("gold".into()), ..Default::default() }), "credit.records_kind_invalid");
        assert_eq!(bad(CreditRecordQuery { region: Some("51".into()), ..Default::default() }), "credit.records_region_invalid");
        assert_eq!(bad(CreditRecordQuery { from: Some("2026-02-30".into()), ..Default::default() }), "credit.records_date_invalid");
        assert_eq!(bad(CreditRecordQuery { to: Some("yesterday".into()), ..Default::default() }), "credit.records_date_invalid");
        assert_eq!(
            bad(CreditRecordQuery { from: Some("2026-02-01".into()), to: Some("2026-01-01".into()), ..Default::default() }),
            "credit.records_range_invalid"
        );
        assert_eq!(bad(CreditRecordQuery { page: Some(0), ..Default::default() }), "catalogue.bad_page");
        let ok = CreditRecordQuery { q: Some("  ".into()), kind: Some(" red ".into()), ..Default::default() }.validate().unwrap();
        assert_eq!((ok.q, ok.kind.as_deref(), ok.page), (None, Some("red"), Some(1)));
        for key in ["credit.records_q_too_long", "credit.records_kind_invalid", "credit.records_region_invalid", "credit.records_date_invalid", "credit.records_range_invalid"] {
            let zh = crate::i18n::t_in(crate::i18n::Locale::Zh, key);
            assert!(zh != key && !zh.is_ascii(), "{key}: {zh}");
        }
    }
}
