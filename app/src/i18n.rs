//! Interface language: zh-CN first, English by switch. Strings live in
//! `app/locales/*.yml` (rust-i18n, compiled in). The choice is a cookie, so the
//! server renders the same language the browser hydrates.
use leptos::prelude::*;

pub const COOKIE: &str = "zjcs_lang";

#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Locale {
    #[default]
    Zh,
    En,
}

impl Locale {
    pub fn tag(self) -> &'static str {
        match self {
            Locale::Zh => "zh-CN",
            Locale::En => "en",
        }
    }

    pub fn parse(tag: &str) -> Option<Locale> {
        match tag {
            "zh-CN" | "zh" => Some(Locale::Zh),
            "en" => Some(Locale::En),
            _ => None,
        }
    }

    /// The language chosen in a `Cookie` header value (default zh-CN).
    pub fn from_cookie_header(header: &str) -> Locale {
        header
            .split(';')
            .filter_map(|kv| kv.trim().split_once('='))
            .find(|(k, _)| *k == COOKIE)
            .and_then(|(_, v)| Locale::parse(v.trim()))
            .unwrap_or_default()
    }

    pub fn other(self) -> Locale {
        match self {
            Locale::Zh => Locale::En,
            Locale::En => Locale::Zh,
        }
    }
}

/// Determines the request's language and provides it to the component tree.
pub fn provide_locale() -> Locale {
    let locale = request_locale();
    provide_context(locale);
    locale
}

/// The language of the current request (server: its `Cookie` header; browser:
/// `document.cookie`). Server functions use it outside the component tree.
pub fn request_locale() -> Locale {
    current_cookie().map(|c| Locale::from_cookie_header(&c)).unwrap_or_default()
}

#[cfg(feature = "ssr")]
fn current_cookie() -> Option<String> {
    let parts = use_context::<axum::http::request::Parts>()?;
    let v = parts.headers.get(axum::http::header::COOKIE)?;
    v.to_str().ok().map(String::from)
}

#[cfg(all(feature = "hydrate", not(feature = "ssr")))]
fn current_cookie() -> Option<String> {
    use wasm_bindgen::JsCast;
    let doc = web_sys::window()?.document()?;
    doc.dyn_into::<web_sys::HtmlDocument>().ok()?.cookie().ok()
}

#[cfg(not(any(feature = "ssr", feature = "hydrate")))]
fn current_cookie() -> Option<String> {
    None
}

pub fn use_locale() -> Locale {
    use_context::<Locale>().unwrap_or_default()
}

/// Translates a key in the current language.
pub fn t(key: &str) -> String {
    t_in(use_locale(), key)
}

pub fn t_in(locale: Locale, key: &str) -> String {
    rust_i18n::t!(key, locale = locale.tag()).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookie_choice() {
        assert_eq!(Locale::from_cookie_header("a=1; zjcs_lang=en; b=2"), Locale::En);
        assert_eq!(Locale::from_cookie_header("zjcs_lang=fr"), Locale::Zh);
        assert_eq!(Locale::from_cookie_header(""), Locale::Zh);
    }

    #[test]
    fn every_domain_message_has_a_translation() {
        use crate::domain::{accounts::AccountError as A, credit_code::CreditCodeError as C, qualification::Finding as F};
        let keys = [
            A::UsernameLength.message_key(), A::UsernameCharacters.message_key(), A::PasswordTooShort.message_key(),
            A::PasswordTooLong.message_key(), A::PasswordTooSimple.message_key(), A::PasswordContainsUsername.message_key(),
            C::Empty.message_key(), C::Length.message_key(), C::Character { position: 1 }.message_key(),
            C::Region.message_key(), C::CheckCharacter.message_key(),
            F::UnknownCertificate.message_key(), F::HolderMismatch { register_holder: String::new() }.message_key(),
            F::Revoked.message_key(), F::NotYetValid { valid_from: String::new() }.message_key(),
            F::Expired { valid_to: String::new() }.message_key(), F::GradeMismatch { register_grade: String::new() }.message_key(),
            F::GradeTooLow { required: String::new() }.message_key(), F::WrongType { required: String::new() }.message_key(),
        ];
        for k in keys {
            for l in [Locale::Zh, Locale::En] {
                assert_ne!(t_in(l, k), k, "{k} untranslated in {}", l.tag());
            }
        }
    }

    #[test]
    fn every_key_exists_in_both_languages() {
        let zh: &str = include_str!("../locales/zh-CN.yml");
        let en: &str = include_str!("../locales/en.yml");
        let keys = |s: &str| -> Vec<String> {
            let mut out = Vec::new();
            let mut stack: Vec<(usize, String)> = Vec::new();
            for line in s.lines().filter(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#')) {
                let indent = line.len() - line.trim_start().len();
                let Some((k, v)) = line.trim().split_once(':') else { continue };
                while stack.last().is_some_and(|(i, _)| *i >= indent) {
                    stack.pop();
                }
                let path = stack.iter().map(|(_, k)| k.as_str()).chain([k]).collect::<Vec<_>>().join(".");
                if v.trim().is_empty() {
                    stack.push((indent, k.to_string()));
                } else {
                    out.push(path);
                }
            }
            out.sort();
            out
        };
        let (zk, ek) = (keys(zh), keys(en));
        assert!(zk.len() > 50, "{}", zk.len());
        assert_eq!(zk, ek, "zh-CN and en must have the same keys");
        for k in &zk {
            assert_ne!(t_in(Locale::Zh, k), *k, "missing zh-CN {k}");
            assert_ne!(t_in(Locale::En, k), *k, "missing en {k}");
        }
    }
}
