//! Attestr's errors: the rows of the vendor's error tables the sandbox produces (the generated
//! `attestr::ErrorCode`, from the spec's `x-error-codes`), rendered as the generated
//! `attestr::types::Error`.

use attestr::ErrorCode;
use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use crate::surface::Problem;

/// An Attestr error response: HTTP status, vendor code, vendor message (verbatim) and details.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct AttestrError {
    pub(crate) status: StatusCode,
    pub(crate) code: i64,
    message: &'static str,
    details: Option<String>,
}

/// A documented row: its status, code and message as the spec lists them.
impl From<ErrorCode> for AttestrError {
    fn from(code: ErrorCode) -> Self {
        let status = code
            .documented_status()
            .and_then(|s| StatusCode::from_u16(s).ok());
        Self {
            status: status.unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
            code: code.code(),
            message: code.documented_message().unwrap_or_default(),
            details: None,
        }
    }
}

impl From<Problem> for AttestrError {
    fn from(problem: Problem) -> Self {
        let (status, details) = (problem.status(), Some(problem.detail()));
        let malformed = Self::from(ErrorCode::MalformedDataOrMissingRequiredParameterValues);
        match problem {
            Problem::BadRequest(_) => Self {
                details,
                ..malformed
            },
            Problem::NotFound(_) => {
                ErrorCode::InvalidProfileIdOrYouDoNotHaveAccessToThisRecord.into()
            }
            Problem::Archived => ErrorCode::ProfileIsArchivedAlreadyOperationNotAllowed.into(),
            // The vendor's common error for a `{version}` it does not serve, which no
            // operation's table lists.
            Problem::UnsupportedVersion => Self {
                status,
                code: 40051,
                message: "This endpoint does not support the provided version.",
                details: None,
            },
            Problem::Unauthorized(_) => ErrorCode::InvalidClientAuthorization.into(),
            Problem::TooManyRequests => ErrorCode::MaximumApiRateLimitExceeded.into(),
            // The vendor's "low credits balance": the closest documented create error for a
            // sandbox that holds its maximum of profiles.
            Problem::RecordCap(_) => Self {
                details,
                ..ErrorCode::OperationCouldNotBePerformedDueToLowCreditsBalance.into()
            },
            // Attestr documents no code of its own for these: the sandbox keeps its 5001 row
            // for server errors and its 4001 row (with the HTTP status that fits) otherwise.
            Problem::ServerError(_) | Problem::NotCommitted(_) => Self {
                status,
                details,
                ..ErrorCode::RequestCouldNotBeProcessed.into()
            },
            Problem::NoSuchRoute
            | Problem::MethodNotAllowed
            | Problem::PayloadTooLarge(_)
            | Problem::UnsupportedMediaType
            | Problem::MergedInto(_)
            | Problem::Duplicate(_) => Self {
                status,
                details,
                ..malformed
            },
        }
    }
}

impl IntoResponse for AttestrError {
    fn into_response(self) -> Response {
        let body = attestr::types::Error {
            code: self.code,
            message: self.message.to_string(),
            details: self.details,
            http_status_code: None,
        };
        (self.status, Json(body)).into_response()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generic_problems_keep_their_status_in_the_attestr_shape() {
        let error = AttestrError::from(Problem::UnsupportedMediaType);
        assert_eq!((error.status.as_u16(), error.code), (415, 4001));
        let error = AttestrError::from(Problem::ServerError(StatusCode::SERVICE_UNAVAILABLE));
        assert_eq!((error.status.as_u16(), error.code), (503, 5001));
        let error = AttestrError::from(Problem::NotCommitted("disk".to_string()));
        assert_eq!((error.status.as_u16(), error.code), (500, 5001));
    }
}
