//! One row of a department's file, checked against the catalogue: a raw row
//! becomes a typed row, or the list of every problem it has.
//!
//! Stages, in order: gather each item's text from its column(s) (or its
//! fill), parse each value by its type, check obligations (which depend on
//! other items' values), check cross-item rules, work out the subject and
//! the publicity window.

mod amount;
mod problem;
mod value;

pub use problem::{Problem, ProblemCode};
pub use value::Value;

use chrono::NaiveDate;

use crate::catalog::{ColumnMap, FieldIdx, FieldKind, Fill, Generation, RecordType, Requirement, Role};
use crate::id::{IdPolicy, OrgCode};
use crate::publicity::PublicityWindow;
use crate::subject::{SubjectCategory, SubjectKey};

/// What a row is checked in the light of.
#[derive(Debug, Clone, Copy)]
pub struct RowContext<'a> {
    /// The office's identifier policy (allow-listed codes).
    pub policy: &'a IdPolicy,
    /// Today in China Standard Time: no decision lies after it.
    pub today: NaiveDate,
    /// The department the batch is filed for.
    pub batch_source: &'a str,
}

/// A row that passed every check.
#[derive(Debug, Clone)]
pub struct CheckedRow {
    /// Who the record is about.
    pub subject: SubjectClaim,
    /// 决定书文号: with the type and the subject, the record's natural key.
    pub doc_no: String,
    /// 决定日期.
    pub decision_date: NaiveDate,
    /// Every item that has a value, typed.
    pub values: Vec<(FieldIdx, Value)>,
    /// When the record is public.
    pub publicity: PublicityWindow,
    /// Problems that do not stop the row (a 公示截止期 out of bounds).
    pub warnings: Vec<Problem>,
}

/// The subject a row names.
#[derive(Debug, Clone)]
pub struct SubjectClaim {
    /// 行政相对人类别, given or inferred from the identifiers.
    pub category: SubjectCategory,
    /// 行政相对人名称 as given.
    pub name: String,
    /// The identifying code or document.
    pub key: SubjectKey,
    /// 组织机构代码, if given (an alias of the subject).
    pub org_code: Option<OrgCode>,
    /// 工商注册号, if given (an alias of the subject).
    pub reg_no: Option<String>,
}

/// Checks one row. `cells` are the row's texts in file column order (the
/// row may be shorter or longer than the header).
pub fn check(
    record_type: &RecordType,
    map: &ColumnMap,
    cells: &[&str],
    ctx: &RowContext<'_>,
) -> (Option<CheckedRow>, Vec<Problem>) {
    let mut problems = Vec::new();
    let texts = gather(record_type, map, cells, ctx, &mut problems);

    // Parse every value by its own type first; enumerations are needed by
    // the obligations and the cross-item rules. Document numbers come last
    // because how they are checked depends on the document type.
    let mut values: Vec<Option<Value>> = vec![None; record_type.fields.len()];
    let is_number = |idx: usize| matches!(record_type.fields[idx].kind, FieldKind::IdNumber { .. });
    let order = (0..record_type.fields.len())
        .filter(|&idx| !is_number(idx))
        .chain((0..record_type.fields.len()).filter(|&idx| is_number(idx)));
    for idx in order {
        let Some(text) = &texts[idx] else { continue };
        let id_type = match record_type.fields[idx].kind {
            FieldKind::IdNumber {
                id_type_field: Some(type_field),
                ..
            } => canonical_values(record_type, &values, type_field).first().copied(),
            _ => None,
        };
        match value::parse(record_type, FieldIdx(idx), text, id_type, ctx) {
            Ok(value) => values[idx] = Some(value),
            Err(problem) => problems.push(problem),
        }
    }
    for (idx, field) in record_type.fields.iter().enumerate() {
        if let Some(text) = &texts[idx]
            && identifier_in_public_item(field, text, ctx.today)
        {
            problems.push(Problem::new(
                record_type,
                FieldIdx(idx),
                ProblemCode::IdentifierInPublicItem,
                "含有个人证件号码或手机号码。该项对外公示且不作遮蔽，不能填写个人证件号码、手机号码，请删除后重新上传"
                    .to_owned(),
            ));
        }
    }
    // The subject category of a Gen-1 file, which had no such item, follows from the identifiers.
    let category_field = record_type.field_with_role(Role::SubjectCategory);
    if let Some(field) = category_field.filter(|f| !map.has(*f) && texts[f.0].is_none()) {
        match infer_category(record_type, &values) {
            Some(category) => values[field.0] = Some(Value::Enum(vec![category.label().to_owned()])),
            None => problems.push(Problem {
                field,
                code: ProblemCode::Required,
                message: "无法判断行政相对人类别：请填写统一社会信用代码或身份证号码".to_owned(),
            }),
        }
    }

    let enum_values = |idx: FieldIdx| canonical_values(record_type, &values, idx);
    for (idx, field) in record_type.fields.iter().enumerate() {
        let (required, trigger) = match field.requirement(map.generation) {
            Requirement::Always => (true, None),
            Requirement::Optional => (false, None),
            Requirement::When(condition) => {
                let trigger = enum_values(condition.field);
                (condition.holds(&trigger), Some(trigger))
            }
        };
        // A value that failed to parse or to decode was already reported; don't also call it missing.
        let reported = problems.iter().any(|p| p.field == FieldIdx(idx));
        if required && texts[idx].is_none() && values[idx].is_none() && !reported {
            problems.push(Problem::required(record_type, FieldIdx(idx), trigger));
        }
    }
    cross_checks(record_type, &values, &mut problems);

    if !problems.is_empty() {
        return (None, problems);
    }
    match assemble(record_type, values) {
        Ok(row) => (Some(row), problems),
        Err(problem) => (None, vec![problem]),
    }
}

/// Whether `text`, the value of `field`, holds a person's identifier in an
/// item that is published as it is. Free text is masked at import instead
/// (`Field::mask_free_text`) and personal items are sealed; the items with
/// a role are the record's keys and names, shown whole. A name or an
/// authority never holds a long run of digits, so any ID or mobile shape
/// counts; a 决定书文号 often holds a serial of a region and a date, so only
/// a valid citizen ID of someone at least 14 does (行政处罚法 第三十条: no
/// penalty below that age), which a serial of a recent date is not.
fn identifier_in_public_item(field: &crate::catalog::Field, text: &str, today: NaiveDate) -> bool {
    match field.role {
        Some(Role::DocNo) => {
            let latest_birth = today.checked_sub_months(chrono::Months::new(14 * 12)).unwrap_or(today);
            crate::id::contains_citizen_id(text, latest_birth)
        }
        Some(Role::SubjectName | Role::Authority | Role::Source) => {
            matches!(crate::id::mask_embedded_identifiers(text), std::borrow::Cow::Owned(_))
        }
        _ => false,
    }
}

/// Each item's text: its column(s), joined for multi-valued items, or its fill.
fn gather(
    record_type: &RecordType,
    map: &ColumnMap,
    cells: &[&str],
    ctx: &RowContext<'_>,
    problems: &mut Vec<Problem>,
) -> Vec<Option<String>> {
    record_type
        .fields
        .iter()
        .enumerate()
        .map(|(idx, field)| {
            let parts: Vec<&str> = map
                .columns_of(FieldIdx(idx))
                .filter_map(|column| cells.get(column))
                .map(|cell| cell.trim_matches(|c: char| c.is_whitespace() || c == '\u{3000}'))
                .filter(|cell| !cell.is_empty())
                .collect();
            if parts.iter().any(|part| part.contains('\u{FFFD}')) {
                problems.push(Problem::new(
                    record_type,
                    FieldIdx(idx),
                    ProblemCode::Encoding,
                    String::new(),
                ));
                return None;
            }
            if !parts.is_empty() {
                return Some(parts.join("、"));
            }
            match (&field.fill, map.has(FieldIdx(idx))) {
                // The uploading department, whether the file has no such
                // column or leaves its cell blank (most templates do).
                (Some(Fill::BatchSource), _) => Some(ctx.batch_source.to_owned()),
                (Some(Fill::Gen1Constant(value)), false) if map.generation == Generation::Gen1 => Some(value.clone()),
                _ => None,
            }
        })
        .collect()
}

fn value_with_role<'v>(record_type: &RecordType, values: &'v [Option<Value>], role: Role) -> Option<&'v Value> {
    record_type.field_with_role(role).and_then(|idx| values[idx.0].as_ref())
}

fn infer_category(record_type: &RecordType, values: &[Option<Value>]) -> Option<SubjectCategory> {
    match value_with_role(record_type, values, Role::SubjectUscc) {
        Some(Value::Uscc(code)) if code.is_individual_business() => Some(SubjectCategory::IndividualBusiness),
        Some(Value::Uscc(_)) => Some(SubjectCategory::Organisation),
        _ => value_with_role(record_type, values, Role::IdNumber).map(|_| SubjectCategory::Person),
    }
}

fn category_of(record_type: &RecordType, values: &[Option<Value>]) -> Option<SubjectCategory> {
    match value_with_role(record_type, values, Role::SubjectCategory) {
        Some(Value::Enum(items)) => items.first().and_then(|label| SubjectCategory::from_label(label)),
        _ => None,
    }
}

/// Rules between items: dates in order, the subject category agreeing with
/// the identifiers given.
fn cross_checks(record_type: &RecordType, values: &[Option<Value>], problems: &mut Vec<Problem>) {
    for (idx, field) in record_type.fields.iter().enumerate() {
        let FieldKind::Date {
            not_before: Some(other),
            ..
        } = field.kind
        else {
            continue;
        };
        if let (Some(Value::Date(date)), Some(Value::Date(earliest))) = (&values[idx], &values[other.0])
            && date < earliest
        {
            let message = format!(
                "{}（{date}）早于{}（{earliest}）",
                field.name,
                record_type.field(other).name
            );
            problems.push(Problem::new(
                record_type,
                FieldIdx(idx),
                ProblemCode::DateOrder,
                message,
            ));
        }
    }
    let Some(category) = category_of(record_type, values) else {
        return;
    };
    let Some(uscc_field) = record_type.field_with_role(Role::SubjectUscc) else {
        return;
    };
    let Some(Value::Uscc(code)) = &values[uscc_field.0] else {
        return;
    };
    let message = match category {
        SubjectCategory::Organisation if code.is_individual_business() => {
            format!("统一社会信用代码“{code}”是个体工商户代码（以92开头），与行政相对人类别“法人及非法人组织”不符")
        }
        SubjectCategory::IndividualBusiness if !code.is_individual_business() => {
            format!("行政相对人类别为“个体工商户”，但统一社会信用代码“{code}”不是个体工商户代码（应以92开头）")
        }
        SubjectCategory::Person => "行政相对人类别为“自然人”，不应填写统一社会信用代码".to_owned(),
        _ => return,
    };
    problems.push(Problem::new(
        record_type,
        uscc_field,
        ProblemCode::CategoryMismatch,
        message,
    ));
}

/// Builds the typed row once every check passed.
fn assemble(record_type: &RecordType, values: Vec<Option<Value>>) -> Result<CheckedRow, Problem> {
    let text_of = |role: Role| match value_with_role(record_type, &values, role) {
        Some(Value::Text(text)) => Some(text.clone()),
        _ => None,
    };
    let missing = |role: Role| {
        let idx = record_type.field_with_role(role).unwrap_or(FieldIdx(0));
        Problem::required(record_type, idx, None)
    };
    let category = category_of(record_type, &values).ok_or_else(|| missing(Role::SubjectCategory))?;
    let name = text_of(Role::SubjectName).ok_or_else(|| missing(Role::SubjectName))?;
    let key = match (category, value_with_role(record_type, &values, Role::SubjectUscc)) {
        (SubjectCategory::Organisation | SubjectCategory::IndividualBusiness, Some(Value::Uscc(code))) => {
            SubjectKey::Uscc(code.clone())
        }
        (SubjectCategory::Organisation | SubjectCategory::IndividualBusiness, _) => {
            return Err(missing(Role::SubjectUscc));
        }
        (SubjectCategory::Person, _) => match value_with_role(record_type, &values, Role::IdNumber) {
            Some(Value::Citizen(id)) => SubjectKey::Citizen(id.clone()),
            Some(Value::Document(number)) => SubjectKey::Document {
                doc_type: match value_with_role(record_type, &values, Role::IdType) {
                    Some(Value::Enum(items)) => items.join("、"),
                    _ => String::new(),
                },
                number: number.clone(),
            },
            _ => return Err(missing(Role::IdNumber)),
        },
    };
    let org_code = match value_with_role(record_type, &values, Role::SubjectOrgCode) {
        Some(Value::OrgCode(code)) => Some(code.clone()),
        _ => None,
    };
    let reg_no = text_of(Role::SubjectRegNo);
    let doc_no = text_of(Role::DocNo).ok_or_else(|| missing(Role::DocNo))?;
    let decision_date = match value_with_role(record_type, &values, Role::DecisionDate) {
        Some(Value::Date(date)) => *date,
        _ => return Err(missing(Role::DecisionDate)),
    };

    let date_at = |idx: FieldIdx| match &values[idx.0] {
        Some(Value::Date(date)) => Some(*date),
        Some(Value::LongTerm) => Some(crate::date::LONG_TERM),
        _ => None,
    };
    let supplied_until = match &record_type.publicity {
        crate::publicity::PublicityPolicy::Classed {
            supplied_until: Some(idx),
            ..
        } => date_at(*idx),
        // The last listed day: the day before removal, or the validity date.
        crate::publicity::PublicityPolicy::Listed => {
            let removed = record_type
                .field_with_role(Role::RemovalDate)
                .and_then(date_at)
                .map(|date| date.pred_opt().unwrap_or(date));
            let expires = record_type.field_with_role(Role::ValidUntil).and_then(date_at);
            removed.into_iter().chain(expires).min()
        }
        _ => None,
    };
    let enum_values = |idx: FieldIdx| canonical_values(record_type, &values, idx);
    let (publicity, out_of_bounds) = record_type.publicity.window(decision_date, enum_values, supplied_until);
    let warnings = out_of_bounds
        .map(|bounds| {
            let field = match &record_type.publicity {
                crate::publicity::PublicityPolicy::Classed {
                    supplied_until: Some(idx),
                    ..
                } => *idx,
                _ => FieldIdx(0),
            };
            let message = format!(
                "公示截止期{}超出“{}”类信息的公示期限（{}至{}），已按{}处理",
                bounds.supplied,
                bounds.severity.label(),
                bounds.earliest,
                bounds.latest,
                bounds.latest
            );
            Problem::new(record_type, field, ProblemCode::PublicityOutOfBounds, message)
        })
        .into_iter()
        .collect();
    let values = values
        .into_iter()
        .enumerate()
        .filter_map(|(idx, value)| Some((FieldIdx(idx), value?)))
        .collect();
    Ok(CheckedRow {
        subject: SubjectClaim {
            category,
            name,
            key,
            org_code,
            reg_no,
        },
        doc_no,
        decision_date,
        values,
        publicity,
        warnings,
    })
}

/// The canonical values of an enumerated item (empty if absent or not an enumeration).
fn canonical_values<'v>(record_type: &'v RecordType, values: &'v [Option<Value>], idx: FieldIdx) -> Vec<&'v str> {
    match (&values[idx.0], &record_type.field(idx).kind) {
        (Some(Value::Enum(items)), FieldKind::Enum(spec)) => items.iter().map(|v| value::canonical(spec, v)).collect(),
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests;
