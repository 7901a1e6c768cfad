//! The two Trust surfaces: the Index (bearer tokens from Atenea, checked against the stored
//! tokens and the sandbox clock) and Atenea (credentials in the body), both in the Index error
//! envelope (the generated `trust::types::ErrorEnvelope`). The sandbox also uses the envelope for
//! the statuses Trust leaves undocumented (400, 401, 413, 415, 5xx) and for Atenea's errors.

use axum::Json;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::state;
use crate::context::AppContext;
use crate::surface::{Problem, Surface, authorization};
use crate::vendor::{Api, Vendor};

/// The Index `resource` of every identity response.
pub(crate) const IDENTITY_RESOURCE: &str = "Identity";

pub(crate) const INDEX: Surface = Surface {
    api: Api::Vendor(Vendor::Trust),
    admit,
    render,
};

/// The Atenea surface: the token call takes its credentials in the body (`security: []`).
pub(crate) const ATENEA: Surface = Surface {
    api: Api::Atenea,
    admit: |_, _| Ok(()),
    // The vendor documents no `resource` for Atenea errors.
    render: |problem| envelope(problem, "Token"),
};

fn render(problem: Problem) -> Response {
    let mut response = envelope(problem, IDENTITY_RESOURCE);
    // RFC 6750: a bearer-protected resource names the scheme it wants.
    if response.status() == StatusCode::UNAUTHORIZED {
        response
            .headers_mut()
            .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
    }
    response
}

fn admit(context: &AppContext, headers: &HeaderMap) -> Result<(), Problem> {
    let token = authorization(headers, "Bearer").ok_or(Problem::Unauthorized(
        "Missing or malformed bearer access token",
    ))?;
    match context.store.read(|db| state::token_expiry(db, token))? {
        None => Err(Problem::Unauthorized("Invalid access token")),
        Some(expires_at) if context.clock.now_secs() >= expires_at => {
            Err(Problem::Unauthorized("The access token expired"))
        }
        Some(_) => Ok(()),
    }
}

/// A problem in the envelope, naming `resource`.
fn envelope(problem: Problem, resource: &str) -> Response {
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
