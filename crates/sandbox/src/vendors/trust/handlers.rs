//! Trust's operations (`spec/trust.yaml`), each registered under its operation id. Index
//! identities can be merged: a merged uuid lives on as a former document of the current identity.
//! Delete marks an identity deleted. Atenea's token call takes client credentials and returns an
//! opaque bearer token, valid until `created_at + expires_in` on the sandbox clock.

use axum::Json;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::routing::on;
use chrono::{DateTime, Utc};
use serde_json::Value;
use trust::types::{
    AccessToken, AccessTokenRequest, Identity, IdentityApp, IdentityListResponse, IdentityResponse,
    IdentityUpdate,
};

use super::state;
use super::surface::IDENTITY_RESOURCE;
use crate::context::AppState;
use crate::extract::{JsonBody, PathParams};
use crate::ids;
use crate::records;
use crate::surface::{Handler, Problem, checked_body, checked_query};
use crate::validate::Component;
use crate::vendor::{Api, Vendor};

// The spec's operation ids (see `Handler`).
const LIST_IDENTITIES: &str = "listIdentities";
const FIND_IDENTITY: &str = "findIdentity";
const UPDATE_IDENTITY: &str = "updateIdentity";
const DELETE_IDENTITY: &str = "deleteIdentity";
const CREATE_ACCESS_TOKEN: &str = "createAccessToken";

/// The Index handlers by operation id (paths relative to `/trust/index/v1`).
pub(crate) fn index_handlers() -> Vec<Handler> {
    vec![
        (LIST_IDENTITIES, |method| on(method, list_identities)),
        (FIND_IDENTITY, |method| on(method, find_identity)),
        (UPDATE_IDENTITY, |method| on(method, update_identity)),
        (DELETE_IDENTITY, |method| on(method, delete_identity)),
    ]
}

/// The Atenea handler by operation id (its path relative to `/atenea`).
pub(crate) fn atenea_handlers() -> Vec<Handler> {
    vec![(CREATE_ACCESS_TOKEN, |method| {
        on(method, create_access_token)
    })]
}

/// List identities (Get All Identity)
async fn list_identities(
    State(context): State<AppState>,
    RawQuery(raw): RawQuery,
) -> Result<Json<IdentityListResponse>, Problem> {
    let query = checked_query(&context, LIST_IDENTITIES, raw.as_deref())?;
    let page = query.get("page").and_then(Value::as_i64).unwrap_or(1);
    let per_page = query.get("per_page").and_then(Value::as_i64).unwrap_or(5);
    // Pages before the first or of no size are empty rather than errors: the spec sets no
    // minimum, so such values are valid requests.
    let window = (page >= 1 && per_page >= 1)
        .then(|| (page - 1).checked_mul(per_page))
        .flatten();
    let data = match window {
        None => Vec::new(),
        Some(offset) => context.store.read(|db| state::page(db, offset, per_page))?,
    };
    Ok(Json(IdentityListResponse {
        code: 200,
        resource: IDENTITY_RESOURCE.to_string(),
        data,
        message: None,
    }))
}

async fn find_identity(
    State(context): State<AppState>,
    path: PathParams,
) -> Result<Json<IdentityResponse>, Problem> {
    let uuid = path.require("uuid")?;
    let data = match context.store.read(|db| state::lookup(db, &uuid))? {
        Ok(identity) => *identity,
        // "sólo se retorna el uuid de la identidad actual"
        Err(Problem::MergedInto(current)) => Identity {
            uuid: current.parse().ok(),
            ..Identity::default()
        },
        Err(problem) => return Err(problem),
    };
    Ok(identity_response(data, None))
}

/// A 200 identity response.
fn identity_response(data: Identity, message: Option<&str>) -> Json<IdentityResponse> {
    Json(IdentityResponse {
        code: 200,
        resource: IDENTITY_RESOURCE.to_string(),
        data: Some(data),
        message: message.map(str::to_string),
    })
}

async fn update_identity(
    State(context): State<AppState>,
    path: PathParams,
    JsonBody(body): JsonBody,
) -> Result<StatusCode, Problem> {
    let uuid = path.require("uuid")?;
    // The generated `IdentityUpdate` is an untagged enum of the `anyOf` branches, which keeps
    // only one of `dni` and `email` when both are sent: it checks the body, and the fields are
    // read from the checked JSON.
    let _: IdentityUpdate = checked_body(&context, UPDATE_IDENTITY, body.clone())?;
    // Every `IdentityUpdate` property (read once with the specs) but `apps`, which are merged
    // one by one (`merge_apps`).
    let properties: &'static [String] = context
        .specs
        .component("trust", "IdentityUpdate")
        .map_or(&[], Component::properties);
    let now = DateTime::from_timestamp_millis(context.clock.now_millis()).unwrap_or_default();
    context
        .write(Vendor::Trust, move |db| {
            let identity = match state::lookup(db, &uuid)? {
                Ok(identity) => *identity,
                Err(problem) => return Ok(Err(problem)),
            };
            let mut record = records::to_object(&identity)?;
            records::merge(&mut record, &body, |name| {
                name != "apps" && properties.iter().any(|property| property == name)
            });
            let mut updated: Identity = match serde_json::from_value(Value::Object(record)) {
                Ok(updated) => updated,
                Err(error) => {
                    return Ok(Err(Problem::BadRequest(error.to_string())));
                }
            };
            merge_apps(&mut updated, &body, now);
            updated.updated_at = Some(now);
            state::save(db, &updated, false).map(Ok)
        })
        .await??;
    Ok(StatusCode::OK)
}

/// Apps are matched on `app_id`: a known one is marked updated, a new one is added. An app sent
/// without `app_id` (the `bundle_id`/`flavor_id` pair) cannot be matched and is left out.
fn merge_apps(identity: &mut Identity, body: &Value, now: DateTime<Utc>) {
    let sent = body["apps"].as_array().into_iter().flatten();
    for app_id in sent.filter_map(|app| app["app_id"].as_str()) {
        match identity
            .apps
            .iter_mut()
            .find(|existing| existing.app_id.as_deref() == Some(app_id))
        {
            Some(existing) => existing.updated_at = Some(now),
            None => identity.apps.push(IdentityApp {
                app_id: Some(app_id.to_string()),
                created_at: Some(now),
                updated_at: Some(now),
                ..IdentityApp::default()
            }),
        }
    }
}

async fn delete_identity(
    State(context): State<AppState>,
    path: PathParams,
) -> Result<Json<IdentityResponse>, Problem> {
    let uuid = path.require("uuid")?;
    let deleted = context
        .write(Vendor::Trust, move |db| match state::lookup(db, &uuid)? {
            Ok(identity) => state::save(db, &identity, true).map(|()| Ok(*identity)),
            Err(problem) => Ok(Err(problem)),
        })
        .await??;
    Ok(identity_response(deleted, Some("Deleted")))
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
