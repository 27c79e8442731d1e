//! Bulk exports of the public lists (issue #9), public, no sign-in:
//! - `GET /exports/announcements.csv|.xlsx?<the /announcements query>`: the
//!   announcements with their results (中选结果: firm, credit code, amount, status);
//! - `GET /exports/firms.csv|.xlsx?<the /firms query>`: the firm directory;
//! - `GET /exports/credit-records.csv|.xlsx?<the /credit-records query>`: the
//!   public credit records and red/black list entries (信用记录公示).
//!
//! Same filters, validation and messages as the pages; read in batches of
//! [`app::db::exports::BATCH`] by keyset and streamed (never the whole result in
//! memory). CSV: UTF-8 with BOM, RFC 4180, unlimited. XLSX: streamed ZIP with data
//! descriptors (`app::domain::xlsx::XlsxStream`), at most 1,048,575 data rows
//! (a 400 asks to narrow the filters or use CSV).
use app::db::exports::{self, After, AnnouncementExportRow};
use app::domain::procurement::{ProcurementStatus, SelectionMethod};
use app::domain::time::{date_shanghai, format_shanghai};
use app::domain::xlsx::{Cell, XlsxStream, MAX_DATA_ROWS};
use app::i18n::{t_in, Locale};
use app::model::credit::{CreditRecordQuery, PublicCreditRow};
use app::model::firms::{FirmQuery, FirmSummary};
use app::model::trading::AnnouncementQuery;
use app::state::AppState;
use axum::body::{Body, Bytes};
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;

pub fn routes() -> Router<AppState> {
    Router::new().route(
        "/exports/{file}",
        get(|s: State<AppState>, f: Path<String>, q: Query<Vec<(String, String)>>, h: HeaderMap| export(s, f, q, h, exports::BATCH)),
    )
}

#[derive(Clone, Copy, PartialEq, Debug)]
enum Format {
    Csv,
    Xlsx,
}

enum Source {
    Announcements(AnnouncementQuery, i64),
    Firms(FirmQuery, String),
    CreditRecords(CreditRecordQuery, i64),
}

fn zh(key: &str) -> String {
    t_in(Locale::Zh, key)
}

fn text(status: StatusCode, message: String) -> Response {
    (status, [(header::CONTENT_TYPE, "text/plain; charset=utf-8")], message).into_response()
}

const ANNOUNCEMENT_COLUMNS: [&str; 14] = [
    "code", "title", "item", "region", "method", "status", "budget", "published", "deadline", "participants", "award_firm",
    "award_credit_code", "award_amount", "award_status",
];
const FIRM_COLUMNS: [&str; 8] = ["firm_name", "credit_code", "firm_region", "item_count", "completed", "registered", "star", "credit_grade"];

const CREDIT_RECORD_COLUMNS: [&str; 10] =
    ["record_date", "firm_name", "credit_code", "firm_region", "record_kind", "record_title", "points", "document_no", "valid_to", "record_state"];

fn header_row(columns: &[&str]) -> Vec<String> {
    columns.iter().map(|c| zh(&format!("exports.col_{c}"))).collect()
}

fn yuan(fen: i64) -> Cell {
    // a spreadsheet number for display (as the dashboard export does); exact to the fen below 2^53
    Cell::Num(fen as f64 / 100.0)
}

fn opt_text(s: Option<String>) -> Cell {
    Cell::Text(s.unwrap_or_default())
}

fn announcement_cells(r: AnnouncementExportRow) -> Vec<Cell> {
    let method = SelectionMethod::parse(&r.method).map(|m| zh(m.label_key())).unwrap_or(r.method);
    let status = ProcurementStatus::parse(&r.status).map(|s| zh(s.label_key())).unwrap_or(r.status);
    let award_status = r.award_status.map(|s| zh(&format!("trading.award_status.{s}")));
    vec![
        Cell::Text(r.code),
        Cell::Text(r.title),
        Cell::Text(r.item_name),
        Cell::Text(r.region_name),
        Cell::Text(method),
        Cell::Text(status),
        yuan(r.budget_fen),
        Cell::Text(format_shanghai(r.published_at)),
        opt_text(r.deadline_at.map(format_shanghai)),
        Cell::Int(r.participant_count),
        opt_text(r.award_firm_name),
        opt_text(r.award_credit_code),
        r.award_amount_fen.map(yuan).unwrap_or(Cell::Text(String::new())),
        opt_text(award_status),
    ]
}

fn firm_cells(f: FirmSummary) -> Vec<Cell> {
    vec![
        Cell::Text(f.name),
        Cell::Text(f.credit_code),
        Cell::Text(f.region_name),
        Cell::Int(f.item_count),
        Cell::Int(f.completed_count),
        Cell::Text(date_shanghai(f.registered_at)),
        f.star_level.map(Cell::Int).unwrap_or(Cell::Text(String::new())),
        opt_text(f.credit_grade),
    ]
}

fn credit_record_cells(r: PublicCreditRow) -> Vec<Cell> {
    let kind = match r.kind.as_str() {
        "red" | "black" => zh(&format!("credit.list_{}", r.kind)),
        other => zh(&format!("credit.kind_{other}")),
    };
    let state = match (r.state.as_str(), &r.revoked_on) {
        ("revoked", Some(d)) => zh("credit.revoked").replace("{d}", d),
        (s, _) => zh(&format!("credit.state_{s}")),
    };
    vec![
        Cell::Text(r.date),
        Cell::Text(r.firm_name),
        Cell::Text(r.credit_code),
        Cell::Text(r.region_name),
        Cell::Text(kind),
        Cell::Text(r.title),
        r.points.map(Cell::Int).unwrap_or(Cell::Text(String::new())),
        opt_text(r.document_no),
        opt_text(r.valid_to),
        Cell::Text(state),
    ]
}

/// One CSV record (RFC 4180: CRLF, quotes doubled, fields with `,"\r\n` quoted).
/// Text that a spreadsheet would take for a formula (`= + - @` first) gets a
/// leading `'` (CSV injection); numbers are written plainly.
fn csv_record(cells: &[Cell], out: &mut Vec<u8>) {
    for (i, cell) in cells.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        let field = match cell {
            Cell::Text(t) if t.starts_with(['=', '+', '-', '@']) => format!("'{t}"),
            Cell::Text(t) => t.clone(),
            Cell::Int(n) => n.to_string(),
            Cell::Num(x) if x.is_finite() => format!("{x:.2}"),
            Cell::Num(_) => String::new(),
        };
        if field.contains([',', '"', '\r', '\n']) {
            out.push(b'"');
            out.extend_from_slice(field.replace('"', "\"\"").as_bytes());
            out.push(b'"');
        } else {
            out.extend_from_slice(field.as_bytes());
        }
    }
    out.extend_from_slice(b"\r\n");
}

/// `attachment` with an ASCII fallback and the UTF-8 name (RFC 5987/6266).
fn content_disposition(ascii: &str, utf8: &str) -> String {
    let mut encoded = String::new();
    for b in utf8.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            encoded.push(b as char);
        } else {
            encoded.push_str(&format!("%{b:02X}"));
        }
    }
    format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{encoded}")
}

async fn export(
    State(state): State<AppState>,
    Path(file): Path<String>,
    Query(params): Query<Vec<(String, String)>>,
    headers: HeaderMap,
    batch: u32,
) -> Response {
    let locale = headers.get(header::COOKIE).and_then(|v| v.to_str().ok()).map(Locale::from_cookie_header).unwrap_or_default();
    let Some((name, ext)) = file.rsplit_once('.') else {
        return text(StatusCode::NOT_FOUND, t_in(locale, "exports.unknown"));
    };
    let format = match ext {
        "csv" => Format::Csv,
        "xlsx" => Format::Xlsx,
        _ => return text(StatusCode::NOT_FOUND, t_in(locale, "exports.unknown")),
    };
    let get = |k: &str| params.iter().rev().find(|(pk, _)| pk == k).map(|(_, v)| v.clone());
    let now = state.now_ms();
    let today = date_shanghai(now);
    let source = match name {
        "announcements" => match exports::check_announcements(&app::ui::trading::list::query_from(get)) {
            Ok(q) => Source::Announcements(q, now),
            Err(e) => return text(StatusCode::BAD_REQUEST, t_in(locale, e.message_key())),
        },
        "firms" => match FirmQuery::from_params(get).validate() {
            Ok(q) => Source::Firms(q, today.clone()),
            Err(e) => return text(StatusCode::BAD_REQUEST, t_in(locale, e.message_key())),
        },
        "credit-records" => match CreditRecordQuery::from_params(get).validate() {
            Ok(q) => Source::CreditRecords(q, now),
            Err(e) => return text(StatusCode::BAD_REQUEST, t_in(locale, e.message_key())),
        },
        _ => return text(StatusCode::NOT_FOUND, t_in(locale, "exports.unknown")),
    };
    if format == Format::Xlsx {
        let count = match &source {
            Source::Announcements(q, now) => exports::announcements_count(&state.pool, q, *now).await,
            Source::Firms(q, today) => exports::firms_count(&state.pool, q, today).await,
            Source::CreditRecords(q, _) => exports::credit_records_count(&state.pool, q).await,
        };
        match count {
            Ok(n) if n as u64 > MAX_DATA_ROWS => {
                return text(StatusCode::BAD_REQUEST, t_in(locale, "exports.too_many_rows").replace("{n}", &n.to_string()));
            }
            Ok(_) => {}
            Err(e) => {
                tracing::error!(error = %e, "export count");
                return text(StatusCode::INTERNAL_SERVER_ERROR, t_in(locale, "exports.failed"));
            }
        }
    }
    let (columns, file_key): (&[&str], &str) = match source {
        Source::Announcements(..) => (&ANNOUNCEMENT_COLUMNS, "announcements"),
        Source::Firms(..) => (&FIRM_COLUMNS, "firms"),
        Source::CreditRecords(..) => (&CREDIT_RECORD_COLUMNS, "credit_records"),
    };
    let header = header_row(columns);
    let (content_type, disposition) = {
        let (mime, ext) = match format {
            Format::Csv => ("text/csv; charset=utf-8", "csv"),
            Format::Xlsx => (app::domain::xlsx::CONTENT_TYPE, "xlsx"),
        };
        (mime, content_disposition(&format!("{}-{today}.{ext}", file_key.replace('_', "-")), &format!("{}-{today}.{ext}", zh(&format!("exports.file_{file_key}")))))
    };

    enum Encoder {
        Csv,
        Xlsx(XlsxStream),
    }
    struct Cursor {
        state: AppState,
        source: Source,
        after: After,
        encoder: Option<Encoder>,
        header: Vec<String>,
        format: Format,
        batch: u32,
        started: bool,
    }
    let cursor = Cursor { state, source, after: After::Start, encoder: None, header, format, batch, started: false };
    let body = futures_util::stream::unfold(cursor, |mut c| async move {
        if !c.started {
            c.started = true;
            let mut out = Vec::new();
            match c.format {
                Format::Csv => {
                    out.extend_from_slice("\u{FEFF}".as_bytes());
                    let cells: Vec<Cell> = c.header.iter().map(|h| Cell::Text(h.clone())).collect();
                    csv_record(&cells, &mut out);
                    c.encoder = Some(Encoder::Csv);
                }
                Format::Xlsx => {
                    let names: Vec<&str> = c.header.iter().map(String::as_str).collect();
                    let sheet = match c.source {
                        Source::Announcements(..) => zh("exports.file_announcements"),
                        Source::Firms(..) => zh("exports.file_firms"),
                        Source::CreditRecords(..) => zh("exports.file_credit_records"),
                    };
                    let widths: Vec<usize> = match c.source {
                        Source::Announcements(..) => vec![14, 40, 24, 12, 10, 8, 12, 16, 16, 6, 30, 20, 12, 8],
                        Source::Firms(..) => vec![36, 20, 12, 8, 8, 12, 6, 6],
                        Source::CreditRecords(..) => vec![12, 36, 20, 12, 8, 40, 6, 24, 12, 16],
                    };
                    let (x, head) = XlsxStream::start(&sheet, &names, &widths);
                    out = head;
                    c.encoder = Some(Encoder::Xlsx(x));
                }
            }
            return Some((Ok::<Bytes, std::io::Error>(Bytes::from(out)), c));
        }
        // the encoder is taken when the end is written: then the stream ends
        c.encoder.as_ref()?;
        let rows: Result<(Vec<Vec<Cell>>, After), sqlx::Error> = match &c.source {
            Source::Announcements(q, now) => exports::announcements(&c.state.pool, q, *now, &c.after, c.batch).await.map(|rows| {
                let after = rows.last().map(|l| After::Announcement { published_at: l.published_at, id: l.id }).unwrap_or(After::Start);
                (rows.into_iter().map(announcement_cells).collect(), after)
            }),
            Source::Firms(q, today) => exports::firms(&c.state.pool, q, today, &c.after, c.batch).await.map(|rows| {
                let after = rows.last().map(|(_, a)| a.clone()).unwrap_or(After::Start);
                (rows.into_iter().map(|(f, _)| firm_cells(f)).collect(), after)
            }),
            Source::CreditRecords(q, now) => exports::credit_records(&c.state.pool, q, *now, &c.after, c.batch).await.map(|rows| {
                let after = rows.last().map(|l| After::Credit(app::db::credit::PublicKey::of(l))).unwrap_or(After::Start);
                (rows.into_iter().map(credit_record_cells).collect(), after)
            }),
        };
        let (rows, after) = match rows {
            Ok(r) => r,
            Err(e) => {
                tracing::error!(error = %e, "export batch");
                c.encoder = None;
                return Some((Err(std::io::Error::other(e.to_string())), c));
            }
        };
        let last = rows.len() < c.batch as usize;
        c.after = after;
        let mut out = Vec::new();
        let mut full = false;
        match c.encoder.as_mut() {
            Some(Encoder::Csv) => rows.iter().for_each(|r| csv_record(r, &mut out)),
            Some(Encoder::Xlsx(x)) => {
                for r in &rows {
                    match x.row(r) {
                        Some(b) => out.extend(b),
                        None => {
                            // grew past Excel's limit since the count: stop here
                            full = true;
                            break;
                        }
                    }
                }
            }
            None => {}
        }
        if last || full {
            if let Some(Encoder::Xlsx(x)) = c.encoder.take() {
                out.extend(x.finish());
            }
        }
        Some((Ok(Bytes::from(out)), c))
    });
    // fused: the compression layer polls the body once more after its end, and
    // an unfused `unfold` would panic then (the download cut short)
    let stream = futures_util::StreamExt::fuse(body);
    Response::builder()
        .header(header::CONTENT_TYPE, content_type)
        .header(header::CONTENT_DISPOSITION, disposition)
        .header(header::CACHE_CONTROL, "no-store")
        .body(Body::from_stream(stream))
        .unwrap_or_else(|_| text(StatusCode::INTERNAL_SERVER_ERROR, String::new()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use app::state::{AttemptLimiter, Clock, ManualClock};
    use std::sync::Arc;
    use tower::ServiceExt;

    /// 2026-11-20 in Shanghai.
    const NOW: i64 = 1_795_140_000_000;

    async fn state(tag: &str) -> (AppState, std::path::PathBuf) {
        let dir = std::env::temp_dir().join(format!("zjcs-export-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let (pool, backend) = app::db::connect(&format!("sqlite://{}/z.db", dir.display()), 4).await.unwrap();
        app::db::migrate(&pool, backend).await.unwrap();
        app::db::reference::load(&pool, NOW).await.unwrap();
        app::db::demo::load(&pool, backend, &app::db::demo::DemoOptions::small(NOW), &|_| {}).await.unwrap();
        let clock: Arc<dyn Clock> = Arc::new(ManualClock::new(NOW));
        let live = app::live::LiveHub::new(pool.clone(), backend);
        let state = AppState {
            leptos_options: leptos::config::LeptosOptions::builder().output_name("zjcs").build(),
            pool,
            backend,
            clock: clock.clone(),
            attempts: Arc::new(AttemptLimiter::new(10, clock)),
            sealer: Arc::new(app::sealing::Sealer::random()),
            live,
            smtp: None,
        };
        (state, dir)
    }

    /// The routes with a small batch (several batches even on the small demo market), compressed as in main.rs.
    fn app(state: &AppState) -> Router {
        Router::new()
            .route(
                "/exports/{file}",
                get(|s: State<AppState>, f: Path<String>, q: Query<Vec<(String, String)>>, h: HeaderMap| export(s, f, q, h, 7)),
            )
            .with_state(state.clone())
            .layer(tower_http::compression::CompressionLayer::new())
    }

    async fn get_raw(state: &AppState, uri: &str, encoding: Option<&str>) -> (StatusCode, HeaderMap, Vec<u8>) {
        let mut req = axum::http::Request::get(uri);
        if let Some(e) = encoding {
            req = req.header(header::ACCEPT_ENCODING, e);
        }
        let res = app(state).oneshot(req.body(Body::empty()).unwrap()).await.unwrap();
        let (status, headers) = (res.status(), res.headers().clone());
        let body = axum::body::to_bytes(res.into_body(), usize::MAX).await.expect("the whole body");
        (status, headers, body.to_vec())
    }

    /// GET `uri` with `Accept-Encoding: encoding`, read back through a decompressing client.
    async fn get_decompressed(state: &AppState, uri: &str, encoding: &str) -> Vec<u8> {
        let client = tower_http::decompression::Decompression::new(app(state));
        let req = axum::http::Request::get(uri).header(header::ACCEPT_ENCODING, encoding).body(Body::empty()).unwrap();
        let res = client.oneshot(req).await.unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        axum::body::to_bytes(Body::new(res.into_body()), usize::MAX).await.expect("the whole body").to_vec()
    }

    #[tokio::test]
    async fn announcements_csv_has_bom_chinese_header_and_the_listed_rows() {
        let (state, dir) = state("csv").await;
        let q = AnnouncementQuery { status: "selected".into(), ..Default::default() };
        let want = app::db::exports::announcements_count(&state.pool, &q, NOW).await.unwrap();
        assert!(want > 7, "several batches: {want}");
        let (status, headers, body) = get_raw(&state, "/exports/announcements.csv?status=selected", None).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(headers[header::CONTENT_TYPE], "text/csv; charset=utf-8");
        let cd = headers[header::CONTENT_DISPOSITION].to_str().unwrap();
        assert!(cd.starts_with("attachment; filename=\"announcements-2026-11-20.csv\"; filename*=UTF-8''%E5%85%AC%E5%91%8A-2026-11-20.csv"), "{cd}");
        assert_eq!(&body[..3], b"\xEF\xBB\xBF", "BOM");
        let text = String::from_utf8(body[3..].to_vec()).unwrap();
        let lines: Vec<&str> = text.split("\r\n").filter(|l| !l.is_empty()).collect();
        assert!(lines[0].starts_with("公告编号,项目名称,中介服务事项,行政区划,选取方式,状态,预算（元）"), "{}", lines[0]);
        assert!(lines[0].ends_with("中选机构,中选机构统一社会信用代码,中选金额（元）,中选状态"));
        assert_eq!(lines.len() as i64 - 1, want, "one line per announcement");
        assert!(lines[1..].iter().all(|l| l.contains(",已选定,")), "only selected announcements: {}", lines[1]);
        // through the compression layer, as a browser asks for it
        for encoding in ["gzip", "br"] {
            let (status, headers, compressed) = get_raw(&state, "/exports/announcements.csv?status=selected", Some(encoding)).await;
            assert_eq!(status, StatusCode::OK);
            assert_eq!(headers.get(header::CONTENT_ENCODING).and_then(|v| v.to_str().ok()), Some(encoding));
            assert_ne!(compressed, body);
            assert_eq!(get_decompressed(&state, "/exports/announcements.csv?status=selected", encoding).await, body, "{encoding}: the same bytes, to the end");
        }
        let _ = std::fs::remove_dir_all(dir);
    }

    #[tokio::test]
    async fn firms_xlsx_is_a_valid_workbook_through_compression() {
        let (state, dir) = state("xlsx").await;
        let (status, headers, _) = get_raw(&state, "/exports/firms.xlsx?sort=name", Some("br")).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(headers[header::CONTENT_TYPE], app::domain::xlsx::CONTENT_TYPE);
        assert_eq!(headers.get(header::CONTENT_ENCODING).and_then(|v| v.to_str().ok()), Some("br"));
        let body = get_decompressed(&state, "/exports/firms.xlsx?sort=name", "br").await;
        assert_eq!(get_decompressed(&state, "/exports/firms.xlsx?sort=name", "gzip").await, body);
        assert_eq!(&body[..2], b"PK");
        // the central directory at the end names the sheet; the header row is Chinese
        let text = String::from_utf8_lossy(&body);
        assert!(text.contains("xl/worksheets/sheet1.xml") && text.contains("机构名称") && text.contains("统一社会信用代码"));
        let today = date_shanghai(NOW);
        let q = FirmQuery { sort: Some("name".into()), ..Default::default() }.validate().unwrap();
        let n = app::db::exports::firms_count(&state.pool, &q, &today).await.unwrap();
        assert!(n > 7);
        assert!(text.contains(&format!("<row r=\"{}\">", n + 1)) && !text.contains(&format!("<row r=\"{}\">", n + 2)), "{n} firms");
        std::fs::write(dir.join("f.xlsx"), &body).unwrap();
        let check = std::process::Command::new("python3")
            .arg("-c")
            .arg("import sys,zipfile; z=zipfile.ZipFile(sys.argv[1]); assert z.testzip() is None; print(len(z.namelist()))")
            .arg(dir.join("f.xlsx"))
            .output();
        if let Ok(out) = check {
            assert!(out.status.success(), "python zipfile: {}", String::from_utf8_lossy(&out.stderr));
        }
        let _ = std::fs::remove_dir_all(dir);
    }

    #[tokio::test]
    async fn bad_filters_are_400_with_the_pages_message_and_unknown_exports_404() {
        let (state, dir) = state("bad").await;
        let (status, _, body) = get_raw(&state, "/exports/announcements.csv?method=lottery", None).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(String::from_utf8(body).unwrap(), zh("trading.method_unknown"));
        let (status, _, body) = get_raw(&state, "/exports/firms.xlsx?star=9", None).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(String::from_utf8(body).unwrap(), zh("credit.star_invalid"));
        for bad in ["/exports/contracts.csv", "/exports/firms.pdf", "/exports/firms"] {
            let (status, _, _) = get_raw(&state, bad, None).await;
            assert_eq!(status, StatusCode::NOT_FOUND, "{bad}");
        }
        let _ = std::fs::remove_dir_all(dir);
    }

    #[tokio::test]
    async fn credit_records_csv_has_bom_chinese_header_and_the_listed_rows() {
        let (state, dir) = state("credit").await;
        let all = CreditRecordQuery::default().validate().unwrap();
        let want = app::db::exports::credit_records_count(&state.pool, &all).await.unwrap();
        assert!(want > 7, "several batches: {want}");
        let (status, headers, body) = get_raw(&state, "/exports/credit-records.csv", None).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(headers[header::CONTENT_TYPE], "text/csv; charset=utf-8");
        let cd = headers[header::CONTENT_DISPOSITION].to_str().unwrap();
        assert!(cd.starts_with("attachment; filename=\"credit-records-2026-11-20.csv\"; filename*=UTF-8''%E4%BF%A1%E7%94%A8%E8%AE%B0%E5%BD%95-2026-11-20.csv"), "{cd}");
        assert_eq!(&body[..3], b"\xEF\xBB\xBF", "BOM");
        let text = String::from_utf8(body[3..].to_vec()).unwrap();
        let lines: Vec<&str> = text.split("\r\n").filter(|l| !l.is_empty()).collect();
        assert_eq!(lines[0], "日期,机构名称,统一社会信用代码,所在地区,类别,事项或事由,分值,决定文号,有效期至,状态");
        assert_eq!(lines.len() as i64 - 1, want, "one line per record or entry");
        // the rows are the page's, in its order (the first page opens the file)
        let page = app::db::credit::public_list(&state.pool, &all, 20, NOW).await.unwrap();
        assert_eq!(page.items.len() as i64, want.min(20));
        let starts: Vec<String> = page.items.iter().map(|r| format!("{},{},{},{}", r.date, r.firm_name, r.credit_code, r.region_name)).collect();
        let got: Vec<String> = lines[1..=page.items.len()].iter().map(|l| l.splitn(5, ',').take(4).collect::<Vec<_>>().join(",")).collect();
        assert_eq!(got, starts);
        // one kind only
        let (status, _, body) = get_raw(&state, "/exports/credit-records.csv?kind=penalty", None).await;
        assert_eq!(status, StatusCode::OK);
        let text = String::from_utf8(body[3..].to_vec()).unwrap();
        let rows: Vec<&str> = text.split("\r\n").skip(1).filter(|l| !l.is_empty()).collect();
        let penalties = app::db::exports::credit_records_count(&state.pool, &CreditRecordQuery { kind: Some("penalty".into()), ..Default::default() }.validate().unwrap()).await.unwrap();
        assert_eq!(rows.len() as i64, penalties);
        assert!(penalties > 0 && rows.iter().all(|l| l.contains(",惩戒,")), "{}", rows[0]);
        // the workbook has the same rows
        let body = get_decompressed(&state, "/exports/credit-records.xlsx", "gzip").await;
        let text = String::from_utf8_lossy(&body);
        assert!(text.contains(&format!("<row r=\"{}\">", want + 1)) && !text.contains(&format!("<row r=\"{}\">", want + 2)), "{want} rows");
        let _ = std::fs::remove_dir_all(dir);
    }

    #[tokio::test]
    async fn credit_records_bad_filters_are_400_in_chinese() {
        let (state, dir) = state("credit-bad").await;
        for (uri, key) in [
            ("/exports/credit-records.csv?kind=gold", "credit.records_kind_invalid"),
            ("/exports/credit-records.xlsx?from=2026-02-30", "credit.records_date_invalid"),
            ("/exports/credit-records.csv?from=2026-05-01&to=2026-04-01", "credit.records_range_invalid"),
            ("/exports/credit-records.csv?region=51", "credit.records_region_invalid"),
        ] {
            let (status, _, body) = get_raw(&state, uri, None).await;
            assert_eq!(status, StatusCode::BAD_REQUEST, "{uri}");
            let message = String::from_utf8(body).unwrap();
            assert_eq!(message, zh(key));
            assert!(message.chars().any(|c| !c.is_ascii()), "{uri}: {message}");
        }
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn csv_quoting_and_formula_guard() {
        let mut out = Vec::new();
        csv_record(&[Cell::Text("a,b".into()), Cell::Text("say \"hi\"".into()), Cell::Text("=1+1".into()), Cell::Int(-3), Cell::Num(12.5)], &mut out);
        assert_eq!(String::from_utf8(out).unwrap(), "\"a,b\",\"say \"\"hi\"\"\",'=1+1,-3,12.50\r\n");
    }
}
