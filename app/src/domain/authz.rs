//! Who may call which server function, and on which rows. Pure.
//!
//! `MATRIX` is the one table the server functions enforce (through
//! `api::ctx::authorize`) and the tests walk cell by cell. Row rules are
//! enforced inside each function with the helpers below: a firm only ever
//! touches its own firm (taken from the session, never from the input), a
//! regulator only its industry and region, a leader only its region.
use super::accounts::Role;
use super::region;

/// Who may call a server function.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Audience {
    /// Everyone, signed in or not.
    Public,
    /// Only visitors who are not signed in (sign-in, sign-up).
    Anonymous,
    /// Any signed-in user.
    SignedIn,
    /// Signed-in users with one of these roles.
    Roles(&'static [Role]),
}

pub struct Rule {
    /// The server function's endpoint under `/api/`.
    pub endpoint: &'static str,
    pub audience: Audience,
    /// Which rows the caller reaches (documentation; enforced in the function, tested per cell).
    pub rows: &'static str,
}

use Audience::*;
use Role::*;

pub const STAFF: &[Role] = &[Admin, Operator, Regulator, Leader];

/// Every server function. A test fails when a registered server function is missing here.
pub const MATRIX: &[Rule] = &[
    // public portal
    Rule { endpoint: "portal/home", audience: Public, rows: "published data only" },
    Rule { endpoint: "stats/public", audience: Public, rows: "the documented subset of the dashboard, province-wide (model::dashboard::PublicStats)" },
    Rule { endpoint: "catalogue/facets", audience: Public, rows: "items in force" },
    Rule { endpoint: "catalogue/items", audience: Public, rows: "items in force" },
    Rule { endpoint: "catalogue/item", audience: Public, rows: "items in force" },
    Rule { endpoint: "firms/facets", audience: Public, rows: "active firms" },
    Rule { endpoint: "firms/list", audience: Public, rows: "active firms" },
    Rule { endpoint: "firms/profile", audience: Public, rows: "active firms; public fields, staff IDs and phones masked" },
    Rule { endpoint: "reference/lists", audience: Public, rows: "regions and industries" },
    // accounts
    Rule { endpoint: "accounts/me", audience: Public, rows: "the caller's own account (none when signed out)" },
    Rule { endpoint: "accounts/sign_in", audience: Public, rows: "the named account" },
    Rule { endpoint: "accounts/sign_up", audience: Anonymous, rows: "creates one firm or owner and its account" },
    Rule { endpoint: "accounts/sign_out", audience: Public, rows: "the caller's session" },
    Rule { endpoint: "accounts/change_password", audience: SignedIn, rows: "the caller's own account" },
    Rule { endpoint: "accounts/list", audience: Roles(&[Admin]), rows: "all accounts" },
    Rule { endpoint: "accounts/create_staff", audience: Roles(&[Admin]), rows: "new operator, regulator, leader or admin accounts" },
    // files and notices (通知公告 / 政策法规)
    Rule { endpoint: "files/upload", audience: SignedIn, rows: "stores a file owned by the caller (and the caller's firm)" },
    Rule { endpoint: "notices/list", audience: Public, rows: "published notices and policies" },
    Rule { endpoint: "notices/detail", audience: Public, rows: "published notices and policies" },
    Rule { endpoint: "notices/manage_list", audience: Roles(&[Admin, Operator]), rows: "all notices, drafts too" },
    Rule { endpoint: "notices/edit", audience: Roles(&[Admin, Operator]), rows: "any notice, drafts too" },
    Rule { endpoint: "notices/save", audience: Roles(&[Admin, Operator]), rows: "any notice" },
    Rule { endpoint: "notices/publish", audience: Roles(&[Admin, Operator]), rows: "any notice" },
    Rule { endpoint: "notices/unpublish", audience: Roles(&[Admin, Operator]), rows: "any notice" },
    Rule { endpoint: "notices/pin", audience: Roles(&[Admin, Operator]), rows: "any notice" },
    Rule { endpoint: "notices/attach", audience: Roles(&[Admin, Operator]), rows: "any notice; the new file is the caller's" },
    Rule { endpoint: "notices/detach", audience: Roles(&[Admin, Operator]), rows: "any notice" },
    // @matrix:files-notices
    Rule { endpoint: "catalogue/manage_list", audience: Roles(&[Regulator, Operator, Admin]), rows: "regulator: items of its industry within its region; operator, admin: all" },
    Rule { endpoint: "catalogue/editor", audience: Roles(&[Regulator, Operator, Admin]), rows: "as catalogue/manage_list (another industry or region: 403)" },
    Rule { endpoint: "catalogue/save", audience: Roles(&[Regulator, Operator, Admin]), rows: "as catalogue/manage_list, for the item before and after the change" },
    Rule { endpoint: "catalogue/retire", audience: Roles(&[Regulator, Operator, Admin]), rows: "as catalogue/manage_list" },
    // @matrix:catalogue-maintenance
    Rule { endpoint: "accounts/oidc_status", audience: Public, rows: "whether unified identity sign-in is offered (no secrets)" },
    // @matrix:oidc
    Rule { endpoint: "onboarding/workbench", audience: Roles(&[Firm]), rows: "the caller's own firm" },
    Rule { endpoint: "onboarding/application", audience: Roles(&[Firm]), rows: "the caller's own firm's open application" },
    Rule { endpoint: "onboarding/start_change", audience: Roles(&[Firm]), rows: "the caller's own active firm" },
    Rule { endpoint: "onboarding/options", audience: Roles(&[Firm]), rows: "reference data" },
    Rule { endpoint: "onboarding/save_basic", audience: Roles(&[Firm]), rows: "the caller's own firm's editable application" },
    Rule { endpoint: "onboarding/add_staff", audience: Roles(&[Firm]), rows: "the caller's own firm's editable application" },
    Rule { endpoint: "onboarding/remove_staff", audience: Roles(&[Firm]), rows: "the caller's own firm's editable application" },
    Rule { endpoint: "onboarding/add_item", audience: Roles(&[Firm]), rows: "the caller's own firm's editable application" },
    Rule { endpoint: "onboarding/remove_item", audience: Roles(&[Firm]), rows: "the caller's own firm's editable application" },
    Rule { endpoint: "onboarding/save_qualification", audience: Roles(&[Firm]), rows: "the caller's own firm's editable application; only files it uploaded" },
    Rule { endpoint: "onboarding/attach_document", audience: Roles(&[Firm]), rows: "a qualification of the caller's own firm's editable application; the file belongs to that firm" },
    Rule { endpoint: "onboarding/remove_qualification", audience: Roles(&[Firm]), rows: "the caller's own firm's editable application" },
    Rule { endpoint: "onboarding/accept_commitment", audience: Roles(&[Firm]), rows: "the caller's own firm's editable application" },
    Rule { endpoint: "onboarding/submit", audience: Roles(&[Firm]), rows: "the caller's own firm's editable application" },
    Rule { endpoint: "review/queue", audience: Roles(&[Operator, Admin, Regulator]), rows: "operators: all; regulators: firms of their region offering their industry" },
    Rule { endpoint: "review/application", audience: Roles(&[Operator, Admin, Regulator]), rows: "operators: all; regulators: within their scope" },
    Rule { endpoint: "review/decide", audience: Roles(&[Operator, Admin]), rows: "submitted applications" },
    Rule { endpoint: "review/expiring", audience: Roles(&[Operator, Admin, Regulator]), rows: "operators: all; regulators: within their scope" },
    Rule { endpoint: "register/status", audience: Roles(&[Operator, Admin]), rows: "the whole qualification register (size, last import)" },
    Rule { endpoint: "register/import", audience: Roles(&[Operator, Admin]), rows: "upserts register rows by type + certificate number" },
    // @matrix:onboarding
    // trading (交易)
    Rule { endpoint: "trading/list", audience: Public, rows: "published announcements; `mine`: the caller's firm scope" },
    Rule { endpoint: "trading/announcement", audience: Public, rows: "published announcements; no sealed value before opening" },
    Rule { endpoint: "trading/my_part", audience: SignedIn, rows: "the caller's own firm or owner organisation" },
    Rule { endpoint: "trading/options", audience: Roles(&[Owner]), rows: "items in force; regions within the owner's region" },
    Rule { endpoint: "trading/owner_desk", audience: Roles(&[Owner]), rows: "the caller's owner organisation's announcements" },
    Rule { endpoint: "trading/draft", audience: Roles(&[Owner]), rows: "the caller's own drafts" },
    Rule { endpoint: "trading/save", audience: Roles(&[Owner]), rows: "the caller's own drafts; regions within the owner's region" },
    Rule { endpoint: "trading/copy", audience: Roles(&[Owner]), rows: "the caller's own announcements" },
    Rule { endpoint: "trading/cancel", audience: Roles(&[Owner]), rows: "the caller's own announcements" },
    Rule { endpoint: "trading/register", audience: Roles(&[Firm]), rows: "the caller's own firm" },
    Rule { endpoint: "trading/quote", audience: Roles(&[Firm]), rows: "the caller's own firm" },
    Rule { endpoint: "trading/withdraw", audience: Roles(&[Firm]), rows: "the caller's own firm" },
    Rule { endpoint: "trading/justify", audience: Roles(&[Firm]), rows: "the caller's own quote" },
    Rule { endpoint: "trading/decide_quote", audience: Roles(&[Owner]), rows: "the caller's own announcements" },
    Rule { endpoint: "trading/merit_scores", audience: Roles(&[Owner]), rows: "the caller's own announcements" },
    Rule { endpoint: "trading/finish_merit", audience: Roles(&[Owner]), rows: "the caller's own announcements" },
    Rule { endpoint: "trading/respond_award", audience: Roles(&[Firm]), rows: "the caller's own award" },
    Rule { endpoint: "trading/object", audience: Roles(&[Firm]), rows: "announcements the caller's firm took part in" },
    Rule { endpoint: "trading/objection_act", audience: Roles(&[Owner, Firm, Regulator, Operator, Admin]), rows: "owner: its announcements; firm: its objections; regulator: its industry within its region" },
    Rule { endpoint: "trading/participations", audience: Roles(&[Firm]), rows: "the caller's own firm" },
    Rule { endpoint: "trading/escalated", audience: Roles(&[Regulator, Operator, Admin]), rows: "regulator: its industry within its region; operator: all" },
    Rule { endpoint: "calendar/versions", audience: Roles(&[Operator, Admin]), rows: "the one working-day calendar of the marketplace" },
    Rule { endpoint: "calendar/import", audience: Roles(&[Operator, Admin]), rows: "the one working-day calendar of the marketplace" },
    Rule { endpoint: "trading/settings", audience: Roles(&[Operator, Admin]), rows: "the trading settings (one set for the whole marketplace)" },
    Rule { endpoint: "trading/save_settings", audience: Roles(&[Operator, Admin]), rows: "the trading settings (one set for the whole marketplace)" },
    // @matrix:trading-settings
    // contracts (合同), payment (支付), service execution (履约)
    Rule { endpoint: "contracts/list", audience: Roles(&[Owner, Firm, Regulator, Leader, Operator, Admin]), rows: "owner, firm: its own contracts; regulator: its industry within its region; leader: its region; operator, admin: all" },
    Rule { endpoint: "contracts/page", audience: Roles(&[Owner, Firm, Regulator, Leader, Operator, Admin]), rows: "the two parties; supervisors in scope read only; anyone else 404" },
    Rule { endpoint: "contracts/verify", audience: Roles(&[Owner, Firm, Regulator, Leader, Operator, Admin]), rows: "as contracts/page" },
    Rule { endpoint: "contracts/propose", audience: Roles(&[Owner, Firm]), rows: "a party of the contract, before signing (others 404)" },
    Rule { endpoint: "contracts/sign", audience: Roles(&[Owner, Firm]), rows: "a party of the contract, for its own side (others 404)" },
    Rule { endpoint: "contracts/amend", audience: Roles(&[Owner, Firm]), rows: "a party of a signed contract; extensions: the firm" },
    Rule { endpoint: "contracts/decide_amendment", audience: Roles(&[Owner, Firm]), rows: "the party that did not propose the amendment" },
    Rule { endpoint: "contracts/withdraw_amendment", audience: Roles(&[Owner, Firm]), rows: "the party that proposed the amendment" },
    Rule { endpoint: "contracts/next_ranked", audience: Roles(&[Owner]), rows: "the owner of a lapsed contract" },
    // @matrix:contracts
    Rule { endpoint: "payments/panel", audience: SignedIn, rows: "the contract's two parties; regulator (its industry within its region), leader (its region), operator, admin: read-only; anyone else 404" },
    Rule { endpoint: "payments/pay", audience: Roles(&[Owner]), rows: "the contract's owner; social funds; the installment must be due" },
    Rule { endpoint: "payments/query", audience: Roles(&[Owner, Firm, Operator, Admin]), rows: "the contract's two parties; operators and administrators any" },
    Rule { endpoint: "payments/record_offline", audience: Roles(&[Owner]), rows: "the contract's owner; fiscal funds; the installment must be due; the file is the caller's" },
    Rule { endpoint: "payments/confirm_offline", audience: Roles(&[Firm]), rows: "the contract's firm" },
    Rule { endpoint: "payments/refund", audience: Roles(&[Operator, Admin]), rows: "any contract not completed" },
    // @matrix:payments
    Rule { endpoint: "contract_work/panel", audience: Roles(&[Owner, Firm, Regulator, Leader, Operator, Admin]), rows: "the two parties; supervisors in scope read only; anyone else 404" },
    Rule { endpoint: "contract_work/messages", audience: Roles(&[Owner, Firm, Regulator, Leader, Operator, Admin]), rows: "as contract_work/panel" },
    Rule { endpoint: "contract_work/post_message", audience: Roles(&[Owner, Firm]), rows: "a party of the contract (supervisors 403, others 404); the attachment is the caller's" },
    Rule { endpoint: "contract_work/urge", audience: Roles(&[Owner, Firm]), rows: "a party of the contract, on items pending for the other party" },
    Rule { endpoint: "contract_work/report_milestone", audience: Roles(&[Firm]), rows: "the firm of the contract" },
    Rule { endpoint: "contract_work/confirm_milestone", audience: Roles(&[Owner]), rows: "the owner of the contract" },
    Rule { endpoint: "contract_work/deliver", audience: Roles(&[Firm]), rows: "the firm of a contract in service with nothing awaiting acceptance; the files are the firm's" },
    Rule { endpoint: "contract_work/decide_delivery", audience: Roles(&[Owner]), rows: "the owner of a contract awaiting acceptance" },
    // @matrix:contract-work
    Rule { endpoint: "ratings/panel", audience: SignedIn, rows: "the contract's two parties; regulator (its industry within its region), leader (its region), operator, admin: read-only; anyone else 404" },
    Rule { endpoint: "ratings/rate", audience: Roles(&[Owner]), rows: "the contract's owner; completed; once per contract" },
    Rule { endpoint: "ratings/reply", audience: Roles(&[Firm]), rows: "the contract's firm; rated; one reply" },
    Rule { endpoint: "ratings/firm", audience: Public, rows: "any firm's evaluation, star calculation and actions (public)" },
    Rule { endpoint: "ratings/appeal", audience: Roles(&[Firm]), rows: "an action against the caller's firm; one appeal" },
    Rule { endpoint: "ratings/desk", audience: Roles(&[Regulator, Leader, Operator, Admin]), rows: "proposals and actions in scope (regulator: its industry within its region; leader: region; operator, admin: all)" },
    Rule { endpoint: "ratings/act", audience: Roles(&[Regulator]), rows: "an open proposal of its industry within its region" },
    Rule { endpoint: "ratings/sanction", audience: Roles(&[Regulator]), rows: "a firm in its region with a service item of its industry (others: form error, no hint whether it exists)" },
    Rule { endpoint: "ratings/decide_appeal", audience: Roles(&[Regulator]), rows: "a pending appeal of its industry within its region" },
    // @matrix:ratings
    Rule { endpoint: "credit/lookup", audience: Public, rows: "firms admitted to the directory (active, suspended, expelled)" },
    Rule { endpoint: "credit/archive", audience: Public, rows: "one admitted firm's public credit archive" },
    Rule { endpoint: "credit/records", audience: Public, rows: "rewards, penalties and red/black list entries of firms admitted to the directory (active, suspended, expelled)" },
    Rule { endpoint: "credit/regulator", audience: Roles(&[Regulator, Operator, Admin]), rows: "regulator: firms in its region with a service item of its industry; operator, admin: all" },
    Rule { endpoint: "credit/add_record", audience: Roles(&[Regulator]), rows: "firms in the regulator's scope (as credit/regulator)" },
    Rule { endpoint: "credit/add_list_entry", audience: Roles(&[Regulator]), rows: "firms in the regulator's scope" },
    Rule { endpoint: "credit/revoke_list_entry", audience: Roles(&[Regulator]), rows: "entries of firms in the regulator's scope" },
    Rule { endpoint: "credit/import", audience: Roles(&[Regulator]), rows: "every row's firm in the regulator's scope" },
    Rule { endpoint: "credit/contract_flag", audience: SignedIn, rows: "contracts the caller may see (parties, supervisors in scope)" },
    // @matrix:credit
    Rule { endpoint: "dashboard/view", audience: Roles(&[Leader, Regulator, Operator, Admin]), rows: "leader: its region; regulator: its industry within its region; operator, admin: the province" },
    Rule { endpoint: "redflags/list", audience: Roles(&[Regulator, Operator, Admin]), rows: "regulator: cases in its region of its industry or of no industry (firm, owner subjects); operator, admin: all" },
    Rule { endpoint: "redflags/close", audience: Roles(&[Regulator, Operator, Admin]), rows: "as redflags/list; out of scope is 404" },
    Rule { endpoint: "redflags/evaluate", audience: Roles(&[Operator, Admin]), rows: "the whole data set (every region): not regulators" },
    // @matrix:redflags
    // complaints (投诉)
    Rule { endpoint: "complaints/options", audience: Public, rows: "reference data (industries, regions, departments)" },
    Rule { endpoint: "complaints/file", audience: Public, rows: "creates a complaint: owners and firms under their account, visitors with name and phone; staff refused (form error)" },
    Rule { endpoint: "complaints/mine", audience: SignedIn, rows: "the caller's own complaints" },
    Rule { endpoint: "complaints/detail", audience: SignedIn, rows: "the filer; the regulator of its industry within its region; operator, admin; anyone else 404" },
    Rule { endpoint: "complaints/queue", audience: Roles(&[Regulator, Operator, Admin]), rows: "regulator: its industry within its region; operator, admin: all" },
    Rule { endpoint: "complaints/act", audience: Roles(&[Regulator, Operator, Admin]), rows: "as complaints/queue (others 404)" },
    // @matrix:complaints
    Rule { endpoint: "audit/list", audience: Roles(&[Regulator, Operator, Admin]), rows: "the whole platform's audit trail (one chain, verified whole): regulators, operators and administrators see every entry; arguments are recorded with secrets redacted" },
    Rule { endpoint: "audit/verify", audience: Roles(&[Regulator, Operator, Admin]), rows: "the whole audit chain" },
    // @matrix:audit
    Rule { endpoint: "timelimits/limits", audience: Roles(&[Operator, Admin]), rows: "every stage limit" },
    Rule { endpoint: "timelimits/save_limit", audience: Roles(&[Operator, Admin]), rows: "any stage limit (default or per service item)" },
    Rule { endpoint: "timelimits/remove_limit", audience: Roles(&[Operator, Admin]), rows: "any stage limit" },
    Rule { endpoint: "timelimits/board", audience: Roles(&[Regulator, Leader, Operator, Admin]), rows: "regulator: stage clocks in its region of its industry or of no industry; leader: its region; operator, admin: all" },
    Rule { endpoint: "timelimits/red_list", audience: Roles(&[Regulator, Leader, Operator, Admin]), rows: "as timelimits/board" },
    Rule { endpoint: "timelimits/history", audience: Roles(&[Owner, Firm, Regulator, Leader, Operator, Admin]), rows: "supervisors as timelimits/board; the owner and the firm of the subject; anything else is an empty list" },
    // @matrix:timelimits
    Rule { endpoint: "notifications/mine", audience: SignedIn, rows: "the caller's own notifications" },
    Rule { endpoint: "notifications/unread_count", audience: SignedIn, rows: "the caller's own notifications" },
    Rule { endpoint: "notifications/read", audience: SignedIn, rows: "the caller's own notifications; another user's is 404" },
    Rule { endpoint: "notifications/email", audience: SignedIn, rows: "the caller's own account" },
    Rule { endpoint: "notifications/set_email", audience: SignedIn, rows: "the caller's own account" },
    // @matrix:notify
    Rule { endpoint: "ingest/platforms", audience: Roles(&[Operator, Admin]), rows: "every approval platform and its API keys (prefixes only, never secrets)" },
    Rule { endpoint: "ingest/create_platform", audience: Roles(&[Operator, Admin]), rows: "a new approval platform" },
    Rule { endpoint: "ingest/issue_key", audience: Roles(&[Operator, Admin]), rows: "any enabled platform; the secret is returned once" },
    Rule { endpoint: "ingest/revoke_key", audience: Roles(&[Operator, Admin]), rows: "any API key" },
    Rule { endpoint: "ingest/cases", audience: Roles(&[Regulator, Leader, Operator, Admin]), rows: "regulator: cases in its region of its industry's items or of no item; leader: its region; operator, admin: all" },
    // @matrix:ingest
    Rule { endpoint: "public/complaint-stats", audience: Public, rows: "complaint counts per competent department and status, province-wide; no filer data" },
    Rule { endpoint: "public/lookup", audience: Public, rows: "the public steps of a published procurement; drafts are not found" },
    Rule { endpoint: "redflags/settings", audience: Roles(&[Regulator, Operator, Admin]), rows: "the red-flag thresholds (one set for the whole marketplace)" },
    Rule { endpoint: "redflags/save-settings", audience: Roles(&[Operator, Admin]), rows: "the red-flag thresholds (one set for the whole marketplace)" },
    Rule { endpoint: "performance/public", audience: Public, rows: "published monthly scores of every department, owner and firm" },
    Rule { endpoint: "public/timeliness", audience: Public, rows: "stage counts (closed on time, late, overdue now) per competent department and stage; no subject named" },
    // @matrix:publicinfo
    Rule { endpoint: "public/open-data", audience: Public, rows: "the OCDS publication's facts: publisher, OCID prefix, the months with a bulk package; nothing per procurement" },
    // @matrix:opendata
];

pub fn rule(endpoint: &str) -> Option<&'static Rule> {
    MATRIX.iter().find(|r| r.endpoint == endpoint)
}

/// Why a call is refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Denied {
    /// Sign in first.
    SignIn,
    /// Signed in, but not allowed.
    Forbidden,
}

/// Whether a caller with `role` (`None`: not signed in) may call a function for `audience`.
pub fn admits(audience: Audience, role: Option<Role>) -> Result<(), Denied> {
    match (audience, role) {
        (Public, _) => Ok(()),
        (Anonymous, None) => Ok(()),
        (Anonymous, Some(_)) => Err(Denied::Forbidden),
        (SignedIn | Roles(_), None) => Err(Denied::SignIn),
        (SignedIn, Some(_)) => Ok(()),
        (Roles(roles), Some(r)) if roles.contains(&r) => Ok(()),
        (Roles(_), Some(_)) => Err(Denied::Forbidden),
    }
}

/// The scope of a signed-in user, as stored on the account.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Scope<'a> {
    pub role: Role,
    pub firm_id: Option<i64>,
    pub owner_id: Option<i64>,
    /// Regulators and leaders: their region (a province sees all its cities and counties).
    pub region_code: Option<&'a str>,
    /// Regulators: their industry.
    pub industry_code: Option<&'a str>,
}

impl Scope<'_> {
    /// Whether the caller may see or act on records of `region_code` (and, for
    /// regulators, of `industry_code`). Admins and operators reach everything.
    pub fn reaches(&self, region_code: &str, industry_code: Option<&str>) -> bool {
        let in_region = |scope: Option<&str>| scope.is_some_and(|s| region::contains(s, region_code));
        match self.role {
            Admin | Operator => true,
            Leader => in_region(self.region_code),
            Regulator => {
                in_region(self.region_code)
                    && match (self.industry_code, industry_code) {
                        (Some(mine), Some(theirs)) => mine == theirs,
                        (Some(_), None) => true,
                        (None, _) => false,
                    }
            }
            Firm | Owner => false,
        }
    }

    /// Whether the caller is the firm `firm_id` itself.
    pub fn is_firm(&self, firm_id: i64) -> bool {
        self.role == Firm && self.firm_id == Some(firm_id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn audiences() {
        assert_eq!(admits(Public, None), Ok(()));
        assert_eq!(admits(Anonymous, None), Ok(()));
        assert_eq!(admits(Anonymous, Some(Firm)), Err(Denied::Forbidden));
        assert_eq!(admits(SignedIn, None), Err(Denied::SignIn));
        assert_eq!(admits(SignedIn, Some(Owner)), Ok(()));
        assert_eq!(admits(Roles(&[Admin]), Some(Admin)), Ok(()));
        assert_eq!(admits(Roles(&[Admin]), Some(Operator)), Err(Denied::Forbidden));
        assert_eq!(admits(Roles(&[Admin]), None), Err(Denied::SignIn));
    }

    #[test]
    fn matrix_has_one_rule_per_endpoint() {
        let mut seen = std::collections::HashSet::new();
        for r in MATRIX {
            assert!(seen.insert(r.endpoint), "duplicate rule for {}", r.endpoint);
            assert!(!r.rows.is_empty());
        }
    }

    fn scope(role: Role, region: Option<&'static str>, industry: Option<&'static str>) -> Scope<'static> {
        Scope { role, firm_id: Some(7), owner_id: None, region_code: region, industry_code: industry }
    }

    #[test]
    fn region_and_industry_scopes() {
        // a province leader sees all of Sichuan, a city leader its counties, a county leader itself
        let province = scope(Leader, Some("510000"), None);
        let city = scope(Leader, Some("510100"), None);
        let county = scope(Leader, Some("510104"), None);
        assert!(province.reaches("511702", None));
        assert!(city.reaches("510104", None) && city.reaches("510100", None) && !city.reaches("511702", None));
        assert!(county.reaches("510104", None) && !county.reaches("510105", None) && !county.reaches("510100", None));
        assert!(!scope(Leader, None, None).reaches("510104", None), "a leader without a region sees nothing");
        // a regulator: its industry inside its region
        let reg = scope(Regulator, Some("510100"), Some("I07"));
        assert!(reg.reaches("510104", Some("I07")));
        assert!(!reg.reaches("510104", Some("I03")));
        assert!(!reg.reaches("511702", Some("I07")));
        assert!(!scope(Regulator, Some("510100"), None).reaches("510104", Some("I07")));
        // operators and admins reach all; firms and owners no one else's rows
        assert!(scope(Operator, None, None).reaches("511702", Some("I03")));
        assert!(!scope(Firm, Some("510000"), None).reaches("510104", None));
        assert!(scope(Firm, None, None).is_firm(7) && !scope(Firm, None, None).is_firm(8));
        assert!(!scope(Owner, None, None).is_firm(7));
    }
}
