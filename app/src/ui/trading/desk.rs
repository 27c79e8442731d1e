//! Work pages of trading (交易):
//! - `/owner`: the project owner's announcements (drafts included);
//! - `/owner/announcements/new`, `/owner/announcements/:code/edit`: the selection
//!   announcement form (选取公告), saved as a draft or published;
//! - `/firm/trading`: a firm's participations (我的报名);
//! - `/regulator/objections`: escalated objections (质疑) for the regulator.
//!
//! Every form is an `ActionForm` whose fields are named after the server
//! function's arguments (`form[title]` … for the nested `AnnouncementForm`), so
//! it works before hydration and without JavaScript.
use super::owner_panel::{hydrated_flag, CancelForm};
use crate::api::trading::{escalated_objections, get_announcement_options, get_draft, get_owner_desk, my_participations, ActOnObjection, SaveAnnouncement};
use crate::domain::accounts::Role;
use crate::domain::money::Fen;
use crate::domain::paging::{page_count, Page};
use crate::domain::procurement::{Funding, ProcurementStatus, SelectionMethod};
use crate::domain::time::format_shanghai;
use crate::i18n::t;
use crate::model::trading::{AnnouncementForm, AnnouncementOptions, AnnouncementRow, EscalatedObjection, OwnerDesk, ParticipationRow};
use crate::ui::account::{FieldError, FormError, Signed};
use crate::ui::components::{Empty, ErrorPanel, Loading, MethodTag, Pager, StatusTag};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_navigate, use_params_map, use_query_map};

const PER_PAGE: u32 = 20;

/// One page of a list the server returns whole (at most a few hundred rows).
fn page_of<T: Clone>(all: &[T], page: u32) -> Page<T> {
    let total = all.len() as u64;
    let page = page.clamp(1, page_count(total, PER_PAGE).max(1));
    let start = ((page - 1) * PER_PAGE) as usize;
    Page { items: all.iter().skip(start).take(PER_PAGE as usize).cloned().collect(), page, per_page: PER_PAGE, total }
}

fn query_page() -> Memo<u32> {
    let query = use_query_map();
    Memo::new(move |_| query.with(|q| q.get("page").and_then(|p| p.parse::<u32>().ok()).unwrap_or(1)))
}

fn time_or_dash(ms: Option<i64>) -> String {
    ms.map(format_shanghai).unwrap_or_else(|| "—".into())
}

/// Epoch ms as the value of an `<input type="datetime-local">` (Asia/Shanghai),
/// rounded up to the minute so the earliest allowed time is itself allowed.
fn local_input(ms: i64) -> String {
    let ms = ms.div_euclid(60_000) * 60_000 + if ms.rem_euclid(60_000) > 0 { 60_000 } else { 0 };
    format_shanghai(ms).replacen(' ', "T", 1)
}

// ───────────────────────────── owner desk ─────────────────────────────

#[component]
pub fn OwnerDeskPage() -> impl IntoView {
    view! {
        <Title text=t("desk.title")/>
        <div class="page-head">
            <h1>{t("desk.title")}</h1>
            <a class="button primary" href="/owner/announcements/new">{t("desk.new")}</a>
        </div>
        <Signed roles=&[Role::Owner] render=|| view! { <Desk/> }/>
    }
}

#[component]
fn Desk() -> impl IntoView {
    let changed = RwSignal::new(0u32);
    let desk = Resource::new(move || changed.get(), |_| get_owner_desk());
    let query = use_query_map();
    let page = query_page();
    let status = Memo::new(move |_| query.with(|q| q.get("status").unwrap_or_default()));
    let on_change = Callback::new(move |_: ()| changed.update(|n| *n += 1));
    view! {
        <Transition fallback=|| view! { <Loading/> }>
            {move || {
                let (page, status) = (page.get(), status.get());
                Suspend::new(async move {
                    match desk.await {
                        Ok(d) => view! { <DeskView d page status on_change/> }.into_any(),
                        Err(error) => view! { <ErrorPanel error/> }.into_any(),
                    }
                })
            }}
        </Transition>
    }
}

#[component]
fn DeskView(d: OwnerDesk, page: u32, status: String, on_change: Callback<()>) -> impl IntoView {
    let all = d.announcements;
    let filter = |s: &str, n: usize| {
        let href = if s.is_empty() { "/owner".to_string() } else { format!("/owner?status={s}") };
        let label = if s.is_empty() { t("common.all") } else { ProcurementStatus::parse(s).map(|p| t(p.label_key())).unwrap_or_default() };
        let current = s == status;
        view! {
            <a href=href class:current=current aria-current=current.then_some("page")>
                {label}" "<span class="n">{n}</span>
            </a>
        }
    };
    let filters = std::iter::once(filter("", all.len()))
        .chain(ProcurementStatus::ALL.iter().map(|s| filter(s.as_str(), all.iter().filter(|a| a.status == s.as_str()).count())))
        .collect_view();
    let shown: Vec<AnnouncementRow> = all.iter().filter(|a| status.is_empty() || a.status == status).cloned().collect();
    let body = if all.is_empty() {
        view! {
            <div class="empty">
                <p>{t("desk.empty")}</p>
                <p><a class="button primary" href="/owner/announcements/new">{t("desk.new")}</a></p>
            </div>
        }
        .into_any()
    } else if shown.is_empty() {
        view! { <Empty message=t("desk.empty_filtered")/> }.into_any()
    } else {
        let page = page_of(&shown, page);
        let rows = page.items.clone().into_iter().map(|a| desk_row(a, on_change)).collect_view();
        let status_q = status.clone();
        view! {
            <div class="table-wrap">
                <table class="data owner-desk">
                    <thead><tr>
                        <th scope="col">{t("desk.col_title")}</th>
                        <th scope="col">{t("desk.col_method")}</th>
                        <th scope="col">{t("desk.col_status")}</th>
                        <th scope="col">{t("desk.col_deadline")}</th>
                        <th scope="col">{t("desk.col_participants")}</th>
                        <th scope="col">{t("desk.col_budget")}</th>
                        <th scope="col">{t("desk.col_actions")}</th>
                    </tr></thead>
                    <tbody>{rows}</tbody>
                </table>
            </div>
            <Pager page href=move |n| if status_q.is_empty() { format!("/owner?page={n}") } else { format!("/owner?status={status_q}&page={n}") }/>
        }
        .into_any()
    };
    view! {
        <p class="lead" data-testid="owner-name">{d.owner_name}</p>
        <nav class="desk-filter" aria-label=t("desk.filter_label")>{filters}</nav>
        {body}
    }
}

fn desk_row(a: AnnouncementRow, on_change: Callback<()>) -> impl IntoView {
    let draft = a.status == "draft";
    let cancellable = matches!(a.status.as_str(), "draft" | "published" | "closed");
    let edit = format!("/owner/announcements/{}/edit", a.code);
    let public = format!("/announcements/{}", a.code);
    let link = if draft { edit.clone() } else { public.clone() };
    let participants = if draft { "—".to_string() } else { a.participant_count.to_string() };
    view! {
        <tr data-code=a.code.clone()>
            <td data-label=t("desk.col_title")>
                <a href=link>{a.title.clone()}</a>
                <br/><span class="muted">{a.code.clone()}" · "{a.item_name.clone()}" · "{a.region_name.clone()}</span>
            </td>
            <td data-label=t("desk.col_method")><MethodTag method=a.method.clone()/></td>
            <td data-label=t("desk.col_status")><StatusTag status=a.status.clone()/></td>
            <td data-label=t("desk.col_deadline")>{time_or_dash(a.deadline_at)}</td>
            <td data-label=t("desk.col_participants")>{participants}</td>
            <td data-label=t("desk.col_budget")>{Fen(a.budget_fen).to_string()}</td>
            <td data-label=t("desk.col_actions")>
                <div class="row-actions">
                    {if draft {
                        view! { <a href=edit>{t("desk.edit")}</a> }.into_any()
                    } else {
                        view! { <a href=public>{t("desk.view_public")}</a> }.into_any()
                    }}
                    {cancellable.then(|| view! {
                        <details class="cancel-box">
                            <summary>{t("desk.cancel")}</summary>
                            <CancelForm code=a.code.clone() on_done=on_change/>
                        </details>
                    })}
                </div>
            </td>
        </tr>
    }
}

// ───────────────────────────── announcement form ─────────────────────────────

#[component]
fn Crumbs() -> impl IntoView {
    view! {
        <nav class="breadcrumb" aria-label=t("nav.breadcrumb")>
            <a href="/">{t("nav.home")}</a>" / "<a href="/owner">{t("desk.title")}</a>
        </nav>
    }
}

#[component]
pub fn NewAnnouncementPage() -> impl IntoView {
    view! {
        <Title text=t("desk.new_title")/>
        <Crumbs/>
        <h1>{t("desk.new_title")}</h1>
        <Signed roles=&[Role::Owner] render=|| view! { <FormLoader editing=false/> }/>
    }
}

#[component]
pub fn EditAnnouncementPage() -> impl IntoView {
    view! {
        <Title text=t("desk.edit_title")/>
        <Crumbs/>
        <h1>{t("desk.edit_title")}</h1>
        <Signed roles=&[Role::Owner] render=|| view! { <FormLoader editing=true/> }/>
    }
}

/// Loads the choices (and the draft when editing), then shows the form. A saved
/// draft opens its edit page (`?saved=1`); a published one its public page. A
/// refused save leaves everything typed in place, the error next to its field.
#[component]
fn FormLoader(editing: bool) -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let save = ServerAction::<SaveAnnouncement>::new();
    let publishing = RwSignal::new(false);
    let code = move || editing.then(|| params.with(|p| p.get("code").unwrap_or_default()));
    let saved = Memo::new(move |_| query.with(|q| q.get("saved").is_some()));
    let options = Resource::new(|| (), |_| get_announcement_options());
    let draft = Resource::new(
        move || (code(), saved.get()),
        |(code, _)| async move {
            match code {
                Some(c) => get_draft(c).await.map(Some),
                None => Ok(None),
            }
        },
    );
    let navigate = use_navigate();
    let value = save.value();
    Effect::new(move |_| {
        if let Some(Ok(code)) = value.get() {
            let to = if publishing.get_untracked() {
                format!("/announcements/{code}")
            } else {
                format!("/owner/announcements/{code}/edit?saved=1")
            };
            navigate(&to, Default::default());
        }
    });
    let notice = move || saved.get() && !matches!(value.get(), Some(Err(_)));
    view! {
        <Show when=notice>
            <p class="form-ok" role="status" data-testid="saved-notice">{t("desk.draft_saved")}</p>
        </Show>
        <Transition fallback=|| view! { <Loading/> }>
            {move || {
                let code = code();
                Suspend::new(async move {
                    match (options.await, draft.await) {
                        (Ok(opts), Ok(form)) => view! { <AnnouncementFormView opts form code save publishing/> }.into_any(),
                        (Err(error), _) | (_, Err(error)) => view! { <ErrorPanel error/> }.into_any(),
                    }
                })
            }}
        </Transition>
    }
}

/// Field names the form shows next to a field; other errors show above the buttons.
const FORM_FIELDS: &[&str] = &[
    "title", "project_code", "item_code", "region_code", "funding", "budget", "scope", "req_type_1", "service_days",
    "deadline", "method", "contact_name", "contact_phone", "price_weight", "criteria", "direct_firm", "direct_reason",
];

/// The sum of the merit maxima as typed (price weight + every `名称:分值` line).
fn merit_sum(price_weight: &str, criteria: &str) -> u32 {
    let price: u32 = price_weight.trim().parse().unwrap_or(0);
    criteria
        .lines()
        .filter_map(|l| l.rsplit_once([':', '：']).and_then(|(_, v)| v.trim().parse::<u32>().ok()))
        .fold(price, u32::saturating_add)
}

#[component]
fn AnnouncementFormView(
    opts: AnnouncementOptions,
    form: Option<AnnouncementForm>,
    code: Option<String>,
    save: ServerAction<SaveAnnouncement>,
    publishing: RwSignal<bool>,
) -> impl IntoView {
    let value = save.value();
    let pending = save.pending();
    let js = hydrated_flag();
    let f = form.unwrap_or_else(|| AnnouncementForm {
        region_code: opts.regions.first().map(|r| r.0.clone()).unwrap_or_default(),
        match_mode: "any".into(),
        method: SelectionMethod::RandomDraw.as_str().into(),
        ..Default::default()
    });
    let method = if SelectionMethod::parse(&f.method).is_some() { f.method.clone() } else { SelectionMethod::RandomDraw.as_str().to_string() };
    let mode_all = f.match_mode == "all";
    let settings = opts.settings.clone();

    // project
    let item_options = opts
        .items
        .iter()
        .map(|(c, n)| view! { <option value=c.clone() selected=*c == f.item_code>{format!("{n}({c})")}</option> })
        .collect_view();
    let region_options = opts
        .regions
        .iter()
        .map(|(c, n)| view! { <option value=c.clone() selected=*c == f.region_code>{n.clone()}</option> })
        .collect_view();
    let funding_options = Funding::ALL
        .iter()
        .map(|x| view! { <option value=x.as_str() selected=x.as_str() == f.funding>{t(x.label_key())}</option> })
        .collect_view();

    // qualification requirements: three type + minimum grade pairs; with
    // JavaScript the grades offered are those of the chosen type, and choosing the
    // service item pre-fills the first pair from the catalogue
    let reqs: Vec<(RwSignal<String>, RwSignal<String>)> = [
        (&f.req_type_1, &f.req_grade_1),
        (&f.req_type_2, &f.req_grade_2),
        (&f.req_type_3, &f.req_grade_3),
    ]
    .into_iter()
    .map(|(ty, gr)| (RwSignal::new(ty.clone()), RwSignal::new(gr.clone())))
    .collect();
    let (ty1, gr1) = reqs[0];
    let item_reqs = opts.item_requirements.clone();
    let on_item = move |ev: leptos::ev::Event| {
        let item = event_target_value(&ev);
        if let Some((_, ty, gr)) = item_reqs.iter().find(|(c, _, _)| *c == item) {
            ty1.set(ty.clone().unwrap_or_default());
            gr1.set(gr.clone().unwrap_or_default());
        }
    };
    let req_rows = reqs
        .iter()
        .enumerate()
        .map(|(i, &(ty, gr))| {
            let n = i + 1;
            let (ty0, gr0) = (ty.get_untracked(), gr.get_untracked());
            let type_options = opts
                .qualification_types
                .iter()
                .map(|(c, name, _)| view! { <option value=c.clone() selected=*c == ty0>{name.clone()}</option> })
                .collect_view();
            let grade_groups = opts
                .qualification_types
                .iter()
                .filter(|(_, _, g)| g.iter().any(|x| !x.trim().is_empty()))
                .map(|(c, name, grades)| {
                    let other = {
                        let c = c.clone();
                        move || js.get() && ty.get() != c
                    };
                    let options = grades
                        .iter()
                        .filter(|g| !g.trim().is_empty())
                        .map(|g| view! { <option value=g.clone() selected=*c == ty0 && *g == gr0>{g.clone()}</option> })
                        .collect_view();
                    // hidden, not disabled: grades are plain names shared by several types,
                    // and a selected option inside a disabled group would not be sent
                    view! { <optgroup label=name.clone() hidden=other>{options}</optgroup> }
                })
                .collect_view();
            let describedby = if n == 1 { "req_type_1-error" } else { "" };
            view! {
                <div class="req-row">
                    <div class="field">
                        <label for=format!("af-req-type-{n}")>{t("desk.req_type").replace("{n}", &n.to_string())}</label>
                        <select id=format!("af-req-type-{n}") name=format!("form[req_type_{n}]") aria-describedby=describedby
                            prop:value=move || ty.get()
                            on:change=move |ev| {
                                ty.set(event_target_value(&ev));
                                gr.set(String::new());
                            }>
                            <option value="">{t("desk.req_none")}</option>
                            {type_options}
                        </select>
                    </div>
                    <div class="field">
                        <label for=format!("af-req-grade-{n}")>{t("desk.req_grade").replace("{n}", &n.to_string())}</label>
                        <select id=format!("af-req-grade-{n}") name=format!("form[req_grade_{n}]")
                            prop:value=move || gr.get() on:change=move |ev| gr.set(event_target_value(&ev))>
                            <option value="">{t("desk.grade_any")}</option>
                            {grade_groups}
                        </select>
                    </div>
                </div>
            }
        })
        .collect_view();

    // method
    let methods = SelectionMethod::ALL
        .iter()
        .map(|m| {
            let id = format!("m-{}", m.as_str());
            let hint = t(&format!("desk.method_hint_{}", m.as_str()))
                .replace("{n}", &settings.min_participants.to_string())
                .replace("{pct}", &settings.abnormal_share_pct.to_string());
            view! {
                <div class="method-choice">
                    <input type="radio" id=id.clone() name="form[method]" value=m.as_str() checked=m.as_str() == method
                        aria-describedby=format!("{id}-hint")/>
                    <label for=id.clone()>{t(m.label_key())}</label>
                    <p class="hint" id=format!("{id}-hint")>{hint}</p>
                </div>
            }
        })
        .collect_view();
    let earliest = local_input(opts.earliest_deadline_ms);
    let deadline_hint = t("desk.deadline_hint")
        .replace("{time}", &earliest.replacen('T', " ", 1))
        .replace("{n}", &settings.min_publication_days.to_string());

    // merit: live sum of the maxima
    let price_weight = RwSignal::new(f.price_weight.clone());
    let criteria = RwSignal::new(f.criteria.clone());
    let sum = move || merit_sum(&price_weight.get(), &criteria.get());

    let submit_draft = move |_| publishing.set(false);
    let submit_publish = move |_| publishing.set(true);
    view! {
        <ActionForm action=save attr:class="form announcement-form" attr:novalidate=true>
            {code.map(|c| view! { <input type="hidden" name="code" value=c/> })}
            <fieldset class="group">
                <legend>{t("desk.group_project")}</legend>
                <div class="field">
                    <label for="af-title">{t("desk.f_title")}</label>
                    <input id="af-title" name="form[title]" value=f.title.clone() required maxlength="100" aria-describedby="title-error"/>
                    <FieldError field="title" value/>
                </div>
                <div class="field">
                    <label for="af-project-code">{t("desk.f_project_code")}</label>
                    <input id="af-project-code" name="form[project_code]" value=f.project_code.clone() required maxlength="50"
                        spellcheck="false" aria-describedby="af-project-code-hint project_code-error"/>
                    <p class="hint" id="af-project-code-hint">{t("desk.f_project_code_hint")}</p>
                    <FieldError field="project_code" value/>
                </div>
                <div class="field">
                    <label for="af-item">{t("desk.f_item")}</label>
                    <select id="af-item" name="form[item_code]" aria-describedby="item_code-error" on:change=on_item>
                        <option value="">{t("desk.choose_item")}</option>
                        {item_options}
                    </select>
                    <FieldError field="item_code" value/>
                </div>
                <div class="field-row">
                    <div class="field">
                        <label for="af-region">{t("desk.f_region")}</label>
                        <select id="af-region" name="form[region_code]" aria-describedby="region_code-error">{region_options}</select>
                        <FieldError field="region_code" value/>
                    </div>
                    <div class="field">
                        <label for="af-funding">{t("desk.f_funding")}</label>
                        <select id="af-funding" name="form[funding]" aria-describedby="funding-error">
                            <option value="">{t("desk.choose")}</option>
                            {funding_options}
                        </select>
                        <FieldError field="funding" value/>
                    </div>
                </div>
                <div class="field-row">
                    <div class="field">
                        <label for="af-budget">{t("desk.f_budget")}</label>
                        <input id="af-budget" name="form[budget]" value=f.budget.clone() inputmode="decimal" required
                            aria-describedby="af-budget-hint budget-error"/>
                        <p class="hint" id="af-budget-hint">{t("desk.f_budget_hint")}</p>
                        <FieldError field="budget" value/>
                    </div>
                    <div class="field">
                        <label for="af-days">{t("desk.f_service_days")}</label>
                        <input id="af-days" name="form[service_days]" type="number" inputmode="numeric" min="1" max="365"
                            value=f.service_days.clone() required aria-describedby="service_days-error"/>
                        <FieldError field="service_days" value/>
                    </div>
                </div>
                <div class="field">
                    <label for="af-scope">{t("desk.f_scope")}</label>
                    <textarea id="af-scope" name="form[scope]" rows="4" maxlength="2000" aria-describedby="scope-error">{f.scope.clone()}</textarea>
                    <FieldError field="scope" value/>
                </div>
            </fieldset>

            <fieldset class="group">
                <legend>{t("desk.group_requirements")}</legend>
                <p class="hint">{t("desk.requirements_hint")}</p>
                {req_rows}
                <FieldError field="req_type_1" value/>
                <div class="field">
                    <span class="label" id="af-mode-label">{t("desk.f_match_mode")}</span>
                    <div class="choices inline" role="radiogroup" aria-labelledby="af-mode-label">
                        <label class="choice">
                            <input type="radio" name="form[match_mode]" value="any" checked=!mode_all/>
                            {t("desk.mode_any")}
                        </label>
                        <label class="choice">
                            <input type="radio" name="form[match_mode]" value="all" checked=mode_all/>
                            {t("desk.mode_all")}
                        </label>
                    </div>
                </div>
            </fieldset>

            <fieldset class="group">
                <legend>{t("desk.group_method")}</legend>
                <div class="methods" role="radiogroup" aria-describedby="method-error">{methods}</div>
                <FieldError field="method" value/>
                <div class="field deadline-field">
                    <label for="af-deadline">{t("desk.f_deadline")}</label>
                    <input id="af-deadline" name="form[deadline]" type="datetime-local" step="60" min=earliest.clone() value=f.deadline.clone()
                        aria-describedby="af-deadline-hint deadline-error"/>
                    <p class="hint" id="af-deadline-hint" data-testid="deadline-hint">{deadline_hint}</p>
                    <FieldError field="deadline" value/>
                </div>
                <div class="method-fields method-merit">
                    <div class="field">
                        <label for="af-price-weight">{t("desk.f_price_weight")}</label>
                        <input id="af-price-weight" name="form[price_weight]" type="number" inputmode="numeric" min="0" max="100"
                            value=f.price_weight.clone() aria-describedby="af-price-weight-hint price_weight-error"
                            on:input=move |ev| price_weight.set(event_target_value(&ev))/>
                        <p class="hint" id="af-price-weight-hint">{t("desk.f_price_weight_hint")}</p>
                        <FieldError field="price_weight" value/>
                    </div>
                    <div class="field">
                        <label for="af-criteria">{t("desk.f_criteria")}</label>
                        <textarea id="af-criteria" name="form[criteria]" rows="4" placeholder=t("desk.f_criteria_placeholder")
                            aria-describedby="af-criteria-hint af-merit-sum criteria-error"
                            on:input=move |ev| criteria.set(event_target_value(&ev))>{f.criteria.clone()}</textarea>
                        <p class="hint" id="af-criteria-hint">{t("desk.f_criteria_hint")}</p>
                        <p class="merit-sum" id="af-merit-sum" class:ok=move || sum() == 100 aria-live="polite" data-testid="merit-sum">
                            {move || t("desk.merit_sum").replace("{sum}", &sum().to_string())}
                        </p>
                        <FieldError field="criteria" value/>
                    </div>
                </div>
                <div class="method-fields method-direct">
                    <div class="field">
                        <label for="af-direct-firm">{t("desk.f_direct_firm")}</label>
                        <input id="af-direct-firm" name="form[direct_firm]" value=f.direct_firm.clone() maxlength="18"
                            autocapitalize="characters" spellcheck="false" aria-describedby="af-direct-firm-hint direct_firm-error"/>
                        <p class="hint" id="af-direct-firm-hint">{t("desk.f_direct_firm_hint")}</p>
                        <FieldError field="direct_firm" value/>
                    </div>
                    <div class="field">
                        <label for="af-direct-reason">{t("desk.f_direct_reason")}</label>
                        <textarea id="af-direct-reason" name="form[direct_reason]" rows="3" maxlength="500"
                            aria-describedby="direct_reason-error">{f.direct_reason.clone()}</textarea>
                        <FieldError field="direct_reason" value/>
                    </div>
                </div>
            </fieldset>

            <fieldset class="group">
                <legend>{t("desk.group_contact")}</legend>
                <div class="field-row">
                    <div class="field">
                        <label for="af-contact">{t("desk.f_contact_name")}</label>
                        <input id="af-contact" name="form[contact_name]" value=f.contact_name.clone() required maxlength="20"
                            autocomplete="name" aria-describedby="contact_name-error"/>
                        <FieldError field="contact_name" value/>
                    </div>
                    <div class="field">
                        <label for="af-phone">{t("desk.f_contact_phone")}</label>
                        <input id="af-phone" name="form[contact_phone]" type="tel" inputmode="tel" value=f.contact_phone.clone() required
                            maxlength="20" autocomplete="tel" aria-describedby="contact_phone-error"/>
                        <FieldError field="contact_phone" value/>
                    </div>
                </div>
            </fieldset>

            <FormError value fields=FORM_FIELDS/>
            <p class="hint">{t("desk.publish_hint")}</p>
            <div class="form-actions">
                <button type="submit" class="button secondary" disabled=pending on:click=submit_draft>{t("desk.save_draft")}</button>
                <button type="submit" class="button primary" name="publish" value="1" disabled=pending on:click=submit_publish>
                    {t("desk.publish")}
                </button>
            </div>
            <Show when=move || js.get() && pending.get()>
                <p class="hint" role="status">{t("desk.saving")}</p>
            </Show>
        </ActionForm>
    }
}

// ───────────────────────────── firm: participations ─────────────────────────────

#[component]
pub fn FirmTradingPage() -> impl IntoView {
    view! {
        <Title text=t("desk.firm_title")/>
        <div class="page-head">
            <h1>{t("desk.firm_title")}</h1>
            <a class="button secondary" href="/announcements?mine=true">{t("desk.find_announcements")}</a>
        </div>
        <Signed roles=&[Role::Firm] render=|| view! { <Participations/> }/>
    }
}

#[component]
fn Participations() -> impl IntoView {
    let rows = Resource::new(|| (), |_| my_participations());
    let page = query_page();
    view! {
        <Transition fallback=|| view! { <Loading/> }>
            {move || {
                let page = page.get();
                Suspend::new(async move {
                    match rows.await {
                        Ok(all) if all.is_empty() => view! { <Empty message=t("desk.firm_empty")/> }.into_any(),
                        Ok(all) => {
                            let page = page_of(&all, page);
                            let count = t("desk.firm_count").replace("{n}", &page.total.to_string());
                            let rows = page.items.clone().into_iter().map(participation_row).collect_view();
                            view! {
                                <p class="count">{count}</p>
                                <div class="table-wrap">
                                    <table class="data participations">
                                        <thead><tr>
                                            <th scope="col">{t("desk.col_title")}</th>
                                            <th scope="col">{t("desk.col_method")}</th>
                                            <th scope="col">{t("desk.col_status")}</th>
                                            <th scope="col">{t("desk.col_my_part")}</th>
                                            <th scope="col">{t("desk.col_deadline")}</th>
                                            <th scope="col">{t("desk.col_result")}</th>
                                        </tr></thead>
                                        <tbody>{rows}</tbody>
                                    </table>
                                </div>
                                <Pager page href=|n| format!("/firm/trading?page={n}")/>
                            }
                            .into_any()
                        }
                        Err(error) => view! { <ErrorPanel error/> }.into_any(),
                    }
                })
            }}
        </Transition>
    }
}

fn participation_row(p: ParticipationRow) -> impl IntoView {
    let part = match p.participation.as_str() {
        "registered" | "withdrawn" => t(&format!("desk.part_{}", p.participation)),
        other => other.to_string(),
    };
    let result = match p.candidate_status.as_deref() {
        Some(s @ ("selected" | "reserve" | "declined" | "lapsed" | "disqualified")) => {
            view! { <span class=format!("tag candidate-{s}")>{t(&format!("desk.candidate_{s}"))}</span> }.into_any()
        }
        Some(other) => other.to_string().into_any(),
        None => "—".into_any(),
    };
    view! {
        <tr>
            <td data-label=t("desk.col_title")>
                <a href=format!("/announcements/{}", p.code)>{p.title.clone()}</a>
                <br/><span class="muted">{p.code.clone()}</span>
            </td>
            <td data-label=t("desk.col_method")><MethodTag method=p.method.clone()/></td>
            <td data-label=t("desk.col_status")><StatusTag status=p.status.clone()/></td>
            <td data-label=t("desk.col_my_part")>{part}</td>
            <td data-label=t("desk.col_deadline")>{time_or_dash(p.deadline_at)}</td>
            <td data-label=t("desk.col_result")>{result}</td>
        </tr>
    }
}

// ───────────────────────────── regulator: escalated objections ─────────────────────────────

#[component]
pub fn EscalatedObjectionsPage() -> impl IntoView {
    view! {
        <Title text=t("desk.escalated_title")/>
        <h1>{t("desk.escalated_title")}</h1>
        <p class="lead">{t("desk.escalated_lead")}</p>
        <Signed roles=&[Role::Regulator, Role::Operator, Role::Admin] render=|| view! { <Escalated/> }/>
    }
}

#[component]
fn Escalated() -> impl IntoView {
    let changed = RwSignal::new(0u32);
    // the last decision taken on this page, shown above the list
    let done = RwSignal::new(None::<String>);
    let list = Resource::new(move || changed.get(), |_| escalated_objections());
    let page = query_page();
    let on_done = Callback::new(move |title: String| {
        done.set(Some(title));
        changed.update(|n| *n += 1);
    });
    view! {
        <Show when=move || done.with(Option::is_some)>
            <p class="form-ok" role="status" data-testid="objection-decided">
                {move || t("desk.decided").replace("{title}", &done.get().unwrap_or_default())}
            </p>
        </Show>
        <Transition fallback=|| view! { <Loading/> }>
            {move || {
                let page = page.get();
                Suspend::new(async move {
                    match list.await {
                        Ok(all) if all.is_empty() => view! { <Empty message=t("desk.escalated_empty")/> }.into_any(),
                        Ok(all) => {
                            let page = page_of(&all, page);
                            let count = t("desk.escalated_count").replace("{n}", &page.total.to_string());
                            let cards = page.items.clone().into_iter().map(|o| view! { <EscalatedCard o on_done/> }).collect_view();
                            view! {
                                <p class="count">{count}</p>
                                <ul class="cards objections">{cards}</ul>
                                <Pager page href=|n| format!("/regulator/objections?page={n}")/>
                            }
                            .into_any()
                        }
                        Err(error) => view! { <ErrorPanel error/> }.into_any(),
                    }
                })
            }}
        </Transition>
    }
}

#[component]
fn EscalatedCard(o: EscalatedObjection, on_done: Callback<String>) -> impl IntoView {
    let act = ServerAction::<ActOnObjection>::new();
    let value = act.value();
    let pending = act.pending();
    let title = o.title.clone();
    let version = act.version();
    Effect::new(move |seen: Option<usize>| {
        let v = version.get();
        if seen.is_some_and(|s| s != v) && value.with_untracked(|r| matches!(r, Some(Ok(_)))) {
            on_done.run(title.clone());
        }
        v
    });
    let field_id = format!("decide-{}", o.id);
    view! {
        <li class="card objection-card" data-id=o.id.to_string()>
            <h2><a href=format!("/announcements/{}", o.code)>{o.title.clone()}</a></h2>
            <dl class="facts">
                <div><dt>{t("desk.project_code")}</dt><dd>{o.code.clone()}</dd></div>
                <div><dt>{t("desk.objecting_firm")}</dt><dd>{o.firm_name.clone()}</dd></div>
                <div><dt>{t("desk.escalated_at")}</dt><dd>{time_or_dash(o.escalated_at)}</dd></div>
            </dl>
            <h3>{t("desk.objection_reason")}</h3>
            <p class="reason">{o.reason.clone()}</p>
            <h3>{t("desk.owner_answer")}</h3>
            <p class="reason">{o.answer.clone().unwrap_or_else(|| t("desk.no_answer"))}</p>
            <ActionForm action=act attr:class="form decide-objection" attr:novalidate=true>
                <input type="hidden" name="id" value=o.id.to_string()/>
                <div class="field">
                    <label for=field_id.clone()>{t("desk.decision_reason")}</label>
                    <textarea id=field_id name="text" rows="3" required maxlength="2000" aria-describedby="text-error"></textarea>
                    <FieldError field="text" value/>
                </div>
                <FormError value fields=&["text"]/>
                <div class="form-actions">
                    <button type="submit" name="action" value="uphold" class="button primary" disabled=pending>{t("desk.uphold")}</button>
                    <button type="submit" name="action" value="dismiss" class="button secondary" disabled=pending>{t("desk.dismiss")}</button>
                </div>
            </ActionForm>
        </li>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merit_sum_counts_both_colons_and_ignores_bad_lines() {
        assert_eq!(merit_sum("40", "技术方案:30\n服务团队：20\n业绩:10"), 100);
        assert_eq!(merit_sum("", "技术方案:30\n无分值"), 30);
        assert_eq!(merit_sum("x", ""), 0);
    }

    #[test]
    fn deadline_inputs_round_up_to_the_minute() {
        // 2026-12-01 09:30:00 Shanghai
        let t = crate::domain::announcement::parse_local_datetime("2026-12-01T09:30").unwrap();
        assert_eq!(local_input(t), "2026-12-01T09:30");
        assert_eq!(local_input(t + 1), "2026-12-01T09:31");
        assert_eq!(local_input(t - 59_999), "2026-12-01T09:30");
    }

    #[test]
    fn lists_are_paged_and_clamped() {
        let all: Vec<u32> = (0..45).collect();
        let p = page_of(&all, 3);
        assert_eq!((p.page, p.items.len(), p.total), (3, 5, 45));
        assert_eq!(page_of(&all, 99).page, 3);
        assert_eq!(page_of(&Vec::<u32>::new(), 2).page, 1);
    }
}
