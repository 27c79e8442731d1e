//! Stored files: the bytes live in the database so every server instance
//! serves the same files.
//!
//! Dedupe: the same user uploading the same content under the same name again
//! (a double click, a resubmitted form) gets the existing row back. Uploads by
//! different users are never shared, so a file's owner, and with it who may
//! read it, is always the person who uploaded it (and whether an upload is new
//! reveals nothing about other users' files).
use super::Pool;
use crate::domain::files::{FileAccess, FileKind};
use crate::model::files::FileRef;

const FILE_COLUMNS: &str = "id, sha256, content_type, size_bytes, original_name";

/// A checked upload to store (see `domain::files::check`).
pub struct NewFile<'a> {
    pub kind: FileKind,
    /// Already cleaned (`domain::files::clean_name`).
    pub name: &'a str,
    pub bytes: &'a [u8],
    pub uploaded_by: Option<i64>,
    /// The firm the file belongs to (set for uploads by firm accounts).
    pub firm_id: Option<i64>,
}

/// A file with its content.
pub struct StoredFile {
    pub meta: FileRef,
    pub bytes: Vec<u8>,
    pub access: FileAccess,
}

/// Hex SHA-256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

/// Stores a file (or returns the uploader's identical earlier upload).
pub async fn store(pool: &Pool, file: &NewFile<'_>, now_ms: i64) -> Result<FileRef, sqlx::Error> {
    let sha = sha256_hex(file.bytes);
    if let Some(uploader) = file.uploaded_by {
        let existing = sqlx::query_as::<_, FileRef>(&format!(
            "SELECT {FILE_COLUMNS} FROM files WHERE uploaded_by = $1 AND sha256 = $2 AND original_name = $3 ORDER BY id LIMIT 1"
        ))
        .bind(uploader)
        .bind(&sha)
        .bind(file.name)
        .fetch_optional(pool)
        .await?;
        if let Some(found) = existing {
            return Ok(found);
        }
    }
    sqlx::query_as::<_, FileRef>(&format!(
        "INSERT INTO files (sha256, content_type, size_bytes, original_name, bytes, uploaded_by, firm_id, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING {FILE_COLUMNS}"
    ))
    .bind(&sha)
    .bind(file.kind.content_type())
    .bind(file.bytes.len() as i64)
    .bind(file.name)
    .bind(file.bytes)
    .bind(file.uploaded_by)
    .bind(file.firm_id)
    .bind(now_ms)
    .fetch_one(pool)
    .await
}

/// A file's description by id (no bytes).
pub async fn meta(pool: &Pool, id: i64) -> Result<Option<FileRef>, sqlx::Error> {
    sqlx::query_as::<_, FileRef>(&format!("SELECT {FILE_COLUMNS} FROM files WHERE id = $1")).bind(id).fetch_optional(pool).await
}

/// A file with its bytes and what decides who may read it.
pub async fn load(pool: &Pool, id: i64) -> Result<Option<StoredFile>, sqlx::Error> {
    load_for(pool, id, None).await
}

/// The same, for a reader of owner organisation `owner_id` (if any): when the
/// file is attached to objections against several owners' procurements, the
/// access names that owner if it is one of them.
pub async fn load_for(pool: &Pool, id: i64, owner_id: Option<i64>) -> Result<Option<StoredFile>, sqlx::Error> {
    type Row = (i64, String, String, i64, String, Vec<u8>, Option<i64>, Option<i64>, i64, Option<i64>);
    let row: Option<Row> = sqlx::query_as(
        "SELECT f.id, f.sha256, f.content_type, f.size_bytes, f.original_name, f.bytes, f.uploaded_by, f.firm_id, \
         CAST(CASE WHEN EXISTS (SELECT 1 FROM notice_attachments a JOIN notices n ON n.id = a.notice_id \
                                WHERE a.file_id = f.id AND n.published_at IS NOT NULL) THEN 1 ELSE 0 END AS BIGINT), \
         (SELECT p.owner_id FROM objections o JOIN procurements p ON p.id = o.procurement_id WHERE o.file_id = f.id \
          ORDER BY CASE WHEN p.owner_id = $2 THEN 0 ELSE 1 END, p.owner_id LIMIT 1) \
         FROM files f WHERE f.id = $1",
    )
    .bind(id)
    .bind(owner_id)
    .fetch_optional(pool)
    .await?;
    Ok(row.map(|(id, sha256, content_type, size_bytes, original_name, bytes, uploaded_by, firm_id, public, objection_owner)| StoredFile {
        meta: FileRef { id, sha256, content_type, size_bytes, original_name },
        bytes,
        access: FileAccess { public: public == 1, uploaded_by, firm_id, objection_owner },
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::testing::{AccountScope, TestApp};
    use crate::domain::accounts::Role;

    const PDF: &[u8] = b"%PDF-1.4\n% test\n%%EOF\n";

    #[test]
    fn hashes_are_hex_sha256() {
        assert_eq!(sha256_hex(b"abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    }

    #[tokio::test]
    async fn stores_and_loads_bytes_and_dedupes_per_uploader() {
        let app = TestApp::with_demo(None).await;
        let pool = &app.state.pool;
        let alice = app.account("ops.alice", Role::Operator, AccountScope::default()).await;
        let bob = app.account("ops.bob", Role::Operator, AccountScope::default()).await;
        let new = |by, name| NewFile { kind: FileKind::Pdf, name, bytes: PDF, uploaded_by: Some(by), firm_id: None };
        let a = store(pool, &new(alice, "通知.pdf"), 1).await.unwrap();
        assert_eq!((a.content_type.as_str(), a.size_bytes, a.original_name.as_str()), ("application/pdf", PDF.len() as i64, "通知.pdf"));
        assert_eq!(a.sha256, sha256_hex(PDF));
        let again = store(pool, &new(alice, "通知.pdf"), 2).await.unwrap();
        assert_eq!(again, a, "the same upload again is the same file");
        let renamed = store(pool, &new(alice, "通知(定稿).pdf"), 3).await.unwrap();
        assert_ne!(renamed.id, a.id, "another name is another file");
        let other = store(pool, &new(bob, "通知.pdf"), 4).await.unwrap();
        assert_ne!(other.id, a.id, "never shared between uploaders");
        let loaded = load(pool, a.id).await.unwrap().unwrap();
        assert_eq!(loaded.bytes, PDF);
        assert_eq!(loaded.meta, a);
        assert_eq!(loaded.access, FileAccess { public: false, uploaded_by: Some(alice), firm_id: None, objection_owner: None });
        assert!(load(pool, 999_999).await.unwrap().is_none());
        assert_eq!(meta(pool, a.id).await.unwrap(), Some(a));
    }
}
