//! Sample payloads: every named example of a JSON request or response body in an authored
//! document, with the schema it belongs to. They become `tests/fixtures/<vendor>/`, where the
//! round-trip test deserializes each into its generated Rust type.

use serde_json::Value;

use crate::document::{Document, StatusClass, status_class};

/// One named example of a body, with the schema and operation it belongs to.
#[derive(Debug, Clone, PartialEq)]
pub struct Sample {
    /// The `components/schemas` name the body `$ref`s: the generated type's name.
    pub schema: String,
    /// The `operationId` of the operation whose body it is.
    pub operation_id: String,
    /// `request`, or the response status (`200`, `404`).
    pub position: String,
    /// The example's key (`example` for a lone `example:`).
    pub name: String,
    /// The example's value, as written: the fixture's content.
    pub value: Value,
}

impl Sample {
    /// Where the sample is written, relative to the vendor's fixtures directory: two path
    /// components, each made of spec text by [`crate::fsguard::component`], so an example key
    /// such as `../../x` stays a file name inside the directory.
    pub fn file_name(&self) -> String {
        let component = crate::fsguard::component;
        format!(
            "{}/{}.{}.{}.json",
            component(&self.schema),
            component(&self.operation_id),
            component(&self.position),
            component(&self.name)
        )
    }
}

/// Every example (`example`, or each of `examples`) of a request or response body whose schema is
/// a `$ref`, in operation order; operations without an `operationId` and 1xx/3xx responses are
/// skipped.
pub fn samples(doc: &Document) -> Vec<Sample> {
    let mut samples = Vec::new();
    for op in doc.operations() {
        let Some(operation_id) = op.operation_id() else {
            continue;
        };
        let request = op
            .operation
            .get("requestBody")
            .map(|body| ("request", body));
        let responses = op.operation.get("responses").and_then(Value::as_object);
        let responses = responses
            .into_iter()
            .flatten()
            .filter(|(status, _)| status_class(status) != StatusClass::Other)
            .map(|(status, response)| (status.as_str(), response));
        for (position, body) in request.into_iter().chain(responses) {
            let Ok(body) = doc.resolve(body) else {
                continue;
            };
            let content = body.get("content").and_then(Value::as_object);
            for media in content.into_iter().flat_map(|content| content.values()) {
                let Some(schema) = media.pointer("/schema/$ref").and_then(Value::as_str) else {
                    continue;
                };
                for (name, value) in doc.examples(media) {
                    samples.push(Sample {
                        schema: schema.rsplit('/').next().unwrap_or(schema).to_string(),
                        operation_id: operation_id.to_string(),
                        position: position.to_string(),
                        name: name.to_string(),
                        value: value.clone(),
                    });
                }
            }
        }
    }
    samples
}
