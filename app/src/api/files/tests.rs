use super::testing::{form, BOUNDARY, PDF, PNG};
use super::*;
use crate::db::testing::{AccountScope, TestApp};
use crate::domain::accounts::Role;
use crate::domain::files::MAX_FILE_BYTES;

#[tokio::test]
async fn signed_in_users_upload_and_the_bytes_round_trip() {
    let app = TestApp::new().await;
    let firm_id: i64 = sqlx::query_scalar("SELECT id FROM firms ORDER BY id LIMIT 1").fetch_one(&app.state.pool).await.unwrap();
    let firm_user = app.account("firm.upload", Role::Firm, AccountScope { firm_id: Some(firm_id), ..Default::default() }).await;
    app.new_session();
    let anonymous = app.run(upload_file(form(&[], Some(("file", "a.pdf", "application/pdf", PDF))))).await;
    assert_eq!(anonymous, Err(AppError::Unauthenticated));

    app.sign_in_as(firm_user).await;
    let got = app.run(upload_file(form(&[], Some(("file", "营业执照/../资质证书.pdf", "application/pdf", PDF))))).await.unwrap();
    assert_eq!((got.original_name.as_str(), got.content_type.as_str(), got.size_bytes), ("资质证书.pdf", "application/pdf", PDF.len() as i64));
    let stored = crate::db::files::load(&app.state.pool, got.id).await.unwrap().unwrap();
    assert_eq!(stored.bytes, PDF, "the exact bytes come back");
    assert_eq!(stored.meta.sha256, crate::db::files::sha256_hex(PDF));
    assert_eq!((stored.access.uploaded_by, stored.access.firm_id), (Some(firm_user), Some(firm_id)), "a firm's upload belongs to the firm");
    let png = app.run(upload_file(form(&[], Some(("file", "公章.PNG", "image/png", PNG))))).await.unwrap();
    assert_eq!(png.content_type, "image/png");
}

#[tokio::test]
async fn refuses_wrong_types_empty_missing_and_oversized_files() {
    let app = TestApp::with_demo(None).await;
    let ops = app.account("ops.upload", Role::Operator, AccountScope::default()).await;
    app.sign_in_as(ops).await;
    let up = |name: &str, ct: &str, bytes: &[u8]| upload_file(form(&[], Some(("file", name, ct, bytes))));
    let invalid = |key: &str| Err(AppError::invalid("file", key));
    // an HTML page or a PNG disguised with a .pdf name
    assert_eq!(app.run(up("公告.pdf", "application/pdf", b"<html><script>alert(1)</script></html>")).await, invalid("files.bad_type"));
    assert_eq!(app.run(up("公告.pdf", "application/pdf", PNG)).await, invalid("files.type_mismatch"));
    assert_eq!(app.run(up("公告.pdf", "image/png", PDF)).await, invalid("files.type_mismatch"));
    assert_eq!(app.run(up("公告.exe", "application/pdf", PDF)).await, invalid("files.bad_name"));
    assert_eq!(app.run(up("空.pdf", "application/pdf", b"")).await, invalid("files.empty"));
    assert_eq!(app.run(upload_file(form(&[], None))).await, invalid("files.missing"));
    assert_eq!(app.run(up("", "application/octet-stream", b"")).await, invalid("files.missing"), "a file input left empty");
    // one byte over 5 MiB is refused while reading; exactly 5 MiB is stored
    let mut big = PDF.to_vec();
    big.resize(MAX_FILE_BYTES + 1, b' ');
    assert_eq!(app.run(up("大.pdf", "application/pdf", &big)).await, invalid("files.too_large"));
    big.truncate(MAX_FILE_BYTES);
    assert_eq!(app.run(up("大.pdf", "application/pdf", &big)).await.unwrap().size_bytes, MAX_FILE_BYTES as i64);
    let (count,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM files").fetch_one(&app.state.pool).await.unwrap();
    assert_eq!(count, 1, "nothing refused was stored");
    // two files in one form
    let mut body = Vec::new();
    for n in ["a.pdf", "b.pdf"] {
        body.extend_from_slice(format!("--{}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{n}\"\r\nContent-Type: application/pdf\r\n\r\n", BOUNDARY).as_bytes());
        body.extend_from_slice(PDF);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{}--\r\n", BOUNDARY).as_bytes());
    let stream = futures::stream::iter(vec![Ok::<_, std::io::Error>(multer::bytes::Bytes::from(body))]);
    let data = MultipartData::Server(multer::Multipart::new(stream, BOUNDARY));
    assert_eq!(app.run(upload_file(data)).await, invalid("files.one_file"));
}

#[test]
fn only_multipart_bodies_with_a_boundary_reach_the_upload_functions() {
    assert!(is_multipart("multipart/form-data; boundary=----WebKitFormBoundary7MA4YWxkTrZu0gW"));
    assert!(!is_multipart("multipart/form-data"));
    assert!(!is_multipart("application/x-www-form-urlencoded"));
    assert!(!is_multipart("application/json"));
}
