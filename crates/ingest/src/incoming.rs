//! Files on their way into an import: uploads as received and rows the
//! platform writes itself. They may hold identifiers whole, so they live
//! under the data directory's `uploads/incoming/`, owner-only, and are
//! removed when dropped (the importer keeps its own sealed copy) — also
//! when the request that made one is cancelled. Whatever a crash left
//! there is cleared when the server starts (files older than a day, so
//! that another instance's upload in progress on a shared directory stays).

use std::path::{Path, PathBuf};

/// The directory of incoming files under `data_dir`.
fn directory(data_dir: &Path) -> PathBuf {
    data_dir.join("uploads").join("incoming")
}

/// An incoming file, removed when dropped.
#[derive(Debug)]
pub struct IncomingFile(PathBuf);

impl IncomingFile {
    /// A new, not yet created, randomly named file with `extension`.
    pub fn new(data_dir: &Path, extension: &str) -> std::io::Result<Self> {
        let dir = directory(data_dir);
        xinyong_crypto::create_private_dir(&dir)?;
        let name = xinyong_crypto::random_hex(12).map_err(std::io::Error::other)?;
        Ok(Self(dir.join(format!("{name}.{extension}"))))
    }

    /// Creates the file for writing, readable by the owner only.
    pub fn create(&self) -> std::io::Result<std::fs::File> {
        xinyong_crypto::private_file_options()
            .write(true)
            .create_new(true)
            .open(&self.0)
    }

    /// Where it is.
    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for IncomingFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// Removes the incoming files under `data_dir` last written more than
/// `older_than` ago (left by a crash). Returns how many.
pub fn clear_incoming(data_dir: &Path, older_than: std::time::Duration) -> std::io::Result<usize> {
    let dir = directory(data_dir);
    let entries = match std::fs::read_dir(&dir) {
        Ok(entries) => entries,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(0),
        Err(error) => return Err(error),
    };
    let mut removed = 0;
    for entry in entries {
        let entry = entry?;
        let metadata = entry.metadata()?;
        let age = metadata.modified()?.elapsed().unwrap_or_default();
        if metadata.is_file() && age >= older_than {
            std::fs::remove_file(entry.path())?;
            removed += 1;
        }
    }
    Ok(removed)
}

#[cfg(test)]
mod tests {
    use std::io::Write;
    use std::time::Duration;

    use super::{IncomingFile, clear_incoming};

    #[test]
    fn a_file_goes_when_dropped_and_leftovers_when_cleared() {
        let dir = tempfile::tempdir().unwrap();
        let kept = IncomingFile::new(dir.path(), "csv").unwrap();
        kept.create().unwrap().write_all(b"a,b\n").unwrap();
        let path = {
            let dropped = IncomingFile::new(dir.path(), "jsonl").unwrap();
            dropped.create().unwrap().write_all(b"{}\n").unwrap();
            assert!(dropped.create().is_err(), "never overwrites");
            dropped.path().to_owned()
        };
        assert!(!path.exists());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(kept.path()).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        // A crash leaves the file behind: the next start clears it.
        std::mem::forget(kept);
        let day = Duration::from_secs(86_400);
        assert_eq!(clear_incoming(dir.path(), day).unwrap(), 0, "too recent");
        assert_eq!(clear_incoming(dir.path(), Duration::ZERO).unwrap(), 1);
        assert_eq!(clear_incoming(dir.path(), Duration::ZERO).unwrap(), 0);
        assert_eq!(clear_incoming(&dir.path().join("none"), Duration::ZERO).unwrap(), 0);
    }
}
