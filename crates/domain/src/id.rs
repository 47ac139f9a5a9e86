//! Identifiers of credit subjects, parsed once at the edge into types that
//! cannot hold an invalid value.
//!
//! - [`Uscc`]: 统一社会信用代码, GB 32100-2015.
//! - [`OrgCode`]: 组织机构代码, GB 11714-1997 (also embedded in every USCC).
//! - [`CitizenId`]: 公民身份号码, GB 11643-1999.
//!
//! Every parser normalises the input the way clerks type it (surrounding
//! blanks, full-width characters, lower case) and then either returns the
//! typed value or an error that names the position and, for check
//! characters, the expected and the found character.

mod citizen_id;
mod mask;
mod org_code;
mod policy;
mod region;
mod uscc;

pub use citizen_id::{CitizenId, CitizenIdError, Sex};
pub use mask::{
    contains_citizen_id, mask_citizen_id, mask_embedded_identifiers, mask_embedded_identifiers_except, mask_identifier,
    mask_person_name,
};
pub use org_code::{OrgCode, OrgCodeError};
pub use policy::{IdKind, IdPolicy, IdVerdict};
pub use uscc::{Uscc, UsccError};

/// Normalises an identifier as typed by a person: trims blanks (including
/// the ideographic space), maps full-width ASCII to half-width and upper-cases
/// letters. Positions in error messages refer to the normalised text.
pub fn normalize(input: &str) -> String {
    input
        .trim_matches(|c: char| c.is_whitespace() || c == '\u{3000}')
        .chars()
        .map(half_width)
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

/// `c` in half width if it is a full-width form (`３` → `3`, `Ｘ` → `X`):
/// U+FF01..U+FF5E map one-to-one onto ASCII 0x21..0x7E; other characters
/// as they are.
pub(crate) fn half_width(c: char) -> char {
    match c {
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        _ => c,
    }
}

#[cfg(test)]
mod tests {
    use super::normalize;

    #[test]
    fn normalizes_full_width_case_and_blanks() {
        assert_eq!(normalize("  ９１３４ab\u{3000}"), "9134AB");
        assert_eq!(normalize("91340000711771143j"), "91340000711771143J");
    }
}

#[cfg(test)]
mod fuzz {
    use chrono::NaiveDate;
    use proptest::prelude::*;

    use super::{CitizenId, IdPolicy, OrgCode, Uscc};

    proptest! {
        #[test]
        fn parsers_never_panic(text in "\\PC{0,24}") {
            let today = NaiveDate::from_ymd_opt(2026, 11, 26).unwrap();
            let _ = Uscc::parse(&text);
            let _ = OrgCode::parse(&text);
            let _ = CitizenId::parse(&text, today);
            let _ = IdPolicy::default().classify(&text, today);
            let _ = crate::date::parse(&text);
        }

        #[test]
        fn completed_codes_are_valid(body in "9[123]34[0-9]{4}MA[0-9A-HJ-NPQRTUWXY]{6}") {
            // A body completed with both check characters always parses.
            let org_check = super::org_code::check_char(&body.as_bytes()[8..16]);
            let first17 = format!("{body}{org_check}");
            let code = Uscc::complete(&first17).unwrap();
            prop_assert!(Uscc::parse(&code).is_ok(), "{}", code);
        }
    }
}
