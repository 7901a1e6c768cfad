//! [`TrustError`]: everything a Trust call can fail with, in one enum to `match`.

use std::time::Duration;

use progenitor_client::ByteStream;
use uuid::Uuid;
use vendor_runtime::{ErrorContext, Failure};

use crate::types;

/// The start of Index's 404 message for a uuid that was merged into another identity, as the
/// vendor spells it.
pub const MERGE_MESSAGE_PREFIX: &str = "Not found. Posible merge in document with uuid:";

#[derive(Debug, thiserror::Error)]
pub enum TrustError {
    /// 404 "Not found in database neither in former documents".
    #[error("the identity is not in Trust Index [{context}]")]
    NotFound { context: ErrorContext },
    /// 404 whose message names the identity this uuid was merged into.
    #[error("the identity was merged into {current} [{context}]")]
    MergedInto {
        current: Uuid,
        context: ErrorContext,
    },
    /// 401: the token was refused, even after one refresh.
    #[error("Trust refused the credentials [{context}]")]
    Unauthorized { context: ErrorContext },
    #[error("Trust rate limit reached{} [{context}]", retry_after.map(|d| format!("; retry after {}s", d.as_secs())).unwrap_or_default())]
    RateLimited {
        retry_after: Option<Duration>,
        context: ErrorContext,
    },
    #[error("Trust answered an unexpected status [{context}]")]
    UnexpectedStatus { context: ErrorContext },
    #[error("Trust's response does not match the spec: {message} [{context}]")]
    InvalidResponse {
        message: String,
        context: ErrorContext,
    },
    #[error("the request to Trust failed in transport: {0}")]
    Transport(#[source] reqwest::Error),
    #[error("the request was not sent: {0}")]
    InvalidRequest(String),
    /// No token could be obtained from Atenea.
    #[error("Trust credentials: {0}")]
    Credentials(String),
}

impl TrustError {
    /// Interprets an error returned by a generated call. Reads the error body.
    pub async fn from_client_error(error: progenitor_client::Error<ByteStream>) -> Self {
        Self::from_failure(Failure::from_client_error(error).await)
    }

    pub fn from_failure(failure: Failure) -> Self {
        match failure {
            Failure::Response(response) => {
                let context = response.context();
                match response.status.as_u16() {
                    404 => {
                        let envelope: Option<types::ErrorEnvelope> = response.json();
                        match envelope.as_ref().and_then(|e| merged_into(&e.message)) {
                            Some(current) => TrustError::MergedInto { current, context },
                            None => TrustError::NotFound { context },
                        }
                    }
                    401 => TrustError::Unauthorized { context },
                    429 => TrustError::RateLimited {
                        retry_after: response.retry_after(),
                        context,
                    },
                    _ => TrustError::UnexpectedStatus { context },
                }
            }
            Failure::Transport(err) => TrustError::Transport(err),
            Failure::InvalidRequest(message) => TrustError::InvalidRequest(message),
            Failure::Credentials(message) => TrustError::Credentials(message),
            Failure::InvalidResponse { context, message } => {
                TrustError::InvalidResponse { message, context }
            }
        }
    }
}

/// The current identity's uuid from a merge message, if `message` is one.
pub fn merged_into(message: &str) -> Option<Uuid> {
    message
        .strip_prefix(MERGE_MESSAGE_PREFIX)?
        .trim()
        .parse()
        .ok()
}

#[cfg(test)]
mod tests {
    use super::merged_into;

    #[test]
    fn the_merge_hint_yields_the_current_uuid() {
        let message =
            "Not found. Posible merge in document with uuid: ffffffff-ffff-ffff-ffff-ffffffffffff";
        assert_eq!(
            merged_into(message).unwrap().to_string(),
            "ffffffff-ffff-ffff-ffff-ffffffffffff"
        );
        assert_eq!(
            merged_into("Not found in database neither in former documents"),
            None
        );
        assert_eq!(
            merged_into("Not found. Posible merge in document with uuid: not-a-uuid"),
            None
        );
    }
}
