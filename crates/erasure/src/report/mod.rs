//! Receipts: what the journal proves for each subject, per vendor (outcome, time, the vendor's
//! request id where one came, attempts), with vendor ids as salted hashes unless revealed. The
//! model is built once from the journal; the formats ([`markdown`], [`html`], JSON through serde)
//! only render it.

pub mod html;
pub mod markdown;

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, SecondsFormat, Utc};
use serde::Serialize;

use crate::hashing::IdHasher;
use crate::journal::{Journal, JournalError, StepRow, StepState, SubjectRow, merge_followers};
use crate::outcome::{Outcome, ProblemKind};
use crate::provenance::{CitedPage, Provenance};
use crate::vendor::Vendor;
use crate::verify::{self, CheckResult};

/// A receipt format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Machine-readable, the whole model.
    Json,
    /// A page of Markdown tables.
    Markdown,
    /// One self-contained HTML page.
    Html,
}

/// Where a step or a subject stands, for a person.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Standing {
    /// Proven erased (or, for a step, a proven outcome that needs nothing more).
    Erased,
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
            Standing::NotFinished => "not finished",
            Standing::NeedsPerson => "needs a person",
        }
    }
}

/// The problem a step ended with, for a person.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProblemReceipt {
    /// The kind (`unproven`, `auth`, `retries_exhausted`, `refused`, `not_sent`).
    pub kind: ProblemKind,
    /// The vendor crate's message, ids redacted unless revealed.
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
    /// The vendor's request id of the last response, where one came.
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

/// The journal's hash chain, as the report found it whole.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChainReceipt {
    /// `sha256:<hex>` of the last record: compare it with the head a later report states.
    pub head: String,
    /// Records in the chain.
    pub records: u64,
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

/// Counts over the whole journal.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    /// Subjects in the journal.
    pub subjects: usize,
    /// Subjects proven erased at every vendor.
    pub subjects_erased: usize,
    /// Steps in the journal (followed merges included).
    pub steps: usize,
    /// Steps with a proven outcome that needs nothing more.
    pub steps_erased: usize,
    /// Steps not finished yet.
    pub steps_not_finished: usize,
    /// Steps that need a person.
    pub steps_needing_a_person: usize,
}

/// The receipts of one journal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Report {
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
    /// The journal's chain head: every row was checked against the chain.
    pub chain: ChainReceipt,
    /// Every run and verify, as it started (operator, tool, environments, spec).
    pub runs: Vec<Provenance>,
    /// Per vendor: environment, method, completion, tool and spec.
    pub vendors: Vec<VendorReceipt>,
    /// The counts.
    pub summary: Summary,
    /// The subjects, in file order.
    pub subjects: Vec<SubjectReceipt>,
}

/// The note on hashed ids every format shows.
pub const HASHING_NOTE: &str = "Vendor ids are shown as HMAC-SHA256 with a random salt kept in the journal \
(first 128 bits, hex), unless the report was made with --reveal. Whoever holds the journal can match them.";

impl Report {
    /// Builds the receipts of `journal`.
    /// Refuses a journal changed outside the tool ([`Journal::check_chain`]).
    pub fn from_journal(journal: &Journal, reveal: bool) -> Result<Report, JournalError> {
        journal.read_snapshot(|journal| Report::from_snapshot(journal, reveal))
    }

    fn from_snapshot(journal: &Journal, reveal: bool) -> Result<Report, JournalError> {
        let head = journal.check_chain()?;
        let hasher = IdHasher::new(&journal.salt()?);
        let created_at = journal.created_at()?;
        let steps = journal.steps()?;
        let subjects = journal.subjects()?;
        let runs = journal.provenance()?;
        let mut report = Report::build(
            &subjects,
            &steps,
            &hasher,
            reveal,
            created_at,
            crate::journal::now_millis(),
        );
        report.vendors = vendor_receipts(&steps, &runs);
        report.runs = runs;
        report.chain = ChainReceipt {
            head: head.digest,
            records: head.records,
        };
        Ok(report)
    }

    fn build(
        subjects: &[SubjectRow],
        steps: &[StepRow],
        hasher: &IdHasher,
        reveal: bool,
        created_at: i64,
        now: i64,
    ) -> Report {
        let shown = |vendor: Vendor, id: &str| {
            if reveal {
                id.to_string()
            } else {
                hasher.hash(vendor, id)
            }
        };
        let by_id: HashMap<i64, &StepRow> = steps.iter().map(|step| (step.id, step)).collect();
        let followers = merge_followers(steps);
        let mut steps_of = steps_by_subject(steps);

        let mut summary = Summary {
            subjects: subjects.len(),
            steps: steps.len(),
            ..Summary::default()
        };
        let mut receipts = Vec::with_capacity(subjects.len());
        for subject in subjects {
            let mut receipt_steps = Vec::new();
            for step in steps_of.remove(&subject.id).unwrap_or_default() {
                let step_standing = standing(step, &followers);
                match step_standing {
                    Standing::Erased => summary.steps_erased += 1,
                    Standing::NotFinished => summary.steps_not_finished += 1,
                    Standing::NeedsPerson => summary.steps_needing_a_person += 1,
                }
                let redact = |text: &str| {
                    if reveal {
                        return text.to_string();
                    }
                    let mut text = text.to_string();
                    let mut ids = vec![(step.vendor, step.vendor_id.as_str())];
                    if let Some(Outcome::Merged { into }) = &step.outcome {
                        ids.push((Vendor::Trust, into));
                    }
                    if let Some(parent) = step.followed_from.and_then(|id| by_id.get(&id)) {
                        ids.push((parent.vendor, parent.vendor_id.as_str()));
                    }
                    for (vendor, id) in ids {
                        for form in [id.to_string(), id.to_uppercase()] {
                            text = text.replace(&form, &hasher.hash(vendor, id));
                        }
                    }
                    text
                };
                receipt_steps.push(StepReceipt {
                    vendor: step.vendor,
                    vendor_name: step.vendor.name(),
                    action: step.vendor.action(),
                    id: shown(step.vendor, &step.vendor_id),
                    follows_merge_of: step
                        .followed_from
                        .and_then(|id| by_id.get(&id))
                        .map(|parent| shown(parent.vendor, &parent.vendor_id)),
                    standing: step_standing,
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
                    request_id: step.request_id.clone(),
                    attempts: step.attempts,
                    sends: step.sends,
                    http_status: step.status,
                    recheck_due: verify::recheck_due(step).map(rfc3339),
                    verification: step.check.as_ref().map(|check| VerificationReceipt {
                        result: check.result,
                        time: rfc3339(check.at),
                        note: check.note.clone(),
                    }),
                });
            }
            let subject_standing = receipt_steps
                .iter()
                .map(|step| step.standing)
                .max()
                .unwrap_or(Standing::NotFinished);
            if subject_standing == Standing::Erased {
                summary.subjects_erased += 1;
            }
            receipts.push(SubjectReceipt {
                subject: subject.reference.clone(),
                line: subject.line,
                standing: subject_standing,
                steps: receipt_steps,
            });
        }
        Report {
            tool: format!("vendor-erase {}", env!("CARGO_PKG_VERSION")),
            journal_created_at: rfc3339(created_at),
            generated_at: rfc3339(now),
            ids_revealed: reveal,
            id_hashing: HASHING_NOTE,
            chain: ChainReceipt {
                head: String::new(),
                records: 0,
            },
            runs: Vec::new(),
            vendors: Vec::new(),
            summary,
            subjects: receipts,
        }
    }

    /// Whether every step of every subject has a proven outcome that needs nothing more.
    pub fn all_erased(&self) -> bool {
        self.summary.subjects_erased == self.summary.subjects
    }

    /// Each caveat the steps carry, with the subjects it applies to (each once, in file order),
    /// for the formats to list.
    pub fn caveats(&self) -> BTreeMap<&'static str, Vec<&SubjectReceipt>> {
        let mut caveats: BTreeMap<&'static str, Vec<&SubjectReceipt>> = BTreeMap::new();
        for subject in &self.subjects {
            for step in &subject.steps {
                if let Some(caveat) = step.caveat {
                    let subjects = caveats.entry(caveat).or_default();
                    if !subjects
                        .last()
                        .is_some_and(|last| std::ptr::eq(*last, subject))
                    {
                        subjects.push(subject);
                    }
                }
            }
        }
        caveats
    }

    /// Renders the report.
    pub fn render(&self, format: Format) -> String {
        match format {
            Format::Json => {
                let mut text = serde_json::to_string_pretty(self)
                    .unwrap_or_else(|error| format!("{{\"error\": \"{error}\"}}"));
                text.push('\n');
                text
            }
            Format::Markdown => markdown::render(self),
            Format::Html => html::render(self),
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

/// Each vendor's receipt, for the vendors the steps name: environments, tools and specs from
/// the runs, completion from the steps.
fn vendor_receipts(steps: &[StepRow], runs: &[Provenance]) -> Vec<VendorReceipt> {
    fn push<T: PartialEq>(list: &mut Vec<T>, item: T) {
        if !list.contains(&item) {
            list.push(item);
        }
    }
    let mut receipts = Vec::new();
    for vendor in Vendor::ALL {
        let mut finished = true;
        let mut last: Option<i64> = None;
        let mut any = false;
        for step in steps.iter().filter(|step| step.vendor == vendor) {
            any = true;
            finished &= step.state == StepState::Done;
            last = last.max(step.finished_at);
        }
        if !any {
            continue;
        }
        let (verifiable_by_api, absence_check) = verify::absence_check(vendor);
        let mut receipt = VendorReceipt {
            vendor,
            vendor_name: vendor.name(),
            method: vendor.method(),
            environments: Vec::new(),
            completed_at: if finished { last.map(rfc3339) } else { None },
            tools: Vec::new(),
            spec_versions: Vec::new(),
            cited_pages: Vec::new(),
            operators: Vec::new(),
            verifiable_by_api,
            absence_check,
        };
        for run in runs {
            let Some(used) = run.vendors.get(&vendor) else {
                continue;
            };
            let environment = match &used.data_centre {
                Some(centre) => format!("{} (data centre: {centre})", used.host),
                None => used.host.clone(),
            };
            push(&mut receipt.environments, environment);
            push(&mut receipt.tools, run.tool.clone());
            push(&mut receipt.spec_versions, used.spec_version.clone());
            for page in &used.cited_pages {
                push(&mut receipt.cited_pages, page.clone());
            }
            if let Some(operator) = &run.operator {
                push(&mut receipt.operators, operator.clone());
            }
        }
        receipts.push(receipt);
    }
    receipts
}

/// Where a step stands: a merge counts as erased once the step that resolves it
/// ([`merge_followers`]) is; a chain of merges that comes back to itself never is; a record a
/// `verify` found present again needs a person.
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
            (StepState::Done, Some(_)) => return Standing::Erased,
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
        assert!(!alone.all_erased());
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
        assert!(followed.all_erased());

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
        assert_eq!(hidden.summary.steps_needing_a_person, 1);
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
        assert!(resolved.all_erased());

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
        assert_eq!(cycle.summary.steps_needing_a_person, 2);
    }

    #[test]
    fn each_caveat_lists_its_subjects_once_for_every_format() {
        let mut not_found = row(1, Vendor::GainsightPx, "u1");
        not_found.outcome = Some(Outcome::NotFound);
        let mut again = row(2, Vendor::GainsightPx, "u2");
        again.outcome = Some(Outcome::DeletedOrAlreadyAbsent);
        let report = report(&[not_found, again], false);
        let caveats = report.caveats();
        assert_eq!(caveats.len(), 1);
        let subjects: Vec<&str> = caveats
            .values()
            .next()
            .unwrap()
            .iter()
            .map(|subject| subject.subject.as_str())
            .collect();
        assert_eq!(subjects, ["DSR-1"]);
        for format in [Format::Markdown, Format::Html] {
            let text = report.render(format);
            assert_eq!(
                text.matches("Applies to: DSR-1 (line 2).").count(),
                1,
                "{text}"
            );
        }
    }
}
