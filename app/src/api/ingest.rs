//! Approval cases from other platforms (数据上传接口): operators manage the
//! platforms and their API keys; supervisors read the cases the platforms
//! reported. The upload itself is a plain HTTP route (server/src/ingest.rs).
//!
//! Scope of the case list: operators and administrators see every case; a
//! leader the cases within its region; a regulator the cases within its region
//! whose service item belongs to its industry, or that name no item (the
//! department's approval is then everyone's business in that region).
use crate::domain::paging::Page;
use crate::error::AppError;
use crate::model::Named;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// Cases per page.
pub const PER_PAGE: u32 = 20;
/// A platform's name is this many characters (trimmed).
pub const NAME_LEN: (usize, usize) = (2, 60);

/// An API key as listed: its first characters, never the secret.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ApiKeyView {
    pub id: i64,
    pub prefix: String,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
    pub revoked_at: Option<i64>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PlatformView {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub region_name: Option<String>,
    pub created_at: i64,
    pub disabled: bool,
    pub cases: i64,
    pub keys: Vec<ApiKeyView>,
}

/// The platforms page: every platform and the regions a new one may be limited to.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PlatformsView {
    pub platforms: Vec<PlatformView>,
    pub regions: Vec<Named>,
}

/// A key just issued: the secret is shown this once.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct IssuedKey {
    pub id: i64,
    pub platform_name: String,
    pub secret: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CaseEvent {
    pub stage: String,
    pub at: i64,
    pub event_id: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ApprovalCase {
    pub id: i64,
    pub platform_name: String,
    pub case_no: String,
    pub title: String,
    pub applicant: String,
    pub region_name: String,
    pub department_name: String,
    pub item: Option<Named>,
    /// `received`, `accepted`, `reviewing`, `concluded`
    pub stage: String,
    pub stage_started_at: i64,
    pub received_at: i64,
    pub concluded_at: Option<i64>,
    pub events: Vec<CaseEvent>,
    /// Linked procurements (code, title).
    pub procurements: Vec<Named>,
}

/// The case list with the choices of its filters.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CasesView {
    pub page: Page<ApprovalCase>,
    /// code: the platform id
    pub platforms: Vec<Named>,
    pub departments: Vec<Named>,
}

/// Every platform with its keys (operators, administrators).
#[server(prefix = "/api", endpoint = "ingest/platforms")]
pub async fn list_platforms() -> Result<PlatformsView, AppError> {
    use super::ctx::{authorize_user, check, state};
    authorize_user("ingest/platforms").await?;
    let st = state()?;
    let rows = check(crate::db::ingest::platforms(&st.pool).await)?;
    let regions: Vec<Named> = check(sqlx::query_as("SELECT code, name FROM regions ORDER BY code").fetch_all(&st.pool).await)?;
    let counts: Vec<(i64, i64)> =
        check(sqlx::query_as("SELECT platform_id, CAST(COUNT(*) AS BIGINT) FROM approval_cases GROUP BY platform_id").fetch_all(&st.pool).await)?;
    let region_name =
        |code: &Option<String>| code.as_ref().map(|c| regions.iter().find(|r| &r.code == c).map(|r| r.name.clone()).unwrap_or(c.clone()));
    let platforms = rows
        .into_iter()
        .map(|(p, keys)| PlatformView {
            id: p.id,
            region_name: region_name(&p.region_code),
            code: p.code,
            name: p.name,
            created_at: p.created_at,
            disabled: p.disabled_at.is_some(),
            cases: counts.iter().find(|c| c.0 == p.id).map(|c| c.1).unwrap_or(0),
            keys: keys
                .into_iter()
                .map(|k| ApiKeyView {
                    id: k.id,
                    prefix: k.key_prefix,
                    created_at: k.created_at,
                    last_used_at: k.last_used_at,
                    revoked_at: k.revoked_at,
                })
                .collect(),
        })
        .collect();
    Ok(PlatformsView { platforms, regions })
}

/// Registers a platform: code (2–32 lowercase letters, digits, `-`), name, and
/// optionally the region it may report cases for.
#[server(prefix = "/api", endpoint = "ingest/create_platform")]
pub async fn create_platform(code: String, name: String, region_code: Option<String>) -> Result<i64, AppError> {
    use super::ctx::{authorize_user, check, fail, state};
    authorize_user("ingest/create_platform").await?;
    let st = state()?;
    let code = code.trim().to_string();
    if !crate::domain::ingest::valid_platform_code(&code) {
        return Err(fail(AppError::invalid("code", "ingest.error_code")));
    }
    let name = name.trim();
    if !(NAME_LEN.0..=NAME_LEN.1).contains(&name.chars().count()) {
        return Err(fail(AppError::invalid("name", "ingest.error_name")));
    }
    let region = region_code.as_deref().map(str::trim).filter(|r| !r.is_empty());
    if let Some(r) = region {
        if !check(crate::db::ingest::region_exists(&st.pool, r).await)? {
            return Err(fail(AppError::invalid("region_code", "ingest.error_region")));
        }
    }
    check(crate::db::ingest::create_platform(&st.pool, st.backend, &code, name, region, st.now_ms()).await)?
        .ok_or_else(|| fail(AppError::invalid("code", "ingest.error_code_taken")))
}

/// Issues a new API key for a platform; the secret is in the answer only.
#[server(prefix = "/api", endpoint = "ingest/issue_key")]
pub async fn issue_api_key(platform_id: i64) -> Result<IssuedKey, AppError> {
    use super::ctx::{authorize_user, check, fail, state};
    let user = authorize_user("ingest/issue_key").await?;
    let st = state()?;
    let platform = check(crate::db::ingest::platform_by_id(&st.pool, platform_id).await)?
        .ok_or_else(|| fail(AppError::invalid("platform_id", "ingest.error_platform")))?;
    if platform.disabled_at.is_some() {
        return Err(fail(AppError::invalid("platform_id", "ingest.error_platform")));
    }
    let (id, secret) = check(crate::db::ingest::issue_key(&st.pool, platform.id, Some(user.id), st.now_ms()).await)?;
    Ok(IssuedKey { id, platform_name: platform.name, secret })
}

/// Revokes an API key at once (uploads with it get 401).
#[server(prefix = "/api", endpoint = "ingest/revoke_key")]
pub async fn revoke_api_key(key_id: i64) -> Result<(), AppError> {
    use super::ctx::{authorize_user, check, fail, state};
    authorize_user("ingest/revoke_key").await?;
    let st = state()?;
    if !check(crate::db::ingest::revoke_key(&st.pool, key_id, st.now_ms()).await)? {
        return Err(fail(AppError::invalid("key_id", "ingest.error_key")));
    }
    Ok(())
}

/// Reported approval cases in the caller's scope with their stage history and
/// linked procurements. Filters: `stage` (or `''`), `platform` (an id or `''`),
/// `department` (a code or `''`); `page` 1-based.
#[server(prefix = "/api", endpoint = "ingest/cases")]
pub async fn list_approval_cases(stage: String, platform: String, department: String, page: i64) -> Result<CasesView, AppError> {
    use super::ctx::{authorize_user, check, fail, state};
    use crate::domain::accounts::Role;
    use crate::domain::ingest::Stage;
    let user = authorize_user("ingest/cases").await?;
    let st = state()?;
    let stage = match stage.trim() {
        "" => String::new(),
        s if Stage::parse(s).is_some() => s.to_string(),
        _ => return Err(fail(AppError::invalid("stage", "ingest.error_stage"))),
    };
    let platform_id = match platform.trim() {
        "" => 0,
        p => p.parse::<i64>().ok().filter(|id| *id > 0).ok_or_else(|| fail(AppError::invalid("platform", "ingest.error_platform")))?,
    };
    let department = department.trim().to_string();
    let departments: Vec<Named> = check(sqlx::query_as("SELECT code, name FROM departments ORDER BY code").fetch_all(&st.pool).await)?;
    if !department.is_empty() && !departments.iter().any(|d| d.code == department) {
        return Err(fail(AppError::invalid("department", "ingest.error_department")));
    }
    if !(1..=i64::from(u32::MAX)).contains(&page) {
        return Err(fail(AppError::invalid("page", "ingest.error_page")));
    }
    let mut filter = crate::db::ingest::CaseFilter { stage, platform_id, department_code: department, ..Default::default() };
    match user.role {
        Role::Regulator | Role::Leader => {
            let region = user.region_code.as_deref().and_then(crate::domain::region::like_prefix).ok_or_else(|| fail(AppError::Forbidden))?;
            filter.region = Some(region);
            if user.role == Role::Regulator {
                filter.industry = Some(user.industry_code.clone().ok_or_else(|| fail(AppError::Forbidden))?);
            }
        }
        _ => {}
    }
    let (rows, total) = check(crate::db::ingest::list_cases(&st.pool, &filter, page as u32, PER_PAGE).await)?;
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let mut events = check(crate::db::ingest::events_of(&st.pool, &ids).await)?;
    let mut links = check(crate::db::ingest::links_of(&st.pool, &ids).await)?;
    let items = rows
        .into_iter()
        .map(|r| ApprovalCase {
            id: r.id,
            platform_name: r.platform_name,
            case_no: r.case_no,
            title: r.title,
            applicant: r.applicant,
            region_name: r.region_name.unwrap_or(r.region_code),
            department_name: r.department_name.unwrap_or(r.department_code),
            item: r.item_code.map(|code| Named { name: r.item_name.unwrap_or_else(|| code.clone()), code }),
            stage: r.stage,
            stage_started_at: r.stage_started_at,
            received_at: r.received_at,
            concluded_at: r.concluded_at,
            events: events
                .remove(&r.id)
                .unwrap_or_default()
                .into_iter()
                .map(|e| CaseEvent { stage: e.stage, at: e.event_at, event_id: e.event_id })
                .collect(),
            procurements: links.remove(&r.id).unwrap_or_default().into_iter().map(|(code, name)| Named { code, name }).collect(),
        })
        .collect();
    let platforms: Vec<(i64, String)> = check(sqlx::query_as("SELECT id, name FROM approval_platforms ORDER BY code").fetch_all(&st.pool).await)?;
    Ok(CasesView {
        page: Page { items, page: page as u32, per_page: PER_PAGE, total },
        platforms: platforms.into_iter().map(|(id, name)| Named { code: id.to_string(), name }).collect(),
        departments,
    })
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use super::*;
    use crate::db::testing::{AccountScope, TestApp};
    use crate::domain::accounts::Role;
    use serde_json::json;

    async fn feed(app: &TestApp) -> i64 {
        let id = crate::db::ingest::create_platform(&app.state.pool, app.state.backend, "sc-tzxm", "投资项目在线审批监管平台", None, 1)
            .await
            .unwrap()
            .unwrap();
        let platform = crate::db::ingest::platform_by_id(&app.state.pool, id).await.unwrap().unwrap();
        let at = |m: i64| crate::domain::ingest::format_rfc3339_shanghai(crate::db::testing::TEST_NOW_MS - 86_400_000 + m * 60_000);
        let code: String = sqlx::query_scalar("SELECT code FROM procurements ORDER BY id LIMIT 1").fetch_one(&app.state.pool).await.unwrap();
        let body = json!({"events": [
            // Chengdu, a ZJ item (construction)
            {"event_id": "a1", "case_no": "CD-1", "stage": "received", "at": at(0), "title": "施工图审查", "applicant": "甲公司",
             "region_code": "510104", "department_code": "ZJBM", "item_code": "ZJFW-010", "procurement_codes": [code]},
            {"event_id": "a2", "case_no": "CD-1", "stage": "accepted", "at": at(30)},
            // Chengdu, no item
            {"event_id": "b1", "case_no": "CD-2", "stage": "received", "at": at(0), "title": "环评审批", "applicant": "乙公司",
             "region_code": "510100", "department_code": "HJBM"},
            // Mianyang, a ZJ item
            {"event_id": "c1", "case_no": "MY-1", "stage": "received", "at": at(0), "title": "施工许可", "applicant": "丙公司",
             "region_code": "510700", "department_code": "ZJBM", "item_code": "ZJFW-010"}
        ]})
        .to_string();
        let reply = crate::db::ingest::ingest_body(&app.state.pool, app.state.backend, &platform, body.as_bytes(), app.state.now_ms())
            .await
            .unwrap()
            .unwrap();
        assert_eq!(reply.created, 4, "{reply:?}");
        id
    }

    fn case_nos(v: &CasesView) -> Vec<String> {
        let mut n: Vec<String> = v.page.items.iter().map(|c| c.case_no.clone()).collect();
        n.sort();
        n
    }

    #[tokio::test]
    async fn ingest_cases_are_scoped_to_the_callers_region_and_industry() {
        let app = TestApp::new().await;
        let item_industry: String =
            sqlx::query_scalar("SELECT industry_code FROM service_items WHERE code = 'ZJFW-010'").fetch_one(&app.state.pool).await.unwrap();
        feed(&app).await;
        let op = app.account("ingest.op", Role::Operator, AccountScope::default()).await;
        app.sign_in_as(op).await;
        let all = app.run(list_approval_cases("".into(), "".into(), "".into(), 1)).await.unwrap();
        assert_eq!(case_nos(&all), ["CD-1", "CD-2", "MY-1"]);
        let cd1 = all.page.items.iter().find(|c| c.case_no == "CD-1").unwrap();
        assert_eq!(cd1.events.iter().map(|e| e.stage.as_str()).collect::<Vec<_>>(), ["received", "accepted"]);
        assert_eq!(cd1.procurements.len(), 1);
        assert_eq!(cd1.stage, "accepted");
        let accepted = app.run(list_approval_cases("accepted".into(), "".into(), "".into(), 1)).await.unwrap();
        assert_eq!(case_nos(&accepted), ["CD-1"]);
        let hj = app.run(list_approval_cases("".into(), "".into(), "HJBM".into(), 1)).await.unwrap();
        assert_eq!(case_nos(&hj), ["CD-2"]);

        let leader = app.account("ingest.leader", Role::Leader, AccountScope { region_code: Some("510100"), ..Default::default() }).await;
        app.sign_in_as(leader).await;
        assert_eq!(case_nos(&app.run(list_approval_cases("".into(), "".into(), "".into(), 1)).await.unwrap()), ["CD-1", "CD-2"]);

        let same = app
            .account(
                "ingest.reg1",
                Role::Regulator,
                AccountScope { region_code: Some("510100"), industry_code: Some(&item_industry), ..Default::default() },
            )
            .await;
        app.sign_in_as(same).await;
        assert_eq!(case_nos(&app.run(list_approval_cases("".into(), "".into(), "".into(), 1)).await.unwrap()), ["CD-1", "CD-2"]);
        let other = app
            .account("ingest.reg2", Role::Regulator, AccountScope { region_code: Some("510100"), industry_code: Some("QX"), ..Default::default() })
            .await;
        app.sign_in_as(other).await;
        assert_eq!(
            case_nos(&app.run(list_approval_cases("".into(), "".into(), "".into(), 1)).await.unwrap()),
            ["CD-2"],
            "no item: every regulator of the region"
        );
    }

    #[tokio::test]
    async fn ingest_case_filters_are_validated() {
        let app = TestApp::new().await;
        let op = app.account("ingest.op", Role::Operator, AccountScope::default()).await;
        app.sign_in_as(op).await;
        for (args, field) in
            [(("done", "", "", 1), "stage"), (("", "x", "", 1), "platform"), (("", "", "NOPE", 1), "department"), (("", "", "", 0), "page")]
        {
            let got = app.run(list_approval_cases(args.0.into(), args.1.into(), args.2.into(), args.3)).await;
            assert!(matches!(&got, Err(AppError::InvalidInput { field: f, .. }) if f == field), "{field}: {got:?}");
        }
    }

    #[tokio::test]
    async fn ingest_operator_creates_a_platform_issues_and_revokes_keys() {
        let app = TestApp::with_demo(None).await;
        let op = app.account("ingest.op", Role::Operator, AccountScope::default()).await;
        app.sign_in_as(op).await;
        for (code, name, region, field, key) in [
            ("AB", "某平台", None, "code", "ingest.error_code"),
            ("cd-spj", "某", None, "name", "ingest.error_name"),
            ("cd-spj", "成都市审批平台", Some("519999"), "region_code", "ingest.error_region"),
        ] {
            let got = app.run(create_platform(code.into(), name.into(), region.map(String::from))).await;
            assert_eq!(got, Err(AppError::invalid(field, key)));
        }
        let id = app.run(create_platform("cd-spj".into(), " 成都市审批平台 ".into(), Some("510100".into()))).await.unwrap();
        assert_eq!(app.run(create_platform("cd-spj".into(), "另一个".into(), None)).await, Err(AppError::invalid("code", "ingest.error_code_taken")));
        let issued = app.run(issue_api_key(id)).await.unwrap();
        assert!(issued.secret.starts_with("zjk_"));
        let view = app.run(list_platforms()).await.unwrap();
        let p = &view.platforms[0];
        assert_eq!((p.name.as_str(), p.region_name.as_deref(), p.keys.len()), ("成都市审批平台", Some("成都市"), 1));
        assert_eq!(p.keys[0].prefix, &issued.secret[..8]);
        assert!(!format!("{view:?}").contains(&issued.secret), "the secret is never listed");
        assert!(crate::db::ingest::authenticate(&app.state.pool, &issued.secret, 1).await.unwrap().is_some());
        app.run(revoke_api_key(issued.id)).await.unwrap();
        assert_eq!(app.run(revoke_api_key(issued.id)).await, Err(AppError::invalid("key_id", "ingest.error_key")));
        assert!(crate::db::ingest::authenticate(&app.state.pool, &issued.secret, 1).await.unwrap().is_none());
        assert!(app.run(list_platforms()).await.unwrap().platforms[0].keys[0].revoked_at.is_some());
        assert_eq!(app.run(issue_api_key(i64::MAX)).await, Err(AppError::invalid("platform_id", "ingest.error_platform")));
    }
}
