//! Trading (交易): announcements, taking part, selection, publicity, objections.
//! Thin: authorise, load, call `db::trading` (which calls the domain rules).
use crate::domain::paging::Page;
use crate::error::AppError;
use crate::model::trading::*;
use leptos::prelude::*;

pub const ANNOUNCEMENTS_PER_PAGE: u32 = 20;

#[cfg(feature = "ssr")]
pub(crate) mod server {
    use super::super::ctx::{check, fail};
    use crate::db::trading::ProcRow;
    use crate::error::AppError;
    use crate::model::accounts::SessionUser;
    use crate::state::AppState;

    /// A procurement by code (any state), or 404.
    pub async fn proc(st: &AppState, code: &str) -> Result<ProcRow, AppError> {
        check(crate::db::trading::load(&st.pool, code.trim()).await)?.ok_or_else(|| fail(AppError::NotFound))
    }

    /// A procurement the caller's owner organisation owns (404 otherwise, so
    /// other owners' drafts stay invisible).
    pub async fn own_proc(st: &AppState, user: &SessionUser, code: &str) -> Result<ProcRow, AppError> {
        let p = proc(st, code).await?;
        if user.owner_id != Some(p.owner_id) {
            return Err(fail(AppError::NotFound));
        }
        Ok(p)
    }

    /// A public procurement (not a draft) by code.
    pub async fn public_proc(st: &AppState, code: &str) -> Result<ProcRow, AppError> {
        let p = proc(st, code).await?;
        if p.status == "draft" {
            return Err(fail(AppError::NotFound));
        }
        Ok(p)
    }

    pub fn firm_of(user: &SessionUser) -> Result<i64, AppError> {
        user.firm_id.ok_or_else(|| fail(AppError::Forbidden))
    }

    pub fn owner_of(user: &SessionUser) -> Result<i64, AppError> {
        user.owner_id.ok_or_else(|| fail(AppError::Forbidden))
    }

    /// Text between `min` and `max` characters, or a field error.
    pub fn text(field: &str, key: &str, s: &str, min: usize, max: usize) -> Result<String, AppError> {
        let t = s.trim();
        if (min..=max).contains(&t.chars().count()) {
            Ok(t.to_string())
        } else {
            Err(fail(AppError::invalid(field, key)))
        }
    }
}

/// Public announcements with filters; `mine` (firms only): items in the firm's scope.
#[server(prefix = "/api", endpoint = "trading/list")]
pub async fn list_announcements(q: AnnouncementQuery) -> Result<Page<AnnouncementRow>, AppError> {
    use super::ctx::{authorize, check, fail, state, user};
    authorize("trading/list").await?;
    let st = state()?;
    if q.q.chars().count() > 50 {
        return Err(fail(AppError::invalid("q", "trading.q_too_long")));
    }
    if !q.method.is_empty() && crate::domain::procurement::SelectionMethod::parse(&q.method).is_none() {
        return Err(fail(AppError::invalid("method", "trading.method_unknown")));
    }
    if !matches!(q.status.as_str(), "" | "open" | "published" | "closed" | "selected" | "failed" | "cancelled") {
        return Err(fail(AppError::invalid("status", "trading.status_unknown")));
    }
    let firm = if q.mine {
        Some(user().await?.and_then(|u| u.firm_id).ok_or_else(|| fail(AppError::invalid("mine", "trading.mine_needs_firm")))?)
    } else {
        None
    };
    check(crate::db::trading::list(&st.pool, &q, ANNOUNCEMENTS_PER_PAGE, firm, st.now_ms()).await)
}

/// The public page of an announcement.
#[server(prefix = "/api", endpoint = "trading/announcement")]
pub async fn get_trading_announcement(code: String) -> Result<Announcement, AppError> {
    use super::ctx::{authorize, check, state};
    authorize("trading/announcement").await?;
    let st = state()?;
    let p = server::public_proc(&st, &code).await?;
    check(crate::db::trading::detail(&st.pool, &p, st.now_ms()).await)
}

/// What the signed-in caller may do here (a firm's eligibility and part; the owner).
#[server(prefix = "/api", endpoint = "trading/my_part")]
pub async fn get_my_part(code: String) -> Result<MyPart, AppError> {
    use super::ctx::{authorize_user, check, state};
    let user = authorize_user("trading/my_part").await?;
    let st = state()?;
    let p = server::proc(&st, &code).await?;
    let now = st.now_ms();
    let mut part = MyPart { is_owner: user.owner_id == Some(p.owner_id), ..Default::default() };
    if p.status == "draft" && !part.is_owner {
        return Err(super::ctx::fail(AppError::NotFound));
    }
    if let Some(firm) = user.firm_id {
        part.is_firm = true;
        part.ineligible = check(crate::db::trading::ineligibility(&st.pool, &p, firm, now).await)?;
        let (participation, receipt, at) = check(crate::db::trading::my_part(&st.pool, p.id, firm).await)?;
        part.may_object = participation.as_deref() == Some("registered");
        part.participation = participation;
        part.quote_receipt = receipt;
        part.quote_submitted_at = at;
        let award: Option<(i64, String, Option<i64>, Option<i64>)> = check(
            sqlx::query_as("SELECT firm_id, status, confirmed_at, publicity_ends_at FROM awards WHERE procurement_id = $1")
                .bind(p.id)
                .fetch_optional(&st.pool)
                .await,
        )?;
        let in_publicity = award.as_ref().is_some_and(|a| a.1 == "publicity" && a.3.is_some_and(|e| now < e));
        part.may_object = part.may_object && in_publicity && award.as_ref().is_some_and(|a| a.0 != firm);
        part.may_confirm = award.is_some_and(|a| a.0 == firm && a.1 == "publicity" && a.2.is_none());
        let due: i64 = check(
            sqlx::query_scalar("SELECT COUNT(*) FROM quotes WHERE procurement_id = $1 AND firm_id = $2 AND abnormal = 1 AND justification_decision IS NULL")
                .bind(p.id)
                .bind(firm)
                .fetch_one(&st.pool)
                .await,
        )?;
        part.must_justify = due > 0 && p.status == "closed";
        part.own_objections = check(
            sqlx::query_scalar("SELECT id FROM objections WHERE procurement_id = $1 AND firm_id = $2 ORDER BY id")
                .bind(p.id)
                .bind(firm)
                .fetch_all(&st.pool)
                .await,
        )?;
    }
    // the contract of this announcement, for its two parties
    let contract: Option<(String, i64)> = check(
        sqlx::query_as("SELECT code, firm_id FROM contracts WHERE procurement_id = $1 ORDER BY id DESC LIMIT 1").bind(p.id).fetch_optional(&st.pool).await,
    )?;
    part.contract_code = contract.filter(|(_, firm)| part.is_owner || user.firm_id == Some(*firm)).map(|(code, _)| code);
    Ok(part)
}

/// Choices for the announcement form.
#[server(prefix = "/api", endpoint = "trading/options")]
pub async fn get_announcement_options() -> Result<AnnouncementOptions, AppError> {
    use super::ctx::{authorize_user, check, state};
    let user = authorize_user("trading/options").await?;
    let st = state()?;
    let owner = server::owner_of(&user)?;
    let now = st.now_ms();
    let today = crate::domain::time::date_shanghai(now);
    let items: Vec<(String, String, Option<String>, Option<String>)> = check(
        sqlx::query_as(&format!(
            "SELECT s.code, s.name, s.qualification_type_code, s.min_grade FROM service_items s WHERE {} ORDER BY s.code",
            crate::db::catalogue::in_force_sql("s", "$1")
        ))
        .bind(&today)
        .fetch_all(&st.pool)
        .await,
    )?;
    let owner_region: String = check(sqlx::query_scalar("SELECT region_code FROM owners WHERE id = $1").bind(owner).fetch_one(&st.pool).await)?;
    let regions: Vec<(String, String)> = check(sqlx::query_as("SELECT code, name FROM regions ORDER BY code").fetch_all(&st.pool).await)?
        .into_iter()
        .filter(|(c, _): &(String, String)| crate::domain::region::contains(&owner_region, c))
        .collect();
    let types: Vec<(String, String, String)> = check(sqlx::query_as("SELECT code, name, grades FROM qualification_types ORDER BY code").fetch_all(&st.pool).await)?;
    let settings = check(crate::db::trading::settings(&st.pool).await)?;
    let cal = check(crate::db::trading::calendar(&st.pool).await)?;
    Ok(AnnouncementOptions {
        item_requirements: items.iter().map(|i| (i.0.clone(), i.2.clone(), i.3.clone())).collect(),
        items: items.into_iter().map(|i| (i.0, i.1)).collect(),
        regions,
        qualification_types: types.into_iter().map(|(c, n, g)| (c, n, g.split('|').map(str::to_string).collect())).collect(),
        earliest_deadline_ms: cal.add_working_days(now, settings.min_publication_days),
        settings,
    })
}

/// The owner's announcements.
#[server(prefix = "/api", endpoint = "trading/owner_desk")]
pub async fn get_owner_desk() -> Result<OwnerDesk, AppError> {
    use super::ctx::{authorize_user, check, state};
    let user = authorize_user("trading/owner_desk").await?;
    let st = state()?;
    let owner = server::owner_of(&user)?;
    let owner_name: String = check(sqlx::query_scalar("SELECT name FROM owners WHERE id = $1").bind(owner).fetch_one(&st.pool).await)?;
    let announcements = check(crate::db::trading::owner_list(&st.pool, owner).await)?;
    Ok(OwnerDesk { owner_name, announcements })
}

/// A draft's form, for editing (the owner's own drafts only).
#[server(prefix = "/api", endpoint = "trading/draft")]
pub async fn get_draft(code: String) -> Result<AnnouncementForm, AppError> {
    use super::ctx::{authorize_user, check, fail, state};
    let user = authorize_user("trading/draft").await?;
    let st = state()?;
    let p = server::own_proc(&st, &user, &code).await?;
    if p.status != "draft" {
        return Err(fail(AppError::invalid("status", "trading.not_draft")));
    }
    check(crate::db::trading::form_of(&st.pool, &p).await)
}

/// Saves a draft (new when `code` is empty); with `publish`, publishes it too
/// (direct selection: publishes the choice and its reason at once).
#[server(prefix = "/api", endpoint = "trading/save")]
pub async fn save_announcement(code: Option<String>, form: AnnouncementForm, publish: Option<String>) -> Result<String, AppError> {
    use super::ctx::{authorize_user, check, fail, state};
    use crate::domain::procurement::SelectionMethod;
    let user = authorize_user("trading/save").await?;
    let st = state()?;
    let owner = server::owner_of(&user)?;
    let now = st.now_ms();
    let publishing = publish.is_some_and(|p| !p.is_empty());
    let settings = check(crate::db::trading::settings(&st.pool).await)?;
    let cal = check(crate::db::trading::calendar(&st.pool).await)?;
    let c = crate::domain::announcement::check(&form, now, &cal, &settings, publishing)
        .map_err(|p| fail(AppError::invalid(p.field, p.key)))?;
    let item: Option<(i64, String)> = check(
        sqlx::query_as(&format!(
            "SELECT s.id, s.industry_code FROM service_items s WHERE s.code = $1 AND {}",
            crate::db::catalogue::in_force_sql("s", "$2")
        ))
        .bind(form.item_code.trim())
        .bind(crate::domain::time::date_shanghai(now))
        .fetch_optional(&st.pool)
        .await,
    )?;
    let (item_id, industry_code) = item.ok_or_else(|| fail(AppError::invalid("item_code", "announcement.item_required")))?;
    let owner_region: String = check(sqlx::query_scalar("SELECT region_code FROM owners WHERE id = $1").bind(owner).fetch_one(&st.pool).await)?;
    let region = form.region_code.trim().to_string();
    if !crate::domain::region::contains(&owner_region, &region) || !check(crate::db::reference::region_exists(&st.pool, &region).await)? {
        return Err(fail(AppError::invalid("region_code", "announcement.region_outside")));
    }
    let requirements = check(crate::db::trading::requirements_of(&st.pool, c.mode, &c.requirements).await)?
        .map_err(|_| fail(AppError::invalid("req_type_1", "announcement.requirement_unknown")))?;
    let target = crate::db::trading::DraftTarget { item_id, industry_code, region_code: region, requirements };
    let code = match code.filter(|c| !c.trim().is_empty()) {
        None => check(crate::db::trading::create_draft(&st.pool, owner, user.id, &c, &target, now).await)?,
        Some(code) => {
            let p = server::own_proc(&st, &user, &code).await?;
            if !check(crate::db::trading::update_draft(&st.pool, p.id, &c, &target, now).await)? {
                return Err(fail(AppError::invalid("status", "trading.not_draft")));
            }
            p.code
        }
    };
    if publishing {
        let p = server::own_proc(&st, &user, &code).await?;
        if c.method == SelectionMethod::Direct {
            let firm: Option<i64> = check(
                sqlx::query_scalar("SELECT id FROM firms WHERE credit_code = $1").bind(c.params.direct_firm.clone().unwrap_or_default()).fetch_optional(&st.pool).await,
            )?;
            let firm = firm.ok_or_else(|| fail(AppError::invalid("direct_firm", "announcement.direct_firm_unknown")))?;
            crate::db::trading::select_directly(&st, &p, firm, user.id, now).await.map_err(fail)?;
        } else {
            crate::db::trading::publish(&st, p.id, settings.min_participants, user.id, now).await.map_err(fail)?;
        }
        crate::db::trading::notify(&st, &code, "published").await;
    }
    // a plain form post (no JavaScript) lands where the scripted form navigates to
    leptos_axum::redirect(&if publishing { format!("/announcements/{code}") } else { format!("/owner/announcements/{code}/edit?saved=1") });
    Ok(code)
}

/// Starts a new draft from an announcement of the owner (to re-publish a failed
/// one, possibly with another method); returns the new draft's code.
#[server(prefix = "/api", endpoint = "trading/copy")]
pub async fn copy_announcement(code: String) -> Result<String, AppError> {
    use super::ctx::{authorize_user, check, state};
    let user = authorize_user("trading/copy").await?;
    let st = state()?;
    let owner = server::owner_of(&user)?;
    let p = server::own_proc(&st, &user, &code).await?;
    let form = check(crate::db::trading::form_of(&st.pool, &p).await)?;
    let settings = check(crate::db::trading::settings(&st.pool).await)?;
    let cal = check(crate::db::trading::calendar(&st.pool).await)?;
    let now = st.now_ms();
    // the old deadline has usually passed: the copy proposes the earliest allowed one
    let mut form = form;
    form.deadline = crate::db::trading::local_input(cal.add_working_days(now, settings.min_publication_days + 1));
    let c = crate::domain::announcement::check(&form, now, &cal, &settings, false).map_err(|p| super::ctx::fail(AppError::invalid(p.field, p.key)))?;
    let target = crate::db::trading::DraftTarget {
        item_id: p.item_id,
        industry_code: p.industry_code.clone(),
        region_code: p.region_code.clone(),
        requirements: p.requirements(),
    };
    check(crate::db::trading::create_draft(&st.pool, owner, user.id, &c, &target, now).await)
}

/// Cancels an announcement before its award, with a public reason.
#[server(prefix = "/api", endpoint = "trading/cancel")]
pub async fn cancel_announcement(code: String, reason: String) -> Result<(), AppError> {
    use super::ctx::{authorize_user, fail, state};
    let user = authorize_user("trading/cancel").await?;
    let st = state()?;
    let p = server::own_proc(&st, &user, &code).await?;
    let reason = server::text("reason", "trading.cancel_reason_invalid", &reason, 5, 500)?;
    crate::db::trading::cancel(&st, p.id, &reason, user.id, st.now_ms()).await.map_err(fail)?;
    crate::db::trading::notify(&st, &p.code, "cancelled").await;
    Ok(())
}

/// A firm registers interest (random draw).
#[server(prefix = "/api", endpoint = "trading/register")]
pub async fn register_interest(code: String) -> Result<(), AppError> {
    use super::ctx::{authorize_user, fail, state};
    let user = authorize_user("trading/register").await?;
    let st = state()?;
    let firm = server::firm_of(&user)?;
    let p = server::public_proc(&st, &code).await?;
    crate::db::trading::register(&st, p.id, firm, st.now_ms()).await.map_err(fail)?;
    crate::db::trading::notify(&st, &p.code, "participants").await;
    Ok(())
}

/// A firm submits or replaces its sealed quote (yuan); returns the receipt.
#[server(prefix = "/api", endpoint = "trading/quote")]
pub async fn submit_quote(code: String, amount: String) -> Result<String, AppError> {
    use super::ctx::{authorize_user, fail, state};
    let user = authorize_user("trading/quote").await?;
    let st = state()?;
    let firm = server::firm_of(&user)?;
    let p = server::public_proc(&st, &code).await?;
    let amount = crate::domain::announcement::parse_yuan(&amount).ok_or_else(|| fail(AppError::invalid("amount", "trading.amount_invalid")))?;
    let receipt = crate::db::trading::submit_quote(&st, p.id, firm, amount, st.now_ms()).await.map_err(fail)?;
    crate::db::trading::notify(&st, &p.code, "participants").await;
    Ok(receipt)
}

/// A firm withdraws its registration or quote before the deadline.
#[server(prefix = "/api", endpoint = "trading/withdraw")]
pub async fn withdraw_participation(code: String) -> Result<(), AppError> {
    use super::ctx::{authorize_user, fail, state};
    let user = authorize_user("trading/withdraw").await?;
    let st = state()?;
    let firm = server::firm_of(&user)?;
    let p = server::public_proc(&st, &code).await?;
    crate::db::trading::withdraw(&st, p.id, firm, st.now_ms()).await.map_err(fail)?;
    crate::db::trading::notify(&st, &p.code, "participants").await;
    Ok(())
}

/// A firm explains its abnormally-low quote.
#[server(prefix = "/api", endpoint = "trading/justify")]
pub async fn justify_quote(code: String, text: String) -> Result<(), AppError> {
    use super::ctx::{authorize_user, fail, state};
    let user = authorize_user("trading/justify").await?;
    let st = state()?;
    let firm = server::firm_of(&user)?;
    let p = server::public_proc(&st, &code).await?;
    let text = server::text("text", "trading.justification_invalid", &text, 10, 2000)?;
    crate::db::trading::justify(&st, &p, firm, &text, st.now_ms()).await.map_err(fail)?;
    crate::db::trading::notify(&st, &p.code, "quotes").await;
    Ok(())
}

/// The owner accepts (`decision = "accept"`) or rejects an abnormally-low quote.
#[server(prefix = "/api", endpoint = "trading/decide_quote")]
pub async fn decide_quote(code: String, firm: String, decision: String) -> Result<(), AppError> {
    use super::ctx::{authorize_user, fail, state};
    let user = authorize_user("trading/decide_quote").await?;
    let st = state()?;
    let p = server::own_proc(&st, &user, &code).await?;
    let accept = match decision.as_str() {
        "accept" => true,
        "reject" => false,
        _ => return Err(fail(AppError::invalid("decision", "trading.decision_invalid"))),
    };
    crate::db::trading::decide_abnormal(&st, p.id, firm.trim(), accept, user.id, st.now_ms()).await.map_err(fail)?;
    crate::db::trading::notify(&st, &p.code, "award").await;
    Ok(())
}

/// One panel member's merit scores: one line per participant, `信用代码:分,分,…`
/// (criteria order).
#[server(prefix = "/api", endpoint = "trading/merit_scores")]
pub async fn save_merit_scores(code: String, panelist: String, scores: String) -> Result<(), AppError> {
    use super::ctx::{authorize_user, fail, state};
    let user = authorize_user("trading/merit_scores").await?;
    let st = state()?;
    let p = server::own_proc(&st, &user, &code).await?;
    let panelist = server::text("panelist", "trading.panelist_invalid", &panelist, 2, 20)?;
    let mut rows = Vec::new();
    for line in scores.lines().map(str::trim).filter(|l| !l.is_empty()) {
        let (firm, values) = line.split_once([':', '：']).ok_or_else(|| fail(AppError::invalid("scores", "merit.score_line_invalid")))?;
        let values: Result<Vec<u32>, _> = values.split([',', '，']).map(|v| v.trim().parse::<u32>()).collect();
        rows.push((firm.trim().to_uppercase(), values.map_err(|_| fail(AppError::invalid("scores", "merit.score_line_invalid")))?));
    }
    if rows.is_empty() {
        return Err(fail(AppError::invalid("scores", "merit.score_line_invalid")));
    }
    crate::db::trading::save_merit_scores(&st, &p, &panelist, &rows, user.id, st.now_ms()).await.map_err(fail)
}

/// Ends merit scoring: totals are published and the highest is selected.
#[server(prefix = "/api", endpoint = "trading/finish_merit")]
pub async fn finish_merit(code: String) -> Result<(), AppError> {
    use super::ctx::{authorize_user, fail, state};
    let user = authorize_user("trading/finish_merit").await?;
    let st = state()?;
    let p = server::own_proc(&st, &user, &code).await?;
    crate::db::trading::finish_merit(&st, p.id, user.id, st.now_ms()).await.map_err(fail)?;
    crate::db::trading::notify(&st, &p.code, "award").await;
    Ok(())
}

/// The selected firm confirms (`decision = "confirm"`) or declines with a reason.
#[server(prefix = "/api", endpoint = "trading/respond_award")]
pub async fn respond_award(code: String, decision: String, reason: Option<String>) -> Result<(), AppError> {
    use super::ctx::{authorize_user, fail, state};
    let user = authorize_user("trading/respond_award").await?;
    let st = state()?;
    let firm = server::firm_of(&user)?;
    let p = server::public_proc(&st, &code).await?;
    let now = st.now_ms();
    match decision.as_str() {
        "confirm" => crate::db::trading::confirm(&st, p.id, firm, now).await.map_err(fail)?,
        "decline" => {
            let reason = server::text("reason", "trading.decline_reason_invalid", reason.as_deref().unwrap_or(""), 5, 500)?;
            crate::db::trading::decline(&st, p.id, firm, &reason, now).await.map_err(fail)?
        }
        _ => return Err(fail(AppError::invalid("decision", "trading.decision_invalid"))),
    }
    crate::db::trading::notify(&st, &p.code, "award").await;
    Ok(())
}

/// A participating firm objects to the result during publicity, with form
/// fields `code` and `reason` and optionally one attachment `file` (PDF, JPEG
/// or PNG, at most 5 MiB). A plain multipart form: it works with JavaScript
/// off too. Nothing is stored unless the whole objection is valid.
#[server(prefix = "/api", endpoint = "trading/object", input = leptos::server_fn::codec::MultipartFormData)]
pub async fn file_objection(data: leptos::server_fn::codec::MultipartData) -> Result<i64, AppError> {
    use super::ctx::{authorize_user, check, fail, state};
    let user = authorize_user("trading/object").await?;
    let st = state()?;
    let firm = server::firm_of(&user)?;
    let form = check(super::files::server::read_form(data).await)?;
    let p = server::public_proc(&st, form.field("code").unwrap_or_default()).await?;
    let reason = server::text("reason", "objection.reason_invalid", form.field("reason").unwrap_or_default(), 10, 2000)?;
    // refuse before the attachment is stored (not a participant, publicity over …)
    crate::db::trading::may_file_objection(&st, &p, firm, st.now_ms()).await.map_err(fail)?;
    let file_id = match form.file {
        Some(file) => Some(super::files::server::store(&st, &user, file).await.map_err(fail)?.id),
        None => None,
    };
    let id = crate::db::trading::file_objection(&st, &p, firm, &reason, file_id, st.now_ms()).await.map_err(fail)?;
    crate::db::trading::notify(&st, &p.code, "objection").await;
    Ok(id)
}

/// Acts on an objection: `answer` (owner, with text), `accept` / `escalate`
/// (the objecting firm), `uphold` / `dismiss` (a regulator of the procurement's
/// industry and region, with a reason).
#[server(prefix = "/api", endpoint = "trading/objection_act")]
pub async fn act_on_objection(id: i64, action: String, text: Option<String>) -> Result<(), AppError> {
    use super::ctx::{authorize_user, check, fail, state};
    use crate::db::trading::ObjectionActor;
    use crate::domain::accounts::Role;
    use crate::domain::objection::ObjectionAction;
    let user = authorize_user("trading/objection_act").await?;
    let st = state()?;
    let text = text.unwrap_or_default();
    let (act, actor, upheld) = match (action.as_str(), user.role) {
        ("answer", Role::Owner) => (ObjectionAction::Answer, ObjectionActor::Owner(server::owner_of(&user)?), false),
        ("accept", Role::Firm) => (ObjectionAction::Accept, ObjectionActor::Firm(server::firm_of(&user)?), false),
        ("escalate", Role::Firm) => (ObjectionAction::Escalate, ObjectionActor::Firm(server::firm_of(&user)?), false),
        ("uphold" | "dismiss", Role::Regulator | Role::Operator | Role::Admin) => (ObjectionAction::Decide, ObjectionActor::Regulator, action == "uphold"),
        _ => return Err(fail(AppError::invalid("action", "objection.action_invalid"))),
    };
    if matches!(act, ObjectionAction::Answer | ObjectionAction::Decide) {
        server::text("text", "objection.text_invalid", &text, 5, 2000)?;
    }
    if act == ObjectionAction::Decide {
        let where_: Option<(String, String)> = check(
            sqlx::query_as("SELECT p.region_code, p.industry_code FROM objections o JOIN procurements p ON p.id = o.procurement_id WHERE o.id = $1")
                .bind(id)
                .fetch_optional(&st.pool)
                .await,
        )?;
        let (region, industry) = where_.ok_or_else(|| fail(AppError::NotFound))?;
        if !user.scope().reaches(&region, Some(&industry)) {
            return Err(fail(AppError::Forbidden));
        }
    }
    let pid = crate::db::trading::act_on_objection(&st, id, act, actor, user.id, text.trim(), upheld, st.now_ms()).await.map_err(fail)?;
    let code: String = check(sqlx::query_scalar("SELECT code FROM procurements WHERE id = $1").bind(pid).fetch_one(&st.pool).await)?;
    crate::db::trading::notify(&st, &code, "objection").await;
    Ok(())
}

/// A firm's participations.
#[server(prefix = "/api", endpoint = "trading/participations")]
pub async fn my_participations() -> Result<Vec<ParticipationRow>, AppError> {
    use super::ctx::{authorize_user, check, state};
    let user = authorize_user("trading/participations").await?;
    let st = state()?;
    let firm = server::firm_of(&user)?;
    check(crate::db::trading::firm_participations(&st.pool, firm).await)
}

/// Escalated objections in the caller's reach (regulators: industry within region).
#[server(prefix = "/api", endpoint = "trading/escalated")]
pub async fn escalated_objections() -> Result<Vec<EscalatedObjection>, AppError> {
    use super::ctx::{authorize_user, check, state};
    let user = authorize_user("trading/escalated").await?;
    let st = state()?;
    let rows = check(crate::db::trading::escalated_objections(&st.pool, None, None).await)?;
    Ok(rows.into_iter().filter(|(_, r, i)| user.scope().reaches(r, Some(i))).map(|(o, _, _)| o).collect())
}

/// Moves time-driven steps now (deadline closing, publicity end); the scheduler
/// does this every second, the page calls it so a just-passed deadline shows at once.
#[cfg(feature = "ssr")]
pub async fn advance_now() {
    if let Ok(st) = super::ctx::state() {
        if let Err(e) = crate::db::trading::advance(&st, st.now_ms()).await {
            tracing::warn!(error = %e, "advance");
        }
    }
}
