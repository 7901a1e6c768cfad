//! Trust's tables and queries, in SQLite and in memory: identities (the JSON of the generated
//! `trust::types::Identity`, and whether it was deleted), the former documents merged into them,
//! and Atenea's tokens, whose expired ones are found by index.

use std::collections::{BTreeSet, HashMap};

use rusqlite::{OptionalExtension, params};
use trust::types::Identity;

use crate::records::{decode, encode};
use crate::store::Db;
use crate::store::tables::{Keyed, Table};

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

/// The identities in memory, by uuid.
type Identities = Keyed<IdentityRow>;

struct IdentityRow {
    deleted: bool,
    identity: String,
}

/// The former documents in memory, by uuid.
type FormerDocuments = Keyed<MergedInto>;

/// The identity a former document was merged into.
struct MergedInto(String);

/// Atenea's tokens in memory, with an index by expiry.
#[derive(Default)]
struct Tokens {
    by_token: HashMap<String, TokenRow>,
    by_expiry: BTreeSet<(i64, String)>,
}

#[derive(Clone, Copy)]
struct TokenRow {
    expires_at: i64,
}

impl Table for Tokens {
    type Change = (String, Option<TokenRow>);
    fn apply(&mut self, (token, row): Self::Change) -> Self::Change {
        let old = match row {
            Some(row) => {
                self.by_expiry.insert((row.expires_at, token.clone()));
                self.by_token.insert(token.clone(), row)
            }
            None => self.by_token.remove(&token),
        };
        if let Some(old) = old
            && old.expires_at != row.map_or(i64::MIN, |row| row.expires_at)
        {
            self.by_expiry.remove(&(old.expires_at, token.clone()));
        }
        (token, old)
    }
}

/// What a uuid names.
pub(crate) enum Lookup {
    /// A live identity.
    Current(Box<Identity>),
    /// A former document of this live identity.
    MergedInto(String),
    /// Neither (unknown, deleted, or not a uuid at all).
    Missing,
}

/// What a uuid names now. Uuids compare case-insensitively (they are stored in lowercase).
pub(crate) fn lookup(db: &Db<'_>, uuid: &str) -> rusqlite::Result<Lookup> {
    let Ok(uuid) = uuid::Uuid::parse_str(uuid) else {
        return Ok(Lookup::Missing);
    };
    let key = uuid.hyphenated().to_string();
    let (current, merged_into): (Option<String>, Option<String>) = match db {
        Db::Sqlite(db) => {
            let current = db
                .prepare_cached(
                    "SELECT identity FROM trust_identities WHERE uuid = ?1 AND deleted = 0",
                )?
                .query_row(params![key], |row| row.get(0))
                .optional()?;
            let merged_into = db
                .prepare_cached(
                    "SELECT f.current_uuid FROM trust_former_documents f
                     JOIN trust_identities i ON i.uuid = f.current_uuid
                     WHERE f.uuid = ?1 AND i.deleted = 0",
                )?
                .query_row(params![key], |row| row.get(0))
                .optional()?;
            (current, merged_into)
        }
        Db::Maps(maps) => maps.read(|identities: &Identities| {
            let live = |uuid: &str| identities.0.get(uuid).filter(|row| !row.deleted);
            let current = live(&key).map(|row| row.identity.clone());
            let merged_into = maps.read(|formers: &FormerDocuments| {
                let MergedInto(current) = formers.0.get(&key)?;
                live(current).map(|_| current.clone())
            });
            (current, merged_into)
        }),
    };
    if let Some(text) = current {
        return Ok(Lookup::Current(Box::new(decode(&text)?)));
    }
    Ok(merged_into.map_or(Lookup::Missing, Lookup::MergedInto))
}

/// Stores an identity (new or changed); `deleted` marks it deleted.
pub(crate) fn save(db: &Db<'_>, identity: &Identity, deleted: bool) -> rusqlite::Result<()> {
    let key = identity
        .uuid
        .map(|uuid| uuid.hyphenated().to_string())
        .unwrap_or_default();
    let text = encode(identity)?;
    match db {
        Db::Sqlite(db) => {
            db.prepare_cached(
                "INSERT INTO trust_identities (uuid, deleted, identity) VALUES (?1, ?2, ?3)
                 ON CONFLICT (uuid) DO UPDATE SET deleted = excluded.deleted, identity = excluded.identity",
            )?
            .execute(params![key, deleted, text])?;
            Ok(())
        }
        Db::Maps(maps) => {
            let row = IdentityRow {
                deleted,
                identity: text,
            };
            maps.change::<Identities>((key, Some(row)))
        }
    }
}

/// Records `former` as merged into `current`; `false` when `former` is already taken.
pub(crate) fn add_former_document(
    db: &Db<'_>,
    former: &str,
    current: &str,
) -> rusqlite::Result<bool> {
    match db {
        Db::Sqlite(db) => Ok(db
            .prepare_cached(
                "INSERT INTO trust_former_documents (uuid, current_uuid) VALUES (?1, ?2)
                 ON CONFLICT (uuid) DO NOTHING",
            )?
            .execute(params![former, current])?
            == 1),
        Db::Maps(maps) => {
            if maps.read(|formers: &FormerDocuments| formers.0.contains_key(former)) {
                return Ok(false);
            }
            let row = MergedInto(current.to_string());
            maps.change::<FormerDocuments>((former.to_string(), Some(row)))?;
            Ok(true)
        }
    }
}

/// Whether a uuid is an identity (live or deleted).
pub(crate) fn is_identity(db: &Db<'_>, uuid: &str) -> rusqlite::Result<bool> {
    match db {
        Db::Sqlite(db) => Ok(db
            .prepare_cached("SELECT 1 FROM trust_identities WHERE uuid = ?1")?
            .query_row(params![uuid], |_| Ok(()))
            .optional()?
            .is_some()),
        Db::Maps(maps) => Ok(maps.read(|identities: &Identities| identities.0.contains_key(uuid))),
    }
}

/// One page of live identities, ordered by uuid.
pub(crate) fn page(db: &Db<'_>, offset: i64, limit: i64) -> rusqlite::Result<Vec<Identity>> {
    match db {
        Db::Sqlite(db) => db
            .prepare_cached(
                "SELECT identity FROM trust_identities WHERE deleted = 0 ORDER BY uuid
                 LIMIT ?1 OFFSET ?2",
            )?
            .query_map(params![limit, offset], |row| row.get::<_, String>(0))?
            .map(|text| decode(&text?))
            .collect(),
        Db::Maps(maps) => maps.read(|identities: &Identities| {
            identities
                .0
                .values()
                .filter(|row| !row.deleted)
                .skip(usize::try_from(offset).unwrap_or(0))
                // SQLite reads a negative LIMIT as no limit.
                .take(usize::try_from(limit).unwrap_or(usize::MAX))
                .map(|row| decode(&row.identity))
                .collect()
        }),
    }
}

/// Records held for Trust (identities and live tokens).
pub(crate) fn count(db: &Db<'_>) -> rusqlite::Result<u64> {
    match db {
        Db::Sqlite(db) => crate::store::counter(db, "trust_records"),
        Db::Maps(maps) => {
            let identities = maps.read(|identities: &Identities| identities.0.len());
            let tokens = maps.read(|tokens: &Tokens| tokens.by_token.len());
            Ok((identities + tokens) as u64)
        }
    }
}

/// When a token expires (Unix seconds), if it was issued.
pub(crate) fn token_expiry(db: &Db<'_>, token: &str) -> rusqlite::Result<Option<i64>> {
    match db {
        Db::Sqlite(db) => db
            .prepare_cached("SELECT expires_at FROM atenea_tokens WHERE token = ?1")?
            .query_row(params![token], |row| row.get(0))
            .optional(),
        Db::Maps(maps) => {
            Ok(maps.read(|tokens: &Tokens| tokens.by_token.get(token).map(|row| row.expires_at)))
        }
    }
}

/// Drops the tokens expired at `now` (they can never be used again), by index.
pub(crate) fn drop_expired_tokens(db: &Db<'_>, now: i64) -> rusqlite::Result<()> {
    match db {
        Db::Sqlite(db) => {
            db.prepare_cached("DELETE FROM atenea_tokens WHERE expires_at <= ?1")?
                .execute(params![now])?;
        }
        Db::Maps(maps) => {
            let expired: Vec<String> = maps.read(|tokens: &Tokens| {
                tokens
                    .by_expiry
                    .iter()
                    .take_while(|(expires_at, _)| *expires_at <= now)
                    .map(|(_, token)| token.clone())
                    .collect()
            });
            for token in expired {
                maps.change::<Tokens>((token, None))?;
            }
        }
    }
    Ok(())
}

/// Stores an issued token.
pub(crate) fn insert_token(
    db: &Db<'_>,
    token: &str,
    created_at: i64,
    expires_at: i64,
) -> rusqlite::Result<()> {
    match db {
        Db::Sqlite(db) => {
            db.prepare_cached(
                "INSERT INTO atenea_tokens (token, created_at, expires_at) VALUES (?1, ?2, ?3)",
            )?
            .execute(params![token, created_at, expires_at])?;
            Ok(())
        }
        Db::Maps(maps) => {
            // Tokens are random: a repeat is refused like SQLite's primary key refuses it.
            if token_expiry(db, token)?.is_some() {
                return Err(rusqlite::Error::SqliteFailure(
                    rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_CONSTRAINT),
                    Some("a token was drawn twice".to_string()),
                ));
            }
            maps.change::<Tokens>((token.to_string(), Some(TokenRow { expires_at })))
        }
    }
}
