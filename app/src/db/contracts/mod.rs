//! SQL of contracts (合同) from the final award to completion: generation and
//! signing (`signing`), payment (`payments`), service execution — milestones,
//! messages, urges, deliveries and acceptance (`work`). Business rules live in
//! `domain::contract`; every step here is conditional on the state it expects,
//! inside a write transaction (`db::trading::begin_write`), so concurrent
//! requests and several instances cannot apply it twice.
pub mod payments;
pub mod signing;
pub mod work;

use super::trading::Tx;
use super::Pool;
use crate::domain::contract::{self, ContractStatus, Negotiable, Party, PartyInfo, Terms};
use crate::model::accounts::SessionUser;
use crate::state::AppState;

/// A contract with what access checks and every step need.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct ContractRow {
    pub id: i64,
    pub code: String,
    pub procurement_id: i64,
    pub procurement_code: String,
    pub title: String,
    pub firm_id: i64,
    pub owner_id: i64,
    pub region_code: String,
    pub industry_code: String,
    pub funding: String,
    pub price_fen: i64,
    pub status: String,
    pub rank: i64,
    pub version: i64,
    pub created_at: i64,
    pub sign_due_at: Option<i64>,
    pub signed_at: Option<i64>,
    pub lapsed_at: Option<i64>,
    pub due_at: Option<i64>,
    pub delivered_at: Option<i64>,
    pub accept_due_at: Option<i64>,
    pub accepted_at: Option<i64>,
    pub paid_at: Option<i64>,
    pub completed_at: Option<i64>,
    pub terminated_at: Option<i64>,
    pub termination_reason: Option<String>,
    pub updated_at: i64,
}

pub const CONTRACT_COLUMNS: &str = "c.id, c.code, c.procurement_id, p.code AS procurement_code, p.title, c.firm_id, c.owner_id, \
     p.region_code, p.industry_code, p.funding, c.price_fen, c.status, c.rank, c.version, c.created_at, c.sign_due_at, c.signed_at, \
     c.lapsed_at, c.due_at, c.delivered_at, c.accept_due_at, c.accepted_at, c.paid_at, c.completed_at, c.terminated_at, \
     c.termination_reason, c.updated_at";

impl ContractRow {
    pub fn status(&self) -> ContractStatus {
        ContractStatus::parse(&self.status).unwrap_or(ContractStatus::Terminated)
    }
}

/// How the caller reaches a contract.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    /// One of the two parties: acts for it.
    Party(Party),
    /// Regulator of its industry within its region, leader of its region,
    /// operator or admin: reads, never acts.
    Supervisor,
}

impl Access {
    pub fn party(self) -> Option<Party> {
        match self {
            Access::Party(p) => Some(p),
            Access::Supervisor => None,
        }
    }
}

/// Only the two parties and supervisors in scope see a contract.
pub fn access(user: &SessionUser, c: &ContractRow) -> Option<Access> {
    use crate::domain::accounts::Role;
    match user.role {
        Role::Owner if user.owner_id == Some(c.owner_id) => Some(Access::Party(Party::Owner)),
        Role::Firm if user.firm_id == Some(c.firm_id) => Some(Access::Party(Party::Firm)),
        Role::Regulator | Role::Leader | Role::Operator | Role::Admin if user.scope().reaches(&c.region_code, Some(&c.industry_code)) => {
            Some(Access::Supervisor)
        }
        _ => None,
    }
}

/// By contract code (any state).
pub async fn load(pool: &Pool, code: &str) -> Result<Option<ContractRow>, sqlx::Error> {
    sqlx::query_as::<_, ContractRow>(&format!(
        "SELECT {CONTRACT_COLUMNS} FROM contracts c JOIN procurements p ON p.id = c.procurement_id WHERE c.code = $1"
    ))
    .bind(code)
    .fetch_optional(pool)
    .await
}

/// By id inside a write transaction, locking the row on PostgreSQL.
pub async fn load_locked(tx: &mut Tx<'_>, state: &AppState, id: i64) -> Result<Option<ContractRow>, sqlx::Error> {
    let lock = if state.backend == super::Backend::Postgres { " FOR UPDATE OF c" } else { "" };
    sqlx::query_as::<_, ContractRow>(&format!(
        "SELECT {CONTRACT_COLUMNS} FROM contracts c JOIN procurements p ON p.id = c.procurement_id WHERE c.id = $1{lock}"
    ))
    .bind(id)
    .fetch_optional(&mut **tx)
    .await
}

/// Appends to the contract's timeline.
pub async fn event(tx: &mut Tx<'_>, contract_id: i64, at: i64, kind: &str, actor: Option<i64>, detail: &str) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO contract_events (contract_id, at, kind, actor_id, detail) VALUES ($1, $2, $3, $4, $5)")
        .bind(contract_id)
        .bind(at)
        .bind(kind)
        .bind(actor)
        .bind(detail)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// The terms of one version.
pub async fn terms(tx: &mut Tx<'_>, contract_id: i64, version: i64) -> Result<Option<Terms>, sqlx::Error> {
    let json: Option<String> = sqlx::query_scalar("SELECT terms FROM contract_versions WHERE contract_id = $1 AND version = $2")
        .bind(contract_id)
        .bind(version)
        .fetch_optional(&mut **tx)
        .await?;
    Ok(json.and_then(|j| serde_json::from_str(&j).ok()))
}

/// Stores a new version (rendering its text and hash) and makes it current.
pub async fn add_version(
    tx: &mut Tx<'_>,
    contract_id: i64,
    version: i64,
    kind: &str,
    terms: &Terms,
    party: &str,
    by: Option<i64>,
    note: &str,
    now: i64,
) -> Result<String, sqlx::Error> {
    let (text, hash) = contract::render(terms);
    sqlx::query(
        "INSERT INTO contract_versions (contract_id, version, kind, terms, text, sha256, party, proposed_by, note, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(contract_id)
    .bind(version)
    .bind(kind)
    .bind(serde_json::to_string(terms).unwrap_or_default())
    .bind(&text)
    .bind(&hash)
    .bind(party)
    .bind(by)
    .bind(note)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    sqlx::query("UPDATE contracts SET version = $2, updated_at = $3 WHERE id = $1").bind(contract_id).bind(version).bind(now).execute(&mut **tx).await?;
    Ok(hash)
}

#[derive(sqlx::FromRow)]
struct GenerationFacts {
    code: String,
    title: String,
    project_code: String,
    scope: String,
    method: String,
    funding: String,
    service_days: i64,
    contact_name: String,
    owner_id: i64,
    owner_name: String,
    owner_credit_code: String,
    item_name: String,
    approval_item: String,
    firm_id: i64,
    firm_name: String,
    firm_credit_code: String,
    legal_rep: String,
    amount_fen: i64,
    rank: i64,
}

/// Generates the contract (version 1) from the announcement and its final award,
/// with the signing time limit from the trading settings. Called in the
/// transaction that makes the award final. Returns the contract id.
pub async fn generate(tx: &mut Tx<'_>, state: &AppState, procurement_id: i64, now: i64) -> Result<i64, sqlx::Error> {
    let f: GenerationFacts = sqlx::query_as(
        "SELECT p.code, p.title, p.project_code, p.scope, p.method, p.funding, p.service_days, p.contact_name, \
         o.id AS owner_id, o.name AS owner_name, o.credit_code AS owner_credit_code, i.name AS item_name, i.approval_item, \
         f.id AS firm_id, f.name AS firm_name, f.credit_code AS firm_credit_code, f.legal_rep, a.amount_fen, a.rank \
         FROM procurements p JOIN owners o ON o.id = p.owner_id JOIN service_items i ON i.id = p.item_id \
         JOIN awards a ON a.procurement_id = p.id JOIN firms f ON f.id = a.firm_id WHERE p.id = $1",
    )
    .bind(procurement_id)
    .fetch_one(&mut **tx)
    .await?;
    let earlier: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM contracts WHERE procurement_id = $1").bind(procurement_id).fetch_one(&mut **tx).await?;
    let code = format!("{}-HT{}", f.code, earlier + 1);
    let settings = super::trading::settings(&state.pool).await?;
    let calendar = super::trading::calendar(&mut **tx).await?;
    let sign_due = calendar.add_working_days(now, settings.sign_days);
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO contracts (procurement_id, firm_id, owner_id, price_fen, status, created_at, code, rank, version, sign_due_at, updated_at) \
         VALUES ($1, $2, $3, $4, 'drafted', $5, $6, $7, 0, $8, $5) RETURNING id",
    )
    .bind(procurement_id)
    .bind(f.firm_id)
    .bind(f.owner_id)
    .bind(f.amount_fen)
    .bind(now)
    .bind(&code)
    .bind(f.rank)
    .bind(sign_due)
    .fetch_one(&mut **tx)
    .await?;
    let owner_rep = if f.contact_name.trim().chars().count() >= 2 { f.contact_name.trim().to_string() } else { "业主授权代表".to_string() };
    let terms = Terms {
        contract_code: code,
        project_title: f.title,
        project_code: f.project_code,
        procurement_code: f.code,
        item_name: f.item_name.clone(),
        method: f.method,
        scope: if f.scope.trim().is_empty() { f.item_name.clone() } else { f.scope },
        owner: PartyInfo { name: f.owner_name, credit_code: f.owner_credit_code, representative: owner_rep.clone() },
        firm: PartyInfo { name: f.firm_name, credit_code: f.firm_credit_code, representative: f.legal_rep.clone() },
        price_fen: f.amount_fen,
        funding: f.funding,
        negotiable: Negotiable::initial(
            &owner_rep,
            &f.legal_rep,
            f.service_days.clamp(1, contract::MAX_SERVICE_DAYS as i64) as u32,
            vec![format!("{}成果文件(用于{})", f.item_name, f.approval_item).chars().take(100).collect()],
        ),
    };
    add_version(tx, id, 1, "generated", &terms, "system", None, "", now).await?;
    event(tx, id, now, "generated", None, "").await?;
    Ok(id)
}

/// Called once both parties signed a version and the contract is in service
/// (first signing, or an accepted amendment): rebuilds installments and
/// milestones from the terms in force.
pub async fn on_signed(tx: &mut Tx<'_>, contract_id: i64, now: i64) -> Result<(), sqlx::Error> {
    payments::sync_installments(tx, contract_id, now).await?;
    work::sync_milestones(tx, contract_id, now).await?;
    Ok(())
}

/// Completes an accepted contract once every installment is paid: status
/// `completed` (opens the evaluation), the firm's completed count goes up.
/// Returns whether it completed now.
pub async fn maybe_complete(tx: &mut Tx<'_>, contract_id: i64, actor: Option<i64>, now: i64) -> Result<bool, sqlx::Error> {
    let unpaid: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM contract_installments WHERE contract_id = $1 AND status <> 'paid'")
        .bind(contract_id)
        .fetch_one(&mut **tx)
        .await?;
    if unpaid > 0 {
        return Ok(false);
    }
    let done = sqlx::query(
        "UPDATE contracts SET status = 'completed', completed_at = $2, paid_at = COALESCE(paid_at, $2), updated_at = $2 \
         WHERE id = $1 AND status = 'accepted'",
    )
    .bind(contract_id)
    .bind(now)
    .execute(&mut **tx)
    .await?
    .rows_affected()
        == 1;
    if done {
        sqlx::query("UPDATE firms SET completed_count = completed_count + 1 WHERE id = (SELECT firm_id FROM contracts WHERE id = $1)")
            .bind(contract_id)
            .execute(&mut **tx)
            .await?;
        event(tx, contract_id, now, "completed", actor, "").await?;
    }
    Ok(done)
}

/// Publishes a live event to both parties' open contract pages.
pub async fn notify(state: &AppState, code: &str, kind: &str) {
    state.live.publish(&format!("contract:{code}"), kind, serde_json::json!({})).await;
}

/// Time-driven steps of contracts: signing time limits, automatic urges,
/// installments falling due, the sandbox gateway's notifications. Called by the
/// scheduler every second and by tests after moving the clock.
pub async fn advance(state: &AppState, now: i64) -> Result<u32, sqlx::Error> {
    let mut moved = signing::advance(state, now).await?;
    moved += payments::advance(state, now).await?;
    moved += work::advance(state, now).await?;
    Ok(moved)
}
