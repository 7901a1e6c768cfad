//! The two Trust surfaces: the Index (bearer tokens from Atenea, checked against the stored
//! tokens and the sandbox clock) and Atenea (credentials in the body), both in the Index error
//! envelope.

use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::Response;

use super::error::{self, IDENTITY_RESOURCE, TOKEN_RESOURCE};
use super::state;
use crate::context::AppContext;
use crate::surface::{Problem, Surface, authorization};
use crate::vendor::{Api, Vendor};

/// The Trust Index surface.
pub(crate) const INDEX: Surface = Surface {
    api: Api::Vendor(Vendor::Trust),
    authenticate,
    render,
};

/// The Atenea surface: the token call takes its credentials in the body (`security: []`).
pub(crate) const ATENEA: Surface = Surface {
    api: Api::Atenea,
    authenticate: |_, _| Ok(""),
    render: |problem| error::render(problem, TOKEN_RESOURCE),
};

fn render(problem: Problem) -> Response {
    let mut response = error::render(problem, IDENTITY_RESOURCE);
    // RFC 6750: a bearer-protected resource names the scheme it wants.
    if response.status() == StatusCode::UNAUTHORIZED {
        response
            .headers_mut()
            .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
    }
    response
}

fn authenticate<'a>(context: &'a AppContext, headers: &'a HeaderMap) -> Result<&'a str, Problem> {
    let token = authorization(headers, "Bearer").ok_or(Problem::Unauthorized(
        "Missing or malformed bearer access token",
    ))?;
    match context.read(|db| state::token_expiry(db, token))? {
        None => Err(Problem::Unauthorized("Invalid access token")),
        Some(expires_at) if context.clock.now_secs() >= expires_at => {
            Err(Problem::Unauthorized("The access token expired"))
        }
        Some(_) => Ok(token),
    }
}
