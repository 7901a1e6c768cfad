//! Delete Identity, returning the outcome Index's response proves (the spec's `x-outcomes`,
//! generated into `OUTCOMES`) rather than raw responses.

use uuid::Uuid;
use vendor_runtime::__private::evidence::Proof;

use crate::{Client, Error, OUTCOMES, types};

/// What a delete achieved, as Trust documents it.
#[derive(Debug, Clone, PartialEq)]
pub enum DeleteOutcome {
    /// This call deleted it; the identity as it was.
    Deleted(Box<types::Identity>),
    /// Index has no such identity, and none merged from it (the documented 404 message "Not
    /// found in database neither in former documents").
    NotFound,
    /// The uuid is a former document of another identity, which still exists: delete that one
    /// to erase the person. Nothing was deleted.
    Merged(Uuid),
    /// An earlier attempt of this call may have deleted it (its response was lost), and the
    /// retry got the documented not-found answer: deleted, or already absent.
    DeletedOrAlreadyAbsent,
}

const OPERATION: &str = "delete_identity";

impl DeleteOutcome {
    fn from_proof(proof: &Proof, identity: Option<types::Identity>) -> Result<Self, Error> {
        match proof.outcome {
            "Deleted" => identity
                .map(|identity| DeleteOutcome::Deleted(Box::new(identity)))
                .ok_or_else(|| Error::InvalidResponse {
                    message: "a 200 without the deleted identity in `data`".to_string(),
                    context: Box::new(vendor_runtime::ErrorContext {
                        status: Some(200),
                        ..Default::default()
                    }),
                }),
            "NotFound" => Ok(DeleteOutcome::NotFound),
            "DeletedOrAlreadyAbsent" => Ok(DeleteOutcome::DeletedOrAlreadyAbsent),
            "Merged" => proof
                .captured
                .as_deref()
                .and_then(|uuid| uuid.parse().ok())
                .map(DeleteOutcome::Merged)
                .ok_or_else(|| Error::InvalidResponse {
                    message: "a merge answer without the current identity's uuid".to_string(),
                    context: Default::default(),
                }),
            other => Err(Error::InvalidRequest(format!(
                "`{OPERATION}`: the spec documents the outcome `{other}`, which this crate does not handle"
            ))),
        }
    }
}

impl Client {
    /// Deletes an identity. A 404 is an outcome only with one of Index's two documented bodies;
    /// any other 404 (a wrong base URL's route 404, an HTML page, a cut-off body) is an error.
    pub async fn delete(&self, uuid: Uuid) -> Result<DeleteOutcome, Error> {
        let send = self.delete_identity().uuid(uuid).send();
        let settled = vendor_runtime::__private::settle(OUTCOMES, OPERATION, send, |body| {
            serde_json::to_value(body).ok()
        })
        .await?;
        let identity = settled
            .response
            .and_then(|response| response.into_inner().data);
        DeleteOutcome::from_proof(&settled.proof, identity)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_documented_outcome_is_handled() {
        for rule in OUTCOMES {
            assert_eq!(rule.operation, OPERATION);
            let proof = Proof {
                outcome: rule.outcome,
                captured: Some("ffffffff-ffff-ffff-ffff-ffffffffffff".to_string()),
                evidence: rule.evidence,
            };
            let outcome = DeleteOutcome::from_proof(&proof, Some(types::Identity::default()));
            assert!(outcome.is_ok(), "{}: {outcome:?}", rule.outcome);
        }
    }
}
