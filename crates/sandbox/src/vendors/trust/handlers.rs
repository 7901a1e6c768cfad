//! Trust Index's operations (`spec/trust.yaml`), with their route table for utoipa. Identities can
//! be merged: a merged uuid lives on as a former document of the current identity. Delete marks an
//! identity deleted.

use axum::Json;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use serde_json::Value;
use trust::types::{Identity, IdentityApp, IdentityListResponse, IdentityResponse, IdentityUpdate};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::error::{IDENTITY_RESOURCE, TrustError};
use super::state::{self, Lookup};
use super::surface::Trust;
use crate::context::AppState;
use crate::extract::{JsonBody, PathParams};
use crate::records;
use crate::surface::{Problem, operation};
use crate::validate::Component;
use crate::vendor::Vendor;

// The spec's operation ids: each is a handler's utoipa `operation_id` and the id its input is
// checked with, so the route-table check at start proves every id looked up here.
const LIST_IDENTITIES: &str = "listIdentities";
const FIND_IDENTITY: &str = "findIdentity";
const UPDATE_IDENTITY: &str = "updateIdentity";
const DELETE_IDENTITY: &str = "deleteIdentity";

/// The Index routes, relative to `/trust/index/v1`.
pub(crate) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_identities))
        .routes(routes!(find_identity, update_identity, delete_identity))
}

/// List identities (Get All Identity)
#[utoipa::path(
    get,
    path = "/identity",
    operation_id = LIST_IDENTITIES,
    tag = "Identities",
    params(
        ("page" = Option<i64>, Query, nullable = false, description = "Page number. Defaults to 1."),
        ("per_page" = Option<i64>, Query, nullable = false, description = "Identities per page. Defaults to 5."),
    ),
    responses(
        (status = 200, description = "One page of identities (deleted ones left out), by uuid.", body = IdentityListResponse, content_type = "application/json"),
    ),
    security(("bearerAuth" = []))
)]
async fn list_identities(
    State(context): State<AppState>,
    RawQuery(raw): RawQuery,
) -> Result<Json<IdentityListResponse>, TrustError> {
    let query = operation(&context, LIST_IDENTITIES)?
        .query(raw.as_deref())
        .map_err(Problem::BadRequest)?;
    let page = query.get("page").and_then(Value::as_i64).unwrap_or(1);
    let per_page = query.get("per_page").and_then(Value::as_i64).unwrap_or(5);
    // Pages before the first or of no size are empty rather than errors: the spec sets no
    // minimum, so such values are valid requests.
    let window = (page >= 1 && per_page >= 1)
        .then(|| (page - 1).checked_mul(per_page))
        .flatten();
    let data = match window {
        None => Vec::new(),
        Some(offset) => context
            .read(|db| state::page(db, offset, per_page))
            .map_err(Problem::from)?,
    };
    Ok(Json(IdentityListResponse {
        code: 200,
        resource: IDENTITY_RESOURCE.to_string(),
        data,
        message: None,
    }))
}

/// Find an identity by uuid
#[utoipa::path(
    get,
    path = "/identity/{uuid}",
    operation_id = FIND_IDENTITY,
    tag = "Identities",
    params(("uuid" = String, Path, format = "uuid", description = "The identity's unique identifier.")),
    responses(
        (status = 200, description = "The identity; for a merged uuid only the current identity's uuid. (A deleted or unknown uuid gets the delete call's 404, which the vendor does not document here.)", body = IdentityResponse, content_type = "application/json"),
    ),
    security(("bearerAuth" = []))
)]
async fn find_identity(
    State(context): State<AppState>,
    path: PathParams<Trust>,
) -> Result<Json<IdentityResponse>, TrustError> {
    let uuid = path.require("uuid")?;
    let data = match context
        .read(|db| state::lookup(db, &uuid))
        .map_err(Problem::from)?
    {
        Lookup::Current(identity) => *identity,
        // "sólo se retorna el uuid de la identidad actual"
        Lookup::MergedInto(current) => Identity {
            uuid: current.parse().ok(),
            ..Identity::default()
        },
        Lookup::Missing => return Err(TrustError::not_found()),
    };
    Ok(Json(IdentityResponse {
        code: 200,
        resource: IDENTITY_RESOURCE.to_string(),
        data: Some(data),
        message: None,
    }))
}

/// Update an identity
#[utoipa::path(
    patch,
    path = "/identity/{uuid}",
    operation_id = UPDATE_IDENTITY,
    tag = "Identities",
    params(("uuid" = String, Path, format = "uuid", description = "The identity's unique identifier.")),
    request_body(content = IdentityUpdate, content_type = "application/json"),
    responses(
        (status = 200, description = "The identity was updated (no body: the vendor documents none)."),
    ),
    security(("bearerAuth" = []))
)]
async fn update_identity(
    State(context): State<AppState>,
    path: PathParams<Trust>,
    JsonBody(body, ..): JsonBody<Trust>,
) -> Result<StatusCode, TrustError> {
    let uuid = path.require("uuid")?;
    // The generated `IdentityUpdate` is an untagged enum of the `anyOf` branches, which keeps
    // only one of `dni` and `email` when both are sent: it checks the body, and the fields are
    // read from the checked JSON.
    let _: IdentityUpdate = operation(&context, UPDATE_IDENTITY)?
        .body(body.clone())
        .map_err(Problem::BadRequest)?;
    // Every `IdentityUpdate` property (read once with the specs) but `apps`, which are merged
    // one by one (`merge_apps`).
    let properties: &'static [String] = context
        .specs
        .component("trust", "IdentityUpdate")
        .map_or(&[], Component::properties);
    let now = now(context.clock.now_millis());
    context
        .write(Vendor::Trust, move |db| {
            let identity = match state::lookup(db, &uuid)? {
                Lookup::Current(identity) => *identity,
                Lookup::MergedInto(current) => return Ok(Err(TrustError::merged_into(&current))),
                Lookup::Missing => return Ok(Err(TrustError::not_found())),
            };
            let mut record = records::to_object(&identity)?;
            records::merge(&mut record, &body, |name| {
                name != "apps" && properties.iter().any(|property| property == name)
            });
            let mut updated: Identity = match serde_json::from_value(Value::Object(record)) {
                Ok(updated) => updated,
                Err(error) => {
                    return Ok(Err(Problem::BadRequest(error.to_string()).into()));
                }
            };
            merge_apps(&mut updated, &body, now);
            updated.updated_at = Some(now);
            state::save(db, &updated, false).map(Ok)
        })
        .await
        .map_err(Problem::from)??;
    Ok(StatusCode::OK)
}

/// Apps are matched on `app_id`: a known one is marked updated, a new one is added. An app sent
/// without `app_id` (the `bundle_id`/`flavor_id` pair) cannot be matched and is left out.
fn merge_apps(identity: &mut Identity, body: &Value, now: DateTime<Utc>) {
    let sent = body["apps"].as_array().cloned().unwrap_or_default();
    for app in sent {
        let Some(app_id) = app["app_id"].as_str() else {
            continue;
        };
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

fn now(millis: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(millis).unwrap_or_default()
}

/// Delete an identity
#[utoipa::path(
    delete,
    path = "/identity/{uuid}",
    operation_id = DELETE_IDENTITY,
    tag = "Identities",
    params(("uuid" = String, Path, format = "uuid", description = "The identity's unique identifier.")),
    responses(
        (status = 200, description = "Identity deleted.", body = IdentityResponse, content_type = "application/json"),
        (status = 404, description = "Not an identity in Index: unknown or deleted, or a former document (the message names the current identity).", body = trust::types::ErrorEnvelope, content_type = "application/json"),
    ),
    security(("bearerAuth" = []))
)]
async fn delete_identity(
    State(context): State<AppState>,
    path: PathParams<Trust>,
) -> Result<Json<IdentityResponse>, TrustError> {
    let uuid = path.require("uuid")?;
    let deleted = context
        .write(Vendor::Trust, move |db| match state::lookup(db, &uuid)? {
            Lookup::Current(identity) => state::save(db, &identity, true).map(|()| Ok(*identity)),
            Lookup::MergedInto(current) => Ok(Err(TrustError::merged_into(&current))),
            Lookup::Missing => Ok(Err(TrustError::not_found())),
        })
        .await
        .map_err(Problem::from)??;
    Ok(Json(IdentityResponse {
        code: 200,
        resource: IDENTITY_RESOURCE.to_string(),
        data: Some(deleted),
        message: Some("Deleted".to_string()),
    }))
}
