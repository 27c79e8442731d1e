//! Notices (通知公告) and policies (政策法规) as pages see them.
use super::files::FileRef;
use crate::error::AppError;
use serde::{Deserialize, Serialize};

pub const TITLE_MAX_CHARS: usize = 100;
pub const BODY_MAX_CHARS: usize = 20_000;
pub const QUERY_MAX_CHARS: usize = 50;
pub const MAX_ATTACHMENTS: usize = 10;
/// How many notices and policies the home page shows.
pub const HOME_NOTICES: i64 = 5;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum NoticeKind {
    /// 通知公告
    Notice,
    /// 政策法规
    Policy,
}

impl NoticeKind {
    pub const ALL: [NoticeKind; 2] = [NoticeKind::Notice, NoticeKind::Policy];

    pub fn as_str(self) -> &'static str {
        match self {
            NoticeKind::Notice => "notice",
            NoticeKind::Policy => "policy",
        }
    }

    pub fn parse(s: &str) -> Option<NoticeKind> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }

    pub fn label_key(self) -> &'static str {
        match self {
            NoticeKind::Notice => "notices.kind_notice",
            NoticeKind::Policy => "notices.kind_policy",
        }
    }
}

/// The i18n key of a stored kind's label.
pub fn kind_label_key(kind: &str) -> &'static str {
    NoticeKind::parse(kind).map(NoticeKind::label_key).unwrap_or("notices.kind_notice")
}

/// What the public list asks for (all from the URL).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NoticeQuery {
    /// `notice` or `policy`; none: both.
    pub kind: Option<String>,
    /// A fragment of the title.
    pub q: Option<String>,
    pub page: Option<u32>,
}

impl NoticeQuery {
    pub fn from_params(get: impl Fn(&str) -> Option<String>) -> NoticeQuery {
        NoticeQuery { kind: get("kind"), q: get("q"), page: super::parse_page(get("page")) }
    }

    /// Trims and checks every field; empty fields become `None`.
    pub fn validate(&self) -> Result<NoticeQuery, AppError> {
        let kind = match super::clean_param(&self.kind) {
            None => None,
            Some(k) => Some(NoticeKind::parse(&k).ok_or_else(|| AppError::invalid("kind", "notices.bad_kind"))?.as_str().to_string()),
        };
        let q = super::clean_param(&self.q);
        if q.as_deref().is_some_and(|q| q.chars().count() > QUERY_MAX_CHARS) {
            return Err(AppError::invalid("q", "notices.q_too_long"));
        }
        let page = super::check_page(self.page)?;
        Ok(NoticeQuery { kind, q, page: Some(page) })
    }

    pub fn kind(&self) -> Option<NoticeKind> {
        self.kind.as_deref().and_then(NoticeKind::parse)
    }

    /// URL of this query on the list page, at another page number.
    pub fn href(&self, page: u32) -> String {
        super::list_href("/notices", &[("kind", &self.kind), ("q", &self.q)], page)
    }
}

/// One notice or policy in a list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NoticeSummary {
    pub id: i64,
    /// `notice` or `policy`.
    pub kind: String,
    pub title: String,
    pub pinned: bool,
    /// `None`: an unpublished draft.
    pub published_at: Option<i64>,
    pub updated_at: i64,
    pub attachment_count: i64,
}

impl NoticeSummary {
    pub fn href(&self) -> String {
        format!("/notices/{}", self.id)
    }
}

/// The public page of one published notice or policy.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NoticeDetail {
    pub id: i64,
    pub kind: String,
    pub title: String,
    /// Rendered on the server from the Markdown body, without raw HTML and with
    /// only http(s)/mailto/relative links (`domain::markdown`).
    pub body_html: String,
    pub pinned: bool,
    pub published_at: i64,
    pub updated_at: i64,
    pub attachments: Vec<FileRef>,
}

/// A notice as the operator's editor sees it (drafts too).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NoticeEdit {
    pub id: i64,
    pub kind: String,
    pub title: String,
    /// The Markdown source.
    pub body: String,
    /// Preview of the saved body, rendered like the public page.
    pub body_html: String,
    pub pinned: bool,
    pub published_at: Option<i64>,
    pub updated_at: i64,
    pub attachments: Vec<FileRef>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queries_validate_and_link() {
        let q = NoticeQuery { kind: Some(" policy ".into()), q: Some(" 管理办法 ".into()), page: Some(2) }.validate().unwrap();
        assert_eq!(q.kind(), Some(NoticeKind::Policy));
        assert_eq!(q.href(3), "/notices?kind=policy&q=%E7%AE%A1%E7%90%86%E5%8A%9E%E6%B3%95&page=3");
        assert_eq!(NoticeQuery::default().validate().unwrap().href(1), "/notices");
        assert_eq!(NoticeQuery { kind: Some("news".into()), ..Default::default() }.validate(), Err(AppError::invalid("kind", "notices.bad_kind")));
        assert_eq!(NoticeQuery { q: Some("长".repeat(51)), ..Default::default() }.validate(), Err(AppError::invalid("q", "notices.q_too_long")));
        assert_eq!(NoticeQuery::from_params(|k| (k == "page").then(|| "x".into())).validate(), Err(AppError::invalid("page", "catalogue.bad_page")));
    }
}
