//! The project owner's panel on its own announcement page: the actions the
//! current state allows (cancel, decide abnormally-low quotes, merit scoring,
//! answer objections). Every action is an `ActionForm`, so it also works before
//! hydration and without JavaScript (the server sends the browser back here).
use crate::api::trading::{ActOnObjection, CancelAnnouncement, DecideQuote, FinishMerit, SaveMeritScores};
use crate::domain::merit::MeritCriteria;
use crate::domain::money::Fen;
use crate::domain::time::format_shanghai;
use crate::i18n::t;
use crate::model::trading::{ObjectionView, OpenedQuoteView};
use crate::ui::account::{FieldError, FormError};
use leptos::prelude::*;

/// `true` once the page has hydrated (always `false` on the server and without
/// JavaScript), for parts that only make sense with JavaScript.
pub(crate) fn hydrated_flag() -> RwSignal<bool> {
    let flag = RwSignal::new(false);
    Effect::new(move |_| flag.set(true));
    flag
}

/// Runs `then` each time `action` succeeds.
fn on_success<S>(action: ServerAction<S>, then: impl Fn() + 'static)
where
    S: leptos::server_fn::ServerFn + Clone + Send + Sync + 'static,
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

#[component]
pub fn OwnerPanel(a: crate::model::trading::Announcement, on_change: Callback<()>) -> impl IntoView {
    let cancellable = matches!(a.status.as_str(), "draft" | "published" | "closed");
    let closed = a.status == "closed";
    let undecided: Vec<OpenedQuoteView> = if closed {
        a.quotes.iter().filter(|q| q.abnormal != 0 && q.justification_decision.is_none()).cloned().collect()
    } else {
        vec![]
    };
    let scoring = closed && a.method == "merit" && a.candidates.is_empty();
    let claims: Vec<ObjectionView> = a.objections.iter().filter(|o| o.status == "claim").cloned().collect();
    let idle = !cancellable && undecided.is_empty() && !scoring && claims.is_empty();
    let code = a.code.clone();
    let draft = (a.status == "draft").then(|| {
        view! {
            <p>
                <a class="button secondary" href=format!("/owner/announcements/{}/edit", a.code)>{t("desk.edit_draft")}</a>
            </p>
        }
    });
    let published = (a.status == "published").then(|| view! { <p class="hint">{t("desk.panel_published_hint")}</p> });
    let abnormal = (!undecided.is_empty()).then(|| {
        let share = a.params.abnormal_share_pct.unwrap_or(crate::domain::quote::ABNORMAL_SHARE_PCT);
        view! { <AbnormalQuotes code=code.clone() quotes=undecided share on_change/> }
    });
    let merit = scoring.then(|| match a.params.merit.clone() {
        Some(criteria) if !a.quotes.is_empty() => {
            let participants = a.quotes.iter().map(|q| (q.firm_name.clone(), q.credit_code.clone())).collect();
            view! { <MeritScoring code=code.clone() criteria participants on_change/> }.into_any()
        }
        _ => view! { <p class="hint">{t("desk.merit_no_participants")}</p> }.into_any(),
    });
    let objections = (!claims.is_empty()).then(|| view! { <Claims claims now_ms=a.now_ms on_change/> });
    let cancel = cancellable.then(|| {
        view! {
            <details class="cancel-box">
                <summary>{t("desk.cancel")}</summary>
                <CancelForm code=code.clone() on_done=on_change/>
            </details>
        }
    });
    view! {
        <section class="panel owner-panel" aria-labelledby="owner-panel-h" data-testid="owner-panel">
            <h2 id="owner-panel-h">{t("desk.panel_title")}</h2>
            {draft}
            {published}
            {abnormal}
            {merit}
            {objections}
            {idle.then(|| view! { <p class="hint">{t("desk.panel_idle")}</p> })}
            {cancel}
            <p class="panel-links"><a href="/owner">{t("desk.back_to_desk")}</a></p>
        </section>
    }
}

/// Cancels an announcement (draft, published or closed) with a public reason.
#[component]
pub fn CancelForm(code: String, on_done: Callback<()>) -> impl IntoView {
    let cancel = ServerAction::<CancelAnnouncement>::new();
    let value = cancel.value();
    let pending = cancel.pending();
    on_success(cancel, move || on_done.run(()));
    let id = format!("cancel-reason-{code}");
    view! {
        <ActionForm action=cancel attr:class="form cancel-form" attr:novalidate=true>
            <input type="hidden" name="code" value=code.clone()/>
            <div class="field">
                <label for=id.clone()>{t("desk.cancel_reason")}</label>
                <textarea id=id name="reason" rows="2" required minlength="5" maxlength="500" aria-describedby="reason-error"></textarea>
                <p class="hint">{t("desk.cancel_hint")}</p>
                <FieldError field="reason" value/>
            </div>
            <FormError value fields=&["reason"]/>
            <button type="submit" class="button danger" disabled=pending>{t("desk.cancel_confirm")}</button>
        </ActionForm>
    }
}

/// Abnormally-low quotes awaiting the owner's decision, each with the firm's
/// written justification.
#[component]
fn AbnormalQuotes(code: String, quotes: Vec<OpenedQuoteView>, share: u32, on_change: Callback<()>) -> impl IntoView {
    let items = quotes
        .into_iter()
        .map(|q| {
            let justification = match q.justification.clone() {
                Some(text) => view! {
                    <div class="justification">
                        <span class="muted">{t("desk.justification")}</span>
                        <p>{text}</p>
                    </div>
                }
                .into_any(),
                None => view! { <p class="muted">{t("desk.justification_missing")}</p> }.into_any(),
            };
            view! {
                <li class="entry abnormal-quote" data-firm=q.credit_code.clone()>
                    <div>
                        <strong>{q.firm_name.clone()}</strong>
                        <br/><span class="muted">{q.credit_code.clone()}</span>
                        <p>
                            {t("desk.quote_amount")}": "<strong>{Fen(q.amount_fen).to_string()}</strong>
                            " · "{t("desk.quote_time")}": "{format_shanghai(q.submitted_at)}
                        </p>
                        {justification}
                    </div>
                    <DecideForm code=code.clone() firm=q.credit_code.clone() on_change/>
                </li>
            }
        })
        .collect_view();
    view! {
        <h3>{t("desk.abnormal_title")}</h3>
        <p class="hint">{t("desk.abnormal_hint").replace("{pct}", &share.to_string())}</p>
        <ul class="entries">{items}</ul>
    }
}

#[component]
fn DecideForm(code: String, firm: String, on_change: Callback<()>) -> impl IntoView {
    let decide = ServerAction::<DecideQuote>::new();
    let value = decide.value();
    let pending = decide.pending();
    on_success(decide, move || on_change.run(()));
    view! {
        <ActionForm action=decide attr:class="decide-form">
            <input type="hidden" name="code" value=code/>
            <input type="hidden" name="firm" value=firm/>
            <div class="form-actions">
                <button type="submit" name="decision" value="accept" class="button" disabled=pending>{t("desk.accept_quote")}</button>
                <button type="submit" name="decision" value="reject" class="button danger" disabled=pending>{t("desk.reject_quote")}</button>
            </div>
            <FormError value fields=&[]/>
        </ActionForm>
    }
}

/// One panel member's scores as a grid (with JavaScript) that fills the
/// `scores` text the server reads; without JavaScript the text itself, one line
/// per participant. Then the owner ends the scoring.
#[component]
fn MeritScoring(code: String, criteria: MeritCriteria, participants: Vec<(String, String)>, on_change: Callback<()>) -> impl IntoView {
    let save = ServerAction::<SaveMeritScores>::new();
    let finish = ServerAction::<FinishMerit>::new();
    let (save_value, finish_value) = (save.value(), finish.value());
    let (save_pending, finish_pending) = (save.pending(), finish.pending());
    let js = hydrated_flag();
    let n = criteria.quality.len();
    let panelist = RwSignal::new(String::new());
    let cells: Vec<Vec<RwSignal<String>>> = participants.iter().map(|_| (0..n).map(|_| RwSignal::new(String::new())).collect()).collect();
    let codes: Vec<String> = participants.iter().map(|p| p.1.clone()).collect();
    let text = {
        let (cells, codes) = (cells.clone(), codes.clone());
        move || {
            codes
                .iter()
                .zip(&cells)
                .map(|(c, row)| format!("{c}:{}", row.iter().map(|s| s.get()).collect::<Vec<_>>().join(",")))
                .collect::<Vec<_>>()
                .join("\n")
        }
    };
    let initial = text();
    // the panel members saved while this page is open
    let saved = RwSignal::new(Vec::<String>::new());
    {
        let cells = cells.clone();
        on_success(save, move || {
            let name = panelist.get_untracked();
            saved.update(|s| {
                if !s.contains(&name) {
                    s.push(name.clone())
                }
            });
            panelist.set(String::new());
            cells.iter().flatten().for_each(|c| c.set(String::new()));
        });
    }
    on_success(finish, move || on_change.run(()));
    let head = criteria
        .quality
        .iter()
        .map(|c| view! { <th scope="col">{format!("{}({})", c.name, t("desk.max_points").replace("{n}", &c.max_points.to_string()))}</th> })
        .collect_view();
    let rows = participants
        .iter()
        .zip(&cells)
        .map(|((name, credit), row)| {
            let inputs = criteria
                .quality
                .iter()
                .zip(row)
                .map(|(c, cell)| {
                    let cell = *cell;
                    let label = format!("{name} {}", c.name);
                    view! {
                        <td data-label=c.name.clone()>
                            <input type="number" inputmode="numeric" min="0" max=c.max_points.to_string() step="1" class="score"
                                aria-label=label prop:value=move || cell.get() on:input=move |ev| cell.set(event_target_value(&ev))/>
                        </td>
                    }
                })
                .collect_view();
            view! {
                <tr>
                    <th scope="row">{name.clone()}<br/><span class="muted">{credit.clone()}</span></th>
                    {inputs}
                </tr>
            }
        })
        .collect_view();
    let order = criteria.quality.iter().map(|c| format!("{}(0–{})", c.name, c.max_points)).collect::<Vec<_>>().join(", ");
    let saved_list = move || saved.with(|s| s.join("、"));
    let finish_code = code.clone();
    view! {
        <h3>{t("desk.merit_title")}</h3>
        <p class="hint">{t("desk.merit_hint").replace("{price}", &criteria.price_weight.to_string())}</p>
        <ActionForm action=save attr:class="form merit-form" attr:novalidate=true>
            <input type="hidden" name="code" value=code/>
            <div class="field">
                <label for="merit-panelist">{t("desk.panelist")}</label>
                <input id="merit-panelist" name="panelist" required maxlength="20" aria-describedby="panelist-error"
                    prop:value=move || panelist.get() on:input=move |ev| panelist.set(event_target_value(&ev))/>
                <FieldError field="panelist" value=save_value/>
            </div>
            <div class="table-wrap score-grid" hidden=move || !js.get()>
                <table class="data">
                    <thead><tr><th scope="col">{t("desk.participant")}</th>{head}</tr></thead>
                    <tbody>{rows}</tbody>
                </table>
            </div>
            <div class="field" hidden=move || js.get()>
                <label for="merit-scores">{t("desk.scores_text")}</label>
                <textarea id="merit-scores" name="scores" rows=(participants.len() + 1).to_string() spellcheck="false"
                    aria-describedby="merit-scores-hint scores-error" prop:value=text>{initial}</textarea>
                <p class="hint" id="merit-scores-hint">{t("desk.scores_text_hint").replace("{order}", &order)}</p>
            </div>
            <FieldError field="scores" value=save_value/>
            <FormError value=save_value fields=&["panelist", "scores"]/>
            <Show when=move || saved.with(|s| !s.is_empty())>
                <p class="form-ok" role="status" data-testid="merit-saved">{move || t("desk.scores_saved").replace("{names}", &saved_list())}</p>
            </Show>
            <button type="submit" class="button" disabled=save_pending>{t("desk.save_scores")}</button>
        </ActionForm>
        <ActionForm action=finish attr:class="form finish-form">
            <input type="hidden" name="code" value=finish_code/>
            <p class="hint">{t("desk.finish_hint")}</p>
            <FormError value=finish_value fields=&[]/>
            <button type="submit" class="button primary" disabled=finish_pending>{t("desk.finish_merit")}</button>
        </ActionForm>
    }
}

/// Objections in claim state: the owner answers before the due time.
#[component]
fn Claims(claims: Vec<ObjectionView>, now_ms: i64, on_change: Callback<()>) -> impl IntoView {
    let items = claims
        .into_iter()
        .map(|o| {
            let due = o.answer_due_at.map(|d| {
                let overdue = now_ms > d;
                view! {
                    <p class=if overdue { "due overdue" } else { "due" }>
                        {t("desk.answer_due").replace("{time}", &format_shanghai(d))}
                        {overdue.then(|| view! { " "<span class="tag bad">{t("desk.overdue")}</span> })}
                    </p>
                }
            });
            view! {
                <li class="entry objection-claim">
                    <div class="claim-body">
                        <strong>{o.firm_name.clone()}</strong>
                        {o.filed_at.map(|f| view! { " "<span class="muted">{t("desk.filed_at")}" "{format_shanghai(f)}</span> })}
                        <p class="reason">{o.reason.clone()}</p>
                        {due}
                        <AnswerForm id=o.id on_change/>
                    </div>
                </li>
            }
        })
        .collect_view();
    view! {
        <h3>{t("desk.claims_title")}</h3>
        <p class="hint">{t("desk.claims_hint")}</p>
        <ul class="entries">{items}</ul>
    }
}

#[component]
fn AnswerForm(id: i64, on_change: Callback<()>) -> impl IntoView {
    let act = ServerAction::<ActOnObjection>::new();
    let value = act.value();
    let pending = act.pending();
    on_success(act, move || on_change.run(()));
    let field_id = format!("answer-{id}");
    view! {
        <ActionForm action=act attr:class="form answer-form" attr:novalidate=true>
            <input type="hidden" name="id" value=id.to_string()/>
            <input type="hidden" name="action" value="answer"/>
            <div class="field">
                <label for=field_id.clone()>{t("desk.answer")}</label>
                <textarea id=field_id name="text" rows="3" required maxlength="2000" aria-describedby="text-error"></textarea>
                <FieldError field="text" value/>
            </div>
            <FormError value fields=&["text"]/>
            <button type="submit" class="button primary" disabled=pending>{t("desk.send_answer")}</button>
        </ActionForm>
    }
}
