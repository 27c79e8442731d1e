//! Approval cases from other platforms (数据上传接口):
//! - `/operator/platforms` (operators, administrators): register a platform,
//!   issue an API key (the secret is shown once), revoke a key;
//! - `/supervision/cases` (regulators, leaders, operators, administrators): the
//!   reported cases in the caller's scope with their stage history and linked
//!   procurements; filters are a GET form (stage, platform, department, page).
use crate::api::ingest::{list_approval_cases, list_platforms, ApprovalCase, CasesView, CreatePlatform, IssueApiKey, PlatformView, RevokeApiKey};
use crate::domain::accounts::Role;
use crate::domain::ingest::Stage;
use crate::domain::time::format_shanghai;
use crate::i18n::t;
use crate::model::Named;
use crate::ui::account::{FieldError, FormError, Signed};
use crate::ui::components::{successes, Empty, ErrorPanel, FilterSelect, Loading, Pager};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::Form;
use leptos_router::hooks::use_query_map;

fn stage_label(stage: &str) -> String {
    Stage::parse(stage).map(|s| t(s.label_key())).unwrap_or_else(|| stage.to_string())
}

#[component]
pub fn PlatformsPage() -> impl IntoView {
    view! {
        <Title text=t("ingest.platforms_title")/>
        <Signed roles=&[Role::Operator, Role::Admin] render=|| view! { <PlatformsBody/> }/>
    }
}

const PLATFORM_FIELDS: &[&str] = &["code", "name", "region_code"];

#[component]
fn PlatformsBody() -> impl IntoView {
    let create = ServerAction::<CreatePlatform>::new();
    let issue = ServerAction::<IssueApiKey>::new();
    let revoke = ServerAction::<RevokeApiKey>::new();
    // refetch after successes only: a refused form keeps what was typed
    let (created, issued_n, revoked_n) = (successes(create), successes(issue), successes(revoke));
    let data = Resource::new(move || (created.get(), issued_n.get(), revoked_n.get()), |_| list_platforms());
    let issued = issue.value();
    let revoked = revoke.value();
    view! {
        <h1>{t("ingest.platforms_title")}</h1>
        <p class="lead">{t("ingest.platforms_lead")}</p>
        <p class="hint">
            {t("ingest.api_hint")}" "
            <code>"POST /api/ingest/v1/events"</code>" · "
            <a href="/api/ingest/v1/schema" rel="external">{t("ingest.schema_link")}</a>
        </p>
        {move || match issued.get() {
            Some(Ok(k)) => view! {
                <section class="issued-key" role="status" data-testid="issued-key">
                    <h2>{t("ingest.key_issued").replace("{platform}", &k.platform_name)}</h2>
                    <p><code class="secret" data-testid="issued-secret">{k.secret.clone()}</code></p>
                    <p class="warning">{t("ingest.key_once")}</p>
                </section>
            }.into_any(),
            Some(Err(e)) => view! { <p class="form-error" role="alert">{t(e.message_key())}</p> }.into_any(),
            None => ().into_any(),
        }}
        {move || match revoked.get() {
            Some(Ok(())) => view! { <p class="form-ok" role="status">{t("ingest.key_revoked")}</p> }.into_any(),
            Some(Err(e)) => view! { <p class="form-error" role="alert">{t(e.message_key())}</p> }.into_any(),
            None => ().into_any(),
        }}
        <Transition fallback=|| view! { <Loading/> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(view) => {
                        let regions = view.regions.clone();
                        let list = if view.platforms.is_empty() {
                            view! { <Empty message=t("ingest.no_platforms")/> }.into_any()
                        } else {
                            view! {
                                <ul class="cards platforms">
                                    {view.platforms.into_iter().map(|p| view! { <PlatformItem p issue revoke/> }).collect_view()}
                                </ul>
                            }.into_any()
                        };
                        view! {
                            <section>
                                <h2>{t("ingest.platforms")}</h2>
                                {list}
                            </section>
                            <CreateForm create regions/>
                        }.into_any()
                    }
                    Err(error) => view! { <ErrorPanel error/> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn CreateForm(create: ServerAction<CreatePlatform>, regions: Vec<Named>) -> impl IntoView {
    let value = create.value();
    let created = move || matches!(value.get(), Some(Ok(_)));
    view! {
        <section>
            <h2>{t("ingest.create")}</h2>
            <ActionForm action=create attr:class="form grid-form" attr:novalidate=true>
                <div class="field">
                    <label for="pf-code">{t("ingest.code")}</label>
                    <input id="pf-code" name="code" required maxlength="32" autocapitalize="none" placeholder="sc-tzxm" aria-describedby="code-error"/>
                    <p class="hint">{t("ingest.code_hint")}</p>
                    <FieldError field="code" value/>
                </div>
                <div class="field">
                    <label for="pf-name">{t("ingest.name")}</label>
                    <input id="pf-name" name="name" required maxlength="60" aria-describedby="name-error"/>
                    <FieldError field="name" value/>
                </div>
                <div class="field">
                    <label for="pf-region">{t("ingest.region")}</label>
                    <select id="pf-region" name="region_code" aria-describedby="region_code-error">
                        <option value="">{t("ingest.any_region")}</option>
                        {regions.into_iter().map(|r| view! { <option value=r.code.clone()>{format!("{} {}", r.code, r.name)}</option> }).collect_view()}
                    </select>
                    <FieldError field="region_code" value/>
                </div>
                <FormError value fields=PLATFORM_FIELDS/>
                <Show when=created>
                    <p class="form-ok" role="status">{t("ingest.platform_created")}</p>
                </Show>
                <button type="submit" class="button primary" disabled=create.pending()>{t("ingest.create_submit")}</button>
            </ActionForm>
        </section>
    }
}

#[component]
fn PlatformItem(p: PlatformView, issue: ServerAction<IssueApiKey>, revoke: ServerAction<RevokeApiKey>) -> impl IntoView {
    let keys = p.keys.clone();
    view! {
        <li class="card platform" data-testid="platform">
            <p>
                <strong>{p.name.clone()}</strong>" "
                <span class="tag">{p.code.clone()}</span>
                {p.disabled.then(|| view! { " "<span class="tag bad">{t("ingest.disabled")}</span> })}
            </p>
            <p class="hint">
                {t("ingest.region")}": "{p.region_name.clone().unwrap_or_else(|| t("ingest.any_region"))}" · "
                {t("ingest.case_count").replace("{n}", &p.cases.to_string())}" · "
                {t("ingest.created_at")}" "<time>{format_shanghai(p.created_at)}</time>
            </p>
            {if keys.is_empty() {
                view! { <p class="empty">{t("ingest.no_keys")}</p> }.into_any()
            } else {
                view! {
                    <table class="data keys">
                        <thead><tr>
                            <th scope="col">{t("ingest.key")}</th>
                            <th scope="col">{t("ingest.created_at")}</th>
                            <th scope="col">{t("ingest.last_used")}</th>
                            <th scope="col">{t("ingest.key_status")}</th>
                            <th scope="col"><span class="sr-only">{t("ingest.revoke")}</span></th>
                        </tr></thead>
                        <tbody>
                            {keys.into_iter().map(|k| {
                                let active = k.revoked_at.is_none();
                                view! {
                                    <tr data-testid="api-key">
                                        <td data-label=t("ingest.key")><code>{format!("{}…", k.prefix)}</code></td>
                                        <td data-label=t("ingest.created_at")>{format_shanghai(k.created_at)}</td>
                                        <td data-label=t("ingest.last_used")>{k.last_used_at.map(format_shanghai).unwrap_or_else(|| t("ingest.never"))}</td>
                                        <td data-label=t("ingest.key_status") data-testid="key-status">
                                            {match k.revoked_at {
                                                None => t("ingest.key_active"),
                                                Some(at) => format!("{} {}", t("ingest.key_revoked_at"), format_shanghai(at)),
                                            }}
                                        </td>
                                        <td data-label=t("ingest.revoke")>
                                            {active.then(|| view! {
                                                <ActionForm action=revoke attr:class="inline-form">
                                                    <input type="hidden" name="key_id" value=k.id.to_string()/>
                                                    <button type="submit" class="button secondary danger">{t("ingest.revoke")}</button>
                                                </ActionForm>
                                            })}
                                        </td>
                                    </tr>
                                }
                            }).collect_view()}
                        </tbody>
                    </table>
                }.into_any()
            }}
            {(!p.disabled).then(|| view! {
                <ActionForm action=issue attr:class="inline-form">
                    <input type="hidden" name="platform_id" value=p.id.to_string()/>
                    <button type="submit" class="button" disabled=issue.pending()>{t("ingest.issue")}</button>
                </ActionForm>
            })}
        </li>
    }
}

/// The case list's query.
#[derive(Clone, Debug, PartialEq)]
struct Query {
    stage: String,
    platform: String,
    department: String,
    page: i64,
}

impl Query {
    fn href(&self, page: u32) -> String {
        format!("/supervision/cases?stage={}&platform={}&department={}&page={page}", self.stage, self.platform, self.department)
    }
}

#[component]
pub fn ApprovalCasesPage() -> impl IntoView {
    view! {
        <Title text=t("ingest.cases_title")/>
        <Signed roles=&[Role::Regulator, Role::Leader, Role::Operator, Role::Admin] render=|| view! { <CasesBody/> }/>
    }
}

#[component]
fn CasesBody() -> impl IntoView {
    let query_map = use_query_map();
    let query = Memo::new(move |_| {
        query_map.with(|m| Query {
            stage: m.get("stage").unwrap_or_default(),
            platform: m.get("platform").unwrap_or_default(),
            department: m.get("department").unwrap_or_default(),
            page: m.get("page").and_then(|p| p.parse().ok()).unwrap_or(1),
        })
    });
    let cases = Resource::new(move || query.get(), |q| list_approval_cases(q.stage, q.platform, q.department, q.page));
    view! {
        <h1>{t("ingest.cases_title")}</h1>
        <p class="lead">{t("ingest.cases_lead")}</p>
        <Transition fallback=|| view! { <Loading/> }>
            <div class="results" aria-live="polite">
                {move || Suspend::new(async move {
                    let q = query.get_untracked();
                    match cases.await {
                        Ok(view) => view! { <CaseFilters q=q.clone() view=view.clone()/> <CaseList view q/> }.into_any(),
                        Err(error) => view! { <ErrorPanel error/> <p><a href="/supervision/cases">{t("common.reset")}</a></p> }.into_any(),
                    }
                })}
            </div>
        </Transition>
    }
}

#[component]
fn CaseFilters(q: Query, view: CasesView) -> impl IntoView {
    let stages: Vec<Named> = Stage::ALL.iter().map(|s| Named { code: s.as_str().into(), name: t(s.label_key()) }).collect();
    view! {
        <Form method="GET" action="/supervision/cases" attr:class="filters" attr:role="search" attr:aria-label=t("ingest.filters")>
            <FilterSelect id="ac-stage" name="stage" label=t("ingest.stage") choices=stages current=Some(q.stage.clone())/>
            <FilterSelect id="ac-platform" name="platform" label=t("ingest.platform") choices=view.platforms current=Some(q.platform.clone())/>
            <FilterSelect id="ac-department" name="department" label=t("ingest.department") choices=view.departments current=Some(q.department.clone())/>
            <div class="field actions">
                <button type="submit">{t("common.search")}</button>
                <a class="button secondary" href="/supervision/cases">{t("common.reset")}</a>
            </div>
        </Form>
    }
}

#[component]
fn CaseList(view: CasesView, q: Query) -> impl IntoView {
    let page = view.page;
    let items = page.items.clone();
    view! {
        <p class="count" data-testid="case-count">{t("ingest.found").replace("{n}", &page.total.to_string())}</p>
        {if items.is_empty() {
            view! { <Empty message=t("ingest.no_cases")/> }.into_any()
        } else {
            view! { <ul class="cards approval-cases">{items.into_iter().map(|c| view! { <CaseItem c/> }).collect_view()}</ul> }.into_any()
        }}
        <Pager page href=move |n| q.href(n)/>
    }
}

#[component]
fn CaseItem(c: ApprovalCase) -> impl IntoView {
    view! {
        <li class=format!("card approval-case stage-{}", c.stage) data-testid="approval-case">
            <p>
                <span class="tag" data-testid="case-stage">{stage_label(&c.stage)}</span>" "
                <strong>{c.title.clone()}</strong>
            </p>
            <p class="hint">
                {t("ingest.case_no")}" "<code>{c.case_no.clone()}</code>" · "{c.platform_name.clone()}
            </p>
            <p>
                {t("ingest.applicant")}": "{c.applicant.clone()}" · "
                {c.region_name.clone()}" · "{c.department_name.clone()}
                {c.item.clone().map(|i| view! { " · "<a href=format!("/items/{}", i.code)>{i.name}</a> })}
            </p>
            <ol class="stage-history" aria-label=t("ingest.history")>
                {c.events.iter().map(|e| view! {
                    <li>
                        <span class="stage-name">{stage_label(&e.stage)}</span>" "
                        <time>{format_shanghai(e.at)}</time>
                    </li>
                }).collect_view()}
            </ol>
            {(!c.procurements.is_empty()).then(|| view! {
                <p class="links">
                    {t("ingest.procurements")}": "
                    {c.procurements.iter().map(|p| view! {
                        <a href=format!("/announcements/{}", p.code) title=p.name.clone()>{p.code.clone()}</a>" "
                    }).collect_view()}
                </p>
            })}
        </li>
    }
}
