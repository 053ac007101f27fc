//! The unified social credit code (统一社会信用代码) of an organization,
//! GB 32100-2015: eighteen characters from a set of 31 (digits and capital
//! letters without I, O, Z, S and V), the last a check character over the
//! seventeen before it.

use std::fmt;
use thiserror::Error;

/// The characters a code is written in, each standing for its index.
const CHARSET: &str = "0123456789ABCDEFGHJKLMNPQRTUWXY";

/// The weight of each of the first seventeen characters: 3^i mod 31.
const WEIGHTS: [u32; 17] = [
    1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
];

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum CreditCodeError {
    #[error("credit_code: a unified social credit code has 18 characters, not {0}")]
    Length(usize),
    #[error("credit_code: {0:?} is not used in a unified social credit code (no I, O, Z, S or V)")]
    Character(char),
    #[error(
        "credit_code: the last character should be {expected}, not {given}: a character is mistyped"
    )]
    Check { expected: char, given: char },
}

/// An organization's unified social credit code, checked.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CreditCode(String);

impl CreditCode {
    /// Reads a code as people type it: spaces ignored, lower case taken
    /// as upper case.
    pub fn parse(input: &str) -> Result<Self, CreditCodeError> {
        let code: String = input
            .chars()
            .filter(|c| !c.is_whitespace())
            .map(|c| c.to_ascii_uppercase())
            .collect();
        let length = code.chars().count();
        if length != 18 {
            return Err(CreditCodeError::Length(length));
        }
        let mut values = Vec::with_capacity(18);
        for c in code.chars() {
            let value = CHARSET.find(c).ok_or(CreditCodeError::Character(c))?;
            values.push(value as u32);
        }
        let sum: u32 = values.iter().zip(WEIGHTS).map(|(v, w)| v * w).sum();
        let expected = CHARSET
            .chars()
            .nth(((31 - sum % 31) % 31) as usize)
            .unwrap_or('0');
        let given = code.chars().last().unwrap_or('0');
        if expected != given {
            return Err(CreditCodeError::Check { expected, given });
        }
        Ok(Self(code))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// What kind of organization registered it, from its first two
    /// characters: the registering authority and the kind it registers.
    pub fn kind(&self) -> OrgKind {
        match &self.0.as_bytes()[..2] {
            b"11" => OrgKind::Agency,
            b"12" => OrgKind::Institution,
            [b'9', _] | [b'N', b'3'] => OrgKind::Enterprise,
            [b'5' | b'8', _] | b"13" => OrgKind::SocialOrganization,
            _ => OrgKind::Other,
        }
    }
}

/// The kinds of organization a site's figures count groups by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum OrgKind {
    /// 机关: government and Party agencies.
    Agency,
    /// 事业单位: schools, hospitals, institutes.
    Institution,
    /// 企业: companies, sole traders, cooperatives.
    Enterprise,
    /// 社会组织: associations, foundations, trade unions.
    SocialOrganization,
    /// A unit of our own tree (党组织).
    PartyOrganization,
    Other,
}

impl OrgKind {
    pub const ALL: [OrgKind; 6] = [
        OrgKind::Agency,
        OrgKind::Institution,
        OrgKind::Enterprise,
        OrgKind::SocialOrganization,
        OrgKind::PartyOrganization,
        OrgKind::Other,
    ];

    pub fn code(self) -> &'static str {
        match self {
            OrgKind::Agency => "agency",
            OrgKind::Institution => "institution",
            OrgKind::Enterprise => "enterprise",
            OrgKind::SocialOrganization => "social",
            OrgKind::PartyOrganization => "party",
            OrgKind::Other => "other",
        }
    }

    pub fn parse(code: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|kind| kind.code() == code.trim())
    }
}

impl fmt::Display for CreditCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn published_codes_pass_and_a_mistyped_character_is_caught() {
        // Codes organizations print on their licences.
        for code in [
            "914403001922038216",
            "91110000802100433B",
            " 91440300 1922038216 ",
        ] {
            assert!(CreditCode::parse(code).is_ok(), "{code}");
        }
        assert_eq!(
            CreditCode::parse("914403001922038216").map(|c| c.to_string()),
            Ok("914403001922038216".to_owned())
        );
        // One digit changed: the check character no longer fits.
        assert_eq!(
            CreditCode::parse("914403001922038316"),
            Err(CreditCodeError::Check {
                expected: '7',
                given: '6'
            })
        );
        assert_eq!(
            CreditCode::parse("91440300192203821"),
            Err(CreditCodeError::Length(17))
        );
        assert_eq!(
            CreditCode::parse("9144030019220382I6"),
            Err(CreditCodeError::Character('I'))
        );
        // Lower case is read as capitals.
        assert!(CreditCode::parse("91110000802100433b").is_ok());
    }

    #[test]
    fn the_first_two_characters_say_what_kind_of_organization() {
        let kind = |code: &str| CreditCode::parse(code).map(|c| c.kind());
        assert_eq!(kind("914403001922038216"), Ok(OrgKind::Enterprise));
        let with_check = |body: &str| {
            CHARSET
                .chars()
                .map(|c| format!("{body}{c}"))
                .find(|code| CreditCode::parse(code).is_ok())
                .expect("a check character fits")
        };
        assert_eq!(kind(&with_check("11330100002498765")), Ok(OrgKind::Agency));
        assert_eq!(
            kind(&with_check("12330100470000123")),
            Ok(OrgKind::Institution)
        );
        assert_eq!(
            kind(&with_check("51330000MJ8800001")),
            Ok(OrgKind::SocialOrganization)
        );
    }

    #[test]
    fn every_check_character_is_one_of_the_set() {
        // Whatever the first seventeen, the check is one of the 31.
        for seed in 0..2000u32 {
            let body: String = (0..17)
                .map(|i| {
                    CHARSET
                        .chars()
                        .nth(((seed * 7 + i * 13) % 31) as usize)
                        .unwrap_or('0')
                })
                .collect();
            let found = CHARSET
                .chars()
                .filter(|c| CreditCode::parse(&format!("{body}{c}")).is_ok())
                .count();
            assert_eq!(found, 1, "exactly one check character fits {body}");
        }
    }
}
