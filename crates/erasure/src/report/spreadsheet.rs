//! The receipts as CSV for a spreadsheet (the csv crate, RFC 4180 quoting), one row per vendor
//! step, written as they are read. A cell from outside (a subject reference, a revealed id, a
//! vendor's message or request id) that a spreadsheet would take for a formula (it starts with
//! `=`, `+`, `-`, `@`, a tab or a carriage return) gets a leading `'`, which spreadsheets show
//! as text; the JSON report keeps every value as it is. Each row also carries the step's
//! Gainsight PX re-check date and what the last `verify` found, and the journal's chain head
//! (one value for the whole report, so that a spreadsheet alone can be compared with it).

use std::io::{self, Write};

use super::{Receipts, ReportError};

/// The columns, in order.
pub const COLUMNS: [&str; 23] = [
    "subject",
    "line",
    "vendor",
    "action",
    "vendor_id",
    "follows_merge_of",
    "standing",
    "outcome",
    "merged_into",
    "meaning",
    "caveat",
    "problem_kind",
    "problem",
    "time",
    "request_id",
    "attempts",
    "sends",
    "http_status",
    "recheck_due",
    "verify_result",
    "verified_at",
    "verify_note",
    "journal_chain_head",
];

/// Writes `receipts` as CSV, a header and one row per step.
pub fn write(receipts: &dyn Receipts, out: &mut dyn Write) -> Result<(), ReportError> {
    let mut writer = csv::Writer::from_writer(out);
    writer.write_record(COLUMNS).map_err(csv_error)?;
    let chain_head = receipts.head().chain.digest.clone();
    receipts.each_subject(&mut |subject| {
        for step in &subject.steps {
            let problem = step.problem.as_ref();
            let check = step.verification.as_ref();
            writer
                .write_record([
                    cell(&subject.subject),
                    subject.line.to_string(),
                    step.vendor.slug().to_string(),
                    step.action.to_string(),
                    cell(&step.id),
                    outside(step.follows_merge_of.as_deref()),
                    step.standing.name().to_string(),
                    text(step.outcome.as_ref()),
                    outside(step.merged_into.as_deref()),
                    step.meaning.clone(),
                    text(step.caveat),
                    text(problem.map(|problem| problem.kind.name())),
                    outside(problem.map(|problem| problem.message.as_str())),
                    text(step.time.as_ref()),
                    outside(step.request_id.as_deref()),
                    step.attempts.to_string(),
                    step.sends.to_string(),
                    text(step.http_status),
                    text(step.recheck_due.as_ref()),
                    text(check.map(|check| check.result.name())),
                    text(check.map(|check| &check.time)),
                    outside(check.and_then(|check| check.note.as_deref())),
                    chain_head.clone(),
                ])
                .map_err(csv_error)?;
        }
        Ok(())
    })?;
    writer.flush()?;
    Ok(())
}

/// The value as a cell, empty when there is none (a value the tool wrote itself).
fn text(value: Option<impl ToString>) -> String {
    value.map(|value| value.to_string()).unwrap_or_default()
}

/// A value from outside as a cell ([`cell`]), empty when there is none.
fn outside(value: Option<&str>) -> String {
    value.map(cell).unwrap_or_default()
}

/// `text`, with a leading `'` when a spreadsheet would read it as a formula.
fn cell(text: &str) -> String {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{text}")
    } else {
        text.to_string()
    }
}

fn csv_error(error: csv::Error) -> io::Error {
    match error.into_kind() {
        csv::ErrorKind::Io(error) => error,
        other => io::Error::other(format!("{other:?}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_shown_as_text() {
        assert_eq!(cell("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(cell("+1"), "'+1");
        assert_eq!(cell("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(cell("-2"), "'-2");
        assert_eq!(cell("DSR-1"), "DSR-1");
        assert_eq!(cell("hmac-sha256:ab"), "hmac-sha256:ab");
    }
}
