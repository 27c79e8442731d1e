//! `/dashboard`: the statistics dashboard for leaders and supervisors
//! (统计分析). Every filter is a query parameter of a GET form, so a view can
//! be shared by its URL and works before hydration; regions drill down by
//! link (province → city → county). Each chart has its data table; the whole
//! view exports to CSV and XLSX.
//!
//! `/stats`: the public statistics, the documented subset of the same view
//! (`model::dashboard::PublicStats`) drawn with the same components.
use crate::api::dashboard::{get_dashboard, get_public_stats};
use crate::domain::accounts::Role;
use crate::domain::money::Fen;
use crate::error::AppError;
use crate::i18n::t;
use crate::model::dashboard::{Dashboard, DashboardFilter, Figures, Slice, GRAINS};
use crate::ui::account::Signed;
use crate::ui::components::{Empty, ErrorPanel, Loading};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

pub const ROLES: &[Role] = &[Role::Leader, Role::Regulator, Role::Operator, Role::Admin];
const METHODS: [&str; 4] = ["direct", "random_draw", "price_competition", "merit"];
const FUNDINGS: [&str; 2] = ["fiscal", "social"];

/// The filter in the URL.
fn filter_from_query() -> Memo<DashboardFilter> {
    let q = use_query_map();
    Memo::new(move |_| q.with(|m| DashboardFilter::from_query(|k| m.get(k).unwrap_or_default())))
}

/// The query string of `f` with the region replaced (drill-down links).
pub fn query_with_region(f: &DashboardFilter, region: &str) -> String {
    let enc = crate::model::catalogue::encode_component;
    let pairs = [
        ("from", f.from.as_str()),
        ("to", f.to.as_str()),
        ("region", region),
        ("industry", f.industry.as_str()),
        ("item", f.item.as_str()),
        ("method", f.method.as_str()),
        ("funding", f.funding.as_str()),
        ("grain", f.grain.as_str()),
    ];
    pairs.iter().filter(|(_, v)| !v.is_empty()).map(|(k, v)| format!("{k}={}", enc(v))).collect::<Vec<_>>().join("&")
}

fn pct(milli: Option<i64>) -> String {
    milli.map(|m| format!("{}.{}%", m / 10, (m % 10).abs())).unwrap_or_else(|| "—".into())
}

fn dec(milli: Option<i64>) -> String {
    milli.map(|m| format!("{}.{:02}", m / 1000, (m % 1000).abs() / 10)).unwrap_or_else(|| "—".into())
}

fn wan(fen: i64) -> String {
    Fen(fen).compact_cn()
}

/// Change against the previous period, in thousandths of the previous value.
fn change(now: i64, before: i64) -> Option<i64> {
    (before != 0).then(|| (now - before) * 1000 / before)
}

fn change_text(now: i64, before: i64) -> String {
    match change(now, before) {
        Some(c) if c > 0 => format!("↑{}", pct(Some(c))),
        Some(c) if c < 0 => format!("↓{}", pct(Some(-c))),
        Some(_) => "—".into(),
        None => "—".into(),
    }
}

#[component]
pub fn DashboardPage() -> impl IntoView {
    view! {
        <Title text=t("dashboard.title")/>
        <h1>{t("dashboard.title")}</h1>
        <p class="lead">{t("dashboard.lead")}</p>
        <Signed roles=ROLES render=|| view! { <Body/> }/>
    }
}

/// `/stats`: the public statistics for everyone.
#[component]
pub fn StatsPage() -> impl IntoView {
    view! {
        <Title text=t("stats.title")/>
        <h1>{t("stats.title")}</h1>
        <p class="lead">{t("stats.lead")}</p>
        <Body public=true/>
        <p class="hint" data-testid="stats-subset">{t("stats.subset")}</p>
        <p class="hint"><a href="/stats/complaints" data-testid="stats-complaints-link">{t("publicinfo.complaints.link")}</a></p>
        <p class="hint"><a href="/stats/performance" data-testid="stats-performance-link">{t("performance.link")}</a></p>
        <p class="hint"><a href="/stats/timeliness" data-testid="stats-timeliness-link">{t("timeliness.link")}</a></p>
    }
}

#[component]
fn Body(#[prop(optional)] public: bool) -> impl IntoView {
    let filter = filter_from_query();
    let data = Resource::new(
        move || filter.get(),
        move |f| async move {
            if public {
                get_public_stats(f).await.map(Dashboard::from)
            } else {
                get_dashboard(f).await
            }
        },
    );
    view! {
        <Transition fallback=|| view! { <Loading/> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(d) => view! { <View d public/> }.into_any(),
                    Err(AppError::InvalidInput { field, key }) => {
                        let f = filter.get_untracked();
                        view! {
                            <FilterForm f options=None error=Some((field, key)) public/>
                        }.into_any()
                    }
                    Err(error) => view! { <ErrorPanel error/> }.into_any(),
                }
            })}
        </Transition>
    }
}

/// The filter form (a GET form: the URL is the state). `options` are the
/// choices from the last answer; `error` the refused field.
#[component]
fn FilterForm(f: DashboardFilter, options: Option<(Vec<(String, String)>, Vec<(String, String)>)>, error: Option<(String, String)>, public: bool) -> impl IntoView {
    let (industries, items) = options.unwrap_or_default();
    let base = base(public);
    let open = error.is_some();
    // a drawer on phones; open from the start on wider screens (once the browser has taken over)
    let drawer = NodeRef::<leptos::html::Details>::new();
    #[cfg(feature = "hydrate")]
    Effect::new(move |_| {
        if let Some(d) = drawer.get() {
            let wide = web_sys::window().and_then(|w| w.inner_width().ok()).and_then(|v| v.as_f64()).is_some_and(|w| w >= 760.0);
            if wide {
                let _ = d.set_attribute("open", "");
            }
        }
    });
    let err = move |field: &'static str| {
        error.as_ref().filter(|(f, _)| f == field).map(|(_, key)| view! { <p class="field-error" role="alert">{t(key)}</p> })
    };
    let sel = |current: &str, value: &str| current == value;
    view! {
        <details class="panel filter-drawer" open=open node_ref=drawer>
            <summary>{t("dashboard.filters")}</summary>
            <form method="get" action=base class="form grid-form dashboard-filters" data-testid="dashboard-filters">
                <input type="hidden" name="region" value=f.region.clone()/>
                <div class="field">
                    <label for="df-from">{t("dashboard.from")}</label>
                    <input id="df-from" name="from" type="month" value=f.from.clone() placeholder="2026-01"/>
                    {err("from")}
                </div>
                <div class="field">
                    <label for="df-to">{t("dashboard.to")}</label>
                    <input id="df-to" name="to" type="month" value=f.to.clone() placeholder="2026-12"/>
                    {err("to")}
                </div>
                <div class="field">
                    <label for="df-grain">{t("dashboard.grain")}</label>
                    <select id="df-grain" name="grain">
                        {GRAINS.iter().map(|g| view! { <option value=*g selected=sel(&f.grain, g)>{t(&format!("dashboard.grain_{g}"))}</option> }).collect_view()}
                    </select>
                    {err("grain")}
                </div>
                <div class="field">
                    <label for="df-industry">{t("dashboard.industry")}</label>
                    <select id="df-industry" name="industry">
                        <option value="">{t("dashboard.all")}</option>
                        {industries.into_iter().map(|(c, n)| { let s = sel(&f.industry, &c); view! { <option value=c selected=s>{n}</option> } }).collect_view()}
                    </select>
                    {err("industry")}
                </div>
                {(!public).then(|| view! {
                <div class="field">
                        <label for="df-item">{t("dashboard.item")}</label>
                        <select id="df-item" name="item">
                            <option value="">{t("dashboard.all")}</option>
                            {items.into_iter().map(|(c, n)| { let s = sel(&f.item, &c); view! { <option value=c selected=s>{n}</option> } }).collect_view()}
                        </select>
                        {err("item")}
                    </div>
                    <div class="field">
                        <label for="df-method">{t("dashboard.method")}</label>
                        <select id="df-method" name="method">
                            <option value="">{t("dashboard.all")}</option>
                            {METHODS.iter().map(|m| view! { <option value=*m selected=sel(&f.method, m)>{t(&format!("method.{m}"))}</option> }).collect_view()}
                        </select>
                        {err("method")}
                    </div>
                    <div class="field">
                        <label for="df-funding">{t("dashboard.funding")}</label>
                        <select id="df-funding" name="funding">
                            <option value="">{t("dashboard.all")}</option>
                            {FUNDINGS.iter().map(|m| view! { <option value=*m selected=sel(&f.funding, m)>{t(&format!("funding.{m}"))}</option> }).collect_view()}
                        </select>
                        {err("funding")}
                    </div>
                })}
                {err("region")}
                <div class="field actions">
                    <button type="submit" class="button primary">{t("dashboard.apply")}</button>
                    <a class="button secondary" href=base>{t("dashboard.reset")}</a>
                </div>
            </form>
        </details>
    }
}

/// Where the view lives: the dashboard, or the public statistics.
fn base(public: bool) -> &'static str {
    if public { "/stats" } else { "/dashboard" }
}

#[component]
fn View(d: Dashboard, public: bool) -> impl IntoView {
    let base = base(public);
    crate::ui::charts::draw_when_mounted();
    let f = d.filter.clone();
    let q = query_with_region(&f, &f.region);
    let (tot, prev) = (d.totals.clone(), d.previous.clone());
    let kpi = move |key: &'static str, value: String, delta: Option<String>| {
        view! {
            <div class="kpi" data-kpi=key>
                <dt>{t(&format!("dashboard.kpi_{key}"))}</dt>
                <dd><strong>{value}</strong>{delta.map(|x| view! { " " <span class="delta">{x}</span> })}</dd>
            </div>
        }
    };
    let region_name = d.path.last().map(|c| c.name.clone()).unwrap_or_default();
    let options = Some((d.industry_options.clone(), d.item_options.clone()));
    let path = d.path.clone();
    let charts = d.charts.clone();
    let trend = d.trend.clone();
    let regions = d.regions.clone();
    let industries = d.industries.clone();
    let has_heat = !d.heat.is_empty();
    let heat_d = d.clone();
    let methods: Vec<(String, i64)> = d.methods.iter().map(|s| (t(&format!("method.{}", s.key)), s.figures.published)).collect();
    let stars: Vec<(String, i64)> = d.stars.iter().map(|(k, n)| (t("ratings.stars").replace("{n}", k), *n)).collect();
    let grades = d.grades.clone();
    let (active_firms, new_firms, complaints) = (d.active_firms, d.new_firms, d.complaints);
    let crumbs = {
        let n = path.len();
        let f = f.clone();
        path.into_iter()
            .enumerate()
            .map(move |(i, c)| {
                let href = format!("{base}?{}", query_with_region(&f, &c.code));
                view! {
                    {(i > 0).then(|| " › ")}
                    {if i + 1 == n { view! { <strong aria-current="page">{c.name}</strong> }.into_any() } else { view! { <a href=href>{c.name}</a> }.into_any() }}
                }
            })
            .collect_view()
    };
    let region_sections = (!regions.is_empty()).then(|| {
        let drill = format!("{base}?{}", query_with_region(&f, "REGIONCODE"));
        let map = (!charts.map.is_empty()).then(|| {
            view! {
                <ChartSection id="map" title=t("dashboard.map") option=charts.map.clone() map=true drill=drill>
                    <p class="hint">{t("dashboard.map_hint")}</p>
                </ChartSection>
            }
        });
        let f2 = f.clone();
        view! {
            {map}
            <ChartSection id="regions" title=t("dashboard.regions") option=charts.regions.clone() map=false>
                <SliceTable rows=regions testid="region-table" link=Some((base, f2))/>
            </ChartSection>
        }
    });
    let heat = has_heat.then(|| {
        view! {
            <ChartSection id="heat" title=t("dashboard.heat") option=charts.heat.clone() map=false>
                <HeatTable d=heat_d/>
            </ChartSection>
        }
    });
    view! {
        <FilterForm f=f.clone() options error=None public/>
        <nav class="breadcrumb dashboard-path" aria-label=t("dashboard.path")>{crumbs}</nav>
        <p class="hint">{t("dashboard.period").replace("{from}", &f.from).replace("{to}", &f.to).replace("{region}", &region_name)}" "{t("dashboard.counting_rule")}</p>
        {(!public).then(|| view! {
            <p class="export-links">
                <a class="button secondary" href=format!("/dashboard/export.csv?{q}") rel="external" download>{t("dashboard.export_csv")}</a>" "
                <a class="button secondary" href=format!("/dashboard/export.xlsx?{q}") rel="external" download data-testid="export-xlsx">{t("dashboard.export_xlsx")}</a>
            </p>
        })}
        <section class="panel" aria-labelledby="kpi-h">
            <h2 id="kpi-h">{t("dashboard.kpis")}</h2>
            <dl class="kpis" data-testid="kpis">
                {kpi("published", tot.published.to_string(), Some(change_text(tot.published, prev.published)))}
                {kpi("selected", tot.selected.to_string(), Some(change_text(tot.selected, prev.selected)))}
                {kpi("failed", tot.failed.to_string(), Some(change_text(tot.failed, prev.failed)))}
                {kpi("contract", wan(tot.contract_fen), Some(change_text(tot.contract_fen, prev.contract_fen)))}
                {kpi("savings", pct(tot.savings_milli()), None)}
                {kpi("participants", dec(tot.avg_participants_milli()), None)}
                {kpi("on_time", pct(tot.on_time_milli()), None)}
                {kpi("service_days", dec(tot.avg_service_days_milli()), None)}
                {kpi("satisfaction", dec(tot.satisfaction_milli()), None)}
                {kpi("active_firms", active_firms.to_string(), None)}
                {(!public).then(|| view! {
                    {kpi("new_firms", new_firms.to_string(), None)}
                    {kpi("complaints", complaints.to_string(), None)}
                })}
            </dl>
            <p class="hint">{t("dashboard.previous_hint")}</p>
        </section>
        <ChartSection id="trend" title=t("dashboard.trend") option=charts.trend.clone() map=false>
            <TrendTable rows=trend/>
        </ChartSection>
        {region_sections}
        <ChartSection id="industries" title=t("dashboard.industries") option=charts.industries.clone() map=false>
            <SliceTable rows=industries testid="industry-table" link=None/>
        </ChartSection>
        {heat}
        <ChartSection id="methods" title=t("dashboard.methods") option=charts.methods.clone() map=false>
            <CountTable rows=methods head=t("dashboard.method")/>
        </ChartSection>
        {(!public).then(|| view! {
            <ChartSection id="stars" title=t("dashboard.stars") option=charts.stars.clone() map=false>
                <CountTable rows=stars head=t("dashboard.star_level")/>
            </ChartSection>
            <ChartSection id="grades" title=t("dashboard.grades") option=charts.grades.clone() map=false>
                <CountTable rows=grades head=t("dashboard.grade")/>
            </ChartSection>
        })}
    }
}

#[component]
fn ChartSection(
    id: &'static str,
    title: String,
    option: String,
    map: bool,
    /// Where a click on a region of the chart leads (`REGIONCODE` is replaced).
    #[prop(optional)]
    drill: Option<String>,
    children: Children,
) -> impl IntoView {
    let (h, labelled_by) = (format!("{id}-h"), format!("{id}-h"));
    view! {
        <section class="panel chart-section" aria-labelledby=labelled_by data-testid=format!("chart-{id}")>
            <h2 id=h>{title.clone()}</h2>
            {(!option.is_empty()).then(|| view! {
                <div class="chart" role="img" aria-label=title.clone() data-option=option data-map=map.then_some("sichuan") data-drill=drill></div>
            })}
            <details class="chart-data" open=true>
                <summary>{t("dashboard.data_table")}</summary>
                <div class="table-scroll" tabindex="0">{children()}</div>
            </details>
        </section>
    }
}

#[component]
fn TrendTable(rows: Vec<Slice>) -> impl IntoView {
    let prev: Vec<Option<Figures>> = std::iter::once(None).chain(rows.iter().map(|r| Some(r.figures.clone()))).collect();
    view! {
        <table class="data" data-testid="trend-table">
            <thead><tr>
                <th scope="col">{t("dashboard.col_period")}</th><th scope="col">{t("dashboard.kpi_published")}</th>
                <th scope="col">{t("dashboard.col_change")}</th><th scope="col">{t("dashboard.kpi_selected")}</th>
                <th scope="col">{t("dashboard.kpi_failed")}</th><th scope="col">{t("dashboard.kpi_contract")}</th>
            </tr></thead>
            <tbody>
                {rows.iter().zip(prev).map(|(r, p)| view! {
                    <tr>
                        <th scope="row" data-label=t("dashboard.col_period")>{r.name.clone()}</th>
                        <td data-label=t("dashboard.kpi_published")>{r.figures.published}</td>
                        <td data-label=t("dashboard.col_change")>{p.map(|p| change_text(r.figures.published, p.published)).unwrap_or_else(|| "—".into())}</td>
                        <td data-label=t("dashboard.kpi_selected")>{r.figures.selected}</td>
                        <td data-label=t("dashboard.kpi_failed")>{r.figures.failed}</td>
                        <td data-label=t("dashboard.kpi_contract")>{wan(r.figures.contract_fen)}</td>
                    </tr>
                }).collect_view()}
            </tbody>
        </table>
    }
}

/// Regions or industries with their main figures; regions link one level down.
#[component]
fn SliceTable(rows: Vec<Slice>, testid: &'static str, link: Option<(&'static str, DashboardFilter)>) -> impl IntoView {
    if rows.is_empty() {
        return view! { <Empty message=t("dashboard.none")/> }.into_any();
    }
    view! {
        <table class="data" data-testid=testid>
            <thead><tr>
                <th scope="col">{t("dashboard.col_name")}</th><th scope="col">{t("dashboard.kpi_published")}</th>
                <th scope="col">{t("dashboard.kpi_selected")}</th><th scope="col">{t("dashboard.kpi_contract")}</th>
                <th scope="col">{t("dashboard.kpi_savings")}</th><th scope="col">{t("dashboard.kpi_satisfaction")}</th>
            </tr></thead>
            <tbody>
                {rows.into_iter().map(|r| {
                    let name = match &link {
                        Some((base, f)) => view! { <a href=format!("{base}?{}", query_with_region(f, &r.key)) data-region=r.key.clone()>{r.name.clone()}</a> }.into_any(),
                        None => view! { <span>{r.name.clone()}</span> }.into_any(),
                    };
                    view! {
                        <tr data-key=r.key.clone()>
                            <th scope="row" data-label=t("dashboard.col_name")>{name}</th>
                            <td data-label=t("dashboard.kpi_published")>{r.figures.published}</td>
                            <td data-label=t("dashboard.kpi_selected")>{r.figures.selected}</td>
                            <td data-label=t("dashboard.kpi_contract")>{wan(r.figures.contract_fen)}</td>
                            <td data-label=t("dashboard.kpi_savings")>{pct(r.figures.savings_milli())}</td>
                            <td data-label=t("dashboard.kpi_satisfaction")>{dec(r.figures.satisfaction_milli())}</td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
    }
    .into_any()
}

#[component]
fn HeatTable(d: Dashboard) -> impl IntoView {
    let cell = |r: &str, i: &str| d.heat.iter().find(|c| c.region == r && c.industry == i).map(|c| c.published).unwrap_or(0);
    let industries = d.industries.clone();
    view! {
        <table class="data heat-table" data-testid="heat-table">
            <thead><tr>
                <th scope="col">{t("dashboard.col_name")}</th>
                {industries.iter().map(|i| view! { <th scope="col">{i.name.clone()}</th> }).collect_view()}
            </tr></thead>
            <tbody>
                {d.regions.iter().map(|r| view! {
                    <tr>
                        <th scope="row">{r.name.clone()}</th>
                        {industries.iter().map(|i| view! { <td data-label=i.name.clone()>{cell(&r.key, &i.key)}</td> }).collect_view()}
                    </tr>
                }).collect_view()}
            </tbody>
        </table>
    }
}

#[component]
fn CountTable(rows: Vec<(String, i64)>, head: String) -> impl IntoView {
    if rows.is_empty() {
        return view! { <Empty message=t("dashboard.none")/> }.into_any();
    }
    view! {
        <table class="data">
            <thead><tr><th scope="col">{head.clone()}</th><th scope="col">{t("dashboard.col_count")}</th></tr></thead>
            <tbody>
                {rows.into_iter().map(|(k, n)| view! {
                    <tr><th scope="row" data-label=head.clone()>{k}</th><td data-label=t("dashboard.col_count")>{n}</td></tr>
                }).collect_view()}
            </tbody>
        </table>
    }
    .into_any()
}
