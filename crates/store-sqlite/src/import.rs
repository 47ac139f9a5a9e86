//! One import as one SQLite transaction on a thread of its own.
//!
//! The thread opens `BEGIN IMMEDIATE`, inserts the batch row, then runs
//! the jobs the import sends it, in order. It commits only when told to;
//! if the import is dropped (an error, a cancelled upload) or the process
//! dies, the transaction never commits and the database stays as it was.

use std::sync::mpsc;

use async_trait::async_trait;
use rusqlite::{Connection, OptionalExtension, params};
use tokio::sync::oneshot;
use xinyong_store::{
    Batch, BatchStatus, BatchSummary, ImportTx, KnownSubject, NaturalKey, NewAlias, NewBatch, NewNameFlag, NewRecord,
    NewRejection, NewSubject, RecordHead, RecordId, RowIssue, StoreError, SubjectId, SubjectLookup,
};

use crate::batches::{insert_batch, read_batch};
use crate::error::{corrupt, map_error};
use crate::rows::now;

type Job = Box<dyn FnOnce(&Connection) + Send>;

/// Page cache of the import connection (KiB): large enough for the indexes
/// an import touches, small enough to keep memory flat. The connection
/// does not read through a memory map: every page of the file its lookups
/// touched would count in the process's resident memory, which an import
/// of millions of rows must keep flat (issue #2).
const IMPORT_CACHE_KIB: i64 = 65_536;

#[derive(Debug)]
pub(crate) struct SqliteImport {
    batch_id: i64,
    jobs: mpsc::Sender<Job>,
}

impl SqliteImport {
    pub(crate) async fn start(conn: Connection, batch: NewBatch) -> Result<Self, StoreError> {
        let (jobs, queue) = mpsc::channel::<Job>();
        let (ready, started) = oneshot::channel();
        std::thread::Builder::new()
            .name("sqlite-import".into())
            .spawn(move || {
                let begin = conn
                    .execute_batch(&format!(
                        "PRAGMA cache_size = -{IMPORT_CACHE_KIB}; PRAGMA mmap_size = 0; BEGIN IMMEDIATE"
                    ))
                    .and_then(|()| insert_batch(&conn, &batch, BatchStatus::Applied, None));
                let began = begin.is_ok();
                if ready.send(begin.map_err(map_error)).is_err() || !began {
                    return;
                }
                for job in queue {
                    job(&conn);
                }
                if !conn.is_autocommit() {
                    // The import ended without committing: undo everything it wrote.
                    if let Err(error) = conn.execute_batch("ROLLBACK") {
                        tracing::error!(%error, "rolling back an abandoned import failed");
                    }
                }
            })
            .map_err(|e| StoreError::Other(format!("cannot start the import thread: {e}")))?;
        let batch_id = started
            .await
            .map_err(|_| StoreError::Other("the import thread ended early".into()))??;
        Ok(Self { batch_id, jobs })
    }

    async fn run<T, F>(&self, work: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> rusqlite::Result<T> + Send + 'static,
    {
        let (reply, answer) = oneshot::channel();
        let job: Job = Box::new(move |conn| {
            // The receiver is gone only if the import was dropped mid-call; nothing to report to.
            let _ = reply.send(work(conn).map_err(map_error));
        });
        self.jobs
            .send(job)
            .map_err(|_| StoreError::Other("the import thread has ended".into()))?;
        answer
            .await
            .map_err(|_| StoreError::Other("the import thread has ended".into()))?
    }
}

fn lookup_subject(conn: &Connection, lookup: &SubjectLookup) -> rusqlite::Result<Option<KnownSubject>> {
    const NAMES: &str = "SELECT s.id, s.name, (SELECT group_concat(a.value, char(31)) FROM subject_aliases a
                          WHERE a.subject_id = s.id AND a.kind = 'name') FROM subjects s";
    let found = match lookup {
        SubjectLookup::Uscc(code) => conn
            .prepare_cached(&format!("{NAMES} WHERE s.uscc = ?1"))?
            .query_row([code], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))
            .optional()?,
        SubjectLookup::Person(hash) => conn
            .prepare_cached(&format!("{NAMES} WHERE s.person_hash = ?1"))?
            .query_row([&hash[..]], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))
            .optional()?,
    };
    Ok(found.map(|(id, name, aliases): (i64, String, Option<String>)| {
        let mut names = vec![name];
        names.extend(aliases.iter().flat_map(|a| a.split('\u{1f}')).map(str::to_owned));
        KnownSubject {
            lookup: lookup.clone(),
            id,
            names,
        }
    }))
}

fn insert_subject(conn: &Connection, batch_id: i64, subject: &NewSubject) -> rusqlite::Result<SubjectId> {
    let person = subject.person.as_ref();
    let id: SubjectId = conn
        .prepare_cached(
            "INSERT INTO subjects (category, uscc, person_hash, person_ref, person_sealed, id_masked, name,
                                   first_batch, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) RETURNING id",
        )?
        .query_row(
            params![
                subject.category.code(),
                subject.uscc,
                person.map(|p| &p.hash[..]),
                person.map(|p| &p.public_ref),
                person.map(|p| &p.sealed),
                person.map(|p| &p.masked),
                subject.name,
                batch_id,
                now(),
            ],
            |row| row.get(0),
        )?;
    conn.prepare_cached("INSERT INTO subject_search (rowid, tokens) VALUES (?1, ?2)")?
        .execute(params![
            id,
            xinyong_domain::names::search_tokens(&subject.name, subject.category)
        ])?;
    Ok(id)
}

fn insert_record(conn: &Connection, record: &NewRecord, created_at: &str) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "INSERT INTO records (subject_id, record_type, doc_no, version, is_current, catalog_version, decision_date,
                              severity, published, publicity_until, authority, source, batch_id, row_no,
                              content_hash, payload, sealed, created_at, repaired_on)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18,
                 (SELECT repaired_on FROM records
                  WHERE subject_id = ?1 AND record_type = ?2 AND doc_no = ?3 AND version = ?4 - 1))",
    )?
    .execute(params![
        record.key.subject_id,
        record.key.record_type,
        record.key.doc_no,
        record.version,
        record.current,
        record.catalog_version,
        record.decision_date.to_string(),
        record.severity.map(|s| s.label()),
        record.published,
        record.publicity_until.map(|d| d.to_string()),
        record.authority,
        record.source,
        record.batch_id,
        record.row_no,
        &record.content_hash[..],
        record.payload,
        record.sealed,
        created_at,
    ])?;
    Ok(())
}

#[async_trait]
impl ImportTx for SqliteImport {
    fn batch_id(&self) -> i64 {
        self.batch_id
    }

    async fn find_subjects(&mut self, keys: Vec<SubjectLookup>) -> Result<Vec<KnownSubject>, StoreError> {
        self.run(move |conn| {
            keys.iter()
                .filter_map(|key| lookup_subject(conn, key).transpose())
                .collect()
        })
        .await
    }

    async fn insert_subjects(&mut self, subjects: Vec<NewSubject>) -> Result<Vec<SubjectId>, StoreError> {
        let batch_id = self.batch_id;
        self.run(move |conn| {
            subjects
                .iter()
                .map(|subject| insert_subject(conn, batch_id, subject))
                .collect()
        })
        .await
    }

    async fn add_aliases(&mut self, aliases: Vec<NewAlias>) -> Result<(), StoreError> {
        let batch_id = self.batch_id;
        self.run(move |conn| {
            let mut stmt = conn.prepare_cached(
                "INSERT OR IGNORE INTO subject_aliases (subject_id, kind, value, first_batch) VALUES (?1, ?2, ?3, ?4)",
            )?;
            for alias in &aliases {
                stmt.execute(params![alias.subject_id, alias.kind.code(), alias.value, batch_id])?;
            }
            Ok(())
        })
        .await
    }

    async fn flag_names(&mut self, flags: Vec<NewNameFlag>) -> Result<(), StoreError> {
        let batch_id = self.batch_id;
        self.run(move |conn| {
            let created_at = now();
            let mut upsert = conn.prepare_cached(
                "INSERT INTO name_flags (subject_id, incoming_name, first_batch, first_row, n_rows, created_at)
                 VALUES (?1, ?2, ?3, ?4, 1, ?5)
                 ON CONFLICT (subject_id, incoming_name) DO UPDATE SET n_rows = n_rows + 1, resolved_at = NULL",
            )?;
            let mut mark = conn.prepare_cached("UPDATE subjects SET flagged = 1 WHERE id = ?1")?;
            for flag in &flags {
                upsert.execute(params![
                    flag.subject_id,
                    flag.incoming_name,
                    batch_id,
                    flag.row_no,
                    created_at
                ])?;
                mark.execute([flag.subject_id])?;
            }
            Ok(())
        })
        .await
    }

    async fn find_current_records(&mut self, keys: Vec<NaturalKey>) -> Result<Vec<RecordHead>, StoreError> {
        self.run(move |conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT id, version, content_hash, source, batch_id, row_no FROM records
                 WHERE subject_id = ?1 AND record_type = ?2 AND doc_no = ?3 ORDER BY version DESC LIMIT 1",
            )?;
            let mut heads = Vec::new();
            for key in keys {
                let found = stmt
                    .query_row(params![key.subject_id, key.record_type, key.doc_no], |row| {
                        Ok((
                            row.get(0)?,
                            row.get(1)?,
                            row.get::<_, Vec<u8>>(2)?,
                            row.get::<_, String>(3)?,
                            row.get(4)?,
                            row.get(5)?,
                        ))
                    })
                    .optional()?;
                if let Some((id, version, hash, source, batch_id, row_no)) = found {
                    let content_hash = hash.try_into().map_err(|_| corrupt("content hash is not 16 bytes"))?;
                    heads.push(RecordHead {
                        key,
                        id,
                        version,
                        content_hash,
                        source,
                        batch_id,
                        row_no,
                    });
                }
            }
            Ok(heads)
        })
        .await
    }

    async fn supersede(&mut self, ids: Vec<RecordId>) -> Result<(), StoreError> {
        self.run(move |conn| {
            let mut stmt = conn.prepare_cached("UPDATE records SET is_current = 0 WHERE id = ?1")?;
            for id in ids {
                stmt.execute([id])?;
            }
            Ok(())
        })
        .await
    }

    async fn insert_records(&mut self, records: Vec<NewRecord>) -> Result<(), StoreError> {
        self.run(move |conn| {
            let created_at = now();
            records
                .iter()
                .try_for_each(|record| insert_record(conn, record, &created_at))
        })
        .await
    }

    async fn insert_rejections(&mut self, rejections: Vec<NewRejection>) -> Result<(), StoreError> {
        let batch_id = self.batch_id;
        self.run(move |conn| {
            let mut stmt = conn
                .prepare_cached("INSERT INTO batch_rejections (batch_id, row_no, sealed_cells) VALUES (?1, ?2, ?3)")?;
            for rejection in &rejections {
                stmt.execute(params![batch_id, rejection.row_no, rejection.sealed_cells])?;
            }
            Ok(())
        })
        .await
    }

    async fn insert_issues(&mut self, issues: Vec<RowIssue>) -> Result<(), StoreError> {
        let batch_id = self.batch_id;
        self.run(move |conn| {
            let mut stmt = conn.prepare_cached(
                "INSERT INTO batch_issues (batch_id, row_no, severity, field, code, message)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )?;
            for issue in &issues {
                stmt.execute(params![
                    batch_id,
                    issue.row_no,
                    issue.severity.code(),
                    issue.field,
                    issue.code,
                    issue.message
                ])?;
            }
            Ok(())
        })
        .await
    }

    async fn commit(self: Box<Self>, summary: &BatchSummary) -> Result<Batch, StoreError> {
        let (batch_id, summary) = (self.batch_id, summary.clone());
        self.run(move |conn| {
            conn.execute(
                "UPDATE batches SET n_rows = ?2, n_accepted = ?3, n_rejected = ?4, n_duplicates = ?5,
                        n_new_versions = ?6, n_new_subjects = ?7, n_flagged = ?8, unknown_headers = ?9
                 WHERE id = ?1",
                params![
                    batch_id,
                    summary.n_rows,
                    summary.n_accepted,
                    summary.n_rejected,
                    summary.n_duplicates,
                    summary.n_new_versions,
                    summary.n_new_subjects,
                    summary.n_flagged,
                    serde_json::to_string(&summary.unknown_headers).unwrap_or_else(|_| "[]".into()),
                ],
            )?;
            conn.execute_batch("COMMIT")?;
            read_batch(conn, batch_id)
        })
        .await
    }
}
