//! The plan: what a run does at each vendor for each subject, as `plan` and `run --dry-run` print
//! it. Ids are left out unless asked for (`--reveal`).

use std::io::{self, Write};

use crate::subjects::{Source, Subject, SubjectsError};
use crate::vendor::ErasureFacts;

/// Why the plan was not written whole.
#[derive(Debug, thiserror::Error)]
pub enum PlanError {
    /// The subjects file could not be read again.
    #[error(transparent)]
    Subjects(#[from] SubjectsError),
    /// The output failed (a reader that closed the pipe included).
    #[error("cannot write the plan: {0}")]
    Write(#[from] io::Error),
}

/// The plan as text (for a few subjects; [`write()`] streams it).
pub fn render(subjects: &[Subject], reveal: bool) -> String {
    let mut out = Vec::new();
    // Writing a list to memory cannot fail.
    let _ = write(subjects, reveal, &mut out);
    String::from_utf8_lossy(&out).into_owned()
}

/// Writes the plan to `out`, one subject a line as it goes (a million subjects make a plan of
/// about 100 MB): the counts per vendor, then each subject's line, reference and actions, with
/// the ids only when `reveal`.
pub fn write(
    subjects: &(impl Source + ?Sized),
    reveal: bool,
    out: &mut dyn Write,
) -> Result<(), PlanError> {
    let counts = subjects.counts();
    writeln!(
        out,
        "Plan: {} subject(s), {} step(s).",
        counts.subjects,
        counts.steps()
    )?;
    for (vendor, count) in &counts.per_vendor {
        writeln!(
            out,
            "  {vendor} {} × {count}: {}.",
            vendor.facts().action,
            vendor.facts().action_effect
        )?;
    }
    writeln!(out)?;
    subjects.for_each_subject(|subject| {
        write!(out, "line {}  {}: ", subject.line, subject.reference)?;
        for (index, (vendor, id)) in subject.ids.iter().enumerate() {
            let separator = if index == 0 { "" } else { "; " };
            write!(out, "{separator}{vendor} {}", vendor.facts().action)?;
            if reveal {
                write!(out, " {id}")?;
            }
        }
        Ok::<_, PlanError>(writeln!(out)?)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vendor::Vendor;

    #[test]
    fn the_plan_says_what_each_action_does_and_hides_ids() {
        let subjects = [Subject {
            reference: "DSR-1".to_string(),
            line: 2,
            ids: vec![
                (Vendor::Attestr, "AX1".to_string()),
                (Vendor::GainsightPx, "jdoe@example.test".to_string()),
            ],
        }];
        let text = render(&subjects, false);
        assert!(
            text.contains("Attestr archive profile × 1: irreversible"),
            "{text}"
        );
        assert!(
            text.contains("Gainsight PX hard-delete user × 1: hardDelete=true"),
            "{text}"
        );
        assert!(!text.contains("Trust"), "{text}");
        assert!(
            text.contains("line 2  DSR-1: Attestr archive profile; Gainsight PX hard-delete user")
        );
        assert!(!text.contains("jdoe"));
        assert!(render(&subjects, true).contains("jdoe@example.test"));
        assert_eq!(
            subjects.counts().vendors(),
            std::collections::BTreeSet::from([Vendor::Attestr, Vendor::GainsightPx])
        );
    }
}
