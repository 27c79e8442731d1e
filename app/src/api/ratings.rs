//! Evaluation (综合评价) and star level (星级) server functions: the owner rates
//! a completed contract (four dimensions and each key staff member), the firm
//! replies once, the public reads a firm's ratings, star calculation and
//! regulator actions; the regulator acts on automatic downgrade proposals
//! (dismiss, downgrade, suspend, expel — the regulator decides, the system
//! executes at once) and decides the firm's one appeal.
use crate::error::AppError;
use crate::model::ratings::{FirmRatingsData, RatingInput, RatingPanelData, SanctionsDesk};
use leptos::prelude::*;

/// Ratings per page on the firm profile.
pub const PER_PAGE: u32 = 10;

#[cfg(feature = "ssr")]
pub(crate) mod server {
    use super::super::ctx::fail;
    use crate::error::AppError;

    /// A score 1–5 from text, or a field error.
    pub fn score(field: &str, s: &str) -> Result<i64, AppError> {
        match s.trim().parse::<i64>() {
            Ok(v) if (1..=5).contains(&v) => Ok(v),
            _ => Err(fail(AppError::invalid(field, "ratings.error_score"))),
        }
    }

    /// Optional text up to `max` characters (empty → None).
    pub fn optional(field: &str, s: &str, max: usize) -> Result<Option<String>, AppError> {
        let t = s.trim();
        if t.is_empty() {
            return Ok(None);
        }
        if t.chars().count() > max || t.chars().any(|c| c.is_control() && c != '\n' && c != '\r') {
            return Err(fail(AppError::invalid(field, "ratings.error_comment")));
        }
        Ok(Some(t.to_string()))
    }

    /// Required text between `min` and `max` characters.
    pub fn required(field: &str, key: &str, s: &str, min: usize, max: usize) -> Result<String, AppError> {
        crate::api::payments::server::text(field, key, s, min, max)
    }

    /// A validated action: `kind` is already one of the four; the reason is
    /// required, a downgrade needs a cap of 1–4 stars, a downgrade or
    /// suspension needs its last day.
    pub fn action(kind: String, reason: &str, star_cap: &str, until: &str, now: i64) -> Result<crate::db::ratings::Action, AppError> {
        let reason = required("reason", "ratings.error_reason", reason, 5, 500)?;
        let today = crate::domain::time::date_shanghai(now);
        let star_cap = if kind == "downgrade" {
            match star_cap.trim().parse::<i64>() {
                Ok(v) if (1..=4).contains(&v) => Some(v),
                _ => return Err(fail(AppError::invalid("star_cap", "ratings.error_cap"))),
            }
        } else {
            None
        };
        let until = if matches!(kind.as_str(), "downgrade" | "suspend") { Some(self::until("until", until, &today)?) } else { None };
        Ok(crate::db::ratings::Action { kind, reason, star_cap, until })
    }

    /// A date `YYYY-MM-DD` after `today` and within two years, or a field error.
    pub fn until(field: &str, s: &str, today: &str) -> Result<String, AppError> {
        let t = s.trim();
        let ok = t.len() == 10 && crate::domain::time::parse_date(t).is_some() && t > today && {
            let y: i32 = today[..4].parse().unwrap_or(0);
            t <= format!("{}{}", y + 2, &today[4..]).as_str()
        };
        if ok {
            Ok(t.to_string())
        } else {
            Err(fail(AppError::invalid(field, "ratings.error_until")))
        }
    }
}

/// The rating panel of a contract: its rating (if any) and what the caller may do.
#[server(prefix = "/api", endpoint = "ratings/panel")]
pub async fn get_rating_panel(code: String) -> Result<RatingPanelData, AppError> {
    use super::ctx::{authorize_user, check, state};
    use crate::domain::contract::Party;
    let user = authorize_user("ratings/panel").await?;
    let st = state()?;
    let (c, access) = super::payments::server::contract(&st, &user, &code).await?;
    let rating = check(crate::db::ratings::for_contract(&st.pool, c.id).await)?;
    let completed = c.status == "completed";
    let staff = if completed && rating.is_none() { check(crate::db::ratings::staff_options(&st.pool, c.firm_id).await)? } else { vec![] };
    let firm_credit_code: String = check(sqlx::query_scalar("SELECT credit_code FROM firms WHERE id = $1").bind(c.firm_id).fetch_one(&st.pool).await)?;
    Ok(RatingPanelData {
        code: c.code.clone(),
        firm_credit_code,
        may_rate: completed && rating.is_none() && access.party() == Some(Party::Owner),
        may_reply: rating.as_ref().is_some_and(|r| r.reply.is_none()) && access.party() == Some(Party::Firm),
        staff,
        rating,
    })
}

/// The owner rates a completed contract (once): four dimensions 1–5, every key
/// staff member 1–5, optional comments. Recomputes the firm's star level.
#[server(prefix = "/api", endpoint = "ratings/rate")]
pub async fn rate_contract(input: RatingInput) -> Result<(), AppError> {
    use super::ctx::{authorize_user, check, fail, state};
    use crate::domain::contract::Party;
    let user = authorize_user("ratings/rate").await?;
    let st = state()?;
    let c = super::payments::server::as_party(&st, &user, &input.code, Party::Owner).await?;
    if c.status != "completed" {
        return Err(fail(AppError::invalid("code", "ratings.error_not_completed")));
    }
    let staff = check(crate::db::ratings::staff_options(&st.pool, c.firm_id).await)?;
    let mut scored = Vec::new();
    for s in &staff {
        let given = input.staff.iter().find(|i| i.staff_id == s.id);
        let field = format!("staff_{}", s.id);
        let score = server::score(&field, given.map(|g| g.score.as_str()).unwrap_or(""))?;
        let comment = server::optional(&field, given.map(|g| g.comment.as_str()).unwrap_or(""), 200)?;
        scored.push((s.id, score, comment));
    }
    if input.staff.iter().any(|i| !staff.iter().any(|s| s.id == i.staff_id)) {
        return Err(fail(AppError::invalid("staff", "ratings.error_staff")));
    }
    let r = crate::db::ratings::NewRating {
        timeliness: server::score("timeliness", &input.timeliness)?,
        quality: server::score("quality", &input.quality)?,
        attitude: server::score("attitude", &input.attitude)?,
        fee_compliance: server::score("fee_compliance", &input.fee_compliance)?,
        comment: server::optional("comment", &input.comment, 500)?,
        staff: scored,
    };
    if !check(crate::db::ratings::rate(&st, c.id, user.id, &r, st.now_ms()).await)? {
        return Err(fail(AppError::invalid("code", "ratings.error_already_rated")));
    }
    crate::db::contracts::notify(&st, &c.code, "rated").await;
    Ok(())
}

/// The firm publishes its one reply to the rating of its contract.
#[server(prefix = "/api", endpoint = "ratings/reply")]
pub async fn reply_to_rating(code: String, reply: String) -> Result<(), AppError> {
    use super::ctx::{authorize_user, check, fail, state};
    use crate::domain::contract::Party;
    let user = authorize_user("ratings/reply").await?;
    let st = state()?;
    let c = super::payments::server::as_party(&st, &user, &code, Party::Firm).await?;
    let text = server::required("reply", "ratings.error_reply", &reply, 2, 500)?;
    let rating = check(crate::db::ratings::for_contract(&st.pool, c.id).await)?.ok_or_else(|| fail(AppError::invalid("reply", "ratings.error_no_rating")))?;
    if !check(crate::db::ratings::reply(&st, rating.id, c.firm_id, user.id, &text, st.now_ms()).await)? {
        return Err(fail(AppError::invalid("reply", "ratings.error_already_replied")));
    }
    crate::db::contracts::notify(&st, &c.code, "replied").await;
    Ok(())
}

/// A firm's public evaluation: star calculation with the formula, ratings (one page), actions.
#[server(prefix = "/api", endpoint = "ratings/firm")]
pub async fn get_firm_ratings(credit_code: String, page: u32) -> Result<FirmRatingsData, AppError> {
    use super::ctx::{authorize, check, fail, state};
    let user = authorize("ratings/firm").await?;
    let st = state()?;
    let firm_id = check(crate::db::ratings::firm_id(&st.pool, credit_code.trim()).await)?.ok_or_else(|| fail(AppError::NotFound))?;
    let now = st.now_ms();
    Ok(FirmRatingsData {
        credit_code: credit_code.trim().to_string(),
        calc: check(crate::db::ratings::calculation(&st.pool, firm_id, now).await)?,
        formula: crate::domain::star::FORMULA_ZH.iter().map(|s| s.to_string()).collect(),
        now_ms: now,
        ratings: check(crate::db::ratings::for_firm(&st.pool, firm_id, page.max(1), PER_PAGE).await)?,
        sanctions: check(crate::db::ratings::sanctions_of(&st.pool, firm_id).await)?,
        own_firm: user.is_some_and(|u| u.role == crate::domain::accounts::Role::Firm && u.firm_id == Some(firm_id)),
    })
}

/// The firm appeals an action against it (once).
#[server(prefix = "/api", endpoint = "ratings/appeal")]
pub async fn appeal_sanction(id: i64, appeal: String) -> Result<(), AppError> {
    use super::ctx::{authorize_user, check, fail, state};
    let user = authorize_user("ratings/appeal").await?;
    let st = state()?;
    let (firm_id, _, _) = check(crate::db::ratings::sanction(&st.pool, id).await)?.ok_or_else(|| fail(AppError::NotFound))?;
    if user.firm_id != Some(firm_id) {
        return Err(fail(AppError::NotFound));
    }
    let text = server::required("appeal", "ratings.error_appeal", &appeal, 10, 1000)?;
    if !check(crate::db::ratings::appeal(&st, id, firm_id, &text, st.now_ms()).await)? {
        return Err(fail(AppError::invalid("appeal", "ratings.error_already_appealed")));
    }
    Ok(())
}

/// The regulator's desk: proposals and actions in its scope.
#[server(prefix = "/api", endpoint = "ratings/desk")]
pub async fn get_sanctions_desk() -> Result<SanctionsDesk, AppError> {
    use super::ctx::{authorize_user, check, state};
    let user = authorize_user("ratings/desk").await?;
    let st = state()?;
    let (props, sanctions) = check(crate::db::ratings::desk_rows(&st.pool).await)?;
    let scope = user.scope();
    Ok(SanctionsDesk {
        proposals: props.into_iter().filter(|(r, i, _)| scope.reaches(r, Some(i))).map(|(_, _, p)| p).collect(),
        sanctions: sanctions.into_iter().filter(|(r, i, _)| scope.reaches(r, Some(i))).map(|(_, _, s)| s).collect(),
        today: crate::domain::time::date_shanghai(st.now_ms()),
        can_act: user.role == crate::domain::accounts::Role::Regulator,
    })
}

/// The regulator acts on an open proposal in its scope: `dismiss`, `downgrade`
/// (star level capped at `star_cap` until `until`), `suspend` (until `until`) or `expel`, with a reason.
#[server(prefix = "/api", endpoint = "ratings/act")]
pub async fn act_on_proposal(id: i64, kind: String, reason: String, star_cap: String, until: String) -> Result<(), AppError> {
    use super::ctx::{authorize_user, check, fail, state};
    let user = authorize_user("ratings/act").await?;
    let st = state()?;
    let (_, region, industry, status) = check(crate::db::ratings::proposal(&st.pool, id).await)?.ok_or_else(|| fail(AppError::NotFound))?;
    if !user.scope().reaches(&region, Some(&industry)) {
        return Err(fail(AppError::NotFound));
    }
    if status != "open" {
        return Err(fail(AppError::invalid("kind", "ratings.error_decided")));
    }
    if !matches!(kind.as_str(), "dismiss" | "downgrade" | "suspend" | "expel") {
        return Err(fail(AppError::invalid("kind", "ratings.error_kind")));
    }
    let now = st.now_ms();
    let a = server::action(kind, &reason, &star_cap, &until, now)?;
    if !check(crate::db::ratings::act(&st, id, user.id, &a, now).await)? {
        return Err(fail(AppError::invalid("kind", "ratings.error_decided")));
    }
    Ok(())
}

/// The regulator acts on a firm in its scope (its region, a service item of
/// its industry) without a proposal: `downgrade`, `suspend` or `expel`.
#[server(prefix = "/api", endpoint = "ratings/sanction")]
pub async fn sanction_firm(credit_code: String, kind: String, reason: String, star_cap: String, until: String) -> Result<(), AppError> {
    use super::ctx::{authorize_user, check, fail, state};
    let user = authorize_user("ratings/sanction").await?;
    let st = state()?;
    let code = credit_code.trim().to_uppercase();
    let firm_id = match check(crate::db::ratings::firm_id(&st.pool, &code).await)? {
        Some(id) if code.len() == 18 => id,
        _ => return Err(fail(AppError::invalid("credit_code", "ratings.error_firm"))),
    };
    let mut conn = check(st.pool.acquire().await)?;
    if !check(crate::db::credit::firm_in_scope(&mut conn, &user.scope(), firm_id).await)? {
        return Err(fail(AppError::invalid("credit_code", "ratings.error_firm")));
    }
    drop(conn);
    if !matches!(kind.as_str(), "downgrade" | "suspend" | "expel") {
        return Err(fail(AppError::invalid("kind", "ratings.error_kind")));
    }
    let now = st.now_ms();
    let a = server::action(kind, &reason, &star_cap, &until, now)?;
    let industry = user.industry_code.clone().unwrap_or_default();
    check(crate::db::ratings::sanction_directly(&st, firm_id, &industry, user.id, &a, now).await)?;
    Ok(())
}

/// The regulator decides a pending appeal in its scope: `upheld` revokes the action.
#[server(prefix = "/api", endpoint = "ratings/decide_appeal")]
pub async fn decide_appeal(id: i64, upheld: bool, decision: String) -> Result<(), AppError> {
    use super::ctx::{authorize_user, check, fail, state};
    let user = authorize_user("ratings/decide_appeal").await?;
    let st = state()?;
    let (_, region, industry) = check(crate::db::ratings::sanction(&st.pool, id).await)?.ok_or_else(|| fail(AppError::NotFound))?;
    if !user.scope().reaches(&region, Some(&industry)) {
        return Err(fail(AppError::NotFound));
    }
    let text = server::required("decision", "ratings.error_reason", &decision, 5, 500)?;
    if !check(crate::db::ratings::decide_appeal(&st, id, upheld, &text, user.id, st.now_ms()).await)? {
        return Err(fail(AppError::invalid("decision", "ratings.error_no_appeal")));
    }
    Ok(())
}
