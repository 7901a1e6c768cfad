//! Drift check: each OpenAPI document the sandbox generates with utoipa must describe the same API
//! as the authored `spec/<vendor>.yaml`, which is the truth. Compared: the operations (path,
//! method, operationId), their parameters (name, location, required, schema), request bodies,
//! response status codes and media types, security schemes, and every schema's fields (names,
//! required, types, nullability, read-only, array items, enums), `$ref`s resolved. OpenAPI 3.0's
//! `nullable: true` and 3.1's `type: [T, "null"]` count as the same thing. A difference fails
//! with a list that names where it is.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::PathBuf;

use sandbox::openapi::{Api, document};
use serde_json::{Value, json};

fn spec(api: Api) -> Value {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../spec")
        .join(format!("{}.yaml", api.slug()));
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|error| panic!("{}: {error}", path.display()));
    serde_norway::from_str(&text).unwrap_or_else(|error| panic!("{}: {error}", path.display()))
}

fn sandbox_document(api: Api) -> Value {
    serde_json::to_value(document(api)).expect("the utoipa document serializes")
}

fn assert_no_drift(api: Api) {
    let differences = differences(&spec(api), &sandbox_document(api));
    assert!(
        differences.is_empty(),
        "the sandbox's utoipa document drifted from spec/{}.yaml (the spec is the truth):\n  - {}",
        api.slug(),
        differences.join("\n  - ")
    );
}

#[test]
fn attestr_matches_the_spec() {
    assert_no_drift(Api::Attestr);
}

#[test]
fn trust_matches_the_spec() {
    assert_no_drift(Api::Trust);
}

#[test]
fn gainsight_px_matches_the_spec() {
    assert_no_drift(Api::GainsightPx);
}

#[test]
fn the_comparison_reports_each_kind_of_drift_readably() {
    let spec = spec(Api::Attestr);
    let mut drifted = sandbox_document(Api::Attestr);
    let paths = drifted["paths"].as_object_mut().unwrap();
    paths.remove("/public/factx/{profileId}/archive");
    let put = &mut paths["/public/factx/{profileId}"]["put"];
    put["responses"].as_object_mut().unwrap().remove("429");
    put["parameters"][0]["required"] = json!(false);
    let schemas = drifted["components"]["schemas"].as_object_mut().unwrap();
    schemas["ProfileInput"]["properties"]
        .as_object_mut()
        .unwrap()
        .remove("mobile");
    schemas["Profile"]["properties"]["created"]["type"] = json!("string");
    let found = differences(&spec, &drifted).join("\n");
    for expected in [
        "PUT /public/factx/{profileId}/archive (archiveProfile): missing in the sandbox",
        "PUT /public/factx/{profileId} (updateProfile): response 429 missing in the sandbox",
        "PUT /public/factx/{profileId} (updateProfile): path parameter `profileId`: required is true in the spec, false in the sandbox",
        "request body application/json: property `mobile` missing in the sandbox",
        "response 200 application/json: property `created`: type [integer] in the spec, [string] in the sandbox",
    ] {
        assert!(
            found.contains(expected),
            "expected {expected:?} among:\n{found}"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// The comparison.

/// Every difference between the spec's and the sandbox's operations, as readable lines.
fn differences(spec: &Value, sandbox: &Value) -> Vec<String> {
    let spec_operations = operations(spec);
    let sandbox_operations = operations(sandbox);
    let mut out = Vec::new();
    for (key, spec_operation) in &spec_operations {
        let label = format!("{} {} ({})", key.1, key.0, spec_operation.operation_id);
        match sandbox_operations.get(key) {
            None => out.push(format!("{label}: missing in the sandbox")),
            Some(sandbox_operation) => {
                compare_operations(&label, spec_operation, sandbox_operation, &mut out)
            }
        }
    }
    for (key, operation) in &sandbox_operations {
        if !spec_operations.contains_key(key) {
            out.push(format!(
                "{} {} ({}): in the sandbox but not in the spec",
                key.1, key.0, operation.operation_id
            ));
        }
    }
    out
}

struct Operation {
    operation_id: String,
    /// (location, name) → (required, schema)
    parameters: BTreeMap<(String, String), (bool, Shape)>,
    /// (required, media type → schema)
    request_body: Option<(bool, BTreeMap<String, Shape>)>,
    /// status → media type → schema
    responses: BTreeMap<String, BTreeMap<String, Option<Shape>>>,
    /// Alternatives of scheme names (`[]` is "no authentication").
    security: BTreeSet<BTreeSet<String>>,
}

const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "patch", "head", "options", "trace",
];

fn operations(document: &Value) -> BTreeMap<(String, String), Operation> {
    let mut found = BTreeMap::new();
    let Some(paths) = document["paths"].as_object() else {
        return found;
    };
    for (path, item) in paths {
        let shared_parameters = item["parameters"].as_array().cloned().unwrap_or_default();
        for method in METHODS {
            let operation = &item[method];
            if operation.is_null() {
                continue;
            }
            let mut parameters = BTreeMap::new();
            for parameter in shared_parameters
                .iter()
                .chain(operation["parameters"].as_array().into_iter().flatten())
            {
                let parameter = resolve(document, parameter);
                let key = (
                    text(&parameter["in"]).to_string(),
                    text(&parameter["name"]).to_string(),
                );
                let required = parameter["required"].as_bool().unwrap_or(false);
                parameters.insert(key, (required, shape(document, &parameter["schema"], 0)));
            }
            let request_body = match resolve(document, &operation["requestBody"]) {
                Value::Null => None,
                body => Some((
                    body["required"].as_bool().unwrap_or(false),
                    media_shapes(document, &body["content"])
                        .into_iter()
                        .map(|(media, shape)| (media, shape.unwrap_or_default()))
                        .collect(),
                )),
            };
            let responses = operation["responses"]
                .as_object()
                .into_iter()
                .flatten()
                .map(|(status, response)| {
                    let response = resolve(document, response);
                    (status.clone(), media_shapes(document, &response["content"]))
                })
                .collect();
            let security = operation
                .get("security")
                .or_else(|| document.get("security"))
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .map(|requirement| {
                    requirement
                        .as_object()
                        .into_iter()
                        .flatten()
                        .map(|(name, _)| name.clone())
                        .collect()
                })
                .collect();
            found.insert(
                (path.clone(), method.to_ascii_uppercase()),
                Operation {
                    operation_id: text(&operation["operationId"]).to_string(),
                    parameters,
                    request_body,
                    responses,
                    security,
                },
            );
        }
    }
    found
}

fn media_shapes(document: &Value, content: &Value) -> BTreeMap<String, Option<Shape>> {
    content
        .as_object()
        .into_iter()
        .flatten()
        .map(|(media, entry)| {
            let schema = &entry["schema"];
            let shape = (!schema.is_null()).then(|| shape(document, schema, 0));
            (media.clone(), shape)
        })
        .collect()
}

fn compare_operations(label: &str, spec: &Operation, sandbox: &Operation, out: &mut Vec<String>) {
    if spec.operation_id != sandbox.operation_id {
        out.push(format!(
            "{label}: operationId is {:?} in the sandbox",
            sandbox.operation_id
        ));
    }
    for (key, (spec_required, spec_shape)) in &spec.parameters {
        let where_ = format!("{label}: {} parameter `{}`", key.0, key.1);
        match sandbox.parameters.get(key) {
            None => out.push(format!("{where_}: missing in the sandbox")),
            Some((sandbox_required, sandbox_shape)) => {
                if spec_required != sandbox_required {
                    out.push(format!(
                        "{where_}: required is {spec_required} in the spec, {sandbox_required} in the sandbox"
                    ));
                }
                compare_shapes(&where_, spec_shape, sandbox_shape, out);
            }
        }
    }
    for key in sandbox.parameters.keys() {
        if !spec.parameters.contains_key(key) {
            out.push(format!(
                "{label}: {} parameter `{}` is in the sandbox but not in the spec",
                key.0, key.1
            ));
        }
    }
    match (&spec.request_body, &sandbox.request_body) {
        (None, None) => {}
        (Some(_), None) => out.push(format!("{label}: request body missing in the sandbox")),
        (None, Some(_)) => out.push(format!(
            "{label}: request body in the sandbox but not in the spec"
        )),
        (Some((spec_required, spec_media)), Some((sandbox_required, sandbox_media))) => {
            if spec_required != sandbox_required {
                out.push(format!(
                    "{label}: request body required is {spec_required} in the spec, {sandbox_required} in the sandbox"
                ));
            }
            let spec_media = spec_media
                .iter()
                .map(|(media, shape)| (media.clone(), Some(shape.clone())))
                .collect();
            let sandbox_media = sandbox_media
                .iter()
                .map(|(media, shape)| (media.clone(), Some(shape.clone())))
                .collect();
            compare_media(
                &format!("{label}: request body"),
                &spec_media,
                &sandbox_media,
                out,
            );
        }
    }
    for (status, spec_media) in &spec.responses {
        match sandbox.responses.get(status) {
            None => out.push(format!("{label}: response {status} missing in the sandbox")),
            Some(sandbox_media) => compare_media(
                &format!("{label}: response {status}"),
                spec_media,
                sandbox_media,
                out,
            ),
        }
    }
    for status in sandbox.responses.keys() {
        if !spec.responses.contains_key(status) {
            out.push(format!(
                "{label}: response {status} is in the sandbox but not in the spec"
            ));
        }
    }
    if spec.security != sandbox.security {
        out.push(format!(
            "{label}: security is {:?} in the spec, {:?} in the sandbox",
            spec.security, sandbox.security
        ));
    }
}

fn compare_media(
    where_: &str,
    spec: &BTreeMap<String, Option<Shape>>,
    sandbox: &BTreeMap<String, Option<Shape>>,
    out: &mut Vec<String>,
) {
    for (media, spec_shape) in spec {
        match (spec_shape, sandbox.get(media)) {
            (_, None) => out.push(format!(
                "{where_}: media type {media} missing in the sandbox"
            )),
            (Some(spec_shape), Some(Some(sandbox_shape))) => {
                compare_shapes(&format!("{where_} {media}"), spec_shape, sandbox_shape, out)
            }
            (None, Some(None)) => {}
            (Some(_), Some(None)) => {
                out.push(format!("{where_} {media}: schema missing in the sandbox"))
            }
            (None, Some(Some(_))) => out.push(format!(
                "{where_} {media}: schema in the sandbox but not in the spec"
            )),
        }
    }
    for media in sandbox.keys() {
        if !spec.contains_key(media) {
            out.push(format!(
                "{where_}: media type {media} is in the sandbox but not in the spec"
            ));
        }
    }
}

/// What the comparison sees of a schema.
#[derive(Clone, Debug, Default, PartialEq)]
struct Shape {
    /// Empty: any type.
    types: BTreeSet<String>,
    nullable: bool,
    read_only: bool,
    properties: BTreeMap<String, Shape>,
    required: BTreeSet<String>,
    items: Option<Box<Shape>>,
    /// The JSON text of each allowed value (without `null`).
    enumeration: Option<BTreeSet<String>>,
}

/// Deep enough for every schema in the specs; stops a recursive schema from looping.
const MAX_DEPTH: usize = 16;

fn shape(document: &Value, schema: &Value, depth: usize) -> Shape {
    let mut out = Shape::default();
    if depth > MAX_DEPTH {
        return out;
    }
    let schema = resolve(document, schema);
    match &schema["type"] {
        Value::String(name) => {
            out.types.insert(name.clone());
        }
        Value::Array(names) => {
            for name in names.iter().filter_map(Value::as_str) {
                out.types.insert(name.to_string());
            }
        }
        _ => {}
    }
    if out.types.remove("null") || schema["nullable"] == json!(true) {
        out.nullable = true;
    }
    out.read_only = schema["readOnly"] == json!(true);
    if let Some(properties) = schema["properties"].as_object() {
        for (name, property) in properties {
            out.properties
                .insert(name.clone(), shape(document, property, depth + 1));
        }
    }
    for name in schema["required"].as_array().into_iter().flatten() {
        out.required.insert(text(name).to_string());
    }
    if !schema["items"].is_null() {
        out.items = Some(Box::new(shape(document, &schema["items"], depth + 1)));
    }
    if let Some(values) = schema["enum"].as_array() {
        out.enumeration = Some(
            values
                .iter()
                .filter(|value| !value.is_null())
                .map(Value::to_string)
                .collect(),
        );
    }
    for keyword in ["allOf", "oneOf", "anyOf"] {
        for branch in schema[keyword].as_array().into_iter().flatten() {
            let branch = resolve(document, branch);
            if branch.as_object().is_some_and(|object| {
                object
                    .keys()
                    .all(|key| key == "required" || key == "description")
            }) {
                // A constraint-only branch (`anyOf: [{required: [dni]}, ...]`): not a field.
                continue;
            }
            if branch["type"] == json!("null") {
                out.nullable = true;
                continue;
            }
            merge(&mut out, shape(document, branch, depth + 1));
        }
    }
    if out.types.is_empty() {
        // "Any type" already admits null.
        out.nullable = false;
    }
    out
}

fn merge(into: &mut Shape, from: Shape) {
    into.types.extend(from.types);
    into.nullable |= from.nullable;
    into.read_only |= from.read_only;
    into.properties.extend(from.properties);
    into.required.extend(from.required);
    if into.items.is_none() {
        into.items = from.items;
    }
    if into.enumeration.is_none() {
        into.enumeration = from.enumeration;
    }
}

fn compare_shapes(where_: &str, spec: &Shape, sandbox: &Shape, out: &mut Vec<String>) {
    if spec.types != sandbox.types {
        out.push(format!(
            "{where_}: type {} in the spec, {} in the sandbox",
            list(&spec.types),
            list(&sandbox.types)
        ));
    }
    if spec.nullable != sandbox.nullable {
        out.push(format!(
            "{where_}: nullable is {} in the spec, {} in the sandbox",
            spec.nullable, sandbox.nullable
        ));
    }
    if spec.read_only != sandbox.read_only {
        out.push(format!(
            "{where_}: readOnly is {} in the spec, {} in the sandbox",
            spec.read_only, sandbox.read_only
        ));
    }
    if spec.required != sandbox.required {
        out.push(format!(
            "{where_}: required fields {} in the spec, {} in the sandbox",
            list(&spec.required),
            list(&sandbox.required)
        ));
    }
    if spec.enumeration != sandbox.enumeration {
        out.push(format!(
            "{where_}: enum {:?} in the spec, {:?} in the sandbox",
            spec.enumeration, sandbox.enumeration
        ));
    }
    for (name, spec_property) in &spec.properties {
        let property = format!("{where_}: property `{name}`");
        match sandbox.properties.get(name) {
            None => out.push(format!("{property} missing in the sandbox")),
            Some(sandbox_property) => {
                compare_shapes(&property, spec_property, sandbox_property, out)
            }
        }
    }
    for name in sandbox.properties.keys() {
        if !spec.properties.contains_key(name) {
            out.push(format!(
                "{where_}: property `{name}` is in the sandbox but not in the spec"
            ));
        }
    }
    match (&spec.items, &sandbox.items) {
        (Some(spec_items), Some(sandbox_items)) => {
            compare_shapes(&format!("{where_} items"), spec_items, sandbox_items, out)
        }
        (None, None) => {}
        (spec_items, _) => out.push(format!(
            "{where_}: array items {} in the spec, {} in the sandbox",
            if spec_items.is_some() {
                "given"
            } else {
                "absent"
            },
            if spec_items.is_some() {
                "absent"
            } else {
                "given"
            }
        )),
    }
}

fn list(names: &BTreeSet<String>) -> String {
    let mut text = String::from("[");
    for (index, name) in names.iter().enumerate() {
        if index > 0 {
            text.push_str(", ");
        }
        let _ = write!(text, "{name}");
    }
    text.push(']');
    text
}

/// Follows local `$ref`s (`#/components/...`).
fn resolve<'a>(document: &'a Value, value: &'a Value) -> &'a Value {
    let mut current = value;
    for _ in 0..MAX_DEPTH {
        let Some(reference) = current["$ref"].as_str() else {
            return current;
        };
        let Some(pointer) = reference.strip_prefix('#') else {
            return &Value::Null;
        };
        current = document.pointer(pointer).unwrap_or(&Value::Null);
    }
    current
}

fn text(value: &Value) -> &str {
    value.as_str().unwrap_or_default()
}
