//! Files and directories that hold key material, sealed uploads, proofs or
//! the audit spool: created readable by their owner only, from the moment
//! they exist, so that another account on the machine never gets a window
//! in which it could open them.

use std::fs::{DirBuilder, File, OpenOptions};
use std::io::{self, Write};
use std::path::Path;

/// Creates `dir` and any missing parents, owner-only (`0700` on Unix).
/// An existing directory is left as it is.
pub fn create_private_dir(dir: &Path) -> io::Result<()> {
    let mut builder = DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir)
}

/// Options that create a file owner-only (`0600` on Unix); the caller adds
/// how it opens it (`create_new`, `append` …). The mode applies to a file
/// the open creates, not to one that already exists.
pub fn private_file_options() -> OpenOptions {
    let mut options = OpenOptions::new();
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options
}

/// Creates `path` (or empties it, if it exists) for writing, owner-only: a
/// regular file that existed is made owner-only too. Anything else the path
/// names (`/dev/stdout`, `/dev/null`, a pipe) is written to as it is.
pub fn create_private_file(path: &Path) -> io::Result<File> {
    let file = private_file_options()
        .write(true)
        .create(true)
        .truncate(true)
        .open(path)?;
    #[cfg(unix)]
    if file.metadata()?.is_file() {
        file.set_permissions(std::os::unix::fs::PermissionsExt::from_mode(0o600))?;
    }
    Ok(file)
}

/// Writes `bytes` to a new file at `path`, owner-only, and syncs it. Fails
/// if the file exists: key material is never overwritten in place.
pub fn write_new_private(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let mut file = private_file_options().write(true).create_new(true).open(path)?;
    file.write_all(bytes)?;
    file.sync_all()
}

#[cfg(all(test, unix))]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    use super::*;

    fn mode(path: &Path) -> u32 {
        std::fs::metadata(path).expect("metadata").permissions().mode() & 0o777
    }

    #[test]
    fn directories_and_files_are_owner_only() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("a/b");
        create_private_dir(&dir).unwrap();
        assert_eq!(mode(&dir), 0o700);
        assert_eq!(mode(&root.path().join("a")), 0o700, "parents too");
        create_private_dir(&dir).unwrap();

        let key = dir.join("platform.key");
        write_new_private(&key, b"secret").unwrap();
        assert_eq!(mode(&key), 0o600);
        assert_eq!(std::fs::read(&key).unwrap(), b"secret");
        let again = write_new_private(&key, b"other").unwrap_err();
        assert_eq!(again.kind(), io::ErrorKind::AlreadyExists);
        assert_eq!(std::fs::read(&key).unwrap(), b"secret", "never overwritten");

        let appended = dir.join("failed.jsonl");
        private_file_options()
            .create(true)
            .append(true)
            .open(&appended)
            .unwrap();
        assert_eq!(mode(&appended), 0o600);
    }

    #[test]
    fn an_existing_file_is_emptied_and_made_owner_only() {
        let root = tempfile::tempdir().unwrap();
        let path = root.path().join("upload.sm4");
        std::fs::write(&path, b"old contents").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        let mut file = create_private_file(&path).unwrap();
        file.write_all(b"new").unwrap();
        drop(file);
        assert_eq!(mode(&path), 0o600);
        assert_eq!(std::fs::read(&path).unwrap(), b"new");
    }
}
