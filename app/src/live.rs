//! Live updates: a tiny publish/subscribe pipe from business operations to open
//! pages (server only; the browser half is `ui::live`).
//!
//! A business operation that changes something a public page shows calls
//! `state.live.publish(topic, kind, data)` **after its transaction commits**.
//! Every server instance holds one [`LiveHub`]; the `/live` server-sent-events
//! endpoint subscribes to it and forwards the events of the topics a page asked
//! for; the page reacts by refetching through its server functions.
//!
//! - **PostgreSQL** (several instances on one database): `publish` runs
//!   `SELECT pg_notify('zjcs_live', <json>)`; each instance's hub LISTENs on the
//!   channel [`CHANNEL`] with one dedicated connection and forwards every
//!   notification into its local broadcast. The publishing instance receives its
//!   own event through its listener too, so nothing is delivered twice. A dropped
//!   listener connection is re-established with backoff; because notifications
//!   sent meanwhile are lost, the hub then broadcasts a `resync` event to every
//!   subscriber so pages refetch everything.
//! - **SQLite** (one instance): `publish` sends to the local broadcast directly.
//!
//! Delivery is best effort: a failed or refused notification is logged and never
//! fails the business operation (`publish` returns `false`). Pages therefore
//! treat an event only as "something changed, refetch", and the browser falls
//! back to polling when the stream is unavailable.
//!
//! **Security rule.** An event travels to anyone who opens `/live` — it is as
//! public as the public page. It carries only public facts: counts, state
//! names, times, the kind of change. Never a sealed quote amount, a bidder's
//! identity before it is public, or anything else not on the public page. The
//! page refetches through its server functions, which do the authorisation.
//!
//! Names: topics and kinds are ASCII letters, digits and `_ : . -` (topic at
//! most [`MAX_TOPIC_LEN`] bytes, kind at most [`MAX_KIND_LEN`]); use a topic per
//! record, e.g. `procurement:42`, and a kind per change, e.g. `registrants`,
//! `opened`, `drawn`, `round`. The kind `resync` (topic [`ALL`]) is reserved: "you
//! may have missed events, refetch everything". The JSON of an event must stay
//! within [`MAX_PAYLOAD_BYTES`] (PostgreSQL's NOTIFY limit); larger ones are refused.
use crate::db::{Backend, Pool};
use serde::{Deserialize, Serialize};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::{broadcast, watch};

/// The PostgreSQL NOTIFY channel every instance LISTENs on.
pub const CHANNEL: &str = "zjcs_live";
/// PostgreSQL refuses NOTIFY payloads of 8000 bytes or more.
pub const MAX_PAYLOAD_BYTES: usize = 7999;
pub const MAX_TOPIC_LEN: usize = 100;
pub const MAX_KIND_LEN: usize = 50;
/// The most topics one `/live` stream may follow.
pub const MAX_TOPICS: usize = 10;
/// The topic of events meant for every subscriber (only the hub sends these).
pub const ALL: &str = "*";
/// The kind telling pages they may have missed events and should refetch everything.
pub const RESYNC: &str = "resync";
/// Events buffered per subscriber before it lags (and is told to resync).
const CAPACITY: usize = 1024;

/// One change, as sent to pages. Public facts only (see the module docs).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LiveEvent {
    pub topic: String,
    pub kind: String,
    pub data: serde_json::Value,
}

impl LiveEvent {
    /// "You may have missed events": sent to every subscriber.
    pub fn resync() -> LiveEvent {
        LiveEvent { topic: ALL.into(), kind: RESYNC.into(), data: serde_json::Value::Null }
    }

    /// Whether a stream following `topics` should receive this event.
    pub fn is_for(&self, topics: &[String]) -> bool {
        self.topic == ALL || topics.contains(&self.topic)
    }
}

fn valid_name(s: &str, max: usize) -> bool {
    !s.is_empty() && s.len() <= max && s.bytes().all(|b| b.is_ascii_alphanumeric() || b"_:.-".contains(&b))
}

/// A topic a page may follow: 1–100 ASCII letters, digits, `_ : . -`.
pub fn valid_topic(topic: &str) -> bool {
    valid_name(topic, MAX_TOPIC_LEN)
}

/// A kind of change: 1–50 ASCII letters, digits, `_ : . -` (never a line break,
/// which would corrupt the event stream).
pub fn valid_kind(kind: &str) -> bool {
    valid_name(kind, MAX_KIND_LEN)
}

/// Parses the `topics` parameter of `/live` (comma-separated); the error is a
/// message for the user.
pub fn parse_topics(param: Option<&str>) -> Result<Vec<String>, &'static str> {
    let param = param.map(str::trim).unwrap_or("");
    if param.is_empty() {
        return Err("请用 topics 参数指定要订阅的主题,多个主题用英文逗号分隔。");
    }
    let mut topics: Vec<String> = Vec::new();
    for t in param.split(',').map(str::trim) {
        if !valid_topic(t) {
            return Err("主题名须为 1–100 个字符,只能包含英文字母、数字和 : _ . -。");
        }
        if !topics.iter().any(|x| x == t) {
            topics.push(t.to_string());
        }
    }
    if topics.len() > MAX_TOPICS {
        return Err("一次最多订阅 10 个主题。");
    }
    Ok(topics)
}

/// This instance's end of the live-update pipe (one per process, in `AppState`).
pub struct LiveHub {
    tx: broadcast::Sender<LiveEvent>,
    pool: Pool,
    backend: Backend,
    /// `true` while events published anywhere reach this hub (PostgreSQL: the
    /// listener is connected; SQLite: always).
    listening: watch::Sender<bool>,
    /// Set by `shut_down`: open streams end so the server can stop.
    closing: watch::Sender<bool>,
    task: Mutex<Option<tokio::task::JoinHandle<()>>>,
}

impl LiveHub {
    pub fn new(pool: Pool, backend: Backend) -> Arc<LiveHub> {
        let (tx, _) = broadcast::channel(CAPACITY);
        Arc::new(LiveHub {
            tx,
            pool,
            backend,
            listening: watch::Sender::new(backend == Backend::Sqlite),
            closing: watch::Sender::new(false),
            task: Mutex::new(None),
        })
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// PostgreSQL: starts the LISTEN task (reconnecting with backoff). SQLite:
    /// nothing to do. Call once, inside the Tokio runtime; later calls are ignored.
    pub fn start(self: &Arc<Self>, database_url: &str) {
        if self.backend != Backend::Postgres {
            return;
        }
        let mut task = self.task.lock().unwrap_or_else(|e| e.into_inner());
        if task.is_some() {
            tracing::warn!("live updates: the listener is already started");
            return;
        }
        let url = database_url.to_string();
        let tx = self.tx.clone();
        let listening = self.listening.clone();
        *task = Some(tokio::spawn(listen(url, tx, listening)));
    }

    /// Sends an event to every page following `topic`, on every instance.
    /// Returns whether it was handed over; failures are logged, never returned:
    /// a lost notification must not fail the business operation.
    pub async fn publish(&self, topic: &str, kind: &str, data: serde_json::Value) -> bool {
        if !valid_topic(topic) || !valid_kind(kind) {
            tracing::warn!(topic, kind, "live update refused: bad topic or kind name");
            return false;
        }
        let event = LiveEvent { topic: topic.into(), kind: kind.into(), data };
        let payload = match serde_json::to_string(&event) {
            Ok(p) => p,
            Err(e) => {
                tracing::warn!(topic, kind, error = %e, "live update refused: cannot serialise");
                return false;
            }
        };
        if payload.len() > MAX_PAYLOAD_BYTES {
            tracing::warn!(topic, kind, bytes = payload.len(), "live update refused: larger than the NOTIFY limit");
            return false;
        }
        match self.backend {
            Backend::Sqlite => {
                // no subscriber is not an error
                let _ = self.tx.send(event);
                true
            }
            Backend::Postgres => {
                // `execute`: pg_notify returns `void`, there is nothing to read
                match sqlx::query("SELECT pg_notify($1, $2)").bind(CHANNEL).bind(payload).execute(&self.pool).await {
                    Ok(_) => true,
                    Err(e) => {
                        tracing::warn!(topic, kind, error = %e, "live update not sent");
                        false
                    }
                }
            }
        }
    }

    /// A receiver of every event this instance gets, from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<LiveEvent> {
        self.tx.subscribe()
    }

    /// How many receivers are subscribed now (open live-update streams; a metric).
    pub fn subscribers(&self) -> usize {
        self.tx.receiver_count()
    }

    /// Waits until events published anywhere reach this hub (PostgreSQL: the
    /// listener has connected); `false` if that did not happen within `within`.
    pub async fn wait_listening(&self, within: Duration) -> bool {
        let mut rx = self.listening.subscribe();
        let ok = tokio::time::timeout(within, async { rx.wait_for(|l| *l).await.is_ok() }).await;
        ok.unwrap_or(false)
    }

    /// Ends every open stream (`closed()` resolves), so a graceful shutdown
    /// is not held up by pages that never disconnect.
    pub fn shut_down(&self) {
        self.closing.send_replace(true);
    }

    /// Resolves once `shut_down` has been called.
    pub async fn closed(&self) {
        let mut rx = self.closing.subscribe();
        let _ = rx.wait_for(|c| *c).await;
    }
}

impl Drop for LiveHub {
    fn drop(&mut self) {
        if let Some(task) = self.task.get_mut().ok().and_then(Option::take) {
            task.abort();
        }
    }
}

/// The listener task: LISTEN, forward notifications, reconnect with backoff.
async fn listen(url: String, tx: broadcast::Sender<LiveEvent>, listening: watch::Sender<bool>) {
    const FIRST: Duration = Duration::from_millis(250);
    const MOST: Duration = Duration::from_secs(30);
    let mut backoff = FIRST;
    let mut connected_before = false;
    loop {
        let attempt = async {
            let mut l = sqlx::postgres::PgListener::connect(&url).await?;
            l.listen(CHANNEL).await?;
            Ok::<_, sqlx::Error>(l)
        }
        .await;
        match attempt {
            Ok(mut listener) => {
                backoff = FIRST;
                listening.send_replace(true);
                if connected_before {
                    tracing::info!("live updates: listening again");
                    let _ = tx.send(LiveEvent::resync());
                }
                connected_before = true;
                loop {
                    match listener.try_recv().await {
                        Ok(Some(n)) => match serde_json::from_str::<LiveEvent>(n.payload()) {
                            Ok(event) => {
                                let _ = tx.send(event);
                            }
                            Err(e) => tracing::warn!(error = %e, "live updates: ignoring a malformed notification"),
                        },
                        // The connection dropped and sqlx has reconnected (and LISTENs
                        // again); what was sent meanwhile is lost.
                        Ok(None) => {
                            tracing::warn!("live updates: listener connection lost and re-established");
                            let _ = tx.send(LiveEvent::resync());
                        }
                        Err(e) => {
                            tracing::warn!(error = %e, "live updates: listener failed; reconnecting");
                            break;
                        }
                    }
                }
                listening.send_replace(false);
            }
            Err(e) => tracing::warn!(error = %e, retry_in_ms = backoff.as_millis() as u64, "live updates: cannot LISTEN"),
        }
        tokio::time::sleep(backoff).await;
        backoff = (backoff * 2).min(MOST);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::testing::TestApp;
    use serde_json::json;

    const WAIT: Duration = Duration::from_secs(10);

    async fn next(rx: &mut broadcast::Receiver<LiveEvent>) -> LiveEvent {
        tokio::time::timeout(WAIT, rx.recv()).await.expect("no live event within 10 s").expect("live channel open")
    }

    /// The URL of the test database `app` runs on (PostgreSQL only).
    async fn pg_url(app: &TestApp) -> String {
        let server = std::env::var("ZJCS_TEST_DATABASE").unwrap();
        let (name,): (String,) = sqlx::query_as("SELECT CAST(current_database() AS TEXT)").fetch_one(&app.state.pool).await.unwrap();
        let base = server.rsplit_once('/').map(|(b, _)| b.to_string()).unwrap();
        format!("{base}/{name}")
    }

    #[tokio::test]
    async fn a_subscriber_receives_what_is_published() {
        let app = TestApp::with_demo(None).await;
        let live = &app.state.live;
        assert!(live.wait_listening(WAIT).await, "the hub listens");
        let mut rx = live.subscribe();
        assert!(live.publish("procurement:7", "registrants", json!({ "count": 3 })).await);
        let got = next(&mut rx).await;
        assert_eq!(got, LiveEvent { topic: "procurement:7".into(), kind: "registrants".into(), data: json!({ "count": 3 }) });
    }

    #[tokio::test]
    async fn oversize_and_badly_named_events_are_not_sent() {
        let app = TestApp::with_demo(None).await;
        let live = &app.state.live;
        assert!(live.wait_listening(WAIT).await);
        let mut rx = live.subscribe();
        let big = "报".repeat(MAX_PAYLOAD_BYTES / 3 + 1);
        assert!(!live.publish("procurement:7", "note", json!({ "text": big })).await, "over the NOTIFY limit");
        assert!(!live.publish("procurement:7", "a\nevent: forged", json!(null)).await, "a line break would forge SSE fields");
        assert!(!live.publish("", "registrants", json!(null)).await);
        assert!(!live.publish(&"t".repeat(MAX_TOPIC_LEN + 1), "registrants", json!(null)).await);
        // just under the limit still goes through
        let overhead = serde_json::to_string(&LiveEvent { topic: "p:1".into(), kind: "k".into(), data: json!("") }).unwrap().len();
        let fits = "x".repeat(MAX_PAYLOAD_BYTES - overhead);
        assert!(live.publish("p:1", "k", json!(fits.clone())).await, "{} bytes fit", fits.len());
        assert!(live.publish("procurement:7", "marker", json!(1)).await);
        // the refused events never arrive: the first thing received is the one that fits
        assert_eq!(next(&mut rx).await.data, json!(fits));
        assert_eq!(next(&mut rx).await.kind, "marker");
    }

    /// Two server instances on one PostgreSQL: each hears what the other
    /// publishes, and the publisher hears its own event exactly once.
    #[tokio::test]
    async fn a_second_instance_receives_what_the_first_publishes() {
        let app = TestApp::with_demo(None).await;
        if app.backend() != Backend::Postgres {
            println!("PostgreSQL only (set ZJCS_TEST_DATABASE)");
            return;
        }
        let url = pg_url(&app).await;
        let a = app.state.live.clone();
        let (pool_b, backend_b) = crate::db::connect(&url, 2).await.unwrap();
        let b = LiveHub::new(pool_b, backend_b);
        b.start(&url);
        assert!(a.wait_listening(WAIT).await && b.wait_listening(WAIT).await);
        let (mut rx_a, mut rx_b) = (a.subscribe(), b.subscribe());

        assert!(a.publish("procurement:9", "opened", json!({ "at": 1 })).await);
        assert!(a.publish("procurement:9", "marker", json!(null)).await);
        for rx in [&mut rx_a, &mut rx_b] {
            let e = next(rx).await;
            assert_eq!((e.topic.as_str(), e.kind.as_str(), &e.data), ("procurement:9", "opened", &json!({ "at": 1 })));
            assert_eq!(next(rx).await.kind, "marker", "delivered once, in order");
        }

        assert!(b.publish("procurement:9", "drawn", json!(null)).await);
        assert_eq!(next(&mut rx_a).await.kind, "drawn");
        assert_eq!(next(&mut rx_b).await.kind, "drawn");
    }

    /// A dropped LISTEN connection comes back, and pages are told to refetch.
    #[tokio::test]
    async fn the_listener_reconnects_and_asks_pages_to_resync() {
        let app = TestApp::with_demo(None).await;
        if app.backend() != Backend::Postgres {
            println!("PostgreSQL only (set ZJCS_TEST_DATABASE)");
            return;
        }
        let live = &app.state.live;
        assert!(live.wait_listening(WAIT).await);
        let mut rx = live.subscribe();
        let (killed,): (i64,) = sqlx::query_as(
            "SELECT CAST(COUNT(pg_terminate_backend(pid)) AS BIGINT) FROM pg_stat_activity \
             WHERE datname = current_database() AND pid <> pg_backend_pid() AND query LIKE 'LISTEN%'",
        )
        .fetch_one(&app.state.pool)
        .await
        .unwrap();
        assert_eq!(killed, 1, "one listener connection");
        let e = next(&mut rx).await;
        assert_eq!((e.topic.as_str(), e.kind.as_str()), (ALL, RESYNC));
        assert!(live.wait_listening(WAIT).await);
        assert!(live.publish("procurement:3", "round", json!({ "round": 2 })).await);
        assert_eq!(next(&mut rx).await.kind, "round");
    }

    /// A notification that cannot be sent is logged, not an error of the operation.
    #[tokio::test]
    async fn a_failed_notification_does_not_fail_the_caller() {
        let app = TestApp::with_demo(None).await;
        if app.backend() != Backend::Postgres {
            return;
        }
        let url = pg_url(&app).await;
        let (pool, backend) = crate::db::connect(&url, 1).await.unwrap();
        let hub = LiveHub::new(pool.clone(), backend);
        pool.close().await;
        assert!(!hub.publish("procurement:1", "registrants", json!(1)).await);
    }

    #[test]
    fn topics_parameter() {
        assert_eq!(parse_topics(Some("procurement:1, procurement:2,procurement:1")).unwrap(), ["procurement:1", "procurement:2"]);
        assert!(parse_topics(None).unwrap_err().contains("topics"));
        assert!(parse_topics(Some(" ")).is_err());
        assert!(parse_topics(Some("a,,b")).is_err(), "empty topic");
        assert!(parse_topics(Some("<script>")).is_err());
        assert!(parse_topics(Some(&"t".repeat(101))).is_err());
        assert!(parse_topics(Some(&"t".repeat(100))).is_ok());
        let eleven: Vec<String> = (0..11).map(|i| format!("p:{i}")).collect();
        assert_eq!(parse_topics(Some(&eleven.join(","))).unwrap_err(), "一次最多订阅 10 个主题。");
        assert!(parse_topics(Some(&eleven[..10].join(","))).is_ok());
        assert!(LiveEvent::resync().is_for(&["x".into()]));
        assert!(!LiveEvent { topic: "a".into(), kind: "k".into(), data: json!(null) }.is_for(&["b".into()]));
    }
}
