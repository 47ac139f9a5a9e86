//! Key rotation in PostgreSQL: one transaction, tables walked in key order a
//! chunk at a time, each chunk written back with one `UPDATE … FROM UNNEST`.

use async_trait::async_trait;
use sqlx::postgres::PgRow;
use sqlx::{PgConnection, Row};
use xinyong_store::{Rekey, RekeyCounts, RekeyStore, Rewrite, StoreError};

use crate::PostgresStore;
use crate::error::map_error;

const CHUNK: i64 = 5_000;

fn apply<T>(transform: &dyn Fn(&[u8]) -> Result<T, String>, value: &[u8]) -> Result<T, StoreError> {
    transform(value).map_err(StoreError::Corrupt)
}

async fn subjects(conn: &mut PgConnection, rekey: &Rekey) -> Result<u64, StoreError> {
    let (mut after, mut n) = (0i64, 0u64);
    loop {
        let chunk: Vec<(i64, Vec<u8>)> = sqlx::query(
            "SELECT id, person_sealed FROM subjects WHERE person_sealed IS NOT NULL AND id > $1 ORDER BY id LIMIT $2",
        )
        .bind(after)
        .bind(CHUNK)
        .try_map(|row: PgRow| Ok((row.try_get(0)?, row.try_get(1)?)))
        .fetch_all(&mut *conn)
        .await
        .map_err(map_error)?;
        let Some(last) = chunk.last() else { return Ok(n) };
        after = last.0;
        let (mut ids, mut sealed, mut hashes) = (Vec::new(), Vec::new(), Vec::new());
        for (id, old) in &chunk {
            ids.push(*id);
            sealed.push(apply(&*rekey.reseal, old)?);
            hashes.push(apply(&*rekey.rehash, old)?.to_vec());
        }
        sqlx::query(
            "UPDATE subjects s SET person_sealed = u.sealed, person_hash = u.hash
             FROM UNNEST($1::bigint[], $2::bytea[], $3::bytea[]) AS u(id, sealed, hash) WHERE s.id = u.id",
        )
        .bind(&ids)
        .bind(&sealed)
        .bind(&hashes)
        .execute(&mut *conn)
        .await
        .map_err(map_error)?;
        n += ids.len() as u64;
    }
}

async fn records(conn: &mut PgConnection, rekey: &Rekey) -> Result<u64, StoreError> {
    let (mut after, mut n) = (0i64, 0u64);
    loop {
        let chunk: Vec<(i64, Vec<u8>)> =
            sqlx::query("SELECT id, sealed FROM records WHERE sealed IS NOT NULL AND id > $1 ORDER BY id LIMIT $2")
                .bind(after)
                .bind(CHUNK)
                .try_map(|row: PgRow| Ok((row.try_get(0)?, row.try_get(1)?)))
                .fetch_all(&mut *conn)
                .await
                .map_err(map_error)?;
        let Some(last) = chunk.last() else { return Ok(n) };
        after = last.0;
        let mut ids = Vec::new();
        let mut sealed = Vec::new();
        for (id, old) in &chunk {
            ids.push(*id);
            sealed.push(apply(&*rekey.reseal, old)?);
        }
        sqlx::query(
            "UPDATE records r SET sealed = u.sealed
             FROM UNNEST($1::bigint[], $2::bytea[]) AS u(id, sealed) WHERE r.id = u.id",
        )
        .bind(&ids)
        .bind(&sealed)
        .execute(&mut *conn)
        .await
        .map_err(map_error)?;
        n += ids.len() as u64;
    }
}

async fn rejections(conn: &mut PgConnection, rekey: &Rekey) -> Result<u64, StoreError> {
    let (mut after, mut n) = ((0i64, 0i64), 0u64);
    loop {
        let chunk: Vec<(i64, i64, Vec<u8>)> = sqlx::query(
            "SELECT batch_id, row_no, sealed_cells FROM batch_rejections
             WHERE (batch_id, row_no) > ($1, $2) ORDER BY batch_id, row_no LIMIT $3",
        )
        .bind(after.0)
        .bind(after.1)
        .bind(CHUNK)
        .try_map(|row: PgRow| Ok((row.try_get(0)?, row.try_get(1)?, row.try_get(2)?)))
        .fetch_all(&mut *conn)
        .await
        .map_err(map_error)?;
        let Some(last) = chunk.last() else { return Ok(n) };
        after = (last.0, last.1);
        let (mut batches, mut rows, mut sealed) = (Vec::new(), Vec::new(), Vec::new());
        for (batch, row, old) in &chunk {
            batches.push(*batch);
            rows.push(*row);
            sealed.push(apply(&*rekey.reseal, old)?);
        }
        sqlx::query(
            "UPDATE batch_rejections r SET sealed_cells = u.sealed
             FROM UNNEST($1::bigint[], $2::bigint[], $3::bytea[]) AS u(batch_id, row_no, sealed)
             WHERE r.batch_id = u.batch_id AND r.row_no = u.row_no",
        )
        .bind(&batches)
        .bind(&rows)
        .bind(&sealed)
        .execute(&mut *conn)
        .await
        .map_err(map_error)?;
        n += batches.len() as u64;
    }
}

#[async_trait]
impl RekeyStore for PostgresStore {
    async fn rekey(&self, rekey: Rekey) -> Result<RekeyCounts, StoreError> {
        let mut tx = self.pool.begin().await.map_err(map_error)?;
        let counts = RekeyCounts {
            subjects: subjects(&mut tx, &rekey).await?,
            records: records(&mut tx, &rekey).await?,
            rejections: rejections(&mut tx, &rekey).await?,
        };
        sqlx::query(
            "INSERT INTO meta (key, value) VALUES ('key_fingerprint', $1)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        )
        .bind(&rekey.fingerprint)
        .execute(&mut *tx)
        .await
        .map_err(map_error)?;
        tx.commit().await.map_err(map_error)?;
        Ok(counts)
    }

    async fn rewrite_records(&self, rewrite: Rewrite) -> Result<u64, StoreError> {
        let (mut after, mut changed) = (0i64, 0u64);
        loop {
            let mut tx = self.pool.begin().await.map_err(map_error)?;
            let chunk: Vec<(i64, String, String, Option<Vec<u8>>)> = sqlx::query(
                "SELECT id, record_type, payload::text, sealed FROM records WHERE id > $1 ORDER BY id LIMIT $2
                 FOR UPDATE",
            )
            .bind(after)
            .bind(CHUNK)
            .try_map(|row: PgRow| Ok((row.try_get(0)?, row.try_get(1)?, row.try_get(2)?, row.try_get(3)?)))
            .fetch_all(&mut *tx)
            .await
            .map_err(map_error)?;
            let Some(last) = chunk.last().map(|c| c.0) else {
                return Ok(changed);
            };
            let (mut ids, mut payloads, mut sealed) = (Vec::new(), Vec::new(), Vec::new());
            for (id, record_type, payload, old) in &chunk {
                if let Some((payload, new)) =
                    rewrite(record_type, payload, old.as_deref()).map_err(StoreError::Corrupt)?
                {
                    ids.push(*id);
                    payloads.push(payload);
                    sealed.push(new);
                }
            }
            sqlx::query(
                "UPDATE records r SET payload = u.payload::jsonb, sealed = u.sealed
                 FROM UNNEST($1::bigint[], $2::text[], $3::bytea[]) AS u(id, payload, sealed) WHERE r.id = u.id",
            )
            .bind(&ids)
            .bind(&payloads)
            .bind(&sealed)
            .execute(&mut *tx)
            .await
            .map_err(map_error)?;
            tx.commit().await.map_err(map_error)?;
            changed += ids.len() as u64;
            after = last;
        }
    }
}
