//! Trust's tables and queries: identities (the JSON of the generated
//! `trust::types::Identity`, and whether it was deleted), the former documents merged into them,
//! and Atenea's tokens, whose expired ones are found by index.

use rusqlite::{Connection, OptionalExtension, params};
use trust::types::Identity;

use crate::records::{decode, encode};
use crate::surface::Problem;

/// The tables, indexes, counter and triggers. The counter counts identities and tokens: both are
/// records the sandbox holds for Trust.
pub(crate) const SCHEMA: &str = "
CREATE TABLE trust_identities (
    uuid TEXT PRIMARY KEY,
    deleted INTEGER NOT NULL DEFAULT 0,
    identity TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX trust_identities_live ON trust_identities (uuid) WHERE deleted = 0;
CREATE TABLE trust_former_documents (
    uuid TEXT PRIMARY KEY,
    current_uuid TEXT NOT NULL REFERENCES trust_identities (uuid) DEFERRABLE INITIALLY DEFERRED
) WITHOUT ROWID;
CREATE TABLE atenea_tokens (
    token TEXT PRIMARY KEY,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX atenea_tokens_expiry ON atenea_tokens (expires_at);
INSERT INTO counts (name, n) VALUES ('trust_records', 0);
CREATE TRIGGER trust_identities_added AFTER INSERT ON trust_identities
BEGIN UPDATE counts SET n = n + 1 WHERE name = 'trust_records'; END;
CREATE TRIGGER trust_identities_removed AFTER DELETE ON trust_identities
BEGIN UPDATE counts SET n = n - 1 WHERE name = 'trust_records'; END;
CREATE TRIGGER atenea_tokens_added AFTER INSERT ON atenea_tokens
BEGIN UPDATE counts SET n = n + 1 WHERE name = 'trust_records'; END;
CREATE TRIGGER atenea_tokens_removed AFTER DELETE ON atenea_tokens
BEGIN UPDATE counts SET n = n - 1 WHERE name = 'trust_records'; END;
";

/// The live identity a uuid names now, else the vendor's 404: [`Problem::MergedInto`] for a
/// former document of a live identity, [`Problem::NotFound`] for anything else (unknown, deleted,
/// or not a uuid at all). Uuids compare case-insensitively (they are stored in lowercase).
pub(crate) fn lookup(
    db: &Connection,
    uuid: &str,
) -> rusqlite::Result<Result<Box<Identity>, Problem>> {
    let Ok(parsed) = uuid::Uuid::parse_str(uuid) else {
        return Ok(Err(Problem::NotFound(uuid.to_string())));
    };
    let key = parsed.hyphenated().to_string();
    let current: Option<String> = db
        .prepare_cached("SELECT identity FROM trust_identities WHERE uuid = ?1 AND deleted = 0")?
        .query_row(params![key], |row| row.get(0))
        .optional()?;
    if let Some(text) = current {
        return Ok(Ok(Box::new(decode(&text)?)));
    }
    let merged_into: Option<String> = db
        .prepare_cached(
            "SELECT f.current_uuid FROM trust_former_documents f
             JOIN trust_identities i ON i.uuid = f.current_uuid
             WHERE f.uuid = ?1 AND i.deleted = 0",
        )?
        .query_row(params![key], |row| row.get(0))
        .optional()?;
    Ok(Err(merged_into.map_or_else(
        || Problem::NotFound(uuid.to_string()),
        Problem::MergedInto,
    )))
}

/// Stores an identity (new or changed); `deleted` marks it deleted.
pub(crate) fn save(db: &Connection, identity: &Identity, deleted: bool) -> rusqlite::Result<()> {
    let key = identity
        .uuid
        .map(|uuid| uuid.hyphenated().to_string())
        .unwrap_or_default();
    let text = encode(identity)?;
    db.prepare_cached(
        "INSERT INTO trust_identities (uuid, deleted, identity) VALUES (?1, ?2, ?3)
         ON CONFLICT (uuid) DO UPDATE SET deleted = excluded.deleted, identity = excluded.identity",
    )?
    .execute(params![key, deleted, text])?;
    Ok(())
}

/// Records `former` as merged into `current`; `false` when `former` is already taken.
pub(crate) fn add_former_document(
    db: &Connection,
    former: &str,
    current: &str,
) -> rusqlite::Result<bool> {
    Ok(db
        .prepare_cached(
            "INSERT INTO trust_former_documents (uuid, current_uuid) VALUES (?1, ?2)
             ON CONFLICT (uuid) DO NOTHING",
        )?
        .execute(params![former, current])?
        == 1)
}

/// Whether a uuid is an identity (live or deleted).
pub(crate) fn is_identity(db: &Connection, uuid: &str) -> rusqlite::Result<bool> {
    Ok(db
        .prepare_cached("SELECT 1 FROM trust_identities WHERE uuid = ?1")?
        .query_row(params![uuid], |_| Ok(()))
        .optional()?
        .is_some())
}

/// One page of live identities, ordered by uuid.
pub(crate) fn page(db: &Connection, offset: i64, limit: i64) -> rusqlite::Result<Vec<Identity>> {
    db.prepare_cached(
        "SELECT identity FROM trust_identities WHERE deleted = 0 ORDER BY uuid
         LIMIT ?1 OFFSET ?2",
    )?
    .query_map(params![limit, offset], |row| row.get::<_, String>(0))?
    .map(|text| decode(&text?))
    .collect()
}

/// Records held for Trust (identities and live tokens).
pub(crate) fn count(db: &Connection) -> rusqlite::Result<u64> {
    crate::store::counter(db, "trust_records")
}

/// When a token expires (Unix seconds), if it was issued.
pub(crate) fn token_expiry(db: &Connection, token: &str) -> rusqlite::Result<Option<i64>> {
    db.prepare_cached("SELECT expires_at FROM atenea_tokens WHERE token = ?1")?
        .query_row(params![token], |row| row.get(0))
        .optional()
}

/// Drops the tokens expired at `now` (they can never be used again), by index.
pub(crate) fn drop_expired_tokens(db: &Connection, now: i64) -> rusqlite::Result<()> {
    db.prepare_cached("DELETE FROM atenea_tokens WHERE expires_at <= ?1")?
        .execute(params![now])?;
    Ok(())
}

pub(crate) fn insert_token(
    db: &Connection,
    token: &str,
    created_at: i64,
    expires_at: i64,
) -> rusqlite::Result<()> {
    db.prepare_cached(
        "INSERT INTO atenea_tokens (token, created_at, expires_at) VALUES (?1, ?2, ?3)",
    )?
    .execute(params![token, created_at, expires_at])?;
    Ok(())
}
