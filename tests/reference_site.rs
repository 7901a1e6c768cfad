//! The reference site in `spec/dist/site/`: rendered byte for byte the same every time, changed
//! in the same diff as the spec line that changed it, and, opened from the local files in
//! headless Chromium with the network blocked, checked as a person would see it: nothing fails to load and nothing
//! is logged as an error; the navigation lists every operation of the vendor; each operation
//! shows its outcomes, error codes, unknowns and source as the spec states them; and the three
//! operations the issue names show what it asks for. The expectations come from `spec/*.yaml`.
//!
//! Each page's screenshot goes to `target/reference-site/screenshots/`. With
//! `UPDATE_DOCS_SCREENSHOT=1`, the Attestr one is also copied to `docs/reference-site-attestr.png`,
//! the picture in `docs/published-spec.md`.

use std::path::PathBuf;

use serde_json::Value;
use spec_pipeline::document::Document;
use spec_pipeline::outputs::Mode;
use spec_pipeline::vendors::{VENDORS, Vendor, by_name};
use workspace_tests::browser::{self, Job, Report, css_string};
use workspace_tests::{ScratchRepo, repo_root};
use xtask::site::sections::{
    ERROR_CODES_HEADING, OUTCOMES_HEADING, SOURCE_HEADING, UNKNOWNS_HEADING, unknown_notes,
};
use xtask::site::{SITE_DIR, page_file, site_files};

/// Redoc 3's navigation and operation sections, as its DOM marks them.
const MENU_GROUP: &str = "[data-component-name='Menu/MenuItem'].menu-item-type-group";
const MENU_OPERATION: &str = "[data-component-name='Menu/MenuItem'].menu-item-type-operation";
const OPERATION_SECTION: &str = "[data-item-kind='httpItem']";
/// Drawn only once Redoc has hydrated the pre-rendered page (an effect after mount).
const HYDRATED: &str = "img[alt='redocly logo']";

const DOCS_SCREENSHOT: &str = "docs/reference-site-attestr.png";

fn menu_group(tag: &str) -> String {
    format!("{MENU_GROUP}:has(span[data-text={}])", css_string(tag))
}

fn menu_operation(summary: &str) -> String {
    format!("{MENU_OPERATION} span[data-text={}]", css_string(summary))
}

fn section(summary: &str) -> String {
    format!(
        "{OPERATION_SECTION}:has(h2:text-is({}))",
        css_string(summary)
    )
}

/// One operation as the spec describes it.
struct Operation {
    id: String,
    tag: String,
    summary: String,
    value: Value,
    notes: Vec<String>,
}

fn operations(doc: &Document) -> Vec<Operation> {
    doc.operations()
        .into_iter()
        .map(|op| {
            let text = |key: &str| {
                op.operation
                    .get(key)
                    .and_then(Value::as_str)
                    .unwrap_or_else(|| panic!("{}: `{}` has no {key}", doc.name, op.label()))
                    .to_string()
            };
            let tag = op
                .operation
                .pointer("/tags/0")
                .and_then(Value::as_str)
                .unwrap_or_else(|| {
                    panic!(
                        "{}: `{}` has no tag, so the navigation has no group for it",
                        doc.name,
                        op.label()
                    )
                })
                .to_string();
            Operation {
                id: text("operationId"),
                tag,
                summary: text("summary"),
                value: op.operation.clone(),
                notes: unknown_notes(doc, op.path, op.operation)
                    .into_iter()
                    .map(|(note, _)| note)
                    .collect(),
            }
        })
        .collect()
}

/// Text as a reader sees it: code-span backticks gone, whitespace collapsed.
fn as_displayed(markdown: &str) -> String {
    normalize(&markdown.replace('`', ""))
}

fn normalize(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn screenshot_path(name: &str) -> PathBuf {
    browser::output_dir("reference-site/screenshots").join(format!("{name}.png"))
}

fn page(vendor: &Vendor) -> PathBuf {
    repo_root()
        .join(SITE_DIR)
        .join(page_file(vendor).expect("vendor names are plain"))
}

/// The table under a section whose header row is `header`.
fn table_with_header<'a>(
    tables: &'a [Vec<Vec<String>>],
    header: &[&str],
    what: &str,
) -> &'a [Vec<String>] {
    let table = tables
        .iter()
        .find(|table| table.first().is_some_and(|first| first == header))
        .unwrap_or_else(|| panic!("{what}: no table with the header {header:?} in {tables:?}"));
    &table[1..]
}

/// Opens a vendor's page, walks its navigation group by group and operation by operation, checks
/// each against the spec, and returns the report and the operation `featured`. The last step
/// shows `featured` and takes the page's screenshot.
fn check_vendor_page(vendor_name: &str, featured: &str) -> (Report, Operation) {
    let vendor = by_name(vendor_name).expect("a known vendor");
    let doc = Document::load(&repo_root(), &vendor.spec_path()).unwrap();
    let mut operations = operations(&doc);
    let featured = operations
        .iter()
        .find(|op| op.id == featured)
        .unwrap_or_else(|| panic!("{}: no operation `{featured}`", doc.name));
    // Groups in the spec's order, the featured operation's last: a click on a group toggles it,
    // so the featured group is the one left open for the screenshot.
    let mut tags: Vec<&str> = Vec::new();
    for op in &operations {
        if !tags.contains(&op.tag.as_str()) && op.tag != featured.tag {
            tags.push(&op.tag);
        }
    }
    tags.push(&featured.tag);

    let mut job = Job::new(page(&vendor))
        .viewport(1280, 1200)
        .wait_for(HYDRATED);
    for tag in &tags {
        let members: Vec<&Operation> = operations.iter().filter(|op| op.tag == *tag).collect();
        job = job
            .click(format!("{} > a", menu_group(tag)))
            .wait_for(menu_operation(&members[0].summary))
            .text(
                format!("menu {tag}"),
                format!("{} {MENU_OPERATION} span[data-text]", menu_group(tag)),
            );
        for op in members {
            let section = section(&op.summary);
            // The Source section, with the page copy's sha256, ends the description: what is
            // read before it is drawn can be a part of the section (seen once under heavy load).
            let sha256 = op.value["x-vendor-doc"]["sha256"]
                .as_str()
                .unwrap_or_default();
            job = job
                .click(menu_operation(&op.summary))
                .wait_for(format!("{section} h2"))
                .wait_for(format!("{section} :text({})", css_string(sha256)))
                .text(format!("section {}", op.id), section.clone())
                .tables(format!("tables {}", op.id), format!("{section} table"))
                .links(format!("links {}", op.id), format!("{section} a[href]"));
        }
    }
    let featured_summary = &featured.summary;
    job = job
        .click(menu_operation(featured_summary))
        .wait_for(format!("{} h2", section(featured_summary)))
        .screenshot(screenshot_path(vendor.name));
    let report = browser::run(&job);
    report.assert_offline_and_clean();
    assert!(
        report
            .requests
            .iter()
            .any(|url| url.ends_with("/renderer.js")),
        "{}: the page did not load the shared renderer.js: {:?}",
        report.url,
        report.requests
    );
    assert!(
        browser::is_png(&screenshot_path(vendor.name)),
        "no screenshot"
    );

    // The navigation lists every operation, under its tag, in the spec's order.
    tags.sort_by_key(|tag| operations.iter().position(|op| op.tag == *tag));
    let mut listed = Vec::new();
    for tag in &tags {
        let expected: Vec<&str> = operations
            .iter()
            .filter(|op| op.tag == *tag)
            .map(|op| op.summary.as_str())
            .collect();
        assert_eq!(
            report.text(&format!("menu {tag}")),
            expected,
            "{}: the navigation group {tag:?}",
            report.url
        );
        listed.extend(expected);
    }
    assert_eq!(listed.len(), operations.len());

    for op in &operations {
        check_operation(&report, op);
    }
    let featured = operations
        .iter()
        .position(|op| op.id == featured.id)
        .unwrap();
    (report, operations.swap_remove(featured))
}

/// One operation's section shows its extensions as the spec states them.
fn check_operation(report: &Report, op: &Operation) {
    let what = format!("{} `{}`", report.url, op.id);
    let text = normalize(&report.text(&format!("section {}", op.id)).join("\n"));
    let tables = report.tables(&format!("tables {}", op.id));

    let source = &op.value["x-vendor-doc"];
    let url = source["url"].as_str().unwrap();
    assert!(text.contains(SOURCE_HEADING), "{what}: no Source section");
    for field in ["file", "sha256"] {
        let value = source[field].as_str().unwrap();
        assert!(
            text.contains(value),
            "{what}: the source's {field} {value} is not shown"
        );
    }
    assert!(
        report
            .links(&format!("links {}", op.id))
            .iter()
            .any(|link| link.href.as_deref() == Some(url)),
        "{what}: no link to the vendor's page {url}"
    );

    match op.value.get("x-error-codes").and_then(Value::as_array) {
        Some(codes) => {
            let rows = table_with_header(tables, &["Status", "Code", "Message"], &what);
            let expected: Vec<Vec<String>> = codes
                .iter()
                .map(|code| {
                    vec![
                        code["status"].to_string(),
                        code.get("code")
                            .map(Value::to_string)
                            .unwrap_or_else(|| "none documented".to_string()),
                        code["message"].as_str().unwrap().to_string(),
                    ]
                })
                .collect();
            assert_eq!(rows, expected, "{what}: the vendor error codes");
        }
        None => assert!(!text.contains(ERROR_CODES_HEADING), "{what}: error codes"),
    }

    match op.value.get("x-outcomes").and_then(Value::as_array) {
        Some(outcomes) => {
            let rows = table_with_header(
                tables,
                &[
                    "Outcome",
                    "Status",
                    "Body checks",
                    "Evidence",
                    "Description",
                ],
                &what,
            );
            assert_eq!(rows.len(), outcomes.len(), "{what}: outcome rows");
            for (row, outcome) in rows.iter().zip(outcomes) {
                assert_eq!(row[0], outcome["outcome"].as_str().unwrap(), "{what}");
                assert_eq!(row[1], outcome["status"].to_string(), "{what}");
                assert!(
                    row[3].starts_with(outcome["evidence"].as_str().unwrap()),
                    "{what}: evidence {row:?}"
                );
                assert_eq!(
                    normalize(&row[4]),
                    as_displayed(outcome["description"].as_str().unwrap()),
                    "{what}: outcome description"
                );
                for check in outcome
                    .get("when")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                {
                    let pointer = check["pointer"].as_str().unwrap();
                    assert!(row[2].contains(pointer), "{what}: body check {row:?}");
                }
            }
        }
        None => assert!(!text.contains(OUTCOMES_HEADING), "{what}: outcomes"),
    }

    if op.notes.is_empty() {
        assert!(!text.contains(UNKNOWNS_HEADING), "{what}: unknowns");
    } else {
        assert!(
            text.contains(UNKNOWNS_HEADING),
            "{what}: no unknowns section"
        );
        for note in &op.notes {
            assert!(
                text.contains(&as_displayed(note)),
                "{what}: the note {note:?} is not shown in:\n{text}"
            );
        }
    }
}

#[test]
fn attestr_page_shows_every_archive_profile_error() {
    let (report, archive) = check_vendor_page("attestr", "archiveProfile");
    let documented = archive.value["x-error-codes"].as_array().unwrap();
    assert_eq!(
        documented.len(),
        15,
        "the spec documents 15 Archive Profile errors"
    );
    let rows = table_with_header(
        report.tables("tables archiveProfile"),
        &["Status", "Code", "Message"],
        "archiveProfile",
    );
    assert_eq!(rows.len(), 15, "all 15 rows are shown: {rows:?}");
    assert!(rows.contains(&vec![
        "400".to_string(),
        "40038".to_string(),
        "Profile is archived already, operation not allowed".to_string()
    ]));

    if std::env::var_os("UPDATE_DOCS_SCREENSHOT").is_some() {
        let target = repo_root().join(DOCS_SCREENSHOT);
        std::fs::create_dir_all(target.parent().unwrap()).unwrap();
        std::fs::copy(screenshot_path("attestr"), &target).unwrap();
    }
}

#[test]
fn trust_page_shows_both_delete_identity_404_messages() {
    let (report, delete) = check_vendor_page("trust", "deleteIdentity");
    let messages: Vec<&str> = delete.value["x-error-codes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|code| code["status"] == 404)
        .map(|code| code["message"].as_str().unwrap())
        .collect();
    assert_eq!(messages.len(), 2, "the spec documents two 404 messages");
    let rows = table_with_header(
        report.tables("tables deleteIdentity"),
        &["Status", "Code", "Message"],
        "deleteIdentity",
    );
    for message in messages {
        assert!(
            rows.iter().any(|row| row[0] == "404" && row[2] == message),
            "the 404 message {message:?} is not shown: {rows:?}"
        );
    }
}

#[test]
fn gainsight_px_page_shows_the_seven_day_revival_rule() {
    const RULE: &str = "If a user with the same id is created or updated within the next 7 days, \
                        the previously deleted record will be revived with all of its associated \
                        event history.";
    let (report, delete) = check_vendor_page("gainsight-px", "deleteUser");
    assert!(
        normalize(delete.value["description"].as_str().unwrap()).contains(RULE),
        "the spec states the rule"
    );
    let text = normalize(&report.text("section deleteUser").join("\n"));
    assert!(text.contains(RULE), "the rule is not shown in:\n{text}");
}

#[test]
fn index_links_every_vendor_page() {
    let index = repo_root().join(SITE_DIR).join("index.html");
    let first = by_name("attestr").unwrap();
    let report = browser::run(
        &Job::new(&index)
            .wait_for("li.vendor")
            .links("vendors", "li.vendor h2 a")
            .screenshot(screenshot_path("index"))
            .click(format!(
                "li.vendor h2 a[href={}]",
                css_string(&page_file(&first).unwrap())
            ))
            .wait_for(HYDRATED),
    );
    report.assert_offline_and_clean();
    let expected: Vec<(String, Option<String>)> = VENDORS
        .iter()
        .map(|vendor| {
            let doc = Document::load(&repo_root(), &vendor.spec_path()).unwrap();
            (
                doc.root["info"]["title"].as_str().unwrap().to_string(),
                Some(page_file(vendor).unwrap()),
            )
        })
        .collect();
    let shown: Vec<(String, Option<String>)> = report
        .links("vendors")
        .iter()
        .map(|link| (link.text.clone(), link.href.clone()))
        .collect();
    assert_eq!(shown, expected);
    assert!(browser::is_png(&screenshot_path("index")));
}

#[test]
fn the_site_is_rendered_byte_identically() {
    let first = site_files(&repo_root()).unwrap_or_else(|err| panic!("{err}"));
    let second = site_files(&repo_root()).unwrap_or_else(|err| panic!("{err}"));
    assert_eq!(
        first.len(),
        VENDORS.len() + 2,
        "a page per vendor, the index, the renderer"
    );
    for (path, text) in &first {
        assert!(second[path] == *text, "{path} differs between two runs");
        // And it is what is published (`cargo xtask site` writes it, `site --check` checks it).
        let on_disk = std::fs::read_to_string(repo_root().join(path)).unwrap_or_default();
        assert!(on_disk == *text, "{path} is stale: run `cargo xtask site`");
    }
}

#[test]
fn a_spec_change_shows_in_the_page_diff_on_its_own_lines() {
    let scratch = ScratchRepo::new("site-edit");
    // The vendor rewords an error on the Archive Profile page; the reviewer updates the stored
    // copy, its cited hash and the `x-error-codes` row (the first occurrence is Archive Profile's).
    scratch.edit_cited_page(
        "spec/attestr.yaml",
        "spec/sources/attestr-archive-profile.txt",
        "4004003Request ID is invalid",
        "4004003Request ID is not valid",
    );
    let spec = scratch.read("spec/attestr.yaml");
    let edited = spec.replacen(
        "message: Request ID is invalid",
        "message: Request ID is not valid",
        1,
    );
    assert_ne!(spec, edited, "the edit must apply");
    scratch.write("spec/attestr.yaml", &edited);

    let report =
        xtask::site::publish(&scratch.root, Mode::Check).unwrap_or_else(|err| panic!("{err}"));
    let page = format!("{SITE_DIR}/attestr.html");
    // Rendered in another directory, the other pages, the index and the renderer come out the
    // same bytes; only the edited vendor's page changes.
    let site_changes: Vec<&String> = report
        .changed
        .iter()
        .filter(|path| path.starts_with(SITE_DIR))
        .collect();
    assert_eq!(site_changes, [&page], "{:?}", report.changed);
    let page_diff = report
        .diff
        .split("--- a/")
        .find(|part| part.starts_with(&page))
        .expect("the page's diff");
    let added: Vec<&str> = page_diff
        .lines()
        .filter(|line| line.starts_with('+') && !line.starts_with("+++"))
        .collect();
    assert!(
        added
            .iter()
            .any(|line| line.contains("Request ID is not valid")),
        "{page_diff}"
    );
    // The operation's description (one JSON string, its sections included) and the
    // `x-error-codes` row change; nothing page-long (the pre-rendered markup, the styles) does.
    assert!(
        added.len() <= 3 && added.iter().all(|line| line.len() < 8_000),
        "a changed row should change only its own lines of the page: {} lines, the longest {} bytes",
        added.len(),
        added.iter().map(|line| line.len()).max().unwrap_or(0)
    );
}
