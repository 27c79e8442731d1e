//! Vocabulary of a procurement (选取项目): methods, states, funding.
use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum SelectionMethod {
    Direct,
    RandomDraw,
    PriceCompetition,
    Merit,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ProcurementStatus {
    Draft,
    Published,
    Closed,
    Selected,
    Failed,
    Cancelled,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Funding {
    Fiscal,
    Social,
}

macro_rules! db_enum {
    ($t:ty { $($v:ident => $s:literal),+ $(,)? }) => {
        impl $t {
            pub const ALL: &'static [$t] = &[$(<$t>::$v),+];
            /// The value stored in the database and used in URLs.
            pub fn as_str(self) -> &'static str {
                match self { $(<$t>::$v => $s),+ }
            }
            pub fn parse(s: &str) -> Option<Self> {
                match s { $($s => Some(<$t>::$v),)+ _ => None }
            }
        }
    };
}

db_enum!(SelectionMethod { Direct => "direct", RandomDraw => "random_draw", PriceCompetition => "price_competition", Merit => "merit" });
db_enum!(ProcurementStatus { Draft => "draft", Published => "published", Closed => "closed", Selected => "selected", Failed => "failed", Cancelled => "cancelled" });
db_enum!(Funding { Fiscal => "fiscal", Social => "social" });

impl SelectionMethod {
    pub fn label_key(self) -> &'static str {
        match self {
            Self::Direct => "method.direct",
            Self::RandomDraw => "method.random_draw",
            Self::PriceCompetition => "method.price_competition",
            Self::Merit => "method.merit",
        }
    }
}

impl ProcurementStatus {
    pub fn label_key(self) -> &'static str {
        match self {
            Self::Draft => "status.draft",
            Self::Published => "status.published",
            Self::Closed => "status.closed",
            Self::Selected => "status.selected",
            Self::Failed => "status.failed",
            Self::Cancelled => "status.cancelled",
        }
    }

    /// Whether the public may see it (drafts are private to the owner).
    pub fn is_public(self) -> bool {
        self != Self::Draft
    }
}

impl Funding {
    pub fn label_key(self) -> &'static str {
        match self {
            Self::Fiscal => "funding.fiscal",
            Self::Social => "funding.social",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_through_the_database_form() {
        for m in SelectionMethod::ALL {
            assert_eq!(SelectionMethod::parse(m.as_str()), Some(*m));
        }
        for s in ProcurementStatus::ALL {
            assert_eq!(ProcurementStatus::parse(s.as_str()), Some(*s));
        }
        assert_eq!(Funding::parse("social"), Some(Funding::Social));
        assert_eq!(SelectionMethod::parse("lottery"), None);
        assert!(!ProcurementStatus::Draft.is_public());
        assert!(ProcurementStatus::Failed.is_public());
    }
}
