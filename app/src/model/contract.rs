//! Contracts (合同) as pages show them: the list of one's contracts, the
//! contract page (text, versions, signatures, amendments, what the caller may
//! do), the verify view, and the flat form of the negotiable terms that both the
//! pre-signing proposal and the post-signing change request send (it works as a
//! plain HTML form without JavaScript; the server parses it with field-named
//! errors).
use crate::domain::contract::{ContractStatus, Dispute, InstallmentTerm, MilestoneTerm, Negotiable, Party, PayAfter, Terms};
use serde::{Deserialize, Serialize};

pub const CONTRACTS_PER_PAGE: u32 = 20;

/// Longest note on a proposal / reason of an amendment or refusal.
pub const NOTE_MAX_CHARS: usize = 500;
pub const REASON_MIN_CHARS: usize = 5;

/// The list's filters (URL parameters `status`, `page`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContractQuery {
    /// A `ContractStatus` code, or empty for all.
    #[serde(default)]
    pub status: String,
    #[serde(default)]
    pub page: u32,
}

impl ContractQuery {
    pub fn from_params(get: impl Fn(&str) -> Option<String>) -> Self {
        ContractQuery {
            status: get("status").map(|s| s.trim().to_string()).unwrap_or_default(),
            page: get("page").and_then(|p| p.trim().parse::<u32>().ok()).filter(|p| *p > 0).unwrap_or(1),
        }
    }
    /// `/contracts?status=…&page=n` (page 1 and an empty status left out).
    pub fn href(&self, page: u32) -> String {
        let status = (!self.status.is_empty()).then(|| self.status.clone());
        super::list_href("/contracts", &[("status", &status)], page)
    }
}

/// One row of the list.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ContractSummary {
    pub code: String,
    pub title: String,
    pub procurement_code: String,
    pub owner_name: String,
    pub firm_name: String,
    pub price_fen: i64,
    pub status: ContractStatus,
    pub version: i64,
    pub created_at: i64,
    pub sign_due_at: Option<i64>,
    pub signed_at: Option<i64>,
    pub due_at: Option<i64>,
    pub lapsed_at: Option<i64>,
    /// Which parties signed the version in force (drafted contracts).
    pub owner_signed: bool,
    pub firm_signed: bool,
    /// The caller's side, `None` for a supervisor.
    pub viewer: Option<Party>,
}

impl ContractSummary {
    /// Waiting for the caller's signature.
    pub fn awaits_me(&self) -> bool {
        self.status == ContractStatus::Drafted
            && self.lapsed_at.is_none()
            && self.version > 0
            && match self.viewer {
                Some(Party::Owner) => !self.owner_signed,
                Some(Party::Firm) => !self.firm_signed,
                None => false,
            }
    }
}

/// One signature on one version.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignatureView {
    pub version: i64,
    pub party: Party,
    /// The signing user's display name.
    pub signer: String,
    pub signed_at: i64,
    /// The SHA-256 of the text the signer confirmed.
    pub sha256: String,
    /// Set when a later version superseded the signed one.
    pub void_at: Option<i64>,
}

/// One negotiable field that differs between two versions (as the form shows it).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TermChange {
    /// Field name (`service_days`, …); the label is `contract.field_<name>`.
    pub field: String,
    pub before: String,
    pub after: String,
}

/// One text version.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct VersionView {
    pub version: i64,
    /// `generated`, `amendment` (before signing), `change` or `extension` (after).
    pub kind: String,
    /// `system`, `owner` or `firm`.
    pub party: String,
    pub proposed_by: Option<String>,
    pub note: String,
    pub created_at: i64,
    pub sha256: String,
    pub signatures: Vec<SignatureView>,
    /// What this version changed against the one before (empty for version 1).
    pub changes: Vec<TermChange>,
}

/// An amendment after signing (变更 / 延期).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AmendmentView {
    pub id: i64,
    /// `change` or `extension`.
    pub kind: String,
    pub base_version: i64,
    pub reason: String,
    pub party: Party,
    pub proposed_by: String,
    pub proposed_at: i64,
    /// `proposed`, `accepted`, `refused`, `withdrawn`.
    pub status: String,
    pub decided_by: Option<String>,
    pub decided_at: Option<i64>,
    pub decision_reason: Option<String>,
    pub result_version: Option<i64>,
    /// The proposed text and its hash (the proposer's signature is the proposal).
    pub sha256: String,
    pub text: String,
    pub changes: Vec<TermChange>,
    /// The caller is the other party and may accept or refuse.
    pub can_decide: bool,
    /// The caller is the proposer and may withdraw.
    pub can_withdraw: bool,
}

/// One entry of the contract's timeline.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContractEventView {
    pub at: i64,
    pub kind: String,
    pub actor: Option<String>,
    pub detail: String,
}

/// A party as the page shows it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartyView {
    pub name: String,
    pub credit_code: String,
}

/// The contract page.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ContractPage {
    pub code: String,
    pub title: String,
    pub procurement_code: String,
    pub status: ContractStatus,
    /// `fiscal` or `social`.
    pub funding: String,
    pub price_fen: i64,
    /// The firm's rank in the award's candidate list.
    pub rank: i64,
    pub owner: PartyView,
    pub firm: PartyView,
    pub created_at: i64,
    pub sign_due_at: Option<i64>,
    pub signed_at: Option<i64>,
    pub due_at: Option<i64>,
    pub lapsed_at: Option<i64>,
    pub delivered_at: Option<i64>,
    pub accept_due_at: Option<i64>,
    pub accepted_at: Option<i64>,
    pub completed_at: Option<i64>,
    pub terminated_at: Option<i64>,
    pub termination_reason: Option<String>,
    /// The version in force (0: a record from before electronic signing, no text).
    pub version: i64,
    pub terms: Option<Terms>,
    pub text: String,
    pub sha256: String,
    /// Newest first.
    pub versions: Vec<VersionView>,
    /// Newest first.
    pub amendments: Vec<AmendmentView>,
    /// Oldest first.
    pub events: Vec<ContractEventView>,
    /// The caller's side; `None`: a supervisor (reads only).
    pub viewer: Option<Party>,
    /// Before signing: may propose changed terms.
    pub can_propose: bool,
    /// May sign the version in force now.
    pub can_sign: bool,
    /// In service, nothing open: may request a change (and the firm an extension).
    pub can_amend: bool,
    pub can_extend: bool,
    /// Lapsed, the award still with this firm: the owner may move to the next-ranked firm.
    pub can_next_ranked: bool,
    pub now_ms: i64,
}

impl ContractPage {
    /// Live signatures on the version in force.
    pub fn current_signatures(&self) -> Vec<SignatureView> {
        self.versions.iter().find(|v| v.version == self.version).map(|v| v.signatures.iter().filter(|s| s.void_at.is_none()).cloned().collect()).unwrap_or_default()
    }
    pub fn signed_by(&self, party: Party) -> Option<SignatureView> {
        self.current_signatures().into_iter().find(|s| s.party == party)
    }
}

/// One version in the verify view.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct VerifyVersion {
    pub version: i64,
    pub kind: String,
    pub created_at: i64,
    /// The hash stored when the version was made (what was signed).
    pub stored_sha256: String,
    /// The stored canonical text.
    pub text: String,
    /// The stored structured terms (`None` if unreadable).
    pub terms: Option<Terms>,
    /// The server's recomputation: of the stored text, and of the text rendered again from the terms.
    pub server_text_sha256: String,
    pub server_render_sha256: Option<String>,
    pub signatures: Vec<SignatureView>,
}

impl VerifyVersion {
    /// Every signature on this version confirmed exactly the stored hash.
    pub fn signatures_match(&self) -> bool {
        self.signatures.iter().all(|s| s.sha256 == self.stored_sha256)
    }
    pub fn signed_by_both(&self) -> bool {
        [Party::Owner, Party::Firm].iter().all(|p| self.signatures.iter().any(|s| s.party == *p))
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct VerifyPage {
    pub code: String,
    pub title: String,
    pub status: ContractStatus,
    pub version: i64,
    /// Oldest first.
    pub versions: Vec<VerifyVersion>,
}

/// The negotiable terms as a flat form (what the proposal, change and
/// extension forms send; every field a string so a plain HTML form posts it).
///
/// - `deliverables`: one per line;
/// - `milestones`: one per line, `名称|工作日` (working days after signing);
/// - `installments`: one per line, `名称|比例%|条件`, 条件 one of `签订后`,
///   `节点N` (after milestone N is confirmed), `验收后`;
/// - `dispute`: `court` or `arbitration` (then `arbitration_body` names the commission).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct NegotiableForm {
    pub owner_representative: String,
    pub firm_representative: String,
    pub service_days: String,
    pub deliverables: String,
    pub milestones: String,
    pub installments: String,
    pub acceptance_days: String,
    pub payment_days: String,
    pub dispute: String,
    pub arbitration_body: String,
    pub other: String,
}

/// The fields of `NegotiableForm` in form order (for errors and change lists).
pub const NEGOTIABLE_FIELDS: [&str; 10] = [
    "owner_representative",
    "firm_representative",
    "service_days",
    "deliverables",
    "milestones",
    "installments",
    "acceptance_days",
    "payment_days",
    "dispute",
    "other",
];

/// `签订后` / `节点2` / `验收后`.
pub fn condition_text(p: PayAfter) -> String {
    match p {
        PayAfter::Signing => "签订后".into(),
        PayAfter::Milestone(n) => format!("节点{n}"),
        PayAfter::Acceptance => "验收后".into(),
    }
}

/// Reads a condition as written in the form (Chinese or English words).
pub fn parse_condition(s: &str) -> Option<PayAfter> {
    let s = s.trim().to_lowercase();
    let s = s.as_str();
    match s {
        "签订后" | "签订" | "签约后" | "签署后" | "signing" | "on signing" | "after signing" => return Some(PayAfter::Signing),
        "验收后" | "验收" | "验收合格后" | "acceptance" | "after acceptance" => return Some(PayAfter::Acceptance),
        _ => {}
    }
    let digits = s
        .trim_start_matches("节点")
        .trim_start_matches('第')
        .trim_start_matches("milestone")
        .trim_start_matches(':')
        .trim_end_matches('后')
        .trim_end_matches("个节点")
        .trim_end_matches("节点")
        .trim();
    if digits.len() == s.len() {
        return None;
    }
    digits.parse::<u32>().ok().filter(|n| *n > 0).map(PayAfter::Milestone)
}

/// `30` → 3000, `33.33%` → 3333, `0.5` → 50 basis points.
pub fn parse_percent_bp(s: &str) -> Option<u32> {
    let s = s.trim().trim_end_matches(['%', '％']).trim();
    let (whole, frac) = s.split_once('.').unwrap_or((s, ""));
    if whole.is_empty() || whole.len() > 3 || !whole.bytes().all(|b| b.is_ascii_digit()) || frac.len() > 2 || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let whole: u32 = whole.parse().ok()?;
    let frac: u32 = format!("{frac:0<2}").parse().ok()?;
    let bp = whole * 100 + frac;
    (bp <= 10_000).then_some(bp)
}

fn days(s: &str) -> Option<u32> {
    let s = s.trim();
    (!s.is_empty() && s.len() <= 4 && s.bytes().all(|b| b.is_ascii_digit())).then(|| s.parse().ok()).flatten()
}

/// Splits a form line into its `|`-separated parts (full-width `｜` too).
fn parts(line: &str) -> Vec<String> {
    line.split(['|', '｜']).map(|p| p.trim().to_string()).collect()
}

fn lines(s: &str) -> impl Iterator<Item = &str> {
    s.lines().map(str::trim).filter(|l| !l.is_empty())
}

/// Drops a list number someone copied from the text (`1. `, `2、`).
fn unnumbered(line: &str) -> &str {
    let rest = line.trim_start_matches(|c: char| c.is_ascii_digit());
    if rest.len() != line.len() {
        if let Some(r) = rest.strip_prefix(". ").or_else(|| rest.strip_prefix('、')).or_else(|| rest.strip_prefix('.')) {
            return r.trim_start();
        }
    }
    line
}

impl NegotiableForm {
    /// The form filled with `n` (the proposal form starts from the terms in force).
    pub fn of(n: &Negotiable) -> Self {
        NegotiableForm {
            owner_representative: n.owner_representative.clone(),
            firm_representative: n.firm_representative.clone(),
            service_days: n.service_days.to_string(),
            deliverables: n.deliverables.join("\n"),
            milestones: n.milestones.iter().map(|m| format!("{}|{}", m.title, m.days)).collect::<Vec<_>>().join("\n"),
            installments: n
                .installments
                .iter()
                .map(|i| format!("{}|{}%|{}", i.label, crate::domain::contract::share_percent(i.share_bp), condition_text(i.after)))
                .collect::<Vec<_>>()
                .join("\n"),
            acceptance_days: n.acceptance_days.to_string(),
            payment_days: n.payment_days.to_string(),
            dispute: match n.dispute {
                Dispute::Court => "court".into(),
                Dispute::Arbitration(_) => "arbitration".into(),
            },
            arbitration_body: match &n.dispute {
                Dispute::Arbitration(b) => b.clone(),
                Dispute::Court => String::new(),
            },
            other: n.other.clone(),
        }
    }

    /// Reads the form; the first unreadable field as (field, i18n key). The
    /// result still has to pass `Negotiable::problems` (ranges, sums).
    pub fn parse(&self) -> Result<Negotiable, (&'static str, &'static str)> {
        let service_days = days(&self.service_days).ok_or(("service_days", "contract.service_days_invalid"))?;
        let deliverables = lines(&self.deliverables).map(|l| unnumbered(l).to_string()).collect();
        let mut milestones = Vec::new();
        for l in lines(&self.milestones) {
            match parts(unnumbered(l)).as_slice() {
                [title, d] => milestones.push(MilestoneTerm { title: title.clone(), days: days(d).ok_or(("milestones", "contract.milestone_line_invalid"))? }),
                _ => return Err(("milestones", "contract.milestone_line_invalid")),
            }
        }
        let mut installments = Vec::new();
        for l in lines(&self.installments) {
            match parts(unnumbered(l)).as_slice() {
                [label, share, cond] => installments.push(InstallmentTerm {
                    label: label.clone(),
                    share_bp: parse_percent_bp(share).ok_or(("installments", "contract.installment_line_invalid"))?,
                    after: parse_condition(cond).ok_or(("installments", "contract.installment_line_invalid"))?,
                }),
                _ => return Err(("installments", "contract.installment_line_invalid")),
            }
        }
        let acceptance_days = days(&self.acceptance_days).ok_or(("acceptance_days", "contract.acceptance_days_invalid"))?;
        let payment_days = days(&self.payment_days).ok_or(("payment_days", "contract.payment_days_invalid"))?;
        let dispute = match self.dispute.trim() {
            "court" | "" => Dispute::Court,
            "arbitration" => Dispute::Arbitration(self.arbitration_body.clone()),
            _ => return Err(("dispute", "contract.dispute_invalid")),
        };
        Ok(Negotiable {
            owner_representative: self.owner_representative.clone(),
            firm_representative: self.firm_representative.clone(),
            service_days,
            deliverables,
            milestones,
            installments,
            acceptance_days,
            payment_days,
            dispute,
            other: self.other.clone(),
        })
    }

    fn field(&self, name: &str) -> String {
        match name {
            "owner_representative" => self.owner_representative.clone(),
            "firm_representative" => self.firm_representative.clone(),
            "service_days" => self.service_days.clone(),
            "deliverables" => self.deliverables.clone(),
            "milestones" => self.milestones.clone(),
            "installments" => self.installments.clone(),
            "acceptance_days" => self.acceptance_days.clone(),
            "payment_days" => self.payment_days.clone(),
            "dispute" => match self.dispute.as_str() {
                "arbitration" => format!("仲裁:{}", self.arbitration_body),
                _ => "诉讼".into(),
            },
            "other" => self.other.clone(),
            _ => String::new(),
        }
    }
}

/// The negotiable fields that differ from `before` to `after`, in form order.
pub fn changes(before: &Negotiable, after: &Negotiable) -> Vec<TermChange> {
    let (b, a) = (NegotiableForm::of(before), NegotiableForm::of(after));
    NEGOTIABLE_FIELDS
        .iter()
        .filter_map(|f| {
            let (x, y) = (b.field(f), a.field(f));
            (x != y).then(|| TermChange { field: f.to_string(), before: x, after: y })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::contract::tests::sample_terms;

    #[test]
    fn the_form_round_trips_the_terms() {
        let n = sample_terms().negotiable;
        let form = NegotiableForm::of(&n);
        assert_eq!(form.installments, "预付款|30%|签订后\n初稿款|33.33%|节点1\n尾款|36.67%|验收后");
        assert_eq!(form.milestones, "提交初稿|10");
        assert_eq!(form.parse().unwrap(), n);
        let mut arb = n.clone();
        arb.dispute = Dispute::Arbitration("成都仲裁委员会".into());
        assert_eq!(NegotiableForm::of(&arb).parse().unwrap(), arb);
    }

    #[test]
    fn unreadable_fields_are_named() {
        let base = NegotiableForm::of(&sample_terms().negotiable);
        let bad = |f: fn(&mut NegotiableForm)| {
            let mut x = base.clone();
            f(&mut x);
            x.parse().unwrap_err()
        };
        assert_eq!(bad(|x| x.service_days = "三十".into()), ("service_days", "contract.service_days_invalid"));
        assert_eq!(bad(|x| x.milestones = "初稿".into()), ("milestones", "contract.milestone_line_invalid"));
        assert_eq!(bad(|x| x.milestones = "初稿|十".into()), ("milestones", "contract.milestone_line_invalid"));
        assert_eq!(bad(|x| x.installments = "全款|100%".into()), ("installments", "contract.installment_line_invalid"));
        assert_eq!(bad(|x| x.installments = "全款|百分百|验收后".into()), ("installments", "contract.installment_line_invalid"));
        assert_eq!(bad(|x| x.installments = "全款|100%|明天".into()), ("installments", "contract.installment_line_invalid"));
        assert_eq!(bad(|x| x.payment_days = "".into()), ("payment_days", "contract.payment_days_invalid"));
        assert_eq!(bad(|x| x.dispute = "duel".into()), ("dispute", "contract.dispute_invalid"));
    }

    #[test]
    fn conditions_and_percentages_read_the_usual_ways() {
        assert_eq!(parse_condition("节点2"), Some(PayAfter::Milestone(2)));
        assert_eq!(parse_condition("第2个节点后"), Some(PayAfter::Milestone(2)));
        assert_eq!(parse_condition("milestone:3"), Some(PayAfter::Milestone(3)));
        assert_eq!(parse_condition("签订后"), Some(PayAfter::Signing));
        assert_eq!(parse_condition("Acceptance"), Some(PayAfter::Acceptance));
        assert_eq!(parse_condition("节点0"), None);
        assert_eq!(parse_condition("2"), None);
        assert_eq!(parse_percent_bp("30"), Some(3000));
        assert_eq!(parse_percent_bp("33.33%"), Some(3333));
        assert_eq!(parse_percent_bp("0.5％"), Some(50));
        assert_eq!(parse_percent_bp("100.01"), None);
        assert_eq!(parse_percent_bp("1.234"), None);
        assert_eq!(parse_percent_bp("-5"), None);
    }

    #[test]
    fn copied_list_numbers_are_dropped() {
        let mut f = NegotiableForm::of(&sample_terms().negotiable);
        f.deliverables = "1. 报告书\n2、附图\n\n".into();
        assert_eq!(f.parse().unwrap().deliverables, vec!["报告书".to_string(), "附图".to_string()]);
    }

    #[test]
    fn changes_name_only_the_fields_that_differ() {
        let a = sample_terms().negotiable;
        let mut b = a.clone();
        b.service_days = 40;
        b.other = "乙方派驻项目负责人一名。".into();
        let c = changes(&a, &b);
        assert_eq!(c.iter().map(|c| c.field.as_str()).collect::<Vec<_>>(), vec!["service_days", "other"]);
        assert_eq!((c[0].before.as_str(), c[0].after.as_str()), ("30", "40"));
        assert!(changes(&a, &a).is_empty());
    }

    #[test]
    fn the_list_query_round_trips_through_the_url() {
        let q = ContractQuery { status: "drafted".into(), page: 2 };
        assert_eq!(q.href(2), "/contracts?status=drafted&page=2");
        assert_eq!(ContractQuery::default().href(1), "/contracts");
        let back = ContractQuery::from_params(|k| match k {
            "status" => Some("drafted".into()),
            "page" => Some("2".into()),
            _ => None,
        });
        assert_eq!(back, q);
    }
}
