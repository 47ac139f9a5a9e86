//! Problems found in a row, each with a stable code for programs and a
//! Chinese message for the clerk who has to fix it.

use crate::catalog::{FieldIdx, RecordType};

/// One problem with one item of a row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The item concerned.
    pub field: FieldIdx,
    /// Stable machine code.
    pub code: ProblemCode,
    /// What is wrong and, where possible, how to fix it, in Chinese.
    pub message: String,
}

/// Stable codes of row problems (part of the public API: never renumber).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ProblemCode {
    /// A required item is empty.
    Required,
    /// Longer than the item allows.
    TooLong,
    /// Not a date in an accepted form.
    InvalidDate,
    /// A decision date after today.
    FutureDate,
    /// A date before the date it may not precede.
    DateOrder,
    /// Not an amount in 万元.
    InvalidAmount,
    /// Not one of the item's values.
    InvalidEnum,
    /// A value such as 其他 without the description it needs.
    EnumDetail,
    /// Not a valid unified social credit code.
    InvalidUscc,
    /// Not a valid organisation code.
    InvalidOrgCode,
    /// Not a valid identity document number.
    InvalidIdNumber,
    /// The subject category disagrees with the identifiers.
    CategoryMismatch,
    /// Characters that could not be decoded.
    Encoding,
    /// A supplied 公示截止期 outside the class's bounds (a warning).
    PublicityOutOfBounds,
    /// A person's ID or mobile number in an item that is published whole
    /// (名称, 决定书文号, 机关): privacy first, the row is refused.
    IdentifierInPublicItem,
}

impl ProblemCode {
    /// The stable code string.
    pub fn code(self) -> &'static str {
        match self {
            Self::Required => "required",
            Self::TooLong => "too_long",
            Self::InvalidDate => "invalid_date",
            Self::FutureDate => "future_date",
            Self::DateOrder => "date_order",
            Self::InvalidAmount => "invalid_amount",
            Self::InvalidEnum => "invalid_enum",
            Self::EnumDetail => "enum_detail_required",
            Self::InvalidUscc => "invalid_uscc",
            Self::InvalidOrgCode => "invalid_org_code",
            Self::InvalidIdNumber => "invalid_id_number",
            Self::CategoryMismatch => "category_mismatch",
            Self::Encoding => "encoding",
            Self::PublicityOutOfBounds => "publicity_out_of_bounds",
            Self::IdentifierInPublicItem => "identifier_in_public_item",
        }
    }
}

impl Problem {
    /// A problem whose message is prefixed with the item's name; an empty
    /// `detail` gives the code's standard wording. Messages quote the
    /// values they refuse and are stored and shown in clear, so a person's
    /// ID or mobile number in one (a shifted column puts them anywhere) is
    /// masked.
    pub(crate) fn new(record_type: &RecordType, field: FieldIdx, code: ProblemCode, detail: String) -> Self {
        let mut problem = Self::unmasked(record_type, field, code, detail);
        if let std::borrow::Cow::Owned(masked) = crate::id::mask_embedded_identifiers(&problem.message) {
            problem.message = masked;
        }
        problem
    }

    fn unmasked(record_type: &RecordType, field: FieldIdx, code: ProblemCode, detail: String) -> Self {
        let name = &record_type.field(field).name;
        let message = match (code, detail.is_empty()) {
            (ProblemCode::Encoding, _) => {
                format!("{name}含有无法识别的字符：文件编码可能有误（请使用UTF-8或GBK编码保存）")
            }
            (_, true) => format!("{name}有误"),
            (_, false) if detail.starts_with(name.as_str()) => detail,
            (_, false) => format!("{name}：{detail}"),
        };
        Self { field, code, message }
    }

    /// A required item is empty. `trigger` holds the values of the item a
    /// conditional obligation depends on, to say why it applies.
    pub(crate) fn required(record_type: &RecordType, field: FieldIdx, trigger: Option<Vec<&str>>) -> Self {
        let item = record_type.field(field);
        let condition = match &item.required {
            crate::catalog::Requirement::When(condition) => Some(condition),
            _ => None,
        };
        let message = match (condition, trigger) {
            (Some(condition), Some(values)) if !values.is_empty() => {
                // Name only the values that made the item required.
                let triggering: Vec<&str> = match &condition.test {
                    crate::catalog::ConditionTest::AnyOf(list) => {
                        values.into_iter().filter(|v| list.iter().any(|l| l == v)).collect()
                    }
                    crate::catalog::ConditionTest::Only(_) => values,
                };
                format!(
                    "{}为“{}”时，{}不能为空",
                    record_type.field(condition.field).name,
                    triggering.join("、"),
                    item.name
                )
            }
            _ => format!("{}不能为空", item.name),
        };
        Self {
            field,
            code: ProblemCode::Required,
            message,
        }
    }
}
