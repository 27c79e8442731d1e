//! `GET /live?topics=a,b` — server-sent events for open pages (see `app::live`).
//!
//! The stream starts with `event: ready`; then every `LiveEvent` of a followed
//! topic arrives as an unnamed (`message`) event whose `data:` is the event's
//! JSON `{"topic","kind","data"}` — unnamed because `EventSource` only reaches
//! named events through a listener per name, and kinds are open-ended. When the
//! page may have missed events (this stream lagged behind, or the instance's
//! LISTEN connection was re-established) it gets `event: resync` and should
//! refetch everything. A comment every 15 s keeps proxies from closing the
//! connection. Events carry public facts only, so the endpoint needs no session.
use app::live::{parse_topics, LiveEvent, RESYNC};
use app::state::AppState;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::{HeaderName, HeaderValue, StatusCode};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use futures_util::StreamExt;
use std::collections::HashMap;
use std::convert::Infallible;
use std::time::Duration;
use tokio::sync::broadcast::error::RecvError;

pub const KEEP_ALIVE: Duration = Duration::from_secs(15);

pub fn routes() -> Router<AppState> {
    Router::new().route("/live", get(live))
}

async fn live(State(state): State<AppState>, query: Result<Query<HashMap<String, String>>, QueryRejection>) -> Response {
    let Ok(Query(query)) = query else {
        return (StatusCode::BAD_REQUEST, "订阅参数格式有误。").into_response();
    };
    let topics = match parse_topics(query.get("topics").map(String::as_str)) {
        Ok(t) => t,
        Err(message) => return (StatusCode::BAD_REQUEST, message).into_response(),
    };
    // subscribe before answering: nothing published after the response starts is missed
    let rx = state.live.subscribe();
    let hub = state.live.clone();
    let ready = Event::default().event("ready").data(serde_json::json!({ "topics": topics }).to_string());
    let changes = futures_util::stream::unfold((rx, topics), |(mut rx, topics)| async move {
        loop {
            let event = match rx.recv().await {
                Ok(e) if e.kind == RESYNC && e.is_for(&topics) => resync(),
                Ok(e) if e.is_for(&topics) => match Event::default().json_data(&e) {
                    Ok(ev) => ev,
                    Err(err) => {
                        tracing::warn!(error = %err, "live: cannot encode an event");
                        continue;
                    }
                },
                Ok(_) => continue,
                Err(RecvError::Lagged(n)) => {
                    // the page refetches everything anyway: skip the stale backlog too
                    tracing::debug!(missed = n, "live: a stream lagged behind");
                    rx = rx.resubscribe();
                    resync()
                }
                Err(RecvError::Closed) => return None,
            };
            return Some((Ok::<_, Infallible>(event), (rx, topics)));
        }
    });
    let stream = futures_util::stream::once(async { Ok(ready) })
        .chain(changes)
        .take_until(async move { hub.closed().await });
    let mut res = Sse::new(stream).keep_alive(KeepAlive::new().interval(KEEP_ALIVE).text("keep-alive")).into_response();
    // nginx and similar proxies would otherwise hold events back
    res.headers_mut().insert(HeaderName::from_static("x-accel-buffering"), HeaderValue::from_static("no"));
    res
}

fn resync() -> Event {
    let data = serde_json::to_string(&LiveEvent::resync()).unwrap_or_default();
    Event::default().event(RESYNC).data(data)
}

#[cfg(test)]
mod tests {
    use super::*;
    use app::db::Backend;
    use app::state::{AttemptLimiter, Clock, SystemClock};
    use axum::body::Body;
    use axum::http::{header, Request};
    use serde_json::json;
    use std::sync::Arc;
    use tower::ServiceExt;

    /// One server instance on a fresh SQLite database (the hub's local broadcast).
    async fn state(tag: &str) -> (AppState, std::path::PathBuf) {
        let dir = std::env::temp_dir().join(format!("zjcs-live-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let (pool, backend) = app::db::connect(&format!("sqlite://{}/z.db", dir.display()), 1).await.unwrap();
        assert_eq!(backend, Backend::Sqlite);
        let clock: Arc<dyn Clock> = Arc::new(SystemClock);
        let live = app::live::LiveHub::new(pool.clone(), backend);
        let state = AppState {
            leptos_options: leptos::config::LeptosOptions::builder().output_name("zjcs").build(),
            pool,
            backend,
            clock: clock.clone(),
            attempts: Arc::new(AttemptLimiter::new(10, clock)),
            sealer: Arc::new(app::sealing::Sealer::random()),
            live,
            smtp: None,
        };
        (state, dir)
    }

    async fn get(state: &AppState, uri: &str) -> Response {
        let req = Request::get(uri).body(Body::empty()).unwrap();
        routes().with_state(state.clone()).oneshot(req).await.unwrap()
    }

    /// Reads the event stream until `until` appears in it (10 s at most).
    struct Reader {
        body: axum::body::BodyDataStream,
        text: String,
    }

    impl Reader {
        fn new(res: Response) -> Reader {
            Reader { body: res.into_body().into_data_stream(), text: String::new() }
        }
        async fn until(&mut self, want: &str) -> &str {
            let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
            while !self.text.contains(want) {
                match tokio::time::timeout_at(deadline, self.body.next()).await {
                    Ok(Some(chunk)) => self.text.push_str(&String::from_utf8_lossy(&chunk.unwrap())),
                    Ok(None) => panic!("stream ended before {want:?}; got:\n{}", self.text),
                    Err(_) => panic!("no {want:?} within 10 s; got:\n{}", self.text),
                }
            }
            &self.text
        }
        /// `true` when the stream ends within 10 s.
        async fn ends(&mut self) -> bool {
            let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
            loop {
                match tokio::time::timeout_at(deadline, self.body.next()).await {
                    Ok(Some(_)) => continue,
                    Ok(None) => return true,
                    Err(_) => return false,
                }
            }
        }
    }

    #[tokio::test]
    async fn the_stream_delivers_followed_topics_only() {
        let (state, dir) = state("follow").await;
        let res = get(&state, "/live?topics=procurement:1,procurement:5").await;
        assert_eq!(res.status(), StatusCode::OK);
        assert_eq!(res.headers()[header::CONTENT_TYPE], "text/event-stream");
        assert_eq!(res.headers()[header::CACHE_CONTROL], "no-cache");
        let mut r = Reader::new(res);
        let first = r.until("\n\n").await.to_string();
        assert!(first.starts_with("event: ready\n"), "{first}");

        assert!(state.live.publish("procurement:2", "registrants", json!({ "count": 99 })).await);
        assert!(state.live.publish("procurement:1", "registrants", json!({ "count": 4 })).await);
        let text = r.until("\"count\":4").await;
        assert!(text.contains(r#"data: {"topic":"procurement:1","kind":"registrants","data":{"count":4}}"#), "{text}");
        assert!(!text.contains("procurement:2"), "another topic leaked into the stream:\n{text}");
        let _ = std::fs::remove_dir_all(dir);
    }

    #[tokio::test]
    async fn a_lagging_stream_is_told_to_resync() {
        let (state, dir) = state("lag").await;
        let mut r = Reader::new(get(&state, "/live?topics=p:1").await);
        r.until("event: ready").await;
        // more events than a stream buffers, before the page reads any
        for i in 0..1100 {
            state.live.publish("p:1", "round", json!(i)).await;
        }
        r.until("event: resync").await;
        assert!(state.live.publish("p:1", "round", json!("after")).await);
        let text = r.until("\"data\":\"after\"}").await;
        // the page refetches everything on resync: the stale backlog is skipped
        assert!(!text.contains("\"data\":1099}"), "{text}");
        let _ = std::fs::remove_dir_all(dir);
    }

    #[tokio::test]
    async fn streams_end_when_the_server_shuts_down() {
        let (state, dir) = state("shutdown").await;
        let mut r = Reader::new(get(&state, "/live?topics=p:1").await);
        r.until("event: ready").await;
        state.live.shut_down();
        assert!(r.ends().await, "an open stream would hold up the graceful shutdown");
        let _ = std::fs::remove_dir_all(dir);
    }

    #[tokio::test]
    async fn bad_topics_are_a_400_in_chinese() {
        let (state, dir) = state("bad").await;
        let eleven: Vec<String> = (0..11).map(|i| format!("p:{i}")).collect();
        let long = "t".repeat(101);
        for (uri, want) in [
            ("/live".to_string(), "topics"),
            ("/live?topics=".to_string(), "主题"),
            (format!("/live?topics={}", eleven.join(",")), "最多订阅 10 个主题"),
            (format!("/live?topics={long}"), "1–100 个字符"),
            ("/live?topics=%3Cscript%3E".to_string(), "只能包含"),
            ("/live?topics=a%0Aevent:x".to_string(), "只能包含"),
        ] {
            let res = get(&state, &uri).await;
            assert_eq!(res.status(), StatusCode::BAD_REQUEST, "{uri}");
            assert!(res.headers()[header::CONTENT_TYPE].to_str().unwrap().starts_with("text/plain"), "{uri}");
            let body = axum::body::to_bytes(res.into_body(), 4096).await.unwrap();
            let body = String::from_utf8(body.to_vec()).unwrap();
            assert!(body.contains(want), "{uri}: {body}");
        }
        let _ = std::fs::remove_dir_all(dir);
    }
}
