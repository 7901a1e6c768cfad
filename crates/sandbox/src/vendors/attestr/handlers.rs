//! Attestr's operations (`spec/attestr.yaml`), each registered under its operation id. Archive is
//! irreversible and purges the profile's verification items and follow-up queries; a later update
//! or archive gets 400/40038.

use attestr::types::{Profile, ProfileCreated, ProfileInput};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::on;

use super::state::{self, StoredProfile};
use super::surface::{SUPPORTED_VERSION, fill_server_fields};
use crate::context::AppState;
use crate::extract::{JsonBody, PathParams};
use crate::ids;
use crate::surface::{Handler, Problem, StoredJson, checked_body};
use crate::vendor::Vendor;

// The spec's operation ids (see `Handler`).
const CREATE_PROFILE: &str = "createProfile";
const GET_PROFILE: &str = "getProfile";
const UPDATE_PROFILE: &str = "updateProfile";
const ARCHIVE_PROFILE: &str = "archiveProfile";

/// The handlers by operation id (paths relative to `/attestr/api/{version}`).
pub(crate) fn handlers() -> Vec<Handler> {
    vec![
        (CREATE_PROFILE, |method| on(method, create_profile)),
        (GET_PROFILE, |method| on(method, get_profile)),
        (UPDATE_PROFILE, |method| on(method, update_profile)),
        (ARCHIVE_PROFILE, |method| on(method, archive_profile)),
    ]
}

/// The `{version}` segment of the prefix must be `v1` (else 400/40051), and the `{profileId}`
/// segment, when the route has one, must decode (else 400/40018).
fn profile_id(path: &PathParams) -> Result<String, Problem> {
    check_version(path)?;
    path.require("profileId")
}

fn check_version(path: &PathParams) -> Result<(), Problem> {
    match path.get("version") {
        Some(SUPPORTED_VERSION) => Ok(()),
        _ => Err(Problem::UnsupportedVersion),
    }
}

async fn create_profile(
    State(context): State<AppState>,
    path: PathParams,
    JsonBody(body): JsonBody,
) -> Result<Json<ProfileCreated>, Problem> {
    check_version(&path)?;
    let input: ProfileInput = checked_body(&context, CREATE_PROFILE, body)?;
    let now = context.clock.now_millis();
    let cap = context.config.limits.max_records_per_vendor;
    let created = context
        .write(Vendor::Attestr, move |db| {
            if state::count(db)? >= cap {
                return Ok(Err(Problem::RecordCap(cap)));
            }
            let mut profile = Profile {
                tag: Some(input.tag),
                name: Some(input.name),
                email: input.email,
                mobile: input.mobile.map(String::from),
                ..Profile::default()
            };
            fill_server_fields(&mut profile, now);
            let mut stored = StoredProfile {
                profile,
                archived: false,
            };
            // Ids are random: draw again on the rare collision.
            loop {
                let id = ids::attestr_profile_id();
                stored.profile.id = Some(id.clone());
                if state::insert(db, &id, &stored)? {
                    return Ok(Ok(ProfileCreated {
                        id: Some(id),
                        number: stored.profile.number,
                    }));
                }
            }
        })
        .await??;
    Ok(Json(created))
}

async fn get_profile(
    State(context): State<AppState>,
    path: PathParams,
) -> Result<StoredJson<Profile>, Problem> {
    let id = profile_id(&path)?;
    context
        .store
        .read(|db| state::profile_json(db, &id))?
        .map(|(profile, _)| StoredJson::new(profile))
        .ok_or(Problem::NotFound(id))
}

async fn update_profile(
    State(context): State<AppState>,
    path: PathParams,
    JsonBody(body): JsonBody,
) -> Result<StatusCode, Problem> {
    let id = profile_id(&path)?;
    let input: ProfileInput = checked_body(&context, UPDATE_PROFILE, body)?;
    change_open_profile(&context, id, move |stored| {
        // Inferred in the spec: the call replaces the four basic fields.
        let profile = &mut stored.profile;
        profile.tag = Some(input.tag);
        profile.name = Some(input.name);
        profile.email = input.email;
        profile.mobile = input.mobile.map(String::from);
    })
    .await
}

/// Archive a profile and purge its data
async fn archive_profile(
    State(context): State<AppState>,
    path: PathParams,
) -> Result<StatusCode, Problem> {
    let id = profile_id(&path)?;
    change_open_profile(&context, id, |stored| {
        // "removes all verification items associated to a profile along with any media
        // linked to it. This operation is irreversible."
        stored.archived = true;
        stored.profile.items.clear();
        stored.profile.queries.clear();
    })
    .await
}

/// The write both changes (update, archive) make: in one write, applies `change` to a profile
/// that may still change, known (else 40018) and not archived (else 40038), stamps `updated` and
/// saves it; 200 with no body.
async fn change_open_profile(
    context: &AppState,
    id: String,
    change: impl FnOnce(&mut StoredProfile) + Send + 'static,
) -> Result<StatusCode, Problem> {
    let now = context.clock.now_millis();
    context
        .write(Vendor::Attestr, move |db| {
            let mut stored = match state::load(db, &id)? {
                None => return Ok(Err(Problem::NotFound(id))),
                Some(stored) if stored.archived => return Ok(Err(Problem::Archived)),
                Some(stored) => stored,
            };
            change(&mut stored);
            stored.profile.updated = Some(now);
            state::save(db, &id, &stored).map(Ok)
        })
        .await??;
    Ok(StatusCode::OK)
}
