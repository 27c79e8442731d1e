//! Public pages: the list of notices and policies (tabs by kind, title search
//! as a GET form, pagination) and one notice with its attachments.
use crate::api::notices::{get_notice, list_notices};
use crate::domain::paging::Page;
use crate::domain::time::{date_shanghai, format_shanghai};
use crate::i18n::t;
use crate::model::files::FileRef;
use crate::model::notices::{kind_label_key, NoticeDetail, NoticeKind, NoticeQuery, NoticeSummary, QUERY_MAX_CHARS};
use crate::ui::components::{Empty, ErrorPanel, Loading, Pager};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::Form;
use leptos_router::hooks::{use_params_map, use_query_map};

#[component]
pub fn NoticesPage() -> impl IntoView {
    let query_map = use_query_map();
    let query = Memo::new(move |_| query_map.with(|m| NoticeQuery::from_params(|k| m.get(k))));
    let notices = Resource::new(move || query.get(), list_notices);
    view! {
        <Title text=t("notices.title")/>
        <h1>{t("notices.title")}</h1>
        <p class="lead">{t("notices.lead")}</p>
        {move || {
            let q = query.get();
            view! { <KindTabs current=q.kind()/> <SearchForm q/> }
        }}
        <Transition fallback=|| view! { <Loading/> }>
            <div class="results" aria-live="polite">
                {move || Suspend::new(async move {
                    let q = query.get_untracked();
                    match notices.await {
                        Ok(page) => view! { <NoticeList page q/> }.into_any(),
                        Err(error) => view! { <ErrorPanel error/> }.into_any(),
                    }
                })}
            </div>
        </Transition>
    }
}

/// 全部 | 通知公告 | 政策法规: links, so they work without JavaScript.
#[component]
fn KindTabs(current: Option<NoticeKind>) -> impl IntoView {
    let tab = move |kind: Option<NoticeKind>, label: String| {
        let href = NoticeQuery { kind: kind.map(|k| k.as_str().to_string()), ..Default::default() }.href(1);
        let here = kind == current;
        view! { <a href=href class:active=here aria-current=here.then_some("page")>{label}</a> }
    };
    view! {
        <nav class="notice-tabs" aria-label=t("notices.kinds")>
            {tab(None, t("notices.kind_all"))}
            {NoticeKind::ALL.into_iter().map(|k| tab(Some(k), t(k.label_key()))).collect_view()}
        </nav>
    }
}

#[component]
fn SearchForm(q: NoticeQuery) -> impl IntoView {
    view! {
        <Form method="GET" action="/notices" attr:class="search notice-search" attr:role="search">
            {q.kind.clone().map(|k| view! { <input type="hidden" name="kind" value=k/> })}
            <label for="notice-q" class="sr-only">{t("notices.search_label")}</label>
            <input id="notice-q" type="search" name="q" maxlength=QUERY_MAX_CHARS.to_string()
                value=q.q.clone().unwrap_or_default() placeholder=t("notices.search_placeholder")/>
            <button type="submit">{t("common.search")}</button>
        </Form>
    }
}

#[component]
fn NoticeList(page: Page<NoticeSummary>, q: NoticeQuery) -> impl IntoView {
    let total = page.total;
    let items = page.items.clone();
    let searching = q.q.is_some();
    view! {
        <p class="count" data-testid="notice-count">{t("notices.found").replace("{n}", &total.to_string())}</p>
        {if items.is_empty() {
            let message = if searching { t("notices.no_match") } else { t("notices.empty") };
            view! { <Empty message/> }.into_any()
        } else {
            view! {
                <ul class="notice-list">
                    {items.into_iter().map(|n| view! { <NoticeItem n/> }).collect_view()}
                </ul>
            }.into_any()
        }}
        <Pager page href=move |n| q.href(n)/>
    }
}

/// One line of a list: kind, pinned mark, title, date (also used on the home page).
#[component]
pub fn NoticeItem(n: NoticeSummary) -> impl IntoView {
    let date = n.published_at.map(date_shanghai).unwrap_or_default();
    view! {
        <li class="notice-item">
            <span class=format!("tag kind-{}", n.kind)>{t(kind_label_key(&n.kind))}</span>
            {n.pinned.then(|| view! { <span class="tag pinned">{t("notices.pinned")}</span> })}
            <a class="notice-title" href=n.href()>{n.title.clone()}</a>
            {(n.attachment_count > 0).then(|| view! {
                <span class="notice-clip" title=t("notices.attachments")>
                    <span aria-hidden="true">"📎"</span>
                    <span class="sr-only">{t("notices.attachments")}</span>
                    {n.attachment_count}
                </span>
            })}
            <time class="notice-date" datetime=date.clone()>{date.clone()}</time>
        </li>
    }
}

#[component]
pub fn NoticePage() -> impl IntoView {
    let params = use_params_map();
    // an id that is not a number finds nothing (404)
    let id = move || params.with(|p| p.get("id").and_then(|s| s.parse::<i64>().ok()).unwrap_or(-1));
    let notice = Resource::new(id, get_notice);
    view! {
        <Suspense fallback=|| view! { <Loading/> }>
            {move || Suspend::new(async move {
                match notice.await {
                    Ok(n) => view! { <NoticeView n/> }.into_any(),
                    Err(error) => view! { <Title text=t("error.title")/><ErrorPanel error/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn NoticeView(n: NoticeDetail) -> impl IntoView {
    let kind_href = NoticeQuery { kind: Some(n.kind.clone()), ..Default::default() }.href(1);
    view! {
        <Title text=n.title.clone()/>
        <nav class="breadcrumb" aria-label=t("nav.breadcrumb")>
            <a href="/">{t("nav.home")}</a>" / "<a href="/notices">{t("notices.title")}</a>" / "
            <a href=kind_href>{t(kind_label_key(&n.kind))}</a>
        </nav>
        <article class="panel notice-article">
            <h1>{n.title.clone()}</h1>
            <p class="notice-meta">
                <span class=format!("tag kind-{}", n.kind)>{t(kind_label_key(&n.kind))}</span>
                {n.pinned.then(|| view! { <span class="tag pinned">{t("notices.pinned")}</span> })}
                <span>{t("notices.published_at")}" "{format_shanghai(n.published_at)}</span>
            </p>
            // The only `inner_html` in the app: `body_html` is rendered on the server by
            // `domain::markdown::render`, which turns raw HTML into escaped text and keeps
            // only http(s)/mailto/relative links. Never insert any other text this way.
            <div class="notice-body" inner_html=n.body_html.clone()></div>
            <Attachments files=n.attachments.clone()/>
        </article>
    }
}

/// The attachments of a notice: name, type and size, each a link to `/files/{id}`.
#[component]
pub fn Attachments(files: Vec<FileRef>) -> impl IntoView {
    (!files.is_empty()).then(|| {
        view! {
            <section class="attachments" aria-labelledby="attachments-h">
                <h2 id="attachments-h">{t("notices.attachments")}</h2>
                <ul>
                    {files.into_iter().map(|f| view! {
                        <li>
                            <a href=f.href() rel="external">{f.original_name.clone()}</a>
                            " "<span class="file-meta">{format!("{} · {}", f.kind_label(), f.size_label())}</span>
                        </li>
                    }).collect_view()}
                </ul>
            </section>
        }
    })
}
