//! Attestr factx profiles under `/attestr/api/{version}/public/factx/`: the surface (credentials,
//! error shape), its tables and its operations.

mod error;
mod handlers;
mod state;
mod surface;

use serde_json::Value;

use rusqlite::Connection;

use surface::fill_server_fields;

pub(crate) use handlers::handlers;
pub(crate) use state::SCHEMA;
pub(crate) use surface::{SUPPORTED_VERSION, SURFACE};

/// Adds seeded profiles: each is an Attestr `Profile` (checked against the spec) with `_id`,
/// `tag` and `name`, and optionally `"archived": true`. Server fields left out are filled in.
pub(crate) fn seed(
    db: &Connection,
    profiles: &[Value],
    now_millis: i64,
    specs: &crate::validate::Specs,
) -> rusqlite::Result<Result<(), String>> {
    let schema = specs
        .component("attestr", "Profile")
        .expect("the Attestr spec has a Profile schema");
    for (index, seeded) in profiles.iter().enumerate() {
        let place = format!("attestr_profiles[{index}]");
        let mut fields = match seeded {
            Value::Object(fields) => fields.clone(),
            _ => return Ok(Err(format!("{place}: not an object"))),
        };
        let archived = match fields.remove("archived") {
            None => false,
            Some(Value::Bool(archived)) => archived,
            Some(_) => return Ok(Err(format!("{place}: `archived` must be true or false"))),
        };
        let fields = Value::Object(fields);
        if let Err(reason) = schema.check(&fields) {
            return Ok(Err(format!("{place} {reason}")));
        }
        let mut profile: attestr::types::Profile = match serde_json::from_value(fields) {
            Ok(profile) => profile,
            Err(error) => return Ok(Err(format!("{place}: {error}"))),
        };
        let (Some(id), Some(_), Some(_)) = (profile.id.clone(), &profile.tag, &profile.name) else {
            return Ok(Err(format!(
                "{place}: `_id`, `tag` and `name` are required"
            )));
        };
        fill_server_fields(&mut profile, now_millis);
        let stored = state::StoredProfile { profile, archived };
        if !state::insert(db, &id, &stored)? {
            return Ok(Err(format!("{place}: profile {id} is seeded twice")));
        }
    }
    Ok(Ok(()))
}
