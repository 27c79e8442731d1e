//! `/announcements`: the public list of selection announcements (选取公告),
//! filters kept in the URL (a GET form: works without JavaScript).
use crate::api::reference::get_reference_lists;
use crate::api::trading::list_announcements;
use crate::domain::accounts::Role;
use crate::domain::money::Fen;
use crate::domain::paging::Page;
use crate::domain::procurement::{ProcurementStatus, SelectionMethod};
use crate::domain::time::format_shanghai;
use crate::i18n::t;
use crate::model::trading::{AnnouncementQuery, AnnouncementRow};
use crate::model::Named;
use crate::ui::account::use_auth;
use crate::ui::components::{Empty, ErrorPanel, FilterSelect, Loading, MethodTag, Pager, StatusTag};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::Form;
use leptos_router::hooks::use_query_map;

/// Longest keyword the list accepts (the server refuses longer ones).
pub const KEYWORD_MAX_CHARS: usize = 50;

/// The status filter's choices: "open" (taking part now) first, then the public statuses.
const STATUS_CHOICES: [&str; 6] = ["open", "published", "closed", "selected", "failed", "cancelled"];

/// Reads the filters from URL parameters (unknown values go to the server, which refuses them).
pub fn query_from(get: impl Fn(&str) -> Option<String>) -> AnnouncementQuery {
    let text = |k: &str| get(k).map(|v| v.trim().to_string()).unwrap_or_default();
    AnnouncementQuery {
        q: text("q"),
        region: text("region"),
        industry: text("industry"),
        method: text("method"),
        status: text("status"),
        mine: matches!(text("mine").as_str(), "true" | "1" | "on"),
        page: text("page").parse::<u32>().ok().filter(|p| *p > 0).unwrap_or(1),
    }
}

/// The list URL of `q` at page `page` (empty filters left out; page 1 implied).
pub fn list_href(q: &AnnouncementQuery, page: u32) -> String {
    let opt = |s: &str| (!s.is_empty()).then(|| s.to_string());
    let mine = q.mine.then(|| "true".to_string());
    crate::model::list_href(
        "/announcements",
        &[
            ("q", &opt(&q.q)),
            ("region", &opt(&q.region)),
            ("industry", &opt(&q.industry)),
            ("method", &opt(&q.method)),
            ("status", &opt(&q.status)),
            ("mine", &mine),
        ],
        page,
    )
}

#[component]
pub fn AnnouncementsPage() -> impl IntoView {
    let query_map = use_query_map();
    let query = Memo::new(move |_| query_map.with(|m| query_from(|k| m.get(k))));
    let lists = Resource::new(|| (), |_| get_reference_lists());
    let rows = Resource::new(move || query.get(), list_announcements);
    let auth = use_auth();
    view! {
        <Title text=t("trading.list_title")/>
        <h1>{t("trading.list_title")}</h1>
        <p class="lead">{t("trading.list_lead")}</p>
        <form class="search lookup-inline" method="get" action="/lookup" role="search" data-testid="lookup-box"><label for="al-lookup">{t("publicinfo.lookup.box_label")}</label><input id="al-lookup" type="search" name="code" maxlength="20" placeholder="ZJ20261100001"/><button type="submit">{t("publicinfo.lookup.submit")}</button></form>
        <Suspense fallback=|| view! { <Loading/> }>
            {move || Suspend::new(async move {
                let is_firm = matches!(auth.user.await, Ok(Some(u)) if u.role == Role::Firm);
                match lists.await {
                    Ok(l) => view! {
                        <Filters regions=l.regions industries=l.industries query=query.get_untracked() is_firm/>
                    }.into_any(),
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
fn Filters(regions: Vec<Named>, industries: Vec<Named>, query: AnnouncementQuery, is_firm: bool) -> impl IntoView {
    let opt = |s: &str| (!s.is_empty()).then(|| s.to_string());
    let methods: Vec<Named> = SelectionMethod::ALL
        .into_iter()
        .map(|m| Named { code: m.as_str().to_string(), name: t(m.label_key()) })
        .collect();
    let statuses: Vec<Named> = STATUS_CHOICES
        .into_iter()
        .map(|s| Named {
            code: s.to_string(),
            name: ProcurementStatus::parse(s).map(|p| t(p.label_key())).unwrap_or_else(|| t("trading.status_open")),
        })
        .collect();
    let mine = query.mine;
    view! {
        <Form method="GET" action="/announcements" attr:class="filters announcement-filters" attr:role="search"
            attr:aria-label=t("trading.filters")>
            <div class="field grow">
                <label for="af-q">{t("trading.keyword")}</label>
                <input id="af-q" type="search" name="q" maxlength=KEYWORD_MAX_CHARS.to_string()
                    value=query.q.clone() placeholder=t("trading.keyword_placeholder")/>
            </div>
            <FilterSelect id="af-region" name="region" label=t("trading.region") choices=regions current=opt(&query.region)/>
            <FilterSelect id="af-industry" name="industry" label=t("trading.industry") choices=industries current=opt(&query.industry)/>
            <FilterSelect id="af-method" name="method" label=t("trading.method") choices=methods current=opt(&query.method)/>
            <FilterSelect id="af-status" name="status" label=t("trading.status") choices=statuses current=opt(&query.status)/>
            {is_firm.then(|| view! {
                <div class="field mine">
                    <label class="choice" for="af-mine">
                        <input id="af-mine" type="checkbox" name="mine" value="true" checked=mine/>
                        {t("trading.mine")}
                    </label>
                </div>
            })}
            <div class="field actions">
                <button type="submit">{t("common.search")}</button>
                <a class="button secondary" href="/announcements">{t("common.reset")}</a>
            </div>
        </Form>
    }
}

/// "导出 CSV" / "导出 Excel": plain links to `/exports/{name}.csv|.xlsx` with the
/// current filters (`query`: "" or "?…"), so they work without JavaScript.
#[component]
pub fn ExportLinks(name: &'static str, query: String) -> impl IntoView {
    view! {
        <nav class="export-links" aria-label=t("exports.label") title=t("exports.hint")>
            <a class="button secondary" href=format!("/exports/{name}.csv{query}") download="" rel="external"
                data-testid="export-csv">{t("exports.csv")}</a>
            <a class="button secondary" href=format!("/exports/{name}.xlsx{query}") download="" rel="external"
                data-testid="export-xlsx">{t("exports.xlsx")}</a>
        </nav>
    }
}

/// The query string of the export links for `q` ("" or "?…"): the page's filters,
/// without the page number and `mine` (exports are public).
pub fn export_query(q: &AnnouncementQuery) -> String {
    let href = list_href(&AnnouncementQuery { mine: false, ..q.clone() }, 1);
    href.strip_prefix("/announcements").unwrap_or_default().to_string()
}

#[component]
fn Results(page: Page<AnnouncementRow>, q: AnnouncementQuery) -> impl IntoView {
    let rows = page.items.clone();
    let found = t("trading.found").replace("{n}", &page.total.to_string());
    let export = export_query(&q);
    view! {
        <p class="count" data-testid="announcement-count">{found}</p>
        <ExportLinks name="announcements" query=export/>
        {if rows.is_empty() {
            view! { <Empty message=t(if q.mine { "trading.empty_mine" } else { "trading.empty" })/> }.into_any()
        } else {
            view! {
                <div class="table-wrap">
                    <table class="data announcements-table">
                        <caption class="sr-only">{t("trading.list_title")}</caption>
                        <thead>
                            <tr>
                                <th scope="col">{t("trading.title_col")}</th>
                                <th scope="col">{t("trading.method")}</th>
                                <th scope="col">{t("trading.status")}</th>
                                <th scope="col">{t("trading.region")}</th>
                                <th scope="col">{t("trading.budget")}</th>
                                <th scope="col">{t("trading.deadline")}</th>
                                <th scope="col">{t("trading.participants")}</th>
                            </tr>
                        </thead>
                        <tbody>
                            {rows.into_iter().map(|r| view! { <Row r/> }).collect_view()}
                        </tbody>
                    </table>
                </div>
            }.into_any()
        }}
        <Pager page href=move |n| list_href(&q, n)/>
    }
}

#[component]
fn Row(r: AnnouncementRow) -> impl IntoView {
    let href = format!("/announcements/{}", r.code);
    view! {
        <tr class="announcement-row">
            <td data-label=t("trading.title_col") class="title-cell">
                <a href=href>{r.title}</a>
                <span class="code">{r.code}" · "{r.item_name}</span>
            </td>
            <td data-label=t("trading.method")><MethodTag method=r.method/></td>
            <td data-label=t("trading.status")><StatusTag status=r.status/></td>
            <td data-label=t("trading.region")>{r.region_name}</td>
            <td data-label=t("trading.budget") class="num">{Fen(r.budget_fen).to_string()}</td>
            <td data-label=t("trading.deadline")>{r.deadline_at.map(format_shanghai).unwrap_or_else(|| "—".into())}</td>
            <td data-label=t("trading.participants") class="num">{r.participant_count}</td>
        </tr>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_round_trip_through_the_url() {
        let q = AnnouncementQuery {
            q: "测绘".into(),
            region: "510100".into(),
            method: "random_draw".into(),
            status: "open".into(),
            mine: true,
            page: 3,
            ..Default::default()
        };
        let href = list_href(&q, 3);
        assert!(href.starts_with("/announcements?q=%E6%B5%8B%E7%BB%98&region=510100&method=random_draw&status=open&mine=true&page=3"), "{href}");
        let params: Vec<(String, String)> = href
            .split_once('?')
            .unwrap()
            .1
            .split('&')
            .map(|kv| {
                let (k, v) = kv.split_once('=').unwrap();
                (k.to_string(), if k == "q" { "测绘".to_string() } else { v.to_string() })
            })
            .collect();
        let back = query_from(|k| params.iter().find(|(pk, _)| pk == k).map(|(_, v)| v.clone()));
        assert_eq!(back, q);
        assert_eq!(list_href(&AnnouncementQuery::default(), 1), "/announcements");
        assert_eq!(export_query(&q), "?q=%E6%B5%8B%E7%BB%98&region=510100&method=random_draw&status=open");
        assert_eq!(export_query(&AnnouncementQuery::default()), "");
    }

    #[test]
    fn a_bad_page_number_reads_as_the_first_page() {
        assert_eq!(query_from(|k| (k == "page").then(|| "x".to_string())).page, 1);
        assert_eq!(query_from(|k| (k == "page").then(|| "0".to_string())).page, 1);
        assert!(!query_from(|k| (k == "mine").then(|| "no".to_string())).mine);
    }
}
