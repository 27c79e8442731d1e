//! Money is an integer number of fen (分); never a float.
use serde::{Deserialize, Serialize};
use std::fmt;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Fen(pub i64);

impl Fen {
    pub fn from_yuan(yuan: i64) -> Self {
        Fen(yuan * 100)
    }

    /// `12345678` fen → `"123,456.78"` (yuan with thousands separators).
    pub fn yuan_string(self) -> String {
        let neg = self.0 < 0;
        let abs = self.0.unsigned_abs();
        let (yuan, fen) = (abs / 100, abs % 100);
        let digits = yuan.to_string();
        let mut grouped = String::with_capacity(digits.len() + digits.len() / 3);
        for (i, ch) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i) % 3 == 0 {
                grouped.push(',');
            }
            grouped.push(ch);
        }
        format!("{}{grouped}.{fen:02}", if neg { "-" } else { "" })
    }

    /// Large amounts for headline figures: `"1.23 亿"`, `"4,567.8 万"`, or plain yuan.
    pub fn compact_cn(self) -> String {
        let yuan = self.0 / 100;
        if yuan.abs() >= 100_000_000 {
            format!("{:.2} 亿", self.0 as f64 / 1e10)
        } else if yuan.abs() >= 10_000 {
            format!("{:.1} 万", self.0 as f64 / 1e6)
        } else {
            self.yuan_string()
        }
    }
}

impl fmt::Display for Fen {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "¥{}", self.yuan_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_yuan_with_separators_and_fen() {
        assert_eq!(Fen(0).yuan_string(), "0.00");
        assert_eq!(Fen(5).yuan_string(), "0.05");
        assert_eq!(Fen(123_456_78).yuan_string(), "123,456.78");
        assert_eq!(Fen(100_000_000).yuan_string(), "1,000,000.00");
        assert_eq!(Fen(-1_050).yuan_string(), "-10.50");
        assert_eq!(Fen::from_yuan(12).to_string(), "¥12.00");
    }

    #[test]
    fn compact_uses_wan_and_yi() {
        assert_eq!(Fen::from_yuan(9_999).compact_cn(), "9,999.00");
        assert_eq!(Fen::from_yuan(12_345).compact_cn(), "1.2 万");
        assert_eq!(Fen::from_yuan(123_456_789).compact_cn(), "1.23 亿");
    }
}
