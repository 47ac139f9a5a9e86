//! [`Checks`]: hands a checking caller a [`CheckDesk`] and the credit office
//! a [`StatsDesk`]; holds the compiled measure book. Checks are stored
//! through the access layer's journal (its spool), with their audit entries.

use std::sync::{Arc, RwLock};

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;
use xinyong_access::{Access, AccessError, Caller, Principal};
use xinyong_crypto::Keys;
use xinyong_domain::id::IdPolicy;
use xinyong_domain::measures::{BookError, BookFiles, MeasureBook};
use xinyong_domain::{RecordType, Role};
use xinyong_store::Store;

use crate::desk::CheckDesk;
use crate::source::{BookSource, SourceError};
use crate::stats::StatsDesk;

/// Why the check service cannot start.
#[derive(Debug, thiserror::Error)]
pub enum SetupError {
    /// The book's files cannot be read.
    #[error(transparent)]
    Source(#[from] SourceError),
    /// The book does not compile.
    #[error(transparent)]
    Book(#[from] BookError),
}

/// Check settings (`[checks]` in the configuration file).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct CheckSettings {
    /// Hours after which a check that returned measures and got no feedback
    /// is overdue.
    pub feedback_hours: u32,
}

impl Default for CheckSettings {
    fn default() -> Self {
        Self { feedback_hours: 72 }
    }
}

/// The check service: one per platform, cheap to clone.
#[derive(Debug, Clone)]
pub struct Checks {
    inner: Arc<Inner>,
}

#[derive(Debug)]
pub(crate) struct Inner {
    pub(crate) access: Access,
    pub(crate) store: Arc<dyn Store>,
    pub(crate) keys: Arc<Keys>,
    pub(crate) policy: Arc<IdPolicy>,
    types: Vec<Arc<RecordType>>,
    book: RwLock<Arc<MeasureBook>>,
    source: BookSource,
    settings: CheckSettings,
}

impl Checks {
    /// The service over `store`, with the measure book from `source`
    /// compiled against the record `types`.
    pub fn new(platform: CheckPlatform, source: BookSource, settings: CheckSettings) -> Result<Self, SetupError> {
        let CheckPlatform {
            access,
            store,
            keys,
            policy,
            types,
        } = platform;
        let book = compile(&source.load()?, &types)?;
        Ok(Self {
            inner: Arc::new(Inner {
                access,
                store,
                keys,
                policy,
                types,
                book: RwLock::new(Arc::new(book)),
                source,
                settings,
            }),
        })
    }

    /// The measure book in force.
    pub fn book(&self) -> Arc<MeasureBook> {
        match self.inner.book.read() {
            Ok(book) => Arc::clone(&book),
            // A panic while swapping cannot leave a half-written Arc.
            Err(poisoned) => Arc::clone(&poisoned.into_inner()),
        }
    }

    /// Re-reads the book's files, compiles them and puts the book in force
    /// (administrators and the console only). A broken book changes nothing.
    pub async fn reload(&self, principal: &Principal) -> Result<Arc<MeasureBook>, AccessError> {
        match &principal.caller {
            Caller::Console(_) => {}
            Caller::Account(account) if account.new.role == Role::Admin => {}
            Caller::Anonymous => return Err(AccessError::Unauthenticated),
            _ => return Err(AccessError::Forbidden("只有管理员可以更新奖惩措施和规则".into())),
        }
        let files = self
            .inner
            .source
            .load()
            .map_err(|e| AccessError::Invalid(e.to_string()))?;
        let book = Arc::new(compile(&files, &self.inner.types).map_err(|e| AccessError::Invalid(e.to_string()))?);
        let detail = json!({
            "book": book.digest(),
            "measures": book.measures().len(),
            "matters": book.matters().len(),
            "rules": book.rules().len(),
        });
        self.inner
            .access
            .journal()
            .record(principal, "measures.reload", None, None, detail)
            .await?;
        match self.inner.book.write() {
            Ok(mut slot) => *slot = Arc::clone(&book),
            Err(poisoned) => *poisoned.into_inner() = Arc::clone(&book),
        }
        Ok(book)
    }

    /// The desk a checking caller works at: system clients, department
    /// operators, the credit office's reviewers and administrators, and the
    /// console.
    pub fn desk(&self, principal: &Principal) -> Result<CheckDesk, AccessError> {
        let (client, department_id) = match &principal.caller {
            Caller::Anonymous => return Err(AccessError::Unauthenticated),
            // The owner of a check is typed by its prefix, so that a key's
            // client name can never pass for an account's.
            Caller::Client(key) => (format!("key:{}", key.new.client), key.new.department_id),
            Caller::Account(account) if matches!(account.new.role, Role::Operator | Role::Reviewer | Role::Admin) => {
                (format!("account:{}", account.new.username), account.new.department_id)
            }
            // Subjects do not check others; auditors watch checks, they do not make them.
            Caller::Account(_) => {
                return Err(AccessError::Forbidden("该账号不能发起信用核查".into()));
            }
            Caller::Console(user) => (format!("cli:{user}"), None),
        };
        Ok(CheckDesk::new(self.clone(), principal.clone(), client, department_id))
    }

    /// The credit office's view of all checks: reviewers, administrators,
    /// auditors and the console.
    pub fn stats_desk(&self, principal: &Principal) -> Result<StatsDesk, AccessError> {
        match &principal.caller {
            Caller::Console(_) => {}
            Caller::Account(account) if matches!(account.new.role, Role::Reviewer | Role::Admin | Role::Auditor) => {}
            Caller::Anonymous => return Err(AccessError::Unauthenticated),
            _ => {
                return Err(AccessError::Forbidden(
                    "只有信用办审核员、管理员和审计员可以查看核查统计".into(),
                ));
            }
        }
        Ok(StatsDesk::new(self.clone()))
    }

    pub(crate) fn record_type(&self, code: &str) -> Option<&RecordType> {
        self.inner.types.iter().find(|t| t.code == code).map(AsRef::as_ref)
    }

    pub(crate) fn overdue_before(&self, now: DateTime<Utc>) -> DateTime<Utc> {
        now - Duration::hours(i64::from(self.inner.settings.feedback_hours))
    }

    pub(crate) fn inner(&self) -> &Inner {
        &self.inner
    }
}

/// What the check service needs of the platform.
#[derive(Debug, Clone)]
pub struct CheckPlatform {
    /// Who may do what.
    pub access: Access,
    /// The store.
    pub store: Arc<dyn Store>,
    /// The keys persons' identities are hashed with.
    pub keys: Arc<Keys>,
    /// The identifier policy (allow-listed codes).
    pub policy: Arc<IdPolicy>,
    /// The record types of the catalogue.
    pub types: Vec<Arc<RecordType>>,
}

fn compile(files: &BookFiles, types: &[Arc<RecordType>]) -> Result<MeasureBook, BookError> {
    let types: Vec<&RecordType> = types.iter().map(AsRef::as_ref).collect();
    MeasureBook::compile(files, &types)
}
