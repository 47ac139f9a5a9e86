//! [`Access`]: authenticates callers and hands out what each may use.

use std::sync::Arc;

use chrono::{Duration, NaiveDate, Utc};
use serde::Deserialize;
use serde_json::json;
use xinyong_crypto::Keys;
use xinyong_domain::Role;
use xinyong_domain::id::IdPolicy;
use xinyong_domain::role::{Purpose, default_purposes};
use xinyong_domain::visibility::Viewer;
use xinyong_store::{Account, NewSession, Store, Subject};

use crate::desks::{AdminDesk, AuditDesk, BatchScope, DepartmentDesk, OwnFile};
use crate::reader::{Authorisation, FileReader};
use crate::review::ReviewDesk;
use crate::secrets::{KeyCache, SessionToken, digest, is_session_token, parse_api_key};
use crate::{AccessError, Caller, Journal, Principal, Spool, verify_password};

/// Access settings (`[access]` in the configuration file).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct AccessSettings {
    /// The purposes (查询用途) a non-public read may name.
    pub purposes: Vec<Purpose>,
    /// How long a session lasts, in hours.
    pub session_hours: u32,
}

impl Default for AccessSettings {
    fn default() -> Self {
        Self {
            purposes: default_purposes(),
            session_hours: 8,
        }
    }
}

/// A session just opened.
#[derive(Debug, Clone)]
pub struct SignedIn {
    /// The cookie and CSRF tokens (shown to the client once).
    pub token: SessionToken,
    /// The account.
    pub account: Account,
}

/// The access layer: one per platform, cheap to clone.
#[derive(Debug, Clone)]
pub struct Access {
    pub(crate) store: Arc<dyn Store>,
    pub(crate) keys: Arc<Keys>,
    pub(crate) settings: Arc<AccessSettings>,
    pub(crate) journal: Journal,
    pub(crate) keys_seen: KeyCache,
    /// The office's identifier policy, for explaining a code nobody has.
    pub(crate) policy: Arc<IdPolicy>,
}

impl Access {
    /// The access layer over `store`.
    pub fn new(store: Arc<dyn Store>, keys: Arc<Keys>, settings: AccessSettings) -> Self {
        Self {
            journal: Journal::new(Arc::clone(&store)),
            keys_seen: KeyCache::default(),
            policy: Arc::new(IdPolicy::default()),
            store,
            keys,
            settings: Arc::new(settings),
        }
    }

    /// The same access layer, journaling through `spool` (the process's
    /// spool file; [`Access::new`] keeps it in memory).
    #[must_use]
    pub fn with_spool(mut self, spool: Spool) -> Self {
        self.journal = Journal::with_spool(spool);
        self
    }

    /// The same access layer, judging codes by the office's `policy` (its
    /// allow-list and extra categories) rather than the standard alone.
    #[must_use]
    pub fn with_policy(mut self, policy: Arc<IdPolicy>) -> Self {
        self.policy = policy;
        self
    }

    /// The audit journal.
    pub fn journal(&self) -> &Journal {
        &self.journal
    }

    /// How long a session lasts, in hours.
    pub fn session_hours(&self) -> u32 {
        self.settings.session_hours
    }

    /// The configured purposes.
    pub fn purposes(&self) -> &[Purpose] {
        &self.settings.purposes
    }

    /// The configured purpose with this code.
    pub fn purpose(&self, code: &str) -> Result<&Purpose, AccessError> {
        self.settings
            .purposes
            .iter()
            .find(|p| p.code == code)
            .ok_or_else(|| AccessError::PurposeUnknown(code.chars().take(40).collect()))
    }

    /// The purpose `code` as `principal` may state it: configured, and, for
    /// a system key, one the key was issued for.
    pub fn stated_purpose(&self, principal: &Principal, code: &str) -> Result<String, AccessError> {
        let purpose = self.purpose(code)?.code.clone();
        match &principal.caller {
            Caller::Client(key) if !key.new.purposes.contains(&purpose) => Err(AccessError::PurposeNotAllowed(purpose)),
            _ => Ok(purpose),
        }
    }

    /// The caller behind an API key (`Authorization: Bearer xyk_…`).
    pub async fn authenticate_key(
        &self,
        presented: &str,
        origin: Option<String>,
        today: NaiveDate,
    ) -> Result<Principal, AccessError> {
        let (key_id, secret_hash) = parse_api_key(presented).ok_or(AccessError::KeyUnknown)?;
        let key = match self.keys_seen.get(key_id) {
            Some(key) => key,
            None => {
                let read_at = std::time::Instant::now();
                let key = self.store.key(key_id).await?.ok_or(AccessError::KeyUnknown)?;
                self.keys_seen.put(key.clone(), read_at);
                key
            }
        };
        if key.new.secret_hash != secret_hash {
            return Err(AccessError::KeyUnknown);
        }
        if key.revoked_at.is_some() {
            return Err(AccessError::KeyRevoked);
        }
        if key.new.expires_on.is_some_and(|last| last < today) {
            return Err(AccessError::KeyExpired);
        }
        Ok(Principal {
            caller: Caller::Client(key),
            origin,
        })
    }

    /// The caller behind a session cookie, with the session's CSRF token.
    pub async fn authenticate_session(
        &self,
        token: &str,
        origin: Option<String>,
    ) -> Result<(Principal, String), AccessError> {
        if !is_session_token(token) {
            return Err(AccessError::SessionEnded);
        }
        let hash = digest(token);
        let session = self.store.session(&hash).await?.ok_or(AccessError::SessionEnded)?;
        if session.new.expires_at <= Utc::now() {
            self.store.end_session(&hash).await?;
            return Err(AccessError::SessionEnded);
        }
        let account = self
            .store
            .account(session.new.account_id)
            .await?
            .filter(|a| !a.disabled)
            .ok_or(AccessError::SessionEnded)?;
        let principal = Principal {
            caller: Caller::Account(account),
            origin,
        };
        Ok((principal, session.new.csrf_token))
    }

    /// Signs an account in with its password and opens a session.
    pub async fn sign_in(
        &self,
        username: &str,
        password: &str,
        origin: Option<String>,
    ) -> Result<SignedIn, AccessError> {
        let account = self.store.account_by_username(username).await?;
        let accepted = match account.filter(|a| !a.disabled) {
            Some(account) => verify_password(&account.new.password_hash, password).then_some(account),
            None => {
                // Hash anyway, so a wrong username costs what a wrong password does.
                verify_password(DUMMY_HASH, password);
                None
            }
        };
        let Some(account) = accepted else {
            // Failed attempts are journaled too (the sign-in throttle bounds them).
            let attempted: String = username.chars().take(64).collect();
            self.journal
                .record(
                    &Principal::anonymous(origin),
                    "session.sign_in_failed",
                    None,
                    None,
                    json!({ "username": attempted }),
                )
                .await?;
            return Err(AccessError::WrongCredentials);
        };
        let token = SessionToken::generate()?;
        self.store
            .create_session(&NewSession {
                token_hash: digest(&token.token),
                account_id: account.id,
                csrf_token: token.csrf.clone(),
                expires_at: Utc::now() + Duration::hours(i64::from(self.settings.session_hours)),
            })
            .await?;
        let principal = Principal {
            caller: Caller::Account(account.clone()),
            origin,
        };
        self.journal
            .record(&principal, "session.sign_in", None, None, json!({}))
            .await?;
        Ok(SignedIn { token, account })
    }

    /// Ends the session behind `token`, whoever holds it.
    pub async fn sign_out(&self, principal: &Principal, token: &str) -> Result<(), AccessError> {
        if is_session_token(token) && self.store.end_session(&digest(token)).await? {
            self.journal
                .record(principal, "session.sign_out", None, None, json!({}))
                .await?;
        }
        Ok(())
    }

    /// Changes a signed-in account's own password, given its current one.
    /// Every session of the account ends, this one included.
    pub async fn change_own_password(
        &self,
        principal: &Principal,
        current: &str,
        new: &str,
    ) -> Result<(), AccessError> {
        let Caller::Account(account) = &principal.caller else {
            return Err(AccessError::Unauthenticated);
        };
        // Read afresh: the principal's copy may predate another change.
        let stored = self
            .store
            .account(account.id)
            .await?
            .filter(|a| !a.disabled)
            .ok_or(AccessError::SessionEnded)?;
        if !verify_password(&stored.new.password_hash, current) {
            return Err(AccessError::WrongCredentials);
        }
        if current == new {
            return Err(AccessError::Invalid("新密码不能与原密码相同".into()));
        }
        let hash = crate::hash_password(new)?;
        self.store.set_password_hash(account.id, &hash).await?;
        self.journal
            .record(
                principal,
                "account.password_own",
                None,
                None,
                json!({ "account": account.id }),
            )
            .await?;
        Ok(())
    }

    /// A reader of `subject`'s file for `principal`, stating `purpose`.
    ///
    /// Without a purpose every caller reads the public view. With one, the
    /// caller must be official (government staff, a system client, the
    /// console) and the purpose configured (and, for a key, one it was
    /// issued for); 授权查询 data opens only under the subject's live
    /// authorisation of this client for this purpose.
    pub async fn reader(
        &self,
        principal: &Principal,
        subject: Subject,
        purpose: Option<&str>,
        today: NaiveDate,
    ) -> Result<FileReader, AccessError> {
        let Some(code) = purpose else {
            return Ok(FileReader::new(
                self.clone(),
                principal.clone(),
                subject,
                Viewer::Public,
                None,
            ));
        };
        let purpose = self.stated_purpose(principal, code)?;
        let authorisation = match &principal.caller {
            Caller::Anonymous => return Err(AccessError::Unauthenticated),
            Caller::Account(account) if !account.new.role.is_government() => {
                return Err(AccessError::Forbidden(
                    "信用主体账号只能查看本主体的信用档案（/api/v1/me/file）".into(),
                ));
            }
            Caller::Account(_) | Caller::Console(_) => None,
            // Looked up together with the records, when the file is read.
            Caller::Client(key) => Some(Authorisation {
                client: key.new.client.clone(),
                today,
            }),
        };
        Ok(FileReader::official(
            self.clone(),
            principal.clone(),
            subject,
            purpose,
            authorisation,
        ))
    }

    /// The signed-in subject's own file.
    pub async fn own_file(&self, principal: &Principal) -> Result<OwnFile, AccessError> {
        let account = match &principal.caller {
            Caller::Account(account) if account.new.role == Role::Subject => account,
            Caller::Anonymous => return Err(AccessError::Unauthenticated),
            _ => return Err(AccessError::Forbidden("只有信用主体账号有本主体的信用档案".into())),
        };
        let subject_id = account
            .new
            .subject_id
            .ok_or_else(|| AccessError::Forbidden("该账号未关联信用主体".into()))?;
        let subject = self
            .store
            .subject_by_id(subject_id)
            .await?
            .ok_or_else(|| AccessError::NotFound("未找到关联的信用主体".into()))?;
        Ok(OwnFile::new(self.clone(), principal.clone(), subject))
    }

    /// The desk of the department the caller uploads for: an operator
    /// account, or a system key issued for a department.
    pub async fn department_desk(&self, principal: &Principal) -> Result<DepartmentDesk, AccessError> {
        let department_id = match &principal.caller {
            Caller::Account(a) if a.new.role == Role::Operator => a.new.department_id,
            Caller::Client(key) => key.new.department_id,
            Caller::Anonymous => return Err(AccessError::Unauthenticated),
            _ => {
                return Err(AccessError::Forbidden(
                    "只有数据提供单位的操作员或其接口密钥可以报送数据".into(),
                ));
            }
        };
        let department_id = department_id
            .ok_or_else(|| AccessError::Forbidden("该账号或密钥未关联数据提供单位，不能报送数据".into()))?;
        let department = self
            .store
            .department(department_id)
            .await?
            .ok_or_else(|| AccessError::Forbidden("关联的数据提供单位不存在".into()))?;
        Ok(DepartmentDesk::new(self.clone(), principal.clone(), department))
    }

    /// Which batches the caller may read: its department's, or all of them
    /// for the credit office.
    pub async fn batch_scope(&self, principal: &Principal) -> Result<BatchScope, AccessError> {
        match &principal.caller {
            Caller::Account(a) if matches!(a.new.role, Role::Reviewer | Role::Admin) => {
                Ok(BatchScope::all(self.clone(), principal.clone()))
            }
            Caller::Console(_) => Ok(BatchScope::all(self.clone(), principal.clone())),
            // Reading batches, not filing one: a role that may not is told who may.
            Caller::Account(a) if a.new.role != Role::Operator => Err(AccessError::Forbidden(
                "只有数据提供单位（本单位的批次）、信用办审核员和管理员可以查看报送批次".into(),
            )),
            _ => Ok(self.department_desk(principal).await?.batches()),
        }
    }

    /// The administration desk: administrators and the console.
    pub fn admin_desk(&self, principal: &Principal) -> Result<AdminDesk, AccessError> {
        match &principal.caller {
            Caller::Account(a) if a.new.role == Role::Admin => Ok(AdminDesk::new(self.clone(), principal.clone())),
            Caller::Console(_) => Ok(AdminDesk::new(self.clone(), principal.clone())),
            Caller::Anonymous => Err(AccessError::Unauthenticated),
            _ => Err(AccessError::Forbidden("只有管理员可以管理单位、账号和密钥".into())),
        }
    }

    /// The review desk: the credit office's reviewers, administrators and
    /// the console.
    pub fn review_desk(&self, principal: &Principal) -> Result<ReviewDesk, AccessError> {
        match &principal.caller {
            Caller::Account(a) if matches!(a.new.role, Role::Reviewer | Role::Admin) => {
                Ok(ReviewDesk::new(self.clone(), principal.clone()))
            }
            Caller::Console(_) => Ok(ReviewDesk::new(self.clone(), principal.clone())),
            Caller::Anonymous => Err(AccessError::Unauthenticated),
            _ => Err(AccessError::Forbidden(
                "只有信用办审核员和管理员可以复核名称冲突".into(),
            )),
        }
    }

    /// The audit desk: auditors and the console.
    pub fn audit_desk(&self, principal: &Principal) -> Result<AuditDesk, AccessError> {
        match &principal.caller {
            Caller::Account(a) if a.new.role == Role::Auditor => Ok(AuditDesk::new(self.clone(), principal.clone())),
            Caller::Console(_) => Ok(AuditDesk::new(self.clone(), principal.clone())),
            Caller::Anonymous => Err(AccessError::Unauthenticated),
            _ => Err(AccessError::Forbidden("只有审计员可以查看审计日志".into())),
        }
    }
}

/// A valid argon2id hash of a random string, verified against when the
/// username is unknown so that timing does not reveal which usernames exist.
const DUMMY_HASH: &str =
    "$argon2id$v=19$m=19456,t=2,p=1$ZHVtbXlzYWx0ZHVtbXk$W7HgsUgsmNuDW0uBMlDHI5RmSgQ1NGYyjd3r/Dd7OQA";
