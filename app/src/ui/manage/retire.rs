//! The retirement form (废止): a date from today on and a reason; the item stays in
//! force until that date, then leaves every public page (its own page says 已废止).
use crate::api::catalogue_admin::RetireServiceItem;
use crate::domain::catalogue as rules;
use crate::i18n::t;
use crate::ui::account::{FieldError, FormError};
use leptos::prelude::*;

const RETIRE_FIELDS: &[&str] = &["retired_on", "retire_reason"];

#[component]
pub fn RetireForm(
    code: String,
    version: i64,
    /// A retirement already set for a later day (it may be moved).
    retired_on: Option<String>,
    today: String,
    retire: ServerAction<RetireServiceItem>,
) -> impl IntoView {
    let value = retire.value();
    let pending = retire.pending();
    let scheduled = retired_on
        .clone()
        .map(|d| view! { <p class="notice">{t("catalogue_admin.retire_scheduled").replace("{date}", &d)}</p> });
    view! {
        <section class="panel retire">
            <h2>{t("catalogue_admin.retire")}</h2>
            <p class="hint">{t("catalogue_admin.retire_hint")}</p>
            {scheduled}
            <ActionForm action=retire attr:class="form grid-form" attr:novalidate=true>
                <input type="hidden" name="code" value=code/>
                <input type="hidden" name="version" value=version.to_string()/>
                <div class="field">
                    <label for="rt-date">{t("catalogue_admin.retired_on")}</label>
                    <input id="rt-date" name="retired_on" type="date" required min=today.clone() max=rules::LATEST_DATE
                        value=retired_on.unwrap_or(today) aria-describedby="retired_on-error"/>
                    <FieldError field="retired_on" value/>
                </div>
                <div class="field wide">
                    <label for="rt-reason">{t("catalogue_admin.retire_reason")}</label>
                    <textarea id="rt-reason" name="retire_reason" rows="2" required maxlength=rules::REASON_CHARS.1.to_string()
                        aria-describedby="retire_reason-error"></textarea>
                    <FieldError field="retire_reason" value/>
                </div>
                <FormError value fields=RETIRE_FIELDS/>
                <div class="field wide">
                    <button type="submit" class="button danger" disabled=pending>{t("catalogue_admin.retire_button")}</button>
                </div>
            </ActionForm>
        </section>
    }
}
