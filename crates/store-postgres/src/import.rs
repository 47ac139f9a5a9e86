//! One import as one PostgreSQL transaction: set-based statements over
//! arrays for lookups and subjects, `COPY` for records, rejected rows and
//! issues. Dropping the import rolls the transaction back.

use std::collections::HashMap;

use async_trait::async_trait;
use sqlx::AssertSqlSafe;
use sqlx::postgres::PgRow;
use sqlx::{Postgres, Row, Transaction};
use xinyong_store::{
    Batch, BatchSummary, ImportTx, KnownSubject, NaturalKey, NewAlias, NewNameFlag, NewRecord, NewRejection,
    NewSubject, RecordHead, RecordId, RowIssue, StoreError, SubjectId, SubjectLookup,
};

use crate::batches::read_batch;
use crate::copy::CopyBuffer;
use crate::error::{corrupt, map_error};
use crate::rows::tsvector_literal;

pub(crate) struct PostgresImport {
    tx: Transaction<'static, Postgres>,
    pool: sqlx::PgPool,
    batch_id: i64,
}

/// Rows (accepted or new subjects) from which a batch counts as bulk: the
/// planner's statistics and the search index's pending list are brought up
/// to date after it, rather than whenever autovacuum comes by. Without it,
/// name search right after a large import estimates phrase matches as one
/// row and rechecks hundreds of thousands.
const BULK_ROWS: i64 = 10_000;

impl std::fmt::Debug for PostgresImport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PostgresImport")
            .field("batch_id", &self.batch_id)
            .finish_non_exhaustive()
    }
}

impl PostgresImport {
    pub(crate) fn new(tx: Transaction<'static, Postgres>, pool: sqlx::PgPool, batch_id: i64) -> Self {
        Self { tx, pool, batch_id }
    }

    async fn copy(&mut self, statement: &str, buffer: CopyBuffer) -> Result<(), StoreError> {
        if buffer.is_empty() {
            return Ok(());
        }
        let mut copy = self.tx.copy_in_raw(statement).await.map_err(map_error)?;
        copy.send(buffer.into_bytes()).await.map_err(map_error)?;
        copy.finish().await.map_err(map_error)?;
        Ok(())
    }
}

const KNOWN_SUBJECT: &str = "SELECT s.id, s.uscc, s.person_hash, s.name,
       ARRAY(SELECT a.value FROM subject_aliases a WHERE a.subject_id = s.id AND a.kind = 'name'
             ORDER BY a.first_batch, a.value) AS aliases
     FROM subjects s";

#[async_trait]
impl ImportTx for PostgresImport {
    fn batch_id(&self) -> i64 {
        self.batch_id
    }

    async fn find_subjects(&mut self, keys: Vec<SubjectLookup>) -> Result<Vec<KnownSubject>, StoreError> {
        let codes: Vec<&str> = keys
            .iter()
            .filter_map(|k| match k {
                SubjectLookup::Uscc(code) => Some(code.as_str()),
                SubjectLookup::Person(_) => None,
            })
            .collect();
        let hashes: Vec<&[u8]> = keys
            .iter()
            .filter_map(|k| match k {
                SubjectLookup::Person(hash) => Some(&hash[..]),
                SubjectLookup::Uscc(_) => None,
            })
            .collect();
        let rows = sqlx::query(AssertSqlSafe(format!(
            "{KNOWN_SUBJECT} WHERE s.uscc = ANY($1) OR s.person_hash = ANY($2)"
        )))
        .bind(&codes)
        .bind(&hashes)
        .try_map(|row: PgRow| {
            let lookup = match (
                row.try_get::<Option<String>, _>("uscc")?,
                row.try_get::<Option<Vec<u8>>, _>("person_hash")?,
            ) {
                (Some(code), _) => SubjectLookup::Uscc(code),
                (None, Some(hash)) => SubjectLookup::Person(hash.try_into().map_err(|_| corrupt("person hash"))?),
                (None, None) => return Err(corrupt("subject without key")),
            };
            let mut names = vec![row.try_get::<String, _>("name")?];
            names.extend(row.try_get::<Vec<String>, _>("aliases")?);
            Ok(KnownSubject {
                lookup,
                id: row.try_get("id")?,
                names,
            })
        })
        .fetch_all(&mut *self.tx)
        .await
        .map_err(map_error)?;
        // Answer in the order asked, as the SQLite backend does.
        let mut by_key: HashMap<SubjectLookup, KnownSubject> =
            rows.into_iter().map(|k| (k.lookup.clone(), k)).collect();
        Ok(keys.iter().filter_map(|key| by_key.remove(key)).collect())
    }

    async fn insert_subjects(&mut self, subjects: Vec<NewSubject>) -> Result<Vec<SubjectId>, StoreError> {
        if subjects.is_empty() {
            return Ok(Vec::new());
        }
        // Take the ids first so that they follow the input order exactly.
        let ids: Vec<i64> = sqlx::query_scalar("SELECT nextval('subjects_id_seq') FROM generate_series(1, $1)")
            .bind(subjects.len() as i64)
            .fetch_all(&mut *self.tx)
            .await
            .map_err(map_error)?;
        let persons = subjects.iter().map(|s| s.person.as_ref());
        sqlx::query(
            "INSERT INTO subjects (id, category, uscc, person_hash, person_ref, person_sealed, id_masked, name,
                                   search_tokens, first_batch, created_at)
             SELECT id, category, uscc, person_hash, person_ref, person_sealed, id_masked, name,
                    tokens::tsvector, $10, now()
             FROM UNNEST($1::bigint[], $2::text[], $3::text[], $4::bytea[], $5::text[], $6::bytea[], $7::text[],
                         $8::text[], $9::text[])
                  AS t(id, category, uscc, person_hash, person_ref, person_sealed, id_masked, name, tokens)",
        )
        .bind(&ids)
        .bind(subjects.iter().map(|s| s.category.code()).collect::<Vec<_>>())
        .bind(subjects.iter().map(|s| s.uscc.as_deref()).collect::<Vec<_>>())
        .bind(persons.clone().map(|p| p.map(|p| &p.hash[..])).collect::<Vec<_>>())
        .bind(
            persons
                .clone()
                .map(|p| p.map(|p| p.public_ref.as_str()))
                .collect::<Vec<_>>(),
        )
        .bind(persons.clone().map(|p| p.map(|p| &p.sealed[..])).collect::<Vec<_>>())
        .bind(persons.map(|p| p.map(|p| p.masked.as_str())).collect::<Vec<_>>())
        .bind(subjects.iter().map(|s| s.name.as_str()).collect::<Vec<_>>())
        .bind(
            subjects
                .iter()
                .map(|s| tsvector_literal(&s.name, s.category))
                .collect::<Vec<_>>(),
        )
        .bind(self.batch_id)
        .execute(&mut *self.tx)
        .await
        .map_err(map_error)?;
        Ok(ids)
    }

    async fn add_aliases(&mut self, aliases: Vec<NewAlias>) -> Result<(), StoreError> {
        if aliases.is_empty() {
            return Ok(());
        }
        sqlx::query(
            "INSERT INTO subject_aliases (subject_id, kind, value, first_batch)
             SELECT DISTINCT subject_id, kind, value, $4::bigint FROM UNNEST($1::bigint[], $2::text[], $3::text[])
                  AS t(subject_id, kind, value)
             ON CONFLICT DO NOTHING",
        )
        .bind(aliases.iter().map(|a| a.subject_id).collect::<Vec<_>>())
        .bind(aliases.iter().map(|a| a.kind.code()).collect::<Vec<_>>())
        .bind(aliases.iter().map(|a| a.value.as_str()).collect::<Vec<_>>())
        .bind(self.batch_id)
        .execute(&mut *self.tx)
        .await
        .map_err(map_error)?;
        Ok(())
    }

    async fn flag_names(&mut self, flags: Vec<NewNameFlag>) -> Result<(), StoreError> {
        if flags.is_empty() {
            return Ok(());
        }
        // One statement may not update a row twice: fold repeats first, keeping the first row seen.
        let mut folded: Vec<(SubjectId, &str, i64, i64)> = Vec::new();
        for flag in &flags {
            match folded
                .iter_mut()
                .find(|(s, n, _, _)| *s == flag.subject_id && *n == flag.incoming_name)
            {
                Some(entry) => entry.3 += 1,
                None => folded.push((flag.subject_id, &flag.incoming_name, flag.row_no, 1)),
            }
        }
        sqlx::query(
            "INSERT INTO name_flags (subject_id, incoming_name, first_batch, first_row, n_rows, created_at)
             SELECT subject_id, incoming_name, $5, first_row, n_rows, now()
             FROM UNNEST($1::bigint[], $2::text[], $3::bigint[], $4::bigint[])
                  AS t(subject_id, incoming_name, first_row, n_rows)
             ON CONFLICT (subject_id, incoming_name)
             DO UPDATE SET n_rows = name_flags.n_rows + EXCLUDED.n_rows, resolved_at = NULL",
        )
        .bind(folded.iter().map(|f| f.0).collect::<Vec<_>>())
        .bind(folded.iter().map(|f| f.1).collect::<Vec<_>>())
        .bind(folded.iter().map(|f| f.2).collect::<Vec<_>>())
        .bind(folded.iter().map(|f| f.3).collect::<Vec<_>>())
        .bind(self.batch_id)
        .execute(&mut *self.tx)
        .await
        .map_err(map_error)?;
        sqlx::query("UPDATE subjects SET flagged = TRUE WHERE id = ANY($1)")
            .bind(folded.iter().map(|f| f.0).collect::<Vec<_>>())
            .execute(&mut *self.tx)
            .await
            .map_err(map_error)?;
        Ok(())
    }

    async fn find_current_records(&mut self, keys: Vec<NaturalKey>) -> Result<Vec<RecordHead>, StoreError> {
        if keys.is_empty() {
            return Ok(Vec::new());
        }
        let rows = sqlx::query(
            "SELECT k.ord, r.id, r.version, r.content_hash, r.source, r.batch_id, r.row_no
             FROM UNNEST($1::bigint[], $2::text[], $3::text[]) WITH ORDINALITY AS k(subject_id, record_type, doc_no, ord)
             JOIN LATERAL (SELECT id, version, content_hash, source, batch_id, row_no FROM records
                           WHERE subject_id = k.subject_id AND record_type = k.record_type AND doc_no = k.doc_no
                           ORDER BY version DESC LIMIT 1) r ON true
             ORDER BY k.ord",
        )
        .bind(keys.iter().map(|k| k.subject_id).collect::<Vec<_>>())
        .bind(keys.iter().map(|k| k.record_type.as_str()).collect::<Vec<_>>())
        .bind(keys.iter().map(|k| k.doc_no.as_str()).collect::<Vec<_>>())
        .try_map(|row: PgRow| {
            let hash: Vec<u8> = row.try_get("content_hash")?;
            let content_hash: [u8; 16] = hash.try_into().map_err(|_| corrupt("content hash is not 16 bytes"))?;
            let head = |key: NaturalKey| -> Result<RecordHead, sqlx::Error> {
                Ok(RecordHead {
                    key,
                    id: row.try_get("id")?,
                    version: row.try_get("version")?,
                    content_hash,
                    source: row.try_get("source")?,
                    batch_id: row.try_get("batch_id")?,
                    row_no: row.try_get("row_no")?,
                })
            };
            let ord: i64 = row.try_get("ord")?;
            let key = usize::try_from(ord - 1)
                .ok()
                .and_then(|idx| keys.get(idx))
                .ok_or_else(|| corrupt("natural key ordinal out of range"))?;
            head(key.clone())
        })
        .fetch_all(&mut *self.tx)
        .await
        .map_err(map_error)?;
        Ok(rows)
    }

    async fn supersede(&mut self, ids: Vec<RecordId>) -> Result<(), StoreError> {
        if ids.is_empty() {
            return Ok(());
        }
        sqlx::query("UPDATE records SET is_current = FALSE WHERE id = ANY($1)")
            .bind(&ids)
            .execute(&mut *self.tx)
            .await
            .map_err(map_error)?;
        Ok(())
    }

    async fn insert_records(&mut self, records: Vec<NewRecord>) -> Result<(), StoreError> {
        let mut buffer = CopyBuffer::default();
        for record in &records {
            buffer
                .plain(record.key.subject_id)
                .text(&record.key.record_type)
                .text(&record.key.doc_no)
                .plain(record.version)
                .boolean(record.current)
                .plain(record.catalog_version)
                .plain(record.decision_date)
                .opt_text(record.severity.map(|s| s.label()))
                .boolean(record.published);
            match record.publicity_until {
                Some(until) => buffer.plain(until),
                None => buffer.null(),
            };
            buffer
                .text(&record.authority)
                .text(&record.source)
                .plain(record.batch_id)
                .plain(record.row_no)
                .bytes(&record.content_hash)
                .text(&record.payload);
            match &record.sealed {
                Some(sealed) => buffer.bytes(sealed),
                None => buffer.null(),
            };
            buffer.end_row();
        }
        // created_at takes its default from the transaction start, the same for the whole batch.
        self.copy(
            "COPY records (subject_id, record_type, doc_no, version, is_current, catalog_version, decision_date,
                           severity, published, publicity_until, authority, source, batch_id, row_no, content_hash,
                           payload, sealed) FROM STDIN",
            buffer,
        )
        .await?;
        // A new version of a repaired record stays repaired.
        let later: Vec<&NewRecord> = records.iter().filter(|r| r.version > 1).collect();
        if later.is_empty() {
            return Ok(());
        }
        sqlx::query(
            "UPDATE records n SET repaired_on = o.repaired_on
             FROM UNNEST($1::bigint[], $2::text[], $3::text[], $4::int[]) AS k(subject_id, record_type, doc_no, version)
             JOIN records o ON o.subject_id = k.subject_id AND o.record_type = k.record_type
                           AND o.doc_no = k.doc_no AND o.version = k.version - 1
             WHERE o.repaired_on IS NOT NULL AND n.subject_id = k.subject_id AND n.record_type = k.record_type
               AND n.doc_no = k.doc_no AND n.version = k.version",
        )
        .bind(later.iter().map(|r| r.key.subject_id).collect::<Vec<_>>())
        .bind(later.iter().map(|r| r.key.record_type.as_str()).collect::<Vec<_>>())
        .bind(later.iter().map(|r| r.key.doc_no.as_str()).collect::<Vec<_>>())
        .bind(later.iter().map(|r| r.version).collect::<Vec<_>>())
        .execute(&mut *self.tx)
        .await
        .map_err(map_error)?;
        Ok(())
    }

    async fn insert_rejections(&mut self, rejections: Vec<NewRejection>) -> Result<(), StoreError> {
        let mut buffer = CopyBuffer::default();
        for rejection in &rejections {
            buffer
                .plain(self.batch_id)
                .plain(rejection.row_no)
                .bytes(&rejection.sealed_cells);
            buffer.end_row();
        }
        self.copy(
            "COPY batch_rejections (batch_id, row_no, sealed_cells) FROM STDIN",
            buffer,
        )
        .await
    }

    async fn insert_issues(&mut self, issues: Vec<RowIssue>) -> Result<(), StoreError> {
        let mut buffer = CopyBuffer::default();
        for issue in &issues {
            buffer
                .plain(self.batch_id)
                .plain(issue.row_no)
                .text(issue.severity.code())
                .text(&issue.field)
                .text(&issue.code)
                .text(&issue.message);
            buffer.end_row();
        }
        self.copy(
            "COPY batch_issues (batch_id, row_no, severity, field, code, message) FROM STDIN",
            buffer,
        )
        .await
    }

    async fn commit(mut self: Box<Self>, summary: &BatchSummary) -> Result<Batch, StoreError> {
        sqlx::query(
            "UPDATE batches SET n_rows = $2, n_accepted = $3, n_rejected = $4, n_duplicates = $5, n_new_versions = $6,
                    n_new_subjects = $7, n_flagged = $8, unknown_headers = $9
             WHERE id = $1",
        )
        .bind(self.batch_id)
        .bind(summary.n_rows)
        .bind(summary.n_accepted)
        .bind(summary.n_rejected)
        .bind(summary.n_duplicates)
        .bind(summary.n_new_versions)
        .bind(summary.n_new_subjects)
        .bind(summary.n_flagged)
        .bind(serde_json::json!(summary.unknown_headers))
        .execute(&mut *self.tx)
        .await
        .map_err(map_error)?;
        let batch = read_batch(&mut self.tx, self.batch_id).await?;
        self.tx.commit().await.map_err(map_error)?;
        if summary.n_accepted >= BULK_ROWS || summary.n_new_subjects >= BULK_ROWS {
            // The batch is committed; upkeep that fails is logged, not an import failure.
            for statement in [
                "ANALYZE subjects",
                "ANALYZE records",
                "SELECT gin_clean_pending_list('subjects_search'::regclass)",
            ] {
                if let Err(error) = sqlx::query(statement).execute(&self.pool).await {
                    tracing::warn!(%error, statement, "upkeep after a bulk import failed");
                }
            }
        }
        Ok(batch)
    }
}
