//! 统一社会信用代码 (unified social credit code), GB 32100-2015
//! 《法人和其他组织统一社会信用代码编码规则》, with amendment XG1-2016.
//!
//! Eighteen characters from a 31-symbol set (the digits and the capital
//! letters except I, O, S, V and Z):
//!
//! | position | part |
//! |---|---|
//! | 1 | 登记管理部门码 (registration authority) |
//! | 2 | 机构类别码 (category within that authority) |
//! | 3–8 | 登记管理机关行政区划码 (GB/T 2260 code of the registering office) |
//! | 9–17 | 主体标识码: a GB 11714 organisation code, its last character a check character |
//! | 18 | 校验码, GB 32100-2015 §4.3 |

use std::fmt;

use super::org_code;
use super::region::is_province_prefix;

/// A unified social credit code whose structure and check characters are
/// valid (or which the credit office allow-listed knowingly, see
/// [`super::IdPolicy`]).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Uscc(String);

/// Why a text is not a valid unified social credit code. Positions are
/// 1-based, as a clerk counts them.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UsccError {
    /// The code is not 18 characters long.
    #[error("统一社会信用代码应为18位，实为{found}位")]
    Length {
        /// Number of characters found.
        found: usize,
    },
    /// A character outside the GB 32100 character set (I, O, S, V, Z are never used).
    #[error("第{position}位字符“{found}”不是统一社会信用代码允许的字符（不使用I、O、S、V、Z）")]
    Charset {
        /// 1-based position.
        position: usize,
        /// The offending character.
        found: char,
    },
    /// Position 1 is not a known 登记管理部门码.
    #[error("第1位登记管理部门码“{found}”不存在")]
    Authority {
        /// The character found.
        found: char,
    },
    /// Position 2 is not a category of the authority in position 1.
    #[error("第2位机构类别码“{found}”不属于登记管理部门“{authority}”")]
    Category {
        /// Registration authority (position 1).
        authority: char,
        /// The character found in position 2.
        found: char,
    },
    /// Positions 3–8 are not a GB/T 2260 administrative division code.
    #[error("第3至8位登记管理机关行政区划码“{found}”无效")]
    Region {
        /// The six characters found.
        found: String,
    },
    /// The embedded GB 11714 organisation code has a wrong check character (position 17).
    #[error("第17位组织机构代码校验码应为“{expected}”，实为“{found}”")]
    OrgCodeCheck {
        /// Check character computed from positions 9–16.
        expected: char,
        /// Character found at position 17.
        found: char,
    },
    /// The GB 32100 check character (position 18) is wrong.
    #[error("第18位校验码应为“{expected}”，实为“{found}”")]
    CheckDigit {
        /// Check character computed from positions 1–17.
        expected: char,
        /// Character found at position 18.
        found: char,
    },
}

/// The 31 code characters in value order, GB 32100-2015 Table 1.
const CHARSET: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";

/// Weights of positions 1–17: 3^(i−1) mod 31, GB 32100-2015 §4.3.
const WEIGHTS: [u32; 17] = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];

/// Registration authorities and their category codes.
///
/// 1, 5, 9 and Y come from GB 32100-2015 itself; the others were added by the
/// code administration (CODS) later and are taken from widely used
/// implementations. Categories the office meets in real data but that are not
/// listed here can be added through [`super::IdPolicy`] configuration.
const CATEGORIES: &[(u8, &[u8])] = &[
    (b'1', b"1239"),   // 机构编制: 机关, 事业单位, 群众团体, 其他
    (b'2', b"19"),     // 外交
    (b'3', b"123459"), // 司法行政
    (b'4', b"19"),     // 文化
    (b'5', b"123459"), // 民政: 社会团体, 民办非企业单位, 基金会, 村委会, 居委会, 其他
    (b'6', b"129"),    // 旅游
    (b'7', b"129"),    // 宗教
    (b'8', b"129"),    // 工会
    (b'9', b"123"),    // 工商 / 市场监管: 企业, 个体工商户, 农民专业合作社
    (b'A', b"19"),     // 中央军委改革和编制办公室
    (b'G', b"19"),     // 公安 (境外非政府组织代表机构)
    (b'J', b"19"),     // 住房城乡建设 (业主大会)
    (b'N', b"1239"),   // 农业农村 (农村集体经济组织)
    (b'Q', b"19"),     // 侨联
    (b'Y', b"1"),      // 其他
];

pub(super) fn value_of(byte: u8) -> Option<u32> {
    CHARSET.iter().position(|&c| c == byte).map(|i| i as u32)
}

/// The GB 32100 check character for the first 17 characters of `code`,
/// which must already be in the character set.
fn check_char(code: &[u8]) -> char {
    let sum: u32 = code[..17]
        .iter()
        .zip(WEIGHTS)
        .map(|(&c, w)| value_of(c).unwrap_or(0) * w)
        .sum();
    // The outer `% 31` maps a remainder of 0 to '0' rather than to an index past the set.
    CHARSET[((31 - sum % 31) % 31) as usize] as char
}

impl Uscc {
    /// Parses a code with the built-in category table and no allow-list.
    /// Use [`super::IdPolicy::parse_uscc`] where configuration applies.
    pub fn parse(input: &str) -> Result<Self, UsccError> {
        Self::parse_with(input, &[])
    }

    /// Parses a code, accepting the extra `(authority, category)` pairs that
    /// configuration adds to the built-in table.
    pub(super) fn parse_with(input: &str, extra_categories: &[(char, char)]) -> Result<Self, UsccError> {
        let code = super::normalize(input);
        let n_chars = code.chars().count();
        if n_chars != 18 {
            return Err(UsccError::Length { found: n_chars });
        }
        if let Some((idx, found)) = code
            .chars()
            .enumerate()
            .find(|&(_, c)| !c.is_ascii() || value_of(c as u8).is_none())
        {
            return Err(UsccError::Charset {
                position: idx + 1,
                found,
            });
        }
        let bytes = code.as_bytes();
        let (authority, category) = (bytes[0] as char, bytes[1] as char);
        let extra = |a: char| extra_categories.iter().filter(move |(ea, _)| *ea == a);
        let known_authority = CATEGORIES.iter().find(|(a, _)| *a == bytes[0]);
        if known_authority.is_none() && extra(authority).next().is_none() {
            return Err(UsccError::Authority { found: authority });
        }
        let known_category = known_authority.is_some_and(|(_, cats)| cats.contains(&bytes[1]))
            || extra(authority).any(|&(_, c)| c == category);
        if !known_category {
            return Err(UsccError::Category {
                authority,
                found: category,
            });
        }
        let region = &code[2..8];
        if !region.bytes().all(|b| b.is_ascii_digit()) || !is_province_prefix(&region[..2]) {
            return Err(UsccError::Region {
                found: region.to_owned(),
            });
        }
        let org_expected = org_code::check_char(&bytes[8..16]);
        if org_expected != bytes[16] as char {
            return Err(UsccError::OrgCodeCheck {
                expected: org_expected,
                found: bytes[16] as char,
            });
        }
        let expected = check_char(bytes);
        if expected != bytes[17] as char {
            return Err(UsccError::CheckDigit {
                expected,
                found: bytes[17] as char,
            });
        }
        Ok(Self(code))
    }

    /// Builds a code that failed only a check character but is allow-listed.
    pub(super) fn allow_listed(normalized: String) -> Self {
        Self(normalized)
    }

    /// The 18 characters.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// 登记管理部门码 and 机构类别码, e.g. `"92"` for a 个体工商户.
    pub fn category(&self) -> &str {
        &self.0[..2]
    }

    /// Whether the code was issued to a 个体工商户 (市场监管, category 2).
    pub fn is_individual_business(&self) -> bool {
        self.category() == "92"
    }

    /// The GB/T 2260 code of the registering office (positions 3–8).
    pub fn region(&self) -> &str {
        &self.0[2..8]
    }

    /// The embedded GB 11714 organisation code (positions 9–17).
    pub fn org_code(&self) -> &str {
        &self.0[8..17]
    }

    /// Appends the GB 32100 check character to 17 valid characters; used by
    /// synthetic data and tests. Returns `None` if a character is outside the set.
    pub fn complete(first17: &str) -> Option<String> {
        let bytes = first17.as_bytes();
        if bytes.len() != 17 || bytes.iter().any(|&b| value_of(b).is_none()) {
            return None;
        }
        let mut code = first17.to_owned();
        code.push(check_char(bytes));
        Some(code)
    }
}

impl fmt::Display for Uscc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use rstest::rstest;

    use super::{Uscc, UsccError, WEIGHTS, check_char, value_of};

    #[rstest]
    #[case("91340000711771143J")] // 科大讯飞
    #[case("91520000214434146R")]
    #[case("91440300100012316L")]
    #[case("91440300192317458F")]
    #[case("91110000101623741K")]
    #[case("914403001922038216")]
    #[case("91440300708461136T")]
    #[case("92340603MA2PBMCG0U")] // 个体工商户 in 淮北
    #[case("121200004013590816")] // 事业单位, all digits
    #[case("12440600MB2C07549J")]
    #[case(" 91340000711771143j ")]
    fn accepts_real_codes(#[case] code: &str) {
        assert!(Uscc::parse(code).is_ok(), "{code}: {:?}", Uscc::parse(code));
    }

    #[rstest]
    #[case("9134000071177114", UsccError::Length { found: 16 })]
    #[case("91340000711771143", UsccError::Length { found: 17 })]
    #[case("9134000071177I143J", UsccError::Charset { position: 14, found: 'I' })]
    #[case("9134000071177发143J", UsccError::Charset { position: 14, found: '发' })]
    #[case("B1340000711771143J", UsccError::Authority { found: 'B' })]
    #[case("97340000711771143J", UsccError::Category { authority: '9', found: '7' })]
    #[case("91990000711771143J", UsccError::Region { found: "990000".into() })]
    #[case("91340000711771142J", UsccError::OrgCodeCheck { expected: '3', found: '2' })]
    #[case("91340000711771143K", UsccError::CheckDigit { expected: 'J', found: 'K' })]
    // Real Xiamen codes issued before 2016 that fail only the final check (hutool #4119, #2020).
    #[case("91350203M0001QKT19", UsccError::CheckDigit { expected: 'F', found: '9' })]
    #[case("91350203M0001FUE2P", UsccError::CheckDigit { expected: 'J', found: 'P' })]
    fn rejects_with_a_precise_reason(#[case] code: &str, #[case] expected: UsccError) {
        assert_eq!(Uscc::parse(code), Err(expected));
    }

    #[test]
    fn remainder_zero_maps_to_zero_not_past_the_set() {
        let mut n_zero_sums = 0;
        for n in 0..2000 {
            let body = format!("91340600{n:04}00000");
            let sum: u32 = body.bytes().zip(WEIGHTS).map(|(c, w)| value_of(c).unwrap() * w).sum();
            if sum.is_multiple_of(31) {
                n_zero_sums += 1;
                assert_eq!(check_char(body.as_bytes()), '0', "{body}");
            }
        }
        assert!(n_zero_sums > 0);
    }

    #[test]
    fn messages_are_chinese_and_name_the_position() {
        let error = Uscc::parse("91340000711771143K").unwrap_err();
        assert_eq!(error.to_string(), "第18位校验码应为“J”，实为“K”");
    }

    #[test]
    fn accessors() {
        let code = Uscc::parse("92340603MA2PBMCG0U").unwrap();
        assert!(code.is_individual_business());
        assert_eq!(code.region(), "340603");
        assert_eq!(code.org_code(), "MA2PBMCG0");
    }
}
