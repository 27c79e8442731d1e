//! Contracts (合同): the list, the contract page, the verify view, proposals
//! before signing, signatures, amendments after signing, and the move to the
//! next-ranked firm after a lapse. Thin: authorise (MATRIX, then the row rule
//! `db::contracts::access`: the two parties act, supervisors in scope read,
//! anyone else gets 404), parse, call `db::contracts::signing`.
use crate::domain::paging::Page;
use crate::error::AppError;
use crate::model::contract::*;
use leptos::prelude::*;

#[cfg(feature = "ssr")]
pub(crate) mod server {
    use super::super::ctx::{check, fail, state};
    use crate::db::contracts::{Access, ContractRow};
    use crate::domain::contract::{Negotiable, Party};
    use crate::error::AppError;
    use crate::model::accounts::SessionUser;
    use crate::model::contract::NegotiableForm;
    use crate::state::AppState;

    /// The contract `code` as the caller reaches it, or 404 (also when it
    /// exists but the caller is neither a party nor a supervisor in scope).
    pub async fn contract(user: &SessionUser, code: &str) -> Result<(AppState, ContractRow, Access), AppError> {
        let st = state()?;
        let (c, a) = check(crate::db::contracts::signing::visible(&st.pool, user, code.trim()).await)?.ok_or_else(|| fail(AppError::NotFound))?;
        Ok((st, c, a))
    }

    /// The caller's party: only the parties act (supervisors read only).
    pub fn party(a: Access) -> Result<Party, AppError> {
        a.party().ok_or_else(|| fail(AppError::Forbidden))
    }

    /// The form's terms, or the field error of the first unreadable field.
    pub fn terms(form: &NegotiableForm) -> Result<Negotiable, AppError> {
        form.parse().map_err(|(field, key)| fail(AppError::invalid(field, key)))
    }

    /// Optional text of at most `max` characters.
    pub fn note(field: &str, key: &str, s: Option<&str>, max: usize) -> Result<String, AppError> {
        let t = s.unwrap_or("").trim();
        if t.chars().count() > max || t.chars().any(|c| c.is_control() && c != '\n' && c != '\r') {
            return Err(fail(AppError::invalid(field, key)));
        }
        Ok(t.replace("\r\n", "\n"))
    }
}

/// The caller's contracts (owner, firm) or those in scope (supervisors), newest
/// first, optionally by status.
#[server(prefix = "/api", endpoint = "contracts/list")]
pub async fn list_contracts(q: ContractQuery) -> Result<Page<ContractSummary>, AppError> {
    use super::ctx::{authorize_user, check, fail, state};
    use crate::domain::contract::ContractStatus;
    let user = authorize_user("contracts/list").await?;
    let st = state()?;
    let status = match q.status.trim() {
        "" => None,
        s => Some(ContractStatus::parse(s).ok_or_else(|| fail(AppError::invalid("status", "contract.status_unknown")))?),
    };
    let page = crate::model::check_page(Some(q.page.max(1))).map_err(fail)?;
    check(crate::db::contracts::signing::list(&st.pool, &user.scope(), status, page, CONTRACTS_PER_PAGE).await)
}

/// The contract page: text, versions, signatures, amendments, timeline, and
/// what the caller may do now.
#[server(prefix = "/api", endpoint = "contracts/page")]
pub async fn get_contract(code: String) -> Result<ContractPage, AppError> {
    use super::ctx::{authorize_user, check};
    let user = authorize_user("contracts/page").await?;
    let (st, c, a) = server::contract(&user, &code).await?;
    check(crate::db::contracts::signing::page(&st.pool, &c, a, st.now_ms()).await)
}

/// Every version's stored text and hash, recomputed by the server (the browser
/// recomputes them again).
#[server(prefix = "/api", endpoint = "contracts/verify")]
pub async fn verify_contract(code: String) -> Result<VerifyPage, AppError> {
    use super::ctx::{authorize_user, check};
    let user = authorize_user("contracts/verify").await?;
    let (st, c, _) = server::contract(&user, &code).await?;
    check(crate::db::contracts::signing::verify(&st.pool, &c).await)
}

/// Before signing: proposes changed negotiable terms (a new version; every
/// earlier signature becomes void). Returns the new version number.
#[server(prefix = "/api", endpoint = "contracts/propose")]
pub async fn propose_terms(code: String, form: NegotiableForm, note: Option<String>) -> Result<i64, AppError> {
    use super::ctx::{authorize_user, fail};
    let user = authorize_user("contracts/propose").await?;
    let (st, c, a) = server::contract(&user, &code).await?;
    let party = server::party(a)?;
    let terms = server::terms(&form)?;
    let note = server::note("note", "contract.note_too_long", note.as_deref(), NOTE_MAX_CHARS)?;
    crate::db::contracts::signing::propose(&st, c.id, party, user.id, terms, &note, st.now_ms()).await.map_err(fail)
}

/// Signs the version in force. `sha256` is the hash of the text the signer was
/// shown; `confirm` the "I have read the text" box. Returns whether the
/// contract is now signed by both parties.
#[server(prefix = "/api", endpoint = "contracts/sign")]
pub async fn sign_contract(code: String, sha256: String, confirm: Option<String>) -> Result<bool, AppError> {
    use super::ctx::{authorize_user, fail};
    let user = authorize_user("contracts/sign").await?;
    let (st, c, a) = server::contract(&user, &code).await?;
    let party = server::party(a)?;
    if confirm.as_deref().map(str::trim).unwrap_or("").is_empty() {
        return Err(fail(AppError::invalid("confirm", "contract.confirm_required")));
    }
    crate::db::contracts::signing::sign(&st, c.id, party, user.id, &sha256, st.now_ms()).await.map_err(fail)
}

/// After signing: requests a change (`kind = "change"`, the whole form) or,
/// for the firm, an extension (`kind = "extension"`, only `form[service_days]`
/// is read), with a reason. Returns the amendment's id.
#[server(prefix = "/api", endpoint = "contracts/amend")]
pub async fn request_amendment(code: String, kind: String, form: NegotiableForm, reason: String) -> Result<i64, AppError> {
    use super::ctx::{authorize_user, fail};
    use crate::domain::contract::Negotiable;
    let user = authorize_user("contracts/amend").await?;
    let (st, c, a) = server::contract(&user, &code).await?;
    let party = server::party(a)?;
    let kind = kind.trim().to_string();
    let terms = match kind.as_str() {
        "change" => server::terms(&form)?,
        "extension" => {
            let days = form.service_days.trim().parse::<u32>().map_err(|_| fail(AppError::invalid("service_days", "contract.service_days_invalid")))?;
            // the rest is taken from the terms in force
            Negotiable { service_days: days, ..Negotiable::initial("", "", 0, vec![]) }
        }
        _ => return Err(fail(AppError::invalid("kind", "contract.kind_invalid"))),
    };
    let reason = server::note("reason", "contract.reason_invalid", Some(&reason), NOTE_MAX_CHARS)?;
    if reason.chars().count() < REASON_MIN_CHARS {
        return Err(fail(AppError::invalid("reason", "contract.reason_invalid")));
    }
    crate::db::contracts::signing::amend(&st, c.id, party, user.id, &kind, terms, &reason, st.now_ms()).await.map_err(fail)
}

/// The other party accepts (`decision = "accept"`, signing the proposed text)
/// or refuses (`"refuse"`, with a reason) an amendment.
#[server(prefix = "/api", endpoint = "contracts/decide_amendment")]
pub async fn decide_amendment(code: String, id: i64, decision: String, reason: Option<String>) -> Result<(), AppError> {
    use super::ctx::{authorize_user, fail};
    let user = authorize_user("contracts/decide_amendment").await?;
    let (st, c, a) = server::contract(&user, &code).await?;
    let party = server::party(a)?;
    let accept = match decision.trim() {
        "accept" => true,
        "refuse" => false,
        _ => return Err(fail(AppError::invalid("decision", "contract.decision_invalid"))),
    };
    let reason = server::note("reason", "contract.reason_invalid", reason.as_deref(), NOTE_MAX_CHARS)?;
    if !accept && reason.chars().count() < REASON_MIN_CHARS {
        return Err(fail(AppError::invalid("reason", "contract.refusal_reason_invalid")));
    }
    crate::db::contracts::signing::decide_amendment(&st, c.id, id, party, user.id, accept, &reason, st.now_ms()).await.map_err(fail)
}

/// The proposer withdraws its open amendment.
#[server(prefix = "/api", endpoint = "contracts/withdraw_amendment")]
pub async fn withdraw_amendment(code: String, id: i64) -> Result<(), AppError> {
    use super::ctx::{authorize_user, fail};
    let user = authorize_user("contracts/withdraw_amendment").await?;
    let (st, c, a) = server::contract(&user, &code).await?;
    let party = server::party(a)?;
    crate::db::contracts::signing::withdraw_amendment(&st, c.id, id, party, user.id, st.now_ms()).await.map_err(fail)
}

/// The owner of a lapsed contract moves to the next-ranked firm (its award goes
/// into publicity; once final, that firm's contract is generated).
#[server(prefix = "/api", endpoint = "contracts/next_ranked")]
pub async fn move_to_next_ranked(code: String) -> Result<(), AppError> {
    use super::ctx::{authorize_user, fail};
    use crate::domain::contract::Party;
    let user = authorize_user("contracts/next_ranked").await?;
    let (st, c, a) = server::contract(&user, &code).await?;
    if server::party(a)? != Party::Owner {
        return Err(fail(AppError::Forbidden));
    }
    crate::db::contracts::signing::next_ranked(&st, c.id, user.id, st.now_ms()).await.map_err(fail)
}
