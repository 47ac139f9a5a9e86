//! The JSON API under `/api/v1`, one module per resource.

pub(crate) mod admin;
pub(crate) mod audit;
pub(crate) mod batches;
pub(crate) mod checks;
pub mod dto;
pub(crate) mod health;
pub(crate) mod me;
pub(crate) mod records;
pub(crate) mod rights;
pub(crate) mod session;
pub(crate) mod subjects;

use xinyong_store::{Cursor, PageRequest};

use crate::{AppState, Error};

/// Builds a page request from the `cursor` and `limit` parameters, checking
/// both.
pub(crate) fn page_request(state: &AppState, cursor: Option<String>, limit: Option<u32>) -> Result<PageRequest, Error> {
    let max = state.settings.max_page_size;
    let limit = limit.unwrap_or(state.settings.default_page_size);
    if limit == 0 || limit > max {
        return Err(Error::InvalidRequest(format!("limit 应在1到{max}之间")));
    }
    let after = match cursor.filter(|c| !c.is_empty()) {
        Some(text) => {
            let cursor = Cursor(text);
            if cursor.decode().is_none() {
                return Err(Error::InvalidCursor);
            }
            Some(cursor)
        }
        None => None,
    };
    Ok(PageRequest { after, limit })
}

/// Today in China Standard Time, the day publicity windows are judged on.
pub(crate) fn today() -> chrono::NaiveDate {
    xinyong_domain::date::china_date(chrono::Utc::now())
}
