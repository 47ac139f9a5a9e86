//! Mapping `rusqlite` errors to [`StoreError`], once.

use rusqlite::ErrorCode;
use xinyong_store::StoreError;

pub(crate) fn map_error(error: rusqlite::Error) -> StoreError {
    match &error {
        rusqlite::Error::QueryReturnedNoRows => StoreError::NotFound,
        rusqlite::Error::SqliteFailure(failure, message) => match failure.code {
            ErrorCode::ConstraintViolation => StoreError::Conflict {
                // SQLite names the columns rather than the index: "UNIQUE constraint failed: subjects.uscc".
                constraint: message.clone().unwrap_or_default(),
            },
            // A full disk or an I/O error may pass; the data was not refused.
            ErrorCode::DatabaseBusy
            | ErrorCode::DatabaseLocked
            | ErrorCode::CannotOpen
            | ErrorCode::ReadOnly
            | ErrorCode::DiskFull
            | ErrorCode::SystemIoFailure => StoreError::Unavailable(error.to_string()),
            ErrorCode::DatabaseCorrupt | ErrorCode::NotADatabase => StoreError::Corrupt(error.to_string()),
            _ => StoreError::Other(error.to_string()),
        },
        rusqlite::Error::FromSqlConversionFailure(..) | rusqlite::Error::InvalidColumnType(..) => {
            StoreError::Corrupt(error.to_string())
        }
        _ => StoreError::Other(error.to_string()),
    }
}

/// An application-level invalid value found while reading a row.
pub(crate) fn corrupt(what: impl Into<String>) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, what.into().into())
}
