//! Delete Identity, returning what a caller needs to know rather than raw responses.

use uuid::Uuid;
use vendor_runtime::options::record;

use crate::{Client, TrustError, types};

#[derive(Debug, Clone, PartialEq)]
pub enum DeleteOutcome {
    /// This call deleted it; the identity as it was.
    Deleted(Box<types::Identity>),
    /// Index has no such identity, and none merged from it.
    NotFound,
    /// The uuid is a former document of another identity, which still exists: delete that one
    /// to erase the person.
    Merged(Uuid),
    /// An earlier attempt of this call may have deleted it (its response was lost), and the
    /// retry found nothing: deleted, or already absent.
    DeletedOrAlreadyAbsent,
}

impl Client {
    /// Deletes an identity.
    pub async fn delete(&self, uuid: Uuid) -> Result<DeleteOutcome, TrustError> {
        let (result, calls) = record(self.delete_identity().uuid(uuid).send()).await;
        match result {
            Ok(response) => match response.into_inner().data {
                Some(identity) => Ok(DeleteOutcome::Deleted(Box::new(identity))),
                None => Err(TrustError::InvalidResponse {
                    message: "a 200 without the deleted identity in `data`".to_string(),
                    context: vendor_runtime::ErrorContext {
                        status: Some(200),
                        request_id: None,
                        body_excerpt: String::new(),
                    },
                }),
            },
            Err(error) => match TrustError::from_client_error(error).await {
                TrustError::NotFound { .. } if calls.lost_response => {
                    Ok(DeleteOutcome::DeletedOrAlreadyAbsent)
                }
                TrustError::NotFound { .. } => Ok(DeleteOutcome::NotFound),
                TrustError::MergedInto { current, .. } => Ok(DeleteOutcome::Merged(current)),
                other => Err(other),
            },
        }
    }
}
