//! From one Redocly change to one classified [`Change`]: severity, operations, message, reason.
//!
//! Redocly's `diff-recommended` rules all rate `major`; a change no rule objects to is `minor`
//! (an addition) or `patch`. That maps onto oasdiff's levels as major → breaking and
//! minor/patch → non-breaking, except where a consumer would be misled: those cases are rules of
//! this project that override Redocly. Every rating (severity, who decides, why) is a row of
//! [`super::rules::RULES`]; this module only recognises which row a change falls under and says
//! what changed.

use serde_json::Value;

use super::model::{Change, RatedBy, Severity};
use super::operations::{OperationIndex, pointer_segments};
use super::redocly::{Kind, RedoclyChange};
use super::rules::{
    self, ERROR_RESPONSE_ADDED, ERROR_RESPONSE_REMOVED, REQUEST_PROPERTY_REMOVED, RESPONSE_ADDED,
};
use crate::document::{Document, METHODS, StatusClass, status_class};

/// Both documents, each with its operation index.
pub struct Sides<'a> {
    /// The old version of the document.
    pub old: &'a Document,
    /// The new version.
    pub new: &'a Document,
    /// What each operation of the old version reaches.
    pub old_operations: &'a OperationIndex,
    /// What each operation of the new version reaches.
    pub new_operations: &'a OperationIndex,
}

/// The extensions whose changes [`super::extensions`] rates; Redocly's view of them is dropped.
const OWN_EXTENSIONS: [&str; 3] = ["/x-error-codes", "/x-vendor-doc", "/x-outcomes"];

/// Classifies one change, or `None` when it belongs to [`super::extensions`].
pub fn classify(change: &RedoclyChange, sides: &Sides<'_>) -> Option<Change> {
    let pointers = [
        Some(change.path.as_str()),
        change.base.as_ref().map(|side| side.pointer.as_str()),
        change.revision.as_ref().map(|side| side.pointer.as_str()),
    ];
    if pointers
        .into_iter()
        .flatten()
        .any(|pointer| OWN_EXTENSIONS.iter().any(|own| pointer.contains(own)))
    {
        return None;
    }
    let location = change
        .revision
        .as_ref()
        .or(change.base.as_ref())
        .map(|side| side.pointer.clone())
        .unwrap_or_else(|| change.path.clone());
    let mut operations = std::collections::BTreeSet::new();
    if let Some(base) = &change.base {
        operations.extend(sides.old_operations.reached_by(&base.pointer));
    }
    if let Some(revision) = &change.revision {
        operations.extend(sides.new_operations.reached_by(&revision.pointer));
    }
    // Redocly's path runs through the first operation that uses the change.
    operations.extend(match change.kind {
        Kind::Removed => sides.old_operations.reached_by(&change.path),
        Kind::Added | Kind::Modified => sides.new_operations.reached_by(&change.path),
    });
    let rating = if change.verdicts.is_empty() {
        rate_unobjected(change, sides)
    } else {
        rate_objected(change)
    };
    Some(Change {
        severity: rating.severity,
        operations: operations.into_iter().collect(),
        message: rating.message,
        rule: rating.rule,
        reason: rating.reason,
        location,
        rated_by: rating.rated_by,
        redocly_impact: Some(change.impact.clone()),
    })
}

struct Rating {
    severity: Severity,
    rule: String,
    message: String,
    reason: String,
    rated_by: RatedBy,
}

impl Rating {
    /// The rating the table gives `rule` for a change in `direction`, with its message.
    fn of(rule: &str, message: String, direction: Direction) -> Rating {
        Rating::by_row(rule, rule, message, direction)
    }

    /// The rating of the table's row `row`, shown under the id `shown` (a `*-added` row's change
    /// is shown as `header-added`).
    fn by_row(row: &str, shown: &str, message: String, direction: Direction) -> Rating {
        let row = rules::rule(row);
        Rating {
            severity: row.severity,
            rule: shown.to_string(),
            message,
            reason: row
                .reason(match direction {
                    Direction::Response => Some(true),
                    Direction::Request => Some(false),
                    Direction::Neither => None,
                })
                .to_string(),
            rated_by: row.rated_by,
        }
    }
}

/// A change a `diff-recommended` rule objects to: breaking, unless it only removes an error
/// response ([`ERROR_RESPONSE_REMOVED`]).
fn rate_objected(change: &RedoclyChange) -> Rating {
    let message = change
        .verdicts
        .iter()
        .map(|verdict| verdict.message.as_str())
        .collect::<Vec<_>>()
        .join(" ");
    let only_response_removed = change
        .verdicts
        .iter()
        .all(|verdict| verdict.rule_id == "response-removed");
    if only_response_removed
        && removed_status(change).is_some_and(|status| is_error_status(&status))
    {
        return Rating::of(ERROR_RESPONSE_REMOVED, message, direction(&change.path));
    }
    let mut ids: Vec<&str> = change
        .verdicts
        .iter()
        .map(|verdict| verdict.rule_id.as_str())
        .collect();
    ids.dedup();
    Rating {
        severity: Severity::Breaking,
        rule: ids.join(", "),
        message,
        reason: ids
            .iter()
            .map(|id| rules::rule(id).reason(None))
            .collect::<Vec<_>>()
            .join("; "),
        rated_by: RatedBy::Redocly,
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

fn is_error_status(status: &str) -> bool {
    matches!(
        status_class(status),
        StatusClass::Error | StatusClass::Default
    )
}

/// Whether a change is on the way in (request) or out (response), from Redocly's path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Direction {
    Request,
    Response,
    Neither,
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

/// A change no `diff-recommended` rule objects to: non-breaking, unless it is a new response
/// ([`RESPONSE_ADDED`]) or a property removed from a request ([`REQUEST_PROPERTY_REMOVED`]).
fn rate_unobjected(change: &RedoclyChange, sides: &Sides<'_>) -> Rating {
    let pointer = change
        .revision
        .as_ref()
        .or(change.base.as_ref())
        .map(|side| side.pointer.as_str())
        .unwrap_or(change.path.as_str());
    let segments = pointer_segments(pointer);
    let last = segments.last().cloned().unwrap_or_default();
    let parent_is_properties = segments.len() >= 2 && segments[segments.len() - 2] == "properties";
    let here = direction(&change.path);
    let rated = |rule: &str, message: String| Rating::of(rule, message, here);
    let revision_value = change
        .revision
        .as_ref()
        .and_then(|side| side.value.as_ref());
    let base_value = change.base.as_ref().and_then(|side| side.value.as_ref());
    let in_where = match direction(&change.path) {
        Direction::Request => " (request)",
        Direction::Response => " (response)",
        Direction::Neither => "",
    };

    match (change.type_name.as_str(), change.kind) {
        ("Response", Kind::Added) => {
            let status = last.clone();
            if is_error_status(&status) {
                rated(
                    ERROR_RESPONSE_ADDED,
                    format!("Error response `{status}` was added."),
                )
            } else {
                rated(RESPONSE_ADDED, format!("Response `{status}` was added."))
            }
        }
        ("Schema", Kind::Removed)
            if parent_is_properties && direction(&change.path) == Direction::Request =>
        {
            rated(
                REQUEST_PROPERTY_REMOVED,
                format!(
                    "Property `{last}` was removed from {}.",
                    schema_subject(holder(&segments), &change.path, sides)
                ),
            )
        }
        ("Operation", Kind::Added) => rated(
            "operation-added",
            format!("Operation `{}` was added.", operation_name(&segments)),
        ),
        ("Parameter", Kind::Added) => {
            let name = field_text(revision_value, "name");
            let place = field_text(revision_value, "in");
            rated(
                "parameter-added",
                format!("Optional `{name}` {place} parameter was added."),
            )
        }
        ("Parameter", Kind::Modified) if change.property.as_deref() == Some("required") => {
            let parameter = parent_value(sides.new, pointer);
            rated(
                "parameter-became-optional",
                format!(
                    "`{}` {} parameter became optional.",
                    field_text(parameter, "name"),
                    field_text(parameter, "in")
                ),
            )
        }
        ("Schema", Kind::Added) if parent_is_properties => rated(
            "property-added",
            format!(
                "Property `{last}` was added to {}{in_where}.",
                schema_subject(holder(&segments), &change.path, sides)
            ),
        ),
        ("Schema", Kind::Modified) if change.property.as_deref() == Some("required") => {
            let schema = schema_subject(owner(&segments, "required"), &change.path, sides);
            let now_required = names_added(base_value, revision_value);
            let no_longer = names_added(revision_value, base_value);
            let mut parts = Vec::new();
            if !now_required.is_empty() {
                parts.push(format!(
                    "Properties of {schema} became required: {now_required}."
                ));
            }
            if !no_longer.is_empty() {
                parts.push(format!(
                    "Properties of {schema} are no longer required: {no_longer}."
                ));
            }
            rated("required-changed", parts.join(" "))
        }
        ("Schema", Kind::Modified) if change.property.as_deref() == Some("enum") => {
            let schema = schema_subject(owner(&segments, "enum"), &change.path, sides);
            let gained = values_added(base_value, revision_value);
            let lost = values_added(revision_value, base_value);
            let mut parts = Vec::new();
            if !gained.is_empty() {
                parts.push(format!("Enum of {schema} gained values: {gained}."));
            }
            if !lost.is_empty() {
                parts.push(format!("Enum of {schema} lost values: {lost}."));
            }
            rated("enum-changed", parts.join(" "))
        }
        ("RequestBody", Kind::Modified) if change.property.as_deref() == Some("required") => rated(
            "request-body-became-optional",
            "The request body became optional.".to_string(),
        ),
        ("Server", Kind::Added) => rated(
            "server-added",
            format!("Server `{}` was added.", field_text(revision_value, "url")),
        ),
        ("SecurityRequirementList", Kind::Added)
            if revision_value
                .and_then(Value::as_array)
                .is_some_and(Vec::is_empty) =>
        {
            rated(
                "authentication-no-longer-required",
                "The operation no longer requires authentication (`security: []`).".to_string(),
            )
        }
        (type_name, Kind::Added) => Rating::by_row(
            "*-added",
            &format!("{}-added", kebab(type_name)),
            format!("{} `{last}` was added{in_where}.", words(type_name)),
            here,
        ),
        (type_name, Kind::Removed) => Rating::by_row(
            "*-removed",
            &format!("{}-removed", kebab(type_name)),
            format!("{} `{last}` was removed{in_where}.", words(type_name)),
            here,
        ),
        (type_name, Kind::Modified) => {
            let property = change.property.clone().unwrap_or(last);
            let subject = subject(owner(&segments, &property), sides);
            let values = match (base_value, revision_value) {
                (Some(old), Some(new)) if is_short(old) && is_short(new) => {
                    format!(" from `{}` to `{}`", scalar_text(old), scalar_text(new))
                }
                _ => String::new(),
            };
            Rating::by_row(
                "*-changed",
                &format!("{}-changed", kebab(type_name)),
                format!("`{property}` of {subject} changed{values}."),
                here,
            )
        }
    }
}

/// Names a schema: `` `ProfileInput` `` (or `` `ProfileInput.address` `` for a nested one) in a
/// component, otherwise the request body or response it is inline in.
fn schema_subject(segments: &[String], path: &str, sides: &Sides<'_>) -> String {
    match segments {
        [components, schemas, name, rest @ ..]
            if components == "components" && schemas == "schemas" =>
        {
            format!("`{}`", dotted(name, rest))
        }
        _ => subject(&pointer_segments(path), sides),
    }
}

/// The segments of the schema that holds a property (`.../X/properties/p` → `.../X`).
fn holder(segments: &[String]) -> &[String] {
    &segments[..segments.len().saturating_sub(2)]
}

/// The segments of what a modified key belongs to (`.../X/required` → `.../X`). When the key
/// was added or dropped as a whole, Redocly points at its holder already.
fn owner<'a>(segments: &'a [String], key: &str) -> &'a [String] {
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

/// A short human name for what a pointer designates.
fn subject(segments: &[String], sides: &Sides<'_>) -> String {
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
            let operation = sides
                .new_operations
                .label(path, method)
                .or_else(|| sides.old_operations.label(path, method))
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

/// `METHOD /path` for an operation pointer.
fn operation_name(segments: &[String]) -> String {
    match segments {
        [_, path, method, ..] => format!("{} {path}", method.to_uppercase()),
        _ => segments.join("/"),
    }
}

/// The value holding the key a pointer ends in (`.../parameters/0/required` → the parameter).
fn parent_value<'a>(doc: &'a Document, pointer: &str) -> Option<&'a Value> {
    let pointer = pointer.trim_start_matches('#');
    let parent = &pointer[..pointer.rfind('/')?];
    doc.root.pointer(parent)
}

fn field_text(value: Option<&Value>, key: &str) -> String {
    value
        .and_then(|value| value.get(key))
        .map(scalar_text)
        .unwrap_or_else(|| "?".to_string())
}

/// The strings in `new` that are not in `old` (two arrays), as `` `a`, `b` ``.
fn names_added(old: Option<&Value>, new: Option<&Value>) -> String {
    added(old, new)
        .iter()
        .map(|value| format!("`{}`", scalar_text(value)))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The values in `new` that are not in `old` (two arrays), as `'a', 'b'`.
fn values_added(old: Option<&Value>, new: Option<&Value>) -> String {
    added(old, new)
        .iter()
        .map(|value| format!("'{}'", scalar_text(value)))
        .collect::<Vec<_>>()
        .join(", ")
}

fn added<'a>(old: Option<&'a Value>, new: Option<&'a Value>) -> Vec<&'a Value> {
    let old: &[Value] = old
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or(&[]);
    new.and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter(|value| !old.contains(value))
        .collect()
}

fn scalar_text(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}

/// Whether a value is short enough to quote in a one-line message.
fn is_short(value: &Value) -> bool {
    !value.is_object() && !value.is_array() && scalar_text(value).chars().count() <= 60
}

/// `SecurityScheme` → `security-scheme`.
fn kebab(type_name: &str) -> String {
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
fn words(type_name: &str) -> String {
    let kebab = kebab(type_name).replace('-', " ");
    let mut chars = kebab.chars();
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
