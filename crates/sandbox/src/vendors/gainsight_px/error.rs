//! Gainsight PX's errors, in the `externalapierror` shape third parties observed (the generated
//! `gainsight_px::types::ExternalApiError`), with Spring status names (`NOT_FOUND`…) and the
//! detail in `debugMessage`.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use gainsight_px::types::{ApiError, ExternalApiError};

use crate::surface::Problem;

/// A Gainsight PX error: HTTP status, message and an optional debug message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct PxError {
    status: StatusCode,
    message: String,
    debug_message: Option<String>,
}

impl PxError {
    pub(crate) fn user_not_found() -> Self {
        Self {
            status: StatusCode::NOT_FOUND,
            message: "User not found".to_string(),
            debug_message: None,
        }
    }

    pub(crate) fn duplicate(identify_id: &str) -> Self {
        Self {
            status: StatusCode::BAD_REQUEST,
            message: "Bad request, possible duplicate".to_string(),
            debug_message: Some(format!("A user with identifyId {identify_id:?} exists")),
        }
    }
}

impl From<Problem> for PxError {
    fn from(problem: Problem) -> Self {
        let status = problem.status();
        let detail = problem.detail();
        let (message, debug_message) = match problem {
            Problem::BadRequest(_) | Problem::RecordCap(_) => {
                ("Bad request".to_string(), Some(detail))
            }
            Problem::UnknownId => return Self::user_not_found(),
            Problem::Unauthorized(_) => ("Unauthorized or bad API Key".to_string(), None),
            Problem::TooManyRequests => ("Rate limit exceeded".to_string(), None),
            Problem::NotCommitted(_) => ("Internal server error".to_string(), Some(detail)),
            _ => (detail, None),
        };
        Self {
            status,
            message,
            debug_message,
        }
    }
}

impl IntoResponse for PxError {
    fn into_response(self) -> Response {
        let body = ExternalApiError {
            externalapierror: Some(ApiError {
                status: Some(spring_status_name(self.status)),
                message: Some(self.message),
                debug_message: self.debug_message,
                sub_errors: None,
            }),
        };
        (self.status, Json(body)).into_response()
    }
}

/// The name Spring's `HttpStatus` enum gives a status (`NOT_FOUND`), as in the observed body.
fn spring_status_name(status: StatusCode) -> String {
    match status {
        StatusCode::PAYLOAD_TOO_LARGE => "PAYLOAD_TOO_LARGE".to_string(),
        StatusCode::TOO_MANY_REQUESTS => "TOO_MANY_REQUESTS".to_string(),
        other => other
            .canonical_reason()
            .unwrap_or("UNKNOWN")
            .to_ascii_uppercase()
            .replace([' ', '-'], "_"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_names_are_springs() {
        assert_eq!(spring_status_name(StatusCode::NOT_FOUND), "NOT_FOUND");
        assert_eq!(
            spring_status_name(StatusCode::TOO_MANY_REQUESTS),
            "TOO_MANY_REQUESTS"
        );
        assert_eq!(
            spring_status_name(StatusCode::UNSUPPORTED_MEDIA_TYPE),
            "UNSUPPORTED_MEDIA_TYPE"
        );
        assert_eq!(
            spring_status_name(StatusCode::INTERNAL_SERVER_ERROR),
            "INTERNAL_SERVER_ERROR"
        );
    }
}
