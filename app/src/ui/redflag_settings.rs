//! `/operator/redflag-settings`: the red-flag thresholds (风险预警阈值). Every
//! field with its label, the value in force, the platform's default and
//! Cardinal's; operators and admins edit them (each refused value explained
//! next to its field) or restore the defaults; regulators see them. The next
//! nightly run uses the saved values.
use crate::api::redflag_settings::{get_redflag_settings, value_text, Kind, RedFlagSettingsForm, SaveRedflagSettings, FIELDS, FIELD_NAMES};
use crate::domain::accounts::Role;
use crate::domain::procurement::SelectionMethod;
use crate::domain::redflags::RedFlagSettings;
use crate::i18n::t;
use crate::ui::account::{use_auth, FieldError, FormError, Signed};
use crate::ui::components::{ErrorPanel, Loading};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

/// A value as read on the page.
fn shown(s: &RedFlagSettings, field: &str, kind: Kind) -> String {
    let v = value_text(s, field);
    match kind {
        Kind::Methods => v.split(',').filter_map(SelectionMethod::parse).map(|m| t(m.label_key())).collect::<Vec<_>>().join("、"),
        Kind::Fence if v.is_empty() => t("publicinfo.thresholds.computed"),
        Kind::Int { key: "publicinfo.thresholds.error_days" | "publicinfo.thresholds.error_window", .. } => t("publicinfo.thresholds.days").replace("{n}", &v),
        _ => v,
    }
}

#[component]
pub fn RedFlagSettingsPage() -> impl IntoView {
    view! {
        <Title text=t("publicinfo.thresholds.title")/>
        <h1>{t("publicinfo.thresholds.title")}</h1>
        <p class="lead">{t("publicinfo.thresholds.lead")}</p>
        <Signed roles=&[Role::Regulator, Role::Operator, Role::Admin] render=|| view! { <Body/> }/>
    }
}

#[component]
fn Body() -> impl IntoView {
    let auth = use_auth();
    let save = ServerAction::<SaveRedflagSettings>::new();
    let reset = ServerAction::<SaveRedflagSettings>::new();
    let current = Resource::new(move || (save.version().get(), reset.version().get()), |_| get_redflag_settings());
    // the form is filled once (and again after a reset), so a refused value
    // stays in its field next to its error
    let initial = Resource::new(move || reset.version().get(), |_| get_redflag_settings());
    let can_edit = move || matches!(auth.user.get(), Some(Ok(Some(u))) if matches!(u.role, Role::Operator | Role::Admin));
    let defaults = RedFlagSettings::default();
    view! {
        <p class="hint" data-testid="nightly-note">{t("publicinfo.thresholds.nightly")}</p>
        <section class="panel" aria-labelledby="rfs-current">
            <h2 id="rfs-current">{t("publicinfo.thresholds.current")}</h2>
            <Transition fallback=|| view! { <Loading/> }>
                {move || {
                    let defaults = defaults.clone();
                    Suspend::new(async move {
                        match current.await {
                            Ok(s) => view! { <CurrentTable s defaults/> }.into_any(),
                            Err(error) => view! { <ErrorPanel error/> }.into_any(),
                        }
                    })
                }}
            </Transition>
        </section>
        <Show when=can_edit>
            <section class="panel" aria-labelledby="rfs-edit">
                <h2 id="rfs-edit">{t("publicinfo.thresholds.edit")}</h2>
                <Suspense fallback=|| view! { <Loading/> }>
                    {move || Suspend::new(async move {
                        match initial.await {
                            Ok(s) => view! { <SettingsForm s save/> }.into_any(),
                            Err(error) => view! { <ErrorPanel error/> }.into_any(),
                        }
                    })}
                </Suspense>
                <ResetForm reset/>
            </section>
        </Show>
    }
}

#[component]
fn CurrentTable(s: RedFlagSettings, defaults: RedFlagSettings) -> impl IntoView {
    view! {
        <div class="table-scroll" tabindex="0">
            <table class="data" data-testid="redflag-settings-current">
                <thead><tr>
                    <th scope="col">{t("publicinfo.thresholds.col_field")}</th>
                    <th scope="col">{t("publicinfo.thresholds.col_value")}</th>
                    <th scope="col">{t("publicinfo.thresholds.col_default")}</th>
                    <th scope="col">{t("publicinfo.thresholds.col_cardinal")}</th>
                </tr></thead>
                <tbody>
                    {FIELDS.iter().map(|(field, kind)| view! {
                        <tr data-field=*field>
                            <th scope="row" data-label=t("publicinfo.thresholds.col_field")>{t(&format!("publicinfo.thresholds.f_{field}"))}</th>
                            <td data-label=t("publicinfo.thresholds.col_value") data-testid=format!("current-{field}")>{shown(&s, field, *kind)}</td>
                            <td data-label=t("publicinfo.thresholds.col_default")>{shown(&defaults, field, *kind)}</td>
                            <td data-label=t("publicinfo.thresholds.col_cardinal")>{t(&format!("publicinfo.thresholds.c_{field}"))}</td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
}

#[component]
fn SettingsForm(s: RedFlagSettings, save: ServerAction<SaveRedflagSettings>) -> impl IntoView {
    let value = save.value();
    let pending = save.pending();
    // saved: this page's last save, or a plain form post redirected to `?saved=1`
    let query = use_query_map();
    let saved = move || match value.get() {
        Some(result) => result.is_ok(),
        None => query.with(|q| q.get("saved").is_some()),
    };
    let form = RedFlagSettingsForm::from_settings(&s);
    let defaults = RedFlagSettings::default();
    let fields = FIELDS
        .iter()
        .map(|(field, kind)| {
            let field: &'static str = field;
            let label = t(&format!("publicinfo.thresholds.f_{field}"));
            let hint = t("publicinfo.thresholds.default_hint")
                .replace("{default}", &shown(&defaults, field, *kind))
                .replace("{cardinal}", &t(&format!("publicinfo.thresholds.c_{field}")));
            let hint_id = format!("{field}-hint");
            let described = format!("{hint_id} {field}-error");
            let input = match *kind {
                Kind::Methods => {
                    let ticked = form.methods.get(field).cloned().unwrap_or_default();
                    view! {
                        <fieldset class="checks" aria-describedby=described>
                            <legend>{label.clone()}</legend>
                            {SelectionMethod::ALL.iter().map(|m| {
                                let id = format!("rfs-{field}-{}", m.as_str());
                                let for_id = id.clone();
                                view! {
                                    <label for=for_id class="check">
                                        <input type="checkbox" id=id name=format!("form[methods][{field}][{}]", m.as_str()) value="on" checked=ticked.contains_key(m.as_str())/>
                                        " "{t(m.label_key())}
                                    </label>
                                }
                            }).collect_view()}
                        </fieldset>
                    }
                    .into_any()
                }
                Kind::Int { min, max, .. } => {
                    let id = format!("rfs-{field}");
                    view! {
                        <label for=id.clone()>{label.clone()}</label>
                        <input id=id name=format!("form[values][{field}]") type="number" inputmode="numeric" min=min.to_string() max=max.to_string() step="1"
                            value=form.values.get(field).cloned().unwrap_or_default() aria-describedby=described/>
                    }
                    .into_any()
                }
                Kind::Fence => {
                    let id = format!("rfs-{field}");
                    view! {
                        <label for=id.clone()>{label.clone()}</label>
                        <input id=id name=format!("form[values][{field}]") type="text" inputmode="decimal" placeholder=t("publicinfo.thresholds.computed")
                            value=form.values.get(field).cloned().unwrap_or_default() aria-describedby=described/>
                    }
                    .into_any()
                }
            };
            view! {
                <div class="field" data-field=field>
                    {input}
                    <p class="hint" id=hint_id>{hint}</p>
                    <FieldError field value/>
                </div>
            }
        })
        .collect_view();
    view! {
        <ActionForm action=save attr:class="form redflag-settings-form" attr:novalidate=true attr:data-testid="redflag-settings-form">
            {fields}
            <FormError value fields=FIELD_NAMES/>
            <Show when=saved>
                <p class="form-ok" role="status" data-testid="settings-saved">{t("publicinfo.thresholds.saved")}</p>
            </Show>
            <button type="submit" class="button primary" disabled=pending>{t("publicinfo.thresholds.save")}</button>
        </ActionForm>
    }
}

/// 「恢复默认」: posts the platform's defaults through the same save.
#[component]
fn ResetForm(reset: ServerAction<SaveRedflagSettings>) -> impl IntoView {
    let value = reset.value();
    let pending = reset.pending();
    let done = move || matches!(value.get(), Some(Ok(())));
    let form = RedFlagSettingsForm::from_settings(&RedFlagSettings::default());
    let hidden = form
        .values
        .iter()
        .map(|(k, v)| view! { <input type="hidden" name=format!("form[values][{k}]") value=v.clone()/> })
        .collect_view();
    let methods = form
        .methods
        .iter()
        .flat_map(|(k, ms)| ms.keys().map(move |m| (k.clone(), m.clone())))
        .map(|(k, m)| view! { <input type="hidden" name=format!("form[methods][{k}][{m}]") value="on"/> })
        .collect_view();
    view! {
        <ActionForm action=reset attr:class="form reset-form" attr:data-testid="redflag-reset-form">
            {hidden}
            {methods}
            <p class="hint">{t("publicinfo.thresholds.reset_hint")}</p>
            <FormError value fields=&[]/>
            <Show when=done>
                <p class="form-ok" role="status" data-testid="settings-reset">{t("publicinfo.thresholds.reset_done")}</p>
            </Show>
            <button type="submit" class="button secondary" disabled=pending data-testid="redflag-reset">{t("publicinfo.thresholds.reset")}</button>
        </ActionForm>
    }
}
