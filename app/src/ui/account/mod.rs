//! Accounts in the UI: who is signed in, sign-in / sign-up / account pages, and
//! the guard that shows a page only to the roles allowed to call its functions
//! (the server functions check again: hiding is never the protection).
mod admin;
mod pages;
mod oidc;

pub use admin::AdminAccountsPage;
pub use pages::{AccountPage, SignInPage, SignUpPage};

use crate::api::accounts::{me, SignOut};
use crate::domain::accounts::Role;
use crate::error::AppError;
use crate::i18n::t;
use crate::model::accounts::SessionUser;
use crate::ui::components::{ErrorPanel, Loading};
use leptos::prelude::*;
use leptos_router::hooks::use_location;

/// The signed-in user, provided once by `App`. Forms that change who is signed in
/// create their own actions with `auth_action` (inside the routes, where the
/// error of a form posted without JavaScript reaches them) and refresh this.
#[derive(Clone, Copy)]
pub struct Auth {
    pub user: Resource<Result<Option<SessionUser>, AppError>>,
    /// Bumped after a successful sign-in, sign-up, sign-out or password change.
    pub refresh: RwSignal<u32>,
    pub sign_out: ServerAction<SignOut>,
}

pub fn provide_auth() -> Auth {
    let refresh = RwSignal::new(0u32);
    let sign_out = ServerAction::<SignOut>::new();
    let user = Resource::new(move || (refresh.get(), sign_out.version().get()), |_| me());
    let auth = Auth { user, refresh, sign_out };
    provide_context(auth);
    crate::ui::notifications::provide_unread_refresh();
    auth
}

/// A server action whose success changes the signed-in user (or their session).
pub fn auth_action<S>() -> ServerAction<S>
where
    S: leptos::server_fn::ServerFn + Clone + Send + Sync + 'static,
    S::Output: Clone + Send + Sync + 'static,
    S::Error: Clone + Send + Sync + 'static,
    ServerAction<S>: Copy,
{
    let action = ServerAction::<S>::new();
    let refresh = use_auth().refresh;
    Effect::new(move |_| {
        if matches!(action.value().get(), Some(Ok(_))) {
            refresh.update(|n| *n += 1);
        }
    });
    action
}

pub fn use_auth() -> Auth {
    expect_context::<Auth>()
}

/// The current path with its query, to come back to after signing in.
pub fn here() -> String {
    let location = use_location();
    let search = location.search.get_untracked();
    let path = location.pathname.get_untracked();
    if search.trim_start_matches('?').is_empty() {
        path
    } else {
        format!("{path}?{}", search.trim_start_matches('?'))
    }
}

/// Shows `render()` to a signed-in user of one of `roles` (any role when empty);
/// otherwise a sign-in prompt (HTTP 401) or a "not allowed" panel (403).
///
/// The page is built at once, before the signed-in user is known, so that its
/// resources are created in the same order on the server and in the browser
/// (hydration matches resources by creation order); it is shown only when allowed.
/// The page's server functions check the caller again: hiding is not the protection.
#[component]
pub fn Signed<F, V>(#[prop(optional)] roles: &'static [Role], render: F) -> impl IntoView
where
    F: Fn() -> V + Send + Sync + 'static,
    V: IntoView + 'static,
{
    let auth = use_auth();
    let built = std::sync::Arc::new(std::sync::Mutex::new(Some(render().into_any())));
    let render = std::sync::Arc::new(render);
    view! {
        <Suspense fallback=|| view! { <Loading/> }>
            {move || {
                let built = built.clone();
                let render = render.clone();
                Suspend::new(async move {
                    match auth.user.await {
                        Ok(Some(user)) if roles.is_empty() || roles.contains(&user.role) => {
                            let first = built.lock().ok().and_then(|mut b| b.take());
                            first.unwrap_or_else(|| render().into_any())
                        }
                        Ok(Some(_)) => {
                            crate::error::set_response_status(403);
                            view! { <ErrorPanel error=AppError::Forbidden/> }.into_any()
                        }
                        Ok(None) => {
                            crate::error::set_response_status(401);
                            view! { <SignInPrompt/> }.into_any()
                        }
                        Err(error) => view! { <ErrorPanel error/> }.into_any(),
                    }
                })
            }}
        </Suspense>
    }
}

/// The signed-in user for pages inside `Signed` that show who it is.
#[component]
pub fn WithUser<F, V>(render: F) -> impl IntoView
where
    F: Fn(SessionUser) -> V + Send + Sync + 'static,
    V: IntoView + 'static,
{
    let auth = use_auth();
    let render = std::sync::Arc::new(render);
    view! {
        <Suspense fallback=|| ()>
            {move || {
                let render = render.clone();
                Suspend::new(async move { auth.user.await.ok().flatten().map(|u| render(u)) })
            }}
        </Suspense>
    }
}

#[component]
pub fn SignInPrompt() -> impl IntoView {
    let next = crate::model::catalogue::encode_component(&here());
    view! {
        <div class="panel notice" role="alert">
            <h2>{t("account.sign_in_needed_title")}</h2>
            <p>{t("account.sign_in_needed")}</p>
            <p><a class="button" href=format!("/sign-in?next={next}")>{t("account.sign_in")}</a></p>
        </div>
    }
}

/// The account corner of the header: sign-in / sign-up links, or the user's
/// name and a sign-out button (a form: works without JavaScript).
#[component]
pub fn UserMenu() -> impl IntoView {
    let auth = use_auth();
    view! {
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                match auth.user.await {
                    Ok(Some(user)) => view! {
                        {work_links(user.role)
                            .iter()
                            .map(|(href, key)| view! { <a href=*href>{t(key)}</a> })
                            .collect_view()}
                        <a href="/contracts">{t(if matches!(user.role, Role::Owner | Role::Firm) { "contract.nav" } else { "contract.nav_supervise" })}</a>
                        <a href="/account" class="user-name" title=t("account.title")>{user.display_name.clone()}</a>
                        <ActionForm action=auth.sign_out attr:class="sign-out">
                            <button type="submit" class="link-button">{t("account.sign_out")}</button>
                        </ActionForm>
                    }.into_any(),
                    _ => view! {
                        <a href="/sign-in">{t("account.sign_in")}</a>
                        <a href="/sign-up">{t("account.sign_up")}</a>
                    }.into_any(),
                }
            })}
        </Transition>
    }
}

/// The work pages of a role, for the header (the pages check the role again).
pub fn work_links(role: Role) -> &'static [(&'static str, &'static str)] {
    match role {
        Role::Firm => &[("/firm", "nav.firm_workbench"), ("/firm/trading", "desk.nav_participations"), ("/complaints", "complaints.mine_nav")],
        Role::Operator => &[
            ("/operator/reviews", "nav.reviews"),
            ("/regulator/objections", "desk.nav_objections"),
            ("/operator/register", "nav.register"),
            ("/operator/notices", "nav.manage_notices"),
            ("/manage/items", "nav.manage_items"),
            ("/operator/trading-settings", "settings.nav"),
            ("/operator/calendar", "calendar.nav"),
            ("/operator/redflag-settings", "publicinfo.thresholds.link"),
            ("/operator/platforms", "ingest.platforms_nav"),
            ("/operator/time-limits", "timelimits.limits_nav"),
            ("/regulator/complaints", "complaints.queue_nav"),
            ("/regulator/credit", "credit.regulator_nav"),
            ("/regulator/sanctions", "ratings.desk_nav"),
            ("/supervision/flags", "redflags.title"),
            ("/supervision/audit", "audit.nav"),
            ("/supervision/cases", "ingest.cases_nav"),
            ("/supervision/board", "timelimits.board_nav"),
            ("/dashboard", "dashboard.nav"),
        ],
        Role::Regulator => &[
            ("/operator/reviews", "nav.reviews"),
            ("/manage/items", "nav.manage_items"),
            ("/regulator/objections", "desk.nav_objections"),
            ("/regulator/complaints", "complaints.queue_nav"),
            ("/regulator/credit", "credit.regulator_nav"),
            ("/regulator/sanctions", "ratings.desk_nav"),
            ("/supervision/flags", "redflags.title"),
            ("/supervision/audit", "audit.nav"),
            ("/supervision/cases", "ingest.cases_nav"),
            ("/supervision/board", "timelimits.board_nav"),
            ("/dashboard", "dashboard.nav"),
        ],
        Role::Admin => &[("/admin/accounts", "nav.accounts"), ("/operator/reviews", "nav.reviews"), ("/operator/platforms", "ingest.platforms_nav"), ("/dashboard", "dashboard.nav"), ("/supervision/audit", "audit.nav")],
        Role::Owner => &[("/owner", "desk.nav_projects"), ("/complaints", "complaints.mine_nav")],
        Role::Leader => &[("/dashboard", "dashboard.nav"), ("/regulator/sanctions", "ratings.desk_nav"), ("/supervision/board", "timelimits.board_nav"), ("/supervision/cases", "ingest.cases_nav")],
    }
}

/// The error a plain form post (a multipart upload, no server action) to the
/// server function at `path` left in the URL when it was refused.
pub fn plain_form_error(path: &str) -> Option<AppError> {
    use_context::<leptos::server::ServerActionError>()
        .filter(|e| e.path() == path)
        .map(|e| leptos::server_fn::error::ServerFnUrlError::<AppError>::decode_err(e.err()))
}

/// The same, as the value `FieldError` and `FormError` read.
pub fn plain_form_value(path: &str) -> Signal<Option<Result<(), AppError>>> {
    Signal::stored(plain_form_error(path).map(Err))
}

/// The error of the last submission when it concerns `field`, next to that field.
#[component]
pub fn FieldError<T: Clone + Send + Sync + 'static>(
    field: &'static str,
    #[prop(into)] value: Signal<Option<Result<T, AppError>>>,
) -> impl IntoView {
    let message = move || match value.get() {
        Some(Err(AppError::InvalidInput { field: f, key })) if f == field => Some(t(&key)),
        _ => None,
    };
    view! {
        <Show when=move || message().is_some()>
            <p class="field-error" id=format!("{field}-error") role="alert">{message}</p>
        </Show>
    }
}

/// The error of the last submission that no field shows (locked, too many
/// attempts, unavailable …).
#[component]
pub fn FormError<T: Clone + Send + Sync + 'static>(
    #[prop(into)] value: Signal<Option<Result<T, AppError>>>,
    fields: &'static [&'static str],
) -> impl IntoView {
    let message = move || match value.get() {
        Some(Err(AppError::InvalidInput { field, .. })) if fields.contains(&field.as_str()) => None,
        Some(Err(e)) => Some(t(e.message_key())),
        _ => None,
    };
    view! {
        <Show when=move || message().is_some()>
            <p class="form-error" role="alert">{message}</p>
        </Show>
    }
}
