//! Catalogue maintenance (服务事项清单维护): regulators maintain the items of their
//! industry inside their region; operators and administrators all items. Every
//! create, adjustment and retirement is kept in the item's history.
use crate::domain::paging::Page;
use crate::error::AppError;
use crate::model::catalogue_admin::{ItemEditor, ItemForm, ManageQuery, ManagedItem, SavedItem};
use leptos::prelude::*;

pub const MANAGED_PER_PAGE: u32 = 20;

/// One page of the items the caller may maintain (regulator: its industry within
/// its region; operator / administrator: all), in every state. (`default`: a query
/// with no filter set serialises to nothing, and must still arrive.)
#[server(prefix = "/api", endpoint = "catalogue/manage_list")]
pub async fn list_managed_items(#[server(default)] query: ManageQuery) -> Result<Page<ManagedItem>, AppError> {
    use super::ctx::{authorize_user, check, state};
    let user = authorize_user("catalogue/manage_list").await?;
    let st = state()?;
    let query = check(query.validate())?;
    let today = crate::domain::time::date_shanghai(st.now_ms());
    check(crate::db::catalogue_admin::list(&st.pool, &user.scope(), &query, MANAGED_PER_PAGE, &today).await)
}

/// What the new-item page (`code` empty) or the edit page of an item needs: the
/// item, its history with who saved each version, and the choices in the caller's scope.
#[server(prefix = "/api", endpoint = "catalogue/editor")]
pub async fn get_item_editor(code: Option<String>) -> Result<ItemEditor, AppError> {
    use super::ctx::{authorize_user, check, state};
    use crate::db::catalogue_admin as db;
    use crate::domain::catalogue::state as item_state;
    use crate::model::catalogue_admin::EditableItem;
    let user = authorize_user("catalogue/editor").await?;
    let st = state()?;
    let scope = user.scope();
    let today = crate::domain::time::date_shanghai(st.now_ms());
    let (existing, history) = match crate::model::clean_param(&code) {
        None => (None, Vec::new()),
        Some(code) => {
            let stored = server::reachable(&st.pool, &user, &code).await?;
            let history = check(crate::db::catalogue::history(&st.pool, &stored.item.code, true).await)?;
            let state = item_state(stored.item.dates(), &today);
            (Some(EditableItem { item: stored.item, version: stored.version, state }), history)
        }
    };
    let options = check(db::options(&st.pool, &scope).await)?;
    let next_code = check(db::next_code(&st.pool).await)?;
    Ok(ItemEditor { existing, history, options, next_code, today })
}

/// Creates an item, or adjusts the one named by `item.original_code`. Fields are
/// checked one by one (the first problem is reported next to its field); a
/// regulator may only save items of its industry inside its region.
#[server(prefix = "/api", endpoint = "catalogue/save")]
pub async fn save_service_item(item: ItemForm) -> Result<SavedItem, AppError> {
    use super::ctx::{authorize_user, check, fail, state};
    use crate::db::catalogue_admin::{self as db, WriteError};
    use crate::domain::catalogue::{changed_fields, state as item_state, ItemState};
    let user = authorize_user("catalogue/save").await?;
    let st = state()?;
    let today = crate::domain::time::date_shanghai(st.now_ms());
    // the item being adjusted must be the caller's, and not retired
    let stored = match crate::model::clean_param(&item.original_code) {
        None => None,
        Some(code) => {
            let stored = server::reachable(&st.pool, &user, &code.to_ascii_uppercase()).await?;
            if item_state(stored.item.dates(), &today) == ItemState::Retired {
                return Err(fail(AppError::invalid("form", "catalogue_admin.retired_locked")));
            }
            Some(stored)
        }
    };
    let mut valid = check(item.validate())?;
    if let Some((field, key)) = check(db::reference_problem(&st.pool, &valid.item).await)? {
        return Err(fail(AppError::invalid(field, key)));
    }
    // … and so must be the industry and region it is saved with
    let scope = user.scope();
    if !scope.reaches(&valid.item.region_code, Some(&valid.item.industry_code)) {
        return Err(fail(if scope.reaches(&valid.item.region_code, None) {
            AppError::invalid("industry_code", "catalogue_admin.industry_out_of_scope")
        } else {
            AppError::invalid("region_code", "catalogue_admin.region_out_of_scope")
        }));
    }
    let now = st.now_ms();
    let version = match (stored, valid.adjusting) {
        (Some(stored), Some((_, seen))) => {
            valid.item.retired_on = stored.item.retired_on.clone();
            if seen != stored.version {
                return Err(fail(AppError::invalid("form", "catalogue_admin.stale")));
            }
            if changed_fields(&stored.item, &valid.item).is_empty() {
                return Err(fail(AppError::invalid("form", "catalogue_admin.no_change")));
            }
            db::adjust(&st.pool, stored.id, seen, &valid.item, &valid.reason, user.id, now).await
        }
        _ => db::create(&st.pool, &valid.item, &valid.reason, user.id, now).await,
    }
    .map_err(|e| {
        fail(match e {
            WriteError::CodeTaken => AppError::invalid("code", "catalogue_admin.code_taken"),
            WriteError::Stale => AppError::invalid("form", "catalogue_admin.stale"),
            WriteError::Db(e) => e.into(),
        })
    })?;
    let code = valid.item.code;
    leptos_axum::redirect(&format!("/manage/items/{code}/edit?saved={version}"));
    Ok(SavedItem { code, version })
}

/// Retires an item from `retired_on` (its first day out of force; today or later),
/// with the reason kept in its history. A retirement not yet in effect may be moved.
#[server(prefix = "/api", endpoint = "catalogue/retire")]
pub async fn retire_service_item(code: String, version: String, retired_on: String, retire_reason: String) -> Result<SavedItem, AppError> {
    use super::ctx::{authorize_user, fail, state};
    use crate::db::catalogue_admin::{self as db, WriteError};
    use crate::domain::catalogue::{self as rules, ItemState};
    let user = authorize_user("catalogue/retire").await?;
    let st = state()?;
    let today = crate::domain::time::date_shanghai(st.now_ms());
    let code = code.trim().to_ascii_uppercase();
    if !rules::valid_item_code(&code) {
        return Err(fail(AppError::NotFound));
    }
    let stored = server::reachable(&st.pool, &user, &code).await?;
    if rules::state(stored.item.dates(), &today) == ItemState::Retired {
        return Err(fail(AppError::invalid("form", "catalogue_admin.already_retired")));
    }
    let retired_on = retired_on.trim();
    if !rules::date_ok(retired_on) {
        return Err(fail(AppError::invalid("retired_on", "catalogue_admin.date_invalid")));
    }
    if retired_on < today.as_str() {
        return Err(fail(AppError::invalid("retired_on", "catalogue_admin.retire_in_past")));
    }
    let reason = retire_reason.trim();
    if !rules::length_ok(reason, rules::REASON_CHARS) {
        return Err(fail(AppError::invalid("retire_reason", "catalogue_admin.reason_length")));
    }
    let seen = version.trim().parse::<i64>().ok().filter(|v| *v == stored.version);
    let Some(seen) = seen else { return Err(fail(AppError::invalid("form", "catalogue_admin.stale"))) };
    let version = db::retire(&st.pool, stored.id, seen, retired_on, reason, user.id, st.now_ms()).await.map_err(|e| {
        fail(match e {
            WriteError::Db(e) => e.into(),
            _ => AppError::invalid("form", "catalogue_admin.stale"),
        })
    })?;
    leptos_axum::redirect(&format!("/manage/items/{code}/edit?retired={version}"));
    Ok(SavedItem { code, version })
}

#[cfg(feature = "ssr")]
mod server {
    use crate::api::ctx::fail;
    use crate::db::catalogue_admin::{load, Stored};
    use crate::db::Pool;
    use crate::error::AppError;
    use crate::model::accounts::SessionUser;

    /// The stored item `code` if the user's scope reaches it: unknown → 404,
    /// another industry or region → 403.
    pub async fn reachable(pool: &Pool, user: &SessionUser, code: &str) -> Result<Stored, AppError> {
        let stored = load(pool, code).await.map_err(|e| fail(e.into()))?.ok_or_else(|| fail(AppError::NotFound))?;
        if !user.scope().reaches(&stored.item.region_code, Some(&stored.item.industry_code)) {
            return Err(fail(AppError::Forbidden));
        }
        Ok(stored)
    }
}

#[cfg(all(test, feature = "ssr"))]
#[path = "catalogue_admin_tests.rs"]
mod tests;
