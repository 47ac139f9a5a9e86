//! Finding subjects by name or code.

use async_trait::async_trait;

use crate::{Page, PageRequest, StoreError, Subject};

/// A subject search.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SubjectQuery {
    /// Names containing these characters (already reduced to
    /// [`xinyong_domain::names::searchable_chars`]); results by id.
    Name(String),
    /// Unified social credit codes starting with this prefix; results by code.
    CodePrefix(String),
}

/// Subject search.
#[async_trait]
pub trait SearchStore {
    /// Subjects matching `query`.
    async fn search_subjects(&self, query: &SubjectQuery, page: &PageRequest) -> Result<Page<Subject>, StoreError>;
}
