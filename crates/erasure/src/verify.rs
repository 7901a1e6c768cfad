//! `vendor-erase verify`: "deletion succeeded" is not "the data stayed gone". Every step whose
//! outcome is erased or absent is read back through the vendor's documented read, and what the
//! read proved is recorded in the journal (in its hash chain): absent again, present again (the
//! step then needs a person), or not verifiable by API where the vendor documents no read that
//! proves absence.
//!
//! - Gainsight PX: Get User. A 200 is the user, present again. A 404 with the not-found body the
//!   spec's `x-outcomes` accepts for a delete (third-party evidence, the body observed on Get
//!   User) proves absence, after the same listing check a run makes of the base URL. A
//!   soft-deleted user answers 404 too, and can be revived for 7 days after its soft delete: a
//!   read after the step's erasure time + 7 days ([`recheck_due`]) that proves absence lifts the
//!   revival caveat; one before it leaves the caveat.
//! - Trust: Find Identity. A 200 with an identity is the person, present again. Trust documents no
//!   not-found answer for Find Identity (spec/trust.yaml, `findIdentity`: "Unknown: error
//!   responses"), so no answer proves absence: not verifiable by API.
//! - Attestr: not verifiable by API. Whether Get Profile still returns an archived profile, and
//!   its errors, are unknown (spec/attestr.yaml, `getProfile`); nothing is sent.
//!
//! The clock is injectable (a function), so that tests can stand after the 7 days; the command
//! line always uses the system clock.

use std::time::Duration;

use futures_util::StreamExt;

use crate::clients::Clients;
use crate::journal::{Journal, JournalError, StepRow, StepState};
use crate::outcome::{Outcome, Problem};
use crate::pace::{Lane, Pace};
use crate::provenance::Provenance;
use crate::vendor::{ErasureFacts, Vendor};

/// How long after a soft delete Gainsight PX revives a user that is created or updated again
/// with the same id (the vendor's Delete User page; the outcome caveat says the same).
pub const GAINSIGHT_PX_REVIVAL_WINDOW: Duration = Duration::from_secs(7 * 24 * 60 * 60);

/// Reads in flight per vendor during a verify.
const CONCURRENCY: usize = 8;
/// Steps read from the journal at once: the most a verify holds.
const PAGE: usize = 256;

// What a read-back proved is `outcome::CheckResult`: the journal records it too.
pub use crate::outcome::CheckResult;

/// When a step's Gainsight PX re-check is due: its erasure time + the revival window. `None` for
/// other vendors, for steps without an erased or absent outcome, and for a time no date can
/// follow (the revival caveat then stays).
pub fn recheck_due(step: &StepRow) -> Option<i64> {
    (step.vendor == Vendor::GainsightPx && is_verified_outcome(step))
        .then_some(step.finished_at?)
        .and_then(|finished| finished.checked_add(GAINSIGHT_PX_REVIVAL_WINDOW.as_millis() as i64))
}

/// Whether the revival caveat of a Gainsight PX step is lifted: a verify on or after its re-check
/// date proved absence.
pub fn revival_caveat_lifted(step: &StepRow) -> bool {
    match (recheck_due(step), &step.check) {
        (Some(due), Some(check)) => check.result == CheckResult::AbsentAgain && check.at >= due,
        _ => false,
    }
}

fn is_verified_outcome(step: &StepRow) -> bool {
    step.state == StepState::Done && step.outcome.as_ref().is_some_and(Outcome::is_erased)
}

/// What one verify found, counted.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Verified {
    /// Steps whose absence was proven again.
    pub absent_again: usize,
    /// Steps whose record is present again.
    pub present_again: usize,
    /// Steps at vendors that document no read that proves absence.
    pub not_verifiable: usize,
    /// Steps whose read failed or proved nothing.
    pub failed: usize,
}

impl Verified {
    /// The exit code: [`crate::exit::NEEDS_PERSON`] when a record is present again or a read
    /// failed, [`crate::exit::ERASED`] otherwise.
    pub fn exit_code(&self) -> u8 {
        if self.present_again > 0 || self.failed > 0 {
            crate::exit::NEEDS_PERSON
        } else {
            crate::exit::ERASED
        }
    }

    fn count(&mut self, result: CheckResult) {
        match result {
            CheckResult::AbsentAgain => self.absent_again += 1,
            CheckResult::PresentAgain => self.present_again += 1,
            CheckResult::NotVerifiable => self.not_verifiable += 1,
            CheckResult::Failed => self.failed += 1,
        }
    }
}

/// The vendors whose steps `verify` reads back (and so must be configured): those with an erased
/// or absent step, Attestr's aside (not read). Asked of the journal as one row per vendor and
/// outcome, so that choosing them holds nothing per step.
pub fn vendors_to_read(
    journal: &Journal,
) -> Result<std::collections::BTreeSet<Vendor>, JournalError> {
    Ok(journal
        .finished_outcomes()?
        .into_iter()
        // A merge, the one outcome that needs more than its name, is not erased.
        .filter(|(vendor, outcome)| {
            *vendor != Vendor::Attestr
                && Outcome::from_name(outcome, None).is_some_and(|outcome| outcome.is_erased())
        })
        .map(|(vendor, _)| vendor)
        .collect())
}

/// Reads back every erased or absent step of `journal` (opened with
/// [`Journal::open_for_verify`]) and records each result at the time `now` gives. The steps are
/// read from the journal a page at a time per vendor, never all at once.
pub async fn verify(
    mut journal: Journal,
    clients: &Clients,
    operator: Option<&str>,
    now: &(dyn Fn() -> i64 + Sync),
) -> Result<Verified, JournalError> {
    let reads_px = vendors_to_read(&journal)?.contains(&Vendor::GainsightPx);
    // A second connection pages the steps while the writer commits what each read proved.
    let reader = Journal::open_read_only(journal.path())?;
    journal.record_start(&Provenance::of("verify", clients, operator, now()))?;
    let writer = journal.into_writer();
    let px_base_url_checked = if reads_px {
        Some(clients.check(Vendor::GainsightPx).await)
    } else {
        None
    };
    let mut verified = Verified::default();
    for vendor in Vendor::ALL {
        let lane = Lane::new(&Pace::default_for(vendor));
        let lane = &lane;
        let px_base_url_checked = &px_base_url_checked;
        let mut after = 0;
        loop {
            let page = reader.finished_page(vendor, after, PAGE)?;
            let Some(last) = page.last() else { break };
            after = last.id;
            let mut reads =
                futures_util::stream::iter(page.iter().filter(|step| is_verified_outcome(step)))
                    .map(|step| async move {
                        let (result, note) =
                            read_back(clients, lane, step, px_base_url_checked).await;
                        (step, result, note)
                    })
                    .buffer_unordered(CONCURRENCY);
            while let Some((step, result, note)) = reads.next().await {
                writer.checked(step.id, result, Some(note), now()).await?;
                verified.count(result);
            }
        }
    }
    drop(reader);
    drop(writer);
    Ok(verified)
}

/// Reads one step back; returns what it proved and why, in words that hold no id.
async fn read_back(
    clients: &Clients,
    lane: &Lane,
    step: &StepRow,
    px_base_url_checked: &Option<Result<(), Problem>>,
) -> (CheckResult, String) {
    let found = |result, note: &str| (result, note.to_string());
    let failed = |problem: &Problem| {
        let status = problem.status.map(|status| format!(", HTTP {status}"));
        let note = format!(
            "The read proved nothing ({}{}): verify again later.",
            problem.kind.name(),
            status.unwrap_or_default()
        );
        (CheckResult::Failed, note)
    };
    match step.vendor {
        Vendor::Attestr => found(CheckResult::NotVerifiable, step.vendor.facts().absence_read),
        Vendor::Trust => {
            let Some(client) = &clients.trust else {
                return found(CheckResult::Failed, "Trust is not configured.");
            };
            let Ok(uuid) = uuid::Uuid::try_parse(&step.vendor_id) else {
                let note = "The journal holds a Trust id that is not a uuid.";
                return found(CheckResult::Failed, note);
            };
            lane.ready().await;
            match client.find_identity().uuid(uuid).call().await {
                Ok(response) if response.data.is_some() => found(
                    CheckResult::PresentAgain,
                    "Present again: Trust's Find Identity returned an identity for this uuid.",
                ),
                Ok(_) => found(
                    CheckResult::Failed,
                    "Trust's Find Identity answered 200 without an identity: it proves nothing.",
                ),
                Err(error) if error.status() == Some(404) => {
                    found(CheckResult::NotVerifiable, step.vendor.facts().absence_read)
                }
                Err(error) => failed(&Problem::from_error(&error)),
            }
        }
        Vendor::GainsightPx => {
            let Some(client) = &clients.gainsight_px else {
                return found(CheckResult::Failed, "Gainsight PX is not configured.");
            };
            if let Some(Err(problem)) = px_base_url_checked {
                let note = format!(
                    "The base URL did not answer Gainsight PX's user listing, so its answers prove nothing ({}): verify again later.",
                    problem.kind.name()
                );
                return (CheckResult::Failed, note);
            }
            let id = step.vendor_id.as_str();
            if !gainsight_px::fits_in_path("get_user", id) {
                return found(
                    CheckResult::NotVerifiable,
                    "Not verifiable by API: this id cannot be the path segment of Get User, and Gainsight PX documents no other read by id.",
                );
            }
            lane.ready().await;
            match client.get_user().identify_id(id).call().await {
                Ok(_) => found(
                    CheckResult::PresentAgain,
                    "Present again: Gainsight PX's Get User returned the user.",
                ),
                Err(gainsight_px::Error::Api { error, context })
                    if context.status == Some(404) && proves_px_absence(&error) =>
                {
                    let note = "Gainsight PX's Get User answered its not-found body (404).";
                    found(CheckResult::AbsentAgain, note)
                }
                Err(error) => failed(&Problem::from_error(&error)),
            }
        }
    }
}

/// Whether a Gainsight PX error body is the not-found answer the spec's `x-outcomes` accepts
/// for a delete (one truth: the rule is read, not restated).
fn proves_px_absence(error: &gainsight_px::ApiError) -> bool {
    use vendor_runtime::__private::evidence::{Response, Verdict, prove};
    let Ok(inner) = serde_json::to_value(&*error.0) else {
        return false;
    };
    let body = serde_json::json!({ "externalapierror": inner });
    matches!(
        prove(
            gainsight_px::OUTCOMES,
            "delete_user",
            Response {
                status: 404,
                body: Some(&body),
                lost_response: false,
            },
        ),
        Verdict::Proven(proof) if proof.outcome == "NotFound"
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::journal::Finish;
    use crate::subjects::Subject;

    /// A journal is read as it is found: an erasure time at the end of time (a journal whose
    /// chain was rebuilt by whoever holds its salt) has no re-check date rather than a panic.
    #[test]
    fn an_erasure_time_at_the_end_of_time_has_no_recheck_date() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("j.db");
        let subjects = [Subject {
            reference: "S1".to_string(),
            line: 2,
            ids: vec![(Vendor::GainsightPx, "u1".to_string())],
        }];
        let journal = Journal::open_for_run(&path, &subjects).unwrap();
        let mut step = journal.steps().unwrap().remove(0);
        step.state = StepState::Done;
        step.outcome = Some(Outcome::Deleted);
        step.finished_at = Some(i64::MAX);
        assert_eq!(recheck_due(&step), None);
        assert!(!revival_caveat_lifted(&step));
    }

    #[test]
    fn only_vendors_with_an_erased_or_absent_step_are_read_and_never_attestr() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("j.db");
        let ids = [
            (Vendor::Attestr, "AX1"),
            (Vendor::Trust, "0d4f6a36-5c1e-4b8e-9f2a-7c3d2e1f0a9b"),
            (Vendor::GainsightPx, "u1"),
        ];
        let subjects = [Subject {
            reference: "S1".to_string(),
            line: 2,
            ids: ids.map(|(vendor, id)| (vendor, id.to_string())).to_vec(),
        }];
        let journal = Journal::open_for_run(&path, &subjects).unwrap();
        assert!(vendors_to_read(&journal).unwrap().is_empty());
        let steps = journal.steps().unwrap();
        let writer = journal.into_writer();
        let into = "5b2e8c1a-3d4f-4e6a-8b9c-0d1e2f3a4b5c".to_string();
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        for (step, outcome) in steps.iter().zip([
            Outcome::Archived,
            Outcome::Merged { into },
            Outcome::NotFound,
        ]) {
            runtime.block_on(async {
                writer.begin(step.id).await.unwrap();
                writer.finish(step.id, Finish::ok(outcome)).await.unwrap();
            });
        }
        drop(writer);
        let journal = Journal::open_read_only(&path).unwrap();
        assert_eq!(
            vendors_to_read(&journal).unwrap(),
            std::collections::BTreeSet::from([Vendor::GainsightPx])
        );
    }

    #[test]
    fn names_round_trip() {
        for &result in <CheckResult as strum::VariantArray>::VARIANTS {
            assert_eq!(result.name().parse(), Ok(result));
            assert_eq!(
                serde_json::to_value(result).unwrap(),
                serde_json::json!(result.name())
            );
        }
    }

    #[test]
    fn only_present_again_or_a_failed_read_needs_a_person() {
        let mut verified = Verified {
            absent_again: 3,
            not_verifiable: 2,
            ..Verified::default()
        };
        assert_eq!(verified.exit_code(), crate::exit::ERASED);
        verified.present_again = 1;
        assert_eq!(verified.exit_code(), crate::exit::NEEDS_PERSON);
        verified.present_again = 0;
        verified.failed = 1;
        assert_eq!(verified.exit_code(), crate::exit::NEEDS_PERSON);
    }

    #[test]
    fn only_the_documented_not_found_body_proves_px_absence() {
        let error = |status: &str, message: &str| {
            gainsight_px::ApiError(Box::new(gainsight_px::types::ApiError {
                status: Some(status.to_string()),
                message: Some(message.to_string()),
                ..Default::default()
            }))
        };
        assert!(proves_px_absence(&error(
            "NOT_FOUND",
            "User was not found for parameters {id=x}"
        )));
        assert!(!proves_px_absence(&error("NOT_FOUND", "Route not found")));
        assert!(!proves_px_absence(&error(
            "BAD_REQUEST",
            "User was not found"
        )));
    }
}
