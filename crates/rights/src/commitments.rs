//! Credit commitments: a subject signs one of the platform's texts; the
//! department it is made to (the credit office for a commitment to the
//! public) records whether it was kept. A breach becomes a negative record
//! (违背信用承诺信息, `cnwy`) through the import pipeline, as a batch of the
//! department that found it, and so is published, expires, triggers
//! measures and can be objected to or repaired like any other record.

use std::collections::HashMap;
use std::collections::hash_map::Entry;

use chrono::NaiveDate;
use serde_json::{Map, Value, json};
use xinyong_domain::rights::RightsError;
use xinyong_domain::rights::commitment::{CommitmentState, Finding, sign};
use xinyong_store::{Commitment, CommitmentFinding, NewCommitment, StoreError, Subject};

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
    /// taken back. Claim, import and take-back run in a task of their own,
    /// so a caller that goes away (a closed connection, a request deadline)
    /// does not stop them halfway.
    async fn find(
        &self,
        principal: &xinyong_access::Principal,
        commitment: Commitment,
        finding: Finding,
        source: &str,
    ) -> Result<CommitmentView, RightsFailure> {
        let day = today();
        let next = state_of(&commitment)?.record(finding, day)?;
        let note = match next {
            CommitmentState::Broken { note, .. } => Some(note),
            _ => None,
        };
        let recorded = CommitmentFinding {
            status: if note.is_some() { "broken" } else { "kept" }.into(),
            on: day,
            note,
            by: principal.actor(),
        };
        let (this, principal, source) = (self.clone(), principal.clone(), source.to_owned());
        let id = commitment.id;
        tokio::spawn(async move { this.settle(&principal, &commitment, recorded, &source).await })
            .await
            .map_err(|e| RightsFailure::Store(StoreError::Other(format!("commitment finding task: {e}"))))??;
        let updated = self
            .inner
            .store
            .commitment(id)
            .await?
            .ok_or_else(|| RightsFailure::NotFound("承诺不存在".into()))?;
        self.view(updated)
    }

    /// Stores `recorded` on a commitment still signed and, for a breach,
    /// imports its record (taking the finding back if that fails); then
    /// journals it.
    async fn settle(
        &self,
        principal: &xinyong_access::Principal,
        commitment: &Commitment,
        recorded: CommitmentFinding,
        source: &str,
    ) -> Result<(), RightsFailure> {
        let store = &self.inner.store;
        if !store.record_finding(commitment.id, "signed", Some(&recorded)).await? {
            return Err(RightsFailure::Conflict("该承诺的履约情况已由他人登记".into()));
        }
        let mut detail = json!({ "commitment": commitment.id, "status": recorded.status, "note": recorded.note });
        if let Some(note) = &recorded.note {
            match self.record_breach(commitment, note, source, recorded.on).await {
                Ok(batch) => detail["breach_batch"] = json!(batch),
                Err(failure) => {
                    // The caller hears why the breach was refused; a take-back
                    // that fails too leaves the claim for the log to show.
                    match store.record_finding(commitment.id, "broken", None).await {
                        Ok(true) => {}
                        Ok(false) => {
                            tracing::error!(commitment = commitment.id, "a refused breach was moved meanwhile")
                        }
                        Err(error) => {
                            tracing::error!(commitment = commitment.id, %error, "a refused breach could not be taken back")
                        }
                    }
                    return Err(failure);
                }
            }
        }
        self.journal(principal, "commitment.finding", Some(commitment.new.subject_id), detail)
            .await
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
        let entry = inner.catalog.get(BREACH_TYPE).ok_or_else(|| {
            RightsFailure::Store(StoreError::Other(format!("the catalogue has no {BREACH_TYPE} type")))
        })?;
        let subject = inner
            .store
            .subject_by_id(commitment.new.subject_id)
            .await?
            .ok_or_else(|| RightsFailure::NotFound("承诺主体不存在".into()))?;
        let kind = inner.book.kind(&commitment.new.kind);
        let matter_public = inner.book.matter_public(&commitment.new.kind);
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
        if matter_public {
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
            // `TYPE:NUMBER`; a type may carry its detail (`其他:备案`).
            let (doc_type, number) = identity
                .rsplit_once(':')
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
        // The same row as a breach record withdrawn on objection would stay
        // withdrawn (a duplicate): the finding must say something new.
        if batch.summary.n_duplicates > 0 {
            return Err(RightsError::Incomplete(
                "与此前因异议成立而撤销的违诺记录相同：如确属违诺，请写明新的违诺情形".into(),
            )
            .into());
        }
        Ok(batch.id)
    }

    /// A breach record withdrawn (an objection to it upheld) takes its
    /// finding back: the commitment it was made for waits for a finding
    /// again, so that it does not stay 未履约 with no record behind it.
    pub(crate) async fn reopen_withdrawn_breach(
        &self,
        principal: &xinyong_access::Principal,
        record_id: i64,
    ) -> Result<(), RightsFailure> {
        let store = &self.inner.store;
        let Some(record) = store.record_by_id(record_id).await? else {
            return Ok(());
        };
        let Some(id) = (record.key.record_type == BREACH_TYPE)
            .then(|| commitment_of_number(&record.key.doc_no))
            .flatten()
        else {
            return Ok(());
        };
        let subject = record.key.subject_id;
        if store.commitment(id).await?.is_none_or(|c| c.new.subject_id != subject) {
            return Ok(());
        }
        if store.record_finding(id, "broken", None).await? {
            self.journal(
                principal,
                "commitment.reopen",
                Some(subject),
                json!({ "commitment": id, "withdrawn_record": record_id }),
            )
            .await?;
        }
        Ok(())
    }
}

/// The commitment a breach record's number names, if it is the platform's
/// own number ([`commitment_number`]).
fn commitment_of_number(number: &str) -> Option<i64> {
    let id: i64 = number
        .strip_prefix(COMMITMENT_NUMBER_PREFIX)?
        .strip_suffix('号')?
        .parse()
        .ok()?;
    // Exactly as the platform writes it: not 第+3号 or 第007号.
    (id > 0 && commitment_number(id) == number).then_some(id)
}

/// The record type a breach becomes (`catalog/cnwy.toml`).
pub(crate) const BREACH_TYPE: &str = "cnwy";

/// A commitment's number as its breach record carries it (the record's
/// document number, so one commitment has one breach record). The wording
/// is the platform's own, so that it does not meet a department's 文号.
pub(crate) fn commitment_number(id: i64) -> String {
    format!("{COMMITMENT_NUMBER_PREFIX}{id}号")
}

/// The subject's identifier as a commitment names it: an organisation's
/// code, a person's ID number masked, each with its label.
fn labelled_code(subject: &Subject) -> String {
    match (&subject.uscc, &subject.id_masked) {
        (Some(uscc), _) => format!("统一社会信用代码：{uscc}"),
        (None, Some(masked)) => format!("证件号码：{masked}"),
        (None, None) => String::new(),
    }
}

/// How the platform's commitment numbers begin: the catalogue reserves it
/// (`reserved_doc_no_prefix` in `catalog/cnwy.toml`), so no upload can use
/// such a number.
const COMMITMENT_NUMBER_PREFIX: &str = "信用平台承诺第";

impl SubjectRights {
    /// Signs a commitment of `kind` for `matter`, made to `addressee` (a
    /// department of the platform, by name; none for a commitment to the
    /// public), as `signer`.
    pub async fn sign(
        &self,
        kind: &str,
        matter: &str,
        addressee: Option<&str>,
        signer: &str,
    ) -> Result<CommitmentView, RightsFailure> {
        let addressee = addressee.map(str::trim).filter(|a| !a.is_empty());
        // A commitment made to no department any desk knows would wait for
        // a finding no one can record (the credit office is a desk too).
        if let Some(name) = addressee
            && name != self.rights.inner.settings.office
            && !self
                .rights
                .inner
                .store
                .departments()
                .await?
                .iter()
                .any(|d| d.new.name == name)
        {
            return Err(RightsError::Incomplete(format!("受理承诺的部门“{name}”不存在，请核对部门名称")).into());
        }
        self.sign_to(kind, matter, addressee, signer).await
    }

    /// Signs, made to `addressee` as given (a repair commitment goes to the
    /// department that reported the record).
    pub(crate) async fn sign_to(
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
        let code = labelled_code(&self.subject);
        let addressee = addressee.map(str::trim).filter(|a| !a.is_empty()).map(str::to_owned);
        let signed = sign(
            kind,
            &self.subject.name,
            &code,
            (matter, addressee.as_deref()),
            signer,
            today(),
        )?;
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

    /// The text of the 信用修复承诺书 as this subject would sign it today,
    /// with the record, signer and department still to be filled in.
    pub fn repair_commitment_preview(&self) -> Option<String> {
        let kind = self.rights.inner.book.kind(crate::REPAIR_COMMITMENT)?;
        sign(
            kind,
            &self.subject.name,
            &labelled_code(&self.subject),
            ("（所申请修复的信息）", Some("（作出该信息的部门）")),
            "（承诺人）",
            today(),
        )
        .ok()
        .map(|signed| signed.text)
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
    /// Records whether a commitment made to the public (no addressee), or
    /// to the office itself (a repair commitment on a record it made), was
    /// kept.
    pub async fn record_finding(&self, id: i64, finding: Finding) -> Result<CommitmentView, RightsFailure> {
        let office = self.rights.inner.settings.office.clone();
        let commitment = self
            .rights
            .inner
            .store
            .commitment(id)
            .await?
            .filter(|c| c.new.addressee.as_deref().is_none_or(|to| to == office))
            .ok_or_else(|| RightsFailure::NotFound("未找到该项向社会或向信用办作出的承诺".into()))?;
        self.rights.find(&self.principal, commitment, finding, &office).await
    }
}

/// How many commitments a desk lists at most (newest first).
const LISTED: i64 = 500;

impl crate::OfficialDesk {
    /// Commitments made to this desk (a department's, or the public's for
    /// the credit office), newest first, each with the subject that made
    /// it; only those awaiting a finding if `open_only`.
    pub async fn commitments(&self, open_only: bool) -> Result<Vec<(CommitmentView, Subject)>, RightsFailure> {
        let (rights, addressee) = match self {
            Self::Office(desk) => (&desk.rights, None),
            Self::Department(desk) => (&desk.rights, Some(desk.source.as_str())),
        };
        let store = &rights.inner.store;
        let mut listed = store.commitments_to(addressee, open_only, LISTED).await?;
        if let Self::Office(_) = self {
            // Also those made to the office by name (repair commitments on
            // the records it made), merged newest first.
            let office = rights.inner.settings.office.as_str();
            listed.extend(store.commitments_to(Some(office), open_only, LISTED).await?);
            listed.sort_unstable_by_key(|c| std::cmp::Reverse(c.id));
            listed.truncate(usize::try_from(LISTED).unwrap_or(usize::MAX));
        }
        let mut subjects: HashMap<i64, Subject> = HashMap::new();
        let mut out = Vec::with_capacity(listed.len());
        for commitment in listed {
            let id = commitment.new.subject_id;
            let subject = match subjects.entry(id) {
                Entry::Occupied(known) => known.get().clone(),
                Entry::Vacant(slot) => {
                    let subject = store.subject_by_id(id).await?.ok_or_else(|| {
                        RightsFailure::Store(StoreError::Other(format!("commitment of missing subject {id}")))
                    })?;
                    slot.insert(subject).clone()
                }
            };
            out.push((rights.view(commitment)?, subject));
        }
        Ok(out)
    }

    /// Records whether a commitment made to this desk was kept; returns it
    /// with the subject that made it.
    pub async fn record_finding(&self, id: i64, finding: Finding) -> Result<(CommitmentView, Subject), RightsFailure> {
        let (view, rights) = match self {
            Self::Office(desk) => (desk.record_finding(id, finding).await?, &desk.rights),
            Self::Department(desk) => (desk.record_finding(id, finding).await?, &desk.rights),
        };
        let subject_id = view.commitment.new.subject_id;
        let subject = rights.inner.store.subject_by_id(subject_id).await?.ok_or_else(|| {
            RightsFailure::Store(StoreError::Other(format!("commitment of missing subject {subject_id}")))
        })?;
        Ok((view, subject))
    }
}

#[cfg(test)]
mod tests {
    use xinyong_domain::RecordType;

    use super::*;

    #[test]
    fn a_commitment_number_names_its_commitment_and_nothing_else_does() {
        assert_eq!(commitment_of_number(&commitment_number(42)), Some(42));
        for other in [
            "淮市监承诺〔2026〕3号",
            "信用平台承诺第号",
            "信用平台承诺第0号",
            "信用平台承诺第x号",
            "信用平台承诺第7",
            "信用平台承诺第+3号",
            "信用平台承诺第007号",
        ] {
            assert_eq!(commitment_of_number(other), None, "{other}");
        }
    }

    #[test]
    fn the_catalogue_reserves_the_platforms_commitment_numbers() {
        let (_, text) = xinyong_ingest::builtin_catalog()
            .into_iter()
            .find(|(name, _)| name == "cnwy.toml")
            .expect("cnwy.toml is shipped");
        let breach = RecordType::from_toml(&text).expect("cnwy.toml parses");
        assert_eq!(breach.code, BREACH_TYPE);
        assert_eq!(breach.reserved_doc_no_prefix.as_deref(), Some(COMMITMENT_NUMBER_PREFIX));
    }
}
