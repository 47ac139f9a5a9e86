//! The one error type every store method returns. Backends map their
//! driver's errors into it; the web layer maps it to HTTP once.

/// What went wrong in storage, in terms the application can act on.
#[derive(Debug, Clone, thiserror::Error)]
pub enum StoreError {
    /// The thing asked for does not exist.
    #[error("not found")]
    NotFound,
    /// A uniqueness or integrity rule refused the write; `constraint` names it.
    #[error("conflict on {constraint}")]
    Conflict {
        /// The database constraint (index) name.
        constraint: String,
    },
    /// The database cannot be reached or is shutting down.
    #[error("database unavailable: {0}")]
    Unavailable(String),
    /// A stored value the application cannot read (corrupt or foreign data).
    #[error("stored data is invalid: {0}")]
    Corrupt(String),
    /// Anything else; the text is for logs, never for users.
    #[error("storage error: {0}")]
    Other(String),
}
