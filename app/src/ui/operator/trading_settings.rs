//! The operator's trading settings (`/operator/trading-settings`): the values in
//! force and a form changing them, each refused value explained next to its field.
use crate::api::trading_settings::{get_trading_settings, SaveTradingSettings};
use crate::domain::accounts::Role;
use crate::i18n::t;
use crate::model::trading::TradingSettings;
use crate::ui::account::{FieldError, FormError, Signed};
use crate::ui::components::{ErrorPanel, Loading};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

const FIELDS: &[&str] = &["min_publication_days", "min_participants", "publicity_days", "confirm_days", "abnormal_share_pct", "sign_days"];

/// (field, its value, its range, how the value reads in the summary).
fn rows(s: &TradingSettings) -> [(&'static str, u32, (u32, u32), String); 6] {
    let days = |n: u32| t("settings.working_days").replace("{n}", &n.to_string());
    [
        ("min_publication_days", s.min_publication_days, (1, 30), days(s.min_publication_days)),
        ("min_participants", s.min_participants, (1, 20), t("settings.firms").replace("{n}", &s.min_participants.to_string())),
        ("publicity_days", s.publicity_days, (1, 15), days(s.publicity_days)),
        ("confirm_days", s.confirm_days, (1, 10), days(s.confirm_days)),
        ("abnormal_share_pct", s.abnormal_share_pct, (50, 95), t("settings.percent").replace("{n}", &s.abnormal_share_pct.to_string())),
        ("sign_days", s.sign_days, (1, 20), days(s.sign_days)),
    ]
}

#[component]
pub fn TradingSettingsPage() -> impl IntoView {
    view! {
        <Title text=t("settings.title")/>
        <h1>{t("settings.title")}</h1>
        <p class="lead">{t("settings.lead")}</p>
        <Signed roles=&[Role::Operator, Role::Admin] render=|| {
            let save = ServerAction::<SaveTradingSettings>::new();
            // the summary follows every save; the form is filled once, so a refused
            // value stays in its field next to its error
            let current = Resource::new(move || save.version().get(), |_| get_trading_settings());
            let initial = Resource::new(|| (), |_| get_trading_settings());
            view! {
                <section class="panel" aria-labelledby="ts-current">
                    <h2 id="ts-current">{t("settings.current")}</h2>
                    <Transition fallback=|| view! { <Loading/> }>
                        {move || Suspend::new(async move {
                            match current.await {
                                Ok(s) => view! {
                                    <dl class="facts wide" data-testid="settings-current">
                                        {rows(&s).into_iter().map(|(field, _, _, shown)| view! {
                                            <div>
                                                <dt>{t(&format!("settings.{field}"))}</dt>
                                                <dd data-testid=format!("current-{field}")>{shown}</dd>
                                            </div>
                                        }).collect_view()}
                                    </dl>
                                    <p class="hint">{t("settings.defaults")}</p>
                                }.into_any(),
                                Err(error) => view! { <ErrorPanel error/> }.into_any(),
                            }
                        })}
                    </Transition>
                </section>
                <section class="panel" aria-labelledby="ts-edit">
                    <h2 id="ts-edit">{t("settings.edit")}</h2>
                    <Suspense fallback=|| view! { <Loading/> }>
                        {move || Suspend::new(async move {
                            match initial.await {
                                Ok(s) => view! { <SettingsForm s save/> }.into_any(),
                                Err(error) => view! { <ErrorPanel error/> }.into_any(),
                            }
                        })}
                    </Suspense>
                </section>
            }
        }/>
    }
}

#[component]
fn SettingsForm(s: TradingSettings, save: ServerAction<SaveTradingSettings>) -> impl IntoView {
    let value = save.value();
    let pending = save.pending();
    // saved: this page's last save, or a plain form post redirected to `?saved=1`
    let query = use_query_map();
    let saved = move || match value.get() {
        Some(result) => result.is_ok(),
        None => query.with(|q| q.get("saved").is_some()),
    };
    let fields = rows(&s)
        .into_iter()
        .map(|(field, v, (min, max), _)| {
            let id = format!("ts-{field}");
            let hint = format!("{field}-hint");
            view! {
                <div class="field">
                    <label for=id.clone()>{t(&format!("settings.{field}"))}</label>
                    <input id=id name=field type="number" inputmode="numeric" required min=min.to_string() max=max.to_string() step="1"
                        value=v.to_string() aria-describedby=format!("{hint} {field}-error")/>
                    <p class="hint" id=hint>{t(&format!("settings.{field}_hint"))}</p>
                    <FieldError field value/>
                </div>
            }
        })
        .collect_view();
    view! {
        <ActionForm action=save attr:class="form" attr:novalidate=true>
            {fields}
            <FormError value fields=FIELDS/>
            <Show when=saved>
                <p class="form-ok" role="status" data-testid="settings-saved">{t("settings.saved")}</p>
            </Show>
            <button type="submit" class="button primary" disabled=pending>{t("settings.save")}</button>
        </ActionForm>
    }
}
