//! 时限监察: the operator's stage limits (`/operator/time-limits`) and the
//! supervision board for inspectors (`/supervision/board`): yellow and red
//! counts by region, department, owner and stage, and the red cases with how
//! many working days they are overdue and who answers for them.
//!
//! The board's filters are a GET form (`region`, `stage`, `responsible`,
//! `page`), so it works before hydration and every view has an address.
use crate::api::timelimits::{
    get_supervision_board, get_time_limits, list_red_cases, Board, BoardQuery, LightCount, RedCase, RemoveTimeLimit, SaveTimeLimit, TimeLimits,
};
use crate::domain::accounts::Role;
use crate::domain::paging::Page;
use crate::domain::time::format_shanghai;
use crate::domain::timelimits::{Party, Stage};
use crate::i18n::t;
use crate::model::Named;
use crate::ui::account::{FieldError, FormError, Signed};
use crate::ui::components::{successes, Empty, ErrorPanel, FilterSelect, Loading, Pager};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::Form;
use leptos_router::hooks::use_query_map;

fn stage_name(code: &str) -> String {
    Stage::parse(code).map(|s| t(&s.label_key())).unwrap_or_else(|| code.to_string())
}

fn party_name(code: &str) -> String {
    Party::parse(code).map(|p| t(&p.label_key())).unwrap_or_else(|| code.to_string())
}

// ----- limits -----

#[component]
pub fn TimeLimitsPage() -> impl IntoView {
    view! {
        <Title text=t("timelimits.limits_title")/>
        <Signed roles=&[Role::Operator, Role::Admin] render=|| view! { <LimitsBody/> }/>
    }
}

#[component]
fn LimitsBody() -> impl IntoView {
    let save = ServerAction::<SaveTimeLimit>::new();
    let remove = ServerAction::<RemoveTimeLimit>::new();
    let saved = successes(save);
    let removed = successes(remove);
    let limits = Resource::new(move || (saved.get(), removed.get()), |_| get_time_limits());
    let value = save.value();
    let editable: Vec<Stage> = Stage::ALL.into_iter().filter(|s| s.limit_editable()).collect();
    view! {
        <h1>{t("timelimits.limits_title")}</h1>
        <p class="lead">{t("timelimits.limits_lead")}</p>
        <section class="panel limit-form">
            <h2>{t("timelimits.edit_title")}</h2>
            <ActionForm action=save attr:class="form" attr:novalidate=true attr:data-testid="limit-form">
                <div class="field">
                    <label for="tl-stage">{t("timelimits.stage")}</label>
                    <select id="tl-stage" name="stage">
                        {editable.into_iter().map(|s| view! { <option value=s.as_str()>{t(&s.label_key())}</option> }).collect_view()}
                    </select>
                    <FieldError field="stage" value/>
                </div>
                <div class="field">
                    <label for="tl-item">{t("timelimits.item_code")}</label>
                    <input id="tl-item" name="item_code" type="text" maxlength="20" placeholder=t("timelimits.item_placeholder")/>
                    <p class="hint">{t("timelimits.item_hint")}</p>
                    <FieldError field="item_code" value/>
                </div>
                <div class="field">
                    <label for="tl-days">{t("timelimits.working_days")}</label>
                    <input id="tl-days" name="working_days" type="text" inputmode="numeric" maxlength="3" required=true/>
                    <FieldError field="working_days" value/>
                </div>
                <div class="field">
                    <label for="tl-warn">{t("timelimits.warn_working_days")}</label>
                    <input id="tl-warn" name="warn_working_days" type="text" inputmode="numeric" maxlength="2" value="1"/>
                    <p class="hint">{t("timelimits.warn_hint")}</p>
                    <FieldError field="warn_working_days" value/>
                </div>
                <FormError value fields=&["stage", "item_code", "working_days", "warn_working_days"]/>
                {move || matches!(value.get(), Some(Ok(()))).then(|| view! { <p class="success" role="status">{t("timelimits.saved")}</p> })}
                <button type="submit" class="button primary" disabled=save.pending()>{t("timelimits.save")}</button>
            </ActionForm>
        </section>
        <Transition fallback=|| view! { <Loading/> }>
            {move || Suspend::new(async move {
                match limits.await {
                    Ok(l) => view! { <LimitTables l remove/> }.into_any(),
                    Err(error) => view! { <ErrorPanel error/> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn LimitTables(l: TimeLimits, remove: ServerAction<RemoveTimeLimit>) -> impl IntoView {
    let items = l.items.clone();
    view! {
        <h2>{t("timelimits.defaults")}</h2>
        <div class="table-wrap">
            <table class="data time-limits" data-testid="limit-defaults">
                <thead>
                    <tr>
                        <th>{t("timelimits.stage")}</th>
                        <th>{t("timelimits.responsible")}</th>
                        <th>{t("timelimits.working_days")}</th>
                        <th>{t("timelimits.warn_working_days")}</th>
                        <th>{t("timelimits.updated")}</th>
                    </tr>
                </thead>
                <tbody>
                    {l.defaults.into_iter().map(|d| {
                        let days = if d.editable { d.working_days.to_string() } else { t("timelimits.by_contract") };
                        let updated = match (d.updated_by.clone(), d.updated_at) {
                            (by, Some(at)) => format!("{} {}", by.unwrap_or_default(), format_shanghai(at)),
                            _ => t("timelimits.builtin"),
                        };
                        view! {
                            <tr data-testid=format!("limit-{}", d.stage)>
                                <td data-label=t("timelimits.stage")>{stage_name(&d.stage)}</td>
                                <td data-label=t("timelimits.responsible")>{party_name(&d.responsible)}</td>
                                <td data-label=t("timelimits.working_days") data-testid="limit-days">{days}</td>
                                <td data-label=t("timelimits.warn_working_days")>{d.warn_working_days}</td>
                                <td data-label=t("timelimits.updated")>{updated}</td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        </div>
        <h2>{t("timelimits.overrides")}</h2>
        {if items.is_empty() {
            view! { <Empty message=t("timelimits.no_overrides")/> }.into_any()
        } else {
            view! {
                <div class="table-wrap">
                    <table class="data time-limits" data-testid="limit-items">
                        <thead>
                            <tr>
                                <th>{t("timelimits.item_code")}</th>
                                <th>{t("timelimits.stage")}</th>
                                <th>{t("timelimits.working_days")}</th>
                                <th>{t("timelimits.warn_working_days")}</th>
                                <th>{t("timelimits.updated")}</th>
                                <th></th>
                            </tr>
                        </thead>
                        <tbody>
                            {items.into_iter().map(|i| view! {
                                <tr>
                                    <td data-label=t("timelimits.item_code")>{i.item_code.clone()}<span class="code">{i.item_name.clone()}</span></td>
                                    <td data-label=t("timelimits.stage")>{stage_name(&i.stage)}</td>
                                    <td data-label=t("timelimits.working_days")>{i.working_days}</td>
                                    <td data-label=t("timelimits.warn_working_days")>{i.warn_working_days}</td>
                                    <td data-label=t("timelimits.updated")>{format!("{} {}", i.updated_by.clone().unwrap_or_default(), format_shanghai(i.updated_at))}</td>
                                    <td class="row-actions">
                                        <ActionForm action=remove attr:class="inline-form">
                                            <input type="hidden" name="stage" value=i.stage.clone()/>
                                            <input type="hidden" name="item_code" value=i.item_code.clone()/>
                                            <button type="submit" class="button secondary">{t("timelimits.remove")}</button>
                                        </ActionForm>
                                    </td>
                                </tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                </div>
            }.into_any()
        }}
    }
}

// ----- board -----

#[derive(Clone, Debug, PartialEq)]
struct Query {
    q: BoardQuery,
    page: i64,
}

impl Query {
    fn href(&self, page: u32) -> String {
        format!("/supervision/board?region={}&stage={}&responsible={}&page={page}", self.q.region, self.q.stage, self.q.responsible)
    }
}

#[component]
pub fn SupervisionBoardPage() -> impl IntoView {
    view! {
        <Title text=t("timelimits.board_title")/>
        <Signed roles=&[Role::Regulator, Role::Leader, Role::Operator, Role::Admin] render=|| view! { <BoardBody/> }/>
    }
}

#[component]
fn BoardBody() -> impl IntoView {
    let query_map = use_query_map();
    let query = Memo::new(move |_| {
        query_map.with(|m| Query {
            q: BoardQuery {
                region: m.get("region").unwrap_or_default(),
                stage: m.get("stage").unwrap_or_default(),
                responsible: m.get("responsible").unwrap_or_default(),
            },
            page: m.get("page").and_then(|p| p.parse().ok()).unwrap_or(1),
        })
    });
    let regions = Resource::new(|| (), |_| crate::api::reference::get_reference_lists());
    let board = Resource::new(move || query.get().q, get_supervision_board);
    let reds = Resource::new(move || query.get(), |q| list_red_cases(q.q, q.page));
    view! {
        <h1>{t("timelimits.board_title")}</h1>
        <p class="lead">{t("timelimits.board_lead")}</p>
        <Transition fallback=|| view! { <Loading/> }>
            {move || Suspend::new(async move {
                let user = crate::ui::account::use_auth().user.await.ok().flatten();
                // only the regions the caller reaches
                let regions: Vec<Named> = regions
                    .await
                    .map(|r| r.regions)
                    .unwrap_or_default()
                    .into_iter()
                    .filter(|r| user.as_ref().is_some_and(|u| u.scope().reaches(&r.code, None)))
                    .collect();
                view! { <BoardFilters q=query.get_untracked() regions/> }
            })}
        </Transition>
        <Transition fallback=|| view! { <Loading/> }>
            <div class="results" aria-live="polite">
                {move || Suspend::new(async move {
                    match board.await {
                        Ok(b) => view! { <BoardCounts b/> }.into_any(),
                        Err(error) => view! { <ErrorPanel error/> }.into_any(),
                    }
                })}
            </div>
        </Transition>
        <h2>{t("timelimits.red_title")}</h2>
        <Transition fallback=|| view! { <Loading/> }>
            {move || Suspend::new(async move {
                let q = query.get_untracked();
                match reds.await {
                    Ok(page) => view! { <RedList page q/> }.into_any(),
                    Err(error) => view! { <ErrorPanel error/> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn BoardFilters(q: Query, regions: Vec<Named>) -> impl IntoView {
    let stages: Vec<Named> = Stage::ALL.into_iter().map(|s| Named { code: s.as_str().into(), name: t(&s.label_key()) }).collect();
    let parties: Vec<Named> = Party::ALL.into_iter().map(|p| Named { code: p.as_str().into(), name: t(&p.label_key()) }).collect();
    view! {
        <Form method="GET" action="/supervision/board" attr:class="filters" attr:role="search" attr:aria-label=t("timelimits.filters")>
            <FilterSelect id="tl-region" name="region" label=t("timelimits.region") choices=regions current=Some(q.q.region.clone())/>
            <FilterSelect id="tl-stage" name="stage" label=t("timelimits.stage") choices=stages current=Some(q.q.stage.clone())/>
            <FilterSelect id="tl-party" name="responsible" label=t("timelimits.responsible") choices=parties current=Some(q.q.responsible.clone())/>
            <div class="field actions">
                <button type="submit">{t("common.search")}</button>
                <a class="button secondary" href="/supervision/board">{t("common.reset")}</a>
            </div>
        </Form>
    }
}

#[component]
fn BoardCounts(b: Board) -> impl IntoView {
    let stages: Vec<LightCount> = b.by_stage.iter().cloned().map(|mut c| {
        c.name = stage_name(&c.code);
        c
    }).collect();
    let departments: Vec<LightCount> = b.by_department.iter().cloned().map(|mut c| {
        if c.code.is_empty() {
            c.name = t("timelimits.no_department");
        }
        c
    }).collect();
    view! {
        <ul class="light-totals" data-testid="light-totals">
            <li class="light-tile light-green"><span class="n" data-testid="total-green">{b.green}</span>{t("timelimits.light_green")}</li>
            <li class="light-tile light-yellow"><span class="n" data-testid="total-yellow">{b.yellow}</span>{t("timelimits.light_yellow")}</li>
            <li class="light-tile light-red"><span class="n" data-testid="total-red">{b.red}</span>{t("timelimits.light_red")}</li>
        </ul>
        <div class="count-grid">
            <CountTable title=t("timelimits.by_region") rows=b.by_region.clone() testid="by-region"/>
            <CountTable title=t("timelimits.by_department") rows=departments testid="by-department"/>
            <CountTable title=t("timelimits.by_owner") rows=b.by_owner.clone() testid="by-owner"/>
            <CountTable title=t("timelimits.by_stage") rows=stages testid="by-stage"/>
        </div>
    }
}

#[component]
fn CountTable(title: String, rows: Vec<LightCount>, testid: &'static str) -> impl IntoView {
    let max = rows.iter().map(|r| r.yellow + r.red).max().unwrap_or(0).max(1);
    let pct = move |n: i64| format!("width: {}%", n * 100 / max);
    view! {
        <section class="panel count-table" data-testid=testid>
            <h3>{title.clone()}</h3>
            {if rows.is_empty() {
                view! { <Empty message=t("timelimits.no_counts")/> }.into_any()
            } else {
                view! {
                    <table class="data counts">
                        <thead>
                            <tr>
                                <th>{title.clone()}</th>
                                <th>{t("timelimits.light_yellow")}</th>
                                <th>{t("timelimits.light_red")}</th>
                                <th aria-hidden="true"></th>
                            </tr>
                        </thead>
                        <tbody>
                            {rows.into_iter().map(|r| view! {
                                <tr>
                                    <td data-label=title.clone()>{r.name.clone()}</td>
                                    <td data-label=t("timelimits.light_yellow") class="num">{r.yellow}</td>
                                    <td data-label=t("timelimits.light_red") class="num">{r.red}</td>
                                    <td class="bars" aria-hidden="true">
                                        <span class="bar bar-red" style=pct(r.red)></span>
                                        <span class="bar bar-yellow" style=pct(r.yellow)></span>
                                    </td>
                                </tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                }.into_any()
            }}
        </section>
    }
}

#[component]
fn RedList(page: Page<RedCase>, q: Query) -> impl IntoView {
    let items = page.items.clone();
    view! {
        <p class="count" data-testid="red-count">{t("timelimits.red_found").replace("{n}", &page.total.to_string())}</p>
        {if items.is_empty() {
            view! { <Empty message=t("timelimits.red_empty")/> }.into_any()
        } else {
            view! {
                <div class="table-wrap">
                    <table class="data red-cases">
                        <thead>
                            <tr>
                                <th>{t("timelimits.subject")}</th>
                                <th>{t("timelimits.stage")}</th>
                                <th>{t("timelimits.responsible")}</th>
                                <th>{t("timelimits.region")}</th>
                                <th>{t("timelimits.due")}</th>
                                <th>{t("timelimits.overdue")}</th>
                            </tr>
                        </thead>
                        <tbody>
                            {items.into_iter().map(|c| {
                                let subject = match c.link.clone() {
                                    Some(href) => view! { <a href=href>{c.subject_key.clone()}</a> }.into_any(),
                                    None => view! { <span>{c.subject_key.clone()}</span> }.into_any(),
                                };
                                let party = match c.responsible_name.clone() {
                                    Some(n) => format!("{} · {n}", party_name(&c.responsible)),
                                    None => party_name(&c.responsible),
                                };
                                view! {
                                    <tr class="overdue" data-testid="red-case">
                                        <td data-label=t("timelimits.subject")>{subject}<span class="code">{c.subject_label.clone()}</span></td>
                                        <td data-label=t("timelimits.stage")>{stage_name(&c.stage)}</td>
                                        <td data-label=t("timelimits.responsible") data-testid="red-responsible">{party}</td>
                                        <td data-label=t("timelimits.region")>{c.region_name.clone()}</td>
                                        <td data-label=t("timelimits.due")><time>{format_shanghai(c.due_at)}</time></td>
                                        <td data-label=t("timelimits.overdue") data-testid="red-overdue">
                                            {t("timelimits.overdue_days").replace("{n}", &c.overdue_working_days.to_string())}
                                        </td>
                                    </tr>
                                }
                            }).collect_view()}
                        </tbody>
                    </table>
                </div>
            }.into_any()
        }}
        <Pager page href=move |n| q.href(n)/>
    }
}

// ----- one case's lights -----

fn light_name(code: &str) -> String {
    match code {
        "green" | "yellow" | "red" => t(&format!("timelimits.light_{code}")),
        other => other.to_string(),
    }
}

/// The time-limit lights of one procurement or contract (`kind`, `key`): each
/// stage's deadline, its light now or when it finished, and every change of
/// light. Shown to the supervisors in scope and to the subject's owner and
/// firm; for anyone else (and while there are no clocks) it renders nothing.
#[component]
pub fn LightHistory(kind: &'static str, key: String) -> impl IntoView {
    let auth = crate::ui::account::use_auth();
    // anonymous visitors see none: no call at all
    let data = Resource::new(
        move || key.clone(),
        move |key| async move {
            match auth.user.await {
                Ok(Some(_)) => crate::api::timelimits::get_light_history(kind.to_string(), key).await.unwrap_or_default(),
                _ => Vec::new(),
            }
        },
    );
    view! {
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                let clocks = data.await;
                (!clocks.is_empty()).then(|| view! {
                    <section class="panel light-history no-print" aria-labelledby="light-history-h" data-testid="light-history">
                        <h2 id="light-history-h">{t("timelimits.history_title")}</h2>
                        <p class="hint">{t("timelimits.history_lead")}</p>
                        <table class="data">
                            <thead>
                                <tr>
                                    <th>{t("timelimits.stage")}</th>
                                    <th>{t("timelimits.responsible")}</th>
                                    <th>{t("timelimits.history_started")}</th>
                                    <th>{t("timelimits.due")}</th>
                                    <th>{t("timelimits.history_state")}</th>
                                    <th>{t("timelimits.history_changes")}</th>
                                </tr>
                            </thead>
                            <tbody>
                                {clocks.into_iter().map(|c| {
                                    let state = match c.closed_at {
                                        Some(at) => t("timelimits.history_closed").replace("{at}", &format_shanghai(at)),
                                        None => t("timelimits.history_open"),
                                    };
                                    view! {
                                        <tr data-testid="light-stage" data-stage=c.stage.clone() data-light=c.light.clone()>
                                            <td data-label=t("timelimits.stage")>{stage_name(&c.stage)}</td>
                                            <td data-label=t("timelimits.responsible")>{party_name(&c.responsible)}</td>
                                            <td data-label=t("timelimits.history_started")>{format_shanghai(c.started_at)}</td>
                                            <td data-label=t("timelimits.due")>{format_shanghai(c.due_at)}</td>
                                            <td data-label=t("timelimits.history_state")>
                                                <span class=format!("light-tag light-{}", c.light)>{light_name(&c.light)}</span>" "{state}
                                            </td>
                                            <td data-label=t("timelimits.history_changes")>
                                                <ol class="light-changes">
                                                    {c.changes.into_iter().map(|ch| view! {
                                                        <li>
                                                            <time>{format_shanghai(ch.at)}</time>" "
                                                            {ch.from_light.map(|f| format!("{} → ", light_name(&f)))}
                                                            {light_name(&ch.to_light)}
                                                        </li>
                                                    }).collect_view()}
                                                </ol>
                                            </td>
                                        </tr>
                                    }
                                }).collect_view()}
                            </tbody>
                        </table>
                    </section>
                })
            })}
        </Transition>
    }
}
