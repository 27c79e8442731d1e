//! Trading (交易): what announcement pages show and what owners and firms send.
use crate::domain::draw::PublishedDraw;
use crate::domain::eligibility::{Ineligibility, Requirements};
use crate::domain::merit::MeritCriteria;
use serde::{Deserialize, Serialize};

/// Settings of the trading rules (operator-maintained; defaults per the issue).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TradingSettings {
    /// Minimum working days between publication and the deadline.
    pub min_publication_days: u32,
    /// Minimum eligible participants for a draw / opening to go ahead.
    pub min_participants: u32,
    /// Working days of result publicity (公示).
    pub publicity_days: u32,
    /// Working days the selected firm has to confirm.
    pub confirm_days: u32,
    /// Abnormally-low share of the others' average, in percent.
    pub abnormal_share_pct: u32,
    /// Working days from the final award to sign the contract (#5).
    #[serde(default = "default_sign_days")]
    pub sign_days: u32,
}

fn default_sign_days() -> u32 {
    5
}

impl Default for TradingSettings {
    fn default() -> Self {
        TradingSettings {
            min_publication_days: 3,
            min_participants: 3,
            publicity_days: 3,
            confirm_days: 2,
            abnormal_share_pct: crate::domain::quote::ABNORMAL_SHARE_PCT,
            sign_days: default_sign_days(),
        }
    }
}

/// Method-specific parameters stored with the announcement (all public).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MethodParams {
    #[serde(default)]
    pub merit: Option<MeritCriteria>,
    #[serde(default)]
    pub abnormal_share_pct: Option<u32>,
    /// Direct selection: the chosen firm's credit code and the published reason.
    #[serde(default)]
    pub direct_firm: Option<String>,
    #[serde(default)]
    pub direct_reason: Option<String>,
}

/// The owner's announcement form, as sent (validated by the server).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct AnnouncementForm {
    pub title: String,
    pub project_code: String,
    pub item_code: String,
    pub region_code: String,
    pub funding: String,
    /// Budget or ceiling price in yuan (up to two decimals).
    pub budget: String,
    pub scope: String,
    /// `any` / `all`.
    pub match_mode: String,
    /// Up to three required qualification types and their minimum grades ("" = none).
    pub req_type_1: String,
    pub req_grade_1: String,
    pub req_type_2: String,
    pub req_grade_2: String,
    pub req_type_3: String,
    pub req_grade_3: String,
    pub service_days: String,
    /// `YYYY-MM-DDTHH:MM` in Asia/Shanghai (an `<input type="datetime-local">`).
    pub deadline: String,
    pub method: String,
    pub contact_name: String,
    pub contact_phone: String,
    /// Merit: price weight and quality criteria, one per line, `名称:分值`.
    pub price_weight: String,
    pub criteria: String,
    /// Direct: the chosen firm's credit code and the reason.
    pub direct_firm: String,
    pub direct_reason: String,
}

/// One announcement in a list.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct AnnouncementRow {
    pub code: String,
    pub title: String,
    pub item_name: String,
    pub region_name: String,
    pub method: String,
    pub status: String,
    pub funding: String,
    pub budget_fen: i64,
    pub published_at: Option<i64>,
    pub deadline_at: Option<i64>,
    pub participant_count: i64,
}

/// Filters of the announcement list (`/announcements`), kept in the URL.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct AnnouncementQuery {
    pub q: String,
    pub region: String,
    pub industry: String,
    pub method: String,
    /// `open` (taking part now), or a status name, or "" for all public.
    pub status: String,
    /// Only announcements whose item is in the signed-in firm's active scope.
    pub mine: bool,
    pub page: u32,
}

/// An opened quote as published.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct OpenedQuoteView {
    pub firm_name: String,
    pub credit_code: String,
    pub amount_fen: i64,
    pub submitted_at: i64,
    /// Lets anyone check the amount against the receipt the firm got at submission.
    pub salt: Option<String>,
    pub receipt: Option<String>,
    /// 1 when abnormally low.
    pub abnormal: i64,
    pub justification: Option<String>,
    pub justification_decision: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct CandidateView {
    pub rank: i64,
    pub firm_name: String,
    pub credit_code: String,
    pub amount_fen: Option<i64>,
    pub score_centi: Option<i64>,
    pub status: String,
    pub reason: Option<String>,
}

/// One published draw and what it decided.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DrawView {
    /// `selection` or `tie-N`.
    pub purpose: String,
    pub drawn_at: i64,
    pub draw: PublishedDraw,
}

/// Merit scores per participant as published after scoring.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MeritRow {
    pub firm_name: String,
    pub credit_code: String,
    pub amount_fen: i64,
    pub price_centi: i64,
    pub quality_centi: Vec<i64>,
    pub total_centi: i64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct AwardView {
    pub firm_name: String,
    pub credit_code: String,
    pub amount_fen: i64,
    pub reason: String,
    pub status: String,
    pub rank: i64,
    pub awarded_at: i64,
    pub publicity_ends_at: Option<i64>,
    pub confirm_due_at: Option<i64>,
    pub confirmed_at: Option<i64>,
    pub final_at: Option<i64>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct ObjectionView {
    pub id: i64,
    pub firm_name: String,
    pub status: String,
    pub reason: String,
    pub file_id: Option<i64>,
    pub answer: Option<String>,
    pub decision: Option<String>,
    pub decision_reason: Option<String>,
    pub filed_at: Option<i64>,
    pub answer_due_at: Option<i64>,
    pub answered_at: Option<i64>,
    pub reply_due_at: Option<i64>,
    pub resolved_at: Option<i64>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct EventView {
    pub at: i64,
    pub kind: String,
    pub detail: String,
}

/// Everything public about one announcement (no sealed value before opening).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Announcement {
    pub code: String,
    pub title: String,
    pub project_code: String,
    pub owner_name: String,
    pub item_code: String,
    pub item_name: String,
    pub region_code: String,
    pub region_name: String,
    pub industry_name: String,
    pub funding: String,
    pub method: String,
    pub status: String,
    pub budget_fen: i64,
    pub service_days: i64,
    pub scope: String,
    pub requirements: Requirements,
    /// Qualification type names by code, for showing the requirements.
    pub type_names: Vec<(String, String)>,
    pub params: MethodParams,
    pub contact_name: String,
    pub contact_phone: String,
    pub min_participants: i64,
    pub published_at: Option<i64>,
    pub deadline_at: Option<i64>,
    pub closed_at: Option<i64>,
    pub opened_at: Option<i64>,
    pub cancel_reason: Option<String>,
    pub participant_count: i64,
    pub draw_commitment: Option<String>,
    pub draws: Vec<DrawView>,
    pub quotes: Vec<OpenedQuoteView>,
    pub merit: Vec<MeritRow>,
    pub candidates: Vec<CandidateView>,
    pub award: Option<AwardView>,
    pub objections: Vec<ObjectionView>,
    pub events: Vec<EventView>,
    /// The server's clock when this was read (for the countdown).
    pub now_ms: i64,
}

/// What the signed-in viewer may do on an announcement.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct MyPart {
    /// `None`: not a firm, or the firm may take part.
    pub ineligible: Vec<Ineligibility>,
    pub is_firm: bool,
    pub is_owner: bool,
    /// The firm's participation: `registered` / `withdrawn` / none.
    pub participation: Option<String>,
    /// The firm's sealed quote receipt and time (never the amount before opening).
    pub quote_receipt: Option<String>,
    pub quote_submitted_at: Option<i64>,
    /// The firm is the selected candidate and has not confirmed yet.
    pub may_confirm: bool,
    /// The firm took part and publicity runs: it may object.
    pub may_object: bool,
    /// The firm's own abnormally-low quote awaiting its justification.
    pub must_justify: bool,
    /// Ids of the objections this firm filed (it may accept or escalate those).
    pub own_objections: Vec<i64>,
    /// The latest contract of this announcement, when the caller is one of its parties.
    #[serde(default)]
    pub contract_code: Option<String>,
}

/// The owner's list of its announcements.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OwnerDesk {
    pub owner_name: String,
    pub announcements: Vec<AnnouncementRow>,
}

/// Form choices for the announcement form.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AnnouncementOptions {
    pub items: Vec<(String, String)>,
    pub regions: Vec<(String, String)>,
    /// Qualification types: code, name, grades (highest first).
    pub qualification_types: Vec<(String, String, Vec<String>)>,
    /// Each item's qualification type and minimum grade (to pre-fill).
    pub item_requirements: Vec<(String, Option<String>, Option<String>)>,
    pub settings: TradingSettings,
    pub earliest_deadline_ms: i64,
}

/// A firm's participations (`/firm/trading`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct ParticipationRow {
    pub code: String,
    pub title: String,
    pub method: String,
    pub status: String,
    pub participation: String,
    pub deadline_at: Option<i64>,
    pub candidate_status: Option<String>,
}

/// One escalated objection for a regulator.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct EscalatedObjection {
    pub id: i64,
    pub code: String,
    pub title: String,
    pub firm_name: String,
    pub reason: String,
    pub answer: Option<String>,
    pub escalated_at: Option<i64>,
}
