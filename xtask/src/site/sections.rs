//! The site copy of a document: the authored document with, appended to each operation's
//! description, Markdown sections rendered from the operation's own `x-` extensions:
//!
//! - **Documented outcomes** (`x-outcomes`): what the Rust client returns, and the only responses
//!   that prove each;
//! - **Vendor error codes** (`x-error-codes`): status, code and the vendor's message verbatim;
//! - **What is unknown**: every "Unknown:" note of the operation, its parameters, request body and
//!   responses, in one list;
//! - **Source** (`x-vendor-doc`): the vendor's page and the stored copy's sha256.
//!
//! Every description in the copy goes through [`markdown::authored`], so spec text reaches the
//! renderer as Markdown only. The authored file is never changed.

use serde_json::{Map, Value};

use super::markdown;
use spec_pipeline::document::{Document, resolve_in};

/// The heading of the `x-outcomes` section, as it appears on the page.
pub const OUTCOMES_HEADING: &str = "Documented outcomes";
/// The heading of the `x-error-codes` section.
pub const ERROR_CODES_HEADING: &str = "Vendor error codes";
/// The heading of the list of the operation's "Unknown:" notes.
pub const UNKNOWNS_HEADING: &str = "What is unknown";
/// The heading of the `x-vendor-doc` section.
pub const SOURCE_HEADING: &str = "Source";

/// The document the site renders for `doc`.
pub fn site_document(doc: &Document) -> Value {
    let mut copy = doc.root.clone();
    escape_descriptions(&mut copy, Context::Document);
    for op in doc.operations() {
        let extra = operation_sections(doc, op.path, op.operation);
        let Some(operation) = copy
            .pointer_mut(&op.pointer())
            .and_then(Value::as_object_mut)
        else {
            continue;
        };
        let description = match operation.get("description").and_then(Value::as_str) {
            Some(authored) if !authored.is_empty() => format!("{authored}\n\n{extra}"),
            _ => extra,
        };
        operation.insert("description".to_string(), Value::String(description));
    }
    copy
}

/// The Markdown appended to one operation's description: every string from the spec in it is
/// escaped here ([`markdown::verbatim`], [`markdown::code`] or [`markdown::authored_inline`]).
fn operation_sections(doc: &Document, path: &str, operation: &Value) -> String {
    let mut out = Vec::new();
    if let Some(outcomes) = operation.get("x-outcomes").and_then(Value::as_array) {
        out.push(outcomes_section(outcomes));
    }
    if let Some(codes) = operation.get("x-error-codes").and_then(Value::as_array) {
        out.push(error_codes_section(codes));
    }
    let unknowns = unknown_notes(doc, path, operation);
    if !unknowns.is_empty() {
        let mut text = format!("### {UNKNOWNS_HEADING}\n\n");
        for (note, places) in unknowns {
            let note = markdown::authored_inline(&note);
            text.push_str(&format!("- {}: {note}\n", places.join(", ")));
        }
        out.push(text.trim_end().to_string());
    }
    if let Some(source) = operation.get("x-vendor-doc") {
        out.push(source_section(source));
    }
    out.join("\n\n")
}

fn outcomes_section(outcomes: &[Value]) -> String {
    let mut text = format!(
        "### {OUTCOMES_HEADING}\n\n\
         What the Rust client returns for this call, and the only responses that prove each \
         (`x-outcomes`). Rows are tried in order; a response on a listed status that no row \
         proves is an error, never an outcome.\n\n\
         | Outcome | Status | Body checks | Evidence | Description |\n\
         |---|---|---|---|---|\n"
    );
    for outcome in outcomes {
        let field = |name: &str| outcome.get(name).and_then(Value::as_str).unwrap_or("");
        let status = outcome.get("status").map(scalar_text).unwrap_or_default();
        let mut checks: Vec<String> = outcome
            .get("when")
            .and_then(Value::as_array)
            .map(|checks| checks.iter().map(body_check).collect())
            .unwrap_or_default();
        if checks.is_empty() {
            checks.push("none: the status is the proof".to_string());
        }
        if outcome.get("after-lost-response") == Some(&Value::Bool(true)) {
            checks.push("only after an earlier attempt's response was lost".to_string());
        }
        let evidence = match field("evidence") {
            "vendor-doc" => "vendor-doc (the cited vendor page)".to_string(),
            "third-party" => "third-party (observed by third-party code)".to_string(),
            other => markdown::verbatim(other),
        };
        text.push_str(&format!(
            "| {} | {} | {} | {} | {} |\n",
            markdown::code(field("outcome")),
            markdown::verbatim(&status),
            checks.join("; "),
            evidence,
            markdown::authored_inline(field("description")),
        ));
    }
    text.trim_end().to_string()
}

/// One `when` entry: `{pointer, equals}`, `{pointer, prefix}` or `{pointer, template}`.
fn body_check(check: &Value) -> String {
    let text = |key: &str| check.get(key).and_then(Value::as_str);
    let pointer = markdown::code(text("pointer").unwrap_or(""));
    if let Some(expected) = check.get("equals") {
        format!("{pointer} equals {}", markdown::code(&expected.to_string()))
    } else if let Some(prefix) = text("prefix") {
        format!("{pointer} starts with {}", markdown::code(prefix))
    } else if let Some(template) = text("template") {
        let template = markdown::code(template);
        format!("{pointer} is {template} with a UUID in place of `{{uuid}}` (captured)")
    } else {
        format!("{pointer} (unrecognized check)")
    }
}

fn error_codes_section(codes: &[Value]) -> String {
    let mut text = format!(
        "### {ERROR_CODES_HEADING}\n\n\
         The errors the vendor's page lists for this call (`x-error-codes`), messages verbatim.\n\n\
         | Status | Code | Message |\n\
         |---|---|---|\n"
    );
    for entry in codes {
        let status = entry.get("status").map(scalar_text).unwrap_or_default();
        let code = entry
            .get("code")
            .map(scalar_text)
            .unwrap_or_else(|| "none documented".to_string());
        let message = entry.get("message").and_then(Value::as_str).unwrap_or("");
        let cells = [status.as_str(), &code, message].map(markdown::verbatim);
        text.push_str(&format!("| {} |\n", cells.join(" | ")));
    }
    text.trim_end().to_string()
}

fn source_section(source: &Value) -> String {
    let field = |name: &str| source.get(name).and_then(Value::as_str).unwrap_or("");
    let url = field("url");
    format!(
        "### {SOURCE_HEADING}\n\n\
         Written from the vendor's page {} (`x-vendor-doc`). Stored copy: {} (`spec/` in this \
         repository), sha256 {}.",
        markdown::link(url, url),
        markdown::code(field("file")),
        markdown::code(field("sha256")),
    )
}

fn scalar_text(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}

/// Every "Unknown:" sentence of the operation and of what it references, each with the places
/// it was found as Markdown ("operation", "parameter `id`", "response `404`"), in first-seen
/// order.
pub fn unknown_notes(doc: &Document, path: &str, operation: &Value) -> Vec<(String, Vec<String>)> {
    // Each place, as Markdown, with the object whose description is read there.
    let mut places = vec![("operation".to_string(), operation)];
    for parameter in doc.parameters(path, operation) {
        let name = parameter.get("name").and_then(Value::as_str).unwrap_or("?");
        places.push((format!("parameter {}", markdown::code(name)), parameter));
    }
    if let Some(body) = operation
        .get("requestBody")
        .and_then(|body| resolve_in(&doc.root, body).ok())
    {
        places.push(("request body".to_string(), body));
    }
    if let Some(responses) = operation.get("responses").and_then(Value::as_object) {
        for (status, response) in responses {
            if let Ok(response) = resolve_in(&doc.root, response) {
                places.push((format!("response {}", markdown::code(status)), response));
            }
        }
    }
    let mut notes: Vec<(String, Vec<String>)> = Vec::new();
    for (place, value) in places {
        let text = value.get("description").and_then(Value::as_str);
        for note in unknown_sentences(text.unwrap_or("")) {
            match notes.iter_mut().find(|(seen, _)| *seen == note) {
                Some((_, where_found)) => where_found.push(place.clone()),
                None => notes.push((note, vec![place.clone()])),
            }
        }
    }
    notes
}

/// The sentences of `text` that begin with "Unknown:", each up to its full stop (one outside
/// parentheses and code spans, followed by a space or the end, and not the "e.g." or "i.e."
/// abbreviation) or the end of its paragraph.
fn unknown_sentences(text: &str) -> Vec<String> {
    const MARKER: &str = "Unknown:";
    let mut found = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find(MARKER) {
        let sentence = &rest[start..];
        let end = sentence_end(sentence);
        found.push(
            sentence[..end]
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" "),
        );
        rest = &sentence[end.max(MARKER.len())..];
    }
    found
}

fn sentence_end(text: &str) -> usize {
    let mut depth = 0usize;
    let mut in_code = false;
    let bytes = text.as_bytes();
    for (index, c) in text.char_indices() {
        match c {
            '`' => in_code = !in_code,
            '(' if !in_code => depth += 1,
            ')' if !in_code => depth = depth.saturating_sub(1),
            '\n' if !in_code && bytes.get(index + 1) == Some(&b'\n') => return index,
            '.' if !in_code && depth == 0 => {
                let next = text[index + 1..].chars().next();
                let abbreviation = text[..index].ends_with("e.g") || text[..index].ends_with("i.e");
                if next.is_none_or(char::is_whitespace) && !abbreviation {
                    return index + 1;
                }
            }
            _ => {}
        }
    }
    text.len()
}

/// Where a value sits, for deciding which strings are descriptions to escape.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Context {
    Document,
    /// The map under an `examples` key: its values are Example objects.
    ExamplesMap,
    /// An Example object: its `value` is a payload, not documentation.
    Example,
}

/// Runs [`markdown::authored`] over every `description` string, leaving payloads (`example`,
/// Example `value`, `default`, `enum`) and extensions (`x-…`, rendered by this module's own
/// sections) untouched.
fn escape_descriptions(value: &mut Value, context: Context) {
    match value {
        Value::Object(map) => escape_in_map(map, context),
        Value::Array(items) => {
            for item in items {
                escape_descriptions(item, Context::Document);
            }
        }
        _ => {}
    }
}

fn escape_in_map(map: &mut Map<String, Value>, context: Context) {
    for (key, child) in map.iter_mut() {
        let skip = key.starts_with("x-")
            || matches!(key.as_str(), "example" | "default" | "enum")
            || (context == Context::Example && key == "value");
        if skip {
            continue;
        }
        if key == "description"
            && let Value::String(text) = child
        {
            *text = markdown::authored(text);
            continue;
        }
        let child_context = match context {
            Context::ExamplesMap => Context::Example,
            _ if key == "examples" => Context::ExamplesMap,
            _ => Context::Document,
        };
        escape_descriptions(child, child_context);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(yaml: &str) -> Document {
        Document::parse("spec/example.yaml", yaml).unwrap()
    }

    #[test]
    fn unknown_sentences_end_at_their_full_stop() {
        let text = "Deletes it. Unknown: the body (e.g. a `a.b` value). Known. Unknown: \
                    401 and others\n\nNext paragraph. Unknown: last";
        assert_eq!(
            unknown_sentences(text),
            [
                "Unknown: the body (e.g. a `a.b` value).",
                "Unknown: 401 and others",
                "Unknown: last"
            ]
        );
        assert!(unknown_sentences("nothing unknown here").is_empty());
    }

    #[test]
    fn operations_get_sections_from_their_extensions() {
        let doc = doc(r#"
openapi: 3.0.3
info: {title: t, version: 0.1.0}
paths:
  /things/{id}:
    parameters:
      - {name: id, in: path, required: true, description: "Unknown: the id format.", schema: {type: string}}
    delete:
      operationId: deleteThing
      summary: Delete a thing
      description: "Deletes. Unknown: the <body>."
      x-vendor-doc: {url: "https://docs.example.test/delete", file: sources/delete.txt, sha256: abc123}
      x-error-codes:
        - {status: 404, code: 404, message: "Not found | gone *now*"}
        - {status: 429, message: "Rate limit exceeded"}
      x-outcomes:
        - {outcome: NotFound, status: 404, evidence: vendor-doc, when: [{pointer: /code, equals: 404}], description: "The 404 body."}
        - {outcome: Merged, status: 404, evidence: third-party, after-lost-response: true, when: [{pointer: /message, template: "merged into {uuid}"}], description: "Merged."}
        - {outcome: Deleted, status: 200, evidence: vendor-doc, description: "Gone."}
      responses:
        '200': {description: ok}
        '404': {description: "Unknown: the <body>."}
        '429':
          description: limited
          content:
            application/json:
              examples:
                sample: {description: "a <sample>", value: {description: "<kept>"}}
"#);
        let site = site_document(&doc);
        let description = site
            .pointer("/paths/~1things~1{id}/delete/description")
            .and_then(Value::as_str)
            .unwrap();
        assert_eq!(description, EXPECTED_SECTIONS, "{description}");
        assert_eq!(
            site.pointer("/paths/~1things~1{id}/delete/responses/429/content/application~1json/examples/sample"),
            Some(&serde_json::json!({"description": "a \\<sample>", "value": {"description": "<kept>"}})),
        );
        // The extensions themselves are left as authored.
        assert_eq!(
            site.pointer("/paths/~1things~1{id}/delete/x-error-codes"),
            doc.root
                .pointer("/paths/~1things~1{id}/delete/x-error-codes")
        );
    }

    const EXPECTED_SECTIONS: &str = r#"Deletes. Unknown: the \<body>.

### Documented outcomes

What the Rust client returns for this call, and the only responses that prove each (`x-outcomes`). Rows are tried in order; a response on a listed status that no row proves is an error, never an outcome.

| Outcome | Status | Body checks | Evidence | Description |
|---|---|---|---|---|
| `NotFound` | 404 | `/code` equals `404` | vendor-doc (the cited vendor page) | The 404 body. |
| `Merged` | 404 | `/message` is `merged into {uuid}` with a UUID in place of `{uuid}` (captured); only after an earlier attempt's response was lost | third-party (observed by third-party code) | Merged. |
| `Deleted` | 200 | none: the status is the proof | vendor-doc (the cited vendor page) | Gone. |

### Vendor error codes

The errors the vendor's page lists for this call (`x-error-codes`), messages verbatim.

| Status | Code | Message |
|---|---|---|
| 404 | 404 | Not found \| gone \*now\* |
| 429 | none documented | Rate limit exceeded |

### What is unknown

- operation, response `404`: Unknown: the \<body>.
- parameter `id`: Unknown: the id format.

### Source

Written from the vendor's page [https\:\/\/docs\.example\.test\/delete](https://docs.example.test/delete) (`x-vendor-doc`). Stored copy: `sources/delete.txt` (`spec/` in this repository), sha256 `abc123`."#;
}
