//! What every page of the site must pass: no server error, HTML the
//! HTML5 parser accepts without a single parse error, a language and a
//! title, unique ids, an accessible name on every form control, and no
//! citizen ID number in clear anywhere in the markup.

use scraper::{ElementRef, Html, Selector};
use xinyong_domain::id::CitizenId;

use crate::support::{TestServer, today};

/// A page fetched and checked.
pub struct Page {
    pub status: u16,
    pub html: String,
    pub headers: reqwest::header::HeaderMap,
}

impl Page {
    pub fn has(&self, text: &str) -> bool {
        self.html.contains(text)
    }
}

fn selector(css: &str) -> Selector {
    Selector::parse(css).unwrap()
}

/// Fetches `path` (with `cookie`, if any) without following redirects and
/// checks it.
pub async fn fetch(server: &TestServer, path: &str, cookie: Option<&str>) -> Page {
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let mut request = client.get(server.url(path));
    if let Some(cookie) = cookie {
        request = request.header("cookie", format!("xy_session={cookie}"));
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let html = response.text().await.unwrap();
    let page = Page { status, html, headers };
    if !(300..400).contains(&status) {
        check(path, &page);
    }
    page
}

/// The checks every page must pass.
pub fn check(path: &str, page: &Page) {
    assert!(page.status < 500, "{path}: server error {}", page.status);
    let content_type = page.headers["content-type"].to_str().unwrap();
    assert_eq!(content_type, "text/html; charset=utf-8", "{path}");
    let document = Html::parse_document(&page.html);
    assert!(
        document.errors.is_empty(),
        "{path}: invalid HTML: {:?}",
        document.errors
    );
    assert!(page.html.starts_with("<!DOCTYPE html>"), "{path}: no doctype");
    let root = document.root_element();
    assert_eq!(root.value().attr("lang"), Some("zh-CN"), "{path}");
    let title: String = document
        .select(&selector("head > title"))
        .next()
        .map(|t| t.text().collect())
        .unwrap_or_default();
    assert!(!title.trim().is_empty(), "{path}: no title");
    let mut ids: Vec<&str> = document
        .select(&selector("[id]"))
        .filter_map(|e| e.value().attr("id"))
        .collect();
    let count = ids.len();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), count, "{path}: duplicate ids");
    for control in document.select(&selector("input, select, textarea, button")) {
        assert!(
            has_accessible_name(&document, control),
            "{path}: form control without an accessible name: {}",
            control.html()
        );
    }
    assert_no_citizen_id(path, &page.html);
}

fn has_accessible_name(document: &Html, control: ElementRef<'_>) -> bool {
    let element = control.value();
    let kind = element.attr("type").unwrap_or("");
    if element.name() == "input" && kind == "hidden" {
        return true;
    }
    let non_empty = |v: Option<&str>| v.is_some_and(|v| !v.trim().is_empty());
    if non_empty(element.attr("aria-label")) || non_empty(element.attr("title")) {
        return true;
    }
    if element.name() == "button" {
        return !control.text().collect::<String>().trim().is_empty();
    }
    if element.name() == "input" && matches!(kind, "submit" | "button" | "reset") {
        return non_empty(element.attr("value"));
    }
    if let Some(id) = element.attr("id") {
        let labelled = document
            .select(&selector("label[for]"))
            .any(|label| label.value().attr("for") == Some(id) && !label.text().collect::<String>().trim().is_empty());
        if labelled {
            return true;
        }
    }
    control
        .ancestors()
        .filter_map(ElementRef::wrap)
        .any(|a| a.value().name() == "label")
}

/// Fails if `text` holds an 18-character citizen ID number that passes the
/// GB 11643 check: anything shown must be masked.
pub fn assert_no_citizen_id(path: &str, text: &str) {
    let chars: Vec<char> = text.chars().collect();
    for window in chars.windows(18) {
        let candidate: String = window.iter().collect();
        if window[..17].iter().all(char::is_ascii_digit) && CitizenId::parse(&candidate, today()).is_ok() {
            panic!("{path}: citizen ID number in clear: {candidate}");
        }
    }
}

#[test]
fn the_checker_catches_what_it_must() {
    let page = |html: &str| Page {
        status: 200,
        html: html.to_owned(),
        headers: [(
            reqwest::header::CONTENT_TYPE,
            "text/html; charset=utf-8".parse().unwrap(),
        )]
        .into_iter()
        .collect(),
    };
    let good = r#"<!DOCTYPE html><html lang="zh-CN"><head><title>t</title></head><body><label for="a">名称</label><input id="a" name="q"><button>查询</button></body></html>"#;
    check("good", &page(good));
    let bad = [
        good.replace(r#"<label for="a">名称</label>"#, ""),
        good.replace("<title>t</title>", ""),
        good.replace("</button>", "</button></div>"),
        good.replace("名称", "11010519491231002X"),
        good.replace(r#"lang="zh-CN""#, ""),
        good.replace("<button>", r#"<button id="a">"#),
    ];
    for html in bad {
        let caught = std::panic::catch_unwind(|| check("bad", &page(&html)));
        assert!(caught.is_err(), "not caught: {html}");
    }
}
