//! Lists (严重失信主体名单, 守信激励对象, 经营异常名录) come through the same
//! pipeline: an entry is a record keyed by its decision document, and its
//! removal is a new version of the same entry that ends its window.

use xinyong_store::IssueSeverity;
use xinyong_testkit::{backends, today};

use crate::{ORG_USCC, Text, write_csv};

const HEADERS: &[&str] = &[
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

fn entry(removed: &str) -> Vec<String> {
    [
        "淮北市鑫源商贸有限公司",
        "法人及非法人组织",
        ORG_USCC,
        "政府采购严重违法失信行为记录名单",
        "皖财购〔2025〕7号",
        "提供虚假材料谋取中标",
        "《中华人民共和国政府采购法》第七十七条",
        "安徽省财政厅",
        "2025-03-01",
        removed,
        if removed.is_empty() { "" } else { "期满移出" },
    ]
    .map(str::to_owned)
    .to_vec()
}

#[tokio::test]
async fn a_list_entry_and_its_removal_are_versions_of_one_record() {
    for platform in backends().await {
        let store = platform.store.as_ref();
        let listed = write_csv(&platform.dir.join("列入.csv"), HEADERS, &[entry("")], Text::Gbk);
        let batch = platform.import(&listed, "yzsx", "安徽省财政厅").await;
        assert_eq!(batch.summary.n_accepted, 1, "{:?}", batch.summary);
        let subject = store.subject_by_uscc(ORG_USCC).await.unwrap().unwrap();
        let records = store.records_of_subject(subject.id, false).await.unwrap();
        assert_eq!(records[0].key.record_type, "yzsx");
        assert!(records[0].publicity.covers(today()));

        let removed = write_csv(
            &platform.dir.join("移出.csv"),
            HEADERS,
            &[entry("2026-03-01")],
            Text::Utf8,
        );
        let batch = platform.import(&removed, "yzsx", "安徽省财政厅").await;
        assert_eq!(batch.summary.n_new_versions, 1, "{:?}", batch.summary);
        let history = store.records_of_subject(subject.id, true).await.unwrap();
        assert_eq!(history.len(), 2);
        let current = history.iter().find(|r| r.current).unwrap();
        assert_eq!(current.version, 2);
        assert_eq!(
            current.publicity.until.map(|d| d.to_string()).as_deref(),
            Some("2026-02-28")
        );
        assert!(!current.publicity.covers(today()));
        platform.cleanup().await;
    }
}

/// 承诺书编号 beginning 信用平台承诺第 are the platform's numbers for
/// commitments signed on it: an upload using one would make a new version
/// of the platform's own breach record, so it is refused; a breach of a
/// commitment made on paper is a record like any other.
#[tokio::test]
async fn an_upload_may_not_use_the_platforms_commitment_numbers() {
    const BREACH: &[&str] = &[
        "主体名称",
        "主体类别",
        "统一社会信用代码",
        "承诺书编号",
        "承诺类型",
        "承诺日期",
        "违诺情形",
        "认定机关",
        "认定日期",
    ];
    let row = |number: &str| {
        [
            "淮北市鑫源商贸有限公司",
            "法人及非法人组织",
            ORG_USCC,
            number,
            "审批替代型（告知承诺）",
            "2026-03-02",
            "承诺具备的消防条件经核查不实",
            "淮北市市场监督管理局",
            "2026-05-06",
        ]
        .map(str::to_owned)
        .to_vec()
    };
    for platform in backends().await {
        let rows = [
            row("信用平台承诺第5号"),
            row("淮市监承诺〔2026〕3号"),
            row("信用平台承诺\u{3000}第6号"),
            row("信用平台\u{200B}承诺第7号"),
        ];
        let file = write_csv(&platform.dir.join("违诺.csv"), BREACH, &rows, Text::Utf8);
        let batch = platform.import(&file, "cnwy", "淮北市市场监督管理局").await;
        assert_eq!(
            (batch.summary.n_accepted, batch.summary.n_rejected),
            (1, 3),
            "{:?}",
            batch.summary
        );
        let refused = crate::issues(platform.store.as_ref(), batch.id, IssueSeverity::Error).await;
        assert_eq!(refused.len(), 3, "{refused:?}");
        assert_eq!((refused[1].row_no, refused[1].code.as_str()), (4, "reserved_doc_no"));
        assert_eq!(
            (refused[0].row_no, refused[0].field.as_str(), refused[0].code.as_str()),
            (2, "承诺书编号", "reserved_doc_no"),
            "row 2 of the file (its header is row 1)"
        );
        assert!(
            refused[0].message.contains("信用平台承诺第5号"),
            "{}",
            refused[0].message
        );
        platform.cleanup().await;
    }
}
