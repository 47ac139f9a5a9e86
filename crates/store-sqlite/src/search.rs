//! Subject search in SQLite: FTS5 over bigram tokens for names, the
//! `uscc` index for code prefixes.

use async_trait::async_trait;
use rusqlite::params;
use xinyong_store::{Page, PageRequest, SearchStore, StoreError, Subject, SubjectQuery};

use crate::SqliteStore;
use crate::rows::{SUBJECT_COLUMNS, subject};

/// The FTS5 expression for a name query: the phrase of its bigrams, or for
/// one character a prefix match on the tokens (every character of a name
/// starts a token, see `xinyong_domain::names::bigrams`).
fn match_expression(chars: &str) -> String {
    let tokens = xinyong_domain::names::bigrams(chars);
    let mut parts: Vec<&str> = tokens.split(' ').collect();
    if parts.len() > 1 {
        // The trailing single character adds nothing to a phrase of bigrams.
        parts.pop();
        format!("\"{}\"", parts.join(" "))
    } else {
        format!("\"{}\" *", parts.join(""))
    }
}

#[async_trait]
impl SearchStore for SqliteStore {
    async fn search_subjects(&self, query: &SubjectQuery, page: &PageRequest) -> Result<Page<Subject>, StoreError> {
        let limit = page.limit;
        let after = page.after.as_ref().map(|cursor| cursor.decode());
        if matches!(after, Some(None)) {
            return Ok(Page {
                items: Vec::new(),
                next: None,
            });
        }
        let after = after.flatten();
        match query.clone() {
            SubjectQuery::Name(chars) if chars.is_empty() => Ok(Page {
                items: Vec::new(),
                next: None,
            }),
            SubjectQuery::Name(chars) => {
                let after: i64 = after.and_then(|a| a.parse().ok()).unwrap_or(0);
                let items = self
                    .read(move |conn| {
                        let mut stmt = conn.prepare_cached(&format!(
                            "SELECT {SUBJECT_COLUMNS} FROM subject_search f JOIN subjects s ON s.id = f.rowid
                             WHERE subject_search MATCH ?1 AND f.rowid > ?2 ORDER BY f.rowid LIMIT ?3"
                        ))?;
                        stmt.query_map(params![match_expression(&chars), after, i64::from(limit) + 1], |row| {
                            subject(row, 0)
                        })?
                        .collect::<rusqlite::Result<Vec<_>>>()
                    })
                    .await?;
                Ok(Page::from_overfetch(items, limit, |s| s.id.to_string()))
            }
            SubjectQuery::CodePrefix(prefix) => {
                let after = after.unwrap_or_default();
                let items = self
                    .read(move |conn| {
                        let mut stmt = conn.prepare_cached(&format!(
                            "SELECT {SUBJECT_COLUMNS} FROM subjects s
                             WHERE s.uscc >= ?1 AND s.uscc < ?2 AND s.uscc > ?3 ORDER BY s.uscc LIMIT ?4"
                        ))?;
                        let upper = format!("{prefix}\u{7f}");
                        stmt.query_map(params![prefix, upper, after, i64::from(limit) + 1], |row| {
                            subject(row, 0)
                        })?
                        .collect::<rusqlite::Result<Vec<_>>>()
                    })
                    .await?;
                Ok(Page::from_overfetch(items, limit, |s| {
                    s.uscc.clone().unwrap_or_default()
                }))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::match_expression;

    #[test]
    fn expressions() {
        assert_eq!(match_expression("科大讯飞"), "\"科大 大讯 讯飞\"");
        assert_eq!(match_expression("科大"), "\"科大\"");
        assert_eq!(match_expression("科"), "\"科\" *");
    }
}
