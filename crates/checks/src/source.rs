//! Where the measure book's files come from: the ones shipped with the
//! platform, or a directory the credit office edits.

use std::path::PathBuf;

use xinyong_domain::measures::BookFiles;

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
    pub fn load(&self) -> Result<BookFiles, String> {
        match self {
            Self::Builtin => Ok(BookFiles {
                measures: include_str!("../../../catalog/measures/measures.toml").to_owned(),
                matters: include_str!("../../../catalog/measures/matters.toml").to_owned(),
                rules: include_str!("../../../catalog/measures/rules.toml").to_owned(),
            }),
            Self::Dir(dir) => {
                let read = |name: &str| {
                    let path = dir.join(name);
                    std::fs::read_to_string(&path).map_err(|e| format!("无法读取 {}：{e}", path.display()))
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
