use chrono::NaiveDate;

use super::{ProblemCode, RowContext, Value, check};
use crate::catalog::{ColumnMap, Generation, HeaderProblem, RecordType};
use crate::id::IdPolicy;
use crate::publicity::Severity;
use crate::subject::{SubjectCategory, SubjectKey};

fn xzcf() -> RecordType {
    RecordType::from_toml(include_str!("../../../../catalog/xzcf.toml")).unwrap()
}

fn xzxk() -> RecordType {
    RecordType::from_toml(include_str!("../../../../catalog/xzxk.toml")).unwrap()
}

fn headers(list: &[&str]) -> Vec<String> {
    list.iter().map(|h| (*h).to_owned()).collect()
}

const GEN2_CF: &[&str] = &[
    "行政相对人名称",
    "行政相对人类别",
    "统一社会信用代码",
    "法定代表人",
    "证件类型",
    "证件号码",
    "行政处罚决定书文号",
    "违法行为类型",
    "违法事实",
    "处罚依据",
    "处罚类别",
    "处罚内容",
    "罚款金额(万元)",
    "处罚决定日期",
    "处罚有效期",
    "公示截止期",
    "处罚机关",
    "处罚机关统一社会信用代码",
    "数据来源单位",
    "数据来源单位统一社会信用代码",
];

fn org_row() -> Vec<&'static str> {
    vec![
        "淮北市鑫源商贸有限公司",
        "法人及非法人组织",
        "91340000711771143J",
        "张三",
        "",
        "",
        "淮市监罚〔2024〕12号",
        "销售过期食品",
        "经查，当事人销售过期食品。",
        "《中华人民共和国食品安全法》第一百二十四条",
        "罚款",
        "罚款2000元",
        "0.2",
        "2024/1/5",
        "2024-01-05",
        "",
        "淮北市市场监督管理局",
        "11340600003140164U",
        "淮北市市场监督管理局",
        "11340600003140164U",
    ]
}

fn ctx(policy: &IdPolicy) -> RowContext<'_> {
    RowContext {
        policy,
        today: NaiveDate::from_ymd_opt(2026, 11, 26).unwrap(),
        batch_source: "淮北市市场监督管理局",
    }
}

fn gen2_map(record_type: &RecordType) -> ColumnMap {
    record_type.map_headers(&headers(GEN2_CF)).unwrap()
}

#[test]
fn shipped_catalogue_files_load() {
    assert_eq!(xzcf().code, "xzcf");
    assert_eq!(xzxk().code, "xzxk");
}

#[test]
fn a_valid_organisation_row() {
    let record_type = xzcf();
    let map = gen2_map(&record_type);
    assert_eq!(map.generation, Generation::Gen2);
    let policy = IdPolicy::default();
    let (row, problems) = check(&record_type, &map, &org_row(), &ctx(&policy));
    assert!(problems.is_empty(), "{problems:?}");
    let row = row.unwrap();
    assert_eq!(row.subject.category, SubjectCategory::Organisation);
    assert!(matches!(row.subject.key, SubjectKey::Uscc(ref code) if code.as_str() == "91340000711771143J"));
    assert_eq!(row.doc_no, "淮市监罚〔2024〕12号");
    assert_eq!(row.decision_date, NaiveDate::from_ymd_opt(2024, 1, 5).unwrap());
    assert_eq!(row.publicity.severity, Some(Severity::General));
    assert_eq!(row.publicity.until, NaiveDate::from_ymd_opt(2025, 1, 5));
    let amount = row
        .values
        .iter()
        .find(|(idx, _)| record_type.field(*idx).key == "CF_NR_FK")
        .unwrap();
    assert_eq!(amount.1, Value::Amount("0.2".into()));
}

#[test]
fn every_problem_of_a_row_is_reported() {
    let record_type = xzcf();
    let map = gen2_map(&record_type);
    let mut row = org_row();
    row[2] = "91340000711771143K"; // wrong check character
    row[8] = ""; // 违法事实 missing
    row[12] = "2000元"; // amount in yuan
    row[13] = "2024-02-30"; // no such day
    let policy = IdPolicy::default();
    let (checked, problems) = check(&record_type, &map, &row, &ctx(&policy));
    assert!(checked.is_none());
    let codes: Vec<ProblemCode> = problems.iter().map(|p| p.code).collect();
    assert_eq!(
        codes,
        vec![
            ProblemCode::InvalidUscc,
            ProblemCode::InvalidAmount,
            ProblemCode::InvalidDate,
            ProblemCode::Required
        ],
        "{problems:?}"
    );
    assert!(
        problems[0].message.contains("第18位校验码应为“J”，实为“K”"),
        "{}",
        problems[0].message
    );
}

fn check_one(
    record_type: &RecordType,
    map: &ColumnMap,
    row: &[&str],
) -> (Option<super::CheckedRow>, Vec<super::Problem>) {
    let policy = IdPolicy::default();
    check(record_type, map, row, &ctx(&policy))
}

#[test]
fn a_person_row_is_keyed_by_the_citizen_id() {
    let record_type = xzcf();
    let map = gen2_map(&record_type);
    let mut row = org_row();
    row[0] = "李四";
    row[1] = "自然人";
    row[2] = "";
    row[3] = "";
    row[4] = "居民身份证";
    row[5] = "11010519491231002x";
    let (checked, problems) = check_one(&record_type, &map, &row);
    assert!(problems.is_empty(), "{problems:?}");
    let checked = checked.unwrap();
    assert_eq!(checked.subject.category, SubjectCategory::Person);
    assert_eq!(checked.subject.key.display_masked(), "110105********002X");
}

#[test]
fn conditional_obligations_say_why_they_apply() {
    let record_type = xzcf();
    let map = gen2_map(&record_type);
    let mut row = org_row();
    row[1] = "自然人";
    row[2] = "";
    let (_, problems) = check_one(&record_type, &map, &row);
    let messages: Vec<&str> = problems.iter().map(|p| p.message.as_str()).collect();
    assert_eq!(
        messages,
        vec![
            "行政相对人类别为“自然人”时，证件类型不能为空",
            "行政相对人类别为“自然人”时，证件号码不能为空"
        ]
    );

    let mut row = org_row();
    row[12] = "";
    let (_, problems) = check_one(&record_type, &map, &row);
    assert_eq!(problems[0].message, "处罚类别为“罚款”时，罚款金额(万元)不能为空");
}

#[test]
fn the_category_must_agree_with_the_code() {
    let record_type = xzcf();
    let map = gen2_map(&record_type);
    let mut row = org_row();
    row[2] = "92340603MA2PBMCG0U";
    let (_, problems) = check_one(&record_type, &map, &row);
    assert_eq!(problems.len(), 1);
    assert_eq!(problems[0].code, ProblemCode::CategoryMismatch);
    row[1] = "个体工商户";
    assert!(check_one(&record_type, &map, &row).1.is_empty());
    row[2] = "91340000711771143J";
    assert_eq!(
        check_one(&record_type, &map, &row).1[0].code,
        ProblemCode::CategoryMismatch
    );
}

#[test]
fn dates_in_order_and_not_in_the_future() {
    let record_type = xzcf();
    let map = gen2_map(&record_type);
    let mut row = org_row();
    row[14] = "2023-12-31"; // 处罚有效期 before the decision
    row[15] = "2099/12/31"; // 公示截止期 long term: allowed as a value, bounded by the class
    let (checked, problems) = check_one(&record_type, &map, &row);
    assert_eq!(
        problems.iter().map(|p| p.code).collect::<Vec<_>>(),
        vec![ProblemCode::DateOrder]
    );
    assert!(checked.is_none());
    let mut row = org_row();
    row[13] = "2030-01-01";
    let (_, problems) = check_one(&record_type, &map, &row);
    assert!(
        problems.iter().any(|p| p.code == ProblemCode::FutureDate),
        "{problems:?}"
    );
}

#[test]
fn an_out_of_bounds_publicity_end_is_a_warning_not_a_rejection() {
    let record_type = xzcf();
    let map = gen2_map(&record_type);
    let mut row = org_row();
    row[15] = "2030-01-01";
    let (checked, problems) = check_one(&record_type, &map, &row);
    assert!(problems.is_empty());
    let checked = checked.unwrap();
    assert_eq!(checked.publicity.until, NaiveDate::from_ymd_opt(2025, 1, 5));
    assert_eq!(checked.warnings[0].code, ProblemCode::PublicityOutOfBounds);
}

#[test]
fn warnings_only_penalties_are_not_published() {
    let record_type = xzcf();
    let map = gen2_map(&record_type);
    let mut row = org_row();
    row[10] = "警告";
    row[12] = "";
    let (checked, problems) = check_one(&record_type, &map, &row);
    assert!(problems.is_empty(), "{problems:?}");
    let publicity = checked.unwrap().publicity;
    assert_eq!(publicity.severity, Some(Severity::Minor));
    assert!(!publicity.published);
}

#[test]
fn enumerations_accept_codes_legacy_values_and_detailed_other() {
    let record_type = xzcf();
    let map = gen2_map(&record_type);
    let mut row = org_row();
    row[10] = "罚款；暂扣或吊销执照";
    let (_, problems) = check_one(&record_type, &map, &row);
    assert_eq!(
        problems[0].message,
        "处罚类别为“暂扣或者吊销执照”时，暂扣或吊销证照名称及编号不能为空"
    );

    let with_licence: Vec<&str> = GEN2_CF.iter().copied().chain(["暂扣或吊销证照名称及编号"]).collect();
    let map = record_type.map_headers(&headers(&with_licence)).unwrap();
    row.push("营业执照（注册号340600000012345）");
    let (checked, problems) = check_one(&record_type, &map, &row);
    assert_eq!(problems.len(), 0, "{problems:?}");
    let kinds = checked
        .unwrap()
        .values
        .into_iter()
        .find(|(idx, _)| record_type.field(*idx).key == "CF_CFLB")
        .unwrap()
        .1;
    assert_eq!(kinds, Value::Enum(vec!["罚款".into(), "暂扣或者吊销执照".into()]));
    assert_eq!(
        checked_publicity_severity(&record_type, &map, &row),
        Some(Severity::Serious)
    );
    row[10] = "罚款、其他";
    let (_, problems) = check_one(&record_type, &map, &row);
    assert_eq!(problems[0].code, ProblemCode::EnumDetail);
    row[10] = "罚款、其他-责令改正";
    assert!(check_one(&record_type, &map, &row).1.is_empty());
    row[10] = "罚金";
    let (_, problems) = check_one(&record_type, &map, &row);
    assert_eq!(problems[0].code, ProblemCode::InvalidEnum);
    assert!(problems[0].message.contains("“罚金”不是有效值"));
}

fn checked_publicity_severity(record_type: &RecordType, map: &ColumnMap, row: &[&str]) -> Option<Severity> {
    check_one(record_type, map, row).0.and_then(|r| r.publicity.severity)
}

#[test]
fn undecodable_characters_are_reported_per_item() {
    let record_type = xzcf();
    let map = gen2_map(&record_type);
    let mut row = org_row();
    row[0] = "淮北\u{FFFD}\u{FFFD}商贸";
    let (_, problems) = check_one(&record_type, &map, &row);
    assert_eq!(problems[0].code, ProblemCode::Encoding);
}

#[test]
fn short_rows_are_missing_items_not_a_panic() {
    let record_type = xzcf();
    let map = gen2_map(&record_type);
    let (checked, problems) = check_one(&record_type, &map, &["只有名称"]);
    assert!(checked.is_none());
    assert!(problems.len() > 5);
}

const GEN1_CF: &[&str] = &[
    "行政处罚决定书文号",
    "处罚名称",
    "处罚类别1",
    "处罚类别2",
    "处罚事由",
    "处罚依据",
    "行政相对人名称",
    "行政相对人代码_1(统一社会信用代码)",
    "行政相对人代码_2(组织机构代码)",
    "行政相对人代码_3(工商登记码)",
    "行政相对人代码_4(税务登记号)",
    "行政相对人代码_5(居民身份证号)",
    "法定代表人姓名",
    "处罚结果",
    "处罚决定日期",
    "处罚机关",
    "当前状态",
    "地方编码",
    "数据更新时间戳",
    "备注",
];

#[test]
fn gen1_files_map_and_infer_the_category() {
    let record_type = xzcf();
    let map = record_type.map_headers(&headers(GEN1_CF)).unwrap();
    assert_eq!(map.generation, Generation::Gen1);
    assert!(map.unknown_headers.is_empty(), "{:?}", map.unknown_headers);
    let org = [
        "淮环罚〔2017〕3号",
        "超标排放",
        "罚款",
        "责令停产停业",
        "超标排放污染物",
        "《大气污染防治法》第九十九条",
        "淮北市恒通化工有限公司",
        "91340000711771143J",
        "711771143",
        "",
        "",
        "",
        "王五",
        "罚款十万元并责令停产整治",
        "2017年6月1日",
        "淮北市环境保护局",
        "0",
        "340600",
        "2017-06-02 10:00:00",
        "",
    ];
    let (checked, problems) = check_one(&record_type, &map, &org);
    assert!(problems.is_empty(), "{problems:?}");
    let checked = checked.unwrap();
    assert_eq!(checked.subject.category, SubjectCategory::Organisation);
    assert_eq!(checked.subject.org_code.unwrap().as_str(), "711771143");
    assert_eq!(checked.publicity.severity, Some(Severity::Serious));

    let mut person = org;
    person[7] = "";
    person[8] = "";
    person[11] = "11010519491231002X";
    let (checked, problems) = check_one(&record_type, &map, &person);
    assert!(problems.is_empty(), "{problems:?}");
    assert!(matches!(checked.unwrap().subject.key, SubjectKey::Citizen(_)));

    person[11] = "";
    let (_, problems) = check_one(&record_type, &map, &person);
    assert_eq!(
        problems[0].message,
        "无法判断行政相对人类别：请填写统一社会信用代码或身份证号码"
    );
}

#[test]
fn header_problems_refuse_the_file() {
    let record_type = xzcf();
    assert_eq!(
        record_type.map_headers(&headers(&["姓名", "年龄"])),
        Err(HeaderProblem::NotATable {
            record_type: "行政处罚".into()
        })
    );
    let without_doc_no: Vec<&str> = GEN2_CF
        .iter()
        .copied()
        .filter(|h| *h != "行政处罚决定书文号" && *h != "违法事实")
        .collect();
    assert_eq!(
        record_type.map_headers(&headers(&without_doc_no)),
        Err(HeaderProblem::MissingColumns(vec![
            "行政处罚决定书文号".into(),
            "违法事实".into()
        ]))
    );
    let mut doubled = GEN2_CF.to_vec();
    doubled.push("CF_XDR_SHXYM");
    assert!(matches!(
        record_type.map_headers(&headers(&doubled)),
        Err(HeaderProblem::DuplicateColumns { .. })
    ));
}

#[test]
fn column_codes_and_spelling_variants_are_recognised() {
    let record_type = xzxk();
    let codes = [
        "XK_XDR_MC",
        "xk_xdr_lb",
        "XK_XDR_SHXYM",
        "XK_FRDB",
        "XK_XKWS",
        "XK_WSH",
        "XK_XKLB",
        "XK_NR",
        "XK_JDRQ",
        "XK_YXQZ",
        "XK_YXQZI",
        "XK_XKJG",
        "XK_XKJGDM",
        "XK_ZT",
        "XK_LYDWDM",
        "  备 注 ",
        "本地扩展列",
    ];
    let map = record_type.map_headers(&headers(&codes)).unwrap();
    assert_eq!(map.generation, Generation::Gen2);
    assert_eq!(map.unknown_headers, vec!["本地扩展列".to_owned()]);
    let bracketed = headers(&["行政相对人代码_1（统一社会信用代码）"]);
    let map = record_type.map_headers(&bracketed).unwrap_err();
    assert!(matches!(map, HeaderProblem::MissingColumns(_)));
}

mod never_panics {
    use proptest::prelude::*;

    use super::*;

    proptest! {
        #[test]
        fn on_arbitrary_cells(cells in proptest::collection::vec(".{0,40}", 0..40)) {
            let record_type = xzcf();
            let map = gen2_map(&record_type);
            let cells: Vec<&str> = cells.iter().map(String::as_str).collect();
            let (checked, problems) = check_one(&record_type, &map, &cells);
            prop_assert_eq!(checked.is_some(), problems.is_empty());
        }

        #[test]
        fn on_arbitrary_headers(list in proptest::collection::vec(".{0,20}", 0..40)) {
            let _ = xzcf().map_headers(&list);
        }
    }
}

fn list_type(text: &str) -> RecordType {
    RecordType::from_toml(text).unwrap()
}

/// Checks one row of a list file whose header is `header`.
fn check_list(
    record_type: &RecordType,
    header: &[&str],
    row: &[&str],
) -> (Option<super::CheckedRow>, Vec<super::Problem>) {
    let map = record_type.map_headers(&headers(header)).unwrap();
    let policy = IdPolicy::default();
    check(record_type, &map, row, &ctx(&policy))
}

const YZSX_HEADER: &[&str] = &[
    "主体名称",
    "主体类别",
    "统一社会信用代码",
    "名单名称",
    "列入决定文书号",
    "列入原因",
    "列入依据",
    "列入机关",
    "列入日期",
    "移出日期",
    "移出原因",
];

#[test]
fn a_black_list_entry_stands_until_the_day_before_its_removal() {
    let record_type = list_type(include_str!("../../../../catalog/yzsx.toml"));
    let mut row = vec![
        "淮北市鑫源商贸有限公司",
        "法人",
        "91340000711771143J",
        "政府采购严重违法失信行为记录名单",
        "皖财购罚〔2024〕3号",
        "提供虚假材料谋取中标",
        "《中华人民共和国政府采购法》第七十七条",
        "安徽省财政厅",
        "2024-03-01",
        "",
        "",
    ];
    let (listed, problems) = check_list(&record_type, YZSX_HEADER, &row);
    assert!(problems.is_empty(), "{problems:?}");
    let listed = listed.unwrap();
    assert_eq!(listed.publicity.until, None);
    assert!(listed.publicity.covers(NaiveDate::from_ymd_opt(2030, 1, 1).unwrap()));

    row[9] = "2025-03-01";
    row[10] = "期满移出";
    let (removed, problems) = check_list(&record_type, YZSX_HEADER, &row);
    assert!(problems.is_empty(), "{problems:?}");
    let removed = removed.unwrap();
    assert_eq!(
        removed.doc_no, listed.doc_no,
        "a removal is a new version of the same entry"
    );
    assert_eq!(removed.publicity.until, NaiveDate::from_ymd_opt(2025, 2, 28));
    assert!(!removed.publicity.covers(NaiveDate::from_ymd_opt(2025, 3, 1).unwrap()));

    row[9] = "2024-02-01";
    let (early, problems) = check_list(&record_type, YZSX_HEADER, &row);
    assert!(early.is_none());
    assert_eq!(problems[0].code, ProblemCode::DateOrder, "{problems:?}");
}

#[test]
fn a_red_list_honour_ends_at_its_validity_or_revocation() {
    let record_type = list_type(include_str!("../../../../catalog/sxjl.toml"));
    let header = [
        "主体名称",
        "主体类别",
        "统一社会信用代码",
        "荣誉名称",
        "认定文书号",
        "认定机关",
        "认定日期",
        "有效期至",
        "撤销日期",
    ];
    let mut row = vec![
        "淮北市鑫源商贸有限公司",
        "法人及非法人组织",
        "91340000711771143J",
        "A级纳税人",
        "淮税信〔2025〕1号",
        "国家税务总局淮北市税务局",
        "2025-04-01",
        "2026-03-31",
        "",
    ];
    let (honour, problems) = check_list(&record_type, &header, &row);
    assert!(problems.is_empty(), "{problems:?}");
    assert_eq!(honour.unwrap().publicity.until, NaiveDate::from_ymd_opt(2026, 3, 31));
    row[8] = "2025-10-10";
    let (revoked, _) = check_list(&record_type, &header, &row);
    assert_eq!(revoked.unwrap().publicity.until, NaiveDate::from_ymd_opt(2025, 10, 9));
}

#[test]
fn natural_persons_are_not_put_on_the_abnormal_operations_list() {
    let record_type = list_type(include_str!("../../../../catalog/jyyc.toml"));
    let header = [
        "主体名称",
        "主体类别",
        "统一社会信用代码",
        "列入经营异常名录原因",
        "列入决定书文号",
        "作出决定机关",
        "列入日期",
    ];
    let row = [
        "张三",
        "自然人",
        "",
        "未公示年报",
        "淮市监异〔2025〕8号",
        "淮北市市场监督管理局",
        "2025-07-01",
    ];
    let (checked, problems) = check_list(&record_type, &header, &row);
    assert!(checked.is_none());
    assert_eq!(problems[0].code, ProblemCode::InvalidEnum, "{problems:?}");
}

#[test]
fn a_breach_of_commitment_is_public_for_its_general_class_from_the_finding() {
    let record_type = list_type(include_str!("../../../../catalog/cnwy.toml"));
    let header = [
        "主体名称",
        "主体类别",
        "统一社会信用代码",
        "承诺书编号",
        "承诺类型",
        "承诺事项",
        "承诺日期",
        "违诺情形",
        "认定机关",
        "认定日期",
        "公示截止期",
    ];
    let mut row = vec![
        "淮北市鑫源商贸有限公司",
        "法人及非法人组织",
        "91340000711771143J",
        "信用平台承诺第12号",
        "审批替代型（告知承诺）",
        "食品经营许可",
        "2026-01-05",
        "承诺期限内未补交消防验收材料",
        "淮北市市场监督管理局",
        "2026-03-02",
        "",
    ];
    let (breach, problems) = check_list(&record_type, &header, &row);
    assert!(problems.is_empty(), "{problems:?}");
    let breach = breach.unwrap();
    assert_eq!(breach.doc_no, "信用平台承诺第12号");
    assert!(breach.publicity.published);
    assert_eq!(breach.publicity.until, NaiveDate::from_ymd_opt(2027, 3, 2));

    // A department's own end within 3–12 months is honoured; a finding
    // before the commitment is refused.
    row[10] = "2026-06-02";
    let (shorter, problems) = check_list(&record_type, &header, &row);
    assert!(problems.is_empty(), "{problems:?}");
    assert_eq!(shorter.unwrap().publicity.until, NaiveDate::from_ymd_opt(2026, 6, 2));
    row[10] = "";
    row[9] = "2025-12-31";
    let (early, problems) = check_list(&record_type, &header, &row);
    assert!(early.is_none());
    assert_eq!(problems[0].code, ProblemCode::DateOrder, "{problems:?}");
}

#[test]
fn a_persons_identifier_in_an_item_published_whole_refuses_the_row() {
    let record_type = xzcf();
    let map = gen2_map(&record_type);
    let policy = IdPolicy::default();
    let with = |column: usize, text: &'static str| {
        let mut row = org_row();
        row[column] = text;
        row
    };
    let refused = [
        (0, "淮北市鑫源商贸有限公司340603196804055910", "行政相对人名称"),
        (0, "13912345678", "行政相对人名称"),
        (6, "淮市监罚〔2024〕110101199003074514号", "行政处罚决定书文号"),
        (16, "淮北市生态环境局340603196804055910", "处罚机关"),
        (18, "淮北市市场监督管理局 139-1234-5678", "数据来源单位"),
    ];
    for (column, text, item) in refused {
        let row = with(column, text);
        let (checked, problems) = check(&record_type, &map, &row, &ctx(&policy));
        assert!(checked.is_none(), "{text}");
        let problem = problems
            .iter()
            .find(|p| p.code == ProblemCode::IdentifierInPublicItem)
            .unwrap_or_else(|| panic!("{text}: {problems:?}"));
        assert!(problem.message.starts_with(item), "{problem:?}");
    }
    // A serial in a document number is not an ID; free text is masked, not refused.
    for (column, text) in [
        // Region and date, its last digit fitting the check character by chance.
        (6, "淮市监罚〔2024〕340603202401050013号"),
        (8, "经查，当事人（身份证号340603196804055910）销售过期食品。"),
    ] {
        let (checked, problems) = check(&record_type, &map, &with(column, text), &ctx(&policy));
        assert!(checked.is_some(), "{text}: {problems:?}");
    }
}

#[test]
fn messages_quoting_a_value_mask_the_identifiers_in_it() {
    let record_type = xzcf();
    let map = gen2_map(&record_type);
    let policy = IdPolicy::default();
    // A shifted column puts an ID number in a date.
    let mut row = org_row();
    row[13] = "340603196804055910";
    let (_, problems) = check(&record_type, &map, &row, &ctx(&policy));
    let problem = problems.iter().find(|p| p.code == ProblemCode::InvalidDate).unwrap();
    assert!(!problem.message.contains("340603196804055910"), "{problem:?}");
    assert!(problem.message.contains("340603********5910"), "{problem:?}");
}

#[test]
fn a_blank_source_cell_is_the_uploading_department() {
    let record_type = xzcf();
    let map = gen2_map(&record_type);
    let policy = IdPolicy::default();
    let mut row = org_row();
    row[18] = "";
    let (checked, problems) = check(&record_type, &map, &row, &ctx(&policy));
    assert!(problems.is_empty(), "{problems:?}");
    assert!(checked.is_some());
}
