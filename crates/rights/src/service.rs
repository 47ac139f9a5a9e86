//! The rights service and the desks it hands out: each holds who acts and
//! whose file or department it acts for; its methods are what that caller
//! may do.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use xinyong_access::{Access, AccessError, Caller, Principal};
use xinyong_crypto::Keys;
use xinyong_domain::RecordType;
use xinyong_domain::calendar::WorkingCalendar;
use xinyong_domain::rights::commitment::CommitmentBook;
use xinyong_domain::rights::objection::ObjectionDeadlines;
use xinyong_domain::rights::repair::RepairDeadlines;
use xinyong_domain::role::Role;
use xinyong_ingest::{Catalog, Importer};
use xinyong_store::{Store, Subject};

use crate::RightsFailure;

/// Today in China Standard Time: the day every step is dated.
pub(crate) fn today() -> chrono::NaiveDate {
    xinyong_domain::date::china_date(chrono::Utc::now())
}

/// Deadlines, in working days. Defaults: 国办发〔2025〕22号 (the platform
/// answers a repair application within 10 working days, the deciding
/// authority decides within 3).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RightsSettings {
    /// The credit office's name as a data source: the department of the
    /// breach records it finds on commitments made to the public.
    pub office: String,
    /// From a repair application to the platform's answer or forwarding.
    pub repair_platform_days: u32,
    /// From forwarding to the deciding department's decision.
    pub repair_authority_days: u32,
    /// From an objection to the platform's acceptance or refusal. No
    /// national limit was found; the default follows 信用广州 (2).
    pub objection_accept_days: u32,
    /// From acceptance to the source department's decision (信用广州: 10).
    pub objection_decide_days: u32,
}

impl Default for RightsSettings {
    fn default() -> Self {
        let deadlines = RepairDeadlines::default();
        let objections = ObjectionDeadlines::default();
        Self {
            office: "市社会信用体系建设领导小组办公室".into(),
            repair_platform_days: deadlines.platform_days,
            repair_authority_days: deadlines.authority_days,
            objection_accept_days: objections.accept_days,
            objection_decide_days: objections.decide_days,
        }
    }
}

impl RightsSettings {
    pub(crate) fn objection_deadlines(&self) -> ObjectionDeadlines {
        ObjectionDeadlines {
            accept_days: self.objection_accept_days,
            decide_days: self.objection_decide_days,
        }
    }

    pub(crate) fn repair_deadlines(&self) -> RepairDeadlines {
        RepairDeadlines {
            platform_days: self.repair_platform_days,
            authority_days: self.repair_authority_days,
        }
    }
}

/// The parts of the platform the rights service works with.
#[derive(Debug, Clone)]
pub struct RightsPlatform {
    /// Who may do what, and the journal.
    pub access: Access,
    /// The store.
    pub store: Arc<dyn Store>,
    /// The record types (corrections are checked against them).
    pub catalog: Arc<Catalog>,
    /// Imports a corrected record as its department's batch.
    pub importer: Importer,
    /// Opens sealed identifiers and seals proof documents.
    pub keys: Arc<Keys>,
    /// The data directory (proof documents go under `attachments/`).
    pub data_dir: PathBuf,
}

pub(crate) struct Inner {
    pub(crate) access: Access,
    pub(crate) store: Arc<dyn Store>,
    pub(crate) calendar: WorkingCalendar,
    pub(crate) book: CommitmentBook,
    pub(crate) settings: RightsSettings,
    pub(crate) types: HashMap<String, Arc<RecordType>>,
    pub(crate) catalog: Arc<Catalog>,
    pub(crate) importer: Importer,
    pub(crate) data_dir: PathBuf,
    /// Where proof documents are kept, sealed.
    pub(crate) attachments: PathBuf,
    pub(crate) keys: Arc<Keys>,
}

/// How long before the working-day calendar's last day the platform warns.
pub const CALENDAR_WARNING_DAYS: i64 = 60;

/// Commitments and repairs for the platform.
#[derive(Clone)]
pub struct Rights {
    pub(crate) inner: Arc<Inner>,
}

impl std::fmt::Debug for Rights {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (first, last) = self.inner.calendar.span();
        f.debug_struct("Rights")
            .field("calendar", &format!("{first}–{last}"))
            .field("settings", &self.inner.settings)
            .finish_non_exhaustive()
    }
}

impl Rights {
    /// The service on `platform`, with the calendar and commitment kinds
    /// loaded.
    pub fn new(
        platform: RightsPlatform,
        calendar: WorkingCalendar,
        book: CommitmentBook,
        settings: RightsSettings,
    ) -> Self {
        let types = platform
            .catalog
            .entries()
            .map(|e| (e.record_type.code.clone(), Arc::clone(&e.record_type)))
            .collect();
        Self {
            inner: Arc::new(Inner {
                access: platform.access,
                store: platform.store,
                calendar,
                book,
                settings,
                types,
                catalog: platform.catalog,
                importer: platform.importer,
                attachments: platform.data_dir.join("attachments"),
                data_dir: platform.data_dir,
                keys: platform.keys,
            }),
        }
    }

    /// The commitment kinds offered.
    pub fn book(&self) -> &CommitmentBook {
        &self.inner.book
    }

    /// The deadlines in force.
    pub fn settings(&self) -> &RightsSettings {
        &self.inner.settings
    }

    /// The working-day calendar.
    pub fn calendar(&self) -> &WorkingCalendar {
        &self.inner.calendar
    }

    /// The last day the working-day calendar covers, if it ends within
    /// [`CALENDAR_WARNING_DAYS`], with the days left: deadlines past it
    /// cannot be counted, so the office should add the next year first.
    pub fn calendar_ending(&self) -> Option<(chrono::NaiveDate, i64)> {
        let (_, last) = self.inner.calendar.span();
        let end = chrono::NaiveDate::from_ymd_opt(last, 12, 31)?;
        let left = (end - today()).num_days();
        (left <= CALENDAR_WARNING_DAYS).then_some((end, left.max(0)))
    }

    /// A signed-in subject's desk: its own commitments and repairs.
    pub async fn subject_desk(&self, principal: &Principal) -> Result<SubjectRights, RightsFailure> {
        let own = self.inner.access.own_file(principal).await?;
        Ok(SubjectRights {
            rights: self.clone(),
            principal: principal.clone(),
            subject: own.subject().clone(),
        })
    }

    /// The credit office's desk: it checks applications and forwards them.
    pub fn office_desk(&self, principal: &Principal) -> Result<OfficeRights, RightsFailure> {
        match &principal.caller {
            Caller::Account(a) if matches!(a.new.role, Role::Reviewer | Role::Admin) => {}
            Caller::Console(_) => {}
            Caller::Anonymous => return Err(AccessError::Unauthenticated.into()),
            _ => {
                return Err(AccessError::Forbidden(
                    "只有信用办审核员、管理员和数据提供单位可以办理信用修复、异议和信用承诺".into(),
                )
                .into());
            }
        }
        Ok(OfficeRights {
            rights: self.clone(),
            principal: principal.clone(),
        })
    }

    /// A department operator's desk: decisions on its own records' repairs,
    /// findings on commitments made to it.
    pub async fn department_desk(&self, principal: &Principal) -> Result<DepartmentRights, RightsFailure> {
        let desk = self.inner.access.department_desk(principal).await?;
        Ok(DepartmentRights {
            rights: self.clone(),
            principal: principal.clone(),
            source: desk.source().to_owned(),
        })
    }

    pub(crate) async fn journal(
        &self,
        principal: &Principal,
        action: &str,
        subject_id: Option<i64>,
        detail: serde_json::Value,
    ) -> Result<(), RightsFailure> {
        self.inner
            .access
            .journal()
            .record(principal, action, subject_id, None, detail)
            .await?;
        Ok(())
    }
}

/// What a subject may do about its own file.
#[derive(Debug)]
pub struct SubjectRights {
    pub(crate) rights: Rights,
    pub(crate) principal: Principal,
    pub(crate) subject: Subject,
}

/// What the credit office may do.
#[derive(Debug)]
pub struct OfficeRights {
    pub(crate) rights: Rights,
    pub(crate) principal: Principal,
}

impl OfficeRights {
    /// The credit office as the department of the records it makes itself
    /// (breaches of commitments made to the public, `[rights] office` their
    /// source): it decides their objections and repairs as any department
    /// decides its own.
    pub(crate) fn as_source(&self) -> DepartmentRights {
        DepartmentRights {
            rights: self.rights.clone(),
            principal: self.principal.clone(),
            source: self.rights.inner.settings.office.clone(),
        }
    }
}

impl OfficialDesk {
    /// The department whose records this desk decides on: a department's
    /// own, or the credit office's for the records it made.
    pub fn source(&self) -> &str {
        match self {
            Self::Office(desk) => &desk.rights.inner.settings.office,
            Self::Department(desk) => &desk.source,
        }
    }

    /// Whether this desk decides on a record of `source` now in the
    /// department's stage (`forwarded` repair, `reviewing` objection).
    pub fn decides(&self, source: &str) -> bool {
        self.source() == source
    }

    /// Whether this desk takes the credit office's first stage (checks
    /// repair applications, accepts objections).
    pub fn screens(&self) -> bool {
        matches!(self, Self::Office(_))
    }
}

/// What a department may do.
#[derive(Debug)]
pub struct DepartmentRights {
    pub(crate) rights: Rights,
    pub(crate) principal: Principal,
    pub(crate) source: String,
}

/// The desk an official gets: a department's for its operators and its
/// system keys (they act for their department), the credit office's for
/// everyone else the office desk admits.
#[derive(Debug)]
pub enum OfficialDesk {
    /// The credit office.
    Office(OfficeRights),
    /// A department.
    Department(DepartmentRights),
}

impl Rights {
    /// The official desk of `principal` (see [`OfficialDesk`]).
    pub async fn official_desk(&self, principal: &Principal) -> Result<OfficialDesk, RightsFailure> {
        let for_department = match &principal.caller {
            Caller::Account(a) => a.new.role == Role::Operator,
            Caller::Client(key) => key.new.department_id.is_some(),
            Caller::Anonymous | Caller::Console(_) => false,
        };
        Ok(if for_department {
            OfficialDesk::Department(self.department_desk(principal).await?)
        } else {
            OfficialDesk::Office(self.office_desk(principal)?)
        })
    }
}
