//! Unified social credit code (统一社会信用代码), GB 32100-2015.
//!
//! 18 characters from the 31-character set `0-9 A-H J-N P-R T U W-Y`
//! (no I, O, S, V, Z): registration authority (1), organisation type (1),
//! administrative division (6 digits), subject identifier (9), check character (1).
//! The check character makes `Σ value(i)·3^(i) mod 31` complete to a multiple of 31.
use serde::{Deserialize, Serialize};

const CHARSET: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
const WEIGHTS: [u32; 17] = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];

/// Why a string is not a valid credit code; each maps to a message the user sees.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum CreditCodeError {
    /// Empty input.
    Empty,
    /// Not exactly 18 characters.
    Length,
    /// A character outside the GB 32100 set (I, O, S, V, Z, lower-case letters are not used).
    Character { position: usize },
    /// Characters 3–8 must be a 6-digit administrative division code.
    Region,
    /// The 18th character does not match the computed check character.
    CheckCharacter,
}

impl CreditCodeError {
    /// i18n key of the message shown to the user.
    pub fn message_key(self) -> &'static str {
        match self {
            Self::Empty => "credit_code.empty",
            Self::Length => "credit_code.length",
            Self::Character { .. } => "credit_code.character",
            Self::Region => "credit_code.region",
            Self::CheckCharacter => "credit_code.check",
        }
    }
}

fn value(c: u8) -> Option<u32> {
    CHARSET.iter().position(|&x| x == c).map(|p| p as u32)
}

/// The check character for the first 17 characters (which must be valid).
pub fn check_character(first17: &[u8]) -> Option<char> {
    if first17.len() != 17 {
        return None;
    }
    let mut sum = 0u32;
    for (c, w) in first17.iter().zip(WEIGHTS) {
        sum += value(*c)? * w;
    }
    let check = (31 - sum % 31) % 31;
    Some(CHARSET[check as usize] as char)
}

/// Validates a credit code. Surrounding whitespace is ignored and lower-case
/// letters are accepted (people type them); the canonical upper-case form is returned.
pub fn validate(input: &str) -> Result<String, CreditCodeError> {
    let code = input.trim().to_ascii_uppercase();
    if code.is_empty() {
        return Err(CreditCodeError::Empty);
    }
    if code.chars().count() != 18 {
        return Err(CreditCodeError::Length);
    }
    let bytes = code.as_bytes();
    if let Some(position) = bytes.iter().position(|&b| value(b).is_none()) {
        return Err(CreditCodeError::Character { position: position + 1 });
    }
    if !bytes[2..8].iter().all(u8::is_ascii_digit) {
        return Err(CreditCodeError::Region);
    }
    if check_character(&bytes[..17]) != Some(bytes[17] as char) {
        return Err(CreditCodeError::CheckCharacter);
    }
    Ok(code)
}

/// Completes 17 valid characters with their check character (used by the demo
/// data generator and by tests).
pub fn complete(first17: &str) -> Option<String> {
    let c = check_character(first17.as_bytes())?;
    Some(format!("{first17}{c}"))
}

/// Builds a code from parts: registration authority + type (e.g. "91" for a company
/// registered by market regulation, "12" for a public institution), a region code, and a
/// number that becomes the 9-character subject identifier.
pub fn from_parts(authority_and_type: &str, region: &str, serial: u64) -> Option<String> {
    if authority_and_type.len() != 2 || region.len() != 6 {
        return None;
    }
    let mut id = [b'0'; 9];
    let mut n = serial;
    for slot in id.iter_mut().rev() {
        *slot = CHARSET[(n % 31) as usize];
        n /= 31;
    }
    let first17 = format!("{authority_and_type}{region}{}", std::str::from_utf8(&id).ok()?);
    complete(&first17)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn accepts_known_valid_codes() {
        // 91350100M000100Y43 is the standard's worked example.
        assert_eq!(validate("91350100M000100Y43").as_deref(), Ok("91350100M000100Y43"));
        assert_eq!(validate(" 91350100m000100y43 ").as_deref(), Ok("91350100M000100Y43"));
    }

    #[test]
    fn rejects_with_a_specific_reason() {
        assert_eq!(validate(""), Err(CreditCodeError::Empty));
        assert_eq!(validate("   "), Err(CreditCodeError::Empty));
        assert_eq!(validate("91350100M000100Y4"), Err(CreditCodeError::Length));
        assert_eq!(validate("91350100M000100Y433"), Err(CreditCodeError::Length));
        assert_eq!(validate("91350100M0001O0Y43"), Err(CreditCodeError::Character { position: 14 }));
        assert_eq!(validate("9135010AM000100Y43"), Err(CreditCodeError::Region));
        assert_eq!(validate("91350100M000100Y44"), Err(CreditCodeError::CheckCharacter));
        assert_eq!(validate("中中中中中中中中中中中中中中中中中中"), Err(CreditCodeError::Character { position: 1 }));
    }

    #[test]
    fn from_parts_builds_valid_distinct_codes() {
        let a = from_parts("91", "510104", 1).unwrap();
        let b = from_parts("91", "510104", 2).unwrap();
        assert_ne!(a, b);
        assert_eq!(validate(&a).unwrap(), a);
        assert_eq!(&a[2..8], "510104");
        assert!(from_parts("9", "510104", 1).is_none());
    }

    proptest! {
        #[test]
        fn never_panics_on_random_strings(s in "\\PC{0,40}") {
            let _ = validate(&s);
        }

        #[test]
        fn random_ascii_is_accepted_only_with_the_right_check_char(s in "[0-9A-Z]{18}") {
            let ok = validate(&s).is_ok();
            let bytes = s.as_bytes();
            let expect = bytes.iter().all(|&b| value(b).is_some())
                && bytes[2..8].iter().all(u8::is_ascii_digit)
                && check_character(&bytes[..17]) == Some(bytes[17] as char);
            prop_assert_eq!(ok, expect);
        }

        #[test]
        fn every_completed_code_validates_and_one_changed_char_fails(serial in 0u64..10_000_000_000, pos in 0usize..17, delta in 1u32..31) {
            let code = from_parts("91", "510100", serial).unwrap();
            prop_assert!(validate(&code).is_ok());
            // change one character (keeping the region digits digits): the check must catch it
            let mut bytes = code.into_bytes();
            let v = value(bytes[pos]).unwrap();
            let mut nv = (v + delta) % 31;
            if (2..8).contains(&pos) { nv = (v + delta) % 10; if nv == v { nv = (v + 1) % 10; } }
            bytes[pos] = CHARSET[nv as usize];
            let changed = String::from_utf8(bytes).unwrap();
            prop_assert_eq!(validate(&changed), Err(CreditCodeError::CheckCharacter));
        }
    }
}
