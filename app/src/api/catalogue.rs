//! The service-item catalogue (中介服务事项库): public, no login.
use crate::domain::paging::Page;
use crate::error::AppError;
use crate::model::catalogue::{CatalogueFacets, ItemDetail, ItemQuery, ItemSummary};
use leptos::prelude::*;

pub const ITEMS_PER_PAGE: u32 = 12;

/// Industries and departments that have items in force (the filter choices).
#[server(prefix = "/api", endpoint = "catalogue/facets")]
pub async fn get_catalogue_facets() -> Result<CatalogueFacets, AppError> {
    super::ctx::authorize("catalogue/facets").await?;
    use super::ctx::{check, state};
    let st = state()?;
    let today = crate::domain::time::date_shanghai(st.now_ms());
    check(crate::db::catalogue::facets(&st.pool, &today).await)
}

/// One page of service items in force, filtered by industry, department and keyword.
/// (`default`: a query with no filter set serialises to an empty body when the
/// browser calls this after client-side navigation.)
#[server(prefix = "/api", endpoint = "catalogue/items")]
pub async fn list_service_items(#[server(default)] query: ItemQuery) -> Result<Page<ItemSummary>, AppError> {
    super::ctx::authorize("catalogue/items").await?;
    use super::ctx::{check, state};
    let st = state()?;
    let query = check(query.validate())?;
    let today = crate::domain::time::date_shanghai(st.now_ms());
    check(crate::db::catalogue::list(&st.pool, &query, ITEMS_PER_PAGE, &today).await)
}

/// A service item by its code, with its history: items in force, and items that
/// were in force and are now retired or expired (marked so; old links keep working).
/// Items that never came into force answer 404.
#[server(prefix = "/api", endpoint = "catalogue/item")]
pub async fn get_service_item(code: String) -> Result<ItemDetail, AppError> {
    super::ctx::authorize("catalogue/item").await?;
    use super::ctx::{check, state};
    let st = state()?;
    let code = code.trim();
    if code.is_empty() || code.len() > 20 {
        return check(Err(AppError::invalid("code", "catalogue.bad_code")));
    }
    let today = crate::domain::time::date_shanghai(st.now_ms());
    check(crate::db::catalogue::detail(&st.pool, code, &today).await?.ok_or(AppError::NotFound))
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use super::*;
    use crate::db::testing::TestApp;

    #[tokio::test]
    async fn facets_list_filters_and_pages() {
        let app = TestApp::new().await;
        let facets = app.run(get_catalogue_facets()).await.unwrap();
        assert!(facets.industries.len() >= 10);
        assert!(facets.industries.iter().any(|i| i.code == "HJ"));

        let all = app.run(list_service_items(ItemQuery::default())).await.unwrap();
        assert!(all.total >= 40, "{} items", all.total);
        assert_eq!(all.items.len(), ITEMS_PER_PAGE as usize);
        assert_eq!(all.page, 1);

        // industry filter: only that industry's items
        let hj = app.run(list_service_items(ItemQuery { industry: Some("HJ".into()), ..Default::default() })).await.unwrap();
        assert!(hj.total >= 1 && hj.total < all.total);
        let hj_name = &facets.industries.iter().find(|i| i.code == "HJ").unwrap().name;
        assert!(hj.items.iter().all(|i| &i.industry_name == hj_name));

        // keyword matches names
        let kw = app.run(list_service_items(ItemQuery { q: Some("环境影响".into()), ..Default::default() })).await.unwrap();
        assert!(kw.total >= 1);
        assert!(kw.items.iter().all(|i| i.name.contains("环境影响")), "{:?}", kw.items);
        // LIKE wildcards are literal
        let pct = app.run(list_service_items(ItemQuery { q: Some("%".into()), ..Default::default() })).await.unwrap();
        assert_eq!(pct.total, 0);

        // last page holds the rest; a page past the end is empty, not an error
        let pages = all.page_count();
        let last = app.run(list_service_items(ItemQuery { page: Some(pages), ..Default::default() })).await.unwrap();
        assert_eq!(last.items.len() as u64, all.total - (pages as u64 - 1) * ITEMS_PER_PAGE as u64);
        let past = app.run(list_service_items(ItemQuery { page: Some(pages + 1), ..Default::default() })).await.unwrap();
        assert!(past.items.is_empty());

        // demo firms offer items: some item has firms
        assert!(all.items.iter().any(|i| i.firm_count > 0));
    }

    #[tokio::test]
    async fn bad_input_is_a_typed_error() {
        let app = TestApp::new().await;
        let long = app.run(list_service_items(ItemQuery { q: Some("长".repeat(51)), ..Default::default() })).await;
        assert_eq!(long.unwrap_err(), AppError::invalid("q", "catalogue.q_too_long"));
        let page = app.run(list_service_items(ItemQuery { page: Some(0), ..Default::default() })).await;
        assert_eq!(page.unwrap_err(), AppError::invalid("page", "catalogue.bad_page"));
        let missing = app.run(get_service_item("ZJFW-999".into())).await;
        assert_eq!(missing.unwrap_err(), AppError::NotFound);
        let empty = app.run(get_service_item("  ".into())).await;
        assert_eq!(empty.unwrap_err(), AppError::invalid("code", "catalogue.bad_code"));
    }

    #[tokio::test]
    async fn item_detail_has_every_catalogue_field() {
        let app = TestApp::new().await;
        let d = app.run(get_service_item("ZJFW-001".into())).await.unwrap();
        assert_eq!(d.code, "ZJFW-001");
        assert!(!d.name.is_empty() && !d.legal_basis.is_empty() && !d.approval_item.is_empty());
        assert!(!d.fee_basis.is_empty() && !d.regulator.is_empty());
        assert_eq!(d.region_name, "四川省");
        assert!(d.time_limit_days > 0);
        // reference items start with version 1 of their history, without naming anyone
        assert_eq!(d.history.len(), 1);
        assert_eq!((d.history[0].version, d.history[0].action.as_str()), (1, "create"));
        assert_eq!(d.history[0].legal_basis, d.legal_basis);
        assert!(d.history[0].changed_by.is_none());
        assert_eq!(d.state, crate::domain::catalogue::ItemState::InForce);
    }
}
