//! Attestr factx profiles under `/attestr/api/{version}/public/factx/`: create, get, update and
//! archive, with the vendor's error codes (`spec/attestr.yaml`). Archive is irreversible and purges
//! the profile's verification items and follow-up queries; a later update or archive gets
//! 400/40038.

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::{FromRequestParts, State};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::app::{AppState, NotPersisted};
use crate::extract::{JsonBody, non_null, parse_body, path_params};
use crate::ids;
use crate::vendor::{AttestrShape, Problem};

/// The only `{version}` the factx pages document.
pub(crate) const SUPPORTED_VERSION: &str = "v1";

/// The account id the sandbox reports as `createdByOrg`.
pub(crate) const SANDBOX_ACCOUNT_ID: &str = "OXsandboxAccount01";
/// The app id the sandbox reports as `client` (profiles are created "using API").
pub(crate) const SANDBOX_APP_ID: &str = "OXsandboxClientApp";

// ---------------------------------------------------------------------------------------------
// Wire types: the schemas of spec/attestr.yaml, which the utoipa document is generated from.

/// A profile's basic information, sent to Create Profile and Update Profile.
#[derive(Clone, Debug, Deserialize, Serialize, ToSchema)]
pub(crate) struct ProfileInput {
    /// Unique employee Id / reference id to be passed by the client
    pub(crate) tag: String,
    /// Name of the asset (individual or business)
    pub(crate) name: String,
    /// Optional contact email field
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "non_null"
    )]
    #[schema(nullable = false)]
    pub(crate) email: Option<String>,
    /// Optional contact mobile field (E.164 format)
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "non_null"
    )]
    #[schema(nullable = false, pattern = r"^\+[1-9][0-9]{1,14}$")]
    pub(crate) mobile: Option<String>,
}

impl ProfileInput {
    /// The checks serde cannot make: the E.164 `pattern` of `mobile`.
    fn validate(&self) -> Result<(), AttestrError> {
        match &self.mobile {
            Some(mobile) if !is_e164(mobile) => Err(AttestrError::MALFORMED.with_details(format!(
                "`mobile` must be in E.164 format (^\\+[1-9][0-9]{{1,14}}$), not {mobile:?}"
            ))),
            _ => Ok(()),
        }
    }
}

fn is_e164(text: &str) -> bool {
    let Some(digits) = text.strip_prefix('+') else {
        return false;
    };
    (2..=15).contains(&digits.len())
        && digits.bytes().all(|byte| byte.is_ascii_digit())
        && !digits.starts_with('0')
}

/// Create Profile's success body.
#[derive(Clone, Debug, Deserialize, Serialize, ToSchema)]
pub(crate) struct ProfileCreated {
    /// Unique profile Id
    #[serde(rename = "_id")]
    #[schema(required = false)]
    pub(crate) id: String,
    /// Unique human readable number to be used for any reference later
    #[schema(required = false)]
    pub(crate) number: String,
}

/// Get Profile's success body.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Profile {
    /// Profile Id
    #[serde(rename = "_id")]
    #[schema(required = false)]
    pub(crate) id: String,
    /// Unique reference number as assigned by the client
    #[schema(required = false)]
    pub(crate) tag: String,
    /// Unique reference number assigned by the Attestr platform
    #[schema(required = false)]
    pub(crate) number: String,
    /// Name of the profile
    #[schema(required = false)]
    pub(crate) name: String,
    /// Contact email address
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "non_null"
    )]
    #[schema(nullable = false)]
    pub(crate) email: Option<String>,
    /// Contact number
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "non_null"
    )]
    #[schema(nullable = false)]
    pub(crate) mobile: Option<String>,
    /// Array of associated items to the profile
    #[serde(default)]
    #[schema(required = false)]
    pub(crate) items: Vec<VerificationItem>,
    /// Array of follow up queries and responses posted on the profile
    #[serde(default)]
    #[schema(required = false)]
    pub(crate) queries: Vec<ProfileQuery>,
    /// Unix timestamp of profile creation time (milliseconds)
    #[schema(required = false)]
    pub(crate) created: i64,
    /// Member Id if created from the dashboard; `null` for profiles created by API.
    #[serde(default)]
    pub(crate) created_by: Option<String>,
    /// Account Id
    #[schema(required = false)]
    pub(crate) created_by_org: String,
    /// App Id if this profile was created using API.
    #[schema(required = false)]
    pub(crate) client: String,
    /// Unix timestamp when last updated (milliseconds)
    #[schema(required = false)]
    pub(crate) updated: i64,
    /// Member Id if updated from the dashboard, else `null`.
    #[serde(default)]
    pub(crate) updated_by: Option<String>,
}

/// A verification item associated with the profile. The sandbox has no call that creates one:
/// items come from `--seed` data, so that archive's purge can be observed.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize, ToSchema)]
pub(crate) struct VerificationItem {
    /// Id of the verification item
    #[serde(
        rename = "_id",
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "non_null"
    )]
    #[schema(nullable = false)]
    pub(crate) id: Option<String>,
    /// Unique number assigned by Attestr
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "non_null"
    )]
    #[schema(nullable = false)]
    pub(crate) number: Option<String>,
    /// The fields the vendor's table leaves undocumented, kept as given.
    #[serde(flatten)]
    #[schema(ignore)]
    pub(crate) other: BTreeMap<String, Value>,
}

/// A follow-up query and its response posted on the profile (from `--seed` data).
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ProfileQuery {
    /// Query id
    #[serde(
        rename = "_id",
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "non_null"
    )]
    #[schema(nullable = false)]
    pub(crate) id: Option<String>,
    /// The query text.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "non_null"
    )]
    #[schema(nullable = false)]
    pub(crate) text: Option<String>,
    /// Document ids attached to the query.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "non_null"
    )]
    #[schema(nullable = false)]
    pub(crate) documents: Option<Vec<String>>,
    /// The response to the query; `null` until answered.
    #[serde(default)]
    pub(crate) response: Option<String>,
    /// Document ids attached to the response.
    #[serde(default)]
    pub(crate) response_documents: Option<Vec<String>>,
    /// Creation time (milliseconds).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "non_null"
    )]
    #[schema(nullable = false)]
    pub(crate) created: Option<i64>,
    /// Member id of the creator, or `null`.
    #[serde(default)]
    pub(crate) created_by: Option<String>,
    /// Last update time (milliseconds), or `null`.
    #[serde(default)]
    pub(crate) updated: Option<i64>,
    /// Member id of the last updater, or `null`.
    #[serde(default)]
    pub(crate) updated_by: Option<String>,
}

/// Attestr's error body.
#[derive(Clone, Debug, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = Error)]
pub(crate) struct ErrorBody {
    /// Unique error codes for different errors. Always available.
    pub(crate) code: i64,
    /// Error message describing the error. Always Available.
    pub(crate) message: String,
    /// Detail error message. Available only for certain types of errors.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "non_null"
    )]
    #[schema(nullable = false)]
    pub(crate) details: Option<String>,
    /// Standard HTTP Status code for the error returned (not sent by the sandbox).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "non_null"
    )]
    #[schema(nullable = false)]
    pub(crate) http_status_code: Option<i64>,
}

// ---------------------------------------------------------------------------------------------
// Errors: the rows of the vendor's error tables the sandbox produces.

/// An Attestr error response: HTTP status, vendor code, vendor message (verbatim) and details.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct AttestrError {
    status: StatusCode,
    code: i64,
    message: &'static str,
    details: Option<String>,
}

impl AttestrError {
    const fn row(status: StatusCode, code: i64, message: &'static str) -> Self {
        Self {
            status,
            code,
            message,
            details: None,
        }
    }

    pub(crate) const MALFORMED: Self = Self::row(
        StatusCode::BAD_REQUEST,
        4001,
        "Malformed data or missing required parameter values",
    );
    pub(crate) const INVALID_PROFILE_ID: Self = Self::row(
        StatusCode::BAD_REQUEST,
        40018,
        "Invalid profile Id or you do not have access to this record",
    );
    pub(crate) const ARCHIVED: Self = Self::row(
        StatusCode::BAD_REQUEST,
        40038,
        "Profile is archived already, operation not allowed",
    );
    pub(crate) const UNSUPPORTED_VERSION: Self = Self::row(
        StatusCode::BAD_REQUEST,
        40051,
        "This endpoint does not support the provided version.",
    );
    pub(crate) const UNAUTHORIZED: Self = Self::row(
        StatusCode::UNAUTHORIZED,
        4016,
        "Invalid client authorization",
    );
    pub(crate) const API_RATE_LIMIT: Self = Self::row(
        StatusCode::TOO_MANY_REQUESTS,
        4292,
        "Maximum API rate limit exceeded",
    );
    pub(crate) const NOT_PROCESSED: Self = Self::row(
        StatusCode::INTERNAL_SERVER_ERROR,
        5001,
        "Request could not be processed",
    );

    fn with_details(mut self, details: impl Into<String>) -> Self {
        self.details = Some(details.into());
        self
    }

    fn with_status(mut self, status: StatusCode) -> Self {
        self.status = status;
        self
    }
}

impl From<Problem> for AttestrError {
    fn from(problem: Problem) -> Self {
        let status = problem.status();
        match problem {
            Problem::BadRequest(detail) => Self::MALFORMED.with_details(detail),
            Problem::Unauthorized(_) => Self::UNAUTHORIZED,
            Problem::TooManyRequests => Self::API_RATE_LIMIT,
            // Attestr documents no code of its own for these: the sandbox keeps its 5001 row
            // for server errors and its 4001 row (with the HTTP status that fits) otherwise.
            Problem::ServerError(_) => Self::NOT_PROCESSED.with_status(status),
            other => Self::MALFORMED
                .with_details(other.detail())
                .with_status(status),
        }
    }
}

impl From<NotPersisted> for AttestrError {
    fn from(NotPersisted(reason): NotPersisted) -> Self {
        Self::NOT_PROCESSED.with_details(reason)
    }
}

impl IntoResponse for AttestrError {
    fn into_response(self) -> Response {
        let body = ErrorBody {
            code: self.code,
            message: self.message.to_string(),
            details: self.details,
            http_status_code: None,
        };
        (self.status, Json(body)).into_response()
    }
}

pub(crate) fn problem_response(problem: Problem) -> Response {
    AttestrError::from(problem).into_response()
}

// ---------------------------------------------------------------------------------------------
// State.

/// Every profile the sandbox holds, by `_id`.
#[derive(Clone, Debug, Default, PartialEq, Deserialize, Serialize)]
pub(crate) struct AttestrState {
    pub(crate) profiles: BTreeMap<String, StoredProfile>,
}

/// A profile and whether it was archived (archived profiles stay readable, purged).
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
pub(crate) struct StoredProfile {
    pub(crate) profile: Profile,
    #[serde(default)]
    pub(crate) archived: bool,
}

// ---------------------------------------------------------------------------------------------
// Extractors for the `{version}` and `{profileId}` path segments.

/// The `{version}` segment, checked to be `v1` (else 400/40051).
pub(crate) struct SupportedVersion;

impl FromRequestParts<AppState> for SupportedVersion {
    type Rejection = AttestrError;

    async fn from_request_parts(parts: &mut Parts, _: &AppState) -> Result<Self, Self::Rejection> {
        let params = path_params(parts).await;
        check_version(params.as_ref().and_then(|params| params.get("version")))?;
        Ok(Self)
    }
}

fn check_version(version: Option<&String>) -> Result<(), AttestrError> {
    match version {
        Some(version) if version == SUPPORTED_VERSION => Ok(()),
        _ => Err(AttestrError::UNSUPPORTED_VERSION),
    }
}

/// The `{profileId}` segment (after the version check). A segment that does not decode to text
/// can name no profile: 400/40018, like any unknown id.
pub(crate) struct ProfileId(String);

impl FromRequestParts<AppState> for ProfileId {
    type Rejection = AttestrError;

    async fn from_request_parts(parts: &mut Parts, _: &AppState) -> Result<Self, Self::Rejection> {
        let Some(mut params) = path_params(parts).await else {
            return Err(AttestrError::INVALID_PROFILE_ID);
        };
        check_version(params.get("version"))?;
        params
            .remove("profileId")
            .map(ProfileId)
            .ok_or(AttestrError::INVALID_PROFILE_ID)
    }
}

// ---------------------------------------------------------------------------------------------
// Handlers.

/// The routes, relative to `/attestr/api/{version}`, with their OpenAPI operations.
pub(crate) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_profile))
        .routes(routes!(get_profile, update_profile))
        .routes(routes!(archive_profile))
}

/// Create a background-check profile
#[utoipa::path(
    post,
    path = "/public/factx/",
    operation_id = "createProfile",
    tag = "Profiles",
    request_body(content = ProfileInput, content_type = "application/json"),
    responses(
        (status = 200, description = "Profile created.", body = ProfileCreated, content_type = "application/json"),
        (status = 400, description = "Bad request (4001).", body = ErrorBody, content_type = "application/json"),
        (status = 401, description = "Invalid client authorization (4016).", body = ErrorBody, content_type = "application/json"),
        (status = 403, description = "Forbidden (never produced by the sandbox).", body = ErrorBody, content_type = "application/json"),
    ),
    security(("basicAuth" = []))
)]
async fn create_profile(
    State(app): State<AppState>,
    _: SupportedVersion,
    JsonBody(body, ..): JsonBody<AttestrShape>,
) -> Result<Json<ProfileCreated>, AttestrError> {
    let input: ProfileInput = parse_body(body)?;
    input.validate()?;
    let created = app
        .write(|state| {
            let now = state.clock.now_millis();
            let id = unused_id(&state.attestr);
            let number = ids::attestr_profile_number();
            let profile = Profile {
                id: id.clone(),
                tag: input.tag,
                number: number.clone(),
                name: input.name,
                email: input.email,
                mobile: input.mobile,
                items: Vec::new(),
                queries: Vec::new(),
                created: now,
                created_by: None,
                created_by_org: SANDBOX_ACCOUNT_ID.to_string(),
                client: SANDBOX_APP_ID.to_string(),
                updated: now,
                updated_by: None,
            };
            state.attestr.profiles.insert(
                id.clone(),
                StoredProfile {
                    profile,
                    archived: false,
                },
            );
            Ok::<_, AttestrError>(ProfileCreated { id, number })
        })
        .await?;
    Ok(Json(created))
}

fn unused_id(state: &AttestrState) -> String {
    loop {
        let id = ids::attestr_profile_id();
        if !state.profiles.contains_key(&id) {
            return id;
        }
    }
}

/// Get a background-check profile
#[utoipa::path(
    get,
    path = "/public/factx/{profileId}",
    operation_id = "getProfile",
    tag = "Profiles",
    params(("profileId" = String, Path, description = "The profile's id (`_id` returned by Create Profile).")),
    responses(
        (status = 200, description = "The profile (an archived profile too, purged).", body = Profile, content_type = "application/json"),
        (status = "4XX", description = "Client error: 400/40018 for an unknown id, 401/4016, 400/40051.", body = ErrorBody, content_type = "application/json"),
    ),
    security(("basicAuth" = []))
)]
async fn get_profile(
    State(app): State<AppState>,
    ProfileId(profile_id): ProfileId,
) -> Result<Json<Profile>, AttestrError> {
    app.read(|state| {
        state
            .attestr
            .profiles
            .get(&profile_id)
            .map(|stored| Json(stored.profile.clone()))
            .ok_or(AttestrError::INVALID_PROFILE_ID)
    })
}

/// Update a profile's basic information
#[utoipa::path(
    put,
    path = "/public/factx/{profileId}",
    operation_id = "updateProfile",
    tag = "Profiles",
    params(("profileId" = String, Path, description = "The profile's id.")),
    request_body(content = ProfileInput, content_type = "application/json"),
    responses(
        (status = 200, description = "Profile updated (no body: the vendor documents none)."),
        (status = 400, description = "4001, 40018, 40038.", body = ErrorBody, content_type = "application/json"),
        (status = 401, description = "Invalid client authorization (4016).", body = ErrorBody, content_type = "application/json"),
        (status = 403, description = "Forbidden (never produced by the sandbox).", body = ErrorBody, content_type = "application/json"),
        (status = 429, description = "Injected faults only (4292).", body = ErrorBody, content_type = "application/json"),
        (status = 500, description = "Injected faults, or the state file could not be written (5001).", body = ErrorBody, content_type = "application/json"),
    ),
    security(("basicAuth" = []))
)]
async fn update_profile(
    State(app): State<AppState>,
    ProfileId(profile_id): ProfileId,
    JsonBody(body, ..): JsonBody<AttestrShape>,
) -> Result<StatusCode, AttestrError> {
    let input: ProfileInput = parse_body(body)?;
    input.validate()?;
    app.write(|state| {
        let now = state.clock.now_millis();
        let stored = open_profile(&mut state.attestr, &profile_id)?;
        // Inferred in the spec: the call replaces the four basic fields.
        let profile = &mut stored.profile;
        profile.tag = input.tag;
        profile.name = input.name;
        profile.email = input.email;
        profile.mobile = input.mobile;
        profile.updated = now;
        Ok::<_, AttestrError>(())
    })
    .await?;
    Ok(StatusCode::OK)
}

/// Archive a profile and purge its data
#[utoipa::path(
    put,
    path = "/public/factx/{profileId}/archive",
    operation_id = "archiveProfile",
    tag = "Profiles",
    params(("profileId" = String, Path, description = "The profile's id.")),
    responses(
        (status = 200, description = "Profile archived (no body: the vendor documents none)."),
        (status = 400, description = "40018, 40038.", body = ErrorBody, content_type = "application/json"),
        (status = 401, description = "Invalid client authorization (4016).", body = ErrorBody, content_type = "application/json"),
        (status = 403, description = "Forbidden (never produced by the sandbox).", body = ErrorBody, content_type = "application/json"),
        (status = 429, description = "Injected faults only (4292).", body = ErrorBody, content_type = "application/json"),
        (status = 500, description = "Injected faults, or the state file could not be written (5001).", body = ErrorBody, content_type = "application/json"),
    ),
    security(("basicAuth" = []))
)]
async fn archive_profile(
    State(app): State<AppState>,
    ProfileId(profile_id): ProfileId,
) -> Result<StatusCode, AttestrError> {
    app.write(|state| {
        let now = state.clock.now_millis();
        let stored = open_profile(&mut state.attestr, &profile_id)?;
        // "removes all verification items associated to a profile along with any media linked
        // to it. This operation is irreversible."
        stored.archived = true;
        stored.profile.items.clear();
        stored.profile.queries.clear();
        stored.profile.updated = now;
        Ok::<_, AttestrError>(())
    })
    .await?;
    Ok(StatusCode::OK)
}

/// A profile that may still change: known (else 40018) and not archived (else 40038).
fn open_profile<'a>(
    state: &'a mut AttestrState,
    profile_id: &str,
) -> Result<&'a mut StoredProfile, AttestrError> {
    let stored = state
        .profiles
        .get_mut(profile_id)
        .ok_or(AttestrError::INVALID_PROFILE_ID)?;
    if stored.archived {
        return Err(AttestrError::ARCHIVED);
    }
    Ok(stored)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn e164_follows_the_spec_pattern() {
        for good in ["+910000000000", "+12", "+123456789012345"] {
            assert!(is_e164(good), "{good}");
        }
        for bad in [
            "910000000000",
            "+0123",
            "+1",
            "+1234567890123456",
            "+12a",
            "+",
            "",
        ] {
            assert!(!is_e164(bad), "{bad}");
        }
    }

    #[test]
    fn generic_problems_keep_their_status_in_the_attestr_shape() {
        let error = AttestrError::from(Problem::UnsupportedMediaType);
        assert_eq!(error.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
        assert_eq!(error.code, 4001);
        let error = AttestrError::from(Problem::ServerError(StatusCode::SERVICE_UNAVAILABLE));
        assert_eq!((error.status.as_u16(), error.code), (503, 5001));
    }
}
