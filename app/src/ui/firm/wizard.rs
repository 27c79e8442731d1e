//! The registration wizard: six short steps that fit a phone screen. Each step
//! is a plain form posting to one server function; the draft is saved on the
//! server after every step, so nothing is lost when the browser closes.
use super::steps::*;
use crate::api::onboarding::*;
use crate::domain::accounts::Role;
use crate::i18n::t;
use crate::model::onboarding::{ApplicationKind, ApplicationView, OnboardingOptions};
use crate::ui::account::Signed;
use crate::ui::components::{ErrorPanel, Loading};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

pub const STEPS: u8 = 6;

/// Every action of the wizard, shared by the steps.
#[derive(Clone, Copy)]
pub struct WizardActions {
    pub save_basic: ServerAction<SaveBasic>,
    pub add_staff: ServerAction<AddStaff>,
    pub remove_staff: ServerAction<RemoveStaff>,
    pub add_item: ServerAction<AddItem>,
    pub remove_item: ServerAction<RemoveItem>,
    pub save_qualification: ServerAction<SaveQualification>,
    pub remove_qualification: ServerAction<RemoveQualification>,
    pub accept_commitment: ServerAction<AcceptCommitment>,
    pub submit: ServerAction<SubmitApplication>,
    /// Bumped after every successful save: the application is reloaded then (and
    /// only then, so a rejected form keeps what the user typed).
    pub saved: RwSignal<u32>,
}

macro_rules! on_success {
    ($saved:expr, $($a:expr),+) => {
        $(
            let a = $a;
            Effect::new(move |_| {
                if matches!(a.value().get(), Some(Ok(_))) {
                    $saved.update(|n| *n += 1);
                }
            });
        )+
    };
}

fn provide_actions() -> WizardActions {
    let w = WizardActions {
        save_basic: ServerAction::new(),
        add_staff: ServerAction::new(),
        remove_staff: ServerAction::new(),
        add_item: ServerAction::new(),
        remove_item: ServerAction::new(),
        save_qualification: ServerAction::new(),
        remove_qualification: ServerAction::new(),
        accept_commitment: ServerAction::new(),
        submit: ServerAction::new(),
        saved: RwSignal::new(0),
    };
    on_success!(
        w.saved,
        w.save_basic,
        w.add_staff,
        w.remove_staff,
        w.add_item,
        w.remove_item,
        w.save_qualification,
        w.remove_qualification,
        w.accept_commitment,
        w.submit
    );
    provide_context(w);
    w
}

#[component]
pub fn FirmProfileWizard() -> impl IntoView {
    view! {
        <Title text=t("wizard.title")/>
        <Signed roles=&[Role::Firm] render=|| view! { <Wizard/> }/>
    }
}

#[component]
fn Wizard() -> impl IntoView {
    let actions = provide_actions();
    let query = use_query_map();
    let step = Memo::new(move |_| query.with(|q| q.get("step").and_then(|s| s.parse::<u8>().ok())).unwrap_or(1).clamp(1, STEPS));
    let edit = Memo::new(move |_| query.with(|q| q.get("edit").and_then(|s| s.parse::<usize>().ok())));
    let application = Resource::new(move || actions.saved.get(), |_| get_application());
    let options = Resource::new(|| (), |_| get_onboarding_options());
    view! {
        <Transition fallback=|| view! { <Loading/> }>
            {move || Suspend::new(async move {
                match (application.await, options.await) {
                    (Ok(Some(app)), Ok(opts)) => view! { <WizardBody app opts step edit/> }.into_any(),
                    (Ok(None), _) => view! {
                        <div class="panel">
                            <p>{t("wizard.no_open_application")}</p>
                            <p><a href="/firm">{t("firm.title")}</a></p>
                        </div>
                    }.into_any(),
                    (Err(error), _) | (_, Err(error)) => view! { <ErrorPanel error/> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn WizardBody(app: ApplicationView, opts: OnboardingOptions, step: Memo<u8>, edit: Memo<Option<usize>>) -> impl IntoView {
    let heading = match app.kind {
        ApplicationKind::Onboarding => t("wizard.title"),
        ApplicationKind::Change => t("wizard.change_title"),
    };
    let editable = app.status.editable();
    let app = StoredValue::new(app);
    let opts = StoredValue::new(opts);
    let nav = move || {
        let current = step.get();
        let gaps = app.with_value(|a| a.gaps.clone());
        (1..=STEPS)
            .map(|n| {
                let open_gap = gaps.iter().any(|g| g.step() == n);
                let class = match (n == current, open_gap) {
                    (true, _) => "step current",
                    (false, true) => "step todo",
                    (false, false) => "step done",
                };
                view! {
                    <li class=class>
                        <a href=format!("/firm/profile?step={n}") aria-current=(n == current).then_some("step")>
                            <span class="step-no">{n}</span>
                            <span class="step-name">{t(&format!("wizard.step{n}"))}</span>
                        </a>
                    </li>
                }
            })
            .collect_view()
    };
    let body = move || {
        let a = app.get_value();
        let o = opts.get_value();
        if !editable && step.get() != STEPS {
            return view! { <Summary app=a/> }.into_any();
        }
        match step.get() {
            1 => view! { <BasicStep app=a opts=o/> }.into_any(),
            2 => view! { <StaffStep app=a/> }.into_any(),
            3 => view! { <ScopeStep app=a opts=o/> }.into_any(),
            4 => view! { <QualificationStep app=a opts=o edit=edit.get()/> }.into_any(),
            5 => view! { <CommitmentStep app=a/> }.into_any(),
            _ => view! { <SubmitStep app=a/> }.into_any(),
        }
    };
    view! {
        <h1>{heading}</h1>
        <nav class="wizard-steps" aria-label=t("wizard.steps")>
            <ol>{nav}</ol>
        </nav>
        {move || (!editable).then(|| view! { <p class="panel notice" role="status">{t("wizard.locked")}</p> })}
        <div class="wizard-body">{body}</div>
    }
}
