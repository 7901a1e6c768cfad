//! Which responses prove an outcome: the spec's `x-outcomes`, as a table `cargo xtask generate`
//! writes into each vendor crate (`OUTCOMES` in `operations.rs`), and the one function that reads
//! it ([`prove`]).
//!
//! An outcome such as "not found" or "merged" is claimed only when the response is the vendor's
//! documented one for it: the status, and every body check of the row. A response on a status the
//! table covers that no row proves is [`Verdict::Unproven`], which the callers turn into an error;
//! there is no fallback to a looser match.
//!
//! Beside it, the errors each operation documents (`x-error-codes`, generated as `ERRORS`): an
//! error body that is one of them is the vendor's answer ([`crate::Error::Api`]) even on a status
//! where an outcome could have been proven ([`documents`]).

use serde_json::Value;

/// One row of `x-outcomes`: `outcome` is proven for `operation` by a response with `status` whose
/// JSON body passes every check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rule {
    /// The generated method's name (`delete_identity`), as in the operation table.
    pub operation: &'static str,
    /// The outcome's name in the spec (`NotFound`, `Merged`, …).
    pub outcome: &'static str,
    /// The HTTP status.
    pub status: u16,
    /// The row applies only when an earlier attempt of the call may have reached the vendor and
    /// its response was lost.
    pub after_lost_response: bool,
    /// Checks on the JSON body, all of which must hold. Empty: the status alone is the proof.
    pub checks: &'static [Check],
    /// Where the row's knowledge comes from.
    pub evidence: Evidence,
}

/// Where an outcome row's knowledge comes from (`evidence` in `x-outcomes`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Evidence {
    /// The vendor's own documentation (the cited page).
    VendorDoc,
    /// Observed by third-party code, not documented by the vendor: the row says what is inferred.
    ThirdParty,
}

/// A check on the JSON body of a response. Its text is `&'static str` in the generated tables;
/// `cargo xtask generate` holds it as `String` while it checks a row against the documented
/// bodies with this same rule ([`Check::capture`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Check<S = &'static str> {
    /// The value at `pointer` (RFC 6901) equals `value`.
    Equals {
        /// Where the value sits in the body.
        pointer: S,
        /// The documented value.
        value: Literal<S>,
    },
    /// The string at `pointer` starts with `prefix` (for a message whose rest varies, such as the
    /// id it names).
    Prefix {
        /// Where the string sits in the body.
        pointer: S,
        /// The documented start of the string, verbatim.
        prefix: S,
    },
    /// The string at `pointer` is `prefix`, then a UUID, then `suffix` (the spec's template
    /// with its `{uuid}` placeholder). The UUID is captured.
    Uuid {
        /// Where the string sits in the body.
        pointer: S,
        /// The text before the placeholder, verbatim.
        prefix: S,
        /// The text after the placeholder, verbatim.
        suffix: S,
    },
}

/// A JSON scalar written into the generated table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Literal<S = &'static str> {
    /// A string.
    Str(S),
    /// An integer.
    Int(i64),
    /// A boolean.
    Bool(bool),
    /// `null`.
    Null,
}

impl<S: AsRef<str>> Literal<S> {
    fn matches(&self, value: &Value) -> bool {
        match self {
            Literal::Str(expected) => value.as_str() == Some(expected.as_ref()),
            Literal::Int(expected) => value == expected,
            Literal::Bool(expected) => value == expected,
            Literal::Null => value.is_null(),
        }
    }
}

impl<S: AsRef<str>> Check<S> {
    /// `Some(the uuid a template captured, if any)` when the check holds on `body`.
    pub fn capture(&self, body: &Value) -> Option<Option<String>> {
        let text = |pointer: &S| body.pointer(pointer.as_ref());
        match self {
            Check::Equals { pointer, value } => value.matches(text(pointer)?).then_some(None),
            Check::Prefix { pointer, prefix } => text(pointer)?
                .as_str()?
                .starts_with(prefix.as_ref())
                .then_some(None),
            Check::Uuid {
                pointer,
                prefix,
                suffix,
            } => {
                let uuid = text(pointer)?.as_str()?;
                let uuid = uuid
                    .strip_prefix(prefix.as_ref())?
                    .strip_suffix(suffix.as_ref())?;
                is_uuid(uuid).then(|| Some(uuid.to_string()))
            }
        }
    }
}

/// An outcome a response proved, with the UUID a template captured.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Proof {
    /// The outcome's name in the spec.
    pub outcome: &'static str,
    /// The UUID captured by a `{uuid}` template, if the row has one.
    pub captured: Option<String>,
    /// Where the matched row's knowledge comes from.
    pub evidence: Evidence,
}

/// What a response proves for an operation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// A row matched.
    Proven(Proof),
    /// Rows cover this status, but none matched: the response proves nothing. `expected` names
    /// the outcomes the status could have proven.
    Unproven {
        /// The outcomes documented for this status, for the error message.
        expected: Vec<&'static str>,
    },
    /// No row covers this status: the response is interpreted the ordinary way.
    NotCovered,
}

/// The response as [`prove`] sees it.
#[derive(Debug, Clone, Copy)]
pub struct Response<'a> {
    /// The HTTP status.
    pub status: u16,
    /// The body, when it arrived whole and is JSON; `None` otherwise (empty, HTML, truncated).
    pub body: Option<&'a Value>,
    /// Whether an earlier attempt of the call may have reached the vendor with its response lost.
    pub lost_response: bool,
}

/// Returns the outcome `response` proves for `operation`. After a lost response the rows marked
/// `after_lost_response` are tried first (their outcome is the more careful claim); otherwise
/// they are skipped. Rows are tried in table order.
pub fn prove(rules: &[Rule], operation: &str, response: Response<'_>) -> Verdict {
    let rows = || {
        rules
            .iter()
            .filter(move |rule| rule.operation == operation && rule.status == response.status)
    };
    let covered = outcomes(rows());
    let lost_first = rows().filter(|rule| rule.after_lost_response && response.lost_response);
    let ordinary = rows().filter(|rule| !rule.after_lost_response);
    for rule in lost_first.chain(ordinary) {
        if let Some(captured) = passes(rule.checks, response.body) {
            return Verdict::Proven(Proof {
                outcome: rule.outcome,
                captured,
                evidence: rule.evidence,
            });
        }
    }
    if covered.is_empty() {
        Verdict::NotCovered
    } else {
        Verdict::Unproven { expected: covered }
    }
}

/// The outcomes of `rows`, once each, in table order.
pub(crate) fn outcomes<'a>(rows: impl Iterator<Item = &'a Rule>) -> Vec<&'static str> {
    let mut outcomes = Vec::new();
    for rule in rows {
        if !outcomes.contains(&rule.outcome) {
            outcomes.push(rule.outcome);
        }
    }
    outcomes
}

/// `Some(captured uuid, if any)` when every check holds on `body`.
fn passes(checks: &[Check], body: Option<&Value>) -> Option<Option<String>> {
    let mut captured = None;
    for check in checks {
        captured = check.capture(body?)?.or(captured);
    }
    Some(captured)
}

/// One row of `x-error-codes`: `operation` documents this error on `status`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DocumentedError {
    /// The generated method's name, as in the operation table.
    pub operation: &'static str,
    /// The HTTP status the row is documented with.
    pub status: u16,
    /// The vendor's own code in the error body, when the vendor documents one.
    pub code: Option<i64>,
    /// The vendor's message, verbatim (a `{placeholder}` stands for text that varies).
    pub message: &'static str,
}

/// Whether `errors` (a crate's `ERRORS`) document, for `operation` and `status`, a row that
/// `is_this_row` recognises in the decoded body. Only rows of that operation and status count:
/// a code documented elsewhere, or on another status, is not this operation's documented error.
pub fn documents(
    errors: &[DocumentedError],
    operation: &str,
    status: u16,
    is_this_row: impl Fn(&DocumentedError) -> bool,
) -> bool {
    errors
        .iter()
        .filter(|row| row.operation == operation && row.status == status)
        .any(is_this_row)
}

/// The 8-4-4-4-12 hexadecimal form, the only one the vendors write.
fn is_uuid(text: &str) -> bool {
    let groups: Vec<&str> = text.split('-').collect();
    groups.len() == 5
        && groups
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(group, len)| group.len() == len && group.bytes().all(|b| b.is_ascii_hexdigit()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const MESSAGE: Check = Check::Equals {
        pointer: "/message",
        value: Literal::Str("Not found in database neither in former documents"),
    };
    const CODE: Check = Check::Equals {
        pointer: "/code",
        value: Literal::Int(404),
    };
    const MERGED: Check = Check::Uuid {
        pointer: "/message",
        prefix: "Not found. Posible merge in document with uuid: ",
        suffix: "",
    };
    const RULES: &[Rule] = &[
        Rule {
            operation: "delete_identity",
            outcome: "NotFound",
            status: 404,
            after_lost_response: false,
            checks: &[CODE, MESSAGE],
            evidence: Evidence::VendorDoc,
        },
        Rule {
            operation: "delete_identity",
            outcome: "DeletedOrAlreadyAbsent",
            status: 404,
            after_lost_response: true,
            checks: &[CODE, MESSAGE],
            evidence: Evidence::VendorDoc,
        },
        Rule {
            operation: "delete_identity",
            outcome: "Merged",
            status: 404,
            after_lost_response: false,
            checks: &[CODE, MERGED],
            evidence: Evidence::VendorDoc,
        },
        Rule {
            operation: "delete_identity",
            outcome: "Deleted",
            status: 200,
            after_lost_response: false,
            checks: &[],
            evidence: Evidence::VendorDoc,
        },
    ];

    fn verdict(status: u16, body: Option<Value>, lost_response: bool) -> Verdict {
        prove(
            RULES,
            "delete_identity",
            Response {
                status,
                body: body.as_ref(),
                lost_response,
            },
        )
    }

    fn proven(outcome: &'static str, captured: Option<&str>) -> Verdict {
        Verdict::Proven(Proof {
            outcome,
            captured: captured.map(str::to_string),
            evidence: Evidence::VendorDoc,
        })
    }

    #[test]
    fn the_documented_bodies_prove_their_outcomes() {
        let not_found = json!({"code": 404, "resource": "Identity", "message": "Not found in database neither in former documents"});
        assert_eq!(
            verdict(404, Some(not_found.clone()), false),
            proven("NotFound", None)
        );
        // After a lost response the same body proves the more careful outcome, whatever the
        // order of the rows.
        assert_eq!(
            verdict(404, Some(not_found), true),
            proven("DeletedOrAlreadyAbsent", None)
        );
        let merged = json!({"code": 404, "message": "Not found. Posible merge in document with uuid: ffffffff-ffff-ffff-ffff-ffffffffffff"});
        assert_eq!(
            verdict(404, Some(merged), false),
            proven("Merged", Some("ffffffff-ffff-ffff-ffff-ffffffffffff"))
        );
        assert_eq!(verdict(200, None, false), proven("Deleted", None));
    }

    #[test]
    fn anything_else_on_a_covered_status_proves_nothing() {
        let unproven = Verdict::Unproven {
            expected: vec!["NotFound", "DeletedOrAlreadyAbsent", "Merged"],
        };
        for body in [
            None,                                                // HTML, empty, truncated
            Some(json!({"detail": "Not Found"})),                // a framework's route 404
            Some(json!({"code": 404, "message": "Not found."})), // another message
            Some(
                json!({"code": "404", "message": "Not found in database neither in former documents"}),
            ),
            Some(
                json!({"code": 404, "message": "Not found. Posible merge in document with uuid: ffffffff-ffff"}),
            ),
            Some(
                json!({"code": 404, "message": "Not found. Posible merge in document with uuid: ffffffff-ffff-ffff-ffff-ffffffffffff trailing"}),
            ),
        ] {
            assert_eq!(verdict(404, body.clone(), false), unproven, "{body:?}");
        }
        assert_eq!(verdict(500, None, false), Verdict::NotCovered);
    }

    #[test]
    fn only_the_operations_own_rows_on_the_responses_status_document_an_error() {
        const ERRORS: &[DocumentedError] = &[
            DocumentedError {
                operation: "archive_profile",
                status: 400,
                code: Some(40018),
                message: "Invalid profile Id or you do not have access to this record",
            },
            DocumentedError {
                operation: "associate_item",
                status: 400,
                code: Some(40039),
                message: "Async request type {type} can not be associated",
            },
        ];
        let by_code = |code: i64| move |row: &DocumentedError| row.code == Some(code);
        assert!(documents(ERRORS, "archive_profile", 400, by_code(40018)));
        // Another status, another operation's row, a code nobody documents.
        assert!(!documents(ERRORS, "archive_profile", 403, by_code(40018)));
        assert!(!documents(ERRORS, "archive_profile", 400, by_code(40039)));
        assert!(!documents(ERRORS, "archive_profile", 400, by_code(40051)));
    }

    #[test]
    fn a_lost_response_row_applies_only_after_a_lost_response() {
        const LOST_FIRST: &[Rule] = &[
            Rule {
                operation: "delete_user",
                outcome: "DeletedOrAlreadyAbsent",
                status: 404,
                after_lost_response: true,
                checks: &[],
                evidence: Evidence::VendorDoc,
            },
            Rule {
                operation: "delete_user",
                outcome: "NotFound",
                status: 404,
                after_lost_response: false,
                checks: &[],
                evidence: Evidence::VendorDoc,
            },
        ];
        let check = |lost_response| {
            prove(
                LOST_FIRST,
                "delete_user",
                Response {
                    status: 404,
                    body: None,
                    lost_response,
                },
            )
        };
        assert_eq!(check(true), proven("DeletedOrAlreadyAbsent", None));
        assert_eq!(check(false), proven("NotFound", None));
    }
}
