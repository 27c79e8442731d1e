//! The six steps of the registration wizard and the read-only summary.
use super::wizard::WizardActions;
use crate::api::onboarding::AttachDocument;

const ATTACH_PATH: &str = <AttachDocument as leptos::server_fn::ServerFn>::PATH;
use crate::domain::onboarding::{StaffRole, COMMITMENT_TEXT};
use crate::domain::qualification::Finding;
use crate::i18n::t;
use crate::model::onboarding::{ApplicationView, FirmDraft, OnboardingOptions};
use crate::ui::account::{FieldError, FormError};
use crate::ui::components::Empty;
use leptos::prelude::*;

fn actions() -> WizardActions {
    expect_context::<WizardActions>()
}

fn next_link(step: u8) -> impl IntoView {
    view! { <p class="step-links"><a class="button secondary" href=format!("/firm/profile?step={}", step + 1)>{t("wizard.next")}</a></p> }
}

const BASIC_FIELDS: &[&str] = &["name", "address", "region_code", "contact_name", "contact_phone"];

#[component]
pub fn BasicStep(app: ApplicationView, opts: OnboardingOptions) -> impl IntoView {
    let a = actions().save_basic;
    let value = a.value();
    let d = app.draft;
    let region = d.region_code.clone();
    let regions = opts
        .regions
        .into_iter()
        .map(|r| {
            let selected = r.code == region;
            view! { <option value=r.code selected=selected>{r.name}</option> }
        })
        .collect_view();
    view! {
        <h2>{t("wizard.step1")}</h2>
        <ActionForm action=a attr:class="form" attr:novalidate=true>
            <div class="field">
                <label for="b-name">{t("onboarding.name")}</label>
                <input id="b-name" name="name" value=d.name required maxlength="100" aria-describedby="name-error"/>
                <FieldError field="name" value/>
            </div>
            <div class="field">
                <label>{t("account.credit_code")}</label>
                <p class="readonly">{d.credit_code}</p>
            </div>
            <div class="field">
                <label for="b-address">{t("onboarding.address")}</label>
                <input id="b-address" name="address" value=d.address required maxlength="200" autocomplete="street-address" aria-describedby="address-error"/>
                <FieldError field="address" value/>
            </div>
            <div class="field">
                <label for="b-region">{t("onboarding.region")}</label>
                <select id="b-region" name="region_code" aria-describedby="region_code-error">
                    <option value="">{t("onboarding.choose")}</option>
                    {regions}
                </select>
                <FieldError field="region_code" value/>
            </div>
            <div class="field">
                <label for="b-contact">{t("onboarding.contact_name")}</label>
                <input id="b-contact" name="contact_name" value=d.contact_name required maxlength="30" autocomplete="name" aria-describedby="contact_name-error"/>
                <FieldError field="contact_name" value/>
            </div>
            <div class="field">
                <label for="b-phone">{t("onboarding.contact_phone")}</label>
                <input id="b-phone" name="contact_phone" type="tel" inputmode="tel" value=d.contact_phone required maxlength="20"
                    autocomplete="tel" aria-describedby="contact_phone-error"/>
                <FieldError field="contact_phone" value/>
            </div>
            <FormError value fields=BASIC_FIELDS/>
            <button type="submit" class="button primary">{t("wizard.save_next")}</button>
        </ActionForm>
    }
}

const STAFF_FIELDS: &[&str] = &["role", "name", "title", "id_number", "phone", "certificate"];

#[component]
pub fn StaffStep(app: ApplicationView) -> impl IntoView {
    let w = actions();
    let value = w.add_staff.value();
    let has_legal_rep = app.draft.legal_rep().is_some();
    let rows = app
        .draft
        .staff
        .clone()
        .into_iter()
        .enumerate()
        .map(|(i, s)| {
            let index = i.to_string();
            view! {
                <li class="entry">
                    <div>
                        <strong>{s.name}</strong>" · "{t(s.role.label_key())}" · "{s.title}
                        <br/><span class="muted">{s.id_number}" · "{s.phone}</span>
                    </div>
                    <ActionForm action=w.remove_staff>
                        <input type="hidden" name="index" value=index/>
                        <button type="submit" class="link-button">{t("wizard.remove")}</button>
                    </ActionForm>
                </li>
            }
        })
        .collect_view();
    let empty = app.draft.staff.is_empty();
    let roles = StaffRole::ALL
        .into_iter()
        .filter(|r| *r != StaffRole::LegalRep || !has_legal_rep)
        .map(|r| view! { <option value=r.as_str()>{t(r.label_key())}</option> })
        .collect_view();
    view! {
        <h2>{t("wizard.step2")}</h2>
        <p class="hint">{t("wizard.staff_hint")}</p>
        {if empty { view! { <Empty message=t("wizard.no_staff")/> }.into_any() } else { view! { <ul class="entries">{rows}</ul> }.into_any() }}
        <h3>{t("wizard.add_staff")}</h3>
        <ActionForm action=w.add_staff attr:class="form" attr:novalidate=true>
            <div class="field">
                <label for="s-role">{t("onboarding.staff_role")}</label>
                <select id="s-role" name="role" aria-describedby="role-error">{roles}</select>
                <FieldError field="role" value/>
            </div>
            <div class="field">
                <label for="s-name">{t("onboarding.person_name")}</label>
                <input id="s-name" name="name" required maxlength="30" aria-describedby="name-error"/>
                <FieldError field="name" value/>
            </div>
            <div class="field">
                <label for="s-title">{t("onboarding.title")}</label>
                <input id="s-title" name="title" required maxlength="30" aria-describedby="title-error"/>
                <FieldError field="title" value/>
            </div>
            <div class="field">
                <label for="s-id">{t("onboarding.id_number")}</label>
                <input id="s-id" name="id_number" required maxlength="18" autocapitalize="characters" spellcheck="false" aria-describedby="id_number-error"/>
                <FieldError field="id_number" value/>
            </div>
            <div class="field">
                <label for="s-phone">{t("onboarding.phone")}</label>
                <input id="s-phone" name="phone" type="tel" inputmode="tel" required maxlength="20" aria-describedby="phone-error"/>
                <FieldError field="phone" value/>
            </div>
            <div class="field">
                <label for="s-cert">{t("onboarding.professional_certificate")}</label>
                <input id="s-cert" name="certificate" maxlength="50" aria-describedby="certificate-error"/>
                <FieldError field="certificate" value/>
            </div>
            <FormError value fields=STAFF_FIELDS/>
            <button type="submit" class="button primary">{t("wizard.add")}</button>
        </ActionForm>
        {next_link(2)}
    }
}

const ITEM_FIELDS: &[&str] = &["item_code", "fee_standard", "promised_days"];

#[component]
pub fn ScopeStep(app: ApplicationView, opts: OnboardingOptions) -> impl IntoView {
    let w = actions();
    let value = w.add_item.value();
    let chosen: Vec<String> = app.draft.items.iter().map(|i| i.item_code.clone()).collect();
    let rows = app
        .draft
        .items
        .clone()
        .into_iter()
        .map(|i| {
            let code = i.item_code.clone();
            view! {
                <li class="entry">
                    <div>
                        <strong>{i.item_code.clone()}" "{i.item_name.clone()}</strong>
                        <br/><span class="muted">{t("onboarding.fee_standard")}": "{i.fee_standard.clone()}" · "
                            {t("onboarding.promised_days")}": "{i.promised_days}</span>
                    </div>
                    <ActionForm action=w.remove_item>
                        <input type="hidden" name="item_code" value=code/>
                        <button type="submit" class="link-button">{t("wizard.remove")}</button>
                    </ActionForm>
                </li>
            }
        })
        .collect_view();
    let empty = chosen.is_empty();
    let items = opts
        .items
        .into_iter()
        .filter(|i| !chosen.contains(&i.code))
        .map(|i| {
            let label = format!("{} {}({},≤{}天)", i.code, i.name, i.industry_name, i.time_limit_days);
            view! { <option value=i.code>{label}</option> }
        })
        .collect_view();
    view! {
        <h2>{t("wizard.step3")}</h2>
        {if empty { view! { <Empty message=t("wizard.no_items")/> }.into_any() } else { view! { <ul class="entries">{rows}</ul> }.into_any() }}
        <h3>{t("wizard.add_item")}</h3>
        <ActionForm action=w.add_item attr:class="form" attr:novalidate=true>
            <div class="field">
                <label for="i-item">{t("onboarding.item")}</label>
                <select id="i-item" name="item_code" aria-describedby="item_code-error">
                    <option value="">{t("onboarding.choose")}</option>
                    {items}
                </select>
                <FieldError field="item_code" value/>
            </div>
            <div class="field">
                <label for="i-fee">{t("onboarding.fee_standard")}</label>
                <input id="i-fee" name="fee_standard" required maxlength="200" placeholder=t("onboarding.fee_placeholder") aria-describedby="fee_standard-error"/>
                <FieldError field="fee_standard" value/>
            </div>
            <div class="field">
                <label for="i-days">{t("onboarding.promised_days")}</label>
                <input id="i-days" name="promised_days" type="number" inputmode="numeric" min="1" max="365" required aria-describedby="promised_days-error"/>
                <FieldError field="promised_days" value/>
            </div>
            <FormError value fields=ITEM_FIELDS/>
            <button type="submit" class="button primary">{t("wizard.add")}</button>
        </ActionForm>
        {next_link(3)}
    }
}

const QUALIFICATION_FIELDS: &[&str] = &["type_code", "grade", "certificate_no", "issuer", "valid_from", "valid_to", "file_id"];

/// A finding as the firm and the operator read it.
pub fn finding_text(f: &Finding) -> String {
    let detail = match f {
        Finding::HolderMismatch { register_holder } => register_holder.clone(),
        Finding::NotYetValid { valid_from } => valid_from.clone(),
        Finding::Expired { valid_to } => valid_to.clone(),
        Finding::GradeMismatch { register_grade } => register_grade.clone(),
        Finding::GradeTooLow { required } | Finding::WrongType { required } => required.clone(),
        Finding::UnknownCertificate | Finding::Revoked => String::new(),
    };
    let msg = t(f.message_key());
    if detail.is_empty() {
        msg
    } else {
        format!("{msg}({detail})")
    }
}

#[component]
pub fn QualificationStep(app: ApplicationView, opts: OnboardingOptions, edit: Option<usize>) -> impl IntoView {
    let w = actions();
    let value = w.save_qualification.value();
    // the error of a refused upload comes back in the URL (plain form post)
    let upload_value = crate::ui::account::plain_form_value(ATTACH_PATH);
    let editing = edit.and_then(|i| app.draft.qualifications.get(i).cloned().map(|q| (i, q)));
    let rows = app
        .draft
        .qualifications
        .clone()
        .into_iter()
        .zip(app.findings.clone())
        .enumerate()
        .map(|(i, (q, findings))| {
            let index = i.to_string();
            let status = if findings.is_empty() {
                view! { <span class="tag ok">{t("wizard.check_passed")}</span> }.into_any()
            } else {
                view! {
                    <ul class="findings" role="alert">
                        {findings.iter().map(|f| view! { <li>{finding_text(f)}</li> }).collect_view()}
                    </ul>
                    <a href=format!("/firm/profile?step=4&edit={i}") class="button secondary">{t("wizard.correct")}</a>
                }
                .into_any()
            };
            view! {
                <li class="entry" data-testid="qualification">
                    <div>
                        <strong>{q.type_name.clone()}" · "{q.grade.clone()}</strong>
                        <br/><span class="muted">{q.certificate_no.clone()}" · "{q.issuer.clone()}" · "{q.valid_from.clone()}" — "{q.valid_to.clone()}</span>
                        {q.file_id.map(|id| view! {
                            <br/><a href=format!("/files/{id}") rel="external" target="_blank">{t("wizard.document")}": "{q.file_name.clone().unwrap_or_default()}</a>
                        })}
                        <div>{status}</div>
                        // a plain multipart form: works with and without JavaScript
                        <form class="upload-form" method="post" action=ATTACH_PATH enctype="multipart/form-data">
                            <input type="hidden" name="index" value=index.clone()/>
                            <label for=format!("doc-{i}")>{if q.file_id.is_some() { t("wizard.replace_document") } else { t("wizard.upload_document") }}</label>
                            <input id=format!("doc-{i}") type="file" name="file" required
                                accept=".pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png"/>
                            <button type="submit" class="button secondary">{t("wizard.upload")}</button>
                        </form>
                    </div>
                    <ActionForm action=w.remove_qualification>
                        <input type="hidden" name="index" value=index/>
                        <button type="submit" class="link-button">{t("wizard.remove")}</button>
                    </ActionForm>
                </li>
            }
        })
        .collect_view();
    let empty = app.draft.qualifications.is_empty();
    let needed: Vec<String> = app.draft.items.iter().filter_map(|i| i.qualification_type.clone()).collect();
    let types = opts.qualification_types;
    let initial_type = editing
        .as_ref()
        .map(|(_, q)| q.type_code.clone())
        .or_else(|| needed.first().cloned())
        .or_else(|| types.first().map(|t| t.code.clone()))
        .unwrap_or_default();
    let chosen_type = RwSignal::new(initial_type);
    let types = StoredValue::new(types);
    let grade_options = move || {
        let code = chosen_type.get();
        types.with_value(|ts| ts.iter().find(|t| t.code == code).map(|t| t.grades.clone()).unwrap_or_default())
    };
    let (e_index, e) = match editing {
        Some((i, q)) => (Some(i.to_string()), Some(q)),
        None => (None, None),
    };
    let field = move |f: fn(&crate::model::onboarding::QualificationEntry) -> String| e.as_ref().map(f).unwrap_or_default();
    let current_grade = field(|q| q.grade.clone());
    view! {
        <h2>{t("wizard.step4")}</h2>
        <p class="hint">{t("wizard.qualification_hint")}</p>
        <p class="hint">{t("wizard.document_hint")}</p>
        <FormError value=upload_value fields=&[]/>
        {if empty { view! { <Empty message=t("wizard.no_qualifications")/> }.into_any() } else { view! { <ul class="entries">{rows}</ul> }.into_any() }}
        <h3>{if e_index.is_some() { t("wizard.correct_qualification") } else { t("wizard.add_qualification") }}</h3>
        <ActionForm action=w.save_qualification attr:class="form" attr:novalidate=true>
            {e_index.map(|i| view! { <input type="hidden" name="replace" value=i/> })}
            <div class="field">
                <label for="q-type">{t("onboarding.qualification_type")}</label>
                <select id="q-type" name="type_code" aria-describedby="type_code-error"
                    on:change=move |ev| chosen_type.set(event_target_value(&ev))>
                    {move || types.with_value(|ts| ts.iter().map(|ty| {
                        let selected = ty.code == chosen_type.get_untracked();
                        view! { <option value=ty.code.clone() selected=selected>{ty.name.clone()}</option> }
                    }).collect_view())}
                </select>
                <FieldError field="type_code" value/>
            </div>
            <div class="field">
                <label for="q-grade">{t("onboarding.grade")}</label>
                <select id="q-grade" name="grade" aria-describedby="grade-error">
                    {move || grade_options().into_iter().map(|g| {
                        let selected = g == current_grade;
                        view! { <option value=g.clone() selected=selected>{g.clone()}</option> }
                    }).collect_view()}
                </select>
                <FieldError field="grade" value/>
            </div>
            <div class="field">
                <label for="q-no">{t("onboarding.certificate_no")}</label>
                <input id="q-no" name="certificate_no" value=field(|q| q.certificate_no.clone()) required maxlength="50" spellcheck="false" aria-describedby="certificate_no-error"/>
                <FieldError field="certificate_no" value/>
            </div>
            <div class="field">
                <label for="q-issuer">{t("onboarding.issuer")}</label>
                <input id="q-issuer" name="issuer" value=field(|q| q.issuer.clone()) required maxlength="100" aria-describedby="issuer-error"/>
                <FieldError field="issuer" value/>
            </div>
            <div class="field-row">
                <div class="field">
                    <label for="q-from">{t("onboarding.valid_from")}</label>
                    <input id="q-from" name="valid_from" type="date" value=field(|q| q.valid_from.clone()) required aria-describedby="valid_from-error"/>
                    <FieldError field="valid_from" value/>
                </div>
                <div class="field">
                    <label for="q-to">{t("onboarding.valid_to")}</label>
                    <input id="q-to" name="valid_to" type="date" value=field(|q| q.valid_to.clone()) required aria-describedby="valid_to-error"/>
                    <FieldError field="valid_to" value/>
                </div>
            </div>
            <FormError value fields=QUALIFICATION_FIELDS/>
            <button type="submit" class="button primary">{t("wizard.save")}</button>
        </ActionForm>
        {next_link(4)}
    }
}

#[component]
pub fn CommitmentStep(app: ApplicationView) -> impl IntoView {
    let a = actions().accept_commitment;
    let value = a.value();
    let accepted = app.draft.commitment.clone();
    view! {
        <h2>{t("wizard.step5")}</h2>
        <div class="commitment" tabindex="0" role="document" aria-label=t("wizard.step5")>
            {COMMITMENT_TEXT.lines().map(|l| view! { <p>{l.to_string()}</p> }).collect_view()}
        </div>
        {match accepted {
            Some(c) => view! {
                <p class="form-ok" role="status">{t("wizard.commitment_accepted").replace("{at}", &crate::domain::time::format_shanghai(c.accepted_at))}</p>
                {next_link(5)}
            }.into_any(),
            None => view! {
                <ActionForm action=a attr:class="form">
                    <label class="choice">
                        <input type="checkbox" name="accept" value="on" aria-describedby="accept-error"/>
                        {t("wizard.accept_commitment")}
                    </label>
                    <FieldError field="accept" value/>
                    <button type="submit" class="button primary">{t("wizard.accept")}</button>
                </ActionForm>
            }.into_any(),
        }}
    }
}

#[component]
pub fn SubmitStep(app: ApplicationView) -> impl IntoView {
    let a = actions().submit;
    let value = a.value();
    let gaps = app.gaps.clone();
    let editable = app.status.editable();
    let gap_list = (!gaps.is_empty()).then(|| {
        view! {
            <div class="panel warn" role="alert" data-testid="gaps">
                <h3>{t("wizard.gaps_title")}</h3>
                <ul>
                    {gaps.iter().map(|g| {
                        let detail = match g {
                            crate::domain::onboarding::Gap::QualificationFor { item_code, type_code } => format!("({item_code} → {type_code})"),
                            crate::domain::onboarding::Gap::Findings { certificate_no } => format!("({certificate_no})"),
                            _ => String::new(),
                        };
                        view! { <li><a href=format!("/firm/profile?step={}", g.step())>{t(g.message_key())}{detail}</a></li> }
                    }).collect_view()}
                </ul>
            </div>
        }
    });
    view! {
        <h2>{t("wizard.step6")}</h2>
        {gap_list}
        <Summary app=app.clone()/>
        {editable.then(|| view! {
            <ActionForm action=a attr:class="form">
                <FormError value fields=&[]/>
                <button type="submit" class="button primary" disabled=!gaps.is_empty()>{t("wizard.submit")}</button>
            </ActionForm>
        })}
    }
}

/// The whole application read-only (the firm after submitting; the reviewer).
#[component]
pub fn Summary(app: ApplicationView) -> impl IntoView {
    view! { <DraftView draft=app.draft findings=app.findings/> }
}

#[component]
pub fn DraftView(draft: FirmDraft, findings: Vec<Vec<Finding>>) -> impl IntoView {
    let d = draft;
    view! {
        <section class="panel summary">
            <h3>{t("wizard.step1")}</h3>
            <dl class="facts">
                <div><dt>{t("onboarding.name")}</dt><dd>{d.name.clone()}</dd></div>
                <div><dt>{t("account.credit_code")}</dt><dd>{d.credit_code.clone()}</dd></div>
                <div><dt>{t("onboarding.address")}</dt><dd>{d.address.clone()}</dd></div>
                <div><dt>{t("onboarding.region")}</dt><dd>{d.region_name.clone()}</dd></div>
                <div><dt>{t("onboarding.contact_name")}</dt><dd>{d.contact_name.clone()}" "{d.contact_phone.clone()}</dd></div>
            </dl>
            <h3>{t("wizard.step2")}</h3>
            <ul>{d.staff.iter().map(|s| view! { <li>{t(s.role.label_key())}": "{s.name.clone()}" · "{s.title.clone()}" · "{s.id_number.clone()}" · "{s.phone.clone()}</li> }).collect_view()}</ul>
            <h3>{t("wizard.step3")}</h3>
            <ul>{d.items.iter().map(|i| view! { <li>{i.item_code.clone()}" "{i.item_name.clone()}" · "{i.fee_standard.clone()}" · "{i.promised_days}{t("onboarding.days")}</li> }).collect_view()}</ul>
            <h3>{t("wizard.step4")}</h3>
            <ul>{d.qualifications.iter().enumerate().map(|(i, q)| {
                let f = findings.get(i).cloned().unwrap_or_default();
                let file = q.file_id.map(|id| view! { " · " <a href=format!("/files/{id}") rel="external" target="_blank">{q.file_name.clone().unwrap_or_else(|| t("wizard.document"))}</a> });
                view! {
                    <li>{q.type_name.clone()}" · "{q.grade.clone()}" · "{q.certificate_no.clone()}" · "{q.valid_from.clone()}" — "{q.valid_to.clone()}{file}
                        {if f.is_empty() { view! { " " <span class="tag ok">{t("wizard.check_passed")}</span> }.into_any() }
                         else { view! { <ul class="findings">{f.iter().map(|x| view! { <li>{finding_text(x)}</li> }).collect_view()}</ul> }.into_any() }}
                    </li>
                }
            }).collect_view()}</ul>
            <h3>{t("wizard.step5")}</h3>
            <p>{match &d.commitment {
                Some(c) => t("wizard.commitment_accepted").replace("{at}", &crate::domain::time::format_shanghai(c.accepted_at)),
                None => t("onboarding.gap_commitment"),
            }}</p>
        </section>
    }
}
