//! SQL of trading (交易): announcements from draft to result. Business rules live
//! in `domain` (eligibility, draw, quote, merit, objection, calendar); this layer
//! loads, stores, and keeps every step conditional on the state it expects, so
//! concurrent requests and several server instances cannot apply a step twice.
mod listing;
mod publicity;
mod selection;
mod taking_part;

pub use listing::*;
pub use publicity::*;
pub use selection::*;
pub use taking_part::*;

use super::Pool;
use crate::domain::calendar::WorkCalendar;
use crate::domain::eligibility::{QualificationRequirement, Requirements};
use crate::model::trading::{MethodParams, TradingSettings};
use crate::state::AppState;
use sqlx::Any;

pub type Tx<'a> = sqlx::Transaction<'a, Any>;

/// Trading settings (`app_meta` key `trading.settings`, JSON); defaults when unset.
pub async fn settings(pool: &Pool) -> Result<TradingSettings, sqlx::Error> {
    Ok(super::meta_get(pool, "trading.settings").await?.and_then(|s| serde_json::from_str(&s).ok()).unwrap_or_default())
}

pub async fn save_settings(pool: &Pool, s: &TradingSettings) -> Result<(), sqlx::Error> {
    super::meta_set(pool, "trading.settings", &serde_json::to_string(s).unwrap_or_default()).await
}

/// The working-day calendar in force (`db::calendar`): deadlines are computed
/// with it when a stage starts.
/// Inside a transaction pass the transaction (`&mut *tx`): a second pool
/// connection while holding one can exhaust the pool under load.
pub async fn calendar<'e, E: sqlx::Executor<'e, Database = Any>>(ex: E) -> Result<WorkCalendar, sqlx::Error> {
    super::calendar::in_force(ex).await
}

/// A procurement row with everything the trading steps need.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct ProcRow {
    pub id: i64,
    pub code: String,
    pub title: String,
    pub owner_id: i64,
    pub item_id: i64,
    pub region_code: String,
    pub industry_code: String,
    pub funding: String,
    pub budget_fen: i64,
    pub method: String,
    pub status: String,
    pub service_days: i64,
    pub published_at: Option<i64>,
    pub deadline_at: Option<i64>,
    pub closed_at: Option<i64>,
    pub opened_at: Option<i64>,
    pub requirements: String,
    pub method_params: String,
    pub min_participants: i64,
    pub draw_commitment: Option<String>,
    pub draw_secret_sealed: Option<String>,
    pub draw_secret: Option<String>,
}

pub const PROC_COLUMNS: &str = "p.id, p.code, p.title, p.owner_id, p.item_id, p.region_code, p.industry_code, p.funding, \
     p.budget_fen, p.method, p.status, p.service_days, p.published_at, p.deadline_at, p.closed_at, p.opened_at, \
     p.requirements, p.method_params, p.min_participants, p.draw_commitment, p.draw_secret_sealed, p.draw_secret";

impl ProcRow {
    pub fn method(&self) -> crate::domain::procurement::SelectionMethod {
        crate::domain::procurement::SelectionMethod::parse(&self.method).unwrap_or(crate::domain::procurement::SelectionMethod::RandomDraw)
    }
    pub fn params(&self) -> MethodParams {
        serde_json::from_str(&self.method_params).unwrap_or_default()
    }
    pub fn requirements(&self) -> Requirements {
        serde_json::from_str(&self.requirements)
            .unwrap_or(Requirements { mode: crate::domain::eligibility::MatchMode::Any, qualifications: vec![] })
    }
}

/// Begins a write transaction: [`super::begin_write_on`] the state's pool.
pub async fn begin_write(state: &AppState) -> Result<Tx<'static>, sqlx::Error> {
    super::begin_write_on(&state.pool).await
}

/// Loads by code (any state).
pub async fn load(pool: &Pool, code: &str) -> Result<Option<ProcRow>, sqlx::Error> {
    sqlx::query_as::<_, ProcRow>(&format!("SELECT {PROC_COLUMNS} FROM procurements p WHERE p.code = $1"))
        .bind(code)
        .fetch_optional(pool)
        .await
}

/// Loads by id inside a transaction, locking the row on PostgreSQL so steps on
/// one procurement run one after another (SQLite serialises writers anyway).
pub async fn load_locked(tx: &mut Tx<'_>, state: &AppState, id: i64) -> Result<Option<ProcRow>, sqlx::Error> {
    let lock = if state.backend == super::Backend::Postgres { " FOR UPDATE" } else { "" };
    sqlx::query_as::<_, ProcRow>(&format!("SELECT {PROC_COLUMNS} FROM procurements p WHERE p.id = $1{lock}"))
        .bind(id)
        .fetch_optional(&mut **tx)
        .await
}

/// Appends to the public timeline.
pub async fn event(tx: &mut Tx<'_>, procurement_id: i64, at: i64, kind: &str, actor: Option<i64>, detail: &str) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO procurement_events (procurement_id, at, kind, actor_id, detail) VALUES ($1, $2, $3, $4, $5)")
        .bind(procurement_id)
        .bind(at)
        .bind(kind)
        .bind(actor)
        .bind(detail)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Builds the stored requirements from type codes and minimum grades, with each
/// type's grades from the reference table; `Err(index)` names an unknown type
/// or a grade the type does not have.
pub async fn requirements_of(pool: &Pool, mode: crate::domain::eligibility::MatchMode, reqs: &[(String, Option<String>)]) -> Result<Result<Requirements, usize>, sqlx::Error> {
    let mut out = Vec::new();
    for (i, (code, grade)) in reqs.iter().enumerate() {
        let grades: Option<String> = sqlx::query_scalar("SELECT grades FROM qualification_types WHERE code = $1").bind(code).fetch_optional(pool).await?;
        let Some(grades) = grades else { return Ok(Err(i)) };
        let grades: Vec<String> = grades.split('|').map(str::to_string).collect();
        if let Some(g) = grade {
            if !grades.contains(g) {
                return Ok(Err(i));
            }
        }
        out.push(QualificationRequirement { type_code: code.clone(), grades, min_grade: grade.clone() });
    }
    Ok(Ok(Requirements { mode, qualifications: out }))
}

/// Publishes a live event about a procurement (public facts only).
pub async fn notify(state: &AppState, code: &str, kind: &str) {
    let count = match sqlx::query_scalar::<_, i64>(
        "SELECT COUNT(*) FROM participations pa JOIN procurements p ON p.id = pa.procurement_id WHERE p.code = $1 AND pa.status = 'registered'",
    )
    .bind(code)
    .fetch_one(&state.pool)
    .await
    {
        Ok(n) => n,
        Err(_) => -1,
    };
    state.live.publish(&format!("procurement:{code}"), kind, serde_json::json!({ "participants": count })).await;
}

/// Moves every procurement whose time has come: closes those past their
/// deadline, ends publicity, lapses unconfirmed awards. Called by the scheduler
/// every second and by tests after moving the clock.
pub async fn advance(state: &AppState, now: i64) -> Result<u32, sqlx::Error> {
    let mut moved = 0;
    let due: Vec<(i64, String)> = sqlx::query_as("SELECT id, code FROM procurements WHERE status = 'published' AND deadline_at <= $1 ORDER BY deadline_at LIMIT 50")
        .bind(now)
        .fetch_all(&state.pool)
        .await?;
    for (id, code) in due {
        if close(state, id, now).await? {
            moved += 1;
            notify(state, &code, "closed").await;
        }
    }
    moved += publicity::advance_awards(state, now).await?;
    moved += crate::db::contracts::advance(state, now).await?;
    Ok(moved)
}
