//! Spooled checks and audit entries, committed to PostgreSQL.

use async_trait::async_trait;
use xinyong_store::{SpoolStore, Spooled, StoreError};

use crate::PostgresStore;
use crate::audit::append_in;
use crate::checks::insert_in;
use crate::error::map_error;

#[async_trait]
impl SpoolStore for PostgresStore {
    async fn commit_spooled(&self, spooled: Spooled) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await.map_err(map_error)?;
        // A group whose mark is already reached was committed before (a
        // retry after the connection broke during the commit's reply).
        if let Some(mark) = &spooled.mark {
            let done: Option<i64> = sqlx::query_scalar("SELECT upto FROM spool_marks WHERE spool = $1 FOR UPDATE")
                .bind(&mark.spool)
                .fetch_optional(&mut *tx)
                .await
                .map_err(map_error)?;
            if done.is_some_and(|done| done >= mark.upto) {
                return Ok(());
            }
        }
        insert_in(&mut tx, spooled.checks).await?;
        append_in(&mut tx, spooled.events).await?;
        if let Some(mark) = spooled.mark {
            sqlx::query(
                "INSERT INTO spool_marks (spool, upto) VALUES ($1, $2)
                 ON CONFLICT (spool) DO UPDATE SET upto = excluded.upto",
            )
            .bind(&mark.spool)
            .bind(mark.upto)
            .execute(&mut *tx)
            .await
            .map_err(map_error)?;
        }
        tx.commit().await.map_err(map_error)
    }

    async fn spool_mark(&self, spool: &str) -> Result<Option<i64>, StoreError> {
        sqlx::query_scalar("SELECT upto FROM spool_marks WHERE spool = $1")
            .bind(spool)
            .fetch_optional(&self.pool)
            .await
            .map_err(map_error)
    }

    async fn forget_spool(&self, spool: &str) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM spool_marks WHERE spool = $1")
            .bind(spool)
            .execute(&self.pool)
            .await
            .map_err(map_error)?;
        Ok(())
    }
}
