//! Opening the state in a SQLite file (`--state`; WAL, `synchronous=FULL`), and keeping its WAL
//! bounded.
//!
//! The WAL: a WAL file only shrinks when a checkpoint restarts it, and under a steady write load a
//! passive checkpoint (one that never waits) never gets that chance, so the file grows without
//! bound. The writer therefore checkpoints itself, between transactions: once the WAL has grown
//! past a quarter of its limit, `wal_checkpoint(TRUNCATE)` copies it into the database file and
//! empties it (waiting for readers of older snapshots, which are short). No other connection
//! checkpoints, so none holds the checkpoint lock when the writer needs it; the WAL stays under a
//! quarter of its limit plus one batch, whatever the write load, and writes wait while it runs.

use std::fs::{File, OpenOptions};
use std::io::{self, Read};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use fs4::{FileExt, TryLockError};
use parking_lot::Mutex;
use rusqlite::{Connection, OpenFlags, OptionalExtension};

use super::error::StoreError;
use super::{Layout, STATE_FORMAT, Store, create, tune};

/// Read connections on a state file.
const READERS: usize = 4;
/// How much of the file each connection maps into memory.
const MMAP_BYTES: i64 = 1 << 30;

/// Opens the SQLite file at `path`, created and filled with the start state when missing or
/// empty, locks it and serves it.
pub(super) fn open(
    path: &Path,
    layout: &Layout<'_>,
    wal_limit_bytes: u64,
) -> Result<Store, StoreError> {
    let shown = path.display().to_string();
    let unusable = |reason: String| StoreError::Unusable {
        path: shown.clone(),
        reason,
    };
    check_header(path).map_err(unusable)?;
    let lock_file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(path)
        .map_err(|error| unusable(error.to_string()))?;
    match FileExt::try_lock(&lock_file) {
        Ok(()) => {}
        Err(TryLockError::WouldBlock) => return Err(StoreError::InUse { path: shown }),
        Err(TryLockError::Error(error)) => {
            return Err(unusable(format!("cannot lock the file: {error}")));
        }
    }
    let writer = Connection::open(file_name(path)).map_err(|error| unusable(error.to_string()))?;
    prepare_writer(&writer).map_err(|error| unusable(error.to_string()))?;
    let (entries, has_meta): (i64, bool) = writer.query_row(
        "SELECT count(*), coalesce(sum(type = 'table' AND name = 'meta'), 0) FROM sqlite_master",
        [],
        |row| Ok((row.get(0)?, row.get(1)?)),
    )?;
    let format: Option<i64> = match has_meta {
        true => writer
            .query_row("SELECT value FROM meta WHERE key = 'format'", [], |row| {
                row.get(0)
            })
            .optional()?,
        false => None,
    };
    match format {
        Some(STATE_FORMAT) => {}
        Some(other) => {
            return Err(unusable(format!(
                "state format {other} is not the supported format {STATE_FORMAT}"
            )));
        }
        None if entries > 0 => {
            return Err(unusable(
                "a SQLite database, but not a vendor-sandbox state".to_string(),
            ));
        }
        None => create(&writer, layout, &shown)?,
    }
    let mut readers = Vec::with_capacity(READERS);
    for _ in 0..READERS {
        let reader = Connection::open_with_flags(
            file_name(path),
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        reader.busy_timeout(Duration::from_secs(5))?;
        tune(&reader)?;
        map(&reader)?;
        // Readers never write: SQLite refuses any statement that would.
        reader.pragma_update(None, "query_only", true)?;
        readers.push(Arc::new(Mutex::new(reader)));
    }
    let wal = Wal {
        path: PathBuf::from(format!("{}-wal", path.display())),
        truncate_above: wal_limit_bytes / 4,
    };
    // Creating a state writes the whole seed into the WAL in one transaction: empty it now
    // rather than after the first write.
    wal.bound(&writer);
    Store::serve(
        Arc::new(Mutex::new(writer)),
        readers,
        Some(wal),
        Some(lock_file),
    )
}

/// `path` as SQLite must be given it to read it as a file name: never as a URI, which the bundled
/// SQLite makes of any name that starts with `file:` (`file:state.db` would be `state.db`, another
/// file than the one locked and checked here; `file:s.db?mode=memory`, no file at all).
fn file_name(path: &Path) -> PathBuf {
    if path.to_string_lossy().starts_with("file:") {
        Path::new(".").join(path)
    } else {
        path.to_path_buf()
    }
}

/// Refuses a file that is neither empty nor a SQLite database, naming what it looks like.
fn check_header(path: &Path) -> Result<(), String> {
    let mut file = match File::open(path) {
        Ok(file) => file,
        Err(error) if error.kind() == io::ErrorKind::NotFound => return Ok(()),
        Err(error) => return Err(error.to_string()),
    };
    let mut head = [0u8; 16];
    let read = file.read(&mut head).map_err(|error| error.to_string())?;
    let head = &head[..read];
    if head.is_empty() || head == b"SQLite format 3\0" {
        return Ok(());
    }
    if head
        .iter()
        .find(|byte| !byte.is_ascii_whitespace())
        .is_some_and(|byte| *byte == b'{')
    {
        return Err(
            "a JSON state file of an older vendor-sandbox; state is now a SQLite database and \
             JSON state is not imported: move the file away (or start without --state) and \
             re-create the records, for example with --seed"
                .to_string(),
        );
    }
    Err("not a SQLite database".to_string())
}

fn prepare_writer(connection: &Connection) -> Result<(), StoreError> {
    connection.busy_timeout(Duration::from_secs(5))?;
    let mode: String = connection.query_row("PRAGMA journal_mode = WAL", [], |row| row.get(0))?;
    if !mode.eq_ignore_ascii_case("wal") {
        return Err(StoreError::Sqlite(format!(
            "the file system refused WAL mode (journal_mode is {mode})"
        )));
    }
    // FULL: a commit is on disk (WAL synced) before it returns, so an acknowledged write survives
    // a crash of the machine, not only of the process.
    connection.pragma_update(None, "synchronous", "FULL")?;
    // The writer checkpoints between transactions (see `Wal`), not inside a commit.
    connection.execute_batch("PRAGMA wal_autocheckpoint = 0")?;
    tune(connection)?;
    map(connection)?;
    Ok(())
}

/// Reads through a memory map of the file.
fn map(connection: &Connection) -> rusqlite::Result<()> {
    // Answers a row: run as a batch, which ignores it.
    connection.execute_batch(&format!("PRAGMA mmap_size = {MMAP_BYTES}"))
}

/// The WAL file and the size past which the writer truncates it.
pub(super) struct Wal {
    path: PathBuf,
    truncate_above: u64,
}

impl Wal {
    /// Checkpoints and empties the WAL once it is past `truncate_above` (run between
    /// transactions). A checkpoint that cannot finish (a reader held an old snapshot for longer
    /// than the busy timeout) is tried again after the next transaction.
    pub(super) fn bound(&self, connection: &Connection) {
        let size = std::fs::metadata(&self.path).map_or(0, |metadata| metadata.len());
        if size <= self.truncate_above {
            return;
        }
        match connection.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |row| {
            row.get::<_, i64>(0)
        }) {
            Ok(0) => {}
            Ok(_) => tracing::debug!(size, "the WAL could not be emptied yet (readers busy)"),
            Err(error) => tracing::warn!(%error, "a WAL truncation failed"),
        }
    }
}
