//! Gainsight PX's table and queries, in SQLite and in memory. A user is stored as the JSON of the
//! generated `gainsight_px::types::User`, with when it was soft-deleted (sandbox clock, Unix
//! seconds). Lists page inside the store: in `identifyId` order through an index (SQLite) or the
//! ordered map (memory) with a keyset (`scrollId` names the last id), or in a requested order
//! with an offset. Filters and sorting follow SQLite's rules in both (see [`memory_page`]).

use std::cmp::Ordering;
use std::collections::BTreeMap;
use std::ops::Bound;

use gainsight_px::types::User;
use rusqlite::{Connection, OptionalExtension, params, params_from_iter};
use serde_json::{Map, Value};

use crate::records::{decode, encode};
use crate::store::Db;
use crate::store::tables::{Table, put};

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

/// The users in memory, in `identifyId` order, and how many are visible.
#[derive(Default)]
struct Users {
    rows: BTreeMap<String, UserRow>,
    visible: u64,
}

#[derive(Clone)]
struct UserRow {
    deleted_at: Option<i64>,
    user: String,
}

impl Table for Users {
    type Change = (String, Option<UserRow>);
    fn apply(&mut self, change: Self::Change) -> Self::Change {
        let is_visible = |row: &Option<UserRow>| {
            u64::from(row.as_ref().is_some_and(|row| row.deleted_at.is_none()))
        };
        let added = is_visible(&change.1);
        let undo = put(&mut self.rows, change);
        self.visible = self.visible + added - is_visible(&undo.1);
        undo
    }
}

/// A stored user and when it was soft-deleted.
pub(crate) struct StoredUser {
    pub(crate) user: User,
    pub(crate) deleted_at: Option<i64>,
}

/// The stored JSON of a visible user, as it is served.
pub(crate) fn visible_json(db: &Db<'_>, identify_id: &str) -> rusqlite::Result<Option<String>> {
    match db {
        Db::Sqlite(db) => db
            .prepare_cached(
                "SELECT user FROM px_users WHERE identify_id = ?1 AND deleted_at IS NULL",
            )?
            .query_row(params![identify_id], |row| row.get(0))
            .optional(),
        Db::Maps(maps) => Ok(maps.read(|users: &Users| {
            let row = users.rows.get(identify_id)?;
            row.deleted_at.is_none().then(|| row.user.clone())
        })),
    }
}

/// A user, visible or soft-deleted.
pub(crate) fn load(db: &Db<'_>, identify_id: &str) -> rusqlite::Result<Option<StoredUser>> {
    let row: Option<UserRow> = match db {
        Db::Sqlite(db) => db
            .prepare_cached("SELECT user, deleted_at FROM px_users WHERE identify_id = ?1")?
            .query_row(params![identify_id], |row| {
                Ok(UserRow {
                    user: row.get(0)?,
                    deleted_at: row.get(1)?,
                })
            })
            .optional()?,
        Db::Maps(maps) => maps.read(|users: &Users| users.rows.get(identify_id).cloned()),
    };
    row.map(|row| {
        Ok(StoredUser {
            user: decode(&row.user)?,
            deleted_at: row.deleted_at,
        })
    })
    .transpose()
}

/// Stores a user (new, changed, revived or hidden).
pub(crate) fn save(db: &Db<'_>, stored: &StoredUser) -> rusqlite::Result<()> {
    let user = encode(&stored.user)?;
    let db = match db {
        Db::Sqlite(db) => db,
        Db::Maps(maps) => {
            let row = UserRow {
                deleted_at: stored.deleted_at,
                user,
            };
            return maps.change::<Users>((stored.user.identify_id.clone(), Some(row)));
        }
    };
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
pub(crate) fn remove(db: &Db<'_>, identify_id: &str) -> rusqlite::Result<()> {
    match db {
        Db::Sqlite(db) => {
            db.prepare_cached("DELETE FROM px_users WHERE identify_id = ?1")?
                .execute(params![identify_id])?;
            Ok(())
        }
        Db::Maps(maps) => maps.change::<Users>((identify_id.to_string(), None)),
    }
}

/// Users stored, soft-deleted ones included.
pub(crate) fn count(db: &Db<'_>) -> rusqlite::Result<u64> {
    match db {
        Db::Sqlite(db) => crate::store::counter(db, "px_users"),
        Db::Maps(maps) => Ok(maps.read(|users: &Users| users.rows.len() as u64)),
    }
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
pub(crate) fn page(db: &Db<'_>, request: &PageRequest) -> rusqlite::Result<Page> {
    match db {
        Db::Sqlite(db) => sqlite_page(db, request),
        Db::Maps(maps) => maps.read(|users: &Users| memory_page(users, request)),
    }
}

fn sqlite_page(db: &Connection, request: &PageRequest) -> rusqlite::Result<Page> {
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

/// One page of visible users from the maps, with SQLite's semantics: a filter compares the field's
/// value as text (`true`/`false`, an integer in decimal, an object as its JSON) with ASCII-only
/// case folding; a sort orders missing and `null` first, then numbers (`true` is 1),
/// then text by `NOCASE`, ties by `identifyId`. The total counts every match, the page starts after
/// the keyset or the offset.
fn memory_page(users: &Users, request: &PageRequest) -> rusqlite::Result<Page> {
    let (after, offset) = match &request.start {
        None => (Bound::Unbounded, 0),
        Some(Start::After(last)) => (Bound::Excluded(last.as_str()), 0),
        Some(Start::Offset(skip)) => (Bound::Unbounded, usize::try_from(*skip).unwrap_or(0)),
    };
    // SQLite reads a negative LIMIT as no limit.
    let size = usize::try_from(request.size).unwrap_or(usize::MAX);
    if request.filters.is_empty() && request.sort.is_empty() {
        let page = users
            .rows
            .range::<str, _>((after, Bound::Unbounded))
            .filter(|(_, row)| row.deleted_at.is_none())
            .skip(offset)
            .take(size);
        return Ok(page_of(
            page.map(|(id, row)| (id, &row.user)),
            i64::try_from(users.visible).unwrap_or(i64::MAX),
        ));
    }
    // Like the SQL, a sort key that names no property is left out.
    let sort: Vec<(&str, bool)> = request
        .sort
        .iter()
        .filter(|(field, _)| json_path(field).is_some())
        .map(|(field, ascending)| (field.as_str(), *ascending))
        .collect();
    let mut total = 0_i64;
    let mut matches = Vec::new();
    for (id, row) in users
        .rows
        .iter()
        .filter(|(_, row)| row.deleted_at.is_none())
    {
        let record: Map<String, Value> = decode(&row.user)?;
        if !request
            .filters
            .iter()
            .all(|(field, value)| filter_matches(&record, field, value))
        {
            continue;
        }
        total += 1;
        if matches!(after, Bound::Excluded(last) if id.as_str() <= last) {
            continue;
        }
        let keys: Vec<SortKey> = sort
            .iter()
            .map(|(field, _)| SortKey::of(record.get(*field)))
            .collect();
        matches.push((keys, id, &row.user));
    }
    matches.sort_by(|(left, left_id, _), (right, right_id, _)| {
        left.iter()
            .zip(right)
            .zip(&sort)
            .map(|((left, right), (_, ascending))| {
                let order = left.cmp(right);
                if *ascending { order } else { order.reverse() }
            })
            .find(|order| order.is_ne())
            .unwrap_or(Ordering::Equal)
            .then_with(|| left_id.cmp(right_id))
    });
    let page = matches
        .into_iter()
        .skip(offset)
        .take(size)
        .map(|(_, id, user)| (id, user));
    Ok(page_of(page, total))
}

fn page_of<'a>(rows: impl Iterator<Item = (&'a String, &'a String)>, total: i64) -> Page {
    let mut users = Vec::new();
    let mut last_id = None;
    for (id, user) in rows {
        users.push(user.clone());
        last_id = Some(id.clone());
    }
    Page {
        users,
        total,
        last_id,
    }
}

/// Whether a top-level field equals `value` the way the SQLite filter compares them.
fn filter_matches(record: &Map<String, Value>, field: &str, value: &str) -> bool {
    if json_path(field).is_none() {
        return false;
    }
    let text = match record.get(field) {
        None | Some(Value::Null) => return false,
        Some(Value::String(text)) => text.clone(),
        // `User`'s top-level numbers are integers, which SQLite prints alike.
        Some(Value::Number(number)) => number.to_string(),
        Some(other) => other.to_string(),
    };
    text.eq_ignore_ascii_case(value)
}

/// A field's value as SQLite orders `json_extract(user, '$.field') COLLATE NOCASE`.
#[derive(PartialEq, PartialOrd)]
enum SortKey {
    /// Missing or `null`.
    Null,
    /// A number; `true` and `false` are 1 and 0. (`User`'s integers are dates in milliseconds and
    /// counts, well within an `f64`'s exact range.)
    Number(f64),
    /// Text (an object or an array as its JSON), ASCII-lowercased for `NOCASE`.
    Text(String),
}

impl SortKey {
    fn of(value: Option<&Value>) -> Self {
        match value {
            None | Some(Value::Null) => SortKey::Null,
            Some(Value::Bool(flag)) => SortKey::Number(f64::from(u8::from(*flag))),
            Some(Value::Number(number)) => SortKey::Number(number.as_f64().unwrap_or(0.0)),
            Some(Value::String(text)) => SortKey::Text(text.to_ascii_lowercase()),
            Some(other) => SortKey::Text(other.to_string().to_ascii_lowercase()),
        }
    }

    fn cmp(&self, other: &Self) -> Ordering {
        self.partial_cmp(other).unwrap_or(Ordering::Equal)
    }
}
