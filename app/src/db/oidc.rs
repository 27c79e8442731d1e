//! Unified identity (统一身份认证): accounts linked to a subject at an external
//! OpenID Connect provider, and firms whose identity that provider verified
//! ("通过统一身份认证的中介服务机构,可直接入库": no manual identity review).
use super::accounts::{hash_password, AccountsError, SessionUserStamp};
use super::Pool;
use crate::domain::accounts::Role;
use argon2::password_hash::{rand_core::OsRng, SaltString};

/// What a verified ID token asserted.
#[derive(Clone, Copy, Debug)]
pub struct Assertion<'a> {
    pub issuer: &'a str,
    pub subject: &'a str,
    /// A valid unified social credit code the provider verified, if any.
    pub verified_credit_code: Option<&'a str>,
    /// The organisation's name (needed only to create a new firm).
    pub organisation: Option<&'a str>,
}

#[derive(Debug, PartialEq, Eq)]
pub enum Linked {
    /// Signed in; `created` when this sign-in made the account.
    SignedIn { session: SessionUserStamp, created: bool },
    /// The linked account is disabled.
    Disabled,
    /// Not linked yet and no verified credit code: sign up normally.
    Unverified,
    /// A new firm would be created, but the provider sent no usable name.
    NoOrganisation,
}

/// Signs in the account linked to the asserted identity, or links one: to the
/// firm with the verified credit code (a new account beside any it has), or to
/// a new draft firm. The firm's identity is marked verified either way.
pub async fn sign_in(pool: &Pool, a: &Assertion<'_>, now_ms: i64) -> Result<Linked, AccountsError> {
    match link(pool, a, now_ms).await {
        // a concurrent first sign-in (same person or same firm) won the race: look again
        Err(AccountsError::Db(sqlx::Error::Database(d))) if d.is_unique_violation() => link(pool, a, now_ms).await,
        other => other,
    }
}

async fn link(pool: &Pool, a: &Assertion<'_>, now_ms: i64) -> Result<Linked, AccountsError> {
    let existing: Option<(i64, String, i64, Option<i64>)> = sqlx::query_as(
        "SELECT id, status, password_changed_at, firm_id FROM users WHERE oidc_issuer = $1 AND oidc_subject = $2",
    )
    .bind(a.issuer)
    .bind(a.subject)
    .fetch_optional(pool)
    .await?;
    if let Some((user_id, status, stamp, firm_id)) = existing {
        if status != "active" {
            return Ok(Linked::Disabled);
        }
        if let (Some(code), Some(firm_id)) = (a.verified_credit_code, firm_id) {
            sqlx::query(
                "UPDATE firms SET identity_verified_at = COALESCE(identity_verified_at, $1), identity_provider = COALESCE(identity_provider, $2) \
                 WHERE id = $3 AND credit_code = $4",
            )
            .bind(now_ms)
            .bind(a.issuer)
            .bind(firm_id)
            .bind(code)
            .execute(pool)
            .await?;
        }
        return Ok(Linked::SignedIn { session: SessionUserStamp { user_id, stamp }, created: false });
    }
    let Some(code) = a.verified_credit_code else { return Ok(Linked::Unverified) };
    // nobody knows this password: the account signs in through the provider only
    let unusable = hash_password(&format!("{}{}", SaltString::generate(&mut OsRng), SaltString::generate(&mut OsRng)))?;
    let mut tx = crate::db::begin_write_on(&pool).await?;
    let firm: Option<(i64, String)> =
        sqlx::query_as("SELECT id, name FROM firms WHERE credit_code = $1").bind(code).fetch_optional(&mut *tx).await?;
    let (firm_id, name) = match firm {
        Some(f) => f,
        None => {
            let Some(name) = a.organisation.map(str::trim).filter(|n| (2..=100).contains(&n.chars().count())) else {
                return Ok(Linked::NoOrganisation);
            };
            let (id,): (i64,) = sqlx::query_as(
                "INSERT INTO firms (name, credit_code, region_code, address, legal_rep, contact_name, contact_phone, status, \
                 registered_at, updated_at) VALUES ($1, $2, $3, '', '', '', '', 'draft', $4, $4) RETURNING id",
            )
            .bind(name)
            .bind(code)
            .bind(crate::domain::region::PROVINCE)
            .bind(now_ms)
            .fetch_one(&mut *tx)
            .await?;
            (id, name.to_string())
        }
    };
    sqlx::query(
        "UPDATE firms SET identity_verified_at = COALESCE(identity_verified_at, $1), identity_provider = COALESCE(identity_provider, $2) \
         WHERE id = $3",
    )
    .bind(now_ms)
    .bind(a.issuer)
    .bind(firm_id)
    .execute(&mut *tx)
    .await?;
    let username = free_username(&mut tx, code).await?;
    let (user_id,): (i64,) = sqlx::query_as(
        "INSERT INTO users (username, password_hash, role, display_name, firm_id, oidc_issuer, oidc_subject, \
         password_changed_at, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) RETURNING id",
    )
    .bind(&username)
    .bind(&unusable)
    .bind(Role::Firm.as_str())
    .bind(&name)
    .bind(firm_id)
    .bind(a.issuer)
    .bind(a.subject)
    .bind(now_ms)
    .fetch_one(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(Linked::SignedIn { session: SessionUserStamp { user_id, stamp: now_ms }, created: true })
}

/// `oidc-<credit code>`, or with `-2`, `-3` … when taken (several people of one firm).
async fn free_username(tx: &mut sqlx::Transaction<'_, sqlx::Any>, code: &str) -> Result<String, sqlx::Error> {
    let base = format!("oidc-{}", code.to_ascii_lowercase());
    let like = format!("{base}%");
    let taken: Vec<(String,)> = sqlx::query_as("SELECT username FROM users WHERE username LIKE $1").bind(&like).fetch_all(&mut **tx).await?;
    let taken: std::collections::HashSet<String> = taken.into_iter().map(|(u,)| u).collect();
    Ok(std::iter::once(base.clone())
        .chain((2..).map(|n| format!("{base}-{n}")))
        .find(|u| !taken.contains(u))
        .unwrap_or(base))
}

/// Whether the firm's identity was verified by the unified identity platform, so
/// its onboarding review needs no manual identity check.
pub async fn firm_identity_verified(pool: &Pool, firm_id: i64) -> Result<bool, sqlx::Error> {
    let row: Option<(Option<i64>,)> =
        sqlx::query_as("SELECT identity_verified_at FROM firms WHERE id = $1").bind(firm_id).fetch_optional(pool).await?;
    Ok(matches!(row, Some((Some(_),))))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::testing::{AccountScope, TestApp, TEST_NOW_MS, TEST_PASSWORD};

    const ISSUER: &str = "https://ids.example.gov.cn";
    const CODE: &str = "91510100MA61R6XK1H";

    fn assertion<'a>(subject: &'a str, code: Option<&'a str>, name: Option<&'a str>) -> Assertion<'a> {
        Assertion { issuer: ISSUER, subject, verified_credit_code: code, organisation: name }
    }

    async fn signed_in(pool: &Pool, a: &Assertion<'_>) -> (i64, bool) {
        match sign_in(pool, a, TEST_NOW_MS).await.unwrap() {
            Linked::SignedIn { session, created } => (session.user_id, created),
            other => panic!("not signed in: {other:?}"),
        }
    }

    #[tokio::test]
    async fn a_verified_newcomer_gets_a_draft_firm_with_verified_identity_and_comes_back_to_it() {
        let app = TestApp::with_demo(None).await;
        let pool = &app.state.pool;
        let (user_id, created) = signed_in(pool, &assertion("alice", Some(CODE), Some("成都统一认证咨询有限公司"))).await;
        assert!(created);
        let (username, role, display_name, firm_id): (String, String, String, i64) =
            sqlx::query_as("SELECT username, role, display_name, firm_id FROM users WHERE id = $1").bind(user_id).fetch_one(pool).await.unwrap();
        assert_eq!((username.as_str(), role.as_str(), display_name.as_str()), ("oidc-91510100ma61r6xk1h", "firm", "成都统一认证咨询有限公司"));
        let (status, code, provider): (String, String, Option<String>) =
            sqlx::query_as("SELECT status, credit_code, identity_provider FROM firms WHERE id = $1").bind(firm_id).fetch_one(pool).await.unwrap();
        assert_eq!((status.as_str(), code.as_str(), provider.as_deref()), ("draft", CODE, Some(ISSUER)));
        assert!(firm_identity_verified(pool, firm_id).await.unwrap());
        // the next sign-in is the same account, even when this time the claims are thin
        assert_eq!(signed_in(pool, &assertion("alice", None, None)).await, (user_id, false));
        // a password is never usable for it
        assert_eq!(crate::db::accounts::sign_in(pool, &username, TEST_PASSWORD, TEST_NOW_MS).await.unwrap(), crate::db::accounts::SignIn::Rejected);
        // a colleague of the same firm gets a second account of that firm
        let (colleague, created) = signed_in(pool, &assertion("bob", Some(CODE), None)).await;
        assert!(created && colleague != user_id);
        let (name, firm): (String, i64) = sqlx::query_as("SELECT username, firm_id FROM users WHERE id = $1").bind(colleague).fetch_one(pool).await.unwrap();
        assert_eq!((name.as_str(), firm), ("oidc-91510100ma61r6xk1h-2", firm_id));
        // the same subject at another issuer is someone else
        let other = Assertion { issuer: "https://other.example", ..assertion("alice", None, None) };
        assert_eq!(sign_in(pool, &other, TEST_NOW_MS).await.unwrap(), Linked::Unverified);
    }

    #[tokio::test]
    async fn an_existing_firm_with_accounts_gets_a_linked_account_and_verified_identity() {
        let app = TestApp::new().await;
        let pool = &app.state.pool;
        let (firm_id, code): (i64, String) = sqlx::query_as("SELECT id, credit_code FROM firms ORDER BY id LIMIT 1").fetch_one(pool).await.unwrap();
        let password_user = app.account("firm.staff", Role::Firm, AccountScope { firm_id: Some(firm_id), ..Default::default() }).await;
        assert!(!firm_identity_verified(pool, firm_id).await.unwrap());
        let firms_before: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM firms").fetch_one(pool).await.unwrap();
        let (user_id, created) = signed_in(pool, &assertion("carol", Some(&code), Some("名称以登记为准"))).await;
        assert!(created && user_id != password_user);
        let (linked_firm, display_name): (i64, String) =
            sqlx::query_as("SELECT firm_id, display_name FROM users WHERE id = $1").bind(user_id).fetch_one(pool).await.unwrap();
        let (firm_name, firms): (String, i64) =
            sqlx::query_as("SELECT name, (SELECT COUNT(*) FROM firms) FROM firms WHERE id = $1").bind(firm_id).fetch_one(pool).await.unwrap();
        assert_eq!((linked_firm, display_name), (firm_id, firm_name), "the registered name wins over the claim");
        assert_eq!(firms, firms_before, "no new firm");
        assert!(firm_identity_verified(pool, firm_id).await.unwrap());
        assert!(!firm_identity_verified(pool, -1).await.unwrap());
    }

    #[tokio::test]
    async fn refusals_create_nothing() {
        let app = TestApp::with_demo(None).await;
        let pool = &app.state.pool;
        assert_eq!(sign_in(pool, &assertion("dave", None, Some("某公司")), TEST_NOW_MS).await.unwrap(), Linked::Unverified);
        assert_eq!(sign_in(pool, &assertion("dave", Some(CODE), None), TEST_NOW_MS).await.unwrap(), Linked::NoOrganisation);
        assert_eq!(sign_in(pool, &assertion("dave", Some(CODE), Some("某")), TEST_NOW_MS).await.unwrap(), Linked::NoOrganisation);
        let (users, firms): (i64, i64) =
            sqlx::query_as("SELECT (SELECT COUNT(*) FROM users), (SELECT COUNT(*) FROM firms)").fetch_one(pool).await.unwrap();
        assert_eq!((users, firms), (0, 0));
        // a disabled linked account stays out
        let (user_id, _) = signed_in(pool, &assertion("erin", Some(CODE), Some("成都某咨询有限公司"))).await;
        sqlx::query("UPDATE users SET status = 'disabled' WHERE id = $1").bind(user_id).execute(pool).await.unwrap();
        assert_eq!(sign_in(pool, &assertion("erin", Some(CODE), None), TEST_NOW_MS).await.unwrap(), Linked::Disabled);
    }
}
