//! Trust's errors, rendered in the Index error envelope (the generated
//! `trust::types::ErrorEnvelope`). The sandbox also uses the envelope for the statuses Trust
//! leaves undocumented (400, 401, 413, 415, 5xx) and for Atenea's errors (`"resource": "Token"`).

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use crate::surface::Problem;

/// The Index `resource` of every identity response.
pub(crate) const IDENTITY_RESOURCE: &str = "Identity";
/// The `resource` the sandbox puts in Atenea errors (the vendor documents none).
pub(crate) const TOKEN_RESOURCE: &str = "Token";
/// The vendor's 404 for a uuid that is neither an identity nor a former document.
const NOT_FOUND_MESSAGE: &str = "Not found in database neither in former documents";

/// A Trust error: status, resource and message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct TrustError {
    status: StatusCode,
    resource: &'static str,
    message: String,
}

impl TrustError {
    /// The vendor's 404 for a former document, naming the identity it was merged into.
    pub(crate) fn merged_into(current_uuid: &str) -> Self {
        Self {
            status: StatusCode::NOT_FOUND,
            resource: IDENTITY_RESOURCE,
            // "Posible" is the vendor's spelling.
            message: format!("Not found. Posible merge in document with uuid: {current_uuid}"),
        }
    }

    /// The same error, for Atenea.
    pub(crate) fn for_atenea(self) -> Self {
        Self {
            resource: TOKEN_RESOURCE,
            ..self
        }
    }
}

impl From<Problem> for TrustError {
    fn from(problem: Problem) -> Self {
        let message = match &problem {
            Problem::BadRequest(detail) => format!("Bad Request: {detail}"),
            Problem::UnknownId => NOT_FOUND_MESSAGE.to_string(),
            other => other.detail(),
        };
        Self {
            status: problem.status(),
            resource: IDENTITY_RESOURCE,
            message,
        }
    }
}

impl IntoResponse for TrustError {
    fn into_response(self) -> Response {
        let body = trust::types::ErrorEnvelope {
            code: i64::from(self.status.as_u16()),
            resource: self.resource.to_string(),
            message: self.message,
        };
        (self.status, Json(body)).into_response()
    }
}
