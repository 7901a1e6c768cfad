//! Durable `--state` files: every acknowledged write is on disk before its response is sent.
//! Each save writes a temporary file in the same directory, fsyncs it, renames it over the state
//! file and fsyncs the directory, so a kill at any moment leaves either the old or the new state,
//! never a torn file.

use std::fs::{self, File};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// Writes snapshots of the state to one file, newest wins.
#[derive(Debug)]
pub(crate) struct Persister {
    path: PathBuf,
    /// The version of the snapshot on disk. Snapshots are numbered when taken (under the state
    /// lock), but saved outside it: an older one arriving late must not overwrite a newer one.
    saved_version: Mutex<u64>,
}

impl Persister {
    pub(crate) fn new(path: PathBuf) -> Self {
        Self {
            path,
            saved_version: Mutex::new(0),
        }
    }

    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    /// Saves snapshot `version` unless a newer one is already on disk (which includes this
    /// one's changes, since versions follow the order of the writes).
    pub(crate) fn save(&self, version: u64, bytes: &[u8]) -> io::Result<()> {
        let mut saved = self
            .saved_version
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if *saved >= version {
            return Ok(());
        }
        write_atomically(&self.path, bytes)?;
        *saved = version;
        Ok(())
    }
}

fn write_atomically(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let directory = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let file_name = path.file_name().ok_or_else(|| {
        io::Error::new(io::ErrorKind::InvalidInput, "the state path names no file")
    })?;
    let mut temporary_name = std::ffi::OsString::from(".");
    temporary_name.push(file_name);
    temporary_name.push(format!(".tmp-{}", std::process::id()));
    let temporary = directory.join(temporary_name);
    let result = (|| {
        let mut file = File::create(&temporary)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        drop(file);
        fs::rename(&temporary, path)?;
        // The rename is durable only once the directory entry is.
        File::open(&directory)?.sync_all()
    })();
    if result.is_err() {
        let _ = fs::remove_file(&temporary);
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_older_snapshot_never_overwrites_a_newer_one() {
        let directory = std::env::temp_dir().join(format!(
            "vendor-sandbox-persist-{}-{:?}",
            std::process::id(),
            std::thread::current().id()
        ));
        fs::create_dir_all(&directory).unwrap();
        let path = directory.join("state.json");
        let persister = Persister::new(path.clone());
        persister.save(2, b"two").unwrap();
        persister.save(1, b"one").unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"two");
        persister.save(3, b"three").unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"three");
        let leftovers: Vec<_> = fs::read_dir(&directory)
            .unwrap()
            .filter_map(Result::ok)
            .filter(|entry| entry.file_name() != "state.json")
            .collect();
        assert!(leftovers.is_empty(), "temporary files left: {leftovers:?}");
        fs::remove_dir_all(&directory).unwrap();
    }
}
