//! One headless Chromium per test, through its own chromedriver on a free
//! port, with a fresh profile and download directory.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder};
use serde_json::json;

const DRIVER: &str = "/usr/bin/chromedriver";
const CHROMIUM: &str = "/usr/bin/chromium";

/// A browser session and what it needs cleaned up.
pub struct Browser {
    pub client: Client,
    driver: Child,
    pub downloads: PathBuf,
    _profile: tempfile::TempDir,
    _downloads: tempfile::TempDir,
}

fn required() -> bool {
    std::env::var("XINYONG_REQUIRE_BROWSER").is_ok_and(|v| v == "1")
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

impl Browser {
    /// A browser, or `None` (said plainly) where Chromium is not installed.
    pub async fn start() -> Option<Self> {
        if !Path::new(DRIVER).exists() || !Path::new(CHROMIUM).exists() {
            assert!(
                !required(),
                "XINYONG_REQUIRE_BROWSER=1 but {DRIVER} or {CHROMIUM} is missing: run scripts/setup"
            );
            eprintln!("browser tests did not run: {DRIVER} or {CHROMIUM} is missing (scripts/setup installs them)");
            return None;
        }
        let port = free_port();
        let driver = Command::new(DRIVER)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let profile = tempfile::tempdir().unwrap();
        let downloads = tempfile::tempdir().unwrap();
        let capabilities = json!({
            "goog:chromeOptions": {
                "binary": CHROMIUM,
                "args": [
                    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                    "--disable-background-networking", "--disable-component-update", "--no-first-run",
                    "--lang=zh-CN", "--window-size=1200,900",
                    format!("--user-data-dir={}", profile.path().display()),
                ],
                "prefs": {
                    "download.default_directory": downloads.path(),
                    "download.prompt_for_download": false,
                },
            }
        });
        let serde_json::Value::Object(capabilities) = capabilities else {
            unreachable!()
        };
        let url = format!("http://127.0.0.1:{port}");
        let deadline = Instant::now() + Duration::from_secs(20);
        let client = loop {
            let connector = hyper_util::client::legacy::connect::HttpConnector::new();
            match ClientBuilder::new(connector)
                .capabilities(capabilities.clone())
                .connect(&url)
                .await
            {
                Ok(client) => break client,
                Err(error) if Instant::now() > deadline => panic!("chromedriver did not start: {error}"),
                Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
            }
        };
        Some(Self {
            client,
            driver,
            downloads: downloads.path().to_owned(),
            _profile: profile,
            _downloads: downloads,
        })
    }

    /// The first finished download with this extension, waiting for it
    /// (Chromium writes to a temporary name, then renames).
    pub async fn downloaded(&self, extension: &str) -> PathBuf {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let done = std::fs::read_dir(&self.downloads)
                .unwrap()
                .filter_map(Result::ok)
                .map(|e| e.path())
                .find(|p| {
                    p.extension().is_some_and(|e| e == extension)
                        && !p.file_name().is_some_and(|n| n.to_string_lossy().starts_with('.'))
                        && std::fs::metadata(p).is_ok_and(|m| m.len() > 0)
                });
            if let Some(path) = done {
                return path;
            }
            assert!(Instant::now() < deadline, "no download arrived");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    pub async fn stop(mut self) {
        let _ = self.client.close().await;
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

/// Where screenshots are kept for people to look at after a run.
pub fn artefacts() -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("browser-artefacts");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}
