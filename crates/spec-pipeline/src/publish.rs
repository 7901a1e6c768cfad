//! The published documents in `spec/dist/`: what other languages consume.
//!
//! Per vendor, three files carry the same authored content (vendor facts only; none of the
//! generator accommodations that normalization applies to progenitor's copy):
//!
//! - `<vendor>.json`: the bundled document as JSON, local `$ref`s kept;
//! - `<vendor>.yaml`: the same document as YAML;
//! - `<vendor>.dereferenced.json`: every local `$ref` replaced by what it points at, for tools
//!   that cannot follow references.
//!
//! They are written in Rust, not by a Node or Python tool, because `cargo xtask generate` runs on
//! a fresh clone before any of those tools are installed.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use crate::Error;
use crate::document::{Document, lookup_ref};
use crate::vendors::Vendor;

/// `spec/dist/<vendor>.json`: the bundled document as JSON.
pub fn bundled_json_path(vendor: &Vendor) -> String {
    format!("spec/dist/{}.json", vendor.name)
}

/// `spec/dist/<vendor>.yaml`: the bundled document as YAML.
pub fn bundled_yaml_path(vendor: &Vendor) -> String {
    format!("spec/dist/{}.yaml", vendor.name)
}

/// `spec/dist/<vendor>.dereferenced.json`: the document with every `$ref` inlined.
pub fn dereferenced_json_path(vendor: &Vendor) -> String {
    format!("spec/dist/{}.dereferenced.json", vendor.name)
}

/// Every published file of one vendor, by path relative to the repository.
pub(crate) fn dist_files(
    doc: &Document,
    vendor: &Vendor,
) -> Result<BTreeMap<String, String>, Error> {
    let dereferenced = dereference(&doc.root)
        .map_err(|err| Error::finding(&doc.name, None, "dereference", err.to_string()))?;
    Ok(BTreeMap::from([
        (bundled_json_path(vendor), json_text(&doc.root)),
        (bundled_yaml_path(vendor), yaml_text(&doc.name, &doc.root)?),
        (dereferenced_json_path(vendor), json_text(&dereferenced)),
    ]))
}

/// Pretty JSON with a final newline, as every JSON file the pipeline writes.
pub(crate) fn json_text(value: &Value) -> String {
    let mut text = serde_json::to_string_pretty(value).expect("a JSON value always serializes");
    text.push('\n');
    text
}

/// The top-level keys in the order the OpenAPI specification lists them, so the YAML reads like
/// an authored document (`openapi` first). Nested keys stay sorted, as in the JSON.
const TOP_LEVEL_ORDER: [&str; 8] = [
    "openapi",
    "info",
    "servers",
    "security",
    "tags",
    "paths",
    "components",
    "externalDocs",
];

fn yaml_text(source: &str, value: &Value) -> Result<String, Error> {
    let yaml_error = |err: serde_norway::Error| Error::Yaml {
        document: source.to_string(),
        message: format!("could not be written back as YAML: {err}"),
    };
    let mut ordered = serde_norway::Mapping::new();
    if let Value::Object(map) = value {
        let known = TOP_LEVEL_ORDER
            .iter()
            .filter_map(|key| map.get_key_value(*key));
        let others = map
            .iter()
            .filter(|(key, _)| !TOP_LEVEL_ORDER.contains(&key.as_str()));
        for (key, child) in known.chain(others) {
            let child = serde_norway::to_value(child).map_err(yaml_error)?;
            ordered.insert(serde_norway::Value::String(key.clone()), child);
        }
    }
    let body = serde_norway::to_string(&ordered).map_err(yaml_error)?;
    // A YAML comment changes no content; it stops a consumer from editing the copy.
    Ok(format!(
        "# Published by `cargo xtask generate` from {source}; do not edit.\n{body}"
    ))
}

/// Why a document could not be dereferenced.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum DereferenceError {
    /// A `$ref` leads back to itself: inlining it would never end.
    #[error(
        "`$ref`s form a cycle ({}), so the document cannot be dereferenced; break the cycle or publish it bundled only",
        .chain.join(" → ")
    )]
    Cycle {
        /// The `$ref`s being followed, ending with the one that comes back.
        chain: Vec<String>,
    },
    /// Inlining would make the document hold more than [`MAX_DEREFERENCED_VALUES`] values: `$ref`s
    /// that use a schema several times, each level again, multiply without a cycle.
    #[error(
        "inlining every `$ref` would make the document hold more than {MAX_DEREFERENCED_VALUES} values; use the shared schemas fewer times or publish it bundled only"
    )]
    TooLarge,
    /// A `$ref` that is external or points at nothing.
    #[error("{at}: {message}")]
    Unresolvable {
        /// Where the `$ref` is, as a JSON pointer (inside an inlined target, one into that target).
        at: String,
        /// Why it cannot be followed.
        message: String,
    },
}

/// The most values (objects, arrays and scalars) a dereferenced document may hold: at about 60
/// bytes a value, as in today's documents (a few thousand values each), its JSON stays under
/// [`crate::fsguard::MAX_GENERATED_BYTES`], the most `--check` reads back.
pub(crate) const MAX_DEREFERENCED_VALUES: usize = 1 << 18;

/// The document with every local `$ref` replaced by a copy of its target (recursively).
/// `$ref` siblings are dropped, as OpenAPI 3.0 says they are ignored.
pub(crate) fn dereference(root: &Value) -> Result<Value, DereferenceError> {
    let mut following = Vec::new();
    let mut remaining = MAX_DEREFERENCED_VALUES;
    inline(root, root, "#", &mut following, &mut remaining)
}

fn inline(
    root: &Value,
    value: &Value,
    at: &str,
    following: &mut Vec<String>,
    remaining: &mut usize,
) -> Result<Value, DereferenceError> {
    *remaining = remaining.checked_sub(1).ok_or(DereferenceError::TooLarge)?;
    match value {
        Value::Object(map) => {
            if let Some(Value::String(reference)) = map.get("$ref") {
                if following.contains(reference) {
                    let mut chain = following.clone();
                    chain.push(reference.clone());
                    return Err(DereferenceError::Cycle { chain });
                }
                let target = lookup_ref(root, reference).map_err(|message| {
                    DereferenceError::Unresolvable {
                        at: at.to_string(),
                        message,
                    }
                })?;
                following.push(reference.clone());
                let inlined = inline(root, target, reference, following, remaining);
                following.pop();
                return inlined;
            }
            let mut out = Map::new();
            for (key, child) in map {
                let child_at = format!("{at}/{}", crate::document::escape_pointer(key));
                let child = inline(root, child, &child_at, following, remaining)?;
                out.insert(key.clone(), child);
            }
            Ok(Value::Object(out))
        }
        Value::Array(items) => items
            .iter()
            .enumerate()
            .map(|(index, child)| {
                inline(root, child, &format!("{at}/{index}"), following, remaining)
            })
            .collect::<Result<Vec<_>, _>>()
            .map(Value::Array),
        scalar => Ok(scalar.clone()),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn inlines_nested_references_and_drops_siblings() {
        let root = json!({
            "paths": {"/a": {"get": {"responses": {"200": {"$ref": "#/components/responses/Ok"}}}}},
            "components": {
                "responses": {"Ok": {"description": "ok", "content": {"application/json": {
                    "schema": {"$ref": "#/components/schemas/Thing", "description": "ignored"}
                }}}},
                "schemas": {"Thing": {"type": "object", "properties": {"id": {"type": "string"}}}}
            }
        });
        let dereferenced = dereference(&root).unwrap();
        assert_eq!(
            dereferenced.pointer("/paths/~1a/get/responses/200/content/application~1json/schema"),
            Some(&json!({"type": "object", "properties": {"id": {"type": "string"}}}))
        );
        assert!(!dereferenced.to_string().contains("$ref"));
    }

    #[test]
    fn refuses_a_cycle_and_names_it() {
        let root = json!({"components": {"schemas": {
            "Node": {"type": "object", "properties": {"next": {"$ref": "#/components/schemas/Node"}}}
        }}, "paths": {"/n": {"get": {"responses": {"200": {"description": "n", "content": {
            "application/json": {"schema": {"$ref": "#/components/schemas/Node"}}}}}}}}});
        let err = dereference(&root).unwrap_err();
        assert_eq!(
            err,
            DereferenceError::Cycle {
                chain: vec![
                    "#/components/schemas/Node".to_string(),
                    "#/components/schemas/Node".to_string()
                ]
            }
        );
        assert!(err.to_string().contains("cycle"));
    }

    #[test]
    fn refuses_an_external_or_dangling_reference_with_its_location() {
        let root =
            json!({"paths": {"/x": {"get": {"responses": {"200": {"$ref": "other.yaml#/R"}}}}}});
        let err = dereference(&root).unwrap_err();
        assert!(
            matches!(&err, DereferenceError::Unresolvable { at, .. } if at == "#/paths/~1x/get/responses/200"),
            "{err}"
        );
        let root = json!({"a": {"$ref": "#/missing"}});
        assert!(
            dereference(&root)
                .unwrap_err()
                .to_string()
                .contains("does not resolve")
        );
    }

    #[test]
    fn refuses_references_that_would_inline_without_end() {
        // No cycle, but each schema uses the next one twice: inlined, 2^60 copies of the last.
        let mut schemas = serde_json::Map::new();
        for level in 0..60 {
            let next = json!({"$ref": format!("#/components/schemas/S{}", level + 1)});
            let properties = json!({"a": next, "b": next});
            schemas.insert(
                format!("S{level}"),
                json!({"type": "object", "properties": properties}),
            );
        }
        schemas.insert("S60".to_string(), json!({"type": "string"}));
        let root = json!({"components": {"schemas": schemas}});
        let (sender, receiver) = std::sync::mpsc::channel();
        std::thread::spawn(move || sender.send(dereference(&root).map_err(|err| err.to_string())));
        let result = receiver
            .recv_timeout(std::time::Duration::from_secs(10))
            .expect("dereferencing must end, with an error, within seconds");
        let err = result.unwrap_err();
        assert!(err.contains("more than 262144 values"), "{err}");
    }

    #[test]
    fn the_yaml_and_json_copies_hold_the_same_document() {
        let doc = Document::parse(
            "spec/example.yaml",
            "openapi: 3.0.3\ninfo: {title: t, version: 0.1.0, description: \"two\\n\\nparagraphs\"}\npaths: {}\n",
        )
        .unwrap();
        let vendor = crate::vendors::VENDORS[0];
        let files = dist_files(&doc, &vendor).unwrap();
        let from_yaml: Value = serde_norway::from_str(&files[&bundled_yaml_path(&vendor)]).unwrap();
        let from_json: Value = serde_json::from_str(&files[&bundled_json_path(&vendor)]).unwrap();
        assert_eq!(from_yaml, doc.root);
        assert_eq!(from_json, doc.root);
    }
}
