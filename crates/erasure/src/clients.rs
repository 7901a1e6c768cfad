//! The vendor clients a run needs, configured by the vendor crates' own environment variables,
//! and the one call each erasure step makes.

use std::collections::BTreeSet;

use serde::Deserialize as _;
use vendor_runtime::{ConfigError, Vars};

use crate::outcome::{Outcome, Problem, ProblemKind};
use crate::vendor::{ErasureFacts, Vendor};

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

/// Vendors the subjects need that are not configured (or not configured usably), a line each.
#[derive(Debug, thiserror::Error)]
#[error("{}", .0.iter().map(config_problem).collect::<Vec<_>>().join("\n"))]
pub struct ConfigProblems(pub Vec<(Vendor, ConfigError)>);

fn config_problem((vendor, error): &(Vendor, ConfigError)) -> String {
    let variables = vendor.facts().variables.join(", ");
    format!(
        "{vendor} is needed by the subjects but not configured: {error} (variables: {variables})"
    )
}

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

    /// Proves, before the first erasure at `vendor`, that its base URL serves that vendor's API:
    /// one read whose answer has the shape the vendor documents. A catch-all server (one that
    /// answers `200 {}` or an HTML page to everything), a redirect, or another service fails it,
    /// and then nothing is sent at that vendor.
    ///
    /// - Gainsight PX: a users page (`GET /v1/users?pageSize=1`) with its documented fields,
    ///   typed, with its `totalHits` and the one user asked for unless it is 0. PX's not-found
    ///   evidence is the weakest of the three (a body seen only by third-party code), so this read
    ///   is what ties it to PX.
    /// - Attestr: a read of a profile id no person has ([`ATTESTR_PROBE_ID`]) answered by one of
    ///   Attestr's documented error bodies (a code from `x-error-codes`, on its documented status)
    ///   or by that `Profile`. No person's profile is read.
    /// - Trust: an Atenea token (the read needs one), then a page of one identity
    ///   (`GET /identity?page=1&per_page=1`) in Index's documented envelope (`code` 200,
    ///   `resource` `Identity`, a `data` list).
    pub async fn check(&self, vendor: Vendor) -> Result<(), Problem> {
        let (read, answer) = match vendor {
            Vendor::GainsightPx => ("GET /v1/users?pageSize=1", self.check_gainsight_px().await),
            Vendor::Attestr => ("GET /public/factx/{probe id}", self.check_attestr().await),
            Vendor::Trust => ("GET /identity?page=1&per_page=1", self.check_trust().await),
        };
        answer.map_err(|mut problem| {
            problem.message = format!(
                "the base URL did not prove that it serves {vendor}'s API ({read} must answer as {vendor} documents), so nothing is sent there: {}",
                problem.message
            );
            problem
        })
    }

    async fn check_gainsight_px(&self) -> Result<(), Problem> {
        let client = configured(&self.gainsight_px, Vendor::GainsightPx)?;
        let answer = gainsight_px_users_page(client)
            .await
            .map_err(|error| Problem::from_error(&error))?;
        let page = gainsight_px::types::UsersPage::deserialize(&answer)
            .map_err(|_| unproven("the answer does not read as Gainsight PX's users page"))?;
        let missing = missing_page_fields(&answer, &page);
        if !missing.is_empty() {
            return Err(unproven(&format!(
                "the users page lacks {} (documented fields of Gainsight PX's UsersPage)",
                missing.join(", ")
            )));
        }
        match page.total_hits {
            // One user a page while any remain (the vendor: "scroll until the returned result
            // list is less than the requested size").
            Some(total) if total >= 0 && page.users.len() as i64 == total.min(1) => Ok(()),
            Some(_) => Err(unproven(
                "the users page is not one Gainsight PX would send for pageSize=1",
            )),
            None => Err(unproven("the users page has no totalHits")),
        }
    }

    async fn check_attestr(&self) -> Result<(), Problem> {
        let client = configured(&self.attestr, Vendor::Attestr)?;
        let answer = client
            .get_profile()
            .profile_id(ATTESTR_PROBE_ID)
            .call()
            .await;
        match answer {
            Ok(profile) if profile.id.as_deref() == Some(ATTESTR_PROBE_ID) => Ok(()),
            Ok(_) => Err(unproven(
                "a 200 whose body is not the Profile asked for (its `_id` is not the id read)",
            )),
            Err(attestr::Error::Api { error, context })
                if context.status.is_some_and(|status| status < 500)
                    && error.code.documented_status() == context.status =>
            {
                Ok(())
            }
            Err(error) => Err(Problem::from_error(&error)),
        }
    }

    async fn check_trust(&self) -> Result<(), Problem> {
        let client = configured(&self.trust, Vendor::Trust)?;
        let page = client
            .list_identities()
            .page(1)
            .per_page(1)
            .call()
            .await
            .map_err(|error| Problem::from_error(&error))?
            .into_inner();
        if page.code == 200 && page.resource == "Identity" && page.data.len() <= 1 {
            Ok(())
        } else {
            Err(unproven(
                "the identities page is not Index's documented envelope (code 200, resource `Identity`, at most the one identity asked for)",
            ))
        }
    }

    /// Sends the step's one request through the vendor crate, which returns an outcome only on the
    /// vendor's documented evidence for it.
    pub async fn erase(&self, vendor: Vendor, id: &str) -> Result<Outcome, Problem> {
        match vendor {
            Vendor::Attestr => {
                let client = configured(&self.attestr, vendor)?;
                match client.archive(id).await {
                    Ok(attestr::ArchiveOutcome::Archived) => Ok(Outcome::Archived),
                    Ok(attestr::ArchiveOutcome::AlreadyArchived) => Ok(Outcome::AlreadyArchived),
                    Err(error) => Err(Problem::from_error(&error)),
                }
            }
            Vendor::Trust => {
                let client = configured(&self.trust, vendor)?;
                let uuid = uuid::Uuid::try_parse(id).map_err(|_| {
                    problem(
                        ProblemKind::NotSent,
                        "the journal holds a Trust id that is not a uuid",
                    )
                })?;
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
                let client = configured(&self.gainsight_px, vendor)?;
                gainsight_px_outcome(client.delete(id, gainsight_px::DeleteMode::Hard).await)
            }
        }
    }
}

/// Gainsight PX's `listUsers` for one user (`pageSize=1`), its answer as JSON: the request and
/// the runtime (credentials, retries, no redirect followed, a body read whole, errors decoded)
/// of the generated `list_users().page_size(1).call()`, whose typed answer cannot tell a
/// missing `users` list from an empty one (the type defaults it).
async fn gainsight_px_users_page(
    client: &gainsight_px::Client,
) -> Result<serde_json::Value, gainsight_px::Error> {
    use gainsight_px::{ByteStream, ClientError, ClientInfo, ResponseValue};
    use progenitor_client::{ClientHooks, OperationInfo};

    let operation = gainsight_px::OPERATIONS
        .iter()
        .find(|operation| operation.id == "list_users")
        .ok_or_else(|| {
            gainsight_px::Error::InvalidRequest("no list_users operation".to_string())
        })?;
    let send = async {
        let info = OperationInfo {
            operation_id: operation.id,
        };
        let url = format!("{}{}", client.baseurl(), operation.path_template);
        let mut request = client
            .client()
            .get(url)
            .header("accept", "application/json")
            .query(&[("pageSize", 1)])
            .build()?;
        client.pre::<ByteStream>(&mut request, &info).await?;
        let response = client.exec(request, &info).await?;
        match response.status().as_u16() {
            200 => ResponseValue::from_response(response).await,
            400..=599 => Err(ClientError::ErrorResponse(ResponseValue::stream(response))),
            _ => Err(ClientError::UnexpectedResponse(response)),
        }
    };
    vendor_runtime::__private::call::<serde_json::Value, gainsight_px::ApiError>(send)
        .await
        .map(ResponseValue::into_inner)
}

/// The fields of Gainsight PX's users page (spec `UsersPage`) that `answer` lacks, by the names
/// the generated type gives them on the wire (no second copy of the schema): every field it
/// writes for `page`, `scrollId` included (the spec makes it nullable, not optional: a `null`
/// is there). The type leaves an empty `users` list out, and so does the sandbox, so an empty
/// page may lack it.
fn missing_page_fields(
    answer: &serde_json::Value,
    page: &gainsight_px::types::UsersPage,
) -> Vec<String> {
    let written = serde_json::to_value(gainsight_px::types::UsersPage {
        scroll_id: Some(String::new()),
        ..page.clone()
    });
    let Ok(serde_json::Value::Object(fields)) = written else {
        return vec!["every field".to_string()];
    };
    fields
        .keys()
        .filter(|name| answer.get(name.as_str()).is_none())
        .map(|name| format!("`{name}`"))
        .collect()
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
            may_have_acted: true,
            ..unproven(
                "Gainsight PX answered a hard-delete request with a soft delete \
                 (hardDelete=false): the user is hidden but can be revived for 7 days, so no \
                 erasure is claimed. The next run sends the hard delete again; a not-found \
                 answer then reads as deleted or already absent, with the revival caveat.",
            )
        }),
        Ok(gainsight_px::DeleteOutcome::NotFound) => Ok(Outcome::NotFound),
        Ok(gainsight_px::DeleteOutcome::DeletedOrAlreadyAbsent { .. }) => {
            Ok(Outcome::DeletedOrAlreadyAbsent)
        }
        Err(error) => Err(Problem::from_error(&error)),
    }
}

/// The profile id Attestr's check reads: no person's (a person's profile is never read to check
/// a base URL). What Get Profile answers for an unknown id is not documented (unknown); Update
/// and Archive Profile document 400/40018 for one, and the sandbox answers so. Any documented
/// code on its documented status passes (a 5xx is retried instead).
pub const ATTESTR_PROBE_ID: &str = "vendor-erase-probe";

/// A check's answer that came whole and typed, but not in the vendor's documented shape.
fn unproven(message: &str) -> Problem {
    problem(ProblemKind::Unproven, message)
}

/// The client of `vendor`, or the problem that it is not configured (nothing is sent).
fn configured<T>(client: &Option<T>, vendor: Vendor) -> Result<&T, Problem> {
    client
        .as_ref()
        .ok_or_else(|| problem(ProblemKind::NotSent, &format!("{vendor} is not configured")))
}

/// A problem the tool found itself: no status, nothing the vendor did, not to be tried again.
fn problem(kind: ProblemKind, message: &str) -> Problem {
    Problem {
        kind,
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
