//! Credit repair: eligibility from the record's class, the application with
//! its proof and the signed 信用修复承诺书, the credit office's check and
//! forwarding, the deciding department's decision (谁认定、谁修复). An
//! approved repair marks the record, which then leaves public pages,
//! sharing and credit-check triggers (see `visibility::decide`).

use std::io::Read;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use serde_json::json;
use xinyong_access::{AccessError, Principal};
use xinyong_domain::rights::RightsError;
use xinyong_domain::rights::repair::{
    Closed, Eligibility, Forwarded, Materials, RepairState, RepairStep, Submitted, apply_for_repair, eligibility,
};
use xinyong_store::{NewRepair, Repair, RepairFilter, RepairUpdate, StoreError, StoredRecord};

use crate::service::{DepartmentRights, OfficeRights, SubjectRights, today};
use crate::{Rights, RightsFailure};

/// The commitment kind a repair application must come with.
pub const REPAIR_COMMITMENT: &str = "xyxf";

/// Largest proof document accepted, in bytes.
pub const MAX_PROOF_BYTES: u64 = 10 * 1024 * 1024;

/// One proof document as kept: SM4-sealed under the data directory.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Proof {
    /// The file's name as uploaded.
    pub name: String,
    /// Its size in bytes.
    pub size: u64,
    /// SM3 of its content, hexadecimal.
    pub digest: String,
    /// Where it is kept, relative to the attachments directory.
    pub file: String,
}

/// A repair as shown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RepairView {
    /// The stored repair.
    pub repair: Repair,
    /// Its state in Chinese.
    pub state_label: &'static str,
    /// Whether the step due is late.
    pub overdue: bool,
    /// Whether it still runs (not yet repaired, denied or withdrawn).
    pub open: bool,
}

pub(crate) fn state_of(repair: &Repair) -> Result<RepairState, RightsFailure> {
    let corrupt = || RightsFailure::Store(StoreError::Other(format!("修复申请 {} 的状态记录不完整", repair.id)));
    Ok(match repair.status.as_str() {
        "submitted" => RepairState::Submitted(Submitted {
            submitted_on: repair.new.submitted_on,
            platform_by: repair.due_on.ok_or_else(corrupt)?,
        }),
        "forwarded" => RepairState::Forwarded(Forwarded {
            forwarded_on: repair.forwarded_on.ok_or_else(corrupt)?,
            decide_by: repair.due_on.ok_or_else(corrupt)?,
        }),
        "repaired" => RepairState::Closed(Closed::Repaired(repair.closed_on.ok_or_else(corrupt)?)),
        "denied" => RepairState::Closed(Closed::Denied(repair.reasons.clone().unwrap_or_default())),
        "withdrawn" => RepairState::Closed(Closed::Withdrawn),
        _ => return Err(corrupt()),
    })
}

fn update_for(state: &RepairState, today: NaiveDate) -> RepairUpdate {
    let mut update = RepairUpdate {
        status: state.code().into(),
        due_on: None,
        forwarded_on: None,
        closed_on: None,
        reasons: None,
        repaired_on: None,
    };
    match state {
        RepairState::Submitted(s) => update.due_on = Some(s.platform_by),
        RepairState::Forwarded(f) => {
            update.due_on = Some(f.decide_by);
            update.forwarded_on = Some(f.forwarded_on);
        }
        RepairState::Closed(closed) => {
            update.closed_on = Some(today);
            match closed {
                Closed::Repaired(day) => update.repaired_on = Some(*day),
                Closed::Denied(reasons) => update.reasons = Some(reasons.clone()),
                Closed::Withdrawn => {}
            }
        }
    }
    update
}

impl Rights {
    fn repair_view(&self, repair: Repair, today: NaiveDate) -> Result<RepairView, RightsFailure> {
        let state = state_of(&repair)?;
        Ok(RepairView {
            state_label: state.label(),
            overdue: state.is_overdue(today),
            open: !matches!(state, RepairState::Closed(_)),
            repair,
        })
    }

    /// Whether `record` may be repaired on `today`.
    pub fn eligibility_of(&self, record: &StoredRecord, today: NaiveDate) -> Eligibility {
        let Some(record_type) = self.inner.types.get(&record.key.record_type) else {
            return Eligibility::NotRepairable;
        };
        if record.repaired_on.is_some() || !record.current {
            return Eligibility::NotPublished;
        }
        let values_of = |idx: xinyong_domain::catalog::FieldIdx| -> Vec<&str> {
            record_type
                .fields
                .get(idx.0)
                .and_then(|field| record.payload.get(&field.key))
                .and_then(|v| v.as_str())
                .map(|text| text.split('、').map(str::trim).collect())
                .unwrap_or_default()
        };
        match record_type.publicity.repair_terms(values_of) {
            Some(terms) => eligibility(&record.publicity, terms.min_months, terms.repairable, today),
            // Licences and list entries are not repaired (a listing ends by its removal).
            None => Eligibility::NotApplicable,
        }
    }

    /// Moves a repair one step as `principal`, if its state allows it and
    /// `may` agrees the caller may take the step in that state.
    async fn step(
        &self,
        principal: &Principal,
        repair: Repair,
        step: RepairStep,
        may: impl Fn(&RepairState) -> Result<(), RightsFailure>,
    ) -> Result<RepairView, RightsFailure> {
        let day = today();
        let state = state_of(&repair)?;
        may(&state)?;
        let from = state.code();
        let next = state.apply(step, day, &self.inner.calendar, self.inner.settings.repair_deadlines())?;
        let update = update_for(&next, day);
        if !self.inner.store.update_repair(repair.id, from, &update).await? {
            return Err(RightsFailure::Conflict(
                "该申请的状态已被他人更新，请刷新后再办理".into(),
            ));
        }
        self.journal(
            principal,
            "repair.step",
            Some(repair.new.subject_id),
            json!({ "repair": repair.id, "record": repair.new.record_id, "from": from, "to": next.code(),
                    "reasons": update.reasons }),
        )
        .await?;
        let updated = self
            .inner
            .store
            .repair(repair.id)
            .await?
            .ok_or_else(|| RightsFailure::NotFound("修复申请不存在".into()))?;
        self.repair_view(updated, day)
    }

    pub(crate) async fn repair_where(
        &self,
        id: i64,
        visible: impl Fn(&Repair) -> bool,
    ) -> Result<Repair, RightsFailure> {
        self.inner
            .store
            .repair(id)
            .await?
            .filter(visible)
            .ok_or_else(|| RightsFailure::NotFound("未找到该修复申请".into()))
    }

    /// Keeps one proof document, sealed; `read` yields its bytes.
    pub fn keep_proof(&self, name: &str, mut read: impl Read) -> Result<Proof, RightsFailure> {
        let internal = |e: std::io::Error| RightsFailure::Store(StoreError::Other(format!("proof file: {e}")));
        let mut bytes = Vec::new();
        (&mut read)
            .take(MAX_PROOF_BYTES + 1)
            .read_to_end(&mut bytes)
            .map_err(internal)?;
        if bytes.len() as u64 > MAX_PROOF_BYTES {
            return Err(
                RightsError::Incomplete(format!("证明材料“{name}”超过{}MB", MAX_PROOF_BYTES / 1024 / 1024)).into(),
            );
        }
        if bytes.is_empty() {
            return Err(RightsError::Incomplete(format!("证明材料“{name}”是空文件")).into());
        }
        let digest = xinyong_crypto::hex(&xinyong_crypto::sm3(&bytes));
        let sealed = self
            .inner
            .keys
            .seal(&bytes)
            .map_err(|e| RightsFailure::Store(StoreError::Other(e.to_string())))?;
        xinyong_crypto::create_private_dir(&self.inner.attachments).map_err(internal)?;
        let file = format!("{digest}.sm4");
        xinyong_crypto::create_private_file(&self.inner.attachments.join(&file))
            .and_then(|mut kept| std::io::Write::write_all(&mut kept, &sealed))
            .map_err(internal)?;
        Ok(Proof {
            name: name.chars().take(100).collect(),
            size: bytes.len() as u64,
            digest,
            file,
        })
    }
}

impl SubjectRights {
    async fn own_record(&self, record_id: i64) -> Result<StoredRecord, RightsFailure> {
        self.rights
            .inner
            .store
            .record_by_id(record_id)
            .await?
            .filter(|r| r.key.subject_id == self.subject.id && r.current)
            .ok_or_else(|| RightsFailure::NotFound("未在您的信用档案中找到该信息".into()))
    }

    /// Whether one of the subject's records may be repaired today, and
    /// from when.
    pub async fn eligibility(&self, record_id: i64) -> Result<Eligibility, RightsFailure> {
        let record = self.own_record(record_id).await?;
        Ok(self.rights.eligibility_of(&record, today()))
    }

    /// Applies for repair of a record, with proof documents already kept
    /// ([`Rights::keep_proof`]) and a signed 信用修复承诺书 of the subject's.
    pub async fn apply(
        &self,
        record_id: i64,
        commitment_id: i64,
        proof: Vec<Proof>,
    ) -> Result<RepairView, RightsFailure> {
        let inner = &self.rights.inner;
        let record = self.own_record(record_id).await?;
        let day = today();
        // Whether it may be repaired at all is the first thing to tell.
        let eligibility = self.rights.eligibility_of(&record, day);
        if eligibility != Eligibility::Eligible {
            return Err(RightsError::NotAllowed(eligibility.explain()).into());
        }
        let commitment = inner
            .store
            .commitment(commitment_id)
            .await?
            .filter(|c| {
                c.new.subject_id == self.subject.id
                    && c.new.kind == REPAIR_COMMITMENT
                    && c.status == "signed"
                    && c.new.matter == record.key.doc_no
            })
            .ok_or_else(|| {
                RightsFailure::NotFound(format!(
                    "请先就“{}”签署信用修复承诺书，并在申请中选择它",
                    record.key.doc_no
                ))
            })?;
        let materials = Materials {
            proof: proof.iter().map(|p| p.digest.clone()).collect(),
            commitment: Some(commitment.id),
            other: Vec::new(),
        };
        let submitted = apply_for_repair(
            &eligibility,
            &materials,
            day,
            &inner.calendar,
            inner.settings.repair_deadlines(),
        )?;
        let proof_json =
            serde_json::to_string(&proof).map_err(|e| RightsFailure::Store(StoreError::Other(e.to_string())))?;
        let created = inner
            .store
            .create_repair(&NewRepair {
                record_id: record.id,
                subject_id: self.subject.id,
                source: record.source.clone(),
                applicant: self.principal.actor(),
                commitment_id: commitment.id,
                proof: proof_json,
                submitted_on: submitted.submitted_on,
                due_on: submitted.platform_by,
            })
            .await
            .map_err(|error| match error {
                StoreError::Conflict { .. } => RightsFailure::Conflict("该信息已有正在办理的修复申请".into()),
                other => other.into(),
            })?;
        self.rights
            .journal(
                &self.principal,
                "repair.apply",
                Some(self.subject.id),
                json!({ "repair": created.id, "record": record.id, "commitment": commitment.id,
                        "proof": proof.iter().map(|p| &p.digest).collect::<Vec<_>>() }),
            )
            .await?;
        self.rights.repair_view(created, day)
    }

    /// Signs the 信用修复承诺书 for a record as `signer` and applies for its
    /// repair with `proof`, in that order — checking first everything that
    /// could refuse the application, so that a refusal leaves no published
    /// commitment behind.
    pub async fn sign_and_apply(
        &self,
        record_id: i64,
        signer: &str,
        proof: Vec<Proof>,
    ) -> Result<RepairView, RightsFailure> {
        let record = self.own_record(record_id).await?;
        let eligibility = self.rights.eligibility_of(&record, today());
        if eligibility != Eligibility::Eligible {
            return Err(RightsError::NotAllowed(eligibility.explain()).into());
        }
        if proof.is_empty() {
            return Err(RightsError::Incomplete("请上传已履行法定义务、纠正失信行为的证明材料".into()).into());
        }
        let running = RepairFilter {
            subject_id: Some(self.subject.id),
            open_only: true,
            ..RepairFilter::default()
        };
        if self
            .rights
            .inner
            .store
            .repairs(&running)
            .await?
            .iter()
            .any(|r| r.new.record_id == record.id)
        {
            return Err(RightsFailure::Conflict("该信息已有正在办理的修复申请".into()));
        }
        let commitment = self
            .sign_to(REPAIR_COMMITMENT, &record.key.doc_no, Some(&record.source), signer)
            .await?;
        self.apply(record.id, commitment.commitment.id, proof).await
    }

    /// The subject's repairs, newest first.
    pub async fn repairs(&self) -> Result<Vec<RepairView>, RightsFailure> {
        let filter = RepairFilter {
            subject_id: Some(self.subject.id),
            ..RepairFilter::default()
        };
        let day = today();
        let all = self.rights.inner.store.repairs(&filter).await?;
        all.into_iter().map(|r| self.rights.repair_view(r, day)).collect()
    }

    /// Withdraws one of its running applications.
    pub async fn withdraw(&self, id: i64) -> Result<RepairView, RightsFailure> {
        let subject = self.subject.id;
        let repair = self.rights.repair_where(id, |r| r.new.subject_id == subject).await?;
        self.rights
            .step(&self.principal, repair, RepairStep::Withdraw, |_| Ok(()))
            .await
    }
}

fn forbidden(text: &str) -> RightsFailure {
    AccessError::Forbidden(text.into()).into()
}

impl OfficeRights {
    /// Applications, the running ones only if `open_only`.
    pub async fn repairs(&self, open_only: bool) -> Result<Vec<RepairView>, RightsFailure> {
        let filter = RepairFilter {
            open_only,
            ..RepairFilter::default()
        };
        let day = today();
        let all = self.rights.inner.store.repairs(&filter).await?;
        all.into_iter().map(|r| self.rights.repair_view(r, day)).collect()
    }

    /// Forwards a complete application to the deciding department, or
    /// denies it (incomplete or false materials) with reasons.
    pub async fn check(&self, id: i64, step: RepairStep) -> Result<RepairView, RightsFailure> {
        let repair = self.rights.repair_where(id, |_| true).await?;
        if !matches!(step, RepairStep::Forward | RepairStep::Deny(_)) {
            return Err(forbidden("信用办只能转认定部门审核或不予修复"));
        }
        self.rights
            .step(&self.principal, repair, step, |state| match state {
                RepairState::Forwarded(_) => Err(forbidden("该申请已转认定部门，由认定部门决定")),
                _ => Ok(()),
            })
            .await
    }
}

impl DepartmentRights {
    /// Applications about the department's own records.
    pub async fn repairs(&self, open_only: bool) -> Result<Vec<RepairView>, RightsFailure> {
        let filter = RepairFilter {
            source: Some(self.source.clone()),
            open_only,
            ..RepairFilter::default()
        };
        let day = today();
        let all = self.rights.inner.store.repairs(&filter).await?;
        all.into_iter().map(|r| self.rights.repair_view(r, day)).collect()
    }

    /// Approves or denies (with reasons) a forwarded application about one
    /// of its records.
    pub async fn decide(&self, id: i64, step: RepairStep) -> Result<RepairView, RightsFailure> {
        let source = self.source.clone();
        let repair = self.rights.repair_where(id, |r| r.new.source == source).await?;
        if !matches!(step, RepairStep::Approve | RepairStep::Deny(_)) {
            return Err(forbidden("认定部门只能同意修复或不予修复"));
        }
        self.rights
            .step(&self.principal, repair, step, |state| match state {
                RepairState::Submitted(_) => Err(forbidden("该申请尚在信用办审核，未转本单位")),
                _ => Ok(()),
            })
            .await
    }
}

impl crate::OfficialDesk {
    /// Applications waiting for this desk (the running ones only if `open_only`).
    pub async fn repairs(&self, open_only: bool) -> Result<Vec<RepairView>, RightsFailure> {
        match self {
            Self::Office(desk) => desk.repairs(open_only).await,
            Self::Department(desk) => desk.repairs(open_only).await,
        }
    }

    /// A step on an application, in this desk's stage.
    pub async fn repair_step(&self, id: i64, step: RepairStep) -> Result<RepairView, RightsFailure> {
        match self {
            Self::Office(desk) => {
                // On a record the office made it also decides, as its
                // department: approval always, a denial once forwarded.
                let repair = desk.rights.repair_where(id, |_| true).await?;
                let deciding = match step {
                    RepairStep::Approve => true,
                    RepairStep::Deny(_) => repair.status != "submitted",
                    _ => false,
                };
                if deciding && self.decides(&repair.new.source) {
                    desk.as_source().decide(id, step).await
                } else {
                    desk.check(id, step).await
                }
            }
            Self::Department(desk) => desk.decide(id, step).await,
        }
    }
}
