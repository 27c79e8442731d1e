//! Evaluation (综合评价) and star levels (星级): the rating panel of a completed
//! contract (the owner rates, the firm replies once), the public evaluation
//! section of a firm profile (star level, the published formula, the firm's own
//! calculation, ratings, regulator actions; the firm appeals there), and the
//! regulator's desk of downgrade proposals and appeals. Every form is an
//! `ActionForm`, so it works before hydration.
use crate::api::ratings::{
    get_firm_ratings, get_rating_panel, get_sanctions_desk, ActOnProposal, AppealSanction, DecideAppeal, RateContract, ReplyToRating, SanctionFirm,
};
use crate::domain::accounts::Role;
use crate::domain::contract::{ContractStatus, Party};
use crate::domain::star::milli;
use crate::domain::time::date_shanghai;
use crate::i18n::t;
use crate::model::ratings::{FirmRatingsData, ProposalView, RatingPanelData, RatingView, SanctionView};
use crate::ui::account::{FieldError, FormError, Signed};
use crate::ui::components::{stars, successes, Empty, ErrorPanel, Loading, Pager};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

const DIMENSIONS: [&str; 4] = ["timeliness", "quality", "attitude", "fee_compliance"];

fn score_select(name: String, id: String) -> impl IntoView {
    view! {
        <select name=name id=id required=true>
            <option value="">"—"</option>
            {(1..=5).rev().map(|n| view! { <option value=n.to_string()>{stars(Some(n))}" "{n}</option> }).collect_view()}
        </select>
    }
}

/// The rating panel of a contract (shown once it is completed).
#[component]
pub fn RatingPanel(code: String, viewer: Option<Party>, status: ContractStatus) -> impl IntoView {
    if status != ContractStatus::Completed {
        return ().into_any();
    }
    let _ = viewer;
    let rate = ServerAction::<RateContract>::new();
    let reply = ServerAction::<ReplyToRating>::new();
    let (rated, replied) = (successes(rate), successes(reply));
    let data = Resource::new(
        // not on the contract page's refresh: the panel changes only by its own
        // actions (a refetch would empty a form showing an error)
        move || (code.clone(), rated.get(), replied.get()),
        |(code, _, _)| get_rating_panel(code),
    );
    view! {
        <section class="panel ratings-panel" aria-labelledby="ratings-h" data-testid="ratings-panel">
            <h2 id="ratings-h">{t("ratings.title")}</h2>
            <Transition fallback=|| view! { <Loading/> }>
                {move || Suspend::new(async move {
                    match data.await {
                        Ok(d) => view! { <PanelBody d rate reply/> }.into_any(),
                        Err(e) => view! { <p class="form-error" role="alert">{t(e.message_key())}</p> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
    .into_any()
}

#[component]
fn PanelBody(d: RatingPanelData, rate: ServerAction<RateContract>, reply: ServerAction<ReplyToRating>) -> impl IntoView {
    let firm_href = format!("/firms/{}", d.firm_credit_code);
    let body = match (d.rating.clone(), d.may_rate) {
        (Some(r), _) => view! { <RatingCard r/> }.into_any(),
        (None, true) => view! { <RateForm d=d.clone() rate/> }.into_any(),
        (None, false) => view! { <p class="hint">{t("ratings.awaiting")}</p> }.into_any(),
    };
    let reply_form = d.may_reply.then(|| {
        let value = reply.value();
        view! {
            <ActionForm action=reply attr:class="form" attr:novalidate=true>
                <input type="hidden" name="code" value=d.code.clone()/>
                <label for="rating-reply">{t("ratings.reply_label")}</label>
                <textarea id="rating-reply" name="reply" rows="3" maxlength="500"></textarea>
                <FieldError field="reply" value/>
                <p class="hint">{t("ratings.reply_hint")}</p>
                <button type="submit" class="button primary" disabled=reply.pending()>{t("ratings.reply_submit")}</button>
            </ActionForm>
        }
    });
    view! {
        {body}
        {reply_form}
        <p><a href=firm_href>{t("ratings.star_title")}</a></p>
    }
}

#[component]
fn RateForm(d: RatingPanelData, rate: ServerAction<RateContract>) -> impl IntoView {
    let value = rate.value();
    let staff = d.staff.clone();
    view! {
        <ActionForm action=rate attr:class="form rating-form" attr:novalidate=true>
            <input type="hidden" name="input[code]" value=d.code.clone()/>
            <div class="rating-dims">
                {DIMENSIONS.iter().map(|dim| {
                    let id = format!("rate-{dim}");
                    view! {
                        <div class="field">
                            <label for=id.clone()>{t(&format!("ratings.{dim}"))}</label>
                            {score_select(format!("input[{dim}]"), id)}
                            <FieldError field=*dim value/>
                        </div>
                    }
                }).collect_view()}
            </div>
            <label for="rate-comment">{t("ratings.comment")}</label>
            <textarea id="rate-comment" name="input[comment]" rows="3" maxlength="500"></textarea>
            <FieldError field="comment" value/>
            {(!staff.is_empty()).then(|| view! {
                <fieldset class="rating-staff">
                    <legend>{t("ratings.staff_title")}</legend>
                    {staff.into_iter().enumerate().map(|(i, s)| {
                        let id = format!("rate-staff-{}", s.id);
                        view! {
                            <div class="field">
                                <input type="hidden" name=format!("input[staff][{i}][staff_id]") value=s.id.to_string()/>
                                <label for=id.clone()>{format!("{}({}，{})", s.name, t(&format!("ratings.role_{}", s.role)), s.title)}</label>
                                {score_select(format!("input[staff][{i}][score]"), id)}
                                <input type="text" name=format!("input[staff][{i}][comment]") maxlength="200" placeholder=t("ratings.staff_comment") aria-label=t("ratings.staff_comment")/>
                            </div>
                        }
                    }).collect_view()}
                </fieldset>
            })}
            <FormError value fields=&["timeliness", "quality", "attitude", "fee_compliance", "comment"]/>
            <button type="submit" class="button primary" disabled=rate.pending()>{t("ratings.submit")}</button>
        </ActionForm>
    }
}

/// One rating: four scores, staff scores, comment, reply.
#[component]
fn RatingCard(r: RatingView) -> impl IntoView {
    let scores = [r.timeliness, r.quality, r.attitude, r.fee_compliance];
    view! {
        <article class="rating-card">
            <p class="rating-head">
                <strong>{r.project_title.clone()}</strong>" "
                <time>{date_shanghai(r.rated_at)}</time>
            </p>
            <dl class="facts rating-scores">
                {DIMENSIONS.iter().zip(scores).map(|(dim, s)| view! {
                    <div><dt>{t(&format!("ratings.{dim}"))}</dt><dd><span class="stars" aria-label=s.to_string()>{stars(Some(s))}</span></dd></div>
                }).collect_view()}
            </dl>
            {r.comment.clone().map(|c| view! { <p class="rating-comment">{c}</p> })}
            {(!r.staff.is_empty()).then(|| view! {
                <ul class="rating-staff-list">
                    {r.staff.iter().map(|s| view! {
                        <li>{format!("{}({}):", s.name, t(&format!("ratings.role_{}", s.role)))}{stars(Some(s.score))}
                            {s.comment.clone().map(|c| view! { " " <span>{c}</span> })}</li>
                    }).collect_view()}
                </ul>
            })}
            {r.reply.clone().map(|reply| view! {
                <blockquote class="rating-reply">
                    <strong>{t("ratings.reply_label")}</strong>" "
                    {r.replied_at.map(date_shanghai)}
                    <p>{reply}</p>
                </blockquote>
            })}
        </article>
    }
}

fn kind_words(kind: &str) -> String {
    t(&format!("ratings.kind_{kind}"))
}

/// The public evaluation section of a firm profile.
#[component]
pub fn FirmRatings(credit_code: String) -> impl IntoView {
    let query = use_query_map();
    let page = Memo::new(move |_| query.with(|m| m.get("rpage").and_then(|p| p.parse::<u32>().ok()).unwrap_or(1)));
    let appeal = ServerAction::<AppealSanction>::new();
    let data = Resource::new(move || (credit_code.clone(), page.get(), appeal.version().get()), |(c, p, _)| get_firm_ratings(c, p));
    view! {
        <section class="panel firm-ratings" aria-labelledby="firm-ratings-h" data-testid="firm-ratings">
            <h2 id="firm-ratings-h">{t("ratings.star_title")}</h2>
            <Transition fallback=|| view! { <Loading/> }>
                {move || Suspend::new(async move {
                    match data.await {
                        Ok(d) => view! { <FirmRatingsBody d appeal/> }.into_any(),
                        Err(e) => view! { <p class="form-error" role="alert">{t(e.message_key())}</p> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

#[component]
fn FirmRatingsBody(d: FirmRatingsData, appeal: ServerAction<AppealSanction>) -> impl IntoView {
    let c = d.calc.clone();
    let summary = c.average_milli.map(|a| {
        t("ratings.calc_summary")
            .replace("{sum}", &c.weighted_sum.to_string())
            .replace("{w}", &c.weight_total.to_string())
            .replace("{a}", &milli(a))
            .replace("{computed}", &c.computed.to_string())
    });
    let code = d.credit_code.clone();
    let own = d.own_firm;
    view! {
        <p class="star-level">
            <span class="stars big" aria-label=t("ratings.stars").replace("{n}", &c.level.to_string())>{stars(Some(c.level))}</span>
            " " {t("ratings.stars").replace("{n}", &c.level.to_string())}
            {c.new_badge.then(|| view! { " " <span class="tag new-badge">{t("ratings.new_badge")}</span> })}
        </p>
        <details class="star-formula">
            <summary>{t("ratings.formula_title")}</summary>
            <ol>{d.formula.iter().map(|l| view! { <li>{l.clone()}</li> }).collect_view()}</ol>
        </details>
        <h3>{t("ratings.own_calc")}</h3>
        {if c.lines.is_empty() {
            view! { <p>{t("ratings.calc_none")}</p> }.into_any()
        } else {
            view! {
                <table class="data star-calc">
                    <thead><tr>
                        <th scope="col">{t("ratings.col_date")}</th><th scope="col">{t("ratings.col_age")}</th>
                        <th scope="col">{t("ratings.col_sum")}</th><th scope="col">{t("ratings.col_weight")}</th>
                    </tr></thead>
                    <tbody>
                        {c.lines.iter().map(|l| view! {
                            <tr>
                                <td data-label=t("ratings.col_date")>{date_shanghai(l.rated_at)}</td>
                                <td data-label=t("ratings.col_age")>{l.age_days}</td>
                                <td data-label=t("ratings.col_sum")>{l.sum}</td>
                                <td data-label=t("ratings.col_weight")>{l.weight}</td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
            }.into_any()
        }}
        {summary.map(|s| view! { <p>{s}</p> })}
        {c.new_badge.then(|| view! { <p class="hint">{t("ratings.new_badge")}":"{d.formula.get(3).cloned().unwrap_or_default()}</p> })}
        {c.cap.map(|cap| view! { <p class="tag warn">{t("ratings.calc_cap").replace("{cap}", &cap.to_string())}</p> })}
        <h3>{t("ratings.sanctions_title")}</h3>
        {if d.sanctions.is_empty() {
            view! { <Empty message=t("ratings.sanctions_none")/> }.into_any()
        } else {
            view! {
                <ul class="sanctions">
                    {d.sanctions.iter().cloned().map(|s| view! { <SanctionItem s own appeal/> }).collect_view()}
                </ul>
            }.into_any()
        }}
        <h3>{t("ratings.public_list")}</h3>
        {if d.ratings.items.is_empty() {
            view! { <Empty message=t("ratings.none")/> }.into_any()
        } else {
            let page = d.ratings.clone();
            view! {
                <div class="rating-list">{d.ratings.items.iter().cloned().map(|r| view! { <RatingCard r/> }).collect_view()}</div>
                <Pager page href=move |n| format!("/firms/{code}?rpage={n}")/>
            }.into_any()
        }}
    }
}

fn sanction_line(s: &SanctionView) -> String {
    let mut line = kind_words(&s.kind);
    match (s.kind.as_str(), s.star_cap, s.until.as_deref()) {
        ("downgrade", Some(cap), Some(until)) => line = format!("{line}:{}", t("ratings.cap_until").replace("{cap}", &cap.to_string()).replace("{until}", until)),
        ("suspend", _, Some(until)) => line = format!("{line}:{}", t("ratings.suspend_until").replace("{until}", until)),
        _ => {}
    }
    line
}

#[component]
fn SanctionItem(s: SanctionView, own: bool, appeal: ServerAction<AppealSanction>) -> impl IntoView {
    let value = appeal.value();
    let may_appeal = own && s.appeal.is_none() && s.revoked_at.is_none();
    let appeal_state = s.appeal_status.clone().map(|st| t(&format!("ratings.appeal_{st}")));
    view! {
        <li class=format!("sanction sanction-{}", s.kind)>
            <p><strong>{sanction_line(&s)}</strong>" · "{t("ratings.decided_on")}" "<time>{date_shanghai(s.decided_at)}</time></p>
            <p>{t("ratings.reason")}":"{s.reason.clone()}</p>
            {s.appeal.clone().map(|a| view! { <p>{t("ratings.appeal")}":"{a}</p> })}
            {appeal_state.map(|st| view! {
                <p class="tag">{st}{s.appeal_decided_at.map(|at| format!(" {}", date_shanghai(at)))}</p>
            })}
            {s.appeal_decision.clone().map(|a| view! { <p>{a}</p> })}
            {may_appeal.then(|| {
                let id = format!("appeal-{}", s.id);
                view! {
                    <ActionForm action=appeal attr:class="form" attr:novalidate=true>
                        <input type="hidden" name="id" value=s.id.to_string()/>
                        <label for=id.clone()>{t("ratings.appeal_label")}</label>
                        <textarea id=id name="appeal" rows="3" maxlength="1000"></textarea>
                        <FieldError field="appeal" value/>
                        <button type="submit" class="button secondary" disabled=appeal.pending()>{t("ratings.appeal_submit")}</button>
                    </ActionForm>
                }
            })}
        </li>
    }
}

/// The regulator's desk (/regulator/sanctions): proposals, appeals and decisions in scope.
#[component]
pub fn SanctionsDeskPage() -> impl IntoView {
    view! {
        <Title text=t("ratings.desk_title")/>
        <Signed roles=&[Role::Regulator, Role::Leader, Role::Operator, Role::Admin] render=|| view! { <DeskBody/> }/>
    }
}

#[component]
fn DeskBody() -> impl IntoView {
    let act = ServerAction::<ActOnProposal>::new();
    let decide = ServerAction::<DecideAppeal>::new();
    let direct = ServerAction::<SanctionFirm>::new();
    let last = RwSignal::new(None::<i64>);
    let (acted, decided, sanctioned) = (successes(act), successes(decide), successes(direct));
    let data = Resource::new(move || (acted.get(), decided.get(), sanctioned.get()), |_| get_sanctions_desk());
    view! {
        <h1>{t("ratings.desk_title")}</h1>
        <p class="hint">{t("ratings.desk_intro")}</p>
        <Transition fallback=|| view! { <Loading/> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(d) => view! {
                        {d.can_act.then(|| view! { <DirectForm direct/> })}
                        <section class="panel" aria-labelledby="proposals-h">
                            <h2 id="proposals-h">{t("ratings.proposals_title")}</h2>
                            {if d.proposals.is_empty() {
                                view! { <Empty message=t("ratings.proposals_none")/> }.into_any()
                            } else {
                                view! { <ul class="proposals">{d.proposals.into_iter().map(|p| view! { <ProposalItem p act can_act=d.can_act last/> }).collect_view()}</ul> }.into_any()
                            }}
                        </section>
                        <section class="panel" aria-labelledby="decisions-h">
                            <h2 id="decisions-h">{t("ratings.sanctions_list")}</h2>
                            {if d.sanctions.is_empty() {
                                view! { <Empty message=t("ratings.sanctions_none")/> }.into_any()
                            } else {
                                view! { <ul class="sanctions">{d.sanctions.into_iter().map(|s| view! { <DecisionItem s decide can_act=d.can_act/> }).collect_view()}</ul> }.into_any()
                            }}
                        </section>
                    }.into_any(),
                    Err(error) => view! { <ErrorPanel error/> }.into_any(),
                }
            })}
        </Transition>
    }
}

/// A downgrade, suspension or expulsion of a firm in scope, without a proposal.
#[component]
fn DirectForm(direct: ServerAction<SanctionFirm>) -> impl IntoView {
    let value = direct.value();
    view! {
        <section class="panel" aria-labelledby="direct-h">
            <h2 id="direct-h">{t("ratings.direct_title")}</h2>
            <p class="hint">{t("ratings.direct_hint")}</p>
            <ActionForm action=direct attr:class="form act-form direct-form" attr:novalidate=true>
                <label for="direct-code">{t("credit.credit_code")}</label>
                <input id="direct-code" name="credit_code" maxlength="18" autocomplete="off"/>
                <FieldError field="credit_code" value/>
                <label for="direct-kind">{t("ratings.action")}</label>
                <select id="direct-kind" name="kind">
                    {["downgrade", "suspend", "expel"].into_iter().map(|k| view! { <option value=k>{kind_words(k)}</option> }).collect_view()}
                </select>
                <FieldError field="kind" value/>
                <label for="direct-cap">{t("ratings.star_cap")}</label>
                <input id="direct-cap" name="star_cap" type="number" min="1" max="4" inputmode="numeric"/>
                <FieldError field="star_cap" value/>
                <label for="direct-until">{t("ratings.until")}</label>
                <input id="direct-until" name="until" type="date"/>
                <FieldError field="until" value/>
                <label for="direct-reason">{t("ratings.reason")}</label>
                <textarea id="direct-reason" name="reason" rows="3" maxlength="500"></textarea>
                <FieldError field="reason" value/>
                <FormError value fields=&["credit_code", "kind", "star_cap", "until", "reason"]/>
                <button type="submit" class="button primary" disabled=direct.pending()>{t("ratings.act_submit")}</button>
                {move || matches!(value.get(), Some(Ok(()))).then(|| view! { <p class="ok" role="status">{t("ratings.direct_done")}</p> })}
            </ActionForm>
        </section>
    }
}

#[component]
fn ProposalItem(p: ProposalView, act: ServerAction<ActOnProposal>, can_act: bool, last: RwSignal<Option<i64>>) -> impl IntoView {
    let open = p.status == "open" && can_act;
    let id = p.id;
    // one action serves every proposal: its errors show under the form that was sent
    let all = act.value();
    let value = Signal::derive(move || if last.get() == Some(id) { all.get() } else { None });
    view! {
        <li class=format!("proposal proposal-{}", p.status) on:submit=move |_| last.set(Some(id))>
            <p>
                <a href=format!("/firms/{}", p.credit_code)><strong>{p.firm_name.clone()}</strong></a>" "
                <span class="tag">{t(&format!("ratings.proposal_{}", p.status))}</span>" "
                {stars(p.star_level)}" · "<time>{date_shanghai(p.created_at)}</time>
            </p>
            <p>{p.reason.clone()}" ("{t("ratings.rating_count")}" "{p.rating_count}","{t("ratings.average")}" "{milli(p.average_milli)}")"</p>
            {p.decision_note.clone().map(|n| view! { <p>{n}</p> })}
            {open.then(|| view! {
                <ActionForm action=act attr:class="form act-form" attr:novalidate=true>
                    <input type="hidden" name="id" value=id.to_string()/>
                    <label for=format!("act-kind-{id}")>{t("ratings.action")}</label>
                    <select id=format!("act-kind-{id}") name="kind">
                        {["downgrade", "suspend", "expel", "dismiss"].into_iter().map(|k| view! { <option value=k>{kind_words(k)}</option> }).collect_view()}
                    </select>
                    <label for=format!("act-cap-{id}")>{t("ratings.star_cap")}</label>
                    <input id=format!("act-cap-{id}") name="star_cap" type="number" min="1" max="4" inputmode="numeric"/>
                    <FieldError field="star_cap" value/>
                    <label for=format!("act-until-{id}")>{t("ratings.until")}</label>
                    <input id=format!("act-until-{id}") name="until" type="date"/>
                    <FieldError field="until" value/>
                    <label for=format!("act-reason-{id}")>{t("ratings.reason")}</label>
                    <textarea id=format!("act-reason-{id}") name="reason" rows="3" maxlength="500"></textarea>
                    <FieldError field="reason" value/>
                    <FormError value fields=&["star_cap", "until", "reason"]/>
                    <button type="submit" class="button primary" disabled=act.pending()>{t("ratings.act_submit")}</button>
                </ActionForm>
            })}
        </li>
    }
}

#[component]
fn DecisionItem(s: SanctionView, decide: ServerAction<DecideAppeal>, can_act: bool) -> impl IntoView {
    let value = decide.value();
    let pending = s.appeal_status.as_deref() == Some("pending") && can_act;
    let id = s.id;
    view! {
        <li class=format!("sanction sanction-{}", s.kind)>
            <p>
                <a href=format!("/firms/{}", s.credit_code)><strong>{s.firm_name.clone()}</strong></a>" · "
                {sanction_line(&s)}" · "<time>{date_shanghai(s.decided_at)}</time>
            </p>
            <p>{t("ratings.reason")}":"{s.reason.clone()}</p>
            {s.appeal.clone().map(|a| view! { <p>{t("ratings.appeal")}":"{a}</p> })}
            {s.appeal_status.clone().map(|st| view! { <p class="tag">{t(&format!("ratings.appeal_{st}"))}</p> })}
            {pending.then(|| view! {
                <ActionForm action=decide attr:class="form" attr:novalidate=true>
                    <input type="hidden" name="id" value=id.to_string()/>
                    <label for=format!("decide-{id}")>{t("ratings.decision")}</label>
                    <textarea id=format!("decide-{id}") name="decision" rows="3" maxlength="500"></textarea>
                    <FieldError field="decision" value/>
                    <div class="actions">
                        <button type="submit" name="upheld" value="true" class="button primary" disabled=decide.pending()>{t("ratings.uphold")}</button>
                        <button type="submit" name="upheld" value="false" class="button secondary" disabled=decide.pending()>{t("ratings.reject")}</button>
                    </div>
                </ActionForm>
            })}
        </li>
    }
}
