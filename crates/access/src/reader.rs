//! Reading one subject's file through the one visibility decision, with
//! every non-public read logged before its answer leaves.

use chrono::NaiveDate;
use serde_json::{Map, Value, json};
use xinyong_domain::RecordType;
use xinyong_domain::visibility::{Decision, RecordFacts, Viewer, Visibility, decide};
use xinyong_store::{StoredRecord, Subject};

use crate::{Access, AccessError, Principal};

/// A handle that reads one subject's file as one viewer.
#[derive(Debug)]
pub struct FileReader {
    access: Access,
    principal: Principal,
    subject: Subject,
    viewer: Viewer,
    purpose: Option<String>,
    authorisation: Option<Authorisation>,
}

/// A subject's authorisation to look up when the file is read: whether it
/// authorised `client` for the reader's purpose on `today`.
#[derive(Debug, Clone)]
pub(crate) struct Authorisation {
    pub(crate) client: String,
    pub(crate) today: NaiveDate,
}

/// A record with what the viewer may see of it.
#[derive(Debug, Clone)]
pub struct ReadRecord {
    /// The record as stored (personal identifiers masked in its payload).
    pub record: StoredRecord,
    /// The decision for each item.
    pub decision: Decision,
    /// Personal identifiers in clear, for the items the viewer may see whole.
    pub clear: Map<String, Value>,
}

/// What a reader found.
#[derive(Debug, Clone)]
pub struct SubjectFile {
    /// The subject.
    pub subject: Subject,
    /// As whom it was read.
    pub viewer: Viewer,
    /// The purpose stated.
    pub purpose: Option<String>,
    /// The records the viewer may see, newest decision first.
    pub records: Vec<ReadRecord>,
}

impl FileReader {
    pub(crate) fn new(
        access: Access,
        principal: Principal,
        subject: Subject,
        viewer: Viewer,
        purpose: Option<String>,
    ) -> Self {
        Self {
            access,
            principal,
            subject,
            viewer,
            purpose,
            authorisation: None,
        }
    }

    /// An official reader with a purpose; a system client's reads also
    /// depend on the subject's authorisation, looked up with the records.
    pub(crate) fn official(
        access: Access,
        principal: Principal,
        subject: Subject,
        purpose: String,
        authorisation: Option<Authorisation>,
    ) -> Self {
        Self {
            authorisation,
            ..Self::new(
                access,
                principal,
                subject,
                Viewer::Official { authorised: false },
                Some(purpose),
            )
        }
    }

    /// Reads the file: `record_type` finds each record's type in the
    /// catalogue (a type no longer there is shown to no one). A non-public
    /// read is journaled before the file is handed back.
    pub async fn read<'c>(
        mut self,
        record_type: impl Fn(&str) -> Option<&'c RecordType>,
        today: NaiveDate,
    ) -> Result<SubjectFile, AccessError> {
        let records = self.gather(record_type, today).await?;
        let (access, principal) = (self.access.clone(), self.principal.clone());
        let file = self.into_file(records);
        Self::journal(&access, &principal, &file).await?;
        Ok(file)
    }

    /// Reads the file and makes `answer` from it while the read is
    /// journaled: the answer is handed back only once the journal holds the
    /// entry (no answer leaves unlogged), but making it does not wait for
    /// the journal's write. If either fails, the error is returned.
    pub async fn answer<'c, T, E>(
        mut self,
        record_type: impl Fn(&str) -> Option<&'c RecordType>,
        today: NaiveDate,
        answer: impl AsyncFnOnce(&SubjectFile) -> Result<T, E>,
    ) -> Result<T, E>
    where
        E: From<AccessError>,
    {
        let records = self.gather(record_type, today).await?;
        let (access, principal) = (self.access.clone(), self.principal.clone());
        let file = self.into_file(records);
        // The entry is written first. In a spool file that is one write
        // and done before the answer starts; a spool kept in memory waits
        // for the database's commit, and the answer is made meanwhile.
        let (journaled, answer) = tokio::join!(Self::journal(&access, &principal, &file), answer(&file));
        journaled?;
        answer
    }

    /// The records the viewer may see, each with its decision.
    async fn gather<'c>(
        &mut self,
        record_type: impl Fn(&str) -> Option<&'c RecordType>,
        today: NaiveDate,
    ) -> Result<Vec<ReadRecord>, AccessError> {
        let store = &self.access.store;
        let stored = match (&self.authorisation, &self.purpose) {
            (Some(grant), Some(purpose)) => {
                let (stored, authorised) = store
                    .current_records_and_authorisation(self.subject.id, &grant.client, purpose, grant.today)
                    .await?;
                self.viewer = Viewer::Official { authorised };
                stored
            }
            _ => store.records_of_subject(self.subject.id, false).await?,
        };
        let mut records = Vec::new();
        for record in stored {
            let Some(record_type) = record_type(&record.key.record_type) else {
                continue;
            };
            let facts = RecordFacts {
                record_type,
                publicity: &record.publicity,
                current: record.current,
                subject_category: self.subject.category,
                repaired: record.repaired_on.is_some(),
            };
            let decision = decide(&facts, self.viewer, today);
            if decision.record == Visibility::Hidden {
                continue;
            }
            let clear = self.clear_items(record_type, &record, &decision)?;
            records.push(ReadRecord {
                record,
                decision,
                clear,
            });
        }
        Ok(records)
    }

    /// Journals a non-public read of `file`: who, which subject, for what
    /// purpose, which records. A public read is not journaled.
    async fn journal(access: &Access, principal: &Principal, file: &SubjectFile) -> Result<(), AccessError> {
        let viewer = match file.viewer {
            Viewer::Public => return Ok(()),
            Viewer::Owner => "owner",
            Viewer::Official { authorised: true } => "authorised",
            Viewer::Official { authorised: false } => "official",
        };
        let ids: Vec<i64> = file.records.iter().map(|r| r.record.id).collect();
        // The subject's own reads are journaled like any other, under their
        // own action, so that its query log ("who read my file") lists the
        // others who did, not each visit to its own page.
        let action = match file.viewer {
            Viewer::Owner => "subject.read_own",
            _ => "subject.read",
        };
        access
            .journal
            .record_read(
                principal,
                action,
                file.subject.id,
                file.purpose.as_deref(),
                json!({ "records": ids, "viewer": viewer }),
            )
            .await
    }

    fn into_file(self, records: Vec<ReadRecord>) -> SubjectFile {
        SubjectFile {
            subject: self.subject,
            viewer: self.viewer,
            purpose: self.purpose,
            records,
        }
    }

    /// Opens the sealed items the viewer sees whole: the personal
    /// identifiers the decision shows whole, and, for a viewer who sees
    /// identifiers, the free text stored with identifiers masked in it.
    fn clear_items(
        &self,
        record_type: &RecordType,
        record: &StoredRecord,
        decision: &Decision,
    ) -> Result<Map<String, Value>, AccessError> {
        // Most records have nothing sealed: nothing to look for.
        let Some(sealed) = &record.sealed else {
            return Ok(Map::new());
        };
        let sees_identifiers = self.viewer.sees_identifiers();
        let wanted: Vec<&str> = record_type
            .fields
            .iter()
            .zip(&decision.fields)
            .filter(|(field, visibility)| match **visibility {
                Visibility::Full if field.personal => true,
                Visibility::Hidden => false,
                _ => !field.personal && sees_identifiers,
            })
            .map(|(field, _)| field.key.as_str())
            .collect();
        if wanted.is_empty() {
            return Ok(Map::new());
        }
        let opened = self
            .access
            .keys
            .open(sealed)
            .map_err(|e| AccessError::Internal(format!("record {}: {e}", record.id)))?;
        let mut all: Map<String, Value> = serde_json::from_slice(&opened)
            .map_err(|e| AccessError::Internal(format!("record {}: sealed items: {e}", record.id)))?;
        all.retain(|key, _| wanted.contains(&key.as_str()));
        Ok(all)
    }
}
