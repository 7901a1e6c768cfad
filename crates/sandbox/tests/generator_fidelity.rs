//! Generator fidelity: what the generated types (progenitor/typify, through their
//! `schemars::JsonSchema` derive) still say about each component schema of the specs. Every
//! property, type, required-ness, nullability and constraint of `spec/dist/<vendor>.json` is
//! compared with the schemars schema of the Rust type of the same name. A difference not listed
//! in [`KNOWN_LOSSES`] fails the test, and so does a listed loss that no longer occurs (then the
//! list, and the sandbox's reliance on JSON Schema validation for it, can shrink).
//!
//! What a schema cannot show is not compared here: typify reads and drops the undocumented
//! properties `additionalProperties: true` allows (`tests/payload_roundtrip.rs` locks that).

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use schemars::JsonSchema;
use schemars::generate::SchemaSettings;
use serde_json::{Map, Value};

/// A difference between the spec and the generated type: where, which aspect, the two values.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Difference {
    document: &'static str,
    /// `Schema.property.items…`
    path: String,
    aspect: String,
    spec: Option<String>,
    rust: Option<String>,
}

/// A loss of the generator that is expected, and must keep occurring until fixed.
struct Known {
    rule: &'static str,
    /// Which document (`*`: any).
    document: &'static str,
    /// The path starts with this (empty: any).
    path: &'static str,
    aspect: &'static str,
    /// The spec's value (`None`: any).
    spec: Option<&'static str>,
    /// The generated type's value (`None`: any).
    rust: Option<&'static str>,
    why: &'static str,
}

const KNOWN_LOSSES: &[Known] = &[
    Known {
        rule: "optional-accepts-null",
        document: "*",
        path: "",
        aspect: "nullable",
        spec: Some("false"),
        rust: Some("true"),
        why: "typify makes an optional property Option<T>, which also reads an explicit null; \
              the sandbox refuses null where the spec does not allow it (JSON Schema validation)",
    },
    Known {
        rule: "read-only-dropped",
        document: "*",
        path: "",
        aspect: "readOnly",
        spec: Some("true"),
        rust: None,
        why: "typify does not carry readOnly; the sandbox takes the writable properties from the \
              spec instead",
    },
    Known {
        rule: "integer-is-i64",
        document: "*",
        path: "",
        aspect: "format",
        spec: None,
        rust: Some("int64"),
        why: "an integer without a format becomes i64: values past 64 bits cannot be read (the \
              sandbox answers them 400)",
    },
    Known {
        rule: "pattern-checked-outside-the-schema",
        document: "attestr",
        path: "ProfileInput.mobile",
        aspect: "pattern",
        spec: Some("^\\+[1-9][0-9]{1,14}$"),
        rust: None,
        why: "typify checks the pattern in ProfileInputMobile's Deserialize, which schemars \
              cannot see; the pattern still holds",
    },
    Known {
        rule: "any-of-required-becomes-an-untagged-enum",
        document: "trust",
        path: "IdentityUpdate",
        aspect: "",
        spec: None,
        rust: None,
        why: "`required: [company_uid]` plus `anyOf: [required dni, required email]` becomes an \
              untagged enum of two structs, each without the other field: a body with both keeps \
              only `dni`. The sandbox reads the update from the validated JSON instead",
    },
];

fn schema_of<T: JsonSchema>() -> Value {
    let schema = SchemaSettings::openapi3()
        .into_generator()
        .into_root_schema_for::<T>();
    serde_json::to_value(schema).unwrap()
}

macro_rules! types {
    ($krate:ident: $($name:ident),* $(,)?) => {
        vec![$((stringify!($name), schema_of::<$krate::types::$name>())),*]
    };
}

fn spec(document: &str) -> Value {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../spec/dist")
        .join(format!("{document}.json"));
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// Facts about a schema, flattened to `path.aspect → value`.
struct Facts<'a> {
    /// Schemas a `$ref` may name without being inlined (the spec's component names).
    components: &'a BTreeSet<String>,
    /// Where `$ref`s of this side point.
    definitions: &'a Map<String, Value>,
    out: BTreeMap<(String, String), String>,
}

impl Facts<'_> {
    fn add(&mut self, path: &str, aspect: &str, value: impl Into<String>) {
        self.out
            .insert((path.to_string(), aspect.to_string()), value.into());
    }

    fn walk(&mut self, path: &str, schema: &Value, mut nullable: bool, depth: usize) {
        assert!(depth < 20, "{path}: too deep");
        let mut schema = schema.clone();
        // `Option<T>` of a referenced type: anyOf [T, null].
        if let Some(branches) = schema.get("anyOf").and_then(Value::as_array).cloned()
            && branches.len() == 2
            && branches.iter().any(is_null_schema)
        {
            nullable = true;
            let other = branches.iter().find(|b| !is_null_schema(b)).cloned();
            schema = merge_annotations(&schema, other.unwrap_or(Value::Null));
        }
        // A `$ref` that carries annotations: allOf [T].
        if let Some(branches) = schema.get("allOf").and_then(Value::as_array).cloned()
            && branches.len() == 1
        {
            schema = merge_annotations(&schema, branches[0].clone());
        }
        if schema.get("nullable") == Some(&Value::Bool(true)) {
            nullable = true;
        }
        if let Some(Value::Array(kinds)) = schema.get("type").cloned() {
            nullable |= kinds.iter().any(|kind| kind == "null");
            let kind = kinds.into_iter().find(|kind| kind != "null");
            schema["type"] = kind.unwrap_or(Value::Null);
        }
        if schema.get("readOnly") == Some(&Value::Bool(true)) {
            self.add(path, "readOnly", "true");
        }
        if let Some(reference) = schema.get("$ref").and_then(Value::as_str) {
            let name = reference.rsplit('/').next().unwrap_or_default().to_string();
            self.add(path, "nullable", nullable.to_string());
            if self.components.contains(&name) {
                self.add(path, "ref", name);
            } else {
                let target = self.definitions.get(&name).cloned().unwrap_or(Value::Null);
                // The inlined type's own annotations, under the referring property.
                self.walk_inner(path, &target, depth + 1);
            }
            return;
        }
        self.add(path, "nullable", nullable.to_string());
        self.walk_inner(path, &schema, depth);
    }

    fn walk_inner(&mut self, path: &str, schema: &Value, depth: usize) {
        let kind = schema.get("type").and_then(Value::as_str).unwrap_or(
            if schema.get("anyOf").is_some() {
                "anyOf"
            } else {
                "any"
            },
        );
        self.add(path, "type", kind);
        for aspect in [
            "format",
            "pattern",
            "minimum",
            "maximum",
            "exclusiveMinimum",
            "exclusiveMaximum",
            "minLength",
            "maxLength",
            "minItems",
            "maxItems",
            "uniqueItems",
        ] {
            if let Some(value) = schema.get(aspect) {
                self.add(path, aspect, text(value));
            }
        }
        if let Some(Value::Array(values)) = schema.get("enum") {
            let mut values: Vec<String> = values
                .iter()
                .filter(|value| !value.is_null())
                .map(text)
                .collect();
            values.sort();
            self.add(path, "enum", values.join(","));
        }
        if let Some(Value::Array(branches)) = schema.get("anyOf") {
            self.add(path, "anyOf", text(&Value::Array(branches.clone())));
        }
        if let Some(Value::Array(required)) = schema.get("required") {
            let mut required: Vec<String> = required.iter().map(text).collect();
            required.sort();
            self.add(path, "required", required.join(","));
        }
        if let Some(Value::Object(properties)) = schema.get("properties") {
            for (name, property) in properties {
                self.walk(&format!("{path}.{name}"), property, false, depth + 1);
            }
        }
        if let Some(items) = schema.get("items") {
            self.walk(&format!("{path}[]"), items, false, depth + 1);
        }
        match schema.get("additionalProperties") {
            None | Some(Value::Bool(true)) => {}
            Some(Value::Object(object)) if object.is_empty() => {}
            Some(other) => self.walk(&format!("{path}{{}}"), other, false, depth + 1),
        }
    }
}

fn is_null_schema(schema: &Value) -> bool {
    schema.get("type") == Some(&Value::String("null".to_string()))
        || schema.get("enum") == Some(&Value::Array(vec![Value::Null]))
}

/// `inner`, with the outer schema's annotations (`readOnly`, `nullable`) kept.
fn merge_annotations(outer: &Value, mut inner: Value) -> Value {
    if let Value::Object(object) = &mut inner {
        for aspect in ["readOnly", "nullable"] {
            if let Some(value) = outer.get(aspect) {
                object.entry(aspect).or_insert(value.clone());
            }
        }
    }
    inner
}

fn text(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}

fn facts(
    name: &str,
    schema: &Value,
    components: &BTreeSet<String>,
    definitions: &Map<String, Value>,
) -> BTreeMap<(String, String), String> {
    let mut facts = Facts {
        components,
        definitions,
        out: BTreeMap::new(),
    };
    facts.walk(name, schema, false, 0);
    facts.out
}

fn differences(document: &'static str, types: Vec<(&'static str, Value)>) -> Vec<Difference> {
    let spec = spec(document);
    let spec_schemas = spec["components"]["schemas"].as_object().unwrap().clone();
    let components: BTreeSet<String> = spec_schemas.keys().cloned().collect();
    let covered: BTreeSet<String> = types.iter().map(|(name, _)| name.to_string()).collect();
    assert_eq!(
        covered, components,
        "{document}: list every component schema in this test"
    );
    let mut found = Vec::new();
    for (name, rust) in types {
        let rust_definitions = rust["components"]["schemas"]
            .as_object()
            .cloned()
            .unwrap_or_default();
        let expected = facts(name, &spec_schemas[name], &components, &spec_schemas);
        let actual = facts(name, &rust, &components, &rust_definitions);
        let keys: BTreeSet<&(String, String)> = expected.keys().chain(actual.keys()).collect();
        for key in keys {
            let (spec_value, rust_value) = (expected.get(key), actual.get(key));
            if spec_value != rust_value {
                found.push(Difference {
                    document,
                    path: key.0.clone(),
                    aspect: key.1.clone(),
                    spec: spec_value.cloned(),
                    rust: rust_value.cloned(),
                });
            }
        }
    }
    found
}

fn matches(known: &Known, difference: &Difference) -> bool {
    (known.document == "*" || known.document == difference.document)
        && (difference.path == known.path
            || known.path.is_empty()
            || difference.path.starts_with(&format!("{}.", known.path)))
        && (known.aspect.is_empty() || known.aspect == difference.aspect)
        && known
            .spec
            .is_none_or(|value| difference.spec.as_deref() == Some(value))
        && known
            .rust
            .is_none_or(|value| difference.rust.as_deref() == Some(value))
}

#[test]
fn the_generated_types_carry_every_schema_except_the_known_losses() {
    let mut all = differences(
        "attestr",
        types!(attestr: Error, Profile, ProfileCreated, ProfileInput, ProfileQuery, VerificationItem),
    );
    all.extend(differences(
        "trust",
        types!(trust: AccessToken, AccessTokenRequest, ErrorEnvelope, Identity, IdentityApp,
            IdentityAppUpdate, IdentityListResponse, IdentityPerson, IdentityResponse,
            IdentityUpdate),
    ));
    all.extend(differences(
        "gainsight-px",
        types!(gainsight_px: ApiError, ChannelMetric, Coordinates, DeleteUser, ExternalApiError,
            Location, ResponseEntity, User, UserAgent, UserAgentByProduct, UserUpdate, UsersPage),
    ));
    let mut used = BTreeSet::new();
    let mut unexplained = Vec::new();
    for difference in &all {
        match KNOWN_LOSSES.iter().find(|known| matches(known, difference)) {
            Some(known) => {
                used.insert(known.rule);
            }
            None => unexplained.push(difference),
        }
    }
    assert!(
        unexplained.is_empty(),
        "the generator lost (or changed) these, and no known loss explains them:\n{unexplained:#?}"
    );
    for known in KNOWN_LOSSES {
        assert!(
            used.contains(known.rule),
            "the known loss `{}` no longer occurs: remove it from KNOWN_LOSSES ({})",
            known.rule,
            known.why
        );
    }
}
