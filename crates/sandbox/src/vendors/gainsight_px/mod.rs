//! Gainsight PX users under `/gainsight-px/v1/users`: the surface (API keys, error shape), its
//! table and its operations.

mod handlers;
mod state;
mod surface;

use serde_json::Value;

use crate::validate::Specs;
use rusqlite::Connection;

pub(crate) use handlers::handlers;
pub(crate) use state::SCHEMA;
pub use surface::REVIVAL_WINDOW_SECS;
pub(crate) use surface::SURFACE;

/// Adds seeded users: each is a Gainsight PX `User` (checked against the spec); server fields
/// left out (`aptrinsicId`, `createDate`…) are filled in.
pub(crate) fn seed(
    db: &Connection,
    users: &[Value],
    now_millis: i64,
    specs: &Specs,
) -> rusqlite::Result<Result<(), String>> {
    let schema = specs
        .component("gainsight-px", "User")
        .expect("the Gainsight PX spec has a User schema");
    for (index, seeded) in users.iter().enumerate() {
        let place = format!("gainsight_px_users[{index}]");
        if let Err(reason) = schema.check(seeded) {
            return Ok(Err(format!("{place} {reason}")));
        }
        let mut user: gainsight_px::types::User = match serde_json::from_value(seeded.clone()) {
            Ok(user) => user,
            Err(error) => return Ok(Err(format!("{place}: {error}"))),
        };
        if user.identify_id.is_empty() {
            return Ok(Err(format!("{place}: `identifyId` is empty")));
        }
        if state::load(db, &user.identify_id)?.is_some() {
            return Ok(Err(format!(
                "{place}: user {:?} is seeded twice",
                user.identify_id
            )));
        }
        user.id = Some(user.identify_id.clone());
        user.aptrinsic_id.get_or_insert_with(crate::ids::uuid_v4);
        user.create_date.get_or_insert(now_millis);
        user.last_modified_date.get_or_insert(now_millis);
        user.number_of_visits.get_or_insert(0);
        state::save(db, &user, None)?;
    }
    Ok(Ok(()))
}
