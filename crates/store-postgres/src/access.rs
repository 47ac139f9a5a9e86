//! Departments, accounts, sessions, keys and authorisations in PostgreSQL.

use async_trait::async_trait;
use chrono::NaiveDate;
use sqlx::postgres::PgRow;
use sqlx::{AssertSqlSafe, Row};
use xinyong_domain::Role;
use xinyong_store::{
    AccessStore, Account, ApiKey, Authorisation, Department, NewAccount, NewApiKey, NewAuthorisation, NewDepartment,
    NewSession, Session, StoreError, StoredRecord, SubjectId,
};

use crate::PostgresStore;
use crate::error::{corrupt, map_error};
use crate::rows::{NEWEST_FIRST, RECORD_COLUMNS, record};

/// Whether a live authorisation (not withdrawn, valid on `$4`) lets client
/// `$2` read subject `$1` for purpose `$3`: one condition for every query
/// that asks.
const AUTHORISED: &str = "EXISTS (SELECT 1 FROM authorisations
     WHERE subject_id = $1 AND client = $2 AND purpose = $3 AND valid_until >= $4 AND revoked_at IS NULL)";

const DEPARTMENT_COLUMNS: &str = "id, name, uscc, region, created_at";
const ACCOUNT_COLUMNS: &str = "id, username, role, department_id, subject_id, password_hash, disabled, created_at";
const KEY_COLUMNS: &str = "key_id, secret_hash, client, department_id, purposes, expires_on, revoked_at, created_at";
const AUTHORISATION_COLUMNS: &str = "id, subject_id, client, purpose, valid_until, granted_by, revoked_at, created_at";

pub(crate) fn digest(row: &PgRow, column: &str) -> sqlx::Result<[u8; 32]> {
    let bytes: Vec<u8> = row.try_get(column)?;
    bytes.try_into().map_err(|_| corrupt("digest is not 32 bytes"))
}

fn department(row: PgRow) -> sqlx::Result<Department> {
    Ok(Department {
        id: row.try_get("id")?,
        new: NewDepartment {
            name: row.try_get("name")?,
            uscc: row.try_get("uscc")?,
            region: row.try_get("region")?,
        },
        created_at: row.try_get("created_at")?,
    })
}

fn account(row: PgRow) -> sqlx::Result<Account> {
    let role: String = row.try_get("role")?;
    Ok(Account {
        id: row.try_get("id")?,
        new: NewAccount {
            username: row.try_get("username")?,
            role: Role::from_code(&role).ok_or_else(|| corrupt(format!("role {role}")))?,
            department_id: row.try_get("department_id")?,
            subject_id: row.try_get("subject_id")?,
            password_hash: row.try_get("password_hash")?,
        },
        disabled: row.try_get("disabled")?,
        created_at: row.try_get("created_at")?,
    })
}

fn api_key(row: PgRow) -> sqlx::Result<ApiKey> {
    let purposes: serde_json::Value = row.try_get("purposes")?;
    Ok(ApiKey {
        new: NewApiKey {
            key_id: row.try_get("key_id")?,
            secret_hash: digest(&row, "secret_hash")?,
            client: row.try_get("client")?,
            department_id: row.try_get("department_id")?,
            purposes: serde_json::from_value(purposes).map_err(|e| corrupt(format!("purposes: {e}")))?,
            expires_on: row.try_get("expires_on")?,
        },
        revoked_at: row.try_get("revoked_at")?,
        created_at: row.try_get("created_at")?,
    })
}

fn authorisation(row: PgRow) -> sqlx::Result<Authorisation> {
    Ok(Authorisation {
        id: row.try_get("id")?,
        new: NewAuthorisation {
            subject_id: row.try_get("subject_id")?,
            client: row.try_get("client")?,
            purpose: row.try_get("purpose")?,
            valid_until: row.try_get("valid_until")?,
            granted_by: row.try_get("granted_by")?,
        },
        revoked_at: row.try_get("revoked_at")?,
        created_at: row.try_get("created_at")?,
    })
}

fn affected(result: sqlx::postgres::PgQueryResult) -> Result<(), StoreError> {
    if result.rows_affected() == 0 {
        return Err(StoreError::NotFound);
    }
    Ok(())
}

#[async_trait]
impl AccessStore for PostgresStore {
    async fn create_department(&self, new: &NewDepartment) -> Result<Department, StoreError> {
        sqlx::query(AssertSqlSafe(format!(
            "INSERT INTO departments (name, uscc, region) VALUES ($1, $2, $3) RETURNING {DEPARTMENT_COLUMNS}"
        )))
        .bind(&new.name)
        .bind(&new.uscc)
        .bind(&new.region)
        .try_map(department)
        .fetch_one(&self.pool)
        .await
        .map_err(map_error)
    }

    async fn departments(&self) -> Result<Vec<Department>, StoreError> {
        sqlx::query(AssertSqlSafe(format!(
            "SELECT {DEPARTMENT_COLUMNS} FROM departments ORDER BY name"
        )))
        .try_map(department)
        .fetch_all(&self.pool)
        .await
        .map_err(map_error)
    }

    async fn department(&self, id: i64) -> Result<Option<Department>, StoreError> {
        sqlx::query(AssertSqlSafe(format!(
            "SELECT {DEPARTMENT_COLUMNS} FROM departments WHERE id = $1"
        )))
        .bind(id)
        .try_map(department)
        .fetch_optional(&self.pool)
        .await
        .map_err(map_error)
    }

    async fn department_by_uscc(&self, uscc: &str) -> Result<Option<Department>, StoreError> {
        sqlx::query(AssertSqlSafe(format!(
            "SELECT {DEPARTMENT_COLUMNS} FROM departments WHERE uscc = $1"
        )))
        .bind(uscc)
        .try_map(department)
        .fetch_optional(&self.pool)
        .await
        .map_err(map_error)
    }

    async fn create_account(&self, new: &NewAccount) -> Result<Account, StoreError> {
        sqlx::query(AssertSqlSafe(format!(
            "INSERT INTO accounts (username, role, department_id, subject_id, password_hash)
             VALUES ($1, $2, $3, $4, $5) RETURNING {ACCOUNT_COLUMNS}"
        )))
        .bind(&new.username)
        .bind(new.role.code())
        .bind(new.department_id)
        .bind(new.subject_id)
        .bind(&new.password_hash)
        .try_map(account)
        .fetch_one(&self.pool)
        .await
        .map_err(map_error)
    }

    async fn account(&self, id: i64) -> Result<Option<Account>, StoreError> {
        sqlx::query(AssertSqlSafe(format!(
            "SELECT {ACCOUNT_COLUMNS} FROM accounts WHERE id = $1"
        )))
        .bind(id)
        .try_map(account)
        .fetch_optional(&self.pool)
        .await
        .map_err(map_error)
    }

    async fn account_by_username(&self, username: &str) -> Result<Option<Account>, StoreError> {
        sqlx::query(AssertSqlSafe(format!(
            "SELECT {ACCOUNT_COLUMNS} FROM accounts WHERE username = $1"
        )))
        .bind(username)
        .try_map(account)
        .fetch_optional(&self.pool)
        .await
        .map_err(map_error)
    }

    async fn accounts(&self) -> Result<Vec<Account>, StoreError> {
        sqlx::query(AssertSqlSafe(format!(
            "SELECT {ACCOUNT_COLUMNS} FROM accounts ORDER BY username"
        )))
        .try_map(account)
        .fetch_all(&self.pool)
        .await
        .map_err(map_error)
    }

    async fn set_account_disabled(&self, id: i64, disabled: bool) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await.map_err(map_error)?;
        let result = sqlx::query("UPDATE accounts SET disabled = $2 WHERE id = $1")
            .bind(id)
            .bind(disabled)
            .execute(&mut *tx)
            .await
            .map_err(map_error)?;
        affected(result)?;
        if disabled {
            sqlx::query("DELETE FROM sessions WHERE account_id = $1")
                .bind(id)
                .execute(&mut *tx)
                .await
                .map_err(map_error)?;
        }
        tx.commit().await.map_err(map_error)
    }

    async fn set_password_hash(&self, id: i64, password_hash: &str) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await.map_err(map_error)?;
        let result = sqlx::query("UPDATE accounts SET password_hash = $2 WHERE id = $1")
            .bind(id)
            .bind(password_hash)
            .execute(&mut *tx)
            .await
            .map_err(map_error)?;
        affected(result)?;
        sqlx::query("DELETE FROM sessions WHERE account_id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await
            .map_err(map_error)?;
        tx.commit().await.map_err(map_error)
    }

    async fn create_session(&self, new: &NewSession) -> Result<(), StoreError> {
        sqlx::query("INSERT INTO sessions (token_hash, account_id, csrf_token, expires_at) VALUES ($1, $2, $3, $4)")
            .bind(new.token_hash.as_slice())
            .bind(new.account_id)
            .bind(&new.csrf_token)
            .bind(new.expires_at)
            .execute(&self.pool)
            .await
            .map_err(map_error)?;
        Ok(())
    }

    async fn session(&self, token_hash: &[u8; 32]) -> Result<Option<Session>, StoreError> {
        let token_hash = *token_hash;
        sqlx::query("SELECT account_id, csrf_token, created_at, expires_at FROM sessions WHERE token_hash = $1")
            .bind(token_hash.as_slice())
            .try_map(move |row: PgRow| {
                Ok(Session {
                    new: NewSession {
                        token_hash,
                        account_id: row.try_get("account_id")?,
                        csrf_token: row.try_get("csrf_token")?,
                        expires_at: row.try_get("expires_at")?,
                    },
                    created_at: row.try_get("created_at")?,
                })
            })
            .fetch_optional(&self.pool)
            .await
            .map_err(map_error)
    }

    async fn end_session(&self, token_hash: &[u8; 32]) -> Result<bool, StoreError> {
        let result = sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
            .bind(token_hash.as_slice())
            .execute(&self.pool)
            .await
            .map_err(map_error)?;
        Ok(result.rows_affected() > 0)
    }

    async fn create_key(&self, new: &NewApiKey) -> Result<ApiKey, StoreError> {
        sqlx::query(AssertSqlSafe(format!(
            "INSERT INTO api_keys (key_id, secret_hash, client, department_id, purposes, expires_on)
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING {KEY_COLUMNS}"
        )))
        .bind(&new.key_id)
        .bind(new.secret_hash.as_slice())
        .bind(&new.client)
        .bind(new.department_id)
        .bind(serde_json::json!(new.purposes))
        .bind(new.expires_on)
        .try_map(api_key)
        .fetch_one(&self.pool)
        .await
        .map_err(map_error)
    }

    async fn key(&self, key_id: &str) -> Result<Option<ApiKey>, StoreError> {
        sqlx::query(AssertSqlSafe(format!(
            "SELECT {KEY_COLUMNS} FROM api_keys WHERE key_id = $1"
        )))
        .bind(key_id)
        .try_map(api_key)
        .fetch_optional(&self.pool)
        .await
        .map_err(map_error)
    }

    async fn keys(&self) -> Result<Vec<ApiKey>, StoreError> {
        sqlx::query(AssertSqlSafe(format!(
            "SELECT {KEY_COLUMNS} FROM api_keys ORDER BY created_at DESC, key_id"
        )))
        .try_map(api_key)
        .fetch_all(&self.pool)
        .await
        .map_err(map_error)
    }

    async fn revoke_key(&self, key_id: &str) -> Result<bool, StoreError> {
        let result = sqlx::query("UPDATE api_keys SET revoked_at = now() WHERE key_id = $1 AND revoked_at IS NULL")
            .bind(key_id)
            .execute(&self.pool)
            .await
            .map_err(map_error)?;
        Ok(result.rows_affected() > 0)
    }

    async fn grant_authorisation(&self, new: &NewAuthorisation) -> Result<Authorisation, StoreError> {
        sqlx::query(AssertSqlSafe(format!(
            "INSERT INTO authorisations (subject_id, client, purpose, valid_until, granted_by)
             VALUES ($1, $2, $3, $4, $5) RETURNING {AUTHORISATION_COLUMNS}"
        )))
        .bind(new.subject_id)
        .bind(&new.client)
        .bind(&new.purpose)
        .bind(new.valid_until)
        .bind(new.granted_by)
        .try_map(authorisation)
        .fetch_one(&self.pool)
        .await
        .map_err(map_error)
    }

    async fn authorisations_of(&self, subject_id: SubjectId) -> Result<Vec<Authorisation>, StoreError> {
        sqlx::query(AssertSqlSafe(format!(
            "SELECT {AUTHORISATION_COLUMNS} FROM authorisations WHERE subject_id = $1 ORDER BY id DESC"
        )))
        .bind(subject_id)
        .try_map(authorisation)
        .fetch_all(&self.pool)
        .await
        .map_err(map_error)
    }

    async fn revoke_authorisation(&self, subject_id: SubjectId, id: i64) -> Result<bool, StoreError> {
        let result = sqlx::query(
            "UPDATE authorisations SET revoked_at = now()
             WHERE id = $1 AND subject_id = $2 AND revoked_at IS NULL",
        )
        .bind(id)
        .bind(subject_id)
        .execute(&self.pool)
        .await
        .map_err(map_error)?;
        Ok(result.rows_affected() > 0)
    }

    async fn is_authorised(
        &self,
        subject_id: SubjectId,
        client: &str,
        purpose: &str,
        today: NaiveDate,
    ) -> Result<bool, StoreError> {
        sqlx::query_scalar(AssertSqlSafe(format!("SELECT {AUTHORISED}")))
            .bind(subject_id)
            .bind(client)
            .bind(purpose)
            .bind(today)
            .fetch_one(&self.pool)
            .await
            .map_err(map_error)
    }

    async fn current_records_and_authorisation(
        &self,
        subject_id: SubjectId,
        client: &str,
        purpose: &str,
        today: NaiveDate,
    ) -> Result<(Vec<StoredRecord>, bool), StoreError> {
        // One round trip: the authorisation on every row, joined to the
        // current records (none: one row with the record columns null).
        // Two queries in parallel cost a purposed read a second connection
        // and a fifth more time than a bare read (`bench/RESULTS.md`).
        let rows = sqlx::query(AssertSqlSafe(format!(
            "SELECT a.authorised, {RECORD_COLUMNS}
             FROM (SELECT {AUTHORISED} AS authorised) a
             LEFT JOIN records r ON r.subject_id = $1 AND r.is_current
             ORDER BY {NEWEST_FIRST}"
        )))
        .bind(subject_id)
        .bind(client)
        .bind(purpose)
        .bind(today)
        .fetch_all(&self.pool)
        .await
        .map_err(map_error)?;
        let mut authorised = false;
        let mut records = Vec::with_capacity(rows.len());
        for row in &rows {
            authorised = row.try_get("authorised").map_err(map_error)?;
            if row.try_get::<Option<i64>, _>("id").map_err(map_error)?.is_some() {
                records.push(record(row).map_err(map_error)?);
            }
        }
        Ok((records, authorised))
    }
}
