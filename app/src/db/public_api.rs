//! What the public read API (`/api/v1/...`, `server::public_api`) answers:
//! announcements, contracts, firms and service items as change feeds sorted by
//! modification time (`domain::feed`), each object on its own, and the public
//! statistics. Only what the public pages show: nothing sealed before its
//! opening (the announcement detail is the public page's `db::trading::detail`),
//! no contact or personal data. Times are ISO 8601 in Asia/Shanghai; money in
//! fen (1 yuan = 100 fen).
use super::Pool;
use crate::domain::feed::Cursor;
use crate::domain::ocds::iso_shanghai;
use serde::Serialize;
use utoipa::ToSchema;

fn iso(ms: Option<i64>) -> Option<String> {
    ms.map(iso_shanghai)
}

/// Published announcements only: drafts are the owner's own.
const PUBLISHED: &str = "p.published_at IS NOT NULL AND p.status <> 'draft'";

/// One announcement (采购公告) in the feed.
#[derive(Clone, Debug, PartialEq, Serialize, ToSchema)]
pub struct AnnouncementEntry {
    /// Announcement code (公告编号).
    pub code: String,
    pub title: String,
    /// `direct`, `random_draw`, `price_competition` or `merit`.
    pub method: String,
    /// `published`, `closed`, `selected`, `failed` or `cancelled`.
    pub status: String,
    pub item_code: String,
    pub region_code: String,
    pub industry_code: String,
    /// `fiscal` or `social`.
    pub funding: String,
    /// Budget or ceiling price, fen.
    pub budget_fen: i64,
    pub published_at: String,
    pub deadline_at: Option<String>,
    /// When something public about it last changed.
    pub date_modified: String,
}

type AnnouncementRow = (i64, i64, String, String, String, String, String, String, String, String, i64, i64, Option<i64>);

fn announcement_entry(r: AnnouncementRow) -> (Cursor, AnnouncementEntry) {
    let (id, modified, code, title, method, status, item_code, region_code, industry_code, funding, budget_fen, published_at, deadline_at) = r;
    let entry = AnnouncementEntry {
        code,
        title,
        method,
        status,
        item_code,
        region_code,
        industry_code,
        funding,
        budget_fen,
        published_at: iso_shanghai(published_at),
        deadline_at: iso(deadline_at),
        date_modified: iso_shanghai(modified),
    };
    (Cursor { modified_ms: modified, id }, entry)
}

const ANNOUNCEMENT_COLUMNS: &str = "p.id, p.modified_at, p.code, p.title, p.method, p.status, s.code, p.region_code, p.industry_code, \
     p.funding, p.budget_fen, p.published_at, p.deadline_at";

/// Announcements modified after `after`, oldest change first.
pub async fn announcements(pool: &Pool, after: Cursor, limit: u32) -> Result<Vec<(Cursor, AnnouncementEntry)>, sqlx::Error> {
    let rows: Vec<AnnouncementRow> = sqlx::query_as(&format!(
        "SELECT {ANNOUNCEMENT_COLUMNS} FROM procurements p JOIN service_items s ON s.id = p.item_id \
         WHERE {PUBLISHED} AND (p.modified_at, p.id) > ($1, $2) ORDER BY p.modified_at, p.id LIMIT $3"
    ))
    .bind(after.modified_ms)
    .bind(after.id)
    .bind(limit as i64)
    .fetch_all(pool)
    .await?;
    Ok(rows.into_iter().map(announcement_entry).collect())
}

/// A firm as named in an announcement, an award or a contract.
#[derive(Clone, Debug, PartialEq, Serialize, ToSchema)]
pub struct FirmRef {
    pub name: String,
    /// Unified social credit code (统一社会信用代码).
    pub credit_code: String,
}

/// A quote as published at the opening (never before).
#[derive(Clone, Debug, PartialEq, Serialize, ToSchema)]
pub struct OpenedQuote {
    pub firm: FirmRef,
    pub amount_fen: i64,
    pub submitted_at: String,
    /// Abnormally low (异常低价).
    pub abnormal: bool,
}

/// A ranked candidate of the selection.
#[derive(Clone, Debug, PartialEq, Serialize, ToSchema)]
pub struct Candidate {
    pub rank: i64,
    pub firm: FirmRef,
    pub amount_fen: Option<i64>,
    /// Merit score in hundredths of a point.
    pub score_centi: Option<i64>,
    /// `selected`, `waiting`, `declined`, `lapsed` …
    pub status: String,
}

/// The award (中选结果).
#[derive(Clone, Debug, PartialEq, Serialize, ToSchema)]
pub struct Award {
    pub firm: FirmRef,
    pub amount_fen: i64,
    pub rank: i64,
    /// `publicity` (公示中), `final` or `void`.
    pub status: String,
    pub awarded_at: String,
    pub publicity_ends_at: Option<String>,
    pub final_at: Option<String>,
}

/// Everything public about one announcement.
#[derive(Clone, Debug, PartialEq, Serialize, ToSchema)]
pub struct AnnouncementDetail {
    #[serde(flatten)]
    pub entry: AnnouncementEntry,
    pub project_code: String,
    pub owner_name: String,
    pub item_name: String,
    pub region_name: String,
    pub industry_name: String,
    pub scope: String,
    pub service_days: i64,
    pub min_participants: i64,
    pub closed_at: Option<String>,
    pub opened_at: Option<String>,
    pub cancel_reason: Option<String>,
    /// Firms taking part; absent until the deadline (the feed's entries change
    /// only with public facts, and who takes part is sealed until then).
    pub participant_count: Option<i64>,
    /// Random draw: the commitment published with the announcement.
    pub draw_commitment: Option<String>,
    pub quotes: Vec<OpenedQuote>,
    pub candidates: Vec<Candidate>,
    pub award: Option<Award>,
    /// Codes of its contracts (`/api/v1/contracts/{code}`).
    pub contracts: Vec<String>,
}

/// The published announcement `code`, or `None` (unknown or a draft).
pub async fn announcement(pool: &Pool, code: &str, now: i64) -> Result<Option<AnnouncementDetail>, sqlx::Error> {
    let row: Option<AnnouncementRow> = sqlx::query_as(&format!(
        "SELECT {ANNOUNCEMENT_COLUMNS} FROM procurements p JOIN service_items s ON s.id = p.item_id WHERE p.code = $1 AND {PUBLISHED}"
    ))
    .bind(code)
    .fetch_optional(pool)
    .await?;
    let Some(row) = row else { return Ok(None) };
    let Some(p) = super::trading::load(pool, code).await? else { return Ok(None) };
    let (_, entry) = announcement_entry(row);
    let a = super::trading::detail(pool, &p, now).await?;
    let contracts: Vec<(String,)> = sqlx::query_as("SELECT code FROM contracts WHERE procurement_id = $1 AND code IS NOT NULL ORDER BY id")
        .bind(p.id)
        .fetch_all(pool)
        .await?;
    let firm = |name: &str, credit_code: &str| FirmRef { name: name.to_string(), credit_code: credit_code.to_string() };
    Ok(Some(AnnouncementDetail {
        entry,
        project_code: a.project_code,
        owner_name: a.owner_name,
        item_name: a.item_name,
        region_name: a.region_name,
        industry_name: a.industry_name,
        scope: a.scope,
        service_days: a.service_days,
        min_participants: a.min_participants,
        closed_at: iso(a.closed_at),
        opened_at: iso(a.opened_at),
        cancel_reason: a.cancel_reason,
        participant_count: a.closed_at.map(|_| a.participant_count),
        draw_commitment: a.draw_commitment,
        quotes: a
            .quotes
            .iter()
            .map(|q| OpenedQuote { firm: firm(&q.firm_name, &q.credit_code), amount_fen: q.amount_fen, submitted_at: iso_shanghai(q.submitted_at), abnormal: q.abnormal != 0 })
            .collect(),
        candidates: a
            .candidates
            .iter()
            .map(|c| Candidate { rank: c.rank, firm: firm(&c.firm_name, &c.credit_code), amount_fen: c.amount_fen, score_centi: c.score_centi, status: c.status.clone() })
            .collect(),
        award: a.award.map(|w| Award {
            firm: firm(&w.firm_name, &w.credit_code),
            amount_fen: w.amount_fen,
            rank: w.rank,
            status: w.status,
            awarded_at: iso_shanghai(w.awarded_at),
            publicity_ends_at: iso(w.publicity_ends_at),
            final_at: iso(w.final_at),
        }),
        contracts: contracts.into_iter().map(|(c,)| c).collect(),
    }))
}

/// A contract's public fields (合同公开信息): who, what, how much, and how far.
#[derive(Clone, Debug, PartialEq, Serialize, ToSchema)]
pub struct ContractEntry {
    /// Contract code (合同编号).
    pub code: String,
    pub announcement_code: String,
    pub title: String,
    /// `drafted`, `signed`, `delivered`, `accepted`, `completed`, `lapsed` or `terminated`.
    pub status: String,
    pub firm: FirmRef,
    pub owner_name: String,
    pub amount_fen: i64,
    /// Paid so far, fen.
    pub paid_fen: i64,
    pub signed_at: Option<String>,
    pub due_at: Option<String>,
    pub completed_at: Option<String>,
    pub terminated_at: Option<String>,
    pub date_modified: String,
}

type ContractRow = (i64, i64, String, String, String, String, String, String, String, i64, i64, Option<i64>, Option<i64>, Option<i64>, Option<i64>);

const CONTRACT_SELECT: &str = "SELECT k.id, k.modified_at, k.code, p.code, p.title, k.status, f.name, f.credit_code, o.name, k.price_fen, \
     CAST(COALESCE((SELECT SUM(y.amount_fen) FROM payments y WHERE y.contract_id = k.id AND y.status = 'paid'), 0) AS BIGINT), \
     k.signed_at, k.due_at, k.completed_at, k.terminated_at \
     FROM contracts k JOIN procurements p ON p.id = k.procurement_id JOIN firms f ON f.id = k.firm_id JOIN owners o ON o.id = k.owner_id";

fn contract_entry(r: ContractRow) -> (Cursor, ContractEntry) {
    let (id, modified, code, announcement_code, title, status, firm_name, credit_code, owner_name, amount_fen, paid_fen, signed_at, due_at, completed_at, terminated_at) = r;
    let entry = ContractEntry {
        code,
        announcement_code,
        title,
        status,
        firm: FirmRef { name: firm_name, credit_code },
        owner_name,
        amount_fen,
        paid_fen,
        signed_at: iso(signed_at),
        due_at: iso(due_at),
        completed_at: iso(completed_at),
        terminated_at: iso(terminated_at),
        date_modified: iso_shanghai(modified),
    };
    (Cursor { modified_ms: modified, id }, entry)
}

/// Contracts modified after `after`, oldest change first.
pub async fn contracts(pool: &Pool, after: Cursor, limit: u32) -> Result<Vec<(Cursor, ContractEntry)>, sqlx::Error> {
    let rows: Vec<ContractRow> = sqlx::query_as(&format!(
        "{CONTRACT_SELECT} WHERE k.code IS NOT NULL AND (k.modified_at, k.id) > ($1, $2) ORDER BY k.modified_at, k.id LIMIT $3"
    ))
    .bind(after.modified_ms)
    .bind(after.id)
    .bind(limit as i64)
    .fetch_all(pool)
    .await?;
    Ok(rows.into_iter().map(contract_entry).collect())
}

pub async fn contract(pool: &Pool, code: &str) -> Result<Option<ContractEntry>, sqlx::Error> {
    let row: Option<ContractRow> = sqlx::query_as(&format!("{CONTRACT_SELECT} WHERE k.code = $1")).bind(code).fetch_optional(pool).await?;
    Ok(row.map(|r| contract_entry(r).1))
}

/// A firm in the directory feed (入驻中介机构).
#[derive(Clone, Debug, PartialEq, Serialize, ToSchema)]
pub struct FirmEntry {
    pub name: String,
    pub credit_code: String,
    pub region_code: String,
    /// `active`, `suspended` or `expelled`.
    pub status: String,
    /// Star level (星级) 1–5, once computed.
    pub star_level: Option<i64>,
    /// Credit grade (信用等级) A–D, once computed.
    pub credit_grade: Option<String>,
    pub registered_at: String,
    pub date_modified: String,
}

type FirmRow = (i64, i64, String, String, String, String, Option<i64>, Option<String>, i64);

fn firm_entry(r: FirmRow) -> (Cursor, FirmEntry) {
    let (id, modified, name, credit_code, region_code, status, star_level, credit_grade, registered_at) = r;
    let entry = FirmEntry { name, credit_code, region_code, status, star_level, credit_grade, registered_at: iso_shanghai(registered_at), date_modified: iso_shanghai(modified) };
    (Cursor { modified_ms: modified, id }, entry)
}

const FIRM_SELECT: &str = "SELECT f.id, f.modified_at, f.name, f.credit_code, f.region_code, f.status, f.star_level, f.credit_grade, f.registered_at FROM firms f";

/// Public firms modified after `after`, oldest change first.
pub async fn firms(pool: &Pool, after: Cursor, limit: u32) -> Result<Vec<(Cursor, FirmEntry)>, sqlx::Error> {
    let rows: Vec<FirmRow> = sqlx::query_as(&format!(
        "{FIRM_SELECT} WHERE f.status IN {} AND (f.modified_at, f.id) > ($1, $2) ORDER BY f.modified_at, f.id LIMIT $3",
        super::firms::PUBLIC_STATUSES
    ))
    .bind(after.modified_ms)
    .bind(after.id)
    .bind(limit as i64)
    .fetch_all(pool)
    .await?;
    Ok(rows.into_iter().map(firm_entry).collect())
}

/// An item of a firm's public service scope.
#[derive(Clone, Debug, PartialEq, Serialize, ToSchema)]
pub struct FirmScopeEntry {
    pub item_code: String,
    pub item_name: String,
    /// The firm's published fee standard (收费标准).
    pub fee_standard: String,
    pub promised_days: i64,
    /// False while the qualification the item needs has expired.
    pub active: bool,
}

/// A qualification the firm holds (资质).
#[derive(Clone, Debug, PartialEq, Serialize, ToSchema)]
pub struct FirmQualificationEntry {
    pub type_code: String,
    pub type_name: String,
    pub grade: String,
    pub certificate_no: String,
    pub issuer: String,
    pub valid_from: String,
    pub valid_to: String,
}

/// A firm's public profile.
#[derive(Clone, Debug, PartialEq, Serialize, ToSchema)]
pub struct FirmDetail {
    #[serde(flatten)]
    pub entry: FirmEntry,
    pub region_name: String,
    pub address: String,
    pub legal_rep: String,
    /// Contracts completed on the platform.
    pub completed_count: i64,
    pub scope: Vec<FirmScopeEntry>,
    pub qualifications: Vec<FirmQualificationEntry>,
}

/// The public firm with this credit code, or `None`.
pub async fn firm(pool: &Pool, credit_code: &str, today: &str) -> Result<Option<FirmDetail>, sqlx::Error> {
    let row: Option<FirmRow> = sqlx::query_as(&format!("{FIRM_SELECT} WHERE f.credit_code = $1 AND f.status IN {}", super::firms::PUBLIC_STATUSES))
        .bind(credit_code)
        .fetch_optional(pool)
        .await?;
    let Some(row) = row else { return Ok(None) };
    let Some(p) = super::firms::profile(pool, credit_code, today).await? else { return Ok(None) };
    Ok(Some(FirmDetail {
        entry: firm_entry(row).1,
        region_name: p.region_name,
        address: p.address,
        legal_rep: p.legal_rep,
        completed_count: p.completed_count,
        scope: p
            .scope
            .into_iter()
            .map(|s| FirmScopeEntry { item_code: s.item_code, item_name: s.item_name, fee_standard: s.fee_standard, promised_days: s.promised_days, active: s.active })
            .collect(),
        qualifications: p
            .qualifications
            .into_iter()
            .map(|q| FirmQualificationEntry {
                type_code: q.type_code,
                type_name: q.type_name,
                grade: q.grade,
                certificate_no: q.certificate_no,
                issuer: q.issuer,
                valid_from: q.valid_from,
                valid_to: q.valid_to,
            })
            .collect(),
    }))
}

/// A service item of the catalogue (中介服务事项清单).
#[derive(Clone, Debug, PartialEq, Serialize, ToSchema)]
pub struct ItemEntry {
    pub code: String,
    pub name: String,
    pub industry_code: String,
    pub department_code: String,
    /// The administrative approval it serves (审批事项).
    pub approval_item: String,
    pub legal_basis: String,
    pub qualification_type_code: Option<String>,
    pub min_grade: Option<String>,
    pub time_limit_days: i64,
    pub fee_basis: String,
    pub region_code: String,
    /// `in_force` or `retired`.
    pub status: String,
    pub version: i64,
    pub effective_from: String,
    pub effective_to: Option<String>,
    pub date_modified: String,
}

#[derive(sqlx::FromRow)]
struct ItemRow {
    id: i64,
    updated_at: i64,
    code: String,
    name: String,
    industry_code: String,
    department_code: String,
    approval_item: String,
    legal_basis: String,
    qualification_type_code: Option<String>,
    min_grade: Option<String>,
    time_limit_days: i64,
    fee_basis: String,
    region_code: String,
    status: String,
    version: i64,
    effective_from: String,
    effective_to: Option<String>,
}

const ITEM_SELECT: &str = "SELECT s.id, s.updated_at, s.code, s.name, s.industry_code, s.department_code, s.approval_item, s.legal_basis, \
     s.qualification_type_code, s.min_grade, s.time_limit_days, s.fee_basis, s.region_code, s.status, s.version, s.effective_from, s.effective_to \
     FROM service_items s";

fn item_entry(r: ItemRow) -> (Cursor, ItemEntry) {
    let entry = ItemEntry {
        code: r.code,
        name: r.name,
        industry_code: r.industry_code,
        department_code: r.department_code,
        approval_item: r.approval_item,
        legal_basis: r.legal_basis,
        qualification_type_code: r.qualification_type_code,
        min_grade: r.min_grade,
        time_limit_days: r.time_limit_days,
        fee_basis: r.fee_basis,
        region_code: r.region_code,
        status: r.status,
        version: r.version,
        effective_from: r.effective_from,
        effective_to: r.effective_to,
        date_modified: iso_shanghai(r.updated_at),
    };
    (Cursor { modified_ms: r.updated_at, id: r.id }, entry)
}

/// Service items modified after `after`, oldest change first.
pub async fn items(pool: &Pool, after: Cursor, limit: u32) -> Result<Vec<(Cursor, ItemEntry)>, sqlx::Error> {
    let rows: Vec<ItemRow> = sqlx::query_as(&format!("{ITEM_SELECT} WHERE (s.updated_at, s.id) > ($1, $2) ORDER BY s.updated_at, s.id LIMIT $3"))
        .bind(after.modified_ms)
        .bind(after.id)
        .bind(limit as i64)
        .fetch_all(pool)
        .await?;
    Ok(rows.into_iter().map(item_entry).collect())
}

pub async fn item(pool: &Pool, code: &str) -> Result<Option<ItemEntry>, sqlx::Error> {
    let row: Option<ItemRow> = sqlx::query_as(&format!("{ITEM_SELECT} WHERE s.code = $1")).bind(code).fetch_optional(pool).await?;
    Ok(row.map(|r| item_entry(r).1))
}

/// The public statistics (`/stats`) as data: the market's figures for a period
/// and region over the province, by period, region, industry and method.
#[derive(Clone, Debug, PartialEq, Serialize, ToSchema)]
pub struct Statistics {
    /// First month `YYYY-MM` as applied.
    pub from: String,
    /// Last month `YYYY-MM` as applied.
    pub to: String,
    /// Region code ("" = the province).
    pub region: String,
    /// Industry code ("" = all).
    pub industry: String,
    /// `month`, `quarter` or `year`.
    pub grain: String,
    pub totals: crate::model::dashboard::Figures,
    /// The same figures for the period of equal length before.
    pub previous: crate::model::dashboard::Figures,
    pub trend: Vec<crate::model::dashboard::Slice>,
    /// The region's cities or counties.
    pub regions: Vec<crate::model::dashboard::Slice>,
    pub industries: Vec<crate::model::dashboard::Slice>,
    pub methods: Vec<crate::model::dashboard::Slice>,
    /// Firms active at the end of the period.
    pub active_firms: i64,
}

/// The public statistics for `filter` (its service item, method and funding
/// are ignored, as on `/stats`).
pub async fn statistics(state: &crate::state::AppState, filter: &crate::model::dashboard::DashboardFilter, now: i64) -> Result<Statistics, crate::error::AppError> {
    use crate::domain::{accounts::Role, authz::Scope};
    let province = Scope { role: Role::Operator, firm_id: None, owner_id: None, region_code: None, industry_code: None };
    let d = super::stats::dashboard(state, &province, &filter.clone().public(), now).await?;
    let f = d.filter;
    Ok(Statistics {
        from: f.from,
        to: f.to,
        region: f.region,
        industry: f.industry,
        grain: if f.grain.is_empty() { "month".into() } else { f.grain },
        totals: d.totals,
        previous: d.previous,
        trend: d.trend,
        regions: d.regions,
        industries: d.industries,
        methods: d.methods,
        active_firms: d.active_firms,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::testing::TestApp;

    /// The last cursor of a feed read to its end.
    async fn end_of<T, F, Fut>(load: F) -> Cursor
    where
        F: Fn(Cursor) -> Fut,
        Fut: std::future::Future<Output = Result<Vec<(Cursor, T)>, sqlx::Error>>,
    {
        let mut at = Cursor::START;
        loop {
            let rows = load(at).await.unwrap();
            let cursors: Vec<Cursor> = rows.iter().map(|(c, _)| *c).collect();
            let next = crate::domain::feed::next_cursor(at, &cursors);
            if next == at {
                return at;
            }
            at = next;
        }
    }

    #[tokio::test]
    async fn a_firms_new_grade_or_a_contracts_payment_puts_it_at_the_end_of_its_feed_and_a_rewrite_does_not() {
        let app = TestApp::new().await;
        let pool = &app.state.pool;
        let later = crate::db::testing::TEST_NOW_MS + 60_000;

        // firms: the nightly recomputation rewriting the same grade is no change
        let end = end_of(|c| firms(pool, c, 100)).await;
        let (id, code, star): (i64, String, Option<i64>) =
            sqlx::query_as("SELECT id, credit_code, star_level FROM firms WHERE status = 'active' ORDER BY id LIMIT 1").fetch_one(pool).await.unwrap();
        sqlx::query("UPDATE firms SET star_level = star_level, credit_grade = credit_grade, star_computed_at = $2, credit_computed_at = $2 WHERE id = $1")
            .bind(id)
            .bind(later)
            .execute(pool)
            .await
            .unwrap();
        assert!(firms(pool, end, 100).await.unwrap().is_empty(), "an unchanged grade is not news");
        let new_star = if star == Some(5) { 4 } else { 5 };
        sqlx::query("UPDATE firms SET star_level = $2, star_computed_at = $3 WHERE id = $1").bind(id).bind(new_star).bind(later + 1).execute(pool).await.unwrap();
        let changed = firms(pool, end, 100).await.unwrap();
        assert_eq!(changed.iter().map(|(_, f)| (f.credit_code.as_str(), f.star_level)).collect::<Vec<_>>(), [(code.as_str(), Some(new_star))]);
        assert_eq!(changed[0].1.date_modified, iso_shanghai(later + 1));
        let detail = firm(pool, &code, "2026-11-27").await.unwrap().expect("a public firm");
        assert_eq!(detail.entry.star_level, Some(new_star));
        assert_eq!(firm(pool, "91510100MA00000000", "2026-11-27").await.unwrap(), None);

        // contracts: a payment received is a change of the contract
        let end = end_of(|c| contracts(pool, c, 100)).await;
        let (contract_id, contract_code): (i64, String) =
            sqlx::query_as("SELECT id, code FROM contracts WHERE code IS NOT NULL ORDER BY id LIMIT 1").fetch_one(pool).await.unwrap();
        let before = contract(pool, &contract_code).await.unwrap().expect("a contract");
        sqlx::query(
            "INSERT INTO payments (contract_id, seq, channel, order_no, amount_fen, status, paid_at, created_at, updated_at) \
             VALUES ($1, 99, 'offline', 'T-FEED-1', 12345, 'paid', $2, $2, $2)",
        )
        .bind(contract_id)
        .bind(later)
        .execute(pool)
        .await
        .unwrap();
        let changed = contracts(pool, end, 100).await.unwrap();
        assert_eq!(changed.iter().map(|(_, k)| k.code.as_str()).collect::<Vec<_>>(), [contract_code.as_str()]);
        assert_eq!(changed[0].1.paid_fen, before.paid_fen + 12345);
        assert_eq!(contract(pool, "NO-SUCH-HT1").await.unwrap(), None);

        // service items: in the order of their versions; an unknown code is none
        let (all_items, _) = (items(pool, Cursor::START, 100).await.unwrap(), ());
        assert!(!all_items.is_empty());
        assert_eq!(item(pool, &all_items[0].1.code).await.unwrap().as_ref(), Some(&all_items[0].1));
        assert_eq!(item(pool, "NO-SUCH-ITEM").await.unwrap(), None);
    }
}
