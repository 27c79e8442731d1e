//! A minimal SMTP client (RFC 5321) for a local relay: EHLO, MAIL FROM, RCPT TO,
//! DATA, QUIT over plain TCP, no TLS or authentication. The message is UTF-8
//! text: the subject as RFC 2047 encoded words, the body in base64.
use super::SmtpConfig;
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

/// How long one whole delivery may take.
const TIMEOUT: Duration = Duration::from_secs(20);

/// One e-mail to hand over.
#[derive(Clone, Debug)]
pub struct Mail<'a> {
    pub to: &'a str,
    pub subject: &'a str,
    pub body: &'a str,
    /// Epoch ms for the `Date` header.
    pub date_ms: i64,
    /// Unique part of the `Message-ID`.
    pub message_id: String,
}

/// Why a delivery failed.
#[derive(Debug, thiserror::Error)]
pub enum SendError {
    /// The relay could not be reached or the conversation broke off: retry later.
    #[error("{0}")]
    Transient(String),
    /// The relay refused the message for good (a 5xx reply): do not retry.
    #[error("{0}")]
    Permanent(String),
}

/// Delivers one e-mail to the relay.
pub async fn send_mail(cfg: &SmtpConfig, mail: &Mail<'_>) -> Result<(), SendError> {
    match tokio::time::timeout(TIMEOUT, conversation(cfg, mail)).await {
        Ok(r) => r,
        Err(_) => Err(SendError::Transient(format!("SMTP timeout after {}s", TIMEOUT.as_secs()))),
    }
}

async fn conversation(cfg: &SmtpConfig, mail: &Mail<'_>) -> Result<(), SendError> {
    let stream = TcpStream::connect((cfg.host.as_str(), cfg.port))
        .await
        .map_err(|e| SendError::Transient(format!("cannot connect to {}:{}: {e}", cfg.host, cfg.port)))?;
    let (read, mut write) = stream.into_split();
    let mut read = BufReader::new(read);
    expect(&mut read, "greeting", &[220]).await?;
    command(&mut write, "EHLO zjcs.localhost").await?;
    if expect(&mut read, "EHLO", &[250]).await.is_err() {
        command(&mut write, "HELO zjcs.localhost").await?;
        expect(&mut read, "HELO", &[250]).await?;
    }
    command(&mut write, &format!("MAIL FROM:<{}>", cfg.from)).await?;
    expect(&mut read, "MAIL FROM", &[250]).await?;
    command(&mut write, &format!("RCPT TO:<{}>", mail.to)).await?;
    expect(&mut read, "RCPT TO", &[250, 251]).await?;
    command(&mut write, "DATA").await?;
    expect(&mut read, "DATA", &[354]).await?;
    let message = message_text(cfg, mail);
    write.write_all(message.as_bytes()).await.map_err(io)?;
    write.write_all(b".\r\n").await.map_err(io)?;
    write.flush().await.map_err(io)?;
    expect(&mut read, "end of data", &[250]).await?;
    let _ = command(&mut write, "QUIT").await;
    Ok(())
}

fn io(e: std::io::Error) -> SendError {
    SendError::Transient(format!("SMTP connection: {e}"))
}

async fn command<W: AsyncWriteExt + Unpin>(w: &mut W, line: &str) -> Result<(), SendError> {
    w.write_all(line.as_bytes()).await.map_err(io)?;
    w.write_all(b"\r\n").await.map_err(io)?;
    w.flush().await.map_err(io)
}

/// Reads one (possibly multi-line) reply and checks its code.
async fn expect<R: AsyncBufReadExt + Unpin>(r: &mut R, step: &str, ok: &[u16]) -> Result<u16, SendError> {
    let mut text = String::new();
    loop {
        let mut line = String::new();
        let n = r.read_line(&mut line).await.map_err(io)?;
        if n == 0 {
            return Err(SendError::Transient(format!("SMTP server closed the connection at {step}")));
        }
        if line.len() > 1000 {
            return Err(SendError::Transient(format!("SMTP reply too long at {step}")));
        }
        let line = line.trim_end();
        text.push_str(line);
        text.push(' ');
        // "250-more follows", "250 last line"
        if line.len() < 4 || line.as_bytes()[3] != b'-' {
            break;
        }
    }
    let code: u16 = text.get(..3).and_then(|c| c.parse().ok()).unwrap_or(0);
    if ok.contains(&code) {
        Ok(code)
    } else if (500..600).contains(&code) {
        Err(SendError::Permanent(format!("{step}: {}", text.trim())))
    } else {
        Err(SendError::Transient(format!("{step}: {}", text.trim())))
    }
}

/// The message as sent after DATA (headers, blank line, base64 body), CRLF lines.
fn message_text(cfg: &SmtpConfig, mail: &Mail<'_>) -> String {
    let date = rfc5322_date(mail.date_ms);
    let domain = cfg.from.rsplit_once('@').map(|(_, d)| d).unwrap_or("zjcs.localhost");
    let mut out = String::new();
    out.push_str(&format!("From: <{}>\r\n", cfg.from));
    out.push_str(&format!("To: <{}>\r\n", mail.to));
    out.push_str(&format!("Subject: {}\r\n", encode_subject(mail.subject)));
    out.push_str(&format!("Date: {date}\r\n"));
    out.push_str(&format!("Message-ID: <{}@{domain}>\r\n", mail.message_id));
    out.push_str("MIME-Version: 1.0\r\nContent-Type: text/plain; charset=UTF-8\r\nContent-Transfer-Encoding: base64\r\n\r\n");
    let body = base64(mail.body.as_bytes());
    for chunk in body.as_bytes().chunks(76) {
        out.push_str(std::str::from_utf8(chunk).unwrap_or(""));
        out.push_str("\r\n");
    }
    out
}

/// `Fri, 27 Nov 2026 10:00:00 +0800` (Asia/Shanghai, as the users read it).
fn rfc5322_date(epoch_ms: i64) -> String {
    const DAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    let secs = epoch_ms.div_euclid(1000) + 8 * 3600;
    let days = secs.div_euclid(86_400);
    let rest = secs.rem_euclid(86_400);
    let (y, m, d) = crate::domain::time::civil_from_days(days);
    format!(
        "{}, {d} {} {y} {:02}:{:02}:{:02} +0800",
        DAYS[days.rem_euclid(7) as usize],
        MONTHS[(m as usize).clamp(1, 12) - 1],
        rest / 3600,
        rest / 60 % 60,
        rest % 60
    )
}

/// RFC 2047 `=?UTF-8?B?…?=` words of at most 75 characters, folded onto
/// continuation lines; whole characters per word.
pub fn encode_subject(subject: &str) -> String {
    let subject: String = subject.chars().filter(|c| !c.is_control()).collect();
    let mut words = Vec::new();
    let mut chunk = String::new();
    for c in subject.chars() {
        // 45 bytes encode to 60 base64 characters: 60 + 12 = 72 ≤ 75
        if chunk.len() + c.len_utf8() > 45 {
            words.push(format!("=?UTF-8?B?{}?=", base64(chunk.as_bytes())));
            chunk.clear();
        }
        chunk.push(c);
    }
    if !chunk.is_empty() || words.is_empty() {
        words.push(format!("=?UTF-8?B?{}?=", base64(chunk.as_bytes())));
    }
    words.join("\r\n ")
}

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Standard base64 with padding.
pub fn base64(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [chunk[0], *chunk.get(1).unwrap_or(&0), *chunk.get(2).unwrap_or(&0)];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Decodes standard base64 (whitespace ignored); `None` when malformed.
#[cfg(test)]
pub fn base64_decode(text: &str) -> Option<Vec<u8>> {
    let clean: Vec<u8> = text.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
    if clean.len() % 4 != 0 {
        return None;
    }
    let mut out = Vec::new();
    for quad in clean.chunks(4) {
        let mut n = 0u32;
        let mut pad = 0;
        for &c in quad {
            let v = if c == b'=' {
                pad += 1;
                0
            } else {
                if pad > 0 {
                    return None;
                }
                ALPHABET.iter().position(|&a| a == c)? as u32
            };
            n = (n << 6) | v;
        }
        let bytes = [(n >> 16) as u8, (n >> 8) as u8, n as u8];
        out.extend_from_slice(&bytes[..3 - pad.min(2)]);
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notifications_date_header() {
        // 2026-11-27 02:00 UTC
        assert_eq!(rfc5322_date(1_795_744_800_000), "Fri, 27 Nov 2026 10:00:00 +0800");
    }

    #[test]
    fn notifications_base64_round_trip() {
        assert_eq!(base64(b""), "");
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(base64(b"foo"), "Zm9v");
        assert_eq!(base64("监察灯".as_bytes()), "55uR5a+f54Gv");
        for s in ["", "a", "ab", "abc", "合同履约阶段已超时（红灯）"] {
            assert_eq!(base64_decode(&base64(s.as_bytes())).as_deref(), Some(s.as_bytes()));
        }
        assert_eq!(base64_decode("Zg="), None);
    }

    #[test]
    fn notifications_subject_is_encoded_words_of_whole_characters() {
        let subject = "项目“成都市某某工程环境影响评价”合同履约阶段已超过时限，监察灯变为红灯，请尽快处理";
        let encoded = encode_subject(subject);
        let mut decoded = Vec::new();
        for word in encoded.split("\r\n ") {
            assert!(word.len() <= 75, "{word}");
            let inner = word.strip_prefix("=?UTF-8?B?").and_then(|w| w.strip_suffix("?=")).unwrap();
            let bytes = base64_decode(inner).unwrap();
            assert!(std::str::from_utf8(&bytes).is_ok(), "each word holds whole characters");
            decoded.extend(bytes);
        }
        assert_eq!(String::from_utf8(decoded).unwrap(), subject);
        // no header injection through the subject
        assert!(!encode_subject("a\r\nBcc: x@y.com").contains("Bcc: "));
    }
}
