//! Operators write a notice or policy: kind, title, Markdown body, pinned; then
//! attach files (PDF / JPEG / PNG up to 5 MB). Every form also works without
//! JavaScript: the upload is a plain multipart form posting to the server
//! function, which sends the browser back to this page.
use super::manage::EDITORS;
use super::public::Attachments;
use crate::api::notices::{get_notice_for_edit, AttachFile, DetachFile, SaveNotice};
#[cfg(feature = "hydrate")]
use crate::domain::files::MAX_FILE_BYTES;
use crate::domain::time::format_shanghai;
use crate::error::AppError;
use crate::i18n::t;
use crate::model::notices::{NoticeEdit, NoticeKind, BODY_MAX_CHARS, TITLE_MAX_CHARS};
use crate::ui::account::{FieldError, FormError, Signed};
use crate::ui::components::{ErrorPanel, Loading};
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

const FIELDS: &[&str] = &["kind", "title", "body"];

#[component]
pub fn NewNoticePage() -> impl IntoView {
    view! {
        <Title text=t("notices.new")/>
        <nav class="breadcrumb" aria-label=t("nav.breadcrumb")>
            <a href="/operator/notices">{t("notices.manage_title")}</a>" / "{t("notices.new")}
        </nav>
        <h1>{t("notices.new")}</h1>
        <Signed roles=EDITORS render=|| view! { <NoticeForm notice=None save=ServerAction::new()/> }/>
    }
}

#[component]
pub fn EditNoticePage() -> impl IntoView {
    view! {
        <Title text=t("notices.edit_title")/>
        <nav class="breadcrumb" aria-label=t("nav.breadcrumb")>
            <a href="/operator/notices">{t("notices.manage_title")}</a>" / "{t("notices.edit_title")}
        </nav>
        <h1>{t("notices.edit_title")}</h1>
        <Signed roles=EDITORS render=|| view! { <Editor/> }/>
    }
}

#[component]
fn Editor() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.with(|p| p.get("id").and_then(|s| s.parse::<i64>().ok()).unwrap_or(-1));
    let uploaded = RwSignal::new(0usize);
    let detach = ServerAction::<DetachFile>::new();
    let save = ServerAction::<SaveNotice>::new();
    // two loads, so an upload or removal never resets text typed but not yet saved
    let form = Resource::new(move || (id(), save.version().get()), |(id, _)| get_notice_for_edit(id));
    let files = Resource::new(
        move || (id(), uploaded.get(), detach.version().get(), save.version().get()),
        |(id, _, _, _)| get_notice_for_edit(id),
    );
    view! {
        <Transition fallback=|| view! { <Loading/> }>
            {move || Suspend::new(async move {
                match form.await {
                    Ok(n) => view! { <NoticeForm notice=Some(n) save/> }.into_any(),
                    Err(error) => view! { <ErrorPanel error/> }.into_any(),
                }
            })}
        </Transition>
        <Transition fallback=|| view! { <Loading/> }>
            {move || Suspend::new(async move {
                match files.await {
                    Ok(n) => view! { <AttachmentsPanel n uploaded detach/> }.into_any(),
                    // the form above already shows the error
                    Err(_) => ().into_any(),
                }
            })}
        </Transition>
    }
}

/// Kind, title, body and pinned; creates a draft or saves the changes.
#[component]
fn NoticeForm(notice: Option<NoticeEdit>, save: ServerAction<SaveNotice>) -> impl IntoView {
    let value = save.value();
    let pending = save.pending();
    let query = use_query_map();
    let saved = move || query.with(|q| q.get("saved").is_some()) && value.with(|v| !matches!(v, Some(Err(_))));
    let (kind, title, body, pinned) = match &notice {
        Some(n) => (n.kind.clone(), n.title.clone(), n.body.clone(), n.pinned),
        None => ("notice".to_string(), String::new(), String::new(), false),
    };
    let status = notice.as_ref().map(|n| match n.published_at {
        Some(at) => format!("{} {}", t("notices.published"), format_shanghai(at)),
        None => t("notices.draft_hint"),
    });
    let public_link = notice.as_ref().filter(|n| n.published_at.is_some()).map(|n| format!("/notices/{}", n.id));
    let kinds = NoticeKind::ALL
        .into_iter()
        .map(|k| {
            let checked = k.as_str() == kind;
            view! {
                <label class="choice">
                    <input type="radio" name="kind" value=k.as_str() checked=checked/>
                    {t(k.label_key())}
                </label>
            }
        })
        .collect_view();
    view! {
        <section class="panel">
            {status.map(|s| view! { <p class="hint">{s}{public_link.map(|href| view! { " " <a href=href>{t("notices.view")}</a> })}</p> })}
            <ActionForm action=save attr:class="form notice-form" attr:novalidate=true>
                {notice.as_ref().map(|n| view! { <input type="hidden" name="id" value=n.id.to_string()/> })}
                <fieldset class="field">
                    <legend>{t("notices.field_kind")}</legend>
                    <div class="choices">{kinds}</div>
                    <FieldError field="kind" value/>
                </fieldset>
                <div class="field">
                    <label for="nf-title">{t("notices.field_title")}</label>
                    <input id="nf-title" name="title" required maxlength=TITLE_MAX_CHARS.to_string() value=title
                        aria-describedby="title-error"/>
                    <FieldError field="title" value/>
                </div>
                <div class="field">
                    <label for="nf-body">{t("notices.field_body")}</label>
                    <textarea id="nf-body" name="body" rows="16" required maxlength=BODY_MAX_CHARS.to_string()
                        aria-describedby="body-hint body-error">{body}</textarea>
                    <p class="hint" id="body-hint">{t("notices.body_hint")}</p>
                    <FieldError field="body" value/>
                </div>
                <label class="choice">
                    <input type="checkbox" name="pinned" checked=pinned/>
                    {t("notices.field_pinned")}
                </label>
                <FormError value fields=FIELDS/>
                <Show when=saved>
                    <p class="form-ok" role="status">{t("notices.saved")}</p>
                </Show>
                <button type="submit" class="button primary" disabled=pending>{t("notices.save")}</button>
            </ActionForm>
        </section>
    }
}

/// The notice's files with remove buttons, the upload form and a preview of the
/// saved body.
#[component]
fn AttachmentsPanel(n: NoticeEdit, uploaded: RwSignal<usize>, detach: ServerAction<DetachFile>) -> impl IntoView {
    let notice_id = n.id.to_string();
    let files = n.attachments.clone();
    // an upload refused during a plain form post comes back in the URL
    let no_js_error = crate::ui::account::plain_form_error(AttachFile::PATH);
    let error = RwSignal::new(no_js_error);
    let busy = RwSignal::new(false);
    let upload = Action::new_local(|data: &leptos::web_sys::FormData| attach_file_local(data.clone()));
    Effect::new(move |_| {
        if let Some(result) = upload.value().get() {
            busy.set(false);
            match result {
                Ok(_) => {
                    error.set(None);
                    uploaded.update(|n| *n += 1);
                }
                Err(e) => error.set(Some(e)),
            }
        }
    });
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        // with JavaScript: check the size here, then send without leaving the page
        #[cfg(feature = "hydrate")]
        {
            use wasm_bindgen::JsCast;
            ev.prevent_default();
            let Some(form) = ev.target().and_then(|t| t.dyn_into::<leptos::web_sys::HtmlFormElement>().ok()) else { return };
            let Ok(data) = leptos::web_sys::FormData::new_with_form(&form) else { return };
            match data.get("file").dyn_into::<leptos::web_sys::File>() {
                Ok(file) if file.size() > MAX_FILE_BYTES as f64 => {
                    error.set(Some(AppError::invalid("file", "files.too_large")));
                    return;
                }
                Ok(file) if file.name().is_empty() => {
                    error.set(Some(AppError::invalid("file", "files.missing")));
                    return;
                }
                Err(_) => {
                    error.set(Some(AppError::invalid("file", "files.missing")));
                    return;
                }
                Ok(_) => {}
            }
            busy.set(true);
            upload.dispatch_local(data);
            form.reset();
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = ev;
    };
    let message = move || error.get().map(|e| t(e.message_key()));
    view! {
        <section class="panel" aria-labelledby="files-h">
            <h2 id="files-h">{t("notices.attachments")}</h2>
            {if files.is_empty() {
                view! { <p class="hint">{t("notices.no_attachments")}</p> }.into_any()
            } else {
                view! {
                    <ul class="attachment-edit">
                        {files.into_iter().map(|f| {
                            let label = format!("{} {}", t("notices.detach"), f.original_name);
                            view! {
                                <li>
                                    <a href=f.href() rel="external">{f.original_name.clone()}</a>
                                    " "<span class="file-meta">{format!("{} · {}", f.kind_label(), f.size_label())}</span>
                                    <ActionForm action=detach attr:class="inline-form">
                                        <input type="hidden" name="notice_id" value=n.id.to_string()/>
                                        <input type="hidden" name="file_id" value=f.id.to_string()/>
                                        <button type="submit" class="button secondary" aria-label=label>{t("notices.detach")}</button>
                                    </ActionForm>
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
            <form class="form upload-form" method="post" action=AttachFile::PATH enctype="multipart/form-data" on:submit=on_submit>
                <input type="hidden" name="notice_id" value=notice_id/>
                <div class="field">
                    <label for="nf-file">{t("notices.add_attachment")}</label>
                    <input id="nf-file" type="file" name="file" required
                        accept=".pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png" aria-describedby="file-hint file-error"/>
                    <p class="hint" id="file-hint">{t("files.hint")}</p>
                    <Show when=move || message().is_some()>
                        <p class="field-error" id="file-error" role="alert">{message}</p>
                    </Show>
                </div>
                <button type="submit" class="button" disabled=move || busy.get()>
                    {move || if busy.get() { t("files.uploading") } else { t("files.upload") }}
                </button>
            </form>
        </section>
        <section class="panel" aria-labelledby="preview-h">
            <h2 id="preview-h">{t("notices.preview")}</h2>
            // sanitised on the server by `domain::markdown::render` (no raw HTML, safe links only)
            <div class="notice-body" inner_html=n.body_html.clone()></div>
            <Attachments files=n.attachments.clone()/>
        </section>
    }
}

/// Sends the upload form's data to `notices/attach` (browser only).
async fn attach_file_local(data: leptos::web_sys::FormData) -> Result<crate::model::files::FileRef, AppError> {
    crate::api::notices::attach_file(data.into()).await
}
