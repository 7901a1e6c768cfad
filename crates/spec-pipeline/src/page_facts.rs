//! The facts a stored vendor page states, compared with the operations that cite it.
//!
//! `cargo xtask generate` (and so `--check`, `lint` and `cargo xtask test`) reads each cited page
//! copy under `spec/sources/` (`*.txt`; research notes, `*.md`, hold no page to compare) with the
//! extractor for its vendor's documentation site, and compares what the page states with the
//! operation:
//!
//! - the endpoint: method, and URL (the server's URL plus the operation's path);
//! - the path parameters, and the query parameters where the page lists them;
//! - the documented response statuses;
//! - the error table (status, vendor code where there is one, message) with `x-error-codes`;
//! - the request body's fields and whether each is required, or that there is no body.
//!
//! A fact missing on either side is a finding (rule `page-facts`) that names the page and its line,
//! the row, and the operation. The extractors are small parsers of each site's text layout; a page
//! whose layout they no longer recognise is itself a finding, never a silent pass.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use crate::document::{Document, OperationRef, error_code_rows};

/// The rule id of every finding here.
pub const RULE: &str = "page-facts";

/// How a vendor's documentation site lays out an endpoint page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PageFormat {
    /// docs.attestr.com: tables whose cells are joined (`TypeURL`, `PUThttps://…`), an "Error Codes"
    /// table of `<status><code><message>` rows, a "Request Body Parameters" table.
    Attestr,
    /// docs.trust.lat: `Method:` and `URL:` lines, a "Path Variables" table, `HTTP Code: <status>`
    /// headings each followed by JSON bodies.
    Trust,
    /// px-apidocs.gainsight.com: `METHOD /path` first, bulleted "Path parameters", "Query
    /// parameters" and "Responses" lists.
    GainsightPx,
}

/// The extractor for a page at `url`, by the documentation site's host.
pub fn page_format(url: &str) -> Option<PageFormat> {
    let host = url
        .strip_prefix("https://")?
        .split(['/', '?', '#'])
        .next()?;
    DOC_HOSTS
        .iter()
        .find_map(|&(known, format)| (known == host).then_some(format))
}

/// The vendors' documentation hosts, the only ones [`page_format`] knows, with their layout.
pub(crate) const DOC_HOSTS: [(&str, PageFormat); 3] = [
    ("docs.attestr.com", PageFormat::Attestr),
    ("docs.trust.lat", PageFormat::Trust),
    ("px-apidocs.gainsight.com", PageFormat::GainsightPx),
];

/// Whether a cited file is a stored page copy (compared) rather than a research note.
pub(crate) fn is_page_copy(file: &str) -> bool {
    file.starts_with("sources/") && file.ends_with(".txt")
}

/// One documented error: `(status, vendor code, message)`.
pub(crate) type ErrorRow = (u16, Option<i64>, String);

/// What one page states, each fact with its 1-based line.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PageFacts {
    /// `(line, METHOD, URL or path)`, placeholders written `{name}`.
    pub endpoint: Option<(usize, String, String)>,
    /// `(line, name)` of each path parameter, from the URL's placeholders or the page's list.
    pub path_parameters: Vec<(usize, String)>,
    /// `(line, name, required)`; `None` when the page has no query parameter list.
    pub query_parameters: Option<Vec<(usize, String, bool)>>,
    /// `(line, status)` of each documented response status, error rows' statuses included.
    pub statuses: Vec<(usize, u16)>,
    /// `(line, row)` of each documented error, compared with `x-error-codes`.
    pub errors: Vec<(usize, ErrorRow)>,
    /// The request body's rows, `(line, row text after the type, required)`; `None` when the page
    /// documents no request body.
    pub body_fields: Option<Vec<(usize, String, bool)>>,
}

/// Extracts the facts of a page; an error when the page's layout is not recognised.
pub fn extract(format: PageFormat, text: &str) -> Result<PageFacts, String> {
    let lines: Vec<(usize, &str)> = text
        .lines()
        .enumerate()
        .map(|(index, line)| (index + 1, line.trim()))
        .collect();
    let facts = match format {
        PageFormat::Attestr => attestr(&lines),
        PageFormat::Trust => trust(&lines),
        PageFormat::GainsightPx => gainsight_px(&lines),
    }?;
    if facts.endpoint.is_none() {
        return Err("no endpoint (method and URL) found".to_string());
    }
    if facts.statuses.is_empty() {
        return Err("no documented response status found".to_string());
    }
    Ok(facts)
}

/// `<name>`, `:name` and `{name}` placeholders, all written `{name}`; and their names.
fn placeholders(url: &str) -> (String, Vec<String>) {
    let mut out = String::new();
    let mut names = Vec::new();
    let mut rest = url;
    while let Some(ch) = rest.chars().next() {
        // The name's end, and where the text after the placeholder starts.
        let span = match ch {
            '<' => rest.find('>').map(|end| (end, end + 1)),
            '{' => rest.find('}').map(|end| (end, end + 1)),
            ':' if out.ends_with('/') => {
                let end = rest[1..]
                    .find(|c: char| !(c.is_alphanumeric() || c == '_'))
                    .map_or(rest.len(), |end| end + 1);
                Some((end, end))
            }
            _ => None,
        };
        if let Some((end, next)) = span {
            let name = &rest[1..end];
            out.push_str(&format!("{{{name}}}"));
            names.push(name.to_string());
            rest = &rest[next..];
            continue;
        }
        out.push(ch);
        rest = &rest[ch.len_utf8()..];
    }
    (out, names)
}

const HTTP_METHODS: [&str; 7] = ["DELETE", "PATCH", "POST", "PUT", "GET", "HEAD", "OPTIONS"];

/// The index just past the lines that spell `heading` once their whitespace is removed, so a
/// table header reads the same with its cells joined on one line (the stored copies) or each on
/// a line of its own (html2text).
fn after_heading(lines: &[(usize, &str)], heading: &str) -> Option<usize> {
    let key: String = heading.chars().filter(|c| !c.is_whitespace()).collect();
    for start in 0..lines.len() {
        if lines[start].1.is_empty() {
            continue;
        }
        let mut spelled = String::new();
        for (offset, (_, line)) in lines[start..].iter().enumerate() {
            spelled.extend(line.chars().filter(|c| !c.is_whitespace()));
            if spelled == key {
                return Some(start + offset + 1);
            }
            if !key.starts_with(&spelled) {
                break;
            }
        }
    }
    None
}

fn non_empty<'a>(
    lines: &'a [(usize, &'a str)],
    start: usize,
) -> impl Iterator<Item = &'a (usize, &'a str)> {
    lines[start..].iter().filter(|(_, line)| !line.is_empty())
}

const BODY_TYPES: [&str; 6] = ["String", "Number", "Integer", "Boolean", "Object", "Array"];

fn attestr(lines: &[(usize, &str)]) -> Result<PageFacts, String> {
    let mut facts = PageFacts::default();
    if let Some(at) = after_heading(lines, "TypeURL") {
        // `PUThttps://…` on one line, or `PUT` and the URL on two.
        let rows = table_rows(lines, at, |_| true, |row, _| !row.contains("://"));
        let (number, row) = rows
            .into_iter()
            .next()
            .ok_or("the `TypeURL` table has no row")?;
        let method = HTTP_METHODS
            .iter()
            .find(|method| row.starts_with(*method))
            .ok_or_else(|| format!("line {number}: `{row}` does not start with an HTTP method"))?;
        let (url, names) = placeholders(row[method.len()..].trim());
        facts.endpoint = Some((number, method.to_string(), url));
        // `{version}` is the server's variable, not a path parameter.
        facts.path_parameters = names
            .into_iter()
            .filter(|name| name != "version")
            .map(|name| (number, name))
            .collect();
    }
    for (number, line) in lines {
        if let Some(status) = line.strip_prefix("Http Status ") {
            let status = status
                .trim()
                .parse()
                .map_err(|_| format!("line {number}: `{line}` has no status number"))?;
            facts.statuses.push((*number, status));
        }
    }
    if let Some(at) = after_heading(lines, "HTTP StatusError CodeError Message") {
        // A row is `<status><code><message>` on one line, or its cells on lines of their own:
        // digits gather until the message (the first cell that is not all digits) ends the row.
        let starts = |line: &str| line.starts_with(|c: char| c.is_ascii_digit());
        let open = |row: &str, _: &str| row.chars().all(|c| c.is_ascii_digit());
        for (number, row) in table_rows(lines, at, starts, open) {
            let status = row
                .get(..3)
                .and_then(|s| s.parse::<u16>().ok())
                .ok_or_else(|| format!("line {number}: `{row}` does not start with a status"))?;
            let rest = &row[3..];
            let code_len = rest.chars().take_while(char::is_ascii_digit).count();
            let code = rest[..code_len].parse().map_err(|_| {
                format!("line {number}: `{row}` has no error code after the status")
            })?;
            let message = rest[code_len..].trim().to_string();
            facts.errors.push((number, (status, Some(code), message)));
            facts.statuses.push((number, status));
        }
        if facts.errors.is_empty() {
            return Err("the `Error Codes` table has no row".to_string());
        }
    }
    if let Some(at) = after_heading(
        lines,
        "TypeNameDescriptionOptional (default)Min VersionMax Version",
    )
    .filter(|_| {
        lines
            .iter()
            .any(|(_, line)| *line == "Request Body Parameters")
    }) {
        facts.body_fields = Some(body_rows(lines, at)?);
    }
    Ok(facts)
}

/// The request body table's rows: each `<Type><name><description><Required|Optional><versions>`,
/// on one line or spread over several (one per cell).
fn body_rows(lines: &[(usize, &str)], at: usize) -> Result<Vec<(usize, String, bool)>, String> {
    // A row is complete once it ends in its flag and at least one version cell.
    let complete = |row: &str| {
        let stripped = strip_versions(row);
        stripped.len() < row.len()
            && (stripped.ends_with("Required") || stripped.ends_with("Optional"))
    };
    let is_version = |line: &str| {
        line.strip_prefix('v')
            .is_some_and(|rest| !rest.is_empty() && rest.chars().all(|c| c.is_ascii_digit()))
    };
    let starts = |line: &str| BODY_TYPES.iter().any(|kind| line.starts_with(kind));
    let rows = table_rows(lines, at, starts, |row, line| {
        !complete(row) || is_version(line)
    });
    let mut fields = Vec::new();
    for (number, row) in rows {
        let without_versions = strip_versions(&row);
        let (body, required) = if let Some(body) = without_versions.strip_suffix("Required") {
            (body, true)
        } else if let Some(body) = without_versions.strip_suffix("Optional") {
            (body, false)
        } else {
            return Err(format!(
                "line {number}: body row `{row}` ends in neither `Required` nor `Optional`"
            ));
        };
        let body = BODY_TYPES
            .iter()
            .find_map(|kind| body.strip_prefix(kind))
            .ok_or_else(|| format!("line {number}: body row `{row}` starts with no known type"))?;
        fields.push((number, body.to_string(), required));
    }
    Ok(fields)
}

/// The rows of a table whose body starts at `at`, on one line each or spread over several (one
/// per cell): a line that `starts` a row begins one, and the lines after it join it while `open`
/// (the row so far, the next line) holds; any other line ends the table. Each row has the line
/// it starts on.
fn table_rows(
    lines: &[(usize, &str)],
    at: usize,
    starts: impl Fn(&str) -> bool,
    open: impl Fn(&str, &str) -> bool,
) -> Vec<(usize, String)> {
    let mut rows: Vec<(usize, String)> = Vec::new();
    for (number, line) in non_empty(lines, at) {
        match rows.last_mut() {
            Some((_, row)) if open(row, line) => row.push_str(line),
            _ if starts(line) => rows.push((*number, line.to_string())),
            _ => break,
        }
    }
    rows
}

/// A table row without its trailing `Min Version`/`Max Version` cells (`v1`, `v1v2`).
fn strip_versions(row: &str) -> &str {
    let mut rest = row;
    for _ in 0..2 {
        let digits = rest.len() - rest.trim_end_matches(|c: char| c.is_ascii_digit()).len();
        if digits > 0 && rest[..rest.len() - digits].ends_with('v') {
            rest = &rest[..rest.len() - digits - 1];
        }
    }
    rest
}

fn trust(lines: &[(usize, &str)]) -> Result<PageFacts, String> {
    let mut facts = PageFacts::default();
    let method = lines
        .iter()
        .find_map(|(number, line)| Some((*number, line.strip_prefix("Method:")?.trim())));
    let url = lines
        .iter()
        .find_map(|(number, line)| Some((*number, line.strip_prefix("URL:")?.trim())));
    if let (Some((_, method)), Some((number, url))) = (method, url) {
        let (url, names) = placeholders(url);
        facts.endpoint = Some((number, method.to_string(), url));
        facts.path_parameters = names.into_iter().map(|name| (number, name)).collect();
    }
    // Each `HTTP Code:` heading is followed by JSON bodies, each from a `{` line to the line that
    // closes its braces.
    let mut status = None;
    let mut index = 0;
    while let Some(&(number, line)) = lines.get(index) {
        index += 1;
        if let Some(heading) = line.strip_prefix("HTTP Code: ") {
            let code: u16 = heading
                .get(..3)
                .and_then(|s| s.parse().ok())
                .ok_or_else(|| format!("line {number}: `{line}` has no status"))?;
            facts.statuses.push((number, code));
            status = Some(code);
            continue;
        }
        let (Some(status), "{") = (status, line) else {
            continue;
        };
        let mut body = String::new();
        let mut depth = 0i32;
        for (_, text) in &lines[index - 1..] {
            depth += text.matches('{').count() as i32 - text.matches('}').count() as i32;
            body.push_str(text);
            body.push('\n');
            if depth <= 0 {
                break;
            }
            index += 1;
        }
        if status >= 400 {
            let value: Value = serde_json::from_str(&body)
                .map_err(|err| format!("line {number}: the {status} body is not JSON: {err}"))?;
            let message = value["message"]
                .as_str()
                .ok_or_else(|| format!("line {number}: the {status} body has no `message`"))?;
            let row = (status, value["code"].as_i64(), message.to_string());
            facts.errors.push((number, row));
        }
    }
    Ok(facts)
}

fn gainsight_px(lines: &[(usize, &str)]) -> Result<PageFacts, String> {
    let mut facts = PageFacts::default();
    if let Some((number, line)) = lines.iter().find(|(_, line)| !line.is_empty()) {
        let (method, path) = line
            .split_once(' ')
            .filter(|(method, _)| HTTP_METHODS.contains(method))
            .ok_or_else(|| format!("line {number}: `{line}` is not `METHOD /path`"))?;
        let (path, _) = placeholders(path.trim());
        facts.endpoint = Some((*number, method.to_string(), path));
    }
    let mut section = "";
    let mut query = Vec::new();
    let mut saw_query = false;
    for (index, &(number, line)) in lines.iter().enumerate() {
        match line {
            "Path parameters" | "Query parameters" | "Responses" | "Body" => {
                section = line;
                saw_query |= line == "Query parameters";
                continue;
            }
            _ => {}
        }
        let Some(item) = line.strip_prefix("• ") else {
            // The response examples and the curl sample end the lists.
            if line.starts_with(facts.endpoint.as_ref().map_or("\u{0}", |e| e.1.as_str())) {
                section = "";
            }
            continue;
        };
        let first = item.split_whitespace().next().unwrap_or_default();
        match section {
            "Path parameters" => facts.path_parameters.push((number, first.to_string())),
            "Query parameters" => {
                query.push((number, first.to_string(), item.ends_with("Required")));
            }
            "Responses" => {
                // Response attributes (`• body object`) are bulleted too; statuses are numbers.
                let Ok(status) = first.parse::<u16>() else {
                    continue;
                };
                facts.statuses.push((number, status));
                if status >= 400 {
                    let description = non_empty(lines, index + 1)
                        .next()
                        .map(|(_, l)| l.to_string())
                        .ok_or_else(|| {
                            format!("line {number}: status {status} has no description")
                        })?;
                    facts.errors.push((number, (status, None, description)));
                }
            }
            "Body" => {
                facts.body_fields.get_or_insert_with(Vec::new).push((
                    number,
                    item.to_string(),
                    item.ends_with("Required"),
                ));
            }
            _ => {}
        }
    }
    if saw_query {
        facts.query_parameters = Some(query);
    }
    Ok(facts)
}

/// Compares a page's facts with the operation that cites it; `report` gets one message per
/// difference.
pub fn compare(
    doc: &Document,
    op: &OperationRef,
    file: &str,
    facts: &PageFacts,
    report: &mut dyn FnMut(String),
) {
    let page = |line: usize| format!("`{file}` line {line}");
    if let Some((line, method, url)) = &facts.endpoint {
        if !method.eq_ignore_ascii_case(op.method) {
            report(format!(
                "{} documents the method {method}, the operation is {}",
                page(*line),
                op.method.to_uppercase()
            ));
        }
        let candidates = endpoint_urls(doc, op);
        let matches = candidates.iter().any(|candidate| {
            candidate == url || (url.starts_with('/') && url_path(candidate) == url)
        });
        if !matches {
            report(format!(
                "{} documents the URL `{url}`, which is none of the operation's ({})",
                page(*line),
                candidates.join(", ")
            ));
        }
    }

    let parameters = declared_parameters(doc, op);
    let spec_path: BTreeSet<&str> = parameters
        .iter()
        .filter(|(location, _, _)| location == "path")
        .map(|(_, name, _)| name.as_str())
        .collect();
    let page_path: BTreeMap<&str, usize> = facts
        .path_parameters
        .iter()
        .map(|(line, name)| (name.as_str(), *line))
        .collect();
    for (name, line) in &page_path {
        if !spec_path.contains(name) {
            report(format!(
                "{} documents the path parameter `{name}`, which the operation does not declare",
                page(*line)
            ));
        }
    }
    for name in spec_path
        .iter()
        .filter(|name| !page_path.contains_key(*name))
    {
        report(format!("the path parameter `{name}` is not on `{file}`"));
    }

    if let Some(query) = &facts.query_parameters {
        let spec_query: BTreeMap<&str, bool> = parameters
            .iter()
            .filter(|(location, _, _)| location == "query")
            .map(|(_, name, required)| (name.as_str(), *required))
            .collect();
        for (line, name, required) in query {
            match spec_query.get(name.as_str()) {
                None => report(format!(
                    "{} documents the query parameter `{name}`, which the operation does not declare",
                    page(*line)
                )),
                Some(declared) if declared != required => report(format!(
                    "{} documents the query parameter `{name}` as {}, the operation as {}",
                    page(*line),
                    required_word(*required),
                    required_word(*declared)
                )),
                Some(_) => {}
            }
        }
        for name in spec_query.keys() {
            if !query.iter().any(|(_, page_name, _)| page_name == name) {
                report(format!("the query parameter `{name}` is not on `{file}`"));
            }
        }
    }

    let declared: BTreeSet<u16> = op
        .operation
        .get("responses")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .filter_map(|(status, _)| status.parse().ok())
        .collect();
    let mut on_page = BTreeSet::new();
    for (line, status) in &facts.statuses {
        if on_page.insert(*status) && !declared.contains(status) {
            report(format!(
                "{} documents the status {status}, which is not among the operation's responses",
                page(*line)
            ));
        }
    }
    for status in declared.difference(&on_page) {
        report(format!("the response status {status} is not on `{file}`"));
    }

    let spec_errors: BTreeSet<ErrorRow> = error_code_rows(op.operation)
        .filter_map(|row| {
            Some((
                u16::try_from(row.status).ok()?,
                row.code,
                row.message.to_string(),
            ))
        })
        .collect();
    let mut page_errors = BTreeSet::new();
    for (line, row) in &facts.errors {
        if page_errors.insert(row.clone()) && !spec_errors.contains(row) {
            report(format!(
                "{} lists the error {}, which `x-error-codes` lacks",
                page(*line),
                error_text(row)
            ));
        }
    }
    for row in spec_errors.difference(&page_errors) {
        report(format!(
            "`x-error-codes` has the error {}, which `{file}` does not list",
            error_text(row)
        ));
    }

    compare_body(doc, op, file, facts, &page, report);
}

fn compare_body(
    doc: &Document,
    op: &OperationRef,
    file: &str,
    facts: &PageFacts,
    page: &dyn Fn(usize) -> String,
    report: &mut dyn FnMut(String),
) {
    let body = op
        .operation
        .get("requestBody")
        .and_then(|body| doc.resolve(body).ok());
    let Some(fields) = &facts.body_fields else {
        if body.is_some() {
            report(format!(
                "the operation has a request body, but `{file}` documents none"
            ));
        }
        return;
    };
    let Some(body) = body else {
        report(format!(
            "`{file}` documents a request body, but the operation has none"
        ));
        return;
    };
    let media = body
        .get("content")
        .and_then(|content| content.as_object()?.values().next());
    let schema = media.and_then(|media| doc.resolve(media.get("schema")?).ok());
    let properties: Vec<&str> = schema
        .and_then(|schema| schema.get("properties")?.as_object())
        .map(|properties| properties.keys().map(String::as_str).collect())
        .unwrap_or_default();
    let required: BTreeSet<&str> = schema
        .and_then(|schema| schema.get("required")?.as_array())
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    let mut matched = BTreeSet::new();
    for (line, row, page_required) in fields {
        // A row is `<name><description>` with no separator: the longest property name it starts
        // with is its field.
        let name = properties
            .iter()
            .filter(|name| {
                row.strip_prefix(**name)
                    .is_some_and(|rest| !rest.starts_with(|c: char| c.is_ascii_lowercase()))
            })
            .max_by_key(|name| name.len());
        let Some(name) = name else {
            report(format!(
                "{} documents the body field in `{row}`, which the request schema lacks",
                page(*line)
            ));
            continue;
        };
        matched.insert(*name);
        if required.contains(name) != *page_required {
            report(format!(
                "{} documents the body field `{name}` as {}, the request schema as {}",
                page(*line),
                required_word(*page_required),
                required_word(required.contains(name))
            ));
        }
    }
    for name in properties.iter().filter(|name| !matched.contains(*name)) {
        report(format!(
            "the request body field `{name}` is not on `{file}`"
        ));
    }
}

fn required_word(required: bool) -> &'static str {
    if required { "required" } else { "optional" }
}

fn error_text((status, code, message): &ErrorRow) -> String {
    match code {
        Some(code) => format!("{status}/{code} \"{message}\""),
        None => format!("{status} \"{message}\""),
    }
}

/// `(in, name, required)` of every parameter of the operation and its path item.
fn declared_parameters(doc: &Document, op: &OperationRef) -> Vec<(String, String, bool)> {
    doc.parameters(op.path, op.operation)
        .filter_map(|parameter| {
            Some((
                parameter.get("in")?.as_str()?.to_string(),
                parameter.get("name")?.as_str()?.to_string(),
                parameter.get("required").and_then(Value::as_bool) == Some(true),
            ))
        })
        .collect()
}

/// Every full URL the operation may be called at: each server that applies (operation, path item,
/// then document level) followed by the path.
fn endpoint_urls(doc: &Document, op: &OperationRef) -> Vec<String> {
    let path_level = || doc.root.get("paths")?.get(op.path)?.get("servers");
    let servers = op.operation.get("servers").or_else(path_level);
    let servers = servers.or_else(|| doc.root.get("servers"));
    servers
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|server| server.get("url").and_then(Value::as_str))
        .map(|url| format!("{}{}", url.trim_end_matches('/'), op.path))
        .collect()
}

/// The path of a URL (`https://host/a/b` → `/a/b`).
fn url_path(url: &str) -> &str {
    match url.split_once("://") {
        Some((_, rest)) => rest.find('/').map_or("/", |at| &rest[at..]),
        None => url,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_of_every_site_become_braces() {
        assert_eq!(
            placeholders("https://api.attestr.com/api/{version}/public/factx/<profileId>/archive"),
            (
                "https://api.attestr.com/api/{version}/public/factx/{profileId}/archive"
                    .to_string(),
                vec!["version".to_string(), "profileId".to_string()]
            )
        );
        assert_eq!(
            placeholders("https://api.trust.lat/index/v1/identity/:uuid").0,
            "https://api.trust.lat/index/v1/identity/{uuid}"
        );
    }

    #[test]
    fn table_rows_lose_their_version_cells() {
        assert_eq!(
            strip_versions("StringtagUniqueRequiredv1"),
            "StringtagUniqueRequired"
        );
        assert_eq!(
            strip_versions("StringtagUniqueOptionalv1v3"),
            "StringtagUniqueOptional"
        );
        assert_eq!(strip_versions("no versions"), "no versions");
    }

    #[test]
    fn a_layout_without_an_endpoint_is_refused() {
        assert!(extract(PageFormat::Attestr, "Some page\n").is_err());
        assert!(extract(PageFormat::GainsightPx, "Not a method line\n").is_err());
    }

    #[test]
    fn hosts_choose_the_extractor() {
        assert_eq!(
            page_format("https://docs.trust.lat/docs/api/x"),
            Some(PageFormat::Trust)
        );
        assert_eq!(page_format("http://docs.trust.lat/x"), None);
        assert_eq!(page_format("https://example.test/x"), None);
    }
}
