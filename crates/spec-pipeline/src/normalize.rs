//! Normalization: derives from an authored document the copy that progenitor 0.15 accepts.
//!
//! progenitor panics on more than one success or error shape per operation, uses one base URL per
//! client and sends one request media type. Each rule below rewrites only what progenitor cannot
//! take, and records what it did in the operation's `x-normalized` list, so the normalized-spec
//! snapshot shows every accommodation. The rules are documented in `spec/README.md`.
//! The input must have passed [`crate::checks`].

use std::collections::BTreeSet;

use serde_json::{Map, Value, json};

use crate::document::{Document, StatusClass, is_json, status_class};

/// The media type normalization gives a response whose body is handed over as raw bytes.
pub const RAW_MEDIA_TYPE: &str = "application/octet-stream";

/// One rewrite applied to an operation: an entry of its `x-normalized` list.
fn note(rule: &str, detail: String) -> Value {
    json!({"rule": rule, "detail": detail})
}

/// Returns the normalized copy of `doc`. The authored document is not changed.
pub fn normalize(doc: &Document) -> Result<Value, String> {
    let mut root = doc.root.clone();
    for op in doc.operations() {
        // The copy's path item, which exists: the operation was found under the same key.
        let item = root["paths"][op.path].as_object_mut();
        // Path-level servers go: each operation of the item notes them (`normalize_servers`).
        let inherited_servers = doc.root["paths"][op.path].get("servers").cloned();
        let operation = item.and_then(|item| {
            item.remove("servers");
            item.get_mut(op.method)?.as_object_mut()
        });
        let operation = operation.ok_or_else(|| {
            format!(
                "operation {} {} vanished during normalization",
                op.method, op.path
            )
        })?;
        let mut notes = Vec::new();
        normalize_servers(operation, inherited_servers, &mut notes);
        normalize_request_body(doc, operation, &mut notes)?;
        normalize_responses(doc, operation, &mut notes)?;
        if !notes.is_empty() {
            operation.insert("x-normalized".to_string(), Value::Array(notes));
        }
    }
    Ok(root)
}

fn normalize_servers(
    operation: &mut Map<String, Value>,
    inherited: Option<Value>,
    notes: &mut Vec<Value>,
) {
    let servers = operation.remove("servers").or(inherited);
    if let Some(servers) = servers {
        let urls: Vec<&str> = servers
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|server| server.get("url").and_then(Value::as_str))
            .collect();
        notes.push(note(
            "operation-servers",
            format!(
                "removed the operation's own servers ({}); the hand-written layer calls it with a client built on that URL",
                urls.join(", ")
            ),
        ));
    }
}

fn normalize_request_body(
    doc: &Document,
    operation: &mut Map<String, Value>,
    notes: &mut Vec<Value>,
) -> Result<(), String> {
    let Some(body) = operation.get("requestBody") else {
        return Ok(());
    };
    let body = doc.resolve(body)?;
    let Some(content) = body.get("content").and_then(Value::as_object) else {
        return Ok(());
    };
    if content.len() <= 1 {
        return Ok(());
    }
    let json_type = content
        .keys()
        .find(|media_type| is_json(media_type))
        .ok_or("request body without application/json (should have been refused by the checks)")?;
    let (body, detail) = keep_only(body, content, json_type);
    notes.push(note("request-media-type", detail));
    operation.insert("requestBody".to_string(), body);
    Ok(())
}

/// `owner` (a request body or a response, resolved) with only the `keep` media type of its
/// `content`, and the detail of the note that says so.
fn keep_only(owner: &Value, content: &Map<String, Value>, keep: &str) -> (Value, String) {
    let dropped: Vec<&str> = content
        .keys()
        .map(String::as_str)
        .filter(|t| *t != keep)
        .collect();
    let detail = format!("kept `{keep}`, dropped {}", dropped.join(", "));
    let mut owner = owner.clone();
    owner["content"] = json!({ keep: content[keep] });
    (owner, detail)
}

/// The shape progenitor derives its response type from.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Shape {
    NoBody,
    Json(String),
    Raw,
}

impl Shape {
    fn of(response: &Value) -> Shape {
        let Some(content) = response.get("content").and_then(Value::as_object) else {
            return Shape::NoBody;
        };
        match content.iter().find(|(media_type, _)| is_json(media_type)) {
            Some((_, media)) => Shape::Json(
                media
                    .get("schema")
                    .map(Value::to_string)
                    .unwrap_or_default(),
            ),
            None if content.is_empty() => Shape::NoBody,
            None => Shape::Raw,
        }
    }

    fn describe(&self) -> String {
        match self {
            Shape::NoBody => "no body".to_string(),
            Shape::Raw => "raw body".to_string(),
            Shape::Json(schema) => match serde_json::from_str::<Value>(schema)
                .ok()
                .and_then(|s| s.get("$ref").cloned())
            {
                Some(Value::String(reference)) => format!("JSON {reference}"),
                _ => "inline JSON schema".to_string(),
            },
        }
    }
}

/// A response's `description` (empty without one).
fn description_of(response: &Value) -> String {
    let description = response.get("description").and_then(Value::as_str);
    description.unwrap_or_default().to_string()
}

fn raw_response(description: String) -> Value {
    json!({
        "description": description,
        "content": { RAW_MEDIA_TYPE: { "schema": { "type": "string", "format": "binary" } } }
    })
}

fn normalize_responses(
    doc: &Document,
    operation: &mut Map<String, Value>,
    notes: &mut Vec<Value>,
) -> Result<(), String> {
    let Some(responses) = operation.get("responses").and_then(Value::as_object) else {
        return Ok(());
    };
    let has_success = responses
        .keys()
        .any(|key| status_class(key) == StatusClass::Success);

    let mut kept = Map::new();
    let mut success: Vec<(String, Value)> = Vec::new();
    let mut errors: Vec<(String, String)> = Vec::new();
    for (status, response) in responses {
        let description = description_of(doc.resolve(response)?);
        match status_class(status) {
            StatusClass::Success => success.push((status.clone(), response.clone())),
            StatusClass::Error => errors.push((status.clone(), description)),
            StatusClass::Default if has_success => {
                notes.push(note(
                    "default-response",
                    "folded the `default` response into the 4XX/5XX ranges".to_string(),
                ));
                errors.push(("default".to_string(), description));
            }
            StatusClass::Default | StatusClass::Other => {
                kept.insert(status.clone(), response.clone());
            }
        }
    }

    // One media type per success response.
    for (status, response) in &mut success {
        let resolved = doc.resolve(response)?;
        let Some(content) = resolved.get("content").and_then(Value::as_object) else {
            continue;
        };
        if content.len() <= 1 {
            continue;
        }
        let keep = content
            .keys()
            .find(|media_type| is_json(media_type))
            .or_else(|| content.keys().min())
            .cloned()
            .unwrap_or_default();
        let (inlined, detail) = keep_only(resolved, content, &keep);
        notes.push(note("response-media-type", format!("{status}: {detail}")));
        *response = inlined;
    }

    // One success shape.
    let shapes: Vec<Shape> = success
        .iter()
        .map(|(_, response)| doc.resolve(response).map(Shape::of))
        .collect::<Result<_, _>>()?;
    if shapes.iter().collect::<BTreeSet<_>>().len() > 1 {
        let detail = success
            .iter()
            .zip(&shapes)
            .map(|((status, _), shape)| format!("{status}: {}", shape.describe()))
            .collect::<Vec<_>>()
            .join("; ");
        notes.push(note(
            "raw-success",
            format!("the success responses differ ({detail}); all are handed over as raw bytes"),
        ));
        for (_, response) in &mut success {
            *response = raw_response(description_of(doc.resolve(response)?));
        }
    }
    for (status, response) in success {
        kept.insert(status, response);
    }

    // One error shape: raw bytes for every 4xx and 5xx.
    if has_success || !errors.is_empty() {
        let documented = if errors.is_empty() {
            "none".to_string()
        } else {
            errors
                .iter()
                .map(|(status, _)| status.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        };
        notes.push(note(
            "error-ranges",
            format!("error responses replaced by raw 4XX and 5XX ranges (documented statuses: {documented})"),
        ));
        for range in ["4XX", "5XX"] {
            let class = &range[..1];
            let listed: Vec<String> = errors
                .iter()
                .filter(|(status, _)| status.starts_with(class) || (status == "default"))
                .map(|(status, description)| format!("{status}: {description}"))
                .collect();
            let description = if listed.is_empty() {
                format!("Any {class}xx status, as raw bytes. The vendor documents none.")
            } else {
                format!(
                    "Any {class}xx status, as raw bytes. The vendor documents: {}",
                    listed.join("; ")
                )
            };
            kept.insert(range.to_string(), raw_response(description));
        }
    }
    operation.insert("responses".to_string(), Value::Object(kept));
    Ok(())
}
