//! An OpenAPI document held as plain JSON values, with the few traversals the pipeline needs.
//!
//! The pipeline works on `serde_json::Value` rather than `openapiv3` types so that it sees the
//! document exactly as written (extensions, unknown keys, broken `$ref`s) and can report problems
//! before any typed parser or generator gets a chance to fail less clearly.

use std::path::Path;

use serde_json::Value;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};

use crate::{Error, fsguard};

/// The HTTP methods an OpenAPI path item can hold, in the order the specification lists them.
pub const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// A parsed OpenAPI document and the name messages give it.
#[derive(Debug, Clone)]
pub struct Document {
    /// Where the document came from, for messages (`spec/attestr.yaml`).
    pub name: String,
    /// The whole document, its YAML read into JSON values (a mapping at the top).
    pub root: Value,
}

/// One operation of a document, located by its path and method.
#[derive(Debug, Clone)]
pub struct OperationRef<'a> {
    /// The key of its path item under `paths` (`/public/factx/{profileId}`).
    pub path: &'a str,
    /// The HTTP method, lowercase, as one of [`METHODS`].
    pub method: &'static str,
    /// The operation object, as written.
    pub operation: &'a Value,
}

impl OperationRef<'_> {
    /// The `operationId`, or `METHOD /path` when there is none, for messages.
    pub fn label(&self) -> String {
        match self.operation_id() {
            Some(id) => id.to_string(),
            None => format!("{} {}", self.method.to_uppercase(), self.path),
        }
    }

    /// The `operationId`, when the operation has one that is a string.
    pub fn operation_id(&self) -> Option<&str> {
        self.operation.get("operationId").and_then(Value::as_str)
    }

    /// The JSON pointer of the operation inside the document.
    pub fn pointer(&self) -> String {
        format!("/paths/{}/{}", escape_pointer(self.path), self.method)
    }
}

impl Document {
    /// Reads and parses a YAML (or JSON) document; `name` is its path relative to `repo`, and how
    /// messages refer to it. Only a regular UTF-8 file under [`fsguard::MAX_SPEC_BYTES`] is read.
    pub fn load(repo: &Path, name: &str) -> Result<Self, Error> {
        let text = fsguard::read_text(repo, name, fsguard::MAX_SPEC_BYTES)?;
        Self::parse(name, &text)
    }

    /// Parses a YAML (or JSON) document. A syntax error and a key that appears twice in one
    /// mapping (YAML lets the last one win silently) are refused with the line and column.
    pub fn parse(name: &str, text: &str) -> Result<Self, Error> {
        let yaml_error = |err: serde_norway::Error| Error::Yaml {
            document: name.to_string(),
            message: err.to_string(),
        };
        serde_norway::from_str::<NoDuplicateKeys>(text).map_err(yaml_error)?;
        let root: Value = serde_norway::from_str(text).map_err(yaml_error)?;
        if !root.is_object() {
            return Err(Error::Yaml {
                document: name.to_string(),
                message: "the top level is not a mapping".to_string(),
            });
        }
        Ok(Document {
            name: name.to_string(),
            root,
        })
    }

    /// Every operation, in path order then method order.
    pub fn operations(&self) -> Vec<OperationRef<'_>> {
        let mut operations = Vec::new();
        if let Some(paths) = self.root.get("paths").and_then(Value::as_object) {
            for (path, item) in paths {
                for method in METHODS {
                    if let Some(operation) = item.get(method).filter(|op| op.is_object()) {
                        operations.push(OperationRef {
                            path,
                            method,
                            operation,
                        });
                    }
                }
            }
        }
        operations
    }

    /// Every `$ref` that does not resolve inside the document, as `at <pointer>: <why>`: an
    /// external one (a URL, a file), which a tool that follows `$ref`s (Redocly, the linters)
    /// would fetch or open, or one that points at nothing.
    pub fn unresolved_refs(&self) -> Vec<String> {
        let mut found = Vec::new();
        for_each_ref(&self.root, "", &mut |at, reference| {
            if let Err(message) = lookup_ref(&self.root, reference) {
                found.push(format!("at {at}: {message}"));
            }
        });
        found
    }

    /// Follows `$ref`s inside the document until it reaches a value that is not a reference.
    pub fn resolve<'a>(&'a self, value: &'a Value) -> Result<&'a Value, String> {
        resolve_in(&self.root, value)
    }

    /// The examples of a media type object, by name: its `example` (named `example`), then each
    /// of its `examples` whose `value` resolves.
    pub(crate) fn examples<'a>(
        &'a self,
        media: &'a Value,
    ) -> impl Iterator<Item = (&'a str, &'a Value)> + 'a {
        let named = media
            .get("examples")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
            .filter_map(|(name, example)| {
                Some((name.as_str(), self.resolve(example).ok()?.get("value")?))
            });
        let single = media.get("example").map(|value| ("example", value));
        single.into_iter().chain(named)
    }

    /// The parameters of `operation` under the path `path`: its path item's, then its own, each
    /// resolved (one whose `$ref` does not resolve is left out: the checks report it).
    pub fn parameters<'a>(
        &'a self,
        path: &str,
        operation: &'a Value,
    ) -> impl Iterator<Item = &'a Value> + 'a {
        let path_level = self
            .root
            .pointer(&format!("/paths/{}/parameters", escape_pointer(path)));
        [path_level, operation.get("parameters")]
            .into_iter()
            .flatten()
            .filter_map(Value::as_array)
            .flatten()
            .filter_map(|parameter| self.resolve(parameter).ok())
    }
}

/// Follows local `$ref`s (`#/...`) in `root`; refuses external ones and cycles.
pub fn resolve_in<'a>(root: &'a Value, mut value: &'a Value) -> Result<&'a Value, String> {
    for _ in 0..32 {
        let Some(reference) = value.get("$ref").and_then(Value::as_str) else {
            return Ok(value);
        };
        value = lookup_ref(root, reference)?;
    }
    Err("a chain of more than 32 `$ref`s (a cycle?)".to_string())
}

/// The value a local `$ref` points at.
pub fn lookup_ref<'a>(root: &'a Value, reference: &str) -> Result<&'a Value, String> {
    let pointer = reference.strip_prefix('#').ok_or_else(|| {
        format!("`$ref: {reference}` points outside the document; only local references (`#/...`) are supported")
    })?;
    root.pointer(pointer)
        .ok_or_else(|| format!("`$ref: {reference}` does not resolve"))
}

/// Escapes a key for use in a JSON pointer (RFC 6901).
pub fn escape_pointer(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

/// Calls `visit` with the JSON pointer of every `$ref` string in `value` (which is at `at`).
pub(crate) fn for_each_ref(value: &Value, at: &str, visit: &mut dyn FnMut(&str, &str)) {
    match value {
        Value::Object(map) => {
            for (key, child) in map {
                let at = format!("{at}/{}", escape_pointer(key));
                match child {
                    Value::String(reference) if key == "$ref" => visit(&at, reference),
                    _ if key == "$ref" => {}
                    _ => for_each_ref(child, &at, visit),
                }
            }
        }
        Value::Array(items) => {
            for (index, child) in items.iter().enumerate() {
                for_each_ref(child, &format!("{at}/{index}"), visit);
            }
        }
        _ => {}
    }
}

/// The status classes of OpenAPI response keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusClass {
    /// A `2xx` status (`200`, `2XX`).
    Success,
    /// A `4xx` or `5xx` status.
    Error,
    /// The `default` response, which stands for every status not listed.
    Default,
    /// 1xx and 3xx: left as the author wrote them.
    Other,
}

/// The class of the response key `key` (`201`, `4XX`, `default`), from its first character.
pub fn status_class(key: &str) -> StatusClass {
    if key == "default" {
        return StatusClass::Default;
    }
    match key.as_bytes().first() {
        Some(b'2') => StatusClass::Success,
        Some(b'4' | b'5') => StatusClass::Error,
        _ => StatusClass::Other,
    }
}

/// One well-formed row of an operation's `x-error-codes`: its status, its vendor code if it has
/// one, its name and its message (`checks` reports the rows that are not well formed).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ErrorCodeRow<'a> {
    pub status: u64,
    /// The vendor's own error code, where its error bodies carry one.
    pub code: Option<i64>,
    /// The project's stable name for the error (the Rust `ErrorCode` variant); required by the
    /// checks, `None` only in a document that has not passed them.
    pub name: Option<&'a str>,
    pub message: &'a str,
}

/// The well-formed rows of `operation`'s `x-error-codes`, in the spec's order.
pub(crate) fn error_code_rows(operation: &Value) -> impl Iterator<Item = ErrorCodeRow<'_>> {
    operation
        .get("x-error-codes")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|row| {
            Some(ErrorCodeRow {
                status: row.get("status")?.as_u64()?,
                code: row.get("code").and_then(Value::as_i64),
                name: row.get("name").and_then(Value::as_str),
                message: row.get("message")?.as_str()?,
            })
        })
}

/// Whether a media type is JSON as progenitor understands it.
pub fn is_json(media_type: &str) -> bool {
    media_type == "application/json" || media_type.starts_with("application/json;")
}

/// A YAML value walked only to refuse a mapping with a repeated key, wherever it is.
struct NoDuplicateKeys;

impl<'de> Deserialize<'de> for NoDuplicateKeys {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(NoDuplicateKeys)
    }
}

/// Visits of a scalar, which holds no key: each is accepted as it is.
macro_rules! accept_scalars {
    ($($visit:ident($($scalar:ty)?)),*) => {
        $(fn $visit<E: de::Error>(self, $(_: $scalar)?) -> Result<Self::Value, E> {
            Ok(NoDuplicateKeys)
        })*
    };
}

impl<'de> Visitor<'de> for NoDuplicateKeys {
    type Value = NoDuplicateKeys;

    fn expecting(&self, formatter: &mut std::fmt::Formatter) -> std::fmt::Result {
        formatter.write_str("a YAML value")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut seen = std::collections::BTreeSet::new();
        while let Some(key) = map.next_key::<Value>()? {
            // As text, whatever its YAML type (`200:` and `'200':` are the same key to JSON).
            let key = match key {
                Value::String(text) => text,
                other => other.to_string(),
            };
            if !seen.insert(key.clone()) {
                return Err(de::Error::custom(format!(
                    "the key `{key}` appears twice in one mapping (YAML would keep the last silently)"
                )));
            }
            map.next_value::<NoDuplicateKeys>()?;
        }
        Ok(NoDuplicateKeys)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        while seq.next_element::<NoDuplicateKeys>()?.is_some() {}
        Ok(NoDuplicateKeys)
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_any(NoDuplicateKeys)
    }

    accept_scalars!(
        visit_bool(bool),
        visit_i64(i64),
        visit_u64(u64),
        visit_f64(f64),
        visit_str(&str),
        visit_unit(),
        visit_none()
    );
}
