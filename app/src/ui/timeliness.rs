//! `/stats/timeliness` (时限履行情况, #8), for everyone without signing in:
//! per competent department, the stages closed within a period and region on
//! time and late, the on-time rate and the open stages overdue now; a stacked
//! bar chart (ECharts via `ui::charts`) with its data table, and a breakdown
//! per stage. Every filter is a query parameter of a GET form, so it works
//! before hydration and a view can be shared.
use crate::api::timeliness::get_timeliness;
use crate::error::AppError;
use crate::i18n::t;
use crate::model::timeliness::{ComplaintStatsFilter, DepartmentTimeliness, StageCounts, TimelinessStats};
use crate::ui::components::{Empty, ErrorPanel, Loading};
use crate::ui::public_info::PeriodFilter;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

fn href(f: &ComplaintStatsFilter, region: &str) -> String {
    crate::ui::public_info::period_href("/stats/timeliness", f, region)
}

#[component]
pub fn TimelinessPage() -> impl IntoView {
    let q = use_query_map();
    let filter = Memo::new(move |_| q.with(|m| ComplaintStatsFilter::from_query(|k| m.get(k).unwrap_or_default())));
    let data = Resource::new(move || filter.get(), get_timeliness);
    view! {
        <Title text=t("timeliness.title")/>
        <h1>{t("timeliness.title")}</h1>
        <p class="lead">{t("timeliness.lead")}</p>
        <Transition fallback=|| view! { <Loading/> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(s) => view! { <StatsView s/> }.into_any(),
                    Err(AppError::InvalidInput { field, key }) => {
                        crate::error::set_response_status(400);
                        view! { <PeriodFilter path="/stats/timeliness" prefix="timeliness" f=filter.get_untracked() error=Some((field, key))/> }.into_any()
                    }
                    Err(error) => view! { <ErrorPanel error/> }.into_any(),
                }
            })}
        </Transition>
        <p class="hint" data-testid="timeliness-rule">{t("timeliness.rule")}</p>
        <p class="hint">
            <a href="/stats">{t("publicinfo.complaints.back")}</a>
            " · "
            <a href="/stats/complaints">{t("publicinfo.complaints.link")}</a>
        </p>
    }
}

fn dept_name(d: &DepartmentTimeliness) -> String {
    if d.code.is_empty() {
        t("timeliness.unassigned")
    } else {
        d.name.clone()
    }
}

/// The cells of a row of counts (closed, on time, late, rate, overdue now).
fn count_cells(c: &StageCounts) -> impl IntoView {
    view! {
        <td data-label=t("timeliness.closed") data-col="closed">{c.closed()}</td>
        <td data-label=t("timeliness.on_time") data-col="on_time">{c.on_time}</td>
        <td data-label=t("timeliness.late") data-col="late">{c.late}</td>
        <td data-label=t("timeliness.rate") data-col="rate">{c.rate_text()}</td>
        <td data-label=t("timeliness.overdue_now") data-col="overdue_now">{c.overdue_now}</td>
    }
}

fn count_heads() -> impl IntoView {
    view! {
        <th scope="col">{t("timeliness.closed")}</th>
        <th scope="col">{t("timeliness.on_time")}</th>
        <th scope="col">{t("timeliness.late")}</th>
        <th scope="col">{t("timeliness.rate")}</th>
        <th scope="col">{t("timeliness.overdue_now")}</th>
    }
}

#[component]
fn StatsView(s: TimelinessStats) -> impl IntoView {
    crate::ui::charts::draw_when_mounted();
    let f = s.filter.clone();
    let n = s.path.len();
    let crumbs = s
        .path
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let link = href(&f, if i == 0 { "" } else { &c.code });
            view! {
                {(i > 0).then_some(" › ")}
                {if i + 1 == n { view! { <strong aria-current="page">{c.name.clone()}</strong> }.into_any() } else { view! { <a href=link>{c.name.clone()}</a> }.into_any() }}
            }
        })
        .collect_view();
    let region_name = s.path.last().map(|c| c.name.clone()).unwrap_or_default();
    let children = (!s.children.is_empty()).then(|| {
        let f = f.clone();
        view! {
            <nav class="region-children" aria-label=t("publicinfo.complaints.narrow")>
                <span>{t("publicinfo.complaints.narrow")}": "</span>
                {s.children.iter().map(|c| view! { <a class="chip" href=href(&f, &c.code) data-region=c.code.clone()>{c.name.clone()}</a> }).collect_view()}
            </nav>
        }
    });
    let title = t("timeliness.chart");
    let chart = s.chart.clone();
    let total = s.total.clone();
    let rows = s.departments.clone();
    let period = t("timeliness.period")
        .replace("{from}", &f.from)
        .replace("{to}", &f.to)
        .replace("{region}", &region_name)
        .replace("{n}", &total.closed().to_string())
        .replace("{at}", &s.counted_at);
    let body = if rows.is_empty() {
        view! { <Empty message=t("timeliness.none")/> }.into_any()
    } else {
        let breakdown = rows.clone();
        view! {
            <details class="chart-data" open=true>
                <summary>{t("dashboard.data_table")}</summary>
                <div class="table-scroll" tabindex="0">
                    <table class="data" data-testid="timeliness-table">
                        <caption class="sr-only">{title.clone()}</caption>
                        <thead><tr>
                            <th scope="col">{t("timeliness.department")}</th>
                            {count_heads()}
                        </tr></thead>
                        <tbody>
                            {rows.into_iter().map(|d| view! {
                                <tr data-department=d.code.clone()>
                                    <th scope="row" data-label=t("timeliness.department")>{dept_name(&d)}</th>
                                    {count_cells(&d.total)}
                                </tr>
                            }).collect_view()}
                        </tbody>
                        <tfoot><tr data-testid="timeliness-total">
                            <th scope="row" data-label=t("timeliness.department")>{t("timeliness.sum")}</th>
                            {count_cells(&total)}
                        </tr></tfoot>
                    </table>
                </div>
            </details>
            <section class="timeliness-stages" aria-labelledby="tl-stages-h" data-testid="timeliness-stages">
                <h3 id="tl-stages-h">{t("timeliness.by_stage")}</h3>
                {breakdown.into_iter().map(|d| {
                    let name = dept_name(&d);
                    let summary = t("timeliness.stage_summary")
                        .replace("{department}", &name)
                        .replace("{n}", &d.stages.len().to_string())
                        .replace("{rate}", &d.total.rate_text());
                    view! {
                        <details class="timeliness-department" data-department=d.code.clone()>
                            <summary>{summary}</summary>
                            <div class="table-scroll" tabindex="0">
                                <table class="data">
                                    <caption class="sr-only">{t("timeliness.stage_caption").replace("{department}", &name)}</caption>
                                    <thead><tr>
                                        <th scope="col">{t("timeliness.stage")}</th>
                                        {count_heads()}
                                    </tr></thead>
                                    <tbody>
                                        {d.stages.iter().map(|st| view! {
                                            <tr data-stage=st.stage.clone()>
                                                <th scope="row" data-label=t("timeliness.stage")>{t(&format!("timelimits.stage_{}", st.stage))}</th>
                                                {count_cells(st)}
                                            </tr>
                                        }).collect_view()}
                                    </tbody>
                                </table>
                            </div>
                        </details>
                    }
                }).collect_view()}
            </section>
        }
        .into_any()
    };
    view! {
        <PeriodFilter path="/stats/timeliness" prefix="timeliness" f=f.clone() error=None/>
        <nav class="breadcrumb" aria-label=t("publicinfo.complaints.path")>{crumbs}</nav>
        {children}
        <p class="hint" data-testid="timeliness-period">{period}</p>
        <section class="panel chart-section" aria-labelledby="tl-chart-h" data-testid="chart-timeliness">
            <h2 id="tl-chart-h">{title.clone()}</h2>
            {(!chart.is_empty()).then(|| view! { <div class="chart" role="img" aria-label=title.clone() data-option=chart></div> })}
            {body}
        </section>
    }
}
