//! `GET /files/{id}`: a stored file, to those who may read it
//! (`domain::files::may_read`); everyone else gets 404, as if it did not exist.
//!
//! Served only with its whitelisted type (PDF, JPEG, PNG) and headers that stop
//! a browser from treating it as anything else: `nosniff`, a `sandbox` content
//! security policy (no script, no same-origin access even if a file were
//! crafted), images inline and PDFs as downloads. Files never change under
//! their id, so public ones are cached for a year; private ones are revalidated
//! (ETag = content hash) so a shared browser never shows them without a check.
use crate::domain::files::{may_read, FileKind, Reader};
use crate::error::AppError;
use crate::state::AppState;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use tower_sessions::Session;

pub const CONTENT_SECURITY_POLICY: &str = "sandbox; default-src 'none'; img-src 'self'; style-src 'unsafe-inline'";
pub const CACHE_PUBLIC: &str = "public, max-age=31536000, immutable";
pub const CACHE_PRIVATE: &str = "private, no-cache";

/// Answers `GET /files/{id}` for the request's session (if any).
pub async fn serve(state: &AppState, session: Option<&Session>, id: &str, request: &HeaderMap) -> Response {
    match respond(state, session, id, request).await {
        Ok(res) => res,
        Err(AppError::NotFound) => (StatusCode::NOT_FOUND, "文件不存在 (file not found)").into_response(),
        Err(e) => {
            tracing::error!(error = %e, "serving a file");
            (StatusCode::SERVICE_UNAVAILABLE, "服务暂时不可用 (service unavailable)").into_response()
        }
    }
}

async fn respond(state: &AppState, session: Option<&Session>, id: &str, request: &HeaderMap) -> Result<Response, AppError> {
    let id: i64 = id.parse().map_err(|_| AppError::NotFound)?;
    let file = crate::db::files::load(&state.pool, id).await?.ok_or(AppError::NotFound)?;
    let reader = if file.access.public { None } else { reader(state, session).await? };
    // an objection's attachment: ask again as the reader's owner organisation
    // (the file may be attached to objections against several owners)
    let file = match reader.and_then(|r| r.owner_id) {
        Some(owner) if file.access.objection_owner.is_some_and(|o| o != owner) => {
            crate::db::files::load_for(&state.pool, id, Some(owner)).await?.ok_or(AppError::NotFound)?
        }
        _ => file,
    };
    // a contract's attachment (message, delivery, payment voucher): its parties and supervisors
    if !may_read(file.access, reader) && !crate::db::contracts::work::may_read_attachment(&state.pool, id, reader).await?
        && !crate::db::complaints::may_read_attachment(&state.pool, id, reader).await?
    {
        return Err(AppError::NotFound);
    }
    // the database only holds the three kinds; anything else is never served
    let kind = FileKind::from_content_type(&file.meta.content_type).ok_or(AppError::NotFound)?;
    let etag = format!("\"{}\"", file.meta.sha256);
    let cache = if file.access.public { CACHE_PUBLIC } else { CACHE_PRIVATE };
    let mut headers = HeaderMap::new();
    let mut set = |name: header::HeaderName, value: &str| {
        if let Ok(v) = HeaderValue::from_str(value) {
            headers.insert(name, v);
        }
    };
    set(header::ETAG, &etag);
    set(header::CACHE_CONTROL, cache);
    set(header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    set(header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY);
    set(header::HeaderName::from_static("cross-origin-resource-policy"), "same-origin");
    let matches = request
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim().trim_start_matches("W/") == etag));
    if matches {
        return Ok((StatusCode::NOT_MODIFIED, headers).into_response());
    }
    set(header::CONTENT_TYPE, kind.content_type());
    set(header::CONTENT_DISPOSITION, &content_disposition(kind, &file.meta.original_name));
    Ok((StatusCode::OK, headers, file.bytes).into_response())
}

/// The signed-in user of the session, as a file reader.
async fn reader(state: &AppState, session: Option<&Session>) -> Result<Option<Reader>, AppError> {
    let user = crate::api::ctx::user_of(state, session).await?;
    Ok(user.map(|u| Reader { user_id: u.id, role: u.role, firm_id: u.firm_id, owner_id: u.owner_id }))
}

/// `inline` for images, `attachment` for PDFs, with an ASCII fallback name and
/// the real name in RFC 5987 form (`filename*=UTF-8''…`).
pub fn content_disposition(kind: FileKind, name: &str) -> String {
    let disposition = if kind.inline() { "inline" } else { "attachment" };
    let stem = name.rsplit_once('.').map_or(name, |(s, _)| s);
    let ascii: String = stem.chars().filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | ' ')).collect();
    let ascii = ascii.trim();
    let fallback = format!("{}.{}", if ascii.is_empty() { "file" } else { ascii }, kind.extension());
    let mut encoded = String::with_capacity(name.len() * 3);
    for b in name.bytes() {
        if b.is_ascii_alphanumeric() || b"!#$&+-.^_`|~".contains(&b) {
            encoded.push(b as char);
        } else {
            encoded.push_str(&format!("%{b:02X}"));
        }
    }
    format!("{disposition}; filename=\"{fallback}\"; filename*=UTF-8''{encoded}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::files::testing::{PDF, PNG};
    use crate::db::files::{store, NewFile};
    use crate::db::testing::{AccountScope, TestApp};
    use crate::domain::accounts::Role;

    async fn body(res: Response) -> Vec<u8> {
        axum::body::to_bytes(res.into_body(), usize::MAX).await.unwrap().to_vec()
    }

    fn header<'a>(res: &'a Response, name: &str) -> &'a str {
        res.headers().get(name).map(|v| v.to_str().unwrap()).unwrap_or("")
    }

    #[test]
    fn dispositions() {
        assert_eq!(content_disposition(FileKind::Pdf, "评价细则.pdf"), "attachment; filename=\"file.pdf\"; filename*=UTF-8''%E8%AF%84%E4%BB%B7%E7%BB%86%E5%88%99.pdf");
        assert_eq!(content_disposition(FileKind::Png, "flow chart.png"), "inline; filename=\"flow chart.png\"; filename*=UTF-8''flow%20chart.png");
    }

    #[tokio::test]
    async fn serves_public_files_with_safe_headers_and_hides_private_ones() {
        let app = TestApp::with_demo(None).await;
        let pool = &app.state.pool;
        let ops = app.account("ops.dl", Role::Operator, AccountScope::default()).await;
        let owner = app.account("owner.dl", Role::Owner, AccountScope::default()).await;
        let png = store(pool, &NewFile { kind: FileKind::Png, name: "流程图.png", bytes: PNG, uploaded_by: Some(ops), firm_id: None }, 1).await.unwrap();
        let pdf = store(pool, &NewFile { kind: FileKind::Pdf, name: "细则.pdf", bytes: PDF, uploaded_by: Some(ops), firm_id: None }, 1).await.unwrap();
        let none = HeaderMap::new();

        // attached to a draft: the public gets 404, the operator the file
        let notice = crate::db::notices::create(
            pool,
            &crate::db::notices::NoticeInput { kind: crate::model::notices::NoticeKind::Notice, title: "t", body: "b", pinned: false },
            Some(ops),
            1,
        )
        .await
        .unwrap();
        crate::db::notices::attach(pool, notice, png.id, 2).await.unwrap();
        crate::db::notices::attach(pool, notice, pdf.id, 2).await.unwrap();
        let anonymous = serve(&app.state, None, &png.id.to_string(), &none).await;
        assert_eq!(anonymous.status(), StatusCode::NOT_FOUND);
        let owner_session = app.sign_in_as(owner).await;
        assert_eq!(serve(&app.state, Some(&owner_session), &png.id.to_string(), &none).await.status(), StatusCode::NOT_FOUND);
        let ops_session = app.sign_in_as(ops).await;
        let private = serve(&app.state, Some(&ops_session), &png.id.to_string(), &none).await;
        assert_eq!(private.status(), StatusCode::OK);
        assert_eq!(header(&private, "cache-control"), CACHE_PRIVATE);

        // published: everyone, with the stored type and safe headers
        crate::db::notices::set_published(pool, notice, true, 3).await.unwrap();
        let res = serve(&app.state, None, &png.id.to_string(), &none).await;
        assert_eq!(res.status(), StatusCode::OK);
        assert_eq!(header(&res, "content-type"), "image/png");
        assert_eq!(header(&res, "x-content-type-options"), "nosniff");
        assert!(header(&res, "content-security-policy").starts_with("sandbox"));
        assert!(header(&res, "content-disposition").starts_with("inline; "));
        assert_eq!(header(&res, "cache-control"), CACHE_PUBLIC);
        assert_eq!(header(&res, "etag"), format!("\"{}\"", png.sha256));
        assert_eq!(body(res).await, PNG);
        let res = serve(&app.state, None, &pdf.id.to_string(), &none).await;
        assert_eq!(header(&res, "content-type"), "application/pdf");
        assert!(header(&res, "content-disposition").starts_with("attachment; "), "PDFs download");
        assert_eq!(body(res).await, PDF);

        // revalidation answers 304 without the bytes
        let mut cond = HeaderMap::new();
        cond.insert(header::IF_NONE_MATCH, HeaderValue::from_str(&format!("\"{}\"", png.sha256)).unwrap());
        let res = serve(&app.state, None, &png.id.to_string(), &cond).await;
        assert_eq!(res.status(), StatusCode::NOT_MODIFIED);
        assert!(body(res).await.is_empty());

        // unknown or malformed ids
        for id in ["999999", "abc", "-1", "1;drop"] {
            assert_eq!(serve(&app.state, None, id, &none).await.status(), StatusCode::NOT_FOUND, "{id}");
        }
    }

    #[tokio::test]
    async fn firm_documents_are_for_the_firm_operators_and_regulators() {
        let app = TestApp::new().await;
        let pool = &app.state.pool;
        let firms: Vec<(i64,)> = sqlx::query_as("SELECT id FROM firms ORDER BY id LIMIT 2").fetch_all(pool).await.unwrap();
        let (mine, theirs) = (firms[0].0, firms[1].0);
        let uploader = app.account("firm.a1", Role::Firm, AccountScope { firm_id: Some(mine), ..Default::default() }).await;
        let colleague = app.account("firm.a2", Role::Firm, AccountScope { firm_id: Some(mine), ..Default::default() }).await;
        let other = app.account("firm.other", Role::Firm, AccountScope { firm_id: Some(theirs), ..Default::default() }).await;
        let regulator = app.account("reg.dl", Role::Regulator, AccountScope { region_code: Some("510000"), industry_code: Some("ZJ"), ..Default::default() }).await;
        let leader = app.account("leader.dl", Role::Leader, AccountScope { region_code: Some("510000"), ..Default::default() }).await;
        let doc = store(pool, &NewFile { kind: FileKind::Pdf, name: "资质证书.pdf", bytes: PDF, uploaded_by: Some(uploader), firm_id: Some(mine) }, 1).await.unwrap();
        let none = HeaderMap::new();
        for (user, ok) in [(uploader, true), (colleague, true), (regulator, true), (other, false), (leader, false)] {
            let session = app.sign_in_as(user).await;
            let res = serve(&app.state, Some(&session), &doc.id.to_string(), &none).await;
            assert_eq!(res.status() == StatusCode::OK, ok, "user {user}");
        }
        assert_eq!(serve(&app.state, None, &doc.id.to_string(), &none).await.status(), StatusCode::NOT_FOUND);
    }
}
