//! An item's version history (变更记录): shown on its public page and in the
//! maintenance editor (which also names who saved each version).
use crate::domain::time::format_shanghai;
use crate::i18n::t;
use crate::model::catalogue_admin::ItemVersion;
use crate::ui::components::Empty;
use leptos::prelude::*;

/// "2024-01-01 至 长期;2027-01-01 起废止".
pub fn window_text(from: &str, to: Option<&str>, retired_on: Option<&str>) -> String {
    let to = to.map(String::from).unwrap_or_else(|| t("catalogue_admin.open_ended"));
    let mut s = t("catalogue_admin.window").replace("{from}", from).replace("{to}", &to);
    if let Some(r) = retired_on {
        s.push_str(&t("catalogue_admin.retired_from").replace("{date}", r));
    }
    s
}

/// Versions newest first.
#[component]
pub fn ItemHistory(versions: Vec<ItemVersion>, #[prop(optional)] show_names: bool) -> impl IntoView {
    if versions.is_empty() {
        return view! { <Empty message=t("catalogue_admin.history_empty")/> }.into_any();
    }
    view! {
        <ol class="history" data-testid="item-history">
            {versions.into_iter().map(|v| view! { <VersionEntry v show_names/> }).collect_view()}
        </ol>
    }
    .into_any()
}

#[component]
fn VersionEntry(v: ItemVersion, show_names: bool) -> impl IntoView {
    let changed = if v.action == "create" {
        t("catalogue_admin.first_version")
    } else if v.changed.is_empty() {
        "—".to_string()
    } else {
        v.changed.iter().map(|f| t(&format!("catalogue_admin.field_{f}"))).collect::<Vec<_>>().join("、")
    };
    let window = window_text(&v.effective_from, v.effective_to.as_deref(), v.retired_on.as_deref());
    let by = v.changed_by.clone().filter(|_| show_names).unwrap_or_else(|| t("catalogue_admin.by_reference"));
    let by = show_names.then(|| view! { <span class="history-by">{t("catalogue_admin.changed_by")}": "{by}</span> });
    view! {
        <li class=format!("history-entry action-{}", v.action)>
            <div class="history-head">
                <span class="tag">{t("catalogue_admin.version_n").replace("{n}", &v.version.to_string())}</span>
                <span class=format!("tag action-{}", v.action)>{t(&format!("catalogue_admin.action_{}", v.action))}</span>
                <span class="history-at">{format_shanghai(v.changed_at)}</span>
                {by}
            </div>
            <dl class="facts wide">
                <div><dt>{t("catalogue_admin.changed")}</dt><dd>{changed}</dd></div>
                <div><dt>{t("catalogue_admin.reason")}</dt><dd>{v.reason}</dd></div>
                <div><dt>{t("catalogue.legal_basis")}</dt><dd>{v.legal_basis}</dd></div>
                <div><dt>{t("catalogue_admin.validity")}</dt><dd>{window}</dd></div>
            </dl>
        </li>
    }
}
