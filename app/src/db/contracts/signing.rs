//! Signing (网上签约) and amendments: proposals of changed terms before signing
//! (each a new version that voids earlier signatures), signatures bound to the
//! SHA-256 of the exact text, the signing time limit and its lapse, the owner's
//! move to the next-ranked firm, and amendments after signing (变更 / 延期) that
//! need both parties. Also what the list, the contract page and the verify view
//! read.
//!
//! Every write runs in one write transaction (`begin_write`) on the contract row
//! loaded with `load_locked` and is conditional on the state it expects, so two
//! concurrent signatures, or a signature racing a proposal, cannot both apply
//! against the same version.
use super::super::sql::Sql;
use super::super::trading::{begin_write, calendar, Tx};
use super::super::Pool;
use super::{access, add_version, event, load_locked, terms, Access, ContractRow};
use crate::domain::accounts::Role;
use crate::domain::authz::Scope;
use crate::domain::contract::{self, ContractStatus, Negotiable, Party, Terms};
use crate::domain::paging::{offset, Page};
use crate::domain::region;
use crate::error::AppError;
use crate::model::contract::*;
use crate::state::AppState;

/// The reason recorded on the candidate whose contract lapsed because the firm
/// did not sign in time: the refusal-to-sign record the credit rules (#6) read.
pub const FIRM_DID_NOT_SIGN: &str = "未在签约期限内签订合同";
/// The reason recorded when only the owner's signature was missing: the firm
/// signed, so this is not the firm's refusal (the credit rules must not count it).
pub const OWNER_DID_NOT_SIGN: &str = "业主未在签约期限内签订合同(中选单位已签署)";

fn refuse(field: &str, key: &str) -> AppError {
    AppError::invalid(field, key)
}

/// The contract, locked, or NotFound.
async fn locked(tx: &mut Tx<'_>, state: &AppState, id: i64) -> Result<ContractRow, AppError> {
    load_locked(tx, state, id).await?.ok_or(AppError::NotFound)
}

async fn current_terms(tx: &mut Tx<'_>, c: &ContractRow) -> Result<Terms, AppError> {
    if c.version == 0 {
        return Err(refuse("contract", "contract.no_text"));
    }
    terms(tx, c.id, c.version).await?.ok_or_else(|| AppError::Server("contract terms unreadable".into()))
}

/// Signing is open: drafted, not lapsed, before the time limit, with a text.
fn signing_open(c: &ContractRow, now: i64) -> Result<(), AppError> {
    if c.status() != ContractStatus::Drafted || c.lapsed_at.is_some() {
        return Err(refuse("contract", "contract.not_drafted"));
    }
    if c.sign_due_at.is_some_and(|d| now >= d) {
        return Err(refuse("contract", "contract.sign_lapsed"));
    }
    if c.version == 0 {
        return Err(refuse("contract", "contract.no_text"));
    }
    Ok(())
}

/// Validates normalised terms: the first problem as a field error.
fn check_terms(n: &Negotiable, price_fen: i64) -> Result<(), AppError> {
    match n.problems(price_fen).first() {
        Some((field, key)) => Err(refuse(field, key)),
        None => Ok(()),
    }
}

/// The parties whose live signature on the version in force is missing.
async fn missing_signatures(tx: &mut Tx<'_>, c: &ContractRow) -> Result<Vec<Party>, sqlx::Error> {
    let signed: Vec<String> =
        sqlx::query_scalar("SELECT party FROM contract_signatures WHERE contract_id = $1 AND version = $2 AND void_at IS NULL")
            .bind(c.id)
            .bind(c.version)
            .fetch_all(&mut **tx)
            .await?;
    Ok([Party::Owner, Party::Firm].into_iter().filter(|p| !signed.iter().any(|s| s == p.as_str())).collect())
}

fn parties_detail(parties: &[Party]) -> String {
    parties.iter().map(|p| p.as_str()).collect::<Vec<_>>().join(",")
}

/// Before signing, either party proposes changed negotiable terms: a new
/// version (kind `amendment`); every earlier signature is void. Returns the new
/// version number.
pub async fn propose(state: &AppState, contract_id: i64, party: Party, user_id: i64, proposed: Negotiable, note: &str, now: i64) -> Result<i64, AppError> {
    let proposed = proposed.normalised();
    let mut tx = begin_write(state).await?;
    let c = locked(&mut tx, state, contract_id).await?;
    signing_open(&c, now)?;
    check_terms(&proposed, c.price_fen)?;
    let current = current_terms(&mut tx, &c).await?;
    if current.negotiable == proposed {
        return Err(refuse("contract", "contract.proposal_unchanged"));
    }
    let version = c.version + 1;
    let terms = Terms { negotiable: proposed, ..current };
    add_version(&mut tx, c.id, version, "amendment", &terms, party.as_str(), Some(user_id), note, now).await?;
    let voided = sqlx::query("UPDATE contract_signatures SET void_at = $2 WHERE contract_id = $1 AND void_at IS NULL")
        .bind(c.id)
        .bind(now)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    event(&mut tx, c.id, now, "amended", Some(user_id), &format!("{version}:{}:{voided}", party.as_str())).await?;
    tx.commit().await?;
    super::notify(state, &c.code, "amended").await;
    Ok(version)
}

/// A party signs the version in force. `expected_sha256` is the hash of the text
/// the signer was shown: if someone amended meanwhile it no longer matches and
/// nothing is signed. When both parties have signed, the contract is signed: the
/// service time limit starts and installments and milestones are set up.
/// Returns whether the contract became signed.
pub async fn sign(state: &AppState, contract_id: i64, party: Party, user_id: i64, expected_sha256: &str, now: i64) -> Result<bool, AppError> {
    let mut tx = begin_write(state).await?;
    let c = locked(&mut tx, state, contract_id).await?;
    signing_open(&c, now)?;
    let current: String = sqlx::query_scalar("SELECT sha256 FROM contract_versions WHERE contract_id = $1 AND version = $2")
        .bind(c.id)
        .bind(c.version)
        .fetch_one(&mut *tx)
        .await?;
    if !expected_sha256.trim().eq_ignore_ascii_case(&current) {
        return Err(refuse("sign", "contract.text_changed"));
    }
    let missing = missing_signatures(&mut tx, &c).await?;
    if !missing.contains(&party) {
        return Err(refuse("sign", "contract.already_signed"));
    }
    sqlx::query("INSERT INTO contract_signatures (contract_id, version, party, user_id, sha256, signed_at) VALUES ($1, $2, $3, $4, $5, $6)")
        .bind(c.id)
        .bind(c.version)
        .bind(party.as_str())
        .bind(user_id)
        .bind(&current)
        .bind(now)
        .execute(&mut *tx)
        .await?;
    event(&mut tx, c.id, now, "signature", Some(user_id), &format!("{}:{}", party.as_str(), c.version)).await?;
    let complete = missing.len() == 1;
    if complete {
        let t = current_terms(&mut tx, &c).await?;
        let due = calendar(&mut *tx).await?.add_working_days(now, t.negotiable.service_days);
        let moved = sqlx::query("UPDATE contracts SET status = 'signed', signed_at = $2, due_at = $3, updated_at = $2 WHERE id = $1 AND status = 'drafted'")
            .bind(c.id)
            .bind(now)
            .bind(due)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if moved != 1 {
            return Err(refuse("contract", "contract.not_drafted"));
        }
        event(&mut tx, c.id, now, "signed", None, &c.version.to_string()).await?;
        super::on_signed(&mut tx, c.id, now).await?;
    }
    tx.commit().await?;
    super::notify(state, &c.code, if complete { "signed" } else { "signature" }).await;
    Ok(complete)
}

/// Drafted contracts whose signing time limit passed lapse (exactly once): the
/// owner may then move to the next-ranked firm. Called by the scheduler.
pub async fn advance(state: &AppState, now: i64) -> Result<u32, sqlx::Error> {
    let due: Vec<(i64,)> = sqlx::query_as(
        "SELECT id FROM contracts WHERE status = 'drafted' AND sign_due_at IS NOT NULL AND sign_due_at <= $1 ORDER BY sign_due_at LIMIT 50",
    )
    .bind(now)
    .fetch_all(&state.pool)
    .await?;
    let mut moved = 0;
    for (id,) in due {
        let mut tx = begin_write(state).await?;
        let Some(c) = load_locked(&mut tx, state, id).await? else { continue };
        let done = sqlx::query(
            "UPDATE contracts SET status = 'lapsed', lapsed_at = $2, updated_at = $2 \
             WHERE id = $1 AND status = 'drafted' AND sign_due_at IS NOT NULL AND sign_due_at <= $2",
        )
        .bind(id)
        .bind(now)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if done != 1 {
            continue;
        }
        let missing = missing_signatures(&mut tx, &c).await?;
        event(&mut tx, id, now, "lapsed", None, &parties_detail(&missing)).await?;
        super::super::trading::event(&mut tx, c.procurement_id, now, "contract_lapsed", None, &c.code).await?;
        tx.commit().await?;
        super::notify(state, &c.code, "lapsed").await;
        super::super::trading::notify(state, &c.procurement_code, "award").await;
        moved += 1;
    }
    Ok(moved)
}

/// After a lapse the owner moves to the next-ranked firm: the lapsed firm's
/// candidacy is closed with the reason (who failed to sign is recorded), the
/// next reserve's award goes into publicity (and, once final, gets its own
/// contract); with no reserve left the procurement fails.
pub async fn next_ranked(state: &AppState, contract_id: i64, user_id: i64, now: i64) -> Result<(), AppError> {
    let mut tx = begin_write(state).await?;
    let c = locked(&mut tx, state, contract_id).await?;
    if c.status() != ContractStatus::Lapsed {
        return Err(refuse("contract", "contract.not_lapsed"));
    }
    let p = super::super::trading::load_locked(&mut tx, state, c.procurement_id).await?.ok_or(AppError::NotFound)?;
    if !award_still_with(&mut tx, &c).await? {
        return Err(refuse("contract", "contract.already_moved"));
    }
    let missing = missing_signatures(&mut tx, &c).await?;
    let reason = if missing.contains(&Party::Firm) { FIRM_DID_NOT_SIGN } else { OWNER_DID_NOT_SIGN };
    super::super::trading::move_to_next(&mut tx, state, &p, c.rank, "lapsed", reason, now).await?;
    event(&mut tx, c.id, now, "next_ranked", Some(user_id), &parties_detail(&missing)).await?;
    tx.commit().await?;
    super::notify(state, &c.code, "next_ranked").await;
    super::super::trading::notify(state, &p.code, "award").await;
    Ok(())
}

/// The procurement's award is still the final award of this contract's firm and rank.
async fn award_still_with(tx: &mut Tx<'_>, c: &ContractRow) -> Result<bool, sqlx::Error> {
    let a: Option<(i64, i64, String)> = sqlx::query_as("SELECT firm_id, rank, status FROM awards WHERE procurement_id = $1")
        .bind(c.procurement_id)
        .fetch_optional(&mut **tx)
        .await?;
    Ok(a.is_some_and(|(firm, rank, status)| firm == c.firm_id && rank == c.rank && status == "final"))
}

/// After signing, either party proposes a change (`change`: any negotiable
/// term except installments already paid) or the firm an extension
/// (`extension`: a longer service time limit only). The proposer's signature is
/// the proposal itself: its terms, text and hash are stored; the other party
/// accepts (signs) or refuses. One open proposal at a time. Returns its id.
pub async fn amend(
    state: &AppState,
    contract_id: i64,
    party: Party,
    user_id: i64,
    kind: &str,
    proposed: Negotiable,
    reason: &str,
    now: i64,
) -> Result<i64, AppError> {
    let mut tx = begin_write(state).await?;
    let c = locked(&mut tx, state, contract_id).await?;
    if !c.status().in_service() {
        return Err(refuse("contract", "contract.not_in_service"));
    }
    let current = current_terms(&mut tx, &c).await?;
    let open: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM contract_amendments WHERE contract_id = $1 AND status = 'proposed'")
        .bind(c.id)
        .fetch_one(&mut *tx)
        .await?;
    if open > 0 {
        return Err(refuse("contract", "contract.amendment_open"));
    }
    let proposed = match kind {
        "extension" => {
            if party != Party::Firm {
                return Err(refuse("kind", "contract.extension_firm_only"));
            }
            if proposed.service_days <= current.negotiable.service_days {
                return Err(refuse("service_days", "contract.extension_not_longer"));
            }
            Negotiable { service_days: proposed.service_days, ..current.negotiable.clone() }
        }
        "change" => proposed.normalised(),
        _ => return Err(refuse("kind", "contract.kind_invalid")),
    };
    check_terms(&proposed, c.price_fen)?;
    if proposed == current.negotiable {
        return Err(refuse("contract", "contract.proposal_unchanged"));
    }
    paid_installments_kept(&mut tx, &c, &current.negotiable, &proposed).await?;
    let terms = Terms { negotiable: proposed, ..current };
    let (text, hash) = contract::render(&terms);
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO contract_amendments (contract_id, kind, base_version, terms, text, sha256, reason, party, proposed_by, proposed_at, status) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'proposed') RETURNING id",
    )
    .bind(c.id)
    .bind(kind)
    .bind(c.version)
    .bind(serde_json::to_string(&terms).unwrap_or_default())
    .bind(&text)
    .bind(&hash)
    .bind(reason)
    .bind(party.as_str())
    .bind(user_id)
    .bind(now)
    .fetch_one(&mut *tx)
    .await?;
    event(&mut tx, c.id, now, "amendment_proposed", Some(user_id), &format!("{id}:{kind}:{}", party.as_str())).await?;
    tx.commit().await?;
    super::notify(state, &c.code, "amendment").await;
    Ok(id)
}

/// A change may not touch installments already paid: each paid installment (by
/// position) keeps its label, share, condition and amount. (Later installments
/// may be re-cut as long as the shares still sum to the whole price.)
async fn paid_installments_kept(tx: &mut Tx<'_>, c: &ContractRow, before: &Negotiable, after: &Negotiable) -> Result<(), AppError> {
    let rows: Vec<(String, i64)> = sqlx::query_as("SELECT status, amount_fen FROM contract_installments WHERE contract_id = $1 ORDER BY seq")
        .bind(c.id)
        .fetch_all(&mut **tx)
        .await?;
    let amounts = contract::installment_amounts(c.price_fen, &after.shares());
    for (i, (status, amount)) in rows.iter().enumerate() {
        if status != "paid" {
            continue;
        }
        let kept = before.installments.get(i).is_some_and(|old| after.installments.get(i) == Some(old)) && amounts.get(i) == Some(amount);
        if !kept {
            return Err(refuse("installments", "contract.paid_installments_locked"));
        }
    }
    Ok(())
}

#[derive(sqlx::FromRow)]
struct AmendmentRow {
    id: i64,
    kind: String,
    base_version: i64,
    terms: String,
    sha256: String,
    reason: String,
    party: String,
    proposed_by: i64,
    proposed_at: i64,
    status: String,
}

async fn amendment(tx: &mut Tx<'_>, contract_id: i64, id: i64) -> Result<AmendmentRow, AppError> {
    sqlx::query_as::<_, AmendmentRow>(
        "SELECT id, kind, base_version, terms, sha256, reason, party, proposed_by, proposed_at, status FROM contract_amendments \
         WHERE id = $1 AND contract_id = $2",
    )
    .bind(id)
    .bind(contract_id)
    .fetch_optional(&mut **tx)
    .await?
    .ok_or(AppError::NotFound)
}

/// The other party accepts (`accept`: its signature and the proposer's go on a
/// new version in force; the service end date follows the new service days;
/// installments and milestones are resynchronised) or refuses (with a reason:
/// nothing else changes).
pub async fn decide_amendment(
    state: &AppState,
    contract_id: i64,
    amendment_id: i64,
    party: Party,
    user_id: i64,
    accept: bool,
    reason: &str,
    now: i64,
) -> Result<(), AppError> {
    let mut tx = begin_write(state).await?;
    let c = locked(&mut tx, state, contract_id).await?;
    let a = amendment(&mut tx, c.id, amendment_id).await?;
    if a.status != "proposed" {
        return Err(refuse("amendment", "contract.amendment_not_open"));
    }
    let proposer = Party::parse(&a.party).ok_or_else(|| AppError::Server("amendment party".into()))?;
    if proposer == party {
        return Err(refuse("amendment", "contract.amendment_own"));
    }
    if !accept {
        sqlx::query(
            "UPDATE contract_amendments SET status = 'refused', decided_by = $2, decided_at = $3, decision_reason = $4 WHERE id = $1 AND status = 'proposed'",
        )
        .bind(a.id)
        .bind(user_id)
        .bind(now)
        .bind(reason)
        .execute(&mut *tx)
        .await?;
        event(&mut tx, c.id, now, "amendment_refused", Some(user_id), &format!("{}:{}", a.id, a.kind)).await?;
        tx.commit().await?;
        super::notify(state, &c.code, "amendment").await;
        return Ok(());
    }
    if !c.status().in_service() {
        return Err(refuse("amendment", "contract.not_in_service"));
    }
    if a.base_version != c.version {
        return Err(refuse("amendment", "contract.amendment_stale"));
    }
    let terms: Terms = serde_json::from_str(&a.terms).map_err(|_| AppError::Server("amendment terms unreadable".into()))?;
    let version = c.version + 1;
    let hash = add_version(&mut tx, c.id, version, &a.kind, &terms, &a.party, Some(a.proposed_by), &a.reason, now).await?;
    if hash != a.sha256 {
        return Err(AppError::Server("amendment text does not render to its hash".into()));
    }
    sqlx::query("UPDATE contract_signatures SET void_at = $2 WHERE contract_id = $1 AND void_at IS NULL")
        .bind(c.id)
        .bind(now)
        .execute(&mut *tx)
        .await?;
    for (p, user, at) in [(proposer, a.proposed_by, a.proposed_at), (party, user_id, now)] {
        sqlx::query("INSERT INTO contract_signatures (contract_id, version, party, user_id, sha256, signed_at) VALUES ($1, $2, $3, $4, $5, $6)")
            .bind(c.id)
            .bind(version)
            .bind(p.as_str())
            .bind(user)
            .bind(&hash)
            .bind(at)
            .execute(&mut *tx)
            .await?;
    }
    sqlx::query(
        "UPDATE contract_amendments SET status = 'accepted', decided_by = $2, decided_at = $3, decision_reason = $4, result_version = $5 \
         WHERE id = $1 AND status = 'proposed'",
    )
    .bind(a.id)
    .bind(user_id)
    .bind(now)
    .bind(reason)
    .bind(version)
    .execute(&mut *tx)
    .await?;
    let signed_at = c.signed_at.unwrap_or(now);
    let due = calendar(&mut *tx).await?.add_working_days(signed_at, terms.negotiable.service_days);
    sqlx::query("UPDATE contracts SET due_at = $2, updated_at = $3 WHERE id = $1").bind(c.id).bind(due).bind(now).execute(&mut *tx).await?;
    event(&mut tx, c.id, now, "amendment_accepted", Some(user_id), &format!("{}:{}:{version}", a.id, a.kind)).await?;
    super::on_signed(&mut tx, c.id, now).await?;
    tx.commit().await?;
    super::notify(state, &c.code, "amended").await;
    Ok(())
}

/// The proposer withdraws its open amendment.
pub async fn withdraw_amendment(state: &AppState, contract_id: i64, amendment_id: i64, party: Party, user_id: i64, now: i64) -> Result<(), AppError> {
    let mut tx = begin_write(state).await?;
    let c = locked(&mut tx, state, contract_id).await?;
    let a = amendment(&mut tx, c.id, amendment_id).await?;
    if a.status != "proposed" {
        return Err(refuse("amendment", "contract.amendment_not_open"));
    }
    if a.party != party.as_str() {
        return Err(refuse("amendment", "contract.amendment_not_yours"));
    }
    sqlx::query("UPDATE contract_amendments SET status = 'withdrawn', decided_by = $2, decided_at = $3 WHERE id = $1 AND status = 'proposed'")
        .bind(a.id)
        .bind(user_id)
        .bind(now)
        .execute(&mut *tx)
        .await?;
    event(&mut tx, c.id, now, "amendment_withdrawn", Some(user_id), &format!("{}:{}", a.id, a.kind)).await?;
    tx.commit().await?;
    super::notify(state, &c.code, "amendment").await;
    Ok(())
}

// ───────────────────────────── reading ─────────────────────────────

/// Restricts `contracts c JOIN procurements p` to what `scope` reaches: the
/// caller's own side for owners and firms, the region (and industry) for
/// supervisors, everything for operators and admins.
fn push_scope(sql: &mut Sql, scope: &Scope<'_>) {
    let prefix = scope.region_code.and_then(region::like_prefix);
    match (scope.role, scope.owner_id, scope.firm_id, prefix, scope.industry_code) {
        (Role::Owner, Some(owner), _, _, _) => {
            sql.push(" AND c.owner_id = ").bind(owner);
        }
        (Role::Firm, _, Some(firm), _, _) => {
            sql.push(" AND c.firm_id = ").bind(firm);
        }
        (Role::Admin | Role::Operator, ..) => {}
        (Role::Leader, _, _, Some(prefix), _) => {
            sql.push(" AND p.region_code LIKE ").bind(prefix);
        }
        (Role::Regulator, _, _, Some(prefix), Some(industry)) => {
            sql.push(" AND p.region_code LIKE ").bind(prefix).push(" AND p.industry_code = ").bind(industry);
        }
        _ => {
            sql.push(" AND 1 = 0");
        }
    }
}

fn filtered(select: &str, scope: &Scope<'_>, status: Option<ContractStatus>) -> Sql {
    let mut sql = Sql::new(select);
    sql.push(" FROM contracts c JOIN procurements p ON p.id = c.procurement_id WHERE 1 = 1");
    push_scope(&mut sql, scope);
    if let Some(s) = status {
        sql.push(" AND c.status = ").bind(s.as_str());
    }
    sql
}

#[derive(sqlx::FromRow)]
struct SummaryRow {
    code: String,
    title: String,
    procurement_code: String,
    owner_name: String,
    firm_name: String,
    price_fen: i64,
    status: String,
    version: i64,
    created_at: i64,
    sign_due_at: Option<i64>,
    signed_at: Option<i64>,
    due_at: Option<i64>,
    lapsed_at: Option<i64>,
    owner_signed: i64,
    firm_signed: i64,
}

/// One page of the contracts `scope` reaches, newest first.
pub async fn list(pool: &Pool, scope: &Scope<'_>, status: Option<ContractStatus>, page: u32, per_page: u32) -> Result<Page<ContractSummary>, sqlx::Error> {
    let total: i64 = filtered("SELECT COUNT(*)", scope, status).query_as::<(i64,)>().fetch_one(pool).await?.0;
    let signed = |party: &str| {
        format!(
            "(SELECT COUNT(*) FROM contract_signatures s WHERE s.contract_id = c.id AND s.version = c.version AND s.void_at IS NULL AND s.party = '{party}')"
        )
    };
    let mut sql = filtered(
        &format!(
            "SELECT c.code, p.title, p.code AS procurement_code, (SELECT o.name FROM owners o WHERE o.id = c.owner_id) AS owner_name, \
             (SELECT f.name FROM firms f WHERE f.id = c.firm_id) AS firm_name, c.price_fen, c.status, c.version, c.created_at, \
             c.sign_due_at, c.signed_at, c.due_at, c.lapsed_at, {} AS owner_signed, {} AS firm_signed",
            signed("owner"),
            signed("firm")
        ),
        scope,
        status,
    );
    sql.push(" ORDER BY c.created_at DESC, c.id DESC LIMIT ").bind(per_page as i64).push(" OFFSET ").bind(offset(page, per_page));
    let rows: Vec<SummaryRow> = sql.query_as().fetch_all(pool).await?;
    let viewer = match scope.role {
        Role::Owner => Some(Party::Owner),
        Role::Firm => Some(Party::Firm),
        _ => None,
    };
    let items = rows
        .into_iter()
        .map(|r| ContractSummary {
            code: r.code,
            title: r.title,
            procurement_code: r.procurement_code,
            owner_name: r.owner_name,
            firm_name: r.firm_name,
            price_fen: r.price_fen,
            status: ContractStatus::parse(&r.status).unwrap_or(ContractStatus::Terminated),
            version: r.version,
            created_at: r.created_at,
            sign_due_at: r.sign_due_at,
            signed_at: r.signed_at,
            due_at: r.due_at,
            lapsed_at: r.lapsed_at,
            owner_signed: r.owner_signed > 0,
            firm_signed: r.firm_signed > 0,
            viewer,
        })
        .collect();
    Ok(Page { items, page: page.max(1), per_page, total: total.max(0) as u64 })
}

#[derive(sqlx::FromRow)]
struct VersionRow {
    version: i64,
    kind: String,
    terms: String,
    party: String,
    proposed_by: Option<String>,
    note: String,
    created_at: i64,
    sha256: String,
}

#[derive(sqlx::FromRow)]
struct SignatureRow {
    version: i64,
    party: String,
    signer: String,
    signed_at: i64,
    sha256: String,
    void_at: Option<i64>,
}

async fn signatures(pool: &Pool, contract_id: i64) -> Result<Vec<SignatureView>, sqlx::Error> {
    let rows: Vec<SignatureRow> = sqlx::query_as(
        "SELECT s.version, s.party, u.display_name AS signer, s.signed_at, s.sha256, s.void_at FROM contract_signatures s \
         JOIN users u ON u.id = s.user_id WHERE s.contract_id = $1 ORDER BY s.version, s.signed_at, s.id",
    )
    .bind(contract_id)
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .filter_map(|r| {
            Some(SignatureView { version: r.version, party: Party::parse(&r.party)?, signer: r.signer, signed_at: r.signed_at, sha256: r.sha256, void_at: r.void_at })
        })
        .collect())
}

#[derive(sqlx::FromRow)]
struct AmendmentListRow {
    id: i64,
    kind: String,
    base_version: i64,
    terms: String,
    text: String,
    sha256: String,
    reason: String,
    party: String,
    proposed_by: String,
    proposed_at: i64,
    status: String,
    decided_by: Option<String>,
    decided_at: Option<i64>,
    decision_reason: Option<String>,
    result_version: Option<i64>,
}

#[derive(sqlx::FromRow)]
struct EventRow {
    at: i64,
    kind: String,
    actor: Option<String>,
    detail: String,
}

fn parse_terms(json: &str) -> Option<Terms> {
    serde_json::from_str(json).ok()
}

/// Everything the contract page shows to a caller with `access`.
pub async fn page(pool: &Pool, c: &ContractRow, access: Access, now: i64) -> Result<ContractPage, sqlx::Error> {
    let viewer = access.party();
    let version_rows: Vec<VersionRow> = sqlx::query_as(
        "SELECT v.version, v.kind, v.terms, v.party, u.display_name AS proposed_by, v.note, v.created_at, v.sha256 \
         FROM contract_versions v LEFT JOIN users u ON u.id = v.proposed_by WHERE v.contract_id = $1 ORDER BY v.version",
    )
    .bind(c.id)
    .fetch_all(pool)
    .await?;
    let sigs = signatures(pool, c.id).await?;
    let mut versions = Vec::new();
    let mut previous: Option<Terms> = None;
    let mut current_terms = None;
    let mut sha256 = String::new();
    for r in version_rows {
        let t = parse_terms(&r.terms);
        let changes = match (&previous, &t) {
            (Some(a), Some(b)) => changes(&a.negotiable, &b.negotiable),
            _ => vec![],
        };
        if r.version == c.version {
            current_terms = t.clone();
            sha256 = r.sha256.clone();
        }
        previous = t;
        versions.push(VersionView {
            version: r.version,
            kind: r.kind,
            party: r.party,
            proposed_by: r.proposed_by,
            note: r.note,
            created_at: r.created_at,
            sha256: r.sha256,
            signatures: sigs.iter().filter(|s| s.version == r.version).cloned().collect(),
            changes,
        });
    }
    versions.reverse();
    let text: String = sqlx::query_scalar("SELECT text FROM contract_versions WHERE contract_id = $1 AND version = $2")
        .bind(c.id)
        .bind(c.version)
        .fetch_optional(pool)
        .await?
        .unwrap_or_default();
    let status = c.status();
    let amendment_rows: Vec<AmendmentListRow> = sqlx::query_as(
        "SELECT a.id, a.kind, a.base_version, a.terms, a.text, a.sha256, a.reason, a.party, pu.display_name AS proposed_by, a.proposed_at, a.status, \
         du.display_name AS decided_by, a.decided_at, a.decision_reason, a.result_version FROM contract_amendments a \
         JOIN users pu ON pu.id = a.proposed_by LEFT JOIN users du ON du.id = a.decided_by WHERE a.contract_id = $1 ORDER BY a.id DESC",
    )
    .bind(c.id)
    .fetch_all(pool)
    .await?;
    let base_terms: std::collections::HashMap<i64, String> = {
        let rows: Vec<(i64, String)> = sqlx::query_as("SELECT version, terms FROM contract_versions WHERE contract_id = $1").bind(c.id).fetch_all(pool).await?;
        rows.into_iter().collect()
    };
    let open_amendment = amendment_rows.iter().any(|a| a.status == "proposed");
    let amendments = amendment_rows
        .into_iter()
        .filter_map(|a| {
            let party = Party::parse(&a.party)?;
            let open = a.status == "proposed";
            let changes = match (base_terms.get(&a.base_version).and_then(|j| parse_terms(j)), parse_terms(&a.terms)) {
                (Some(b), Some(n)) => changes(&b.negotiable, &n.negotiable),
                _ => vec![],
            };
            Some(AmendmentView {
                id: a.id,
                kind: a.kind,
                base_version: a.base_version,
                reason: a.reason,
                party,
                proposed_by: a.proposed_by,
                proposed_at: a.proposed_at,
                status: a.status,
                decided_by: a.decided_by,
                decided_at: a.decided_at,
                decision_reason: a.decision_reason,
                result_version: a.result_version,
                sha256: a.sha256,
                text: a.text,
                changes,
                can_decide: open && viewer.is_some_and(|v| v != party) && status.in_service(),
                can_withdraw: open && viewer == Some(party),
            })
        })
        .collect();
    let event_rows: Vec<EventRow> = sqlx::query_as(
        "SELECT e.at, e.kind, u.display_name AS actor, e.detail FROM contract_events e LEFT JOIN users u ON u.id = e.actor_id \
         WHERE e.contract_id = $1 ORDER BY e.at, e.id",
    )
    .bind(c.id)
    .fetch_all(pool)
    .await?;
    let (owner, firm): ((String, String), (String, String)) = (
        sqlx::query_as("SELECT name, credit_code FROM owners WHERE id = $1").bind(c.owner_id).fetch_one(pool).await?,
        sqlx::query_as("SELECT name, credit_code FROM firms WHERE id = $1").bind(c.firm_id).fetch_one(pool).await?,
    );
    let award: Option<(i64, i64, String)> = sqlx::query_as("SELECT firm_id, rank, status FROM awards WHERE procurement_id = $1")
        .bind(c.procurement_id)
        .fetch_optional(pool)
        .await?;
    let award_here = award.is_some_and(|(f, r, s)| f == c.firm_id && r == c.rank && s == "final");
    let open_for_signing = signing_open(c, now).is_ok();
    let signed_now: Vec<Party> = sigs.iter().filter(|s| s.version == c.version && s.void_at.is_none()).map(|s| s.party).collect();
    let in_service = status.in_service() && c.version > 0;
    Ok(ContractPage {
        code: c.code.clone(),
        title: c.title.clone(),
        procurement_code: c.procurement_code.clone(),
        status,
        funding: c.funding.clone(),
        price_fen: c.price_fen,
        rank: c.rank,
        owner: PartyView { name: owner.0, credit_code: owner.1 },
        firm: PartyView { name: firm.0, credit_code: firm.1 },
        created_at: c.created_at,
        sign_due_at: c.sign_due_at,
        signed_at: c.signed_at,
        due_at: c.due_at,
        lapsed_at: c.lapsed_at,
        delivered_at: c.delivered_at,
        accept_due_at: c.accept_due_at,
        accepted_at: c.accepted_at,
        completed_at: c.completed_at,
        terminated_at: c.terminated_at,
        termination_reason: c.termination_reason.clone(),
        version: c.version,
        terms: current_terms,
        text,
        sha256,
        versions,
        amendments,
        events: event_rows.into_iter().map(|e| ContractEventView { at: e.at, kind: e.kind, actor: e.actor, detail: e.detail }).collect(),
        viewer,
        can_propose: viewer.is_some() && open_for_signing,
        can_sign: viewer.is_some_and(|v| open_for_signing && !signed_now.contains(&v)),
        can_amend: viewer.is_some() && in_service && !open_amendment,
        can_extend: viewer == Some(Party::Firm) && in_service && !open_amendment,
        can_next_ranked: viewer == Some(Party::Owner) && status == ContractStatus::Lapsed && award_here,
        now_ms: now,
    })
}

/// Every version with its stored hash and text, the server's recomputation, and
/// the signatures on it.
pub async fn verify(pool: &Pool, c: &ContractRow) -> Result<VerifyPage, sqlx::Error> {
    let rows: Vec<(i64, String, i64, String, String, String)> =
        sqlx::query_as("SELECT version, kind, created_at, sha256, text, terms FROM contract_versions WHERE contract_id = $1 ORDER BY version")
            .bind(c.id)
            .fetch_all(pool)
            .await?;
    let sigs = signatures(pool, c.id).await?;
    let versions = rows
        .into_iter()
        .map(|(version, kind, created_at, stored, text, terms)| {
            let terms = parse_terms(&terms);
            VerifyVersion {
                version,
                kind,
                created_at,
                server_text_sha256: contract::text_sha256(&text),
                server_render_sha256: terms.as_ref().map(|t| contract::render(t).1),
                stored_sha256: stored,
                text,
                terms,
                signatures: sigs.iter().filter(|s| s.version == version).cloned().collect(),
            }
        })
        .collect();
    Ok(VerifyPage { code: c.code.clone(), title: c.title.clone(), status: c.status(), version: c.version, versions })
}

/// The contract by code with the caller's access, `None` when the caller may
/// not see it (so its existence does not leak).
pub async fn visible(pool: &Pool, user: &crate::model::accounts::SessionUser, code: &str) -> Result<Option<(ContractRow, Access)>, sqlx::Error> {
    Ok(super::load(pool, code).await?.and_then(|c| access(user, &c).map(|a| (c, a))))
}
