//! What people do on the site, in a real browser.

use fantoccini::{Client, Locator};
use xinyong_access::{AccountRequest, Principal};
use xinyong_domain::Role;
use xinyong_domain::id::{OrgCode, Uscc};

use crate::browser::{Browser, artefacts};
use crate::support::{COMPANY, PENALTY_HEADER, TestServer, days_ago, penalty_file, penalty_row};

const DEPT: &str = "淮北市市场监督管理局";
const PASSWORD: &str = "correct-horse-battery";

async fn server() -> TestServer {
    let server = TestServer::start(xinyong_testkit::Platform::sqlite().await).await;
    let file = penalty_file(&server.platform);
    server.platform.import(&file, "xzcf", DEPT).await;
    let access = xinyong_access::Access::new(
        server.platform.store.clone(),
        server.platform.keys.clone(),
        Default::default(),
    );
    let desk = access.admin_desk(&Principal::console("test")).unwrap();
    let code = Uscc::complete(&format!("11340600{}", OrgCode::complete("MB000001").unwrap())).unwrap();
    desk.create_department(DEPT, &code, None).await.unwrap();
    desk.create_account(AccountRequest {
        username: "operator".into(),
        role: Role::Operator,
        department_uscc: Some(code),
        subject: None,
        password: PASSWORD.into(),
    })
    .await
    .unwrap();
    server
}

/// The text of the first element matching `css`, once there; read again if
/// the page was replaced under it.
async fn text_of(client: &Client, css: &str) -> String {
    for _ in 0..50 {
        let element = client.wait().for_element(Locator::Css(css)).await.unwrap();
        match element.text().await {
            Ok(text) => return text,
            Err(error) if error.to_string().contains("stale") => {
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            }
            Err(error) => panic!("{css}: {error}"),
        }
    }
    panic!("{css} kept going stale")
}

/// Waits until the browser shows `path` (a click may return before the
/// navigation it starts has finished).
async fn wait_for_path(client: &Client, path: &str) {
    wait_for(client, |now| now == path).await;
}

/// Waits until the browser's path satisfies `arrived`.
async fn wait_for(client: &Client, arrived: impl Fn(&str) -> bool) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let now = client.current_url().await.unwrap();
        if arrived(now.path()) {
            return;
        }
        assert!(std::time::Instant::now() < deadline, "still at {now}");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

async fn body(client: &Client) -> String {
    text_of(client, "body").await
}

#[tokio::test]
async fn search_leads_to_the_subject_page_which_fits_a_phone() {
    let Some(browser) = Browser::start().await else { return };
    let server = server().await;
    let client = &browser.client;
    client.goto(&server.url("/")).await.unwrap();
    assert!(client.title().await.unwrap().contains("首页"));
    let query = client.find(Locator::Css("form.search input[name=q]")).await.unwrap();
    query.send_keys("鑫源").await.unwrap();
    client
        .find(Locator::Css("form.search button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    assert_eq!(text_of(client, "mark").await, "鑫源");
    assert!(client.current_url().await.unwrap().path().ends_with("/search"));
    client
        .find(Locator::Css(&format!("a[href='/subjects/{COMPANY}']")))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for_path(client, &format!("/subjects/{COMPANY}")).await;
    assert_eq!(text_of(client, "h1").await, "淮北市鑫源商贸有限公司");
    let page = body(client).await;
    assert!(page.contains("淮市监罚〔2026〕1号") && page.contains(DEPT));
    assert!(!page.contains("淮市监罚〔2026〕2号"), "a warning is never published");

    // A phone: 360 px wide, nothing wider than the screen.
    client.set_window_size(360, 800).await.unwrap();
    let widths = client
        .execute(
            "return [document.documentElement.scrollWidth, window.innerWidth];",
            vec![],
        )
        .await
        .unwrap();
    let (scroll, inner) = (widths[0].as_u64().unwrap(), widths[1].as_u64().unwrap());
    assert!(
        scroll <= inner,
        "the page scrolls sideways on a phone: {scroll} > {inner}"
    );
    let png = client.screenshot().await.unwrap();
    assert!(png.starts_with(b"\x89PNG"));
    let path = artefacts().join("subject-page-360px.png");
    std::fs::write(&path, png).unwrap();
    eprintln!("screenshot: {}", path.display());
    browser.stop().await;
    server.stop().await;
}

/// A penalty file whose second row has a bad code check character and 30 February.
fn file_with_errors(dir: &std::path::Path) -> std::path::PathBuf {
    let row = |doc: &str, code: &str, date: &str| {
        penalty_row(
            "淮北市鑫源商贸有限公司",
            "法人及非法人组织",
            code,
            "",
            doc,
            "罚款",
            "0.5",
            date,
            DEPT,
        )
    };
    let text = format!(
        "{PENALTY_HEADER}\n{}\n{}\n",
        row("淮市监罚〔2026〕50号", COMPANY, &days_ago(3)),
        row("淮市监罚〔2026〕51号", "91340000711771143X", "2026-02-30"),
    );
    let (gbk, _, _) = encoding_rs::GBK.encode(&text);
    let path = dir.join("处罚信息.csv");
    std::fs::write(&path, gbk).unwrap();
    path
}

async fn upload(client: &Client, server: &TestServer, file: &std::path::Path) {
    client.goto(&server.url("/console/batches")).await.unwrap();
    client
        .find(Locator::Css("#u-type"))
        .await
        .unwrap()
        .select_by_value("xzcf")
        .await
        .unwrap();
    client
        .find(Locator::Css("#u-file"))
        .await
        .unwrap()
        .send_keys(&file.display().to_string())
        .await
        .unwrap();
    client
        .find(Locator::Css("form[enctype] button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for(client, |path| path.starts_with("/console/batches/")).await;
}

#[tokio::test]
async fn an_operator_signs_in_fixes_rejected_rows_and_signs_out() {
    let Some(browser) = Browser::start().await else { return };
    let server = server().await;
    let client = &browser.client;

    client.goto(&server.url("/login")).await.unwrap();
    client
        .find(Locator::Id("l-user"))
        .await
        .unwrap()
        .send_keys("operator")
        .await
        .unwrap();
    client
        .find(Locator::Id("l-pass"))
        .await
        .unwrap()
        .send_keys("not-the-password")
        .await
        .unwrap();
    client
        .find(Locator::Css("main form button"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    assert!(text_of(client, "[role=alert]").await.contains("用户名或密码不正确"));
    client
        .find(Locator::Id("l-pass"))
        .await
        .unwrap()
        .send_keys(PASSWORD)
        .await
        .unwrap();
    client
        .find(Locator::Css("main form button"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for_path(client, "/console/batches").await;
    assert_eq!(text_of(client, "h1").await, format!("数据上报：{DEPT}"));

    // A file with errors: the rejected row and its reasons are on the page.
    let dir = tempfile::tempdir().unwrap();
    upload(client, &server, &file_with_errors(dir.path())).await;
    let status = text_of(client, "[role=status]").await;
    assert!(status.contains("接受 1 行") && status.contains("拒绝 1 行"), "{status}");
    let page = body(client).await;
    assert!(
        page.contains("第3行") && page.contains("统一社会信用代码") && page.contains("处罚决定日期"),
        "{page}"
    );

    // Download the rejected rows, fix them, upload them again.
    client
        .find(Locator::Css("a.button"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let downloaded = browser.downloaded("csv").await;
    let bytes = std::fs::read(&downloaded).unwrap();
    let (text, _, _) = encoding_rs::GBK.decode(&bytes);
    assert!(
        text.contains("淮市监罚〔2026〕51号") && !text.contains("淮市监罚〔2026〕50号"),
        "{text}"
    );
    let fixed = text
        .replace("91340000711771143X", COMPANY)
        .replace("2026-02-30", &days_ago(4));
    let (gbk, _, _) = encoding_rs::GBK.encode(&fixed);
    let fixed_path = dir.path().join("处罚信息-已修改.csv");
    std::fs::write(&fixed_path, gbk).unwrap();
    upload(client, &server, &fixed_path).await;
    let status = text_of(client, "[role=status]").await;
    assert!(status.contains("接受 1 行") && status.contains("拒绝 0 行"), "{status}");

    client.goto(&server.url("/console/batches")).await.unwrap();
    let history = body(client).await;
    assert!(history.contains("处罚信息.csv") && history.contains("处罚信息-已修改.csv"));

    // Signing out ends the session: the console sends us to sign in again.
    client
        .find(Locator::Css("header form button"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for_path(client, "/").await;
    assert!(text_of(client, "header nav").await.contains("登录"));
    client.goto(&server.url("/console/batches")).await.unwrap();
    wait_for_path(client, "/login").await;
    browser.stop().await;
    server.stop().await;
}

#[tokio::test]
async fn a_department_registers_an_objection_brought_to_its_window_and_a_reload_files_nothing_more() {
    let Some(browser) = Browser::start().await else { return };
    let server = server().await;
    let client = &browser.client;
    let store = &server.platform.store;
    let company = store.subject_by_uscc(COMPANY).await.unwrap().unwrap();
    let record = store
        .records_of_subject(company.id, false)
        .await
        .unwrap()
        .into_iter()
        .find(|r| r.key.doc_no == "淮市监罚〔2026〕1号")
        .unwrap();

    client.goto(&server.url("/login")).await.unwrap();
    client
        .find(Locator::Id("l-user"))
        .await
        .unwrap()
        .send_keys("operator")
        .await
        .unwrap();
    client
        .find(Locator::Id("l-pass"))
        .await
        .unwrap()
        .send_keys(PASSWORD)
        .await
        .unwrap();
    client
        .find(Locator::Css("main form button"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for_path(client, "/console/batches").await;

    client.goto(&server.url("/console/rights")).await.unwrap();
    client
        .find(Locator::Css("details.card summary"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let fill = |id: &'static str, text: String| async move {
        client
            .find(Locator::Id(id))
            .await
            .unwrap()
            .send_keys(&text)
            .await
            .unwrap();
    };
    fill("r-record", record.id.to_string()).await;
    fill("r-applicant", "王五".into()).await;
    fill("r-reasons", "罚款金额与决定书不符".into()).await;
    client
        .find(Locator::Id("r-channel"))
        .await
        .unwrap()
        .select_by_value("counter")
        .await
        .unwrap();
    client
        .find(Locator::Css(
            "form[action='/console/rights/objections'] button[type=submit]",
        ))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for_path(client, "/console/rights").await;
    let status = text_of(client, "[role=status]").await;
    assert!(status.contains("已登记异议"), "{status}");
    assert!(body(client).await.contains("罚款金额与决定书不符"));

    // Reloading the page the step landed on does not post it again.
    client.refresh().await.unwrap();
    wait_for_path(client, "/console/rights").await;
    assert!(text_of(client, "[role=status]").await.contains("已登记异议"));
    let entries = store.audit_entries(0, 1000).await.unwrap();
    let filings = entries.iter().filter(|e| e.event.action == "objection.file").count();
    assert_eq!(filings, 1, "one filing, not one per load");
    let filed = store
        .objections(&xinyong_store::ObjectionFilter::default())
        .await
        .unwrap();
    assert_eq!(
        filed[0].new.filer,
        format!("王五（信用主体本人或法定代表人，窗口受理，由{DEPT}登记）")
    );
    browser.stop().await;
    server.stop().await;
}
