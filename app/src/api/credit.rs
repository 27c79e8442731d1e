//! Credit archive (中介信用库): public lookup and archive, the regulator's
//! rewards/penalties, red/black list entries and CSV import, contract flags.
//! Thin: authorise, validate, call `db::credit` (formula in `domain::credit`).
//!
//! Writes are the regulator's, on firms in its scope (`db::credit` module doc:
//! firm region within the regulator's region and the regulator's industry among
//! the firm's service items).
use crate::error::AppError;
use crate::model::credit::*;
use leptos::prelude::*;

/// The header row of a credit CSV import (db::credit::CSV_COLUMNS joined).
pub const CSV_HEADER: &str = "credit_code,kind,title,points,decided_on,valid_to,document_no";

/// At most this many lookup hits.
pub const LOOKUP_LIMIT: i64 = 50;

#[cfg(feature = "ssr")]
mod server {
    use super::super::ctx::{check, fail};
    use crate::error::AppError;
    use crate::model::accounts::SessionUser;
    use crate::state::AppState;

    /// A firm by credit code that the regulator reaches (404 unknown, 403 out of scope).
    pub async fn firm_in_scope(st: &AppState, user: &SessionUser, credit_code: &str) -> Result<i64, AppError> {
        let mut conn = check(st.pool.acquire().await)?;
        let id = check(crate::db::credit::firm_by_code(&mut conn, credit_code).await)?
            .ok_or_else(|| fail(AppError::invalid("credit_code", "credit.firm_unknown")))?;
        if !check(crate::db::credit::firm_in_scope(&mut conn, &user.scope(), id).await)? {
            return Err(fail(AppError::Forbidden));
        }
        Ok(id)
    }

    pub fn text(field: &str, key: &str, s: &str, min: usize, max: usize) -> Result<String, AppError> {
        let t = s.trim();
        if (min..=max).contains(&t.chars().count()) {
            Ok(t.to_string())
        } else {
            Err(fail(AppError::invalid(field, key)))
        }
    }

    pub fn date(field: &str, s: &str) -> Result<String, AppError> {
        let t = s.trim();
        crate::domain::time::parse_date(t).ok_or_else(|| fail(AppError::invalid(field, "credit.date_invalid")))?;
        Ok(t.to_string())
    }
}

/// Public lookup by credit code or (part of) the name.
#[server(prefix = "/api", endpoint = "credit/lookup")]
pub async fn credit_lookup(q: String) -> Result<Vec<CreditHit>, AppError> {
    use super::ctx::{authorize, check, fail, state};
    authorize("credit/lookup").await?;
    let st = state()?;
    let q = q.trim();
    if q.chars().count() < 2 || q.chars().count() > 60 {
        return Err(fail(AppError::invalid("q", "credit.query_invalid")));
    }
    check(crate::db::credit::lookup(&st.pool, q, st.now_ms(), LOOKUP_LIMIT).await)
}

/// The public credit archive of one firm, with the score breakdown.
#[server(prefix = "/api", endpoint = "credit/archive")]
pub async fn get_credit_archive(credit_code: String) -> Result<CreditArchive, AppError> {
    use super::ctx::{authorize, check, fail, state};
    authorize("credit/archive").await?;
    let st = state()?;
    check(crate::db::credit::archive(&st, &credit_code, st.now_ms()).await)?.ok_or_else(|| fail(AppError::NotFound))
}

/// Rows per page of the public credit list (`/credit-records`).
pub const CREDIT_RECORDS_PER_PAGE: u32 = 20;

/// The public list of credit records and red/black list entries (信用记录公示),
/// newest first, with the filters of `/credit-records`.
#[server(prefix = "/api", endpoint = "credit/records")]
pub async fn list_credit_records(#[server(default)] query: CreditRecordQuery) -> Result<crate::domain::paging::Page<PublicCreditRow>, AppError> {
    use super::ctx::{authorize, check, fail, state};
    authorize("credit/records").await?;
    let st = state()?;
    let query = query.validate().map_err(fail)?;
    check(crate::db::credit::public_list(&st.pool, &query, CREDIT_RECORDS_PER_PAGE, st.now_ms()).await)
}

/// The regulator's credit page: records and list entries in scope, flagged contracts.
#[server(prefix = "/api", endpoint = "credit/regulator")]
pub async fn get_regulator_credit() -> Result<RegulatorCredit, AppError> {
    use super::ctx::{authorize_user, check, state};
    let user = authorize_user("credit/regulator").await?;
    let st = state()?;
    check(crate::db::credit::regulator_view(&st.pool, &user.scope(), st.now_ms()).await)
}

/// Records a reward (奖励) or penalty (惩戒) for a firm in scope; returns the new score.
#[server(prefix = "/api", endpoint = "credit/add_record")]
pub async fn add_credit_record(
    credit_code: String,
    kind: String,
    title: String,
    points: String,
    decided_on: String,
    valid_to: String,
    document_no: String,
) -> Result<i64, AppError> {
    use super::ctx::{authorize_user, check, fail, state};
    let user = authorize_user("credit/add_record").await?;
    let st = state()?;
    let firm_id = server::firm_in_scope(&st, &user, &credit_code).await?;
    let (kind, title, points, decided_on, valid_to, document_no) =
        crate::db::credit::validate_record(&kind, &title, &points, &decided_on, &valid_to, &document_no).map_err(fail)?;
    let r = crate::db::credit::NewRecord { firm_id, kind, title, points, decided_on, valid_to, document_no };
    Ok(check(crate::db::credit::add_record(&st, &r, user.id, st.now_ms()).await)?.total)
}

/// Enters a firm in scope on the red list (红名单) or blacklist (黑名单).
#[server(prefix = "/api", endpoint = "credit/add_list_entry")]
pub async fn add_list_entry(credit_code: String, list: String, reason: String, valid_from: String, valid_to: String) -> Result<(), AppError> {
    use super::ctx::{authorize_user, check, fail, state};
    let user = authorize_user("credit/add_list_entry").await?;
    let st = state()?;
    let firm_id = server::firm_in_scope(&st, &user, &credit_code).await?;
    let list = match list.trim() {
        "red" => "red",
        "black" => "black",
        _ => return Err(fail(AppError::invalid("list", "credit.list_invalid"))),
    };
    let reason = server::text("reason", "credit.reason_invalid", &reason, 5, 500)?;
    let valid_from = server::date("valid_from", &valid_from)?;
    let valid_to = match valid_to.trim() {
        "" => None,
        t => {
            let t = server::date("valid_to", t)?;
            if t < valid_from {
                return Err(fail(AppError::invalid("valid_to", "credit.valid_to_before")));
            }
            Some(t)
        }
    };
    check(crate::db::credit::add_list_entry(&st, firm_id, list, &reason, &valid_from, valid_to.as_deref(), user.id, st.now_ms()).await)?;
    Ok(())
}

/// Revokes a list entry of a firm in scope, with a reason.
#[server(prefix = "/api", endpoint = "credit/revoke_list_entry")]
pub async fn revoke_list_entry(id: i64, reason: String) -> Result<(), AppError> {
    use super::ctx::{authorize_user, check, fail, state};
    let user = authorize_user("credit/revoke_list_entry").await?;
    let st = state()?;
    let firm = check(crate::db::credit::open_entry_firm(&st.pool, id).await)?.ok_or_else(|| fail(AppError::NotFound))?;
    let mut conn = check(st.pool.acquire().await)?;
    if !check(crate::db::credit::firm_in_scope(&mut conn, &user.scope(), firm).await)? {
        return Err(fail(AppError::Forbidden));
    }
    drop(conn);
    let reason = server::text("revoke_reason", "credit.reason_invalid", &reason, 5, 500)?;
    if !check(crate::db::credit::revoke_list_entry(&st, id, &reason, st.now_ms()).await)? {
        return Err(fail(AppError::invalid("id", "credit.already_revoked")));
    }
    Ok(())
}

/// Imports rewards and penalties from CSV text (all rows or none; errors name row and column).
#[server(prefix = "/api", endpoint = "credit/import")]
pub async fn import_credit_csv(csv: String) -> Result<ImportReport, AppError> {
    use super::ctx::{authorize_user, fail, state};
    let user = authorize_user("credit/import").await?;
    let st = state()?;
    if csv.len() > 1_000_000 {
        return Err(fail(AppError::invalid("csv", "credit.csv_too_large")));
    }
    crate::db::credit::import_csv(&st, &user.scope(), &csv, user.id, st.now_ms()).await.map_err(fail)
}

/// The flag on a contract whose firm is blacklisted or expelled (None: no flag),
/// for anyone who may see the contract.
#[server(prefix = "/api", endpoint = "credit/contract_flag")]
pub async fn contract_flag(code: String) -> Result<Option<FlaggedContract>, AppError> {
    use super::ctx::{authorize_user, check};
    let user = authorize_user("credit/contract_flag").await?;
    let (st, c, _) = super::contracts::server::contract(&user, &code).await?;
    check(crate::db::credit::contract_flag(&st.pool, c.id, st.now_ms()).await)
}
