//! The firm's own pages: the workbench and the step-by-step registration (入驻)
//! or profile change.
mod steps;
mod wizard;

pub use steps::{finding_text, DraftView};
pub use wizard::FirmProfileWizard;

use crate::api::onboarding::{get_workbench, StartChange};
use crate::domain::accounts::Role;
use crate::domain::time::format_shanghai;
use crate::i18n::t;
use crate::model::onboarding::{ApplicationStatus, ExpiringQualification, FirmWorkbench, HistoryEntry};
use crate::ui::account::Signed;
use crate::ui::components::{Empty, ErrorPanel, Loading};
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn FirmHomePage() -> impl IntoView {
    view! {
        <Title text=t("firm.title")/>
        <Signed roles=&[Role::Firm] render=|| view! { <Workbench/> }/>
    }
}

#[component]
fn Workbench() -> impl IntoView {
    let start = ServerAction::<StartChange>::new();
    let bench = Resource::new(move || start.version().get(), |_| get_workbench());
    view! {
        <Suspense fallback=|| view! { <Loading/> }>
            {move || Suspend::new(async move {
                match bench.await {
                    Ok(w) => view! { <WorkbenchView w start/> }.into_any(),
                    Err(error) => view! { <ErrorPanel error/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn WorkbenchView(w: FirmWorkbench, start: ServerAction<StartChange>) -> impl IntoView {
    let status_text = t(&format!("firm.status_{}", w.status));
    let open = w.open.clone();
    let action = match (&w.status[..], &open) {
        (_, Some(a)) if a.status == ApplicationStatus::Submitted => view! {
            <p>{t("firm.waiting_review").replace("{due}", &a.due_at.map(format_shanghai).unwrap_or_default())}</p>
            <p><a href="/firm/profile?step=6">{t("firm.view_application")}</a></p>
        }.into_any(),
        (_, Some(a)) => {
            let returned = (a.status == ApplicationStatus::Returned).then(|| view! {
                <div class="panel error" role="alert">
                    <h3>{t("firm.returned_title")}</h3>
                    <p class="reason">{a.decision_reason.clone().unwrap_or_default()}</p>
                </div>
            });
            view! {
                {returned}
                <p><a class="button primary" href="/firm/profile?step=1">{t("firm.continue_registration")}</a></p>
            }.into_any()
        }
        ("active", None) => view! {
            <p>
                <a class="button secondary" href=format!("/firms/{}", w.credit_code)>{t("firm.public_profile")}</a>
            </p>
            <ActionForm action=start>
                <p class="hint">{t("firm.change_hint")}</p>
                <button type="submit" class="button primary">{t("firm.start_change")}</button>
            </ActionForm>
        }.into_any(),
        _ => view! { <p><a class="button primary" href="/firm/profile?step=1">{t("firm.continue_registration")}</a></p> }.into_any(),
    };
    view! {
        <h1>{w.name.clone()}</h1>
        <p class="lead">{t("account.credit_code")}": "{w.credit_code.clone()}" · "<span class="tag" data-testid="firm-status">{status_text}</span></p>
        <section class="panel">{action}</section>
        <ExpiringList items=w.expiring.clone()/>
        <section>
            <h2>{t("firm.history")}</h2>
            <HistoryTable entries=w.history.clone()/>
        </section>
    }
}

/// Warnings about live qualifications that expired or expire soon.
#[component]
pub fn ExpiringList(items: Vec<ExpiringQualification>) -> impl IntoView {
    (!items.is_empty()).then(|| {
        let rows = items
            .into_iter()
            .map(|q| {
                let note = if q.days_left < 0 {
                    view! { <span class="tag bad">{t("firm.expired")}</span> }.into_any()
                } else {
                    view! { <span class="tag warn">{t("firms.expiring").replace("{n}", &q.days_left.to_string())}</span> }.into_any()
                };
                view! { <li>{q.type_name}" "{q.certificate_no}" · "{t("firm.valid_to")}" "{q.valid_to}" "{note}</li> }
            })
            .collect_view();
        view! {
            <section class="panel warn" role="alert" data-testid="expiry-warnings">
                <h2>{t("firm.expiry_title")}</h2>
                <p>{t("firm.expiry_hint")}</p>
                <ul>{rows}</ul>
            </section>
        }
    })
}

/// Every step of every registration and change, newest first.
#[component]
pub fn HistoryTable(entries: Vec<HistoryEntry>) -> impl IntoView {
    if entries.is_empty() {
        return view! { <Empty message=t("firm.no_history")/> }.into_any();
    }
    let rows = entries
        .into_iter()
        .map(|e| {
            view! {
                <tr>
                    <td data-label=t("firm.when")>{format_shanghai(e.at)}</td>
                    <td data-label=t("firm.kind")>{t(&format!("firm.kind_{}", e.kind.as_str()))}</td>
                    <td data-label=t("firm.action")>{t(&format!("firm.action_{}", e.action))}</td>
                    <td data-label=t("firm.actor")>{e.actor.unwrap_or_default()}</td>
                    <td data-label=t("firm.reason")>{e.reason.unwrap_or_default()}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <div class="table-wrap">
            <table class="data">
                <thead><tr>
                    <th scope="col">{t("firm.when")}</th>
                    <th scope="col">{t("firm.kind")}</th>
                    <th scope="col">{t("firm.action")}</th>
                    <th scope="col">{t("firm.actor")}</th>
                    <th scope="col">{t("firm.reason")}</th>
                </tr></thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
    }
    .into_any()
}
