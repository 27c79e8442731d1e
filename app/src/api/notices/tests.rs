use super::*;
use crate::api::files::testing::{form, PDF, PNG};
use crate::db::testing::{AccountScope, TestApp};
use crate::domain::accounts::Role;
use crate::domain::files::{may_read, Reader};

async fn operator(app: &TestApp, name: &str) -> i64 {
    let id = app.account(name, Role::Operator, AccountScope::default()).await;
    app.sign_in_as(id).await;
    id
}

fn query(kind: Option<&str>, q: Option<&str>, page: Option<u32>) -> NoticeQuery {
    NoticeQuery { kind: kind.map(Into::into), q: q.map(Into::into), page }
}

#[tokio::test]
async fn operators_write_publish_and_pin_and_the_public_sees_only_published() {
    let app = TestApp::with_demo(None).await;
    operator(&app, "ops.notices").await;
    let save = |id: Option<i64>, kind: &str, title: &str, pinned: bool| {
        save_notice(id, kind.into(), title.into(), "## 正文\n\n内容。".into(), pinned.then(|| "on".into()))
    };
    let first = app.run(save(None, "notice", "关于开展信用评价的通知", false)).await.unwrap();
    app.clock.advance(60_000);
    let policy = app.run(save(None, "policy", "四川省网上中介服务超市管理办法", false)).await.unwrap();
    app.clock.advance(60_000);
    let third = app.run(save(None, "notice", "关于系统维护的公告", false)).await.unwrap();

    // drafts: in the operator's list, nowhere public
    let managed = app.run(manage_notices(None, None)).await.unwrap();
    assert_eq!(managed.total, 3);
    assert!(managed.items.iter().all(|n| n.published_at.is_none()));
    app.new_session();
    assert_eq!(app.run(list_notices(NoticeQuery::default())).await.unwrap().total, 0);
    assert_eq!(app.run(get_notice(first)).await, Err(AppError::NotFound), "a draft is not found");

    operator(&app, "ops.second").await;
    for id in [first, policy, third] {
        app.clock.advance(60_000);
        app.run(publish_notice(id)).await.unwrap();
    }
    app.new_session();
    let all = app.run(list_notices(NoticeQuery::default())).await.unwrap();
    assert_eq!(all.items.iter().map(|n| n.id).collect::<Vec<_>>(), vec![third, policy, first], "newest first");
    let policies = app.run(list_notices(query(Some("policy"), None, None))).await.unwrap();
    assert_eq!(policies.items.iter().map(|n| n.id).collect::<Vec<_>>(), vec![policy]);
    let found = app.run(list_notices(query(None, Some("信用"), None))).await.unwrap();
    assert_eq!(found.items.iter().map(|n| n.title.as_str()).collect::<Vec<_>>(), vec!["关于开展信用评价的通知"]);
    assert_eq!(app.run(list_notices(query(None, Some("100%_"), None))).await.unwrap().total, 0, "LIKE wildcards are literal");
    assert_eq!(app.run(list_notices(query(Some("news"), None, None))).await, Err(AppError::invalid("kind", "notices.bad_kind")));

    // pinning puts a notice first; republishing keeps the first date
    operator(&app, "ops.third").await;
    app.run(pin_notice(first, true)).await.unwrap();
    let published_at = app.run(get_notice(first)).await.unwrap().published_at;
    app.clock.advance(60_000);
    app.run(publish_notice(first)).await.unwrap();
    app.new_session();
    let detail = app.run(get_notice(first)).await.unwrap();
    assert!(detail.pinned);
    assert_eq!(detail.published_at, published_at);
    assert_eq!(detail.body_html, "<h3>正文</h3>\n<p>内容。</p>\n");
    let all = app.run(list_notices(NoticeQuery::default())).await.unwrap();
    assert_eq!(all.items.iter().map(|n| n.id).collect::<Vec<_>>(), vec![first, third, policy], "pinned first");

    // edit, then withdraw
    operator(&app, "ops.fourth").await;
    app.run(save(Some(third), "notice", "关于系统升级维护的公告", false)).await.unwrap();
    assert_eq!(app.run(get_notice_for_edit(third)).await.unwrap().title, "关于系统升级维护的公告");
    app.run(unpublish_notice(policy)).await.unwrap();
    app.new_session();
    assert_eq!(app.run(get_notice(policy)).await, Err(AppError::NotFound), "withdrawn");
    assert_eq!(app.run(get_notice(third)).await.unwrap().title, "关于系统升级维护的公告");
    assert_eq!(app.run(list_notices(NoticeQuery::default())).await.unwrap().total, 2);

    // unknown notices
    operator(&app, "ops.fifth").await;
    assert_eq!(app.run(publish_notice(999_999)).await, Err(AppError::NotFound));
    assert_eq!(app.run(pin_notice(999_999, false)).await, Err(AppError::NotFound));
    assert_eq!(app.run(save(Some(999_999), "notice", "不存在", false)).await, Err(AppError::NotFound));
}

#[tokio::test]
async fn every_bad_field_has_its_own_error() {
    let app = TestApp::with_demo(None).await;
    operator(&app, "ops.fields").await;
    let save = |kind: &str, title: String, body: String| save_notice(None, kind.into(), title, body, None);
    let err = |field: &str, key: &str| Err(AppError::invalid(field, key));
    assert_eq!(app.run(save("news", "标题".into(), "正文".into())).await, err("kind", "notices.kind_required"));
    assert_eq!(app.run(save("notice", "   ".into(), "正文".into())).await, err("title", "notices.title_required"));
    assert_eq!(app.run(save("notice", "长".repeat(101), "正文".into())).await, err("title", "notices.title_too_long"));
    assert_eq!(app.run(save("notice", "标题".into(), " \n ".into())).await, err("body", "notices.body_required"));
    assert_eq!(app.run(save("notice", "标题".into(), "字".repeat(20_001))).await, err("body", "notices.body_too_long"));
    // exactly at the limits is fine; Windows line ends do not count twice
    let body = "字\r\n".repeat(10_000);
    let id = app.run(save("policy", "长".repeat(100), body)).await.unwrap();
    assert_eq!(app.run(get_notice_for_edit(id)).await.unwrap().body.chars().count(), 19_999);
    let (count,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM notices").fetch_one(&app.state.pool).await.unwrap();
    assert_eq!(count, 1, "refused forms write nothing");
}

#[tokio::test]
async fn bodies_are_rendered_without_raw_html() {
    let app = TestApp::with_demo(None).await;
    operator(&app, "ops.html").await;
    let body = "<script>alert(1)</script>\n\n看图 <img src=x onerror=alert(2)>\n\n[恶意链接](javascript:alert(3)) [办事指南](https://www.sczwfw.gov.cn/)";
    let id = app.run(save_notice(None, "notice".into(), "安全测试".into(), body.into(), None)).await.unwrap();
    app.run(publish_notice(id)).await.unwrap();
    app.new_session();
    let html = app.run(get_notice(id)).await.unwrap().body_html;
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"), "{html}");
    assert!(!html.contains("<script") && !html.contains("<img") && !html.contains("javascript:"), "{html}");
    assert!(html.contains("<a href=\"https://www.sczwfw.gov.cn/\">办事指南</a>"), "{html}");
}

#[tokio::test]
async fn attachments_upload_list_detach_and_become_public_when_published() {
    let app = TestApp::with_demo(None).await;
    let ops = operator(&app, "ops.files").await;
    let id = app.run(save_notice(None, "notice".into(), "附件测试".into(), "见附件。".into(), None)).await.unwrap();
    let attach = |name: &str, ct: &str, bytes: &[u8]| attach_file(form(&[("notice_id", &id.to_string())], Some(("file", name, ct, bytes))));
    let pdf = app.run(attach("评价细则.pdf", "application/pdf", PDF)).await.unwrap();
    let png = app.run(attach("流程图.png", "image/png", PNG)).await.unwrap();
    assert_eq!(app.run(attach("伪装.pdf", "application/pdf", PNG)).await, Err(AppError::invalid("file", "files.type_mismatch")));
    assert_eq!(app.run(attach_file(form(&[("notice_id", &id.to_string())], None))).await, Err(AppError::invalid("file", "files.missing")));
    assert_eq!(app.run(attach_file(form(&[("notice_id", "999999")], Some(("file", "a.pdf", "application/pdf", PDF))))).await, Err(AppError::NotFound));
    let edit = app.run(get_notice_for_edit(id)).await.unwrap();
    assert_eq!(edit.attachments.iter().map(|f| f.original_name.as_str()).collect::<Vec<_>>(), vec!["评价细则.pdf", "流程图.png"]);

    // a draft's attachment is not public yet
    let stored = crate::db::files::load(&app.state.pool, pdf.id).await.unwrap().unwrap();
    assert!(!may_read(stored.access, None));
    assert!(may_read(stored.access, Some(Reader { user_id: ops, role: Role::Operator, firm_id: None, owner_id: None })));
    app.run(publish_notice(id)).await.unwrap();
    let stored = crate::db::files::load(&app.state.pool, pdf.id).await.unwrap().unwrap();
    assert!(may_read(stored.access, None), "attached to a published notice: public");

    app.new_session();
    let detail = app.run(get_notice(id)).await.unwrap();
    assert_eq!(detail.attachments, vec![pdf.clone(), png.clone()]);
    assert_eq!(app.run(list_notices(NoticeQuery::default())).await.unwrap().items[0].attachment_count, 2);

    operator(&app, "ops.files2").await;
    app.run(detach_file(id, png.id)).await.unwrap();
    assert_eq!(app.run(detach_file(id, png.id)).await, Err(AppError::NotFound), "already detached");
    let stored = crate::db::files::load(&app.state.pool, png.id).await.unwrap().unwrap();
    assert!(!may_read(stored.access, None), "a detached file is no longer public");
    assert_eq!(app.run(get_notice_for_edit(id)).await.unwrap().attachments, vec![pdf]);

    // at most ten per notice
    for n in 1..crate::model::notices::MAX_ATTACHMENTS {
        app.run(attach(&format!("附件{n}.pdf"), "application/pdf", PDF)).await.unwrap();
    }
    assert_eq!(app.run(attach("多余.pdf", "application/pdf", PDF)).await, Err(AppError::invalid("file", "notices.too_many_attachments")));
}

#[tokio::test]
async fn lists_page_by_twenty_and_the_home_page_shows_the_latest_five() {
    let app = TestApp::with_demo(None).await;
    operator(&app, "ops.pages").await;
    for n in 0..23 {
        app.clock.advance(1_000);
        let kind = if n % 2 == 0 { "notice" } else { "policy" };
        let id = app.run(save_notice(None, kind.into(), format!("第{n}号通知"), "正文".into(), None)).await.unwrap();
        app.run(publish_notice(id)).await.unwrap();
    }
    app.new_session();
    let first = app.run(list_notices(NoticeQuery::default())).await.unwrap();
    assert_eq!((first.items.len(), first.total, first.page_count()), (20, 23, 2));
    let second = app.run(list_notices(query(None, None, Some(2)))).await.unwrap();
    assert_eq!(second.items.iter().map(|n| n.title.as_str()).collect::<Vec<_>>(), vec!["第2号通知", "第1号通知", "第0号通知"]);
    assert_eq!(app.run(list_notices(query(None, None, Some(0)))).await, Err(AppError::invalid("page", "catalogue.bad_page")));
    let home = app.run(crate::api::portal::get_home_summary()).await.unwrap().notices;
    assert_eq!(home.iter().map(|n| n.title.as_str()).collect::<Vec<_>>(), vec!["第22号通知", "第21号通知", "第20号通知", "第19号通知", "第18号通知"]);
}
