//! The banner on a contract whose firm is blacklisted or expelled (中介信用库):
//! shown to the parties and the supervisors who may see the contract.
use crate::api::credit::contract_flag;
use crate::i18n::t;
use leptos::prelude::*;

#[component]
pub fn ContractCreditFlag(code: String) -> impl IntoView {
    let flag = Resource::new(move || code.clone(), contract_flag);
    view! {
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                flag.await.ok().flatten().map(|f| view! {
                    <div class="credit-flag no-print" role="alert" data-testid="credit-flag">
                        <strong>{t("credit.flag_title")}</strong>
                        <p>{t("credit.flag_body").replace("{firm}", &f.firm_name)}</p>
                        <a href=format!("/credit/{}", f.credit_code)>{t("credit.flag_link")}</a>
                    </div>
                })
            })}
        </Suspense>
    }
}
