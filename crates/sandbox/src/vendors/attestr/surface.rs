//! The Attestr surface: its credentials (`Authorization: Basic`) and its error shape, and the
//! values the sandbox reports as Attestr's own.

use axum::http::HeaderMap;

use super::error::AttestrError;
use crate::context::AppContext;
use crate::surface::{ErrorShape, Problem, Surface, authorization};
use crate::vendor::{Api, Vendor};

/// The only `{version}` the factx pages document.
pub(crate) const SUPPORTED_VERSION: &str = "v1";
/// The account id the sandbox reports as `createdByOrg`.
pub(crate) const SANDBOX_ACCOUNT_ID: &str = "OXsandboxAccount01";
/// The app id the sandbox reports as `client` (profiles are created "using API").
pub(crate) const SANDBOX_APP_ID: &str = "OXsandboxClientApp";

/// The Attestr surface.
pub(crate) struct Attestr;

impl ErrorShape for Attestr {
    type Error = AttestrError;
}

impl Surface for Attestr {
    const API: Api = Api::Vendor(Vendor::Attestr);

    fn authenticate<'a>(
        context: &'a AppContext,
        headers: &'a HeaderMap,
    ) -> Result<&'a str, Problem> {
        let token = authorization(headers, "Basic");
        if token == Some(context.config.credentials.attestr_auth_token.as_str()) {
            Ok("")
        } else {
            Err(Problem::Unauthorized("Invalid client authorization"))
        }
    }
}
