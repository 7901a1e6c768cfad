//! [`PxError`]: everything a Gainsight PX call can fail with, in one enum to `match`.

use std::time::Duration;

use progenitor_client::ByteStream;
use vendor_runtime::{ErrorContext, ErrorResponse, Failure};

use crate::types;

/// An error body as Gainsight PX sent it. The vendor documents none; third-party code has seen
/// `{"externalapierror": {...}}`, and HTML pages from a gateway.
#[derive(Debug, Clone, PartialEq)]
pub enum PxErrorBody {
    /// A JSON body with `externalapierror`.
    Api(types::ApiError),
    /// Anything else, kept whole (up to 64 KiB): an HTML 403 page, other JSON, plain text.
    Raw(String),
    Empty,
}

impl PxErrorBody {
    fn of(response: &ErrorResponse) -> Self {
        if response.body.iter().all(u8::is_ascii_whitespace) {
            return PxErrorBody::Empty;
        }
        match response
            .json::<types::ExternalApiError>()
            .and_then(|body| body.externalapierror)
        {
            Some(error) => PxErrorBody::Api(error),
            None => PxErrorBody::Raw(String::from_utf8_lossy(&response.body).into_owned()),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum PxError {
    /// 404 "User not found".
    #[error("the user is not in Gainsight PX [{context}]")]
    NotFound {
        body: PxErrorBody,
        context: ErrorContext,
    },
    /// 401 "Unauthorized or bad API Key".
    #[error("Gainsight PX refused the API key [{context}]")]
    Unauthorized {
        body: PxErrorBody,
        context: ErrorContext,
    },
    /// 429 "Rate limit exceeded", after the retries allowed.
    #[error("Gainsight PX rate limit reached{} [{context}]", retry_after.map(|d| format!("; retry after {}s", d.as_secs())).unwrap_or_default())]
    RateLimited {
        retry_after: Option<Duration>,
        body: PxErrorBody,
        context: ErrorContext,
    },
    /// Any other error status (400, a gateway's HTML 403, 5xx).
    #[error("Gainsight PX answered an unexpected status [{context}]")]
    UnexpectedStatus {
        body: PxErrorBody,
        context: ErrorContext,
    },
    #[error("Gainsight PX's response does not match the spec: {message} [{context}]")]
    InvalidResponse {
        message: String,
        context: ErrorContext,
    },
    #[error("the request to Gainsight PX failed in transport: {0}")]
    Transport(#[source] reqwest::Error),
    #[error("the request was not sent: {0}")]
    InvalidRequest(String),
    #[error("Gainsight PX credentials: {0}")]
    Credentials(String),
}

impl PxError {
    /// Interprets an error returned by a generated call. Reads the error body.
    pub async fn from_client_error(error: progenitor_client::Error<ByteStream>) -> Self {
        Self::from_failure(Failure::from_client_error(error).await)
    }

    pub fn from_failure(failure: Failure) -> Self {
        match failure {
            Failure::Response(response) => {
                let body = PxErrorBody::of(&response);
                let context = response.context();
                match response.status.as_u16() {
                    404 => PxError::NotFound { body, context },
                    401 => PxError::Unauthorized { body, context },
                    429 => PxError::RateLimited {
                        retry_after: response.retry_after(),
                        body,
                        context,
                    },
                    _ => PxError::UnexpectedStatus { body, context },
                }
            }
            Failure::Transport(err) => PxError::Transport(err),
            Failure::InvalidRequest(message) => PxError::InvalidRequest(message),
            Failure::Credentials(message) => PxError::Credentials(message),
            Failure::InvalidResponse { context, message } => {
                PxError::InvalidResponse { message, context }
            }
        }
    }
}
