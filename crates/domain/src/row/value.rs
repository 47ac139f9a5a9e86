//! Parsing one item's text by the item's type.

use chrono::{Datelike, NaiveDate};

use super::amount;
use super::{Problem, ProblemCode, RowContext};
use crate::catalog::{EnumSpec, Field, FieldIdx, FieldKind, RecordType};
use crate::date;
use crate::id::{CitizenId, OrgCode, Uscc};

/// A typed item value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    /// Free text, trimmed.
    Text(String),
    /// A civil date.
    Date(NaiveDate),
    /// "No end" (2099-12-31 or 长期).
    LongTerm,
    /// An amount in 万元, canonical decimal text.
    Amount(String),
    /// One or more enumeration values as given (synonyms mapped to the
    /// canonical value; a 其他 value keeps its description).
    Enum(Vec<String>),
    /// A unified social credit code.
    Uscc(Uscc),
    /// An organisation code.
    OrgCode(OrgCode),
    /// A citizen identity number.
    Citizen(CitizenId),
    /// Another identity document's number, normalised.
    Document(String),
}

impl Value {
    /// The value as stored and shown: dates ISO 8601, long term as
    /// `2099-12-31`, several enumeration values joined by `、`. Personal
    /// numbers come out whole: callers decide whether the viewer may see them.
    pub fn to_text(&self) -> String {
        match self {
            Self::Text(text) | Self::Amount(text) | Self::Document(text) => text.clone(),
            Self::Date(date) => date.to_string(),
            Self::LongTerm => date::LONG_TERM.to_string(),
            Self::Enum(items) => items.join("、"),
            Self::Uscc(code) => code.to_string(),
            Self::OrgCode(code) => code.to_string(),
            Self::Citizen(id) => id.expose().to_owned(),
        }
    }
}

/// The canonical value an enumeration text stands for: itself, or the
/// value it details (`其他-备案` → `其他`).
pub fn canonical<'a>(spec: &'a EnumSpec, text: &'a str) -> &'a str {
    if spec.values.iter().chain(&spec.legacy_values).any(|v| v == text) {
        return text;
    }
    spec.detail_required
        .iter()
        .find(|d| text.starts_with(d.as_str()))
        .map_or(text, String::as_str)
}

/// Parses `text` (non-empty, trimmed) as the value of `field`. `id_type` is
/// the canonical document type of the row, for document-number items.
pub(super) fn parse(
    record_type: &RecordType,
    idx: FieldIdx,
    text: &str,
    id_type: Option<&str>,
    ctx: &RowContext<'_>,
) -> Result<Value, Problem> {
    let field: &Field = record_type.field(idx);
    let problem = |code: ProblemCode, detail: String| Problem::new(record_type, idx, code, detail);
    match &field.kind {
        FieldKind::Text { max_len } => {
            let n_chars = text.chars().count();
            if n_chars > *max_len {
                return Err(problem(
                    ProblemCode::TooLong,
                    format!("长度为{n_chars}个字，超过上限{max_len}个字"),
                ));
            }
            Ok(Value::Text(text.to_owned()))
        }
        FieldKind::Date {
            long_term, not_future, ..
        } => {
            if *long_term && matches!(text, "长期" | "永久" | "长期有效") {
                return Ok(Value::LongTerm);
            }
            let Some(parsed) = date::parse(text).filter(|d| d.year() >= 1900) else {
                let hint = "请使用如2024-01-05、2024/1/5、20240105或2024年1月5日的格式";
                return Err(problem(
                    ProblemCode::InvalidDate,
                    format!("“{text}”不是有效日期，{hint}"),
                ));
            };
            if *long_term && parsed == date::LONG_TERM {
                return Ok(Value::LongTerm);
            }
            if *not_future && parsed > ctx.today {
                return Err(problem(
                    ProblemCode::FutureDate,
                    format!("{parsed}晚于今天（{}）", ctx.today),
                ));
            }
            Ok(Value::Date(parsed))
        }
        FieldKind::AmountWan => amount::parse(text)
            .map(Value::Amount)
            .map_err(|error| problem(ProblemCode::InvalidAmount, error.message(text))),
        FieldKind::Enum(spec) => parse_enum(spec, text)
            .map(Value::Enum)
            .map_err(|(code, detail)| problem(code, detail)),
        FieldKind::Uscc => ctx.policy.parse_uscc(text).map(Value::Uscc).map_err(|error| {
            // A citizen ID typed into the code column is not echoed either.
            let detail = if CitizenId::parse(text, ctx.today).is_ok() {
                "填写的是公民身份号码，不是统一社会信用代码（自然人的号码请填写在证件号码中）".to_owned()
            } else {
                format!("“{text}”{error}")
            };
            problem(ProblemCode::InvalidUscc, detail)
        }),
        FieldKind::OrgCode => OrgCode::parse(text)
            .map(Value::OrgCode)
            .map_err(|error| problem(ProblemCode::InvalidOrgCode, format!("“{text}”{error}"))),
        FieldKind::IdNumber { max_len, .. } => {
            let is_citizen_id = match id_type {
                Some(kind) => kind == "身份证",
                // Without a stated type, a number that is a valid citizen ID is taken as one.
                None => CitizenId::parse(text, ctx.today).is_ok(),
            };
            if is_citizen_id {
                // The number itself is never echoed: the report may be read by others.
                return CitizenId::parse(text, ctx.today)
                    .map(Value::Citizen)
                    .map_err(|error| problem(ProblemCode::InvalidIdNumber, error.to_string()));
            }
            let number = crate::id::normalize(text);
            let n_chars = number.chars().count();
            if n_chars > *max_len {
                return Err(problem(
                    ProblemCode::TooLong,
                    format!("长度为{n_chars}位，超过上限{max_len}位"),
                ));
            }
            Ok(Value::Document(number))
        }
    }
}

const SEPARATORS: [char; 8] = ['、', ',', '，', ';', '；', '/', '|', '\n'];

fn parse_enum(spec: &EnumSpec, text: &str) -> Result<Vec<String>, (ProblemCode, String)> {
    let items: Vec<&str> = if spec.multiple {
        text.split(SEPARATORS)
            .map(str::trim)
            .filter(|item| !item.is_empty())
            .collect()
    } else {
        vec![text]
    };
    let mut values: Vec<String> = Vec::with_capacity(items.len());
    for item in items {
        let normalized = crate::id::normalize(item);
        // `其他` is a listed value but is only complete with its description.
        let value = if let Some(detailed) = spec.detail_required.iter().find(|d| normalized.starts_with(d.as_str())) {
            let detail = normalized[detailed.len()..].trim_start_matches(['-', ':', '(', ' ']);
            if detail.trim_end_matches(')').is_empty() {
                return Err((
                    ProblemCode::EnumDetail,
                    format!("选择“{detailed}”时须注明具体类别，如“{detailed}-备案”"),
                ));
            }
            normalized
        } else if spec.values.iter().chain(&spec.legacy_values).any(|v| *v == normalized) {
            normalized
        } else if let Some(mapped) = spec.synonyms.get(&normalized) {
            mapped.clone()
        } else {
            let allowed = spec.values.join("、");
            return Err((ProblemCode::InvalidEnum, format!("“{item}”不是有效值，应为：{allowed}")));
        };
        if !values.contains(&value) {
            values.push(value);
        }
    }
    Ok(values)
}
