//! A Redocly change as the rules table's matchers read it ([`ChangeView`]): its node type and
//! kind, the pointer's segments, the direction (request or response), the values on each side,
//! and a short name for whatever it touches, from which each matcher words its message.
//!
//! The matchers themselves are in the rows of [`crate::rules::RULES`]; this module only reads.

use serde_json::Value;

use crate::operations::{OperationIndex, pointer_segments};
use crate::redocly::{Kind, RedoclyChange};
use spec_pipeline::document::{Document, METHODS, StatusClass, status_class};

/// The new document, and each side's operation index.
pub struct Sides<'a> {
    pub new: &'a Document,
    pub old_operations: &'a OperationIndex,
    pub new_operations: &'a OperationIndex,
}

/// Whether a change is on the way in (request) or out (response), from Redocly's path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// In a request body or a parameter.
    Request,
    /// In a response.
    Response,
    /// In neither (a path, a server, a component no operation reaches).
    Neither,
}

/// One Redocly change with what the matchers ask of it worked out once.
pub struct ChangeView<'a> {
    pub change: &'a RedoclyChange,
    pub sides: &'a Sides<'a>,
    /// The segments of the node's pointer ([`RedoclyChange::pointer`]).
    pub segments: Vec<String>,
    /// The last of [`Self::segments`]: the node's own key.
    pub last: String,
    pub direction: Direction,
}

impl<'a> ChangeView<'a> {
    pub fn new(change: &'a RedoclyChange, sides: &'a Sides<'a>) -> ChangeView<'a> {
        let segments = pointer_segments(change.pointer());
        let last = segments.last().cloned().unwrap_or_default();
        let direction = direction(&change.path);
        ChangeView {
            change,
            sides,
            segments,
            last,
            direction,
        }
    }

    /// Whether the node is of `type_name` (Redocly's node type) and was added, removed or
    /// modified as `kind` says.
    pub fn is(&self, type_name: &str, kind: Kind) -> bool {
        self.change.type_name == type_name && self.change.kind == kind
    }

    /// Whether the node is a modification of the key `property`.
    pub fn modifies(&self, type_name: &str, property: &str) -> bool {
        self.is(type_name, Kind::Modified) && self.change.property.as_deref() == Some(property)
    }

    /// Whether the node is one property of a schema (`.../properties/<name>`).
    pub fn is_property(&self) -> bool {
        matches!(self.segments.as_slice(), [.., properties, _] if properties == "properties")
    }

    /// The node's value in the old document.
    pub fn old_value(&self) -> Option<&'a Value> {
        self.change.base.as_ref()?.value.as_ref()
    }

    /// The node's value in the new document.
    pub fn new_value(&self) -> Option<&'a Value> {
        self.change.revision.as_ref()?.value.as_ref()
    }

    /// ` (request)`, ` (response)` or nothing, to close a message.
    pub fn in_where(&self) -> &'static str {
        match self.direction {
            Direction::Request => " (request)",
            Direction::Response => " (response)",
            Direction::Neither => "",
        }
    }

    /// Every verdict's message, joined: what Redocly says of a change it objects to.
    pub fn verdict_message(&self) -> String {
        let messages: Vec<&str> = self
            .change
            .verdicts
            .iter()
            .map(|v| v.message.as_str())
            .collect();
        messages.join(" ")
    }

    /// Whether Redocly objects to the change only as `response-removed`, and the response is an
    /// error (`4xx`, `5xx`, `default`).
    pub fn removes_only_an_error_response(&self) -> bool {
        !self.change.verdicts.is_empty()
            && self
                .change
                .verdicts
                .iter()
                .all(|v| v.rule_id == "response-removed")
            && removed_status(self.change).is_some_and(|status| is_error_status(&status))
    }

    /// `"{gained}: 'a', 'b'. {lost}: 'c'."` for the values the node's array gained and lost, each
    /// between `quote`s; a part with no values is left out.
    pub fn gained_and_lost(&self, quote: char, gained: String, lost: String) -> String {
        let (old, new) = (self.old_value(), self.new_value());
        let parts = [(gained, added(old, new)), (lost, added(new, old))];
        let said: Vec<String> = parts
            .into_iter()
            .filter(|(_, values)| !values.is_empty())
            .map(|(lead, values)| {
                let quoted = values
                    .iter()
                    .map(|v| format!("{quote}{}{quote}", scalar_text(v)));
                format!("{lead}: {}.", quoted.collect::<Vec<_>>().join(", "))
            })
            .collect();
        said.join(" ")
    }

    /// Names a schema: `` `ProfileInput` `` (or `` `ProfileInput.address` `` for a nested one) in
    /// a component, otherwise the request body or response it is inline in (Redocly's path).
    pub fn schema(&self, segments: &[String]) -> String {
        match segments {
            [components, schemas, _, ..] if components == "components" && schemas == "schemas" => {
                self.subject(segments)
            }
            _ => self.subject(&pointer_segments(&self.change.path)),
        }
    }

    /// A short name for what the pointer `segments` designates: a component, an operation's
    /// response, request body or parameter, a path.
    pub fn subject(&self, segments: &[String]) -> String {
        match segments {
            [components, schemas, name, rest @ ..]
                if components == "components" && schemas == "schemas" =>
            {
                format!("`{}`", dotted(name, rest))
            }
            [components, section, name, ..] if components == "components" => {
                format!("`{name}` ({})", words(section).to_lowercase())
            }
            [paths, path, method, rest @ ..]
                if paths == "paths" && METHODS.contains(&method.as_str()) =>
            {
                let operation = self
                    .sides
                    .new_operations
                    .label(path, method)
                    .or_else(|| self.sides.old_operations.label(path, method))
                    .map(str::to_string)
                    .unwrap_or_else(|| format!("{} {path}", method.to_uppercase()));
                match rest {
                    [responses, status, ..] if responses == "responses" => {
                        format!("response `{status}` of `{operation}`")
                    }
                    [request_body, ..] if request_body == "requestBody" => {
                        format!("the request body of `{operation}`")
                    }
                    [parameters, index, ..] if parameters == "parameters" => {
                        format!("parameter {index} of `{operation}`")
                    }
                    _ => format!("`{operation}`"),
                }
            }
            [paths, path, ..] if paths == "paths" => format!("path `{path}`"),
            [] => "the document".to_string(),
            other => format!("`{}`", other.join("/")),
        }
    }
}

/// The status of a removed (or renamed-away) response.
fn removed_status(change: &RedoclyChange) -> Option<String> {
    let base = change.base.as_ref()?;
    match change.kind {
        Kind::Modified if change.property.as_deref() == Some("key") => {
            base.value.as_ref().map(scalar_text)
        }
        _ => pointer_segments(&base.pointer).last().cloned(),
    }
}

/// Whether a status is an error's: `4xx`, `5xx` (or their ranges), or `default`.
pub fn is_error_status(status: &str) -> bool {
    matches!(
        status_class(status),
        StatusClass::Error | StatusClass::Default
    )
}

fn direction(path: &str) -> Direction {
    let segments = pointer_segments(path);
    if segments.iter().any(|segment| segment == "responses") {
        Direction::Response
    } else if segments
        .iter()
        .any(|segment| segment == "requestBody" || segment == "parameters")
    {
        Direction::Request
    } else {
        Direction::Neither
    }
}

/// The segments of the schema that holds a property (`.../X/properties/p` → `.../X`).
pub fn holder(segments: &[String]) -> &[String] {
    &segments[..segments.len().saturating_sub(2)]
}

/// The segments of what a modified key belongs to (`.../X/required` → `.../X`). When the key
/// was added or dropped as a whole, Redocly points at its holder already.
pub fn owner<'a>(segments: &'a [String], key: &str) -> &'a [String] {
    match segments {
        [holder @ .., last] if last == key => holder,
        all => all,
    }
}

/// `Name.a.b` for a schema pointer's remaining segments (`properties/a/properties/b`); array items
/// show as `[]`.
fn dotted(name: &str, rest: &[String]) -> String {
    let mut out = name.to_string();
    let mut iter = rest.iter();
    while let Some(segment) = iter.next() {
        match segment.as_str() {
            "properties" => {
                if let Some(property) = iter.next() {
                    out.push('.');
                    out.push_str(property);
                }
            }
            "items" => out.push_str("[]"),
            _ => {}
        }
    }
    out
}

/// `METHOD /path` for an operation pointer.
pub fn operation_name(segments: &[String]) -> String {
    match segments {
        [_, path, method, ..] => format!("{} {path}", method.to_uppercase()),
        _ => segments.join("/"),
    }
}

/// The value holding the key a pointer ends in (`.../parameters/0/required` → the parameter).
pub fn parent_value<'a>(doc: &'a Document, pointer: &str) -> Option<&'a Value> {
    let pointer = pointer.trim_start_matches('#');
    let parent = &pointer[..pointer.rfind('/')?];
    doc.root.pointer(parent)
}

/// A parameter object's name and place, as a message names it (`` `id` path parameter ``).
pub fn parameter(value: Option<&Value>) -> String {
    let (name, place) = (field_text(value, "name"), field_text(value, "in"));
    format!("`{name}` {place} parameter")
}

/// The text of `value`'s field `key`, if it has one.
pub fn text_at(value: Option<&Value>, key: &str) -> Option<String> {
    value?.get(key).map(scalar_text)
}

pub fn field_text(value: Option<&Value>, key: &str) -> String {
    text_at(value, key).unwrap_or_else(|| "?".to_string())
}

/// The values of the array `new` that the array `old` lacks.
fn added<'a>(old: Option<&'a Value>, new: Option<&'a Value>) -> Vec<&'a Value> {
    let old: Vec<&Value> = items(old).collect();
    items(new).filter(|value| !old.contains(value)).collect()
}

/// The items of an array; none for a missing value or any other kind.
pub fn items(value: Option<&Value>) -> impl Iterator<Item = &Value> {
    value.and_then(Value::as_array).into_iter().flatten()
}

pub fn scalar_text(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}

/// Whether a value is short enough to quote in a one-line message.
pub fn is_short(value: &Value) -> bool {
    !value.is_object() && !value.is_array() && scalar_text(value).chars().count() <= 60
}

/// `SecurityScheme` → `security-scheme`.
pub fn kebab(type_name: &str) -> String {
    let mut out = String::new();
    for (index, ch) in type_name.chars().enumerate() {
        if ch.is_uppercase() && index > 0 {
            out.push('-');
        }
        out.extend(ch.to_lowercase());
    }
    out
}

/// `SecurityScheme` → `Security scheme`.
pub fn words(type_name: &str) -> String {
    capitalized(&kebab(type_name).replace('-', " "))
}

/// Names as a comma-separated list of code spans.
pub fn code_list<T: std::fmt::Display>(names: impl IntoIterator<Item = T>) -> String {
    let spans: Vec<String> = names.into_iter().map(|name| format!("`{name}`")).collect();
    spans.join(", ")
}

/// `text` with its first letter in upper case.
pub fn capitalized(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_redocly_type_names() {
        assert_eq!(
            kebab("SecurityRequirementList"),
            "security-requirement-list"
        );
        assert_eq!(words("MediaTypesMap"), "Media types map");
        assert_eq!(
            dotted(
                "Profile",
                &["properties".into(), "items".into(), "items".into()]
            ),
            "Profile.items[]"
        );
    }

    #[test]
    fn error_statuses_include_ranges_and_default() {
        for status in ["400", "4XX", "503", "default"] {
            assert!(is_error_status(status), "{status}");
        }
        for status in ["200", "204", "2XX"] {
            assert!(!is_error_status(status), "{status}");
        }
    }
}
