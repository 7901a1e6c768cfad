//! The writer thread, the one place writes run. It runs every write waiting at that moment in one
//! transaction, each in its own savepoint (a write that fails rolls back alone), commits once, and
//! only then answers each caller: a write is acknowledged only after its transaction committed,
//! and a failed commit leaves nothing applied. A write carrying an injected commit fault gets a
//! transaction of its own, so the fault fails that write only (faults are per vendor; the
//! transaction is not).

use std::panic::{self, AssertUnwindSafe};
use std::sync::Arc;
use std::sync::mpsc::{self, Receiver, Sender};
use std::thread::JoinHandle;

use parking_lot::Mutex;
use rusqlite::Connection;
use tokio::sync::oneshot;

use super::error::StoreError;
use super::file::Wal;

/// A connection shared between threads (in memory, the writer's is also the readers').
pub(super) type Shared = Arc<Mutex<Connection>>;

/// Writes run in one transaction at most (they queue while the previous commit syncs).
const MAX_BATCH: usize = 256;

/// Starts the writer thread on `connection`; with a state file, it keeps the `wal` bounded.
pub(super) fn spawn(
    connection: Shared,
    wal: Option<Wal>,
) -> Result<(JobQueue, JoinHandle<()>), StoreError> {
    let (jobs, queue) = mpsc::channel::<Box<dyn Job>>();
    let thread = std::thread::Builder::new()
        .name("sandbox-writer".to_string())
        .spawn(move || run_writer(connection, queue, wal))
        .map_err(|error| StoreError::Sqlite(format!("cannot start the writer: {error}")))?;
    Ok((jobs, thread))
}

fn run_writer(connection: Shared, queue: Receiver<Box<dyn Job>>, wal: Option<Wal>) {
    while let Ok(first) = queue.recv() {
        let mut batch = vec![first];
        batch.extend(queue.try_iter().take(MAX_BATCH - 1));
        let connection = connection.lock();
        run_jobs(&connection, batch);
        if let Some(wal) = &wal {
            wal.bound(&connection);
        }
    }
}

/// Runs queued writes in their order, those in a row in one transaction, except that a write
/// carrying an injected commit fault runs in a transaction of its own: the fault is meant for one
/// vendor's write, and must not fail the others' writes that happen to be queued beside it.
fn run_jobs(connection: &Connection, jobs: Vec<Box<dyn Job>>) {
    let mut batch = Vec::with_capacity(jobs.len());
    for job in jobs {
        if job.fails_commit() {
            run_batch(connection, std::mem::take(&mut batch), false);
            run_batch(connection, vec![job], true);
        } else {
            batch.push(job);
        }
    }
    run_batch(connection, batch, false);
}

/// Runs `batch` (if any) in one transaction and answers each write; `fail_commit` turns its
/// commit into a failure (a storage fault).
fn run_batch(connection: &Connection, mut batch: Vec<Box<dyn Job>>, fail_commit: bool) {
    if batch.is_empty() {
        return;
    }
    let outcome = run_in_transaction(connection, &mut batch, fail_commit).map_err(|error| {
        if !connection.is_autocommit() {
            let _ = connection.execute_batch("ROLLBACK");
        }
        tracing::error!(%error, writes = batch.len(), "a state transaction did not commit");
        // An injected fault fails the commit through the commit hook, whose error would only say
        // "constraint failed".
        if fail_commit {
            "an injected storage fault failed the commit".to_string()
        } else {
            error.to_string()
        }
    });
    for job in batch {
        job.finish(outcome.clone().map_err(StoreError::NotCommitted));
    }
}

fn run_in_transaction(
    connection: &Connection,
    batch: &mut [Box<dyn Job>],
    fail_commit: bool,
) -> rusqlite::Result<()> {
    connection.execute_batch("BEGIN IMMEDIATE")?;
    for job in batch.iter_mut() {
        connection.execute_batch("SAVEPOINT write")?;
        let keep = job.run(connection);
        if connection.is_autocommit() {
            // SQLite aborted the whole transaction (an I/O error, a full disk).
            return Err(rusqlite::Error::SqliteFailure(
                rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_ABORT),
                Some("the transaction was rolled back by SQLite".to_string()),
            ));
        }
        if keep {
            connection.execute_batch("RELEASE write")?;
        } else {
            connection.execute_batch("ROLLBACK TO write; RELEASE write")?;
        }
    }
    if !fail_commit {
        return connection.execute_batch("COMMIT");
    }
    // A storage fault: the commit hook turns this commit into a rollback, so the failure takes
    // SQLite's own path (SQLITE_CONSTRAINT_COMMITHOOK), as a failed sync would.
    let _ = connection.commit_hook(Some(|| true));
    let committed = connection.execute_batch("COMMIT");
    let _ = connection.commit_hook(None::<fn() -> bool>);
    committed
}

/// Where writes are queued for the writer thread.
pub(super) type JobQueue = Sender<Box<dyn Job>>;

/// One queued write, type-erased for the writer thread.
pub(super) trait Job: Send {
    /// Whether an injected storage fault must fail this write's commit.
    fn fails_commit(&self) -> bool;
    /// Runs the write inside the open transaction; whether to keep its changes.
    fn run(&mut self, connection: &Connection) -> bool;
    /// Answers the caller once the transaction's fate is known.
    fn finish(self: Box<Self>, commit: Result<(), StoreError>);
}

pub(super) type Answer<T, E> = Result<Result<T, E>, StoreError>;

struct TypedJob<F, T, E> {
    work: Option<F>,
    outcome: Option<rusqlite::Result<Result<T, E>>>,
    reply: oneshot::Sender<Answer<T, E>>,
    fail_commit: bool,
}

/// `work` as a job for the writer thread, and where its answer will come.
pub(super) fn job<F, T, E>(
    fail_commit: bool,
    work: F,
) -> (Box<dyn Job>, oneshot::Receiver<Answer<T, E>>)
where
    F: FnOnce(&Connection) -> rusqlite::Result<Result<T, E>> + Send + 'static,
    T: Send + 'static,
    E: Send + 'static,
{
    let (reply, answer) = oneshot::channel();
    let job = TypedJob {
        work: Some(work),
        outcome: None,
        reply,
        fail_commit,
    };
    (Box::new(job), answer)
}

impl<F, T, E> Job for TypedJob<F, T, E>
where
    F: FnOnce(&Connection) -> rusqlite::Result<Result<T, E>> + Send,
    T: Send,
    E: Send,
{
    fn fails_commit(&self) -> bool {
        self.fail_commit
    }

    fn run(&mut self, connection: &Connection) -> bool {
        let Some(work) = self.work.take() else {
            return false;
        };
        // A write that panics is rolled back like a refused one (its caller gets an error), so
        // no reader sees what it left and the writer goes on with the others.
        let Ok(outcome) = panic::catch_unwind(AssertUnwindSafe(|| work(connection))) else {
            return false;
        };
        let keep = matches!(outcome, Ok(Ok(_)));
        self.outcome = Some(outcome);
        keep
    }

    fn finish(self: Box<Self>, commit: Result<(), StoreError>) {
        let answer = match (self.outcome, commit) {
            (Some(Err(error)), _) => Err(StoreError::Sqlite(error.to_string())),
            (_, Err(error)) => Err(error),
            (Some(Ok(value)), Ok(())) => Ok(value),
            (None, Ok(())) => Err(StoreError::NotCommitted("the write panicked".to_string())),
        };
        let _ = self.reply.send(answer);
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use rusqlite::params;

    use super::*;
    use crate::store::{Layout, Store};

    const SCHEMA: &str = "CREATE TABLE writes (vendor TEXT PRIMARY KEY) WITHOUT ROWID;";

    fn no_start_records(_: &Connection) -> rusqlite::Result<Result<(), String>> {
        Ok(Ok(()))
    }

    fn open(path: Option<&Path>) -> Store {
        let layout = Layout {
            schemas: &[SCHEMA],
            fill: &no_start_records,
        };
        Store::open(path, &layout, 64 << 20).unwrap()
    }

    fn insert(db: &Connection, vendor: &str) -> rusqlite::Result<Result<(), ()>> {
        db.execute("INSERT INTO writes (vendor) VALUES (?1)", params![vendor])
            .map(|_| Ok(()))
    }

    /// The vendors of the rows a reader sees, in order.
    fn written(store: &Store) -> Vec<String> {
        store
            .read(|db| {
                db.prepare("SELECT vendor FROM writes ORDER BY vendor")?
                    .query_map([], |row| row.get(0))?
                    .collect()
            })
            .unwrap()
    }

    #[tokio::test]
    async fn a_commit_fault_fails_only_its_own_write_and_not_the_writes_queued_beside_it() {
        let dir = std::env::temp_dir().join(format!("vendor-sandbox-store-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("state.db");
        let store = open(Some(&path));
        // The writer is held inside a first write, so that the next two (an Attestr write with an
        // injected commit fault, a Trust write) are queued together and reach it as one batch.
        let (started, writer_busy) = mpsc::channel::<()>();
        let (release, released) = mpsc::channel::<()>();
        let first = store
            .queue(false, move |db| {
                let _ = started.send(());
                let _ = released.recv();
                insert(db, "first")
            })
            .unwrap();
        writer_busy.recv().unwrap();
        let attestr = store.queue(true, |db| insert(db, "attestr")).unwrap();
        let trust = store.queue(false, |db| insert(db, "trust")).unwrap();
        release.send(()).unwrap();
        assert!(matches!(first.await.unwrap(), Ok(Ok(()))));
        let attestr = attestr.await.unwrap();
        assert!(
            matches!(attestr, Err(StoreError::NotCommitted(_))),
            "{attestr:?}"
        );
        let trust = trust.await.unwrap();
        assert!(matches!(trust, Ok(Ok(()))), "{trust:?}");
        store.close();

        let reopened = open(Some(&path));
        assert_eq!(
            written(&reopened),
            ["first", "trust"],
            "the acknowledged writes are durable"
        );
        reopened.close();
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[tokio::test]
    async fn a_write_that_panics_is_rolled_back_alone_and_the_writer_goes_on() {
        // In memory, reads share the writer's connection: they must not see what the panicking
        // write left.
        let store = open(None);
        let panicked = store
            .write::<(), ()>(false, |db| {
                insert(db, "panicked")?.ok();
                panic!("a write panics");
            })
            .await;
        assert!(
            matches!(panicked, Err(StoreError::NotCommitted(_))),
            "{panicked:?}"
        );
        let after = store.write(false, |db| insert(db, "after")).await;
        assert!(matches!(after, Ok(Ok(()))), "{after:?}");
        assert_eq!(written(&store), ["after"]);
        store.close();
    }
}
