//! Delete User, returning what a caller needs to know rather than raw responses.

use vendor_runtime::options::record;

use crate::{Client, PxError, types};

/// Soft delete (hidden, revived by a create or update with the same id within 7 days) or hard
/// delete (never revived).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeleteMode {
    Soft,
    Hard,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeleteOutcome {
    /// This call deleted the user. `hard` says whether it can no longer be revived.
    Deleted { hard: bool },
    /// Gainsight PX has no such user.
    NotFound,
    /// An earlier attempt of this call may have deleted it (its response was lost), and the
    /// retry found nothing: deleted, or already absent.
    DeletedOrAlreadyAbsent { hard: bool },
}

impl Client {
    /// Deletes a user. An id that cannot travel in a URL path (`.`, `..`, or with `/` or `\`)
    /// is sent in the body of `DELETE /v1/users/delete` instead, as the vendor offers.
    pub async fn delete(
        &self,
        identify_id: &str,
        mode: DeleteMode,
    ) -> Result<DeleteOutcome, PxError> {
        if identify_id.is_empty() {
            return Err(PxError::InvalidRequest("the user id is empty".to_string()));
        }
        let hard = mode == DeleteMode::Hard;
        let (result, calls) = if is_safe_in_path(identify_id) {
            record(
                self.delete_user()
                    .identify_id(identify_id)
                    .hard_delete(hard)
                    .send(),
            )
            .await
        } else {
            let body = types::DeleteUser {
                identify_id: identify_id.to_string(),
            };
            record(
                self.delete_user_by_body()
                    .body(body)
                    .hard_delete(hard)
                    .send(),
            )
            .await
        };
        match result {
            Ok(_) => Ok(DeleteOutcome::Deleted { hard }),
            Err(error) => match PxError::from_client_error(error).await {
                PxError::NotFound { .. } if calls.lost_response => {
                    Ok(DeleteOutcome::DeletedOrAlreadyAbsent { hard })
                }
                PxError::NotFound { .. } => Ok(DeleteOutcome::NotFound),
                other => Err(other),
            },
        }
    }
}

/// Whether an id survives as one path segment: percent-encoding handles everything except the
/// dot segments and separators that URL parsing acts on.
fn is_safe_in_path(id: &str) -> bool {
    !matches!(id, "." | "..") && !id.contains(['/', '\\'])
}

#[cfg(test)]
mod tests {
    use super::is_safe_in_path;

    #[test]
    fn ids_that_a_url_would_reinterpret_go_in_the_body() {
        assert!(is_safe_in_path("jdoe+test@example.test"));
        assert!(is_safe_in_path("a b?c#d%e"));
        for id in [".", "..", "a/b", "..\\x", "../x"] {
            assert!(!is_safe_in_path(id), "{id}");
        }
    }
}
