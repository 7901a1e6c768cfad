//! From one Redocly change to one classified [`Change`]: the first row of
//! [`crate::rules::RULES`] whose matcher recognizes the change rates it (oasdiff's rules table).
//!
//! Rows that override Redocly are tried before the others, since an override exists to take a
//! change out of the row Redocly's verdict would put it in.

use std::collections::BTreeSet;

use crate::model::{Change, RatedBy};
use crate::redocly::{Kind, RedoclyChange};
use crate::rules::{self, Found, RULES};
use crate::view::{ChangeView, Direction, Sides, kebab};

/// The extensions whose changes [`crate::extensions`] rates; Redocly's view of them is dropped.
const OWN_EXTENSIONS: [&str; 3] = ["/x-error-codes", "/x-vendor-doc", "/x-outcomes"];

/// Classifies one change, or `None` when it belongs to [`crate::extensions`].
pub fn classify(change: &RedoclyChange, sides: &Sides<'_>) -> Option<Change> {
    // Redocly's path runs through the first operation that uses the change.
    let path_index = match change.kind {
        Kind::Removed => sides.old_operations,
        Kind::Added | Kind::Modified => sides.new_operations,
    };
    let sides_pointers = [
        (&change.base, sides.old_operations),
        (&change.revision, sides.new_operations),
    ];
    let pointers = sides_pointers
        .into_iter()
        .filter_map(|(side, index)| Some((&side.as_ref()?.pointer, index)))
        .chain([(&change.path, path_index)]);
    let own = |pointer: &String| OWN_EXTENSIONS.iter().any(|own| pointer.contains(own));
    if pointers.clone().any(|(pointer, _)| own(pointer)) {
        return None;
    }
    let operations: BTreeSet<String> = pointers
        .flat_map(|(pointer, index)| index.reached_by(pointer))
        .collect();
    let view = ChangeView::new(change, sides);
    let overrides = RULES.iter().filter(|row| row.rated_by == RatedBy::Override);
    let others = RULES.iter().filter(|row| row.rated_by != RatedBy::Override);
    let (row, found) = overrides
        .chain(others)
        .find_map(|row| row.recognize(&view).map(|found| (row, found)))
        .expect("the `*` row recognizes every change Redocly objects to, and the `*-added`, `*-removed` and `*-changed` rows every other");
    let (rule, message, reason) = match found {
        Found::Verdicts(ids) => {
            let reasons: Vec<&str> = ids
                .iter()
                .map(|id| rules::rule(id).reason(Direction::Neither))
                .collect();
            (ids.join(", "), view.verdict_message(), reasons.join("; "))
        }
        // A `*-added` row's change is shown under its node type's id (`header-added`).
        Found::Message(message) => (
            row.id.replace('*', &kebab(&view.change.type_name)),
            message,
            row.reason(view.direction).to_string(),
        ),
    };
    Some(Change {
        severity: row.severity,
        operations: operations.into_iter().collect(),
        message,
        rule,
        reason,
        location: change.pointer().to_string(),
        rated_by: row.rated_by,
        redocly_impact: Some(change.impact.clone()),
    })
}
