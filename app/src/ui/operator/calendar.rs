//! `/operator/calendar`: the working-day calendar (工作日历) the deadlines are
//! computed with — its versions, the one in force first, and the CSV import of
//! a new one (a refused line is named with its column; nothing changes then).
use crate::api::calendar::{get_calendar_versions, ImportCalendar};
use crate::domain::accounts::Role;
use crate::domain::time::format_shanghai;
use crate::i18n::t;
use crate::ui::account::{FieldError, FormError, Signed};
use crate::ui::components::{Empty, ErrorPanel, Loading};
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn CalendarPage() -> impl IntoView {
    view! {
        <Title text=t("calendar.title")/>
        <h1>{t("calendar.title")}</h1>
        <p class="lead">{t("calendar.lead")}</p>
        <Signed roles=&[Role::Operator, Role::Admin] render=|| view! { <Calendar/> }/>
    }
}

#[component]
fn Calendar() -> impl IntoView {
    let import = ServerAction::<ImportCalendar>::new();
    let versions = Resource::new(move || import.version().get(), |_| get_calendar_versions());
    let value = import.value();
    view! {
        <section class="panel" aria-labelledby="cal-versions-h">
            <h2 id="cal-versions-h">{t("calendar.versions")}</h2>
            <Transition fallback=|| view! { <Loading/> }>
                {move || Suspend::new(async move {
                    match versions.await {
                        Ok(v) if v.is_empty() => view! { <Empty message=t("calendar.none")/> }.into_any(),
                        Ok(v) => view! {
                            <div class="table-scroll" tabindex="0">
                                <table class="data" data-testid="calendar-versions">
                                    <thead><tr>
                                        <th scope="col">{t("calendar.col_note")}</th><th scope="col">{t("calendar.col_span")}</th>
                                        <th scope="col">{t("calendar.col_holidays")}</th><th scope="col">{t("calendar.col_workdays")}</th>
                                        <th scope="col">{t("calendar.col_imported")}</th>
                                    </tr></thead>
                                    <tbody>
                                        {v.into_iter().enumerate().map(|(i, v)| view! {
                                            <tr>
                                                <th scope="row" data-label=t("calendar.col_note")>
                                                    {v.note}{(i == 0).then(|| view! { " " <span class="badge ok">{t("calendar.in_force")}</span> })}
                                                </th>
                                                <td data-label=t("calendar.col_span")>{format!("{} – {}", v.first_date.unwrap_or_default(), v.last_date.unwrap_or_default())}</td>
                                                <td data-label=t("calendar.col_holidays")>{v.holidays}</td>
                                                <td data-label=t("calendar.col_workdays")>{v.workdays}</td>
                                                <td data-label=t("calendar.col_imported")>{format_shanghai(v.created_at)}" "{v.created_by.unwrap_or_else(|| t("calendar.shipped"))}</td>
                                            </tr>
                                        }).collect_view()}
                                    </tbody>
                                </table>
                            </div>
                        }.into_any(),
                        Err(error) => view! { <ErrorPanel error/> }.into_any(),
                    }
                })}
            </Transition>
        </section>
        <section class="panel" aria-labelledby="cal-import-h">
            <h2 id="cal-import-h">{t("calendar.import")}</h2>
            <p class="hint">{t("calendar.csv_format")}</p>
            <pre class="csv-sample">{crate::domain::calendar::CSV_HEADER}"\n2027-02-06,holiday,春节\n2027-02-07,workday,春节"</pre>
            <ActionForm action=import attr:class="form" attr:novalidate=true>
                <div class="field">
                    <label for="cal-note">{t("calendar.note")}</label>
                    <input id="cal-note" name="note" required maxlength="100" placeholder=t("calendar.note_placeholder")/>
                    <FieldError field="note" value/>
                </div>
                <div class="field">
                    <label for="cal-csv">{t("calendar.csv")}</label>
                    <textarea id="cal-csv" name="csv" rows="10" required></textarea>
                    <FieldError field="csv" value/>
                </div>
                <FormError value fields=&["note", "csv"]/>
                {move || value.get().and_then(|r| r.ok()).map(|r| match r.errors.first() {
                    None => view! { <p class="form-ok" role="status" data-testid="calendar-imported">{t("calendar.imported").replace("{n}", &r.added.to_string())}</p> }.into_any(),
                    Some(e) => view! {
                        <p class="form-error" role="alert">
                            {t("calendar.error_at").replace("{row}", &e.row.to_string()).replace("{column}", &e.column)}" "{t(&e.key)}
                        </p>
                    }.into_any(),
                })}
                <button type="submit" class="button primary" disabled=move || import.pending().get()>{t("calendar.import_button")}</button>
            </ActionForm>
        </section>
    }
}
