//! The public firm directory (中介服务机构库): search, filters, profiles. No login.
use crate::domain::paging::Page;
use crate::error::AppError;
use crate::model::firms::{FirmFacets, FirmProfile, FirmQuery, FirmSummary};
use leptos::prelude::*;

pub const FIRMS_PER_PAGE: u32 = 20;

/// Filter choices: items, regions, departments, qualification grades.
#[server(prefix = "/api", endpoint = "firms/facets")]
pub async fn get_firm_facets() -> Result<FirmFacets, AppError> {
    super::ctx::authorize("firms/facets").await?;
    use super::ctx::{check, state};
    let st = state()?;
    let today = crate::domain::time::date_shanghai(st.now_ms());
    check(crate::db::firms::facets(&st.pool, &today).await)
}

/// One page of active firms matching name / credit code and the filters.
#[server(prefix = "/api", endpoint = "firms/list")]
pub async fn list_firms(#[server(default)] query: FirmQuery) -> Result<Page<FirmSummary>, AppError> {
    super::ctx::authorize("firms/list").await?;
    use super::ctx::{check, state};
    let st = state()?;
    let query = check(query.validate())?;
    let today = crate::domain::time::date_shanghai(st.now_ms());
    check(crate::db::firms::list(&st.pool, &query, FIRMS_PER_PAGE, &today).await)
}

/// A firm's public profile by its unified social credit code.
#[server(prefix = "/api", endpoint = "firms/profile")]
pub async fn get_firm_profile(credit_code: String) -> Result<FirmProfile, AppError> {
    super::ctx::authorize("firms/profile").await?;
    use super::ctx::{check, state};
    let st = state()?;
    let code = match crate::domain::credit_code::validate(&credit_code) {
        Ok(c) => c,
        Err(e) => return check(Err(AppError::invalid("credit_code", e.message_key()))),
    };
    let today = crate::domain::time::date_shanghai(st.now_ms());
    check(crate::db::firms::profile(&st.pool, &code, &today).await?.ok_or(AppError::NotFound))
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use super::*;
    use crate::db::testing::TestApp;

    async fn first_active_code(app: &TestApp) -> (String, String) {
        sqlx::query_as("SELECT credit_code, name FROM firms WHERE status = 'active' ORDER BY id LIMIT 1")
            .fetch_one(&app.state.pool)
            .await
            .unwrap()
    }

    #[tokio::test]
    async fn directory_searches_filters_sorts_and_pages() {
        let app = TestApp::new().await;
        let all = app.run(list_firms(FirmQuery::default())).await.unwrap();
        let active: (i64,) = sqlx::query_as("SELECT COUNT(*) FROM firms WHERE status = 'active'").fetch_one(&app.state.pool).await.unwrap();
        assert_eq!(all.total as i64, active.0, "only active firms are listed");
        assert_eq!(all.items.len(), FIRMS_PER_PAGE as usize);
        // default order: most completed services first
        assert!(all.items.windows(2).all(|w| w[0].completed_count >= w[1].completed_count));
        assert!(all.items.iter().all(|f| f.star_level.is_none()));
        // the demo computes the credit grade of the firms it gives credit records or list entries (the rest at the nightly run)
        let graded: Vec<String> = sqlx::query_scalar(
            "SELECT f.credit_code FROM firms f WHERE f.id IN (SELECT firm_id FROM credit_records UNION SELECT firm_id FROM credit_list_entries)",
        )
        .fetch_all(&app.state.pool)
        .await
        .unwrap();
        assert!(all.items.iter().all(|f| f.credit_grade.is_some() == graded.contains(&f.credit_code)));

        // by credit code (lower case accepted) and by name fragment
        let (code, name) = first_active_code(&app).await;
        let by_code = app.run(list_firms(FirmQuery { q: Some(code.to_lowercase()), ..Default::default() })).await.unwrap();
        assert_eq!(by_code.items.iter().map(|f| f.credit_code.clone()).collect::<Vec<_>>(), vec![code.clone()]);
        let fragment: String = name.chars().skip(2).take(4).collect();
        let by_name = app.run(list_firms(FirmQuery { q: Some(fragment.clone()), ..Default::default() })).await.unwrap();
        assert!(by_name.total >= 1 && by_name.items.iter().all(|f| f.name.contains(&fragment)));

        // by item, region and grade: every result satisfies the filter
        let item: (String, i64) = sqlx::query_as(
            "SELECT s.code, COUNT(*) FROM firm_items fi JOIN service_items s ON s.id = fi.item_id JOIN firms f ON f.id = fi.firm_id \
             WHERE f.status = 'active' GROUP BY s.code ORDER BY COUNT(*) DESC, s.code LIMIT 1",
        )
        .fetch_one(&app.state.pool)
        .await
        .unwrap();
        let by_item = app.run(list_firms(FirmQuery { item: Some(item.0.clone()), ..Default::default() })).await.unwrap();
        assert_eq!(by_item.total as i64, item.1);
        let chengdu = app.run(list_firms(FirmQuery { region: Some("510100".into()), sort: Some("name".into()), ..Default::default() })).await.unwrap();
        assert!(chengdu.total > 0 && chengdu.total < all.total);
        assert!(chengdu.items.windows(2).all(|w| w[0].name <= w[1].name));
        let in_chengdu: (i64,) = sqlx::query_as("SELECT COUNT(*) FROM firms WHERE status = 'active' AND region_code LIKE '5101%'").fetch_one(&app.state.pool).await.unwrap();
        assert_eq!(chengdu.total as i64, in_chengdu.0);
        let facets = app.run(get_firm_facets()).await.unwrap();
        assert!(facets.grades.iter().any(|g| g == "甲级"));
        assert_eq!(facets.regions.iter().filter(|r| r.code.ends_with("00") && r.code != "510000").count(), 21);
        let jia = app.run(list_firms(FirmQuery { grade: Some("甲级".into()), ..Default::default() })).await.unwrap();
        assert!(jia.total > 0 && jia.total < all.total);

        // newest first
        let newest = app.run(list_firms(FirmQuery { sort: Some("newest".into()), ..Default::default() })).await.unwrap();
        assert!(newest.items.windows(2).all(|w| w[0].registered_at >= w[1].registered_at));
        // bad input is a typed error
        assert_eq!(
            app.run(list_firms(FirmQuery { region: Some("abc".into()), ..Default::default() })).await.unwrap_err(),
            AppError::invalid("region", "firms.bad_region")
        );
    }

    #[tokio::test]
    async fn an_expired_qualification_takes_the_item_out_of_scope() {
        let app = TestApp::new().await;
        // a firm offering an item that needs a qualification, and the date it lapses
        let (code, item, valid_to): (String, String, String) = sqlx::query_as(
            "SELECT f.credit_code, s.code, fq.valid_to FROM firms f JOIN firm_items fi ON fi.firm_id = f.id \
             JOIN service_items s ON s.id = fi.item_id \
             JOIN firm_qualifications fq ON fq.firm_id = f.id AND fq.type_code = s.qualification_type_code \
             WHERE f.status = 'active' ORDER BY fq.valid_to, f.id LIMIT 1",
        )
        .fetch_one(&app.state.pool)
        .await
        .unwrap();
        let by_item = || list_firms(FirmQuery { item: Some(item.clone()), q: Some(code.clone()), ..Default::default() });
        assert_eq!(app.run(by_item()).await.unwrap().total, 1);
        let p = app.run(get_firm_profile(code.clone())).await.unwrap();
        assert!(p.scope.iter().find(|s| s.item_code == item).unwrap().active);

        // the day after valid_to (noon, Shanghai)
        let day = crate::domain::time::parse_date(&valid_to).unwrap() + 1;
        app.clock.set(day * crate::domain::time::DAY_MS + 4 * 3_600_000);
        assert_eq!(app.run(by_item()).await.unwrap().total, 0, "no longer found under the item");
        let p = app.run(get_firm_profile(code.clone())).await.unwrap();
        assert!(!p.scope.iter().find(|s| s.item_code == item).unwrap().active);
        assert!(p.qualifications.iter().any(|q| q.validity == crate::domain::qualification::Validity::Expired));
        // the firm itself stays listed
        assert_eq!(app.run(list_firms(FirmQuery { q: Some(code), ..Default::default() })).await.unwrap().total, 1);
    }

    #[tokio::test]
    async fn profile_shows_public_fields_and_masks_personal_data() {
        let app = TestApp::new().await;
        let (code, name) = first_active_code(&app).await;
        let p = app.run(get_firm_profile(code.clone())).await.unwrap();
        assert_eq!((p.name.as_str(), p.credit_code.as_str()), (name.as_str(), code.as_str()));
        assert!(!p.scope.is_empty() && !p.staff.is_empty());
        assert_eq!(p.staff[0].role, "legal_rep");
        assert_eq!(p.staff[0].name, p.legal_rep);
        let raw: Vec<(String, String)> = sqlx::query_as("SELECT id_number, phone FROM firm_staff s JOIN firms f ON f.id = s.firm_id WHERE f.credit_code = $1")
            .bind(&code)
            .fetch_all(&app.state.pool)
            .await
            .unwrap();
        let json = serde_json::to_string(&p).unwrap();
        for (idn, phone) in raw {
            assert!(!json.contains(&idn) && !json.contains(&idn[6..14]), "ID number leaked");
            assert!(!json.contains(&phone), "staff phone leaked");
        }
        assert!(p.staff.iter().all(|s| s.id_number_masked.contains('*') && s.phone_masked.contains('*')));

        // pending registrations are not public; malformed codes are explained
        let pending: (String,) = sqlx::query_as("SELECT credit_code FROM firms ORDER BY id DESC LIMIT 1").fetch_one(&app.state.pool).await.unwrap();
        sqlx::query("UPDATE firms SET status = 'submitted' WHERE credit_code = $1").bind(&pending.0).execute(&app.state.pool).await.unwrap();
        assert_eq!(app.run(get_firm_profile(pending.0)).await.unwrap_err(), AppError::NotFound);
        assert_eq!(app.run(get_firm_profile("123".into())).await.unwrap_err(), AppError::invalid("credit_code", "credit_code.length"));
        let mut wrong = code.clone();
        wrong.replace_range(17.., if code.ends_with('0') { "1" } else { "0" });
        assert_eq!(app.run(get_firm_profile(wrong)).await.unwrap_err(), AppError::invalid("credit_code", "credit_code.check"));
    }
}
