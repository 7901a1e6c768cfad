//! Records as stored: the JSON of a generated type (a SQLite text column),
//! and the field merge that partial updates use.

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

/// A value as the JSON text stored in its column.
pub(crate) fn encode<T: Serialize>(value: &T) -> rusqlite::Result<String> {
    serde_json::to_string(value)
        .map_err(|error| rusqlite::Error::ToSqlConversionFailure(error.into()))
}

/// A stored column read back as its type.
pub(crate) fn decode<T: DeserializeOwned>(text: &str) -> rusqlite::Result<T> {
    serde_json::from_str(text).map_err(|error| {
        rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, error.into())
    })
}

/// A record as a JSON object (the form partial updates merge into).
pub(crate) fn to_object<T: Serialize>(value: &T) -> rusqlite::Result<Map<String, Value>> {
    match serde_json::to_value(value) {
        Ok(Value::Object(object)) => Ok(object),
        Ok(_) => Ok(Map::new()),
        Err(error) => Err(rusqlite::Error::ToSqlConversionFailure(error.into())),
    }
}

/// Sets each field of `fields` whose name is `allowed` on `record`; fields not sent keep their
/// values (the vendors leave unknown whether an update clears them; the sandbox keeps them).
pub(crate) fn merge(
    record: &mut Map<String, Value>,
    fields: &Value,
    allowed: impl Fn(&str) -> bool,
) {
    let Value::Object(fields) = fields else {
        return;
    };
    for (name, value) in fields {
        if allowed(name) {
            record.insert(name.clone(), value.clone());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn merge_sets_only_allowed_fields() {
        let mut record = json!({"a": 1, "b": 2}).as_object().cloned().unwrap();
        merge(
            &mut record,
            &json!({"b": 3, "c": 4, "readOnly": 5}),
            |name| ["b", "c"].contains(&name),
        );
        assert_eq!(Value::Object(record), json!({"a": 1, "b": 3, "c": 4}));
    }
}
