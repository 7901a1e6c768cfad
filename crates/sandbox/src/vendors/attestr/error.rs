//! Attestr's errors: the rows of the vendor's error tables the sandbox produces (the generated
//! `attestr::ErrorCode`, from the spec's `x-error-codes`), rendered as the generated
//! `attestr::types::Error`.

use attestr::ErrorCode;
use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use crate::surface::Problem;

pub(super) fn render(problem: Problem) -> Response {
    let (status, body) = error(problem);
    (status, Json(body)).into_response()
}

/// A problem as the vendor's error: the row of its tables that answers it, with the row's code,
/// status and verbatim message. A code no table lists (the vendor's common 40051) gets no
/// invented status or message: it keeps the problem's own.
fn error(problem: Problem) -> (StatusCode, attestr::types::Error) {
    use ErrorCode::*;
    let (status, detail) = (problem.status(), problem.detail());
    // Each row, and whether the answer carries the problem's detail.
    let (row, with_detail) = match problem {
        Problem::BadRequest(_) => (MalformedDataOrMissingRequiredParameterValues, true),
        Problem::NotFound(_) => (InvalidProfileIdOrYouDoNotHaveAccessToThisRecord, false),
        Problem::Archived => (ProfileIsArchivedAlreadyOperationNotAllowed, false),
        // The vendor's common error for a `{version}` it does not serve, which no operation's
        // table lists.
        Problem::UnsupportedVersion => (Unknown(40051), false),
        Problem::Unauthorized(_) => (InvalidClientAuthorization, false),
        Problem::TooManyRequests => (MaximumApiRateLimitExceeded, false),
        // The vendor's "low credits balance": the closest documented create error for a
        // sandbox that holds its maximum of profiles.
        Problem::RecordCap(_) => (OperationCouldNotBePerformedDueToLowCreditsBalance, true),
        Problem::ServerError(_) | Problem::NotCommitted(_) => (RequestCouldNotBeProcessed, true),
        Problem::NoSuchRoute
        | Problem::MethodNotAllowed
        | Problem::PayloadTooLarge(_)
        | Problem::UnsupportedMediaType
        | Problem::MergedInto(_)
        | Problem::Duplicate(_) => (MalformedDataOrMissingRequiredParameterValues, true),
    };
    // Attestr documents no code of its own for most generic problems: the sandbox keeps its 5001
    // row for server errors and its 4001 row otherwise, each with the HTTP status that fits.
    let generic = matches!(
        row,
        RequestCouldNotBeProcessed | MalformedDataOrMissingRequiredParameterValues
    );
    let documented_status = row
        .documented_status()
        .and_then(|status| StatusCode::from_u16(status).ok())
        .filter(|_| !generic);
    let body = attestr::types::Error {
        code: row.code(),
        message: row
            .documented_message()
            .map_or_else(|| detail.clone(), str::to_string),
        details: with_detail.then_some(detail),
        http_status_code: None,
    };
    (documented_status.unwrap_or(status), body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generic_problems_keep_their_status_in_the_attestr_shape() {
        let (status, body) = error(Problem::UnsupportedMediaType);
        assert_eq!((status.as_u16(), body.code), (415, 4001));
        let (status, body) = error(Problem::ServerError(StatusCode::SERVICE_UNAVAILABLE));
        assert_eq!((status.as_u16(), body.code), (503, 5001));
        let (status, body) = error(Problem::NotCommitted("disk".to_string()));
        assert_eq!((status.as_u16(), body.code), (500, 5001));
    }

    #[test]
    fn a_code_no_table_lists_keeps_the_problems_status_and_detail() {
        let (status, body) = error(Problem::UnsupportedVersion);
        assert_eq!((status.as_u16(), body.code), (400, 40051));
        assert_eq!(
            body.message,
            "This endpoint does not support the provided version."
        );
        assert_eq!(body.details, None);
    }
}
