//! Subject search in PostgreSQL: bigram `tsvector` for names (a phrase of
//! bigrams, or a prefix for one character), the `uscc` index for codes.

use async_trait::async_trait;
use sqlx::AssertSqlSafe;
use sqlx::postgres::PgRow;
use xinyong_store::{Page, PageRequest, SearchStore, StoreError, Subject, SubjectQuery};

use crate::PostgresStore;
use crate::error::map_error;
use crate::rows::{SUBJECT_COLUMNS, subject};

/// A `tsquery` literal for a name query (see the SQLite twin for why).
fn tsquery_literal(chars: &str) -> String {
    let tokens = xinyong_domain::names::bigrams(chars);
    let mut parts: Vec<&str> = tokens.split(' ').collect();
    if parts.len() > 1 {
        parts.pop();
        parts.iter().map(|t| format!("'{t}'")).collect::<Vec<_>>().join(" <-> ")
    } else {
        format!("'{}':*", parts.join(""))
    }
}

#[async_trait]
impl SearchStore for PostgresStore {
    async fn search_subjects(&self, query: &SubjectQuery, page: &PageRequest) -> Result<Page<Subject>, StoreError> {
        let after = page.after.as_ref().map(|cursor| cursor.decode());
        if matches!(after, Some(None)) {
            return Ok(Page {
                items: Vec::new(),
                next: None,
            });
        }
        let after = after.flatten();
        let limit = i64::from(page.limit) + 1;
        match query {
            SubjectQuery::Name(chars) if chars.is_empty() => Ok(Page {
                items: Vec::new(),
                next: None,
            }),
            SubjectQuery::Name(chars) => {
                let after: i64 = after.and_then(|a| a.parse().ok()).unwrap_or(0);
                let tsquery = tsquery_literal(chars);
                let mut items = self.search_window(&tsquery, after, limit).await?;
                if (items.len() as i64) < limit {
                    // Fewer matches than a page in the window: the word is rare
                    // enough for the index to find the rest quickly.
                    let window_end = self.window_end(after).await?;
                    if let Some(window_end) = window_end {
                        let rest = limit - items.len() as i64;
                        items.extend(self.search_index(&tsquery, window_end, rest).await?);
                    }
                }
                Ok(Page::from_overfetch(items, page.limit, |s| s.id.to_string()))
            }
            SubjectQuery::CodePrefix(prefix) => {
                let items = sqlx::query(AssertSqlSafe(format!(
                    "SELECT {SUBJECT_COLUMNS} FROM subjects s
                     WHERE s.uscc >= $1 AND s.uscc < $2 AND s.uscc > $3 ORDER BY s.uscc LIMIT $4"
                )))
                .bind(prefix)
                .bind(format!("{prefix}\u{7f}"))
                .bind(after.unwrap_or_default())
                .bind(limit)
                .try_map(|row: PgRow| subject(&row))
                .fetch_all(&self.pool)
                .await
                .map_err(map_error)?;
                Ok(Page::from_overfetch(items, page.limit, |s| {
                    s.uscc.clone().unwrap_or_default()
                }))
            }
        }
    }
}

/// Subjects scanned in key order before the search falls back to the index.
///
/// A name word shared by many subjects (有限, 公司, a county's name) fills a
/// page from the first few thousand subjects; walking them in key order is
/// cheap and needs no estimate. A rarer word leaves the page short, and the
/// bigram index then finds its (few) remaining matches. The planner cannot
/// choose between the two itself: it estimates bigram phrases badly, and a
/// wrong bitmap plan for a common word rechecks hundreds of thousands of rows.
/// The size balances the two worst cases (a whole window scanned, or a word
/// just too rare to fill a page from it, all of whose matches the index
/// then rechecks); measured in bench/RESULTS.md.
const WINDOW: i64 = 8_000;

impl PostgresStore {
    /// Matches among the `WINDOW` subjects after `after`, in key order.
    async fn search_window(&self, tsquery: &str, after: i64, limit: i64) -> Result<Vec<Subject>, StoreError> {
        sqlx::query(AssertSqlSafe(format!(
            "SELECT {SUBJECT_COLUMNS} FROM subjects s WHERE s.id IN (
                 SELECT w.id FROM (SELECT id, search_tokens FROM subjects WHERE id > $2 ORDER BY id LIMIT $4) w
                 WHERE ts_match_vq(w.search_tokens, $1::tsquery) ORDER BY w.id LIMIT $3)
             ORDER BY s.id"
        )))
        .bind(tsquery)
        .bind(after)
        .bind(limit)
        .bind(WINDOW)
        .try_map(|row: PgRow| subject(&row))
        .fetch_all(&self.pool)
        .await
        .map_err(map_error)
    }

    /// The last key of the window after `after`, if anything lies beyond it.
    async fn window_end(&self, after: i64) -> Result<Option<i64>, StoreError> {
        sqlx::query_scalar("SELECT id FROM subjects WHERE id > $1 ORDER BY id OFFSET $2 - 1 LIMIT 1")
            .bind(after)
            .bind(WINDOW)
            .fetch_optional(&self.pool)
            .await
            .map_err(map_error)
    }

    /// Matches after `after` through the bigram index. Only rare words get
    /// here (a page's worth did not fit in the window), so all their matches
    /// are collected through the index first: left to choose, the planner
    /// walks the primary key for a word it cannot estimate and scans the
    /// whole table for a single match.
    async fn search_index(&self, tsquery: &str, after: i64, limit: i64) -> Result<Vec<Subject>, StoreError> {
        sqlx::query(AssertSqlSafe(format!(
            "WITH m AS MATERIALIZED (SELECT id FROM subjects WHERE search_tokens @@ $1::tsquery AND id > $2)
             SELECT {SUBJECT_COLUMNS} FROM subjects s
             WHERE s.id IN (SELECT id FROM m ORDER BY id LIMIT $3) ORDER BY s.id"
        )))
        .persistent(false)
        .bind(tsquery)
        .bind(after)
        .bind(limit)
        .try_map(|row: PgRow| subject(&row))
        .fetch_all(&self.pool)
        .await
        .map_err(map_error)
    }
}

#[cfg(test)]
mod tests {
    use super::tsquery_literal;

    #[test]
    fn literals() {
        assert_eq!(tsquery_literal("科大讯飞"), "'科大' <-> '大讯' <-> '讯飞'");
        assert_eq!(tsquery_literal("科"), "'科':*");
    }
}
