//! Trading settings (交易规则设置), maintained by the operator: the minimum
//! publication period, the minimum number of participants, the publicity and
//! confirmation periods, the abnormally-low share and the contract signing
//! time limit. An announcement keeps the
//! minimum participants and abnormal share in force when it was published; the
//! other values apply to the steps taken after the change.
use crate::error::AppError;
use crate::model::trading::TradingSettings;
use leptos::prelude::*;

/// Each setting: form field, allowed range, message key when outside it.
pub const SETTING_RANGES: &[(&str, u32, u32, &str)] = &[
    ("min_publication_days", 1, 30, "settings.min_publication_days_invalid"),
    ("min_participants", 1, 20, "settings.min_participants_invalid"),
    ("publicity_days", 1, 15, "settings.publicity_days_invalid"),
    ("confirm_days", 1, 10, "settings.confirm_days_invalid"),
    ("abnormal_share_pct", 50, 95, "settings.abnormal_share_pct_invalid"),
    ("sign_days", 1, 20, "settings.sign_days_invalid"),
];

/// A whole number within the field's range, or the field's error.
pub fn parse_setting(field: &str, value: &str) -> Result<u32, AppError> {
    let (_, min, max, key) = SETTING_RANGES.iter().find(|r| r.0 == field).copied().unwrap_or((field, 0, 0, "settings.invalid"));
    value.trim().parse::<u32>().ok().filter(|v| (min..=max).contains(v)).ok_or_else(|| AppError::invalid(field, key))
}

/// The settings in force (defaults until the operator changes them).
#[server(prefix = "/api", endpoint = "trading/settings")]
pub async fn get_trading_settings() -> Result<TradingSettings, AppError> {
    use super::ctx::{authorize_user, check, state};
    authorize_user("trading/settings").await?;
    let st = state()?;
    check(crate::db::trading::settings(&st.pool).await)
}

/// Saves all six settings at once; each bad value is refused with its field named.
#[server(prefix = "/api", endpoint = "trading/save_settings")]
pub async fn save_trading_settings(
    min_publication_days: String,
    min_participants: String,
    publicity_days: String,
    confirm_days: String,
    abnormal_share_pct: String,
    sign_days: String,
) -> Result<(), AppError> {
    use super::ctx::{authorize_user, check, fail, state};
    let user = authorize_user("trading/save_settings").await?;
    let st = state()?;
    let s = TradingSettings {
        min_publication_days: parse_setting("min_publication_days", &min_publication_days).map_err(fail)?,
        min_participants: parse_setting("min_participants", &min_participants).map_err(fail)?,
        publicity_days: parse_setting("publicity_days", &publicity_days).map_err(fail)?,
        confirm_days: parse_setting("confirm_days", &confirm_days).map_err(fail)?,
        abnormal_share_pct: parse_setting("abnormal_share_pct", &abnormal_share_pct).map_err(fail)?,
        sign_days: parse_setting("sign_days", &sign_days).map_err(fail)?,
    };
    check(crate::db::trading::save_settings(&st.pool, &s).await)?;
    tracing::info!(user = user.id, settings = ?s, "trading settings changed");
    // a form posted without JavaScript comes back to the page, which says it was saved
    leptos_axum::redirect("/operator/trading-settings?saved=1");
    Ok(())
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use super::*;
    use crate::api::trading::{get_trading_announcement, register_interest, save_announcement};
    use crate::db::testing::{AccountScope, TestApp};
    use crate::domain::accounts::Role;
    use crate::model::trading::AnnouncementForm;

    const DEADLINE: &str = "2026-11-27T17:00";

    /// A small market: an owner, an operator and two active firms offering one item.
    struct Setup {
        app: TestApp,
        owner: i64,
        operator: i64,
        firms: Vec<i64>,
        form: AnnouncementForm,
    }

    async fn setup() -> Setup {
        let app = TestApp::new().await;
        let pool = &app.state.pool;
        let today = crate::domain::time::date_shanghai(crate::state::Clock::now_ms(&*app.clock));
        let (item_id, item_code): (i64, String) = sqlx::query_as(&format!(
            "SELECT s.id, s.code FROM service_items s WHERE {} ORDER BY s.id LIMIT 1",
            crate::db::catalogue::in_force_sql("s", "$1")
        ))
        .bind(&today)
        .fetch_one(pool)
        .await
        .unwrap();
        let ids: Vec<i64> = sqlx::query_scalar("SELECT id FROM firms WHERE status = 'active' ORDER BY id LIMIT 2").fetch_all(pool).await.unwrap();
        let mut firms = Vec::new();
        for (i, id) in ids.into_iter().enumerate() {
            sqlx::query("INSERT INTO firm_items (firm_id, item_id, fee_standard, promised_days) VALUES ($1, $2, '按国家标准', 10) ON CONFLICT DO NOTHING")
                .bind(id)
                .bind(item_id)
                .execute(pool)
                .await
                .unwrap();
            firms.push(app.account(&format!("settings.firm{i}"), Role::Firm, AccountScope { firm_id: Some(id), ..Default::default() }).await);
        }
        let (owner_id, region_code): (i64, String) = sqlx::query_as("SELECT id, region_code FROM owners ORDER BY id LIMIT 1").fetch_one(pool).await.unwrap();
        let owner = app.account("settings.owner", Role::Owner, AccountScope { owner_id: Some(owner_id), ..Default::default() }).await;
        let operator = app.account("settings.operator", Role::Operator, AccountScope::default()).await;
        let form = AnnouncementForm {
            title: "某某项目环境影响评价服务".into(),
            project_code: "2611-510100-04-01-000002".into(),
            item_code,
            region_code,
            funding: "fiscal".into(),
            budget: "100000".into(),
            match_mode: "any".into(),
            service_days: "30".into(),
            deadline: DEADLINE.into(),
            method: "random_draw".into(),
            contact_name: "李工".into(),
            contact_phone: "028-85551234".into(),
            ..Default::default()
        };
        Setup { app, owner, operator, firms, form }
    }

    impl Setup {
        /// The owner publishes a random draw; both firms register.
        async fn publish_and_register_both(&self) -> String {
            self.app.sign_in_as(self.owner).await;
            let code = self.app.run(save_announcement(None, self.form.clone(), Some("1".into()))).await.unwrap();
            for f in &self.firms {
                self.app.sign_in_as(*f).await;
                self.app.run(register_interest(code.clone())).await.unwrap();
            }
            code
        }
    }

    fn save(a: &str, b: &str, c: &str, d: &str, e: &str) -> impl std::future::Future<Output = Result<(), AppError>> {
        save_trading_settings(a.into(), b.into(), c.into(), d.into(), e.into(), "5".into())
    }

    fn save_sign_days(days: &str) -> impl std::future::Future<Output = Result<(), AppError>> {
        save_trading_settings("3".into(), "3".into(), "3".into(), "2".into(), "80".into(), days.into())
    }

    #[tokio::test]
    async fn with_the_minimum_lowered_to_two_a_draw_with_two_registrants_selects_a_firm() {
        let s = setup().await;
        // published under the default minimum of 3: two registrants are too few
        let before = s.publish_and_register_both().await;
        s.app.sign_in_as(s.operator).await;
        let defaults = s.app.run(get_trading_settings()).await.unwrap();
        assert_eq!((defaults.min_publication_days, defaults.min_participants), (3, 3));
        s.app.run(save("3", "2", "3", "2", "80")).await.unwrap();
        let now = s.app.run(get_trading_settings()).await.unwrap();
        assert_eq!(now.min_participants, 2, "the saved value is what the operator reads back");
        // published after the change: two registrants are enough
        let after = s.publish_and_register_both().await;
        let deadline = crate::domain::announcement::parse_local_datetime(DEADLINE).unwrap();
        s.app.clock.set(deadline);
        crate::db::trading::advance(&s.app.state, deadline).await.unwrap();
        s.app.new_session();
        let a = s.app.run(get_trading_announcement(after)).await.unwrap();
        assert_eq!((a.status.as_str(), a.min_participants), ("selected", 2));
        assert_eq!(a.draws.len(), 1);
        assert_eq!(a.draws[0].draw.registrants.len(), 2);
        assert!(a.award.is_some(), "one of the two firms is selected");
        let b = s.app.run(get_trading_announcement(before)).await.unwrap();
        assert_eq!((b.status.as_str(), b.min_participants), ("failed", 3), "an announcement keeps the minimum it was published with");
    }

    #[tokio::test]
    async fn a_lower_minimum_publication_period_lets_an_owner_publish_sooner() {
        let s = setup().await;
        let mut f = s.form.clone();
        f.deadline = "2026-11-24T17:00".into(); // Friday 10:00 → Tuesday 17:00: two working days and a bit
        s.app.sign_in_as(s.owner).await;
        assert_eq!(
            s.app.run(save_announcement(None, f.clone(), Some("1".into()))).await,
            Err(AppError::invalid("deadline", "announcement.deadline_too_soon"))
        );
        s.app.sign_in_as(s.operator).await;
        s.app.run(save("2", "3", "3", "2", "80")).await.unwrap();
        s.app.sign_in_as(s.owner).await;
        assert!(s.app.run(save_announcement(None, f, Some("1".into()))).await.is_ok());
    }

    #[tokio::test]
    async fn bad_values_are_refused_with_the_field_named_and_nothing_changes() {
        let s = setup().await;
        s.app.sign_in_as(s.operator).await;
        let cases = [
            (save("0", "3", "3", "2", "80"), "min_publication_days"),
            (save("31", "3", "3", "2", "80"), "min_publication_days"),
            (save("3", "三", "3", "2", "80"), "min_participants"),
            (save("3", "21", "3", "2", "80"), "min_participants"),
            (save("3", "3", "", "2", "80"), "publicity_days"),
            (save("3", "3", "16", "2", "80"), "publicity_days"),
            (save("3", "3", "3", "2.5", "80"), "confirm_days"),
            (save("3", "3", "3", "11", "80"), "confirm_days"),
            (save("3", "3", "3", "2", "49"), "abnormal_share_pct"),
            (save("3", "3", "3", "2", "-80"), "abnormal_share_pct"),
        ];
        for (call, field) in cases {
            assert_eq!(s.app.run(call).await, Err(AppError::invalid(field, &format!("settings.{field}_invalid"))));
        }
        for bad in ["0", "21", "五"] {
            assert_eq!(s.app.run(save_sign_days(bad)).await, Err(AppError::invalid("sign_days", "settings.sign_days_invalid")));
        }
        assert_eq!(s.app.run(get_trading_settings()).await.unwrap(), TradingSettings::default());
        // the edges are accepted, with spaces around
        s.app.run(save(" 30 ", "20", "15", "10", "95")).await.unwrap();
        s.app.run(save_sign_days("20")).await.unwrap();
        assert_eq!(s.app.run(get_trading_settings()).await.unwrap().sign_days, 20);
        s.app.run(save("1", "1", "1", "1", "50")).await.unwrap();
        let got = s.app.run(get_trading_settings()).await.unwrap();
        assert_eq!(
            got,
            TradingSettings { min_publication_days: 1, min_participants: 1, publicity_days: 1, confirm_days: 1, abnormal_share_pct: 50, sign_days: 5 }
        );
    }

    #[tokio::test]
    async fn only_operators_and_administrators_change_the_settings() {
        let s = setup().await;
        let regulator = s
            .app
            .account("settings.regulator", Role::Regulator, AccountScope { region_code: Some("510000"), industry_code: Some("ZJ"), ..Default::default() })
            .await;
        s.app.sign_in_as(regulator).await;
        assert_eq!(s.app.run(save("3", "2", "3", "2", "80")).await, Err(AppError::Forbidden));
        s.app.sign_in_as(s.owner).await;
        assert_eq!(s.app.run(save("3", "2", "3", "2", "80")).await, Err(AppError::Forbidden));
        s.app.new_session();
        assert_eq!(s.app.run(save("3", "2", "3", "2", "80")).await, Err(AppError::Unauthenticated));
        assert_eq!(s.app.run(get_trading_settings()).await, Err(AppError::Unauthenticated));
        let admin = s.app.account("settings.admin", Role::Admin, AccountScope::default()).await;
        s.app.sign_in_as(admin).await;
        s.app.run(save("3", "2", "3", "2", "80")).await.unwrap();
        assert_eq!(s.app.run(get_trading_settings()).await.unwrap().min_participants, 2);
    }
}
