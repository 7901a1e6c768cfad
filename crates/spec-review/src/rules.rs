//! Every rule `cargo xtask diff` rates a change by, in one table (oasdiff's `GetAllRules()`
//! approach): the rule id, the severity, who decides (Redocly's rating kept, overridden by this
//! project, or a rule for what Redocly cannot see), what Redocly says, why, and the matcher that
//! recognizes the changes the rule rates.
//!
//! [`crate::classify`] is a loop over this table, [`crate::extensions`] asks its rows' matchers, and
//! the rules table in `docs/diff-rules.md` is generated from it by `cargo xtask generate` (between
//! [`TABLE_START`] and [`TABLE_END`]), so the table a reader sees is the one the code applies.

use serde_json::Value;

use spec_pipeline::document::OperationRef;
use spec_pipeline::fsguard;

use crate::extension_rows::{ErrorCode, ErrorCodePair, OutcomeRow, RowPair};
use crate::model::{RatedBy, Severity};
use crate::redocly::Kind;
use crate::view::{
    ChangeView, Direction, code_list, field_text, holder, is_error_status, is_short,
    operation_name, owner, parameter, parent_value, scalar_text, text_at, words,
};

/// Why a rule rates a change as it does; some reasons differ by direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reason {
    /// The same reason wherever the change is.
    Always(&'static str),
    /// The change is in a request (or a parameter), or in a response.
    ByDirection {
        /// For a change in a request or a parameter, or in neither.
        request: &'static str,
        /// For a change in a response.
        response: &'static str,
    },
}

/// A matcher's answer for a change it words itself: the change's message.
pub type Words = fn(&ChangeView<'_>) -> Option<String>;

/// What recognizes the changes a rule rates.
#[derive(Debug, Clone, Copy)]
pub enum Matcher {
    /// A change Redocly objects to under this rule's id (the `*` row: under any id).
    Verdict,
    /// A change Redocly objects to that this function recognizes (and words).
    Objected(Words),
    /// A change no Redocly rule objects to that this function recognizes (and words).
    Unobjected(Words),
    /// A pair of `x-error-codes` rows ([`crate::extensions`] pairs them) that this function
    /// recognizes (and words).
    ErrorCodes(fn(&ErrorCodePair<'_>) -> Option<String>),
    /// A pair of `x-outcomes` rows that this function recognizes (and words); several rows may
    /// rate one pair (a narrowed outcome whose evidence changed too).
    Outcomes(fn(&RowPair<'_, OutcomeRow>) -> Option<String>),
    /// An operation's `x-vendor-doc` at the base and now, which this function recognizes (and
    /// words).
    VendorDoc(fn(&RowPair<'_, Value>) -> Option<String>),
    /// An operation of a vendor whose spec does not exist at the base revision, which this
    /// function words.
    NewVendor(fn(&OperationRef<'_>) -> String),
}

/// What a matcher found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Found {
    /// Redocly's verdicts, by rule id (each once, in Redocly's order): the change is rated by
    /// them together and worded by Redocly.
    Verdicts(Vec<String>),
    /// The change, in words.
    Message(String),
}

/// One rule.
#[derive(Debug, Clone, Copy)]
pub struct Rule {
    /// The id shown beside every change it rates. An id starting with `*` matches any id with
    /// that suffix (`*-added`: any other addition, named after Redocly's node type).
    pub id: &'static str,
    /// The severity of every change the rule rates.
    pub severity: Severity,
    /// Whether Redocly's rating is kept or overridden, or the rule rates what Redocly cannot see.
    pub rated_by: RatedBy,
    /// Redocly's own rating of the same change, in words.
    pub redocly: &'static str,
    /// Why the change has this severity, for the consumer.
    pub reason: Reason,
    /// What recognizes the changes it rates.
    pub matcher: Matcher,
}

impl Rule {
    /// What the row's matcher finds in `view`, or `None` when the change is not this rule's.
    pub fn recognize(&self, view: &ChangeView<'_>) -> Option<Found> {
        let verdicts = &view.change.verdicts;
        match self.matcher {
            Matcher::Verdict => {
                let mut ids: Vec<String> = verdicts.iter().map(|v| v.rule_id.clone()).collect();
                ids.dedup();
                let named = self.id == OTHER_REDOCLY_RULE || ids.iter().any(|id| id == self.id);
                (!ids.is_empty() && named).then_some(Found::Verdicts(ids))
            }
            Matcher::Objected(words) if !verdicts.is_empty() => words(view).map(Found::Message),
            Matcher::Unobjected(words) if verdicts.is_empty() => words(view).map(Found::Message),
            _ => None,
        }
    }

    /// The reason for a change in `direction`.
    pub fn reason(&self, direction: Direction) -> &'static str {
        match self.reason {
            Reason::Always(reason) => reason,
            Reason::ByDirection { response, .. } if direction == Direction::Response => response,
            Reason::ByDirection { request, .. } => request,
        }
    }
}

const fn redocly_major(id: &'static str, reason: &'static str) -> Rule {
    Rule {
        id,
        severity: Severity::Breaking,
        rated_by: RatedBy::Redocly,
        redocly: "major",
        reason: Reason::Always(reason),
        matcher: Matcher::Verdict,
    }
}

const fn redocly_minor(id: &'static str, reason: &'static str, words: Words) -> Rule {
    Rule {
        id,
        severity: Severity::NonBreaking,
        rated_by: RatedBy::Redocly,
        redocly: "minor or patch",
        reason: Reason::Always(reason),
        matcher: Matcher::Unobjected(words),
    }
}

/// A rule of this project over a change Redocly sees, rated `severity` where Redocly says
/// `redocly`.
const fn overriding(
    id: &'static str,
    severity: Severity,
    redocly: &'static str,
    reason: Reason,
    matcher: Matcher,
) -> Rule {
    Rule {
        id,
        severity,
        rated_by: RatedBy::Override,
        redocly,
        reason,
        matcher,
    }
}

const fn xtask(
    id: &'static str,
    severity: Severity,
    reason: &'static str,
    matcher: Matcher,
) -> Rule {
    Rule {
        id,
        severity,
        rated_by: RatedBy::Xtask,
        redocly: "does not see it",
        reason: Reason::Always(reason),
        matcher,
    }
}

/// The keywords of a schema that only document it: the generated Rust type does not depend on
/// them (a change of any other is `rust-type-changed`).
const SCHEMA_DOCUMENTATION: [&str; 6] = [
    "description",
    "title",
    "example",
    "examples",
    "externalDocs",
    "deprecated",
];

/// The row for a `diff-recommended` rule this table does not list.
pub const OTHER_REDOCLY_RULE: &str = "*";

/// The table.
pub const RULES: &[Rule] = &[
    // Redocly's `diff-recommended` rules: a major change, kept as breaking.
    redocly_major(
        "enum-values-added",
        "clients decode the value into a closed set (a Rust or Python enum) and fail on the new one",
    ),
    redocly_major(
        "enum-values-removed",
        "requests that send a removed value are rejected",
    ),
    redocly_major(
        "media-type-removed",
        "clients that send or expect this media type no longer match the API",
    ),
    redocly_major(
        "operation-id-changed",
        "the operationId names the generated method in every client; calls to the old name stop compiling",
    ),
    redocly_major("operation-removed", "calls to the operation fail"),
    redocly_major("path-removed", "calls to every operation of the path fail"),
    redocly_major(
        "parameter-became-required",
        "existing calls do not send the parameter and are rejected",
    ),
    redocly_major(
        "parameter-removed",
        "calls that pass it stop compiling against regenerated clients, and the API may reject it",
    ),
    redocly_major(
        "parameter-serialization-changed",
        "existing calls encode the parameter the old way",
    ),
    redocly_major(
        "property-removed",
        "clients that read the property no longer get it",
    ),
    redocly_major(
        "request-body-became-required",
        "existing calls without a body are rejected",
    ),
    redocly_major(
        "request-body-removed",
        "clients that send a body no longer match the API",
    ),
    redocly_major(
        "required-properties-added",
        "existing requests leave the property out and are rejected",
    ),
    redocly_major(
        "required-properties-removed",
        "clients that rely on the property being present (a non-optional field) fail on responses without it",
    ),
    redocly_major(
        "response-header-removed",
        "clients that read the header no longer get it",
    ),
    redocly_major(
        "response-removed",
        "clients that expect this success response no longer get it",
    ),
    redocly_major(
        "schema-combinator-changed",
        "the shapes a client may send or receive changed",
    ),
    redocly_major(
        "schema-constraint-changed",
        "values that were valid are rejected, or responses carry values clients did not expect",
    ),
    redocly_major("schema-type-changed", "clients send or decode the old type"),
    redocly_major(
        "security-requirement-changed",
        "existing calls do not send the credentials now required and are rejected",
    ),
    redocly_major(
        "security-scheme-changed",
        "existing clients send their credentials the old way",
    ),
    redocly_major(
        "server-removed",
        "clients configured with the old base URL fail",
    ),
    redocly_major(
        OTHER_REDOCLY_RULE,
        "another `diff-recommended` rule requires a major version for it",
    ),
    // Where Redocly's rating would mislead a consumer, this project decides.
    overriding(
        "error-response-removed",
        Severity::NonBreaking,
        "major (`response-removed`)",
        Reason::Always(
            "the vendor no longer documents this error; clients that handle it keep working (oasdiff: INFO; same as a removed `x-error-codes` row)",
        ),
        Matcher::Objected(|c| {
            c.removes_only_an_error_response()
                .then(|| c.verdict_message())
        }),
    ),
    overriding(
        "response-added",
        Severity::PotentiallyBreaking,
        "minor",
        Reason::Always(
            "clients generated from the old document do not expect the status: progenitor returns `UnexpectedResponse`, openapi-python-client returns no parsed body, and a second success shape changes the Rust return type (`raw-success`)",
        ),
        Matcher::Unobjected(|c| {
            (c.is("Response", Kind::Added) && !is_error_status(&c.last))
                .then(|| format!("Response `{}` was added.", c.last))
        }),
    ),
    overriding(
        "error-response-added",
        Severity::PotentiallyBreaking,
        "minor",
        Reason::Always("a client that handles each documented error has no branch for this one"),
        Matcher::Unobjected(|c| {
            (c.is("Response", Kind::Added) && is_error_status(&c.last))
                .then(|| format!("Error response `{}` was added.", c.last))
        }),
    ),
    overriding(
        "request-property-removed",
        Severity::PotentiallyBreaking,
        "patch (it objects only with `additionalProperties: false`)",
        Reason::Always(
            "code that sets it stops compiling against regenerated clients, and the API may ignore or reject it (oasdiff: WARN)",
        ),
        Matcher::Unobjected(|c| {
            let removed = c.is("Schema", Kind::Removed) && c.is_property();
            (removed && c.direction == Direction::Request).then(|| {
                let schema = c.schema(holder(&c.segments));
                format!("Property `{}` was removed from {schema}.", c.last)
            })
        }),
    ),
    // Harmless on the wire, but the generated Rust code changes in a way that stops existing
    // code compiling: rated so that the spec rating never contradicts the Rust API rating.
    overriding(
        "property-added",
        Severity::PotentiallyBreaking,
        "minor",
        Reason::ByDirection {
            request: "existing requests stay valid, but the generated Rust struct gains a field: code that builds it with a struct literal stops compiling",
            response: "decoders built from the old document ignore it, but the generated Rust struct gains a field: code that builds it with a struct literal (a test double) stops compiling",
        },
        Matcher::Unobjected(|c| {
            (c.is("Schema", Kind::Added) && c.is_property()).then(|| {
                let schema = c.schema(holder(&c.segments));
                format!(
                    "Property `{}` was added to {schema}{}.",
                    c.last,
                    c.in_where()
                )
            })
        }),
    ),
    overriding(
        "required-changed",
        Severity::PotentiallyBreaking,
        "patch",
        Reason::ByDirection {
            request: "requests that send the properties stay valid, but their generated Rust fields change between `T` and `Option<T>`: code that sets or reads them stops compiling",
            response: "the API now promises more; clients that treat the properties as optional keep working, but the generated Rust fields change between `Option<T>` and `T`: code that reads them stops compiling",
        },
        Matcher::Unobjected(|c| {
            c.modifies("Schema", "required").then(|| {
                let schema = c.schema(owner(&c.segments, "required"));
                c.gained_and_lost(
                    '`',
                    format!("Properties of {schema} became required"),
                    format!("Properties of {schema} are no longer required"),
                )
            })
        }),
    ),
    overriding(
        "enum-changed",
        Severity::PotentiallyBreaking,
        "patch",
        Reason::ByDirection {
            request: "the API accepts more values and existing requests stay valid, but the generated Rust enum gains a variant: an exhaustive `match` on it stops compiling",
            response: "responses carry fewer values and clients know all of them, but the generated Rust enum loses a variant: code that names it stops compiling",
        },
        Matcher::Unobjected(|c| {
            c.modifies("Schema", "enum").then(|| {
                let schema = c.schema(owner(&c.segments, "enum"));
                c.gained_and_lost(
                    '\'',
                    format!("Enum of {schema} gained values"),
                    format!("Enum of {schema} lost values"),
                )
            })
        }),
    ),
    overriding(
        "rust-type-changed",
        Severity::PotentiallyBreaking,
        "patch",
        Reason::ByDirection {
            request: "the API accepts more or other values, but a schema's keywords pick the generated Rust type (`format: date`: `NaiveDate`; `nullable`, or optional without a `default`: `Option<T>`; `minimum: 0`: `u64`; `maxLength`: a checked newtype): code that sets the field stops compiling",
            response: "responses carry values clients accept, but a schema's keywords pick the generated Rust type (`format: date`: `NaiveDate`; `nullable`, or optional without a `default`: `Option<T>`; `minimum: 0`: `u64`; `maxLength`: a checked newtype): code that reads the field stops compiling",
        },
        Matcher::Unobjected(|c| {
            let keyword = c.change.property.as_deref()?;
            let documentation =
                SCHEMA_DOCUMENTATION.contains(&keyword) || keyword.starts_with("x-");
            if !c.modifies("Schema", keyword) || documentation {
                return None;
            }
            let schema = c.schema(owner(&c.segments, keyword));
            let text = |value: Option<&Value>| {
                value.map_or_else(|| "none".to_string(), |v| format!("`{}`", scalar_text(v)))
            };
            let (was, now) = (text(c.old_value()), text(c.new_value()));
            Some(format!(
                "`{keyword}` of {schema} changed from {was} to {now}."
            ))
        }),
    ),
    // Changes no `diff-recommended` rule objects to: Redocly's minor or patch, kept.
    redocly_minor(
        "operation-added",
        "a new operation; existing calls are unaffected",
        |c| {
            c.is("Operation", Kind::Added)
                .then(|| format!("Operation `{}` was added.", operation_name(&c.segments)))
        },
    ),
    redocly_minor(
        "parameter-added",
        "optional: existing calls stay valid",
        |c| {
            c.is("Parameter", Kind::Added)
                .then(|| format!("Optional {} was added.", parameter(c.new_value())))
        },
    ),
    redocly_minor(
        "parameter-became-optional",
        "existing calls that send it stay valid",
        |c| {
            c.modifies("Parameter", "required").then(|| {
                let parameter = parameter(parent_value(c.sides.new, c.change.pointer()));
                format!("{parameter} became optional.")
            })
        },
    ),
    redocly_minor(
        "request-body-became-optional",
        "existing calls that send a body stay valid",
        |c| {
            c.modifies("RequestBody", "required")
                .then(|| "The request body became optional.".to_string())
        },
    ),
    redocly_minor(
        "server-added",
        "another base URL; the existing ones stay",
        |c| {
            c.is("Server", Kind::Added)
                .then(|| format!("Server `{}` was added.", field_text(c.new_value(), "url")))
        },
    ),
    redocly_minor(
        "authentication-no-longer-required",
        "calls that still send credentials keep working",
        |c| {
            let empty = c
                .new_value()
                .and_then(Value::as_array)
                .is_some_and(Vec::is_empty);
            (c.is("SecurityRequirementList", Kind::Added) && empty).then(|| {
                "The operation no longer requires authentication (`security: []`).".to_string()
            })
        },
    ),
    redocly_minor(
        "*-added",
        "an addition: existing clients keep working",
        |c| {
            let kind = words(&c.change.type_name);
            (c.change.kind == Kind::Added)
                .then(|| format!("{kind} `{}` was added{}.", c.last, c.in_where()))
        },
    ),
    redocly_minor(
        "*-removed",
        "no `diff-recommended` rule objects: nothing a client sends or reads depends on it",
        |c| {
            let kind = words(&c.change.type_name);
            (c.change.kind == Kind::Removed)
                .then(|| format!("{kind} `{}` was removed{}.", c.last, c.in_where()))
        },
    ),
    redocly_minor(
        "*-changed",
        "documentation or metadata: requests and responses stay the same",
        |c| {
            (c.change.kind == Kind::Modified).then(|| {
                let property = c.change.property.clone().unwrap_or_else(|| c.last.clone());
                let subject = c.subject(owner(&c.segments, &property));
                let values = match (c.old_value(), c.new_value()) {
                    (Some(old), Some(new)) if is_short(old) && is_short(new) => {
                        format!(" from `{}` to `{}`", scalar_text(old), scalar_text(new))
                    }
                    _ => String::new(),
                };
                format!("`{property}` of {subject} changed{values}.")
            })
        },
    ),
    // What Redocly cannot see: this project's extensions.
    xtask(
        "error-code-added",
        Severity::PotentiallyBreaking,
        "a client that handles each documented error has no branch for this one",
        Matcher::ErrorCodes(|pair| match (pair.rows.old, pair.rows.new) {
            (None, Some(now)) => Some(format!("New documented error {}.", now.display())),
            _ => None,
        }),
    ),
    xtask(
        "error-code-removed",
        Severity::NonBreaking,
        "clients that handle it keep working; another operation still documents it, so its Rust `ErrorCode` variant stays",
        Matcher::ErrorCodes(|pair| match (pair.rows.old, pair.rows.new) {
            (Some(gone), None) if pair.variant_stays => Some(no_longer_documented(gone)),
            _ => None,
        }),
    ),
    xtask(
        "error-message-changed",
        Severity::NonBreaking,
        "clients identify the error by its code and the Rust variant by its `name`, which are unchanged; the message is documentation",
        Matcher::ErrorCodes(|pair| {
            let (gone, now) = pair.rows.old.zip(pair.rows.new)?;
            (!gone.renamed_in(now) && gone.message != now.message).then(|| {
                let (label, was, is) = (now.label(), &gone.message, &now.message);
                format!("The message of error {label} changed from \"{was}\" to \"{is}\".")
            })
        }),
    ),
    xtask(
        "error-name-removed",
        Severity::Breaking,
        "no operation documents the error any more, so its Rust `ErrorCode` variant goes away: code that names it stops compiling",
        Matcher::ErrorCodes(|pair| match (pair.rows.old, pair.rows.new) {
            (Some(gone), None) if !pair.variant_stays => Some(no_longer_documented(gone)),
            _ => None,
        }),
    ),
    xtask(
        "error-name-changed",
        Severity::Breaking,
        "the `name` is the Rust `ErrorCode` variant: code that matches on the old variant stops compiling",
        Matcher::ErrorCodes(|pair| match (pair.rows.old, pair.rows.new) {
            (Some(gone), Some(now)) if gone.renamed_in(now) => {
                let (was, is) = (gone.name.as_deref(), now.name.as_deref());
                let message = match gone.message == now.message {
                    true => String::new(),
                    false => format!(
                        " (and its message from \"{}\" to \"{}\")",
                        gone.message, now.message
                    ),
                };
                Some(format!(
                    "The name of error {} changed from `{}` to `{}`{message}.",
                    gone.status_and_code(),
                    was.unwrap_or_default(),
                    is.unwrap_or_default()
                ))
            }
            _ => None,
        }),
    ),
    xtask(
        "vendor-doc-changed",
        Severity::NonBreaking,
        "where the operation is written from; the source diff is in the review report",
        Matcher::VendorDoc(|pair| {
            if pair.old == pair.new {
                return None;
            }
            let field = |doc, key| text_at(doc, key).unwrap_or_else(|| "(none)".to_string());
            let short = |hash: String| hash.chars().take(12).collect::<String>();
            let mut parts = Vec::new();
            for key in ["url", "file"] {
                let (was, now) = (field(pair.old, key), field(pair.new, key));
                if was != now {
                    parts.push(format!("`{key}` `{was}` → `{now}`"));
                }
            }
            let (was, now) = (field(pair.old, "sha256"), field(pair.new, "sha256"));
            if was != now {
                parts.push(format!("`sha256` {} → {}", short(was), short(now)));
            }
            if parts.is_empty() {
                parts.push("other fields changed".to_string());
            }
            let file = field(pair.new, "file");
            Some(format!(
                "Vendor documentation source `{file}`: {}.",
                parts.join(", ")
            ))
        }),
    ),
    xtask(
        "vendor-added",
        Severity::NonBreaking,
        "the vendor is new at this revision: no client depends on it yet",
        Matcher::NewVendor(|operation| {
            let method = operation.method.to_uppercase();
            let path = operation.path;
            format!("Operation `{method} {path}` was added with its new vendor.")
        }),
    ),
    xtask(
        "outcome-removed",
        Severity::Breaking,
        "the Rust client no longer returns the outcome: code that matches on it stops compiling, and the response it proved becomes an error",
        Matcher::Outcomes(|pair| match (pair.old, pair.new) {
            (Some(was), None) => Some(format!("Outcome {} was removed.", was.display())),
            _ => None,
        }),
    ),
    xtask(
        "outcome-narrowed",
        Severity::Breaking,
        "the outcome needs more proof (another `when` check, or a changed value): responses that proved it before become errors",
        Matcher::Outcomes(|pair| {
            let (was, now) = pair.old.zip(pair.new)?;
            let (added, dropped) = (now.checks_beyond(was), was.checks_beyond(now));
            let dropped = match dropped.is_empty() {
                true => String::new(),
                false => format!("; no longer {}", code_list(&dropped)),
            };
            (!added.is_empty()).then(|| {
                let (now, added) = (now.display(), code_list(&added));
                format!("Outcome {now} needs more proof: now also {added}{dropped}.")
            })
        }),
    ),
    xtask(
        "outcome-added",
        Severity::PotentiallyBreaking,
        "a response that was an error becomes an outcome, a new variant where the crate's outcome enum is exhaustive; the reviewer checks the cited evidence",
        Matcher::Outcomes(|pair| match (pair.old, pair.new) {
            (None, Some(now)) => Some(format!(
                "Outcome {} was added ({} evidence).",
                now.display(),
                now.evidence
            )),
            _ => None,
        }),
    ),
    xtask(
        "outcome-widened",
        Severity::PotentiallyBreaking,
        "the outcome needs less proof: responses that were errors now prove it; the reviewer checks that the vendor's evidence still covers them",
        Matcher::Outcomes(|pair| {
            let (was, now) = pair.old.zip(pair.new)?;
            let (added, dropped) = (now.checks_beyond(was), was.checks_beyond(now));
            (added.is_empty() && !dropped.is_empty()).then(|| {
                let (now, dropped) = (now.display(), code_list(&dropped));
                format!("Outcome {now} needs less proof: no longer {dropped}.")
            })
        }),
    ),
    xtask(
        "outcome-evidence-weakened",
        Severity::PotentiallyBreaking,
        "the outcome now rests on third-party observation instead of the vendor's page",
        Matcher::Outcomes(|pair| evidence_change(pair, false)),
    ),
    xtask(
        "outcome-evidence-strengthened",
        Severity::NonBreaking,
        "the vendor's page now documents what third-party code observed; the client behaves the same",
        Matcher::Outcomes(|pair| evidence_change(pair, true)),
    ),
    xtask(
        "outcome-description-changed",
        Severity::NonBreaking,
        "documentation: the client behaves the same",
        Matcher::Outcomes(|pair| match (pair.old, pair.new) {
            (Some(was), Some(now)) if was.description != now.description => Some(format!(
                "The description of outcome {} changed.",
                now.display()
            )),
            _ => None,
        }),
    ),
];

/// `Error … is no longer documented.`
fn no_longer_documented(gone: &ErrorCode) -> String {
    format!("Error {} is no longer documented.", gone.display())
}

/// The change of an outcome's evidence to `vendor-doc` (`to_vendor_doc`) or away from it.
fn evidence_change(pair: &RowPair<'_, OutcomeRow>, to_vendor_doc: bool) -> Option<String> {
    let (was, now) = pair.old.zip(pair.new)?;
    let changed = was.evidence != now.evidence && (now.evidence == "vendor-doc") == to_vendor_doc;
    changed.then(|| {
        format!(
            "The evidence of outcome {} changed from `{}` to `{}`.",
            now.display(),
            was.evidence,
            now.evidence
        )
    })
}

/// The row for `id`: exact, else the `*-suffix` row it matches, else the other Redocly rules' row.
pub fn rule(id: &str) -> &'static Rule {
    RULES
        .iter()
        .find(|rule| rule.id == id)
        .or_else(|| {
            RULES.iter().find(|rule| {
                rule.id
                    .strip_prefix('*')
                    .is_some_and(|suffix| !suffix.is_empty() && id.ends_with(suffix))
            })
        })
        .or_else(|| RULES.iter().find(|rule| rule.id == OTHER_REDOCLY_RULE))
        .expect("the table has a row for other Redocly rules")
}

/// Where the rules table is published: a guide whose prose is written by hand around the table.
pub const TABLE_PATH: &str = "docs/diff-rules.md";
/// The marker line before the generated table in [`TABLE_PATH`].
pub const TABLE_START: &str = "<!-- rules-table: generated by `cargo xtask generate` from crates/spec-review/src/rules.rs; do not edit -->";
/// The marker line after the generated table in [`TABLE_PATH`].
pub const TABLE_END: &str = "<!-- end of rules-table -->";

/// The rules table, in markdown.
pub fn markdown_table() -> String {
    let cell = |text: &str| text.replace('|', "\\|");
    let mut out = String::from(
        "| rule | rating here | decided by | Redocly | why |\n|---|---|---|---|---|\n",
    );
    for rule in RULES {
        let id = match rule.id {
            OTHER_REDOCLY_RULE => "any other `diff-recommended` rule".to_string(),
            id if id.starts_with('*') => format!("any other `{id}`"),
            id => format!("`{id}`"),
        };
        let decided_by = match rule.rated_by {
            RatedBy::Redocly => "Redocly's rating, kept",
            RatedBy::Override => "**this project, overriding Redocly**",
            RatedBy::Xtask => "this project (an `x-` extension)",
        };
        let why = match rule.reason {
            Reason::Always(reason) => cell(reason),
            Reason::ByDirection { request, response } => {
                format!("request: {}; response: {}", cell(request), cell(response))
            }
        };
        out.push_str(&format!(
            "| {id} | {} | {decided_by} | {} | {why} |\n",
            rule.severity.label(),
            cell(rule.redocly)
        ));
    }
    out
}

/// The guide `docs/diff-rules.md` with its rules table regenerated, as `cargo xtask generate` writes it; nothing
/// for a tree without that guide (a scratch copy of the pipeline's inputs).
pub fn table_outputs(
    repo: &std::path::Path,
) -> Result<Option<(String, String)>, spec_pipeline::Error> {
    let path = TABLE_PATH;
    let text = match fsguard::read_text(repo, path, fsguard::MAX_SPEC_BYTES) {
        Ok(text) => text,
        Err(err) if matches!(err.problem, fsguard::Problem::Missing) => return Ok(None),
        Err(err) => return Err(err.into()),
    };
    let missing = || {
        spec_pipeline::Error::finding(
            path,
            None,
            "rules-table",
            format!(
                "the markers of the generated rules table are missing; put `{TABLE_START}` and `{TABLE_END}` where the table goes"
            ),
        )
    };
    let start = text.find(TABLE_START).ok_or_else(missing)?;
    let end = text[start..].find(TABLE_END).ok_or_else(missing)? + start;
    Ok(Some((
        path.to_string(),
        format!(
            "{}{TABLE_START}\n{}{}",
            &text[..start],
            markdown_table(),
            &text[end..]
        ),
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_id_is_listed_once_and_lookups_fall_back_by_suffix() {
        let mut ids: Vec<&str> = RULES.iter().map(|rule| rule.id).collect();
        ids.sort();
        let before = ids.len();
        ids.dedup();
        assert_eq!(before, ids.len(), "a rule id is listed twice");
        assert_eq!(
            rule("response-added").severity,
            Severity::PotentiallyBreaking
        );
        assert_eq!(rule("header-added").id, "*-added");
        assert_eq!(rule("example-changed").id, "*-changed");
        assert_eq!(rule("some-new-rule").id, OTHER_REDOCLY_RULE);
        assert_eq!(rule("some-new-rule").severity, Severity::Breaking);
    }

    #[test]
    fn the_markdown_table_has_a_row_per_rule() {
        let table = markdown_table();
        assert_eq!(table.lines().count(), RULES.len() + 2);
        assert!(table.contains(
            "| `error-response-removed` | non-breaking | **this project, overriding Redocly** | major (`response-removed`) |"
        ));
    }
}
