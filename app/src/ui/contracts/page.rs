//! `/contracts/:code`: the contract page. The canonical text as a readable
//! document (it prints on A4 as a contract with its signature block), the
//! signatures with the SHA-256 each party confirmed, the signing form (the hash
//! being signed travels in a hidden field), proposals before signing, changes
//! and extensions after signing, the version history, the timeline, and the
//! payment and service-execution panels.
//!
//! The page is rendered once from the first load (server side, so it works
//! without JavaScript); later loads (live events, the parties' own actions, the
//! panels' `ContractRefresh` bumps) replace the data in place, section by
//! section, so a half-typed form is kept unless what it is based on changed.
use super::list::{party_short, time_or_dash, ContractStatusTag, CONTRACT_ROLES};
use super::ContractRefresh;
use crate::api::contracts::{get_contract, DecideAmendment, MoveToNextRanked, ProposeTerms, RequestAmendment, SignContract, WithdrawAmendment};
use crate::domain::contract::{yuan_in_words, ContractStatus, Negotiable, Party, Terms};
use crate::domain::money::Fen;
use crate::domain::time::format_shanghai;
use crate::error::AppError;
use crate::i18n::t;
use crate::model::contract::{AmendmentView, ContractEventView, ContractPage as Data, NegotiableForm, SignatureView, TermChange, VersionView, NOTE_MAX_CHARS};
use crate::ui::account::{FieldError, FormError, Signed};
use crate::ui::components::{Empty, ErrorPanel, Loading};
use crate::ui::live::{use_live, LiveBadge};
use crate::ui::trading::owner_panel::hydrated_flag;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

#[component]
pub fn ContractPage() -> impl IntoView {
    view! { <Signed roles=CONTRACT_ROLES render=|| view! { <Loaded/> }/> }
}

#[component]
fn Loaded() -> impl IntoView {
    let params = use_params_map();
    let code = move || params.with(|p| p.get("code").unwrap_or_default());
    let first = Resource::new(code, get_contract);
    view! {
        <Suspense fallback=|| view! { <Loading/> }>
            {move || Suspend::new(async move {
                match first.await {
                    Ok(p) => view! { <Body first=p/> }.into_any(),
                    Err(error) => view! { <Title text=t("error.title")/><ErrorPanel error/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// The page's actions (created once, so the error of a form posted without
/// JavaScript reaches them).
#[derive(Clone, Copy)]
struct Acts {
    sign: ServerAction<SignContract>,
    propose: ServerAction<ProposeTerms>,
    change: ServerAction<RequestAmendment>,
    extend: ServerAction<RequestAmendment>,
    decide: ServerAction<DecideAmendment>,
    withdraw: ServerAction<WithdrawAmendment>,
    next: ServerAction<MoveToNextRanked>,
}

/// Bumps the page's refresh each time `action` succeeds.
fn refresh_on_success<S>(action: ServerAction<S>, refresh: ContractRefresh)
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

#[component]
fn Body(first: Data) -> impl IntoView {
    let code = first.code.clone();
    let viewer = first.viewer;
    let refresh = ContractRefresh(RwSignal::new(0));
    provide_context(refresh);
    let current = RwSignal::new(first);
    // reload on every bump; a later reload wins over an earlier one still under way
    let seq = Arc::new(AtomicU64::new(0));
    {
        let code = code.clone();
        Effect::new(move |prev: Option<u32>| {
            let n = refresh.track();
            if prev.is_some() {
                let (code, seq) = (code.clone(), seq.clone());
                let mine = seq.fetch_add(1, Ordering::SeqCst) + 1;
                leptos::task::spawn_local(async move {
                    let p = get_contract(code).await;
                    if seq.load(Ordering::SeqCst) == mine {
                        if let Ok(p) = p {
                            current.set(p);
                        }
                    }
                });
            }
            n
        });
    }
    use_live(vec![format!("contract:{code}")], move |_kind| refresh.bump());
    let acts = Acts {
        sign: ServerAction::new(),
        propose: ServerAction::new(),
        change: ServerAction::new(),
        extend: ServerAction::new(),
        decide: ServerAction::new(),
        withdraw: ServerAction::new(),
        next: ServerAction::new(),
    };
    refresh_on_success(acts.sign, refresh);
    refresh_on_success(acts.propose, refresh);
    refresh_on_success(acts.change, refresh);
    refresh_on_success(acts.extend, refresh);
    refresh_on_success(acts.decide, refresh);
    refresh_on_success(acts.withdraw, refresh);
    refresh_on_success(acts.next, refresh);

    let sign_key = Memo::new(move |_| {
        current.with(|p| SignKey { status: p.status, version: p.version, sha256: p.sha256.clone(), can_sign: p.can_sign, sign_due_at: p.sign_due_at, signatures: p.current_signatures(), now_ms: p.now_ms })
    });
    let propose_key = Memo::new(move |_| current.with(|p| (p.can_propose, p.version, p.terms.as_ref().map(|t| t.negotiable.clone()))));
    let amend_key = Memo::new(move |_| current.with(|p| (p.can_amend, p.can_extend, p.version, p.terms.as_ref().map(|t| t.negotiable.clone()), p.due_at)));
    let lapse_key = Memo::new(move |_| current.with(|p| (p.status, p.can_next_ranked, p.procurement_code.clone(), missing_parties(p))));
    let status = Memo::new(move |_| current.with(|p| p.status));
    let amendments = Memo::new(move |_| current.with(|p| (p.status, p.amendments.clone())));
    let versions = Memo::new(move |_| current.with(|p| p.versions.clone()));
    let events = Memo::new(move |_| current.with(|p| p.events.clone()));
    let code_for_panels = code.clone();
    let code_for_forms = StoredValue::new(code.clone());
    view! {
        <Title text=format!("{} {}", t("contract.title"), code)/>
        <crate::ui::credit::flag::ContractCreditFlag code=code.clone()/>
        <nav class="breadcrumb no-print" aria-label=t("nav.breadcrumb")>
            <a href="/">{t("nav.home")}</a>" / "<a href="/contracts">{t("contract.list_title")}</a>" / "{code.clone()}
        </nav>
        {move || view! { <Head p=current.get()/> }}
        {move || view! { <ContractDocument p=current.get()/> }}
        {move || {
            let k = sign_key.get();
            view! { <SignBox code=code_for_forms.get_value() viewer k action=acts.sign/> }
        }}
        {move || {
            let (can, version, n) = propose_key.get();
            (can && viewer.is_some()).then(|| n.map(|n| view! { <ProposeBox code=code_for_forms.get_value() version n action=acts.propose/> }))
        }}
        {move || {
            let (status, can, procurement_code, missing) = lapse_key.get();
            (status == ContractStatus::Lapsed).then(|| view! {
                <LapseBox code=code_for_forms.get_value() viewer can procurement_code missing action=acts.next/>
            })
        }}
        {move || {
            let (can_amend, can_extend, _, n, due_at) = amend_key.get();
            (can_amend && viewer.is_some()).then(|| n.map(|n| view! {
                <AmendBox code=code_for_forms.get_value() n can_extend due_at change=acts.change extend=acts.extend/>
            }))
        }}
        {move || {
            let status = status.get();
            let code = code_for_panels.clone();
            view! {
                <div class="contract-panels no-print">
                    <section class="contract-panel" aria-label=t("contract.panel_payments")>
                        <crate::ui::contracts::payments::PaymentsPanel code=code.clone() viewer status/>
                    </section>
                    <crate::ui::ratings::RatingPanel code=code.clone() viewer status/>
                    <section class="contract-panel" aria-label=t("contract.panel_work")>
                        <crate::ui::contracts::work::WorkPanel code viewer status/>
                    </section>
                </div>
            }
        }}
        {move || {
            let (status, list) = amendments.get();
            (status.in_service() || !list.is_empty()).then(|| view! {
                <Amendments list code=code_for_forms.get_value() decide=acts.decide withdraw=acts.withdraw/>
            })
        }}
        {move || view! { <Versions list=versions.get()/> }}
        {move || view! { <Timeline list=events.get()/> }}
        <crate::ui::timelimits::LightHistory kind="contract" key=code.clone()/>
    }
}

/// What the signing box depends on.
#[derive(Clone, Debug, PartialEq)]
struct SignKey {
    status: ContractStatus,
    version: i64,
    sha256: String,
    can_sign: bool,
    sign_due_at: Option<i64>,
    signatures: Vec<SignatureView>,
    now_ms: i64,
}

/// The parties without a live signature on the version in force.
fn missing_parties(p: &Data) -> Vec<Party> {
    [Party::Owner, Party::Firm].into_iter().filter(|x| p.signed_by(*x).is_none()).collect()
}

fn parties_text(parties: &[Party]) -> String {
    parties.iter().map(|p| party_short(*p)).collect::<Vec<_>>().join("、")
}

/// Heading, status, parties, price and time limits.
#[component]
fn Head(p: Data) -> impl IntoView {
    let js = hydrated_flag();
    let overdue_sign = p.status == ContractStatus::Drafted && p.sign_due_at.is_some_and(|d| p.now_ms >= d);
    let notice = match p.status {
        ContractStatus::Drafted if p.version == 0 => t("contract.notice_legacy"),
        ContractStatus::Drafted if overdue_sign => t("contract.notice_sign_overdue"),
        ContractStatus::Drafted => t("contract.notice_drafted").replace("{time}", &time_or_dash(p.sign_due_at)),
        ContractStatus::Lapsed => t("contract.notice_lapsed").replace("{time}", &time_or_dash(p.lapsed_at)),
        ContractStatus::Signed | ContractStatus::Delivered | ContractStatus::Accepted => {
            t("contract.notice_in_service").replace("{time}", &time_or_dash(p.due_at))
        }
        ContractStatus::Completed => t("contract.notice_completed").replace("{time}", &time_or_dash(p.completed_at)),
        ContractStatus::Terminated => t("contract.notice_terminated").replace("{reason}", p.termination_reason.as_deref().unwrap_or("—")),
    };
    let supervisor = p.viewer.is_none().then(|| view! { <p class="notice supervisor-note" role="note">{t("contract.supervisor_note")}</p> });
    let row = |label: String, value: String| view! { <div><dt>{label}</dt><dd>{value}</dd></div> };
    let opt_row = |label: &str, ms: Option<i64>| ms.map(|ms| row(t(label), format_shanghai(ms)));
    let funding = t(if p.funding == "fiscal" { "contract.funding_fiscal" } else { "contract.funding_social" });
    let firm_rank = if p.rank > 1 { format!("{}（{}）", p.firm.name, t("contract.rank_n").replace("{n}", &p.rank.to_string())) } else { p.firm.name.clone() };
    let verify_href = format!("/contracts/{}/verify", p.code);
    let sign_due = p.sign_due_at.filter(|_| matches!(p.status, ContractStatus::Drafted | ContractStatus::Lapsed)).map(|d| {
        view! {
            <div>
                <dt>{t("contract.sign_due")}</dt>
                <dd>
                    {format_shanghai(d)}
                    {overdue_sign.then(|| view! { " "<span class="tag bad">{t("contract.overdue")}</span> })}
                </dd>
            </div>
        }
    });
    view! {
        <header class="panel contract-head">
            <div class="page-head">
                <h1>{t("contract.title")}" "<span class="code">{p.code.clone()}</span></h1>
                <p class="tags"><span data-testid="contract-status"><ContractStatusTag status=p.status/></span>" "<LiveBadge/></p>
            </div>
            <p class=format!("contract-notice status-{}", p.status.as_str()) role="status">{notice}</p>
            {supervisor}
            <dl class="facts">
                <div><dt>{t("contract.project")}</dt><dd>{p.title.clone()}</dd></div>
                <div>
                    <dt>{t("contract.procurement")}</dt>
                    <dd><a href=format!("/announcements/{}", p.procurement_code)>{p.procurement_code.clone()}</a></dd>
                </div>
                {row(t("contract.party_owner"), format!("{}（{}）", p.owner.name, p.owner.credit_code))}
                {row(t("contract.party_firm"), format!("{firm_rank}（{}）", p.firm.credit_code))}
                {row(t("contract.price"), format!("{}（{}）", Fen(p.price_fen), yuan_in_words(p.price_fen)))}
                {row(t("contract.funding"), funding)}
                {(p.version > 0).then(|| view! {
                    <div><dt>{t("contract.current_version")}</dt><dd data-testid="contract-version">{t("contract.version_n").replace("{n}", &p.version.to_string())}</dd></div>
                })}
                {row(t("contract.created_at"), format_shanghai(p.created_at))}
                {sign_due}
                {opt_row("contract.signed_at", p.signed_at)}
                {opt_row("contract.service_due", p.due_at)}
                {opt_row("contract.lapsed_at", p.lapsed_at)}
                {opt_row("contract.delivered_at", p.delivered_at)}
                {opt_row("contract.accept_due", p.accept_due_at)}
                {opt_row("contract.accepted_at", p.accepted_at)}
                {opt_row("contract.completed_at", p.completed_at)}
                {opt_row("contract.terminated_at", p.terminated_at)}
            </dl>
            <p class="contract-links no-print">
                {(p.version > 0).then(|| view! { <a class="button secondary" href=verify_href>{t("contract.verify_link")}</a> })}
                <button type="button" class="button secondary print-button" hidden=move || !js.get()
                    on:click=|_| { let _ = window().print(); }>{t("contract.print")}</button>
                <span class="hint">{t("contract.print_hint")}</span>
            </p>
        </header>
    }
}

/// How a line of the canonical text is shown.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Block {
    /// 中介服务合同
    Title,
    /// the numbers and parties before the first clause
    Meta,
    /// 第一条 服务内容
    Clause,
    /// `1. …` inside a clause
    Item,
    /// prose inside a clause (first-line indent)
    Para,
}

/// Splits the canonical text into blocks for display (the text itself is
/// unchanged: every non-empty line is one block).
pub fn text_blocks(text: &str) -> Vec<(Block, String)> {
    let mut out = Vec::new();
    let mut in_clauses = false;
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let clause = line.starts_with('第') && line.split_once(' ').is_some_and(|(head, _)| head.ends_with('条') && head.chars().count() <= 5);
        let item = line.split_once(". ").is_some_and(|(n, _)| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()));
        let kind = if i == 0 {
            Block::Title
        } else if clause {
            in_clauses = true;
            Block::Clause
        } else if !in_clauses {
            Block::Meta
        } else if item {
            Block::Item
        } else {
            Block::Para
        };
        out.push((kind, line.to_string()));
    }
    out
}

/// The contract text and its signature block.
#[component]
fn ContractDocument(p: Data) -> impl IntoView {
    if p.version == 0 || p.text.is_empty() {
        return view! {
            <section class="panel contract-legacy"><p>{t("contract.no_text")}</p></section>
        }
        .into_any();
    }
    let blocks = text_blocks(&p.text)
        .into_iter()
        .map(|(kind, line)| match kind {
            Block::Title => view! { <h2 class="doc-title" id="contract-doc-title">{line}</h2> }.into_any(),
            Block::Meta => view! { <p class="doc-meta">{line}</p> }.into_any(),
            Block::Clause => view! { <h3 class="doc-clause">{line}</h3> }.into_any(),
            Block::Item => view! { <p class="doc-item">{line}</p> }.into_any(),
            Block::Para => view! { <p class="doc-para">{line}</p> }.into_any(),
        })
        .collect_view();
    let reps = p.terms.as_ref().map(|t: &Terms| (t.negotiable.owner_representative.clone(), t.negotiable.firm_representative.clone())).unwrap_or_default();
    let sig = |party: Party, name: String, rep: String| {
        let s = p.signed_by(party);
        let label = t(match party {
            Party::Owner => "contract.sig_owner",
            Party::Firm => "contract.sig_firm",
        });
        view! {
            <div class=format!("sig sig-{}", party.as_str()) data-testid=format!("signature-{}", party.as_str())>
                <p class="sig-party"><strong>{label}</strong>{name}</p>
                <p>{t("contract.sig_representative")}{rep}</p>
                {match s {
                    Some(s) => view! {
                        <p class="sig-done">{t("contract.sig_signed_by").replace("{name}", &s.signer).replace("{time}", &format_shanghai(s.signed_at))}</p>
                        <p class="sig-hash">"SHA-256:"<code class="hash">{s.sha256.clone()}</code></p>
                    }.into_any(),
                    None => view! { <p class="sig-missing">{t("contract.sig_missing")}</p> }.into_any(),
                }}
            </div>
        }
    };
    view! {
        <article class="contract-doc" lang="zh-CN" aria-labelledby="contract-doc-title" data-testid="contract-text">
            {blocks}
            <section class="signature-block" aria-label=t("contract.signatures") data-testid="signatures">
                {sig(Party::Owner, p.owner.name.clone(), reps.0)}
                {sig(Party::Firm, p.firm.name.clone(), reps.1)}
            </section>
            <p class="doc-hash">
                {t("contract.doc_hash").replace("{n}", &p.version.to_string())}
                <code class="hash" data-testid="contract-sha256">{p.sha256.clone()}</code>
            </p>
        </article>
    }
    .into_any()
}

/// Before signing: who signed, and the signing form with the hash being signed.
#[component]
fn SignBox(code: String, viewer: Option<Party>, k: SignKey, action: ServerAction<SignContract>) -> impl IntoView {
    if k.status != ContractStatus::Drafted || k.version == 0 {
        return ().into_any();
    }
    let value = action.value();
    let pending = action.pending();
    let mine = viewer.and_then(|v| k.signatures.iter().find(|s| s.party == v).cloned());
    let other = viewer.and_then(|v| k.signatures.iter().find(|s| s.party == v.other()).cloned());
    let closed = k.sign_due_at.is_some_and(|d| k.now_ms >= d);
    let body = if let Some(v) = viewer {
        if k.can_sign {
            let other_line = other.map(|o| {
                view! { <p class="hint">{t("contract.other_signed").replace("{party}", &party_short(v.other())).replace("{time}", &format_shanghai(o.signed_at))}</p> }
            });
            view! {
                <p>{t("contract.sign_intro").replace("{n}", &k.version.to_string())}</p>
                <p class="signing-hash">{t("contract.signing_hash")}<code class="hash" data-testid="signing-sha256">{k.sha256.clone()}</code></p>
                {other_line}
                <ActionForm action attr:class="form sign-form">
                    <input type="hidden" name="code" value=code/>
                    <input type="hidden" name="sha256" value=k.sha256.clone()/>
                    <label class="choice" for="sign-confirm">
                        <input type="checkbox" id="sign-confirm" name="confirm" value="yes" required aria-describedby="confirm-error"/>
                        {t("contract.sign_confirm").replace("{n}", &k.version.to_string())}
                    </label>
                    <FieldError field="confirm" value/>
                    <FormError value fields=&["confirm"]/>
                    <button type="submit" class="button primary" disabled=pending>{t("contract.sign_button")}</button>
                </ActionForm>
            }
            .into_any()
        } else if let Some(s) = mine {
            view! { <p class="form-ok" role="status">{t("contract.you_signed").replace("{time}", &format_shanghai(s.signed_at)).replace("{n}", &k.version.to_string())}</p> }.into_any()
        } else if closed {
            view! { <p class="notice">{t("contract.sign_lapsed")}</p> }.into_any()
        } else {
            ().into_any()
        }
    } else {
        let missing: Vec<Party> = [Party::Owner, Party::Firm].into_iter().filter(|p| !k.signatures.iter().any(|s| s.party == *p)).collect();
        view! { <p class="hint">{t("contract.awaiting_parties").replace("{parties}", &parties_text(&missing))}</p> }.into_any()
    };
    view! {
        <section class="panel sign-box no-print" aria-labelledby="sign-h" data-testid="sign-box">
            <h2 id="sign-h">{t("contract.sign_title")}</h2>
            {body}
        </section>
    }
    .into_any()
}

/// The negotiable terms as form fields (named `form[…]`), prefilled.
#[component]
fn TermsFields<T: Clone + Send + Sync + 'static>(
    prefix: &'static str,
    form: NegotiableForm,
    #[prop(into)] value: Signal<Option<Result<T, AppError>>>,
) -> impl IntoView {
    let id = move |f: &str| format!("{prefix}-{f}");
    let arbitration = form.dispute == "arbitration";
    view! {
        <div class="field-row">
            <div class="field">
                <label for=id("owner_representative")>{t("contract.field_owner_representative")}</label>
                <input id=id("owner_representative") name="form[owner_representative]" value=form.owner_representative.clone()
                    required maxlength="20" aria-describedby="owner_representative-error"/>
                <FieldError field="owner_representative" value/>
            </div>
            <div class="field">
                <label for=id("firm_representative")>{t("contract.field_firm_representative")}</label>
                <input id=id("firm_representative") name="form[firm_representative]" value=form.firm_representative.clone()
                    required maxlength="20" aria-describedby="firm_representative-error"/>
                <FieldError field="firm_representative" value/>
            </div>
        </div>
        <div class="field-row">
            <div class="field">
                <label for=id("service_days")>{t("contract.field_service_days")}</label>
                <input id=id("service_days") name="form[service_days]" type="number" inputmode="numeric" min="1" max="750" step="1"
                    value=form.service_days.clone() required aria-describedby="service_days-error"/>
                <FieldError field="service_days" value/>
            </div>
            <div class="field">
                <label for=id("acceptance_days")>{t("contract.field_acceptance_days")}</label>
                <input id=id("acceptance_days") name="form[acceptance_days]" type="number" inputmode="numeric" min="1" max="30" step="1"
                    value=form.acceptance_days.clone() required aria-describedby="acceptance_days-error"/>
                <FieldError field="acceptance_days" value/>
            </div>
            <div class="field">
                <label for=id("payment_days")>{t("contract.field_payment_days")}</label>
                <input id=id("payment_days") name="form[payment_days]" type="number" inputmode="numeric" min="1" max="60" step="1"
                    value=form.payment_days.clone() required aria-describedby="payment_days-error"/>
                <FieldError field="payment_days" value/>
            </div>
        </div>
        <div class="field">
            <label for=id("deliverables")>{t("contract.field_deliverables")}</label>
            <textarea id=id("deliverables") name="form[deliverables]" rows="3" aria-describedby=format!("{} deliverables-error", id("deliverables-hint"))>
                {form.deliverables.clone()}
            </textarea>
            <p class="hint" id=id("deliverables-hint")>{t("contract.hint_deliverables")}</p>
            <FieldError field="deliverables" value/>
        </div>
        <div class="field">
            <label for=id("milestones")>{t("contract.field_milestones")}</label>
            <textarea id=id("milestones") name="form[milestones]" rows="3" spellcheck="false" aria-describedby=format!("{} milestones-error", id("milestones-hint"))>
                {form.milestones.clone()}
            </textarea>
            <p class="hint" id=id("milestones-hint")>{t("contract.hint_milestones")}</p>
            <FieldError field="milestones" value/>
        </div>
        <div class="field">
            <label for=id("installments")>{t("contract.field_installments")}</label>
            <textarea id=id("installments") name="form[installments]" rows="3" spellcheck="false" aria-describedby=format!("{} installments-error", id("installments-hint"))>
                {form.installments.clone()}
            </textarea>
            <p class="hint" id=id("installments-hint")>{t("contract.hint_installments")}</p>
            <FieldError field="installments" value/>
        </div>
        <fieldset class="field dispute">
            <legend>{t("contract.field_dispute")}</legend>
            <label class="choice" for=id("dispute-court")>
                <input type="radio" id=id("dispute-court") name="form[dispute]" value="court" checked=!arbitration/>
                {t("contract.dispute_court")}
            </label>
            <label class="choice" for=id("dispute-arbitration")>
                <input type="radio" id=id("dispute-arbitration") name="form[dispute]" value="arbitration" checked=arbitration/>
                {t("contract.dispute_arbitration")}
            </label>
            <label for=id("arbitration_body")>{t("contract.field_arbitration_body")}</label>
            <input id=id("arbitration_body") name="form[arbitration_body]" value=form.arbitration_body.clone() maxlength="50"
                placeholder=t("contract.arbitration_placeholder") aria-describedby="dispute-error"/>
            <FieldError field="dispute" value/>
        </fieldset>
        <div class="field">
            <label for=id("other")>{t("contract.field_other")}</label>
            <textarea id=id("other") name="form[other]" rows="3" maxlength="1000" aria-describedby="other-error">{form.other.clone()}</textarea>
            <FieldError field="other" value/>
        </div>
    }
}

const TERM_FIELDS: &[&str] = &[
    "owner_representative",
    "firm_representative",
    "service_days",
    "deliverables",
    "milestones",
    "installments",
    "acceptance_days",
    "payment_days",
    "dispute",
    "other",
    "note",
    "reason",
];

/// Before signing: propose changed terms (a new version; signatures void).
#[component]
fn ProposeBox(code: String, version: i64, n: Negotiable, action: ServerAction<ProposeTerms>) -> impl IntoView {
    let value = action.value();
    let pending = action.pending();
    view! {
        <section class="panel propose-box no-print" aria-labelledby="propose-h">
            <details open=move || matches!(value.get(), Some(Err(_)))>
                <summary><h2 id="propose-h">{t("contract.propose_title")}</h2></summary>
                <p class="hint">{t("contract.propose_hint").replace("{n}", &version.to_string())}</p>
                <ActionForm action attr:class="form terms-form propose-form" attr:novalidate=true>
                    <input type="hidden" name="code" value=code/>
                    <TermsFields prefix="pf" form=NegotiableForm::of(&n) value/>
                    <div class="field">
                        <label for="pf-note">{t("contract.field_note")}</label>
                        <textarea id="pf-note" name="note" rows="2" maxlength=NOTE_MAX_CHARS.to_string() aria-describedby="note-error"></textarea>
                        <FieldError field="note" value/>
                    </div>
                    <FormError value fields=TERM_FIELDS/>
                    <button type="submit" class="button primary" disabled=pending>{t("contract.propose_button")}</button>
                </ActionForm>
            </details>
        </section>
    }
}

/// After a lapse: who did not sign, and the owner's move to the next-ranked firm.
#[component]
fn LapseBox(code: String, viewer: Option<Party>, can: bool, procurement_code: String, missing: Vec<Party>, action: ServerAction<MoveToNextRanked>) -> impl IntoView {
    let value = action.value();
    let pending = action.pending();
    let who = t("contract.lapse_missing").replace("{parties}", &parties_text(&missing));
    let form = can.then(|| {
        view! {
            <ActionForm action attr:class="form next-form">
                <input type="hidden" name="code" value=code/>
                <p class="hint">{t("contract.next_ranked_hint")}</p>
                <FormError value fields=&[]/>
                <button type="submit" class="button danger" disabled=pending>{t("contract.next_ranked_button")}</button>
            </ActionForm>
        }
    });
    let moved = (!can && viewer == Some(Party::Owner)).then(|| view! { <p class="hint">{t("contract.next_ranked_done")}</p> });
    view! {
        <section class="panel lapse-box no-print" aria-labelledby="lapse-h">
            <h2 id="lapse-h">{t("contract.lapse_title")}</h2>
            <p>{who}</p>
            {form}
            {moved}
            <p><a href=format!("/announcements/{procurement_code}")>{t("contract.to_announcement")}</a></p>
        </section>
    }
}

/// After signing: a change request (either party) and an extension request (the firm).
#[component]
fn AmendBox(
    code: String,
    n: Negotiable,
    can_extend: bool,
    due_at: Option<i64>,
    change: ServerAction<RequestAmendment>,
    extend: ServerAction<RequestAmendment>,
) -> impl IntoView {
    let (cv, cp) = (change.value(), change.pending());
    let (ev, ep) = (extend.value(), extend.pending());
    let ext_code = code.clone();
    let extension = can_extend.then(move || {
        let code = ext_code;
        let current = t("contract.extension_current").replace("{n}", &n.service_days.to_string()).replace("{time}", &time_or_dash(due_at));
        view! {
            <details class="amend-details" open=move || matches!(ev.get(), Some(Err(_)))>
                <summary>{t("contract.extension_title")}</summary>
                <ActionForm action=extend attr:class="form extension-form" attr:novalidate=true>
                    <input type="hidden" name="code" value=code.clone()/>
                    <input type="hidden" name="kind" value="extension"/>
                    <p class="hint">{current}</p>
                    <div class="field">
                        <label for="ext-service_days">{t("contract.extension_days")}</label>
                        <input id="ext-service_days" name="form[service_days]" type="number" inputmode="numeric" min=(n.service_days + 1).to_string()
                            max="750" step="1" required aria-describedby="service_days-error"/>
                        <FieldError field="service_days" value=ev/>
                    </div>
                    <div class="field">
                        <label for="ext-reason">{t("contract.extension_reason")}</label>
                        <textarea id="ext-reason" name="reason" rows="3" required minlength="5" maxlength=NOTE_MAX_CHARS.to_string() aria-describedby="reason-error"></textarea>
                        <FieldError field="reason" value=ev/>
                    </div>
                    <FormError value=ev fields=&["service_days", "reason"]/>
                    <button type="submit" class="button primary" disabled=ep>{t("contract.extension_button")}</button>
                </ActionForm>
            </details>
        }
    });
    view! {
        <section class="panel amend-box no-print" aria-labelledby="amend-h">
            <h2 id="amend-h">{t("contract.amend_title")}</h2>
            <p class="hint">{t("contract.amend_hint")}</p>
            {extension}
            <details class="amend-details" open=move || matches!(cv.get(), Some(Err(_)))>
                <summary>{t("contract.change_title")}</summary>
                <ActionForm action=change attr:class="form terms-form change-form" attr:novalidate=true>
                    <input type="hidden" name="code" value=code.clone()/>
                    <input type="hidden" name="kind" value="change"/>
                    <p class="hint">{t("contract.change_hint")}</p>
                    <TermsFields prefix="cf" form=NegotiableForm::of(&n) value=cv/>
                    <div class="field">
                        <label for="cf-reason">{t("contract.change_reason")}</label>
                        <textarea id="cf-reason" name="reason" rows="3" required minlength="5" maxlength=NOTE_MAX_CHARS.to_string() aria-describedby="reason-error"></textarea>
                        <FieldError field="reason" value=cv/>
                    </div>
                    <FormError value=cv fields=TERM_FIELDS/>
                    <button type="submit" class="button primary" disabled=cp>{t("contract.change_button")}</button>
                </ActionForm>
            </details>
        </section>
    }
}

/// `contract.field_<name>`.
fn field_label(field: &str) -> String {
    t(&format!("contract.field_{field}"))
}

#[component]
fn Changes(list: Vec<TermChange>) -> impl IntoView {
    if list.is_empty() {
        return ().into_any();
    }
    view! {
        <dl class="changes">
            {list.into_iter().map(|c| view! {
                <div>
                    <dt>{field_label(&c.field)}</dt>
                    <dd>
                        <del class="before">{if c.before.is_empty() { "—".to_string() } else { c.before }}</del>
                        <span aria-hidden="true">" → "</span>
                        <ins class="after">{if c.after.is_empty() { "—".to_string() } else { c.after }}</ins>
                    </dd>
                </div>
            }).collect_view()}
        </dl>
    }
    .into_any()
}

fn kind_label(kind: &str) -> String {
    t(&format!("contract.kind_{kind}"))
}

/// Post-signing amendments with the other party's accept / refuse and the
/// proposer's withdraw.
#[component]
fn Amendments(list: Vec<AmendmentView>, code: String, decide: ServerAction<DecideAmendment>, withdraw: ServerAction<WithdrawAmendment>) -> impl IntoView {
    let dv = decide.value();
    let wv = withdraw.value();
    let items = if list.is_empty() {
        view! { <Empty message=t("contract.amendments_empty")/> }.into_any()
    } else {
        view! {
            <ol class="amendments-list">
                {list.into_iter().map(|a| view! { <AmendmentItem a code=code.clone() decide withdraw/> }).collect_view()}
            </ol>
        }
        .into_any()
    };
    view! {
        <section class="panel amendments no-print" aria-labelledby="amendments-h" data-testid="amendments">
            <h2 id="amendments-h">{t("contract.amendments_title")}</h2>
            {items}
            <FormError value=dv fields=&["reason"]/>
            <FormError value=wv fields=&[]/>
        </section>
    }
}

#[component]
fn AmendmentItem(a: AmendmentView, code: String, decide: ServerAction<DecideAmendment>, withdraw: ServerAction<WithdrawAmendment>) -> impl IntoView {
    let dv = decide.value();
    let dp = decide.pending();
    let wp = withdraw.pending();
    let proposed = t("contract.amendment_proposed_by")
        .replace("{party}", &party_short(a.party))
        .replace("{name}", &a.proposed_by)
        .replace("{time}", &format_shanghai(a.proposed_at))
        .replace("{n}", &a.base_version.to_string());
    let decided = a.decided_at.map(|at| {
        let line = t(&format!("contract.amendment_decided_{}", a.status))
            .replace("{name}", a.decided_by.as_deref().unwrap_or("—"))
            .replace("{time}", &format_shanghai(at))
            .replace("{n}", &a.result_version.map(|v| v.to_string()).unwrap_or_default());
        let why = a.decision_reason.clone().filter(|r| !r.is_empty()).map(|r| view! { <p class="decision-reason">{t("contract.decision_reason")}{r}</p> });
        view! { <p class="decided">{line}</p>{why} }
    });
    let reason_id = format!("refuse-reason-{}", a.id);
    let (code1, code2, code3, sha) = (code.clone(), code.clone(), code.clone(), a.sha256.clone());
    let (id1, id2, id3) = (a.id.to_string(), a.id.to_string(), a.id.to_string());
    let decide_forms = a.can_decide.then(move || {
        view! {
            <div class="decide-forms">
                <ActionForm action=decide attr:class="form accept-form">
                    <input type="hidden" name="code" value=code1/>
                    <input type="hidden" name="id" value=id1/>
                    <input type="hidden" name="decision" value="accept"/>
                    <p class="hint">{t("contract.accept_hint")}<code class="hash">{sha}</code></p>
                    <button type="submit" class="button primary" disabled=dp>{t("contract.accept_button")}</button>
                </ActionForm>
                <ActionForm action=decide attr:class="form refuse-form" attr:novalidate=true>
                    <input type="hidden" name="code" value=code2/>
                    <input type="hidden" name="id" value=id2/>
                    <input type="hidden" name="decision" value="refuse"/>
                    <div class="field">
                        <label for=reason_id.clone()>{t("contract.refuse_reason")}</label>
                        <textarea id=reason_id name="reason" rows="2" required minlength="5" maxlength=NOTE_MAX_CHARS.to_string() aria-describedby="reason-error"></textarea>
                        <FieldError field="reason" value=dv/>
                    </div>
                    <button type="submit" class="button danger" disabled=dp>{t("contract.refuse_button")}</button>
                </ActionForm>
            </div>
        }
    });
    let withdraw_form = a.can_withdraw.then(move || {
        view! {
            <ActionForm action=withdraw attr:class="form withdraw-form">
                <input type="hidden" name="code" value=code3/>
                <input type="hidden" name="id" value=id3/>
                <button type="submit" class="button secondary" disabled=wp>{t("contract.withdraw_button")}</button>
            </ActionForm>
        }
    });
    view! {
        <li class=format!("amendment amendment-{}", a.status) data-testid=format!("amendment-{}", a.id)>
            <p class="amendment-head">
                <strong>{kind_label(&a.kind)}</strong>
                <span class=format!("tag amendment-status-{}", a.status)>{t(&format!("contract.amendment_status_{}", a.status))}</span>
            </p>
            <p class="muted">{proposed}</p>
            <p class="reason">{t("contract.amendment_reason")}{a.reason.clone()}</p>
            <Changes list=a.changes.clone()/>
            <details>
                <summary>{t("contract.amendment_text")}</summary>
                <p class="hint">"SHA-256:"<code class="hash">{a.sha256.clone()}</code></p>
                <pre class="contract-pre">{a.text.clone()}</pre>
            </details>
            {decided}
            {decide_forms}
            {withdraw_form}
        </li>
    }
}

fn party_of_version(party: &str) -> String {
    match Party::parse(party) {
        Some(p) => party_short(p),
        None => t("contract.party_system"),
    }
}

/// Every version, newest first, with what it changed and who signed it.
#[component]
fn Versions(list: Vec<VersionView>) -> impl IntoView {
    if list.is_empty() {
        return ().into_any();
    }
    view! {
        <section class="panel versions no-print" aria-labelledby="versions-h">
            <h2 id="versions-h">{t("contract.versions_title")}</h2>
            <div class="table-wrap">
                <table class="data versions-table">
                    <caption class="sr-only">{t("contract.versions_title")}</caption>
                    <thead>
                        <tr>
                            <th scope="col">{t("contract.col_version")}</th>
                            <th scope="col">{t("contract.col_kind")}</th>
                            <th scope="col">{t("contract.col_by")}</th>
                            <th scope="col">{t("contract.col_changes")}</th>
                            <th scope="col">{t("contract.col_signatures")}</th>
                        </tr>
                    </thead>
                    <tbody>
                        {list.into_iter().map(|v| {
                            let by = match &v.proposed_by {
                                Some(name) => format!("{} {}", party_of_version(&v.party), name),
                                None => party_of_version(&v.party),
                            };
                            let sigs = if v.signatures.is_empty() {
                                view! { <span class="muted">{t("contract.no_signatures")}</span> }.into_any()
                            } else {
                                view! {
                                    <ul class="sig-list">
                                        {v.signatures.iter().map(|s| view! {
                                            <li>
                                                {format!("{} {} {}", party_short(s.party), s.signer, format_shanghai(s.signed_at))}
                                                {s.void_at.map(|at| view! { " "<span class="tag bad" title=format_shanghai(at)>{t("contract.signature_void")}</span> })}
                                            </li>
                                        }).collect_view()}
                                    </ul>
                                }.into_any()
                            };
                            view! {
                                <tr>
                                    <td data-label=t("contract.col_version")>{t("contract.version_n").replace("{n}", &v.version.to_string())}</td>
                                    <td data-label=t("contract.col_kind")>{kind_label(&v.kind)}</td>
                                    <td data-label=t("contract.col_by")>
                                        <div>
                                            {by}
                                            <span class="code">{format_shanghai(v.created_at)}</span>
                                            {(!v.note.is_empty()).then(|| view! { <span class="code">{v.note.clone()}</span> })}
                                        </div>
                                    </td>
                                    <td data-label=t("contract.col_changes")>
                                        <div>
                                            {if v.changes.is_empty() { Some(view! { <span class="muted">"—"</span> }) } else { None }}
                                            <Changes list=v.changes.clone()/>
                                            <code class="hash short" title=v.sha256.clone()>{v.sha256.clone()}</code>
                                        </div>
                                    </td>
                                    <td data-label=t("contract.col_signatures")>{sigs}</td>
                                </tr>
                            }
                        }).collect_view()}
                    </tbody>
                </table>
            </div>
        </section>
    }
    .into_any()
}

/// The label of a timeline entry: `contract.event.<kind>`, else the payment or
/// service-execution slice's label, else the kind itself.
fn event_label(kind: &str) -> String {
    for section in ["contract", "payment", "contract_work"] {
        let key = format!("{section}.event.{kind}");
        let text = t(&key);
        if text != key {
            return text;
        }
    }
    kind.to_string()
}

/// The detail of a signing entry in words (other entries: as stored).
pub fn event_detail(kind: &str, detail: &str) -> String {
    let parts: Vec<&str> = detail.split(':').collect();
    let party = |s: &str| Party::parse(s).map(party_short).unwrap_or_else(|| s.to_string());
    let parties = |s: &str| s.split(',').filter(|x| !x.is_empty()).map(party).collect::<Vec<_>>().join("、");
    match (kind, parts.as_slice()) {
        ("amended", [v, p, n]) => t("contract.event_detail.amended").replace("{n}", v).replace("{party}", &party(p)).replace("{void}", n),
        ("signature", [p, v]) => t("contract.event_detail.signature").replace("{party}", &party(p)).replace("{n}", v),
        ("signed", [v]) => t("contract.event_detail.version").replace("{n}", v),
        ("lapsed" | "next_ranked", [list]) if !list.is_empty() => t("contract.event_detail.missing").replace("{parties}", &parties(list)),
        ("amendment_proposed", [id, k, p]) => format!("{} #{id} · {}", kind_label(k), party(p)),
        ("amendment_accepted", [id, k, v]) => format!("{} #{id} → {}", kind_label(k), t("contract.version_n").replace("{n}", v)),
        ("amendment_refused" | "amendment_withdrawn", [id, k]) => format!("{} #{id}", kind_label(k)),
        _ => detail.to_string(),
    }
}

#[component]
fn Timeline(list: Vec<ContractEventView>) -> impl IntoView {
    view! {
        <section class="panel timeline no-print" aria-labelledby="ctl-h">
            <h2 id="ctl-h">{t("contract.timeline")}</h2>
            {if list.is_empty() {
                view! { <Empty message=t("contract.timeline_empty")/> }.into_any()
            } else {
                view! {
                    <ol class="events" data-testid="contract-timeline">
                        {list.into_iter().map(|e| {
                            let detail = event_detail(&e.kind, &e.detail);
                            view! {
                                <li class=format!("event event-{}", e.kind)>
                                    <time>{format_shanghai(e.at)}</time>
                                    <span class="event-kind">{event_label(&e.kind)}</span>
                                    {e.actor.clone().map(|a| view! { <span class="event-actor">{a}</span> })}
                                    {(!detail.is_empty()).then(|| view! { <span class="event-detail">{detail}</span> })}
                                </li>
                            }
                        }).collect_view()}
                    </ol>
                }.into_any()
            }}
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::contract::{canonical_text, tests::sample_terms};

    #[test]
    fn the_text_is_shown_line_for_line_with_clauses_as_headings() {
        let text = canonical_text(&sample_terms());
        let blocks = text_blocks(&text);
        assert_eq!(blocks[0], (Block::Title, "中介服务合同".to_string()));
        let clauses: Vec<&str> = blocks.iter().filter(|(k, _)| *k == Block::Clause).map(|(_, l)| l.as_str()).collect();
        assert_eq!(clauses.len(), 8, "{clauses:?}");
        assert_eq!(clauses[0], "第一条 服务内容");
        assert!(blocks.iter().any(|(k, l)| *k == Block::Meta && l.starts_with("合同编号")));
        assert!(blocks.iter().any(|(k, l)| *k == Block::Item && l.starts_with("1. 预付款")));
        // nothing is lost: the non-empty lines, in order
        let shown: Vec<&str> = blocks.iter().map(|(_, l)| l.as_str()).collect();
        let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
        assert_eq!(shown, lines);
    }

    #[test]
    fn signing_events_read_as_words() {
        assert!(event_detail("signature", "firm:2").contains('2'));
        assert_eq!(event_detail("unknown", "x:y"), "x:y");
        assert_eq!(event_detail("lapsed", ""), "");
    }
}
