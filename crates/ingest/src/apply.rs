//! Applying validated rows inside the batch's transaction, one chunk at a
//! time: resolve each row's subject (creating or flagging as the domain
//! decides), then store the record as new, as a new version, or count it
//! as a duplicate.
//!
//! Rows are handled in file order, also within a chunk: a row that repeats
//! an earlier row's natural key in the same chunk is compared with that
//! row, exactly as if it came in a later batch.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use xinyong_crypto::Keys;
use xinyong_domain::subject::{Resolution, StoredName, resolve};
use xinyong_store::{
    BatchSummary, ImportTx, IssueSeverity, NaturalKey, NewAlias, NewNameFlag, NewRecord, NewRejection, NewSubject,
    RecordId, RowIssue, StoreError, SubjectId, SubjectLookup,
};

use crate::validate::{Accepted, Prepared};

/// The state of one import across its chunks.
pub(crate) struct Applier {
    pub(crate) tx: Box<dyn ImportTx>,
    /// To seal the cells of a row refused here.
    pub(crate) keys: Arc<Keys>,
    /// How the file names the document-number column (for issues raised here).
    pub(crate) doc_label: String,
    pub(crate) record_type: String,
    pub(crate) catalog_version: i32,
    pub(crate) summary: BatchSummary,
}

/// Where a row's subject is: already stored, or created by this chunk.
#[derive(Clone, Copy)]
enum SubjectRef {
    Stored(SubjectId),
    New(usize),
}

/// What the chunk knows of a natural key: the current version's number and
/// hash, and where that version is (stored, or pending in this chunk).
struct Head {
    source: String,
    version: i32,
    content_hash: [u8; 16],
    stored: Option<RecordId>,
    pending: Option<usize>,
    /// The row of this batch's file the current version came from, if it
    /// came from this batch (an earlier chunk's, or this one's).
    batch_row: Option<i64>,
}

impl Applier {
    pub(crate) async fn apply(&mut self, chunk: Vec<Prepared>) -> Result<(), StoreError> {
        let mut accepted = Vec::with_capacity(chunk.len());
        let mut rejections = Vec::new();
        let mut issues = Vec::new();
        for prepared in chunk {
            self.summary.n_rows += 1;
            match prepared {
                Prepared::Accepted(row) => accepted.push(*row),
                Prepared::Rejected(rejected) => {
                    self.summary.n_rejected += 1;
                    rejections.push(rejected.rejection);
                    issues.extend(rejected.issues);
                }
            }
        }
        let subjects = self.resolve_subjects(&accepted).await?;
        self.store_records(&accepted, &subjects, &mut issues, &mut rejections)
            .await?;
        self.tx.insert_rejections(rejections).await?;
        self.tx.insert_issues(issues).await
    }

    /// Finds or creates every row's subject; returns their ids in row order.
    async fn resolve_subjects(&mut self, rows: &[Accepted]) -> Result<Vec<SubjectId>, StoreError> {
        let mut seen = HashSet::new();
        let lookups: Vec<SubjectLookup> = rows
            .iter()
            .filter(|row| seen.insert(row.lookup.clone()))
            .map(|row| row.lookup.clone())
            .collect();
        let known = self.tx.find_subjects(lookups).await?;
        let mut slots: HashMap<SubjectLookup, (SubjectRef, Vec<String>)> = known
            .into_iter()
            .map(|k| (k.lookup, (SubjectRef::Stored(k.id), k.names)))
            .collect();

        let mut new_subjects: Vec<NewSubject> = Vec::new();
        let mut refs = Vec::with_capacity(rows.len());
        let mut conflicts: Vec<(SubjectRef, &str, i64)> = Vec::new();
        for row in rows {
            let subject_ref = match slots.get(&row.lookup) {
                Some((subject_ref, names)) => {
                    let names: Vec<StoredName<'_>> = names.iter().map(|n| StoredName(n.as_str())).collect();
                    if resolve(&row.subject.name, Some(&names)) == Resolution::NameConflict {
                        conflicts.push((*subject_ref, &row.subject.name, row.row_no));
                    }
                    *subject_ref
                }
                None => {
                    let subject_ref = SubjectRef::New(new_subjects.len());
                    new_subjects.push(row.subject.clone());
                    slots.insert(row.lookup.clone(), (subject_ref, vec![row.subject.name.clone()]));
                    subject_ref
                }
            };
            refs.push(subject_ref);
        }
        self.summary.n_new_subjects += new_subjects.len() as i64;
        self.summary.n_flagged += conflicts.len() as i64;
        let created = self.tx.insert_subjects(new_subjects).await?;
        let id_of = |subject_ref: SubjectRef| match subject_ref {
            SubjectRef::Stored(id) => id,
            SubjectRef::New(idx) => created[idx],
        };
        let flags = conflicts
            .into_iter()
            .map(|(subject_ref, name, row_no)| NewNameFlag {
                subject_id: id_of(subject_ref),
                incoming_name: name.to_owned(),
                row_no,
            })
            .collect();
        self.tx.flag_names(flags).await?;

        let ids: Vec<SubjectId> = refs.into_iter().map(id_of).collect();
        let mut aliases = Vec::new();
        let mut seen_aliases = HashSet::new();
        for (row, subject_id) in rows.iter().zip(&ids) {
            for (kind, value) in &row.aliases {
                if seen_aliases.insert((*subject_id, *kind, value.as_str())) {
                    aliases.push(NewAlias {
                        subject_id: *subject_id,
                        kind: *kind,
                        value: value.clone(),
                    });
                }
            }
        }
        self.tx.add_aliases(aliases).await?;
        Ok(ids)
    }

    /// Stores each row as a new record, a new version, or counts a duplicate.
    async fn store_records(
        &mut self,
        rows: &[Accepted],
        subjects: &[SubjectId],
        issues: &mut Vec<RowIssue>,
        rejections: &mut Vec<NewRejection>,
    ) -> Result<(), StoreError> {
        let key_of = |row: &Accepted, subject_id: SubjectId| NaturalKey {
            record_type: self.record_type.clone(),
            doc_no: row.doc_no.clone(),
            subject_id,
        };
        let mut seen = HashSet::new();
        let keys: Vec<NaturalKey> = rows
            .iter()
            .zip(subjects)
            .map(|(row, subject_id)| key_of(row, *subject_id))
            .filter(|key| seen.insert(key.clone()))
            .collect();
        let batch_id = self.tx.batch_id();
        let mut heads: HashMap<NaturalKey, Head> = self
            .tx
            .find_current_records(keys)
            .await?
            .into_iter()
            .map(|h| {
                (
                    h.key,
                    Head {
                        source: h.source,
                        version: h.version,
                        content_hash: h.content_hash,
                        stored: Some(h.id),
                        pending: None,
                        batch_row: (h.batch_id == batch_id).then_some(h.row_no),
                    },
                )
            })
            .collect();

        let mut records: Vec<NewRecord> = Vec::new();
        let mut superseded = Vec::new();
        for (row, subject_id) in rows.iter().zip(subjects) {
            let key = key_of(row, *subject_id);
            let version = match heads.get_mut(&key) {
                // A department changes only its own records: the same
                // document number for the same subject from another
                // department is refused, never a new version of theirs.
                Some(head) if head.source != row.source => {
                    self.summary.n_rejected += 1;
                    rejections.push(self.seal_cells(row)?);
                    issues.push(RowIssue {
                        row_no: row.row_no,
                        severity: IssueSeverity::Error,
                        field: self.doc_label.clone(),
                        code: "other_source".to_owned(),
                        message: format!(
                            "该主体的决定书文号“{}”已由“{}”报送，“{}”不能更改",
                            row.doc_no, head.source, row.source
                        ),
                    });
                    continue;
                }
                Some(head) if head.content_hash == row.content_hash => {
                    self.summary.n_duplicates += 1;
                    continue;
                }
                Some(head) => {
                    if let Some(earlier) = head.batch_row {
                        // Two rows of one file for one decision: most often
                        // a mistake, so the clerk is told which one stands.
                        issues.push(RowIssue {
                            row_no: row.row_no,
                            severity: IssueSeverity::Warning,
                            field: self.doc_label.clone(),
                            code: "repeated_in_file".to_owned(),
                            message: format!(
                                "本文件第{earlier}行已有该主体的决定书文号“{}”且内容不同：以本行为准，第{earlier}行的内容作为历史版本保留",
                                row.doc_no
                            ),
                        });
                    }
                    match (head.pending, head.stored) {
                        (Some(idx), _) => records[idx].current = false,
                        (None, Some(id)) => superseded.push(id),
                        (None, None) => {}
                    }
                    self.summary.n_new_versions += 1;
                    head.version += 1;
                    head.content_hash = row.content_hash;
                    head.stored = None;
                    head.pending = Some(records.len());
                    head.batch_row = Some(row.row_no);
                    head.version
                }
                None => {
                    heads.insert(
                        key.clone(),
                        Head {
                            source: row.source.clone(),
                            version: 1,
                            content_hash: row.content_hash,
                            stored: None,
                            pending: Some(records.len()),
                            batch_row: Some(row.row_no),
                        },
                    );
                    1
                }
            };
            self.summary.n_accepted += 1;
            issues.extend(row.warnings.iter().cloned().map(|w| RowIssue {
                severity: IssueSeverity::Warning,
                ..w
            }));
            records.push(NewRecord {
                key,
                catalog_version: self.catalog_version,
                decision_date: row.decision_date,
                severity: row.publicity.severity,
                published: row.publicity.published,
                publicity_until: row.publicity.until,
                authority: row.authority.clone(),
                source: row.source.clone(),
                batch_id,
                row_no: row.row_no,
                version,
                current: true,
                content_hash: row.content_hash,
                payload: row.payload.clone(),
                sealed: row.sealed.clone(),
            });
        }
        self.tx.supersede(superseded).await?;
        self.tx.insert_records(records).await
    }

    /// The cells of a row refused at this stage, sealed like every rejected row.
    fn seal_cells(&self, row: &Accepted) -> Result<NewRejection, StoreError> {
        let json = serde_json::to_string(&row.cells).map_err(|e| StoreError::Other(e.to_string()))?;
        Ok(NewRejection {
            row_no: row.row_no,
            sealed_cells: self
                .keys
                .seal(json.as_bytes())
                .map_err(|e| StoreError::Other(e.to_string()))?,
        })
    }
}
