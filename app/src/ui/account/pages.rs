//! Sign-in, sign-up and the account page. Plain forms posting to server
//! functions: they work before hydration and with JavaScript off.
use super::{auth_action, FieldError, FormError, Signed, WithUser};
use crate::api::accounts::{ChangePassword, SignIn, SignUp};
use crate::domain::accounts::{PASSWORD_MAX_CHARS, PASSWORD_MIN_CHARS};
use crate::i18n::t;
use crate::model::accounts::SignUpKind;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

const SIGN_IN_FIELDS: &[&str] = &["username", "password"];

#[component]
pub fn SignInPage() -> impl IntoView {
    let sign_in = auth_action::<SignIn>();
    let query = use_query_map();
    let next = move || query.with(|q| q.get("next")).filter(|n| crate::model::local_path(Some(n)).is_some()).unwrap_or_default();
    let value = sign_in.value();
    let pending = sign_in.pending();
    view! {
        <Title text=t("account.sign_in")/>
        <div class="auth-page">
            <h1>{t("account.sign_in_title")}</h1>
            <super::oidc::OidcSignIn/>
            <ActionForm action=sign_in attr:class="form auth-form" attr:novalidate=true>
                <input type="hidden" name="next" value=next/>
                <div class="field">
                    <label for="si-username">{t("account.username")}</label>
                    <input id="si-username" name="username" autocomplete="username" required maxlength="32"
                        autocapitalize="none" spellcheck="false" aria-describedby="username-error"/>
                    <FieldError field="username" value/>
                </div>
                <div class="field">
                    <label for="si-password">{t("account.password")}</label>
                    <input id="si-password" name="password" type="password" autocomplete="current-password" required
                        maxlength=PASSWORD_MAX_CHARS.to_string() aria-describedby="password-error"/>
                    <FieldError field="password" value/>
                </div>
                <FormError value fields=SIGN_IN_FIELDS/>
                <button type="submit" class="button primary" disabled=pending>{t("account.sign_in")}</button>
            </ActionForm>
            <p class="hint">{t("account.no_account")}" "<a href="/sign-up">{t("account.sign_up")}</a></p>
        </div>
    }
}

const SIGN_UP_FIELDS: &[&str] = &["kind", "organisation", "credit_code", "username", "password", "password_again"];

#[component]
pub fn SignUpPage() -> impl IntoView {
    let sign_up = auth_action::<SignUp>();
    let value = sign_up.value();
    let pending = sign_up.pending();
    let kinds = SignUpKind::ALL
        .into_iter()
        .enumerate()
        .map(|(i, k)| {
            view! {
                <label class="choice">
                    <input type="radio" name="kind" value=k.as_str() checked=i == 0/>
                    {t(k.label_key())}
                </label>
            }
        })
        .collect_view();
    view! {
        <Title text=t("account.sign_up")/>
        <div class="auth-page">
            <h1>{t("account.sign_up_title")}</h1>
            <p class="lead">{t("account.sign_up_lead")}</p>
            <ActionForm action=sign_up attr:class="form auth-form" attr:novalidate=true>
                <fieldset class="field">
                    <legend>{t("account.kind")}</legend>
                    <div class="choices">{kinds}</div>
                    <FieldError field="kind" value/>
                </fieldset>
                <div class="field">
                    <label for="su-organisation">{t("account.organisation")}</label>
                    <input id="su-organisation" name="organisation" required maxlength="100" autocomplete="organization"
                        aria-describedby="organisation-error"/>
                    <FieldError field="organisation" value/>
                </div>
                <div class="field">
                    <label for="su-credit-code">{t("account.credit_code")}</label>
                    <input id="su-credit-code" name="credit_code" required maxlength="18" autocapitalize="characters"
                        spellcheck="false" inputmode="text" placeholder="91510100MA61R6XK1H" aria-describedby="credit_code-error credit-code-hint"/>
                    <p class="hint" id="credit-code-hint">{t("account.credit_code_hint")}</p>
                    <FieldError field="credit_code" value/>
                </div>
                <div class="field">
                    <label for="su-username">{t("account.username")}</label>
                    <input id="su-username" name="username" required maxlength="32" autocomplete="username"
                        autocapitalize="none" spellcheck="false" aria-describedby="username-error username-hint"/>
                    <p class="hint" id="username-hint">{t("account.username_hint")}</p>
                    <FieldError field="username" value/>
                </div>
                <div class="field">
                    <label for="su-password">{t("account.password")}</label>
                    <input id="su-password" name="password" type="password" required autocomplete="new-password"
                        minlength=PASSWORD_MIN_CHARS.to_string() maxlength=PASSWORD_MAX_CHARS.to_string()
                        aria-describedby="password-error password-hint"/>
                    <p class="hint" id="password-hint">{t("account.password_hint")}</p>
                    <FieldError field="password" value/>
                </div>
                <div class="field">
                    <label for="su-password-again">{t("account.password_again")}</label>
                    <input id="su-password-again" name="password_again" type="password" required autocomplete="new-password"
                        maxlength=PASSWORD_MAX_CHARS.to_string() aria-describedby="password_again-error"/>
                    <FieldError field="password_again" value/>
                </div>
                <FormError value fields=SIGN_UP_FIELDS/>
                <button type="submit" class="button primary" disabled=pending>{t("account.sign_up")}</button>
            </ActionForm>
            <p class="hint">{t("account.have_account")}" "<a href="/sign-in">{t("account.sign_in")}</a></p>
        </div>
    }
}

const PASSWORD_FIELDS: &[&str] = &["current", "new_password", "new_password_again"];

/// The signed-in user's account: who and what they are, and a password change.
#[component]
pub fn AccountPage() -> impl IntoView {
    let change_password = auth_action::<ChangePassword>();
    let value = change_password.value();
    let pending = change_password.pending();
    let query = use_query_map();
    let done = move || matches!(value.get(), Some(Ok(()))) || query.with(|q| q.get("password_changed").is_some()) && value.get().is_none();
    view! {
        <Title text=t("account.title")/>
        <h1>{t("account.title")}</h1>
        <Signed render=move || {
            view! {
                <WithUser render=|user| {
                    let scope = [user.region_code.clone(), user.industry_code.clone()].into_iter().flatten().collect::<Vec<_>>().join(" · ");
                    view! {
                        <dl class="facts">
                            <div><dt>{t("account.username")}</dt><dd>{user.username.clone()}</dd></div>
                            <div><dt>{t("account.display_name")}</dt><dd>{user.display_name.clone()}</dd></div>
                            <div><dt>{t("account.role")}</dt><dd>{t(&format!("role.{}", user.role.as_str()))}</dd></div>
                            {(!scope.is_empty()).then(|| view! { <div><dt>{t("account.scope")}</dt><dd>{scope.clone()}</dd></div> })}
                        </dl>
                    }
                }/>
                <WithUser render=|user| user.unified_identity.then(|| view! {
                    <p class="panel notice" data-testid="unified-identity">{t("account.unified_identity_no_password")}</p>
                })/>
                <WithUser render=move |user| (!user.unified_identity).then(|| view! {
                <section class="panel">
                        <h2>{t("account.change_password")}</h2>
                        <ActionForm action=change_password attr:class="form" attr:novalidate=true>
                            <div class="field">
                                <label for="cp-current">{t("account.current_password")}</label>
                                <input id="cp-current" name="current" type="password" required autocomplete="current-password"
                                    maxlength=PASSWORD_MAX_CHARS.to_string() aria-describedby="current-error"/>
                                <FieldError field="current" value/>
                            </div>
                            <div class="field">
                                <label for="cp-new">{t("account.new_password")}</label>
                                <input id="cp-new" name="new_password" type="password" required autocomplete="new-password"
                                    maxlength=PASSWORD_MAX_CHARS.to_string() aria-describedby="new_password-error cp-hint"/>
                                <p class="hint" id="cp-hint">{t("account.password_hint")}</p>
                                <FieldError field="new_password" value/>
                            </div>
                            <div class="field">
                                <label for="cp-again">{t("account.password_again")}</label>
                                <input id="cp-again" name="new_password_again" type="password" required autocomplete="new-password"
                                    maxlength=PASSWORD_MAX_CHARS.to_string() aria-describedby="new_password_again-error"/>
                                <FieldError field="new_password_again" value/>
                            </div>
                            <FormError value fields=PASSWORD_FIELDS/>
                            <Show when=done>
                                <p class="form-ok" role="status">{t("account.password_changed")}</p>
                            </Show>
                            <button type="submit" class="button primary" disabled=pending>{t("account.change_password")}</button>
                        </ActionForm>
                    </section>
                })/>
                <crate::ui::notifications::NotificationEmailForm/>
            }
        }/>
    }
}
