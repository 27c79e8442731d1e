//! Catalogue maintenance pages (服务事项清单维护) for regulators (their industry
//! within their region), operators and administrators (all items). The pages only
//! show; every server function checks role and scope again.
mod editor;
mod items;
mod retire;

pub use editor::{EditItemPage, NewItemPage};
pub use items::ManageItemsPage;

use crate::domain::accounts::Role;

/// Who maintains the catalogue (as `domain::authz::MATRIX` says for `catalogue/*` writes).
pub const MAINTAINERS: &[Role] = &[Role::Regulator, Role::Operator, Role::Admin];
