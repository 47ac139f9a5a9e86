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
                let items = sqlx::query(AssertSqlSafe(format!(
                    "SELECT {SUBJECT_COLUMNS} FROM subjects s
                     WHERE s.search_tokens @@ $1::tsquery AND s.id > $2 ORDER BY s.id LIMIT $3"
                )))
                .bind(tsquery_literal(chars))
                .bind(after)
                .bind(limit)
                .try_map(|row: PgRow| subject(&row))
                .fetch_all(&self.pool)
                .await
                .map_err(map_error)?;
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

#[cfg(test)]
mod tests {
    use super::tsquery_literal;

    #[test]
    fn literals() {
        assert_eq!(tsquery_literal("科大讯飞"), "'科大' <-> '大讯' <-> '讯飞'");
        assert_eq!(tsquery_literal("科"), "'科':*");
    }
}
