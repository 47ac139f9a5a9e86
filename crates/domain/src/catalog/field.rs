//! One data item (数据项) of a record type.

use std::collections::BTreeMap;

use super::{Condition, Generation};

/// Index of a field within its record type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FieldIdx(pub usize);

/// A data item: its identity, type, obligation, disclosure and the headers
/// under which departments deliver it.
#[derive(Debug, Clone)]
pub struct Field {
    /// The Gen-2 column code, e.g. `CF_WSH`; the key in stored payloads.
    pub key: String,
    /// The Chinese item name shown to users, e.g. 行政处罚决定书文号.
    pub name: String,
    /// Value type and its constraints.
    pub kind: FieldKind,
    /// Obligation in Gen-2 files.
    pub required: Requirement,
    /// Obligation in Gen-1 files where it differs from Gen 2.
    pub required_gen1: Option<Requirement>,
    /// Who may see the item.
    pub disclosure: Disclosure,
    /// What the platform uses the item for, if anything beyond storing it.
    pub role: Option<Role>,
    /// A personal identifier: encrypted at rest and masked unless the viewer is entitled.
    pub personal: bool,
    /// About the upload rather than the decision (数据来源单位代码, 当前状态,
    /// 地方编码, 数据更新时间戳): an objection to the record does not correct it.
    pub provenance: bool,
    /// Where the value comes from when the file has no column for it.
    pub fill: Option<Fill>,
    /// Headers accepted in Gen-2 files (besides `name` and `key`).
    pub gen2_headers: Vec<String>,
    /// Headers of Gen-1 files; empty if the item did not exist in Gen 1.
    pub gen1_headers: Vec<String>,
    /// Further spellings accepted in files of either generation.
    pub aliases: Vec<String>,
    /// Guidance for the clerk filling the item.
    pub help: Option<String>,
}

impl Field {
    /// The item's value with the identifiers a clerk wrote into it masked
    /// ([`crate::id::mask_embedded_identifiers`]), if the item is free text
    /// (违法事实, 处罚内容, 备注 …, and an enumeration's 其他 with its
    /// description): text with no role and not itself an identifier. Codes,
    /// dates and amounts are returned as they are, never searched (an
    /// all-digit organisation code is not a citizen ID). Borrowed when
    /// nothing was masked.
    pub fn mask_free_text<'t>(&self, text: &'t str) -> std::borrow::Cow<'t, str> {
        self.mask_free_text_except(text, &[])
    }

    /// [`Field::mask_free_text`], leaving whole the numbers in `keep` (the
    /// record's own personal identifiers, for a reader entitled to them).
    pub fn mask_free_text_except<'t>(&self, text: &'t str, keep: &[&str]) -> std::borrow::Cow<'t, str> {
        if self.is_free_text() {
            crate::id::mask_embedded_identifiers_except(text, keep)
        } else {
            std::borrow::Cow::Borrowed(text)
        }
    }

    /// Text a clerk writes as prose (违法事实, 处罚内容, 备注 …): not a
    /// personal item, and not one of the record's keys or names.
    pub fn is_free_text(&self) -> bool {
        matches!(self.kind, FieldKind::Text { .. } | FieldKind::Enum(_)) && self.role.is_none() && !self.personal
    }

    /// The obligation that applies in files of `generation`.
    pub fn requirement(&self, generation: Generation) -> &Requirement {
        match generation {
            Generation::Gen1 => self.required_gen1.as_ref().unwrap_or(&self.required),
            Generation::Gen2 => &self.required,
        }
    }
}

/// Value types of data items.
#[derive(Debug, Clone)]
pub enum FieldKind {
    /// Free text of at most `max_len` characters.
    Text {
        /// Maximum length in characters.
        max_len: usize,
    },
    /// A civil date.
    Date {
        /// 2099-12-31 (or 长期) means "no end".
        long_term: bool,
        /// The date may not be before this other date of the same row.
        not_before: Option<FieldIdx>,
        /// The date may not lie after the day of import.
        not_future: bool,
    },
    /// An amount in 万元 (ten thousand yuan), at most six decimals.
    AmountWan,
    /// A value from a list.
    Enum(EnumSpec),
    /// 统一社会信用代码, GB 32100-2015.
    Uscc,
    /// 组织机构代码, GB 11714-1997.
    OrgCode,
    /// A personal document number, checked by GB 11643 when the document is a 身份证.
    IdNumber {
        /// The field holding the document type.
        id_type_field: Option<FieldIdx>,
        /// Maximum length in characters.
        max_len: usize,
    },
}

/// An enumeration: its canonical values and the other spellings accepted.
#[derive(Debug, Clone, Default)]
pub struct EnumSpec {
    /// Values of the current national item set.
    pub values: Vec<String>,
    /// Values of earlier item sets, still valid on historical records
    /// (e.g. the pre-2021 处罚类别).
    pub legacy_values: Vec<String>,
    /// Codes and synonyms mapped to a canonical value (`"01" = "普通"`).
    pub synonyms: BTreeMap<String, String>,
    /// Values that must be followed by a description (`其他-备案`).
    pub detail_required: Vec<String>,
    /// Several values may be given, separated by 、，,；; or /.
    pub multiple: bool,
}

/// When an item must be filled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Requirement {
    /// Always (必填).
    Always,
    /// Never required (选填).
    Optional,
    /// Required when the condition holds (条件必填).
    When(Condition),
}

/// Disclosure levels of the public credit information catalogue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Disclosure {
    /// 公开: anyone may see it.
    Public,
    /// 有条件共享: government roles and systems with a stated purpose.
    ConditionalShare,
    /// 授权查询: only with the subject's authorisation.
    AuthorisedQuery,
    /// 不予公开: kept for the office, never shown outside it.
    NotPublic,
}

impl Disclosure {
    /// The catalogue's Chinese term.
    pub fn label(self) -> &'static str {
        match self {
            Self::Public => "公开",
            Self::ConditionalShare => "有条件共享",
            Self::AuthorisedQuery => "授权查询",
            Self::NotPublic => "不予公开",
        }
    }

    /// Parses the catalogue's Chinese term.
    pub fn from_label(label: &str) -> Option<Self> {
        [
            Self::Public,
            Self::ConditionalShare,
            Self::AuthorisedQuery,
            Self::NotPublic,
        ]
        .into_iter()
        .find(|level| level.label() == label)
    }
}

/// Where a value comes from when the file has no column for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fill {
    /// The department named for the batch (`--source`), for a file without
    /// the column or a row that leaves it blank.
    BatchSource,
    /// A fixed value for Gen-1 files, which lacked the item (证件类型 = 身份证
    /// for the Gen-1 居民身份证号 column).
    Gen1Constant(String),
}

/// The meaning of a field to the platform.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    /// 行政相对人名称.
    SubjectName,
    /// 行政相对人类别.
    SubjectCategory,
    /// 统一社会信用代码 of the subject.
    SubjectUscc,
    /// 组织机构代码 of the subject (an alias).
    SubjectOrgCode,
    /// 工商注册号 of the subject (an alias).
    SubjectRegNo,
    /// 证件类型 of a natural person.
    IdType,
    /// 证件号码 of a natural person.
    IdNumber,
    /// 决定书文号: with the record type and the subject, the natural key.
    DocNo,
    /// 决定日期: start of validity and of the publicity period.
    DecisionDate,
    /// 公示截止期 as the department supplied it.
    PublicityUntil,
    /// 处罚类别 (drives the publicity class).
    PenaltyKinds,
    /// 处罚机关 / 许可机关.
    Authority,
    /// 数据来源单位.
    Source,
    /// 移出日期 / 撤销日期 of a list entry: no longer listed from this day on.
    RemovalDate,
    /// 有效期至 of a list entry: listed through this day.
    ValidUntil,
}

impl Role {
    /// Parses the catalogue's role name.
    pub fn from_name(name: &str) -> Option<Self> {
        Some(match name {
            "subject_name" => Self::SubjectName,
            "subject_category" => Self::SubjectCategory,
            "subject_uscc" => Self::SubjectUscc,
            "subject_org_code" => Self::SubjectOrgCode,
            "subject_reg_no" => Self::SubjectRegNo,
            "id_type" => Self::IdType,
            "id_number" => Self::IdNumber,
            "doc_no" => Self::DocNo,
            "decision_date" => Self::DecisionDate,
            "publicity_until" => Self::PublicityUntil,
            "penalty_kinds" => Self::PenaltyKinds,
            "authority" => Self::Authority,
            "source" => Self::Source,
            "removal_date" => Self::RemovalDate,
            "valid_until" => Self::ValidUntil,
            _ => return None,
        })
    }
}
