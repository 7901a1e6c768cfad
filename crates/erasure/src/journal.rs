//! The journal: one SQLite file (WAL, `synchronous=FULL`) that holds the plan, every step's state
//! and outcome, and the salt of the receipts' hashed ids. It is what makes a run resumable.
//!
//! A step is marked in flight, and that is committed, before its request is sent; its outcome or
//! problem is committed after the answer. So after a crash a step is either finished (never sent
//! again), never sent, or in flight: sent again, and a not-found answer then reads as
//! "deleted or already absent". One writer thread commits what all steps hand it in one
//! transaction at a time ([`Writer`]), so the fsync of a commit is shared by the steps that
//! arrived while the previous one ran.
//!
//! The journal holds the raw vendor ids (a run needs them to resume, and `report --reveal` shows
//! them): it is created with mode 0600, and an existing one is narrowed to 0600 when opened.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::{SystemTime, UNIX_EPOCH};

use rusqlite::{Connection, OpenFlags, TransactionBehavior, params};
use tokio::sync::oneshot;

use crate::outcome::{Outcome, Problem, ProblemKind};
use crate::subjects::Subject;
use crate::vendor::Vendor;

/// Marks a SQLite file as a `vendor-erase` journal (`PRAGMA application_id`, "VERA").
const APPLICATION_ID: i32 = 0x5645_5241;
/// The layout version (`PRAGMA user_version`).
const SCHEMA_VERSION: i32 = 1;
/// The most writes one commit takes.
const MAX_BATCH: usize = 1024;
/// Bytes of the hashing salt.
pub const SALT_BYTES: usize = 32;

const SCHEMA: &str = "
CREATE TABLE meta (key TEXT PRIMARY KEY, value ANY NOT NULL) STRICT;
CREATE TABLE subjects (
    id INTEGER PRIMARY KEY,
    reference TEXT NOT NULL UNIQUE,
    line INTEGER NOT NULL
) STRICT;
CREATE TABLE steps (
    id INTEGER PRIMARY KEY,
    subject_id INTEGER NOT NULL REFERENCES subjects(id),
    vendor TEXT NOT NULL,
    vendor_id TEXT NOT NULL,
    followed_from INTEGER REFERENCES steps(id),
    state TEXT NOT NULL DEFAULT 'pending',
    sends INTEGER NOT NULL DEFAULT 0,
    unsettled INTEGER NOT NULL DEFAULT 0,
    attempts INTEGER NOT NULL DEFAULT 0,
    outcome TEXT,
    merged_into TEXT,
    problem_kind TEXT,
    problem TEXT,
    status INTEGER,
    request_id TEXT,
    started_at INTEGER,
    finished_at INTEGER,
    UNIQUE (subject_id, vendor, vendor_id)
) STRICT;
";

/// What can go wrong with a journal.
#[derive(Debug, thiserror::Error)]
pub enum JournalError {
    /// SQLite failed.
    #[error("journal {path}: {source}")]
    Sqlite {
        /// The journal file.
        path: String,
        /// What SQLite said.
        source: rusqlite::Error,
    },
    /// The file system failed.
    #[error("journal {path}: {source}")]
    Io {
        /// The journal file.
        path: String,
        /// What the system said.
        source: std::io::Error,
    },
    /// The file is not a journal of this tool, or of another layout version.
    #[error("{path} is not a vendor-erase journal ({reason})")]
    NotAJournal {
        /// The file.
        path: String,
        /// What gave it away.
        reason: String,
    },
    /// The journal was started from other subjects than the ones given now.
    #[error(
        "journal {path} was started from other subjects: {reason}. Give the subjects file it was started with, or a new journal"
    )]
    PlanMismatch {
        /// The journal file.
        path: String,
        /// The first difference found (line numbers, no values).
        reason: String,
    },
    /// A journal file that `report` or `--dry-run` needs does not exist.
    #[error("journal {path} does not exist")]
    Missing {
        /// The file.
        path: String,
    },
    /// A write could not be committed; the run stops (what was committed stays).
    #[error("journal write failed: {0}")]
    Write(String),
    /// The journal holds a value this version cannot read.
    #[error("journal {path}: step {step}: {reason}")]
    Corrupt {
        /// The journal file.
        path: String,
        /// The step row.
        step: i64,
        /// What is wrong with it.
        reason: String,
    },
}

/// Where a step stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StepState {
    /// Never sent.
    Pending,
    /// Sent, and no answer recorded: a run was killed (or lost the journal) meanwhile.
    InFlight,
    /// A proven outcome is recorded; never sent again.
    Done,
    /// The last send ended in a problem; the next run sends it again.
    Failed,
}

impl StepState {
    fn name(self) -> &'static str {
        match self {
            StepState::Pending => "pending",
            StepState::InFlight => "in_flight",
            StepState::Done => "done",
            StepState::Failed => "failed",
        }
    }

    fn from_name(name: &str) -> Option<StepState> {
        [
            StepState::Pending,
            StepState::InFlight,
            StepState::Done,
            StepState::Failed,
        ]
        .into_iter()
        .find(|state| state.name() == name)
    }
}

/// A problem as the journal keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordedProblem {
    /// Its kind.
    pub kind: ProblemKind,
    /// The vendor crate's message.
    pub message: String,
}

/// One step as the journal has it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepRow {
    /// The step's row id.
    pub id: i64,
    /// The subject's row id.
    pub subject_id: i64,
    /// The subject's line in the subjects file.
    pub subject_line: u64,
    /// The vendor.
    pub vendor: Vendor,
    /// The raw vendor id.
    pub vendor_id: String,
    /// The merged step this one follows (`--follow-merges`), if any.
    pub followed_from: Option<i64>,
    /// Where it stands.
    pub state: StepState,
    /// Times a request was started for it, over all runs.
    pub sends: u32,
    /// Sends whose effect at the vendor is unknown (their answer was lost or proved nothing).
    pub unsettled: u32,
    /// HTTP requests, retries included, over all sends.
    pub attempts: u32,
    /// The proven outcome, once there is one.
    pub outcome: Option<Outcome>,
    /// The last problem, while there is no outcome.
    pub problem: Option<RecordedProblem>,
    /// The last HTTP status.
    pub status: Option<u16>,
    /// The last vendor request id that came.
    pub request_id: Option<String>,
    /// When the last send started (Unix milliseconds).
    pub started_at: Option<i64>,
    /// When the last send ended (Unix milliseconds).
    pub finished_at: Option<i64>,
}

impl StepRow {
    /// A step never sent, as a new row holds it.
    pub fn pending(
        id: i64,
        subject: (i64, u64),
        vendor: Vendor,
        vendor_id: String,
        followed_from: Option<i64>,
    ) -> StepRow {
        StepRow {
            id,
            subject_id: subject.0,
            subject_line: subject.1,
            vendor,
            vendor_id,
            followed_from,
            state: StepState::Pending,
            sends: 0,
            unsettled: 0,
            attempts: 0,
            outcome: None,
            problem: None,
            status: None,
            request_id: None,
            started_at: None,
            finished_at: None,
        }
    }
}

/// One subject as the journal has it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubjectRow {
    /// The row id.
    pub id: i64,
    /// The caller's reference.
    pub reference: String,
    /// The line in the subjects file.
    pub line: u64,
}

/// An open journal, for reading, or for a run before its [`Writer`] starts.
pub struct Journal {
    conn: Connection,
    path: PathBuf,
}

impl std::fmt::Debug for Journal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Journal")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

/// The current time in Unix milliseconds.
pub fn now_millis() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_millis() as i64)
}

impl Journal {
    /// Opens the journal for a run of `subjects`: creates it (mode 0600, with a new salt) when
    /// the file does not exist, and otherwise checks that it was started from the same subjects.
    pub fn open_for_run(path: &Path, subjects: &[Subject]) -> Result<Journal, JournalError> {
        let shown = path.display().to_string();
        let created = create_private_file(path)?;
        let conn = Connection::open(path).map_err(|source| sqlite(&shown, source))?;
        let mut journal = Journal {
            conn,
            path: path.to_path_buf(),
        };
        // A file this tool created whose first commit never happened is still new.
        if created || journal.is_blank()? {
            journal.configure()?;
            journal.initialize(subjects)?;
        } else {
            journal.check_identity()?;
            journal.configure()?;
            journal.check_subjects(subjects)?;
        }
        narrow_permissions(path)?;
        Ok(journal)
    }

    /// Opens an existing journal read-only (for `report` and `--dry-run`).
    pub fn open_read_only(path: &Path) -> Result<Journal, JournalError> {
        let shown = path.display().to_string();
        if !path.exists() {
            return Err(JournalError::Missing { path: shown });
        }
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(|source| sqlite(&shown, source))?;
        conn.busy_timeout(std::time::Duration::from_secs(10))
            .map_err(|source| sqlite(&shown, source))?;
        let journal = Journal {
            conn,
            path: path.to_path_buf(),
        };
        journal.check_identity()?;
        Ok(journal)
    }

    /// The journal file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn shown(&self) -> String {
        self.path.display().to_string()
    }

    /// Whether the file is an empty SQLite database (or empty altogether).
    fn is_blank(&self) -> Result<bool, JournalError> {
        let tables: Result<i64, _> =
            self.conn
                .query_row("SELECT count(*) FROM sqlite_master", [], |row| row.get(0));
        match tables {
            Ok(count) => Ok(count == 0),
            // Not a database at all: `check_identity` says so.
            Err(_) => Ok(false),
        }
    }

    fn configure(&self) -> Result<(), JournalError> {
        // WAL: readers (a report, a test watching a run) do not block the writer. FULL: every
        // commit is on disk before it returns, so "in flight" is never lost before a send.
        self.conn
            .execute_batch(
                "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;",
            )
            .map_err(|source| sqlite(&self.shown(), source))?;
        self.conn
            .busy_timeout(std::time::Duration::from_secs(10))
            .map_err(|source| sqlite(&self.shown(), source))
    }

    fn initialize(&mut self, subjects: &[Subject]) -> Result<(), JournalError> {
        let shown = self.shown();
        let mut salt = [0_u8; SALT_BYTES];
        getrandom::fill(&mut salt).map_err(|error| JournalError::Io {
            path: shown.clone(),
            source: std::io::Error::other(format!("no random salt: {error}")),
        })?;
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Exclusive)
            .map_err(|source| sqlite(&shown, source))?;
        let result = (|| {
            tx.execute_batch(SCHEMA)?;
            tx.execute_batch(&format!(
                "PRAGMA application_id = {APPLICATION_ID}; PRAGMA user_version = {SCHEMA_VERSION};"
            ))?;
            tx.execute(
                "INSERT INTO meta (key, value) VALUES ('salt', ?1), ('created_at', ?2), ('tool_version', ?3)",
                params![&salt[..], now_millis(), env!("CARGO_PKG_VERSION")],
            )?;
            {
                let mut insert_subject =
                    tx.prepare("INSERT INTO subjects (reference, line) VALUES (?1, ?2)")?;
                let mut insert_step = tx.prepare(
                    "INSERT INTO steps (subject_id, vendor, vendor_id) VALUES (?1, ?2, ?3)",
                )?;
                for subject in subjects {
                    insert_subject.execute(params![subject.reference, subject.line as i64])?;
                    let subject_id = tx.last_insert_rowid();
                    for (vendor, id) in &subject.ids {
                        insert_step.execute(params![subject_id, vendor.key(), id])?;
                    }
                }
            }
            Ok(())
        })();
        result.map_err(|source| sqlite(&shown, source))?;
        tx.commit().map_err(|source| sqlite(&shown, source))
    }

    fn check_identity(&self) -> Result<(), JournalError> {
        let not_a_journal = |reason: String| JournalError::NotAJournal {
            path: self.shown(),
            reason,
        };
        let application_id: i32 = self
            .conn
            .query_row("PRAGMA application_id", [], |row| row.get(0))
            .map_err(|error| not_a_journal(error.to_string()))?;
        if application_id != APPLICATION_ID {
            return Err(not_a_journal(
                "not a SQLite file made by vendor-erase".to_string(),
            ));
        }
        let version: i32 = self
            .conn
            .query_row("PRAGMA user_version", [], |row| row.get(0))
            .map_err(|error| not_a_journal(error.to_string()))?;
        if version != SCHEMA_VERSION {
            return Err(not_a_journal(format!(
                "layout version {version}; this tool reads version {SCHEMA_VERSION}"
            )));
        }
        Ok(())
    }

    /// Checks that the journal was started from `subjects` (same references, same vendor ids).
    pub fn check_subjects(&self, subjects: &[Subject]) -> Result<(), JournalError> {
        let mismatch = |reason: String| JournalError::PlanMismatch {
            path: self.shown(),
            reason,
        };
        let journal_subjects = self.subjects()?;
        let mut planned: BTreeMap<i64, BTreeSet<(Vendor, String)>> = BTreeMap::new();
        for step in self.steps()? {
            if step.followed_from.is_none() {
                planned
                    .entry(step.subject_id)
                    .or_default()
                    .insert((step.vendor, step.vendor_id));
            }
        }
        if journal_subjects.len() != subjects.len() {
            return Err(mismatch(format!(
                "it holds {} subjects, the file {}",
                journal_subjects.len(),
                subjects.len()
            )));
        }
        let by_reference: BTreeMap<&str, &SubjectRow> = journal_subjects
            .iter()
            .map(|row| (row.reference.as_str(), row))
            .collect();
        for subject in subjects {
            let Some(row) = by_reference.get(subject.reference.as_str()) else {
                return Err(mismatch(format!(
                    "the subject on line {} is not in it",
                    subject.line
                )));
            };
            let ids: BTreeSet<(Vendor, String)> = subject.ids.iter().cloned().collect();
            if planned.get(&row.id) != Some(&ids) {
                return Err(mismatch(format!(
                    "the subject on line {} has other vendor ids",
                    subject.line
                )));
            }
        }
        Ok(())
    }

    /// The salt of the receipts' hashed ids.
    pub fn salt(&self) -> Result<Vec<u8>, JournalError> {
        let salt: Vec<u8> = self
            .conn
            .query_row("SELECT value FROM meta WHERE key = 'salt'", [], |row| {
                row.get(0)
            })
            .map_err(|source| sqlite(&self.shown(), source))?;
        if salt.len() != SALT_BYTES {
            return Err(JournalError::NotAJournal {
                path: self.shown(),
                reason: "its salt is damaged".to_string(),
            });
        }
        Ok(salt)
    }

    /// When the journal was created (Unix milliseconds).
    pub fn created_at(&self) -> Result<i64, JournalError> {
        self.conn
            .query_row(
                "SELECT value FROM meta WHERE key = 'created_at'",
                [],
                |row| row.get(0),
            )
            .map_err(|source| sqlite(&self.shown(), source))
    }

    /// Every subject, in file order.
    pub fn subjects(&self) -> Result<Vec<SubjectRow>, JournalError> {
        let shown = self.shown();
        let mut statement = self
            .conn
            .prepare("SELECT id, reference, line FROM subjects ORDER BY line, id")
            .map_err(|source| sqlite(&shown, source))?;
        let rows = statement
            .query_map([], |row| {
                Ok(SubjectRow {
                    id: row.get(0)?,
                    reference: row.get(1)?,
                    line: row.get::<_, i64>(2)? as u64,
                })
            })
            .map_err(|source| sqlite(&shown, source))?;
        rows.collect::<Result<_, _>>()
            .map_err(|source| sqlite(&shown, source))
    }

    /// Every step, by subject and then in the order they were planned.
    pub fn steps(&self) -> Result<Vec<StepRow>, JournalError> {
        let shown = self.shown();
        let mut statement = self
            .conn
            .prepare(
                "SELECT s.id, s.subject_id, j.line, s.vendor, s.vendor_id, s.followed_from, s.state,
                        s.sends, s.unsettled, s.attempts, s.outcome, s.merged_into, s.problem_kind,
                        s.problem, s.status, s.request_id, s.started_at, s.finished_at
                 FROM steps s JOIN subjects j ON j.id = s.subject_id
                 ORDER BY j.line, j.id, s.id",
            )
            .map_err(|source| sqlite(&shown, source))?;
        let raw = statement
            .query_map([], |row| {
                Ok(RawStep {
                    id: row.get(0)?,
                    subject_id: row.get(1)?,
                    subject_line: row.get(2)?,
                    vendor: row.get(3)?,
                    vendor_id: row.get(4)?,
                    followed_from: row.get(5)?,
                    state: row.get(6)?,
                    sends: row.get(7)?,
                    unsettled: row.get(8)?,
                    attempts: row.get(9)?,
                    outcome: row.get(10)?,
                    merged_into: row.get(11)?,
                    problem_kind: row.get(12)?,
                    problem: row.get(13)?,
                    status: row.get(14)?,
                    request_id: row.get(15)?,
                    started_at: row.get(16)?,
                    finished_at: row.get(17)?,
                })
            })
            .map_err(|source| sqlite(&shown, source))?;
        let mut steps = Vec::new();
        for row in raw {
            let row = row.map_err(|source| sqlite(&shown, source))?;
            steps.push(row.into_step(&shown)?);
        }
        Ok(steps)
    }

    /// Starts the writer thread that commits a run's writes; the journal is the writer's until
    /// [`Writer::close`].
    pub fn into_writer(self) -> Writer {
        let (sender, receiver) = mpsc::channel::<Job>();
        let path = self.shown();
        let conn = self.conn;
        let thread = std::thread::Builder::new()
            .name("journal-writer".to_string())
            .spawn(move || write_loop(conn, &path, &receiver))
            .ok();
        Writer {
            sender: thread.is_some().then_some(sender),
            thread,
        }
    }
}

/// A step row as SQLite returns it.
struct RawStep {
    id: i64,
    subject_id: i64,
    subject_line: i64,
    vendor: String,
    vendor_id: String,
    followed_from: Option<i64>,
    state: String,
    sends: i64,
    unsettled: i64,
    attempts: i64,
    outcome: Option<String>,
    merged_into: Option<String>,
    problem_kind: Option<String>,
    problem: Option<String>,
    status: Option<i64>,
    request_id: Option<String>,
    started_at: Option<i64>,
    finished_at: Option<i64>,
}

impl RawStep {
    fn into_step(self, path: &str) -> Result<StepRow, JournalError> {
        let corrupt = |reason: String| JournalError::Corrupt {
            path: path.to_string(),
            step: self.id,
            reason,
        };
        let vendor = Vendor::from_key(&self.vendor)
            .ok_or_else(|| corrupt(format!("unknown vendor `{}`", self.vendor)))?;
        let state = StepState::from_name(&self.state)
            .ok_or_else(|| corrupt(format!("unknown state `{}`", self.state)))?;
        let outcome = match &self.outcome {
            Some(name) => Some(
                Outcome::from_name(name, self.merged_into.clone())
                    .ok_or_else(|| corrupt(format!("unknown outcome `{name}`")))?,
            ),
            None => None,
        };
        if (state == StepState::Done) != outcome.is_some() {
            return Err(corrupt("a finished step without an outcome".to_string()));
        }
        let problem = match (&self.problem_kind, &self.problem) {
            (Some(kind), message) => Some(RecordedProblem {
                kind: ProblemKind::from_name(kind)
                    .ok_or_else(|| corrupt(format!("unknown problem `{kind}`")))?,
                message: message.clone().unwrap_or_default(),
            }),
            (None, _) => None,
        };
        let count = |value: i64| u32::try_from(value).unwrap_or(u32::MAX);
        Ok(StepRow {
            id: self.id,
            subject_id: self.subject_id,
            subject_line: self.subject_line as u64,
            vendor,
            vendor_id: self.vendor_id,
            followed_from: self.followed_from,
            state,
            sends: count(self.sends),
            unsettled: count(self.unsettled),
            attempts: count(self.attempts),
            outcome,
            problem,
            status: self.status.and_then(|status| u16::try_from(status).ok()),
            request_id: self.request_id,
            started_at: self.started_at,
            finished_at: self.finished_at,
        })
    }
}

/// How one send ended, for [`Writer::finish`].
#[derive(Debug, Clone)]
pub struct Finish {
    /// The proven outcome, or the problem.
    pub result: Result<Outcome, Problem>,
    /// HTTP requests this send made (retries included).
    pub attempts: u32,
    /// The last status.
    pub status: Option<u16>,
    /// The last request id, if one came.
    pub request_id: Option<String>,
}

enum Write {
    Begin {
        step: i64,
    },
    Finish {
        step: i64,
        finish: Box<Finish>,
    },
    Follow {
        from: i64,
        subject_id: i64,
        into: String,
    },
    NotSent {
        step: i64,
        kind: ProblemKind,
        message: String,
    },
}

struct Job {
    write: Write,
    at: i64,
    done: oneshot::Sender<Result<(i64, bool), String>>,
}

/// Commits a run's writes from one thread, in batches: every write waits for the commit that
/// holds it, and shares its fsync with the writes that arrived meanwhile.
pub struct Writer {
    sender: Option<mpsc::Sender<Job>>,
    thread: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for Writer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Writer").finish_non_exhaustive()
    }
}

impl Writer {
    async fn submit(&self, write: Write) -> Result<(i64, bool), JournalError> {
        let (done, committed) = oneshot::channel();
        let job = Job {
            write,
            at: now_millis(),
            done,
        };
        self.sender
            .as_ref()
            .ok_or_else(|| JournalError::Write("the journal writer did not start".to_string()))?
            .send(job)
            .map_err(|_| JournalError::Write("the journal writer stopped".to_string()))?;
        committed
            .await
            .map_err(|_| JournalError::Write("the journal writer stopped".to_string()))?
            .map_err(JournalError::Write)
    }

    /// Marks the step in flight; returns once that is committed. Only then may it be sent.
    pub async fn begin(&self, step: i64) -> Result<(), JournalError> {
        self.submit(Write::Begin { step }).await.map(drop)
    }

    /// Records how a send ended; returns once that is committed.
    pub async fn finish(&self, step: i64, finish: Finish) -> Result<(), JournalError> {
        self.submit(Write::Finish {
            step,
            finish: Box::new(finish),
        })
        .await
        .map(drop)
    }

    /// Adds the step that deletes the identity a merged step named; returns its id, and whether
    /// it is new (the subject may have that step already).
    pub async fn follow(&self, from: &StepRow, into: &str) -> Result<(i64, bool), JournalError> {
        self.submit(Write::Follow {
            from: from.id,
            subject_id: from.subject_id,
            into: into.to_string(),
        })
        .await
    }

    /// Records why a step was not sent in this run (its vendor was halted); the next run sends
    /// it.
    pub async fn not_sent(
        &self,
        step: i64,
        kind: ProblemKind,
        message: &str,
    ) -> Result<(), JournalError> {
        self.submit(Write::NotSent {
            step,
            kind,
            message: message.to_string(),
        })
        .await
        .map(drop)
    }

    /// Stops the writer after the writes already handed to it.
    pub fn close(mut self) {
        self.sender.take();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Drop for Writer {
    fn drop(&mut self) {
        self.sender.take();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn write_loop(mut conn: Connection, path: &str, receiver: &mpsc::Receiver<Job>) {
    while let Ok(first) = receiver.recv() {
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match receiver.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        match commit(&mut conn, &batch) {
            Ok(ids) => {
                for (job, id) in batch.into_iter().zip(ids) {
                    let _ = job.done.send(Ok(id));
                }
            }
            Err(error) => {
                tracing::error!(journal = path, %error, "journal commit failed");
                for job in batch {
                    let _ = job.done.send(Err(error.to_string()));
                }
            }
        }
    }
}

/// Applies a batch in one transaction; returns each write's step id, and whether a row was added.
fn commit(conn: &mut Connection, batch: &[Job]) -> rusqlite::Result<Vec<(i64, bool)>> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let mut ids = Vec::with_capacity(batch.len());
    for job in batch {
        ids.push(apply(&tx, &job.write, job.at)?);
    }
    tx.commit()?;
    Ok(ids)
}

fn apply(tx: &rusqlite::Transaction<'_>, write: &Write, at: i64) -> rusqlite::Result<(i64, bool)> {
    let changed = match write {
        Write::Begin { step } => tx
            .prepare_cached(
                "UPDATE steps SET state = 'in_flight', sends = sends + 1, unsettled = unsettled + 1,
                 started_at = ?2 WHERE id = ?1 AND state != 'done'",
            )?
            .execute(params![step, at])?,
        Write::Finish { step, finish } => match &finish.result {
            Ok(outcome) => {
                let merged_into = match outcome {
                    Outcome::Merged { into } => Some(into.as_str()),
                    _ => None,
                };
                tx.prepare_cached(
                    "UPDATE steps SET state = 'done', outcome = ?2, merged_into = ?3,
                     problem_kind = NULL, problem = NULL, unsettled = 0,
                     attempts = attempts + ?4, status = ?5,
                     request_id = COALESCE(?6, request_id), finished_at = ?7
                     WHERE id = ?1 AND state = 'in_flight'",
                )?
                .execute(params![
                    step,
                    outcome.name(),
                    merged_into,
                    finish.attempts,
                    finish.status,
                    finish.request_id,
                    at
                ])?
            }
            Err(problem) => tx
                .prepare_cached(
                    "UPDATE steps SET state = 'failed', problem_kind = ?2, problem = ?3,
                     unsettled = unsettled - ?4, attempts = attempts + ?5, status = ?6,
                     request_id = COALESCE(?7, request_id), finished_at = ?8
                     WHERE id = ?1 AND state = 'in_flight'",
                )?
                .execute(params![
                    step,
                    problem.kind.name(),
                    problem.message,
                    i64::from(!problem.may_have_acted),
                    finish.attempts,
                    finish.status.or(problem.status),
                    finish.request_id,
                    at
                ])?,
        },
        Write::NotSent {
            step,
            kind,
            message,
        } => tx
            .prepare_cached(
                "UPDATE steps SET state = 'failed', problem_kind = ?2, problem = ?3,
                 finished_at = ?4 WHERE id = ?1 AND state != 'done'",
            )?
            .execute(params![step, kind.name(), message, at])?,
        Write::Follow {
            from,
            subject_id,
            into,
        } => {
            let added = tx
                .prepare_cached(
                    "INSERT INTO steps (subject_id, vendor, vendor_id, followed_from)
                     VALUES (?1, ?2, ?3, ?4) ON CONFLICT (subject_id, vendor, vendor_id) DO NOTHING",
                )?
                .execute(params![subject_id, Vendor::Trust.key(), into, from])?;
            let id = tx
                .prepare_cached(
                    "SELECT id FROM steps WHERE subject_id = ?1 AND vendor = ?2 AND vendor_id = ?3",
                )?
                .query_row(params![subject_id, Vendor::Trust.key(), into], |row| {
                    row.get(0)
                })?;
            return Ok((id, added == 1));
        }
    };
    let step = match write {
        Write::Begin { step } | Write::Finish { step, .. } | Write::NotSent { step, .. } => *step,
        Write::Follow { .. } => unreachable!("returned above"),
    };
    if changed != 1 {
        // A step finished twice, or begun after it finished: the run's bookkeeping is wrong,
        // and nothing is written rather than something untrue.
        return Err(rusqlite::Error::QueryReturnedNoRows);
    }
    Ok((step, true))
}

fn sqlite(path: &str, source: rusqlite::Error) -> JournalError {
    JournalError::Sqlite {
        path: path.to_string(),
        source,
    }
}

/// Creates `path` with mode 0600 when it does not exist; returns whether it did.
fn create_private_file(path: &Path) -> Result<bool, JournalError> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    match options.open(path) {
        Ok(_) => Ok(true),
        Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists => Ok(false),
        Err(source) => Err(JournalError::Io {
            path: path.display().to_string(),
            source,
        }),
    }
}

/// Sets the journal and its WAL files to 0600 (SQLite gives the WAL files the journal's mode).
fn narrow_permissions(path: &Path) -> Result<(), JournalError> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mut files = vec![path.to_path_buf()];
        for suffix in ["-wal", "-shm"] {
            let mut name = path.as_os_str().to_owned();
            name.push(suffix);
            files.push(PathBuf::from(name));
        }
        for file in files {
            match std::fs::metadata(&file) {
                Ok(metadata) if metadata.permissions().mode() & 0o077 != 0 => {
                    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600))
                        .map_err(|source| JournalError::Io {
                            path: file.display().to_string(),
                            source,
                        })?;
                }
                _ => {}
            }
        }
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}

/// Reads the journal's steps, for callers that only hold its path.
pub fn read_steps(path: &Path) -> Result<Vec<StepRow>, JournalError> {
    Journal::open_read_only(path)?.steps()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn subject(reference: &str, line: u64, ids: &[(Vendor, &str)]) -> Subject {
        Subject {
            reference: reference.to_string(),
            line,
            ids: ids.iter().map(|(v, id)| (*v, id.to_string())).collect(),
        }
    }

    fn runtime() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap()
    }

    #[test]
    fn a_new_journal_is_private_and_holds_the_plan() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("j.db");
        let subjects = [
            subject(
                "S1",
                2,
                &[(Vendor::Attestr, "AX1"), (Vendor::GainsightPx, "u1")],
            ),
            subject(
                "S2",
                3,
                &[(Vendor::Trust, "bbbbbbbb-bbbb-bbbb-bbbb-bbbbbbbbbbbb")],
            ),
        ];
        let journal = Journal::open_for_run(&path, &subjects).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            for suffix in ["", "-wal"] {
                let file = format!("{}{suffix}", path.display());
                let mode = std::fs::metadata(&file).unwrap().permissions().mode();
                assert_eq!(mode & 0o777, 0o600, "{file}");
            }
        }
        let steps = journal.steps().unwrap();
        assert_eq!(steps.len(), 3);
        assert!(steps.iter().all(|step| step.state == StepState::Pending));
        assert_eq!(journal.salt().unwrap().len(), SALT_BYTES);
        drop(journal);

        // Again with the same subjects: fine. With others: refused, naming the line only.
        Journal::open_for_run(&path, &subjects).unwrap();
        let other = [
            subjects[0].clone(),
            subject(
                "S2",
                3,
                &[(Vendor::Trust, "cccccccc-cccc-cccc-cccc-cccccccccccc")],
            ),
        ];
        let err = Journal::open_for_run(&path, &other).unwrap_err();
        assert!(
            matches!(&err, JournalError::PlanMismatch { reason, .. } if reason == "the subject on line 3 has other vendor ids"),
            "{err}"
        );
        assert!(!err.to_string().contains("cccccccc"));
    }

    #[test]
    fn a_file_that_is_not_a_journal_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let text = dir.path().join("notes.db");
        std::fs::write(
            &text,
            "not sqlite at all, but long enough to look like a header....",
        )
        .unwrap();
        assert!(matches!(
            Journal::open_for_run(&text, &[]),
            Err(JournalError::NotAJournal { .. })
        ));
        let other = dir.path().join("other.db");
        Connection::open(&other)
            .unwrap()
            .execute_batch("CREATE TABLE t (x); INSERT INTO t VALUES (1);")
            .unwrap();
        let err = Journal::open_read_only(&other).unwrap_err();
        assert!(
            err.to_string()
                .contains("not a SQLite file made by vendor-erase"),
            "{err}"
        );
        assert!(matches!(
            Journal::open_read_only(&dir.path().join("missing.db")),
            Err(JournalError::Missing { .. })
        ));
    }

    #[test]
    fn writes_are_committed_in_order_and_a_finished_step_cannot_restart() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("j.db");
        let subjects = [subject(
            "S1",
            2,
            &[(Vendor::Trust, "cccccccc-cccc-cccc-cccc-cccccccccccc")],
        )];
        let journal = Journal::open_for_run(&path, &subjects).unwrap();
        let step = journal.steps().unwrap().remove(0);
        let writer = journal.into_writer();
        runtime().block_on(async {
            writer.begin(step.id).await.unwrap();
            let in_flight = read_steps(&path).unwrap().remove(0);
            assert_eq!(
                (in_flight.state, in_flight.sends, in_flight.unsettled),
                (StepState::InFlight, 1, 1)
            );
            let merged = Outcome::Merged {
                into: "bbbbbbbb-bbbb-bbbb-bbbb-bbbbbbbbbbbb".to_string(),
            };
            writer
                .finish(
                    step.id,
                    Finish {
                        result: Ok(merged.clone()),
                        attempts: 2,
                        status: Some(404),
                        request_id: Some("r-1".into()),
                    },
                )
                .await
                .unwrap();
            assert!(
                writer.begin(step.id).await.is_err(),
                "a finished step is never begun again"
            );
            let (follow, added) = writer
                .follow(&step, "bbbbbbbb-bbbb-bbbb-bbbb-bbbbbbbbbbbb")
                .await
                .unwrap();
            assert!(added);
            assert_eq!(
                writer
                    .follow(&step, "bbbbbbbb-bbbb-bbbb-bbbb-bbbbbbbbbbbb")
                    .await
                    .unwrap(),
                (follow, false)
            );
            let steps = read_steps(&path).unwrap();
            assert_eq!(steps[0].outcome, Some(merged));
            assert_eq!((steps[0].attempts, steps[0].unsettled), (2, 0));
            assert_eq!(steps[0].request_id.as_deref(), Some("r-1"));
            assert_eq!(steps[1].followed_from, Some(step.id));
        });
        writer.close();
    }
}
