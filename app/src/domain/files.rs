//! Uploaded files: which bytes are accepted. Pure.
//!
//! Only three kinds are ever stored or served: PDF, JPEG and PNG. The kind is
//! sniffed from the first bytes (magic numbers), and the name's extension and
//! the declared content type must agree with it, so a file can never be
//! stored under, or served with, a type its bytes are not. Nothing executable
//! (HTML, SVG, scripts) has one of these signatures.
use serde::{Deserialize, Serialize};

/// 5 MiB: the largest file accepted.
pub const MAX_FILE_BYTES: usize = 5 * 1024 * 1024;
/// Longest stored file name, in characters.
pub const MAX_NAME_CHARS: usize = 100;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum FileKind {
    Pdf,
    Jpeg,
    Png,
}

impl FileKind {
    pub const ALL: [FileKind; 3] = [FileKind::Pdf, FileKind::Jpeg, FileKind::Png];

    pub fn content_type(self) -> &'static str {
        match self {
            FileKind::Pdf => "application/pdf",
            FileKind::Jpeg => "image/jpeg",
            FileKind::Png => "image/png",
        }
    }

    pub fn from_content_type(ct: &str) -> Option<FileKind> {
        let essence = ct.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
        match essence.as_str() {
            "application/pdf" => Some(FileKind::Pdf),
            "image/jpeg" | "image/jpg" | "image/pjpeg" => Some(FileKind::Jpeg),
            "image/png" => Some(FileKind::Png),
            _ => None,
        }
    }

    /// The kind a file name's extension claims (case-insensitive).
    pub fn from_name(name: &str) -> Option<FileKind> {
        let ext = name.rsplit_once('.')?.1.to_ascii_lowercase();
        match ext.as_str() {
            "pdf" => Some(FileKind::Pdf),
            "jpg" | "jpeg" => Some(FileKind::Jpeg),
            "png" => Some(FileKind::Png),
            _ => None,
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            FileKind::Pdf => "pdf",
            FileKind::Jpeg => "jpg",
            FileKind::Png => "png",
        }
    }

    /// Images open in the browser; PDFs download (a PDF viewer does not run
    /// under the `sandbox` policy every file is served with).
    pub fn inline(self) -> bool {
        !matches!(self, FileKind::Pdf)
    }
}

const PNG_SIGNATURE: &[u8] = b"\x89PNG\r\n\x1a\n";

/// The kind of `bytes` by their magic number, or `None`.
pub fn sniff(bytes: &[u8]) -> Option<FileKind> {
    if bytes.starts_with(b"%PDF-") {
        Some(FileKind::Pdf)
    } else if bytes.starts_with(PNG_SIGNATURE) {
        Some(FileKind::Png)
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some(FileKind::Jpeg)
    } else {
        None
    }
}

/// Why a file is refused; each has a message for the user.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileError {
    Empty,
    TooLarge,
    /// Not a PDF, JPEG or PNG by its content.
    BadType,
    /// The name's extension (or the declared type) says another kind than the content.
    TypeMismatch,
    /// No file name, or one without a PDF/JPEG/PNG extension.
    BadName,
}

impl FileError {
    pub fn message_key(self) -> &'static str {
        match self {
            FileError::Empty => "files.empty",
            FileError::TooLarge => "files.too_large",
            FileError::BadType => "files.bad_type",
            FileError::TypeMismatch => "files.type_mismatch",
            FileError::BadName => "files.bad_name",
        }
    }
}

/// A file that passed every check.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Accepted {
    pub kind: FileKind,
    pub name: String,
}

/// Checks an upload: size, content kind, and that the name's extension and the
/// declared content type (if the browser sent a specific one) agree with the
/// content. Returns the kind and the cleaned name.
pub fn check(name: &str, declared: Option<&str>, bytes: &[u8]) -> Result<Accepted, FileError> {
    if bytes.is_empty() {
        return Err(FileError::Empty);
    }
    if bytes.len() > MAX_FILE_BYTES {
        return Err(FileError::TooLarge);
    }
    let kind = sniff(bytes).ok_or(FileError::BadType)?;
    let name = clean_name(name);
    let claimed = FileKind::from_name(&name).ok_or(FileError::BadName)?;
    if claimed != kind {
        return Err(FileError::TypeMismatch);
    }
    // browsers send application/octet-stream for types they do not know: no claim
    if let Some(ct) = declared.map(str::trim).filter(|c| !c.is_empty() && !c.starts_with("application/octet-stream")) {
        if FileKind::from_content_type(ct) != Some(kind) {
            return Err(FileError::TypeMismatch);
        }
    }
    Ok(Accepted { kind, name })
}

/// A file name safe to store and show: the last path segment, without control
/// characters, quotes or characters that mean something in a path or header,
/// at most `MAX_NAME_CHARS` characters (the extension is kept).
pub fn clean_name(raw: &str) -> String {
    let last = raw.rsplit(['/', '\\']).next().unwrap_or("");
    let cleaned: String = last
        .chars()
        .filter(|c| !c.is_control() && !matches!(c, '"' | '<' | '>' | ':' | '*' | '?' | '|' | ';' | '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{FEFF}'))
        .collect();
    let cleaned = cleaned.trim().trim_start_matches('.').trim().to_string();
    if cleaned.chars().count() <= MAX_NAME_CHARS {
        return cleaned;
    }
    match cleaned.rsplit_once('.') {
        Some((stem, ext)) if ext.chars().count() <= 10 => {
            let keep = MAX_NAME_CHARS - ext.chars().count() - 1;
            format!("{}.{ext}", stem.chars().take(keep).collect::<String>())
        }
        _ => cleaned.chars().take(MAX_NAME_CHARS).collect(),
    }
}

/// What decides who may read a stored file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FileAccess {
    /// Attached to a published notice or policy: everyone may read it.
    pub public: bool,
    pub uploaded_by: Option<i64>,
    /// The firm the file belongs to (qualification documents).
    pub firm_id: Option<i64>,
    /// Attached to an objection (质疑): the owner organisation of the
    /// procurement objected to (the reader's own one when there are several).
    pub objection_owner: Option<i64>,
}

/// Who asks: the signed-in user's id, role, firm and owner organisation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Reader {
    pub user_id: i64,
    pub role: super::accounts::Role,
    pub firm_id: Option<i64>,
    pub owner_id: Option<i64>,
}

/// Whether `reader` (`None`: not signed in) may download the file: public
/// files by everyone; others by their uploader, the accounts of their firm,
/// operators and administrators, and (firm documents only) regulators; an
/// objection's attachment also by the owner of the procurement objected to.
/// Leaders, other owners and other firms never see another's private file.
pub fn may_read(file: FileAccess, reader: Option<Reader>) -> bool {
    use super::accounts::Role;
    if file.public {
        return true;
    }
    let Some(r) = reader else { return false };
    match r.role {
        Role::Admin | Role::Operator => true,
        Role::Regulator => file.firm_id.is_some() || file.uploaded_by == Some(r.user_id),
        Role::Firm => file.uploaded_by == Some(r.user_id) || (file.firm_id.is_some() && file.firm_id == r.firm_id),
        Role::Owner => file.uploaded_by == Some(r.user_id) || (file.objection_owner.is_some() && file.objection_owner == r.owner_id),
        Role::Leader => file.uploaded_by == Some(r.user_id),
    }
}

/// "1.2 MB", "35 KB", "900 B" for a file size.
pub fn human_size(bytes: i64) -> String {
    const KB: f64 = 1024.0;
    let b = bytes.max(0) as f64;
    if b >= KB * KB {
        format!("{:.1} MB", b / (KB * KB))
    } else if b >= KB {
        format!("{:.0} KB", (b / KB).ceil())
    } else {
        format!("{bytes} B")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const PDF: &[u8] = b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n%%EOF\n";
    const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR";
    const JPEG: &[u8] = &[0xFF, 0xD8, 0xFF, 0xE0, 0, 16, b'J', b'F', b'I', b'F'];

    #[test]
    fn sniffs_the_three_kinds_by_magic_number() {
        assert_eq!(sniff(PDF), Some(FileKind::Pdf));
        assert_eq!(sniff(PNG), Some(FileKind::Png));
        assert_eq!(sniff(JPEG), Some(FileKind::Jpeg));
        for bad in [&b"<html><script>alert(1)</script>"[..], b"<svg xmlns=", b"MZ\x90\0", b"PK\x03\x04", b"%PDF", b"\x89PNG", b"\xFF\xD8", b" %PDF-1.4", b"GIF89a"] {
            assert_eq!(sniff(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn accepts_matching_name_and_type() {
        assert_eq!(check("通知附件.PDF", Some("application/pdf"), PDF), Ok(Accepted { kind: FileKind::Pdf, name: "通知附件.PDF".into() }));
        assert_eq!(check("photo.jpeg", Some("image/jpeg"), JPEG).unwrap().kind, FileKind::Jpeg);
        assert_eq!(check("scan.png", None, PNG).unwrap().kind, FileKind::Png);
        assert_eq!(check("scan.png", Some("application/octet-stream"), PNG).unwrap().kind, FileKind::Png, "no claim");
    }

    #[test]
    fn refuses_empty_large_and_disguised_files() {
        assert_eq!(check("a.pdf", None, b""), Err(FileError::Empty));
        let mut big = PDF.to_vec();
        big.resize(MAX_FILE_BYTES + 1, b' ');
        assert_eq!(check("a.pdf", None, &big), Err(FileError::TooLarge));
        big.truncate(MAX_FILE_BYTES);
        assert!(check("a.pdf", None, &big).is_ok(), "exactly 5 MiB is fine");
        // an HTML page called .pdf, a PNG called .pdf, a PDF declared as an image
        assert_eq!(check("report.pdf", Some("application/pdf"), b"<html><script>x</script>"), Err(FileError::BadType));
        assert_eq!(check("report.pdf", Some("application/pdf"), PNG), Err(FileError::TypeMismatch));
        assert_eq!(check("report.pdf", Some("image/png"), PDF), Err(FileError::TypeMismatch));
        assert_eq!(check("report.html", Some("text/html"), PDF), Err(FileError::BadName));
        assert_eq!(check("report", None, PDF), Err(FileError::BadName));
        assert_eq!(check("report.pdf", Some("text/html"), PDF), Err(FileError::TypeMismatch));
    }

    #[test]
    fn cleans_names() {
        assert_eq!(clean_name("C:\\Users\\张三\\资质证书.pdf"), "资质证书.pdf");
        assert_eq!(clean_name("../../etc/passwd.png"), "passwd.png");
        assert_eq!(clean_name("a\"b;\r\nc<d>.pdf"), "abcd.pdf");
        assert_eq!(clean_name("evil\u{202E}fdp.png"), "evilfdp.png", "no bidi override");
        assert_eq!(clean_name("  .hidden.pdf "), "hidden.pdf");
        let long = format!("{}.pdf", "长".repeat(150));
        let cut = clean_name(&long);
        assert_eq!(cut.chars().count(), MAX_NAME_CHARS);
        assert!(cut.ends_with(".pdf"));
    }

    #[test]
    fn who_may_read_a_file() {
        use crate::domain::accounts::Role;
        let reader = |user_id, role, firm_id| Some(Reader { user_id, role, firm_id, owner_id: None });
        let public = FileAccess { public: true, uploaded_by: Some(1), firm_id: None, objection_owner: None };
        assert!(may_read(public, None), "notice attachments are public");
        let draft_attachment = FileAccess { public: false, uploaded_by: Some(1), firm_id: None, objection_owner: None };
        assert!(!may_read(draft_attachment, None));
        assert!(may_read(draft_attachment, reader(1, Role::Operator, None)), "its uploader");
        assert!(may_read(draft_attachment, reader(2, Role::Operator, None)), "other operators");
        assert!(may_read(draft_attachment, reader(3, Role::Admin, None)));
        for role in [Role::Regulator, Role::Leader, Role::Owner, Role::Firm] {
            assert!(!may_read(draft_attachment, reader(9, role, Some(5))), "{role:?}");
        }
        // a qualification document of firm 5 uploaded by its user 7
        let document = FileAccess { public: false, uploaded_by: Some(7), firm_id: Some(5), objection_owner: None };
        assert!(may_read(document, reader(7, Role::Firm, Some(5))));
        assert!(may_read(document, reader(8, Role::Firm, Some(5))), "another account of the same firm");
        assert!(!may_read(document, reader(9, Role::Firm, Some(6))), "another firm");
        assert!(may_read(document, reader(10, Role::Regulator, None)));
        assert!(may_read(document, reader(11, Role::Operator, None)));
        assert!(!may_read(document, reader(12, Role::Leader, None)));
        assert!(!may_read(document, reader(13, Role::Owner, None)));
        assert!(!may_read(document, None));
    }

    #[test]
    fn the_owner_objected_to_reads_the_objections_attachment() {
        use crate::domain::accounts::Role;
        let owner = |user_id, owner_id| Some(Reader { user_id, role: Role::Owner, firm_id: None, owner_id: Some(owner_id) });
        // firm 5's user 7 objects to a procurement of owner organisation 3, with an attachment
        let attachment = FileAccess { public: false, uploaded_by: Some(7), firm_id: Some(5), objection_owner: Some(3) };
        assert!(may_read(attachment, owner(20, 3)), "an account of the owner objected to");
        assert!(!may_read(attachment, owner(21, 4)), "another owner");
        assert!(!may_read(attachment, None), "the public");
        assert!(!may_read(attachment, Some(Reader { user_id: 22, role: Role::Leader, firm_id: None, owner_id: Some(3) })));
        assert!(!may_read(attachment, Some(Reader { user_id: 23, role: Role::Firm, firm_id: Some(6), owner_id: None })), "another firm");
        assert!(may_read(attachment, Some(Reader { user_id: 8, role: Role::Firm, firm_id: Some(5), owner_id: None })), "the objecting firm");
        assert!(may_read(attachment, Some(Reader { user_id: 24, role: Role::Regulator, firm_id: None, owner_id: None })));
        // a file attached to no objection is never an owner's to read
        let document = FileAccess { objection_owner: None, ..attachment };
        assert!(!may_read(document, owner(20, 3)));
    }

    #[test]
    fn sizes_for_people() {
        assert_eq!(human_size(900), "900 B");
        assert_eq!(human_size(35 * 1024), "35 KB");
        assert_eq!(human_size(1_258_291), "1.2 MB");
    }

    proptest! {
        /// Random bytes under any of the accepted names are refused unless they
        /// start with the signature of exactly that kind.
        #[test]
        fn random_bytes_are_never_accepted_as_another_kind(bytes in proptest::collection::vec(any::<u8>(), 0..64), ext in 0usize..4) {
            let name = ["x.pdf", "x.jpg", "x.png", "x.html"][ext];
            if let Ok(a) = check(name, None, &bytes) {
                prop_assert_eq!(sniff(&bytes), Some(a.kind));
                prop_assert_eq!(FileKind::from_name(name), Some(a.kind));
                prop_assert!(FileKind::ALL.contains(&a.kind));
            }
        }

        /// Bytes behind a real signature are accepted only under the matching name.
        #[test]
        fn signatures_with_random_tails(tail in proptest::collection::vec(any::<u8>(), 0..64), kind in 0usize..3, ext in 0usize..3) {
            let head: &[u8] = [PDF, JPEG, PNG][kind];
            let bytes = [head, &tail[..]].concat();
            let name = ["x.pdf", "x.jpg", "x.png"][ext];
            prop_assert_eq!(check(name, None, &bytes).is_ok(), kind == ext);
        }
    }
}
