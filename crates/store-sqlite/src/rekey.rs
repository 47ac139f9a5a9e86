//! Key rotation in SQLite: one `BEGIN IMMEDIATE` transaction, tables walked
//! in key order a chunk at a time.

use std::sync::Arc;

use async_trait::async_trait;
use rusqlite::{Transaction, params};
use xinyong_store::{Rekey, RekeyCounts, RekeyStore, Rewrite, StoreError};

use crate::SqliteStore;
use crate::error::corrupt;

const CHUNK: i64 = 5_000;

fn apply<T>(transform: &dyn Fn(&[u8]) -> Result<T, String>, value: &[u8]) -> rusqlite::Result<T> {
    transform(value).map_err(corrupt)
}

fn subjects(tx: &Transaction<'_>, rekey: &Rekey) -> rusqlite::Result<u64> {
    let (mut after, mut n) = (0i64, 0u64);
    loop {
        let chunk: Vec<(i64, Vec<u8>)> = tx
            .prepare_cached(
                "SELECT id, person_sealed FROM subjects WHERE person_sealed IS NOT NULL AND id > ?1 ORDER BY id LIMIT ?2",
            )?
            .query_map(params![after, CHUNK], |row| Ok((row.get(0)?, row.get(1)?)))?
            .collect::<rusqlite::Result<_>>()?;
        let Some(last) = chunk.last() else { return Ok(n) };
        after = last.0;
        let mut update = tx.prepare_cached("UPDATE subjects SET person_sealed = ?2, person_hash = ?3 WHERE id = ?1")?;
        for (id, sealed) in &chunk {
            let hash = apply(&*rekey.rehash, sealed)?;
            update.execute(params![id, apply(&*rekey.reseal, sealed)?, hash.as_slice()])?;
            n += 1;
        }
    }
}

fn records(tx: &Transaction<'_>, rekey: &Rekey) -> rusqlite::Result<u64> {
    let (mut after, mut n) = (0i64, 0u64);
    loop {
        let chunk: Vec<(i64, Vec<u8>)> = tx
            .prepare_cached("SELECT id, sealed FROM records WHERE sealed IS NOT NULL AND id > ?1 ORDER BY id LIMIT ?2")?
            .query_map(params![after, CHUNK], |row| Ok((row.get(0)?, row.get(1)?)))?
            .collect::<rusqlite::Result<_>>()?;
        let Some(last) = chunk.last() else { return Ok(n) };
        after = last.0;
        let mut update = tx.prepare_cached("UPDATE records SET sealed = ?2 WHERE id = ?1")?;
        for (id, sealed) in &chunk {
            update.execute(params![id, apply(&*rekey.reseal, sealed)?])?;
            n += 1;
        }
    }
}

fn rejections(tx: &Transaction<'_>, rekey: &Rekey) -> rusqlite::Result<u64> {
    let (mut after, mut n) = ((0i64, 0i64), 0u64);
    loop {
        let chunk: Vec<(i64, i64, Vec<u8>)> = tx
            .prepare_cached(
                "SELECT batch_id, row_no, sealed_cells FROM batch_rejections
                 WHERE (batch_id, row_no) > (?1, ?2) ORDER BY batch_id, row_no LIMIT ?3",
            )?
            .query_map(params![after.0, after.1, CHUNK], |row| {
                Ok((row.get(0)?, row.get(1)?, row.get(2)?))
            })?
            .collect::<rusqlite::Result<_>>()?;
        let Some(last) = chunk.last() else { return Ok(n) };
        after = (last.0, last.1);
        let mut update =
            tx.prepare_cached("UPDATE batch_rejections SET sealed_cells = ?3 WHERE batch_id = ?1 AND row_no = ?2")?;
        for (batch, row, sealed) in &chunk {
            update.execute(params![batch, row, apply(&*rekey.reseal, sealed)?])?;
            n += 1;
        }
    }
}

#[async_trait]
impl RekeyStore for SqliteStore {
    async fn rekey(&self, rekey: Rekey) -> Result<RekeyCounts, StoreError> {
        let rekey = Arc::new(rekey);
        let counts = self
            .write(move |tx| {
                let counts = RekeyCounts {
                    subjects: subjects(tx, &rekey)?,
                    records: records(tx, &rekey)?,
                    rejections: rejections(tx, &rekey)?,
                };
                tx.execute(
                    "INSERT INTO meta (key, value) VALUES ('key_fingerprint', ?1)
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                    [&rekey.fingerprint],
                )?;
                Ok(counts)
            })
            .await?;
        // The commit is made durable before the caller swaps the key files:
        // with `synchronous = NORMAL` a power cut could otherwise keep the
        // swapped files and lose the commit that pins the new key.
        if self.checkpoint("FULL").await? {
            return Err(StoreError::Other(
                "新密钥已提交，但未能确认写入数据库文件（另有连接正在读取）：再运行任一命令即可完成轮换".into(),
            ));
        }
        Ok(counts)
    }

    async fn rewrite_records(&self, rewrite: Rewrite) -> Result<u64, StoreError> {
        let rewrite = Arc::new(rewrite);
        let (mut after, mut changed) = (0i64, 0u64);
        loop {
            let rewrite = Arc::clone(&rewrite);
            let (last, n) = self
                .write(move |tx| {
                    // What is rewritten is often what must not stay on disk:
                    // the cells it replaces are zeroed, not left as free space.
                    tx.pragma_update(None, "secure_delete", true)?;
                    let chunk: Vec<(i64, String, String, Option<Vec<u8>>)> = tx
                        .prepare_cached(
                            "SELECT id, record_type, payload, sealed FROM records WHERE id > ?1 ORDER BY id LIMIT ?2",
                        )?
                        .query_map(params![after, CHUNK], |row| {
                            Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?))
                        })?
                        .collect::<rusqlite::Result<_>>()?;
                    let mut update = tx.prepare_cached("UPDATE records SET payload = ?2, sealed = ?3 WHERE id = ?1")?;
                    let mut n = 0u64;
                    for (id, record_type, payload, sealed) in &chunk {
                        if let Some((payload, sealed)) =
                            rewrite(record_type, payload, sealed.as_deref()).map_err(corrupt)?
                        {
                            update.execute(params![id, payload, sealed])?;
                            n += 1;
                        }
                    }
                    tx.pragma_update(None, "secure_delete", false)?;
                    Ok((chunk.last().map(|c| c.0), n))
                })
                .await?;
            changed += n;
            match last {
                Some(last) => after = last,
                None => break,
            }
        }
        // Nor are the replaced pages left in the WAL.
        if self.checkpoint("TRUNCATE").await? {
            tracing::warn!("the WAL could not be emptied after rewriting records: readers were still on it");
        }
        Ok(changed)
    }
}

impl SqliteStore {
    /// Runs a WAL checkpoint of the records file in `mode` (`FULL`,
    /// `TRUNCATE`): every committed frame copied back and synced. True if
    /// it could not finish because another connection was reading.
    async fn checkpoint(&self, mode: &'static str) -> Result<bool, StoreError> {
        self.read(move |conn| conn.query_row(&format!("PRAGMA wal_checkpoint({mode})"), [], |row| row.get(0)))
            .await
    }
}
