//! Credit archive pages (中介信用库): the public lookup (`/credit`), a firm's
//! public archive with its score breakdown (`/credit/:credit_code`), the
//! regulator's page (`/regulator/credit`: rewards/penalties, red/black lists,
//! CSV import, flagged contracts) and the contract banner (`flag`).
pub mod flag;
pub mod records;

use crate::api::credit::{get_credit_archive, get_regulator_credit, credit_lookup, AddCreditRecord, AddListEntry, ImportCreditCsv, RevokeListEntry};
use crate::domain::accounts::Role;
use crate::domain::credit;
use crate::domain::money::Fen;
use crate::domain::time::date_shanghai;
use crate::i18n::t;
use crate::model::credit::*;
use crate::ui::account::{FieldError, FormError, Signed};
use crate::ui::components::{stars, Empty, ErrorPanel, Loading};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::Form;
use leptos_router::hooks::{use_params_map, use_query_map};

fn grade_tag(grade: Option<String>) -> impl IntoView {
    let g = grade.unwrap_or_else(|| "—".into());
    let class = format!("credit-grade grade-{}", g.to_lowercase());
    view! { <span class=class>{g}</span> }
}

fn list_name(list: &str) -> String {
    t(&format!("credit.list_{list}"))
}

#[component]
pub fn CreditLookupPage() -> impl IntoView {
    let query = use_query_map();
    let q = Memo::new(move |_| query.with(|m| m.get("q").unwrap_or_default()));
    let hits = Resource::new(move || q.get(), |q| async move { if q.trim().is_empty() { Ok(None) } else { credit_lookup(q).await.map(Some) } });
    view! {
        <Title text=t("credit.title")/>
        <h1>{t("credit.title")}</h1>
        <p class="lead">{t("credit.lead")}</p>
        <p class="records-link"><a href="/credit-records" data-testid="credit-records-link">{t("credit.records_link")}</a></p>
        <Form method="GET" action="/credit" attr:class="filters credit-search" attr:role="search">
            <div class="field grow">
                <label for="cr-q">{t("credit.query")}</label>
                <input id="cr-q" type="search" name="q" maxlength="60" value=move || q.get() placeholder=t("credit.query_placeholder")/>
            </div>
            <div class="field actions"><button type="submit">{t("common.search")}</button></div>
        </Form>
        <Transition fallback=|| view! { <Loading/> }>
            <div class="results" aria-live="polite">
                {move || Suspend::new(async move {
                    match hits.await {
                        Ok(None) => view! { <p class="hint">{t("credit.query_hint")}</p> }.into_any(),
                        Ok(Some(list)) if list.is_empty() => view! { <Empty message=t("credit.no_hits")/> }.into_any(),
                        Ok(Some(list)) => view! { <HitTable list/> }.into_any(),
                        Err(error) => view! { <ErrorPanel error/> }.into_any(),
                    }
                })}
            </div>
        </Transition>
        <FormulaText/>
    }
}

#[component]
fn HitTable(list: Vec<CreditHit>) -> impl IntoView {
    view! {
        <div class="table-scroll" tabindex="0">
            <table class="data credit-hits">
                <thead><tr>
                    <th scope="col">{t("credit.firm")}</th><th scope="col">{t("credit.credit_code")}</th>
                    <th scope="col">{t("credit.region")}</th><th scope="col">{t("credit.score")}</th>
                    <th scope="col">{t("credit.grade")}</th><th scope="col">{t("credit.lists")}</th>
                </tr></thead>
                <tbody>
                    {list.into_iter().map(|h| view! {
                        <tr>
                            <th scope="row" data-label=t("credit.firm")><a href=format!("/credit/{}", h.credit_code)>{h.name}</a></th>
                            <td data-label=t("credit.credit_code")>{h.credit_code.clone()}</td>
                            <td data-label=t("credit.region")>{h.region_name}</td>
                            <td data-label=t("credit.score")>{h.score.map(|s| s.to_string()).unwrap_or_else(|| "—".into())}</td>
                            <td data-label=t("credit.grade")>{grade_tag(h.grade)}</td>
                            <td data-label=t("credit.lists")>
                                {h.blacklisted.then(|| view! { <span class="tag bad">{list_name("black")}</span> })}
                                {h.red_listed.then(|| view! { <span class="tag good">{list_name("red")}</span> })}
                            </td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
}

/// The published formula (same text as `domain::credit`).
#[component]
fn FormulaText() -> impl IntoView {
    view! {
        <details class="panel credit-formula">
            <summary>{t("credit.formula_title")}</summary>
            <ul>
                <li>{t("credit.formula_total")}</li>
                <li>{t("credit.formula_regulator")}</li>
                <li>{t("credit.formula_public")}</li>
                <li>{t("credit.formula_social")}</li>
                <li>{t("credit.formula_validity")}</li>
                <li>{t("credit.formula_grade")}</li>
            </ul>
        </details>
    }
}

#[component]
pub fn CreditArchivePage() -> impl IntoView {
    let params = use_params_map();
    let code = move || params.with(|p| p.get("credit_code").unwrap_or_default());
    let archive = Resource::new(code, get_credit_archive);
    view! {
        <Suspense fallback=|| view! { <Loading/> }>
            {move || Suspend::new(async move {
                match archive.await {
                    Ok(a) => view! { <ArchiveView a/> }.into_any(),
                    Err(error) => view! { <Title text=t("error.title")/><ErrorPanel error/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

fn date_or_dash(ms: Option<i64>) -> String {
    ms.map(date_shanghai).unwrap_or_else(|| "—".into())
}

fn validity(from: &str, to: &Option<String>) -> String {
    format!("{} — {}", from, to.clone().unwrap_or_else(|| t("credit.open_ended")))
}

#[component]
fn ArchiveView(a: CreditArchive) -> impl IntoView {
    let b = a.breakdown.clone();
    let i = b.inputs.clone();
    let avg = |x: i64| format!("{}.{:02}", x / 100, x % 100);
    view! {
        <Title text=format!("{} {}", a.name, t("credit.archive"))/>
        <nav class="breadcrumb" aria-label=t("nav.breadcrumb")>
            <a href="/">{t("nav.home")}</a>" / "<a href="/credit">{t("credit.title")}</a>" / "{a.name.clone()}
        </nav>
        <article class="panel credit-head">
            <h1>{a.name.clone()}" · "{t("credit.archive")}</h1>
            <dl class="facts wide">
                <div><dt>{t("credit.credit_code")}</dt><dd>{a.credit_code.clone()}</dd></div>
                <div><dt>{t("credit.region")}</dt><dd>{a.region_name.clone()}</dd></div>
                <div><dt>{t("credit.status")}</dt><dd>{t(&format!("firm_status.{}", a.status))}</dd></div>
                <div><dt>{t("firms.star")}</dt><dd>{stars(a.star_level)}</dd></div>
                <div><dt>{t("credit.score")}</dt><dd class="credit-score" data-testid="credit-score">{b.total}</dd></div>
                <div><dt>{t("credit.grade")}</dt><dd>{grade_tag(Some(b.grade.as_str().to_string()))}</dd></div>
            </dl>
            <p><a href=format!("/firms/{}", a.credit_code)>{t("credit.profile_link")}</a></p>
        </article>
        <section class="panel" aria-labelledby="cb-h">
            <h2 id="cb-h">{t("credit.breakdown")}" ("{t("credit.computed_on").replace("{d}", &a.computed_on)}")"</h2>
            <div class="table-scroll" tabindex="0">
                <table class="data credit-breakdown">
                    <thead><tr><th scope="col">{t("credit.part")}</th><th scope="col">{t("credit.calculation")}</th><th scope="col">{t("credit.points")}</th></tr></thead>
                    <tbody>
                        <tr>
                            <th scope="row" data-label=t("credit.part")>{t("credit.part_regulator")}</th>
                            <td data-label=t("credit.calculation")>{format!("{} + min({}, {}) − {} − {} × {}{} ({} 0–{})",
                                credit::REGULATOR_BASE, i.regulator_rewards, credit::REWARD_CAP, i.regulator_penalties,
                                credit::REFUSAL_PENALTY, i.refusals,
                                if i.red_listed { format!(" + {}", credit::RED_LIST_BONUS) } else { String::new() },
                                t("credit.within"), credit::REGULATOR_MAX)}</td>
                            <td data-label=t("credit.points")>{b.regulator}" / "{credit::REGULATOR_MAX}</td>
                        </tr>
                        <tr>
                            <th scope="row" data-label=t("credit.part")>{t("credit.part_public")}</th>
                            <td data-label=t("credit.calculation")>{format!("{} + ({}) ({} 0–{})", credit::PUBLIC_DATA_MAX, i.imported_points, t("credit.within"), credit::PUBLIC_DATA_MAX)}</td>
                            <td data-label=t("credit.points")>{b.public_data}" / "{credit::PUBLIC_DATA_MAX}</td>
                        </tr>
                        <tr>
                            <th scope="row" data-label=t("credit.part")>{t("credit.part_social")}</th>
                            <td data-label=t("credit.calculation")>{
                                let ratings = if i.rating_count > 0 {
                                    t("credit.social_ratings").replace("{n}", &i.rating_count.to_string()).replace("{sum}", &i.rating_dimension_sum.to_string()).replace("{p}", &b.ratings.to_string())
                                } else {
                                    t("credit.social_no_ratings").replace("{p}", &b.ratings.to_string())
                                };
                                format!("{}; − {} × {}", ratings, credit::COMPLAINT_PENALTY, i.upheld_complaints)
                            }</td>
                            <td data-label=t("credit.points")>{b.social}" / "{credit::SOCIAL_MAX}</td>
                        </tr>
                        <tr class="total">
                            <th scope="row" data-label=t("credit.part")>{t("credit.total")}</th>
                            <td data-label=t("credit.calculation")>{
                                if i.blacklisted || i.expelled { t("credit.grade_forced_d") } else { t("credit.formula_grade") }
                            }</td>
                            <td data-label=t("credit.points")>{b.total}" · "{b.grade.as_str()}</td>
                        </tr>
                    </tbody>
                </table>
            </div>
            <FormulaText/>
        </section>
        <section class="panel" aria-labelledby="cl-h">
            <h2 id="cl-h">{t("credit.lists")}</h2>
            {if a.lists.is_empty() { view! { <Empty message=t("credit.no_lists")/> }.into_any() } else { view! { <EntryTable list=a.lists.clone() revoke=None/> }.into_any() }}
        </section>
        <section class="panel" aria-labelledby="cr-h">
            <h2 id="cr-h">{t("credit.records")}</h2>
            {if a.records.is_empty() { view! { <Empty message=t("credit.no_records")/> }.into_any() } else { view! { <RecordTable list=a.records.clone() show_firm=false/> }.into_any() }}
        </section>
        <section class="panel" aria-labelledby="ce-h">
            <h2 id="ce-h">{t("credit.evaluation")}</h2>
            {if a.ratings.count == 0 {
                view! { <Empty message=t("credit.no_ratings")/> }.into_any()
            } else {
                view! {
                    <dl class="facts wide">
                        <div><dt>{t("credit.rating_count")}</dt><dd>{a.ratings.count}</dd></div>
                        <div><dt>{t("credit.timeliness")}</dt><dd>{avg(a.ratings.timeliness)}</dd></div>
                        <div><dt>{t("credit.quality")}</dt><dd>{avg(a.ratings.quality)}</dd></div>
                        <div><dt>{t("credit.attitude")}</dt><dd>{avg(a.ratings.attitude)}</dd></div>
                        <div><dt>{t("credit.fee_compliance")}</dt><dd>{avg(a.ratings.fee_compliance)}</dd></div>
                    </dl>
                }.into_any()
            }}
        </section>
        <section class="panel" aria-labelledby="cs-h">
            <h2 id="cs-h">{t("credit.completed")}</h2>
            {if a.completed.is_empty() { view! { <Empty message=t("credit.no_completed")/> }.into_any() } else { view! {
                <div class="table-scroll" tabindex="0"><table class="data">
                    <thead><tr><th scope="col">{t("credit.procurement")}</th><th scope="col">{t("credit.owner")}</th><th scope="col">{t("credit.price")}</th><th scope="col">{t("credit.completed_at")}</th></tr></thead>
                    <tbody>{a.completed.clone().into_iter().map(|s| view! {
                        <tr>
                            <th scope="row" data-label=t("credit.procurement")><a href=format!("/announcements/{}", s.procurement_code)>{s.title}</a></th>
                            <td data-label=t("credit.owner")>{s.owner_name}</td>
                            <td data-label=t("credit.price")>{Fen(s.price_fen).yuan_string()}</td>
                            <td data-label=t("credit.completed_at")>{date_or_dash(s.completed_at)}</td>
                        </tr>
                    }).collect_view()}</tbody>
                </table></div>
            }.into_any() }}
        </section>
        <section class="panel" aria-labelledby="cc-h">
            <h2 id="cc-h">{t("credit.complaints")}</h2>
            {if a.complaints.is_empty() { view! { <Empty message=t("credit.no_complaints")/> }.into_any() } else { view! {
                <div class="table-scroll" tabindex="0"><table class="data">
                    <thead><tr><th scope="col">{t("credit.subject")}</th><th scope="col">{t("credit.filed_at")}</th><th scope="col">{t("credit.outcome")}</th><th scope="col">{t("credit.decided_at")}</th></tr></thead>
                    <tbody>{a.complaints.clone().into_iter().map(|c| view! {
                        <tr>
                            <th scope="row" data-label=t("credit.subject")>{c.subject}</th>
                            <td data-label=t("credit.filed_at")>{date_shanghai(c.created_at)}</td>
                            <td data-label=t("credit.outcome")>{match c.decision.as_deref() {
                                Some("upheld") => t("credit.complaint_upheld"),
                                Some("dismissed") => t("credit.complaint_dismissed"),
                                _ => t("credit.complaint_pending"),
                            }}</td>
                            <td data-label=t("credit.decided_at")>{date_or_dash(c.decided_at)}</td>
                        </tr>
                    }).collect_view()}</tbody>
                </table></div>
            }.into_any() }}
        </section>
        <section class="panel" aria-labelledby="cf-h">
            <h2 id="cf-h">{t("credit.refusals")}</h2>
            {if a.refusals.is_empty() { view! { <Empty message=t("credit.no_refusals")/> }.into_any() } else { view! {
                <div class="table-scroll" tabindex="0"><table class="data">
                    <thead><tr><th scope="col">{t("credit.procurement")}</th><th scope="col">{t("credit.refusal")}</th><th scope="col">{t("credit.decided_at")}</th></tr></thead>
                    <tbody>{a.refusals.clone().into_iter().map(|r| view! {
                        <tr>
                            <th scope="row" data-label=t("credit.procurement")><a href=format!("/announcements/{}", r.procurement_code)>{r.title}</a></th>
                            <td data-label=t("credit.refusal")>{r.reason.unwrap_or_else(|| t(&format!("credit.refusal_{}", r.status)))}</td>
                            <td data-label=t("credit.decided_at")>{date_or_dash(r.decided_at)}</td>
                        </tr>
                    }).collect_view()}</tbody>
                </table></div>
            }.into_any() }}
        </section>
        <section class="panel" aria-labelledby="cm-h">
            <h2 id="cm-h">{t("credit.commitment")}</h2>
            {match a.commitment.clone() {
                Some(c) => view! {
                    <p class="hint">{t("credit.commitment_accepted").replace("{v}", &c.version).replace("{d}", &date_shanghai(c.accepted_at))}</p>
                    <pre class="commitment-text">{c.text}</pre>
                }.into_any(),
                None => view! { <Empty message=t("credit.no_commitment")/> }.into_any(),
            }}
        </section>
    }
}

#[component]
fn RecordTable(list: Vec<CreditRecord>, show_firm: bool) -> impl IntoView {
    view! {
        <div class="table-scroll" tabindex="0"><table class="data credit-records">
            <thead><tr>
                {show_firm.then(|| view! { <th scope="col">{t("credit.firm")}</th> })}
                <th scope="col">{t("credit.record_title")}</th><th scope="col">{t("credit.points")}</th>
                <th scope="col">{t("credit.validity")}</th><th scope="col">{t("credit.document_no")}</th><th scope="col">{t("credit.source")}</th>
            </tr></thead>
            <tbody>{list.into_iter().map(|r| view! {
                <tr class:expired=!r.valid>
                    {show_firm.then(|| view! { <td data-label=t("credit.firm")><a href=format!("/credit/{}", r.credit_code)>{r.firm_name.clone()}</a></td> })}
                    <th scope="row" data-label=t("credit.record_title")>{t(&format!("credit.kind_{}", r.kind))}" · "{r.title}</th>
                    <td data-label=t("credit.points")>{if r.points > 0 { format!("+{}", r.points) } else { r.points.to_string() }}</td>
                    <td data-label=t("credit.validity")>{validity(&r.decided_on, &r.valid_to)}
                        {(!r.valid).then(|| view! { " " <span class="tag">{t("credit.not_in_force")}</span> })}</td>
                    <td data-label=t("credit.document_no")>{r.document_no}</td>
                    <td data-label=t("credit.source")>{t(&format!("credit.source_{}", r.source))}</td>
                </tr>
            }).collect_view()}</tbody>
        </table></div>
    }
}

#[component]
fn EntryTable(list: Vec<ListEntry>, revoke: Option<ServerAction<RevokeListEntry>>) -> impl IntoView {
    let show_firm = revoke.is_some();
    view! {
        <div class="table-scroll" tabindex="0"><table class="data credit-lists">
            <thead><tr>
                {show_firm.then(|| view! { <th scope="col">{t("credit.firm")}</th> })}
                <th scope="col">{t("credit.list")}</th><th scope="col">{t("credit.reason")}</th>
                <th scope="col">{t("credit.validity")}</th><th scope="col">{t("credit.state")}</th>
                {show_firm.then(|| view! { <th scope="col">{t("credit.revoke")}</th> })}
            </tr></thead>
            <tbody>{list.into_iter().map(|e| {
                let state = if let Some(at) = e.revoked_at {
                    format!("{} {}:{}", t("credit.revoked").replace("{d}", &date_shanghai(at)), t("credit.reason"), e.revoke_reason.clone().unwrap_or_default())
                } else if e.valid { t("credit.in_force") } else { t("credit.not_in_force") };
                let open = e.revoked_at.is_none();
                view! {
                    <tr class=format!("list-{}", e.list)>
                        {show_firm.then(|| view! { <td data-label=t("credit.firm")><a href=format!("/credit/{}", e.credit_code)>{e.firm_name.clone()}</a></td> })}
                        <th scope="row" data-label=t("credit.list")>{list_name(&e.list)}</th>
                        <td data-label=t("credit.reason")>{e.reason.clone()}</td>
                        <td data-label=t("credit.validity")>{validity(&e.valid_from, &e.valid_to)}</td>
                        <td data-label=t("credit.state")>{state}</td>
                        {revoke.filter(|_| open).map(|action| view! {
                            <td data-label=t("credit.revoke")>
                                <ActionForm action attr:class="inline-form">
                                    <input type="hidden" name="id" value=e.id.to_string()/>
                                    <label class="visually-hidden" for=format!("rv-{}", e.id)>{t("credit.revoke_reason")}</label>
                                    <input id=format!("rv-{}", e.id) name="reason" required maxlength="500" placeholder=t("credit.revoke_reason")/>
                                    <button type="submit" class="secondary">{t("credit.revoke")}</button>
                                </ActionForm>
                            </td>
                        })}
                    </tr>
                }
            }).collect_view()}</tbody>
        </table></div>
    }
}

const RECORD_FIELDS: &[&str] = &["credit_code", "kind", "title", "points", "decided_on", "valid_to", "document_no"];
const ENTRY_FIELDS: &[&str] = &["credit_code", "list", "reason", "valid_from", "valid_to"];

#[component]
pub fn RegulatorCreditPage() -> impl IntoView {
    view! {
        <Title text=t("credit.regulator_title")/>
        <h1>{t("credit.regulator_title")}</h1>
        <p class="lead">{t("credit.regulator_lead")}</p>
        <Signed roles=&[Role::Regulator, Role::Operator, Role::Admin] render=|| view! { <RegulatorDesk/> }/>
    }
}

#[component]
fn RegulatorDesk() -> impl IntoView {
    let add = ServerAction::<AddCreditRecord>::new();
    let entry = ServerAction::<AddListEntry>::new();
    let import = ServerAction::<ImportCreditCsv>::new();
    let revoke = ServerAction::<RevokeListEntry>::new();
    let view_data = Resource::new(
        move || (add.version().get(), entry.version().get(), import.version().get(), revoke.version().get()),
        |_| get_regulator_credit(),
    );
    let (av, ev, iv, rv) = (add.value(), entry.value(), import.value(), revoke.value());
    view! {
        <section class="panel" aria-labelledby="rc-add-h">
            <h2 id="rc-add-h">{t("credit.add_record")}</h2>
            <ActionForm action=add attr:class="form grid-form" attr:novalidate=true>
                <div class="field"><label for="rc-code">{t("credit.credit_code")}</label>
                    <input id="rc-code" name="credit_code" required maxlength="18" autocapitalize="characters"/><FieldError field="credit_code" value=av/></div>
                <div class="field"><label for="rc-kind">{t("credit.kind")}</label>
                    <select id="rc-kind" name="kind"><option value="reward">{t("credit.kind_reward")}</option><option value="penalty">{t("credit.kind_penalty")}</option></select>
                    <FieldError field="kind" value=av/></div>
                <div class="field grow"><label for="rc-title">{t("credit.record_title")}</label>
                    <input id="rc-title" name="title" required maxlength="200"/><FieldError field="title" value=av/></div>
                <div class="field"><label for="rc-points">{t("credit.points_range")}</label>
                    <input id="rc-points" name="points" type="number" min="1" max="20" required inputmode="numeric"/><FieldError field="points" value=av/></div>
                <div class="field"><label for="rc-on">{t("credit.decided_on")}</label>
                    <input id="rc-on" name="decided_on" type="date" required/><FieldError field="decided_on" value=av/></div>
                <div class="field"><label for="rc-to">{t("credit.valid_to")}</label>
                    <input id="rc-to" name="valid_to" type="date"/><FieldError field="valid_to" value=av/></div>
                <div class="field"><label for="rc-doc">{t("credit.document_no")}</label>
                    <input id="rc-doc" name="document_no" required maxlength="100"/><FieldError field="document_no" value=av/></div>
                <FormError value=av fields=RECORD_FIELDS/>
                {move || matches!(av.get(), Some(Ok(_))).then(|| view! { <p class="ok" role="status">{t("credit.saved_score").replace("{n}", &av.get().and_then(|r| r.ok()).unwrap_or_default().to_string())}</p> })}
                <div class="field actions"><button type="submit" disabled=move || add.pending().get()>{t("credit.add_record")}</button></div>
            </ActionForm>
        </section>
        <section class="panel" aria-labelledby="rc-list-h">
            <h2 id="rc-list-h">{t("credit.add_entry")}</h2>
            <ActionForm action=entry attr:class="form grid-form" attr:novalidate=true>
                <div class="field"><label for="re-code">{t("credit.credit_code")}</label>
                    <input id="re-code" name="credit_code" required maxlength="18"/><FieldError field="credit_code" value=ev/></div>
                <div class="field"><label for="re-list">{t("credit.list")}</label>
                    <select id="re-list" name="list"><option value="black">{list_name("black")}</option><option value="red">{list_name("red")}</option></select>
                    <FieldError field="list" value=ev/></div>
                <div class="field grow"><label for="re-reason">{t("credit.reason")}</label>
                    <input id="re-reason" name="reason" required maxlength="500"/><FieldError field="reason" value=ev/></div>
                <div class="field"><label for="re-from">{t("credit.valid_from")}</label>
                    <input id="re-from" name="valid_from" type="date" required/><FieldError field="valid_from" value=ev/></div>
                <div class="field"><label for="re-to">{t("credit.valid_to")}</label>
                    <input id="re-to" name="valid_to" type="date"/><FieldError field="valid_to" value=ev/></div>
                <FormError value=ev fields=ENTRY_FIELDS/>
                {move || matches!(ev.get(), Some(Ok(_))).then(|| view! { <p class="ok" role="status">{t("credit.entry_saved")}</p> })}
                <div class="field actions"><button type="submit" disabled=move || entry.pending().get()>{t("credit.add_entry")}</button></div>
            </ActionForm>
        </section>
        <section class="panel" aria-labelledby="rc-csv-h">
            <h2 id="rc-csv-h">{t("credit.import")}</h2>
            <p class="hint">{t("credit.csv_format")}</p>
            <pre class="csv-sample">{crate::api::credit::CSV_HEADER}"\n91330100MA27XXXX0X,penalty,行政处罚,5,2026-10-01,2027-09-30,浙信用〔2026〕1号"</pre>
            <ActionForm action=import attr:class="form" attr:novalidate=true>
                <div class="field"><label for="ri-csv">{t("credit.csv_text")}</label>
                    <textarea id="ri-csv" name="csv" rows="8" required></textarea><FieldError field="csv" value=iv/></div>
                <FormError value=iv fields=&["csv"]/>
                {move || iv.get().and_then(|r| r.ok()).map(|r| if r.errors.is_empty() {
                    view! { <p class="ok" role="status">{t("credit.imported").replace("{n}", &r.added.to_string())}</p> }.into_any()
                } else {
                    view! {
                        <div class="form-error" role="alert">
                            <p>{t("credit.import_failed")}</p>
                            <ul>{r.errors.into_iter().map(|e| view! {
                                <li>{t("credit.csv_error_at").replace("{row}", &e.row.to_string()).replace("{column}", &e.column)}" "{t(&e.key)}</li>
                            }).collect_view()}</ul>
                        </div>
                    }.into_any()
                })}
                <div class="field actions"><button type="submit" disabled=move || import.pending().get()>{t("credit.import")}</button></div>
            </ActionForm>
        </section>
        <FormError value=rv fields=&[]/>
        <Transition fallback=|| view! { <Loading/> }>
            {move || Suspend::new(async move {
                match view_data.await {
                    Ok(v) => view! {
                        <section class="panel" aria-labelledby="rc-flag-h">
                            <h2 id="rc-flag-h">{t("credit.flagged")}</h2>
                            {if v.flagged.is_empty() { view! { <Empty message=t("credit.no_flagged")/> }.into_any() } else { view! {
                                <div class="table-scroll" tabindex="0"><table class="data">
                                    <thead><tr><th scope="col">{t("credit.contract")}</th><th scope="col">{t("credit.firm")}</th><th scope="col">{t("credit.owner")}</th><th scope="col">{t("credit.state")}</th></tr></thead>
                                    <tbody>{v.flagged.into_iter().map(|f| view! {
                                        <tr>
                                            <th scope="row" data-label=t("credit.contract")><a href=format!("/contracts/{}", f.code)>{f.code.clone()}</a>" "{f.title}</th>
                                            <td data-label=t("credit.firm")><a href=format!("/credit/{}", f.credit_code)>{f.firm_name}</a></td>
                                            <td data-label=t("credit.owner")>{f.owner_name}</td>
                                            <td data-label=t("credit.state")>{t(&format!("contract.status_{}", f.status))}</td>
                                        </tr>
                                    }).collect_view()}</tbody>
                                </table></div>
                            }.into_any() }}
                        </section>
                        <section class="panel" aria-labelledby="rc-entries-h">
                            <h2 id="rc-entries-h">{t("credit.lists")}</h2>
                            {if v.lists.is_empty() { view! { <Empty message=t("credit.no_lists")/> }.into_any() } else { view! { <EntryTable list=v.lists revoke=Some(revoke)/> }.into_any() }}
                        </section>
                        <section class="panel" aria-labelledby="rc-records-h">
                            <h2 id="rc-records-h">{t("credit.records")}</h2>
                            {if v.records.is_empty() { view! { <Empty message=t("credit.no_records")/> }.into_any() } else { view! { <RecordTable list=v.records show_firm=true/> }.into_any() }}
                        </section>
                    }.into_any(),
                    Err(error) => view! { <ErrorPanel error/> }.into_any(),
                }
            })}
        </Transition>
    }
}
