//! Runs `redocly diff` (Redocly CLI, pinned in `package.json`) and reads its JSON report.
//!
//! Redocly compares the two documents with `$ref`s resolved, and rates each change with the rules
//! of the `diff-recommended` ruleset that `redocly.yaml` extends. Without that ruleset Redocly rates
//! every change as a patch, so a report made without it is refused rather than trusted.

use std::path::Path;
use std::process::Command;

use serde::Deserialize;
use serde_json::Value;

use crate::model::DiffError;
use spec_pipeline::Finding;
use spec_pipeline::document::Document;

/// The environment that keeps the Node tools quiet and offline: no telemetry, no update notice.
pub const QUIET_NODE_TOOLS: [(&str, &str); 3] = [
    ("SCARF_ANALYTICS", "false"),
    ("REDOCLY_TELEMETRY", "off"),
    ("REDOCLY_SUPPRESS_UPDATE_NOTICE", "true"),
];

/// What Redocly prints when no diff rule is configured.
const NO_DIFF_RULES: &str = "No diff rules are on";

/// Redocly's JSON report (`redocly diff --format json`), the fields the review reads.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Report {
    /// Every change Redocly found.
    #[serde(default)]
    pub changes: Vec<RedoclyChange>,
}

/// One change as Redocly reports it.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RedoclyChange {
    /// Where Redocly met the change, as a JSON pointer through the first operation that uses it
    /// (a shared component is reported once, under its first use).
    pub path: String,
    /// The OpenAPI node type (`Operation`, `Parameter`, `Schema`, `Response`, ...).
    pub type_name: String,
    /// Whether the node was added, removed or modified.
    pub kind: Kind,
    /// `major`, `minor` or `patch`.
    pub impact: String,
    /// The rules that fired; empty when no rule of the ruleset objects to the change.
    #[serde(default)]
    pub verdicts: Vec<Verdict>,
    /// For a modification, the key that changed (`required`, `enum`, `summary`, ...).
    #[serde(default)]
    pub property: Option<String>,
    /// The node in the old document; absent for an addition.
    #[serde(default)]
    pub base: Option<Side>,
    /// The node in the new document; absent for a removal.
    #[serde(default)]
    pub revision: Option<Side>,
}

impl RedoclyChange {
    /// The node's pointer: in the new document, else in the old one, else Redocly's path.
    pub fn pointer(&self) -> &str {
        self.revision
            .as_ref()
            .or(self.base.as_ref())
            .map_or(self.path.as_str(), |side| side.pointer.as_str())
    }
}

/// What happened to the node Redocly reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// Only the new document has it.
    Added,
    /// Only the old document has it.
    Removed,
    /// Both have it, with a different value or key (see [`RedoclyChange::property`]).
    Modified,
}

/// A rule of the ruleset that objects to a change.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Verdict {
    /// The rule's id (`required-properties-added`).
    pub rule_id: String,
    /// What the rule says of the change, in words.
    pub message: String,
}

/// One side of a change: where it is in that document, and its value there.
#[derive(Debug, Clone, Deserialize)]
pub struct Side {
    /// The node's JSON pointer in that document (`#/components/schemas/X/required`).
    pub pointer: String,
    /// The node's value there, when Redocly includes it.
    #[serde(default)]
    pub value: Option<Value>,
}

/// Runs `redocly diff old new` from `repo`, with `repo/redocly.yaml`, and parses its report; each
/// side is the file Redocly reads and the document parsed from it. Redocly follows every `$ref`:
/// a document with one that leaves it (a file, a URL) is refused before Redocly opens or fetches
/// it.
pub fn run(
    repo: &Path,
    (old, old_doc): (&Path, &Document),
    (new, new_doc): (&Path, &Document),
) -> Result<Report, DiffError> {
    let findings: Vec<Finding> = [old_doc, new_doc]
        .into_iter()
        .flat_map(|doc| {
            doc.unresolved_refs().into_iter().map(|message| Finding {
                document: doc.name.clone(),
                operation: None,
                rule: "ref",
                message,
            })
        })
        .collect();
    if !findings.is_empty() {
        return Err(spec_pipeline::Error::Findings(findings).into());
    }
    let program = repo.join("node_modules/.bin/redocly");
    if !program.exists() {
        return Err(DiffError::Failed(format!(
            "Redocly CLI is not installed ({}): run `npm ci` in the repository root (the version is pinned in package.json)",
            program.display()
        )));
    }
    let config = repo.join("redocly.yaml");
    let scratch = tempfile::tempdir().map_err(|err| DiffError::io(std::env::temp_dir(), err))?;
    let report_path = scratch.path().join("redocly-diff.json");
    let output = Command::new(&program)
        .current_dir(repo)
        .envs(QUIET_NODE_TOOLS)
        .arg("diff")
        .arg(old)
        .arg(new)
        .args(["--format", "json", "--fail-on", "none", "--config"])
        .arg(&config)
        .arg("--output")
        .arg(&report_path)
        .output()
        .map_err(|err| DiffError::Failed(format!("could not run {}: {err}", program.display())))?;
    let stderr = String::from_utf8_lossy(&output.stderr);
    let stdout = String::from_utf8_lossy(&output.stdout);
    if stderr.contains(NO_DIFF_RULES) || stdout.contains(NO_DIFF_RULES) {
        return Err(DiffError::Failed(format!(
            "{}: Redocly's diff rules are off; `extends` must list `diff-recommended`, or every change is rated as a patch",
            config.display()
        )));
    }
    let failed = |problem: String| {
        let (old, new) = (old.display(), new.display());
        DiffError::Failed(format!("`redocly diff {old} {new}` {problem}"))
    };
    if !output.status.success() {
        let printed = without_banner(&format!("{stdout}{stderr}"));
        return Err(failed(format!("failed ({}):\n{printed}", output.status)));
    }
    std::fs::read_to_string(&report_path)
        .map_err(|err| format!("{}: {err}", report_path.display()))
        .and_then(|text| parse_report(&text))
        .map_err(|message| failed(format!("wrote a report this xtask cannot read: {message}")))
}

/// Parses Redocly's JSON report.
pub fn parse_report(text: &str) -> Result<Report, String> {
    serde_json::from_str(text).map_err(|err| err.to_string())
}

/// Redocly's output without its boxed Node-version banner, so an error shows what went wrong.
fn without_banner(text: &str) -> String {
    text.lines()
        .filter(|line| {
            let line = line.trim();
            !(line.is_empty() || line.starts_with(['║', '╔', '╚']))
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_report_with_and_without_verdicts() {
        let report = parse_report(
            r##"{"reportVersion":"1","changes":[
              {"path":"#/paths/~1a/put/requestBody/content/application~1json/schema","typeName":"Schema",
               "kind":"modified","impact":"major","property":"required",
               "verdicts":[{"ruleId":"required-properties-added","impact":"major","message":"m","location":{}}],
               "base":{"file":"old.yaml","pointer":"#/components/schemas/X/required","value":["a"]},
               "revision":{"file":"new.yaml","pointer":"#/components/schemas/X/required","value":["a","b"]}},
              {"path":"#/servers/1","typeName":"Server","kind":"added","impact":"minor","verdicts":[],
               "revision":{"pointer":"#/servers/1","value":{"url":"https://x.test"}}}
            ]}"##,
        )
        .unwrap();
        assert_eq!(report.changes.len(), 2);
        assert_eq!(
            report.changes[0].verdicts[0].rule_id,
            "required-properties-added"
        );
        assert_eq!(report.changes[1].kind, Kind::Added);
        assert!(report.changes[1].base.is_none());
    }

    #[test]
    fn an_empty_report_has_no_changes() {
        assert!(
            parse_report(r#"{"reportVersion":"1","summary":{}}"#)
                .unwrap()
                .changes
                .is_empty()
        );
    }

    #[test]
    fn strips_the_node_banner_from_errors() {
        let text = "\n    ╔══╗\n    ║  Node.js 20 support is ending  ║\n    ╚══╝\nError: boom\n";
        assert_eq!(without_banner(text), "Error: boom");
    }
}
