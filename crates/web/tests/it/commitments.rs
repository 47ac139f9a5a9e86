//! Credit commitments over HTTP on each backend: a breach recorded by the
//! department the commitment was made to becomes a public 违背信用承诺信息
//! record of that department (through the import pipeline), which bars
//! 告知承诺 in licensing checks; a finding is recorded once, only by its
//! desk; the credit office finds on commitments made to the public, as
//! the configured office; a person's breach carries the number sealed,
//! shown masked.

use reqwest::Method;
use serde_json::{Value, json};
use xinyong_domain::Role;

use crate::support::{
    COMPANY, PERSON_ID, Signed, TestServer, call_as, create_accounts, government_code, penalty_file, servers, signed,
    system_key, today,
};

const DEPT: &str = "淮北市市场监督管理局";
const OTHER: &str = "淮北市生态环境局";

async fn sign(server: &TestServer, who: &Signed, kind: &str, matter: &str, to: Option<&str>) -> i64 {
    let body = json!({ "kind": kind, "matter": matter, "addressee": to, "signer": "王五" });
    let (status, signed) = call_as(server, Method::POST, "/api/v1/me/commitments", who, Some(body)).await;
    assert_eq!(status, 201, "{signed}");
    signed["id"].as_i64().unwrap()
}

async fn find(server: &TestServer, who: &Signed, id: i64, body: Value) -> (u16, Value) {
    call_as(
        server,
        Method::POST,
        &format!("/api/v1/commitments/{id}/finding"),
        who,
        Some(body),
    )
    .await
}

/// The public records of type `cnwy` of the subject `reference`.
async fn breaches(server: &TestServer, reference: &str) -> Vec<Value> {
    let response = server
        .client
        .get(server.url(&format!("/api/v1/subjects/{reference}")))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    let body: Value = response.json().await.unwrap();
    body["records"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["record_type"] == "cnwy")
        .cloned()
        .collect()
}

/// The ids of the commitments `who`'s desk lists.
async fn listed(server: &TestServer, who: &Signed, query: &str) -> Vec<i64> {
    let (status, body) = call_as(server, Method::GET, &format!("/api/v1/commitments{query}"), who, None).await;
    assert_eq!(status, 200, "{body}");
    body.as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_i64().unwrap())
        .collect()
}

fn field<'a>(record: &'a Value, key: &str) -> &'a str {
    record["fields"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["key"] == key)
        .and_then(|f| f["value"].as_str())
        .unwrap_or("")
}

#[tokio::test]
async fn a_breach_becomes_a_public_record_of_the_finding_department() {
    for server in servers().await {
        let batch = server
            .platform
            .import(&penalty_file(&server.platform), "xzcf", DEPT)
            .await;
        assert!(batch.summary.n_accepted >= 4, "{:?}", batch.summary);
        let store = &server.platform.store;
        let company = store.subject_by_uscc(COMPANY).await.unwrap().unwrap();
        let hash = server
            .platform
            .keys
            .keyed_hash(format!("身份证:{PERSON_ID}").as_bytes());
        let person = store.subject_by_person_hash(&hash).await.unwrap().unwrap();
        let person_ref = person.person_ref.clone().unwrap();
        let desk = create_accounts(
            &server,
            &[(DEPT, government_code(1)), (OTHER, government_code(2))],
            vec![
                ("company", Role::Subject, None, Some(company)),
                ("person", Role::Subject, None, Some(person)),
                ("operator", Role::Operator, Some(government_code(1)), None),
                ("other", Role::Operator, Some(government_code(2)), None),
                ("reviewer", Role::Reviewer, None, None),
            ],
        )
        .await;
        let approval = system_key(&desk, "政务服务审批系统", &["xzsp"]).await;
        let company_s = signed(&server, "company").await;
        let person_s = signed(&server, "person").await;
        let operator = signed(&server, "operator").await;
        let other = signed(&server, "other").await;
        let reviewer = signed(&server, "reviewer").await;
        let licensing = || async {
            let response = server
                .client
                .post(server.url("/api/v1/checks"))
                .bearer_auth(&approval)
                .json(&json!({ "subject": COMPANY, "matter": "xzxk", "purpose": "xzsp" }))
                .send()
                .await
                .unwrap();
            let body: Value = response.json().await.unwrap();
            body["measures"]
                .as_array()
                .unwrap_or(&Vec::new())
                .iter()
                .map(|m| m["code"].as_str().unwrap_or_default().to_owned())
                .collect::<Vec<_>>()
        };
        assert!(licensing().await.is_empty());

        // A commitment to a department the platform does not know is refused.
        let body = json!({ "kind": "gzcn", "matter": "食品经营许可", "addressee": "淮北市不存在局", "signer": "王五" });
        let (status, refused) = call_as(&server, Method::POST, "/api/v1/me/commitments", &company_s, Some(body)).await;
        assert_eq!(status, 400, "{refused}");
        assert!(refused["detail"].as_str().unwrap().contains("不存在"), "{refused}");

        let to_dept = sign(&server, &company_s, "gzcn", "食品经营许可", Some(DEPT)).await;
        // The department sees it awaiting a finding; another department does not.
        assert_eq!(listed(&server, &operator, "").await, [to_dept]);
        assert!(listed(&server, &other, "").await.is_empty());
        // Another department, the credit office and the subject itself may
        // not record a finding on a commitment made to this department.
        for who in [&other, &reviewer, &company_s] {
            let (status, body) = find(&server, who, to_dept, json!({ "kept": false, "note": "未补交材料" })).await;
            assert!(matches!(status, 403 | 404), "{status} {body}");
        }
        // Kept with a description of a breach is contradictory: refused.
        let (status, body) = find(
            &server,
            &operator,
            to_dept,
            json!({ "kept": true, "note": "未补交材料" }),
        )
        .await;
        assert_eq!(status, 400, "{body}");
        // A breach without what was not kept is refused, and changes nothing.
        let (status, body) = find(&server, &operator, to_dept, json!({ "kept": false })).await;
        assert_eq!(status, 400, "{body}");
        assert!(breaches(&server, COMPANY).await.is_empty());
        // So is one longer than its record's 违诺情形 may be (2000
        // characters): the commitment waits. (A record refused after the
        // claim takes the claim back: see the repeated breach below.)
        let long = "未".repeat(2001);
        let (status, body) = find(&server, &operator, to_dept, json!({ "kept": false, "note": long })).await;
        assert_eq!(status, 400, "{body}");
        assert!(
            body["detail"].as_str().unwrap().contains("违诺情况不能超过2000个字"),
            "{body}"
        );
        assert!(breaches(&server, COMPANY).await.is_empty());
        assert_eq!(listed(&server, &operator, "").await, [to_dept]);

        let (status, body) = find(
            &server,
            &operator,
            to_dept,
            json!({ "kept": false, "note": "承诺期限内未补交消防验收材料" }),
        )
        .await;
        assert_eq!((status, body["status"].as_str()), (200, Some("broken")), "{body}");
        let (status, body) = find(&server, &operator, to_dept, json!({ "kept": true })).await;
        assert_eq!(status, 409, "a finding is recorded once: {body}");
        assert!(listed(&server, &operator, "").await.is_empty());
        assert_eq!(listed(&server, &operator, "?open=false").await, [to_dept]);

        let records = breaches(&server, COMPANY).await;
        assert_eq!(records.len(), 1, "{records:?}");
        let breach = &records[0];
        let (_, desk) = call_as(&server, Method::GET, "/api/v1/commitments?open=false", &operator, None).await;
        assert_eq!(desk[0]["subject"]["name"], "淮北市鑫源商贸有限公司", "{desk}");
        assert_eq!(breach["source"], DEPT);
        assert_eq!(breach["doc_no"], format!("信用平台承诺第{to_dept}号"));
        assert_eq!(breach["decision_date"], today().to_string());
        assert_eq!(field(breach, "CN_WYQX"), "承诺期限内未补交消防验收材料");
        assert_eq!(field(breach, "CN_CNSX"), "食品经营许可");
        assert_eq!(field(breach, "CN_CNLX"), "审批替代型（告知承诺）");
        assert_eq!(licensing().await, ["CJ-CSC"], "a breach bars 告知承诺 in licensing");
        // It can be repaired like any 一般 record: after three months.
        let (_, eligibility) = call_as(
            &server,
            Method::GET,
            &format!("/api/v1/me/records/{}/repair-eligibility", breach["id"]),
            &company_s,
            None,
        )
        .await;
        assert_eq!(eligibility["status"], "not_yet", "{eligibility}");
        let from = xinyong_domain::date::add_months(today(), 3).to_string();
        assert_eq!(eligibility["from"], from.as_str(), "{eligibility}");

        // A commitment to the public: the credit office finds, as the office;
        // a repair commitment's matter (the record repaired) stays unpublished.
        let to_public = sign(&server, &company_s, "xyxf", "淮市监罚〔2026〕1号", None).await;
        assert_eq!(listed(&server, &reviewer, "").await, [to_public]);
        let (status, body) = find(&server, &operator, to_public, json!({ "kept": false, "note": "x" })).await;
        assert_eq!(status, 404, "{body}");
        let (status, body) = find(
            &server,
            &reviewer,
            to_public,
            json!({ "kept": false, "note": "修复申请材料不实" }),
        )
        .await;
        assert_eq!(status, 200, "{body}");
        let records = breaches(&server, COMPANY).await;
        let office = records
            .iter()
            .find(|r| r["doc_no"] == format!("信用平台承诺第{to_public}号"))
            .unwrap();
        assert_eq!(office["source"], xinyong_rights::RightsSettings::default().office);
        assert_eq!(field(office, "CN_CNSX"), "");
        assert!(!office.to_string().contains("淮市监罚〔2026〕1号"), "{office}");
        // The office is the department of the records it made: an objection
        // to one is accepted and then decided by the office itself.
        let body = json!({ "record": office["id"], "reasons": "修复申请材料真实，见附件" });
        let (status, filed) = call_as(&server, Method::POST, "/api/v1/me/objections", &company_s, Some(body)).await;
        assert_eq!(status, 201, "{filed}");
        let steps = format!("/api/v1/objections/{}/steps", filed["id"]);
        for (step, expected) in [
            (json!({ "step": "accept" }), "reviewing"),
            (json!({ "step": "reject", "reasons": "经核查材料不实" }), "rejected"),
        ] {
            let (status, body) = call_as(&server, Method::POST, &steps, &reviewer, Some(step)).await;
            assert_eq!((status, body["status"].as_str()), (200, Some(expected)), "{body}");
        }
        // Closed: any further step is a conflict of state, whichever stage it is.
        for step in [
            json!({ "step": "accept" }),
            json!({ "step": "reject", "reasons": "再次" }),
        ] {
            let (status, body) = call_as(&server, Method::POST, &steps, &reviewer, Some(step)).await;
            assert_eq!(
                (status, body["code"].as_str()),
                (409, Some("illegal_transition")),
                "{body}"
            );
        }
        // The public file lists the published commitment, its matter left out.
        let (_, public) = server.json(&format!("/api/v1/subjects/{COMPANY}")).await;
        let published = public["commitments"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["kind"] == "xyxf")
            .unwrap();
        assert_eq!(
            (
                published["matter"].as_str(),
                published["status"].as_str(),
                published["status_label"].as_str()
            ),
            (Some(""), Some("broken"), Some("未履约")),
            "{published}"
        );
        assert!(
            !public["commitments"].to_string().contains("淮市监罚〔2026〕1号"),
            "{public}"
        );

        // A kept commitment makes no record.
        let kept = sign(&server, &company_s, "hyzl", "食品经营行业", Some(DEPT)).await;
        let (status, _) = find(&server, &operator, kept, json!({ "kept": true })).await;
        assert_eq!(status, 200);
        assert_eq!(breaches(&server, COMPANY).await.len(), 2);

        // A person's breach: the record is made with the number whole (it
        // is checked like any upload) and shown masked.
        let name = server
            .platform
            .store
            .subject_by_person_hash(&hash)
            .await
            .unwrap()
            .unwrap()
            .name;
        let matter = format!("户外广告设置许可（{name}，身份证{PERSON_ID}）");
        let personal = sign(&server, &person_s, "rqsl", &matter, Some(DEPT)).await;
        // Officials read the list without a stated purpose, the public the
        // file: neither sees the number or the person's name whole.
        let (_, desk) = call_as(&server, Method::GET, "/api/v1/commitments", &operator, None).await;
        let (_, public) = server.json(&format!("/api/v1/subjects/{person_ref}")).await;
        for shown in [desk.to_string(), public["commitments"].to_string()] {
            assert!(!shown.contains(PERSON_ID) && !shown.contains(&name), "{shown}");
        }
        assert!(desk.to_string().contains("户外广告设置许可"), "{desk}");
        let (_, own) = call_as(&server, Method::GET, "/api/v1/me/commitments", &person_s, None).await;
        assert!(
            own.to_string().contains(PERSON_ID),
            "the signer's own view has it whole"
        );
        let text = own[0]["text"].as_str().unwrap();
        assert!(
            text.contains("（证件号码：") && !text.contains("统一社会信用代码"),
            "a person is named by its ID number, masked: {text}"
        );
        let (status, body) = find(
            &server,
            &operator,
            personal,
            json!({ "kept": false, "note": "逾期未补齐材料" }),
        )
        .await;
        assert_eq!(status, 200, "{body}");
        let records = breaches(&server, &person_ref).await;
        assert_eq!(records.len(), 1, "{records:?}");
        let shown = records[0].to_string();
        assert!(!shown.contains(PERSON_ID), "{shown}");
        assert!(field(&records[0], "CN_XDR_ZJHM").contains('*'), "{shown}");
        let (_, file) = call_as(&server, Method::GET, "/api/v1/me/file", &person_s, None).await;
        let own = file["records"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["record_type"] == "cnwy")
            .unwrap();
        assert_eq!(
            field(own, "CN_XDR_ZJHM"),
            PERSON_ID,
            "the person's own file shows it whole"
        );

        // A breach record withdrawn on objection takes its finding back: the
        // commitment waits for a finding again (and is found kept this time).
        let body = json!({ "record": breach["id"], "reasons": "已按期补交材料，见回执" });
        let (status, filed) = call_as(&server, Method::POST, "/api/v1/me/objections", &company_s, Some(body)).await;
        assert_eq!(status, 201, "{filed}");
        let steps = format!("/api/v1/objections/{}/steps", filed["id"]);
        let (status, _) = call_as(
            &server,
            Method::POST,
            &steps,
            &reviewer,
            Some(json!({ "step": "accept" })),
        )
        .await;
        assert_eq!(status, 200);
        let withdraw = json!({ "step": "uphold", "withdraw": true });
        let (status, upheld) = call_as(&server, Method::POST, &steps, &operator, Some(withdraw)).await;
        assert_eq!(status, 200, "{upheld}");
        assert!(
            breaches(&server, COMPANY).await.iter().all(|r| r["id"] != breach["id"]),
            "withdrawn"
        );
        assert_eq!(listed(&server, &operator, "").await, [to_dept], "open again");
        let (_, mine) = call_as(&server, Method::GET, "/api/v1/me/commitments", &company_s, None).await;
        let reopened = mine.as_array().unwrap().iter().find(|c| c["id"] == to_dept).unwrap();
        assert_eq!(reopened["status"], "signed", "{reopened}");
        // The same breach again would be the withdrawn record itself: refused.
        let same = json!({ "kept": false, "note": "承诺期限内未补交消防验收材料" });
        let (status, body) = find(&server, &operator, to_dept, same).await;
        assert_eq!(status, 400, "{body}");
        assert!(body["detail"].as_str().unwrap().contains("新的违诺情形"), "{body}");
        assert_eq!(listed(&server, &operator, "").await, [to_dept], "still open");
        let (status, body) = find(&server, &operator, to_dept, json!({ "kept": true })).await;
        assert_eq!((status, body["status"].as_str()), (200, Some("kept")), "{body}");
        let entries = server.platform.store.audit_entries(0, 1000).await.unwrap();
        assert!(entries.iter().any(|e| e.event.action == "commitment.reopen"));

        // A commitment made to the credit office by name (as a repair of a
        // record it made is) is the office's to find on.
        let office_name = xinyong_rights::RightsSettings::default().office;
        let to_office = sign(&server, &company_s, "xyxf", "信用平台承诺第2号", Some(&office_name)).await;
        assert!(listed(&server, &reviewer, "").await.contains(&to_office));
        let (status, body) = find(&server, &reviewer, to_office, json!({ "kept": true })).await;
        assert_eq!((status, body["status"].as_str()), (200, Some("kept")), "{body}");
        assert_eq!(body["subject"]["name"], "淮北市鑫源商贸有限公司", "{body}");
    }
}
