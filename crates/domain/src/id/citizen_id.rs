//! 公民身份号码 (citizen identity number), GB 11643-1999
//! 《公民身份号码》: six-digit address code (GB/T 2260 county), eight-digit
//! birth date, three-digit sequence (odd for men, even for women) and one
//! check character computed by ISO 7064 MOD 11-2.

use std::fmt;

use chrono::{Datelike, NaiveDate};

use super::region::is_province_prefix;

/// A valid 18-character citizen identity number. Legacy 15-digit numbers are
/// upgraded on parsing (GB 11643-1999 §7: insert `19` before the two-digit
/// year and append the check character).
///
/// The type deliberately has no `Display`: a full number is personal data
/// and must be shown masked ([`super::mask_citizen_id`]) outside authorised
/// views; [`CitizenId::expose`] names that decision at each use.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct CitizenId(String);

/// Sex as encoded in the sequence code (GB 11643-1999 §5.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sex {
    /// Odd sequence code.
    Male,
    /// Even sequence code.
    Female,
}

/// Why a text is not a valid citizen identity number. Positions are 1-based.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CitizenIdError {
    /// Neither 18 nor (legacy) 15 characters.
    #[error("身份证号码应为18位，实为{found}位")]
    Length {
        /// Number of characters found.
        found: usize,
    },
    /// Not a digit (or `X` in the last position).
    #[error("身份证号码第{position}位字符无效，应为数字{}", if *position == 18 { "或X" } else { "" })]
    Charset {
        /// 1-based position.
        position: usize,
    },
    /// The address code does not start with a province of GB/T 2260.
    #[error("身份证号码前6位地址码无效（省级代码“{found}”不存在）")]
    Region {
        /// The two-digit province prefix found.
        found: String,
    },
    /// Positions 7–14 are not a real date, or lie in the future.
    #[error("身份证号码第7至14位出生日期“{found}”无效")]
    BirthDate {
        /// The eight digits found.
        found: String,
    },
    /// Wrong check character (position 18).
    #[error("身份证号码第18位校验码应为“{expected}”，实为“{found}”")]
    CheckDigit {
        /// Check character computed from positions 1–17.
        expected: char,
        /// Character found.
        found: char,
    },
}

/// Weights 2^(18−i) mod 11 of positions 1–17, GB 11643-1999 §8.2.
const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
/// Check characters indexed by the weighted sum mod 11.
const CHECK: &[u8; 11] = b"10X98765432";

fn check_char(body: &[u8]) -> char {
    let sum: u32 = body.iter().zip(WEIGHTS).map(|(&c, w)| u32::from(c - b'0') * w).sum();
    CHECK[(sum % 11) as usize] as char
}

impl CitizenId {
    /// Parses an 18-character number, or upgrades a 15-digit legacy one.
    /// `today` bounds the birth date (no one is born in the future).
    pub fn parse(input: &str, today: NaiveDate) -> Result<Self, CitizenIdError> {
        let number = super::normalize(input);
        let n_chars = number.chars().count();
        if n_chars != 18 && n_chars != 15 {
            return Err(CitizenIdError::Length { found: n_chars });
        }
        for (idx, c) in number.chars().enumerate() {
            let last_of_18 = n_chars == 18 && idx == 17;
            if !(c.is_ascii_digit() || (last_of_18 && c == 'X')) {
                return Err(CitizenIdError::Charset { position: idx + 1 });
            }
        }
        let number = if n_chars == 15 {
            let mut body = format!("{}19{}", &number[..6], &number[6..]);
            body.push(check_char(body.as_bytes()));
            body
        } else {
            number
        };
        let province = &number[..2];
        if province == "10" || !is_province_prefix(province) {
            return Err(CitizenIdError::Region {
                found: province.to_owned(),
            });
        }
        let birth = &number[6..14];
        let birth_date = NaiveDate::parse_from_str(birth, "%Y%m%d")
            .ok()
            .filter(|date| *date <= today && date.year() >= 1850);
        if birth_date.is_none() {
            return Err(CitizenIdError::BirthDate {
                found: birth.to_owned(),
            });
        }
        let expected = check_char(&number.as_bytes()[..17]);
        let found = number.as_bytes()[17] as char;
        if expected != found {
            return Err(CitizenIdError::CheckDigit { expected, found });
        }
        Ok(Self(number))
    }

    /// The full number. Call only where the viewer may see it (the subject
    /// itself, an authorised purpose) or to encrypt or hash it for storage.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Birth date from positions 7–14.
    pub fn birth_date(&self) -> NaiveDate {
        NaiveDate::parse_from_str(&self.0[6..14], "%Y%m%d").unwrap_or_default()
    }

    /// Sex from the parity of the sequence code (position 17).
    pub fn sex(&self) -> Sex {
        if (self.0.as_bytes()[16] - b'0') % 2 == 1 {
            Sex::Male
        } else {
            Sex::Female
        }
    }

    /// Appends the check character to 17 digits; used by synthetic data and
    /// tests. Returns `None` unless the input is 17 ASCII digits.
    pub fn complete(first17: &str) -> Option<String> {
        if first17.len() != 17 || !first17.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let mut number = first17.to_owned();
        number.push(check_char(first17.as_bytes()));
        Some(number)
    }
}

impl fmt::Debug for CitizenId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CitizenId({})", super::mask_citizen_id(self))
    }
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;
    use rstest::rstest;

    use super::{CitizenId, CitizenIdError, Sex};

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 26).unwrap()
    }

    #[rstest]
    // The standard's own examples.
    #[case("11010519491231002X", NaiveDate::from_ymd_opt(1949, 12, 31), Sex::Female)]
    #[case("440524188001010014", NaiveDate::from_ymd_opt(1880, 1, 1), Sex::Male)]
    #[case("11010519491231002x", NaiveDate::from_ymd_opt(1949, 12, 31), Sex::Female)]
    fn accepts_the_standards_examples(#[case] input: &str, #[case] birth: Option<NaiveDate>, #[case] sex: Sex) {
        let id = CitizenId::parse(input, today()).unwrap();
        assert_eq!(Some(id.birth_date()), birth);
        assert_eq!(id.sex(), sex);
    }

    #[test]
    fn upgrades_legacy_fifteen_digit_numbers() {
        let id = CitizenId::parse("110105491231002", today()).unwrap();
        assert_eq!(id.expose(), "11010519491231002X");
    }

    #[rstest]
    #[case("1101051949123100", CitizenIdError::Length { found: 16 })]
    #[case("1101051949123100X2", CitizenIdError::Charset { position: 17 })]
    #[case("11010519491231002Y", CitizenIdError::Charset { position: 18 })]
    #[case("990105194912310026", CitizenIdError::Region { found: "99".into() })]
    #[case("100105194912310026", CitizenIdError::Region { found: "10".into() })]
    #[case("110105194902300026", CitizenIdError::BirthDate { found: "19490230".into() })]
    #[case("110105203001010026", CitizenIdError::BirthDate { found: "20300101".into() })]
    #[case("110105194912310021", CitizenIdError::CheckDigit { expected: 'X', found: '1' })]
    fn rejects_with_a_precise_reason(#[case] input: &str, #[case] expected: CitizenIdError) {
        assert_eq!(CitizenId::parse(input, today()), Err(expected));
    }

    #[test]
    fn debug_output_is_masked() {
        let id = CitizenId::parse("11010519491231002X", today()).unwrap();
        assert!(!format!("{id:?}").contains("19491231"));
    }
}
