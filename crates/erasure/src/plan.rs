//! The plan: what a run does at each vendor for each subject, as `plan` and `run --dry-run` print
//! it. Ids are left out unless asked for (`--reveal`).

use std::collections::BTreeSet;
use std::fmt::Write;

use crate::subjects::Subject;
use crate::vendor::Vendor;

/// The vendors the subjects name.
pub fn vendors_needed(subjects: &[Subject]) -> BTreeSet<Vendor> {
    subjects
        .iter()
        .flat_map(|subject| subject.ids.iter().map(|(vendor, _)| *vendor))
        .collect()
}

/// The plan as text: what each action does, then one line per subject.
pub fn render(subjects: &[Subject], reveal: bool) -> String {
    let steps: usize = subjects.iter().map(|subject| subject.ids.len()).sum();
    let mut out = format!("Plan: {} subject(s), {steps} step(s).\n", subjects.len());
    for vendor in Vendor::ALL {
        let count = subjects
            .iter()
            .filter(|subject| subject.id(vendor).is_some())
            .count();
        if count > 0 {
            let _ = writeln!(
                out,
                "  {vendor} {} × {count}: {}.",
                vendor.action(),
                vendor.action_effect()
            );
        }
    }
    out.push('\n');
    for subject in subjects {
        let actions: Vec<String> = subject
            .ids
            .iter()
            .map(|(vendor, id)| {
                if reveal {
                    format!("{vendor} {} {id}", vendor.action())
                } else {
                    format!("{vendor} {}", vendor.action())
                }
            })
            .collect();
        let _ = writeln!(
            out,
            "line {}  {}: {}",
            subject.line,
            subject.reference,
            actions.join("; ")
        );
    }
    out
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
