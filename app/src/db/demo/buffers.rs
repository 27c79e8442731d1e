//! Row buffers written in foreign-key order, and small `Arg` constructors.
use super::super::sql::{insert_rows, Arg};

pub(super) struct Buffers {
    tables: Vec<(&'static str, &'static [&'static str], Vec<Vec<Arg>>)>,
}

const FIRM_COLS: &[&str] = &["id", "name", "credit_code", "region_code", "address", "legal_rep", "contact_name", "contact_phone", "status", "registered_at", "updated_at"];
const FIRM_ITEM_COLS: &[&str] = &["firm_id", "item_id", "fee_standard", "promised_days"];
const QUAL_COLS: &[&str] = &["firm_id", "type_code", "grade", "certificate_no", "issuer", "valid_from", "valid_to"];
const STAFF_COLS: &[&str] = &["firm_id", "role", "name", "title", "certificate", "id_number", "phone", "created_at"];
const REGISTER_COLS: &[&str] = &["type_code", "certificate_no", "holder_credit_code", "holder_name", "grade", "valid_from", "valid_to", "revoked", "imported_at"];
const OWNER_COLS: &[&str] = &["id", "name", "credit_code", "kind", "region_code", "created_at"];
const PROC_COLS: &[&str] = &["id", "code", "title", "owner_id", "item_id", "region_code", "industry_code", "funding", "budget_fen", "method", "status", "service_days", "published_at", "deadline_at", "closed_at", "cancel_reason", "created_at", "updated_at"];
const PART_COLS: &[&str] = &["procurement_id", "firm_id", "status", "registered_at"];
const QUOTE_COLS: &[&str] = &["procurement_id", "firm_id", "amount_fen", "submitted_at"];
const AWARD_COLS: &[&str] = &["procurement_id", "firm_id", "amount_fen", "reason", "awarded_at"];
const CONTRACT_COLS: &[&str] = &["id", "procurement_id", "firm_id", "owner_id", "price_fen", "status", "created_at", "signed_at", "due_at", "delivered_at", "accepted_at", "paid_at"];
const RATING_COLS: &[&str] = &["contract_id", "firm_id", "timeliness", "quality", "attitude", "fee_compliance", "comment", "rated_at"];

impl Buffers {
    pub(super) fn new() -> Self {
        Buffers {
            tables: vec![
                ("firms", FIRM_COLS, vec![]),
                ("firm_items", FIRM_ITEM_COLS, vec![]),
                ("firm_qualifications", QUAL_COLS, vec![]),
                ("firm_staff", STAFF_COLS, vec![]),
                ("qualification_register", REGISTER_COLS, vec![]),
                ("owners", OWNER_COLS, vec![]),
                ("procurements", PROC_COLS, vec![]),
                ("participations", PART_COLS, vec![]),
                ("quotes", QUOTE_COLS, vec![]),
                ("awards", AWARD_COLS, vec![]),
                ("contracts", CONTRACT_COLS, vec![]),
                ("ratings", RATING_COLS, vec![]),
            ],
        }
    }
    pub(super) fn push(&mut self, table: &str, row: Vec<Arg>) {
        let t = self.tables.iter_mut().find(|t| t.0 == table).expect("known table");
        debug_assert_eq!(t.1.len(), row.len(), "{table}");
        t.2.push(row);
    }
    pub(super) fn len(&self) -> usize {
        self.tables.iter().map(|t| t.2.len()).sum()
    }
    /// Writes every buffer in foreign-key order.
    pub(super) async fn flush(&mut self, conn: &mut sqlx::AnyConnection) -> Result<(), sqlx::Error> {
        for (table, cols, rows) in self.tables.iter_mut() {
            if !rows.is_empty() {
                insert_rows(conn, table, cols, rows).await?;
                rows.clear();
            }
        }
        Ok(())
    }
}

pub(super) fn t(s: impl Into<String>) -> Arg {
    Arg::Text(s.into())
}
pub(super) fn i(v: i64) -> Arg {
    Arg::Int(v)
}
pub(super) fn oi(v: Option<i64>) -> Arg {
    Arg::from(v)
}

