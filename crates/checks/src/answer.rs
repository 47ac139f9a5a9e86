//! What a check answers, as the checking system receives it.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

/// The answer to one check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CheckAnswer {
    /// Identifier to give feedback on.
    pub check_id: String,
    /// The subject, as the caller may see it.
    pub subject: CheckedSubject,
    /// The matter checked in.
    pub matter: MatterRef,
    /// The purpose stated.
    pub purpose: String,
    /// Lists and adverse or positive records in force, and older records
    /// that triggered a measure.
    pub records: Vec<RecordSummary>,
    /// Measures that apply: restrictions first, mandatory first.
    pub measures: Vec<AppliedMeasure>,
    /// When it was answered.
    pub checked_at: DateTime<Utc>,
    /// Digest of the measure book (rules) that answered.
    pub book: String,
}

/// The subject of a check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CheckedSubject {
    /// Whether the platform holds a file for it. A subject it does not know
    /// is an answer (no records, no measures), not an error.
    pub found: bool,
    /// The code as given (a person's number masked).
    pub code: String,
    /// Its name, masked as the caller may see it.
    pub name: Option<String>,
    /// 法人及非法人组织 / 个体工商户 / 自然人.
    pub category: Option<String>,
    /// The platform's reference of the subject (`/subjects/{ref}`).
    pub reference: Option<String>,
}

/// A matter, with its name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MatterRef {
    /// Code.
    pub code: String,
    /// Name.
    pub name: String,
}

/// One relevant record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RecordSummary {
    /// Record id (for reasons to point at).
    pub id: i64,
    /// Record type code.
    pub record_type: String,
    /// Record type name.
    pub type_name: String,
    /// 守信 / 失信.
    pub nature: String,
    /// Decision (listing) document number.
    pub doc_no: String,
    /// Decision (listing) date.
    pub decided_on: NaiveDate,
    /// Deciding (listing) authority.
    pub authority: String,
    /// Supplying department.
    pub source: String,
    /// Publicity class, for penalties.
    pub severity: Option<String>,
    /// Last day in force (listed, published); none for no end.
    pub until: Option<NaiveDate>,
    /// Whether it is in force on the day of the check.
    pub in_force: bool,
    /// Whether an objection to it is running (异议处理中); answers stored
    /// before this was recorded read as `false`.
    #[serde(default)]
    pub under_objection: bool,
}

/// A measure that applies.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AppliedMeasure {
    /// Measure code (quoted back in feedback).
    pub code: String,
    /// Name.
    pub name: String,
    /// 约束 / 激励.
    pub kind: String,
    /// Category in the national list.
    pub category: String,
    /// Whether the department must take it.
    pub mandatory: bool,
    /// Its legal basis.
    pub basis: String,
    /// The departments that carry it out.
    pub departments: Vec<String>,
    /// Why it applies.
    pub reasons: Vec<MeasureReason>,
}

/// What triggered a measure.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MeasureReason {
    /// The rule.
    pub rule: String,
    /// What the rule says.
    pub rule_name: String,
    /// The rule's basis.
    pub basis: String,
    /// The triggering record (see `records`).
    pub record_id: i64,
    /// Its type name, and document number.
    pub record: String,
}
