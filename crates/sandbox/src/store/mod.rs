//! Where the state lives: one SQLite database, a file with `--state` (`file`: WAL,
//! `synchronous=FULL`, group commit, a bounded WAL) and in memory without it (`memory`). Both keep
//! the same promises: a write is answered only once its outcome is final, and a refused write or
//! a failed commit leaves nothing applied. Nothing here knows a vendor: each vendor brings its
//! tables (SQL) and its queries, which run unchanged on either.
//!
//! Bottom to top: `error`, this module's [`Layout`] and [`create`], `memory` and `file`, and
//! [`Store`] (the one the rest of the sandbox uses).

mod error;
mod file;
mod memory;

use std::path::Path;

use rusqlite::{Connection, params};

pub(crate) use error::StoreError;

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

/// The open state.
pub(crate) enum Store {
    /// `--state FILE`.
    File(file::FileStore),
    /// No `--state`.
    Memory(memory::MemoryStore),
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
        Ok(match path {
            None => Store::Memory(memory::MemoryStore::open(layout)?),
            Some(path) => Store::File(file::FileStore::open(path, layout, wal_limit_bytes)?),
        })
    }

    /// Runs a read on committed state. Reads are short: they run on the caller's thread.
    pub(crate) fn read<R>(
        &self,
        read: impl FnOnce(&Connection) -> rusqlite::Result<R>,
    ) -> Result<R, StoreError> {
        match self {
            Store::File(store) => store.read(read),
            Store::Memory(store) => store.read(read),
        }
    }

    /// Runs `work` as one write and answers once its outcome is final. `work` returns `Ok(Ok(_))`
    /// to keep its changes, `Ok(Err(_))` for a refusal (its changes are rolled back, the refusal
    /// is returned) and `Err(_)` when SQLite failed. `fail_commit` makes the commit fail (a
    /// storage fault): then nothing of this write is applied, and other writes are unaffected.
    pub(crate) async fn write<T, E>(
        &self,
        fail_commit: bool,
        work: impl FnOnce(&Connection) -> rusqlite::Result<Result<T, E>> + Send + 'static,
    ) -> Result<Result<T, E>, StoreError>
    where
        T: Send + 'static,
        E: Send + 'static,
    {
        match self {
            Store::File(store) => store.write(fail_commit, work).await,
            Store::Memory(store) => store.write(fail_commit, work),
        }
    }

    /// Stops the store after the writes already queued and releases the state file. Later reads
    /// and writes fail with [`StoreError::Closed`].
    pub(crate) fn close(&self) {
        match self {
            Store::File(store) => store.close(),
            Store::Memory(store) => store.close(),
        }
    }
}

/// A record counter kept by the vendors' triggers (`counts` table).
pub(crate) fn counter(db: &Connection, name: &str) -> rusqlite::Result<u64> {
    let n: i64 = db
        .prepare_cached("SELECT n FROM counts WHERE name = ?1")?
        .query_row(params![name], |row| row.get(0))?;
    Ok(u64::try_from(n).unwrap_or(0))
}

/// Creates the tables and the start state in one transaction: `Err(_)` when SQLite failed,
/// `Ok(Err(_))` when `fill` refused the start records (then nothing is created).
fn create(connection: &Connection, layout: &Layout<'_>) -> Result<Result<(), String>, String> {
    let run = || -> rusqlite::Result<Result<(), String>> {
        connection.execute_batch("BEGIN IMMEDIATE")?;
        connection.execute_batch(CORE_SCHEMA)?;
        for schema in layout.schemas {
            connection.execute_batch(schema)?;
        }
        connection.execute(
            "INSERT INTO meta (key, value) VALUES ('format', ?1)",
            params![STATE_FORMAT],
        )?;
        if let Err(reason) = (layout.fill)(connection)? {
            connection.execute_batch("ROLLBACK")?;
            return Ok(Err(reason));
        }
        connection.execute_batch("COMMIT")?;
        Ok(Ok(()))
    };
    match run() {
        Ok(outcome) => Ok(outcome),
        Err(error) => {
            if !connection.is_autocommit() {
                let _ = connection.execute_batch("ROLLBACK");
            }
            Err(error.to_string())
        }
    }
}

/// A page cache large enough for the records' working set.
const CACHE_KIB: i64 = 64 * 1024;

/// Settings every connection shares: the page cache and foreign keys.
fn tune(connection: &Connection) -> rusqlite::Result<()> {
    connection.pragma_update(None, "cache_size", -CACHE_KIB)?;
    connection.pragma_update(None, "foreign_keys", true)?;
    Ok(())
}
