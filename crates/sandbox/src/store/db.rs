//! What reads and writes are given: the SQLite connection or the maps, and the start state a new
//! store is filled with.

use rusqlite::Connection;

use super::tables::Access;

/// Where a read or a write runs: the SQLite connection, or the maps.
#[derive(Clone, Copy)]
pub(crate) enum Db<'a> {
    /// A state file (or a write's open transaction on it).
    Sqlite(&'a Connection),
    /// The state in memory.
    Maps(Access<'a>),
}

/// What a new state is filled with (the start state), and the tables the vendors need.
pub(crate) struct Layout<'a> {
    /// Each vendor's SQLite tables, indexes, counters and triggers (maps need no declaration).
    pub(crate) schemas: &'a [&'a str],
    /// Inserts the start records (run once, when the state is created).
    pub(crate) fill: &'a dyn Fn(&Db<'_>) -> rusqlite::Result<Result<(), String>>,
}
