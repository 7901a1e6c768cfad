//! Trust Index identities under `/trust/index/v1/identity` and the Atenea token call under
//! `/atenea/oauth/token/` (`spec/trust.yaml`). Identities can be merged: a merged uuid lives on as
//! a former document of the current identity. Delete marks an identity deleted. Index calls need
//! a live Atenea token, which expires at `created_at + expires_in` on the sandbox clock.

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::{FromRequestParts, RawQuery, State};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::app::{AppState, NotPersisted};
use crate::clock::rfc3339_millis;
use crate::extract::{JsonBody, Query, non_null, parse_body, path_params};
use crate::ids;
use crate::vendor::{AteneaShape, Problem, TrustShape};

/// The Index `resource` of every identity response.
const IDENTITY_RESOURCE: &str = "Identity";
/// The `resource` the sandbox puts in Atenea errors (the vendor documents none).
const TOKEN_RESOURCE: &str = "Token";
/// The vendor's 404 for a uuid that is neither an identity nor a former document.
pub(crate) const NOT_FOUND_MESSAGE: &str = "Not found in database neither in former documents";

// ---------------------------------------------------------------------------------------------
// Wire types (spec/trust.yaml).

/// Atenea client-credentials token request, sent as JSON.
#[derive(Clone, Debug, Deserialize, Serialize, ToSchema)]
pub(crate) struct AccessTokenRequest {
    /// The client id issued by Trust.
    pub(crate) client_id: String,
    /// The client secret issued by Trust.
    pub(crate) client_secret: String,
    /// Always `client_credentials` for this flow.
    pub(crate) grant_type: GrantType,
}

/// The only documented grant type.
#[derive(Clone, Copy, Debug, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub(crate) enum GrantType {
    ClientCredentials,
}

/// Atenea access token. It expires at `created_at + expires_in` (Unix seconds).
#[derive(Clone, Debug, Deserialize, Serialize, ToSchema)]
pub(crate) struct AccessToken {
    /// The bearer token for the Index calls.
    pub(crate) access_token: String,
    /// The token type; `Bearer`.
    pub(crate) token_type: String,
    /// Lifetime of the token in seconds.
    pub(crate) expires_in: i64,
    /// Creation time of the token, in Unix seconds (sandbox clock).
    pub(crate) created_at: i64,
}

/// The Index response envelope for one identity.
#[derive(Clone, Debug, Deserialize, Serialize, ToSchema)]
pub(crate) struct IdentityResponse {
    /// The HTTP status, repeated in the body.
    pub(crate) code: i64,
    /// The resource kind; `Identity`.
    pub(crate) resource: String,
    /// The identity; for a merged uuid on find, only `{"uuid": <current uuid>}`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Identity, required = false)]
    pub(crate) data: Option<Value>,
    /// A short result message, for example `Deleted`.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "non_null"
    )]
    #[schema(nullable = false)]
    pub(crate) message: Option<String>,
}

/// The Index response envelope for a page of identities.
#[derive(Clone, Debug, Deserialize, Serialize, ToSchema)]
pub(crate) struct IdentityListResponse {
    /// The HTTP status, repeated in the body.
    pub(crate) code: i64,
    /// The resource kind; `Identity`.
    pub(crate) resource: String,
    /// The identities on this page.
    pub(crate) data: Vec<Identity>,
    /// A short result message (absent on the GET samples, and here).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "non_null"
    )]
    #[schema(nullable = false)]
    pub(crate) message: Option<String>,
}

/// The Index error envelope. The sandbox also uses it for the statuses the vendor leaves
/// undocumented (401, 400, 413, 415) and for Atenea's errors.
#[derive(Clone, Debug, Deserialize, Serialize, ToSchema)]
pub(crate) struct ErrorEnvelope {
    /// The HTTP status, repeated in the body.
    pub(crate) code: i64,
    /// The resource kind; `Identity` (`Token` for Atenea).
    pub(crate) resource: String,
    /// The vendor's error message.
    pub(crate) message: String,
}

/// An identity (Person-Company record) in Index.
#[derive(Clone, Debug, Default, PartialEq, Deserialize, Serialize, ToSchema)]
pub(crate) struct Identity {
    /// The identity's unique identifier.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "non_null"
    )]
    #[schema(nullable = false, format = "uuid")]
    pub(crate) uuid: Option<String>,
    /// Not documented by the vendor; a UUID string in the sample.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "non_null"
    )]
    #[schema(nullable = false, format = "uuid")]
    pub(crate) trust_id: Option<String>,
    /// The company id provided by Trust.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "non_null"
    )]
    #[schema(nullable = false)]
    pub(crate) company_uid: Option<String>,
    /// The person's national id number.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "non_null"
    )]
    #[schema(nullable = false)]
    pub(crate) dni: Option<String>,
    /// The person's email.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "non_null"
    )]
    #[schema(nullable = false)]
    pub(crate) email: Option<String>,
    /// The person's first name.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "non_null"
    )]
    #[schema(nullable = false)]
    pub(crate) name: Option<String>,
    /// The person's last name.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "non_null"
    )]
    #[schema(nullable = false)]
    pub(crate) last_name: Option<String>,
    /// The person's phone number.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "non_null"
    )]
    #[schema(nullable = false)]
    pub(crate) phone_number: Option<String>,
    /// Nationality, `CHL` in the sample.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "non_null"
    )]
    #[schema(nullable = false)]
    pub(crate) nationality: Option<String>,
    /// URL of the person's image.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "non_null"
    )]
    #[schema(nullable = false)]
    pub(crate) img: Option<String>,
    /// The current state of the user in the oauth service.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "non_null"
    )]
    #[schema(nullable = false)]
    pub(crate) status: Option<bool>,
    /// The uuids of the identities merged into this one.
    #[serde(default)]
    pub(crate) former_documents: Option<Vec<String>>,
    /// Not documented by the vendor; only `null` is seen.
    #[serde(default)]
    #[schema(value_type = Value, required = false)]
    pub(crate) load_uuid: Value,
    /// Creation time.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "non_null"
    )]
    #[schema(nullable = false, format = DateTime)]
    pub(crate) created_at: Option<String>,
    /// Last update time.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "non_null"
    )]
    #[schema(nullable = false, format = DateTime)]
    pub(crate) updated_at: Option<String>,
    /// The apps related to the identity.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "non_null"
    )]
    #[schema(nullable = false)]
    pub(crate) apps: Option<Vec<IdentityApp>>,
}

/// An app related to an identity.
#[derive(Clone, Debug, Default, PartialEq, Deserialize, Serialize, ToSchema)]
pub(crate) struct IdentityApp {
    /// The app's id.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "non_null"
    )]
    #[schema(nullable = false)]
    pub(crate) app_id: Option<String>,
    /// Which version of the Trust application is associated with the device.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "non_null"
    )]
    #[schema(nullable = false)]
    pub(crate) version: Option<String>,
    /// Dictionary of tag name to value.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "non_null"
    )]
    #[schema(nullable = false)]
    pub(crate) tags: Option<BTreeMap<String, String>>,
    /// The person as seen by this app.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "non_null"
    )]
    #[schema(nullable = false)]
    pub(crate) person: Option<IdentityPerson>,
    /// Creation time.
    #[serde(default)]
    #[schema(format = DateTime)]
    pub(crate) created_at: Option<String>,
    /// Last update time.
    #[serde(default)]
    #[schema(format = DateTime)]
    pub(crate) updated_at: Option<String>,
}

/// The person as seen by one app.
#[derive(Clone, Debug, Default, PartialEq, Deserialize, Serialize, ToSchema)]
pub(crate) struct IdentityPerson {
    /// The person's national id number.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "non_null"
    )]
    #[schema(nullable = false)]
    pub(crate) dni: Option<String>,
    /// The person's email.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "non_null"
    )]
    #[schema(nullable = false)]
    pub(crate) email: Option<String>,
    /// Last update time.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "non_null"
    )]
    #[schema(nullable = false, format = DateTime)]
    pub(crate) updated_at: Option<String>,
}

/// The update body: `company_uid`, and at least one of `dni` and `email`.
#[derive(Clone, Debug, Deserialize, Serialize, ToSchema)]
pub(crate) struct IdentityUpdate {
    /// The company id provided by Trust. Required.
    pub(crate) company_uid: String,
    /// The person's national id number. At least one of `dni` and `email` is required.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "non_null"
    )]
    #[schema(nullable = false)]
    pub(crate) dni: Option<String>,
    /// The person's email. At least one of `dni` and `email` is required.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "non_null"
    )]
    #[schema(nullable = false)]
    pub(crate) email: Option<String>,
    /// The person's phone number.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "non_null"
    )]
    #[schema(nullable = false)]
    pub(crate) phone_number: Option<String>,
    /// The person's first name.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "non_null"
    )]
    #[schema(nullable = false)]
    pub(crate) name: Option<String>,
    /// The person's last name.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "non_null"
    )]
    #[schema(nullable = false)]
    pub(crate) last_name: Option<String>,
    /// The current state of the user in the oauth service.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "non_null"
    )]
    #[schema(nullable = false)]
    pub(crate) status: Option<bool>,
    /// URL of the person's image.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "non_null"
    )]
    #[schema(nullable = false)]
    pub(crate) img: Option<String>,
    /// The person's nationality.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "non_null"
    )]
    #[schema(nullable = false)]
    pub(crate) nationality: Option<String>,
    /// The apps related to the identity.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "non_null"
    )]
    #[schema(nullable = false)]
    pub(crate) apps: Option<Vec<IdentityAppUpdate>>,
}

/// An app in the update body.
#[derive(Clone, Debug, Deserialize, Serialize, ToSchema)]
pub(crate) struct IdentityAppUpdate {
    /// Required when the identifier pair `bundle_id`/`flavor_id` is absent.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "non_null"
    )]
    #[schema(nullable = false)]
    pub(crate) app_id: Option<String>,
    /// Identifier of a generic base Trust application (type undocumented: any JSON value).
    #[serde(default, skip_serializing_if = "Value::is_null")]
    #[schema(value_type = Value, required = false)]
    pub(crate) bundle_id: Value,
    /// Forms the identifier pair with `bundle_id` (type undocumented: any JSON value).
    #[serde(default, skip_serializing_if = "Value::is_null")]
    #[schema(value_type = Value, required = false)]
    pub(crate) flavor_id: Value,
}

// ---------------------------------------------------------------------------------------------
// Errors.

/// A Trust error: status and message, rendered in the Index envelope.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct TrustError {
    status: StatusCode,
    resource: &'static str,
    message: String,
}

impl TrustError {
    fn index(status: StatusCode, message: impl Into<String>) -> Self {
        Self {
            status,
            resource: IDENTITY_RESOURCE,
            message: message.into(),
        }
    }

    pub(crate) fn not_found() -> Self {
        Self::index(StatusCode::NOT_FOUND, NOT_FOUND_MESSAGE)
    }

    /// The vendor's 404 for a former document, naming the identity it was merged into.
    pub(crate) fn merged_into(current_uuid: &str) -> Self {
        // "Posible" is the vendor's spelling.
        Self::index(
            StatusCode::NOT_FOUND,
            format!("Not found. Posible merge in document with uuid: {current_uuid}"),
        )
    }

    fn from_problem(problem: Problem, resource: &'static str) -> Self {
        let message = match &problem {
            Problem::BadRequest(detail) => format!("Bad Request: {detail}"),
            other => other.detail(),
        };
        Self {
            status: problem.status(),
            resource,
            message,
        }
    }
}

impl From<Problem> for TrustError {
    fn from(problem: Problem) -> Self {
        Self::from_problem(problem, IDENTITY_RESOURCE)
    }
}

impl From<NotPersisted> for TrustError {
    fn from(NotPersisted(reason): NotPersisted) -> Self {
        Self::index(StatusCode::INTERNAL_SERVER_ERROR, reason)
    }
}

impl IntoResponse for TrustError {
    fn into_response(self) -> Response {
        let body = ErrorEnvelope {
            code: i64::from(self.status.as_u16()),
            resource: self.resource.to_string(),
            message: self.message,
        };
        (self.status, Json(body)).into_response()
    }
}

pub(crate) fn index_problem_response(problem: Problem) -> Response {
    TrustError::from_problem(problem, IDENTITY_RESOURCE).into_response()
}

pub(crate) fn atenea_problem_response(problem: Problem) -> Response {
    atenea_error(problem).into_response()
}

fn atenea_error(problem: Problem) -> TrustError {
    TrustError::from_problem(problem, TOKEN_RESOURCE)
}

// ---------------------------------------------------------------------------------------------
// State.

/// Identities by uuid (lowercase) and the Atenea tokens issued.
#[derive(Clone, Debug, Default, PartialEq, Deserialize, Serialize)]
pub(crate) struct TrustState {
    pub(crate) identities: BTreeMap<String, StoredIdentity>,
    #[serde(default)]
    pub(crate) tokens: BTreeMap<String, IssuedToken>,
}

/// An identity and whether it was deleted (deleted identities answer like unknown ones).
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
pub(crate) struct StoredIdentity {
    pub(crate) identity: Identity,
    #[serde(default)]
    pub(crate) deleted: bool,
}

/// An Atenea token's validity window.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize)]
pub(crate) struct IssuedToken {
    pub(crate) created_at: i64,
    pub(crate) expires_in: i64,
}

impl IssuedToken {
    fn is_live_at(self, now_secs: i64) -> bool {
        now_secs < self.created_at.saturating_add(self.expires_in)
    }
}

/// What a uuid names.
enum Lookup {
    /// A live identity (the key of `identities`).
    Current(String),
    /// A former document of this live identity.
    MergedInto(String),
    /// Neither (unknown, deleted, or not a uuid at all).
    Missing,
}

impl TrustState {
    fn lookup(&self, uuid: &str) -> Lookup {
        if !ids::is_uuid(uuid) {
            return Lookup::Missing;
        }
        let key = uuid.to_ascii_lowercase();
        if self
            .identities
            .get(&key)
            .is_some_and(|stored| !stored.deleted)
        {
            return Lookup::Current(key);
        }
        let merged_into = self.identities.iter().find(|(_, stored)| {
            !stored.deleted
                && stored
                    .identity
                    .former_documents
                    .iter()
                    .flatten()
                    .any(|former| former.eq_ignore_ascii_case(&key))
        });
        match merged_into {
            Some((current, _)) => Lookup::MergedInto(current.clone()),
            None => Lookup::Missing,
        }
    }

    /// Whether `token` is a live Atenea token now: `Err` names why not.
    pub(crate) fn check_token(&self, token: &str, now_secs: i64) -> Result<(), &'static str> {
        match self.tokens.get(token) {
            None => Err("Invalid access token"),
            Some(issued) if !issued.is_live_at(now_secs) => Err("The access token expired"),
            Some(_) => Ok(()),
        }
    }

    /// Adds identities (for the built-in and `--seed` start data), checking that every uuid is
    /// a uuid and that no uuid is both an identity and a former document.
    pub(crate) fn add_identities(&mut self, identities: Vec<Identity>) -> Result<(), String> {
        for mut identity in identities {
            let uuid = identity
                .uuid
                .as_deref()
                .filter(|uuid| ids::is_uuid(uuid))
                .ok_or_else(|| format!("identity without a valid `uuid`: {:?}", identity.uuid))?
                .to_ascii_lowercase();
            identity.uuid = Some(uuid.clone());
            for former in identity.former_documents.iter_mut().flatten() {
                if !ids::is_uuid(former) {
                    return Err(format!(
                        "identity {uuid}: former document {former:?} is not a uuid"
                    ));
                }
                *former = former.to_ascii_lowercase();
            }
            self.identities.insert(
                uuid,
                StoredIdentity {
                    identity,
                    deleted: false,
                },
            );
        }
        for (uuid, stored) in &self.identities {
            for former in stored.identity.former_documents.iter().flatten() {
                if self.identities.contains_key(former) {
                    return Err(format!(
                        "uuid {former} is both an identity and a former document of {uuid}"
                    ));
                }
            }
        }
        Ok(())
    }
}

/// The identity of the vendor's Delete Identity sample (its personal values are the vendor's own
/// placeholders), with `cccccccc-…` merged into it as a former document.
pub(crate) fn sample_identity() -> Identity {
    let sample = json!({
        "apps": [{
            "app_id": "99",
            "created_at": null,
            "person": {"dni": "123456789", "email": "abeta@example.test"},
            "tags": {"systemic_client_type": "aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa"},
            "updated_at": null,
            "version": "3"
        }],
        "company_uid": "99",
        "created_at": "2021-07-07T21:05:43.657Z",
        "dni": "12.345.678-9",
        "email": "abeta@example.test",
        "former_documents": [MERGED_SAMPLE_UUID],
        "img": "https://robohash.org/123456789",
        "last_name": "beta",
        "load_uuid": null,
        "name": "alfa",
        "nationality": "CHL",
        "phone_number": "+56912345678",
        "status": true,
        "trust_id": "ffffffff-ffff-ffff-ffff-ffffffffffff",
        "updated_at": "2021-07-07T21:05:43.657Z",
        "uuid": SAMPLE_UUID
    });
    serde_json::from_value(sample).unwrap_or_default()
}

/// The uuid of the vendor's Delete Identity sample.
pub const SAMPLE_UUID: &str = "bbbbbbbb-bbbb-bbbb-bbbb-bbbbbbbbbbbb";
/// The former document merged into the sample identity at start.
pub const MERGED_SAMPLE_UUID: &str = "cccccccc-cccc-cccc-cccc-cccccccccccc";

// ---------------------------------------------------------------------------------------------
// Extractors.

/// The `{uuid}` segment. One that does not decode to text names nothing: 404.
pub(crate) struct IdentityUuid(String);

impl FromRequestParts<AppState> for IdentityUuid {
    type Rejection = TrustError;

    async fn from_request_parts(parts: &mut Parts, _: &AppState) -> Result<Self, Self::Rejection> {
        path_params(parts)
            .await
            .and_then(|mut params| params.remove("uuid"))
            .map(IdentityUuid)
            .ok_or_else(TrustError::not_found)
    }
}

// ---------------------------------------------------------------------------------------------
// Handlers.

/// The Index routes, relative to `/trust/index/v1`.
pub(crate) fn index_routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_identities))
        .routes(routes!(find_identity, update_identity, delete_identity))
}

/// The Atenea routes, relative to `/atenea`.
pub(crate) fn atenea_routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(create_access_token))
}

/// Create an Atenea access token (client credentials flow)
#[utoipa::path(
    post,
    path = "/oauth/token/",
    operation_id = "createAccessToken",
    tag = "Atenea",
    request_body(content = AccessTokenRequest, content_type = "application/json"),
    responses(
        (status = 200, description = "The access token.", body = AccessToken, content_type = "application/json"),
    )
)]
async fn create_access_token(
    State(app): State<AppState>,
    JsonBody(body, ..): JsonBody<AteneaShape>,
) -> Result<Json<AccessToken>, TrustError> {
    let request: AccessTokenRequest = parse_body(body).map_err(atenea_error)?;
    let credentials = &app.config().credentials;
    if request.client_id != credentials.atenea_client_id
        || request.client_secret != credentials.atenea_client_secret
    {
        return Err(atenea_error(Problem::Unauthorized(
            "Invalid client credentials",
        )));
    }
    let expires_in = app.config().atenea_token_ttl_secs;
    let token = app
        .write(|state| {
            let now = state.clock.now_secs();
            // Expired tokens can never be used again: drop them so a long run stays small.
            state
                .trust
                .tokens
                .retain(|_, issued| issued.is_live_at(now));
            let access_token = ids::atenea_token();
            state.trust.tokens.insert(
                access_token.clone(),
                IssuedToken {
                    created_at: now,
                    expires_in,
                },
            );
            Ok::<_, TrustError>(AccessToken {
                access_token,
                token_type: "Bearer".to_string(),
                expires_in,
                created_at: now,
            })
        })
        .await
        .map_err(|error| TrustError {
            resource: TOKEN_RESOURCE,
            ..error
        })?;
    Ok(Json(token))
}

/// List identities (Get All Identity)
#[utoipa::path(
    get,
    path = "/identity",
    operation_id = "listIdentities",
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
    State(app): State<AppState>,
    RawQuery(raw): RawQuery,
) -> Result<Json<IdentityListResponse>, TrustError> {
    let query = Query::parse(raw.as_deref());
    let page = query.integer("page")?.unwrap_or(1);
    let per_page = query.integer("per_page")?.unwrap_or(5);
    // Pages before the first or of no size are empty rather than errors: the spec sets no
    // minimum, so such values are valid requests.
    let skip = if page < 1 || per_page < 1 {
        None
    } else {
        usize::try_from(page - 1)
            .ok()
            .zip(usize::try_from(per_page).ok())
            .and_then(|(page, per_page)| page.checked_mul(per_page).map(|skip| (skip, per_page)))
    };
    let data = app.read(|state| match skip {
        None => Vec::new(),
        Some((skip, take)) => state
            .trust
            .identities
            .values()
            .filter(|stored| !stored.deleted)
            .skip(skip)
            .take(take)
            .map(|stored| stored.identity.clone())
            .collect(),
    });
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
    operation_id = "findIdentity",
    tag = "Identities",
    params(("uuid" = String, Path, format = "uuid", description = "The identity's unique identifier.")),
    responses(
        (status = 200, description = "The identity; for a merged uuid only the current identity's uuid. (A deleted or unknown uuid gets the delete call's 404, which the vendor does not document here.)", body = IdentityResponse, content_type = "application/json"),
    ),
    security(("bearerAuth" = []))
)]
async fn find_identity(
    State(app): State<AppState>,
    IdentityUuid(uuid): IdentityUuid,
) -> Result<Json<IdentityResponse>, TrustError> {
    let data = app.read(|state| match state.trust.lookup(&uuid) {
        Lookup::Current(key) => serde_json::to_value(&state.trust.identities[&key].identity)
            .map_err(|error| {
                TrustError::index(StatusCode::INTERNAL_SERVER_ERROR, error.to_string())
            }),
        // "sólo se retorna el uuid de la identidad actual"
        Lookup::MergedInto(current) => Ok(json!({ "uuid": current })),
        Lookup::Missing => Err(TrustError::not_found()),
    })?;
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
    operation_id = "updateIdentity",
    tag = "Identities",
    params(("uuid" = String, Path, format = "uuid", description = "The identity's unique identifier.")),
    request_body(content = IdentityUpdate, content_type = "application/json"),
    responses(
        (status = 200, description = "The identity was updated (no body: the vendor documents none)."),
    ),
    security(("bearerAuth" = []))
)]
async fn update_identity(
    State(app): State<AppState>,
    IdentityUuid(uuid): IdentityUuid,
    JsonBody(body, ..): JsonBody<TrustShape>,
) -> Result<StatusCode, TrustError> {
    let update: IdentityUpdate = parse_body(body)?;
    if update.dni.is_none() && update.email.is_none() {
        return Err(Problem::BadRequest(
            "At least one of `dni` and `email` is required".to_string(),
        )
        .into());
    }
    app.write(|state| {
        let now = rfc3339_millis(state.clock.now_millis());
        let key = match state.trust.lookup(&uuid) {
            Lookup::Current(key) => key,
            Lookup::MergedInto(current) => return Err(TrustError::merged_into(&current)),
            Lookup::Missing => return Err(TrustError::not_found()),
        };
        let identity = &mut state
            .trust
            .identities
            .get_mut(&key)
            .ok_or_else(TrustError::not_found)?
            .identity;
        apply_update(identity, update, &now);
        Ok(())
    })
    .await?;
    Ok(StatusCode::OK)
}

/// Applies the fields given; the others keep their values. Apps are matched on `app_id`; an app
/// given without one (the `bundle_id`/`flavor_id` pair) cannot be matched and is left out.
fn apply_update(identity: &mut Identity, update: IdentityUpdate, now: &str) {
    identity.company_uid = Some(update.company_uid);
    let fields = [
        (&mut identity.dni, update.dni),
        (&mut identity.email, update.email),
        (&mut identity.phone_number, update.phone_number),
        (&mut identity.name, update.name),
        (&mut identity.last_name, update.last_name),
        (&mut identity.img, update.img),
        (&mut identity.nationality, update.nationality),
    ];
    for (field, value) in fields {
        if value.is_some() {
            *field = value;
        }
    }
    if update.status.is_some() {
        identity.status = update.status;
    }
    for app in update.apps.into_iter().flatten() {
        let Some(app_id) = app.app_id else { continue };
        let apps = identity.apps.get_or_insert_with(Vec::new);
        match apps
            .iter_mut()
            .find(|existing| existing.app_id.as_deref() == Some(app_id.as_str()))
        {
            Some(existing) => existing.updated_at = Some(now.to_string()),
            None => apps.push(IdentityApp {
                app_id: Some(app_id),
                created_at: Some(now.to_string()),
                updated_at: Some(now.to_string()),
                ..IdentityApp::default()
            }),
        }
    }
    identity.updated_at = Some(now.to_string());
}

/// Delete an identity
#[utoipa::path(
    delete,
    path = "/identity/{uuid}",
    operation_id = "deleteIdentity",
    tag = "Identities",
    params(("uuid" = String, Path, format = "uuid", description = "The identity's unique identifier.")),
    responses(
        (status = 200, description = "Identity deleted.", body = IdentityResponse, content_type = "application/json"),
        (status = 404, description = "Not an identity in Index: unknown or deleted, or a former document (the message names the current identity).", body = ErrorEnvelope, content_type = "application/json"),
    ),
    security(("bearerAuth" = []))
)]
async fn delete_identity(
    State(app): State<AppState>,
    IdentityUuid(uuid): IdentityUuid,
) -> Result<Json<IdentityResponse>, TrustError> {
    let deleted = app
        .write(|state| {
            let key = match state.trust.lookup(&uuid) {
                Lookup::Current(key) => key,
                Lookup::MergedInto(current) => return Err(TrustError::merged_into(&current)),
                Lookup::Missing => return Err(TrustError::not_found()),
            };
            let stored = state
                .trust
                .identities
                .get_mut(&key)
                .ok_or_else(TrustError::not_found)?;
            stored.deleted = true;
            serde_json::to_value(&stored.identity).map_err(|error| {
                TrustError::index(StatusCode::INTERNAL_SERVER_ERROR, error.to_string())
            })
        })
        .await?;
    Ok(Json(IdentityResponse {
        code: 200,
        resource: IDENTITY_RESOURCE.to_string(),
        data: Some(deleted),
        message: Some("Deleted".to_string()),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seeded() -> TrustState {
        let mut state = TrustState::default();
        state.add_identities(vec![sample_identity()]).unwrap();
        state
    }

    #[test]
    fn the_sample_identity_parses_in_full() {
        let identity = sample_identity();
        assert_eq!(identity.uuid.as_deref(), Some(SAMPLE_UUID));
        assert_eq!(identity.apps.as_ref().map(Vec::len), Some(1));
        assert_eq!(
            identity.former_documents,
            Some(vec![MERGED_SAMPLE_UUID.to_string()])
        );
    }

    #[test]
    fn lookups_tell_current_merged_and_missing_apart() {
        let mut state = seeded();
        assert!(matches!(state.lookup(SAMPLE_UUID), Lookup::Current(_)));
        assert!(matches!(
            state.lookup(&SAMPLE_UUID.to_ascii_uppercase()),
            Lookup::Current(_)
        ));
        assert!(
            matches!(state.lookup(MERGED_SAMPLE_UUID), Lookup::MergedInto(current) if current == SAMPLE_UUID)
        );
        assert!(matches!(
            state.lookup("ffffffff-ffff-ffff-ffff-ffffffffffff"),
            Lookup::Missing
        ));
        assert!(matches!(state.lookup("../../etc/passwd"), Lookup::Missing));
        state.identities.get_mut(SAMPLE_UUID).unwrap().deleted = true;
        assert!(matches!(state.lookup(SAMPLE_UUID), Lookup::Missing));
        assert!(matches!(state.lookup(MERGED_SAMPLE_UUID), Lookup::Missing));
    }

    #[test]
    fn a_uuid_cannot_be_both_identity_and_former_document() {
        let mut state = seeded();
        let clash = Identity {
            uuid: Some(MERGED_SAMPLE_UUID.to_string()),
            ..Identity::default()
        };
        assert!(state.add_identities(vec![clash]).is_err());
    }

    #[test]
    fn tokens_expire_at_created_at_plus_expires_in() {
        let token = IssuedToken {
            created_at: 1_590_515_112,
            expires_in: 7200,
        };
        assert!(token.is_live_at(1_590_515_112 + 7199));
        assert!(!token.is_live_at(1_590_515_112 + 7200));
    }
}
