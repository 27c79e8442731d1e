//! 绩效评估 (public): the monthly ranking of departments (as owners and as
//! regulators), owners and firms, each score with its breakdown and the
//! published formula. A GET form (`month`, `kind`, `page`) so it works before
//! hydration and every view has an address.
use crate::api::performance::get_performance;
use crate::domain::performance::{SubjectKind, COMPLAINT_PENALTY, OBJECTION_PENALTY, URGE_PENALTY};
use crate::domain::time::format_shanghai;
use crate::i18n::t;
use crate::model::performance::{PerformancePage, PerformanceRow};
use crate::model::Named;
use crate::ui::components::{Empty, ErrorPanel, FilterSelect, Loading, Pager};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::Form;
use leptos_router::hooks::use_query_map;

fn href(month: &str, kind: &str, page: u32) -> String {
    format!("/stats/performance?month={month}&kind={kind}&page={page}")
}

#[component]
pub fn PerformancePage() -> impl IntoView {
    let query = use_query_map();
    let args = Memo::new(move |_| {
        query.with(|q| {
            (
                q.get("month").unwrap_or_default(),
                q.get("kind").unwrap_or_default(),
                q.get("page").and_then(|p| p.parse::<i64>().ok()).unwrap_or(1),
            )
        })
    });
    let data = Resource::new(move || args.get(), |(month, kind, page)| get_performance(month, kind, page));
    view! {
        <Title text=t("performance.title")/>
        <p class="crumbs"><a href="/stats">{t("performance.back")}</a></p>
        <h1>{t("performance.title")}</h1>
        <p class="lead">{t("performance.lead")}</p>
        <Transition fallback=|| view! { <Loading/> }>
            <div class="results" aria-live="polite">
                {move || Suspend::new(async move {
                    match data.await {
                        Ok(p) => view! { <Ranking p/> }.into_any(),
                        Err(error) => view! { <ErrorPanel error/> }.into_any(),
                    }
                })}
            </div>
        </Transition>
        <Formula/>
    }
}

#[component]
fn Ranking(p: PerformancePage) -> impl IntoView {
    let months: Vec<Named> = p.months.iter().map(|m| Named { code: m.clone(), name: m.clone() }).collect();
    let kinds: Vec<Named> = SubjectKind::ALL.iter().map(|k| Named { code: k.as_str().into(), name: t(k.label_key()) }).collect();
    let (month, kind) = (p.month.clone(), p.kind.clone());
    let pager = {
        let (month, kind) = (month.clone(), kind.clone());
        move |n| href(&month, &kind, n)
    };
    let rows = p.ranking.items.clone();
    let caption = format!("{} {}", p.month, t(SubjectKind::parse(&kind).unwrap_or(SubjectKind::PublicBody).label_key()));
    view! {
        <Form method="GET" action="/stats/performance" attr:class="filters" attr:role="search" attr:aria-label=t("performance.filters")>
            <FilterSelect id="perf-month" name="month" label=t("performance.month") choices=months current=Some(month)/>
            <FilterSelect id="perf-kind" name="kind" label=t("performance.kind") choices=kinds current=Some(kind)/>
            <div class="field actions">
                <button type="submit">{t("common.search")}</button>
            </div>
        </Form>
        {(p.computed_at > 0).then(|| view! {
            <p class="hint" data-testid="performance-computed">
                {t("performance.computed").replace("{month}", &p.month).replace("{at}", &format_shanghai(p.computed_at))}
            </p>
        })}
        <p class="count" data-testid="performance-count">{t("performance.found").replace("{n}", &p.ranking.total.to_string())}</p>
        {if rows.is_empty() {
            view! { <Empty message=t("performance.empty")/> }.into_any()
        } else {
            view! {
                <table class="data performance" data-testid="performance-table">
                    <caption class="sr-only">{caption}</caption>
                    <thead>
                        <tr>
                            <th scope="col">{t("performance.rank")}</th>
                            <th scope="col">{t("performance.subject")}</th>
                            <th scope="col">{t("performance.total")}</th>
                            <th scope="col">{t("performance.on_time_rate")}</th>
                            <th scope="col">{t("performance.timeliness")}</th>
                            <th scope="col">{t("performance.urges")}</th>
                            <th scope="col">{t("performance.complaints")}</th>
                            <th scope="col">{t("performance.objections")}</th>
                            <th scope="col">{t("performance.breakdown")}</th>
                        </tr>
                    </thead>
                    <tbody>{rows.into_iter().map(|r| view! { <Row r/> }).collect_view()}</tbody>
                </table>
            }.into_any()
        }}
        <Pager page=p.ranking href=pager/>
    }
}

#[component]
fn Row(r: PerformanceRow) -> impl IntoView {
    let pct = |x: f64| format!("{:.1}%", x * 100.0);
    let facts = r
        .stages
        .iter()
        .map(|s| {
            t("performance.stage_facts")
                .replace("{stage}", &t(&format!("timelimits.stage_{}", s.stage)))
                .replace("{on_time}", &s.on_time.to_string())
                .replace("{late}", &s.late.to_string())
                .replace("{open}", &s.overdue_open.to_string())
        })
        .collect::<Vec<_>>();
    let others = t("performance.other_facts")
        .replace("{urges}", &r.urges.to_string())
        .replace("{complaints}", &r.complaints_upheld.to_string())
        .replace("{objections}", &r.objections_upheld.to_string());
    let subject = match r.region_name.is_empty() {
        true => r.subject_name.clone(),
        false => format!("{}({})", r.subject_name, r.region_name),
    };
    view! {
        <tr data-testid="performance-row">
            <td data-label=t("performance.rank")>{r.rank}</td>
            <td data-label=t("performance.subject")>{subject}</td>
            <td data-label=t("performance.total")><strong>{format!("{:.1}", r.total)}</strong></td>
            <td data-label=t("performance.on_time_rate")>{pct(r.on_time_rate)}</td>
            <td data-label=t("performance.timeliness")>{format!("{:.1}", r.timeliness)}</td>
            <td data-label=t("performance.urges")>{format!("{:.0}", r.urges_points)}</td>
            <td data-label=t("performance.complaints")>{format!("{:.0}", r.complaints_points)}</td>
            <td data-label=t("performance.objections")>{format!("{:.0}", r.objections_points)}</td>
            <td data-label=t("performance.breakdown")>
                <details>
                    <summary>{t("performance.stages_counted").replace("{n}", &r.stages_counted.to_string())}</summary>
                    <ul class="plain">
                        {facts.into_iter().map(|f| view! { <li>{f}</li> }).collect_view()}
                        <li>{others}</li>
                    </ul>
                </details>
            </td>
        </tr>
    }
}

/// The published formula (the numbers come from `domain::performance`).
#[component]
fn Formula() -> impl IntoView {
    view! {
        <section class="panel" aria-labelledby="perf-formula">
            <h2 id="perf-formula">{t("performance.formula_title")}</h2>
            <ul>
                <li>{t("performance.formula_timeliness")}</li>
                <li>{t("performance.formula_urges").replace("{p}", &URGE_PENALTY.to_string())}</li>
                <li>{t("performance.formula_complaints").replace("{p}", &COMPLAINT_PENALTY.to_string())}</li>
                <li>{t("performance.formula_objections").replace("{p}", &OBJECTION_PENALTY.to_string())}</li>
                <li>{t("performance.formula_rank")}</li>
            </ul>
        </section>
    }
}
