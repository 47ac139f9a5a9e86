//! Objections (异议): a subject disputes one of its records; the credit
//! office accepts or refuses it; the record's department upholds it (the
//! record corrected as a new version through the import pipeline, or
//! withdrawn) or rejects it with reasons. While it runs the record shows as
//! 异议处理中 (`Rights::under_objection`).

use chrono::NaiveDate;
use serde_json::{Map, Value, json};
use xinyong_access::Principal;
use xinyong_domain::RecordType;
use xinyong_domain::catalog::{Field, Requirement, Role};
use xinyong_domain::rights::RightsError;
use xinyong_domain::rights::objection::{
    Closed, Filed, ObjectionState, ObjectionStep, Registration, Remedy, Reviewing, file,
};
use xinyong_store::{
    NaturalKey, NewObjection, Objection, ObjectionFilter, ObjectionUpdate, RecordId, StoreError, StoredRecord,
    SubjectId,
};

use crate::service::{DepartmentRights, OfficeRights, SubjectRights, today};
use crate::{Rights, RightsFailure};

/// An objection as shown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectionView {
    /// The stored objection.
    pub objection: Objection,
    /// Its state in Chinese.
    pub state_label: &'static str,
    /// Whether the step due is late.
    pub overdue: bool,
}

impl ObjectionView {
    /// What an upheld objection changed.
    pub fn remedy(&self) -> Option<Remedy> {
        (self.objection.status == "upheld").then(|| remedy_of(self.objection.outcome.as_deref().unwrap_or("{}")))
    }

    /// The reasons given for refusing or rejecting it.
    pub fn reasons_given(&self) -> Option<&str> {
        matches!(self.objection.status.as_str(), "rejected" | "refused")
            .then_some(self.objection.outcome.as_deref())
            .flatten()
    }
}

/// Items to correct: item code → new value as text.
pub type Correction = Vec<(String, String)>;

/// Items an objection may not correct: they make the record's natural key
/// or name its subject; a record wrong in them is withdrawn and uploaded
/// anew by its department.
const KEY_ROLES: [Role; 8] = [
    Role::DocNo,
    Role::SubjectUscc,
    Role::SubjectOrgCode,
    Role::SubjectRegNo,
    Role::SubjectCategory,
    Role::IdType,
    Role::IdNumber,
    Role::Source,
];

/// Whether an upheld objection may correct `field`: not an item that keys
/// the record or names its subject or its department, not one about the
/// upload rather than the decision, and not a personal identifier (a
/// correction's value is kept in the objection's outcome and journal in
/// clear, where a sealed item must not go).
fn correctable(field: &Field) -> bool {
    !field.personal && !field.provenance && !field.role.is_some_and(|role| KEY_ROLES.contains(&role))
}

/// The items of a record (its type and stored payload) a department may
/// correct on an upheld objection, as (item code, name): the correctable
/// ones, less those only subjects of another category carry (法定代表人 on
/// a person's record) unless the record has a value for it.
fn offered_items(record_type: &RecordType, payload: &Map<String, Value>) -> Vec<(String, String)> {
    let text = |key: &str| payload.get(key).and_then(Value::as_str).filter(|v| !v.is_empty());
    let category = record_type
        .field_with_role(Role::SubjectCategory)
        .map(|idx| (idx, text(&record_type.field(idx).key)));
    let applies = |field: &Field| match (&field.required, category) {
        (Requirement::When(condition), Some((idx, Some(value)))) if condition.field == idx => {
            condition.holds(&[value]) || text(&field.key).is_some()
        }
        _ => true,
    };
    record_type
        .fields
        .iter()
        .filter(|f| correctable(f) && applies(f))
        .map(|f| (f.key.clone(), f.name.clone()))
        .collect()
}

pub(crate) fn state_of(objection: &Objection) -> Result<ObjectionState, RightsFailure> {
    let corrupt = || RightsFailure::Store(StoreError::Other(format!("异议 {} 的状态记录不完整", objection.id)));
    let outcome = || objection.outcome.clone().unwrap_or_default();
    Ok(match objection.status.as_str() {
        "filed" => ObjectionState::Filed(Filed {
            filed_on: objection.new.filed_on,
            accept_by: objection.new.accept_due,
        }),
        "reviewing" => ObjectionState::Reviewing(Reviewing {
            accepted_on: objection.accepted_on.ok_or_else(corrupt)?,
            decide_by: objection.due_on.ok_or_else(corrupt)?,
        }),
        "upheld" => ObjectionState::Closed(Closed::Upheld(remedy_of(objection.outcome.as_deref().unwrap_or("{}")))),
        "rejected" => ObjectionState::Closed(Closed::Rejected(outcome())),
        "refused" => ObjectionState::Closed(Closed::Refused(outcome())),
        "withdrawn" => ObjectionState::Closed(Closed::Withdrawn),
        _ => return Err(corrupt()),
    })
}

/// The remedy of an upheld objection, from the JSON `update_for` stores.
pub(crate) fn remedy_of(outcome: &str) -> Remedy {
    let stored: Value = serde_json::from_str(outcome).unwrap_or_default();
    if stored["remedy"] != "correction" {
        return Remedy::Withdrawal;
    }
    let changes = stored["changes"]
        .as_array()
        .map(|changes| {
            changes
                .iter()
                .map(|c| {
                    let text = |key: &str| c[key].as_str().unwrap_or_default().to_owned();
                    (text("item"), text("value"))
                })
                .collect()
        })
        .unwrap_or_default();
    Remedy::Correction(changes)
}

/// What a step changes in the stored objection.
fn update_for(next: &ObjectionState, day: NaiveDate, corrected_record: Option<RecordId>) -> ObjectionUpdate {
    let mut update = ObjectionUpdate {
        status: next.code().into(),
        due_on: None,
        accepted_on: None,
        closed_on: None,
        outcome: None,
        corrected_record,
        withdraw_record: false,
    };
    match &next {
        ObjectionState::Filed(_) => {}
        ObjectionState::Reviewing(r) => {
            update.due_on = Some(r.decide_by);
            update.accepted_on = Some(r.accepted_on);
        }
        ObjectionState::Closed(closed) => {
            update.closed_on = Some(day);
            update.outcome = match closed {
            Closed::Upheld(Remedy::Withdrawal) => {
            update.withdraw_record = true;
            Some(json!({ "remedy": "withdrawal" }).to_string())
            }
            Closed::Upheld(Remedy::Correction(changes)) => Some(
            json!({ "remedy": "correction", "changes": changes.iter().map(|(k, v)| json!({ "item": k, "value": v })).collect::<Vec<_>>() })
                .to_string(),
            ),
            Closed::Rejected(reasons) | Closed::Refused(reasons) => Some(reasons.clone()),
            Closed::Withdrawn => None,
        };
        }
    }
    update
}

impl Rights {
    fn objection_view(&self, objection: Objection, today: NaiveDate) -> Result<ObjectionView, RightsFailure> {
        let state = state_of(&objection)?;
        Ok(ObjectionView {
            state_label: state.label(),
            overdue: state.is_overdue(today),
            objection,
        })
    }

    /// Which of `records` have an objection running: they show 异议处理中.
    pub async fn under_objection(&self, records: &[RecordId]) -> Result<Vec<RecordId>, RightsFailure> {
        Ok(self.inner.store.records_under_objection(records).await?)
    }

    pub(crate) async fn objection_where(
        &self,
        id: i64,
        visible: impl Fn(&Objection) -> bool,
    ) -> Result<Objection, RightsFailure> {
        self.inner
            .store
            .objection(id)
            .await?
            .filter(visible)
            .ok_or_else(|| RightsFailure::NotFound("未找到该异议".into()))
    }

    /// Moves an objection one step, if its state allows it and `may`
    /// agrees the caller may take the step in that state; `effects` fills
    /// in what the step changed beyond the state (a corrected version, a
    /// withdrawn record).
    async fn objection_step(
        &self,
        principal: &Principal,
        objection: Objection,
        step: ObjectionStep,
        may: impl Fn(&ObjectionState) -> Result<(), RightsFailure>,
        corrected_record: Option<RecordId>,
    ) -> Result<ObjectionView, RightsFailure> {
        let day = today();
        let state = state_of(&objection)?;
        may(&state)?;
        let from = state.code();
        let next = state.apply(
            step,
            day,
            &self.inner.calendar,
            self.inner.settings.objection_deadlines(),
        )?;
        let update = update_for(&next, day, corrected_record);
        if !self.inner.store.update_objection(objection.id, from, &update).await? {
            return Err(RightsFailure::Conflict(
                "该异议的状态已被他人更新，请刷新后再办理".into(),
            ));
        }
        self.journal(
            principal,
            "objection.step",
            Some(objection.new.subject_id),
            json!({ "objection": objection.id, "record": objection.new.record_id, "from": from,
                    "to": next.code(), "outcome": update.outcome, "corrected_record": corrected_record }),
        )
        .await?;
        let updated = self.objection_where(objection.id, |_| true).await?;
        self.objection_view(updated, day)
    }

    /// Imports `record` with `changes` as a new version, as its department's
    /// batch (so every item is checked again and the old version is kept).
    async fn correct(
        &self,
        record: &StoredRecord,
        changes: &Correction,
        objection: i64,
    ) -> Result<RecordId, RightsFailure> {
        let inner = &self.inner;
        let entry = inner
            .catalog
            .get(&record.key.record_type)
            .ok_or_else(|| RightsFailure::NotFound("该信息的类别已不在目录中".into()))?
            .clone();
        let record_type = &entry.record_type;
        let mut row: Map<String, Value> = record.payload.clone();
        // Identifiers are stored masked: the row carries them whole again.
        if let Some(sealed) = &record.sealed {
            let opened = inner
                .keys
                .open(sealed)
                .map_err(|e| RightsFailure::Store(StoreError::Other(format!("sealed items: {e}"))))?;
            let clear: Map<String, Value> = serde_json::from_slice(&opened)
                .map_err(|e| RightsFailure::Store(StoreError::Other(format!("sealed items: {e}"))))?;
            row.extend(clear);
        }
        for (key, value) in changes {
            let field = record_type
                .fields
                .iter()
                .find(|f| f.key == *key)
                .ok_or_else(|| RightsError::Incomplete(format!("信息项“{key}”不存在")))?;
            if !correctable(field) {
                return Err(RightsError::Incomplete(format!(
                    "{}不能通过异议更正：请撤销该信息，由报送单位重新报送",
                    field.name
                ))
                .into());
            }
            row.insert(key.clone(), Value::String(value.trim().to_owned()));
        }
        let batch = self
            .import_row(
                &entry,
                &row,
                ("更正", &format!("异议更正（异议 {objection}）.jsonl")),
                &record.source,
            )
            .await?;
        if batch.summary.n_new_versions != 1 {
            return Err(RightsError::Incomplete("更正后的内容与原信息相同".into()).into());
        }
        let versions = inner.store.records_of_subject(record.key.subject_id, false).await?;
        versions
            .into_iter()
            .find(|r| r.key == record.key && r.current)
            .map(|r| r.id)
            .ok_or_else(|| RightsFailure::Conflict("更正后的新版本未找到".into()))
    }
}

impl Rights {
    /// Files an objection to `record` (current, and `may_object` to it) in
    /// the name of `filer`, with supporting documents already kept
    /// ([`Rights::keep_proof`]); journaled as `principal`'s.
    async fn file_objection(
        &self,
        principal: &Principal,
        record_id: i64,
        may_object: impl Fn(&StoredRecord) -> bool,
        (filer, reasons): (String, &str),
        attachments: Vec<crate::Proof>,
    ) -> Result<ObjectionView, RightsFailure> {
        let inner = &self.inner;
        let record = inner
            .store
            .record_by_id(record_id)
            .await?
            .filter(|r| r.current && may_object(r))
            .ok_or_else(|| RightsFailure::NotFound("未找到该现行信息，或无权对其登记异议".into()))?;
        let reasons = xinyong_domain::rights::required(reasons, "异议理由")?;
        let day = today();
        let filed = file(day, &inner.calendar, inner.settings.objection_deadlines())?;
        let created = inner
            .store
            .create_objection(&NewObjection {
                record_id: record.id,
                subject_id: record.key.subject_id,
                source: record.source.clone(),
                filer,
                reasons,
                filed_on: filed.filed_on,
                accept_due: filed.accept_by,
                attachments: serde_json::to_string(&attachments)
                    .map_err(|e| RightsFailure::Store(StoreError::Other(e.to_string())))?,
            })
            .await
            .map_err(|error| match error {
                StoreError::Conflict { .. } => RightsFailure::Conflict("该信息已有正在处理的异议".into()),
                other => other.into(),
            })?;
        self.journal(
            principal,
            "objection.file",
            Some(record.key.subject_id),
            json!({ "objection": created.id, "record": record.id, "filer": created.new.filer }),
        )
        .await?;
        self.objection_view(created, day)
    }
}

impl SubjectRights {
    /// Objects to one of the subject's own current records, with supporting
    /// documents already kept ([`Rights::keep_proof`]).
    pub async fn object(
        &self,
        record_id: i64,
        reasons: &str,
        attachments: Vec<crate::Proof>,
    ) -> Result<ObjectionView, RightsFailure> {
        let subject = self.subject.id;
        self.rights
            .file_objection(
                &self.principal,
                record_id,
                |r| r.key.subject_id == subject,
                ("信用主体本人（网上提交）".to_owned(), reasons),
                attachments,
            )
            .await
            .map_err(|failure| match failure {
                RightsFailure::NotFound(_) => {
                    RightsFailure::NotFound("只能对本主体信用档案中的现行信息提出异议".into())
                }
                other => other,
            })
    }

    /// The natural key of one of the subject's records, any version (an
    /// objection's record may since have been corrected or withdrawn).
    pub async fn own_record_key(&self, record_id: i64) -> Result<Option<NaturalKey>, RightsFailure> {
        let record = self.rights.inner.store.record_by_id(record_id).await?;
        Ok(record.filter(|r| r.key.subject_id == self.subject.id).map(|r| r.key))
    }

    /// The subject's objections, newest first.
    pub async fn objections(&self) -> Result<Vec<ObjectionView>, RightsFailure> {
        list(
            &self.rights,
            ObjectionFilter {
                subject_id: Some(self.subject.id),
                ..ObjectionFilter::default()
            },
        )
        .await
    }

    /// Withdraws one of its running objections.
    pub async fn withdraw_objection(&self, id: i64) -> Result<ObjectionView, RightsFailure> {
        let subject: SubjectId = self.subject.id;
        let objection = self.rights.objection_where(id, |o| o.new.subject_id == subject).await?;
        self.rights
            .objection_step(&self.principal, objection, ObjectionStep::Withdraw, |_| Ok(()), None)
            .await
    }
}

async fn list(rights: &Rights, filter: ObjectionFilter) -> Result<Vec<ObjectionView>, RightsFailure> {
    let day = today();
    let all = rights.inner.store.objections(&filter).await?;
    all.into_iter().map(|o| rights.objection_view(o, day)).collect()
}

fn forbidden(text: &str) -> RightsFailure {
    xinyong_access::AccessError::Forbidden(text.into()).into()
}

impl OfficeRights {
    /// Registers an objection to any current record that its applicant
    /// filed elsewhere (forwarded by Credit China, at a window, by letter).
    pub async fn register_objection(
        &self,
        record_id: i64,
        registration: &Registration,
        reasons: &str,
        attachments: Vec<crate::Proof>,
    ) -> Result<ObjectionView, RightsFailure> {
        let filer = registration.filer(&self.rights.inner.settings.office);
        self.rights
            .file_objection(&self.principal, record_id, |_| true, (filer, reasons), attachments)
            .await
    }

    /// Objections, the running ones only if `open_only`.
    pub async fn objections(&self, open_only: bool) -> Result<Vec<ObjectionView>, RightsFailure> {
        list(
            &self.rights,
            ObjectionFilter {
                open_only,
                ..ObjectionFilter::default()
            },
        )
        .await
    }

    /// Accepts an objection (it goes to the record's department) or refuses
    /// it with reasons.
    pub async fn screen(&self, id: i64, step: ObjectionStep) -> Result<ObjectionView, RightsFailure> {
        if !matches!(step, ObjectionStep::Accept | ObjectionStep::Refuse(_)) {
            return Err(forbidden("信用办只能受理或不予受理异议"));
        }
        let objection = self.rights.objection_where(id, |_| true).await?;
        self.rights
            .objection_step(&self.principal, objection, step, |_| Ok(()), None)
            .await
    }
}

impl DepartmentRights {
    /// The items of one of its records an upheld objection may correct, as
    /// (item code, name) in the catalogue's order: every item but those
    /// that key the record or name its subject.
    pub async fn correctable_items(&self, record_id: i64) -> Result<Vec<(String, String)>, RightsFailure> {
        let inner = &self.rights.inner;
        let record = inner
            .store
            .record_by_id(record_id)
            .await?
            .filter(|r| r.source == self.source)
            .ok_or_else(|| RightsFailure::NotFound("未找到该信息".into()))?;
        let entry = inner
            .catalog
            .get(&record.key.record_type)
            .ok_or_else(|| RightsFailure::NotFound("该信息的类别已不在目录中".into()))?;
        Ok(offered_items(&entry.record_type, &record.payload))
    }

    /// Registers an objection to one of the department's own current
    /// records that its applicant brought to the department directly (the
    /// national rules let a subject object to the authority holding the
    /// record); it then runs like any other, through the credit office.
    pub async fn register_objection(
        &self,
        record_id: i64,
        registration: &Registration,
        reasons: &str,
        attachments: Vec<crate::Proof>,
    ) -> Result<ObjectionView, RightsFailure> {
        let filer = registration.filer(&self.source);
        let source = self.source.clone();
        self.rights
            .file_objection(
                &self.principal,
                record_id,
                |r| r.source == source,
                (filer, reasons),
                attachments,
            )
            .await
    }

    /// Objections to the department's own records.
    pub async fn objections(&self, open_only: bool) -> Result<Vec<ObjectionView>, RightsFailure> {
        list(
            &self.rights,
            ObjectionFilter {
                source: Some(self.source.clone()),
                open_only,
                ..ObjectionFilter::default()
            },
        )
        .await
    }

    /// Decides an accepted objection to one of its records: upheld with a
    /// correction (a new version through the import pipeline), upheld with
    /// the record's withdrawal, or rejected with reasons.
    pub async fn decide_objection(&self, id: i64, step: ObjectionStep) -> Result<ObjectionView, RightsFailure> {
        if !matches!(step, ObjectionStep::Uphold(_) | ObjectionStep::Reject(_)) {
            return Err(forbidden("报送单位只能认定异议成立或不成立"));
        }
        let source = self.source.clone();
        let objection = self.rights.objection_where(id, |o| o.new.source == source).await?;
        let reviewing = |state: &ObjectionState| match state {
            ObjectionState::Filed(_) => Err(forbidden("该异议尚未受理，未转本单位")),
            _ => Ok(()),
        };
        // Check the step is legal before anything is imported.
        let state = state_of(&objection)?;
        reviewing(&state)?;
        let probe = state.apply(
            step.clone(),
            today(),
            &self.rights.inner.calendar,
            self.rights.inner.settings.objection_deadlines(),
        );
        if let Err(error) = &probe {
            return Err(error.clone().into());
        }
        let (ObjectionStep::Uphold(Remedy::Correction(changes)), Ok(next)) = (&step, probe) else {
            if !matches!(step, ObjectionStep::Uphold(Remedy::Withdrawal)) {
                return self
                    .rights
                    .objection_step(&self.principal, objection, step, reviewing, None)
                    .await;
            }
            // A withdrawn breach record reopens its commitment: step and
            // reopening run in a task of their own so that a caller that goes
            // away cannot stop them in between; once the step is taken, a
            // reopening that fails is logged (a start gives it back too).
            let (rights, principal) = (self.rights.clone(), self.principal.clone());
            return tokio::spawn(async move {
                let (id, record) = (objection.id, objection.new.record_id);
                let view = rights
                    .objection_step(&principal, objection, step, reviewing, None)
                    .await?;
                if let Err(error) = rights.reopen_withdrawn_breach(&principal, record).await {
                    tracing::error!(objection = id, %error, "the withdrawn breach's commitment was not reopened");
                }
                Ok(view)
            })
            .await
            .map_err(|e| RightsFailure::Store(StoreError::Other(format!("objection withdrawal task: {e}"))))?;
        };
        // A correction runs in a task of its own, so that a caller that goes
        // away cannot stop it between the claim and the link.
        let (rights, principal, changes) = (self.rights.clone(), self.principal.clone(), changes.clone());
        tokio::spawn(async move {
            rights
                .uphold_with_correction(&principal, objection, &changes, next)
                .await
        })
        .await
        .map_err(|e| RightsFailure::Store(StoreError::Other(format!("objection correction task: {e}"))))?
    }
}

impl Rights {
    /// Upholds `objection` with a correction: claims it first (so no one
    /// else decides it meanwhile), imports the corrected row, then links the
    /// new version — or gives the objection back if the correction fails.
    async fn uphold_with_correction(
        &self,
        principal: &Principal,
        objection: Objection,
        changes: &Correction,
        next: ObjectionState,
    ) -> Result<ObjectionView, RightsFailure> {
        let store = &self.inner.store;
        // The record objected to, as it stands now (a newer version may have come since).
        let original = store
            .record_by_id(objection.new.record_id)
            .await?
            .ok_or_else(|| RightsFailure::NotFound("该信息不存在".into()))?;
        let record = store
            .records_of_subject(original.key.subject_id, false)
            .await?
            .into_iter()
            .find(|r| r.key == original.key)
            .ok_or_else(|| RightsFailure::Conflict("该信息已被撤销，无法更正".into()))?;
        let day = today();
        let claimed = update_for(&next, day, None);
        if !store.update_objection(objection.id, "reviewing", &claimed).await? {
            return Err(RightsFailure::Conflict(
                "该异议的状态已被他人更新，请刷新后再办理".into(),
            ));
        }
        match self.correct(&record, changes, objection.id).await {
            Ok(corrected) => {
                let linked = update_for(&next, day, Some(corrected));
                store.update_objection(objection.id, "upheld", &linked).await?;
                self.journal(
                    principal,
                    "objection.step",
                    Some(objection.new.subject_id),
                    json!({ "objection": objection.id, "record": objection.new.record_id, "from": "reviewing",
                                "to": "upheld", "outcome": linked.outcome, "corrected_record": corrected }),
                )
                .await?;
                let updated = self.objection_where(objection.id, |_| true).await?;
                self.objection_view(updated, day)
            }
            Err(failure) => {
                let back = ObjectionUpdate {
                    status: "reviewing".into(),
                    due_on: objection.due_on,
                    accepted_on: None,
                    closed_on: None,
                    outcome: None,
                    corrected_record: None,
                    withdraw_record: false,
                };
                // The caller hears why the correction failed; a give-back that
                // fails too is logged.
                match store.update_objection(objection.id, "upheld", &back).await {
                    Ok(true) => {}
                    Ok(false) => tracing::error!(objection = objection.id, "a failed correction was moved meanwhile"),
                    Err(error) => {
                        tracing::error!(objection = objection.id, %error, "a failed correction could not be given back")
                    }
                }
                Err(failure)
            }
        }
    }
}

impl crate::OfficialDesk {
    /// Objections waiting for this desk (the running ones only if `open_only`).
    pub async fn objections(&self, open_only: bool) -> Result<Vec<ObjectionView>, RightsFailure> {
        match self {
            Self::Office(desk) => desk.objections(open_only).await,
            Self::Department(desk) => desk.objections(open_only).await,
        }
    }

    /// Registers an objection filed elsewhere, on a record this desk may
    /// register one for.
    pub async fn register_objection(
        &self,
        record_id: i64,
        registration: &Registration,
        reasons: &str,
        attachments: Vec<crate::Proof>,
    ) -> Result<ObjectionView, RightsFailure> {
        match self {
            Self::Office(desk) => {
                desk.register_objection(record_id, registration, reasons, attachments)
                    .await
            }
            Self::Department(desk) => {
                desk.register_objection(record_id, registration, reasons, attachments)
                    .await
            }
        }
    }

    /// A step on an objection, in this desk's stage.
    pub async fn objection_step(&self, id: i64, step: ObjectionStep) -> Result<ObjectionView, RightsFailure> {
        match self {
            Self::Office(desk) => {
                // On a record the office made it also decides, as its department.
                let objection = desk.rights.objection_where(id, |_| true).await?;
                let deciding = matches!(step, ObjectionStep::Uphold(_) | ObjectionStep::Reject(_));
                if deciding && self.decides(&objection.new.source) {
                    desk.as_source().decide_objection(id, step).await
                } else {
                    desk.screen(id, step).await
                }
            }
            Self::Department(desk) => desk.decide_objection(id, step).await,
        }
    }

    /// What a record this desk handles objections on is: its type's name
    /// and document number (the credit office: any record; a department:
    /// its own).
    pub async fn record_label(&self, record_id: i64) -> Result<Option<String>, RightsFailure> {
        let inner = match self {
            Self::Office(desk) => &desk.rights.inner,
            Self::Department(desk) => &desk.rights.inner,
        };
        let record = inner.store.record_by_id(record_id).await?;
        Ok(record.filter(|r| self.screens() || self.decides(&r.source)).map(|r| {
            let kind = inner
                .catalog
                .get(&r.key.record_type)
                .map_or(r.key.record_type.clone(), |e| e.record_type.name.clone());
            format!("{kind} · {}", r.key.doc_no)
        }))
    }

    /// The items of a record this desk decides on that an upheld objection
    /// may correct, as (item code, name).
    pub async fn correctable_items(&self, record_id: i64) -> Result<Vec<(String, String)>, RightsFailure> {
        match self {
            Self::Office(desk) => desk.as_source().correctable_items(record_id).await,
            Self::Department(desk) => desk.correctable_items(record_id).await,
        }
    }
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;

    use serde_json::{Map, Value, json};
    use xinyong_domain::RecordType;

    use super::{Closed, ObjectionState, Remedy, offered_items, remedy_of, update_for};

    #[test]
    fn a_department_is_offered_the_items_it_may_correct_for_this_record() {
        let (_, text) = xinyong_ingest::builtin_catalog()
            .into_iter()
            .find(|(name, _)| name == "xzcf.toml")
            .expect("xzcf.toml is shipped");
        let xzcf = RecordType::from_toml(&text).expect("xzcf.toml parses");
        let offered = |payload: Value| {
            let Value::Object(payload) = payload else {
                unreachable!()
            };
            let payload: Map<String, Value> = payload;
            offered_items(&xzcf, &payload)
                .into_iter()
                .map(|(key, _)| key)
                .collect::<Vec<_>>()
        };
        let company = offered(json!({ "CF_XDR_LB": "法人及非法人组织", "CF_FRDB": "王五" }));
        let person = offered(json!({ "CF_XDR_LB": "自然人" }));
        for key in ["CF_NR_FK", "CF_WFXW", "CF_SY"] {
            assert!(
                company.contains(&key.to_owned()) && person.contains(&key.to_owned()),
                "{key}"
            );
        }
        assert!(company.contains(&"CF_FRDB".to_owned()));
        assert!(!person.contains(&"CF_FRDB".to_owned()), "no 法定代表人 for a person");
        for never in [
            "CF_WSH",
            "CF_XDR_SHXYM",
            "CF_XDR_GSZC",
            "CF_XDR_ZJHM",
            "CF_FR_ZJHM",
            "CF_SJLYDM",
            "SJC",
        ] {
            assert!(
                !company.contains(&never.to_owned()) && !person.contains(&never.to_owned()),
                "{never}"
            );
        }
    }

    #[test]
    fn an_upheld_remedy_reads_back_as_it_was_stored() {
        let day = NaiveDate::from_ymd_opt(2026, 3, 5).unwrap_or_default();
        for remedy in [
            Remedy::Withdrawal,
            Remedy::Correction(vec![("CF_NR_FK".into(), "0.3".into()), ("CF_BZ".into(), "更正".into())]),
        ] {
            let update = update_for(&ObjectionState::Closed(Closed::Upheld(remedy.clone())), day, None);
            assert_eq!(update.status, "upheld");
            assert_eq!(update.withdraw_record, remedy == Remedy::Withdrawal);
            assert_eq!(remedy_of(update.outcome.as_deref().unwrap_or_default()), remedy);
        }
    }
}
