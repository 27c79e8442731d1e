//! The sign-in page's unified identity (统一身份认证) part: why the last attempt
//! through the provider failed, and, when a provider is configured, the link
//! that starts the round trip (a plain link to a server route: works with
//! JavaScript off, and the client-side router leaves it alone).
use crate::api::oidc::get_oidc_status;
use crate::i18n::t;
use crate::model::oidc::OidcFailure;
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

#[component]
pub fn OidcSignIn() -> impl IntoView {
    let query = use_query_map();
    let status = Resource::new(|| (), |_| get_oidc_status());
    let failure = move || {
        query.with(|q| q.get("oidc_error")).map(|key| t(OidcFailure::parse(&key).unwrap_or(OidcFailure::Provider).message_key()))
    };
    let href = move || {
        let next = query.with(|q| q.get("next")).filter(|n| crate::model::local_path(Some(n)).is_some());
        match next {
            Some(n) => format!("/auth/oidc/start?next={}", crate::model::catalogue::encode_component(&n)),
            None => "/auth/oidc/start".to_string(),
        }
    };
    view! {
        {move || failure().map(|message| view! { <p class="form-error oidc-error" role="alert">{message}</p> })}
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                let status = status.await.ok().filter(|s| s.enabled)?;
                let provider = status.provider_name.unwrap_or_else(|| t("oidc.provider_default"));
                Some(view! {
                    <section class="oidc-sign-in" aria-labelledby="oidc-sign-in">
                        <a id="oidc-sign-in" class="button primary oidc-button" href=href rel="external">{t("oidc.sign_in")}</a>
                        <p class="hint">{t("oidc.sign_in_hint").replace("{provider}", &provider)}</p>
                        <p class="oidc-divider"><span>{t("oidc.or_password")}</span></p>
                    </section>
                })
            })}
        </Suspense>
    }
}
