//! Credit commitments: a subject signs one of the platform's texts; the
//! department it is made to (the credit office for a commitment to the
//! public) records whether it was kept. A breach itself becomes a negative
//! record the usual way: the department uploads it.

use chrono::NaiveDate;
use serde_json::json;
use xinyong_domain::date::china_date;
use xinyong_domain::rights::commitment::{CommitmentState, Finding, sign};
use xinyong_store::{Commitment, CommitmentFinding, NewCommitment};

use crate::RightsFailure;
use crate::service::{DepartmentRights, OfficeRights, SubjectRights};

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

fn today() -> NaiveDate {
    china_date(chrono::Utc::now())
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

    /// Records a finding on a commitment, as `by`.
    async fn find(
        &self,
        principal: &xinyong_access::Principal,
        commitment: Commitment,
        finding: Finding,
    ) -> Result<CommitmentView, RightsFailure> {
        let day = today();
        let next = state_of(&commitment)?.record(finding, day)?;
        let (status, note) = match &next {
            CommitmentState::Broken { note, .. } => ("broken", Some(note.clone())),
            _ => ("kept", None),
        };
        let stored = self
            .inner
            .store
            .record_finding(
                commitment.id,
                &CommitmentFinding {
                    status: status.into(),
                    on: day,
                    note: note.clone(),
                    by: principal.actor(),
                },
            )
            .await?;
        if !stored {
            return Err(RightsFailure::Conflict("该承诺的履约情况已由他人登记".into()));
        }
        self.journal(
            principal,
            "commitment.finding",
            Some(commitment.new.subject_id),
            json!({ "commitment": commitment.id, "status": status, "note": note }),
        )
        .await?;
        let updated = self
            .inner
            .store
            .commitment(commitment.id)
            .await?
            .ok_or_else(|| RightsFailure::NotFound("承诺不存在".into()))?;
        self.view(updated)
    }
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
        self.rights.find(&self.principal, commitment, finding).await
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
        self.rights.find(&self.principal, commitment, finding).await
    }
}

impl crate::OfficialDesk {
    /// Records whether a commitment made to this desk was kept.
    pub async fn record_finding(&self, id: i64, finding: Finding) -> Result<CommitmentView, RightsFailure> {
        match self {
            Self::Office(desk) => desk.record_finding(id, finding).await,
            Self::Department(desk) => desk.record_finding(id, finding).await,
        }
    }
}
