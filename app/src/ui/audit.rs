//! 审计记录 (the tamper-evident audit trail, #8) for regulators, operators and
//! administrators: every state-changing action, newest first, with filters, and
//! a button that recomputes the hash chain.
//!
//! Filters and verification are GET forms (`actor`, `action`, `subject`,
//! `from`, `to`, `page`; `verify=<n>`), so the page works before hydration and
//! a result can be linked; each press of the button counts `verify` up, so
//! pressing it again runs the verifier again.
use crate::api::audit::{list_audit, verify_audit};
use crate::domain::accounts::Role;
use crate::domain::paging::Page;
use crate::domain::time::format_shanghai;
use crate::i18n::t;
use crate::model::audit::{AuditEntryView, AuditQuery, VerifyReport};
use crate::ui::account::Signed;
use crate::ui::components::{Empty, ErrorPanel, Loading, Pager};
use crate::error::AppError;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::Form;
use leptos_router::hooks::use_query_map;

/// The page's address for a filter, a page and a verification run.
fn href(q: &AuditQuery, page: u32, verify: u32) -> String {
    let enc = |v: &Option<String>| urlencode(v.as_deref().unwrap_or(""));
    let mut s = format!(
        "/supervision/audit?actor={}&action={}&subject={}&from={}&to={}&page={page}",
        enc(&q.actor),
        enc(&q.action),
        enc(&q.subject),
        enc(&q.from),
        enc(&q.to)
    );
    if verify > 0 {
        s.push_str(&format!("&verify={verify}"));
    }
    s
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[component]
pub fn AuditPage() -> impl IntoView {
    view! {
        <Title text=t("audit.title")/>
        <Signed roles=&[Role::Regulator, Role::Operator, Role::Admin] render=|| view! { <AuditBody/> }/>
    }
}

#[component]
fn AuditBody() -> impl IntoView {
    let query_map = use_query_map();
    let query = Memo::new(move |_| {
        query_map.with(|m| {
            let get = |k: &str| m.get(k).filter(|v| !v.trim().is_empty());
            AuditQuery {
                actor: get("actor"),
                action: get("action"),
                subject: get("subject"),
                from: get("from"),
                to: get("to"),
                page: m.get("page").and_then(|p| p.parse().ok()),
            }
        })
    });
    let verify_run = Memo::new(move |_| query_map.with(|m| m.get("verify").and_then(|v| v.parse::<u32>().ok()).unwrap_or(0)));
    let entries = Resource::new(move || query.get(), list_audit);
    let report = Resource::new(move || verify_run.get(), |run| async move {
        if run == 0 {
            Ok(None)
        } else {
            verify_audit().await.map(Some)
        }
    });
    view! {
        <h1>{t("audit.title")}</h1>
        <p class="lead">{t("audit.lead")}</p>
        <section class="audit-verify" aria-labelledby="audit-verify-title">
            <h2 id="audit-verify-title">{t("audit.verify_title")}</h2>
            {move || {
                let q = query.get();
                let next = verify_run.get() + 1;
                view! {
                    <Form method="GET" action="/supervision/audit" attr:class="verify-form">
                        {hidden("actor", &q.actor)}
                        {hidden("action", &q.action)}
                        {hidden("subject", &q.subject)}
                        {hidden("from", &q.from)}
                        {hidden("to", &q.to)}
                        <input type="hidden" name="verify" value=next.to_string()/>
                        <button type="submit" class="button primary" data-testid="audit-verify">{t("audit.verify")}</button>
                    </Form>
                }
            }}
            <Transition fallback=|| view! { <Loading/> }>
                <div aria-live="polite">
                    {move || Suspend::new(async move {
                        match report.await {
                            Ok(Some(r)) => view! { <VerifyResult r/> }.into_any(),
                            Ok(None) => view! { <p class="hint">{t("audit.verify_hint")}</p> }.into_any(),
                            Err(error) => view! { <ErrorPanel error/> }.into_any(),
                        }
                    })}
                </div>
            </Transition>
        </section>
        {move || view! { <Filters q=query.get()/> }}
        <Transition fallback=|| view! { <Loading/> }>
            <div class="results" aria-live="polite">
                {move || Suspend::new(async move {
                    let q = query.get_untracked();
                    match entries.await {
                        Ok(page) => view! { <EntryList page q/> }.into_any(),
                        Err(error @ AppError::InvalidInput { .. }) => view! {
                            <p class="msg bad" role="alert" data-testid="audit-filter-error">{t(error.message_key())}</p>
                        }.into_any(),
                        Err(error) => view! { <ErrorPanel error/> }.into_any(),
                    }
                })}
            </div>
        </Transition>
    }
}

fn hidden(name: &'static str, v: &Option<String>) -> impl IntoView {
    v.clone().map(|v| view! { <input type="hidden" name=name value=v/> })
}

#[component]
fn VerifyResult(r: VerifyReport) -> impl IntoView {
    match r.first_broken {
        None => view! {
            <p class="msg ok" role="status" data-testid="audit-verify-result">
                {t("audit.intact").replace("{n}", &r.entries_checked.to_string())}
            </p>
        }
        .into_any(),
        Some((seq, why)) => view! {
            <div class="msg bad" role="alert" data-testid="audit-verify-result">
                <p><strong>{t("audit.broken").replace("{seq}", &seq.to_string())}</strong></p>
                <p>{t(&format!("audit.reason_{why}"))}</p>
                <p class="hint">{t("audit.checked_before").replace("{n}", &r.entries_checked.to_string())}</p>
            </div>
        }
        .into_any(),
    }
}

#[component]
fn Filters(q: AuditQuery) -> impl IntoView {
    let v = |x: &Option<String>| x.clone().unwrap_or_default();
    view! {
        <Form method="GET" action="/supervision/audit" attr:class="filters audit-filters" attr:role="search" attr:aria-label=t("audit.filters")>
            <div class="field">
                <label for="au-actor">{t("audit.actor")}</label>
                <input id="au-actor" name="actor" type="text" maxlength="100" value=v(&q.actor) placeholder=t("audit.actor_placeholder")/>
            </div>
            <div class="field">
                <label for="au-action">{t("audit.action")}</label>
                <input id="au-action" name="action" type="text" maxlength="100" value=v(&q.action) placeholder="contracts/sign"/>
            </div>
            <div class="field">
                <label for="au-subject">{t("audit.subject")}</label>
                <input id="au-subject" name="subject" type="text" maxlength="100" value=v(&q.subject) placeholder=t("audit.subject_placeholder")/>
            </div>
            <div class="field">
                <label for="au-from">{t("audit.from")}</label>
                <input id="au-from" name="from" type="date" value=v(&q.from)/>
            </div>
            <div class="field">
                <label for="au-to">{t("audit.to")}</label>
                <input id="au-to" name="to" type="date" value=v(&q.to)/>
            </div>
            <div class="field actions">
                <button type="submit">{t("common.search")}</button>
                <a class="button secondary" href="/supervision/audit">{t("common.reset")}</a>
            </div>
        </Form>
    }
}

#[component]
fn EntryList(page: Page<AuditEntryView>, q: AuditQuery) -> impl IntoView {
    let items = page.items.clone();
    view! {
        <p class="count" data-testid="audit-count">{t("audit.found").replace("{n}", &page.total.to_string())}</p>
        {if items.is_empty() {
            view! { <Empty message=t("audit.empty")/> }.into_any()
        } else {
            view! {
                <table class="data audit-log" data-testid="audit-log">
                    <thead>
                        <tr>
                            <th scope="col">{t("audit.seq")}</th>
                            <th scope="col">{t("audit.at")}</th>
                            <th scope="col">{t("audit.actor")}</th>
                            <th scope="col">{t("audit.action")}</th>
                            <th scope="col">{t("audit.subject")}</th>
                            <th scope="col">{t("audit.change")}</th>
                            <th scope="col">{t("audit.outcome")}</th>
                        </tr>
                    </thead>
                    <tbody>
                        {items.into_iter().map(|e| view! { <EntryRow e/> }).collect_view()}
                    </tbody>
                </table>
            }.into_any()
        }}
        <Pager page href=move |n| href(&q, n, 0)/>
    }
}

#[component]
fn EntryRow(e: AuditEntryView) -> impl IntoView {
    let who = match (&e.actor_username, &e.role) {
        (Some(u), Some(r)) => format!("{u}({})", t(&format!("role.{r}"))),
        (Some(u), None) => u.clone(),
        _ => t("audit.anonymous"),
    };
    let subject = match (&e.subject_kind, &e.subject) {
        (Some(k), Some(s)) => format!("{} {s}", t(&format!("audit.kind_{k}"))),
        _ => "—".to_string(),
    };
    let change = match (&e.before, &e.after) {
        (None, None) => "—".to_string(),
        (b, a) => format!("{} → {}", b.as_deref().unwrap_or("—"), a.as_deref().unwrap_or("—")),
    };
    let ok = e.error.is_none() && e.http_status < 400;
    let outcome = match &e.error {
        None => format!("{} {}", t("audit.ok"), e.http_status),
        Some(key) => format!("{} {}:{}", t("audit.failed"), e.http_status, t(key)),
    };
    view! {
        <tr data-testid="audit-entry">
            <td data-label=t("audit.seq")><span title=e.hash.clone()>{e.seq}</span></td>
            <td data-label=t("audit.at")><time>{format_shanghai(e.at)}</time></td>
            <td data-label=t("audit.actor")>{who}</td>
            <td data-label=t("audit.action")>
                <code>{e.action.clone()}</code>
                <details class="audit-args">
                    <summary>{t("audit.args")}</summary>
                    <pre>{e.args.clone()}</pre>
                </details>
            </td>
            <td data-label=t("audit.subject")>{subject}</td>
            <td data-label=t("audit.change")>{change}</td>
            <td data-label=t("audit.outcome") class=if ok { "outcome ok" } else { "outcome bad" }>{outcome}</td>
        </tr>
    }
}
