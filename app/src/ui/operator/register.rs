//! The operator's page for the qualification register: its size, the last CSV
//! import with every rejected line, and the upload form.
use crate::api::register::{get_register_status, ImportRegister};
use crate::domain::accounts::Role;
use crate::domain::time::format_shanghai;
use crate::i18n::t;
use crate::ui::account::{plain_form_value, FormError, Signed};
use crate::ui::components::{ErrorPanel, Loading};
use leptos::prelude::*;
use leptos_meta::Title;

const IMPORT_PATH: &str = <ImportRegister as leptos::server_fn::ServerFn>::PATH;

#[component]
pub fn RegisterPage() -> impl IntoView {
    view! {
        <Title text=t("register.title")/>
        <h1>{t("register.title")}</h1>
        <p class="lead">{t("register.lead")}</p>
        <Signed roles=&[Role::Operator, Role::Admin] render=|| {
            let status = Resource::new(|| (), |_| get_register_status());
            // a refused upload comes back in the URL (plain form post)
            let error = plain_form_value(IMPORT_PATH);
            view! {
                <section class="panel">
                    <h2>{t("register.upload")}</h2>
                    <p class="hint"><code>"type_code,certificate_no,holder_credit_code,holder_name,grade,valid_from,valid_to,revoked"</code></p>
                    <form class="form" method="post" action=IMPORT_PATH enctype="multipart/form-data">
                        <div class="field">
                            <label for="reg-file">{t("register.file")}</label>
                            <input id="reg-file" type="file" name="file" required accept=".csv,text/csv"/>
                        </div>
                        <FormError value=error fields=&[]/>
                        <button type="submit" class="button primary">{t("register.import")}</button>
                    </form>
                </section>
                <Suspense fallback=|| view! { <Loading/> }>
                    {move || Suspend::new(async move {
                        match status.await {
                            Ok(s) => {
                                let last = s.last_import.map(|l| {
                                    let rejected = (!l.rejected.is_empty()).then(|| view! {
                                        <h3>{t("register.rejected_lines").replace("{n}", &l.rejected_total.to_string())}</h3>
                                        <ul class="findings" data-testid="rejected-lines">
                                            {l.rejected.iter().map(|(line, msg)| view! { <li>{t("register.line").replace("{n}", &line.to_string())}" "{msg.clone()}</li> }).collect_view()}
                                        </ul>
                                    });
                                    view! {
                                        <section class="panel" data-testid="last-import">
                                            <h2>{t("register.last_import")}</h2>
                                            <p>{format_shanghai(l.at)}" · "{l.by}" · "{l.file_name}</p>
                                            <p>{t("register.counts")
                                                .replace("{inserted}", &l.inserted.to_string())
                                                .replace("{updated}", &l.updated.to_string())
                                                .replace("{rejected}", &l.rejected_total.to_string())}</p>
                                            {rejected}
                                        </section>
                                    }
                                });
                                view! {
                                    <p class="count">{t("register.entries").replace("{n}", &s.entries.to_string())}</p>
                                    {last}
                                }.into_any()
                            }
                            Err(error) => view! { <ErrorPanel error/> }.into_any(),
                        }
                    })}
                </Suspense>
            }
        }/>
    }
}
