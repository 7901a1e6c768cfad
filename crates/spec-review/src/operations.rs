//! Which operations a change reaches.
//!
//! Redocly reports a change to a shared component once, under the first operation that uses it:
//! a new required property of Attestr's `ProfileInput` is reported under `createProfile` only,
//! though `updateProfile` sends the same body. A reviewer needs every operation, so this index
//! follows `$ref`s (transitively) from each operation and maps any JSON pointer back to the
//! operations whose requests or responses contain it.

use std::collections::BTreeSet;

use serde_json::Value;

use spec_pipeline::document::{Document, METHODS, escape_pointer, lookup_ref};

/// The operations of one document, with what each one reaches.
#[derive(Debug, Clone, Default)]
pub struct OperationIndex {
    operations: Vec<IndexedOperation>,
}

#[derive(Debug, Clone)]
struct IndexedOperation {
    /// `operationId`, or `METHOD /path` when there is none.
    label: String,
    path: String,
    method: &'static str,
    /// Every component (`/components/<section>/<name>`) reachable through `$ref`s.
    components: BTreeSet<String>,
    /// The security schemes its effective `security` names.
    security_schemes: BTreeSet<String>,
    /// Whether it sets its own `security` (otherwise the document's applies).
    own_security: bool,
    /// Whether it sets its own `servers` (otherwise the path item's or the document's apply).
    own_servers: bool,
}

impl OperationIndex {
    /// Indexes every operation of `doc`: the components it reaches through `$ref`s (its path
    /// item's parameters included), and whether its security and servers are its own.
    pub fn new(doc: &Document) -> Self {
        let root_security = doc.root.get("security");
        let operations = doc
            .operations()
            .into_iter()
            .map(|operation| {
                let path_item = doc
                    .root
                    .get("paths")
                    .and_then(|paths| paths.get(operation.path));
                let mut components = BTreeSet::new();
                collect_components(&doc.root, operation.operation, &mut components);
                if let Some(parameters) = path_item.and_then(|item| item.get("parameters")) {
                    collect_components(&doc.root, parameters, &mut components);
                }
                let own_security = operation.operation.get("security").is_some();
                let security = operation.operation.get("security").or(root_security);
                let security_schemes = security
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .filter_map(Value::as_object)
                    .flat_map(|requirement| requirement.keys().cloned())
                    .collect();
                let own_servers = operation.operation.get("servers").is_some()
                    || path_item.is_some_and(|item| item.get("servers").is_some());
                IndexedOperation {
                    label: operation.label(),
                    path: operation.path.to_string(),
                    method: operation.method,
                    components,
                    security_schemes,
                    own_security,
                    own_servers,
                }
            })
            .collect();
        OperationIndex { operations }
    }

    /// The label of the operation at `path` and `method`, if the document has one.
    pub fn label(&self, path: &str, method: &str) -> Option<&str> {
        self.operations
            .iter()
            .find(|operation| operation.path == path && operation.method == method)
            .map(|operation| operation.label.as_str())
    }

    /// The operations that `pointer` (a JSON pointer, `#/...`) is part of, sorted.
    pub fn reached_by(&self, pointer: &str) -> BTreeSet<String> {
        let segments = pointer_segments(pointer);
        let segments: Vec<&str> = segments.iter().map(String::as_str).collect();
        let select = |keep: &dyn Fn(&IndexedOperation) -> bool| -> BTreeSet<String> {
            self.operations
                .iter()
                .filter(|operation| keep(operation))
                .map(|operation| operation.label.clone())
                .collect()
        };
        match segments.as_slice() {
            ["paths", path, method, ..] if METHODS.contains(method) => {
                select(&|operation| operation.path == *path && operation.method == *method)
            }
            ["paths", path, ..] => select(&|operation| operation.path == *path),
            ["components", "securitySchemes", name, ..] => {
                select(&|operation| operation.security_schemes.contains(*name))
            }
            ["components", section, name, ..] => {
                let component = component_key(section, name);
                select(&|operation| operation.components.contains(&component))
            }
            ["security", ..] => select(&|operation| !operation.own_security),
            ["servers", ..] => select(&|operation| !operation.own_servers),
            _ => BTreeSet::new(),
        }
    }
}

/// The unescaped segments of a JSON pointer (`#/paths/~1a/get` → `paths`, `/a`, `get`).
pub fn pointer_segments(pointer: &str) -> Vec<String> {
    let pointer = pointer.trim_start_matches('#');
    pointer
        .split('/')
        .skip(1)
        .map(|segment| segment.replace("~1", "/").replace("~0", "~"))
        .collect()
}

fn component_key(section: &str, name: &str) -> String {
    let (section, name) = (escape_pointer(section), escape_pointer(name));
    format!("/components/{section}/{name}")
}

/// Adds every component reachable from `value` through local `$ref`s.
fn collect_components(root: &Value, value: &Value, found: &mut BTreeSet<String>) {
    let mut pending = vec![value];
    while let Some(current) = pending.pop() {
        match current {
            Value::Object(map) => {
                if let Some(Value::String(reference)) = map.get("$ref") {
                    let segments = pointer_segments(reference);
                    if let [first, section, name, ..] = segments.as_slice()
                        && first == "components"
                        && found.insert(component_key(section, name))
                        && let Ok(target) =
                            lookup_ref(root, &format!("#{}", component_key(section, name)))
                    {
                        pending.push(target);
                    }
                }
                pending.extend(map.values());
            }
            Value::Array(items) => pending.extend(items),
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn index() -> OperationIndex {
        let doc = Document::parse(
            "t.yaml",
            r##"
openapi: 3.0.3
info: {title: t, version: 1.0.0}
security: [{basicAuth: []}]
paths:
  /p:
    post:
      operationId: createProfile
      requestBody: {content: {application/json: {schema: {$ref: '#/components/schemas/ProfileInput'}}}}
      responses: {'200': {description: ok}}
  /p/{id}:
    parameters: [{$ref: '#/components/parameters/id'}]
    put:
      operationId: updateProfile
      requestBody: {content: {application/json: {schema: {$ref: '#/components/schemas/ProfileInput'}}}}
      responses: {'200': {description: ok}}
    delete:
      security: []
      servers: [{url: 'https://other.test'}]
      responses: {'204': {description: gone}}
components:
  parameters:
    id: {name: id, in: path, required: true, schema: {type: string}}
  schemas:
    ProfileInput: {type: object, properties: {address: {$ref: '#/components/schemas/Address'}}}
    Address: {type: object}
"##,
        )
        .unwrap();
        OperationIndex::new(&doc)
    }

    fn reached(pointer: &str) -> Vec<String> {
        index().reached_by(pointer).into_iter().collect()
    }

    #[test]
    fn a_shared_schema_reaches_every_operation_that_uses_it_transitively() {
        assert_eq!(
            reached("#/components/schemas/Address/properties/city"),
            ["createProfile", "updateProfile"]
        );
        assert_eq!(
            reached("#/components/parameters/id/required"),
            ["DELETE /p/{id}", "updateProfile"]
        );
    }

    #[test]
    fn paths_security_and_servers_reach_what_they_govern() {
        assert_eq!(reached("#/paths/~1p~1{id}/put/summary"), ["updateProfile"]);
        assert_eq!(
            reached("#/paths/~1p~1{id}"),
            ["DELETE /p/{id}", "updateProfile"]
        );
        assert_eq!(
            reached("#/components/securitySchemes/basicAuth/scheme"),
            ["createProfile", "updateProfile"]
        );
        assert_eq!(
            reached("#/servers/0/url"),
            ["createProfile", "updateProfile"]
        );
        assert!(reached("#/info/version").is_empty());
    }
}
