//! Uploaded files as pages and forms see them (never the bytes).
use serde::{Deserialize, Serialize};

/// A stored file: what a page links to (`/files/{id}`) and shows (name, size).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct FileRef {
    pub id: i64,
    /// Hex SHA-256 of the content.
    pub sha256: String,
    /// `application/pdf`, `image/jpeg` or `image/png`.
    pub content_type: String,
    pub size_bytes: i64,
    pub original_name: String,
}

impl FileRef {
    pub fn href(&self) -> String {
        format!("/files/{}", self.id)
    }

    pub fn size_label(&self) -> String {
        crate::domain::files::human_size(self.size_bytes)
    }

    /// "PDF", "JPEG", "PNG".
    pub fn kind_label(&self) -> &'static str {
        match crate::domain::files::FileKind::from_content_type(&self.content_type) {
            Some(crate::domain::files::FileKind::Pdf) => "PDF",
            Some(crate::domain::files::FileKind::Jpeg) => "JPEG",
            Some(crate::domain::files::FileKind::Png) => "PNG",
            None => "",
        }
    }
}
