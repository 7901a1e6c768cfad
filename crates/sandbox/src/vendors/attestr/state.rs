//! Attestr's table and queries. A profile is stored as the JSON of the
//! generated `attestr::types::Profile`, with whether it was archived (archived profiles stay
//! readable, purged).

use attestr::types::Profile;
use rusqlite::{Connection, OptionalExtension, params};

use crate::records::{decode, encode};

/// The profiles table, its record counter and the triggers that keep the counter.
pub(crate) const SCHEMA: &str = "
CREATE TABLE attestr_profiles (
    id TEXT PRIMARY KEY,
    archived INTEGER NOT NULL DEFAULT 0,
    profile TEXT NOT NULL
) WITHOUT ROWID;
INSERT INTO counts (name, n) VALUES ('attestr_profiles', 0);
CREATE TRIGGER attestr_profiles_added AFTER INSERT ON attestr_profiles
BEGIN UPDATE counts SET n = n + 1 WHERE name = 'attestr_profiles'; END;
CREATE TRIGGER attestr_profiles_removed AFTER DELETE ON attestr_profiles
BEGIN UPDATE counts SET n = n - 1 WHERE name = 'attestr_profiles'; END;
";

pub(crate) struct StoredProfile {
    pub(crate) profile: Profile,
    pub(crate) archived: bool,
}

pub(crate) fn count(db: &Connection) -> rusqlite::Result<u64> {
    crate::store::counter(db, "attestr_profiles")
}

/// The stored JSON of a profile, as it is served, and whether it is archived.
pub(crate) fn profile_json(db: &Connection, id: &str) -> rusqlite::Result<Option<(String, bool)>> {
    db.prepare_cached("SELECT profile, archived FROM attestr_profiles WHERE id = ?1")?
        .query_row(params![id], |row| Ok((row.get(0)?, row.get(1)?)))
        .optional()
}

pub(crate) fn load(db: &Connection, id: &str) -> rusqlite::Result<Option<StoredProfile>> {
    profile_json(db, id)?
        .map(|(profile, archived)| {
            Ok(StoredProfile {
                profile: decode(&profile)?,
                archived,
            })
        })
        .transpose()
}

/// Inserts a profile; `false` when its id is taken.
pub(crate) fn insert(db: &Connection, id: &str, stored: &StoredProfile) -> rusqlite::Result<bool> {
    let profile = encode(&stored.profile)?;
    Ok(db
        .prepare_cached(
            "INSERT INTO attestr_profiles (id, archived, profile) VALUES (?1, ?2, ?3)
             ON CONFLICT (id) DO NOTHING",
        )?
        .execute(params![id, stored.archived, profile])?
        == 1)
}

pub(crate) fn save(db: &Connection, id: &str, stored: &StoredProfile) -> rusqlite::Result<()> {
    let profile = encode(&stored.profile)?;
    db.prepare_cached("UPDATE attestr_profiles SET archived = ?2, profile = ?3 WHERE id = ?1")?
        .execute(params![id, stored.archived, profile])?;
    Ok(())
}
