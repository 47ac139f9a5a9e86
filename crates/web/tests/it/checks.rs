//! Credit checks over HTTP: lists imported through the pipeline trigger
//! measures with their basis; feedback belongs to the checking system; a
//! check is audited and shows in the subject's own query log.

use reqwest::Method;
use serde_json::{Value, json};
use xinyong_access::{AccountRequest, KeyRequest, Principal};
use xinyong_checks::CheckSettings;
use xinyong_domain::Role;
use xinyong_testkit::Platform;

use crate::support::{COMPANY, PERSON_ID, SHOP, TestServer, days_ago, penalty_file, sign_in, today};

const PASSWORD: &str = "correct horse battery";
const FINANCE: &str = "安徽省财政厅";
/// A citizen ID number (宿州) whose characters also pass both GB 32100 checks.
const AMBIGUOUS_ID: &str = "34130219700101021X";

fn write(platform: &Platform, name: &str, text: &str) -> std::path::PathBuf {
    let path = platform.dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

const BLACK_HEADER: &str = "主体名称,主体类别,统一社会信用代码,证件类型,证件号码,名单名称,列入决定文书号,列入原因,列入依据,列入机关,列入日期,移出日期,移出原因\n";
const ABNORMAL_HEADER: &str =
    "主体名称,主体类别,统一社会信用代码,列入经营异常名录原因,列入决定书文号,作出决定机关,列入日期,移出日期\n";

/// The company's black-list entry, removed on `removed` if not empty.
fn company_black_listed(removed: &str) -> String {
    let reason = if removed.is_empty() { "" } else { "信用修复" };
    format!(
        "淮北市鑫源商贸有限公司,法人及非法人组织,{COMPANY},,,政府采购严重违法失信行为记录名单,皖财购〔2026〕7号,提供虚假材料谋取中标,《中华人民共和国政府采购法》第七十七条,{FINANCE},{},{removed},{reason}\n",
        days_ago(30)
    )
}

/// The company's abnormal-operations entry, removed on `removed` if not empty.
fn company_abnormal(removed: &str) -> String {
    format!(
        "淮北市鑫源商贸有限公司,法人及非法人组织,{COMPANY},未按规定期限公示年度报告,淮市监异〔2026〕8号,淮北市市场监督管理局,{},{removed}\n",
        days_ago(100)
    )
}

/// The black list holds the company and a person, the abnormal-operations
/// list the company, the red list the shop.
async fn import_lists(platform: &Platform) {
    let black = format!(
        "{BLACK_HEADER}{}张三丰,自然人,,身份证,{PERSON_ID},失信被执行人,（2026）皖0602执12号,有履行能力而拒不履行,《最高人民法院关于公布失信被执行人名单信息的若干规定》第一条,淮北市相山区人民法院,{},,\n",
        company_black_listed(""),
        days_ago(40),
    );
    let batch = platform
        .import(&write(platform, "yzsx.csv", &black), "yzsx", FINANCE)
        .await;
    assert_eq!(batch.summary.n_accepted, 2, "{:?}", batch.summary);
    let abnormal = format!("{ABNORMAL_HEADER}{}", company_abnormal(""));
    let batch = platform
        .import(&write(platform, "jyyc.csv", &abnormal), "jyyc", "淮北市市场监督管理局")
        .await;
    assert_eq!(batch.summary.n_accepted, 1, "{:?}", batch.summary);
    let red = format!(
        "主体名称,主体类别,统一社会信用代码,荣誉名称,认定文书号,认定机关,认定日期,有效期至\n\
         相山区鑫源小吃店,个体工商户,{SHOP},A级纳税人,淮税信〔2026〕1号,国家税务总局淮北市税务局,{},2099-12-31\n",
        days_ago(60)
    );
    let batch = platform
        .import(&write(platform, "sxjl.csv", &red), "sxjl", "国家税务总局淮北市税务局")
        .await;
    assert_eq!(batch.summary.n_accepted, 1, "{:?}", batch.summary);
}

struct World {
    server: TestServer,
    trading: String,
    approval: String,
    reviewer: (String, String),
    company: (String, String),
}

async fn world(check_settings: CheckSettings) -> Vec<World> {
    let mut worlds = Vec::new();
    for platform in xinyong_testkit::backends().await {
        platform
            .import(&penalty_file(&platform), "xzcf", "淮北市市场监督管理局")
            .await;
        import_lists(&platform).await;
        let server = TestServer::start_full(platform, Default::default(), check_settings.clone()).await;
        let platform = &server.platform;
        let access = xinyong_access::Access::new(platform.store.clone(), platform.keys.clone(), Default::default());
        let desk = access.admin_desk(&Principal::console("test")).unwrap();
        let key = |client: &str, purposes: &[&str]| KeyRequest {
            client: client.into(),
            purposes: purposes.iter().map(|p| (*p).to_owned()).collect(),
            department_uscc: None,
            expires_on: None,
        };
        let (trading, _) = desk
            .issue_key(key("公共资源交易平台", &["zfcg", "ztb"]), today())
            .await
            .unwrap();
        let (approval, _) = desk
            .issue_key(key("工程建设审批系统", &["xzsp", "gzry"]), today())
            .await
            .unwrap();
        let company = platform.store.subject_by_uscc(COMPANY).await.unwrap().unwrap();
        for (username, role, subject) in [
            ("reviewer", Role::Reviewer, None),
            ("company", Role::Subject, Some(company)),
        ] {
            desk.create_account(AccountRequest {
                username: username.into(),
                role,
                department_uscc: None,
                subject,
                password: PASSWORD.into(),
            })
            .await
            .unwrap();
        }
        let reviewer = sign_in(&server, "reviewer", PASSWORD).await;
        let company = sign_in(&server, "company", PASSWORD).await;
        worlds.push(World {
            server,
            trading: trading.key,
            approval: approval.key,
            reviewer,
            company,
        });
    }
    worlds
}

async fn with_key(server: &TestServer, method: Method, path: &str, key: &str, body: Option<Value>) -> (u16, Value) {
    let mut request = server.client.request(method, server.url(path)).bearer_auth(key);
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.unwrap();
    (response.status().as_u16(), response.json().await.unwrap())
}

async fn with_session(server: &TestServer, path: &str, session: &(String, String)) -> (u16, Value) {
    let response = server
        .client
        .get(server.url(path))
        .header("cookie", format!("xy_session={}", session.0))
        .send()
        .await
        .unwrap();
    (response.status().as_u16(), response.json().await.unwrap())
}

async fn check(server: &TestServer, subject: &str, matter: &str, purpose: &str, key: &str) -> (u16, Value) {
    let body = json!({ "subject": subject, "matter": matter, "purpose": purpose });
    with_key(server, Method::POST, "/api/v1/checks", key, Some(body)).await
}

/// A valid code the platform holds nothing about.
fn unknown_code() -> String {
    let org = xinyong_domain::id::OrgCode::complete("MA2PBX7Q").unwrap();
    xinyong_domain::id::Uscc::complete(&format!("91340600{org}")).unwrap()
}

fn codes(answer: &Value) -> Vec<&str> {
    answer["measures"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["code"].as_str().unwrap())
        .collect()
}

#[tokio::test]
async fn checks_return_the_measures_with_their_basis_and_are_logged() {
    for world in world(CheckSettings::default()).await {
        let server = &world.server;
        // Black-listed and on the abnormal list: the mandatory restriction
        // first, with its basis and reason, then the discretionary one.
        let (status, answer) = check(server, COMPANY, "zfcg", "zfcg", &world.trading).await;
        assert_eq!(status, 200, "{answer}");
        assert_eq!(codes(&answer), ["CJ-ZFCG", "CJ-JYYC"]);
        let measure = &answer["measures"][0];
        assert_eq!(measure["mandatory"], true);
        assert_eq!(measure["kind"], "约束");
        assert!(measure["basis"].as_str().unwrap().contains("政府采购法"), "{measure}");
        let rules: Vec<&str> = measure["reasons"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["rule"].as_str().unwrap())
            .collect();
        assert_eq!(rules, ["R-YZSX-ZFCG"]);
        assert_eq!(answer["measures"][1]["mandatory"], false);
        assert_eq!(answer["subject"]["found"], true);
        assert_eq!(answer["subject"]["name"], "淮北市鑫源商贸有限公司");
        let types: Vec<&str> = answer["records"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["record_type"].as_str().unwrap())
            .collect();
        assert!(
            types.contains(&"yzsx") && types.contains(&"jyyc") && types.contains(&"xzcf"),
            "{types:?}"
        );
        let check_id = answer["check_id"].as_str().unwrap().to_owned();

        // The red-listed shop gets its rewards in licensing; nothing else does.
        let (status, answer) = check(server, SHOP, "xzxk", "xzsp", &world.approval).await;
        assert_eq!(status, 200, "{answer}");
        assert_eq!(codes(&answer), ["JL-LSTD", "JL-RQSL"]);
        // A black-listed person in civil-service hiring, checked by ID number:
        // the answer never carries the number whole.
        let (status, answer) = check(server, PERSON_ID, "gzry", "gzry", &world.approval).await;
        assert_eq!(status, 200, "{answer}");
        assert_eq!(codes(&answer), ["CJ-GZRY"]);
        assert!(!answer.to_string().contains(PERSON_ID), "{answer}");
        assert_eq!(answer["subject"]["found"], true);
        // Some ID numbers are valid codes too: one the platform does not know
        // is still never echoed whole.
        let (status, answer) = check(server, AMBIGUOUS_ID, "gzry", "gzry", &world.approval).await;
        assert_eq!(
            (status, answer["subject"]["found"].clone()),
            (200, json!(false)),
            "{answer}"
        );
        assert!(!answer.to_string().contains(AMBIGUOUS_ID), "{answer}");
        // A subject the platform does not know is an answer, not an error.
        let (status, answer) = check(server, &unknown_code(), "zfcg", "zfcg", &world.trading).await;
        assert_eq!(
            (status, answer["subject"]["found"].clone()),
            (200, json!(false)),
            "{answer}"
        );
        assert!(codes(&answer).is_empty());

        // Refusals.
        let post = |body: Value| with_key(server, Method::POST, "/api/v1/checks", &world.trading, Some(body));
        let refusals = [
            (json!({ "subject": COMPANY, "matter": "zfcg" }), 400, "purpose_required"),
            (
                json!({ "subject": COMPANY, "matter": "zfcg", "purpose": "xyd" }),
                403,
                "purpose_not_allowed",
            ),
            (
                json!({ "subject": COMPANY, "matter": "nope", "purpose": "zfcg" }),
                400,
                "invalid_request",
            ),
            (
                json!({ "subject": "91340000711771143K", "matter": "zfcg", "purpose": "zfcg" }),
                400,
                "invalid_request",
            ),
            (
                json!({ "subject": COMPANY, "matter": "zfcg", "purpose": "zfcg", "extra": 1 }),
                400,
                "invalid_request",
            ),
            // Purpose-bound: a procurement check states the procurement purpose.
            (
                json!({ "subject": COMPANY, "matter": "zfcg", "purpose": "ztb" }),
                400,
                "invalid_request",
            ),
        ];
        // A body that is not one object is named as such.
        for body in [json!([COMPANY]), json!(COMPANY), json!(null)] {
            let (got, problem) = post(body.clone()).await;
            assert_eq!(
                (got, problem["code"].as_str()),
                (400, Some("invalid_request")),
                "{body}"
            );
            assert!(
                problem["detail"].as_str().unwrap().contains("须为一个JSON对象"),
                "{body}: {problem}"
            );
        }
        let (got, problem) = post(json!({ "subject": 1 })).await;
        assert_eq!(got, 400);
        assert!(
            problem["detail"].as_str().unwrap().contains("第1行"),
            "an object keeps the position: {problem}"
        );
        for (body, status, code) in refusals {
            let (got, problem) = post(body.clone()).await;
            assert_eq!(
                (got, problem["code"].as_str().unwrap_or_default()),
                (status, code),
                "{body}: {problem}"
            );
        }

        // Feedback: only by the system that checked, only with measures it was
        // given, only once.
        let path = format!("/api/v1/checks/{check_id}/feedback");
        let good = json!({ "applied": ["CJ-ZFCG"], "outcome": "限制参与", "case_no": "CG-2026-118" });
        let (status, problem) = with_key(server, Method::POST, &path, &world.approval, Some(good.clone())).await;
        assert_eq!(status, 403, "{problem}");
        let (status, problem) = with_key(
            server,
            Method::GET,
            &format!("/api/v1/checks/{check_id}"),
            &world.approval,
            None,
        )
        .await;
        assert_eq!(status, 403, "{problem}");
        let wrong = json!({ "applied": ["JL-LSTD"], "outcome": "限制参与" });
        let (status, problem) = with_key(server, Method::POST, &path, &world.trading, Some(wrong)).await;
        assert_eq!(status, 400, "{problem}");
        let (status, answered) = with_key(server, Method::POST, &path, &world.trading, Some(good.clone())).await;
        assert_eq!(status, 200, "{answered}");
        assert_eq!(answered["feedback"]["applied"], json!(["CJ-ZFCG"]));
        assert_eq!(answered["answer"]["check_id"], check_id.as_str());
        let (status, problem) = with_key(server, Method::POST, &path, &world.trading, Some(good)).await;
        assert_eq!(status, 409, "{problem}");
        let (status, _) = with_key(
            server,
            Method::GET,
            "/api/v1/checks/cknope/feedback",
            &world.trading,
            None,
        )
        .await;
        assert_eq!(status, 405);

        // Counted, per system and matter.
        let month = &today().to_string()[..7];
        let (status, stats) = with_session(
            server,
            &format!("/api/v1/checks/statistics?from={month}"),
            &world.reviewer,
        )
        .await;
        assert_eq!(status, 200, "{stats}");
        let zfcg = stats
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["caller"] == "公共资源交易平台" && s["caller_kind"] == "key" && s["matter"] == "zfcg")
            .unwrap();
        assert_eq!(
            (
                zfcg["checks"].as_i64(),
                zfcg["answered"].as_i64(),
                zfcg["applied"].as_i64()
            ),
            (Some(2), Some(1), Some(1))
        );

        // The company sees who checked it and why.
        let (status, queries) = with_session(server, "/api/v1/me/queries", &world.company).await;
        assert_eq!(status, 200, "{queries}");
        let text = queries.to_string();
        assert!(text.contains("公共资源交易平台") && text.contains(&check_id), "{text}");

        world.server.stop().await;
    }
}

#[tokio::test]
async fn unanswered_checks_become_overdue_and_a_removal_ends_the_measures() {
    for world in world(CheckSettings { feedback_hours: 0 }).await {
        let server = &world.server;
        let body = json!({ "subject": COMPANY, "matter": "ztb", "purpose": "ztb" });
        let (_, answer) = with_key(
            server,
            Method::POST,
            "/api/v1/checks",
            &world.trading,
            Some(body.clone()),
        )
        .await;
        assert_eq!(codes(&answer), ["CJ-ZTB", "CJ-JYYC"]);
        let id = answer["check_id"].as_str().unwrap().to_owned();
        let overdue_ids = |page: &Value| -> Vec<String> {
            page["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| c["check_id"].as_str().unwrap().to_owned())
                .collect()
        };
        let (status, own) = with_key(server, Method::GET, "/api/v1/checks/overdue", &world.trading, None).await;
        assert_eq!((status, overdue_ids(&own)), (200, vec![id.clone()]), "{own}");
        let (_, others) = with_key(server, Method::GET, "/api/v1/checks/overdue", &world.approval, None).await;
        assert!(
            overdue_ids(&others).is_empty(),
            "another system's checks are not its own"
        );
        let (_, all) = with_session(server, "/api/v1/checks/overdue?scope=all", &world.reviewer).await;
        assert_eq!(overdue_ids(&all), vec![id.clone()]);
        let feedback = json!({ "applied": [], "outcome": "正常办理" });
        let path = format!("/api/v1/checks/{id}/feedback");
        let (status, _) = with_key(server, Method::POST, &path, &world.trading, Some(feedback)).await;
        assert_eq!(status, 200);
        let (_, own) = with_key(server, Method::GET, "/api/v1/checks/overdue", &world.trading, None).await;
        assert!(overdue_ids(&own).is_empty(), "{own}");

        // The listing authority removes both entries: no measure is left.
        let platform = &server.platform;
        let removal = format!("{BLACK_HEADER}{}", company_black_listed(&days_ago(1)));
        let batch = platform
            .import(&write(platform, "移出.csv", &removal), "yzsx", FINANCE)
            .await;
        assert_eq!(batch.summary.n_new_versions, 1, "{:?}", batch.summary);
        let removal = format!("{ABNORMAL_HEADER}{}", company_abnormal(&days_ago(0)));
        let batch = platform
            .import(
                &write(platform, "移出异常.csv", &removal),
                "jyyc",
                "淮北市市场监督管理局",
            )
            .await;
        assert_eq!(batch.summary.n_new_versions, 1, "{:?}", batch.summary);
        let (_, answer) = with_key(server, Method::POST, "/api/v1/checks", &world.trading, Some(body)).await;
        assert!(codes(&answer).is_empty(), "{answer}");
        world.server.stop().await;
    }
}

/// Polls a batch until it is no longer running.
async fn finished_batch(server: &TestServer, key: &str, id: i64) -> Value {
    for _ in 0..200 {
        let (status, view) = with_key(server, Method::GET, &format!("/api/v1/checks/batches/{id}"), key, None).await;
        assert_eq!(status, 200, "{view}");
        if view["status"] != "running" {
            return view;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    panic!("batch {id} still running");
}

async fn batch_csv(server: &TestServer, key: &str, id: i64) -> Vec<String> {
    let response = server
        .client
        .get(server.url(&format!("/api/v1/checks/batches/{id}/result")))
        .bearer_auth(key)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    let text = response.text().await.unwrap();
    text.trim_start_matches('\u{feff}').lines().map(str::to_owned).collect()
}

#[tokio::test]
async fn batch_checks_run_in_the_background_and_only_their_owner_sees_them() {
    for world in world(CheckSettings::default()).await {
        let server = &world.server;
        let body = json!({ "matter": "ztb", "purpose": "ztb", "subjects": [COMPANY, SHOP, unknown_code()] });
        let (status, batch) = with_key(
            server,
            Method::POST,
            "/api/v1/checks/batches",
            &world.trading,
            Some(body),
        )
        .await;
        assert_eq!(status, 202, "{batch}");
        let id = batch["id"].as_i64().unwrap();
        let view = finished_batch(server, &world.trading, id).await;
        assert_eq!(
            (view["status"].as_str(), view["done"].as_i64(), view["total"].as_i64()),
            (Some("done"), Some(3), Some(3))
        );
        let lines = batch_csv(server, &world.trading, id).await;
        assert_eq!(lines.len(), 4, "{lines:?}");
        assert!(lines[0].starts_with("序号,主体代码"), "{lines:?}");
        assert!(lines[1].contains(COMPANY) && lines[1].contains("CJ-ZTB"), "{lines:?}");
        assert!(lines[3].contains(",否,"), "{lines:?}");

        // Another system sees neither the batch nor its answers.
        let (status, _) = with_key(
            server,
            Method::GET,
            &format!("/api/v1/checks/batches/{id}"),
            &world.approval,
            None,
        )
        .await;
        assert_eq!(status, 403);
        let (status, _) = with_key(
            server,
            Method::GET,
            &format!("/api/v1/checks/batches/{}", id + 100),
            &world.trading,
            None,
        )
        .await;
        assert_eq!(status, 404);

        // The list may come as a file: GBK CSV with a header row.
        let text = format!("序号,单位名称,统一社会信用代码\n1,甲,{COMPANY}\n2,乙,{SHOP}\n");
        let (list, _, _) = encoding_rs::GBK.encode(&text);
        let form = reqwest::multipart::Form::new()
            .text("matter", "ztb")
            .text("purpose", "ztb")
            .part(
                "file",
                reqwest::multipart::Part::bytes(list.to_vec()).file_name("投标人名单.csv"),
            );
        let response = server
            .client
            .post(server.url("/api/v1/checks/batches"))
            .bearer_auth(&world.trading)
            .multipart(form)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 202);
        let from_file: Value = response.json().await.unwrap();
        let id = from_file["id"].as_i64().unwrap();
        assert_eq!(finished_batch(server, &world.trading, id).await["total"], 2);
        let lines = batch_csv(server, &world.trading, id).await;
        assert!(lines[1].contains(COMPANY) && lines[2].contains(SHOP), "{lines:?}");
        let form = reqwest::multipart::Form::new()
            .text("matter", "ztb")
            .part("file", reqwest::multipart::Part::bytes(Vec::new()).file_name("空.csv"));
        let response = server
            .client
            .post(server.url("/api/v1/checks/batches"))
            .bearer_auth(&world.trading)
            .multipart(form)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 400);
        let problem: Value = response.json().await.unwrap();
        assert!(
            problem["detail"].as_str().unwrap().contains("主体清单无法读取"),
            "{problem}"
        );

        // Bad codes refuse the whole batch, naming their rows, not echoing them.
        let bad = json!({ "matter": "ztb", "purpose": "ztb", "subjects": [COMPANY, "91340000711771143K", "x"] });
        let (status, problem) = with_key(
            server,
            Method::POST,
            "/api/v1/checks/batches",
            &world.trading,
            Some(bad),
        )
        .await;
        assert_eq!(status, 400, "{problem}");
        let detail = problem["detail"].as_str().unwrap();
        assert!(
            detail.contains("第2行、第3行") && !detail.contains("91340000711771143K"),
            "{detail}"
        );
        let empty = json!({ "matter": "ztb", "purpose": "ztb", "subjects": [] });
        let (status, _) = with_key(
            server,
            Method::POST,
            "/api/v1/checks/batches",
            &world.trading,
            Some(empty),
        )
        .await;
        assert_eq!(status, 400);
        world.server.stop().await;
    }
}

#[tokio::test]
async fn a_batch_interrupted_by_a_stop_resumes_at_the_next_start() {
    for platform in xinyong_testkit::backends().await {
        platform
            .import(&penalty_file(&platform), "xzcf", "淮北市市场监督管理局")
            .await;
        import_lists(&platform).await;
        // A batch left running by a stop before any of its rows was checked.
        let list = serde_json::to_vec(&[COMPANY, SHOP]).unwrap();
        let id = platform
            .store
            .create_check_batch(&xinyong_store::NewCheckBatch {
                client: "key:公共资源交易平台".into(),
                department_id: None,
                matter: "ztb".into(),
                purpose: "ztb".into(),
                total: 2,
                subjects_sealed: platform.keys.seal(&list).unwrap(),
                created_at: chrono::Utc::now(),
            })
            .await
            .unwrap()
            .id;
        let server = TestServer::start(platform).await;
        let access = xinyong_access::Access::new(
            server.platform.store.clone(),
            server.platform.keys.clone(),
            Default::default(),
        );
        let desk = access.admin_desk(&Principal::console("test")).unwrap();
        let key = KeyRequest {
            client: "公共资源交易平台".into(),
            purposes: vec!["ztb".into()],
            department_uscc: None,
            expires_on: None,
        };
        let (issued, _) = desk.issue_key(key, today()).await.unwrap();
        let view = finished_batch(&server, &issued.key, id).await;
        assert_eq!(
            (view["status"].as_str(), view["done"].as_i64()),
            (Some("done"), Some(2)),
            "{view}"
        );
        let lines = batch_csv(&server, &issued.key, id).await;
        assert!(lines[1].contains("CJ-ZTB") && lines[2].contains(SHOP), "{lines:?}");
        server.stop().await;
    }
}
