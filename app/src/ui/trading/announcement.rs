//! `/announcements/:code`: everything public about one selection announcement
//! (选取公告), its draws (verifiable in the browser), opened quotes, scores,
//! result, objections and timeline; and, for the signed-in firm, what it may do.
//!
//! The page is rendered once from the first load (server side, so it works with
//! JavaScript off); later loads (live events, the firm's own actions) replace
//! the data in place, section by section, so an open `<details>` or a half-typed
//! form is not thrown away when another firm registers.
use crate::api::trading::{
    get_my_part, get_trading_announcement, ActOnObjection, FileObjection, JustifyQuote, RegisterInterest, RespondAward, SubmitQuote,
    WithdrawParticipation,
};
use crate::domain::draw::{sha256_hex, verify, DrawMismatch};
use crate::domain::eligibility::{Ineligibility, MatchMode, Requirements};
use crate::domain::money::Fen;
use crate::domain::objection::ObjectionStatus;
use crate::domain::procurement::{Funding, SelectionMethod};
use crate::domain::time::format_shanghai;
use crate::error::AppError;
use crate::i18n::t;
use crate::model::trading::*;
use crate::ui::account::{here, use_auth, FieldError, FormError};
use crate::ui::components::{Empty, ErrorPanel, Loading, MethodTag, StatusTag};
use crate::ui::live::{use_live, LiveBadge};
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

#[component]
pub fn TradingAnnouncementPage() -> impl IntoView {
    let params = use_params_map();
    let code = move || params.with(|p| p.get("code").unwrap_or_default());
    let auth = use_auth();
    let first = Resource::new(code, get_trading_announcement);
    // Only a signed-in user has a part; anonymous visitors never call it (it would answer 401).
    let part = Resource::new(code, move |c| async move {
        match auth.user.await {
            Ok(Some(_)) => get_my_part(c).await.map(Some),
            _ => Ok(None),
        }
    });
    view! {
        <Suspense fallback=|| view! { <Loading/> }>
            {move || Suspend::new(async move {
                let a = first.await;
                let p = part.await;
                match a {
                    Ok(a) => view! { <AnnouncementBody first=a part=p/> }.into_any(),
                    Err(error) => view! { <Title text=t("error.title")/><ErrorPanel error/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// The actions a firm may take on this page (created once, so an error of a
/// form posted without JavaScript reaches them).
#[derive(Clone, Copy)]
struct Acts {
    register: ServerAction<RegisterInterest>,
    quote: ServerAction<SubmitQuote>,
    withdraw: ServerAction<WithdrawParticipation>,
    justify: ServerAction<JustifyQuote>,
    respond: ServerAction<RespondAward>,
    /// Called after an objection was filed (a multipart form, sent without
    /// leaving the page when JavaScript runs).
    objected: Callback<()>,
    objection: ServerAction<ActOnObjection>,
}

/// Calls `refresh` each time `action` succeeds.
fn refresh_on_success<S>(action: ServerAction<S>, refresh: Callback<()>)
where
    S: ServerFn<Error = AppError> + Clone + Send + Sync + 'static,
    S::Output: Clone + Send + Sync + 'static,
{
    Effect::new(move |_| {
        if matches!(action.value().get(), Some(Ok(_))) {
            refresh.run(());
        }
    });
}

type PartResult = Result<Option<MyPart>, AppError>;

#[component]
fn AnnouncementBody(first: Announcement, part: PartResult) -> impl IntoView {
    let code = first.code.clone();
    let signed_in = matches!(part, Ok(Some(_)));
    let current = RwSignal::new(first.clone());
    let part = RwSignal::new(part);
    // Reloads both; a later reload wins over an earlier one still under way.
    let seq = Arc::new(AtomicU64::new(0));
    let refresh = Callback::new({
        let code = code.clone();
        move |()| {
            let (code, seq) = (code.clone(), seq.clone());
            let mine = seq.fetch_add(1, Ordering::SeqCst) + 1;
            leptos::task::spawn_local(async move {
                let a = get_trading_announcement(code.clone()).await;
                let p = if signed_in { Some(get_my_part(code).await) } else { None };
                if seq.load(Ordering::SeqCst) != mine {
                    return;
                }
                if let Ok(a) = a {
                    current.set(a);
                }
                if let Some(p) = p {
                    part.set(p.map(Some));
                }
            });
        }
    });
    use_live(vec![format!("procurement:{code}")], move |_kind| refresh.run(()));
    let acts = Acts {
        register: ServerAction::new(),
        quote: ServerAction::new(),
        withdraw: ServerAction::new(),
        justify: ServerAction::new(),
        respond: ServerAction::new(),
        objected: refresh,
        objection: ServerAction::new(),
    };
    refresh_on_success(acts.register, refresh);
    refresh_on_success(acts.quote, refresh);
    refresh_on_success(acts.withdraw, refresh);
    refresh_on_success(acts.justify, refresh);
    refresh_on_success(acts.respond, refresh);
    refresh_on_success(acts.objection, refresh);

    // Slices of the current data: each section re-renders only when its slice changes.
    let status = Memo::new(move |_| current.with(|a| a.status.clone()));
    let count = Memo::new(move |_| current.with(|a| a.participant_count));
    let cancel_reason = Memo::new(move |_| current.with(|a| a.cancel_reason.clone()));
    let draws = Memo::new(move |_| current.with(|a| a.draws.clone()));
    let quotes = Memo::new(move |_| current.with(|a| a.quotes.clone()));
    let merit = Memo::new(move |_| current.with(|a| a.merit.clone()));
    let candidates = Memo::new(move |_| current.with(|a| a.candidates.clone()));
    let award = Memo::new(move |_| current.with(|a| a.award.clone()));
    let objections = Memo::new(move |_| current.with(|a| a.objections.clone()));
    let events = Memo::new(move |_| current.with(|a| a.events.clone()));
    let names = Memo::new(move |_| current.with(firm_names));
    // What the owner's panel works on (the server's clock left out, so a reload
    // that changes nothing does not rebuild it).
    let owner_view = Memo::new(move |_| {
        let mut a = current.get();
        a.now_ms = 0;
        a
    });

    let a = first;
    let method = SelectionMethod::parse(&a.method);
    let funding = Funding::parse(&a.funding).map(|f| t(f.label_key())).unwrap_or(a.funding.clone());
    let item_href = format!("/items/{}", a.item_code);
    let history_key = a.code.clone();
    let budget_label = if method == Some(SelectionMethod::PriceCompetition) { t("trading.ceiling") } else { t("announcement.budget") };
    let requirements = requirements_view(&a.requirements, &a.type_names);
    let method_rules = method_rules(&a);
    let deadline = a.deadline_at;
    let server_now = a.now_ms;
    let commitment = a.draw_commitment.clone();
    let type_names = a.type_names.clone();
    let criteria = a.params.merit.clone();
    let title = a.title.clone();

    view! {
        <Title text=title.clone()/>
        <nav class="breadcrumb" aria-label=t("nav.breadcrumb")>
            <a href="/">{t("nav.home")}</a>" / "<a href="/announcements">{t("trading.list_title")}</a>" / "{a.code.clone()}
        </nav>
        <article class="panel announcement-head">
            <h1>{title}</h1>
            <p class="tags">
                <MethodTag method=a.method.clone()/>
                {move || view! { <StatusTag status=status.get()/> }}
                <LiveBadge/>
            </p>
            {move || cancel_reason.get().map(|r| view! {
                <p class="notice" role="note">{t("announcement.cancel_reason")}"："{r}</p>
            })}
            {move || status_note(&status.get(), method, &events.get())}
            <dl class="facts wide">
                <div><dt>{t("announcement.code")}</dt><dd>{a.code.clone()}</dd></div>
                <div><dt>{t("trading.project_code")}</dt><dd>{or_dash(&a.project_code)}</dd></div>
                <div><dt>{t("announcement.owner")}</dt><dd>{a.owner_name.clone()}</dd></div>
                <div><dt>{t("announcement.item")}</dt><dd><a href=item_href>{a.item_code.clone()}" "{a.item_name.clone()}</a></dd></div>
                <div><dt>{t("announcement.region")}</dt><dd>{a.region_name.clone()}</dd></div>
                <div><dt>{t("announcement.industry")}</dt><dd>{a.industry_name.clone()}</dd></div>
                <div><dt>{t("announcement.funding")}</dt><dd>{funding}</dd></div>
                <div><dt>{budget_label}</dt><dd data-testid="budget">{Fen(a.budget_fen).to_string()}</dd></div>
                <div><dt>{t("announcement.service_days")}</dt><dd>{a.service_days}" "{t("unit.working_days")}</dd></div>
                <div><dt>{t("trading.qualification")}</dt><dd>{requirements}</dd></div>
                <div><dt>{t("trading.method")}</dt><dd><MethodTag method=a.method.clone()/><div class="method-rules">{method_rules}</div></dd></div>
                <div><dt>{t("trading.min_participants")}</dt><dd>{a.min_participants}</dd></div>
                <div><dt>{t("announcement.published_at")}</dt><dd>{a.published_at.map(format_shanghai).unwrap_or_else(|| "—".into())}</dd></div>
                <div><dt>{t("trading.deadline")}</dt><dd>{deadline.map(format_shanghai).unwrap_or_else(|| "—".into())}" "<span class="muted">{t("trading.beijing_time")}</span></dd></div>
                <div><dt>{t("trading.contact")}</dt><dd>{or_dash(format!("{} {}", a.contact_name, a.contact_phone).trim())}</dd></div>
                {a.published_at.is_some().then(|| view! {
                    <div><dt>{t("trading.open_data")}</dt><dd>
                        <a href=format!("/api/v1/ocds/records/{}", a.code) rel="external" data-testid="ocds-link">{t("trading.open_data_link")}</a>
                    </dd></div>
                })}
            </dl>
            {(!a.scope.trim().is_empty()).then(|| view! {
                <h2 class="sub">{t("trading.scope")}</h2>
                <p class="scope-text">{a.scope.clone()}</p>
            })}
        </article>

        <section class="panel taking-part" aria-labelledby="tp-h">
            <h2 id="tp-h">{t("trading.taking_part")}</h2>
            {move || {
                let open = status.get() == "published";
                view! {
                    <dl class="facts">
                        {(open && deadline.is_some()).then(|| view! {
                            <div class="countdown-row"><dt>{t("trading.time_left")}</dt><dd>
                                <Countdown deadline=deadline.unwrap_or_default() server_now on_deadline=refresh/>
                            </dd></div>
                        })}
                        <div><dt>{t("trading.participants")}</dt><dd data-testid="participant-count">{count.get()}" "<LiveBadge/></dd></div>
                    </dl>
                    {open.then(|| view! { <p class="hint">{t("trading.count_only")}</p> })}
                    {(open && method != Some(SelectionMethod::Direct)).then(|| commitment.clone().map(|c| view! {
                        <div class="commitment-box">
                            <p><strong>{t("trading.commitment")}</strong></p>
                            <p><code class="hash" data-testid="commitment">{c}</code></p>
                            <p class="hint">{t("trading.commitment_hint")}</p>
                        </div>
                    }))}
                }
            }}
        </section>

        <MyPanel part status method code=a.code.clone() type_names acts refresh owner_view/>

        {move || {
            let list = draws.get();
            (!list.is_empty()).then(|| view! { <DrawsSection list names=names.get()/> })
        }}
        {move || {
            // amounts are public only after opening (the server sends none before; this is a second guard)
            let list = quotes.get();
            (!list.is_empty() && status.get() != "published").then(|| view! { <QuotesSection list code=a.code.clone()/> })
        }}
        {move || {
            let rows = merit.get();
            (!rows.is_empty()).then(|| view! { <MeritSection rows criteria=criteria.clone()/> })
        }}
        {move || {
            let list = candidates.get();
            (!list.is_empty()).then(|| view! { <CandidatesSection list/> })
        }}
        {move || award.get().map(|w| view! { <AwardSection w direct_reason=a.params.direct_reason.clone()/> })}
        {move || {
            let list = objections.get();
            (!list.is_empty()).then(|| view! { <ObjectionsSection list part acts/> })
        }}
        {move || view! { <Timeline list=events.get() names=names.get()/> }}
        <crate::ui::timelimits::LightHistory kind="procurement" key=history_key/>
    }
}

/// The text, or "—" when blank.
fn or_dash(s: &str) -> String {
    if s.trim().is_empty() {
        "—".into()
    } else {
        s.trim().to_string()
    }
}

/// Credit code → firm name, from what the page already publishes.
fn firm_names(a: &Announcement) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = a.candidates.iter().map(|c| (c.credit_code.clone(), c.firm_name.clone())).collect();
    v.extend(a.quotes.iter().map(|q| (q.credit_code.clone(), q.firm_name.clone())));
    if let Some(w) = &a.award {
        v.push((w.credit_code.clone(), w.firm_name.clone()));
    }
    v.sort();
    v.dedup_by(|x, y| x.0 == y.0);
    v
}

fn name_of(names: &[(String, String)], code: &str) -> Option<String> {
    names.iter().find(|(c, _)| c == code).map(|(_, n)| n.clone())
}

/// `1234` hundredths of a point → `"12.34"`.
pub fn points(centi: i64) -> String {
    let sign = if centi < 0 { "-" } else { "" };
    let c = centi.unsigned_abs();
    format!("{sign}{}.{:02}", c / 100, c % 100)
}

/// "2 天 03:04:05" (or "03:04:05" under a day) for a positive duration.
pub fn remaining(ms: i64) -> String {
    let s = ms.max(0) / 1000;
    let (d, h, m, sec) = (s / 86_400, (s / 3600) % 24, (s / 60) % 60, s % 60);
    let hms = format!("{h:02}:{m:02}:{sec:02}");
    if d > 0 {
        t("trading.days_and").replace("{d}", &d.to_string()).replace("{hms}", &hms)
    } else {
        hms
    }
}

fn requirements_view(r: &Requirements, names: &[(String, String)]) -> AnyView {
    if r.qualifications.is_empty() {
        return view! { <span>{t("catalogue.no_qualification")}</span> }.into_any();
    }
    let mode = match r.mode {
        MatchMode::Any => t("trading.mode_any"),
        MatchMode::All => t("trading.mode_all"),
    };
    let items = r
        .qualifications
        .iter()
        .map(|q| {
            let name = name_of(names, &q.type_code).filter(|n| !n.is_empty()).unwrap_or_else(|| q.type_code.clone());
            let grade = q.min_grade.clone().map(|g| t("trading.min_grade").replace("{grade}", &g));
            view! { <li>{name}{grade.map(|g| view! { " " <span class="muted">{g}</span> })}</li> }
        })
        .collect_view();
    view! {
        <span>{mode}</span>
        <ul class="requirements">{items}</ul>
    }
    .into_any()
}

fn method_rules(a: &Announcement) -> AnyView {
    match SelectionMethod::parse(&a.method) {
        Some(SelectionMethod::Direct) => view! {
            <p>{t("trading.rule_direct")}</p>
            {a.params.direct_reason.clone().map(|r| view! { <p>{t("trading.direct_reason")}"："{r}</p> })}
        }
        .into_any(),
        Some(SelectionMethod::RandomDraw) => view! {
            <p>{t("trading.rule_draw").replace("{min}", &a.min_participants.to_string())}</p>
        }
        .into_any(),
        Some(SelectionMethod::PriceCompetition) => {
            let pct = a.params.abnormal_share_pct.unwrap_or(crate::domain::quote::ABNORMAL_SHARE_PCT);
            view! {
                <p>{t("trading.rule_price")}</p>
                <p>{t("trading.rule_abnormal").replace("{pct}", &pct.to_string())}</p>
            }
            .into_any()
        }
        Some(SelectionMethod::Merit) => match &a.params.merit {
            Some(m) => {
                let rows = m
                    .quality
                    .iter()
                    .map(|c| view! { <li>{c.name.clone()}"："{t("trading.points").replace("{n}", &c.max_points.to_string())}</li> })
                    .collect_view();
                view! {
                    <p>{t("trading.rule_merit")}</p>
                    <ul class="criteria" data-testid="merit-criteria">
                        <li>{t("trading.price_score")}"："{t("trading.points").replace("{n}", &m.price_weight.to_string())}
                            " "<span class="muted">{t("trading.price_formula")}</span></li>
                        {rows}
                    </ul>
                }
                .into_any()
            }
            None => view! { <p>{t("trading.rule_merit")}</p> }.into_any(),
        },
        None => ().into_any(),
    }
}

/// A short explanation of where the announcement stands, for states that wait on someone.
fn status_note(status: &str, method: Option<SelectionMethod>, events: &[EventView]) -> Option<AnyView> {
    let text = match status {
        "closed" => match method {
            Some(SelectionMethod::Merit) => t("trading.note_closed_merit"),
            Some(SelectionMethod::PriceCompetition) => t("trading.note_closed_price"),
            _ => t("trading.note_closed"),
        },
        "failed" => {
            let why = events.iter().rev().find(|e| e.kind == "failed").map(|e| event_detail("failed", &e.detail, &[])).unwrap_or_default();
            format!("{}{}", t("trading.note_failed"), if why.is_empty() { String::new() } else { format!("（{why}）") })
        }
        _ => return None,
    };
    Some(view! { <p class="notice" role="note" data-testid="status-note">{text}</p> }.into_any())
}

#[cfg(feature = "hydrate")]
mod clock {
    use wasm_bindgen::prelude::*;
    #[wasm_bindgen]
    extern "C" {
        /// `Date.now()`: the browser's clock in epoch ms.
        #[wasm_bindgen(js_namespace = Date, js_name = now)]
        pub fn date_now() -> f64;
    }
}

/// Time left until `deadline`: static on the server (from the server's clock),
/// ticking every second in the browser. Calls `on_deadline` once shortly after
/// the deadline, so the page reloads into the closed state.
#[component]
fn Countdown(deadline: i64, server_now: i64, on_deadline: Callback<()>) -> impl IntoView {
    let now = RwSignal::new(server_now);
    #[cfg(feature = "hydrate")]
    Effect::new(move |_| {
        use std::cell::Cell;
        use std::rc::Rc;
        // Trust the browser's clock unless it is far from the server's.
        let skew = clock::date_now() as i64 - server_now;
        let offset = if skew.abs() < 120_000 { 0 } else { -skew };
        let fired = Rc::new(Cell::new(false));
        let tick = move || {
            let n = clock::date_now() as i64 + offset;
            now.set(n);
            if n >= deadline && !fired.replace(true) {
                set_timeout(move || on_deadline.run(()), std::time::Duration::from_millis(1500));
            }
        };
        tick();
        if let Ok(h) = set_interval_with_handle(tick, std::time::Duration::from_secs(1)) {
            on_cleanup(move || h.clear());
        }
    });
    #[cfg(not(feature = "hydrate"))]
    let _ = on_deadline;
    view! {
        <span class="countdown" role="timer" data-testid="countdown">
            {move || {
                let left = deadline - now.get();
                if left > 0 { remaining(left) } else { t("trading.deadline_reached") }
            }}
        </span>
    }
}

/// What the signed-in viewer may do: a firm's eligibility and actions, the owner's panel.
#[component]
fn MyPanel(
    part: RwSignal<PartResult>,
    status: Memo<String>,
    method: Option<SelectionMethod>,
    code: String,
    type_names: Vec<(String, String)>,
    acts: Acts,
    refresh: Callback<()>,
    owner_view: Memo<Announcement>,
) -> impl IntoView {
    let mine = Memo::new(move |_| part.get());
    move || {
        let code = code.clone();
        let type_names = type_names.clone();
        match mine.get() {
            Err(error) => view! { <div class="panel error" role="alert"><p>{t(error.message_key())}</p></div> }.into_any(),
            Ok(None) => {
                let takes_part = status.get() == "published" && method.is_some_and(|m| m != SelectionMethod::Direct);
                takes_part
                    .then(|| {
                        let next = crate::model::catalogue::encode_component(&here());
                        view! {
                            <p class="panel sign-in-hint">
                                {t("trading.sign_in_to_take_part")}" "
                                <a href=format!("/sign-in?next={next}")>{t("account.sign_in")}</a>
                            </p>
                        }
                    })
                    .into_any()
            }
            Ok(Some(p)) if p.is_owner => view! {
                <ContractLink code=p.contract_code.clone()/>
                {move || {
                    let a = owner_view.get();
                    view! { <crate::ui::trading::owner_panel::OwnerPanel a on_change=refresh/> }
                }}
            }
            .into_any(),
            Ok(Some(p)) if p.is_firm => view! {
                <ContractLink code=p.contract_code.clone()/>
                <FirmPanel p status=status.get() method code type_names acts/>
            }
            .into_any(),
            Ok(Some(_)) => ().into_any(),
        }
    }
}

const QUOTE_FIELDS: &[&str] = &["amount"];
const TEXT_FIELDS: &[&str] = &["text"];
const REASON_FIELDS: &[&str] = &["reason"];
const NO_FIELDS: &[&str] = &[];

/// An ineligibility reason with its particulars (type names, grades).
pub fn ineligibility_text(r: &Ineligibility, names: &[(String, String)]) -> String {
    let type_name = |code: &str| name_of(names, code).filter(|n| !n.is_empty()).unwrap_or_else(|| code.to_string());
    let base = t(r.message_key());
    match r {
        Ineligibility::NotActive { status } => format!("{base}（{}）", t(&format!("firm_status.{status}"))),
        Ineligibility::MissingQualification { type_code } => format!("{base}（{}）", type_name(type_code)),
        Ineligibility::GradeTooLow { type_code, held, required } => format!(
            "{base}（{}）",
            t("eligibility.grade_detail").replace("{type}", &type_name(type_code)).replace("{held}", held).replace("{required}", required)
        ),
        _ => base,
    }
}

#[component]
fn FirmPanel(p: MyPart, status: String, method: Option<SelectionMethod>, code: String, type_names: Vec<(String, String)>, acts: Acts) -> impl IntoView {
    let open = status == "published";
    let eligible = p.ineligible.is_empty();
    let registered = p.participation.as_deref() == Some("registered");
    let participation = match p.participation.as_deref() {
        Some("registered") if method.is_some_and(|m| m != SelectionMethod::RandomDraw) => t("trading.part_quoted"),
        Some("registered") => t("trading.part_registered"),
        Some("withdrawn") => t("trading.part_withdrawn"),
        _ => t("trading.part_none"),
    };
    let eligibility = open.then(|| {
        if eligible {
            view! { <p class="form-ok" data-testid="eligibility">{t("trading.eligible")}</p> }.into_any()
        } else {
            view! {
                <div class="panel warn" data-testid="eligibility" role="note">
                    <p><strong>{t("trading.ineligible")}</strong></p>
                    <ul class="findings">
                        {p.ineligible.iter().map(|r| view! { <li>{ineligibility_text(r, &type_names)}</li> }).collect_view()}
                    </ul>
                </div>
            }
            .into_any()
        }
    });
    let receipt = p.quote_receipt.clone().map(|r| {
        view! {
            <div><dt>{t("trading.my_receipt")}</dt><dd><code class="hash" data-testid="my-receipt">{r}</code></dd></div>
            <div><dt>{t("trading.submitted_at")}</dt><dd>{p.quote_submitted_at.map(format_shanghai)}</dd></div>
        }
    });
    let takes_quotes = method.is_some_and(|m| matches!(m, SelectionMethod::PriceCompetition | SelectionMethod::Merit));
    let take_part = (open && eligible).then(|| match method {
        Some(SelectionMethod::RandomDraw) if !registered => view! { <RegisterForm action=acts.register code=code.clone()/> }.into_any(),
        _ if takes_quotes => view! { <QuoteForm action=acts.quote code=code.clone() replacing=p.quote_receipt.is_some()/> }.into_any(),
        _ => ().into_any(),
    });
    let withdraw = (open && registered).then(|| view! { <WithdrawForm action=acts.withdraw code=code.clone()/> });
    let justify = p.must_justify.then(|| view! { <JustifyForm action=acts.justify code=code.clone()/> });
    let respond = p.may_confirm.then(|| view! { <RespondForms action=acts.respond code=code.clone()/> });
    let object = p.may_object.then(|| view! { <ObjectionForm code=code.clone() on_filed=acts.objected/> });
    view! {
        <section class="panel my-part" aria-labelledby="my-h" data-testid="my-part">
            <h2 id="my-h">{t("trading.my_part")}</h2>
            {eligibility}
            <dl class="facts">
                <div><dt>{t("trading.my_participation")}</dt><dd data-testid="my-participation">{participation}</dd></div>
                {receipt}
            </dl>
            {take_part}
            {withdraw}
            {justify}
            {respond}
            {object}
        </section>
    }
}

#[component]
fn RegisterForm(action: ServerAction<RegisterInterest>, code: String) -> impl IntoView {
    let value = action.value();
    let pending = action.pending();
    view! {
        <ActionForm action attr:class="form action-form">
            <input type="hidden" name="code" value=code/>
            <p class="hint">{t("trading.register_hint")}</p>
            <FormError value fields=NO_FIELDS/>
            <button type="submit" class="button primary" disabled=pending>{t("trading.register")}</button>
        </ActionForm>
    }
}

#[component]
fn QuoteForm(action: ServerAction<SubmitQuote>, code: String, replacing: bool) -> impl IntoView {
    let value = action.value();
    let pending = action.pending();
    let receipt = move || match value.get() {
        Some(Ok(r)) => Some(view! {
            <p class="form-ok" role="status">{t("trading.quote_received")}" "<code class="hash" data-testid="new-receipt">{r}</code></p>
        }),
        _ => None,
    };
    view! {
        <ActionForm action attr:class="form action-form quote-form" attr:novalidate=true>
            <input type="hidden" name="code" value=code/>
            <div class="field">
                <label for="quote-amount">{t("trading.amount_yuan")}</label>
                <input id="quote-amount" name="amount" inputmode="decimal" autocomplete="off" required maxlength="20"
                    placeholder="0.00" aria-describedby="amount-error quote-hint"/>
                <FieldError field="amount" value/>
                <p class="hint" id="quote-hint">{t("trading.quote_hint")}</p>
            </div>
            <FormError value fields=QUOTE_FIELDS/>
            {receipt}
            <button type="submit" class="button primary" disabled=pending>
                {if replacing { t("trading.change_quote") } else { t("trading.submit_quote") }}
            </button>
        </ActionForm>
    }
}

#[component]
fn WithdrawForm(action: ServerAction<WithdrawParticipation>, code: String) -> impl IntoView {
    let value = action.value();
    let pending = action.pending();
    view! {
        <ActionForm action attr:class="form action-form">
            <input type="hidden" name="code" value=code/>
            <p class="hint">{t("trading.withdraw_hint")}</p>
            <FormError value fields=NO_FIELDS/>
            <button type="submit" class="button danger" disabled=pending>{t("trading.withdraw")}</button>
        </ActionForm>
    }
}

#[component]
fn JustifyForm(action: ServerAction<JustifyQuote>, code: String) -> impl IntoView {
    let value = action.value();
    let pending = action.pending();
    view! {
        <ActionForm action attr:class="form action-form" attr:novalidate=true>
            <input type="hidden" name="code" value=code/>
            <div class="field">
                <label for="justify-text">{t("trading.justify_label")}</label>
                <textarea id="justify-text" name="text" rows="4" maxlength="2000" required aria-describedby="text-error"></textarea>
                <FieldError field="text" value/>
                <p class="hint">{t("trading.justify_hint")}</p>
            </div>
            <FormError value fields=TEXT_FIELDS/>
            <button type="submit" class="button primary" disabled=pending>{t("trading.justify")}</button>
        </ActionForm>
    }
}

#[component]
fn RespondForms(action: ServerAction<RespondAward>, code: String) -> impl IntoView {
    let value = action.value();
    let pending = action.pending();
    let code2 = code.clone();
    view! {
        <div class="respond">
            <p class="notice" role="note">{t("trading.may_confirm")}</p>
            <ActionForm action attr:class="form action-form">
                <input type="hidden" name="code" value=code/>
                <input type="hidden" name="decision" value="confirm"/>
                <button type="submit" class="button primary" disabled=pending>{t("trading.confirm")}</button>
            </ActionForm>
            <details class="decline">
                <summary>{t("trading.decline")}</summary>
                <ActionForm action attr:class="form action-form" attr:novalidate=true>
                    <input type="hidden" name="code" value=code2/>
                    <input type="hidden" name="decision" value="decline"/>
                    <div class="field">
                        <label for="decline-reason">{t("trading.decline_reason")}</label>
                        <textarea id="decline-reason" name="reason" rows="3" maxlength="500" aria-describedby="reason-error"></textarea>
                        <FieldError field="reason" value/>
                        <p class="hint">{t("trading.decline_hint")}</p>
                    </div>
                    <button type="submit" class="button danger" disabled=pending>{t("trading.decline_submit")}</button>
                </ActionForm>
            </details>
            <FormError value fields=REASON_FIELDS/>
        </div>
    }
}

const OBJECTION_FIELDS: &[&str] = &["reason", "file"];

/// The objection form: a plain multipart form (reason and an optional
/// attachment) that works with JavaScript off; with JavaScript it is sent
/// without leaving the page, so a refused attachment keeps the typed reason.
#[component]
fn ObjectionForm(code: String, on_filed: Callback<()>) -> impl IntoView {
    // an objection refused during a plain form post comes back in the URL
    let error = RwSignal::new(crate::ui::account::plain_form_error(FileObjection::PATH));
    let value = Signal::derive(move || error.get().map(Err::<(), _>));
    let busy = RwSignal::new(false);
    let send = Action::new_local(|data: &leptos::web_sys::FormData| file_objection_local(data.clone()));
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
                    on_filed.run(());
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
    view! {
        <details class="object" open=move || error.get().is_some()>
            <summary>{t("trading.object")}</summary>
            <form class="form action-form" method="post" action=FileObjection::PATH enctype="multipart/form-data" novalidate
                node_ref=form_ref on:submit=on_submit data-testid="objection-form">
                <input type="hidden" name="code" value=code/>
                <div class="field">
                    <label for="objection-reason">{t("trading.objection_reason")}</label>
                    <textarea id="objection-reason" name="reason" rows="4" maxlength="2000" aria-describedby="reason-error"></textarea>
                    <FieldError field="reason" value/>
                    <p class="hint">{t("trading.objection_hint")}</p>
                </div>
                <div class="field">
                    <label for="objection-file">{t("trading.objection_file")}</label>
                    <input id="objection-file" type="file" name="file"
                        accept=".pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png" aria-describedby="objection-file-hint file-error"/>
                    <p class="hint" id="objection-file-hint">{t("trading.objection_file_hint")}</p>
                    <FieldError field="file" value/>
                </div>
                <FormError value fields=OBJECTION_FIELDS/>
                <button type="submit" class="button primary" disabled=move || busy.get()>
                    {move || if busy.get() { t("trading.objection_submitting") } else { t("trading.object_submit") }}
                </button>
            </form>
        </details>
    }
}

/// Sends the objection form's data to `trading/object` (browser only).
async fn file_objection_local(data: leptos::web_sys::FormData) -> Result<i64, AppError> {
    crate::api::trading::file_objection(data.into()).await
}

#[component]
fn DrawsSection(list: Vec<DrawView>, names: Vec<(String, String)>) -> impl IntoView {
    view! {
        <section class="panel draws" aria-labelledby="draws-h">
            <h2 id="draws-h">{t("trading.draws")}</h2>
            <p class="hint">{t("trading.draws_hint")}</p>
            {list.into_iter().map(|d| view! { <DrawCard d names=names.clone()/> }).collect_view()}
        </section>
    }
}

fn draw_purpose(purpose: &str) -> String {
    match purpose.strip_prefix("tie-") {
        Some(n) => t("trading.draw_tie").replace("{n}", n),
        None => t("trading.draw_selection"),
    }
}

#[component]
fn DrawCard(d: DrawView, names: Vec<(String, String)>) -> impl IntoView {
    let draw = d.draw.clone();
    let (result, set_result) = signal(None::<Result<(), DrawMismatch>>);
    let json = serde_json::to_string_pretty(&d.draw).unwrap_or_default();
    let href = format!("data:application/json;charset=utf-8,{}", crate::model::catalogue::encode_component(&json));
    let file = format!("draw-{}-{}.json", d.draw.procurement_code.replace(|c: char| !c.is_ascii_alphanumeric() && c != '-', "_"), d.purpose);
    let check = move |_| set_result.set(Some(verify(&draw)));
    let label = |code: &str| match name_of(&names, code) {
        Some(n) => format!("{n}（{code}）"),
        None => code.to_string(),
    };
    let registrants = d.draw.registrants.iter().map(|c| view! { <li>{label(c)}</li> }).collect_view();
    let ranking = d
        .draw
        .ranking
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let role = if i == 0 { t("trading.drawn_first") } else { t("trading.reserve_n").replace("{n}", &i.to_string()) };
            view! { <li>{label(c)}" "<span class="tag">{role}</span></li> }
        })
        .collect_view();
    view! {
        <article class="draw" data-testid="draw">
            <h3>{draw_purpose(&d.purpose)}" · "{format_shanghai(d.drawn_at)}</h3>
            <dl class="facts wide hashes">
                <div><dt>{t("trading.draw_code")}</dt><dd><code>{d.draw.procurement_code.clone()}</code></dd></div>
                <div><dt>{t("trading.commitment")}</dt><dd><code class="hash">{d.draw.commitment.clone()}</code></dd></div>
                <div><dt>{t("trading.secret")}</dt><dd><code class="hash" data-testid="secret">{d.draw.secret.clone()}</code></dd></div>
                <div><dt>{t("trading.registrant_hash")}</dt><dd><code class="hash">{d.draw.registrant_hash.clone()}</code></dd></div>
                <div><dt>{t("trading.seed")}</dt><dd><code class="hash">{d.draw.seed.clone()}</code></dd></div>
            </dl>
            <div class="draw-lists">
                <div>
                    <h4>{t("trading.frozen_registrants").replace("{n}", &d.draw.registrants.len().to_string())}</h4>
                    <ol class="codes">{registrants}</ol>
                </div>
                <div>
                    <h4>{t("trading.ranking")}</h4>
                    <ol class="codes" data-testid="ranking">{ranking}</ol>
                </div>
            </div>
            <div class="verify">
                <button type="button" class="button" on:click=check data-testid="verify-draw">{t("trading.verify")}</button>
                <span role="status" aria-live="polite">
                    {move || result.get().map(|r| match r {
                        Ok(()) => view! { <span class="verify-result ok" data-testid="verify-result">{t("trading.verify_ok")}</span> }.into_any(),
                        Err(m) => view! {
                            <span class="verify-result bad" data-testid="verify-result">{t("trading.verify_bad")}"："{t(m.message_key())}</span>
                        }.into_any(),
                    })}
                </span>
            </div>
            <details class="verify-cli">
                <summary>{t("trading.verify_cli")}</summary>
                <ol class="steps">
                    <li>{t("trading.verify_step_save")}" "<a href=href download=file.clone()>{t("trading.download_json")}" "{file.clone()}</a></li>
                    <li>{t("trading.verify_step_run")}<pre><code>{format!("server verify-draw {file}")}</code></pre></li>
                    <li>{t("trading.verify_step_algo")}</li>
                </ol>
                <label class="sr-only" for=format!("json-{}", d.purpose)>{t("trading.draw_json")}</label>
                <textarea class="draw-json" id=format!("json-{}", d.purpose) readonly rows="10">{json}</textarea>
            </details>
        </article>
    }
}

/// Whether an opened quote's receipt is the one the firm got when it sealed the
/// amount: `SHA-256(code \n credit code \n amount in fen \n salt)`.
pub fn receipt_matches(code: &str, q: &OpenedQuoteView) -> Option<bool> {
    let (salt, receipt) = (q.salt.as_deref()?, q.receipt.as_deref()?);
    Some(sha256_hex(format!("{code}\n{}\n{}\n{salt}", q.credit_code, q.amount_fen).as_bytes()) == receipt)
}

#[component]
fn QuotesSection(list: Vec<OpenedQuoteView>, code: String) -> impl IntoView {
    let rows = list
        .into_iter()
        .map(|q| {
            let matches = receipt_matches(&code, &q);
            let abnormal = q.abnormal == 1;
            let decision = q.justification_decision.clone().map(|d| label_of("justification", &d));
            view! {
                <tr class:abnormal=abnormal>
                    <td data-label=t("trading.firm")><div>{q.firm_name.clone()}<span class="code">{q.credit_code.clone()}</span></div></td>
                    <td data-label=t("trading.amount") class="num">{Fen(q.amount_fen).to_string()}</td>
                    <td data-label=t("trading.submitted_at")>{format_shanghai(q.submitted_at)}</td>
                    <td data-label=t("trading.receipt")><div>
                        <code class="hash short">{q.receipt.clone().unwrap_or_else(|| "—".into())}</code>
                        {matches.map(|ok| view! {
                            " "<span class=if ok { "tag ok" } else { "tag bad" }>{t(if ok { "trading.receipt_ok" } else { "trading.receipt_bad" })}</span>
                        })}
                    </div></td>
                    <td data-label=t("trading.salt")><code class="hash short">{q.salt.clone().unwrap_or_else(|| "—".into())}</code></td>
                    <td data-label=t("trading.abnormal")>
                        {if abnormal { view! { <span class="tag warn">{t("trading.abnormal_yes")}</span> }.into_any() } else { "—".into_any() }}
                    </td>
                    <td data-label=t("trading.justification_col")><div>
                        {q.justification.clone().map(|j| view! { <p class="quote-text">{j}</p> })}
                        {decision.map(|d| view! { <span class="tag">{d}</span> })}
                        {(abnormal && q.justification.is_none()).then(|| view! { <span class="muted">{t("trading.justification_pending")}</span> })}
                        {(!abnormal).then(|| "—")}
                    </div></td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <section class="panel quotes" aria-labelledby="quotes-h">
            <h2 id="quotes-h">{t("trading.quotes")}</h2>
            <p class="hint">{t("trading.quotes_hint")}</p>
            <div class="table-wrap">
                <table class="data quotes-table" data-testid="quotes">
                    <thead><tr>
                        <th scope="col">{t("trading.firm")}</th>
                        <th scope="col">{t("trading.amount")}</th>
                        <th scope="col">{t("trading.submitted_at")}</th>
                        <th scope="col">{t("trading.receipt")}</th>
                        <th scope="col">{t("trading.salt")}</th>
                        <th scope="col">{t("trading.abnormal")}</th>
                        <th scope="col">{t("trading.justification_col")}</th>
                    </tr></thead>
                    <tbody>{rows}</tbody>
                </table>
            </div>
        </section>
    }
}

#[component]
fn MeritSection(rows: Vec<MeritRow>, criteria: Option<crate::domain::merit::MeritCriteria>) -> impl IntoView {
    let heads = criteria
        .as_ref()
        .map(|c| c.quality.iter().map(|q| format!("{}（{}）", q.name, q.max_points)).collect::<Vec<_>>())
        .unwrap_or_default();
    let price_head = match &criteria {
        Some(c) => format!("{}（{}）", t("trading.price_score"), c.price_weight),
        None => t("trading.price_score"),
    };
    let body = rows
        .into_iter()
        .map(|r| {
            let cells = r
                .quality_centi
                .iter()
                .enumerate()
                .map(|(i, s)| {
                    let label = heads.get(i).cloned().unwrap_or_default();
                    view! { <td data-label=label class="num">{points(*s)}</td> }
                })
                .collect_view();
            view! {
                <tr>
                    <td data-label=t("trading.firm")><div>{r.firm_name.clone()}<span class="code">{r.credit_code.clone()}</span></div></td>
                    <td data-label=t("trading.amount") class="num">{Fen(r.amount_fen).to_string()}</td>
                    <td data-label=price_head.clone() class="num">{points(r.price_centi)}</td>
                    {cells}
                    <td data-label=t("trading.total") class="num"><strong>{points(r.total_centi)}</strong></td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <section class="panel merit" aria-labelledby="merit-h">
            <h2 id="merit-h">{t("trading.merit_scores")}</h2>
            <p class="hint">{t("trading.merit_hint")}</p>
            <div class="table-wrap">
                <table class="data merit-table" data-testid="merit">
                    <thead><tr>
                        <th scope="col">{t("trading.firm")}</th>
                        <th scope="col">{t("trading.amount")}</th>
                        <th scope="col">{price_head.clone()}</th>
                        {heads.iter().map(|h| view! { <th scope="col">{h.clone()}</th> }).collect_view()}
                        <th scope="col">{t("trading.total")}</th>
                    </tr></thead>
                    <tbody>{body}</tbody>
                </table>
            </div>
        </section>
    }
}

#[component]
fn CandidatesSection(list: Vec<CandidateView>) -> impl IntoView {
    let rows = list
        .into_iter()
        .map(|c| {
            let figure = match (c.amount_fen, c.score_centi) {
                (_, Some(s)) => format!("{} {}", points(s), t("trading.points_unit")),
                (Some(a), None) => Fen(a).to_string(),
                (None, None) => "—".into(),
            };
            let status = label_of("candidate", &c.status);
            view! {
                <tr class=format!("candidate-{}", c.status)>
                    <td data-label=t("trading.rank") class="num">{c.rank}</td>
                    <td data-label=t("trading.firm")><div>{c.firm_name.clone()}<span class="code">{c.credit_code.clone()}</span></div></td>
                    <td data-label=t("trading.amount_or_score") class="num">{figure}</td>
                    <td data-label=t("trading.candidate_status")><div>
                        <span class=format!("tag candidate-{}", c.status)>{status}</span>
                        {c.reason.clone().filter(|r| !r.is_empty()).map(|r| view! { <p class="muted">{r}</p> })}
                    </div></td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <section class="panel candidates" aria-labelledby="cand-h">
            <h2 id="cand-h">{t("trading.candidates")}</h2>
            <div class="table-wrap">
                <table class="data candidates-table" data-testid="candidates">
                    <thead><tr>
                        <th scope="col">{t("trading.rank")}</th>
                        <th scope="col">{t("trading.firm")}</th>
                        <th scope="col">{t("trading.amount_or_score")}</th>
                        <th scope="col">{t("trading.candidate_status")}</th>
                    </tr></thead>
                    <tbody>{rows}</tbody>
                </table>
            </div>
        </section>
    }
}

#[component]
fn AwardSection(w: AwardView, direct_reason: Option<String>) -> impl IntoView {
    let reason = label_of("award_reason", &w.reason);
    let reason = if w.reason == "direct" {
        match direct_reason {
            Some(r) => format!("{reason}：{r}"),
            None => reason,
        }
    } else {
        reason
    };
    let time = |v: Option<i64>| v.map(format_shanghai).unwrap_or_else(|| "—".into());
    let confirmed = match w.confirmed_at {
        Some(at) => format_shanghai(at),
        None if w.status == "publicity" => t("trading.not_confirmed"),
        None => "—".into(),
    };
    view! {
        <section class=format!("panel award award-{}", w.status) aria-labelledby="award-h" data-testid="award">
            <h2 id="award-h">{t("announcement.award")}</h2>
            <p class="tags"><span class=format!("tag award-status-{}", w.status)>{label_of("award_status", &w.status)}</span></p>
            <dl class="facts">
                <div><dt>{t("announcement.awarded_firm")}</dt><dd data-testid="award-firm">{w.firm_name.clone()}<span class="code block">{w.credit_code.clone()}</span></dd></div>
                <div><dt>{t("announcement.award_amount")}</dt><dd data-testid="award-amount">{Fen(w.amount_fen).to_string()}</dd></div>
                <div><dt>{t("trading.award_reason_label")}</dt><dd>{reason}</dd></div>
                <div><dt>{t("trading.rank")}</dt><dd>{w.rank}</dd></div>
                <div><dt>{t("announcement.awarded_at")}</dt><dd>{format_shanghai(w.awarded_at)}</dd></div>
                <div><dt>{t("trading.publicity_ends")}</dt><dd>{time(w.publicity_ends_at)}</dd></div>
                <div><dt>{t("trading.confirm_due")}</dt><dd>{time(w.confirm_due_at)}</dd></div>
                <div><dt>{t("trading.confirmed_at")}</dt><dd>{confirmed}</dd></div>
                <div><dt>{t("trading.final_at")}</dt><dd>{time(w.final_at)}</dd></div>
            </dl>
        </section>
    }
}

#[component]
fn ObjectionsSection(list: Vec<ObjectionView>, part: RwSignal<PartResult>, acts: Acts) -> impl IntoView {
    // The firm that filed an objection may accept the answer or escalate it.
    let firm_acts = move |id: i64| matches!(part.get(), Ok(Some(p)) if p.is_firm && p.own_objections.contains(&id));
    // An attachment is for the parties only (`domain::files::may_read`): the
    // objecting firm, the owner, operators and regulators.
    let auth = crate::ui::account::use_auth();
    let reads_attachment = move |id: i64| {
        use crate::domain::accounts::Role;
        let staff = matches!(auth.user.get(), Some(Ok(Some(u))) if matches!(u.role, Role::Admin | Role::Operator | Role::Regulator));
        staff || matches!(part.get(), Ok(Some(p)) if p.is_owner || p.own_objections.contains(&id))
    };
    let value = acts.objection.value();
    let items = list
        .into_iter()
        .map(|o| {
            let status = ObjectionStatus::parse(&o.status);
            let label = status.map(|s| t(s.label_key())).unwrap_or_else(|| o.status.clone());
            let may_accept = status == Some(ObjectionStatus::Answered);
            let may_escalate = matches!(status, Some(ObjectionStatus::Answered | ObjectionStatus::Claim));
            let id = o.id;
            let time = |v: Option<i64>| v.map(format_shanghai);
            view! {
                <li class=format!("objection objection-{}", o.status) data-testid="objection">
                    <p class="objection-head">
                        <strong>{o.firm_name.clone()}</strong>" "
                        <span class=format!("tag objection-status-{}", o.status)>{label}</span>" "
                        <span class="muted">{time(o.filed_at)}</span>
                    </p>
                    <p class="quote-text"><span class="muted">{t("trading.objection_reason")}"："</span>{o.reason.clone()}</p>
                    {o.file_id.map(|f| view! {
                        {move || reads_attachment(id).then(|| view! {
                            <p><a href=format!("/files/{f}") rel="external" target="_blank" data-testid="objection-attachment">{t("trading.objection_attachment")}</a></p>
                        })}
                    })}
                    {o.answer_due_at.filter(|_| o.answer.is_none()).map(|d| view! {
                        <p class="muted">{t("trading.answer_due")}"："{format_shanghai(d)}</p>
                    })}
                    {o.answer.clone().map(|a| view! {
                        <p class="quote-text"><span class="muted">{t("trading.objection_answer")}"（"{time(o.answered_at)}"）："</span>{a}</p>
                    })}
                    {o.decision.clone().map(|d| view! {
                        <p class="quote-text"><span class="muted">{t("trading.objection_decision")}"："</span>
                            <span class="tag">{label_of("decision", &d)}</span>" "{o.decision_reason.clone()}</p>
                    })}
                    {move || (firm_acts(id) && (may_accept || may_escalate)).then(|| view! {
                        <div class="row-actions">
                            {may_accept.then(|| view! {
                                <ActionForm action=acts.objection>
                                    <input type="hidden" name="id" value=id.to_string()/>
                                    <input type="hidden" name="action" value="accept"/>
                                    <button type="submit" class="button secondary">{t("trading.objection_accept")}</button>
                                </ActionForm>
                            })}
                            {may_escalate.then(|| view! {
                                <ActionForm action=acts.objection>
                                    <input type="hidden" name="id" value=id.to_string()/>
                                    <input type="hidden" name="action" value="escalate"/>
                                    <button type="submit" class="button secondary">{t("trading.objection_escalate")}</button>
                                </ActionForm>
                            })}
                        </div>
                    })}
                </li>
            }
        })
        .collect_view();
    view! {
        <section class="panel objections" aria-labelledby="obj-h">
            <h2 id="obj-h">{t("trading.objections")}</h2>
            <ul class="objection-list">{items}</ul>
            <FormError value fields=NO_FIELDS/>
        </section>
    }
}

/// The detail of a timeline entry in words.
pub fn event_detail(kind: &str, detail: &str, names: &[(String, String)]) -> String {
    let firm = |code: &str| name_of(names, code).map(|n| format!("{n}（{code}）")).unwrap_or_else(|| code.to_string());
    match kind {
        "drawn" => t("trading.event_detail.drawn").replace("{n}", detail),
        "opened" => t("trading.event_detail.opened").replace("{n}", detail),
        "scored" => t("trading.event_detail.scored").replace("{n}", detail),
        "selected" | "confirmed" | "declined" | "lapsed" | "disqualified" => t("trading.event_detail.rank").replace("{n}", detail),
        "published" if !detail.is_empty() => t("trading.event_detail.commitment").replace("{hash}", detail),
        "objection_filed" | "objection_answered" | "objection_resolved" | "objection_escalated" | "objection_upheld" | "objection_dismissed" => {
            t("trading.event_detail.objection").replace("{n}", detail)
        }
        "abnormal" | "excluded" | "justification_accepted" | "justification_rejected" => {
            detail.split(',').filter(|c| !c.is_empty()).map(firm).collect::<Vec<_>>().join("、")
        }
        "failed" => {
            if let Some(rest) = detail.strip_prefix("too_few:") {
                let (n, min) = rest.split_once('<').unwrap_or((rest, ""));
                t("trading.event_detail.too_few").replace("{n}", n).replace("{min}", min)
            } else if let Some(n) = detail.strip_prefix("too_few_valid:") {
                t("trading.event_detail.too_few_valid").replace("{n}", n)
            } else if detail == "no_candidate_left" {
                t("trading.event_detail.no_candidate_left")
            } else {
                detail.to_string()
            }
        }
        _ => detail.to_string(),
    }
}

/// The label of `value` under `section` (`trading.<section>.<value>`), or the
/// value itself when there is none (e.g. free-text reasons of older records).
fn label_of(section: &str, value: &str) -> String {
    let key = format!("trading.{section}.{value}");
    let text = t(&key);
    if text == key {
        value.to_string()
    } else {
        text
    }
}

#[component]
fn Timeline(list: Vec<EventView>, names: Vec<(String, String)>) -> impl IntoView {
    view! {
        <section class="panel timeline" aria-labelledby="tl-h">
            <h2 id="tl-h">{t("trading.timeline")}</h2>
            {if list.is_empty() {
                view! { <Empty message=t("trading.timeline_empty")/> }.into_any()
            } else {
                view! {
                    <ol class="events" data-testid="timeline">
                        {list.into_iter().map(|e| {
                            let detail = event_detail(&e.kind, &e.detail, &names);
                            view! {
                                <li class=format!("event event-{}", e.kind)>
                                    <time>{format_shanghai(e.at)}</time>
                                    <span class="event-kind">{label_of("event", &e.kind)}</span>
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

    #[test]
    fn points_and_remaining_time() {
        assert_eq!(points(0), "0.00");
        assert_eq!(points(1234), "12.34");
        assert_eq!(points(10000), "100.00");
        assert_eq!(points(-5), "-0.05");
        assert_eq!(remaining(((3 * 60 + 4) * 60 + 5) * 1000), "03:04:05");
        assert_eq!(remaining(-1), "00:00:00");
    }

    #[test]
    fn an_opened_quote_matches_its_receipt_only_with_its_amount() {
        let code = "ZJ202611000001";
        let salt = "00ff";
        let receipt = sha256_hex(format!("{code}\n91510100MA0000001A\n1234500\n{salt}").as_bytes());
        let mut q = OpenedQuoteView {
            firm_name: "甲".into(),
            credit_code: "91510100MA0000001A".into(),
            amount_fen: 1_234_500,
            submitted_at: 0,
            salt: Some(salt.into()),
            receipt: Some(receipt),
            abnormal: 0,
            justification: None,
            justification_decision: None,
        };
        assert_eq!(receipt_matches(code, &q), Some(true));
        q.amount_fen += 1;
        assert_eq!(receipt_matches(code, &q), Some(false));
        q.salt = None;
        assert_eq!(receipt_matches(code, &q), None);
    }

    /// The page checks receipts with the server's formula.
    #[cfg(feature = "ssr")]
    #[test]
    fn the_receipt_formula_is_the_servers() {
        let q = OpenedQuoteView {
            firm_name: "甲".into(),
            credit_code: "91510100MA0000001A".into(),
            amount_fen: 987_600,
            submitted_at: 0,
            salt: Some("a1b2".into()),
            receipt: Some(crate::db::trading::quote_receipt("ZJ202611000002", "91510100MA0000001A", Fen(987_600), "a1b2")),
            abnormal: 0,
            justification: None,
            justification_decision: None,
        };
        assert_eq!(receipt_matches("ZJ202611000002", &q), Some(true));
    }

    #[test]
    fn failure_reasons_read_in_words() {
        assert!(event_detail("failed", "too_few:2<3", &[]).contains('2'));
        assert!(event_detail("failed", "too_few:2<3", &[]).contains('3'));
        let names = vec![("C1".to_string(), "甲公司".to_string())];
        assert_eq!(event_detail("abnormal", "C1,C2", &names), "甲公司（C1）、C2");
    }
}

/// The way from a final award to its contract, for the two parties.
#[component]
fn ContractLink(code: Option<String>) -> impl IntoView {
    code.map(|c| {
        view! {
            <p class="panel contract-link" data-testid="contract-link">
                {t("trading.contract_ready")}" "
                <a class="button" href=format!("/contracts/{c}")>{t("trading.open_contract")}" "{c.clone()}</a>
            </p>
        }
    })
}
