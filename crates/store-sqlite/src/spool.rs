//! Spooled checks and audit entries, committed to the journal file.

use async_trait::async_trait;
use rusqlite::{OptionalExtension, params};
use xinyong_store::{SpoolStore, Spooled, StoreError};

use crate::SqliteStore;
use crate::audit::append_in;
use crate::checks::insert_in;

#[async_trait]
impl SpoolStore for SqliteStore {
    async fn commit_spooled(&self, spooled: Spooled) -> Result<(), StoreError> {
        self.write_journal(move |tx| {
            // A group whose mark is already reached was committed before
            // (a retry after an error that came after the commit).
            if let Some(mark) = &spooled.mark {
                let done: Option<i64> = tx
                    .prepare_cached("SELECT upto FROM spool_marks WHERE spool = ?1")?
                    .query_row([&mark.spool], |row| row.get(0))
                    .optional()?;
                if done.is_some_and(|done| done >= mark.upto) {
                    return Ok(());
                }
            }
            insert_in(tx, spooled.checks)?;
            append_in(tx, spooled.events)?;
            if let Some(mark) = spooled.mark {
                tx.prepare_cached(
                    "INSERT INTO spool_marks (spool, upto) VALUES (?1, ?2)
                     ON CONFLICT (spool) DO UPDATE SET upto = excluded.upto",
                )?
                .execute(params![mark.spool, mark.upto])?;
            }
            Ok(())
        })
        .await
    }

    async fn spool_mark(&self, spool: &str) -> Result<Option<i64>, StoreError> {
        let spool = spool.to_owned();
        self.read_journal(move |conn| {
            conn.query_row("SELECT upto FROM spool_marks WHERE spool = ?1", [spool], |row| {
                row.get(0)
            })
            .optional()
        })
        .await
    }

    async fn forget_spool(&self, spool: &str) -> Result<(), StoreError> {
        let spool = spool.to_owned();
        self.write_journal(move |tx| {
            tx.execute("DELETE FROM spool_marks WHERE spool = ?1", [spool])
                .map(drop)
        })
        .await
    }
}
