//! Contracts (合同): the structured terms, the canonical text rendered from them,
//! its SHA-256 (what each party signs), the negotiable part either party may
//! amend, and installments that always sum to the contract price. Pure: the
//! browser's verify view runs the same code.
use crate::domain::money::Fen;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// The two parties of a contract. The owner is 甲方, the firm 乙方.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Party {
    Owner,
    Firm,
}

impl Party {
    pub fn as_str(self) -> &'static str {
        match self {
            Party::Owner => "owner",
            Party::Firm => "firm",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "owner" => Some(Party::Owner),
            "firm" => Some(Party::Firm),
            _ => None,
        }
    }
    pub fn other(self) -> Self {
        match self {
            Party::Owner => Party::Firm,
            Party::Firm => Party::Owner,
        }
    }
    pub fn label_key(self) -> &'static str {
        match self {
            Party::Owner => "contract.party_owner",
            Party::Firm => "contract.party_firm",
        }
    }
}

/// Where a contract is. Stored as text in `contracts.status`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ContractStatus {
    /// 待签订: generated from the award, awaiting both signatures.
    Drafted,
    /// 履行中: signed by both, in service.
    Signed,
    /// 待验收: results delivered, awaiting the owner's acceptance.
    Delivered,
    /// 已验收: accepted, installments still to pay.
    Accepted,
    /// 已完成: accepted and paid in full; opens the evaluation.
    Completed,
    /// 逾期未签: the signing time limit passed; the owner may move to the next-ranked firm.
    Lapsed,
    /// 已终止.
    Terminated,
}

impl ContractStatus {
    pub const ALL: [ContractStatus; 7] = [
        Self::Drafted, Self::Signed, Self::Delivered, Self::Accepted, Self::Completed, Self::Lapsed, Self::Terminated,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Drafted => "drafted",
            Self::Signed => "signed",
            Self::Delivered => "delivered",
            Self::Accepted => "accepted",
            Self::Completed => "completed",
            Self::Lapsed => "lapsed",
            Self::Terminated => "terminated",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|x| x.as_str() == s)
    }
    pub fn label_key(self) -> &'static str {
        match self {
            Self::Drafted => "contract.status_drafted",
            Self::Signed => "contract.status_signed",
            Self::Delivered => "contract.status_delivered",
            Self::Accepted => "contract.status_accepted",
            Self::Completed => "contract.status_completed",
            Self::Lapsed => "contract.status_lapsed",
            Self::Terminated => "contract.status_terminated",
        }
    }
    /// Signed and not yet closed: delivery, payment, urging and amendments apply.
    pub fn in_service(self) -> bool {
        matches!(self, Self::Signed | Self::Delivered | Self::Accepted)
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartyInfo {
    pub name: String,
    /// 统一社会信用代码.
    pub credit_code: String,
    /// 授权代表 (the person who signs for the party).
    pub representative: String,
}

/// When an installment becomes payable.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum PayAfter {
    /// after both parties signed (an advance, 预付款)
    Signing,
    /// after the owner confirmed milestone `n` (1-based) done
    Milestone(u32),
    /// after the owner accepted the results (验收合格)
    Acceptance,
}

impl PayAfter {
    /// Stored in `contract_installments.condition`: `signing`, `milestone:2`, `acceptance`.
    pub fn as_code(self) -> String {
        match self {
            PayAfter::Signing => "signing".into(),
            PayAfter::Milestone(n) => format!("milestone:{n}"),
            PayAfter::Acceptance => "acceptance".into(),
        }
    }
    pub fn parse_code(s: &str) -> Option<Self> {
        match s {
            "signing" => Some(PayAfter::Signing),
            "acceptance" => Some(PayAfter::Acceptance),
            _ => s.strip_prefix("milestone:").and_then(|n| n.parse().ok()).filter(|n| *n > 0).map(PayAfter::Milestone),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InstallmentTerm {
    pub label: String,
    /// Share of the price in basis points (10000 = 100 %).
    pub share_bp: u32,
    pub after: PayAfter,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MilestoneTerm {
    pub title: String,
    /// Due this many working days after signing.
    pub days: u32,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Dispute {
    /// 提交 … 仲裁委员会仲裁
    Arbitration(String),
    /// 向甲方所在地人民法院提起诉讼
    Court,
}

/// The whole contract as data. `canonical_text` renders it; the hash of that
/// text is what the parties sign.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Terms {
    pub contract_code: String,
    pub project_title: String,
    pub project_code: String,
    pub procurement_code: String,
    pub item_name: String,
    /// Stored method code (`direct`, `random_draw`, …).
    pub method: String,
    pub scope: String,
    pub owner: PartyInfo,
    pub firm: PartyInfo,
    pub price_fen: i64,
    /// `fiscal` or `social`.
    pub funding: String,
    #[serde(flatten)]
    pub negotiable: Negotiable,
}

/// The fields either party may propose to change before signing (and, with both
/// signatures, after).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Negotiable {
    pub owner_representative: String,
    pub firm_representative: String,
    /// Working days from signing to complete the service.
    pub service_days: u32,
    pub deliverables: Vec<String>,
    pub milestones: Vec<MilestoneTerm>,
    pub installments: Vec<InstallmentTerm>,
    /// Working days the owner has to accept or reject a delivery.
    pub acceptance_days: u32,
    /// Working days to pay an installment once its condition is met.
    pub payment_days: u32,
    pub dispute: Dispute,
    pub other: String,
}

pub const DEFAULT_ACCEPTANCE_DAYS: u32 = 5;
pub const DEFAULT_PAYMENT_DAYS: u32 = 10;
pub const MAX_SERVICE_DAYS: u32 = 750;
pub const MAX_LIST: usize = 10;
pub const MAX_INSTALLMENTS: usize = 6;

impl Negotiable {
    /// The terms proposed at generation: the announcement's service days, the
    /// item's results as deliverables, payment in full after acceptance.
    pub fn initial(owner_rep: &str, firm_rep: &str, service_days: u32, deliverables: Vec<String>) -> Self {
        Negotiable {
            owner_representative: owner_rep.to_string(),
            firm_representative: firm_rep.to_string(),
            service_days,
            deliverables,
            milestones: vec![],
            installments: vec![InstallmentTerm { label: "验收合格后付清".into(), share_bp: 10_000, after: PayAfter::Acceptance }],
            acceptance_days: DEFAULT_ACCEPTANCE_DAYS,
            payment_days: DEFAULT_PAYMENT_DAYS,
            dispute: Dispute::Court,
            other: String::new(),
        }
    }

    /// Trims text and normalises line ends, so the same proposal always renders
    /// the same text.
    pub fn normalised(mut self) -> Self {
        fn clean(s: &str) -> String {
            s.replace("\r\n", "\n").replace('\r', "\n").lines().map(str::trim_end).collect::<Vec<_>>().join("\n").trim().to_string()
        }
        self.owner_representative = clean(&self.owner_representative);
        self.firm_representative = clean(&self.firm_representative);
        self.deliverables = self.deliverables.iter().map(|d| clean(d)).filter(|d| !d.is_empty()).collect();
        for m in &mut self.milestones {
            m.title = clean(&m.title);
        }
        for i in &mut self.installments {
            i.label = clean(&i.label);
        }
        if let Dispute::Arbitration(body) = &self.dispute {
            self.dispute = Dispute::Arbitration(clean(body));
        }
        self.other = clean(&self.other);
        self
    }

    /// Every problem with a proposal as (field, i18n key); empty when valid.
    /// Fields: `owner_representative`, `firm_representative`, `service_days`,
    /// `deliverables`, `milestones`, `installments`, `acceptance_days`,
    /// `payment_days`, `dispute`, `other`.
    pub fn problems(&self, price_fen: i64) -> Vec<(&'static str, &'static str)> {
        let mut out = Vec::new();
        let chars = |s: &str| s.chars().count();
        let printable = |s: &str| !s.chars().any(|c| c.is_control() && c != '\n');
        for (field, rep) in [("owner_representative", &self.owner_representative), ("firm_representative", &self.firm_representative)] {
            if !(2..=20).contains(&chars(rep)) || rep.contains('\n') || !printable(rep) {
                out.push((field, "contract.representative_invalid"));
            }
        }
        if !(1..=MAX_SERVICE_DAYS).contains(&self.service_days) {
            out.push(("service_days", "contract.service_days_invalid"));
        }
        if self.deliverables.is_empty()
            || self.deliverables.len() > MAX_LIST
            || self.deliverables.iter().any(|d| !(2..=100).contains(&chars(d)) || d.contains('\n') || !printable(d))
        {
            out.push(("deliverables", "contract.deliverables_invalid"));
        }
        let mut last = 0;
        let mut milestones_ok = self.milestones.len() <= MAX_LIST;
        for m in &self.milestones {
            if !(2..=50).contains(&chars(&m.title)) || m.title.contains('\n') || !printable(&m.title) || m.days == 0 || m.days > self.service_days || m.days < last {
                milestones_ok = false;
            }
            last = m.days;
        }
        if !milestones_ok {
            out.push(("milestones", "contract.milestones_invalid"));
        }
        let shares: u64 = self.installments.iter().map(|i| i.share_bp as u64).sum();
        if self.installments.is_empty() || self.installments.len() > MAX_INSTALLMENTS {
            out.push(("installments", "contract.installments_count"));
        } else if shares != 10_000 || self.installments.iter().any(|i| i.share_bp == 0) {
            out.push(("installments", "contract.installments_sum"));
        } else if installment_amounts(price_fen, &self.shares()).iter().any(|a| *a <= 0) {
            out.push(("installments", "contract.installments_too_small"));
        } else if self.installments.iter().any(|i| !(1..=20).contains(&chars(&i.label)) || i.label.contains('\n') || !printable(&i.label)) {
            out.push(("installments", "contract.installment_label_invalid"));
        } else if self.installments.iter().any(|i| matches!(i.after, PayAfter::Milestone(n) if n == 0 || n as usize > self.milestones.len())) {
            out.push(("installments", "contract.installment_milestone_unknown"));
        }
        if !(1..=30).contains(&self.acceptance_days) {
            out.push(("acceptance_days", "contract.acceptance_days_invalid"));
        }
        if !(1..=60).contains(&self.payment_days) {
            out.push(("payment_days", "contract.payment_days_invalid"));
        }
        if let Dispute::Arbitration(body) = &self.dispute {
            if !(4..=50).contains(&chars(body)) || body.contains('\n') || !printable(body) {
                out.push(("dispute", "contract.arbitration_body_invalid"));
            }
        }
        if chars(&self.other) > 1000 || !printable(&self.other) {
            out.push(("other", "contract.other_too_long"));
        }
        out
    }

    pub fn shares(&self) -> Vec<u32> {
        self.installments.iter().map(|i| i.share_bp).collect()
    }
}

/// Splits `price_fen` by shares in basis points (which sum to 10000): each
/// installment is its share rounded down to the fen, the last takes the rest,
/// so the amounts always sum to the price exactly.
pub fn installment_amounts(price_fen: i64, shares_bp: &[u32]) -> Vec<i64> {
    let mut out: Vec<i64> = shares_bp.iter().map(|s| (price_fen as i128 * *s as i128 / 10_000) as i64).collect();
    if let Some(n) = out.len().checked_sub(1) {
        let others: i64 = out[..n].iter().sum();
        out[n] = price_fen - others;
    }
    out
}

/// `3000` → `"30"`, `3333` → `"33.33"`, `50` → `"0.5"`.
pub fn share_percent(bp: u32) -> String {
    let whole = bp / 100;
    let frac = bp % 100;
    if frac == 0 {
        whole.to_string()
    } else if frac % 10 == 0 {
        format!("{whole}.{}", frac / 10)
    } else {
        format!("{whole}.{frac:02}")
    }
}

/// A price in Chinese capital numerals as written on contracts and invoices
/// (人民币大写): `1234567` fen → `"壹万贰仟叁佰肆拾伍元陆角柒分"`.
pub fn yuan_in_words(fen: i64) -> String {
    const DIGITS: [char; 10] = ['零', '壹', '贰', '叁', '肆', '伍', '陆', '柒', '捌', '玖'];
    const UNITS: [&str; 4] = ["", "拾", "佰", "仟"];
    const GROUPS: [&str; 4] = ["", "万", "亿", "万亿"];
    if fen <= 0 {
        return "零元整".into();
    }
    let yuan = fen / 100;
    let (jiao, f) = ((fen / 10) % 10, fen % 10);
    let mut s = String::new();
    if yuan > 0 {
        // groups of four digits, most significant first
        let mut groups = Vec::new();
        let mut y = yuan;
        while y > 0 {
            groups.push(y % 10_000);
            y /= 10_000;
        }
        let mut zero_pending = false;
        for (gi, g) in groups.iter().enumerate().rev() {
            if *g == 0 {
                zero_pending = !s.is_empty();
                continue;
            }
            if !s.is_empty() && (zero_pending || *g < 1000) {
                s.push('零');
            }
            zero_pending = false;
            let digits = [g / 1000, g / 100 % 10, g / 10 % 10, g % 10];
            let mut inner_zero = false;
            let mut started = false;
            for (pos, d) in digits.iter().enumerate() {
                if *d == 0 {
                    inner_zero = started;
                    continue;
                }
                if inner_zero {
                    s.push('零');
                    inner_zero = false;
                }
                started = true;
                s.push(DIGITS[*d as usize]);
                s.push_str(UNITS[3 - pos]);
            }
            s.push_str(GROUPS[gi.min(3)]);
        }
        s.push('元');
    }
    match (jiao, f) {
        (0, 0) => s.push('整'),
        (j, 0) => {
            if yuan % 10 == 0 && yuan > 0 {
                s.push('零');
            }
            s.push(DIGITS[j as usize]);
            s.push_str("角整");
        }
        (j, f) => {
            if j == 0 {
                if yuan > 0 {
                    s.push('零');
                }
            } else {
                if yuan % 10 == 0 && yuan > 0 {
                    s.push('零');
                }
                s.push(DIGITS[j as usize]);
                s.push('角');
            }
            s.push(DIGITS[f as usize]);
            s.push('分');
        }
    }
    s
}

fn method_name(code: &str) -> &'static str {
    match code {
        "direct" => "直接选取",
        "random_draw" => "随机抽取",
        "price_competition" => "竞价选取",
        "merit" => "择优选取",
        _ => "其他",
    }
}

/// The canonical contract text: Chinese, `\n` line ends, ending with a newline.
/// It depends only on `terms`, so any copy of the terms renders the same bytes
/// on any machine, and its SHA-256 identifies exactly what was signed.
pub fn canonical_text(t: &Terms) -> String {
    let n = &t.negotiable;
    let mut s = String::new();
    let mut line = |l: &str| {
        s.push_str(l);
        s.push('\n');
    };
    line("中介服务合同");
    line(&format!("合同编号:{}", t.contract_code));
    line(&format!("项目名称:{}", t.project_title));
    line(&format!("项目编号:{}", t.project_code));
    line(&format!("选取公告编号:{}", t.procurement_code));
    line(&format!("中介服务事项:{}", t.item_name));
    line("");
    line(&format!("甲方(委托方):{}", t.owner.name));
    line(&format!("统一社会信用代码:{}", t.owner.credit_code));
    line(&format!("授权代表:{}", n.owner_representative));
    line("");
    line(&format!("乙方(服务方):{}", t.firm.name));
    line(&format!("统一社会信用代码:{}", t.firm.credit_code));
    line(&format!("授权代表:{}", n.firm_representative));
    line("");
    line(&format!(
        "根据中介服务网上交易平台的选取结果(选取方式:{}),甲乙双方经平等协商,就下列中介服务订立本合同。",
        method_name(&t.method)
    ));
    line("");
    line("第一条 服务内容");
    for l in t.scope.replace("\r\n", "\n").lines() {
        line(l.trim_end());
    }
    line("");
    line("第二条 服务费用");
    line(&format!(
        "合同价款为人民币{}(¥{}),资金来源:{}。",
        yuan_in_words(t.price_fen),
        Fen(t.price_fen).yuan_string(),
        if t.funding == "fiscal" { "财政性资金" } else { "社会资金" }
    ));
    line("");
    line("第三条 服务期限");
    line(&format!("乙方自合同签订之日起{}个工作日内完成全部服务。", n.service_days));
    if !n.milestones.is_empty() {
        line("服务节点:");
        for (i, m) in n.milestones.iter().enumerate() {
            line(&format!("{}. {}:合同签订后第{}个工作日前完成。", i + 1, m.title, m.days));
        }
    }
    line("");
    line("第四条 服务成果");
    for (i, d) in n.deliverables.iter().enumerate() {
        line(&format!("{}. {}", i + 1, d));
    }
    line("");
    line("第五条 付款方式");
    let amounts = installment_amounts(t.price_fen, &n.shares());
    line(&format!("合同价款分{}期支付:", n.installments.len()));
    for (i, (inst, amount)) in n.installments.iter().zip(amounts).enumerate() {
        let when = match inst.after {
            PayAfter::Signing => "合同签订后".to_string(),
            PayAfter::Milestone(m) => format!(
                "第{}个服务节点({})经甲方确认完成后",
                m,
                n.milestones.get(m as usize - 1).map(|x| x.title.as_str()).unwrap_or("")
            ),
            PayAfter::Acceptance => "服务成果验收合格后".to_string(),
        };
        line(&format!(
            "{}. {}:人民币{}(¥{},合同价款的{}%),{}{}个工作日内支付。",
            i + 1,
            inst.label,
            yuan_in_words(amount),
            Fen(amount).yuan_string(),
            share_percent(inst.share_bp),
            when,
            n.payment_days
        ));
    }
    line(if t.funding == "fiscal" {
        "甲方按财政资金支付程序付款,并在平台登记付款凭证,乙方在平台确认收款。"
    } else {
        "甲方通过平台在线支付,支付结果以支付机构的通知为准。"
    });
    line("任何一期款项不得早于其约定条件成就前支付。");
    line("");
    line("第六条 成果验收");
    line(&format!(
        "乙方在平台提交服务成果后,甲方应在{}个工作日内完成验收;验收不合格的,甲方应说明理由,乙方修改后重新提交。",
        n.acceptance_days
    ));
    line("");
    line("第七条 争议解决");
    match &n.dispute {
        Dispute::Arbitration(body) => line(&format!("因本合同发生的争议,双方协商解决;协商不成的,提交{body}仲裁。")),
        Dispute::Court => line("因本合同发生的争议,双方协商解决;协商不成的,向甲方所在地人民法院提起诉讼。"),
    }
    line("");
    line("第八条 其他约定");
    if n.other.is_empty() {
        line("无。");
    } else {
        for l in n.other.lines() {
            line(l);
        }
    }
    line("");
    line("本合同经甲乙双方授权代表在平台以电子方式签署后生效。平台记录双方所签合同文本的 SHA-256 摘要,任何一方均可在平台核验。");
    s
}

/// Lower-case hex SHA-256 of the text's UTF-8 bytes.
pub fn text_sha256(text: &str) -> String {
    let digest = Sha256::digest(text.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// Renders and hashes in one step.
pub fn render(t: &Terms) -> (String, String) {
    let text = canonical_text(t);
    let hash = text_sha256(&text);
    (text, hash)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use proptest::prelude::*;

    pub fn sample_terms() -> Terms {
        Terms {
            contract_code: "ZJ2026-0001-HT1".into(),
            project_title: "某某路改造工程环境影响评价".into(),
            project_code: "2026-330100-48-01-000001".into(),
            procurement_code: "ZJ2026-0001".into(),
            item_name: "建设项目环境影响报告书编制".into(),
            method: "random_draw".into(),
            scope: "编制环境影响报告书并配合审批。".into(),
            owner: PartyInfo { name: "杭州市某某建设发展有限公司".into(), credit_code: "91330100MA2AAAAA0A".into(), representative: "王业主".into() },
            firm: PartyInfo { name: "浙江某某环境科技有限公司".into(), credit_code: "91330100MA2BBBBB0B".into(), representative: "李机构".into() },
            price_fen: 12_345_600,
            funding: "social".into(),
            negotiable: Negotiable {
                milestones: vec![MilestoneTerm { title: "提交初稿".into(), days: 10 }],
                installments: vec![
                    InstallmentTerm { label: "预付款".into(), share_bp: 3000, after: PayAfter::Signing },
                    InstallmentTerm { label: "初稿款".into(), share_bp: 3333, after: PayAfter::Milestone(1) },
                    InstallmentTerm { label: "尾款".into(), share_bp: 3667, after: PayAfter::Acceptance },
                ],
                ..Negotiable::initial("王业主", "李机构", 30, vec!["环境影响报告书(报批稿)".into()])
            },
        }
    }

    #[test]
    fn capital_numerals_follow_the_invoice_convention() {
        assert_eq!(yuan_in_words(1_234_567), "壹万贰仟叁佰肆拾伍元陆角柒分");
        assert_eq!(yuan_in_words(10_000_000), "壹拾万元整");
        assert_eq!(yuan_in_words(100_050), "壹仟元零伍角整");
        assert_eq!(yuan_in_words(100_005), "壹仟元零伍分");
        assert_eq!(yuan_in_words(10_010_000), "壹拾万零壹佰元整");
        assert_eq!(yuan_in_words(1_000_100_000), "壹仟万壹仟元整");
        assert_eq!(yuan_in_words(10_700_053), "壹拾万柒仟元零伍角叁分");
        assert_eq!(yuan_in_words(10_000_000_000), "壹亿元整");
        assert_eq!(yuan_in_words(10_000_010_000), "壹亿零壹佰元整");
        assert_eq!(yuan_in_words(5), "伍分");
        assert_eq!(yuan_in_words(12_300), "壹佰贰拾叁元整");
        assert_eq!(yuan_in_words(10_200), "壹佰零贰元整");
    }

    #[test]
    fn shares_print_as_short_percentages() {
        assert_eq!(share_percent(3000), "30");
        assert_eq!(share_percent(3333), "33.33");
        assert_eq!(share_percent(50), "0.5");
        assert_eq!(share_percent(10_000), "100");
    }

    #[test]
    fn the_text_names_parties_price_and_terms_and_its_hash_is_pinned() {
        let t = sample_terms();
        let (text, hash) = render(&t);
        assert!(text.contains("甲方(委托方):杭州市某某建设发展有限公司"));
        assert!(text.contains("合同价款为人民币壹拾贰万叁仟肆佰伍拾陆元整(¥123,456.00)"));
        assert!(text.contains("1. 预付款:人民币叁万柒仟零叁拾陆元捌角整(¥37,036.80,合同价款的30%),合同签订后10个工作日内支付。"));
        assert!(text.contains("第1个服务节点(提交初稿)经甲方确认完成后"));
        assert!(text.ends_with('\n') && !text.contains('\r'));
        // A known answer: the same terms hash to the same value on every platform
        // (the browser's verify view and any SHA-256 tool recompute it).
        assert_eq!(hash, text_sha256(&text));
        assert_eq!(hash.len(), 64);
        assert_eq!(hash, KNOWN_SAMPLE_HASH, "the canonical text changed: signed contracts would no longer verify");
    }

    /// SHA-256 of `canonical_text(&sample_terms())`; changing the text format
    /// changes this, which would break verification of signed contracts.
    pub const KNOWN_SAMPLE_HASH: &str = "e57c3f367c1e2ae330fdb03d7ef8ec1d13809675fedc76b481231bc2a35e25f9";

    #[test]
    fn every_term_is_part_of_the_signed_text() {
        let base = sample_terms();
        let h = render(&base).1;
        let mut changes: Vec<Terms> = Vec::new();
        let mut t = base.clone();
        t.price_fen += 1;
        changes.push(t);
        let mut t = base.clone();
        t.negotiable.service_days += 1;
        changes.push(t);
        let mut t = base.clone();
        t.negotiable.installments[0].share_bp -= 1;
        t.negotiable.installments[2].share_bp += 1;
        changes.push(t);
        let mut t = base.clone();
        t.negotiable.dispute = Dispute::Arbitration("杭州仲裁委员会".into());
        changes.push(t);
        let mut t = base.clone();
        t.negotiable.other = "乙方派驻项目负责人一名。".into();
        changes.push(t);
        let mut t = base.clone();
        t.firm.credit_code.push('X');
        changes.push(t);
        for c in changes {
            assert_ne!(render(&c).1, h);
        }
    }

    #[test]
    fn the_initial_terms_are_valid_and_bad_proposals_are_named() {
        let t = sample_terms();
        assert!(t.negotiable.problems(t.price_fen).is_empty(), "{:?}", t.negotiable.problems(t.price_fen));
        let mut n = t.negotiable.clone();
        n.installments[0].share_bp = 2000;
        assert_eq!(n.problems(t.price_fen), vec![("installments", "contract.installments_sum")]);
        let mut n = t.negotiable.clone();
        n.installments[1].after = PayAfter::Milestone(2);
        assert_eq!(n.problems(t.price_fen), vec![("installments", "contract.installment_milestone_unknown")]);
        let mut n = t.negotiable.clone();
        n.milestones[0].days = 31;
        assert_eq!(n.problems(t.price_fen), vec![("milestones", "contract.milestones_invalid")]);
        let mut n = t.negotiable.clone();
        n.firm_representative = "李".into();
        n.deliverables.clear();
        n.acceptance_days = 0;
        assert_eq!(
            n.problems(t.price_fen),
            vec![("firm_representative", "contract.representative_invalid"), ("deliverables", "contract.deliverables_invalid"), ("acceptance_days", "contract.acceptance_days_invalid")]
        );
        // one fen cannot be split in three
        assert_eq!(t.negotiable.problems(1), vec![("installments", "contract.installments_too_small")]);
    }

    #[test]
    fn normalising_makes_equivalent_proposals_render_the_same_text() {
        let t = sample_terms();
        let mut messy = t.clone();
        messy.negotiable.other = "  第一行 \r\n第二行  ".into();
        messy.negotiable.deliverables.push("   ".into());
        messy.negotiable = messy.negotiable.normalised();
        let mut clean = t.clone();
        clean.negotiable.other = "第一行\n第二行".into();
        assert_eq!(render(&messy), render(&clean));
    }

    #[test]
    fn pay_after_codes_round_trip() {
        for p in [PayAfter::Signing, PayAfter::Milestone(3), PayAfter::Acceptance] {
            assert_eq!(PayAfter::parse_code(&p.as_code()), Some(p));
        }
        assert_eq!(PayAfter::parse_code("milestone:0"), None);
        assert_eq!(PayAfter::parse_code("later"), None);
        for s in ContractStatus::ALL {
            assert_eq!(ContractStatus::parse(s.as_str()), Some(s));
        }
    }

    fn shares_strategy() -> impl Strategy<Value = Vec<u32>> {
        // random cut points of 10000 into 1..=6 positive parts
        prop::collection::btree_set(1u32..10_000, 0..6).prop_map(|cuts| {
            let mut points: Vec<u32> = cuts.into_iter().collect();
            points.push(10_000);
            let mut prev = 0;
            points.into_iter().map(|p| { let s = p - prev; prev = p; s }).collect()
        })
    }

    proptest! {
        #[test]
        fn installments_always_sum_to_the_price(price in 1i64..10_000_000_000_000, shares in shares_strategy()) {
            let amounts = installment_amounts(price, &shares);
            prop_assert_eq!(amounts.len(), shares.len());
            prop_assert_eq!(amounts.iter().sum::<i64>(), price);
            for (i, (a, s)) in amounts.iter().zip(&shares).enumerate() {
                let exact = price as i128 * *s as i128;
                let err = (*a as i128 * 10_000 - exact).abs();
                // each within a fen of its share; the last absorbs the others' rounding
                let bound = if i + 1 == shares.len() { 10_000 * shares.len() as i128 } else { 10_000 };
                prop_assert!(err < bound, "installment {} = {} for share {} of {}", i, a, s, price);
                prop_assert!(*a >= 0);
            }
        }

        #[test]
        fn the_hash_depends_only_on_the_terms(price in 1i64..1_000_000_000_000, other in "[\\p{Han}a-z0-9,。 ]{0,40}", days in 1u32..400) {
            let mut t = sample_terms();
            t.price_fen = price;
            t.negotiable.other = other;
            t.negotiable.service_days = days;
            t.negotiable.milestones.clear();
            t.negotiable.installments = vec![InstallmentTerm { label: "全款".into(), share_bp: 10_000, after: PayAfter::Acceptance }];
            let t = Terms { negotiable: t.negotiable.clone().normalised(), ..t };
            let json = serde_json::to_string(&t).unwrap();
            let back: Terms = serde_json::from_str(&json).unwrap();
            prop_assert_eq!(render(&back), render(&t));
        }
    }
}
