//! What a workflow request can fail with.

use xinyong_access::AccessError;
use xinyong_domain::calendar::CalendarError;
use xinyong_domain::rights::RightsError;
use xinyong_store::StoreError;

/// A refused or failed workflow request.
#[derive(Debug, thiserror::Error)]
pub enum RightsFailure {
    /// The caller may not use this desk, or the thing is not theirs.
    #[error(transparent)]
    Access(#[from] AccessError),
    /// The workflow does not allow the step, or lacks what it needs.
    #[error(transparent)]
    Workflow(#[from] RightsError),
    /// No such commitment, repair or record (for this caller).
    #[error("{0}")]
    NotFound(String),
    /// Someone else moved it first, or one is already running.
    #[error("{0}")]
    Conflict(String),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<CalendarError> for RightsFailure {
    fn from(error: CalendarError) -> Self {
        Self::Workflow(RightsError::Calendar(error))
    }
}
