//! Checks on an authored document that must hold before it is normalized and generated.
//!
//! Each check has a rule id (listed in `spec/README.md`). They refuse what progenitor would reject
//! or panic on and what normalization cannot fix without changing the vendor's meaning, and they
//! keep the project's own conventions (`x-vendor-doc`, `x-error-codes`). The external linters
//! (Redocly, Spectral, openapi-spec-validator) run separately, in `cargo xtask lint`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::document::{Document, OperationRef, StatusClass, is_json, status_class};
use crate::{Finding, page_facts};

/// Request media types progenitor 0.15 can send.
const SUPPORTED_REQUEST_MEDIA_TYPES: [&str; 4] = [
    "application/json",
    "application/x-www-form-urlencoded",
    "application/octet-stream",
    "text/plain",
];

/// Where a check of one operation reports each finding: its rule and its message.
type Report<'a> = &'a mut dyn FnMut(&'static str, String);

/// Where a check of one rule reports each finding: its message (the caller names the rule).
type RuleReport<'a> = &'a mut dyn FnMut(String);

/// Runs every check. `spec_dir` is the directory `x-vendor-doc.file` paths are relative to.
pub(crate) fn check_document(doc: &Document, spec_dir: &Path) -> Vec<Finding> {
    let mut findings = Vec::new();
    let mut report = |operation: Option<String>, rule: &'static str, message: String| {
        findings.push(Finding {
            document: doc.name.clone(),
            operation,
            rule,
            message,
        })
    };

    let version = doc.root["openapi"].as_str().unwrap_or("");
    if !version.starts_with("3.0.") {
        report(
            None,
            "openapi-version",
            format!(
                "`openapi: {version}` is not supported; progenitor 0.15 reads OpenAPI 3.0.x only"
            ),
        );
    }

    for message in doc.unresolved_refs() {
        report(None, "ref", message);
    }

    let mut operation_ids = BTreeSet::new();
    let mut error_names = ErrorNames::new();
    let mut rust_names: BTreeMap<(&str, String), String> = crate::codegen::CLIENT_CONSTRUCTORS
        .iter()
        .map(|name| {
            let method = ("method", name.to_string());
            (method, format!("the generated `Client::{name}`"))
        })
        .collect();
    for (client_trait, name) in crate::codegen::CLIENT_TRAIT_METHODS {
        rust_names.insert(
            ("method", name.to_string()),
            format!("the trait method `{client_trait}::{name}` (which the client crate calls by that name)"),
        );
    }
    for op in doc.operations() {
        let mut report_op = |rule, message| report(Some(op.label()), rule, message);
        let mut id_finding = |message| report_op("operation-id", message);
        match op.operation_id() {
            None => id_finding("has no `operationId`; it names the generated method".to_string()),
            Some(id) if !operation_ids.insert(id.to_string()) => {
                id_finding("`operationId` is used by another operation".to_string())
            }
            Some(id) => {
                // The method on `Client` and the type in `builder`: either twice will not compile.
                let names = [
                    ("method", rust_method_name(id)),
                    ("builder type", rust_builder_name(id)),
                ];
                match names
                    .iter()
                    .find_map(|key| Some((key, rust_names.get(key)?)))
                {
                    Some(((kind, name), other)) => id_finding(format!(
                        "`operationId` `{id}` becomes the Rust {kind} `{name}`, as {other} does; rename one"
                    )),
                    None => {
                        for key in names {
                            rust_names.insert(key, format!("`operationId` `{id}`"));
                        }
                    }
                }
            }
        }
        check_vendor_doc(doc, &op, spec_dir, &mut report_op);
        check_path_template(doc, &op, &mut |message| {
            report_op("path-parameters", message)
        });
        check_parameters(doc, &op, &mut report_op);
        check_request_body(doc, &op, &mut report_op);
        check_responses(doc, &op, &mut report_op);
        let mut error_codes = |message| report_op("error-codes", message);
        check_error_codes(&op, &mut error_codes);
        check_error_names(&op, &mut error_names, &mut error_codes);
    }
    findings
}

fn check_vendor_doc(doc: &Document, op: &OperationRef, spec_dir: &Path, report: Report<'_>) {
    let mut vendor_doc = |message: String| report("vendor-doc", message);
    let Some(fields) = op.operation.get("x-vendor-doc") else {
        return vendor_doc("has no `x-vendor-doc`: every operation cites its source".to_string());
    };
    let field = |name: &str| fields.get(name).and_then(Value::as_str);
    let (Some(url), Some(file), Some(sha256)) = (field("url"), field("file"), field("sha256"))
    else {
        return vendor_doc(
            "`x-vendor-doc` needs the strings `url`, `file` and `sha256`".to_string(),
        );
    };
    if !url.starts_with("https://") {
        vendor_doc(format!("`x-vendor-doc.url` `{url}` is not an https URL"));
    }
    if !file.starts_with("sources/") || crate::fsguard::plain_relative(file).is_err() {
        return vendor_doc(format!(
            "`x-vendor-doc.file` `{file}` must be a plain path under `sources/`"
        ));
    }
    let bytes = match crate::fsguard::read_bytes(spec_dir, file, crate::fsguard::MAX_SOURCE_BYTES) {
        Ok(bytes) => bytes,
        Err(err) => return vendor_doc(format!("`x-vendor-doc.file` cannot be read: {err}")),
    };
    let actual = hex_sha256(&bytes);
    if actual != sha256 {
        report(
            "vendor-doc-sha256",
            format!(
                "cites `{file}` with sha256 {sha256}, but the file now has sha256 {actual}: the vendor's \
                 page changed. Review the change, bring the operation in line with it, then update `sha256`"
            ),
        );
    }
    if !page_facts::is_page_copy(file) {
        return;
    }
    let mut page_fact = |message: String| report(page_facts::RULE, message);
    let Some(format) = page_facts::page_format(url) else {
        return page_fact(format!(
            "`{file}` is a page copy, but no extractor knows the pages of `{url}`"
        ));
    };
    let facts = crate::fsguard::utf8(file, bytes)
        .map_err(|err| err.to_string())
        .and_then(|text| page_facts::extract(format, &text));
    match facts {
        Ok(facts) => page_facts::compare(doc, op, file, &facts, &mut page_fact),
        Err(message) => page_fact(format!(
            "`{file}`: the page's layout is not recognised ({message})"
        )),
    }
}

/// The Rust method name progenitor 0.15 derives from an `operationId`: `'` dropped, every
/// character that cannot continue an identifier turned into `-`, then snake_case (heck), with a
/// leading `_` if it cannot start one. Two ids with the same name would generate a crate that
/// does not compile.
pub(crate) fn rust_method_name(operation_id: &str) -> String {
    use heck::ToSnakeCase;
    rust_name(operation_id, str::to_snake_case)
}

/// The name of the `builder::` type progenitor 0.15 derives from an `operationId`, the same way
/// in UpperCamelCase: `getUser2` and `get_user_2` are two methods but one type `GetUser2`.
fn rust_builder_name(operation_id: &str) -> String {
    use heck::ToPascalCase;
    rust_name(operation_id, str::to_pascal_case)
}

/// An `operationId` as a Rust name in the case `to_case` gives (progenitor's `sanitize`).
fn rust_name(operation_id: &str, to_case: fn(&str) -> String) -> String {
    let cleaned: String = operation_id
        .replace('\'', "")
        .chars()
        .map(|ch| {
            if unicode_ident::is_xid_continue(ch) {
                ch
            } else {
                '-'
            }
        })
        .collect();
    let name = to_case(&cleaned);
    match name.chars().next() {
        None => to_case("x"),
        Some(first) if unicode_ident::is_xid_start(first) => name,
        Some(_) => format!("_{name}"),
    }
}

/// The `{name}`s of a path template; an error for a brace that does not close or is empty.
pub(crate) fn template_parameters(path: &str) -> Result<Vec<String>, String> {
    let mut names = Vec::new();
    let mut rest = path;
    while let Some(open) = rest.find(['{', '}']) {
        if rest[open..].starts_with('}') {
            return Err(format!("`}}` without `{{` in `{path}`"));
        }
        let after = &rest[open + 1..];
        let close = after
            .find(['{', '}'])
            .filter(|close| after[*close..].starts_with('}'))
            .ok_or_else(|| format!("`{{` without `}}` in `{path}`"))?;
        let name = &after[..close];
        if name.is_empty() {
            return Err(format!("an empty `{{}}` in `{path}`"));
        }
        names.push(name.to_string());
        rest = &after[close + 1..];
    }
    Ok(names)
}

/// The path template's `{name}`s and the declared path parameters must be the same set, each
/// parameter required: progenitor 0.15 panics on a mismatch instead of naming it (rule
/// `path-parameters`).
fn check_path_template(doc: &Document, op: &OperationRef, report: RuleReport<'_>) {
    let in_template = match template_parameters(op.path) {
        Ok(names) => names,
        Err(message) => return report(message),
    };
    let mut declared = BTreeSet::new();
    for parameter in doc
        .parameters(op.path, op.operation)
        .filter(|parameter| parameter.get("in").and_then(Value::as_str) == Some("path"))
    {
        let name = parameter.get("name").and_then(Value::as_str).unwrap_or("?");
        declared.insert(name.to_string());
        if parameter.get("required").and_then(Value::as_bool) != Some(true) {
            report(format!(
                "path parameter `{name}` must have `required: true`"
            ));
        }
    }
    let mut seen = BTreeSet::new();
    for name in &in_template {
        if !seen.insert(name) {
            report(format!(
                "`{{{name}}}` appears twice in the path `{}`",
                op.path
            ));
        }
        if !declared.contains(name) {
            report(format!(
                "the path `{}` has `{{{name}}}`, but no path parameter `{name}` is declared",
                op.path
            ));
        }
    }
    for name in declared.iter().filter(|name| !in_template.contains(name)) {
        report(format!(
            "the path parameter `{name}` is declared, but the path `{}` has no `{{{name}}}`",
            op.path
        ));
    }
}

/// The SHA-256 of `bytes` in lowercase hex, the form `x-vendor-doc.sha256` takes.
pub fn hex_sha256(bytes: &[u8]) -> String {
    format!("{:x}", Sha256::digest(bytes))
}

fn check_parameters(doc: &Document, op: &OperationRef, report: Report<'_>) {
    for parameter in doc.parameters(op.path, op.operation) {
        let name = parameter.get("name").and_then(Value::as_str).unwrap_or("?");
        let location = parameter.get("in").and_then(Value::as_str).unwrap_or("?");
        let style = parameter.get("style").and_then(Value::as_str);
        let allowed = match location {
            "query" => "form",
            "path" | "header" => "simple",
            _ => {
                report(
                    "parameter-location",
                    format!(
                        "parameter `{name}` is in `{location}`; progenitor 0.15 supports path, query and header parameters"
                    ),
                );
                continue;
            }
        };
        if let Some(style) = style.filter(|style| *style != allowed) {
            report(
                "parameter-style",
                format!(
                    "{location} parameter `{name}` has `style: {style}`; progenitor 0.15 serializes {location} parameters only as `{allowed}`"
                ),
            );
        }
    }
}

fn check_request_body(doc: &Document, op: &OperationRef, report: Report<'_>) {
    let body = op.operation.get("requestBody");
    let content = body.and_then(|body| doc.resolve(body).ok()?.get("content")?.as_object());
    let Some(content) = content else {
        return;
    };
    // The JSON media type where there is one, else the only one (what normalization keeps).
    let only = content.iter().next().filter(|_| content.len() == 1);
    let json = content.iter().find(|(media_type, _)| is_json(media_type));
    let Some((media_type, media)) = json.or(only) else {
        if !content.is_empty() {
            let offered: Vec<_> = content.keys().map(String::as_str).collect();
            report(
                "request-media-type",
                format!(
                    "the request body offers {}; normalization keeps `application/json`, which is not among them",
                    offered.join(", ")
                ),
            );
        }
        return;
    };
    let essence = media_type.split(';').next().unwrap_or(media_type).trim();
    if !SUPPORTED_REQUEST_MEDIA_TYPES.contains(&essence) {
        report(
            "request-media-type",
            format!(
                "request body media type `{media_type}` is not supported by progenitor 0.15 (supported: {})",
                SUPPORTED_REQUEST_MEDIA_TYPES.join(", ")
            ),
        );
    }
    if media.get("schema").is_none() {
        report(
            "body-schema",
            format!("the `{media_type}` request body has no `schema`"),
        );
    }
}

fn check_responses(doc: &Document, op: &OperationRef, report: Report<'_>) {
    let Some(responses) = op.operation.get("responses").and_then(Value::as_object) else {
        report("responses", "has no `responses`".to_string());
        return;
    };
    for (status, response) in responses {
        let Ok(response) = doc.resolve(response) else {
            continue;
        };
        let Some(content) = response.get("content").and_then(Value::as_object) else {
            continue;
        };
        for (media_type, media) in content {
            if is_json(media_type)
                && status_class(status) != StatusClass::Other
                && media.get("schema").is_none()
            {
                report(
                    "response-schema",
                    format!("the {status} `{media_type}` response has no `schema`"),
                );
            }
            check_example_ref(media, &format!("{status} `{media_type}` response"), report);
        }
    }
    let body = op.operation.get("requestBody");
    if let Some(content) = body.and_then(|body| doc.resolve(body).ok()?.get("content")?.as_object())
    {
        for (media_type, media) in content {
            check_example_ref(media, &format!("`{media_type}` request body"), report);
        }
    }
}

/// A body with examples names the type of its sample only through a `$ref` schema.
fn check_example_ref(media: &Value, body: &str, report: Report<'_>) {
    let has_examples = media.get("example").is_some() || media.get("examples").is_some();
    if has_examples && media.pointer("/schema/$ref").is_none() {
        report(
            "example-schema-ref",
            format!(
                "the {body} has examples but its schema is not a `$ref` to `components/schemas`, so the sample names no type"
            ),
        );
    }
}

/// Rule `error-codes`: each row is well formed, once, and of a documented response.
fn check_error_codes(op: &OperationRef, report: RuleReport<'_>) {
    let Some(codes) = op.operation.get("x-error-codes") else {
        return;
    };
    let Some(codes) = codes.as_array() else {
        return report(
            "`x-error-codes` must be a list of `{status, code, name, message}`".to_string(),
        );
    };
    let responses = op.operation.get("responses").and_then(Value::as_object);
    let mut seen = BTreeSet::new();
    for (index, entry) in codes.iter().enumerate() {
        let status = entry.get("status").and_then(Value::as_u64);
        let code = entry.get("code");
        let message = entry.get("message").and_then(Value::as_str);
        let (Some(status), Some(message)) = (status, message) else {
            report(format!(
                "`x-error-codes[{index}]` needs an integer `status` and a string `message`"
            ));
            continue;
        };
        if code.is_some_and(|code| !code.is_i64()) {
            report(format!(
                "`x-error-codes[{index}].code` must be an integer when present"
            ));
        }
        if !seen.insert((status, code.map(Value::to_string), message)) {
            report(format!(
                "`x-error-codes[{index}]` repeats an earlier entry ({status} {message:?})"
            ));
        }
        let declared =
            responses.is_some_and(|responses| responses.contains_key(&status.to_string()));
        if !declared {
            report(format!(
                "`x-error-codes[{index}]` has status {status}, which is not among the operation's responses"
            ));
        }
    }
}

/// The variant `ErrorCode` keeps for codes the documentation does not list: no row may take it.
const RESERVED_ERROR_NAMES: [&str; 2] = ["Unknown", "Self"];

/// Every `x-error-codes` name of a document seen so far: the error it names (status and code) and
/// the first operation and row that named it.
type ErrorNames = BTreeMap<String, (u64, Option<i64>, String)>;

/// Each `x-error-codes` row has a `name`: the Rust `ErrorCode` variant, a stable fact of the spec
/// that a reworded message does not move. It is an UpperCamelCase identifier, appears once per
/// operation, and names one error (one status and code) across the whole document: the rows of
/// the same error on several pages share it, and may word the message differently.
fn check_error_names(op: &OperationRef, names: &mut ErrorNames, report: RuleReport<'_>) {
    let Some(rows) = op.operation.get("x-error-codes").and_then(Value::as_array) else {
        return;
    };
    let mut in_operation = BTreeSet::new();
    for (index, row) in rows.iter().enumerate() {
        let name = match row.get("name") {
            Some(Value::String(name)) => name.as_str(),
            Some(_) | None => {
                let hint = row
                    .get("message")
                    .and_then(Value::as_str)
                    .map(|message| format!(" (for example `{}`)", name_from_message(message)))
                    .unwrap_or_default();
                report(format!(
                    "`x-error-codes[{index}]` needs a string `name`: the Rust `ErrorCode` variant, kept when the vendor rewords the message{hint}"
                ));
                continue;
            }
        };
        if !is_variant_name(name) {
            report(format!(
                "`x-error-codes[{index}].name` `{name}` is not a Rust variant name (an ASCII letter in upper case, then letters and digits)"
            ));
            continue;
        }
        if RESERVED_ERROR_NAMES.contains(&name) {
            report(format!(
                "`x-error-codes[{index}].name` `{name}` is reserved (`ErrorCode::Unknown` holds the codes the documentation does not list)"
            ));
            continue;
        }
        if !in_operation.insert(name) {
            report(format!(
                "`x-error-codes[{index}].name` `{name}` names another row of this operation too"
            ));
            continue;
        }
        let (Some(status), code) = (
            row.get("status").and_then(Value::as_u64),
            row.get("code").and_then(Value::as_i64),
        ) else {
            continue;
        };
        let here = format!("{} `x-error-codes[{index}]`", op.label());
        let (first_status, first_code, first) = names
            .entry(name.to_string())
            .or_insert((status, code, here));
        if (*first_status, *first_code) != (status, code) {
            let error = |status: u64, code: Option<i64>| match code {
                Some(code) => format!("{status}/{code}"),
                None => status.to_string(),
            };
            report(format!(
                "`x-error-codes[{index}].name` `{name}` is used twice in the document: {first} names error {} with it, this row names error {}; a name stands for one error",
                error(*first_status, *first_code),
                error(status, code)
            ));
        }
    }
}

/// Whether `name` can be an enum variant: an ASCII upper-case letter, then ASCII letters and
/// digits (UpperCamelCase, the style rustc expects of variants).
fn is_variant_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|first| first.is_ascii_uppercase())
        && chars.all(|c| c.is_ascii_alphanumeric())
}

/// A suggested `name` for a row that has none: the message in UpperCamelCase, placeholders such as
/// `{type}` dropped (`Profile is archived already, operation not allowed` →
/// `ProfileIsArchivedAlreadyOperationNotAllowed`). This is how variant names were derived before
/// they became part of the spec.
pub(crate) fn name_from_message(message: &str) -> String {
    let mut without_placeholders = String::new();
    let mut depth = 0usize;
    for c in message.chars() {
        match c {
            '{' => depth += 1,
            '}' => depth = depth.saturating_sub(1),
            _ if depth == 0 => without_placeholders.push(c),
            _ => {}
        }
    }
    let mut name: String = without_placeholders
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|word| !word.is_empty())
        // Each word is ASCII: it was split at every other character.
        .map(|word| word[..1].to_ascii_uppercase() + &word[1..].to_ascii_lowercase())
        .collect();
    if name.chars().next().is_none_or(|c| c.is_ascii_digit()) {
        name.insert(0, 'E');
    }
    name
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The `operation-id` findings of a document with these `paths`.
    fn operation_id_findings(paths: &str) -> Vec<String> {
        let doc = Document::parse("x.yaml", &format!("openapi: 3.0.3\npaths:\n{paths}")).unwrap();
        check_document(&doc, Path::new("/nonexistent"))
            .into_iter()
            .filter(|finding| finding.rule == "operation-id")
            .map(|finding| finding.message)
            .collect()
    }

    #[test]
    fn operation_ids_that_collide_as_builder_types_are_refused() {
        // progenitor names `getUser2` and `get_user_2` differently as methods (`get_user2`,
        // `get_user_2`) but both builders `builder::GetUser2`: the crate would not compile.
        let messages = operation_id_findings(
            "  /a:\n    get: {operationId: getUser2, responses: {'204': {description: x}}}\n  /b:\n    get: {operationId: get_user_2, responses: {'204': {description: x}}}\n",
        );
        assert_eq!(
            messages,
            [
                "`operationId` `get_user_2` becomes the Rust builder type `GetUser2`, as `operationId` `getUser2` does; rename one"
            ]
        );
    }

    #[test]
    fn operation_ids_that_shadow_a_method_the_client_calls_are_refused() {
        // The generated builders call `client.post(&result, &info)` and the runtime's hooks
        // `self.inner()`: a method `Client::post(&self)` or `Client::inner(&self)` from an
        // operation would be called instead, and the crate would not compile.
        let messages = operation_id_findings(
            "  /a:\n    post: {operationId: post, responses: {'204': {description: x}}}\n  /b:\n    get: {operationId: inner, responses: {'204': {description: x}}}\n",
        );
        assert_eq!(
            messages,
            [
                "`operationId` `post` becomes the Rust method `post`, as the trait method `ClientHooks::post` (which the client crate calls by that name) does; rename one",
                "`operationId` `inner` becomes the Rust method `inner`, as the trait method `ClientInfo::inner` (which the client crate calls by that name) does; rename one",
            ]
        );
    }
}
