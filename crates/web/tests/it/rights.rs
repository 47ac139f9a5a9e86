//! Credit repair over HTTP on each backend: refused before the minimum
//! period and for an unrepairable item, accepted after; each stage moved
//! only by its own desk; once repaired the record leaves public pages, the
//! public API and credit-check triggers, and stays, marked, in the
//! subject's own view.

use reqwest::Method;
use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};
use xinyong_domain::Role;

use crate::support::{
    COMPANY, PENALTY_HEADER, Signed, TestServer, call_as, create_accounts, days_ago, government_code, penalty_row,
    servers, signed, system_key, today,
};

const DEPT: &str = "淮北市市场监督管理局";
const OTHER: &str = "淮北市生态环境局";

async fn apply(server: &TestServer, who: &Signed, record: i64, commitment: i64) -> (u16, Value) {
    let form = Form::new()
        .text("record", record.to_string())
        .text("commitment", commitment.to_string())
        .part(
            "proof",
            Part::bytes(b"%PDF-1.4 payment receipt".to_vec()).file_name("缴款凭证.pdf"),
        );
    let response = server
        .client
        .post(server.url("/api/v1/me/repairs"))
        .header("cookie", format!("xy_session={}", who.cookie))
        .header("x-csrf-token", &who.csrf)
        .multipart(form)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap())
}

#[tokio::test]
async fn a_record_is_repaired_through_both_stages_and_leaves_every_public_view() {
    for server in servers().await {
        let row = |doc: &str, kinds: &str, fine: &str, days: u64| {
            penalty_row(
                "淮北市鑫源商贸有限公司",
                "法人及非法人组织",
                COMPANY,
                "",
                doc,
                kinds,
                fine,
                &days_ago(days),
                DEPT,
            )
        };
        let rows = [
            row("淮市监罚〔2026〕1号", "罚款", "200", 100),
            row("淮市监罚〔2026〕2号", "罚款", "0.5", 10),
            row("淮市监罚〔2025〕3号", "罚款;责令停产停业", "1", 400),
        ];
        let path = server.platform.dir.join("repair.csv");
        std::fs::write(&path, format!("{PENALTY_HEADER}\n{}\n", rows.join("\n"))).unwrap();
        let batch = server.platform.import(&path, "xzcf", DEPT).await;
        let issues = server
            .platform
            .store
            .batch_issues(batch.id, &xinyong_store::PageRequest::first(10))
            .await
            .unwrap();
        assert_eq!(batch.summary.n_accepted, 3, "{:?}", issues.items);

        let company = server.platform.store.subject_by_uscc(COMPANY).await.unwrap().unwrap();
        let desk = create_accounts(
            &server,
            &[(DEPT, government_code(1)), (OTHER, government_code(2))],
            vec![
                ("company", Role::Subject, None, Some(company)),
                ("operator", Role::Operator, Some(government_code(1)), None),
                ("other", Role::Operator, Some(government_code(2)), None),
                ("reviewer", Role::Reviewer, None, None),
            ],
        )
        .await;
        let system = system_key(&desk, "政府采购系统", &["zfcg"]).await;
        let company_s = signed(&server, "company").await;
        let operator = signed(&server, "operator").await;
        let other = signed(&server, "other").await;
        let reviewer = signed(&server, "reviewer").await;

        let (_, file) = call_as(&server, Method::GET, "/api/v1/me/file", &company_s, None).await;
        let id_of = |doc: &str| {
            file["records"]
                .as_array()
                .unwrap()
                .iter()
                .find(|r| r["doc_no"] == doc)
                .unwrap()["id"]
                .as_i64()
                .unwrap()
        };
        let (fine, recent, revoked) = (
            id_of("淮市监罚〔2026〕1号"),
            id_of("淮市监罚〔2026〕2号"),
            id_of("淮市监罚〔2025〕3号"),
        );
        let check = || async {
            let response = server
                .client
                .post(server.url("/api/v1/checks"))
                .bearer_auth(&system)
                .json(&json!({ "subject": COMPANY, "matter": "zfcg", "purpose": "zfcg" }))
                .send()
                .await
                .unwrap();
            let body: Value = response.json().await.unwrap();
            assert!(body["measures"].is_array(), "{body}");
            body["measures"]
                .as_array()
                .unwrap()
                .iter()
                .flat_map(|m| m["reasons"].as_array().unwrap().iter())
                .map(|r| r["rule"].as_str().unwrap().to_owned())
                .collect::<Vec<_>>()
        };
        assert!(
            check().await.contains(&"R-XZCF-ZFCG-FK".to_owned()),
            "the 200万元 fine triggers before repair"
        );

        // Eligibility: the day it becomes possible, never, or now.
        let (_, early) = call_as(
            &server,
            Method::GET,
            &format!("/api/v1/me/records/{recent}/repair-eligibility"),
            &company_s,
            None,
        )
        .await;
        assert_eq!(early["status"], "not_yet");
        let (_, never) = call_as(
            &server,
            Method::GET,
            &format!("/api/v1/me/records/{revoked}/repair-eligibility"),
            &company_s,
            None,
        )
        .await;
        assert_eq!(never["status"], "not_repairable");
        let (_, now) = call_as(
            &server,
            Method::GET,
            &format!("/api/v1/me/records/{fine}/repair-eligibility"),
            &company_s,
            None,
        )
        .await;
        assert_eq!(now["status"], "eligible");

        let (status, commitment) = call_as(
            &server,
            Method::POST,
            "/api/v1/me/commitments",
            &company_s,
            Some(json!({ "kind": "xyxf", "matter": "淮市监罚〔2026〕1号", "addressee": DEPT, "signer": "王五" })),
        )
        .await;
        assert_eq!(status, 201, "{commitment}");
        assert!(commitment["text"].as_str().unwrap().contains("淮北市鑫源商贸有限公司"));
        let commitment = commitment["id"].as_i64().unwrap();

        let (status, refused) = apply(&server, &company_s, recent, commitment).await;
        assert_eq!(
            (status, refused["code"].as_str()),
            (409, Some("not_eligible")),
            "{refused}"
        );
        assert!(refused["detail"].as_str().unwrap().contains("最短公示期限未满"));
        let (status, refused) = apply(&server, &company_s, revoked, commitment).await;
        assert_eq!(status, 409, "{refused}");
        assert!(refused["detail"].as_str().unwrap().contains("不予修复"));

        let (status, repair) = apply(&server, &company_s, fine, commitment).await;
        assert_eq!(
            (status, repair["status"].as_str()),
            (201, Some("submitted")),
            "{repair}"
        );
        assert_eq!(repair["proof"][0]["name"], "缴款凭证.pdf");
        let id = repair["id"].as_i64().unwrap();
        let (status, _) = apply(&server, &company_s, fine, commitment).await;
        assert_eq!(status, 409, "one running application per record");

        // Each stage by its own desk; every other step refused.
        let steps = format!("/api/v1/repairs/{id}/steps");
        let (status, _) = call_as(
            &server,
            Method::POST,
            &steps,
            &company_s,
            Some(json!({ "step": "forward" })),
        )
        .await;
        assert_eq!(status, 403, "a subject does not check its own application");
        let (status, early) = call_as(
            &server,
            Method::POST,
            &steps,
            &operator,
            Some(json!({ "step": "approve" })),
        )
        .await;
        assert_eq!(status, 403, "{early}");
        let (status, _) = call_as(
            &server,
            Method::POST,
            &steps,
            &reviewer,
            Some(json!({ "step": "deny" })),
        )
        .await;
        assert_eq!(status, 400, "a denial needs reasons");
        let (status, forwarded) = call_as(
            &server,
            Method::POST,
            &steps,
            &reviewer,
            Some(json!({ "step": "forward" })),
        )
        .await;
        assert_eq!(
            (status, forwarded["status"].as_str()),
            (200, Some("forwarded")),
            "{forwarded}"
        );
        let (status, again) = call_as(
            &server,
            Method::POST,
            &steps,
            &reviewer,
            Some(json!({ "step": "forward" })),
        )
        .await;
        assert_eq!(status, 403, "{again}");
        let (status, _) = call_as(
            &server,
            Method::POST,
            &steps,
            &other,
            Some(json!({ "step": "approve" })),
        )
        .await;
        assert_eq!(status, 404, "another department's record is not its to decide");
        let (_, listed) = call_as(&server, Method::GET, "/api/v1/repairs", &operator, None).await;
        assert_eq!(listed[0]["id"], id);
        let (status, approved) = call_as(
            &server,
            Method::POST,
            &steps,
            &operator,
            Some(json!({ "step": "approve" })),
        )
        .await;
        assert_eq!(
            (status, approved["status"].as_str()),
            (200, Some("repaired")),
            "{approved}"
        );
        let (status, closed) = call_as(
            &server,
            Method::POST,
            &steps,
            &operator,
            Some(json!({ "step": "deny", "reasons": "x" })),
        )
        .await;
        assert_eq!(
            (status, closed["code"].as_str()),
            (409, Some("illegal_transition")),
            "{closed}"
        );
        let (status, _) = call_as(
            &server,
            Method::POST,
            &format!("/api/v1/me/repairs/{id}/withdraw"),
            &company_s,
            None,
        )
        .await;
        assert_eq!(status, 409, "a closed application cannot be withdrawn");

        // The department uploads the record again with a change: the new
        // version is the same record, and stays repaired.
        let changed = row("淮市监罚〔2026〕1号", "罚款", "200", 100).replace("依法处罚", "依法处罚（更正）");
        let again = server.platform.dir.join("again.csv");
        std::fs::write(&again, format!("{PENALTY_HEADER}\n{changed}\n")).unwrap();
        let batch = server.platform.import(&again, "xzcf", DEPT).await;
        assert_eq!(batch.summary.n_new_versions, 1);

        // Gone from every public view and from the checks; kept, marked, for its subject.
        let (_, public) = server.json(&format!("/api/v1/subjects/{COMPANY}")).await;
        assert!(!public.to_string().contains("淮市监罚〔2026〕1号"), "{public}");
        let (_, listing) = server.json("/api/v1/records?type=xzcf").await;
        assert!(!listing.to_string().contains("淮市监罚〔2026〕1号"));
        let page = server.get(&format!("/subjects/{COMPANY}")).await.text().await.unwrap();
        assert!(!page.contains("淮市监罚〔2026〕1号") && page.contains("淮市监罚〔2026〕2号"));
        assert!(
            !check().await.contains(&"R-XZCF-ZFCG-FK".to_owned()),
            "a repaired record no longer triggers"
        );
        let (_, own) = call_as(&server, Method::GET, "/api/v1/me/file", &company_s, None).await;
        let repaired = own["records"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["doc_no"] == "淮市监罚〔2026〕1号")
            .unwrap();
        assert_ne!(repaired["id"], fine, "the new version");
        assert_eq!(repaired["repaired_on"], today().to_string());
        let (_, mine) = call_as(&server, Method::GET, "/api/v1/me/repairs", &company_s, None).await;
        assert_eq!(mine[0]["status_label"], "已修复");
        // The portal shows the repair and when the others become possible;
        // the public page shows the commitment.
        let portal = crate::pages::fetch(&server, "/me", Some(&company_s.cookie)).await;
        assert!(portal.has(&format!("已于 {} 修复", today())), "{}", portal.html);
        assert!(portal.has("最短公示期限未满，自") && portal.has("不予修复"));
        assert!(portal.has(&format!("已修复 {}", today())));
        let public_page = crate::pages::fetch(&server, &format!("/subjects/{COMPANY}"), None).await;
        assert!(
            public_page.has("信用修复型") && !public_page.has("淮市监罚〔2026〕1号"),
            "{}",
            public_page.html
        );
        server.stop().await;
    }
}
