//! File uploads (PDF, JPEG, PNG up to 5 MiB) by signed-in users. Downloads are
//! served by the `/files/{id}` route (`download::serve`), which checks who
//! may read each file (`domain::files::may_read`).
#[cfg(feature = "ssr")]
pub mod download;
#[cfg(all(test, feature = "ssr"))]
pub(crate) mod testing;
#[cfg(all(test, feature = "ssr"))]
mod tests;

use crate::error::AppError;
use crate::model::files::FileRef;
use leptos::prelude::*;
use leptos::server_fn::codec::{MultipartData, MultipartFormData};

/// Stores one uploaded file (form field `file`) and returns its reference. The
/// body is read as a stream and never beyond the size limit; the content must
/// be a PDF, JPEG or PNG matching the file name's extension.
#[server(prefix = "/api", endpoint = "files/upload", input = MultipartFormData)]
pub async fn upload_file(data: MultipartData) -> Result<FileRef, AppError> {
    use super::ctx::{authorize_user, check, state};
    let user = authorize_user("files/upload").await?;
    let st = state()?;
    let form = check(server::read_form(data).await)?;
    let file = check(form.file.ok_or_else(|| AppError::invalid("file", "files.missing")))?;
    check(server::store(&st, &user, file).await)
}

/// Whether a request's `Content-Type` is a multipart form with a boundary (the
/// server routes refuse anything else before the upload functions run).
#[cfg(feature = "ssr")]
pub fn is_multipart(content_type: &str) -> bool {
    content_type.trim_start().to_ascii_lowercase().starts_with("multipart/form-data") && multer::parse_boundary(content_type).is_ok()
}

#[cfg(feature = "ssr")]
pub(crate) mod server {
    use crate::domain::accounts::Role;
    use crate::domain::files::{self, MAX_FILE_BYTES};
    use crate::error::AppError;
    use crate::model::accounts::SessionUser;
    use crate::model::files::FileRef;
    use crate::state::AppState;
    use leptos::server_fn::codec::MultipartData;

    /// Most text fields a form may carry besides its file.
    const MAX_FIELDS: usize = 16;
    /// Longest text field value, in bytes (room for a 2,000-character reason
    /// in Chinese, as an objection carries).
    const MAX_FIELD_BYTES: usize = 8 * 1024;
    /// Room for the multipart framing and small fields around the file.
    const FORM_OVERHEAD: u64 = 64 * 1024;
    /// After the limit, how much more of a too-large body is read and dropped so
    /// the browser receives the error instead of a reset connection.
    const DRAIN_LIMIT: usize = 3 * MAX_FILE_BYTES;

    /// An uploaded file as received (not yet checked).
    pub struct Upload {
        pub name: String,
        pub content_type: Option<String>,
        pub bytes: Vec<u8>,
    }

    /// A multipart form: at most one file and a few short text fields.
    #[derive(Default)]
    pub struct Form {
        pub file: Option<Upload>,
        pub fields: Vec<(String, String)>,
    }

    impl Form {
        pub fn field(&self, name: &str) -> Option<&str> {
            self.fields.iter().find(|(k, _)| k == name).map(|(_, v)| v.trim())
        }
    }

    fn too_large() -> AppError {
        AppError::invalid("file", "files.too_large")
    }

    fn bad_form(e: impl std::fmt::Display) -> AppError {
        tracing::debug!(error = %e, "bad multipart form");
        AppError::invalid("file", "files.bad_form")
    }

    /// The request's declared body length, if any (server requests only).
    fn content_length() -> Option<u64> {
        let parts = leptos::prelude::use_context::<axum::http::request::Parts>()?;
        parts.headers.get(axum::http::header::CONTENT_LENGTH)?.to_str().ok()?.parse().ok()
    }

    /// Reads the form, keeping at most `MAX_FILE_BYTES` of file content in memory.
    pub async fn read_form(data: MultipartData) -> Result<Form, AppError> {
        if content_length().is_some_and(|n| n > MAX_FILE_BYTES as u64 + FORM_OVERHEAD) {
            return Err(too_large());
        }
        let mut multipart = data.into_inner().ok_or_else(|| bad_form("no multipart body"))?;
        let mut form = Form::default();
        while let Some(mut field) = multipart.next_field().await.map_err(bad_form)? {
            let name = field.name().unwrap_or_default().to_string();
            match field.file_name().map(str::to_string) {
                Some(file_name) => {
                    let content_type = field.content_type().map(|m| m.to_string());
                    let mut bytes = Vec::new();
                    let mut seen = 0usize;
                    while let Some(chunk) = field.chunk().await.map_err(bad_form)? {
                        seen += chunk.len();
                        if seen > MAX_FILE_BYTES {
                            // drop what follows (bounded), then answer
                            bytes = Vec::new();
                            if seen > DRAIN_LIMIT {
                                break;
                            }
                            continue;
                        }
                        bytes.extend_from_slice(&chunk);
                    }
                    if seen > MAX_FILE_BYTES {
                        return Err(too_large());
                    }
                    // a file input left empty sends a part without name or content
                    if file_name.is_empty() && bytes.is_empty() {
                        continue;
                    }
                    if form.file.is_some() || name != "file" {
                        return Err(AppError::invalid("file", "files.one_file"));
                    }
                    form.file = Some(Upload { name: file_name, content_type, bytes });
                }
                None => {
                    let mut value = Vec::new();
                    while let Some(chunk) = field.chunk().await.map_err(bad_form)? {
                        value.extend_from_slice(&chunk);
                        if value.len() > MAX_FIELD_BYTES {
                            return Err(bad_form("field too long"));
                        }
                    }
                    if form.fields.len() >= MAX_FIELDS {
                        return Err(bad_form("too many fields"));
                    }
                    form.fields.push((name, String::from_utf8(value).map_err(bad_form)?));
                }
            }
        }
        Ok(form)
    }

    /// Checks and stores an upload for `user` (a firm's upload belongs to its firm).
    pub async fn store(st: &AppState, user: &SessionUser, file: Upload) -> Result<FileRef, AppError> {
        let accepted = files::check(&file.name, file.content_type.as_deref(), &file.bytes)
            .map_err(|e| AppError::invalid("file", e.message_key()))?;
        let firm_id = if user.role == Role::Firm { user.firm_id } else { None };
        let new = crate::db::files::NewFile {
            kind: accepted.kind,
            name: &accepted.name,
            bytes: &file.bytes,
            uploaded_by: Some(user.id),
            firm_id,
        };
        Ok(crate::db::files::store(&st.pool, &new, st.now_ms()).await?)
    }
}

