//! The state in memory (no `--state`): an in-memory SQLite database on one connection. A write
//! runs alone, in its own transaction, on the caller's thread (nothing is synced, so there is
//! nothing to gain from a writer thread); a read waits for it, so no reader ever sees a change
//! that was not kept.

use std::panic::{self, AssertUnwindSafe};
use std::sync::Mutex;

use rusqlite::Connection;

use super::error::StoreError;
use super::{Layout, create, tune};
use crate::locks::lock;

/// The in-memory database; `None` once closed.
pub(crate) struct MemoryStore {
    connection: Mutex<Option<Connection>>,
}

impl MemoryStore {
    /// A new database with the start state.
    pub(crate) fn open(layout: &Layout<'_>) -> Result<Self, StoreError> {
        let unusable = |reason: String| StoreError::Unusable {
            path: "in-memory state".to_string(),
            reason,
        };
        let connection = Connection::open_in_memory()?;
        tune(&connection)?;
        create(&connection, layout)
            .map_err(unusable)?
            .map_err(StoreError::StartRefused)?;
        Ok(Self {
            connection: Mutex::new(Some(connection)),
        })
    }

    /// Runs a read between writes.
    pub(crate) fn read<R>(
        &self,
        read: impl FnOnce(&Connection) -> rusqlite::Result<R>,
    ) -> Result<R, StoreError> {
        let connection = lock(&self.connection);
        Ok(read(connection.as_ref().ok_or(StoreError::Closed)?)?)
    }

    /// Runs `work` in a transaction of its own, kept only if it succeeded and no commit fault
    /// was injected (see [`super::Store::write`]).
    pub(crate) fn write<T, E>(
        &self,
        fail_commit: bool,
        work: impl FnOnce(&Connection) -> rusqlite::Result<Result<T, E>>,
    ) -> Result<Result<T, E>, StoreError> {
        let slot = lock(&self.connection);
        let connection = slot.as_ref().ok_or(StoreError::Closed)?;
        connection.execute_batch("BEGIN IMMEDIATE")?;
        // A write that panics is rolled back before the lock is released, so that no reader
        // sees what it left.
        let outcome = match panic::catch_unwind(AssertUnwindSafe(|| work(connection))) {
            Ok(outcome) => outcome,
            Err(panicked) => {
                let _ = connection.execute_batch("ROLLBACK");
                drop(slot);
                panic::resume_unwind(panicked);
            }
        };
        let keep = !fail_commit && matches!(outcome, Ok(Ok(_)));
        let finished = connection.execute_batch(if keep { "COMMIT" } else { "ROLLBACK" });
        if let Err(error) = finished {
            if !connection.is_autocommit() {
                let _ = connection.execute_batch("ROLLBACK");
            }
            return Err(StoreError::NotCommitted(error.to_string()));
        }
        match outcome {
            Err(error) => Err(StoreError::Sqlite(error.to_string())),
            Ok(_) if fail_commit => Err(StoreError::NotCommitted(
                "an injected storage fault failed the commit".to_string(),
            )),
            Ok(answer) => Ok(answer),
        }
    }

    /// Drops the database; later reads and writes fail with [`StoreError::Closed`].
    pub(crate) fn close(&self) {
        lock(&self.connection).take();
    }
}
