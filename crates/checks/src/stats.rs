//! [`StatsDesk`]: the credit office's view of checks.

use chrono::{DateTime, Utc};
use xinyong_access::AccessError;
use xinyong_store::{Check, CheckStats, Page, PageRequest};

use crate::Checks;

/// The credit office's view: statistics and every overdue check.
#[derive(Debug)]
pub struct StatsDesk {
    checks: Checks,
}

impl StatsDesk {
    pub(crate) fn new(checks: Checks) -> Self {
        Self { checks }
    }

    /// Checks and measures applied per client and matter, for the months
    /// `from..=to` (`2026-01`).
    pub async fn stats(&self, from: &str, to: &str) -> Result<Vec<CheckStats>, AccessError> {
        for month in [from, to] {
            let valid =
                chrono::NaiveDate::parse_from_str(&format!("{month}-01"), "%Y-%m-%d").is_ok() && month.len() == 7;
            if !valid {
                return Err(AccessError::Invalid(format!(
                    "月份“{}”格式应为YYYY-MM",
                    month.chars().take(20).collect::<String>()
                )));
            }
        }
        self.checks.inner().access.journal().settled().await;
        Ok(self.checks.inner().store.check_stats(from, to).await?)
    }

    /// Every client's checks that await feedback past the configured time.
    pub async fn overdue(&self, page: &PageRequest, now: DateTime<Utc>) -> Result<Page<Check>, AccessError> {
        let before = self.checks.overdue_before(now);
        self.checks.inner().access.journal().settled().await;
        Ok(self.checks.inner().store.overdue_checks(None, before, page).await?)
    }
}
