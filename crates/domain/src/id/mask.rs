//! Masking of personal identifiers for every view that is not authorised to
//! see them whole.
//!
//! No national masking pattern was found (see the reference, §9); the
//! platform keeps the first six characters (the address code) and the last
//! four, which is the pattern most Chinese public sites use, and hides the
//! birth date.

use chrono::NaiveDate;

use super::{CitizenId, half_width};

/// A bound for birth dates in 15-digit numbers, which are all 19YY: the
/// check is for the shape, not against today.
const LATEST_BIRTH: NaiveDate = match NaiveDate::from_ymd_opt(1999, 12, 31) {
    Some(day) => day,
    None => panic!("a valid date"),
};

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

/// Masks identifiers written inside free text (违法事实, 备注 …), where
/// departments sometimes copy a person's ID or mobile number: every run of
/// 17 digits and a digit or `X` (a citizen ID's shape, whether or not its
/// check character is right), every 15-digit run that is a first-generation
/// ID (GB 11643-1989: a province's address code and a real 19YYMMDD birth
/// date; a 15-digit 注册号 rarely is one, and is masked if so — privacy
/// first), and every 11-digit mobile number (1, then 3–9), each standing
/// alone — not part of a longer run of digits or letters, so document
/// numbers, amounts and codes are left as they are. Full-width digits (as
/// a Chinese keyboard types them) count as digits.
pub fn mask_embedded_identifiers(text: &str) -> std::borrow::Cow<'_, str> {
    mask_embedded_identifiers_except(text, &[])
}

/// [`mask_embedded_identifiers`], leaving whole the numbers in `keep` (a
/// record's own subject's, for a reader entitled to them: a third person's
/// number in the same text stays masked). Compared as written without
/// separators, half-width, `x` as `X`.
pub fn mask_embedded_identifiers_except<'t>(text: &'t str, keep: &[&str]) -> std::borrow::Cow<'t, str> {
    let canonical = |number: &str| -> String {
        number
            .chars()
            .map(half_width)
            .filter(char::is_ascii_alphanumeric)
            .map(|c| c.to_ascii_uppercase())
            .collect()
    };
    let keep: Vec<String> = keep.iter().map(|number| canonical(number)).collect();
    let kept = |number: &str| keep.contains(&canonical(number));
    // Without eleven digits (a mobile number's, the shortest) there is
    // nothing to mask: most text, and every import row, leaves here.
    if text.chars().filter(|&c| half_width(c).is_ascii_digit()).count() < 11 {
        return std::borrow::Cow::Borrowed(text);
    }
    let original: Vec<char> = text.chars().collect();
    // Matched on the half-width form; what is kept is written as typed.
    let chars: Vec<char> = original.iter().map(|&c| half_width(c)).collect();
    let mut out = String::with_capacity(text.len());
    let mut changed = false;
    let mut at = 0;
    while at < chars.len() {
        let standalone = |len: usize| standalone(&chars, at, len);
        let id_like = standalone(18)
            && chars[at..at + 17].iter().all(char::is_ascii_digit)
            && (chars[at + 17].is_ascii_digit() || matches!(chars[at + 17], 'X' | 'x'));
        let legacy_id = || {
            let run: String = chars[at..at + 15].iter().collect();
            run.bytes().all(|b| b.is_ascii_digit()) && CitizenId::parse(&run, LATEST_BIRTH).is_ok()
        };
        let legacy_like = !id_like && standalone(15) && legacy_id();
        let mobile_like = standalone(11)
            && chars[at] == '1'
            && ('3'..='9').contains(&chars[at + 1])
            && chars[at..at + 11].iter().all(char::is_ascii_digit);
        let len = if id_like {
            18
        } else if legacy_like {
            15
        } else if mobile_like {
            11
        } else if standalone(13) && grouped_mobile(&chars[at..at + 13]) {
            if kept(&chars[at..at + 13].iter().collect::<String>()) {
                out.extend(&original[at..at + 13]);
                at += 13;
                continue;
            }
            // 139-1234-5678: the middle group masked, the separators kept.
            out.extend(&original[at..at + 4]);
            out.push_str("****");
            out.extend(&original[at + 8..at + 13]);
            changed = true;
            at += 13;
            continue;
        } else if let Some(span) = grouped_id(&chars, at).filter(|&span| standalone(span)) {
            // Written in groups: masked whole, without its separators.
            let digits: String = chars[at..at + span]
                .iter()
                .filter(|c| c.is_ascii_alphanumeric())
                .collect();
            if kept(&digits) {
                out.extend(&original[at..at + span]);
            } else {
                out.push_str(&mask_identifier(&digits));
            }
            changed = true;
            at += span;
            continue;
        } else {
            out.push(original[at]);
            at += 1;
            continue;
        };
        let run: String = original[at..at + len].iter().collect();
        if kept(&run) {
            out.push_str(&run);
            at += len;
            continue;
        }
        out.push_str(&if len == 11 {
            let kept =
                |range: std::ops::Range<usize>| original[at + range.start..at + range.end].iter().collect::<String>();
            format!("{}****{}", kept(0..3), kept(7..11))
        } else {
            mask_identifier(&run)
        });
        changed = true;
        at += len;
    }
    if changed {
        std::borrow::Cow::Owned(out)
    } else {
        std::borrow::Cow::Borrowed(text)
    }
}

/// Whether `text` holds a valid citizen ID number (region, a birth date no
/// later than `latest_birth`, the check character: GB 11643-1999) standing
/// alone. Stricter than the shape [`mask_embedded_identifiers`] masks, for
/// items such as 决定书文号 where a serial of a region code and the
/// decision's own date is common: with a recent `latest_birth` such a
/// serial is not an ID even when its last digit happens to fit.
pub fn contains_citizen_id(text: &str, latest_birth: NaiveDate) -> bool {
    if text.chars().filter(|&c| half_width(c).is_ascii_digit()).count() < 17 {
        return false;
    }
    let chars: Vec<char> = text.chars().map(half_width).collect();
    (0..chars.len()).any(|at| {
        standalone(&chars, at, 18)
            && CitizenId::parse(&chars[at..at + 18].iter().collect::<String>(), latest_birth).is_ok()
    })
}

/// Whether `chars[at..at + len]` exists and stands alone: not part of a
/// longer run of digits or letters (a document number, an amount, a code).
fn standalone(chars: &[char], at: usize, len: usize) -> bool {
    let is_word = |c: Option<&char>| c.is_some_and(|c| c.is_ascii_alphanumeric());
    at + len <= chars.len() && !is_word(at.checked_sub(1).and_then(|p| chars.get(p))) && !is_word(chars.get(at + len))
}

/// A mobile number written 3-4-4 with one kind of separator, a hyphen or a
/// space (`139-1234-5678`, `139 1234 5678`), in exactly these 13 characters.
fn grouped_mobile(chars: &[char]) -> bool {
    let separator = chars[3];
    matches!(separator, '-' | ' ')
        && chars[8] == separator
        && chars[0] == '1'
        && ('3'..='9').contains(&chars[1])
        && chars
            .iter()
            .enumerate()
            .all(|(n, c)| n == 3 || n == 8 || c.is_ascii_digit())
}

/// A citizen ID written in groups (`340603 19850312 1231`,
/// `340603-19850312-123X`) starting at `at`: 18 characters with single
/// spaces or hyphens between some of them, and the whole a valid number
/// (region, birth date, check character), so that other grouped numbers
/// (dates, amounts, phone lists) are left alone. How many characters it
/// spans, separators included.
fn grouped_id(chars: &[char], at: usize) -> Option<usize> {
    const SEPARATORS: [char; 3] = [' ', '-', '\u{3000}'];
    let id_char = |c: char, n: usize| c.is_ascii_digit() || (n == 17 && matches!(c, 'X' | 'x'));
    let mut number = String::with_capacity(18);
    let mut end = at;
    let mut grouped = false;
    while end < chars.len() && number.len() < 18 {
        let c = chars[end];
        if id_char(c, number.len()) {
            number.push(c);
        } else if SEPARATORS.contains(&c)
            && !number.is_empty()
            && chars.get(end + 1).is_some_and(|&next| id_char(next, number.len()))
        {
            grouped = true;
        } else {
            break;
        }
        end += 1;
    }
    let valid = || CitizenId::parse(&number, LATEST_GROUPED_BIRTH).is_ok();
    (grouped && number.len() == 18 && valid()).then_some(end - at)
}

/// A bound for birth dates in grouped numbers: the check is for the shape.
const LATEST_GROUPED_BIRTH: NaiveDate = match NaiveDate::from_ymd_opt(2100, 12, 31) {
    Some(day) => day,
    None => panic!("a valid date"),
};

#[cfg(test)]
mod tests {
    use rstest::rstest;

    use chrono::NaiveDate;

    use super::{contains_citizen_id, mask_embedded_identifiers, mask_identifier, mask_person_name};

    #[test]
    fn the_numbers_kept_stay_whole_and_others_are_masked() {
        let text = "当事人（身份证号11010519491231002x），证人340603198512124565，电话139-1234-5678";
        assert_eq!(
            super::mask_embedded_identifiers_except(text, &["11010519491231002X", "13912345678"]),
            "当事人（身份证号11010519491231002x），证人340603********4565，电话139-1234-5678"
        );
        assert_eq!(
            super::mask_embedded_identifiers_except(text, &[]),
            mask_embedded_identifiers(text)
        );
    }

    #[rstest]
    #[case("淮市监罚〔2024〕11010119900307451X号", false)] // check character wrong
    #[case("淮市监罚〔2024〕110101199003074514号", true)]
    #[case("淮市监罚〔2024〕１１０１０１１９９００３０７４５１４号", true)]
    // full-width
    // A serial of a region and the decision's date, its last digit fitting
    // the check character by chance: born after the latest birth date.
    #[case("皖罚字340603202401050013号", false)]
    #[case("A110101199003074514", false)] // part of a longer code
    #[case("110101199003074514", true)]
    #[case("淮市监罚〔2024〕12号", false)]
    fn a_real_citizen_id_is_found_and_a_serial_is_not(#[case] text: &str, #[case] found: bool) {
        let latest_birth = NaiveDate::from_ymd_opt(2012, 11, 26).unwrap();
        assert_eq!(contains_citizen_id(text, latest_birth), found);
        assert!(
            crate::id::CitizenId::parse("340603202401050013", NaiveDate::MAX).is_ok(),
            "fits by chance"
        );
    }

    #[rstest]
    #[case(
        "经查，王晖（身份证340603198503121231）于",
        "经查，王晖（身份证340603********1231）于"
    )]
    #[case("联系电话13812345678。", "联系电话138****5678。")]
    // Typed in full width: masked all the same, written as typed.
    #[case("身份证３４０６０３１９８５０３１２１２３Ｘ", "身份证３４０６０３********１２３Ｘ")]
    #[case("电话１３８１２３４５６７８", "电话１３８****５６７８")]
    // Written in groups, and valid: masked; not a valid number: left.
    #[case("证件号 11010519491231002X，", "证件号 110105********002X，")]
    #[case("证件号110105 19491231 002X。", "证件号110105********002X。")]
    #[case("号码110105-19491231-002x", "号码110105********002x")]
    #[case("号码110105-19491231-0021", "号码110105-19491231-0021")]
    #[case("日期 2026-01-05 金额 1000", "日期 2026-01-05 金额 1000")]
    #[case(
        "证件号11010519491231002x，电话15900001111",
        "证件号110105********002x，电话159****1111"
    )]
    // Not standalone, or not the shape: left alone.
    #[case("统一社会信用代码91340000711771143J", "统一社会信用代码91340000711771143J")]
    #[case("罚款12345678901234567890元", "罚款12345678901234567890元")]
    #[case("注册号340600000012345", "注册号340600000012345")]
    // A first-generation (15-digit) ID: masked; not one (no such date): left.
    #[case("原身份证号340603850312123，", "原身份证号340603*****2123，")]
    #[case("编号340603851312123", "编号340603851312123")]
    #[case("编号990603850312123", "编号990603850312123")]
    #[case("文号A13812345678", "文号A13812345678")]
    #[case("电话12812345678", "电话12812345678")]
    // A mobile number written 3-4-4.
    #[case("手机139-1234-5678，", "手机139-****-5678，")]
    #[case("手机 139 1234 5678", "手机 139 **** 5678")]
    #[case("编号139-1234 5678", "编号139-1234 5678")]
    #[case("区间2139-1234-5678", "区间2139-1234-5678")]
    #[case("", "")]
    fn masks_identifiers_inside_text(#[case] input: &str, #[case] expected: &str) {
        assert_eq!(mask_embedded_identifiers(input), expected);
    }

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
