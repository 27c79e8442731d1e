//! Operator (and regulator) pages: the review queue of registrations and changes,
//! one application under review, expiring qualifications.
mod register;
pub use register::RegisterPage;
pub mod trading_settings;
mod calendar;
pub use calendar::CalendarPage;
pub use trading_settings::TradingSettingsPage;

use crate::api::review::{expiring_qualifications, get_review, review_queue, Decide, ReviewView};
use crate::domain::accounts::Role;
use crate::domain::time::format_shanghai;
use crate::i18n::t;
use crate::model::onboarding::QueueRow;
use crate::ui::account::{FieldError, FormError, Signed};
use crate::ui::components::{Empty, ErrorPanel, Loading, Pager};
use crate::ui::firm::{DraftView, HistoryTable};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

const REVIEWERS: &[Role] = &[Role::Operator, Role::Admin, Role::Regulator];

fn page_param() -> Memo<u32> {
    let q = use_query_map();
    Memo::new(move |_| q.with(|q| q.get("page").and_then(|p| p.parse().ok())).unwrap_or(1))
}

#[component]
pub fn ReviewQueuePage() -> impl IntoView {
    let page = page_param();
    let query = use_query_map();
    let q = Memo::new(move |_| query.with(|m| m.get("q")).filter(|s| !s.trim().is_empty()));
    view! {
        <Title text=t("review.title")/>
        <h1>{t("review.title")}</h1>
        <p class="lead">{t("review.lead").replace("{days}", &crate::domain::onboarding::REVIEW_DAYS.to_string())}</p>
        <p><a href="/operator/expiring">{t("review.expiring_title")}</a></p>
        <Signed roles=REVIEWERS render=move || {
            let queue = Resource::new(move || (page.get(), q.get()), |(p, q)| review_queue(p, q));
            view! {
                <form method="get" action="/operator/reviews" class="search" role="search">
                    <label for="rq-q" class="sr-only">{t("review.search_label")}</label>
                    <input id="rq-q" type="search" name="q" maxlength="50" value=move || q.get().unwrap_or_default()
                        placeholder=t("review.search_label")/>
                    <button type="submit">{t("common.search")}</button>
                </form>
                <Transition fallback=|| view! { <Loading/> }>
                    {move || Suspend::new(async move {
                        match queue.await {
                            Ok(p) if p.items.is_empty() => view! { <Empty message=t("review.empty")/> }.into_any(),
                            Ok(p) => {
                                let rows = p.items.clone().into_iter().map(queue_row).collect_view();
                                view! {
                                    <p class="count" data-testid="queue-count">{t("review.count").replace("{n}", &p.total.to_string())}</p>
                                    <div class="table-wrap">
                                        <table class="data">
                                            <thead><tr>
                                                <th scope="col">{t("review.firm")}</th>
                                                <th scope="col">{t("firm.kind")}</th>
                                                <th scope="col">{t("onboarding.region")}</th>
                                                <th scope="col">{t("review.submitted_at")}</th>
                                                <th scope="col">{t("review.due_at")}</th>
                                            </tr></thead>
                                            <tbody>{rows}</tbody>
                                        </table>
                                    </div>
                                    <Pager page=p href=move |n| match q.get_untracked() {
                                        Some(q) => format!("/operator/reviews?q={}&page={n}", crate::model::catalogue::encode_component(&q)),
                                        None => format!("/operator/reviews?page={n}"),
                                    }/>
                                }.into_any()
                            }
                            Err(error) => view! { <ErrorPanel error/> }.into_any(),
                        }
                    })}
                </Transition>
            }
        }/>
    }
}

fn queue_row(r: QueueRow) -> impl IntoView {
    let overdue = r.overdue;
    view! {
        <tr class:overdue=overdue>
            <td data-label=t("review.firm")>
                <a href=format!("/operator/reviews/{}", r.application_id)>{r.firm_name}</a>
                <br/><span class="muted">{r.credit_code}</span>
            </td>
            <td data-label=t("firm.kind")>{t(&format!("firm.kind_{}", r.kind.as_str()))}</td>
            <td data-label=t("onboarding.region")>{r.region_name}</td>
            <td data-label=t("review.submitted_at")>{format_shanghai(r.submitted_at)}</td>
            <td data-label=t("review.due_at")>
                {format_shanghai(r.due_at)}
                {overdue.then(|| view! { " " <span class="tag bad">{t("review.overdue")}</span> })}
            </td>
        </tr>
    }
}

#[component]
pub fn ReviewPage() -> impl IntoView {
    let params = use_params_map();
    let id = Memo::new(move |_| params.with(|p| p.get("id").and_then(|s| s.parse::<i64>().ok())).unwrap_or(0));
    view! {
        <Title text=t("review.one_title")/>
        <p><a href="/operator/reviews">{t("review.back")}</a></p>
        <Signed roles=REVIEWERS render=move || {
            let decide = ServerAction::<Decide>::new();
            let review = Resource::new(move || (id.get(), decide.version().get()), |(id, _)| get_review(id));
            view! {
                <Suspense fallback=|| view! { <Loading/> }>
                    {move || Suspend::new(async move {
                        match review.await {
                            Ok(r) => view! { <ReviewBody r decide/> }.into_any(),
                            Err(error) => view! { <ErrorPanel error/> }.into_any(),
                        }
                    })}
                </Suspense>
            }
        }/>
    }
}

#[component]
fn ReviewBody(r: ReviewView, decide: ServerAction<Decide>) -> impl IntoView {
    let a = r.application;
    let value = decide.value();
    let id = a.id.to_string();
    let status = t(&format!("review.status_{}", a.status.as_str()));
    let due = a.due_at.map(format_shanghai).unwrap_or_default();
    let identity = a.identity_verified.then(|| view! { <span class="tag ok">{t("review.identity_verified")}</span> });
    let decision = r.can_decide.then(|| {
        let id2 = id.clone();
        view! {
            <section class="panel">
                <h2>{t("review.decision")}</h2>
                <ActionForm action=decide attr:class="form inline-form">
                    <input type="hidden" name="id" value=id.clone()/>
                    <input type="hidden" name="decision" value="approve"/>
                    <button type="submit" class="button primary">{t("review.approve")}</button>
                </ActionForm>
                <ActionForm action=decide attr:class="form" attr:novalidate=true>
                    <input type="hidden" name="id" value=id2/>
                    <input type="hidden" name="decision" value="return"/>
                    <div class="field">
                        <label for="r-reason">{t("review.reason")}</label>
                        <textarea id="r-reason" name="reason" rows="3" maxlength="500" aria-describedby="reason-error"></textarea>
                        <FieldError field="reason" value/>
                    </div>
                    <FormError value fields=&["reason"]/>
                    <button type="submit" class="button secondary">{t("review.return")}</button>
                </ActionForm>
            </section>
        }
    });
    let live = r.live.map(|live| view! {
        <details class="panel">
            <summary>{t("review.live_profile")}</summary>
            <DraftView draft=live findings=vec![]/>
        </details>
    });
    view! {
        <h1>{a.draft.name.clone()}</h1>
        <p class="lead">
            {t(&format!("firm.kind_{}", a.kind.as_str()))}" · "<span class="tag" data-testid="application-status">{status}</span>
            " · "{t("review.due_at")}" "{due}" "{identity}
        </p>
        {a.decision_reason.clone().map(|reason| view! { <p class="panel notice">{t("firm.reason")}": "{reason}</p> })}
        {(!a.gaps.is_empty()).then(|| view! {
            <div class="panel warn" role="alert">
                <h2>{t("wizard.gaps_title")}</h2>
                <ul>{a.gaps.iter().map(|g| view! { <li>{t(g.message_key())}</li> }).collect_view()}</ul>
            </div>
        })}
        {decision}
        <DraftView draft=a.draft.clone() findings=a.findings.clone()/>
        {live}
        <section>
            <h2>{t("firm.history")}</h2>
            <HistoryTable entries=r.history/>
        </section>
    }
}

#[component]
pub fn ExpiringPage() -> impl IntoView {
    let page = page_param();
    view! {
        <Title text=t("review.expiring_title")/>
        <h1>{t("review.expiring_title")}</h1>
        <p class="lead">{t("review.expiring_lead")}</p>
        <Signed roles=REVIEWERS render=move || {
            let list = Resource::new(move || page.get(), expiring_qualifications);
            view! {
                <Transition fallback=|| view! { <Loading/> }>
                    {move || Suspend::new(async move {
                        match list.await {
                            Ok(p) if p.items.is_empty() => view! { <Empty message=t("review.expiring_empty")/> }.into_any(),
                            Ok(p) => {
                                let rows = p.items.clone().into_iter().map(|q| {
                                    let note = if q.days_left < 0 { t("firm.expired") } else { t("firms.expiring").replace("{n}", &q.days_left.to_string()) };
                                    view! {
                                        <tr>
                                            <td data-label=t("review.firm")><a href=format!("/firms/{}", q.credit_code)>{q.firm_name}</a></td>
                                            <td data-label=t("onboarding.qualification_type")>{q.type_name}" "{q.certificate_no}</td>
                                            <td data-label=t("onboarding.valid_to")>{q.valid_to}" "<span class="tag warn">{note}</span></td>
                                        </tr>
                                    }
                                }).collect_view();
                                view! {
                                    <p class="count">{t("review.expiring_count").replace("{n}", &p.total.to_string())}</p>
                                    <div class="table-wrap">
                                        <table class="data">
                                            <thead><tr>
                                                <th scope="col">{t("review.firm")}</th>
                                                <th scope="col">{t("onboarding.qualification_type")}</th>
                                                <th scope="col">{t("onboarding.valid_to")}</th>
                                            </tr></thead>
                                            <tbody>{rows}</tbody>
                                        </table>
                                    </div>
                                    <Pager page=p href=|n| format!("/operator/expiring?page={n}")/>
                                }.into_any()
                            }
                            Err(error) => view! { <ErrorPanel error/> }.into_any(),
                        }
                    })}
                </Transition>
            }
        }/>
    }
}
