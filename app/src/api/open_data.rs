//! The open data page (`/open-data`), open to everyone without signing in:
//! the publisher, the OCID prefix and the months with a bulk package, from the
//! server's configuration and clock (the packages themselves are plain axum
//! routes, `server/src/ocds_routes.rs`).
use crate::error::AppError;
use crate::model::open_data::OpenData;
use leptos::prelude::*;

/// Who publishes, the OCID prefix, and the last twelve months (Asia/Shanghai,
/// the current one first) whose bulk packages the page links.
#[server(prefix = "/api", endpoint = "public/open-data")]
pub async fn get_open_data() -> Result<OpenData, AppError> {
    use super::ctx::{authorize, fail, state};
    use crate::domain::time::month_of;
    use crate::model::open_data::{recent_months, RECENT_MONTHS};
    authorize("public/open-data").await?;
    let st = state()?;
    let publisher = publisher().ok_or_else(|| fail(AppError::Server("the OCDS publisher is not configured".into())))?;
    Ok(OpenData { publisher: publisher.name, ocid_prefix: publisher.prefix, months: recent_months(month_of(st.now_ms()), RECENT_MONTHS) })
}

/// The OCDS publisher from the configuration: an axum extension on every
/// request (the server adds it), or provided directly in tests.
#[cfg(feature = "ssr")]
pub fn publisher() -> Option<crate::domain::ocds::Publisher> {
    use crate::domain::ocds::Publisher;
    use_context::<Publisher>().or_else(|| use_context::<axum::http::request::Parts>().and_then(|p| p.extensions.get::<Publisher>().cloned()))
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use super::*;
    use crate::db::testing::TestApp;
    use crate::domain::ocds::Publisher;
    use crate::domain::time::{month_key, month_of};

    #[tokio::test]
    async fn the_page_names_the_prefix_and_links_the_last_twelve_months() {
        let app = TestApp::with_demo(None).await;
        // without a configured publisher: a server error, not a made-up prefix
        assert!(matches!(app.run(get_open_data()).await, Err(AppError::Server(_))));
        let publisher = Publisher { name: "中介超市".into(), prefix: "ocds-zjcs00".into(), base_url: "https://zjcs.example.cn".into() };
        let d = app
            .run(async {
                provide_context(publisher);
                get_open_data().await
            })
            .await
            .unwrap();
        assert_eq!((d.publisher.as_str(), d.ocid_prefix.as_str()), ("中介超市", "ocds-zjcs00"));
        let now = month_of(app.state.clock.now_ms());
        assert_eq!(d.months.len(), 12);
        assert_eq!(d.months.first(), Some(&month_key(now)));
        assert_eq!(d.months.last(), Some(&month_key(now - 11)));
    }
}
