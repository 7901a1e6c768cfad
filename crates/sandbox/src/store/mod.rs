//! Where the state lives. With `--state FILE`, a SQLite database (`sqlite`: WAL,
//! `synchronous=FULL`, group commit); without it, maps in memory (`memory`, `tables`), which
//! measured faster than an in-memory SQLite database (`docs/benchmarks.md`). Both keep the same promises: a write
//! is answered only once its outcome is final, a refused write or a failed commit leaves nothing
//! applied. Nothing here knows a vendor: each vendor brings its tables and its queries for both.
//!
//! Bottom to top: `error`, `tables` (the maps and their undo), `db` (what work is given),
//! `memory` and `sqlite` (the two stores), this module (the one the rest of the sandbox uses).

mod db;
mod error;
mod memory;
mod sqlite;
pub(crate) mod tables;

use std::path::Path;

pub(crate) use db::{Db, Layout};
pub(crate) use error::StoreError;
pub(crate) use sqlite::counter;

/// The open state.
pub(crate) enum Store {
    /// `--state FILE`.
    File(sqlite::FileStore),
    /// No `--state`.
    Memory(memory::MemoryStore),
}

impl Store {
    /// Opens the state: new maps in memory (`path` `None`), or the SQLite file at `path`, created
    /// and filled with the start state when missing or empty.
    pub(crate) fn open(path: Option<&Path>, layout: &Layout<'_>) -> Result<Self, StoreError> {
        Ok(match path {
            None => Store::Memory(memory::MemoryStore::open(layout)?),
            Some(path) => Store::File(sqlite::FileStore::open(path, layout)?),
        })
    }

    /// Runs a read on committed state. Reads are short: they run on the caller's thread.
    pub(crate) fn read<R>(
        &self,
        read: impl FnOnce(&Db<'_>) -> rusqlite::Result<R>,
    ) -> Result<R, StoreError> {
        match self {
            Store::File(store) => store.read(|connection| read(&Db::Sqlite(connection))),
            Store::Memory(store) => store.read(read),
        }
    }

    /// Runs `work` as one write and answers once its outcome is final. `work` returns `Ok(Ok(_))`
    /// to keep its changes, `Ok(Err(_))` for a refusal (its changes are undone, the refusal is
    /// returned) and `Err(_)` when the store failed. `fail_commit` makes the commit fail (a
    /// storage fault): then nothing of this write is applied, and other writes are unaffected.
    pub(crate) async fn write<T, E>(
        &self,
        fail_commit: bool,
        work: impl FnOnce(&Db<'_>) -> rusqlite::Result<Result<T, E>> + Send + 'static,
    ) -> Result<Result<T, E>, StoreError>
    where
        T: Send + 'static,
        E: Send + 'static,
    {
        match self {
            Store::File(store) => {
                store
                    .write(fail_commit, move |connection| work(&Db::Sqlite(connection)))
                    .await
            }
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
