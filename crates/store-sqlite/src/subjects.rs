//! Reading subjects from SQLite.

use async_trait::async_trait;
use rusqlite::{OptionalExtension, params};
use xinyong_domain::SubjectCategory;
use xinyong_domain::names::search_tokens;
use xinyong_store::{
    AliasKind, NameDecision, NameFlag, Page, PageRequest, StoreError, Subject, SubjectId, SubjectStore,
};

use crate::SqliteStore;
use crate::error::corrupt;
use crate::rows::{SUBJECT_COLUMNS, now, subject, timestamp};

impl SqliteStore {
    async fn subject_where(
        &self,
        condition: &'static str,
        value: rusqlite::types::Value,
    ) -> Result<Option<Subject>, StoreError> {
        self.read(move |conn| {
            conn.prepare_cached(&format!("SELECT {SUBJECT_COLUMNS} FROM subjects s WHERE {condition}"))?
                .query_row([value], |row| subject(row, 0))
                .optional()
        })
        .await
    }
}

#[async_trait]
impl SubjectStore for SqliteStore {
    async fn subject_by_uscc(&self, uscc: &str) -> Result<Option<Subject>, StoreError> {
        self.subject_where("s.uscc = ?1", uscc.to_owned().into()).await
    }

    async fn subject_by_ref(&self, person_ref: &str) -> Result<Option<Subject>, StoreError> {
        self.subject_where("s.person_ref = ?1", person_ref.to_owned().into())
            .await
    }

    async fn subject_by_id(&self, id: SubjectId) -> Result<Option<Subject>, StoreError> {
        self.subject_where("s.id = ?1", id.into()).await
    }

    async fn sealed_identity(&self, id: SubjectId) -> Result<Option<Vec<u8>>, StoreError> {
        self.read(move |conn| {
            let sealed: Option<Option<Vec<u8>>> = conn
                .query_row("SELECT person_sealed FROM subjects WHERE id = ?1", [id], |row| {
                    row.get(0)
                })
                .optional()?;
            Ok(sealed.flatten())
        })
        .await
    }

    async fn subject_by_person_hash(&self, hash: &[u8; 32]) -> Result<Option<Subject>, StoreError> {
        self.subject_where("s.person_hash = ?1", hash.to_vec().into()).await
    }

    async fn subject_aliases(&self, id: SubjectId) -> Result<Vec<(AliasKind, String)>, StoreError> {
        self.read(move |conn| {
            let mut stmt = conn.prepare(
                "SELECT kind, value FROM subject_aliases WHERE subject_id = ?1 ORDER BY first_batch, kind, value",
            )?;
            stmt.query_map([id], |row| {
                let kind: String = row.get(0)?;
                Ok((
                    AliasKind::from_code(&kind).ok_or_else(|| corrupt(format!("alias kind {kind}")))?,
                    row.get(1)?,
                ))
            })?
            .collect()
        })
        .await
    }

    async fn name_flags(&self, page: &PageRequest) -> Result<Page<NameFlag>, StoreError> {
        let after = page.after.as_ref().map_or(Some(0), |cursor| cursor.decode_id());
        let Some(after) = after else {
            return Ok(Page {
                items: Vec::new(),
                next: None,
            });
        };
        let limit = page.limit;
        let items = self
            .read(move |conn| {
                let mut stmt = conn.prepare(&format!(
                    "{FLAG_SELECT} WHERE f.resolved_at IS NULL AND f.id > ?1 ORDER BY f.id LIMIT ?2"
                ))?;
                stmt.query_map(params![after, i64::from(limit) + 1], flag_row)?
                    .collect::<rusqlite::Result<Vec<_>>>()
            })
            .await?;
        Ok(Page::from_overfetch(items, limit, |flag| flag.id.to_string()))
    }

    async fn resolve_name_flag(&self, id: i64, decision: NameDecision) -> Result<Option<NameFlag>, StoreError> {
        self.write(move |tx| {
            let Some(flag) = tx
                .query_row(&format!("{FLAG_SELECT} WHERE f.id = ?1 AND f.resolved_at IS NULL"), [id], flag_row)
                .optional()?
            else {
                return Ok(None);
            };
            let alias = |name: &str| {
                tx.execute(
                    "INSERT OR IGNORE INTO subject_aliases (subject_id, kind, value, first_batch) VALUES (?1, 'name', ?2, ?3)",
                    params![flag.subject_id, name, flag.first_batch],
                )
            };
            match decision {
                NameDecision::Rename => {
                    alias(&flag.subject_name)?;
                    tx.execute(
                        "UPDATE subjects SET name = ?2 WHERE id = ?1",
                        params![flag.subject_id, flag.incoming_name],
                    )?;
                    // Found by both names from now on.
                    let category: String =
                        tx.query_row("SELECT category FROM subjects WHERE id = ?1", [flag.subject_id], |row| {
                            row.get(0)
                        })?;
                    let category = SubjectCategory::from_code(&category).unwrap_or(SubjectCategory::Person);
                    let tokens = format!(
                        "{} {}",
                        search_tokens(&flag.incoming_name, category),
                        search_tokens(&flag.subject_name, category)
                    );
                    tx.execute("DELETE FROM subject_search WHERE rowid = ?1", [flag.subject_id])?;
                    tx.execute(
                        "INSERT INTO subject_search (rowid, tokens) VALUES (?1, ?2)",
                        params![flag.subject_id, tokens],
                    )?;
                }
                NameDecision::Alias => {
                    alias(&flag.incoming_name)?;
                }
                NameDecision::Reject => {}
            }
            tx.execute("UPDATE name_flags SET resolved_at = ?2 WHERE id = ?1", params![id, now()])?;
            tx.execute(
                "UPDATE subjects SET flagged = EXISTS (SELECT 1 FROM name_flags WHERE subject_id = ?1 AND resolved_at IS NULL)
                 WHERE id = ?1",
                [flag.subject_id],
            )?;
            Ok(Some(flag))
        })
        .await
    }
}

const FLAG_SELECT: &str = "SELECT f.id, f.subject_id, COALESCE(s.uscc, s.id_masked, ''), s.name, f.incoming_name,
                                  f.first_batch, f.first_row, f.n_rows, f.created_at
                           FROM name_flags f JOIN subjects s ON s.id = f.subject_id";

fn flag_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<NameFlag> {
    Ok(NameFlag {
        id: row.get(0)?,
        subject_id: row.get(1)?,
        subject_key: row.get(2)?,
        subject_name: row.get(3)?,
        incoming_name: row.get(4)?,
        first_batch: row.get(5)?,
        first_row: row.get(6)?,
        n_rows: row.get(7)?,
        created_at: timestamp(&row.get::<_, String>(8)?)?,
    })
}
