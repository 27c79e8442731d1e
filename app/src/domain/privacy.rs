//! Personal data shown in public: staff ID numbers and phone numbers are masked
//! on the server, so the full values never reach a browser.

/// `510104198807120013` → `5101************13`: the region prefix and the last two
/// characters stay (enough to tell two people apart, not enough to identify one).
pub fn mask_id_number(id: &str) -> String {
    let chars: Vec<char> = id.trim().chars().collect();
    if chars.len() < 8 {
        return "*".repeat(chars.len().max(4));
    }
    let n = chars.len();
    chars[..4].iter().chain(std::iter::repeat_n(&'*', n - 6)).chain(&chars[n - 2..]).collect()
}

/// `13812345678` → `138****5678`.
pub fn mask_phone(phone: &str) -> String {
    let chars: Vec<char> = phone.trim().chars().filter(|c| !c.is_whitespace() && *c != '-').collect();
    if chars.len() < 7 {
        return "*".repeat(chars.len().max(4));
    }
    let n = chars.len();
    chars[..3].iter().chain(std::iter::repeat_n(&'*', n - 7)).chain(&chars[n - 4..]).collect()
}

/// Check character of an 18-digit resident identity number (GB 11643-1999, ISO 7064 MOD 11-2).
pub fn id_number_check(first17: &str) -> Option<char> {
    const W: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    if first17.len() != 17 || !first17.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let sum: u32 = first17.bytes().zip(W).map(|(b, w)| (b - b'0') as u32 * w).sum();
    Some(b"10X98765432"[(sum % 11) as usize] as char)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_id_numbers_and_phones() {
        assert_eq!(mask_id_number("510104198807120013"), "5101************13");
        assert_eq!(mask_id_number(" 51010419880712001X "), "5101************1X");
        assert_eq!(mask_id_number("123"), "****");
        assert_eq!(mask_phone("13812345678"), "138****5678");
        assert_eq!(mask_phone("138-1234-5678"), "138****5678");
        assert_eq!(mask_phone("028-8888888"), "028***8888");
        assert_eq!(mask_phone("12"), "****");
        // the middle never survives
        assert!(!mask_id_number("510104198807120013").contains("19880712"));
    }

    #[test]
    fn id_number_check_character() {
        // the standard's example: 11010519491231002X
        assert_eq!(id_number_check("11010519491231002"), Some('X'));
        assert_eq!(id_number_check("44052418800101001"), Some('4'));
        assert_eq!(id_number_check("4405241880010100"), None);
        assert_eq!(id_number_check("4405241880010100A"), None);
    }
}
