//! Accounts: sign-in, sign-up, sign-out, password change, staff accounts.
//! Every function checks the caller against `domain::authz::MATRIX`.
use crate::domain::paging::Page;
use crate::error::AppError;
use crate::model::accounts::{AccountRow, SessionUser};
use leptos::prelude::*;

pub const ACCOUNTS_PER_PAGE: u32 = 20;

/// The signed-in user, or `None`.
#[server(prefix = "/api", endpoint = "accounts/me")]
pub async fn me() -> Result<Option<SessionUser>, AppError> {
    super::ctx::authorize("accounts/me").await
}

/// Signs in with username and password, then goes to `next` (a local path) or the
/// user's home page. Attempts are limited per client address; repeated failures
/// lock the account for a while.
#[server(prefix = "/api", endpoint = "accounts/sign_in")]
pub async fn sign_in(username: String, password: String, next: Option<String>) -> Result<SessionUser, AppError> {
    use super::ctx::{authorize, check, fail, state};
    use crate::db::accounts::{self, SignIn};
    authorize("accounts/sign_in").await?;
    let st = state()?;
    if username.trim().is_empty() {
        return Err(fail(AppError::invalid("username", "account.username_required")));
    }
    if password.is_empty() {
        return Err(fail(AppError::invalid("password", "account.password_required")));
    }
    if !st.attempts.allow(&server::client_key("sign_in")) {
        return Err(fail(AppError::TooManyRequests));
    }
    match check(accounts::sign_in(&st.pool, &username, &password, st.now_ms()).await)? {
        SignIn::Ok { user_id, stamp, .. } => {
            let user = server::open_session(user_id, stamp).await?;
            leptos_axum::redirect(crate::model::local_path(next.as_deref()).unwrap_or(user.home()));
            Ok(user)
        }
        SignIn::Rejected => Err(fail(AppError::invalid("password", "account.sign_in_rejected"))),
        SignIn::Locked { .. } => Err(fail(AppError::invalid("password", "account.locked"))),
    }
}

/// A firm or project owner signs up with its unified social credit code; the
/// new account is signed in at once.
#[server(prefix = "/api", endpoint = "accounts/sign_up")]
pub async fn sign_up(
    kind: String,
    organisation: String,
    credit_code: String,
    username: String,
    password: String,
    password_again: String,
) -> Result<SessionUser, AppError> {
    use super::ctx::{authorize, fail, state};
    use crate::model::accounts::SignUpKind;
    authorize("accounts/sign_up").await?;
    let st = state()?;
    let kind = SignUpKind::parse(&kind).ok_or_else(|| fail(AppError::invalid("kind", "account.kind_required")))?;
    let organisation = organisation.trim();
    if !(2..=100).contains(&organisation.chars().count()) {
        return Err(fail(AppError::invalid("organisation", "account.organisation_length")));
    }
    let credit_code = crate::domain::credit_code::validate(&credit_code)
        .map_err(|e| fail(AppError::invalid("credit_code", e.message_key())))?;
    if password != password_again {
        return Err(fail(AppError::invalid("password_again", "account.passwords_differ")));
    }
    if !st.attempts.allow(&server::client_key("sign_up")) {
        return Err(fail(AppError::TooManyRequests));
    }
    let created = crate::db::accounts::sign_up(&st.pool, kind, organisation, &credit_code, &username, &password, st.now_ms())
        .await
        .map_err(|e| fail(server::account_error(e)))?;
    let user = server::open_session(created.user_id, created.stamp).await?;
    leptos_axum::redirect(user.home());
    Ok(user)
}

/// Ends the session (does nothing when not signed in).
#[server(prefix = "/api", endpoint = "accounts/sign_out")]
pub async fn sign_out() -> Result<(), AppError> {
    use super::ctx::{authorize, session};
    authorize("accounts/sign_out").await?;
    if let Some(s) = session() {
        s.flush().await.map_err(|_| super::ctx::fail(AppError::Unavailable))?;
    }
    leptos_axum::redirect("/");
    Ok(())
}

/// Changes the caller's password. Every other session of the account ends.
#[server(prefix = "/api", endpoint = "accounts/change_password")]
pub async fn change_password(current: String, new_password: String, new_password_again: String) -> Result<(), AppError> {
    use super::ctx::{authorize_user, fail, state};
    let user = authorize_user("accounts/change_password").await?;
    let st = state()?;
    if current.is_empty() {
        return Err(fail(AppError::invalid("current", "account.password_required")));
    }
    if new_password != new_password_again {
        return Err(fail(AppError::invalid("new_password_again", "account.passwords_differ")));
    }
    if !st.attempts.allow(&server::client_key("change_password")) {
        return Err(fail(AppError::TooManyRequests));
    }
    let stamp = crate::db::accounts::change_password(&st.pool, user.id, &current, &new_password, st.now_ms())
        .await
        .map_err(|e| {
            fail(match server::account_error(e) {
                AppError::InvalidInput { key, .. } if key.starts_with("account.password") => AppError::invalid("new_password", &key),
                other => other,
            })
        })?;
    server::open_session(user.id, stamp).await?;
    leptos_axum::redirect("/account?password_changed=1");
    Ok(())
}

/// All accounts, newest first (administrators).
#[server(prefix = "/api", endpoint = "accounts/list")]
pub async fn list_accounts(page: u32) -> Result<Page<AccountRow>, AppError> {
    use super::ctx::{authorize_user, check, state};
    authorize_user("accounts/list").await?;
    let st = state()?;
    check(crate::db::accounts::list(&st.pool, page, ACCOUNTS_PER_PAGE).await)
}

/// Creates an operator, regulator (industry + region), leader (region) or another
/// administrator (administrators only).
#[server(prefix = "/api", endpoint = "accounts/create_staff")]
pub async fn create_staff(
    role: String,
    username: String,
    display_name: String,
    region_code: Option<String>,
    industry_code: Option<String>,
    password: String,
) -> Result<i64, AppError> {
    use super::ctx::{authorize_user, check, fail, state};
    use crate::domain::accounts::Role;
    authorize_user("accounts/create_staff").await?;
    let st = state()?;
    let role = Role::parse(&role)
        .filter(|r| !r.self_service())
        .ok_or_else(|| fail(AppError::invalid("role", "account.role_required")))?;
    let display_name = display_name.trim();
    if !(2..=50).contains(&display_name.chars().count()) {
        return Err(fail(AppError::invalid("display_name", "account.display_name_length")));
    }
    let region_code = crate::model::clean_param(&region_code);
    let industry_code = crate::model::clean_param(&industry_code);
    let needs_region = matches!(role, Role::Regulator | Role::Leader);
    let region_code = match (needs_region, region_code) {
        (true, None) => return Err(fail(AppError::invalid("region_code", "account.region_required"))),
        (true, Some(code)) => {
            if !check(crate::db::reference::region_exists(&st.pool, &code).await)? {
                return Err(fail(AppError::invalid("region_code", "account.region_required")));
            }
            Some(code)
        }
        (false, _) => None,
    };
    let industry_code = match (role == Role::Regulator, industry_code) {
        (true, None) => return Err(fail(AppError::invalid("industry_code", "account.industry_required"))),
        (true, Some(code)) => {
            if !check(crate::db::reference::industry_exists(&st.pool, &code).await)? {
                return Err(fail(AppError::invalid("industry_code", "account.industry_required")));
            }
            Some(code)
        }
        (false, _) => None,
    };
    let new = crate::db::accounts::NewUser {
        username: &username,
        password: &password,
        role,
        display_name,
        firm_id: None,
        owner_id: None,
        region_code: region_code.as_deref(),
        industry_code: industry_code.as_deref(),
    };
    crate::db::accounts::create_user(&st.pool, &new, st.now_ms()).await.map_err(|e| fail(server::account_error(e)))
}

#[cfg(feature = "ssr")]
pub(crate) mod server {
    use crate::api::ctx::{fail, session, state, USER_KEY};
    use crate::db::accounts::{AccountsError, SessionUserStamp};
    use crate::domain::accounts::AccountError;
    use crate::error::AppError;
    use crate::model::accounts::SessionUser;

    /// Rate-limit key: the action and the client's address.
    pub fn client_key(action: &str) -> String {
        let ip = leptos::prelude::use_context::<axum::http::request::Parts>()
            .and_then(|p| p.extensions.get::<axum::extract::ConnectInfo<std::net::SocketAddr>>().map(|c| c.0.ip().to_string()))
            .unwrap_or_else(|| "local".into());
        format!("{action}:{ip}")
    }

    /// Starts a fresh session (new id: no fixation) for the user.
    pub async fn open_session(user_id: i64, stamp: i64) -> Result<SessionUser, AppError> {
        let session = session().ok_or_else(|| fail(AppError::Server("no session layer".into())))?;
        let unavailable = |e: tower_sessions::session::Error| {
            tracing::error!(error = %e, "session store");
            fail(AppError::Unavailable)
        };
        session.cycle_id().await.map_err(unavailable)?;
        session.insert(USER_KEY, SessionUserStamp { user_id, stamp }).await.map_err(unavailable)?;
        session.save().await.map_err(unavailable)?;
        let st = state()?;
        crate::db::accounts::session_user(&st.pool, user_id, stamp)
            .await
            .map_err(|e| fail(e.into()))?
            .ok_or_else(|| fail(AppError::Unauthenticated))
    }

    /// An account error as the field-level error the form shows.
    pub fn account_error(e: AccountsError) -> AppError {
        match e {
            AccountsError::Rule(rule) => {
                let field = match rule {
                    AccountError::UsernameLength | AccountError::UsernameCharacters => "username",
                    _ => "password",
                };
                AppError::invalid(field, rule.message_key())
            }
            AccountsError::UsernameTaken => AppError::invalid("username", "account.username_taken"),
            AccountsError::CreditCodeTaken => AppError::invalid("credit_code", "account.credit_code_taken"),
            AccountsError::WrongPassword => AppError::invalid("current", "account.wrong_password"),
            AccountsError::AdminExists => AppError::Forbidden,
            AccountsError::Hash => AppError::Server("password hash".into()),
            AccountsError::Db(e) => e.into(),
        }
    }
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use super::*;
    use crate::db::testing::{AccountScope, TestApp, TEST_PASSWORD};
    use crate::domain::accounts::Role;

    const CODE: &str = "91510100MA61R6XK1H";

    #[tokio::test]
    async fn firm_signs_up_signs_out_and_back_in() {
        let app = TestApp::with_demo(None).await;
        app.new_session();
        assert_eq!(app.run(me()).await.unwrap(), None);
        let user = app
            .run(sign_up("firm".into(), " 成都示例工程咨询有限公司 ".into(), CODE.to_lowercase(), "Chengdu.Demo".into(), TEST_PASSWORD.into(), TEST_PASSWORD.into()))
            .await
            .unwrap();
        assert_eq!((user.role, user.username.as_str(), user.display_name.as_str()), (Role::Firm, "chengdu.demo", "成都示例工程咨询有限公司"));
        assert_eq!(app.run(me()).await.unwrap().as_ref(), Some(&user), "signed in at once");
        let (status, code): (String, String) =
            sqlx::query_as("SELECT status, credit_code FROM firms WHERE id = $1").bind(user.firm_id.unwrap()).fetch_one(&app.state.pool).await.unwrap();
        assert_eq!((status.as_str(), code.as_str()), ("draft", CODE), "a draft firm with the normalised code");

        // signed-in visitors cannot sign up again; the same code or username cannot be reused
        assert_eq!(app.run(sign_up("firm".into(), "另一家".into(), CODE.into(), "other".into(), TEST_PASSWORD.into(), TEST_PASSWORD.into())).await, Err(AppError::Forbidden));
        app.run(sign_out()).await.unwrap();
        assert_eq!(app.run(me()).await.unwrap(), None, "signed out");
        let again = |name: &str, code: &str, user: &str| {
            sign_up("firm".into(), name.into(), code.into(), user.into(), TEST_PASSWORD.into(), TEST_PASSWORD.into())
        };
        assert_eq!(app.run(again("另一家公司", CODE, "other")).await, Err(AppError::invalid("credit_code", "account.credit_code_taken")));
        assert_eq!(app.run(again("另一家公司", "91510100MA61R6XK1C", "other")).await, Err(AppError::invalid("credit_code", "credit_code.check")));
        assert_eq!(app.run(again("另一家公司", "91510100MAA1R6XK1A", "CHENGDU.demo")).await, Err(AppError::invalid("username", "account.username_taken")));
        let (firms,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM firms WHERE credit_code = '91510100MAA1R6XK1A'").fetch_one(&app.state.pool).await.unwrap();
        assert_eq!(firms, 0, "a failed sign-up leaves nothing behind");
        assert_eq!(app.run(again("另", CODE, "x")).await, Err(AppError::invalid("organisation", "account.organisation_length")));

        // wrong password: one message whatever was wrong; the right one signs in
        assert_eq!(app.run(sign_in("chengdu.demo".into(), "wrong-password-9".into(), None)).await, Err(AppError::invalid("password", "account.sign_in_rejected")));
        assert_eq!(app.run(sign_in("nobody".into(), TEST_PASSWORD.into(), None)).await, Err(AppError::invalid("password", "account.sign_in_rejected")));
        assert_eq!(app.run(sign_in("".into(), TEST_PASSWORD.into(), None)).await, Err(AppError::invalid("username", "account.username_required")));
        let back = app.run(sign_in("CHENGDU.DEMO".into(), TEST_PASSWORD.into(), Some("/firm".into()))).await.unwrap();
        assert_eq!(back.id, user.id);
    }

    #[tokio::test]
    async fn owners_sign_up_as_company_or_public_body() {
        let app = TestApp::with_demo(None).await;
        app.new_session();
        let err = app.run(sign_up("agency".into(), "某某局".into(), CODE.into(), "bureau".into(), TEST_PASSWORD.into(), TEST_PASSWORD.into())).await;
        assert_eq!(err, Err(AppError::invalid("kind", "account.kind_required")));
        let err = app.run(sign_up("owner_public_body".into(), "某某局".into(), CODE.into(), "bureau".into(), TEST_PASSWORD.into(), "Zhongjie-2027!".into())).await;
        assert_eq!(err, Err(AppError::invalid("password_again", "account.passwords_differ")));
        let err = app.run(sign_up("owner_public_body".into(), "某某局".into(), CODE.into(), "bureau".into(), "short".into(), "short".into())).await;
        assert_eq!(err, Err(AppError::invalid("password", "account.password_too_short")));
        let user = app.run(sign_up("owner_public_body".into(), "成都市某某局".into(), CODE.into(), "bureau".into(), TEST_PASSWORD.into(), TEST_PASSWORD.into())).await.unwrap();
        assert_eq!(user.role, Role::Owner);
        let (kind,): (String,) = sqlx::query_as("SELECT kind FROM owners WHERE id = $1").bind(user.owner_id.unwrap()).fetch_one(&app.state.pool).await.unwrap();
        assert_eq!(kind, "public_body");
    }

    #[tokio::test]
    async fn sign_in_attempts_are_limited_per_address_and_recover() {
        let app = TestApp::with_demo(None).await;
        app.new_session();
        for _ in 0..crate::state::SIGN_IN_PER_MINUTE {
            assert!(matches!(app.run(sign_in("nobody".into(), "wrong-password-9".into(), None)).await, Err(AppError::InvalidInput { .. })));
        }
        assert_eq!(app.run(sign_in("nobody".into(), "wrong-password-9".into(), None)).await, Err(AppError::TooManyRequests));
        app.clock.advance(60_000);
        assert!(matches!(app.run(sign_in("nobody".into(), "wrong-password-9".into(), None)).await, Err(AppError::InvalidInput { .. })));
    }

    #[tokio::test]
    async fn password_change_ends_the_other_sessions() {
        let app = TestApp::with_demo(None).await;
        let id = app.account("ops.one", Role::Operator, AccountScope::default()).await;
        let laptop = app.sign_in_as(id).await;
        let phone = app.sign_in_as(id).await;
        assert!(app.run(me()).await.unwrap().is_some());
        app.use_session(&laptop);
        let new = "Another-Pass-2027";
        assert_eq!(app.run(change_password("wrong-one-123".into(), new.into(), new.into())).await, Err(AppError::invalid("current", "account.wrong_password")));
        assert_eq!(app.run(change_password(TEST_PASSWORD.into(), new.into(), "typo".into())).await, Err(AppError::invalid("new_password_again", "account.passwords_differ")));
        assert_eq!(app.run(change_password(TEST_PASSWORD.into(), "short".into(), "short".into())).await, Err(AppError::invalid("new_password", "account.password_too_short")));
        app.clock.advance(1_000);
        app.run(change_password(TEST_PASSWORD.into(), new.into(), new.into())).await.unwrap();
        assert!(app.run(me()).await.unwrap().is_some(), "the session that changed it stays signed in");
        app.use_session(&phone);
        assert_eq!(app.run(me()).await.unwrap(), None, "the other session ended");
        assert_eq!(app.run(change_password(new.into(), "Third-Pass-2028".into(), "Third-Pass-2028".into())).await, Err(AppError::Unauthenticated));
        app.new_session();
        assert!(app.run(sign_in("ops.one".into(), new.into(), None)).await.is_ok());
    }

    #[tokio::test]
    async fn administrators_create_scoped_staff_accounts() {
        let app = TestApp::with_demo(None).await;
        let admin = app.account("admin.one", Role::Admin, AccountScope::default()).await;
        app.sign_in_as(admin).await;
        let make = |role: &str, region: Option<&str>, industry: Option<&str>| {
            create_staff(role.into(), format!("{role}.x"), "成都市住建局".into(), region.map(Into::into), industry.map(Into::into), TEST_PASSWORD.into())
        };
        assert_eq!(app.run(make("regulator", Some("510100"), None)).await, Err(AppError::invalid("industry_code", "account.industry_required")));
        assert_eq!(app.run(make("regulator", Some("999999"), Some("ZJ"))).await, Err(AppError::invalid("region_code", "account.region_required")));
        assert_eq!(app.run(make("leader", None, None)).await, Err(AppError::invalid("region_code", "account.region_required")));
        assert_eq!(app.run(make("firm", None, None)).await, Err(AppError::invalid("role", "account.role_required")), "firms sign up themselves");
        let id = app.run(make("regulator", Some("510100"), Some("ZJ"))).await.unwrap();
        let listed = app.run(list_accounts(1)).await.unwrap();
        let row = listed.items.iter().find(|r| r.id == id).unwrap();
        assert_eq!((row.role, row.region_name.as_deref(), row.industry_name.as_deref()), (Role::Regulator, Some("成都市"), Some("住房城乡建设")));
        // the regulator signs in and sees its scope
        app.new_session();
        let reg = app.run(sign_in("regulator.x".into(), TEST_PASSWORD.into(), None)).await.unwrap();
        assert_eq!((reg.region_code.as_deref(), reg.industry_code.as_deref()), (Some("510100"), Some("ZJ")));
        assert_eq!(app.run(list_accounts(1)).await, Err(AppError::Forbidden));
    }
}
