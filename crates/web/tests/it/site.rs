//! The website on each backend: public pages show exactly what is public,
//! the portal shows a subject its whole file, the console takes uploads,
//! and errors are Chinese pages. Every page passes `pages::check`.

use reqwest::multipart::{Form, Part};
use xinyong_domain::Role;

use crate::pages::{Page, fetch};
use crate::support::{
    COMPANY, PERSON_ID, SHOP, TEST_PASSWORD, TestServer, create_accounts, government_code, penalty_file, penalty_row,
    servers,
};

const DEPT: &str = "淮北市市场监督管理局";
const PASSWORD: &str = TEST_PASSWORD;

fn no_redirects() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// The department, an operator of it, the company's own account and one
/// account of each office role.
async fn accounts(server: &TestServer) {
    let company = server.platform.store.subject_by_uscc(COMPANY).await.unwrap().unwrap();
    let code = government_code(1);
    create_accounts(
        server,
        &[(DEPT, code.clone())],
        vec![
            ("operator", Role::Operator, Some(code), None),
            ("company", Role::Subject, None, Some(company)),
            ("reviewer", Role::Reviewer, None, None),
            ("admin", Role::Admin, None, None),
            ("auditor", Role::Auditor, None, None),
        ],
    )
    .await;
}

/// Signs in through the login form: (cookie token, where it sent us).
async fn sign_in(server: &TestServer, username: &str, password: &str) -> (Option<String>, u16, String) {
    let response = no_redirects()
        .post(server.url("/login"))
        .form(&[("username", username), ("password", password)])
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let location = response
        .headers()
        .get("location")
        .map(|l| l.to_str().unwrap().to_owned())
        .unwrap_or_default();
    let cookie = response.headers().get("set-cookie").map(|c| {
        let c = c.to_str().unwrap();
        assert!(c.contains("HttpOnly") && c.contains("SameSite=Strict"), "{c}");
        c.split(';')
            .next()
            .unwrap()
            .trim_start_matches("xy_session=")
            .to_owned()
    });
    (cookie, status, location)
}

/// The CSRF token a page's forms carry.
fn csrf_of(page: &Page) -> String {
    let at = page
        .html
        .find(r#"name="csrf" value=""#)
        .expect("a form with a CSRF token")
        + 19;
    page.html[at..].split('"').next().unwrap().to_owned()
}

#[tokio::test]
async fn public_pages_show_exactly_what_is_public() {
    for server in servers().await {
        let file = penalty_file(&server.platform);
        server.platform.import(&file, "xzcf", DEPT).await;
        let never_public = ["淮市监罚〔2026〕2号", "淮市监罚〔2024〕9号"];

        let home = fetch(&server, "/", None).await;
        assert_eq!(home.status, 200);
        assert!(home.has("淮市监罚〔2026〕1号") && home.has("淮环罚〔2026〕4号"));
        assert!(home.has(r#"action="/search""#));

        let found = fetch(&server, "/search?q=%E9%91%AB%E6%BA%90", None).await;
        assert_eq!(found.status, 200);
        assert!(found.has("淮北市<mark>鑫源</mark>商贸有限公司"), "{}", found.html);
        assert!(found.has(&format!("/subjects/{COMPANY}")) && found.has(&format!("/subjects/{SHOP}")));
        let by_code = fetch(&server, "/search?q=9234", None).await;
        assert!(by_code.has("<mark>9234</mark>"));
        // A person is found by the published surname, not by the hidden
        // given name (三丰).
        let person = fetch(&server, "/search?q=%E5%BC%A0", None).await;
        assert!(person.has("**") && person.has("110105********002X"), "{}", person.html);
        assert!(!person.has("张三丰"));
        let hidden = fetch(&server, "/search?q=%E4%B8%89%E4%B8%B0", None).await;
        assert!(!hidden.has("110105********002X"));
        let none = fetch(&server, "/search?q=%E4%B8%8D%E5%AD%98%E5%9C%A8", None).await;
        assert!(none.has("未找到"));
        let empty = fetch(&server, "/search?q=%EF%BC%88%EF%BC%89", None).await;
        assert_eq!(empty.status, 400);
        assert!(empty.has("请输入主体名称或统一社会信用代码"));

        let subject = fetch(&server, &format!("/subjects/{COMPANY}"), None).await;
        assert_eq!(subject.status, 200);
        assert!(subject.has("<title>淮北市鑫源商贸有限公司的信用档案"));
        assert!(subject.has("淮市监罚〔2026〕1号") && subject.has(DEPT));
        assert!(subject.has("暂无行政许可信息"));
        for doc in never_public {
            assert!(!subject.has(doc), "{doc} is not public");
        }
        let person_ref = person
            .html
            .split("/subjects/p")
            .nth(1)
            .unwrap()
            .split('"')
            .next()
            .unwrap();
        let person_page = fetch(&server, &format!("/subjects/p{person_ref}"), None).await;
        assert!(person_page.has("淮公罚〔2026〕3号") && !person_page.has(PERSON_ID));

        let listing = fetch(&server, "/publicity?type=xzcf", None).await;
        assert!(listing.has("淮市监罚〔2026〕1号"));
        for doc in never_public {
            assert!(!listing.has(doc) && !home.has(doc), "{doc} is not public");
        }
        let filtered = fetch(
            &server,
            "/publicity?type=xzcf&source=%E6%B7%AE%E5%8C%97%E5%B8%82%E7%94%9F%E6%80%81%E7%8E%AF%E5%A2%83%E5%B1%80",
            None,
        )
        .await;
        assert!(filtered.has("淮环罚〔2026〕4号") && !filtered.has("淮市监罚〔2026〕1号"));
        let paged = fetch(&server, "/publicity?type=xzcf&cursor=", None).await;
        assert_eq!(paged.status, 200);
        let bad_date = fetch(&server, "/publicity?from=2024-13-01", None).await;
        assert_eq!(bad_date.status, 400);
        assert!(bad_date.has("不是有效日期"));

        let login = fetch(&server, "/login", None).await;
        assert!(login.has(r#"autocomplete="current-password""#));
        server.stop().await;
    }
}

#[tokio::test]
async fn identifiers_and_names_written_in_free_text_are_masked_on_pages() {
    for server in servers().await {
        let row = penalty_row(
            "李四光",
            "自然人",
            "",
            "340603198503121231",
            "淮公罚〔2026〕77号",
            "罚款",
            "0.05",
            &crate::support::days_ago(3),
            DEPT,
        )
        .replace(
            "经查当事人销售过期食品",
            "经查，李四光（身份证340603198503121231，电话13812345678）销售过期食品",
        );
        let path = server.platform.dir.join("free-text.csv");
        std::fs::write(&path, format!("{}\n{row}\n", crate::support::PENALTY_HEADER)).unwrap();
        server.platform.import(&path, "xzcf", DEPT).await;
        for page in [
            fetch(&server, "/publicity?type=xzcf", None).await,
            fetch(&server, "/", None).await,
        ] {
            assert!(
                page.has("经查，李**（身份证340603********1231，电话138****5678）"),
                "{}",
                page.html
            );
            assert!(!page.has("李四光") && !page.has("13812345678"));
        }
        let (_, api) = server.json("/api/v1/records?type=xzcf").await;
        let text = api.to_string();
        assert!(!text.contains("李四光") && !text.contains("13812345678") && !text.contains("340603198503121231"));
        server.stop().await;
    }
}

/// Some organisations' codes are all digits (a 事业单位 whose organisation
/// code has a digit check character): shaped like a citizen ID, but not
/// free text, so shown whole wherever the code is public.
#[tokio::test]
async fn an_all_digit_organisation_code_is_not_masked_as_an_id() {
    let code = (0..1000)
        .filter_map(|n| xinyong_domain::id::OrgCode::complete(&format!("4859{n:04}")))
        .filter_map(|org| xinyong_domain::id::Uscc::complete(&format!("12340600{org}")))
        .find(|code| code.bytes().all(|b| b.is_ascii_digit()))
        .unwrap();
    for server in servers().await {
        let row = penalty_row(
            "淮北市第一实验学校",
            "法人及非法人组织",
            &code,
            "",
            "淮市监罚〔2026〕78号",
            "罚款",
            "0.5",
            &crate::support::days_ago(3),
            DEPT,
        )
        .replace(
            "经查当事人销售过期食品",
            "经查，当事人食堂负责人（电话13812345678）销售过期食品",
        );
        let path = server.platform.dir.join("all-digit.csv");
        std::fs::write(&path, format!("{}\n{row}\n", crate::support::PENALTY_HEADER)).unwrap();
        server.platform.import(&path, "xzcf", DEPT).await;
        let (_, api) = server.json("/api/v1/records?type=xzcf").await;
        let fields = api["items"][0]["fields"].as_array().unwrap();
        let value = |key: &str| fields.iter().find(|f| f["key"] == key).unwrap()["value"].clone();
        assert_eq!(value("CF_XDR_SHXYM"), code.as_str(), "{api}");
        assert_eq!(value("CF_SY"), "经查，当事人食堂负责人（电话138****5678）销售过期食品");
        let page = fetch(&server, "/publicity?type=xzcf", None).await;
        assert!(page.has(&code) && !page.has("13812345678"), "{}", page.html);
        server.stop().await;
    }
}

#[tokio::test]
async fn listings_page_with_stable_urls() {
    for server in servers().await {
        let rows: Vec<String> = (1..=23)
            .map(|n| {
                penalty_row(
                    "淮北市鑫源商贸有限公司",
                    "法人及非法人组织",
                    COMPANY,
                    "",
                    &format!("淮市监罚〔2026〕{n}号"),
                    "罚款",
                    "0.5",
                    &crate::support::days_ago(n),
                    DEPT,
                )
            })
            .collect();
        let first = penalty_file(&server.platform);
        let header = std::fs::read_to_string(&first)
            .unwrap()
            .lines()
            .next()
            .unwrap()
            .to_owned();
        let path = server.platform.dir.join("many.csv");
        std::fs::write(&path, format!("{header}\n{}\n", rows.join("\n"))).unwrap();
        server.platform.import(&path, "xzcf", DEPT).await;
        let one = fetch(&server, "/publicity?type=xzcf", None).await;
        let pager = one.html.split(r#"class="pager""#).nth(1).unwrap();
        let next = pager
            .split(r#"<a href="/publicity?"#)
            .nth(1)
            .unwrap()
            .split('"')
            .next()
            .unwrap();
        let next = next.replace("&#38;", "&");
        assert!(next.contains("type=xzcf") && next.contains("cursor="), "{next}");
        let two = fetch(&server, &format!("/publicity?{next}"), None).await;
        assert_eq!(two.status, 200);
        assert!(!one.has("淮市监罚〔2026〕23号"), "{}", one.html);
        assert!(two.has("淮市监罚〔2026〕23号"), "{next}");
        server.stop().await;
    }
}

#[tokio::test]
async fn a_subject_signs_in_sees_its_whole_file_and_signs_out() {
    for server in servers().await {
        let file = penalty_file(&server.platform);
        server.platform.import(&file, "xzcf", DEPT).await;
        accounts(&server).await;

        let (cookie, status, _) = sign_in(&server, "company", "wrong-password-here").await;
        assert_eq!((cookie.is_none(), status), (true, 401));
        // Another site cannot sign a visitor in (login CSRF); this one's own form can.
        let host = server
            .url("")
            .trim_start_matches("http://")
            .trim_end_matches('/')
            .to_owned();
        for (header, value, expected) in [
            ("origin", "http://evil.example".to_owned(), 403),
            ("sec-fetch-site", "cross-site".to_owned(), 403),
            ("sec-fetch-site", "same-site".to_owned(), 403),
            ("origin", format!("http://{host}"), 303),
            // What a browser sends from this site's own form (no-referrer policy).
            ("sec-fetch-site", "same-origin".to_owned(), 303),
        ] {
            let mut request = no_redirects().post(server.url("/login")).header(header, &value);
            if header != "origin" {
                request = request.header("origin", "null");
            }
            let response = request
                .form(&[("username", "company"), ("password", PASSWORD)])
                .send()
                .await
                .unwrap();
            assert_eq!(response.status().as_u16(), expected, "{header}: {value}");
            assert_eq!(response.headers().contains_key("set-cookie"), expected == 303);
        }
        let (cookie, status, location) = sign_in(&server, "company", PASSWORD).await;
        assert_eq!((status, location.as_str()), (303, "/me"));
        let cookie = cookie.unwrap();

        let portal = fetch(&server, "/me", Some(&cookie)).await;
        assert_eq!(portal.status, 200);
        assert_eq!(portal.headers["cache-control"], "private, no-store");
        // The owner sees what the public does not: the warning and the expired fine.
        for doc in ["淮市监罚〔2026〕1号", "淮市监罚〔2026〕2号", "淮市监罚〔2024〕9号"] {
            assert!(portal.has(doc), "{doc}");
        }
        assert!(portal.has("谁查询了我的信用信息"));
        let home = fetch(&server, "/", Some(&cookie)).await;
        assert!(home.has("退出") && home.has("/me"));

        // Signing out needs the form's token; without it nothing happens.
        let refused = no_redirects()
            .post(server.url("/logout"))
            .header("cookie", format!("xy_session={cookie}"))
            .form(&[("csrf", "forged")])
            .send()
            .await
            .unwrap();
        assert_eq!(refused.status(), 403);
        assert!(refused.text().await.unwrap().contains("防伪令牌无效"));
        assert_eq!(fetch(&server, "/me", Some(&cookie)).await.status, 200);

        let csrf = csrf_of(&portal);
        let out = no_redirects()
            .post(server.url("/logout"))
            .header("cookie", format!("xy_session={cookie}"))
            .form(&[("csrf", csrf.as_str())])
            .send()
            .await
            .unwrap();
        assert_eq!(out.status(), 303);
        assert!(out.headers()["set-cookie"].to_str().unwrap().contains("Max-Age=0"));
        let after = fetch(&server, "/me", Some(&cookie)).await;
        assert_eq!(
            (after.status, after.headers["location"].to_str().unwrap()),
            (303, "/login")
        );
        server.stop().await;
    }
}

/// A CSV of penalties, the first row fine and the second wrong in two items.
fn upload_csv(fixed: bool) -> String {
    let good = penalty_row(
        "淮北市鑫源商贸有限公司",
        "法人及非法人组织",
        COMPANY,
        "",
        "淮市监罚〔2026〕50号",
        "罚款",
        "0.5",
        &crate::support::days_ago(3),
        DEPT,
    );
    let (code, date) = if fixed {
        ("91340000711771143J", crate::support::days_ago(4))
    } else {
        ("91340000711771143X", "2026-02-30".to_owned())
    };
    let second = penalty_row(
        "淮北市鑫源商贸有限公司",
        "法人及非法人组织",
        code,
        "",
        "淮市监罚〔2026〕51号",
        "罚款",
        "0.5",
        &date,
        DEPT,
    );
    let header = crate::support::PENALTY_HEADER;
    format!("{header}\n{good}\n{second}\n")
}

/// Posts a multipart form from a page as the holder of `cookie`; the
/// answer is checked like every page.
async fn post_multipart(server: &TestServer, cookie: &str, path: &str, form: Form) -> Page {
    let response = no_redirects()
        .post(server.url(path))
        .header("cookie", format!("xy_session={cookie}"))
        .multipart(form)
        .send()
        .await
        .unwrap();
    let page = Page {
        status: response.status().as_u16(),
        headers: response.headers().clone(),
        html: response.text().await.unwrap(),
    };
    if let Some(done) = after_step(server, cookie, &page).await {
        return done;
    }
    crate::pages::check(path, &page);
    page
}

/// A step on the rights console or the portal that succeeded redirects
/// back, and the page says what was done (post/redirect/get): the page a
/// browser lands on.
async fn after_step(server: &TestServer, cookie: &str, page: &Page) -> Option<Page> {
    let location = page.headers.get("location")?.to_str().unwrap();
    if !location.starts_with("/console/rights?done=") && !location.starts_with("/me?done=") {
        return None;
    }
    assert_eq!(page.status, 303, "{location}");
    Some(fetch(server, location, Some(cookie)).await)
}

async fn upload(server: &TestServer, cookie: &str, csrf: &str, name: &str, bytes: Vec<u8>) -> reqwest::Response {
    let form = Form::new()
        .text("csrf", csrf.to_owned())
        .text("type", "xzcf")
        .part("file", Part::bytes(bytes).file_name(name.to_owned()));
    no_redirects()
        .post(server.url("/console/batches"))
        .header("cookie", format!("xy_session={cookie}"))
        .multipart(form)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn an_operator_uploads_reads_the_rejections_and_uploads_the_fix() {
    for server in servers().await {
        let file = penalty_file(&server.platform);
        server.platform.import(&file, "xzcf", DEPT).await;
        accounts(&server).await;
        let (cookie, status, location) = sign_in(&server, "operator", PASSWORD).await;
        assert_eq!((status, location.as_str()), (303, "/console/batches"));
        let cookie = cookie.unwrap();
        let console = fetch(&server, "/console/batches", Some(&cookie)).await;
        assert!(console.has(DEPT) && console.has(r#"enctype="multipart/form-data""#));
        let csrf = csrf_of(&console);

        // The file comes in GBK, as many departments' exports do.
        let text = upload_csv(false);
        let (gbk, _, _) = encoding_rs::GBK.encode(&text);
        let refused = upload(&server, &cookie, "forged", "处罚.csv", gbk.to_vec()).await;
        assert_eq!(refused.status(), 403);
        let uploaded = upload(&server, &cookie, &csrf, "处罚.csv", gbk.to_vec()).await;
        assert_eq!(uploaded.status(), 303);
        let result_path = uploaded.headers()["location"].to_str().unwrap().to_owned();
        let result = fetch(&server, &result_path, Some(&cookie)).await;
        assert_eq!(result.status, 200);
        assert!(result.has("接受 1 行") && result.has("拒绝 1 行"), "{}", result.html);
        assert!(result.has("第3行") && result.has("统一社会信用代码") && result.has("处罚决定日期"));
        let batch_id = result_path.rsplit('/').next().unwrap();

        let download = server
            .client
            .get(server.url(&format!("/api/v1/batches/{batch_id}/rejected")))
            .header("cookie", format!("xy_session={cookie}"))
            .send()
            .await
            .unwrap();
        assert_eq!(download.status(), 200);
        let bytes = download.bytes().await.unwrap();
        let (rejected, _, _) = encoding_rs::GBK.decode(&bytes);
        assert!(rejected.contains("淮市监罚〔2026〕51号") && !rejected.contains("淮市监罚〔2026〕50号"));

        let fixed = upload(&server, &cookie, &csrf, "处罚-修正.csv", upload_csv(true).into_bytes()).await;
        let fixed_path = fixed.headers()["location"].to_str().unwrap().to_owned();
        let fixed_result = fetch(&server, &fixed_path, Some(&cookie)).await;
        assert!(
            fixed_result.has("接受 1 行") && fixed_result.has("重复 1 行"),
            "{}",
            fixed_result.html
        );
        let history = fetch(&server, "/console/batches", Some(&cookie)).await;
        assert!(history.has("处罚.csv") && history.has("处罚-修正.csv"));

        // A subject has no department desk: a Chinese 403 page.
        let (company, _, _) = sign_in(&server, "company", PASSWORD).await;
        let forbidden = fetch(&server, "/console/batches", company.as_deref()).await;
        assert_eq!(forbidden.status, 403);
        assert!(forbidden.has("无权访问"));
        let other = fetch(&server, &result_path, company.as_deref()).await;
        assert_eq!(other.status, 403);
        server.stop().await;
    }
}

#[tokio::test]
async fn errors_are_chinese_pages_and_the_api_keeps_problems() {
    for server in servers().await {
        let missing = fetch(&server, "/no/such/page", None).await;
        assert_eq!(missing.status, 404);
        assert!(missing.has("未找到请求的资源"));
        let subject = fetch(&server, "/subjects/91340000711771143J", None).await;
        assert_eq!(subject.status, 404);
        assert!(subject.has("未找到该信用主体"));
        // Tracking parameters on a shared link do not break a page; a repeated one is explained.
        let tracked = fetch(&server, "/search?q=a&utm_source=x", None).await;
        assert_eq!(tracked.status, 200);
        let repeated = fetch(&server, "/publicity?type=xzcf&type=xzxk", None).await;
        assert_eq!(repeated.status, 400);
        assert!(repeated.has("参数“type”重复"), "{}", repeated.html);
        let api = server.get("/api/v1/no/such").await;
        assert_eq!(api.headers()["content-type"], "application/problem+json");
        let console = fetch(&server, "/console/batches", None).await;
        assert_eq!(
            (console.status, console.headers["location"].to_str().unwrap()),
            (303, "/login")
        );
        server.stop().await;
    }
    let platform = xinyong_testkit::Platform::sqlite().await;
    let settings = xinyong_web::Settings {
        search_per_minute: 1,
        ..Default::default()
    };
    let server = TestServer::start_with(platform, settings).await;
    fetch(&server, "/search?q=%E9%91%AB", None).await;
    let limited = fetch(&server, "/search?q=%E9%91%AB", None).await;
    assert_eq!(limited.status, 429);
    assert!(limited.has("请求过于频繁") && limited.headers.contains_key("retry-after"));
    server.stop().await;
}

async fn post_form(server: &TestServer, cookie: &str, path: &str, fields: &[(&str, &str)]) -> Page {
    let response = no_redirects()
        .post(server.url(path))
        .header("cookie", format!("xy_session={cookie}"))
        .form(fields)
        .send()
        .await
        .unwrap();
    let page = Page {
        status: response.status().as_u16(),
        headers: response.headers().clone(),
        html: response.text().await.unwrap(),
    };
    if let Some(done) = after_step(server, cookie, &page).await {
        return done;
    }
    if !(300..400).contains(&page.status) {
        crate::pages::check(path, &page);
    }
    page
}

#[tokio::test]
async fn the_credit_office_settles_names_manages_accounts_and_verifies_the_log() {
    for server in servers().await {
        let file = penalty_file(&server.platform);
        server.platform.import(&file, "xzcf", DEPT).await;
        accounts(&server).await;
        let renamed = penalty_row(
            "淮北市鑫源新材料有限公司",
            "法人及非法人组织",
            COMPANY,
            "",
            "淮市监罚〔2026〕60号",
            "罚款",
            "0.5",
            &crate::support::days_ago(2),
            DEPT,
        );
        let path = server.platform.dir.join("renamed.csv");
        std::fs::write(&path, format!("{}\n{renamed}\n", crate::support::PENALTY_HEADER)).unwrap();
        server.platform.import(&path, "xzcf", DEPT).await;

        // The reviewer settles the conflict: the company was renamed.
        let (reviewer, _, location) = sign_in(&server, "reviewer", PASSWORD).await;
        assert_eq!(location, "/console/office");
        let reviewer = reviewer.unwrap();
        let office = fetch(&server, "/console/office", Some(&reviewer)).await;
        assert!(office.has("淮北市鑫源新材料有限公司") && office.has(COMPANY));
        let csrf = csrf_of(&office);
        let flag = office
            .html
            .split("/console/office/flags/")
            .nth(1)
            .unwrap()
            .split('"')
            .next()
            .unwrap()
            .to_owned();
        let forged = post_form(
            &server,
            &reviewer,
            &format!("/console/office/flags/{flag}"),
            &[("csrf", "x"), ("decision", "rename")],
        )
        .await;
        assert_eq!(forged.status, 403);
        let settled = post_form(
            &server,
            &reviewer,
            &format!("/console/office/flags/{flag}"),
            &[("csrf", &csrf), ("decision", "rename")],
        )
        .await;
        assert!(
            settled.has("已更名为") && settled.has("没有待复核的名称冲突"),
            "{}",
            settled.html
        );
        let again = post_form(
            &server,
            &reviewer,
            &format!("/console/office/flags/{flag}"),
            &[("csrf", &csrf), ("decision", "alias")],
        )
        .await;
        assert!(again.has("不存在或已处理"));
        let subject = fetch(&server, &format!("/subjects/{COMPANY}"), None).await;
        assert!(subject.has("<h1>淮北市鑫源新材料有限公司</h1>"));
        let by_old_name = fetch(&server, "/search?q=%E9%91%AB%E6%BA%90%E5%95%86%E8%B4%B8", None).await;
        assert!(
            by_old_name.has(&format!("/subjects/{COMPANY}")),
            "found by its former name"
        );

        // The administrator creates an account, is told of a duplicate, issues and revokes a key.
        let (admin, _, location) = sign_in(&server, "admin", PASSWORD).await;
        assert_eq!(location, "/console/accounts");
        let admin = admin.unwrap();
        let page = fetch(&server, "/console/accounts", Some(&admin)).await;
        let csrf = csrf_of(&page);
        let created = post_form(
            &server,
            &admin,
            "/console/accounts",
            &[
                ("csrf", &csrf),
                ("username", "operator2"),
                ("role", "operator"),
                ("department", ""),
                ("subject", ""),
                ("password", PASSWORD),
            ],
        )
        .await;
        assert_eq!(created.status, 400, "an operator needs a department");
        let dept = server.platform.store.departments().await.unwrap()[0].new.uscc.clone();
        let created = post_form(
            &server,
            &admin,
            "/console/accounts",
            &[
                ("csrf", &csrf),
                ("username", "operator2"),
                ("role", "operator"),
                ("department", &dept),
                ("subject", ""),
                ("password", PASSWORD),
            ],
        )
        .await;
        assert!(created.has("已创建账号：operator2"), "{}", created.html);
        let duplicate = post_form(
            &server,
            &admin,
            "/console/accounts",
            &[
                ("csrf", &csrf),
                ("username", "operator2"),
                ("role", "auditor"),
                ("department", ""),
                ("subject", ""),
                ("password", PASSWORD),
            ],
        )
        .await;
        assert_eq!(duplicate.status, 400);
        let issued = post_form(
            &server,
            &admin,
            "/console/keys",
            &[
                ("csrf", &csrf),
                ("client", "工程建设审批系统"),
                ("purposes", "xzsp"),
                ("department", ""),
                ("expires", ""),
            ],
        )
        .await;
        assert!(issued.has("只显示这一次") && issued.has("xyk_"));
        let key = issued
            .html
            .split("<code>xyk_")
            .nth(1)
            .unwrap()
            .split('<')
            .next()
            .unwrap();
        let key_id = key.split('_').next().unwrap();
        let revoked = post_form(
            &server,
            &admin,
            &format!("/console/keys/{key_id}/revoke"),
            &[("csrf", &csrf)],
        )
        .await;
        assert!(revoked.has("已吊销密钥") && !revoked.has("只显示这一次"));
        let api = server
            .client
            .get(server.url("/api/v1/me"))
            .bearer_auth(format!("xyk_{key}"))
            .send()
            .await
            .unwrap();
        assert_eq!(api.status(), 401, "a revoked key no longer works");

        // The auditor reads today's log and verifies the chain.
        let (auditor, _, location) = sign_in(&server, "auditor", PASSWORD).await;
        assert_eq!(location, "/console/audit");
        let auditor = auditor.unwrap();
        let log = fetch(&server, "/console/audit", Some(&auditor)).await;
        let mut all = log.html.clone();
        let mut page = log.html.clone();
        while let Some(next) = page.split("&amp;cursor=").nth(1) {
            let cursor = next.split('"').next().unwrap().to_owned();
            let day = crate::support::today();
            let path = format!("/console/audit?day={day}&cursor={cursor}");
            page = fetch(&server, &path, Some(&auditor)).await.html;
            all.push_str(&page);
        }
        assert!(all.contains("复核名称冲突（subject.name_settled）") && all.contains("吊销密钥（key.revoke）"));
        let csrf = csrf_of(&log);
        let verified = post_form(&server, &auditor, "/console/audit/verify", &[("csrf", &csrf)]).await;
        assert!(verified.has("审计日志完整"), "{}", verified.html);

        // Each console is its role's: the others get a Chinese 403 page.
        for (cookie, path) in [
            (&auditor, "/console/office"),
            (&reviewer, "/console/accounts"),
            (&admin, "/console/audit"),
        ] {
            let refused = fetch(&server, path, Some(cookie)).await;
            assert_eq!(refused.status, 403, "{path}");
        }
        server.stop().await;
    }
}

#[tokio::test]
async fn objections_and_repairs_run_through_the_portal_and_the_consoles() {
    for server in servers().await {
        let file = penalty_file(&server.platform);
        server.platform.import(&file, "xzcf", DEPT).await;
        accounts(&server).await;
        let (company, _, _) = sign_in(&server, "company", PASSWORD).await;
        let company = company.unwrap();
        let portal = fetch(&server, "/me", Some(&company)).await;
        assert!(portal.has("最短公示期限未满，自") && portal.has("提交异议"));
        let csrf = csrf_of(&portal);
        let record = portal
            .html
            .split(r#"<option value=""#)
            .nth(1)
            .unwrap()
            .split('"')
            .next()
            .unwrap()
            .to_owned();

        // A repair the subject may not yet apply for is refused on the page.
        let form = Form::new()
            .text("csrf", csrf.clone())
            .text("record", record.clone())
            .text("signer", "王五")
            .part("proof", Part::bytes(b"receipt".to_vec()).file_name("凭证.pdf"));
        let early = post_multipart(&server, &company, "/me/repairs", form).await;
        assert_eq!(early.status, 409, "{record}: {}", early.html);
        assert!(
            early.has(r#"role="alert">该信息未在公示中，无需修复"#),
            "{}",
            early.html
        );

        let form = Form::new()
            .text("csrf", csrf.clone())
            .text("record", record.clone())
            .text("reasons", "决定书文号有误")
            .part(
                "attachment",
                Part::bytes(b"%PDF decision".to_vec()).file_name("决定书.pdf"),
            );
        let filed = post_multipart(&server, &company, "/me/objections", form).await;
        assert!(filed.has("异议已提交"), "{}", filed.html);
        assert!(
            filed.has(r#"<span class="tag info">异议处理中</span>"#),
            "the record is marked"
        );

        let (reviewer, _, _) = sign_in(&server, "reviewer", PASSWORD).await;
        let reviewer = reviewer.unwrap();
        let office = fetch(&server, "/console/rights", Some(&reviewer)).await;
        assert!(office.has("决定书文号有误") && office.has(r#"<button type="submit" aria-label="受理异议"#));
        assert!(
            office.has("行政处罚 · 淮市监罚〔2026〕"),
            "the record is named: {}",
            office.html
        );
        let public = fetch(&server, &format!("/subjects/{COMPANY}"), None).await;
        assert!(
            public.has("<dt>信息编号</dt><dd>"),
            "an official can find the number to register an objection"
        );
        let id = office
            .html
            .split("/console/rights/objections/")
            .nth(1)
            .unwrap()
            .split(['"', '/'])
            .next()
            .unwrap()
            .to_owned();
        // The document filed with it opens for the office, as uploaded, and
        // for no one who does not decide on it.
        let link = format!("/console/rights/objections/{id}/documents/");
        let digest = office
            .html
            .split(&link)
            .nth(1)
            .unwrap()
            .split('"')
            .next()
            .unwrap()
            .to_owned();
        assert!(office.has(&format!(r#"{digest}">决定书.pdf</a>"#)), "{}", office.html);
        let download = |cookie: Option<&str>, path: String| {
            let request = no_redirects().get(server.url(&path));
            match cookie {
                Some(cookie) => request.header("cookie", format!("xy_session={cookie}")),
                None => request,
            }
            .send()
        };
        let got = download(Some(&reviewer), format!("{link}{digest}")).await.unwrap();
        assert_eq!(got.status(), 200);
        assert_eq!(got.headers()["cache-control"], "private, no-store");
        assert!(
            got.headers()["content-disposition"]
                .to_str()
                .unwrap()
                .contains("filename*=UTF-8''%E5%86%B3")
        );
        assert_eq!(got.bytes().await.unwrap().as_ref(), b"%PDF decision");
        let other = "0".repeat(64);
        assert_eq!(
            download(Some(&reviewer), format!("{link}{other}"))
                .await
                .unwrap()
                .status(),
            404
        );
        assert_eq!(
            download(Some(&company), format!("{link}{digest}"))
                .await
                .unwrap()
                .status(),
            403
        );
        assert_eq!(download(None, format!("{link}{digest}")).await.unwrap().status(), 303);
        let csrf = csrf_of(&office);
        let accepted = post_form(
            &server,
            &reviewer,
            &format!("/console/rights/objections/{id}"),
            &[("csrf", &csrf), ("step", "accept")],
        )
        .await;
        assert!(
            accepted.has("已办理") && accepted.has("报送单位核查中"),
            "{}",
            accepted.html
        );

        let (operator, _, _) = sign_in(&server, "operator", PASSWORD).await;
        let operator = operator.unwrap();
        let desk = fetch(&server, "/console/rights", Some(&operator)).await;
        // The record's department, which decides, opens it too.
        assert!(desk.has(&format!("{link}{digest}")));
        let got = download(Some(&operator), format!("{link}{digest}")).await.unwrap();
        assert_eq!(got.status(), 200);
        let csrf = csrf_of(&desk);
        let path = format!("/console/rights/objections/{id}");
        // The items it may correct, by name; not those that key the record.
        assert!(
            desk.has(r#"<option value="CF_NR_FK">罚款金额(万元)</option>"#),
            "{}",
            desk.html
        );
        for key in [
            "CF_WSH",
            "CF_XDR_SHXYM",
            "CF_XDR_GSZC",
            "CF_XDR_ZZJG",
            "CF_SJLYDM",
            "SJC",
        ] {
            assert!(
                !desk.has(&format!(r#"<option value="{key}">"#)),
                "{key} is not corrected by objection"
            );
        }
        let unnamed = post_form(
            &server,
            &operator,
            &path,
            &[("csrf", &csrf), ("step", "correct"), ("item", ""), ("value", "0.3")],
        )
        .await;
        assert_eq!(unnamed.status, 400);
        assert!(unnamed.has("请选择要更正的信息项"));
        let no_reasons = post_form(
            &server,
            &operator,
            &path,
            &[("csrf", &csrf), ("step", "reject"), ("reasons", "")],
        )
        .await;
        assert_eq!(no_reasons.status, 400);
        assert!(no_reasons.has("请填写异议不成立的理由"));
        let rejected = post_form(
            &server,
            &operator,
            &path,
            &[
                ("csrf", &csrf),
                ("step", "reject"),
                ("reasons", "经核对，文号与决定书一致"),
            ],
        )
        .await;
        assert!(rejected.has("已办理"), "{}", rejected.html);
        let portal = fetch(&server, "/me", Some(&company)).await;
        assert!(portal.has("经核对，文号与决定书一致"), "the subject reads why");

        // A fine old enough to repair: the portal signs the commitment and applies in one go.
        let old = penalty_row(
            "淮北市鑫源商贸有限公司",
            "法人及非法人组织",
            COMPANY,
            "",
            "淮市监罚〔2026〕70号",
            "罚款",
            "0.5",
            &crate::support::days_ago(100),
            DEPT,
        );
        let path = server.platform.dir.join("old.csv");
        std::fs::write(&path, format!("{}\n{old}\n", crate::support::PENALTY_HEADER)).unwrap();
        server.platform.import(&path, "xzcf", DEPT).await;
        let portal = fetch(&server, "/me", Some(&company)).await;
        let eligible = portal
            .html
            .split(r#"<input type="hidden" name="record" value=""#)
            .nth(1)
            .unwrap();
        let eligible = eligible.split('"').next().unwrap().to_owned();
        let form = Form::new()
            .text("csrf", csrf_of(&portal))
            .text("record", eligible)
            .text("signer", "王五")
            .part("proof", Part::bytes(b"receipt".to_vec()).file_name("缴款凭证.pdf"));
        let applied = post_multipart(&server, &company, "/me/repairs", form).await;
        assert_eq!(applied.status, 200);
        assert!(
            applied.has("信用修复申请已提交") && applied.has("平台审核中"),
            "{}",
            applied.html
        );
        let public = fetch(&server, &format!("/subjects/{COMPANY}"), None).await;
        assert!(public.has("信用修复型"), "the signed commitment is public");

        let after = fetch(&server, "/me", Some(&company)).await;
        assert!(after.has("异议不成立") && after.has("经核对，文号与决定书一致") && !after.has("异议处理中"));

        // The office registers one that came by letter from the subject; an
        // agent's needs the 授权委托书.
        let office = fetch(&server, "/console/rights", Some(&reviewer)).await;
        assert!(office.has("代为登记异议") && office.has(r#"<option value="credit_china">信用中国网站转办</option>"#));
        let registration = |standing: &str, csrf: String| {
            Form::new()
                .text("csrf", csrf)
                .text("record", record.clone())
                .text("applicant", "王五")
                .text("standing", standing.to_owned())
                .text("channel", "mail")
                .text("reasons", "处罚决定已被复议撤销")
        };
        let agent = post_multipart(
            &server,
            &reviewer,
            "/console/rights/objections",
            registration("agent", csrf_of(&office)),
        )
        .await;
        assert_eq!(agent.status, 400);
        assert!(agent.has("须附信用主体签署的授权委托书"), "{}", agent.html);
        let registered = post_multipart(
            &server,
            &reviewer,
            "/console/rights/objections",
            registration("subject", csrf_of(&agent)),
        )
        .await;
        assert!(registered.has("已登记异议"), "{}", registered.html);
        assert!(registered.has("处罚决定已被复议撤销") && registered.has("受理异议"));
        server.stop().await;
    }
}

#[tokio::test]
async fn an_account_changes_its_password_and_signs_in_again() {
    for server in servers().await {
        let file = penalty_file(&server.platform);
        server.platform.import(&file, "xzcf", DEPT).await;
        accounts(&server).await;
        let (cookie, _, _) = sign_in(&server, "admin", PASSWORD).await;
        let cookie = cookie.unwrap();
        let form = fetch(&server, "/password", Some(&cookie)).await;
        assert!(form.has(r#"autocomplete="new-password""#));
        let csrf = csrf_of(&form);
        let new = "a-much-longer-passphrase";
        let wrong = post_form(
            &server,
            &cookie,
            "/password",
            &[("csrf", &csrf), ("current", "nope"), ("new", new), ("repeat", new)],
        )
        .await;
        assert_eq!(wrong.status, 400);
        assert!(wrong.has("当前密码不正确"));
        let mismatch = post_form(
            &server,
            &cookie,
            "/password",
            &[
                ("csrf", &csrf),
                ("current", PASSWORD),
                ("new", new),
                ("repeat", "other"),
            ],
        )
        .await;
        assert!(mismatch.has("两次输入的新密码不一致"));
        let short = post_form(
            &server,
            &cookie,
            "/password",
            &[
                ("csrf", &csrf),
                ("current", PASSWORD),
                ("new", "short"),
                ("repeat", "short"),
            ],
        )
        .await;
        assert_eq!(short.status, 400, "{}", short.html);
        let changed = post_form(
            &server,
            &cookie,
            "/password",
            &[("csrf", &csrf), ("current", PASSWORD), ("new", new), ("repeat", new)],
        )
        .await;
        assert_eq!(changed.status, 303);
        let after = fetch(&server, "/console/accounts", Some(&cookie)).await;
        assert_eq!(after.status, 303, "every session of the account ended");
        let (_, status, _) = sign_in(&server, "admin", PASSWORD).await;
        assert_eq!(status, 401);
        let (fresh, status, _) = sign_in(&server, "admin", new).await;
        assert_eq!((status, fresh.is_some()), (303, true));
        server.stop().await;
    }
}

#[tokio::test]
async fn a_department_records_on_its_console_whether_commitments_were_kept() {
    for server in servers().await {
        server
            .platform
            .import(&penalty_file(&server.platform), "xzcf", DEPT)
            .await;
        accounts(&server).await;
        let (company, _, _) = sign_in(&server, "company", PASSWORD).await;
        let company = company.unwrap();
        let portal = fetch(&server, "/me", Some(&company)).await;
        // The repair commitment is shown as this subject would sign it.
        assert!(
            portal.has("淮北市鑫源商贸有限公司（统一社会信用代码：91340000711771143J）") && !portal.has("{subject}"),
            "{}",
            portal.html
        );
        let csrf = csrf_of(&portal);
        for matter in ["食品经营许可", "户外广告设置许可"] {
            let response = server
                .client
                .post(server.url("/api/v1/me/commitments"))
                .header("cookie", format!("xy_session={company}"))
                .header("x-csrf-token", &csrf)
                .json(&serde_json::json!({ "kind": "gzcn", "matter": matter, "addressee": DEPT, "signer": "王五" }))
                .send()
                .await
                .unwrap();
            assert_eq!(response.status().as_u16(), 201);
        }

        let (operator, _, _) = sign_in(&server, "operator", PASSWORD).await;
        let operator = operator.unwrap();
        let desk = fetch(&server, "/console/rights", Some(&operator)).await;
        assert!(desk.has("户外广告设置许可") && desk.has("承诺书全文"), "{}", desk.html);
        // Newest first, two forms each.
        let ids: Vec<String> = desk
            .html
            .split("/console/rights/commitments/")
            .skip(1)
            .map(|rest| rest.split('"').next().unwrap().to_owned())
            .collect();
        assert_eq!(ids.len(), 4, "{ids:?}");
        let (outdoor, food) = (ids[0].clone(), ids[2].clone());
        let csrf = csrf_of(&desk);
        let unexplained = post_form(
            &server,
            &operator,
            &format!("/console/rights/commitments/{food}"),
            &[("csrf", &csrf), ("kept", "no"), ("note", " ")],
        )
        .await;
        assert_eq!(unexplained.status, 400);
        assert!(unexplained.has("违诺情况"), "{}", unexplained.html);
        let broken = post_form(
            &server,
            &operator,
            &format!("/console/rights/commitments/{food}"),
            &[
                ("csrf", &csrf),
                ("kept", "no"),
                ("note", "承诺期限内未补交消防验收材料"),
            ],
        )
        .await;
        assert!(broken.has("已登记违诺"), "{}", broken.html);
        let kept = post_form(
            &server,
            &operator,
            &format!("/console/rights/commitments/{outdoor}"),
            &[("csrf", &csrf), ("kept", "yes")],
        )
        .await;
        assert!(
            kept.has("已登记履约") && kept.has("没有待登记履约情况的承诺"),
            "{}",
            kept.html
        );

        // The subject sees both in its portal, with what was found.
        let portal = fetch(&server, "/me", Some(&company)).await;
        assert!(
            portal.has("我的信用承诺")
                && portal.has("未履约")
                && portal.has("已履约")
                && portal.has("承诺期限内未补交消防验收材料"),
            "{}",
            portal.html
        );

        // The breach is on the public subject page, under its own section.
        let public = fetch(&server, &format!("/subjects/{COMPANY}"), None).await;
        assert!(
            public.has("违背信用承诺信息") && public.has("承诺期限内未补交消防验收材料"),
            "{}",
            public.html
        );
        server.stop().await;
    }
}

#[tokio::test]
async fn a_subject_sees_and_withdraws_its_authorisations_on_its_page() {
    for server in servers().await {
        let file = penalty_file(&server.platform);
        server.platform.import(&file, "xzcf", DEPT).await;
        accounts(&server).await;
        let access = xinyong_access::Access::new(
            server.platform.store.clone(),
            server.platform.keys.clone(),
            Default::default(),
        );
        let admin = access.admin_desk(&xinyong_access::Principal::console("test")).unwrap();
        let bank = xinyong_access::KeyRequest {
            client: "某银行".into(),
            purposes: vec!["xyd".into()],
            department_uscc: None,
            expires_on: None,
        };
        admin.issue_key(bank, crate::support::today()).await.unwrap();
        let (cookie, _, _) = sign_in(&server, "company", PASSWORD).await;
        let cookie = cookie.unwrap();
        let portal = fetch(&server, "/me", Some(&cookie)).await;
        assert!(portal.has("您没有授权任何机构"));
        let csrf = csrf_of(&portal);
        let until = (crate::support::today() + chrono::Days::new(30)).to_string();
        let granted: serde_json::Value = no_redirects()
            .post(server.url("/api/v1/me/authorisations"))
            .header("cookie", format!("xy_session={cookie}"))
            .header("x-csrf-token", &csrf)
            .json(&serde_json::json!({ "client": "某银行", "purpose": "xyd", "valid_until": until }))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let id = granted["id"].as_i64().unwrap_or_else(|| panic!("{granted}"));

        let portal = fetch(&server, "/me", Some(&cookie)).await;
        assert!(portal.has("某银行") && portal.has("信易贷") && portal.has("有效") && portal.has("撤回授权"));
        let withdraw = |token: String| {
            no_redirects()
                .post(server.url("/me/authorisations/withdraw"))
                .header("cookie", format!("xy_session={cookie}"))
                .form(&[("csrf", token), ("authorisation", id.to_string())])
                .send()
        };
        assert_eq!(withdraw("forged".into()).await.unwrap().status(), 403);
        let done = withdraw(csrf_of(&portal)).await.unwrap();
        assert_eq!(done.status(), 303);
        assert_eq!(done.headers()["location"], "/me?done=withdrawn");
        let portal = fetch(&server, "/me?done=withdrawn", Some(&cookie)).await;
        assert!(portal.has("授权已撤回") && portal.has("已撤回") && !portal.has("撤回授权</button>"));
        // Withdrawn twice: said on the page, not an error page.
        let again = withdraw(csrf_of(&portal)).await.unwrap();
        assert_eq!(again.status(), 400);
        assert!(again.text().await.unwrap().contains("未找到有效的授权"));
        server.stop().await;
    }
}
