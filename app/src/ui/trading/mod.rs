//! Trading pages (交易): the public announcement list and page, with the
//! signed-in firm's actions; the owner's panel on its own announcements.
pub mod announcement;
pub mod desk;
pub mod list;
pub mod owner_panel;

pub use announcement::TradingAnnouncementPage;
pub use list::AnnouncementsPage;
