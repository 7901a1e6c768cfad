//! The receipts as Markdown, written as they are read: the journal's chain head, a summary, one
//! table row per vendor step, then each vendor's environment and method, what `verify` found,
//! what needs a person and the caveats. Every value from outside (subject references, messages,
//! operators) is escaped.

use std::io::{self, Write};

use super::{HASHING_NOTE, Receipts, ReportError, Standing, each_with_caveat};

/// Writes `receipts` as Markdown, one subject at a time.
pub fn write(receipts: &dyn Receipts, out: &mut dyn Write) -> Result<(), ReportError> {
    let head = receipts.head();
    let summary = &head.summary;
    writeln!(out, "# Erasure receipts\n")?;
    writeln!(
        out,
        "{}; journal created {}; report made {}.\n",
        head.tool, head.journal_created_at, head.generated_at
    )?;
    writeln!(
        out,
        "Journal chain head: `{}` ({} records, every row checked against it).\n",
        head.chain.digest, head.chain.records
    )?;
    if let Some(subject) = &head.only_subject {
        writeln!(out, "Only the subject {}.\n", escape(subject))?;
    }
    writeln!(
        out,
        "**{}.** Steps: {}.\n",
        summary.subjects_line(),
        summary.steps_line()
    )?;
    for warning in &head.warnings {
        writeln!(out, "> **Warning:** {}\n", escape(warning))?;
    }
    writeln!(
        out,
        "| Subject | Line | Vendor | Action | Vendor id | Standing | Outcome | Time (UTC) | Request id | Attempts |"
    )?;
    writeln!(out, "|---|---:|---|---|---|---|---|---|---|---:|")?;
    receipts.each_subject(&mut |subject| {
        for step in &subject.steps {
            writeln!(
                out,
                "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |",
                escape(&subject.subject),
                subject.line,
                step.vendor_name,
                step.action,
                code(&step.id),
                step.standing.label(),
                step.outcome.as_deref().unwrap_or("—"),
                step.time.as_deref().unwrap_or("—"),
                step.request_id
                    .as_deref()
                    .map(escape)
                    .unwrap_or_else(|| "—".to_string()),
                step.attempts
            )?;
        }
        Ok(())
    })?;

    if !head.vendors.is_empty() {
        writeln!(out, "\n## Vendors\n")?;
        for vendor in &head.vendors {
            let list = |items: &[String]| match items {
                [] => "not recorded".to_string(),
                items => items
                    .iter()
                    .map(|item| escape(item))
                    .collect::<Vec<_>>()
                    .join(", "),
            };
            writeln!(out, "### {}\n", vendor.vendor_name)?;
            writeln!(out, "- Method: {}", vendor.method)?;
            writeln!(out, "- Environment: {}", list(&vendor.environments))?;
            let completed = vendor.completed_at.as_deref();
            let completed = completed.unwrap_or("not yet (steps remain)");
            writeln!(out, "- Completed: {completed}")?;
            writeln!(out, "- Tool: {}", list(&vendor.tools))?;
            writeln!(out, "- Spec version: {}", list(&vendor.spec_versions))?;
            writeln!(out, "- Operator: {}", list(&vendor.operators))?;
            writeln!(out, "- Checked again later: {}", vendor.absence_check)?;
            for page in &vendor.cited_pages {
                let (url, sha256) = (escape(&page.url), &page.sha256);
                writeln!(
                    out,
                    "- Cited page: {url} (sha256 of its stored source file `{sha256}`)"
                )?;
            }
            writeln!(out)?;
        }
    }

    if head.rechecks > 0 {
        writeln!(out, "\n## Checked again (verify)\n")?;
        receipts.each_subject(&mut |subject| rechecks(out, subject))?;
    }

    if summary.steps_needing_a_person + summary.steps_not_finished > 0 {
        writeln!(out, "\n## Needs a person or not finished\n")?;
        receipts.each_subject(&mut |subject| attention(out, subject))?;
    }

    if !head.caveats.is_empty() {
        writeln!(out, "\n## Caveats\n")?;
        for caveat in head.caveats.keys() {
            write!(out, "- {caveat} Applies to: ")?;
            each_with_caveat(receipts, caveat, &mut |subject, separator| {
                let reference = escape(&subject.subject);
                write!(out, "{separator}{reference} (line {})", subject.line)
            })?;
            writeln!(out, ".")?;
        }
    }
    writeln!(out, "\n---\n\n{HASHING_NOTE}")?;
    Ok(())
}

/// The lines of a subject's steps with a Gainsight PX re-check date or a `verify` result.
fn rechecks(out: &mut dyn Write, subject: &super::SubjectReceipt) -> io::Result<()> {
    for step in &subject.steps {
        if step.recheck_due.is_none() && step.verification.is_none() {
            continue;
        }
        write!(
            out,
            "- **{}** (line {}), {} {}:",
            escape(&subject.subject),
            subject.line,
            step.vendor_name,
            code(&step.id)
        )?;
        if let Some(due) = &step.recheck_due {
            write!(out, " re-check due {due}.")?;
        }
        match &step.verification {
            Some(check) => write!(
                out,
                " Verify {}: {}. {}",
                check.time,
                check.result.label(),
                escape(check.note.as_deref().unwrap_or(""))
            )?,
            None => write!(out, " Not verified yet.")?,
        }
        writeln!(out)?;
    }
    Ok(())
}

/// The lines of a subject's steps that need a person or are not finished.
fn attention(out: &mut dyn Write, subject: &super::SubjectReceipt) -> io::Result<()> {
    for step in &subject.steps {
        if !matches!(step.standing, Standing::NeedsPerson | Standing::NotFinished) {
            continue;
        }
        write!(
            out,
            "- **{}** (line {}), {} {} {}: {}. {}",
            escape(&subject.subject),
            subject.line,
            step.vendor_name,
            step.action,
            code(&step.id),
            step.standing.label(),
            escape(&step.meaning)
        )?;
        if let Some(into) = &step.merged_into {
            write!(out, " Merged into {}.", code(into))?;
        }
        if let Some(problem) = &step.problem {
            write!(
                out,
                " Problem `{}`: {} {}",
                problem.kind.name(),
                escape(&problem.message),
                problem.advice
            )?;
        }
        writeln!(out)?;
    }
    Ok(())
}

/// Text safe in a table cell: Markdown punctuation and HTML are escaped, lines joined.
fn escape(text: &str) -> String {
    escaped(text, "\\`*_[]<>|#!~&")
}

/// `text` on one line without control characters, each of `special` escaped by a backslash.
fn escaped(text: &str, special: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            c if special.contains(c) => {
                out.push('\\');
                out.push(c);
            }
            '\n' | '\r' | '\t' => out.push(' '),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// `text` as a code span that shows it exactly, even a revealed id with backticks or pipes: the
/// fence is one backtick longer than any run inside, and a pipe is escaped for the table.
fn code(text: &str) -> String {
    let longest = text.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest + 1);
    let pad = if text.starts_with('`') || text.ends_with('`') {
        " "
    } else {
        ""
    };
    let body = escaped(text, "|");
    format!("{fence}{pad}{body}{pad}{fence}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostile_text_cannot_break_the_table() {
        assert_eq!(escape("a|b<script>`x`\nc"), "a\\|b\\<script\\>\\`x\\` c");
        assert_eq!(code("hmac-sha256:ab"), "`hmac-sha256:ab`");
        assert_eq!(code("a`|b"), "``a`\\|b``");
        assert_eq!(code("`x"), "`` `x ``");
    }
}
