//! The credit office's identifier policy: which real codes that fail a check
//! character it accepts knowingly, and which registration categories beyond
//! the built-in table it recognises.

use std::collections::BTreeSet;

use chrono::NaiveDate;

use super::{CitizenId, CitizenIdError, Uscc, UsccError};

/// Configuration-driven identifier checks.
///
/// Real codes that fail the GB 32100 check character exist (Xiamen codes
/// issued before 2016, reference §1.2). They are rejected by default and
/// accepted only when the office lists them, so that each exception is a
/// recorded decision rather than a silent relaxation.
#[derive(Debug, Clone, Default)]
pub struct IdPolicy {
    allow_listed: BTreeSet<String>,
    extra_categories: Vec<(char, char)>,
}

/// What kind of identifier a text is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdKind {
    /// 统一社会信用代码.
    Uscc,
    /// 公民身份号码.
    CitizenId,
}

impl IdKind {
    /// Stable machine name, as printed by `xinyong id check`.
    pub fn code(self) -> &'static str {
        match self {
            Self::Uscc => "uscc",
            Self::CitizenId => "citizen_id",
        }
    }
}

/// The outcome of classifying and checking one identifier.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdVerdict {
    /// The kind the text is (if valid) or most plausibly meant to be.
    pub kind: Option<IdKind>,
    /// `None` if valid; otherwise the reason in Chinese.
    pub problem: Option<String>,
    /// Valid only because the office allow-listed it.
    pub allow_listed: bool,
}

impl IdPolicy {
    /// Builds a policy from configuration. Allow-listed codes are normalised;
    /// each extra category is two characters, authority then category (`"G1"`).
    pub fn new<'a>(
        allow_listed: impl IntoIterator<Item = &'a str>,
        extra_categories: impl IntoIterator<Item = &'a str>,
    ) -> Self {
        Self {
            allow_listed: allow_listed.into_iter().map(super::normalize).collect(),
            extra_categories: extra_categories
                .into_iter()
                .map(super::normalize)
                .filter_map(|pair| {
                    let mut chars = pair.chars();
                    Some((chars.next()?, chars.next()?))
                })
                .collect(),
        }
    }

    /// Parses a unified social credit code; a code that fails only a check
    /// character is accepted if allow-listed.
    pub fn parse_uscc(&self, input: &str) -> Result<Uscc, UsccError> {
        match Uscc::parse_with(input, &self.extra_categories) {
            Err(UsccError::CheckDigit { .. } | UsccError::OrgCodeCheck { .. })
                if self.allow_listed.contains(&super::normalize(input)) =>
            {
                Ok(Uscc::allow_listed(super::normalize(input)))
            }
            other => other,
        }
    }

    /// Whether the (normalised) code is on the allow-list.
    pub fn is_allow_listed(&self, code: &str) -> bool {
        self.allow_listed.contains(&super::normalize(code))
    }

    /// Classifies a text as a USCC or a citizen ID and checks it.
    ///
    /// Some USCCs are all digits (事业单位 codes such as `1212…`), so the
    /// shape alone cannot decide: a text valid as either kind is that kind;
    /// otherwise the reason reported is that of the kind the text resembles
    /// most (digits with a plausible birth date read as a citizen ID).
    pub fn classify(&self, input: &str, today: NaiveDate) -> IdVerdict {
        let uscc_error = match self.parse_uscc(input) {
            Ok(_) => {
                return IdVerdict {
                    kind: Some(IdKind::Uscc),
                    problem: None,
                    allow_listed: self.is_allow_listed(input),
                };
            }
            Err(error) => error,
        };
        let citizen_error = match CitizenId::parse(input, today) {
            Ok(_) => {
                return IdVerdict {
                    kind: Some(IdKind::CitizenId),
                    problem: None,
                    allow_listed: false,
                };
            }
            Err(error) => error,
        };
        let normalized = super::normalize(input);
        let citizen_shaped = matches!(normalized.len(), 15 | 18)
            && normalized.bytes().take(17).all(|b| b.is_ascii_digit())
            && normalized
                .bytes()
                .last()
                .is_some_and(|b| b.is_ascii_digit() || b == b'X');
        let (kind, problem) = if !citizen_shaped {
            (IdKind::Uscc, uscc_error.to_string())
        } else if !matches!(
            citizen_error,
            CitizenIdError::BirthDate { .. } | CitizenIdError::Region { .. }
        ) {
            (IdKind::CitizenId, citizen_error.to_string())
        } else {
            // Digits whose birth date or region is wrong may be either kind:
            // both reasons, so that a clerk checking an ID number is not
            // told only about a credit code's registration region.
            let kind = if normalized.len() == 15 {
                IdKind::CitizenId
            } else {
                IdKind::Uscc
            };
            (
                kind,
                format!("按公民身份号码：{citizen_error}；按统一社会信用代码：{uscc_error}"),
            )
        };
        IdVerdict {
            kind: Some(kind),
            problem: Some(problem),
            allow_listed: false,
        }
    }
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;
    use rstest::rstest;

    use super::{IdKind, IdPolicy};

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 26).unwrap()
    }

    #[test]
    fn allow_list_accepts_only_listed_check_failures() {
        let policy = IdPolicy::new(["91350203m0001qkt19"], []);
        assert!(policy.parse_uscc("91350203M0001QKT19").is_ok());
        assert!(policy.parse_uscc("91350203M0001FUE2P").is_err());
        // The allow-list excuses a check character, never a broken structure.
        let broken = IdPolicy::new(["9135020"], []);
        assert!(broken.parse_uscc("9135020").is_err());
    }

    #[test]
    fn extra_categories_extend_the_table() {
        assert!(IdPolicy::default().parse_uscc("B1340000711771143J").is_err());
        let code = xinyong_complete("B1340000711771143");
        assert!(IdPolicy::new([], ["B1"]).parse_uscc(&code).is_ok());
    }

    fn xinyong_complete(first17: &str) -> String {
        crate::id::Uscc::complete(first17).unwrap()
    }

    #[rstest]
    #[case("91340000711771143J", Some(IdKind::Uscc), false)]
    #[case("121200004013590816", Some(IdKind::Uscc), false)]
    #[case("11010519491231002X", Some(IdKind::CitizenId), false)]
    #[case("110105194912310021", Some(IdKind::CitizenId), true)]
    #[case("91340000711771143K", Some(IdKind::Uscc), true)]
    #[case("hello", Some(IdKind::Uscc), true)]
    fn classifies(#[case] input: &str, #[case] kind: Option<IdKind>, #[case] has_problem: bool) {
        let verdict = IdPolicy::default().classify(input, today());
        assert_eq!(verdict.kind, kind);
        assert_eq!(verdict.problem.is_some(), has_problem, "{verdict:?}");
    }

    #[test]
    fn digits_with_an_impossible_birth_date_get_both_reasons() {
        // 1949-02-30: a citizen ID's shape with a date that does not exist.
        let verdict = IdPolicy::default().classify("110105194902300020", today());
        let problem = verdict.problem.unwrap();
        assert!(
            problem.starts_with("按公民身份号码：") && problem.contains("；按统一社会信用代码："),
            "{problem}"
        );
        let short = IdPolicy::default().classify("110105490230002", today());
        assert_eq!(short.kind, Some(IdKind::CitizenId));
        assert!(short.problem.unwrap().starts_with("按公民身份号码："));
    }
}
