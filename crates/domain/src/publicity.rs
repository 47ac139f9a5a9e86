//! Publicity periods (公示期限) of records.
//!
//! The national rules in force (国家发展改革委《信用修复管理办法》, in force
//! 2026-04-01, and 国办发〔2025〕22号) sort adverse records into three
//! classes: 轻微 (in principle not published, at most 3 months), 一般
//! (3 months to 1 year) and 严重 (1 to 3 years), each counted from the date
//! of the decision document. Publication stops automatically at the maximum;
//! repair may end it after the minimum. Which records fall into which class
//! is set per record type in the catalogue (`[publicity]`), because sector
//! authorities publish their own classification standards.

use chrono::NaiveDate;

use crate::catalog::{Condition, FieldIdx};
use crate::date::add_months;

/// How long records of a type are public.
#[derive(Debug, Clone)]
pub enum PublicityPolicy {
    /// Public from the decision date for as long as the record is current
    /// (行政许可 and other neutral or positive records).
    Permanent,
    /// A list entry (严重失信主体名单, 守信激励对象, 经营异常名录): public
    /// from the listing date for as long as the subject stays listed, that is
    /// until the day before its removal (移出日期) or through its validity
    /// (有效期至), whichever comes first. 国办发〔2020〕49号 has the listing
    /// authority publish both entry and removal; a removed entry is no longer
    /// shown and no longer triggers measures.
    Listed,
    /// Adverse records, sorted into classes with their own periods.
    Classed {
        /// The period of each class.
        classes: Vec<ClassSpec>,
        /// Classification rules; the first that holds decides.
        rules: Vec<ClassRule>,
        /// The class when no rule holds.
        default_class: Severity,
        /// The field in which departments supply their own 公示截止期.
        supplied_until: Option<FieldIdx>,
    },
}

/// Severity class of an adverse record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    /// 轻微.
    Minor,
    /// 一般.
    General,
    /// 严重.
    Serious,
}

impl Severity {
    /// The rules' Chinese term.
    pub fn label(self) -> &'static str {
        match self {
            Self::Minor => "轻微",
            Self::General => "一般",
            Self::Serious => "严重",
        }
    }

    /// Parses [`Severity::label`].
    pub fn from_label(label: &str) -> Option<Self> {
        [Self::Minor, Self::General, Self::Serious]
            .into_iter()
            .find(|s| s.label() == label)
    }
}

/// The publicity period of one class.
#[derive(Debug, Clone)]
pub struct ClassSpec {
    /// The class.
    pub severity: Severity,
    /// Whether records of the class are published at all.
    pub published: bool,
    /// Earliest end (months after the decision): repair possible from then on.
    pub min_months: u32,
    /// Latest end: publication stops automatically.
    pub max_months: u32,
    /// The rule that sets the period.
    pub basis: String,
}

/// A classification rule.
#[derive(Debug, Clone)]
pub struct ClassRule {
    /// The class assigned when the condition holds.
    pub severity: Severity,
    /// The condition on the record's values.
    pub when: Condition,
    /// The rule that sets the classification.
    pub basis: String,
    /// Whether records it classifies may be repaired (信用修复) before
    /// their maximum period ends.
    pub repairable: bool,
}

/// What credit repair of a record depends on: its class's minimum period
/// and whether its classification allows repair.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RepairTerms {
    /// Months after the decision before repair may be sought.
    pub min_months: u32,
    /// Whether it may be repaired at all.
    pub repairable: bool,
}

/// When a record is public.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicityWindow {
    /// The class, for adverse records.
    pub severity: Option<Severity>,
    /// Whether the record is published at all.
    pub published: bool,
    /// First day of publication (the decision date).
    pub from: NaiveDate,
    /// Last day of publication; `None` means no end.
    pub until: Option<NaiveDate>,
}

/// A supplied 公示截止期 outside the bounds of the record's class.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutOfBounds {
    /// The date the department supplied.
    pub supplied: NaiveDate,
    /// The earliest end the class allows.
    pub earliest: NaiveDate,
    /// The latest end the class allows (used instead).
    pub latest: NaiveDate,
    /// The class.
    pub severity: Severity,
}

impl PublicityPolicy {
    /// The window of a record decided on `decided` whose enumerated values
    /// are given by `values_of`, with the department's own end date if any
    /// (for a list entry: its last listed day).
    ///
    /// A supplied end inside the class's bounds is honoured; one outside them
    /// is replaced by the class's maximum and reported.
    pub fn window<'a>(
        &self,
        decided: NaiveDate,
        values_of: impl Fn(FieldIdx) -> Vec<&'a str>,
        supplied: Option<NaiveDate>,
    ) -> (PublicityWindow, Option<OutOfBounds>) {
        let unclassed = |until| PublicityWindow {
            severity: None,
            published: true,
            from: decided,
            until,
        };
        let (classes, rules, default_class) = match self {
            PublicityPolicy::Permanent => return (unclassed(None), None),
            PublicityPolicy::Listed => return (unclassed(supplied), None),
            PublicityPolicy::Classed {
                classes,
                rules,
                default_class,
                ..
            } => (classes, rules, default_class),
        };
        let severity = rules
            .iter()
            .find(|rule| rule.when.holds(&values_of(rule.when.field)))
            .map_or(*default_class, |r| r.severity);
        let Some(class) = classes.iter().find(|c| c.severity == severity) else {
            // The catalogue loader guarantees a period for every class a rule names.
            return (
                PublicityWindow {
                    severity: Some(severity),
                    published: false,
                    from: decided,
                    until: Some(decided),
                },
                None,
            );
        };
        let earliest = add_months(decided, class.min_months);
        let latest = add_months(decided, class.max_months);
        let (until, out_of_bounds) = match supplied {
            Some(date) if (earliest..=latest).contains(&date) => (date, None),
            Some(date) => (
                latest,
                Some(OutOfBounds {
                    supplied: date,
                    earliest,
                    latest,
                    severity,
                }),
            ),
            None => (latest, None),
        };
        let window = PublicityWindow {
            severity: Some(severity),
            published: class.published,
            from: decided,
            until: Some(until),
        };
        (window, out_of_bounds)
    }
}

impl PublicityPolicy {
    /// The repair terms of an adverse record with these values: `None` for
    /// records that are not classed (licences, list entries — a list entry
    /// ends by its removal, not by repair).
    pub fn repair_terms<'a>(&self, values_of: impl Fn(FieldIdx) -> Vec<&'a str>) -> Option<RepairTerms> {
        let PublicityPolicy::Classed {
            classes,
            rules,
            default_class,
            ..
        } = self
        else {
            return None;
        };
        let rule = rules.iter().find(|rule| rule.when.holds(&values_of(rule.when.field)));
        let severity = rule.map_or(*default_class, |r| r.severity);
        let class = classes.iter().find(|c| c.severity == severity)?;
        Some(RepairTerms {
            min_months: class.min_months,
            repairable: rule.is_none_or(|r| r.repairable),
        })
    }
}

impl PublicityWindow {
    /// Whether the record is public on `day` (China Standard Time civil date).
    pub fn is_public_on(&self, day: NaiveDate) -> bool {
        self.published && self.covers(day)
    }

    /// Whether `day` lies inside the window, published or not: for a list
    /// entry, whether the subject is listed on that day.
    pub fn covers(&self, day: NaiveDate) -> bool {
        day >= self.from && self.until.is_none_or(|until| day <= until)
    }
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;
    use rstest::rstest;

    use super::{ClassRule, ClassSpec, PublicityPolicy, PublicityWindow, RepairTerms, Severity};
    use crate::catalog::{Condition, ConditionTest, FieldIdx};

    fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn policy() -> PublicityPolicy {
        let class = |severity, published, min_months, max_months| ClassSpec {
            severity,
            published,
            min_months,
            max_months,
            basis: String::new(),
        };
        let rule = |severity, test| ClassRule {
            severity,
            when: Condition {
                field: FieldIdx(0),
                test,
            },
            basis: String::new(),
            repairable: severity != Severity::Serious,
        };
        PublicityPolicy::Classed {
            classes: vec![
                class(Severity::Minor, false, 0, 3),
                class(Severity::General, true, 3, 12),
                class(Severity::Serious, true, 12, 36),
            ],
            rules: vec![
                rule(
                    Severity::Minor,
                    ConditionTest::Only(vec!["警告".into(), "通报批评".into()]),
                ),
                rule(Severity::Serious, ConditionTest::AnyOf(vec!["吊销许可证件".into()])),
            ],
            default_class: Severity::General,
            supplied_until: None,
        }
    }

    /// Every class's window at its end: the day before, the day of and the
    /// day after the last day of publication (decided 2026-01-26, the
    /// Monday before the 2026 Spring Festival: publicity runs in calendar
    /// days and months, holidays and make-up working days do not move it).
    #[rstest]
    #[case(&["警告"], ymd(2026, 1, 27), false)]
    #[case(&["罚款"], ymd(2026, 1, 25), false)]
    #[case(&["罚款"], ymd(2026, 1, 26), true)]
    #[case(&["罚款"], ymd(2026, 2, 16), true)]
    #[case(&["罚款"], ymd(2027, 1, 25), true)]
    #[case(&["罚款"], ymd(2027, 1, 26), true)]
    #[case(&["罚款"], ymd(2027, 1, 27), false)]
    #[case(&["吊销许可证件"], ymd(2029, 1, 25), true)]
    #[case(&["吊销许可证件"], ymd(2029, 1, 26), true)]
    #[case(&["吊销许可证件"], ymd(2029, 1, 27), false)]
    fn windows_end_on_their_last_day(#[case] kinds: &[&'static str], #[case] day: NaiveDate, #[case] public: bool) {
        let (window, _) = policy().window(ymd(2026, 1, 26), |_| kinds.to_vec(), None);
        assert_eq!(window.is_public_on(day), public, "{kinds:?} on {day}");
    }

    /// A department's own end date: honoured on the bounds of its class
    /// (一般: 3 to 12 months), replaced by the maximum a day outside them.
    #[rstest]
    #[case(ymd(2026, 4, 25), ymd(2027, 1, 26), true)]
    #[case(ymd(2026, 4, 26), ymd(2026, 4, 26), false)]
    #[case(ymd(2026, 4, 27), ymd(2026, 4, 27), false)]
    #[case(ymd(2027, 1, 26), ymd(2027, 1, 26), false)]
    #[case(ymd(2027, 1, 27), ymd(2027, 1, 26), true)]
    fn a_supplied_end_is_honoured_within_the_bounds(
        #[case] supplied: NaiveDate,
        #[case] until: NaiveDate,
        #[case] reported: bool,
    ) {
        let (window, out_of_bounds) = policy().window(ymd(2026, 1, 26), |_| vec!["罚款"], Some(supplied));
        assert_eq!(
            (window.until, out_of_bounds.is_some()),
            (Some(until), reported),
            "{supplied}"
        );
    }

    #[rstest]
    #[case(&["警告"], Some(RepairTerms { min_months: 0, repairable: true }))]
    #[case(&["罚款"], Some(RepairTerms { min_months: 3, repairable: true }))]
    #[case(&["罚款", "吊销许可证件"], Some(RepairTerms { min_months: 12, repairable: false }))]
    fn repair_terms_follow_the_class_and_its_rule(#[case] kinds: &[&'static str], #[case] terms: Option<RepairTerms>) {
        assert_eq!(policy().repair_terms(|_| kinds.to_vec()), terms);
        assert_eq!(PublicityPolicy::Permanent.repair_terms(|_| kinds.to_vec()), None);
    }

    #[rstest]
    #[case(&["警告"], None, Severity::Minor, false, ymd(2024, 4, 5))]
    #[case(&["罚款"], None, Severity::General, true, ymd(2025, 1, 5))]
    #[case(&["罚款", "吊销许可证件"], None, Severity::Serious, true, ymd(2027, 1, 5))]
    #[case(&["罚款"], Some(ymd(2024, 10, 5)), Severity::General, true, ymd(2024, 10, 5))]
    #[case(&["罚款"], Some(ymd(2024, 4, 5)), Severity::General, true, ymd(2024, 4, 5))]
    #[case(&["罚款"], Some(ymd(2024, 4, 4)), Severity::General, true, ymd(2025, 1, 5))]
    #[case(&["罚款"], Some(ymd(2025, 1, 6)), Severity::General, true, ymd(2025, 1, 5))]
    fn classes_and_bounds(
        #[case] kinds: &[&'static str],
        #[case] supplied: Option<NaiveDate>,
        #[case] severity: Severity,
        #[case] published: bool,
        #[case] until: NaiveDate,
    ) {
        let (window, out_of_bounds) = policy().window(ymd(2024, 1, 5), |_| kinds.to_vec(), supplied);
        assert_eq!(window.severity, Some(severity));
        assert_eq!(window.published, published);
        assert_eq!(window.until, Some(until));
        let in_bounds = supplied.is_none_or(|date| date == until);
        assert_eq!(out_of_bounds.is_none(), in_bounds);
    }

    #[test]
    fn public_on_the_last_day_and_not_after() {
        let window = PublicityWindow {
            severity: None,
            published: true,
            from: ymd(2024, 1, 5),
            until: Some(ymd(2025, 1, 5)),
        };
        assert!(!window.is_public_on(ymd(2024, 1, 4)));
        assert!(window.is_public_on(ymd(2024, 1, 5)));
        assert!(window.is_public_on(ymd(2025, 1, 5)));
        assert!(!window.is_public_on(ymd(2025, 1, 6)));
    }

    #[rstest]
    #[case(None, ymd(2099, 1, 1), true)]
    #[case(Some(ymd(2024, 6, 30)), ymd(2024, 6, 30), true)]
    #[case(Some(ymd(2024, 6, 30)), ymd(2024, 7, 1), false)]
    #[case(Some(ymd(2024, 6, 30)), ymd(2024, 1, 4), false)]
    fn list_entries_stand_until_their_last_day(
        #[case] last_day: Option<NaiveDate>,
        #[case] day: NaiveDate,
        #[case] listed: bool,
    ) {
        let (window, out_of_bounds) = PublicityPolicy::Listed.window(ymd(2024, 1, 5), |_| Vec::new(), last_day);
        assert!(out_of_bounds.is_none());
        assert_eq!(window.covers(day), listed);
        assert_eq!(window.is_public_on(day), listed);
    }

    #[test]
    fn permanent_records_have_no_end() {
        let (window, _) = PublicityPolicy::Permanent.window(ymd(2024, 1, 5), |_| Vec::new(), None);
        assert!(window.is_public_on(ymd(2099, 1, 1)));
    }
}
