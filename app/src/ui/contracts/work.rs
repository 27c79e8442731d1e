//! The contract page's service-execution panel (履约): pending items,
//! milestones, deliveries and acceptance, urges (催办), the message thread.
//!
//! Every form works without JavaScript: the small ones are `ActionForm`s, the
//! two uploads (a message with an attachment, a delivery's files) are plain
//! multipart forms that, with JavaScript, are sent without leaving the page.
//! After each action the panel bumps `ContractRefresh` so the page (status,
//! payments) and the panel reload; it reloads too when the page bumps it (a
//! live event, another panel's action). Supervisors (`viewer = None`) read only.
use super::ContractRefresh;
use crate::api::contract_work::{
    get_work_panel, list_contract_messages, ConfirmMilestone, DecideDelivery, DeliverResults, PostContractMessage, ReportMilestone, UrgeParty,
};
use crate::domain::contract::{ContractStatus, Party};
use crate::domain::time::format_shanghai;
use crate::domain::urge::MilestoneStatus;
use crate::error::AppError;
use crate::i18n::{t, use_locale};
use crate::model::contract_work::*;
use crate::model::files::FileRef;
use crate::ui::account::{FieldError, FormError};
use crate::ui::components::{Empty, ErrorPanel, Loading, Pager};
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_router::hooks::{use_location, use_query_map};

const ACCEPT_FILES: &str = ".pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png";
const NO_FIELDS: &[&str] = &[];
const URGE_FIELDS: &[&str] = &["subject", "reason"];
const REJECT_FIELDS: &[&str] = &["reason"];
const MESSAGE_FIELDS: &[&str] = &["body", "file"];
const DELIVERY_FIELDS: &[&str] = &["files", "note"];

/// The actions of the panel, created once so their results (and the errors of
/// a form posted without JavaScript) survive the panel's reloads.
#[derive(Clone, Copy)]
struct Acts {
    urge: ServerAction<UrgeParty>,
    report: ServerAction<ReportMilestone>,
    confirm: ServerAction<ConfirmMilestone>,
    decide: ServerAction<DecideDelivery>,
}

/// Bumps the page's refresh each time `action` succeeds.
fn bump_on_success<S>(action: ServerAction<S>, refresh: ContractRefresh)
where
    S: ServerFn<Error = AppError> + Clone + Send + Sync + 'static,
    S::Output: Clone + Send + Sync + 'static,
{
    Effect::new(move |_| {
        if matches!(action.value().get(), Some(Ok(_))) {
            refresh.bump();
        }
    });
}

fn at(ms: Option<i64>) -> String {
    ms.map(format_shanghai).unwrap_or_else(|| "—".into())
}

fn party_label(p: Party) -> String {
    t(p.label_key())
}

fn subject(code: &str) -> String {
    subject_label(use_locale(), code)
}

/// The contract page's service-execution panel: milestones, deliveries and
/// acceptance, urges, the message thread.
/// `viewer`: the caller's party, `None` for a supervisor (read-only).
#[component]
pub fn WorkPanel(code: String, viewer: Option<Party>, status: ContractStatus) -> impl IntoView {
    let refresh = ContractRefresh::get();
    let acts = Acts { urge: ServerAction::new(), report: ServerAction::new(), confirm: ServerAction::new(), decide: ServerAction::new() };
    bump_on_success(acts.urge, refresh);
    bump_on_success(acts.report, refresh);
    bump_on_success(acts.confirm, refresh);
    bump_on_success(acts.decide, refresh);
    let panel = Resource::new(
        {
            let code = code.clone();
            move || (code.clone(), refresh.track())
        },
        |(code, _)| get_work_panel(code),
    );
    let closed = matches!(status, ContractStatus::Lapsed | ContractStatus::Terminated);
    view! {
        <section class="panel work" id="contract-work" aria-labelledby="work-h" data-testid="work-panel">
            <h2 id="work-h">{t("contract_work.title")}</h2>
            {viewer.is_none().then(|| view! { <p class="notice" role="note">{t("contract_work.read_only")}</p> })}
            <Transition fallback=|| view! { <Loading/> }>
                {move || Suspend::new(async move {
                    match panel.await {
                        Ok(p) => view! { <PanelBody p acts/> }.into_any(),
                        Err(error) => view! { <ErrorPanel error/> }.into_any(),
                    }
                })}
            </Transition>
        </section>
        <MessagesSection code viewer closed/>
    }
}

#[component]
fn PanelBody(p: WorkPanelView, acts: Acts) -> impl IntoView {
    let status = ContractStatus::parse(&p.status).unwrap_or(ContractStatus::Terminated);
    let started = status != ContractStatus::Drafted;
    let now = p.now_ms;
    view! {
        <dl class="facts work-dates">
            <div><dt>{t("contract_work.signed_at")}</dt><dd>{at(p.signed_at)}</dd></div>
            <div><dt>{t("contract_work.service_due_at")}</dt><dd data-testid="service-due">{at(p.service_due_at)}</dd></div>
            {p.accept_due_at.map(|d| view! {
                <div><dt>{t("contract_work.accept_due_at")}</dt><dd data-testid="accept-due">{format_shanghai(d)}
                    {(now >= d && status == ContractStatus::Delivered).then(|| view! { " "<span class="tag overdue">{t("contract_work.overdue")}</span> })}
                </dd></div>
            })}
            {p.accepted_at.map(|d| view! { <div><dt>{t("contract_work.accepted_at")}</dt><dd>{format_shanghai(d)}</dd></div> })}
        </dl>
        <PendingList items=p.pending.clone()/>
        {if started {
            view! {
                <MilestonesSection code=p.code.clone() list=p.milestones.clone() viewer=p.viewer acts/>
                <DeliveriesSection p=p.clone() acts/>
            }
            .into_any()
        } else {
            view! { <p class="hint">{t("contract_work.not_started")}</p> }.into_any()
        }}
        <UrgesSection p acts/>
    }
}

#[component]
fn PendingList(items: Vec<PendingView>) -> impl IntoView {
    view! {
        <div class="work-pending">
            <h3>{t("contract_work.pending")}</h3>
            {if items.is_empty() {
                view! { <Empty message=t("contract_work.pending_empty")/> }.into_any()
            } else {
                view! {
                    <ul class="pending-list">
                        {items.into_iter().map(|i| view! {
                            <li class:overdue=i.overdue>
                                <span class="who">{party_label(i.target)}</span>" "
                                {subject(&i.subject)}
                                {i.due_at.map(|d| view! { " "<span class="muted">{t("contract_work.due_by").replace("{at}", &format_shanghai(d))}</span> })}
                                {i.overdue.then(|| view! { " "<span class="tag overdue">{t("contract_work.overdue")}</span> })}
                            </li>
                        }).collect_view()}
                    </ul>
                }
                .into_any()
            }}
        </div>
    }
}

#[component]
fn MilestonesSection(code: String, list: Vec<MilestoneView>, viewer: Option<Party>, acts: Acts) -> impl IntoView {
    let report_value = acts.report.value();
    let confirm_value = acts.confirm.value();
    let rows = list
        .into_iter()
        .map(|m| {
            let code = code.clone();
            let action = match (viewer, m.status) {
                (Some(Party::Firm), MilestoneStatus::Open) => view! {
                    <ActionForm action=acts.report attr:class="inline-form">
                        <input type="hidden" name="code" value=code/>
                        <input type="hidden" name="seq" value=m.seq/>
                        <button type="submit" class="button small" disabled=acts.report.pending()
                            aria-label=t("contract_work.report_milestone_n").replace("{n}", &m.seq.to_string())>
                            {t("contract_work.report_milestone")}
                        </button>
                    </ActionForm>
                }
                .into_any(),
                (Some(Party::Owner), MilestoneStatus::Reported) => view! {
                    <ActionForm action=acts.confirm attr:class="inline-form">
                        <input type="hidden" name="code" value=code/>
                        <input type="hidden" name="seq" value=m.seq/>
                        <button type="submit" class="button small primary" disabled=acts.confirm.pending()
                            aria-label=t("contract_work.confirm_milestone_n").replace("{n}", &m.seq.to_string())>
                            {t("contract_work.confirm_milestone")}
                        </button>
                    </ActionForm>
                }
                .into_any(),
                _ => view! { <span class="muted">"—"</span> }.into_any(),
            };
            let when = match m.status {
                MilestoneStatus::Open => String::new(),
                MilestoneStatus::Reported => t("contract_work.reported_at").replace("{at}", &at(m.reported_at)),
                MilestoneStatus::Done => t("contract_work.done_at").replace("{at}", &at(m.done_at)),
            };
            view! {
                <tr data-testid="milestone">
                    <td data-label=t("contract_work.milestone_seq")>{m.seq}</td>
                    <td data-label=t("contract_work.milestone_title")>{m.title.clone()}</td>
                    <td data-label=t("contract_work.milestone_due")>{at(m.due_at)}</td>
                    <td data-label=t("contract_work.milestone_status")>
                        <span class=format!("tag milestone-{}", m.status.as_str())>{t(m.status.label_key())}</span>
                        {(!when.is_empty()).then(|| view! { <br/><span class="muted">{when}</span> })}
                    </td>
                    <td data-label=t("contract_work.actions")>{action}</td>
                </tr>
            }
        })
        .collect_view();
    let empty = rows.is_empty();
    view! {
        <div class="work-milestones">
            <h3>{t("contract_work.milestones")}</h3>
            {if empty {
                view! { <Empty message=t("contract_work.milestones_empty")/> }.into_any()
            } else {
                view! {
                    <table class="data">
                        <thead><tr>
                            <th scope="col">{t("contract_work.milestone_seq")}</th>
                            <th scope="col">{t("contract_work.milestone_title")}</th>
                            <th scope="col">{t("contract_work.milestone_due")}</th>
                            <th scope="col">{t("contract_work.milestone_status")}</th>
                            <th scope="col">{t("contract_work.actions")}</th>
                        </tr></thead>
                        <tbody>{rows}</tbody>
                    </table>
                }
                .into_any()
            }}
            <FormError value=report_value fields=NO_FIELDS/>
            <FormError value=confirm_value fields=NO_FIELDS/>
        </div>
    }
}

/// A stored file: name (download link), type, size and SHA-256.
#[component]
fn FileLine(f: FileRef) -> impl IntoView {
    view! {
        <li class="file-line">
            <a href=f.href() rel="external" download=f.original_name.clone()>{f.original_name.clone()}</a>
            " "<span class="muted">{f.kind_label()}" · "{f.size_label()}</span>
            <br/><span class="muted">"SHA-256 "</span><code class="hash" data-testid="sha256">{f.sha256.clone()}</code>
        </li>
    }
}

fn delivery_status_key(s: &str) -> &'static str {
    match s {
        "accepted" => "contract_work.delivery_accepted",
        "rejected" => "contract_work.delivery_rejected",
        _ => "contract_work.delivery_submitted",
    }
}

#[component]
fn DeliveriesSection(p: WorkPanelView, acts: Acts) -> impl IntoView {
    let pending_round = p.deliveries.iter().find(|d| d.status == "submitted").map(|d| d.round);
    let decide = match (p.may_decide, pending_round) {
        (true, Some(round)) => Some(view! { <DecideForms code=p.code.clone() round action=acts.decide accept_due_at=p.accept_due_at/> }),
        _ => None,
    };
    let upload = p.may_deliver.then(|| {
        let round = p.deliveries.first().map(|d| d.round).unwrap_or(0) + 1;
        view! { <DeliveryForm code=p.code.clone() round acceptance_days=p.acceptance_days/> }
    });
    let rounds = p
        .deliveries
        .iter()
        .map(|d| {
            let files = d.files.iter().cloned().map(|f| view! { <FileLine f/> }).collect_view();
            view! {
                <article class=format!("delivery delivery-{}", d.status) data-testid="delivery">
                    <h4>
                        {t("contract_work.round_n").replace("{n}", &d.round.to_string())}" "
                        <span class=format!("tag delivery-{}", d.status)>{t(delivery_status_key(&d.status))}</span>
                    </h4>
                    <p class="muted">{t("contract_work.submitted_by").replace("{name}", &d.submitted_by).replace("{at}", &format_shanghai(d.submitted_at))}</p>
                    {(!d.note.is_empty()).then(|| view! { <p class="note">{d.note.clone()}</p> })}
                    <ul class="files">{files}</ul>
                    {d.decided_at.map(|when| view! {
                        <p class="muted">{t("contract_work.decided_by")
                            .replace("{name}", d.decided_by.as_deref().unwrap_or(""))
                            .replace("{at}", &format_shanghai(when))}</p>
                    })}
                    {d.reason.clone().map(|r| view! {
                        <p class="reject-reason"><strong>{t("contract_work.reject_reason")}"："</strong>{r}</p>
                    })}
                </article>
            }
        })
        .collect_view();
    let empty = p.deliveries.is_empty();
    view! {
        <div class="work-deliveries" id="contract-deliveries">
            <h3>{t("contract_work.deliveries")}</h3>
            {decide}
            {upload}
            {if empty { Some(view! { <Empty message=t("contract_work.deliveries_empty")/> }) } else { None }}
            {rounds}
        </div>
    }
}

/// The owner's acceptance (验收) of the pending round, or its rejection with a reason.
#[component]
fn DecideForms(code: String, round: u32, action: ServerAction<DecideDelivery>, accept_due_at: Option<i64>) -> impl IntoView {
    let value = action.value();
    let pending = action.pending();
    let code2 = code.clone();
    view! {
        <div class="decide" data-testid="decide-delivery">
            <p class="notice" role="note">
                {t("contract_work.decide_lead").replace("{n}", &round.to_string()).replace("{at}", &at(accept_due_at))}
            </p>
            <ActionForm action attr:class="form action-form">
                <input type="hidden" name="code" value=code/>
                <input type="hidden" name="round" value=round/>
                <input type="hidden" name="decision" value="accept"/>
                <button type="submit" class="button primary" disabled=pending>{t("contract_work.accept")}</button>
            </ActionForm>
            <details class="reject" open=move || matches!(value.get(), Some(Err(AppError::InvalidInput { ref field, .. })) if field == "reason")>
                <summary>{t("contract_work.reject")}</summary>
                <ActionForm action attr:class="form action-form" attr:novalidate=true>
                    <input type="hidden" name="code" value=code2/>
                    <input type="hidden" name="round" value=round/>
                    <input type="hidden" name="decision" value="reject"/>
                    <div class="field">
                        <label for="reject-reason">{t("contract_work.reject_reason")}</label>
                        <textarea id="reject-reason" name="reason" rows="4" maxlength="500" required aria-describedby="reject-reason-hint reason-error"></textarea>
                        <p class="hint" id="reject-reason-hint">{t("contract_work.reject_reason_hint")}</p>
                        <FieldError field="reason" value/>
                    </div>
                    <button type="submit" class="button danger" disabled=pending>{t("contract_work.reject_submit")}</button>
                </ActionForm>
            </details>
            <FormError value fields=REJECT_FIELDS/>
        </div>
    }
}

/// Checks the chosen files' sizes in the browser (the server checks again).
#[cfg(feature = "hydrate")]
fn files_too_large(data: &leptos::web_sys::FormData, field: &str) -> bool {
    use wasm_bindgen::JsCast;
    let all = data.get_all(field);
    (0..all.length()).any(|i| all.get(i).dyn_into::<leptos::web_sys::File>().is_ok_and(|f| f.size() > crate::domain::files::MAX_FILE_BYTES as f64))
}

/// A plain multipart form sent with `send` when JavaScript runs: returns the
/// submit handler, the busy flag and the error to show.
fn multipart_form<F, Fut, T>(
    path: &'static str,
    field: &'static str,
    send: F,
    on_done: impl Fn() + Clone + 'static,
    form_ref: NodeRef<leptos::html::Form>,
) -> (impl Fn(leptos::ev::SubmitEvent) + Clone + 'static, RwSignal<bool>, RwSignal<Option<AppError>>)
where
    F: Fn(leptos::web_sys::FormData) -> Fut + Clone + 'static,
    Fut: std::future::Future<Output = Result<T, AppError>> + 'static,
    T: 'static,
{
    // a refusal of a plain form post comes back in the URL
    let error = RwSignal::new(crate::ui::account::plain_form_error(path));
    let busy = RwSignal::new(false);
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
            if files_too_large(&data, field) {
                error.set(Some(AppError::invalid(field, "files.too_large")));
                return;
            }
            busy.set(true);
            let (send, on_done) = (send.clone(), on_done.clone());
            leptos::task::spawn_local(async move {
                let result = send(data).await;
                busy.set(false);
                match result {
                    Ok(_) => {
                        error.set(None);
                        if let Some(form) = form_ref.get_untracked() {
                            form.reset();
                        }
                        on_done();
                    }
                    Err(e) => error.set(Some(e)),
                }
            });
        }
        #[cfg(not(feature = "hydrate"))]
        {
            let _ = (ev, field, &send, &on_done, form_ref);
        }
    };
    (on_submit, busy, error)
}

/// The firm's delivery form (成果提交): 1–5 files and a note.
#[component]
fn DeliveryForm(code: String, round: u32, acceptance_days: Option<u32>) -> impl IntoView {
    let refresh = ContractRefresh::get();
    let form_ref = NodeRef::<leptos::html::Form>::new();
    let (on_submit, busy, error) = multipart_form(
        DeliverResults::PATH,
        "files",
        |data: leptos::web_sys::FormData| async move { crate::api::contract_work::deliver_results(data.into()).await },
        move || refresh.bump(),
        form_ref,
    );
    let value = Signal::derive(move || error.get().map(Err::<(), _>));
    let hint = match acceptance_days {
        Some(n) => t("contract_work.deliver_hint_days").replace("{n}", &n.to_string()),
        None => t("contract_work.deliver_hint"),
    };
    view! {
        <form class="form action-form delivery-form" method="post" action=DeliverResults::PATH enctype="multipart/form-data" novalidate
            node_ref=form_ref on:submit=on_submit data-testid="delivery-form">
            <h4>{t("contract_work.deliver_title").replace("{n}", &round.to_string())}</h4>
            <input type="hidden" name="code" value=code/>
            <div class="field">
                <label for="delivery-files">{t("contract_work.delivery_files")}</label>
                <input id="delivery-files" type="file" name="files" multiple required accept=ACCEPT_FILES aria-describedby="delivery-files-hint files-error"/>
                <p class="hint" id="delivery-files-hint">{t("contract_work.delivery_files_hint")}</p>
                <FieldError field="files" value/>
            </div>
            <div class="field">
                <label for="delivery-note">{t("contract_work.delivery_note")}</label>
                <textarea id="delivery-note" name="note" rows="3" maxlength="1000" aria-describedby="note-error"></textarea>
                <FieldError field="note" value/>
            </div>
            <p class="hint">{hint}</p>
            <FormError value fields=DELIVERY_FIELDS/>
            <button type="submit" class="button primary" disabled=move || busy.get()>
                {move || if busy.get() { t("contract_work.delivering") } else { t("contract_work.deliver") }}
            </button>
        </form>
    }
}

#[component]
fn UrgesSection(p: WorkPanelView, acts: Acts) -> impl IntoView {
    let counts = p.urge_counts;
    let form = (p.viewer.is_some() && !p.urge_choices.is_empty())
        .then(|| view! { <UrgeForm code=p.code.clone() choices=p.urge_choices.clone() other=p.viewer.map(Party::other) action=acts.urge/> });
    let shown = p.urges.len() as i64;
    let list = p
        .urges
        .iter()
        .map(|u| {
            let by = match (&u.by_name, u.auto_kind.as_deref()) {
                (Some(name), _) => t("contract_work.urged_by").replace("{name}", name).replace("{party}", &party_label(u.target.other())),
                (None, Some("overdue")) => t("contract_work.auto_overdue"),
                (None, _) => t("contract_work.auto_approaching"),
            };
            view! {
                <li class:auto=u.by_name.is_none() data-testid="urge">
                    <span class="muted">{format_shanghai(u.created_at)}</span>" "
                    <strong>{t("contract_work.urge_to").replace("{party}", &party_label(u.target))}</strong>" · "
                    {subject(&u.subject)}
                    <br/><span class="muted">{by}</span>"："{u.reason.clone()}
                </li>
            }
        })
        .collect_view();
    view! {
        <div class="work-urges" id="contract-urges">
            <h3>{t("contract_work.urges")}</h3>
            <dl class="facts urge-counts" data-testid="urge-counts">
                <div><dt>{t("contract_work.urges_to_owner")}</dt><dd>{counts.owner}</dd></div>
                <div><dt>{t("contract_work.urges_to_firm")}</dt><dd>{counts.firm}</dd></div>
                <div><dt>{t("contract_work.urges_automatic")}</dt><dd>{counts.automatic}</dd></div>
                <div><dt>{t("contract_work.urges_overdue")}</dt><dd>{counts.overdue}</dd></div>
            </dl>
            {form}
            {if shown == 0 {
                view! { <Empty message=t("contract_work.urges_empty")/> }.into_any()
            } else {
                view! {
                    <ul class="urge-list">{list}</ul>
                    {(counts.total() > shown).then(|| view! {
                        <p class="hint">{t("contract_work.urges_latest").replace("{n}", &shown.to_string()).replace("{total}", &counts.total().to_string())}</p>
                    })}
                }
                .into_any()
            }}
        </div>
    }
}

/// 「催办」: the items pending for the other party, and a reason.
#[component]
fn UrgeForm(code: String, choices: Vec<UrgeChoice>, other: Option<Party>, action: ServerAction<UrgeParty>) -> impl IntoView {
    let value = action.value();
    let pending = action.pending();
    let options = choices
        .into_iter()
        .map(|c| {
            let mut label = subject(&c.subject);
            if let Some(d) = c.due_at {
                label.push_str(&format!("（{}）", t("contract_work.due_by").replace("{at}", &format_shanghai(d))));
            }
            if c.overdue {
                label.push_str(&format!(" · {}", t("contract_work.overdue")));
            }
            view! { <option value=c.subject>{label}</option> }
        })
        .collect_view();
    let legend = t("contract_work.urge_legend").replace("{party}", &other.map(party_label).unwrap_or_default());
    view! {
        <details class="urge" open=move || matches!(value.get(), Some(Err(_)))>
            <summary>{t("contract_work.urge")}</summary>
            <ActionForm action attr:class="form action-form" attr:novalidate=true attr:data-testid="urge-form">
                <p class="hint">{legend}</p>
                <input type="hidden" name="code" value=code/>
                <div class="field">
                    <label for="urge-subject">{t("contract_work.urge_subject")}</label>
                    <select id="urge-subject" name="subject" aria-describedby="subject-error">{options}</select>
                    <FieldError field="subject" value/>
                </div>
                <div class="field">
                    <label for="urge-reason">{t("contract_work.urge_reason")}</label>
                    <textarea id="urge-reason" name="reason" rows="3" maxlength="500" required aria-describedby="urge-reason-hint reason-error"></textarea>
                    <p class="hint" id="urge-reason-hint">{t("contract_work.urge_reason_hint")}</p>
                    <FieldError field="reason" value/>
                </div>
                <FormError value fields=URGE_FIELDS/>
                <button type="submit" class="button primary" disabled=pending>{t("contract_work.urge_submit")}</button>
                {move || matches!(value.get(), Some(Ok(()))).then(|| view! { <p class="success" role="status">{t("contract_work.urged")}</p> })}
            </ActionForm>
        </details>
    }
}

/// The message thread (newest first, paginated with `?msgs=N`) and, for the
/// parties, the form to write.
#[component]
fn MessagesSection(code: String, viewer: Option<Party>, closed: bool) -> impl IntoView {
    let refresh = ContractRefresh::get();
    let query = use_query_map();
    let location = use_location();
    let page = move || query.with(|q| q.get("msgs").and_then(|p| p.trim().parse::<u32>().ok()).filter(|p| *p >= 1).unwrap_or(1));
    let messages = Resource::new(
        {
            let code = code.clone();
            move || (code.clone(), page(), refresh.track())
        },
        |(code, page, _)| list_contract_messages(code, Some(page)),
    );
    let form = (viewer.is_some() && !closed).then(|| view! { <MessageForm code=code.clone()/> });
    view! {
        <section class="panel work-messages" id="contract-messages" aria-labelledby="messages-h" data-testid="messages">
            <h2 id="messages-h">{t("contract_work.messages")}</h2>
            <p class="hint">{t("contract_work.messages_hint")}</p>
            {form}
            <Transition fallback=|| view! { <Loading/> }>
                {move || Suspend::new(async move {
                    match messages.await {
                        Ok(page) if page.items.is_empty() => view! { <Empty message=t("contract_work.messages_empty")/> }.into_any(),
                        Ok(page) => {
                            let path = location.pathname.get_untracked();
                            let items = page.items.iter().cloned().map(|m| view! { <MessageItem m/> }).collect_view();
                            view! {
                                <ol class="message-list">{items}</ol>
                                <Pager page href=move |n| format!("{path}?msgs={n}#contract-messages")/>
                            }
                            .into_any()
                        }
                        Err(error) => view! { <ErrorPanel error/> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

#[component]
fn MessageItem(m: MessageView) -> impl IntoView {
    view! {
        <li class=format!("message from-{}", m.party.as_str()) data-testid="message">
            <p class="meta">
                <strong>{party_label(m.party)}" · "{m.author.clone()}</strong>" "
                <span class="muted">{format_shanghai(m.created_at)}</span>
            </p>
            <p class="body">{m.body.clone()}</p>
            {m.file.map(|f| view! { <ul class="files"><FileLine f/></ul> })}
        </li>
    }
}

/// A message with an optional attachment.
#[component]
fn MessageForm(code: String) -> impl IntoView {
    let refresh = ContractRefresh::get();
    let form_ref = NodeRef::<leptos::html::Form>::new();
    let (on_submit, busy, error) = multipart_form(
        PostContractMessage::PATH,
        "file",
        |data: leptos::web_sys::FormData| async move { crate::api::contract_work::post_contract_message(data.into()).await },
        move || refresh.bump(),
        form_ref,
    );
    let value = Signal::derive(move || error.get().map(Err::<(), _>));
    view! {
        <form class="form action-form message-form" method="post" action=PostContractMessage::PATH enctype="multipart/form-data" novalidate
            node_ref=form_ref on:submit=on_submit data-testid="message-form">
            <input type="hidden" name="code" value=code/>
            <div class="field">
                <label for="message-body">{t("contract_work.message_body")}</label>
                <textarea id="message-body" name="body" rows="3" maxlength="2000" required aria-describedby="body-error"></textarea>
                <FieldError field="body" value/>
            </div>
            <div class="field">
                <label for="message-file">{t("contract_work.message_file")}</label>
                <input id="message-file" type="file" name="file" accept=ACCEPT_FILES aria-describedby="message-file-hint file-error"/>
                <p class="hint" id="message-file-hint">{t("contract_work.message_file_hint")}</p>
                <FieldError field="file" value/>
            </div>
            <FormError value fields=MESSAGE_FIELDS/>
            <button type="submit" class="button primary" disabled=move || busy.get()>
                {move || if busy.get() { t("contract_work.sending") } else { t("contract_work.send") }}
            </button>
        </form>
    }
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use super::*;

    fn file(id: i64, name: &str) -> FileRef {
        FileRef { id, sha256: "ab".repeat(32), content_type: "application/pdf".into(), size_bytes: 2048, original_name: name.into() }
    }

    fn panel(status: &str, viewer: Option<Party>) -> WorkPanelView {
        let delivered = status == "delivered";
        WorkPanelView {
            code: "ZJ2026-0001-HT1".into(),
            status: status.into(),
            viewer,
            now_ms: 1_800_000_000_000,
            signed_at: Some(1_790_000_000_000),
            service_due_at: Some(1_810_000_000_000),
            delivered_at: delivered.then_some(1_799_000_000_000),
            accept_due_at: delivered.then_some(1_799_500_000_000),
            accepted_at: None,
            acceptance_days: Some(5),
            milestones: vec![
                MilestoneView { seq: 1, title: "现场踏勘".into(), due_at: Some(1), status: MilestoneStatus::Reported, reported_at: Some(1), done_at: None },
                MilestoneView { seq: 2, title: "报告初稿".into(), due_at: Some(2), status: MilestoneStatus::Open, reported_at: None, done_at: None },
            ],
            deliveries: if delivered {
                vec![DeliveryView {
                    round: 1,
                    note: "环评报告书".into(),
                    submitted_by: "乙方经办人".into(),
                    submitted_at: 1_799_000_000_000,
                    status: "submitted".into(),
                    decided_by: None,
                    decided_at: None,
                    reason: None,
                    files: vec![file(7, "报告书.pdf")],
                }]
            } else {
                vec![]
            },
            pending: vec![PendingView { subject: "acceptance".into(), target: Party::Owner, due_at: Some(1_799_500_000_000), overdue: true }],
            urge_counts: UrgeCounts { owner: 2, firm: 1, automatic: 1, overdue: 1 },
            urges: vec![UrgeView {
                id: 1,
                target: Party::Owner,
                subject: "acceptance".into(),
                reason: "请尽快验收".into(),
                by_name: Some("乙方经办人".into()),
                auto_kind: None,
                created_at: 1_799_600_000_000,
            }],
            urge_choices: match viewer {
                Some(Party::Firm) => vec![UrgeChoice { subject: "acceptance".into(), due_at: Some(1_799_500_000_000), overdue: true }],
                Some(Party::Owner) => vec![UrgeChoice { subject: "milestone:2".into(), due_at: Some(2), overdue: true }],
                None => vec![],
            },
            may_deliver: viewer == Some(Party::Firm) && status == "signed",
            may_decide: viewer == Some(Party::Owner) && delivered,
            may_post: viewer.is_some(),
        }
    }

    fn render(p: WorkPanelView) -> String {
        let owner = Owner::new();
        owner.set();
        let acts = Acts { urge: ServerAction::new(), report: ServerAction::new(), confirm: ServerAction::new(), decide: ServerAction::new() };
        view! { <PanelBody p acts/> }.to_html()
    }

    #[test]
    fn the_owner_accepts_or_returns_a_delivery_and_urges_on_pending_items() {
        let html = render(panel("delivered", Some(Party::Owner)));
        for text in ["验收合格", "退回修改", "退回理由", "确认退回", "确认完成", "第 1 轮成果", "报告书.pdf", &"ab".repeat(32), "/files/7", "发送催办", "催办事项", "第 2 个履约节点", "已逾期"] {
            assert!(html.contains(text), "missing {text}");
        }
        assert!(!html.contains("提交成果（第"), "the owner does not deliver");
        assert!(!html.contains("报告第 2 个节点已完成"), "the owner does not report milestones");
    }

    #[test]
    fn the_firm_delivers_and_reports_milestones() {
        let html = render(panel("signed", Some(Party::Firm)));
        for text in ["提交成果（第 1 轮）", "成果文件", "提交说明（选填）", "name=\"files\"", "multiple", "enctype=\"multipart/form-data\"", "报告第 2 个节点已完成", "乙方尚未提交成果。"] {
            assert!(html.contains(text), "missing {text}");
        }
        assert!(!html.contains("name=\"decision\"") && !html.contains("确认第 1 个节点已完成"), "the firm does not accept or confirm");
    }

    #[test]
    fn supervisors_read_without_forms() {
        let html = render(panel("delivered", None));
        assert!(html.contains("报告书.pdf") && html.contains("催办甲方"));
        for form in ["<form", "发送催办", "确认退回", "报告第 2 个节点已完成", "确认第 1 个节点已完成"] {
            assert!(!html.contains(form), "a supervisor sees {form}");
        }
    }
}
