//! Credit repair (信用修复) of an adverse record.
//!
//! 国家发展改革委《信用修复管理办法》(in force 2026-04-01) and
//! 国办发〔2025〕22号: a subject may apply once the record's minimum
//! publicity period has passed (一般 3 months, 严重 1 year from the decision
//! date; 轻微 as soon as the duty is done), it has corrected the conduct and
//! performed its obligations, and it has signed a 信用承诺. Items the
//! sector rules make unrepairable stay published for their full period.
//! The platform answers within 10 working days of receiving the
//! application, the deciding authority decides within 3 working days of
//! receiving it (both configurable). A repaired record stops being
//! published, shared and used for measures, and is kept, marked 已修复.

use chrono::NaiveDate;

use super::{RightsError, required};
use crate::calendar::WorkingCalendar;
use crate::date::add_months;
use crate::publicity::{PublicityWindow, Severity};

/// Whether a record can be repaired, and from when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Eligibility {
    /// The subject may apply now.
    Eligible,
    /// Not before this day (the end of the minimum period).
    NotBefore(NaiveDate),
    /// The sector rules do not allow repairing it.
    NotRepairable,
    /// It is not published (any more), so there is nothing to end.
    NotPublished,
    /// Not a record of a breach of trust (a licence, an honour) or a list
    /// entry, which ends by its removal: repair does not apply.
    NotApplicable,
}

impl Eligibility {
    /// What the subject is told, in Chinese.
    pub fn explain(&self) -> String {
        match self {
            Self::Eligible => "已满足最短公示期限，可以申请信用修复".into(),
            Self::NotBefore(day) => format!("最短公示期限未满，自 {day} 起可以申请信用修复"),
            Self::NotRepairable => "按照有关规定，该信息不予修复，公示期满后自动停止公示".into(),
            Self::NotPublished => "该信息未在公示中，无需修复".into(),
            Self::NotApplicable => "该信息不是失信行为信息（名单信息以移出为准），不适用信用修复".into(),
        }
    }
}

/// Eligibility of a record with publicity `window`, whose class has a
/// minimum period of `min_months`, on `today`. `repairable` comes from the
/// sector's classification (some serious items may never be repaired).
pub fn eligibility(window: &PublicityWindow, min_months: u32, repairable: bool, today: NaiveDate) -> Eligibility {
    let public = window.published && today >= window.from && window.until.is_none_or(|until| today <= until);
    if !public {
        return Eligibility::NotPublished;
    }
    if !repairable {
        return Eligibility::NotRepairable;
    }
    // 轻微 items need only the duty performed; the others their minimum.
    let months = if window.severity == Some(Severity::Minor) {
        0
    } else {
        min_months
    };
    let from = add_months(window.from, months);
    if today >= from {
        Eligibility::Eligible
    } else {
        Eligibility::NotBefore(from)
    }
}

/// Working-day limits of a repair.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RepairDeadlines {
    /// From the application to the platform's answer or forwarding.
    pub platform_days: u32,
    /// From forwarding to the deciding authority's decision.
    pub authority_days: u32,
}

impl Default for RepairDeadlines {
    fn default() -> Self {
        Self {
            platform_days: 10,
            authority_days: 3,
        }
    }
}

/// What an application must carry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Materials {
    /// Proof that the obligations were performed (attachment ids).
    pub proof: Vec<String>,
    /// The 信用承诺书 signed on the platform (its commitment id).
    pub commitment: Option<i64>,
    /// Anything else the sector requires (attachment ids).
    pub other: Vec<String>,
}

/// Submitted: with the platform.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Submitted {
    /// Day received.
    pub submitted_on: NaiveDate,
    /// Last day for the platform.
    pub platform_by: NaiveDate,
}

/// Forwarded to the deciding authority (谁认定、谁修复).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Forwarded {
    /// Day forwarded.
    pub forwarded_on: NaiveDate,
    /// Last day for the authority's decision.
    pub decide_by: NaiveDate,
}

/// How a repair ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Closed {
    /// 修复成功 on this day: the record is repaired.
    Repaired(NaiveDate),
    /// 不予修复, with reasons.
    Denied(String),
    /// 已撤回 by the applicant.
    Withdrawn,
}

/// A repair's state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RepairState {
    /// 平台审核中.
    Submitted(Submitted),
    /// 认定部门审核中.
    Forwarded(Forwarded),
    /// 已办结.
    Closed(Closed),
}

/// A step, as requested from outside.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RepairStep {
    /// The platform found the application complete and forwards it.
    Forward,
    /// The platform or the authority denies it, with reasons.
    Deny(String),
    /// The authority approves the repair.
    Approve,
    /// The applicant withdraws it.
    Withdraw,
}

impl RepairStep {
    fn label(&self) -> &'static str {
        match self {
            Self::Forward => "转认定部门审核",
            Self::Deny(_) => "不予修复",
            Self::Approve => "同意修复",
            Self::Withdraw => "撤回",
        }
    }
}

/// Applies on `today` for a record of `eligibility` with `materials`.
pub fn apply_for_repair(
    eligibility: &Eligibility,
    materials: &Materials,
    today: NaiveDate,
    calendar: &WorkingCalendar,
    deadlines: RepairDeadlines,
) -> Result<Submitted, RightsError> {
    if *eligibility != Eligibility::Eligible {
        return Err(RightsError::NotAllowed(eligibility.explain()));
    }
    if materials.proof.is_empty() {
        return Err(RightsError::Incomplete(
            "请上传已履行法定义务、纠正失信行为的证明材料".into(),
        ));
    }
    if materials.commitment.is_none() {
        return Err(RightsError::Incomplete("请先在平台签署信用修复承诺书".into()));
    }
    Ok(Submitted {
        submitted_on: today,
        platform_by: calendar.add_working_days(today, deadlines.platform_days)?,
    })
}

impl Submitted {
    /// Forwarded to the authority on `today`.
    pub fn forward(
        self,
        today: NaiveDate,
        calendar: &WorkingCalendar,
        deadlines: RepairDeadlines,
    ) -> Result<Forwarded, RightsError> {
        Ok(Forwarded {
            forwarded_on: today,
            decide_by: calendar.add_working_days(today, deadlines.authority_days)?,
        })
    }

    /// Denied by the platform (materials incomplete or false), with reasons.
    pub fn deny(self, reasons: &str) -> Result<Closed, RightsError> {
        Ok(Closed::Denied(required(reasons, "不予修复的理由")?))
    }

    /// Withdrawn.
    pub fn withdraw(self) -> Closed {
        Closed::Withdrawn
    }
}

impl Forwarded {
    /// Approved on `today`.
    pub fn approve(self, today: NaiveDate) -> Closed {
        Closed::Repaired(today)
    }

    /// Denied by the authority, with reasons.
    pub fn deny(self, reasons: &str) -> Result<Closed, RightsError> {
        Ok(Closed::Denied(required(reasons, "不予修复的理由")?))
    }

    /// Withdrawn.
    pub fn withdraw(self) -> Closed {
        Closed::Withdrawn
    }
}

impl RepairState {
    /// Stable machine name of the state.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Submitted(_) => "submitted",
            Self::Forwarded(_) => "forwarded",
            Self::Closed(Closed::Repaired(_)) => "repaired",
            Self::Closed(Closed::Denied(_)) => "denied",
            Self::Closed(Closed::Withdrawn) => "withdrawn",
        }
    }

    /// The state in Chinese.
    pub fn label(&self) -> &'static str {
        match self {
            Self::Submitted(_) => "平台审核中",
            Self::Forwarded(_) => "认定部门审核中",
            Self::Closed(Closed::Repaired(_)) => "已修复",
            Self::Closed(Closed::Denied(_)) => "不予修复",
            Self::Closed(Closed::Withdrawn) => "已撤回",
        }
    }

    /// Whether the step due has not been taken by its last day.
    pub fn is_overdue(&self, today: NaiveDate) -> bool {
        match self {
            Self::Submitted(s) => today > s.platform_by,
            Self::Forwarded(f) => today > f.decide_by,
            Self::Closed(_) => false,
        }
    }

    /// Takes `step` on `today`, or refuses it if the state does not allow it.
    pub fn apply(
        self,
        step: RepairStep,
        today: NaiveDate,
        calendar: &WorkingCalendar,
        deadlines: RepairDeadlines,
    ) -> Result<Self, RightsError> {
        match (self, step) {
            (Self::Submitted(s), RepairStep::Forward) => Ok(Self::Forwarded(s.forward(today, calendar, deadlines)?)),
            (Self::Submitted(s), RepairStep::Deny(reasons)) => Ok(Self::Closed(s.deny(&reasons)?)),
            (Self::Submitted(s), RepairStep::Withdraw) => Ok(Self::Closed(s.withdraw())),
            (Self::Forwarded(f), RepairStep::Approve) => Ok(Self::Closed(f.approve(today))),
            (Self::Forwarded(f), RepairStep::Deny(reasons)) => Ok(Self::Closed(f.deny(&reasons)?)),
            (Self::Forwarded(f), RepairStep::Withdraw) => Ok(Self::Closed(f.withdraw())),
            (state, step) => Err(RightsError::Illegal {
                workflow: "信用修复",
                state: state.label(),
                step: step.label(),
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;
    use rstest::rstest;

    use super::{
        Closed, Eligibility, Materials, RepairDeadlines, RepairState, RepairStep, apply_for_repair, eligibility,
    };
    use crate::calendar::{WorkingCalendar, builtin_files};
    use crate::publicity::{PublicityWindow, Severity};
    use crate::rights::RightsError;

    fn day(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
    }

    fn window(severity: Severity, from: &str, until: &str) -> PublicityWindow {
        PublicityWindow {
            severity: Some(severity),
            published: true,
            from: day(from),
            until: Some(day(until)),
        }
    }

    #[rstest]
    // 一般: 3 months from 2026-01-15; the day before, the day of, the day after.
    #[case(Severity::General, 3, true, "2026-04-14", Eligibility::NotBefore(day("2026-04-15")))]
    #[case(Severity::General, 3, true, "2026-04-15", Eligibility::Eligible)]
    #[case(Severity::General, 3, true, "2026-04-16", Eligibility::Eligible)]
    // 严重: one year.
    #[case(Severity::Serious, 12, true, "2027-01-14", Eligibility::NotBefore(day("2027-01-15")))]
    #[case(Severity::Serious, 12, true, "2027-01-15", Eligibility::Eligible)]
    // 轻微: as soon as the duty is done.
    #[case(Severity::Minor, 0, true, "2026-01-15", Eligibility::Eligible)]
    // Not repairable, however long ago.
    #[case(Severity::Serious, 12, false, "2028-01-01", Eligibility::NotRepairable)]
    // Past its window (until 2028-01-14): nothing left to repair.
    #[case(Severity::Serious, 12, true, "2029-01-15", Eligibility::NotPublished)]
    fn eligibility_follows_the_minimum_periods(
        #[case] severity: Severity,
        #[case] min_months: u32,
        #[case] repairable: bool,
        #[case] today: &str,
        #[case] expected: Eligibility,
    ) {
        let until = if severity == Severity::Serious {
            "2029-01-14"
        } else {
            "2027-01-14"
        };
        let w = window(severity, "2026-01-15", until);
        assert_eq!(eligibility(&w, min_months, repairable, day(today)), expected);
    }

    fn materials() -> Materials {
        Materials {
            proof: vec!["att-1".into()],
            commitment: Some(7),
            other: Vec::new(),
        }
    }

    #[test]
    fn an_application_needs_eligibility_proof_and_a_commitment() {
        let calendar = WorkingCalendar::parse(&builtin_files()).unwrap();
        let deadlines = RepairDeadlines::default();
        let early = Eligibility::NotBefore(day("2026-06-01"));
        let refused = apply_for_repair(&early, &materials(), day("2026-05-01"), &calendar, deadlines).unwrap_err();
        assert_eq!(
            refused.to_string(),
            "最短公示期限未满，自 2026-06-01 起可以申请信用修复"
        );
        let never = apply_for_repair(
            &Eligibility::NotRepairable,
            &materials(),
            day("2026-05-01"),
            &calendar,
            deadlines,
        );
        assert!(matches!(never, Err(RightsError::NotAllowed(_))));
        let no_proof = Materials {
            proof: Vec::new(),
            ..materials()
        };
        assert!(
            apply_for_repair(
                &Eligibility::Eligible,
                &no_proof,
                day("2026-05-06"),
                &calendar,
                deadlines
            )
            .is_err()
        );
        let no_commitment = Materials {
            commitment: None,
            ..materials()
        };
        assert!(
            apply_for_repair(
                &Eligibility::Eligible,
                &no_commitment,
                day("2026-05-06"),
                &calendar,
                deadlines
            )
            .is_err()
        );
        // Applied on Thursday 2026-04-30, before the Labour Day holiday (5-01 to 5-05 off, Saturday 5-09 worked).
        let submitted = apply_for_repair(
            &Eligibility::Eligible,
            &materials(),
            day("2026-04-30"),
            &calendar,
            deadlines,
        )
        .unwrap();
        assert_eq!(submitted.platform_by, day("2026-05-18"));
        let forwarded = submitted.forward(day("2026-05-08"), &calendar, deadlines).unwrap();
        assert_eq!(forwarded.decide_by, day("2026-05-12"));
        assert!(RepairState::Forwarded(forwarded.clone()).is_overdue(day("2026-05-13")));
        assert_eq!(
            forwarded.approve(day("2026-05-11")),
            Closed::Repaired(day("2026-05-11"))
        );
    }

    #[test]
    fn every_state_and_step_pair_is_allowed_or_refused_as_the_table_says() {
        let calendar = WorkingCalendar::parse(&builtin_files()).unwrap();
        let deadlines = RepairDeadlines::default();
        let submitted = apply_for_repair(
            &Eligibility::Eligible,
            &materials(),
            day("2026-03-02"),
            &calendar,
            deadlines,
        )
        .unwrap();
        let forwarded = submitted
            .clone()
            .forward(day("2026-03-03"), &calendar, deadlines)
            .unwrap();
        let states = [
            RepairState::Submitted(submitted),
            RepairState::Forwarded(forwarded),
            RepairState::Closed(Closed::Repaired(day("2026-03-04"))),
            RepairState::Closed(Closed::Denied("x".into())),
            RepairState::Closed(Closed::Withdrawn),
        ];
        let steps = [
            RepairStep::Forward,
            RepairStep::Deny("证明材料不实".into()),
            RepairStep::Approve,
            RepairStep::Withdraw,
        ];
        let allowed = [
            ("submitted", "转认定部门审核", "forwarded"),
            ("submitted", "不予修复", "denied"),
            ("submitted", "撤回", "withdrawn"),
            ("forwarded", "同意修复", "repaired"),
            ("forwarded", "不予修复", "denied"),
            ("forwarded", "撤回", "withdrawn"),
        ];
        for state in &states {
            for step in &steps {
                let (from, label) = (state.code(), step.label());
                let result = state
                    .clone()
                    .apply(step.clone(), day("2026-03-05"), &calendar, deadlines);
                match allowed.iter().find(|(s, l, _)| *s == from && *l == label) {
                    Some((_, _, to)) => assert_eq!(result.unwrap().code(), *to, "{from} {label}"),
                    None => assert!(
                        matches!(result, Err(RightsError::Illegal { .. })),
                        "{from} {label}: {result:?}"
                    ),
                }
            }
        }
    }
}
