//! Open Contracting Data Standard 1.1 (开放合同数据标准): every selection process
//! published as OCDS releases, records and packages.
//!
//! Pure: the database layer reads one process's facts ([`ProcessFacts`], every
//! fact with the time it became public) and this module builds what was public
//! at any moment ([`snapshot`]). A release is published at each change
//! ([`releases`]): at every instant a fact became public, the snapshot is taken;
//! when it differs from the one before, it is a release, tagged by what changed
//! ([`tags`]). The compiled release is the snapshot now, so it equals the merge
//! of the releases.
//!
//! # Mapping
//! - `ocid` = the configured publisher prefix + `-` + the announcement code.
//! - Methods ([`SelectionMethod`]): direct selection → `procurementMethod`
//!   `direct` with the reason in `procurementMethodRationale`; random draw →
//!   `open`, `procurementMethodDetails` "Random Selection" with the draw's
//!   published values (commitment, then seed, registrants' hash and ranking);
//!   price competition → `open` with `awardCriteria` `priceOnly`; merit →
//!   `open` with `ratedCriteria` and the criteria in `awardCriteriaDetails`.
//! - Tender status: `active` from publication; `complete` once an award is in
//!   force; `unsuccessful` when the process failed (no candidate left, too few
//!   participants); `cancelled` when the owner withdrew it.
//! - Participants (names) are public from the deadline; amounts from opening.
//! - Bids (OCDS bid extension [`BID_EXTENSION`], `bids/details`, what Cardinal's
//!   red-flag indicators read): one per firm taking part, its registration (random
//!   draw, direct selection) or its submitted sealed quote (price competition,
//!   merit), withdrawn ones left out; none before the deadline (names sealed). The
//!   bid's `date` is when it was received, its `value` the opened amount (from the
//!   opening: `opened_at`, or the deadline for history without a recorded opening),
//!   its `status` `valid` from the deadline (the eligibility check at the deadline
//!   is the platform's qualification step) and `disqualified` from the moment the
//!   firm was excluded at the deadline, its abnormally-low quote's justification
//!   was rejected, or its candidate was disqualified after an upheld objection (all
//!   three on the announcement's public timeline). The same mapping as
//!   `domain::redflags` (its module comment), so both read the same bids.
//! - Awards: one per candidate that was ever selected (`{code}-A{rank}`):
//!   `pending` during publicity (公示), `active` once final, `cancelled` when
//!   the firm declined, lapsed or was disqualified (the next ranked follows).
//! - Contracts: `pending` once drafted, `active` once both parties signed,
//!   `terminated` when completed or terminated early, `cancelled` when it lapsed
//!   unsigned. Payments received are `implementation.transactions`.
//! - Organizations are identified by their unified social credit code
//!   (统一社会信用代码) under the org-id scheme [`ORG_SCHEME`].
//! - Amounts are in CNY (yuan), converted from the stored fen.
//! - Objections (质疑) and complaints (投诉) about the process ([`ReviewFacts`]):
//!   each is a `tender.documents` entry with the platform's own `documentType`
//!   codes [`DOC_OBJECTION`] and [`DOC_COMPLAINT`] (the codelist is open; the
//!   codes are documented on `/open-data`), public from its filing (an objection,
//!   on the announcement's timeline) or its acceptance by the regulator (a
//!   complaint), its state and outcome in `description`, never its text or who
//!   filed it. Once one is before the regulator (an objection escalated, a
//!   complaint accepted), the industry's regulator is a party with role
//!   `reviewBody`.
use crate::domain::money::Fen;
use crate::domain::procurement::{ProcurementStatus, SelectionMethod};
use crate::domain::time::{civil_from_days, DAY_MS, SHANGHAI_OFFSET_MS};
pub use crate::model::open_data::LICENCE_URL;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The OCDS version published.
pub const VERSION: &str = "1.1";
/// org-id.guide's register for the unified social credit code.
pub const ORG_SCHEME: &str = "CN-SAIC";
/// The classification scheme of the service items (the platform's catalogue).
pub const ITEM_SCHEME: &str = "ZJCS-SERVICE-ITEM";
/// The OCDS bid extension (`bids/statistics`, `bids/details`), declared in every
/// package's `extensions`: version 1.1.3, the one whose schema `scripts/pytools.sh`
/// merges into its offline copy of the standard for validation.
pub const BID_EXTENSION: &str = "https://raw.githubusercontent.com/open-contracting/ocds_bid_extension/v1.1.3/extension.json";

/// `tender.documents[].documentType` of an objection (质疑), the platform's code.
pub const DOC_OBJECTION: &str = "zjcsObjection";
/// `tender.documents[].documentType` of a complaint (投诉), the platform's code.
pub const DOC_COMPLAINT: &str = "zjcsComplaint";

/// Who publishes, from the configuration.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Publisher {
    pub name: String,
    /// The OCID prefix registered with the Open Contracting Partnership,
    /// e.g. `ocds-zjcs01`.
    pub prefix: String,
    /// The platform's public address, no trailing slash (package and release URLs).
    pub base_url: String,
}

impl Publisher {
    pub fn ocid(&self, code: &str) -> String {
        format!("{}-{}", self.prefix, code)
    }
}

// ---------------------------------------------------------------------------
// Inputs: one process's facts, each with the time it became public
// ---------------------------------------------------------------------------

/// An organization: the owner or a firm.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Org {
    pub credit_code: String,
    pub name: String,
    /// The region's name (address).
    pub region: String,
}

/// A firm's part: its registration or its sealed quote.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BidFacts {
    pub firm: Org,
    pub received_at: i64,
    /// The opened amount; public from the opening (`opened_at`, else the deadline).
    pub amount: Option<Fen>,
    /// When it was disqualified (excluded at the deadline, justification of an
    /// abnormally-low quote rejected, candidate disqualified); public from then.
    pub disqualified_at: Option<i64>,
}

/// A candidate that was selected at some moment.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AwardFacts {
    pub rank: i64,
    pub firm: Org,
    pub amount: Fen,
    /// When it was selected (publicity began).
    pub selected_at: i64,
    /// When it became final (in force).
    pub final_at: Option<i64>,
    /// When it ended without effect: declined, lapsed, disqualified, void.
    pub cancelled_at: Option<i64>,
}

/// A payment received under a contract.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentFacts {
    pub id: String,
    pub amount: Fen,
    pub paid_at: i64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContractFacts {
    pub code: String,
    /// The award (candidate rank) it follows.
    pub rank: i64,
    pub price: Fen,
    pub created_at: i64,
    pub signed_at: Option<i64>,
    pub due_at: Option<i64>,
    /// Completed, or terminated early.
    pub ended_at: Option<i64>,
    /// Lapsed unsigned.
    pub lapsed_at: Option<i64>,
    pub payments: Vec<PaymentFacts>,
}

/// An objection or a complaint about the process, with the times it changed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReviewFacts {
    /// `Q{id}` for an objection, `T{id}` for a complaint.
    pub id: String,
    pub complaint: bool,
    /// Public from: an objection's filing, a complaint's acceptance.
    pub filed_at: i64,
    /// An objection answered by the owner.
    pub answered_at: Option<i64>,
    /// Before the regulator: an objection escalated (a complaint: `filed_at`).
    pub escalated_at: Option<i64>,
    /// Ended: the firm accepted the answer, or the regulator decided.
    pub ended_at: Option<i64>,
    /// The regulator's decision: `upheld` or `dismissed`.
    pub decision: Option<String>,
}

/// The review body: the industry's regulator (行业主管部门).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReviewBody {
    /// The industry code.
    pub code: String,
    pub name: String,
}

/// A random draw's published values.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DrawFacts {
    pub seed: String,
    pub registrant_hash: String,
    /// Credit codes in drawn order.
    pub ranking: Vec<String>,
    pub drawn_at: i64,
}

/// One published selection process.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProcessFacts {
    pub code: String,
    pub title: String,
    pub project_code: String,
    pub scope: String,
    pub item_code: String,
    pub item_name: String,
    pub budget: Fen,
    pub method: SelectionMethod,
    pub status: ProcurementStatus,
    pub service_days: i64,
    pub owner: Org,
    pub published_at: i64,
    pub deadline_at: Option<i64>,
    /// When the participation closed (the deadline passed, or the direct choice).
    pub closed_at: Option<i64>,
    /// When the sealed quotes were opened.
    pub opened_at: Option<i64>,
    /// When it failed or was cancelled (for those statuses).
    pub ended_at: Option<i64>,
    pub cancel_reason: Option<String>,
    /// Direct selection's published reason.
    pub direct_reason: Option<String>,
    /// Random draw: the commitment published with the announcement.
    pub draw_commitment: Option<String>,
    pub draw: Option<DrawFacts>,
    /// Merit selection: the price's weight and the other criteria (name, points).
    pub price_weight: Option<u32>,
    pub criteria: Vec<(String, u32)>,
    pub bids: Vec<BidFacts>,
    pub awards: Vec<AwardFacts>,
    pub contracts: Vec<ContractFacts>,
    pub reviews: Vec<ReviewFacts>,
    pub review_body: ReviewBody,
}

// ---------------------------------------------------------------------------
// Output: the OCDS 1.1 shapes used here
// ---------------------------------------------------------------------------

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Value {
    pub amount: f64,
    pub currency: String,
}

impl From<Fen> for Value {
    fn from(f: Fen) -> Self {
        Value { amount: f.0 as f64 / 100.0, currency: "CNY".into() }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrganizationReference {
    pub id: String,
    pub name: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Identifier {
    pub scheme: String,
    pub id: String,
    pub legal_name: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Address {
    pub region: String,
    pub country_name: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Organization {
    pub id: String,
    pub name: String,
    /// None for the review body (a department, no credit code here).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub identifier: Option<Identifier>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub address: Option<Address>,
    pub roles: Vec<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Period {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start_date: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub end_date: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub duration_in_days: Option<i64>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Classification {
    pub scheme: String,
    pub id: String,
    pub description: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Item {
    pub id: String,
    pub description: String,
    pub classification: Classification,
    pub quantity: f64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Tender {
    pub id: String,
    pub title: String,
    pub description: String,
    pub status: String,
    pub procuring_entity: OrganizationReference,
    pub items: Vec<Item>,
    pub value: Value,
    pub procurement_method: String,
    pub procurement_method_details: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub procurement_method_rationale: Option<String>,
    pub main_procurement_category: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub award_criteria: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub award_criteria_details: Option<String>,
    pub submission_method: Vec<String>,
    pub tender_period: Period,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub award_period: Option<Period>,
    pub contract_period: Period,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub number_of_tenderers: Option<i64>,
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub tenderers: Vec<OrganizationReference>,
    /// Objections and complaints (module comment).
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub documents: Vec<Document>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Document {
    pub id: String,
    pub document_type: String,
    pub title: String,
    pub description: String,
    /// The announcement's page, whose timeline shows it.
    pub url: String,
    pub date_published: String,
    pub date_modified: String,
    pub language: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Award {
    pub id: String,
    pub status: String,
    pub date: String,
    pub value: Value,
    pub suppliers: Vec<OrganizationReference>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Transaction {
    pub id: String,
    pub date: String,
    pub value: Value,
    pub payer: OrganizationReference,
    pub payee: OrganizationReference,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Implementation {
    pub transactions: Vec<Transaction>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Contract {
    pub id: String,
    #[serde(rename = "awardID")]
    pub award_id: String,
    pub status: String,
    pub value: Value,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub period: Option<Period>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub date_signed: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub implementation: Option<Implementation>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Release {
    pub ocid: String,
    pub id: String,
    pub date: String,
    pub tag: Vec<String>,
    pub initiation_type: String,
    pub language: String,
    pub parties: Vec<Organization>,
    pub buyer: OrganizationReference,
    pub tender: Tender,
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub awards: Vec<Award>,
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub contracts: Vec<Contract>,
    /// Bid extension: none before the deadline.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub bids: Option<Bids>,
}

/// Bid extension `bids`: the bids received.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Bids {
    pub details: Vec<Bid>,
}

/// Bid extension `bids/details[]`: one firm's bid.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Bid {
    /// The announcement code and the firm's credit code.
    pub id: String,
    /// When it was received.
    pub date: String,
    /// `valid` or `disqualified` (closed codelist bidStatus).
    pub status: String,
    pub tenderers: Vec<OrganizationReference>,
    /// The opened amount; none for registrations and before the opening.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub value: Option<Value>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublisherInfo {
    pub name: String,
    pub uri: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReleasePackage {
    pub uri: String,
    pub version: String,
    pub published_date: String,
    pub publisher: PublisherInfo,
    /// The extensions used: [`BID_EXTENSION`].
    pub extensions: Vec<String>,
    pub publication_policy: String,
    /// The data's licence ([`LICENCE_URL`]). Before `releases`: the monthly
    /// stream writes the package's head from an empty one.
    pub license: String,
    pub releases: Vec<Release>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Record {
    pub ocid: String,
    pub releases: Vec<Release>,
    pub compiled_release: Release,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RecordPackage {
    pub uri: String,
    pub version: String,
    pub published_date: String,
    pub publisher: PublisherInfo,
    /// The extensions used: [`BID_EXTENSION`].
    pub extensions: Vec<String>,
    pub publication_policy: String,
    pub license: String,
    pub records: Vec<Record>,
}

// ---------------------------------------------------------------------------
// Building
// ---------------------------------------------------------------------------

/// ISO 8601 date-time in Asia/Shanghai, `2026-11-27T09:30:00+08:00`.
pub fn iso_shanghai(epoch_ms: i64) -> String {
    let local = epoch_ms + SHANGHAI_OFFSET_MS;
    let (y, m, d) = civil_from_days(local.div_euclid(DAY_MS));
    let s = local.rem_euclid(DAY_MS) / 1000;
    format!("{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}+08:00", s / 3600, (s / 60) % 60, s % 60)
}

fn reference(o: &Org) -> OrganizationReference {
    OrganizationReference { id: party_id(o), name: o.name.clone() }
}

fn party_id(o: &Org) -> String {
    format!("{ORG_SCHEME}-{}", o.credit_code)
}

/// The review body's party id: the platform's scheme and the industry code.
pub fn review_body_id(b: &ReviewBody) -> String {
    format!("ZJCS-REVIEWBODY-{}", b.code)
}

/// An objection or complaint as it was public at `t` (module comment).
fn review_document(publisher: &Publisher, p: &ProcessFacts, r: &ReviewFacts, t: i64) -> Document {
    let (doc_type, title) = if r.complaint { (DOC_COMPLAINT, "投诉 (Complaint)") } else { (DOC_OBJECTION, "质疑 (Objection)") };
    let state = match (seen(r.ended_at, t), r.decision.as_deref()) {
        (true, Some("upheld")) => "监管部门认定成立 (upheld by the regulator)",
        (true, Some(_)) => "监管部门认定不成立 (dismissed by the regulator)",
        (true, None) => "采购人答复后已了结 (settled by the owner's answer)",
        _ if seen(r.escalated_at, t) => "监管部门处理中 (before the regulator)",
        _ if seen(r.answered_at, t) => "采购人已答复 (answered by the owner)",
        _ => "已提出，待采购人答复 (filed, awaiting the owner's answer)",
    };
    let modified = [Some(r.filed_at), r.answered_at, r.escalated_at, r.ended_at].into_iter().flatten().filter(|at| *at <= t).max().unwrap_or(r.filed_at);
    Document {
        id: r.id.clone(),
        document_type: doc_type.into(),
        title: title.into(),
        description: state.into(),
        url: format!("{}/announcements/{}", publisher.base_url, p.code),
        date_published: iso_shanghai(r.filed_at),
        date_modified: iso_shanghai(modified),
        language: "zh".into(),
    }
}

fn seen(at: Option<i64>, t: i64) -> bool {
    at.is_some_and(|a| a <= t)
}

/// The award's id: the announcement code and the candidate's rank.
pub fn award_id(code: &str, rank: i64) -> String {
    format!("{code}-A{rank}")
}

fn award_status(a: &AwardFacts, t: i64) -> &'static str {
    if seen(a.cancelled_at, t) {
        "cancelled"
    } else if seen(a.final_at, t) {
        "active"
    } else {
        "pending"
    }
}

fn contract_status(c: &ContractFacts, t: i64) -> &'static str {
    if seen(c.lapsed_at, t) {
        "cancelled"
    } else if seen(c.ended_at, t) {
        "terminated"
    } else if seen(c.signed_at, t) {
        "active"
    } else {
        "pending"
    }
}

fn tender_status(p: &ProcessFacts, t: i64) -> &'static str {
    match p.status {
        ProcurementStatus::Cancelled if seen(p.ended_at, t) => "cancelled",
        ProcurementStatus::Failed if seen(p.ended_at, t) => "unsuccessful",
        _ if p.awards.iter().any(|a| a.selected_at <= t && award_status(a, t) == "active") => "complete",
        _ => "active",
    }
}

fn method_fields(p: &ProcessFacts, t: i64) -> (&'static str, String, Option<String>, Option<&'static str>, Option<String>) {
    match p.method {
        SelectionMethod::Direct => ("direct", "直接选取 (Direct selection)".into(), p.direct_reason.clone(), None, None),
        SelectionMethod::RandomDraw => {
            let mut details = String::from("Random Selection (随机抽取)");
            if let Some(c) = &p.draw_commitment {
                details.push_str(&format!("; commitment (sha256 of the secret seed): {c}"));
            }
            if let Some(d) = p.draw.as_ref().filter(|d| d.drawn_at <= t) {
                details.push_str(&format!(
                    "; seed: {}; registrants' hash: {}; drawn order: {}",
                    d.seed,
                    d.registrant_hash,
                    d.ranking.join(", ")
                ));
            }
            ("open", details, None, None, None)
        }
        SelectionMethod::PriceCompetition => ("open", "竞价选取 (Price competition, sealed quotes)".into(), None, Some("priceOnly"), None),
        SelectionMethod::Merit => {
            // the points, when the announcement published them
            let details = p.price_weight.map(|w| {
                let mut parts = vec![format!("价格 (price): {w}")];
                parts.extend(p.criteria.iter().map(|(name, points)| format!("{name}: {points}")));
                parts.join("; ")
            });
            ("open", "竞争性评选 (Merit scoring)".into(), None, Some("ratedCriteria"), details)
        }
    }
}

/// What was public at `t` (epoch ms), as a release without id, date or tag.
pub fn snapshot(publisher: &Publisher, p: &ProcessFacts, t: i64) -> Release {
    let closed = seen(p.closed_at, t);
    let bids: Vec<&BidFacts> = if closed { p.bids.iter().filter(|b| b.received_at <= t).collect() } else { Vec::new() };
    let awards: Vec<&AwardFacts> = p.awards.iter().filter(|a| a.selected_at <= t).collect();
    let contracts: Vec<&ContractFacts> = p.contracts.iter().filter(|c| c.created_at <= t).collect();

    // parties, each once, with every role it has at `t`
    let mut parties: BTreeMap<String, (Org, Vec<&'static str>)> = BTreeMap::new();
    let mut role = |o: &Org, r: &'static str| {
        let e = parties.entry(party_id(o)).or_insert_with(|| (o.clone(), Vec::new()));
        if !e.1.contains(&r) {
            e.1.push(r);
        }
    };
    role(&p.owner, "buyer");
    role(&p.owner, "procuringEntity");
    for b in &bids {
        role(&b.firm, "tenderer");
    }
    for a in &awards {
        role(&a.firm, "supplier");
    }
    let by_rank: BTreeMap<i64, &AwardFacts> = p.awards.iter().map(|a| (a.rank, a)).collect();
    let mut out_contracts = Vec::new();
    for c in &contracts {
        let firm = by_rank.get(&c.rank).map(|a| &a.firm);
        let paid: Vec<&PaymentFacts> = c.payments.iter().filter(|x| x.paid_at <= t).collect();
        let transactions: Vec<Transaction> = match firm {
            Some(f) => paid
                .iter()
                .map(|x| Transaction {
                    id: x.id.clone(),
                    date: iso_shanghai(x.paid_at),
                    value: x.amount.into(),
                    payer: reference(&p.owner),
                    payee: reference(f),
                })
                .collect(),
            None => Vec::new(),
        };
        if !transactions.is_empty() {
            role(&p.owner, "payer");
            if let Some(f) = firm {
                role(f, "payee");
            }
        }
        let signed = c.signed_at.filter(|s| *s <= t);
        out_contracts.push(Contract {
            id: c.code.clone(),
            award_id: award_id(&p.code, c.rank),
            status: contract_status(c, t).into(),
            value: c.price.into(),
            period: signed.map(|s| Period { start_date: Some(iso_shanghai(s)), end_date: c.due_at.map(iso_shanghai), duration_in_days: None }),
            date_signed: signed.map(iso_shanghai),
            implementation: (!transactions.is_empty()).then_some(Implementation { transactions }),
        });
    }

    let (method, details, rationale, criteria, criteria_details) = method_fields(p, t);
    let mut tenderers: Vec<OrganizationReference> = Vec::new();
    for b in &bids {
        let r = reference(&b.firm);
        if !tenderers.contains(&r) {
            tenderers.push(r);
        }
    }
    // the bids, from the deadline (module comment): amounts from the opening
    let amounts_public = seen(p.opened_at.or(p.closed_at), t);
    let bid_details: Vec<Bid> = bids
        .iter()
        .map(|b| Bid {
            id: format!("{}-{}", p.code, b.firm.credit_code),
            date: iso_shanghai(b.received_at),
            status: if seen(b.disqualified_at, t) { "disqualified" } else { "valid" }.into(),
            tenderers: vec![reference(&b.firm)],
            value: b.amount.filter(|_| amounts_public).map(Value::from),
        })
        .collect();
    let ocid = publisher.ocid(&p.code);
    Release {
        ocid: ocid.clone(),
        id: String::new(),
        date: String::new(),
        tag: Vec::new(),
        initiation_type: "tender".into(),
        language: "zh".into(),
        parties: parties
            .into_values()
            .map(|(o, roles)| Organization {
                id: party_id(&o),
                name: o.name.clone(),
                identifier: Some(Identifier { scheme: ORG_SCHEME.into(), id: o.credit_code.clone(), legal_name: o.name.clone() }),
                address: Some(Address { region: o.region.clone(), country_name: "中国".into() }),
                roles: roles.into_iter().map(String::from).collect(),
            })
            .chain(p.reviews.iter().any(|r| seen(r.escalated_at, t)).then(|| Organization {
                id: review_body_id(&p.review_body),
                name: p.review_body.name.clone(),
                identifier: None,
                address: None,
                roles: vec!["reviewBody".into()],
            }))
            .collect(),
        buyer: reference(&p.owner),
        tender: Tender {
            id: p.code.clone(),
            title: p.title.clone(),
            description: p.scope.clone(),
            status: tender_status(p, t).into(),
            procuring_entity: reference(&p.owner),
            items: vec![Item {
                id: "1".into(),
                description: p.item_name.clone(),
                classification: Classification { scheme: ITEM_SCHEME.into(), id: p.item_code.clone(), description: p.item_name.clone() },
                quantity: 1.0,
            }],
            value: p.budget.into(),
            procurement_method: method.into(),
            procurement_method_details: details,
            procurement_method_rationale: rationale,
            main_procurement_category: "services".into(),
            award_criteria: criteria.map(String::from),
            award_criteria_details: criteria_details,
            submission_method: vec!["electronicSubmission".into()],
            tender_period: Period { start_date: Some(iso_shanghai(p.published_at)), end_date: p.deadline_at.map(iso_shanghai), duration_in_days: None },
            award_period: p.closed_at.filter(|c| *c <= t).map(|c| Period { start_date: Some(iso_shanghai(c)), ..Period::default() }),
            contract_period: Period { duration_in_days: Some(p.service_days), ..Period::default() },
            number_of_tenderers: closed.then_some(tenderers.len() as i64),
            tenderers,
            documents: p.reviews.iter().filter(|r| r.filed_at <= t).map(|r| review_document(publisher, p, r, t)).collect(),
        },
        awards: awards
            .iter()
            .map(|a| Award {
                id: award_id(&p.code, a.rank),
                status: award_status(a, t).into(),
                date: iso_shanghai(a.selected_at),
                value: a.amount.into(),
                suppliers: vec![reference(&a.firm)],
            })
            .collect(),
        contracts: out_contracts,
        bids: closed.then_some(Bids { details: bid_details }),
    }
}

/// Every instant at which a fact became public, in order.
pub fn change_times(p: &ProcessFacts) -> Vec<i64> {
    let mut times = vec![p.published_at];
    times.extend([p.closed_at, p.opened_at, p.ended_at].into_iter().flatten());
    times.extend(p.draw.as_ref().map(|d| d.drawn_at));
    times.extend(p.bids.iter().map(|b| b.received_at));
    times.extend(p.bids.iter().filter_map(|b| b.disqualified_at));
    for a in &p.awards {
        times.push(a.selected_at);
        times.extend([a.final_at, a.cancelled_at].into_iter().flatten());
    }
    for c in &p.contracts {
        times.push(c.created_at);
        times.extend([c.signed_at, c.ended_at, c.lapsed_at].into_iter().flatten());
        times.extend(c.payments.iter().map(|x| x.paid_at));
    }
    for r in &p.reviews {
        times.push(r.filed_at);
        times.extend([r.answered_at, r.escalated_at, r.ended_at].into_iter().flatten());
    }
    times.retain(|t| *t >= p.published_at);
    times.sort_unstable();
    times.dedup();
    times
}

/// The release tags for a change from `before` (none for the first release) to `after`.
pub fn tags(before: Option<&Release>, after: &Release) -> Vec<String> {
    let Some(b) = before else { return vec!["tender".into()] };
    let mut tags: Vec<&str> = Vec::new();
    // bids are the tender stage's (a bid disqualified later is a tender update)
    if b.tender != after.tender || b.bids != after.bids {
        tags.push(if after.tender.status == "cancelled" && b.tender.status != "cancelled" { "tenderCancellation" } else { "tenderUpdate" });
    }
    let old_awards: BTreeMap<&str, &Award> = b.awards.iter().map(|a| (a.id.as_str(), a)).collect();
    for a in &after.awards {
        let tag = match old_awards.get(a.id.as_str()) {
            None => "award",
            Some(old) if *old == a => continue,
            Some(old) if a.status == "cancelled" && old.status != "cancelled" => "awardCancellation",
            Some(_) => "awardUpdate",
        };
        if !tags.contains(&tag) {
            tags.push(tag);
        }
    }
    let old_contracts: BTreeMap<&str, &Contract> = b.contracts.iter().map(|c| (c.id.as_str(), c)).collect();
    for c in &after.contracts {
        let mut add = |tag: &'static str| {
            if !tags.contains(&tag) {
                tags.push(tag);
            }
        };
        let Some(old) = old_contracts.get(c.id.as_str()) else {
            add("contract");
            if c.implementation.is_some() {
                add("implementation");
            }
            continue;
        };
        if old.implementation != c.implementation {
            add(if old.implementation.is_none() { "implementation" } else { "implementationUpdate" });
        }
        let (mut o, mut n) = ((*old).clone(), c.clone());
        o.implementation = None;
        n.implementation = None;
        if o != n {
            add(if c.status == "terminated" && old.status != "terminated" { "contractTermination" } else { "contractUpdate" });
        }
    }
    if tags.is_empty() && b.parties != after.parties {
        tags.push("tenderUpdate");
    }
    tags.into_iter().map(String::from).collect()
}

/// The release id at `t`: the ocid and the instant (epoch ms), unique and stable.
pub fn release_id(ocid: &str, t: i64) -> String {
    format!("{ocid}-{t}")
}

/// A release at each change, oldest first, up to `now`.
pub fn releases(publisher: &Publisher, p: &ProcessFacts, now: i64) -> Vec<Release> {
    timed_releases(publisher, p, now).into_iter().map(|(_, r)| r).collect()
}

/// The releases dated in `[from, to)` (epoch ms), up to `now`: a month's bulk package.
pub fn releases_between(publisher: &Publisher, p: &ProcessFacts, from: i64, to: i64, now: i64) -> Vec<Release> {
    timed_releases(publisher, p, now.min(to - 1)).into_iter().filter(|(t, _)| *t >= from).map(|(_, r)| r).collect()
}

fn timed_releases(publisher: &Publisher, p: &ProcessFacts, now: i64) -> Vec<(i64, Release)> {
    let mut out: Vec<(i64, Release)> = Vec::new();
    for t in change_times(p).into_iter().filter(|t| *t <= now) {
        let mut r = snapshot(publisher, p, t);
        let tag = tags(out.last().map(|(_, r)| r), &r);
        if tag.is_empty() {
            continue;
        }
        r.id = release_id(&r.ocid, t);
        r.date = iso_shanghai(t);
        r.tag = tag;
        out.push((t, r));
    }
    out
}

/// A month's bulk package covers `[from, to)` of a `YYYY-MM` month in Asia/Shanghai.
pub use crate::domain::time::month_range;

/// The compiled release: what is public now, dated at the last change.
pub fn compiled(publisher: &Publisher, p: &ProcessFacts, now: i64) -> Release {
    let last = change_times(p).into_iter().filter(|t| *t <= now).last().unwrap_or(p.published_at);
    let mut r = snapshot(publisher, p, now);
    r.id = release_id(&r.ocid, last);
    r.date = iso_shanghai(last);
    r.tag = vec!["compiled".into()];
    r
}

/// The publication policy's address.
pub fn policy_url(publisher: &Publisher) -> String {
    format!("{}/open-data", publisher.base_url)
}

fn publisher_info(publisher: &Publisher) -> PublisherInfo {
    PublisherInfo { name: publisher.name.clone(), uri: publisher.base_url.clone() }
}

/// A release package of the given releases, at `uri`.
pub fn release_package(publisher: &Publisher, uri: String, releases: Vec<Release>, now: i64) -> ReleasePackage {
    ReleasePackage {
        uri,
        version: VERSION.into(),
        published_date: iso_shanghai(now),
        publisher: publisher_info(publisher),
        extensions: vec![BID_EXTENSION.into()],
        publication_policy: policy_url(publisher),
        license: LICENCE_URL.into(),
        releases,
    }
}

/// A record package: each process's releases and its compiled release.
pub fn record_package(publisher: &Publisher, uri: String, processes: &[ProcessFacts], now: i64) -> RecordPackage {
    RecordPackage {
        uri,
        version: VERSION.into(),
        published_date: iso_shanghai(now),
        publisher: publisher_info(publisher),
        extensions: vec![BID_EXTENSION.into()],
        publication_policy: policy_url(publisher),
        license: LICENCE_URL.into(),
        records: processes
            .iter()
            .map(|p| Record { ocid: publisher.ocid(&p.code), releases: releases(publisher, p, now), compiled_release: compiled(publisher, p, now) })
            .collect(),
    }
}

#[cfg(test)]
#[path = "ocds_tests.rs"]
mod tests;
