//! Administrators: the list of accounts and the creation of staff accounts
//! (operators, regulators scoped to an industry and a region, leaders scoped to a region).
use super::{FieldError, FormError, Signed};
use crate::api::accounts::CreateStaff;
use crate::api::accounts::list_accounts;
use crate::api::reference::get_reference_lists;
use crate::domain::accounts::{Role, PASSWORD_MAX_CHARS};
use crate::domain::time::format_shanghai;
use crate::i18n::t;
use crate::model::accounts::AccountRow;
use crate::ui::components::{Empty, ErrorPanel, Loading, Pager};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

const STAFF_FIELDS: &[&str] = &["role", "username", "display_name", "region_code", "industry_code", "password"];

#[component]
pub fn AdminAccountsPage() -> impl IntoView {
    view! {
        <Title text=t("admin.accounts_title")/>
        <h1>{t("admin.accounts_title")}</h1>
        <Signed roles=&[Role::Admin] render=|| {
            let create = ServerAction::<CreateStaff>::new();
            view! { <StaffForm create/> <AccountList create/> }
        }/>
    }
}

#[component]
fn StaffForm(create: ServerAction<CreateStaff>) -> impl IntoView {
    let value = create.value();
    let pending = create.pending();
    let lists = Resource::new(|| (), |_| get_reference_lists());
    let created = move || matches!(value.get(), Some(Ok(_)));
    let roles = [Role::Operator, Role::Regulator, Role::Leader, Role::Admin]
        .into_iter()
        .map(|r| view! { <option value=r.as_str()>{t(&format!("role.{}", r.as_str()))}</option> })
        .collect_view();
    view! {
        <section class="panel">
            <h2>{t("admin.create_staff")}</h2>
            <p class="hint">{t("admin.create_staff_hint")}</p>
            <ActionForm action=create attr:class="form grid-form" attr:novalidate=true>
                <div class="field">
                    <label for="cs-role">{t("account.role")}</label>
                    <select id="cs-role" name="role" aria-describedby="role-error">{roles}</select>
                    <FieldError field="role" value/>
                </div>
                <div class="field">
                    <label for="cs-username">{t("account.username")}</label>
                    <input id="cs-username" name="username" required maxlength="32" autocapitalize="none" aria-describedby="username-error"/>
                    <FieldError field="username" value/>
                </div>
                <div class="field">
                    <label for="cs-display">{t("account.display_name")}</label>
                    <input id="cs-display" name="display_name" required maxlength="50" aria-describedby="display_name-error"/>
                    <FieldError field="display_name" value/>
                </div>
                <Suspense fallback=|| view! { <Loading/> }>
                    {move || Suspend::new(async move {
                        match lists.await {
                            Ok(l) => view! {
                                <div class="field">
                                    <label for="cs-region">{t("admin.region")}</label>
                                    <select id="cs-region" name="region_code" aria-describedby="region_code-error">
                                        <option value="">{t("admin.no_scope")}</option>
                                        {l.regions.into_iter().map(|r| view! { <option value=r.code.clone()>{r.name}</option> }).collect_view()}
                                    </select>
                                    <FieldError field="region_code" value/>
                                </div>
                                <div class="field">
                                    <label for="cs-industry">{t("admin.industry")}</label>
                                    <select id="cs-industry" name="industry_code" aria-describedby="industry_code-error">
                                        <option value="">{t("admin.no_scope")}</option>
                                        {l.industries.into_iter().map(|i| view! { <option value=i.code.clone()>{i.name}</option> }).collect_view()}
                                    </select>
                                    <FieldError field="industry_code" value/>
                                </div>
                            }.into_any(),
                            Err(error) => view! { <ErrorPanel error/> }.into_any(),
                        }
                    })}
                </Suspense>
                <div class="field">
                    <label for="cs-password">{t("admin.initial_password")}</label>
                    <input id="cs-password" name="password" type="password" required autocomplete="new-password"
                        maxlength=PASSWORD_MAX_CHARS.to_string() aria-describedby="password-error"/>
                    <FieldError field="password" value/>
                </div>
                <FormError value fields=STAFF_FIELDS/>
                <Show when=created>
                    <p class="form-ok" role="status">{t("admin.staff_created")}</p>
                </Show>
                <button type="submit" class="button primary" disabled=pending>{t("admin.create")}</button>
            </ActionForm>
        </section>
    }
}

#[component]
fn AccountList(create: ServerAction<CreateStaff>) -> impl IntoView {
    let query = use_query_map();
    let page = Memo::new(move |_| query.with(|q| q.get("page").and_then(|p| p.parse::<u32>().ok()).unwrap_or(1)));
    let accounts = Resource::new(move || (page.get(), create.version().get()), |(p, _)| list_accounts(p));
    view! {
        <section>
            <h2>{t("admin.accounts")}</h2>
            <Transition fallback=|| view! { <Loading/> }>
                {move || Suspend::new(async move {
                    match accounts.await {
                        Ok(page) if page.items.is_empty() => view! { <Empty message=t("admin.no_accounts")/> }.into_any(),
                        Ok(page) => {
                            let rows = page.items.clone().into_iter().map(account_row).collect_view();
                            view! {
                                <p class="count">{t("admin.account_count").replace("{n}", &page.total.to_string())}</p>
                                <div class="table-wrap">
                                    <table class="data">
                                        <thead><tr>
                                            <th scope="col">{t("account.username")}</th>
                                            <th scope="col">{t("account.display_name")}</th>
                                            <th scope="col">{t("account.role")}</th>
                                            <th scope="col">{t("account.scope")}</th>
                                            <th scope="col">{t("admin.status")}</th>
                                            <th scope="col">{t("admin.created_at")}</th>
                                        </tr></thead>
                                        <tbody>{rows}</tbody>
                                    </table>
                                </div>
                                <Pager page href=|n| format!("/admin/accounts?page={n}")/>
                            }.into_any()
                        }
                        Err(error) => view! { <ErrorPanel error/> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

fn account_row(a: AccountRow) -> impl IntoView {
    let scope = [a.organisation, a.region_name, a.industry_name].into_iter().flatten().collect::<Vec<_>>().join(" · ");
    view! {
        <tr>
            <td data-label=t("account.username")>{a.username}</td>
            <td data-label=t("account.display_name")>{a.display_name}</td>
            <td data-label=t("account.role")>{t(&format!("role.{}", a.role.as_str()))}</td>
            <td data-label=t("account.scope")>{scope}</td>
            <td data-label=t("admin.status")>{t(&format!("admin.status_{}", a.status))}</td>
            <td data-label=t("admin.created_at")>{format_shanghai(a.created_at)}</td>
        </tr>
    }
}
