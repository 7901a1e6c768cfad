//! The plan: what a run does at each vendor for each subject, as `plan` and `run --dry-run` print
//! it. Ids are left out unless asked for (`--reveal`).

use std::collections::BTreeSet;
use std::io::{self, Write};

use crate::subjects::Subject;
use crate::vendor::{ErasureFacts, Vendor};

/// The vendors the subjects name.
pub fn vendors_needed(subjects: &[Subject]) -> BTreeSet<Vendor> {
    subjects
        .iter()
        .flat_map(|subject| subject.ids.iter().map(|(vendor, _)| *vendor))
        .collect()
}

/// The plan as text (for a few subjects; [`write()`] streams it).
pub fn render(subjects: &[Subject], reveal: bool) -> String {
    let mut out = Vec::new();
    // Writing to memory cannot fail.
    let _ = write(subjects, reveal, &mut out);
    String::from_utf8_lossy(&out).into_owned()
}

/// Writes the plan to `out`, one subject a line as it goes (a million subjects make a plan of
/// about 100 MB): the counts per vendor, then each subject's line, reference and actions, with
/// the ids only when `reveal`.
pub fn write(subjects: &[Subject], reveal: bool, out: &mut dyn Write) -> io::Result<()> {
    let steps: usize = subjects.iter().map(|subject| subject.ids.len()).sum();
    writeln!(out, "Plan: {} subject(s), {steps} step(s).", subjects.len())?;
    for vendor in Vendor::ALL {
        let count = subjects
            .iter()
            .filter(|subject| subject.id(vendor).is_some())
            .count();
        if count > 0 {
            writeln!(
                out,
                "  {vendor} {} × {count}: {}.",
                vendor.action(),
                vendor.action_effect()
            )?;
        }
    }
    writeln!(out)?;
    for subject in subjects {
        write!(out, "line {}  {}: ", subject.line, subject.reference)?;
        for (index, (vendor, id)) in subject.ids.iter().enumerate() {
            let separator = if index == 0 { "" } else { "; " };
            if reveal {
                write!(out, "{separator}{vendor} {} {id}", vendor.action())?;
            } else {
                write!(out, "{separator}{vendor} {}", vendor.action())?;
            }
        }
        writeln!(out)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

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
            vendors_needed(&subjects),
            BTreeSet::from([Vendor::Attestr, Vendor::GainsightPx])
        );
    }
}
