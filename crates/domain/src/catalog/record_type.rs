//! A record type (信用信息类别) of the catalogue.

use super::{Disclosure, Field, FieldIdx, Role};
use crate::publicity::PublicityPolicy;

/// A record type: its data items and the rules its records live by.
#[derive(Debug, Clone)]
pub struct RecordType {
    /// Short stable code, e.g. `xzcf`.
    pub code: String,
    /// Chinese name, e.g. 行政处罚.
    pub name: String,
    /// 守信 / 失信 / 中性.
    pub nature: Nature,
    /// Disclosure of the record as a whole; a field is never more visible than its record.
    pub disclosure: Disclosure,
    /// The national rule or standard the item set follows.
    pub basis: String,
    /// Document numbers beginning with this are the platform's own: it
    /// numbers the records it makes itself (a breach of a commitment signed
    /// on the platform) so, and no upload may use such a number — it would
    /// make a new version of the platform's record.
    pub reserved_doc_no_prefix: Option<String>,
    /// The data items, in the order of the national item set.
    pub fields: Vec<Field>,
    /// How long records stay public.
    pub publicity: PublicityPolicy,
}

/// The nature of a record type in the catalogue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Nature {
    /// 守信: positive (red list, honours).
    Trustworthy,
    /// 失信: negative (penalties, black list).
    Untrustworthy,
    /// 中性: neutral (licences, registrations).
    Neutral,
}

impl Nature {
    /// The catalogue's Chinese term.
    pub fn label(self) -> &'static str {
        match self {
            Self::Trustworthy => "守信",
            Self::Untrustworthy => "失信",
            Self::Neutral => "中性",
        }
    }
}

/// The generation of the national 双公示 item set a file follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Generation {
    /// The templates of about 2015–2018 (处罚类别1/2, 行政相对人代码_1…_5).
    Gen1,
    /// The current item set with `XK_*` / `CF_*` column codes.
    Gen2,
}

impl Generation {
    /// Stable machine name.
    pub fn code(self) -> &'static str {
        match self {
            Self::Gen1 => "gen1",
            Self::Gen2 => "gen2",
        }
    }

    /// Parses [`Generation::code`].
    pub fn from_code(code: &str) -> Option<Self> {
        match code {
            "gen1" => Some(Self::Gen1),
            "gen2" => Some(Self::Gen2),
            _ => None,
        }
    }
}

impl RecordType {
    /// The field with this key (`CF_WSH`).
    pub fn field_by_key(&self, key: &str) -> Option<FieldIdx> {
        self.fields.iter().position(|f| f.key == key).map(FieldIdx)
    }

    /// The field playing `role`, if the type has one.
    pub fn field_with_role(&self, role: Role) -> Option<FieldIdx> {
        self.fields.iter().position(|f| f.role == Some(role)).map(FieldIdx)
    }

    /// The field at `idx`.
    pub fn field(&self, idx: FieldIdx) -> &Field {
        &self.fields[idx.0]
    }
}
