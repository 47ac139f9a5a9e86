//! Mapping `sqlx` errors to [`StoreError`], once.

use xinyong_store::StoreError;

pub(crate) fn map_error(error: sqlx::Error) -> StoreError {
    match &error {
        sqlx::Error::RowNotFound => StoreError::NotFound,
        sqlx::Error::Database(db) if db.is_unique_violation() || db.is_foreign_key_violation() => {
            StoreError::Conflict {
                constraint: db.constraint().unwrap_or_default().to_owned(),
            }
        }
        // The server shutting down or starting (57P01, 57P03), a
        // serialization failure or deadlock (40001, 40P01): worth trying
        // again, not a refusal of the data.
        sqlx::Error::Database(db)
            if matches!(
                db.code().as_deref(),
                Some("57P01" | "57P02" | "57P03" | "40001" | "40P01")
            ) =>
        {
            StoreError::Unavailable(error.to_string())
        }
        sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::WorkerCrashed => StoreError::Unavailable(error.to_string()),
        sqlx::Error::ColumnDecode { .. } | sqlx::Error::Decode(_) => StoreError::Corrupt(error.to_string()),
        _ => StoreError::Other(error.to_string()),
    }
}

/// An application-level invalid value found while reading a row.
pub(crate) fn corrupt(what: impl Into<String>) -> sqlx::Error {
    sqlx::Error::Decode(what.into().into())
}
