//! The journal: one SQLite file (WAL, `synchronous=FULL`) that holds the plan, every step's state
//! and outcome, and the salt of the receipts' hashed ids. It is what makes a run resumable.
//!
//! A step is marked in flight, and that is committed, before its request is sent; its outcome or
//! problem is committed after the answer. So after a crash a step is either finished (never sent
//! again), never sent, or in flight: sent again, and a not-found answer then reads as
//! "deleted or already absent". One writer thread commits what all steps hand it in one
//! transaction at a time ([`Writer`]), so the fsync of a commit is shared by the steps that
//! arrived while the previous one ran; each write has its own savepoint in it, so one that fails
//! takes no other step's record with it.
//!
//! The journal holds the raw vendor ids (a run needs them to resume, and `report --reveal` shows
//! them): it is created with mode 0600, and an existing one (and its WAL files) loses any group
//! and other permission when opened for a run (a journal whose owner may not write it is refused,
//! never made writable).
//!
//! One journal, one run: a run or a verify holds an exclusive OS lock (`flock`, by `fs4`) on
//! the sidecar file `<journal>.lock` from the moment it opens the journal until its last write.
//! A second one is refused at once, before it sends anything. An OS lock rather than SQLite's
//! `locking_mode=EXCLUSIVE`: that mode would also lock out readers (a `report` while a run is
//! going), and its lock is taken at the first write rather than at open, so a second run could
//! still read the plan and begin sending; the kernel drops an OS lock when its process dies
//! (kill -9 included), so no stale lock is ever left to clear by hand.
//!
//! Every write is also appended to a hash chain ([`crate::chain`]), which `report` and `verify`
//! check before they believe a row.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::{SystemTime, UNIX_EPOCH};

use percent_encoding::{AsciiSet, CONTROLS, utf8_percent_encode};
use rusqlite::{
    Connection, OpenFlags, OptionalExtension, ToSql, TransactionBehavior, named_params, params,
};
use tokio::sync::oneshot;

use crate::chain;
use crate::outcome::{CheckResult, Outcome, Problem, ProblemKind};
use crate::private;
use crate::provenance::Provenance;
use crate::subjects::{Source, Subject, SubjectsError};
use crate::vendor::Vendor;

/// Marks a SQLite file as a `vendor-erase` journal (`PRAGMA application_id`, "VERA").
const APPLICATION_ID: i32 = 0x5645_5241;
/// The layout version (`PRAGMA user_version`). Version 1 had no hash chain.
const SCHEMA_VERSION: i32 = 2;
/// The most writes one commit takes.
const MAX_BATCH: usize = 1024;
/// Merges followed from one planned step, at most (Trust documents one level; this bounds a
/// chain of merges, whatever the vendor answers). [`Writer::follow`] enforces it.
pub const MAX_FOLLOWED_MERGES: u32 = 4;
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
    checked_at INTEGER,
    check_result TEXT,
    check_note TEXT,
    UNIQUE (subject_id, vendor, vendor_id)
) STRICT;
CREATE TABLE records (
    seq INTEGER PRIMARY KEY,
    step_id INTEGER REFERENCES steps(id),
    kind TEXT NOT NULL,
    entry TEXT NOT NULL,
    hash BLOB NOT NULL
) STRICT;
CREATE INDEX records_by_step ON records (step_id, seq);
";

/// What can go wrong with a journal. The first field of each variant is the file, as shown.
#[derive(Debug, thiserror::Error)]
pub enum JournalError {
    /// SQLite failed.
    #[error("journal {0}: {1}")]
    Sqlite(String, #[source] rusqlite::Error),
    /// The file system failed.
    #[error("journal {0}: {1}")]
    Io(String, #[source] std::io::Error),
    /// The file is not a journal of this tool, or of another layout version: what gave it away.
    #[error("{0} is not a vendor-erase journal ({1})")]
    NotAJournal(String, String),
    /// The journal was started from other subjects than the ones given now: the first
    /// difference found (line numbers, no values).
    #[error(
        "journal {0} was started from other subjects: {1}. Give the subjects file it was started with, or a new journal"
    )]
    PlanMismatch(String, String),
    /// The subjects file could not be read again to create or check the journal.
    #[error(transparent)]
    Subjects(#[from] SubjectsError),
    /// A journal file that `report` or `--dry-run` needs does not exist.
    #[error("journal {0} does not exist")]
    Missing(String),
    /// A write could not be committed; the run stops (what was committed stays).
    #[error("journal write failed: {0}")]
    Write(String),
    /// The journal holds a value this version cannot read: the step row, and what is wrong.
    #[error("journal {0}: step {1}: {2}")]
    Corrupt(String, i64, String),
    /// Another run or verify holds the journal.
    #[error(
        "journal {0} is in use by another vendor-erase run or verify (it holds {0}.lock); nothing was sent. Wait for it to end, then run again"
    )]
    InUse(String),
    /// The journal's owner may not write it, and a run must: its permission bits.
    #[error(
        "journal {0} is read-only (mode {1:o}); a run writes to it, and vendor-erase does not change a file's write permission. Make it writable (chmod u+w) to resume, or give another journal"
    )]
    ReadOnly(String, u32),
    /// The journal was made by an older layout this version does not read: its version.
    #[error(
        "journal {0} has layout version {1}, made before the journal had a hash chain (tamper evidence); this vendor-erase reads version {SCHEMA_VERSION} only, and does not convert it (rows written before cannot be vouched for). Report it with the vendor-erase that made it; start new erasures with a new journal"
    )]
    Outdated(String, i32),
    /// The journal is missing a part every journal has (its salt, say): what is missing or
    /// wrong.
    #[error("journal {0} is damaged: {1}")]
    Damaged(String, String),
    /// A row or a record was changed outside vendor-erase: the first altered place (line and
    /// vendor, never an id).
    #[error(
        "journal {0} was changed outside vendor-erase: {1}. No receipt is made from it; compare it with a copy whose chain head a report stated"
    )]
    Tampered(String, String),
}

/// Where a step stands; the journal writes its name (strum's, in snake case).
#[derive(Debug, Clone, Copy, PartialEq, Eq, strum::IntoStaticStr, strum::EnumString)]
#[strum(serialize_all = "snake_case")]
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
        self.into()
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
    /// The last read-back by `verify`, if any.
    pub check: Option<RecordedCheck>,
}

/// What `verify` last found for a step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordedCheck {
    /// What the read proved.
    pub result: CheckResult,
    /// When (Unix milliseconds).
    pub at: i64,
    /// Why, in words (never an id).
    pub note: Option<String>,
}

impl StepRow {
    /// The step, never sent, that [`Writer::follow`] added as `id` to delete the Trust identity
    /// `into` that `merged` was merged into.
    pub fn following(merged: &StepRow, id: i64, into: String) -> StepRow {
        StepRow {
            id,
            subject_id: merged.subject_id,
            subject_line: merged.subject_line,
            vendor: Vendor::Trust,
            vendor_id: into,
            followed_from: Some(merged.id),
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
            check: None,
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
#[derive(Debug)]
pub struct Journal {
    conn: Connection,
    path: PathBuf,
    /// The run's exclusive lock, held until the writer is dropped; none for a reader.
    lock: Option<File>,
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
    /// Its steps stay in the journal: a run reads them a page at a time ([`Self::work_page`]).
    pub fn open_for_run(
        path: &Path,
        subjects: &(impl Source + ?Sized),
    ) -> Result<Journal, JournalError> {
        let shown = path.display().to_string();
        // First of all: a second run is refused before it reads or sends anything.
        let lock = take_lock(path)?;
        refuse_read_only(path)?;
        let created =
            private::create_new(path).map_err(|source| JournalError::Io(shown.clone(), source))?;
        let mut journal = Journal::new(path, Connection::open(file_name(path)), Some(lock))?;
        // A file this tool created whose first commit never happened is still new.
        if created || journal.is_blank() {
            journal.configure()?;
            journal.initialize(subjects)?;
        } else {
            journal.check_identity()?;
            journal.configure()?;
            journal.check_chain()?;
            journal.check_subjects(subjects)?;
        }
        narrow_permissions(path)?;
        Ok(journal)
    }

    /// Opens an existing journal for `verify`: locked like a run, its chain checked.
    pub fn open_for_verify(path: &Path) -> Result<Journal, JournalError> {
        if !path.exists() {
            let path = path.display().to_string();
            return Err(JournalError::Missing(path));
        }
        let lock = take_lock(path)?;
        refuse_read_only(path)?;
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn = Connection::open_with_flags(file_name(path), flags);
        let journal = Journal::new(path, conn, Some(lock))?;
        journal.check_identity()?;
        journal.configure()?;
        journal.check_chain()?;
        narrow_permissions(path)?;
        Ok(journal)
    }

    /// Opens an existing journal read-only (for `report` and `--dry-run`); it writes nothing,
    /// not even SQLite's WAL index, so a copy in a directory the reader cannot write (an
    /// auditor's) can be read. Its chain is not checked here: [`Self::check_chain`] does.
    pub fn open_read_only(path: &Path) -> Result<Journal, JournalError> {
        let shown = path.display().to_string();
        if !path.exists() {
            return Err(JournalError::Missing(shown));
        }
        match Journal::open_reader(path, false) {
            Err(JournalError::Sqlite(_, source)) if cannot_make_wal_index(&source) => {
                // SQLite reads a WAL journal through a shared-memory index file beside it, which
                // it cannot make in a directory the reader cannot write. With no WAL file beside
                // the journal, everything committed is in the journal itself, and it can be read
                // as immutable: nothing is made, and nothing is missed.
                let wal_holds_commits = std::fs::metadata(beside(path, "-wal"))
                    .map(|metadata| metadata.len() > 0)
                    .unwrap_or(false);
                if wal_holds_commits {
                    return Err(JournalError::Damaged(
                        shown,
                        format!(
                            "its WAL file holds commits not yet in the journal, and SQLite cannot read them without writing beside it ({source}). Copy the journal with its -wal file to a directory you can write, and report that copy"
                        ),
                    ));
                }
                Journal::open_reader(path, true)
            }
            other => other,
        }
    }

    fn open_reader(path: &Path, immutable: bool) -> Result<Journal, JournalError> {
        let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn = if immutable {
            let path = path.to_string_lossy();
            let uri = format!(
                "file:{}?immutable=1",
                utf8_percent_encode(&path, URI_RESERVED)
            );
            Connection::open_with_flags(uri, flags | OpenFlags::SQLITE_OPEN_URI)
        } else {
            Connection::open_with_flags(file_name(path), flags)
        };
        let journal = Journal::new(path, conn, None)?;
        journal.query(|conn| conn.busy_timeout(std::time::Duration::from_secs(10)))?;
        journal.check_identity()?;
        Ok(journal)
    }

    /// The journal at `path` on the connection SQLite opened (or failed to), holding `lock`.
    fn new(
        path: &Path,
        conn: rusqlite::Result<Connection>,
        lock: Option<File>,
    ) -> Result<Journal, JournalError> {
        let conn = conn.map_err(|source| sqlite(&path.display().to_string(), source))?;
        let path = path.to_path_buf();
        Ok(Journal { conn, path, lock })
    }

    /// Makes every later read through this journal see it as it is now, until it is dropped (one
    /// read transaction), so that the passes of a report agree with each other while a run
    /// writes.
    pub fn hold_snapshot(&self) -> Result<(), JournalError> {
        if self.conn.is_autocommit() {
            self.query(|conn| {
                conn.execute_batch("BEGIN DEFERRED")?;
                // In WAL mode the snapshot is taken by the first read.
                conn.query_row("SELECT count(*) FROM steps", [], |row| row.get::<_, i64>(0))
            })?;
        }
        Ok(())
    }

    /// Runs `read` on one snapshot of the journal (a read transaction): a run writing meanwhile
    /// cannot make the chain and the rows read at different moments look altered. Within a
    /// snapshot held already ([`Self::hold_snapshot`]), `read` reads that one.
    pub fn read_snapshot<T>(
        &self,
        read: impl FnOnce(&Journal) -> Result<T, JournalError>,
    ) -> Result<T, JournalError> {
        if !self.conn.is_autocommit() {
            return read(self);
        }
        self.hold_snapshot()?;
        let result = read(self);
        // Only reads happened: ending the transaction ends the snapshot, and cannot lose a write.
        let _ = self.conn.execute_batch("COMMIT");
        result
    }

    /// Checks the hash chain and every row against it; returns the chain head. A reader calls
    /// it within [`Self::read_snapshot`] or [`Self::hold_snapshot`] when a run may be writing.
    pub fn check_chain(&self) -> Result<chain::Head, JournalError> {
        let salt = self.salt()?;
        self.query(|conn| chain::check(conn, &salt))?
            .map_err(|altered| JournalError::Tampered(self.shown(), altered))
    }

    /// Records, in the chain, what a `run` or `verify` starts with (its operator, tool, vendors'
    /// environments and specs); commits before anything is sent.
    pub fn record_start(&mut self, provenance: &Provenance) -> Result<(), JournalError> {
        let shown = self.shown();
        let kind = if provenance.command == "verify" {
            chain::kind::VERIFY
        } else {
            chain::kind::RUN
        };
        let entry = serde_json::to_string(provenance)
            .map_err(|error| JournalError::Write(error.to_string()))?;
        let failed = |source| sqlite(&shown, source);
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(failed)?;
        chain::append(&tx, None, kind, &entry).map_err(failed)?;
        tx.commit().map_err(failed)
    }

    /// Every run and verify recorded, in the order they started.
    pub fn provenance(&self) -> Result<Vec<Provenance>, JournalError> {
        let entries: Vec<String> = self.query(|conn| {
            conn.prepare("SELECT entry FROM records WHERE kind IN (?1, ?2) ORDER BY seq")?
                .query_map([chain::kind::RUN, chain::kind::VERIFY], |row| row.get(0))?
                .collect()
        })?;
        entries
            .iter()
            .map(|entry| {
                serde_json::from_str(entry).map_err(|error| {
                    self.damaged(format!("a run's record cannot be read: {error}"))
                })
            })
            .collect()
    }

    /// The journal file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn shown(&self) -> String {
        self.path.display().to_string()
    }

    fn damaged(&self, reason: String) -> JournalError {
        JournalError::Damaged(self.shown(), reason)
    }

    /// Runs `read` on the connection; a SQLite failure is said with the journal's path.
    fn query<T>(
        &self,
        read: impl FnOnce(&Connection) -> rusqlite::Result<T>,
    ) -> Result<T, JournalError> {
        read(&self.conn).map_err(|source| sqlite(&self.shown(), source))
    }

    /// Whether the file is an empty SQLite database (or empty altogether). A file SQLite cannot
    /// read is not blank: `check_identity` says what it is.
    fn is_blank(&self) -> bool {
        self.conn
            .query_row("SELECT count(*) FROM sqlite_master", [], |row| row.get(0))
            .is_ok_and(|tables: i64| tables == 0)
    }

    fn configure(&self) -> Result<(), JournalError> {
        // WAL: readers (a report, a test watching a run) do not block the writer. FULL: every
        // commit is on disk before it returns, so "in flight" is never lost before a send.
        self.query(|conn| {
            conn.execute_batch(
                "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;",
            )?;
            conn.busy_timeout(std::time::Duration::from_secs(10))
        })
    }

    /// Writes the schema, the salt and the plan, in one transaction: a subjects file that cannot
    /// be read again leaves the journal blank.
    fn initialize(&mut self, subjects: &(impl Source + ?Sized)) -> Result<(), JournalError> {
        let shown = self.shown();
        let failed = |source| sqlite(&shown, source);
        let mut salt = [0_u8; SALT_BYTES];
        getrandom::fill(&mut salt).map_err(|error| {
            JournalError::Io(
                shown.clone(),
                std::io::Error::other(format!("no random salt: {error}")),
            )
        })?;
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Exclusive)
            .map_err(failed)?;
        tx.execute_batch(&format!(
            "{SCHEMA} PRAGMA application_id = {APPLICATION_ID}; PRAGMA user_version = {SCHEMA_VERSION};"
        ))
        .map_err(failed)?;
        tx.execute(
            "INSERT INTO meta (key, value) VALUES ('salt', ?1), ('created_at', ?2), ('tool_version', ?3)",
            params![&salt[..], now_millis(), env!("CARGO_PKG_VERSION")],
        )
        .map_err(failed)?;
        let insert = |subject: Subject| -> rusqlite::Result<()> {
            tx.prepare_cached("INSERT INTO subjects (reference, line) VALUES (?1, ?2)")?
                .execute(params![subject.reference, subject.line as i64])?;
            let subject_id = tx.last_insert_rowid();
            let mut insert_step = tx.prepare_cached(
                "INSERT INTO steps (subject_id, vendor, vendor_id) VALUES (?1, ?2, ?3)",
            )?;
            for (vendor, id) in &subject.ids {
                insert_step.execute(params![subject_id, vendor.slug(), id])?;
            }
            Ok(())
        };
        subjects.for_each_subject(|subject| insert(subject).map_err(failed))?;
        let digest = chain::plan_digest(&tx).map_err(failed)?;
        chain::append(&tx, None, chain::kind::PLAN, &digest).map_err(failed)?;
        tx.commit().map_err(failed)
    }

    fn check_identity(&self) -> Result<(), JournalError> {
        let not_a_journal = |reason: String| JournalError::NotAJournal(self.shown(), reason);
        let unreadable = |error: rusqlite::Error| identity_error(&self.shown(), error);
        let application_id: i32 = self
            .conn
            .query_row("PRAGMA application_id", [], |row| row.get(0))
            .map_err(unreadable)?;
        if application_id != APPLICATION_ID {
            return Err(not_a_journal(
                "not a SQLite file made by vendor-erase".to_string(),
            ));
        }
        let version: i32 = self
            .conn
            .query_row("PRAGMA user_version", [], |row| row.get(0))
            .map_err(unreadable)?;
        if version == 1 {
            return Err(JournalError::Outdated(self.shown(), version));
        }
        if version != SCHEMA_VERSION {
            return Err(not_a_journal(format!(
                "layout version {version}; this tool reads version {SCHEMA_VERSION}"
            )));
        }
        Ok(())
    }

    /// Checks that the journal was started from `subjects` (same references, same vendor ids).
    /// Each subject is looked up by its reference (an index), so nothing is held but one
    /// subject's ids.
    pub fn check_subjects(&self, subjects: &(impl Source + ?Sized)) -> Result<(), JournalError> {
        let shown = self.shown();
        let mismatch = |reason: String| JournalError::PlanMismatch(shown.clone(), reason);
        let failed = |source| sqlite(&shown, source);
        let held: i64 = self
            .conn
            .query_row("SELECT count(*) FROM subjects", [], |row| row.get(0))
            .map_err(failed)?;
        let given = subjects.counts().subjects;
        if held != given as i64 {
            return Err(mismatch(format!(
                "it holds {held} subjects, the file {given}"
            )));
        }
        // The planned vendor ids of the subject with `reference`: none when the journal does not
        // have it (a checked subject has one id at least: a row without is refused).
        let planned = |reference: &str| -> rusqlite::Result<BTreeSet<(String, String)>> {
            self.conn
                .prepare_cached(
                    "SELECT s.vendor, s.vendor_id FROM subjects j JOIN steps s ON s.subject_id = j.id
                     WHERE j.reference = ?1 AND s.followed_from IS NULL",
                )?
                .query_map([reference], |row| Ok((row.get(0)?, row.get(1)?)))?
                .collect()
        };
        subjects.for_each_subject(|subject| {
            let ids: BTreeSet<(String, String)> = subject
                .ids
                .iter()
                .map(|(vendor, id)| (vendor.slug().to_string(), id.clone()))
                .collect();
            match planned(&subject.reference).map_err(failed)? {
                planned if planned.is_empty() => Err(mismatch(format!(
                    "the subject on line {} is not in it",
                    subject.line
                ))),
                planned if planned != ids => Err(mismatch(format!(
                    "the subject on line {} has other vendor ids",
                    subject.line
                ))),
                _ => Ok(()),
            }
        })
    }

    /// Each vendor with each outcome its finished steps have, once (a handful of rows however
    /// large the journal is): `verify` picks the vendors it must read from these.
    pub fn finished_outcomes(&self) -> Result<BTreeSet<(Vendor, String)>, JournalError> {
        let rows: Vec<(String, String)> = self.query(|conn| {
            conn.prepare("SELECT DISTINCT vendor, outcome FROM steps WHERE state = ?1 AND outcome IS NOT NULL")?
                .query_map([StepState::Done.name()], |row| Ok((row.get(0)?, row.get(1)?)))?
                .collect()
        })?;
        rows.into_iter()
            .map(|(vendor, outcome)| {
                let vendor = self.known(Vendor::by_slug(&vendor), "vendor")?;
                Ok((vendor, outcome))
            })
            .collect()
    }

    /// The vendor or state (`what`) a step holds, read; `None` (one this version does not know)
    /// means the journal is damaged.
    fn known<T>(&self, value: Option<T>, what: &str) -> Result<T, JournalError> {
        value.ok_or_else(|| self.damaged(format!("a step has an unknown {what}")))
    }

    /// The highest step id now in the journal: a run pages its work up to it, so that a step
    /// the run adds itself (a followed merge, sent where it is added) is not paged again.
    pub fn last_step_id(&self) -> Result<i64, JournalError> {
        self.query(|conn| {
            conn.query_row("SELECT coalesce(max(id), 0) FROM steps", [], |row| {
                row.get(0)
            })
        })
    }

    /// Up to `limit` of `vendor`'s steps that a run still has to act on, with ids after `after`
    /// and at most `up_to`, by id: every unfinished step, and, with `follow_merges`, every
    /// merged step that no step resolves yet (see [`merge_followers`]). A run reads its work
    /// a page at a time, so that a million steps are never held at once.
    pub fn work_page(
        &self,
        vendor: Vendor,
        follow_merges: bool,
        (after, up_to): (i64, i64),
        limit: usize,
    ) -> Result<Vec<StepRow>, JournalError> {
        self.step_rows(
            &format!(
                "SELECT {STEP_COLUMNS} FROM steps s JOIN subjects j ON j.id = s.subject_id
                 WHERE s.vendor = :vendor AND s.id > :after AND s.id <= :up_to
                   AND {WORK_CONDITION}
                 ORDER BY s.id LIMIT :limit"
            ),
            named_params! {
                ":vendor": vendor.slug(),
                ":after": after,
                ":up_to": up_to,
                ":limit": i64::try_from(limit).unwrap_or(i64::MAX),
                ":follow_merges": follow_merges,
                ":trust": Vendor::Trust.slug(),
            },
        )
    }

    /// Up to `limit` of `vendor`'s finished steps with ids after `after`, by id: `verify` reads
    /// them back a page at a time, so that a million steps are never held at once.
    pub fn finished_page(
        &self,
        vendor: Vendor,
        after: i64,
        limit: usize,
    ) -> Result<Vec<StepRow>, JournalError> {
        self.step_rows(
            &format!(
                "SELECT {STEP_COLUMNS} FROM steps s JOIN subjects j ON j.id = s.subject_id
                 WHERE s.vendor = ?1 AND s.id > ?2 AND s.state = ?3 ORDER BY s.id LIMIT ?4"
            ),
            params![
                vendor.slug(),
                after,
                StepState::Done.name(),
                i64::try_from(limit).unwrap_or(i64::MAX),
            ],
        )
    }

    /// The steps a query of [`STEP_COLUMNS`] selects.
    fn step_rows(
        &self,
        sql: &str,
        params: impl rusqlite::Params,
    ) -> Result<Vec<StepRow>, JournalError> {
        let shown = self.shown();
        let failed = |source| sqlite(&shown, source);
        let mut statement = self.conn.prepare_cached(sql).map_err(failed)?;
        let rows = statement
            .query_map(params, |row| Ok(read_step(row, 0, &shown)))
            .map_err(failed)?;
        rows.map(|row| row.map_err(failed)?).collect()
    }

    /// How many steps the journal holds, and how many of them a run would act on
    /// ([`Self::work_page`]), counted in SQL.
    pub fn work_counts(&self, follow_merges: bool) -> Result<WorkCounts, JournalError> {
        let groups: Vec<(String, String, bool, i64)> = self.query(|conn| {
            conn.prepare(&format!(
                "SELECT s.vendor, s.state, {WORK_CONDITION}, count(*) FROM steps s GROUP BY 1, 2, 3"
            ))?
            .query_map(
                named_params! {
                    ":follow_merges": follow_merges,
                    ":trust": Vendor::Trust.slug(),
                },
                |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?)),
            )?
            .collect()
        })?;
        let mut counts = WorkCounts::default();
        for (vendor, state, work, count) in groups {
            let count = count as usize;
            counts.steps += count;
            if state == StepState::Done.name() {
                counts.done += count;
            }
            if !work {
                continue;
            }
            let vendor = self.known(Vendor::by_slug(&vendor), "vendor")?;
            let state = self.known(state.parse().ok(), "state")?;
            *counts.by_vendor.entry(vendor).or_default() += count;
            match state {
                StepState::Pending => counts.pending += count,
                StepState::InFlight => counts.in_flight += count,
                StepState::Failed => counts.failed += count,
                StepState::Done => counts.to_follow += count,
            }
        }
        Ok(counts)
    }

    /// The salt of the receipts' hashed ids.
    pub fn salt(&self) -> Result<Vec<u8>, JournalError> {
        let damaged = |reason: &str| {
            self.damaged(format!(
                "{reason}: the receipts' hashed ids and the hash chain cannot be checked without it"
            ))
        };
        match self.meta("salt")? {
            None => Err(damaged("its salt is missing (deleted)")),
            Some(rusqlite::types::Value::Blob(salt)) if salt.len() == SALT_BYTES => Ok(salt),
            Some(_) => Err(damaged("its salt is altered (not 32 bytes)")),
        }
    }

    /// When the journal was created (Unix milliseconds).
    pub fn created_at(&self) -> Result<i64, JournalError> {
        self.meta("created_at")?
            .ok_or_else(|| self.damaged("its creation time is missing".to_string()))
    }

    fn meta<T: rusqlite::types::FromSql>(&self, key: &str) -> Result<Option<T>, JournalError> {
        self.query(|conn| {
            conn.query_row("SELECT value FROM meta WHERE key = ?1", [key], |row| {
                row.get(0)
            })
            .optional()
        })
    }

    /// Every step, by subject and then in the order they were planned.
    pub fn steps(&self) -> Result<Vec<StepRow>, JournalError> {
        let mut all = Vec::new();
        self.for_each_subject(None, |_, steps| {
            all.extend(steps);
            Ok::<_, JournalError>(())
        })?;
        Ok(all)
    }

    /// Hands `each` every subject (or only the one whose reference is `only`) with its steps, in
    /// file order, one subject at a time: a reader of a million subjects holds one in memory.
    pub fn for_each_subject<E: From<JournalError>>(
        &self,
        only: Option<&str>,
        mut each: impl FnMut(SubjectRow, Vec<StepRow>) -> Result<(), E>,
    ) -> Result<(), E> {
        let shown = self.shown();
        let failed = |source| sqlite(&shown, source);
        let mut statement = self
            .conn
            .prepare(&format!(
                "SELECT j.reference, {STEP_COLUMNS} FROM subjects j JOIN steps s ON s.subject_id = j.id
                 WHERE ?1 IS NULL OR j.reference = ?1
                 ORDER BY j.line, j.id, s.id"
            ))
            .map_err(failed)?;
        let rows = statement
            .query_map([only], |row| Ok((row.get(0)?, read_step(row, 1, &shown))))
            .map_err(failed)?;
        let mut current: Option<(SubjectRow, Vec<StepRow>)> = None;
        for row in rows {
            let (reference, step) = row.map_err(failed)?;
            let step = step?;
            match &mut current {
                Some((subject, steps)) if subject.id == step.subject_id => steps.push(step),
                _ => {
                    let subject = SubjectRow {
                        id: step.subject_id,
                        reference,
                        line: step.subject_line,
                    };
                    if let Some((subject, steps)) = current.replace((subject, vec![step])) {
                        each(subject, steps)?;
                    }
                }
            }
        }
        if let Some((subject, steps)) = current {
            each(subject, steps)?;
        }
        Ok(())
    }

    /// Starts the writer thread that commits a run's writes; the journal is the writer's until
    /// it is dropped.
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
            _lock: self.lock,
        }
    }
}

/// The columns [`read_step`] reads, `s` being the steps and `j` the subjects.
const STEP_COLUMNS: &str =
    "s.id, s.subject_id, j.line, s.vendor, s.vendor_id, s.followed_from, s.state, s.sends,
     s.unsettled, s.attempts, s.outcome, s.merged_into, s.problem_kind, s.problem, s.status,
     s.request_id, s.started_at, s.finished_at, s.checked_at, s.check_result, s.check_note";

/// Which steps a run acts on, `s` being the steps (`:trust` is Trust's slug): the unfinished
/// ones, and the merged ones that neither a step added for the merge nor the subject's step for
/// the identity it names resolves ([`merge_followers`], in SQL). The lookups use the steps'
/// unique (subject, vendor, id) index.
const WORK_CONDITION: &str = "(s.state != 'done'
     OR (:follow_merges AND s.outcome = 'merged' AND s.merged_into IS NOT NULL
         AND NOT EXISTS (SELECT 1 FROM steps f
                         WHERE f.subject_id = s.subject_id AND f.followed_from = s.id)
         AND NOT EXISTS (SELECT 1 FROM steps t
                         WHERE t.subject_id = s.subject_id AND t.vendor = :trust
                           AND t.vendor_id = s.merged_into)))";

/// What a run would act on, as [`Journal::work_counts`] counts it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WorkCounts {
    /// Steps in the journal.
    pub steps: usize,
    /// Steps with a proven outcome.
    pub done: usize,
    /// Steps a run would act on, per vendor (a vendor with none is missing).
    pub by_vendor: BTreeMap<Vendor, usize>,
    /// Never sent.
    pub pending: usize,
    /// In flight when a run stopped.
    pub in_flight: usize,
    /// Failed before.
    pub failed: usize,
    /// Merges to follow.
    pub to_follow: usize,
}

impl WorkCounts {
    /// Steps a run would act on.
    pub fn work(&self) -> usize {
        self.by_vendor.values().sum()
    }
}

/// The step in `row`, its [`STEP_COLUMNS`] starting at column `first`; a value this version
/// cannot read makes the journal corrupt.
fn read_step(row: &rusqlite::Row<'_>, first: usize, path: &str) -> Result<StepRow, JournalError> {
    macro_rules! column {
        ($index:expr $(, $type:ty)?) => {
            row.get$(::<_, $type>)?(first + $index)
                .map_err(|source| sqlite(path, source))?
        };
    }
    let id = column!(0);
    let corrupt = |reason: String| JournalError::Corrupt(path.to_string(), id, reason);
    let unknown = |what: &str, name: &str| corrupt(format!("unknown {what} `{name}`"));
    let vendor: String = column!(3);
    let vendor = Vendor::by_slug(&vendor).ok_or_else(|| unknown("vendor", &vendor))?;
    let state: String = column!(6);
    let state: StepState = state.parse().map_err(|_| unknown("state", &state))?;
    let outcome = column!(10, Option<String>)
        .map(|name| Outcome::from_name(&name, column!(11)).ok_or_else(|| unknown("outcome", &name)))
        .transpose()?;
    if (state == StepState::Done) != outcome.is_some() {
        return Err(corrupt("a finished step without an outcome".to_string()));
    }
    let problem = match column!(12, Option<String>) {
        Some(kind) => Some(RecordedProblem {
            kind: kind.parse().map_err(|_| unknown("problem", &kind))?,
            message: column!(13, Option<String>).unwrap_or_default(),
        }),
        None => None,
    };
    let check = match (column!(19, Option<String>), column!(18)) {
        (Some(name), Some(at)) => Some(RecordedCheck {
            result: name.parse().map_err(|_| unknown("check result", &name))?,
            at,
            note: column!(20),
        }),
        (None, None) => None,
        _ => return Err(corrupt("a check without its result or time".to_string())),
    };
    let count = |value: i64| u32::try_from(value).unwrap_or(u32::MAX);
    Ok(StepRow {
        id,
        subject_id: column!(1),
        subject_line: column!(2, i64) as u64,
        vendor,
        vendor_id: column!(4),
        followed_from: column!(5),
        state,
        sends: count(column!(7)),
        unsettled: count(column!(8)),
        attempts: count(column!(9)),
        outcome,
        problem,
        status: column!(14, Option<i64>).and_then(|status| u16::try_from(status).ok()),
        request_id: column!(15),
        started_at: column!(16),
        finished_at: column!(17),
        check,
    })
}

/// For each merged step of `steps`, the step that resolves its merge: the step that follows it
/// (`--follow-merges` added it), or else the subject's step for the identity it was merged into
/// (planned, or added for another merge). Linear in the steps.
pub fn merge_followers(steps: &[StepRow]) -> HashMap<i64, &StepRow> {
    let mut by_identity: HashMap<(i64, &str), &StepRow> = HashMap::new();
    let mut followers: HashMap<i64, &StepRow> = HashMap::new();
    for step in steps {
        if step.vendor == Vendor::Trust {
            by_identity.insert((step.subject_id, step.vendor_id.as_str()), step);
        }
        if let Some(from) = step.followed_from {
            followers.insert(from, step);
        }
    }
    for step in steps {
        if let Some(Outcome::Merged { into }) = &step.outcome
            && let Some(target) = by_identity.get(&(step.subject_id, into.as_str()))
        {
            followers.entry(step.id).or_insert(target);
        }
    }
    followers
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

/// What [`Writer::follow`] did with a merge.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Followed {
    /// It added this step, which deletes the identity the merge named; send it.
    Added(i64),
    /// The subject has a step for that identity already (planned, or added by another merge):
    /// it is sent, or was, on its own, and the merge is resolved by it.
    Present(i64),
    /// The merge is [`MAX_FOLLOWED_MERGES`] merges from a planned step: it is not followed, and a
    /// person must look.
    TooDeep,
}

/// A write for the writer thread, as the [`Writer`] method of the same name takes it; the step
/// comes first.
enum Write {
    Begin(i64),
    Finish(i64, Box<Finish>),
    Follow(i64, i64, String),
    NotSent(i64, ProblemKind, String),
    Check(i64, CheckResult, Option<String>, i64),
}

/// What a committed write answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, strum::EnumTryAs)]
enum Answer {
    /// A step was marked in flight; this many earlier sends of it had an unknown effect.
    Begun(u32),
    /// A finish or a not-sent was recorded.
    Recorded,
    /// A merge was handled.
    Followed(Followed),
}

struct Job {
    write: Write,
    at: i64,
    done: oneshot::Sender<Result<Answer, String>>,
}

/// Commits a run's writes from one thread, in batches: every write waits for the commit that
/// holds it, and shares its fsync with the writes that arrived meanwhile. Dropping the writer
/// waits for the writes already handed to it.
#[derive(Debug)]
pub struct Writer {
    sender: Option<mpsc::Sender<Job>>,
    thread: Option<JoinHandle<()>>,
    /// The journal's lock: released when the writer is dropped, after its last commit.
    _lock: Option<File>,
}

impl Writer {
    /// Hands `write` to the writer thread; returns once it is committed, with its answer as
    /// `read` takes it (`None`, an answer to another kind of write, is a bug in this module,
    /// reported rather than hidden).
    async fn submit<T>(
        &self,
        write: Write,
        read: impl FnOnce(Answer) -> Option<T>,
    ) -> Result<T, JournalError> {
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
        let answer = committed
            .await
            .map_err(|_| JournalError::Write("the journal writer stopped".to_string()))?
            .map_err(JournalError::Write)?;
        read(answer).ok_or_else(|| {
            JournalError::Write(format!(
                "the journal writer answered another kind of write ({answer:?})"
            ))
        })
    }

    /// Marks the step in flight; returns once that is committed. Only then may it be sent.
    /// Returns how many earlier sends of the step had an effect nobody knows (their answer was
    /// lost, or a run died while they were in flight): after one, a not-found answer means
    /// "deleted or already absent".
    pub async fn begin(&self, step: i64) -> Result<u32, JournalError> {
        self.submit(Write::Begin(step), Answer::try_as_begun).await
    }

    /// Submits a write that answers [`Answer::Recorded`]; returns once it is committed.
    async fn record(&self, write: Write) -> Result<(), JournalError> {
        let recorded = |answer| (answer == Answer::Recorded).then_some(());
        self.submit(write, recorded).await
    }

    /// Records how a send ended; returns once that is committed.
    pub async fn finish(&self, step: i64, finish: Finish) -> Result<(), JournalError> {
        self.record(Write::Finish(step, Box::new(finish))).await
    }

    /// Resolves the merge `from` recorded (into the Trust identity `into`) by the subject's step
    /// for that identity: adds it when the subject has none, unless the merge is
    /// [`MAX_FOLLOWED_MERGES`] deep already.
    pub async fn follow(&self, from: &StepRow, into: &str) -> Result<Followed, JournalError> {
        let write = Write::Follow(from.id, from.subject_id, into.to_string());
        self.submit(write, Answer::try_as_followed).await
    }

    /// Records why a step was not sent in this run (its vendor was halted); the next run sends
    /// it.
    pub async fn not_sent(
        &self,
        step: i64,
        kind: ProblemKind,
        message: &str,
    ) -> Result<(), JournalError> {
        self.record(Write::NotSent(step, kind, message.to_string()))
            .await
    }

    /// Records what `verify` found for a finished step at `at` (Unix milliseconds, the verify's
    /// clock); returns once committed.
    pub async fn checked(
        &self,
        step: i64,
        result: CheckResult,
        note: Option<String>,
        at: i64,
    ) -> Result<(), JournalError> {
        self.record(Write::Check(step, result, note, at)).await
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
        batch.extend(receiver.try_iter().take(MAX_BATCH - 1));
        match commit(&mut conn, &batch) {
            Ok(answers) => {
                for (job, answer) in batch.into_iter().zip(answers) {
                    if let Err(error) = &answer {
                        tracing::error!(journal = path, %error, "a journal write was refused");
                    }
                    let _ = job.done.send(answer);
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

/// Applies a batch in one transaction, each write in its own savepoint: a write that fails is
/// undone alone and answered with its error, and the others are committed. The batch fails as a
/// whole only when its transaction does (it cannot begin or commit, or SQLite rolled it back).
fn commit(conn: &mut Connection, batch: &[Job]) -> Result<Vec<Result<Answer, String>>, WriteError> {
    let mut tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let mut answers = Vec::with_capacity(batch.len());
    for job in batch {
        let savepoint = tx.savepoint()?;
        match apply(&savepoint, &job.write, job.at) {
            Ok(answer) => {
                savepoint.commit()?;
                answers.push(Ok(answer));
            }
            Err(error) => {
                // Rolls back to the savepoint and releases it.
                let undone = savepoint.finish();
                if tx.is_autocommit() {
                    // SQLite ended the whole transaction (a full disk, an I/O error).
                    return Err(error);
                }
                undone?;
                answers.push(Err(error.to_string()));
            }
        }
    }
    tx.commit()?;
    Ok(answers)
}

fn apply(conn: &Connection, write: &Write, at: i64) -> Result<Answer, WriteError> {
    // A write changes its step's row only in a state that allows it, and says what the row's
    // `unsettled` became. No row comes back for a step finished twice, or not begun, or begun
    // after it finished: the run's bookkeeping is wrong, and nothing is written rather than
    // something untrue.
    let update = |sql: &str, values: &[&dyn ToSql]| -> rusqlite::Result<Option<i64>> {
        conn.prepare_cached(&format!("{sql} RETURNING unsettled"))?
            .query_row(values, |row| row.get(0))
            .optional()
    };
    let (step, tried, unsettled) = match write {
        Write::Begin(step) => {
            let sql = "UPDATE steps SET state = 'in_flight', sends = sends + 1,
                       unsettled = unsettled + 1, started_at = ?2
                       WHERE id = ?1 AND state != 'done'";
            (step, "begun", update(sql, params![step, at])?)
        }
        Write::Finish(step, finish) => {
            let (outcome, problem) = (finish.result.as_ref().ok(), finish.result.as_ref().err());
            let merged_into = match outcome {
                Some(Outcome::Merged { into }) => Some(into),
                _ => None,
            };
            // An outcome settles every earlier send; a problem settles this one only when the
            // vendor cannot have acted on it.
            let sql = "UPDATE steps SET state = iif(?2 IS NULL, 'failed', 'done'), outcome = ?2,
                       merged_into = ?3, problem_kind = ?4, problem = ?5,
                       unsettled = iif(?2 IS NULL, unsettled - ?6, 0), attempts = attempts + ?7,
                       status = ?8, request_id = COALESCE(?9, request_id), finished_at = ?10
                       WHERE id = ?1 AND state = 'in_flight'";
            let values = params![
                step,
                outcome.map(Outcome::name),
                merged_into,
                problem.map(|problem| problem.kind.name()),
                problem.map(|problem| &problem.message),
                problem.is_some_and(|problem| !problem.may_have_acted),
                finish.attempts,
                finish.status.or(problem.and_then(|problem| problem.status)),
                finish.request_id,
                at
            ];
            (step, "finished", update(sql, values)?)
        }
        Write::NotSent(step, kind, message) => {
            let sql = "UPDATE steps SET state = 'failed', problem_kind = ?2, problem = ?3,
                       finished_at = ?4 WHERE id = ?1 AND state != 'done'";
            let values = params![step, kind.name(), message, at];
            (step, "marked not sent", update(sql, values)?)
        }
        Write::Check(step, result, note, at) => {
            let sql = "UPDATE steps SET checked_at = ?2, check_result = ?3, check_note = ?4
                       WHERE id = ?1 AND state = 'done'";
            let values = params![step, at, result.name(), note];
            (step, "checked", update(sql, values)?)
        }
        Write::Follow(from, subject_id, into) => {
            let followed = follow(conn, *from, *subject_id, into)?;
            if let Followed::Added(id) = followed {
                chain::append_step(conn, id)?;
            }
            return Ok(Answer::Followed(followed));
        }
    };
    let unsettled = unsettled.ok_or(WriteError::Refused(*step, tried))?;
    chain::append_step(conn, *step)?;
    Ok(match write {
        // The send just begun is counted already.
        Write::Begin(_) => Answer::Begun(u32::try_from(unsettled - 1).unwrap_or(u32::MAX)),
        _ => Answer::Recorded,
    })
}

/// The step of `subject_id` for the Trust identity `into`, or a new one that follows `from`,
/// within [`MAX_FOLLOWED_MERGES`].
fn follow(conn: &Connection, from: i64, subject_id: i64, into: &str) -> rusqlite::Result<Followed> {
    let present: Option<i64> = conn
        .prepare_cached(
            "SELECT id FROM steps WHERE subject_id = ?1 AND vendor = ?2 AND vendor_id = ?3",
        )?
        .query_row(params![subject_id, Vendor::Trust.slug(), into], |row| {
            row.get(0)
        })
        .optional()?;
    if let Some(id) = present {
        return Ok(Followed::Present(id));
    }
    // Merges between `from` and its planned step (`followed_from` always names an older row, so
    // the chain ends; the bound is a second guard).
    let depth: i64 = conn
        .prepare_cached(
            "WITH RECURSIVE chain(parent, depth) AS (
                 SELECT followed_from, 0 FROM steps WHERE id = ?1
                 UNION ALL
                 SELECT s.followed_from, chain.depth + 1 FROM steps s JOIN chain ON s.id = chain.parent
                 WHERE chain.depth < ?2
             )
             SELECT max(depth) FROM chain",
        )?
        .query_row(params![from, MAX_FOLLOWED_MERGES], |row| {
            row.get::<_, Option<i64>>(0)
        })?
        .ok_or(rusqlite::Error::QueryReturnedNoRows)?;
    if depth >= i64::from(MAX_FOLLOWED_MERGES) {
        return Ok(Followed::TooDeep);
    }
    conn.prepare_cached(
        "INSERT INTO steps (subject_id, vendor, vendor_id, followed_from) VALUES (?1, ?2, ?3, ?4)",
    )?
    .execute(params![subject_id, Vendor::Trust.slug(), into, from])?;
    Ok(Followed::Added(conn.last_insert_rowid()))
}

/// Why one write of a batch was not applied.
#[derive(Debug, thiserror::Error)]
enum WriteError {
    /// SQLite failed.
    #[error(transparent)]
    Sqlite(#[from] rusqlite::Error),
    /// The step's state does not allow what the write tried: the run's bookkeeping is wrong.
    #[error(
        "step {0} cannot be {1} in its state (finished already, or never begun); nothing was written for it"
    )]
    Refused(i64, &'static str),
}

fn sqlite(path: &str, source: rusqlite::Error) -> JournalError {
    JournalError::Sqlite(path.to_string(), source)
}

/// What a failed read of a journal's identity means: only SQLite's "not a database" says the file
/// is something else; a full disk, an I/O error or a file SQLite cannot open are said as they
/// are.
fn identity_error(path: &str, error: rusqlite::Error) -> JournalError {
    match error.sqlite_error_code() {
        Some(rusqlite::ErrorCode::NotADatabase) => {
            JournalError::NotAJournal(path.to_string(), error.to_string())
        }
        _ => sqlite(path, error),
    }
}

/// `path` as SQLite must be given it to read it as a file name: never as a URI, which the bundled
/// SQLite makes of any name that starts with `file:` (`file:j.db?mode=memory` would be a journal
/// that is never written to disk).
fn file_name(path: &Path) -> PathBuf {
    if path.to_string_lossy().starts_with("file:") {
        Path::new(".").join(path)
    } else {
        path.to_path_buf()
    }
}

/// Whether `other` is the journal at `path` or one of SQLite's files beside it: the same file
/// when both exist (a link to it included), the same name in the same directory otherwise.
pub(crate) fn is_journal_file(path: &Path, other: &Path) -> bool {
    FILE_SUFFIXES
        .iter()
        .any(|suffix| same_file(&beside(path, suffix), other))
}

fn same_file(a: &Path, b: &Path) -> bool {
    #[cfg(unix)]
    if let (Ok(a), Ok(b)) = (std::fs::metadata(a), std::fs::metadata(b)) {
        use std::os::unix::fs::MetadataExt;
        return (a.dev(), a.ino()) == (b.dev(), b.ino());
    }
    resolved(a) == resolved(b)
}

/// `path` with its links, `.` and `..` resolved (its own name too, when the file exists), so that
/// one file has one name; as given when its directory cannot be resolved.
fn resolved(path: &Path) -> PathBuf {
    if let Ok(resolved) = std::fs::canonicalize(path) {
        return resolved;
    }
    let directory = path
        .parent()
        .filter(|parent| !parent.as_os_str().is_empty());
    match (
        std::fs::canonicalize(directory.unwrap_or(Path::new("."))),
        path.file_name(),
    ) {
        (Ok(directory), Some(name)) => directory.join(name),
        _ => path.to_path_buf(),
    }
}

/// The file beside the journal whose name is the journal's and `suffix`.
fn beside(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

/// Takes the journal's exclusive lock (see the module documentation), or says who holds it. The
/// lock file is named after the journal's resolved name, so that a link to it is the same journal.
fn take_lock(path: &Path) -> Result<File, JournalError> {
    let lock_path = beside(&resolved(path), ".lock");
    let io = |source: std::io::Error| JournalError::Io(lock_path.display().to_string(), source);
    private::create_new(&lock_path).map_err(io)?;
    let file = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(&lock_path)
        .map_err(io)?;
    // Qualified: std's own `File::try_lock` is newer than the workspace's MSRV.
    match fs4::FileExt::try_lock(&file) {
        Ok(()) => Ok(file),
        Err(fs4::TryLockError::WouldBlock) => Err(JournalError::InUse(path.display().to_string())),
        Err(fs4::TryLockError::Error(source)) => Err(io(source)),
    }
}

/// Refuses a journal its owner may not write: a run would fail at its first write, and widening
/// a permission someone narrowed is not this tool's to do.
fn refuse_read_only(path: &Path) -> Result<(), JournalError> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if let Ok(metadata) = std::fs::metadata(path) {
            let mode = metadata.permissions().mode() & 0o7777;
            if mode & 0o200 == 0 {
                return Err(JournalError::ReadOnly(path.display().to_string(), mode));
            }
        }
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}

/// Whether SQLite failed because it could not make a read-only WAL journal's index beside it.
fn cannot_make_wal_index(error: &rusqlite::Error) -> bool {
    matches!(
        error.sqlite_error_code(),
        Some(rusqlite::ErrorCode::CannotOpen | rusqlite::ErrorCode::ReadOnly)
    )
}

/// What a path in a `file:` URI has percent-encoded (with every non-ASCII byte): the characters
/// a URI gives a meaning to.
const URI_RESERVED: &AsciiSet = &CONTROLS.add(b'?').add(b'#').add(b'%').add(b'&').add(b'=');

/// The suffixes of the journal's files: the journal, and SQLite's WAL and its index beside it.
const FILE_SUFFIXES: [&str; 3] = ["", "-wal", "-shm"];

/// Narrows the journal and its WAL files to 0600 (SQLite gives the WAL files the journal's
/// mode, and an existing journal keeps its own).
fn narrow_permissions(path: &Path) -> Result<(), JournalError> {
    for suffix in FILE_SUFFIXES {
        let file = beside(path, suffix);
        private::narrow(&file)
            .map_err(|source| JournalError::Io(file.display().to_string(), source))?;
    }
    Ok(())
}

#[cfg(test)]
impl Finish {
    /// One request, answered 200 with `outcome`: the unit tests' ordinary success.
    pub(crate) fn ok(outcome: Outcome) -> Finish {
        Finish {
            result: Ok(outcome),
            attempts: 1,
            status: Some(200),
            request_id: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::subjects::Subject;

    const UUID_B: &str = "bbbbbbbb-bbbb-bbbb-bbbb-bbbbbbbbbbbb";
    const UUID_C: &str = "cccccccc-cccc-cccc-cccc-cccccccccccc";

    fn subject(reference: &str, line: u64, ids: &[(Vendor, &str)]) -> Subject {
        Subject {
            reference: reference.to_string(),
            line,
            ids: ids.iter().map(|(v, id)| (*v, id.to_string())).collect(),
        }
    }

    fn read_steps(path: &Path) -> Vec<StepRow> {
        Journal::open_read_only(path).unwrap().steps().unwrap()
    }

    /// A new journal `j.db` of `subjects` in a new directory, and the journal's path.
    fn new_journal(subjects: &[Subject]) -> (tempfile::TempDir, PathBuf, Journal) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("j.db");
        let journal = Journal::open_for_run(&path, subjects).unwrap();
        (dir, path, journal)
    }

    /// The two subjects of [`failed_journal`]: three steps, two of them Gainsight PX.
    fn two_subjects() -> [Subject; 2] {
        [
            subject(
                "S1",
                2,
                &[(Vendor::Attestr, "AX1"), (Vendor::GainsightPx, "u1")],
            ),
            subject("S2", 5, &[(Vendor::GainsightPx, "secret-px-id")]),
        ]
    }

    /// A journal of one subject with a Trust step per `uuid-N` of `numbers`, each step then set
    /// as `update` says (SQL run with `?1` the step's id).
    fn work_journal(numbers: &[u32], updates: &[(u32, &str)]) -> (tempfile::TempDir, Journal) {
        let ids: Vec<(Vendor, String)> = numbers
            .iter()
            .map(|n| (Vendor::Trust, format!("uuid-{n}")))
            .collect();
        let planned = Subject {
            reference: "S1".to_string(),
            line: 2,
            ids: ids.into_iter().collect(),
        };
        let (dir, _, journal) = new_journal(&[planned]);
        for (number, update) in updates {
            let uuid = format!("uuid-{number}");
            let id: i64 = journal
                .conn
                .query_row(
                    "SELECT id FROM steps WHERE vendor_id = ?1",
                    [&uuid],
                    |row| row.get(0),
                )
                .unwrap();
            journal.conn.execute(update, [id]).unwrap();
        }
        (dir, journal)
    }

    /// The uuids of the work `journal` has for Trust, in one page, and whether each is a merge
    /// to follow (a finished step).
    fn work_uuids(journal: &Journal, follow_merges: bool) -> Vec<(String, bool)> {
        journal
            .work_page(Vendor::Trust, follow_merges, (0, i64::MAX), 100)
            .unwrap()
            .into_iter()
            .map(|step| (step.vendor_id, step.state == StepState::Done))
            .collect()
    }

    const DONE: &str = "UPDATE steps SET state = 'done', outcome = 'deleted' WHERE id = ?1";
    const IN_FLIGHT: &str = "UPDATE steps SET state = 'in_flight', sends = 1 WHERE id = ?1";
    const FAILED: &str = "UPDATE steps SET state = 'failed', sends = 1, problem_kind = 'retries_exhausted', problem = '' WHERE id = ?1";

    fn merged_into(number: u32) -> String {
        format!(
            "UPDATE steps SET state = 'done', outcome = 'merged', merged_into = 'uuid-{number}' WHERE id = ?1"
        )
    }

    #[test]
    fn finished_steps_are_not_work_and_merges_are_followed_once_when_asked() {
        let merged = merged_into(9);
        let (_dir, journal) = work_journal(
            &[1, 2, 3, 4, 5],
            &[
                (1, DONE),
                (2, IN_FLIGHT),
                (3, &merged),
                (4, FAILED),
                (5, &merged),
            ],
        );
        // The step a follow of uuid-5's merge added (another uuid, to stay apart from uuid-3's).
        journal
            .conn
            .execute(
                "INSERT INTO steps (subject_id, vendor, vendor_id, followed_from)
                 SELECT subject_id, vendor, 'uuid-6', id FROM steps WHERE vendor_id = 'uuid-5'",
                [],
            )
            .unwrap();
        let uuid = |n: u32, follow: bool| (format!("uuid-{n}"), follow);
        assert_eq!(
            work_uuids(&journal, false),
            [uuid(2, false), uuid(4, false), uuid(6, false)]
        );
        assert_eq!(
            work_uuids(&journal, true),
            [
                uuid(2, false),
                uuid(3, true),
                uuid(4, false),
                uuid(6, false)
            ]
        );
        let counts = journal.work_counts(true).unwrap();
        assert_eq!(
            counts,
            WorkCounts {
                steps: 6,
                done: 3,
                by_vendor: BTreeMap::from([(Vendor::Trust, 4)]),
                pending: 1,
                in_flight: 1,
                failed: 1,
                to_follow: 1,
            }
        );
        assert_eq!(journal.work_counts(false).unwrap().work(), 3);
    }

    #[test]
    fn a_merge_into_an_identity_the_subject_has_is_not_followed_again() {
        let (_dir, journal) = work_journal(&[1, 2], &[(1, &merged_into(2))]);
        assert_eq!(work_uuids(&journal, true), [("uuid-2".to_string(), false)]);
    }

    /// The vendor ids of each page a pager gives, each page read after the last id of the one
    /// before. Bounded, so that a pager that does not move on fails here instead of hanging.
    fn vendor_ids_by_page(mut page_after: impl FnMut(i64) -> Vec<StepRow>) -> Vec<Vec<String>> {
        let mut after = 0;
        let mut pages = Vec::new();
        for _ in 0..10 {
            let page = page_after(after);
            let Some(last) = page.last() else { break };
            after = last.id;
            pages.push(page.into_iter().map(|step| step.vendor_id).collect());
        }
        pages
    }

    #[test]
    fn work_is_read_in_pages_of_at_most_the_limit_each_step_once_up_to_the_last_id() {
        let numbers: Vec<u32> = (1..=7).collect();
        let (_dir, journal) = work_journal(&numbers, &[(3, DONE)]);
        let up_to = journal.last_step_id().unwrap();
        // A step added after the run read its last id (a followed merge) is not paged.
        journal
            .conn
            .execute(
                "INSERT INTO steps (subject_id, vendor, vendor_id)
                 SELECT subject_id, vendor, 'uuid-8' FROM steps WHERE vendor_id = 'uuid-1'",
                [],
            )
            .unwrap();
        let pages = vendor_ids_by_page(|after| {
            journal
                .work_page(Vendor::Trust, false, (after, up_to), 2)
                .unwrap()
        });
        assert_eq!(
            pages,
            [
                vec!["uuid-1", "uuid-2"],
                vec!["uuid-4", "uuid-5"],
                vec!["uuid-6", "uuid-7"],
            ]
        );
        assert!(
            journal
                .work_page(Vendor::Attestr, false, (0, up_to), 2)
                .unwrap()
                .is_empty()
        );
    }

    #[test]
    fn finished_steps_are_read_in_pages_each_once() {
        let numbers: Vec<u32> = (1..=6).collect();
        let updates = [(2, DONE), (3, IN_FLIGHT), (4, DONE), (5, FAILED), (6, DONE)];
        let (_dir, journal) = work_journal(&numbers, &updates);
        let pages =
            vendor_ids_by_page(|after| journal.finished_page(Vendor::Trust, after, 2).unwrap());
        assert_eq!(pages, [vec!["uuid-2", "uuid-4"], vec!["uuid-6"]]);
        assert!(
            journal
                .finished_page(Vendor::GainsightPx, 0, 2)
                .unwrap()
                .is_empty()
        );
    }

    fn runtime() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap()
    }

    #[test]
    fn a_new_journal_is_private_and_holds_the_plan() {
        let [first, _] = two_subjects();
        let subjects = [first, subject("S2", 3, &[(Vendor::Trust, UUID_B)])];
        let (_dir, path, journal) = new_journal(&subjects);
        let steps = journal.steps().unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            for suffix in ["", "-wal"] {
                let file = format!("{}{suffix}", path.display());
                let mode = std::fs::metadata(&file).unwrap().permissions().mode();
                assert_eq!(mode & 0o777, 0o600, "{file}");
            }
        }
        assert_eq!(steps.len(), 3);
        assert!(steps.iter().all(|step| step.state == StepState::Pending));
        assert_eq!(journal.salt().unwrap().len(), SALT_BYTES);
        drop(journal);

        // Again with the same subjects: fine. With others: refused, naming the line only.
        Journal::open_for_run(&path, &subjects).unwrap();
        let other = [
            subjects[0].clone(),
            subject("S2", 3, &[(Vendor::Trust, UUID_C)]),
        ];
        let err = Journal::open_for_run(&path, &other).unwrap_err();
        assert!(
            matches!(&err, JournalError::PlanMismatch(_, reason) if reason == "the subject on line 3 has other vendor ids"),
            "{err}"
        );
        assert!(!err.to_string().contains("cccccccc"));
    }

    #[test]
    fn a_journal_started_from_other_subjects_names_the_first_difference() {
        let subjects = [subject("S1", 2, &[(Vendor::GainsightPx, "u1")])];
        let (_dir, path, journal) = new_journal(&subjects);
        drop(journal);
        let renamed = [subject("S9", 2, &[(Vendor::GainsightPx, "u1")])];
        let more = [
            subjects[0].clone(),
            subject("S2", 3, &[(Vendor::GainsightPx, "u2")]),
        ];
        for (given, said) in [
            (&renamed[..], "the subject on line 2 is not in it"),
            (&more[..], "it holds 1 subjects, the file 2"),
        ] {
            let err = Journal::open_for_run(&path, given).unwrap_err();
            assert!(
                matches!(&err, JournalError::PlanMismatch(_, reason) if reason == said),
                "{err}"
            );
        }
    }

    /// A 503 after retries; `may_have_acted` says whether the vendor may have acted on it.
    fn failed_finish(may_have_acted: bool) -> Finish {
        Finish {
            result: Err(Problem {
                kind: ProblemKind::RetriesExhausted,
                message: "503".to_string(),
                status: Some(503),
                may_have_acted,
                retryable: true,
                retry_after: None,
            }),
            attempts: 1,
            status: Some(503),
            request_id: None,
        }
    }

    /// A journal of [`two_subjects`] whose steps all failed, in a new directory, and its path.
    fn failed_journal() -> (tempfile::TempDir, PathBuf) {
        let (dir, path, journal) = new_journal(&two_subjects());
        let steps = journal.steps().unwrap();
        let writer = journal.into_writer();
        runtime().block_on(async {
            for step in &steps {
                writer.begin(step.id).await.unwrap();
                writer.finish(step.id, failed_finish(false)).await.unwrap();
            }
        });
        drop(writer);
        (dir, path)
    }

    fn tampered(path: &Path) -> String {
        match Journal::open_read_only(path).unwrap().check_chain() {
            Err(error @ JournalError::Tampered(..)) => error.to_string(),
            other => panic!("not found tampered: {other:?}"),
        }
    }

    /// The same journal named another way (through a link to it, or to its directory) is the
    /// same journal in use.
    #[cfg(unix)]
    #[test]
    fn a_journal_in_use_is_refused_under_another_name_too() {
        let subjects = [subject("S1", 2, &[(Vendor::GainsightPx, "u1")])];
        let (dir, path, journal) = new_journal(&subjects);
        let linked_file = dir.path().join("link.db");
        std::os::unix::fs::symlink(&path, &linked_file).unwrap();
        let linked_dir = dir.path().join("linked-dir");
        std::os::unix::fs::symlink(dir.path(), &linked_dir).unwrap();
        for other in [linked_file, linked_dir.join("j.db")] {
            let second = Journal::open_for_run(&other, &subjects);
            assert!(
                matches!(second, Err(JournalError::InUse(..))),
                "{}: {second:?}",
                other.display()
            );
            let verify = Journal::open_for_verify(&other);
            assert!(matches!(verify, Err(JournalError::InUse(..))), "{verify:?}");
        }
        drop(journal);
    }

    #[test]
    fn a_journal_in_use_is_refused_at_once_and_freed_when_the_run_ends() {
        let subjects = [subject("S1", 2, &[(Vendor::GainsightPx, "u1")])];
        let (_dir, path, journal) = new_journal(&subjects);
        let started = std::time::Instant::now();
        let second = Journal::open_for_run(&path, &subjects).unwrap_err();
        assert!(matches!(second, JournalError::InUse(..)), "{second}");
        assert!(
            second
                .to_string()
                .contains("in use by another vendor-erase run")
        );
        assert!(matches!(
            Journal::open_for_verify(&path).unwrap_err(),
            JournalError::InUse(..)
        ));
        // Refused without waiting (a bound on a hang, not a speed test).
        assert!(started.elapsed() < std::time::Duration::from_secs(5));
        // Readers are not locked out.
        Journal::open_read_only(&path).unwrap().steps().unwrap();
        // The writer holds the lock until it is dropped.
        let writer = journal.into_writer();
        assert!(matches!(
            Journal::open_for_run(&path, &subjects).unwrap_err(),
            JournalError::InUse(..)
        ));
        drop(writer);
        Journal::open_for_run(&path, &subjects).unwrap();
    }

    #[test]
    fn the_chain_holds_while_only_the_tool_writes() {
        let (_dir, path) = failed_journal();
        let journal = Journal::open_read_only(&path).unwrap();
        let head = journal.check_chain().unwrap();
        // The plan, then a begin and a finish for each of the three steps.
        assert_eq!(head.records, 1 + 3 * 2);
        assert!(head.digest.starts_with("sha256:") && head.digest.len() == 7 + 64);
        // The same journal gives the same head; one more write moves it.
        assert_eq!(
            Journal::open_read_only(&path)
                .unwrap()
                .check_chain()
                .unwrap(),
            head
        );
        let mut journal = Journal::open_for_run(&path, &two_subjects()).unwrap();
        let provenance = Provenance::of("run", &Default::default(), Some("Dana"), 7);
        journal.record_start(&provenance).unwrap();
        let moved = journal.check_chain().unwrap();
        assert_ne!(moved.digest, head.digest);
        assert_eq!(journal.provenance().unwrap(), [provenance]);
    }

    #[test]
    fn a_followed_step_removed_outside_the_tool_is_found() {
        let subjects = [subject("S1", 2, &[(Vendor::Trust, UUID_C)])];
        let (_dir, path, journal) = new_journal(&subjects);
        let step = journal.steps().unwrap().remove(0);
        let writer = journal.into_writer();
        runtime().block_on(async {
            writer.begin(step.id).await.unwrap();
            let merged = Outcome::Merged {
                into: UUID_B.to_string(),
            };
            writer.finish(step.id, Finish::ok(merged)).await.unwrap();
            writer.follow(&step, UUID_B).await.unwrap();
        });
        drop(writer);
        // Not a planned step, so the plan's digest still holds: only the check for rows the
        // chain records finds it gone.
        Connection::open(&path)
            .unwrap()
            .execute_batch(
                "PRAGMA foreign_keys = OFF; DELETE FROM steps WHERE followed_from IS NOT NULL",
            )
            .unwrap();
        let error = tampered(&path);
        assert!(
            error.contains("a step the chain records was removed from the journal"),
            "{error}"
        );
    }

    #[test]
    fn a_report_made_while_a_run_writes_reads_one_snapshot() {
        let subjects = [subject("S1", 2, &[(Vendor::GainsightPx, "u1")])];
        let (_dir, path, journal) = new_journal(&subjects);
        let steps = journal.steps().unwrap();
        let writer = journal.into_writer();
        let reader = Journal::open_read_only(&path).unwrap();
        let head = reader
            .read_snapshot(|reader| {
                let before = reader.check_chain()?;
                // A write commits between the reader's two looks: the reader still sees the
                // journal as it was, row and chain alike.
                runtime().block_on(writer.begin(steps[0].id)).unwrap();
                assert_eq!(reader.steps()?[0].state, StepState::Pending);
                assert_eq!(reader.check_chain()?, before);
                Ok(before)
            })
            .unwrap();
        assert_ne!(reader.check_chain().unwrap(), head);
        drop(writer);
    }

    #[test]
    fn a_row_edited_outside_the_tool_is_named_by_line_and_vendor() {
        let (_dir, path) = failed_journal();
        // The attack of the issue: failed steps turned into done/deleted with another client.
        Connection::open(&path)
            .unwrap()
            .execute_batch(
                "UPDATE steps SET state = 'done', outcome = 'deleted', problem_kind = NULL,
                 problem = NULL WHERE vendor = 'gainsight-px'",
            )
            .unwrap();
        let error = tampered(&path);
        assert!(
            error.contains("the Gainsight PX step of the subject on line 2"),
            "{error}"
        );
        assert!(
            !error.contains("u1") && !error.contains("secret-px-id"),
            "{error}"
        );
        let journal = Journal::open_read_only(&path).unwrap();
        assert!(matches!(
            crate::report::Report::from_journal(&journal, false),
            Err(crate::report::ReportError::Journal(JournalError::Tampered(
                ..
            )))
        ));
        assert!(matches!(
            Journal::open_for_verify(&path),
            Err(JournalError::Tampered(..))
        ));
    }

    #[test]
    fn a_never_sent_step_edited_outside_the_tool_is_named_by_line_and_vendor() {
        let subjects = [subject("S1", 2, &[(Vendor::GainsightPx, "u1")])];
        let (_dir, path, journal) = new_journal(&subjects);
        assert_eq!(journal.check_chain().unwrap().records, 1);
        for edit in [
            "UPDATE steps SET state = 'done', outcome = 'deleted'",
            "UPDATE steps SET sends = 1",
            "UPDATE steps SET check_note = 'x'",
        ] {
            let conn = Connection::open(&path).unwrap();
            conn.execute_batch(&format!("BEGIN; {edit};")).unwrap();
            let found = chain::check(&conn, &journal.salt().unwrap()).unwrap();
            assert_eq!(
                found,
                Err("the Gainsight PX step of the subject on line 2 does not hold what vendor-erase recorded for it".to_string()),
                "{edit}"
            );
        }
    }

    #[test]
    fn an_edited_record_a_removed_step_or_an_edited_plan_breaks_the_chain() {
        let (_dir, path) = failed_journal();
        let conn = Connection::open(&path).unwrap();
        // Row and its last record edited alike: the chain link breaks.
        conn.execute_batch(&format!(
            "UPDATE steps SET state = 'done', outcome = 'deleted', problem_kind = NULL, problem = NULL
             WHERE id = (SELECT min(id) FROM steps WHERE vendor = 'gainsight-px' AND subject_id = 2);
             UPDATE records SET entry = (SELECT {} FROM steps WHERE steps.id = records.step_id)
             WHERE seq = (SELECT max(seq) FROM records WHERE step_id =
                 (SELECT min(id) FROM steps WHERE subject_id = 2));",
            chain::ROW_JSON
        ))
        .unwrap();
        let error = tampered(&path);
        assert!(
            error.contains("a record of the chain was changed"),
            "{error}"
        );
        assert!(error.contains("subject on line 5"), "{error}");

        let (_dir, path) = failed_journal();
        Connection::open(&path)
            .unwrap()
            .execute_batch("UPDATE subjects SET line = 9 WHERE line = 5")
            .unwrap();
        assert!(tampered(&path).contains("the plan"));
    }

    #[test]
    fn a_deleted_salt_an_old_layout_and_a_full_disk_are_said_as_they_are() {
        let (_dir, path) = failed_journal();
        let conn = Connection::open(&path).unwrap();
        conn.execute_batch("DELETE FROM meta WHERE key = 'salt'")
            .unwrap();
        let error = Journal::open_read_only(&path).unwrap().salt().unwrap_err();
        assert!(
            matches!(&error, JournalError::Damaged(_, reason) if reason.contains("salt is missing")),
            "{error}"
        );
        assert!(!error.to_string().contains("no rows"), "{error}");

        conn.execute_batch("PRAGMA user_version = 1").unwrap();
        let error = Journal::open_read_only(&path).unwrap_err();
        assert!(matches!(error, JournalError::Outdated(_, 1)), "{error}");
        assert!(
            error
                .to_string()
                .contains("before the journal had a hash chain")
        );

        // A full disk (or any I/O failure) is not "not a journal"; only SQLite's own "not a
        // database" is.
        let failure = |code| rusqlite::Error::SqliteFailure(rusqlite::ffi::Error::new(code), None);
        for code in [
            rusqlite::ffi::SQLITE_FULL,
            rusqlite::ffi::SQLITE_IOERR,
            rusqlite::ffi::SQLITE_CANTOPEN,
        ] {
            let error = identity_error("j.db", failure(code));
            assert!(matches!(error, JournalError::Sqlite(..)), "{error}");
        }
        assert!(matches!(
            identity_error("j.db", failure(rusqlite::ffi::SQLITE_NOTADB)),
            JournalError::NotAJournal(..)
        ));
        assert!(
            identity_error("j.db", failure(rusqlite::ffi::SQLITE_FULL))
                .to_string()
                .contains("full"),
        );
    }

    #[cfg(unix)]
    #[test]
    fn a_read_only_journal_is_refused_for_a_run_and_left_as_it_is() {
        use std::os::unix::fs::PermissionsExt;
        let (_dir, path) = failed_journal();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o444)).unwrap();
        let error = Journal::open_for_run(&path, &two_subjects()).unwrap_err();
        assert!(matches!(error, JournalError::ReadOnly(_, 0o444)), "{error}");
        assert!(
            error.to_string().contains("read-only (mode 444)"),
            "{error}"
        );
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o444, "the journal's mode was changed");
        // Read-only is what a report needs.
        crate::report::Report::from_journal(&Journal::open_read_only(&path).unwrap(), false)
            .unwrap();
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
            Err(JournalError::NotAJournal(..))
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
            Err(JournalError::Missing(..))
        ));
    }

    #[test]
    fn writes_are_committed_in_order_and_a_finished_step_cannot_restart() {
        let subjects = [subject("S1", 2, &[(Vendor::Trust, UUID_C)])];
        let (_dir, path, journal) = new_journal(&subjects);
        let mut steps = journal.steps().unwrap();
        let step = steps.remove(0);
        let writer = journal.into_writer();
        runtime().block_on(async {
            assert_eq!(writer.begin(step.id).await.unwrap(), 0);
            let in_flight = read_steps(&path).remove(0);
            assert_eq!(
                (in_flight.state, in_flight.sends, in_flight.unsettled),
                (StepState::InFlight, 1, 1)
            );
            let merged = Outcome::Merged {
                into: UUID_B.to_string(),
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
            let followed = writer.follow(&step, UUID_B).await.unwrap();
            let Followed::Added(follow) = followed else {
                panic!("not added: {followed:?}");
            };
            assert_eq!(
                writer.follow(&step, UUID_B).await.unwrap(),
                Followed::Present(follow)
            );
            let steps = read_steps(&path);
            assert_eq!(steps[0].outcome, Some(merged));
            assert_eq!((steps[0].attempts, steps[0].unsettled), (2, 0));
            assert_eq!(steps[0].request_id.as_deref(), Some("r-1"));
            assert_eq!(steps[1].followed_from, Some(step.id));
        });
        drop(writer);
    }

    #[test]
    fn a_write_that_fails_takes_no_other_write_of_its_batch_with_it() {
        let subjects = [subject(
            "S1",
            2,
            &[
                (Vendor::Attestr, "AX1"),
                (Vendor::Trust, UUID_C),
                (Vendor::GainsightPx, "u1"),
            ],
        )];
        let (_dir, path, journal) = new_journal(&subjects);
        let steps = journal.steps().unwrap();
        let ids: Vec<i64> = steps.iter().map(|step| step.id).collect();
        let (sender, receiver) = mpsc::channel();
        let mut answers = Vec::new();
        for write in [
            Write::Begin(ids[0]),
            // Never begun: refused.
            Write::Finish(ids[1], Box::new(Finish::ok(Outcome::Deleted))),
            Write::Begin(ids[2]),
        ] {
            let (done, answer) = oneshot::channel();
            sender.send(Job { write, at: 1, done }).unwrap();
            answers.push(answer);
        }
        drop(sender);
        // Every write is queued before the loop starts, so the three share one transaction.
        write_loop(journal.conn, "j.db", &receiver);
        let answers: Vec<_> = answers
            .into_iter()
            .map(|mut answer| answer.try_recv().unwrap())
            .collect();
        assert_eq!(answers[0], Ok(Answer::Begun(0)));
        assert!(
            answers[1]
                .as_ref()
                .is_err_and(|error| error.contains("cannot be finished")),
            "{:?}",
            answers[1]
        );
        assert_eq!(answers[2], Ok(Answer::Begun(0)));
        let states: Vec<_> = read_steps(&path).iter().map(|step| step.state).collect();
        assert_eq!(
            states,
            [StepState::InFlight, StepState::Pending, StepState::InFlight]
        );
    }

    #[test]
    fn begin_answers_how_many_earlier_sends_had_an_unknown_effect() {
        let subjects = [subject("S1", 2, &[(Vendor::GainsightPx, "u1")])];
        let (_dir, path, journal) = new_journal(&subjects);
        let steps = journal.steps().unwrap();
        let step = steps[0].id;
        let writer = journal.into_writer();
        runtime().block_on(async {
            assert_eq!(writer.begin(step).await.unwrap(), 0);
            writer.finish(step, failed_finish(true)).await.unwrap();
            assert_eq!(writer.begin(step).await.unwrap(), 1);
            writer.finish(step, failed_finish(false)).await.unwrap();
            assert_eq!(writer.begin(step).await.unwrap(), 1);
            writer
                .finish(step, Finish::ok(Outcome::Deleted))
                .await
                .unwrap();
        });
        drop(writer);
        let row = read_steps(&path).remove(0);
        assert_eq!((row.sends, row.unsettled), (3, 0));
    }

    #[test]
    fn merges_are_followed_by_subject_and_identity_within_the_bound() {
        let uuid = |n: u32| format!("{n:08x}-0000-4000-8000-000000000000");
        let subjects = [subject("S1", 2, &[(Vendor::Trust, uuid(0).as_str())])];
        let (_dir, path, journal) = new_journal(&subjects);
        let steps = journal.steps().unwrap();
        let planned = steps[0].clone();
        let writer = journal.into_writer();
        runtime().block_on(async {
            // A merge into the subject's own planned identity is resolved by that step.
            assert_eq!(
                writer.follow(&planned, &uuid(0)).await.unwrap(),
                Followed::Present(planned.id)
            );
            // A chain of merges: each adds a step, up to MAX_FOLLOWED_MERGES from the plan.
            let mut from = planned.clone();
            for n in 1..=MAX_FOLLOWED_MERGES {
                let followed = writer.follow(&from, &uuid(n)).await.unwrap();
                let Followed::Added(id) = followed else {
                    panic!("merge {n}: {followed:?}");
                };
                from = StepRow::following(&from, id, uuid(n));
            }
            assert_eq!(
                writer.follow(&from, &uuid(99)).await.unwrap(),
                Followed::TooDeep
            );
            // Back to an identity the subject has: resolved, whatever the depth.
            assert_eq!(
                writer.follow(&from, &uuid(1)).await.unwrap(),
                Followed::Present(planned.id + 1)
            );
        });
        drop(writer);
        let steps = read_steps(&path);
        assert_eq!(steps.len(), 1 + MAX_FOLLOWED_MERGES as usize);
        assert!(!steps.iter().any(|step| step.vendor_id == uuid(99)));
    }
}
