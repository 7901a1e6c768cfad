//! Delete User and Update User as a caller wants them: the route chosen for the id (path or body
//! variant), and for delete the outcome Gainsight PX's response proves (the spec's `x-outcomes`,
//! generated into `OUTCOMES`).

use vendor_runtime::__private::check_params;
use vendor_runtime::__private::evidence::Proof;

use crate::{Client, Error, OPERATIONS, OUTCOMES, types};

/// Soft delete (hidden, revived by a create or update with the same id within 7 days) or hard
/// delete (never revived).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeleteMode {
    /// `hardDelete=false`: hidden, revivable for 7 days.
    Soft,
    /// `hardDelete=true`: not revived by a later create or update.
    Hard,
}

/// What a delete achieved, as Gainsight PX documents it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeleteOutcome {
    /// This call deleted the user (200 or 204). `hard` says whether it can no longer be revived.
    Deleted {
        /// Whether `hardDelete` was set.
        hard: bool,
    },
    /// Gainsight PX has no such user: a 404 with the `NOT_FOUND` error body (third-party
    /// evidence; any other 404 is an error).
    NotFound,
    /// An earlier attempt of this call may have deleted it (its response was lost), and the
    /// retry got the not-found answer: deleted, or already absent.
    DeletedOrAlreadyAbsent {
        /// Whether `hardDelete` was set.
        hard: bool,
    },
}

impl DeleteOutcome {
    fn from_proof(proof: &Proof, hard: bool) -> Option<Self> {
        match proof.outcome {
            "Deleted" => Some(DeleteOutcome::Deleted { hard }),
            "NotFound" => Some(DeleteOutcome::NotFound),
            "DeletedOrAlreadyAbsent" => Some(DeleteOutcome::DeletedOrAlreadyAbsent { hard }),
            _ => None,
        }
    }
}

/// Whether `id` can be the `{identifyId}` path segment of `operation` (an operation id such as
/// `"get_user"`): it must keep the route its own (not empty, `.`, `..` or `delete`, see the
/// runtime's route check) and carry no slash or backslash, which the vendor's advice
/// sends by the body variants ("for ids with special characters"; an encoded slash is commonly
/// refused by Java servers, inferred). Get User has no body variant: such an id cannot be read.
pub fn fits_in_path(operation: &str, id: &str) -> bool {
    !id.contains(['/', '\\']) && check_params(OPERATIONS, operation, &[("identifyId", id)]).is_ok()
}

impl Client {
    /// Deletes a user. An id that cannot be its own path segment (see the crate docs) goes in
    /// the body of `DELETE /v1/users/delete` instead, as the vendor offers.
    pub async fn delete(
        &self,
        identify_id: &str,
        mode: DeleteMode,
    ) -> Result<DeleteOutcome, Error> {
        if identify_id.is_empty() {
            return Err(Error::InvalidRequest("the user id is empty".to_string()));
        }
        let hard = mode == DeleteMode::Hard;
        let settled = if fits_in_path("delete_user", identify_id) {
            let send = self
                .delete_user()
                .identify_id(identify_id)
                .hard_delete(hard)
                .send();
            vendor_runtime::__private::settle(OUTCOMES, "delete_user", send, |_| None).await?
        } else {
            let body = types::DeleteUser {
                identify_id: identify_id.to_string(),
            };
            let send = self
                .delete_user_by_body()
                .body(body)
                .hard_delete(hard)
                .send();
            vendor_runtime::__private::settle(OUTCOMES, "delete_user_by_body", send, |_| None)
                .await?
        };
        DeleteOutcome::from_proof(&settled.proof, hard).ok_or_else(|| {
            Error::InvalidRequest(format!(
                "the spec documents the delete outcome `{}`, which this crate does not handle",
                settled.proof.outcome
            ))
        })
    }

    /// Updates a user with the fields of `changes` (a partial body, as real traffic sends). An id
    /// that cannot be its own path segment goes by `PUT /v1/users/update`, whose body is the whole
    /// `User` as the vendor's reference declares it: `changes` must then carry `propertyKeys`,
    /// or the call is refused before sending.
    pub async fn update(&self, identify_id: &str, changes: types::UserUpdate) -> Result<(), Error> {
        if identify_id.is_empty() {
            return Err(Error::InvalidRequest("the user id is empty".to_string()));
        }
        if fits_in_path("update_user", identify_id) {
            self.update_user()
                .identify_id(identify_id)
                .body(changes)
                .call()
                .await?;
            return Ok(());
        }
        let user = user_for_body_update(identify_id, changes)?;
        self.update_user_by_body().body(user).call().await?;
        Ok(())
    }
}

/// The whole `User` that `PUT /v1/users/update` takes, from a partial update.
fn user_for_body_update(
    identify_id: &str,
    changes: types::UserUpdate,
) -> Result<types::User, Error> {
    // Neither the id nor the fields are repeated in these messages: errors end up in logs.
    if changes.property_keys.is_empty() {
        return Err(Error::InvalidRequest(
            "the id cannot be sent in a path, and `PUT /v1/users/update` takes the whole User, \
             whose `propertyKeys` the vendor's reference requires; set `property_keys` for this \
             update"
                .to_string(),
        ));
    }
    let unusable = |_| Error::InvalidRequest("the update does not make a whole User".to_string());
    let mut body = serde_json::to_value(changes).map_err(unusable)?;
    body["identifyId"] = serde_json::Value::String(identify_id.to_string());
    serde_json::from_value(body).map_err(unusable)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_that_would_change_or_share_a_route_go_in_the_body() {
        assert!(fits_in_path("delete_user", "jdoe+test@example.test"));
        assert!(fits_in_path("delete_user", "a b?c#d%e"));
        for id in [".", "..", "a/b", "..\\x", "../x", "delete", "update"] {
            assert!(!fits_in_path("delete_user", id), "{id}");
        }
        assert!(!fits_in_path("update_user", "update"));
        // `delete` would reach the route of Delete User by body, which the `pre` hook refuses.
        for id in ["", ".", "..", "a/b", "a\\b", "delete"] {
            assert!(!fits_in_path("get_user", id), "{id}");
        }
        assert!(fits_in_path("get_user", "jdoe+test@example.test"));
    }

    #[test]
    fn every_documented_outcome_is_handled() {
        for rule in OUTCOMES {
            let proof = Proof {
                outcome: rule.outcome,
                captured: None,
                evidence: rule.evidence,
            };
            assert!(
                DeleteOutcome::from_proof(&proof, true).is_some(),
                "{rule:?}"
            );
        }
    }

    #[test]
    fn a_body_update_needs_the_property_keys_the_reference_requires() {
        let partial = types::UserUpdate {
            account_id: Some("acme".to_string()),
            ..Default::default()
        };
        assert!(matches!(
            user_for_body_update("update", partial.clone()),
            Err(Error::InvalidRequest(message)) if message.contains("propertyKeys")
        ));
        let with_keys = types::UserUpdate {
            property_keys: vec!["AP-XXXXXXXXXX-2".to_string()],
            ..partial
        };
        let user = user_for_body_update("update", with_keys).unwrap();
        assert_eq!(user.identify_id, "update");
        assert_eq!(user.account_id.as_deref(), Some("acme"));
    }
}
