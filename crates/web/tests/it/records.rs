//! The 双公示 listing.

use crate::support::{days_ago, penalty_file, servers};

#[tokio::test]
async fn the_listing_shows_current_public_records_with_filters_and_pages() {
    for server in servers().await {
        let path = penalty_file(&server.platform);
        server.platform.import(&path, "xzcf", "淮北市市场监督管理局").await;

        let (status, body) = server.json("/api/v1/records?type=xzcf&limit=100").await;
        assert_eq!(status, 200);
        let docs: Vec<&str> = body["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["doc_no"].as_str().unwrap())
            .collect();
        assert_eq!(
            docs,
            vec!["淮市监罚〔2026〕1号", "淮公罚〔2026〕3号", "淮环罚〔2026〕4号"]
        );
        assert_eq!(body["items"][1]["subject"]["name"], "张**");

        let (_, body) = server.json("/api/v1/records?source=淮北市生态环境局").await;
        assert_eq!(body["items"].as_array().unwrap().len(), 1);
        let (_, body) = server
            .json(&format!("/api/v1/records?from={}&to={}", days_ago(25), days_ago(15)))
            .await;
        assert_eq!(body["items"][0]["doc_no"], "淮公罚〔2026〕3号");
        assert_eq!(body["items"].as_array().unwrap().len(), 1);
        let (_, body) = server.json("/api/v1/records?type=xzxk").await;
        assert!(body["items"].as_array().unwrap().is_empty());

        let mut seen = Vec::new();
        let mut path = "/api/v1/records?limit=2".to_owned();
        loop {
            let (_, page) = server.json(&path).await;
            seen.extend(
                page["items"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|r| r["doc_no"].as_str().unwrap().to_owned()),
            );
            match page["next_cursor"].as_str() {
                Some(cursor) => path = format!("/api/v1/records?limit=2&cursor={cursor}"),
                None => break,
            }
        }
        assert_eq!(
            seen,
            vec!["淮市监罚〔2026〕1号", "淮公罚〔2026〕3号", "淮环罚〔2026〕4号"]
        );
        server.stop().await;
    }
}

#[tokio::test]
async fn a_corrected_record_replaces_the_old_version_in_public() {
    for server in servers().await {
        let path = penalty_file(&server.platform);
        server.platform.import(&path, "xzcf", "淮北市市场监督管理局").await;
        let corrected = std::fs::read_to_string(&path).unwrap().replace("0.5,", "0.8,");
        std::fs::write(&path, corrected).unwrap();
        let batch = server.platform.import(&path, "xzcf", "淮北市市场监督管理局").await;
        assert_eq!(batch.summary.n_new_versions, 1);
        let (_, body) = server.json("/api/v1/records?limit=100").await;
        let amounts: Vec<String> = body["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|r| r["doc_no"] == "淮市监罚〔2026〕1号")
            .map(|r| {
                r["fields"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .find(|f| f["key"] == "CF_NR_FK")
                    .unwrap()["value"]
                    .as_str()
                    .unwrap()
                    .to_owned()
            })
            .collect();
        assert_eq!(amounts, vec!["0.8"]);
        server.stop().await;
    }
}

#[tokio::test]
async fn bad_filters_are_problems() {
    for server in servers().await {
        let (status, body) = server.json("/api/v1/records?type=xyz").await;
        assert_eq!((status, body["code"].as_str()), (400, Some("unknown_record_type")));
        assert_eq!(body["detail"], "信息类别“xyz”不存在");
        let (status, body) = server.json("/api/v1/records?from=2024-02-30").await;
        assert_eq!((status, body["code"].as_str()), (400, Some("invalid_request")));
        assert!(body["detail"].as_str().unwrap().contains("不是有效日期"));
        let (status, body) = server.json("/api/v1/records?from=2026-12-01&to=2026-01-01").await;
        assert_eq!((status, body["code"].as_str()), (400, Some("invalid_request")));
        assert_eq!(body["detail"], "起始日期（from）2026-12-01晚于截止日期（to）2026-01-01");
        let (status, _) = server.json("/api/v1/records?limit=101").await;
        assert_eq!(status, 400);
        server.stop().await;
    }
}
