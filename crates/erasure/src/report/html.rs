//! The receipts as one self-contained HTML page for a privacy officer, written as they are read:
//! inline style, no script, no external asset (a Content-Security-Policy forbids loading any), every value escaped by the
//! template engine (maud).

use std::io::Write;

use maud::{DOCTYPE, Markup, PreEscaped, html};

use super::{HASHING_NOTE, Head, Receipts, ReportError, SubjectReceipt, each_with_caveat};

const STYLE: &str = "
body { font: 13px/1.45 system-ui, sans-serif; margin: 2rem auto; max-width: 110rem; padding: 0 1rem; color: #1b1f24; }
td.meaning { min-width: 16rem; }
h1 { font-size: 1.6rem; margin-bottom: .2rem; }
.meta { color: #57606a; margin-top: 0; }
.summary { font-size: 1.1rem; }
table { border-collapse: collapse; width: 100%; margin: 1rem 0; }
th, td { border: 1px solid #d0d7de; padding: .3rem .4rem; text-align: left; vertical-align: top; }
th { background: #f6f8fa; }
tbody:nth-of-type(even) td { background: #fbfcfd; }
td.num { text-align: right; }
code { font-size: .8em; }
td.nowrap { white-space: nowrap; }
.erased { color: #116329; font-weight: 600; }
.absent { color: #0550ae; font-weight: 600; }
.warning { background: #fff8c5; border: 1px solid #d4a72c; padding: .4rem .6rem; }
.needs_person { color: #a40e26; font-weight: 600; }
.not_finished { color: #7d4e00; font-weight: 600; }
li { margin-bottom: .5rem; }
footer { color: #57606a; border-top: 1px solid #d0d7de; margin-top: 2rem; padding-top: .5rem; }
";

/// Writes `receipts` as one HTML page, one subject's rows at a time.
pub fn write(receipts: &dyn Receipts, out: &mut dyn Write) -> Result<(), ReportError> {
    let head = receipts.head();
    let summary = &head.summary;
    // The page's elements are opened here and closed at the end, so that the rows between are
    // written as they are read; maud escapes every value in them.
    let top = html! {
        (DOCTYPE)
        (PreEscaped("<html lang=\"en\">"))
        head {
            meta charset="utf-8";
            meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'";
            meta name="viewport" content="width=device-width, initial-scale=1";
            title { "Erasure receipts" }
            style { (PreEscaped(STYLE)) }
        }
        (PreEscaped("<body>"))
        h1 { "Erasure receipts" }
        p.meta {
            (head.tool) "; journal created " (head.journal_created_at)
            "; report made " (head.generated_at) "."
            @if let Some(subject) = &head.only_subject {
                " Only the subject " (subject) "."
            }
        }
        p.meta #chain {
            "Journal chain head: " code { (head.chain.digest) }
            " (" (head.chain.records) " records, every row checked against it)."
        }
        p.summary {
            strong { (summary.subjects_line()) "." }
            " Steps: " (summary.steps_line()) "."
        }
        @for warning in &head.warnings {
            p.warning { strong { "Warning: " } (warning) }
        }
        (PreEscaped("<table id=\"receipts\">"))
        thead {
            tr {
                th { "Subject" } th { "Line" } th { "Vendor" } th { "Action" }
                th { @if head.ids_revealed { "Vendor id" } @else { "Vendor id (HMAC-SHA256)" } }
                th { "Standing" } th { "Outcome" }
                th { "What it means" } th { "Time (UTC)" } th { "Request id" }
                th { "Attempts" }
            }
        }
    };
    out.write_all(top.into_string().as_bytes())?;
    receipts
        .each_subject(&mut |subject| out.write_all(rows(head, subject).into_string().as_bytes()))?;
    let after_rows = html! {
        (PreEscaped("</table>"))
        @if !head.vendors.is_empty() { (vendors(head)) }
    };
    out.write_all(after_rows.into_string().as_bytes())?;
    if !head.caveats.is_empty() {
        out.write_all(b"<h2>Caveats</h2><ul id=\"caveats\">")?;
        for caveat in head.caveats.keys() {
            let item = html! { (PreEscaped("<li>")) (caveat) " Applies to: " };
            out.write_all(item.into_string().as_bytes())?;
            each_with_caveat(receipts, caveat, &mut |subject, separator| {
                let item = html! { (separator) (subject.subject) " (line " (subject.line) ")" };
                out.write_all(item.into_string().as_bytes())
            })?;
            out.write_all(b".</li>")?;
        }
        out.write_all(b"</ul>")?;
    }
    let end = html! { footer { p { (HASHING_NOTE) } } (PreEscaped("</body></html>")) };
    out.write_all(end.into_string().as_bytes())?;
    Ok(())
}

/// The id as the table shows it: a hash without its `hmac-sha256:` prefix (the column header
/// says it), a revealed id as it is.
fn shown_id<'a>(head: &Head, id: &'a str) -> &'a str {
    match id.strip_prefix("hmac-sha256:") {
        Some(hash) if !head.ids_revealed => hash,
        _ => id,
    }
}

/// A cited page's address as plain text without its scheme: the page holds no address a
/// browser or a mail client would turn into a link (the JSON report keeps the whole URL).
fn without_scheme(url: &str) -> &str {
    url.split_once("://").map_or(url, |(_, rest)| rest)
}

/// Each vendor's environment, method, completion, tool, spec, operators and later check.
fn vendors(head: &Head) -> Markup {
    html! {
        h2 { "Vendors" }
        table #vendors {
            thead {
                tr {
                    th { "Vendor" } th { "Method" } th { "Environment" } th { "Completed (UTC)" }
                    th { "Tool" } th { "Spec version" } th { "Cited pages (sha256 of the stored source file)" }
                    th { "Operator" } th { "Checked again later" }
                }
            }
            tbody {
                @for vendor in &head.vendors {
                    tr {
                        td.nowrap { (vendor.vendor_name) }
                        td { (vendor.method) }
                        td { (vendor.environments.join(", ")) }
                        td.nowrap { (vendor.completed_at.as_deref().map(short_time).unwrap_or("not yet (steps remain)".to_string())) }
                        td { (vendor.tools.join(", ")) }
                        td { (vendor.spec_versions.join(", ")) }
                        td {
                            @for page in &vendor.cited_pages {
                                (without_scheme(&page.url)) " " code { (page.sha256) } br;
                            }
                        }
                        td { @if vendor.operators.is_empty() { "not recorded" } @else { (vendor.operators.join(", ")) } }
                        td { (vendor.absence_check) }
                    }
                }
            }
        }
    }
}

/// `2026-11-29T19:08:29.388Z` as `2026-11-29 19:08:29` (the JSON report keeps milliseconds).
fn short_time(time: &str) -> String {
    time.get(..19).unwrap_or(time).replace('T', " ")
}

fn rows(head: &Head, subject: &SubjectReceipt) -> Markup {
    html! {
        tbody data-standing=(subject.standing.label()) {
            @for step in &subject.steps {
                tr {
                    td { (subject.subject) }
                    td.num { (subject.line) }
                    td.nowrap { (step.vendor_name) }
                    td { (step.action) }
                    td.nowrap { code { (shown_id(head, &step.id)) } }
                    td { span class=(step.standing.name()) { (step.standing.label()) } }
                    td { (step.outcome.as_deref().unwrap_or("—")) }
                    td.meaning {
                        (step.meaning)
                        @if let Some(into) = &step.merged_into {
                            " Merged into " code { (shown_id(head, into)) } "."
                        }
                        @if let Some(problem) = &step.problem {
                            br;
                            strong { (problem.kind.name()) ": " }
                            (problem.message) " " (problem.advice)
                        }
                    }
                    td.nowrap {
                        (step.time.as_deref().map(short_time).unwrap_or("—".to_string()))
                        @if let Some(due) = &step.recheck_due {
                            br; "re-check due " (short_time(due))
                        }
                        @if let Some(check) = &step.verification {
                            br; "verify " (short_time(&check.time)) ": "
                            strong { (check.result.label()) }
                            @if let Some(note) = &check.note { " " (note) }
                        }
                    }
                    td { (step.request_id.as_deref().unwrap_or("—")) }
                    td.num { (step.attempts) }
                }
            }
        }
    }
}
