//! `/contracts/:code/verify`: every version's stored SHA-256 next to a
//! recomputation — by the server when the page is rendered, then again by the
//! browser (the same `domain::contract` code compiled to WebAssembly) from the
//! stored text and from the text rendered again from the stored terms — and
//! whether each signature confirmed exactly that hash. A box checks any copy of
//! the text (pasted) against the versions.
use super::list::{party_short, ContractStatusTag, CONTRACT_ROLES};
use crate::api::contracts::verify_contract;
use crate::domain::contract::{render, text_sha256};
use crate::domain::time::format_shanghai;
use crate::i18n::t;
use crate::model::contract::{VerifyPage, VerifyVersion};
use crate::ui::account::Signed;
use crate::ui::components::{ErrorPanel, Loading};
use crate::ui::trading::owner_panel::hydrated_flag;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

#[component]
pub fn ContractVerifyPage() -> impl IntoView {
    view! { <Signed roles=CONTRACT_ROLES render=|| view! { <Loaded/> }/> }
}

#[component]
fn Loaded() -> impl IntoView {
    let params = use_params_map();
    let code = move || params.with(|p| p.get("code").unwrap_or_default());
    let data = Resource::new(code, verify_contract);
    view! {
        <Suspense fallback=|| view! { <Loading/> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(v) => view! { <VerifyView v/> }.into_any(),
                    Err(error) => view! { <Title text=t("error.title")/><ErrorPanel error/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// 一致 / 不一致.
#[component]
fn Verdict(#[prop(into)] ok: Signal<bool>) -> impl IntoView {
    view! {
        <span class=move || if ok.get() { "verify-result ok" } else { "verify-result bad" }>
            {move || t(if ok.get() { "contract.verify_match" } else { "contract.verify_mismatch" })}
        </span>
    }
}

#[component]
fn VerifyView(v: VerifyPage) -> impl IntoView {
    let js = hydrated_flag();
    let back = format!("/contracts/{}", v.code);
    let versions = v.versions.clone();
    let mut newest_first = versions.clone();
    newest_first.reverse();
    let current = v.version;
    let by = move || t(if js.get() { "contract.verify_by_browser" } else { "contract.verify_by_server" });
    view! {
        <Title text=format!("{} {}", t("contract.verify_title"), v.code)/>
        <nav class="breadcrumb" aria-label=t("nav.breadcrumb")>
            <a href="/contracts">{t("contract.list_title")}</a>" / "<a href=back.clone()>{v.code.clone()}</a>" / "{t("contract.verify_title")}
        </nav>
        <h1>{t("contract.verify_title")}" "<span class="code">{v.code.clone()}</span></h1>
        <p class="lead">{v.title.clone()}" "<ContractStatusTag status=v.status/></p>
        <p class="hint">{t("contract.verify_lead")}</p>
        <p class="verify-by" role="status" data-testid="verify-by" data-mode=move || if js.get() { "browser" } else { "server" }>{by}</p>
        {if versions.is_empty() {
            view! { <p class="empty">{t("contract.no_text")}</p> }.into_any()
        } else {
            newest_first.into_iter().map(|x| view! { <VersionCheck x current js/> }).collect_view().into_any()
        }}
        <PasteCheck versions js/>
        <p><a href=back>{t("contract.back_to_contract")}</a></p>
    }
}

#[component]
fn VersionCheck(x: VerifyVersion, current: i64, js: RwSignal<bool>) -> impl IntoView {
    // the server's values until hydrated, then the browser's own
    let text_hash = {
        let (text, server) = (x.text.clone(), x.server_text_sha256.clone());
        Memo::new(move |_| if js.get() { text_sha256(&text) } else { server.clone() })
    };
    let render_hash = {
        let (terms, server) = (x.terms.clone(), x.server_render_sha256.clone());
        Memo::new(move |_| if js.get() { terms.as_ref().map(|t| render(t).1) } else { server.clone() })
    };
    let render_text_same = {
        let (terms, text) = (x.terms.clone(), x.text.clone());
        Memo::new(move |_| terms.as_ref().is_some_and(|t| render(t).0 == text))
    };
    let stored = x.stored_sha256.clone();
    let s1 = stored.clone();
    let text_ok = Signal::derive(move || text_hash.get() == s1);
    let s2 = stored.clone();
    let render_ok = Signal::derive(move || render_hash.get().is_some_and(|h| h == s2) && render_text_same.get());
    let sigs_ok = x.signatures_match();
    let all_ok = Signal::derive(move || text_ok.get() && render_ok.get() && sigs_ok);
    let heading = format!(
        "{} · {} · {}",
        t("contract.version_n").replace("{n}", &x.version.to_string()),
        t(&format!("contract.kind_{}", x.kind)),
        format_shanghai(x.created_at)
    );
    let is_current = x.version == current;
    let heading_label = heading.clone();
    let signatures = if x.signatures.is_empty() {
        view! { <p class="muted">{t("contract.no_signatures")}</p> }.into_any()
    } else {
        view! {
            <ul class="sig-list">
                {x.signatures.iter().map(|s| {
                    let ok = s.sha256 == stored;
                    view! {
                        <li>
                            {format!("{} {} {} ", party_short(s.party), s.signer, format_shanghai(s.signed_at))}
                            <code class="hash short" title=s.sha256.clone()>{s.sha256.clone()}</code>" "
                            <Verdict ok=Signal::stored(ok)/>
                            {s.void_at.map(|_| view! { " "<span class="tag bad">{t("contract.signature_void")}</span> })}
                        </li>
                    }
                }).collect_view()}
            </ul>
        }
        .into_any()
    };
    view! {
        <section class="panel verify-version" data-testid=format!("verify-v{}", x.version) aria-label=heading_label>
            <h2>
                {heading}
                {is_current.then(|| view! { " "<span class="tag ok">{t("contract.version_current")}</span> })}
                {x.signed_by_both().then(|| view! { " "<span class="tag">{t("contract.signed_by_both")}</span> })}
            </h2>
            <p class="verify-summary" data-testid="verify-overall">{t("contract.verify_overall")}<Verdict ok=all_ok/></p>
            <dl class="facts wide verify-facts">
                <div><dt>{t("contract.verify_stored")}</dt><dd><code class="hash">{stored.clone()}</code></dd></div>
                <div>
                    <dt>{t("contract.verify_text_hash")}</dt>
                    <dd><code class="hash" data-testid="text-hash">{move || text_hash.get()}</code>" "<Verdict ok=text_ok/></dd>
                </div>
                <div>
                    <dt>{t("contract.verify_render_hash")}</dt>
                    <dd>
                        <code class="hash">{move || render_hash.get().unwrap_or_else(|| "—".into())}</code>" "<Verdict ok=render_ok/>
                    </dd>
                </div>
                <div><dt>{t("contract.col_signatures")}</dt><dd>{signatures}</dd></div>
            </dl>
            <details>
                <summary>{t("contract.verify_show_text")}</summary>
                <pre class="contract-pre">{x.text.clone()}</pre>
            </details>
        </section>
    }
}

/// Checks a pasted copy of the text (JavaScript only: the hash is computed in the browser).
#[component]
fn PasteCheck(versions: Vec<VerifyVersion>, js: RwSignal<bool>) -> impl IntoView {
    let text = RwSignal::new(String::new());
    let result = move || {
        let s = text.get();
        if s.is_empty() {
            return String::new();
        }
        // a copy from the page or a text file may have Windows line ends; the canonical text has `\n`
        let normalised = s.replace("\r\n", "\n");
        let hashes = [text_sha256(&s), text_sha256(&normalised), text_sha256(&format!("{}\n", normalised.trim_end_matches('\n')))];
        match versions.iter().find(|v| hashes.contains(&v.stored_sha256)) {
            Some(v) => t("contract.paste_match").replace("{n}", &v.version.to_string()),
            None => t("contract.paste_mismatch").replace("{hash}", &hashes[0]),
        }
    };
    view! {
        <section class="panel paste-check" hidden=move || !js.get() aria-labelledby="paste-h">
            <h2 id="paste-h">{t("contract.paste_title")}</h2>
            <div class="field">
                <label for="paste-text">{t("contract.paste_label")}</label>
                <textarea id="paste-text" rows="6" spellcheck="false" prop:value=move || text.get()
                    on:input=move |ev| text.set(event_target_value(&ev))></textarea>
            </div>
            <p class="paste-result" role="status" aria-live="polite">{result}</p>
        </section>
    }
}
