//! Deciding whether a row's subject is one the platform already knows.
//!
//! The key (code or identity document) decides identity; the name is
//! evidence. A row whose name disagrees with every name the platform holds
//! for the same key is still filed under that subject (the key is
//! authoritative), but flagged for the credit office to review: it may be a
//! renamed company, or a wrong code. It is never silently merged into the
//! known names.

use crate::names::normalize;

/// A name the platform holds for a subject: its current name or an alias
/// (former name) the office confirmed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredName<'a>(pub &'a str);

/// The decision for one row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resolution {
    /// No subject has this key: create one.
    New,
    /// The key is known and the name agrees with a known name.
    Matched,
    /// The key is known but the name agrees with none of its names: file the
    /// record under the subject and flag it for review.
    NameConflict,
}

/// Decides for a row with `incoming_name` given the names held for its key
/// (`None` if the key is unknown).
pub fn resolve<'a>(incoming_name: &str, known: Option<&[StoredName<'a>]>) -> Resolution {
    let Some(names) = known else {
        return Resolution::New;
    };
    let incoming = normalize(incoming_name);
    if names.iter().any(|StoredName(name)| normalize(name) == incoming) {
        Resolution::Matched
    } else {
        Resolution::NameConflict
    }
}

#[cfg(test)]
mod tests {
    use rstest::rstest;

    use super::{Resolution, StoredName, resolve};

    #[rstest]
    #[case("科大讯飞股份有限公司", None, Resolution::New)]
    #[case("科大讯飞股份有限公司", Some(&["科大讯飞股份有限公司"][..]), Resolution::Matched)]
    #[case("淮北（相山）商行", Some(&["淮北(相山)商行"][..]), Resolution::Matched)]
    #[case("安徽科大讯飞信息科技股份有限公司", Some(&["科大讯飞股份有限公司", "安徽科大讯飞信息科技股份有限公司"][..]), Resolution::Matched)]
    #[case("讯飞科技", Some(&["科大讯飞股份有限公司"][..]), Resolution::NameConflict)]
    fn decides(#[case] incoming: &str, #[case] known: Option<&[&str]>, #[case] expected: Resolution) {
        let known: Option<Vec<StoredName>> = known.map(|names| names.iter().map(|n| StoredName(n)).collect());
        assert_eq!(resolve(incoming, known.as_deref()), expected);
    }
}
