//! Gainsight PX users under `/gainsight-px/v1/users` (`spec/gainsight-px.yaml`). A delete is soft by
//! default: the user is hidden, and a create or update with the same id within 7 days (sandbox
//! clock) revives the record with its history (its `aptrinsicId`, `createDate`, visit counts…).
//! After 7 days, or after `hardDelete=true`, a create makes a new record and an update gets 404.

use std::cmp::Ordering;
use std::collections::BTreeMap;

use axum::Json;
use axum::extract::{FromRequestParts, RawQuery, State};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use utoipa::ToSchema;
use utoipa::openapi::schema::{ObjectBuilder, Type};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::app::{AppState, NotPersisted};
use crate::extract::{JsonBody, Query, non_null, parse_body, path_params};
use crate::ids;
use crate::vendor::{GainsightPxShape, Problem};

/// "If a user with the same id is created or updated within the next 7 days, the previously
/// deleted record will be revived": a delete at `t` is revivable while `now - t` is below this.
pub const REVIVAL_WINDOW_SECS: i64 = 7 * 86_400;
const DEFAULT_PAGE_SIZE: i64 = 25;
const MAX_PAGE_SIZE: i64 = 1000;
const SCROLL_PREFIX: &str = "sandbox-scroll-";

// ---------------------------------------------------------------------------------------------
// Wire types (spec/gainsight-px.yaml).

/// A Gainsight PX user. Read-only fields are output only: the sandbox ignores them in requests.
#[derive(Clone, Debug, Default, PartialEq, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct User {
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "non_null"
    )]
    #[schema(nullable = false, read_only)]
    pub(crate) aptrinsic_id: Option<String>,
    /// User id (from identify call); case-sensitive.
    pub(crate) identify_id: String,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "non_null"
    )]
    #[schema(nullable = false)]
    pub(crate) r#type: Option<UserType>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "non_null"
    )]
    #[schema(nullable = false)]
    pub(crate) gender: Option<Gender>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "non_null"
    )]
    #[schema(nullable = false)]
    pub(crate) email: Option<String>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "non_null"
    )]
    #[schema(nullable = false)]
    pub(crate) first_name: Option<String>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "non_null"
    )]
    #[schema(nullable = false)]
    pub(crate) last_name: Option<String>,
    /// Epoch milliseconds.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "non_null"
    )]
    #[schema(nullable = false, read_only)]
    pub(crate) last_seen_date: Option<i64>,
    /// Epoch milliseconds.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "non_null"
    )]
    #[schema(nullable = false)]
    pub(crate) sign_up_date: Option<i64>,
    /// Epoch milliseconds.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "non_null"
    )]
    #[schema(nullable = false)]
    pub(crate) first_visit_date: Option<i64>,
    /// Job title.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "non_null"
    )]
    #[schema(nullable = false)]
    pub(crate) title: Option<String>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "non_null"
    )]
    #[schema(nullable = false)]
    pub(crate) phone: Option<String>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "non_null"
    )]
    #[schema(nullable = false)]
    pub(crate) score: Option<i64>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "non_null"
    )]
    #[schema(nullable = false)]
    pub(crate) role: Option<String>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "non_null"
    )]
    #[schema(nullable = false)]
    pub(crate) subscription_id: Option<String>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "non_null"
    )]
    #[schema(nullable = false)]
    pub(crate) account_id: Option<String>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "non_null"
    )]
    #[schema(nullable = false, read_only)]
    pub(crate) number_of_visits: Option<i32>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "non_null"
    )]
    #[schema(nullable = false)]
    pub(crate) location: Option<Location>,
    /// Aptrinsic Tag Key, at least one is required
    pub(crate) property_keys: Vec<String>,
    /// Epoch milliseconds.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "non_null"
    )]
    #[schema(nullable = false, read_only)]
    pub(crate) create_date: Option<i64>,
    /// Epoch milliseconds.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "non_null"
    )]
    #[schema(nullable = false, read_only)]
    pub(crate) last_modified_date: Option<i64>,
    /// Map of apiName to value.
    #[serde(default)]
    #[schema(additional_properties)]
    pub(crate) custom_attributes: Option<Map<String, Value>>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "non_null"
    )]
    #[schema(nullable = false)]
    pub(crate) global_unsubscribe: Option<bool>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "non_null"
    )]
    #[schema(nullable = false)]
    pub(crate) sfdc_contact_id: Option<String>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "non_null"
    )]
    #[schema(nullable = false)]
    pub(crate) channel_metric_list: Option<Vec<ChannelMetric>>,
    #[serde(default)]
    pub(crate) last_visited_user_agent_data: Option<Vec<UserAgentByProduct>>,
    /// Synonym for identifyId, output only, not filterable
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "non_null"
    )]
    #[schema(nullable = false, read_only)]
    pub(crate) id: Option<String>,
    /// Location inferred from the IP address of the last session (output only).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "non_null"
    )]
    #[schema(schema_with = read_only_location)]
    pub(crate) last_inferred_location: Option<Location>,
    /// Present for workspace-enabled subscriptions only.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "non_null"
    )]
    #[schema(nullable = false, read_only)]
    pub(crate) global_id: Option<String>,
}

/// `allOf: [Location]` with `readOnly`, as in the spec: a bare `$ref` cannot carry `readOnly`,
/// and utoipa has no attribute for this.
fn read_only_location() -> utoipa::openapi::schema::Schema {
    let mut schema = utoipa::openapi::schema::AllOfBuilder::new()
        .item(utoipa::openapi::Ref::from_schema_name("Location"))
        .description(Some(
            "Location inferred from the IP address of the last session (output only).",
        ))
        .build();
    schema
        .extensions
        .get_or_insert_with(Default::default)
        .insert("readOnly".to_string(), Value::Bool(true));
    utoipa::openapi::schema::Schema::AllOf(schema)
}

/// `array` of `User` with `readOnly`, as in the spec (utoipa's array schemas have no `readOnly`).
fn read_only_users() -> utoipa::openapi::schema::Schema {
    let mut schema = utoipa::openapi::schema::ArrayBuilder::new()
        .items(utoipa::openapi::Ref::from_schema_name("User"))
        .build();
    schema
        .extensions
        .get_or_insert_with(Default::default)
        .insert("readOnly".to_string(), Value::Bool(true));
    utoipa::openapi::schema::Schema::Array(schema)
}

/// The fields a request may set: every `User` property that is not read-only. (A test checks this
/// list against the generated schema.)
pub(crate) const WRITABLE_USER_FIELDS: [&str; 21] = [
    "identifyId",
    "type",
    "gender",
    "email",
    "firstName",
    "lastName",
    "signUpDate",
    "firstVisitDate",
    "title",
    "phone",
    "score",
    "role",
    "subscriptionId",
    "accountId",
    "location",
    "propertyKeys",
    "customAttributes",
    "globalUnsubscribe",
    "sfdcContactId",
    "channelMetricList",
    "lastVisitedUserAgentData",
];

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub(crate) enum UserType {
    Lead,
    User,
    Visitor,
    #[serde(rename = "EMPTY_USER_TYPE")]
    Empty,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub(crate) enum Gender {
    Male,
    Female,
    Other,
    #[serde(rename = "EMPTY_GENDER")]
    Empty,
}

/// A user's location.
#[derive(Clone, Debug, Default, PartialEq, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Location {
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "non_null"
    )]
    #[schema(nullable = false)]
    pub(crate) country_name: Option<String>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "non_null"
    )]
    #[schema(nullable = false)]
    pub(crate) country_code: Option<String>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "non_null"
    )]
    #[schema(nullable = false)]
    pub(crate) state_name: Option<String>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "non_null"
    )]
    #[schema(nullable = false)]
    pub(crate) state_code: Option<String>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "non_null"
    )]
    #[schema(nullable = false)]
    pub(crate) city: Option<String>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "non_null"
    )]
    #[schema(nullable = false)]
    pub(crate) street: Option<String>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "non_null"
    )]
    #[schema(nullable = false)]
    pub(crate) postal_code: Option<String>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "non_null"
    )]
    #[schema(nullable = false)]
    pub(crate) continent: Option<String>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "non_null"
    )]
    #[schema(nullable = false)]
    pub(crate) region_name: Option<String>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "non_null"
    )]
    #[schema(nullable = false)]
    pub(crate) time_zone: Option<String>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "non_null"
    )]
    #[schema(nullable = false)]
    pub(crate) coordinates: Option<Coordinates>,
}

/// Geographic coordinates.
#[derive(Clone, Debug, Default, PartialEq, Deserialize, Serialize, ToSchema)]
pub(crate) struct Coordinates {
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "non_null"
    )]
    #[schema(nullable = false)]
    pub(crate) latitude: Option<f64>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "non_null"
    )]
    #[schema(nullable = false)]
    pub(crate) longitude: Option<f64>,
}

/// Per-channel activity of a user.
#[derive(Clone, Debug, Default, PartialEq, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ChannelMetric {
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "non_null"
    )]
    #[schema(nullable = false)]
    pub(crate) group_id: Option<String>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "non_null"
    )]
    #[schema(nullable = false)]
    pub(crate) channel: Option<i64>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "non_null"
    )]
    #[schema(nullable = false)]
    pub(crate) environment: Option<i32>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "non_null"
    )]
    #[schema(nullable = false)]
    pub(crate) first_seen_date: Option<i64>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "non_null"
    )]
    #[schema(nullable = false)]
    pub(crate) last_seen_date: Option<i64>,
}

/// The user agent last seen for one product (tag key).
#[derive(Clone, Debug, Default, PartialEq, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct UserAgentByProduct {
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "non_null"
    )]
    #[schema(nullable = false)]
    pub(crate) property_key: Option<String>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "non_null"
    )]
    #[schema(nullable = false)]
    pub(crate) user_agent: Option<UserAgent>,
}

/// A parsed user agent.
#[derive(Clone, Debug, Default, PartialEq, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct UserAgent {
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "non_null"
    )]
    #[schema(nullable = false)]
    pub(crate) raw_user_agent: Option<String>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "non_null"
    )]
    #[schema(nullable = false)]
    pub(crate) device: Option<String>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "non_null"
    )]
    #[schema(nullable = false)]
    pub(crate) platform_type: Option<String>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "non_null"
    )]
    #[schema(nullable = false)]
    pub(crate) platform_version: Option<String>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "non_null"
    )]
    #[schema(nullable = false)]
    pub(crate) browser_type: Option<String>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "non_null"
    )]
    #[schema(nullable = false)]
    pub(crate) browser_version: Option<String>,
}

/// One page of users.
#[derive(Clone, Debug, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct UsersPage {
    #[schema(schema_with = read_only_users, required = false)]
    pub(crate) users: Vec<User>,
    #[schema(read_only, required = false)]
    pub(crate) total_hits: i64,
    /// Pass to the next `listUsers` call to get the next page.
    #[schema(read_only)]
    pub(crate) scroll_id: Option<String>,
}

/// The user to delete, for ids unsafe in a path.
#[derive(Clone, Debug, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct DeleteUser {
    /// User id (from identify call); case-sensitive.
    pub(crate) identify_id: String,
}

/// The body the vendor declares for some success responses (Spring's `ResponseEntity`).
#[derive(Clone, Debug, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ResponseEntity {
    #[schema(value_type = Object, required = false)]
    pub(crate) body: Map<String, Value>,
    #[schema(schema_with = status_code_names, required = false)]
    pub(crate) status_code: String,
    #[schema(required = false)]
    pub(crate) status_code_value: i32,
}

impl ResponseEntity {
    fn for_status(status: StatusCode) -> Self {
        Self {
            body: Map::new(),
            status_code: status.as_str().to_string(),
            status_code_value: i32::from(status.as_u16()),
        }
    }
}

/// The `statusCode` values the vendor lists (HTTP statuses as strings).
const STATUS_CODES: [&str; 64] = [
    "100", "101", "102", "103", "200", "201", "202", "203", "204", "205", "206", "207", "208",
    "226", "300", "301", "302", "303", "304", "305", "307", "308", "400", "401", "402", "403",
    "404", "405", "406", "407", "408", "409", "410", "411", "412", "413", "414", "415", "416",
    "417", "418", "419", "420", "421", "422", "423", "424", "426", "428", "429", "431", "451",
    "500", "501", "502", "503", "504", "505", "506", "507", "508", "509", "510", "511",
];

fn status_code_names() -> utoipa::openapi::Object {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .enum_values(Some(STATUS_CODES))
        .build()
}

/// The error body third-party code observed on a 404; the sandbox uses it for every error.
#[derive(Clone, Debug, Deserialize, Serialize, ToSchema)]
pub(crate) struct ExternalApiError {
    #[schema(required = false)]
    pub(crate) externalapierror: ApiError,
}

/// The error detail inside `ExternalApiError`.
#[derive(Clone, Debug, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ApiError {
    /// HTTP status name, e.g. `NOT_FOUND`.
    #[schema(required = false)]
    pub(crate) status: String,
    #[schema(required = false)]
    pub(crate) message: String,
    pub(crate) debug_message: Option<String>,
    pub(crate) sub_errors: Option<Vec<Value>>,
}

// ---------------------------------------------------------------------------------------------
// Errors.

/// A Gainsight PX error: HTTP status, message and an optional debug message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct PxError {
    status: StatusCode,
    message: String,
    debug_message: Option<String>,
}

impl PxError {
    pub(crate) fn user_not_found() -> Self {
        Self {
            status: StatusCode::NOT_FOUND,
            message: "User not found".to_string(),
            debug_message: None,
        }
    }

    fn duplicate(identify_id: &str) -> Self {
        Self {
            status: StatusCode::BAD_REQUEST,
            message: "Bad request, possible duplicate".to_string(),
            debug_message: Some(format!("A user with identifyId {identify_id:?} exists")),
        }
    }
}

impl From<Problem> for PxError {
    fn from(problem: Problem) -> Self {
        let status = problem.status();
        let (message, debug_message) = match problem {
            Problem::BadRequest(detail) => ("Bad request".to_string(), Some(detail)),
            Problem::Unauthorized(_) => ("Unauthorized or bad API Key".to_string(), None),
            Problem::TooManyRequests => ("Rate limit exceeded".to_string(), None),
            other => (other.detail(), None),
        };
        Self {
            status,
            message,
            debug_message,
        }
    }
}

impl From<NotPersisted> for PxError {
    fn from(NotPersisted(reason): NotPersisted) -> Self {
        Self {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            message: "Internal server error".to_string(),
            debug_message: Some(reason),
        }
    }
}

impl IntoResponse for PxError {
    fn into_response(self) -> Response {
        let body = ExternalApiError {
            externalapierror: ApiError {
                status: spring_status_name(self.status),
                message: self.message,
                debug_message: self.debug_message,
                sub_errors: None,
            },
        };
        (self.status, Json(body)).into_response()
    }
}

/// The name Spring's `HttpStatus` enum gives a status (`NOT_FOUND`), as in the observed body.
fn spring_status_name(status: StatusCode) -> String {
    match status {
        StatusCode::PAYLOAD_TOO_LARGE => "PAYLOAD_TOO_LARGE".to_string(),
        StatusCode::TOO_MANY_REQUESTS => "TOO_MANY_REQUESTS".to_string(),
        other => other
            .canonical_reason()
            .unwrap_or("UNKNOWN")
            .to_ascii_uppercase()
            .replace([' ', '-'], "_"),
    }
}

pub(crate) fn problem_response(problem: Problem) -> Response {
    PxError::from(problem).into_response()
}

// ---------------------------------------------------------------------------------------------
// State.

/// Every user record by `identifyId` (case-sensitive), soft-deleted ones included.
#[derive(Clone, Debug, Default, PartialEq, Deserialize, Serialize)]
pub(crate) struct PxState {
    pub(crate) users: BTreeMap<String, StoredUser>,
}

/// A user record, and when it was soft-deleted (sandbox clock, Unix seconds).
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
pub(crate) struct StoredUser {
    pub(crate) user: User,
    #[serde(default)]
    pub(crate) deleted_at: Option<i64>,
}

impl StoredUser {
    fn is_visible(&self) -> bool {
        self.deleted_at.is_none()
    }

    fn is_revivable_at(&self, now_secs: i64) -> bool {
        self.deleted_at
            .is_some_and(|deleted_at| now_secs.saturating_sub(deleted_at) < REVIVAL_WINDOW_SECS)
    }
}

impl PxState {
    /// Adds `--seed` users (visible, with server fields filled in where missing).
    pub(crate) fn add_users(&mut self, users: Vec<User>, now_millis: i64) -> Result<(), String> {
        for mut user in users {
            if user.identify_id.is_empty() {
                return Err("a Gainsight PX user has an empty identifyId".to_string());
            }
            user.id = Some(user.identify_id.clone());
            user.aptrinsic_id.get_or_insert_with(ids::uuid_v4);
            user.create_date.get_or_insert(now_millis);
            user.last_modified_date.get_or_insert(now_millis);
            user.number_of_visits.get_or_insert(0);
            self.users.insert(
                user.identify_id.clone(),
                StoredUser {
                    user,
                    deleted_at: None,
                },
            );
        }
        Ok(())
    }
}

/// A new record: the server's fields, then the request's writable fields.
fn new_user(
    identify_id: &str,
    fields: &Map<String, Value>,
    now_millis: i64,
) -> Result<User, PxError> {
    let mut user = User {
        aptrinsic_id: Some(ids::uuid_v4()),
        identify_id: identify_id.to_string(),
        id: Some(identify_id.to_string()),
        number_of_visits: Some(0),
        create_date: Some(now_millis),
        ..User::default()
    };
    apply_fields(&mut user, fields, now_millis)?;
    Ok(user)
}

/// Sets the given writable fields (the others keep their values: the vendor leaves it unknown
/// whether an update clears fields it does not send, and the sandbox keeps them).
fn apply_fields(
    user: &mut User,
    fields: &Map<String, Value>,
    now_millis: i64,
) -> Result<(), PxError> {
    let identify_id = user.identify_id.clone();
    let mut merged = serde_json::to_value(&*user).map_err(internal)?;
    if let Value::Object(object) = &mut merged {
        for (name, value) in fields {
            object.insert(name.clone(), value.clone());
        }
    }
    let mut updated: User = serde_json::from_value(merged)
        .map_err(|error| PxError::from(Problem::BadRequest(error.to_string())))?;
    // The record's id never changes, whatever the body says.
    updated.identify_id.clone_from(&identify_id);
    updated.id = Some(identify_id);
    updated.last_modified_date = Some(now_millis);
    *user = updated;
    Ok(())
}

fn internal(error: serde_json::Error) -> PxError {
    PxError::from(Problem::ServerError(StatusCode::INTERNAL_SERVER_ERROR))
        .with_debug(error.to_string())
}

impl PxError {
    fn with_debug(mut self, debug_message: String) -> Self {
        self.debug_message = Some(debug_message);
        self
    }
}

/// Checks a request body against the `User` schema and keeps only its writable fields.
fn writable_fields(body: Value) -> Result<(User, Map<String, Value>), PxError> {
    let user: User = parse_body(body.clone())?;
    let Value::Object(mut object) = body else {
        return Err(
            Problem::BadRequest("The request body must be a JSON object".to_string()).into(),
        );
    };
    object.retain(|name, _| WRITABLE_USER_FIELDS.contains(&name.as_str()));
    Ok((user, object))
}

// ---------------------------------------------------------------------------------------------
// Extractors.

/// The `{identifyId}` segment, percent-decoded and case-sensitive. One that does not decode to
/// text names no user: 404.
pub(crate) struct IdentifyId(String);

impl FromRequestParts<AppState> for IdentifyId {
    type Rejection = PxError;

    async fn from_request_parts(parts: &mut Parts, _: &AppState) -> Result<Self, Self::Rejection> {
        path_params(parts)
            .await
            .and_then(|mut params| params.remove("identifyId"))
            .map(IdentifyId)
            .ok_or_else(PxError::user_not_found)
    }
}

// ---------------------------------------------------------------------------------------------
// Handlers.

/// The routes, relative to `/gainsight-px`.
pub(crate) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_users, create_user))
        .routes(routes!(get_user, update_user, delete_user))
        // OpenAPI matches the literal `/v1/users/delete` before `/v1/users/{identifyId}`, so a
        // GET or PUT there is a 405, as the spec implies (a user named "delete" can be read and
        // updated only by the vendor's body variants, which the spec does not describe).
        .routes(routes!(delete_user_by_body))
}

/// List users
#[utoipa::path(
    get,
    path = "/v1/users",
    operation_id = "listUsers",
    tag = "Users",
    params(
        ("filter" = Option<Vec<String>>, Query, nullable = false, style = Form, explode, description = "Filters; the sandbox understands `field==value` (case-insensitive) and ignores other forms."),
        ("pageSize" = Option<i32>, Query, nullable = false, minimum = 1, maximum = 1000, description = "Number of users per page (default 25, at most 1000)."),
        ("scrollId" = Option<String>, Query, nullable = false, description = "The `scrollId` returned by the previous page."),
        ("sort" = Option<String>, Query, nullable = false, description = "Fields prefixed with `+` or `-`, separated by `;`."),
    ),
    responses(
        (status = 200, description = "A page of users.", body = UsersPage, content_type = "application/json"),
        (status = 400, description = "Bad request.", body = ExternalApiError, content_type = "application/json"),
        (status = 401, description = "Unauthorized.", body = ExternalApiError, content_type = "application/json"),
        (status = 429, description = "Rate limit exceeded.", body = ExternalApiError, content_type = "application/json"),
    ),
    security(("apiKeyAuth" = []))
)]
async fn list_users(
    State(app): State<AppState>,
    RawQuery(raw): RawQuery,
) -> Result<Json<UsersPage>, PxError> {
    let query = Query::parse(raw.as_deref());
    let page_size = query.integer("pageSize")?.unwrap_or(DEFAULT_PAGE_SIZE);
    if !(1..=MAX_PAGE_SIZE).contains(&page_size) {
        return Err(Problem::BadRequest(format!(
            "pageSize must be between 1 and {MAX_PAGE_SIZE}, not {page_size}"
        ))
        .into());
    }
    let page_size = usize::try_from(page_size).unwrap_or(1);
    // An unknown scroll id is past every result: an empty page, not an error.
    let offset = match query.single("scrollId")? {
        None => 0,
        Some(scroll_id) => scroll_id
            .strip_prefix(SCROLL_PREFIX)
            .and_then(|offset| offset.parse::<usize>().ok())
            .unwrap_or(usize::MAX),
    };
    let sort = parse_sort(query.single("sort")?.unwrap_or_default());
    let filters = parse_filters(&query.all("filter"));
    let (users, total_hits) = app.read(|state| {
        let mut matching: Vec<(Value, &User)> = state
            .gainsight_px
            .users
            .values()
            .filter(|stored| stored.is_visible())
            .map(|stored| {
                (
                    serde_json::to_value(&stored.user).unwrap_or(Value::Null),
                    &stored.user,
                )
            })
            .filter(|(value, _)| filters.iter().all(|filter| filter.matches(value)))
            .collect();
        matching.sort_by(|(left, _), (right, _)| compare_by(&sort, left, right));
        let total = matching.len();
        let page: Vec<User> = matching
            .into_iter()
            .skip(offset)
            .take(page_size)
            .map(|(_, user)| user.clone())
            .collect();
        (page, total)
    });
    let next_offset = offset.saturating_add(users.len());
    Ok(Json(UsersPage {
        users,
        total_hits: i64::try_from(total_hits).unwrap_or(i64::MAX),
        // Always a string: "Do not depend on the scrollId becoming null".
        scroll_id: Some(format!("{SCROLL_PREFIX}{next_offset}")),
    }))
}

/// One `field==value` filter (case-insensitive, as the vendor says filters are).
struct Filter {
    field: String,
    value: String,
}

impl Filter {
    fn matches(&self, user: &Value) -> bool {
        match user.get(&self.field) {
            Some(Value::String(text)) => text.eq_ignore_ascii_case(&self.value),
            Some(Value::Null) | None => false,
            Some(other) => other.to_string().eq_ignore_ascii_case(&self.value),
        }
    }
}

fn parse_filters(filters: &[&str]) -> Vec<Filter> {
    filters
        .iter()
        .filter_map(|filter| filter.split_once("=="))
        .map(|(field, value)| Filter {
            field: field.trim().to_string(),
            value: value.trim().to_string(),
        })
        .collect()
}

/// `+firstName;-createDate` → `[("firstName", ascending), ("createDate", descending)]`, then
/// `identifyId` so that pages are stable.
fn parse_sort(sort: &str) -> Vec<(String, bool)> {
    let mut keys: Vec<(String, bool)> = sort
        .split(';')
        .map(str::trim)
        .filter(|key| !key.is_empty())
        .map(|key| match key.strip_prefix('-') {
            Some(field) => (field.to_string(), false),
            None => (key.trim_start_matches('+').to_string(), true),
        })
        .filter(|(field, _)| !field.is_empty())
        .collect();
    keys.push(("identifyId".to_string(), true));
    keys
}

fn compare_by(keys: &[(String, bool)], left: &Value, right: &Value) -> Ordering {
    for (field, ascending) in keys {
        let ordering = compare_json(left.get(field), right.get(field));
        let ordering = if *ascending {
            ordering
        } else {
            ordering.reverse()
        };
        if ordering != Ordering::Equal {
            return ordering;
        }
    }
    Ordering::Equal
}

/// Missing and null first, then booleans, numbers, strings (case-insensitive), then the rest.
fn compare_json(left: Option<&Value>, right: Option<&Value>) -> Ordering {
    fn rank(value: Option<&Value>) -> u8 {
        match value {
            None | Some(Value::Null) => 0,
            Some(Value::Bool(_)) => 1,
            Some(Value::Number(_)) => 2,
            Some(Value::String(_)) => 3,
            Some(_) => 4,
        }
    }
    match (left, right) {
        (Some(Value::Bool(a)), Some(Value::Bool(b))) => a.cmp(b),
        (Some(Value::Number(a)), Some(Value::Number(b))) => a
            .as_f64()
            .partial_cmp(&b.as_f64())
            .unwrap_or(Ordering::Equal),
        (Some(Value::String(a)), Some(Value::String(b))) => a
            .to_lowercase()
            .cmp(&b.to_lowercase())
            .then_with(|| a.cmp(b)),
        _ => rank(left).cmp(&rank(right)),
    }
}

/// Create a user
#[utoipa::path(
    post,
    path = "/v1/users",
    operation_id = "createUser",
    tag = "Users",
    request_body(content = User, content_type = "application/json"),
    responses(
        (status = 201, description = "Created User (a revived one too).", body = ResponseEntity, content_type = "*/*"),
        (status = 400, description = "Bad request, possible duplicate.", body = ExternalApiError, content_type = "application/json"),
        (status = 401, description = "Unauthorized.", body = ExternalApiError, content_type = "application/json"),
        (status = 429, description = "Rate limit exceeded.", body = ExternalApiError, content_type = "application/json"),
    ),
    security(("apiKeyAuth" = []))
)]
async fn create_user(
    State(app): State<AppState>,
    JsonBody(body, ..): JsonBody<GainsightPxShape>,
) -> Result<(StatusCode, Json<ResponseEntity>), PxError> {
    let (input, fields) = writable_fields(body)?;
    let identify_id = input.identify_id;
    app.write(|state| {
        let now_millis = state.clock.now_millis();
        let now_secs = state.clock.now_secs();
        match state.gainsight_px.users.get_mut(&identify_id) {
            Some(stored) if stored.is_visible() => Err(PxError::duplicate(&identify_id)),
            Some(stored) if stored.is_revivable_at(now_secs) => {
                apply_fields(&mut stored.user, &fields, now_millis)?;
                stored.deleted_at = None;
                Ok(())
            }
            // Unknown, hard-deleted, or deleted more than 7 days ago: "a totally new record
            // with no event history".
            _ => {
                let user = new_user(&identify_id, &fields, now_millis)?;
                state.gainsight_px.users.insert(
                    identify_id.clone(),
                    StoredUser {
                        user,
                        deleted_at: None,
                    },
                );
                Ok(())
            }
        }
    })
    .await?;
    Ok((
        StatusCode::CREATED,
        Json(ResponseEntity::for_status(StatusCode::CREATED)),
    ))
}

/// Get a user by id
#[utoipa::path(
    get,
    path = "/v1/users/{identifyId}",
    operation_id = "getUser",
    tag = "Users",
    params(("identifyId" = String, Path, description = "User id (from identify call); case-sensitive.")),
    responses(
        (status = 200, description = "The user.", body = User, content_type = "application/json"),
        (status = 400, description = "Bad request.", body = ExternalApiError, content_type = "application/json"),
        (status = 401, description = "Unauthorized.", body = ExternalApiError, content_type = "application/json"),
        (status = 404, description = "User not found (also a soft-deleted one).", body = ExternalApiError, content_type = "application/json"),
        (status = 429, description = "Rate limit exceeded.", body = ExternalApiError, content_type = "application/json"),
    ),
    security(("apiKeyAuth" = []))
)]
async fn get_user(
    State(app): State<AppState>,
    IdentifyId(identify_id): IdentifyId,
) -> Result<Json<User>, PxError> {
    find_user(&app, &identify_id)
}

fn find_user(app: &AppState, identify_id: &str) -> Result<Json<User>, PxError> {
    app.read(|state| {
        state
            .gainsight_px
            .users
            .get(identify_id)
            .filter(|stored| stored.is_visible())
            .map(|stored| Json(stored.user.clone()))
            .ok_or_else(PxError::user_not_found)
    })
}

/// Update a user
#[utoipa::path(
    put,
    path = "/v1/users/{identifyId}",
    operation_id = "updateUser",
    tag = "Users",
    params(("identifyId" = String, Path, description = "User id (from identify call); case-sensitive.")),
    request_body(content = User, content_type = "application/json"),
    responses(
        (status = 204, description = "Updated (no body on the wire).", body = ResponseEntity, content_type = "*/*"),
        (status = 401, description = "Unauthorized.", body = ExternalApiError, content_type = "application/json"),
        (status = 404, description = "User not found.", body = ExternalApiError, content_type = "application/json"),
        (status = 429, description = "Rate limit exceeded.", body = ExternalApiError, content_type = "application/json"),
    ),
    security(("apiKeyAuth" = []))
)]
async fn update_user(
    State(app): State<AppState>,
    IdentifyId(identify_id): IdentifyId,
    JsonBody(body, ..): JsonBody<GainsightPxShape>,
) -> Result<StatusCode, PxError> {
    update(&app, identify_id, body).await
}

async fn update(app: &AppState, identify_id: String, body: Value) -> Result<StatusCode, PxError> {
    let (_, fields) = writable_fields(body)?;
    app.write(|state| {
        let now_millis = state.clock.now_millis();
        let now_secs = state.clock.now_secs();
        let stored = state
            .gainsight_px
            .users
            .get_mut(&identify_id)
            .filter(|stored| stored.is_visible() || stored.is_revivable_at(now_secs))
            .ok_or_else(PxError::user_not_found)?;
        apply_fields(&mut stored.user, &fields, now_millis)?;
        stored.deleted_at = None;
        Ok::<_, PxError>(())
    })
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Delete a user
#[utoipa::path(
    delete,
    path = "/v1/users/{identifyId}",
    operation_id = "deleteUser",
    tag = "Users",
    params(
        ("identifyId" = String, Path, description = "User id (from identify call); case-sensitive."),
        ("hardDelete" = Option<bool>, Query, nullable = false, description = "Hard delete, do not revive if created/updated again in 7 day window"),
    ),
    responses(
        (status = 200, description = "Deleted: the sandbox always answers 200 with this body.", body = ResponseEntity, content_type = "*/*"),
        (status = 204, description = "No Content (documented; never sent by the sandbox).", body = ResponseEntity, content_type = "*/*"),
        (status = 401, description = "Unauthorized or bad API Key.", body = ExternalApiError, content_type = "application/json"),
        (status = 404, description = "User not found.", body = ExternalApiError, content_type = "application/json"),
        (status = 429, description = "Rate limit exceeded.", body = ExternalApiError, content_type = "application/json"),
    ),
    security(("apiKeyAuth" = []))
)]
async fn delete_user(
    State(app): State<AppState>,
    IdentifyId(identify_id): IdentifyId,
    RawQuery(raw): RawQuery,
) -> Result<Json<ResponseEntity>, PxError> {
    let hard = Query::parse(raw.as_deref())
        .boolean("hardDelete")?
        .unwrap_or(false);
    delete(&app, identify_id, hard).await
}

/// Delete a user (id in the request body)
#[utoipa::path(
    delete,
    path = "/v1/users/delete",
    operation_id = "deleteUserByBody",
    tag = "Users",
    params(
        ("hardDelete" = Option<bool>, Query, nullable = false, description = "Hard delete, do not revive if created/updated again in 7 day window"),
    ),
    request_body(content = DeleteUser, content_type = "application/json"),
    responses(
        (status = 200, description = "Deleted: the sandbox always answers 200 with this body.", body = ResponseEntity, content_type = "*/*"),
        (status = 204, description = "No Content (documented; never sent by the sandbox).", body = ResponseEntity, content_type = "*/*"),
        (status = 401, description = "Unauthorized or bad API Key.", body = ExternalApiError, content_type = "application/json"),
        (status = 404, description = "User not found.", body = ExternalApiError, content_type = "application/json"),
        (status = 429, description = "Rate limit exceeded.", body = ExternalApiError, content_type = "application/json"),
    ),
    security(("apiKeyAuth" = []))
)]
async fn delete_user_by_body(
    State(app): State<AppState>,
    RawQuery(raw): RawQuery,
    JsonBody(body, ..): JsonBody<GainsightPxShape>,
) -> Result<Json<ResponseEntity>, PxError> {
    let hard = Query::parse(raw.as_deref())
        .boolean("hardDelete")?
        .unwrap_or(false);
    let request: DeleteUser = parse_body(body)?;
    delete(&app, request.identify_id, hard).await
}

/// Soft delete (hidden, revivable for 7 days) or hard delete (gone). A user already hidden is
/// not found, so a later `hardDelete=true` cannot cancel a pending revival.
async fn delete(
    app: &AppState,
    identify_id: String,
    hard: bool,
) -> Result<Json<ResponseEntity>, PxError> {
    app.write(|state| {
        let now_secs = state.clock.now_secs();
        let users = &mut state.gainsight_px.users;
        if !users.get(&identify_id).is_some_and(StoredUser::is_visible) {
            return Err(PxError::user_not_found());
        }
        if hard {
            users.remove(&identify_id);
        } else if let Some(stored) = users.get_mut(&identify_id) {
            stored.deleted_at = Some(now_secs);
        }
        Ok(())
    })
    .await?;
    Ok(Json(ResponseEntity::for_status(StatusCode::OK)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_names_are_springs() {
        assert_eq!(spring_status_name(StatusCode::NOT_FOUND), "NOT_FOUND");
        assert_eq!(
            spring_status_name(StatusCode::TOO_MANY_REQUESTS),
            "TOO_MANY_REQUESTS"
        );
        assert_eq!(
            spring_status_name(StatusCode::UNSUPPORTED_MEDIA_TYPE),
            "UNSUPPORTED_MEDIA_TYPE"
        );
        assert_eq!(
            spring_status_name(StatusCode::INTERNAL_SERVER_ERROR),
            "INTERNAL_SERVER_ERROR"
        );
    }

    #[test]
    fn sort_keys_parse_like_the_vendor_example() {
        assert_eq!(
            parse_sort("+firstName;-createDate"),
            vec![
                ("firstName".to_string(), true),
                ("createDate".to_string(), false),
                ("identifyId".to_string(), true),
            ]
        );
        assert_eq!(parse_sort(";;+;-"), vec![("identifyId".to_string(), true)]);
    }

    #[test]
    fn revival_window_is_seven_days_after_the_delete() {
        let stored = StoredUser {
            user: User::default(),
            deleted_at: Some(1_000),
        };
        assert!(stored.is_revivable_at(1_000 + REVIVAL_WINDOW_SECS - 1));
        assert!(!stored.is_revivable_at(1_000 + REVIVAL_WINDOW_SECS));
    }

    #[test]
    fn the_writable_fields_are_the_schemas_non_read_only_properties() {
        let document =
            serde_json::to_value(crate::openapi::document(crate::openapi::Api::GainsightPx))
                .unwrap();
        let properties = document["components"]["schemas"]["User"]["properties"]
            .as_object()
            .unwrap();
        let mut writable: Vec<&str> = properties
            .iter()
            .filter(|(_, schema)| schema["readOnly"] != Value::Bool(true))
            .map(|(name, _)| name.as_str())
            .collect();
        writable.sort_unstable();
        let mut listed = WRITABLE_USER_FIELDS.to_vec();
        listed.sort_unstable();
        assert_eq!(writable, listed);
    }

    #[test]
    fn read_only_fields_in_a_request_are_dropped() {
        let body = serde_json::json!({
            "identifyId": "u1", "propertyKeys": ["AP-X-2"], "aptrinsicId": "forged",
            "createDate": 5, "unknownField": 1
        });
        let (_, fields) = writable_fields(body).unwrap();
        let names: Vec<&str> = fields.keys().map(String::as_str).collect();
        assert_eq!(names, ["identifyId", "propertyKeys"]);
    }
}
