//! 组织机构代码 (organisation code), GB 11714-1997: an eight-character body
//! of digits and capital letters followed by one check character.

use std::fmt;

/// A valid GB 11714 organisation code, stored without the hyphen that is
/// often printed before the check character (`19231745-8`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct OrgCode(String);

/// Why a text is not a valid organisation code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OrgCodeError {
    /// Not nine characters (after removing one hyphen before the check character).
    #[error("组织机构代码应为9位，实为{found}位")]
    Length {
        /// Number of characters found.
        found: usize,
    },
    /// A character that is neither a digit nor a capital letter (the check
    /// character may also be `X`).
    #[error("组织机构代码第{position}位字符“{found}”无效")]
    Charset {
        /// 1-based position.
        position: usize,
        /// The offending character.
        found: char,
    },
    /// Wrong check character (position 9).
    #[error("组织机构代码第9位校验码应为“{expected}”，实为“{found}”")]
    CheckDigit {
        /// Check character computed from positions 1–8.
        expected: char,
        /// Character found.
        found: char,
    },
}

/// Weights of positions 1–8, GB 11714-1997 §5.
const WEIGHTS: [u32; 8] = [3, 7, 9, 10, 5, 8, 4, 2];

/// The check character for an eight-byte body of `0-9A-Z`: 11 − (Σ mod 11),
/// where 10 is written `X` and 11 is written `0`.
pub(super) fn check_char(body: &[u8]) -> char {
    let sum: u32 = body
        .iter()
        .zip(WEIGHTS)
        .map(|(&c, w)| {
            let value = match c {
                b'0'..=b'9' => u32::from(c - b'0'),
                b'A'..=b'Z' => u32::from(c - b'A') + 10,
                _ => 0,
            };
            value * w
        })
        .sum();
    match 11 - sum % 11 {
        10 => 'X',
        11 => '0',
        digit => char::from_digit(digit, 10).unwrap_or('0'),
    }
}

impl OrgCode {
    /// Parses an organisation code, with or without the hyphen before the
    /// check character.
    pub fn parse(input: &str) -> Result<Self, OrgCodeError> {
        let mut code = super::normalize(input);
        // The ninth character, counted in characters: the input may be anything.
        if code.chars().count() == 10
            && let Some((at, '-')) = code.char_indices().nth(8)
        {
            code.remove(at);
        }
        let n_chars = code.chars().count();
        if n_chars != 9 {
            return Err(OrgCodeError::Length { found: n_chars });
        }
        for (idx, c) in code.chars().enumerate() {
            let valid = c.is_ascii_digit() || c.is_ascii_uppercase();
            if !valid || (idx == 8 && c.is_ascii_uppercase() && c != 'X') {
                return Err(OrgCodeError::Charset {
                    position: idx + 1,
                    found: c,
                });
            }
        }
        let expected = check_char(&code.as_bytes()[..8]);
        let found = code.as_bytes()[8] as char;
        if expected != found {
            return Err(OrgCodeError::CheckDigit { expected, found });
        }
        Ok(Self(code))
    }

    /// Appends the check character to an eight-character body of digits and
    /// capital letters; used by synthetic data and tests.
    pub fn complete(body: &str) -> Option<String> {
        if body.len() != 8 || !body.bytes().all(|b| b.is_ascii_digit() || b.is_ascii_uppercase()) {
            return None;
        }
        let mut code = body.to_owned();
        code.push(check_char(body.as_bytes()));
        Some(code)
    }

    /// The nine characters.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for OrgCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use rstest::rstest;

    use super::{OrgCode, OrgCodeError};

    #[rstest]
    #[case("192317458", "192317458")]
    #[case("19231745-8", "192317458")]
    #[case("MA2PBMCG0", "MA2PBMCG0")]
    #[case("711771143", "711771143")]
    fn accepts(#[case] input: &str, #[case] stored: &str) {
        assert_eq!(OrgCode::parse(input).unwrap().as_str(), stored);
    }

    #[rstest]
    #[case("19231745", OrgCodeError::Length { found: 8 })]
    #[case("1923174_8", OrgCodeError::Charset { position: 8, found: '_' })]
    #[case("19231745A", OrgCodeError::Charset { position: 9, found: 'A' })]
    #[case("192317459", OrgCodeError::CheckDigit { expected: '8', found: '9' })]
    // Multi-byte characters before a hyphen in ninth place (found by the fuzz test).
    #[case("Ⱥ𑩦মA𑍐ᝧ`\\-P", OrgCodeError::Charset { position: 1, found: 'Ⱥ' })]
    fn rejects(#[case] input: &str, #[case] expected: OrgCodeError) {
        assert_eq!(OrgCode::parse(input), Err(expected));
    }
}
