//! The handles a caller gets once its role allows: each holds who it acts
//! for, and its methods are exactly what that caller may do. Every write
//! and every non-public read through them is journaled.

use chrono::{DateTime, NaiveDate, Utc};
use serde_json::json;
use xinyong_domain::Role;
use xinyong_domain::audit::{Entry, Hash};
use xinyong_domain::id::{CitizenId, Uscc};
use xinyong_domain::role::Purpose;
use xinyong_domain::subject::{SubjectKey, SubjectRef};
use xinyong_domain::visibility::Viewer;
use xinyong_store::{
    Account, ApiKey, Authorisation, Batch, Checkpoint, Department, NewAccount, NewApiKey, NewAuthorisation,
    NewDepartment, Page, PageRequest, StoreError, Subject,
};

use crate::reader::FileReader;
use crate::secrets::IssuedKey;
use crate::{Access, AccessError, Caller, Principal, VerifyReport, hash_password, verify_chain};

fn conflict(error: StoreError, message: &str) -> AccessError {
    match error {
        StoreError::Conflict { .. } => AccessError::Conflict(message.to_owned()),
        other => AccessError::Store(other),
    }
}

fn bounded(text: &str, what: &str, max_chars: usize) -> Result<String, AccessError> {
    let text = text.trim();
    if text.is_empty() {
        return Err(AccessError::Invalid(format!("{what}不能为空")));
    }
    if text.chars().count() > max_chars {
        return Err(AccessError::Invalid(format!("{what}不能超过{max_chars}个字")));
    }
    if text.chars().any(char::is_control) {
        return Err(AccessError::Invalid(format!("{what}含有控制字符")));
    }
    Ok(text.to_owned())
}

/// The desk of one department (数据提供单位): files its uploads and reads
/// its own batches.
#[derive(Debug)]
pub struct DepartmentDesk {
    access: Access,
    principal: Principal,
    department: Department,
}

impl DepartmentDesk {
    pub(crate) fn new(access: Access, principal: Principal, department: Department) -> Self {
        Self {
            access,
            principal,
            department,
        }
    }

    /// The name batches are filed under: always the desk's own department.
    pub fn source(&self) -> &str {
        &self.department.new.name
    }

    /// Journals an upload before it is imported, so that even an import
    /// cut short by a failure leaves a trace.
    pub async fn record_upload(&self, record_type: &str, file_name: &str) -> Result<(), AccessError> {
        self.access
            .journal
            .record(
                &self.principal,
                "batch.upload",
                None,
                None,
                json!({ "type": record_type, "file": file_name, "source": self.source() }),
            )
            .await?;
        Ok(())
    }

    /// Journals an import this desk made.
    pub async fn record_import(&self, batch: &Batch) -> Result<(), AccessError> {
        self.access.journal.batch_imported(&self.principal, batch).await?;
        Ok(())
    }

    /// Reading this department's batches.
    pub fn batches(self) -> BatchScope {
        BatchScope {
            access: self.access,
            principal: self.principal,
            source: Some(self.department.new.name),
        }
    }
}

/// Reading batches: one department's, or (for the credit office) all.
#[derive(Debug)]
pub struct BatchScope {
    access: Access,
    principal: Principal,
    source: Option<String>,
}

impl BatchScope {
    pub(crate) fn all(access: Access, principal: Principal) -> Self {
        Self {
            access,
            principal,
            source: None,
        }
    }

    /// Batches in scope, newest first.
    pub async fn list(&self, page: &PageRequest) -> Result<Page<Batch>, AccessError> {
        let found = self.access.store.list_batches(self.source.as_deref(), page).await?;
        let ids: Vec<i64> = found.items.iter().map(|b| b.id).collect();
        self.access
            .journal
            .record(&self.principal, "batch.list", None, None, json!({ "batches": ids }))
            .await?;
        Ok(found)
    }

    /// One batch's report in scope.
    pub async fn batch(&self, id: i64) -> Result<Batch, AccessError> {
        let batch = self.find(id).await?;
        self.access
            .journal
            .record(&self.principal, "batch.read", None, None, json!({ "batch": id }))
            .await?;
        Ok(batch)
    }

    /// One batch in scope; another department's is "not found", so that its
    /// existence is not revealed either.
    async fn find(&self, id: i64) -> Result<Batch, AccessError> {
        let not_found = || AccessError::NotFound(format!("未找到批次 {id}"));
        let batch = match self.access.store.batch(id).await {
            Err(StoreError::NotFound) => return Err(not_found()),
            other => other?,
        };
        match &self.source {
            Some(source) if *source != batch.new.source => Err(not_found()),
            _ => Ok(batch),
        }
    }

    /// Opens a batch's rejected rows for download: they hold the uploaded
    /// cells in clear, so the read is journaled.
    pub async fn open_rejected(&self, id: i64) -> Result<Batch, AccessError> {
        let batch = self.find(id).await?;
        self.access
            .journal
            .record(
                &self.principal,
                "batch.rejected_download",
                None,
                None,
                json!({ "batch": id }),
            )
            .await?;
        Ok(batch)
    }
}

/// An account to create, as an administrator asks for it.
#[derive(Debug, Clone)]
pub struct AccountRequest {
    /// Sign-in name.
    pub username: String,
    /// Role.
    pub role: Role,
    /// The department's code, for operators.
    pub department_uscc: Option<String>,
    /// The subject's unified social credit code or platform reference, for
    /// subject accounts.
    pub subject: Option<Subject>,
    /// The initial password.
    pub password: String,
}

/// A key to issue, as an administrator asks for it.
#[derive(Debug, Clone)]
pub struct KeyRequest {
    /// The system client (审批系统, a bank …).
    pub client: String,
    /// Purpose codes it may state.
    pub purposes: Vec<String>,
    /// The department's code, if it uploads or acts for one.
    pub department_uscc: Option<String>,
    /// Last day it works.
    pub expires_on: Option<NaiveDate>,
}

/// The administration desk (管理员, and the console).
#[derive(Debug)]
pub struct AdminDesk {
    access: Access,
    principal: Principal,
}

impl AdminDesk {
    pub(crate) fn new(access: Access, principal: Principal) -> Self {
        Self { access, principal }
    }

    /// The subject an account is made for, named as the office has it: a
    /// unified social credit code, a citizen ID number (found by its keyed
    /// hash, as imports file people; never stored or logged whole), or a
    /// person's platform reference. Not found, the refusal says whether the
    /// text is a valid code or number at all.
    pub async fn subject_for_account(&self, text: &str, today: NaiveDate) -> Result<Subject, AccessError> {
        let store = &self.access.store;
        let shown = || xinyong_domain::id::mask_embedded_identifiers(text.trim()).into_owned();
        let not_found = || AccessError::NotFound(format!("未找到信用主体“{}”：平台上还没有该主体的信用信息", shown()));
        let code = match SubjectRef::parse(text) {
            SubjectRef::Person(reference) => return store.subject_by_ref(&reference).await?.ok_or_else(not_found),
            SubjectRef::Code(code) => code,
        };
        if let Ok(id) = CitizenId::parse(&code, today) {
            let identity = SubjectKey::Citizen(id).person_identity().unwrap_or_default();
            let hash = self.access.keys.keyed_hash(identity.as_bytes());
            if let Some(person) = store.subject_by_person_hash(&hash).await? {
                return Ok(person);
            }
        }
        if let Some(organisation) = store.subject_by_uscc(&code).await? {
            return Ok(organisation);
        }
        Err(match self.access.policy.classify(&code, today).problem {
            Some(reason) => AccessError::Invalid(format!(
                "“{}”不是有效的统一社会信用代码或公民身份号码：{reason}",
                shown()
            )),
            None => not_found(),
        })
    }

    async fn department_by_code(&self, uscc: &str) -> Result<Department, AccessError> {
        self.access
            .store
            .department_by_uscc(uscc.trim())
            .await?
            .ok_or_else(|| AccessError::Invalid(format!("未找到统一社会信用代码为 {} 的单位", uscc.trim())))
    }

    /// Creates a department.
    pub async fn create_department(
        &self,
        name: &str,
        uscc: &str,
        region: Option<&str>,
    ) -> Result<Department, AccessError> {
        let name = bounded(name, "单位名称", 100)?;
        let uscc = Uscc::parse(uscc).map_err(|e| AccessError::Invalid(format!("统一社会信用代码无效：{e}")))?;
        let region = region.map(|r| bounded(r, "行政区划代码", 12)).transpose()?;
        let department = self
            .access
            .store
            .create_department(&NewDepartment {
                name,
                uscc: uscc.as_str().to_owned(),
                region,
            })
            .await
            .map_err(|e| conflict(e, "单位名称或统一社会信用代码已存在"))?;
        self.access
            .journal
            .record(
                &self.principal,
                "department.create",
                None,
                None,
                json!({ "department": department.id, "name": department.new.name, "uscc": department.new.uscc }),
            )
            .await?;
        Ok(department)
    }

    /// Every department.
    pub async fn departments(&self) -> Result<Vec<Department>, AccessError> {
        self.journal_read("department.list").await?;
        Ok(self.access.store.departments().await?)
    }

    async fn journal_read(&self, action: &str) -> Result<(), AccessError> {
        self.access
            .journal
            .record(&self.principal, action, None, None, json!({}))
            .await?;
        Ok(())
    }

    /// Creates an account.
    pub async fn create_account(&self, request: AccountRequest) -> Result<Account, AccessError> {
        let username = bounded(&request.username, "用户名", 64)?;
        if !username
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | '.' | '@'))
        {
            return Err(AccessError::Invalid("用户名只能包含字母、数字、汉字和 _ - . @".into()));
        }
        let department_id = match (request.role, &request.department_uscc) {
            (Role::Operator, Some(code)) => Some(self.department_by_code(code).await?.id),
            (Role::Operator, None) => return Err(AccessError::Invalid("数据提供单位操作员必须指定所属单位".into())),
            (_, Some(_)) => return Err(AccessError::Invalid("只有数据提供单位操作员属于某个单位".into())),
            (_, None) => None,
        };
        let subject_id = match (request.role, &request.subject) {
            (Role::Subject, Some(subject)) => Some(subject.id),
            (Role::Subject, None) => return Err(AccessError::Invalid("信用主体账号必须关联一个信用主体".into())),
            (_, Some(_)) => return Err(AccessError::Invalid("只有信用主体账号关联信用主体".into())),
            (_, None) => None,
        };
        let password_hash = hash_password(&request.password)?;
        let account = self
            .access
            .store
            .create_account(&NewAccount {
                username,
                role: request.role,
                department_id,
                subject_id,
                password_hash,
            })
            .await
            .map_err(|e| conflict(e, "用户名已被使用"))?;
        self.access
            .journal
            .record(
                &self.principal,
                "account.create",
                subject_id,
                None,
                json!({ "account": account.id, "username": account.new.username, "role": account.new.role.code(),
                        "department": department_id }),
            )
            .await?;
        Ok(account)
    }

    /// Every account.
    pub async fn accounts(&self) -> Result<Vec<Account>, AccessError> {
        self.journal_read("account.list").await?;
        Ok(self.access.store.accounts().await?)
    }

    async fn account_named(&self, username: &str) -> Result<Account, AccessError> {
        self.access
            .store
            .account_by_username(username)
            .await?
            .ok_or_else(|| AccessError::NotFound(format!("未找到用户 {username}")))
    }

    /// Disables (or re-enables) an account; disabling ends its sessions.
    pub async fn set_disabled(&self, username: &str, disabled: bool) -> Result<Account, AccessError> {
        let account = self.account_named(username).await?;
        if disabled && matches!(&self.principal.caller, Caller::Account(own) if own.id == account.id) {
            // The last administrator could otherwise lock the console out.
            return Err(AccessError::Invalid("不能停用自己的账号".into()));
        }
        self.access.store.set_account_disabled(account.id, disabled).await?;
        let action = if disabled { "account.disable" } else { "account.enable" };
        self.access
            .journal
            .record(&self.principal, action, None, None, json!({ "account": account.id }))
            .await?;
        self.account_named(username).await
    }

    /// Sets a new password; the account's sessions end.
    pub async fn set_password(&self, username: &str, password: &str) -> Result<(), AccessError> {
        let account = self.account_named(username).await?;
        let hash = hash_password(password)?;
        self.access.store.set_password_hash(account.id, &hash).await?;
        self.access
            .journal
            .record(
                &self.principal,
                "account.password",
                None,
                None,
                json!({ "account": account.id }),
            )
            .await?;
        Ok(())
    }

    /// Issues an API key; the returned key text is shown once and never
    /// stored.
    pub async fn issue_key(&self, request: KeyRequest, today: NaiveDate) -> Result<(IssuedKey, ApiKey), AccessError> {
        let client = bounded(&request.client, "客户端名称", 100)?;
        let mut purposes = Vec::new();
        for code in &request.purposes {
            let code = self.access.purpose(code.trim())?.code.clone();
            if !purposes.contains(&code) {
                purposes.push(code);
            }
        }
        if request.expires_on.is_some_and(|last| last < today) {
            return Err(AccessError::Invalid("有效期不能早于今天".into()));
        }
        let department_id = match &request.department_uscc {
            Some(code) => Some(self.department_by_code(code).await?.id),
            None => None,
        };
        let issued = IssuedKey::generate()?;
        let key = self
            .access
            .store
            .create_key(&NewApiKey {
                key_id: issued.key_id.clone(),
                secret_hash: issued.secret_hash,
                client,
                department_id,
                purposes,
                expires_on: request.expires_on,
            })
            .await?;
        self.access
            .journal
            .record(
                &self.principal,
                "key.issue",
                None,
                None,
                json!({ "key": key.new.key_id, "client": key.new.client, "purposes": key.new.purposes,
                        "department": department_id, "expires_on": key.new.expires_on }),
            )
            .await?;
        Ok((issued, key))
    }

    /// Every key (never their secrets).
    pub async fn keys(&self) -> Result<Vec<ApiKey>, AccessError> {
        self.journal_read("key.list").await?;
        Ok(self.access.store.keys().await?)
    }

    /// Revokes a key.
    pub async fn revoke_key(&self, key_id: &str) -> Result<(), AccessError> {
        if self.access.store.key(key_id).await?.is_none() {
            return Err(AccessError::NotFound(format!("未找到密钥 {key_id}")));
        }
        let revoked = self.access.store.revoke_key(key_id).await?;
        self.access.keys_seen.forget(key_id);
        if revoked {
            self.access
                .journal
                .record(&self.principal, "key.revoke", None, None, json!({ "key": key_id }))
                .await?;
        }
        Ok(())
    }
}

/// The audit desk (审计员, and the console). Reading the log is itself
/// journaled.
#[derive(Debug)]
pub struct AuditDesk {
    access: Access,
    principal: Principal,
}

impl AuditDesk {
    pub(crate) fn new(access: Access, principal: Principal) -> Self {
        Self { access, principal }
    }

    /// Entries in a time range, in order.
    pub async fn entries(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        page: &PageRequest,
    ) -> Result<Page<Entry>, AccessError> {
        self.access
            .journal
            .record(
                &self.principal,
                "audit.read",
                None,
                None,
                json!({ "from": from, "to": to }),
            )
            .await?;
        Ok(self.access.store.audit_between(from, to, page).await?)
    }

    /// Walks the whole chain and every checkpoint.
    pub async fn verify(&self, kept: &[(i64, Hash)]) -> Result<VerifyReport, AccessError> {
        self.access.journal.settled().await;
        let report = verify_chain(&*self.access.store, kept).await?;
        // Journaled after the walk, so the entry does not change what was verified.
        self.access
            .journal
            .record(
                &self.principal,
                "audit.verify",
                None,
                None,
                json!({ "intact": report.intact, "broken": report.broken.as_ref().map(ToString::to_string) }),
            )
            .await?;
        Ok(report)
    }

    /// Keeps the current head as a checkpoint (journaled after, so the
    /// checkpoint names the head it was asked for).
    pub async fn checkpoint(&self) -> Result<Option<Checkpoint>, AccessError> {
        self.access.journal.settled().await;
        let kept = self.access.store.checkpoint().await?;
        if let Some(c) = &kept {
            self.access
                .journal
                .record(&self.principal, "audit.checkpoint", None, None, json!({ "seq": c.seq }))
                .await?;
        }
        Ok(kept)
    }
}

/// A signed-in subject's own file, its query log and its authorisations.
#[derive(Debug)]
pub struct OwnFile {
    access: Access,
    principal: Principal,
    subject: Subject,
}

impl OwnFile {
    pub(crate) fn new(access: Access, principal: Principal, subject: Subject) -> Self {
        Self {
            access,
            principal,
            subject,
        }
    }

    /// The subject whose file this is.
    pub fn subject(&self) -> &Subject {
        &self.subject
    }

    /// A reader of the whole file, as its owner.
    pub fn reader(&self) -> FileReader {
        FileReader::new(
            self.access.clone(),
            self.principal.clone(),
            self.subject.clone(),
            Viewer::Owner,
            None,
        )
    }

    /// Who read this file, for what purpose, newest first.
    pub async fn queries(&self, page: &PageRequest) -> Result<Page<Entry>, AccessError> {
        self.access.journal.settled().await;
        Ok(self.access.store.audit_reads_of(self.subject.id, page).await?)
    }

    /// The subject's authorisations.
    pub async fn authorisations(&self) -> Result<Vec<Authorisation>, AccessError> {
        Ok(self.access.store.authorisations_of(self.subject.id).await?)
    }

    /// Authorises `client` to read this file's 授权查询 data for `purpose`
    /// until `valid_until`.
    pub async fn authorise(
        &self,
        client: &str,
        purpose: &str,
        valid_until: NaiveDate,
        today: NaiveDate,
    ) -> Result<Authorisation, AccessError> {
        let crate::Caller::Account(account) = &self.principal.caller else {
            return Err(AccessError::Forbidden("只有信用主体本人可以授权".into()));
        };
        let client = bounded(client, "被授权机构", 100)?;
        let Purpose { code, name, .. } = self.access.purpose(purpose)?.clone();
        if valid_until < today {
            return Err(AccessError::Invalid("授权截止日期不能早于今天".into()));
        }
        // An authorisation opens data to a client's key; one no key could
        // ever use (a misspelt bank) grants nothing and would mislead.
        let usable = self.access.store.keys().await?.into_iter().any(|key| {
            key.new.client == client
                && key.revoked_at.is_none()
                && key.new.expires_on.is_none_or(|until| until >= today)
                && key.new.purposes.contains(&code)
        });
        if !usable {
            return Err(AccessError::Invalid(format!(
                "本平台没有可用于“{name}”的接口客户“{client}”：请填写被授权机构在本平台登记的名称"
            )));
        }
        let granted = self
            .access
            .store
            .grant_authorisation(&NewAuthorisation {
                subject_id: self.subject.id,
                client,
                purpose: code,
                valid_until,
                granted_by: account.id,
            })
            .await?;
        self.access
            .journal
            .record(
                &self.principal,
                "authorisation.grant",
                Some(self.subject.id),
                Some(&granted.new.purpose),
                json!({ "authorisation": granted.id, "client": granted.new.client, "until": granted.new.valid_until }),
            )
            .await?;
        Ok(granted)
    }

    /// Withdraws one of the subject's authorisations.
    pub async fn withdraw(&self, id: i64) -> Result<(), AccessError> {
        if !self.access.store.revoke_authorisation(self.subject.id, id).await? {
            return Err(AccessError::NotFound(format!("未找到有效的授权 {id}")));
        }
        self.access
            .journal
            .record(
                &self.principal,
                "authorisation.withdraw",
                Some(self.subject.id),
                None,
                json!({ "authorisation": id }),
            )
            .await?;
        Ok(())
    }
}
