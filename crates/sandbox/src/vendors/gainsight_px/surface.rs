//! The Gainsight PX surface: its credentials (`X-APTRINSIC-API-KEY`, each key with its own rate
//! limit), the revival window of its soft delete, and its error shape: the `externalapierror`
//! third parties observed (the generated `gainsight_px::types::ExternalApiError`), with Spring
//! status names (`NOT_FOUND`…) and the detail in `debugMessage`.

use axum::Json;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use gainsight_px::types::{ApiError, ExternalApiError};

use crate::context::AppContext;
use crate::surface::{Problem, Surface};
use crate::vendor::{Api, Vendor};

/// "If a user with the same id is created or updated within the next 7 days, the previously
/// deleted record will be revived": a delete at `t` is revivable while `now - t` is below this.
pub const REVIVAL_WINDOW_SECS: i64 = 7 * 86_400;

pub(crate) const SURFACE: Surface = Surface {
    api: Api::Vendor(Vendor::GainsightPx),
    admit,
    render,
};

/// An accepted API key, within its rate limit and daily quota.
fn admit(context: &AppContext, headers: &HeaderMap) -> Result<(), Problem> {
    let accepted = &context.config.credentials.gainsight_px_api_keys;
    let key = headers
        .get("x-aptrinsic-api-key")
        .and_then(|value| value.to_str().ok())
        .filter(|key| accepted.iter().any(|accepted| accepted == key))
        .ok_or(Problem::Unauthorized("Unauthorized or bad API Key"))?;
    let day = context.clock.now_secs().div_euclid(86_400);
    let limits = &context.gainsight_px_limits;
    limits
        .try_acquire(key, day)
        .then_some(())
        .ok_or(Problem::TooManyRequests)
}

/// A problem in the `externalapierror` shape.
fn render(problem: Problem) -> Response {
    let status = problem.status();
    let detail = problem.detail();
    let (message, debug_message) = match problem {
        Problem::BadRequest(_) | Problem::RecordCap(_) => ("Bad request".to_string(), Some(detail)),
        // In the message form third-party code observed ("User was not found for parameters
        // {id=absent-id}"); an id that does not even decode names no user.
        Problem::NotFound(identify_id) => (
            format!("User was not found for parameters {{id={identify_id}}}"),
            None,
        ),
        Problem::Duplicate(identify_id) => (
            "Bad request, possible duplicate".to_string(),
            Some(format!("A user with identifyId {identify_id:?} exists")),
        ),
        Problem::Unauthorized(_) => ("Unauthorized or bad API Key".to_string(), None),
        Problem::TooManyRequests => ("Rate limit exceeded".to_string(), None),
        Problem::NotCommitted(_) => ("Internal server error".to_string(), Some(detail)),
        _ => (detail, None),
    };
    let body = ExternalApiError {
        externalapierror: Some(ApiError {
            status: Some(spring_status_name(status)),
            message: Some(message),
            debug_message,
            sub_errors: None,
        }),
    };
    (status, Json(body)).into_response()
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
