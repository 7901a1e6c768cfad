//! Gainsight PX's table and queries. A user is stored as the JSON of the generated
//! `gainsight_px::types::User`, with when it was soft-deleted (sandbox clock, Unix seconds). Lists
//! page inside the database: in `identifyId` order through an index with a keyset (`scrollId`
//! names the last id), or in a requested order with an offset; every sort the vendor documents
//! (`firstName`, `createDate`, and its example `+firstName;-createDate`, either way) is read from
//! an index of its own, so a page costs the same whatever the number of users.

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
CREATE INDEX px_users_by_first_name ON px_users
    (json_extract(user, '$.firstName') COLLATE NOCASE, identify_id) WHERE deleted_at IS NULL;
CREATE INDEX px_users_by_create_date ON px_users
    (json_extract(user, '$.createDate') COLLATE NOCASE, identify_id) WHERE deleted_at IS NULL;
CREATE INDEX px_users_by_first_name_then_newest ON px_users
    (json_extract(user, '$.firstName') COLLATE NOCASE,
     json_extract(user, '$.createDate') COLLATE NOCASE DESC, identify_id DESC)
    WHERE deleted_at IS NULL;
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
    row.map(|(user, deleted_at)| {
        Ok(StoredUser {
            user: decode(&user)?,
            deleted_at,
        })
    })
    .transpose()
}

/// Stores a user (new, changed, revived or hidden: soft-deleted at `deleted_at`).
pub(crate) fn save(db: &Connection, user: &User, deleted_at: Option<i64>) -> rusqlite::Result<()> {
    let text = encode(user)?;
    // Most writes change the record only: then the deletion mark, its index and its counter
    // are left alone.
    let changed = db
        .prepare_cached(
            "UPDATE px_users SET user = ?3 WHERE identify_id = ?1 AND deleted_at IS ?2",
        )?
        .execute(params![user.identify_id, deleted_at, text])?;
    if changed == 1 {
        return Ok(());
    }
    db.prepare_cached(
        "INSERT INTO px_users (identify_id, deleted_at, user) VALUES (?1, ?2, ?3)
         ON CONFLICT (identify_id) DO UPDATE SET deleted_at = excluded.deleted_at, user = excluded.user",
    )?
    .execute(params![user.identify_id, deleted_at, text])?;
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
#[derive(Default)]
pub(crate) struct Page {
    pub(crate) users: Vec<String>,
    pub(crate) total: i64,
    pub(crate) last_id: Option<String>,
}

/// One page of visible users.
pub(crate) fn page(db: &Connection, request: &PageRequest) -> rusqlite::Result<Page> {
    let filter = Filter::of(request);
    let total: i64 = if request.filters.is_empty() {
        i64::try_from(crate::store::counter(db, "px_users_visible")?).unwrap_or(i64::MAX)
    } else {
        db.prepare_cached(&format!(
            "SELECT count(*) FROM px_users WHERE {}",
            filter.conditions.join(" AND ")
        ))?
        .query_row(params_from_iter(filter.values.iter()), |row| row.get(0))?
    };
    let (sql, values) = page_query(request, filter);
    let mut statement = db.prepare_cached(&sql)?;
    let rows: Vec<(String, String)> = statement
        .query_map(params_from_iter(values.iter()), |row| {
            Ok((row.get(0)?, row.get(1)?))
        })?
        .collect::<rusqlite::Result<_>>()?;
    let last_id = rows.last().map(|(id, _)| id.clone());
    let users = rows.into_iter().map(|(_, user)| user).collect();
    Ok(Page {
        users,
        total,
        last_id,
    })
}

/// The conditions every matching user meets (visible, and each filter), with their values.
struct Filter {
    conditions: Vec<String>,
    values: Vec<rusqlite::types::Value>,
}

impl Filter {
    fn of(request: &PageRequest) -> Self {
        let mut conditions = vec!["deleted_at IS NULL".to_string()];
        let mut values: Vec<rusqlite::types::Value> = Vec::new();
        for (field, value) in &request.filters {
            // Filters are case-insensitive (vendor); a number or boolean compares as its JSON
            // text.
            let Some(path) = json_path(field) else {
                conditions.push("0".to_string());
                continue;
            };
            conditions.push(format!(
                "lower(CASE json_type(user, '{path}') WHEN 'true' THEN 'true' WHEN 'false' \
                 THEN 'false' ELSE CAST(json_extract(user, '{path}') AS TEXT) END) = lower(?)"
            ));
            values.push(value.clone().into());
        }
        Self { conditions, values }
    }
}

/// The page's query and its values. Ties are broken by `identifyId` in the direction of the last
/// sort key, so that an index on the sort keys and the id serves the whole order, read forward or
/// backward (`tests::every_documented_sort_is_read_from_an_index`).
fn page_query(request: &PageRequest, filter: Filter) -> (String, Vec<rusqlite::types::Value>) {
    let Filter {
        mut conditions,
        mut values,
    } = filter;
    let sort: Vec<(String, bool)> = request
        .sort
        .iter()
        .filter_map(|(field, ascending)| Some((json_path(field)?, *ascending)))
        .collect();
    let mut order: Vec<String> = sort
        .iter()
        .map(|(path, ascending)| {
            format!(
                "json_extract(user, '{path}') COLLATE NOCASE {}",
                direction(*ascending)
            )
        })
        .collect();
    let ids_ascending = sort.last().is_none_or(|(_, ascending)| *ascending);
    order.push(format!("identify_id {}", direction(ids_ascending)));
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
    (sql, values)
}

fn direction(ascending: bool) -> &'static str {
    if ascending { "ASC" } else { "DESC" }
}

/// The JSON path of a top-level property, written into the SQL text. Callers pass names from the
/// spec's `User` schema; anything but letters and digits gets no path (it names no property).
fn json_path(field: &str) -> Option<String> {
    (!field.is_empty() && field.chars().all(|c| c.is_ascii_alphanumeric()))
        .then(|| format!("$.{field}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The query plan of a page: one line per step.
    fn plan(db: &Connection, request: &PageRequest) -> Vec<String> {
        let (sql, values) = page_query(request, Filter::of(request));
        db.prepare(&format!("EXPLAIN QUERY PLAN {sql}"))
            .unwrap()
            .query_map(params_from_iter(values.iter()), |row| {
                row.get::<_, String>(3)
            })
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap()
    }

    #[test]
    fn every_documented_sort_is_read_from_an_index() {
        let db = Connection::open_in_memory().unwrap();
        db.execute_batch(
            "CREATE TABLE counts (name TEXT PRIMARY KEY, n INTEGER NOT NULL) WITHOUT ROWID;",
        )
        .unwrap();
        db.execute_batch(SCHEMA).unwrap();
        let key = |field: &str, ascending| (field.to_string(), ascending);
        // The vendor documents `sort` with one example, `+firstName;-createDate`: each of its
        // keys alone and the pair, each either way, and the default order.
        let sorts = [
            vec![],
            vec![key("firstName", true)],
            vec![key("firstName", false)],
            vec![key("createDate", true)],
            vec![key("createDate", false)],
            vec![key("firstName", true), key("createDate", false)],
            vec![key("firstName", false), key("createDate", true)],
        ];
        for sort in sorts {
            for start in [
                None,
                Some(Start::Offset(50)),
                Some(Start::After("u".into())),
            ] {
                if !sort.is_empty() && matches!(start, Some(Start::After(_))) {
                    continue;
                }
                let request = PageRequest {
                    filters: Vec::new(),
                    sort: sort.clone(),
                    size: 25,
                    start,
                };
                let steps = plan(&db, &request);
                assert!(
                    steps.iter().all(|step| step.contains("USING INDEX")
                        || step.contains("USING COVERING INDEX")
                        || step.contains("USING PRIMARY KEY"))
                        && !steps.iter().any(|step| step.contains("TEMP B-TREE")),
                    "{sort:?}: {steps:?}"
                );
            }
        }
    }
}
