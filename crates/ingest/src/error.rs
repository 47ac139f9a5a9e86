//! What can stop an import for technical reasons. A file refused for its
//! content is not an error: it is a batch with status `refused`.

use xinyong_store::StoreError;

/// Technical failures of an import; the batch is not applied.
#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    /// The database failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Keeping the uploaded file or reading it failed.
    #[error("文件读写失败")]
    Io(#[from] std::io::Error),
    /// Sealing personal identifiers failed.
    #[error(transparent)]
    Crypto(#[from] xinyong_crypto::CryptoError),
    /// A catalogue file cannot be used.
    #[error("catalogue file {file}: {message}")]
    Catalog {
        /// The file's name.
        file: String,
        /// What is wrong, in the catalogue's own terms.
        message: String,
    },
    /// An invariant of the import broke (a bug).
    #[error("internal error: {0}")]
    Internal(String),
}

impl IngestError {
    /// A JSON value that could not be written out: the writer's own I/O
    /// error when that was the cause (so that a reader that stopped
    /// reading, `… | head`, is told apart from a bug).
    pub(crate) fn writing_json(error: serde_json::Error) -> Self {
        match error.io_error_kind() {
            Some(kind) => Self::Io(std::io::Error::new(kind, error)),
            None => Self::Internal(error.to_string()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::IngestError;

    struct Closed;

    impl std::io::Write for Closed {
        fn write(&mut self, _: &[u8]) -> std::io::Result<usize> {
            Err(std::io::ErrorKind::BrokenPipe.into())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn a_closed_pipe_while_writing_json_is_an_io_error() {
        let error = serde_json::to_writer(Closed, &"值").unwrap_err();
        match IngestError::writing_json(error) {
            IngestError::Io(io) => assert_eq!(io.kind(), std::io::ErrorKind::BrokenPipe),
            other => panic!("{other:?}"),
        }
    }
}
