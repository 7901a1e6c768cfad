//! The receipts as one self-contained HTML page for a privacy officer: inline style, no script,
//! no external asset (a Content-Security-Policy forbids loading any), every value escaped by the
//! template engine (maud).

use maud::{DOCTYPE, Markup, PreEscaped, html};

use super::{HASHING_NOTE, Report, Standing};

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
.needs_person { color: #a40e26; font-weight: 600; }
.not_finished { color: #7d4e00; font-weight: 600; }
li { margin-bottom: .5rem; }
footer { color: #57606a; border-top: 1px solid #d0d7de; margin-top: 2rem; padding-top: .5rem; }
";

/// Renders `report` as one HTML page.
pub fn render(report: &Report) -> String {
    page(report).into_string()
}

fn standing(standing: Standing) -> Markup {
    let class = match standing {
        Standing::Erased => "erased",
        Standing::NotFinished => "not_finished",
        Standing::NeedsPerson => "needs_person",
    };
    html! { span class=(class) { (standing.label()) } }
}

/// The id as the table shows it: a hash without its `hmac-sha256:` prefix (the column header
/// says it), a revealed id as it is.
fn shown_id<'a>(report: &Report, id: &'a str) -> &'a str {
    if report.ids_revealed {
        id
    } else {
        id.strip_prefix("hmac-sha256:").unwrap_or(id)
    }
}

/// A cited page's address as plain text without its scheme: the page holds no address a
/// browser or a mail client would turn into a link (the JSON report keeps the whole URL).
fn without_scheme(url: &str) -> &str {
    url.split_once("://").map_or(url, |(_, rest)| rest)
}

/// `2026-11-29T19:08:29.388Z` as `2026-11-29 19:08:29` (the JSON report keeps milliseconds).
fn short_time(time: &str) -> String {
    time.get(..19).unwrap_or(time).replace('T', " ")
}

fn page(report: &Report) -> Markup {
    let summary = &report.summary;
    let caveats = report.caveats();
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { "Erasure receipts" }
                style { (PreEscaped(STYLE)) }
            }
            body {
                h1 { "Erasure receipts" }
                p.meta {
                    (report.tool) "; journal created " (report.journal_created_at)
                    "; report made " (report.generated_at) "."
                }
                p.meta #chain {
                    "Journal chain head: " code { (report.chain.head) }
                    " (" (report.chain.records) " records, every row checked against it)."
                }
                p.summary {
                    strong {
                        (summary.subjects_erased) " of " (summary.subjects)
                        " subjects erased at every vendor."
                    }
                    " Steps: " (summary.steps_erased) " erased, "
                    (summary.steps_needing_a_person) " need a person, "
                    (summary.steps_not_finished) " not finished."
                }
                table #receipts {
                    thead {
                        tr {
                            th { "Subject" } th { "Line" } th { "Vendor" } th { "Action" }
                            th { @if report.ids_revealed { "Vendor id" } @else { "Vendor id (HMAC-SHA256)" } }
                            th { "Standing" } th { "Outcome" }
                            th { "What it means" } th { "Time (UTC)" } th { "Request id" }
                            th { "Attempts" }
                        }
                    }
                    @for subject in &report.subjects {
                        tbody data-standing=(subject.standing.label()) {
                            @for step in &subject.steps {
                                tr {
                                    td { (subject.subject) }
                                    td.num { (subject.line) }
                                    td.nowrap { (step.vendor_name) }
                                    td { (step.action) }
                                    td.nowrap { code { (shown_id(report, &step.id)) } }
                                    td { (standing(step.standing)) }
                                    td { (step.outcome.as_deref().unwrap_or("—")) }
                                    td.meaning {
                                        (step.meaning)
                                        @if let Some(into) = &step.merged_into {
                                            " Merged into " code { (shown_id(report, into)) } "."
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
                @if !report.vendors.is_empty() {
                    h2 { "Vendors" }
                    table #vendors {
                        thead {
                            tr {
                                th { "Vendor" } th { "Method" } th { "Environment" } th { "Completed (UTC)" }
                                th { "Tool" } th { "Spec version" } th { "Cited pages (sha256)" }
                                th { "Operator" } th { "Checked again later" }
                            }
                        }
                        tbody {
                            @for vendor in &report.vendors {
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
                @if !caveats.is_empty() {
                    h2 { "Caveats" }
                    ul #caveats {
                        @for (caveat, subjects) in &caveats {
                            li {
                                (caveat) " Applies to: "
                                @for (index, subject) in subjects.iter().enumerate() {
                                    @if index > 0 { ", " }
                                    (subject.subject) " (line " (subject.line) ")"
                                }
                                "."
                            }
                        }
                    }
                }
                footer { p { (HASHING_NOTE) } }
            }
        }
    }
}
