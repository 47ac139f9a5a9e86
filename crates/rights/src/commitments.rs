//! Credit commitments: a subject signs one of the platform's texts; the
//! department it is made to (the credit office for a commitment to the
//! public) records whether it was kept. A breach becomes a negative record
//! (违背信用承诺信息, `cnwy`) through the import pipeline, as a batch of the
//! department that found it, and so is published, expires, triggers
//! measures and can be objected to or repaired like any other record.

use chrono::NaiveDate;
use serde_json::{Map, Value, json};
use xinyong_domain::rights::commitment::{CommitmentState, Finding, sign};
use xinyong_store::{Commitment, CommitmentFinding, NewCommitment, StoreError};

use crate::RightsFailure;
use crate::service::{DepartmentRights, OfficeRights, SubjectRights, today};

/// A commitment as shown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommitmentView {
    /// The stored commitment.
    pub commitment: Commitment,
    /// Its kind's name.
    pub kind_name: String,
    /// Its state in Chinese.
    pub state_label: &'static str,
}

pub(crate) fn state_of(commitment: &Commitment) -> Result<CommitmentState, RightsFailure> {
    Ok(match (commitment.status.as_str(), commitment.finding_on) {
        ("signed", _) => CommitmentState::Signed,
        ("kept", Some(on)) => CommitmentState::Kept { on },
        ("broken", Some(on)) => CommitmentState::Broken {
            on,
            note: commitment.finding_note.clone().unwrap_or_default(),
        },
        (status, _) => return Err(RightsFailure::Conflict(format!("承诺状态“{status}”无法识别"))),
    })
}

impl crate::Rights {
    pub(crate) fn view(&self, commitment: Commitment) -> Result<CommitmentView, RightsFailure> {
        let state = state_of(&commitment)?;
        Ok(CommitmentView {
            kind_name: self
                .inner
                .book
                .kind(&commitment.new.kind)
                .map_or_else(|| commitment.new.kind.clone(), |k| k.name.clone()),
            state_label: state.label(),
            commitment,
        })
    }

    /// A subject's published commitments (信用承诺 are public where their
    /// kind says so), newest first: anyone may read them.
    pub async fn public_commitments(&self, subject_id: i64) -> Result<Vec<CommitmentView>, RightsFailure> {
        let all = self.inner.store.commitments_of(subject_id).await?;
        all.into_iter().filter(|c| c.new.public).map(|c| self.view(c)).collect()
    }

    /// Records a finding on a commitment, by `principal` for `source`
    /// (the department it was made to, or the credit office). A breach is
    /// claimed first (so no one records another finding meanwhile), then
    /// imported as a record; if the record cannot be made the finding is
    /// taken back, so no breach stands without its record.
    async fn find(
        &self,
        principal: &xinyong_access::Principal,
        commitment: Commitment,
        finding: Finding,
        source: &str,
    ) -> Result<CommitmentView, RightsFailure> {
        let day = today();
        let next = state_of(&commitment)?.record(finding, day)?;
        let (status, note) = match &next {
            CommitmentState::Broken { note, .. } => ("broken", Some(note.clone())),
            _ => ("kept", None),
        };
        let store = &self.inner.store;
        let recorded = CommitmentFinding {
            status: status.into(),
            on: day,
            note: note.clone(),
            by: principal.actor(),
        };
        if !store.record_finding(commitment.id, "signed", Some(&recorded)).await? {
            return Err(RightsFailure::Conflict("该承诺的履约情况已由他人登记".into()));
        }
        let mut detail = json!({ "commitment": commitment.id, "status": status, "note": note });
        if let Some(note) = &note {
            match self.record_breach(&commitment, note, source, day).await {
                Ok(batch) => detail["breach_batch"] = json!(batch),
                Err(failure) => {
                    store.record_finding(commitment.id, "broken", None).await?;
                    return Err(failure);
                }
            }
        }
        self.journal(principal, "commitment.finding", Some(commitment.new.subject_id), detail)
            .await?;
        let updated = store
            .commitment(commitment.id)
            .await?
            .ok_or_else(|| RightsFailure::NotFound("承诺不存在".into()))?;
        self.view(updated)
    }

    /// Imports the breach of `commitment` found on `day` as a 违背信用承诺信息
    /// record of `source`; returns its batch.
    async fn record_breach(
        &self,
        commitment: &Commitment,
        note: &str,
        source: &str,
        day: NaiveDate,
    ) -> Result<i64, RightsFailure> {
        let inner = &self.inner;
        let entry = inner
            .catalog
            .get(BREACH_TYPE)
            .ok_or_else(|| RightsFailure::NotFound("目录中没有“违背信用承诺信息”类别，无法登记违诺".into()))?;
        let subject = inner
            .store
            .subject_by_id(commitment.new.subject_id)
            .await?
            .ok_or_else(|| RightsFailure::NotFound("承诺主体不存在".into()))?;
        let kind = inner.book.kind(&commitment.new.kind);
        let mut row = Map::new();
        let mut put = |key: &str, value: &str| {
            row.insert(key.to_owned(), Value::String(value.to_owned()));
        };
        put("CN_XDR_MC", &subject.name);
        put("CN_XDR_LB", subject.category.label());
        put("CN_CNBH", &commitment_number(commitment.id));
        put(
            "CN_CNLX",
            kind.map_or(commitment.new.kind.as_str(), |k| k.name.as_str()),
        );
        // A kind whose matter is not published (a repair commitment names
        // the record being repaired) leaves it out of the public record too.
        if kind.is_none_or(|k| k.public_matter) {
            put("CN_CNSX", &commitment.new.matter);
        }
        put("CN_CNRQ", &commitment.new.signed_on.to_string());
        put("CN_WYQX", note);
        put("CN_RDJG", source);
        put("CN_RDRQ", &day.to_string());
        if let Some(uscc) = &subject.uscc {
            put("CN_XDR_SHXYM", uscc);
        }
        if let Some(sealed) = inner.store.sealed_identity(subject.id).await? {
            let opened = inner
                .keys
                .open(&sealed)
                .map_err(|e| RightsFailure::Store(StoreError::Other(format!("sealed identity: {e}"))))?;
            let identity = String::from_utf8(opened)
                .map_err(|e| RightsFailure::Store(StoreError::Other(format!("sealed identity: {e}"))))?;
            let (doc_type, number) = identity
                .split_once(':')
                .ok_or_else(|| RightsFailure::Store(StoreError::Other("sealed identity without type".into())))?;
            put("CN_XDR_ZJLX", doc_type);
            put("CN_XDR_ZJHM", number);
        }
        let batch = self
            .import_row(
                entry,
                &row,
                (
                    "违诺记录",
                    &format!("违诺记录（{}）.jsonl", commitment_number(commitment.id)),
                ),
                source,
            )
            .await?;
        Ok(batch.id)
    }
}

/// The record type a breach becomes (`catalog/cnwy.toml`).
pub(crate) const BREACH_TYPE: &str = "cnwy";

/// A commitment's number as its breach record carries it (the record's
/// document number, so one commitment has one breach record).
pub(crate) fn commitment_number(id: i64) -> String {
    format!("信用承诺第{id}号")
}

impl SubjectRights {
    /// Signs a commitment of `kind` for `matter`, made to `addressee` (a
    /// department's name; none for a commitment to the public), as
    /// `signer`.
    pub async fn sign(
        &self,
        kind: &str,
        matter: &str,
        addressee: Option<&str>,
        signer: &str,
    ) -> Result<CommitmentView, RightsFailure> {
        let inner = &self.rights.inner;
        let kind = inner
            .book
            .kind(kind.trim())
            .ok_or_else(|| RightsFailure::NotFound(format!("承诺类型“{}”不存在", kind.trim())))?;
        let code = self
            .subject
            .uscc
            .clone()
            .or_else(|| self.subject.id_masked.clone())
            .unwrap_or_default();
        let signed = sign(kind, &self.subject.name, &code, matter, signer, today())?;
        let addressee = addressee.map(str::trim).filter(|a| !a.is_empty()).map(str::to_owned);
        let commitment = inner
            .store
            .sign_commitment(&NewCommitment {
                subject_id: self.subject.id,
                kind: signed.kind,
                matter: signed.matter,
                addressee,
                signer: signed.signer,
                text: signed.text,
                digest: signed.digest,
                public: signed.public,
                signed_on: signed.signed_on,
            })
            .await?;
        self.rights
            .journal(
                &self.principal,
                "commitment.sign",
                Some(self.subject.id),
                json!({ "commitment": commitment.id, "kind": commitment.new.kind, "digest": commitment.new.digest }),
            )
            .await?;
        self.rights.view(commitment)
    }

    /// The subject's commitments, newest first.
    pub async fn commitments(&self) -> Result<Vec<CommitmentView>, RightsFailure> {
        let all = self.rights.inner.store.commitments_of(self.subject.id).await?;
        all.into_iter().map(|c| self.rights.view(c)).collect()
    }
}

impl DepartmentRights {
    /// Records whether a commitment made to this department was kept.
    pub async fn record_finding(&self, id: i64, finding: Finding) -> Result<CommitmentView, RightsFailure> {
        let commitment = self
            .rights
            .inner
            .store
            .commitment(id)
            .await?
            .filter(|c| c.new.addressee.as_deref() == Some(self.source.as_str()))
            .ok_or_else(|| RightsFailure::NotFound("未找到向本单位作出的该项承诺".into()))?;
        self.rights
            .find(&self.principal, commitment, finding, &self.source)
            .await
    }
}

impl OfficeRights {
    /// Records whether a commitment made to the public (no addressee) was kept.
    pub async fn record_finding(&self, id: i64, finding: Finding) -> Result<CommitmentView, RightsFailure> {
        let commitment = self
            .rights
            .inner
            .store
            .commitment(id)
            .await?
            .filter(|c| c.new.addressee.is_none())
            .ok_or_else(|| RightsFailure::NotFound("未找到该项向社会作出的承诺".into()))?;
        let office = self.rights.inner.settings.office.clone();
        self.rights.find(&self.principal, commitment, finding, &office).await
    }
}

/// How many commitments a desk lists at most (newest first).
const LISTED: i64 = 500;

impl crate::OfficialDesk {
    /// Commitments made to this desk (a department's, or the public's for
    /// the credit office), newest first; only those awaiting a finding if
    /// `open_only`.
    pub async fn commitments(&self, open_only: bool) -> Result<Vec<CommitmentView>, RightsFailure> {
        let (rights, addressee) = match self {
            Self::Office(desk) => (&desk.rights, None),
            Self::Department(desk) => (&desk.rights, Some(desk.source.as_str())),
        };
        let listed = rights.inner.store.commitments_to(addressee, open_only, LISTED).await?;
        listed.into_iter().map(|c| rights.view(c)).collect()
    }

    /// Records whether a commitment made to this desk was kept.
    pub async fn record_finding(&self, id: i64, finding: Finding) -> Result<CommitmentView, RightsFailure> {
        match self {
            Self::Office(desk) => desk.record_finding(id, finding).await,
            Self::Department(desk) => desk.record_finding(id, finding).await,
        }
    }
}
