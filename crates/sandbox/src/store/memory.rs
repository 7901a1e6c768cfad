//! The state in memory (no `--state`): the vendors' [`Tables`] behind one reader-writer lock. A
//! write holds the lock alone; a refused write, a failed one, a panicking one or one hit by an
//! injected commit fault is undone before the lock is released, so no reader ever sees a change
//! that was not kept.

use std::cell::RefCell;
use std::panic::{self, AssertUnwindSafe};
use std::sync::RwLock;

use super::db::{Db, Layout};
use super::error::StoreError;
use super::tables::{Access, Tables, Transaction};
use crate::locks;

/// The state in memory; `None` once closed.
pub(crate) struct MemoryStore {
    tables: RwLock<Option<Tables>>,
}

impl MemoryStore {
    /// New tables with the start state.
    pub(crate) fn open(layout: &Layout<'_>) -> Result<Self, StoreError> {
        let store = Self {
            tables: RwLock::new(Some(Tables::default())),
        };
        match store.write(false, |db| (layout.fill)(db)) {
            Ok(Ok(())) => Ok(store),
            Ok(Err(reason)) => Err(StoreError::StartRefused(reason)),
            Err(error) => Err(StoreError::Unusable {
                path: "in-memory state".to_string(),
                reason: error.to_string(),
            }),
        }
    }

    /// Runs a read on the tables as the last kept write left them.
    pub(crate) fn read<R>(
        &self,
        read: impl FnOnce(&Db<'_>) -> rusqlite::Result<R>,
    ) -> Result<R, StoreError> {
        let tables = locks::read(&self.tables);
        let tables = tables.as_ref().ok_or(StoreError::Closed)?;
        Ok(read(&Db::Maps(Access::Read(tables)))?)
    }

    /// Runs `work` alone and keeps its changes only if it succeeded and no commit fault was
    /// injected (see [`crate::store::Store::write`]).
    pub(crate) fn write<T, E>(
        &self,
        fail_commit: bool,
        work: impl FnOnce(&Db<'_>) -> rusqlite::Result<Result<T, E>>,
    ) -> Result<Result<T, E>, StoreError> {
        let mut slot = locks::write(&self.tables);
        let tables = slot.take().ok_or(StoreError::Closed)?;
        let transaction = RefCell::new(Transaction::new(tables));
        // A panicking write is taken back too, so that the tables are never lost with it.
        let outcome = panic::catch_unwind(AssertUnwindSafe(|| {
            work(&Db::Maps(Access::Write(&transaction)))
        }));
        let keep = !fail_commit && matches!(outcome, Ok(Ok(Ok(_))));
        *slot = Some(transaction.into_inner().finish(keep));
        drop(slot);
        match outcome {
            Err(panic) => panic::resume_unwind(panic),
            Ok(Err(error)) => Err(StoreError::Sqlite(error.to_string())),
            Ok(Ok(_)) if fail_commit => Err(StoreError::NotCommitted(
                "an injected storage fault failed the commit".to_string(),
            )),
            Ok(Ok(answer)) => Ok(answer),
        }
    }

    /// Drops the tables; later reads and writes fail with [`StoreError::Closed`].
    pub(crate) fn close(&self) {
        locks::write(&self.tables).take();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::tables::Keyed;

    type Names = Keyed<Number>;

    #[derive(Clone, Copy, Debug, PartialEq)]
    struct Number(u32);

    fn names(store: &MemoryStore) -> Vec<(String, u32)> {
        store
            .read(|db| {
                let Db::Maps(maps) = db else { unreachable!() };
                Ok(maps
                    .read(|names: &Names| names.0.iter().map(|(k, v)| (k.clone(), v.0)).collect()))
            })
            .unwrap()
    }

    fn set(db: &Db<'_>, name: &str, value: Option<u32>) -> rusqlite::Result<()> {
        let Db::Maps(maps) = db else { unreachable!() };
        maps.change::<Names>((name.to_string(), value.map(Number)))
    }

    fn no_start_records(_: &Db<'_>) -> rusqlite::Result<Result<(), String>> {
        Ok(Ok(()))
    }

    #[test]
    fn only_kept_writes_change_the_tables() {
        let store = MemoryStore::open(&Layout {
            schemas: &[],
            fill: &no_start_records,
        })
        .unwrap();
        let kept = store.write(false, |db| {
            set(db, "a", Some(1))?;
            set(db, "b", Some(2))?;
            Ok(Ok::<_, ()>(()))
        });
        assert!(matches!(kept, Ok(Ok(()))));
        let refused = store.write(false, |db| {
            set(db, "a", None)?;
            set(db, "b", Some(3))?;
            set(db, "c", Some(4))?;
            db_clear(db)?;
            set(db, "d", Some(5))?;
            Ok(Err::<(), _>("refused"))
        });
        assert!(matches!(refused, Ok(Err("refused"))));
        let faulted = store.write(true, |db| set(db, "e", Some(6)).map(Ok::<_, ()>));
        assert!(matches!(faulted, Err(StoreError::NotCommitted(_))));
        let failed = store.write(false, |db| {
            set(db, "f", Some(7))?;
            Err::<Result<(), ()>, _>(rusqlite::Error::InvalidQuery)
        });
        assert!(matches!(failed, Err(StoreError::Sqlite(_))));
        let panicked = panic::catch_unwind(AssertUnwindSafe(|| {
            store.write(false, |db| -> rusqlite::Result<Result<(), ()>> {
                set(db, "g", Some(8))?;
                panic!("a write that panics");
            })
        }));
        assert!(panicked.is_err());
        assert_eq!(
            names(&store),
            [("a".to_string(), 1), ("b".to_string(), 2)],
            "only the first write was kept"
        );
        let read_only = store.read(|db| set(db, "h", Some(9)));
        assert!(read_only.is_err(), "a read cannot change the tables");
        store.close();
        assert!(matches!(store.read(|_| Ok(())), Err(StoreError::Closed)));
    }

    fn db_clear(db: &Db<'_>) -> rusqlite::Result<()> {
        let Db::Maps(maps) = db else { unreachable!() };
        maps.clear()
    }
}
