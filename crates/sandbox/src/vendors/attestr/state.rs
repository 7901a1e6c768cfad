//! Attestr's tables and queries, in SQLite and in memory. A profile is stored as the JSON of the
//! generated `attestr::types::Profile`, with whether it was archived (archived profiles stay
//! readable, purged).

use attestr::types::Profile;
use rusqlite::{OptionalExtension, params};

use crate::records::{decode, encode};
use crate::store::Db;
use crate::store::tables::Keyed;

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

/// The profiles in memory, by id.
type Profiles = Keyed<ProfileRow>;

#[derive(Clone)]
struct ProfileRow {
    archived: bool,
    profile: String,
}

/// A stored profile.
pub(crate) struct StoredProfile {
    pub(crate) profile: Profile,
    pub(crate) archived: bool,
}

/// How many profiles are stored.
pub(crate) fn count(db: &Db<'_>) -> rusqlite::Result<u64> {
    match db {
        Db::Sqlite(db) => crate::store::counter(db, "attestr_profiles"),
        Db::Maps(maps) => Ok(maps.read(|profiles: &Profiles| profiles.0.len() as u64)),
    }
}

/// The stored JSON of a profile, as it is served.
pub(crate) fn profile_json(db: &Db<'_>, id: &str) -> rusqlite::Result<Option<String>> {
    Ok(load_row(db, id)?.map(|row| row.profile))
}

fn load_row(db: &Db<'_>, id: &str) -> rusqlite::Result<Option<ProfileRow>> {
    match db {
        Db::Sqlite(db) => db
            .prepare_cached("SELECT profile, archived FROM attestr_profiles WHERE id = ?1")?
            .query_row(params![id], |row| {
                Ok(ProfileRow {
                    profile: row.get(0)?,
                    archived: row.get(1)?,
                })
            })
            .optional(),
        Db::Maps(maps) => Ok(maps.read(|profiles: &Profiles| profiles.0.get(id).cloned())),
    }
}

/// A profile, decoded.
pub(crate) fn load(db: &Db<'_>, id: &str) -> rusqlite::Result<Option<StoredProfile>> {
    load_row(db, id)?
        .map(|row| {
            Ok(StoredProfile {
                profile: decode(&row.profile)?,
                archived: row.archived,
            })
        })
        .transpose()
}

/// Inserts a profile; `false` when its id is taken.
pub(crate) fn insert(db: &Db<'_>, id: &str, stored: &StoredProfile) -> rusqlite::Result<bool> {
    let profile = encode(&stored.profile)?;
    match db {
        Db::Sqlite(db) => Ok(db
            .prepare_cached(
                "INSERT INTO attestr_profiles (id, archived, profile) VALUES (?1, ?2, ?3)
                 ON CONFLICT (id) DO NOTHING",
            )?
            .execute(params![id, stored.archived, profile])?
            == 1),
        Db::Maps(maps) => {
            if maps.read(|profiles: &Profiles| profiles.0.contains_key(id)) {
                return Ok(false);
            }
            let row = ProfileRow {
                archived: stored.archived,
                profile,
            };
            maps.change::<Profiles>((id.to_string(), Some(row)))?;
            Ok(true)
        }
    }
}

/// Replaces a stored profile.
pub(crate) fn save(db: &Db<'_>, id: &str, stored: &StoredProfile) -> rusqlite::Result<()> {
    let profile = encode(&stored.profile)?;
    match db {
        Db::Sqlite(db) => {
            db.prepare_cached(
                "UPDATE attestr_profiles SET archived = ?2, profile = ?3 WHERE id = ?1",
            )?
            .execute(params![id, stored.archived, profile])?;
        }
        Db::Maps(maps) => {
            if maps.read(|profiles: &Profiles| profiles.0.contains_key(id)) {
                let row = ProfileRow {
                    archived: stored.archived,
                    profile,
                };
                maps.change::<Profiles>((id.to_string(), Some(row)))?;
            }
        }
    }
    Ok(())
}
