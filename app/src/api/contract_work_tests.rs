//! Service execution at the server-function level, with the injected clock:
//! milestones from the terms, the message thread and its attachments, manual
//! and automatic urges, delivery → rejection → redelivery → acceptance, and who
//! may do what. Contracts come from a real direct selection (published, award
//! confirmed, publicity over: the contract is generated); signing is done in
//! SQL (`add_version` + signatures + `on_signed`), independent of the signing
//! slice's pages.
use super::contract_work::*;
use super::files::testing::{PDF, PNG};
use crate::db::contracts::{self, Access};
use crate::db::testing::{AccountScope, TestApp};
use crate::domain::accounts::Role;
use crate::domain::contract::{InstallmentTerm, MilestoneTerm, Party, PayAfter};
use crate::domain::time::DAY_MS;
use crate::error::AppError;
use crate::model::trading::AnnouncementForm;
use leptos::server_fn::codec::MultipartData;

struct Deal {
    app: TestApp,
    code: String,
    id: i64,
    owner: i64,
    firm: i64,
    region: String,
    industry: String,
    /// (firm id, owner id) of the contract's organisations.
    orgs: (i64, i64),
}

fn now(app: &TestApp) -> i64 {
    crate::state::Clock::now_ms(&*app.clock)
}

async fn advance_to(app: &TestApp, ms: i64) {
    app.clock.set(ms);
    crate::db::trading::advance(&app.state, ms).await.unwrap();
}

/// A drafted contract from a direct selection, as generated when its award became final.
async fn drafted() -> Deal {
    let app = TestApp::new().await;
    let pool = &app.state.pool;
    let (item_id, item_code): (i64, String) = sqlx::query_as(&format!(
        "SELECT s.id, s.code FROM service_items s WHERE {} ORDER BY s.id LIMIT 1",
        crate::db::catalogue::in_force_sql("s", "$1")
    ))
    .bind(crate::domain::time::date_shanghai(now(&app)))
    .fetch_one(pool)
    .await
    .unwrap();
    let (firm_id, credit): (i64, String) =
        sqlx::query_as("SELECT id, credit_code FROM firms WHERE status = 'active' ORDER BY id LIMIT 1").fetch_one(pool).await.unwrap();
    sqlx::query("INSERT INTO firm_items (firm_id, item_id, fee_standard, promised_days) VALUES ($1, $2, '按国家标准', 10) ON CONFLICT DO NOTHING")
        .bind(firm_id)
        .bind(item_id)
        .execute(pool)
        .await
        .unwrap();
    let firm = app.account("work.firm", Role::Firm, AccountScope { firm_id: Some(firm_id), ..Default::default() }).await;
    let (owner_id, region): (i64, String) = sqlx::query_as("SELECT id, region_code FROM owners ORDER BY id LIMIT 1").fetch_one(pool).await.unwrap();
    let owner = app.account("work.owner", Role::Owner, AccountScope { owner_id: Some(owner_id), ..Default::default() }).await;
    app.sign_in_as(owner).await;
    let form = AnnouncementForm {
        title: "某某项目环境影响评价服务".into(),
        project_code: "2611-510100-04-01-000001".into(),
        item_code,
        region_code: region.clone(),
        funding: "fiscal".into(),
        budget: "100000".into(),
        scope: "编制环境影响报告书".into(),
        match_mode: "any".into(),
        service_days: "30".into(),
        deadline: "2026-11-27T17:00".into(),
        method: "direct".into(),
        contact_name: "李工".into(),
        contact_phone: "028-85551234".into(),
        direct_firm: credit,
        direct_reason: "该单位曾承担本项目前期咨询，熟悉情况".into(),
        ..Default::default()
    };
    let pcode = app.run(super::trading::save_announcement(None, form, Some("1".into()))).await.unwrap();
    app.sign_in_as(firm).await;
    app.run(super::trading::respond_award(pcode.clone(), "confirm".into(), None)).await.unwrap();
    let ends: i64 = sqlx::query_scalar("SELECT a.publicity_ends_at FROM awards a JOIN procurements p ON p.id = a.procurement_id WHERE p.code = $1")
        .bind(&pcode)
        .fetch_one(pool)
        .await
        .unwrap();
    advance_to(&app, ends).await;
    let (id, code, industry): (i64, String, String) = sqlx::query_as(
        "SELECT c.id, c.code, p.industry_code FROM contracts c JOIN procurements p ON p.id = c.procurement_id WHERE p.code = $1 AND c.status = 'drafted'",
    )
    .bind(&pcode)
    .fetch_one(pool)
    .await
    .expect("a final award generates the contract");
    Deal { app, code, id, owner, firm, region, industry, orgs: (firm_id, owner_id) }
}

impl Deal {
    /// Agrees terms with two milestones (3 and 8 working days), 20 service days,
    /// 30 % after milestone 1 and 70 % after acceptance, 5 acceptance days.
    async fn agree_terms(&self) {
        let st = &self.app.state;
        let mut tx = crate::db::trading::begin_write(st).await.unwrap();
        let c = contracts::load_locked(&mut tx, st, self.id).await.unwrap().unwrap();
        let mut terms = contracts::terms(&mut tx, self.id, c.version).await.unwrap().unwrap();
        let n = &mut terms.negotiable;
        n.service_days = 20;
        n.milestones = vec![MilestoneTerm { title: "现场踏勘".into(), days: 3 }, MilestoneTerm { title: "报告初稿".into(), days: 8 }];
        n.installments = vec![
            InstallmentTerm { label: "初稿后付款".into(), share_bp: 3000, after: PayAfter::Milestone(1) },
            InstallmentTerm { label: "验收后付清".into(), share_bp: 7000, after: PayAfter::Acceptance },
        ];
        n.acceptance_days = 5;
        assert!(terms.negotiable.problems(terms.price_fen).is_empty(), "{:?}", terms.negotiable.problems(terms.price_fen));
        contracts::add_version(&mut tx, self.id, c.version + 1, "amendment", &terms, "owner", Some(self.owner), "", now(&self.app)).await.unwrap();
        tx.commit().await.unwrap();
    }

    /// Records `party`'s signature on the version in force.
    async fn signature(&self, party: Party) {
        let st = &self.app.state;
        let user = if party == Party::Owner { self.owner } else { self.firm };
        sqlx::query(
            "INSERT INTO contract_signatures (contract_id, version, party, user_id, sha256, signed_at) \
             SELECT id, version, $2, $3, (SELECT sha256 FROM contract_versions v WHERE v.contract_id = c.id AND v.version = c.version), $4 \
             FROM contracts c WHERE id = $1",
        )
        .bind(self.id)
        .bind(party.as_str())
        .bind(user)
        .bind(now(&self.app))
        .execute(&st.pool)
        .await
        .unwrap();
    }

    /// Both parties sign: the contract is in service from now.
    async fn sign(&self) {
        self.signature(Party::Owner).await;
        self.signature(Party::Firm).await;
        let st = &self.app.state;
        let at = now(&self.app);
        let mut tx = crate::db::trading::begin_write(st).await.unwrap();
        sqlx::query("UPDATE contracts SET status = 'signed', signed_at = $2, updated_at = $2 WHERE id = $1 AND status = 'drafted'")
            .bind(self.id)
            .bind(at)
            .execute(&mut *tx)
            .await
            .unwrap();
        contracts::on_signed(&mut tx, self.id, at).await.unwrap();
        tx.commit().await.unwrap();
    }

    async fn as_owner(&self) {
        self.app.sign_in_as(self.owner).await;
    }
    async fn as_firm(&self) {
        self.app.sign_in_as(self.firm).await;
    }
    async fn panel(&self) -> crate::model::contract_work::WorkPanelView {
        self.app.run(get_work_panel(self.code.clone())).await.unwrap()
    }
    async fn status(&self) -> String {
        sqlx::query_scalar("SELECT status FROM contracts WHERE id = $1").bind(self.id).fetch_one(&self.app.state.pool).await.unwrap()
    }
    async fn count(&self, sql: &str) -> i64 {
        sqlx::query_scalar(sql).bind(self.id).fetch_one(&self.app.state.pool).await.unwrap()
    }
    async fn urge(&self, subject: &str, reason: &str) -> Result<(), AppError> {
        self.app.run(urge_party(self.code.clone(), subject.into(), reason.into())).await
    }
    /// Automatic urges of this contract: (subject, target, kind), oldest first.
    async fn auto_urges(&self) -> Vec<(String, String, String)> {
        sqlx::query_as("SELECT subject, target, auto_kind FROM urges WHERE contract_id = $1 AND by_user IS NULL ORDER BY id")
            .bind(self.id)
            .fetch_all(&self.app.state.pool)
            .await
            .unwrap()
    }
    async fn calendar(&self) -> crate::domain::calendar::WorkCalendar {
        crate::db::trading::calendar(&self.app.state.pool).await.unwrap()
    }
}

/// A multipart body with text fields and files (field name, file name, content type, bytes).
fn multipart(fields: &[(&str, &str)], files: &[(&str, &str, &str, &[u8])]) -> MultipartData {
    let boundary = super::files::testing::BOUNDARY;
    let mut body = Vec::new();
    for (k, v) in fields {
        body.extend_from_slice(format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n").as_bytes());
    }
    for (field, name, ct, bytes) in files {
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{field}\"; filename=\"{name}\"\r\nContent-Type: {ct}\r\n\r\n")
                .as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    let chunks: Vec<Result<multer::bytes::Bytes, std::io::Error>> =
        body.chunks(64 * 1024).map(|c| Ok(multer::bytes::Bytes::copy_from_slice(c))).collect();
    MultipartData::Server(multer::Multipart::new(futures::stream::iter(chunks), boundary))
}

fn delivery(code: &str, note: &str, files: &[(&str, &[u8])]) -> MultipartData {
    let files: Vec<(&str, &str, &str, &[u8])> = files
        .iter()
        .map(|(name, bytes)| ("files", *name, if name.ends_with(".png") { "image/png" } else { "application/pdf" }, *bytes))
        .collect();
    multipart(&[("code", code), ("note", note)], &files)
}

fn message(code: &str, body: &str, file: Option<(&str, &[u8])>) -> MultipartData {
    let files: Vec<(&str, &str, &str, &[u8])> =
        file.map(|(name, bytes)| vec![("file", name, if name.ends_with(".png") { "image/png" } else { "application/pdf" }, bytes)]).unwrap_or_default();
    multipart(&[("code", code), ("body", body)], &files)
}

fn invalid(field: &str, key: &str) -> Result<(), AppError> {
    Err(AppError::invalid(field, key))
}

#[tokio::test]
async fn milestones_follow_the_terms_and_are_reported_then_confirmed() {
    let d = drafted().await;
    d.agree_terms().await;
    d.as_firm().await;
    let p = d.panel().await;
    assert_eq!(p.status, "drafted");
    assert!(p.milestones.is_empty(), "no milestones before signing");
    assert_eq!(d.app.run(report_milestone(d.code.clone(), 1)).await, invalid("code", "contract_work.not_in_service"));

    d.sign().await;
    let signed_at = now(&d.app);
    let cal = d.calendar().await;
    let p = d.panel().await;
    assert_eq!(p.viewer, Some(Party::Firm));
    let got: Vec<_> = p.milestones.iter().map(|m| (m.seq, m.title.as_str(), m.due_at, m.status.as_str())).collect();
    assert_eq!(
        got,
        [
            (1, "现场踏勘", Some(cal.add_working_days(signed_at, 3)), "open"),
            (2, "报告初稿", Some(cal.add_working_days(signed_at, 8)), "open"),
        ]
    );
    assert_eq!(p.service_due_at, Some(cal.add_working_days(signed_at, 20)), "service end from the terms' service days");
    assert_eq!(p.acceptance_days, Some(5));

    // the firm reports, only once; the owner cannot report, the firm cannot confirm
    d.app.clock.advance(DAY_MS);
    assert_eq!(d.app.run(report_milestone(d.code.clone(), 3)).await, invalid("seq", "contract_work.milestone_unknown"));
    assert_eq!(d.app.run(confirm_milestone(d.code.clone(), 1)).await, Err(AppError::Forbidden));
    d.app.run(report_milestone(d.code.clone(), 1)).await.unwrap();
    assert_eq!(d.app.run(report_milestone(d.code.clone(), 1)).await, invalid("seq", "contract_work.milestone_not_open"));
    d.as_owner().await;
    assert_eq!(d.app.run(report_milestone(d.code.clone(), 2)).await, Err(AppError::Forbidden));
    assert_eq!(d.app.run(confirm_milestone(d.code.clone(), 2)).await, invalid("seq", "contract_work.milestone_not_reported"));
    let p = d.panel().await;
    assert_eq!(p.milestones[0].status.as_str(), "reported");
    assert!(p.pending.iter().any(|i| i.subject == "milestone:1" && i.target == Party::Owner), "confirming waits on the owner");
    d.app.clock.advance(DAY_MS);
    d.app.run(confirm_milestone(d.code.clone(), 1)).await.unwrap();
    assert_eq!(d.app.run(confirm_milestone(d.code.clone(), 1)).await, invalid("seq", "contract_work.milestone_not_reported"));
    let p = d.panel().await;
    assert_eq!((p.milestones[0].status.as_str(), p.milestones[0].done_at), ("done", Some(now(&d.app))));
    assert!(p.milestones[0].reported_at.is_some());

    // re-syncing (an accepted amendment) keeps what happened and is idempotent
    let st = &d.app.state;
    for _ in 0..2 {
        let mut tx = crate::db::trading::begin_write(st).await.unwrap();
        contracts::work::sync_milestones(&mut tx, d.id, now(&d.app)).await.unwrap();
        tx.commit().await.unwrap();
    }
    let again = d.panel().await;
    assert_eq!(again.milestones, p.milestones);
    assert_eq!(d.count("SELECT COUNT(*) FROM contract_events WHERE contract_id = $1 AND kind IN ('milestone_reported', 'milestone_done')").await, 2);
}

#[tokio::test]
async fn messages_carry_attachments_only_parties_and_supervisors_read() {
    let d = drafted().await;
    d.agree_terms().await;
    d.sign().await;
    d.as_owner().await;
    let empty = d.app.run(post_contract_message(message(&d.code, "   ", None))).await;
    assert_eq!(empty, Err(AppError::invalid("body", "contract_work.message_invalid")));
    let long = "字".repeat(2001);
    assert_eq!(d.app.run(post_contract_message(message(&d.code, &long, None))).await, Err(AppError::invalid("body", "contract_work.message_invalid")));
    let bad = d.app.run(post_contract_message(message(&d.code, "见附件", Some(("图.png", PDF))))).await;
    assert_eq!(bad, Err(AppError::invalid("file", "files.type_mismatch")));
    assert_eq!(d.count("SELECT COUNT(*) FROM contract_messages WHERE contract_id = $1").await, 0, "nothing stored when refused");
    d.app.run(post_contract_message(message(&d.code, "请于下周一前提交踏勘计划，现场照片见附件。", Some(("现场.png", PNG))))).await.unwrap();
    d.app.clock.advance(60_000);
    d.as_firm().await;
    d.app.run(post_contract_message(message(&d.code, "收到，按时提交。", None))).await.unwrap();
    let page = d.app.run(list_contract_messages(d.code.clone(), None)).await.unwrap();
    let got: Vec<_> = page.items.iter().map(|m| (m.party, m.body.as_str(), m.file.is_some())).collect();
    assert_eq!(got, [(Party::Firm, "收到，按时提交。", false), (Party::Owner, "请于下周一前提交踏勘计划，现场照片见附件。", true)], "newest first");
    let file = page.items[1].file.clone().unwrap();
    assert_eq!(file.sha256, crate::db::files::sha256_hex(PNG));
    assert_eq!(file.original_name, "现场.png");

    // pages of 20, newest first
    for i in 0..20 {
        d.app.clock.advance(1_000);
        d.app.run(post_contract_message(message(&d.code, &format!("进度 {i}"), None))).await.unwrap();
    }
    let first = d.app.run(list_contract_messages(d.code.clone(), Some(1))).await.unwrap();
    assert_eq!((first.total, first.items.len(), first.items[0].body.as_str()), (22, 20, "进度 19"));
    let second = d.app.run(list_contract_messages(d.code.clone(), Some(2))).await.unwrap();
    assert_eq!(second.items.iter().map(|m| m.body.as_str()).collect::<Vec<_>>(), ["收到，按时提交。", "请于下周一前提交踏勘计划，现场照片见附件。"]);
    assert_eq!(d.app.run(list_contract_messages(d.code.clone(), Some(0))).await.map(drop), Err(AppError::invalid("page", "catalogue.bad_page")));

    // the owner's attachment: both parties and supervisors in scope read it; other firms and owners do not
    let pool = &d.app.state.pool;
    let other_firm: i64 = sqlx::query_scalar("SELECT id FROM firms WHERE id <> $1 ORDER BY id LIMIT 1").bind(d.orgs.0).fetch_one(pool).await.unwrap();
    let other_owner: i64 = sqlx::query_scalar("SELECT id FROM owners WHERE id <> $1 ORDER BY id LIMIT 1").bind(d.orgs.1).fetch_one(pool).await.unwrap();
    let province = format!("{}0000", &d.region[..2]);
    let readers = [
        (d.owner, true),
        (d.firm, true),
        (d.app.account("work.reg", Role::Regulator, AccountScope { region_code: Some(&d.region), industry_code: Some(&d.industry), ..Default::default() }).await, true),
        (d.app.account("work.leader", Role::Leader, AccountScope { region_code: Some(&province), ..Default::default() }).await, true),
        (d.app.account("work.ops", Role::Operator, AccountScope::default()).await, true),
        (d.app.account("work.other.firm", Role::Firm, AccountScope { firm_id: Some(other_firm), ..Default::default() }).await, false),
        (d.app.account("work.other.owner", Role::Owner, AccountScope { owner_id: Some(other_owner), ..Default::default() }).await, false),
    ];
    let none = axum::http::HeaderMap::new();
    for (user, ok) in readers {
        let session = d.app.sign_in_as(user).await;
        let res = super::files::download::serve(&d.app.state, Some(&session), &file.id.to_string(), &none).await;
        assert_eq!(res.status() == axum::http::StatusCode::OK, ok, "user {user}");
        // the thread itself: the same people
        let listed = d.app.run(list_contract_messages(d.code.clone(), None)).await;
        assert_eq!(listed.is_ok(), ok, "user {user}: {listed:?}");
        if !ok {
            assert_eq!(listed.map(drop), Err(AppError::NotFound));
        }
    }
    assert_eq!(super::files::download::serve(&d.app.state, None, &file.id.to_string(), &none).await.status(), axum::http::StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn manual_urges_only_on_items_pending_for_the_other_party_once_per_working_day() {
    let d = drafted().await;
    d.agree_terms().await;
    // before signing: either party urges the other to sign, until it has signed
    d.as_firm().await;
    d.urge("sign", "请尽快签订合同").await.unwrap();
    d.signature(Party::Owner).await;
    assert_eq!(d.urge("sign", "请尽快签订合同").await, invalid("subject", "contract_work.urge_not_pending"), "the owner already signed");
    d.as_owner().await;
    d.urge("sign", "请尽快签字").await.unwrap();
    sqlx::query("DELETE FROM contract_signatures WHERE contract_id = $1").bind(d.id).execute(&d.app.state.pool).await.unwrap();

    d.sign().await;
    // the firm cannot urge acceptance: nothing is delivered
    d.as_firm().await;
    assert_eq!(d.urge("acceptance", "请验收").await, invalid("subject", "contract_work.urge_not_pending"));
    assert_eq!(d.urge("milestone:1", "请确认节点").await, invalid("subject", "contract_work.urge_not_pending"), "its own open milestone");
    assert_eq!(d.urge("nonsense", "请处理").await, invalid("subject", "contract_work.urge_not_pending"));
    let p = d.panel().await;
    assert_eq!(p.urge_choices.iter().map(|c| c.subject.as_str()).collect::<Vec<_>>(), ["other"], "only 'other' is pending for the owner");

    // the owner urges the firm on the delivery: a reason is required; once per working day
    d.as_owner().await;
    let p = d.panel().await;
    assert_eq!(p.urge_choices.iter().map(|c| c.subject.as_str()).collect::<Vec<_>>(), ["milestone:1", "milestone:2", "delivery", "other"]);
    assert_eq!(d.urge("delivery", " ").await, invalid("reason", "contract_work.urge_reason_invalid"));
    d.urge("delivery", "请按计划推进，尽快提交成果").await.unwrap();
    assert_eq!(d.urge("delivery", "再次催办").await, invalid("subject", "contract_work.urge_too_soon"));
    d.urge("milestone:1", "请尽快完成现场踏勘").await.unwrap(); // another subject is fine
    // from the start of the next working day
    let cal = d.calendar().await;
    let next = crate::domain::urge::next_manual_urge_at(&cal, now(&d.app));
    d.app.clock.set(next - 1);
    assert_eq!(d.urge("delivery", "再次催办").await, invalid("subject", "contract_work.urge_too_soon"));
    d.app.clock.set(next);
    d.urge("delivery", "再次催办").await.unwrap();

    // the firm reports milestone 1: now it may urge the owner to confirm it
    d.as_firm().await;
    d.app.run(report_milestone(d.code.clone(), 1)).await.unwrap();
    d.urge("milestone:1", "节点已完成，请确认").await.unwrap();
    // a message from the firm: the owner is expected to reply
    d.app.run(post_contract_message(message(&d.code, "踏勘报告已上传，请审阅。", None))).await.unwrap();
    d.urge("reply", "请回复").await.unwrap();

    let p = d.panel().await;
    assert_eq!((p.urge_counts.owner, p.urge_counts.firm, p.urge_counts.automatic), (3, 4, 0));
    assert_eq!(p.urges[0].subject, "reply");
    assert_eq!(p.urges[0].target, Party::Owner);
    assert_eq!(p.urges[0].by_name.as_deref(), Some("work.firm"));
    assert_eq!(contracts::work::urge_counts(&d.app.state.pool, d.id).await.unwrap(), p.urge_counts);

    // a supervisor sees the counts, may not urge
    let reg = d.app.account("work.reg", Role::Regulator, AccountScope { region_code: Some(&d.region), industry_code: Some(&d.industry), ..Default::default() }).await;
    d.app.sign_in_as(reg).await;
    let p = d.panel().await;
    assert_eq!((p.viewer, p.urge_counts.total(), p.urges.len()), (None, 7, 7));
    assert!(p.urge_choices.is_empty() && !p.may_deliver && !p.may_decide && !p.may_post);
    assert_eq!(d.urge("delivery", "监管催办").await, Err(AppError::Forbidden));
}

#[tokio::test]
async fn automatic_urges_fire_once_as_limits_approach_and_pass() {
    let d = drafted().await;
    d.agree_terms().await;
    let cal = d.calendar().await;
    // signing: the owner signed, the firm did not
    d.signature(Party::Owner).await;
    let sign_due: i64 = d.count("SELECT sign_due_at FROM contracts WHERE id = $1").await;
    advance_to(&d.app, now(&d.app)).await;
    assert!(d.auto_urges().await.is_empty(), "more than one working day left");
    // one working day or less before: approaching, once
    let kind = crate::domain::urge::auto_kind(&cal, sign_due - 1, sign_due);
    assert_eq!(kind, Some(crate::domain::urge::AutoKind::Approaching));
    advance_to(&d.app, sign_due - 1).await;
    advance_to(&d.app, sign_due - 1).await;
    assert_eq!(d.auto_urges().await, [("sign".to_string(), "firm".to_string(), "approaching".to_string())]);
    // passed: the contract lapses, and the overdue urge records who had not signed
    advance_to(&d.app, sign_due).await;
    advance_to(&d.app, sign_due + 1000).await;
    let urges = d.auto_urges().await;
    assert_eq!(urges.len(), 2);
    assert_eq!(urges[1], ("sign".to_string(), "firm".to_string(), "overdue".to_string()));
    let reason: String = sqlx::query_scalar("SELECT reason FROM urges WHERE contract_id = $1 AND auto_kind = 'overdue'").bind(d.id).fetch_one(&d.app.state.pool).await.unwrap();
    assert!(reason.contains("签订合同") && reason.contains(&crate::domain::time::format_shanghai(sign_due)), "{reason}");
}

#[tokio::test]
async fn automatic_urges_follow_milestones_service_end_and_acceptance() {
    let d = drafted().await;
    d.agree_terms().await;
    d.sign().await;
    let p = {
        d.as_owner().await;
        d.panel().await
    };
    let m1 = p.milestones[0].due_at.unwrap();
    let service_due = p.service_due_at.unwrap();
    let kinds = |v: Vec<(String, String, String)>| v.into_iter().map(|(s, t, k)| format!("{s}>{t}:{k}")).collect::<Vec<_>>();
    // nothing yet: three working days left
    advance_to(&d.app, now(&d.app)).await;
    assert!(d.auto_urges().await.is_empty());
    // milestone 1 approaching, then overdue, each once
    advance_to(&d.app, m1 - 1).await;
    advance_to(&d.app, m1 - 1).await;
    assert_eq!(kinds(d.auto_urges().await), ["milestone:1>firm:approaching"]);
    advance_to(&d.app, m1).await;
    advance_to(&d.app, m1 + 60_000).await;
    assert_eq!(kinds(d.auto_urges().await), ["milestone:1>firm:approaching", "milestone:1>firm:overdue"]);
    // reported: milestone 1 waits on the owner, no time limit, no further urges
    d.as_firm().await;
    d.app.run(report_milestone(d.code.clone(), 1)).await.unwrap();
    d.app.run(report_milestone(d.code.clone(), 2)).await.unwrap();
    // the service end passes undelivered: the delivery urge, once (jumping past it: no 'approaching' after the fact)
    advance_to(&d.app, service_due + 1).await;
    advance_to(&d.app, service_due + 2).await;
    assert_eq!(kinds(d.auto_urges().await)[2..], ["delivery>firm:overdue"]);
    // delivered: the acceptance time limit runs for the owner
    d.app.run(deliver_results(delivery(&d.code, "成果报告", &[("报告.pdf", PDF)]))).await.unwrap();
    let accept_due = d.panel().await.accept_due_at.unwrap();
    advance_to(&d.app, accept_due - 1).await;
    advance_to(&d.app, accept_due).await;
    advance_to(&d.app, accept_due + 1).await;
    assert_eq!(kinds(d.auto_urges().await)[3..], ["acceptance>owner:approaching", "acceptance>owner:overdue"]);
    // returned and delivered again: round 2 has its own acceptance limit and urges
    d.as_owner().await;
    d.app.run(decide_delivery(d.code.clone(), 1, "reject".into(), Some("报告缺少监测数据附表".into()))).await.unwrap();
    d.as_firm().await;
    d.app.run(deliver_results(delivery(&d.code, "补充附表", &[("报告v2.pdf", b"%PDF-1.7\n% v2\n%%EOF\n")]))).await.unwrap();
    let accept_due2 = d.panel().await.accept_due_at.unwrap();
    advance_to(&d.app, accept_due2 + 1).await;
    assert_eq!(kinds(d.auto_urges().await)[5..], ["acceptance:2>owner:overdue"]);
    let p = d.panel().await;
    assert_eq!((p.urge_counts.automatic, p.urge_counts.overdue, p.urge_counts.owner, p.urge_counts.firm), (6, 4, 3, 3));
    assert_eq!(p.urges[0].auto_kind.as_deref(), Some("overdue"));
    assert!(p.urges[0].by_name.is_none());
}

#[tokio::test]
async fn delivery_is_returned_with_reasons_then_redelivered_and_accepted() {
    let d = drafted().await;
    d.agree_terms().await;
    d.as_firm().await;
    let refused = d.app.run(deliver_results(delivery(&d.code, "", &[("报告.pdf", PDF)]))).await;
    assert_eq!(refused, Err(AppError::invalid("files", "contract_work.deliver_not_open")), "not signed yet");
    d.sign().await;
    let stored = || async { sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM files").fetch_one(&d.app.state.pool).await.unwrap() };
    let files_before = stored().await;
    assert_eq!(d.app.run(deliver_results(delivery(&d.code, "", &[]))).await, Err(AppError::invalid("files", "contract_work.files_count")));
    let six: Vec<(String, Vec<u8>)> = (0..6).map(|i| (format!("附件{i}.pdf"), format!("%PDF-1.7\n% {i}\n%%EOF\n").into_bytes())).collect();
    let six_refs: Vec<(&str, &[u8])> = six.iter().map(|(n, b)| (n.as_str(), b.as_slice())).collect();
    assert_eq!(d.app.run(deliver_results(delivery(&d.code, "", &six_refs))).await, Err(AppError::invalid("files", "contract_work.files_count")));
    let disguised = d.app.run(deliver_results(delivery(&d.code, "", &[("报告.pdf", PDF), ("脚本.pdf", b"<html><script>")]))).await;
    assert_eq!(disguised, Err(AppError::invalid("files", "files.bad_type")));
    assert_eq!(stored().await, files_before, "a refused delivery stores no file");
    let long_note = "注".repeat(1001);
    assert_eq!(d.app.run(deliver_results(delivery(&d.code, &long_note, &[("报告.pdf", PDF)]))).await, Err(AppError::invalid("note", "contract_work.note_invalid")));
    d.as_owner().await;
    assert_eq!(d.app.run(deliver_results(delivery(&d.code, "", &[("报告.pdf", PDF)]))).await, Err(AppError::Forbidden), "only the firm delivers");

    // round 1: two files, hashed
    d.as_firm().await;
    let delivered_at = now(&d.app);
    let round = d.app.run(deliver_results(delivery(&d.code, "环评报告书及附图", &[("报告书.pdf", PDF), ("附图.png", PNG)]))).await.unwrap();
    assert_eq!(round, 1);
    assert_eq!(d.status().await, "delivered");
    let again = d.app.run(deliver_results(delivery(&d.code, "", &[("报告.pdf", PDF)]))).await;
    assert_eq!(again, Err(AppError::invalid("files", "contract_work.deliver_not_open")), "one round awaits acceptance at a time");
    let cal = d.calendar().await;
    let p = d.panel().await;
    assert_eq!(p.accept_due_at, Some(cal.add_working_days(delivered_at, 5)));
    assert!(!p.may_deliver && !p.may_decide);
    let hashes: Vec<_> = p.deliveries[0].files.iter().map(|f| (f.original_name.as_str(), f.sha256.clone())).collect();
    assert_eq!(hashes, [("报告书.pdf", crate::db::files::sha256_hex(PDF)), ("附图.png", crate::db::files::sha256_hex(PNG))]);
    assert_eq!(d.app.run(decide_delivery(d.code.clone(), 1, "accept".into(), None)).await, Err(AppError::Forbidden), "the firm cannot accept");

    // the owner returns it: a reason is required
    d.as_owner().await;
    let p = d.panel().await;
    assert!(p.may_decide);
    assert!(p.pending.iter().any(|i| i.subject == "acceptance" && i.target == Party::Owner));
    assert_eq!(d.app.run(decide_delivery(d.code.clone(), 1, "reject".into(), Some("不行".into()))).await, invalid("reason", "contract_work.reject_reason_invalid"));
    assert_eq!(d.app.run(decide_delivery(d.code.clone(), 1, "maybe".into(), None)).await, invalid("decision", "contract_work.decision_invalid"));
    d.app.clock.advance(DAY_MS);
    d.app.run(decide_delivery(d.code.clone(), 1, "reject".into(), Some("报告缺少监测数据附表，请补充".into()))).await.unwrap();
    assert_eq!(d.status().await, "signed");
    let p = d.panel().await;
    assert_eq!((p.accept_due_at, p.deliveries[0].status.as_str()), (None, "rejected"));
    assert_eq!(p.deliveries[0].reason.as_deref(), Some("报告缺少监测数据附表，请补充"));
    assert_eq!(d.app.run(decide_delivery(d.code.clone(), 1, "accept".into(), None)).await, invalid("decision", "contract_work.nothing_to_decide"));

    // round 2, then round 1's page is stale
    d.as_firm().await;
    assert!(d.panel().await.may_deliver);
    d.app.clock.advance(DAY_MS);
    let round = d.app.run(deliver_results(delivery(&d.code, "已补充附表", &[("报告书v2.pdf", b"%PDF-1.7\n% v2\n%%EOF\n")]))).await.unwrap();
    assert_eq!(round, 2);
    d.as_owner().await;
    assert_eq!(d.app.run(decide_delivery(d.code.clone(), 1, "accept".into(), None)).await, invalid("decision", "contract_work.round_stale"));
    d.app.run(decide_delivery(d.code.clone(), 2, "accept".into(), None)).await.unwrap();
    let unpaid = d.count("SELECT COUNT(*) FROM contract_installments WHERE contract_id = $1 AND status <> 'paid'").await;
    let status = d.status().await;
    assert_eq!(status, if unpaid > 0 { "accepted" } else { "completed" }, "accepted; completed once nothing is left to pay");
    let p = d.panel().await;
    assert_eq!(p.deliveries.iter().map(|x| (x.round, x.status.as_str())).collect::<Vec<_>>(), [(2, "accepted"), (1, "rejected")]);
    assert_eq!(p.accepted_at, Some(now(&d.app)));
    assert_eq!(d.app.run(decide_delivery(d.code.clone(), 2, "reject".into(), Some("重复处理测试".into()))).await, invalid("decision", "contract_work.nothing_to_decide"));
    d.as_firm().await;
    assert_eq!(d.app.run(deliver_results(delivery(&d.code, "", &[("报告.pdf", PDF)]))).await.map(drop), invalid("files", "contract_work.deliver_not_open"));
    let kinds: Vec<(String,)> = sqlx::query_as(
        "SELECT kind FROM contract_events WHERE contract_id = $1 AND kind IN ('delivered', 'delivery_rejected', 'delivery_accepted') ORDER BY id",
    )
    .bind(d.id)
    .fetch_all(&d.app.state.pool)
    .await
    .unwrap();
    assert_eq!(kinds.into_iter().map(|k| k.0).collect::<Vec<_>>(), ["delivered", "delivery_rejected", "delivered", "delivery_accepted"]);
    // the firm's results: the owner may download them
    let file = p.deliveries[1].files[0].id;
    let session = d.app.sign_in_as(d.owner).await;
    let res = super::files::download::serve(&d.app.state, Some(&session), &file.to_string(), &axum::http::HeaderMap::new()).await;
    assert_eq!(res.status(), axum::http::StatusCode::OK);
}

#[tokio::test]
async fn only_the_parties_act_and_supervisors_in_scope_read() {
    let d = drafted().await;
    d.agree_terms().await;
    d.sign().await;
    let pool = &d.app.state.pool;
    let other_firm: i64 = sqlx::query_scalar("SELECT id FROM firms WHERE id <> $1 ORDER BY id LIMIT 1").bind(d.orgs.0).fetch_one(pool).await.unwrap();
    let other_owner: i64 = sqlx::query_scalar("SELECT id FROM owners WHERE id <> $1 ORDER BY id LIMIT 1").bind(d.orgs.1).fetch_one(pool).await.unwrap();
    let other_industry: String = sqlx::query_scalar("SELECT code FROM industries WHERE code <> $1 ORDER BY code LIMIT 1").bind(&d.industry).fetch_one(pool).await.unwrap();
    let region = d.region.clone();
    let cases: Vec<(i64, Option<Access>)> = vec![
        (d.owner, Some(Access::Party(Party::Owner))),
        (d.firm, Some(Access::Party(Party::Firm))),
        (d.app.account("w.reg", Role::Regulator, AccountScope { region_code: Some(&region), industry_code: Some(&d.industry), ..Default::default() }).await, Some(Access::Supervisor)),
        (d.app.account("w.reg2", Role::Regulator, AccountScope { region_code: Some(&region), industry_code: Some(&other_industry), ..Default::default() }).await, None),
        (d.app.account("w.admin", Role::Admin, AccountScope::default()).await, Some(Access::Supervisor)),
        (d.app.account("w.firm2", Role::Firm, AccountScope { firm_id: Some(other_firm), ..Default::default() }).await, None),
        (d.app.account("w.owner2", Role::Owner, AccountScope { owner_id: Some(other_owner), ..Default::default() }).await, None),
    ];
    for (user, access) in cases {
        d.app.sign_in_as(user).await;
        let panel = d.app.run(get_work_panel(d.code.clone())).await;
        let urged = d.urge("other", "请尽快处理相关事项").await;
        let posted = d.app.run(post_contract_message(message(&d.code, "你好", None))).await.map(drop);
        match access {
            None => {
                assert_eq!(panel.map(drop), Err(AppError::NotFound), "user {user}");
                if matches!(urged, Err(AppError::Forbidden)) {
                    // a supervisor role out of scope is refused by the matrix first
                    assert_eq!(posted, Err(AppError::Forbidden));
                } else {
                    assert_eq!((urged, posted), (Err(AppError::NotFound), Err(AppError::NotFound)), "user {user}");
                }
            }
            Some(Access::Supervisor) => {
                let p = panel.unwrap();
                assert_eq!(p.viewer, None);
                assert_eq!((urged, posted), (Err(AppError::Forbidden), Err(AppError::Forbidden)));
            }
            Some(Access::Party(party)) => {
                assert_eq!(panel.unwrap().viewer, Some(party));
                urged.unwrap();
                posted.unwrap();
            }
        }
    }
    assert_eq!(d.app.run(get_work_panel("NO-SUCH".into())).await.map(drop), Err(AppError::NotFound));
    // the parties' actions are their own: the owner cannot deliver or report, the firm cannot decide or confirm
    d.as_owner().await;
    assert_eq!(d.app.run(report_milestone(d.code.clone(), 1)).await, Err(AppError::Forbidden));
    d.as_firm().await;
    assert_eq!(d.app.run(confirm_milestone(d.code.clone(), 1)).await, Err(AppError::Forbidden));
    assert_eq!(d.app.run(decide_delivery(d.code.clone(), 1, "accept".into(), None)).await, Err(AppError::Forbidden));
}

#[tokio::test]
async fn installments_due_are_urged_on_the_owner_and_receipts_on_the_firm() {
    let d = drafted().await;
    d.agree_terms().await;
    d.sign().await;
    d.as_firm().await;
    d.app.run(report_milestone(d.code.clone(), 1)).await.unwrap();
    d.as_owner().await;
    d.app.run(confirm_milestone(d.code.clone(), 1)).await.unwrap();
    // 30 % fall due after milestone 1 (the payment slice sets the due date)
    let due: Option<i64> = sqlx::query_scalar("SELECT due_at FROM contract_installments WHERE contract_id = $1 AND seq = 1 AND status = 'due'")
        .bind(d.id)
        .fetch_optional(&d.app.state.pool)
        .await
        .unwrap()
        .flatten();
    let due = due.expect("installment 1 falls due once milestone 1 is confirmed");
    d.as_firm().await;
    let choices: Vec<String> = d.panel().await.urge_choices.into_iter().map(|c| c.subject).collect();
    assert!(choices.contains(&"payment:1".to_string()), "{choices:?}");
    d.urge("payment:1", "第一期款项已到期，请安排支付").await.unwrap();
    advance_to(&d.app, due - 1).await;
    advance_to(&d.app, due).await;
    let payment: Vec<_> = d.auto_urges().await.into_iter().filter(|u| u.0 == "payment:1").collect();
    assert_eq!(payment, [("payment:1".to_string(), "owner".to_string(), "approaching".to_string()), ("payment:1".to_string(), "owner".to_string(), "overdue".to_string())]);
    // the owner records an offline payment: now the firm's receipt is awaited
    sqlx::query(
        "INSERT INTO payments (contract_id, seq, channel, order_no, amount_fen, status, created_at, updated_at) \
         SELECT contract_id, seq, 'offline', 'OFF-TEST-1', amount_fen, 'pending', $2, $2 FROM contract_installments WHERE contract_id = $1 AND seq = 1",
    )
    .bind(d.id)
    .bind(now(&d.app))
    .execute(&d.app.state.pool)
    .await
    .unwrap();
    d.app.clock.advance(DAY_MS);
    assert_eq!(d.urge("payment:1", "请付款").await, invalid("subject", "contract_work.urge_not_pending"), "the owner has paid");
    d.as_owner().await;
    let choices: Vec<String> = d.panel().await.urge_choices.into_iter().map(|c| c.subject).collect();
    assert!(choices.contains(&"payment:1".to_string()), "the owner urges the firm to confirm receipt: {choices:?}");
}
