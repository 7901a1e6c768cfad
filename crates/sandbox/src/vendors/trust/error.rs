//! Trust's errors, rendered in the Index error envelope (the generated
//! `trust::types::ErrorEnvelope`). The sandbox also uses the envelope for the statuses Trust
//! leaves undocumented (400, 401, 413, 415, 5xx) and for Atenea's errors (`"resource": "Token"`).

use axum::Json;
use axum::response::{IntoResponse, Response};

use crate::surface::Problem;

/// The Index `resource` of every identity response.
pub(crate) const IDENTITY_RESOURCE: &str = "Identity";
/// The `resource` the sandbox puts in Atenea errors (the vendor documents none).
pub(crate) const TOKEN_RESOURCE: &str = "Token";

/// A problem in the envelope, naming `resource`.
pub(crate) fn render(problem: Problem, resource: &str) -> Response {
    let message = match &problem {
        Problem::BadRequest(detail) => format!("Bad Request: {detail}"),
        // The vendor's 404 for a uuid that is neither an identity nor a former document.
        Problem::NotFound(_) => "Not found in database neither in former documents".to_string(),
        // The vendor's 404 for a former document; "Posible" is the vendor's spelling.
        Problem::MergedInto(current_uuid) => {
            format!("Not found. Posible merge in document with uuid: {current_uuid}")
        }
        other => other.detail(),
    };
    let status = problem.status();
    let body = trust::types::ErrorEnvelope {
        code: i64::from(status.as_u16()),
        resource: resource.to_string(),
        message,
    };
    (status, Json(body)).into_response()
}
