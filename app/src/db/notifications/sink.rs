//! Tests only: a tiny SMTP server on 127.0.0.1 that accepts every message and
//! keeps it (recipient, decoded subject and body) for assertions.
use super::smtp::base64_decode;
use super::SmtpConfig;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

/// One message the sink accepted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Received {
    pub from: String,
    pub to: Vec<String>,
    /// Decoded from its RFC 2047 words.
    pub subject: String,
    /// Decoded from base64.
    pub body: String,
    /// The message as sent after DATA.
    pub raw: String,
}

pub struct SmtpSink {
    pub port: u16,
    received: Arc<Mutex<Vec<Received>>>,
    /// When set, `RCPT TO` is answered 550 (a refusal for good).
    pub reject_recipients: Arc<AtomicBool>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl SmtpSink {
    /// A sink on a free port.
    pub async fn start() -> SmtpSink {
        Self::start_on(0).await
    }

    /// A sink on `port` (0: any free port).
    pub async fn start_on(port: u16) -> SmtpSink {
        let listener = TcpListener::bind(("127.0.0.1", port)).await.expect("bind the SMTP sink");
        let port = listener.local_addr().unwrap().port();
        let received = Arc::new(Mutex::new(Vec::new()));
        let reject = Arc::new(AtomicBool::new(false));
        let task = tokio::spawn({
            let received = received.clone();
            let reject = reject.clone();
            async move {
                while let Ok((stream, _)) = listener.accept().await {
                    let received = received.clone();
                    let reject = reject.clone();
                    tokio::spawn(async move {
                        let _ = session(stream, received, reject).await;
                    });
                }
            }
        });
        SmtpSink { port, received, reject_recipients: reject, task }
    }

    /// A port nothing listens on (connections are refused).
    pub async fn free_port() -> u16 {
        let l = TcpListener::bind(("127.0.0.1", 0)).await.unwrap();
        l.local_addr().unwrap().port()
    }

    pub fn config(&self) -> SmtpConfig {
        config_for(self.port)
    }

    /// The messages accepted so far.
    pub fn received(&self) -> Vec<Received> {
        self.received.lock().unwrap().clone()
    }
}

/// The configuration for a relay on 127.0.0.1:`port`.
pub fn config_for(port: u16) -> SmtpConfig {
    SmtpConfig::parse(&format!("smtp://127.0.0.1:{port}"), "noreply@zjcs.test").unwrap()
}

async fn session(stream: tokio::net::TcpStream, received: Arc<Mutex<Vec<Received>>>, reject: Arc<AtomicBool>) -> std::io::Result<()> {
    let (read, mut write) = stream.into_split();
    let mut read = BufReader::new(read);
    write.write_all(b"220 sink.zjcs.test ESMTP\r\n").await?;
    let (mut from, mut to) = (String::new(), Vec::new());
    loop {
        let mut line = String::new();
        if read.read_line(&mut line).await? == 0 {
            return Ok(());
        }
        let line = line.trim_end();
        let upper = line.to_ascii_uppercase();
        let reply: &[u8] = if upper.starts_with("EHLO") {
            b"250-sink.zjcs.test\r\n250 8BITMIME\r\n"
        } else if upper.starts_with("HELO") || upper.starts_with("RSET") || upper.starts_with("NOOP") {
            b"250 OK\r\n"
        } else if let Some(a) = upper.strip_prefix("MAIL FROM:") {
            from = angle(&line[line.len() - a.len()..]);
            b"250 OK\r\n"
        } else if let Some(a) = upper.strip_prefix("RCPT TO:") {
            if reject.load(Ordering::SeqCst) {
                b"550 5.1.1 no such user\r\n"
            } else {
                to.push(angle(&line[line.len() - a.len()..]));
                b"250 OK\r\n"
            }
        } else if upper == "DATA" {
            write.write_all(b"354 end with <CRLF>.<CRLF>\r\n").await?;
            let mut raw = String::new();
            loop {
                let mut l = String::new();
                if read.read_line(&mut l).await? == 0 {
                    return Ok(());
                }
                if l == ".\r\n" || l == ".\n" {
                    break;
                }
                raw.push_str(l.strip_prefix('.').filter(|_| l.starts_with("..")).unwrap_or(&l));
            }
            let (subject, body) = decode(&raw);
            received.lock().unwrap().push(Received { from: from.clone(), to: std::mem::take(&mut to), subject, body, raw });
            b"250 OK queued\r\n"
        } else if upper == "QUIT" {
            write.write_all(b"221 bye\r\n").await?;
            return Ok(());
        } else {
            b"502 command not implemented\r\n"
        };
        write.write_all(reply).await?;
    }
}

fn angle(s: &str) -> String {
    s.trim().trim_start_matches('<').trim_end_matches('>').to_string()
}

/// The decoded subject and body of a message.
fn decode(raw: &str) -> (String, String) {
    let (head, body) = raw.split_once("\r\n\r\n").unwrap_or((raw, ""));
    // unfold continuation lines
    let head = head.replace("\r\n ", " ");
    let subject = head
        .lines()
        .find_map(|l| l.strip_prefix("Subject: "))
        .map(|s| {
            s.split(' ')
                .filter_map(|w| w.strip_prefix("=?UTF-8?B?").and_then(|w| w.strip_suffix("?=")))
                .flat_map(|w| base64_decode(w).unwrap_or_default())
                .collect::<Vec<u8>>()
        })
        .map(|b| String::from_utf8_lossy(&b).into_owned())
        .unwrap_or_default();
    let body = base64_decode(body).map(|b| String::from_utf8_lossy(&b).into_owned()).unwrap_or_default();
    (subject, body)
}
