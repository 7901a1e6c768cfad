//! Where the state lives: one SQLite database, a file with `--state` (`file`: WAL,
//! `synchronous=FULL`, a bounded WAL) and in memory without it. Both are served the same way:
//! writes go to one writer thread (`writer`: group commit, a write is answered only once its
//! outcome is final, and a refused write or a failed commit leaves nothing applied), reads run on
//! the caller's thread and see committed data only. Nothing here knows a vendor: each vendor
//! brings its tables (SQL) and its queries, which run unchanged on either.
//!
//! Bottom to top: `error`, this module's [`Layout`] and [`create`], `file` and `writer`, and
//! [`Store`] (the one the rest of the sandbox uses).

mod error;
mod file;
mod writer;

use std::fs::File;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread::JoinHandle;

use parking_lot::{Mutex, RwLock};
use rusqlite::{Connection, Transaction, TransactionBehavior, params};
use tokio::sync::oneshot;

pub(crate) use error::StoreError;
use writer::{Answer, JobQueue, Shared};

/// The layout version of the state database; a database of another version is refused.
const STATE_FORMAT: i64 = 3;

/// The tables every state database has, whatever the vendors: the format, the clock and the
/// record counters the vendors' triggers keep.
const CORE_SCHEMA: &str = "
CREATE TABLE meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE counts (name TEXT PRIMARY KEY, n INTEGER NOT NULL) WITHOUT ROWID;
";

/// What a new state is filled with (the start state), and the tables the vendors need.
pub(crate) struct Layout<'a> {
    /// Each vendor's tables, indexes, counters and triggers.
    pub(crate) schemas: &'a [&'a str],
    /// Inserts the start records (run once, when the state is created).
    pub(crate) fill: &'a dyn Fn(&Connection) -> rusqlite::Result<Result<(), String>>,
}

pub(crate) struct Store {
    /// The writer thread and its queue; `None` once closed.
    writer: Mutex<Option<(JobQueue, JoinHandle<()>)>>,
    /// The connections reads use, round-robin; `None` once closed. On a file, read-only
    /// connections; in memory, the writer's own connection, so a read waits for the transaction
    /// being written and never sees a change that was not kept.
    readers: RwLock<Option<Vec<Shared>>>,
    /// The reader whose turn it is.
    next_reader: AtomicUsize,
    /// With a state file, an exclusive lock on it, held while the sandbox runs (a second process
    /// is refused). Released after the connections are closed (see [`Store::close`]).
    lock: Mutex<Option<File>>,
}

impl Store {
    /// Opens the state: a new in-memory database (`path` `None`), or the SQLite file at `path`,
    /// created and filled with the start state when missing or empty, whose WAL is kept under
    /// `wal_limit_bytes`.
    pub(crate) fn open(
        path: Option<&Path>,
        layout: &Layout<'_>,
        wal_limit_bytes: u64,
    ) -> Result<Self, StoreError> {
        let Some(path) = path else {
            let connection = Connection::open_in_memory()?;
            tune(&connection)?;
            create(&connection, layout, "in-memory state")?;
            let connection = Arc::new(Mutex::new(connection));
            return Self::serve(connection.clone(), vec![connection], None, None);
        };
        file::open(path, layout, wal_limit_bytes)
    }

    /// Starts the writer on `writer` and serves reads from `readers`.
    fn serve(
        writer: Shared,
        readers: Vec<Shared>,
        wal: Option<file::Wal>,
        lock: Option<File>,
    ) -> Result<Self, StoreError> {
        Ok(Self {
            writer: Mutex::new(Some(writer::spawn(writer, wal)?)),
            readers: RwLock::new(Some(readers)),
            next_reader: AtomicUsize::new(0),
            lock: Mutex::new(lock),
        })
    }

    /// Runs a read on committed state. Reads are short: they run on the caller's thread.
    pub(crate) fn read<R>(
        &self,
        read: impl FnOnce(&Connection) -> rusqlite::Result<R>,
    ) -> Result<R, StoreError> {
        let readers = self.readers.read();
        let connections = readers.as_ref().ok_or(StoreError::Closed)?;
        let start = self.next_reader.fetch_add(1, Ordering::Relaxed);
        // Take the first idle connection, else wait for the one whose turn it is.
        for offset in 0..connections.len() {
            let index = (start + offset) % connections.len();
            if let Some(connection) = connections[index].try_lock() {
                return Ok(read(&connection)?);
            }
        }
        Ok(read(&connections[start % connections.len()].lock())?)
    }

    /// Runs `work` in the writer's transaction and answers once its outcome is final. `work`
    /// returns `Ok(Ok(_))` to keep its changes, `Ok(Err(_))` for a refusal (its changes are rolled
    /// back, the refusal is returned) and `Err(_)` when SQLite failed. `fail_commit` makes the
    /// commit fail (a storage fault): then nothing of this write is applied, and the writes queued
    /// beside it commit without it.
    pub(crate) async fn write<T, E>(
        &self,
        fail_commit: bool,
        work: impl FnOnce(&Connection) -> rusqlite::Result<Result<T, E>> + Send + 'static,
    ) -> Result<Result<T, E>, StoreError>
    where
        T: Send + 'static,
        E: Send + 'static,
    {
        self.queue(fail_commit, work)?
            .await
            .unwrap_or(Err(StoreError::Closed))
    }

    /// Queues a write for the writer thread now (see [`Store::write`]); the receiver gets its
    /// answer once its transaction's fate is known.
    fn queue<T, E>(
        &self,
        fail_commit: bool,
        work: impl FnOnce(&Connection) -> rusqlite::Result<Result<T, E>> + Send + 'static,
    ) -> Result<oneshot::Receiver<Answer<T, E>>, StoreError>
    where
        T: Send + 'static,
        E: Send + 'static,
    {
        let (job, answer) = writer::job(fail_commit, work);
        let writer = self.writer.lock();
        let sent = writer
            .as_ref()
            .is_some_and(|(jobs, _)| jobs.send(job).is_ok());
        sent.then_some(answer).ok_or(StoreError::Closed)
    }

    /// Stops the writer after the writes already queued, closes every connection, then releases
    /// the state file. Later reads and writes fail with [`StoreError::Closed`].
    pub(crate) fn close(&self) {
        // Taken out of the lock before the join: writes queued meanwhile fail at once.
        let writer = self.writer.lock().take();
        if let Some((jobs, writer)) = writer {
            // The writer stops once its queue is closed and the writes in it are done.
            drop(jobs);
            let _ = writer.join();
        }
        self.readers.write().take();
        // The connections are closed before the file lock goes: closing a descriptor of the
        // database file while SQLite still had it open could drop SQLite's own locks with it.
        if let Some(file) = self.lock.lock().take() {
            let _ = fs4::FileExt::unlock(&file);
        }
    }
}

impl Drop for Store {
    fn drop(&mut self) {
        self.close();
    }
}

/// A record counter kept by the vendors' triggers (`counts` table).
pub(crate) fn counter(db: &Connection, name: &str) -> rusqlite::Result<u64> {
    let n: i64 = db
        .prepare_cached("SELECT n FROM counts WHERE name = ?1")?
        .query_row(params![name], |row| row.get(0))?;
    Ok(u64::try_from(n).unwrap_or(0))
}

/// Creates the tables and the start state of the state at `path` in one transaction; nothing is
/// created when SQLite fails or `fill` refuses the start records.
fn create(connection: &Connection, layout: &Layout<'_>, path: &str) -> Result<(), StoreError> {
    let run = || -> rusqlite::Result<Result<(), String>> {
        // Rolled back when dropped uncommitted.
        let transaction = Transaction::new_unchecked(connection, TransactionBehavior::Immediate)?;
        transaction.execute_batch(CORE_SCHEMA)?;
        for schema in layout.schemas {
            transaction.execute_batch(schema)?;
        }
        transaction.execute(
            "INSERT INTO meta (key, value) VALUES ('format', ?1)",
            params![STATE_FORMAT],
        )?;
        if let Err(reason) = (layout.fill)(&transaction)? {
            return Ok(Err(reason));
        }
        transaction.commit().map(Ok)
    };
    run()
        .map_err(|error| StoreError::Unusable {
            path: path.to_string(),
            reason: error.to_string(),
        })?
        .map_err(StoreError::StartRefused)
}

/// A page cache large enough for the records' working set.
const CACHE_KIB: i64 = 64 * 1024;

/// Settings every connection shares: the page cache and foreign keys.
fn tune(connection: &Connection) -> rusqlite::Result<()> {
    connection.pragma_update(None, "cache_size", -CACHE_KIB)?;
    connection.pragma_update(None, "foreign_keys", true)?;
    Ok(())
}
