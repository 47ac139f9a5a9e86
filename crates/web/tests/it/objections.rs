//! Objections over HTTP on each backend: only a record's own subject may
//! object; while it runs the record shows 异议处理中 on pages and in the
//! API; the office accepts, the record's department upholds it with a
//! correction that becomes a new version (the old kept) or rejects it;
//! every other step is refused; every step is in the audit log.

use reqwest::Method;
use serde_json::json;
use xinyong_domain::Role;
use xinyong_store::PageRequest;

use crate::support::{
    COMPANY, PENALTY_HEADER, SHOP, call_as, create_accounts, days_ago, government_code, penalty_row, servers, signed,
    system_key,
};

const DEPT: &str = "淮北市市场监督管理局";
const OTHER: &str = "淮北市生态环境局";

#[tokio::test]
async fn an_objection_is_marked_while_it_runs_and_an_upheld_one_corrects_the_record() {
    for server in servers().await {
        let rows = [
            penalty_row(
                "淮北市鑫源商贸有限公司",
                "法人及非法人组织",
                COMPANY,
                "",
                "淮市监罚〔2026〕5号",
                "罚款",
                "0.5",
                &days_ago(10),
                DEPT,
            ),
            penalty_row(
                "相山区鑫源小吃店",
                "个体工商户",
                SHOP,
                "",
                "淮市监罚〔2026〕6号",
                "罚款",
                "0.2",
                &days_ago(12),
                DEPT,
            ),
        ];
        let path = server.platform.dir.join("objections.csv");
        std::fs::write(&path, format!("{PENALTY_HEADER}\n{}\n", rows.join("\n"))).unwrap();
        server.platform.import(&path, "xzcf", DEPT).await;
        let company = server.platform.store.subject_by_uscc(COMPANY).await.unwrap().unwrap();
        let shop = server.platform.store.subject_by_uscc(SHOP).await.unwrap().unwrap();
        let desk = create_accounts(
            &server,
            &[(DEPT, government_code(1)), (OTHER, government_code(2))],
            vec![
                ("company", Role::Subject, None, Some(company.clone())),
                ("shop", Role::Subject, None, Some(shop)),
                ("operator", Role::Operator, Some(government_code(1)), None),
                ("other", Role::Operator, Some(government_code(2)), None),
                ("reviewer", Role::Reviewer, None, None),
            ],
        )
        .await;
        let owner = signed(&server, "company").await;
        let stranger = signed(&server, "shop").await;
        let operator = signed(&server, "operator").await;
        let other = signed(&server, "other").await;
        let reviewer = signed(&server, "reviewer").await;
        let (_, file) = call_as(&server, Method::GET, "/api/v1/me/file", &owner, None).await;
        let record = file["records"][0]["id"].as_i64().unwrap();

        // Standing: only the record's own subject.
        let body = json!({ "record": record, "reasons": "罚款金额与决定书不符，决定书为0.3万元" });
        let (status, _) = call_as(
            &server,
            Method::POST,
            "/api/v1/me/objections",
            &stranger,
            Some(body.clone()),
        )
        .await;
        assert_eq!(status, 404, "an unrelated subject cannot object to another's record");
        let (status, _) = call_as(
            &server,
            Method::POST,
            "/api/v1/me/objections",
            &operator,
            Some(body.clone()),
        )
        .await;
        assert_eq!(status, 403);
        // Filed as multipart with a supporting document.
        let form = reqwest::multipart::Form::new()
            .text("record", record.to_string())
            .text("reasons", "罚款金额与决定书不符，决定书为0.3万元")
            .part(
                "attachment",
                reqwest::multipart::Part::bytes(b"%PDF decision".to_vec()).file_name("决定书.pdf"),
            );
        let response = server
            .client
            .post(server.url("/api/v1/me/objections"))
            .header("cookie", format!("xy_session={}", owner.cookie))
            .header("x-csrf-token", &owner.csrf)
            .multipart(form)
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        let filed: serde_json::Value = response.json().await.unwrap();
        assert_eq!(filed["attachments"][0]["name"], "决定书.pdf", "{filed}");
        assert_eq!((status, filed["status"].as_str()), (201, Some("filed")), "{filed}");
        let id = filed["id"].as_i64().unwrap();
        let (status, _) = call_as(&server, Method::POST, "/api/v1/me/objections", &owner, Some(body)).await;
        assert_eq!(status, 409, "one running objection per record");

        // Marked everywhere while it runs.
        let (_, public) = server.json(&format!("/api/v1/subjects/{COMPANY}")).await;
        assert_eq!(public["records"][0]["under_objection"], true);
        let (_, listing) = server.json("/api/v1/records?type=xzcf").await;
        let listed = listing["items"].as_array().unwrap();
        assert!(listed.iter().any(|r| r["id"] == record && r["under_objection"] == true));
        assert!(
            listed
                .iter()
                .any(|r| r["id"] != record && r["under_objection"] == false)
        );
        let page = crate::pages::fetch(&server, &format!("/subjects/{COMPANY}"), None).await;
        assert!(page.has("异议处理中"));
        // In a credit check's answer too.
        let approval = system_key(&desk, "政务服务审批系统", &["xzsp"]).await;
        let response = server
            .client
            .post(server.url("/api/v1/checks"))
            .bearer_auth(&approval)
            .json(&json!({ "subject": COMPANY, "matter": "xzxk", "purpose": "xzsp" }))
            .send()
            .await
            .unwrap();
        let answer: serde_json::Value = response.json().await.unwrap();
        let shown = answer["records"].as_array().unwrap();
        assert!(
            shown.iter().any(|r| r["id"] == record && r["under_objection"] == true),
            "{answer}"
        );

        // Each stage by its own desk.
        let steps = format!("/api/v1/objections/{id}/steps");
        let (status, _) = call_as(
            &server,
            Method::POST,
            &steps,
            &operator,
            Some(json!({ "step": "reject", "reasons": "x" })),
        )
        .await;
        assert_eq!(status, 403, "not yet accepted");
        let (status, _) = call_as(
            &server,
            Method::POST,
            &steps,
            &reviewer,
            Some(json!({ "step": "refuse" })),
        )
        .await;
        assert_eq!(status, 400, "a refusal needs reasons");
        let (status, accepted) = call_as(
            &server,
            Method::POST,
            &steps,
            &reviewer,
            Some(json!({ "step": "accept" })),
        )
        .await;
        assert_eq!(
            (status, accepted["status"].as_str()),
            (200, Some("reviewing")),
            "{accepted}"
        );
        let (status, twice) = call_as(
            &server,
            Method::POST,
            &steps,
            &reviewer,
            Some(json!({ "step": "accept" })),
        )
        .await;
        assert_eq!(
            (status, twice["code"].as_str()),
            (409, Some("illegal_transition")),
            "{twice}"
        );
        let (status, _) = call_as(
            &server,
            Method::POST,
            &steps,
            &reviewer,
            Some(json!({ "step": "uphold", "withdraw": true })),
        )
        .await;
        assert_eq!(status, 403, "the office does not decide");
        let (status, _) = call_as(
            &server,
            Method::POST,
            &steps,
            &other,
            Some(json!({ "step": "reject", "reasons": "x" })),
        )
        .await;
        assert_eq!(status, 404, "another department's record");
        let (status, key) = call_as(
            &server,
            Method::POST,
            &steps,
            &operator,
            Some(json!({ "step": "uphold", "corrections": { "CF_WSH": "淮市监罚〔2026〕55号" } })),
        )
        .await;
        assert_eq!(status, 400, "{key}");
        // A correction that fails the item's check gives the objection back.
        // A personal identifier is not corrected by objection (its value
        // would be kept in clear with the objection).
        let personal = json!({ "step": "uphold", "corrections": { "CF_FR_ZJHM": "340602199001011234" } });
        let (status, refused) = call_as(&server, Method::POST, &steps, &operator, Some(personal)).await;
        assert_eq!(status, 400, "{refused}");
        assert!(
            refused["detail"].as_str().unwrap().contains("不能通过异议更正"),
            "{refused}"
        );
        // Both remedies at once is a contradiction, and an item about the
        // upload (the source's code) is not the decision's to correct.
        for (body, said) in [
            (
                json!({ "step": "uphold", "withdraw": true, "corrections": { "CF_NR_FK": "0.3" } }),
                "只能选择一种",
            ),
            (
                json!({ "step": "uphold", "corrections": { "CF_SJLYDM": government_code(2) } }),
                "不能通过异议更正",
            ),
        ] {
            let (status, refused) = call_as(&server, Method::POST, &steps, &operator, Some(body)).await;
            assert_eq!(status, 400, "{refused}");
            assert!(refused["detail"].as_str().unwrap().contains(said), "{refused}");
        }
        let bad = json!({ "step": "uphold", "corrections": { "CF_NR_FK": "很多" } });
        let (status, refused) = call_as(&server, Method::POST, &steps, &operator, Some(bad)).await;
        assert_eq!(status, 400, "{refused}");
        assert!(
            refused["detail"].as_str().unwrap().contains("更正未通过校验"),
            "{refused}"
        );
        // So does a "correction" that changes nothing.
        let fine = file["records"][0]["fields"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["key"] == "CF_NR_FK")
            .map(|f| f["value"].as_str().unwrap().to_owned())
            .unwrap();
        let same = json!({ "step": "uphold", "corrections": { "CF_NR_FK": fine } });
        let (status, refused) = call_as(&server, Method::POST, &steps, &operator, Some(same)).await;
        assert_eq!(status, 400, "{refused}");
        assert!(
            refused["detail"].as_str().unwrap().contains("与原信息相同"),
            "{refused}"
        );
        let (_, open) = call_as(&server, Method::GET, "/api/v1/objections", &operator, None).await;
        assert_eq!(open[0]["status"], "reviewing", "{open}");
        let (status, upheld) = call_as(
            &server,
            Method::POST,
            &steps,
            &operator,
            Some(json!({ "step": "uphold", "corrections": { "CF_NR_FK": "0.3" } })),
        )
        .await;
        assert_eq!((status, upheld["status"].as_str()), (200, Some("upheld")), "{upheld}");
        let corrected = upheld["corrected_record"].as_i64().unwrap();
        assert_ne!(corrected, record);
        assert_eq!(
            upheld["remedy"],
            json!({ "kind": "correction", "changes": [{ "item": "CF_NR_FK", "value": "0.3" }] })
        );
        assert_eq!(upheld["reasons_given"], serde_json::Value::Null);
        let (status, _) = call_as(
            &server,
            Method::POST,
            &format!("/api/v1/me/objections/{id}/withdraw"),
            &owner,
            None,
        )
        .await;
        assert_eq!(status, 409, "closed");

        // Both versions kept; the new one current and no longer marked.
        let versions = server
            .platform
            .store
            .records_of_subject(company.id, true)
            .await
            .unwrap();
        let of_doc: Vec<_> = versions
            .iter()
            .filter(|r| r.key.doc_no == "淮市监罚〔2026〕5号")
            .collect();
        assert_eq!(of_doc.len(), 2);
        let old = of_doc.iter().find(|r| r.id == record).unwrap();
        let new = of_doc.iter().find(|r| r.id == corrected).unwrap();
        assert!(!old.current && new.current && new.version == old.version + 1);
        assert_eq!(
            (old.payload["CF_NR_FK"].as_str(), new.payload["CF_NR_FK"].as_str()),
            (Some("0.5"), Some("0.3"))
        );
        let (_, public) = server.json(&format!("/api/v1/subjects/{COMPANY}")).await;
        assert_eq!(public["records"][0]["id"], corrected);
        assert_eq!(public["records"][0]["under_objection"], false);

        // The audit trail has every step.
        let entries = server.platform.store.audit_entries(0, 1000).await.unwrap();
        let steps: Vec<String> = entries
            .iter()
            .filter(|e| e.event.action.starts_with("objection."))
            .map(|e| e.event.action.clone())
            .collect();
        assert_eq!(steps, ["objection.file", "objection.step", "objection.step"]);
        // The shop's own objection is upheld by withdrawing its record; the
        // department's next upload of the same file leaves it withdrawn.
        let shop_s = stranger;
        let (_, shop_file) = call_as(&server, Method::GET, "/api/v1/me/file", &shop_s, None).await;
        let shop_record = shop_file["records"][0]["id"].as_i64().unwrap();
        let body = json!({ "record": shop_record, "reasons": "该处罚已被复议撤销" });
        let (_, filed) = call_as(&server, Method::POST, "/api/v1/me/objections", &shop_s, Some(body)).await;
        let steps = format!("/api/v1/objections/{}/steps", filed["id"]);
        call_as(
            &server,
            Method::POST,
            &steps,
            &reviewer,
            Some(json!({ "step": "accept" })),
        )
        .await;
        let uphold = json!({ "step": "uphold", "withdraw": true });
        let (status, upheld) = call_as(&server, Method::POST, &steps, &operator, Some(uphold)).await;
        assert_eq!(status, 200);
        assert_eq!(upheld["remedy"], json!({ "kind": "withdrawal", "changes": [] }));
        let portal = crate::pages::fetch(&server, "/me", Some(&shop_s.cookie)).await;
        assert!(
            portal.has("淮市监罚〔2026〕6号") && portal.has("该信息已撤销"),
            "the withdrawn record is named by its number: {}",
            portal.html
        );
        let (_, public) = server.json(&format!("/api/v1/subjects/{SHOP}")).await;
        assert!(public["records"].as_array().unwrap().is_empty(), "{public}");
        let again = server.platform.import(&path, "xzcf", DEPT).await;
        assert_eq!(again.summary.n_rejected, 0, "{:?}", again.summary);
        let (_, public) = server.json(&format!("/api/v1/subjects/{SHOP}")).await;
        assert!(
            public["records"].as_array().unwrap().is_empty(),
            "the withdrawn record stays withdrawn: {public}"
        );

        let batches = server
            .platform
            .store
            .list_batches(Some(DEPT), &PageRequest::first(10))
            .await
            .unwrap();
        assert!(
            batches.items.iter().any(|b| b.new.file_name.starts_with("异议更正")),
            "the correction is the department's batch"
        );
        server.stop().await;
    }
}

/// The national rules let a subject object through Credit China or directly
/// to the authority holding the record: the credit office registers any
/// such objection, a department one about its own records; an agent must
/// show the subject's 授权委托书. It then runs like any other.
#[tokio::test]
async fn an_official_registers_an_objection_filed_elsewhere() {
    for server in servers().await {
        let row = penalty_row(
            "淮北市鑫源商贸有限公司",
            "法人及非法人组织",
            COMPANY,
            "",
            "淮市监罚〔2026〕5号",
            "罚款",
            "0.5",
            &days_ago(10),
            DEPT,
        );
        let path = server.platform.dir.join("registered.csv");
        std::fs::write(&path, format!("{PENALTY_HEADER}\n{row}\n")).unwrap();
        server.platform.import(&path, "xzcf", DEPT).await;
        let company = server.platform.store.subject_by_uscc(COMPANY).await.unwrap().unwrap();
        create_accounts(
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
        let owner = signed(&server, "company").await;
        let operator = signed(&server, "operator").await;
        let other = signed(&server, "other").await;
        let reviewer = signed(&server, "reviewer").await;
        let (_, file) = call_as(&server, Method::GET, "/api/v1/me/file", &owner, None).await;
        let record = file["records"][0]["id"].as_i64().unwrap();
        let form = |standing: &str, channel: &str| {
            json!({ "record": record, "reasons": "罚款金额与决定书不符", "applicant": "王某",
                    "standing": standing, "channel": channel })
        };

        // Who may not register, and what is incomplete.
        let (status, _) = call_as(
            &server,
            Method::POST,
            "/api/v1/objections",
            &owner,
            Some(form("subject", "mail")),
        )
        .await;
        assert_eq!(status, 403, "a subject files its own through /me");
        let (status, _) = call_as(
            &server,
            Method::POST,
            "/api/v1/objections",
            &other,
            Some(form("subject", "counter")),
        )
        .await;
        assert_eq!(status, 404, "another department's record");
        let (status, body) = call_as(
            &server,
            Method::POST,
            "/api/v1/objections",
            &reviewer,
            Some(form("subject", "fax")),
        )
        .await;
        assert_eq!(status, 400);
        assert!(
            body["detail"]
                .as_str()
                .unwrap()
                .contains("credit_china（信用中国网站转办）"),
            "{body}"
        );
        let (status, body) = call_as(
            &server,
            Method::POST,
            "/api/v1/objections",
            &reviewer,
            Some(form("agent", "mail")),
        )
        .await;
        assert_eq!(status, 400);
        assert!(body["detail"].as_str().unwrap().contains("授权委托书"), "{body}");
        let anonymous = server
            .client
            .post(server.url("/api/v1/objections"))
            .json(&form("subject", "mail"))
            .send()
            .await
            .unwrap();
        assert_eq!(anonymous.status().as_u16(), 401);

        // The department registers an agent's objection brought to it, with
        // the power of attorney attached.
        let attorney = reqwest::multipart::Part::bytes(b"%PDF-1.4 authorisation".to_vec()).file_name("授权委托书.pdf");
        let multipart = reqwest::multipart::Form::new()
            .text("record", record.to_string())
            .text("reasons", "罚款金额与决定书不符，决定书为0.3万元")
            .text("applicant", "安徽某律师事务所")
            .text("standing", "agent")
            .text("channel", "counter")
            .part("attachment", attorney);
        let response = server
            .client
            .post(server.url("/api/v1/objections"))
            .header("cookie", format!("xy_session={}", operator.cookie))
            .header("x-csrf-token", &operator.csrf)
            .multipart(multipart)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), 201);
        let filed: serde_json::Value = response.json().await.unwrap();
        assert_eq!(filed["status"], "filed", "{filed}");
        assert_eq!(filed["attachments"][0]["name"], "授权委托书.pdf", "{filed}");
        let filer = filed["filer"].as_str().unwrap();
        assert!(
            filer == format!("安徽某律师事务所（委托代理人，窗口受理，由{DEPT}登记）"),
            "{filer}"
        );
        // The subject sees it as its own, the record is marked, and a second
        // one on the same record waits for the first.
        let (_, mine) = call_as(&server, Method::GET, "/api/v1/me/objections", &owner, None).await;
        assert_eq!(mine[0]["id"], filed["id"], "{mine}");
        let (_, public) = server.json(&format!("/api/v1/subjects/{COMPANY}")).await;
        assert_eq!(public["records"][0]["under_objection"], true, "{public}");
        let (status, _) = call_as(
            &server,
            Method::POST,
            "/api/v1/objections",
            &reviewer,
            Some(form("subject", "credit_china")),
        )
        .await;
        assert_eq!(status, 409);
        // It runs like any other: the office accepts it first.
        let steps = format!("/api/v1/objections/{}/steps", filed["id"]);
        let (status, accepted) = call_as(
            &server,
            Method::POST,
            &steps,
            &reviewer,
            Some(json!({ "step": "accept" })),
        )
        .await;
        assert_eq!((status, accepted["status"].as_str()), (200, Some("reviewing")));
        let entries = server.platform.store.audit_entries(0, 1000).await.unwrap();
        let registered = entries.iter().find(|e| e.event.action == "objection.file").unwrap();
        assert!(registered.event.detail.contains(filer), "{}", registered.event.detail);
        server.stop().await;
    }
}

/// A stop between a claim and the record it is for (a crash, a kill) is
/// settled at the next start: a breach finding without its record is given
/// back; a correction whose import was made is linked to the new version,
/// one whose import was not goes back to the department.
#[tokio::test]
async fn a_step_cut_by_a_stop_is_settled_at_the_next_start() {
    for server in servers().await {
        let row = |fine: &str| {
            penalty_row(
                "淮北市鑫源商贸有限公司",
                "法人及非法人组织",
                COMPANY,
                "",
                "淮市监罚〔2026〕5号",
                "罚款",
                fine,
                &days_ago(10),
                DEPT,
            )
        };
        let path = server.platform.dir.join("recovery.csv");
        std::fs::write(&path, format!("{PENALTY_HEADER}\n{}\n", row("0.5"))).unwrap();
        server.platform.import(&path, "xzcf", DEPT).await;
        let store = &server.platform.store;
        let company = store.subject_by_uscc(COMPANY).await.unwrap().unwrap();
        create_accounts(
            &server,
            &[(DEPT, government_code(1))],
            vec![
                ("company", Role::Subject, None, Some(company)),
                ("reviewer", Role::Reviewer, None, None),
            ],
        )
        .await;
        let owner = signed(&server, "company").await;
        let reviewer = signed(&server, "reviewer").await;
        assert_eq!(server.rights.recover().await.unwrap(), 0, "nothing to settle");

        // A breach claimed, its record never made.
        let body = json!({ "kind": "gzcn", "matter": "食品经营许可", "addressee": DEPT, "signer": "王五" });
        let (_, signed_one) = call_as(&server, Method::POST, "/api/v1/me/commitments", &owner, Some(body)).await;
        let commitment = signed_one["id"].as_i64().unwrap();
        let claim = xinyong_store::CommitmentFinding {
            status: "broken".into(),
            on: crate::support::today(),
            note: Some("逾期未补齐材料".into()),
            by: "account:9:operator".into(),
        };
        assert!(store.record_finding(commitment, "signed", Some(&claim)).await.unwrap());

        // A correction claimed twice: once before its import, once after.
        let (_, file) = call_as(&server, Method::GET, "/api/v1/me/file", &owner, None).await;
        let record = file["records"][0]["id"].as_i64().unwrap();
        let body = json!({ "record": record, "reasons": "罚款金额应为0.3万元" });
        let (_, filed) = call_as(&server, Method::POST, "/api/v1/me/objections", &owner, Some(body)).await;
        let objection = filed["id"].as_i64().unwrap();
        let steps = format!("/api/v1/objections/{objection}/steps");
        call_as(
            &server,
            Method::POST,
            &steps,
            &reviewer,
            Some(json!({ "step": "accept" })),
        )
        .await;
        let claimed = xinyong_store::ObjectionUpdate {
            status: "upheld".into(),
            due_on: None,
            accepted_on: None,
            closed_on: Some(crate::support::today()),
            outcome: Some(r#"{"remedy":"correction","changes":[{"item":"CF_NR_FK","value":"0.3"}]}"#.into()),
            corrected_record: None,
            withdraw_record: false,
        };
        assert!(store.update_objection(objection, "reviewing", &claimed).await.unwrap());

        assert_eq!(server.rights.recover().await.unwrap(), 2);
        let given_back = store.commitment(commitment).await.unwrap().unwrap();
        assert_eq!((given_back.status.as_str(), given_back.finding_on), ("signed", None));
        let back = store.objection(objection).await.unwrap().unwrap();
        assert_eq!((back.status.as_str(), back.outcome), ("reviewing", None));
        assert!(back.due_on.is_some(), "its deadline kept");

        // Claimed again, and this time the corrected version was imported.
        assert!(store.update_objection(objection, "reviewing", &claimed).await.unwrap());
        std::fs::write(&path, format!("{PENALTY_HEADER}\n{}\n", row("0.3"))).unwrap();
        let batch = server.platform.import(&path, "xzcf", DEPT).await;
        assert_eq!(batch.summary.n_new_versions, 1, "{:?}", batch.summary);
        assert_eq!(server.rights.recover().await.unwrap(), 1);
        let linked = store.objection(objection).await.unwrap().unwrap();
        assert_eq!(linked.status, "upheld");
        let corrected = linked.corrected_record.unwrap();
        assert_ne!(corrected, record);
        assert_eq!(
            store.record_by_id(corrected).await.unwrap().unwrap().payload["CF_NR_FK"],
            "0.3"
        );
        assert_eq!(server.rights.recover().await.unwrap(), 0, "settled once");
        let entries = store.audit_entries(0, 1000).await.unwrap();
        let recovered = entries.iter().filter(|e| e.event.action.ends_with(".recover")).count();
        assert_eq!(recovered, 3);
        server.stop().await;
    }
}
