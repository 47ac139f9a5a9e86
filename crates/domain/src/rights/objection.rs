//! Objections (异议): a subject, or someone acting for it, disputes a record
//! (wrong, missing, duplicated or improperly published content, a publicity
//! period, a repair result). While it runs the record is shown as
//! 异议处理中 everywhere.
//!
//! Deadlines are in working days and configurable: no national limit was
//! found (see `shared/reference` §4, UNCONFIRMED); the defaults follow the
//! 信用广州 rules — the platform accepts or refuses within 2 working days,
//! the source department verifies within 10.

use chrono::NaiveDate;

use super::{RightsError, plain, required};
use crate::calendar::WorkingCalendar;

/// Working-day limits of an objection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ObjectionDeadlines {
    /// From filing to acceptance (or refusal) by the platform.
    pub accept_days: u32,
    /// From acceptance to the source department's decision.
    pub decide_days: u32,
}

impl Default for ObjectionDeadlines {
    fn default() -> Self {
        Self {
            accept_days: 2,
            decide_days: 10,
        }
    }
}

/// How an objection the subject did not file here itself reached the
/// platform: the national rules let a subject object through Credit China
/// (信用中国, which forwards it) or directly to the authority holding the
/// record (reference §4, source S22); at a service window or by letter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Channel {
    /// 信用中国网站转办.
    CreditChina,
    /// 窗口受理.
    Counter,
    /// 信函.
    Mail,
}

impl Channel {
    /// Every channel, in the order forms list them.
    pub const ALL: [Self; 3] = [Self::CreditChina, Self::Counter, Self::Mail];

    /// The code requests use.
    pub fn code(self) -> &'static str {
        match self {
            Self::CreditChina => "credit_china",
            Self::Counter => "counter",
            Self::Mail => "mail",
        }
    }

    /// The channel for `code`.
    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.code() == code)
    }

    /// In Chinese.
    pub fn label(self) -> &'static str {
        match self {
            Self::CreditChina => "信用中国网站转办",
            Self::Counter => "窗口受理",
            Self::Mail => "信函",
        }
    }
}

/// In what capacity the applicant of an objection acts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Standing {
    /// The subject itself (a person, or an organisation's legal representative).
    Subject,
    /// Someone the subject has authorised in writing (委托代理人).
    Agent,
}

impl Standing {
    /// The code requests use.
    pub fn code(self) -> &'static str {
        match self {
            Self::Subject => "subject",
            Self::Agent => "agent",
        }
    }

    /// The standing for `code`.
    pub fn from_code(code: &str) -> Option<Self> {
        [Self::Subject, Self::Agent].into_iter().find(|s| s.code() == code)
    }

    /// In Chinese.
    pub fn label(self) -> &'static str {
        match self {
            Self::Subject => "信用主体本人或法定代表人",
            Self::Agent => "委托代理人",
        }
    }
}

/// An objection an official registers for an applicant who filed it
/// elsewhere: who applied, in what capacity, and how it arrived.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Registration {
    applicant: String,
    standing: Standing,
    channel: Channel,
}

impl Registration {
    /// The applicant's name (at most 50 characters, plain text); an agent
    /// must show its authority, so `documents` (the files kept with the
    /// objection) must include the 授权委托书.
    pub fn new(applicant: &str, standing: Standing, channel: Channel, documents: usize) -> Result<Self, RightsError> {
        let applicant = required(&plain(applicant.trim(), "申请人姓名或名称", 50)?, "申请人姓名或名称")?;
        if standing == Standing::Agent && documents == 0 {
            return Err(RightsError::Incomplete(
                "委托代理人提出的异议须附信用主体签署的授权委托书（作为附件上传）".into(),
            ));
        }
        Ok(Self {
            applicant,
            standing,
            channel,
        })
    }

    /// Who filed it, as the objection records it: the applicant, its
    /// capacity, the channel and the desk (the credit office or a
    /// department, by name) that registered it.
    pub fn filer(&self, registered_by: &str) -> String {
        format!(
            "{}（{}，{}，由{}登记）",
            self.applicant,
            self.standing.label(),
            self.channel.label(),
            registered_by
        )
    }
}

/// Filed, awaiting the platform's acceptance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Filed {
    /// Day filed.
    pub filed_on: NaiveDate,
    /// Last day for accepting or refusing it.
    pub accept_by: NaiveDate,
}

/// Accepted: with the source department, the record marked 异议处理中.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reviewing {
    /// Day accepted.
    pub accepted_on: NaiveDate,
    /// Last day for the department's decision.
    pub decide_by: NaiveDate,
}

/// What an upheld objection changes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Remedy {
    /// Items corrected (item code, new value); the record gets a new
    /// version and the old one is kept.
    Correction(Vec<(String, String)>),
    /// The record is withdrawn (撤销): it stops being current.
    Withdrawal,
}

/// How an objection ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Closed {
    /// 异议成立.
    Upheld(Remedy),
    /// 异议不成立, with the reasons given to the filer.
    Rejected(String),
    /// 不予受理 (out of scope, no standing, no grounds), with reasons.
    Refused(String),
    /// 已撤回 by the filer.
    Withdrawn,
}

/// An objection's state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ObjectionState {
    /// 待受理.
    Filed(Filed),
    /// 核查中.
    Reviewing(Reviewing),
    /// 已办结.
    Closed(Closed),
}

/// A step, as requested from outside.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ObjectionStep {
    /// The platform accepts it and sends it to the source department.
    Accept,
    /// The platform refuses it, with reasons.
    Refuse(String),
    /// The department upholds it.
    Uphold(Remedy),
    /// The department rejects it, with reasons.
    Reject(String),
    /// The filer withdraws it.
    Withdraw,
}

impl ObjectionStep {
    fn label(&self) -> &'static str {
        match self {
            Self::Accept => "受理",
            Self::Refuse(_) => "不予受理",
            Self::Uphold(_) => "认定异议成立",
            Self::Reject(_) => "认定异议不成立",
            Self::Withdraw => "撤回",
        }
    }
}

/// Files an objection on `today`.
pub fn file(today: NaiveDate, calendar: &WorkingCalendar, deadlines: ObjectionDeadlines) -> Result<Filed, RightsError> {
    Ok(Filed {
        filed_on: today,
        accept_by: calendar.add_working_days(today, deadlines.accept_days)?,
    })
}

impl Filed {
    /// Accepted on `today`: the department's deadline starts.
    pub fn accept(
        self,
        today: NaiveDate,
        calendar: &WorkingCalendar,
        deadlines: ObjectionDeadlines,
    ) -> Result<Reviewing, RightsError> {
        Ok(Reviewing {
            accepted_on: today,
            decide_by: calendar.add_working_days(today, deadlines.decide_days)?,
        })
    }

    /// Refused, with reasons.
    pub fn refuse(self, reasons: &str) -> Result<Closed, RightsError> {
        Ok(Closed::Refused(required(reasons, "不予受理的理由")?))
    }

    /// Withdrawn by the filer.
    pub fn withdraw(self) -> Closed {
        Closed::Withdrawn
    }
}

impl Reviewing {
    /// Upheld: the record is corrected or withdrawn.
    pub fn uphold(self, remedy: Remedy) -> Result<Closed, RightsError> {
        if let Remedy::Correction(changes) = &remedy {
            if changes.is_empty() {
                return Err(RightsError::Incomplete("请填写更正的信息项和更正后的值".into()));
            }
            if changes.iter().any(|(item, _)| item.trim().is_empty()) {
                return Err(RightsError::Incomplete("更正的信息项不能为空".into()));
            }
        }
        Ok(Closed::Upheld(remedy))
    }

    /// Rejected, with reasons.
    pub fn reject(self, reasons: &str) -> Result<Closed, RightsError> {
        Ok(Closed::Rejected(required(reasons, "异议不成立的理由")?))
    }

    /// Withdrawn by the filer.
    pub fn withdraw(self) -> Closed {
        Closed::Withdrawn
    }
}

impl ObjectionState {
    /// Stable machine name of the state.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Filed(_) => "filed",
            Self::Reviewing(_) => "reviewing",
            Self::Closed(Closed::Upheld(_)) => "upheld",
            Self::Closed(Closed::Rejected(_)) => "rejected",
            Self::Closed(Closed::Refused(_)) => "refused",
            Self::Closed(Closed::Withdrawn) => "withdrawn",
        }
    }

    /// The state in Chinese.
    pub fn label(&self) -> &'static str {
        match self {
            Self::Filed(_) => "待受理",
            Self::Reviewing(_) => "核查中",
            Self::Closed(Closed::Upheld(_)) => "异议成立",
            Self::Closed(Closed::Rejected(_)) => "异议不成立",
            Self::Closed(Closed::Refused(_)) => "不予受理",
            Self::Closed(Closed::Withdrawn) => "已撤回",
        }
    }

    /// Whether the objection still runs: its record shows 异议处理中.
    pub fn is_open(&self) -> bool {
        !matches!(self, Self::Closed(_))
    }

    /// Whether the step due has not been taken by its last day.
    pub fn is_overdue(&self, today: NaiveDate) -> bool {
        match self {
            Self::Filed(filed) => today > filed.accept_by,
            Self::Reviewing(reviewing) => today > reviewing.decide_by,
            Self::Closed(_) => false,
        }
    }

    /// Takes `step` on `today`, or refuses it if the state does not allow it.
    pub fn apply(
        self,
        step: ObjectionStep,
        today: NaiveDate,
        calendar: &WorkingCalendar,
        deadlines: ObjectionDeadlines,
    ) -> Result<Self, RightsError> {
        let illegal = |state: &Self, step: &ObjectionStep| RightsError::Illegal {
            workflow: "异议",
            state: state.label(),
            step: step.label(),
        };
        match (self, step) {
            (Self::Filed(filed), ObjectionStep::Accept) => {
                Ok(Self::Reviewing(filed.accept(today, calendar, deadlines)?))
            }
            (Self::Filed(filed), ObjectionStep::Refuse(reasons)) => Ok(Self::Closed(filed.refuse(&reasons)?)),
            (Self::Filed(filed), ObjectionStep::Withdraw) => Ok(Self::Closed(filed.withdraw())),
            (Self::Reviewing(reviewing), ObjectionStep::Uphold(remedy)) => Ok(Self::Closed(reviewing.uphold(remedy)?)),
            (Self::Reviewing(reviewing), ObjectionStep::Reject(reasons)) => {
                Ok(Self::Closed(reviewing.reject(&reasons)?))
            }
            (Self::Reviewing(reviewing), ObjectionStep::Withdraw) => Ok(Self::Closed(reviewing.withdraw())),
            (state, step) => Err(illegal(&state, &step)),
        }
    }
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;

    use super::{
        Channel, Closed, ObjectionDeadlines, ObjectionState, ObjectionStep, Registration, Remedy, Standing, file,
    };
    use crate::calendar::{WorkingCalendar, builtin_files};
    use crate::rights::RightsError;

    fn day(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn a_registration_names_the_applicant_and_an_agent_shows_its_authority() {
        let by_mail = Registration::new(" 王某 ", Standing::Subject, Channel::Mail, 0).unwrap();
        assert_eq!(
            by_mail.filer("淮北市市场监督管理局"),
            "王某（信用主体本人或法定代表人，信函，由淮北市市场监督管理局登记）"
        );
        let agent = |documents| Registration::new("安徽某律师事务所", Standing::Agent, Channel::Counter, documents);
        assert!(matches!(agent(0), Err(RightsError::Incomplete(m)) if m.contains("授权委托书")));
        assert!(agent(1).is_ok());
        for bad in ["", "  ", &"名".repeat(51), "王\u{202E}某"] {
            assert!(
                Registration::new(bad, Standing::Subject, Channel::CreditChina, 0).is_err(),
                "{bad:?}"
            );
        }
        for channel in Channel::ALL {
            assert_eq!(Channel::from_code(channel.code()), Some(channel));
        }
        assert_eq!(Standing::from_code("agent"), Some(Standing::Agent));
        assert_eq!((Channel::from_code("fax"), Standing::from_code("")), (None, None));
    }

    fn steps() -> Vec<ObjectionStep> {
        vec![
            ObjectionStep::Accept,
            ObjectionStep::Refuse("不属于异议范围".into()),
            ObjectionStep::Uphold(Remedy::Withdrawal),
            ObjectionStep::Reject("信息与决定书一致".into()),
            ObjectionStep::Withdraw,
        ]
    }

    fn states(calendar: &WorkingCalendar) -> Vec<ObjectionState> {
        let filed = file(day("2026-03-02"), calendar, ObjectionDeadlines::default()).unwrap();
        let reviewing = filed
            .clone()
            .accept(day("2026-03-03"), calendar, ObjectionDeadlines::default())
            .unwrap();
        vec![
            ObjectionState::Filed(filed),
            ObjectionState::Reviewing(reviewing),
            ObjectionState::Closed(Closed::Upheld(Remedy::Withdrawal)),
            ObjectionState::Closed(Closed::Rejected("x".into())),
            ObjectionState::Closed(Closed::Refused("x".into())),
            ObjectionState::Closed(Closed::Withdrawn),
        ]
    }

    #[test]
    fn every_state_and_step_pair_is_allowed_or_refused_as_the_table_says() {
        let calendar = WorkingCalendar::parse(&builtin_files()).unwrap();
        // (state, step) pairs that are allowed, and the state they lead to.
        let allowed = [
            ("filed", "受理", "reviewing"),
            ("filed", "不予受理", "refused"),
            ("filed", "撤回", "withdrawn"),
            ("reviewing", "认定异议成立", "upheld"),
            ("reviewing", "认定异议不成立", "rejected"),
            ("reviewing", "撤回", "withdrawn"),
        ];
        for state in states(&calendar) {
            for step in steps() {
                let (from, label) = (state.code(), step.label());
                let result = state
                    .clone()
                    .apply(step, day("2026-03-04"), &calendar, ObjectionDeadlines::default());
                match allowed.iter().find(|(s, l, _)| *s == from && *l == label) {
                    Some((_, _, to)) => assert_eq!(result.unwrap().code(), *to, "{from} {label}"),
                    None => assert!(
                        matches!(result, Err(RightsError::Illegal { .. })),
                        "{from} {label} must be refused: {result:?}"
                    ),
                }
            }
        }
    }

    #[test]
    fn deadlines_run_in_working_days_and_flag_the_overdue() {
        let calendar = WorkingCalendar::parse(&builtin_files()).unwrap();
        let deadlines = ObjectionDeadlines::default();
        // Filed the Friday before the 2026 Spring Festival (2-15 to 2-23 off,
        // Saturday 2-14 worked): accept by 2-24, then 10 working days.
        let filed = file(day("2026-02-13"), &calendar, deadlines).unwrap();
        assert_eq!(filed.accept_by, day("2026-02-24"));
        let state = ObjectionState::Filed(filed.clone());
        assert!(state.is_open());
        assert!(!state.is_overdue(day("2026-02-24")));
        assert!(state.is_overdue(day("2026-02-25")));
        let reviewing = filed.accept(day("2026-02-24"), &calendar, deadlines).unwrap();
        assert_eq!(reviewing.decide_by, day("2026-03-09"));
        let closed = ObjectionState::Closed(reviewing.reject("经核实，信息准确").unwrap());
        assert!(!closed.is_open() && !closed.is_overdue(day("2027-01-01")));
    }

    #[test]
    fn outcomes_need_their_reasons_and_corrections() {
        let calendar = WorkingCalendar::parse(&builtin_files()).unwrap();
        let filed = file(day("2026-03-02"), &calendar, ObjectionDeadlines::default()).unwrap();
        assert!(matches!(filed.clone().refuse("  "), Err(RightsError::Incomplete(_))));
        let reviewing = filed
            .accept(day("2026-03-02"), &calendar, ObjectionDeadlines::default())
            .unwrap();
        assert!(reviewing.clone().reject("").is_err());
        assert!(reviewing.clone().uphold(Remedy::Correction(Vec::new())).is_err());
        let corrected = reviewing
            .uphold(Remedy::Correction(vec![("CF_FK".into(), "0.3".into())]))
            .unwrap();
        assert_eq!(
            corrected,
            Closed::Upheld(Remedy::Correction(vec![("CF_FK".into(), "0.3".into())]))
        );
    }
}
