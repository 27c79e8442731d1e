//! `/manage/items/new` and `/manage/items/:code/edit`: the item editor (a plain form
//! posting to `catalogue/save`: works before hydration and without JavaScript),
//! the retirement form and the item's history.
use super::retire::RetireForm;
use super::MAINTAINERS;
use crate::api::catalogue_admin::{get_item_editor, RetireServiceItem, SaveServiceItem};
use crate::domain::catalogue::{self as rules, ItemSnapshot, ItemState};
use crate::i18n::t;
use crate::model::catalogue_admin::{ItemEditor, QualificationOption};
use crate::model::Named;
use crate::ui::account::{FieldError, FormError, Signed};
use crate::ui::components::{ErrorPanel, Loading};
use crate::ui::public::item_history::ItemHistory;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

const ITEM_FIELDS: &[&str] = &[
    "code", "name", "industry_code", "department_code", "region_code", "approval_item", "legal_basis",
    "qualification_type_code", "min_grade", "time_limit_days", "fee_basis", "effective_from", "effective_to", "reason",
];

#[component]
pub fn NewItemPage() -> impl IntoView {
    view! {
        <Title text=t("catalogue_admin.new_title")/>
        <Crumbs/>
        <h1>{t("catalogue_admin.new_title")}</h1>
        <Signed roles=MAINTAINERS render=|| view! { <Editor existing=false/> }/>
    }
}

#[component]
pub fn EditItemPage() -> impl IntoView {
    view! {
        <Title text=t("catalogue_admin.edit_title")/>
        <Crumbs/>
        <Signed roles=MAINTAINERS render=|| view! { <Editor existing=true/> }/>
    }
}

#[component]
fn Crumbs() -> impl IntoView {
    view! {
        <nav class="breadcrumb" aria-label=t("nav.breadcrumb")>
            <a href="/">{t("nav.home")}</a>" / "<a href="/manage/items">{t("catalogue_admin.title")}</a>
        </nav>
    }
}

/// Loads the editor; reloads after a successful save or retirement (the server
/// redirects to `?saved=N` / `?retired=N`), never after a failed one, so what the
/// user typed stays in the form next to the error.
#[component]
fn Editor(existing: bool) -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let save = ServerAction::<SaveServiceItem>::new();
    let retire = ServerAction::<RetireServiceItem>::new();
    let number = |v: Option<String>| v.and_then(|n| n.parse::<u32>().ok());
    let key = move || {
        let code = existing.then(|| params.with(|p| p.get("code").unwrap_or_default()));
        (code, query.with(|q| (number(q.get("saved")), number(q.get("retired")))))
    };
    let editor = Resource::new(key, |(code, _)| get_item_editor(code));
    let notice = move || {
        query.with(|q| match (number(q.get("saved")), number(q.get("retired"))) {
            (Some(n), _) => Some(t("catalogue_admin.saved").replace("{n}", &n.to_string())),
            (_, Some(n)) => Some(t("catalogue_admin.retired_ok").replace("{n}", &n.to_string())),
            _ => None,
        })
    };
    view! {
        <Show when=move || notice().is_some()>
            <p class="form-ok" role="status" data-testid="editor-notice">{notice}</p>
        </Show>
        <Suspense fallback=|| view! { <Loading/> }>
            {move || Suspend::new(async move {
                match editor.await {
                    Ok(e) => view! { <EditorView e save retire/> }.into_any(),
                    Err(error) => view! { <ErrorPanel error/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn EditorView(e: ItemEditor, save: ServerAction<SaveServiceItem>, retire: ServerAction<RetireServiceItem>) -> impl IntoView {
    let Some(ex) = e.existing.clone() else {
        return view! { <ItemFields e save/> }.into_any();
    };
    let public_href = format!("/items/{}", ex.item.code);
    let heading = format!("{} · {}", ex.item.code, ex.item.name);
    let state = view! { <span class=format!("tag state-{}", ex.state.as_str())>{t(ex.state.label_key())}</span> };
    let body = if ex.state == ItemState::Retired {
        view! {
            <p class="notice" role="status">
                {t("catalogue_admin.retired_locked_notice").replace("{date}", ex.item.retired_on.as_deref().unwrap_or(""))}
            </p>
        }
        .into_any()
    } else {
        let code = ex.item.code.clone();
        let retired_on = ex.item.retired_on.clone();
        let today = e.today.clone();
        view! {
            <ItemFields e=e.clone() save/>
            <RetireForm code version=ex.version retired_on today retire/>
        }
        .into_any()
    };
    view! {
        <h1>{heading}" "{state}</h1>
        <p><a href=public_href>{t("catalogue_admin.public_page")}</a></p>
        {body}
        <section class="panel">
            <h2>{t("catalogue_admin.history")}</h2>
            <ItemHistory versions=e.history.clone() show_names=true/>
        </section>
    }
    .into_any()
}

/// `<option>`s for a select, `current` preselected; `placeholder` first (value "").
fn options(choices: &[Named], current: &str, placeholder: Option<String>) -> impl IntoView + use<> {
    let first = placeholder.map(|p| view! { <option value="">{p}</option> });
    let rest = choices
        .iter()
        .map(|c| view! { <option value=c.code.clone() selected=c.code == current>{c.name.clone()}</option> })
        .collect_view();
    view! { {first}{rest} }
}

/// Grades grouped by qualification type; only the current type's grade is preselected.
fn grade_options(quals: &[QualificationOption], current_type: &str, current: &str) -> impl IntoView + use<> {
    quals
        .iter()
        .filter(|q| q.grades.len() > 1)
        .map(|q| {
            let grades = q
                .grades
                .iter()
                .map(|g| view! { <option value=g.clone() selected=q.code == current_type && g == current>{g.clone()}</option> })
                .collect_view();
            view! { <optgroup label=q.name.clone()>{grades}</optgroup> }
        })
        .collect_view()
}

#[component]
fn ItemFields(e: ItemEditor, save: ServerAction<SaveServiceItem>) -> impl IntoView {
    let value = save.value();
    let pending = save.pending();
    let adjusting = e.existing.is_some();
    let (item, version) = match &e.existing {
        Some(ex) => (ex.item.clone(), Some(ex.version)),
        None => {
            let single = |v: &[Named]| if v.len() == 1 { v[0].code.clone() } else { String::new() };
            let item = ItemSnapshot {
                code: e.next_code.clone(),
                industry_code: single(&e.options.industries),
                region_code: e.options.regions.first().map(|r| r.code.clone()).unwrap_or_default(),
                effective_from: e.today.clone(),
                ..Default::default()
            };
            (item, None)
        }
    };
    // the select options are built here: the form's children are a 'static closure
    let o = &e.options;
    let choose = || Some(t("catalogue_admin.choose"));
    let qual_choices: Vec<Named> = o.qualifications.iter().map(|q| Named { code: q.code.clone(), name: q.name.clone() }).collect();
    let qual = item.qualification_type_code.clone().unwrap_or_default();
    let grade = item.min_grade.clone().unwrap_or_default();
    let industry_options = options(&o.industries, &item.industry_code, (o.industries.len() != 1).then(|| t("catalogue_admin.choose")));
    let department_options = options(&o.departments, &item.department_code, choose());
    let region_options = options(&o.regions, &item.region_code, None);
    let qual_options = options(&qual_choices, &qual, Some(t("catalogue.no_qualification")));
    let grade_options = grade_options(&o.qualifications, &qual, &grade);
    let submit = if adjusting { t("catalogue_admin.save") } else { t("catalogue_admin.create") };
    view! {
        <section class="panel">
            <h2>{if adjusting { t("catalogue_admin.adjust") } else { t("catalogue_admin.new_title") }}</h2>
            <ActionForm action=save attr:class="form grid-form item-form" attr:novalidate=true>
                {version.map(|v| view! {
                    <input type="hidden" name="item[original_code]" value=item.code.clone()/>
                    <input type="hidden" name="item[version]" value=v.to_string()/>
                })}
                <div class="field">
                    <label for="ie-code">{t("catalogue.code")}</label>
                    <input id="ie-code" name="item[code]" value=item.code.clone() readonly=adjusting required maxlength="16"
                        autocapitalize="characters" spellcheck="false" aria-describedby="ie-code-hint code-error"/>
                    <p class="hint" id="ie-code-hint">{t("catalogue_admin.code_hint")}</p>
                    <FieldError field="code" value/>
                </div>
                <div class="field wide">
                    <label for="ie-name">{t("catalogue_admin.field_name")}</label>
                    <input id="ie-name" name="item[name]" value=item.name.clone() required maxlength=rules::NAME_CHARS.1.to_string() aria-describedby="name-error"/>
                    <FieldError field="name" value/>
                </div>
                <div class="field">
                    <label for="ie-industry">{t("catalogue.industry")}</label>
                    <select id="ie-industry" name="item[industry_code]" aria-describedby="industry_code-error">
                        {industry_options}
                    </select>
                    <FieldError field="industry_code" value/>
                </div>
                <div class="field">
                    <label for="ie-department">{t("catalogue.department")}</label>
                    <select id="ie-department" name="item[department_code]" aria-describedby="department_code-error">
                        {department_options}
                    </select>
                    <FieldError field="department_code" value/>
                </div>
                <div class="field">
                    <label for="ie-region">{t("catalogue.region")}</label>
                    <select id="ie-region" name="item[region_code]" aria-describedby="region_code-error">
                        {region_options}
                    </select>
                    <FieldError field="region_code" value/>
                </div>
                <div class="field wide">
                    <label for="ie-approval">{t("catalogue.approval_item")}</label>
                    <input id="ie-approval" name="item[approval_item]" value=item.approval_item.clone() required
                        maxlength=rules::APPROVAL_ITEM_CHARS.1.to_string() aria-describedby="approval_item-error"/>
                    <FieldError field="approval_item" value/>
                </div>
                <div class="field wide">
                    <label for="ie-basis">{t("catalogue.legal_basis")}</label>
                    <textarea id="ie-basis" name="item[legal_basis]" rows="3" required maxlength=rules::LEGAL_BASIS_CHARS.1.to_string()
                        aria-describedby="legal_basis-error">{item.legal_basis.clone()}</textarea>
                    <FieldError field="legal_basis" value/>
                </div>
                <div class="field">
                    <label for="ie-qual">{t("catalogue.qualification")}</label>
                    <select id="ie-qual" name="item[qualification_type_code]" aria-describedby="qualification_type_code-error">
                        {qual_options}
                    </select>
                    <FieldError field="qualification_type_code" value/>
                </div>
                <div class="field">
                    <label for="ie-grade">{t("catalogue.min_grade")}</label>
                    <select id="ie-grade" name="item[min_grade]" aria-describedby="min_grade-error">
                        <option value="">{t("catalogue_admin.any_grade")}</option>
                        {grade_options}
                    </select>
                    <FieldError field="min_grade" value/>
                </div>
                <div class="field">
                    <label for="ie-days">{t("catalogue_admin.field_time_limit_days")}</label>
                    <input id="ie-days" name="item[time_limit_days]" type="number" inputmode="numeric" min="1" max="365" required
                        value=(item.time_limit_days > 0).then(|| item.time_limit_days.to_string()) aria-describedby="time_limit_days-error"/>
                    <FieldError field="time_limit_days" value/>
                </div>
                <div class="field wide">
                    <label for="ie-fee">{t("catalogue.fee_basis")}</label>
                    <textarea id="ie-fee" name="item[fee_basis]" rows="2" required maxlength=rules::FEE_BASIS_CHARS.1.to_string()
                        aria-describedby="fee_basis-error">{item.fee_basis.clone()}</textarea>
                    <FieldError field="fee_basis" value/>
                </div>
                <div class="field">
                    <label for="ie-from">{t("catalogue_admin.field_effective_from")}</label>
                    <input id="ie-from" name="item[effective_from]" type="date" required value=item.effective_from.clone()
                        min=rules::EARLIEST_DATE max=rules::LATEST_DATE aria-describedby="effective_from-error"/>
                    <FieldError field="effective_from" value/>
                </div>
                <div class="field">
                    <label for="ie-to">{t("catalogue_admin.field_effective_to")}</label>
                    <input id="ie-to" name="item[effective_to]" type="date" value=item.effective_to.clone().unwrap_or_default()
                        min=rules::EARLIEST_DATE max=rules::LATEST_DATE aria-describedby="ie-to-hint effective_to-error"/>
                    <p class="hint" id="ie-to-hint">{t("catalogue_admin.effective_to_hint")}</p>
                    <FieldError field="effective_to" value/>
                </div>
                <div class="field wide">
                    <label for="ie-reason">{t("catalogue_admin.reason")}</label>
                    <textarea id="ie-reason" name="item[reason]" rows="2" required maxlength=rules::REASON_CHARS.1.to_string()
                        placeholder=t("catalogue_admin.reason_placeholder") aria-describedby="reason-error"></textarea>
                    <FieldError field="reason" value/>
                </div>
                <FormError value fields=ITEM_FIELDS/>
                <div class="field wide">
                    <button type="submit" class="button primary" disabled=pending>{submit}</button>
                </div>
            </ActionForm>
        </section>
    }
}
