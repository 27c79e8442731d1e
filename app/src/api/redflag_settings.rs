//! Red-flag thresholds (风险预警阈值), maintained by the operator
//! (`/operator/redflag-settings`): every field of
//! `domain::redflags::RedFlagSettings`, stored in `app_meta` by
//! `db::redflags::save_settings`. The next nightly run (`db::nightly`) uses them.
//!
//! The form travels as text (numbers and fences) and as one checkbox per
//! selection method, so every refused value is named by its field.
use crate::domain::procurement::SelectionMethod;
use crate::domain::redflags::RedFlagSettings;
use crate::error::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// How a field is entered and checked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// Selection methods, at least one (checkboxes).
    Methods,
    /// A whole number within `min..=max`; `key` is the message when outside.
    Int { min: i64, max: i64, key: &'static str },
    /// A fraction 0–1, or empty: computed from the data (Q1 − 1.5·IQR / Q3 + 1.5·IQR).
    Fence,
}

/// Every field, in the order of the page (the labels are `redflag_settings.f_<name>`,
/// Cardinal's default `redflag_settings.c_<name>`).
pub const FIELDS: &[(&str, Kind)] = &[
    ("competitive_methods", Kind::Methods),
    ("price_only_methods", Kind::Methods),
    ("r003_min_days", Kind::Int { min: 1, max: 365, key: "publicinfo.thresholds.error_days" }),
    ("r024_lower_fence", Kind::Fence),
    ("r025_percentile", Kind::Int { min: 1, max: 99, key: "publicinfo.thresholds.error_percentile" }),
    ("r025_lower_fence", Kind::Fence),
    ("r035_min_disqualified", Kind::Int { min: 1, max: 1000, key: "publicinfo.thresholds.error_count" }),
    ("r038_upper_fence", Kind::Fence),
    ("r038_min_submitted_bids", Kind::Int { min: 1, max: 1000, key: "publicinfo.thresholds.error_count" }),
    ("r038_min_procurements", Kind::Int { min: 1, max: 1000, key: "publicinfo.thresholds.error_count" }),
    ("r058_upper_fence", Kind::Fence),
    ("fence_min_sample", Kind::Int { min: 4, max: 1000, key: "publicinfo.thresholds.error_sample" }),
    ("zj01_window_days", Kind::Int { min: 1, max: 3650, key: "publicinfo.thresholds.error_window" }),
    ("zj01_min_count", Kind::Int { min: 1, max: 1000, key: "publicinfo.thresholds.error_count" }),
    ("zj02_window_days", Kind::Int { min: 1, max: 3650, key: "publicinfo.thresholds.error_window" }),
    ("zj02_min_projects", Kind::Int { min: 1, max: 1000, key: "publicinfo.thresholds.error_count" }),
    ("zj02_min_wins", Kind::Int { min: 1, max: 1000, key: "publicinfo.thresholds.error_count" }),
    ("zj02_upper_fence", Kind::Fence),
];

/// The field names alone (for `FormError`).
pub const FIELD_NAMES: &[&str] = &[
    "competitive_methods",
    "price_only_methods",
    "r003_min_days",
    "r024_lower_fence",
    "r025_percentile",
    "r025_lower_fence",
    "r035_min_disqualified",
    "r038_upper_fence",
    "r038_min_submitted_bids",
    "r038_min_procurements",
    "r058_upper_fence",
    "fence_min_sample",
    "zj01_window_days",
    "zj01_min_count",
    "zj02_window_days",
    "zj02_min_projects",
    "zj02_min_wins",
    "zj02_upper_fence",
];

/// The form as posted: `values[<field>]` for numbers and fences,
/// `methods[<field>][<method>]` for each ticked method.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct RedFlagSettingsForm {
    pub values: BTreeMap<String, String>,
    pub methods: BTreeMap<String, BTreeMap<String, String>>,
}

/// A fence as the form shows it: empty for "computed".
fn fence_text(v: Option<f64>) -> String {
    v.map(|x| {
        let s = format!("{x:.4}");
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    })
    .unwrap_or_default()
}

fn methods_of(s: &RedFlagSettings, field: &str) -> Vec<SelectionMethod> {
    match field {
        "competitive_methods" => s.competitive_methods.clone(),
        "price_only_methods" => s.price_only_methods.clone(),
        _ => Vec::new(),
    }
}

/// A field's value as text (`""` for a computed fence; methods comma-separated).
pub fn value_text(s: &RedFlagSettings, field: &str) -> String {
    match field {
        "competitive_methods" | "price_only_methods" => methods_of(s, field).iter().map(|m| m.as_str()).collect::<Vec<_>>().join(","),
        "r003_min_days" => s.r003_min_days.to_string(),
        "r024_lower_fence" => fence_text(s.r024_lower_fence),
        "r025_percentile" => s.r025_percentile.to_string(),
        "r025_lower_fence" => fence_text(s.r025_lower_fence),
        "r035_min_disqualified" => s.r035_min_disqualified.to_string(),
        "r038_upper_fence" => fence_text(s.r038_upper_fence),
        "r038_min_submitted_bids" => s.r038_min_submitted_bids.to_string(),
        "r038_min_procurements" => s.r038_min_procurements.to_string(),
        "r058_upper_fence" => fence_text(s.r058_upper_fence),
        "fence_min_sample" => s.fence_min_sample.to_string(),
        "zj01_window_days" => s.zj01_window_days.to_string(),
        "zj01_min_count" => s.zj01_min_count.to_string(),
        "zj02_window_days" => s.zj02_window_days.to_string(),
        "zj02_min_projects" => s.zj02_min_projects.to_string(),
        "zj02_min_wins" => s.zj02_min_wins.to_string(),
        "zj02_upper_fence" => fence_text(s.zj02_upper_fence),
        _ => String::new(),
    }
}

impl RedFlagSettingsForm {
    /// The form filled with `s`.
    pub fn from_settings(s: &RedFlagSettings) -> Self {
        let mut f = RedFlagSettingsForm::default();
        for (field, kind) in FIELDS {
            match kind {
                Kind::Methods => {
                    f.methods.insert((*field).into(), methods_of(s, field).iter().map(|m| (m.as_str().to_string(), "on".to_string())).collect());
                }
                _ => {
                    f.values.insert((*field).into(), value_text(s, field));
                }
            }
        }
        f
    }

    /// The settings the form describes; the first refused field (page order) is named.
    pub fn parse(&self) -> Result<RedFlagSettings, AppError> {
        let mut s = RedFlagSettings::default();
        for (field, kind) in FIELDS {
            let text = self.values.get(*field).map(|v| v.trim().to_string()).unwrap_or_default();
            match *kind {
                Kind::Methods => {
                    let ticked = self.methods.get(*field).cloned().unwrap_or_default();
                    let mut list = Vec::new();
                    for key in ticked.keys() {
                        let m = SelectionMethod::parse(key).ok_or_else(|| AppError::invalid(field, "publicinfo.thresholds.error_method"))?;
                        list.push(m);
                    }
                    if list.is_empty() {
                        return Err(AppError::invalid(field, "publicinfo.thresholds.error_methods_empty"));
                    }
                    // in the order of SelectionMethod::ALL
                    let list: Vec<SelectionMethod> = SelectionMethod::ALL.iter().copied().filter(|m| list.contains(m)).collect();
                    match *field {
                        "competitive_methods" => s.competitive_methods = list,
                        _ => s.price_only_methods = list,
                    }
                }
                Kind::Int { min, max, key } => {
                    let v = text.parse::<i64>().ok().filter(|v| (min..=max).contains(v)).ok_or_else(|| AppError::invalid(field, key))?;
                    let u = v as u32;
                    match *field {
                        "r003_min_days" => s.r003_min_days = v,
                        "r025_percentile" => s.r025_percentile = u,
                        "r035_min_disqualified" => s.r035_min_disqualified = u,
                        "r038_min_submitted_bids" => s.r038_min_submitted_bids = u,
                        "r038_min_procurements" => s.r038_min_procurements = u,
                        "fence_min_sample" => s.fence_min_sample = u,
                        "zj01_window_days" => s.zj01_window_days = v,
                        "zj01_min_count" => s.zj01_min_count = u,
                        "zj02_window_days" => s.zj02_window_days = v,
                        "zj02_min_projects" => s.zj02_min_projects = u,
                        _ => s.zj02_min_wins = u,
                    }
                }
                Kind::Fence => {
                    let v = if text.is_empty() {
                        None
                    } else {
                        Some(text.parse::<f64>().ok().filter(|x| x.is_finite() && (0.0..=1.0).contains(x)).ok_or_else(|| AppError::invalid(field, "publicinfo.thresholds.error_fence"))?)
                    };
                    match *field {
                        "r024_lower_fence" => s.r024_lower_fence = v,
                        "r025_lower_fence" => s.r025_lower_fence = v,
                        "r038_upper_fence" => s.r038_upper_fence = v,
                        "r058_upper_fence" => s.r058_upper_fence = v,
                        _ => s.zj02_upper_fence = v,
                    }
                }
            }
        }
        Ok(s)
    }
}

/// The thresholds in force (the defaults until the operator changes them).
#[server(prefix = "/api", endpoint = "redflags/settings")]
pub async fn get_redflag_settings() -> Result<RedFlagSettings, AppError> {
    use super::ctx::{authorize_user, check, state};
    authorize_user("redflags/settings").await?;
    let st = state()?;
    check(crate::db::redflags::settings(&st.pool).await)
}

/// Saves every threshold at once; a refused value is named by its field and
/// nothing is saved. The next nightly run uses the saved values.
#[server(prefix = "/api", endpoint = "redflags/save-settings")]
pub async fn save_redflag_settings(form: RedFlagSettingsForm) -> Result<(), AppError> {
    use super::ctx::{authorize_user, check, fail, state};
    let user = authorize_user("redflags/save-settings").await?;
    let st = state()?;
    let s = form.parse().map_err(fail)?;
    check(crate::db::redflags::save_settings(&st.pool, &s).await)?;
    tracing::info!(user = user.id, settings = ?s, "red-flag settings changed");
    // a form posted without JavaScript comes back to the page, which says it was saved
    leptos_axum::redirect("/operator/redflag-settings?saved=1");
    Ok(())
}

#[cfg(test)]
mod unit {
    use super::*;

    #[test]
    fn the_defaults_round_trip_through_the_form() {
        let d = RedFlagSettings::default();
        assert_eq!(RedFlagSettingsForm::from_settings(&d).parse().unwrap(), d);
        let s = RedFlagSettings { r024_lower_fence: Some(0.05), zj02_upper_fence: Some(0.6), price_only_methods: vec![SelectionMethod::PriceCompetition, SelectionMethod::Merit], ..d };
        let f = RedFlagSettingsForm::from_settings(&s);
        assert_eq!(f.values["r024_lower_fence"], "0.05");
        assert_eq!(f.values["r038_upper_fence"], "", "computed");
        assert_eq!(f.parse().unwrap(), s);
        assert_eq!(FIELDS.iter().map(|f| f.0).collect::<Vec<_>>(), FIELD_NAMES);
    }

    #[test]
    fn each_bad_value_names_its_field() {
        let ok = RedFlagSettingsForm::from_settings(&RedFlagSettings::default());
        let with = |field: &str, v: &str| {
            let mut f = ok.clone();
            f.values.insert(field.into(), v.into());
            f.parse().unwrap_err()
        };
        assert_eq!(with("r025_percentile", "0"), AppError::invalid("r025_percentile", "publicinfo.thresholds.error_percentile"));
        assert_eq!(with("r025_percentile", "100"), AppError::invalid("r025_percentile", "publicinfo.thresholds.error_percentile"));
        assert_eq!(with("r024_lower_fence", "1.5"), AppError::invalid("r024_lower_fence", "publicinfo.thresholds.error_fence"));
        assert_eq!(with("zj02_upper_fence", "-0.1"), AppError::invalid("zj02_upper_fence", "publicinfo.thresholds.error_fence"));
        assert_eq!(with("r058_upper_fence", "NaN"), AppError::invalid("r058_upper_fence", "publicinfo.thresholds.error_fence"));
        assert_eq!(with("zj01_window_days", "0"), AppError::invalid("zj01_window_days", "publicinfo.thresholds.error_window"));
        assert_eq!(with("r003_min_days", "三"), AppError::invalid("r003_min_days", "publicinfo.thresholds.error_days"));
        assert_eq!(with("fence_min_sample", "3"), AppError::invalid("fence_min_sample", "publicinfo.thresholds.error_sample"));
        assert_eq!(with("zj02_min_wins", ""), AppError::invalid("zj02_min_wins", "publicinfo.thresholds.error_count"));
        let mut f = ok.clone();
        f.methods.insert("price_only_methods".into(), BTreeMap::new());
        assert_eq!(f.parse().unwrap_err(), AppError::invalid("price_only_methods", "publicinfo.thresholds.error_methods_empty"));
        f.methods.insert("competitive_methods".into(), [("auction".to_string(), "on".to_string())].into_iter().collect());
        assert_eq!(f.parse().unwrap_err(), AppError::invalid("competitive_methods", "publicinfo.thresholds.error_method"));
        // fences accept 0 and 1 and empty
        assert_eq!(with_ok(&ok, "r038_upper_fence", "1").r038_upper_fence, Some(1.0));
        assert_eq!(with_ok(&ok, "r038_upper_fence", " 0 ").r038_upper_fence, Some(0.0));
    }

    fn with_ok(ok: &RedFlagSettingsForm, field: &str, v: &str) -> RedFlagSettings {
        let mut f = ok.clone();
        f.values.insert(field.into(), v.into());
        f.parse().unwrap()
    }
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use super::*;
    use crate::db::testing::{AccountScope, TestApp};
    use crate::domain::accounts::Role;

    #[tokio::test]
    async fn thresholds_are_saved_read_back_and_refused_per_field() {
        let app = TestApp::new().await;
        let operator = app.account("rfs.op", Role::Operator, AccountScope::default()).await;
        let regulator = app.account("rfs.reg", Role::Regulator, AccountScope { region_code: Some("510000"), industry_code: Some("ZJ"), ..Default::default() }).await;

        app.sign_in_as(operator).await;
        assert_eq!(app.run(get_redflag_settings()).await.unwrap(), RedFlagSettings::default(), "the defaults until changed");
        let mut form = RedFlagSettingsForm::from_settings(&RedFlagSettings::default());
        form.values.insert("r025_percentile".into(), "90".into());
        form.values.insert("r058_upper_fence".into(), "0.3".into());
        form.methods.insert("competitive_methods".into(), [("merit".to_string(), "on".to_string()), ("random_draw".to_string(), "on".to_string())].into_iter().collect());
        app.run(save_redflag_settings(form.clone())).await.unwrap();
        let s = app.run(get_redflag_settings()).await.unwrap();
        assert_eq!((s.r025_percentile, s.r058_upper_fence), (90, Some(0.3)));
        assert_eq!(s.competitive_methods, vec![SelectionMethod::RandomDraw, SelectionMethod::Merit]);
        assert_eq!(crate::db::redflags::settings(&app.state.pool).await.unwrap(), s, "what the nightly run reads");

        // a refused value names its field and saves nothing
        let mut bad = form.clone();
        bad.values.insert("r025_percentile".into(), "75".into());
        bad.values.insert("r024_lower_fence".into(), "2".into());
        assert_eq!(app.run(save_redflag_settings(bad)).await.unwrap_err(), AppError::invalid("r024_lower_fence", "publicinfo.thresholds.error_fence"));
        let mut bad = form.clone();
        bad.values.insert("zj02_window_days".into(), "0".into());
        assert_eq!(app.run(save_redflag_settings(bad)).await.unwrap_err(), AppError::invalid("zj02_window_days", "publicinfo.thresholds.error_window"));
        assert_eq!(app.run(get_redflag_settings()).await.unwrap().r025_percentile, 90);

        // a regulator may read but not save
        app.sign_in_as(regulator).await;
        assert_eq!(app.run(get_redflag_settings()).await.unwrap().r025_percentile, 90);
        let reset = RedFlagSettingsForm::from_settings(&RedFlagSettings::default());
        assert_eq!(app.run(save_redflag_settings(reset.clone())).await.unwrap_err(), AppError::Forbidden);
        assert_eq!(app.run(get_redflag_settings()).await.unwrap().r025_percentile, 90);

        // the reset posts the defaults
        app.sign_in_as(operator).await;
        app.run(save_redflag_settings(reset)).await.unwrap();
        assert_eq!(app.run(get_redflag_settings()).await.unwrap(), RedFlagSettings::default());
    }
}
