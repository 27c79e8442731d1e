//! Approval cases from other platforms (数据上传接口): the ingestion API's batch
//! format, its validation and the stage rules. Pure: no IO.
//!
//! A batch is `{"events": [ … ]}` with 1–[`MAX_BATCH`] events. Each event reports
//! that an approval case (办件) of the sending platform entered a stage:
//! 接件 `received` → 受理 `accepted` → 审核 `reviewing` → 办结 `concluded`.
//!
//! Rules (documented in docs/ingest-v1.schema.json and the README):
//! - The batch's shape (JSON, an object, an `events` array, its size) is checked
//!   first; a bad shape refuses the whole batch ([`BatchError`], HTTP 400/413).
//! - Every event is then checked on its own; a bad event is rejected with errors
//!   naming the field (`events[3].region_code`), the others are still applied.
//! - A case keeps its latest stage by event time: a stage event must move the
//!   case forward (a later stage; stages may be skipped, e.g. 即办件 received →
//!   concluded) at a time no earlier than the current stage began. Going back
//!   (受理 after 办结), repeating the current stage, or an earlier time is refused.
//! - Within one batch, events are applied in order of their time (then stage),
//!   so a platform may list them in any order; results keep the request order.
//! - The first event of a case must carry title, applicant, region_code and
//!   department_code; later events may carry them to correct the case.
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// Most events in one batch (more: HTTP 413).
pub const MAX_BATCH: usize = 500;
/// Largest request body accepted, bytes (more: HTTP 413).
pub const MAX_BODY_BYTES: usize = 2 * 1024 * 1024;
/// Most procurement codes on one event.
pub const MAX_PROCUREMENTS: usize = 20;
/// How far in the future (server clock) an event time may lie: clock skew.
pub const FUTURE_SKEW_MS: i64 = 10 * 60_000;

/// The fields an event may carry.
pub const EVENT_FIELDS: &[&str] =
    &["event_id", "case_no", "stage", "at", "title", "applicant", "region_code", "department_code", "item_code", "procurement_codes"];

/// The stage of an approval case.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    /// 接件
    Received,
    /// 受理
    Accepted,
    /// 审核
    Reviewing,
    /// 办结
    Concluded,
}

impl Stage {
    pub const ALL: [Stage; 4] = [Stage::Received, Stage::Accepted, Stage::Reviewing, Stage::Concluded];

    pub fn as_str(self) -> &'static str {
        match self {
            Stage::Received => "received",
            Stage::Accepted => "accepted",
            Stage::Reviewing => "reviewing",
            Stage::Concluded => "concluded",
        }
    }

    pub fn parse(s: &str) -> Option<Stage> {
        Stage::ALL.into_iter().find(|st| st.as_str() == s)
    }

    /// The Chinese name (used in API messages).
    pub fn zh(self) -> &'static str {
        match self {
            Stage::Received => "接件",
            Stage::Accepted => "受理",
            Stage::Reviewing => "审核",
            Stage::Concluded => "办结",
        }
    }

    /// The i18n key of the stage's name (`ingest.stage_received`, …).
    pub fn label_key(self) -> &'static str {
        match self {
            Stage::Received => "ingest.stage_received",
            Stage::Accepted => "ingest.stage_accepted",
            Stage::Reviewing => "ingest.stage_reviewing",
            Stage::Concluded => "ingest.stage_concluded",
        }
    }
}

/// A problem with one field: `field` is its path in the request (`events[3].at`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldIssue {
    pub field: String,
    pub message: String,
}

impl FieldIssue {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        FieldIssue { field: field.into(), message: message.into() }
    }
}

/// What happened to one event.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EventStatus {
    /// Applied now (a new case or a stage change).
    Created,
    /// Applied before under this event id: nothing changed; the original warnings.
    Duplicate,
    /// Not applied: see `errors`. Nothing is kept, so it may be corrected and resent.
    Rejected,
}

/// The answer for one event, in request order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventResult {
    /// As sent (empty when missing or not a string).
    pub event_id: String,
    pub status: EventStatus,
    pub errors: Vec<FieldIssue>,
    /// Not errors: e.g. unknown procurement codes (the event is applied without them).
    pub warnings: Vec<FieldIssue>,
}

impl EventResult {
    pub fn rejected(event_id: &str, errors: Vec<FieldIssue>) -> Self {
        EventResult { event_id: event_id.to_string(), status: EventStatus::Rejected, errors, warnings: Vec::new() }
    }
}

/// The whole answer: counts and one result per event.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BatchReply {
    pub created: usize,
    pub duplicate: usize,
    pub rejected: usize,
    pub results: Vec<EventResult>,
}

impl BatchReply {
    pub fn new(results: Vec<EventResult>) -> Self {
        let count = |s: EventStatus| results.iter().filter(|r| r.status == s).count();
        BatchReply { created: count(EventStatus::Created), duplicate: count(EventStatus::Duplicate), rejected: count(EventStatus::Rejected), results }
    }
}

/// A batch whose shape is wrong: nothing in it is applied.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BatchError {
    /// Not JSON (or not UTF-8): where the parser stopped.
    NotJson { line: usize, column: usize },
    /// The body is JSON but not an object.
    NotObject,
    /// No `events` member.
    MissingEvents,
    /// `events` is not an array.
    EventsNotArray,
    /// `events` is empty.
    Empty,
    /// Top-level members other than `events`.
    UnknownMember(String),
    /// More than `MAX_BATCH` events.
    TooMany(usize),
    /// More than `MAX_BODY_BYTES` bytes.
    TooLarge,
}

impl BatchError {
    /// The field the error is about (`body` for the body itself).
    pub fn field(&self) -> String {
        match self {
            BatchError::NotJson { .. } | BatchError::NotObject | BatchError::TooLarge => "body".into(),
            BatchError::UnknownMember(m) => m.clone(),
            _ => "events".into(),
        }
    }

    pub fn message(&self) -> String {
        match self {
            BatchError::NotJson { line, column } => format!("请求体不是合法的 JSON(第 {line} 行第 {column} 列附近)"),
            BatchError::NotObject => "请求体须为 JSON 对象 {\"events\": [...]}".into(),
            BatchError::MissingEvents => "缺少 events 字段(事件数组)".into(),
            BatchError::EventsNotArray => "events 须为数组".into(),
            BatchError::Empty => "events 不能为空".into(),
            BatchError::UnknownMember(m) => format!("未知字段 {m}(请求体只能包含 events)"),
            BatchError::TooMany(n) => format!("一批最多 {MAX_BATCH} 个事件,本批 {n} 个,请分批上传"),
            BatchError::TooLarge => format!("请求体超过 {} MB,请分批上传", MAX_BODY_BYTES / 1024 / 1024),
        }
    }

    /// HTTP status: 413 for an oversized batch, 400 otherwise.
    pub fn status(&self) -> u16 {
        match self {
            BatchError::TooMany(_) | BatchError::TooLarge => 413,
            _ => 400,
        }
    }
}

/// One valid stage event.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StageEvent {
    pub event_id: String,
    pub case_no: String,
    pub stage: Stage,
    /// Epoch ms (UTC).
    pub at: i64,
    pub title: Option<String>,
    pub applicant: Option<String>,
    pub region_code: Option<String>,
    pub department_code: Option<String>,
    pub item_code: Option<String>,
    pub procurement_codes: Vec<String>,
}

/// One event of a batch: its raw JSON (kept with the event) and its reading.
#[derive(Clone, Debug)]
pub struct ParsedEvent {
    /// Position in the request.
    pub index: usize,
    pub raw: Value,
    /// The `event_id` as sent, for the answer (even when the event is invalid).
    pub event_id: String,
    pub event: Result<StageEvent, Vec<FieldIssue>>,
}

/// Reads a request body: the batch's shape, then every event.
pub fn parse_batch(body: &[u8]) -> Result<Vec<ParsedEvent>, BatchError> {
    if body.len() > MAX_BODY_BYTES {
        return Err(BatchError::TooLarge);
    }
    let value: Value = serde_json::from_slice(body).map_err(|e| BatchError::NotJson { line: e.line(), column: e.column() })?;
    let Value::Object(mut top) = value else { return Err(BatchError::NotObject) };
    let events = top.remove("events").ok_or(BatchError::MissingEvents)?;
    if let Some(other) = top.keys().next() {
        return Err(BatchError::UnknownMember(other.clone()));
    }
    let Value::Array(events) = events else { return Err(BatchError::EventsNotArray) };
    if events.is_empty() {
        return Err(BatchError::Empty);
    }
    if events.len() > MAX_BATCH {
        return Err(BatchError::TooMany(events.len()));
    }
    Ok(events
        .into_iter()
        .enumerate()
        .map(|(index, raw)| {
            let event_id = raw.get("event_id").and_then(Value::as_str).unwrap_or("").to_string();
            let event = parse_event(index, &raw);
            ParsedEvent { index, raw, event_id, event }
        })
        .collect())
}

fn text_ok(s: &str) -> bool {
    !s.chars().any(char::is_control)
}

/// Reads and checks one event; every problem is reported, each naming its field.
pub fn parse_event(index: usize, raw: &Value) -> Result<StageEvent, Vec<FieldIssue>> {
    let path = |f: &str| format!("events[{index}].{f}");
    let Value::Object(obj) = raw else {
        return Err(vec![FieldIssue::new(format!("events[{index}]"), "事件须为 JSON 对象")]);
    };
    let mut errors = Vec::new();
    for key in obj.keys() {
        if !EVENT_FIELDS.contains(&key.as_str()) {
            errors.push(FieldIssue::new(path(key), format!("未知字段 {key}(允许的字段:{})", EVENT_FIELDS.join("、"))));
        }
    }
    // a string field: None when absent or null; an error when not a string or not fitting
    let mut string = |obj: &Map<String, Value>, name: &str, required: bool, max: usize, check: &dyn Fn(&str) -> Option<String>| -> Option<String> {
        match obj.get(name) {
            None | Some(Value::Null) => {
                if required {
                    errors.push(FieldIssue::new(path(name), format!("缺少必填字段 {name}")));
                }
                None
            }
            Some(Value::String(s)) => {
                let s = s.trim();
                if s.is_empty() {
                    errors.push(FieldIssue::new(path(name), format!("{name} 不能为空")));
                    None
                } else if s.chars().count() > max {
                    errors.push(FieldIssue::new(path(name), format!("{name} 最长 {max} 个字符")));
                    None
                } else if let Some(problem) = check(s) {
                    errors.push(FieldIssue::new(path(name), problem));
                    None
                } else {
                    Some(s.to_string())
                }
            }
            Some(_) => {
                errors.push(FieldIssue::new(path(name), format!("{name} 须为字符串")));
                None
            }
        }
    };
    let plain = |s: &str| (!text_ok(s)).then(|| "不能包含控制字符".to_string());
    let event_id = string(obj, "event_id", true, 100, &|s| {
        (!s.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | ':' | '-')))
            .then(|| "event_id 只能由字母、数字和 . _ : - 组成".to_string())
    });
    let case_no = string(obj, "case_no", true, 64, &plain);
    let stage = string(obj, "stage", true, 20, &|s| {
        Stage::parse(s).is_none().then(|| format!("未知的环节 {s}(应为 received 接件、accepted 受理、reviewing 审核或 concluded 办结)"))
    });
    let at = string(obj, "at", true, 40, &|s| {
        parse_rfc3339(s).is_none().then(|| format!("时间 {s} 不是带时区的 RFC 3339 时间(如 2026-11-20T09:30:00+08:00)"))
    });
    let title = string(obj, "title", false, 200, &plain);
    let applicant = string(obj, "applicant", false, 100, &plain);
    let region_code = string(obj, "region_code", false, 6, &|s| {
        (s.len() != 6 || !s.bytes().all(|b| b.is_ascii_digit())).then(|| format!("行政区划代码 {s} 须为 6 位数字"))
    });
    let department_code = string(obj, "department_code", false, 20, &|s| {
        (!s.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())).then(|| format!("部门代码 {s} 只能由大写字母和数字组成"))
    });
    let item_code = string(obj, "item_code", false, 40, &plain);
    let mut procurement_codes = Vec::new();
    match obj.get("procurement_codes") {
        None | Some(Value::Null) => {}
        Some(Value::Array(codes)) => {
            if codes.len() > MAX_PROCUREMENTS {
                errors.push(FieldIssue::new(path("procurement_codes"), format!("procurement_codes 最多 {MAX_PROCUREMENTS} 个")));
            }
            for (k, c) in codes.iter().enumerate().take(MAX_PROCUREMENTS) {
                match c.as_str().map(str::trim) {
                    Some(s) if !s.is_empty() && s.len() <= 40 && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') => {
                        if !procurement_codes.iter().any(|p| p == s) {
                            procurement_codes.push(s.to_string());
                        }
                    }
                    _ => errors.push(FieldIssue::new(path(&format!("procurement_codes[{k}]")), "选取项目编号须为 1–40 位字母、数字或 -")),
                }
            }
        }
        Some(_) => errors.push(FieldIssue::new(path("procurement_codes"), "procurement_codes 须为字符串数组")),
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    match (event_id, case_no, stage.as_deref().and_then(Stage::parse), at.as_deref().and_then(parse_rfc3339)) {
        (Some(event_id), Some(case_no), Some(stage), Some(at)) => {
            Ok(StageEvent { event_id, case_no, stage, at, title, applicant, region_code, department_code, item_code, procurement_codes })
        }
        _ => Err(vec![FieldIssue::new(format!("events[{index}]"), "事件不完整")]),
    }
}

/// Parses an RFC 3339 timestamp with an offset (`2026-11-20T09:30:00+08:00`,
/// `…Z`, optional fraction) into epoch ms. `None` for anything else.
pub fn parse_rfc3339(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    if b.len() < 20 || !s.is_ascii() {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<i64> {
        let part = s.get(r)?;
        part.bytes().all(|c| c.is_ascii_digit()).then(|| part.parse().ok()).flatten()
    };
    if b[4] != b'-' || b[7] != b'-' || !matches!(b[10], b'T' | b't' | b' ') || b[13] != b':' || b[16] != b':' {
        return None;
    }
    let (y, mo, d, h, mi, se) = (num(0..4)?, num(5..7)?, num(8..10)?, num(11..13)?, num(14..16)?, num(17..19)?);
    if !(1..=12).contains(&mo) || d < 1 || d > days_in_month(y, mo as u32) as i64 || h > 23 || mi > 59 || se > 60 {
        return None;
    }
    let mut rest = &s[19..];
    let mut ms = 0;
    if let Some(frac) = rest.strip_prefix('.') {
        let digits = frac.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 || digits > 9 {
            return None;
        }
        let mut f = frac[..digits].to_string();
        f.truncate(3);
        while f.len() < 3 {
            f.push('0');
        }
        ms = f.parse::<i64>().ok()?;
        rest = &frac[digits..];
    }
    let offset_min = match rest {
        "Z" | "z" => 0,
        _ => {
            let rb = rest.as_bytes();
            if rb.len() != 6 || !matches!(rb[0], b'+' | b'-') || rb[3] != b':' {
                return None;
            }
            let oh: i64 = rest[1..3].parse().ok()?;
            let om: i64 = rest[4..6].parse().ok()?;
            if oh > 23 || om > 59 || !rest[1..3].bytes().chain(rest[4..6].bytes()).all(|c| c.is_ascii_digit()) {
                return None;
            }
            let m = oh * 60 + om;
            if rb[0] == b'-' {
                -m
            } else {
                m
            }
        }
    };
    let days = super::time::days_from_civil(y, mo as u32, d as u32);
    let secs = days * 86_400 + h * 3600 + mi * 60 + se.min(59) - offset_min * 60;
    Some(secs * 1000 + ms)
}

fn days_in_month(y: i64, m: u32) -> u32 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        _ => 28,
    }
}

/// Epoch ms as RFC 3339 in Shanghai time (`2026-11-20T09:30:00+08:00`).
pub fn format_rfc3339_shanghai(ms: i64) -> String {
    use super::time::{civil_from_days, DAY_MS, SHANGHAI_OFFSET_MS};
    let local = ms + SHANGHAI_OFFSET_MS;
    let (y, m, d) = civil_from_days(local.div_euclid(DAY_MS));
    let s = local.rem_euclid(DAY_MS) / 1000;
    format!("{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}+08:00", s / 3600, s / 60 % 60, s % 60)
}

/// A week, ms.
pub const WEEK_MS: i64 = 7 * 86_400_000;

/// Moves every event's `at` by the same whole number of weeks so the latest one
/// lies within the week before `now` (weekdays and office hours stay as they
/// are); returns the shift (ms). For replaying a sample feed; unparsable times
/// are left alone (validation names them).
pub fn rebase_weeks(events: &mut [Value], now: i64) -> i64 {
    let latest = events.iter().filter_map(|e| e.get("at")?.as_str().and_then(parse_rfc3339)).max();
    let Some(latest) = latest else { return 0 };
    let shift = (now - latest).div_euclid(WEEK_MS) * WEEK_MS;
    if shift != 0 {
        for e in events.iter_mut() {
            if let Some(at) = e.get("at").and_then(Value::as_str).and_then(parse_rfc3339) {
                e["at"] = Value::String(format_rfc3339_shanghai(at + shift));
            }
        }
    }
    shift
}

/// The stored state of a case, as far as the stage rules need it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CaseStage {
    pub stage: Stage,
    pub stage_started_at: i64,
}

/// Whether `ev` (the request's `index`-th event) may be applied to a case in
/// state `current` (`None`: the case is new) at server time `now`.
pub fn check_transition(index: usize, current: Option<CaseStage>, ev: &StageEvent, now: i64) -> Result<(), Vec<FieldIssue>> {
    let path = |f: &str| format!("events[{index}].{f}");
    let mut errors = Vec::new();
    if ev.at > now + FUTURE_SKEW_MS {
        errors.push(FieldIssue::new(path("at"), format!("事件时间 {} 晚于服务器当前时间,请检查时钟或时区", format_rfc3339_shanghai(ev.at))));
    }
    match current {
        None => {
            for (name, v) in
                [("title", &ev.title), ("applicant", &ev.applicant), ("region_code", &ev.region_code), ("department_code", &ev.department_code)]
            {
                if v.is_none() {
                    errors.push(FieldIssue::new(path(name), format!("案件 {} 的首个事件须包含 {name}", ev.case_no)));
                }
            }
        }
        Some(cur) if cur.stage == Stage::Concluded => {
            errors.push(FieldIssue::new(
                path("stage"),
                format!("案件 {} 已于 {} 办结,不再接受「{}」事件", ev.case_no, format_rfc3339_shanghai(cur.stage_started_at), ev.stage.zh()),
            ));
        }
        Some(cur) if ev.stage <= cur.stage => {
            let what = if ev.stage == cur.stage { "重复" } else { "倒退" };
            errors.push(FieldIssue::new(
                path("stage"),
                format!(
                    "环节{what}:案件 {} 当前为「{}」(始于 {}),不能再进入「{}」",
                    ev.case_no,
                    cur.stage.zh(),
                    format_rfc3339_shanghai(cur.stage_started_at),
                    ev.stage.zh()
                ),
            ));
        }
        Some(cur) if ev.at < cur.stage_started_at => {
            errors.push(FieldIssue::new(
                path("at"),
                format!(
                    "事件顺序错乱:「{}」时间 {} 早于当前环节「{}」的开始时间 {}",
                    ev.stage.zh(),
                    format_rfc3339_shanghai(ev.at),
                    cur.stage.zh(),
                    format_rfc3339_shanghai(cur.stage_started_at)
                ),
            ));
        }
        Some(_) => {}
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

/// The order in which a batch's valid events are applied: by event time, then
/// stage, then position (invalid events are left out).
pub fn apply_order(events: &[ParsedEvent]) -> Vec<usize> {
    let mut order: Vec<(i64, Stage, usize)> = events.iter().filter_map(|p| p.event.as_ref().ok().map(|e| (e.at, e.stage, p.index))).collect();
    order.sort();
    order.into_iter().map(|(_, _, i)| i).collect()
}

/// SHA-256 (hex) of an event's JSON as sent, with members in sorted order: the
/// same event resent with members reordered has the same hash.
pub fn payload_hash(raw: &Value) -> String {
    use sha2::{Digest, Sha256};
    fn canonical(v: &Value, out: &mut String) {
        match v {
            Value::Object(m) => {
                let mut keys: Vec<&String> = m.keys().collect();
                keys.sort();
                out.push('{');
                for (k, key) in keys.into_iter().enumerate() {
                    if k > 0 {
                        out.push(',');
                    }
                    out.push_str(&Value::String(key.clone()).to_string());
                    out.push(':');
                    canonical(&m[key], out);
                }
                out.push('}');
            }
            Value::Array(a) => {
                out.push('[');
                for (k, x) in a.iter().enumerate() {
                    if k > 0 {
                        out.push(',');
                    }
                    canonical(x, out);
                }
                out.push(']');
            }
            other => out.push_str(&other.to_string()),
        }
    }
    let mut text = String::new();
    canonical(raw, &mut text);
    Sha256::digest(text.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

/// A platform code: 2–32 lowercase letters, digits or `-`, starting with a letter.
pub fn valid_platform_code(code: &str) -> bool {
    (2..=32).contains(&code.len())
        && code.starts_with(|c: char| c.is_ascii_lowercase())
        && code.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

/// The SHA-256 (hex) under which an API key is stored.
pub fn key_hash(secret: &str) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(secret.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

/// Prefix of every API key (so leaked keys are recognisable).
pub const KEY_PREFIX: &str = "zjk_";
/// Characters of a key shown in lists (the key's first characters).
pub const SHOWN_PREFIX_LEN: usize = 8;

/// The bearer token of an `Authorization` header value.
pub fn bearer(header: &str) -> Option<&str> {
    let (scheme, token) = header.trim().split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const AT: &str = "2026-11-20T09:30:00+08:00";
    const AT_MS: i64 = 1_795_140_000_000 - 1_800_000; // 2026-11-20 09:30 Shanghai

    fn first() -> Value {
        json!({"event_id": "e-1", "case_no": "SP-001", "stage": "received", "at": AT, "title": "建设项目环评审批",
               "applicant": "成都某公司", "region_code": "510104", "department_code": "HJBM"})
    }

    fn ev(stage: Stage, at: i64) -> StageEvent {
        StageEvent {
            event_id: "e".into(),
            case_no: "SP-001".into(),
            stage,
            at,
            title: None,
            applicant: None,
            region_code: None,
            department_code: None,
            item_code: None,
            procurement_codes: vec![],
        }
    }

    fn fields(r: Result<StageEvent, Vec<FieldIssue>>) -> Vec<String> {
        r.unwrap_err().into_iter().map(|i| i.field).collect()
    }

    #[test]
    fn rfc3339_times_parse_with_offsets() {
        assert_eq!(parse_rfc3339(AT), Some(AT_MS));
        assert_eq!(parse_rfc3339("2026-11-20T01:30:00Z"), Some(AT_MS));
        assert_eq!(parse_rfc3339("2026-11-20T01:30:00.250Z"), Some(AT_MS + 250));
        assert_eq!(parse_rfc3339("2026-11-19T20:30:00-05:00"), Some(AT_MS));
        for bad in [
            "2026-11-20T09:30:00",
            "2026-11-20",
            "2026-02-30T09:30:00Z",
            "2026-11-20T24:00:00Z",
            "yesterday",
            "2026-11-20T09:30:00+0800",
            "２026-11-20T09:30:00Z",
        ] {
            assert_eq!(parse_rfc3339(bad), None, "{bad}");
        }
        assert_eq!(format_rfc3339_shanghai(AT_MS), AT);
    }

    #[test]
    fn a_complete_first_event_reads() {
        let e = parse_event(0, &first()).unwrap();
        assert_eq!((e.stage, e.at, e.region_code.as_deref()), (Stage::Received, AT_MS, Some("510104")));
    }

    #[test]
    fn every_bad_field_is_named() {
        let bad = json!({"event_id": "e 1", "case_no": "", "stage": "approved", "at": "2026-11-20 09:30", "title": 5,
                         "applicant": "x".repeat(101), "region_code": "5101", "department_code": "hjbm", "item_code": null,
                         "procurement_codes": ["ZJ1", "", 3], "colour": "red"});
        let got = fields(parse_event(3, &bad));
        for f in [
            "events[3].event_id",
            "events[3].case_no",
            "events[3].stage",
            "events[3].at",
            "events[3].title",
            "events[3].applicant",
            "events[3].region_code",
            "events[3].department_code",
            "events[3].procurement_codes[1]",
            "events[3].procurement_codes[2]",
            "events[3].colour",
        ] {
            assert!(got.contains(&f.to_string()), "{f} in {got:?}");
        }
        assert!(!got.contains(&"events[3].item_code".to_string()), "null is absent");
        assert_eq!(fields(parse_event(0, &json!({}))), ["events[0].event_id", "events[0].case_no", "events[0].stage", "events[0].at"]);
        assert_eq!(fields(parse_event(7, &json!("x"))), ["events[7]"]);
        let too_many: Vec<String> = (0..21).map(|i| format!("ZJ{i}")).collect();
        let mut e = first();
        e["procurement_codes"] = json!(too_many);
        assert_eq!(fields(parse_event(0, &e)), ["events[0].procurement_codes"]);
        e["procurement_codes"] = json!("ZJ1");
        assert_eq!(fields(parse_event(0, &e)), ["events[0].procurement_codes"]);
    }

    #[test]
    fn messages_are_clear_chinese() {
        let mut e = first();
        e["stage"] = json!("done");
        let errs = parse_event(2, &e).unwrap_err();
        assert!(errs[0].message.contains("未知的环节 done"), "{errs:?}");
    }

    #[test]
    fn the_batch_shape_is_checked_first() {
        assert!(matches!(parse_batch(b"{\"events\": [").unwrap_err(), BatchError::NotJson { line: 1, .. }));
        assert_eq!(parse_batch(b"[]").unwrap_err(), BatchError::NotObject);
        assert_eq!(parse_batch(b"{}").unwrap_err(), BatchError::MissingEvents);
        assert_eq!(parse_batch(b"{\"events\": {}}").unwrap_err(), BatchError::EventsNotArray);
        assert_eq!(parse_batch(b"{\"events\": []}").unwrap_err(), BatchError::Empty);
        assert_eq!(parse_batch(b"{\"events\": [{}], \"extra\": 1}").unwrap_err().field(), "extra");
        let many = json!({"events": vec![first(); MAX_BATCH + 1]}).to_string();
        let err = parse_batch(many.as_bytes()).unwrap_err();
        assert_eq!((err.status(), err.field()), (413, "events".to_string()));
        assert_eq!(parse_batch(&vec![b' '; MAX_BODY_BYTES + 1]).unwrap_err().status(), 413);
        assert_eq!(BatchError::MissingEvents.status(), 400);
        let ok = parse_batch(json!({"events": [first(), {"event_id": "e-2"}]}).to_string().as_bytes()).unwrap();
        assert!(ok[0].event.is_ok());
        assert_eq!(ok[1].event_id, "e-2");
        assert!(ok[1].event.is_err());
    }

    #[test]
    fn a_new_case_needs_its_particulars() {
        let e = ev(Stage::Accepted, AT_MS);
        let errs = check_transition(4, None, &e, AT_MS).unwrap_err();
        let f: Vec<_> = errs.iter().map(|i| i.field.as_str()).collect();
        assert_eq!(f, ["events[4].title", "events[4].applicant", "events[4].region_code", "events[4].department_code"]);
        let full = parse_event(0, &first()).unwrap();
        assert!(check_transition(0, None, &full, AT_MS).is_ok());
    }

    #[test]
    fn stages_only_move_forward_in_time() {
        let cur = Some(CaseStage { stage: Stage::Accepted, stage_started_at: AT_MS });
        let now = AT_MS + 86_400_000;
        assert!(check_transition(0, cur, &ev(Stage::Reviewing, AT_MS + 1), now).is_ok());
        assert!(check_transition(0, cur, &ev(Stage::Concluded, AT_MS), now).is_ok(), "stages may be skipped");
        let back = check_transition(1, cur, &ev(Stage::Received, AT_MS + 1), now).unwrap_err();
        assert_eq!(back[0].field, "events[1].stage");
        assert!(back[0].message.contains("倒退") && back[0].message.contains("受理") && back[0].message.contains("接件"), "{back:?}");
        let again = check_transition(1, cur, &ev(Stage::Accepted, AT_MS + 1), now).unwrap_err();
        assert!(again[0].message.contains("重复"));
        let early = check_transition(2, cur, &ev(Stage::Reviewing, AT_MS - 1), now).unwrap_err();
        assert_eq!(early[0].field, "events[2].at");
        assert!(early[0].message.contains("顺序错乱"));
        let done = Some(CaseStage { stage: Stage::Concluded, stage_started_at: AT_MS });
        let after = check_transition(0, done, &ev(Stage::Accepted, AT_MS + 5), now).unwrap_err();
        assert!(after[0].message.contains("已于") && after[0].message.contains("办结"), "{after:?}");
        let future = check_transition(0, cur, &ev(Stage::Reviewing, now + FUTURE_SKEW_MS + 1), now).unwrap_err();
        assert_eq!(future[0].field, "events[0].at");
    }

    #[test]
    fn a_batch_applies_in_time_order() {
        let mut later = first();
        later["event_id"] = json!("e-2");
        later["stage"] = json!("accepted");
        later["at"] = json!("2026-11-20T10:30:00+08:00");
        let body = json!({"events": [later, {"bad": 1}, first()]}).to_string();
        let parsed = parse_batch(body.as_bytes()).unwrap();
        assert_eq!(apply_order(&parsed), [2, 0]);
    }

    #[test]
    fn a_feed_is_moved_by_whole_weeks_towards_now() {
        let mut events = vec![json!({"at": "2026-11-19T11:00:00+08:00"}), json!({"at": "2026-10-14T14:05:00+08:00"}), json!({"at": "bad"})];
        let latest = parse_rfc3339("2026-11-19T11:00:00+08:00").unwrap();
        let now = latest + 3 * WEEK_MS + 2 * 86_400_000;
        assert_eq!(rebase_weeks(&mut events, now), 3 * WEEK_MS);
        assert_eq!(events[0]["at"], "2026-12-10T11:00:00+08:00");
        assert_eq!(events[1]["at"], "2026-11-04T14:05:00+08:00");
        assert_eq!(events[2]["at"], "bad");
        assert_eq!(rebase_weeks(&mut events, now), 0, "already recent");
    }

    #[test]
    fn keys_and_payloads_hash_stably() {
        assert_eq!(key_hash("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
        assert_eq!(payload_hash(&json!({"a": 1, "b": 2})), payload_hash(&serde_json::from_str::<Value>("{\"b\":2,\"a\":1}").unwrap()));
        assert_eq!(bearer("Bearer zjk_abc"), Some("zjk_abc"));
        assert_eq!(bearer("bearer  zjk_abc "), Some("zjk_abc"));
        assert_eq!(bearer("Basic abc"), None);
        assert_eq!(bearer("Bearer "), None);
        assert!(valid_platform_code("sc-tzxm") && !valid_platform_code("SC") && !valid_platform_code("1abc") && !valid_platform_code("a"));
    }
}
