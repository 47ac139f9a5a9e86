//! Documents filed with objections and repairs (异议材料, 修复证明材料),
//! opened for the desks that decide on them: kept sealed under the data
//! directory, checked against the SM3 digest they were filed under, and
//! every opening journaled, as proof often holds personal data.

use serde_json::json;
use xinyong_store::StoreError;

use crate::{OfficialDesk, Proof, Rights, RightsFailure};

/// What a document was filed with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FiledWith {
    /// An objection (异议).
    Objection,
    /// A credit repair application (信用修复).
    Repair,
}

impl FiledWith {
    fn code(self) -> &'static str {
        match self {
            Self::Objection => "objection",
            Self::Repair => "repair",
        }
    }
}

fn internal(context: &str, error: impl std::fmt::Display) -> RightsFailure {
    RightsFailure::Store(StoreError::Other(format!("{context}: {error}")))
}

impl Rights {
    /// The content of a kept document, opened and checked against its digest.
    fn open_document(&self, proof: &Proof) -> Result<Vec<u8>, RightsFailure> {
        // The kept name is the digest's; anything else in a stored list was
        // not written by the platform and is not followed.
        if proof.file != format!("{}.sm4", proof.digest) || !proof.digest.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(internal("document", format!("unexpected kept name {:?}", proof.file)));
        }
        let sealed = std::fs::read(self.inner.attachments.join(&proof.file)).map_err(|e| internal("document", e))?;
        let bytes = self.inner.keys.open(&sealed).map_err(|e| internal("document", e))?;
        if xinyong_crypto::hex(&xinyong_crypto::sm3(&bytes)) != proof.digest {
            return Err(internal(
                "document",
                format!("{} does not match its digest", proof.file),
            ));
        }
        Ok(bytes)
    }
}

impl OfficialDesk {
    /// A document filed with an objection or a repair this desk sees (the
    /// credit office: every one; a department: those on its own records):
    /// its name as uploaded and its content.
    pub async fn document(
        &self,
        filed_with: FiledWith,
        id: i64,
        digest: &str,
    ) -> Result<(String, Vec<u8>), RightsFailure> {
        let (rights, principal, own_source) = match self {
            Self::Office(desk) => (&desk.rights, &desk.principal, None),
            Self::Department(desk) => (&desk.rights, &desk.principal, Some(desk.source.as_str())),
        };
        let sees = |source: &str| own_source.is_none_or(|own| own == source);
        let (listed, subject_id) = match filed_with {
            FiledWith::Objection => {
                let objection = rights.objection_where(id, |o| sees(&o.new.source)).await?;
                (objection.new.attachments, objection.new.subject_id)
            }
            FiledWith::Repair => {
                let repair = rights.repair_where(id, |r| sees(&r.new.source)).await?;
                (repair.new.proof, repair.new.subject_id)
            }
        };
        let documents: Vec<Proof> = serde_json::from_str(&listed).map_err(|e| internal("document list", e))?;
        let proof = documents
            .into_iter()
            .find(|p| p.digest == digest)
            .ok_or_else(|| RightsFailure::NotFound("未找到该材料".into()))?;
        let bytes = rights.open_document(&proof)?;
        rights
            .journal(
                principal,
                "document.read",
                Some(subject_id),
                json!({ filed_with.code(): id, "document": proof.digest, "name": proof.name }),
            )
            .await?;
        Ok((proof.name, bytes))
    }
}
