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
