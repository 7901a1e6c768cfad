//! Erasure of data subjects at Attestr, Trust and Gainsight PX: the library behind the
//! `vendor-erase` command.
//!
//! A subjects file ([`subjects`]) becomes a plan of steps, one per vendor id ([`plan`]). A run
//! ([`run`]) sends each step through the vendor crates, which return an outcome only on the
//! vendor's documented evidence ([`outcome`]), paced per vendor ([`pace`]), and records each step
//! in a SQLite journal before and after its request ([`journal`]), so that a killed run resumes
//! without sending a finished step again. Receipts ([`report`]) say what the journal proves for
//! each subject, with vendor ids as salted hashes ([`hashing`]). Every journal write is chained
//! ([`chain`]) so an edit outside the tool shows; each run records what it ran with
//! ([`provenance`]); `verify` reads erased steps back later ([`verify`]).
//!
//! ```no_run
//! # async fn erase() -> Result<(), Box<dyn std::error::Error>> {
//! use erasure::{clients::Clients, journal::Journal, plan, progress::Silent, report::Report};
//! use erasure::run::{RunOptions, StopSignal, run};
//!
//! let subjects = erasure::subjects::read_subjects("subjects.csv".as_ref())?;
//! let clients = Clients::from_vars(vendor_runtime::Vars::process(), &plan::vendors_needed(&subjects))?;
//! let (journal, steps) = Journal::open_for_run("erasure.db".as_ref(), &subjects)?;
//! run(journal, &steps, &clients, &RunOptions::default(), &Silent, &StopSignal::default()).await?;
//! let report = Report::from_journal(&Journal::open_read_only("erasure.db".as_ref())?, false)?;
//! assert!(report.all_erased());
//! # Ok(())
//! # }
//! ```

#![warn(missing_docs)]

pub mod chain;
pub mod cli;
pub mod clients;
pub mod hashing;
pub mod journal;
pub mod outcome;
pub mod pace;
pub mod plan;
mod private;
pub mod progress;
pub mod provenance;
pub mod report;
pub mod run;
pub mod subjects;
pub mod vendor;
pub mod verify;

/// Locks `mutex`, also after a thread panicked while holding it: what this crate guards (a
/// time, a pause, a halt reason) is valid whatever a panic interrupted.
fn lock<T>(mutex: &std::sync::Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// The exit codes of `vendor-erase`.
pub mod exit {
    /// Every step of every subject has a proven outcome that needs nothing more.
    pub const ERASED: u8 = 0;
    /// The tool itself failed (the journal could not be written or read); what was committed
    /// stays, and a run can be given again.
    pub const FAILED: u8 = 1;
    /// The command line, the subjects file or the configuration is wrong; nothing was sent.
    pub const USAGE: u8 = 2;
    /// Some step needs a person (a merge not followed, an answer that proved nothing, refused
    /// credentials, a vendor that kept failing) or is not finished (a stopped run).
    pub const NEEDS_PERSON: u8 = 3;
}
