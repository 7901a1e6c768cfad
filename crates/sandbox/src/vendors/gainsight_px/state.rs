//! Gainsight PX's table and queries. A user is stored as the JSON of the generated
//! `gainsight_px::types::User`, with when it was soft-deleted (sandbox clock, Unix seconds). Lists
//! page inside the database: in `identifyId` order through an index with a keyset (`scrollId`
//! names the last id), or in a requested order with an offset.

use gainsight_px::types::User;
use rusqlite::{Connection, OptionalExtension, params, params_from_iter};

use crate::records::{decode, encode};

/// The users table, its indexes, counters and triggers.
pub(crate) const SCHEMA: &str = "
CREATE TABLE px_users (
    identify_id TEXT PRIMARY KEY,
    deleted_at INTEGER,
    user TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX px_users_visible ON px_users (identify_id) WHERE deleted_at IS NULL;
INSERT INTO counts (name, n) VALUES ('px_users', 0), ('px_users_visible', 0);
CREATE TRIGGER px_users_added AFTER INSERT ON px_users
BEGIN
    UPDATE counts SET n = n + 1 WHERE name = 'px_users';
    UPDATE counts SET n = n + (NEW.deleted_at IS NULL) WHERE name = 'px_users_visible';
END;
CREATE TRIGGER px_users_removed AFTER DELETE ON px_users
BEGIN
    UPDATE counts SET n = n - 1 WHERE name = 'px_users';
    UPDATE counts SET n = n - (OLD.deleted_at IS NULL) WHERE name = 'px_users_visible';
END;
CREATE TRIGGER px_users_hidden AFTER UPDATE OF deleted_at ON px_users
BEGIN
    UPDATE counts SET n = n + (NEW.deleted_at IS NULL) - (OLD.deleted_at IS NULL)
    WHERE name = 'px_users_visible';
END;
";

/// A stored user and when it was soft-deleted.
pub(crate) struct StoredUser {
    pub(crate) user: User,
    pub(crate) deleted_at: Option<i64>,
}

/// The stored JSON of a visible user, as it is served.
pub(crate) fn visible_json(db: &Connection, identify_id: &str) -> rusqlite::Result<Option<String>> {
    db.prepare_cached("SELECT user FROM px_users WHERE identify_id = ?1 AND deleted_at IS NULL")?
        .query_row(params![identify_id], |row| row.get(0))
        .optional()
}

/// A user, visible or soft-deleted.
pub(crate) fn load(db: &Connection, identify_id: &str) -> rusqlite::Result<Option<StoredUser>> {
    let row: Option<(String, Option<i64>)> = db
        .prepare_cached("SELECT user, deleted_at FROM px_users WHERE identify_id = ?1")?
        .query_row(params![identify_id], |row| Ok((row.get(0)?, row.get(1)?)))
        .optional()?;
    row.map(|(text, deleted_at)| {
        Ok(StoredUser {
            user: decode(&text)?,
            deleted_at,
        })
    })
    .transpose()
}

/// Stores a user (new, changed, revived or hidden).
pub(crate) fn save(db: &Connection, stored: &StoredUser) -> rusqlite::Result<()> {
    let user = encode(&stored.user)?;
    // Most writes change the record only: then the deletion mark, its index and its counter
    // are left alone.
    let changed = db
        .prepare_cached(
            "UPDATE px_users SET user = ?3 WHERE identify_id = ?1 AND deleted_at IS ?2",
        )?
        .execute(params![stored.user.identify_id, stored.deleted_at, user])?;
    if changed == 1 {
        return Ok(());
    }
    db.prepare_cached(
        "INSERT INTO px_users (identify_id, deleted_at, user) VALUES (?1, ?2, ?3)
         ON CONFLICT (identify_id) DO UPDATE SET deleted_at = excluded.deleted_at, user = excluded.user",
    )?
    .execute(params![stored.user.identify_id, stored.deleted_at, user])?;
    Ok(())
}

/// Removes a user for good (a hard delete).
pub(crate) fn remove(db: &Connection, identify_id: &str) -> rusqlite::Result<()> {
    db.prepare_cached("DELETE FROM px_users WHERE identify_id = ?1")?
        .execute(params![identify_id])?;
    Ok(())
}

/// Users stored, soft-deleted ones included.
pub(crate) fn count(db: &Connection) -> rusqlite::Result<u64> {
    crate::store::counter(db, "px_users")
}

/// Where a page starts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Start {
    /// After this `identifyId` (the default order).
    After(String),
    /// After this many users (a requested order).
    Offset(i64),
}

/// A page request: `field==value` filters on `User` properties, sort keys (property, ascending),
/// size and start. Property names come from the spec's `User` schema, never from the client.
pub(crate) struct PageRequest {
    pub(crate) filters: Vec<(String, String)>,
    pub(crate) sort: Vec<(String, bool)>,
    pub(crate) size: i64,
    pub(crate) start: Option<Start>,
}

/// A page: the users' stored JSON, the total of matching users, and the last `identifyId`.
pub(crate) struct Page {
    pub(crate) users: Vec<String>,
    pub(crate) total: i64,
    pub(crate) last_id: Option<String>,
}

/// One page of visible users.
pub(crate) fn page(db: &Connection, request: &PageRequest) -> rusqlite::Result<Page> {
    let mut conditions = vec!["deleted_at IS NULL".to_string()];
    let mut values: Vec<rusqlite::types::Value> = Vec::new();
    for (field, value) in &request.filters {
        // Filters are case-insensitive (vendor); a number or boolean compares as its JSON text.
        let Some(path) = json_path(field) else {
            conditions.push("0".to_string());
            continue;
        };
        conditions.push(format!(
            "lower(CASE json_type(user, '{path}') WHEN 'true' THEN 'true' WHEN 'false' THEN 'false' \
             ELSE CAST(json_extract(user, '{path}') AS TEXT) END) = lower(?)"
        ));
        values.push(value.clone().into());
    }
    let total: i64 = if request.filters.is_empty() {
        i64::try_from(crate::store::counter(db, "px_users_visible")?).unwrap_or(i64::MAX)
    } else {
        db.prepare_cached(&format!(
            "SELECT count(*) FROM px_users WHERE {}",
            conditions.join(" AND ")
        ))?
        .query_row(params_from_iter(values.iter()), |row| row.get(0))?
    };
    let mut order: Vec<String> = request
        .sort
        .iter()
        .filter_map(|(field, ascending)| {
            Some(format!(
                "json_extract(user, '{}') COLLATE NOCASE {}",
                json_path(field)?,
                if *ascending { "ASC" } else { "DESC" }
            ))
        })
        .collect();
    order.push("identify_id ASC".to_string());
    let mut offset = 0;
    match &request.start {
        None => {}
        Some(Start::After(last)) => {
            conditions.push("identify_id > ?".to_string());
            values.push(last.clone().into());
        }
        Some(Start::Offset(skip)) => offset = *skip,
    }
    values.push(request.size.into());
    values.push(offset.into());
    let sql = format!(
        "SELECT identify_id, user FROM px_users WHERE {} ORDER BY {} LIMIT ? OFFSET ?",
        conditions.join(" AND "),
        order.join(", ")
    );
    let mut statement = db.prepare_cached(&sql)?;
    let rows = statement.query_map(params_from_iter(values.iter()), |row| {
        Ok((row.get::<_, String>(0)?, row.get::<_, String>(1)?))
    })?;
    let mut users = Vec::new();
    let mut last_id = None;
    for row in rows {
        let (id, user) = row?;
        users.push(user);
        last_id = Some(id);
    }
    Ok(Page {
        users,
        total,
        last_id,
    })
}

/// The JSON path of a top-level property, written into the SQL text. Callers pass names from the
/// spec's `User` schema; anything but letters and digits gets no path (it names no property).
fn json_path(field: &str) -> Option<String> {
    (!field.is_empty() && field.chars().all(|c| c.is_ascii_alphanumeric()))
        .then(|| format!("$.{field}"))
}
