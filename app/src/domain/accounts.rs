//! Account rules: roles, usernames, password policy, sign-in lockout. Pure.
use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Role {
    /// Creates staff accounts; the first one comes from the CLI, never a default password.
    Admin,
    /// 超市运维机构: reviews registrations, manages firms, notices.
    Operator,
    /// 行业主管部门: scoped to an industry and a region.
    Regulator,
    /// 领导 / 监察: scoped to a region.
    Leader,
    /// 中介服务机构 user.
    Firm,
    /// 项目业主 user.
    Owner,
}

impl Role {
    pub const ALL: [Role; 6] = [Role::Admin, Role::Operator, Role::Regulator, Role::Leader, Role::Firm, Role::Owner];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Operator => "operator",
            Role::Regulator => "regulator",
            Role::Leader => "leader",
            Role::Firm => "firm",
            Role::Owner => "owner",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s)
    }

    /// Roles people may sign up for themselves; the others are created by an administrator.
    pub fn self_service(self) -> bool {
        matches!(self, Role::Firm | Role::Owner)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum AccountError {
    UsernameLength,
    UsernameCharacters,
    PasswordTooShort,
    PasswordTooLong,
    PasswordTooSimple,
    PasswordContainsUsername,
}

impl AccountError {
    pub fn message_key(self) -> &'static str {
        match self {
            Self::UsernameLength => "account.username_length",
            Self::UsernameCharacters => "account.username_characters",
            Self::PasswordTooShort => "account.password_too_short",
            Self::PasswordTooLong => "account.password_too_long",
            Self::PasswordTooSimple => "account.password_too_simple",
            Self::PasswordContainsUsername => "account.password_contains_username",
        }
    }
}

pub const PASSWORD_MIN_CHARS: usize = 10;
pub const PASSWORD_MAX_CHARS: usize = 128;

/// 3–32 characters: ASCII letters, digits, `.`, `_`, `-`; case-insensitive (stored lower-case).
pub fn normalize_username(input: &str) -> Result<String, AccountError> {
    let u = input.trim().to_ascii_lowercase();
    if !(3..=32).contains(&u.chars().count()) {
        return Err(AccountError::UsernameLength);
    }
    if !u.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-')) {
        return Err(AccountError::UsernameCharacters);
    }
    Ok(u)
}

/// At least 10 characters from at least two of: letters, digits, other characters;
/// not the username; not one repeated character.
pub fn check_password(password: &str, username: &str) -> Result<(), AccountError> {
    let n = password.chars().count();
    if n < PASSWORD_MIN_CHARS {
        return Err(AccountError::PasswordTooShort);
    }
    if n > PASSWORD_MAX_CHARS {
        return Err(AccountError::PasswordTooLong);
    }
    let classes = [
        password.chars().any(|c| c.is_alphabetic()),
        password.chars().any(|c| c.is_ascii_digit()),
        password.chars().any(|c| !c.is_alphanumeric()),
    ];
    let first = password.chars().next();
    if classes.iter().filter(|x| **x).count() < 2 || password.chars().all(|c| Some(c) == first) {
        return Err(AccountError::PasswordTooSimple);
    }
    if !username.is_empty() && password.to_lowercase().contains(&username.to_lowercase()) {
        return Err(AccountError::PasswordContainsUsername);
    }
    Ok(())
}

/// Failed sign-ins allowed before the account locks.
pub const MAX_FAILED_SIGN_INS: i64 = 5;
/// Lock length after the limit; doubles with every further failure, at most a day.
pub const LOCK_MS: i64 = 15 * 60_000;

/// After a failed sign-in (the `failures`-th in a row) at `now`: until when the account is locked.
pub fn lock_after_failure(failures: i64, now_ms: i64) -> Option<i64> {
    if failures < MAX_FAILED_SIGN_INS {
        return None;
    }
    let extra = (failures - MAX_FAILED_SIGN_INS).min(10) as u32;
    Some(now_ms + (LOCK_MS << extra).min(24 * 3_600_000))
}

/// Whether a sign-in may be attempted at `now`.
pub fn is_locked(locked_until: Option<i64>, now_ms: i64) -> bool {
    locked_until.is_some_and(|t| now_ms < t)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames() {
        assert_eq!(normalize_username("  Zhang.San_01 "), Ok("zhang.san_01".into()));
        assert_eq!(normalize_username("ab"), Err(AccountError::UsernameLength));
        assert_eq!(normalize_username(&"a".repeat(33)), Err(AccountError::UsernameLength));
        assert_eq!(normalize_username("张三丰"), Err(AccountError::UsernameCharacters));
        assert_eq!(normalize_username("a b c"), Err(AccountError::UsernameCharacters));
    }

    #[test]
    fn password_policy() {
        assert_eq!(check_password("short1", "u"), Err(AccountError::PasswordTooShort));
        assert_eq!(check_password("abcdefghijk", "u"), Err(AccountError::PasswordTooSimple));
        assert_eq!(check_password("12345678901", "u"), Err(AccountError::PasswordTooSimple));
        assert_eq!(check_password("zhangsan2026!", "zhangsan"), Err(AccountError::PasswordContainsUsername));
        assert_eq!(check_password(&"a1".repeat(65), "u"), Err(AccountError::PasswordTooLong));
        assert_eq!(check_password("中介超市安全口令2026", "u"), Ok(()));
        assert_eq!(check_password("correct horse 7", "zhangsan"), Ok(()));
    }

    #[test]
    fn lockout_grows_and_expires() {
        let now = 1_000_000;
        assert_eq!(lock_after_failure(4, now), None);
        assert_eq!(lock_after_failure(5, now), Some(now + LOCK_MS));
        assert_eq!(lock_after_failure(6, now), Some(now + 2 * LOCK_MS));
        assert_eq!(lock_after_failure(50, now), Some(now + 24 * 3_600_000));
        assert!(is_locked(Some(now + 1), now));
        assert!(!is_locked(Some(now), now));
        assert!(!is_locked(None, now));
    }

    #[test]
    fn only_firms_and_owners_sign_up_themselves() {
        let self_service: Vec<Role> = Role::ALL.into_iter().filter(|r| r.self_service()).collect();
        assert_eq!(self_service, vec![Role::Firm, Role::Owner]);
        for r in Role::ALL {
            assert_eq!(Role::parse(r.as_str()), Some(r));
        }
    }
}
