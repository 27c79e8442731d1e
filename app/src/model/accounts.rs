//! Accounts as pages see them: the signed-in user, sign-up and staff forms.
use crate::domain::accounts::Role;
use crate::domain::authz::Scope;
use serde::{Deserialize, Serialize};

/// The signed-in user (never holds secrets).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionUser {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub firm_id: Option<i64>,
    pub owner_id: Option<i64>,
    pub region_code: Option<String>,
    pub industry_code: Option<String>,
    /// Signs in through the unified identity platform (OIDC): it has no usable password.
    pub unified_identity: bool,
}

impl SessionUser {
    pub fn scope(&self) -> Scope<'_> {
        Scope {
            role: self.role,
            firm_id: self.firm_id,
            owner_id: self.owner_id,
            region_code: self.region_code.as_deref(),
            industry_code: self.industry_code.as_deref(),
        }
    }

    /// The page a user lands on after signing in.
    pub fn home(&self) -> &'static str {
        match self.role {
            Role::Firm => "/firm",
            Role::Admin => "/admin/accounts",
            Role::Operator | Role::Regulator => "/operator/reviews",
            Role::Leader => "/dashboard",
            Role::Owner => "/account",
        }
    }
}

/// Kinds of organisation that sign up themselves.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum SignUpKind {
    /// 中介服务机构
    Firm,
    /// 项目业主: a company
    OwnerCompany,
    /// 项目业主: a public body (机关、事业单位)
    OwnerPublicBody,
}

impl SignUpKind {
    pub const ALL: [SignUpKind; 3] = [SignUpKind::Firm, SignUpKind::OwnerCompany, SignUpKind::OwnerPublicBody];
    pub fn as_str(self) -> &'static str {
        match self {
            SignUpKind::Firm => "firm",
            SignUpKind::OwnerCompany => "owner_company",
            SignUpKind::OwnerPublicBody => "owner_public_body",
        }
    }
    pub fn parse(s: &str) -> Option<SignUpKind> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
    pub fn label_key(self) -> &'static str {
        match self {
            SignUpKind::Firm => "account.kind_firm",
            SignUpKind::OwnerCompany => "account.kind_owner_company",
            SignUpKind::OwnerPublicBody => "account.kind_owner_public_body",
        }
    }
}

/// One account in the administrator's list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountRow {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub region_name: Option<String>,
    pub industry_name: Option<String>,
    pub organisation: Option<String>,
    pub status: String,
    pub locked_until: Option<i64>,
    pub created_at: i64,
}
