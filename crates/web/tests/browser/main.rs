//! Browser tests: the website in headless Chromium (Debian's `chromium` and
//! `chromium-driver`, installed by `scripts/setup`), driven through
//! WebDriver by fantoccini against the real server on SQLite. Without the
//! driver they say that they did not run — unless
//! `XINYONG_REQUIRE_BROWSER=1` (CI), when they fail.
#![expect(clippy::unwrap_used, clippy::print_stderr, reason = "tests")]

mod browser;
mod flows;
#[path = "../it/support.rs"]
#[expect(dead_code, reason = "shared with the HTTP tests; these use part of it")]
mod support;
