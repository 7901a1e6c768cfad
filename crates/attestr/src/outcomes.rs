//! The starting operations, returning the outcome Attestr's response proves (the spec's
//! `x-outcomes`, generated into `OUTCOMES`) rather than raw responses.

use vendor_runtime::__private::evidence::Proof;

use crate::{Client, Error, OUTCOMES, types};

/// The end state of an archive call: in both cases the profile is archived and purged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArchiveOutcome {
    /// This call archived it (Attestr's 200).
    Archived,
    /// It was archived already (Attestr's 400 with code 40038, "Profile is archived already"):
    /// the state the caller asked for already holds. This is also what a retried archive whose
    /// first response was lost reports.
    AlreadyArchived,
}

impl ArchiveOutcome {
    fn from_proof(proof: &Proof) -> Option<Self> {
        match proof.outcome {
            "Archived" => Some(ArchiveOutcome::Archived),
            "AlreadyArchived" => Some(ArchiveOutcome::AlreadyArchived),
            _ => None,
        }
    }
}

/// An outcome the spec documents that this version of the crate does not know: the table and
/// the code disagree, and nothing is claimed.
fn unhandled(operation: &str, proof: &Proof) -> Error {
    Error::InvalidRequest(format!(
        "`{operation}`: the spec documents the outcome `{}`, which this crate does not handle",
        proof.outcome
    ))
}

impl Client {
    /// Archives a profile: irreversibly removes its verification items and linked media.
    pub async fn archive(&self, profile_id: &str) -> Result<ArchiveOutcome, Error> {
        let send = self.archive_profile().profile_id(profile_id).send();
        let settled =
            vendor_runtime::__private::settle(OUTCOMES, "archive_profile", send, |_| None).await?;
        ArchiveOutcome::from_proof(&settled.proof)
            .ok_or_else(|| unhandled("archive_profile", &settled.proof))
    }

    /// Replaces a profile's basic information (`tag` and `name` are required again). Returns once
    /// Attestr answered its documented 200.
    pub async fn update(&self, profile_id: &str, input: types::ProfileInput) -> Result<(), Error> {
        let send = self
            .update_profile()
            .profile_id(profile_id)
            .body(input)
            .send();
        let settled =
            vendor_runtime::__private::settle(OUTCOMES, "update_profile", send, |_| None).await?;
        match settled.proof.outcome {
            "Updated" => Ok(()),
            _ => Err(unhandled("update_profile", &settled.proof)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_documented_outcome_is_handled() {
        for rule in OUTCOMES {
            let proof = Proof {
                outcome: rule.outcome,
                captured: None,
                evidence: rule.evidence,
            };
            let handled = match rule.operation {
                "archive_profile" => ArchiveOutcome::from_proof(&proof).is_some(),
                "update_profile" => rule.outcome == "Updated",
                _ => false,
            };
            assert!(handled, "{} {}", rule.operation, rule.outcome);
        }
    }
}
