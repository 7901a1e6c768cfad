//! What one erasure step ended in: a proven [`Outcome`] (the vendor crates return one only on the
//! vendor's documented evidence), or a [`Problem`] that says why nothing is claimed and whether
//! the request may have taken effect anyway.

use std::time::Duration;

use serde::Serialize;

use crate::vendor::Vendor;

/// A proven end state of one step, in the vendors' own vocabulary. Its name (strum's, in snake
/// case) is how the journal and the reports write it.
#[derive(Debug, Clone, PartialEq, Eq, strum::Display, strum::IntoStaticStr, strum::EnumString)]
#[strum(serialize_all = "snake_case")]
pub enum Outcome {
    /// Attestr archived the profile now (200): its items and media are purged.
    Archived,
    /// Attestr had archived the profile before (400/40038).
    AlreadyArchived,
    /// Trust deleted the identity, or Gainsight PX hard-deleted the user, now.
    Deleted,
    /// The vendor's documented not-found answer, to the first request ever sent for this step.
    NotFound,
    /// The documented not-found answer after an earlier request for this step may have taken
    /// effect (its response was lost, or a run was killed while it was in flight): deleted by
    /// that request, or absent before it.
    DeletedOrAlreadyAbsent,
    /// Trust: the uuid is a former document of another identity, which still holds the person.
    /// Nothing was deleted.
    Merged {
        /// The identity it was merged into.
        into: String,
    },
}

impl Outcome {
    /// The outcome's name, as the journal and the reports write it.
    pub fn name(&self) -> &'static str {
        self.into()
    }

    /// The outcome from its [`name`](Self::name) and, for a merge, the uuid it names.
    pub fn from_name(name: &str, merged_into: Option<String>) -> Option<Outcome> {
        match name.parse().ok()? {
            Outcome::Merged { .. } => Some(Outcome::Merged { into: merged_into? }),
            outcome => Some(outcome),
        }
    }

    /// Whether the outcome leaves nothing of the person at the vendor that the tool can reach.
    /// A merge does not: the identity it names still holds the person.
    pub fn is_erased(&self) -> bool {
        !matches!(self, Outcome::Merged { .. })
    }

    /// What the outcome means at `vendor`, for a person reading a receipt.
    pub fn meaning(&self, vendor: Vendor) -> &'static str {
        match (self, vendor) {
            (Outcome::Archived, _) => {
                "Archived now: Attestr purged the profile's verification items and linked media (irreversible)."
            }
            (Outcome::AlreadyArchived, _) => {
                "Attestr answered that the profile was archived already (code 40038): its items and media were purged then."
            }
            (Outcome::Deleted, Vendor::GainsightPx) => {
                "Hard-deleted now (hardDelete=true): the user cannot be revived."
            }
            (Outcome::Deleted, _) => "Deleted now.",
            (Outcome::NotFound, Vendor::GainsightPx) => {
                "Gainsight PX has no visible user with this id (404)."
            }
            (Outcome::NotFound, _) => {
                "Trust has no identity with this uuid, and none merged from it (its documented 404)."
            }
            (Outcome::DeletedOrAlreadyAbsent, _) => {
                "An earlier request for this step may have deleted it (its answer was lost); the vendor now answers not found: deleted, or absent before."
            }
            (Outcome::Merged { .. }, _) => {
                "Not deleted: this uuid was merged into another Trust identity, which still exists and holds the person."
            }
        }
    }

    /// What the outcome cannot prove, where the vendor leaves a gap no API call closes.
    pub fn caveat(&self, vendor: Vendor) -> Option<&'static str> {
        match (self, vendor) {
            (Outcome::NotFound | Outcome::DeletedOrAlreadyAbsent, Vendor::GainsightPx) => Some(
                "A user soft-deleted earlier is hidden and answers 404 too (the sandbox also refuses to hard-delete it; \
                 what Gainsight PX does is undocumented). Such a user is revived with its history by any create or \
                 update with the same id within 7 days of that soft delete (a product that identifies the user again \
                 would do this, presumably). No API call can see or end that window: stop whatever sends this user to \
                 Gainsight PX, and erase again with a new journal once 7 days have passed.",
            ),
            _ => None,
        }
    }
}

/// Why a step needs a person, or could not finish yet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(into = "&'static str")]
#[derive(strum::IntoStaticStr, strum::EnumString, strum::VariantArray)]
#[strum(serialize_all = "snake_case")]
pub enum ProblemKind {
    /// The response proved no outcome: a 404 that is not the vendor's documented one (a wrong
    /// base URL), an HTML page, a body that broke off or does not match the spec.
    Unproven,
    /// The vendor refused the credentials, or they could not be obtained.
    Auth,
    /// 429, 5xx, timeouts or transport failures, after every retry allowed.
    RetriesExhausted,
    /// The vendor refused the request with its own error (Attestr's unknown profile id, say).
    Refused,
    /// The request was not sent: it could not be built.
    NotSent,
}

impl ProblemKind {
    /// The kind's name, as the journal and the reports write it.
    pub fn name(self) -> &'static str {
        self.into()
    }

    /// What a person should do about it.
    pub fn advice(self) -> &'static str {
        match self {
            ProblemKind::Unproven => {
                "Nothing is claimed. Check the base URL and the vendor's status, then run again."
            }
            ProblemKind::Auth => "Check the vendor's credentials, then run again.",
            ProblemKind::RetriesExhausted => {
                "The vendor kept failing or limiting; run again later (finished steps are not repeated)."
            }
            ProblemKind::Refused => "The vendor refused the request; check the id with the vendor.",
            ProblemKind::NotSent => "The request could not be built; check the id.",
        }
    }
}

/// A step that ended without a proven outcome.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// What kind of failure.
    pub kind: ProblemKind,
    /// The vendor crate's message (it may hold a body excerpt; reports redact the step's ids).
    pub message: String,
    /// The last HTTP status, when a response came.
    pub status: Option<u16>,
    /// Whether the request may have taken effect at the vendor (it may have been processed).
    pub may_have_acted: bool,
    /// Whether another try may succeed without a person's help.
    pub retryable: bool,
    /// The delay a 429 asked for.
    pub retry_after: Option<Duration>,
}

impl Problem {
    /// What kind of problem and the status, in the tool's words only: no vendor text.
    pub fn summary(&self) -> String {
        match self.status {
            Some(status) => format!("{} (HTTP {status})", self.kind.name()),
            None => self.kind.name().to_string(),
        }
    }

    /// Interprets a vendor crate's error.
    pub fn from_error<E: vendor_runtime::ServiceError>(error: &vendor_runtime::Error<E>) -> Self {
        use vendor_runtime::Error;
        let status = error.status();
        // The runtime's one rule for "the vendor may have acted" on a status.
        let server_side = status.is_some_and(vendor_runtime::status_may_have_acted);
        let (kind, may_have_acted, retryable, retry_after) = match error {
            Error::RateLimited { retry_after, .. } => {
                (ProblemKind::RetriesExhausted, false, true, *retry_after)
            }
            Error::Unauthorized { .. } => (ProblemKind::Auth, false, false, None),
            // The Index request was not sent: its token could not be had.
            Error::Credentials(_) => (ProblemKind::Auth, false, false, None),
            Error::Api { .. } | Error::UnexpectedStatus { .. } if server_side => {
                (ProblemKind::RetriesExhausted, true, true, None)
            }
            Error::Api { .. } => (ProblemKind::Refused, false, false, None),
            Error::Timeout(_) => (ProblemKind::RetriesExhausted, true, true, None),
            Error::Transport(err) => (ProblemKind::RetriesExhausted, !err.is_connect(), true, None),
            // A body cut off on the way is a network failure like any other.
            Error::BodyUnreadable { .. } => (ProblemKind::RetriesExhausted, true, true, None),
            Error::InvalidRequest(_) | Error::Config(_) => {
                (ProblemKind::NotSent, false, false, None)
            }
            // Unproven, UnexpectedStatus, InvalidResponse, BodyTooLarge and anything newer: the
            // vendor may have acted, and nothing in the response says what it did.
            _ => (ProblemKind::Unproven, true, false, None),
        };
        Problem {
            kind,
            message: error.to_string(),
            status,
            may_have_acted,
            retryable,
            retry_after,
        }
    }
}

/// What a read-back proved for a step. It is written by its [`name`](Self::name) in the journal
/// and in every report format alike.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(into = "&'static str")]
#[derive(strum::IntoStaticStr, strum::EnumString, strum::VariantArray)]
#[strum(serialize_all = "snake_case")]
pub enum CheckResult {
    /// The vendor's documented read proved again that it holds nothing under the id.
    AbsentAgain,
    /// The vendor returned the record: it is present again, and a person must act.
    PresentAgain,
    /// The vendor documents no read that proves absence.
    NotVerifiable,
    /// The read failed or proved nothing (a timeout, a 5xx, an undocumented answer); verify
    /// again.
    #[strum(serialize = "check_failed")]
    Failed,
}

impl CheckResult {
    /// The name the journal and the reports write.
    pub fn name(self) -> &'static str {
        self.into()
    }

    /// How a person reads it.
    pub fn label(self) -> &'static str {
        match self {
            CheckResult::AbsentAgain => "absent again",
            CheckResult::PresentAgain => "present again",
            CheckResult::NotVerifiable => "not verifiable by API",
            CheckResult::Failed => "check failed",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for outcome in [
            Outcome::Archived,
            Outcome::AlreadyArchived,
            Outcome::Deleted,
            Outcome::NotFound,
            Outcome::DeletedOrAlreadyAbsent,
            Outcome::Merged {
                into: "bbbbbbbb-bbbb-bbbb-bbbb-bbbbbbbbbbbb".to_string(),
            },
        ] {
            let into = match &outcome {
                Outcome::Merged { into } => Some(into.clone()),
                _ => None,
            };
            assert_eq!(Outcome::from_name(outcome.name(), into), Some(outcome));
        }
        assert_eq!(Outcome::from_name("merged", None), None);
        for &kind in <ProblemKind as strum::VariantArray>::VARIANTS {
            assert_eq!(kind.name().parse(), Ok(kind));
        }
    }

    #[test]
    fn unproven_answers_are_not_retried_and_may_have_acted() {
        let error: trust::Error = vendor_runtime::Error::UnexpectedStatus {
            context: Box::new(vendor_runtime::ErrorContext {
                status: Some(404),
                request_id: None,
                body_excerpt: "<html>".to_string(),
            }),
        };
        let problem = Problem::from_error(&error);
        assert_eq!(problem.kind, ProblemKind::Unproven);
        assert!(problem.may_have_acted && !problem.retryable);
        let busy: trust::Error = vendor_runtime::Error::UnexpectedStatus {
            context: Box::new(vendor_runtime::ErrorContext {
                status: Some(503),
                request_id: None,
                body_excerpt: String::new(),
            }),
        };
        let problem = Problem::from_error(&busy);
        assert_eq!(problem.kind, ProblemKind::RetriesExhausted);
        assert!(problem.retryable);
    }
}
