//! Complaints (投诉): filing (`/complaints/new`, public, a plain multipart form
//! that works without JavaScript), the filer's list (`/complaints`), one
//! complaint (`/complaints/:id`, filer and responsible regulator) and the
//! regulator's queue (`/regulator/complaints`).
use crate::api::complaints::{get_complaint, get_complaint_options, get_complaint_queue, my_complaints, ActOnComplaint, FileComplaint};
use crate::domain::accounts::Role;
use crate::domain::complaint::{self as rules, ComplaintStatus};
use crate::domain::paging::Page;
use crate::domain::time::format_shanghai;
use crate::i18n::t;
use crate::model::complaints::{ComplaintDetail, ComplaintRow};
use crate::ui::account::{FieldError, FormError, Signed};
use crate::ui::components::{Empty, ErrorPanel, Loading, Pager};
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

const FILE_FIELDS: &[&str] = &["name", "phone", "against", "target", "industry", "region", "subject", "body", "file", "form"];

fn query(key: &'static str) -> Memo<Option<String>> {
    let q = use_query_map();
    Memo::new(move |_| q.with(|q| q.get(key)))
}

fn query_page() -> Memo<u32> {
    let q = use_query_map();
    Memo::new(move |_| q.with(|q| q.get("page").and_then(|p| p.parse::<u32>().ok()).unwrap_or(1)))
}

fn time_or_dash(ms: Option<i64>) -> String {
    ms.map(format_shanghai).unwrap_or_else(|| "—".into())
}

fn status_label(s: &str) -> String {
    ComplaintStatus::parse(s).map(|s| t(s.label_key())).unwrap_or_else(|| s.to_string())
}

fn against_label(k: &str) -> String {
    rules::AgainstKind::parse(k).map(|k| t(k.label_key())).unwrap_or_else(|| k.to_string())
}

/// The running due time with an overdue tag, or the outcome once closed.
fn due_view(r: &ComplaintRow, now: i64) -> AnyView {
    let status = ComplaintStatus::parse(&r.status).unwrap_or(ComplaintStatus::Submitted);
    match rules::timer(status, r.accept_due_at, r.decide_due_at, now) {
        Some(timer) => {
            let label = if status == ComplaintStatus::Submitted { t("complaints.accept_due") } else { t("complaints.decide_due") };
            view! {
                <span class="due">{label}" "{format_shanghai(timer.due_at)}</span>
                {timer.overdue.then(|| view! { " " <span class="tag overdue">{t("complaints.overdue")}</span> })}
            }
            .into_any()
        }
        None => match r.decision.as_deref() {
            Some(d) => view! { <span class=format!("tag decision-{d}")>{t(&format!("complaints.decision_{d}"))}</span> }.into_any(),
            None => "—".into_any(),
        },
    }
}

#[component]
fn ComplaintTable(rows: Vec<ComplaintRow>, now: i64) -> impl IntoView {
    view! {
        <table class="data complaints-table">
            <thead>
                <tr>
                    <th>{t("complaints.col_subject")}</th>
                    <th>{t("complaints.col_against")}</th>
                    <th>{t("complaints.col_route")}</th>
                    <th>{t("complaints.col_status")}</th>
                    <th>{t("complaints.col_due")}</th>
                    <th>{t("complaints.col_filed")}</th>
                </tr>
            </thead>
            <tbody>
                {rows
                    .into_iter()
                    .map(|r| {
                        let due = due_view(&r, now);
                        view! {
                            <tr data-id=r.id.to_string()>
                                <td data-label=t("complaints.col_subject")>
                                    <a href=format!("/complaints/{}", r.id)>{r.subject.clone()}</a>
                                    {r.objection_id.map(|_| view! { " " <span class="tag">{t("complaints.from_objection")}</span> })}
                                </td>
                                <td data-label=t("complaints.col_against")>{against_label(&r.against_kind)}" · "{r.against_name.clone()}</td>
                                <td data-label=t("complaints.col_route")>{r.region_name.clone()}" · "{r.industry_name.clone()}</td>
                                <td data-label=t("complaints.col_status")><span class=format!("tag complaint-{}", r.status)>{status_label(&r.status)}</span></td>
                                <td data-label=t("complaints.col_due")>{due}</td>
                                <td data-label=t("complaints.col_filed")>{format_shanghai(r.created_at)}</td>
                            </tr>
                        }
                    })
                    .collect_view()}
            </tbody>
        </table>
    }
}

// ───────────────────────────── filing ─────────────────────────────

#[component]
pub fn NewComplaintPage() -> impl IntoView {
    let options = Resource::new(|| (), |_| get_complaint_options());
    // refused during a plain form post (no JavaScript): the error comes back in
    // the URL; with JavaScript the form is sent in place and keeps its text
    let error = RwSignal::new(crate::ui::account::plain_form_error(FileComplaint::PATH));
    let value = Signal::derive(move || error.get().map(Err::<(), _>));
    let busy = RwSignal::new(false);
    let send = Action::new_local(|(data, signed_in): &(leptos::web_sys::FormData, bool)| {
        let (data, signed_in) = (data.clone(), *signed_in);
        async move { file_complaint_local(data).await.map(|id| (id, signed_in)) }
    });
    let navigate = leptos_router::hooks::use_navigate();
    Effect::new(move |_| {
        if let Some(result) = send.value().get() {
            busy.set(false);
            match result {
                Ok((id, signed_in)) => {
                    error.set(None);
                    let to = if signed_in { format!("/complaints/{id}") } else { format!("/complaints/new?filed={id}") };
                    navigate(&to, Default::default());
                }
                Err(e) => error.set(Some(e)),
            }
        }
    });
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        #[cfg(feature = "hydrate")]
        {
            use wasm_bindgen::JsCast;
            ev.prevent_default();
            if busy.get_untracked() {
                return;
            }
            let Some(form) = ev.target().and_then(|t| t.dyn_into::<leptos::web_sys::HtmlFormElement>().ok()) else { return };
            let Ok(data) = leptos::web_sys::FormData::new_with_form(&form) else { return };
            if let Ok(file) = data.get("file").dyn_into::<leptos::web_sys::File>() {
                if file.size() > crate::domain::files::MAX_FILE_BYTES as f64 {
                    error.set(Some(crate::error::AppError::invalid("file", "files.too_large")));
                    return;
                }
            }
            busy.set(true);
            send.dispatch_local((data, options.get_untracked().and_then(|o| o.ok()).is_some_and(|o| o.signed_in)));
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = ev;
    };
    let filed = query("filed");
    view! {
        <Title text=t("complaints.new_title")/>
        <h1>{t("complaints.new_title")}</h1>
        <p class="lead">{t("complaints.new_intro")}</p>
        <Show when=move || filed.get().is_some()>
            <p class="form-ok" role="status" data-testid="complaint-filed">
                {move || t("complaints.submitted").replace("{id}", &filed.get().unwrap_or_default())}
            </p>
        </Show>
        <Suspense fallback=|| view! { <Loading/> }>
            {move || Suspend::new(async move {
                match options.await {
                    Ok(o) => {
                        let signed_in = o.signed_in;
                        view! {
                            <form class="form complaint-form" method="post" action=FileComplaint::PATH enctype="multipart/form-data" novalidate
                                on:submit=on_submit data-testid="complaint-form">
                                {(!signed_in).then(|| view! {
                                    <p class="hint">{t("complaints.public_note")}</p>
                                    <div class="field">
                                        <label for="c-name">{t("complaints.name")}</label>
                                        <input id="c-name" name="name" maxlength="30" autocomplete="name" aria-describedby="name-error"/>
                                        <FieldError field="name" value/>
                                    </div>
                                    <div class="field">
                                        <label for="c-phone">{t("complaints.phone")}</label>
                                        <input id="c-phone" name="phone" type="tel" maxlength="20" autocomplete="tel" aria-describedby="c-phone-hint phone-error"/>
                                        <p class="hint" id="c-phone-hint">{t("complaints.phone_hint")}</p>
                                        <FieldError field="phone" value/>
                                    </div>
                                })}
                                <div class="field">
                                    <label for="c-against">{t("complaints.against")}</label>
                                    <select id="c-against" name="against" aria-describedby="against-error">
                                        <option value="firm">{t("complaints.against_firm")}</option>
                                        <option value="owner">{t("complaints.against_owner")}</option>
                                        <option value="department">{t("complaints.against_department")}</option>
                                    </select>
                                    <FieldError field="against" value/>
                                </div>
                                <div class="field">
                                    <label for="c-target">{t("complaints.target")}</label>
                                    <input id="c-target" name="target" maxlength="100" list="c-departments" aria-describedby="c-target-hint target-error"/>
                                    <datalist id="c-departments">
                                        {o.departments.iter().map(|d| view! { <option value=d.name.clone()/> }).collect_view()}
                                    </datalist>
                                    <p class="hint" id="c-target-hint">{t("complaints.target_hint")}</p>
                                    <FieldError field="target" value/>
                                </div>
                                <div class="field">
                                    <label for="c-industry">{t("complaints.industry")}</label>
                                    <select id="c-industry" name="industry" aria-describedby="c-industry-hint industry-error">
                                        <option value="">"—"</option>
                                        {o.industries.iter().map(|i| view! { <option value=i.code.clone()>{i.name.clone()}</option> }).collect_view()}
                                    </select>
                                    <p class="hint" id="c-industry-hint">{t("complaints.industry_hint")}</p>
                                    <FieldError field="industry" value/>
                                </div>
                                <div class="field">
                                    <label for="c-region">{t("complaints.region")}</label>
                                    <select id="c-region" name="region" aria-describedby="c-region-hint region-error">
                                        <option value="">{t("complaints.region_default")}</option>
                                        {o.regions.iter().map(|r| view! { <option value=r.code.clone()>{r.name.clone()}</option> }).collect_view()}
                                    </select>
                                    <p class="hint" id="c-region-hint">{t("complaints.region_hint")}</p>
                                    <FieldError field="region" value/>
                                </div>
                                <div class="field">
                                    <label for="c-subject">{t("complaints.subject")}</label>
                                    <input id="c-subject" name="subject" maxlength="100" aria-describedby="subject-error"/>
                                    <FieldError field="subject" value/>
                                </div>
                                <div class="field">
                                    <label for="c-body">{t("complaints.body")}</label>
                                    <textarea id="c-body" name="body" rows="6" maxlength="2000" aria-describedby="body-error"></textarea>
                                    <FieldError field="body" value/>
                                </div>
                                <div class="field">
                                    <label for="c-file">{t("complaints.file")}</label>
                                    <input id="c-file" type="file" name="file" accept=".pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png" aria-describedby="file-error"/>
                                    <FieldError field="file" value/>
                                </div>
                                <FieldError field="form" value/>
                                <FormError value fields=FILE_FIELDS/>
                                <button type="submit" class="button primary" disabled=move || busy.get()>{t("complaints.submit")}</button>
                            </form>
                        }
                        .into_any()
                    }
                    Err(error) => view! { <ErrorPanel error/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// Sends the complaint form's data to `complaints/file` (browser only).
async fn file_complaint_local(data: leptos::web_sys::FormData) -> Result<i64, crate::error::AppError> {
    crate::api::complaints::file_complaint(data.into()).await
}

// ───────────────────────────── the filer's list ─────────────────────────────

#[component]
pub fn MyComplaintsPage() -> impl IntoView {
    view! {
        <Title text=t("complaints.mine_title")/>
        <h1>{t("complaints.mine_title")}</h1>
        <p><a class="button primary" href="/complaints/new">{t("complaints.file_new")}</a></p>
        <Signed render=|| view! { <MyList/> }/>
    }
}

#[component]
fn MyList() -> impl IntoView {
    let page = query_page();
    let list = Resource::new(move || page.get(), |p| my_complaints(Some(p)));
    view! {
        <Transition fallback=|| view! { <Loading/> }>
            {move || Suspend::new(async move {
                match list.await {
                    Ok(p) if p.rows.is_empty() => view! { <Empty message=t("complaints.mine_empty")/> }.into_any(),
                    Ok(p) => {
                        let now = p.now;
                        let rows = p.rows.clone();
                        let pager = Page { items: Vec::<()>::new(), page: p.page, per_page: p.per_page, total: p.total };
                        view! {
                            <ComplaintTable rows now/>
                            <Pager page=pager href=|n| format!("/complaints?page={n}")/>
                        }
                        .into_any()
                    }
                    Err(error) => view! { <ErrorPanel error/> }.into_any(),
                }
            })}
        </Transition>
    }
}

// ───────────────────────────── the regulator's queue ─────────────────────────────

#[component]
pub fn RegulatorComplaintsPage() -> impl IntoView {
    view! {
        <Title text=t("complaints.queue_title")/>
        <h1>{t("complaints.queue_title")}</h1>
        <p class="lead">{t("complaints.queue_intro")}</p>
        <Signed roles=&[Role::Regulator, Role::Operator, Role::Admin] render=|| view! { <Queue/> }/>
    }
}

#[component]
fn Queue() -> impl IntoView {
    let page = query_page();
    let all = query("all");
    let list = Resource::new(move || (page.get(), all.get().is_some()), |(p, all)| get_complaint_queue(Some(p), Some(all)));
    view! {
        <p class="filters">
            {move || if all.get().is_some() {
                view! { <a href="/regulator/complaints">{t("complaints.show_open")}</a> }.into_any()
            } else {
                view! { <a href="/regulator/complaints?all=1">{t("complaints.show_all")}</a> }.into_any()
            }}
        </p>
        <Transition fallback=|| view! { <Loading/> }>
            {move || Suspend::new(async move {
                let all = all.get_untracked().is_some();
                match list.await {
                    Ok(q) if q.rows.is_empty() => view! { <Empty message=t("complaints.queue_empty")/> }.into_any(),
                    Ok(q) => {
                        let pager = Page { items: Vec::<()>::new(), page: q.page, per_page: q.per_page, total: q.total };
                        view! {
                            <ComplaintTable rows=q.rows now=q.now/>
                            <Pager page=pager href=move |n| if all { format!("/regulator/complaints?all=1&page={n}") } else { format!("/regulator/complaints?page={n}") }/>
                        }
                        .into_any()
                    }
                    Err(error) => view! { <ErrorPanel error/> }.into_any(),
                }
            })}
        </Transition>
    }
}

// ───────────────────────────── one complaint ─────────────────────────────

#[component]
pub fn ComplaintPage() -> impl IntoView {
    view! {
        <Title text=t("complaints.detail_title")/>
        <Signed render=|| view! { <Detail/> }/>
    }
}

#[component]
fn Detail() -> impl IntoView {
    let params = use_params_map();
    let id = Memo::new(move |_| params.with(|p| p.get("id").and_then(|s| s.parse::<i64>().ok()).unwrap_or(0)));
    let act = ServerAction::<ActOnComplaint>::new();
    let done = crate::ui::components::successes(act);
    let detail = Resource::new(move || (id.get(), done.get()), |(id, _)| get_complaint(id));
    view! {
        <Transition fallback=|| view! { <Loading/> }>
            {move || Suspend::new(async move {
                match detail.await {
                    Ok(d) => view! { <DetailView d act/> }.into_any(),
                    Err(error) => view! { <ErrorPanel error/> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn DetailView(d: ComplaintDetail, act: ServerAction<ActOnComplaint>) -> impl IntoView {
    let r = d.row.clone();
    let status = ComplaintStatus::parse(&r.status).unwrap_or(ComplaintStatus::Submitted);
    let accepted_late = rules::was_late(Some(r.accept_due_at), d.accepted_at);
    let decided_late = rules::was_late(r.decide_due_at, d.decided_at);
    let value = act.value();
    let pending = act.pending();
    let due = due_view(&r, d.now);
    view! {
        <h1>{r.subject.clone()}</h1>
        <p>
            <span class=format!("tag complaint-{}", r.status)>{status_label(&r.status)}</span>" "{due}
        </p>
        <dl class="facts complaint-facts">
            <div><dt>{t("complaints.col_against")}</dt><dd>{against_label(&r.against_kind)}" · "{r.against_name.clone()}</dd></div>
            <div><dt>{t("complaints.col_route")}</dt><dd>{r.region_name.clone()}" · "{r.industry_name.clone()}</dd></div>
            <div><dt>{t("complaints.col_filed")}</dt><dd>{format_shanghai(r.created_at)}</dd></div>
            {d.filer_name.clone().map(|n| view! { <div><dt>{t("complaints.filer")}</dt><dd>{n}" "{d.filer_phone.clone().unwrap_or_default()}</dd></div> })}
            {d.procurement_code.clone().map(|c| view! { <div><dt>{t("complaints.procurement")}</dt><dd><a href=format!("/announcements/{c}")>{c.clone()}</a></dd></div> })}
            {r.objection_id.map(|o| view! { <div><dt>{t("complaints.from_objection")}</dt><dd>{t("complaints.objection_link").replace("{id}", &o.to_string())}</dd></div> })}
            <div>
                <dt>{t("complaints.accept_due")}</dt>
                <dd>{format_shanghai(r.accept_due_at)}{accepted_late.then(|| view! { " " <span class="tag overdue">{t("complaints.late")}</span> })}</dd>
            </div>
            <div><dt>{t("complaints.accepted_at")}</dt><dd>{time_or_dash(d.accepted_at)}</dd></div>
            <div>
                <dt>{t("complaints.decide_due")}</dt>
                <dd>{time_or_dash(r.decide_due_at)}{decided_late.then(|| view! { " " <span class="tag overdue">{t("complaints.late")}</span> })}</dd>
            </div>
            {d.declined_reason.clone().map(|x| view! { <div><dt>{t("complaints.declined_reason")}</dt><dd>{x}</dd></div> })}
            {r.decision.clone().map(|x| view! { <div><dt>{t("complaints.decision")}</dt><dd>{t(&format!("complaints.decision_{x}"))}</dd></div> })}
            {d.decision_reason.clone().map(|x| view! { <div><dt>{t("complaints.decision_reason")}</dt><dd>{x}</dd></div> })}
            {d.decided_at.map(|x| view! { <div><dt>{t("complaints.decided_at")}</dt><dd>{format_shanghai(x)}</dd></div> })}
        </dl>
        <h2>{t("complaints.body")}</h2>
        <p class="reason">{d.body.clone()}</p>
        {d.file_id.map(|f| view! {
            <p><strong>{t("complaints.attachment")}": "</strong><a href=format!("/files/{f}")>{d.file_name.clone().unwrap_or_default()}</a></p>
        })}
        {(d.can_act && status.is_open()).then(|| view! {
            <section class="panel complaint-act">
                <h2>{t("complaints.act_title")}</h2>
                <ActionForm action=act attr:class="form" attr:novalidate=true>
                    <input type="hidden" name="id" value=r.id.to_string()/>
                    <div class="field">
                        <label for="c-reason">{t("complaints.reason")}</label>
                        <textarea id="c-reason" name="reason" rows="3" maxlength="2000" aria-describedby="c-reason-hint reason-error"></textarea>
                        <p class="hint" id="c-reason-hint">{t("complaints.reason_hint")}</p>
                        <FieldError field="reason" value/>
                    </div>
                    <FieldError field="action" value/>
                    <FormError value fields=&["reason", "action"]/>
                    <div class="form-actions">
                        {(status == ComplaintStatus::Submitted).then(|| view! {
                            <button type="submit" name="action" value="accept" class="button primary" disabled=pending>{t("complaints.accept")}</button>
                            <button type="submit" name="action" value="decline" class="button secondary" disabled=pending>{t("complaints.decline")}</button>
                        })}
                        {(status == ComplaintStatus::Accepted).then(|| view! {
                            <button type="submit" name="action" value="uphold" class="button primary" disabled=pending>{t("complaints.uphold")}</button>
                            <button type="submit" name="action" value="dismiss" class="button secondary" disabled=pending>{t("complaints.dismiss")}</button>
                        })}
                    </div>
                </ActionForm>
            </section>
        })}
        <h2>{t("complaints.history")}</h2>
        <ol class="timeline complaint-events">
            {d.events.iter().map(|e| view! {
                <li>
                    <time>{format_shanghai(e.at)}</time>" "
                    <strong>{t(&format!("complaints.event_{}", e.kind))}</strong>
                    {(!e.detail.is_empty() && e.kind != "escalated").then(|| view! { " — " {e.detail.clone()} })}
                </li>
            }).collect_view()}
        </ol>
    }
}
