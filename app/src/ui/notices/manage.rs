//! Operators: every notice and policy, drafts too, with publish / withdraw and
//! pin / unpin buttons (forms: they work without JavaScript).
use crate::api::notices::{manage_notices, PinNotice, PublishNotice, UnpublishNotice};
use crate::domain::accounts::Role;
use crate::domain::paging::Page;
use crate::domain::time::format_shanghai;
use crate::error::AppError;
use crate::i18n::t;
use crate::model::notices::{kind_label_key, NoticeSummary, QUERY_MAX_CHARS};
use crate::ui::account::Signed;
use crate::ui::components::{Empty, ErrorPanel, Loading, Pager};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::Form;
use leptos_router::hooks::use_query_map;

pub const EDITORS: &[Role] = &[Role::Operator, Role::Admin];

/// The actions of the list's buttons; the list reloads after each.
#[derive(Clone, Copy)]
struct Actions {
    publish: ServerAction<PublishNotice>,
    unpublish: ServerAction<UnpublishNotice>,
    pin: ServerAction<PinNotice>,
}

impl Actions {
    fn version(&self) -> usize {
        self.publish.version().get() + self.unpublish.version().get() + self.pin.version().get()
    }

    /// The error of the last action that failed (e.g. the notice was deleted meanwhile).
    fn error(&self) -> Option<AppError> {
        [self.publish.value().get().and_then(Result::err), self.unpublish.value().get().and_then(Result::err), self.pin.value().get().and_then(Result::err)]
            .into_iter()
            .flatten()
            .next()
    }
}

#[component]
pub fn OperatorNoticesPage() -> impl IntoView {
    view! {
        <Title text=t("notices.manage_title")/>
        <h1>{t("notices.manage_title")}</h1>
        <Signed roles=EDITORS render=|| view! { <ManageList/> }/>
    }
}

#[component]
fn ManageList() -> impl IntoView {
    let query = use_query_map();
    let q = Memo::new(move |_| query.with(|m| m.get("q")));
    let page = Memo::new(move |_| query.with(|m| crate::model::parse_page(m.get("page"))));
    let actions = Actions { publish: ServerAction::new(), unpublish: ServerAction::new(), pin: ServerAction::new() };
    let notices = Resource::new(move || (q.get(), page.get(), actions.version()), |(q, page, _)| manage_notices(q, page));
    view! {
        <div class="toolbar">
            <a class="button" href="/operator/notices/new">{t("notices.new")}</a>
            <Form method="GET" action="/operator/notices" attr:class="search" attr:role="search">
                <label for="manage-q" class="sr-only">{t("notices.search_label")}</label>
                <input id="manage-q" type="search" name="q" maxlength=QUERY_MAX_CHARS.to_string()
                    value=move || q.get().unwrap_or_default() placeholder=t("notices.search_placeholder")/>
                <button type="submit">{t("common.search")}</button>
            </Form>
        </div>
        {move || actions.error().map(|e| view! { <p class="form-error" role="alert">{t(e.message_key())}</p> })}
        <Transition fallback=|| view! { <Loading/> }>
            {move || Suspend::new(async move {
                match notices.await {
                    Ok(p) if p.items.is_empty() => view! { <Empty message=t("notices.manage_empty")/> }.into_any(),
                    Ok(p) => view! { <ManageTable page=p q=q.get_untracked() actions/> }.into_any(),
                    Err(error) => view! { <ErrorPanel error/> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn ManageTable(page: Page<NoticeSummary>, q: Option<String>, actions: Actions) -> impl IntoView {
    let rows = page.items.clone().into_iter().map(|n| view! { <ManageRow n actions/> }).collect_view();
    view! {
        <p class="count">{t("notices.found").replace("{n}", &page.total.to_string())}</p>
        <div class="table-wrap">
            <table class="data notices-table">
                <thead><tr>
                    <th scope="col">{t("notices.field_title")}</th>
                    <th scope="col">{t("notices.field_kind")}</th>
                    <th scope="col">{t("notices.status")}</th>
                    <th scope="col">{t("notices.updated_at")}</th>
                    <th scope="col">{t("notices.actions")}</th>
                </tr></thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
        <Pager page href=move |n| crate::model::list_href("/operator/notices", &[("q", &q)], n)/>
    }
}

#[component]
fn ManageRow(n: NoticeSummary, actions: Actions) -> impl IntoView {
    let published = n.published_at.is_some();
    let status = match n.published_at {
        Some(at) => format!("{} {}", t("notices.published"), format_shanghai(at)),
        None => t("notices.draft"),
    };
    let edit = format!("/operator/notices/{}/edit", n.id);
    let publishing = if published {
        let id = n.id.to_string();
        let label = format!("{} {}", t("notices.unpublish"), n.title);
        let view_href = n.href();
        view! {
            <ActionForm action=actions.unpublish>
                <input type="hidden" name="id" value=id/>
                <button type="submit" class="button secondary" aria-label=label>{t("notices.unpublish")}</button>
            </ActionForm>
            <a class="button secondary" href=view_href>{t("notices.view")}</a>
        }
        .into_any()
    } else {
        let id = n.id.to_string();
        let label = format!("{} {}", t("notices.publish"), n.title);
        view! {
            <ActionForm action=actions.publish>
                <input type="hidden" name="id" value=id/>
                <button type="submit" class="button" aria-label=label>{t("notices.publish")}</button>
            </ActionForm>
        }
        .into_any()
    };
    let pin_text = if n.pinned { t("notices.unpin") } else { t("notices.pin") };
    let pin_label = format!("{pin_text} {}", n.title);
    let pin_id = n.id.to_string();
    let pin_to = (!n.pinned).to_string();
    view! {
        <tr class:draft=!published>
            <td data-label=t("notices.field_title")>
                {n.pinned.then(|| view! { <span class="tag pinned">{t("notices.pinned")}</span>" " })}
                <a href=edit.clone()>{n.title.clone()}</a>
            </td>
            <td data-label=t("notices.field_kind")>{t(kind_label_key(&n.kind))}</td>
            <td data-label=t("notices.status")>{status}</td>
            <td data-label=t("notices.updated_at")>{format_shanghai(n.updated_at)}</td>
            <td data-label=t("notices.actions")>
                <div class="row-actions">
                    <a class="button secondary" href=edit>{t("notices.edit")}</a>
                    {publishing}
                    <ActionForm action=actions.pin>
                        <input type="hidden" name="id" value=pin_id/>
                        <input type="hidden" name="pinned" value=pin_to/>
                        <button type="submit" class="button secondary" aria-label=pin_label>{pin_text}</button>
                    </ActionForm>
                </div>
            </td>
        </tr>
    }
}
