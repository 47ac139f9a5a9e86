//! Rows of 行政处罚 and 行政许可 as departments deliver them, in either
//! generation of the item set, with the mistakes departments make.

use std::collections::HashMap;
use std::sync::LazyLock;

use chrono::{Datelike, Days, NaiveDate};

use crate::subjects::{Kind, Subject, subject, uscc};
use crate::words::{DEPARTMENTS, LICENCES, SCOPES, STREETS, VIOLATIONS};
use crate::{Layout, RecordKind, Spec};

/// (header, field key) of each column, per record kind and layout.
pub(crate) fn columns(kind: RecordKind, layout: Layout) -> &'static [(&'static str, &'static str)] {
    match (kind, layout) {
        (RecordKind::Penalty, Layout::Gen2) => PENALTY_GEN2,
        (RecordKind::Penalty, Layout::Gen1) => PENALTY_GEN1,
        (RecordKind::Licence, Layout::Gen2) => LICENCE_GEN2,
        (RecordKind::Licence, Layout::Gen1) => LICENCE_GEN1,
    }
}

const PENALTY_GEN2: &[(&str, &str)] = &[
    ("行政相对人名称", "MC"),
    ("行政相对人类别", "LB"),
    ("统一社会信用代码", "SHXYM"),
    ("组织机构代码", "ZZJG"),
    ("法定代表人", "FRDB"),
    ("法定代表人证件类型", "FR_ZJLX"),
    ("法定代表人证件号码", "FR_ZJHM"),
    ("证件类型", "ZJLX"),
    ("证件号码", "ZJHM"),
    ("行政处罚决定书文号", "WSH"),
    ("违法行为类型", "WFXW"),
    ("违法事实", "SY"),
    ("处罚依据", "YJ"),
    ("处罚类别", "CFLB"),
    ("处罚内容", "NR"),
    ("罚款金额(万元)", "FK"),
    ("没收违法所得、没收非法财物的金额(万元)", "WFFF"),
    ("暂扣或吊销证照名称及编号", "ZKDX"),
    ("处罚决定日期", "JDRQ"),
    ("处罚有效期", "YXQ"),
    ("公示截止期", "GSJZQ"),
    ("处罚机关", "JG"),
    ("处罚机关统一社会信用代码", "JGDM"),
    ("数据来源单位", "LY"),
    ("数据来源单位统一社会信用代码", "LYDM"),
    ("备注", "BZ"),
];

const PENALTY_GEN1: &[(&str, &str)] = &[
    ("行政处罚决定书文号", "WSH"),
    ("处罚名称", "WFXW"),
    ("处罚类别1", "CFLB1"),
    ("处罚类别2", "CFLB2"),
    ("处罚事由", "SY"),
    ("处罚依据", "YJ"),
    ("行政相对人名称", "MC"),
    ("行政相对人代码_1(统一社会信用代码)", "SHXYM"),
    ("行政相对人代码_2(组织机构代码)", "ZZJG"),
    ("行政相对人代码_3(工商登记码)", "GSDJ"),
    ("行政相对人代码_4(税务登记号)", "SWDJ"),
    ("行政相对人代码_5(居民身份证号)", "ZJHM"),
    ("法定代表人姓名", "FRDB"),
    ("处罚结果", "NR"),
    ("处罚决定日期", "JDRQ"),
    ("处罚机关", "JG"),
    ("当前状态", "ZT1"),
    ("地方编码", "DFBM"),
    ("数据更新时间戳", "SJC"),
    ("备注", "BZ"),
];

const LICENCE_GEN2: &[(&str, &str)] = &[
    ("行政相对人名称", "MC"),
    ("行政相对人类别", "LB"),
    ("统一社会信用代码", "SHXYM"),
    ("组织机构代码", "ZZJG"),
    ("法定代表人", "FRDB"),
    ("法定代表人证件类型", "FR_ZJLX"),
    ("法定代表人证件号码", "FR_ZJHM"),
    ("证件类型", "ZJLX"),
    ("证件号码", "ZJHM"),
    ("行政许可决定文书名称", "XKWS"),
    ("行政许可决定文书号", "WSH"),
    ("许可类别", "XKLB"),
    ("许可证书名称", "XKZS"),
    ("许可编号", "XKBH"),
    ("许可内容", "NR"),
    ("许可决定日期", "JDRQ"),
    ("有效期自", "YXQZ"),
    ("有效期至", "YXQZI"),
    ("许可机关", "JG"),
    ("许可机关统一社会信用代码", "JGDM"),
    ("当前状态", "ZT"),
    ("数据来源单位", "LY"),
    ("数据来源单位统一社会信用代码", "LYDM"),
    ("备注", "BZ"),
];

const LICENCE_GEN1: &[(&str, &str)] = &[
    ("行政许可决定书文号", "WSH"),
    ("项目名称", "XKWS"),
    ("审批类别", "XKLB"),
    ("许可内容", "NR"),
    ("行政相对人名称", "MC"),
    ("行政相对人代码_1(统一社会信用代码)", "SHXYM"),
    ("行政相对人代码_2(组织机构代码)", "ZZJG"),
    ("行政相对人代码_3(工商登记码)", "GSDJ"),
    ("行政相对人代码_4(税务登记号)", "SWDJ"),
    ("行政相对人代码_5(居民身份证号)", "ZJHM"),
    ("法定代表人姓名", "FRDB"),
    ("许可决定日期", "JDRQ"),
    ("许可截止期", "YXQZI"),
    ("许可机关", "JG"),
    ("当前状态", "ZT1"),
    ("地方编码", "DFBM"),
    ("数据更新时间戳", "SJC"),
    ("备注", "BZ"),
];

/// Indices into a word list, by department.
type ByDepartment = HashMap<&'static str, Vec<usize>>;

/// Violations and licences by department.
static BY_DEPARTMENT: LazyLock<(ByDepartment, ByDepartment)> = LazyLock::new(|| {
    let mut violations = ByDepartment::new();
    for (idx, v) in VIOLATIONS.iter().enumerate() {
        violations.entry(v.department).or_default().push(idx);
    }
    let mut licences = ByDepartment::new();
    for (idx, l) in LICENCES.iter().enumerate() {
        licences.entry(l.department).or_default().push(idx);
    }
    (violations, licences)
});

/// Builds row number `row_idx` (0-based) of a file.
pub(crate) fn row(spec: &Spec, rng: &mut fastrand::Rng, row_idx: u64) -> Vec<String> {
    let pool = spec.subjects.unwrap_or_else(|| (spec.rows / 3).max(10));
    let subject = subject(spec.seed, rng.u64(0..pool), spec.today);
    let mut values = match spec.kind {
        RecordKind::Penalty => penalty(spec, rng, row_idx, &subject),
        RecordKind::Licence => licence(spec, rng, row_idx, &subject),
    };
    if spec.error_rate > 0.0 && rng.f64() < spec.error_rate {
        let n_mistakes = if rng.u32(0..10) == 0 { 2 } else { 1 };
        for _ in 0..n_mistakes {
            mistake(rng, spec, &subject, &mut values);
        }
    }
    columns(spec.kind, spec.layout)
        .iter()
        .map(|(_, key)| values.remove(key).unwrap_or_default())
        .collect()
}

type Values = HashMap<&'static str, String>;

/// The department's code: a 机关 (category 11) registered at city level.
fn department_code(name: &str) -> String {
    uscc("11", "340600", 900_000 + DEPARTMENTS.index_of(name) as u64).0
}

fn format_date(date: NaiveDate, style: usize) -> String {
    match style % 4 {
        0 | 1 => date.format("%Y-%m-%d").to_string(),
        2 => format!("{}/{}/{}", date.year(), date.month(), date.day()),
        _ => date.format("%Y%m%d").to_string(),
    }
}

fn yuan_to_wan(yuan: u32) -> String {
    let text = format!("{:.4}", f64::from(yuan) / 10_000.0);
    text.trim_end_matches('0').trim_end_matches('.').to_owned()
}

/// The subject's columns, common to both record kinds.
fn subject_values(values: &mut Values, rng: &mut fastrand::Rng, subject: &Subject) {
    values.insert("MC", subject.name.clone());
    match subject.kind {
        Kind::Company | Kind::Shop => {
            let category = if subject.kind == Kind::Company {
                "法人及非法人组织"
            } else {
                "个体工商户"
            };
            values.insert("LB", category.into());
            values.insert("SHXYM", subject.code.clone());
            values.insert("FRDB", subject.legal_rep.clone());
            if rng.u32(0..10) < 3 {
                values.insert("ZZJG", subject.org_code.clone());
            }
            if rng.u32(0..10) < 4 {
                values.insert("FR_ZJLX", "身份证".into());
                values.insert("FR_ZJHM", subject.legal_rep_id.clone());
            }
        }
        Kind::Person => {
            values.insert("LB", "自然人".into());
            values.insert("ZJLX", "身份证".into());
            values.insert("ZJHM", subject.code.clone());
        }
    }
}

fn department(rng: &mut fastrand::Rng, penalties: bool) -> &'static str {
    let issuing = DEPARTMENTS.issuing(penalties);
    issuing.pick(rng).name
}

fn common_values(values: &mut Values, rng: &mut fastrand::Rng, spec: &Spec, short: &str) -> NaiveDate {
    let full = format!("淮北市{short}");
    let code = department_code(short);
    values.insert("JG", full.clone());
    values.insert("JGDM", code.clone());
    values.insert("LY", full);
    values.insert("LYDM", code);
    values.insert("DFBM", "340600".into());
    let decided = spec.today - Days::new(rng.u64(1..1000));
    values.insert("SJC", format!("{} 10:{:02}:00", decided + Days::new(3), rng.u32(0..60)));
    decided
}

fn penalty(spec: &Spec, rng: &mut fastrand::Rng, row_idx: u64, subject: &Subject) -> Values {
    let mut values = Values::new();
    subject_values(&mut values, rng, subject);
    let short = department(rng, true);
    let style = DEPARTMENTS.index_of(short);
    let decided = common_values(&mut values, rng, spec, short);
    let (by_department, _) = &*BY_DEPARTMENT;
    let candidates = by_department.get(short).map_or(&[][..], Vec::as_slice);
    let violation = match candidates {
        [] => &VIOLATIONS[rng.usize(..VIOLATIONS.len())],
        list => &VIOLATIONS[list[rng.usize(..list.len())]],
    };
    let abbreviation: String = short.chars().take(2).collect();
    values.insert(
        "WSH",
        format!("淮{abbreviation}罚〔{}〕{}号", decided.year(), row_idx + 1),
    );
    values.insert("WFXW", violation.kind.into());
    let place = format!("淮北市{}{}号", STREETS[rng.usize(..STREETS.len())], rng.u32(1..300));
    let facts = violation
        .facts
        .replace("{name}", &subject.name)
        .replace(
            "{date}",
            &format!("{}年{}月{}日", decided.year(), decided.month(), decided.day()),
        )
        .replace("{place}", &place);
    values.insert("SY", facts);
    values.insert("YJ", violation.basis.into());
    values.insert("CFLB", violation.penalties.into());
    let kinds: Vec<&str> = violation.penalties.split('、').collect();
    values.insert("CFLB1", kinds[0].into());
    values.insert("CFLB2", kinds.get(1).copied().unwrap_or_default().into());
    let mut content = Vec::new();
    if kinds.contains(&"警告") {
        content.push("警告".to_owned());
    }
    if kinds.iter().any(|k| k.starts_with("没收")) {
        let confiscated = rng.u32(5..200) * 100;
        values.insert("WFFF", yuan_to_wan(confiscated));
        content.push(format!("没收违法所得{confiscated}元"));
    }
    if kinds.contains(&"罚款") {
        let (low, high) = (
            violation.min_fine.max(100),
            violation.max_fine.max(violation.min_fine.max(100)),
        );
        let fine = (rng.u32(low..=high) / 100).max(1) * 100;
        values.insert("FK", yuan_to_wan(fine));
        content.push(format!("罚款{fine}元"));
    }
    if kinds.iter().any(|k| k.contains("许可证件") || k.contains("执照")) {
        values.insert(
            "ZKDX",
            format!("相关许可证（编号：JY{:014}）", rng.u64(0..100_000_000_000_000)),
        );
        content.push("吊销相关许可证件".into());
    }
    for other in kinds
        .iter()
        .filter(|k| ["责令停产停业", "责令关闭", "限制从业", "行政拘留", "通报批评"].contains(k))
    {
        content.push((*other).to_owned());
    }
    values.insert("NR", content.join("，"));
    values.insert("JDRQ", format_date(decided, style));
    values.insert("YXQ", format_date(decided + Days::new(365), style));
    if rng.u32(0..10) < 3 {
        values.insert("GSJZQ", format_date(decided + Days::new(365), style));
    }
    values.insert("ZT1", "0".into());
    values
}

fn licence(spec: &Spec, rng: &mut fastrand::Rng, row_idx: u64, subject: &Subject) -> Values {
    let mut values = Values::new();
    subject_values(&mut values, rng, subject);
    let short = department(rng, false);
    let style = DEPARTMENTS.index_of(short);
    let decided = common_values(&mut values, rng, spec, short);
    let (_, by_department) = &*BY_DEPARTMENT;
    let candidates = by_department.get(short).map_or(&[][..], Vec::as_slice);
    let licence = match candidates {
        [] => &LICENCES[rng.usize(..LICENCES.len())],
        list => &LICENCES[list[rng.usize(..list.len())]],
    };
    let abbreviation: String = short.chars().take(2).collect();
    values.insert(
        "XKWS",
        format!("关于{}{}的行政许可决定", subject.name, licence.certificate),
    );
    values.insert(
        "WSH",
        format!("淮{abbreviation}许字〔{}〕{}号", decided.year(), row_idx + 1),
    );
    values.insert("XKLB", licence.category.into());
    values.insert("XKZS", licence.certificate.into());
    values.insert("XKBH", format!("JY3340600{:08}", row_idx + 1));
    let content = licence
        .content
        .replace("{name}", &subject.name)
        .replace("{scope}", SCOPES[rng.usize(..SCOPES.len())]);
    values.insert("NR", content);
    values.insert("JDRQ", format_date(decided, style));
    values.insert("YXQZ", format_date(decided, style));
    let until = if rng.u32(0..5) == 0 {
        "2099/12/31".to_owned()
    } else {
        format_date(decided.with_year(decided.year() + 5).unwrap_or(decided), style)
    };
    values.insert("YXQZI", until);
    values.insert("ZT", "有效".into());
    values.insert("ZT1", "0".into());
    values
}

/// One mistake of the kinds departments make.
fn mistake(rng: &mut fastrand::Rng, spec: &Spec, subject: &Subject, values: &mut Values) {
    match rng.u32(0..9) {
        0 => {
            // A mistyped check character.
            let key = if subject.kind == Kind::Person { "ZJHM" } else { "SHXYM" };
            if let Some(code) = values.get_mut(key) {
                let last = code.pop().unwrap_or('0');
                code.push(if last == '1' { '2' } else { '1' });
            }
        }
        1 => {
            values.remove("WSH");
        }
        2 => {
            values.insert(
                "JDRQ",
                ["2024-02-30", "2023年13月1日", "2024-1-"][rng.usize(..3)].into(),
            );
        }
        3 if spec.kind == RecordKind::Penalty && values.contains_key("FK") => {
            values.insert("FK", "2000元".into());
        }
        4 if subject.kind == Kind::Company => {
            values.insert("LB", "个体工商户".into());
        }
        5 if spec.kind == RecordKind::Penalty => {
            values.insert("CFLB", "罚金".into());
            values.insert("CFLB1", "罚金".into());
        }
        6 => {
            values.insert("MC", String::new());
        }
        7 => {
            let later = spec.today + Days::new(rng.u64(30..400));
            values.insert("JDRQ", later.format("%Y-%m-%d").to_string());
        }
        _ => {
            values.insert("XKLB", "其他".into());
            values.insert("CFLB", "其他".into());
            values.insert("CFLB1", "其他".into());
        }
    }
}
