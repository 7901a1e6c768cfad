//! The changes only this project's extensions carry, which Redocly does not rate:
//!
//! - `x-error-codes` (the vendor's documented errors per operation): a new error is potentially
//!   breaking (a client that handles every documented error has no branch for it), a removed one
//!   is non-breaking, a new message for the same code is non-breaking (clients match on the code).
//!   Gainsight PX documents no codes, so there the message is the error's identity: a changed
//!   message reads as one error removed and one added.
//! - `x-vendor-doc` (the vendor page an operation is written from): always non-breaking; it tells
//!   the reviewer which source moved, next to the source diff in the review report.
//!
//! Operations are matched by `operationId` (or `METHOD /path` when there is none). Operations
//! that exist on one side only are Redocly's to report (added or removed operation).

use std::collections::BTreeMap;

use serde_json::Value;

use super::{Change, RatedBy, Severity};
use crate::document::{Document, escape_pointer};

pub const ERROR_CODE_ADDED: &str = "error-code-added";
pub const ERROR_CODE_REMOVED: &str = "error-code-removed";
pub const ERROR_MESSAGE_CHANGED: &str = "error-message-changed";
pub const VENDOR_DOC_CHANGED: &str = "vendor-doc-changed";

/// An operation found in both documents.
struct Matched<'a> {
    label: String,
    /// The operation's JSON pointer in the new document.
    pointer: String,
    old: &'a Value,
    new: &'a Value,
}

fn matched_operations<'a>(old: &'a Document, new: &'a Document) -> Vec<Matched<'a>> {
    let old_by_label: BTreeMap<String, &Value> = old
        .operations()
        .into_iter()
        .map(|operation| (operation.label(), operation.operation))
        .collect();
    new.operations()
        .into_iter()
        .filter_map(|operation| {
            let label = operation.label();
            old_by_label.get(&label).map(|old_operation| Matched {
                pointer: format!("#{}", operation.pointer()),
                label,
                old: old_operation,
                new: operation.operation,
            })
        })
        .collect()
}

/// One documented error: `{status, code?, message}`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct ErrorCode {
    status: String,
    code: Option<String>,
    message: String,
}

impl ErrorCode {
    fn display(&self) -> String {
        match &self.code {
            Some(code) => format!("{}/{code} \"{}\"", self.status, self.message),
            None => format!("{} \"{}\"", self.status, self.message),
        }
    }
}

fn error_codes(operation: &Value) -> Vec<ErrorCode> {
    let text = |value: Option<&Value>| match value {
        Some(Value::String(text)) => Some(text.clone()),
        Some(Value::Null) | None => None,
        Some(other) => Some(other.to_string()),
    };
    let mut codes: Vec<ErrorCode> = operation
        .get("x-error-codes")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|entry| ErrorCode {
            status: text(entry.get("status")).unwrap_or_default(),
            code: text(entry.get("code")),
            message: text(entry.get("message")).unwrap_or_default(),
        })
        .collect();
    codes.sort();
    codes.dedup();
    codes
}

/// The `x-error-codes` changes of every operation present in both documents.
pub fn error_code_changes(old: &Document, new: &Document) -> Vec<Change> {
    let mut changes = Vec::new();
    for operation in matched_operations(old, new) {
        let before = error_codes(operation.old);
        let after = error_codes(operation.new);
        let mut removed: Vec<&ErrorCode> = before.iter().filter(|e| !after.contains(e)).collect();
        let mut added: Vec<&ErrorCode> = after.iter().filter(|e| !before.contains(e)).collect();
        let location = format!("{}/x-error-codes", operation.pointer);
        let change = |severity, rule: &str, message: String, reason: &str| Change {
            severity,
            operations: vec![operation.label.clone()],
            message,
            rule: rule.to_string(),
            reason: reason.to_string(),
            location: location.clone(),
            rated_by: RatedBy::Xtask,
            redocly_impact: None,
        };
        // A code with one row on each side whose message differs is a reworded message.
        let mut reworded: Vec<(ErrorCode, ErrorCode)> = Vec::new();
        for gone in removed.iter().copied().filter(|gone| gone.code.is_some()) {
            let same_code = |e: &ErrorCode| e.status == gone.status && e.code == gone.code;
            let old_rows = removed.iter().filter(|e| same_code(e)).count();
            let new_rows: Vec<&ErrorCode> =
                added.iter().copied().filter(|e| same_code(e)).collect();
            if let [now] = new_rows.as_slice()
                && old_rows == 1
            {
                reworded.push((gone.clone(), (*now).clone()));
            }
        }
        for (gone, now) in &reworded {
            removed.retain(|e| *e != gone);
            added.retain(|e| *e != now);
            changes.push(change(
                Severity::NonBreaking,
                ERROR_MESSAGE_CHANGED,
                format!(
                    "The message of error {}/{} changed from \"{}\" to \"{}\".",
                    gone.status,
                    gone.code.as_deref().unwrap_or_default(),
                    gone.message,
                    now.message
                ),
                "clients identify the error by its code, which is unchanged",
            ));
        }
        for now in added {
            changes.push(change(
                Severity::PotentiallyBreaking,
                ERROR_CODE_ADDED,
                format!("New documented error {}.", now.display()),
                "a client that handles each documented error has no branch for this one",
            ));
        }
        for gone in removed {
            changes.push(change(
                Severity::NonBreaking,
                ERROR_CODE_REMOVED,
                format!("Error {} is no longer documented.", gone.display()),
                "clients that handle it keep working",
            ));
        }
    }
    changes
}

/// The `x-vendor-doc` changes of every operation present in both documents.
pub fn vendor_doc_changes(old: &Document, new: &Document) -> Vec<Change> {
    let mut changes = Vec::new();
    for operation in matched_operations(old, new) {
        let before = operation.old.get("x-vendor-doc");
        let after = operation.new.get("x-vendor-doc");
        if before == after {
            continue;
        }
        let field = |doc: Option<&Value>, key: &str| {
            doc.and_then(|doc| doc.get(key))
                .map(|value| match value {
                    Value::String(text) => text.clone(),
                    other => other.to_string(),
                })
                .unwrap_or_else(|| "(none)".to_string())
        };
        let short = |hash: String| hash.chars().take(12).collect::<String>();
        let mut parts = Vec::new();
        for key in ["url", "file"] {
            let (was, now) = (field(before, key), field(after, key));
            if was != now {
                parts.push(format!("`{key}` `{was}` → `{now}`"));
            }
        }
        let (was, now) = (field(before, "sha256"), field(after, "sha256"));
        if was != now {
            parts.push(format!("`sha256` {} → {}", short(was), short(now)));
        }
        if parts.is_empty() {
            parts.push("other fields changed".to_string());
        }
        changes.push(Change {
            severity: Severity::NonBreaking,
            operations: vec![operation.label.clone()],
            message: format!(
                "Vendor documentation source `{}`: {}.",
                field(after, "file"),
                parts.join(", ")
            ),
            rule: VENDOR_DOC_CHANGED.to_string(),
            reason: "where the operation is written from; the source diff is in the review report"
                .to_string(),
            location: format!("{}/{}", operation.pointer, escape_pointer("x-vendor-doc")),
            rated_by: RatedBy::Xtask,
            redocly_impact: None,
        });
    }
    changes
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(codes: &str, doc_hash: &str) -> Document {
        Document::parse(
            "t.yaml",
            &format!(
                r#"
openapi: 3.0.3
info: {{title: t, version: 1.0.0}}
paths:
  /p:
    put:
      operationId: updateProfile
      x-vendor-doc: {{url: 'https://docs.test/u', file: sources/u.txt, sha256: '{doc_hash}'}}
      x-error-codes: {codes}
      responses: {{'200': {{description: ok}}}}
"#
            ),
        )
        .unwrap()
    }

    const BASE: &str =
        "[{status: 400, code: 4001, message: Malformed}, {status: 404, message: User not found}]";

    fn rules(changes: &[Change]) -> Vec<(Severity, &str, &str)> {
        changes
            .iter()
            .map(|c| (c.severity, c.rule.as_str(), c.message.as_str()))
            .collect()
    }

    #[test]
    fn a_new_error_code_is_potentially_breaking_and_a_removed_one_is_not() {
        let added = "[{status: 400, code: 4001, message: Malformed}, {status: 400, code: 40018, message: Invalid id}, {status: 404, message: User not found}]";
        let changes = error_code_changes(&doc(BASE, "a"), &doc(added, "a"));
        assert_eq!(
            rules(&changes),
            [(
                Severity::PotentiallyBreaking,
                ERROR_CODE_ADDED,
                "New documented error 400/40018 \"Invalid id\"."
            )]
        );
        let changes = error_code_changes(&doc(added, "a"), &doc(BASE, "a"));
        assert_eq!(
            rules(&changes),
            [(
                Severity::NonBreaking,
                ERROR_CODE_REMOVED,
                "Error 400/40018 \"Invalid id\" is no longer documented."
            )]
        );
        assert_eq!(changes[0].operations, ["updateProfile"]);
        assert_eq!(changes[0].location, "#/paths/~1p/put/x-error-codes");
    }

    #[test]
    fn a_reworded_message_is_non_breaking_when_a_code_identifies_the_error() {
        let reworded = "[{status: 400, code: 4001, message: Malformed data}, {status: 404, message: User missing}]";
        let changes = error_code_changes(&doc(BASE, "a"), &doc(reworded, "a"));
        assert_eq!(
            rules(&changes),
            [
                (
                    Severity::NonBreaking,
                    ERROR_MESSAGE_CHANGED,
                    "The message of error 400/4001 changed from \"Malformed\" to \"Malformed data\"."
                ),
                // Without a code the message is the identity: one error gone, one new.
                (
                    Severity::PotentiallyBreaking,
                    ERROR_CODE_ADDED,
                    "New documented error 404 \"User missing\"."
                ),
                (
                    Severity::NonBreaking,
                    ERROR_CODE_REMOVED,
                    "Error 404 \"User not found\" is no longer documented."
                ),
            ]
        );
    }

    #[test]
    fn a_new_source_hash_is_reported_as_non_breaking() {
        let changes = vendor_doc_changes(&doc(BASE, "aaaa"), &doc(BASE, "bbbb"));
        assert_eq!(
            rules(&changes),
            [(
                Severity::NonBreaking,
                VENDOR_DOC_CHANGED,
                "Vendor documentation source `sources/u.txt`: `sha256` aaaa → bbbb."
            )]
        );
        assert!(vendor_doc_changes(&doc(BASE, "a"), &doc(BASE, "a")).is_empty());
    }
}
