//! What the review report says of one changed file, whichever section it is in (a vendor page, a
//! generated file): whether it was added, removed or modified, and its diff cut to a length a
//! pull request can show.

use serde::Serialize;

/// How a file differs from its version at the base revision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum FileStatus {
    /// The file is new since the base revision.
    Added,
    /// The file is gone since the base revision.
    Removed,
    /// The file is on both sides, with different contents.
    Modified,
}

impl FileStatus {
    /// The status of a file that differs between the base (`old`) and now (`new`); `None` where
    /// it is absent.
    pub fn between<T>(old: &Option<T>, new: &Option<T>) -> FileStatus {
        match (old, new) {
            (None, _) => FileStatus::Added,
            (_, None) => FileStatus::Removed,
            _ => FileStatus::Modified,
        }
    }
}

/// `diff` cut at `max` lines, and how many lines were cut.
pub fn cut(diff: &str, max: usize) -> (String, usize) {
    let lines: Vec<&str> = diff.lines().collect();
    if lines.len() <= max {
        return (diff.to_string(), 0);
    }
    let mut kept = lines[..max].join("\n");
    kept.push('\n');
    (kept, lines.len() - max)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_diff_is_cut_and_says_by_how_much() {
        let diff: String = (0..250).map(|i| format!("+line {i}\n")).collect();
        let (kept, cut_lines) = cut(&diff, 200);
        assert_eq!(kept.lines().count(), 200);
        assert_eq!(cut_lines, 50);
        assert_eq!(cut("+a\n", 200), ("+a\n".to_string(), 0));
    }
}
