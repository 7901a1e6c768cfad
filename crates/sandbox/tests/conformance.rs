//! The sandbox's route table (its utoipa documents) against the published specs
//! (`spec/dist/<vendor>.json`): the same operations on the same paths and methods, the same
//! parameters, the same statuses, and the same body schemas. The schemas themselves are the
//! generated crates' types, so they cannot drift; `generator_fidelity.rs` checks those against the
//! spec.

use std::collections::BTreeMap;
use std::path::PathBuf;

use sandbox::openapi::{Api, document};
use serde_json::Value;

/// What an operation looks like from outside: everything compared.
#[derive(Debug, PartialEq, Eq)]
struct Shape {
    operation_id: String,
    /// `(name, in, required)`
    parameters: Vec<(String, String, bool)>,
    /// The request body's schema name.
    request: Option<String>,
    /// Status → the response body's schema name (`None`: no body).
    responses: BTreeMap<String, Option<String>>,
}

fn spec(api: Api) -> Value {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../spec/dist")
        .join(format!("{}.json", api.slug()));
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// Follows a local `$ref` (`#/components/...`) within `document`.
fn resolve<'a>(document: &'a Value, value: &'a Value) -> &'a Value {
    match value.get("$ref").and_then(Value::as_str) {
        Some(reference) => document
            .pointer(reference.trim_start_matches('#'))
            .unwrap_or_else(|| panic!("unresolved {reference}")),
        None => value,
    }
}

/// The schema name a JSON body refers to (`#/components/schemas/User` → `User`).
fn schema_name(content: Option<&Value>) -> Option<String> {
    let reference = content?
        .get("application/json")
        .unwrap_or_else(|| panic!("a body that is not application/json: {content:?}"))
        .pointer("/schema/$ref")?
        .as_str()?;
    Some(reference.rsplit('/').next()?.to_string())
}

/// Every operation of a document, by `METHOD path`.
fn shapes(document: &Value) -> BTreeMap<String, Shape> {
    let mut shapes = BTreeMap::new();
    for (path, item) in document["paths"].as_object().unwrap() {
        for method in ["get", "put", "post", "delete", "patch"] {
            let Some(operation) = item.get(method) else {
                continue;
            };
            let mut parameters: Vec<(String, String, bool)> = item["parameters"]
                .as_array()
                .into_iter()
                .flatten()
                .chain(operation["parameters"].as_array().into_iter().flatten())
                .map(|parameter| {
                    let parameter = resolve(document, parameter);
                    (
                        parameter["name"].as_str().unwrap().to_string(),
                        parameter["in"].as_str().unwrap().to_string(),
                        parameter["required"] == Value::Bool(true),
                    )
                })
                .collect();
            parameters.sort();
            let request = operation
                .get("requestBody")
                .map(|body| resolve(document, body))
                .and_then(|body| schema_name(body.get("content")));
            let responses = operation["responses"]
                .as_object()
                .unwrap()
                .iter()
                .map(|(status, response)| {
                    let response = resolve(document, response);
                    (status.clone(), schema_name(response.get("content")))
                })
                .collect();
            shapes.insert(
                format!("{} {path}", method.to_uppercase()),
                Shape {
                    operation_id: operation["operationId"].as_str().unwrap().to_string(),
                    parameters,
                    request,
                    responses,
                },
            );
        }
    }
    shapes
}

#[test]
fn the_route_table_matches_the_specs() {
    for api in Api::ALL {
        let sandbox = serde_json::to_value(document(api)).unwrap();
        let expected = shapes(&spec(api));
        let actual = shapes(&sandbox);
        let names: Vec<&String> = expected.keys().collect();
        assert_eq!(
            actual.keys().collect::<Vec<_>>(),
            names,
            "{}: routes",
            api.slug()
        );
        for (route, shape) in &expected {
            assert_eq!(&actual[route], shape, "{}: {route}", api.slug());
        }
    }
}
