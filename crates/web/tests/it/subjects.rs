//! Subject search and the subject's page.

use crate::support::{COMPANY, PERSON_ID, SHOP, penalty_file, servers};

#[tokio::test]
async fn search_by_name_and_code_masks_people() {
    for server in servers().await {
        let path = penalty_file(&server.platform);
        server.platform.import(&path, "xzcf", "淮北市市场监督管理局").await;

        let (status, body) = server.json("/api/v1/subjects?q=鑫源").await;
        assert_eq!(status, 200);
        let names: Vec<&str> = body["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["name"].as_str().unwrap())
            .collect();
        assert_eq!(names, vec!["淮北市鑫源商贸有限公司", "相山区鑫源小吃店"]);
        assert_eq!(body["items"][0]["ref"], COMPANY);
        assert_eq!(body["items"][1]["category"], "individual_business");

        let (_, body) = server.json("/api/v1/subjects?q=9234").await;
        assert_eq!(body["items"][0]["uscc"], SHOP);

        // A person is found by the published part of the name only: by
        // the hidden characters, trying them one at a time would read the
        // masked name back.
        let (_, body) = server.json("/api/v1/subjects?q=三丰").await;
        assert_eq!(body["items"], serde_json::json!([]));
        let (_, body) = server.json("/api/v1/subjects?q=张").await;
        let person = &body["items"][0];
        assert_eq!(person["name"], "张**");
        assert_eq!(person["id_masked"], "110105********002X");
        assert!(!body.to_string().contains(PERSON_ID));
        assert!(person["ref"].as_str().unwrap().starts_with('p'));

        let (_, page) = server.json("/api/v1/subjects?q=鑫&limit=1").await;
        assert_eq!(page["items"].as_array().unwrap().len(), 1);
        let cursor = page["next_cursor"].as_str().unwrap();
        let (_, next) = server
            .json(&format!("/api/v1/subjects?q=鑫&limit=1&cursor={cursor}"))
            .await;
        assert_ne!(next["items"][0]["ref"], page["items"][0]["ref"]);
        server.stop().await;
    }
}

#[tokio::test]
async fn the_subject_page_shows_only_public_records_and_items() {
    for server in servers().await {
        let path = penalty_file(&server.platform);
        server.platform.import(&path, "xzcf", "淮北市市场监督管理局").await;

        let (status, body) = server.json(&format!("/api/v1/subjects/{COMPANY}")).await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["subject"]["name"], "淮北市鑫源商贸有限公司");
        let docs: Vec<&str> = body["records"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["doc_no"].as_str().unwrap())
            .collect();
        // The warning is never published and the 2024 fine is past its window.
        assert_eq!(docs, vec!["淮市监罚〔2026〕1号"]);
        let fields = body["records"][0]["fields"].as_array().unwrap();
        let keys: Vec<&str> = fields.iter().map(|f| f["key"].as_str().unwrap()).collect();
        assert!(keys.contains(&"CF_WSH") && keys.contains(&"CF_NR_FK"));
        assert!(!keys.contains(&"CF_FR_ZJHM"), "有条件共享 items are not public");
        assert!(!body.to_string().contains("34060219810702269X"));
        assert_eq!(body["records"][0]["severity"], "一般");

        let person_ref = server.json("/api/v1/subjects?q=张").await.1["items"][0]["ref"]
            .as_str()
            .unwrap()
            .to_owned();
        let (status, body) = server.json(&format!("/api/v1/subjects/{person_ref}")).await;
        assert_eq!(status, 200);
        assert_eq!(body["subject"]["name"], "张**");
        let fields = body["records"][0]["fields"].as_array().unwrap();
        let value = |key: &str| {
            fields
                .iter()
                .find(|f| f["key"] == key)
                .map(|f| f["value"].as_str().unwrap().to_owned())
        };
        assert_eq!(value("CF_XDR_MC").as_deref(), Some("张**"));
        assert_eq!(value("CF_XDR_ZJHM").as_deref(), Some("110105********002X"));
        assert!(!body.to_string().contains("张三丰"));

        // Lower case and blanks are tolerated in the code.
        let (status, _) = server
            .json(&format!("/api/v1/subjects/{}", COMPANY.to_lowercase()))
            .await;
        assert_eq!(status, 200);
        server.stop().await;
    }
}

#[tokio::test]
async fn unknown_subjects_and_bad_searches_are_problems() {
    for server in servers().await {
        let (status, body) = server.json("/api/v1/subjects/91340600MA2N00001J").await;
        assert_eq!((status, body["code"].as_str()), (404, Some("subject_not_found")));
        // A mistyped check character is named, not taken for an unknown subject.
        let (status, body) = server.json("/api/v1/subjects/91340600MA2N00001X").await;
        assert_eq!((status, body["code"].as_str()), (400, Some("invalid_request")));
        assert!(body["detail"].as_str().unwrap().contains("校验码应为“J”"), "{body}");
        let (status, body) = server.json("/api/v1/subjects/p0000000000000000").await;
        assert_eq!((status, body["code"].as_str()), (404, Some("subject_not_found")));
        let (status, body) = server.json("/api/v1/subjects?q=").await;
        assert_eq!((status, body["code"].as_str()), (400, Some("invalid_request")));
        assert_eq!(body["detail"], "请输入主体名称或统一社会信用代码");
        let (status, body) = server.json("/api/v1/subjects?q=%25_").await;
        assert_eq!(status, 400);
        assert!(
            body["detail"].as_str().unwrap().starts_with("“%_”中没有可查找的文字"),
            "{body}"
        );
        let (status, _) = server.json(&format!("/api/v1/subjects?q={}", "长".repeat(61))).await;
        assert_eq!(status, 400);
        let (status, body) = server.json("/api/v1/subjects?q=鑫&limit=0").await;
        assert_eq!((status, body["detail"].as_str()), (400, Some("limit 应在1到100之间")));
        let (status, body) = server.json("/api/v1/subjects?q=鑫&limit=abc").await;
        assert_eq!((status, body["code"].as_str()), (400, Some("invalid_request")));
        let (status, body) = server.json("/api/v1/subjects?q=鑫&cursor=zz").await;
        assert_eq!((status, body["code"].as_str()), (400, Some("invalid_cursor")));
        let (status, body) = server.json("/api/v1/subjects?q=鑫&colour=red").await;
        assert_eq!(status, 400);
        assert!(body["detail"].as_str().unwrap().contains("不支持的参数“colour”"));
        server.stop().await;
    }
}
