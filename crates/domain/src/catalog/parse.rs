//! Reading a record type from its TOML file and checking that the file is
//! coherent (every reference resolves, no header means two things, every
//! role the platform needs is present).

use std::collections::BTreeMap;

use serde::Deserialize;

use super::{
    Condition, ConditionTest, Disclosure, EnumSpec, Field, FieldIdx, FieldKind, Fill, Generation, Nature, RecordType,
    Requirement, Role,
};
use crate::publicity::{ClassRule, ClassSpec, PublicityPolicy, Severity};

/// Why a catalogue file cannot be used. The message names the file's own
/// terms so that the office can fix it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CatalogError {
    /// Not valid TOML, or an item of the wrong shape.
    #[error("目录文件格式错误：{0}")]
    Syntax(String),
    /// A value that the catalogue does not know (type, disclosure, role …).
    #[error("数据项“{field}”的{attribute}“{value}”无效")]
    UnknownValue {
        /// The field's key (or the record type's code).
        field: String,
        /// Which attribute.
        attribute: &'static str,
        /// The value found.
        value: String,
    },
    /// A reference to a field key that does not exist.
    #[error("数据项“{field}”引用了不存在的数据项“{target}”")]
    UnknownField {
        /// Where the reference is.
        field: String,
        /// The key referenced.
        target: String,
    },
    /// A condition names a value that the tested enumeration does not have.
    #[error("数据项“{field}”的条件值“{value}”不在“{target}”的取值范围内")]
    UnknownConditionValue {
        /// Where the condition is.
        field: String,
        /// The enumeration tested.
        target: String,
        /// The value that is not one of its values.
        value: String,
    },
    /// Two fields share a key, a role, or a header within one generation.
    #[error("{what}“{value}”重复")]
    Duplicate {
        /// What is duplicated (数据项代码, 角色, 表头).
        what: &'static str,
        /// The duplicated value.
        value: String,
    },
    /// A role the platform needs has no field.
    #[error("缺少承担“{0}”角色的数据项")]
    MissingRole(&'static str),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileSpec {
    code: String,
    name: String,
    nature: String,
    disclosure: String,
    basis: String,
    reserved_doc_no_prefix: Option<String>,
    publicity: PublicitySpec,
    fields: Vec<FieldSpec>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PublicitySpec {
    kind: String,
    supplied_until: Option<String>,
    default_class: Option<String>,
    #[serde(default)]
    classes: Vec<ClassSpecToml>,
    #[serde(default)]
    rules: Vec<RuleSpec>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ClassSpecToml {
    class: String,
    published: bool,
    min_months: u32,
    max_months: u32,
    basis: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleSpec {
    class: String,
    when: ConditionSpec,
    basis: String,
    #[serde(default = "repairable_by_default")]
    repairable: bool,
}

fn repairable_by_default() -> bool {
    true
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ConditionSpec {
    field: String,
    any_of: Option<Vec<String>>,
    only: Option<Vec<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FieldSpec {
    key: String,
    name: String,
    #[serde(rename = "type")]
    kind: String,
    max_len: Option<usize>,
    #[serde(default)]
    required: bool,
    required_when: Option<ConditionSpec>,
    required_gen1: Option<bool>,
    disclosure: String,
    role: Option<String>,
    #[serde(default)]
    personal: bool,
    #[serde(default)]
    provenance: bool,
    fill: Option<String>,
    gen1_default: Option<String>,
    #[serde(default)]
    headers: Vec<String>,
    #[serde(default)]
    gen1: Vec<String>,
    #[serde(default)]
    aliases: Vec<String>,
    #[serde(default)]
    values: Vec<String>,
    #[serde(default)]
    legacy_values: Vec<String>,
    #[serde(default)]
    synonyms: BTreeMap<String, String>,
    #[serde(default)]
    detail_required: Vec<String>,
    #[serde(default)]
    multiple: bool,
    #[serde(default)]
    long_term: bool,
    not_before: Option<String>,
    #[serde(default)]
    not_future: bool,
    id_type_field: Option<String>,
    help: Option<String>,
}

/// Roles every record type needs for subject resolution and the natural key.
/// (`id_number` too, unless the type's subjects cannot be natural persons.)
const NEEDED_ROLES: [(Role, &str); 5] = [
    (Role::SubjectName, "subject_name"),
    (Role::SubjectCategory, "subject_category"),
    (Role::SubjectUscc, "subject_uscc"),
    (Role::DocNo, "doc_no"),
    (Role::DecisionDate, "decision_date"),
];

impl RecordType {
    /// Parses and checks one catalogue file.
    pub fn from_toml(source: &str) -> Result<Self, CatalogError> {
        let spec: FileSpec = toml::from_str(source).map_err(|e| CatalogError::Syntax(e.to_string()))?;
        let keys: Vec<&str> = spec.fields.iter().map(|f| f.key.as_str()).collect();
        let resolve = |from: &str, target: &str| -> Result<FieldIdx, CatalogError> {
            keys.iter()
                .position(|k| *k == target)
                .map(FieldIdx)
                .ok_or_else(|| CatalogError::UnknownField {
                    field: from.to_owned(),
                    target: target.to_owned(),
                })
        };
        for (idx, key) in keys.iter().enumerate() {
            if keys[..idx].contains(key) {
                return Err(CatalogError::Duplicate {
                    what: "数据项代码",
                    value: (*key).to_owned(),
                });
            }
        }

        let mut fields = Vec::with_capacity(spec.fields.len());
        for field in &spec.fields {
            fields.push(convert_field(field, &resolve)?);
        }
        let nature = match spec.nature.as_str() {
            "守信" => Nature::Trustworthy,
            "失信" => Nature::Untrustworthy,
            "中性" => Nature::Neutral,
            other => return Err(unknown(&spec.code, "性质", other)),
        };
        let disclosure = Disclosure::from_label(&spec.disclosure)
            .ok_or_else(|| unknown(&spec.code, "公开属性", &spec.disclosure))?;
        let mut record_type = RecordType {
            code: spec.code.clone(),
            name: spec.name,
            nature,
            disclosure,
            basis: spec.basis,
            reserved_doc_no_prefix: spec.reserved_doc_no_prefix.filter(|p| !p.trim().is_empty()),
            fields,
            publicity: PublicityPolicy::Permanent,
        };
        record_type.publicity = convert_publicity(&spec.code, &spec.publicity, &resolve)?;
        check_coherence(&record_type)?;
        Ok(record_type)
    }
}

fn unknown(field: &str, attribute: &'static str, value: &str) -> CatalogError {
    CatalogError::UnknownValue {
        field: field.to_owned(),
        attribute,
        value: value.to_owned(),
    }
}

fn convert_condition(
    from: &str,
    spec: &ConditionSpec,
    resolve: &impl Fn(&str, &str) -> Result<FieldIdx, CatalogError>,
) -> Result<Condition, CatalogError> {
    let field = resolve(from, &spec.field)?;
    let test = match (&spec.any_of, &spec.only) {
        (Some(list), None) => ConditionTest::AnyOf(list.clone()),
        (None, Some(list)) => ConditionTest::Only(list.clone()),
        _ => {
            return Err(unknown(from, "条件（须且仅须给出 any_of 或 only）", &spec.field));
        }
    };
    Ok(Condition { field, test })
}

fn convert_field(
    spec: &FieldSpec,
    resolve: &impl Fn(&str, &str) -> Result<FieldIdx, CatalogError>,
) -> Result<Field, CatalogError> {
    let key = spec.key.as_str();
    let max_len = spec.max_len.unwrap_or(4000);
    let kind = match spec.kind.as_str() {
        "text" => FieldKind::Text { max_len },
        "date" => FieldKind::Date {
            long_term: spec.long_term,
            not_before: spec
                .not_before
                .as_deref()
                .map(|target| resolve(key, target))
                .transpose()?,
            not_future: spec.not_future,
        },
        "amount_wan" => FieldKind::AmountWan,
        "enum" => FieldKind::Enum(EnumSpec {
            values: spec.values.clone(),
            legacy_values: spec.legacy_values.clone(),
            synonyms: spec
                .synonyms
                .iter()
                .map(|(from, to)| (crate::id::normalize(from), to.clone()))
                .collect(),
            detail_required: spec.detail_required.clone(),
            multiple: spec.multiple,
        }),
        "uscc" => FieldKind::Uscc,
        "org_code" => FieldKind::OrgCode,
        "id_number" => FieldKind::IdNumber {
            id_type_field: spec
                .id_type_field
                .as_deref()
                .map(|target| resolve(key, target))
                .transpose()?,
            max_len,
        },
        other => return Err(unknown(key, "类型", other)),
    };
    let required = match (&spec.required_when, spec.required) {
        (Some(_), true) => {
            return Err(unknown(key, "必填规则（required 与 required_when 只能取其一）", "true"));
        }
        (Some(condition), false) => Requirement::When(convert_condition(key, condition, resolve)?),
        (None, true) => Requirement::Always,
        (None, false) => Requirement::Optional,
    };
    let required_gen1 = spec
        .required_gen1
        .map(|r| if r { Requirement::Always } else { Requirement::Optional });
    let fill = match (spec.fill.as_deref(), &spec.gen1_default) {
        (Some("batch_source"), None) => Some(Fill::BatchSource),
        (Some(other), _) => return Err(unknown(key, "fill", other)),
        (None, Some(value)) => Some(Fill::Gen1Constant(value.clone())),
        (None, None) => None,
    };
    Ok(Field {
        key: spec.key.clone(),
        name: spec.name.clone(),
        kind,
        required,
        required_gen1,
        disclosure: Disclosure::from_label(&spec.disclosure)
            .ok_or_else(|| unknown(key, "公开属性", &spec.disclosure))?,
        role: spec
            .role
            .as_deref()
            .map(|r| Role::from_name(r).ok_or_else(|| unknown(key, "角色", r)))
            .transpose()?,
        personal: spec.personal,
        provenance: spec.provenance,
        fill,
        gen2_headers: spec.headers.clone(),
        gen1_headers: spec.gen1.clone(),
        aliases: spec.aliases.clone(),
        help: spec.help.clone(),
    })
}

fn convert_publicity(
    code: &str,
    spec: &PublicitySpec,
    resolve: &impl Fn(&str, &str) -> Result<FieldIdx, CatalogError>,
) -> Result<PublicityPolicy, CatalogError> {
    let severity = |label: &str| Severity::from_label(label).ok_or_else(|| unknown(code, "公示等级", label));
    match spec.kind.as_str() {
        "permanent" => Ok(PublicityPolicy::Permanent),
        "listed" => Ok(PublicityPolicy::Listed),
        "classed" => {
            let classes = spec
                .classes
                .iter()
                .map(|c| {
                    Ok(ClassSpec {
                        severity: severity(&c.class)?,
                        published: c.published,
                        min_months: c.min_months,
                        max_months: c.max_months,
                        basis: c.basis.clone(),
                    })
                })
                .collect::<Result<Vec<_>, CatalogError>>()?;
            let rules = spec
                .rules
                .iter()
                .map(|r| {
                    Ok(ClassRule {
                        severity: severity(&r.class)?,
                        when: convert_condition(code, &r.when, resolve)?,
                        basis: r.basis.clone(),
                        repairable: r.repairable,
                    })
                })
                .collect::<Result<Vec<_>, CatalogError>>()?;
            let default_class = severity(spec.default_class.as_deref().unwrap_or("一般"))?;
            for needed in rules.iter().map(|r| r.severity).chain([default_class]) {
                if !classes.iter().any(|c| c.severity == needed) {
                    return Err(unknown(code, "公示等级（未定义期限）", needed.label()));
                }
            }
            Ok(PublicityPolicy::Classed {
                classes,
                rules,
                default_class,
                supplied_until: spec.supplied_until.as_deref().map(|t| resolve(code, t)).transpose()?,
            })
        }
        other => Err(unknown(code, "公示规则", other)),
    }
}

fn check_coherence(record_type: &RecordType) -> Result<(), CatalogError> {
    for (role, name) in NEEDED_ROLES {
        if record_type.field_with_role(role).is_none() {
            return Err(CatalogError::MissingRole(name));
        }
    }
    let admits_persons =
        record_type
            .field_with_role(Role::SubjectCategory)
            .is_some_and(|idx| match &record_type.field(idx).kind {
                FieldKind::Enum(spec) => spec.values.iter().any(|v| v == "自然人"),
                _ => true,
            });
    if admits_persons && record_type.field_with_role(Role::IdNumber).is_none() {
        return Err(CatalogError::MissingRole("id_number"));
    }
    // A list entry ends by removal or by expiry; without either it would
    // stand for ever. The two roles mean nothing to other record types.
    let end_roles = [Role::RemovalDate, Role::ValidUntil];
    let has_end = end_roles
        .iter()
        .any(|role| record_type.field_with_role(*role).is_some());
    match (&record_type.publicity, has_end) {
        (PublicityPolicy::Listed, false) => return Err(CatalogError::MissingRole("removal_date")),
        (PublicityPolicy::Listed, true) => {}
        (_, true) => {
            return Err(unknown(
                &record_type.code,
                "公示规则（removal_date、valid_until 仅用于名单）",
                "listed",
            ));
        }
        (_, false) => {}
    }
    for role in end_roles {
        if let Some(idx) = record_type.field_with_role(role)
            && !matches!(record_type.field(idx).kind, FieldKind::Date { .. })
        {
            return Err(unknown(
                &record_type.field(idx).key,
                "类型（名单的移出日期、有效期须为日期）",
                "text",
            ));
        }
    }
    let mut roles = Vec::new();
    for field in &record_type.fields {
        if let Some(role) = field.role {
            if roles.contains(&role) {
                return Err(CatalogError::Duplicate {
                    what: "角色",
                    value: format!("{role:?}"),
                });
            }
            roles.push(role);
        }
    }
    // Every value a condition tests must be a value of the tested enumeration,
    // so that a typo in the file cannot silently disable a rule.
    let conditions = record_type
        .fields
        .iter()
        .filter_map(|f| match &f.required {
            Requirement::When(condition) => Some((f.key.as_str(), condition)),
            _ => None,
        })
        .chain(match &record_type.publicity {
            PublicityPolicy::Classed { rules, .. } => rules
                .iter()
                .map(|r| (record_type.code.as_str(), &r.when))
                .collect::<Vec<_>>(),
            PublicityPolicy::Permanent | PublicityPolicy::Listed => Vec::new(),
        });
    for (from, condition) in conditions {
        let target = record_type.field(condition.field);
        let FieldKind::Enum(values) = &target.kind else {
            return Err(unknown(from, "条件（只能检验枚举型数据项）", &target.key));
        };
        let list = match &condition.test {
            ConditionTest::AnyOf(list) | ConditionTest::Only(list) => list,
        };
        if let Some(value) = list
            .iter()
            .find(|v| !values.values.contains(v) && !values.legacy_values.contains(v))
        {
            return Err(CatalogError::UnknownConditionValue {
                field: from.to_owned(),
                target: target.key.clone(),
                value: value.clone(),
            });
        }
    }
    super::headers::check_unambiguous(record_type, Generation::Gen1)?;
    super::headers::check_unambiguous(record_type, Generation::Gen2)
}

#[cfg(test)]
mod tests {
    use rstest::rstest;

    use super::CatalogError;
    use crate::RecordType;

    const MINIMAL: &str = r#"
code = "t"
name = "测试"
nature = "中性"
disclosure = "公开"
basis = "测试"
[publicity]
kind = "permanent"
[[fields]]
key = "MC"
name = "名称"
type = "text"
required = true
disclosure = "公开"
role = "subject_name"
[[fields]]
key = "LB"
name = "类别"
type = "enum"
values = ["法人及非法人组织", "自然人", "个体工商户"]
disclosure = "公开"
role = "subject_category"
[[fields]]
key = "DM"
name = "代码"
type = "uscc"
required_when = { field = "LB", any_of = ["法人及非法人组织"] }
disclosure = "公开"
role = "subject_uscc"
[[fields]]
key = "HM"
name = "号码"
type = "id_number"
disclosure = "公开"
role = "id_number"
[[fields]]
key = "WH"
name = "文号"
type = "text"
disclosure = "公开"
role = "doc_no"
[[fields]]
key = "RQ"
name = "日期"
type = "date"
disclosure = "公开"
role = "decision_date"
"#;

    #[test]
    fn a_minimal_file_loads() {
        assert_eq!(RecordType::from_toml(MINIMAL).unwrap().fields.len(), 6);
    }

    #[rstest]
    #[case("type = \"text\"\nrequired = true", "type = \"txt\"\nrequired = true", "类型")]
    #[case(
        "disclosure = \"公开\"\nrole = \"doc_no\"",
        "disclosure = \"半公开\"\nrole = \"doc_no\"",
        "公开属性"
    )]
    #[case("any_of = [\"法人及非法人组织\"]", "any_of = [\"法人\"]", "条件值“法人”")]
    #[case("field = \"LB\"", "field = \"XX\"", "不存在的数据项“XX”")]
    #[case("role = \"decision_date\"", "role = \"doc_no\"", "角色")]
    #[case("key = \"RQ\"", "key = \"WH\"", "数据项代码“WH”重复")]
    #[case("name = \"日期\"", "name = \"文号\"", "表头“文号”重复")]
    #[case("nature = \"中性\"", "nature = \"好\"", "性质")]
    #[case("kind = \"permanent\"", "kind = \"forever\"", "公示规则")]
    #[case("code = \"t\"", "", "目录文件格式错误")]
    fn incoherent_files_are_refused_with_their_own_terms(#[case] from: &str, #[case] to: &str, #[case] expected: &str) {
        let source = MINIMAL.replacen(from, to, 1);
        assert_ne!(source, MINIMAL, "the case must change the file");
        let error: CatalogError = RecordType::from_toml(&source).unwrap_err();
        assert!(error.to_string().contains(expected), "{error}");
    }
}
