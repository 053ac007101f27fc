//! The tracking code: thirteen characters from a set without look-alikes
//! (no 0/O, 1/I/L), read in any case, shown as `ABCD-EFGH-JKMNP` so that
//! it can be read out over the phone. It carries a whole random `u64`
//! (31 characters to a place, 31¹³ > 2⁶⁴): 64 bits of entropy, not to be
//! guessed even without a rate limit.

use std::fmt;

use crate::text;

const CHARS: &[u8] = b"23456789ABCDEFGHJKMNPQRSTUVWXYZ";
const LENGTH: usize = 13;

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TrackingCode(String);

impl TrackingCode {
    /// The code of a random number (the caller's generator: core does no
    /// I/O). Every `u64` has its own code.
    pub fn from_random(mut value: u64) -> Self {
        let base = CHARS.len() as u64;
        let mut places = [CHARS[0]; LENGTH];
        for place in places.iter_mut().rev() {
            *place = CHARS[(value % base) as usize];
            value /= base;
        }
        Self(places.iter().map(|b| *b as char).collect())
    }

    /// Reads a code as typed: any case, full-width or half-width, spaces
    /// and dashes ignored.
    pub fn parse(input: &str) -> Option<Self> {
        let code = text::typed_code(input);
        (code.len() == LENGTH && code.bytes().all(|b| CHARS.contains(&b))).then_some(Self(code))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for TrackingCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}-{}", &self.0[..4], &self.0[4..8], &self.0[8..])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_code_reads_back_in_any_case_and_carries_64_bits() {
        let code = TrackingCode::from_random(0xDEAD_BEEF_0123_4567);
        let shown = code.to_string();
        assert_eq!(shown.len(), LENGTH + 2);
        assert_eq!(
            TrackingCode::parse(&shown.to_lowercase()),
            Some(code.clone())
        );
        assert_eq!(TrackingCode::parse(&shown.replace('-', " ")), Some(code));
        // The extremes are distinct, and no code has a look-alike.
        let (low, high) = (
            TrackingCode::from_random(0),
            TrackingCode::from_random(u64::MAX),
        );
        assert_ne!(low, high);
        assert!(!high.as_str().contains(['0', 'O', '1', 'I', 'L']));
        assert!((CHARS.len() as f64).powi(LENGTH as i32) >= 2f64.powi(64));
        assert_eq!(TrackingCode::parse("ABCD-EFGH-JKMN0"), None);
        assert_eq!(TrackingCode::parse("ABCD"), None);
    }
}
