//! Multipart bodies for tests.
use leptos::server_fn::codec::MultipartData;

pub const BOUNDARY: &str = "zjcs-test-boundary";

/// A multipart body with text `fields` and optionally one file part
/// (field name, file name, content type, bytes), split into 64 KiB chunks.
pub fn form(fields: &[(&str, &str)], file: Option<(&str, &str, &str, &[u8])>) -> MultipartData {
    let mut body = Vec::new();
    for (k, v) in fields {
        body.extend_from_slice(format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n").as_bytes());
    }
    if let Some((field, name, ct, bytes)) = file {
        body.extend_from_slice(
            format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{field}\"; filename=\"{name}\"\r\nContent-Type: {ct}\r\n\r\n")
                .as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
    let chunks: Vec<Result<multer::bytes::Bytes, std::io::Error>> =
        body.chunks(64 * 1024).map(|c| Ok(multer::bytes::Bytes::copy_from_slice(c))).collect();
    MultipartData::Server(multer::Multipart::new(futures::stream::iter(chunks), BOUNDARY))
}

pub const PDF: &[u8] = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n";
pub const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89";
