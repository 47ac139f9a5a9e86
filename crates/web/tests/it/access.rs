//! Access: the authorisation matrix (every endpoint × every kind of
//! caller), department scoping, purposes and authorisations, the subject's
//! query log, CSRF, sign-out and the sign-in rate limit — on each backend.

use chrono::Days;
use reqwest::Method;
use serde_json::{Value, json};
use xinyong_access::{AccountRequest, Principal};
use xinyong_domain::Role;
use xinyong_store::{NewApiKey, NewAuthorisation};

use crate::support::{self, COMPANY, PERSON_ID, TestServer, government_code, penalty_file, servers, today};

const DEPT_A: &str = "淮北市市场监督管理局";
const DEPT_B: &str = "淮北市生态环境局";
const PASSWORD: &str = "correct-horse-battery";

/// How a request authenticates.
#[derive(Debug, Clone)]
enum Cred {
    None,
    Session { cookie: String, csrf: String },
    Key(String),
}

struct World {
    server: TestServer,
    callers: Vec<(&'static str, Cred)>,
    batch_a: i64,
    person_ref: String,
}

impl World {
    fn cred(&self, name: &str) -> Cred {
        self.callers.iter().find(|(n, _)| *n == name).unwrap().1.clone()
    }
}

async fn call(server: &TestServer, method: Method, path: &str, cred: &Cred, body: Option<&Value>) -> (u16, Value) {
    let mut request = server.client.request(method.clone(), server.url(path));
    match cred {
        Cred::None => {}
        Cred::Session { cookie, csrf } => {
            request = request.header("cookie", format!("xy_session={cookie}"));
            if method != Method::GET {
                request = request.header("x-csrf-token", csrf);
            }
        }
        Cred::Key(key) => request = request.bearer_auth(key),
    }
    if let Some(body) = body {
        request = request.json(body);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let text = response.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::String(text)))
}

async fn sign_in(server: &TestServer, username: &str) -> Cred {
    let (cookie, csrf) = support::sign_in(server, username, PASSWORD).await;
    Cred::Session { cookie, csrf }
}

/// A platform with the standard penalty file imported under 部门 A, two
/// departments, one account per role, and keys of every kind.
async fn world(server: TestServer) -> World {
    let platform = &server.platform;
    let file = penalty_file(platform);
    let batch_a = platform.import(&file, "xzcf", DEPT_A).await.id;
    let access = xinyong_access::Access::new(platform.store.clone(), platform.keys.clone(), Default::default());
    let desk = access.admin_desk(&Principal::console("test")).unwrap();
    let (code_a, code_b) = (government_code(1), government_code(2));
    desk.create_department(DEPT_A, &code_a, None).await.unwrap();
    desk.create_department(DEPT_B, &code_b, None).await.unwrap();
    let company = platform.store.subject_by_uscc(COMPANY).await.unwrap().unwrap();
    let person = platform.store.records_of_subject(company.id, false).await.unwrap();
    assert!(!person.is_empty());
    let person = platform
        .store
        .subject_by_person_hash(&platform.keys.keyed_hash(format!("身份证:{PERSON_ID}").as_bytes()))
        .await
        .unwrap()
        .unwrap();
    // An account is made for a person named by the ID number, whatever the case of its X.
    for named in [
        PERSON_ID,
        &PERSON_ID.to_lowercase(),
        person.person_ref.as_deref().unwrap(),
    ] {
        let found = desk.subject_for_account(named, today()).await.unwrap();
        assert_eq!(found.id, person.id, "{named}");
    }
    assert_eq!(desk.subject_for_account(COMPANY, today()).await.unwrap().id, company.id);
    // A mistyped number is named as such; a valid one the platform lacks is not found.
    let mistyped = format!("{}1", &PERSON_ID[..17]);
    match desk.subject_for_account(&mistyped, today()).await {
        Err(xinyong_access::AccessError::Invalid(text)) => {
            assert!(text.contains("校验") && !text.contains(&mistyped), "{text}")
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        desk.subject_for_account("110101199003074514", today()).await,
        Err(xinyong_access::AccessError::NotFound(_))
    ));
    // A real code that fails its check character is named invalid, unless
    // the office allow-listed it: then it is a code the platform lacks.
    let known_bad = "91350203M0001QKT19";
    assert!(matches!(
        desk.subject_for_account(known_bad, today()).await,
        Err(xinyong_access::AccessError::Invalid(_))
    ));
    let lenient = access
        .clone()
        .with_policy(std::sync::Arc::new(xinyong_domain::id::IdPolicy::new([known_bad], [])))
        .admin_desk(&Principal::console("test"))
        .unwrap();
    assert!(matches!(
        lenient.subject_for_account(known_bad, today()).await,
        Err(xinyong_access::AccessError::NotFound(_))
    ));
    for (username, role, dept, subject) in [
        ("company", Role::Subject, None, Some(company.clone())),
        ("person", Role::Subject, None, Some(person.clone())),
        ("operator_a", Role::Operator, Some(code_a.clone()), None),
        ("operator_b", Role::Operator, Some(code_b.clone()), None),
        ("reviewer", Role::Reviewer, None, None),
        ("admin", Role::Admin, None, None),
        ("auditor", Role::Auditor, None, None),
    ] {
        desk.create_account(AccountRequest {
            username: username.into(),
            role,
            department_uscc: dept,
            subject,
            password: PASSWORD.into(),
        })
        .await
        .unwrap();
    }
    let key = |client: &str, purposes: &[&str], dept: Option<&str>| xinyong_access::KeyRequest {
        client: client.into(),
        purposes: purposes.iter().map(|p| (*p).to_owned()).collect(),
        department_uscc: dept.map(str::to_owned),
        expires_on: None,
    };
    let (system, _) = desk
        .issue_key(key("工程建设审批系统", &["xzsp"], None), today())
        .await
        .unwrap();
    let (bank, _) = desk.issue_key(key("某银行", &["xyd"], None), today()).await.unwrap();
    let (dept_key, _) = desk
        .issue_key(key("市场监管业务系统", &[], Some(&code_a)), today())
        .await
        .unwrap();
    let (revoked, _) = desk.issue_key(key("旧系统", &["xzsp"], None), today()).await.unwrap();
    desk.revoke_key(&revoked.key_id).await.unwrap();
    // Keys cannot be issued already expired; write one as it would be once its day passed.
    let expired = "xyk_0123456789ab_".to_owned() + &"e".repeat(64);
    platform
        .store
        .create_key(&NewApiKey {
            key_id: "0123456789ab".into(),
            secret_hash: xinyong_crypto::sm3("e".repeat(64).as_bytes()),
            client: "过期系统".into(),
            department_id: None,
            purposes: vec!["xzsp".into()],
            expires_on: Some(today() - Days::new(1)),
        })
        .await
        .unwrap();
    let mut callers = vec![("anonymous", Cred::None)];
    for name in [
        "company",
        "person",
        "operator_a",
        "operator_b",
        "reviewer",
        "admin",
        "auditor",
    ] {
        callers.push((name, sign_in(&server, name).await));
    }
    callers.extend([
        ("system_key", Cred::Key(system.key)),
        ("bank_key", Cred::Key(bank.key)),
        ("dept_key", Cred::Key(dept_key.key)),
        (
            "wrong_key",
            Cred::Key(format!("xyk_{}_{}", "a".repeat(12), "b".repeat(64))),
        ),
        ("expired_key", Cred::Key(expired)),
        ("revoked_key", Cred::Key(revoked.key)),
    ]);
    World {
        person_ref: person.person_ref.clone().unwrap(),
        server,
        callers,
        batch_a,
    }
}

/// One row of the matrix: method, path, body, expected status per caller.
type Case = (Method, String, Option<Value>, Vec<(&'static str, u16)>);

const ALL: &[&str] = &[
    "anonymous",
    "company",
    "operator_a",
    "reviewer",
    "admin",
    "auditor",
    "system_key",
    "bank_key",
    "dept_key",
];

/// Expected status for each caller: those listed get `yes`, the anonymous
/// caller 401 (unless listed), everyone else `no`.
fn only(allowed: &[&str], yes: u16, no: u16) -> Vec<(&'static str, u16)> {
    ALL.iter()
        .map(|caller| {
            let status = if allowed.contains(caller) {
                yes
            } else if *caller == "anonymous" {
                401
            } else {
                no
            };
            (*caller, status)
        })
        .collect()
}

fn everyone(status: u16) -> Vec<(&'static str, u16)> {
    ALL.iter().map(|caller| (*caller, status)).collect()
}

#[tokio::test]
async fn the_authorisation_matrix_holds_for_every_endpoint_and_caller() {
    for server in servers().await {
        let backend = server.platform.backend();
        let world = world(server).await;
        let valid_until = (today() + Days::new(30)).to_string();
        let batch = world.batch_a;
        let row = json!({
            "type": "xzcf",
            "rows": [{
                "CF_XDR_MC": "淮北市新开商贸有限公司", "CF_XDR_LB": "法人及非法人组织",
                "CF_XDR_SHXYM": COMPANY, "CF_WSH": "淮市监罚〔2026〕77号", "CF_WFXW": "销售过期食品",
                "CF_SY": "经查销售过期食品", "CF_YJ": "《食品安全法》第一百二十四条", "CF_CFLB": "警告",
                "CF_NR": "警告", "CF_JDRQ": today().to_string(), "CF_YXQ": "2099-12-31", "CF_CFJG": DEPT_A,
                "CF_CFJGDM": government_code(1), "CF_SJLY": DEPT_A, "CF_SJLYDM": government_code(1)
            }]
        });
        let mut n_department = 10;
        let cases: Vec<Case> = vec![
            (Method::GET, "/api/v1/health".into(), None, everyone(200)),
            (Method::GET, "/api/v1/purposes".into(), None, everyone(200)),
            (Method::GET, "/api/v1/subjects?q=鑫源".into(), None, everyone(200)),
            (Method::GET, format!("/api/v1/subjects/{COMPANY}"), None, everyone(200)),
            (Method::GET, "/api/v1/records?type=xzcf".into(), None, everyone(200)),
            (Method::GET, "/api/v1/me".into(), None, everyone(200)),
            (
                Method::GET,
                format!("/api/v1/subjects/{COMPANY}?purpose=xzsp"),
                None,
                vec![
                    ("anonymous", 401),
                    ("company", 403),
                    ("operator_a", 200),
                    ("reviewer", 200),
                    ("admin", 200),
                    ("auditor", 200),
                    ("system_key", 200),
                    ("bank_key", 403),
                    ("dept_key", 403),
                ],
            ),
            (
                Method::GET,
                "/api/v1/me/file".into(),
                None,
                only(&["company"], 200, 403),
            ),
            (Method::GET, "/api/v1/commitment-kinds".into(), None, everyone(200)),
            (
                Method::GET,
                "/api/v1/me/commitments".into(),
                None,
                only(&["company"], 200, 403),
            ),
            (
                Method::GET,
                "/api/v1/me/repairs".into(),
                None,
                only(&["company"], 200, 403),
            ),
            (
                Method::GET,
                "/api/v1/repairs".into(),
                None,
                only(&["operator_a", "reviewer", "admin", "dept_key"], 200, 403),
            ),
            (
                Method::GET,
                "/api/v1/commitments".into(),
                None,
                only(&["operator_a", "reviewer", "admin", "dept_key"], 200, 403),
            ),
            (
                Method::POST,
                "/api/v1/commitments/999999/finding".into(),
                Some(json!({ "kept": true })),
                only(&["operator_a", "reviewer", "admin", "dept_key"], 404, 403),
            ),
            (
                Method::GET,
                "/api/v1/me/objections".into(),
                None,
                only(&["company"], 200, 403),
            ),
            (
                Method::GET,
                "/api/v1/objections".into(),
                None,
                only(&["operator_a", "reviewer", "admin", "dept_key"], 200, 403),
            ),
            (
                Method::POST,
                "/api/v1/objections/999999/steps".into(),
                Some(json!({ "step": "accept" })),
                // Accepting is the office's step: a department is refused before any lookup.
                only(&["reviewer", "admin"], 404, 403),
            ),
            // No such application: whoever may act on applications is told so.
            (
                Method::POST,
                "/api/v1/repairs/999999/steps".into(),
                Some(json!({ "step": "forward" })),
                only(&["operator_a", "reviewer", "admin", "dept_key"], 404, 403),
            ),
            (
                Method::GET,
                "/api/v1/me/queries".into(),
                None,
                only(&["company"], 200, 403),
            ),
            (
                Method::GET,
                "/api/v1/me/authorisations".into(),
                None,
                only(&["company"], 200, 403),
            ),
            (
                Method::POST,
                "/api/v1/me/authorisations".into(),
                Some(json!({ "client": "某银行", "purpose": "xyd", "valid_until": valid_until })),
                only(&["company"], 201, 403),
            ),
            (
                Method::DELETE,
                "/api/v1/me/authorisations/999999".into(),
                None,
                only(&["company"], 404, 403),
            ),
            (
                Method::GET,
                "/api/v1/batches".into(),
                None,
                only(&["operator_a", "reviewer", "admin", "dept_key"], 200, 403),
            ),
            (
                Method::GET,
                format!("/api/v1/batches/{batch}"),
                None,
                only(&["operator_a", "reviewer", "admin", "dept_key"], 200, 403),
            ),
            (
                Method::GET,
                format!("/api/v1/batches/{batch}/rejected"),
                None,
                only(&["operator_a", "reviewer", "admin", "dept_key"], 200, 403),
            ),
            (
                Method::POST,
                "/api/v1/batches".into(),
                Some(row),
                only(&["operator_a", "dept_key"], 201, 403),
            ),
            (
                Method::GET,
                "/api/v1/departments".into(),
                None,
                only(&["admin"], 200, 403),
            ),
            (
                Method::POST,
                "/api/v1/departments".into(),
                None,
                only(&["admin"], 201, 403),
            ),
            (Method::GET, "/api/v1/accounts".into(), None, only(&["admin"], 200, 403)),
            (
                Method::PATCH,
                "/api/v1/accounts/nobody".into(),
                Some(json!({ "disabled": true })),
                only(&["admin"], 404, 403),
            ),
            (Method::GET, "/api/v1/keys".into(), None, only(&["admin"], 200, 403)),
            (
                Method::POST,
                "/api/v1/keys".into(),
                Some(json!({ "client": "新系统", "purposes": ["xzsp"] })),
                only(&["admin"], 201, 403),
            ),
            (
                Method::DELETE,
                "/api/v1/keys/nokey".into(),
                None,
                only(&["admin"], 404, 403),
            ),
            (Method::GET, "/api/v1/audit".into(), None, only(&["auditor"], 200, 403)),
            (
                Method::POST,
                "/api/v1/audit/verify".into(),
                None,
                only(&["auditor"], 200, 403),
            ),
            (Method::GET, "/api/v1/measures".into(), None, everyone(200)),
            (
                Method::POST,
                "/api/v1/measures/reload".into(),
                None,
                only(&["admin"], 200, 403),
            ),
            (
                Method::POST,
                "/api/v1/checks".into(),
                Some(json!({ "subject": COMPANY, "matter": "xzxk", "purpose": "xzsp" })),
                only(&["operator_a", "reviewer", "admin", "system_key"], 200, 403),
            ),
            (
                Method::POST,
                "/api/v1/checks/batches".into(),
                Some(json!({ "subjects": [COMPANY], "matter": "xzxk", "purpose": "xzsp" })),
                only(&["operator_a", "reviewer", "admin", "system_key"], 202, 403),
            ),
            (
                Method::GET,
                "/api/v1/checks/overdue".into(),
                None,
                only(
                    &["operator_a", "reviewer", "admin", "system_key", "bank_key", "dept_key"],
                    200,
                    403,
                ),
            ),
            (
                Method::GET,
                "/api/v1/checks/overdue?scope=all".into(),
                None,
                only(&["reviewer", "admin", "auditor"], 200, 403),
            ),
            (
                Method::GET,
                format!("/api/v1/checks/statistics?from={}", &today().to_string()[..7]),
                None,
                only(&["reviewer", "admin", "auditor"], 200, 403),
            ),
        ];
        for (method, path, body, expected) in &cases {
            for (caller, status) in expected {
                // Departments need a fresh name and code per successful call.
                let body = if path == "/api/v1/departments" && *method == Method::POST {
                    n_department += 1;
                    Some(json!({ "name": format!("测试单位{n_department}"), "uscc": government_code(n_department) }))
                } else {
                    body.clone()
                };
                let (got, answer) = call(&world.server, method.clone(), path, &world.cred(caller), body.as_ref()).await;
                assert_eq!(got, *status, "{backend:?} {caller} {method} {path}: {answer}");
                if got >= 400 {
                    assert!(
                        answer["code"].is_string(),
                        "{method} {path}: problem+json expected: {answer}"
                    );
                }
            }
            // Presented credentials that are not good are refused everywhere.
            for (caller, code) in [
                ("wrong_key", "key_invalid"),
                ("expired_key", "key_expired"),
                ("revoked_key", "key_revoked"),
            ] {
                let (got, answer) = call(&world.server, method.clone(), path, &world.cred(caller), body.as_ref()).await;
                assert_eq!(got, 401, "{backend:?} {caller} {method} {path}");
                assert_eq!(answer["code"], code, "{caller} {method} {path}");
            }
        }
        world.server.stop().await;
    }
}

#[tokio::test]
async fn operators_see_and_file_only_their_own_department() {
    for server in servers().await {
        let world = world(server).await;
        let server = &world.server;
        let a = world.cred("operator_a");
        let b = world.cred("operator_b");
        let batch = world.batch_a;
        let (status, _) = call(server, Method::GET, &format!("/api/v1/batches/{batch}"), &b, None).await;
        assert_eq!(status, 404, "another department's batch is not found");
        let (status, _) = call(
            server,
            Method::GET,
            &format!("/api/v1/batches/{batch}/rejected"),
            &b,
            None,
        )
        .await;
        assert_eq!(status, 404);
        let (_, listed) = call(server, Method::GET, "/api/v1/batches", &b, None).await;
        assert_eq!(listed["items"].as_array().unwrap().len(), 0);
        let (_, listed) = call(server, Method::GET, "/api/v1/batches", &a, None).await;
        assert_eq!(listed["items"][0]["batch_id"], batch);

        // Operator B uploads: the batch is filed as B's, whatever the rows say.
        let rows = json!({ "type": "xzcf", "rows": [{ "CF_XDR_MC": "某公司", "CF_SJLY": DEPT_A }] });
        let (status, problem) = call(server, Method::POST, "/api/v1/batches", &b, Some(&rows)).await;
        assert_eq!(status, 422, "the rows lack required columns: {problem}");
        assert_eq!(problem["code"], "file_refused");
        assert!(problem["detail"].as_str().unwrap().contains("缺少"), "{problem}");
        let report = &problem["batch"];
        assert_eq!(report["source"], DEPT_B);
        assert_eq!(report["status"], "refused", "{problem}");
        assert_eq!(report["refusal"], problem["detail"]);
        // No field of the request can name another department.
        let forged = json!({ "type": "xzcf", "source": DEPT_A, "rows": [{ "CF_XDR_MC": "某公司" }] });
        let (status, answer) = call(server, Method::POST, "/api/v1/batches", &b, Some(&forged)).await;
        assert_eq!(status, 400, "{answer}");
        let (_, listed) = call(server, Method::GET, "/api/v1/batches", &a, None).await;
        assert_eq!(
            listed["items"].as_array().unwrap().len(),
            1,
            "A still sees only its own"
        );

        // A full, valid row from B: naming A as its source, or reusing the
        // document number of A's record for the same subject, is refused.
        let row_from_b = |doc: &str, source: &str| {
            json!({ "type": "xzcf", "rows": [{
                "CF_XDR_MC": "淮北市鑫源商贸有限公司", "CF_XDR_LB": "法人及非法人组织",
                "CF_XDR_SHXYM": COMPANY, "CF_FRDB": "王五", "CF_FR_ZJLX": "身份证",
                "CF_FR_ZJHM": "34060219810702269X", "CF_WSH": doc, "CF_WFXW": "超标排放",
                "CF_SY": "经查超标排放", "CF_YJ": "《大气污染防治法》第九十九条", "CF_CFLB": "罚款",
                "CF_NR": "罚款", "CF_NR_FK": "1", "CF_JDRQ": today().to_string(),
                "CF_YXQ": (today() + Days::new(365)).to_string(), "CF_CFJG": DEPT_B,
                "CF_CFJGDM": government_code(2), "CF_SJLY": source, "CF_SJLYDM": government_code(2)
            }]})
        };
        for (doc, source, code) in [
            ("淮环罚〔2026〕99号", DEPT_A, "foreign_source"),
            ("淮市监罚〔2026〕1号", DEPT_B, "other_source"),
        ] {
            let (status, report) = call(
                server,
                Method::POST,
                "/api/v1/batches",
                &b,
                Some(&row_from_b(doc, source)),
            )
            .await;
            assert_eq!(status, 201, "{report}");
            assert_eq!(
                (report["accepted"].as_i64(), report["rejected"].as_i64()),
                (Some(0), Some(1)),
                "{report}"
            );
            assert_eq!(report["errors"][0]["code"], code, "{report}");
        }
        let (_, own) = call(
            server,
            Method::POST,
            "/api/v1/batches",
            &b,
            Some(&row_from_b("淮环罚〔2026〕99号", DEPT_B)),
        )
        .await;
        assert_eq!(own["accepted"], 1, "B files its own record: {own}");
        let (_, company) = call(
            server,
            Method::GET,
            &format!("/api/v1/subjects/{COMPANY}"),
            &Cred::None,
            None,
        )
        .await;
        let first = company["records"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["doc_no"] == "淮市监罚〔2026〕1号")
            .unwrap();
        assert_eq!(first["source"], DEPT_A, "A's record is untouched");

        // A multipart upload of a CSV file, then its rejected rows as a file.
        let file = std::fs::read(penalty_file(&server.platform)).unwrap();
        let Cred::Session { cookie, csrf } = &a else {
            unreachable!()
        };
        let form = reqwest::multipart::Form::new()
            .text("type", "xzcf")
            .part("file", reqwest::multipart::Part::bytes(file).file_name("处罚.csv"));
        let response = server
            .client
            .post(server.url("/api/v1/batches"))
            .header("cookie", format!("xy_session={cookie}"))
            .header("x-csrf-token", csrf)
            .multipart(form)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 201);
        let report: Value = response.json().await.unwrap();
        assert_eq!(report["source"], DEPT_A);
        assert_eq!(report["duplicates"], 3, "A's own rows again: {report}");
        assert_eq!(
            report["rejected"], 2,
            "the file's rows of 公安局 and 生态环境局 are not A's: {report}"
        );
        assert!(
            report["errors"]
                .as_array()
                .unwrap()
                .iter()
                .all(|e| e["code"] == "foreign_source")
        );
        world.server.stop().await;
    }
}

#[tokio::test]
async fn purposes_and_authorisations_decide_what_officials_see() {
    for server in servers().await {
        let world = world(server).await;
        let server = &world.server;
        let person = format!("/api/v1/subjects/{}", world.person_ref);
        let id_of = |answer: &Value| -> Option<String> {
            answer["records"][0]["fields"]
                .as_array()
                .unwrap()
                .iter()
                .find(|f| f["key"] == "CF_XDR_ZJHM")
                .map(|f| f["value"].as_str().unwrap().to_owned())
        };
        // The ID number written in 违法事实 follows the same decision.
        let facts_of = |answer: &Value| -> String {
            answer["records"][0]["fields"]
                .as_array()
                .unwrap()
                .iter()
                .find(|f| f["key"] == "CF_SY")
                .map(|f| f["value"].as_str().unwrap().to_owned())
                .unwrap()
        };
        let shared = |answer: &Value| {
            answer["records"][0]["fields"]
                .as_array()
                .unwrap()
                .iter()
                .any(|f| f["key"] == "CF_SJLYDM")
        };
        // Without a purpose a key reads what the public reads.
        let (status, public) = call(server, Method::GET, &person, &world.cred("dept_key"), None).await;
        assert_eq!(status, 200);
        assert_ne!(id_of(&public).unwrap(), PERSON_ID, "masked");
        assert_eq!(
            facts_of(&public),
            "经查当事人（身份证号110105********002X，证人340603********4565）销售过期食品"
        );
        let (status, answer) = call(
            server,
            Method::GET,
            &format!("{person}?purpose=xzsp"),
            &world.cred("dept_key"),
            None,
        )
        .await;
        assert_eq!((status, answer["code"].as_str()), (403, Some("purpose_not_allowed")));
        let (status, answer) = call(
            server,
            Method::GET,
            &format!("{person}?purpose=nope"),
            &world.cred("reviewer"),
            None,
        )
        .await;
        assert_eq!((status, answer["code"].as_str()), (400, Some("purpose_unknown")));

        // The bank, with its purpose but no authorisation: shared items, masked ID.
        let bank = world.cred("bank_key");
        let read = format!("{person}?purpose=xyd");
        let (status, plain) = call(server, Method::GET, &read, &bank, None).await;
        assert_eq!(status, 200, "{plain}");
        assert_ne!(id_of(&plain).unwrap(), PERSON_ID);
        assert_eq!(facts_of(&plain), facts_of(&public));
        assert_eq!(shared(&plain), shared(&public) || !shared(&public));

        // The person authorises the bank: the ID number opens.
        let (status, granted) = call(
            server,
            Method::POST,
            "/api/v1/me/authorisations",
            &world.cred("person"),
            Some(
                &json!({ "client": "某银行", "purpose": "xyd", "valid_until": (today() + Days::new(10)).to_string() }),
            ),
        )
        .await;
        assert_eq!(status, 201, "{granted}");
        // A client no key belongs to, or one whose keys lack the purpose, cannot be authorised.
        for (client, purpose) in [("不存在的银行", "xyd"), ("某银行", "xzsp")] {
            let (status, refused) = call(
                server,
                Method::POST,
                "/api/v1/me/authorisations",
                &world.cred("person"),
                Some(&json!({ "client": client, "purpose": purpose, "valid_until": (today() + Days::new(10)).to_string() })),
            )
            .await;
            assert_eq!(status, 400, "{client} {purpose}: {refused}");
            assert!(refused["detail"].as_str().unwrap().contains("接口客户"), "{refused}");
        }
        let (_, authorised) = call(server, Method::GET, &read, &bank, None).await;
        assert_eq!(id_of(&authorised).unwrap(), PERSON_ID);
        assert_eq!(
            facts_of(&authorised),
            format!("经查当事人（身份证号{PERSON_ID}，证人340603********4565）销售过期食品"),
            "the free text opens the person's own number, not the witness's"
        );
        // Another purpose is not covered.
        let (status, _) = call(server, Method::GET, &format!("{person}?purpose=xzsp"), &bank, None).await;
        assert_eq!(status, 403);
        // Withdrawn, it no longer opens; an expired one never does.
        let id = granted["id"].as_i64().unwrap();
        let (status, _) = call(
            server,
            Method::DELETE,
            &format!("/api/v1/me/authorisations/{id}"),
            &world.cred("person"),
            None,
        )
        .await;
        assert_eq!(status, 204);
        let (_, withdrawn) = call(server, Method::GET, &read, &bank, None).await;
        assert_ne!(id_of(&withdrawn).unwrap(), PERSON_ID);
        let subject = server
            .platform
            .store
            .subject_by_ref(&world.person_ref)
            .await
            .unwrap()
            .unwrap();
        let account = server
            .platform
            .store
            .account_by_username("person")
            .await
            .unwrap()
            .unwrap();
        server
            .platform
            .store
            .grant_authorisation(&NewAuthorisation {
                subject_id: subject.id,
                client: "某银行".into(),
                purpose: "xyd".into(),
                valid_until: today() - Days::new(1),
                granted_by: account.id,
            })
            .await
            .unwrap();
        let (_, expired) = call(server, Method::GET, &read, &bank, None).await;
        assert_ne!(
            id_of(&expired).unwrap(),
            PERSON_ID,
            "an expired authorisation opens nothing"
        );

        // The person itself sees its whole file with its ID number.
        let (status, own) = call(server, Method::GET, "/api/v1/me/file", &world.cred("person"), None).await;
        assert_eq!(status, 200);
        assert_eq!(id_of(&own).unwrap(), PERSON_ID);
        assert!(facts_of(&own).contains(PERSON_ID));
        world.server.stop().await;
    }
}

#[tokio::test]
async fn the_query_log_shows_exactly_the_reads_of_the_file() {
    for server in servers().await {
        let world = world(server).await;
        let server = &world.server;
        let company = format!("/api/v1/subjects/{COMPANY}");
        // Public reads are not logged; reads with a purpose are.
        call(server, Method::GET, &company, &Cred::None, None).await;
        call(server, Method::GET, &company, &world.cred("reviewer"), None).await;
        let (_, read) = call(
            server,
            Method::GET,
            &format!("{company}?purpose=xzsp"),
            &world.cred("reviewer"),
            None,
        )
        .await;
        call(
            server,
            Method::GET,
            &format!("{company}?purpose=xzsp"),
            &world.cred("system_key"),
            None,
        )
        .await;
        // A read of someone else's file is not in this log.
        call(
            server,
            Method::GET,
            &format!("/api/v1/subjects/{}?purpose=zfjc", world.person_ref),
            &world.cred("reviewer"),
            None,
        )
        .await;
        // A refused read is not a read.
        call(
            server,
            Method::GET,
            &format!("{company}?purpose=xyd"),
            &world.cred("system_key"),
            None,
        )
        .await;
        // The subject's own reading is journaled, but is not someone reading its file.
        let (status, _) = call(server, Method::GET, "/api/v1/me/file", &world.cred("company"), None).await;
        assert_eq!(status, 200);

        let (status, log) = call(server, Method::GET, "/api/v1/me/queries", &world.cred("company"), None).await;
        assert_eq!(status, 200, "{log}");
        let items = log["items"].as_array().unwrap();
        let seen: Vec<(String, String)> = items
            .iter()
            .map(|e| {
                (
                    e["reader"].as_str().unwrap().to_owned(),
                    e["purpose_name"].as_str().unwrap().to_owned(),
                )
            })
            .collect();
        assert_eq!(
            seen,
            vec![
                ("系统 工程建设审批系统".to_owned(), "行政审批".to_owned()),
                ("账号 reviewer".to_owned(), "行政审批".to_owned()),
            ],
            "newest first"
        );
        let shown: Vec<i64> = read["records"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["id"].as_i64().unwrap())
            .collect();
        let logged: Vec<i64> = items[1]["records"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r.as_i64().unwrap())
            .collect();
        assert_eq!(logged, shown, "the log names the records the reader was shown");
        world.server.stop().await;
    }
}

#[tokio::test]
async fn sessions_need_csrf_for_writes_and_end_on_sign_out() {
    for server in servers().await {
        let world = world(server).await;
        let server = &world.server;
        let Cred::Session { cookie, csrf } = world.cred("company") else {
            unreachable!()
        };
        let post = |token: Option<&str>| {
            let mut request = server
                .client
                .post(server.url("/api/v1/me/authorisations"))
                .header("cookie", format!("xy_session={cookie}"))
                .json(&json!({ "client": "某银行", "purpose": "xyd", "valid_until": today().to_string() }));
            if let Some(token) = token {
                request = request.header("x-csrf-token", token);
            }
            request.send()
        };
        let refused = post(None).await.unwrap();
        assert_eq!(refused.status(), 403);
        assert_eq!(refused.json::<Value>().await.unwrap()["code"], "csrf");
        assert_eq!(post(Some("forged")).await.unwrap().status(), 403);
        assert_eq!(post(Some(&csrf)).await.unwrap().status(), 201);

        let session = Cred::Session {
            cookie: cookie.clone(),
            csrf: csrf.clone(),
        };
        let (status, _) = call(server, Method::DELETE, "/api/v1/session", &session, None).await;
        assert_eq!(status, 204);
        let (status, me) = call(server, Method::GET, "/api/v1/me/file", &session, None).await;
        assert_eq!(status, 401, "the old cookie opens nothing: {me}");
        let (_, me) = call(server, Method::GET, "/api/v1/me", &session, None).await;
        assert_eq!(me["kind"], "anonymous");

        // A password change needs the current password and ends every session.
        let person = sign_in(server, "person").await;
        let change = |current: &str, new: &str| json!({ "current": current, "new": new });
        let (status, answer) = call(
            server,
            Method::POST,
            "/api/v1/me/password",
            &person,
            Some(&change("wrong-password", "another-long-one")),
        )
        .await;
        assert_eq!((status, answer["code"].as_str()), (401, Some("wrong_credentials")));
        let (status, answer) = call(
            server,
            Method::POST,
            "/api/v1/me/password",
            &person,
            Some(&change(PASSWORD, "short")),
        )
        .await;
        assert_eq!(status, 400, "{answer}");
        let (status, _) = call(
            server,
            Method::POST,
            "/api/v1/me/password",
            &person,
            Some(&change(PASSWORD, "another-long-one")),
        )
        .await;
        assert_eq!(status, 204);
        let (status, _) = call(server, Method::GET, "/api/v1/me/file", &person, None).await;
        assert_eq!(status, 401, "the session ended with the change");
        let response = server
            .client
            .post(server.url("/api/v1/session"))
            .json(&json!({ "username": "person", "password": "another-long-one" }))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200, "the new password signs in");

        // Wrong passwords and unknown users get the same answer.
        for (username, password) in [("company", "wrong-password"), ("nobody", PASSWORD)] {
            let response = server
                .client
                .post(server.url("/api/v1/session"))
                .json(&json!({ "username": username, "password": password }))
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), 401);
            assert_eq!(response.json::<Value>().await.unwrap()["code"], "wrong_credentials");
        }
        world.server.stop().await;
    }
}

#[tokio::test]
async fn sign_in_attempts_are_rate_limited() {
    let platform = xinyong_testkit::Platform::sqlite().await;
    let settings = xinyong_web::Settings {
        sign_in_per_minute: 3,
        ..Default::default()
    };
    let server = TestServer::start_with(platform, settings).await;
    let attempt = || {
        server
            .client
            .post(server.url("/api/v1/session"))
            .json(&json!({ "username": "x", "password": "y" }))
            .send()
    };
    for _ in 0..3 {
        assert_eq!(attempt().await.unwrap().status(), 401);
    }
    let limited = attempt().await.unwrap();
    assert_eq!(limited.status(), 429);
    let retry: u64 = limited.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=60).contains(&retry));
    let problem: Value = limited.json().await.unwrap();
    assert_eq!(problem["code"], "too_many_requests");
    assert!(problem["detail"].as_str().unwrap().contains("请求过于频繁"));
    server.stop().await;
}
