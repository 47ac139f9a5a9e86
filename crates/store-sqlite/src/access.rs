//! Departments, accounts, sessions, keys and authorisations in SQLite.

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};
use rusqlite::{OptionalExtension, Row, params};
use xinyong_domain::Role;
use xinyong_store::{
    AccessStore, Account, ApiKey, Authorisation, Department, NewAccount, NewApiKey, NewAuthorisation, NewDepartment,
    NewSession, Session, StoreError, StoredRecord, SubjectId,
};

use crate::SqliteStore;
use crate::error::corrupt;
use crate::rows::{N_RECORD_COLUMNS, NEWEST_FIRST, RECORD_COLUMNS, date, now, record, timestamp};

const DEPARTMENT_COLUMNS: &str = "id, name, uscc, region, created_at";
const ACCOUNT_COLUMNS: &str = "id, username, role, department_id, subject_id, password_hash, disabled, created_at";
const KEY_COLUMNS: &str = "key_id, secret_hash, client, department_id, purposes, expires_on, revoked_at, created_at";
const AUTHORISATION_COLUMNS: &str = "id, subject_id, client, purpose, valid_until, granted_by, revoked_at, created_at";
/// Whether subject `?1` has authorised client `?2` for purpose `?3`, valid on
/// day `?4` and not withdrawn: the one condition both queries that ask use.
const AUTHORISED: &str = "EXISTS (SELECT 1 FROM authorisations
     WHERE subject_id = ?1 AND client = ?2 AND purpose = ?3 AND valid_until >= ?4
       AND revoked_at IS NULL)";

fn rfc3339(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Micros, true)
}

fn digest(row: &Row<'_>, idx: usize) -> rusqlite::Result<[u8; 32]> {
    let bytes: Vec<u8> = row.get(idx)?;
    bytes.try_into().map_err(|_| corrupt("digest is not 32 bytes"))
}

fn optional_timestamp(row: &Row<'_>, idx: usize) -> rusqlite::Result<Option<DateTime<Utc>>> {
    row.get::<_, Option<String>>(idx)?.as_deref().map(timestamp).transpose()
}

fn department(row: &Row<'_>) -> rusqlite::Result<Department> {
    Ok(Department {
        id: row.get(0)?,
        new: NewDepartment {
            name: row.get(1)?,
            uscc: row.get(2)?,
            region: row.get(3)?,
        },
        created_at: timestamp(&row.get::<_, String>(4)?)?,
    })
}

fn account(row: &Row<'_>) -> rusqlite::Result<Account> {
    let role: String = row.get(2)?;
    Ok(Account {
        id: row.get(0)?,
        new: NewAccount {
            username: row.get(1)?,
            role: Role::from_code(&role).ok_or_else(|| corrupt(format!("role {role}")))?,
            department_id: row.get(3)?,
            subject_id: row.get(4)?,
            password_hash: row.get(5)?,
        },
        disabled: row.get(6)?,
        created_at: timestamp(&row.get::<_, String>(7)?)?,
    })
}

fn api_key(row: &Row<'_>) -> rusqlite::Result<ApiKey> {
    let purposes: String = row.get(4)?;
    Ok(ApiKey {
        new: NewApiKey {
            key_id: row.get(0)?,
            secret_hash: digest(row, 1)?,
            client: row.get(2)?,
            department_id: row.get(3)?,
            purposes: serde_json::from_str(&purposes).map_err(|e| corrupt(format!("purposes: {e}")))?,
            expires_on: row.get::<_, Option<String>>(5)?.as_deref().map(date).transpose()?,
        },
        revoked_at: optional_timestamp(row, 6)?,
        created_at: timestamp(&row.get::<_, String>(7)?)?,
    })
}

fn authorisation(row: &Row<'_>) -> rusqlite::Result<Authorisation> {
    Ok(Authorisation {
        id: row.get(0)?,
        new: NewAuthorisation {
            subject_id: row.get(1)?,
            client: row.get(2)?,
            purpose: row.get(3)?,
            valid_until: date(&row.get::<_, String>(4)?)?,
            granted_by: row.get(5)?,
        },
        revoked_at: optional_timestamp(row, 6)?,
        created_at: timestamp(&row.get::<_, String>(7)?)?,
    })
}

#[async_trait]
impl AccessStore for SqliteStore {
    async fn create_department(&self, new: &NewDepartment) -> Result<Department, StoreError> {
        let new = new.clone();
        self.write(move |tx| {
            tx.query_row(
                &format!(
                    "INSERT INTO departments (name, uscc, region, created_at) VALUES (?1, ?2, ?3, ?4)
                     RETURNING {DEPARTMENT_COLUMNS}"
                ),
                params![new.name, new.uscc, new.region, now()],
                department,
            )
        })
        .await
    }

    async fn departments(&self) -> Result<Vec<Department>, StoreError> {
        self.read(|conn| {
            let mut stmt = conn.prepare(&format!("SELECT {DEPARTMENT_COLUMNS} FROM departments ORDER BY name"))?;
            stmt.query_map([], department)?.collect()
        })
        .await
    }

    async fn department(&self, id: i64) -> Result<Option<Department>, StoreError> {
        self.read(move |conn| {
            conn.query_row(
                &format!("SELECT {DEPARTMENT_COLUMNS} FROM departments WHERE id = ?1"),
                [id],
                department,
            )
            .optional()
        })
        .await
    }

    async fn department_by_uscc(&self, uscc: &str) -> Result<Option<Department>, StoreError> {
        let uscc = uscc.to_owned();
        self.read(move |conn| {
            conn.query_row(
                &format!("SELECT {DEPARTMENT_COLUMNS} FROM departments WHERE uscc = ?1"),
                [uscc],
                department,
            )
            .optional()
        })
        .await
    }

    async fn create_account(&self, new: &NewAccount) -> Result<Account, StoreError> {
        let new = new.clone();
        self.write(move |tx| {
            tx.query_row(
                &format!(
                    "INSERT INTO accounts (username, role, department_id, subject_id, password_hash, created_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6) RETURNING {ACCOUNT_COLUMNS}"
                ),
                params![
                    new.username,
                    new.role.code(),
                    new.department_id,
                    new.subject_id,
                    new.password_hash,
                    now()
                ],
                account,
            )
        })
        .await
    }

    async fn account(&self, id: i64) -> Result<Option<Account>, StoreError> {
        self.read(move |conn| {
            conn.query_row(
                &format!("SELECT {ACCOUNT_COLUMNS} FROM accounts WHERE id = ?1"),
                [id],
                account,
            )
            .optional()
        })
        .await
    }

    async fn account_by_username(&self, username: &str) -> Result<Option<Account>, StoreError> {
        let username = username.to_owned();
        self.read(move |conn| {
            conn.query_row(
                &format!("SELECT {ACCOUNT_COLUMNS} FROM accounts WHERE username = ?1"),
                [username],
                account,
            )
            .optional()
        })
        .await
    }

    async fn accounts(&self) -> Result<Vec<Account>, StoreError> {
        self.read(|conn| {
            let mut stmt = conn.prepare(&format!("SELECT {ACCOUNT_COLUMNS} FROM accounts ORDER BY username"))?;
            stmt.query_map([], account)?.collect()
        })
        .await
    }

    async fn set_account_disabled(&self, id: i64, disabled: bool) -> Result<(), StoreError> {
        self.write(move |tx| {
            if tx.execute("UPDATE accounts SET disabled = ?2 WHERE id = ?1", params![id, disabled])? == 0 {
                return Err(rusqlite::Error::QueryReturnedNoRows);
            }
            if disabled {
                tx.execute("DELETE FROM sessions WHERE account_id = ?1", [id])?;
            }
            Ok(())
        })
        .await
    }

    async fn set_password_hash(&self, id: i64, password_hash: &str) -> Result<(), StoreError> {
        let password_hash = password_hash.to_owned();
        self.write(move |tx| {
            if tx.execute(
                "UPDATE accounts SET password_hash = ?2 WHERE id = ?1",
                params![id, password_hash],
            )? == 0
            {
                return Err(rusqlite::Error::QueryReturnedNoRows);
            }
            tx.execute("DELETE FROM sessions WHERE account_id = ?1", [id])?;
            Ok(())
        })
        .await
    }

    async fn create_session(&self, new: &NewSession) -> Result<(), StoreError> {
        let new = new.clone();
        self.write(move |tx| {
            tx.execute(
                "INSERT INTO sessions (token_hash, account_id, csrf_token, created_at, expires_at)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
                params![
                    new.token_hash.as_slice(),
                    new.account_id,
                    new.csrf_token,
                    now(),
                    rfc3339(new.expires_at)
                ],
            )?;
            Ok(())
        })
        .await
    }

    async fn session(&self, token_hash: &[u8; 32]) -> Result<Option<Session>, StoreError> {
        let token_hash = *token_hash;
        self.read(move |conn| {
            conn.query_row(
                "SELECT account_id, csrf_token, created_at, expires_at FROM sessions WHERE token_hash = ?1",
                [token_hash.as_slice()],
                |row| {
                    Ok(Session {
                        new: NewSession {
                            token_hash,
                            account_id: row.get(0)?,
                            csrf_token: row.get(1)?,
                            expires_at: timestamp(&row.get::<_, String>(3)?)?,
                        },
                        created_at: timestamp(&row.get::<_, String>(2)?)?,
                    })
                },
            )
            .optional()
        })
        .await
    }

    async fn end_session(&self, token_hash: &[u8; 32]) -> Result<bool, StoreError> {
        let token_hash = *token_hash;
        self.write(move |tx| Ok(tx.execute("DELETE FROM sessions WHERE token_hash = ?1", [token_hash.as_slice()])? > 0))
            .await
    }

    async fn create_key(&self, new: &NewApiKey) -> Result<ApiKey, StoreError> {
        let new = new.clone();
        self.write(move |tx| {
            tx.query_row(
                &format!(
                    "INSERT INTO api_keys (key_id, secret_hash, client, department_id, purposes, expires_on, created_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) RETURNING {KEY_COLUMNS}"
                ),
                params![
                    new.key_id,
                    new.secret_hash.as_slice(),
                    new.client,
                    new.department_id,
                    serde_json::to_string(&new.purposes).unwrap_or_else(|_| "[]".into()),
                    new.expires_on.map(|d| d.to_string()),
                    now()
                ],
                api_key,
            )
        })
        .await
    }

    async fn key(&self, key_id: &str) -> Result<Option<ApiKey>, StoreError> {
        let key_id = key_id.to_owned();
        self.read(move |conn| {
            conn.query_row(
                &format!("SELECT {KEY_COLUMNS} FROM api_keys WHERE key_id = ?1"),
                [key_id],
                api_key,
            )
            .optional()
        })
        .await
    }

    async fn keys(&self) -> Result<Vec<ApiKey>, StoreError> {
        self.read(|conn| {
            let mut stmt = conn.prepare(&format!(
                "SELECT {KEY_COLUMNS} FROM api_keys ORDER BY created_at DESC, key_id"
            ))?;
            stmt.query_map([], api_key)?.collect()
        })
        .await
    }

    async fn revoke_key(&self, key_id: &str) -> Result<bool, StoreError> {
        let key_id = key_id.to_owned();
        self.write(move |tx| {
            Ok(tx.execute(
                "UPDATE api_keys SET revoked_at = ?2 WHERE key_id = ?1 AND revoked_at IS NULL",
                params![key_id, now()],
            )? > 0)
        })
        .await
    }

    async fn grant_authorisation(&self, new: &NewAuthorisation) -> Result<Authorisation, StoreError> {
        let new = new.clone();
        self.write(move |tx| {
            tx.query_row(
                &format!(
                    "INSERT INTO authorisations (subject_id, client, purpose, valid_until, granted_by, created_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6) RETURNING {AUTHORISATION_COLUMNS}"
                ),
                params![
                    new.subject_id,
                    new.client,
                    new.purpose,
                    new.valid_until.to_string(),
                    new.granted_by,
                    now()
                ],
                authorisation,
            )
        })
        .await
    }

    async fn authorisations_of(&self, subject_id: SubjectId) -> Result<Vec<Authorisation>, StoreError> {
        self.read(move |conn| {
            let mut stmt = conn.prepare(&format!(
                "SELECT {AUTHORISATION_COLUMNS} FROM authorisations WHERE subject_id = ?1 ORDER BY id DESC"
            ))?;
            stmt.query_map([subject_id], authorisation)?.collect()
        })
        .await
    }

    async fn revoke_authorisation(&self, subject_id: SubjectId, id: i64) -> Result<bool, StoreError> {
        self.write(move |tx| {
            Ok(tx.execute(
                "UPDATE authorisations SET revoked_at = ?3
                 WHERE id = ?1 AND subject_id = ?2 AND revoked_at IS NULL",
                params![id, subject_id, now()],
            )? > 0)
        })
        .await
    }

    async fn is_authorised(
        &self,
        subject_id: SubjectId,
        client: &str,
        purpose: &str,
        today: NaiveDate,
    ) -> Result<bool, StoreError> {
        let (client, purpose) = (client.to_owned(), purpose.to_owned());
        self.read(move |conn| {
            conn.prepare_cached(&format!("SELECT {AUTHORISED}"))?
                .query_row(params![subject_id, client, purpose, today.to_string()], |row| {
                    row.get(0)
                })
        })
        .await
    }

    async fn current_records_and_authorisation(
        &self,
        subject_id: SubjectId,
        client: &str,
        purpose: &str,
        today: NaiveDate,
    ) -> Result<(Vec<StoredRecord>, bool), StoreError> {
        let (client, purpose) = (client.to_owned(), purpose.to_owned());
        // One statement, so one snapshot and one round of the file's locks:
        // the authorisation on every row, joined to the current records
        // (none: one row with the record columns null). Two statements cost
        // a purposed read a second round of locks (`bench/RESULTS.md`).
        self.read(move |conn| {
            let mut stmt = conn.prepare_cached(&format!(
                "SELECT {RECORD_COLUMNS}, a.authorised
                 FROM (SELECT {AUTHORISED} AS authorised) a
                 LEFT JOIN records r ON r.subject_id = ?1 AND r.is_current = 1
                 ORDER BY {NEWEST_FIRST}"
            ))?;
            let mut rows = stmt.query(params![subject_id, client, purpose, today.to_string()])?;
            let (mut records, mut authorised) = (Vec::new(), false);
            while let Some(row) = rows.next()? {
                authorised = row.get(N_RECORD_COLUMNS)?;
                if row.get_ref(0)?.data_type() != rusqlite::types::Type::Null {
                    records.push(record(row)?);
                }
            }
            Ok((records, authorised))
        })
        .await
    }
}
