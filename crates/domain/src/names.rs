//! Names of subjects: normalisation for comparison and the bigram tokens
//! that both storage backends index for substring search.
//!
//! Chinese names are not made of words a segmenter can find (a trade name is
//! any two characters), so search indexes every pair of adjacent characters:
//! a query of two or more characters matches exactly the names that contain
//! it as a phrase of bigrams. The last character is also indexed alone so
//! that a one-character query can run as a prefix search.

/// Normalises a name for comparison: full-width letters, digits and brackets
/// become half-width, blanks disappear, ASCII letters are upper-cased.
/// `科大讯飞股份有限公司` and `科大讯飞股份有限公司 ` compare equal, as do
/// `（安徽）` and `(安徽)`.
pub fn normalize(name: &str) -> String {
    crate::id::normalize(name)
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect()
}

/// The search tokens of a name: its characters without punctuation, as
/// overlapping bigrams followed by the last character alone, separated by
/// spaces (`科大 大讯 讯飞 飞`).
pub fn bigrams(name: &str) -> String {
    let chars: Vec<char> = searchable_chars(name).collect();
    let mut tokens = String::with_capacity(chars.len() * 7);
    for pair in chars.windows(2) {
        tokens.push(pair[0]);
        tokens.push(pair[1]);
        tokens.push(' ');
    }
    if let Some(last) = chars.last() {
        tokens.push(*last);
    }
    tokens
}

/// The search tokens a subject is indexed under: its name's [`bigrams`],
/// or for a person only those of the name as published
/// ([`crate::id::mask_person_name`]: the surname). Public search answers
/// with masked names; were a person found by the hidden characters too,
/// trying them one at a time would read the whole name back.
pub fn search_tokens(name: &str, category: crate::SubjectCategory) -> String {
    match category {
        crate::SubjectCategory::Person => bigrams(&crate::id::mask_person_name(name)),
        _ => bigrams(name),
    }
}

/// The characters of a query or name that search considers: letters and
/// digits of any script, ASCII upper-cased.
pub fn searchable_chars(text: &str) -> impl Iterator<Item = char> + '_ {
    text.chars().filter(|c| c.is_alphanumeric()).map(|c| {
        let c = match c {
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            _ => c,
        };
        c.to_ascii_uppercase()
    })
}

/// Where `query` (searchable characters, as [`classify_query`] returns
/// them) occurs in `name`, as a byte range of `name` from its first to its
/// last matching character: search ignores punctuation and width, so
/// `淮北鑫源` matches `淮北（鑫源）` across the bracket. `None` if it does
/// not occur.
pub fn match_span(name: &str, query: &str) -> Option<std::ops::Range<usize>> {
    let query: Vec<char> = query.chars().collect();
    if query.is_empty() {
        return None;
    }
    // The searchable characters of the name with where each one starts.
    let chars: Vec<(usize, char, usize)> = name
        .char_indices()
        .filter_map(|(at, c)| {
            let mut one = [0u8; 4];
            searchable_chars(c.encode_utf8(&mut one))
                .next()
                .map(|s| (at, s, at + c.len_utf8()))
        })
        .collect();
    let start = chars
        .windows(query.len())
        .position(|window| window.iter().map(|(_, c, _)| *c).eq(query.iter().copied()))?;
    Some(chars[start].0..chars[start + query.len() - 1].2)
}

/// What a search box query asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum QueryKind {
    /// Codes starting with these characters (upper-cased).
    CodePrefix(String),
    /// Names containing these characters (searchable characters only).
    Name(String),
}

/// Reads a search query: letters and digits only, with at least one digit,
/// is the beginning of a unified social credit code (`913406`); anything
/// else is part of a name. `None` if nothing searchable remains.
pub fn classify_query(query: &str) -> Option<QueryKind> {
    let chars: String = searchable_chars(query).collect();
    if chars.is_empty() {
        return None;
    }
    let is_code = chars.chars().all(|c| c.is_ascii_alphanumeric()) && chars.chars().any(|c| c.is_ascii_digit());
    Some(if is_code {
        QueryKind::CodePrefix(chars)
    } else {
        QueryKind::Name(chars)
    })
}

#[cfg(test)]
mod tests {
    use rstest::rstest;

    use super::{QueryKind, bigrams, classify_query, normalize};

    #[rstest]
    #[case("淮北市鑫源商贸有限公司", "鑫源", Some("鑫源"))]
    #[case("淮北（鑫源）商贸", "北鑫源", Some("北（鑫源"))]
    #[case("ＡＢＣ贸易", "ABC", Some("ＡＢＣ"))]
    #[case("abc贸易", "ABC", Some("abc"))]
    #[case("淮北市鑫源商贸有限公司", "鑫商", None)]
    #[case("鑫", "鑫源", None)]
    #[case("鑫源", "", None)]
    fn finds_the_match_to_highlight(#[case] name: &str, #[case] query: &str, #[case] shown: Option<&str>) {
        assert_eq!(super::match_span(name, query).map(|span| &name[span]), shown);
    }

    #[rstest]
    #[case("913406", Some(QueryKind::CodePrefix("913406".into())))]
    #[case(" 91340600ma2n ", Some(QueryKind::CodePrefix("91340600MA2N".into())))]
    #[case("鑫源", Some(QueryKind::Name("鑫源".into())))]
    #[case("淮北（鑫源）", Some(QueryKind::Name("淮北鑫源".into())))]
    #[case("ABC", Some(QueryKind::Name("ABC".into())))]
    #[case("3号楼", Some(QueryKind::Name("3号楼".into())))]
    #[case("（）", None)]
    #[case("", None)]
    fn classifies_queries(#[case] query: &str, #[case] expected: Option<QueryKind>) {
        assert_eq!(classify_query(query), expected);
    }

    #[rstest]
    #[case("科大讯飞", "科大 大讯 讯飞 飞")]
    #[case("淮北（相山）ab商行", "淮北 北相 相山 山A AB B商 商行 行")]
    #[case("王", "王")]
    #[case("", "")]
    fn bigram_tokens(#[case] name: &str, #[case] expected: &str) {
        assert_eq!(bigrams(name), expected);
    }

    #[test]
    fn normalization_ignores_width_and_blanks() {
        assert_eq!(normalize("淮北（相山） 商行"), normalize("淮北(相山)商行"));
    }
}
