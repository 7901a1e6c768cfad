//! [`AttestrError`]: everything an Attestr call can fail with, in one enum to `match`.

use std::time::Duration;

use progenitor_client::ByteStream;
use vendor_runtime::{ErrorContext, Failure};

use crate::{ErrorCode, types};

#[derive(Debug, thiserror::Error)]
pub enum AttestrError {
    /// Attestr refused the call with one of its coded errors (`x-error-codes` in the spec).
    #[error("Attestr refused the call: {code:?} ({}): {message} [{context}]", code.code())]
    Api {
        code: ErrorCode,
        message: String,
        details: Option<String>,
        context: ErrorContext,
    },
    /// 401: the auth token was refused.
    #[error("Attestr refused the credentials [{context}]")]
    Unauthorized {
        code: Option<ErrorCode>,
        context: ErrorContext,
    },
    /// 429, after the retries allowed. `retry_after` is the server's `Retry-After`, if any.
    #[error("Attestr rate limit reached{} [{context}]", retry_after.map(|d| format!("; retry after {}s", d.as_secs())).unwrap_or_default())]
    RateLimited {
        code: Option<ErrorCode>,
        retry_after: Option<Duration>,
        context: ErrorContext,
    },
    /// An error status without a parsable Attestr error body (an HTML gateway page, an empty body).
    #[error("Attestr answered an unexpected status [{context}]")]
    UnexpectedStatus { context: ErrorContext },
    /// A success status whose body does not match the spec.
    #[error("Attestr's response does not match the spec: {message} [{context}]")]
    InvalidResponse {
        message: String,
        context: ErrorContext,
    },
    #[error("the request to Attestr failed in transport: {0}")]
    Transport(#[source] reqwest::Error),
    /// Refused before sending (for example an id that would change the route).
    #[error("the request was not sent: {0}")]
    InvalidRequest(String),
    #[error("Attestr credentials: {0}")]
    Credentials(String),
}

impl AttestrError {
    /// Interprets an error returned by a generated call. Reads the error body.
    pub async fn from_client_error(error: progenitor_client::Error<ByteStream>) -> Self {
        Self::from_failure(Failure::from_client_error(error).await)
    }

    pub fn from_failure(failure: Failure) -> Self {
        match failure {
            Failure::Response(response) => {
                let context = response.context();
                let body: Option<types::Error> = response.json();
                let code = body.as_ref().map(|body| ErrorCode::from_code(body.code));
                match (response.status.as_u16(), body) {
                    (401, _) => AttestrError::Unauthorized { code, context },
                    (429, _) => AttestrError::RateLimited {
                        code,
                        retry_after: response.retry_after(),
                        context,
                    },
                    (_, Some(body)) => AttestrError::Api {
                        code: ErrorCode::from_code(body.code),
                        message: body.message,
                        details: body.details,
                        context,
                    },
                    (_, None) => AttestrError::UnexpectedStatus { context },
                }
            }
            Failure::Transport(err) => AttestrError::Transport(err),
            Failure::InvalidRequest(message) => AttestrError::InvalidRequest(message),
            Failure::Credentials(message) => AttestrError::Credentials(message),
            Failure::InvalidResponse { context, message } => {
                AttestrError::InvalidResponse { message, context }
            }
        }
    }

    /// The Attestr error code, when the body carried one.
    pub fn code(&self) -> Option<ErrorCode> {
        match self {
            AttestrError::Api { code, .. } => Some(*code),
            AttestrError::Unauthorized { code, .. } | AttestrError::RateLimited { code, .. } => {
                *code
            }
            _ => None,
        }
    }
}
