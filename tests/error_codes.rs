//! The errors in each spec's `x-error-codes` match the error tables of the vendor pages in
//! `spec/sources/`: a code missing from the spec, or present in the spec but not on the page,
//! fails. Each page format gets its own small parser; the pages are the vendors' text as copied.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;
use workspace_tests::repo_root;
use xtask::document::Document;
use xtask::vendors::VENDORS;

/// `(HTTP status, vendor code, message)`.
type ErrorRow = (u16, Option<i64>, String);

/// Attestr: rows like `40040038Profile is archived already, operation not allowed` under
/// "Error Codes": three digits of status, the vendor code, then the message.
fn attestr_table(page: &str) -> BTreeSet<ErrorRow> {
    let mut rows = BTreeSet::new();
    let table = page
        .split("HTTP StatusError CodeError Message")
        .nth(1)
        .expect("an Error Codes table");
    for line in table
        .lines()
        .map(str::trim)
        .skip_while(|line| line.is_empty())
    {
        let Some(status) = line.get(..3).and_then(|s| s.parse::<u16>().ok()) else {
            break;
        };
        let rest = &line[3..];
        let digits = rest.chars().take_while(char::is_ascii_digit).count();
        let code = rest[..digits]
            .parse()
            .expect("a vendor code after the status");
        rows.insert((status, Some(code), rest[digits..].to_string()));
    }
    rows
}

/// Trust: an `HTTP Code: 404 Not Found` heading followed by the JSON bodies of that status.
fn trust_bodies(page: &str) -> BTreeSet<ErrorRow> {
    let mut rows = BTreeSet::new();
    for section in page.split("HTTP Code: ").skip(1) {
        let status: u16 = section[..3].parse().expect("a status after `HTTP Code:`");
        if status < 400 {
            continue;
        }
        let mut rest = section;
        while let Some(start) = rest.find("\n{") {
            let end = rest[start..].find("\n}").expect("a closing brace") + start + 2;
            let body: Value = serde_json::from_str(&rest[start..end]).expect("a JSON error body");
            rows.insert((
                status,
                body["code"].as_i64(),
                body["message"].as_str().unwrap().to_string(),
            ));
            rest = &rest[end..];
        }
    }
    rows
}

/// Gainsight PX: the "Responses" list, `• 404` then the description on a later line.
fn px_responses(page: &str) -> BTreeSet<ErrorRow> {
    let mut rows = BTreeSet::new();
    let mut lines = page.lines().map(str::trim).filter(|line| !line.is_empty());
    while let Some(line) = lines.next() {
        let Some(status) = line.strip_prefix("• ").and_then(|s| s.parse::<u16>().ok()) else {
            continue;
        };
        if status >= 400 {
            rows.insert((
                status,
                None,
                lines.next().expect("a description").to_string(),
            ));
        }
    }
    rows
}

fn spec_rows(operation: &Value) -> BTreeSet<ErrorRow> {
    operation["x-error-codes"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|row| {
            (
                row["status"].as_u64().unwrap() as u16,
                row["code"].as_i64(),
                row["message"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn spec_error_codes_match_the_vendor_pages() {
    let repo = repo_root();
    let mut problems = Vec::new();
    let mut pages_checked = BTreeMap::new();
    for vendor in VENDORS {
        let doc = Document::load(&repo, &vendor.spec_path()).unwrap();
        for op in doc.operations() {
            let file = op.operation["x-vendor-doc"]["file"]
                .as_str()
                .unwrap_or_default();
            let parse: fn(&str) -> BTreeSet<ErrorRow> = match file {
                f if f.starts_with("sources/attestr-") && f.ends_with(".txt") => attestr_table,
                f if f.starts_with("sources/trust-") && f.ends_with(".txt") => trust_bodies,
                f if f.starts_with("sources/gainsight-px-") && f.ends_with(".txt") => px_responses,
                _ => continue, // research notes, not a vendor page with an error table
            };
            let page = std::fs::read_to_string(repo.join("spec").join(file)).unwrap();
            let on_page = parse(&page);
            let in_spec = spec_rows(op.operation);
            let label = format!("{} `{}`", vendor.spec_path(), op.label());
            for row in on_page.difference(&in_spec) {
                problems.push(format!(
                    "{label}: {file} lists {row:?}, missing from x-error-codes"
                ));
            }
            for row in in_spec.difference(&on_page) {
                problems.push(format!(
                    "{label}: x-error-codes has {row:?}, which {file} does not list"
                ));
            }
            pages_checked.insert(file.to_string(), on_page.len());
        }
    }
    assert!(
        problems.is_empty(),
        "x-error-codes disagree with the vendor pages:\n  {}",
        problems.join("\n  ")
    );
    // Every vendor page in sources/ was compared, and each really has errors to compare.
    let pages: Vec<_> = std::fs::read_dir(repo.join("spec/sources"))
        .unwrap()
        .map(|entry| format!("sources/{}", entry.unwrap().file_name().to_string_lossy()))
        .filter(|name| name.ends_with(".txt"))
        .collect();
    for page in pages {
        let rows = pages_checked.get(&page).copied().unwrap_or(0);
        assert!(
            rows > 0,
            "{page} is cited by no operation, or its error table parsed to nothing"
        );
    }
}

#[test]
fn page_parsers_read_the_vendor_formats() {
    let attestr = "Error Codes\n\nHTTP StatusError CodeError Message\n4004001Malformed data\n40040018Invalid profile Id\n\nSample";
    assert_eq!(
        attestr_table(attestr),
        BTreeSet::from([
            (400, Some(4001), "Malformed data".to_string()),
            (400, Some(40018), "Invalid profile Id".to_string()),
        ])
    );
    let trust = "HTTP Code: 200 OK\n\n{\n\"code\": 200\n}\n\nHTTP Code: 404 Not Found\n\nGone\n\n{\n\"code\": 404,\n\"message\": \"Not found\"\n}";
    assert_eq!(
        trust_bodies(trust),
        BTreeSet::from([(404, Some(404), "Not found".to_string())])
    );
    let px =
        "Responses\n\n  • 200 */*\n\n    Deleted\n  • 401\n\n    Unauthorized or bad API Key\n";
    assert_eq!(
        px_responses(px),
        BTreeSet::from([(401, None, "Unauthorized or bad API Key".to_string())])
    );
}
