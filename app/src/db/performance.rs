//! Monthly performance scores (绩效评估, #8): the facts of each subject in a
//! Shanghai month read set-based from the stage clocks (`stage_clocks`), urges,
//! complaints and objections, scored and ranked by `domain::performance`, and
//! stored in `performance_scores` for the public statistics.
//!
//! Who answers for what:
//! - a stage clock: its `responsible` party — `owner` (a public body's owner
//!   account scores the department as owner, `public_body`; a company scores as
//!   `owner`), `firm`, or `department` (as regulator); `operator` stages are
//!   the platform's own and are not scored;
//! - an urge: its target (owner or firm) of the urged contract;
//! - an upheld complaint: whom it was against (firm, owner, department),
//!   counted in the month of the decision;
//! - an upheld objection: the owner of the procurement, in the month it was
//!   resolved.
use super::Pool;
use crate::domain::paging::Page;
use crate::domain::performance::{self, Indicators, StageTally, SubjectKind};
use crate::domain::time::{month_key, month_start_ms, parse_month};
use crate::model::performance::{PerformancePage, PerformanceRow, StageFacts};
use crate::state::AppState;
use std::collections::BTreeMap;

/// A subject: kind and key (firm and owner credit code, department code).
type Subject = (SubjectKind, String);

/// Everyone who can be scored, read once per run: owners and firms by id
/// (their subject and credit code), and every subject's name and region.
pub struct Subjects {
    owners: BTreeMap<i64, Subject>,
    firms: BTreeMap<i64, String>,
    names: BTreeMap<Subject, (String, String)>,
}

impl Subjects {
    pub async fn load(pool: &Pool) -> Result<Subjects, sqlx::Error> {
        let mut names = BTreeMap::new();
        let owners: Vec<(i64, String, String, String, String)> =
            sqlx::query_as("SELECT id, kind, credit_code, name, region_code FROM owners").fetch_all(pool).await?;
        let owners = owners
            .into_iter()
            .map(|(id, kind, code, name, region)| {
                let kind = if kind == "public_body" { SubjectKind::PublicBody } else { SubjectKind::Owner };
                names.insert((kind, code.clone()), (name, region));
                (id, (kind, code))
            })
            .collect();
        let firms: Vec<(i64, String, String, String)> = sqlx::query_as("SELECT id, credit_code, name, region_code FROM firms").fetch_all(pool).await?;
        let firms = firms
            .into_iter()
            .map(|(id, code, name, region)| {
                names.insert((SubjectKind::Firm, code.clone()), (name, region));
                (id, code)
            })
            .collect();
        let departments: Vec<(String, String)> = sqlx::query_as("SELECT code, name FROM departments").fetch_all(pool).await?;
        for (code, name) in departments {
            names.insert((SubjectKind::Department, code), (name, String::new()));
        }
        Ok(Subjects { owners, firms, names })
    }

    /// Who answers as `responsible` (owner, firm, department) for a row.
    fn of(&self, responsible: &str, owner_id: Option<i64>, firm_id: Option<i64>, department: Option<String>) -> Option<Subject> {
        match responsible {
            "owner" => owner_id.and_then(|id| self.owners.get(&id).cloned()),
            "firm" => firm_id.and_then(|id| self.firms.get(&id).map(|c| (SubjectKind::Firm, c.clone()))),
            "department" => department.filter(|d| !d.is_empty()).map(|d| (SubjectKind::Department, d)),
            _ => None,
        }
    }
}

/// The facts of every subject in month `m` (months from year 0), counting
/// overdue open stages at the month's end or at `now`, whichever is first.
pub async fn facts(pool: &Pool, who: &Subjects, m: i64, now: i64) -> Result<BTreeMap<Subject, Indicators>, sqlx::Error> {
    let start = month_start_ms(m);
    let end = month_start_ms(m + 1).min(now);
    let subject = |responsible: &str, owner_id: Option<i64>, firm_id: Option<i64>, department: Option<String>| who.of(responsible, owner_id, firm_id, department);
    let mut out: BTreeMap<Subject, Indicators> = BTreeMap::new();

    type StageRow = (String, Option<i64>, Option<i64>, Option<String>, String, i64, i64, i64);
    let rows: Vec<StageRow> = sqlx::query_as(
        "SELECT responsible, owner_id, firm_id, department_code, stage, \
         CAST(SUM(CASE WHEN closed_at >= $1 AND closed_at < $2 AND closed_at <= due_at THEN 1 ELSE 0 END) AS BIGINT), \
         CAST(SUM(CASE WHEN closed_at >= $1 AND closed_at < $2 AND closed_at > due_at THEN 1 ELSE 0 END) AS BIGINT), \
         CAST(SUM(CASE WHEN (closed_at IS NULL OR closed_at >= $2) AND due_at < $2 THEN 1 ELSE 0 END) AS BIGINT) \
         FROM stage_clocks \
         WHERE responsible <> 'operator' AND started_at < $2 \
           AND ((closed_at >= $1 AND closed_at < $2) OR ((closed_at IS NULL OR closed_at >= $2) AND due_at < $2)) \
         GROUP BY responsible, owner_id, firm_id, department_code, stage",
    )
    .bind(start)
    .bind(end)
    .fetch_all(pool)
    .await?;
    for (responsible, owner_id, firm_id, department, stage, on_time, late, overdue_open) in rows {
        if let Some(s) = subject(&responsible, owner_id, firm_id, department) {
            let i = out.entry(s).or_default();
            match i.stages.iter_mut().find(|t| t.stage == stage) {
                Some(t) => {
                    t.on_time += on_time;
                    t.late += late;
                    t.overdue_open += overdue_open;
                }
                None => i.stages.push(StageTally { stage, on_time, late, overdue_open }),
            }
        }
    }

    let urges: Vec<(String, i64, i64, i64)> = sqlx::query_as(
        "SELECT u.target, c.owner_id, c.firm_id, COUNT(*) FROM urges u JOIN contracts c ON c.id = u.contract_id \
         WHERE u.created_at >= $1 AND u.created_at < $2 GROUP BY u.target, c.owner_id, c.firm_id",
    )
    .bind(start)
    .bind(end)
    .fetch_all(pool)
    .await?;
    for (target, owner_id, firm_id, n) in urges {
        if let Some(s) = subject(&target, Some(owner_id), Some(firm_id), None) {
            out.entry(s).or_default().urges += n;
        }
    }

    let complaints: Vec<(String, Option<i64>, Option<i64>, Option<String>, i64)> = sqlx::query_as(
        "SELECT against_kind, owner_id, firm_id, department_code, COUNT(*) FROM complaints \
         WHERE decision = 'upheld' AND decided_at >= $1 AND decided_at < $2 \
         GROUP BY against_kind, owner_id, firm_id, department_code",
    )
    .bind(start)
    .bind(end)
    .fetch_all(pool)
    .await?;
    for (against, owner_id, firm_id, department, n) in complaints {
        if let Some(s) = subject(&against, owner_id, firm_id, department) {
            out.entry(s).or_default().complaints_upheld += n;
        }
    }

    let objections: Vec<(i64, i64)> = sqlx::query_as(
        "SELECT p.owner_id, COUNT(*) FROM objections o JOIN procurements p ON p.id = o.procurement_id \
         WHERE o.decision = 'upheld' AND o.resolved_at >= $1 AND o.resolved_at < $2 GROUP BY p.owner_id",
    )
    .bind(start)
    .bind(end)
    .fetch_all(pool)
    .await?;
    for (owner_id, n) in objections {
        if let Some(s) = subject("owner", Some(owner_id), None, None) {
            out.entry(s).or_default().objections_upheld += n;
        }
    }
    Ok(out)
}

/// Scores and ranks month `m` and replaces its stored scores; returns the
/// number of subjects scored.
pub async fn compute(state: &AppState, who: &Subjects, m: i64, now: i64) -> Result<usize, sqlx::Error> {
    let facts = facts(&state.pool, who, m, now).await?;
    let month = month_key(m);
    let mut tx = super::trading::begin_write(state).await?;
    sqlx::query("DELETE FROM performance_scores WHERE month = $1").bind(&month).execute(&mut *tx).await?;
    let mut scored = 0;
    for kind in SubjectKind::ALL {
        let of_kind: Vec<(String, performance::Score, &Indicators)> = facts
            .iter()
            .filter(|((k, _), _)| *k == kind)
            .filter_map(|((_, key), i)| performance::score(kind, i).map(|s| (key.clone(), s, i)))
            .collect();
        let by_key: BTreeMap<String, &Indicators> = of_kind.iter().map(|(k, _, i)| (k.clone(), *i)).collect();
        let ranked = performance::rank(of_kind.into_iter().map(|(k, s, _)| (k, s)).collect());
        for (rank, key, s) in ranked {
            let (name, region) = who.names.get(&(kind, key.clone())).cloned().unwrap_or_else(|| (key.clone(), String::new()));
            let indicators = serde_json::to_string(by_key[&key]).unwrap_or_default();
            sqlx::query(
                "INSERT INTO performance_scores (month, kind, subject_key, subject_name, region_code, rank, total, on_time_rate, \
                 timeliness, urges_points, complaints_points, objections_points, stages_counted, indicators, computed_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)",
            )
            .bind(&month)
            .bind(kind.as_str())
            .bind(&key)
            .bind(&name)
            .bind(&region)
            .bind(rank as i64)
            .bind(s.total)
            .bind(s.on_time_rate)
            .bind(s.timeliness)
            .bind(s.urges)
            .bind(s.complaints)
            .bind(s.objections)
            .bind(s.stages_counted)
            .bind(&indicators)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            scored += 1;
        }
    }
    tx.commit().await?;
    Ok(scored)
}

/// The nightly step: the current month so far and the month before (final
/// once the month is over; recomputed so late closures count).
pub async fn run(state: &AppState, now: i64) -> Result<usize, sqlx::Error> {
    let m = parse_month(&crate::domain::time::date_shanghai(now)[..7]).unwrap_or_default();
    let who = Subjects::load(&state.pool).await?;
    Ok(compute(state, &who, m - 1, now).await? + compute(state, &who, m, now).await?)
}

/// Rows per page of the ranking.
pub const PER_PAGE: i64 = 20;

/// One page of a month's ranking (`month` '' = the newest month with scores).
pub async fn page(pool: &Pool, month: &str, kind: SubjectKind, page: i64) -> Result<PerformancePage, sqlx::Error> {
    let months: Vec<String> = sqlx::query_scalar("SELECT DISTINCT month FROM performance_scores ORDER BY month DESC").fetch_all(pool).await?;
    let month = if month.is_empty() { months.first().cloned().unwrap_or_default() } else { month.to_string() };
    let total: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM performance_scores WHERE month = $1 AND kind = $2").bind(&month).bind(kind.as_str()).fetch_one(pool).await?;
    let computed_at: Option<i64> =
        sqlx::query_scalar("SELECT MAX(computed_at) FROM performance_scores WHERE month = $1").bind(&month).fetch_one(pool).await?;
    let page = page.max(1);
    type Row = (i64, String, String, Option<String>, f64, f64, f64, f64, f64, f64, i64, String);
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT s.rank, s.subject_key, s.subject_name, r.name, s.total, s.on_time_rate, s.timeliness, s.urges_points, \
         s.complaints_points, s.objections_points, s.stages_counted, s.indicators \
         FROM performance_scores s LEFT JOIN regions r ON r.code = s.region_code \
         WHERE s.month = $1 AND s.kind = $2 ORDER BY s.rank LIMIT $3 OFFSET $4",
    )
    .bind(&month)
    .bind(kind.as_str())
    .bind(PER_PAGE)
    .bind((page - 1) * PER_PAGE)
    .fetch_all(pool)
    .await?;
    let rows = rows
        .into_iter()
        .map(|(rank, key, name, region, total, rate, timeliness, urges, complaints, objections, counted, indicators)| {
            let i: Indicators = serde_json::from_str(&indicators).unwrap_or_default();
            PerformanceRow {
                rank,
                subject_key: key,
                subject_name: name,
                region_name: region.unwrap_or_default(),
                total,
                on_time_rate: rate,
                timeliness,
                urges_points: urges,
                complaints_points: complaints,
                objections_points: objections,
                stages_counted: counted,
                stages: i
                    .stages
                    .iter()
                    .map(|t| StageFacts { stage: t.stage.clone(), on_time: t.on_time, late: t.late, overdue_open: t.overdue_open })
                    .collect(),
                urges: i.urges,
                complaints_upheld: i.complaints_upheld,
                objections_upheld: i.objections_upheld,
            }
        })
        .collect();
    Ok(PerformancePage {
        month,
        months,
        kind: kind.as_str().to_string(),
        ranking: Page { items: rows, page: page as u32, per_page: PER_PAGE as u32, total: total as u64 },
        computed_at: computed_at.unwrap_or(0),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::testing::TestApp;
    use crate::domain::time::shanghai_midnight_ms;

    const DAY: i64 = 86_400_000;

    /// A stage clock of the hand-made month (March 2031, far from the demo's data).
    #[allow(clippy::too_many_arguments)]
    async fn clock(app: &TestApp, key: &str, stage: &str, responsible: &str, owner: Option<i64>, firm: Option<i64>, due: i64, closed: Option<i64>) {
        sqlx::query(
            "INSERT INTO stage_clocks (subject_kind, subject_key, subject_label, stage, responsible, owner_id, firm_id, department_code, \
             region_code, industry_code, item_code, started_at, due_at, calendar_version, light, light_since, closed_at) \
             VALUES ('procurement', $1, '', $2, $3, $4, $5, NULL, '510104', NULL, NULL, $6, $7, 1, 'green', $6, $8)",
        )
        .bind(key)
        .bind(stage)
        .bind(responsible)
        .bind(owner)
        .bind(firm)
        .bind(due - 5 * DAY)
        .bind(due)
        .bind(closed)
        .execute(&app.state.pool)
        .await
        .unwrap();
    }

    #[tokio::test]
    async fn a_month_is_scored_ranked_and_published_with_its_breakdown() {
        let app = TestApp::new().await;
        let pool = &app.state.pool;
        let owners: Vec<(i64, String, String)> = sqlx::query_as("SELECT id, kind, credit_code FROM owners ORDER BY id").fetch_all(pool).await.unwrap();
        let company = owners.iter().find(|o| o.1 == "company").expect("a company owner in the demo");
        let body = owners.iter().find(|o| o.1 == "public_body").expect("a public body in the demo");
        let firms: Vec<(i64, String)> = sqlx::query_as("SELECT id, credit_code FROM firms ORDER BY id LIMIT 2").fetch_all(pool).await.unwrap();
        let m = shanghai_midnight_ms(2031, 3, 10);
        let end = shanghai_midnight_ms(2031, 4, 1);
        // the company: signing 1 on time + 1 late → 0.5
        clock(&app, "P1", "contract_signing", "owner", Some(company.0), None, m, Some(m - DAY)).await;
        clock(&app, "P2", "contract_signing", "owner", Some(company.0), None, m, Some(m + DAY)).await;
        // the public body: acceptance on time, and one open past its deadline at month end → 0.5
        clock(&app, "P3", "acceptance", "owner", Some(body.0), None, m, Some(m)).await;
        clock(&app, "P4", "acceptance", "owner", Some(body.0), None, m + 2 * DAY, None).await;
        // firm A: both on time; firm B: one on time, one closed next month but overdue at this month's end
        clock(&app, "P5", "service", "firm", None, Some(firms[0].0), m, Some(m)).await;
        clock(&app, "P6", "service", "firm", None, Some(firms[0].0), m, Some(m - DAY)).await;
        clock(&app, "P7", "service", "firm", None, Some(firms[1].0), m, Some(m)).await;
        clock(&app, "P8", "service", "firm", None, Some(firms[1].0), m, Some(end + DAY)).await;
        // not scored: the operator's stage, a clock closed another month, one not yet due
        clock(&app, "P9", "review", "operator", None, None, m, None).await;
        clock(&app, "P10", "service", "firm", None, Some(firms[1].0), m - 40 * DAY, Some(m - 35 * DAY)).await;
        clock(&app, "P11", "service", "firm", None, Some(firms[0].0), end + 5 * DAY, None).await;

        let who = Subjects::load(&app.state.pool).await.unwrap();
        let n = compute(&app.state, &who, parse_month("2031-03").unwrap(), end + 10 * DAY).await.unwrap();
        assert_eq!(n, 4, "two owners, two firms");
        let firms_page = page(pool, "2031-03", SubjectKind::Firm, 1).await.unwrap();
        let ranking: Vec<(i64, &str, f64)> = firms_page.ranking.items.iter().map(|r| (r.rank, r.subject_key.as_str(), r.total)).collect();
        assert_eq!(ranking, vec![(1, firms[0].1.as_str(), 100.0), (2, firms[1].1.as_str(), 65.0)]);
        let b = &firms_page.ranking.items[1];
        assert_eq!((b.on_time_rate, b.timeliness, b.stages_counted), (0.5, 35.0, 2));
        assert_eq!(b.stages.len(), 1);
        assert_eq!((b.stages[0].on_time, b.stages[0].late, b.stages[0].overdue_open), (1, 0, 1));
        assert!(!b.subject_name.is_empty() && b.subject_name != b.subject_key, "the firm's name is shown");

        let bodies = page(pool, "2031-03", SubjectKind::PublicBody, 1).await.unwrap();
        assert_eq!(bodies.ranking.items.len(), 1);
        assert_eq!(bodies.ranking.items[0].subject_key, body.2);
        assert_eq!(bodies.ranking.items[0].total, 65.0);
        let companies = page(pool, "", SubjectKind::Owner, 1).await.unwrap();
        assert_eq!(companies.month, "2031-03", "the newest month with scores by default");
        assert_eq!(companies.ranking.items[0].subject_key, company.2);

        // an upheld complaint against firm A, decided in March, costs it 5 points
        let region: String = sqlx::query_scalar("SELECT region_code FROM firms WHERE id = $1").bind(firms[0].0).fetch_one(pool).await.unwrap();
        sqlx::query(
            "INSERT INTO complaints (filer_name, filer_phone, against_kind, firm_id, region_code, industry_code, subject, body, status, \
             accept_due_at, decision, decided_at, created_at, updated_at) \
             VALUES ('张三', '13800000000', 'firm', $1, $2, 'ZJ', '测试', '测试投诉内容', 'decided', $3, 'upheld', $3, $3, $3)",
        )
        .bind(firms[0].0)
        .bind(&region)
        .bind(m)
        .execute(pool)
        .await
        .unwrap();
        compute(&app.state, &Subjects::load(&app.state.pool).await.unwrap(), parse_month("2031-03").unwrap(), end + 10 * DAY).await.unwrap();
        let again = page(pool, "2031-03", SubjectKind::Firm, 1).await.unwrap();
        let a = again.ranking.items.iter().find(|r| r.subject_key == firms[0].1).unwrap();
        assert_eq!((a.total, a.complaints_points, a.complaints_upheld), (95.0, 5.0, 1));
        assert_eq!(again.ranking.total, 2, "recomputing replaces the month's scores");
    }

    #[tokio::test]
    async fn the_public_reads_the_ranking_and_bad_input_is_named() {
        use crate::api::performance::get_performance;
        use crate::error::AppError;
        let app = TestApp::new().await;
        app.new_session();
        let empty = app.run(get_performance("".into(), "firm".into(), 1)).await.unwrap();
        assert_eq!(empty.ranking.total, 0);
        for (month, kind, page, field) in [("2031-13", "", 1, "month"), ("", "mayor", 1, "kind"), ("", "firm", 0, "page")] {
            match app.run(get_performance(month.into(), kind.into(), page)).await {
                Err(AppError::InvalidInput { field: f, .. }) => assert_eq!(f, field),
                other => panic!("{month} {kind} {page}: {other:?}"),
            }
        }
    }
}
