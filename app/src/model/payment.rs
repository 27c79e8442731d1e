//! Payment (网上支付) as the contract page's payment panel shows it: the
//! installments (分期) of the terms in force, every payment with its receipt and
//! the log of the gateway's callbacks, and what the caller may do.
use crate::model::files::FileRef;
use serde::{Deserialize, Serialize};

/// The payment panel of one contract.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentsPanelData {
    pub code: String,
    /// `fiscal` (offline payment recorded by the owner, confirmed by the firm)
    /// or `social` (online payment through the payment provider).
    pub funding: String,
    /// The contract's status (`domain::contract::ContractStatus::as_str`).
    pub contract_status: String,
    pub price_fen: i64,
    /// Working days to pay an installment once its condition is met.
    pub payment_days: u32,
    /// `true` before signing: the installments are the plan of the terms, not yet in force.
    pub planned: bool,
    pub installments: Vec<InstallmentView>,
    /// Newest first.
    pub payments: Vec<PaymentView>,
    /// Today (Asia/Shanghai, `YYYY-MM-DD`): the latest payment date the offline form accepts.
    pub today: String,
    /// The earliest payment date the offline form accepts (the signing date).
    pub earliest_paid_on: Option<String>,
    pub now_ms: i64,
}

impl PaymentsPanelData {
    /// Sum of the paid installments.
    pub fn paid_fen(&self) -> i64 {
        self.installments.iter().filter(|i| i.status == "paid").map(|i| i.amount_fen).sum()
    }
}

/// One installment.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct InstallmentView {
    pub seq: i64,
    pub label: String,
    pub amount_fen: i64,
    /// `signing`, `milestone:N` or `acceptance` (`domain::contract::PayAfter::as_code`).
    pub condition: String,
    /// The milestone's title when the condition is a milestone.
    pub milestone_title: Option<String>,
    /// Latest payment time once the condition is met.
    pub due_at: Option<i64>,
    /// `waiting` (condition not met), `due`, `paid`.
    pub status: String,
    pub paid_at: Option<i64>,
    /// The caller (the owner) may start an online payment now.
    pub may_pay: bool,
    /// The caller (the owner) may record an offline payment now.
    pub may_record: bool,
    /// An online payment under way (order number): 「在线支付」 continues it.
    pub open_order: Option<String>,
}

/// A payment and its receipt.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentView {
    pub id: i64,
    pub seq: i64,
    /// `online` or `offline`.
    pub channel: String,
    pub provider: Option<String>,
    pub order_no: String,
    pub amount_fen: i64,
    /// `created`, `pending`, `paid`, `failed`, `closed`, `refunded`.
    pub status: String,
    /// The gateway's transaction number.
    pub provider_txn: Option<String>,
    /// Offline: the payment voucher number and date, and its scan.
    pub voucher_no: Option<String>,
    pub paid_on: Option<String>,
    pub voucher: Option<FileRef>,
    pub created_at: i64,
    pub paid_at: Option<i64>,
    pub confirmed_at: Option<i64>,
    pub refunded_at: Option<i64>,
    /// The refund's reason, or the firm's reason for not confirming an offline payment.
    pub reason: Option<String>,
    /// The gateway's callbacks about this order, newest first (at most 20).
    pub callbacks: Vec<CallbackView>,
    pub callback_counts: CallbackCounts,
    /// The caller (the firm) may confirm or refuse an offline payment.
    pub may_confirm: bool,
    /// The caller may ask the gateway for the order's state (pending online payments).
    pub may_query: bool,
    /// The caller (operator, administrator) may refund this payment.
    pub may_refund: bool,
}

/// One callback as received.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CallbackView {
    pub notify_id: String,
    /// `applied`, `duplicate` (nothing changed), `forged` (refused, nothing
    /// changed), `rejected` (did not match the order, nothing changed).
    pub outcome: String,
    /// A short code: why (`bad_signature`, `already_applied`, `amount_mismatch` …)
    /// or how it was applied (`callback_paid`, `query_paid` …).
    pub detail: String,
    pub received_at: i64,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CallbackCounts {
    pub applied: i64,
    pub duplicate: i64,
    pub forged: i64,
    pub rejected: i64,
}

impl CallbackCounts {
    pub fn total(&self) -> i64 {
        self.applied + self.duplicate + self.forged + self.rejected
    }
}
