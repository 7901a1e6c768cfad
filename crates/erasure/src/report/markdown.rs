//! The receipts as Markdown: a summary, one table row per vendor step, then what needs a person
//! and the caveats. Every value from outside (subject references, messages) is escaped.

use std::fmt::Write;

use super::{HASHING_NOTE, Report, Standing};

/// Renders `report` as Markdown.
pub fn render(report: &Report) -> String {
    let mut out = String::new();
    let summary = &report.summary;
    let _ = writeln!(out, "# Erasure receipts\n");
    let _ = writeln!(
        out,
        "{}; journal created {}; report made {}.\n",
        report.tool, report.journal_created_at, report.generated_at
    );
    let _ = writeln!(
        out,
        "Journal chain head: `{}` ({} records, every row checked against it).\n",
        report.chain.head, report.chain.records
    );
    let _ = writeln!(
        out,
        "**{} of {} subjects erased at every vendor.** Steps: {} erased, {} need a person, {} not finished.\n",
        summary.subjects_erased,
        summary.subjects,
        summary.steps_erased,
        summary.steps_needing_a_person,
        summary.steps_not_finished
    );
    let _ = writeln!(
        out,
        "| Subject | Line | Vendor | Action | Vendor id | Standing | Outcome | Time (UTC) | Request id | Attempts |"
    );
    let _ = writeln!(out, "|---|---:|---|---|---|---|---|---|---|---:|");
    for subject in &report.subjects {
        for step in &subject.steps {
            let _ = writeln!(
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
            );
        }
    }

    if !report.vendors.is_empty() {
        let _ = writeln!(out, "\n## Vendors\n");
        for vendor in &report.vendors {
            let list = |items: &[String]| {
                if items.is_empty() {
                    "not recorded".to_string()
                } else {
                    items
                        .iter()
                        .map(|item| escape(item))
                        .collect::<Vec<_>>()
                        .join(", ")
                }
            };
            let _ = writeln!(out, "### {}\n", vendor.vendor_name);
            let _ = writeln!(out, "- Method: {}", vendor.method);
            let _ = writeln!(out, "- Environment: {}", list(&vendor.environments));
            let _ = writeln!(
                out,
                "- Completed: {}",
                vendor
                    .completed_at
                    .as_deref()
                    .unwrap_or("not yet (steps remain)")
            );
            let _ = writeln!(out, "- Tool: {}", list(&vendor.tools));
            let _ = writeln!(out, "- Spec version: {}", list(&vendor.spec_versions));
            let _ = writeln!(out, "- Operator: {}", list(&vendor.operators));
            let _ = writeln!(out, "- Checked again later: {}", vendor.absence_check);
            for page in &vendor.cited_pages {
                let _ = writeln!(
                    out,
                    "- Cited page: {} (sha256 `{}`)",
                    escape(&page.url),
                    page.sha256
                );
            }
            out.push('\n');
        }
    }

    let rechecks: Vec<_> = report
        .subjects
        .iter()
        .flat_map(|subject| subject.steps.iter().map(move |step| (subject, step)))
        .filter(|(_, step)| step.recheck_due.is_some() || step.verification.is_some())
        .collect();
    if !rechecks.is_empty() {
        let _ = writeln!(out, "\n## Checked again (verify)\n");
        for (subject, step) in rechecks {
            let _ = write!(
                out,
                "- **{}** (line {}), {} {}:",
                escape(&subject.subject),
                subject.line,
                step.vendor_name,
                code(&step.id)
            );
            if let Some(due) = &step.recheck_due {
                let _ = write!(out, " re-check due {due}.");
            }
            match &step.verification {
                Some(check) => {
                    let _ = write!(
                        out,
                        " Verify {}: {}. {}",
                        check.time,
                        check.result.label(),
                        escape(check.note.as_deref().unwrap_or(""))
                    );
                }
                None => out.push_str(" Not verified yet."),
            }
            out.push('\n');
        }
    }

    let attention: Vec<_> = report
        .subjects
        .iter()
        .flat_map(|subject| subject.steps.iter().map(move |step| (subject, step)))
        .filter(|(_, step)| step.standing != Standing::Erased)
        .collect();
    if !attention.is_empty() {
        let _ = writeln!(out, "\n## Not erased yet\n");
        for (subject, step) in attention {
            let _ = write!(
                out,
                "- **{}** (line {}), {} {} {}: {}",
                escape(&subject.subject),
                subject.line,
                step.vendor_name,
                step.action,
                code(&step.id),
                escape(&step.meaning)
            );
            if let Some(into) = &step.merged_into {
                let _ = write!(out, " Merged into {}.", code(into));
            }
            if let Some(problem) = &step.problem {
                let _ = write!(
                    out,
                    " Problem `{}`: {} {}",
                    problem.kind.name(),
                    escape(&problem.message),
                    problem.advice
                );
            }
            out.push('\n');
        }
    }

    let caveats = report.caveats();
    if !caveats.is_empty() {
        let _ = writeln!(out, "\n## Caveats\n");
        for (caveat, subjects) in caveats {
            let subjects: Vec<String> = subjects
                .iter()
                .map(|subject| format!("{} (line {})", escape(&subject.subject), subject.line))
                .collect();
            let _ = writeln!(out, "- {caveat} Applies to: {}.", subjects.join(", "));
        }
    }
    let _ = writeln!(out, "\n---\n\n{HASHING_NOTE}");
    out
}

/// Text safe in a table cell: Markdown punctuation and HTML are escaped, lines joined.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '|' | '#' | '!' | '~' | '&' => {
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
    let body: String = text
        .chars()
        .map(|c| match c {
            '|' => "\\|".to_string(),
            '\n' | '\r' | '\t' => " ".to_string(),
            c if c.is_control() => String::new(),
            c => c.to_string(),
        })
        .collect();
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
