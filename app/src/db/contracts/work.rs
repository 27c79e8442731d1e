//! Service execution (履约): milestones (节点) from the terms in force, the
//! message thread between the parties, urges (催办) by a party and by the
//! system as time limits approach and pass, deliveries (成果提交, one round per
//! submission, files hashed) and the owner's acceptance (验收) or rejection.
//!
//! Every step runs in a write transaction on the locked contract and is
//! conditional on the state it expects (`UPDATE … WHERE status = …`), so a
//! double click, two tabs or two instances cannot apply it twice. Which items
//! are pending for whom, and when urges fire, is decided by `domain::urge`.
use super::super::trading::{begin_write, calendar, Tx};
use super::super::Pool;
use super::{event, load_locked, ContractRow, CONTRACT_COLUMNS};
use crate::domain::contract::{self, ContractStatus, Party};
use crate::domain::paging::{offset, Page};
use crate::domain::urge::{self, AutoKind, InstallmentItem, MilestoneItem, MilestoneStatus, Snapshot, Subject};
use crate::error::AppError;
use crate::model::contract_work::*;
use crate::model::files::FileRef;
use crate::state::AppState;
use sqlx::AnyConnection;

/// Automatic urges handled per kind of time limit and call of `advance`.
const ADVANCE_BATCH: i64 = 50;

/// (Re)builds the milestones from the terms in force: due dates counted in
/// working days from signing; milestones already reported or done are kept as
/// they are, open ones follow the terms (title, due date), open ones the terms
/// no longer have are removed. Also sets the service end date (`due_at`) from
/// the terms' service days. Idempotent; called by `super::on_signed` after the
/// first signing and after every accepted post-signing amendment.
pub async fn sync_milestones(tx: &mut Tx<'_>, contract_id: i64, now: i64) -> Result<(), sqlx::Error> {
    let row: Option<(i64, Option<i64>)> =
        sqlx::query_as("SELECT version, signed_at FROM contracts WHERE id = $1").bind(contract_id).fetch_optional(&mut **tx).await?;
    let Some((version, signed_at)) = row else { return Ok(()) };
    let Some(terms) = super::terms(tx, contract_id, version).await? else { return Ok(()) };
    let signed_at = signed_at.unwrap_or(now);
    let cal = calendar(&mut **tx).await?;
    let existing: Vec<(i64, String)> =
        sqlx::query_as("SELECT seq, status FROM contract_milestones WHERE contract_id = $1").bind(contract_id).fetch_all(&mut **tx).await?;
    let n = terms.negotiable.milestones.len() as i64;
    for (i, m) in terms.negotiable.milestones.iter().enumerate() {
        let seq = i as i64 + 1;
        let due = cal.add_working_days(signed_at, m.days);
        match existing.iter().find(|(s, _)| *s == seq) {
            None => {
                sqlx::query("INSERT INTO contract_milestones (contract_id, seq, title, due_at, status) VALUES ($1, $2, $3, $4, 'open')")
                    .bind(contract_id)
                    .bind(seq)
                    .bind(&m.title)
                    .bind(due)
                    .execute(&mut **tx)
                    .await?;
            }
            Some((_, status)) if status == "open" => {
                sqlx::query("UPDATE contract_milestones SET title = $3, due_at = $4 WHERE contract_id = $1 AND seq = $2 AND status = 'open'")
                    .bind(contract_id)
                    .bind(seq)
                    .bind(&m.title)
                    .bind(due)
                    .execute(&mut **tx)
                    .await?;
            }
            Some(_) => {} // reported or done: kept as it happened
        }
    }
    sqlx::query("DELETE FROM contract_milestones WHERE contract_id = $1 AND seq > $2 AND status = 'open'")
        .bind(contract_id)
        .bind(n)
        .execute(&mut **tx)
        .await?;
    let service_due = cal.add_working_days(signed_at, terms.negotiable.service_days);
    sqlx::query("UPDATE contracts SET due_at = $2 WHERE id = $1").bind(contract_id).bind(service_due).execute(&mut **tx).await?;
    Ok(())
}

/// The contract, locked, in a write transaction; 404 when it vanished.
async fn locked(tx: &mut Tx<'_>, state: &AppState, id: i64) -> Result<ContractRow, AppError> {
    Ok(load_locked(tx, state, id).await?.ok_or(AppError::NotFound)?)
}

fn in_service(c: &ContractRow) -> Result<(), AppError> {
    if c.status().in_service() {
        Ok(())
    } else {
        Err(AppError::invalid("code", "contract_work.not_in_service"))
    }
}

async fn milestone_title(tx: &mut Tx<'_>, contract_id: i64, seq: i64) -> Result<Option<(String, String)>, sqlx::Error> {
    sqlx::query_as("SELECT title, status FROM contract_milestones WHERE contract_id = $1 AND seq = $2")
        .bind(contract_id)
        .bind(seq)
        .fetch_optional(&mut **tx)
        .await
}

/// The firm reports milestone `seq` done (open → reported).
pub async fn report_milestone(state: &AppState, contract_id: i64, seq: i64, actor: i64, now: i64) -> Result<(), AppError> {
    let mut tx = begin_write(state).await?;
    let c = locked(&mut tx, state, contract_id).await?;
    in_service(&c)?;
    let (title, _) = milestone_title(&mut tx, c.id, seq).await?.ok_or_else(|| AppError::invalid("seq", "contract_work.milestone_unknown"))?;
    let moved = sqlx::query("UPDATE contract_milestones SET status = 'reported', reported_at = $3 WHERE contract_id = $1 AND seq = $2 AND status = 'open'")
        .bind(c.id)
        .bind(seq)
        .bind(now)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    if moved != 1 {
        return Err(AppError::invalid("seq", "contract_work.milestone_not_open"));
    }
    sqlx::query("UPDATE contracts SET updated_at = $2 WHERE id = $1").bind(c.id).bind(now).execute(&mut *tx).await?;
    event(&mut tx, c.id, now, "milestone_reported", Some(actor), &format!("{seq}. {title}")).await?;
    tx.commit().await?;
    Ok(())
}

/// The owner confirms a reported milestone (reported → done); an installment
/// paid after it may fall due.
pub async fn confirm_milestone(state: &AppState, contract_id: i64, seq: i64, actor: i64, now: i64) -> Result<(), AppError> {
    let mut tx = begin_write(state).await?;
    let c = locked(&mut tx, state, contract_id).await?;
    in_service(&c)?;
    let (title, _) = milestone_title(&mut tx, c.id, seq).await?.ok_or_else(|| AppError::invalid("seq", "contract_work.milestone_unknown"))?;
    let moved = sqlx::query("UPDATE contract_milestones SET status = 'done', done_at = $3 WHERE contract_id = $1 AND seq = $2 AND status = 'reported'")
        .bind(c.id)
        .bind(seq)
        .bind(now)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    if moved != 1 {
        return Err(AppError::invalid("seq", "contract_work.milestone_not_reported"));
    }
    sqlx::query("UPDATE contracts SET updated_at = $2 WHERE id = $1").bind(c.id).bind(now).execute(&mut *tx).await?;
    event(&mut tx, c.id, now, "milestone_done", Some(actor), &format!("{seq}. {title}")).await?;
    super::payments::sync_installments(&mut tx, c.id, now).await?;
    tx.commit().await?;
    Ok(())
}

/// Whether the thread takes messages: before signing, in service and after
/// completion; not once the contract lapsed or was terminated.
pub fn may_post(status: ContractStatus) -> bool {
    !matches!(status, ContractStatus::Lapsed | ContractStatus::Terminated)
}

/// A party's message (with an already stored attachment). Returns its id.
pub async fn post_message(
    state: &AppState,
    contract_id: i64,
    party: Party,
    author: i64,
    body: &str,
    file_id: Option<i64>,
    now: i64,
) -> Result<i64, AppError> {
    let mut tx = begin_write(state).await?;
    let c = locked(&mut tx, state, contract_id).await?;
    if !may_post(c.status()) {
        return Err(AppError::invalid("body", "contract_work.thread_closed"));
    }
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO contract_messages (contract_id, party, author_id, body, file_id, created_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(c.id)
    .bind(party.as_str())
    .bind(author)
    .bind(body)
    .bind(file_id)
    .bind(now)
    .fetch_one(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(id)
}

type FileCols = (Option<i64>, Option<String>, Option<String>, Option<i64>, Option<String>);

fn file_ref((id, sha256, content_type, size_bytes, original_name): FileCols) -> Option<FileRef> {
    Some(FileRef { id: id?, sha256: sha256?, content_type: content_type?, size_bytes: size_bytes?, original_name: original_name? })
}

/// One page of the thread, newest message first (page 1 holds the latest).
pub async fn messages(pool: &Pool, contract_id: i64, page: u32, per_page: u32) -> Result<Page<MessageView>, sqlx::Error> {
    let total: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM contract_messages WHERE contract_id = $1").bind(contract_id).fetch_one(pool).await?;
    let pages = crate::domain::paging::page_count(total as u64, per_page).max(1);
    let page = page.clamp(1, pages);
    type Row = (i64, String, String, String, i64, Option<i64>, Option<String>, Option<String>, Option<i64>, Option<String>);
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT m.id, m.party, u.display_name, m.body, m.created_at, f.id, f.sha256, f.content_type, f.size_bytes, f.original_name \
         FROM contract_messages m JOIN users u ON u.id = m.author_id LEFT JOIN files f ON f.id = m.file_id \
         WHERE m.contract_id = $1 ORDER BY m.id DESC LIMIT $2 OFFSET $3",
    )
    .bind(contract_id)
    .bind(per_page as i64)
    .bind(offset(page, per_page))
    .fetch_all(pool)
    .await?;
    let items = rows
        .into_iter()
        .map(|(id, party, author, body, created_at, fid, sha, ct, size, name)| MessageView {
            id,
            party: Party::parse(&party).unwrap_or(Party::Owner),
            author,
            body,
            file: file_ref((fid, sha, ct, size, name)),
            created_at,
        })
        .collect();
    Ok(Page { items, page, per_page, total: total as u64 })
}

/// What `domain::urge` needs to know about a contract, read through `conn`
/// (a write transaction's connection, or one from the pool).
pub async fn snapshot(conn: &mut AnyConnection, c: &ContractRow) -> Result<Snapshot, sqlx::Error> {
    let signed: Vec<(String,)> =
        sqlx::query_as("SELECT DISTINCT party FROM contract_signatures WHERE contract_id = $1 AND version = $2 AND void_at IS NULL")
            .bind(c.id)
            .bind(c.version)
            .fetch_all(&mut *conn)
            .await?;
    let milestones: Vec<(i64, String, Option<i64>)> =
        sqlx::query_as("SELECT seq, status, due_at FROM contract_milestones WHERE contract_id = $1 ORDER BY seq")
            .bind(c.id)
            .fetch_all(&mut *conn)
            .await?;
    let round: i64 = sqlx::query_scalar("SELECT CAST(COALESCE(MAX(round), 0) AS BIGINT) FROM deliveries WHERE contract_id = $1")
        .bind(c.id)
        .fetch_one(&mut *conn)
        .await?;
    let installments: Vec<(i64, String, Option<i64>, i64)> = sqlx::query_as(
        "SELECT i.seq, i.status, i.due_at, CAST(CASE WHEN EXISTS (SELECT 1 FROM payments p WHERE p.contract_id = i.contract_id \
         AND p.seq = i.seq AND p.channel = 'offline' AND p.status = 'pending') THEN 1 ELSE 0 END AS BIGINT) \
         FROM contract_installments i WHERE i.contract_id = $1 ORDER BY i.seq",
    )
    .bind(c.id)
    .fetch_all(&mut *conn)
    .await?;
    let last: Option<String> = sqlx::query_scalar("SELECT party FROM contract_messages WHERE contract_id = $1 ORDER BY id DESC LIMIT 1")
        .bind(c.id)
        .fetch_optional(&mut *conn)
        .await?;
    Ok(Snapshot {
        status: c.status(),
        signed: signed.iter().filter_map(|(p,)| Party::parse(p)).collect(),
        sign_due_at: c.sign_due_at,
        service_due_at: c.due_at,
        milestones: milestones
            .into_iter()
            .map(|(seq, status, due_at)| MilestoneItem { seq: seq as u32, status: MilestoneStatus::parse(&status).unwrap_or(MilestoneStatus::Open), due_at })
            .collect(),
        delivery_round: round as u32,
        accept_due_at: c.accept_due_at,
        installments: installments
            .into_iter()
            .map(|(seq, status, due_at, awaiting)| InstallmentItem { seq: seq as u32, status, due_at, awaiting_receipt: awaiting == 1 })
            .collect(),
        last_message_by: last.as_deref().and_then(Party::parse),
    })
}

/// A party urges the other on a pending item with a reason; at most once per
/// subject per working day (`domain::urge::check_manual`).
pub async fn urge(state: &AppState, contract_id: i64, by: Party, actor: i64, subject: &str, reason: &str, now: i64) -> Result<(), AppError> {
    let subject = Subject::parse_code(subject.trim()).ok_or_else(|| AppError::invalid("subject", "contract_work.urge_not_pending"))?;
    let cal = calendar(&state.pool).await?;
    let mut tx = begin_write(state).await?;
    let c = locked(&mut tx, state, contract_id).await?;
    let snap = snapshot(&mut *tx, &c).await?;
    let code = subject.as_code();
    let last: Option<i64> = sqlx::query_scalar(
        "SELECT MAX(created_at) FROM urges WHERE contract_id = $1 AND subject = $2 AND target = $3 AND by_user IS NOT NULL",
    )
    .bind(c.id)
    .bind(&code)
    .bind(by.other().as_str())
    .fetch_one(&mut *tx)
    .await?;
    let item = urge::check_manual(&snap, by, subject, reason, last, &cal, now).map_err(|r| AppError::invalid(r.field(), r.message_key()))?;
    let reason = reason.trim();
    sqlx::query("INSERT INTO urges (contract_id, target, subject, reason, by_user, auto_kind, created_at) VALUES ($1, $2, $3, $4, $5, NULL, $6)")
        .bind(c.id)
        .bind(item.target.as_str())
        .bind(&code)
        .bind(reason)
        .bind(actor)
        .bind(now)
        .execute(&mut *tx)
        .await?;
    let label = subject_label(crate::i18n::Locale::Zh, &code);
    event(&mut tx, c.id, now, "urged", Some(actor), &format!("{label}：{reason}")).await?;
    tx.commit().await?;
    Ok(())
}

/// How often each party of a contract was urged (for the panel and for
/// supervision, #8).
pub async fn urge_counts(pool: &Pool, contract_id: i64) -> Result<UrgeCounts, sqlx::Error> {
    let (owner, firm, automatic, overdue): (i64, i64, i64, i64) = sqlx::query_as(
        "SELECT CAST(COALESCE(SUM(CASE WHEN target = 'owner' THEN 1 ELSE 0 END), 0) AS BIGINT), \
         CAST(COALESCE(SUM(CASE WHEN target = 'firm' THEN 1 ELSE 0 END), 0) AS BIGINT), \
         CAST(COALESCE(SUM(CASE WHEN by_user IS NULL THEN 1 ELSE 0 END), 0) AS BIGINT), \
         CAST(COALESCE(SUM(CASE WHEN auto_kind = 'overdue' THEN 1 ELSE 0 END), 0) AS BIGINT) \
         FROM urges WHERE contract_id = $1",
    )
    .bind(contract_id)
    .fetch_one(pool)
    .await?;
    Ok(UrgeCounts { owner, firm, automatic, overdue })
}

/// The latest urges of a contract, newest first.
pub async fn urges(pool: &Pool, contract_id: i64, limit: u32) -> Result<Vec<UrgeView>, sqlx::Error> {
    type Row = (i64, String, String, String, Option<String>, Option<String>, i64);
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT g.id, g.target, g.subject, g.reason, u.display_name, g.auto_kind, g.created_at FROM urges g \
         LEFT JOIN users u ON u.id = g.by_user WHERE g.contract_id = $1 ORDER BY g.created_at DESC, g.id DESC LIMIT $2",
    )
    .bind(contract_id)
    .bind(limit as i64)
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(id, target, subject, reason, by_name, auto_kind, created_at)| UrgeView {
            id,
            target: Party::parse(&target).unwrap_or(Party::Firm),
            subject,
            reason,
            by_name,
            auto_kind,
            created_at,
        })
        .collect())
}

/// Whether the firm may deliver now (checked before the files are stored).
pub fn check_deliverable(c: &ContractRow) -> Result<(), AppError> {
    if c.status() == ContractStatus::Signed {
        Ok(())
    } else {
        Err(AppError::invalid("files", "contract_work.deliver_not_open"))
    }
}

/// The firm submits a round of results (already stored files): the contract
/// awaits acceptance within the terms' acceptance days. Returns the round.
pub async fn deliver(state: &AppState, contract_id: i64, actor: i64, note: &str, file_ids: &[i64], now: i64) -> Result<u32, AppError> {
    let mut files: Vec<i64> = Vec::new();
    for id in file_ids {
        if !files.contains(id) {
            files.push(*id);
        }
    }
    if files.is_empty() || files.len() > MAX_DELIVERY_FILES {
        return Err(AppError::invalid("files", "contract_work.files_count"));
    }
    let cal = calendar(&state.pool).await?;
    let mut tx = begin_write(state).await?;
    let c = locked(&mut tx, state, contract_id).await?;
    check_deliverable(&c)?;
    let pending: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM deliveries WHERE contract_id = $1 AND status = 'submitted'")
        .bind(c.id)
        .fetch_one(&mut *tx)
        .await?;
    if pending > 0 {
        return Err(AppError::invalid("files", "contract_work.deliver_not_open"));
    }
    let round: i64 = sqlx::query_scalar("SELECT CAST(COALESCE(MAX(round), 0) + 1 AS BIGINT) FROM deliveries WHERE contract_id = $1")
        .bind(c.id)
        .fetch_one(&mut *tx)
        .await?;
    let acceptance_days = super::terms(&mut tx, c.id, c.version)
        .await?
        .map(|t| t.negotiable.acceptance_days)
        .unwrap_or(contract::DEFAULT_ACCEPTANCE_DAYS);
    let accept_due = cal.add_working_days(now, acceptance_days);
    let moved = sqlx::query(
        "UPDATE contracts SET status = 'delivered', delivered_at = $2, accept_due_at = $3, updated_at = $2 WHERE id = $1 AND status = 'signed'",
    )
    .bind(c.id)
    .bind(now)
    .bind(accept_due)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if moved != 1 {
        return Err(AppError::invalid("files", "contract_work.deliver_not_open"));
    }
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO deliveries (contract_id, round, note, submitted_by, submitted_at, status) VALUES ($1, $2, $3, $4, $5, 'submitted') RETURNING id",
    )
    .bind(c.id)
    .bind(round)
    .bind(note)
    .bind(actor)
    .bind(now)
    .fetch_one(&mut *tx)
    .await?;
    for f in &files {
        sqlx::query("INSERT INTO delivery_files (delivery_id, file_id) VALUES ($1, $2)").bind(id).bind(*f).execute(&mut *tx).await?;
    }
    event(&mut tx, c.id, now, "delivered", Some(actor), &format!("第 {round} 轮，{} 个文件", files.len())).await?;
    tx.commit().await?;
    Ok(round as u32)
}

/// The owner's decision on the pending delivery round `round`: accept (the
/// contract is accepted; installments after acceptance fall due; with
/// everything paid it completes) or reject with a reason (delivery reopens).
pub async fn decide_delivery(
    state: &AppState,
    contract_id: i64,
    round: i64,
    accept: bool,
    reason: &str,
    actor: i64,
    now: i64,
) -> Result<(), AppError> {
    let mut tx = begin_write(state).await?;
    let c = locked(&mut tx, state, contract_id).await?;
    let pending: Option<(i64, i64)> =
        sqlx::query_as("SELECT id, round FROM deliveries WHERE contract_id = $1 AND status = 'submitted' ORDER BY round DESC LIMIT 1")
            .bind(c.id)
            .fetch_optional(&mut *tx)
            .await?;
    let Some((delivery, pending_round)) = pending.filter(|_| c.status() == ContractStatus::Delivered) else {
        return Err(AppError::invalid("decision", "contract_work.nothing_to_decide"));
    };
    if pending_round != round {
        return Err(AppError::invalid("decision", "contract_work.round_stale"));
    }
    let (status, next, kind) = if accept { ("accepted", "accepted", "delivery_accepted") } else { ("rejected", "signed", "delivery_rejected") };
    let decided = sqlx::query(
        "UPDATE deliveries SET status = $2, decided_by = $3, decided_at = $4, reason = $5 WHERE id = $1 AND status = 'submitted'",
    )
    .bind(delivery)
    .bind(status)
    .bind(actor)
    .bind(now)
    .bind(if accept { None } else { Some(reason) })
    .execute(&mut *tx)
    .await?
    .rows_affected();
    let sql = if accept {
        "UPDATE contracts SET status = $2, accepted_at = $3, updated_at = $3 WHERE id = $1 AND status = 'delivered'"
    } else {
        "UPDATE contracts SET status = $2, accept_due_at = NULL, delivered_at = NULL, updated_at = $3 WHERE id = $1 AND status = 'delivered'"
    };
    let moved = sqlx::query(sql).bind(c.id).bind(next).bind(now).execute(&mut *tx).await?.rows_affected();
    if decided != 1 || moved != 1 {
        return Err(AppError::invalid("decision", "contract_work.nothing_to_decide"));
    }
    let detail = if accept { format!("第 {round} 轮") } else { format!("第 {round} 轮：{reason}") };
    event(&mut tx, c.id, now, kind, Some(actor), &detail).await?;
    if accept {
        super::payments::sync_installments(&mut tx, c.id, now).await?;
        super::maybe_complete(&mut tx, c.id, Some(actor), now).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Deliveries of a contract with their files, newest round first.
pub async fn deliveries(pool: &Pool, contract_id: i64) -> Result<Vec<DeliveryView>, sqlx::Error> {
    type Row = (i64, i64, String, String, i64, String, Option<String>, Option<i64>, Option<String>);
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT d.id, d.round, d.note, s.display_name, d.submitted_at, d.status, x.display_name, d.decided_at, d.reason \
         FROM deliveries d JOIN users s ON s.id = d.submitted_by LEFT JOIN users x ON x.id = d.decided_by \
         WHERE d.contract_id = $1 ORDER BY d.round DESC",
    )
    .bind(contract_id)
    .fetch_all(pool)
    .await?;
    let files: Vec<(i64, i64, String, String, i64, String)> = sqlx::query_as(
        "SELECT df.delivery_id, f.id, f.sha256, f.content_type, f.size_bytes, f.original_name FROM delivery_files df \
         JOIN deliveries d ON d.id = df.delivery_id JOIN files f ON f.id = df.file_id WHERE d.contract_id = $1 ORDER BY f.id",
    )
    .bind(contract_id)
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(id, round, note, submitted_by, submitted_at, status, decided_by, decided_at, reason)| DeliveryView {
            round: round as u32,
            note,
            submitted_by,
            submitted_at,
            status,
            decided_by,
            decided_at,
            reason,
            files: files
                .iter()
                .filter(|f| f.0 == id)
                .map(|f| FileRef { id: f.1, sha256: f.2.clone(), content_type: f.3.clone(), size_bytes: f.4, original_name: f.5.clone() })
                .collect(),
        })
        .collect())
}

/// The work panel for `viewer` (`None`: a supervisor, read-only).
pub async fn panel(pool: &Pool, c: &ContractRow, viewer: Option<Party>, now: i64) -> Result<WorkPanelView, sqlx::Error> {
    let mut conn = pool.acquire().await?;
    let snap = snapshot(&mut *conn, c).await?;
    let milestones: Vec<(i64, String, Option<i64>, String, Option<i64>, Option<i64>)> = sqlx::query_as(
        "SELECT seq, title, due_at, status, reported_at, done_at FROM contract_milestones WHERE contract_id = $1 ORDER BY seq",
    )
    .bind(c.id)
    .fetch_all(&mut *conn)
    .await?;
    let acceptance_days = if c.version > 0 {
        let json: Option<String> = sqlx::query_scalar("SELECT terms FROM contract_versions WHERE contract_id = $1 AND version = $2")
            .bind(c.id)
            .bind(c.version)
            .fetch_optional(&mut *conn)
            .await?;
        json.and_then(|j| serde_json::from_str::<contract::Terms>(&j).ok()).map(|t| t.negotiable.acceptance_days)
    } else {
        None
    };
    drop(conn);
    let pending: Vec<PendingView> = urge::pending(&snap)
        .into_iter()
        .filter(|p| p.subject != Subject::Other)
        .map(|p| PendingView { subject: p.subject.as_code(), target: p.target, due_at: p.due_at, overdue: p.overdue(now) })
        .collect();
    let urge_choices = match viewer {
        Some(by) => urge::urgeable_by(&snap, by)
            .into_iter()
            .map(|p| UrgeChoice { subject: p.subject.as_code(), due_at: p.due_at, overdue: p.overdue(now) })
            .collect(),
        None => vec![],
    };
    let status = c.status();
    Ok(WorkPanelView {
        code: c.code.clone(),
        status: c.status.clone(),
        viewer,
        now_ms: now,
        signed_at: c.signed_at,
        service_due_at: c.due_at,
        delivered_at: c.delivered_at,
        accept_due_at: c.accept_due_at,
        accepted_at: c.accepted_at,
        acceptance_days,
        milestones: milestones
            .into_iter()
            .map(|(seq, title, due_at, st, reported_at, done_at)| MilestoneView {
                seq: seq as u32,
                title,
                due_at,
                status: MilestoneStatus::parse(&st).unwrap_or(MilestoneStatus::Open),
                reported_at,
                done_at,
            })
            .collect(),
        deliveries: deliveries(pool, c.id).await?,
        pending,
        urge_counts: urge_counts(pool, c.id).await?,
        urges: urges(pool, c.id, URGES_LISTED).await?,
        urge_choices,
        may_deliver: viewer == Some(Party::Firm) && status == ContractStatus::Signed,
        may_decide: viewer == Some(Party::Owner) && status == ContractStatus::Delivered,
        may_post: viewer.is_some() && may_post(status),
    })
}

/// A time limit that may call for an automatic urge.
struct Limit {
    contract_id: i64,
    code: String,
    subject: Subject,
    due_at: i64,
}

/// Time limits within reach (approaching or passed) that have not had the
/// automatic urge they now call for. `$1` = now, `$2` = the approaching
/// horizon, `$3` = batch size.
async fn limits(pool: &Pool, now: i64, horizon: i64) -> Result<Vec<Limit>, sqlx::Error> {
    // the subject and time limit of each kind, as SQL over `c` (contracts) and the joined row
    const KINDS: [(&str, &str, &str, &str); 5] = [
        // signing: while drafted; once lapsed the overdue urge still records that the limit passed
        ("'sign'", "c.sign_due_at", "", "(c.status = 'drafted' OR (c.status = 'lapsed' AND c.sign_due_at <= $1))"),
        (
            "'milestone:' || CAST(m.seq AS TEXT)",
            "m.due_at",
            " JOIN contract_milestones m ON m.contract_id = c.id AND m.status = 'open'",
            "c.status IN ('signed', 'delivered', 'accepted')",
        ),
        ("'delivery'", "c.due_at", "", "c.status = 'signed'"),
        (
            "CASE WHEN d.round <= 1 THEN 'acceptance' ELSE 'acceptance:' || CAST(d.round AS TEXT) END",
            "c.accept_due_at",
            " JOIN deliveries d ON d.contract_id = c.id AND d.status = 'submitted'",
            "c.status = 'delivered'",
        ),
        (
            "'payment:' || CAST(i.seq AS TEXT)",
            "i.due_at",
            " JOIN contract_installments i ON i.contract_id = c.id AND i.status = 'due'",
            "c.status IN ('signed', 'delivered', 'accepted') AND NOT EXISTS (SELECT 1 FROM payments p WHERE p.contract_id = c.id \
             AND p.seq = i.seq AND p.channel = 'offline' AND p.status = 'pending')",
        ),
    ];
    let mut out = Vec::new();
    for (subject, due, join, condition) in KINDS {
        let sql = format!(
            "SELECT c.id, c.code, {subject}, {due} FROM contracts c{join} WHERE c.version >= 1 AND {condition} \
             AND {due} IS NOT NULL AND {due} <= $2 AND NOT EXISTS (SELECT 1 FROM urges u WHERE u.contract_id = c.id \
             AND u.by_user IS NULL AND u.subject = {subject} AND u.auto_kind = CASE WHEN {due} <= $1 THEN 'overdue' ELSE 'approaching' END) \
             ORDER BY {due} LIMIT $3"
        );
        let rows: Vec<(i64, String, String, i64)> =
            sqlx::query_as(&sql).bind(now).bind(horizon).bind(ADVANCE_BATCH).fetch_all(pool).await?;
        out.extend(rows.into_iter().filter_map(|(contract_id, code, subject, due_at)| {
            Some(Limit { contract_id, code, subject: Subject::parse_code(&subject)?, due_at })
        }));
    }
    Ok(out)
}

/// Automatic urges: for each open time limit — signing (the party that has
/// not signed; the firm when neither has), milestones (firm), the service end
/// date (firm, while nothing is delivered), acceptance (owner), installments
/// due (owner) — one `approaching` urge when one working day or less remains
/// and one `overdue` urge once it passed, each exactly once (the partial
/// unique index `urges_automatic`). Contracts from before electronic signing
/// (version 0) have no time limits of their own and are left alone. Returns
/// the number of urges sent.
pub async fn advance(state: &AppState, now: i64) -> Result<u32, sqlx::Error> {
    let cal = calendar(&state.pool).await?;
    let horizon = urge::approaching_horizon(&cal, now);
    let mut sent = 0;
    for limit in limits(&state.pool, now, horizon).await? {
        let Some(kind) = urge::auto_kind(&cal, now, limit.due_at) else { continue };
        let mut tx = begin_write(state).await?;
        let Some(c) = load_locked(&mut tx, state, limit.contract_id).await? else { continue };
        let mut snap = snapshot(&mut *tx, &c).await?;
        if limit.subject == Subject::Sign && c.status() == ContractStatus::Lapsed {
            snap.status = ContractStatus::Drafted; // the limit that lapsed it: who had not signed
        }
        // the item must still wait on someone with this very time limit
        let waiting: Vec<_> = urge::pending(&snap).into_iter().filter(|p| p.subject == limit.subject && p.due_at == Some(limit.due_at)).collect();
        let Some(item) = waiting.iter().find(|p| p.target == Party::Firm).or(waiting.first()).copied() else { continue };
        let code = limit.subject.as_code();
        let reason = auto_reason(kind, &code, limit.due_at);
        let inserted = sqlx::query(
            "INSERT INTO urges (contract_id, target, subject, reason, by_user, auto_kind, created_at) VALUES ($1, $2, $3, $4, NULL, $5, $6) \
             ON CONFLICT DO NOTHING",
        )
        .bind(c.id)
        .bind(item.target.as_str())
        .bind(&code)
        .bind(&reason)
        .bind(kind.as_str())
        .bind(now)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        tx.commit().await?;
        if inserted == 1 {
            sent += 1;
            super::notify(state, &limit.code, "urge").await;
        }
    }
    Ok(sent)
}

/// The stored reason of an automatic urge (Chinese, like every stored text).
fn auto_reason(kind: AutoKind, subject: &str, due_at: i64) -> String {
    use crate::i18n::{t_in, Locale};
    let key = match kind {
        AutoKind::Approaching => "contract_work.auto_reason_approaching",
        AutoKind::Overdue => "contract_work.auto_reason_overdue",
    };
    t_in(Locale::Zh, key)
        .replace("{subject}", &subject_label(Locale::Zh, subject))
        .replace("{at}", &crate::domain::time::format_shanghai(due_at))
}

/// Whether `reader` may download a file because it is attached to a contract
/// the reader reaches (a message attachment, a delivered result, a payment
/// voucher): the two parties and the supervisors in scope (`super::access`).
pub async fn may_read_attachment(pool: &Pool, file_id: i64, reader: Option<crate::domain::files::Reader>) -> Result<bool, sqlx::Error> {
    let Some(r) = reader else { return Ok(false) };
    let contracts: Vec<ContractRow> = sqlx::query_as(&format!(
        "SELECT {CONTRACT_COLUMNS} FROM contracts c JOIN procurements p ON p.id = c.procurement_id WHERE c.id IN (\
         SELECT contract_id FROM contract_messages WHERE file_id = $1 \
         UNION SELECT d.contract_id FROM delivery_files df JOIN deliveries d ON d.id = df.delivery_id WHERE df.file_id = $1 \
         UNION SELECT contract_id FROM payments WHERE file_id = $1)"
    ))
    .bind(file_id)
    .fetch_all(pool)
    .await?;
    if contracts.is_empty() {
        return Ok(false);
    }
    let scope: Option<(Option<String>, Option<String>)> =
        sqlx::query_as("SELECT region_code, industry_code FROM users WHERE id = $1").bind(r.user_id).fetch_optional(pool).await?;
    let Some((region_code, industry_code)) = scope else { return Ok(false) };
    let user = crate::model::accounts::SessionUser {
        id: r.user_id,
        username: String::new(),
        display_name: String::new(),
        role: r.role,
        firm_id: r.firm_id,
        owner_id: r.owner_id,
        region_code,
        industry_code,
        unified_identity: false,
    };
    Ok(contracts.iter().any(|c| super::access(&user, c).is_some()))
}
