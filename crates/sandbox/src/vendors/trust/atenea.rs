//! Atenea's token call under `/atenea/oauth/token/` (`spec/trust.yaml`, `createAccessToken`):
//! client credentials in, an opaque bearer token out, valid until `created_at + expires_in` on the
//! sandbox clock.

use axum::Json;
use axum::extract::State;
use axum::routing::on;
use trust::types::{AccessToken, AccessTokenRequest};

use super::state;
use crate::context::AppState;
use crate::extract::JsonBody;
use crate::ids;
use crate::surface::{Handler, Problem, checked_body};
use crate::vendor::Api;

/// The spec's operation id (see `Handler`).
const CREATE_ACCESS_TOKEN: &str = "createAccessToken";

/// The Atenea handler by operation id (its path relative to `/atenea`).
pub(crate) fn handlers() -> Vec<Handler> {
    vec![(CREATE_ACCESS_TOKEN, |method| {
        on(method, create_access_token)
    })]
}

/// Create an Atenea access token (client credentials flow)
async fn create_access_token(
    State(context): State<AppState>,
    JsonBody(body): JsonBody,
) -> Result<Json<AccessToken>, Problem> {
    let request: AccessTokenRequest = checked_body(&context, CREATE_ACCESS_TOKEN, body)?;
    let credentials = &context.config.credentials;
    if request.client_id != credentials.atenea_client_id
        || request.client_secret != credentials.atenea_client_secret
    {
        return Err(Problem::Unauthorized("Invalid client credentials"));
    }
    let expires_in = context.config.atenea_token_ttl_secs;
    let now = context.clock.now_secs();
    let cap = context.config.limits.max_records_per_vendor;
    let token = context
        .write(Api::Atenea, move |db| {
            state::drop_expired_tokens(db, now)?;
            if state::count(db)? >= cap {
                return Ok(Err(Problem::RecordCap(cap)));
            }
            let access_token = ids::atenea_token();
            state::insert_token(db, &access_token, now, now.saturating_add(expires_in))?;
            Ok(Ok(AccessToken {
                access_token,
                token_type: "Bearer".to_string(),
                expires_in,
                created_at: now,
            }))
        })
        .await??;
    Ok(Json(token))
}
