//! Starting the real server on a random port over a fresh platform, and a
//! file of known records to look at.

use std::net::SocketAddr;
use std::path::PathBuf;

use chrono::{Days, NaiveDate};
use std::sync::Arc;

use xinyong_access::{Access, AccessSettings};
use xinyong_checks::{BookSource, CheckPlatform, CheckSettings, Checks};
use xinyong_domain::calendar::WorkingCalendar;
use xinyong_domain::id::IdPolicy;
use xinyong_domain::rights::commitment::CommitmentBook;
use xinyong_testkit::Platform;
use xinyong_web::{AppState, Settings};

/// A running server and the platform behind it.
pub struct TestServer {
    pub platform: Platform,
    pub address: SocketAddr,
    pub client: reqwest::Client,
    /// The server's rights service (for what a start does before serving).
    pub rights: xinyong_rights::Rights,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
}

impl TestServer {
    /// A server with the default settings, except a sign-in limit that
    /// tests signing in many accounts from one address stay under (the
    /// limit itself is tested with its own server).
    pub async fn start(platform: Platform) -> Self {
        let settings = Settings {
            sign_in_per_minute: 100,
            ..Settings::default()
        };
        Self::start_with(platform, settings).await
    }

    pub async fn start_with(platform: Platform, settings: Settings) -> Self {
        Self::start_full(platform, settings, CheckSettings::default()).await
    }

    pub async fn start_full(mut platform: Platform, settings: Settings, check_settings: CheckSettings) -> Self {
        // The server judges publicity windows by the real day; the files
        // tests import are dated from it.
        platform.today = today();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        let access = Access::new(platform.store.clone(), platform.keys.clone(), AccessSettings::default());
        let checks = Checks::new(
            CheckPlatform {
                access: access.clone(),
                store: platform.store.clone(),
                keys: platform.keys.clone(),
                policy: Arc::new(IdPolicy::default()),
                types: platform.catalog.entries().map(|e| e.record_type.clone()).collect(),
            },
            BookSource::Builtin,
            check_settings,
        )
        .unwrap();
        checks.resume_batches().await.unwrap();
        let rights = xinyong_rights::Rights::new(
            xinyong_rights::RightsPlatform {
                access: access.clone(),
                store: platform.store.clone(),
                catalog: Arc::new(platform.catalog.clone()),
                importer: platform.importer.clone(),
                keys: platform.keys.clone(),
                data_dir: platform.dir.clone(),
            },
            WorkingCalendar::parse(&xinyong_domain::calendar::builtin_files()).unwrap(),
            CommitmentBook::parse(xinyong_domain::rights::commitment::builtin_text()).unwrap(),
            xinyong_rights::RightsSettings::default(),
        );
        let state = AppState::new(
            platform.store.clone(),
            platform.catalog.clone(),
            access,
            checks,
            rights.clone(),
            platform.importer.clone(),
            platform.dir.clone(),
            settings,
        );
        let (shutdown, signal) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(xinyong_web::serve(listener, state, async move {
            let _ = signal.await;
        }));
        Self {
            platform,
            address,
            client: reqwest::Client::new(),
            rights,
            shutdown: Some(shutdown),
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.address)
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client.get(self.url(path)).send().await.unwrap()
    }

    pub async fn json(&self, path: &str) -> (u16, serde_json::Value) {
        let response = self.get(path).await;
        let status = response.status().as_u16();
        (status, response.json().await.unwrap())
    }

    pub async fn stop(mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        self.platform.cleanup().await;
    }
}

/// Signs `username` in; returns the session cookie's token and the CSRF token.
pub async fn sign_in(server: &TestServer, username: &str, password: &str) -> (String, String) {
    let response = server
        .client
        .post(server.url("/api/v1/session"))
        .json(&serde_json::json!({ "username": username, "password": password }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200, "sign in {username}");
    let cookie = response.headers()["set-cookie"].to_str().unwrap().to_owned();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"),
        "{cookie}"
    );
    let token = cookie
        .split(';')
        .next()
        .unwrap()
        .trim_start_matches("xy_session=")
        .to_owned();
    let body: serde_json::Value = response.json().await.unwrap();
    (token, body["csrf_token"].as_str().unwrap().to_owned())
}

/// One server per available backend.
pub async fn servers() -> Vec<TestServer> {
    let mut servers = Vec::new();
    for platform in xinyong_testkit::backends().await {
        servers.push(TestServer::start(platform).await);
    }
    servers
}

/// Today in China, as the server judges publicity.
pub fn today() -> NaiveDate {
    xinyong_domain::date::china_date(chrono::Utc::now())
}

pub fn days_ago(n: u64) -> String {
    (today() - Days::new(n)).to_string()
}

pub const COMPANY: &str = "91340000711771143J";
pub const SHOP: &str = "92340603MA2PBMCG0U";
pub const PERSON_ID: &str = "11010519491231002X";
/// A third person's ID number a clerk copied into that person's record.
pub const WITNESS_ID: &str = "340603198512124565";
pub const DEPARTMENT_CODE: &str = "11340600003140164U";

pub const PENALTY_HEADER: &str = "行政相对人名称,行政相对人类别,统一社会信用代码,法定代表人,法定代表人证件类型,法定代表人证件号码,证件类型,证件号码,行政处罚决定书文号,违法行为类型,违法事实,处罚依据,处罚类别,处罚内容,罚款金额(万元),处罚决定日期,处罚有效期,处罚机关,处罚机关统一社会信用代码,数据来源单位,数据来源单位统一社会信用代码";

/// A penalty row: (name, category, uscc, id, doc, kinds, fine, decided, source).
#[expect(clippy::too_many_arguments, reason = "one argument per column of the row")]
pub fn penalty_row(
    name: &str,
    category: &str,
    uscc: &str,
    id: &str,
    doc: &str,
    kinds: &str,
    fine: &str,
    decided: &str,
    source: &str,
) -> String {
    let (rep, rep_type, rep_id) = if uscc.is_empty() {
        ("", "", "")
    } else {
        ("王五", "身份证", "34060219810702269X")
    };
    let id_type = if id.is_empty() { "" } else { "身份证" };
    format!(
        "{name},{category},{uscc},{rep},{rep_type},{rep_id},{id_type},{id},{doc},销售过期食品,经查当事人销售过期食品,《食品安全法》第一百二十四条,{kinds},依法处罚,{fine},{decided},{decided},{source},{DEPARTMENT_CODE},{source},{DEPARTMENT_CODE}"
    )
}

/// Writes the standard penalty file into the platform's directory:
/// a company with a current fine, a warning only (never published), a fine
/// decided two years ago (past its one-year window), a person's fine and a
/// shop's fine from another department.
pub fn penalty_file(platform: &Platform) -> PathBuf {
    let rows = [
        penalty_row(
            "淮北市鑫源商贸有限公司",
            "法人及非法人组织",
            COMPANY,
            "",
            "淮市监罚〔2026〕1号",
            "罚款",
            "0.5",
            &days_ago(10),
            "淮北市市场监督管理局",
        ),
        penalty_row(
            "淮北市鑫源商贸有限公司",
            "法人及非法人组织",
            COMPANY,
            "",
            "淮市监罚〔2026〕2号",
            "警告",
            "",
            &days_ago(5),
            "淮北市市场监督管理局",
        ),
        penalty_row(
            "淮北市鑫源商贸有限公司",
            "法人及非法人组织",
            COMPANY,
            "",
            "淮市监罚〔2024〕9号",
            "罚款",
            "0.1",
            &days_ago(730),
            "淮北市市场监督管理局",
        ),
        penalty_row(
            "张三丰",
            "自然人",
            "",
            PERSON_ID,
            "淮公罚〔2026〕3号",
            "罚款",
            "0.05",
            &days_ago(20),
            "淮北市公安局",
        )
        // Copied into the free text, as clerks do, with a witness's number.
        .replace(
            "经查当事人",
            &format!("经查当事人（身份证号{PERSON_ID}，证人{WITNESS_ID}）"),
        ),
        penalty_row(
            "相山区鑫源小吃店",
            "个体工商户",
            SHOP,
            "",
            "淮环罚〔2026〕4号",
            "罚款",
            "0.3",
            &days_ago(30),
            "淮北市生态环境局",
        ),
    ];
    let path = platform.dir.join("penalties.csv");
    std::fs::write(&path, format!("{PENALTY_HEADER}\n{}\n", rows.join("\n"))).unwrap();
    path
}

/// The password of the accounts tests create with [`create_accounts`].
pub const TEST_PASSWORD: &str = "correct-horse-battery";

/// The code of a 机关 (category 11) in 淮北, numbered `n`.
pub fn government_code(n: u32) -> String {
    let org = xinyong_domain::id::OrgCode::complete(&format!("MB{n:06}")).unwrap();
    xinyong_domain::id::Uscc::complete(&format!("11340600{org}")).unwrap()
}

/// Creates departments (name, code) and accounts (username, role, its
/// department's code, its subject), every account with [`TEST_PASSWORD`];
/// returns the administration desk for more.
pub async fn create_accounts(
    server: &TestServer,
    departments: &[(&str, String)],
    accounts: Vec<(
        &str,
        xinyong_domain::Role,
        Option<String>,
        Option<xinyong_store::Subject>,
    )>,
) -> xinyong_access::AdminDesk {
    let platform = &server.platform;
    let access = Access::new(platform.store.clone(), platform.keys.clone(), AccessSettings::default());
    let desk = access.admin_desk(&xinyong_access::Principal::console("test")).unwrap();
    for (name, code) in departments {
        desk.create_department(name, code, None).await.unwrap();
    }
    for (username, role, department_uscc, subject) in accounts {
        desk.create_account(xinyong_access::AccountRequest {
            username: username.into(),
            role,
            department_uscc,
            subject,
            password: TEST_PASSWORD.into(),
        })
        .await
        .unwrap();
    }
    desk
}

/// A signed-in session: its cookie token and CSRF token.
pub struct Signed {
    pub cookie: String,
    pub csrf: String,
}

/// Signs `username` in with [`TEST_PASSWORD`].
pub async fn signed(server: &TestServer, username: &str) -> Signed {
    let (cookie, csrf) = sign_in(server, username, TEST_PASSWORD).await;
    Signed { cookie, csrf }
}

/// Calls the API as `who` (cookie and CSRF header); the body as JSON, or
/// `Null` when there is none.
pub async fn call_as(
    server: &TestServer,
    method: reqwest::Method,
    path: &str,
    who: &Signed,
    body: Option<serde_json::Value>,
) -> (u16, serde_json::Value) {
    let mut request = server
        .client
        .request(method, server.url(path))
        .header("cookie", format!("xy_session={}", who.cookie))
        .header("x-csrf-token", &who.csrf);
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(serde_json::Value::Null))
}

/// A system key of `client` for `purposes`, as the administrator issues it;
/// the key itself.
pub async fn system_key(desk: &xinyong_access::AdminDesk, client: &str, purposes: &[&str]) -> String {
    let request = xinyong_access::KeyRequest {
        client: client.into(),
        purposes: purposes.iter().map(|p| (*p).to_owned()).collect(),
        department_uscc: None,
        expires_on: None,
    };
    desk.issue_key(request, today()).await.unwrap().0.key
}
