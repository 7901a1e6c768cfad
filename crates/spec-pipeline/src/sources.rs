//! `cargo xtask sources fetch [--vendor V] [--write]`: watching the vendors' pages.
//!
//! For each distinct `x-vendor-doc.url` whose cited file is a stored page copy
//! (`spec/sources/*.txt`; research notes, `*.md`, are not copies of one page and are skipped),
//! fetch the page, turn it into text with html2text (pinned; plain, undecorated, every table cell
//! on its own line, no wrapping), and compare it with the stored copy.
//!
//! **The comparison ignores layout.** The stored copies were made by another extractor, which
//! joined table cells without a separator (`4004001Malformed data…`) where html2text puts each
//! cell on a line of its own, and which wrapped and indented differently. So both texts are
//! reduced to their characters other than whitespace, in order, and the page is unchanged when
//! those sequences are equal: a difference that is only whitespace (spaces, tabs, line breaks,
//! hence also the joining of table cells) is no change. When they differ, the report shows the
//! stored lines and the fetched lines that hold each difference, found by aligning the two
//! sequences character by character, with the operations that cite the page.
//!
//! With `--write` a changed page's new text replaces the stored copy; nothing else is touched.
//! The spec is the reviewer's to bring in line: `cargo xtask generate --check` then names every
//! operation that cites the page (its `sha256` no longer matches) and every fact of the page the
//! operation contradicts.
//!
//! Every fetch is bounded: a connect and a total timeout, a size limit, redirects only within the
//! same host (and scheme), HTTPS only, an HTML or plain-text answer in UTF-8. A page that fails
//! gets its own error; the other pages are still compared.

use std::collections::BTreeMap;
use std::io::Read;
use std::ops::Range;
use std::path::Path;
use std::time::Duration;

use crate::document::Document;
use crate::fsguard;
use crate::page_facts::{DOC_HOSTS, is_page_copy};
use crate::vendors::{VENDORS, Vendor};

/// A page as the specs cite it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page {
    /// The vendor's URL (`x-vendor-doc.url`).
    pub url: String,
    /// The stored copy, relative to `spec/` (`sources/attestr-archive-profile.txt`).
    pub file: String,
    /// The operations that cite it, as `vendor: operationId`.
    pub cited_by: Vec<String>,
}

/// How to fetch.
pub struct FetchOptions {
    /// How long connecting may take (10 s by default).
    pub connect_timeout: Duration,
    /// How long the whole fetch may take, body and its conversion to text included (30 s by
    /// default).
    pub timeout: Duration,
    /// Larger bodies are refused.
    pub max_bytes: u64,
    /// Maps a page's URL to the URL actually fetched. The identity for real use; tests point the
    /// vendors' hosts at a local server with it (and only then may the URL be plain HTTP on
    /// loopback).
    pub locate: Box<dyn Fn(&str) -> String + Send + Sync>,
}

impl Default for FetchOptions {
    fn default() -> Self {
        FetchOptions {
            connect_timeout: Duration::from_secs(10),
            timeout: Duration::from_secs(30),
            max_bytes: fsguard::MAX_SOURCE_BYTES,
            locate: Box::new(str::to_string),
        }
    }
}

/// What became of one page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Only whitespace differs (or nothing).
    Unchanged,
    /// The text differs: the lines that hold each difference, and the new text.
    Changed {
        /// The stored lines and the fetched lines that hold each difference ([`layout_diff`]).
        diff: String,
        /// The fetched page's text, which `--write` stores in place of the copy.
        text: String,
    },
    /// The page could not be fetched or read.
    Failed(String),
}

/// Every stored page the specs cite, for all vendors or one; and the research notes skipped.
pub fn pages(repo: &Path, vendor: Option<&str>) -> Result<(Vec<Page>, Vec<String>), String> {
    let chosen: Vec<Vendor> = match vendor {
        None => VENDORS.to_vec(),
        Some(name) => vec![crate::vendors::by_name(name).ok_or_else(|| {
            let known: Vec<&str> = VENDORS.iter().map(|v| v.name).collect();
            format!("unknown vendor `{name}` (known: {})", known.join(", "))
        })?],
    };
    let mut by_url: BTreeMap<String, Page> = BTreeMap::new();
    let mut skipped = std::collections::BTreeSet::new();
    for vendor in chosen {
        let doc = Document::load(repo, &vendor.spec_path()).map_err(|err| err.to_string())?;
        for op in doc.operations() {
            let cited = |name| op.operation.get("x-vendor-doc")?.get(name)?.as_str();
            let (Some(url), Some(file)) = (cited("url"), cited("file")) else {
                continue;
            };
            if !is_page_copy(file) || fsguard::plain_relative(file).is_err() {
                skipped.insert(format!("{url} (cites {file}, not a page copy)"));
                continue;
            }
            let page = by_url.entry(url.to_string()).or_insert_with(|| Page {
                url: url.to_string(),
                file: file.to_string(),
                cited_by: Vec::new(),
            });
            if page.file != file {
                return Err(format!(
                    "{url} is stored as both `{}` and `{file}`; one page, one copy",
                    page.file
                ));
            }
            page.cited_by
                .push(format!("{}: {}", vendor.name, op.label()));
        }
    }
    Ok((
        by_url.into_values().collect(),
        skipped.into_iter().collect(),
    ))
}

/// Fetches `page` and compares it with its stored copy under `repo/spec/`.
pub fn check_page(repo: &Path, page: &Page, client: &Client) -> Outcome {
    let stored = match fsguard::read_text(&repo.join("spec"), &page.file, fsguard::MAX_SOURCE_BYTES)
    {
        Ok(text) => text,
        Err(err) if matches!(err.problem, fsguard::Problem::Missing) => String::new(),
        Err(err) => return Outcome::Failed(err.to_string()),
    };
    let fetched = match client.fetch_text(&page.url) {
        Ok(text) => text,
        Err(message) => return Outcome::Failed(message),
    };
    if layout_key(&stored) == layout_key(&fetched) {
        Outcome::Unchanged
    } else {
        Outcome::Changed {
            diff: layout_diff(&stored, &fetched),
            text: fetched,
        }
    }
}

/// An HTTP client with the limits of [`FetchOptions`].
pub struct Client {
    http: reqwest::blocking::Client,
    options: FetchOptions,
}

impl Client {
    /// A client with `options`' timeouts that follows at most 5 redirects, each within the host
    /// and scheme of the first URL.
    pub fn new(options: FetchOptions) -> Result<Client, String> {
        let http = reqwest::blocking::Client::builder()
            .connect_timeout(options.connect_timeout)
            .timeout(options.timeout)
            .redirect(reqwest::redirect::Policy::custom(|attempt| {
                let first = &attempt.previous()[0];
                let next = attempt.url();
                if attempt.previous().len() > 5 {
                    attempt.error("more than 5 redirects")
                } else if next.host_str() != first.host_str() || next.scheme() != first.scheme() {
                    let to = next.to_string();
                    attempt.error(format!("a redirect to another host ({to}) is not followed"))
                } else {
                    attempt.follow()
                }
            }))
            .build()
            .map_err(|err| format!("cannot build the HTTP client: {err}"))?;
        Ok(Client { http, options })
    }

    /// The text of the page at `url` (after [`FetchOptions::locate`]). Only the vendors'
    /// documentation hosts are fetched (those [`crate::page_facts::page_format`] knows): a cited
    /// URL is spec text from a pull request, and CI must not be sent anywhere else.
    pub fn fetch_text(&self, url: &str) -> Result<String, String> {
        let started = std::time::Instant::now();
        if crate::page_facts::page_format(url).is_none() {
            let hosts: Vec<&str> = DOC_HOSTS.iter().map(|(host, _)| *host).collect();
            return Err(format!(
                "{url}: only https pages on the vendors' documentation hosts are fetched ({})",
                hosts.join(", ")
            ));
        }
        let located = (self.options.locate)(url);
        let parsed = reqwest::Url::parse(&located).map_err(|err| format!("{located}: {err}"))?;
        let loopback = parsed
            .host_str()
            .is_some_and(|host| host == "127.0.0.1" || host == "localhost" || host == "[::1]");
        if parsed.scheme() != "https" && !(parsed.scheme() == "http" && loopback && located != url)
        {
            return Err(format!("{url}: only https pages are fetched"));
        }
        let response = self
            .http
            .get(parsed)
            .header("accept", "text/html, text/plain;q=0.5")
            .send()
            .map_err(|err| format!("{url}: {}", error_chain(&err)))?;
        let status = response.status();
        if !status.is_success() {
            return Err(format!("{url}: HTTP {status}"));
        }
        let content_type = response
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|value| value.to_str().ok())
            .unwrap_or("")
            .to_ascii_lowercase();
        let limit = self.options.max_bytes;
        if response
            .content_length()
            .is_some_and(|length| length > limit)
        {
            return Err(format!("{url}: the page is larger than {limit} bytes"));
        }
        let mut body = Vec::new();
        response
            .take(limit + 1)
            .read_to_end(&mut body)
            .map_err(|err| format!("{url}: reading the page failed: {}", error_chain(&err)))?;
        if body.len() as u64 > limit {
            return Err(format!("{url}: the page is larger than {limit} bytes"));
        }
        let text = String::from_utf8(body).map_err(|err| {
            format!(
                "{url}: the page is not UTF-8 (invalid byte at offset {})",
                err.utf8_error().valid_up_to()
            )
        })?;
        if content_type.starts_with("text/html") || content_type.starts_with("application/xhtml") {
            // html2text's time grows with the square of the nesting depth: it runs apart, and
            // past the fetch's time limit the page fails (the conversion is left to end alone).
            let timeout = self.options.timeout;
            let (sender, receiver) = std::sync::mpsc::channel();
            std::thread::spawn(move || sender.send(html_to_text(&text)));
            let remaining = timeout.saturating_sub(started.elapsed());
            match receiver.recv_timeout(remaining) {
                Ok(converted) => converted.map_err(|message| format!("{url}: {message}")),
                Err(_) => Err(format!(
                    "{url}: turning the page into text took longer than the time limit ({timeout:?})"
                )),
            }
        } else if content_type.starts_with("text/plain")
            || content_type.starts_with("text/markdown")
        {
            Ok(text)
        } else {
            Err(format!(
                "{url}: expected an HTML or text page, got `{content_type}`"
            ))
        }
    }
}

/// An error with its causes, which is where reqwest says what happened (a timeout, a refused
/// connection, a redirect refused).
fn error_chain(err: &dyn std::error::Error) -> String {
    let causes = std::iter::successors(Some(err), |err| err.source());
    causes
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(": ")
}

/// The text of an HTML page: html2text with `PageDecorator` (plain text, `• ` before list
/// items, nothing else added), each table cell on its own line, no wrapping; trailing spaces
/// trimmed, one final newline.
pub fn html_to_text(html: &str) -> Result<String, String> {
    let text = html2text::config::with_decorator(PageDecorator)
        .raw_mode(true)
        .no_link_wrapping()
        .allow_width_overflow()
        .string_from_read(html.as_bytes(), 100_000)
        .map_err(|err| format!("html2text could not read the page: {err}"))?;
    let lines: Vec<&str> = text.lines().map(str::trim_end).collect();
    Ok(format!("{}\n", lines.join("\n").trim_end()))
}

use html2text::render::TextDecorator;

/// How long the comparison of one page may search for the smallest diff.
const DIFF_DEADLINE: std::time::Duration = std::time::Duration::from_secs(2);

/// html2text's decorations all left out (no `#` before headings, no link footnotes, no emphasis
/// marks, no image titles: an image's title is not the page's text), except that list items keep
/// a `• ` bullet, as in the stored copies: the vendors' pages list parameters and responses as
/// bullets, and the page-facts extractors read them.
#[derive(Clone, Debug)]
pub(crate) struct PageDecorator;

/// Trait methods that return nothing: an empty string, and no annotation.
macro_rules! undecorated {
    ($(fn $name:ident($($params:tt)*) -> $ret:ty;)*) => {
        $(fn $name($($params)*) -> $ret { Default::default() })*
    };
}

impl TextDecorator for PageDecorator {
    type Annotation = ();

    undecorated! {
        fn decorate_link_start(&mut self, _url: &str) -> (String, ());
        fn decorate_link_end(&mut self) -> String;
        fn decorate_em_start(&self) -> (String, ());
        fn decorate_em_end(&self) -> String;
        fn decorate_strong_start(&self) -> (String, ());
        fn decorate_strong_end(&self) -> String;
        fn decorate_strikeout_start(&self) -> (String, ());
        fn decorate_strikeout_end(&self) -> String;
        fn decorate_code_start(&self) -> (String, ());
        fn decorate_code_end(&self) -> String;
        fn decorate_preformat_first(&self) -> ();
        fn decorate_preformat_cont(&self) -> ();
        fn decorate_image(&mut self, _src: &str, _title: &str) -> (String, ());
        fn header_prefix(&self, _level: usize) -> String;
        fn quote_prefix(&self) -> String;
    }
    fn unordered_item_prefix(&self) -> String {
        "• ".to_string()
    }
    fn ordered_item_prefix(&self, i: i64) -> String {
        format!("{i}. ")
    }
    fn make_subblock_decorator(&self) -> Self {
        PageDecorator
    }
}

/// The characters of `text` other than whitespace, in order: what the comparison sees.
pub fn layout_key(text: &str) -> String {
    text.chars().filter(|ch| !ch.is_whitespace()).collect()
}

/// The lines of `old` and `new` that hold a difference other than whitespace, hunk by hunk:
/// `@@ stored line N, fetched line M`, then `- ` stored lines and `+ ` fetched lines.
pub fn layout_diff(old: &str, new: &str) -> String {
    fn keyed(text: &str) -> (Vec<char>, Vec<usize>) {
        let chars = text.lines().enumerate().flat_map(|(number, line)| {
            let chars = line.chars().filter(|ch| !ch.is_whitespace());
            chars.map(move |ch| (ch, number))
        });
        chars.unzip()
    }
    let (old_chars, old_line_of) = keyed(old);
    let (new_chars, new_line_of) = keyed(new);
    let old_lines: Vec<&str> = old.lines().collect();
    let new_lines: Vec<&str> = new.lines().collect();
    // A character diff of two large, very different pages can take very long: past the deadline
    // Myers gives up on finding the smallest diff and returns a coarser one.
    let deadline = std::time::Instant::now() + DIFF_DEADLINE;
    let ops = similar::capture_diff_slices_deadline(
        similar::Algorithm::Myers,
        &old_chars,
        &new_chars,
        Some(deadline),
    );
    let line_range = |line_of: &[usize], range: Range<usize>| {
        if range.is_empty() {
            // An insertion or deletion between two characters: the line of the one after (or
            // before, at the end).
            let index = range.start.min(line_of.len().saturating_sub(1));
            line_of
                .get(index)
                .map(|line| *line..*line + 1)
                .unwrap_or(0..0)
        } else {
            line_of[range.start]..line_of[range.end - 1] + 1
        }
    };
    // The lines not shown yet; none on a side the change does not touch.
    let unshown =
        |lines: Range<usize>, touched: Range<usize>, shown: usize| match touched.is_empty() {
            true => 0..0,
            false => lines.start.max(shown)..lines.end.max(shown),
        };
    let mut out = String::new();
    let mut shown_old = 0usize;
    let mut shown_new = 0usize;
    for op in ops {
        if op.tag() == similar::DiffTag::Equal {
            continue;
        }
        // The lines holding the removed (old) and inserted (new) characters; a pure insertion
        // shows no stored line, a pure deletion no fetched line.
        let old_range = line_range(&old_line_of, op.old_range());
        let new_range = line_range(&new_line_of, op.new_range());
        let anchor_old = old_range.start;
        let anchor_new = new_range.start;
        let old_range = unshown(old_range, op.old_range(), shown_old);
        let new_range = unshown(new_range, op.new_range(), shown_new);
        if old_range.is_empty() && new_range.is_empty() {
            continue;
        }
        out.push_str(&format!(
            "@@ stored line {}, fetched line {}\n",
            anchor_old + 1,
            anchor_new + 1
        ));
        for line in &old_lines[old_range.clone()] {
            out.push_str(&format!("- {line}\n"));
        }
        for line in &new_lines[new_range.clone()] {
            out.push_str(&format!("+ {line}\n"));
        }
        shown_old = shown_old.max(old_range.end);
        shown_new = shown_new.max(new_range.end);
    }
    out
}

/// `cargo xtask sources fetch`: prints each page's result; with `write`, stores changed pages.
/// Fails when a page could not be fetched, or (without `write`) when a page changed.
pub fn run(
    repo: &Path,
    vendor: Option<&str>,
    write: bool,
    options: FetchOptions,
) -> Result<RunSummary, String> {
    let (pages, skipped) = pages(repo, vendor)?;
    let client = Client::new(options)?;
    let mut summary = RunSummary::default();
    for note in skipped {
        eprintln!("    skipped {note}");
    }
    for page in &pages {
        let step = crate::progress::Step::start(&format!("fetch {}", page.url));
        let outcome = check_page(repo, page, &client);
        drop(step);
        let cited = page.cited_by.join(", ");
        match outcome {
            Outcome::Unchanged => {
                println!("unchanged  spec/{} ({})", page.file, page.url);
                summary.unchanged.push(page.file.clone());
            }
            Outcome::Changed { diff, text } => {
                println!(
                    "CHANGED    spec/{} ({})\n           cited by {cited}\n{diff}",
                    page.file, page.url
                );
                if write {
                    fsguard::write(&repo.join("spec"), &page.file, text.as_bytes())
                        .map_err(|err| err.to_string())?;
                    println!("           wrote spec/{}", page.file);
                }
                summary.changed.push(page.file.clone());
            }
            Outcome::Failed(message) => {
                println!(
                    "FAILED     spec/{}: {message}\n           cited by {cited}",
                    page.file
                );
                summary
                    .failed
                    .push(format!("spec/{}: {message}", page.file));
            }
        }
    }
    Ok(summary)
}

/// The pages of one run, by result.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct RunSummary {
    /// The stored copies whose page has not changed, relative to `spec/`.
    pub unchanged: Vec<String>,
    /// The stored copies whose page changed (and, with `--write`, were rewritten), relative to
    /// `spec/`.
    pub changed: Vec<String>,
    /// One line per page that could not be checked: `spec/<file>: <why>`.
    pub failed: Vec<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_vendors_documentation_hosts_are_fetched() {
        // A URL in a spec comes from a pull request: anything else is refused before any
        // connection (the host does not resolve here, so a request would fail differently).
        let client = Client::new(FetchOptions::default()).unwrap();
        for url in [
            "https://attacker.invalid/page",
            "https://docs.attestr.com.attacker.invalid/x",
            "http://docs.attestr.com/x",
        ] {
            let err = client.fetch_text(url).unwrap_err();
            assert!(
                err.contains("only https pages on the vendors' documentation hosts"),
                "{url}: {err}"
            );
        }
    }

    #[test]
    fn whitespace_and_joined_cells_are_no_change() {
        let stored = "Error Codes\n\nHTTP StatusError CodeError Message\n4004001Malformed data\n";
        let fetched =
            "Error Codes\nHTTP Status\nError Code\nError Message\n400\n4001\nMalformed   data\n";
        assert_eq!(layout_key(stored), layout_key(fetched));
        assert_ne!(layout_key(stored), layout_key("4004001Malformed date"));
    }

    #[test]
    fn the_diff_shows_the_lines_that_hold_each_difference() {
        let stored = "Intro\nHTTP StatusError CodeError Message\n4004001Malformed data\n5005001Request could not be processed\nEnd\n";
        let fetched = "Intro\nHTTP Status\nError Code\nError Message\n400\n4001\nMalformed data\n400\n40040\nProfile is locked\n500\n5001\nRequest could not be processed\nEnd\n";
        let diff = layout_diff(stored, fetched);
        assert_eq!(
            diff,
            "@@ stored line 4, fetched line 8\n+ 400\n+ 40040\n+ Profile is locked\n"
        );
        let reworded = "Intro\nHTTP Status\nError Code\nError Message\n400\n4001\nMalformed request\n500\n5001\nRequest could not be processed\nEnd\n";
        assert_eq!(
            layout_diff(stored, reworded),
            "@@ stored line 3, fetched line 7\n- 4004001Malformed data\n+ Malformed request\n"
        );
    }

    #[test]
    fn html_tables_become_one_cell_per_line() {
        let text = html_to_text(
            "<html><body><h2>Error Codes</h2><table><tr><th>HTTP Status</th><th>Error Code</th></tr>\
             <tr><td>400</td><td>4001</td></tr></table><p>End &amp; more</p></body></html>",
        )
        .unwrap();
        assert_eq!(
            layout_key(&text),
            layout_key("Error Codes HTTP StatusError Code 4004001 End & more")
        );
    }
}
