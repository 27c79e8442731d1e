//! Red flags (风险预警): procurement red-flag indicators computed nightly.
//!
//! The R-indicators follow the Open Contracting Partnership's Cardinal
//! (`ocdscardinal` 0.0.8, the version `scripts/cardinal.sh` builds; repository
//! `open-contracting/cardinal-rs`: methodology in `docs/cli/indicators/R/NNN.md`,
//! implementation in `src/indicators/rNNN.rs`); each function's comment says what
//! was followed and where this platform differs. `scripts/cardinal-check.sh` runs
//! that Cardinal on this platform's OCDS compiled releases and compares its flags
//! with these, indicator by indicator (`scripts/cardinal/` lists the differences
//! by definition and why). ZJ01 and ZJ02 are the intermediary-service supermarket's own.
//!
//! Pure: no IO. The nightly job reads [`Facts`] from the database and calls
//! [`evaluate`]; every [`Flag`] names its subject (a procurement, a firm, an
//! owner, or an owner–firm pair) and says, in Chinese, which figures raised it.
//!
//! # How Cardinal's OCDS notions map onto this platform
//! - tender period → `procurements.published_at` .. `deadline_at`.
//! - bid (`bids/details`) → a firm's part in one procurement ([`Bid`]): its submitted
//!   sealed quote (price competition, merit) or its registration (random draw,
//!   direct selection). Withdrawn quotes and registrations are not bids (Cardinal
//!   leaves withdrawn bids out as well); the database layer omits them.
//! - bid value → the opened quote's amount; registrations carry none (the price
//!   is predetermined by the owner: the budget).
//! - bid status `valid` / `disqualified` → the platform has no disqualification
//!   step of that name; a bid is [`BidStatus::Disqualified`] when (a) the firm was
//!   excluded at the deadline as no longer eligible (timeline event `excluded`; its
//!   sealed quote was never opened, so it has no amount), (b) its abnormally-low
//!   quote's justification was rejected (`quotes.justification_decision =
//!   'rejected'`), or (c) its candidate was disqualified after an upheld objection
//!   (`candidates.status = 'disqualified'`). A candidate that declined or lapsed
//!   stays [`BidStatus::Valid`]: the firm stepped back, nobody disqualified it. An
//!   abnormally-low quote still awaiting the owner's decision is valid.
//! - award `active` / `pending` → `awards.status` `final` / `publicity`: an award
//!   under publicity (公示) is not yet in force, which is OCDS's `pending`, and
//!   Cardinal leaves processes with pending awards out; `void` is no award.
//! - buyer and procuring entity → the owner (one role here).
//! - tenderer address and contact point → `firms.address`, `firms.contact_phone`,
//!   and the key staff (`firm_staff`: ID numbers and phones).
//!
//! # Outlier fences
//! R024, R025, R038, R058 (and ZJ02) compare a figure with the spread of the same
//! figure over the whole data set the caller passes: lower fence `Q1 − 1.5·IQR`,
//! upper fence `Q3 + 1.5·IQR`, with quartiles estimated as Cardinal does (it uses
//! `statrs`' `OrderStatistics::quantile`, Hyndman & Fan's definition 8), see
//! [`quantile`] and [`fences`]. As in Cardinal, a fixed threshold in the settings
//! replaces the computed fence. Computed fences need at least
//! [`RedFlagSettings::fence_min_sample`] values (our addition: Cardinal computes
//! over any sample, which on a young market would make noise of two or three values).
use crate::domain::money::Fen;
use crate::domain::privacy::{mask_id_number, mask_phone};
use crate::domain::procurement::{ProcurementStatus, SelectionMethod};
use crate::domain::time::{format_shanghai, DAY_MS};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet, HashMap};

// ---------------------------------------------------------------------------
// Settings
// ---------------------------------------------------------------------------

/// Thresholds, with Cardinal's defaults where Cardinal has the setting (stored by
/// the operator as JSON; missing fields take the defaults).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct RedFlagSettings {
    /// Competitive methods (R003, R018). Cardinal R018's default is OCDS
    /// `open|selective`; here every method with a public call for participation.
    pub competitive_methods: Vec<SelectionMethod>,
    /// Methods whose award criterion is price only (R024, R036, R058): the lowest
    /// valid quote wins. Merit selection weighs quality too.
    pub price_only_methods: Vec<SelectionMethod>,
    /// R003: a submission period shorter than this many (calendar) days is flagged.
    /// Cardinal's default is 15 (`[R003] threshold`); ours is 5 because the
    /// platform's own minimum publication period is 3 working days
    /// (`TradingSettings::min_publication_days`), so 15 would flag nearly every
    /// procurement; 5 flags periods shorter than 3 working days plus a weekend.
    pub r003_min_days: i64,
    /// R024: fixed lower fence of the winner-to-second-lowest gap (a fraction);
    /// `None` (Cardinal's default) computes `Q1 − 1.5·IQR` over all gaps.
    pub r024_lower_fence: Option<f64>,
    /// R025: a "top tenderer" has more valid bids than this percentile of all
    /// tenderers' counts. Cardinal default 75 (`[R025] percentile`).
    pub r025_percentile: u32,
    /// R025: fixed lower fence of the win ratio; `None` (Cardinal's default)
    /// computes `Q1 − 1.5·IQR` over all tenderers' win ratios.
    pub r025_lower_fence: Option<f64>,
    /// R035: at least this many other firms disqualified. Cardinal default 1.
    pub r035_min_disqualified: u32,
    /// R038: fixed upper fence of the disqualified share; `None` (Cardinal's
    /// default) computes `Q3 + 1.5·IQR` per group (owners, firms).
    pub r038_upper_fence: Option<f64>,
    /// R038: firms with fewer submitted bids are left out. Cardinal default 2.
    pub r038_min_submitted_bids: u32,
    /// R038: owners with fewer procurements are left out. Cardinal default 2
    /// (`minimum_contracting_processes`).
    pub r038_min_procurements: u32,
    /// R058: fixed upper fence of the winner-to-second-lowest gap; `None`
    /// (Cardinal's default) computes `Q3 + 1.5·IQR` over all gaps.
    pub r058_upper_fence: Option<f64>,
    /// Computed fences need at least this many values (not in Cardinal).
    pub fence_min_sample: u32,
    /// ZJ01: look-back window in days.
    pub zj01_window_days: i64,
    /// ZJ01: this many direct selections of the same firm by the same owner
    /// within the window raise the flag.
    pub zj01_min_count: u32,
    /// ZJ02: look-back window in days.
    pub zj02_window_days: i64,
    /// ZJ02: only owners with at least this many selected projects in the window.
    pub zj02_min_projects: u32,
    /// ZJ02: a firm must have won at least this many of the owner's projects.
    pub zj02_min_wins: u32,
    /// ZJ02: fixed upper fence of a firm's share of one owner's projects; `None`
    /// computes `Q3 + 1.5·IQR` over all (owner, firm) shares.
    pub zj02_upper_fence: Option<f64>,
}

impl Default for RedFlagSettings {
    fn default() -> Self {
        RedFlagSettings {
            competitive_methods: vec![SelectionMethod::RandomDraw, SelectionMethod::PriceCompetition, SelectionMethod::Merit],
            price_only_methods: vec![SelectionMethod::PriceCompetition],
            r003_min_days: 5,
            r024_lower_fence: None,
            r025_percentile: 75,
            r025_lower_fence: None,
            r035_min_disqualified: 1,
            r038_upper_fence: None,
            r038_min_submitted_bids: 2,
            r038_min_procurements: 2,
            r058_upper_fence: None,
            fence_min_sample: 5,
            zj01_window_days: 365,
            zj01_min_count: 3,
            zj02_window_days: 365,
            zj02_min_projects: 5,
            zj02_min_wins: 2,
            zj02_upper_fence: None,
        }
    }
}

// ---------------------------------------------------------------------------
// Inputs: what the nightly job reads from the database
// ---------------------------------------------------------------------------

/// A bid's standing (see the module comment for what counts as disqualified).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum BidStatus {
    Valid,
    Disqualified,
}

/// One firm's part in one procurement: its submitted sealed quote
/// (`sealed_quotes.status = 'submitted'`) or its registration
/// (`participations.status = 'registered'`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Bid {
    pub firm_id: i64,
    /// The opened amount (`quotes.amount_fen`); `None` for registrations and for
    /// quotes never opened (excluded at the deadline).
    pub amount: Option<Fen>,
    /// When it was last submitted: `sealed_quotes.submitted_at`, or
    /// `COALESCE(participations.updated_at, participations.registered_at)`.
    pub received_at: i64,
    pub status: BidStatus,
}

/// `awards.status`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum AwardStatus {
    /// Under publicity (公示): OCDS `pending`.
    Publicity,
    /// In force: OCDS `active`.
    Final,
    /// No candidate left: no award.
    Void,
}

impl AwardStatus {
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "publicity" => Some(Self::Publicity),
            "final" => Some(Self::Final),
            "void" => Some(Self::Void),
            _ => None,
        }
    }
}

/// The procurement's award row (`awards`: one per procurement).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AwardFact {
    pub firm_id: i64,
    pub amount: Fen,
    pub status: AwardStatus,
}

/// One procurement with its bids and award.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProcurementFacts {
    pub id: i64,
    pub code: String,
    pub owner_id: i64,
    /// `owners.name`, for the flags' text.
    pub owner_name: String,
    pub method: SelectionMethod,
    pub status: ProcurementStatus,
    pub budget: Fen,
    pub published_at: Option<i64>,
    pub deadline_at: Option<i64>,
    /// Every bid (withdrawn ones left out), any order.
    pub bids: Vec<Bid>,
    pub award: Option<AwardFact>,
}

impl ProcurementFacts {
    /// The award in force (final), as Cardinal's "active award".
    pub fn winner(&self) -> Option<&AwardFact> {
        self.award.as_ref().filter(|a| a.status == AwardStatus::Final)
    }

    /// The award unless void (under publicity or final): the owner's choice made.
    pub fn selected(&self) -> Option<&AwardFact> {
        self.award.as_ref().filter(|a| a.status != AwardStatus::Void)
    }

    /// Past its deadline, so the bids are what they will be.
    pub fn settled(&self) -> bool {
        matches!(self.status, ProcurementStatus::Closed | ProcurementStatus::Selected | ProcurementStatus::Failed)
    }

    /// Distinct firms with a bid.
    pub fn bidders(&self) -> BTreeSet<i64> {
        self.bids.iter().map(|b| b.firm_id).collect()
    }

    fn firms_with(&self, status: BidStatus) -> BTreeSet<i64> {
        self.bids.iter().filter(|b| b.status == status).map(|b| b.firm_id).collect()
    }
}

/// One key staff member (`firm_staff`: legal representative, managers, technical staff).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StaffIdentity {
    pub name: String,
    pub id_number: String,
    pub phone: String,
}

/// What R044 compares between participants (`firms` and `firm_staff`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FirmProfile {
    pub id: i64,
    pub name: String,
    pub address: String,
    pub contact_phone: String,
    pub staff: Vec<StaffIdentity>,
}

/// Everything one nightly run looks at.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Facts {
    /// The run's time (epoch ms): the end of the ZJ01/ZJ02 windows.
    pub as_of: i64,
    /// The procurements in the data set (their distribution makes the fences).
    pub procurements: Vec<ProcurementFacts>,
    /// Profiles of every firm with a bid or an award in `procurements`.
    pub firms: Vec<FirmProfile>,
}

/// Firm profiles by id.
pub type Firms<'a> = HashMap<i64, &'a FirmProfile>;

pub fn firm_index(firms: &[FirmProfile]) -> Firms<'_> {
    firms.iter().map(|f| (f.id, f)).collect()
}

// ---------------------------------------------------------------------------
// Output
// ---------------------------------------------------------------------------

/// What a flag is about (a review case is opened per code and subject).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Subject {
    Procurement(i64),
    Firm(i64),
    Owner(i64),
    OwnerFirm { owner_id: i64, firm_id: i64 },
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Flag {
    /// `R003` … `R058`, `ZJ01`, `ZJ02`.
    pub code: &'static str,
    pub subject: Subject,
    /// Chinese, naming the figures that raised it.
    pub detail: String,
}

fn flag(code: &'static str, subject: Subject, detail: String) -> Flag {
    Flag { code, subject, detail }
}

fn pct(x: f64) -> String {
    format!("{:.2}%", x * 100.0)
}

fn yuan(f: Fen) -> String {
    format!("{} 元", f.yuan_string())
}

fn method_cn(m: SelectionMethod) -> &'static str {
    match m {
        SelectionMethod::Direct => "直接选取",
        SelectionMethod::RandomDraw => "随机抽取",
        SelectionMethod::PriceCompetition => "竞价选取",
        SelectionMethod::Merit => "择优选取",
    }
}

fn firm_name(firms: &Firms, id: i64) -> String {
    firms.get(&id).map(|f| f.name.clone()).unwrap_or_else(|| format!("机构#{id}"))
}

fn firm_names(firms: &Firms, ids: impl IntoIterator<Item = i64>) -> String {
    ids.into_iter().map(|id| firm_name(firms, id)).collect::<Vec<_>>().join("、")
}

// ---------------------------------------------------------------------------
// Statistics
// ---------------------------------------------------------------------------

/// The `tau`-quantile (0 ≤ tau ≤ 1) of `values`, estimated as Cardinal does
/// (`statrs` `OrderStatistics::quantile`, Hyndman & Fan definition 8):
/// `h = (n + 1/3)·tau + 1/3`; below the first order statistic the minimum, past the
/// last the maximum, otherwise `x[⌊h⌋] + (h − ⌊h⌋)·(x[⌊h⌋+1] − x[⌊h⌋])` (1-based).
/// `None` for no values.
pub fn quantile(values: &[f64], tau: f64) -> Option<f64> {
    if values.is_empty() || !(0.0..=1.0).contains(&tau) {
        return None;
    }
    let mut v = values.to_vec();
    v.sort_by(|a, b| a.total_cmp(b));
    let n = v.len();
    let h = (n as f64 + 1.0 / 3.0) * tau + 1.0 / 3.0;
    let hf = h as i64;
    if hf <= 0 || tau == 0.0 {
        return Some(v[0]);
    }
    if hf >= n as i64 || tau == 1.0 {
        return Some(v[n - 1]);
    }
    let (a, b) = (v[hf as usize - 1], v[hf as usize]);
    Some(a + (h - hf as f64) * (b - a))
}

/// Quartiles and Tukey's fences of a set of values.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Fences {
    pub q1: f64,
    pub q3: f64,
    /// `Q1 − 1.5·IQR`
    pub lower: f64,
    /// `Q3 + 1.5·IQR`
    pub upper: f64,
}

pub fn fences(values: &[f64]) -> Option<Fences> {
    let q1 = quantile(values, 0.25)?;
    let q3 = quantile(values, 0.75)?;
    let iqr = q3 - q1;
    Some(Fences { q1, q3, lower: q1 - 1.5 * iqr, upper: q3 + 1.5 * iqr })
}

fn computed(values: &[f64], s: &RedFlagSettings) -> Option<Fences> {
    if values.len() < s.fence_min_sample.max(1) as usize {
        None
    } else {
        fences(values)
    }
}

/// The thresholds in force for one data set: the settings' fixed values, or the
/// fences computed over the data. `None`: the indicator does not run (too few values).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Thresholds {
    pub r024_lower: Option<f64>,
    pub r058_upper: Option<f64>,
    /// R025: valid-bid count a top tenderer must exceed.
    pub r025_top_bids: Option<f64>,
    pub r025_lower: Option<f64>,
    pub r038_owner_upper: Option<f64>,
    pub r038_firm_upper: Option<f64>,
    pub zj02_upper: Option<f64>,
}

pub fn thresholds(facts: &Facts, s: &RedFlagSettings) -> Thresholds {
    let firms = firm_index(&facts.firms);
    let gaps: Vec<f64> = facts.procurements.iter().filter_map(|p| price_gap(p, s)).map(|g| g.ratio).collect();
    let gap_fences = computed(&gaps, s);
    let r025 = r025_tallies(facts, &firms);
    let counts: Vec<f64> = r025.iter().map(|t| t.valid as f64).collect();
    let ratios: Vec<f64> = r025.iter().map(|t| t.won as f64 / t.valid as f64).collect();
    let (owners, bidders) = r038_tallies(facts, &firms, s);
    let share = |t: &BidTally| t.disqualified as f64 / t.submitted as f64;
    let owner_ratios: Vec<f64> = owners.iter().map(share).collect();
    let firm_ratios: Vec<f64> = bidders.iter().map(share).collect();
    let shares: Vec<f64> = owner_shares(facts, &firms, s).iter().map(PairTally::share).collect();
    Thresholds {
        r024_lower: s.r024_lower_fence.or(gap_fences.map(|f| f.lower)),
        r058_upper: s.r058_upper_fence.or(gap_fences.map(|f| f.upper)),
        r025_top_bids: if counts.len() >= s.fence_min_sample.max(1) as usize {
            quantile(&counts, s.r025_percentile.min(100) as f64 / 100.0)
        } else {
            None
        },
        r025_lower: s.r025_lower_fence.or(computed(&ratios, s).map(|f| f.lower)),
        r038_owner_upper: s.r038_upper_fence.or(computed(&owner_ratios, s).map(|f| f.upper)),
        r038_firm_upper: s.r038_upper_fence.or(computed(&firm_ratios, s).map(|f| f.upper)),
        zj02_upper: s.zj02_upper_fence.or(computed(&shares, s).map(|f| f.upper)),
    }
}

// ---------------------------------------------------------------------------
// Per-procurement indicators
// ---------------------------------------------------------------------------

/// R003 Short submission period (Cardinal `R/003.md`, `r003.rs`): the period from
/// publication to the deadline, in whole days (truncated, as `num_days`), is less
/// than `r003_min_days` (Cardinal default 15, ours 5: see the setting). Only competitive methods (direct
/// selection publishes and closes at once: it has no submission period).
pub fn r003_short_submission_period(p: &ProcurementFacts, s: &RedFlagSettings) -> Option<Flag> {
    if p.method == SelectionMethod::Direct || !s.competitive_methods.contains(&p.method) {
        return None;
    }
    let (start, end) = (p.published_at?, p.deadline_at?);
    let days = (end - start) / DAY_MS;
    (days < s.r003_min_days).then(|| {
        flag(
            "R003",
            Subject::Procurement(p.id),
            format!(
                "项目 {}({}):公告 {} 发布、{} 截止,报名/报价期仅 {} 天,少于 {} 天",
                p.code,
                method_cn(p.method),
                format_shanghai(start),
                format_shanghai(end),
                days,
                s.r003_min_days
            ),
        )
    })
}

/// R018 Single bid received (Cardinal `R/018.md`, `r018.rs`): a competitive
/// procurement (`competitive_methods`, Cardinal's `open|selective`) past its
/// deadline in which exactly one firm took part (its number of tenderers is 1,
/// whatever became of the bid).
pub fn r018_single_participant(p: &ProcurementFacts, s: &RedFlagSettings, firms: &Firms) -> Option<Flag> {
    if !p.settled() || !s.competitive_methods.contains(&p.method) {
        return None;
    }
    let bidders = p.bidders();
    (bidders.len() == 1).then(|| {
        flag(
            "R018",
            Subject::Procurement(p.id),
            format!("项目 {}({}):仅 1 家机构参与({}),竞争性选取没有竞争", p.code, method_cn(p.method), firm_names(firms, bidders)),
        )
    })
}

/// The winner's quote and the lowest other valid quote (R024, R058).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PriceGap {
    pub winner: Fen,
    pub second: Fen,
    /// `(second − winner) / winner`
    pub ratio: f64,
}

/// Cardinal's R024/R058 difference `(secondLowestValidBidAmount − winningBidAmount)
/// / winningBidAmount`, for a price-only procurement with an award in force.
/// Cardinal's exclusions apply: none when the winner's or any other valid quote's
/// amount is missing, or when the winning quote is not the lowest valid one.
pub fn price_gap(p: &ProcurementFacts, s: &RedFlagSettings) -> Option<PriceGap> {
    if !s.price_only_methods.contains(&p.method) {
        return None;
    }
    let award = p.winner()?;
    let mut winner = None;
    let mut second: Option<Fen> = None;
    for b in p.bids.iter().filter(|b| b.status == BidStatus::Valid) {
        let Some(amount) = b.amount else { continue };
        if b.firm_id == award.firm_id {
            winner = Some(amount);
        } else if second.is_none_or(|x| amount < x) {
            second = Some(amount);
        }
    }
    let (winner, second) = (winner?, second?);
    if second < winner || winner.0 <= 0 {
        return None;
    }
    Some(PriceGap { winner, second, ratio: (second.0 - winner.0) as f64 / winner.0 as f64 })
}

/// R024 Price close to winning bid (Cardinal `R/024.md`, `r024.rs`): the gap of
/// [`price_gap`] is at most the lower fence (`r024_lower_fence`, or `Q1 − 1.5·IQR`
/// of all gaps in the data set, see [`thresholds`]). As Cardinal, nothing when the
/// fence is not above zero (gaps are never negative: a fence of zero would flag
/// every equal price, which is R028's business).
pub fn r024_price_close_to_winning_bid(p: &ProcurementFacts, s: &RedFlagSettings, lower_fence: f64) -> Option<Flag> {
    let g = price_gap(p, s)?;
    (lower_fence > 0.0 && g.ratio <= lower_fence).then(|| {
        flag(
            "R024",
            Subject::Procurement(p.id),
            format!(
                "项目 {}:中选报价 {},次低有效报价 {},仅高出 {},不高于下限 {}",
                p.code,
                yuan(g.winner),
                yuan(g.second),
                pct(g.ratio),
                pct(lower_fence)
            ),
        )
    })
}

/// R058 Heavily discounted bid (Cardinal `R/058.md`, `r058.rs`): the gap of
/// [`price_gap`] is at least the upper fence (`r058_upper_fence`, or `Q3 + 1.5·IQR`
/// of all gaps). As Cardinal, nothing when the fence is not above zero (when most
/// gaps are zero the fence degenerates to 0 and would flag every other gap).
pub fn r058_heavily_discounted_bid(p: &ProcurementFacts, s: &RedFlagSettings, upper_fence: f64) -> Option<Flag> {
    let g = price_gap(p, s)?;
    (upper_fence > 0.0 && g.ratio >= upper_fence).then(|| {
        flag(
            "R058",
            Subject::Procurement(p.id),
            format!(
                "项目 {}:中选报价 {} 远低于次低有效报价 {},相差 {},不低于上限 {}",
                p.code,
                yuan(g.winner),
                yuan(g.second),
                pct(g.ratio),
                pct(upper_fence)
            ),
        )
    })
}

/// R028 Identical bid prices (Cardinal `R/028.md`, `r028.rs`): different firms
/// submitted the same amount (any opened quote, valid or not). Cardinal leaves out
/// processes whose prices the buyer predetermines: here random draw and direct
/// selection (the price is the budget).
pub fn r028_identical_bid_prices(p: &ProcurementFacts, firms: &Firms) -> Option<Flag> {
    if matches!(p.method, SelectionMethod::RandomDraw | SelectionMethod::Direct) {
        return None;
    }
    let mut by_amount: BTreeMap<Fen, BTreeSet<i64>> = BTreeMap::new();
    for b in &p.bids {
        if let Some(amount) = b.amount {
            by_amount.entry(amount).or_default().insert(b.firm_id);
        }
    }
    let same: Vec<String> = by_amount
        .iter()
        .filter(|(_, ids)| ids.len() >= 2)
        .map(|(amount, ids)| format!("{} 报价均为 {}", firm_names(firms, ids.iter().copied()), yuan(*amount)))
        .collect();
    (!same.is_empty()).then(|| flag("R028", Subject::Procurement(p.id), format!("项目 {}:不同机构报价相同:{}", p.code, same.join(";"))))
}

/// R030 Late bid won (Cardinal `R/030.md`, `r030.rs`): a valid bid of the firm
/// holding the award in force was received after the deadline. The platform
/// refuses late quotes and registrations, so this catches records changed or
/// imported outside the normal path. Not for direct selection (no deadline).
pub fn r030_late_bid_won(p: &ProcurementFacts, firms: &Firms) -> Option<Flag> {
    if p.method == SelectionMethod::Direct {
        return None;
    }
    let deadline = p.deadline_at?;
    let award = p.winner()?;
    let late = p.bids.iter().find(|b| b.status == BidStatus::Valid && b.firm_id == award.firm_id && b.received_at > deadline)?;
    Some(flag(
        "R030",
        Subject::Procurement(p.id),
        format!(
            "项目 {}:中选机构 {} 的报名/报价于 {} 收到,晚于截止时间 {}",
            p.code,
            firm_name(firms, award.firm_id),
            format_shanghai(late.received_at),
            format_shanghai(deadline)
        ),
    ))
}

/// R035 All except winner disqualified (Cardinal `R/035.md`, `r035.rs`): exactly
/// one firm has valid bids, it holds the award in force, and at least
/// `r035_min_disqualified` (Cardinal default 1) other firms' bids were disqualified.
pub fn r035_all_except_winner_disqualified(p: &ProcurementFacts, s: &RedFlagSettings, firms: &Firms) -> Option<Flag> {
    let award = p.winner()?;
    let valid = p.firms_with(BidStatus::Valid);
    if valid.len() != 1 || !valid.contains(&award.firm_id) {
        return None;
    }
    let others: Vec<i64> = p.firms_with(BidStatus::Disqualified).difference(&valid).copied().collect();
    (others.len() >= s.r035_min_disqualified.max(1) as usize).then(|| {
        flag(
            "R035",
            Subject::Procurement(p.id),
            format!(
                "项目 {}:除中选机构 {} 外,其余 {} 家参与机构({})均被判无效",
                p.code,
                firm_name(firms, award.firm_id),
                others.len(),
                firm_names(firms, others.iter().copied())
            ),
        )
    })
}

/// R036 Lowest bid disqualified (Cardinal `R/036.md`, `r036.rs`): in a price-only
/// procurement with an award in force and a valid quote, the lowest quote was
/// disqualified. A disqualified quote tied with the lowest valid one does not count
/// (the winner still offered the lowest price; Cardinal takes whichever of the tied
/// bids comes first). Quotes excluded before opening have no amount
/// and cannot raise it; a rejected abnormally-low justification typically does.
pub fn r036_lowest_bid_disqualified(p: &ProcurementFacts, s: &RedFlagSettings, firms: &Firms) -> Option<Flag> {
    if !s.price_only_methods.contains(&p.method) {
        return None;
    }
    let award = p.winner()?;
    let lowest_valid = p.bids.iter().filter(|b| b.status == BidStatus::Valid).filter_map(|b| b.amount).min();
    let (firm, lowest) = p
        .bids
        .iter()
        .filter(|b| b.status == BidStatus::Disqualified)
        .filter_map(|b| b.amount.map(|a| (b.firm_id, a)))
        .min_by_key(|(_, a)| *a)?;
    if lowest_valid.is_none_or(|v| lowest >= v) {
        return None;
    }
    Some(flag(
        "R036",
        Subject::Procurement(p.id),
        format!(
            "项目 {}(仅比价格):最低报价 {}({})被判无效,中选报价 {}",
            p.code,
            yuan(lowest),
            firm_name(firms, firm),
            yuan(award.amount)
        ),
    ))
}

fn norm_address(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace()).flat_map(char::to_lowercase).collect()
}

fn norm_phone(s: &str) -> Option<String> {
    let digits: String = s.chars().filter(char::is_ascii_digit).collect();
    (digits.len() >= 7).then_some(digits)
}

fn norm_id(s: &str) -> Option<String> {
    let id: String = s.trim().to_uppercase();
    (id.len() >= 8).then_some(id)
}

/// R044 Participants sharing address, contact or key staff (Cardinal `R/044.md`,
/// `r044.rs`: same address or contact point between tenderers of one process).
/// Here, between any two firms with a bid: the same registered address
/// (whitespace and case ignored), a shared phone number (contact phone or any
/// staff phone), or the same person (ID number) among their key staff. Phones and
/// ID numbers are masked in the text. Cardinal also compares the contact name; it
/// is left out here (common Chinese names would make noise).
pub fn r044_shared_details(p: &ProcurementFacts, firms: &Firms) -> Option<Flag> {
    if matches!(p.status, ProcurementStatus::Draft | ProcurementStatus::Cancelled) {
        return None;
    }
    let ids: Vec<i64> = p.bidders().into_iter().collect();
    let mut findings = Vec::new();
    for (i, a_id) in ids.iter().enumerate() {
        for b_id in &ids[i + 1..] {
            let (Some(&a), Some(&b)) = (firms.get(a_id), firms.get(b_id)) else { continue };
            let mut what = Vec::new();
            let addr = norm_address(&a.address);
            if !addr.is_empty() && addr == norm_address(&b.address) {
                what.push(format!("登记地址相同({})", a.address.trim()));
            }
            let phones = |f: &FirmProfile| -> BTreeSet<String> {
                std::iter::once(f.contact_phone.as_str()).chain(f.staff.iter().map(|s| s.phone.as_str())).filter_map(norm_phone).collect()
            };
            for phone in phones(a).intersection(&phones(b)) {
                what.push(format!("电话相同({})", mask_phone(phone)));
            }
            for sa in &a.staff {
                let Some(id) = norm_id(&sa.id_number) else { continue };
                if let Some(sb) = b.staff.iter().find(|sb| norm_id(&sb.id_number).as_deref() == Some(id.as_str())) {
                    what.push(format!("从业人员为同一人({} / {},身份证号 {})", sa.name, sb.name, mask_id_number(&id)));
                }
            }
            if !what.is_empty() {
                findings.push(format!("{} 与 {}:{}", a.name, b.name, what.join("、")));
            }
        }
    }
    (!findings.is_empty()).then(|| flag("R044", Subject::Procurement(p.id), format!("项目 {}:参与机构之间存在关联:{}", p.code, findings.join(";"))))
}

// ---------------------------------------------------------------------------
// Indicators over the data set
// ---------------------------------------------------------------------------

/// Bid counts of one firm or owner over the data set.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BidTally {
    pub subject: Subject,
    pub name: String,
    /// Procurements counted.
    pub procurements: u32,
    /// Bids submitted (R038).
    pub submitted: u32,
    /// Procurements with a valid bid (R025).
    pub valid: u32,
    /// Of those, won (R025).
    pub won: u32,
    /// Bids disqualified (R038).
    pub disqualified: u32,
}

fn tally(subject: Subject, name: String) -> BidTally {
    BidTally { subject, name, procurements: 0, submitted: 0, valid: 0, won: 0, disqualified: 0 }
}

/// R025's counts per firm: over procurements with an award in force, each firm
/// with a valid bid counts once, and once more as a win when it holds the award.
pub fn r025_tallies(facts: &Facts, firms: &Firms) -> Vec<BidTally> {
    let mut by_firm: BTreeMap<i64, BidTally> = BTreeMap::new();
    for p in &facts.procurements {
        let Some(award) = p.winner() else { continue };
        for firm in p.firms_with(BidStatus::Valid) {
            let t = by_firm.entry(firm).or_insert_with(|| tally(Subject::Firm(firm), firm_name(firms, firm)));
            t.procurements += 1;
            t.valid += 1;
            if firm == award.firm_id {
                t.won += 1;
            }
        }
    }
    by_firm.into_values().collect()
}

/// R025 Excessive unsuccessful bids (Cardinal `R/025.md`, `r025.rs`): a top
/// tenderer (at least `top_bids` valid bids, the `r025_percentile`-th percentile
/// of all firms' counts, Cardinal default 75) whose win ratio is at most the lower
/// fence (`r025_lower_fence` or `Q1 − 1.5·IQR` of all win ratios). As Cardinal
/// 0.0.8 (earlier versions compared strictly), and nothing when the fence is not
/// above zero (when most firms never win, every ratio of 0 would be flagged).
pub fn r025_excessive_unsuccessful_bids(t: &BidTally, s: &RedFlagSettings, top_bids: f64, lower_fence: f64) -> Option<Flag> {
    if t.valid == 0 || lower_fence <= 0.0 {
        return None;
    }
    let ratio = t.won as f64 / t.valid as f64;
    (t.valid as f64 >= top_bids && ratio <= lower_fence).then(|| {
        flag(
            "R025",
            t.subject.clone(),
            format!(
                "机构 {}:有效参与 {} 个项目(不少于第 {} 百分位的 {:.1} 个),仅中选 {} 个,中选率 {},不高于下限 {}",
                t.name,
                t.valid,
                s.r025_percentile,
                top_bids,
                t.won,
                pct(ratio),
                pct(lower_fence)
            ),
        )
    })
}

/// R038's counts: per owner and per firm, bids submitted and disqualified over the
/// procurements past their deadline; owners with fewer than
/// `r038_min_procurements` procurements and firms with fewer than
/// `r038_min_submitted_bids` bids are left out (Cardinal's minimums).
pub fn r038_tallies(facts: &Facts, firms: &Firms, s: &RedFlagSettings) -> (Vec<BidTally>, Vec<BidTally>) {
    let mut owners: BTreeMap<i64, BidTally> = BTreeMap::new();
    let mut bidders: BTreeMap<i64, BidTally> = BTreeMap::new();
    for p in facts.procurements.iter().filter(|p| p.settled() && !p.bids.is_empty()) {
        let disqualified = p.bids.iter().filter(|b| b.status == BidStatus::Disqualified).count() as u32;
        let o = owners.entry(p.owner_id).or_insert_with(|| tally(Subject::Owner(p.owner_id), p.owner_name.clone()));
        o.procurements += 1;
        o.submitted += p.bids.len() as u32;
        o.disqualified += disqualified;
        for b in &p.bids {
            let t = bidders.entry(b.firm_id).or_insert_with(|| tally(Subject::Firm(b.firm_id), firm_name(firms, b.firm_id)));
            t.procurements += 1;
            t.submitted += 1;
            if b.status == BidStatus::Disqualified {
                t.disqualified += 1;
            }
        }
    }
    (
        owners.into_values().filter(|t| t.procurements >= s.r038_min_procurements).collect(),
        bidders.into_values().filter(|t| t.submitted >= s.r038_min_submitted_bids).collect(),
    )
}

/// R038 High disqualification rate (Cardinal `R/038.md`, `r038.rs`): an owner's
/// (Cardinal: buyer / procuring entity) share of disqualified bids among those it
/// received, or a firm's share among those it submitted, is at least the upper
/// fence (`r038_upper_fence` or `Q3 + 1.5·IQR` of the group's shares). As Cardinal,
/// nothing when the fence is not above zero (when most shares are 0 the fence
/// degenerates to 0 and would flag every owner or firm with one disqualification);
/// a share of zero never counts.
pub fn r038_high_disqualification_rate(t: &BidTally, upper_fence: f64) -> Option<Flag> {
    if t.submitted == 0 || t.disqualified == 0 || upper_fence <= 0.0 {
        return None;
    }
    let ratio = t.disqualified as f64 / t.submitted as f64;
    if ratio < upper_fence {
        return None;
    }
    let detail = match t.subject {
        Subject::Owner(_) => format!(
            "业主 {}:{} 个项目共收到 {} 份报名/报价,{} 份被判无效,无效率 {},不低于上限 {}",
            t.name,
            t.procurements,
            t.submitted,
            t.disqualified,
            pct(ratio),
            pct(upper_fence)
        ),
        _ => format!(
            "机构 {}:提交 {} 份报名/报价,{} 份被判无效,无效率 {},不低于上限 {}",
            t.name,
            t.submitted,
            t.disqualified,
            pct(ratio),
            pct(upper_fence)
        ),
    };
    Some(flag("R038", t.subject.clone(), detail))
}

/// One firm's selections by one owner within a window (ZJ01, ZJ02).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PairTally {
    pub owner_id: i64,
    pub owner_name: String,
    pub firm_id: i64,
    pub firm_name: String,
    /// The firm's selections by this owner.
    pub wins: u32,
    /// All the owner's selections counted (same window and methods).
    pub owner_total: u32,
    /// The procurements the firm was selected in.
    pub codes: Vec<String>,
}

impl PairTally {
    pub fn share(&self) -> f64 {
        if self.owner_total == 0 {
            0.0
        } else {
            self.wins as f64 / self.owner_total as f64
        }
    }
}

fn in_window(p: &ProcurementFacts, as_of: i64, days: i64) -> bool {
    p.published_at.is_some_and(|t| t <= as_of && t > as_of - days * DAY_MS)
}

fn pairs(facts: &Facts, firms: &Firms, keep: impl Fn(&ProcurementFacts) -> bool) -> Vec<PairTally> {
    let mut totals: BTreeMap<i64, u32> = BTreeMap::new();
    let mut by_pair: BTreeMap<(i64, i64), PairTally> = BTreeMap::new();
    for p in facts.procurements.iter().filter(|&p| keep(p)) {
        let Some(award) = p.selected() else { continue };
        *totals.entry(p.owner_id).or_default() += 1;
        let t = by_pair.entry((p.owner_id, award.firm_id)).or_insert_with(|| PairTally {
            owner_id: p.owner_id,
            owner_name: p.owner_name.clone(),
            firm_id: award.firm_id,
            firm_name: firm_name(firms, award.firm_id),
            wins: 0,
            owner_total: 0,
            codes: Vec::new(),
        });
        t.wins += 1;
        t.codes.push(p.code.clone());
    }
    by_pair
        .into_values()
        .map(|mut t| {
            t.owner_total = totals.get(&t.owner_id).copied().unwrap_or(0);
            t
        })
        .collect()
}

/// ZJ01's counts: per (owner, firm), direct selections (award under publicity or
/// final) published within the last `zj01_window_days` days before `as_of`.
pub fn direct_selections(facts: &Facts, firms: &Firms, s: &RedFlagSettings) -> Vec<PairTally> {
    pairs(facts, firms, |p| p.method == SelectionMethod::Direct && in_window(p, facts.as_of, s.zj01_window_days))
}

/// ZJ01 The same owner directly selecting the same firm repeatedly: at least
/// `zj01_min_count` (default 3) direct selections within `zj01_window_days`
/// (default 365). Direct selection skips competition; repeating it for one firm
/// is how a contract gets split or steered (化整为零、指定机构).
pub fn zj01_repeated_direct_selection(t: &PairTally, s: &RedFlagSettings) -> Option<Flag> {
    (t.wins >= s.zj01_min_count.max(1)).then(|| {
        flag(
            "ZJ01",
            Subject::OwnerFirm { owner_id: t.owner_id, firm_id: t.firm_id },
            format!(
                "业主 {} 近 {} 天内 {} 次直接选取同一机构 {}(项目 {}),达到 {} 次",
                t.owner_name,
                s.zj01_window_days,
                t.wins,
                t.firm_name,
                t.codes.join("、"),
                s.zj01_min_count
            ),
        )
    })
}

/// ZJ02's counts: per (owner, firm), selections (any method, award under
/// publicity or final) published within `zj02_window_days`, for owners with at
/// least `zj02_min_projects` selections in the window.
pub fn owner_shares(facts: &Facts, firms: &Firms, s: &RedFlagSettings) -> Vec<PairTally> {
    pairs(facts, firms, |p| in_window(p, facts.as_of, s.zj02_window_days))
        .into_iter()
        .filter(|t| t.owner_total >= s.zj02_min_projects)
        .collect()
}

/// ZJ02 A firm winning an outlier share of one owner's projects: its share of the
/// owner's selections is above the upper fence (`zj02_upper_fence`, or
/// `Q3 + 1.5·IQR` over all (owner, firm) shares, after Cardinal's R038) and it won
/// at least `zj02_min_wins` of them. Strictly above: when every share is the same
/// (IQR 0) nobody stands out.
pub fn zj02_outlier_owner_share(t: &PairTally, s: &RedFlagSettings, upper_fence: f64) -> Option<Flag> {
    if t.owner_total == 0 || t.wins < s.zj02_min_wins {
        return None;
    }
    let share = t.share();
    (share > upper_fence).then(|| {
        flag(
            "ZJ02",
            Subject::OwnerFirm { owner_id: t.owner_id, firm_id: t.firm_id },
            format!(
                "机构 {} 近 {} 天中选业主 {} 的 {} 个项目,占其 {} 个已选定项目的 {},高于上限 {}(项目 {})",
                t.firm_name,
                s.zj02_window_days,
                t.owner_name,
                t.wins,
                t.owner_total,
                pct(share),
                pct(upper_fence),
                t.codes.join("、")
            ),
        )
    })
}

// ---------------------------------------------------------------------------
// All of them
// ---------------------------------------------------------------------------

/// Runs every indicator that applies over the data set: per procurement first
/// (in input order), then per firm, owner and owner–firm pair.
pub fn evaluate(facts: &Facts, s: &RedFlagSettings) -> Vec<Flag> {
    let firms = firm_index(&facts.firms);
    let t = thresholds(facts, s);
    let mut out = Vec::new();
    for p in &facts.procurements {
        out.extend(r003_short_submission_period(p, s));
        out.extend(r018_single_participant(p, s, &firms));
        if let Some(fence) = t.r024_lower {
            out.extend(r024_price_close_to_winning_bid(p, s, fence));
        }
        out.extend(r028_identical_bid_prices(p, &firms));
        out.extend(r030_late_bid_won(p, &firms));
        out.extend(r035_all_except_winner_disqualified(p, s, &firms));
        out.extend(r036_lowest_bid_disqualified(p, s, &firms));
        out.extend(r044_shared_details(p, &firms));
        if let Some(fence) = t.r058_upper {
            out.extend(r058_heavily_discounted_bid(p, s, fence));
        }
    }
    if let (Some(top), Some(lower)) = (t.r025_top_bids, t.r025_lower) {
        for tally in r025_tallies(facts, &firms) {
            out.extend(r025_excessive_unsuccessful_bids(&tally, s, top, lower));
        }
    }
    let (owners, bidders) = r038_tallies(facts, &firms, s);
    if let Some(fence) = t.r038_owner_upper {
        out.extend(owners.iter().filter_map(|o| r038_high_disqualification_rate(o, fence)));
    }
    if let Some(fence) = t.r038_firm_upper {
        out.extend(bidders.iter().filter_map(|f| r038_high_disqualification_rate(f, fence)));
    }
    for pair in direct_selections(facts, &firms, s) {
        out.extend(zj01_repeated_direct_selection(&pair, s));
    }
    if let Some(fence) = t.zj02_upper {
        for pair in owner_shares(facts, &firms, s) {
            out.extend(zj02_outlier_owner_share(&pair, s, fence));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 2026-01-01 00:00 UTC (08:00 in Shanghai).
    const T0: i64 = 1_767_225_600_000;

    fn settings() -> RedFlagSettings {
        RedFlagSettings::default()
    }

    fn firm(id: i64, name: &str) -> FirmProfile {
        FirmProfile {
            id,
            name: name.into(),
            address: format!("佛山市禅城区季华路{id}号"),
            contact_phone: format!("0757-8{id:06}"),
            staff: vec![StaffIdentity { name: format!("员工{id}"), id_number: format!("44060219800101{id:04}"), phone: format!("139{id:08}") }],
        }
    }

    fn bid(firm_id: i64, yuan: Option<i64>, status: BidStatus) -> Bid {
        Bid { firm_id, amount: yuan.map(Fen::from_yuan), received_at: T0 + DAY_MS, status }
    }

    fn valid(firm_id: i64, yuan: i64) -> Bid {
        bid(firm_id, Some(yuan), BidStatus::Valid)
    }

    fn disq(firm_id: i64, yuan: i64) -> Bid {
        bid(firm_id, Some(yuan), BidStatus::Disqualified)
    }

    fn registered(firm_id: i64) -> Bid {
        bid(firm_id, None, BidStatus::Valid)
    }

    fn excluded(firm_id: i64) -> Bid {
        bid(firm_id, None, BidStatus::Disqualified)
    }

    fn award(firm_id: i64, yuan: i64, status: AwardStatus) -> Option<AwardFact> {
        Some(AwardFact { firm_id, amount: Fen::from_yuan(yuan), status })
    }

    fn procurement(id: i64, method: SelectionMethod) -> ProcurementFacts {
        ProcurementFacts {
            id,
            code: format!("ZJ2026-{id:03}"),
            owner_id: 1,
            owner_name: "禅城区教育局".into(),
            method,
            status: ProcurementStatus::Selected,
            budget: Fen::from_yuan(200_000),
            published_at: Some(T0),
            deadline_at: Some(T0 + 20 * DAY_MS),
            bids: vec![],
            award: None,
        }
    }

    fn price(id: i64, bids: Vec<Bid>, winner: i64, yuan: i64) -> ProcurementFacts {
        ProcurementFacts { bids, award: award(winner, yuan, AwardStatus::Final), ..procurement(id, SelectionMethod::PriceCompetition) }
    }

    fn codes(flags: &[Flag]) -> Vec<(&'static str, Subject)> {
        flags.iter().map(|f| (f.code, f.subject.clone())).collect()
    }

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-9
    }

    #[test]
    fn fences_match_a_hand_computed_example() {
        // n = 8, Hyndman & Fan 8: h = (8 + 1/3)·τ + 1/3.
        // Q1: h = 2.41667 → x2 + 0.41667·(x3 − x2) = 2 + 0.41667 = 2.41667
        // Q3: h = 6.58333 → x6 + 0.58333·(x7 − x6) = 6 + 0.58333 = 6.58333
        // IQR = 4.16667; lower = 2.41667 − 6.25 = −3.83333; upper = 6.58333 + 6.25 = 12.83333
        let values = [5.0, 1.0, 8.0, 3.0, 2.0, 7.0, 4.0, 6.0];
        let f = fences(&values).unwrap();
        assert!(close(f.q1, 2.0 + 5.0 / 12.0), "{f:?}");
        assert!(close(f.q3, 6.0 + 7.0 / 12.0), "{f:?}");
        assert!(close(f.lower, 2.0 + 5.0 / 12.0 - 6.25), "{f:?}");
        assert!(close(f.upper, 6.0 + 7.0 / 12.0 + 6.25), "{f:?}");
        // the 75th percentile of [2, 2, 2, 2, 8]: h = 4.33333 → 2 + 0.33333·6 = 4
        assert!(close(quantile(&[2.0, 8.0, 2.0, 2.0, 2.0], 0.75).unwrap(), 4.0));
        // one value: every quantile is that value; none: no quantile
        assert_eq!(quantile(&[3.0], 0.25), Some(3.0));
        assert_eq!(quantile(&[3.0], 0.75), Some(3.0));
        assert_eq!(quantile(&[], 0.5), None);
        assert_eq!(fences(&[]), None);
    }

    #[test]
    fn r003_flags_a_submission_period_under_the_minimum_days() {
        let s = settings();
        let p = ProcurementFacts { deadline_at: Some(T0 + 3 * DAY_MS + 3_600_000), ..procurement(1, SelectionMethod::RandomDraw) };
        let f = r003_short_submission_period(&p, &s).expect("3 days < 5");
        assert_eq!(f.code, "R003");
        assert_eq!(f.subject, Subject::Procurement(1));
        assert!(f.detail.contains("仅 3 天") && f.detail.contains("少于 5 天"), "{}", f.detail);
        assert!(f.detail.contains("2026-01-01 08:00") && f.detail.contains("2026-01-04 09:00"), "{}", f.detail);

        // 20 days, exactly 5 days, and a direct selection (no submission period) raise nothing
        assert_eq!(r003_short_submission_period(&procurement(2, SelectionMethod::RandomDraw), &s), None);
        let five = ProcurementFacts { deadline_at: Some(T0 + 5 * DAY_MS), ..procurement(3, SelectionMethod::Merit) };
        assert_eq!(r003_short_submission_period(&five, &s), None);
        // Cardinal's 15 flags it
        let cardinal = RedFlagSettings { r003_min_days: 15, ..settings() };
        assert!(r003_short_submission_period(&five, &cardinal).is_some());
        let direct = ProcurementFacts { deadline_at: Some(T0), ..procurement(4, SelectionMethod::Direct) };
        assert_eq!(r003_short_submission_period(&direct, &s), None);
        // the threshold is a setting
        let s5 = RedFlagSettings { r003_min_days: 3, ..settings() };
        assert_eq!(r003_short_submission_period(&p, &s5), None);
    }

    #[test]
    fn r018_flags_a_competitive_procurement_with_one_participant() {
        let s = settings();
        let list = [firm(7, "甲评估公司")];
        let firms = firm_index(&list);
        let p = ProcurementFacts { status: ProcurementStatus::Failed, bids: vec![registered(7)], ..procurement(1, SelectionMethod::RandomDraw) };
        let f = r018_single_participant(&p, &s, &firms).expect("one participant");
        assert_eq!(f.code, "R018");
        assert!(f.detail.contains("仅 1 家") && f.detail.contains("甲评估公司"), "{}", f.detail);

        let two = ProcurementFacts { bids: vec![registered(7), registered(8)], ..p.clone() };
        assert_eq!(r018_single_participant(&two, &s, &firms), None);
        let direct = ProcurementFacts { method: SelectionMethod::Direct, ..p.clone() };
        assert_eq!(r018_single_participant(&direct, &s, &firms), None, "direct selection is not competitive");
        let open = ProcurementFacts { status: ProcurementStatus::Published, ..p };
        assert_eq!(r018_single_participant(&open, &s, &firms), None, "still open: more may come");
    }

    #[test]
    fn r024_flags_a_second_price_close_to_the_winner() {
        let s = settings();
        let p = price(1, vec![valid(10, 100_000), valid(11, 100_100), valid(12, 120_000)], 10, 100_000);
        let f = r024_price_close_to_winning_bid(&p, &s, 0.02).expect("0.1% ≤ 2%");
        assert_eq!(f.code, "R024");
        assert!(f.detail.contains("100,000.00 元") && f.detail.contains("100,100.00 元"), "{}", f.detail);
        assert!(f.detail.contains("0.10%") && f.detail.contains("2.00%"), "{}", f.detail);

        assert_eq!(r024_price_close_to_winning_bid(&p, &s, 0.0005), None, "0.1% is above a 0.05% fence");
        let merit = ProcurementFacts { method: SelectionMethod::Merit, ..p.clone() };
        assert_eq!(r024_price_close_to_winning_bid(&merit, &s, 0.02), None, "not price only");
        let publicity = ProcurementFacts { award: award(10, 100_000, AwardStatus::Publicity), ..p };
        assert_eq!(r024_price_close_to_winning_bid(&publicity, &s, 0.02), None, "award not yet in force");
    }

    #[test]
    fn r058_flags_a_winner_far_below_the_second() {
        let s = settings();
        let p = price(1, vec![valid(10, 100_000), valid(11, 190_000)], 10, 100_000);
        let f = r058_heavily_discounted_bid(&p, &s, 0.10).expect("90% ≥ 10%");
        assert_eq!(f.code, "R058");
        assert!(f.detail.contains("90.00%") && f.detail.contains("10.00%") && f.detail.contains("190,000.00 元"), "{}", f.detail);

        assert_eq!(r058_heavily_discounted_bid(&p, &s, 1.0), None);
        // the winner did not offer the lowest valid price: the criterion was not price alone
        let odd = price(2, vec![valid(10, 100_000), valid(11, 50_000)], 10, 100_000);
        assert_eq!(r058_heavily_discounted_bid(&odd, &s, 0.10), None);
        assert_eq!(price_gap(&odd, &s), None);
    }

    #[test]
    fn gap_fences_come_from_the_whole_data_set() {
        // gaps 5%, 5%, 6%, 6%, 7%, 7%, 0.1%, 90%: Q1 = 5%, Q3 = 7%, IQR = 2%,
        // lower fence 2% (R024), upper fence 10% (R058).
        let gaps_yuan = [105_000, 105_000, 106_000, 106_000, 107_000, 107_000, 100_100, 190_000];
        let procurements: Vec<ProcurementFacts> = gaps_yuan
            .iter()
            .enumerate()
            .map(|(i, second)| {
                let i = i as i64;
                price(i + 1, vec![valid(100 + i, 100_000), valid(200 + i, *second)], 100 + i, 100_000)
            })
            .collect();
        let facts = Facts { as_of: T0 + 30 * DAY_MS, procurements, firms: vec![] };
        let s = settings();
        let t = thresholds(&facts, &s);
        assert!(close(t.r024_lower.unwrap(), 0.02), "{t:?}");
        assert!(close(t.r058_upper.unwrap(), 0.10), "{t:?}");
        let flags = evaluate(&facts, &s);
        assert_eq!(codes(&flags), vec![("R024", Subject::Procurement(7)), ("R058", Subject::Procurement(8))]);
        assert!(flags[0].detail.contains("0.10%") && flags[0].detail.contains("2.00%"), "{}", flags[0].detail);

        // fewer values than fence_min_sample: no computed fence, no flag
        let few = Facts { procurements: facts.procurements[6..].to_vec(), ..facts.clone() };
        assert_eq!(thresholds(&few, &s).r024_lower, None);
        assert!(evaluate(&few, &s).is_empty());
        // a fixed threshold replaces the computed fence
        let fixed = RedFlagSettings { r024_lower_fence: Some(0.055), r058_upper_fence: Some(5.0), ..settings() };
        assert_eq!(
            codes(&evaluate(&facts, &fixed)),
            vec![("R024", Subject::Procurement(1)), ("R024", Subject::Procurement(2)), ("R024", Subject::Procurement(7))]
        );
    }

    #[test]
    fn r025_flags_a_top_tenderer_that_rarely_wins() {
        // Firm 9 takes part in all 8 draws and wins none; firms 1–4 win two each.
        // Valid-bid counts [2, 2, 2, 2, 8]: 75th percentile 4, so firm 9 is a top tenderer.
        // Win ratios [1, 1, 1, 1, 0]: Q1 = 2/3, Q3 = 1, lower fence 2/3 − 0.5 = 1/6.
        let procurements: Vec<ProcurementFacts> = (0..8)
            .map(|i| {
                let winner = i % 4 + 1;
                ProcurementFacts {
                    bids: vec![registered(winner), registered(9)],
                    award: award(winner, 200_000, AwardStatus::Final),
                    ..procurement(i + 1, SelectionMethod::RandomDraw)
                }
            })
            .collect();
        let list = [firm(9, "陪标测绘公司")];
        let facts = Facts { as_of: T0 + 30 * DAY_MS, procurements, firms: list.to_vec() };
        let s = settings();
        let t = thresholds(&facts, &s);
        assert!(close(t.r025_top_bids.unwrap(), 4.0), "{t:?}");
        assert!(close(t.r025_lower.unwrap(), 1.0 / 6.0), "{t:?}");
        let flags = evaluate(&facts, &s);
        assert_eq!(codes(&flags), vec![("R025", Subject::Firm(9))]);
        let d = &flags[0].detail;
        assert!(d.contains("陪标测绘公司") && d.contains("有效参与 8 个项目") && d.contains("仅中选 0 个") && d.contains("16.67%"), "{d}");

        // a top tenderer that wins often, and a rare one that never wins, raise nothing
        let busy = BidTally { won: 4, ..tally(Subject::Firm(9), "x".into()) };
        let busy = BidTally { valid: 8, ..busy };
        assert_eq!(r025_excessive_unsuccessful_bids(&busy, &s, 4.0, 1.0 / 6.0), None);
        let rare = BidTally { valid: 3, ..tally(Subject::Firm(5), "y".into()) };
        assert_eq!(r025_excessive_unsuccessful_bids(&rare, &s, 4.0, 1.0 / 6.0), None);
    }

    #[test]
    fn r028_flags_different_firms_quoting_the_same_price() {
        let list = [firm(1, "甲公司"), firm(2, "乙公司"), firm(3, "丙公司")];
        let firms = firm_index(&list);
        let p = price(1, vec![valid(1, 95_000), valid(2, 95_000), valid(3, 99_000)], 1, 95_000);
        let f = r028_identical_bid_prices(&p, &firms).expect("two at 95,000");
        assert_eq!(f.code, "R028");
        assert!(f.detail.contains("甲公司、乙公司") && f.detail.contains("95,000.00 元") && !f.detail.contains("丙公司"), "{}", f.detail);

        let distinct = price(2, vec![valid(1, 95_000), valid(2, 96_000)], 1, 95_000);
        assert_eq!(r028_identical_bid_prices(&distinct, &firms), None);
        // random draw: the price is the budget, predetermined by the owner
        let draw = ProcurementFacts { method: SelectionMethod::RandomDraw, ..p };
        assert_eq!(r028_identical_bid_prices(&draw, &firms), None);
    }

    #[test]
    fn r030_flags_a_winner_whose_bid_came_after_the_deadline() {
        let list = [firm(1, "迟到公司")];
        let firms = firm_index(&list);
        let deadline = T0 + 20 * DAY_MS;
        let late = Bid { received_at: deadline + 3_600_000, ..valid(1, 90_000) };
        let p = price(1, vec![late, valid(2, 95_000)], 1, 90_000);
        let f = r030_late_bid_won(&p, &firms).expect("an hour late");
        assert_eq!(f.code, "R030");
        assert!(f.detail.contains("迟到公司") && f.detail.contains("2026-01-21 09:00") && f.detail.contains("2026-01-21 08:00"), "{}", f.detail);

        let on_time = price(2, vec![valid(1, 90_000), valid(2, 95_000)], 1, 90_000);
        assert_eq!(r030_late_bid_won(&on_time, &firms), None);
        // a late bid that lost is not this flag
        let lost = price(3, vec![Bid { received_at: deadline + 1, ..valid(2, 95_000) }, valid(1, 90_000)], 1, 90_000);
        assert_eq!(r030_late_bid_won(&lost, &firms), None);
    }

    #[test]
    fn r035_flags_a_winner_whose_rivals_were_all_disqualified() {
        let s = settings();
        let list = [firm(1, "独家公司"), firm(2, "乙公司"), firm(3, "丙公司")];
        let firms = firm_index(&list);
        let p = ProcurementFacts {
            bids: vec![registered(1), excluded(2), excluded(3)],
            award: award(1, 200_000, AwardStatus::Final),
            ..procurement(1, SelectionMethod::RandomDraw)
        };
        let f = r035_all_except_winner_disqualified(&p, &s, &firms).expect("two rivals excluded");
        assert_eq!(f.code, "R035");
        assert!(f.detail.contains("独家公司") && f.detail.contains("其余 2 家") && f.detail.contains("乙公司、丙公司"), "{}", f.detail);

        let rival = ProcurementFacts { bids: vec![registered(1), registered(4), excluded(2)], ..p.clone() };
        assert_eq!(r035_all_except_winner_disqualified(&rival, &s, &firms), None, "another valid participant");
        let alone = ProcurementFacts { bids: vec![registered(1)], ..p.clone() };
        assert_eq!(r035_all_except_winner_disqualified(&alone, &s, &firms), None, "nobody disqualified");
        let pending = ProcurementFacts { award: award(1, 200_000, AwardStatus::Publicity), ..p.clone() };
        assert_eq!(r035_all_except_winner_disqualified(&pending, &s, &firms), None, "award not yet in force");
        let stricter = RedFlagSettings { r035_min_disqualified: 3, ..settings() };
        assert_eq!(r035_all_except_winner_disqualified(&p, &stricter, &firms), None);
    }

    #[test]
    fn r036_flags_the_lowest_quote_disqualified_in_a_price_competition() {
        let s = settings();
        let list = [firm(2, "低价公司")];
        let firms = firm_index(&list);
        let p = price(1, vec![disq(2, 80_000), valid(1, 90_000), valid(3, 95_000)], 1, 90_000);
        let f = r036_lowest_bid_disqualified(&p, &s, &firms).expect("80,000 rejected");
        assert_eq!(f.code, "R036");
        assert!(f.detail.contains("80,000.00 元") && f.detail.contains("低价公司") && f.detail.contains("90,000.00 元"), "{}", f.detail);

        let higher = price(2, vec![disq(2, 99_000), valid(1, 90_000)], 1, 90_000);
        assert_eq!(r036_lowest_bid_disqualified(&higher, &s, &firms), None, "the disqualified quote was not the lowest");
        let tied = price(3, vec![disq(2, 90_000), valid(1, 90_000)], 1, 90_000);
        assert_eq!(r036_lowest_bid_disqualified(&tied, &s, &firms), None, "the winner offered the same lowest price");
        let merit = ProcurementFacts { method: SelectionMethod::Merit, ..p };
        assert_eq!(r036_lowest_bid_disqualified(&merit, &s, &firms), None, "merit is not price only");
    }

    #[test]
    fn fences_not_above_zero_flag_nothing_and_boundaries_count_as_cardinal_0_0_8() {
        let s = settings();
        let list = [firm(2, "低价公司")];
        let firms = firm_index(&list);
        // equal prices: a gap of 0 at a fence of 0 is no R024, any gap at a fence of 0 no R058
        let tie = price(1, vec![valid(10, 100_000), valid(11, 100_000)], 10, 100_000);
        assert_eq!(r024_price_close_to_winning_bid(&tie, &s, 0.0), None);
        let far = price(2, vec![valid(10, 100_000), valid(11, 150_000)], 10, 100_000);
        assert_eq!(r058_heavily_discounted_bid(&far, &s, 0.0), None);
        assert_eq!(r058_heavily_discounted_bid(&far, &s, -0.1), None);
        assert!(r058_heavily_discounted_bid(&far, &s, 0.5).is_some(), "a gap equal to the fence counts");
        // R025: at the percentile and at the fence counts; a fence of 0 flags nobody
        let t = BidTally { valid: 4, won: 0, ..tally(Subject::Firm(9), "x".into()) };
        assert!(r025_excessive_unsuccessful_bids(&t, &s, 4.0, 0.1).is_some());
        let at_fence = BidTally { valid: 10, won: 1, ..t.clone() };
        assert!(r025_excessive_unsuccessful_bids(&at_fence, &s, 4.0, 0.1).is_some());
        assert_eq!(r025_excessive_unsuccessful_bids(&t, &s, 4.0, 0.0), None);
        // R038: a fence of 0 (most shares 0) flags nobody
        let owner = BidTally { procurements: 3, submitted: 10, disqualified: 1, ..tally(Subject::Owner(1), "y".into()) };
        assert_eq!(r038_high_disqualification_rate(&owner, 0.0), None);
        assert!(r038_high_disqualification_rate(&owner, 0.1).is_some());
        // R036: no valid quote with an amount, nothing to compare with
        let none_valid = ProcurementFacts { bids: vec![disq(2, 80_000), excluded(3)], ..price(3, vec![], 1, 90_000) };
        assert_eq!(r036_lowest_bid_disqualified(&none_valid, &s, &firms), None);
    }

    #[test]
    fn r038_flags_a_high_share_of_disqualified_bids() {
        let owner = BidTally { procurements: 3, submitted: 10, disqualified: 6, ..tally(Subject::Owner(1), "禅城区教育局".into()) };
        let f = r038_high_disqualification_rate(&owner, 0.5).expect("60% ≥ 50%");
        assert_eq!((f.code, f.subject.clone()), ("R038", Subject::Owner(1)));
        assert!(f.detail.contains("3 个项目") && f.detail.contains("10 份") && f.detail.contains("6 份") && f.detail.contains("60.00%"), "{}", f.detail);

        let firm = BidTally { submitted: 5, disqualified: 1, ..tally(Subject::Firm(2), "乙公司".into()) };
        assert_eq!(r038_high_disqualification_rate(&firm, 0.5), None, "20% < 50%");
        let clean = BidTally { submitted: 5, ..tally(Subject::Firm(3), "丙公司".into()) };
        assert_eq!(r038_high_disqualification_rate(&clean, 0.0), None, "no disqualification at all");

        // the tallies: past-deadline procurements only, Cardinal's minimums applied
        let s = settings();
        let a = ProcurementFacts { bids: vec![registered(1), excluded(2)], ..procurement(1, SelectionMethod::RandomDraw) };
        let b = ProcurementFacts { bids: vec![registered(1), excluded(2), excluded(3)], ..procurement(2, SelectionMethod::RandomDraw) };
        let open = ProcurementFacts { status: ProcurementStatus::Published, bids: vec![excluded(4)], ..procurement(3, SelectionMethod::RandomDraw) };
        let facts = Facts { as_of: T0, procurements: vec![a, b, open], firms: vec![] };
        let (owners, bidders) = r038_tallies(&facts, &firm_index(&facts.firms), &s);
        assert_eq!(owners.len(), 1);
        assert_eq!((owners[0].procurements, owners[0].submitted, owners[0].disqualified), (2, 5, 3));
        let ids: Vec<Subject> = bidders.iter().map(|t| t.subject.clone()).collect();
        assert_eq!(ids, vec![Subject::Firm(1), Subject::Firm(2)], "firm 3 has one bid, firm 4's procurement is still open");
        assert_eq!(bidders[1].disqualified, 2);
    }

    #[test]
    fn r044_flags_participants_sharing_address_phone_or_staff() {
        let mut a = firm(1, "甲公司");
        let mut b = firm(2, "乙公司");
        let mut c = firm(3, "丙公司");
        a.address = "佛山市禅城区 汾江中路1号".into();
        b.address = "佛山市禅城区汾江中路1号 ".into();
        c.staff[0].id_number = a.staff[0].id_number.clone();
        let list = [a, b, c, firm(4, "丁公司")];
        let firms = firm_index(&list);
        let p = ProcurementFacts { bids: vec![registered(1), registered(2), registered(3), registered(4)], ..procurement(1, SelectionMethod::RandomDraw) };
        let f = r044_shared_details(&p, &firms).expect("shared address and staff");
        assert_eq!(f.code, "R044");
        assert!(f.detail.contains("甲公司 与 乙公司") && f.detail.contains("登记地址相同(佛山市禅城区 汾江中路1号)"), "{}", f.detail);
        assert!(f.detail.contains("甲公司 与 丙公司") && f.detail.contains("同一人") && f.detail.contains("4406************01"), "{}", f.detail);
        assert!(!f.detail.contains("丁公司"), "{}", f.detail);

        let mut d = firm(5, "戊公司");
        d.contact_phone = "0757 8000004".into(); // 丁公司's number written differently
        let list2 = [firm(4, "丁公司"), d];
        let f = r044_shared_details(&ProcurementFacts { bids: vec![registered(4), registered(5)], ..p.clone() }, &firm_index(&list2)).expect("same phone");
        assert!(f.detail.contains("电话相同(075****0004)"), "{}", f.detail);

        let unrelated = ProcurementFacts { bids: vec![registered(4), registered(6)], ..p };
        let list3 = [firm(4, "丁公司"), firm(6, "己公司")];
        assert_eq!(r044_shared_details(&unrelated, &firm_index(&list3)), None);
    }

    #[test]
    fn zj01_flags_an_owner_directly_selecting_the_same_firm_again_and_again() {
        let s = settings();
        let as_of = T0 + 100 * DAY_MS;
        let direct = |id: i64, published: i64| ProcurementFacts {
            published_at: Some(published),
            deadline_at: None,
            bids: vec![registered(5)],
            award: award(5, 50_000, AwardStatus::Publicity),
            ..procurement(id, SelectionMethod::Direct)
        };
        let list = [firm(5, "熟客咨询公司")];
        let facts = Facts { as_of, procurements: vec![direct(1, T0), direct(2, T0 + 30 * DAY_MS), direct(3, T0 + 60 * DAY_MS)], firms: list.to_vec() };
        let flags = evaluate(&facts, &s);
        assert_eq!(codes(&flags), vec![("ZJ01", Subject::OwnerFirm { owner_id: 1, firm_id: 5 })]);
        let d = &flags[0].detail;
        assert!(d.contains("禅城区教育局") && d.contains("3 次直接选取") && d.contains("熟客咨询公司") && d.contains("ZJ2026-001、ZJ2026-002、ZJ2026-003"), "{d}");

        // two in the window (the third was published more than 365 days before): no flag
        let old = Facts { procurements: vec![direct(1, as_of - 400 * DAY_MS), direct(2, T0), direct(3, T0 + DAY_MS)], ..facts.clone() };
        assert!(evaluate(&old, &s).is_empty());
        let pairs = direct_selections(&old, &firm_index(&old.firms), &s);
        assert_eq!(pairs[0].wins, 2);
        assert_eq!(zj01_repeated_direct_selection(&pairs[0], &s), None);
    }

    #[test]
    fn zj02_flags_a_firm_winning_an_outlier_share_of_an_owners_projects() {
        let s = settings();
        let pair = PairTally {
            owner_id: 1,
            owner_name: "禅城区教育局".into(),
            firm_id: 5,
            firm_name: "包揽公司".into(),
            wins: 6,
            owner_total: 10,
            codes: vec!["ZJ2026-001".into()],
        };
        let f = zj02_outlier_owner_share(&pair, &s, 0.5).expect("60% > 50%");
        assert_eq!((f.code, f.subject.clone()), ("ZJ02", Subject::OwnerFirm { owner_id: 1, firm_id: 5 }));
        assert!(f.detail.contains("包揽公司") && f.detail.contains("6 个项目") && f.detail.contains("10 个") && f.detail.contains("60.00%"), "{}", f.detail);

        assert_eq!(zj02_outlier_owner_share(&PairTally { wins: 2, ..pair.clone() }, &s, 0.5), None, "20%");
        assert_eq!(zj02_outlier_owner_share(&PairTally { wins: 1, owner_total: 1, ..pair }, &s, 0.5), None, "a single win is not a pattern");

        // over a data set: owners 1–4 spread 6 projects over 6 firms each; owner 5 gives 5 of 6 to firm 99
        let mut procurements = Vec::new();
        let mut id = 0;
        for owner in 1..=5 {
            for k in 0..6 {
                id += 1;
                let winner = if owner == 5 && k < 5 { 99 } else { owner * 10 + k };
                procurements.push(ProcurementFacts {
                    owner_id: owner,
                    owner_name: format!("业主{owner}"),
                    bids: vec![registered(winner), registered(1000 + id)],
                    award: award(winner, 100_000, AwardStatus::Final),
                    ..procurement(id, SelectionMethod::RandomDraw)
                });
            }
        }
        let facts = Facts { as_of: T0 + DAY_MS, procurements, firms: vec![] };
        let flags: Vec<Flag> = evaluate(&facts, &s).into_iter().filter(|f| f.code == "ZJ02").collect();
        assert_eq!(codes(&flags), vec![("ZJ02", Subject::OwnerFirm { owner_id: 5, firm_id: 99 })]);
        assert!(flags[0].detail.contains("5 个项目") && flags[0].detail.contains("83.33%"), "{}", flags[0].detail);
    }

    #[test]
    fn a_clean_market_raises_nothing() {
        let s = settings();
        let list = [firm(1, "甲公司"), firm(2, "乙公司"), firm(3, "丙公司")];
        let p = price(1, vec![valid(1, 90_000), valid(2, 96_000), valid(3, 99_000)], 1, 90_000);
        let draw = ProcurementFacts {
            bids: vec![registered(1), registered(2), registered(3)],
            award: award(2, 200_000, AwardStatus::Final),
            ..procurement(2, SelectionMethod::RandomDraw)
        };
        let facts = Facts { as_of: T0 + 30 * DAY_MS, procurements: vec![p, draw], firms: list.to_vec() };
        assert_eq!(evaluate(&facts, &s), vec![]);
    }

    #[test]
    fn settings_keep_cardinals_defaults_and_read_partial_json() {
        let s = settings();
        assert_eq!((s.r003_min_days, s.r025_percentile, s.r035_min_disqualified), (5, 75, 1));
        assert_eq!((s.r038_min_submitted_bids, s.r038_min_procurements), (2, 2));
        assert_eq!((s.r024_lower_fence, s.r058_upper_fence, s.r038_upper_fence), (None, None, None));
        let read: RedFlagSettings = serde_json::from_str(r#"{"r003_min_days":15}"#).unwrap();
        assert_eq!(read, RedFlagSettings { r003_min_days: 15, ..settings() });
        assert_eq!(AwardStatus::parse("publicity"), Some(AwardStatus::Publicity));
        assert_eq!(AwardStatus::parse("x"), None);
    }
}
