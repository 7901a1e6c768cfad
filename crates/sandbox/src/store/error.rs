//! Why the state could not be opened, or a write was not kept.

/// Why the state could not be opened or a write was not committed.
#[derive(Debug, thiserror::Error)]
pub(crate) enum StoreError {
    /// The state file is held by another running sandbox.
    #[error("{path}: another vendor-sandbox is using this state file")]
    InUse { path: String },
    /// The file is not a state database this version can use (the reason says what it is).
    #[error("{path}: {reason}")]
    Unusable { path: String, reason: String },
    /// The start records were refused (the layout's `fill` said why: a bad seed); nothing was
    /// created.
    #[error("{0}")]
    StartRefused(String),
    /// SQLite refused an operation, or a stored record could not be read back.
    #[error("the state database failed: {0}")]
    Sqlite(String),
    /// The transaction holding the write did not commit: nothing of it was applied.
    #[error("the write was not committed: {0}")]
    NotCommitted(String),
    /// The store has stopped (the sandbox is shutting down).
    #[error("the state database is closed")]
    Closed,
}

impl From<rusqlite::Error> for StoreError {
    fn from(error: rusqlite::Error) -> Self {
        StoreError::Sqlite(error.to_string())
    }
}
