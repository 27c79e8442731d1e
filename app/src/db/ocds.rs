//! Reads selection processes as [`ProcessFacts`] for the OCDS publication
//! (`domain::ocds`): the announcement, its participants and opened quotes, the
//! draw, the candidates that were selected, the contracts and the payments
//! received, each with the time it became public.
use super::sql::id_list;
use super::Pool;
use crate::domain::merit::MeritCriteria;
use crate::domain::money::Fen;
use crate::domain::ocds::{AwardFacts, BidFacts, ContractFacts, DrawFacts, Org, PaymentFacts, ProcessFacts, ReviewBody, ReviewFacts};
use crate::domain::procurement::{ProcurementStatus, SelectionMethod};
use crate::model::trading::MethodParams;
use std::collections::{BTreeMap, HashMap};

/// Processes read per batch of queries.
pub const BATCH: usize = 200;

/// Published processes only: drafts are the owner's own.
const PUBLISHED: &str = "p.published_at IS NOT NULL AND p.status <> 'draft'";

/// The published process with this announcement code.
pub async fn process(pool: &Pool, code: &str) -> Result<Option<ProcessFacts>, sqlx::Error> {
    let id: Option<(i64,)> = sqlx::query_as(&format!("SELECT p.id FROM procurements p WHERE p.code = $1 AND {PUBLISHED}")).bind(code).fetch_optional(pool).await?;
    let Some((id,)) = id else { return Ok(None) };
    Ok(processes(pool, &[id]).await?.pop())
}

/// The ids of published processes announced in `[from, to)` (epoch ms), oldest first:
/// a month's compiled releases (`/api/v1/ocds/compiled/{YYYY-MM}`).
pub async fn published_between(pool: &Pool, from: i64, to: i64) -> Result<Vec<i64>, sqlx::Error> {
    let rows: Vec<(i64,)> =
        sqlx::query_as(&format!("SELECT p.id FROM procurements p WHERE {PUBLISHED} AND p.published_at >= $1 AND p.published_at < $2 ORDER BY p.published_at, p.id"))
            .bind(from)
            .bind(to)
            .fetch_all(pool)
            .await?;
    Ok(rows.into_iter().map(|(id,)| id).collect())
}

/// The ids of published processes with something public happening in
/// `[from, to)` (epoch ms), oldest publication first. It may include a few
/// without a change in the window (their releases then fall outside it).
pub async fn changed_between(pool: &Pool, from: i64, to: i64) -> Result<Vec<i64>, sqlx::Error> {
    let rows: Vec<(i64,)> = sqlx::query_as(&format!(
        "SELECT p.id FROM procurements p WHERE {PUBLISHED} AND p.published_at < $2 AND ( \
           p.published_at >= $1 OR p.updated_at >= $1 OR p.closed_at >= $1 \
           OR EXISTS (SELECT 1 FROM awards a WHERE a.procurement_id = p.id AND (a.awarded_at >= $1 OR a.final_at >= $1)) \
           OR EXISTS (SELECT 1 FROM candidates c WHERE c.procurement_id = p.id AND c.decided_at >= $1) \
           OR EXISTS (SELECT 1 FROM procurement_events e WHERE e.procurement_id = p.id AND e.at >= $1 \
                      AND (e.kind IN ('excluded', 'justification_rejected') OR e.kind LIKE 'objection%')) \
           OR EXISTS (SELECT 1 FROM complaints c LEFT JOIN contracts ck ON ck.id = c.contract_id \
                      WHERE (c.procurement_id = p.id OR ck.procurement_id = p.id) AND c.updated_at >= $1) \
           OR EXISTS (SELECT 1 FROM contracts k WHERE k.procurement_id = p.id AND k.updated_at >= $1) \
           OR EXISTS (SELECT 1 FROM contracts k JOIN payments y ON y.contract_id = k.id WHERE k.procurement_id = p.id AND y.paid_at >= $1)) \
         ORDER BY p.published_at, p.id"
    ))
    .bind(from)
    .bind(to)
    .fetch_all(pool)
    .await?;
    Ok(rows.into_iter().map(|(id,)| id).collect())
}

#[derive(sqlx::FromRow)]
struct ProcRow {
    id: i64,
    code: String,
    title: String,
    project_code: String,
    scope: String,
    item_code: String,
    item_name: String,
    budget_fen: i64,
    method: String,
    status: String,
    service_days: i64,
    owner_code: String,
    owner_name: String,
    owner_region: String,
    published_at: i64,
    deadline_at: Option<i64>,
    closed_at: Option<i64>,
    opened_at: Option<i64>,
    updated_at: i64,
    cancel_reason: Option<String>,
    method_params: String,
    draw_commitment: Option<String>,
    industry_code: String,
    regulator: String,
}

/// The facts of these processes (published ones; at most a few hundred ids per call), in id order.
pub async fn processes(pool: &Pool, ids: &[i64]) -> Result<Vec<ProcessFacts>, sqlx::Error> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let list = id_list(ids);
    let rows: Vec<ProcRow> = sqlx::query_as(&format!(
        "SELECT p.id, p.code, p.title, p.project_code, p.scope, si.code AS item_code, si.name AS item_name, p.budget_fen, p.method, p.status, \
                p.service_days, o.credit_code AS owner_code, o.name AS owner_name, ro.name AS owner_region, p.published_at, p.deadline_at, \
                p.closed_at, p.opened_at, p.updated_at, p.cancel_reason, p.method_params, p.draw_commitment, \
                p.industry_code, ind.regulator \
         FROM procurements p JOIN owners o ON o.id = p.owner_id JOIN regions ro ON ro.code = o.region_code \
         JOIN industries ind ON ind.code = p.industry_code \
         JOIN service_items si ON si.id = p.item_id \
         WHERE p.id IN ({list}) AND {PUBLISHED} ORDER BY p.id"
    ))
    .fetch_all(pool)
    .await?;

    // participants: registrations (random draw, direct), submitted sealed quotes with their opened
    // amounts, and opened quotes loaded without a sealed form (imported history, the demo market)
    let bid_rows: Vec<(i64, String, String, String, i64, Option<i64>)> = sqlx::query_as(&format!(
        "SELECT pa.procurement_id, f.credit_code, f.name, r.name, COALESCE(pa.updated_at, pa.registered_at), NULL \
         FROM participations pa JOIN firms f ON f.id = pa.firm_id JOIN regions r ON r.code = f.region_code \
         JOIN procurements p ON p.id = pa.procurement_id \
         WHERE pa.procurement_id IN ({list}) AND pa.status = 'registered' AND p.method IN ('random_draw', 'direct') \
         UNION ALL \
         SELECT s.procurement_id, f.credit_code, f.name, r.name, s.submitted_at, q.amount_fen \
         FROM sealed_quotes s JOIN firms f ON f.id = s.firm_id JOIN regions r ON r.code = f.region_code \
         LEFT JOIN quotes q ON q.procurement_id = s.procurement_id AND q.firm_id = s.firm_id \
         WHERE s.procurement_id IN ({list}) AND s.status = 'submitted' \
         UNION ALL \
         SELECT q.procurement_id, f.credit_code, f.name, r.name, q.submitted_at, q.amount_fen \
         FROM quotes q JOIN firms f ON f.id = q.firm_id JOIN regions r ON r.code = f.region_code \
         WHERE q.procurement_id IN ({list}) \
           AND NOT EXISTS (SELECT 1 FROM sealed_quotes s WHERE s.procurement_id = q.procurement_id AND s.firm_id = q.firm_id) \
         ORDER BY 1, 5, 2"
    ))
    .fetch_all(pool)
    .await?;
    // disqualifications, as domain::redflags reads them: excluded at the deadline and rejected
    // justifications (public timeline events naming the credit code), disqualified candidates;
    // a rejected justification without its event (imported history) counts from the opening
    let disq_rows: Vec<(i64, String, Option<i64>)> = sqlx::query_as(&format!(
        "SELECT e.procurement_id, e.detail, MIN(e.at) FROM procurement_events e \
         WHERE e.procurement_id IN ({list}) AND e.kind IN ('excluded', 'justification_rejected') GROUP BY e.procurement_id, e.detail \
         UNION ALL \
         SELECT c.procurement_id, f.credit_code, c.decided_at FROM candidates c JOIN firms f ON f.id = c.firm_id \
         WHERE c.procurement_id IN ({list}) AND c.status = 'disqualified' \
         UNION ALL \
         SELECT q.procurement_id, f.credit_code, CAST(NULL AS BIGINT) FROM quotes q JOIN firms f ON f.id = q.firm_id \
         WHERE q.procurement_id IN ({list}) AND q.justification_decision = 'rejected'"
    ))
    .fetch_all(pool)
    .await?;
    let mut disqualified: HashMap<(i64, String), Option<i64>> = HashMap::new();
    for (pid, credit_code, at) in disq_rows {
        let e = disqualified.entry((pid, credit_code)).or_insert(at);
        *e = match (*e, at) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
    }
    let mut bids: HashMap<i64, Vec<BidFacts>> = HashMap::new();
    for (pid, credit_code, name, region, at, amount) in bid_rows {
        let disqualified_at = disqualified.get(&(pid, credit_code.clone())).map(|at| at.unwrap_or(i64::MIN));
        bids.entry(pid).or_default().push(BidFacts { firm: Org { credit_code, name, region }, received_at: at, amount: amount.map(Fen), disqualified_at });
    }

    let draw_rows: Vec<(i64, String, String, String, i64)> = sqlx::query_as(&format!(
        "SELECT procurement_id, seed, registrant_hash, ranking, drawn_at FROM draws WHERE procurement_id IN ({list}) ORDER BY drawn_at, id"
    ))
    .fetch_all(pool)
    .await?;
    let mut draws: HashMap<i64, DrawFacts> = HashMap::new();
    for (pid, seed, registrant_hash, ranking, drawn_at) in draw_rows {
        let ranking: Vec<String> = serde_json::from_str(&ranking).unwrap_or_default();
        draws.entry(pid).or_insert(DrawFacts { seed, registrant_hash, ranking, drawn_at });
    }

    // candidates, the current award, and when each rank was selected (timeline)
    let cand_rows: Vec<(i64, i64, String, String, String, Option<i64>, String, Option<i64>)> = sqlx::query_as(&format!(
        "SELECT c.procurement_id, c.rank, f.credit_code, f.name, r.name, c.amount_fen, c.status, c.decided_at \
         FROM candidates c JOIN firms f ON f.id = c.firm_id JOIN regions r ON r.code = f.region_code \
         WHERE c.procurement_id IN ({list}) ORDER BY c.procurement_id, c.rank"
    ))
    .fetch_all(pool)
    .await?;
    let award_rows: Vec<(i64, i64, String, String, String, i64, String, i64, Option<i64>)> = sqlx::query_as(&format!(
        "SELECT a.procurement_id, a.rank, f.credit_code, f.name, r.name, a.amount_fen, a.status, a.awarded_at, a.final_at \
         FROM awards a JOIN firms f ON f.id = a.firm_id JOIN regions r ON r.code = f.region_code WHERE a.procurement_id IN ({list})"
    ))
    .fetch_all(pool)
    .await?;
    let selected_rows: Vec<(i64, String, i64)> = sqlx::query_as(&format!(
        "SELECT procurement_id, detail, MIN(at) FROM procurement_events WHERE procurement_id IN ({list}) AND kind = 'selected' GROUP BY procurement_id, detail"
    ))
    .fetch_all(pool)
    .await?;
    let selected_at: HashMap<(i64, i64), i64> =
        selected_rows.into_iter().filter_map(|(pid, rank, at)| rank.parse::<i64>().ok().map(|r| ((pid, r), at))).collect();
    let mut candidates: HashMap<i64, Vec<(i64, Org, Option<i64>, Option<i64>)>> = HashMap::new();
    for (pid, rank, credit_code, name, region, amount, _status, decided_at) in cand_rows {
        candidates.entry(pid).or_default().push((rank, Org { credit_code, name, region }, amount, decided_at));
    }
    let awards_now: HashMap<i64, (i64, Org, i64, String, i64, Option<i64>)> = award_rows
        .into_iter()
        .map(|(pid, rank, credit_code, name, region, amount, status, awarded_at, final_at)| (pid, (rank, Org { credit_code, name, region }, amount, status, awarded_at, final_at)))
        .collect();

    let contract_rows: Vec<(i64, i64, String, i64, i64, String, i64, Option<i64>, Option<i64>, Option<i64>, Option<i64>)> = sqlx::query_as(&format!(
        "SELECT k.procurement_id, k.id, k.code, k.rank, k.price_fen, k.status, k.created_at, k.signed_at, k.due_at, \
                COALESCE(k.completed_at, k.terminated_at), k.lapsed_at \
         FROM contracts k WHERE k.procurement_id IN ({list}) ORDER BY k.procurement_id, k.id"
    ))
    .fetch_all(pool)
    .await?;
    let payment_rows: Vec<(i64, i64, i64, i64)> = sqlx::query_as(&format!(
        "SELECT y.contract_id, y.seq, y.amount_fen, y.paid_at FROM payments y JOIN contracts k ON k.id = y.contract_id \
         WHERE k.procurement_id IN ({list}) AND y.status = 'paid' AND y.paid_at IS NOT NULL ORDER BY y.contract_id, y.paid_at, y.id"
    ))
    .fetch_all(pool)
    .await?;
    let mut payments: HashMap<i64, Vec<(i64, i64, i64)>> = HashMap::new();
    for (cid, seq, amount, paid_at) in payment_rows {
        payments.entry(cid).or_default().push((seq, amount, paid_at));
    }
    let mut contracts: HashMap<i64, Vec<ContractFacts>> = HashMap::new();
    for (pid, cid, code, rank, price, status, created_at, signed_at, due_at, ended_at, lapsed_at) in contract_rows {
        let ended_at = if matches!(status.as_str(), "completed" | "terminated") { ended_at } else { None };
        let lapsed_at = if status == "lapsed" { lapsed_at } else { None };
        let payments = payments
            .remove(&cid)
            .unwrap_or_default()
            .into_iter()
            .map(|(seq, amount, paid_at)| PaymentFacts { id: format!("{code}-P{seq}"), amount: Fen(amount), paid_at })
            .collect();
        contracts.entry(pid).or_default().push(ContractFacts { code, rank, price: Fen(price), created_at, signed_at, due_at, ended_at, lapsed_at, payments });
    }

    // objections from their filing; complaints about the process or its contract from their
    // acceptance (a complaint from an escalated objection is that objection's review)
    let review_rows: Vec<(i64, i64, i64, i64, Option<i64>, Option<i64>, Option<i64>, Option<String>)> = sqlx::query_as(&format!(
        "SELECT o.procurement_id, CAST(0 AS BIGINT), o.id, o.filed_at, o.answered_at, o.escalated_at, o.resolved_at, o.decision FROM objections o \
         WHERE o.procurement_id IN ({list}) AND o.status <> 'draft' AND o.filed_at IS NOT NULL \
         UNION ALL \
         SELECT COALESCE(c.procurement_id, k.procurement_id), CAST(1 AS BIGINT), c.id, c.accepted_at, NULL, c.accepted_at, c.decided_at, c.decision \
         FROM complaints c LEFT JOIN contracts k ON k.id = c.contract_id \
         WHERE c.objection_id IS NULL AND c.status IN ('accepted', 'decided') AND c.accepted_at IS NOT NULL \
           AND COALESCE(c.procurement_id, k.procurement_id) IN ({list}) \
         ORDER BY 1, 4, 3"
    ))
    .fetch_all(pool)
    .await?;
    let mut reviews: HashMap<i64, Vec<ReviewFacts>> = HashMap::new();
    for (pid, kind, id, filed_at, answered_at, escalated_at, ended_at, decision) in review_rows {
        let complaint = kind == 1;
        let id = format!("{}{id}", if complaint { 'T' } else { 'Q' });
        reviews.entry(pid).or_default().push(ReviewFacts { id, complaint, filed_at, answered_at, escalated_at, ended_at, decision });
    }

    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        let (Some(method), Some(status)) = (SelectionMethod::parse(&r.method), ProcurementStatus::parse(&r.status)) else { continue };
        let ProcRow {
            id, code, title, project_code, scope, item_code, item_name, budget_fen: budget, service_days, owner_code, owner_name, owner_region,
            published_at, deadline_at, closed_at, opened_at, updated_at, cancel_reason, method_params, draw_commitment, industry_code, regulator, ..
        } = r;
        let params: MethodParams = serde_json::from_str(&method_params).unwrap_or_default();
        let (price_weight, criteria) = match params.merit {
            Some(MeritCriteria { price_weight, quality }) => (Some(price_weight), quality.into_iter().map(|c| (c.name, c.max_points)).collect()),
            None => (None, Vec::new()),
        };
        let awards = award_history(id, candidates.remove(&id).unwrap_or_default(), awards_now.get(&id), &selected_at, opened_at.or(closed_at), budget, updated_at);
        out.push(ProcessFacts {
            code,
            title,
            project_code,
            scope,
            item_code,
            item_name,
            budget: Fen(budget),
            method,
            status,
            service_days,
            owner: Org { credit_code: owner_code, name: owner_name, region: owner_region },
            published_at,
            deadline_at,
            closed_at,
            opened_at,
            ended_at: matches!(status, ProcurementStatus::Failed | ProcurementStatus::Cancelled).then_some(updated_at),
            cancel_reason,
            direct_reason: params.direct_reason.filter(|_| method == SelectionMethod::Direct),
            draw_commitment: draw_commitment.filter(|_| method == SelectionMethod::RandomDraw),
            draw: draws.remove(&id),
            price_weight,
            criteria,
            bids: bids
                .remove(&id)
                .unwrap_or_default()
                .into_iter()
                // a disqualification without a time (imported history): from the opening
                .map(|b| BidFacts { disqualified_at: b.disqualified_at.map(|at| if at == i64::MIN { opened_at.or(closed_at).unwrap_or(published_at) } else { at }), ..b })
                .collect(),
            awards,
            contracts: contracts.remove(&id).unwrap_or_default(),
            reviews: reviews.remove(&id).unwrap_or_default(),
            review_body: ReviewBody { code: industry_code, name: regulator },
        });
    }
    Ok(out)
}

/// Every candidate that was selected at some moment, as awards: ranks 1 up to
/// the current award's. Earlier ranks ended (declined, lapsed, disqualified)
/// when their candidate was decided; the current one is under publicity, final,
/// or void (no candidate left).
fn award_history(
    pid: i64,
    candidates: Vec<(i64, Org, Option<i64>, Option<i64>)>,
    current: Option<&(i64, Org, i64, String, i64, Option<i64>)>,
    selected_at: &HashMap<(i64, i64), i64>,
    first_selection: Option<i64>,
    budget: i64,
    updated_at: i64,
) -> Vec<AwardFacts> {
    let Some((current_rank, current_firm, current_amount, status, awarded_at, final_at)) = current else { return Vec::new() };
    let by_rank: BTreeMap<i64, (Org, Option<i64>, Option<i64>)> = candidates.into_iter().map(|(r, o, a, d)| (r, (o, a, d))).collect();
    let mut out = Vec::new();
    let mut previous_decided: Option<i64> = None;
    for (rank, (firm, amount, decided_at)) in by_rank.range(..*current_rank) {
        let at = selected_at.get(&(pid, *rank)).copied().or(previous_decided).or(first_selection).unwrap_or(*awarded_at);
        out.push(AwardFacts { rank: *rank, firm: firm.clone(), amount: Fen(amount.unwrap_or(budget)), selected_at: at, final_at: None, cancelled_at: decided_at.or(Some(*awarded_at)) });
        previous_decided = *decided_at;
    }
    let void = status == "void";
    let cancelled_at = void.then(|| by_rank.get(current_rank).and_then(|c| c.2).unwrap_or(updated_at));
    out.push(AwardFacts {
        rank: *current_rank,
        firm: current_firm.clone(),
        amount: Fen(*current_amount),
        selected_at: *awarded_at,
        final_at: if status == "final" { final_at.or(Some(*awarded_at)) } else { None },
        cancelled_at,
    });
    out
}
