//! Reading the three measure files and checking them against each other and
//! the record catalogue, so that a typo cannot silently disable a rule.

use std::collections::{HashMap, HashSet};

use serde::Deserialize;
use sm3::{Digest, Sm3};

use super::book::{Matter, Measure, MeasureBook, MeasureKind, Rule, Trigger};
use crate::catalog::FieldKind;
use crate::publicity::{PublicityPolicy, Severity};
use crate::{RecordType, SubjectCategory};

/// The texts of `measures.toml`, `matters.toml` and `rules.toml`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BookFiles {
    /// 措施清单.
    pub measures: String,
    /// 事项清单.
    pub matters: String,
    /// 规则表.
    pub rules: String,
}

/// Why the measure files cannot be used; the message names the file and
/// the entry so that the credit office can fix it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BookError {
    /// Not valid TOML, or an entry of the wrong shape.
    #[error("{file}格式错误：{message}")]
    Syntax {
        /// Which file.
        file: &'static str,
        /// The parser's message.
        message: String,
    },
    /// An entry that cannot be accepted as written.
    #[error("{file}中“{code}”：{message}")]
    Invalid {
        /// Which file.
        file: &'static str,
        /// The entry's code.
        code: String,
        /// What is wrong.
        message: String,
    },
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MeasuresFile {
    measures: Vec<MeasureSpec>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MeasureSpec {
    code: String,
    name: String,
    kind: String,
    category: String,
    #[serde(default)]
    basis: String,
    #[serde(default)]
    departments: Vec<String>,
    mandatory: bool,
    #[serde(default = "yes")]
    active: bool,
}

fn yes() -> bool {
    true
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MattersFile {
    matters: Vec<MatterSpec>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MatterSpec {
    code: String,
    name: String,
    group: String,
    purpose: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RulesFile {
    rules: Vec<RuleSpec>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleSpec {
    code: String,
    name: String,
    matters: Vec<String>,
    #[serde(default)]
    subjects: Vec<String>,
    when: TriggerSpec,
    #[serde(default)]
    unless: Vec<String>,
    measures: Vec<String>,
    #[serde(default)]
    basis: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TriggerSpec {
    record_type: String,
    #[serde(default)]
    severity: Vec<String>,
    within_months: Option<u32>,
    field: Option<String>,
    any_of: Option<Vec<String>>,
    amount: Option<AmountSpec>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AmountSpec {
    field: String,
    at_least: f64,
}

const MEASURES: &str = "措施清单（measures.toml）";
const MATTERS: &str = "事项清单（matters.toml）";
const RULES: &str = "规则表（rules.toml）";

fn invalid(file: &'static str, code: &str, message: impl Into<String>) -> BookError {
    BookError::Invalid {
        file,
        code: code.to_owned(),
        message: message.into(),
    }
}

fn syntax(file: &'static str) -> impl FnOnce(toml::de::Error) -> BookError {
    move |error| BookError::Syntax {
        file,
        message: error.to_string(),
    }
}

fn unique<'a>(file: &'static str, codes: impl Iterator<Item = &'a str>) -> Result<(), BookError> {
    let mut seen = HashSet::new();
    for code in codes {
        if code.trim().is_empty() {
            return Err(invalid(file, code, "代码不能为空"));
        }
        if !seen.insert(code) {
            return Err(invalid(file, code, "代码重复"));
        }
    }
    Ok(())
}

impl MeasureBook {
    /// Parses and checks the three files against each other and the record
    /// types of the catalogue.
    pub fn compile(files: &BookFiles, catalogue: &[&RecordType]) -> Result<Self, BookError> {
        let measures = parse_measures(&files.measures)?;
        let matters: MattersFile = toml::from_str(&files.matters).map_err(syntax(MATTERS))?;
        let matters: Vec<Matter> = matters
            .matters
            .into_iter()
            .map(|m| Matter {
                code: m.code,
                name: m.name,
                group: m.group,
                purpose: m.purpose,
            })
            .collect();
        unique(MATTERS, matters.iter().map(|m| m.code.as_str()))?;
        if matters.iter().any(|m| m.code == "*") {
            return Err(invalid(MATTERS, "*", "“*”表示全部事项，不能用作事项代码"));
        }
        let rules: RulesFile = toml::from_str(&files.rules).map_err(syntax(RULES))?;
        unique(RULES, rules.rules.iter().map(|r| r.code.as_str()))?;
        let rules = rules
            .rules
            .into_iter()
            .map(|spec| convert_rule(spec, &measures, &matters, catalogue))
            .collect::<Result<Vec<_>, _>>()?;

        let mut by_matter: HashMap<String, Vec<usize>> = matters.iter().map(|m| (m.code.clone(), Vec::new())).collect();
        for (idx, rule) in rules.iter().enumerate() {
            for (matter, list) in &mut by_matter {
                if rule.matters.is_empty() || rule.matters.contains(matter) {
                    list.push(idx);
                }
            }
        }
        let mut hasher = Sm3::new();
        for text in [&files.measures, &files.matters, &files.rules] {
            // Length-prefixed, so that moving text between files changes the digest.
            hasher.update((text.len() as u64).to_be_bytes());
            hasher.update(text.as_bytes());
        }
        let digest = hasher.finalize().iter().map(|b| format!("{b:02x}")).collect();
        let mut items: Vec<String> = rules.iter().flat_map(|rule| rule.when.items()).cloned().collect();
        items.sort();
        items.dedup();
        Ok(Self {
            measures,
            matters,
            rules,
            by_matter,
            digest,
            items,
        })
    }
}

fn parse_measures(text: &str) -> Result<Vec<Measure>, BookError> {
    let file: MeasuresFile = toml::from_str(text).map_err(syntax(MEASURES))?;
    unique(MEASURES, file.measures.iter().map(|m| m.code.as_str()))?;
    file.measures
        .into_iter()
        .map(|spec| {
            let kind = MeasureKind::from_label(&spec.kind).ok_or_else(|| {
                invalid(
                    MEASURES,
                    &spec.code,
                    format!("类型“{}”无效（应为约束或激励）", spec.kind),
                )
            })?;
            // 全国失信惩戒措施基础清单: no measure without a basis in law,
            // regulation or a central policy document.
            if spec.active && spec.basis.trim().is_empty() {
                return Err(invalid(MEASURES, &spec.code, "没有设定依据的措施不能启用"));
            }
            Ok(Measure {
                code: spec.code,
                name: spec.name,
                kind,
                category: spec.category,
                basis: spec.basis,
                departments: spec.departments,
                mandatory: spec.mandatory,
                active: spec.active,
            })
        })
        .collect()
}

fn convert_rule(
    spec: RuleSpec,
    measures: &[Measure],
    matters: &[Matter],
    catalogue: &[&RecordType],
) -> Result<Rule, BookError> {
    let code = spec.code.as_str();
    if spec.basis.trim().is_empty() {
        return Err(invalid(RULES, code, "规则须写明依据"));
    }
    if spec.measures.is_empty() {
        return Err(invalid(RULES, code, "规则未列出任何措施"));
    }
    for (idx, measure) in spec.measures.iter().enumerate() {
        if spec.measures[..idx].contains(measure) {
            return Err(invalid(RULES, code, format!("措施“{measure}”重复列出")));
        }
        if !measures.iter().any(|m| &m.code == measure) {
            return Err(invalid(RULES, code, format!("措施“{measure}”不在措施清单中")));
        }
    }
    let every_matter = spec.matters.iter().any(|m| m == "*");
    if every_matter && spec.matters.len() > 1 {
        return Err(invalid(RULES, code, "“*”（全部事项）不能与具体事项同时列出"));
    }
    if spec.matters.is_empty() {
        return Err(invalid(RULES, code, "规则未列出适用事项（全部事项写“*”）"));
    }
    for matter in spec.matters.iter().filter(|m| *m != "*") {
        if !matters.iter().any(|m| &m.code == matter) {
            return Err(invalid(RULES, code, format!("事项“{matter}”不在事项清单中")));
        }
    }
    let subjects = spec
        .subjects
        .iter()
        .map(|label| {
            SubjectCategory::from_label(label).ok_or_else(|| invalid(RULES, code, format!("主体类别“{label}”无效")))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let record_type = |type_code: &str| {
        catalogue
            .iter()
            .find(|t| t.code == type_code)
            .ok_or_else(|| invalid(RULES, code, format!("信息类别“{type_code}”不在目录中")))
    };
    for other in &spec.unless {
        record_type(other)?;
    }
    let when = spec.when;
    let trigger_type = record_type(&when.record_type)?;
    let severities = when
        .severity
        .iter()
        .map(|label| Severity::from_label(label).ok_or_else(|| invalid(RULES, code, format!("公示等级“{label}”无效"))))
        .collect::<Result<Vec<_>, _>>()?;
    if !severities.is_empty() && !matches!(trigger_type.publicity, PublicityPolicy::Classed { .. }) {
        return Err(invalid(RULES, code, format!("“{}”不分公示等级", trigger_type.name)));
    }
    match when.within_months {
        Some(0) => return Err(invalid(RULES, code, "within_months 须大于0")),
        // A look-back counts from the decision whatever happened since: on a
        // list it would keep triggering after the entry's removal.
        Some(_) if matches!(trigger_type.publicity, PublicityPolicy::Listed) => {
            return Err(invalid(
                RULES,
                code,
                format!("“{}”以列入期间为准，不能设 within_months", trigger_type.name),
            ));
        }
        _ => {}
    }
    let amount_at_least = match when.amount {
        None => None,
        Some(amount) => {
            let idx = trigger_type.field_by_key(&amount.field).ok_or_else(|| {
                invalid(
                    RULES,
                    code,
                    format!("“{}”没有数据项“{}”", trigger_type.name, amount.field),
                )
            })?;
            if !matches!(trigger_type.field(idx).kind, FieldKind::AmountWan)
                || !amount.at_least.is_finite()
                || amount.at_least < 0.0
            {
                return Err(invalid(
                    RULES,
                    code,
                    format!("“{}”不是金额（万元）数据项，或下限无效", amount.field),
                ));
            }
            Some((amount.field, amount.at_least))
        }
    };
    let values = match (when.field, when.any_of) {
        (None, None) => None,
        (Some(key), Some(values)) => {
            let idx = trigger_type
                .field_by_key(&key)
                .ok_or_else(|| invalid(RULES, code, format!("“{}”没有数据项“{key}”", trigger_type.name)))?;
            if let FieldKind::Enum(spec) = &trigger_type.field(idx).kind
                && let Some(value) = values
                    .iter()
                    .find(|v| !spec.values.contains(v) && !spec.legacy_values.contains(v))
            {
                return Err(invalid(RULES, code, format!("“{value}”不是数据项“{key}”的取值")));
            }
            Some((key, values))
        }
        _ => return Err(invalid(RULES, code, "field 与 any_of 须同时给出")),
    };
    Ok(Rule {
        code: spec.code,
        name: spec.name,
        matters: if every_matter { Vec::new() } else { spec.matters },
        subjects,
        when: Trigger {
            record_type: when.record_type,
            severities,
            within_months: when.within_months,
            values,
            amount_at_least,
        },
        unless: spec.unless,
        measures: spec.measures,
        basis: spec.basis,
    })
}
