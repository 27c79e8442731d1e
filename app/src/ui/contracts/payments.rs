//! The contract page's payment panel (网上支付): the installments of the terms
//! in force, what the caller may do with them (the owner pays online — social
//! funds — or records an offline payment — fiscal funds; the firm confirms
//! receipt; operators refund), and every payment's receipt with the log of the
//! payment provider's callbacks. Every action works without JavaScript: online
//! payment is a plain form the server answers with a redirect to the provider's
//! cashier; the offline record is a plain multipart form; the others are `ActionForm`s.
use super::ContractRefresh;
use crate::api::payments::{
    get_payments_panel, voucher_href, ConfirmOfflinePayment, PayInstallment, QueryPayment, RecordOfflinePayment, RefundPayment,
};
use crate::domain::contract::{ContractStatus, Party, PayAfter};
use crate::domain::money::Fen;
use crate::domain::time::{date_shanghai, format_shanghai};
use crate::error::AppError;
use crate::i18n::t;
use crate::model::payment::{InstallmentView, PaymentView, PaymentsPanelData};
use crate::ui::account::{plain_form_error, FieldError, FormError};
use crate::ui::components::{Empty, Loading};
use leptos::prelude::*;
use leptos::server_fn::ServerFn;

/// Runs `then` each time `action` succeeds.
fn on_success<S>(action: ServerAction<S>, then: impl Fn() + 'static)
where
    S: ServerFn + Clone + Send + Sync + 'static,
    S::Output: Clone + Send + Sync + 'static,
    S::Error: Clone + Send + Sync + 'static,
{
    let version = action.version();
    let value = action.value();
    Effect::new(move |seen: Option<usize>| {
        let v = version.get();
        if seen.is_some_and(|s| s != v) && value.with_untracked(|r| matches!(r, Some(Ok(_)))) {
            then();
        }
        v
    });
}

/// The panel's actions, created once so a form posted without JavaScript gets its error back.
#[derive(Clone, Copy)]
struct Acts {
    query: ServerAction<QueryPayment>,
    confirm: ServerAction<ConfirmOfflinePayment>,
    refund: ServerAction<RefundPayment>,
    /// Bumps the contract page after an offline record (a multipart form sent from the browser).
    recorded: Callback<()>,
}

/// The contract page's payment panel: installments, payments, receipts.
/// `viewer`: the caller's party, `None` for a supervisor (read-only).
#[component]
pub fn PaymentsPanel(code: String, viewer: Option<Party>, status: ContractStatus) -> impl IntoView {
    let refresh = ContractRefresh::get();
    let data = Resource::new(move || (code.clone(), refresh.track()), |(code, _)| get_payments_panel(code));
    let acts = Acts { query: ServerAction::new(), confirm: ServerAction::new(), refund: ServerAction::new(), recorded: Callback::new(move |()| refresh.bump()) };
    on_success(acts.query, move || refresh.bump());
    on_success(acts.confirm, move || refresh.bump());
    on_success(acts.refund, move || refresh.bump());
    let note = match (viewer, status) {
        (None, _) => Some(t("payment.read_only")),
        (_, ContractStatus::Drafted) => Some(t("payment.before_signing")),
        (_, ContractStatus::Lapsed | ContractStatus::Terminated) => Some(t("payment.closed_contract")),
        _ => None,
    };
    view! {
        <section class="panel payments-panel" aria-labelledby="payments-h" data-testid="payments-panel">
            <h2 id="payments-h">{t("payment.title")}</h2>
            {note.map(|n| view! { <p class="hint">{n}</p> })}
            <Transition fallback=|| view! { <Loading/> }>
                {move || Suspend::new(async move {
                    match data.await {
                        Ok(d) => view! { <PanelBody d acts/> }.into_any(),
                        Err(e) => view! { <p class="form-error" role="alert">{t(e.message_key())}</p> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

fn yuan(fen: i64) -> String {
    format!("¥{}", Fen(fen).yuan_string())
}

/// "第2个服务节点(初稿)经甲方确认完成后" and the like.
fn condition_words(i: &InstallmentView) -> String {
    match PayAfter::parse_code(&i.condition) {
        Some(PayAfter::Signing) => t("payment.cond_signing"),
        Some(PayAfter::Milestone(n)) => t("payment.cond_milestone").replace("{n}", &n.to_string()).replace("{title}", i.milestone_title.as_deref().unwrap_or("")),
        _ => t("payment.cond_acceptance"),
    }
}

fn installment_status(status: &str) -> String {
    match status {
        "waiting" | "due" | "paid" => t(&format!("payment.inst_{status}")),
        other => other.to_string(),
    }
}

fn payment_status(p: &PaymentView) -> String {
    let key = match (p.channel.as_str(), p.status.as_str()) {
        ("offline", "pending") => "payment.status_awaiting_confirmation",
        ("offline", "failed") => "payment.status_refused",
        (_, s @ ("created" | "pending" | "paid" | "failed" | "closed" | "refunded")) => return t(&format!("payment.status_{s}")),
        _ => return p.status.clone(),
    };
    t(key)
}

/// A translated callback detail code, or the code itself when unknown.
fn detail_words(code: &str) -> String {
    if code.is_empty() {
        return String::new();
    }
    let key = format!("payment.cb_{code}");
    let text = t(&key);
    if text == key {
        code.to_string()
    } else {
        text
    }
}

#[component]
fn PanelBody(d: PaymentsPanelData, acts: Acts) -> impl IntoView {
    let paid = d.paid_fen();
    let funding = if d.funding == "fiscal" { t("payment.funding_fiscal") } else { t("payment.funding_social") };
    let pay_error = plain_form_error(PayInstallment::PATH);
    let record_error = plain_form_error(RecordOfflinePayment::PATH);
    let first_recordable = d.installments.iter().find(|i| i.may_record).map(|i| i.seq);
    let recordable: Vec<InstallmentView> = d.installments.iter().filter(|i| i.may_record).cloned().collect();
    let pending_online = d.payments.iter().any(|p| p.may_query);
    let payment_days = d.payment_days;
    let rows = d
        .installments
        .iter()
        .map(|i| {
            let due = match (i.due_at, i.status.as_str()) {
                (Some(at), _) => date_shanghai(at),
                (None, _) => t("payment.due_after").replace("{n}", &payment_days.to_string()),
            };
            let overdue = i.status == "due" && i.due_at.is_some_and(|at| at < d.now_ms);
            let paid_at = i.paid_at.map(|at| view! { <span class="code">{t("payment.paid_at")}" "{format_shanghai(at)}</span> });
            let pay = i.may_pay.then(|| {
                let label = if i.open_order.is_some() { t("payment.pay_continue") } else { t("payment.pay_online") };
                let aria = format!("{}:{} {}", label, t("payment.seq").replace("{n}", &i.seq.to_string()), i.label);
                view! {
                    <form method="post" action=PayInstallment::PATH class="pay-form">
                        <input type="hidden" name="code" value=d.code.clone()/>
                        <input type="hidden" name="seq" value=i.seq.to_string()/>
                        <button type="submit" class="button primary" aria-label=aria data-testid=format!("pay-{}", i.seq)>{label}</button>
                    </form>
                }
            });
            let record = i.may_record.then(|| view! { <a class="button secondary" href=format!("#offline-{}", i.seq)>{t("payment.record_offline")}</a> });
            let actions_class = if i.may_pay || i.may_record { "actions-cell" } else { "actions-cell no-actions" };
            view! {
                <tr class:overdue=overdue data-testid=format!("installment-{}", i.seq)>
                    <td data-label=t("payment.col_seq")>
                        <div>{t("payment.seq").replace("{n}", &i.seq.to_string())}" "{i.label.clone()}</div>
                    </td>
                    <td data-label=t("payment.col_amount") class="num">{yuan(i.amount_fen)}</td>
                    <td data-label=t("payment.col_condition")><div>{condition_words(i)}</div></td>
                    <td data-label=t("payment.col_due")>{due}{overdue.then(|| view! { <span class="tag bad">{t("payment.overdue")}</span> })}</td>
                    <td data-label=t("payment.col_status")>
                        <div>
                            <span class=format!("tag inst-{}", i.status)>{installment_status(&i.status)}</span>
                            {paid_at}
                        </div>
                    </td>
                    <td data-label=t("payment.col_actions") class=actions_class>
                        <div>{pay}{record}</div>
                    </td>
                </tr>
            }
        })
        .collect_view();
    let receipts = if d.payments.is_empty() {
        view! { <Empty message=t("payment.no_payments")/> }.into_any()
    } else {
        d.payments.iter().cloned().map(|p| view! { <Receipt p code=d.code.clone() acts/> }).collect_view().into_any()
    };
    let offline_forms = recordable
        .into_iter()
        .map(|i| {
            let error = if Some(i.seq) == first_recordable { record_error.clone() } else { None };
            view! { <OfflineForm code=d.code.clone() i today=d.today.clone() earliest=d.earliest_paid_on.clone() error on_done=acts.recorded/> }
        })
        .collect_view();
    view! {
        <dl class="payment-summary">
            <div><dt>{t("payment.price")}</dt><dd>{yuan(d.price_fen)}</dd></div>
            <div><dt>{t("payment.paid_total")}</dt><dd data-testid="paid-total">{yuan(paid)}</dd></div>
            <div><dt>{t("payment.funding")}</dt><dd>{funding}</dd></div>
        </dl>
        {d.planned.then(|| view! { <p class="hint">{t("payment.planned_hint")}</p> })}
        {pay_error.map(|e| view! { <p class="form-error" role="alert">{t(e.message_key())}</p> })}
        <h3>{t("payment.installments")}</h3>
        <table class="data installments-table">
            <caption class="sr-only">{t("payment.installments")}</caption>
            <thead>
                <tr>
                    <th scope="col">{t("payment.col_seq")}</th>
                    <th scope="col">{t("payment.col_amount")}</th>
                    <th scope="col">{t("payment.col_condition")}</th>
                    <th scope="col">{t("payment.col_due")}</th>
                    <th scope="col">{t("payment.col_status")}</th>
                    <th scope="col">{t("payment.col_actions")}</th>
                </tr>
            </thead>
            <tbody>{rows}</tbody>
        </table>
        <p class="hint">{t("payment.rule_hint")}</p>
        {offline_forms}
        <h3>{t("payment.receipts")}</h3>
        {pending_online.then(|| view! { <p class="hint">{t("payment.pending_hint")}</p> })}
        <div class="receipts">{receipts}</div>
    }
}

/// One payment and its receipt, with the callback log and the caller's actions.
#[component]
fn Receipt(p: PaymentView, code: String, acts: Acts) -> impl IntoView {
    let online = p.channel == "online";
    let channel = if online { t("payment.channel_online") } else { t("payment.channel_offline") };
    let row = |label: String, value: Option<String>| value.map(|v| view! { <div><dt>{label}</dt><dd>{v}</dd></div> });
    let counts = p.callback_counts;
    let summary = online.then(|| {
        let text = t("payment.cb_summary")
            .replace("{applied}", &counts.applied.to_string())
            .replace("{duplicate}", &counts.duplicate.to_string())
            .replace("{forged}", &counts.forged.to_string())
            .replace("{rejected}", &counts.rejected.to_string());
        let list = p
            .callbacks
            .iter()
            .map(|c| {
                view! {
                    <li class=format!("cb cb-{}", c.outcome)>
                        <span class=format!("tag outcome-{}", c.outcome)>{t(&format!("payment.outcome_{}", c.outcome))}</span>
                        " "<time>{format_shanghai(c.received_at)}</time>
                        " "<span class="code">{t("payment.notify_id")}" "{c.notify_id.clone()}</span>
                        " "<span class="hint">{detail_words(&c.detail)}</span>
                    </li>
                }
            })
            .collect_view();
        view! {
            <div class="callback-log" data-testid=format!("callbacks-{}", p.order_no)>
                <p>{t("payment.cb_title")}":"{text}</p>
                {(counts.total() > 0).then(|| view! {
                    <details>
                        <summary>{t("payment.cb_show")}</summary>
                        <ul class="callback-list">{list}</ul>
                    </details>
                })}
            </div>
        }
    });
    let voucher = p.voucher.clone().map(|f| {
        view! {
            <div><dt>{t("payment.voucher_file")}</dt><dd><a href=voucher_href(p.id) rel="external">{f.original_name.clone()}</a>" "<span class="hint">{format!("{} · {}", f.kind_label(), f.size_label())}</span></dd></div>
        }
    });
    let query = p.may_query.then(|| {
        let (code, order_no) = (code.clone(), p.order_no.clone());
        let value = acts.query.value();
        let pending = acts.query.pending();
        let result = move || match value.get() {
            Some(Ok(s)) => Some(view! { <p class="hint" role="status">{t("payment.query_result")}" "{t(&format!("payment.status_{s}"))}</p> }.into_any()),
            Some(Err(e)) => Some(view! { <p class="form-error" role="alert">{t(e.message_key())}</p> }.into_any()),
            None => None,
        };
        view! {
            <ActionForm action=acts.query attr:class="inline-form">
                <input type="hidden" name="code" value=code/>
                <input type="hidden" name="order_no" value=order_no/>
                <button type="submit" class="button secondary" disabled=pending>{t("payment.query")}</button>
            </ActionForm>
            {result}
        }
    });
    let confirm = p.may_confirm.then(|| {
        let (code, code2, pid) = (code.clone(), code.clone(), p.id);
        let value = acts.confirm.value();
        let pending = acts.confirm.pending();
        let id = format!("refuse-reason-{}", p.id);
        view! {
            <div class="confirm-box">
                <ActionForm action=acts.confirm attr:class="inline-form">
                    <input type="hidden" name="code" value=code/>
                    <input type="hidden" name="id" value=pid.to_string()/>
                    <input type="hidden" name="decision" value="confirm"/>
                    <button type="submit" class="button primary" disabled=pending data-testid=format!("confirm-{pid}")>{t("payment.confirm_receipt")}</button>
                </ActionForm>
                <details>
                    <summary>{t("payment.refuse")}</summary>
                    <ActionForm action=acts.confirm attr:class="form" attr:novalidate=true>
                        <input type="hidden" name="code" value=code2/>
                        <input type="hidden" name="id" value=pid.to_string()/>
                        <input type="hidden" name="decision" value="refuse"/>
                        <div class="field">
                            <label for=id.clone()>{t("payment.refuse_reason")}</label>
                            <textarea id=id name="reason" rows="2" minlength="5" maxlength="500" aria-describedby="reason-error"></textarea>
                            <FieldError field="reason" value/>
                        </div>
                        <button type="submit" class="button danger" disabled=pending>{t("payment.refuse_submit")}</button>
                    </ActionForm>
                </details>
                <FormError value fields=&["reason"]/>
            </div>
        }
    });
    let refund = p.may_refund.then(|| {
        let (code, order_no) = (code.clone(), p.order_no.clone());
        let value = acts.refund.value();
        let pending = acts.refund.pending();
        let id = format!("refund-reason-{}", p.id);
        view! {
            <details class="refund-box">
                <summary>{t("payment.refund")}</summary>
                <ActionForm action=acts.refund attr:class="form" attr:novalidate=true>
                    <input type="hidden" name="code" value=code/>
                    <input type="hidden" name="order_no" value=order_no/>
                    <div class="field">
                        <label for=id.clone()>{t("payment.refund_reason")}</label>
                        <textarea id=id name="reason" rows="2" minlength="5" maxlength="500" aria-describedby="reason-error"></textarea>
                        <p class="hint">{t("payment.refund_hint")}</p>
                        <FieldError field="reason" value/>
                    </div>
                    <FormError value fields=&["reason"]/>
                    <button type="submit" class="button danger" disabled=pending>{t("payment.refund_submit")}</button>
                </ActionForm>
            </details>
        }
    });
    view! {
        <article class=format!("receipt receipt-{}", p.status) data-testid=format!("payment-{}", p.order_no)>
            <header>
                <strong>{t("payment.seq").replace("{n}", &p.seq.to_string())}" · "{channel}</strong>
                " "<span class=format!("tag pay-{}", p.status)>{payment_status(&p)}</span>
            </header>
            <dl>
                {row(t("payment.order_no"), Some(p.order_no.clone()))}
                {row(t("payment.amount"), Some(yuan(p.amount_fen)))}
                {row(t("payment.txn"), p.provider_txn.clone())}
                {row(t("payment.created_at"), Some(format_shanghai(p.created_at)))}
                {row(t("payment.voucher_no"), p.voucher_no.clone())}
                {row(t("payment.paid_on"), p.paid_on.clone())}
                {voucher}
                {row(t("payment.paid_at"), p.paid_at.map(format_shanghai))}
                {row(if online { t("payment.refunded_at") } else { t("payment.decided_at") }, if online { p.refunded_at.map(format_shanghai) } else { p.confirmed_at.map(format_shanghai) })}
                {row(t("payment.reason"), p.reason.clone())}
            </dl>
            {summary}
            <div class="receipt-actions">{query}{confirm}{refund}</div>
        </article>
    }
}

const OFFLINE_FIELDS: &[&str] = &["seq", "paid_on", "amount", "voucher_no", "file"];

/// The owner's record of an offline payment: a plain multipart form that works
/// with JavaScript off; with JavaScript it is sent without leaving the page.
#[component]
fn OfflineForm(code: String, i: InstallmentView, today: String, earliest: Option<String>, error: Option<AppError>, on_done: Callback<()>) -> impl IntoView {
    let error = RwSignal::new(error);
    let value = Signal::derive(move || error.get().map(Err::<(), _>));
    let busy = RwSignal::new(false);
    let send = Action::new_local(|data: &leptos::web_sys::FormData| record_offline_local(data.clone()));
    let form_ref = NodeRef::<leptos::html::Form>::new();
    Effect::new(move |_| {
        if let Some(result) = send.value().get() {
            busy.set(false);
            match result {
                Ok(_) => {
                    error.set(None);
                    if let Some(form) = form_ref.get_untracked() {
                        form.reset();
                    }
                    on_done.run(());
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
                    error.set(Some(AppError::invalid("file", "files.too_large")));
                    return;
                }
            }
            busy.set(true);
            send.dispatch_local(data);
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = ev;
    };
    let id = |f: &str| format!("offline-{}-{f}", i.seq);
    let title = t("payment.offline_title").replace("{n}", &i.seq.to_string()).replace("{label}", &i.label);
    let amount_hint = t("payment.amount_hint").replace("{amount}", &yuan(i.amount_fen));
    view! {
        <details class="offline-record" id=format!("offline-{}", i.seq) open=move || error.get().is_some()>
            <summary>{title}</summary>
            <form class="form action-form" method="post" action=RecordOfflinePayment::PATH enctype="multipart/form-data" novalidate
                node_ref=form_ref on:submit=on_submit data-testid=format!("offline-form-{}", i.seq)>
                <input type="hidden" name="code" value=code/>
                <input type="hidden" name="seq" value=i.seq.to_string()/>
                <div class="field">
                    <label for=id("paid-on")>{t("payment.paid_on")}</label>
                    <input id=id("paid-on") type="date" name="paid_on" required max=today min=earliest aria-describedby="paid_on-error"/>
                    <FieldError field="paid_on" value/>
                </div>
                <div class="field">
                    <label for=id("amount")>{t("payment.amount_yuan")}</label>
                    <input id=id("amount") name="amount" inputmode="decimal" required value=Fen(i.amount_fen).yuan_string().replace(',', "")
                        aria-describedby=format!("{} amount-error", id("amount-hint"))/>
                    <p class="hint" id=id("amount-hint")>{amount_hint}</p>
                    <FieldError field="amount" value/>
                </div>
                <div class="field">
                    <label for=id("voucher")>{t("payment.voucher_no")}</label>
                    <input id=id("voucher") name="voucher_no" required minlength="2" maxlength="50" autocomplete="off" aria-describedby="voucher_no-error"/>
                    <FieldError field="voucher_no" value/>
                </div>
                <div class="field">
                    <label for=id("file")>{t("payment.voucher_file")}</label>
                    <input id=id("file") type="file" name="file" required
                        accept=".pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png" aria-describedby=format!("{} file-error", id("file-hint"))/>
                    <p class="hint" id=id("file-hint")>{t("payment.voucher_file_hint")}</p>
                    <FieldError field="file" value/>
                </div>
                <FieldError field="seq" value/>
                <FormError value fields=OFFLINE_FIELDS/>
                <button type="submit" class="button primary" disabled=move || busy.get()>
                    {move || if busy.get() { t("payment.recording") } else { t("payment.record_submit") }}
                </button>
            </form>
        </details>
    }
}

/// Sends the offline form's data to `payments/record_offline` (browser only).
async fn record_offline_local(data: leptos::web_sys::FormData) -> Result<i64, AppError> {
    crate::api::payments::record_offline_payment(data.into()).await
}
