//! Complaints (投诉): filing by owners, firms and the public; the filer's list;
//! the regulator's queue; accept / decline / decide. Thin: authorise, validate,
//! call `db::complaints` (the rules are in `domain::complaint`).
use crate::error::AppError;
use crate::model::complaints::*;
use leptos::prelude::*;

pub const COMPLAINTS_PER_PAGE: u32 = 20;

#[cfg(feature = "ssr")]
pub(crate) mod server {
    use super::super::ctx::fail;
    use crate::domain::accounts::Role;
    use crate::error::AppError;
    use crate::model::accounts::SessionUser;

    /// Text between `min` and `max` characters, or a field error.
    pub fn text(field: &str, key: &str, s: &str, (min, max): (usize, usize)) -> Result<String, AppError> {
        let t = s.trim();
        if (min..=max).contains(&t.chars().count()) {
            Ok(t.to_string())
        } else {
            Err(fail(AppError::invalid(field, key)))
        }
    }

    /// The queue filter of a handling user: (region pattern, industry); `None` = all.
    pub fn queue_filter(user: &SessionUser) -> Result<(Option<String>, Option<String>), AppError> {
        match user.role {
            Role::Admin | Role::Operator => Ok((None, None)),
            Role::Regulator => match (&user.region_code, &user.industry_code) {
                (Some(r), Some(i)) => Ok((Some(crate::db::complaints::region_pattern(r)), Some(i.clone()))),
                _ => Ok((Some("-".into()), Some("-".into()))),
            },
            _ => Err(fail(AppError::Forbidden)),
        }
    }

    /// Whether the user handles complaints routed to (region, industry).
    pub fn handles(user: &SessionUser, region: &str, industry: &str) -> bool {
        matches!(user.role, Role::Regulator | Role::Operator | Role::Admin) && user.scope().reaches(region, Some(industry))
    }
}

/// What the filing form offers (industries = which regulator; regions; departments).
#[server(prefix = "/api", endpoint = "complaints/options")]
pub async fn get_complaint_options() -> Result<ComplaintOptions, AppError> {
    use super::ctx::{authorize, check, state};
    use crate::domain::accounts::Role;
    let user = authorize("complaints/options").await?;
    let st = state()?;
    let lists = check(crate::db::reference::lists(&st.pool).await)?;
    let departments = check(sqlx::query_as::<_, crate::model::Named>("SELECT code, name FROM departments ORDER BY code").fetch_all(&st.pool).await)?;
    Ok(ComplaintOptions {
        industries: lists.industries,
        regions: lists.regions,
        departments,
        signed_in: user.is_some_and(|u| matches!(u.role, Role::Owner | Role::Firm)),
    })
}

/// Files a complaint: a multipart form (works without JavaScript) with
/// `against` (firm | owner | department), `target` (credit code or name; a
/// department's code or name), `industry` (which industry's regulator),
/// `region` (required against a department; otherwise the target's region by
/// default), `subject`, `body`, for visitors not signed in `name` and `phone`,
/// and optionally one attachment `file` (PDF, JPEG, PNG ≤ 5 MiB).
/// Owners and firms file under their account, visitors as members of the
/// public; staff accounts are refused with a form error. Rate limits: per client address (the
/// sign-in limiter, key `complaint:<ip>`) and `PHONE_PER_DAY` per phone.
/// Nothing is stored unless the whole complaint is valid.
#[server(prefix = "/api", endpoint = "complaints/file", input = leptos::server_fn::codec::MultipartFormData)]
pub async fn file_complaint(data: leptos::server_fn::codec::MultipartData) -> Result<i64, AppError> {
    use super::ctx::{authorize, check, fail, state};
    use crate::domain::accounts::Role;
    use crate::domain::complaint::{self as rules, AgainstKind};
    let user = authorize("complaints/file").await?;
    let st = state()?;
    if user.as_ref().is_some_and(|u| !matches!(u.role, Role::Owner | Role::Firm)) {
        // staff handle complaints; they do not file them (a form error, not
        // 403: the function is public and anyone may open the form)
        return Err(fail(AppError::invalid("form", "complaints.staff_cannot_file")));
    }
    let form = check(super::files::server::read_form(data).await)?;
    let f = |k: &str| form.field(k).unwrap_or_default().to_string();
    let now = st.now_ms();
    let (filer_name, filer_phone) = match &user {
        Some(_) => (None, None),
        None => {
            let name = server::text("name", "complaints.name_invalid", &f("name"), (2, 30))?;
            let phone = rules::clean_phone(&f("phone")).ok_or_else(|| fail(AppError::invalid("phone", "complaints.phone_invalid")))?;
            (Some(name), Some(phone))
        }
    };
    let against = AgainstKind::parse(&f("against")).ok_or_else(|| fail(AppError::invalid("against", "complaints.against_invalid")))?;
    let industry = f("industry");
    if industry.is_empty() || !check(crate::db::reference::industry_exists(&st.pool, &industry).await)? {
        return Err(fail(AppError::invalid("industry", "complaints.industry_invalid")));
    }
    let subject = server::text("subject", "complaints.subject_invalid", &f("subject"), rules::SUBJECT_LEN)?;
    let body = server::text("body", "complaints.body_invalid", &f("body"), rules::BODY_LEN)?;
    let target = crate::db::complaints::find_target(&st.pool, against, &f("target")).await.map_err(fail)?;
    if user.as_ref().is_some_and(|u| (u.firm_id.is_some() && u.firm_id == target.firm_id) || (u.owner_id.is_some() && u.owner_id == target.owner_id)) {
        return Err(fail(AppError::invalid("target", "complaints.target_self")));
    }
    let region = match f("region") {
        r if !r.is_empty() => {
            if !check(crate::db::reference::region_exists(&st.pool, &r).await)? {
                return Err(fail(AppError::invalid("region", "complaints.region_invalid")));
            }
            r
        }
        _ => target.region_code.clone().ok_or_else(|| fail(AppError::invalid("region", "complaints.region_invalid")))?,
    };
    // abuse limits: per address (all filers), per phone (the public)
    if !st.attempts.allow(&super::accounts::server::client_key("complaint")) {
        return Err(fail(AppError::invalid("form", "complaints.too_many")));
    }
    if let Some(phone) = &filer_phone {
        let since = now - 24 * 3600 * 1000;
        if check(crate::db::complaints::count_by_phone(&st.pool, phone, since).await)? >= rules::PHONE_PER_DAY {
            return Err(fail(AppError::invalid("phone", "complaints.too_many")));
        }
    }
    let file_id = match form.file {
        Some(file) => Some(match &user {
            Some(u) => super::files::server::store(&st, u, file).await.map_err(fail)?.id,
            None => {
                let ok = crate::domain::files::check(&file.name, file.content_type.as_deref(), &file.bytes)
                    .map_err(|e| fail(AppError::invalid("file", e.message_key())))?;
                let new = crate::db::files::NewFile { kind: ok.kind, name: &ok.name, bytes: &file.bytes, uploaded_by: None, firm_id: None };
                check(crate::db::files::store(&st.pool, &new, now).await)?.id
            }
        }),
        None => None,
    };
    let new = crate::db::complaints::NewComplaint {
        filer_user_id: user.as_ref().map(|u| u.id),
        filer_name,
        filer_phone,
        against,
        firm_id: target.firm_id,
        owner_id: target.owner_id,
        department_code: target.department_code,
        region_code: region,
        industry_code: industry,
        subject,
        body,
        file_id,
    };
    let signed_in = new.filer_user_id.is_some();
    let id = crate::db::complaints::file(&st, &new, now).await.map_err(fail)?;
    // a plain form post lands on the complaint (signed in) or back on the form with its number
    leptos_axum::redirect(&if signed_in { format!("/complaints/{id}") } else { format!("/complaints/new?filed={id}") });
    Ok(id)
}

/// The caller's own complaints (owners and firms; escalated objections too).
#[server(prefix = "/api", endpoint = "complaints/mine")]
pub async fn my_complaints(page: Option<u32>) -> Result<ComplaintQueue, AppError> {
    use super::ctx::{authorize_user, check, state};
    let user = authorize_user("complaints/mine").await?;
    let st = state()?;
    let page = check(crate::model::check_page(page))?;
    let (rows, total) = check(crate::db::complaints::list_for_filer(&st.pool, user.id, page, COMPLAINTS_PER_PAGE).await)?;
    Ok(ComplaintQueue { rows, total, page, per_page: COMPLAINTS_PER_PAGE, now: st.now_ms() })
}

/// One complaint, for its filer and the regulator it is routed to (anyone else: 404).
#[server(prefix = "/api", endpoint = "complaints/detail")]
pub async fn get_complaint(id: i64) -> Result<ComplaintDetail, AppError> {
    use super::ctx::{authorize_user, check, fail, state};
    let user = authorize_user("complaints/detail").await?;
    let st = state()?;
    let r = check(crate::db::complaints::routing(&st.pool, id).await)?.ok_or_else(|| fail(AppError::NotFound))?;
    let handles = server::handles(&user, &r.region_code, &r.industry_code);
    if !handles && r.filer_user_id != Some(user.id) {
        return Err(fail(AppError::NotFound));
    }
    let now = st.now_ms();
    check(crate::db::complaints::detail(&st.pool, id, handles, now).await)?.ok_or_else(|| fail(AppError::NotFound))
}

/// The regulator's queue: complaints of its industry within its region
/// (operators, administrators: all). `all`: closed ones too.
#[server(prefix = "/api", endpoint = "complaints/queue")]
pub async fn get_complaint_queue(page: Option<u32>, all: Option<bool>) -> Result<ComplaintQueue, AppError> {
    use super::ctx::{authorize_user, check, state};
    let user = authorize_user("complaints/queue").await?;
    let st = state()?;
    let page = check(crate::model::check_page(page))?;
    let (region, industry) = server::queue_filter(&user)?;
    let (rows, total) = check(
        crate::db::complaints::queue(&st.pool, region.as_deref(), industry.as_deref(), !all.unwrap_or(false), page, COMPLAINTS_PER_PAGE).await,
    )?;
    Ok(ComplaintQueue { rows, total, page, per_page: COMPLAINTS_PER_PAGE, now: st.now_ms() })
}

/// The responsible regulator acts: `accept`, `decline` (reason), `uphold` /
/// `dismiss` (reason). A complaint from an escalated objection is decided
/// through the objection (upheld: the next candidate is selected).
#[server(prefix = "/api", endpoint = "complaints/act")]
pub async fn act_on_complaint(id: i64, action: String, reason: Option<String>) -> Result<(), AppError> {
    use super::ctx::{authorize_user, check, fail, state};
    use crate::domain::complaint::{ComplaintAction, REASON_LEN};
    let user = authorize_user("complaints/act").await?;
    let st = state()?;
    let r = check(crate::db::complaints::routing(&st.pool, id).await)?.ok_or_else(|| fail(AppError::NotFound))?;
    if !server::handles(&user, &r.region_code, &r.industry_code) {
        return Err(fail(AppError::NotFound));
    }
    let action = ComplaintAction::parse(&action).ok_or_else(|| fail(AppError::invalid("action", "complaints.action_invalid")))?;
    let reason = if action.needs_reason() {
        server::text("reason", "complaints.reason_invalid", reason.as_deref().unwrap_or_default(), REASON_LEN)?
    } else {
        String::new()
    };
    let now = st.now_ms();
    match (action, r.objection_id) {
        (ComplaintAction::Uphold | ComplaintAction::Dismiss, Some(objection)) if r.status == "accepted" => {
            use crate::db::trading::ObjectionActor;
            use crate::domain::objection::ObjectionAction;
            let upheld = action == ComplaintAction::Uphold;
            let pid = crate::db::trading::act_on_objection(&st, objection, ObjectionAction::Decide, ObjectionActor::Regulator, user.id, &reason, upheld, now)
                .await
                .map_err(fail)?;
            let code: String = check(sqlx::query_scalar("SELECT code FROM procurements WHERE id = $1").bind(pid).fetch_one(&st.pool).await)?;
            crate::db::trading::notify(&st, &code, "objection").await;
            Ok(())
        }
        (ComplaintAction::Accept | ComplaintAction::Decline, _) => {
            crate::db::complaints::accept_or_decline(&st, id, action, &reason, user.id, now).await.map_err(fail)
        }
        (_, _) => crate::db::complaints::decide(&st, id, action == ComplaintAction::Uphold, &reason, user.id, now).await.map_err(fail),
    }
}
