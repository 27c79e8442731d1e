//! 站内通知 (in-app notifications): the header's bell with the unread count,
//! the `/notifications` page (newest first, paged, mark one or all read), and
//! the e-mail address form on the account page.
//!
//! Marking read is a plain form (`ActionForm`): without JavaScript the server
//! function answers with a redirect back to the page.
use crate::api::notifications::{
    get_notification_email, get_unread_count, list_my_notifications, MarkNotificationsRead, Notification, SetNotificationEmail,
};
use crate::domain::notifications::MAX_EMAIL_LEN;
use crate::domain::paging::Page;
use crate::domain::time::format_shanghai;
use crate::i18n::t;
use crate::ui::account::{use_auth, FieldError, FormError, Signed};
use crate::ui::components::{successes, Empty, ErrorPanel, Loading, Pager};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_location, use_query_map};

/// Bumped when notifications were marked read, so the bell counts again.
#[derive(Clone, Copy)]
struct Marked(RwSignal<u32>);

/// Provided once with the signed-in user (`provide_auth`), above the header
/// and the pages.
pub fn provide_unread_refresh() {
    provide_context(Marked(RwSignal::new(0u32)));
}

fn marked() -> RwSignal<u32> {
    use_context::<Marked>().map(|Marked(s)| s).unwrap_or_else(|| RwSignal::new(0u32))
}

/// The bell in the header: a link to `/notifications` with the unread count,
/// for signed-in users only. Built with the header (not after the user is known)
/// so its resource is created in the same order on the server and in the browser.
#[component]
pub fn Bell() -> impl IntoView {
    let auth = use_auth();
    let location = use_location();
    let marked = marked();
    // counted again after each navigation and after marking read
    let count = Resource::new(
        move || (location.pathname.get(), marked.get(), auth.refresh.get(), auth.sign_out.version().get()),
        move |_| async move {
            match auth.user.await {
                Ok(Some(_)) => get_unread_count().await.ok(),
                _ => None,
            }
        },
    );
    view! {
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                count.await.map(|n| {
                    let label = if n > 0 { t("notifications.bell_unread").replace("{n}", &n.to_string()) } else { t("notifications.title") };
                    view! {
                        <a href="/notifications" class={if n > 0 { "bell has-unread" } else { "bell" }} title=label data-testid="bell">
                            <svg class="bell-icon" viewBox="0 0 24 24" width="20" height="20" aria-hidden="true" focusable="false">
                                <path fill="currentColor" d="M12 22a2.5 2.5 0 0 0 2.45-2h-4.9A2.5 2.5 0 0 0 12 22Zm7-6V11a7 7 0 0 0-5.5-6.84V3.5a1.5 1.5 0 0 0-3 0v.66A7 7 0 0 0 5 11v5l-2 2v1h18v-1l-2-2Z"/>
                            </svg>
                            <span class="bell-label">{t("notifications.title")}</span>
                            {(n > 0).then(|| view! {
                                <span class="bell-count" data-testid="bell-count">{if n > 99 { "99+".to_string() } else { n.to_string() }}</span>
                                <span class="sr-only">{t("notifications.unread_suffix")}</span>
                            })}
                        </a>
                    }
                })
            })}
        </Transition>
    }
}

#[component]
pub fn NotificationsPage() -> impl IntoView {
    view! {
        <Title text=t("notifications.title")/>
        <Signed render=|| view! { <NotificationsBody/> }/>
    }
}

#[component]
fn NotificationsBody() -> impl IntoView {
    let query = use_query_map();
    let page = Memo::new(move |_| query.with(|q| q.get("page").and_then(|p| p.parse::<i64>().ok()).unwrap_or(1)));
    let mark = ServerAction::<MarkNotificationsRead>::new();
    let done = successes(mark);
    let bell = marked();
    Effect::new(move |_| {
        if done.get() > 0 {
            bell.update(|n| *n += 1);
        }
    });
    let data = Resource::new(
        move || (page.get(), done.get()),
        |(page, _)| async move {
            let list = list_my_notifications(page).await?;
            let unread = get_unread_count().await?;
            Ok::<_, crate::error::AppError>((list, unread))
        },
    );
    view! {
        <h1>{t("notifications.title")}</h1>
        <p class="lead">{t("notifications.lead")}</p>
        <Transition fallback=|| view! { <Loading/> }>
            <div class="results" aria-live="polite">
                {move || Suspend::new(async move {
                    match data.await {
                        Ok((list, unread)) => view! { <NotificationList list unread mark/> }.into_any(),
                        Err(error) => view! { <ErrorPanel error/> }.into_any(),
                    }
                })}
            </div>
        </Transition>
    }
}

#[component]
fn NotificationList(list: Page<Notification>, unread: i64, mark: ServerAction<MarkNotificationsRead>) -> impl IntoView {
    let items = list.items.clone();
    let value = mark.value();
    let summary = t("notifications.found").replace("{n}", &list.total.to_string()).replace("{u}", &unread.to_string());
    view! {
        <div class="notifications-bar">
            <p class="count" data-testid="notifications-count">{summary}</p>
            {(unread > 0).then(|| view! {
                <ActionForm action=mark attr:class="mark-all">
                    <button type="submit" class="button secondary" disabled=mark.pending() data-testid="mark-all-read">{t("notifications.mark_all_read")}</button>
                </ActionForm>
            })}
        </div>
        <FormError value fields=&[]/>
        {if items.is_empty() {
            view! { <Empty message=t("notifications.empty")/> }.into_any()
        } else {
            view! {
                <ul class="cards notifications">
                    {items.into_iter().map(|n| view! { <NotificationItem n mark/> }).collect_view()}
                </ul>
            }.into_any()
        }}
        <Pager page=list href=|n| format!("/notifications?page={n}")/>
    }
}

/// The translation key of a notification kind's tag, for the kinds known.
fn kind_key(kind: &str) -> Option<&'static str> {
    Some(match kind {
        "light_yellow" => "notifications.kind_light_yellow",
        "light_red" => "notifications.kind_light_red",
        "urge" => "notifications.kind_urge",
        "complaint" => "notifications.kind_complaint",
        _ => return None,
    })
}

#[component]
fn NotificationItem(n: Notification, mark: ServerAction<MarkNotificationsRead>) -> impl IntoView {
    let class = format!("card notification kind-{} {}", n.kind.replace(|c: char| !c.is_ascii_alphanumeric() && c != '_', ""), if n.read { "read" } else { "unread" });
    let state = if n.read { t("notifications.read") } else { t("notifications.unread") };
    view! {
        <li class=class data-testid="notification" data-id=n.id.to_string() data-read=n.read.to_string()>
            <p class="notification-head">
                {kind_key(&n.kind).map(|k| view! { <span class=format!("tag kind-tag kind-{}", n.kind)>{t(k)}</span>" " })}
                <strong class="notification-title">{n.title.clone()}</strong>
                " "<span class="tag state" data-testid="notification-state">{state}</span>
            </p>
            <p class="notification-body">{n.body.clone()}</p>
            <div class="notification-foot">
                <time class="hint">{format_shanghai(n.at)}</time>
                {n.link.clone().map(|href| view! { <a class="button secondary" href=href>{t("notifications.open")}</a> })}
                {(!n.read).then(|| view! {
                    <ActionForm action=mark attr:class="mark-one">
                        <input type="hidden" name="id" value=n.id.to_string()/>
                        <button type="submit" class="button secondary" disabled=mark.pending() data-testid="mark-read">{t("notifications.mark_read")}</button>
                    </ActionForm>
                })}
            </div>
        </li>
    }
}

/// The e-mail address notifications are also sent to (on the account page).
#[component]
pub fn NotificationEmailForm() -> impl IntoView {
    let save = ServerAction::<SetNotificationEmail>::new();
    let value = save.value();
    let saved = successes(save);
    let setting = Resource::new(move || saved.get(), |_| get_notification_email());
    view! {
        <section class="panel notification-email">
            <h2>{t("notifications.email_title")}</h2>
            <Transition fallback=|| view! { <Loading/> }>
                {move || Suspend::new(async move {
                    match setting.await {
                        Ok(s) => view! {
                            {(!s.smtp_configured).then(|| view! { <p class="hint" data-testid="smtp-off">{t("notifications.email_smtp_off")}</p> })}
                            <ActionForm action=save attr:class="form" attr:novalidate=true>
                                <div class="field">
                                    <label for="notify-email">{t("notifications.email_label")}</label>
                                    <input id="notify-email" name="email" type="email" inputmode="email" autocomplete="email"
                                        maxlength=MAX_EMAIL_LEN.to_string() value=s.email.clone().unwrap_or_default()
                                        aria-describedby="email-error notify-email-hint"/>
                                    <p class="hint" id="notify-email-hint">{t("notifications.email_hint")}</p>
                                    <FieldError field="email" value/>
                                </div>
                                <FormError value fields=&["email"]/>
                                <Show when=move || matches!(value.get(), Some(Ok(())))>
                                    <p class="form-ok" role="status">{t("notifications.email_saved")}</p>
                                </Show>
                                <button type="submit" class="button primary" disabled=save.pending()>{t("notifications.email_save")}</button>
                            </ActionForm>
                        }.into_any(),
                        Err(error) => view! { <ErrorPanel error/> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}
