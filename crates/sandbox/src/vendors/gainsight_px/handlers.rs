//! Gainsight PX's operations (`spec/gainsight-px.yaml`), each registered under its operation id. A
//! delete is soft by default: the user is hidden, and a create or update with the same id within
//! 7 days (sandbox clock) revives the record with its history (its `aptrinsicId`, `createDate`,
//! visit counts…). After 7 days, or after `hardDelete=true`, a create makes a new record and an
//! update gets 404.

use std::collections::btree_map::Entry;
use std::collections::{BTreeMap, BTreeSet};

use axum::Json;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::routing::on;
use gainsight_px::types::{
    DeleteUser, ResponseEntity, ResponseEntityStatusCode, User, UserUpdate, UsersPage,
};
use serde_json::{Map, Value};

use super::state::{self, PageRequest, Start, StoredUser};
use super::surface::REVIVAL_WINDOW_SECS;
use crate::context::{AppContext, AppState};
use crate::extract::{JsonBody, PathParams};
use crate::records;
use crate::surface::{Handler, Problem, StoredJson, checked_body, checked_query};
use crate::validate::Component;
use crate::vendor::Vendor;
use crate::{ids, records::merge};

// The spec's operation ids (see `Handler`).
const LIST_USERS: &str = "listUsers";
const CREATE_USER: &str = "createUser";
const GET_USER: &str = "getUser";
const UPDATE_USER: &str = "updateUser";
const UPDATE_USER_BY_BODY: &str = "updateUserByBody";
const DELETE_USER: &str = "deleteUser";
const DELETE_USER_BY_BODY: &str = "deleteUserByBody";

/// The prefix of the sandbox's opaque `scrollId`s.
const SCROLL_PREFIX: &str = "sandbox-scroll-";

/// The handlers by operation id (paths relative to `/gainsight-px`). The spec's literal
/// `/v1/users/delete` and `/v1/users/update` match before `/v1/users/{identifyId}`, so other
/// methods there are 405, as the spec implies (a user named `delete` or `update` is reached
/// through the body variants).
pub(crate) fn handlers() -> Vec<Handler> {
    vec![
        (LIST_USERS, |method| on(method, list_users)),
        (CREATE_USER, |method| on(method, create_user)),
        (GET_USER, |method| on(method, get_user)),
        (UPDATE_USER, |method| on(method, update_user)),
        (UPDATE_USER_BY_BODY, |method| {
            on(method, update_user_by_body)
        }),
        (DELETE_USER, |method| on(method, delete_user)),
        (DELETE_USER_BY_BODY, |method| {
            on(method, delete_user_by_body)
        }),
    ]
}

async fn list_users(
    State(context): State<AppState>,
    RawQuery(raw): RawQuery,
) -> Result<StoredJson<UsersPage>, Problem> {
    let query = checked_query(&context, LIST_USERS, raw.as_deref())?;
    let size = query.get("pageSize").and_then(Value::as_i64).unwrap_or(25);
    let properties: &[String] = user_schema(&context).map_or(&[], Component::properties);
    // One value per field: a filter repeated adds nothing, and two values for one field
    // (compared as SQLite's `lower` does, ASCII only) match no user. So the query gets a
    // condition per `User` property at most, however many filters come (SQLite refuses an
    // expression over 1,000 deep).
    let mut filters: BTreeMap<String, String> = BTreeMap::new();
    let mut contradictory = false;
    let sent = query.get("filter").and_then(Value::as_array);
    for filter in sent.into_iter().flatten().filter_map(Value::as_str) {
        let Some((field, value)) = filter.split_once("==") else {
            continue;
        };
        let value = value.trim();
        match filters.entry(field.trim().to_string()) {
            Entry::Vacant(entry) => {
                entry.insert(value.to_string());
            }
            Entry::Occupied(entry) => contradictory |= !entry.get().eq_ignore_ascii_case(value),
        }
    }
    // A filter on a field `User` does not have matches nothing; a sort on one has no effect.
    let unknown_filter = filters.keys().any(|field| !properties.contains(field));
    // A field sorted again has no effect either (its ties are equal on it): each field once, so
    // that the order has a term per property at most (SQLite takes 2,000).
    let mut sorted = BTreeSet::new();
    let sort: Vec<(String, bool)> = parse_sort(query.get("sort").and_then(Value::as_str))
        .into_iter()
        .filter(|(field, _)| properties.contains(field) && sorted.insert(field.clone()))
        .collect();
    let keyset = sort.is_empty();
    // An unknown scroll id is past every result: an empty page, not an error.
    let start = query
        .get("scrollId")
        .and_then(Value::as_str)
        .map(|scroll_id| parse_scroll(scroll_id, keyset));
    let request = PageRequest {
        filters: filters.into_iter().collect(),
        sort,
        size,
        start: start.clone().flatten(),
    };
    let page = if unknown_filter || contradictory || matches!(start, Some(None)) {
        state::Page::default()
    } else {
        context.store.read(|db| state::page(db, &request))?
    };
    // Always a string: "Do not depend on the scrollId becoming null". Past the end, the same
    // scroll id again (an empty page).
    let next = if keyset {
        let last = page.last_id.or(match &request.start {
            Some(Start::After(last)) => Some(last.clone()),
            _ => None,
        });
        format!("{SCROLL_PREFIX}k{}", hex::encode(last.unwrap_or_default()))
    } else {
        let skipped = match request.start {
            Some(Start::Offset(skipped)) => skipped,
            _ => 0,
        };
        let listed = i64::try_from(page.users.len()).unwrap_or(i64::MAX);
        format!("{SCROLL_PREFIX}o{}", skipped.saturating_add(listed))
    };
    Ok(StoredJson::new(page_json(&page.users, page.total, &next)))
}

/// The JSON of a `UsersPage` around users' stored JSON: the bytes `serde_json` writes for the
/// generated type (fields in its order, an empty list left out), without reading every user back
/// into a `User` first. A unit test checks the equality.
fn page_json(users: &[String], total: i64, scroll_id: &str) -> String {
    let scroll_id = Value::from(scroll_id);
    let users = match users.is_empty() {
        true => String::new(),
        false => format!(",\"users\":[{}]", users.join(",")),
    };
    format!("{{\"scrollId\":{scroll_id},\"totalHits\":{total}{users}}}")
}

/// `sandbox-scroll-k<hex id>` (after that id, default order) or `sandbox-scroll-o<offset>`
/// (a requested order). `None` for anything else: a page past the end.
fn parse_scroll(scroll_id: &str, keyset: bool) -> Option<Start> {
    let rest = scroll_id.strip_prefix(SCROLL_PREFIX)?;
    match (keyset, rest.split_at_checked(1)?) {
        (true, ("k", "")) => Some(Start::After(String::new())),
        (true, ("k", id)) => String::from_utf8(hex::decode(id).ok()?)
            .ok()
            .map(Start::After),
        (false, ("o", offset)) => offset.parse().ok().map(Start::Offset),
        _ => None,
    }
}

/// `+firstName;-createDate` → `[("firstName", ascending), ("createDate", descending)]`.
fn parse_sort(sort: Option<&str>) -> Vec<(String, bool)> {
    sort.unwrap_or_default()
        .split(';')
        .map(str::trim)
        .filter(|key| !key.is_empty())
        .map(|key| match key.strip_prefix('-') {
            Some(field) => (field.to_string(), false),
            None => (key.trim_start_matches('+').to_string(), true),
        })
        .filter(|(field, _)| !field.is_empty())
        .collect()
}

async fn create_user(
    State(context): State<AppState>,
    JsonBody(body): JsonBody,
) -> Result<(StatusCode, Json<ResponseEntity>), Problem> {
    let user: User = checked_body(&context, CREATE_USER, body.clone())?;
    save(&context, user.identify_id, body, true).await?;
    Ok((
        StatusCode::CREATED,
        Json(response_entity(StatusCode::CREATED)),
    ))
}

async fn get_user(
    State(context): State<AppState>,
    path: PathParams,
) -> Result<StoredJson<User>, Problem> {
    let identify_id = path.require("identifyId")?;
    context
        .store
        .read(|db| state::visible_json(db, &identify_id))?
        .map(StoredJson::new)
        .ok_or(Problem::NotFound(identify_id))
}

async fn update_user(
    State(context): State<AppState>,
    path: PathParams,
    JsonBody(body): JsonBody,
) -> Result<StatusCode, Problem> {
    let identify_id = path.require("identifyId")?;
    let _: UserUpdate = checked_body(&context, UPDATE_USER, body.clone())?;
    save(&context, identify_id, body, false).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn update_user_by_body(
    State(context): State<AppState>,
    JsonBody(body): JsonBody,
) -> Result<StatusCode, Problem> {
    let user: User = checked_body(&context, UPDATE_USER_BY_BODY, body.clone())?;
    save(&context, user.identify_id, body, false).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Sets the fields sent on a visible user, or on one soft-deleted within 7 days (reviving it); a
/// create (`create`) makes a new record otherwise. The record's `identifyId` never changes,
/// whatever the body says; a body that does not make a `User` is refused and nothing is stored.
async fn save(
    context: &AppContext,
    identify_id: String,
    body: Value,
    create: bool,
) -> Result<(), Problem> {
    let writable: &[String] = user_schema(context).map_or(&[], Component::writable_properties);
    let cap = context.config.limits.max_records_per_vendor;
    let (now_millis, now_secs) = (context.clock.now_millis(), context.clock.now_secs());
    context
        .write(Vendor::GainsightPx, move |db| {
            let mut user = match state::load(db, &identify_id)? {
                Some(stored) if create && stored.deleted_at.is_none() => {
                    return Ok(Err(Problem::Duplicate(identify_id)));
                }
                Some(stored) if stored.deleted_at.is_none() || is_revivable(&stored, now_secs) => {
                    records::to_object(&stored.user)?
                }
                _ if !create => return Ok(Err(Problem::NotFound(identify_id))),
                None if state::count(db)? >= cap => return Ok(Err(Problem::RecordCap(cap))),
                // Unknown, hard-deleted, or deleted more than 7 days ago: "a totally new
                // record with no event history".
                _ => new_user(now_millis),
            };
            merge(&mut user, &body, |name| {
                writable.iter().any(|field| field == name)
            });
            user.insert("identifyId".into(), Value::from(identify_id.as_str()));
            user.insert("id".into(), Value::from(identify_id));
            user.insert("lastModifiedDate".into(), Value::from(now_millis));
            match serde_json::from_value(Value::Object(user)) {
                Ok(user) => state::save(db, &user, None).map(Ok),
                Err(error) => Ok(Err(Problem::BadRequest(error.to_string()))),
            }
        })
        .await?
}

async fn delete_user(
    State(context): State<AppState>,
    path: PathParams,
    RawQuery(raw): RawQuery,
) -> Result<Json<ResponseEntity>, Problem> {
    let identify_id = path.require("identifyId")?;
    let hard = hard_delete(&context, DELETE_USER, raw.as_deref())?;
    delete(&context, identify_id, hard).await
}

async fn delete_user_by_body(
    State(context): State<AppState>,
    RawQuery(raw): RawQuery,
    JsonBody(body): JsonBody,
) -> Result<Json<ResponseEntity>, Problem> {
    let hard = hard_delete(&context, DELETE_USER_BY_BODY, raw.as_deref())?;
    let request: DeleteUser = checked_body(&context, DELETE_USER_BY_BODY, body)?;
    delete(&context, request.identify_id, hard).await
}

fn hard_delete(context: &AppContext, id: &str, raw: Option<&str>) -> Result<bool, Problem> {
    let query = checked_query(context, id, raw)?;
    Ok(query.get("hardDelete") == Some(&Value::Bool(true)))
}

/// Soft delete (hidden, revivable for 7 days) or hard delete (gone). A user already hidden is
/// not found, so a later `hardDelete=true` cannot cancel a pending revival.
async fn delete(
    context: &AppContext,
    identify_id: String,
    hard: bool,
) -> Result<Json<ResponseEntity>, Problem> {
    let now_secs = context.clock.now_secs();
    context
        .write(Vendor::GainsightPx, move |db| {
            let Some(stored) =
                state::load(db, &identify_id)?.filter(|stored| stored.deleted_at.is_none())
            else {
                return Ok(Err(Problem::NotFound(identify_id)));
            };
            if hard {
                state::remove(db, &identify_id)?;
            } else {
                state::save(db, &stored.user, Some(now_secs))?;
            }
            Ok(Ok(()))
        })
        .await??;
    Ok(Json(response_entity(StatusCode::OK)))
}

fn is_revivable(stored: &StoredUser, now_secs: i64) -> bool {
    stored
        .deleted_at
        .is_some_and(|deleted_at| now_secs.saturating_sub(deleted_at) < REVIVAL_WINDOW_SECS)
}

/// The server's fields of a new record (`save` sets its ids).
fn new_user(now_millis: i64) -> Map<String, Value> {
    Map::from_iter([
        ("aptrinsicId".to_string(), Value::from(ids::uuid_v4())),
        ("numberOfVisits".to_string(), Value::from(0)),
        ("createDate".to_string(), Value::from(now_millis)),
    ])
}

/// The spec's `User` schema, whose property lists are read once with the specs.
fn user_schema(context: &AppContext) -> Option<&'static Component> {
    context.specs.component("gainsight-px", "User")
}

fn response_entity(status: StatusCode) -> ResponseEntity {
    ResponseEntity {
        body: Map::new(),
        status_code: ResponseEntityStatusCode::try_from(status.as_str()).ok(),
        status_code_value: Some(i32::from(status.as_u16())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_spliced_page_is_the_generated_types_serialization() {
        let user = |id: &str| {
            serde_json::to_string(&User {
                identify_id: id.to_string(),
                property_keys: vec!["AP-X-2".to_string()],
                title: Some("t\"q".to_string()),
                ..serde_json::from_value(serde_json::json!({"identifyId": "x", "propertyKeys": []}))
                    .unwrap()
            })
            .unwrap()
        };
        for users in [vec![], vec![user("a"), user("b\\")]] {
            let typed = UsersPage {
                users: users
                    .iter()
                    .map(|text| serde_json::from_str(text).unwrap())
                    .collect(),
                total_hits: Some(7),
                scroll_id: Some("sandbox-scroll-k\"".to_string()),
            };
            assert_eq!(
                page_json(&users, 7, "sandbox-scroll-k\""),
                serde_json::to_string(&typed).unwrap()
            );
        }
    }

    #[test]
    fn sort_keys_parse_like_the_vendor_example() {
        assert_eq!(
            parse_sort(Some("+firstName;-createDate")),
            vec![
                ("firstName".to_string(), true),
                ("createDate".to_string(), false),
            ]
        );
        assert!(parse_sort(Some(";;+;-")).is_empty());
    }

    #[test]
    fn scroll_ids_round_trip_and_garbage_is_past_the_end() {
        let id = "jdoe+test/1#a@example.com";
        let scroll = format!("{SCROLL_PREFIX}k{}", hex::encode(id));
        assert_eq!(
            parse_scroll(&scroll, true),
            Some(Start::After(id.to_string()))
        );
        assert_eq!(
            parse_scroll(&format!("{SCROLL_PREFIX}o40"), false),
            Some(Start::Offset(40))
        );
        assert_eq!(parse_scroll("sandbox-scroll-kzz", true), None);
        assert_eq!(parse_scroll("sandbox-scroll-o40", true), None);
        assert_eq!(parse_scroll("nope", false), None);
    }
}
