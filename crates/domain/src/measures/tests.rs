use chrono::NaiveDate;
use rstest::rstest;

use super::{BookError, BookFiles, Fact, MeasureBook, MeasureKind};
use crate::publicity::{PublicityWindow, Severity};
use crate::{RecordType, SubjectCategory};

fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn shipped_files() -> BookFiles {
    BookFiles {
        measures: include_str!("../../../../catalog/measures/measures.toml").to_owned(),
        matters: include_str!("../../../../catalog/measures/matters.toml").to_owned(),
        rules: include_str!("../../../../catalog/measures/rules.toml").to_owned(),
    }
}

fn catalogue() -> Vec<RecordType> {
    [
        include_str!("../../../../catalog/xzcf.toml"),
        include_str!("../../../../catalog/xzxk.toml"),
        include_str!("../../../../catalog/yzsx.toml"),
        include_str!("../../../../catalog/sxjl.toml"),
        include_str!("../../../../catalog/jyyc.toml"),
        include_str!("../../../../catalog/cnwy.toml"),
    ]
    .into_iter()
    .map(|text| RecordType::from_toml(text).unwrap())
    .collect()
}

fn compile(files: &BookFiles) -> Result<MeasureBook, BookError> {
    let types = catalogue();
    MeasureBook::compile(files, &types.iter().collect::<Vec<_>>())
}

fn book() -> MeasureBook {
    compile(&shipped_files()).unwrap()
}

struct Rec {
    record_type: &'static str,
    window: PublicityWindow,
    values: Vec<(&'static str, &'static str)>,
}

impl Fact for Rec {
    fn record_type(&self) -> &str {
        self.record_type
    }
    fn decision_date(&self) -> NaiveDate {
        self.window.from
    }
    fn window(&self) -> &PublicityWindow {
        &self.window
    }
    fn value(&self, key: &str) -> Option<&str> {
        self.values.iter().find(|(k, _)| *k == key).map(|(_, v)| *v)
    }
}

/// A list entry from `from` whose last listed day is `until`.
fn listed(record_type: &'static str, from: NaiveDate, until: Option<NaiveDate>) -> Rec {
    Rec {
        record_type,
        window: PublicityWindow {
            severity: None,
            published: true,
            from,
            until,
        },
        values: Vec::new(),
    }
}

/// A penalty of `kinds` (and a fine in 万元) decided on `decided`, public for a year.
fn penalty(severity: Severity, kinds: &'static str, fine: &'static str, decided: NaiveDate) -> Rec {
    Rec {
        record_type: "xzcf",
        window: PublicityWindow {
            severity: Some(severity),
            published: severity != Severity::Minor,
            from: decided,
            until: Some(crate::date::add_months(decided, 12)),
        },
        values: vec![("CF_CFLB", kinds), ("CF_NR_FK", fine)],
    }
}

const TODAY: NaiveDate = match NaiveDate::from_ymd_opt(2026, 11, 27) {
    Some(day) => day,
    None => panic!(),
};

fn black() -> Rec {
    Rec {
        values: vec![("SX_MDLX", "政府采购严重违法失信行为记录名单")],
        ..listed("yzsx", ymd(2025, 6, 1), None)
    }
}
fn judgment_defaulter() -> Rec {
    Rec {
        values: vec![("SX_MDLX", "失信被执行人")],
        ..listed("yzsx", ymd(2025, 6, 1), None)
    }
}
fn red() -> Rec {
    listed("sxjl", ymd(2025, 4, 1), Some(ymd(2027, 3, 31)))
}
fn abnormal() -> Rec {
    listed("jyyc", ymd(2026, 7, 1), None)
}
/// A breach of a commitment found on `found`, public for its general class (a year here).
fn breach(found: NaiveDate) -> Rec {
    Rec {
        record_type: "cnwy",
        window: PublicityWindow {
            severity: Some(Severity::General),
            published: true,
            from: found,
            until: Some(crate::date::add_months(found, 12)),
        },
        values: Vec::new(),
    }
}
fn closed_down(decided: NaiveDate) -> Rec {
    penalty(Severity::Serious, "罚款、责令停产停业", "5", decided)
}

const ORG: SubjectCategory = SubjectCategory::Organisation;

#[rstest]
#[case::black_list_in_procurement(vec![black()], "zfcg", ORG, &["CJ-ZFCG"])]
#[case::red_list_in_licensing(vec![red()], "xzxk", ORG, &["JL-LSTD", "JL-RQSL"])]
#[case::removed_listing_no_longer_triggers(vec![listed("yzsx", ymd(2024, 1, 1), Some(ymd(2026, 11, 26)))], "zfcg", ORG, &[])]
#[case::listing_stands_on_its_last_day(vec![listed("yzsx", ymd(2024, 1, 1), Some(TODAY))], "zfcg", ORG, &["CJ-ZFCG"])]
#[case::expired_honour_no_longer_rewards(vec![listed("sxjl", ymd(2023, 1, 1), Some(ymd(2025, 12, 31)))], "xzxk", ORG, &[])]
#[case::two_lists_both_sets_mandatory_first(vec![abnormal(), black()], "ztb", ORG, &["CJ-ZTB", "CJ-JYYC"])]
#[case::the_abnormal_list_has_no_licensing_rule(vec![abnormal(), black()], "xzxk", ORG, &["CJ-CSC"])]
#[case::black_list_voids_red_list_rewards(vec![red(), black()], "xzxk", ORG, &["CJ-CSC"])]
#[case::abnormal_list_voids_red_list_rewards(vec![red(), abnormal()], "xzxk", ORG, &[])]
#[case::closed_down_within_three_years(vec![closed_down(ymd(2024, 1, 10))], "zfcg", ORG, &["CJ-ZFCG"])]
#[case::closed_down_on_the_last_day_of_three_years(vec![closed_down(ymd(2023, 11, 27))], "zfcg", ORG, &["CJ-ZFCG"])]
#[case::closed_down_more_than_three_years_ago(vec![closed_down(ymd(2023, 11, 26))], "zfcg", ORG, &[])]
#[case::a_large_fine_is_a_major_violation(vec![penalty(Severity::General, "罚款", "200", ymd(2025, 2, 1))], "zfcg", ORG, &["CJ-ZFCG"])]
#[case::a_smaller_fine_is_not(vec![penalty(Severity::General, "罚款", "199.99", ymd(2025, 2, 1))], "zfcg", ORG, &[])]
#[case::a_serious_class_alone_is_not_a_major_violation(vec![penalty(Severity::Serious, "限制从业", "", ymd(2026, 1, 10))], "zfcg", ORG, &[])]
#[case::a_judgment_defaulter_in_civil_service_hiring(vec![judgment_defaulter()], "gzry", SubjectCategory::Person, &["CJ-GZRY"])]
#[case::other_lists_do_not_bar_hiring(vec![black()], "gzry", SubjectCategory::Person, &[])]
#[case::the_hiring_rule_is_for_persons(vec![judgment_defaulter()], "gzry", ORG, &[])]
#[case::a_breach_bars_notification_commitments(vec![breach(ymd(2026, 6, 1))], "xzxk", ORG, &["CJ-CSC"])]
#[case::a_breach_voids_red_list_rewards(vec![red(), breach(ymd(2026, 6, 1))], "gcjs", ORG, &["CJ-CSC"])]
#[case::a_breach_past_its_publicity_no_longer_triggers(vec![red(), breach(ymd(2025, 11, 1))], "xzxk", ORG, &["JL-LSTD", "JL-RQSL"])]
#[case::a_breach_is_not_a_procurement_bar(vec![breach(ymd(2026, 6, 1))], "zfcg", ORG, &[])]
#[case::nothing_on_file(Vec::new(), "zfcg", ORG, &[])]
#[case::a_future_listing_does_not_trigger_yet(vec![listed("yzsx", ymd(2026, 12, 1), None)], "zfcg", ORG, &[])]
fn measures_for(
    #[case] facts: Vec<Rec>,
    #[case] matter: &str,
    #[case] category: SubjectCategory,
    #[case] expected: &[&str],
) {
    let book = book();
    let applied = book.evaluate(matter, category, &facts, TODAY).unwrap();
    let codes: Vec<&str> = applied.iter().map(|a| a.measure.code.as_str()).collect();
    assert_eq!(codes, expected);
}

#[test]
fn a_measure_triggered_twice_is_listed_once_with_both_reasons_and_its_basis() {
    let book = book();
    let facts = [red(), black(), closed_down(ymd(2025, 3, 1))];
    let applied = book.evaluate("zfcg", ORG, &facts, TODAY).unwrap();
    assert_eq!(applied.len(), 1);
    let measure = applied[0].measure;
    assert_eq!(measure.kind, MeasureKind::Restriction);
    assert!(measure.mandatory);
    assert!(measure.basis.contains("政府采购法"), "{}", measure.basis);
    let reasons: Vec<(&str, usize)> = applied[0]
        .reasons
        .iter()
        .map(|r| (r.rule.code.as_str(), r.fact))
        .collect();
    assert_eq!(reasons, [("R-YZSX-ZFCG", 1), ("R-XZCF-ZFCG-TY", 2)]);
}

#[test]
fn an_unknown_matter_is_not_an_empty_answer() {
    assert!(
        book()
            .evaluate("nope", SubjectCategory::Organisation, &[black()], TODAY)
            .is_none()
    );
}

#[test]
fn an_inactive_measure_is_not_returned() {
    let mut files = shipped_files();
    files.measures = files
        .measures
        .replacen("mandatory = true\n", "mandatory = true\nactive = false\n", 1);
    let book = compile(&files).unwrap();
    assert!(!book.measure("CJ-ZFCG").unwrap().active);
    let applied = book
        .evaluate("zfcg", SubjectCategory::Organisation, &[black()], TODAY)
        .unwrap();
    assert!(applied.is_empty());
}

#[rstest]
#[case::measure_without_basis(
    "measures",
    "basis = \"《中华人民共和国政府采购法》第二十二条第一款第五项、第七十七条；《中华人民共和国政府采购法实施条例》第十九条\"",
    "basis = \"\"",
    "CJ-ZFCG",
    "没有设定依据的措施不能启用"
)]
#[case::rule_without_basis(
    "rules",
    "basis = \"中办发〔2016〕64号\"",
    "basis = \"  \"",
    "R-SXBZX-GZRY",
    "规则须写明依据"
)]
#[case::unknown_measure(
    "rules",
    "measures = [\"CJ-ZDJG\"]",
    "measures = [\"CJ-NOPE\"]",
    "R-YZSX-ZFJC",
    "措施“CJ-NOPE”不在措施清单中"
)]
#[case::unknown_matter(
    "rules",
    "matters = [\"zfjc\"]",
    "matters = [\"jc\"]",
    "R-YZSX-ZFJC",
    "事项“jc”不在事项清单中"
)]
#[case::unknown_record_type(
    "rules",
    "when = { record_type = \"jyyc\" }",
    "when = { record_type = \"jyy\" }",
    "R-JYYC",
    "信息类别“jyy”不在目录中"
)]
#[case::severity_of_a_list(
    "rules",
    "when = { record_type = \"jyyc\" }",
    "when = { record_type = \"jyyc\", severity = [\"严重\"] }",
    "R-JYYC",
    "“经营异常名录”不分公示等级"
)]
#[case::unknown_field_value(
    "rules",
    "when = { record_type = \"jyyc\" }",
    "when = { record_type = \"jyyc\", field = \"YC_LRYY\", any_of = [\"未年报\"] }",
    "R-JYYC",
    "“未年报”不是数据项“YC_LRYY”的取值"
)]
#[case::look_back_on_a_list(
    "rules",
    "when = { record_type = \"jyyc\" }",
    "when = { record_type = \"jyyc\", within_months = 12 }",
    "R-JYYC",
    "“经营异常名录”以列入期间为准，不能设 within_months"
)]
#[case::measure_twice(
    "rules",
    "measures = [\"CJ-JYYC\"]",
    "measures = [\"CJ-JYYC\", \"CJ-JYYC\"]",
    "R-JYYC",
    "措施“CJ-JYYC”重复列出"
)]
#[case::amount_of_a_text_item(
    "rules",
    "amount = { field = \"CF_NR_FK\"",
    "amount = { field = \"CF_NR\"",
    "R-XZCF-ZFCG-FK",
    "“CF_NR”不是金额（万元）数据项，或下限无效"
)]
#[case::duplicate_rule(
    "rules",
    "code = \"R-SXJL-ZTB\"",
    "code = \"R-SXJL-CZZJ\"",
    "R-SXJL-CZZJ",
    "代码重复"
)]
#[case::bad_kind(
    "measures",
    "kind = \"激励\"",
    "kind = \"奖励\"",
    "JL-LSTD",
    "类型“奖励”无效（应为约束或激励）"
)]
fn broken_files_are_refused_with_the_entry_named(
    #[case] file: &str,
    #[case] from: &str,
    #[case] to: &str,
    #[case] code: &str,
    #[case] message: &str,
) {
    let mut files = shipped_files();
    let text = match file {
        "measures" => &mut files.measures,
        _ => &mut files.rules,
    };
    assert!(text.contains(from), "{from}");
    *text = text.replacen(from, to, 1);
    match compile(&files) {
        Err(BookError::Invalid {
            code: found,
            message: said,
            ..
        }) => {
            assert_eq!((found.as_str(), said.as_str()), (code, message));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn the_digest_follows_the_files() {
    let mut files = shipped_files();
    let before = compile(&files).unwrap().digest().to_owned();
    assert_eq!(before.len(), 64);
    files.rules.push_str("\n# 注释\n");
    assert_ne!(compile(&files).unwrap().digest(), before);
}

#[test]
fn the_items_rules_read_are_named_once_each() {
    assert_eq!(book().items(), ["CF_CFLB", "CF_NR_FK", "SX_MDLX"]);
    let mut files = shipped_files();
    files.rules.push_str(
        "\n[[rules]]\ncode = \"R-EXTRA\"\nname = \"额外\"\nmatters = [\"zfcg\"]\nmeasures = [\"CJ-ZFCG\"]\nbasis = \"测试\"\nwhen = { record_type = \"xzcf\", field = \"CF_NR_ZKDX\", any_of = [\"营业执照\"], amount = { field = \"CF_NR_FK\", at_least = 1 } }\n",
    );
    assert_eq!(
        compile(&files).unwrap().items(),
        ["CF_CFLB", "CF_NR_FK", "CF_NR_ZKDX", "SX_MDLX"]
    );
}
