//! Notices (通知公告) and policies (政策法规): public list and pages, and the
//! operators' list and editor.
mod editor;
mod manage;
mod public;

pub use editor::{EditNoticePage, NewNoticePage};
pub use manage::OperatorNoticesPage;
pub use public::{NoticeItem, NoticePage, NoticesPage};
