//! Demo accounts for every role (demo-only credentials, documented in the README;
//! created only by the demo loader) and review applications for the demo firms
//! that are awaiting review.
use super::super::accounts::{create_user, AccountsError, NewUser};
use super::super::Pool;
use crate::domain::accounts::Role;
use crate::model::onboarding::ApplicationKind;

/// (username, password, role, region, industry, organisation): the firm and owner
/// accounts belong to the first active firm / first owner, `firm.pending` to the
/// first firm awaiting review, `firm.b`…`firm.d` to the next active firms.
pub const DEMO_ACCOUNTS: &[(&str, &str, Role, Option<&str>, Option<&str>)] = &[
    ("admin", "Zjcs-Demo-2026", Role::Admin, None, None),
    ("operator", "Zjcs-Demo-2026", Role::Operator, None, None),
    ("regulator", "Zjcs-Demo-2026", Role::Regulator, Some("510000"), Some("ZJ")),
    ("regulator.cd", "Zjcs-Demo-2026", Role::Regulator, Some("510100"), Some("ZJ")),
    // the industry every demo firm account offers (HJ): supervises their credit
    ("regulator.hj", "Zjcs-Demo-2026", Role::Regulator, Some("510000"), Some("HJ")),
    ("leader", "Zjcs-Demo-2026", Role::Leader, Some("510000"), None),
    ("leader.cd", "Zjcs-Demo-2026", Role::Leader, Some("510100"), None),
    ("firm", "Zjcs-Demo-2026", Role::Firm, None, None),
    ("firm.pending", "Zjcs-Demo-2026", Role::Firm, None, None),
    // three more active firms that offer every item `firm` offers (competitors in trading demos)
    ("firm.b", "Zjcs-Demo-2026", Role::Firm, None, None),
    ("firm.c", "Zjcs-Demo-2026", Role::Firm, None, None),
    ("firm.d", "Zjcs-Demo-2026", Role::Firm, None, None),
    ("owner", "Zjcs-Demo-2026", Role::Owner, None, None),
];

fn display_name(username: &str) -> &'static str {
    match username {
        "admin" => "系统管理员(演示)",
        "operator" => "超市运维机构(演示)",
        "regulator" => "四川省住房和城乡建设厅(演示)",
        "regulator.cd" => "成都市住房和城乡建设局(演示)",
        "regulator.hj" => "四川省生态环境厅(演示)",
        "leader" => "省级领导(演示)",
        "leader.cd" => "成都市领导(演示)",
        _ => "",
    }
}

/// Creates the demo accounts, opens a review application for every demo firm
/// awaiting review (with its registered profile), adds the unjoined firms to the
/// register and publishes the demo notices. Returns the number of accounts.
pub async fn load(pool: &Pool, now_ms: i64) -> Result<usize, AccountsError> {
    let first_active: Option<(i64, String)> =
        sqlx::query_as("SELECT id, name FROM firms WHERE status = 'active' ORDER BY id LIMIT 1").fetch_optional(pool).await?;
    let first_pending: Option<(i64, String)> =
        sqlx::query_as("SELECT id, name FROM firms WHERE status = 'submitted' ORDER BY id LIMIT 1").fetch_optional(pool).await?;
    let active: Vec<(i64, String)> =
        sqlx::query_as("SELECT id, name FROM firms WHERE status = 'active' ORDER BY id LIMIT 4").fetch_all(pool).await?;
    let first_owner: Option<(i64, String)> = sqlx::query_as("SELECT id, name FROM owners ORDER BY id LIMIT 1").fetch_optional(pool).await?;
    let mut created = 0;
    for (username, password, role, region, industry) in DEMO_ACCOUNTS {
        let (firm, owner) = match *username {
            "firm" => (first_active.clone(), None),
            "firm.pending" => (first_pending.clone(), None),
            "firm.b" => (active.get(1).cloned(), None),
            "firm.c" => (active.get(2).cloned(), None),
            "firm.d" => (active.get(3).cloned(), None),
            "owner" => (None, first_owner.clone()),
            _ => (None, None),
        };
        if matches!(role, Role::Firm) && firm.is_none() || matches!(role, Role::Owner) && owner.is_none() {
            continue;
        }
        let name = firm.as_ref().or(owner.as_ref()).map(|(_, n)| n.as_str()).unwrap_or(display_name(username));
        let user = NewUser {
            username,
            password,
            role: *role,
            display_name: name,
            firm_id: firm.as_ref().map(|f| f.0),
            owner_id: owner.as_ref().map(|o| o.0),
            region_code: *region,
            industry_code: *industry,
        };
        create_user(pool, &user, now_ms).await?;
        created += 1;
    }
    // firm.b … firm.d compete with `firm` on every item it offers
    if let Some((first, _)) = active.first() {
        for (other, _) in active.iter().skip(1) {
            sqlx::query(
                "INSERT INTO firm_items (firm_id, item_id, fee_standard, promised_days) \
                 SELECT $1, item_id, fee_standard, promised_days FROM firm_items WHERE firm_id = $2 ON CONFLICT DO NOTHING",
            )
            .bind(other)
            .bind(first)
            .execute(pool)
            .await?;
        }
    }
    // the demo firms awaiting review get the application the operator reviews
    let pending: Vec<(i64, i64)> =
        sqlx::query_as("SELECT id, registered_at FROM firms WHERE status = 'submitted' ORDER BY id").fetch_all(pool).await?;
    for (firm_id, registered_at) in pending {
        let draft = super::super::onboarding::snapshot_from_live(pool, firm_id).await?;
        let at = registered_at.min(now_ms);
        let id = super::super::onboarding::create(pool, firm_id, ApplicationKind::Onboarding, &draft, None, at).await?;
        let row = super::super::onboarding::application(pool, id).await?.ok_or(sqlx::Error::RowNotFound)?;
        super::super::onboarding::submit_as_demo(pool, &row, at).await?;
    }
    unjoined_register(pool, now_ms).await?;
    let operator: Option<i64> = sqlx::query_scalar("SELECT id FROM users WHERE username = 'operator'").fetch_optional(pool).await?;
    super::super::notices::seed_demo_notices(pool, now_ms, operator).await?;
    Ok(created)
}

/// How many licensed firms the demo register lists that have not joined yet.
pub const UNJOINED: u64 = 20;

/// The register also lists licensed firms that have not joined the marketplace
/// yet (as a real provincial register would): their credit codes and certificates
/// let anyone try the registration with a qualification that passes the check.
/// Firm `n` (1-based): credit code `unjoined_credit_code(n)`, certificate
/// `GCZX-DEMO-NEW-nn` (工程咨询单位备案, 不分级).
pub async fn unjoined_register(pool: &Pool, now_ms: i64) -> Result<(), sqlx::Error> {
    for n in 1..=UNJOINED {
        let code = unjoined_credit_code(n);
        sqlx::query(
            "INSERT INTO qualification_register (type_code, certificate_no, holder_credit_code, holder_name, grade, valid_from, valid_to, revoked, imported_at) \
             VALUES ('GCZX', $1, $2, $3, '不分级', '2024-01-01', '2030-12-31', 0, $4)",
        )
        .bind(format!("GCZX-DEMO-NEW-{n:02}"))
        .bind(code)
        .bind(format!("四川示范第{n}工程咨询有限公司"))
        .bind(now_ms)
        .execute(pool)
        .await?;
    }
    Ok(())
}

/// The credit code of the `n`-th licensed firm that has not joined yet.
pub fn unjoined_credit_code(n: u64) -> String {
    crate::domain::credit_code::from_parts("91", "510104", 900_000 + n).unwrap_or_default()
}
