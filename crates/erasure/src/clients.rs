//! The vendor clients a run needs, configured by the vendor crates' own environment variables,
//! and the one call each erasure step makes.

use std::collections::BTreeSet;
use std::fmt;

use vendor_runtime::{ConfigError, Vars};

use crate::outcome::{Outcome, Problem, ProblemKind};
use crate::vendor::Vendor;

/// A client for each vendor the subjects name.
#[derive(Debug, Default, Clone)]
pub struct Clients {
    /// Attestr, when a subject has a profile id.
    pub attestr: Option<attestr::Client>,
    /// Trust, when a subject has a uuid.
    pub trust: Option<trust::Client>,
    /// Gainsight PX, when a subject has a user id.
    pub gainsight_px: Option<gainsight_px::Client>,
}

/// Vendors the subjects need that are not configured (or not configured usably).
#[derive(Debug)]
pub struct ConfigProblems(pub Vec<(Vendor, ConfigError)>);

impl fmt::Display for ConfigProblems {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (index, (vendor, error)) in self.0.iter().enumerate() {
            if index > 0 {
                f.write_str("\n")?;
            }
            write!(
                f,
                "{vendor} is needed by the subjects but not configured: {error} (variables: {})",
                vendor.variables().join(", ")
            )?;
        }
        Ok(())
    }
}

impl std::error::Error for ConfigProblems {}

impl Clients {
    /// Builds a client for each vendor in `needed` from `vars`. Vendors not needed are left
    /// unconfigured, whatever their variables say.
    pub fn from_vars(vars: Vars<'_>, needed: &BTreeSet<Vendor>) -> Result<Clients, ConfigProblems> {
        let mut clients = Clients::default();
        let mut problems = Vec::new();
        for vendor in needed {
            let built = match vendor {
                Vendor::Attestr => attestr::Config::from_vars(vars)
                    .and_then(attestr::Config::build)
                    .map(|client| clients.attestr = Some(client)),
                Vendor::Trust => trust::Config::from_vars(vars)
                    .and_then(trust::Config::build)
                    .map(|client| clients.trust = Some(client)),
                Vendor::GainsightPx => gainsight_px::Config::from_vars(vars)
                    .and_then(gainsight_px::Config::build)
                    .map(|client| clients.gainsight_px = Some(client)),
            };
            if let Err(error) = built {
                problems.push((*vendor, error));
            }
        }
        if problems.is_empty() {
            Ok(clients)
        } else {
            Err(ConfigProblems(problems))
        }
    }

    /// Proves, before the first erasure at `vendor`, that its base URL serves that vendor's API.
    ///
    /// Gainsight PX's not-found evidence is the weakest of the three: a 404 whose body has
    /// `status: NOT_FOUND` and a message starting "User was not found" (the spec's `x-outcomes`),
    /// a body seen only by third-party code, on a GET. PX documents no body for it, so another
    /// server that answers in that shape (a proxy, a mock, another deployment) would pass for PX.
    /// So for PX one listing call (`GET /v1/users?pageSize=1`) must answer a users page first.
    /// Attestr's and Trust's not-found answers carry a code or message their vendors document,
    /// and need no such check.
    pub async fn check(&self, vendor: Vendor) -> Result<(), Problem> {
        match vendor {
            Vendor::GainsightPx => {
                let client = self
                    .gainsight_px
                    .as_ref()
                    .ok_or_else(|| not_configured(vendor))?;
                let one = std::num::NonZeroU32::MIN;
                match client.list_users().page_size(one).call().await {
                    Ok(_) => Ok(()),
                    Err(error) => {
                        let mut problem = Problem::from_error(&error);
                        problem.message = format!(
                            "the base URL does not answer Gainsight PX's user listing (GET /v1/users?pageSize=1), so its not-found answers cannot be trusted: {}",
                            problem.message
                        );
                        Err(problem)
                    }
                }
            }
            Vendor::Attestr | Vendor::Trust => Ok(()),
        }
    }

    /// Sends the step's one request through the vendor crate, which returns an outcome only on the
    /// vendor's documented evidence for it.
    pub async fn erase(&self, vendor: Vendor, id: &str) -> Result<Outcome, Problem> {
        match vendor {
            Vendor::Attestr => {
                let client = self
                    .attestr
                    .as_ref()
                    .ok_or_else(|| not_configured(vendor))?;
                match client.archive(id).await {
                    Ok(attestr::ArchiveOutcome::Archived) => Ok(Outcome::Archived),
                    Ok(attestr::ArchiveOutcome::AlreadyArchived) => Ok(Outcome::AlreadyArchived),
                    Err(error) => Err(Problem::from_error(&error)),
                }
            }
            Vendor::Trust => {
                let client = self.trust.as_ref().ok_or_else(|| not_configured(vendor))?;
                let uuid = uuid::Uuid::try_parse(id)
                    .map_err(|_| not_sent("the journal holds a Trust id that is not a uuid"))?;
                // The deleted identity's data is dropped here: a receipt needs none of it.
                match client.delete(uuid).await {
                    Ok(trust::DeleteOutcome::Deleted(_)) => Ok(Outcome::Deleted),
                    Ok(trust::DeleteOutcome::NotFound) => Ok(Outcome::NotFound),
                    Ok(trust::DeleteOutcome::DeletedOrAlreadyAbsent) => {
                        Ok(Outcome::DeletedOrAlreadyAbsent)
                    }
                    Ok(trust::DeleteOutcome::Merged(into)) => Ok(Outcome::Merged {
                        into: into.hyphenated().to_string(),
                    }),
                    Err(error) => Err(Problem::from_error(&error)),
                }
            }
            Vendor::GainsightPx => {
                let client = self
                    .gainsight_px
                    .as_ref()
                    .ok_or_else(|| not_configured(vendor))?;
                gainsight_px_outcome(client.delete(id, gainsight_px::DeleteMode::Hard).await)
            }
        }
    }
}

/// What Gainsight PX's answer to a hard delete proves.
fn gainsight_px_outcome(
    answer: Result<gainsight_px::DeleteOutcome, gainsight_px::Error>,
) -> Result<Outcome, Problem> {
    match answer {
        Ok(gainsight_px::DeleteOutcome::Deleted { hard: true }) => Ok(Outcome::Deleted),
        // The vendor did act: the user is soft-deleted, hidden but revivable. Nothing is claimed,
        // and the step counts as one that may have acted, so the next run's not-found answer reads
        // as "deleted or already absent" (with the revival caveat).
        Ok(gainsight_px::DeleteOutcome::Deleted { hard: false }) => Err(Problem {
            kind: ProblemKind::Unproven,
            message: "Gainsight PX answered a hard-delete request with a soft delete \
                      (hardDelete=false): the user is hidden but can be revived for 7 days, so no \
                      erasure is claimed. The next run sends the hard delete again; a not-found \
                      answer then reads as deleted or already absent, with the revival caveat."
                .to_string(),
            status: None,
            may_have_acted: true,
            retryable: false,
            retry_after: None,
        }),
        Ok(gainsight_px::DeleteOutcome::NotFound) => Ok(Outcome::NotFound),
        Ok(gainsight_px::DeleteOutcome::DeletedOrAlreadyAbsent { .. }) => {
            Ok(Outcome::DeletedOrAlreadyAbsent)
        }
        Err(error) => Err(Problem::from_error(&error)),
    }
}

fn not_configured(vendor: Vendor) -> Problem {
    not_sent(&format!("{vendor} is not configured"))
}

fn not_sent(message: &str) -> Problem {
    Problem {
        kind: ProblemKind::NotSent,
        message: message.to_string(),
        status: None,
        may_have_acted: false,
        retryable: false,
        retry_after: None,
    }
}

#[cfg(test)]
mod tests {
    use std::ffi::OsString;

    use super::*;

    #[test]
    fn only_needed_vendors_must_be_configured() {
        let lookup = |name: &str| -> Option<OsString> {
            (name == "GAINSIGHT_PX_API_KEY").then(|| "px-key-secret".into())
        };
        let vars = Vars::from_fn(&lookup);
        let px_only = BTreeSet::from([Vendor::GainsightPx]);
        let clients = Clients::from_vars(vars, &px_only).unwrap();
        assert!(clients.gainsight_px.is_some() && clients.trust.is_none());

        let all = BTreeSet::from(Vendor::ALL);
        let problems = Clients::from_vars(vars, &all).unwrap_err();
        let text = problems.to_string();
        assert_eq!(problems.0.len(), 2, "{text}");
        assert!(text.contains("Attestr is needed by the subjects but not configured: environment variable ATTESTR_AUTH_TOKEN is not set"), "{text}");
        assert!(text.contains("TRUST_CLIENT_ID"), "{text}");
        assert!(!text.contains("px-key-secret"));
    }

    #[test]
    fn a_soft_delete_at_gainsight_px_is_a_problem_after_which_the_vendor_may_have_acted() {
        let soft = gainsight_px_outcome(Ok(gainsight_px::DeleteOutcome::Deleted { hard: false }));
        let problem = soft.unwrap_err();
        assert_eq!(problem.kind, ProblemKind::Unproven);
        assert!(problem.may_have_acted, "{problem:?}");
        assert!(!problem.retryable, "{problem:?}");
        assert!(problem.message.contains("soft delete"), "{problem:?}");
        assert_eq!(
            gainsight_px_outcome(Ok(gainsight_px::DeleteOutcome::Deleted { hard: true })),
            Ok(Outcome::Deleted)
        );
        assert_eq!(
            gainsight_px_outcome(Ok(gainsight_px::DeleteOutcome::NotFound)),
            Ok(Outcome::NotFound)
        );
    }
}
