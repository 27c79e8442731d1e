//! Markdown of notices and policies, rendered to HTML **without raw HTML**
//! (server only). Pure.
//!
//! The output is the only HTML the pages insert with `inner_html`, so it must be
//! safe by construction:
//! - raw HTML blocks and inline HTML become escaped text (they show as typed);
//! - links and images keep only `http`, `https`, `mailto` and relative URLs;
//!   any other scheme (`javascript:`, `data:`, `vbscript:` …) drops the link or
//!   image and keeps its text;
//! - headings move one level down (`#` becomes `<h2>`): the page's title is its only `<h1>`;
//! - everything else is pulldown-cmark's HTML writer, which escapes text and
//!   attribute values; heading attributes (`{#id .class}`) are not enabled.
use pulldown_cmark::{html, Event, HeadingLevel, Options, Parser, Tag, TagEnd};

/// One heading level down, `h6` staying `h6`.
fn demote(level: HeadingLevel) -> HeadingLevel {
    match level {
        HeadingLevel::H1 => HeadingLevel::H2,
        HeadingLevel::H2 => HeadingLevel::H3,
        HeadingLevel::H3 => HeadingLevel::H4,
        HeadingLevel::H4 => HeadingLevel::H5,
        HeadingLevel::H5 | HeadingLevel::H6 => HeadingLevel::H6,
    }
}

/// Renders `markdown` to safe HTML.
pub fn render(markdown: &str) -> String {
    let options = Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH;
    // per open link/image: whether it was kept (its end tag is dropped with it)
    let mut kept: Vec<bool> = Vec::new();
    let events = Parser::new_ext(markdown, options).filter_map(move |event| match event {
        Event::Html(raw) | Event::InlineHtml(raw) => Some(Event::Text(raw)),
        // a raw HTML block shows as a paragraph of its (escaped) source
        Event::Start(Tag::HtmlBlock) => Some(Event::Start(Tag::Paragraph)),
        Event::End(TagEnd::HtmlBlock) => Some(Event::End(TagEnd::Paragraph)),
        Event::Start(Tag::Link { ref dest_url, .. }) | Event::Start(Tag::Image { ref dest_url, .. }) => {
            let ok = safe_url(dest_url);
            kept.push(ok);
            ok.then_some(event)
        }
        Event::End(TagEnd::Link) | Event::End(TagEnd::Image) => kept.pop().unwrap_or(true).then_some(event),
        Event::Start(Tag::Heading { level, id, classes, attrs }) => {
            Some(Event::Start(Tag::Heading { level: demote(level), id, classes, attrs }))
        }
        Event::End(TagEnd::Heading(level)) => Some(Event::End(TagEnd::Heading(demote(level)))),
        other => Some(other),
    });
    let mut out = String::with_capacity(markdown.len() * 3 / 2);
    html::push_html(&mut out, events);
    out
}

/// Whether a link or image URL may stay: `http`, `https`, `mailto`, or no
/// scheme at all (a relative path, `?query` or `#fragment`). Browsers ignore
/// tabs and newlines inside a URL and leading spaces and control characters,
/// so they are removed before the scheme is read (`java\tscript:` is `javascript:`).
pub fn safe_url(url: &str) -> bool {
    let cleaned: String = url.chars().filter(|c| !matches!(c, '\t' | '\n' | '\r')).collect();
    let trimmed = cleaned.trim_start_matches(|c: char| c <= ' ');
    match trimmed.find([':', '/', '?', '#']) {
        Some(i) if trimmed.as_bytes()[i] == b':' => {
            matches!(trimmed[..i].to_ascii_lowercase().as_str(), "http" | "https" | "mailto")
        }
        _ => true,
    }
}

/// A plain-text excerpt of `markdown` (no markup), at most `max_chars` characters.
pub fn excerpt(markdown: &str, max_chars: usize) -> String {
    let mut text = String::new();
    for event in Parser::new_ext(markdown, Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH) {
        match event {
            Event::Text(t) | Event::Code(t) => text.push_str(&t),
            Event::SoftBreak
            | Event::HardBreak
            | Event::End(TagEnd::Paragraph | TagEnd::Heading(_) | TagEnd::Item | TagEnd::TableCell | TagEnd::CodeBlock) => {
                text.push(' ')
            }
            _ => {}
        }
        if text.chars().count() > max_chars {
            break;
        }
    }
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if text.chars().count() > max_chars {
        format!("{}…", text.chars().take(max_chars).collect::<String>())
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn has_no_live_html(out: &str) {
        let lower = out.to_ascii_lowercase();
        for bad in ["<script", "<img src=\"x\"", "onerror=", "javascript:", "<iframe", "<style", "<div", "data:text"] {
            assert!(!lower.contains(bad) || !is_markup(&lower, bad), "{bad} survived in {out}");
        }
    }

    /// `needle` appears inside a tag (not as escaped text).
    fn is_markup(html: &str, needle: &str) -> bool {
        let mut in_tag = false;
        for (i, c) in html.char_indices() {
            match c {
                '<' => in_tag = true,
                '>' => in_tag = false,
                _ => {}
            }
            if html[i..].starts_with(needle) && (needle.starts_with('<') || in_tag) {
                return true;
            }
        }
        false
    }

    #[test]
    fn renders_ordinary_markdown() {
        let out = render("# 关于开展信用评价的通知\n\n各中介服务机构:\n\n- **一**、范围\n- 二、时间\n\n| 项 | 值 |\n|---|---|\n| a | b |\n");
        assert!(out.contains("<h2>关于开展信用评价的通知</h2>"), "the page title is the only h1: {out}");
        assert!(render("###### 六").contains("<h6>六</h6>"));
        assert!(out.contains("<li><strong>一</strong>、范围</li>"), "{out}");
        assert!(out.contains("<table>"), "tables are on: {out}");
    }

    #[test]
    fn script_tags_become_text() {
        let out = render("前言<script>alert(1)</script>后记");
        assert!(out.contains("&lt;script&gt;alert(1)&lt;/script&gt;"), "{out}");
        has_no_live_html(&out);
    }

    #[test]
    fn raw_html_blocks_become_text() {
        let out = render("<div onclick=\"steal()\">\n<iframe src=\"https://evil.example\"></iframe>\n</div>\n\n正文");
        assert!(out.contains("&lt;div onclick=&quot;steal()&quot;&gt;") || out.contains("&lt;div onclick=\"steal()\"&gt;"), "{out}");
        assert!(out.contains("<p>正文</p>"));
        has_no_live_html(&out);
        let style = render("<style>body{display:none}</style>");
        has_no_live_html(&style);
    }

    #[test]
    fn img_onerror_is_text_not_an_element() {
        let out = render("看图 <img src=x onerror=alert(1)> 完");
        assert!(out.contains("&lt;img src=x onerror=alert(1)&gt;"), "{out}");
        assert!(!out.contains("<img"), "{out}");
    }

    #[test]
    fn javascript_links_lose_their_href() {
        for md in [
            "[点我](javascript:alert(1))",
            "[点我](JavaScript:alert(1))",
            "[点我](  javascript:alert(1))",
            "[点我](java&#x09;script:alert(1))",
            "[点我](<java\tscript:alert(1)>)",
            "[点我](vbscript:msgbox)",
            "[点我](data:text/html;base64,PHNjcmlwdD4=)",
            "<javascript:alert(1)>",
            "[点我][ref]\n\n[ref]: javascript:alert(1)",
        ] {
            let out = render(md);
            assert!(!out.contains("<a"), "{md} → {out}");
            assert!(!out.to_ascii_lowercase().contains("href"), "{md} → {out}");
        }
        let out = render("[点我](javascript:alert(1))");
        assert_eq!(out, "<p>点我</p>\n", "the text stays");
    }

    #[test]
    fn unsafe_images_keep_only_their_alt_text() {
        let out = render("![公章](javascript:alert(1)) ![图](data:image/svg+xml;base64,AAAA)");
        assert!(!out.contains("<img"), "{out}");
        assert!(out.contains("公章") && out.contains("图"));
        let ok = render("![公章](/files/12)");
        assert!(ok.contains("<img src=\"/files/12\" alt=\"公章\""), "{ok}");
    }

    #[test]
    fn safe_links_stay() {
        let out = render("[办事指南](https://www.sczwfw.gov.cn/) [附件](/files/3) [邮件](mailto:zjcs@example.cn) [本页](#part2) <https://example.cn>");
        assert!(out.contains("<a href=\"https://www.sczwfw.gov.cn/\">办事指南</a>"), "{out}");
        assert!(out.contains("<a href=\"/files/3\">附件</a>"));
        assert!(out.contains("<a href=\"mailto:zjcs@example.cn\">"));
        assert!(out.contains("<a href=\"#part2\">"));
        assert!(out.contains("<a href=\"https://example.cn\">"));
    }

    #[test]
    fn attribute_values_are_escaped() {
        let out = render("[x](https://a.example/\"onmouseover=\"alert(1) \"t\\\"itle\")");
        assert!(!out.contains("\"onmouseover"), "{out}");
        let titled = render("[x](https://a.example \"a\\\" onclick=\\\"y\")");
        assert!(!titled.contains("\" onclick"), "{titled}");
    }

    #[test]
    fn safe_url_rules() {
        for ok in ["https://x.cn", "http://x.cn", "MAILTO:a@b.cn", "/files/1", "files/1", "?page=2", "#top", "a/b:c", "//x.cn/a"] {
            assert!(safe_url(ok), "{ok}");
        }
        for bad in ["javascript:x", " javascript:x", "\u{1}javascript:x", "java\nscript:x", "data:x", "file:///etc/passwd", "ftp://x", "vbscript:x"] {
            assert!(!safe_url(bad), "{bad}");
        }
    }

    #[test]
    fn excerpts_are_plain_text() {
        assert_eq!(excerpt("# 标题\n\n正文**加粗**<b>x</b>", 100), "标题 正文加粗x", "inline HTML tags are dropped");
        assert_eq!(excerpt("一二三四五六", 3), "一二三…");
    }
}
