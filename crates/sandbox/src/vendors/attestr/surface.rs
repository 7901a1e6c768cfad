//! The Attestr surface: its credentials (`Authorization: Basic`) and its error shape, and the
//! values the sandbox reports as Attestr's own.

use attestr::types::Profile;
use axum::http::HeaderMap;

use super::error;
use crate::context::AppContext;
use crate::ids;
use crate::surface::{Problem, Surface, authorization};
use crate::vendor::{Api, Vendor};

/// The only `{version}` the factx pages document.
pub(crate) const SUPPORTED_VERSION: &str = "v1";
/// The account id the sandbox reports as `createdByOrg`.
const SANDBOX_ACCOUNT_ID: &str = "OXsandboxAccount01";
/// The app id the sandbox reports as `client` (profiles are created "using API").
const SANDBOX_APP_ID: &str = "OXsandboxClientApp";

pub(crate) const SURFACE: Surface = Surface {
    api: Api::Vendor(Vendor::Attestr),
    admit,
    render: error::render,
};

fn admit(context: &AppContext, headers: &HeaderMap) -> Result<(), Problem> {
    let token = authorization(headers, "Basic");
    if token == Some(context.config.credentials.attestr_auth_token.as_str()) {
        Ok(())
    } else {
        Err(Problem::Unauthorized("Invalid client authorization"))
    }
}

/// Fills in the fields the server sets on a new profile (`number`, `created`, `updated`,
/// `createdByOrg`, `client`) where they are missing.
pub(crate) fn fill_server_fields(profile: &mut Profile, now_millis: i64) {
    profile
        .number
        .get_or_insert_with(ids::attestr_profile_number);
    profile.created.get_or_insert(now_millis);
    profile.updated.get_or_insert(now_millis);
    profile
        .created_by_org
        .get_or_insert_with(|| SANDBOX_ACCOUNT_ID.to_string());
    profile
        .client
        .get_or_insert_with(|| SANDBOX_APP_ID.to_string());
}
