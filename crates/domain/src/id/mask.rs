//! Masking of personal identifiers for every view that is not authorised to
//! see them whole.
//!
//! No national masking pattern was found (see the reference, §9); the
//! platform keeps the first six characters (the address code) and the last
//! four, which is the pattern most Chinese public sites use, and hides the
//! birth date.

use super::CitizenId;

/// `340602********123X`: address code and last four characters kept.
pub fn mask_citizen_id(id: &CitizenId) -> String {
    mask_identifier(id.expose())
}

/// Masks any personal document number the same way as a citizen ID: keep six
/// leading and four trailing characters of long numbers, less of short ones,
/// and always hide at least half.
pub fn mask_identifier(number: &str) -> String {
    let chars: Vec<char> = number.chars().collect();
    let n_chars = chars.len();
    let (head, tail) = match n_chars {
        0..=3 => (0, 0),
        4..=7 => (1, 1),
        8..=13 => (2, 2),
        _ => (6, 4),
    };
    chars
        .iter()
        .enumerate()
        .map(|(idx, c)| if idx < head || idx >= n_chars - tail { *c } else { '*' })
        .collect()
}

/// A person's name for public view: the first character (usually the
/// surname) and one `*` per remaining character, e.g. `张*` or `欧阳**`
/// becomes `欧**`.
pub fn mask_person_name(name: &str) -> String {
    let mut chars = name.chars();
    match chars.next() {
        Some(first) => std::iter::once(first).chain(chars.map(|_| '*')).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use rstest::rstest;

    use super::{mask_identifier, mask_person_name};

    #[rstest]
    #[case("11010519491231002X", "110105********002X")]
    #[case("E12345678", "E1*****78")]
    #[case("ABCD", "A**D")]
    #[case("AB", "**")]
    #[case("", "")]
    fn masks_identifiers(#[case] input: &str, #[case] expected: &str) {
        assert_eq!(mask_identifier(input), expected);
    }

    #[rstest]
    #[case("张三", "张*")]
    #[case("欧阳修文", "欧***")]
    #[case("", "")]
    fn masks_names(#[case] input: &str, #[case] expected: &str) {
        assert_eq!(mask_person_name(input), expected);
    }
}
