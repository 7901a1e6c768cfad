//! Attestr's errors: the rows of the vendor's error tables the sandbox produces, rendered as the
//! generated `attestr::types::Error`.

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

impl AttestrError {
    const fn row(status: StatusCode, code: i64, message: &'static str) -> Self {
        Self {
            status,
            code,
            message,
            details: None,
        }
    }

    pub(crate) const MALFORMED: Self = Self::row(
        StatusCode::BAD_REQUEST,
        4001,
        "Malformed data or missing required parameter values",
    );
    /// The vendor's "low credits balance": the closest documented create error for a sandbox
    /// that holds its maximum of profiles.
    pub(crate) const NO_CAPACITY: Self = Self::row(
        StatusCode::BAD_REQUEST,
        4005,
        "Operation could not be performed due to low credits balance",
    );
    pub(crate) const INVALID_PROFILE_ID: Self = Self::row(
        StatusCode::BAD_REQUEST,
        40018,
        "Invalid profile Id or you do not have access to this record",
    );
    pub(crate) const ARCHIVED: Self = Self::row(
        StatusCode::BAD_REQUEST,
        40038,
        "Profile is archived already, operation not allowed",
    );
    pub(crate) const UNSUPPORTED_VERSION: Self = Self::row(
        StatusCode::BAD_REQUEST,
        40051,
        "This endpoint does not support the provided version.",
    );
    pub(crate) const UNAUTHORIZED: Self = Self::row(
        StatusCode::UNAUTHORIZED,
        4016,
        "Invalid client authorization",
    );
    pub(crate) const API_RATE_LIMIT: Self = Self::row(
        StatusCode::TOO_MANY_REQUESTS,
        4292,
        "Maximum API rate limit exceeded",
    );
    pub(crate) const NOT_PROCESSED: Self = Self::row(
        StatusCode::INTERNAL_SERVER_ERROR,
        5001,
        "Request could not be processed",
    );

    fn with_details(mut self, details: impl Into<String>) -> Self {
        self.details = Some(details.into());
        self
    }

    fn with_status(mut self, status: StatusCode) -> Self {
        self.status = status;
        self
    }
}

impl From<Problem> for AttestrError {
    fn from(problem: Problem) -> Self {
        let status = problem.status();
        let detail = problem.detail();
        match problem {
            Problem::BadRequest(_) => Self::MALFORMED.with_details(detail),
            Problem::UnknownId => Self::INVALID_PROFILE_ID,
            Problem::Unauthorized(_) => Self::UNAUTHORIZED,
            Problem::TooManyRequests => Self::API_RATE_LIMIT,
            Problem::RecordCap(_) => Self::NO_CAPACITY.with_details(detail),
            // Attestr documents no code of its own for these: the sandbox keeps its 5001 row
            // for server errors and its 4001 row (with the HTTP status that fits) otherwise.
            Problem::ServerError(_) | Problem::NotCommitted(_) => {
                Self::NOT_PROCESSED.with_status(status).with_details(detail)
            }
            Problem::NoSuchRoute
            | Problem::MethodNotAllowed
            | Problem::PayloadTooLarge(_)
            | Problem::UnsupportedMediaType
            | Problem::HeadersTooLarge => Self::MALFORMED.with_details(detail).with_status(status),
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
