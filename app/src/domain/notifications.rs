//! Notification rules shared by the server and the browser: the e-mail address
//! a user may set for notification e-mails.

/// The longest address accepted (RFC 5321 path limit).
pub const MAX_EMAIL_LEN: usize = 254;

/// Why an e-mail address is refused (each a translated message).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EmailError {
    TooLong,
    Format,
}

impl EmailError {
    pub fn message_key(self) -> &'static str {
        match self {
            EmailError::TooLong => "notifications.email_too_long",
            EmailError::Format => "notifications.email_format",
        }
    }
}

/// Checks an address: `local@domain.tld`, one `@`, no spaces, quotes, angle
/// brackets or line breaks (it goes into SMTP commands and mail headers).
pub fn check_email(s: &str) -> Result<(), EmailError> {
    if s.len() > MAX_EMAIL_LEN {
        return Err(EmailError::TooLong);
    }
    let Some((local, domain)) = s.split_once('@') else { return Err(EmailError::Format) };
    let bad = |c: char| c.is_whitespace() || c.is_control() || "<>()[]\\,;:\"@".contains(c);
    let local_ok = !local.is_empty() && local.len() <= 64 && !local.chars().any(bad) && !local.starts_with('.') && !local.ends_with('.') && !local.contains("..");
    let labels: Vec<&str> = domain.split('.').collect();
    let domain_ok = labels.len() >= 2
        && labels.iter().all(|l| !l.is_empty() && l.len() <= 63 && !l.starts_with('-') && !l.ends_with('-') && l.chars().all(|c| c.is_alphanumeric() || c == '-'));
    if local_ok && domain_ok {
        Ok(())
    } else {
        Err(EmailError::Format)
    }
}

pub fn valid_email(s: &str) -> bool {
    check_email(s).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notifications_email_addresses() {
        for ok in ["li.ming@example.com", "a+b@mail.zj.gov.cn", "王@例子.中国"] {
            assert_eq!(check_email(ok), Ok(()), "{ok}");
        }
        for bad in ["", "li", "li@", "@example.com", "li@example", "li ming@example.com", "li@exa mple.com", "a@b@c.com", "li@example..com",
            "li@-x.com", "<li@example.com>", "li@example.com\r\nBcc: x@y.com", ".li@example.com"] {
            assert_eq!(check_email(bad), Err(EmailError::Format), "{bad:?}");
        }
        assert_eq!(check_email(&format!("{}@example.com", "a".repeat(250))), Err(EmailError::TooLong));
    }
}
