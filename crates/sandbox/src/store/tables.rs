//! The tables of the in-memory store: each vendor's are maps of its own ([`Table`]), and every
//! change a write makes is recorded with the change that undoes it, so that a write that is not
//! kept can be taken back whole.

use std::any::{Any, TypeId};
use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap};

/// A table in memory. Every change goes through [`Table::apply`], which hands back the change
/// that undoes it: that is how a write that is not kept is taken back.
pub(crate) trait Table: Default + Send + Sync + 'static {
    /// One change to the table.
    type Change: Send + 'static;
    /// Applies `change` and returns the change that undoes it.
    fn apply(&mut self, change: Self::Change) -> Self::Change;
}

/// Sets (`Some`) or removes (`None`) the row at a key, the change most tables are made of, and
/// returns the change that undoes it.
pub(crate) fn put<V>(
    rows: &mut BTreeMap<String, V>,
    (key, row): (String, Option<V>),
) -> (String, Option<V>) {
    let old = match row {
        Some(row) => rows.insert(key.clone(), row),
        None => rows.remove(&key),
    };
    (key, old)
}

/// A table of rows by key, in key order, whose changes set (`Some`) or remove (`None`) one row.
/// Tables are told apart by type, so the row type names the table: each table has a row type of
/// its own.
pub(crate) struct Keyed<V>(pub(crate) BTreeMap<String, V>);

impl<V> Default for Keyed<V> {
    fn default() -> Self {
        Self(BTreeMap::new())
    }
}

impl<V: Send + Sync + 'static> Table for Keyed<V> {
    type Change = (String, Option<V>);
    fn apply(&mut self, change: Self::Change) -> Self::Change {
        put(&mut self.0, change)
    }
}

/// Every table, each under its type.
#[derive(Default)]
pub(crate) struct Tables {
    tables: HashMap<TypeId, Box<dyn Any + Send + Sync>>,
}

impl Tables {
    fn get<T: Table>(&self) -> Option<&T> {
        self.tables.get(&TypeId::of::<T>())?.downcast_ref()
    }

    fn get_mut<T: Table>(&mut self) -> &mut T {
        let slot = self
            .tables
            .entry(TypeId::of::<T>())
            .or_insert_with(|| Box::new(T::default()));
        if !slot.is::<T>() {
            *slot = Box::new(T::default());
        }
        slot.downcast_mut()
            .expect("a table is stored under its own type")
    }
}

/// Takes back one change.
type Undo = Box<dyn FnOnce(&mut Tables) + Send>;

/// A write in progress: the tables it changes, and how to undo what it changed so far.
pub(crate) struct Transaction {
    tables: Tables,
    undo: Vec<Undo>,
}

impl Transaction {
    /// A write starting on `tables`.
    pub(super) fn new(tables: Tables) -> Self {
        Self {
            tables,
            undo: Vec::new(),
        }
    }

    /// The tables after the write: with its changes if `keep`, else as they were before it.
    pub(super) fn finish(self, keep: bool) -> Tables {
        let Self { mut tables, undo } = self;
        if !keep {
            for step in undo.into_iter().rev() {
                step(&mut tables);
            }
        }
        tables
    }
}

/// What a read (the tables as they are) or a write (its transaction) is given.
#[derive(Clone, Copy)]
pub(crate) enum Access<'a> {
    /// A read.
    Read(&'a Tables),
    /// A write.
    Write(&'a RefCell<Transaction>),
}

impl Access<'_> {
    /// Reads table `T` (empty when nothing was ever stored in it).
    pub(crate) fn read<T: Table, R>(&self, read: impl FnOnce(&T) -> R) -> R {
        match self {
            Access::Read(tables) => read_table(tables, read),
            Access::Write(transaction) => read_table(&transaction.borrow().tables, read),
        }
    }

    /// Changes table `T`; the change is taken back if the write is not kept. A read cannot change
    /// anything (SQLite's read-only connections refuse the same way).
    pub(crate) fn change<T: Table>(&self, change: T::Change) -> rusqlite::Result<()> {
        let Access::Write(transaction) = self else {
            return Err(rusqlite::Error::InvalidQuery);
        };
        let mut transaction = transaction.borrow_mut();
        let inverse = transaction.tables.get_mut::<T>().apply(change);
        transaction.undo.push(Box::new(move |tables: &mut Tables| {
            tables.get_mut::<T>().apply(inverse);
        }));
        Ok(())
    }

    /// Empties every table (a reset); taken back like any change.
    pub(crate) fn clear(&self) -> rusqlite::Result<()> {
        let Access::Write(transaction) = self else {
            return Err(rusqlite::Error::InvalidQuery);
        };
        let mut transaction = transaction.borrow_mut();
        let old = std::mem::take(&mut transaction.tables);
        transaction
            .undo
            .push(Box::new(move |tables: &mut Tables| *tables = old));
        Ok(())
    }
}

fn read_table<T: Table, R>(tables: &Tables, read: impl FnOnce(&T) -> R) -> R {
    match tables.get::<T>() {
        Some(table) => read(table),
        None => read(&T::default()),
    }
}
