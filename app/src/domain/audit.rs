//! The tamper-evident audit trail (审计记录, #8), pure part: which requests are
//! recorded, what an entry's arguments look like (secrets redacted, file
//! bodies reduced to their size), which subject an action is about, the
//! canonical form an entry's hash covers, and the chain check.
//!
//! # The chain
//! Entry `n` stores `prev_hash` = the hash of entry `n - 1` (entry 1: 64 zeros,
//! [`GENESIS`]) and `hash` = SHA-256 (lower-case hex) of [`Entry::canonical`]:
//! a JSON array of a version tag and every field in a fixed order, `prev_hash`
//! last. Changing any stored field of any entry changes its hash, so the
//! verifier ([`Checker`]) finds the first entry that no longer matches:
//! - `hash`: the entry's fields do not give its stored hash (edited in place);
//! - `link`: its `prev_hash` is not the previous entry's hash (an entry was
//!   replaced, or a forged one appended);
//! - `missing`: a sequence number was skipped (an entry was deleted); the
//!   missing number is reported.
//!
//! Deleting the newest entries cannot be told from them never having been
//! written: compare the entry count with an earlier verification report.
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

/// `prev_hash` of the first entry.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// Version tag at the head of the canonical form.
pub const CANONICAL_TAG: &str = "zjcs-audit-1";

/// Server functions that change nothing although they are called with POST
/// (server functions are POST by default). Every other request to `/api/` that
/// is not a GET is recorded, so a new endpoint is recorded until someone lists
/// it here: forgetting errs on the side of the log.
pub const READ_ONLY: &[&str] = &[
    "portal/home",
    "stats/public",
    "catalogue/facets",
    "catalogue/items",
    "catalogue/item",
    "firms/facets",
    "firms/list",
    "firms/profile",
    "reference/lists",
    "accounts/me",
    "accounts/list",
    "accounts/oidc_status",
    "notices/list",
    "notices/detail",
    "notices/manage_list",
    "notices/edit",
    "catalogue/manage_list",
    "catalogue/editor",
    "onboarding/workbench",
    "onboarding/application",
    "onboarding/options",
    "review/queue",
    "review/application",
    "review/expiring",
    "register/status",
    "trading/list",
    "trading/announcement",
    "trading/my_part",
    "trading/options",
    "trading/owner_desk",
    "trading/draft",
    "trading/participations",
    "trading/escalated",
    "calendar/versions",
    "trading/settings",
    "contracts/list",
    "contracts/page",
    "contracts/verify",
    "payments/panel",
    "contract_work/panel",
    "contract_work/messages",
    "ratings/panel",
    "ratings/firm",
    "ratings/desk",
    "credit/lookup",
    "credit/archive",
    "credit/records",
    "credit/regulator",
    "credit/contract_flag",
    "dashboard/view",
    "redflags/list",
    "redflags/evaluate",
    "complaints/options",
    "complaints/mine",
    "complaints/detail",
    "complaints/queue",
    "public/open-data",
    "audit/list",
    "audit/verify",
];

/// Whether a POST to the server function `endpoint` (the path after `/api/`) is recorded.
pub fn is_recorded(endpoint: &str) -> bool {
    !READ_ONLY.contains(&endpoint)
}

/// The action name of a request that is recorded, `None` for everything else:
/// server functions (`contracts/sign`) except reads, the payment provider's
/// callback (`payments/notify`), the sandbox cashier's buttons
/// (`sandbox-gateway/confirm` …) and the unified-identity sign-in (`accounts/oidc_callback`).
pub fn action_of(method: &str, path: &str) -> Option<String> {
    let post = method.eq_ignore_ascii_case("POST");
    if let Some(endpoint) = path.strip_prefix("/api/") {
        return (!method.eq_ignore_ascii_case("GET") && !method.eq_ignore_ascii_case("HEAD") && is_recorded(endpoint))
            .then(|| endpoint.to_string());
    }
    if post && path.starts_with("/payments/notify/") {
        return Some("payments/notify".into());
    }
    if post {
        if let Some(rest) = path.strip_prefix("/sandbox-gateway/pay/") {
            if let Some((_, act)) = rest.split_once('/') {
                return Some(format!("sandbox-gateway/{act}"));
            }
        }
    }
    if method.eq_ignore_ascii_case("GET") && path == "/auth/oidc/callback" {
        return Some("accounts/oidc_callback".into());
    }
    None
}

/// One entry, as stored (without its own hash).
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Entry {
    pub seq: i64,
    /// Epoch ms (UTC).
    pub at: i64,
    /// `None`: anonymous.
    pub actor_id: Option<i64>,
    pub actor_username: Option<String>,
    /// `Role::as_str`
    pub role: Option<String>,
    /// The endpoint, e.g. `contracts/sign`.
    pub action: String,
    /// `procurement`, `contract`, `complaint`, `firm`, … (see [`subject_rule`])
    pub subject_kind: Option<String>,
    /// The subject's code (procurement or contract code, credit code, id).
    pub subject: Option<String>,
    /// The request's arguments as canonical JSON (see [`clean`]).
    pub args: String,
    /// The subject's status before and after the action.
    pub before: Option<String>,
    pub after: Option<String>,
    /// The HTTP status of the answer.
    pub http_status: i64,
    /// The error's message key when the action failed.
    pub error: Option<String>,
    pub prev_hash: String,
}

impl Entry {
    /// The text the hash covers: a JSON array, fields in a fixed order.
    pub fn canonical(&self) -> String {
        Value::Array(vec![
            Value::from(CANONICAL_TAG),
            Value::from(self.seq),
            Value::from(self.at),
            Value::from(self.actor_id),
            Value::from(self.actor_username.clone()),
            Value::from(self.role.clone()),
            Value::from(self.action.clone()),
            Value::from(self.subject_kind.clone()),
            Value::from(self.subject.clone()),
            Value::from(self.args.clone()),
            Value::from(self.before.clone()),
            Value::from(self.after.clone()),
            Value::from(self.http_status),
            Value::from(self.error.clone()),
            Value::from(self.prev_hash.clone()),
        ])
        .to_string()
    }

    /// SHA-256 of the canonical form, lower-case hex.
    pub fn hash(&self) -> String {
        hex(&Sha256::digest(self.canonical().as_bytes()))
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Why the chain breaks at an entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Broken {
    /// The sequence number was skipped (an entry is gone).
    Missing,
    /// `prev_hash` is not the previous entry's hash.
    Link,
    /// The fields do not give the stored hash.
    Hash,
}

impl Broken {
    pub fn as_str(self) -> &'static str {
        match self {
            Broken::Missing => "missing",
            Broken::Link => "link",
            Broken::Hash => "hash",
        }
    }
}

/// Walks the chain one entry at a time (in `seq` order), so the verifier can
/// read the log in pages.
#[derive(Clone, Debug)]
pub struct Checker {
    next_seq: i64,
    prev_hash: String,
    pub checked: u64,
}

impl Default for Checker {
    fn default() -> Self {
        Checker { next_seq: 1, prev_hash: GENESIS.to_string(), checked: 0 }
    }
}

impl Checker {
    /// Checks the next stored entry; `Err((seq, why))` names the first broken one.
    pub fn check(&mut self, e: &Entry, stored_hash: &str) -> Result<(), (i64, Broken)> {
        if e.seq != self.next_seq {
            return Err((self.next_seq.min(e.seq), Broken::Missing));
        }
        if e.prev_hash != self.prev_hash {
            return Err((e.seq, Broken::Link));
        }
        if e.hash() != stored_hash {
            return Err((e.seq, Broken::Hash));
        }
        self.checked += 1;
        self.next_seq += 1;
        self.prev_hash = stored_hash.to_string();
        Ok(())
    }
}

/// Whether an argument's value is a secret (password, secret, token, key, OTP, captcha).
pub fn is_secret(key: &str) -> bool {
    let k = key.to_lowercase();
    ["password", "secret", "token", "key", "otp", "captcha"].iter().any(|s| k.contains(s))
}

/// Longest argument text kept; longer ones keep this many characters and note the length.
pub const MAX_TEXT: usize = 500;

/// Redacts secrets (any depth) and shortens long texts.
pub fn clean(v: Value) -> Value {
    fn walk(v: Value, secret: bool) -> Value {
        match v {
            _ if secret => Value::from("***"),
            Value::Object(m) => Value::Object(m.into_iter().map(|(k, v)| {
                let s = is_secret(&k);
                (k, walk(v, s))
            }).collect()),
            Value::Array(a) => Value::Array(a.into_iter().map(|v| walk(v, false)).collect()),
            Value::String(s) if s.chars().count() > MAX_TEXT => {
                let n = s.chars().count();
                Value::from(format!("{}…({n})", s.chars().take(MAX_TEXT).collect::<String>()))
            }
            other => other,
        }
    }
    walk(v, false)
}

/// JSON with object keys sorted at every depth (the stored `args` text).
pub fn canonical_json(v: &Value) -> String {
    fn sorted(v: &Value) -> Value {
        match v {
            Value::Object(m) => {
                let mut keys: Vec<&String> = m.keys().collect();
                keys.sort();
                // serde_json's Map keeps insertion order only with `preserve_order`; insert sorted either way
                let mut out = Map::new();
                for k in keys {
                    out.insert(k.clone(), sorted(&m[k]));
                }
                Value::Object(out)
            }
            Value::Array(a) => Value::Array(a.iter().map(sorted).collect()),
            other => other.clone(),
        }
    }
    sorted(v).to_string()
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                match u8::from_str_radix(std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap_or("zz"), 16) {
                    Ok(b) => {
                        out.push(b);
                        i += 2;
                    }
                    Err(_) => out.push(b'%'),
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn push(m: &mut Map<String, Value>, key: String, value: Value) {
    match m.get_mut(&key) {
        Some(Value::Array(a)) => a.push(value),
        Some(old) => {
            let first = old.take();
            *old = Value::Array(vec![first, value]);
        }
        None => {
            m.insert(key, value);
        }
    }
}

/// The arguments of a form body (`a=1&b[c]=2`): keys as sent, a repeated key gives an array.
pub fn args_from_form(body: &str) -> Value {
    let mut m = Map::new();
    for pair in body.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        push(&mut m, percent_decode(k), Value::from(percent_decode(v)));
    }
    Value::Object(m)
}

/// The arguments of a multipart body (`boundary` from the content type): text
/// fields by name, files as `{"file": name, "size": bytes}` (never the body). A
/// body cut short (too long to keep) gives the fields read so far.
pub fn args_from_multipart(body: &[u8], boundary: &str) -> Value {
    let mut m = Map::new();
    let delim = format!("--{boundary}");
    let parts = split_bytes(body, delim.as_bytes());
    for part in parts.into_iter().skip(1) {
        if part.starts_with(b"--") {
            break;
        }
        let part = part.strip_prefix(b"\r\n").unwrap_or(part);
        let Some(head_end) = find(part, b"\r\n\r\n") else { break };
        let head = String::from_utf8_lossy(&part[..head_end]);
        let mut content = &part[head_end + 4..];
        content = content.strip_suffix(b"\r\n").unwrap_or(content);
        let disposition = head.lines().find(|l| l.to_lowercase().starts_with("content-disposition")).unwrap_or("");
        let Some(name) = param(disposition, "name") else { continue };
        match param(disposition, "filename") {
            Some(file) => {
                let mut f = Map::new();
                f.insert("file".into(), Value::from(file));
                f.insert("size".into(), Value::from(content.len() as u64));
                push(&mut m, name, Value::Object(f));
            }
            None => push(&mut m, name, Value::from(String::from_utf8_lossy(content).into_owned())),
        }
    }
    Value::Object(m)
}

fn param(header: &str, name: &str) -> Option<String> {
    header.split(';').map(str::trim).find_map(|p| {
        let (k, v) = p.split_once('=')?;
        (k.trim().eq_ignore_ascii_case(name)).then(|| v.trim().trim_matches('"').to_string())
    })
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

fn split_bytes<'a>(mut hay: &'a [u8], delim: &[u8]) -> Vec<&'a [u8]> {
    let mut out = Vec::new();
    while let Some(i) = find(hay, delim) {
        out.push(&hay[..i]);
        hay = &hay[i + delim.len()..];
    }
    out.push(hay);
    out
}

/// The arguments of a request body by its content type (form, JSON, multipart;
/// anything else: its size), redacted and shortened ([`clean`]).
pub fn args_from_body(content_type: &str, body: &[u8]) -> Value {
    let ct = content_type.to_lowercase();
    let raw = if body.is_empty() {
        Value::Object(Map::new())
    } else if ct.starts_with("application/x-www-form-urlencoded") {
        args_from_form(&String::from_utf8_lossy(body))
    } else if ct.starts_with("application/json") {
        serde_json::from_slice(body).unwrap_or_else(|_| Value::from(String::from_utf8_lossy(body).into_owned()))
    } else if ct.starts_with("multipart/form-data") {
        match param(content_type, "boundary") {
            Some(b) => args_from_multipart(body, &b),
            None => Value::Object(Map::new()),
        }
    } else {
        let mut m = Map::new();
        m.insert("size".into(), Value::from(body.len() as u64));
        Value::Object(m)
    };
    clean(raw)
}

/// Arguments that are sealed until the opening: the audit trail must not hold
/// them in the clear (regulators and operators read it before the deadline).
pub const SEALED_ARGS: [(&str, &str); 1] = [("trading/quote", "amount")];

/// What a sealed argument is recorded as.
pub const SEALED_VALUE: &str = "（密封）";

/// The arguments of `action` with its sealed values replaced by [`SEALED_VALUE`].
pub fn seal_args(action: &str, mut args: Value) -> Value {
    if let Some(obj) = args.as_object_mut() {
        for (sealed_action, field) in SEALED_ARGS {
            if sealed_action == action {
                if let Some(v) = obj.get_mut(field) {
                    *v = Value::from(SEALED_VALUE);
                }
            }
        }
    }
    args
}

/// Event ids an entry keeps of an ingestion batch.
pub const BATCH_IDS_KEPT: usize = 100;

/// The arguments recorded for an approval platform's batch
/// (`ingest/v1/events`, up to 500 events and 2 MB): the number of events and
/// their ids (the first [`BATCH_IDS_KEPT`]); the events themselves are kept
/// in full, with their hashes, in `approval_events`. Anything that is not a
/// batch is kept as it came.
pub fn summarize_batch(args: Value) -> Value {
    let Some(events) = args.get("events").and_then(Value::as_array) else { return args };
    let ids: Vec<Value> = events.iter().filter_map(|e| e.get("event_id").cloned()).take(BATCH_IDS_KEPT).collect();
    let mut m = Map::new();
    m.insert("events".into(), Value::from(events.len() as u64));
    m.insert("event_ids".into(), Value::Array(ids));
    Value::Object(m)
}

/// An argument by name: `name` itself or a field `x[name]` of a form struct
/// (`input[code]`), or `name` inside a JSON object argument.
pub fn arg(args: &Value, name: &str) -> Option<String> {
    let m = args.as_object()?;
    let text = |v: &Value| match v {
        Value::String(s) => Some(s.trim().to_string()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    };
    if let Some(v) = m.get(name).and_then(text) {
        return Some(v).filter(|s| !s.is_empty());
    }
    let suffix = format!("[{name}]");
    m.iter()
        .find_map(|(k, v)| if k.ends_with(&suffix) { text(v) } else { v.as_object().and_then(|o| o.get(name)).and_then(text) })
        .filter(|s| !s.is_empty())
}

/// Where an action's subject comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SubjectFrom {
    /// The named argument.
    Arg(&'static str),
    /// The signed-in firm itself (its credit code).
    ActorFirm,
}

/// Which subject an action is about: its kind (`procurement`, `contract`,
/// `complaint`, `firm`, `objection`, `application`, `proposal`, `sanction`,
/// `redflag`, `notice`, `payment`) and where its code comes from.
pub fn subject_rule(action: &str) -> Option<(&'static str, SubjectFrom)> {
    use SubjectFrom::*;
    let (group, name) = action.split_once('/').unwrap_or((action, ""));
    Some(match (group, name) {
        ("trading", "objection_act") => ("objection", Arg("id")),
        ("trading", _) => ("procurement", Arg("code")),
        ("contracts" | "contract_work", _) => ("contract", Arg("code")),
        ("payments", "notify") => ("payment", Arg("order_no")),
        ("payments", _) => ("contract", Arg("code")),
        ("sandbox-gateway", _) => ("payment", Arg("order_no")),
        ("ratings", "rate" | "reply") => ("contract", Arg("code")),
        ("ratings", "appeal" | "decide_appeal") => ("sanction", Arg("id")),
        ("ratings", "act") => ("proposal", Arg("id")),
        ("ratings", "sanction") | ("credit", "add_record" | "add_list_entry") => ("firm", Arg("credit_code")),
        ("complaints", "act") => ("complaint", Arg("id")),
        ("redflags", "close") => ("redflag", Arg("id")),
        ("review", "decide") => ("application", Arg("id")),
        ("onboarding", _) => ("firm", ActorFirm),
        ("notices", "detach") => ("notice", Arg("notice_id")),
        ("notices", "attach") => ("notice", Arg("notice_id")),
        ("notices", _) => ("notice", Arg("id")),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::authz::MATRIX;

    fn entry() -> Entry {
        Entry {
            seq: 3,
            at: 1_700_000_000_000,
            actor_id: Some(7),
            actor_username: Some("operator.li".into()),
            role: Some("operator".into()),
            action: "contracts/sign".into(),
            subject_kind: Some("contract".into()),
            subject: Some("ZJ-HT1".into()),
            args: r#"{"code":"ZJ-HT1"}"#.into(),
            before: Some("drafted".into()),
            after: Some("signed".into()),
            http_status: 200,
            error: None,
            prev_hash: GENESIS.into(),
        }
    }

    #[test]
    fn audit_every_read_only_endpoint_is_in_the_matrix() {
        for e in READ_ONLY {
            assert!(e.starts_with("audit/") || MATRIX.iter().any(|r| r.endpoint == *e), "{e} is listed as read-only but is not a server function");
        }
        // every endpoint is classified: read-only ones are skipped, all others recorded
        let recorded: Vec<&str> = MATRIX.iter().map(|r| r.endpoint).filter(|e| is_recorded(e)).collect();
        for must in ["contracts/sign", "trading/save", "accounts/sign_in", "accounts/change_password", "files/upload", "redflags/close", "payments/query"] {
            assert!(recorded.contains(&must), "{must} must be recorded");
        }
        for read in ["trading/list", "contracts/page", "redflags/list", "audit/list", "audit/verify"] {
            assert!(!is_recorded(read));
        }
        // names that read: a guard against listing a state change as a read by mistake
        for e in READ_ONLY {
            let name = e.rsplit('/').next().unwrap();
            assert!(!["save", "sign", "submit", "decide", "import", "close", "act", "upload", "pay", "refund"].contains(&name), "{e} changes state");
        }
    }

    #[test]
    fn audit_actions_of_requests() {
        assert_eq!(action_of("POST", "/api/contracts/sign").as_deref(), Some("contracts/sign"));
        assert_eq!(action_of("POST", "/api/contracts/page"), None);
        assert_eq!(action_of("GET", "/api/contracts/sign"), None);
        assert_eq!(action_of("POST", "/payments/notify/sandbox").as_deref(), Some("payments/notify"));
        assert_eq!(action_of("POST", "/sandbox-gateway/pay/P1/confirm").as_deref(), Some("sandbox-gateway/confirm"));
        assert_eq!(action_of("GET", "/sandbox-gateway/pay/P1"), None);
        assert_eq!(action_of("GET", "/auth/oidc/callback").as_deref(), Some("accounts/oidc_callback"));
        assert_eq!(action_of("POST", "/lang/en"), None);
    }

    #[test]
    fn audit_hash_changes_when_any_field_changes() {
        let base = entry();
        let h = base.hash();
        assert_eq!(h.len(), 64);
        assert_eq!(h, entry().hash(), "deterministic");
        let changes: Vec<Box<dyn Fn(&mut Entry)>> = vec![
            Box::new(|e| e.seq = 4),
            Box::new(|e| e.at += 1),
            Box::new(|e| e.actor_id = None),
            Box::new(|e| e.actor_username = Some("operator.wang".into())),
            Box::new(|e| e.role = Some("admin".into())),
            Box::new(|e| e.action = "contracts/amend".into()),
            Box::new(|e| e.subject_kind = Some("procurement".into())),
            Box::new(|e| e.subject = Some("ZJ-HT2".into())),
            Box::new(|e| e.args = r#"{"code":"ZJ-HT2"}"#.into()),
            Box::new(|e| e.before = None),
            Box::new(|e| e.after = Some("drafted".into())),
            Box::new(|e| e.http_status = 400),
            Box::new(|e| e.error = Some("error.forbidden".into())),
            Box::new(|e| e.prev_hash = "1".repeat(64)),
        ];
        for (i, change) in changes.iter().enumerate() {
            let mut e = entry();
            change(&mut e);
            assert_ne!(e.hash(), h, "change {i} must change the hash");
        }
        // None and "" are different values, and fields cannot bleed into each other
        let mut a = entry();
        a.before = Some(String::new());
        assert_ne!(a.hash(), entry().hash());
        let (mut x, mut y) = (entry(), entry());
        x.before = Some("a,b".into());
        x.after = Some("c".into());
        y.before = Some("a".into());
        y.after = Some("b,c".into());
        assert_ne!(x.hash(), y.hash());
        assert!(base.canonical().starts_with("[\"zjcs-audit-1\",3,"));
    }

    #[test]
    fn audit_checker_finds_the_first_broken_entry() {
        let mut chain = Vec::new();
        let mut prev = GENESIS.to_string();
        for seq in 1..=5 {
            let e = Entry { seq, at: seq * 10, action: "trading/save".into(), args: "{}".into(), http_status: 200, prev_hash: prev.clone(), ..Default::default() };
            prev = e.hash();
            chain.push((e, prev.clone()));
        }
        let run = |chain: &[(Entry, String)]| {
            let mut c = Checker::default();
            for (e, h) in chain {
                c.check(e, h)?;
            }
            Ok::<u64, (i64, Broken)>(c.checked)
        };
        assert_eq!(run(&chain), Ok(5));
        // edited in place
        let mut edited = chain.clone();
        edited[2].0.action = "trading/cancel".into();
        assert_eq!(run(&edited), Err((3, Broken::Hash)));
        // deleted
        let mut gap = chain.clone();
        gap.remove(1);
        assert_eq!(run(&gap), Err((2, Broken::Missing)));
        // replaced with a self-consistent forgery: the next link breaks
        let mut forged = chain.clone();
        forged[1].0.action = "trading/cancel".into();
        forged[1].1 = forged[1].0.hash();
        assert_eq!(run(&forged), Err((3, Broken::Link)));
    }

    #[test]
    fn a_sealed_quote_amount_never_reaches_the_audit_trail() {
        let a = args_from_body("application/x-www-form-urlencoded", b"code=ZJ20261100001&amount=123456.78");
        assert_eq!(canonical_json(&seal_args("trading/quote", a.clone())), r#"{"amount":"（密封）","code":"ZJ20261100001"}"#);
        // other actions keep their arguments (an announcement's budget is public)
        assert_eq!(canonical_json(&seal_args("trading/save", a)), r#"{"amount":"123456.78","code":"ZJ20261100001"}"#);
    }

    #[test]
    fn audit_arguments_are_redacted_and_files_reduced_to_their_size() {
        let a = args_from_body("application/x-www-form-urlencoded", b"username=li&password=Secret-1&next=%2Ffirm&form%5Btitle%5D=%E6%B5%8B+%E8%AF%95&api_key=k");
        assert_eq!(canonical_json(&a), r#"{"api_key":"***","form[title]":"测 试","next":"/firm","password":"***","username":"li"}"#);
        let j = args_from_body("application/json", br#"{"order_no":"P1","sign":{"token":"t","x":1}}"#);
        assert_eq!(canonical_json(&j), r#"{"order_no":"P1","sign":{"token":"***","x":1}}"#);
        let body = b"--XyZ\r\nContent-Disposition: form-data; name=\"code\"\r\n\r\nZJ-HT1\r\n--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.pdf\"\r\nContent-Type: application/pdf\r\n\r\n%PDF-1.4 0123456789\r\n--XyZ--\r\n";
        let m = args_from_body("multipart/form-data; boundary=XyZ", body);
        assert_eq!(canonical_json(&m), r#"{"code":"ZJ-HT1","file":{"file":"a.pdf","size":19}}"#);
        let long = "长".repeat(MAX_TEXT + 10);
        let l = args_from_body("application/x-www-form-urlencoded", format!("csv={long}").as_bytes());
        assert!(l["csv"].as_str().unwrap().ends_with(&format!("…({})", MAX_TEXT + 10)));
        assert_eq!(arg(&a, "title").as_deref(), Some("测 试"));
        assert_eq!(arg(&m, "code").as_deref(), Some("ZJ-HT1"));
        assert_eq!(arg(&j, "order_no").as_deref(), Some("P1"));
        assert_eq!(arg(&a, "code"), None);
    }

    #[test]
    fn audit_subjects_of_actions() {
        assert_eq!(subject_rule("contracts/sign"), Some(("contract", SubjectFrom::Arg("code"))));
        assert_eq!(subject_rule("trading/cancel"), Some(("procurement", SubjectFrom::Arg("code"))));
        assert_eq!(subject_rule("complaints/act"), Some(("complaint", SubjectFrom::Arg("id"))));
        assert_eq!(subject_rule("ratings/sanction"), Some(("firm", SubjectFrom::Arg("credit_code"))));
        assert_eq!(subject_rule("onboarding/submit"), Some(("firm", SubjectFrom::ActorFirm)));
        assert_eq!(subject_rule("accounts/sign_in"), None);
    }

    #[test]
    fn an_ingestion_batch_is_recorded_as_its_size_and_event_ids() {
        let events: Vec<Value> = (0..150).map(|i| serde_json::json!({"event_id": format!("e{i}"), "case_no": "SP-1", "stage": "received", "title": "很长的标题".repeat(50)})).collect();
        let v = summarize_batch(serde_json::json!({ "events": events }));
        assert_eq!(v["events"], 150);
        let ids = v["event_ids"].as_array().unwrap();
        assert_eq!((ids.len(), ids[0].as_str(), ids[99].as_str()), (BATCH_IDS_KEPT, Some("e0"), Some("e99")));
        assert!(canonical_json(&v).len() < 1_500, "no titles kept");
        // not a batch (a body cut at the size limit is a string): as it came
        assert_eq!(summarize_batch(Value::from("{\"events\": [")), Value::from("{\"events\": ["));
    }

}
