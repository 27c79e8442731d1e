//! The qualification register: lookup behind a trait (a real credit platform can
//! implement it), the database implementation, and the operator's CSV import.
use super::Pool;
use crate::domain::qualification::RegisterEntry;

/// Where qualification checks look certificates up.
pub trait QualificationRegister {
    fn lookup(
        &self,
        type_code: &str,
        certificate_no: &str,
    ) -> impl std::future::Future<Output = Result<Option<RegisterEntry>, sqlx::Error>> + Send;
}

/// The register table imported by the operator.
pub struct DbRegister<'a>(pub &'a Pool);

impl QualificationRegister for DbRegister<'_> {
    async fn lookup(&self, type_code: &str, certificate_no: &str) -> Result<Option<RegisterEntry>, sqlx::Error> {
        let row: Option<(String, String, String, String, String, String, String, i64)> = sqlx::query_as(
            "SELECT type_code, certificate_no, holder_credit_code, holder_name, grade, valid_from, valid_to, revoked \
             FROM qualification_register WHERE type_code = $1 AND certificate_no = $2",
        )
        .bind(type_code)
        .bind(certificate_no.trim())
        .fetch_optional(self.0)
        .await?;
        Ok(row.map(|(type_code, certificate_no, holder_credit_code, holder_name, grade, valid_from, valid_to, revoked)| {
            RegisterEntry { type_code, certificate_no, holder_credit_code, holder_name, grade, valid_from, valid_to, revoked: revoked != 0 }
        }))
    }
}

/// The CSV format the operator imports (UTF-8, header required, RFC 4180 quoting).
pub const CSV_HEADER: [&str; 8] =
    ["type_code", "certificate_no", "holder_credit_code", "holder_name", "grade", "valid_from", "valid_to", "revoked"];

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ImportReport {
    pub inserted: usize,
    pub updated: usize,
    /// `(line, message)` of every row that was not imported.
    pub rejected: Vec<(usize, String)>,
}

fn valid_date(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter().enumerate().all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit())
        && (1..=12).contains(&s[5..7].parse::<u32>().unwrap_or(0))
        && (1..=31).contains(&s[8..10].parse::<u32>().unwrap_or(0))
}

/// Imports register rows; a row that fails validation is reported with its line
/// number and the rest are imported (upsert by type + certificate number).
pub async fn import_csv(pool: &Pool, text: &str, now_ms: i64) -> Result<ImportReport, sqlx::Error> {
    let mut report = ImportReport::default();
    let mut reader = csv::ReaderBuilder::new().has_headers(true).flexible(true).from_reader(text.as_bytes());
    let header: Vec<String> = match reader.headers() {
        Ok(h) => h.iter().map(|s| s.trim().trim_start_matches('\u{feff}').to_string()).collect(),
        Err(e) => {
            report.rejected.push((1, format!("header: {e}")));
            return Ok(report);
        }
    };
    if header != CSV_HEADER {
        report.rejected.push((1, format!("header must be {}", CSV_HEADER.join(","))));
        return Ok(report);
    }
    let types: Vec<(String, String)> = sqlx::query_as("SELECT code, grades FROM qualification_types").fetch_all(pool).await?;
    let mut tx = crate::db::begin_write_on(&pool).await?;
    for (k, rec) in reader.records().enumerate() {
        let line = k + 2;
        let rec = match rec {
            Ok(r) => r,
            Err(e) => {
                report.rejected.push((line, e.to_string()));
                continue;
            }
        };
        if rec.len() != CSV_HEADER.len() {
            report.rejected.push((line, format!("{} fields, expected {}", rec.len(), CSV_HEADER.len())));
            continue;
        }
        let f: Vec<&str> = rec.iter().map(str::trim).collect();
        let Some((_, grades)) = types.iter().find(|(c, _)| c == f[0]) else {
            report.rejected.push((line, format!("unknown qualification type {:?}", f[0])));
            continue;
        };
        let problem = if f[1].is_empty() || f[1].chars().count() > 64 {
            Some("certificate_no: required, at most 64 characters".to_string())
        } else if crate::domain::credit_code::validate(f[2]).is_err() {
            Some(format!("holder_credit_code: {:?} is not a valid unified social credit code", f[2]))
        } else if f[3].is_empty() {
            Some("holder_name: required".into())
        } else if !grades.split('|').any(|g| g == f[4]) {
            Some(format!("grade: {:?} is not one of {grades}", f[4]))
        } else if !valid_date(f[5]) || !valid_date(f[6]) || f[5] > f[6] {
            Some("valid_from / valid_to: YYYY-MM-DD, from not after to".into())
        } else if !matches!(f[7], "0" | "1" | "") {
            Some("revoked: 0 or 1".into())
        } else {
            None
        };
        if let Some(message) = problem {
            report.rejected.push((line, message));
            continue;
        }
        let holder = f[2].to_ascii_uppercase();
        let revoked: i64 = if f[7] == "1" { 1 } else { 0 };
        let existing: Option<(i64,)> =
            sqlx::query_as("SELECT id FROM qualification_register WHERE type_code = $1 AND certificate_no = $2")
                .bind(f[0])
                .bind(f[1])
                .fetch_optional(&mut *tx)
                .await?;
        match existing {
            Some((id,)) => {
                sqlx::query(
                    "UPDATE qualification_register SET holder_credit_code = $1, holder_name = $2, grade = $3, \
                     valid_from = $4, valid_to = $5, revoked = $6, imported_at = $7 WHERE id = $8",
                )
                .bind(&holder).bind(f[3]).bind(f[4]).bind(f[5]).bind(f[6]).bind(revoked).bind(now_ms).bind(id)
                .execute(&mut *tx)
                .await?;
                report.updated += 1;
            }
            None => {
                sqlx::query(
                    "INSERT INTO qualification_register (type_code, certificate_no, holder_credit_code, holder_name, \
                     grade, valid_from, valid_to, revoked, imported_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                )
                .bind(f[0]).bind(f[1]).bind(&holder).bind(f[3]).bind(f[4]).bind(f[5]).bind(f[6]).bind(revoked).bind(now_ms)
                .execute(&mut *tx)
                .await?;
                report.inserted += 1;
            }
        }
    }
    tx.commit().await?;
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::testing::{TestApp, TEST_NOW_MS};
    use crate::domain::credit_code;
    use crate::domain::qualification::{check, Claim, Finding};

    #[tokio::test]
    async fn import_reports_bad_rows_and_upserts() {
        let app = TestApp::with_demo(None).await;
        let holder = credit_code::from_parts("91", "510104", 42).unwrap();
        let csv = format!(
            "type_code,certificate_no,holder_credit_code,holder_name,grade,valid_from,valid_to,revoked\n\
             CHZZ,甲测资字5100001,{holder},四川甲测绘有限公司,甲级,2024-01-01,2028-12-31,0\n\
             NOPE,X1,{holder},某公司,甲级,2024-01-01,2028-12-31,0\n\
             CHZZ,X2,123,某公司,甲级,2024-01-01,2028-12-31,0\n\
             CHZZ,X3,{holder},某公司,特级,2024-01-01,2028-12-31,0\n\
             CHZZ,X4,{holder},某公司,甲级,2024-13-01,2028-12-31,0\n\
             CHZZ,X5,{holder},某公司\n"
        );
        let r = import_csv(&app.state.pool, &csv, TEST_NOW_MS).await.unwrap();
        assert_eq!((r.inserted, r.updated), (1, 0));
        assert_eq!(r.rejected.iter().map(|x| x.0).collect::<Vec<_>>(), vec![3, 4, 5, 6, 7], "{:?}", r.rejected);
        assert!(r.rejected[0].1.contains("NOPE") && r.rejected[3].1.contains("valid_from"));

        // re-import updates (revoked now), and the check sees it
        let csv2 = format!("{}\nCHZZ,甲测资字5100001,{holder},四川甲测绘有限公司,甲级,2024-01-01,2028-12-31,1\n", CSV_HEADER.join(","));
        let r2 = import_csv(&app.state.pool, &csv2, TEST_NOW_MS).await.unwrap();
        assert_eq!((r2.inserted, r2.updated, r2.rejected.len()), (0, 1, 0));
        let entry = DbRegister(&app.state.pool).lookup("CHZZ", " 甲测资字5100001 ").await.unwrap().unwrap();
        let claim = Claim { type_code: "CHZZ".into(), grade: "甲级".into(), certificate_no: "甲测资字5100001".into(), holder_credit_code: holder };
        assert_eq!(check(&claim, Some(&entry), None, "2026-11-26"), vec![Finding::Revoked]);
        assert!(DbRegister(&app.state.pool).lookup("CHZZ", "none").await.unwrap().is_none());

        let bad_header = import_csv(&app.state.pool, "a,b\n1,2\n", TEST_NOW_MS).await.unwrap();
        assert_eq!(bad_header.rejected[0].0, 1);
    }
}
