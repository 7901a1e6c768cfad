//! What a run shows while it goes: a progress bar on a terminal (indicatif), plain lines
//! otherwise. Lines name a step by its subject's line in the subjects file and its vendor, never
//! by an id or the subject's reference.

use std::io::Write;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::journal::StepRow;
use crate::lock;
use crate::outcome::{Outcome, Problem};
use crate::report::Standing;
use crate::vendor::{ErasureFacts, Vendor};

/// Receives a run's events.
pub trait Progress: Send + Sync {
    /// The run starts: `to_send` steps of `total`, the rest finished earlier.
    fn started(&self, total: usize, to_send: usize);
    /// A step ended, with its outcome or its problem.
    fn step_ended(&self, step: &StepRow, result: Result<&Outcome, &Problem>);
    /// A step was not sent, its vendor halted (announced once by [`Self::vendor_halted`]).
    fn step_not_sent(&self, step: &StepRow);
    /// Nothing more is sent to `vendor` in this run, for `reason`.
    fn vendor_halted(&self, vendor: Vendor, reason: &str);
    /// The run ended.
    fn ended(&self);
}

/// Shows nothing.
#[derive(Debug, Default)]
pub struct Silent;

impl Progress for Silent {
    fn started(&self, _: usize, _: usize) {}
    fn step_ended(&self, _: &StepRow, _: Result<&Outcome, &Problem>) {}
    fn step_not_sent(&self, _: &StepRow) {}
    fn vendor_halted(&self, _: Vendor, _: &str) {}
    fn ended(&self) {}
}

/// Counts shared by both displays.
#[derive(Debug, Default)]
struct Counts {
    to_send: AtomicUsize,
    ended: AtomicUsize,
    needs_person: AtomicUsize,
    /// Ended with the vendor's proof that it holds nothing under the id (counted apart from
    /// erasures, as the receipts do).
    absent: AtomicUsize,
}

impl Counts {
    fn summary(&self) -> String {
        let ended = self.ended.load(Ordering::Relaxed);
        let needs = self.needs_person.load(Ordering::Relaxed);
        let absent = self.absent.load(Ordering::Relaxed);
        format!(
            "{ended}/{} sent steps ended: {} erased, {absent} absent, {needs} need a person",
            self.to_send.load(Ordering::Relaxed),
            ended - needs - absent
        )
    }

    fn not_sent(&self) {
        self.ended.fetch_add(1, Ordering::Relaxed);
        self.needs_person.fetch_add(1, Ordering::Relaxed);
    }

    fn record(&self, result: Result<&Outcome, &Problem>) {
        self.ended.fetch_add(1, Ordering::Relaxed);
        let counter = match result.ok().and_then(Standing::of_outcome) {
            Some(Standing::Erased) => return,
            Some(Standing::Absent) => &self.absent,
            _ => &self.needs_person,
        };
        counter.fetch_add(1, Ordering::Relaxed);
    }
}

/// A line for a step that needs a person; `None` for a proven erasure.
fn attention(step: &StepRow, result: Result<&Outcome, &Problem>) -> Option<String> {
    let why = match result {
        Ok(outcome) if outcome.is_erased() => return None,
        Ok(outcome) => outcome.to_string(),
        Err(problem) => problem.summary(),
    };
    Some(format!(
        "subject on line {}: {} {}: {why}; needs a person (see the report)",
        step.subject_line,
        step.vendor,
        step.vendor.facts().action
    ))
}

/// The reason may hold a vendor's text (a check's error body): it is shown printable only, so
/// that an escape sequence in it cannot drive the terminal.
fn halted(vendor: Vendor, reason: &str) -> String {
    format!(
        "{vendor}: sending nothing more in this run: {}",
        crate::redact::printable(reason)
    )
}

/// A run shown on stderr: an indicatif bar on a terminal, or else plain lines with a count at
/// most once a second; either way a line for every step that needs a person.
#[derive(Debug)]
pub struct Terminal {
    counts: Counts,
    /// The bar, when one is drawn (plain lines otherwise).
    bar: Option<ProgressBar>,
    /// When plain lines last gave the count.
    last: Mutex<Instant>,
}

impl Terminal {
    /// Plain lines.
    pub fn lines() -> Terminal {
        Terminal {
            counts: Counts::default(),
            bar: None,
            last: Mutex::new(Instant::now()),
        }
    }

    /// A bar.
    pub fn bar() -> Terminal {
        let bar = ProgressBar::with_draw_target(Some(0), ProgressDrawTarget::stderr());
        bar.set_style(
            ProgressStyle::with_template(
                "{elapsed_precise} [{bar:40}] {pos}/{len} steps ({per_sec}, eta {eta}) {msg}",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
        );
        Terminal {
            bar: Some(bar),
            ..Terminal::lines()
        }
    }

    fn print(&self, line: String) {
        match &self.bar {
            Some(bar) => bar.println(line),
            None => {
                let _ = writeln!(std::io::stderr().lock(), "vendor-erase: {line}");
            }
        }
    }
}

impl Progress for Terminal {
    fn started(&self, total: usize, to_send: usize) {
        self.counts.to_send.store(to_send, Ordering::Relaxed);
        match &self.bar {
            Some(bar) => bar.set_length(to_send as u64),
            None => self.print(format!(
                "{total} steps, {} finished before, {to_send} to send",
                total - to_send
            )),
        }
    }

    fn step_ended(&self, step: &StepRow, result: Result<&Outcome, &Problem>) {
        self.counts.record(result);
        if let Some(line) = attention(step, result) {
            self.print(line);
        }
        match &self.bar {
            Some(bar) => {
                let needs_person = self.counts.needs_person.load(Ordering::Relaxed);
                bar.set_message(format!("{needs_person} need a person"));
                bar.inc(1);
            }
            None => {
                let mut last = lock(&self.last);
                if last.elapsed() >= Duration::from_secs(1) {
                    *last = Instant::now();
                    self.print(self.counts.summary());
                }
            }
        }
    }

    fn step_not_sent(&self, _: &StepRow) {
        self.counts.not_sent();
        if let Some(bar) = &self.bar {
            bar.inc(1);
        }
    }

    fn vendor_halted(&self, vendor: Vendor, reason: &str) {
        self.print(halted(vendor, reason));
    }

    fn ended(&self) {
        match &self.bar {
            Some(bar) => bar.finish_with_message(self.counts.summary()),
            None => self.print(self.counts.summary()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn erased_and_absent_steps_are_counted_apart() {
        let counts = Counts::default();
        counts.to_send.store(4, Ordering::Relaxed);
        counts.record(Ok(&Outcome::Deleted));
        counts.record(Ok(&Outcome::NotFound));
        counts.record(Ok(&Outcome::Merged {
            into: "x".to_string(),
        }));
        counts.not_sent();
        assert_eq!(
            counts.summary(),
            "4/4 sent steps ended: 1 erased, 1 absent, 2 need a person"
        );
    }

    #[test]
    fn a_halt_reason_from_a_vendor_is_shown_printable() {
        let line = halted(Vendor::Attestr, "HTTP 500: \u{1b}[2J\u{1b}]0;x\u{7}boom");
        assert!(
            !line.contains('\u{1b}') && !line.contains('\u{7}') && line.contains("boom"),
            "{line:?}"
        );
    }
}
