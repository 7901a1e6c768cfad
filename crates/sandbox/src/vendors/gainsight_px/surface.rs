//! The Gainsight PX surface: its credentials (`X-APTRINSIC-API-KEY`, each key with its own rate
//! limit) and its error shape, and the revival window of its soft delete.

use axum::http::HeaderMap;

use super::error;
use crate::context::AppContext;
use crate::surface::{Problem, Surface};
use crate::vendor::{Api, Vendor};

/// "If a user with the same id is created or updated within the next 7 days, the previously
/// deleted record will be revived": a delete at `t` is revivable while `now - t` is below this.
pub const REVIVAL_WINDOW_SECS: i64 = 7 * 86_400;

/// The Gainsight PX surface.
pub(crate) const SURFACE: Surface = Surface {
    api: Api::Vendor(Vendor::GainsightPx),
    authenticate,
    render: error::render,
};

fn authenticate<'a>(context: &'a AppContext, headers: &'a HeaderMap) -> Result<&'a str, Problem> {
    let key = headers
        .get("x-aptrinsic-api-key")
        .and_then(|value| value.to_str().ok());
    context
        .config
        .credentials
        .gainsight_px_api_keys
        .iter()
        .map(String::as_str)
        .find(|accepted| Some(*accepted) == key)
        .ok_or(Problem::Unauthorized("Unauthorized or bad API Key"))
}
