//! Files only their owner may read: the journal (and SQLite's WAL files beside it) and a report
//! written with `--output`, which hold raw vendor ids. Each is created with mode 0600, and one
//! the tool found loses its group and other permissions (its owner's stay as they are), since an
//! existing file keeps its mode when it is opened.

use std::fs::{File, Metadata, OpenOptions, Permissions};
use std::io;
use std::path::Path;

/// Creates `path` with mode 0600 when it does not exist; returns whether it did.
pub fn create_new(path: &Path) -> io::Result<bool> {
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    owner_only_on_create(&mut options);
    match options.open(path) {
        Ok(_) => Ok(true),
        Err(error) if error.kind() == io::ErrorKind::AlreadyExists => Ok(false),
        Err(error) => Err(error),
    }
}

/// Narrows `path` to mode 0600 when its group or others may use it; a file that does not exist
/// is left alone.
///
/// It goes by path and never opens the file: closing a descriptor of a file that SQLite has
/// open in this process would drop that connection's POSIX locks, and another process could
/// then rebuild the WAL index under it.
pub fn narrow(path: &Path) -> io::Result<()> {
    match std::fs::metadata(path) {
        Ok(metadata) => match narrowed(&metadata) {
            Some(permissions) => std::fs::set_permissions(path, permissions),
            None => Ok(()),
        },
        Err(error) if error.kind() == io::ErrorKind::NotFound => Ok(()),
        Err(error) => Err(error),
    }
}

/// Opens `path` for writing, emptied, at mode 0600: an existing file (which keeps its mode when
/// opened) is narrowed through the open file before the first byte is written.
pub fn create(path: &Path) -> io::Result<File> {
    let mut options = OpenOptions::new();
    options.write(true).create(true).truncate(true);
    owner_only_on_create(&mut options);
    let file = options.open(path)?;
    if let Some(permissions) = narrowed(&file.metadata()?) {
        file.set_permissions(permissions)?;
    }
    Ok(file)
}

/// The one rule: a file its group or others may use loses those permissions and keeps its
/// owner's as they are (a file its owner may not write is never made writable); `None` for one
/// that is private already.
fn narrowed(metadata: &Metadata) -> Option<Permissions> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = metadata.permissions().mode();
        (mode & 0o077 != 0).then(|| Permissions::from_mode(mode & 0o700))
    }
    #[cfg(not(unix))]
    {
        let _ = metadata;
        None
    }
}

fn owner_only_on_create(options: &mut OpenOptions) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    #[cfg(not(unix))]
    let _ = options;
}

#[cfg(all(test, unix))]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    use std::io::Write;

    use super::*;

    fn mode(path: &Path) -> u32 {
        std::fs::metadata(path).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn an_existing_readable_file_is_narrowed_before_it_is_written() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("receipt.json");
        std::fs::write(&path, "an older, longer report").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        assert_eq!(mode(&path), 0o644);

        create(&path).unwrap().write_all(b"raw ids").unwrap();
        assert_eq!(mode(&path), 0o600);
        assert_eq!(std::fs::read(&path).unwrap(), b"raw ids");

        let new = dir.path().join("new.json");
        create(&new).unwrap().write_all(b"x").unwrap();
        assert_eq!(mode(&new), 0o600);
    }

    #[test]
    fn narrow_and_create_new_leave_the_owner_alone() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("j.db");
        assert!(create_new(&path).unwrap());
        assert_eq!(mode(&path), 0o600);
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o664)).unwrap();
        assert!(!create_new(&path).unwrap());
        narrow(&path).unwrap();
        assert_eq!(mode(&path), 0o600);
        // Already private (or stricter): untouched.
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o400)).unwrap();
        narrow(&path).unwrap();
        assert_eq!(mode(&path), 0o400);
        // Read-only for everyone: it stays read-only for its owner (no write bit is added).
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o444)).unwrap();
        narrow(&path).unwrap();
        assert_eq!(mode(&path), 0o400);
        narrow(&dir.path().join("absent-wal")).unwrap();
    }
}
