//! Requests checked against the spec's own schemas: the published `spec/dist/<vendor>.dereferenced.json`
//! documents (compiled into the binary) give every operation's parameters and request body, and
//! each schema becomes a JSON Schema validator (`jsonschema`, draft 4, which OpenAPI 3.0's schema
//! object extends). Constraints the generated Rust types do not carry (patterns, enums, minimums,
//! `anyOf`, explicit `null` on a non-nullable field) still get the vendor's 400.
//!
//! OpenAPI 3.0 is not JSON Schema: `nullable: true` becomes `type: [T, "null"]` (with `null` added
//! to an `enum`), and annotations JSON Schema does not know (`example`, `x-…`) are dropped.

use std::collections::BTreeMap;
use std::num::IntErrorKind;
use std::sync::OnceLock;

use jsonschema::{Draft, Validator};
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

/// Each published document, by the slug shared by `spec/<slug>.yaml`, `spec/dist/<slug>.json`
/// and `/openapi/<slug>.json`: `spec/dist/<slug>.json`, served as is (see `openapi`), and
/// `spec/dist/<slug>.dereferenced.json`, which requests are checked against.
pub(crate) const DOCUMENTS: [(&str, &str, &str); 3] = [
    (
        "attestr",
        include_str!("../../../spec/dist/attestr.json"),
        include_str!("../../../spec/dist/attestr.dereferenced.json"),
    ),
    (
        "trust",
        include_str!("../../../spec/dist/trust.json"),
        include_str!("../../../spec/dist/trust.dereferenced.json"),
    ),
    (
        "gainsight-px",
        include_str!("../../../spec/dist/gainsight-px.json"),
        include_str!("../../../spec/dist/gainsight-px.dereferenced.json"),
    ),
];

/// How much of a validation message is kept: the message quotes the offending value, which is
/// the client's input and may be large.
const MESSAGE_LIMIT: usize = 300;

/// Every operation and component schema of the three documents.
pub(crate) struct Specs {
    documents: BTreeMap<String, Value>,
    operations: BTreeMap<String, Operation>,
    /// Per document, its component schemas by name.
    components: BTreeMap<String, BTreeMap<String, Component>>,
}

/// An operation id the specs do not have: a bug of the sandbox, never of a request.
#[derive(Debug, thiserror::Error)]
#[error("operation {0} is not in the specs")]
pub(crate) struct UnknownOperation(String);

/// One operation: its route and how to check its input.
pub(crate) struct Operation {
    pub(crate) id: String,
    /// `GET`, `PUT`…
    pub(crate) method: String,
    /// The path template, as in the document.
    pub(crate) path: String,
    parameters: Vec<Parameter>,
    body: Option<Validator>,
}

struct Parameter {
    name: String,
    required: bool,
    /// `array` parameters take every repetition; others take one value.
    array: bool,
    /// The item type for arrays, the type otherwise.
    scalar: String,
    default: Option<Value>,
    validator: Validator,
}

/// A component schema: its validator and its property names (read once, when the specs are
/// compiled, rather than on every request).
pub(crate) struct Component {
    validator: Validator,
    /// Every property name.
    properties: Vec<String>,
    /// The properties not marked `readOnly`.
    writable: Vec<String>,
}

impl Specs {
    /// The specs, compiled once per process.
    pub(crate) fn get() -> Result<&'static Specs, String> {
        static SPECS: OnceLock<Result<Specs, String>> = OnceLock::new();
        SPECS
            .get_or_init(Specs::compile)
            .as_ref()
            .map_err(Clone::clone)
    }

    fn compile() -> Result<Self, String> {
        let mut documents = BTreeMap::new();
        let mut operations = BTreeMap::new();
        let mut components = BTreeMap::new();
        for (name, _, text) in DOCUMENTS {
            let document: Value = serde_json::from_str(text)
                .map_err(|error| format!("spec/dist/{name}.dereferenced.json: {error}"))?;
            for operation in read_operations(name, &document)? {
                if operations.contains_key(&operation.id) {
                    return Err(format!("operationId {} appears twice", operation.id));
                }
                operations.insert(operation.id.clone(), operation);
            }
            let compiled = document["components"]["schemas"]
                .as_object()
                .into_iter()
                .flatten()
                .map(|(schema_name, schema)| match Component::compile(schema) {
                    Ok(component) => Ok((schema_name.clone(), component)),
                    Err(error) => Err(format!("{name}: schema {schema_name}: {error}")),
                })
                .collect::<Result<_, _>>()?;
            components.insert(name.to_string(), compiled);
            documents.insert(name.to_string(), document);
        }
        Ok(Self {
            documents,
            operations,
            components,
        })
    }

    /// An operation by id. Each handler names its operation with the id it is registered under,
    /// which the start proves is in the specs; a missing one is still an error here, never a
    /// panic.
    pub(crate) fn operation(&self, id: &str) -> Result<&Operation, UnknownOperation> {
        self.operations
            .get(id)
            .ok_or_else(|| UnknownOperation(id.to_string()))
    }

    /// Every operation, by id.
    pub(crate) fn operations(&self) -> impl Iterator<Item = &Operation> {
        self.operations.values()
    }

    /// The value at a JSON pointer of a document (`"trust"`, `"/paths/…"`), for the vendors'
    /// own samples.
    pub(crate) fn pointer(&self, document: &str, pointer: &str) -> Option<&Value> {
        self.documents.get(document)?.pointer(pointer)
    }

    /// A component schema of a document (`"gainsight-px"`, `"User"`).
    pub(crate) fn component(&self, document: &str, name: &str) -> Option<&Component> {
        self.components.get(document)?.get(name)
    }
}

impl Operation {
    /// The query parameters the spec declares, typed and checked against their schemas, with
    /// the spec's defaults filled in. Unknown parameters are ignored; a repeated scalar, a value
    /// of the wrong type or one outside the schema is an error naming the parameter.
    pub(crate) fn query(&self, raw: Option<&str>) -> Result<Map<String, Value>, String> {
        let pairs: Vec<(String, String)> =
            form_urlencoded::parse(raw.unwrap_or_default().as_bytes())
                .map(|(name, value)| (name.into_owned(), value.into_owned()))
                .collect();
        let mut values = Map::new();
        for parameter in &self.parameters {
            let given: Vec<&str> = pairs
                .iter()
                .filter(|(name, _)| *name == parameter.name)
                .map(|(_, value)| value.as_str())
                .collect();
            let name = &parameter.name;
            let value = match (parameter.array, given.as_slice()) {
                (_, []) => match (&parameter.default, parameter.required) {
                    (_, true) => return Err(format!("Query parameter `{name}` is required")),
                    (Some(default), false) => default.clone(),
                    (None, false) => continue,
                },
                (true, many) => Value::Array(
                    many.iter()
                        .map(|text| scalar(name, &parameter.scalar, text))
                        .collect::<Result<_, _>>()?,
                ),
                (_, [one]) => scalar(name, &parameter.scalar, one)?,
                (_, _) => {
                    return Err(format!(
                        "Query parameter `{name}` must be given at most once"
                    ));
                }
            };
            if let Err(error) = parameter.validator.validate(&value) {
                return Err(shorten(format!("Query parameter `{name}`: {error}")));
            }
            values.insert(name.clone(), value);
        }
        Ok(values)
    }

    /// Checks a JSON body against the operation's request schema, then reads it as `T` (the
    /// generated type of that schema).
    pub(crate) fn body<T: DeserializeOwned>(&self, body: Value) -> Result<T, String> {
        if let Some(schema) = &self.body
            && let Err(error) = schema.validate(&body)
        {
            let at = error.instance_path().to_string();
            let at = if at.is_empty() { "/".to_string() } else { at };
            return Err(shorten(format!(
                "The request body does not match the spec at {at}: {}",
                describe(&error)
            )));
        }
        serde_json::from_value(body).map_err(|error| {
            shorten(format!(
                "The request body does not match the spec's types: {error}"
            ))
        })
    }
}

impl Component {
    fn compile(schema: &Value) -> Result<Self, String> {
        let properties = schema["properties"].as_object();
        let names = |keep: fn(&Value) -> bool| -> Vec<String> {
            properties
                .into_iter()
                .flatten()
                .filter(|(_, property)| keep(property))
                .map(|(name, _)| name.clone())
                .collect()
        };
        Ok(Self {
            validator: compile_schema(schema)?,
            properties: names(|_| true),
            writable: names(|property| property["readOnly"] != Value::Bool(true)),
        })
    }

    pub(crate) fn check(&self, value: &Value) -> Result<(), String> {
        self.validator.validate(value).map_err(|error| {
            shorten(format!(
                "does not match the spec at {}: {error}",
                error.instance_path()
            ))
        })
    }

    /// The properties not marked `readOnly`: what a request may set.
    pub(crate) fn writable_properties(&self) -> &[String] {
        &self.writable
    }

    pub(crate) fn properties(&self) -> &[String] {
        &self.properties
    }
}

fn read_operations(document_name: &str, document: &Value) -> Result<Vec<Operation>, String> {
    let mut operations = Vec::new();
    for (path, item) in document["paths"].as_object().into_iter().flatten() {
        for method in ["get", "put", "post", "delete", "patch"] {
            let operation = &item[method];
            if !operation.is_object() {
                continue;
            }
            let id = operation["operationId"]
                .as_str()
                .ok_or_else(|| format!("{document_name}: {method} {path} has no operationId"))?
                .to_string();
            // The path item's parameters and the operation's; path parameters are read by the
            // route (`extract::PathParams`).
            let parameters = [&item["parameters"], &operation["parameters"]]
                .into_iter()
                .filter_map(Value::as_array)
                .flatten()
                .filter(|parameter| parameter["in"] == "query")
                .map(|parameter| read_parameter(parameter).map_err(|e| format!("{id}: {e}")))
                .collect::<Result<_, _>>()?;
            let body = operation
                .get("requestBody")
                .map(|request| {
                    compile_schema(&request["content"]["application/json"]["schema"])
                        .map_err(|error| format!("{id}: request body: {error}"))
                })
                .transpose()?;
            operations.push(Operation {
                id,
                method: method.to_ascii_uppercase(),
                path: path.clone(),
                parameters,
                body,
            });
        }
    }
    Ok(operations)
}

fn read_parameter(parameter: &Value) -> Result<Parameter, String> {
    let name = parameter["name"]
        .as_str()
        .ok_or("a parameter without a name")?
        .to_string();
    let schema = &parameter["schema"];
    let array = schema["type"] == "array";
    let scalar = if array { &schema["items"] } else { schema };
    let scalar = scalar["type"].as_str().unwrap_or("string").to_string();
    Ok(Parameter {
        required: parameter["required"] == Value::Bool(true),
        default: schema.get("default").cloned(),
        validator: compile_schema(schema).map_err(|error| format!("parameter {name}: {error}"))?,
        name,
        array,
        scalar,
    })
}

/// A query value as the JSON its schema type expects. Integers beyond 64 bits are valid per the
/// schemas, so they saturate (a `maximum` still applies); anything else that does not parse is an
/// error.
fn scalar(name: &str, kind: &str, text: &str) -> Result<Value, String> {
    match kind {
        "integer" => parse_saturating_integer(text)
            .map(Value::from)
            .ok_or_else(|| format!("Query parameter `{name}` must be an integer, not {text:?}")),
        "boolean" => match text {
            "true" => Ok(Value::Bool(true)),
            "false" => Ok(Value::Bool(false)),
            _ => Err(format!(
                "Query parameter `{name}` must be true or false, not {text:?}"
            )),
        },
        _ => Ok(Value::String(text.to_string())),
    }
}

fn parse_saturating_integer(text: &str) -> Option<i64> {
    match text.parse::<i64>() {
        Ok(value) => Some(value),
        Err(error) => match error.kind() {
            IntErrorKind::PosOverflow => Some(i64::MAX),
            IntErrorKind::NegOverflow => Some(i64::MIN),
            _ => None,
        },
    }
}

fn compile_schema(schema: &Value) -> Result<Validator, String> {
    let schema = json_schema(schema);
    jsonschema::options()
        .with_draft(Draft::Draft4)
        .build(&schema)
        .map_err(|error| error.to_string())
}

/// An OpenAPI 3.0 schema object as a draft-4 JSON Schema.
pub(crate) fn json_schema(schema: &Value) -> Value {
    let Value::Object(object) = schema else {
        return schema.clone();
    };
    let mut converted = Map::new();
    for (key, value) in object {
        let value = match key.as_str() {
            "example" | "nullable" | "readOnly" | "writeOnly" | "deprecated" => continue,
            key if key.starts_with("x-") => continue,
            "properties" => Value::Object(
                value
                    .as_object()
                    .map(|properties| {
                        properties
                            .iter()
                            .map(|(name, schema)| (name.clone(), json_schema(schema)))
                            .collect()
                    })
                    .unwrap_or_default(),
            ),
            "items" | "additionalProperties" | "not" => json_schema(value),
            "allOf" | "anyOf" | "oneOf" => Value::Array(
                value
                    .as_array()
                    .map(|schemas| schemas.iter().map(json_schema).collect())
                    .unwrap_or_default(),
            ),
            _ => value.clone(),
        };
        converted.insert(key.clone(), value);
    }
    if object.get("nullable") == Some(&Value::Bool(true)) {
        match converted.get("type").cloned() {
            Some(Value::String(kind)) => {
                converted.insert("type".to_string(), serde_json::json!([kind, "null"]));
                if let Some(Value::Array(values)) = converted.get_mut("enum") {
                    values.push(Value::Null);
                }
            }
            _ => {
                return serde_json::json!({"anyOf": [Value::Object(converted), {"type": "null"}]});
            }
        }
    }
    Value::Object(converted)
}

/// A validation error in words; for `anyOf`/`oneOf`, what each branch missed (the generic message
/// only says that none matched).
fn describe(error: &jsonschema::ValidationError<'_>) -> String {
    use jsonschema::error::ValidationErrorKind;
    let branches = match error.kind() {
        ValidationErrorKind::AnyOf { context } => context,
        ValidationErrorKind::OneOfNotValid { context } => context,
        _ => return error.to_string(),
    };
    let reasons: Vec<String> = branches
        .iter()
        .map(|errors| {
            errors
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        })
        .collect();
    format!("it must match one of these: {}", reasons.join(" / "))
}

fn shorten(mut message: String) -> String {
    if message.len() > MESSAGE_LIMIT {
        let mut end = MESSAGE_LIMIT;
        while !message.is_char_boundary(end) {
            end -= 1;
        }
        message.truncate(end);
        message.push('…');
    }
    message
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn every_document_compiles_and_ids_are_unique() {
        let specs = Specs::get().unwrap();
        assert_eq!(specs.operations().count(), 16);
        assert!(specs.component("gainsight-px", "User").is_some());
    }

    #[test]
    fn an_unknown_operation_is_an_error_not_a_panic() {
        let error = Specs::get().unwrap().operation("listUserz").err().unwrap();
        assert_eq!(error.to_string(), "operation listUserz is not in the specs");
    }

    #[test]
    fn property_lists_come_from_the_schema() {
        let user = Specs::get()
            .unwrap()
            .component("gainsight-px", "User")
            .unwrap();
        let properties = user.properties();
        let writable = user.writable_properties();
        for name in ["identifyId", "email", "aptrinsicId", "createDate"] {
            assert!(properties.iter().any(|property| property == name), "{name}");
        }
        assert!(writable.iter().any(|property| property == "email"));
        assert!(!writable.iter().any(|property| property == "aptrinsicId"));
        assert!(writable.len() < properties.len());
    }

    #[test]
    fn nullable_becomes_a_null_type_and_optional_is_not_nullable() {
        let user = Specs::get()
            .unwrap()
            .component("gainsight-px", "User")
            .unwrap();
        let base = json!({"identifyId": "u", "propertyKeys": ["k"]});
        assert!(user.check(&base).is_ok());
        let mut nullable = base.clone();
        nullable["customAttributes"] = Value::Null;
        assert!(user.check(&nullable).is_ok());
        let mut not_nullable = base.clone();
        not_nullable["email"] = Value::Null;
        assert!(user.check(&not_nullable).is_err());
        let mut bad_enum = base;
        bad_enum["type"] = json!("ROBOT");
        assert!(user.check(&bad_enum).is_err());
    }

    #[test]
    fn query_parameters_follow_their_schemas() {
        let list = Specs::get().unwrap().operation("listUsers").unwrap();
        let defaults = list.query(None).unwrap();
        assert_eq!(defaults["pageSize"], 25, "the spec's default");
        let given = list
            .query(Some("pageSize=2&filter=a&filter=b%20c&sort=%2BfirstName"))
            .unwrap();
        assert_eq!(given["filter"], json!(["a", "b c"]));
        assert_eq!(given["sort"], "+firstName");
        for bad in [
            "pageSize=1001",
            "pageSize=0",
            "pageSize=ten",
            "pageSize=1&pageSize=2",
        ] {
            assert!(list.query(Some(bad)).is_err(), "{bad}");
        }
        let delete = Specs::get().unwrap().operation("deleteUser").unwrap();
        assert_eq!(
            delete.query(Some("hardDelete=true")).unwrap()["hardDelete"],
            true
        );
        assert!(delete.query(Some("hardDelete=yes")).is_err());
        assert_eq!(
            parse_saturating_integer("123456789012345678901234567890"),
            Some(i64::MAX)
        );
        for bad in ["", "-", "1.5", "abc", " 1", "0x10"] {
            assert_eq!(parse_saturating_integer(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn long_messages_are_cut() {
        let message = shorten("é".repeat(400));
        assert!(message.len() <= MESSAGE_LIMIT + 3);
        assert!(message.ends_with('…'));
    }
}
