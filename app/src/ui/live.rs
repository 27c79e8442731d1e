//! Live updates in the browser: follow topics over server-sent events (`/live`,
//! see `server/src/live.rs` and `crate::live`), falling back to polling.
//!
//! ```text
//! let registrants = Resource::new(move || tick.get(), move |_| registrant_count(id));
//! use_live(vec![format!("procurement:{id}")], move |_kind| tick.update(|n| *n += 1));
//! view! { <LiveBadge/> … }
//! ```
//! `on_change` only means "refetch": events carry no data a page may trust
//! beyond that; the page reloads through its server functions, which authorise.
//! On the server (and before hydration, or with JavaScript off) nothing happens.
use crate::i18n::t;
use leptos::prelude::*;
use std::time::Duration;

/// How the page currently learns about changes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LiveMode {
    /// Not following (server rendering, before hydration, no JavaScript).
    Off,
    /// An open event stream: changes arrive as they happen.
    Live,
    /// No event stream: the page refetches every [`POLL_EVERY`].
    Polling,
}

/// The polling interval when no event stream is available.
pub const POLL_EVERY: Duration = Duration::from_secs(10);

#[derive(Clone, Copy)]
struct LiveStatus(ReadSignal<LiveMode>);

/// Follows `topics` for the lifetime of the calling component: calls
/// `on_change(kind)` for every change (`kind` as published; `"resync"` when
/// events may have been missed; `"poll"` every 10 s when the event stream is
/// unavailable). Provides the mode to a `<LiveBadge/>` below and returns it.
pub fn use_live(topics: Vec<String>, on_change: impl Fn(String) + 'static) -> ReadSignal<LiveMode> {
    let (mode, set_mode) = signal(LiveMode::Off);
    provide_context(LiveStatus(mode));
    #[cfg(feature = "hydrate")]
    browser::follow(topics, std::rc::Rc::new(on_change), set_mode);
    #[cfg(not(feature = "hydrate"))]
    let _ = (topics, on_change, set_mode);
    mode
}

/// "实时更新" / "自动刷新中" next to a live figure; empty until the browser follows.
#[component]
pub fn LiveBadge() -> impl IntoView {
    let mode = use_context::<LiveStatus>().map(|s| s.0);
    let (live, polling) = (t("live.connected"), t("live.polling"));
    let current = move || mode.map(|m| m.get()).unwrap_or(LiveMode::Off);
    view! {
        <span
            class="live-badge"
            role="status"
            aria-live="polite"
            data-mode=move || match current() {
                LiveMode::Off => "off",
                LiveMode::Live => "live",
                LiveMode::Polling => "polling",
            }
        >
            {move || match current() {
                LiveMode::Off => String::new(),
                LiveMode::Live => live.clone(),
                LiveMode::Polling => polling.clone(),
            }}
        </span>
    }
}

/// The `/live` address for `topics` (percent-encoded; the server validates them).
pub fn live_url(topics: &[String]) -> String {
    let mut out = String::from("/live?topics=");
    for b in topics.join(",").bytes() {
        if b.is_ascii_alphanumeric() || b"-._~:,".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The `kind` of an event's JSON data (`{"topic","kind","data"}`).
pub fn kind_of(data: &str) -> Option<String> {
    let v: serde_json::Value = serde_json::from_str(data).ok()?;
    v.get("kind")?.as_str().map(String::from)
}

#[cfg(feature = "hydrate")]
mod browser {
    use super::*;
    use std::cell::{Cell, RefCell};
    use std::collections::HashMap;
    use std::rc::Rc;
    use wasm_bindgen::closure::Closure;
    use wasm_bindgen::JsCast;
    use web_sys::{Event, EventSource, MessageEvent};

    /// One page's subscription. Dropping it closes the stream and stops polling.
    #[derive(Default)]
    struct Follow {
        source: Option<EventSource>,
        listeners: Vec<Closure<dyn FnMut(Event)>>,
        interval: Option<IntervalHandle>,
    }

    impl Drop for Follow {
        fn drop(&mut self) {
            if let Some(s) = self.source.take() {
                s.close();
            }
            if let Some(i) = self.interval.take() {
                i.clear();
            }
        }
    }

    thread_local! {
        // Browser objects are not `Send`; cleanups must be, so they carry only the key.
        static FOLLOWS: RefCell<HashMap<u64, Follow>> = RefCell::new(HashMap::new());
        static NEXT: Cell<u64> = const { Cell::new(0) };
    }

    fn with<R>(key: u64, f: impl FnOnce(&mut Follow) -> R) -> Option<R> {
        FOLLOWS.with(|m| m.borrow_mut().get_mut(&key).map(f))
    }

    fn start_polling(key: u64, on_change: Rc<dyn Fn(String)>, set_mode: WriteSignal<LiveMode>) {
        with(key, |f| {
            if let Some(s) = f.source.take() {
                s.close();
            }
            if f.interval.is_none() {
                f.interval = set_interval_with_handle(move || on_change("poll".into()), POLL_EVERY).ok();
            }
        });
        set_mode.set(LiveMode::Polling);
    }

    pub(super) fn follow(topics: Vec<String>, on_change: Rc<dyn Fn(String)>, set_mode: WriteSignal<LiveMode>) {
        let key = NEXT.with(|n| {
            let k = n.get();
            n.set(k + 1);
            k
        });
        FOLLOWS.with(|m| m.borrow_mut().insert(key, Follow::default()));
        on_cleanup(move || {
            FOLLOWS.with(|m| m.borrow_mut().remove(&key));
        });
        let source = match EventSource::new(&live_url(&topics)) {
            Ok(s) => s,
            Err(_) => return start_polling(key, on_change, set_mode),
        };
        let mut listeners: Vec<(&str, Closure<dyn FnMut(Event)>)> = Vec::new();
        // `ready` opens every (re)connection; after a reconnection events may have been missed
        let opened = Rc::new(Cell::new(false));
        listeners.push(("ready", {
            let on_change = on_change.clone();
            Closure::new(move |_: Event| {
                set_mode.set(LiveMode::Live);
                if opened.replace(true) {
                    on_change("resync".into());
                }
            })
        }));
        listeners.push(("resync", {
            let on_change = on_change.clone();
            Closure::new(move |_: Event| on_change("resync".into()))
        }));
        listeners.push(("message", {
            let on_change = on_change.clone();
            Closure::new(move |e: Event| {
                let data = e.dyn_ref::<MessageEvent>().and_then(|m| m.data().as_string());
                on_change(data.as_deref().and_then(kind_of).unwrap_or_else(|| "change".into()));
            })
        }));
        listeners.push(("error", {
            let source = source.clone();
            Closure::new(move |_: Event| {
                // CONNECTING: the browser retries by itself; CLOSED: it gave up (e.g. HTTP 400/502)
                if source.ready_state() == EventSource::CLOSED {
                    start_polling(key, on_change.clone(), set_mode);
                }
            })
        }));
        for (name, l) in &listeners {
            let _ = source.add_event_listener_with_callback(name, l.as_ref().unchecked_ref());
        }
        with(key, |f| {
            f.source = Some(source);
            f.listeners = listeners.into_iter().map(|(_, l)| l).collect();
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_and_kind() {
        assert_eq!(live_url(&["procurement:1".into(), "procurement:2".into()]), "/live?topics=procurement:1,procurement:2");
        assert_eq!(live_url(&["a b&c".into()]), "/live?topics=a%20b%26c");
        assert_eq!(kind_of(r#"{"topic":"procurement:1","kind":"registrants","data":{"count":3}}"#).as_deref(), Some("registrants"));
        assert_eq!(kind_of("not json"), None);
    }
}
