//! Shared components: loading and error states, pager, figures, tags.
use crate::domain::paging::{pager_window, Page};
use crate::domain::procurement::{ProcurementStatus, SelectionMethod};
use crate::error::AppError;
use crate::i18n::t;
use crate::model::Named;
use leptos::prelude::*;

#[component]
pub fn Loading() -> impl IntoView {
    view! {
        <div class="loading" role="status" aria-live="polite">
            <span class="spinner" aria-hidden="true"></span>
            {t("common.loading")}
        </div>
    }
}

/// A failed request, shown in the page with the user-facing message.
#[component]
pub fn ErrorPanel(error: AppError) -> impl IntoView {
    let title = match error {
        AppError::NotFound => t("error.not_found_title"),
        AppError::InvalidInput { .. } => t("error.invalid_title"),
        _ => t("error.title"),
    };
    view! {
        <div class="panel error" role="alert">
            <h2>{title}</h2>
            <p>{t(error.message_key())}</p>
            <p><a href="/">{t("error.back_home")}</a></p>
        </div>
    }
}

/// Fallback of the app's error boundary: a friendly message instead of a blank page.
#[component]
pub fn ErrorList(errors: ArcRwSignal<Errors>) -> impl IntoView {
    view! {
        <div class="panel error" role="alert">
            <h2>{t("error.title")}</h2>
            <p>{t("error.boundary")}</p>
            <ul>
                {move || errors.get().into_iter().map(|(_, e)| view! { <li>{e.to_string()}</li> }).collect_view()}
            </ul>
            <p><a href="/" rel="external">{t("error.back_home")}</a></p>
        </div>
    }
}

#[component]
pub fn Empty(#[prop(into)] message: String) -> impl IntoView {
    view! { <p class="empty">{message}</p> }
}

/// Page links for a long list; `href(n)` builds the URL of page n.
#[component]
pub fn Pager<T: Send + Sync + 'static>(page: Page<T>, href: impl Fn(u32) -> String + 'static) -> impl IntoView {
    let count = page.page_count();
    if count <= 1 {
        return ().into_any();
    }
    let current = page.page;
    let links = pager_window(current, count)
        .into_iter()
        .map(|slot| match slot {
            None => view! { <span class="gap" aria-hidden="true">"…"</span> }.into_any(),
            Some(n) if n == current => view! { <span class="current" aria-current="page">{n}</span> }.into_any(),
            Some(n) => view! { <a href=href(n)>{n}</a> }.into_any(),
        })
        .collect_view();
    let prev = (current > 1).then(|| view! { <a class="prev" rel="prev" href=href(current - 1)>{t("pager.prev")}</a> });
    let next = (current < count).then(|| view! { <a class="next" rel="next" href=href(current + 1)>{t("pager.next")}</a> });
    view! {
        <nav class="pager" aria-label=t("pager.label")>
            {prev}
            {links}
            {next}
        </nav>
    }
    .into_any()
}

/// A labelled filter `<select>` with an "all" choice first; `current` is preselected.
#[component]
pub fn FilterSelect(
    id: &'static str,
    name: &'static str,
    #[prop(into)] label: String,
    choices: Vec<Named>,
    current: Option<String>,
) -> impl IntoView {
    let current = current.unwrap_or_default();
    view! {
        <div class="field">
            <label for=id>{label}</label>
            <select id=id name=name>
                <option value="">{t("common.all")}</option>
                {choices.into_iter().map(|n| {
                    let selected = n.code == current;
                    view! { <option value=n.code selected=selected>{n.name}</option> }
                }).collect_view()}
            </select>
        </div>
    }
}

/// "★★★" for a star level, "—" while there is none (issue #6 computes them).
pub fn stars(level: Option<i64>) -> String {
    level.map(|s| "★".repeat(s.clamp(0, 5) as usize)).unwrap_or_else(|| "—".into())
}

#[component]
pub fn MethodTag(#[prop(into)] method: String) -> impl IntoView {
    let label = SelectionMethod::parse(&method).map(|m| t(m.label_key())).unwrap_or(method.clone());
    view! { <span class=format!("tag method-{method}")>{label}</span> }
}

#[component]
pub fn StatusTag(#[prop(into)] status: String) -> impl IntoView {
    let label = ProcurementStatus::parse(&status).map(|s| t(s.label_key())).unwrap_or(status.clone());
    view! { <span class=format!("tag status-{status}")>{label}</span> }
}

/// How many times `action` has succeeded: key a resource on this instead of
/// the action's version, so a refused submission does not re-render (and
/// empty) the form that shows the error.
pub fn successes<S>(action: leptos::prelude::ServerAction<S>) -> Signal<u32>
where
    S: leptos::server_fn::ServerFn + Clone + Send + Sync + 'static,
    S::Output: Send + Sync + Clone + 'static,
    S::Error: Send + Sync + Clone + 'static,
{
    let count = RwSignal::new(0u32);
    Effect::new(move |_| {
        if matches!(action.value().get(), Some(Ok(_))) {
            count.update(|n| *n += 1);
        }
    });
    count.into()
}
