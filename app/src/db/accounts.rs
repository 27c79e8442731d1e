//! Accounts: creation with Argon2id password hashes, sign-in checks with lockout.
use super::Pool;
use crate::domain::accounts::{self, AccountError, Role};
use crate::domain::paging::Page;
use crate::model::accounts::{AccountRow, SessionUser, SignUpKind};
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
    #[error("the current password is wrong")]
    WrongPassword,
    #[error("the credit code is already registered")]
    CreditCodeTaken,
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
    /// Signed in: the user's id, role and password stamp (sessions carry it; a
    /// password change ends every session with an older stamp).
    Ok { user_id: i64, role: Role, stamp: i64 },
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
    let row: Option<(i64, String, String, String, i64, Option<i64>, i64)> = sqlx::query_as(
        "SELECT id, password_hash, role, status, failed_sign_ins, locked_until, password_changed_at FROM users WHERE username = $1",
    )
    .bind(&username)
    .fetch_optional(pool)
    .await?;
    let Some((id, hash, role, status, failures, locked_until, stamp)) = row else {
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
    Ok(SignIn::Ok { user_id: id, role: Role::parse(&role).unwrap_or(Role::Owner), stamp })
}

/// The signed-in user behind a session, if the account is still active and its
/// password has not changed since the session began.
pub async fn session_user(pool: &Pool, user_id: i64, stamp: i64) -> Result<Option<SessionUser>, sqlx::Error> {
    type Row = (i64, String, String, String, Option<i64>, Option<i64>, Option<String>, Option<String>, i64);
    let row: Option<Row> = sqlx::query_as(
        "SELECT id, username, display_name, role, firm_id, owner_id, region_code, industry_code, \
         CASE WHEN oidc_subject IS NULL THEN 0 ELSE 1 END FROM users \
         WHERE id = $1 AND password_changed_at = $2 AND status = 'active'",
    )
    .bind(user_id)
    .bind(stamp)
    .fetch_optional(pool)
    .await?;
    Ok(row.and_then(|(id, username, display_name, role, firm_id, owner_id, region_code, industry_code, external)| {
        Some(SessionUser {
            id,
            username,
            display_name,
            role: Role::parse(&role)?,
            firm_id,
            owner_id,
            region_code,
            industry_code,
            unified_identity: external != 0,
        })
    }))
}

/// Changes a password after checking the current one; returns the new stamp.
pub async fn change_password(pool: &Pool, user_id: i64, current: &str, new: &str, now_ms: i64) -> Result<i64, AccountsError> {
    let (username, hash, old_stamp): (String, String, i64) =
        sqlx::query_as("SELECT username, password_hash, password_changed_at FROM users WHERE id = $1").bind(user_id).fetch_one(pool).await?;
    if !verify_password(current, &hash) {
        return Err(AccountsError::WrongPassword);
    }
    accounts::check_password(new, &username).map_err(AccountsError::Rule)?;
    let stamp = now_ms.max(old_stamp + 1);
    sqlx::query("UPDATE users SET password_hash = $1, password_changed_at = $2 WHERE id = $3")
        .bind(hash_password(new)?)
        .bind(stamp)
        .bind(user_id)
        .execute(pool)
        .await?;
    Ok(stamp)
}

/// A firm or project owner signs up: its organisation and its first account, together.
/// A firm starts as a draft (入驻 continues in the registration wizard).
pub async fn sign_up(
    pool: &Pool,
    kind: SignUpKind,
    organisation: &str,
    credit_code: &str,
    username: &str,
    password: &str,
    now_ms: i64,
) -> Result<SessionUserStamp, AccountsError> {
    let username = accounts::normalize_username(username).map_err(AccountsError::Rule)?;
    accounts::check_password(password, &username).map_err(AccountsError::Rule)?;
    let hash = hash_password(password)?;
    let mut tx = crate::db::begin_write_on(&pool).await?;
    let taken: Option<(i64,)> = sqlx::query_as("SELECT id FROM users WHERE username = $1").bind(&username).fetch_optional(&mut *tx).await?;
    if taken.is_some() {
        return Err(AccountsError::UsernameTaken);
    }
    let (table, role) = match kind {
        SignUpKind::Firm => ("firms", Role::Firm),
        _ => ("owners", Role::Owner),
    };
    let existing: Option<(i64,)> =
        sqlx::query_as(&format!("SELECT id FROM {table} WHERE credit_code = $1")).bind(credit_code).fetch_optional(&mut *tx).await?;
    if existing.is_some() {
        return Err(AccountsError::CreditCodeTaken);
    }
    let org_id: (i64,) = match kind {
        SignUpKind::Firm => {
            sqlx::query_as(
                "INSERT INTO firms (name, credit_code, region_code, address, legal_rep, contact_name, contact_phone, status, \
                 registered_at, updated_at) VALUES ($1, $2, $3, '', '', '', '', 'draft', $4, $4) RETURNING id",
            )
            .bind(organisation)
            .bind(credit_code)
            .bind(crate::domain::region::PROVINCE)
            .bind(now_ms)
            .fetch_one(&mut *tx)
            .await?
        }
        SignUpKind::OwnerCompany | SignUpKind::OwnerPublicBody => {
            sqlx::query_as("INSERT INTO owners (name, credit_code, kind, region_code, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id")
                .bind(organisation)
                .bind(credit_code)
                .bind(if kind == SignUpKind::OwnerCompany { "company" } else { "public_body" })
                .bind(crate::domain::region::PROVINCE)
                .bind(now_ms)
                .fetch_one(&mut *tx)
                .await?
        }
    };
    let (firm_id, owner_id) = if role == Role::Firm { (Some(org_id.0), None) } else { (None, Some(org_id.0)) };
    let (id,): (i64,) = sqlx::query_as(
        "INSERT INTO users (username, password_hash, role, display_name, firm_id, owner_id, password_changed_at, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $7) RETURNING id",
    )
    .bind(&username)
    .bind(&hash)
    .bind(role.as_str())
    .bind(organisation)
    .bind(firm_id)
    .bind(owner_id)
    .bind(now_ms)
    .fetch_one(&mut *tx)
    .await
    .map_err(|e| match &e {
        sqlx::Error::Database(d) if d.is_unique_violation() => AccountsError::UsernameTaken,
        _ => AccountsError::Db(e),
    })?;
    tx.commit().await?;
    Ok(SessionUserStamp { user_id: id, stamp: now_ms })
}

/// What a session stores: the user and the password stamp it was opened with.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SessionUserStamp {
    pub user_id: i64,
    pub stamp: i64,
}

/// One page of accounts for the administrator, newest first.
pub async fn list(pool: &Pool, page: u32, per_page: u32) -> Result<Page<AccountRow>, sqlx::Error> {
    let (total,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM users").fetch_one(pool).await?;
    let rows: Vec<(i64, String, String, String, Option<String>, Option<String>, Option<String>, String, Option<i64>, i64)> =
        sqlx::query_as(
            "SELECT u.id, u.username, u.display_name, u.role, r.name, i.name, COALESCE(f.name, o.name), u.status, \
             u.locked_until, u.created_at FROM users u \
             LEFT JOIN regions r ON r.code = u.region_code LEFT JOIN industries i ON i.code = u.industry_code \
             LEFT JOIN firms f ON f.id = u.firm_id LEFT JOIN owners o ON o.id = u.owner_id \
             ORDER BY u.id DESC LIMIT $1 OFFSET $2",
        )
        .bind(per_page as i64)
        .bind(crate::domain::paging::offset(page, per_page))
        .fetch_all(pool)
        .await?;
    let items = rows
        .into_iter()
        .map(|(id, username, display_name, role, region_name, industry_name, organisation, status, locked_until, created_at)| AccountRow {
            id,
            username,
            display_name,
            role: Role::parse(&role).unwrap_or(Role::Owner),
            region_name,
            industry_name,
            organisation,
            status,
            locked_until,
            created_at,
        })
        .collect();
    Ok(Page { items, page: page.max(1), per_page, total: total as u64 })
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

        assert_eq!(sign_in(pool, "ROOT", "Zhongjie-2026!", TEST_NOW_MS).await.unwrap(), SignIn::Ok { user_id: id, role: Role::Admin, stamp: TEST_NOW_MS });
        assert_eq!(sign_in(pool, "nobody", "Zhongjie-2026!", TEST_NOW_MS).await.unwrap(), SignIn::Rejected);
        for _ in 0..4 {
            assert_eq!(sign_in(pool, "root", "wrong-password-1", TEST_NOW_MS).await.unwrap(), SignIn::Rejected);
        }
        // the fifth failure locks; even the right password is refused while locked
        assert_eq!(sign_in(pool, "root", "wrong-password-1", TEST_NOW_MS).await.unwrap(), SignIn::Locked { until: TEST_NOW_MS + LOCK_MS });
        assert_eq!(sign_in(pool, "root", "Zhongjie-2026!", TEST_NOW_MS + 60_000).await.unwrap(), SignIn::Locked { until: TEST_NOW_MS + LOCK_MS });
        // after the lock the right password works and resets the count
        assert_eq!(sign_in(pool, "root", "Zhongjie-2026!", TEST_NOW_MS + LOCK_MS).await.unwrap(), SignIn::Ok { user_id: id, role: Role::Admin, stamp: TEST_NOW_MS });
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
