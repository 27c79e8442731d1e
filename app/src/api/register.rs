//! The qualification register (资质登记库) maintained by the operator: CSV import
//! from the browser (the same import as `server import-register`) and its status.
use crate::error::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// The register's size and the last import.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegisterStatus {
    pub entries: i64,
    pub last_import: Option<ImportSummary>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportSummary {
    pub at: i64,
    pub by: String,
    pub file_name: String,
    pub inserted: usize,
    pub updated: usize,
    /// `(line, message)` of rejected rows (at most `MAX_REJECTED_SHOWN`).
    pub rejected: Vec<(usize, String)>,
    pub rejected_total: usize,
}

pub const MAX_REJECTED_SHOWN: usize = 100;
#[cfg(feature = "ssr")]
const LAST_IMPORT_KEY: &str = "register_last_import";

#[server(prefix = "/api", endpoint = "register/status")]
pub async fn get_register_status() -> Result<RegisterStatus, AppError> {
    use super::ctx::{authorize_user, check, state};
    authorize_user("register/status").await?;
    let st = state()?;
    let (entries,): (i64,) = check(sqlx::query_as("SELECT COUNT(*) FROM qualification_register").fetch_one(&st.pool).await)?;
    let last = check(crate::db::meta_get(&st.pool, LAST_IMPORT_KEY).await)?;
    Ok(RegisterStatus { entries, last_import: last.and_then(|j| serde_json::from_str(&j).ok()) })
}

/// Imports a register CSV (form field `file`, UTF-8, header
/// `type_code,certificate_no,holder_credit_code,holder_name,grade,valid_from,valid_to,revoked`;
/// upsert by type + certificate number). Valid rows are imported; rejected rows are
/// reported by line. A plain multipart form: works without JavaScript.
#[server(prefix = "/api", endpoint = "register/import", input = leptos::server_fn::codec::MultipartFormData)]
pub async fn import_register(data: leptos::server_fn::codec::MultipartData) -> Result<(), AppError> {
    use super::ctx::{authorize_user, check, fail, state};
    let user = authorize_user("register/import").await?;
    let st = state()?;
    let form = check(super::files::server::read_form(data).await)?;
    let file = form.file.ok_or_else(|| fail(AppError::invalid("file", "files.missing")))?;
    if file.bytes.is_empty() {
        return Err(fail(AppError::invalid("file", "files.empty")));
    }
    let text = String::from_utf8(file.bytes).map_err(|_| fail(AppError::invalid("file", "register.not_utf8")))?;
    let report = check(crate::db::register::import_csv(&st.pool, &text, st.now_ms()).await)?;
    let summary = ImportSummary {
        at: st.now_ms(),
        by: user.display_name.clone(),
        file_name: file.name.chars().take(100).collect(),
        inserted: report.inserted,
        updated: report.updated,
        rejected_total: report.rejected.len(),
        rejected: report.rejected.into_iter().take(MAX_REJECTED_SHOWN).collect(),
    };
    let json = serde_json::to_string(&summary).map_err(|e| fail(AppError::Server(e.to_string())))?;
    check(crate::db::meta_set(&st.pool, LAST_IMPORT_KEY, &json).await)?;
    leptos_axum::redirect("/operator/register");
    Ok(())
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use super::*;
    use crate::api::files::testing::form;
    use crate::db::testing::{AccountScope, TestApp};
    use crate::domain::accounts::Role;

    #[tokio::test]
    async fn operators_import_the_register_from_csv_and_see_rejected_lines() {
        let app = TestApp::with_demo(None).await;
        let ops = app.account("ops", Role::Operator, AccountScope::default()).await;
        app.sign_in_as(ops).await;
        let csv = "type_code,certificate_no,holder_credit_code,holder_name,grade,valid_from,valid_to,revoked\n\
                   GCZX,GCZX-51-0001,91510100MA61R6XK1H,成都示例工程咨询有限公司,不分级,2024-01-01,2029-12-31,0\n\
                   GCZX,GCZX-51-0002,91510100MA61R6XK1C,坏代码公司,不分级,2024-01-01,2029-12-31,0\n";
        let upload = |bytes: &'static [u8]| import_register(form(&[], Some(("file", "register.csv", "text/csv", bytes))));
        app.run(upload(csv.as_bytes().to_vec().leak())).await.unwrap();
        let status = app.run(get_register_status()).await.unwrap();
        assert_eq!(status.entries, 1);
        let last = status.last_import.unwrap();
        assert_eq!((last.inserted, last.updated, last.rejected_total), (1, 0, 1));
        assert_eq!(last.rejected[0].0, 3, "the bad row is named by its line");
        assert_eq!((last.by.as_str(), last.file_name.as_str()), ("ops", "register.csv"));
        assert_eq!(app.run(upload(b"\xff\xfe\x00bad")).await, Err(AppError::invalid("file", "register.not_utf8")));
        // the same row again updates rather than duplicates
        app.run(upload(csv.as_bytes().to_vec().leak())).await.unwrap();
        let last = app.run(get_register_status()).await.unwrap().last_import.unwrap();
        assert_eq!((last.inserted, last.updated), (0, 1));
        // regulators may not import
        let reg = app.account("reg", Role::Regulator, AccountScope { region_code: Some("510000"), industry_code: Some("ZJ"), ..Default::default() }).await;
        app.sign_in_as(reg).await;
        assert_eq!(app.run(upload(csv.as_bytes().to_vec().leak())).await, Err(AppError::Forbidden));
    }
}
