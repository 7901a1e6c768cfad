#![doc = include_str!("../README.md")]

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
pub mod redact;
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

/// `items`, each once, in the order met (each compared with those kept: for a few items).
fn unique<T: PartialEq>(items: impl Iterator<Item = T>) -> Vec<T> {
    let mut list = Vec::new();
    for item in items {
        if !list.contains(&item) {
            list.push(item);
        }
    }
    list
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
