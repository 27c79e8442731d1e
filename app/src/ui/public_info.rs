//! The public information service (信息公开, #8), for everyone without signing in.
//!
//! - `/stats/complaints`: complaints per competent department over a period
//!   and region, a stacked bar chart (ECharts, loaded only on this page by
//!   `ui::charts`) with its data table. Every filter is a query parameter of
//!   a GET form, so it works before hydration and a view can be shared.
//! - `/lookup?code=…`: the public progress of a published procurement by its
//!   announcement code (a GET form as well).
use crate::api::public_info::{get_complaint_stats, lookup_case};
use crate::error::AppError;
use crate::i18n::t;
use crate::model::public_info::{CaseStatus, ComplaintStats, ComplaintStatsFilter, DepartmentComplaints, StepState, STATUSES};
use crate::ui::components::{Empty, ErrorPanel, Loading};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

/// A public statistics page's address (`path`) with the filter's period and `region`.
pub fn period_href(path: &str, f: &ComplaintStatsFilter, region: &str) -> String {
    let enc = crate::model::catalogue::encode_component;
    let pairs = [("from", f.from.as_str()), ("to", f.to.as_str()), ("region", region)];
    let q = pairs.iter().filter(|(_, v)| !v.is_empty()).map(|(k, v)| format!("{k}={}", enc(v))).collect::<Vec<_>>().join("&");
    if q.is_empty() {
        path.to_string()
    } else {
        format!("{path}?{q}")
    }
}

fn stats_href(f: &ComplaintStatsFilter, region: &str) -> String {
    period_href("/stats/complaints", f, region)
}

#[component]
pub fn ComplaintStatsPage() -> impl IntoView {
    let q = use_query_map();
    let filter = Memo::new(move |_| q.with(|m| ComplaintStatsFilter::from_query(|k| m.get(k).unwrap_or_default())));
    let data = Resource::new(move || filter.get(), get_complaint_stats);
    view! {
        <Title text=t("publicinfo.complaints.title")/>
        <h1>{t("publicinfo.complaints.title")}</h1>
        <p class="lead">{t("publicinfo.complaints.lead")}</p>
        <Transition fallback=|| view! { <Loading/> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(s) => view! { <StatsView s/> }.into_any(),
                    Err(AppError::InvalidInput { field, key }) => {
                        crate::error::set_response_status(400);
                        view! { <PeriodFilter path="/stats/complaints" prefix="complaint" f=filter.get_untracked() error=Some((field, key))/> }.into_any()
                    }
                    Err(error) => view! { <ErrorPanel error/> }.into_any(),
                }
            })}
        </Transition>
        <p class="hint" data-testid="department-rule">{t("publicinfo.complaints.rule")}</p>
        <p class="hint">
            <a href="/stats">{t("publicinfo.complaints.back")}</a>
            " · "
            <a href="/stats/timeliness">{t("timeliness.link")}</a>
        </p>
    }
}

/// The period filter of a public statistics page: a GET form to `path` (the
/// region travels in a hidden field); `prefix` names its ids and test ids. A
/// field error is shown under its field.
#[component]
pub fn PeriodFilter(path: &'static str, prefix: &'static str, f: ComplaintStatsFilter, error: Option<(String, String)>) -> impl IntoView {
    let invalid_on = error.as_ref().map(|(f, _)| f.clone()).unwrap_or_default();
    let invalid = move |field: &str| (invalid_on == field).then_some("true");
    let err = move |field: &'static str| {
        error.as_ref().filter(|(f, _)| f == field).map(|(_, key)| {
            view! { <p class="field-error" id=format!("{prefix}-{field}-error") role="alert" data-testid=format!("{prefix}-{field}-error")>{t(key)}</p> }
        })
    };
    view! {
        <form method="get" action=path class="panel form grid-form complaint-filters" data-testid=format!("{prefix}-filters")>
            <input type="hidden" name="region" value=f.region.clone()/>
            <div class="field">
                <label for=format!("{prefix}-from")>{t("publicinfo.complaints.from")}</label>
                <input id=format!("{prefix}-from") name="from" type="month" value=f.from.clone() placeholder="2026-01" aria-invalid=invalid("from") aria-describedby=format!("{prefix}-from-error")/>
                {err("from")}
            </div>
            <div class="field">
                <label for=format!("{prefix}-to")>{t("publicinfo.complaints.to")}</label>
                <input id=format!("{prefix}-to") name="to" type="month" value=f.to.clone() placeholder="2026-12" aria-invalid=invalid("to") aria-describedby=format!("{prefix}-to-error")/>
                {err("to")}
            </div>
            {err("region")}
            <div class="field actions">
                <button type="submit" class="button primary">{t("publicinfo.complaints.apply")}</button>
                <a class="button secondary" href=path>{t("publicinfo.complaints.reset")}</a>
            </div>
        </form>
    }
}

fn dept_name(d: &DepartmentComplaints) -> String {
    if d.code.is_empty() {
        t("publicinfo.complaints.unassigned")
    } else {
        d.name.clone()
    }
}

#[component]
fn StatsView(s: ComplaintStats) -> impl IntoView {
    crate::ui::charts::draw_when_mounted();
    let f = s.filter.clone();
    let n = s.path.len();
    let crumbs = s
        .path
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let href = stats_href(&f, if i == 0 { "" } else { &c.code });
            view! {
                {(i > 0).then(|| " › ")}
                {if i + 1 == n { view! { <strong aria-current="page">{c.name.clone()}</strong> }.into_any() } else { view! { <a href=href>{c.name.clone()}</a> }.into_any() }}
            }
        })
        .collect_view();
    let region_name = s.path.last().map(|c| c.name.clone()).unwrap_or_default();
    let children = (!s.children.is_empty()).then(|| {
        let f = f.clone();
        view! {
            <nav class="region-children" aria-label=t("publicinfo.complaints.narrow")>
                <span>{t("publicinfo.complaints.narrow")}": "</span>
                {s.children.iter().map(|c| view! { <a class="chip" href=stats_href(&f, &c.code) data-region=c.code.clone()>{c.name.clone()}</a> }).collect_view()}
            </nav>
        }
    });
    let title = t("publicinfo.complaints.chart");
    let chart = s.chart.clone();
    let total = s.total.clone();
    let rows = s.departments.clone();
    let head = |k: &str| t(&format!("publicinfo.complaints.status_{k}"));
    view! {
        <PeriodFilter path="/stats/complaints" prefix="complaint" f=f.clone() error=None/>
        <nav class="breadcrumb" aria-label=t("publicinfo.complaints.path")>{crumbs}</nav>
        {children}
        <p class="hint" data-testid="complaint-period">
            {t("publicinfo.complaints.period").replace("{from}", &f.from).replace("{to}", &f.to).replace("{region}", &region_name).replace("{n}", &total.total().to_string())}
        </p>
        <section class="panel chart-section" aria-labelledby="cs-chart-h" data-testid="chart-complaints">
            <h2 id="cs-chart-h">{title.clone()}</h2>
            {(!chart.is_empty()).then(|| view! { <div class="chart" role="img" aria-label=title.clone() data-option=chart></div> })}
            {if rows.is_empty() {
                view! { <Empty message=t("publicinfo.complaints.none")/> }.into_any()
            } else {
                view! {
                    <details class="chart-data" open=true>
                        <summary>{t("dashboard.data_table")}</summary>
                        <div class="table-scroll" tabindex="0">
                            <table class="data" data-testid="complaint-table">
                                <caption class="sr-only">{t("publicinfo.complaints.chart")}</caption>
                                <thead><tr>
                                    <th scope="col">{t("publicinfo.complaints.department")}</th>
                                    {STATUSES.iter().map(|k| view! { <th scope="col">{head(k)}</th> }).collect_view()}
                                    <th scope="col">{t("publicinfo.complaints.decided")}</th>
                                    <th scope="col">{t("publicinfo.complaints.total")}</th>
                                </tr></thead>
                                <tbody>
                                    {rows.into_iter().map(|d| {
                                        let name = dept_name(&d);
                                        view! {
                                            <tr data-department=d.code.clone()>
                                                <th scope="row" data-label=t("publicinfo.complaints.department")>{name}</th>
                                                {STATUSES.iter().map(|k| view! { <td data-label=head(k) data-status=*k>{d.count(k)}</td> }).collect_view()}
                                                <td data-label=t("publicinfo.complaints.decided")>{d.decided()}</td>
                                                <td data-label=t("publicinfo.complaints.total") data-status="total">{d.total()}</td>
                                            </tr>
                                        }
                                    }).collect_view()}
                                </tbody>
                                <tfoot><tr>
                                    <th scope="row" data-label=t("publicinfo.complaints.department")>{t("publicinfo.complaints.sum")}</th>
                                    {STATUSES.iter().map(|k| view! { <td data-label=head(k)>{total.count(k)}</td> }).collect_view()}
                                    <td data-label=t("publicinfo.complaints.decided")>{total.decided()}</td>
                                    <td data-label=t("publicinfo.complaints.total") data-testid="complaint-total">{total.total()}</td>
                                </tr></tfoot>
                            </table>
                        </div>
                    </details>
                }.into_any()
            }}
        </section>
    }
}

/// `/lookup`: a search box; `?code=…` shows the case.
#[component]
pub fn LookupPage() -> impl IntoView {
    let q = use_query_map();
    let code = Memo::new(move |_| q.with(|m| m.get("code").unwrap_or_default()));
    let data = Resource::new(
        move || code.get(),
        |c| async move {
            if c.trim().is_empty() {
                Ok(None)
            } else {
                lookup_case(c).await.map(Some)
            }
        },
    );
    view! {
        <Title text=t("publicinfo.lookup.title")/>
        <h1>{t("publicinfo.lookup.title")}</h1>
        <p class="lead">{t("publicinfo.lookup.lead")}</p>
        <Transition fallback=|| view! { <Loading/> }>
            {move || Suspend::new(async move {
                let c = code.get_untracked();
                match data.await {
                    Ok(found) => view! { <LookupForm code=c error=None/> {found.map(|s| view! { <CaseView s/> })} }.into_any(),
                    Err(AppError::InvalidInput { field, key }) if field == "code" => {
                        crate::error::set_response_status(if key == "publicinfo.lookup.error_not_found" { 404 } else { 400 });
                        view! { <LookupForm code=c error=Some(key)/> }.into_any()
                    }
                    Err(error) => view! { <LookupForm code=c error=None/> <ErrorPanel error/> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn LookupForm(code: String, error: Option<String>) -> impl IntoView {
    let invalid = error.is_some().then_some("true");
    view! {
        <form class="panel form lookup-form" method="get" action="/lookup" role="search" data-testid="lookup-form">
            <div class="field">
                <label for="lookup-code">{t("publicinfo.lookup.code")}</label>
                <div class="search">
                    <input id="lookup-code" name="code" type="search" value=code maxlength="20" autocomplete="off" placeholder="ZJ20261100001"
                        aria-invalid=invalid aria-describedby="lookup-code-hint code-error"/>
                    <button type="submit">{t("publicinfo.lookup.submit")}</button>
                </div>
                <p class="hint" id="lookup-code-hint">{t("publicinfo.lookup.hint")}</p>
                {error.map(|key| view! { <p class="field-error" id="code-error" role="alert" data-testid="lookup-error">{t(&key)}</p> })}
            </div>
        </form>
    }
}

#[component]
fn CaseView(s: CaseStatus) -> impl IntoView {
    let href = format!("/announcements/{}", s.code);
    let method = t(&format!("method.{}", s.method));
    view! {
        <section class="panel case-status" aria-labelledby="case-h" data-testid="case-status">
            <h2 id="case-h">{s.title.clone()}</h2>
            <dl class="facts">
                <div><dt>{t("publicinfo.lookup.code")}</dt><dd data-testid="case-code">{s.code.clone()}</dd></div>
                <div><dt>{t("publicinfo.lookup.item")}</dt><dd>{s.item.clone()}</dd></div>
                <div><dt>{t("publicinfo.lookup.region")}</dt><dd>{s.region.clone()}</dd></div>
                <div><dt>{t("publicinfo.lookup.method")}</dt><dd>{method}</dd></div>
            </dl>
            <ol class="case-steps" data-testid="case-steps">
                {s.steps.into_iter().map(|step| {
                    let state = match step.state {
                        StepState::Done => "done",
                        StepState::Running => "running",
                        StepState::Pending => "pending",
                        StepState::Skipped => "skipped",
                    };
                    let shown = match (step.state, &step.at) {
                        (StepState::Done, Some(at)) => at.clone(),
                        (StepState::Running, Some(at)) => t("publicinfo.lookup.running_until").replace("{at}", at),
                        (StepState::Running, None) => t("publicinfo.lookup.running"),
                        (StepState::Skipped, _) => t("publicinfo.lookup.skipped"),
                        (StepState::Pending, Some(at)) => t("publicinfo.lookup.pending_at").replace("{at}", at),
                        _ => t("publicinfo.lookup.pending"),
                    };
                    let note = match step.note.as_str() {
                        "" => None,
                        "failed" | "cancelled" => Some(t(&format!("publicinfo.lookup.note_{}", step.note))),
                        m => Some(t(&format!("method.{m}"))),
                    };
                    view! {
                        <li class=format!("case-step {state}") data-step=step.key.clone() data-state=state>
                            <span class="step-name">{t(&format!("publicinfo.lookup.step_{}", step.key))}</span>
                            <span class="step-when">{shown}</span>
                            {note.map(|n| view! { <span class="step-note">{n}</span> })}
                        </li>
                    }
                }).collect_view()}
            </ol>
            <p class="hint">{t("publicinfo.lookup.times")}</p>
            <p><a class="button secondary" href=href data-testid="case-announcement">{t("publicinfo.lookup.announcement")}</a></p>
        </section>
    }
}
