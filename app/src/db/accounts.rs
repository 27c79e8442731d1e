//! Accounts: creation with Argon2id password hashes, sign-in checks with lockout.
use super::Pool;
use crate::domain::accounts::{self, AccountError, Role};
use argon2::password_hash::{rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;

#[derive(Debug, thiserror::Error)]
pub enum AccountsError {
    #[error("{}", crate::i18n::t_in(crate::i18n::Locale::Zh, .0.message_key()))]
    Rule(AccountError),
    #[error("the username is taken")]
    UsernameTaken,
    #[error("an administrator already exists")]
    AdminExists,
    #[error("password hashing failed")]
    Hash,
    #[error(transparent)]
    Db(#[from] sqlx::Error),
}

/// Argon2id (the crate's default parameters) PHC string with a random salt.
pub fn hash_password(password: &str) -> Result<String, AccountsError> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default().hash_password(password.as_bytes(), &salt).map(|h| h.to_string()).map_err(|_| AccountsError::Hash)
}

pub fn verify_password(password: &str, phc: &str) -> bool {
    PasswordHash::new(phc).is_ok_and(|h| Argon2::default().verify_password(password.as_bytes(), &h).is_ok())
}

pub struct NewUser<'a> {
    pub username: &'a str,
    pub password: &'a str,
    pub role: Role,
    pub display_name: &'a str,
    pub firm_id: Option<i64>,
    pub owner_id: Option<i64>,
    pub region_code: Option<&'a str>,
    pub industry_code: Option<&'a str>,
}

/// Creates an account after checking the username and password rules.
pub async fn create_user(pool: &Pool, u: &NewUser<'_>, now_ms: i64) -> Result<i64, AccountsError> {
    let username = accounts::normalize_username(u.username).map_err(AccountsError::Rule)?;
    accounts::check_password(u.password, &username).map_err(AccountsError::Rule)?;
    let taken: Option<(i64,)> = sqlx::query_as("SELECT id FROM users WHERE username = $1").bind(&username).fetch_optional(pool).await?;
    if taken.is_some() {
        return Err(AccountsError::UsernameTaken);
    }
    let hash = hash_password(u.password)?;
    let (id,): (i64,) = sqlx::query_as(
        "INSERT INTO users (username, password_hash, role, display_name, firm_id, owner_id, region_code, \
         industry_code, password_changed_at, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9) RETURNING id",
    )
    .bind(&username)
    .bind(&hash)
    .bind(u.role.as_str())
    .bind(u.display_name)
    .bind(u.firm_id)
    .bind(u.owner_id)
    .bind(u.region_code)
    .bind(u.industry_code)
    .bind(now_ms)
    .fetch_one(pool)
    .await
    .map_err(|e| match &e {
        sqlx::Error::Database(d) if d.is_unique_violation() => AccountsError::UsernameTaken,
        _ => AccountsError::Db(e),
    })?;
    Ok(id)
}

/// The first administrator, from the CLI; refuses when one exists (no default password ever).
pub async fn create_first_admin(pool: &Pool, username: &str, password: &str, now_ms: i64) -> Result<i64, AccountsError> {
    let (admins,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM users WHERE role = 'admin'").fetch_one(pool).await?;
    if admins > 0 {
        return Err(AccountsError::AdminExists);
    }
    create_user(
        pool,
        &NewUser {
            username,
            password,
            role: Role::Admin,
            display_name: "系统管理员",
            firm_id: None,
            owner_id: None,
            region_code: None,
            industry_code: None,
        },
        now_ms,
    )
    .await
}

#[derive(Debug, PartialEq, Eq)]
pub enum SignIn {
    /// Signed in: the user's id and role.
    Ok { user_id: i64, role: Role },
    /// Unknown user or wrong password (the page never says which).
    Rejected,
    /// Too many failures: try again after this time (epoch ms).
    Locked { until: i64 },
}

/// Checks a sign-in, counting failures and locking the account per the domain rule.
pub async fn sign_in(pool: &Pool, username: &str, password: &str, now_ms: i64) -> Result<SignIn, sqlx::Error> {
    let Ok(username) = accounts::normalize_username(username) else {
        return Ok(SignIn::Rejected);
    };
    let row: Option<(i64, String, String, String, i64, Option<i64>)> = sqlx::query_as(
        "SELECT id, password_hash, role, status, failed_sign_ins, locked_until FROM users WHERE username = $1",
    )
    .bind(&username)
    .fetch_optional(pool)
    .await?;
    let Some((id, hash, role, status, failures, locked_until)) = row else {
        // spend the same time as a real check so timing does not reveal usernames
        let _ = verify_password(password, dummy_hash());
        return Ok(SignIn::Rejected);
    };
    if accounts::is_locked(locked_until, now_ms) {
        return Ok(SignIn::Locked { until: locked_until.unwrap_or(now_ms) });
    }
    if status != "active" || !verify_password(password, &hash) {
        let failures = failures + 1;
        let lock = accounts::lock_after_failure(failures, now_ms);
        sqlx::query("UPDATE users SET failed_sign_ins = $1, locked_until = $2 WHERE id = $3")
            .bind(failures)
            .bind(lock)
            .bind(id)
            .execute(pool)
            .await?;
        return Ok(match lock {
            Some(until) => SignIn::Locked { until },
            None => SignIn::Rejected,
        });
    }
    sqlx::query("UPDATE users SET failed_sign_ins = 0, locked_until = NULL WHERE id = $1").bind(id).execute(pool).await?;
    Ok(SignIn::Ok { user_id: id, role: Role::parse(&role).unwrap_or(Role::Owner) })
}

/// A hash of a random string with the same parameters, verified against for unknown usernames.
fn dummy_hash() -> &'static str {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DUMMY.get_or_init(|| hash_password(&SaltString::generate(&mut OsRng).to_string()).unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::testing::{TestApp, TEST_NOW_MS};
    use crate::domain::accounts::LOCK_MS;

    #[tokio::test]
    async fn first_admin_once_and_sign_in_with_lockout() {
        let app = TestApp::with_demo(None).await;
        let pool = &app.state.pool;
        assert!(matches!(
            create_first_admin(pool, "root", "short", TEST_NOW_MS).await,
            Err(AccountsError::Rule(AccountError::PasswordTooShort))
        ));
        let id = create_first_admin(pool, "Root", "Zhongjie-2026!", TEST_NOW_MS).await.unwrap();
        assert!(matches!(create_first_admin(pool, "root2", "Zhongjie-2026!", TEST_NOW_MS).await, Err(AccountsError::AdminExists)));
        let (stored,): (String,) = sqlx::query_as("SELECT password_hash FROM users WHERE id = $1").bind(id).fetch_one(pool).await.unwrap();
        assert!(stored.starts_with("$argon2id$") && !stored.contains("Zhongjie"));

        assert_eq!(sign_in(pool, "ROOT", "Zhongjie-2026!", TEST_NOW_MS).await.unwrap(), SignIn::Ok { user_id: id, role: Role::Admin });
        assert_eq!(sign_in(pool, "nobody", "Zhongjie-2026!", TEST_NOW_MS).await.unwrap(), SignIn::Rejected);
        for _ in 0..4 {
            assert_eq!(sign_in(pool, "root", "wrong-password-1", TEST_NOW_MS).await.unwrap(), SignIn::Rejected);
        }
        // the fifth failure locks; even the right password is refused while locked
        assert_eq!(sign_in(pool, "root", "wrong-password-1", TEST_NOW_MS).await.unwrap(), SignIn::Locked { until: TEST_NOW_MS + LOCK_MS });
        assert_eq!(sign_in(pool, "root", "Zhongjie-2026!", TEST_NOW_MS + 60_000).await.unwrap(), SignIn::Locked { until: TEST_NOW_MS + LOCK_MS });
        // after the lock the right password works and resets the count
        assert_eq!(sign_in(pool, "root", "Zhongjie-2026!", TEST_NOW_MS + LOCK_MS).await.unwrap(), SignIn::Ok { user_id: id, role: Role::Admin });
        let (failures,): (i64,) = sqlx::query_as("SELECT failed_sign_ins FROM users WHERE id = $1").bind(id).fetch_one(pool).await.unwrap();
        assert_eq!(failures, 0);
    }

    #[tokio::test]
    async fn usernames_are_unique_case_insensitively() {
        let app = TestApp::with_demo(None).await;
        let u = |name: &'static str| NewUser {
            username: name,
            password: "Zhongjie-2026!",
            role: Role::Operator,
            display_name: "运维",
            firm_id: None,
            owner_id: None,
            region_code: None,
            industry_code: None,
        };
        create_user(&app.state.pool, &u("ops"), TEST_NOW_MS).await.unwrap();
        assert!(matches!(create_user(&app.state.pool, &u("OPS"), TEST_NOW_MS).await, Err(AccountsError::UsernameTaken)));
        assert!(matches!(create_user(&app.state.pool, &u("运维人员"), TEST_NOW_MS).await, Err(AccountsError::Rule(AccountError::UsernameCharacters))));
    }

    #[test]
    fn dummy_hash_parses() {
        assert!(PasswordHash::new(dummy_hash()).is_ok());
        assert!(!verify_password("x", dummy_hash()));
    }
}
