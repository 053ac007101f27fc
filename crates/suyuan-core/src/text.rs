//! Small helpers for text that people type.

use thiserror::Error;

/// Why a text someone typed was refused, naming the field.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum TextError {
    #[error("{field}: write something")]
    Empty { field: &'static str },
    #[error("{field}: at most {limit} characters")]
    TooLong { field: &'static str, limit: usize },
}

/// `input` trimmed, refused when it is empty or longer than `limit`
/// characters.
pub fn required(field: &'static str, input: &str, limit: usize) -> Result<String, TextError> {
    let value = bounded(field, input, limit)?;
    if value.is_empty() {
        return Err(TextError::Empty { field });
    }
    Ok(value)
}

/// `input` trimmed, refused when it is longer than `limit` characters.
pub fn bounded(field: &'static str, input: &str, limit: usize) -> Result<String, TextError> {
    let value = input.trim();
    if value.chars().count() > limit {
        return Err(TextError::TooLong { field, limit });
    }
    Ok(value.to_owned())
}

/// Trims and collapses inner runs of whitespace (including the full-width
/// space U+3000, common in Chinese input) into one ASCII space.
pub fn tidy(input: &str) -> String {
    input.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Whether a character is written as Chinese (CJK ideographs, their
/// extensions and compatibility forms, and 〇).
pub fn is_chinese(c: char) -> bool {
    matches!(c as u32,
        0x3007 | 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0x20000..=0x3134F)
}

/// A code as typed (a booking's, a request's): half-width, upper case,
/// without the spaces and dashes people put in to read it out.
pub fn typed_code(input: &str) -> String {
    half_width(input)
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

/// Full-width ASCII variants (Ａ１－) typed on Chinese keyboards become their
/// half-width forms; everything else is kept.
pub fn half_width(input: &str) -> String {
    input
        .chars()
        .map(|c| match c {
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            '\u{3000}' => ' ',
            _ => c,
        })
        .collect()
}

/// A phone number as typed: half-width, without spaces; digits with a
/// leading + or inner dashes kept, 7 to 15 digits. Refused, it comes back
/// as cleaned, for the message.
pub fn phone_number(input: &str) -> Result<String, String> {
    let phone = half_width(input).trim().replace([' ', '\u{3000}'], "");
    let digits = phone.chars().filter(char::is_ascii_digit).count();
    let shaped = phone
        .chars()
        .enumerate()
        .all(|(i, c)| c.is_ascii_digit() || c == '-' || (i == 0 && c == '+'));
    if shaped && (7..=15).contains(&digits) && phone.len() <= 24 {
        Ok(phone)
    } else {
        Err(phone)
    }
}

/// An e-mail address as typed, or none when left empty: something@host.tld
/// without spaces. Refused, it comes back as cleaned, for the message.
pub fn email_address(input: &str) -> Result<Option<String>, String> {
    let email = half_width(input).trim().to_owned();
    match email.split_once('@') {
        _ if email.is_empty() => Ok(None),
        Some((user, host))
            if !user.is_empty()
                && host.contains('.')
                && !host.starts_with('.')
                && !host.ends_with('.')
                && email.len() <= 120
                && !email.contains(char::is_whitespace) =>
        {
            Ok(Some(email))
        }
        _ => Err(email),
    }
}

/// The character a predefined XML entity (`&amp;` …) stands for.
pub(crate) fn xml_entity(name: &str) -> Option<char> {
    match name {
        "amp" => Some('&'),
        "lt" => Some('<'),
        "gt" => Some('>'),
        "quot" => Some('"'),
        "apos" => Some('\''),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tidies_whitespace_of_both_widths() {
        assert_eq!(tidy("  西湖区\u{3000} 党委 "), "西湖区 党委");
    }

    #[test]
    fn folds_full_width_ascii() {
        assert_eq!(half_width("ＡＢ－１２３"), "AB-123");
        assert_eq!(half_width("杭州"), "杭州");
    }
}
