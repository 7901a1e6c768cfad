//! Receipts: what the journal proves for each subject, per vendor (standing, outcome, time, the
//! vendor's request id where one came, attempts), with vendor ids as salted hashes unless
//! revealed. A receipt is built one subject at a time from the journal ([`JournalReceipts`]), so
//! a report of a million subjects holds one subject in memory: a first pass counts
//! ([`Summary`]), the formats ([`markdown`], [`html`], [`spreadsheet`], JSON) then write each
//! subject as it is read. [`Report`] is the same model held whole, for a few subjects.
//!
//! Before anything is counted, the journal's hash chain is checked ([`Journal::check_chain`]) in
//! the same read snapshot: a journal changed outside the tool gets no receipt. The report's head
//! ([`Head`]) states the chain head, every run and verify as it started, and per vendor the
//! environment, method and completion; each step states its Gainsight PX re-check date and what
//! the last `verify` found.
//!
//! Every step has one of four standings: `erased` (the vendor confirmed a deletion or an archive),
//! `absent` (the vendor proved it holds nothing under the id), `needs_person` (also a record
//! `verify` found present again), `not_finished`.

pub mod html;
pub mod markdown;
pub mod spreadsheet;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::io::{self, Write};

use chrono::{DateTime, SecondsFormat, Utc};
use serde::Serialize;

use crate::hashing::IdHasher;
use crate::journal::{Journal, JournalError, StepRow, StepState, SubjectRow, merge_followers};
use crate::outcome::{Outcome, ProblemKind};
use crate::provenance::{CitedPage, Provenance};
use crate::redact::{Redactor, printable};
use crate::vendor::{ErasureFacts, Vendor};
use crate::verify::{self, CheckResult};
use crate::{chain, unique};

/// A receipt format; `--format` takes its name (strum's, in lowercase).
#[derive(Debug, Clone, Copy, PartialEq, Eq, strum::EnumString, strum::VariantNames)]
#[strum(serialize_all = "lowercase")]
pub enum Format {
    /// Machine-readable, the whole model.
    Json,
    /// A page of Markdown tables.
    Markdown,
    /// One self-contained HTML page.
    Html,
    /// CSV for spreadsheets, one row per step.
    Csv,
}

/// Where a step or a subject stands, for a person. A subject stands where its worst step does
/// (in this order, best first).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(into = "&'static str")]
#[derive(strum::IntoStaticStr)]
#[strum(serialize_all = "snake_case")]
pub enum Standing {
    /// The vendor confirmed a deletion or an archive (`deleted`, `archived`, `already_archived`).
    Erased,
    /// The vendor proved it holds nothing under the id (`not_found`,
    /// `deleted_or_already_absent`): nothing was erased there by this step. Unexpected many of
    /// them mean wrong ids, a wrong account or a wrong data centre.
    Absent,
    /// Not finished: never sent, or in flight when a run stopped. Run again.
    NotFinished,
    /// A person must look: a merge not followed, an unproven answer, refused credentials, a
    /// vendor that kept failing.
    NeedsPerson,
}

impl Standing {
    /// How a person reads it.
    pub fn label(self) -> &'static str {
        match self {
            Standing::Erased => "erased",
            Standing::Absent => "absent",
            Standing::NotFinished => "not finished",
            Standing::NeedsPerson => "needs a person",
        }
    }

    /// Its name in the JSON and CSV reports.
    pub fn name(self) -> &'static str {
        self.into()
    }

    /// The standing a proven outcome gives (a merge stands where the step resolving it does).
    pub fn of_outcome(outcome: &Outcome) -> Option<Standing> {
        match outcome {
            Outcome::Archived | Outcome::AlreadyArchived | Outcome::Deleted => {
                Some(Standing::Erased)
            }
            Outcome::NotFound | Outcome::DeletedOrAlreadyAbsent => Some(Standing::Absent),
            Outcome::Merged { .. } => None,
        }
    }
}

/// The problem a step ended with, for a person.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProblemReceipt {
    /// The kind (`unproven`, `auth`, `retries_exhausted`, `refused`, `not_sent`).
    pub kind: ProblemKind,
    /// The vendor crate's message, printable, ids redacted unless revealed.
    pub message: String,
    /// What to do.
    pub advice: &'static str,
}

/// One vendor step of a subject.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StepReceipt {
    /// The vendor's key.
    pub vendor: Vendor,
    /// The vendor's name.
    pub vendor_name: &'static str,
    /// What the tool does there.
    pub action: &'static str,
    /// The vendor id: a salted hash, or the raw id with `--reveal`.
    pub id: String,
    /// The merged step this one follows (`--follow-merges`), by the id it deleted for.
    pub follows_merge_of: Option<String>,
    /// Where it stands.
    pub standing: Standing,
    /// The proven outcome, if there is one.
    pub outcome: Option<String>,
    /// For a merge: the identity it was merged into (hashed unless revealed).
    pub merged_into: Option<String>,
    /// What the outcome (or the state) means.
    pub meaning: String,
    /// What the outcome cannot prove, where the vendor leaves a gap.
    pub caveat: Option<&'static str>,
    /// The problem, while there is no outcome.
    pub problem: Option<ProblemReceipt>,
    /// When the last send ended, RFC 3339 UTC.
    pub time: Option<String>,
    /// The vendor's request id of the last response, where one came (printable, ids redacted
    /// unless revealed).
    pub request_id: Option<String>,
    /// HTTP requests sent for this step, retries included, over all runs.
    pub attempts: u32,
    /// Times the step was sent, over all runs.
    pub sends: u32,
    /// The last HTTP status.
    pub http_status: Option<u16>,
    /// Gainsight PX: when a `verify` should read the step back (erasure time + 7 days), RFC 3339.
    pub recheck_due: Option<String>,
    /// What the last `verify` proved for the step.
    pub verification: Option<VerificationReceipt>,
}

/// What a `verify` proved for a step.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VerificationReceipt {
    /// `absent_again`, `present_again`, `not_verifiable` or `check_failed`.
    pub result: CheckResult,
    /// When, RFC 3339 UTC.
    pub time: String,
    /// Why, in words.
    pub note: Option<String>,
}

/// What each vendor's erasure ran against and with, as a processor's erasure confirmation
/// states it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VendorReceipt {
    /// The vendor's key.
    pub vendor: Vendor,
    /// The vendor's name.
    pub vendor_name: &'static str,
    /// The erasure method.
    pub method: &'static str,
    /// The environments the runs met: base URL host, and Gainsight PX's data centre.
    pub environments: Vec<String>,
    /// When the vendor's last step finished, once every step there has; RFC 3339 UTC.
    pub completed_at: Option<String>,
    /// The tool versions the runs used.
    pub tools: Vec<String>,
    /// The spec versions (`info.version`) the runs used.
    pub spec_versions: Vec<String>,
    /// The vendor pages the spec cites for the calls made, with their sha256.
    pub cited_pages: Vec<CitedPage>,
    /// Who ran the runs (`--operator`); empty when none was given.
    pub operators: Vec<String>,
    /// Whether `verify` can prove absence there by API, and how.
    pub verifiable_by_api: bool,
    /// The read `verify` makes, or why there is none.
    pub absence_check: String,
}

/// One subject's receipt.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SubjectReceipt {
    /// The caller's reference.
    pub subject: String,
    /// Its line in the subjects file.
    pub line: u64,
    /// The worst standing of its steps.
    pub standing: Standing,
    /// One receipt per vendor step.
    pub steps: Vec<StepReceipt>,
}

/// Steps of one vendor by standing.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct StandingCounts {
    /// All of them.
    pub total: usize,
    /// `erased`.
    pub erased: usize,
    /// `absent`.
    pub absent: usize,
    /// `needs_person`.
    pub needs_person: usize,
    /// `not_finished`.
    pub not_finished: usize,
}

impl StandingCounts {
    fn add(&mut self, standing: Standing) {
        self.total += 1;
        match standing {
            Standing::Erased => self.erased += 1,
            Standing::Absent => self.absent += 1,
            Standing::NeedsPerson => self.needs_person += 1,
            Standing::NotFinished => self.not_finished += 1,
        }
    }
}

/// A vendor's steps that ended, at least this many, of which more than [`MOSTLY_ABSENT`] absent,
/// end the run with a warning.
pub const MOSTLY_ABSENT_MIN_STEPS: usize = 20;
/// The share of a vendor's ended steps that, absent, makes the warning (over 90 %).
pub const MOSTLY_ABSENT: f64 = 0.9;

/// Counts over the report's subjects.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    /// Subjects in the report.
    pub subjects: usize,
    /// Subjects whose every step is `erased`.
    pub subjects_erased: usize,
    /// Subjects whose every step is `erased` or `absent`, with at least one `absent`.
    pub subjects_absent: usize,
    /// Subjects with a step not finished and none needing a person.
    pub subjects_not_finished: usize,
    /// Subjects with a step that needs a person.
    pub subjects_needing_a_person: usize,
    /// Steps (followed merges included).
    pub steps: usize,
    /// Steps `erased`.
    pub steps_erased: usize,
    /// Steps `absent`.
    pub steps_absent: usize,
    /// Steps not finished yet.
    pub steps_not_finished: usize,
    /// Steps that need a person.
    pub steps_needing_a_person: usize,
    /// The same counts per vendor.
    pub vendors: BTreeMap<Vendor, StandingCounts>,
}

fn need(count: usize) -> &'static str {
    if count == 1 { "needs" } else { "need" }
}

impl Summary {
    fn add(&mut self, subject: &SubjectReceipt) {
        self.subjects += 1;
        match subject.standing {
            Standing::Erased => self.subjects_erased += 1,
            Standing::Absent => self.subjects_absent += 1,
            Standing::NotFinished => self.subjects_not_finished += 1,
            Standing::NeedsPerson => self.subjects_needing_a_person += 1,
        }
        for step in &subject.steps {
            self.steps += 1;
            match step.standing {
                Standing::Erased => self.steps_erased += 1,
                Standing::Absent => self.steps_absent += 1,
                Standing::NotFinished => self.steps_not_finished += 1,
                Standing::NeedsPerson => self.steps_needing_a_person += 1,
            }
            self.vendors
                .entry(step.vendor)
                .or_default()
                .add(step.standing);
        }
    }

    /// Whether every step is erased or absent: nothing is left to do (the exit code 0).
    pub fn all_settled(&self) -> bool {
        self.subjects_erased + self.subjects_absent == self.subjects
    }

    /// The subjects by standing, as every format and the terminal say it.
    pub fn subjects_line(&self) -> String {
        format!(
            "{} of {} subjects erased at every vendor named, {} with no record under the id at some vendor (absent), {} {} a person, {} not finished",
            self.subjects_erased,
            self.subjects,
            self.subjects_absent,
            self.subjects_needing_a_person,
            need(self.subjects_needing_a_person),
            self.subjects_not_finished
        )
    }

    /// The steps by standing, as every format and the terminal say it.
    pub fn steps_line(&self) -> String {
        format!(
            "{} erased, {} absent (the vendor holds no record under the id: check the ids if unexpected), {} {} a person, {} not finished",
            self.steps_erased,
            self.steps_absent,
            self.steps_needing_a_person,
            need(self.steps_needing_a_person),
            self.steps_not_finished
        )
    }

    /// A warning for each vendor most of whose ended steps (at least
    /// [`MOSTLY_ABSENT_MIN_STEPS`], over 90 %) found nothing under the id.
    pub fn warnings(&self) -> Vec<String> {
        self.vendors
            .iter()
            .filter_map(|(vendor, counts)| {
                let ended = counts.erased + counts.absent + counts.needs_person;
                (ended >= MOSTLY_ABSENT_MIN_STEPS
                    && counts.absent as f64 > MOSTLY_ABSENT * ended as f64)
                    .then(|| {
                        format!(
                            "{}: {} of {ended} ended steps found no record under the id (absent). Likely wrong ids, a wrong account or a wrong data centre: check them before taking these receipts as erasures.",
                            vendor.name(),
                            counts.absent
                        )
                    })
            })
            .collect()
    }
}

/// What a report says before its subjects.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Head {
    /// The tool and its version.
    pub tool: String,
    /// When the journal was created, RFC 3339 UTC.
    pub journal_created_at: String,
    /// When this report was made, RFC 3339 UTC.
    pub generated_at: String,
    /// Whether vendor ids are shown raw (`--reveal`) rather than hashed.
    pub ids_revealed: bool,
    /// How ids are hashed, when they are.
    pub id_hashing: &'static str,
    /// The one subject reported (`--subject`), when only one is.
    pub only_subject: Option<String>,
    /// The journal's chain head: every row was checked against the chain.
    pub chain: chain::Head,
    /// Every run and verify, as it started (operator, tool, environments, spec).
    pub runs: Vec<Provenance>,
    /// Per vendor: environment, method, completion, tool and spec.
    pub vendors: Vec<VendorReceipt>,
    /// The counts.
    pub summary: Summary,
    /// Vendors most of whose steps found no record (see [`Summary::warnings`]).
    pub warnings: Vec<String>,
    /// Each caveat the steps carry, with how many subjects it applies to.
    #[serde(skip)]
    pub caveats: BTreeMap<&'static str, usize>,
    /// Steps with a Gainsight PX re-check date or a `verify` result.
    #[serde(skip)]
    pub rechecks: usize,
    /// Per vendor, whether every reported step is done and when the last ended.
    #[serde(skip)]
    completion: BTreeMap<Vendor, Completion>,
}

/// Whether a vendor has a reported step not done yet, and when its last reported step ended.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Completion {
    unfinished: bool,
    last: Option<i64>,
}

impl Head {
    fn new(created_at: i64, now: i64, reveal: bool, only: Option<&str>) -> Head {
        Head {
            tool: format!("vendor-erase {}", env!("CARGO_PKG_VERSION")),
            journal_created_at: rfc3339(created_at),
            generated_at: rfc3339(now),
            ids_revealed: reveal,
            id_hashing: HASHING_NOTE,
            only_subject: only.map(str::to_string),
            ..Head::default()
        }
    }

    /// Counts `subject`, whose steps as the journal holds them are `steps`.
    fn add(&mut self, subject: &SubjectReceipt, steps: &[StepRow]) {
        self.summary.add(subject);
        self.rechecks += subject
            .steps
            .iter()
            .filter(|step| step.recheck_due.is_some() || step.verification.is_some())
            .count();
        for step in steps {
            let completion = self.completion.entry(step.vendor).or_default();
            completion.unfinished |= step.state != StepState::Done;
            completion.last = completion.last.max(step.finished_at);
        }
        let caveats: BTreeSet<&'static str> = subject
            .steps
            .iter()
            .filter_map(|step| step.caveat)
            .collect();
        for caveat in caveats {
            *self.caveats.entry(caveat).or_default() += 1;
        }
    }

    fn finish(&mut self) {
        self.warnings = self.summary.warnings();
        self.vendors = vendor_receipts(&self.completion, &self.runs);
    }
}

/// Why a report could not be made.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// The journal could not be read.
    #[error(transparent)]
    Journal(#[from] JournalError),
    /// The report could not be written.
    #[error("cannot write the report: {0}")]
    Write(#[from] io::Error),
    /// `--subject` names no subject of the journal.
    #[error("no subject in the journal has that reference")]
    NoSuchSubject,
}

/// Receipts that can be walked one subject at a time, any number of times.
pub trait Receipts {
    /// What the report says before its subjects.
    fn head(&self) -> &Head;
    /// Hands `each` every subject, in file order.
    fn each_subject(
        &self,
        each: &mut dyn FnMut(&SubjectReceipt) -> io::Result<()>,
    ) -> Result<(), ReportError>;
}

/// The receipts of a journal, read from it one subject at a time.
#[derive(Debug)]
pub struct JournalReceipts<'j> {
    journal: &'j Journal,
    hasher: IdHasher,
    /// Says too whether ids are revealed, and the one subject reported.
    head: Head,
}

impl<'j> JournalReceipts<'j> {
    /// Counts the receipts of `journal` (or only of the subject whose reference is `only`).
    pub fn open(
        journal: &'j Journal,
        reveal: bool,
        only: Option<&str>,
    ) -> Result<Self, ReportError> {
        // The chain check, the counting pass and the writing passes must read the same journal,
        // also while a run writes to it.
        journal.hold_snapshot()?;
        let now = crate::journal::now_millis();
        let mut head = Head {
            // Before any receipt: a journal changed outside the tool gets none.
            chain: journal.check_chain()?,
            runs: journal.provenance()?,
            ..Head::new(journal.created_at()?, now, reveal, only)
        };
        let hasher = IdHasher::new(&journal.salt()?);
        journal.for_each_subject(only, |subject, steps| {
            head.add(&receipt(&subject, &steps, &hasher, reveal), &steps);
            Ok::<(), ReportError>(())
        })?;
        if only.is_some() && head.summary.subjects == 0 {
            return Err(ReportError::NoSuchSubject);
        }
        head.finish();
        Ok(JournalReceipts {
            journal,
            hasher,
            head,
        })
    }
}

impl Receipts for JournalReceipts<'_> {
    fn head(&self) -> &Head {
        &self.head
    }

    fn each_subject(
        &self,
        each: &mut dyn FnMut(&SubjectReceipt) -> io::Result<()>,
    ) -> Result<(), ReportError> {
        let (only, reveal) = (self.head.only_subject.as_deref(), self.head.ids_revealed);
        self.journal.for_each_subject(only, |subject, steps| {
            each(&receipt(&subject, &steps, &self.hasher, reveal)).map_err(ReportError::Write)
        })
    }
}

/// The receipts held whole.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Report {
    /// What the report says before its subjects.
    #[serde(flatten)]
    pub head: Head,
    /// The subjects, in file order.
    pub subjects: Vec<SubjectReceipt>,
}

/// The note on hashed ids every format shows.
pub const HASHING_NOTE: &str = "Vendor ids are shown as HMAC-SHA256 with a random salt kept in the journal \
(first 128 bits, hex), unless the report was made with --reveal. Whoever holds the journal can match them.";

impl Receipts for Report {
    fn head(&self) -> &Head {
        &self.head
    }

    fn each_subject(
        &self,
        each: &mut dyn FnMut(&SubjectReceipt) -> io::Result<()>,
    ) -> Result<(), ReportError> {
        Ok(self.subjects.iter().try_for_each(each)?)
    }
}

impl Report {
    /// Reads the receipts of `journal` whole (for a few subjects: a report of many streams
    /// [`JournalReceipts`] through [`write()`]).
    pub fn from_journal(journal: &Journal, reveal: bool) -> Result<Report, ReportError> {
        let receipts = JournalReceipts::open(journal, reveal, None)?;
        let mut subjects = Vec::new();
        receipts.each_subject(&mut |subject| {
            subjects.push(subject.clone());
            Ok(())
        })?;
        Ok(Report {
            head: receipts.head,
            subjects,
        })
    }

    /// Whether every step of every subject is erased or absent.
    pub fn all_settled(&self) -> bool {
        self.head.summary.all_settled()
    }

    /// Renders the report.
    pub fn render(&self, format: Format) -> String {
        let mut out = Vec::new();
        // Writing to memory fails only if a format is wrong; say so in the text.
        if let Err(error) = write(self, format, &mut out) {
            out.extend_from_slice(format!("\n(report incomplete: {error})\n").as_bytes());
        }
        String::from_utf8_lossy(&out).into_owned()
    }
}

/// Writes `receipts` in `format` to `out`, one subject at a time.
pub fn write(
    receipts: &dyn Receipts,
    format: Format,
    out: &mut dyn Write,
) -> Result<(), ReportError> {
    match format {
        Format::Json => write_json(receipts, out),
        Format::Markdown => markdown::write(receipts, out),
        Format::Html => html::write(receipts, out),
        Format::Csv => spreadsheet::write(receipts, out),
    }
}

/// The JSON report: the head's fields, then `subjects`, one subject a line.
fn write_json(receipts: &dyn Receipts, out: &mut dyn Write) -> Result<(), ReportError> {
    let head = serde_json::to_value(receipts.head()).map_err(io::Error::other)?;
    out.write_all(b"{\n")?;
    if let serde_json::Value::Object(fields) = head {
        for (key, value) in fields {
            // A value displays as its compact JSON.
            writeln!(out, "  {}: {value},", serde_json::Value::String(key))?;
        }
    }
    out.write_all(b"  \"subjects\": [")?;
    let mut first = true;
    receipts.each_subject(&mut |subject| {
        out.write_all(if first { b"\n    " } else { b",\n    " })?;
        first = false;
        serde_json::to_writer(&mut *out, subject).map_err(io::Error::other)
    })?;
    out.write_all(if first { b"]\n}\n" } else { b"\n  ]\n}\n" })?;
    Ok(())
}

/// Hands `each` every subject a step of which carries `caveat`, in file order, with the separator
/// that goes before it in a list.
fn each_with_caveat(
    receipts: &dyn Receipts,
    caveat: &str,
    each: &mut dyn FnMut(&SubjectReceipt, &str) -> io::Result<()>,
) -> Result<(), ReportError> {
    let mut separator = "";
    receipts.each_subject(&mut |subject| {
        if subject.steps.iter().any(|step| step.caveat == Some(caveat)) {
            each(subject, separator)?;
            separator = ", ";
        }
        Ok(())
    })
}

/// One subject's receipt from its steps (all of them: merges are resolved within a subject).
fn receipt(
    subject: &SubjectRow,
    steps: &[StepRow],
    hasher: &IdHasher,
    reveal: bool,
) -> SubjectReceipt {
    let shown = |vendor: Vendor, id: &str| {
        if reveal {
            id.to_string()
        } else {
            hasher.hash(vendor, id)
        }
    };
    let by_id: HashMap<i64, &StepRow> = steps.iter().map(|step| (step.id, step)).collect();
    let followers = merge_followers(steps);
    let mut receipt_steps = Vec::with_capacity(steps.len());
    for step in steps {
        let parent = step.followed_from.and_then(|id| by_id.get(&id));
        let redact = |text: &str| {
            if reveal {
                return printable(text);
            }
            let mut ids = vec![(step.vendor, step.vendor_id.as_str())];
            if let Some(Outcome::Merged { into }) = &step.outcome {
                ids.push((Vendor::Trust, into.as_str()));
            }
            if let Some(parent) = parent {
                ids.push((parent.vendor, parent.vendor_id.as_str()));
            }
            Redactor::new(hasher, ids).redact(text)
        };
        receipt_steps.push(StepReceipt {
            vendor: step.vendor,
            vendor_name: step.vendor.name(),
            action: step.vendor.facts().action,
            id: shown(step.vendor, &step.vendor_id),
            follows_merge_of: parent.map(|parent| shown(parent.vendor, &parent.vendor_id)),
            standing: standing(step, &followers),
            outcome: step
                .outcome
                .as_ref()
                .map(|outcome| outcome.name().to_string()),
            merged_into: match &step.outcome {
                Some(Outcome::Merged { into }) => Some(shown(Vendor::Trust, into)),
                _ => None,
            },
            meaning: meaning(step, followers.get(&step.id).copied()),
            caveat: step
                .outcome
                .as_ref()
                .and_then(|outcome| outcome.caveat(step.vendor))
                .filter(|_| !verify::revival_caveat_lifted(step)),
            problem: match (&step.state, &step.problem) {
                (StepState::Failed, Some(problem)) => Some(ProblemReceipt {
                    kind: problem.kind,
                    message: redact(&problem.message),
                    advice: problem.kind.advice(),
                }),
                _ => None,
            },
            time: step.finished_at.map(rfc3339),
            request_id: step.request_id.as_deref().map(redact),
            attempts: step.attempts,
            sends: step.sends,
            http_status: step.status,
            recheck_due: verify::recheck_due(step).map(rfc3339),
            verification: step.check.as_ref().map(|check| VerificationReceipt {
                result: check.result,
                time: rfc3339(check.at),
                note: check.note.as_deref().map(redact),
            }),
        });
    }
    SubjectReceipt {
        subject: subject.reference.clone(),
        line: subject.line,
        standing: receipt_steps
            .iter()
            .map(|step| step.standing)
            .max()
            .unwrap_or(Standing::NotFinished),
        steps: receipt_steps,
    }
}

/// Each vendor's receipt, for the vendors the reported steps name: environments, tools and specs
/// from the runs (each once, in the order met), completion from the steps (counted as they were
/// read).
fn vendor_receipts(
    completion: &BTreeMap<Vendor, Completion>,
    runs: &[Provenance],
) -> Vec<VendorReceipt> {
    // By vendor, in `Vendor`'s order.
    let receipt = |(&vendor, &Completion { unfinished, last }): (&Vendor, &Completion)| {
        let facts = vendor.facts();
        let used = || {
            runs.iter()
                .filter_map(move |run| Some((run, run.vendors.get(&vendor)?)))
        };
        VendorReceipt {
            vendor,
            vendor_name: vendor.name(),
            method: facts.method,
            environments: unique(used().map(|(_, used)| match &used.data_centre {
                Some(centre) => format!("{} (data centre: {centre})", used.host),
                None => used.host.clone(),
            })),
            completed_at: if unfinished { None } else { last.map(rfc3339) },
            tools: unique(used().map(|(run, _)| run.tool.clone())),
            spec_versions: unique(used().map(|(_, used)| used.spec_version.clone())),
            cited_pages: unique(used().flat_map(|(_, used)| used.cited_pages.iter().cloned())),
            operators: unique(used().filter_map(|(run, _)| run.operator.clone())),
            verifiable_by_api: facts.verifiable_by_api,
            absence_check: if facts.verifiable_by_api {
                facts.absence_read.to_string()
            } else {
                format!("Not verifiable by API: {}", facts.absence_read)
            },
        }
    };
    completion.iter().map(receipt).collect()
}

/// Where a step stands: a record a `verify` found present again needs a person; a merge stands
/// where the step that resolves it ([`merge_followers`]) does; a chain of merges that comes back
/// to itself needs a person.
fn standing(step: &StepRow, followers: &HashMap<i64, &StepRow>) -> Standing {
    if step
        .check
        .as_ref()
        .is_some_and(|check| check.result == CheckResult::PresentAgain)
    {
        return Standing::NeedsPerson;
    }
    let mut current = step;
    let mut merges_seen: Vec<i64> = Vec::new();
    loop {
        match (&current.state, &current.outcome) {
            (StepState::Done, Some(Outcome::Merged { .. })) => {
                merges_seen.push(current.id);
                match followers.get(&current.id) {
                    Some(next) if !merges_seen.contains(&next.id) => current = next,
                    _ => return Standing::NeedsPerson,
                }
            }
            (StepState::Done, Some(outcome)) => {
                return Standing::of_outcome(outcome).unwrap_or(Standing::NeedsPerson);
            }
            (StepState::Failed, _) => return Standing::NeedsPerson,
            _ => return Standing::NotFinished,
        }
    }
}

/// What a step's state means; for a merge, `follower` is the step that resolves it.
fn meaning(step: &StepRow, follower: Option<&StepRow>) -> String {
    if let Some(check) = &step.check
        && check.result == CheckResult::PresentAgain
    {
        return format!(
            "Present again: verify read the record back at {} on {}. Erase it again with a new journal, and find what created it again.",
            step.vendor.name(),
            rfc3339(check.at)
        );
    }
    match (&step.state, &step.outcome) {
        (StepState::Done, Some(outcome @ Outcome::Merged { .. })) => {
            let next = match follower {
                Some(follower) if follower.followed_from == Some(step.id) => {
                    "Followed (--follow-merges): the next step deletes that identity."
                }
                Some(_) => "The subject's own step for that identity deletes it.",
                None => "Delete that identity (run again with --follow-merges) or ask Trust.",
            };
            format!("{} {next}", outcome.meaning(step.vendor))
        }
        (StepState::Done, Some(outcome)) => outcome.meaning(step.vendor).to_string(),
        (StepState::Pending, _) => "Not sent yet: run again.".to_string(),
        (StepState::InFlight, _) => {
            "Sent when a run stopped, with no answer recorded: run again (a not-found answer will then read as deleted or already absent).".to_string()
        }
        (StepState::Failed, _) | (StepState::Done, None) => {
            "No outcome is claimed: see the problem.".to_string()
        }
    }
}

/// Unix milliseconds as RFC 3339 UTC.
fn rfc3339(millis: i64) -> String {
    DateTime::<Utc>::from_timestamp_millis(millis)
        .map(|time| time.to_rfc3339_opts(SecondsFormat::Millis, true))
        .unwrap_or_else(|| "unknown".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::journal::{RecordedProblem, SubjectRow};

    impl Report {
        fn build(
            subjects: &[SubjectRow],
            steps: &[StepRow],
            hasher: &IdHasher,
            reveal: bool,
            created_at: i64,
            now: i64,
        ) -> Report {
            let mut head = Head::new(created_at, now, reveal, None);
            let mut steps_of = steps_by_subject(steps);
            let receipts: Vec<SubjectReceipt> = subjects
                .iter()
                .map(|subject| {
                    let steps: Vec<StepRow> = steps_of
                        .remove(&subject.id)
                        .unwrap_or_default()
                        .into_iter()
                        .cloned()
                        .collect();
                    let receipt = receipt(subject, &steps, hasher, reveal);
                    head.add(&receipt, &steps);
                    receipt
                })
                .collect();
            head.finish();
            Report {
                head,
                subjects: receipts,
            }
        }
    }

    /// Each subject's steps, in their order, from one pass over `steps` (a report of a million
    /// subjects must not scan every step for each).
    fn steps_by_subject<'a>(
        steps: impl IntoIterator<Item = &'a StepRow>,
    ) -> HashMap<i64, Vec<&'a StepRow>> {
        let mut by_subject: HashMap<i64, Vec<&StepRow>> = HashMap::new();
        for step in steps {
            by_subject.entry(step.subject_id).or_default().push(step);
        }
        by_subject
    }

    fn row(id: i64, vendor: Vendor, vendor_id: &str) -> StepRow {
        StepRow {
            id,
            subject_id: 1,
            subject_line: 2,
            vendor,
            vendor_id: vendor_id.to_string(),
            followed_from: None,
            state: StepState::Done,
            sends: 1,
            unsettled: 0,
            attempts: 1,
            outcome: Some(Outcome::Deleted),
            problem: None,
            status: Some(200),
            request_id: None,
            started_at: Some(0),
            finished_at: Some(1_764_000_000_000),
            check: None,
        }
    }

    fn report(steps: &[StepRow], reveal: bool) -> Report {
        let subjects = [SubjectRow {
            id: 1,
            reference: "DSR-1".to_string(),
            line: 2,
        }];
        Report::build(&subjects, steps, &IdHasher::new(b"salt"), reveal, 0, 0)
    }

    const MERGED: &str = "cccccccc-cccc-cccc-cccc-cccccccccccc";
    const CURRENT: &str = "bbbbbbbb-bbbb-bbbb-bbbb-bbbbbbbbbbbb";

    #[test]
    fn a_merge_needs_a_person_until_its_follower_is_erased() {
        let mut merged = row(1, Vendor::Trust, MERGED);
        merged.outcome = Some(Outcome::Merged {
            into: CURRENT.to_string(),
        });
        let alone = report(std::slice::from_ref(&merged), false);
        assert_eq!(alone.subjects[0].standing, Standing::NeedsPerson);
        assert!(!alone.all_settled());
        let step = &alone.subjects[0].steps[0];
        assert_eq!(
            step.merged_into.as_deref(),
            Some(IdHasher::new(b"salt").hash(Vendor::Trust, CURRENT).as_str())
        );

        let mut follower = row(2, Vendor::Trust, CURRENT);
        follower.followed_from = Some(1);
        let followed = report(&[merged.clone(), follower.clone()], true);
        assert_eq!(followed.subjects[0].standing, Standing::Erased);
        assert_eq!(
            followed.subjects[0].steps[1].follows_merge_of.as_deref(),
            Some(MERGED)
        );
        assert!(followed.all_settled());

        follower.state = StepState::Pending;
        follower.outcome = None;
        let pending = report(&[merged, follower], false);
        assert_eq!(pending.subjects[0].standing, Standing::NotFinished);
    }

    #[test]
    fn ids_in_problem_messages_are_hashed_unless_revealed() {
        let mut failed = row(1, Vendor::Trust, MERGED);
        failed.state = StepState::Failed;
        failed.outcome = None;
        failed.problem = Some(RecordedProblem {
            kind: ProblemKind::Unproven,
            message: format!("body mentions {} and {MERGED}", MERGED.to_uppercase()),
        });
        let hidden = report(std::slice::from_ref(&failed), false);
        let text = serde_json::to_string(&hidden).unwrap();
        assert!(!text.to_lowercase().contains("cccccccc"), "{text}");
        assert_eq!(hidden.head.summary.steps_needing_a_person, 1);
        let shown = report(&[failed], true);
        assert!(
            shown.subjects[0].steps[0]
                .problem
                .as_ref()
                .unwrap()
                .message
                .contains(MERGED)
        );
    }

    #[test]
    fn steps_are_grouped_by_subject_in_one_pass() {
        // Interleaved on purpose: the grouping must not rely on the journal's order.
        let steps: Vec<StepRow> = (0..3_000)
            .map(|n| StepRow {
                subject_id: n % 1_000,
                ..row(n, Vendor::Attestr, &format!("AX{n}"))
            })
            .collect();
        let visits = std::cell::Cell::new(0_usize);
        let grouped = steps_by_subject(steps.iter().inspect(|_| visits.set(visits.get() + 1)));
        assert_eq!(visits.get(), steps.len(), "each step is visited once");
        assert_eq!(grouped.len(), 1_000);
        for (subject, group) in &grouped {
            let ids: Vec<i64> = group.iter().map(|step| step.id).collect();
            assert_eq!(ids, [*subject, subject + 1_000, subject + 2_000]);
        }
    }

    #[test]
    fn a_merge_into_an_identity_the_subject_has_is_resolved_by_that_step() {
        let mut merged = row(1, Vendor::Trust, MERGED);
        merged.outcome = Some(Outcome::Merged {
            into: CURRENT.to_string(),
        });
        // The subject's own step for the current identity, not added by --follow-merges.
        let mut current = row(2, Vendor::Trust, CURRENT);
        let resolved = report(&[merged.clone(), current.clone()], false);
        assert_eq!(resolved.subjects[0].standing, Standing::Erased);
        assert_eq!(resolved.subjects[0].steps[0].standing, Standing::Erased);
        assert!(
            resolved.subjects[0].steps[0]
                .meaning
                .contains("The subject's own step for that identity deletes it."),
            "{:?}",
            resolved.subjects[0].steps[0]
        );
        assert!(resolved.all_settled());

        current.state = StepState::Pending;
        current.outcome = None;
        let pending = report(&[merged.clone(), current.clone()], false);
        assert_eq!(pending.subjects[0].steps[0].standing, Standing::NotFinished);

        // Merged into each other: nothing deletes the person, and the report still ends.
        current.state = StepState::Done;
        current.outcome = Some(Outcome::Merged {
            into: MERGED.to_string(),
        });
        let cycle = report(&[merged, current], false);
        assert_eq!(cycle.subjects[0].standing, Standing::NeedsPerson);
        assert_eq!(cycle.head.summary.steps_needing_a_person, 2);
    }

    #[test]
    fn each_caveat_lists_its_subjects_once_for_every_format() {
        let mut not_found = row(1, Vendor::GainsightPx, "u1");
        not_found.outcome = Some(Outcome::NotFound);
        let mut again = row(2, Vendor::GainsightPx, "u2");
        again.outcome = Some(Outcome::DeletedOrAlreadyAbsent);
        let report = report(&[not_found, again], false);
        assert_eq!(report.head.caveats.values().collect::<Vec<_>>(), [&1]);
        for format in [Format::Markdown, Format::Html] {
            let text = report.render(format);
            assert_eq!(
                text.matches("Applies to: DSR-1 (line 2).").count(),
                1,
                "{text}"
            );
        }
    }

    fn subject_rows(count: i64) -> Vec<SubjectRow> {
        (1..=count)
            .map(|id| SubjectRow {
                id,
                reference: format!("DSR-{id}"),
                line: id as u64 + 1,
            })
            .collect()
    }

    #[test]
    fn every_outcome_has_one_standing_and_absent_is_never_erased() {
        let outcomes = [
            (Outcome::Deleted, Standing::Erased),
            (Outcome::Archived, Standing::Erased),
            (Outcome::AlreadyArchived, Standing::Erased),
            (Outcome::NotFound, Standing::Absent),
            (Outcome::DeletedOrAlreadyAbsent, Standing::Absent),
        ];
        for (outcome, expected) in &outcomes {
            assert_eq!(Standing::of_outcome(outcome), Some(*expected), "{outcome}");
        }
        let mut absent = row(1, Vendor::GainsightPx, "u1");
        absent.outcome = Some(Outcome::NotFound);
        let mut gone = row(2, Vendor::Trust, CURRENT);
        gone.outcome = Some(Outcome::DeletedOrAlreadyAbsent);
        let report = report(&[absent, gone], false);
        let summary = &report.head.summary;
        assert_eq!(report.subjects[0].standing, Standing::Absent);
        assert_eq!((summary.subjects_erased, summary.subjects_absent), (0, 1));
        assert_eq!((summary.steps_erased, summary.steps_absent), (0, 2));
        assert!(report.all_settled());
        let json: serde_json::Value = serde_json::from_str(&report.render(Format::Json)).unwrap();
        assert_eq!(json["subjects"][0]["steps"][0]["standing"], "absent");
        assert_eq!(json["subjects"][0]["standing"], "absent");
        for format in [Format::Markdown, Format::Html] {
            let text = report.render(format);
            assert!(
                text.contains("0 of 1 subjects erased at every vendor named, 1 with no record under the id at some vendor (absent)"),
                "{text}"
            );
            assert!(
                text.contains("0 erased, 2 absent (the vendor holds no record under the id: check the ids if unexpected), 0 need a person, 0 not finished"),
                "{text}"
            );
        }
        let csv = report.render(Format::Csv);
        let standings: Vec<String> = csv::Reader::from_reader(csv.as_bytes())
            .records()
            .map(|record| record.unwrap()[6].to_string())
            .collect();
        assert_eq!(standings, ["absent", "absent"]);
    }

    #[test]
    fn a_vendor_whose_steps_are_mostly_absent_is_named_in_a_warning() {
        let run = |total: i64, absent: i64| {
            let trust = (1..=total).map(|n| StepRow {
                subject_id: n,
                ..row(1000 + n, Vendor::Trust, &format!("t{n}"))
            });
            let px = (1..=total).map(|n| StepRow {
                subject_id: n,
                outcome: Some(if n <= absent {
                    Outcome::NotFound
                } else {
                    Outcome::Deleted
                }),
                ..row(n, Vendor::GainsightPx, &format!("u{n}"))
            });
            let steps: Vec<StepRow> = trust.chain(px).collect();
            Report::build(
                &subject_rows(total),
                &steps,
                &IdHasher::new(b"s"),
                false,
                0,
                0,
            )
        };
        let warned = run(20, 19);
        assert_eq!(warned.head.warnings.len(), 1, "{:?}", warned.head.warnings);
        assert!(warned.head.warnings[0].starts_with("Gainsight PX: 19 of 20 ended steps"));
        assert!(
            warned.head.warnings[0].contains("wrong ids, a wrong account or a wrong data centre")
        );
        assert!(
            warned
                .render(Format::Markdown)
                .contains("> **Warning:** Gainsight PX: 19 of 20")
        );
        assert!(
            warned
                .render(Format::Html)
                .contains("Warning: </strong>Gainsight PX: 19 of 20")
        );
        // Fewer than 20 steps, or 90 % exactly: no warning.
        assert_eq!(run(19, 19).head.warnings, Vec::<String>::new());
        assert_eq!(run(20, 18).head.warnings, Vec::<String>::new());
    }

    #[test]
    fn vendor_text_is_printable_and_without_ids_in_every_format() {
        const PX: &str = "Jane.Doe+px@example.test";
        let mut failed = row(1, Vendor::GainsightPx, PX);
        failed.state = StepState::Failed;
        failed.outcome = None;
        failed.request_id = Some(format!("req-{}\u{1b}[2J", PX.to_uppercase()));
        failed.problem = Some(RecordedProblem {
            kind: ProblemKind::Unproven,
            message: "HTTP 400: {\"error\":\"no user Jane.Doe%2Bpx%40example.test\",\"id\":\"Jane.Doe+px\\u0040example.test\"}\u{1b}]0;pwned\u{7}\u{1b}[31m".to_string(),
        });
        let hash = IdHasher::new(b"salt").hash(Vendor::GainsightPx, PX);
        let hidden = report(std::slice::from_ref(&failed), false);
        for format in [Format::Json, Format::Markdown, Format::Html, Format::Csv] {
            let text = hidden.render(format);
            let lower = text.to_lowercase();
            assert!(
                !lower.contains("jane") && !lower.contains("example.test"),
                "{format:?}: {text}"
            );
            assert!(
                !text.contains('\u{1b}') && !text.contains('\u{7}'),
                "{format:?}: {text:?}"
            );
            assert!(!text.contains("\\u001b"), "{format:?}: {text}");
            assert!(text.contains(&hash), "{format:?}: {text}");
        }
        // Revealed: the ids stay, the control characters still go.
        let shown = report(&[failed], true);
        for format in [Format::Json, Format::Markdown, Format::Html, Format::Csv] {
            let text = shown.render(format);
            assert!(
                !text.contains('\u{1b}') && !text.contains("\\u001b"),
                "{format:?}: {text:?}"
            );
        }
    }

    #[test]
    fn json_and_csv_stream_one_subject_at_a_time_and_parse_whole() {
        let steps: Vec<StepRow> = (1..=3)
            .map(|n| StepRow {
                subject_id: n,
                ..row(n, Vendor::Attestr, &format!("AX{n}"))
            })
            .collect();
        let report = Report::build(&subject_rows(3), &steps, &IdHasher::new(b"s"), false, 0, 0);
        let json: serde_json::Value = serde_json::from_str(&report.render(Format::Json)).unwrap();
        assert_eq!(json["subjects"].as_array().unwrap().len(), 3);
        assert_eq!(json["summary"]["steps_erased"], 3);
        assert_eq!(json["summary"]["vendors"]["attestr"]["erased"], 3);
        let empty = Report::build(&[], &[], &IdHasher::new(b"s"), false, 0, 0);
        let json: serde_json::Value = serde_json::from_str(&empty.render(Format::Json)).unwrap();
        assert_eq!(json["subjects"], serde_json::json!([]));

        let csv = report.render(Format::Csv);
        let mut reader = csv::Reader::from_reader(csv.as_bytes());
        assert_eq!(
            reader.headers().unwrap().iter().collect::<Vec<_>>(),
            spreadsheet::COLUMNS
        );
        let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
        assert_eq!(rows.len(), 3);
        assert_eq!(&rows[1][0], "DSR-2");
        assert_eq!(&rows[1][6], "erased");
    }

    /// A new journal `j.db` in a new directory, of subjects `DSR-1`, `DSR-2`, … on lines 2, 3,
    /// …, each with the Gainsight PX id of `px_ids` at its place; and the journal's path.
    fn px_journal(px_ids: &[&str]) -> (tempfile::TempDir, std::path::PathBuf, Journal) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("j.db");
        let subjects: Vec<crate::subjects::Subject> = (1..)
            .zip(px_ids)
            .map(|(n, id)| crate::subjects::Subject {
                reference: format!("DSR-{n}"),
                line: n + 1,
                ids: vec![(Vendor::GainsightPx, id.to_string())],
            })
            .collect();
        let journal = Journal::open_for_run(&path, &subjects).unwrap();
        (dir, path, journal)
    }

    /// Begins and finishes `step` as deleted, as a run does.
    async fn delete(writer: &crate::journal::Writer, step: i64) {
        writer.begin(step).await.unwrap();
        let deleted = crate::journal::Finish::ok(Outcome::Deleted);
        writer.finish(step, deleted).await.unwrap();
    }

    fn block_on<T>(future: impl std::future::Future<Output = T>) -> T {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap()
            .block_on(future)
    }

    #[test]
    fn a_report_reads_one_snapshot_while_a_run_writes() {
        let (_dir, path, journal) = px_journal(&["u1"]);
        let steps = journal.steps().unwrap();
        let reader = Journal::open_read_only(&path).unwrap();
        let receipts = JournalReceipts::open(&reader, false, None).unwrap();
        assert_eq!(receipts.head().summary.steps_not_finished, 1);

        let writer = journal.into_writer();
        block_on(delete(&writer, steps[0].id));
        drop(writer);

        // The rows agree with the counts made before the write.
        let mut standings = Vec::new();
        receipts
            .each_subject(&mut |subject| {
                standings.push(subject.steps[0].standing);
                Ok(())
            })
            .unwrap();
        assert_eq!(standings, [Standing::NotFinished]);
        // A report made now sees the write.
        let later = Journal::open_read_only(&path).unwrap();
        let now = JournalReceipts::open(&later, false, None).unwrap();
        assert_eq!(now.head().summary.steps_erased, 1);
    }

    #[test]
    fn every_format_streams_the_chain_head_the_runs_and_what_verify_found() {
        use crate::provenance::{CitedPage, Provenance, VendorProvenance};
        let (_dir, path, mut journal) = px_journal(&["u1", "u2"]);
        let steps = journal.steps().unwrap();
        let provenance = Provenance {
            command: "run".to_string(),
            started_at: 0,
            operator: Some("Dana (privacy)".to_string()),
            tool: "vendor-erase 9.9.9".to_string(),
            vendors: BTreeMap::from([(
                Vendor::GainsightPx,
                VendorProvenance {
                    host: "px.example.test".to_string(),
                    data_centre: Some("EU".to_string()),
                    spec_version: "1.2.3".to_string(),
                    cited_pages: vec![CitedPage {
                        url: "https://docs.example.test/delete-user".to_string(),
                        sha256: "ab".repeat(32),
                    }],
                },
            )]),
        };
        journal.record_start(&provenance).unwrap();
        let writer = journal.into_writer();
        block_on(async {
            for step in &steps {
                delete(&writer, step.id).await;
            }
            // DSR-1's user is back; DSR-2's is proven absent again.
            let now = crate::journal::now_millis();
            writer
                .checked(steps[0].id, CheckResult::PresentAgain, None, now)
                .await
                .unwrap();
            writer
                .checked(
                    steps[1].id,
                    CheckResult::AbsentAgain,
                    Some("404 not-found body".to_string()),
                    now,
                )
                .await
                .unwrap();
        });
        drop(writer);

        let reader = Journal::open_read_only(&path).unwrap();
        let chain = reader.check_chain().unwrap();
        let receipts = JournalReceipts::open(&reader, false, None).unwrap();
        let head = receipts.head();
        assert_eq!(head.chain.digest, chain.digest);
        assert_eq!(head.chain.records, chain.records);
        assert_eq!(head.summary.steps_needing_a_person, 1);
        assert_eq!(head.summary.steps_erased, 1);
        assert!(!head.summary.all_settled());
        assert_eq!(head.rechecks, 2);
        let px = &head.vendors[0];
        assert_eq!(px.environments, ["px.example.test (data centre: EU)"]);
        assert_eq!(px.operators, ["Dana (privacy)"]);
        assert!(px.completed_at.is_some());
        let render = |format| {
            let mut out = Vec::new();
            write(&receipts, format, &mut out).unwrap();
            String::from_utf8(out).unwrap()
        };

        let json: serde_json::Value = serde_json::from_str(&render(Format::Json)).unwrap();
        assert_eq!(json["chain"]["head"], chain.digest.as_str());
        assert_eq!(json["runs"][0]["operator"], "Dana (privacy)");
        assert_eq!(
            json["vendors"][0]["method"],
            Vendor::GainsightPx.facts().method
        );
        let first = &json["subjects"][0]["steps"][0];
        assert_eq!(first["standing"], "needs_person");
        assert_eq!(first["verification"]["result"], "present_again");
        assert!(first["recheck_due"].is_string());
        assert_eq!(
            json["subjects"][1]["steps"][0]["verification"]["result"],
            "absent_again"
        );

        for format in [Format::Markdown, Format::Html] {
            let text = render(format);
            for shown in [
                chain.digest.as_str(),
                "Present again: verify read the record back",
                "re-check due",
                "present again",
                "absent again",
                "Dana (privacy)",
                "px.example.test (data centre: EU)",
                "1.2.3",
                &"ab".repeat(32),
                // The hash is the stored file's, which may hold several pages: not the page's.
                "stored source file",
            ] {
                assert!(text.contains(shown), "{format:?} lacks {shown:?}:\n{text}");
            }
        }
        let csv = render(Format::Csv);
        let rows: Vec<csv::StringRecord> = csv::Reader::from_reader(csv.as_bytes())
            .records()
            .map(Result::unwrap)
            .collect();
        let column = |name: &str| {
            spreadsheet::COLUMNS
                .iter()
                .position(|c| *c == name)
                .unwrap()
        };
        assert_eq!(&rows[0][column("standing")], "needs_person");
        assert!(rows[0][column("meaning")].starts_with("Present again"));
        assert_eq!(&rows[0][column("verify_result")], "present_again");
        assert_eq!(&rows[1][column("verify_result")], "absent_again");
        assert_eq!(&rows[1][column("verify_note")], "404 not-found body");
        assert!(!rows[0][column("recheck_due")].is_empty());
        assert!(
            rows.iter()
                .all(|row| row[column("journal_chain_head")] == chain.digest)
        );
    }
}
