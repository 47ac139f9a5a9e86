//! Departments, accounts, sessions, API keys and subjects' authorisations:
//! what the access layer needs to know who is asking.

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use xinyong_domain::Role;

use crate::{StoreError, StoredRecord, SubjectId};

/// A department (数据提供单位) to create.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewDepartment {
    /// Its name, as its batches are filed under.
    pub name: String,
    /// Its unified social credit code.
    pub uscc: String,
    /// Its region code (GB/T 2260), if given.
    pub region: Option<String>,
}

/// A stored department.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Department {
    /// Primary key.
    pub id: i64,
    /// What it was created with.
    pub new: NewDepartment,
    /// When.
    pub created_at: DateTime<Utc>,
}

/// An account to create.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAccount {
    /// Sign-in name, unique.
    pub username: String,
    /// Its role.
    pub role: Role,
    /// The department, for operators.
    pub department_id: Option<i64>,
    /// The subject, for 信用主体 accounts.
    pub subject_id: Option<SubjectId>,
    /// The argon2id hash of its password (PHC string).
    pub password_hash: String,
}

/// A stored account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    /// Primary key.
    pub id: i64,
    /// What it was created with (the password hash as now stored).
    pub new: NewAccount,
    /// A disabled account cannot sign in.
    pub disabled: bool,
    /// When it was created.
    pub created_at: DateTime<Utc>,
}

/// A session to open: the digest of its cookie token, never the token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewSession {
    /// SM3 digest of the session token.
    pub token_hash: [u8; 32],
    /// Whose session.
    pub account_id: i64,
    /// The token forms and unsafe API calls must echo.
    pub csrf_token: String,
    /// When it ends by itself.
    pub expires_at: DateTime<Utc>,
}

/// An open session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    /// What it was opened with.
    pub new: NewSession,
    /// When it was opened.
    pub created_at: DateTime<Utc>,
}

/// An API key to issue: the digest of its secret, never the secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewApiKey {
    /// The key's public identifier (the part before the secret).
    pub key_id: String,
    /// SM3 digest of the secret.
    pub secret_hash: [u8; 32],
    /// The system client it is issued to (审批系统, a bank …).
    pub client: String,
    /// The department it acts for, if any (uploads need one).
    pub department_id: Option<i64>,
    /// Purpose codes it may state.
    pub purposes: Vec<String>,
    /// Last day it works (China Standard Time), if it expires.
    pub expires_on: Option<NaiveDate>,
}

/// A stored API key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiKey {
    /// What it was issued with.
    pub new: NewApiKey,
    /// When it was revoked, if it was.
    pub revoked_at: Option<DateTime<Utc>>,
    /// When it was issued.
    pub created_at: DateTime<Utc>,
}

/// A subject's authorisation (授权) for a client to read its 授权查询 data
/// for one purpose, until a date.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAuthorisation {
    /// The subject granting it.
    pub subject_id: SubjectId,
    /// The client it is granted to (as on its keys).
    pub client: String,
    /// The purpose code.
    pub purpose: String,
    /// Last day it holds (China Standard Time).
    pub valid_until: NaiveDate,
    /// The account that granted it.
    pub granted_by: i64,
}

/// A stored authorisation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Authorisation {
    /// Primary key.
    pub id: i64,
    /// What was granted.
    pub new: NewAuthorisation,
    /// When it was withdrawn, if it was.
    pub revoked_at: Option<DateTime<Utc>>,
    /// When it was granted.
    pub created_at: DateTime<Utc>,
}

/// Who is who.
#[async_trait]
pub trait AccessStore {
    /// Creates a department; a taken code or name is a conflict.
    async fn create_department(&self, new: &NewDepartment) -> Result<Department, StoreError>;
    /// Every department, by name.
    async fn departments(&self) -> Result<Vec<Department>, StoreError>;
    /// One department.
    async fn department(&self, id: i64) -> Result<Option<Department>, StoreError>;
    /// A department by its code.
    async fn department_by_uscc(&self, uscc: &str) -> Result<Option<Department>, StoreError>;

    /// Creates an account; a taken username is a conflict.
    async fn create_account(&self, new: &NewAccount) -> Result<Account, StoreError>;
    /// One account.
    async fn account(&self, id: i64) -> Result<Option<Account>, StoreError>;
    /// An account by its username.
    async fn account_by_username(&self, username: &str) -> Result<Option<Account>, StoreError>;
    /// Every account, by username.
    async fn accounts(&self) -> Result<Vec<Account>, StoreError>;
    /// Disables or enables an account; disabling ends its sessions.
    async fn set_account_disabled(&self, id: i64, disabled: bool) -> Result<(), StoreError>;
    /// Replaces an account's password hash and ends its sessions.
    async fn set_password_hash(&self, id: i64, password_hash: &str) -> Result<(), StoreError>;

    /// Opens a session.
    async fn create_session(&self, new: &NewSession) -> Result<(), StoreError>;
    /// The session with this token digest, if open (expired ones included:
    /// the caller compares `expires_at`).
    async fn session(&self, token_hash: &[u8; 32]) -> Result<Option<Session>, StoreError>;
    /// Ends a session; whether it was open.
    async fn end_session(&self, token_hash: &[u8; 32]) -> Result<bool, StoreError>;

    /// Issues a key; a taken key id is a conflict.
    async fn create_key(&self, new: &NewApiKey) -> Result<ApiKey, StoreError>;
    /// A key by its public identifier.
    async fn key(&self, key_id: &str) -> Result<Option<ApiKey>, StoreError>;
    /// Every key, newest first.
    async fn keys(&self) -> Result<Vec<ApiKey>, StoreError>;
    /// Revokes a key; whether it was live.
    async fn revoke_key(&self, key_id: &str) -> Result<bool, StoreError>;

    /// Records an authorisation.
    async fn grant_authorisation(&self, new: &NewAuthorisation) -> Result<Authorisation, StoreError>;
    /// A subject's authorisations, newest first.
    async fn authorisations_of(&self, subject_id: SubjectId) -> Result<Vec<Authorisation>, StoreError>;
    /// Withdraws one of a subject's authorisations; whether it was live.
    async fn revoke_authorisation(&self, subject_id: SubjectId, id: i64) -> Result<bool, StoreError>;
    /// Whether a live authorisation covers `client` reading `subject_id`
    /// for `purpose` on `today`.
    async fn is_authorised(
        &self,
        subject_id: SubjectId,
        client: &str,
        purpose: &str,
        today: NaiveDate,
    ) -> Result<bool, StoreError>;
    /// What a system's purposed read of a file needs, in one call: the
    /// subject's current records (as `records_of_subject`) and whether a
    /// live authorisation covers `client` reading it for `purpose` on
    /// `today` (as [`is_authorised`](Self::is_authorised)). On SQLite one
    /// trip to a blocking thread instead of two, whose hand-offs cost
    /// about as much as the lookup; on PostgreSQL one query, not two.
    async fn current_records_and_authorisation(
        &self,
        subject_id: SubjectId,
        client: &str,
        purpose: &str,
        today: NaiveDate,
    ) -> Result<(Vec<StoredRecord>, bool), StoreError>;
}
