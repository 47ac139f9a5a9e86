//! Credit subjects: the 法人库 and 人口库 keys, names and aliases, and the
//! review queue of names that disagree with the known ones.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use xinyong_domain::SubjectCategory;

use crate::{Page, PageRequest, StoreError};

/// Primary key of a subject.
pub type SubjectId = i64;

/// A stored subject, as every view may read it: a person's identity
/// document appears only masked and as its public reference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subject {
    /// Primary key.
    pub id: SubjectId,
    /// 行政相对人类别.
    pub category: SubjectCategory,
    /// Organisations and 个体工商户: the unified social credit code.
    pub uscc: Option<String>,
    /// People: the platform's public reference (URL-safe, reveals nothing).
    pub person_ref: Option<String>,
    /// People: the masked document number.
    pub id_masked: Option<String>,
    /// Current name.
    pub name: String,
    /// Whether a name conflict awaits review.
    pub flagged: bool,
    /// When the subject first appeared.
    pub created_at: DateTime<Utc>,
}

/// How a person's identity is held: never in clear.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonIdentity {
    /// HMAC-SM3 of the document type and number: the lookup key.
    pub hash: [u8; 32],
    /// SM4-GCM sealed document type and number.
    pub sealed: Vec<u8>,
    /// Masked number for display.
    pub masked: String,
    /// Public reference derived from the hash.
    pub public_ref: String,
}

/// How an import looks a subject up.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum SubjectLookup {
    /// By unified social credit code.
    Uscc(String),
    /// By keyed hash of a person's document.
    Person([u8; 32]),
}

/// A subject found by [`SubjectLookup`], with every name it is known by.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KnownSubject {
    /// The key it was found by.
    pub lookup: SubjectLookup,
    /// Primary key.
    pub id: SubjectId,
    /// Current name first, then confirmed former names.
    pub names: Vec<String>,
}

/// A subject to create.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewSubject {
    /// 行政相对人类别.
    pub category: SubjectCategory,
    /// Name as first seen.
    pub name: String,
    /// The code, for organisations and 个体工商户.
    pub uscc: Option<String>,
    /// The identity, for people.
    pub person: Option<PersonIdentity>,
}

/// Kinds of alias.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AliasKind {
    /// A former name, confirmed by the office.
    Name,
    /// 组织机构代码 (GB 11714).
    OrgCode,
    /// 工商注册号.
    RegNo,
}

impl AliasKind {
    /// Stable machine name.
    pub fn code(self) -> &'static str {
        match self {
            Self::Name => "name",
            Self::OrgCode => "org_code",
            Self::RegNo => "reg_no",
        }
    }

    /// Parses [`AliasKind::code`].
    pub fn from_code(code: &str) -> Option<Self> {
        [Self::Name, Self::OrgCode, Self::RegNo]
            .into_iter()
            .find(|k| k.code() == code)
    }
}

/// An alias to record (ignored if already recorded).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAlias {
    /// Whose alias.
    pub subject_id: SubjectId,
    /// What kind.
    pub kind: AliasKind,
    /// The alias.
    pub value: String,
}

/// A row whose name disagrees with every known name of its subject.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewNameFlag {
    /// The subject the row was filed under.
    pub subject_id: SubjectId,
    /// The name the row gave.
    pub incoming_name: String,
    /// Where it was seen.
    pub row_no: i64,
}

/// A name conflict awaiting review. Repeated sightings of the same name
/// for the same subject count up one flag.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NameFlag {
    /// Primary key.
    pub id: i64,
    /// The subject.
    pub subject_id: SubjectId,
    /// Its code or masked document number.
    pub subject_key: String,
    /// Its current name.
    pub subject_name: String,
    /// The disagreeing name.
    pub incoming_name: String,
    /// First batch it was seen in.
    pub first_batch: i64,
    /// Row of that batch.
    pub first_row: i64,
    /// How many rows carried it.
    pub n_rows: i64,
    /// When it was first seen.
    pub created_at: DateTime<Utc>,
}

/// Reading subjects.
#[async_trait]
pub trait SubjectStore {
    /// The subject with this unified social credit code.
    async fn subject_by_uscc(&self, uscc: &str) -> Result<Option<Subject>, StoreError>;

    /// The person with this public reference.
    async fn subject_by_ref(&self, person_ref: &str) -> Result<Option<Subject>, StoreError>;

    /// The subject with this primary key.
    async fn subject_by_id(&self, id: SubjectId) -> Result<Option<Subject>, StoreError>;

    /// A person's identity document as sealed at import (`TYPE:NUMBER`,
    /// SM4): for the platform's own records about that person. `None` for
    /// organisations.
    async fn sealed_identity(&self, id: SubjectId) -> Result<Option<Vec<u8>>, StoreError>;

    /// The person whose identity has this keyed hash.
    async fn subject_by_person_hash(&self, hash: &[u8; 32]) -> Result<Option<Subject>, StoreError>;

    /// A subject's aliases, oldest first.
    async fn subject_aliases(&self, id: SubjectId) -> Result<Vec<(AliasKind, String)>, StoreError>;

    /// Unresolved name conflicts, oldest first.
    async fn name_flags(&self, page: &PageRequest) -> Result<Page<NameFlag>, StoreError>;

    /// Settles an open name conflict in one transaction (see
    /// [`NameDecision`]); the subject stops being flagged when none of its
    /// conflicts remains open. The flag as it was, or `None` if no open
    /// flag has this id.
    async fn resolve_name_flag(&self, id: i64, decision: NameDecision) -> Result<Option<NameFlag>, StoreError>;
}

/// How the credit office settles a name conflict.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NameDecision {
    /// The subject is now called the incoming name (it was renamed); the
    /// old name stays known (an alias, still found by search).
    Rename,
    /// The incoming name is another name of the same subject (a former or
    /// registered short name): known from now on, the current name kept.
    Alias,
    /// The incoming name is wrong: nothing about the subject changes; a row
    /// carrying it again reopens the conflict.
    Reject,
}

impl NameDecision {
    /// Stable machine name.
    pub fn code(self) -> &'static str {
        match self {
            Self::Rename => "rename",
            Self::Alias => "alias",
            Self::Reject => "reject",
        }
    }

    /// Parses [`NameDecision::code`].
    pub fn from_code(code: &str) -> Option<Self> {
        [Self::Rename, Self::Alias, Self::Reject]
            .into_iter()
            .find(|d| d.code() == code)
    }
}
