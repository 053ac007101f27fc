//! The second step of an admin's sign-in: a six-digit code from an
//! authenticator app (TOTP, RFC 6238: SHA-1, 30-second steps, the step
//! before and after accepted for a phone's clock), or one of ten recovery
//! codes, each good once, for the day the phone is lost.

use chrono::{DateTime, Utc};
use rand::Rng;
use thiserror::Error;
use totp_rs::{Algorithm, TOTP};

/// Seconds a code lasts.
const STEP: u64 = 30;
const DIGITS: usize = 6;
/// Bytes of an authenticator secret: 160 bits, as RFC 4226 recommends.
pub const SECRET_BYTES: usize = 20;
/// Recovery codes given at once.
pub const RECOVERY_CODES: usize = 10;
/// Letters and digits a recovery code is made of: no 0/o, 1/l/i to misread.
const RECOVERY_ALPHABET: &[u8] = b"23456789abcdefghjkmnpqrstuvwxyz";
const RECOVERY_LENGTH: usize = 10;

/// Why a code was not taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum CodeError {
    #[error("that code is not right, or has expired: type the six digits your app shows now")]
    Wrong,
    #[error("that code was used already: wait for the next one your app shows")]
    Used,
}

/// An authenticator app's shared secret.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(Vec<u8>);

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(***)")
    }
}

impl Secret {
    /// A secret of random bytes (the caller draws them from the
    /// operating system's generator).
    pub fn from_random(bytes: [u8; SECRET_BYTES]) -> Self {
        Self(bytes.to_vec())
    }

    /// The secret as it is stored and typed into an app by hand (base32).
    pub fn encoded(&self) -> String {
        totp_rs::Secret::Raw(self.0.clone())
            .to_encoded()
            .to_string()
    }

    pub fn decode(stored: &str) -> Option<Self> {
        let bytes = totp_rs::Secret::Encoded(stored.to_owned())
            .to_bytes()
            .ok()?;
        (bytes.len() == SECRET_BYTES).then_some(Self(bytes))
    }

    fn totp(&self, issuer: Option<&str>, account: &str) -> Option<TOTP> {
        // The app shows `issuer (account)`; a colon would split it wrongly.
        let clean = |s: &str| s.replace(':', " ");
        TOTP::new(
            Algorithm::SHA1,
            DIGITS,
            1,
            STEP,
            self.0.clone(),
            issuer.map(clean),
            clean(account),
        )
        .ok()
    }

    /// The `otpauth://` address an app reads from a QR code.
    pub fn address(&self, issuer: &str, account: &str) -> String {
        self.totp(Some(issuer), account)
            .map(|totp| totp.get_url())
            .unwrap_or_default()
    }

    /// The code an app shows at `at` (for tests and the demo's own checks).
    pub fn code_at(&self, at: DateTime<Utc>) -> String {
        self.totp(None, "code")
            .map(|totp| totp.generate(unix(at)))
            .unwrap_or_default()
    }

    /// Takes a typed code at `now`, and gives the step it belongs to,
    /// which the caller keeps: a code of that step or an earlier one is
    /// never taken again, so a code seen over a shoulder is spent.
    pub fn accept(
        &self,
        typed: &str,
        now: DateTime<Utc>,
        last_used: Option<i64>,
    ) -> Result<i64, CodeError> {
        let typed: String = crate::text::half_width(typed)
            .chars()
            .filter(char::is_ascii_digit)
            .collect();
        if typed.len() != DIGITS {
            return Err(CodeError::Wrong);
        }
        let Some(totp) = self.totp(None, "code") else {
            return Err(CodeError::Wrong);
        };
        let current = step_of(now);
        let matched = [current - 1, current, current + 1]
            .into_iter()
            .find(|step| {
                let at = u64::try_from(*step).unwrap_or_default() * STEP;
                constant_time_equal(totp.generate(at).as_bytes(), typed.as_bytes())
            })
            .ok_or(CodeError::Wrong)?;
        if last_used.is_some_and(|last| matched <= last) {
            return Err(CodeError::Used);
        }
        Ok(matched)
    }
}

fn unix(at: DateTime<Utc>) -> u64 {
    u64::try_from(at.timestamp()).unwrap_or_default()
}

fn step_of(at: DateTime<Utc>) -> i64 {
    at.timestamp().div_euclid(STEP as i64)
}

fn constant_time_equal(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// A recovery code as the person is shown it: `abcde-fghjk`.
#[derive(Clone, PartialEq, Eq)]
pub struct RecoveryCode(String);

impl std::fmt::Debug for RecoveryCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RecoveryCode(***)")
    }
}

impl RecoveryCode {
    /// A fresh set of recovery codes.
    pub fn generate_set(rng: &mut impl Rng) -> Vec<Self> {
        (0..RECOVERY_CODES)
            .map(|_| {
                let letters: String = (0..RECOVERY_LENGTH)
                    .map(|_| {
                        char::from(RECOVERY_ALPHABET[rng.random_range(0..RECOVERY_ALPHABET.len())])
                    })
                    .collect();
                Self(letters)
            })
            .collect()
    }

    /// A code as typed, whatever its case, spaces or dashes; `None` when
    /// it cannot be one (a six-digit app code, say).
    pub fn parse(typed: &str) -> Option<Self> {
        let letters: String = crate::text::half_width(typed)
            .chars()
            .filter(|c| c.is_ascii_alphanumeric())
            .map(|c| c.to_ascii_lowercase())
            .collect();
        (letters.len() == RECOVERY_LENGTH
            && letters.bytes().all(|b| RECOVERY_ALPHABET.contains(&b)))
        .then_some(Self(letters))
    }

    /// As the person is shown it, in two halves.
    pub fn shown(&self) -> String {
        let (first, second) = self.0.split_at(RECOVERY_LENGTH / 2);
        format!("{first}-{second}")
    }

    /// What is kept of it: its SHA-256 (the code has 49 bits drawn at
    /// random, so a slow hash would add nothing a lookup does not).
    pub fn digest(&self) -> String {
        use sha2::{Digest, Sha256};
        Sha256::digest(self.0.as_bytes())
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use rand::SeedableRng;

    fn at(seconds: i64) -> DateTime<Utc> {
        Utc.timestamp_opt(seconds, 0).single().expect("time")
    }

    /// RFC 6238's own test vector (its SHA-1 secret), cut to six digits.
    #[test]
    fn codes_agree_with_the_rfc() {
        let secret = Secret(b"12345678901234567890".to_vec());
        assert_eq!(secret.code_at(at(59)), "287082");
        assert_eq!(secret.code_at(at(1_111_111_109)), "081804");
        assert_eq!(secret.code_at(at(2_000_000_000)), "279037");
    }

    #[test]
    fn a_code_is_taken_within_a_step_either_side_and_never_twice() {
        let secret = Secret::from_random([7; SECRET_BYTES]);
        let now = at(1_800_000_000);
        let code = secret.code_at(now);
        let step = secret.accept(&code, now, None).expect("the code now");
        assert_eq!(secret.accept(&code, now, Some(step)), Err(CodeError::Used));
        // A phone half a minute out is still believed.
        let late = secret.code_at(now - chrono::Duration::seconds(30));
        assert_eq!(secret.accept(&late, now, None), Ok(step - 1));
        assert_eq!(secret.accept(&late, now, Some(step)), Err(CodeError::Used));
        let old = secret.code_at(now - chrono::Duration::seconds(90));
        assert_eq!(secret.accept(&old, now, None), Err(CodeError::Wrong));
        // Typed with spaces or full-width digits, it is the same code.
        let spaced = format!("{} {}", &code[..3], &code[3..]);
        assert_eq!(secret.accept(&spaced, now, None), Ok(step));
        assert_eq!(secret.accept("12345", now, None), Err(CodeError::Wrong));
    }

    #[test]
    fn a_secret_is_stored_and_read_back() {
        let secret = Secret::from_random([1; SECRET_BYTES]);
        assert_eq!(Secret::decode(&secret.encoded()), Some(secret.clone()));
        assert_eq!(Secret::decode("not base32!"), None);
        let address = secret.address("溯源", "zj-admin");
        assert!(address.starts_with("otpauth://totp/"), "{address}");
        assert!(
            address.contains(&format!("secret={}", secret.encoded())),
            "{address}"
        );
    }

    #[test]
    fn recovery_codes_read_back_however_they_are_typed() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(3);
        let codes = RecoveryCode::generate_set(&mut rng);
        assert_eq!(codes.len(), RECOVERY_CODES);
        let shown = codes[0].shown();
        assert_eq!(RecoveryCode::parse(&shown), Some(codes[0].clone()));
        assert_eq!(
            RecoveryCode::parse(&shown.to_uppercase().replace('-', " ")),
            Some(codes[0].clone())
        );
        assert_eq!(RecoveryCode::parse("123456"), None);
        assert_ne!(codes[0].digest(), codes[1].digest());
    }
}
