//! Where the measure book's files come from: the ones shipped with the
//! platform, or a directory the credit office edits.

use std::path::PathBuf;

use xinyong_domain::measures::BookFiles;

/// A book file that cannot be read.
#[derive(Debug, thiserror::Error)]
#[error("无法读取 {path}：{source}")]
pub struct SourceError {
    /// The file.
    pub path: String,
    /// Why.
    pub source: std::io::Error,
}

/// The source of `measures.toml`, `matters.toml` and `rules.toml`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BookSource {
    /// The files shipped in `catalog/measures/`.
    Builtin,
    /// A directory holding the three files.
    Dir(PathBuf),
}

impl BookSource {
    /// Reads the three files.
    pub fn load(&self) -> Result<BookFiles, SourceError> {
        match self {
            Self::Builtin => Ok(BookFiles {
                measures: include_str!("../../../catalog/measures/measures.toml").to_owned(),
                matters: include_str!("../../../catalog/measures/matters.toml").to_owned(),
                rules: include_str!("../../../catalog/measures/rules.toml").to_owned(),
            }),
            Self::Dir(dir) => {
                let read = |name: &str| {
                    let path = dir.join(name);
                    std::fs::read_to_string(&path).map_err(|source| SourceError {
                        path: path.display().to_string(),
                        source,
                    })
                };
                Ok(BookFiles {
                    measures: read("measures.toml")?,
                    matters: read("matters.toml")?,
                    rules: read("rules.toml")?,
                })
            }
        }
    }
}
