//! The state in a SQLite file (`--state`; WAL, `synchronous=FULL`): opens the database,
//! serializes writes, hands out readers and keeps the WAL bounded.
//!
//! Writes go to one writer thread. It runs every write waiting at that moment in one transaction,
//! each in its own savepoint (a write that fails rolls back alone), commits once, and only then
//! answers each caller: a write is acknowledged only after its transaction committed, and a failed
//! commit leaves nothing applied. A write carrying an injected commit fault gets a transaction of
//! its own, so the fault fails that write only (faults are per vendor; the transaction is not).
//! Reads use a small pool of read-only connections that see committed data only.
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
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::{Mutex, RwLock};
use std::thread::JoinHandle;

use fs4::{FileExt, TryLockError};
use rusqlite::{Connection, OpenFlags, OptionalExtension, params};
use tokio::sync::oneshot;

use super::error::StoreError;
use super::{Layout, STATE_FORMAT, create, tune};
use crate::locks::{self, lock};

/// Writes run in one transaction at most (they queue while the previous commit syncs).
const MAX_BATCH: usize = 256;
/// Read connections on a state file.
const READERS: usize = 4;
/// How much of the file each connection maps into memory.
const MMAP_BYTES: i64 = 1 << 30;

/// The open state file.
pub(crate) struct FileStore {
    jobs: Mutex<Option<JobQueue>>,
    writer: Mutex<Option<JoinHandle<()>>>,
    /// Read-only connections, used round-robin; `None` once closed.
    readers: RwLock<Option<Readers>>,
    /// An exclusive lock on the state file, held while the sandbox runs (a second process is
    /// refused). Released after the connections are closed (see [`FileStore::close`]).
    lock: Mutex<Option<File>>,
}

struct Readers {
    connections: Vec<Mutex<Connection>>,
    next: AtomicUsize,
}

impl FileStore {
    /// Opens the SQLite file at `path`, created and filled with the start state when missing or
    /// empty.
    pub(crate) fn open(
        path: &Path,
        layout: &Layout<'_>,
        wal_limit_bytes: u64,
    ) -> Result<Self, StoreError> {
        open_file(path, layout, wal_limit_bytes)
    }

    /// Runs a read on a connection that sees committed data only. Reads are short: they run on
    /// the caller's thread.
    pub(crate) fn read<R>(
        &self,
        read: impl FnOnce(&Connection) -> rusqlite::Result<R>,
    ) -> Result<R, StoreError> {
        let readers = locks::read(&self.readers);
        let Readers { connections, next } = readers.as_ref().ok_or(StoreError::Closed)?;
        let start = next.fetch_add(1, Ordering::Relaxed);
        // Take the first idle connection, else wait for the one whose turn it is.
        for offset in 0..connections.len() {
            let index = (start + offset) % connections.len();
            if let Ok(connection) = connections[index].try_lock() {
                return Ok(read(&connection)?);
            }
        }
        Ok(read(&lock(&connections[start % connections.len()]))?)
    }

    /// Runs `work` in the writer's transaction and answers once that transaction committed.
    /// `work` returns `Ok(Ok(_))` to keep its changes, `Ok(Err(_))` for a refusal (its changes are
    /// rolled back, the refusal is returned) and `Err(_)` when SQLite failed. `fail_commit` makes
    /// the commit fail (a storage fault): then nothing of this write is applied, and the writes
    /// queued beside it commit without it.
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

    /// Queues a write for the writer thread now (see [`FileStore::write`]); the receiver gets its
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
        let (reply, answer) = oneshot::channel();
        let job = Box::new(TypedJob {
            work: Some(work),
            outcome: None,
            reply,
            fail_commit,
        });
        let sent = lock(&self.jobs)
            .as_ref()
            .is_some_and(|jobs| jobs.send(job).is_ok());
        if sent {
            Ok(answer)
        } else {
            Err(StoreError::Closed)
        }
    }

    /// Stops the writer after the writes already queued, closes every connection, then releases
    /// the state file. Later reads and writes fail with [`StoreError::Closed`].
    pub(crate) fn close(&self) {
        lock(&self.jobs).take();
        if let Some(writer) = lock(&self.writer).take() {
            let _ = writer.join();
        }
        locks::write(&self.readers).take();
        // The connections are closed before the file lock goes: closing a descriptor of the
        // database file while SQLite still had it open could drop SQLite's own locks with it.
        if let Some(file) = lock(&self.lock).take() {
            let _ = FileExt::unlock(&file);
        }
    }
}

impl Drop for FileStore {
    fn drop(&mut self) {
        self.close();
    }
}

fn open_file(
    path: &Path,
    layout: &Layout<'_>,
    wal_limit_bytes: u64,
) -> Result<FileStore, StoreError> {
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
    let writer = Connection::open(path).map_err(|error| unusable(error.to_string()))?;
    prepare_writer(&writer).map_err(|error| unusable(error.to_string()))?;
    let format: Option<i64> = match table_exists(&writer, "meta")? {
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
        None if has_tables(&writer)? => {
            return Err(unusable(
                "a SQLite database, but not a vendor-sandbox state".to_string(),
            ));
        }
        None => create(&writer, layout)
            .map_err(&unusable)?
            .map_err(StoreError::StartRefused)?,
    }
    let mut connections = Vec::with_capacity(READERS);
    for _ in 0..READERS {
        let reader = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        reader.busy_timeout(std::time::Duration::from_secs(5))?;
        tune(&reader)?;
        map(&reader)?;
        // Readers never write: SQLite refuses any statement that would.
        reader.pragma_update(None, "query_only", true)?;
        connections.push(Mutex::new(reader));
    }
    let wal = Wal {
        path: PathBuf::from(format!("{}-wal", path.display())),
        truncate_above: wal_limit_bytes / 4,
    };
    // Creating a state writes the whole seed into the WAL in one transaction: empty it now
    // rather than after the first write.
    wal.bound(&writer);
    let (jobs, thread) = spawn_writer(writer, wal)?;
    Ok(FileStore {
        jobs: Mutex::new(Some(jobs)),
        writer: Mutex::new(Some(thread)),
        readers: RwLock::new(Some(Readers {
            connections,
            next: AtomicUsize::new(0),
        })),
        lock: Mutex::new(Some(lock_file)),
    })
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
    connection.busy_timeout(std::time::Duration::from_secs(5))?;
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

fn table_exists(connection: &Connection, name: &str) -> Result<bool, StoreError> {
    Ok(connection
        .query_row(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?1",
            params![name],
            |_| Ok(()),
        )
        .optional()?
        .is_some())
}

fn has_tables(connection: &Connection) -> Result<bool, StoreError> {
    Ok(
        connection.query_row("SELECT count(*) FROM sqlite_master", [], |row| {
            row.get::<_, i64>(0)
        })? > 0,
    )
}

fn spawn_writer(
    connection: Connection,
    wal: Wal,
) -> Result<(JobQueue, JoinHandle<()>), StoreError> {
    let (jobs, queue) = mpsc::channel::<Box<dyn Job>>();
    let thread = std::thread::Builder::new()
        .name("sandbox-writer".to_string())
        .spawn(move || run_writer(connection, queue, wal))
        .map_err(|error| StoreError::Sqlite(format!("cannot start the writer: {error}")))?;
    Ok((jobs, thread))
}

fn run_writer(connection: Connection, queue: Receiver<Box<dyn Job>>, wal: Wal) {
    while let Ok(first) = queue.recv() {
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match queue.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        run_jobs(&connection, batch);
        wal.bound(&connection);
    }
}

/// The WAL file and the size past which the writer truncates it.
struct Wal {
    path: PathBuf,
    truncate_above: u64,
}

impl Wal {
    /// Checkpoints and empties the WAL once it is past `truncate_above` (run between
    /// transactions). A checkpoint that cannot finish (a reader held an old snapshot for longer
    /// than the busy timeout) is tried again after the next transaction.
    fn bound(&self, connection: &Connection) {
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

/// Runs queued writes in their order, those in a row in one transaction, except that a write
/// carrying an injected commit fault runs in a transaction of its own: the fault is meant for one
/// vendor's write, and must not fail the others' writes that happen to be queued beside it.
fn run_jobs(connection: &Connection, jobs: Vec<Box<dyn Job>>) {
    let mut batch = Vec::with_capacity(jobs.len());
    for job in jobs {
        if job.fails_commit() {
            if !batch.is_empty() {
                run_batch(connection, std::mem::take(&mut batch), false);
            }
            run_batch(connection, vec![job], true);
        } else {
            batch.push(job);
        }
    }
    if !batch.is_empty() {
        run_batch(connection, batch, false);
    }
}

/// Runs `batch` in one transaction and answers each write; `fail_commit` turns its commit into a
/// failure (a storage fault).
fn run_batch(connection: &Connection, mut batch: Vec<Box<dyn Job>>, fail_commit: bool) {
    let outcome = run_in_transaction(connection, &mut batch, fail_commit);
    if outcome.is_err() && !connection.is_autocommit() {
        let _ = connection.execute_batch("ROLLBACK");
    }
    let outcome = outcome.map_err(|error| StoreError::NotCommitted(error.to_string()));
    if let Err(error) = &outcome {
        tracing::error!(%error, writes = batch.len(), "a state transaction did not commit");
    }
    for job in batch {
        job.finish(match &outcome {
            Ok(()) => Ok(()),
            Err(error) => Err(StoreError::NotCommitted(error.to_string())),
        });
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
type JobQueue = Sender<Box<dyn Job>>;

/// One queued write, type-erased for the writer thread.
trait Job: Send {
    /// Whether an injected storage fault must fail this write's commit.
    fn fails_commit(&self) -> bool;
    /// Runs the write inside the open transaction; whether to keep its changes.
    fn run(&mut self, connection: &Connection) -> bool;
    /// Answers the caller once the transaction's fate is known.
    fn finish(self: Box<Self>, commit: Result<(), StoreError>);
}

type Answer<T, E> = Result<Result<T, E>, StoreError>;

struct TypedJob<F, T, E> {
    work: Option<F>,
    outcome: Option<rusqlite::Result<Result<T, E>>>,
    reply: oneshot::Sender<Answer<T, E>>,
    fail_commit: bool,
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
        let outcome = work(connection);
        let keep = matches!(outcome, Ok(Ok(_)));
        self.outcome = Some(outcome);
        keep
    }

    fn finish(self: Box<Self>, commit: Result<(), StoreError>) {
        let answer = match (self.outcome, commit) {
            (Some(Err(error)), _) => Err(StoreError::Sqlite(error.to_string())),
            (_, Err(error)) => Err(error),
            (Some(Ok(value)), Ok(())) => Ok(value),
            (None, Ok(())) => Err(StoreError::NotCommitted(
                "the write did not run".to_string(),
            )),
        };
        let _ = self.reply.send(answer);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SCHEMA: &str = "CREATE TABLE writes (vendor TEXT PRIMARY KEY) WITHOUT ROWID;";

    fn no_start_records(_: &Connection) -> rusqlite::Result<Result<(), String>> {
        Ok(Ok(()))
    }

    fn open(path: &Path) -> FileStore {
        let layout = Layout {
            schemas: &[SCHEMA],
            fill: &no_start_records,
        };
        FileStore::open(path, &layout, 64 << 20).unwrap()
    }

    fn insert(db: &Connection, vendor: &str) -> rusqlite::Result<Result<(), ()>> {
        db.execute("INSERT INTO writes (vendor) VALUES (?1)", params![vendor])
            .map(|_| Ok(()))
    }

    #[tokio::test]
    async fn a_commit_fault_fails_only_its_own_write_and_not_the_writes_queued_beside_it() {
        let dir = std::env::temp_dir().join(format!("vendor-sandbox-store-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("state.db");
        let store = open(&path);
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

        let reopened = open(&path);
        let written: Vec<String> = reopened
            .read(|db| {
                db.prepare("SELECT vendor FROM writes ORDER BY vendor")?
                    .query_map([], |row| row.get(0))?
                    .collect()
            })
            .unwrap();
        assert_eq!(
            written,
            ["first", "trust"],
            "the acknowledged writes are durable"
        );
        reopened.close();
        std::fs::remove_dir_all(dir).unwrap();
    }
}
