//! The changes Redocly does not see: those of this project's extensions (`x-error-codes`, the
//! vendor's documented errors per operation; `x-vendor-doc`, the vendor page an operation is
//! written from; `x-outcomes`), and the operations of a vendor new at this revision.
//!
//! This module finds the changes, as Redocly does for the rest of the document: operations are
//! matched by `operationId` (or `METHOD /path` when there is none; operations on one side only
//! are Redocly's to report), then each extension's rows are paired old to new; every rating and
//! message is a row of the rules table, whose matchers recognize the pairs.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::extension_rows::{ErrorCode, ErrorCodePair, OutcomeRow, RowPair};
use crate::model::{Change, RatedBy};
use crate::rules::{Matcher, RULES};
use crate::view::{Direction, items, scalar_text};
use spec_pipeline::document::Document;

/// Every change the table's rows find in one extension's pair of rows: `words` gives a row's
/// wording of the pair when its matcher is for this extension and recognizes it.
fn rated(
    operation: &str,
    location: &str,
    words: impl Fn(&Matcher) -> Option<String>,
) -> Vec<Change> {
    RULES
        .iter()
        .filter_map(|row| {
            words(&row.matcher).map(|message| Change {
                severity: row.severity,
                operations: vec![operation.to_string()],
                message,
                rule: row.id.to_string(),
                reason: row.reason(Direction::Neither).to_string(),
                location: location.to_string(),
                rated_by: RatedBy::Xtask,
                redocly_impact: None,
            })
        })
        .collect()
}

/// A vendor new at this revision breaks no client: each of its operations is reported as added,
/// and nothing else (a diff against an empty document would list every component and `info`
/// field, and rate the document's `security` as newly required).
pub fn new_vendor_changes(new: &Document) -> Vec<Change> {
    let mut changes: Vec<Change> = new
        .operations()
        .iter()
        .flat_map(|operation| {
            let location = format!("#{}", operation.pointer());
            rated(&operation.label(), &location, |matcher| match matcher {
                Matcher::NewVendor(words) => Some(words(operation)),
                _ => None,
            })
        })
        .collect();
    changes.sort();
    changes
}

/// An operation found in both documents.
struct Matched<'a> {
    label: String,
    /// The operation's JSON pointer in the new document.
    pointer: String,
    old: &'a Value,
    new: &'a Value,
}

impl Matched<'_> {
    /// [`rated`] for a pair of rows of the operation's `extension`.
    fn rated(&self, extension: &str, words: impl Fn(&Matcher) -> Option<String>) -> Vec<Change> {
        rated(&self.label, &format!("{}/{extension}", self.pointer), words)
    }
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

fn error_codes(operation: &Value) -> Vec<ErrorCode> {
    let text = |value: Option<&Value>| value.filter(|value| !value.is_null()).map(scalar_text);
    let mut codes: Vec<ErrorCode> = items(operation.get("x-error-codes"))
        .map(|entry| ErrorCode {
            status: text(entry.get("status")).unwrap_or_default(),
            code: text(entry.get("code")),
            name: text(entry.get("name")),
            message: text(entry.get("message")).unwrap_or_default(),
        })
        .collect();
    codes.sort();
    codes.dedup();
    codes
}

/// Pairs each row of `removed` with the one row of `added` for which `same` holds, where exactly
/// one row on each side does; takes the pairs out of both lists.
fn pair_off(
    removed: &mut Vec<ErrorCode>,
    added: &mut Vec<ErrorCode>,
    same: impl Fn(&ErrorCode, &ErrorCode) -> bool,
) -> Vec<(ErrorCode, ErrorCode)> {
    let mut pairs = Vec::new();
    for gone in removed.clone() {
        let old_rows = removed.iter().filter(|e| same(e, &gone)).count();
        let new_rows: Vec<&ErrorCode> = added.iter().filter(|e| same(e, &gone)).collect();
        if let [now] = new_rows.as_slice()
            && old_rows == 1
        {
            pairs.push((gone.clone(), (*now).clone()));
        }
    }
    for (gone, now) in &pairs {
        removed.retain(|e| e != gone);
        added.retain(|e| e != now);
    }
    pairs
}

/// The `x-error-codes` changes of every operation present in both documents.
///
/// A row's `name` is the error's stable identity (the Rust `ErrorCode` variant): the same name,
/// status and code with another message is a reworded message, non-breaking in the spec and in
/// Rust alike. The same vendor error (status and code, or status and message where there is no
/// code) under another name is a rename, breaking: code that names the variant stops compiling.
pub fn error_code_changes(old: &Document, new: &Document) -> Vec<Change> {
    let mut changes = Vec::new();
    // What names an `ErrorCode` variant anywhere in the new document: a row's name, or its code
    // for a row from before names.
    let still_documented: std::collections::BTreeSet<String> = new
        .operations()
        .iter()
        .flat_map(|operation| error_codes(operation.operation))
        .flat_map(|row| [row.name, row.code.map(|code| format!("code {code}"))])
        .flatten()
        .collect();
    for operation in matched_operations(old, new) {
        let before = error_codes(operation.old);
        let after = error_codes(operation.new);
        let mut removed: Vec<ErrorCode> = before
            .iter()
            .filter(|e| !after.contains(e))
            .cloned()
            .collect();
        let mut added: Vec<ErrorCode> = after
            .iter()
            .filter(|e| !before.contains(e))
            .cloned()
            .collect();
        // A row from before names that got one, nothing else changed: nothing a client sees
        // (the Rust API section rates the variant).
        pair_off(&mut removed, &mut added, |a, b| {
            (a.name.is_none() || b.name.is_none())
                && (&a.status, &a.code, &a.message) == (&b.status, &b.code, &b.message)
        });
        // The same named error, reworded; then the same vendor error, renamed or reworded.
        let mut pairs = pair_off(&mut removed, &mut added, |a, b| {
            a.name.is_some() && a.name == b.name && a.status == b.status && a.code == b.code
        });
        pairs.extend(pair_off(&mut removed, &mut added, |a, b| {
            a.vendor_identity() == b.vendor_identity()
        }));
        let rows = pairs.iter().map(|(gone, now)| (Some(gone), Some(now)));
        let rows = rows.chain(added.iter().map(|now| (None, Some(now))));
        for (old, new) in rows.chain(removed.iter().map(|gone| (Some(gone), None))) {
            let variant = old.and_then(|gone| {
                let code = gone.code.as_ref().map(|code| format!("code {code}"));
                gone.name.clone().or(code)
            });
            let pair = ErrorCodePair {
                rows: RowPair { old, new },
                variant_stays: variant.is_none_or(|variant| still_documented.contains(&variant)),
            };
            changes.extend(operation.rated("x-error-codes", |matcher| match matcher {
                Matcher::ErrorCodes(words) => words(&pair),
                _ => None,
            }));
        }
    }
    changes
}

/// The `x-vendor-doc` changes of every operation present in both documents.
pub fn vendor_doc_changes(old: &Document, new: &Document) -> Vec<Change> {
    let mut changes = Vec::new();
    for operation in matched_operations(old, new) {
        let pair = RowPair {
            old: operation.old.get("x-vendor-doc"),
            new: operation.new.get("x-vendor-doc"),
        };
        changes.extend(operation.rated("x-vendor-doc", |matcher| match matcher {
            Matcher::VendorDoc(words) => words(&pair),
            _ => None,
        }));
    }
    changes
}

fn outcome_rows(operation: &Value) -> Vec<OutcomeRow> {
    items(operation.get("x-outcomes"))
        .map(|row| {
            let text = |key: &str| row.get(key).map_or_else(String::new, scalar_text);
            let mut when: Vec<String> = items(row.get("when")).map(Value::to_string).collect();
            when.sort();
            OutcomeRow {
                key: (
                    text("outcome"),
                    text("status"),
                    row.get("after-lost-response").and_then(Value::as_bool) == Some(true),
                ),
                when,
                evidence: text("evidence"),
                description: text("description"),
            }
        })
        .collect()
}

/// The `x-outcomes` changes of every operation present in both documents.
///
/// An outcome is what the Rust client returns instead of an error, and only on the documented
/// proof. So a row that goes away is breaking (the client stops returning it), a row whose proof
/// grows (a new `when` check, a changed value) is breaking (responses that proved it become
/// errors), a new row or a row whose proof shrinks is potentially breaking (the client claims an
/// outcome on responses it reported as errors; the reviewer checks the evidence), and evidence
/// that moves from the vendor's page to third-party observation is potentially breaking too.
pub fn outcome_changes(old: &Document, new: &Document) -> Vec<Change> {
    let mut changes = Vec::new();
    for operation in matched_operations(old, new) {
        let before = outcome_rows(operation.old);
        let after = outcome_rows(operation.new);
        for pair in paired_outcomes(&before, &after) {
            changes.extend(operation.rated("x-outcomes", |matcher| match matcher {
                Matcher::Outcomes(words) => words(&pair),
                _ => None,
            }));
        }
    }
    changes
}

/// Each row at the base with its row now (if any), then the rows new since. One outcome may
/// have several rows on one status (tried in order, each with its own proof): a row pairs with
/// one row of the same outcome and status, the one with the same proof where there is one, and
/// each row now pairs once.
fn paired_outcomes<'a>(
    before: &'a [OutcomeRow],
    after: &'a [OutcomeRow],
) -> Vec<RowPair<'a, OutcomeRow>> {
    let mut unpaired: Vec<Option<&OutcomeRow>> = after.iter().map(Some).collect();
    let mut pairs: Vec<(&OutcomeRow, Option<&OutcomeRow>)> =
        before.iter().map(|row| (row, None)).collect();
    for same_proof in [true, false] {
        for (was, now) in pairs.iter_mut().filter(|(_, now)| now.is_none()) {
            let slot = unpaired.iter_mut().find(|slot| {
                slot.is_some_and(|row| row.key == was.key && (!same_proof || row.when == was.when))
            });
            *now = slot.and_then(Option::take);
        }
    }
    let pairs = pairs.into_iter().map(|(was, now)| RowPair {
        old: Some(was),
        new: now,
    });
    let new = unpaired.into_iter().flatten().map(|now| RowPair {
        old: None,
        new: Some(now),
    });
    pairs.chain(new).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Severity;

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
    fn a_new_error_code_is_potentially_breaking_and_removing_its_last_row_is_breaking() {
        let added = "[{status: 400, code: 4001, message: Malformed}, {status: 400, code: 40018, message: Invalid id}, {status: 404, message: User not found}]";
        let changes = error_code_changes(&doc(BASE, "a"), &doc(added, "a"));
        assert_eq!(
            rules(&changes),
            [(
                Severity::PotentiallyBreaking,
                "error-code-added",
                "New documented error 400/40018 \"Invalid id\"."
            )]
        );
        let changes = error_code_changes(&doc(added, "a"), &doc(BASE, "a"));
        assert_eq!(
            rules(&changes),
            // No other operation documents 40018: its `ErrorCode` variant goes away.
            [(
                Severity::Breaking,
                "error-name-removed",
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
                    "error-message-changed",
                    "The message of error 400/4001 changed from \"Malformed\" to \"Malformed data\"."
                ),
                // Without a code the message is the identity: one error gone, one new.
                (
                    Severity::PotentiallyBreaking,
                    "error-code-added",
                    "New documented error 404 \"User missing\"."
                ),
                (
                    Severity::NonBreaking,
                    "error-code-removed",
                    "Error 404 \"User not found\" is no longer documented."
                ),
            ]
        );
    }

    const NAMED: &str = "[{status: 400, code: 4001, name: MalformedData, message: Malformed}, {status: 404, name: UserNotFound, message: User not found}]";

    #[test]
    fn a_named_error_keeps_its_identity_when_reworded_and_breaks_when_renamed() {
        let reworded = "[{status: 400, code: 4001, name: MalformedData, message: Malformed data}, {status: 404, name: UserNotFound, message: User missing}]";
        let changes = error_code_changes(&doc(NAMED, "a"), &doc(reworded, "a"));
        assert_eq!(
            rules(&changes),
            [
                (
                    Severity::NonBreaking,
                    "error-message-changed",
                    "The message of error 400/4001 `MalformedData` changed from \"Malformed\" to \"Malformed data\"."
                ),
                // Without a code, the name is what identifies the error.
                (
                    Severity::NonBreaking,
                    "error-message-changed",
                    "The message of error 404 `UserNotFound` changed from \"User not found\" to \"User missing\"."
                ),
            ]
        );
        let renamed = NAMED.replace("name: MalformedData", "name: BadData");
        let changes = error_code_changes(&doc(NAMED, "a"), &doc(&renamed, "a"));
        assert_eq!(
            rules(&changes),
            [(
                Severity::Breaking,
                "error-name-changed",
                "The name of error 400/4001 changed from `MalformedData` to `BadData`."
            )]
        );
        let renamed = NAMED.replace(
            "name: UserNotFound, message: User not found",
            "name: NoSuchUser, message: User not found",
        );
        let changes = error_code_changes(&doc(NAMED, "a"), &doc(&renamed, "a"));
        assert_eq!(rules(&changes)[0].1, "error-name-changed", "{changes:?}");
        // A row from before names gets one: nothing a client sees changed, even where two rows
        // share a status and a code (Trust's two 404/404 errors).
        assert!(error_code_changes(&doc(BASE, "a"), &doc(NAMED, "a")).is_empty());
        let twice = "[{status: 404, code: 404, message: Not found}, {status: 404, code: 404, message: Merged}]";
        let named = "[{status: 404, code: 404, name: NotFound, message: Not found}, {status: 404, code: 404, name: Merged, message: Merged}]";
        assert!(error_code_changes(&doc(twice, "a"), &doc(named, "a")).is_empty());
    }

    #[test]
    fn a_new_source_hash_is_reported_as_non_breaking() {
        let changes = vendor_doc_changes(&doc(BASE, "aaaa"), &doc(BASE, "bbbb"));
        assert_eq!(
            rules(&changes),
            [(
                Severity::NonBreaking,
                "vendor-doc-changed",
                "Vendor documentation source `sources/u.txt`: `sha256` aaaa → bbbb."
            )]
        );
        assert!(vendor_doc_changes(&doc(BASE, "a"), &doc(BASE, "a")).is_empty());
    }

    fn outcomes(rows: &str) -> Document {
        Document::parse(
            "t.yaml",
            &format!(
                "openapi: 3.0.3\ninfo: {{title: t, version: 1.0.0}}\npaths:\n  /p:\n    delete:\n      operationId: deleteIdentity\n      x-outcomes: {rows}\n      responses: {{'200': {{description: ok}}}}\n"
            ),
        )
        .unwrap()
    }

    const OUTCOMES: &str = "[{outcome: Deleted, status: 200, evidence: vendor-doc, description: d}, {outcome: NotFound, status: 404, evidence: vendor-doc, description: d, when: [{pointer: /code, equals: 404}]}]";

    #[test]
    fn a_removed_or_narrowed_outcome_is_breaking_and_a_new_or_wider_one_potentially() {
        let removed = "[{outcome: Deleted, status: 200, evidence: vendor-doc, description: d}]";
        let changes = outcome_changes(&outcomes(OUTCOMES), &outcomes(removed));
        assert_eq!(
            rules(&changes),
            [(
                Severity::Breaking,
                "outcome-removed",
                "Outcome `NotFound` on 404 was removed."
            )]
        );
        assert_eq!(changes[0].operations, ["deleteIdentity"]);
        let changes = outcome_changes(&outcomes(removed), &outcomes(OUTCOMES));
        assert_eq!(changes[0].severity, Severity::PotentiallyBreaking);
        assert_eq!(changes[0].rule, "outcome-added");

        let narrowed = OUTCOMES.replace(
            "[{pointer: /code, equals: 404}]",
            "[{pointer: /code, equals: 404}, {pointer: /message, equals: Not found}]",
        );
        let changes = outcome_changes(&outcomes(OUTCOMES), &outcomes(&narrowed));
        assert_eq!(changes.len(), 1, "{changes:?}");
        assert_eq!(changes[0].severity, Severity::Breaking);
        assert_eq!(changes[0].rule, "outcome-narrowed");
        assert!(
            changes[0].message.contains("/message"),
            "{}",
            changes[0].message
        );
        let changes = outcome_changes(&outcomes(&narrowed), &outcomes(OUTCOMES));
        assert_eq!(rules(&changes)[0].1, "outcome-widened");
        let changed_value = OUTCOMES.replace("equals: 404", "equals: 410");
        let changes = outcome_changes(&outcomes(OUTCOMES), &outcomes(&changed_value));
        assert_eq!(rules(&changes)[0].0, Severity::Breaking);

        let third_party = OUTCOMES.replace(
            "status: 404, evidence: vendor-doc",
            "status: 404, evidence: third-party",
        );
        let changes = outcome_changes(&outcomes(OUTCOMES), &outcomes(&third_party));
        assert_eq!(
            rules(&changes),
            [(
                Severity::PotentiallyBreaking,
                "outcome-evidence-weakened",
                "The evidence of outcome `NotFound` on 404 changed from `vendor-doc` to `third-party`."
            )]
        );
        assert!(outcome_changes(&outcomes(OUTCOMES), &outcomes(OUTCOMES)).is_empty());
    }

    #[test]
    fn a_second_row_of_an_outcome_on_the_same_status_is_a_new_outcome_row() {
        // Rows are tried in order: a second `NotFound` on 404 proves it on more responses.
        let second = OUTCOMES.replace(
            "when: [{pointer: /code, equals: 404}]}]",
            "when: [{pointer: /code, equals: 404}]}, {outcome: NotFound, status: 404, evidence: third-party, description: d, when: [{pointer: /code, equals: 410}]}]",
        );
        let changes = outcome_changes(&outcomes(OUTCOMES), &outcomes(&second));
        assert_eq!(
            rules(&changes),
            [(
                Severity::PotentiallyBreaking,
                "outcome-added",
                "Outcome `NotFound` on 404 was added (third-party evidence)."
            )]
        );
        let changes = outcome_changes(&outcomes(&second), &outcomes(OUTCOMES));
        assert_eq!(
            rules(&changes),
            [(
                Severity::Breaking,
                "outcome-removed",
                "Outcome `NotFound` on 404 was removed."
            )]
        );
    }
}
