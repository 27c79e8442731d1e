//! SQL of evaluation (综合评价), star levels (星级), downgrade proposals and
//! regulator actions. The formula and the poor-rating rule are in
//! `domain::star`; every write runs in a write transaction
//! (`db::trading::begin_write`) and is conditional on the state it expects.
use super::trading::Tx;
use super::Pool;
use crate::domain::paging::Page;
use crate::domain::star::{self, Scored, StarCalc};
use crate::model::ratings::{ProposalView, RatingView, SanctionView, StaffOption, StaffScore};

/// Key staff an owner scores: the firm's managers and technical staff.
pub async fn staff_options(pool: &Pool, firm_id: i64) -> Result<Vec<StaffOption>, sqlx::Error> {
    sqlx::query_as::<_, StaffOption>(
        "SELECT id, role, name, title FROM firm_staff WHERE firm_id = $1 AND role IN ('manager', 'technical') \
         ORDER BY CASE role WHEN 'manager' THEN 0 ELSE 1 END, id",
    )
    .bind(firm_id)
    .fetch_all(pool)
    .await
}

type RatingRow = (i64, String, i64, i64, i64, i64, Option<String>, i64, Option<String>, Option<i64>);
const RATING_SELECT: &str = "SELECT r.id, p.title, r.timeliness, r.quality, r.attitude, r.fee_compliance, r.comment, r.rated_at, r.reply, r.replied_at \
     FROM ratings r JOIN contracts c ON c.id = r.contract_id JOIN procurements p ON p.id = c.procurement_id";

async fn with_staff(pool: &Pool, rows: Vec<RatingRow>) -> Result<Vec<RatingView>, sqlx::Error> {
    let mut out = Vec::with_capacity(rows.len());
    for (id, project_title, timeliness, quality, attitude, fee_compliance, comment, rated_at, reply, replied_at) in rows {
        let staff = sqlx::query_as::<_, StaffScore>(
            "SELECT rs.staff_id, s.name, s.role, rs.score, rs.comment FROM rating_staff rs JOIN firm_staff s ON s.id = rs.staff_id \
             WHERE rs.rating_id = $1 ORDER BY rs.id",
        )
        .bind(id)
        .fetch_all(pool)
        .await?;
        out.push(RatingView { id, project_title, timeliness, quality, attitude, fee_compliance, comment, rated_at, staff, reply, replied_at });
    }
    Ok(out)
}

/// The rating of a contract, if any.
pub async fn for_contract(pool: &Pool, contract_id: i64) -> Result<Option<RatingView>, sqlx::Error> {
    let rows: Vec<RatingRow> = sqlx::query_as(&format!("{RATING_SELECT} WHERE r.contract_id = $1")).bind(contract_id).fetch_all(pool).await?;
    Ok(with_staff(pool, rows).await?.into_iter().next())
}

/// A firm's ratings, newest first, one page.
pub async fn for_firm(pool: &Pool, firm_id: i64, page: u32, per_page: u32) -> Result<Page<RatingView>, sqlx::Error> {
    let total: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM ratings WHERE firm_id = $1").bind(firm_id).fetch_one(pool).await?;
    let page = page.max(1);
    let rows: Vec<RatingRow> = sqlx::query_as(&format!("{RATING_SELECT} WHERE r.firm_id = $1 ORDER BY r.rated_at DESC, r.id DESC LIMIT $2 OFFSET $3"))
        .bind(firm_id)
        .bind(per_page as i64)
        .bind(((page - 1) * per_page) as i64)
        .fetch_all(pool)
        .await?;
    Ok(Page { items: with_staff(pool, rows).await?, page, per_page, total: total as u64 })
}

/// The firm's ratings in the formula's window.
async fn scored(tx: &mut Tx<'_>, firm_id: i64, now: i64) -> Result<Vec<Scored>, sqlx::Error> {
    let since = now - (star::WINDOW_DAYS + 1) * 86_400_000;
    let rows: Vec<(i64, i64)> = sqlx::query_as(
        "SELECT rated_at, CAST(timeliness + quality + attitude + fee_compliance AS BIGINT) FROM ratings WHERE firm_id = $1 AND rated_at >= $2",
    )
    .bind(firm_id)
    .bind(since)
    .fetch_all(&mut **tx)
    .await?;
    Ok(rows.into_iter().map(|(rated_at, sum)| Scored { rated_at, sum }).collect())
}

/// The downgrade cap in force today.
async fn cap(tx: &mut Tx<'_>, firm_id: i64, today: &str) -> Result<Option<i64>, sqlx::Error> {
    let row: Option<(Option<i64>, Option<String>)> =
        sqlx::query_as("SELECT star_cap, star_cap_until FROM firms WHERE id = $1").bind(firm_id).fetch_optional(&mut **tx).await?;
    Ok(match row {
        Some((Some(c), Some(until))) if until.as_str() >= today => Some(c),
        _ => None,
    })
}

/// Recomputes the firm's star level and caches it on `firms`.
pub async fn recompute(tx: &mut Tx<'_>, firm_id: i64, now: i64) -> Result<StarCalc, sqlx::Error> {
    let today = crate::domain::time::date_shanghai(now);
    let ratings = scored(tx, firm_id, now).await?;
    let cap = cap(tx, firm_id, &today).await?;
    let calc = star::compute(&ratings, now, cap);
    sqlx::query("UPDATE firms SET star_level = $2, star_computed_at = $3 WHERE id = $1").bind(firm_id).bind(calc.level).bind(now).execute(&mut **tx).await?;
    Ok(calc)
}

/// The firm's calculation now (read-only; what the profile shows).
pub async fn calculation(pool: &Pool, firm_id: i64, now: i64) -> Result<StarCalc, sqlx::Error> {
    let mut tx = crate::db::begin_write_on(&pool).await?;
    let today = crate::domain::time::date_shanghai(now);
    let ratings = scored(&mut tx, firm_id, now).await?;
    let cap = cap(&mut tx, firm_id, &today).await?;
    tx.rollback().await?;
    Ok(star::compute(&ratings, now, cap))
}

/// Recomputes every firm with a cached level or a rating in the window (start-up
/// and nightly: ratings age out of the window, caps expire), runs the
/// poor-rating rule on each, lifts suspensions whose last day has passed. Returns how many firms were recomputed.
pub async fn recompute_all(state: &crate::state::AppState, now: i64) -> Result<u32, sqlx::Error> {
    let since = now - (star::WINDOW_DAYS + 1) * 86_400_000;
    let today = crate::domain::time::date_shanghai(now);
    let ids: Vec<(i64,)> = sqlx::query_as(
        "SELECT id FROM firms WHERE star_level IS NOT NULL OR star_cap IS NOT NULL \
         OR id IN (SELECT firm_id FROM ratings WHERE rated_at >= $1) ORDER BY id",
    )
    .bind(since)
    .fetch_all(&state.pool)
    .await?;
    let mut tx = super::trading::begin_write(state).await?;
    sqlx::query("UPDATE firms SET status = 'active', suspended_until = NULL, updated_at = $2 WHERE status = 'suspended' AND suspended_until IS NOT NULL AND suspended_until < $1")
        .bind(&today)
        .bind(now)
        .execute(&mut *tx)
        .await?;
    for (id,) in &ids {
        recompute(&mut tx, *id, now).await?;
        if let Some(industry) = latest_rated_industry(&mut tx, *id).await? {
            propose_if_poor(&mut tx, *id, &industry, true, now).await?;
        }
    }
    tx.commit().await?;
    Ok(ids.len() as u32)
}

/// The poor-rating rule: when it fires, opens a downgrade proposal for the
/// regulator of the firm's region and `industry`, unless one is open or (for
/// the nightly sweep, `sweep`) one was already made since the firm's latest
/// rating: a decided proposal is re-opened only by a new rating. Whether one was opened.
pub async fn propose_if_poor(tx: &mut Tx<'_>, firm_id: i64, industry: &str, sweep: bool, now: i64) -> Result<bool, sqlx::Error> {
    let ratings = scored(tx, firm_id, now).await?;
    let Some(p) = star::poor(&ratings, now) else {
        return Ok(false);
    };
    // a sweep is blocked by any proposal made since the latest rating
    let latest = if sweep { ratings.iter().map(|r| r.rated_at).max().unwrap_or(now) } else { i64::MAX };
    let region: String = sqlx::query_scalar("SELECT region_code FROM firms WHERE id = $1").bind(firm_id).fetch_one(&mut **tx).await?;
    let done = sqlx::query(
        "INSERT INTO firm_sanction_proposals (firm_id, region_code, industry_code, reason, rating_count, average_milli, star_level, status, created_at) \
         SELECT $1, $2, $3, $4, $5, $6, $7, 'open', $8 WHERE NOT EXISTS \
         (SELECT 1 FROM firm_sanction_proposals WHERE firm_id = $1 AND (status = 'open' OR created_at >= $9)) ON CONFLICT DO NOTHING",
    )
    .bind(firm_id)
    .bind(&region)
    .bind(industry)
    .bind(&p.reason)
    .bind(p.count)
    .bind(p.average_milli)
    .bind(p.computed)
    .bind(now)
    .bind(latest)
    .execute(&mut **tx)
    .await?
    .rows_affected();
    Ok(done == 1)
}

/// The industry of the firm's latest rated contract (where a sweep routes its proposal).
async fn latest_rated_industry(tx: &mut Tx<'_>, firm_id: i64) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT p.industry_code FROM ratings r JOIN contracts c ON c.id = r.contract_id JOIN procurements p ON p.id = c.procurement_id \
         WHERE r.firm_id = $1 ORDER BY r.rated_at DESC, r.id DESC LIMIT 1",
    )
    .bind(firm_id)
    .fetch_optional(&mut **tx)
    .await
}

/// A validated rating.
pub struct NewRating {
    pub timeliness: i64,
    pub quality: i64,
    pub attitude: i64,
    pub fee_compliance: i64,
    pub comment: Option<String>,
    /// (staff id, score, comment)
    pub staff: Vec<(i64, i64, Option<String>)>,
}

/// Stores the owner's rating of a completed contract (once), recomputes the
/// firm's star level and, when the poor-rating rule fires and no proposal is
/// open, creates a downgrade proposal. `false` when the contract is already
/// rated or not completed.
pub async fn rate(state: &crate::state::AppState, contract_id: i64, by: i64, r: &NewRating, now: i64) -> Result<bool, sqlx::Error> {
    let mut tx = super::trading::begin_write(state).await?;
    let c = super::contracts::load_locked(&mut tx, state, contract_id).await?;
    let Some(c) = c.filter(|c| c.status == "completed") else {
        return Ok(false);
    };
    let id: Option<i64> = sqlx::query_scalar(
        "INSERT INTO ratings (contract_id, firm_id, timeliness, quality, attitude, fee_compliance, comment, rated_at, rated_by) \
         SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9 WHERE NOT EXISTS (SELECT 1 FROM ratings WHERE contract_id = $1) RETURNING id",
    )
    .bind(c.id)
    .bind(c.firm_id)
    .bind(r.timeliness)
    .bind(r.quality)
    .bind(r.attitude)
    .bind(r.fee_compliance)
    .bind(r.comment.as_deref())
    .bind(now)
    .bind(by)
    .fetch_optional(&mut *tx)
    .await?;
    let Some(id) = id else {
        return Ok(false);
    };
    for (staff_id, score, comment) in &r.staff {
        sqlx::query("INSERT INTO rating_staff (rating_id, staff_id, score, comment) VALUES ($1, $2, $3, $4)")
            .bind(id)
            .bind(staff_id)
            .bind(score)
            .bind(comment.as_deref())
            .execute(&mut *tx)
            .await?;
    }
    super::contracts::event(&mut tx, c.id, now, "rated", Some(by), "").await?;
    recompute(&mut tx, c.firm_id, now).await?;
    propose_if_poor(&mut tx, c.firm_id, &c.industry_code, false, now).await?;
    super::credit::recompute(&mut tx, c.firm_id, now).await?;
    tx.commit().await?;
    Ok(true)
}

/// The firm's one reply to a rating; `false` when it already replied.
pub async fn reply(state: &crate::state::AppState, rating_id: i64, firm_id: i64, by: i64, text: &str, now: i64) -> Result<bool, sqlx::Error> {
    let mut tx = super::trading::begin_write(state).await?;
    let done = sqlx::query("UPDATE ratings SET reply = $3, reply_by = $4, replied_at = $5 WHERE id = $1 AND firm_id = $2 AND reply IS NULL")
        .bind(rating_id)
        .bind(firm_id)
        .bind(text)
        .bind(by)
        .bind(now)
        .execute(&mut *tx)
        .await?
        .rows_affected()
        == 1;
    tx.commit().await?;
    Ok(done)
}

const SANCTION_SELECT: &str = "SELECT s.id, f.name AS firm_name, f.credit_code, s.kind, s.reason, s.star_cap, s.until, s.decided_at, s.appeal, \
     s.appealed_at, s.appeal_status, s.appeal_decision, s.appeal_decided_at, s.revoked_at FROM firm_sanctions s JOIN firms f ON f.id = s.firm_id";

/// A firm's actions, newest first (public).
pub async fn sanctions_of(pool: &Pool, firm_id: i64) -> Result<Vec<SanctionView>, sqlx::Error> {
    sqlx::query_as::<_, SanctionView>(&format!("{SANCTION_SELECT} WHERE s.firm_id = $1 ORDER BY s.decided_at DESC, s.id DESC"))
        .bind(firm_id)
        .fetch_all(pool)
        .await
}

/// Proposals and actions with their routing (region, industry), newest first; the caller filters by scope.
pub async fn desk_rows(pool: &Pool) -> Result<(Vec<(String, String, ProposalView)>, Vec<(String, String, SanctionView)>), sqlx::Error> {
    let props: Vec<ProposalRow> = sqlx::query_as(
        "SELECT p.region_code, p.industry_code, p.id, f.name AS firm_name, f.credit_code, f.status AS firm_status, f.star_level, p.reason, \
         p.rating_count, p.average_milli, p.status, p.created_at, p.decided_at, p.decision_note \
         FROM firm_sanction_proposals p JOIN firms f ON f.id = p.firm_id ORDER BY CASE p.status WHEN 'open' THEN 0 ELSE 1 END, p.created_at DESC LIMIT 500",
    )
    .fetch_all(pool)
    .await?;
    let sanctions: Vec<SanctionRow> = sqlx::query_as(&format!(
        "SELECT s.region_code AS scope_region, s.industry_code AS scope_industry, {} ORDER BY CASE s.appeal_status WHEN 'pending' THEN 0 ELSE 1 END, s.decided_at DESC LIMIT 500",
        SANCTION_SELECT.trim_start_matches("SELECT ")
    ))
    .fetch_all(pool)
    .await?;
    Ok((
        props.into_iter().map(|r| (r.region_code.clone(), r.industry_code.clone(), r.view())).collect(),
        sanctions.into_iter().map(|r| (r.scope_region.clone(), r.scope_industry.clone(), r.view())).collect(),
    ))
}

#[derive(sqlx::FromRow)]
struct ProposalRow {
    region_code: String,
    industry_code: String,
    id: i64,
    firm_name: String,
    credit_code: String,
    firm_status: String,
    star_level: Option<i64>,
    reason: String,
    rating_count: i64,
    average_milli: i64,
    status: String,
    created_at: i64,
    decided_at: Option<i64>,
    decision_note: Option<String>,
}

impl ProposalRow {
    fn view(self) -> ProposalView {
        ProposalView {
            id: self.id,
            firm_name: self.firm_name,
            credit_code: self.credit_code,
            firm_status: self.firm_status,
            star_level: self.star_level,
            reason: self.reason,
            rating_count: self.rating_count,
            average_milli: self.average_milli,
            status: self.status,
            created_at: self.created_at,
            decided_at: self.decided_at,
            decision_note: self.decision_note,
        }
    }
}

#[derive(sqlx::FromRow)]
struct SanctionRow {
    scope_region: String,
    scope_industry: String,
    #[sqlx(flatten)]
    v: SanctionView,
}

impl SanctionRow {
    fn view(self) -> SanctionView {
        self.v
    }
}

/// An open proposal with its routing and firm.
pub async fn proposal(pool: &Pool, id: i64) -> Result<Option<(i64, String, String, String)>, sqlx::Error> {
    sqlx::query_as("SELECT firm_id, region_code, industry_code, status FROM firm_sanction_proposals WHERE id = $1").bind(id).fetch_optional(pool).await
}

/// A sanction with its routing: (firm_id, region, industry).
pub async fn sanction(pool: &Pool, id: i64) -> Result<Option<(i64, String, String)>, sqlx::Error> {
    sqlx::query_as("SELECT firm_id, region_code, industry_code FROM firm_sanctions WHERE id = $1").bind(id).fetch_optional(pool).await
}

/// A validated regulator action.
pub struct Action {
    /// `downgrade`, `suspend`, `expel` or `dismiss` (the proposal only).
    pub kind: String,
    pub reason: String,
    pub star_cap: Option<i64>,
    pub until: Option<String>,
}

/// The regulator acts on an open proposal: dismisses it, or downgrades
/// (caps the star level until a date), suspends (until a date) or expels the
/// firm; the action is public. `false` when the proposal is no longer open.
pub async fn act(state: &crate::state::AppState, proposal_id: i64, by: i64, a: &Action, now: i64) -> Result<bool, sqlx::Error> {
    let mut tx = super::trading::begin_write(state).await?;
    let status = if a.kind == "dismiss" { "dismissed" } else { "acted" };
    let done = sqlx::query("UPDATE firm_sanction_proposals SET status = $2, decided_by = $3, decided_at = $4, decision_note = $5 WHERE id = $1 AND status = 'open'")
        .bind(proposal_id)
        .bind(status)
        .bind(by)
        .bind(now)
        .bind(&a.reason)
        .execute(&mut *tx)
        .await?
        .rows_affected()
        == 1;
    if !done {
        return Ok(false);
    }
    if a.kind != "dismiss" {
        let (firm_id, region, industry): (i64, String, String) =
            sqlx::query_as("SELECT firm_id, region_code, industry_code FROM firm_sanction_proposals WHERE id = $1").bind(proposal_id).fetch_one(&mut *tx).await?;
        apply(&mut tx, firm_id, Some(proposal_id), &region, &industry, by, a, now).await?;
    }
    tx.commit().await?;
    Ok(true)
}

/// The regulator acts on a firm in its scope without a proposal (a
/// downgrade, suspension or expulsion found in its own supervision); routed
/// to the firm's region and the regulator's industry. Public like any other.
pub async fn sanction_directly(state: &crate::state::AppState, firm_id: i64, industry: &str, by: i64, a: &Action, now: i64) -> Result<(), sqlx::Error> {
    let mut tx = super::trading::begin_write(state).await?;
    let region: String = sqlx::query_scalar("SELECT region_code FROM firms WHERE id = $1").bind(firm_id).fetch_one(&mut *tx).await?;
    apply(&mut tx, firm_id, None, &region, industry, by, a, now).await?;
    tx.commit().await?;
    Ok(())
}

/// Records an action and carries it out: caps the star level, suspends or expels.
#[allow(clippy::too_many_arguments)]
async fn apply(tx: &mut Tx<'_>, firm_id: i64, proposal_id: Option<i64>, region: &str, industry: &str, by: i64, a: &Action, now: i64) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO firm_sanctions (firm_id, proposal_id, kind, reason, star_cap, until, region_code, industry_code, decided_by, decided_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(firm_id)
    .bind(proposal_id)
    .bind(&a.kind)
    .bind(&a.reason)
    .bind(a.star_cap)
    .bind(a.until.as_deref())
    .bind(region)
    .bind(industry)
    .bind(by)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    match a.kind.as_str() {
        "downgrade" => {
            sqlx::query("UPDATE firms SET star_cap = $2, star_cap_until = $3 WHERE id = $1").bind(firm_id).bind(a.star_cap).bind(a.until.as_deref()).execute(&mut **tx).await?;
        }
        "suspend" => {
            sqlx::query("UPDATE firms SET status = 'suspended', suspended_until = $2, updated_at = $3 WHERE id = $1 AND status IN ('active', 'suspended')")
                .bind(firm_id)
                .bind(a.until.as_deref())
                .bind(now)
                .execute(&mut **tx)
                .await?;
        }
        _ => {
            sqlx::query("UPDATE firms SET status = 'expelled', suspended_until = NULL, updated_at = $2 WHERE id = $1").bind(firm_id).bind(now).execute(&mut **tx).await?;
        }
    }
    recompute(tx, firm_id, now).await?;
    super::credit::recompute(tx, firm_id, now).await?;
    Ok(())
}

/// The firm appeals an action (once). `false` when already appealed or not its own.
pub async fn appeal(state: &crate::state::AppState, sanction_id: i64, firm_id: i64, text: &str, now: i64) -> Result<bool, sqlx::Error> {
    let mut tx = super::trading::begin_write(state).await?;
    let done = sqlx::query(
        "UPDATE firm_sanctions SET appeal = $3, appealed_at = $4, appeal_status = 'pending' WHERE id = $1 AND firm_id = $2 AND appeal IS NULL AND revoked_at IS NULL",
    )
    .bind(sanction_id)
    .bind(firm_id)
    .bind(text)
    .bind(now)
    .execute(&mut *tx)
    .await?
    .rows_affected()
        == 1;
    tx.commit().await?;
    Ok(done)
}

/// The regulator decides a pending appeal; upheld revokes the action (the cap
/// is lifted, a suspended or expelled firm is active again). `false` when not pending.
pub async fn decide_appeal(state: &crate::state::AppState, sanction_id: i64, upheld: bool, text: &str, by: i64, now: i64) -> Result<bool, sqlx::Error> {
    let mut tx = super::trading::begin_write(state).await?;
    let done = sqlx::query(
        "UPDATE firm_sanctions SET appeal_status = $2, appeal_decision = $3, appeal_decided_by = $4, appeal_decided_at = $5, revoked_at = $6 \
         WHERE id = $1 AND appeal_status = 'pending'",
    )
    .bind(sanction_id)
    .bind(if upheld { "upheld" } else { "rejected" })
    .bind(text)
    .bind(by)
    .bind(now)
    .bind(upheld.then_some(now))
    .execute(&mut *tx)
    .await?
    .rows_affected()
        == 1;
    if done && upheld {
        let (firm_id, kind): (i64, String) = sqlx::query_as("SELECT firm_id, kind FROM firm_sanctions WHERE id = $1").bind(sanction_id).fetch_one(&mut *tx).await?;
        match kind.as_str() {
            "downgrade" => {
                sqlx::query("UPDATE firms SET star_cap = NULL, star_cap_until = NULL WHERE id = $1").bind(firm_id).execute(&mut *tx).await?;
            }
            _ => {
                sqlx::query("UPDATE firms SET status = 'active', suspended_until = NULL, updated_at = $2 WHERE id = $1 AND status IN ('suspended', 'expelled')")
                    .bind(firm_id)
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
            }
        }
        recompute(&mut tx, firm_id, now).await?;
        super::credit::recompute(&mut tx, firm_id, now).await?;
    }
    tx.commit().await?;
    Ok(done)
}

/// The firm id by credit code (any status; profiles of suspended and expelled firms stay public).
pub async fn firm_id(pool: &Pool, credit_code: &str) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar("SELECT id FROM firms WHERE credit_code = $1").bind(credit_code).fetch_optional(pool).await
}
